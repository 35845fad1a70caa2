/*
** test_encode.c -- parity with model2vec 0.10.0 on every fixture model
** (every tests/fixtures/golden/ file), through m2v_encode_ids, m2v_encode with a
** callback tokenizer replaying the golden token ids, m2v_tokenize and
** m2v_encode_sequence; plus the error paths of the encode calls.
*/
#include "m2v_test.h"

static size_t exact_rows, total_rows;

static void check_row(const t_golden *g, size_t i, const float *got,
                      const float *want, const char *via)
{
    double d = t_compare(got, want, g->dim, g->tol);
    total_rows++;
    if (memcmp(got, want, g->dim * sizeof *got) == 0) exact_rows++;
    CHECK_MSG(d <= g->tol, "%s: item %zu via %s: max diff %g > %g", g->name, i,
              via, d, g->tol);
}

static void parity(const char *name)
{
    t_golden g;
    if (t_golden_load(name, &g)) {
        CHECK_MSG(0, "golden %s unreadable", name);
        return;
    }
    m2v_error err;
    t_replay r;
    m2v_model *m = NULL;
    CHECK_RC(t_load_replay(&g, &r, &m, &err), M2V_OK, &err);
    if (!m) {
        t_golden_free(&g);
        return;
    }
    CHECK(m2v_dim(m) == g.dim);
    CHECK(m2v_vocab_size(m) == g.vocab_size);
    CHECK(m2v_median_token_length(m) == g.median);
    CHECK(m2v_max_length(m) == g.max_length);
    CHECK(m2v_unk_token_id(m) == g.unk);
    CHECK(m2v_normalize(m) == g.normalize);
    size_t n = g.n_items, dim = g.dim;
    float *out = malloc(n * dim * sizeof *out);

    /* 1. ids entry point, fed the raw tokenizer output of the cut text */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += g.items[i].n_cut;
    int32_t *ids = malloc((total ? total : 1) * sizeof *ids);
    size_t *offs = malloc((n + 1) * sizeof *offs);
    offs[0] = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(ids + offs[i], g.items[i].tokens_cut, g.items[i].n_cut * sizeof *ids);
        offs[i + 1] = offs[i] + g.items[i].n_cut;
    }
    CHECK_RC(m2v_encode_ids(m, ids, offs, n, NULL, out, n * dim, &err), M2V_OK, &err);
    for (size_t i = 0; i < n; i++)
        check_row(&g, i, out + i * dim, g.items[i].embedding, "encode_ids");

    /* 2. text entry point with the replay callback (does the char cut) */
    const char **texts = malloc(n * sizeof *texts);
    size_t *lens = malloc(n * sizeof *lens);
    for (size_t i = 0; i < n; i++) {
        texts[i] = g.items[i].text;
        lens[i] = g.items[i].text_len;
    }
    memset(out, 0xff, n * dim * sizeof *out);
    CHECK_RC(m2v_encode(m, texts, lens, n, NULL, out, n * dim, &err), M2V_OK, &err);
    for (size_t i = 0; i < n; i++)
        check_row(&g, i, out + i * dim, g.items[i].embedding, "encode");

    /* 3. tokenize == model2vec's tokenize (no char cut) */
    for (size_t i = 0; i < n; i++) {
        int32_t buf[2048];
        size_t k = 0;
        CHECK_RC(m2v_tokenize(m, texts[i], lens[i], NULL, buf, 2048, &k, &err), M2V_OK, &err);
        CHECK_MSG(k == g.items[i].n_ids && memcmp(buf, g.items[i].ids, k * sizeof *buf) == 0,
                  "%s: tokenize item %zu: %zu ids, want %zu", name, i, k, g.items[i].n_ids);
    }

    /* 4. encode_as_sequence (default: no max_length, like model2vec) */
    for (size_t i = 0; i < n; i++) {
        const t_item *t = &g.items[i];
        if (!t->has_sequence) continue;
        size_t k = 0;
        float *seq = malloc((t->n_seq + 1) * dim * sizeof *seq);
        CHECK_RC(m2v_encode_sequence(m, texts[i], lens[i], NULL, seq,
                                     (t->n_seq + 1) * dim, &k, &err), M2V_OK, &err);
        CHECK_MSG(k == t->n_seq, "%s: sequence item %zu: %zu rows, want %zu", name, i, k, t->n_seq);
        for (size_t r2 = 0; r2 < k && r2 < t->n_seq; r2++)
            check_row(&g, i, seq + r2 * dim, t->sequence + r2 * dim, "encode_sequence");
        free(seq);
    }

    /* 5. single text, NUL-terminated form (text_lens NULL) */
    {
        const char *one = g.items[4].text; /* "The quick brown fox ..." */
        float v[64];
        CHECK_RC(m2v_encode(m, &one, NULL, 1, NULL, v, dim, &err), M2V_OK, &err);
        check_row(&g, 4, v, g.items[4].embedding, "encode NUL-terminated");
    }

    free(texts);
    free(lens);
    free(ids);
    free(offs);
    free(out);
    m2v_free(m);
    t_golden_free(&g);
}

/* ---- options ---------------------------------------------------------- */

static void options(void)
{
    t_golden g;
    if (t_golden_load("f32_norm_ml8", &g)) {
        CHECK(0);
        return;
    }
    t_replay r;
    m2v_model *m = NULL;
    m2v_error err;
    CHECK_RC(t_load_replay(&g, &r, &m, &err), M2V_OK, &err);
    if (!m) return;
    size_t dim = g.dim;
    const t_item *t = &g.items[4];
    float a[64], b[64];
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    CHECK(o.struct_size == sizeof o && o.num_threads == 1);
    /* normalize off: same direction, norm != 1 */
    o.normalize = 0;
    CHECK_RC(m2v_encode(m, &t->text, &t->text_len, 1, &o, a, dim, &err), M2V_OK, &err);
    double na = 0, dot = 0;
    for (size_t j = 0; j < dim; j++) {
        na += (double)a[j] * a[j];
        dot += (double)a[j] * t->embedding[j];
    }
    CHECK(fabs(sqrt(na) - 1.0) > 1e-3);
    CHECK(fabs(dot / sqrt(na) - 1.0) < 1e-5);
    /* max_length 5 on "123 4567 89 0" (13 chars < 5 * 3, 10 tokens):
    ** == ids entry point on its first 5 tokens */
    const t_item *digits = &g.items[13];
    CHECK(digits->n_full == 10 && digits->text_len == 13);
    m2v_encode_options_init(&o);
    o.max_length = 5;
    CHECK_RC(m2v_encode(m, &digits->text, &digits->text_len, 1, &o, a, dim, &err), M2V_OK, &err);
    size_t offs[2] = {0, 5};
    CHECK_RC(m2v_encode_ids(m, digits->tokens_full, offs, 1, NULL, b, dim, &err), M2V_OK, &err);
    CHECK(memcmp(a, b, dim * sizeof *a) == 0);
    /* ids: max_length applies before unk removal */
    {
        int32_t ids[4] = {1, 1, 73, 74}; /* [UNK] [UNK] the quick */
        size_t of[2] = {0, 4};
        o.max_length = 2;
        CHECK_RC(m2v_encode_ids(m, ids, of, 1, &o, a, dim, &err), M2V_OK, &err);
        for (size_t j = 0; j < dim; j++) CHECK(a[j] == 0.0f);
        o.max_length = 3;
        CHECK_RC(m2v_encode_ids(m, ids, of, 1, &o, a, dim, &err), M2V_OK, &err);
        int32_t one[1] = {73};
        size_t of1[2] = {0, 1};
        CHECK_RC(m2v_encode_ids(m, one, of1, 1, NULL, b, dim, &err), M2V_OK, &err);
        CHECK(memcmp(a, b, dim * sizeof *a) == 0);
    }
    /* struct_size smaller than ours: only the fields it covers are read */
    m2v_encode_options_init(&o);
    o.normalize = 0;
    o.struct_size = sizeof(size_t) + sizeof(int); /* covers normalize only */
    o.max_length = 12345678; /* not covered: ignored */
    CHECK_RC(m2v_encode(m, &t->text, &t->text_len, 1, &o, a, dim, &err), M2V_OK, &err);
    o.struct_size = 3;
    CHECK_RC(m2v_encode(m, &t->text, &t->text_len, 1, &o, a, dim, &err), M2V_MISUSE, &err);
    /* invalid option values */
    m2v_encode_options_init(&o);
    o.normalize = 2;
    CHECK_RC(m2v_encode(m, &t->text, &t->text_len, 1, &o, a, dim, &err), M2V_MISUSE, &err);
    m2v_encode_options_init(&o);
    o.max_length = -7;
    CHECK_RC(m2v_encode(m, &t->text, &t->text_len, 1, &o, a, dim, &err), M2V_MISUSE, &err);
    m2v_encode_options_init(&o);
    o.num_threads = -1;
    CHECK_RC(m2v_encode(m, &t->text, &t->text_len, 1, &o, a, dim, &err), M2V_MISUSE, &err);
    /* max_length M2V_NONE: no char cut, all tokens */
    m2v_encode_options_init(&o);
    o.max_length = M2V_NONE;
    const t_item *lt = &g.items[17]; /* the long text */
    CHECK_RC(m2v_encode(m, &lt->text, &lt->text_len, 1, &o, a, dim, &err), M2V_OK, &err);
    size_t ofl[2] = {0, lt->n_full};
    CHECK_RC(m2v_encode_ids(m, lt->tokens_full, ofl, 1, &o, b, dim, &err), M2V_OK, &err);
    CHECK(memcmp(a, b, dim * sizeof *a) == 0);
    /* sequence with an explicit max_length: char cut + token cut */
    {
        float seq[64 * 16];
        size_t k;
        m2v_encode_options_init(&o);
        o.max_length = 5;
        CHECK_RC(m2v_encode_sequence(m, digits->text, digits->text_len, &o, seq, 64 * 16, &k,
                                     &err), M2V_OK, &err);
        CHECK(k == 5);
    }
    m2v_free(m);
    t_golden_free(&g);
}

/* ---- error paths ------------------------------------------------------ */

static int fail_tokenize(void *u, void *s, const char *text, size_t len,
                         size_t mt, int32_t *ids, size_t cap, size_t *n)
{
    (void)u, (void)s, (void)mt, (void)ids, (void)cap;
    *n = 0;
    return len >= 3 && memcmp(text, "bad", 3) == 0 ? -5 : 0;
}

static int range_tokenize(void *u, void *s, const char *text, size_t len,
                          size_t mt, int32_t *ids, size_t cap, size_t *n)
{
    (void)u, (void)s, (void)text, (void)mt;
    size_t vocab = *(const size_t *)u;
    if (cap < 2) return 1;
    ids[0] = 5;
    ids[1] = len == 1 ? (int32_t)vocab : len == 2 ? -1 : 6;
    *n = 2;
    return 0;
}

/* Reports one id per byte; writes only what fits; counts calls. */
typedef struct grow_state {
    size_t calls;
    size_t max_seen;
} grow_state;

static int grow_tokenize(void *u, void *s, const char *text, size_t len,
                         size_t mt, int32_t *ids, size_t cap, size_t *n)
{
    grow_state *st = s;
    (void)u, (void)text, (void)mt;
    st->calls++;
    for (size_t i = 0; i < len && i < cap; i++) ids[i] = (int32_t)(5 + i % 7);
    *n = len;
    if (cap > st->max_seen) st->max_seen = cap;
    return 0;
}

static grow_state the_grow_state;
static size_t scratch_made, scratch_freed;
static void *grow_new(void *u)
{
    (void)u;
    scratch_made++;
    return &the_grow_state;
}
static void grow_free(void *u, void *s)
{
    (void)u, (void)s;
    scratch_freed++;
}

static int destroyed;
static void count_destroy(void *u)
{
    (void)u;
    destroyed++;
}

static int liar_tokenize(void *u, void *s, const char *text, size_t len,
                         size_t mt, int32_t *ids, size_t cap, size_t *n)
{
    (void)u, (void)s, (void)text, (void)len, (void)mt, (void)ids;
    *n = cap + 1; /* never satisfied */
    return 0;
}

static m2v_model *load_with(const char *dir, m2v_tokenizer *t, m2v_error *err)
{
    m2v_load_options o;
    m2v_load_options_init(&o);
    o.tokenizer = t;
    m2v_model *m = NULL;
    CHECK_RC(m2v_load(dir, &o, &m, err), M2V_OK, err);
    return m;
}

static void errors(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/models/f32", t_fixtures());
    m2v_error err;
    float out[16 * 4];
    size_t vocab = 0;

    /* callback failure -> M2V_TOKENIZER with the text's index */
    m2v_tokenizer t;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof t;
    t.tokenize = fail_tokenize;
    t.destroy = count_destroy;
    m2v_model *m = load_with(dir, &t, &err);
    if (!m) return;
    vocab = m2v_vocab_size(m);
    const char *texts[3] = {"fine", "also fine", "bad one"};
    CHECK_RC(m2v_encode(m, texts, NULL, 3, NULL, out, 64, &err), M2V_TOKENIZER, &err);
    CHECK(err.index == 2 && err.code == M2V_TOKENIZER);
    CHECK(strstr(err.message, "tokenizer failed") != NULL);
    /* lowest failing index wins, for any thread count */
    {
        const char *many[40];
        for (int i = 0; i < 40; i++) many[i] = (i == 13 || i == 31) ? "bad" : "ok";
        float *big = malloc(40 * 16 * sizeof *big);
        for (int th = 1; th <= 4; th++) {
            m2v_encode_options o;
            m2v_encode_options_init(&o);
            o.num_threads = th;
            CHECK_RC(m2v_encode(m, many, NULL, 40, &o, big, 40 * 16, &err), M2V_TOKENIZER, &err);
            CHECK(err.index == 13);
        }
        free(big);
    }
    /* invalid UTF-8 -> M2V_UTF8 with index and byte offset */
    const char *bad_utf8[2] = {"ok", "ab\xC3\x28"};
    CHECK_RC(m2v_encode(m, bad_utf8, NULL, 2, NULL, out, 64, &err), M2V_UTF8, &err);
    CHECK(err.index == 1 && strstr(err.message, "byte 2") != NULL);
    size_t k;
    int32_t ids[8];
    CHECK_RC(m2v_tokenize(m, "\xFF", 1, NULL, ids, 8, &k, &err), M2V_UTF8, &err);
    CHECK_RC(m2v_encode_sequence(m, "\xED\xA0\x80", 3, NULL, out, 64, &k, &err), M2V_UTF8, &err);
    /* NULL arguments */
    CHECK_RC(m2v_encode(NULL, texts, NULL, 1, NULL, out, 64, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_encode(m, NULL, NULL, 1, NULL, out, 64, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_encode(m, texts, NULL, 1, NULL, NULL, 64, &err), M2V_MISUSE, &err);
    const char *with_null[2] = {"ok", NULL};
    CHECK_RC(m2v_encode(m, with_null, NULL, 2, NULL, out, 64, &err), M2V_MISUSE, &err);
    CHECK(err.index == 1);
    CHECK_RC(m2v_encode(m, texts, NULL, 0, NULL, NULL, 0, &err), M2V_OK, &err);
    CHECK_RC(m2v_tokenize(NULL, "a", 1, NULL, ids, 8, &k, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_tokenize(m, "a", 1, NULL, ids, 8, NULL, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_tokenize(m, NULL, 3, NULL, ids, 8, &k, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_tokenize(m, NULL, 0, NULL, ids, 8, &k, &err), M2V_OK, &err);
    CHECK_RC(m2v_encode_sequence(m, "a", 1, NULL, out, 64, NULL, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_encode_ids(NULL, ids, NULL, 1, NULL, out, 64, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_encode_ids(m, ids, NULL, 1, NULL, out, 64, &err), M2V_MISUSE, &err);
    /* errors without an m2v_error are fine */
    CHECK(m2v_encode(m, texts, NULL, 3, NULL, out, 64, NULL) == M2V_TOKENIZER);
    /* TOOSMALL */
    CHECK_RC(m2v_encode(m, texts, NULL, 2, NULL, out, 31, &err), M2V_TOOSMALL, &err);
    CHECK(strstr(err.message, "2 x 16") != NULL);
    m2v_free(m);
    CHECK(destroyed == 1);

    /* out-of-range ids from the callback -> M2V_TOKENIZER */
    t.tokenize = range_tokenize;
    t.user_data = &vocab;
    t.destroy = NULL;
    m = load_with(dir, &t, &err);
    if (!m) return;
    CHECK_RC(m2v_encode(m, (const char *[]){"x"}, NULL, 1, NULL, out, 64, &err), M2V_TOKENIZER, &err);
    CHECK(strstr(err.message, "outside [0, 286)") != NULL);
    CHECK_RC(m2v_encode(m, (const char *[]){"xy"}, NULL, 1, NULL, out, 64, &err), M2V_TOKENIZER, &err);
    CHECK(strstr(err.message, "id -1") != NULL);
    CHECK_RC(m2v_tokenize(m, "x", 1, NULL, ids, 8, &k, &err), M2V_TOKENIZER, &err);
    CHECK_RC(m2v_encode(m, (const char *[]){"xyz"}, NULL, 1, NULL, out, 64, &err), M2V_OK, &err);
    /* TOOSMALL for tokenize and sequence report the size needed */
    CHECK_RC(m2v_tokenize(m, "xyz", 3, NULL, ids, 1, &k, &err), M2V_TOOSMALL, &err);
    CHECK(k == 2 && ids[0] == 5);
    CHECK_RC(m2v_encode_sequence(m, "xyz", 3, NULL, out, 16, &k, &err), M2V_TOOSMALL, &err);
    CHECK(k == 2);
    CHECK_RC(m2v_encode_sequence(m, "xyz", 3, NULL, out, 32, &k, &err), M2V_OK, &err);
    /* ids entry point: bad ids and offsets -> M2V_RANGE with index */
    {
        int32_t bad[4] = {5, 6, 286, 7};
        size_t of[3] = {0, 2, 4};
        CHECK_RC(m2v_encode_ids(m, bad, of, 2, NULL, out, 64, &err), M2V_RANGE, &err);
        CHECK(err.index == 1 && strstr(err.message, "id 286") != NULL);
        size_t of2[3] = {0, 3, 2};
        CHECK_RC(m2v_encode_ids(m, bad, of2, 2, NULL, out, 64, &err), M2V_RANGE, &err);
        CHECK(err.index == 1);
    }
    m2v_free(m);

    /* growth protocol: one id per byte, starting buffer smaller than text */
    t.tokenize = grow_tokenize;
    t.user_data = NULL;
    t.scratch_new = grow_new;
    t.scratch_free = grow_free;
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.tokenizer = &t;
    lo.max_length = M2V_NONE;
    m = NULL;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    if (!m) return;
    {
        size_t len = 5000;
        char *text = malloc(len + 1);
        memset(text, 'a', len);
        text[len] = 0;
        int32_t *big = malloc(len * sizeof *big);
        the_grow_state.calls = 0;
        CHECK_RC(m2v_tokenize(m, text, len, NULL, big, len, &k, &err), M2V_OK, &err);
        CHECK(k == len && the_grow_state.calls == 2 && the_grow_state.max_seen == len);
        CHECK(big[4999] == (int32_t)(5 + 4999 % 7));
        /* with a max_length that fits, no second call is needed */
        m2v_encode_options o;
        m2v_encode_options_init(&o);
        o.max_length = 100;
        the_grow_state.calls = 0;
        CHECK_RC(m2v_tokenize(m, text, len, &o, big, len, &k, &err), M2V_OK, &err);
        CHECK(k == 100 && the_grow_state.calls == 1);
        CHECK(scratch_made == scratch_freed && scratch_made >= 2);
        free(big);
        free(text);
    }
    m2v_free(m);
    /* a tokenizer that always wants more room fails cleanly */
    t.tokenize = liar_tokenize;
    t.scratch_new = NULL;
    t.scratch_free = NULL;
    lo.tokenizer = &t;
    m = NULL;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK_RC(m2v_encode(m, (const char *[]){"x"}, NULL, 1, NULL, out, 64, &err),
                 M2V_TOKENIZER, &err);
        m2v_free(m);
    }

    /* model loaded without a tokenizer: text calls are misuse, ids work */
    m2v_load_options_init(&lo);
    lo.flags = M2V_LOAD_NO_TOKENIZER;
    m = NULL;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(strcmp(m2v_tokenizer_kind(m), "none") == 0);
        CHECK_RC(m2v_encode(m, texts, NULL, 1, NULL, out, 64, &err), M2V_MISUSE, &err);
        CHECK_RC(m2v_tokenize(m, "a", 1, NULL, ids, 8, &k, &err), M2V_MISUSE, &err);
        CHECK_RC(m2v_encode_sequence(m, "a", 1, NULL, out, 64, &k, &err), M2V_MISUSE, &err);
        int32_t one[1] = {73};
        size_t of[2] = {0, 1};
        CHECK_RC(m2v_encode_ids(m, one, of, 1, NULL, out, 16, &err), M2V_OK, &err);
        m2v_free(m);
    }
}

/* End to end with the native tokenizer (when built): text in, model2vec's
** vectors and ids out. */
static void native(const char *name)
{
    if (!(m2v_features() & M2V_FEATURE_NATIVE_TOKENIZER)) return;
    t_golden g;
    if (t_golden_load(name, &g)) return;
    m2v_model *m = NULL;
    m2v_error err;
    CHECK_RC(m2v_load(g.path, NULL, &m, &err), M2V_OK, &err);
    if (m) {
        size_t n = g.n_items, dim = g.dim;
        const char **texts = malloc(n * sizeof *texts);
        size_t *lens = malloc(n * sizeof *lens);
        for (size_t i = 0; i < n; i++) {
            texts[i] = g.items[i].text;
            lens[i] = g.items[i].text_len;
        }
        float *out = malloc(n * dim * sizeof *out);
        CHECK_RC(m2v_encode(m, texts, lens, n, NULL, out, n * dim, &err), M2V_OK, &err);
        for (size_t i = 0; i < n; i++) {
            check_row(&g, i, out + i * dim, g.items[i].embedding, "native encode");
            int32_t buf[2048];
            size_t k = 0;
            CHECK_RC(m2v_tokenize(m, texts[i], lens[i], NULL, buf, 2048, &k, &err), M2V_OK, &err);
            CHECK_MSG(k == g.items[i].n_ids && memcmp(buf, g.items[i].ids, k * sizeof *buf) == 0,
                      "%s: native tokenize item %zu", name, i);
        }
        free(texts);
        free(lens);
        free(out);
        m2v_free(m);
    }
    t_golden_free(&g);
}

int main(void)
{
    char names[64][128];
    size_t n = t_golden_names(names, 64);
    CHECK(n >= 15);
    for (size_t i = 0; i < n; i++) parity(names[i]);
    for (size_t i = 0; i < n; i++) native(names[i]);
    printf("parity: %zu golden models, %zu rows compared, %zu bit-identical\n", n,
           total_rows, exact_rows);
    options();
    errors();
    return t_done("test_encode");
}
