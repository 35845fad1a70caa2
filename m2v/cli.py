"""The m2v command line (the ``m2v`` console script and ``python -m m2v``).

    m2v encode "It's dangerous to go alone!" "Take this."    # TSV to stdout
    m2v encode --input texts.txt --output vectors.npy         # one text per line
    m2v similarity "a cat sat on the mat" "a dog lay on the rug"
    m2v info [MODEL]
    m2v bench [--input FILE]

Every command takes --model (a folder, or a HuggingFace id "owner/name";
default: the embedded model). Errors print one line, "m2v: <message>", to
stderr, without a traceback: exit status 2 for a usage mistake (bad option,
bad value, nothing to read), 1 for anything that fails at run time (model
not found or malformed, unreadable input, unwritable output), 130 when
interrupted. A progress bar goes to stderr when it is a terminal (or with
--progress), never to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import warnings
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Optional, Sequence

import numpy as np

from . import M2VError, M2VUnsupportedError, StaticModel, __version__, features
from ._hub import LAYOUT_NAMES, LAYOUTS, find_layout, resolve_model_path

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # as a shell reports a process killed by SIGPIPE

FORMATS = ("tsv", "jsonl", "npy")
_SUFFIX_FORMATS = {".npy": "npy", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
                   ".tsv": "tsv", ".txt": "tsv"}


class _FromModel:
    """Default of --max-length: the model's own (argparse would parse a str default)."""

    def __repr__(self) -> str:
        return "the model's"


FROM_MODEL: Any = _FromModel()


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


class CommandError(Exception):
    """A failure while running a command (exit status 1)."""


# ---------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------


def _int_at_least(text: str, minimum: int, expected: str) -> int:
    """int(text) if it is >= minimum, else an argparse error 'expected <expected>, got <text>'."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1, "an integer >= 1")


def _threads(text: str) -> int:
    return _int_at_least(text, 0, "an integer >= 0 (0 = one per CPU)")


def _max_length(text: str) -> Optional[int]:
    if text.strip().lower() == "none":
        return None
    return _int_at_least(text, 0, "an integer >= 0 or 'none'")


class _Parser(argparse.ArgumentParser):
    """argparse, with errors as 'm2v <command>: error: ...' plus a pointer to --help."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-m", "--model", default=None, metavar="MODEL",
                   help="model folder, or HuggingFace id owner/name (local cache first, then download); "
                        "default: the embedded model")
    p.add_argument("--tokenizer", default="auto", choices=["auto", "native", "hf"],
                   help="native: m2v's C tokenizer; hf: HuggingFace tokenizers; auto (default): native "
                        "when it supports the model, else hf")


def _encode_options(p: argparse.ArgumentParser, *, batching: bool = True) -> None:
    norm = p.add_mutually_exclusive_group()
    norm.add_argument("--normalize", dest="normalize", action="store_true", default=None,
                      help="L2-normalize the vectors (default: as the model's config)")
    norm.add_argument("--no-normalize", dest="normalize", action="store_false",
                      help="do not normalize the vectors")
    p.add_argument("--max-length", type=_max_length, default=FROM_MODEL, metavar="N",
                   help="tokens per text: an integer, or 'none' for no limit (default: the model's)")
    if batching:
        p.add_argument("--threads", type=_threads, default=0, metavar="N",
                       help="C worker threads (default 0: one per CPU); the output is the same for any value")
        p.add_argument("--batch-size", type=_positive_int, default=1024, metavar="N",
                       help="texts per call into C (default 1024)")


def _progress_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar on stderr (default: only when stderr is a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="m2v",
        description="Model2Vec static embeddings from the m2v C library. Without --model, commands use "
                    "the embedded default model (English, 128 dimensions).",
        epilog="Run 'm2v COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"m2v {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    enc = sub.add_parser(
        "encode", help="encode texts into vectors",
        description="Encode texts into vectors, one row per text, in input order. Texts come from the "
                    "arguments, else from --input FILE, else from standard input, one per line (a "
                    "trailing '\\r' is dropped; empty lines give zero vectors).",
        epilog="Formats: tsv (default): one line per text, values separated by tabs; jsonl: one JSON "
               "array per line; npy: a NumPy .npy file of shape (n, dim), float32. Values are written "
               "with 9 significant digits, enough to read back the same float32.")
    enc.add_argument("texts", nargs="*", metavar="TEXT", help="texts to encode ('-' alone: read standard input)")
    enc.add_argument("-i", "--input", metavar="FILE", help="read texts from FILE, one per line ('-': stdin)")
    enc.add_argument("-o", "--output", metavar="FILE",
                     help="write to FILE instead of standard output (format from its suffix unless --format)")
    enc.add_argument("-f", "--format", choices=FORMATS, default=None,
                     help="output format: tsv, jsonl or npy (default: from --output's suffix, else tsv)")
    enc.add_argument("--json", action="store_true", help="same as --format jsonl")
    _model_options(enc)
    _encode_options(enc)
    _progress_options(enc)

    sim = sub.add_parser(
        "similarity", help="cosine similarity of two texts",
        description="Print the cosine similarity of the vectors of two texts (0 if either has no known "
                    "token).")
    sim.add_argument("text_a", metavar="A", help="first text")
    sim.add_argument("text_b", metavar="B", help="second text")
    _model_options(sim)
    _encode_options(sim, batching=False)

    info = sub.add_parser(
        "info", help="describe a model",
        description="Describe a model: folder layout, files and sizes, table dtype and shape, vocabulary, "
                    "tokenizer (and whether m2v runs it natively), normalize and max_length.")
    info.add_argument("model_arg", nargs="?", metavar="MODEL", default=None,
                      help="model folder or HuggingFace id (default: the embedded model)")
    info.add_argument("-m", "--model", dest="model_opt", default=None, metavar="MODEL", help="same as MODEL")
    info.add_argument("--json", action="store_true", help="print one JSON object")

    bench = sub.add_parser(
        "bench", help="measure encoding throughput",
        description="Encode a file (one text per line) several times and report the best throughput. "
                    "Without --input, a fixed synthetic corpus built from the model's vocabulary is used.")
    bench.add_argument("-i", "--input", metavar="FILE", help="texts, one per line ('-': stdin)")
    bench.add_argument("-n", "--texts", type=_positive_int, default=20_000, metavar="N",
                       help="number of synthetic texts without --input (default 20000)")
    bench.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                       help="use only the first N texts of the input")
    bench.add_argument("--repeat", type=_positive_int, default=3, metavar="N",
                       help="timed runs; the best is reported (default 3)")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    _model_options(bench)
    _encode_options(bench)
    _progress_options(bench)
    return parser


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a stream (stderr), redrawn at most 10 times a second."""

    def __init__(self, total: int, label: str, enabled: bool, stream: Optional[IO[str]] = None) -> None:
        self.total = total
        self.label = label
        self.enabled = enabled and total > 0
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.start = time.perf_counter()
        self._last = 0.0
        self._drawn = -1  # self.done at the last redraw

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.done < self.total and now - self._last < 0.1:
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        self._drawn = self.done
        frac = self.done / self.total if self.total else 1.0
        width = 24
        filled = int(frac * width)
        rate = self.done / max(now - self.start, 1e-9)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {frac * 100:5.1f}% {self.done}/{self.total} "
                          f"({rate:,.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            if self._drawn != self.done:
                self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()


def _show_progress(flag: Optional[bool]) -> bool:
    if flag is not None:
        return flag
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _split_lines(data: str) -> list[str]:
    """One text per line; the final newline ends the last line, it does not start an empty one."""
    if data == "":
        return []
    lines = data.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _read_lines(source: str) -> list[str]:
    """Texts from a file, or stdin for '-': UTF-8 (a leading BOM is dropped)."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
        else:
            with open(source, "rb") as f:
                raw = f.read()
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CommandError(f"{name}: not valid UTF-8 (line {line}, byte {exc.start})") from exc
    return _split_lines(text)


def _load(model: Optional[str], tokenizer: str = "auto", **kwargs: Any) -> StaticModel:
    try:
        return StaticModel.from_pretrained(model, tokenizer=tokenizer, **kwargs)
    except ImportError as exc:  # tokenizer="hf" without the tokenizers package
        raise CommandError(str(exc)) from exc


def _encode_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"normalize": args.normalize}
    if args.max_length is not FROM_MODEL:
        kwargs["max_length"] = args.max_length
    return kwargs


def _batches(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


class _Writer:
    """Writes rows in one of FORMATS to a text or binary stream."""

    def __init__(self, fmt: str, stream: Any, n: int, dim: int) -> None:
        self.fmt = fmt
        self.stream = stream
        if fmt == "npy":
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype("<f4")), "fortran_order": False,
                      "shape": (n, dim)}
            np.lib.format.write_array_header_1_0(stream, header)

    def write(self, rows: np.ndarray) -> None:
        if self.fmt == "npy":
            self.stream.write(np.ascontiguousarray(rows, dtype="<f4").tobytes())
        elif self.fmt == "jsonl":
            self.stream.write("".join(json.dumps([float(f"{x:.9g}") for x in row]) + "\n"
                                      for row in rows.tolist()))
        else:
            self.stream.write("".join("\t".join(f"{x:.9g}" for x in row) + "\n" for row in rows.tolist()))


def _output_format(args: argparse.Namespace) -> str:
    if args.json:
        if args.format not in (None, "jsonl"):
            raise UsageError(f"--json conflicts with --format {args.format}")
        return "jsonl"
    if args.format is not None:
        return str(args.format)
    if args.output and args.output != "-":
        return _SUFFIX_FORMATS.get(Path(args.output).suffix.lower(), "tsv")
    return "tsv"


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def cmd_encode(args: argparse.Namespace) -> int:
    fmt = _output_format(args)
    to_stdout = args.output is None or args.output == "-"
    if args.texts and args.input is not None:
        raise UsageError("give texts as arguments or with --input, not both")
    if fmt == "npy" and to_stdout and sys.stdout.isatty():
        raise UsageError("refusing to write binary .npy data to a terminal: use --output FILE or a pipe")
    if args.texts and args.texts != ["-"]:
        texts = list(args.texts)
    else:
        source = args.input if args.input is not None else "-"
        if source == "-" and not args.texts and sys.stdin.isatty():
            raise UsageError("no texts: give them as arguments, with --input FILE, or on standard input")
        texts = _read_lines(source)

    model = _load(args.model, args.tokenizer)
    with model:
        kwargs = _encode_kwargs(args)
        out: Any
        if to_stdout:
            out = sys.stdout.buffer if fmt == "npy" else sys.stdout
            close = False
        else:
            try:
                out = open(args.output, "wb") if fmt == "npy" else open(args.output, "w", encoding="utf-8",
                                                                              newline="\n")
            except OSError as exc:
                raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
            close = True
        try:
            writer = _Writer(fmt, out, len(texts), model.dim)
            bar = Progress(len(texts), "m2v encode", _show_progress(args.progress))
            try:
                for start, end in _batches(len(texts), args.batch_size):
                    rows = model.encode(texts[start:end], batch_size=args.batch_size,
                                        num_threads=args.threads, **kwargs)
                    writer.write(rows)
                    bar.update(end - start)
            finally:
                bar.close()
            out.flush()
        finally:
            if close:
                out.close()
    return EXIT_OK


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity, 0.0 when either vector is zero."""
    na = float(np.linalg.norm(a.astype(np.float64)))
    nb = float(np.linalg.norm(b.astype(np.float64)))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a.astype(np.float64), b.astype(np.float64)) / (na * nb))


def cmd_similarity(args: argparse.Namespace) -> int:
    with _load(args.model, args.tokenizer) as model:
        vectors = model.encode([args.text_a, args.text_b], **_encode_kwargs(args))
    print(f"{cosine(vectors[0], vectors[1]):.6f}")
    return EXIT_OK


def _size(n: int) -> str:
    """Bytes for people: 352 B, 445.6 kB, 3.8 MB (powers of 1000)."""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


def _tokenizer_type(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return str(doc.get("model", {}).get("type") or "unknown")
    except (OSError, ValueError, AttributeError):
        return "unreadable"


def describe(model_arg: Optional[str]) -> dict[str, Any]:
    """Everything `m2v info` prints, as a dict."""
    folder = resolve_model_path(model_arg)
    layout = find_layout(folder)
    if layout is None:
        # Let the C loader say what is wrong with the folder.
        StaticModel.from_pretrained(folder, tokenizer="native").close()
        raise CommandError(f"{folder}: no Model2Vec model layout found")
    files = {name: (folder / name).stat().st_size for name in LAYOUTS[layout]}
    native_reason: Optional[str] = None
    try:
        model = StaticModel.from_pretrained(folder, tokenizer="native")
    except M2VUnsupportedError as exc:
        native_reason = exc.message
        # Introspection only: a tokenizer that is never called.
        model = StaticModel.from_pretrained(folder, tokenizer=lambda text: [])
    with model:
        unk = model.unk_token_id
        info: dict[str, Any] = {
            "model": model_arg if model_arg is not None else "(embedded default)",
            "path": str(folder),
            "layout": LAYOUT_NAMES[layout],
            "files": files,
            "size_bytes": sum(files.values()),
            "dtype": model.embedding_dtype,
            "table_shape": list(model.embedding.shape),
            "vocab_size": model.vocab_size,
            "dim": model.dim,
            "weights": None if model.weights is None else str(model.weights.dtype),
            "mapping": None if model.token_mapping is None else str(model.token_mapping.dtype),
            "tokenizer": _tokenizer_type(folder / LAYOUTS[layout][2]),
            "tokenizer_native": native_reason is None,
            "tokenizer_kind": model.tokenizer_kind if native_reason is None else None,
            "tokenizer_native_reason": native_reason,
            "normalize": model.normalize,
            "max_length": model.max_length,
            "median_token_length": model.median_token_length,
            "unk_token_id": unk,
            "unk_token": model.tokens[unk] if unk is not None and 0 <= unk < model.vocab_size else None,
            "m2v_version": __version__,
            "m2v_features": features(),
        }
    return info


def _format_info(info: dict[str, Any]) -> str:
    files = ", ".join(f"{name} {_size(size)}" for name, size in info["files"].items())
    if info["tokenizer_native"]:
        tok = f"{info['tokenizer']} (runs natively in C: {info['tokenizer_kind']})"
    else:
        tok = (f"{info['tokenizer']} (not native: {info['tokenizer_native_reason']}; "
               f"runs through HuggingFace tokenizers)")
    rows = [
        ("model", info["model"]),
        ("path", info["path"]),
        ("layout", info["layout"]),
        ("files", f"{files} (total {_size(info['size_bytes'])})"),
        ("dtype", info["dtype"]),
        ("table", " x ".join(str(x) for x in info["table_shape"])),
        ("vocab", f"{info['vocab_size']} tokens"),
        ("dim", info["dim"]),
        ("weights", info["weights"] or "none"),
        ("mapping", info["mapping"] or "none"),
        ("tokenizer", tok),
        ("normalize", str(info["normalize"]).lower()),
        ("max_length", "none" if info["max_length"] is None else info["max_length"]),
        ("median_token_length", info["median_token_length"]),
        ("unk_token", "none" if info["unk_token_id"] is None else f"{info['unk_token']} (id {info['unk_token_id']})"),
        ("m2v", f"{info['m2v_version']} (threads: {'yes' if info['m2v_features']['threads'] else 'no'}, "
                f"native tokenizer: {'yes' if info['m2v_features']['native_tokenizer'] else 'no'})"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def cmd_info(args: argparse.Namespace) -> int:
    if args.model_arg is not None and args.model_opt is not None:
        raise UsageError("give the model once: as MODEL or with --model")
    info = describe(args.model_arg if args.model_arg is not None else args.model_opt)
    print(json.dumps(info, indent=2) if args.json else _format_info(info))
    return EXIT_OK


def synthetic_corpus(tokens: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """n deterministic pseudo-sentences of 4 to 60 whole-word vocabulary tokens."""
    words = [t for t in tokens if t.isalpha() and not t.startswith("[")]
    if not words:
        words = [t for t in tokens if t] or ["text"]
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=rng.randint(4, 60))) for _ in range(n)]


def cmd_bench(args: argparse.Namespace) -> int:
    with _load(args.model, args.tokenizer) as model:
        if args.input is not None:
            texts = _read_lines(args.input)
            source = "standard input" if args.input == "-" else args.input
        else:
            texts = synthetic_corpus(model.tokens, args.texts)
            source = f"synthetic ({args.texts} texts from the vocabulary)"
        if args.limit is not None:
            texts = texts[: args.limit]
        if not texts:
            raise CommandError(f"{source}: no texts to encode")
        n_bytes = sum(len(t.encode("utf-8")) for t in texts)
        kwargs = _encode_kwargs(args)
        model.encode(texts[: min(len(texts), args.batch_size)], num_threads=args.threads, **kwargs)  # warm-up
        times = []
        bar = Progress(len(texts) * args.repeat, "m2v bench", _show_progress(args.progress))
        try:
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                for start, end in _batches(len(texts), args.batch_size):
                    model.encode(texts[start:end], batch_size=args.batch_size, num_threads=args.threads, **kwargs)
                    bar.update(end - start)
                times.append(time.perf_counter() - t0)
        finally:
            bar.close()
        best = min(times)
        result = {
            "model": args.model if args.model is not None else "(embedded default)",
            "input": source,
            "texts": len(texts),
            "bytes": n_bytes,
            "tokenizer": model.tokenizer_mode,
            "threads": args.threads,
            "batch_size": args.batch_size,
            "repeat": args.repeat,
            "best_seconds": best,
            "texts_per_second": len(texts) / best if best > 0 else math.inf,
            "mb_per_second": n_bytes / 1e6 / best if best > 0 else math.inf,
        }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        threads = "one per CPU" if args.threads == 0 else str(args.threads)
        print(f"m2v {__version__} bench: {result['model']}, tokenizer {result['tokenizer']}, threads {threads}, "
              f"batch {args.batch_size}")
        print(f"input: {source}: {len(texts)} texts, {n_bytes / 1e6:.2f} MB")
        print(f"best of {args.repeat}: {best:.3f} s  {result['texts_per_second']:,.0f} texts/s  "
              f"{result['mb_per_second']:.2f} MB/s")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "encode": cmd_encode,
    "similarity": cmd_similarity,
    "info": cmd_info,
    "bench": cmd_bench,
}


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    text = str(message)
    text = text[len("m2v: "):] if text.startswith("m2v: ") else text
    print(f"m2v: warning: {text}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status (never raises for user mistakes)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    prog = f"m2v {args.command}"
    old_showwarning = warnings.showwarning
    warnings.showwarning = _warning
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"{prog}: error: {exc}\n(see '{prog} --help')", file=sys.stderr)
        return EXIT_USAGE
    except (CommandError, M2VError) as exc:
        print(f"m2v: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("m2v: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (m2v encode ... | head): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, AttributeError, ValueError):
            pass
        return EXIT_BROKEN_PIPE
    finally:
        warnings.showwarning = old_showwarning


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
