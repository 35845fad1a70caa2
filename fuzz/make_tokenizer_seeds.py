#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_tokenizer.c into
fuzz/seeds/fuzz_tokenizer/: small tokenizer.json files (every normalizer,
pre-tokenizer and added-token option the native tokenizer supports, and a
few it rejects), each followed by FUZZ_SEP, a text and an option byte.

The WordPiece vocabularies are cut from the real tokenizer.json files of
../shared/models (M2V_SHARED_DIR) when present, else from a built-in word
list; every seed stays under fuzz/run.sh's 8192-byte max_len. Deterministic;
standard library only:  python3 fuzz/make_tokenizer_seeds.py
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "seeds" / "fuzz_tokenizer"
SHARED = Path(os.environ.get("M2V_SHARED_DIR", ROOT.parent / "shared"))
SEP = b"\n@@M2V@@\n"  # fuzz_common.h FUZZ_SEP
MAX_LEN = 8192

TEXTS = [
    "It's dangerous to go alone! [MASK] take [CLS]this",
    "na\u00efve caf\u00e9 \u00c5ngstr\u00f6m \u0130stanbul \u03a3\u03b1\u03c2 \ufb01 \u2460",
    "\u4e2d\u6587\u5b57\u7b26 and \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4",
    "  <ent>x</ent>  word aword word!  ",
    "e\u0301\u0316 a\u0308\u0301 \u1100\u1161\u11a8 \u0958",
    "\x00\x01\t\n\x0b\x7f\u00ad\u200b\ufeff\ufffd",
    "unaffable running jumped " * 3,
    "a" * 101,
]

WORDS = ("[PAD] [UNK] [CLS] [SEP] [MASK] the a it s ' ! , . - to go alone danger ##ous take this "
         "un ##aff ##able run ##ning jump ##ed word caf ##e na ##ive e ##s ##t ##a ##b ##c x y "
         "\u4e2d \u6587 \u00e9 ##\u00e9").split()


def vocab() -> dict[str, int]:
    words = list(WORDS)
    base = SHARED / "models" / "m2v-base-f32" / "tokenizer.json"
    if base.exists():
        v = json.loads(base.read_text(encoding="utf-8"))["model"]["vocab"]
        extra = sorted(v, key=v.get)[:120]
        words += [w for w in extra if w not in words]
    out: dict[str, int] = {}
    for w in words:
        out.setdefault(w, len(out))
    return out


def tok(content: str, *, special: bool = False, normalized: bool | None = None,
        single_word: bool = False, lstrip: bool = False, rstrip: bool = False, id: int = 0) -> dict:
    return {"id": id, "content": content, "single_word": single_word, "lstrip": lstrip,
            "rstrip": rstrip, "normalized": (not special) if normalized is None else normalized,
            "special": special}


BERT = {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
        "strip_accents": None, "lowercase": True}
CONFIGS = [
    (BERT, {"type": "BertPreTokenizer"}),
    ({**BERT, "lowercase": False, "strip_accents": True}, {"type": "WhitespaceSplit"}),
    ({"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"},
                                          {"type": "Strip", "strip_left": True, "strip_right": False},
                                          {"type": "Replace", "pattern": {"String": "  "}, "content": " "}]},
     {"type": "Whitespace"}),
    ({"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"},
                                          {"type": "Prepend", "prepend": "\u2581"}]},
     {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                            {"type": "Punctuation", "behavior": "MergedWithNext"}]}),
    ({"type": "NFC"}, {"type": "Punctuation", "behavior": "Contiguous"}),
    ({"type": "NFKD"}, {"type": "Punctuation", "behavior": "MergedWithPrevious"}),
    (None, {"type": "Punctuation", "behavior": "Removed"}),
    ({"type": "Replace", "pattern": {"String": ""}, "content": "+"}, None),
    # rejected ones (the parser's error paths)
    ({"type": "Precompiled", "precompiled_charsmap": None}, {"type": "BertPreTokenizer"}),
    (BERT, {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}),
]
ADDED = [
    [],
    [tok("[CLS]", special=True, id=2), tok("[MASK]", special=True, id=4)],
    [tok("<ent>", lstrip=True, rstrip=True), tok("</ent>", rstrip=True), tok("word", single_word=True),
     tok("Word", normalized=True, single_word=True), tok("[MASK]", special=True, lstrip=True),
     tok("", normalized=False), tok("the", normalized=False), tok("  ", normalized=False)],
]


def doc(norm: dict | None, pre: dict | None, added: list, v: dict[str, int], max_chars: int = 100,
        model_type: str = "WordPiece") -> bytes:
    d = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
         "normalizer": norm, "pre_tokenizer": pre, "post_processor": None, "decoder": None,
         "model": {"type": model_type, "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                   "max_input_chars_per_word": max_chars, "vocab": v}}
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode()


def main() -> int:
    # Seeds are named by content hash; fuzz/make_seeds.py writes some here
    # too, so nothing is deleted.
    OUT.mkdir(parents=True, exist_ok=True)
    v = vocab()
    seeds: list[bytes] = []
    for i, (norm, pre) in enumerate(CONFIGS):
        for j, added in enumerate(ADDED):
            text = TEXTS[(i + j) % len(TEXTS)].encode()
            seeds.append(doc(norm, pre, added, v, max_chars=(100, 5, 0)[j % 3]) + SEP + text +
                         SEP + bytes([(i * 29 + j) % 256]))
    seeds.append(doc(BERT, {"type": "BertPreTokenizer"}, ADDED[1], v))  # fixed texts
    small = {k: i for i, k in enumerate(list(v)[:10])}  # no [UNK] -> MissingUnkToken paths
    seeds.append(doc(BERT, {"type": "BertPreTokenizer"}, [], {k: i for k, i in small.items() if k != "[UNK]"})
                 + SEP + b"xyz the" + SEP + b"\x07")
    seeds.append(doc(BERT, None, [], v, model_type="BPE"))
    n = 0
    for s in seeds:
        assert len(s) <= MAX_LEN, len(s)
        (OUT / hashlib.sha1(s).hexdigest()[:16]).write_bytes(s)
        n += 1
    print(f"wrote {n} seeds to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
