"""The HuggingFace `tokenizers` fast path (tokenizer="hf").

The texts of a batch are tokenized together in Rust (encode_batch_fast, no
special tokens, no truncation, no padding), the ids are flattened into one
int32 array plus offsets, and C pools the whole batch in one m2v_encode_ids
call, which applies model2vec's token cut and [UNK] removal. The character
cut (text[:max_length * median_token_length]) is done in Python, before
tokenizing, as model2vec does.
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np


def tokenizers_available() -> bool:
    try:
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


class HFTokenizer:
    """A `tokenizers.Tokenizer` read from tokenizer.json, set up as model2vec
    uses it: no padding, and truncation left to m2v."""

    def __init__(self, tokenizer_json: str) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "tokenizer='hf' needs the HuggingFace 'tokenizers' package: pip install 'm2v[hf]'"
            ) from exc
        tok = Tokenizer.from_file(tokenizer_json)
        tok.no_padding()
        tok.no_truncation()
        self.tokenizer: Any = tok
        self._batch = getattr(tok, "encode_batch_fast", None) or tok.encode_batch

    def vocab_size(self) -> int:
        return int(self.tokenizer.get_vocab_size(with_added_tokens=True))

    def encode_lists(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of each text (no special tokens, untruncated)."""
        return [e.ids for e in self._batch(list(texts), add_special_tokens=False)]

    def encode_flat(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ids of all texts as (flat int32 ids, offsets size_t[n + 1])."""
        lists = self.encode_lists(texts)
        n = len(lists)
        offsets = np.zeros(n + 1, dtype=np.uintp)
        np.cumsum(np.fromiter(map(len, lists), dtype=np.uintp, count=n), out=offsets[1:])
        total = int(offsets[-1])
        ids = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int32, count=total)
        return ids, offsets

    def __call__(self, text: str) -> list[int]:
        """The callback form: ids of one text (see m2v._callback)."""
        return self.tokenizer.encode(text, add_special_tokens=False).ids
