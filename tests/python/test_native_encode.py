"""End to end with the native tokenizer: m2v.StaticModel(tokenizer="native")
against model2vec 0.10.0 on every model in ../shared/models, and the C
example program (examples/encode.c, no Python) against model2vec.

Tolerances are the project's (oracle.assert_close): f32 <= 1e-5 absolute,
f16 <= 1e-3, row cosine >= 0.99999. Each test prints
"[native encode] <model>: <texts> texts, <mismatches> mismatches" (pytest -s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import shared_dir
from oracle import assert_close, load_oracle, table_dtype

pytestmark = pytest.mark.shared

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["m2v-base-f32", "m2v-base-f16", "m2v-base-i8", "m2v-base-vq",
          "potion-test/test-model-float32", "potion-test/test-model-float16",
          "potion-test/test-model-sentence-transformers"]

STRESS = [
    "", " ", "It's dangerous to go alone!", "[MASK] and [CLS] inside[SEP]text", "[UNK] [UNK]",
    "naïve café Ångström ĞÜŞİÇÖ İstanbul", "ﬁﬂ ① ½ ™ ㍿", "中文字符和English混合", "日本語のテキスト",
    "한국어 텍스트", "Привет, мир!", "مرحبا بالعالم", "emoji 😀👍🏽 👨‍👩‍👧", "zero\u200bwidth\u200d",
    "\x00\x01\x7f control", "tab\tnew\nline\r", "a" * 99, "b" * 100, "c" * 101, "d" * 10_000,
    "é" * 3071 + " x", "word " * 700, "中" * 4000, ("e\u0301" * 2000), "\ufffd\ufffd",
]


def _folder(name: str) -> Path:
    return shared_dir() / "models" / name


def _corpus(step: int) -> list[str]:
    texts: list[str] = []
    for f in ("en_sentences.txt", "multilingual.txt", "bench_docs.txt"):
        lines = (shared_dir() / "corpus" / f).read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        texts += lines[::step]
    return texts


def _native(folder: Path, **kw: object):  # type: ignore[no-untyped-def]
    import m2v

    model = m2v.StaticModel.from_pretrained(folder, tokenizer="native", **kw)
    assert model.tokenizer_kind == "native-wordpiece"
    return model


def _compare(name: str, texts: list[str], **kw: object) -> None:
    folder = _folder(name)
    model, oracle = _native(folder, **kw), load_oracle(folder, **kw)
    dtype = table_dtype(folder)
    got = model.encode(texts)
    ref = oracle.encode(texts, use_multiprocessing=False)
    ids_got, ids_ref = model.tokenize(texts), oracle.tokenize(texts)
    bad = sum(a != b for a, b in zip(ids_got, ids_ref))
    print(f"[native encode] {name} {kw or ''}: {len(texts)} texts, {bad} token mismatches")
    assert bad == 0
    assert_close(got, ref, dtype, f"{name} {kw}")
    model.close()


@pytest.mark.parametrize("name", MODELS)
def test_native_encode_matches_model2vec(name: str) -> None:
    """Corpus lines (all for two models, every 5th for the others) and
    stress texts (added tokens, scripts, controls, words of 99-10,000 chars,
    texts cut at max_length * median_token_length)."""
    step = 1 if name in ("m2v-base-f32", "potion-test/test-model-float32") else 5
    _compare(name, _corpus(step) + STRESS)


@pytest.mark.parametrize("name", ["m2v-base-f32", "m2v-base-vq", "potion-test/test-model-float16"])
@pytest.mark.parametrize("max_length", [None, 0, 1, 7])
def test_native_encode_max_length(name: str, max_length: object) -> None:
    _compare(name, _corpus(25)[-300:] + STRESS, max_length=max_length)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/encode.c compiled with the library's sources."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    assert cc, "no C compiler"
    srcs = sorted((ROOT / "csrc").glob("*.c"))
    out = tmp_path_factory.mktemp("example") / "encode"
    subprocess.run([cc, "-std=c11", "-O2", "-ffp-contract=off", f"-I{ROOT / 'include'}",
                    f"-I{ROOT / 'csrc'}", *map(str, srcs), str(ROOT / "examples" / "encode.c"),
                    "-o", str(out), "-lpthread", "-lm"], check=True)
    return out


@pytest.mark.parametrize("name", ["m2v-base-f32", "m2v-base-i8",
                                  "potion-test/test-model-sentence-transformers"])
def test_example_program(example: Path, name: str) -> None:
    """The C example (no Python) prints model2vec's vectors."""
    texts = [t.replace("\n", " ") for t in _corpus(200)[:60] + STRESS[2:15]]
    proc = subprocess.run([str(example), str(_folder(name))], input="\n".join(texts).encode(),
                          capture_output=True, check=True)
    rows = [np.array(line.split(), dtype=np.float32) for line in proc.stdout.decode().splitlines()]
    assert len(rows) == len(texts)
    got = np.stack(rows)
    ref = load_oracle(_folder(name)).encode(texts, use_multiprocessing=False)
    print(f"[native encode] example program {name}: {len(texts)} texts")
    # Printed with 9 significant digits: float32 round-trips exactly.
    assert_close(got, ref, table_dtype(_folder(name)), f"example {name}")
    one = subprocess.run([str(example), str(_folder(name)), "It's dangerous to go alone!"],
                         capture_output=True, check=True).stdout.decode().split()
    assert len(one) == got.shape[1]
