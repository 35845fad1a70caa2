#!/usr/bin/env python3
"""Benchmark (not a test): m2v's native tokenizer against HuggingFace
tokenizers, and m2v end to end against model2vec 0.10.0.

    python bench/bench_tokenize.py [--model DIR] [--repeat N] [--limit N]

Workloads: ../shared/corpus/bench_docs.txt (RAG-chunk-like documents) and
../shared/corpus/en_sentences.txt (short sentences).

Tokenize only (ids of every text, no truncation):
  tokenizers  Tokenizer.from_file(tokenizer.json).encode_batch_fast(texts,
              add_special_tokens=False), truncation and padding off
  m2v         m2v_tokenize() of the C API (through the m2v package's cffi
              module) on each text, max_length none; this includes UTF-8
              validation and the removal of [UNK] ids
End to end (vectors of every text, the model's max_length):
  model2vec   StaticModel.encode(texts)   (use_multiprocessing=False on 1 thread)
  m2v         m2v.StaticModel.encode(texts, num_threads=1 or 0)

Also, when a C compiler is at hand, "m2v C" is tests/c/tokenize_cli.c
--bench (built here from csrc/): the native tokenizer called from C on each
line, no Python at all.

Every contender runs in its own subprocesses, in turn with its rival for
--rounds rounds (the best time is kept): "1 thread" sets
RAYON_NUM_THREADS=1 (tokenizers' pool) and uses one thread in m2v; "all
threads" leaves RAYON_NUM_THREADS unset and runs m2v on one Python thread
per CPU (tokenize) or num_threads=0 (encode). The time of a contender is
the best of --repeat runs after one warm-up run; text is handed over as
Python str in every case (m2v's time includes the UTF-8 encoding).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    env = os.environ.get("M2V_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def read_texts(path: Path, limit: int) -> list[str]:
    texts = path.read_text(encoding="utf-8").split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    return texts[:limit] if limit else texts


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    t_best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        t_best = min(t_best, time.perf_counter() - t0)
    return t_best, result


# ---------------------------------------------------------------------------
# Workers (run in subprocesses)


def tokenizer_json(model: Path) -> Path:
    for p in (model / "tokenizer.json", model / "0_StaticEmbedding" / "tokenizer.json"):
        if p.exists():
            return p
    raise SystemExit(f"no tokenizer.json in {model}")


def work_hf_tokenize(model: Path, texts: list[str], repeat: int, threads: str) -> dict[str, Any]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json(model)))
    tok.no_truncation()
    tok.no_padding()

    def run() -> int:
        return sum(len(e.ids) for e in tok.encode_batch_fast(texts, add_special_tokens=False))

    seconds, tokens = best(run, repeat)
    return {"seconds": seconds, "tokens": tokens}


def m2v_lib() -> tuple[Any, Any]:
    from m2v._m2v import ffi, lib  # the package's cffi module (C API)

    return ffi, lib


def load_m2v(model: Path) -> tuple[Any, Any, Any]:
    ffi, lib = m2v_lib()
    err = ffi.new("m2v_error *")
    pm = ffi.new("m2v_model **")
    rc = lib.m2v_load(str(model).encode(), ffi.NULL, pm, err)
    if rc != 0:
        raise SystemExit(f"m2v_load: {ffi.string(err.message).decode()}")
    kind = ffi.string(lib.m2v_tokenizer_kind(pm[0])).decode()
    if not kind.startswith("native"):
        raise SystemExit(f"{model}: m2v uses tokenizer {kind!r}, not the native one")
    return ffi, lib, pm[0]


def work_m2v_tokenize(model: Path, texts: list[str], repeat: int, threads: str) -> dict[str, Any]:
    ffi, lib, m = load_m2v(model)
    opts = ffi.new("m2v_encode_options *")
    lib.m2v_encode_options_init(opts)
    opts.max_length = lib.M2V_NONE
    n_threads = 1 if threads == "1" else (os.cpu_count() or 1)
    chunks = [texts[i::n_threads] for i in range(n_threads)]

    def tokenize_chunk(chunk: list[str], out: list[int]) -> None:
        cap = 1 << 16
        buf = ffi.new("int32_t[]", cap)
        n = ffi.new("size_t *")
        err = ffi.new("m2v_error *")
        total = 0
        for t in chunk:
            b = t.encode("utf-8")
            rc = lib.m2v_tokenize(m, b, len(b), opts, buf, cap, n, err)
            if rc == lib.M2V_TOOSMALL:
                cap = n[0]
                buf = ffi.new("int32_t[]", cap)
                rc = lib.m2v_tokenize(m, b, len(b), opts, buf, cap, n, err)
            if rc != 0:
                raise RuntimeError(ffi.string(err.message).decode())
            total += n[0]
        out.append(total)

    def run() -> int:
        out: list[int] = []
        if n_threads == 1:
            tokenize_chunk(chunks[0], out)
        else:
            ts = [threading.Thread(target=tokenize_chunk, args=(c, out)) for c in chunks]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        return sum(out)

    seconds, tokens = best(run, repeat)
    lib.m2v_free(m)
    return {"seconds": seconds, "tokens": tokens, "threads": n_threads}


def work_model2vec_encode(model: Path, texts: list[str], repeat: int, threads: str) -> dict[str, Any]:
    from model2vec import StaticModel

    sm = StaticModel.from_pretrained(str(model))
    mp = threads != "1"
    seconds, _ = best(lambda: sm.encode(texts, use_multiprocessing=mp), repeat)
    return {"seconds": seconds}


def work_m2v_encode(model: Path, texts: list[str], repeat: int, threads: str) -> dict[str, Any]:
    import m2v

    sm = m2v.StaticModel.from_pretrained(str(model), tokenizer="native")
    nt = 1 if threads == "1" else 0
    seconds, _ = best(lambda: sm.encode(texts, num_threads=nt), repeat)
    return {"seconds": seconds, "tokenizer": sm.tokenizer_kind}


WORKERS = {
    "hf-tokenize": work_hf_tokenize,
    "m2v-tokenize": work_m2v_tokenize,
    "model2vec-encode": work_model2vec_encode,
    "m2v-encode": work_m2v_encode,
}


def worker_main(args: argparse.Namespace) -> int:
    texts = read_texts(args.file, args.limit)
    res = WORKERS[args.worker](args.model, texts, args.repeat, args.threads)
    res["mb"] = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    res["texts"] = len(texts)
    print(json.dumps(res))
    return 0


def c_bench(file: Path, model: Path, repeat: int) -> dict[str, Any] | None:
    """tokenize_cli --bench: MB/s and tokens/s from C, or None without cc."""
    import shutil
    import tempfile

    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    exe = Path(tempfile.gettempdir()) / f"m2v_tokenize_cli_{os.getpid()}"
    srcs = [str(p) for p in sorted((ROOT / "csrc").glob("*.c"))]
    subprocess.run([cc, "-std=c11", "-O2", f"-I{ROOT / 'include'}", f"-I{ROOT / 'csrc'}", *srcs,
                    str(ROOT / "tests" / "c" / "tokenize_cli.c"), "-o", str(exe), "-lpthread", "-lm"],
                   check=True)
    try:
        with open(file, "rb") as f:
            out = subprocess.run([str(exe), "--bench", str(max(repeat, 3)), str(tokenizer_json(model))],
                                 stdin=f, check=True, capture_output=True, text=True).stdout
    finally:
        exe.unlink(missing_ok=True)
    mbs, _, toks = out.split()[:3]
    return {"mbs": float(mbs), "mtoks": float(toks)}


# ---------------------------------------------------------------------------
# Driver


def measure(args: argparse.Namespace, worker: str, file: Path, threads: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("RAYON_NUM_THREADS", None)
    env["TOKENIZERS_PARALLELISM"] = "true"
    if threads == "1":
        env["RAYON_NUM_THREADS"] = "1"
        env["TOKENIZERS_PARALLELISM"] = "false"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", worker, "--file", str(file),
           "--threads", threads, "--model", str(args.model), "--repeat", str(args.repeat),
           "--limit", str(args.limit)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure_pair(args: argparse.Namespace, workers: tuple[str, str], file: Path,
                 threads: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both workers' results, run in turn for --rounds rounds; each keeps its
    best time, so a slow spell of the machine falls on both."""
    results: list[dict[str, Any]] = [{}, {}]
    for _ in range(args.rounds):
        for k, worker in enumerate(workers):
            r = measure(args, worker, file, threads)
            if not results[k] or r["seconds"] < results[k]["seconds"]:
                results[k] = r
    return results[0], results[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=shared_dir() / "models" / "m2v-base-f32")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per subprocess (after a warm-up)")
    p.add_argument("--rounds", type=int, default=2, help="subprocesses per contender, in turn with its rival")
    p.add_argument("--limit", type=int, default=0, help="first N texts of each file (0: all)")
    p.add_argument("--files", default="bench_docs.txt,en_sentences.txt")
    p.add_argument("--skip-e2e", action="store_true", help="tokenize-only numbers only")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--threads", default="1", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker_main(args)

    corpus = shared_dir() / "corpus"
    print(f"model {args.model}; {os.cpu_count()} CPUs; best of {args.repeat} after a warm-up, "
          f"in {args.rounds} rounds taken in turn with the rival")
    for name in args.files.split(","):
        file = corpus / name
        print(f"\n== {name} ==")
        for threads, label in (("1", "1 thread"), ("all", "all threads")):
            hf, nm = measure_pair(args, ("hf-tokenize", "m2v-tokenize"), file, threads)
            print(f"tokenize, {label}: {hf['texts']} texts, {hf['mb']:.2f} MB, {hf['tokens']} tokens")
            for who, r in (("tokenizers", hf), ("m2v native", nm)):
                print(f"  {who:<12} {r['seconds']:8.3f} s  {r['mb'] / r['seconds']:8.2f} MB/s  "
                      f"{r['tokens'] / r['seconds'] / 1e6:7.3f} M tokens/s")
            print(f"  ratio m2v/tokenizers: {hf['seconds'] / nm['seconds']:.1f}x")
            if threads == "1":
                c = c_bench(file, args.model, args.repeat)
                if c:
                    print(f"  {'m2v C':<12} {'':8}    {c['mbs']:8.2f} MB/s  {c['mtoks']:7.3f} M tokens/s"
                          f"  (ratio {c['mbs'] / (hf['mb'] / hf['seconds']):.1f}x; no Python)")
            if args.skip_e2e:
                continue
            mv, me = measure_pair(args, ("model2vec-encode", "m2v-encode"), file, threads)
            print(f"encode, {label}:")
            for who, r in (("model2vec", mv), ("m2v", me)):
                print(f"  {who:<12} {r['seconds']:8.3f} s  {r['mb'] / r['seconds']:8.2f} MB/s  "
                      f"{r['texts'] / r['seconds']:10.0f} texts/s")
            print(f"  ratio m2v/model2vec: {mv['seconds'] / me['seconds']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
