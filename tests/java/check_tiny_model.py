#!/usr/bin/env python3
"""Checks the hand-computed expectations of tests/java/org/m2v/TinyModel.java against
model2vec 0.10.0: builds the same tiny model (same tokenizer.json content, same table) in a
temporary folder and asserts model2vec's outputs for the texts the Java tests use.
Not part of CI (needs model2vec); run it after changing TinyModel:
    python3 tests/java/check_tiny_model.py
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from model2vec import StaticModel
from safetensors.numpy import save_file

VOCAB = ["[PAD]", "[UNK]", "a", "##b", "hello", "world", "##s", "\U0001F600", "\U0001D11E",
         "\u65e5", "\u672c", "!", "x"]


def row(i: int) -> list[float]:
    return [i, -i, i * 0.5, 1 + i * 0.25]  # TinyModel.row


def expected(ids: list[int], normalize: bool = False) -> np.ndarray:
    if not ids:
        return np.zeros(4, dtype=np.float32)
    v = np.mean(np.array([row(i) for i in ids], dtype=np.float32), axis=0)
    return v / (np.linalg.norm(v) + 1e-32) if normalize else v


def main() -> int:
    d = Path(tempfile.mkdtemp()) / "tiny"
    d.mkdir()
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": VOCAB[i], "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True} for i in range(2)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": None, "decoder": None,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(VOCAB)}},
    }
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    (d / "config.json").write_text('{"model_type": "model2vec", "normalize": false}')
    save_file({"embeddings": np.array([row(i) for i in range(len(VOCAB))], dtype=np.float32)},
              str(d / "model.safetensors"))
    m = StaticModel.from_pretrained(str(d))
    assert m.median_token_length == 1 and m.max_length == 512 and not m.normalize
    cases = {
        "hello worlds": [4, 5, 6], "HELLO World": [4, 5], "hello!": [4, 11],
        "a x hello": [2, 12, 4], "zzz": [], "": [], "\U0001F600 \U0001D11E": [7, 8],
        "a\u0000b": [2, 3], "\u65e5\u672c": [9, 10], "hello \ud800".encode("utf-8", "replace")
        .decode(): [4],
    }
    for text, ids in cases.items():
        assert m.tokenize([text])[0] == ids, (text, m.tokenize([text]))
        np.testing.assert_allclose(m.encode(text), expected(ids), atol=1e-6)
    np.testing.assert_allclose(
        StaticModel.from_pretrained(str(d), normalize=True).encode("hello worlds"),
        expected([4, 5, 6], True), atol=1e-6)
    np.testing.assert_allclose(m.encode("hello worlds", max_length=2), expected([]), atol=0)
    np.testing.assert_allclose(m.encode("a x hello", max_length=2), expected([2]), atol=1e-6)
    print("TinyModel expectations match model2vec", __import__("model2vec").__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
