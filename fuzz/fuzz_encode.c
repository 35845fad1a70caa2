/*
** fuzz_encode.c -- libFuzzer target: arbitrary text through the native
** tokenizer and the whole encode path, on the project's fixture model
** (tests/fixtures/models/f32: 286-token BERT WordPiece) with tokenizer.json
** variants that reach every normalizer, pre-tokenizer and added-token
** option the native tokenizer implements (fused fast path and general
** path).
**
** Input: byte 0 picks the variant, byte 1 the options (bit 0 normalize,
** bits 1-3 max_length in {DEFAULT, NONE, 0, 1, 2, 8, 100, 1000}, bit 4 two
** worker threads), the rest is the text (any bytes).
**
** Properties:
**  - invalid UTF-8 gives exactly M2V_UTF8 at the first bad byte (as
**    m2v_utf8_check), and the text with every bad byte replaced by U+FFFD
**    is then encoded instead;
**  - m2v_encode succeeds; with no max_length it equals, bit for bit,
**    m2v_encode_ids of m2v_tokenize's ids (tokenize -> pool is encode);
**  - m2v_encode_sequence has as many rows as m2v_tokenize has ids, and a
**    too small ids buffer gives M2V_TOOSMALL with the same count;
**  - every id is in the vocabulary; a batch of the text three times gives
**    three identical rows.
*/
#include "fuzz_common.h"

typedef struct fe_variant {
    const char *added;     /* replaces the added_tokens array, or NULL */
    const char *norm_pre;  /* "normalizer":...,"pre_tokenizer":... or NULL */
    const char *max_chars; /* max_input_chars_per_word, or NULL */
} fe_variant;

#define FE_TOK(id, s, sw, l, r, n)                                           \
    "{\"id\":" #id ",\"content\":\"" s "\",\"single_word\":" sw              \
    ",\"lstrip\":" l ",\"rstrip\":" r ",\"normalized\":" n                   \
    ",\"special\":true}"

static const fe_variant fe_variants[] = {
    {NULL, NULL, NULL}, /* the fixture as saved by model2vec */
    {NULL, "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},"
           "{\"type\":\"Lowercase\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\"  \"},"
           "\"content\":\" \"},{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}]},"
           "\"pre_tokenizer\":{\"type\":\"Whitespace\"}", NULL},
    {NULL, "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},"
           "{\"type\":\"StripAccents\"},{\"type\":\"Prepend\",\"prepend\":\"\\u2581\"}]},"
           "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":"
           "\"WhitespaceSplit\"},{\"type\":\"Punctuation\",\"behavior\":\"Isolated\"}]}",
     NULL},
    {"[" FE_TOK(0, "[PAD]", "false", "false", "false", "false") ","
         FE_TOK(1, "[UNK]", "false", "false", "false", "false") ","
         FE_TOK(2, "[CLS]", "true", "false", "false", "false") ","
         FE_TOK(3, "[SEP]", "false", "true", "true", "true") ","
         FE_TOK(4, "[MASK]", "true", "true", "false", "true") "]",
     NULL, "5"},
    {NULL, "\"normalizer\":{\"type\":\"NFC\"},\"pre_tokenizer\":{\"type\":"
           "\"BertPreTokenizer\"}", NULL},
    {NULL, "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKD\"},"
           "{\"type\":\"Lowercase\"}]},\"pre_tokenizer\":{\"type\":\"Punctuation\","
           "\"behavior\":\"MergedWithPrevious\"}", "0"},
    {NULL, "\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":false,"
           "\"handle_chinese_chars\":false,\"strip_accents\":true,\"lowercase\":false},"
           "\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"}", NULL},
    {NULL, "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":"
           "[{\"type\":\"Punctuation\",\"behavior\":\"Contiguous\"},{\"type\":"
           "\"Punctuation\",\"behavior\":\"MergedWithNext\"},{\"type\":\"Punctuation\","
           "\"behavior\":\"Removed\"}]}", NULL},
    {NULL, "\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"String\":\"a\"},"
           "\"content\":\"\\u00e9\\u00e9\"},\"pre_tokenizer\":null", NULL},
};
#define FE_NVAR (sizeof fe_variants / sizeof fe_variants[0])

static struct {
    int ready;
    char *st;
    size_t st_len;
    m2v_model *models[FE_NVAR];
} fe;

/* Replaces text[a..b) by rep; returns a new malloc'd string. */
static char *fe_splice(const char *text, size_t a, size_t b, const char *rep)
{
    size_t n = strlen(text), r = strlen(rep);
    char *o = malloc(n - (b - a) + r + 1);
    if (!o) abort();
    memcpy(o, text, a);
    memcpy(o + a, rep, r);
    memcpy(o + a + r, text + b, n - b + 1);
    return o;
}

static char *fe_between(char *text, const char *from, const char *to,
                        int keep_from, const char *rep)
{
    char *a = strstr(text, from);
    FUZZ_CHECK(a != NULL);
    char *b = strstr(a, to);
    FUZZ_CHECK(b != NULL);
    size_t start = (size_t)(a - text) + (keep_from ? strlen(from) : 0);
    char *o = fe_splice(text, start, (size_t)(b - text), rep);
    free(text);
    return o;
}

static void fe_init(void)
{
    if (fe.ready) return;
    fe.ready = 1;
    const char *dir = getenv("M2V_FUZZ_MODEL");
    char path[4096];
    size_t tl;
    snprintf(path, sizeof path, "%s/model.safetensors",
             dir ? dir : M2V_SOURCE_DIR "/tests/fixtures/models/f32");
    fe.st = fuzz_read_file(path, &fe.st_len);
    snprintf(path, sizeof path, "%s/tokenizer.json",
             dir ? dir : M2V_SOURCE_DIR "/tests/fixtures/models/f32");
    char *tok = fuzz_read_file(path, &tl);
    if (!fe.st || !tok) {
        fprintf(stderr, "fuzz_encode: cannot read the fixture model (%s)\n", path);
        abort();
    }
    char *t0 = malloc(tl + 1);
    FUZZ_CHECK(t0 != NULL);
    memcpy(t0, tok, tl);
    t0[tl] = '\0';
    free(tok);
    for (size_t v = 0; v < FE_NVAR; v++) {
        char *t = fe_splice(t0, 0, 0, "");
        if (fe_variants[v].added)
            t = fe_between(t, "\"added_tokens\":", ",\"normalizer\"", 1,
                           fe_variants[v].added);
        if (fe_variants[v].norm_pre)
            t = fe_between(t, "\"normalizer\":", ",\"post_processor\"", 0,
                           fe_variants[v].norm_pre);
        if (fe_variants[v].max_chars)
            t = fe_between(t, "\"max_input_chars_per_word\":", ",\"vocab\"", 1,
                           fe_variants[v].max_chars);
        m2v_model_buffers b;
        memset(&b, 0, sizeof b);
        b.struct_size = sizeof b;
        b.safetensors = fe.st;
        b.safetensors_size = fe.st_len;
        b.tokenizer_json = t;
        b.tokenizer_json_size = strlen(t);
        m2v_error e;
        if (m2v_load_buffers(&b, NULL, &fe.models[v], &e) != M2V_OK) {
            fprintf(stderr, "fuzz_encode: variant %zu does not load: %s\n", v,
                    e.message);
            abort();
        }
        free(t);
    }
    free(t0);
}

/* For the regression runner: frees what fe_init made. */
__attribute__((unused)) static void fe_cleanup(void)
{
    for (size_t v = 0; v < FE_NVAR; v++) m2v_free(fe.models[v]);
    free(fe.st);
    memset(&fe, 0, sizeof fe);
}

/* Replaces each byte that starts no valid sequence by U+FFFD. */
static char *fe_repair(const char *s, size_t n, size_t *out_n)
{
    char *o = malloc(3 * n + 1);
    FUZZ_CHECK(o != NULL);
    size_t i = 0, k = 0;
    while (i < n) {
        size_t ok = m2v_utf8_check(s + i, n - i);
        memcpy(o + k, s + i, ok);
        k += ok;
        i += ok;
        if (i < n) {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        }
    }
    *out_n = k;
    return o;
}

static void fe_run(const m2v_model *m, const char *text, size_t len,
                   unsigned opt)
{
    static const int64_t mls[8] = {M2V_DEFAULT, M2V_NONE, 0, 1, 2, 8, 100, 1000};
    size_t dim = m2v_dim(m), nv = m2v_vocab_size(m);
    m2v_encode_options eo;
    m2v_encode_options_init(&eo);
    eo.normalize = opt & 1;
    eo.max_length = mls[(opt >> 1) & 7];
    eo.num_threads = (opt & 0x10) ? 2 : 1;
    m2v_error e;

    float *rows = malloc(3 * dim * sizeof *rows);
    FUZZ_CHECK(rows != NULL);
    const char *texts[3] = {text, text, text};
    size_t lens[3] = {len, len, len};
    int rc = m2v_encode(m, texts, lens, 3, &eo, rows, 3 * dim, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc == M2V_OK);
    FUZZ_CHECK(memcmp(rows, rows + dim, dim * sizeof *rows) == 0);
    FUZZ_CHECK(memcmp(rows, rows + 2 * dim, dim * sizeof *rows) == 0);

    /* tokenize (no char cut) then pool == encode without max_length */
    m2v_encode_options none = eo;
    none.max_length = M2V_NONE;
    size_t n = 0;
    rc = m2v_tokenize(m, text, len, &none, NULL, 0, &n, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc == M2V_OK || (rc == M2V_TOOSMALL && n > 0));
    int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    FUZZ_CHECK(ids != NULL);
    size_t n2 = 0;
    rc = m2v_tokenize(m, text, len, &none, ids, n, &n2, &e);
    FUZZ_CHECK(rc == M2V_OK && n2 == n);
    for (size_t i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && (size_t)ids[i] < nv);
    if (n > 1) {
        int32_t one;
        rc = m2v_tokenize(m, text, len, &none, &one, 1, &n2, &e);
        FUZZ_CHECK(rc == M2V_TOOSMALL && n2 == n && one == ids[0]);
    }
    size_t offs[2] = {0, n};
    float *a = malloc(2 * dim * sizeof *a);
    FUZZ_CHECK(a != NULL);
    rc = m2v_encode_ids(m, ids, offs, 1, &none, a, dim, &e);
    FUZZ_CHECK(rc == M2V_OK);
    rc = m2v_encode(m, &text, &len, 1, &none, a + dim, dim, &e);
    FUZZ_CHECK(rc == M2V_OK);
    FUZZ_CHECK(memcmp(a, a + dim, dim * sizeof *a) == 0);

    /* one row per token (encode_sequence's default is no limit) */
    m2v_encode_options seq = eo;
    seq.max_length = M2V_DEFAULT;
    size_t nt = 0;
    rc = m2v_encode_sequence(m, text, len, &seq, NULL, 0, &nt, &e);
    FUZZ_CHECK(nt == n);
    FUZZ_CHECK(rc == (n ? M2V_TOOSMALL : M2V_OK));
    free(a);
    free(ids);
    free(rows);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    fe_init();
    const m2v_model *m = fe.models[data[0] % FE_NVAR];
    unsigned opt = data[1];
    size_t len = size - 2;
    char *text = fuzz_dup(data + 2, len);
    if (!text) return 0;
    size_t bad = m2v_utf8_check(text, len);
    if (bad != len) {
        float *row = malloc(m2v_dim(m) * sizeof *row);
        FUZZ_CHECK(row != NULL);
        const char *t = text;
        m2v_error e;
        int rc = m2v_encode(m, &t, &len, 1, NULL, row, m2v_dim(m), &e);
        fuzz_check_error(rc, &e);
        FUZZ_CHECK(rc == M2V_UTF8 && e.index == 0);
        char want[64];
        snprintf(want, sizeof want, "at byte %zu", bad);
        FUZZ_CHECK(strstr(e.message, want) != NULL);
        size_t nt = 0;
        rc = m2v_encode_sequence(m, text, len, NULL, row, m2v_dim(m), &nt, &e);
        FUZZ_CHECK(rc == M2V_UTF8);
        free(row);
        size_t fixed_len;
        char *fixed = fe_repair(text, len, &fixed_len);
        free(text);
        text = fixed;
        len = fixed_len;
    }
    fe_run(m, text, len, opt);
    free(text);
    return 0;
}
