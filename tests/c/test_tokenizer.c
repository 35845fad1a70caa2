/*
** test_tokenizer.c -- unit tests of the native tokenizer (csrc/tokenizer.c
** and its stages): Unicode data, normalization forms, the trie, the
** pipeline on a small tokenizer.json with expected ids from HuggingFace
** tokenizers 0.23, the m2v_tokenizer protocol (max_tokens, capacity,
** scratch), errors naming unsupported components, bytes that are not UTF-8,
** and concurrent use. Needs no shared data; exhaustive parity is in
** tests/python/test_tokenizer_parity.py.
*/
#include "m2v_test.h"
#include "m2v_tokenizer.h"

#include <pthread.h>

/* A WordPiece tokenizer.json (vocabulary of 35 entries, max 12 chars per
** word, BertNormalizer + BertPreTokenizer, added tokens [CLS] and [MASK]
** (special), <ent> (lstrip, rstrip) and Word (single_word, normalized)). */
static const char *SMALL =
    "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_t"
    "okens\": [{\"id\": 1, \"content\": \"[CLS]\", \"single_word\": false, \"ls"
    "trip\": false, \"rstrip\": false, \"normalized\": false, \"special\": t"
    "rue}, {\"id\": 3, \"content\": \"[MASK]\", \"single_word\": false, \"lstr"
    "ip\": false, \"rstrip\": false, \"normalized\": false, \"special\": tru"
    "e}, {\"id\": 99, \"content\": \"<ent>\", \"single_word\": false, \"lstrip"
    "\": true, \"rstrip\": true, \"normalized\": false, \"special\": false},"
    " {\"id\": 99, \"content\": \"Word\", \"single_word\": true, \"lstrip\": fa"
    "lse, \"rstrip\": false, \"normalized\": true, \"special\": false}], \"n"
    "ormalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, \"hand"
    "le_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": tru"
    "e}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, \"post_process"
    "or\": null, \"decoder\": null, \"model\": {\"type\": \"WordPiece\", \"unk_"
    "token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\", \"max_input_c"
    "hars_per_word\": 12, \"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2"
    ", \"[MASK]\": 3, \"the\": 4, \"quick\": 5, \"brown\": 6, \"fox\": 7, \"jump"
    "\": 8, \"##s\": 9, \"##ed\": 10, \"over\": 11, \"lazy\": 12, \"dog\": 13, \""
    "un\": 14, \"##aff\": 15, \"##able\": 16, \"caf\": 17, \"##e\": 18, \"\\u00e"
    "9\": 19, \"##\\u00e9\": 20, \",\": 21, \".\": 22, \"!\": 23, \"'\": 24, \"s\":"
    " 25, \"it\": 26, \"a\": 27, \"b\": 28, \"c\": 29, \"##a\": 30, \"##b\": 31, "
    "\"##c\": 32, \"\\u4e2d\": 33, \"\\u6587\": 34}}}";

typedef struct expect {
    const char *text;
    int n;
    int32_t ids[16];
} expect;

/* From tokenizers: Tokenizer.from_str(SMALL).encode(text, False).ids */
static const expect SMALL_IDS[] = {
    {"The quick brown fox jumps over the lazy dog!", 11,
     {4, 5, 6, 7, 8, 9, 11, 4, 12, 13, 23}},
    {"unaffable Caf\xc3\xa9 CAF\xc3\x89", 7, {14, 15, 16, 17, 18, 17, 18}},
    {"[CLS]the[MASK] fox", 4, {1, 4, 3, 7}},
    {"a <ent>  b<ent>c", 5, {27, 35, 28, 35, 29}},
    {"word Word aWord word!", 5, {36, 36, 0, 36, 23}},
    {"\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97", 3, {33, 34, 0}},
    {"abcabcabcabcabc", 1, {0}},               /* 15 chars > 12: [UNK] */
    {"abcabcabcabc", 12, {27, 31, 32, 30, 31, 32, 30, 31, 32, 30, 31, 32}},
    {"xyz", 1, {0}},
    {"", 0, {0}},
    {"  \t\n", 0, {0}},
    {"it's", 3, {26, 24, 25}},
    {"\x00" "a\x01" "b\xc2\xad", 2, {27, 31}},
};

static m2v_tokenizer load(const char *json, const char **kind, int want_rc,
                          m2v_error *err)
{
    m2v_tokenizer tok;
    memset(&tok, 0, sizeof tok);
    m2v_json_doc *doc = NULL;
    int rc = m2v_json_parse(json, strlen(json), "tokenizer.json", &doc, err);
    CHECK_RC(rc, M2V_OK, err);
    if (rc == M2V_OK)
        CHECK_RC(m2v_native_tokenizer_new(m2v_json_root(doc), &tok, kind, err),
                 want_rc, err);
    m2v_json_free(doc);
    return tok;
}

static size_t run(const m2v_tokenizer *t, void *scratch, const char *text,
                  size_t len, size_t max_tokens, int32_t *ids, size_t cap)
{
    size_t n = 12345;
    int rc = t->tokenize(t->user_data, scratch, text, len, max_tokens, ids, cap,
                         &n);
    CHECK(rc == 0);
    return n;
}

static void test_small_ids(void)
{
    m2v_error err;
    const char *kind = NULL;
    m2v_tokenizer t = load(SMALL, &kind, M2V_OK, &err);
    if (!t.tokenize) return;
    CHECK(kind && strcmp(kind, "native-wordpiece") == 0);
    CHECK(t.struct_size == sizeof(m2v_tokenizer));
    CHECK(t.destroy && t.scratch_new && t.scratch_free);
    void *sc = t.scratch_new(t.user_data);
    CHECK(sc != NULL);
    /* A normalized added token ("Word"): no fused fast path. */
    CHECK(m2v_native_tokenizer_set_fused(t.user_data, 1) == -1);
    for (int pass = 1; pass >= 0; pass--) {
        int fused = 0;
        /* pass 1: LinMaxMatch; pass 0: the plain greedy search */
        m2v_native_tokenizer_set_linear(t.user_data, pass);
        CHECK(m2v_native_tokenizer_set_fused(t.user_data, fused) == 0);
        for (size_t i = 0; i < sizeof SMALL_IDS / sizeof *SMALL_IDS; i++) {
            const expect *e = &SMALL_IDS[i];
            size_t len = i == 12 ? 7 : strlen(e->text);
            int32_t ids[64];
            size_t n = run(&t, sc, e->text, len, SIZE_MAX, ids, 64);
            CHECK_MSG(n == (size_t)e->n, "text %zu (linear %d): %zu ids, want %d",
                      i, pass, n, e->n);
            for (int k = 0; k < e->n && k < (int)n; k++)
                CHECK_MSG(ids[k] == e->ids[k], "text %zu id %d: %d want %d", i, k,
                          (int)ids[k], (int)e->ids[k]);
            /* The same without scratch (the tokenizer makes its own). */
            size_t n2 = run(&t, NULL, e->text, len, SIZE_MAX, ids, 64);
            CHECK(n2 == n);
        }
    }
    t.scratch_free(t.user_data, sc);
    t.destroy(t.user_data);
}

/* The same file with "Word" not normalized: the fused fast path applies,
** and agrees with the general one. */
static void test_fused(void)
{
    m2v_error err;
    const char *from = "\"normalized\": true, \"special\": false}]";
    const char *to = "\"normalized\": false, \"special\": false}]";
    const char *at = strstr(SMALL, from);
    CHECK(at != NULL);
    if (!at) return;
    size_t n = strlen(SMALL) + 8;
    char *json = malloc(n);
    snprintf(json, n, "%.*s%s%s", (int)(at - SMALL), SMALL, to, at + strlen(from));
    m2v_tokenizer t = load(json, NULL, M2V_OK, &err);
    free(json);
    if (!t.tokenize) return;
    static const expect want[] = {
        {"word Word aWord word!", 5, {0, 36, 0, 0, 23}},
        {"Word,Word", 3, {36, 21, 36}},
    };
    for (int fused = 1; fused >= 0; fused--) {
        CHECK(m2v_native_tokenizer_set_fused(t.user_data, fused) == 0);
        for (size_t i = 0; i < sizeof SMALL_IDS / sizeof *SMALL_IDS + 2; i++) {
            const expect *e = i < 2 ? &want[i] : &SMALL_IDS[i - 2];
            if (i >= 2 && i - 2 == 4) continue; /* "word Word ...": see want */
            size_t len = i - 2 == 12 ? 7 : strlen(e->text);
            int32_t ids[64];
            size_t m = run(&t, NULL, e->text, len, SIZE_MAX, ids, 64);
            CHECK_MSG(m == (size_t)e->n && memcmp(ids, e->ids, m * 4) == 0,
                      "fused %d text %zu", fused, i);
        }
    }
    t.destroy(t.user_data);
}

static void test_protocol(void)
{
    m2v_error err;
    m2v_tokenizer t = load(SMALL, NULL, M2V_OK, &err);
    if (!t.tokenize) return;
    void *sc = t.scratch_new(t.user_data);
    const char *text = "The quick brown fox jumps over the lazy dog!";
    int32_t full[32], ids[32];
    size_t n = run(&t, sc, text, strlen(text), SIZE_MAX, full, 32);
    CHECK(n == 11);
    /* Capacity smaller than the total: the first ids are written, the
    ** total is reported. */
    for (size_t cap = 0; cap <= 11; cap++) {
        for (size_t k = 0; k < 32; k++) ids[k] = -7;
        size_t m = run(&t, sc, text, strlen(text), SIZE_MAX, cap ? ids : NULL,
                       cap);
        CHECK(m == 11);
        for (size_t k = 0; k < cap; k++) CHECK(ids[k] == full[k]);
        if (cap) CHECK(ids[cap] == -7);
    }
    /* max_tokens: stops early, reports max_tokens, ids are the prefix. */
    for (size_t mt = 0; mt <= 12; mt++) {
        size_t m = run(&t, sc, text, strlen(text), mt, ids, 32);
        CHECK_MSG(m == (mt < 11 ? mt : 11), "max_tokens %zu gave %zu", mt, m);
        for (size_t k = 0; k < m; k++) CHECK(ids[k] == full[k]);
    }
    /* A word with several pieces crossing max_tokens. */
    const char *w = "abcabcabcabc the";
    size_t m = run(&t, sc, w, strlen(w), 3, ids, 32);
    CHECK(m == 3 && ids[0] == 27 && ids[1] == 31 && ids[2] == 32);
    t.scratch_free(t.user_data, sc);
    t.destroy(t.user_data);
}

/* Bytes that are not UTF-8 (the core rejects them; the tokenizer must still
** stay in bounds): every byte that does not start a complete sequence is
** read as U+FFFD, which clean_text drops. */
static void test_invalid_utf8(void)
{
    m2v_error err;
    m2v_tokenizer t = load(SMALL, NULL, M2V_OK, &err);
    if (!t.tokenize) return;
    void *sc = t.scratch_new(t.user_data);
    static const char *bad[] = {"\xff", "a\xc3", "\xe2\x82", "the\xf0\x9f\x98",
                                "\x80\x80the", "\xed\xa0\x80", "\xc0\xaf",
                                "[MASK]\xf4\x90\x80\x80"};
    for (int fused = 1; fused >= 0; fused--) {
        m2v_native_tokenizer_set_fused(t.user_data, fused);
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            /* Copy to an exact-size heap buffer so ASan sees overreads. */
            size_t len = strlen(bad[i]);
            char *buf = malloc(len ? len : 1);
            memcpy(buf, bad[i], len);
            int32_t ids[16];
            size_t n = 0;
            CHECK(t.tokenize(t.user_data, sc, buf, len, SIZE_MAX, ids, 16, &n) == 0);
            CHECK(n <= len + 1);
            free(buf);
        }
        int32_t ids[4];
        size_t n = run(&t, sc, "the\xff" "the", 7, SIZE_MAX, ids, 4);
        CHECK(n == 1 && ids[0] == 0); /* U+FFFD dropped: "thethe" is [UNK] */
    }
    t.scratch_free(t.user_data, sc);
    t.destroy(t.user_data);
}

static char *with(const char *json, const char *key, const char *value)
{
    /* Replaces the value of top-level "key": ... (a JSON value up to the
    ** matching ", \"" of the next key) -- good enough for SMALL. */
    const char *k = strstr(json, key);
    if (!k) return NULL;
    const char *v = strchr(k, ':') + 2;
    int depth = 0;
    const char *e = v;
    for (; *e; e++) {
        if (*e == '{' || *e == '[') depth++;
        else if (*e == '}' || *e == ']') depth--;
        if (depth == 0 && *e == ',') break;
        if (depth < 0) break;
    }
    size_t n = (size_t)(v - json) + strlen(value) + strlen(e) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(v - json), json, value, e);
    return out;
}

static void expect_error(const char *key, const char *value, int code,
                         const char *needle)
{
    m2v_error err;
    char *json = with(SMALL, key, value);
    CHECK(json != NULL);
    if (!json) return;
    m2v_tokenizer t = load(json, NULL, code, &err);
    CHECK_MSG(strstr(err.message, needle) != NULL, "%s: message '%s' lacks '%s'",
              value, err.message, needle);
    if (t.destroy) t.destroy(t.user_data);
    free(json);
}

static void test_errors(void)
{
    expect_error("\"normalizer\"", "{\"type\": \"Precompiled\", \"precompiled_charsmap\": null}",
                 M2V_UNSUPPORTED, "normalizer 'Precompiled'");
    expect_error("\"normalizer\"",
                 "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Nmt\"}]}",
                 M2V_UNSUPPORTED, "normalizer 'Nmt'");
    expect_error("\"normalizer\"",
                 "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"x+\"}, \"content\": \"y\"}",
                 M2V_UNSUPPORTED, "Regex");
    expect_error("\"pre_tokenizer\"", "{\"type\": \"Metaspace\"}", M2V_UNSUPPORTED,
                 "pre_tokenizer 'Metaspace'");
    expect_error("\"pre_tokenizer\"",
                 "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"ByteLevel\"}]}",
                 M2V_UNSUPPORTED, "pre_tokenizer 'ByteLevel'");
    expect_error("\"pre_tokenizer\"", "{\"type\": \"Punctuation\", \"behavior\": \"Sideways\"}",
                 M2V_FORMAT, "behavior");
    expect_error("\"model\"", "{\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}",
                 M2V_UNSUPPORTED, "model 'BPE'");
    expect_error("\"model\"", "{\"type\": \"Unigram\", \"vocab\": [], \"unk_id\": 0}",
                 M2V_UNSUPPORTED, "model 'Unigram'");
    expect_error("\"model\"", "{\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}",
                 M2V_FORMAT, "unk_token");
    expect_error("\"model\"",
                 "{\"type\": \"WordPiece\", \"unk_token\": \"a\", \"continuing_subword_prefix\": \"##\", "
                 "\"max_input_chars_per_word\": 5, \"vocab\": {\"a\": -1}}",
                 M2V_FORMAT, "non-negative");
    expect_error("\"model\"", "[]", M2V_FORMAT, "model");
    expect_error("\"version\"", "\"2.0\"", M2V_UNSUPPORTED, "version");
    expect_error("\"truncation\"", "{\"max_length\": -3}", M2V_FORMAT, "truncation");
    expect_error("\"added_tokens\"", "[{\"id\": 5}]", M2V_FORMAT, "content");
    expect_error("\"added_tokens\"", "[{\"id\": 5, \"content\": \"x\", \"lstrip\": 1}]",
                 M2V_FORMAT, "lstrip");
    expect_error("\"normalizer\"", "{\"type\": \"BertNormalizer\", \"lowercase\": \"yes\"}",
                 M2V_FORMAT, "lowercase");
}

/* A vocabulary without the unknown token: words that need it fail the
** call (tokenizers raises MissingUnkToken), others work. */
static void test_missing_unk(void)
{
    m2v_error err;
    char *json = with(SMALL, "\"unk_token\"", "\"<nope>\"");
    m2v_tokenizer t = load(json, NULL, M2V_OK, &err);
    free(json);
    if (!t.tokenize) return;
    int32_t ids[8];
    size_t n = 0;
    CHECK(t.tokenize(t.user_data, NULL, "the fox", 7, SIZE_MAX, ids, 8, &n) == 0);
    CHECK(n == 2);
    /* an unknown word and no unknown token: a failure, not out of memory */
    CHECK(t.tokenize(t.user_data, NULL, "the xyz", 7, SIZE_MAX, ids, 8, &n) == M2V_TOKENIZER);
    t.destroy(t.user_data);
}

static void test_unicode(void)
{
    /* Flags, with the Unicode version each comes from. */
    CHECK(m2v_uc_flags(' ') & M2V_UC_WS);
    CHECK(m2v_uc_flags(0x3000) & M2V_UC_WS);
    CHECK(!(m2v_uc_flags(0x200B) & M2V_UC_WS));       /* ZWSP: not White_Space */
    CHECK(m2v_uc_flags(0x200B) & M2V_UC_BERT_CTRL);   /* Cf */
    CHECK(m2v_uc_flags(0xE000) & M2V_UC_BERT_CTRL);   /* Co */
    CHECK(!(m2v_uc_flags('\t') & M2V_UC_BERT_CTRL));
    CHECK(m2v_uc_flags(0x7F) & M2V_UC_BERT_CTRL);
    CHECK(m2v_uc_flags('$') & M2V_UC_PUNCT);          /* ASCII, though Sc */
    CHECK(m2v_uc_flags(0x2E42) & M2V_UC_PUNCT);       /* Ps, Unicode 8.0 */
    CHECK(!(m2v_uc_flags(0x2E44) & M2V_UC_PUNCT));    /* Po since 9.0 only */
    CHECK(m2v_uc_flags(0x0301) & M2V_UC_MN8);
    CHECK(m2v_uc_flags(0x0903) & M2V_UC_MARK9);       /* Mc */
    CHECK(!(m2v_uc_flags(0x0903) & M2V_UC_MN8));
    CHECK(m2v_uc_flags(0x4E2D) & M2V_UC_CHINESE);
    CHECK(!(m2v_uc_flags(0x3042) & M2V_UC_CHINESE));  /* Hiragana */
    CHECK(m2v_uc_flags(0x16D40) & M2V_UC_WORD);       /* Kirat Rai, 16.0 */
    CHECK(!(m2v_uc_flags(0x10940) & M2V_UC_WORD));    /* Sidetic, 17.0 */
    CHECK(m2v_uc_ccc(0x0301) == 230 && m2v_uc_ccc(0x0316) == 220);
    CHECK(m2v_uc_props(0x110000) == 0);

    uint32_t l[3];
    CHECK(m2v_uc_lower('A', l) == 1 && l[0] == 'a');
    CHECK(m2v_uc_lower(0x130, l) == 2 && l[0] == 0x69 && l[1] == 0x307);
    CHECK(m2v_uc_lower(0x3A3, l) == 1 && l[0] == 0x3C3); /* no final sigma */
    CHECK(m2v_uc_lower(0xA7CE, l) == 1 && l[0] == 0xA7CF); /* Unicode 17.0 */
    CHECK(m2v_uc_lower(0x1E9E, l) == 1 && l[0] == 0xDF);

    m2v_u32vec out = {0}, tmp = {0};
    uint32_t s1[] = {0xC5, 0x0316, 0x0301};
    CHECK(m2v_uc_nfd(s1, 3, &out, 0) == 0);
    CHECK(out.n == 4 && out.v[0] == 'A' && out.v[1] == 0x316 &&
          out.v[2] == 0x30A && out.v[3] == 0x301);
    CHECK(m2v_uc_nfc(s1, 3, &out, &tmp, 0) == 0); /* A-ring-acute, below */
    CHECK(out.n == 2 && out.v[0] == 0x1FA && out.v[1] == 0x316);
    uint32_t s2[] = {0xAC01};                      /* Hangul LVT */
    CHECK(m2v_uc_nfd(s2, 1, &out, 0) == 0);
    CHECK(out.n == 3 && out.v[0] == 0x1100 && out.v[1] == 0x1161 &&
          out.v[2] == 0x11A8);
    uint32_t s3[] = {0x1100, 0x1161, 0x11A8, 0xFB01, 0x2460};
    CHECK(m2v_uc_nfc(s3, 5, &out, &tmp, 1) == 0);  /* NFKC */
    CHECK(out.n == 4 && out.v[0] == 0xAC01 && out.v[1] == 'f' &&
          out.v[2] == 'i' && out.v[3] == '1');
    uint32_t s4[] = {0x0958};                      /* composition exclusion */
    CHECK(m2v_uc_nfc(s4, 1, &out, &tmp, 0) == 0);
    CHECK(out.n == 2 && out.v[0] == 0x915 && out.v[1] == 0x93C);
    /* A long run of non-starters is sorted stably by class. */
    uint32_t run[100];
    for (int i = 0; i < 100; i++) run[i] = (i % 2) ? 0x301 : 0x316;
    CHECK(m2v_uc_nfd(run, 100, &out, 0) == 0);
    CHECK(out.n == 100 && out.v[0] == 0x316 && out.v[49] == 0x316 &&
          out.v[50] == 0x301 && out.v[99] == 0x301);
    m2v_u32vec_free(&out);
    m2v_u32vec_free(&tmp);
}

static void test_trie(void)
{
    const char *keys[] = {"b", "ab", "abc", "", "b", "\xff\x00x"};
    size_t lens[] = {1, 2, 3, 0, 1, 3};
    int32_t vals[] = {1, 2, 3, 4, 5, 6};
    m2v_datrie t;
    CHECK(m2v_datrie_build(&t, keys, lens, vals, 6) == 0);
    CHECK(t.value[0] == 4);                                   /* "" */
    CHECK(t.value[m2v_datrie_walk(&t, 0, "b", 1)] == 5);       /* last dup */
    CHECK(t.value[m2v_datrie_walk(&t, 0, "abc", 3)] == 3);
    CHECK(t.value[m2v_datrie_walk(&t, 0, "ab", 2)] == 2);
    CHECK(t.value[m2v_datrie_walk(&t, 0, "a", 1)] == -1);
    CHECK(m2v_datrie_walk(&t, 0, "abcd", 4) == -1);
    CHECK(t.value[m2v_datrie_walk(&t, 0, "\xff\x00x", 3)] == 6);
    CHECK(m2v_datrie_walk(&t, 0, "\xff\x00", 2) >= 0);
    m2v_datrie_free(&t);
    CHECK(m2v_datrie_build(&t, NULL, NULL, NULL, 0) == 0);
    CHECK(m2v_datrie_walk(&t, 0, "a", 1) == -1);
    m2v_datrie_free(&t);
}

typedef struct job {
    const m2v_tokenizer *t;
    int ok;
} job;

static void *worker(void *p)
{
    job *j = p;
    void *sc = j->t->scratch_new(j->t->user_data);
    j->ok = sc != NULL;
    for (int r = 0; r < 200 && j->ok; r++) {
        for (size_t i = 0; i < sizeof SMALL_IDS / sizeof *SMALL_IDS; i++) {
            const expect *e = &SMALL_IDS[i];
            size_t len = i == 12 ? 7 : strlen(e->text);
            int32_t ids[64];
            size_t n = 0;
            if (j->t->tokenize(j->t->user_data, sc, e->text, len, SIZE_MAX, ids,
                               64, &n) != 0 ||
                n != (size_t)e->n ||
                (n && memcmp(ids, e->ids, n * sizeof *ids) != 0))
                j->ok = 0;
        }
    }
    j->t->scratch_free(j->t->user_data, sc);
    return NULL;
}

static void test_threads(void)
{
    m2v_error err;
    m2v_tokenizer t = load(SMALL, NULL, M2V_OK, &err);
    if (!t.tokenize) return;
    pthread_t th[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){&t, 0};
        CHECK(pthread_create(&th[i], NULL, worker, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok);
    }
    t.destroy(t.user_data);
}

int main(void)
{
    test_unicode();
    test_trie();
    test_small_ids();
    test_fused();
    test_protocol();
    test_invalid_utf8();
    test_errors();
    test_missing_unk();
    test_threads();
    return t_done("test_tokenizer");
}
