"""Parity with model2vec 0.10.0 on the shared models (../shared/models):
against the stored reference outputs (reference.npz, reference_extra.npz)
and against live model2vec on slices of ../shared/corpus, for every
tokenizer mode m2v has."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import shared_dir
from oracle import assert_close, load_m2v, load_oracle, table_dtype, tokenizer_modes

pytestmark = pytest.mark.shared

BASE_MODELS = ["m2v-base-f32", "m2v-base-f16", "m2v-base-i8", "m2v-base-vq"]
POTION_MODELS = [f"potion-test/test-model-{n}" for n in ("float32", "float16", "sentence-transformers")]
ALL_MODELS = BASE_MODELS + POTION_MODELS
MODES = tokenizer_modes()
CORPUS_SLICE = {"en_sentences.txt": 400, "multilingual.txt": 300, "bench_docs.txt": 120}


def _folder(name: str) -> Path:
    return shared_dir() / "models" / name


@functools.lru_cache(maxsize=None)
def _m2v(name: str, mode: str) -> Any:
    return load_m2v(_folder(name), mode)


@functools.lru_cache(maxsize=None)
def _oracle(name: str) -> Any:
    return load_oracle(_folder(name))


@functools.lru_cache(maxsize=None)
def _corpus() -> list[str]:
    texts: list[str] = []
    for fname, n in CORPUS_SLICE.items():
        lines = (shared_dir() / "corpus" / fname).read_text(encoding="utf-8").split("\n")
        texts.extend(lines[:n])
    return texts


def _ids(z: Any) -> list[list[int]]:
    ids, off = z["token_ids"], z["token_offsets"]
    return [ids[off[i]:off[i + 1]].tolist() for i in range(len(off) - 1)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", BASE_MODELS)
@pytest.mark.parametrize("npz", ["reference.npz", "reference_extra.npz"])
def test_reference_outputs(name: str, mode: str, npz: str) -> None:
    z = np.load(shared_dir() / "reference" / name / npz)
    sentences = [str(s) for s in z["sentences"]]
    model = _m2v(name, mode)
    assert_close(model.encode(sentences), z["embeddings"], table_dtype(_folder(name)), f"{name}/{npz}/{mode}")
    assert model.tokenize(sentences) == _ids(z)


@pytest.mark.parametrize("name", BASE_MODELS)
def test_reference_model_facts(name: str) -> None:
    import json

    facts = json.loads((shared_dir() / "reference" / name / "versions.json").read_text())
    model = _m2v(name, "hf")
    assert model.dim == facts["dim"]
    assert model.vocab_size == facts["vocab_size"]
    assert model.median_token_length == facts["median_token_length"]
    assert model.unk_token_id == facts["unk_token_id"]
    assert model.normalize == facts["normalize"] and model.max_length == facts["max_length"]
    assert model.embedding_dtype == facts["embedding_dtype"]
    assert model.embedding.shape[0] == facts["embedding_rows"]
    assert (model.token_mapping is not None) == facts["has_mapping"]
    assert (model.weights is not None) == facts["has_weights"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ALL_MODELS)
def test_live_corpus(name: str, mode: str) -> None:
    texts = _corpus()
    model, oracle = _m2v(name, mode), _oracle(name)
    dtype = table_dtype(_folder(name))
    assert_close(model.encode(texts), oracle.encode(texts, use_multiprocessing=False), dtype, f"{name}/{mode}")
    assert model.tokenize(texts) == oracle.tokenize(texts)
    assert model.median_token_length == oracle.median_token_length
    assert model.unk_token_id == oracle.unk_token_id
    assert model.tokens == tuple(oracle.tokens)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["m2v-base-f32", "m2v-base-vq", "potion-test/test-model-float16"])
@pytest.mark.parametrize("max_length", [None, 16, 0])
def test_live_corpus_max_length_and_normalize(name: str, mode: str, max_length: Any) -> None:
    texts = _corpus()[-150:]  # long documents
    model, oracle = _m2v(name, mode), _oracle(name)
    dtype = table_dtype(_folder(name))
    for normalize in (False, True):
        got = model.encode(texts, max_length=max_length, normalize=normalize)
        ref = oracle.encode(texts, max_length=max_length, normalize=normalize, use_multiprocessing=False)
        assert_close(got, ref, dtype, f"{name}/{mode}/max_length={max_length}/normalize={normalize}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ALL_MODELS)
def test_live_sequence(name: str, mode: str) -> None:
    texts = _corpus()[:40] + _corpus()[-10:]
    model, oracle = _m2v(name, mode), _oracle(name)
    dtype = table_dtype(_folder(name))
    for max_length in (None, 20):
        got = model.encode_as_sequence(texts, max_length=max_length)
        ref = oracle.encode_as_sequence(texts, max_length=max_length, use_multiprocessing=False)
        assert len(got) == len(ref)
        for i, (g, r) in enumerate(zip(got, ref)):
            assert_close(g, np.asarray(r).reshape(-1, model.dim), dtype, f"{name}/{mode}/seq[{i}]")


@pytest.mark.parametrize("name", ALL_MODELS)
def test_embedding_view_matches_model2vec_table(name: str) -> None:
    model, oracle = _m2v(name, "hf"), _oracle(name)
    assert model.embedding.dtype == oracle.embedding.dtype
    np.testing.assert_array_equal(model.embedding, oracle.embedding)
    for mine, theirs in ((model.weights, oracle.weights), (model.token_mapping, oracle.token_mapping)):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            np.testing.assert_array_equal(mine, theirs)
