"""The embedded default model (m2v/default_model): it is what
from_pretrained() with no path loads, it runs natively, it matches
model2vec 0.10.0 on the same folder, its provenance and licence are next to
it and up to date, and scripts/make_default_model.py rebuilds it byte for
byte."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import m2v
from m2v import _hub

import oracle
from conftest import ROOT

FOLDER = _hub.default_model_path()
SENTENCES = [
    "It's dangerous to go alone! Take this.",
    "",
    "   ",
    "The quick brown fox jumps over the lazy dog.",
    "naïve café, Ünïcödé and CAPITALS",
    "日本語のテキスト and 中文 mixed with English",
    "emoji 🙂🚀 and zero\u200bwidth",
    "\u2603\u2603\u2603",
    "supercalifragilisticexpialidocious" * 5,
    "word " * 3000,
]


@pytest.fixture(scope="module")
def model() -> Any:
    with m2v.StaticModel.from_pretrained() as mdl:
        yield mdl


@pytest.fixture(scope="module")
def reference() -> Any:
    from model2vec import StaticModel

    return StaticModel.from_pretrained(FOLDER)


def test_no_path_loads_the_embedded_model(model: Any) -> None:
    assert model._folder == FOLDER and FOLDER.parent == Path(m2v.__file__).resolve().parent
    assert model.dim == 128 and model.vocab_size == 29525
    assert model.embedding_dtype == "int8" and model.embedding.shape == (29525, 128)
    assert model.normalize is True and model.max_length == 512 and model.median_token_length == 6
    assert model.weights is None and model.token_mapping is None


def test_runs_natively_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with m2v.StaticModel.from_pretrained() as mdl:
            assert mdl.tokenizer_mode == "native" and mdl.tokenizer_kind.startswith("native")
            v = mdl.encode("It's dangerous to go alone!")
    assert v.shape == (128,) and v.dtype == np.float32
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-6


def test_known_tokens(model: Any) -> None:
    # The ids documented in shared/models/README.md for m2v-base-*: same tokenizer.
    assert model.tokenize("It's dangerous to go alone!") == [1012, 8, 58, 3798, 1003, 1178, 1897, 2]


def test_parity_with_model2vec(model: Any, reference: Any) -> None:
    oracle.assert_close(model.encode(SENTENCES), reference.encode(SENTENCES), "int8", "default model encode")
    for kwargs in ({"normalize": False}, {"max_length": 4}, {"max_length": None}):
        oracle.assert_close(model.encode(SENTENCES, **kwargs), reference.encode(SENTENCES, **kwargs),
                            "int8", f"default model encode {kwargs}")
    assert model.tokenize(SENTENCES) == reference.tokenize(SENTENCES)
    got = model.encode_as_sequence(SENTENCES[:4])
    ref = reference.encode_as_sequence(SENTENCES[:4])
    for g, r in zip(got, ref):
        oracle.assert_close(g, np.asarray(r, dtype=np.float32), "int8", "encode_as_sequence")


def test_files_provenance_and_licence() -> None:
    names = {p.name for p in FOLDER.iterdir()}
    assert names == {"model.safetensors", "tokenizer.json", "config.json", "modules.json", "README.md",
                     "PROVENANCE.md", "LICENSE"}
    total = sum((FOLDER / n).stat().st_size for n in names)
    assert total < 5_000_000, f"default model is {total} bytes: keep it a few MB"
    licence = (FOLDER / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    card = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert "license: apache-2.0" in card and "base_model: sentence-transformers/all-MiniLM-L6-v2" in card
    prov = (FOLDER / "PROVENANCE.md").read_text(encoding="utf-8")
    for needle in ("sentence-transformers/all-MiniLM-L6-v2", "Apache License 2.0", "m2v-base-f32",
                   "quantize_model", "scripts/make_default_model.py", "model2vec 0.10.0"):
        assert needle in prov, needle
    # The checksums written in PROVENANCE.md are those of the files shipped.
    rows = dict(re.findall(r"^\| (\S+) \| \d+ \| `([0-9a-f]{64})` \|$", prov, re.M))
    assert set(rows) == {"model.safetensors", "tokenizer.json", "config.json", "modules.json"}
    for name, digest in rows.items():
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest, name
    config = json.loads((FOLDER / "config.json").read_text())
    assert config["normalize"] is True and config["max_length"] == 512 and config["embedding_dtype"] == "int8"


@pytest.mark.shared
def test_script_rebuilds_it_byte_for_byte(shared: Path) -> None:
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_default_model.py"), "--check",
                        "--source", str(shared / "models" / "m2v-base-f32")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "matches a fresh build" in p.stdout


@pytest.mark.shared
def test_quality_close_to_the_float32_source(model: Any, shared: Path) -> None:
    """Pairwise similarities of the 202 reference sentences stay close to
    those of the 256-dim float32 model it was made from (PROVENANCE.md: r = 0.98)."""
    ref = np.load(shared / "reference" / "m2v-base-f32" / "reference.npz")
    sentences = [str(s) for s in ref["sentences"]]
    full = ref["embeddings"].astype(np.float64)
    small = model.encode(sentences).astype(np.float64)

    def sims(e: np.ndarray) -> np.ndarray:
        n = np.linalg.norm(e, axis=1, keepdims=True)
        e = e / np.where(n > 0, n, 1)
        return (e @ e.T)[np.triu_indices(len(e), 1)]

    r = float(np.corrcoef(sims(full), sims(small))[0, 1])
    assert r > 0.975, r
