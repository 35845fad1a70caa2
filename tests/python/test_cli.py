"""The m2v command line: every command in-process (m2v.cli.main) and as a
program (python -m m2v, and the installed console script), its outputs
checked against StaticModel, its errors checked for message, exit status
and the absence of a traceback."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import pytest

import m2v
from m2v import cli

import modelgen

TEXTS = ["It's dangerous to go alone!", "Take this.", "", "naïve café 東京 🙂", "word " * 700]
PKG_PARENT = str(Path(m2v.__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def model() -> Any:
    with m2v.StaticModel.from_pretrained() as mdl:
        yield mdl


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    return modelgen.write_model(tmp_path / "small", dim=6, config={"normalize": False, "max_length": 5})


def env_for_child(**extra: str) -> dict[str, str]:
    """The child imports the same m2v as this process. Children also run
    with cwd=PKG_PARENT: `python -m` puts the cwd first on sys.path, and the
    repository root's m2v/ has no compiled extension in a fresh clone."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def run(args: Sequence[str], *, input: Optional[bytes] = None, cwd: Optional[Path] = None,
        **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "m2v", *args], input=input if input is not None else b"",
                          capture_output=True, cwd=cwd or PKG_PARENT, env=env_for_child(**env), timeout=300)


def call(args: Sequence[str], capsys: pytest.CaptureFixture[str], stdin: Optional[str] = None,
         monkeypatch: Optional[pytest.MonkeyPatch] = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def parse_tsv(text: str) -> np.ndarray:
    return np.array([[np.float32(x) for x in line.split("\t")] for line in text.splitlines()], dtype=np.float32)


# ---------------------------------------------------------------------------
# help and version
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["encode"], ["similarity"], ["info"], ["bench"]])
def test_help_for_each_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = call([*command, "--help"], capsys)
    assert rc == 0 and err == ""
    assert out.startswith(f"usage: m2v {' '.join(command)}".rstrip())
    if command == ["encode"]:
        for opt in ("--input", "--output", "--format", "--normalize", "--no-normalize", "--max-length",
                    "--threads", "--batch-size", "--model", "--progress"):
            assert opt in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = call(["--version"], capsys)
    assert rc == 0 and out.strip() == f"m2v {m2v.__version__}"
    p = run(["--version"])
    assert p.returncode == 0 and p.stdout.decode().strip() == f"m2v {m2v.__version__}"


# ---------------------------------------------------------------------------
# encode
# ---------------------------------------------------------------------------


def test_encode_arguments_default_model_tsv(model: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = call(["encode", *TEXTS], capsys)
    assert rc == 0 and err == ""
    got = parse_tsv(out)
    # 9 significant digits read back to the very same float32 values.
    np.testing.assert_array_equal(got, model.encode(TEXTS))


def test_encode_stdin_lines(model: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = "\ufeffhello world\r\nsecond line\n\nlast without newline"
    rc, out, _ = call(["encode"], capsys, stdin=data, monkeypatch=monkeypatch)
    assert rc == 0
    expected = model.encode(["hello world", "second line", "", "last without newline"])
    np.testing.assert_array_equal(parse_tsv(out), expected)
    rc, out2, _ = call(["encode", "-"], capsys, stdin=data, monkeypatch=monkeypatch)
    assert rc == 0 and out2 == out


def test_encode_input_file_and_formats(model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "texts.txt"
    src.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    expected = model.encode(TEXTS)

    rc, out, _ = call(["encode", "--input", str(src), "--format", "jsonl"], capsys)
    assert rc == 0
    rows = [json.loads(line) for line in out.splitlines()]
    np.testing.assert_array_equal(np.array(rows, dtype=np.float32), expected)
    rc, out_json, _ = call(["encode", "-i", str(src), "--json"], capsys)
    assert rc == 0 and out_json == out

    for name, fmt in (("v.npy", None), ("v.bin", "npy")):
        dest = tmp_path / name
        rc, out, _ = call(["encode", "-i", str(src), "-o", str(dest)] + (["-f", fmt] if fmt else []), capsys)
        assert rc == 0 and out == ""
        arr = np.load(dest)
        assert arr.dtype == np.float32 and arr.shape == (len(TEXTS), model.dim)
        np.testing.assert_array_equal(arr, expected)
    for name in ("v.jsonl", "v.tsv"):
        rc, _, _ = call(["encode", "-i", str(src), "-o", str(tmp_path / name)], capsys)
        assert rc == 0
    lines = (tmp_path / "v.jsonl").read_text().splitlines()
    np.testing.assert_array_equal(np.array([json.loads(x) for x in lines], dtype=np.float32), expected)
    np.testing.assert_array_equal(parse_tsv((tmp_path / "v.tsv").read_text()), expected)


def test_encode_npy_to_stdout_pipe(model: Any) -> None:
    p = run(["encode", "--format", "npy", *TEXTS[:2]])
    assert p.returncode == 0, p.stderr
    arr = np.load(io.BytesIO(p.stdout))
    np.testing.assert_array_equal(arr, model.encode(TEXTS[:2]))


def test_encode_empty_input_gives_empty_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "empty.txt"
    src.write_text("")
    rc, out, _ = call(["encode", "-i", str(src)], capsys)
    assert rc == 0 and out == ""
    rc, _, _ = call(["encode", "-i", str(src), "-o", str(tmp_path / "e.npy")], capsys)
    assert rc == 0 and np.load(tmp_path / "e.npy").shape == (0, 128)


def test_encode_options_match_the_api(model: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cases: list[tuple[list[str], dict[str, Any]]] = [
        (["--no-normalize"], {"normalize": False}),
        (["--normalize"], {"normalize": True}),
        (["--max-length", "3"], {"max_length": 3}),
        (["--max-length", "none"], {"max_length": None}),
        (["--max-length", "0", "--no-normalize"], {"max_length": 0, "normalize": False}),
    ]
    for opts, kwargs in cases:
        rc, out, _ = call(["encode", *opts, *TEXTS], capsys)
        assert rc == 0
        np.testing.assert_array_equal(parse_tsv(out), model.encode(TEXTS, **kwargs), err_msg=str(opts))


def test_threads_and_batch_size_do_not_change_output(capsys: pytest.CaptureFixture[str]) -> None:
    texts = [f"sentence number {i} about {'cats' if i % 2 else 'dogs'}" for i in range(50)]
    outs = set()
    for opts in (["--threads", "1"], ["--threads", "2", "--batch-size", "7"], ["--batch-size", "1"], []):
        rc, out, _ = call(["encode", *opts, *texts], capsys)
        assert rc == 0
        outs.add(out)
    assert len(outs) == 1


@pytest.mark.parametrize("tokenizer", ["native", "hf", "auto"])
def test_encode_with_model_folder(small: Path, tokenizer: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = call(["encode", "--model", str(small), "--tokenizer", tokenizer, "hello world", "the model"], capsys)
    assert rc == 0
    with m2v.StaticModel.from_pretrained(small, tokenizer=tokenizer) as mdl:
        np.testing.assert_array_equal(parse_tsv(out), mdl.encode(["hello world", "the model"]))
        assert parse_tsv(out).shape == (2, 6)


def test_fallback_warning_is_one_clean_line(tmp_path: Path) -> None:
    folder = modelgen.write_model(tmp_path / "wl", dim=4, tokenizer=modelgen.wordlevel_tokenizer_json())
    p = run(["encode", "--model", str(folder), "hello"])
    assert p.returncode == 0, p.stderr
    err = p.stderr.decode()
    assert err.startswith("m2v: warning: native tokenizer not used") and err.count("\n") == 1
    assert len(p.stdout.decode().split("\t")) == 4


# ---------------------------------------------------------------------------
# progress bar
# ---------------------------------------------------------------------------


def test_progress_flag_writes_to_stderr_only(model: Any, capsys: pytest.CaptureFixture[str]) -> None:
    texts = [f"text {i}" for i in range(30)]
    rc, out, err = call(["encode", "--progress", "--batch-size", "10", *texts], capsys)
    assert rc == 0
    assert "m2v encode [" in err and "100.0% 30/30" in err and err.endswith("\n")
    np.testing.assert_array_equal(parse_tsv(out), model.encode(texts))
    rc, _, err = call(["encode", *texts], capsys)  # stderr is not a terminal here: no bar
    assert rc == 0 and err == ""
    rc, _, err = call(["encode", "--no-progress", *texts], capsys)
    assert rc == 0 and err == ""


def run_with_tty_stderr(args: Sequence[str]) -> tuple[int, bytes, str]:
    """Run python -m m2v with stderr on a pseudo-terminal."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([sys.executable, "-m", "m2v", *args], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=slave, env=env_for_child(),
                             cwd=PKG_PARENT)
        os.close(slave)
        out = p.stdout.read() if p.stdout else b""
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        rc = p.wait(timeout=300)
        if p.stdout:
            p.stdout.close()
    finally:
        os.close(master)
    return rc, out, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_when_stderr_is_a_terminal() -> None:
    rc, out, err = run_with_tty_stderr(["encode", "--batch-size", "4", *[f"t{i}" for i in range(12)]])
    assert rc == 0 and len(out.decode().splitlines()) == 12
    assert "100.0% 12/12" in err
    rc, out, err = run_with_tty_stderr(["encode", "--no-progress", "a", "b"])
    assert rc == 0 and "%" not in err


# ---------------------------------------------------------------------------
# similarity, info, bench
# ---------------------------------------------------------------------------


def test_similarity(model: Any, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = "a cat sat on the mat", "a dog lay on the rug"
    rc, out, _ = call(["similarity", a, b], capsys)
    assert rc == 0
    va, vb = model.encode([a, b]).astype(np.float64)
    assert float(out) == pytest.approx(float(va @ vb / np.linalg.norm(va) / np.linalg.norm(vb)), abs=1e-6)
    assert out.strip() == f"{float(out):.6f}"
    rc, out, _ = call(["similarity", a, a], capsys)
    assert rc == 0 and out.strip() == "1.000000"
    rc, out, _ = call(["similarity", a, "\u2603\u2603"], capsys)  # no known token: zero vector
    assert rc == 0 and out.strip() == "0.000000"
    assert cli.cosine(np.zeros(3), np.ones(3)) == 0.0


def test_info_default_model(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = call(["info", "--json"], capsys)
    assert rc == 0
    info = json.loads(out)
    folder = Path(info["path"])
    assert folder == m2v._hub.default_model_path()
    assert info["layout"] == "model2vec" and info["dtype"] == "int8"
    assert info["table_shape"] == [29525, 128] and info["vocab_size"] == 29525 and info["dim"] == 128
    assert info["tokenizer"] == "WordPiece" and info["tokenizer_native"] is True
    assert info["tokenizer_kind"].startswith("native")
    assert info["normalize"] is True and info["max_length"] == 512 and info["median_token_length"] == 6
    assert info["unk_token"] == "[UNK]" and info["weights"] is None and info["mapping"] is None
    assert info["files"] == {n: (folder / n).stat().st_size
                             for n in ("config.json", "model.safetensors", "tokenizer.json")}
    assert info["m2v_version"] == m2v.__version__
    rc, text, _ = call(["info"], capsys)
    assert rc == 0
    for key in ("layout", "files", "dtype", "vocab", "dim", "tokenizer", "normalize", "max_length"):
        assert any(line.startswith(key) for line in text.splitlines()), key
    assert "model.safetensors 3.8 MB" in text and "runs natively in C" in text


def test_info_other_layouts_and_non_native(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nested = modelgen.write_model(tmp_path / "nested", layout=3, dim=3, dtype=np.float16)
    rc, out, _ = call(["info", "--json", str(nested)], capsys)
    assert rc == 0
    info = json.loads(out)
    assert info["layout"] == "sentence-transformers (0_StaticEmbedding)" and info["dtype"] == "float16"
    assert set(info["files"]) == {"config_sentence_transformers.json", "0_StaticEmbedding/model.safetensors",
                                  "0_StaticEmbedding/tokenizer.json"}
    wl = modelgen.write_model(tmp_path / "wl", dim=4, tokenizer=modelgen.wordlevel_tokenizer_json())
    rc, out, _ = call(["info", "--json", "--model", str(wl)], capsys)
    assert rc == 0
    info = json.loads(out)
    assert info["tokenizer"] == "WordLevel" and info["tokenizer_native"] is False
    assert info["tokenizer_native_reason"]
    rc, out, _ = call(["info", str(wl)], capsys)
    assert rc == 0 and "not native" in out


def test_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "corpus.txt"
    src.write_text("\n".join(f"line {i} of the corpus" for i in range(100)) + "\n")
    rc, out, _ = call(["bench", "--input", str(src), "--repeat", "2", "--json", "--threads", "1"], capsys)
    assert rc == 0
    res = json.loads(out)
    assert res["texts"] == 100 and res["bytes"] == src.stat().st_size - 100 and res["repeat"] == 2
    assert res["texts_per_second"] > 0 and res["mb_per_second"] > 0 and res["best_seconds"] > 0
    rc, out, _ = call(["bench", "-n", "200", "--repeat", "1", "--limit", "50"], capsys)
    assert rc == 0 and "50 texts" in out and "texts/s" in out and "MB/s" in out
    corpus = cli.synthetic_corpus(["a", "b", "##c", "[UNK]", "d"], 5)
    assert corpus == cli.synthetic_corpus(["a", "b", "##c", "[UNK]", "d"], 5)
    assert all(set(t.split()) <= {"a", "b", "d"} for t in corpus)


# ---------------------------------------------------------------------------
# errors: message, exit status, no traceback
# ---------------------------------------------------------------------------


USAGE_ERRORS = [
    ["frobnicate"],
    [],
    ["encode", "--max-length", "-1", "x"],
    ["encode", "--max-length", "many", "x"],
    ["encode", "--batch-size", "0", "x"],
    ["encode", "--threads", "-2", "x"],
    ["encode", "--format", "xml", "x"],
    ["encode", "--json", "--format", "npy", "x"],
    ["encode", "--input", "f.txt", "text"],
    ["encode", "--tokenizer", "magic", "x"],
    ["similarity", "only one"],
    ["info", "a", "--model", "b"],
    ["bench", "--repeat", "0"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda a: " ".join(a) or "(nothing)")
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = call(args, capsys)
    assert rc == 2 and out == ""
    assert "error:" in err and "--help" in err and "Traceback" not in err


def test_usage_error_as_a_program() -> None:
    p = run(["encode", "--batch-size", "zero", "x"])
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "m2v encode: error: argument --batch-size" in err and "Traceback" not in err


def test_runtime_errors_exit_1(tmp_path: Path, small: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{}")
    (bad / "tokenizer.json").write_text((small / "tokenizer.json").read_text())
    (bad / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cases = [
        (["encode", "--model", str(tmp_path / "missing"), "x"], "missing"),
        (["encode", "--model", str(bad), "x"], "model.safetensors"),
        (["encode", "--input", str(tmp_path / "nope.txt")], "cannot read"),
        (["encode", "--input", str(latin1)], "not valid UTF-8 (line 2"),
        (["encode", "-o", str(tmp_path / "no" / "dir" / "v.npy"), "x"], "cannot write"),
        (["encode", "--model", "someone/not-cached", "x"], "HF_HUB_OFFLINE"),
        (["info", str(tmp_path / "missing")], "missing"),
        (["similarity", "--model", str(bad), "a", "b"], "model.safetensors"),
        (["bench", "--input", str(tmp_path / "empty.txt")], "cannot read"),
    ]
    for args, needle in cases:
        rc, out, err = call(args, capsys)
        assert rc == 1, (args, err)
        assert out == "" and err.startswith("m2v: ") and needle in err, (args, err)
        assert err.count("\n") == 1 and "Traceback" not in err
    (tmp_path / "blank.txt").write_text("")
    rc, _, err = call(["bench", "--input", str(tmp_path / "blank.txt")], capsys)
    assert rc == 1 and "no texts" in err


def test_runtime_error_as_a_program(tmp_path: Path) -> None:
    p = run(["info", str(tmp_path / "missing")])
    assert p.returncode == 1
    assert p.stderr.decode().startswith("m2v: ") and b"Traceback" not in p.stderr and p.stdout == b""


def test_terminal_checks() -> None:
    """npy is not written to a terminal, and a terminal stdin with no texts is a usage error."""
    master, slave = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "m2v", "encode", "--format", "npy", "x"], stdout=slave,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env_for_child(), timeout=300,
                           cwd=PKG_PARENT)
        assert p.returncode == 2 and b"refusing to write binary" in p.stderr
        p = subprocess.run([sys.executable, "-m", "m2v", "encode"], stdin=slave, capture_output=True,
                           env=env_for_child(), timeout=300, cwd=PKG_PARENT)
        assert p.returncode == 2 and b"no texts" in p.stderr
    finally:
        os.close(slave)
        os.close(master)


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    src = tmp_path / "many.txt"
    src.write_text("\n".join(f"text number {i}" for i in range(20000)) + "\n")
    p = subprocess.Popen([sys.executable, "-m", "m2v", "encode", "--input", str(src)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env_for_child(), cwd=PKG_PARENT)
    assert p.stdout is not None and p.stderr is not None
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    rc = p.wait(timeout=300)
    p.stderr.close()
    assert len(first.split(b"\t")) == 128
    assert rc == cli.EXIT_BROKEN_PIPE and err == b""


# ---------------------------------------------------------------------------
# the console script
# ---------------------------------------------------------------------------


def test_console_script(model: Any) -> None:
    script = Path(sys.executable).parent / "m2v"
    if not script.exists():
        pytest.skip(f"SKIPPED: no console script at {script} (m2v is not pip-installed in this environment; "
                    "scripts/test-python.sh installs it, and test_packaging.py runs the one from the wheel)")
    p = subprocess.run([str(script), "encode", "hello there"], capture_output=True, env=env_for_child(), timeout=300,
                       cwd=PKG_PARENT)
    assert p.returncode == 0, p.stderr
    np.testing.assert_array_equal(parse_tsv(p.stdout.decode()), model.encode(["hello there"]))
