"""The StaticModel surface: properties, views, lifetime, settings, CLI."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import m2v
from m2v._m2v import ffi, lib

import modelgen

DIM = 6
# `python -m m2v` runs from the folder holding the m2v this process imported
# (site-packages when installed), not from the repository root, whose m2v/
# has no compiled extension in a fresh clone.
PKG_PARENT = str(Path(m2v.__file__).resolve().parents[1])


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return modelgen.write_model(tmp_path / "model", dim=DIM, config={"normalize": True, "max_length": 7})


@pytest.fixture()
def vq_folder(tmp_path: Path) -> Path:
    n = len(modelgen.vocab())
    rng = np.random.default_rng(3)
    return modelgen.write_model(
        tmp_path / "vq", embeddings=modelgen.table(5, DIM), mapping=rng.integers(0, 5, n).astype(np.int64),
        weights=rng.uniform(0.5, 2.0, n).astype(np.float32), config={"normalize": False})


def test_properties(folder: Path) -> None:
    with m2v.StaticModel.from_pretrained(folder, tokenizer="hf") as model:
        assert model.dim == DIM
        assert model.normalize is True
        assert model.max_length == 7
        assert model.unk_token_id == 1
        assert model.tokens == tuple(modelgen.vocab())
        assert model.vocab_size == len(modelgen.vocab())
        assert model.median_token_length == 1
        assert model.embedding_dtype == "float32"
        assert model.weights is None and model.token_mapping is None
        assert model.vocabulary_quantization is None
        assert model.config == {"normalize": True, "max_length": 7}
        assert model.tokenizer_mode == "hf"
        assert model.tokenizer_kind == "none"
        assert "dim=6" in repr(model)


def test_load_overrides(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf", normalize=False, max_length=None)
    assert model.normalize is False and model.max_length is None
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf", max_length=3, unk_token_id=None)
    assert model.max_length == 3 and model.unk_token_id is None


def test_embedding_is_a_zero_copy_read_only_view(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    emb = model.embedding
    view = ffi.new("m2v_tensor *")
    with model._handle as ptr:
        assert lib.m2v_tensor_view(ptr, lib.M2V_TENSOR_EMBEDDINGS, view) == lib.M2V_OK
    assert emb.ctypes.data == int(ffi.cast("uintptr_t", view.data))
    assert not emb.flags.owndata and not emb.flags.writeable
    with pytest.raises(ValueError):
        emb[0, 0] = 1.0
    with pytest.raises(ValueError):
        emb.setflags(write=True)
    raw = (folder / "model.safetensors").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    np.testing.assert_array_equal(emb, np.frombuffer(raw[8 + n:], dtype=np.float32).reshape(emb.shape))
    assert model.embedding is emb  # cached


def test_view_outlives_close_and_model(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    emb = model.embedding[2:4]
    expected = emb.copy()
    model.close()
    del model
    gc.collect()
    np.testing.assert_array_equal(emb, expected)  # still mapped
    del emb
    gc.collect()


def test_close_frees_when_last_view_dies(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    emb = model.embedding
    handle = model._handle
    model.close()
    assert handle._ptr is not None  # a view is alive
    del emb
    gc.collect()
    assert handle._ptr is None


def test_vq_views(vq_folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(vq_folder, tokenizer="hf")
    assert model.embedding.shape == (5, DIM)
    assert model.token_mapping.dtype == np.int64 and model.token_mapping.shape == (model.vocab_size,)
    assert model.weights.dtype == np.float32
    assert model.vocabulary_quantization == 5


@pytest.mark.parametrize("mode", ["hf", "callback"])
def test_single_string_and_lists(folder: Path, mode: str) -> None:
    tok: Any = mode
    if mode == "callback":
        from tokenizers import Tokenizer

        t = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok = lambda text: t.encode(text, add_special_tokens=False).ids  # noqa: E731
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=tok)
    one = model.encode("hello world")
    assert one.shape == (DIM,) and one.dtype == np.float32
    many = model.encode(["hello world", "the model"])
    assert many.shape == (2, DIM)
    np.testing.assert_array_equal(many[0], one)
    assert model.encode([]).shape == (0, DIM)
    assert model.encode(("hello world",)).shape == (1, DIM)
    assert model.encode(iter(["hello world"])).shape == (1, DIM)
    assert model.encode(np.array(["hello world"])).shape == (1, DIM)
    assert model.tokenize("hello world") == model.tokenize(["hello world"])[0]
    seq = model.encode_as_sequence("hello world")
    assert isinstance(seq, np.ndarray) and seq.dtype == np.float32 and seq.shape[1] == DIM
    assert model.encode_as_sequence([]) == []
    assert model.encode_as_sequence([""])[0].shape == (0, DIM)
    assert model.encode("", normalize=True).tolist() == [0.0] * DIM
    # kwargs are ignored like model2vec's
    assert model.encode("hello", unknown_option=3).shape == (DIM,)


def test_setters(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    text = "hello world the model is static " * 3
    a = model.encode(text)
    model.normalize = False
    model.max_length = None
    b = model.encode(text)
    np.testing.assert_allclose(b, model.encode(text, normalize=False, max_length=None))
    assert not np.allclose(a, b)
    assert len(model.tokenize(text)) > 7
    model.max_length = 7
    assert len(model.tokenize(text)) == 7
    with pytest.raises(ValueError):
        model.max_length = -1


def test_auto_mode(folder: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = m2v.StaticModel.from_pretrained(folder)
    fallback = [w for w in caught if "HuggingFace" in str(w.message)]
    if m2v.features()["native_tokenizer"]:
        assert model.tokenizer_mode == "native" and model.tokenizer_kind == "native-wordpiece"
        assert not fallback
    else:
        assert model.tokenizer_mode == "hf" and fallback
        with pytest.raises(m2v.M2VUnsupportedError):
            m2v.StaticModel.from_pretrained(folder, tokenizer="native")


def test_auto_falls_back_when_native_cannot_run_the_tokenizer(tmp_path: Path) -> None:
    from oracle import assert_close, load_oracle

    folder = modelgen.write_model(tmp_path / "wl", dim=DIM, tokenizer=modelgen.wordlevel_tokenizer_json(),
                                  config={"normalize": True})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = m2v.StaticModel.from_pretrained(folder)
    assert model.tokenizer_mode == "hf"
    assert [str(w.message) for w in caught if "HuggingFace" in str(w.message)], caught
    if m2v.features()["native_tokenizer"]:
        with pytest.raises(m2v.M2VUnsupportedError, match="WordLevel"):
            m2v.StaticModel.from_pretrained(folder, tokenizer="native")
    texts = ["hello world", "The dangerous unknownword model", "", "static static vector !"]
    oracle = load_oracle(folder)
    assert model.tokenize(texts) == oracle.tokenize(texts)
    assert_close(model.encode(texts), oracle.encode(texts), "F32")


def test_subfolder(tmp_path: Path) -> None:
    modelgen.write_model(tmp_path / "outer" / "inner", dim=DIM)
    model = m2v.StaticModel.from_pretrained(tmp_path / "outer", subfolder="inner", tokenizer="hf")
    assert model.dim == DIM


def test_progress_bar_accepted(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    out = model.encode(["a b c"] * 10, show_progress_bar=True, batch_size=3)
    assert out.shape == (10, DIM)


def test_features_and_version() -> None:
    f = m2v.features()
    assert set(f) == {"threads", "native_tokenizer"}
    assert isinstance(m2v.__version__, str) and m2v.__version__.count(".") == 2


def test_cli_encode(folder: Path) -> None:
    cmd = [sys.executable, "-m", "m2v", "encode", "--model", str(folder), "--tokenizer", "hf",
           "hello world", "the model"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=PKG_PARENT).stdout.splitlines()
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    expected = model.encode(["hello world", "the model"])
    assert len(out) == 2
    np.testing.assert_allclose(np.array([[float(x) for x in line.split()] for line in out]), expected, atol=1e-6)
    js = subprocess.run(cmd[:-2] + ["--json", "--no-normalize", "--max-length", "none", "-"], input="hello\n",
                        capture_output=True, text=True, check=True, cwd=PKG_PARENT).stdout
    np.testing.assert_allclose(json.loads(js), model.encode("hello", normalize=False, max_length=None), atol=1e-6)


def test_cli_error_exit_code(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "m2v", "encode", "--model", str(tmp_path / "none"), "x"],
                       capture_output=True, text=True, cwd=PKG_PARENT)
    assert r.returncode == 1 and r.stderr.startswith("m2v: ")


@pytest.mark.parametrize("mode", ["hf", "callback", "native"])
def test_unclosed_model_is_garbage_collected(folder: Path, mode: str) -> None:
    import weakref

    if mode == "native" and not m2v.features()["native_tokenizer"]:
        mode = "hf"
    tok: Any = (lambda text: [2, 3]) if mode == "callback" else mode
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=tok)
    model.encode(["hello", "world"], num_threads=2)
    refs = [weakref.ref(model._handle)]
    if model._callback is not None:
        refs.append(weakref.ref(model._callback))
    del model
    gc.collect()
    assert all(r() is None for r in refs)
