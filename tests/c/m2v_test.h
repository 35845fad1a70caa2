/*
** m2v_test.h -- a tiny test harness shared by tests/c/test_*.c, and the
** reader of the golden files in tests/fixtures/golden/ (format:
** tests/fixtures/README.md). Tests link the static library, so they may
** use the internal JSON reader.
*/
#ifndef M2V_TEST_H
#define M2V_TEST_H

#define _POSIX_C_SOURCE 200809L
#include "m2v_internal.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Paths in tests are built with snprintf into fixed buffers on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static int t_failures = 0, t_checks = 0;

#define CHECK(cond)                                                         \
    do {                                                                    \
        t_checks++;                                                         \
        if (!(cond)) {                                                      \
            t_failures++;                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                 \
        }                                                                   \
    } while (0)

#define CHECK_MSG(cond, ...)                                                \
    do {                                                                    \
        t_checks++;                                                         \
        if (!(cond)) {                                                      \
            t_failures++;                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                 \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

/* rc must equal want; on mismatch prints the error message. */
#define CHECK_RC(expr, want, errp)                                          \
    do {                                                                    \
        int rc_ = (expr);                                                   \
        t_checks++;                                                         \
        if (rc_ != (want)) {                                                \
            t_failures++;                                                   \
            fprintf(stderr, "%s:%d: %s returned %d (%s), want %d: %s\n",    \
                    __FILE__, __LINE__, #expr, rc_, m2v_errstr(rc_), (want), \
                    t_msg(errp));                                           \
        }                                                                   \
    } while (0)

static inline const char *t_msg(const m2v_error *e)
{
    return e ? e->message : "";
}

static inline int t_done(const char *name)
{
    if (t_failures) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, t_failures, t_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, t_checks);
    return 0;
}

static inline double t_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline const char *t_fixtures(void) { return M2V_SOURCE_DIR "/tests/fixtures"; }

/* ---- golden files ------------------------------------------------------ */

typedef struct t_item {
    const char *text;
    size_t text_len;
    int32_t *tokens_full, *tokens_cut, *ids;
    size_t n_full, n_cut, n_ids;
    float *embedding;  /* dim */
    float *sequence;   /* n_seq x dim, or NULL if not stored */
    size_t n_seq;
    bool has_sequence;
} t_item;

typedef struct t_golden {
    char name[128];
    char path[512]; /* absolute model folder */
    m2v_json_doc *doc;
    size_t dim, vocab_size, rows, median;
    int normalize;
    int64_t max_length; /* M2V_NONE for null */
    int64_t unk;        /* M2V_NONE for null */
    double tol;
    bool has_weights, has_mapping;
    char dtype[32], layout[64], tensor[64];
    t_item *items;
    size_t n_items;
} t_golden;

static inline int32_t *t_ids(const m2v_json *arr, size_t *n)
{
    *n = m2v_json_len(arr);
    int32_t *v = malloc((*n ? *n : 1) * sizeof *v);
    size_t i = 0;
    for (const m2v_json *c = m2v_json_first(arr); c; c = m2v_json_next(c)) {
        int64_t x = 0;
        m2v_json_int(c, &x);
        v[i++] = (int32_t)x;
    }
    return v;
}

static inline void t_floats(const m2v_json *arr, float *out)
{
    size_t i = 0;
    for (const m2v_json *c = m2v_json_first(arr); c; c = m2v_json_next(c))
        out[i++] = (float)m2v_json_num(c);
}

static inline void t_golden_free(t_golden *g)
{
    for (size_t i = 0; i < g->n_items; i++) {
        free(g->items[i].tokens_full);
        free(g->items[i].tokens_cut);
        free(g->items[i].ids);
        free(g->items[i].embedding);
        free(g->items[i].sequence);
    }
    free(g->items);
    m2v_json_free(g->doc);
    memset(g, 0, sizeof *g);
}

static inline void t_copy_str(char *dst, size_t cap, const m2v_json *v)
{
    size_t n = 0;
    const char *s = m2v_json_str(v, &n);
    if (!s) n = 0;
    if (n >= cap) n = cap - 1;
    memcpy(dst, s ? s : "", n);
    dst[n] = '\0';
}

/* Loads tests/fixtures/golden/<name>.json; returns 0 on success. */
static inline int t_golden_load(const char *name, t_golden *g)
{
    memset(g, 0, sizeof *g);
    char path[600];
    snprintf(path, sizeof path, "%s/golden/%s.json", t_fixtures(), name);
    char *text;
    size_t len;
    m2v_error err;
    if (m2v_read_file(path, (size_t)1 << 30, &text, &len, &err) ||
        m2v_json_parse(text, len, path, &g->doc, &err)) {
        fprintf(stderr, "cannot read golden %s: %s\n", path, err.message);
        return -1;
    }
    free(text);
    const m2v_json *root = m2v_json_root(g->doc), *s = m2v_json_get(root, "settings");
    snprintf(g->name, sizeof g->name, "%s", name);
    char rel[256];
    t_copy_str(rel, sizeof rel, m2v_json_get(root, "path"));
    snprintf(g->path, sizeof g->path, "%s/%s", t_fixtures(), rel);
    int64_t v;
    m2v_json_int(m2v_json_get(s, "dim"), &v), g->dim = (size_t)v;
    m2v_json_int(m2v_json_get(s, "vocab_size"), &v), g->vocab_size = (size_t)v;
    m2v_json_int(m2v_json_get(s, "rows"), &v), g->rows = (size_t)v;
    m2v_json_int(m2v_json_get(s, "median_token_length"), &v), g->median = (size_t)v;
    g->normalize = m2v_json_is(m2v_json_get(s, "normalize"), M2V_JSON_TRUE);
    g->max_length = m2v_json_int(m2v_json_get(s, "max_length"), &v) ? v : M2V_NONE;
    g->unk = m2v_json_int(m2v_json_get(s, "unk_token_id"), &v) ? v : M2V_NONE;
    g->tol = m2v_json_num(m2v_json_get(s, "tolerance"));
    g->has_weights = m2v_json_is(m2v_json_get(s, "has_weights"), M2V_JSON_TRUE);
    g->has_mapping = m2v_json_is(m2v_json_get(s, "has_mapping"), M2V_JSON_TRUE);
    t_copy_str(g->dtype, sizeof g->dtype, m2v_json_get(s, "dtype"));
    t_copy_str(g->layout, sizeof g->layout, m2v_json_get(s, "layout"));
    t_copy_str(g->tensor, sizeof g->tensor, m2v_json_get(s, "embedding_tensor"));
    const m2v_json *items = m2v_json_get(root, "items");
    g->n_items = m2v_json_len(items);
    g->items = calloc(g->n_items, sizeof *g->items);
    size_t i = 0;
    for (const m2v_json *it = m2v_json_first(items); it; it = m2v_json_next(it), i++) {
        t_item *t = &g->items[i];
        t->text = m2v_json_str(m2v_json_get(it, "text"), &t->text_len);
        t->tokens_full = t_ids(m2v_json_get(it, "tokens_full"), &t->n_full);
        t->tokens_cut = t_ids(m2v_json_get(it, "tokens_cut"), &t->n_cut);
        t->ids = t_ids(m2v_json_get(it, "ids"), &t->n_ids);
        t->embedding = malloc(g->dim * sizeof(float));
        t_floats(m2v_json_get(it, "embedding"), t->embedding);
        const m2v_json *seq = m2v_json_get(it, "sequence");
        if (seq) {
            t->has_sequence = true;
            t->n_seq = m2v_json_len(seq);
            t->sequence = malloc((t->n_seq ? t->n_seq : 1) * g->dim * sizeof(float));
            size_t r = 0;
            for (const m2v_json *row = m2v_json_first(seq); row; row = m2v_json_next(row), r++)
                t_floats(row, t->sequence + r * g->dim);
        }
    }
    return 0;
}

/* Names of all golden files (without .json), sorted; returns count. */
static inline int t_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline size_t t_golden_names(char names[][128], size_t cap)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/golden", t_fixtures());
    DIR *d = opendir(dir);
    size_t n = 0;
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t l = strlen(e->d_name);
        if (l > 5 && l < 128 && strcmp(e->d_name + l - 5, ".json") == 0) {
            memcpy(names[n], e->d_name, l - 5);
            names[n][l - 5] = '\0';
            n++;
        }
    }
    closedir(d);
    char *ptrs[256];
    for (size_t i = 0; i < n; i++) ptrs[i] = strdup(names[i]);
    qsort(ptrs, n, sizeof *ptrs, t_cmp_str);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 128, "%s", ptrs[i]);
        free(ptrs[i]);
    }
    return n;
}

/* Compares vectors: max abs difference <= tol and, for non-zero vectors,
** cosine >= 0.99999. Returns the max abs difference (or INFINITY on a
** cosine failure). */
static inline double t_compare(const float *got, const float *want, size_t dim, double tol)
{
    double maxd = 0, dot = 0, na = 0, nb = 0;
    for (size_t j = 0; j < dim; j++) {
        double d = fabs((double)got[j] - (double)want[j]);
        if (!(d <= maxd)) maxd = d;
        dot += (double)got[j] * want[j];
        na += (double)got[j] * got[j];
        nb += (double)want[j] * want[j];
    }
    if (na > 0 && nb > 0 && dot / sqrt(na * nb) < 0.99999) return INFINITY;
    if ((na == 0) != (nb == 0) && maxd > tol) return INFINITY;
    return maxd;
}

/* ---- a callback tokenizer replaying the golden token ids --------------- */

typedef struct t_replay {
    const t_golden *g;
    size_t median;
} t_replay;

/* Finds the golden item whose full text, or whose char-cut text, is exactly
** the given text, and returns its raw tokenizer output. */
static inline int t_replay_tokenize(void *user_data, void *scratch, const char *text,
                             size_t text_len, size_t max_tokens, int32_t *ids,
                             size_t ids_capacity, size_t *n_ids)
{
    const t_replay *r = user_data;
    (void)scratch;
    (void)max_tokens;
    for (size_t i = 0; i < r->g->n_items; i++) {
        const t_item *t = &r->g->items[i];
        const int32_t *src = NULL;
        size_t n = 0;
        if (t->text_len == text_len && memcmp(t->text, text, text_len) == 0) {
            src = t->tokens_full;
            n = t->n_full;
        } else if (r->g->max_length != M2V_NONE && text_len < t->text_len &&
                   m2v_utf8_prefix(t->text, t->text_len,
                                   (size_t)r->g->max_length * r->median) == text_len &&
                   memcmp(t->text, text, text_len) == 0) {
            src = t->tokens_cut;
            n = t->n_cut;
        }
        if (src) {
            memcpy(ids, src, (n < ids_capacity ? n : ids_capacity) * sizeof *ids);
            *n_ids = n;
            return 0;
        }
    }
    return 99; /* unknown text */
}

static inline m2v_tokenizer t_replay_table(t_replay *r)
{
    m2v_tokenizer t;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof t;
    t.user_data = r;
    t.tokenize = t_replay_tokenize;
    return t;
}

/* Loads a fixture model folder with the replay tokenizer of its golden. */
static inline int t_load_replay(const t_golden *g, t_replay *r, m2v_model **m, m2v_error *err)
{
    r->g = g;
    r->median = g->median;
    m2v_tokenizer tt = t_replay_table(r);
    m2v_load_options o;
    m2v_load_options_init(&o);
    o.tokenizer = &tt;
    return m2v_load(g->path, &o, m, err);
}

#endif /* M2V_TEST_H */
