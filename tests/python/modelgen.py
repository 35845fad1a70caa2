"""Writes small Model2Vec model folders for the tests, byte by byte.

safetensors is written by hand (8-byte little-endian header length, JSON
header, data) so tests can also write every kind of malformed file.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import numpy as np

SAFETENSORS_DTYPES = {
    np.dtype(np.float32): "F32",
    np.dtype(np.float16): "F16",
    np.dtype(np.float64): "F64",
    np.dtype(np.int8): "I8",
    np.dtype(np.int32): "I32",
    np.dtype(np.int64): "I64",
}

# A small uncased WordPiece vocabulary: [PAD]=0, [UNK]=1, single characters,
# some words and some ## continuations.
WORDS = [
    "the", "a", "to", "go", "it", "is", "alone", "dangerous", "take", "this",
    "hello", "world", "model", "vector", "static", "embed", "##s", "##ing", "##ed", "##er",
    "##ly", "##a", "##e", "##o", "##t", "##n", "##i", "##r", "!", "'", ",", ".", "?",
    "日", "本", "##語",
]
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]


def vocab() -> list[str]:
    seen: list[str] = ["[PAD]", "[UNK]"]
    for tok in LETTERS + WORDS:
        if tok not in seen:
            seen.append(tok)
    return seen


def tokenizer_json(tokens: Optional[list[str]] = None) -> dict[str, Any]:
    tokens = tokens or vocab()
    special = [
        {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i, t in enumerate(tokens) if t in ("[PAD]", "[UNK]")
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(tokens)}},
    }


TensorSpec = Union[np.ndarray, Mapping[str, Any]]


def safetensors_bytes(tensors: Mapping[str, TensorSpec], *, header: Optional[Any] = None,
                      header_bytes: Optional[bytes] = None, header_len: Optional[int] = None,
                      metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """A safetensors file. A tensor is a numpy array, or a dict with "dtype",
    "shape", "data" (bytes) and optionally "data_offsets" to write verbatim.
    header / header_bytes / header_len replace the computed parts."""
    entries: dict[str, Any] = {}
    data = b""
    if metadata is not None:
        entries["__metadata__"] = dict(metadata)
    for name, t in tensors.items():
        if isinstance(t, np.ndarray):
            raw = np.ascontiguousarray(t).tobytes()
            spec = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape)}
        else:
            raw = t.get("data", b"")
            spec = {"dtype": t["dtype"], "shape": list(t["shape"])}
        if not isinstance(t, np.ndarray) and "data_offsets" in t:
            spec["data_offsets"] = list(t["data_offsets"])
        else:
            spec["data_offsets"] = [len(data), len(data) + len(raw)]
        entries[name] = spec
        data += raw
    hb = header_bytes if header_bytes is not None else json.dumps(
        entries if header is None else header, separators=(",", ":")).encode()
    if header_bytes is None:
        hb += b" " * (-len(hb) % 8)  # 8-byte alignment, as safetensors writes
    n = len(hb) if header_len is None else header_len
    return struct.pack("<Q", n) + hb + data


def table(rows: int, dim: int, dtype: Any = np.float32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, dim)).astype(np.float32)
    dt = np.dtype(dtype)
    if dt == np.int8:
        return np.clip(np.rint(x * 40), -127, 127).astype(np.int8)
    return x.astype(dt)


def write_model(folder: Path, *, layout: int = 1, embeddings: Optional[np.ndarray] = None,
                weights: Optional[np.ndarray] = None, mapping: Optional[np.ndarray] = None,
                config: Optional[Mapping[str, Any]] = None, tokenizer: Optional[Mapping[str, Any]] = None,
                dim: int = 8, dtype: Any = np.float32, seed: int = 0) -> Path:
    """A valid model folder in layout 1 (config.json), 2 (sentence-
    transformers) or 3 (0_StaticEmbedding/). Returns folder."""
    folder.mkdir(parents=True, exist_ok=True)
    tok = dict(tokenizer) if tokenizer is not None else tokenizer_json()
    n_vocab = len(tok["model"]["vocab"])
    if embeddings is None:
        embeddings = table(n_vocab, dim, dtype, seed)
    name = "embeddings" if layout == 1 else "embedding.weight"
    tensors: dict[str, np.ndarray] = {name: embeddings}
    if weights is not None:
        tensors["weights"] = weights
    if mapping is not None:
        tensors["mapping"] = mapping
    cfg = dict(config) if config is not None else {"normalize": False, "max_length": 512}
    sub = folder / "0_StaticEmbedding" if layout == 3 else folder
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "model.safetensors").write_bytes(safetensors_bytes(tensors))
    (sub / "tokenizer.json").write_text(json.dumps(tok), encoding="utf-8")
    cfg_name = "config.json" if layout == 1 else "config_sentence_transformers.json"
    (folder / cfg_name).write_text(json.dumps(cfg), encoding="utf-8")
    return folder


def wordlevel_tokenizer_json(tokens: Optional[list[str]] = None) -> dict[str, Any]:
    """A WordLevel tokenizer (lowercase, whitespace split): a model type the
    native tokenizer does not run, so tokenizer="auto" falls back to "hf"."""
    tokens = tokens or vocab()
    doc = tokenizer_json(tokens)
    doc["normalizer"] = {"type": "Lowercase"}
    doc["pre_tokenizer"] = {"type": "Whitespace"}
    doc["model"] = {"type": "WordLevel", "vocab": {t: i for i, t in enumerate(tokens)}, "unk_token": "[UNK]"}
    return doc
