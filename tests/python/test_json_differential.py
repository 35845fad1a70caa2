"""Differential test of the C JSON reader (csrc/json.c) against Python's json.

Hypothesis generates JSON documents (random values, random whitespace, random
escaping) and mutated texts (bytes inserted, deleted, replaced; documents cut
short), and the C reader must make the same accept/reject decision as
``json.loads`` on the subset the loader needs, and read the same values:

* the text must be UTF-8 (Python decodes it strictly first);
* NaN / Infinity literals are not JSON (``parse_constant`` rejects them);
* strings with a lone surrogate escape (``"\\ud800"``) are rejected by m2v
  (Python accepts them but cannot encode the result as UTF-8);
* nesting deeper than M2V_MAX_JSON_DEPTH (256) is rejected by m2v;
* numbers: integer tokens in int64 are compared exactly, all others as the
  IEEE double both sides round to (bit for bit), including overflow to inf;
* objects are compared member by member in document order (duplicates kept).

The C side is tests/c/json_dump.c, built here with the system C compiler
against csrc/json.c, csrc/utf8.c and csrc/error.c (it is a test program, not
API). Needs no model and no ../shared.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
MAX_DEPTH = 256
INT64 = (-(2**63), 2**63 - 1)


# ---- the C side --------------------------------------------------------

@pytest.fixture(scope="module")
def json_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    assert cc, "a C compiler (cc, gcc or clang) is needed to build tests/c/json_dump.c"
    out = tmp_path_factory.mktemp("json_dump") / "json_dump"
    srcs = [ROOT / "tests/c/json_dump.c"] + [ROOT / "csrc" / f for f in ("json.c", "utf8.c", "error.c")]
    subprocess.run([cc, "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}",
                    f"-I{ROOT / 'csrc'}", "-o", str(out), *map(str, srcs), "-lm"], check=True)
    return out


def c_read(prog: Path, docs: list[bytes]) -> list[str]:
    data = b"".join(struct.pack("<I", len(d)) + d for d in docs)
    r = subprocess.run([str(prog)], input=data, capture_output=True, check=True, timeout=120)
    lines = r.stdout.decode().splitlines()
    assert len(lines) == len(docs)
    return lines


# ---- the Python side: same canonical form ---------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _canon(v: Any, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    if v is None:
        return "n"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, int):
        if INT64[0] <= v <= INT64[1]:
            return f"I{v}"
        try:
            d = float(v)
        except OverflowError:
            d = float("inf") if v > 0 else float("-inf")
        return "D" + struct.pack(">d", d).hex()
    if isinstance(v, float):
        return "D" + struct.pack(">d", v).hex()
    if isinstance(v, str):
        return "S" + v.encode("utf-8").hex()  # lone surrogate: UnicodeEncodeError
    if isinstance(v, list):
        if depth + 1 > MAX_DEPTH:
            raise ValueError("too deep")
        return "[" + ",".join(_canon(x, depth + 1) for x in v) + "]"
    if isinstance(v, tuple):  # object as pairs
        if depth + 1 > MAX_DEPTH:
            raise ValueError("too deep")
        return "{" + ",".join("S" + k.encode("utf-8").hex() + ":" + _canon(x, depth + 1) for k, x in v[0]) + "}"
    raise TypeError(type(v))


def py_read(doc: bytes) -> str:
    """What m2v must answer: 'OK <canonical>' or 'ERR'."""
    try:
        text = doc.decode("utf-8")
        v = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=lambda p: (p,))
        return "OK " + _canon(v, 0)
    except (ValueError, UnicodeError, RecursionError):
        return "ERR"


def check(prog: Path, docs: list[bytes]) -> None:
    got = c_read(prog, docs)
    for doc, g in zip(docs, got):
        want = py_read(doc)
        if want == "ERR":
            assert g == "ERR 3", f"m2v accepted what Python's json rejects: {doc!r} -> {g}"
        else:
            assert g == want, f"m2v and Python's json differ on {doc!r}:\n  m2v:    {g}\n  python: {want}"


# ---- generated documents -----------------------------------------------------

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -0.0, 0.5, 1e-320, 5e-324, 1.7976931348623157e308, 2**53 + 1, 2**63, -(2**63) - 1]),
)
strings = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


class Obj:
    """A generated JSON object: its members in order (duplicates allowed)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


values = st.recursive(
    st.none() | st.booleans() | numbers | strings,
    lambda kids: st.lists(kids, max_size=5) | st.lists(st.tuples(strings, kids), max_size=5).map(Obj),
    max_leaves=30,
)
whitespace = st.text(st.sampled_from(" \t\n\r"), max_size=3)


def _number_text(v: int | float, draw: Any) -> str:
    if isinstance(v, int):
        form = draw(st.integers(0, 3))
        if form == 1 and v != 0:  # integral with exponent: 12e0, 120e-1
            return f"{v * 10}e-1"
        if form == 2:
            return f"{v}.0"
        return str(v)
    s = repr(v)
    if draw(st.booleans()):
        s = s.replace("e", "E")
    return s


@st.composite
def documents(draw: Any) -> bytes:
    """A JSON text of a generated value, written in varied ways."""
    v = draw(values)
    ascii_only = draw(st.booleans())

    def write(x: Any) -> str:
        ws = draw(whitespace)
        if isinstance(x, bool) or x is None:
            return ws + json.dumps(x)
        if isinstance(x, (int, float)):
            return ws + _number_text(x, draw)
        if isinstance(x, str):
            return ws + json.dumps(x, ensure_ascii=ascii_only)
        if isinstance(x, list):
            return ws + "[" + ",".join(write(e) for e in x) + draw(whitespace) + "]"
        return ws + "{" + ",".join(json.dumps(k, ensure_ascii=ascii_only) + draw(whitespace) + ":" + write(e)
                                   for k, e in x.pairs) + draw(whitespace) + "}"

    return (write(v) + draw(whitespace)).encode("utf-8")


_TOKENS = [b'"', b"\\", b"\\u", b"\\ud83d", b"\\ude00", b"{", b"}", b"[", b"]", b",", b":", b"-", b"0",
           b"1e", b"e+", b".", b"true", b"nul", b"NaN", b"Infinity", b"\x00", b"\x1f", b"\x7f", b"\xc3",
           b"\xa9", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xef\xbb\xbf", b" ", b"\t", b"\x0b"]


@st.composite
def mutated(draw: Any) -> bytes:
    doc = bytearray(draw(documents()))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, len(doc)))
        if op == 0:
            doc[pos:pos] = draw(st.sampled_from(_TOKENS))
        elif op == 1 and doc:
            del doc[pos: pos + draw(st.integers(1, 3))]
        elif op == 2 and pos < len(doc):
            doc[pos] = draw(st.integers(0, 255))
        else:
            doc = doc[:pos]
    return bytes(doc)


SETTINGS = settings(max_examples=int(os.environ.get("M2V_JSON_EXAMPLES", "300")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.lists(documents(), min_size=1, max_size=20))
def test_generated_documents_read_alike(json_dump: Path, docs: list[bytes]) -> None:
    check(json_dump, docs)


@SETTINGS
@given(st.lists(mutated(), min_size=1, max_size=20))
def test_mutated_documents_decided_alike(json_dump: Path, docs: list[bytes]) -> None:
    check(json_dump, docs)


# ---- fixed cases: the edges, and the loader's own files ----------------------

def _edge_cases() -> Iterator[bytes]:
    for s in ["0", "-0", "-0.0", "1E400", "-1e400", "1e-400", "4.9e-324", "2.4703282292062328e-324",
              "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
              "-9223372036854775809", "18446744073709551616", "0.99999999999999999999", "1.0", "1e3",
              "12.50e1", "123456789012345678901234567890", "0.1e1", "1" + "0" * 400, "1." + "0" * 400 + "1",
              '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '"\\u0000"', '"\\/"',
              "[" * 256 + "]" * 256, "[" * 257 + "]" * 257, '{"a":1,"a":2}', "", " ", "[1,]", "[01]",
              "[.5]", "[1.]", "[-]", "[+1]", "[1e]", "[0x10]", "tru", "nulll", '"a\tb"', '"\x7f"',
              "\ufeff{}", "{}\x00", "[1 2]", '{"a" 1}', "{1:2}", '["\\x41"]', '["\\U0041"]']:
        yield s.encode("utf-8", "surrogatepass")
    yield b'"\xc0\xaf"'
    yield b'"\xed\xa0\x80"'
    yield b'"\xf4\x90\x80\x80"'
    for p in sorted((ROOT / "tests/fixtures/models").glob("*/*.json")):
        yield p.read_bytes()


def test_edge_cases_and_fixture_files(json_dump: Path) -> None:
    check(json_dump, list(_edge_cases()))
