"""Bad models, bad tokenizers and misuse surface as m2v exceptions carrying
the C status code and message."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import m2v
from m2v import (
    M2VError,
    M2VFormatError,
    M2VIOError,
    M2VLimitError,
    M2VMisuseError,
    M2VTokenizerError,
    M2VUnsupportedError,
)
from m2v._m2v import lib

import modelgen

V = len(modelgen.vocab())
DIM = 4

FORMAT = (M2VFormatError,)
FORMAT_OR_UNSUPPORTED = (M2VFormatError, M2VUnsupportedError)
FORMAT_OR_LIMIT = (M2VFormatError, M2VLimitError)


def _st(folder: Path, data: bytes) -> None:
    (folder / "model.safetensors").write_bytes(data)


def _emb(rows: int = V, dim: int = DIM) -> np.ndarray:
    return modelgen.table(rows, dim)


def _tensors(**extra: Any) -> dict[str, Any]:
    return {"embeddings": _emb(), **extra}


def _raw(dtype: str, shape: list[int], data: bytes, offsets: Any = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"dtype": dtype, "shape": shape, "data": data}
    if offsets is not None:
        spec["data_offsets"] = offsets
    return spec


def _good_bytes() -> bytes:
    return modelgen.safetensors_bytes(_tensors())


# Each case: (name, mutate(folder), expected exception classes, text the message must contain)
CASES: list[tuple[str, Callable[[Path], None], tuple[type, ...], str]] = [
    ("empty_safetensors", lambda d: _st(d, b""), FORMAT, "model.safetensors"),
    ("truncated_in_length", lambda d: _st(d, b"\x10\x00\x00"), FORMAT, "model.safetensors"),
    ("truncated_in_header", lambda d: _st(d, _good_bytes()[:20]), FORMAT, "model.safetensors"),
    ("truncated_in_data", lambda d: _st(d, _good_bytes()[:-7]), FORMAT, "model.safetensors"),
    ("header_len_past_eof", lambda d: _st(d, modelgen.safetensors_bytes(_tensors(), header_len=10_000)),
     FORMAT, "model.safetensors"),
    ("huge_header_len", lambda d: _st(d, modelgen.safetensors_bytes(_tensors(), header_len=2**63 + 5)),
     FORMAT_OR_LIMIT, "model.safetensors"),
    ("header_len_zero", lambda d: _st(d, struct.pack("<Q", 0) + b"{}"), FORMAT, "model.safetensors"),
    ("header_invalid_json", lambda d: _st(d, modelgen.safetensors_bytes({}, header_bytes=b'{"embeddings": {')),
     FORMAT, "model.safetensors"),
    ("header_not_object", lambda d: _st(d, modelgen.safetensors_bytes({}, header=[1, 2, 3])),
     FORMAT, "model.safetensors"),
    ("header_invalid_utf8", lambda d: _st(d, modelgen.safetensors_bytes({}, header_bytes=b'{"\xff\xfe": 1}')),
     FORMAT, "model.safetensors"),
    ("header_trailing_garbage", lambda d: _st(d, modelgen.safetensors_bytes(
        {}, header_bytes=json.dumps({"embeddings": {"dtype": "F32", "shape": [V, DIM],
                                                    "data_offsets": [0, V * DIM * 4]}}).encode() + b" x")
        + _emb().tobytes()), FORMAT, "model.safetensors"),
    ("unknown_dtype", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": _raw("Q4", [V, DIM], b"\0" * (V * DIM))})), FORMAT_OR_UNSUPPORTED, "Q4"),
    ("dtype_not_string", lambda d: _st(d, modelgen.safetensors_bytes({}, header={
        "embeddings": {"dtype": 7, "shape": [V, DIM], "data_offsets": [0, 0]}})), FORMAT, "model.safetensors"),
    ("table_dtype_int32", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": np.zeros((V, DIM), dtype=np.int32)})), FORMAT_OR_UNSUPPORTED, "embeddings"),
    ("shape_bytes_mismatch", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": _raw("F32", [V, DIM], _emb().tobytes()[:-4])})), FORMAT, "embeddings"),
    ("shape_negative", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": _raw("F32", [-V, DIM], _emb().tobytes())})), FORMAT, "embeddings"),
    ("shape_not_list", lambda d: _st(d, modelgen.safetensors_bytes({}, header={
        "embeddings": {"dtype": "F32", "shape": "big", "data_offsets": [0, 4]}})), FORMAT, "embeddings"),
    ("shape_overflow", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": _raw("F32", [2**40, 2**40], b"", offsets=[0, 0])})), FORMAT_OR_LIMIT, "embeddings"),
    ("offsets_past_eof", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": _raw("F32", [V, DIM], _emb().tobytes(), offsets=[64, 64 + V * DIM * 4])})),
     FORMAT, "embeddings"),
    ("offsets_reversed", lambda d: _st(d, modelgen.safetensors_bytes(
        {"embeddings": _raw("F32", [V, DIM], _emb().tobytes(), offsets=[V * DIM * 4, 0])})),
     FORMAT, "embeddings"),
    ("offsets_overlap", lambda d: _st(d, modelgen.safetensors_bytes({
        "embeddings": _raw("F32", [V, DIM], _emb().tobytes(), offsets=[0, V * DIM * 4]),
        "weights": _raw("F32", [V], np.ones(V, np.float32).tobytes(), offsets=[8, 8 + V * 4])})),
     FORMAT, "overlap"),
    ("missing_table", lambda d: _st(d, modelgen.safetensors_bytes({"other": _emb()})), FORMAT, "embeddings"),
    ("table_1d", lambda d: _st(d, modelgen.safetensors_bytes({"embeddings": np.zeros(V, np.float32)})),
     FORMAT, "embeddings"),
    ("rows_not_vocab", lambda d: _st(d, modelgen.safetensors_bytes({"embeddings": _emb(V - 3)})),
     FORMAT, "embeddings"),
    ("mapping_out_of_range", lambda d: _st(d, modelgen.safetensors_bytes({
        "embeddings": _emb(5), "mapping": np.full(V, 5, dtype=np.int32)})), FORMAT, "mapping"),
    ("mapping_negative", lambda d: _st(d, modelgen.safetensors_bytes({
        "embeddings": _emb(5), "mapping": np.full(V, -1, dtype=np.int64)})), FORMAT, "mapping"),
    ("mapping_wrong_length", lambda d: _st(d, modelgen.safetensors_bytes({
        "embeddings": _emb(5), "mapping": np.zeros(V - 1, dtype=np.int32)})), FORMAT, "mapping"),
    ("mapping_float", lambda d: _st(d, modelgen.safetensors_bytes({
        "embeddings": _emb(5), "mapping": np.zeros(V, dtype=np.float32)})), FORMAT_OR_UNSUPPORTED, "mapping"),
    ("weights_wrong_length", lambda d: _st(d, modelgen.safetensors_bytes(_tensors(
        weights=np.ones(V + 2, dtype=np.float32)))), FORMAT, "weights"),
    ("weights_int", lambda d: _st(d, modelgen.safetensors_bytes(_tensors(
        weights=np.ones(V, dtype=np.int32)))), FORMAT_OR_UNSUPPORTED, "weights"),
    ("missing_tokenizer", lambda d: (d / "tokenizer.json").unlink(), (M2VIOError,), ""),
    ("tokenizer_invalid_json", lambda d: (d / "tokenizer.json").write_text('{"model": {"vocab": '),
     FORMAT, "tokenizer.json"),
    ("tokenizer_no_vocab", lambda d: (d / "tokenizer.json").write_text('{"model": {"type": "WordPiece"}}'),
     FORMAT_OR_UNSUPPORTED, "tokenizer.json"),
    ("tokenizer_not_object", lambda d: (d / "tokenizer.json").write_text('[]'), FORMAT, "tokenizer.json"),
    ("config_invalid_json", lambda d: (d / "config.json").write_text('{"normalize": tru}'),
     FORMAT, "config.json"),
    ("config_unreadable", lambda d: ((d / "config.json").unlink(), (d / "config.json").mkdir()),
     (M2VIOError, M2VFormatError), "config.json"),
    ("config_normalize_not_bool", lambda d: (d / "config.json").write_text('{"normalize": "yes"}'),
     FORMAT, "normalize"),
    ("config_max_length_negative", lambda d: (d / "config.json").write_text('{"max_length": -4}'),
     FORMAT, "max_length"),
    ("config_max_length_string", lambda d: (d / "config.json").write_text('{"max_length": "512"}'),
     FORMAT, "max_length"),
    ("safetensors_is_directory", lambda d: ((d / "model.safetensors").unlink(),
                                            (d / "model.safetensors").mkdir()), (M2VIOError,), ""),
    ("no_layout", lambda d: [p.unlink() for p in list(d.iterdir())], (M2VIOError,), ""),
    ("sentence_transformers_wrong_tensor_name",
     lambda d: ((d / "config.json").rename(d / "config_sentence_transformers.json")), FORMAT, "embedding.weight"),
]


@pytest.mark.parametrize("name,mutate,expected,needle", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("tokenizer", ["hf", "callback"])
def test_bad_model_is_rejected(tmp_path: Path, name: str, mutate: Callable[[Path], None],
                               expected: tuple[type, ...], needle: str, tokenizer: str) -> None:
    folder = modelgen.write_model(tmp_path / "model", dim=DIM)
    mutate(folder)
    tok: Any = "hf" if tokenizer == "hf" else (lambda text: [])
    with pytest.raises(M2VError) as info:
        m2v.StaticModel.from_pretrained(folder, tokenizer=tok)
    exc = info.value
    assert isinstance(exc, expected), f"{name}: got {type(exc).__name__}: {exc}"
    assert exc.code == {M2VFormatError: lib.M2V_FORMAT, M2VUnsupportedError: lib.M2V_UNSUPPORTED,
                        M2VIOError: lib.M2V_IO, M2VLimitError: lib.M2V_LIMIT}[type(exc)]
    assert exc.message and str(exc) == exc.message
    assert needle in exc.message, f"{name}: {needle!r} not in {exc.message!r}"


def test_builtin_bases() -> None:
    assert issubclass(M2VFormatError, ValueError)
    assert issubclass(M2VIOError, OSError)
    assert issubclass(m2v.M2VMemoryError, MemoryError)
    assert issubclass(M2VMisuseError, ValueError)


def test_missing_folder_is_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        m2v.StaticModel.from_pretrained(tmp_path / "nope", tokenizer="hf")
    assert isinstance(info.value, M2VIOError)
    assert "nope" in str(info.value)


def test_good_model_loads(tmp_path: Path) -> None:
    # The base the cases above break is itself valid.
    folder = modelgen.write_model(tmp_path / "model", dim=DIM)
    with m2v.StaticModel.from_pretrained(folder, tokenizer="hf") as model:
        assert model.dim == DIM


# ---------------------------------------------------------------------------
# Tokenizer callbacks that fail
# ---------------------------------------------------------------------------

@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return modelgen.write_model(tmp_path / "model", dim=DIM)


class Boom(Exception):
    pass


def _raise_on(word: str) -> Callable[[str], list[int]]:
    def tok(text: str) -> list[int]:
        if word in text:
            raise Boom(f"cannot tokenize {text!r}")
        return [2, 3]
    return tok


@pytest.mark.parametrize("num_threads", [1, 4])
def test_callback_raising(folder: Path, num_threads: int) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=_raise_on("bad"))
    texts = ["fine"] * 50 + ["a bad one"] + ["fine"] * 50
    with pytest.raises(M2VTokenizerError) as info:
        model.encode(texts, num_threads=num_threads, batch_size=30)
    assert info.value.index == 50
    assert info.value.code == lib.M2V_TOKENIZER
    assert isinstance(info.value.__cause__, Boom)
    assert isinstance(info.value, RuntimeError)
    # The model still works afterwards.
    assert model.encode(["fine"]).shape == (1, DIM)


def test_callback_raising_in_tokenize_and_sequence(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=_raise_on("bad"))
    with pytest.raises(M2VTokenizerError) as info:
        model.tokenize(["ok", "bad"])
    assert info.value.index == 1 and isinstance(info.value.__cause__, Boom)
    with pytest.raises(M2VTokenizerError) as info:
        model.encode_as_sequence(["ok", "ok", "bad"])
    assert info.value.index == 2 and isinstance(info.value.__cause__, Boom)


@pytest.mark.parametrize("result,cause", [
    ([V], None),               # one past the vocabulary
    ([0, 2, 10**6], None),
    ([-1], None),
    ([2**31], ValueError),     # does not fit in int32
    ([1.5], TypeError),
    ("abc", TypeError),
    (np.zeros((2, 2), dtype=np.int32), ValueError),
    (None, TypeError),
])
def test_callback_bad_ids(folder: Path, result: Any, cause: Any) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=lambda text: result)
    with pytest.raises(M2VTokenizerError) as info:
        model.encode(["x", "y"])
    assert info.value.index == 0
    assert info.value.message
    if cause is not None:
        assert isinstance(info.value.__cause__, cause)


def test_callback_keyboard_interrupt_propagates(folder: Path) -> None:
    def tok(text: str) -> list[int]:
        raise KeyboardInterrupt
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=tok)
    with pytest.raises(KeyboardInterrupt):
        model.encode("x")


def test_tokenizer_argument_checked(folder: Path) -> None:
    with pytest.raises(ValueError, match="tokenizer"):
        m2v.StaticModel.from_pretrained(folder, tokenizer="sentencepiece")


def test_not_supported_conversions(folder: Path) -> None:
    with pytest.raises(NotImplementedError):
        m2v.StaticModel.from_pretrained(folder, tokenizer="hf", quantize_to="int8")


# ---------------------------------------------------------------------------
# Misuse
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda m: m.encode(["a"]),
    lambda m: m.encode("a"),
    lambda m: m.tokenize(["a"]),
    lambda m: m.encode_as_sequence(["a"]),
    lambda m: m.embedding,
    lambda m: m.weights,
    lambda m: m.tokens,
])
@pytest.mark.parametrize("tokenizer", ["hf", "callback"])
def test_use_after_close(folder: Path, call: Callable[[Any], Any], tokenizer: str) -> None:
    tok: Any = "hf" if tokenizer == "hf" else (lambda text: [2])
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=tok)
    model.close()
    model.close()  # idempotent
    assert model.closed
    with pytest.raises(M2VMisuseError, match="closed"):
        call(model)


def test_use_after_with_block(folder: Path) -> None:
    with m2v.StaticModel.from_pretrained(folder, tokenizer="hf") as model:
        model.encode("a")
    with pytest.raises(M2VMisuseError):
        model.encode("a")


@pytest.mark.parametrize("kwargs,exc", [
    ({"max_length": -1}, ValueError),
    ({"max_length": "10"}, TypeError),
    ({"max_length": 1.5}, TypeError),
    ({"batch_size": 0}, ValueError),
    ({"num_threads": -2}, ValueError),
])
def test_bad_encode_arguments(folder: Path, kwargs: dict[str, Any], exc: type) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    with pytest.raises(exc):
        model.encode(["a", "b"], **kwargs)


def test_non_str_sentence(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    with pytest.raises(TypeError, match=r"sentences\[1\]"):
        model.encode(["a", b"b"])


@pytest.mark.parametrize("tokenizer", ["hf", "callback"])
def test_lone_surrogate_is_an_encoding_error(folder: Path, tokenizer: str) -> None:
    tok: Any = "hf" if tokenizer == "hf" else (lambda text: [2])
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=tok)
    with pytest.raises((UnicodeError, ValueError, TypeError)):
        model.encode(["ok", "bad \ud800"])


def test_error_pickles() -> None:
    import pickle

    exc = M2VFormatError("x.safetensors: bad", code=lib.M2V_FORMAT, index=3)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is M2VFormatError and back.message == exc.message and back.index == 3
