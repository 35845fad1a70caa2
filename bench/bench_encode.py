#!/usr/bin/env python3
"""Benchmark (not a test): encode ../shared/corpus/bench_docs.txt with m2v in
each tokenizer mode it has and with model2vec 0.10.0, in the same run, on one
thread; print texts/s, MB/s and the ratio to model2vec.

    python bench/bench_encode.py [--model DIR] [--docs FILE] [--repeat N] [--limit N]

Single thread: TOKENIZERS_PARALLELISM=false and RAYON_NUM_THREADS=1 are set
before `tokenizers` is imported, and m2v runs with num_threads=1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    env = os.environ.get("M2V_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=shared_dir() / "models" / "m2v-base-f32")
    p.add_argument("--docs", type=Path, default=shared_dir() / "corpus" / "bench_docs.txt")
    p.add_argument("--repeat", type=int, default=3, help="runs per contender; the best is reported")
    p.add_argument("--limit", type=int, default=0, help="use only the first N texts (0: all)")
    p.add_argument("--modes", default="native,hf,callback", help="m2v tokenizer modes to run")
    args = p.parse_args()

    import m2v
    from model2vec import StaticModel as M2VOracle

    texts = args.docs.read_text(encoding="utf-8").split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    if args.limit:
        texts = texts[: args.limit]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"model {args.model}\ndocs  {args.docs}: {len(texts)} texts, {mb:.2f} MB; "
          f"best of {args.repeat} rounds (contenders in turn); 1 thread")
    print(f"m2v {m2v.__version__}, features {m2v.features()}")

    oracle = M2VOracle.from_pretrained(args.model)
    contenders: list[tuple[str, Callable[[], Any]]] = [
        ("model2vec 0.10.0", lambda: oracle.encode(texts, use_multiprocessing=False))]
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode == "native" and not m2v.features()["native_tokenizer"]:
            print("(native tokenizer not built: skipping mode 'native')")
            continue
        if mode == "callback":
            from tokenizers import Tokenizer

            hf = Tokenizer.from_file(str(args.model / "tokenizer.json"))
            hf.no_truncation()
            hf.no_padding()
            tok: Any = lambda text, hf=hf: hf.encode(text, add_special_tokens=False).ids  # noqa: E731
        else:
            tok = mode
        model = m2v.StaticModel.from_pretrained(args.model, tokenizer=tok)
        contenders.append((f"m2v tokenizer={mode}", lambda model=model: model.encode(texts, num_threads=1)))

    # Warm up, then time the contenders in turn, round after round, so that
    # a slow spell of the machine falls on all of them; keep each one's best.
    for _, run in contenders:
        run()
    best = [float("inf")] * len(contenders)
    outs: list[Any] = [None] * len(contenders)
    for _ in range(args.repeat):
        for k, (_, run) in enumerate(contenders):
            t, outs[k] = best_time(run, 1)
            best[k] = min(best[k], t)
    t_ref, ref = best[0], np.asarray(outs[0], dtype=np.float32)
    rows = []
    for k, (name, _) in enumerate(contenders):
        diff = float(np.max(np.abs(outs[k] - ref))) if len(texts) else 0.0
        rows.append((name, best[k], diff))

    print(f"\n{'contender':<28}{'texts/s':>12}{'MB/s':>10}{'vs model2vec':>14}{'max |diff|':>12}")
    for name, t, diff in rows:
        print(f"{name:<28}{len(texts) / t:>12,.0f}{mb / t:>10.2f}{t_ref / t:>13.2f}x{diff:>12.2g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
