"""Property-based parity: random Unicode text (hypothesis) encodes and
tokenizes as model2vec 0.10.0 does, in every tokenizer mode."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from oracle import assert_close, load_m2v, load_oracle, table_dtype, tokenizer_modes

MODELS = FIXTURES / "models"
NAMES = ["f32_norm_ml8", "vq_f16_i32"]

WORDS = ["the", "quick", "brown", "fox", "hello", "world", "running", "caf\u00e9", "\u4f60\u597d",
         "\U0001F355", "[UNK]", "[CLS]", "!", "...", "\u2603", "\u0301", "\u200b", "\t", "\n"]

text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=40).map("".join),
)


@functools.lru_cache(maxsize=None)
def _models(name: str) -> tuple[list[tuple[str, Any]], Any]:
    folder = MODELS / name
    return [(mode, load_m2v(folder, mode)) for mode in tokenizer_modes()], load_oracle(folder)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(text, min_size=1, max_size=8), max_length=st.sampled_from(["default", None, 0, 2, 9]))
def test_random_text_parity(texts: list[str], max_length: Any) -> None:
    kw: dict[str, Any] = {} if max_length == "default" else {"max_length": max_length}
    for name in NAMES:
        models, oracle = _models(name)
        ref = np.asarray(oracle.encode(texts, **kw))
        ref_ids = oracle.tokenize(texts)
        for mode, model in models:
            assert_close(model.encode(texts, **kw), ref, table_dtype(MODELS / name), f"{name}/{mode}")
            assert model.tokenize(texts) == ref_ids, f"{name}/{mode}"
