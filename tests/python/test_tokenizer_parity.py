"""Exact id parity of m2v's native tokenizer with HuggingFace tokenizers.

The reference is ``Tokenizer.from_file(path).encode_batch_fast(texts,
add_special_tokens=False)`` with truncation and padding off (model2vec
replaces both; m2v's core truncates). The native side is
tests/c/tokenize_cli.c, compiled here from csrc/ (set $M2V_TOKENIZE_CLI to
use a prebuilt one), fed length-prefixed records. Every test prints
"[tokenizer parity] <what>: <texts> texts, <mismatches> mismatches" (run
pytest with -s to see them) and fails on any mismatch.

Tokenizers under test:
- potion-base-8M's tokenizer.json and m2v-base's (bert-base-uncased style,
  shared data);
- tokenizers built here from JSON: BertNormalizer variants (cased,
  strip_accents, no clean_text/chinese), Sequence normalizer chains (NFD,
  NFC, NFKC, NFKD, StripAccents, Lowercase, Strip, Prepend, Replace), and
  the Whitespace, WhitespaceSplit, Punctuation (every behavior) and
  Sequence pre-tokenizers, with added tokens of every flag combination.
  Their vocabularies are either the m2v-base one or a "char vocabulary"
  (every char the normalizer can output, alone and with the ## prefix), so
  that ids reveal the exact normalized text.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pytest

tokenizers = pytest.importorskip("tokenizers")
from tokenizers import Tokenizer, normalizers  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _shared() -> Path:
    env = os.environ.get("M2V_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


SHARED = _shared()
POTION = SHARED / "models" / "potion-test" / "test-model-float32" / "tokenizer.json"
M2V_BASE = SHARED / "models" / "m2v-base-f32" / "tokenizer.json"
CORPUS = SHARED / "corpus"

ALL_SCALARS = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]

# ---------------------------------------------------------------------------
# Harness


@pytest.fixture(scope="session")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("M2V_TOKENIZE_CLI")
    if env:
        return Path(env)
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    assert cc, "no C compiler to build tests/c/tokenize_cli.c"
    srcs = sorted((ROOT / "csrc").glob("*.c"))
    out = tmp_path_factory.mktemp("cli") / "tokenize_cli"
    cmd = [cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror",
           f"-I{ROOT / 'include'}", f"-I{ROOT / 'csrc'}", *map(str, srcs),
           str(ROOT / "tests" / "c" / "tokenize_cli.c"), "-o", str(out), "-lpthread", "-lm"]
    subprocess.run(cmd, check=True)
    return out


def native_ids(cli: Path, tokenizer: Path, texts: Sequence[str], *flags: str) -> list[list[int]]:
    data = bytearray()
    for t in texts:
        b = t.encode("utf-8")
        data += struct.pack("<I", len(b))
        data += b
    proc = subprocess.run([str(cli), "--binary", *flags, str(tokenizer)], input=bytes(data),
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = proc.stdout
    arr = np.frombuffer(out, dtype="<i4")
    res: list[list[int]] = []
    i = 0
    while i < len(arr):
        n = int(arr[i])
        res.append(arr[i + 1:i + 1 + n].tolist())
        i += 1 + n
    assert len(res) == len(texts)
    return res


def ref_ids(tokenizer: Path, texts: Sequence[str]) -> list[list[int]]:
    tok = Tokenizer.from_file(str(tokenizer))
    tok.no_truncation()
    tok.no_padding()
    return [e.ids for e in tok.encode_batch_fast(list(texts), add_special_tokens=False)]


def check(what: str, cli: Path, tokenizer: Path, texts: Sequence[str], *flags: str,
          ref: list[list[int]] | None = None) -> list[list[int]]:
    """Compares native and reference ids of every text; prints the counts."""
    expected = ref if ref is not None else ref_ids(tokenizer, texts)
    got = native_ids(cli, tokenizer, texts, *flags)
    bad = [i for i in range(len(texts)) if got[i] != expected[i]]
    label = what + (" " + " ".join(flags) if flags else "")
    print(f"[tokenizer parity] {label}: {len(texts)} texts, {len(bad)} mismatches")
    for i in bad[:5]:
        print(f"  text {i}: {texts[i][:120]!r}\n    native {got[i][:30]}\n    tokenizers {expected[i][:30]}")
    assert not bad, f"{label}: {len(bad)} of {len(texts)} texts differ (first: {texts[bad[0]][:80]!r})"
    return expected


# ---------------------------------------------------------------------------
# Tokenizers built from JSON


def bert_norm(clean_text: bool = True, handle_chinese_chars: bool = True,
              strip_accents: bool | None = None, lowercase: bool = True) -> dict[str, Any]:
    return {"type": "BertNormalizer", "clean_text": clean_text,
            "handle_chinese_chars": handle_chinese_chars, "strip_accents": strip_accents,
            "lowercase": lowercase}


def seq_norm(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Sequence", "normalizers": list(steps)}


def plain(name: str) -> dict[str, Any]:
    return {"type": name}


def punct(behavior: str) -> dict[str, Any]:
    return {"type": "Punctuation", "behavior": behavior}


def seq_pre(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Sequence", "pretokenizers": list(steps)}


def added(content: str, *, special: bool = False, normalized: bool | None = None,
          single_word: bool = False, lstrip: bool = False, rstrip: bool = False,
          id: int = 0) -> dict[str, Any]:
    return {"id": id, "content": content, "single_word": single_word, "lstrip": lstrip,
            "rstrip": rstrip, "normalized": (not special) if normalized is None else normalized,
            "special": special}


def write_tokenizer(path: Path, vocab: dict[str, int], normalizer: dict[str, Any] | None,
                    pre_tokenizer: dict[str, Any] | None, added_tokens: Iterable[dict[str, Any]] = (),
                    max_chars: int = 100, prefix: str = "##",
                    truncation: dict[str, Any] | None = None) -> Path:
    doc = {
        "version": "1.0", "truncation": truncation, "padding": None,
        "added_tokens": list(added_tokens), "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer, "post_processor": None, "decoder": None,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": prefix,
                  "max_input_chars_per_word": max_chars, "vocab": vocab},
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def normalizer_of(spec: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    """The tokenizers normalizer object of a JSON spec (via a tokenizer)."""
    if spec is None:
        return None
    doc = {"version": "1.0", "normalizer": spec, "pre_tokenizer": None, "added_tokens": [],
           "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                     "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0}}}
    return Tokenizer.from_str(json.dumps(doc)).normalizer


SMALL_WORDS = """the a an it s dangerous to go alone hello world un ##aff ##able ##ing
##s ##ed ##ly run play ##er foo bar baz qu ##ick brown fox jump ##ed over lazy dog
caf ##e na ##ive 中 文 字 ! ? . , ' " - ( ) [ ] ##a ##b ##c ##d ##e ##f ##g ##h ##i ##j
##k ##l ##m ##n ##o ##p ##q ##r ##t ##u ##v ##w ##x ##y ##z b c d e f g h i j k l m n o p
q r t u v w x y z 0 1 2 3 ##0 ##1 ##2 ##3 é ##é ü ##ü ß ##ß""".split()


def small_vocab() -> dict[str, int]:
    vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "[MASK]": 3, "[PAD]": 4}
    for w in SMALL_WORDS:
        vocab.setdefault(w, len(vocab))
    for c in range(0x21, 0x7F):
        vocab.setdefault(chr(c), len(vocab))
        vocab.setdefault("##" + chr(c), len(vocab))
    return vocab


# Normalizer / pre-tokenizer combinations exercised with a char vocabulary.
CHAIN_CONFIGS: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {
    "bert-uncased": (bert_norm(), plain("BertPreTokenizer")),
    "bert-cased": (bert_norm(lowercase=False), plain("BertPreTokenizer")),
    "bert-strip-cased": (bert_norm(lowercase=False, strip_accents=True), plain("BertPreTokenizer")),
    "bert-lower-nostrip-raw": (bert_norm(clean_text=False, handle_chinese_chars=False,
                                         strip_accents=False), plain("WhitespaceSplit")),
    "nfd-strip-lower+whitespace": (seq_norm(plain("NFD"), plain("StripAccents"), plain("Lowercase")),
                                   plain("Whitespace")),
    "nfkc-lower+bert": (seq_norm(plain("NFKC"), plain("Lowercase")), plain("BertPreTokenizer")),
    "nfc+punct-isolated": (seq_norm(plain("NFC")), punct("Isolated")),
    "nfkd+ws-contiguous": (plain("NFKD"), seq_pre(plain("WhitespaceSplit"), punct("Contiguous"))),
    "strip-prepend-replace": (seq_norm({"type": "Strip", "strip_left": True, "strip_right": True},
                                       {"type": "Prepend", "prepend": "\u2581"},
                                       {"type": "Replace", "pattern": {"String": " "},
                                        "content": "\u2581"}),
                              seq_pre(punct("MergedWithPrevious"), plain("WhitespaceSplit"))),
    "bert+nfc+merged-next": (seq_norm(bert_norm(lowercase=False), plain("NFC")),
                             seq_pre(plain("WhitespaceSplit"), punct("MergedWithNext"))),
    "none+removed": (None, seq_pre(punct("Removed"), plain("Whitespace"))),
}


# ---------------------------------------------------------------------------
# Texts


EDGE_TEXTS = [
    "", " ", "\t\n\r", "\x00", "\x00a\x00", "\ufffd", "a\u0301", "e\u0301\u0316", "\u0301abc",
    "It's dangerous to go alone!", "Hello, World! HOW are you?", "naïve café Ångström ĞÜŞİÇÖ",
    "İstanbul ΣΑΣ σας", "ﬁﬂ ﬃ ㍿ ① ½ ™", "中文字符和English混合", "日本語のテキスト、カタカナ",
    "한국어 텍스트 입니다", "Привет, мир!", "مرحبا بالعالم", "שלום עולם", "हिन्दी पाठ",
    "ไทยภาษา", "emoji 😀👍🏽 👨‍👩‍👧 ", "zero\u200bwidth\u200cjoin\u200d", "soft\u00adhyphen",
    "nbsp\u00a0here\u2003em\u3000ideo", "a\u180eb", "line\u2028sep\u2029para", "\x0b\x0c\x1c\x1d\x1e\x1f",
    "tab\there", "a--b", "--a--", "a..b..", "(a)[b]{c}", "...", "¿Qué? ¡Sí!", "«quote» „de“ ‚x‘",
    "$100 + 5% = €105 ~ ^_^", "a_b_c snake_case", "dots... and—dashes–here", "\u0300\u0301",
    "x\u0345\u0301\u0316y", "Å\u030a", "\u1100\u1161\u11a8 \uac00\u11a8", "ǅǈǋ",
    "A" * 99, "B" * 100, "C" * 101, "ab" * 60, "é" * 101, "中" * 150,
    "  leading and trailing  ", "\u2581already\u2581spaced", "mixed\u00a0\u2581nbsp",
]


def corpus_lines(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def packed(cps: Sequence[int], fmt: str, per_text: int = 64) -> list[str]:
    """Texts of per_text scalar values each, every one formatted by fmt
    (e.g. "{}" alone, "q{}z" inside a word) and separated by spaces."""
    return [" ".join(fmt.format(chr(c)) for c in cps[i:i + per_text])
            for i in range(0, len(cps), per_text)]


# ---------------------------------------------------------------------------
# Tests on the project's own tokenizers (no shared data)


def native_records(cli: Path, tokenizer: Path, texts: Sequence[str], mode: str) -> list[Any]:
    """One str per text: --normalize: the normalized text; --pretokenize:
    the words joined by U+FDD0."""
    data = bytearray()
    for t in texts:
        b = t.encode("utf-8")
        data += struct.pack("<I", len(b))
        data += b
    proc = subprocess.run([str(cli), "--binary", mode, str(tokenizer)], input=bytes(data),
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = proc.stdout
    res: list[Any] = []
    i = 0
    while i < len(out):
        (n,) = struct.unpack_from("<I", out, i)
        i += 4
        res.append(out[i:i + n].decode("utf-8"))
        i += n
    assert len(res) == len(texts)
    return res


def check_stage(what: str, got: Sequence[Any], expected: Sequence[Any], texts: Sequence[str]) -> None:
    bad = [i for i in range(len(texts)) if got[i] != expected[i]]
    print(f"[tokenizer parity] {what}: {len(texts)} texts, {len(bad)} mismatches")
    for i in bad[:5]:
        print(f"  text {i}: {texts[i][:80]!r}\n    native {got[i]!r:.200}\n    tokenizers {expected[i]!r:.200}")
    assert not bad, f"{what}: {len(bad)} of {len(texts)} texts differ (first: {texts[bad[0]][:80]!r})"


def stage_texts() -> list[str]:
    """Every scalar value alone, inside words, before a combining mark and
    after one, packed 64 (or 32) to a text, and the edge texts."""
    return packed(ALL_SCALARS, "{}") + packed(ALL_SCALARS, "q{}z") + \
        packed(ALL_SCALARS, "{}\u0301\u0316", 32) + packed(ALL_SCALARS, "A\u0308{}", 32) + EDGE_TEXTS


NORMALIZERS: dict[str, dict[str, Any]] = {name: norm for name, (norm, _) in CHAIN_CONFIGS.items()
                                         if norm is not None}
NORMALIZERS.update({
    "nfd": plain("NFD"), "nfc": plain("NFC"), "nfkd": plain("NFKD"), "nfkc": plain("NFKC"),
    "lowercase": plain("Lowercase"), "strip-accents": plain("StripAccents"),
    "bert-chinese-only": bert_norm(clean_text=False, strip_accents=False, lowercase=False),
    "bert-clean-only": bert_norm(handle_chinese_chars=False, strip_accents=False, lowercase=False),
    "strip-left": {"type": "Strip", "strip_left": True, "strip_right": False},
    "replace-empty": {"type": "Replace", "pattern": {"String": ""}, "content": "+"},
    "replace-multi": seq_norm({"type": "Replace", "pattern": {"String": "ab"}, "content": "X"},
                              {"type": "Replace", "pattern": {"String": "\u00e9"}, "content": ""}),
})

SEP = "\ufdd0"

PRE_TOKENIZERS: dict[str, dict[str, Any]] = {
    "bert": plain("BertPreTokenizer"), "whitespace": plain("Whitespace"),
    "whitespace-split": plain("WhitespaceSplit"),
    **{f"punct-{b}": punct(b) for b in ("Removed", "Isolated", "MergedWithPrevious",
                                        "MergedWithNext", "Contiguous")},
    "seq-ws-punct-next": seq_pre(plain("WhitespaceSplit"), punct("MergedWithNext")),
    "seq-punct-prev-whitespace": seq_pre(punct("MergedWithPrevious"), plain("Whitespace")),
}


# Position-dependent normalizers (and the uncased BERT one) also see every
# scalar value as a text of its own; in context covers the rest.
ALONE_NORMALIZERS = {"bert-uncased", "strip-prepend-replace", "strip-left"}


@pytest.mark.parametrize("name", list(NORMALIZERS))
def test_normalizer_every_scalar(cli: Path, tmp_path: Path, name: str) -> None:
    """The normalizer alone (native --normalize vs normalize_str) on every
    Unicode scalar value: alone, in words, with combining marks around."""
    spec = NORMALIZERS[name]
    tok = write_tokenizer(tmp_path / "n.json", small_vocab(), spec, None)
    n = normalizer_of(spec)
    runs = [("in context", stage_texts())]
    if name in ALONE_NORMALIZERS:
        runs.append(("alone", [chr(c) for c in ALL_SCALARS]))
    for what, tx in runs:
        expected = [n.normalize_str(t) for t in tx]
        check_stage(f"normalizer {name} every scalar {what}", native_records(cli, tok, tx, "--normalize"),
                    expected, tx)


@pytest.mark.parametrize("name", list(PRE_TOKENIZERS))
def test_pre_tokenizer_every_scalar(cli: Path, tmp_path: Path, name: str) -> None:
    """The pre-tokenizer alone (native --pretokenize vs pre_tokenize_str)."""
    spec = PRE_TOKENIZERS[name]
    tok = write_tokenizer(tmp_path / "p.json", small_vocab(), None, spec)
    doc = json.loads(tok.read_text())
    pt = Tokenizer.from_str(json.dumps(doc)).pre_tokenizer
    # U+FDD0 (a noncharacter: no class) separates words in the output.
    texts = [t.replace(SEP, "") for t in stage_texts() + [chr(c) for c in range(0x3000)]]
    if name not in ("bert", "whitespace"):
        # Char classes were checked on every scalar by the two above; the
        # behaviors see a quarter of the texts (still every scalar).
        texts = texts[:len(ALL_SCALARS) // 64 + 1] + texts[len(ALL_SCALARS) // 64 + 1::4]
    expected = [SEP.join(w for w, _ in pt.pre_tokenize_str(t)) for t in texts]
    check_stage(f"pre-tokenizer {name} every scalar", native_records(cli, tok, texts, "--pretokenize"),
                expected, texts)


@pytest.mark.parametrize("name", list(CHAIN_CONFIGS))
def test_chain_ids_edge_texts(cli: Path, tmp_path: Path, name: str) -> None:
    """Whole pipeline ids for each chain, fused and general paths."""
    norm, pre = CHAIN_CONFIGS[name]
    tok = write_tokenizer(tmp_path / "c.json", small_vocab(), norm, pre, max_chars=1000)
    texts = EDGE_TEXTS + packed(list(range(0x20, 0x3000)), "{}", 16) + packed(list(range(0x20, 0x800)), "ab{}c", 8)
    ref = check(f"chain {name} ids", cli, tok, texts)
    check(f"chain {name} ids", cli, tok, texts, "--general", ref=ref)


def test_fused_and_general_paths_agree(cli: Path, tmp_path: Path) -> None:
    """The fused fast path applies to Bert-like chains only."""
    for name, expect in (("bert-uncased", 0), ("bert-strip-cased", 0), ("nfc+punct-isolated", 2),
                         ("strip-prepend-replace", 2), ("nfd-strip-lower+whitespace", 2)):
        norm, pre = CHAIN_CONFIGS[name]
        tok = write_tokenizer(tmp_path / f"{name}.json", small_vocab(), norm, pre)
        r = subprocess.run([str(cli), "--fused", str(tok)], input=b"", capture_output=True)
        assert r.returncode == expect, (name, r.stderr)


def test_small_vocab_edge_texts(cli: Path, tmp_path: Path) -> None:
    """Greedy WordPiece on a small vocabulary: subwords, [UNK] words,
    max_input_chars_per_word boundaries, other prefixes."""
    vocab = small_vocab()
    texts = EDGE_TEXTS + ["unaffable running played", "quickly brownish foxes", "xyzzy plugh",
                          "The Quick Brown Fox jumped over the lazy dog!!", "café naïve éü ßß"]
    for name, (norm, pre) in CHAIN_CONFIGS.items():
        for max_chars in (100, 5, 0):
            tok = write_tokenizer(tmp_path / f"{name}-{max_chars}.json", vocab, norm, pre,
                                  max_chars=max_chars)
            check(f"small vocab {name} max_chars={max_chars}", cli, tok, texts)
    for prefix in ("", "@@", "##"):
        v = {(k.replace("##", prefix, 1) if k.startswith("##") else k): i for k, i in vocab.items()}
        tok = write_tokenizer(tmp_path / "prefix.json", v, bert_norm(), plain("BertPreTokenizer"),
                              prefix=prefix)
        ref = check(f"small vocab prefix {prefix!r}", cli, tok, texts)
        check(f"small vocab prefix {prefix!r}", cli, tok, texts, "--greedy", ref=ref)


@pytest.mark.parametrize("prefix", ["##", "", "@@", "a", "ab", "\u00e9#"])
def test_wordpiece_random_vocabularies(cli: Path, tmp_path: Path, prefix: str) -> None:
    """LinMaxMatch (and the greedy fallback) against tokenizers' greedy
    search on random vocabularies over a tiny alphabet, where failure links
    chain deeply and the prefix may be an ordinary letter."""
    rng = np.random.default_rng(len(prefix) * 7919 + 17)
    alphabet = list("ab#\u00e9")
    for trial in range(6):
        vocab = {"[UNK]": 0}
        for _ in range(int(rng.integers(5, 60))):
            w = "".join(rng.choice(alphabet, size=int(rng.integers(1, 7))))
            vocab.setdefault(w if rng.random() < 0.5 else prefix + w, len(vocab))
        for ch in alphabet[: int(rng.integers(0, 5))]:
            vocab.setdefault(ch, len(vocab))
            vocab.setdefault(prefix + ch, len(vocab))
        words = ["".join(rng.choice(alphabet, size=int(rng.integers(1, 14)))) for _ in range(400)]
        words += [prefix + w for w in words[:50]] + ["a" * 40, "#" * 9, "ab" * 20]
        texts = [" ".join(words[i:i + 8]) for i in range(0, len(words), 8)] + words
        tok = write_tokenizer(tmp_path / f"r{trial}.json", vocab, None, plain("WhitespaceSplit"),
                              prefix=prefix, max_chars=1000)
        ref = check(f"random vocab {trial} prefix {prefix!r}", cli, tok, texts)
        check(f"random vocab {trial} prefix {prefix!r}", cli, tok, texts, "--greedy", ref=ref)


ADDED_FLAG_TOKENS = [
    added("[CLS]", special=True), added("[MASK]", special=True), added("[SEP]", special=True),
    added("<ent>", lstrip=True), added("</ent>", rstrip=True), added("<both>", lstrip=True, rstrip=True),
    added("word", single_word=True), added("Mixed", normalized=True),
    added("RAWCASE", normalized=False), added("sw-norm", single_word=True, normalized=True),
    added("ǅx", normalized=True, lstrip=True), added("  spaced", normalized=False),
    added("新词", normalized=True, single_word=True), added("wo"), added("word2"),
    added("the", normalized=False), added("the", normalized=True, rstrip=True),
    added("", normalized=False), added("hello", normalized=False, special=True),
]

ADDED_TEXTS = [
    "Hello [MASK] world", "Hello[MASK]world", "[CLS]start and end[SEP]", "[CLS] [SEP] [MASK]",
    "a [MASK][MASK] b", "x[CLS]y[SEP]z", "[MASK", "MASK]", "[[MASK]]", "[mask] lowercase",
    "  <ent>  entity  </ent>  tail", "x<ent>y</ent>z", "<both>", " \t<both>\n ", "a<both>b<both>c",
    "word words sword word. (word) word_x wordy", "a word", "word", "it's a word!", "中word文",
    "Mixed mixed MIXED mIxEd", "RAWCASE rawcase", "sw-norm SW-NORM xsw-norm sw-normx", "ǅx ǆx Ǆx",
    "a  spaced b   spaced", "新词 新词语 老新词", "wo word2 wordword2 word2word", "the The THE",
    "hello Hello HELLO helloworld", "[CLS]" * 50, "<ent>" * 10 + "</ent>" * 10,
    "\u00a0<ent>\u00a0", "\u3000</ent>\u3000x", "word\u00a0word", "é<ent>é",
]


def test_added_tokens_every_flag(cli: Path, tmp_path: Path) -> None:
    """Special and non-special added tokens with normalized / single_word /
    lstrip / rstrip, under several normalizers and pre-tokenizers."""
    vocab = small_vocab()
    for name in ("bert-uncased", "bert-cased", "nfkc-lower+bert", "strip-prepend-replace",
                 "nfd-strip-lower+whitespace", "none+removed"):
        norm, pre = CHAIN_CONFIGS[name]
        tok = write_tokenizer(tmp_path / f"added-{name}.json", vocab, norm, pre, ADDED_FLAG_TOKENS)
        texts = ADDED_TEXTS + EDGE_TEXTS
        ref = check(f"added tokens {name}", cli, tok, texts)
        check(f"added tokens {name}", cli, tok, texts, "--general", ref=ref)


def test_early_stop_and_capacity(cli: Path, tmp_path: Path) -> None:
    """max_tokens gives the prefix of the full ids; a small id buffer is
    retried as m2v does; both leave the result unchanged."""
    tok = write_tokenizer(tmp_path / "t.json", small_vocab(), bert_norm(), plain("BertPreTokenizer"),
                          [added("[MASK]", special=True)])
    texts = ["The quick brown fox [MASK] jumped over the lazy dog " * 20, "a", "", "[MASK]" * 9]
    full = ref_ids(tok, texts)
    for k in (0, 1, 2, 7, 64, 1000):
        got = native_ids(cli, tok, texts, "--max-tokens", str(k))
        assert got == [f[:k] for f in full], k
    for cap in (0, 1, 3, 100):
        assert native_ids(cli, tok, texts, "--capacity", str(cap)) == full
        got = native_ids(cli, tok, texts, "--capacity", str(cap), "--max-tokens", "5")
        assert got == [f[:5] for f in full]


def test_truncation_block(cli: Path, tmp_path: Path) -> None:
    """A "truncation" block is parsed; applying its max_length to the native
    ids gives what tokenizers gives with it."""
    trunc = {"direction": "Right", "max_length": 7, "strategy": "LongestFirst", "stride": 0}
    tok = write_tokenizer(tmp_path / "t.json", small_vocab(), bert_norm(), plain("BertPreTokenizer"),
                          truncation=trunc)
    texts = ["the quick brown fox jumped over the lazy dog", "a b", "", "x " * 100]
    ref = [e.ids for e in Tokenizer.from_file(str(tok)).encode_batch(texts, add_special_tokens=False)]
    assert native_ids(cli, tok, texts, "--truncate") == ref
    assert max(len(r) for r in ref) == 7


@pytest.mark.parametrize("spec, name", [
    ({"model": {"type": "BPE", "vocab": {}, "merges": []}}, "model 'BPE'"),
    ({"model": {"type": "Unigram", "vocab": [["a", 0.0]], "unk_id": 0}}, "model 'Unigram'"),
    ({"model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}}, "model 'WordLevel'"),
    ({"normalizer": {"type": "Precompiled", "precompiled_charsmap": ""}}, "normalizer 'Precompiled'"),
    ({"normalizer": seq_norm(plain("NFC"), {"type": "Nmt"})}, "normalizer 'Nmt'"),
    ({"normalizer": {"type": "Replace", "pattern": {"Regex": "a+"}, "content": "b"}},
     "normalizer 'Replace' with a Regex"),
    ({"pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                        "split": True}}, "pre_tokenizer 'Metaspace'"),
    ({"pre_tokenizer": seq_pre(plain("WhitespaceSplit"), {"type": "ByteLevel", "add_prefix_space": False,
                                                          "trim_offsets": True, "use_regex": True})},
     "pre_tokenizer 'ByteLevel'"),
    ({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\s"}, "behavior": "Removed",
                        "invert": False}}, "pre_tokenizer 'Split'"),
])
def test_unsupported_components_are_named(cli: Path, tmp_path: Path, spec: dict[str, Any], name: str) -> None:
    base = json.loads(write_tokenizer(tmp_path / "b.json", small_vocab(), bert_norm(),
                                      plain("BertPreTokenizer")).read_text())
    base.update(spec)
    p = tmp_path / "u.json"
    p.write_text(json.dumps(base))
    r = subprocess.run([str(cli), str(p)], input=b"", capture_output=True)
    assert r.returncode == 2
    msg = r.stderr.decode()
    assert "UNSUPPORTED" in msg.upper() or "not supported" in msg, msg
    assert name in msg, msg


def test_long_words_and_big_texts(cli: Path, tmp_path: Path) -> None:
    tok = write_tokenizer(tmp_path / "t.json", small_vocab(), bert_norm(), plain("BertPreTokenizer"),
                          [added("[MASK]", special=True)])
    words = []
    for n in (99, 100, 101, 10_000):
        for unit in ("a", "é", "ab", "中", "e\u0301"):
            w = (unit * n)[:n] if len(unit) == 1 else unit * (n // len(unit) + 1)
            words += [w[:n], f"x {w[:n]} y", w[:n].upper()]
    big = " ".join(EDGE_TEXTS + ADDED_TEXTS) * 400  # about 1.7 MB
    texts = words + [big, big.replace(" ", ""), "[MASK]".join(["q"] * 100_000)]
    ref = check("long words and MB texts (small vocab)", cli, tok, texts)
    check("long words and MB texts (small vocab)", cli, tok, texts, "--general", ref=ref)


# ---------------------------------------------------------------------------
# Shared-data tokenizers: potion-base-8M's and m2v-base's


def shared_tokenizers() -> list[Any]:
    return [pytest.param(POTION, id="potion-base-8M"), pytest.param(M2V_BASE, id="m2v-base")]


def label(tok: Path) -> str:
    return "potion-base-8M" if tok == POTION else "m2v-base"


@pytest.mark.shared
@pytest.mark.parametrize("tok", shared_tokenizers())
def test_shared_corpus(cli: Path, tok: Path) -> None:
    """Every line of every ../shared/corpus/*.txt."""
    texts: list[str] = []
    for f in sorted(CORPUS.glob("*.txt")):
        texts += corpus_lines(f.name)
    ref = check(f"{label(tok)} corpus", cli, tok, texts)
    check(f"{label(tok)} corpus", cli, tok, texts, "--general", ref=ref)
    check(f"{label(tok)} corpus", cli, tok, texts, "--greedy", ref=ref)


@pytest.mark.shared
@pytest.mark.parametrize("tok", shared_tokenizers())
def test_shared_every_scalar(cli: Path, tok: Path) -> None:
    """Every Unicode scalar value alone, inside a word, and packed."""
    alone = [chr(c) for c in ALL_SCALARS]
    check(f"{label(tok)} every scalar alone", cli, tok, alone)
    inword = packed(ALL_SCALARS, "un{}able", 32) + packed(ALL_SCALARS, "{}", 64)
    check(f"{label(tok)} every scalar inside words", cli, tok, inword)


@pytest.mark.shared
@pytest.mark.parametrize("tok", shared_tokenizers())
def test_shared_added_tokens_long_words_big_texts(cli: Path, tok: Path) -> None:
    """[MASK]/[CLS] in sentences with and without spaces, words of 99/100/
    101/10,000 chars, and texts of several MB."""
    sents = corpus_lines("en_sentences.txt")[:2000]
    texts = ADDED_TEXTS + [s.replace(" ", " [MASK] ", 2) for s in sents[:500]] + \
        [s.replace(" ", "[CLS]", 3) for s in sents[500:1000]] + \
        [f"[CLS]{s}[SEP]" for s in sents[1000:1500]] + [s.replace("e", "[MASK]") for s in sents[1500:]]
    for n in (99, 100, 101, 10_000):
        texts += ["a" * n, "x " + "é" * n + " y", ("un" * n)[:n], "中" * n, ("e\u0301" * n)]
    bench = (CORPUS / "bench_docs.txt").read_text(encoding="utf-8")
    multi = (CORPUS / "multilingual.txt").read_text(encoding="utf-8")
    texts += [bench[:3_000_000], multi, bench.replace("\n", "[MASK]")[:2_000_000]]
    ref = check(f"{label(tok)} added tokens, long words, MB texts", cli, tok, texts)
    check(f"{label(tok)} added tokens, long words, MB texts", cli, tok, texts, "--general", ref=ref)


@pytest.mark.shared
def test_shared_bert_variants_on_corpus(cli: Path, tmp_path: Path) -> None:
    """m2v-base's vocabulary under BertNormalizer variants and chains, on
    the corpus: cased, strip_accents true/false, no clean_text, Sequence."""
    base = json.loads(M2V_BASE.read_text(encoding="utf-8"))
    vocab = base["model"]["vocab"]
    texts: list[str] = []
    for f in sorted(CORPUS.glob("*.txt")):
        texts += corpus_lines(f.name)[::3]
    variants = {
        "cased": (bert_norm(lowercase=False), plain("BertPreTokenizer")),
        "strip-accents-false": (bert_norm(strip_accents=False), plain("BertPreTokenizer")),
        "strip-accents-true-cased": (bert_norm(strip_accents=True, lowercase=False),
                                     plain("BertPreTokenizer")),
        "sequence-nfkc-bert": (seq_norm(plain("NFKC"), bert_norm(), {"type": "Strip", "strip_left": True,
                                                                     "strip_right": True}),
                               seq_pre(plain("WhitespaceSplit"), punct("Isolated"))),
    }
    for name, (norm, pre) in variants.items():
        tok = write_tokenizer(tmp_path / f"{name}.json", vocab, norm, pre,
                              [added("[MASK]", special=True), added("[CLS]", special=True)])
        check(f"m2v-base vocab {name} corpus", cli, tok, texts)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-s", "-q"]))
