"""model2vec 0.10.0 as the oracle, and the parity tolerances.

Tolerances (from the project plan): float32 tables <= 1e-5 absolute,
float16/bfloat16 tables <= 1e-3, and row cosine >= 0.99999. model2vec
returns float16 vectors for float16 tables, already rounded; one float16
ulp of the reference is added to the float16 tolerance for that rounding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import numpy as np

COSINE_MIN = 0.99999

_TABLE_NAMES = ("embeddings", "embedding.weight")


def _layout(folder: Path) -> tuple[Path, Path, Path, str]:
    for cfg, st, tok, name in (
        ("config.json", "model.safetensors", "tokenizer.json", "embeddings"),
        ("config_sentence_transformers.json", "model.safetensors", "tokenizer.json", "embedding.weight"),
        ("config_sentence_transformers.json", "0_StaticEmbedding/model.safetensors",
         "0_StaticEmbedding/tokenizer.json", "embedding.weight"),
    ):
        if all((folder / p).exists() for p in (cfg, st, tok)):
            return folder / cfg, folder / st, folder / tok, name
    raise FileNotFoundError(folder)


def safetensors_dtypes(path: Path) -> dict[str, str]:
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    return {k: v["dtype"] for k, v in header.items() if k != "__metadata__"}


def table_dtype(folder: Path) -> str:
    """safetensors dtype of the embedding table ("F32", "F16", "BF16", ...)."""
    _, st, _, name = _layout(folder)
    return safetensors_dtypes(st)[name]


def _read_bf16_model(folder: Path) -> tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]:
    """Tensors of a model whose table is bfloat16 (numpy cannot read it):
    the bits widened to float32, which is exactly the bfloat16 value."""
    _, st, _, name = _layout(folder)
    raw = st.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    npdt = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I8": np.int8, "I32": np.int32,
            "I64": np.int64}

    def get(key: str) -> Optional[np.ndarray]:
        if key not in header:
            return None
        spec = header[key]
        b, e = spec["data_offsets"]
        if spec["dtype"] == "BF16":
            bits = np.frombuffer(data[b:e], dtype="<u2").astype(np.uint32) << 16
            return bits.view(np.float32).reshape(spec["shape"])
        return np.frombuffer(data[b:e], dtype=npdt[spec["dtype"]]).reshape(spec["shape"]).copy()

    emb = get(name)
    assert emb is not None
    w = get("weights")
    if w is not None:
        w = w.astype(np.float32) if w.dtype != np.float64 else w
    return emb, w, get("mapping")


def load_oracle(folder: Path, **kwargs: Any) -> Any:
    """model2vec.StaticModel for folder. bfloat16 tables, which model2vec's
    numpy loader cannot read, are widened to float32 (exact) and the model
    is built with model2vec's own constructor and settings logic."""
    from model2vec import StaticModel
    from model2vec.model import DEFAULT_MAX_LENGTH

    dtypes = safetensors_dtypes(_layout(folder)[1])
    if "BF16" not in dtypes.values():
        return StaticModel.from_pretrained(folder, **kwargs)
    from tokenizers import Tokenizer

    cfg_path, _, tok_path, _ = _layout(folder)
    config = json.loads(cfg_path.read_text())
    emb, weights, mapping = _read_bf16_model(folder)
    normalize = kwargs.get("normalize")
    normalize = normalize if normalize is not None else config.get("normalize", False)
    max_length = kwargs["max_length"] if "max_length" in kwargs else config.get("max_length", DEFAULT_MAX_LENGTH)
    return StaticModel(vectors=emb, tokenizer=Tokenizer.from_file(str(tok_path)), config=config,
                       normalize=normalize, weights=weights, token_mapping=mapping, max_length=max_length)


def tolerance(dtype: str, ref: np.ndarray) -> Any:
    """Absolute tolerance for comparing m2v's float32 output with ref."""
    if dtype in ("F16", "float16"):
        # model2vec's own output is rounded to float16: allow one ulp of it.
        return 1e-3 + np.abs(np.spacing(ref.astype(np.float16))).astype(np.float64)
    if dtype in ("BF16", "bfloat16"):
        return 1e-3
    if dtype in ("I8", "int8"):
        # model2vec averages int8 rows in float64; values are in int8 units.
        return 1e-5 + 1e-6 * np.abs(ref.astype(np.float64))
    return 1e-5


def assert_close(got: np.ndarray, ref: np.ndarray, dtype: str, what: str = "") -> None:
    got = np.asarray(got)
    ref_arr = np.asarray(ref)
    assert got.dtype == np.float32, f"{what}: m2v returned {got.dtype}"
    assert got.shape == ref_arr.shape, f"{what}: shape {got.shape} != {ref_arr.shape}"
    if got.size == 0:
        return
    tol = tolerance(dtype, ref_arr)
    diff = np.abs(got.astype(np.float64) - ref_arr.astype(np.float64))
    bad = diff > tol
    if bad.any():
        idx = np.argwhere(bad)[0]
        raise AssertionError(
            f"{what}: {int(bad.sum())} values differ; first at {tuple(idx)}: m2v {got[tuple(idx)]!r} "
            f"model2vec {ref_arr[tuple(idx)]!r} (max diff {diff.max():.3g})")
    g = got.reshape(-1, got.shape[-1]).astype(np.float64)
    r = ref_arr.reshape(-1, ref_arr.shape[-1]).astype(np.float64)
    gn = np.linalg.norm(g, axis=1)
    rn = np.linalg.norm(r, axis=1)
    nz = (gn > 0) & (rn > 0)
    assert np.array_equal(gn > 0, rn > 0), f"{what}: zero rows differ"
    if nz.any():
        cos = (g[nz] * r[nz]).sum(axis=1) / (gn[nz] * rn[nz])
        assert cos.min() >= COSINE_MIN, f"{what}: row cosine {cos.min():.7f} < {COSINE_MIN}"


# ---------------------------------------------------------------------------
# Tokenizer modes of m2v under test
# ---------------------------------------------------------------------------

def tokenizer_modes() -> list[str]:
    """"hf" (Rust batch + m2v_encode_ids), "callback" (the HF tokenizer as a
    Python callable through the C callback) and, once built, "native"."""
    import m2v

    modes = ["hf", "callback"]
    if m2v.features()["native_tokenizer"]:
        modes.append("native")
    return modes


def hf_callable(folder: Path) -> Any:
    """The HF tokenizer of folder as a ``str -> list[int]`` callable: ids
    without special tokens, untruncated (m2v's callback protocol)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_layout(folder)[2]))
    tok.no_truncation()
    tok.no_padding()

    def tokenize(text: str) -> list[int]:
        return tok.encode(text, add_special_tokens=False).ids

    return tokenize


def load_m2v(folder: Path, mode: str, **kwargs: Any) -> Any:
    import m2v

    tok: Any = hf_callable(folder) if mode == "callback" else mode
    return m2v.StaticModel.from_pretrained(folder, tokenizer=tok, **kwargs)
