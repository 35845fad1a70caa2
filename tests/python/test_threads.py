"""One model used from many Python threads gives the sequential results;
C worker threads (num_threads) give identical results for any count."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import m2v

import modelgen

TEXTS = [
    f"{w} {i} hello world, it is dangerous to go alone! " * (1 + i % 7) + ("日本語" if i % 5 == 0 else "")
    for i, w in enumerate(["static", "vector", "model", "embedding", "token"] * 120)
] + ["", " ", "☃☃"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("threads")
    return modelgen.write_model(d / "model", dim=32, config={"normalize": True, "max_length": 40})


def _tokenizer(mode: str, folder: Path) -> Any:
    if mode == "callback":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_truncation()
        return lambda text: tok.encode(text, add_special_tokens=False).ids
    return mode


MODES = ["hf", "callback"] + (["native"] if m2v.features()["native_tokenizer"] else [])


@pytest.mark.parametrize("mode", MODES)
def test_eight_python_threads_match_sequential(folder: Path, mode: str) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=_tokenizer(mode, folder))
    expected = model.encode(TEXTS)
    expected_seq = model.encode_as_sequence(TEXTS[:50])
    expected_tok = model.tokenize(TEXTS[:50])
    barrier = threading.Barrier(8)

    def work(k: int) -> tuple[np.ndarray, list[np.ndarray], list[list[int]]]:
        barrier.wait()
        order = TEXTS[k:] + TEXTS[:k]  # different batches per thread
        out = model.encode(order, batch_size=17 + k)
        return np.roll(out, k, axis=0), model.encode_as_sequence(TEXTS[:50]), model.tokenize(TEXTS[:50])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for out, seq, tok in results:
        np.testing.assert_array_equal(out, expected)
        assert tok == expected_tok
        for a, b in zip(seq, expected_seq):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", MODES)
def test_num_threads_identical(folder: Path, mode: str) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer=_tokenizer(mode, folder))
    base = model.encode(TEXTS, num_threads=1)
    for n in (2, 4, 0):
        np.testing.assert_array_equal(model.encode(TEXTS, num_threads=n), base, err_msg=f"num_threads={n}")
    np.testing.assert_array_equal(model.encode(TEXTS, num_threads=4, batch_size=7), base)


def test_close_while_encoding_waits_for_running_calls(folder: Path) -> None:
    model = m2v.StaticModel.from_pretrained(folder, tokenizer="hf")
    started = threading.Event()
    errors: list[BaseException] = []
    results: list[np.ndarray] = []

    def work() -> None:
        started.set()
        try:
            for _ in range(20):
                results.append(model.encode(TEXTS))
        except m2v.M2VMisuseError:
            pass  # closed between two calls: fine
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    started.wait()
    model.close()
    for t in threads:
        t.join()
    assert not errors
    expected = m2v.StaticModel.from_pretrained(folder, tokenizer="hf").encode(TEXTS)
    for r in results:
        np.testing.assert_array_equal(r, expected)
