"""Parity with model2vec 0.10.0 on the project's own fixture models
(tests/fixtures/models, made by tests/fixtures/make_fixtures.py): against
the golden files and against live model2vec, for every tokenizer mode, every
dtype, weights/mapping, normalize and max_length at load and per call, all
three layouts, edge-case texts, single strings, and batches of 1 and 10,000.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import FIXTURES
from oracle import assert_close, load_m2v, load_oracle, table_dtype, tokenizer_modes

MODELS_DIR = FIXTURES / "models"
GOLDEN_DIR = FIXTURES / "golden"
FIXTURE_NAMES = sorted(p.name for p in MODELS_DIR.iterdir() if p.is_dir()) if MODELS_DIR.is_dir() else []
MODES = tokenizer_modes()

EXTRA_TEXTS = [
    "",
    " ",
    "\u2603\u2603",  # only unknown characters
    "\U0001F600\U0001F355 emoji \U0001F44D\U0001F3FD and flags \U0001F1E9\U0001F1EA",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u05e9\u05dc\u05d5\u05dd \u03b3\u03b5\u03b9\u03ac \uc548\ub155",  # scripts
    "the quick brown fox " * 400,  # far longer than max_length (tokens and chars)
    "x" * 5000,
    "Hello\u00a0world\u2028next\u3000ideographic space",
    "the fox",
]

BIG_MODELS = ["f32", "vq_f32_norm_ml8", "bf16_norm_ml8", "i8_ml8", "st_nested_norm_ml8"]


def test_fixtures_exist() -> None:
    assert len(FIXTURE_NAMES) >= 10, f"no fixture models in {MODELS_DIR}"
    dtypes = {table_dtype(MODELS_DIR / n) for n in FIXTURE_NAMES}
    assert {"F32", "F16", "BF16", "F64", "I8"} <= dtypes


@functools.lru_cache(maxsize=None)
def _golden(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _m2v(name: str, mode: str) -> Any:
    return load_m2v(MODELS_DIR / name, mode)


@functools.lru_cache(maxsize=None)
def _oracle(name: str) -> Any:
    return load_oracle(MODELS_DIR / name)


def _texts(name: str) -> list[str]:
    return [item["text"] for item in _golden(name)["items"]] + EXTRA_TEXTS


def _dtype(name: str) -> str:
    return table_dtype(MODELS_DIR / name)


def _assert_golden_close(got: np.ndarray, ref: np.ndarray, tol: float, what: str) -> None:
    assert got.dtype == np.float32 and got.shape == ref.shape, what
    diff = np.abs(got.astype(np.float64) - ref)
    assert diff.size == 0 or diff.max() <= tol, f"{what}: max diff {diff.max():.3g} > {tol}"


# ---------------------------------------------------------------------------
# Golden files
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_golden(name: str, mode: str) -> None:
    g = _golden(name)
    s = g["settings"]
    tol = float(s["tolerance"])
    model = _m2v(name, mode)
    assert model.dim == s["dim"] and model.vocab_size == s["vocab_size"]
    assert model.normalize == s["normalize"] and model.max_length == s["max_length"]
    assert model.median_token_length == s["median_token_length"]
    assert model.unk_token_id == s["unk_token_id"]
    assert model.embedding.shape == (s["rows"], s["dim"])
    assert (model.weights is not None) == s["has_weights"]
    assert (model.token_mapping is not None) == s["has_mapping"]
    assert model.embedding_dtype == s["dtype"]

    texts = [item["text"] for item in g["items"]]
    _assert_golden_close(model.encode(texts), np.array([i["embedding"] for i in g["items"]]), tol, name)
    assert model.tokenize(texts) == [i["ids"] for i in g["items"]]
    for item in g["items"]:
        if "sequence" in item:
            seq = model.encode_as_sequence(item["text"])
            ref = np.array(item["sequence"], dtype=np.float64).reshape(-1, s["dim"])
            _assert_golden_close(seq, ref, tol, f"{name} sequence of {item['text'][:30]!r}")


# ---------------------------------------------------------------------------
# Live model2vec
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_live_defaults(name: str, mode: str) -> None:
    model, oracle = _m2v(name, mode), _oracle(name)
    texts = _texts(name)
    assert_close(model.encode(texts), oracle.encode(texts), _dtype(name), f"{name}/{mode}")
    assert model.tokenize(texts) == oracle.tokenize(texts)
    assert model.tokens == tuple(oracle.tokens)
    assert model.median_token_length == oracle.median_token_length
    assert model.unk_token_id == oracle.unk_token_id
    assert model.normalize == oracle.normalize and model.max_length == oracle.max_length


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_live_per_call_overrides(name: str, mode: str) -> None:
    model, oracle = _m2v(name, mode), _oracle(name)
    texts = _texts(name)
    for normalize in (None, False, True):
        for max_length in ("default", None, 0, 1, 3, 40):
            kw: dict[str, Any] = {} if max_length == "default" else {"max_length": max_length}
            got = model.encode(texts, normalize=normalize, **kw)
            ref = oracle.encode(texts, normalize=normalize, **kw)
            assert_close(got, ref, _dtype(name), f"{name}/{mode}/normalize={normalize}/{kw}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["f32", "f16_ml8", "vq_i8_norm", "bf16_norm_ml8", "st_layout"])
@pytest.mark.parametrize("load_kwargs", [
    {"normalize": True}, {"normalize": False}, {"max_length": None}, {"max_length": 2},
    {"max_length": 4, "normalize": True},
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_live_load_overrides(name: str, mode: str, load_kwargs: dict[str, Any]) -> None:
    model = load_m2v(MODELS_DIR / name, mode, **load_kwargs)
    oracle = load_oracle(MODELS_DIR / name, **load_kwargs)
    assert model.normalize == oracle.normalize and model.max_length == oracle.max_length
    texts = _texts(name)
    assert_close(model.encode(texts), oracle.encode(texts), _dtype(name), f"{name}/{mode}/{load_kwargs}")
    assert model.tokenize(texts) == oracle.tokenize(texts)
    assert_close(model.encode(texts, max_length=6), oracle.encode(texts, max_length=6), _dtype(name))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_live_single_string_and_small_batches(name: str, mode: str) -> None:
    model, oracle = _m2v(name, mode), _oracle(name)
    dtype = _dtype(name)
    for text in _texts(name)[::3]:
        got = model.encode(text)
        assert got.ndim == 1
        assert_close(got, oracle.encode(text), dtype, f"{name}/{mode}/single {text[:20]!r}")
        assert_close(model.encode([text]), oracle.encode([text]), dtype, f"{name}/{mode}/batch of 1")
    texts = _texts(name)
    full = model.encode(texts)
    for batch_size in (1, 7):
        np.testing.assert_array_equal(model.encode(texts, batch_size=batch_size), full)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_live_sequence(name: str, mode: str) -> None:
    model, oracle = _m2v(name, mode), _oracle(name)
    texts = _texts(name)
    for max_length in (None, 5):
        got = model.encode_as_sequence(texts, max_length=max_length)
        ref = oracle.encode_as_sequence(texts, max_length=max_length)
        assert len(got) == len(ref)
        for i, (g, r) in enumerate(zip(got, ref)):
            assert_close(g, np.asarray(r).reshape(-1, model.dim), _dtype(name),
                         f"{name}/{mode}/sequence[{i}] max_length={max_length}")
    single = model.encode_as_sequence(texts[3])
    assert_close(single, np.asarray(oracle.encode_as_sequence(texts[3])).reshape(-1, model.dim), _dtype(name))


@functools.lru_cache(maxsize=None)
def _big_batch(name: str) -> tuple[list[str], np.ndarray]:
    base = _texts(name)
    rng = np.random.default_rng(7)
    words = [w for t in base for w in t.split()][:400] or ["the"]
    texts = []
    for i in range(10_000):
        k = int(rng.integers(0, 30))
        texts.append(" ".join(words[j] for j in rng.integers(0, len(words), k)) if i % 50 else base[i % len(base)])
    return texts, _oracle(name).encode(texts, use_multiprocessing=False)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", BIG_MODELS)
def test_live_batch_of_10000(name: str, mode: str) -> None:
    texts, ref = _big_batch(name)
    model = _m2v(name, mode)
    assert_close(model.encode(texts), ref, _dtype(name), f"{name}/{mode}/10000")
    assert_close(model.encode(texts, num_threads=2, batch_size=3000), ref, _dtype(name), f"{name}/{mode}/10000/t2")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_tensor_views(name: str) -> None:
    model, oracle = _m2v(name, "hf"), _oracle(name)
    emb = model.embedding
    if model.embedding_dtype == "bfloat16":
        widened = (emb.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        np.testing.assert_array_equal(widened, oracle.embedding)
    else:
        assert emb.dtype == oracle.embedding.dtype
        np.testing.assert_array_equal(emb, oracle.embedding)
    for mine, theirs in ((model.weights, oracle.weights), (model.token_mapping, oracle.token_mapping)):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            np.testing.assert_array_equal(mine, theirs)
