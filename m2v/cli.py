"""Command line: ``python -m m2v encode --model DIR "text" ...``.

Prints one line per text: the vector's values separated by spaces (or one
JSON array per line with --json). With no text arguments, or "-", the texts
are read from standard input, one per line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional, Sequence

from . import M2VError, StaticModel, __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="m2v", description="Model2Vec static embeddings (m2v).")
    parser.add_argument("--version", action="version", version=f"m2v {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    enc = sub.add_parser("encode", help="encode texts and print their vectors")
    enc.add_argument("--model", required=True, help="model folder")
    enc.add_argument("--tokenizer", default="auto", choices=["auto", "native", "hf"])
    norm = enc.add_mutually_exclusive_group()
    norm.add_argument("--normalize", dest="normalize", action="store_true", default=None)
    norm.add_argument("--no-normalize", dest="normalize", action="store_false")
    enc.add_argument("--max-length", default=None,
                     help="max tokens per text: an int, 'none' for no limit (default: the model's)")
    enc.add_argument("--json", action="store_true", help="print one JSON array per line")
    enc.add_argument("texts", nargs="*", help="texts to encode ('-' or none: read lines from stdin)")
    return parser


def _max_length(value: Optional[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if value.lower() == "none":
        return {"max_length": None}
    return {"max_length": int(value)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    texts = list(args.texts)
    if not texts or texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin]
    try:
        kwargs = _max_length(args.max_length)
        with StaticModel.from_pretrained(args.model, tokenizer=args.tokenizer) as model:
            vectors = model.encode(texts, normalize=args.normalize, **kwargs)
    except (M2VError, ValueError) as exc:
        print(f"m2v: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    for row in vectors:
        if args.json:
            out.write(json.dumps([float(x) for x in row]) + "\n")
        else:
            out.write(" ".join(f"{float(x):.7g}" for x in row) + "\n")
    return 0
