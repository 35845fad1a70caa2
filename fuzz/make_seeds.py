#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.

Seeds are small on purpose (the repo stays small; libFuzzer grows its own
corpus in build-fuzz/corpus/). They are made from the project's fixture
models (tests/fixtures/models), from the real models and texts in
../shared (M2V_SHARED_DIR) when present, and from hand-written edge cases.
The output is deterministic: run `python3 fuzz/make_seeds.py` and commit
fuzz/seeds/. Standard library only.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "models"
SHARED = Path(os.environ.get("M2V_SHARED_DIR", ROOT.parent / "shared"))
SEP = b"\n@@M2V@@\n"  # fuzz_common.h FUZZ_SEP


def write(target: str, data: bytes) -> None:
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


# ---- safetensors -------------------------------------------------------

def safetensors(tensors: dict[str, tuple[str, list[int], bytes]],
                metadata: dict[str, str] | None = None) -> bytes:
    header: dict[str, object] = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def table(dtype: str, rows: int, cols: int) -> bytes:
    vals = [((i * 7 + j * 3) % 11 - 5) / 4 for i in range(rows) for j in range(cols)]
    if dtype == "F32":
        return struct.pack(f"<{len(vals)}f", *vals)
    if dtype == "F64":
        return struct.pack(f"<{len(vals)}d", *vals)
    if dtype == "F16":
        return struct.pack(f"<{len(vals)}e", *vals)
    if dtype == "BF16":
        return b"".join(struct.pack("<f", v)[2:] for v in vals)
    if dtype == "I8":
        return bytes((int(v * 20) & 0xFF) for v in vals)
    raise ValueError(dtype)


# ---- a mini model: the fixture tokenizer cut to its first N ids ----------

def mini_tokenizer(n: int) -> dict:
    tok = json.loads((FIXTURES / "f32" / "tokenizer.json").read_text())
    tok["model"]["vocab"] = {k: v for k, v in tok["model"]["vocab"].items() if v < n}
    tok["added_tokens"] = [a for a in tok["added_tokens"] if a["id"] < n]
    return tok


def dumps(o: object) -> bytes:
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()


def mini_models() -> list[tuple[int, bytes, bytes, bytes]]:
    """(option byte, safetensors, tokenizer.json, config.json) tuples."""
    n, cols = 41, 4
    tok = dumps(mini_tokenizer(n))
    cfg = dumps({"model_type": "model2vec", "normalize": True, "max_length": 8})
    out = []
    for dt in ("F32", "F16", "BF16", "F64", "I8"):
        out.append((0, safetensors({"embeddings": (dt, [n, cols], table(dt, n, cols))}), tok, cfg))
    weights = struct.pack(f"<{n}f", *[(i % 5) / 3 for i in range(n)])
    mapping64 = struct.pack(f"<{n}q", *[i % 7 for i in range(n)])
    mapping32 = struct.pack(f"<{n}i", *[(i * 3) % 7 for i in range(n)])
    out.append((0, safetensors({"embeddings": ("F32", [7, cols], table("F32", 7, cols)),
                                "weights": ("F32", [n], weights),
                                "mapping": ("I64", [n], mapping64)}), tok, b"{}"))
    out.append((0x08, safetensors({"embeddings": ("I8", [7, cols], table("I8", 7, cols)),
                                   "mapping": ("I32", [n], mapping32)},
                                  {"format": "pt"}), tok, b'{"max_length":null}'))
    out.append((0x20, safetensors({"embedding.weight": ("F16", [n, cols], table("F16", n, cols)),
                                   "weights": ("F16", [n], struct.pack(f"<{n}e", *[1.5] * n))}),
                tok, b'{"normalize":false}'))
    return out


def main() -> int:
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    fixture_dirs = sorted(p for p in FIXTURES.iterdir() if p.is_dir())

    # fuzz_load: mini models, and two real fixture models whole
    for opt, st, tok, cfg in mini_models():
        write("fuzz_load", bytes([opt]) + st + SEP + tok + SEP + cfg)
        write("fuzz_load", bytes([opt | 0x01]) + st + SEP + tok)
    for name, opt in (("f32_norm_ml8", 0x80), ("vq_f16_i32", 0x00)):
        d = FIXTURES / name
        write("fuzz_load", bytes([opt]) + (d / "model.safetensors").read_bytes() + SEP
              + (d / "tokenizer.json").read_bytes() + SEP + (d / "config.json").read_bytes())

    # fuzz_safetensors: the fixture files' headers with tiny tables, the
    # shared models' headers shrunk the same way, and a few shapes
    seen = set()
    for d in fixture_dirs + sorted(p.parent for p in SHARED.glob("models/**/model.safetensors")):
        for f in sorted(d.glob("**/model.safetensors")):
            with f.open("rb") as fh:
                (hlen,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(hlen))
            tensors = {}
            for k, v in header.items():
                if k == "__metadata__":
                    continue
                shape = [min(s, 3) for s in v["shape"]]
                count = 1
                for s in shape:
                    count *= s
                size = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I8": 1, "I32": 4, "I64": 8}[v["dtype"]]
                tensors[k] = (v["dtype"], shape, b"\x01" * (count * size))
            seed = safetensors(tensors, header.get("__metadata__"))
            if seed not in seen:
                seen.add(seed)
                write("fuzz_safetensors", seed)
    write("fuzz_safetensors", safetensors({}))
    write("fuzz_safetensors", safetensors({"a": ("U8", [0], b""), "b": ("F4", [2], b"\x12"),
                                           "c": ("BOOL", [2, 1], b"\x00\x01")}))

    # fuzz_json: tokenizer.json (fixture, and the shared ones cut to 60
    # vocabulary entries), configs, modules.json, headers, edge cases
    write("fuzz_json", (FIXTURES / "f32" / "tokenizer.json").read_bytes())
    for f in sorted({p.read_bytes() for d in fixture_dirs for p in d.glob("**/*.json")
                     if p.name != "tokenizer.json"}):
        write("fuzz_json", f)
    for f in sorted(SHARED.glob("models/**/tokenizer.json")):
        tok = json.loads(f.read_text())
        voc = tok["model"]["vocab"]
        if isinstance(voc, dict):
            tok["model"]["vocab"] = dict(sorted(voc.items(), key=lambda kv: kv[1])[:60])
        else:
            tok["model"]["vocab"] = voc[:60]
        write("fuzz_json", json.dumps(tok, indent=1, ensure_ascii=True).encode())
    for f in sorted(SHARED.glob("models/**/config*.json")):
        write("fuzz_json", f.read_bytes())
    for doc in [
        '{"a":[1,-0,0.5,1e3,-1.25E-2,12345678901234567890,9007199254740993,1e400,-1e-400]}',
        '["\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/\\b\\f\\r\\u0000", "caf\u00e9", "\U0001F600"]',
        '{"":null,"t":true,"f":false,"o":{},"l":[],"dup":1,"dup":2}',
        ' \r\n\t[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] ',
        '{"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["a",-1.5],["b",-2]]}}',
        '{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1,"##b":2}},'
        '"added_tokens":[{"id":3,"content":"[X]"}]}',
        '{"normalize":true,"max_length":null}',
        '-0.0e-0', '"\\ud800"', '[1,]', '{"a" 1}', '01', '1.', '.5', '"\x01"', 'nul', '[]]',
    ]:
        write("fuzz_json", doc.encode("utf-8", "surrogatepass"))

    # fuzz_utf8: every class of sequence
    utf8 = [b"", b"plain ascii text, 8+ bytes long", "caf\u00e9 \u4f60\u597d \U0001F600".encode(),
            b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
            b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff\xfe", b"\x80\xbf", b"\xe4\xbd",
            b"\xf0\x9f\x98", b"abcdefgh\xc3", b"\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80"
            b"\xf4\x8f\xbf\xbf", b"\x7f\xc2\x80\xed\x9f\xbf\xee\x80\x80"]
    for s in utf8:
        write("fuzz_utf8", s)

    # fuzz_encode: variant byte, option byte, text
    texts = ["Hello, World! It's dangerous to go alone.", "", " ", "[CLS] hello [MASK] world [SEP]",
             "a" * 150, "unbelievable caf\u00e9 na\u00efve r\u00e9sum\u00e9 \uFB01", "\u4f60\u597d\u4e16\u754c \u3053\u3093\u306b\u3061\u306f",
             "e\u0301\u0302 \u212b \u1e9b\u0323 \uff21\uff22 \u2163", "\U0001F600\U0001F44D\U0001F3FD tab\tnew\nline\r",
             "\x00\x01\x1f\x7f \u200b\u200d\ufeff", "((([[[{{{}}}]]]))) --- ... !!! ???"]
    corpus = SHARED / "corpus"
    for name, count in (("multilingual.txt", 12), ("en_sentences.txt", 6), ("bench_docs.txt", 2)):
        f = corpus / name
        if f.exists():
            lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
            step = max(1, len(lines) // count)
            texts += [ln[:600] for ln in lines[::step][:count]]
    for i, t in enumerate(texts):
        write("fuzz_encode", bytes([i % 9, (i * 37) & 0x1F]) + t.encode("utf-8"))
    for i, s in enumerate(utf8[3:]):
        write("fuzz_encode", bytes([i % 9, 0]) + b"ok " + s + b" tail")
    # fuzz_tokenizer: tokenizer.json variants + SEP + a text
    base = json.loads((FIXTURES / "f32" / "tokenizer.json").read_text())
    variants = [base]
    for norm, pre in [
        ({"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"},
          {"type": "Replace", "pattern": {"String": "  "}, "content": " "},
          {"type": "Strip", "strip_left": True, "strip_right": True}]}, {"type": "Whitespace"}),
        ({"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"},
          {"type": "Prepend", "prepend": "\u2581"}]},
         {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                                {"type": "Punctuation", "behavior": "Isolated"}]}),
        ({"type": "NFC"}, {"type": "Punctuation", "behavior": "MergedWithNext"}),
        (None, None),
    ]:
        v = json.loads(json.dumps(base))
        v["normalizer"], v["pre_tokenizer"] = norm, pre
        variants.append(v)
    v = json.loads(json.dumps(base))
    for a in v["added_tokens"]:
        a.update(single_word=a["id"] % 2 == 0, lstrip=True, rstrip=a["id"] > 2, normalized=a["id"] > 1)
    v["model"]["max_input_chars_per_word"] = 5
    variants.append(v)
    v = mini_tokenizer(41)
    variants.append(v)
    for f in sorted(SHARED.glob("models/**/tokenizer.json"))[:2]:
        t = json.loads(f.read_text())
        if isinstance(t["model"]["vocab"], dict):
            keep = sorted(t["model"]["vocab"].items(), key=lambda kv: kv[1])[:300]
            t["model"]["vocab"] = dict(keep)
            t["added_tokens"] = [a for a in t.get("added_tokens") or [] if a["id"] < 300]
            variants.append(t)
    tok_texts = ["Hello, World! [MASK] unbelievable [CLS]x", "caf\u00e9 \u4f60\u597d \U0001F600 e\u0301",
                 "  lots   of   space  ", "##d ##a [UNK] [PAD][SEP]"]
    for i, v in enumerate(variants):
        write("fuzz_tokenizer", dumps(v) + SEP + tok_texts[i % len(tok_texts)].encode())

    n = sum(1 for _ in SEEDS.rglob("*") if _.is_file())
    size = sum(p.stat().st_size for p in SEEDS.rglob("*") if p.is_file())
    print(f"wrote {n} seeds, {size} bytes, into {SEEDS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
