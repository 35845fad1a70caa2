#!/usr/bin/env python3
"""Make m2v's embedded default model, m2v/default_model/, with model2vec's own tools.

    python scripts/make_default_model.py            # (re)write m2v/default_model/
    python scripts/make_default_model.py --check    # rebuild in a temp folder, compare the bytes

Source: ../shared/models/m2v-base-f32 (or $M2V_SHARED_DIR/models/m2v-base-f32),
a Model2Vec distillation of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0):
29,525 WordPiece tokens x 256 float32 dimensions, normalize=true, 30.7 MB.

Recipe: ``model2vec.model.quantize_model(model, quantize_to="int8",
dimensionality=128)``, saved with ``model2vec.persistence.save_pretrained``
(the function StaticModel.save_pretrained calls, given the real base model
name and licence for the model card). model2vec casts the whole table to
int8 (one scale for the matrix, not stored) and keeps the first 128 of the
256 PCA dimensions. The result is a 3.8 MB table.

Why this recipe: measured on the 202 sentences of ../shared/reference (the
pairwise cosine similarities of the result against those of the f32 source,
Pearson r), at a few MB:

    quantize_to="int8", dimensionality=128          3.8 MB   r = 0.980
    quantize_to="int8", dimensionality=96           2.8 MB   r = 0.966
    quantize_to="int8", dimensionality=64           1.9 MB   r = 0.941
    vocabulary_quantization=4096, float16           2.3 MB   r = 0.917
    vocabulary_quantization=2048, float16           1.3 MB   r = 0.892

Keeping PCA dimensions loses less than clustering the vocabulary, and needs
no k-means (so the output is byte-for-byte reproducible and needs no
scikit-learn). `--check` rebuilds and compares the bytes.

Besides the files save_pretrained writes (model.safetensors, tokenizer.json,
config.json, modules.json, README.md), the folder holds PROVENANCE.md (source,
recipe, versions, checksums; written here) and LICENSE (the Apache License
2.0 text of the base model; checked in, not written here).

Needs: model2vec==0.10.0 (and its numpy, tokenizers, safetensors).
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "m2v" / "default_model"

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BASE_LICENSE = "apache-2.0"
MODEL_NAME = "m2v-default"
QUANTIZE_TO = "int8"
DIMENSIONALITY = 128
# Files written by save_pretrained that must come out byte-identical.
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json", "modules.json")
COMMAND = "python scripts/make_default_model.py"


def shared_dir() -> Path:
    env = os.environ.get("M2V_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions() -> dict[str, str]:
    import numpy
    import safetensors
    import tokenizers
    from model2vec.version import __version__ as model2vec_version

    return {
        "model2vec": model2vec_version,
        "numpy": numpy.__version__,
        "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
        "python": platform.python_version(),
    }


def build(source: Path, out: Path) -> None:
    """Quantize source with model2vec and save it to out (save_pretrained's files)."""
    import numpy as np
    from model2vec import StaticModel
    from model2vec.model import quantize_model
    from model2vec.persistence import save_pretrained

    model = StaticModel.from_pretrained(source)
    small = quantize_model(model, quantize_to=QUANTIZE_TO, dimensionality=DIMENSIONALITY)
    assert small.embedding.dtype == np.int8 and small.embedding.shape[1] == DIMENSIONALITY
    save_pretrained(
        folder_path=out,
        embeddings=small.embedding,
        tokenizer=small.tokenizer,
        config=small.config,
        weights=small.weights,
        mapping=small.token_mapping,
        base_model_name=BASE_MODEL,
        license=BASE_LICENSE,
        language=["en"],
        model_name=MODEL_NAME,
    )


def provenance(source: Path, out: Path) -> str:
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    v = versions()
    src_st = source / "model.safetensors"
    raw = (out / "model.safetensors").read_bytes()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    rows, cols = header["embeddings"]["shape"]
    lines = [
        "# Provenance of m2v's embedded default model",
        "",
        "This folder is made by `scripts/make_default_model.py` (run from the repository root:",
        f"`{COMMAND}`). Do not edit it by hand; `--check` verifies it.",
        "",
        "## Source",
        "",
        f"- Base model: `{BASE_MODEL}` (Apache License 2.0), a 6-layer BERT sentence encoder",
        "  with the uncased WordPiece tokenizer of `bert-base-uncased` (also Apache License 2.0).",
        "- Distilled by model2vec 0.10.0 into the static model `m2v-base-f32` of the project's",
        "  shared data (`shared/models/m2v-base-f32`: 29,525 tokens x 256 float32 dimensions,",
        "  PCA to 256, SIF weighting 1e-4, normalize=true, max_length=512). See",
        "  `shared/models/README.md` for the distillation command.",
        f"- Source file: `models/m2v-base-f32/model.safetensors`, sha256 `{sha256(src_st)}`.",
        "",
        "## Recipe (model2vec's own tools)",
        "",
        "```python",
        "from model2vec import StaticModel",
        "from model2vec.model import quantize_model",
        "from model2vec.persistence import save_pretrained",
        "model = StaticModel.from_pretrained(\"shared/models/m2v-base-f32\")",
        f"small = quantize_model(model, quantize_to=\"{QUANTIZE_TO}\", dimensionality={DIMENSIONALITY})",
        "save_pretrained(\"m2v/default_model\", small.embedding, small.tokenizer, small.config,",
        f"                base_model_name=\"{BASE_MODEL}\", license=\"{BASE_LICENSE}\",",
        f"                language=[\"en\"], model_name=\"{MODEL_NAME}\")",
        "```",
        "",
        "`quantize_to=\"int8\"` scales the whole table by one factor, max|x| / 127, and rounds;",
        "the factor is not stored, which is harmless because the model normalizes its vectors.",
        f"`dimensionality={DIMENSIONALITY}` keeps the first {DIMENSIONALITY} PCA dimensions of 256. Pairwise",
        "sentence similarities stay close to the float32 source (Pearson r = 0.98 on the 202",
        "reference sentences). `hidden_dim` and `apply_pca` in config.json describe the",
        "distillation (256) and were left as model2vec writes them.",
        "",
        "## Result",
        "",
        f"- Table `embeddings`: {rows} x {cols} {config.get('embedding_dtype')}; no `weights`, no `mapping`.",
        f"- config.json: normalize={str(config.get('normalize')).lower()}, "
        f"max_length={config.get('max_length')}.",
        "",
        "| file | bytes | sha256 |",
        "| --- | ---: | --- |",
    ]
    for name in MODEL_FILES:
        p = out / name
        lines.append(f"| {name} | {p.stat().st_size} | `{sha256(p)}` |")
    lines += [
        "",
        "## Versions",
        "",
    ]
    lines += [f"- {k} {val}" for k, val in v.items()]
    lines += [
        "",
        "## Licence",
        "",
        "The weights derive from `sentence-transformers/all-MiniLM-L6-v2` and the vocabulary from",
        "`bert-base-uncased`, both released under the Apache License 2.0; this derived model is",
        "distributed under the same licence (text in `LICENSE` next to this file). model2vec,",
        "which made it, is MIT-licensed; none of its code is in this folder.",
        "",
    ]
    return "\n".join(lines)


def write(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES + ("README.md",):
        if (out / name).exists():
            (out / name).unlink()
    build(source, out)
    (out / "PROVENANCE.md").write_text(provenance(source, out), encoding="utf-8")


def _same(a: Path, b: Path) -> bool:
    """Byte-identical; tokenizer.json only needs to parse to the same JSON
    (its whitespace and key order belong to the installed tokenizers)."""
    if not a.exists():
        return False
    if filecmp.cmp(a, b, shallow=False):
        return True
    if a.name == "tokenizer.json":
        return bool(json.loads(a.read_bytes()) == json.loads(b.read_bytes()))
    return False


def check(source: Path, out: Path) -> list[str]:
    """Rebuild into a temp folder; names of the files that differ from out."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "default_model"
        build(source, fresh)
        bad = [n for n in MODEL_FILES if not _same(out / n, fresh / n)]
    for n in ("PROVENANCE.md", "LICENSE", "README.md"):
        if not (out / n).is_file():
            bad.append(n)
    return bad


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=None,
                    help="the m2v-base-f32 folder (default: $M2V_SHARED_DIR or ../shared, /models/m2v-base-f32)")
    ap.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT.relative_to(ROOT)})")
    ap.add_argument("--check", action="store_true",
                    help="rebuild in a temp folder and fail if the bytes differ from --out")
    args = ap.parse_args(argv)
    source = args.source or shared_dir() / "models" / "m2v-base-f32"
    if not (source / "model.safetensors").is_file():
        print(f"make_default_model: source model not found: {source}", file=sys.stderr)
        return 2
    if args.check:
        bad = check(source, args.out)
        if bad:
            print(f"make_default_model: {args.out} differs from a fresh build: {', '.join(bad)}", file=sys.stderr)
            return 1
        print(f"make_default_model: {args.out} matches a fresh build")
        return 0
    write(source, args.out)
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(f"make_default_model: wrote {args.out} ({total / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
