/*
** encode.c -- the encode entry points: text -> UTF-8 check -> char cut ->
** tokenizer callback -> id check -> first max_length ids -> drop unk ->
** pool. Batches may run on worker threads; each worker has its own scratch
** (ids buffer, tokenizer scratch, pooling sums) for the whole call, and
** every row depends only on its own text, so output does not depend on the
** number of threads. On failure the lowest failing index is reported.
*/
#define _POSIX_C_SOURCE 200809L
#include "m2v_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 256
#define IDS_START 256

/* ---- per-worker scratch ------------------------------------------------ */

typedef struct ctx {
    const m2v_model *m;
    void *tok_scratch;
    int32_t *ids;
    size_t cap;
    void *pool_scratch;
} ctx;

static void ctx_free(ctx *c)
{
    if (c->tok_scratch && c->m->tok.scratch_free)
        c->m->tok.scratch_free(c->m->tok.user_data, c->tok_scratch);
    free(c->ids);
    free(c->pool_scratch);
    memset(c, 0, sizeof *c);
}

static int ctx_init(ctx *c, const m2v_model *m, bool need_tok, m2v_error *err)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->cap = IDS_START;
    c->ids = malloc(c->cap * sizeof *c->ids);
    c->pool_scratch = malloc(m2v_pool_scratch_size(&m->pool));
    if (!c->ids || !c->pool_scratch) {
        ctx_free(c);
        return m2v_fail(err, M2V_NOMEM, "out of memory");
    }
    if (need_tok && m->tok.scratch_new) {
        c->tok_scratch = m->tok.scratch_new(m->tok.user_data);
        if (!c->tok_scratch) {
            ctx_free(c);
            return m2v_fail(err, M2V_NOMEM, "tokenizer scratch_new failed");
        }
    }
    return M2V_OK;
}

/* Runs the tokenizer with the growth protocol of m2v.h; on success
** c->ids[0..*used) are the first min(total, max_tokens) ids, all checked. */
static int run_tokenizer(ctx *c, const char *text, size_t len,
                         size_t max_tokens, size_t *used, m2v_error *err)
{
    const m2v_model *m = c->m;
    for (int attempt = 0; attempt < 4; attempt++) {
        size_t n = 0;
        int r = m->tok.tokenize(m->tok.user_data, c->tok_scratch, text, len,
                                max_tokens, c->ids, c->cap, &n);
        if (r == M2V_NOMEM)
            return m2v_fail(err, M2V_NOMEM, "tokenizer ran out of memory");
        if (r != 0)
            return m2v_fail(err, M2V_TOKENIZER, "tokenizer failed (returned %d)", r);
        if (n <= c->cap || max_tokens <= c->cap) {
            size_t k = n < max_tokens ? n : max_tokens;
            for (size_t i = 0; i < k; i++)
                if (c->ids[i] < 0 || (size_t)c->ids[i] >= m->vocab.n)
                    return m2v_fail(err, M2V_TOKENIZER,
                                    "tokenizer returned id %ld at position %zu, "
                                    "outside [0, %zu)",
                                    (long)c->ids[i], i, m->vocab.n);
            *used = k;
            return M2V_OK;
        }
        if (n > SIZE_MAX / sizeof *c->ids)
            return m2v_fail(err, M2V_TOKENIZER,
                            "tokenizer reported an absurd id count %zu", n);
        int32_t *g = realloc(c->ids, n * sizeof *g);
        if (!g) return m2v_fail(err, M2V_NOMEM, "out of memory for %zu ids", n);
        c->ids = g;
        c->cap = n;
    }
    return m2v_fail(err, M2V_TOKENIZER,
                    "tokenizer kept reporting more ids than it was given room for");
}

/* ---- options ----------------------------------------------------------- */

typedef struct settings {
    int normalize;
    int64_t max_length; /* >= 0 or M2V_NONE */
    int threads;
} settings;

static int resolve(const m2v_model *m, const m2v_encode_options *in,
                   bool model_max_length, settings *s, m2v_error *err)
{
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    int rc;
    if (in && (rc = m2v_copy_versioned(&o, sizeof o, in, "m2v_encode_options", err)))
        return rc;
    if (o.normalize != M2V_DEFAULT && o.normalize != 0 && o.normalize != 1)
        return m2v_fail(err, M2V_MISUSE, "normalize must be M2V_DEFAULT, 0 or 1");
    if (o.max_length != M2V_DEFAULT && o.max_length != M2V_NONE && o.max_length < 0)
        return m2v_fail(err, M2V_MISUSE, "max_length must be M2V_DEFAULT, M2V_NONE or >= 0");
    if (o.num_threads < 0)
        return m2v_fail(err, M2V_MISUSE, "num_threads must be >= 0");
    s->normalize = o.normalize == M2V_DEFAULT ? m->normalize : o.normalize;
    s->max_length = o.max_length != M2V_DEFAULT ? o.max_length
                    : model_max_length       ? m->max_length
                                             : M2V_NONE;
    s->threads = o.num_threads;
    if (s->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->threads = n > 0 ? (int)(n < MAX_THREADS ? n : MAX_THREADS) : 1;
    }
    if (s->threads > MAX_THREADS) s->threads = MAX_THREADS;
#ifdef M2V_NO_THREADS
    s->threads = 1;
#endif
    return M2V_OK;
}

static size_t max_tokens_of(const settings *s)
{
    if (s->max_length == M2V_NONE) return SIZE_MAX;
#if SIZE_MAX < UINT64_MAX
    if ((uint64_t)s->max_length > SIZE_MAX) return SIZE_MAX;
#endif
    return (size_t)s->max_length;
}

static int text_arg(const char *text, size_t *len, m2v_error *err)
{
    if (!text) {
        if (*len == 0) return M2V_OK;
        return m2v_fail(err, M2V_MISUSE, "text is NULL");
    }
    if (*len == M2V_NUL_TERMINATED) *len = strlen(text);
    return M2V_OK;
}

/* UTF-8 check, then model2vec's char cut when a max_length is set:
** sentence[:max_length * median_token_length], in code points. */
static int prepare_text(const m2v_model *m, const char *text, size_t *len,
                        int64_t max_length, bool cut, m2v_error *err)
{
    size_t bad = m2v_utf8_check(text, *len);
    if (bad != *len)
        return m2v_fail(err, M2V_UTF8, "text is not valid UTF-8 at byte %zu", bad);
    if (cut && max_length != M2V_NONE) {
        size_t med = m->vocab.median;
        if (med == 0 || (uint64_t)max_length <= SIZE_MAX / med)
            *len = m2v_utf8_prefix(text, *len, (size_t)max_length * med);
    }
    return M2V_OK;
}

/* ---- batch driver ------------------------------------------------------ */

typedef struct job job;
typedef int (*item_fn)(const job *j, ctx *c, size_t i, m2v_error *err);

struct job {
    const m2v_model *m;
    settings s;
    item_fn fn;
    const char *const *texts;
    const size_t *text_lens;
    const int32_t *ids;
    const size_t *offsets;
    float *out;
    size_t n, chunk;
    /* shared state */
    pthread_mutex_t lock;
    size_t next;
    size_t fail_index;
    m2v_error fail;
};

typedef struct worker {
    job *j;
    ctx c;
    pthread_t th;
    bool started;
} worker;

static void run_worker(job *j, ctx *c)
{
    m2v_error e;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t a = j->next;
        if (a >= j->n || a > j->fail_index) {
            pthread_mutex_unlock(&j->lock);
            return;
        }
        size_t b = a + j->chunk < j->n ? a + j->chunk : j->n;
        j->next = b;
        pthread_mutex_unlock(&j->lock);
        for (size_t i = a; i < b; i++) {
            int rc = j->fn(j, c, i, &e);
            if (rc) {
                pthread_mutex_lock(&j->lock);
                if (i < j->fail_index) {
                    j->fail_index = i;
                    j->fail = e;
                    j->fail.code = rc;
                    j->fail.index = i;
                }
                pthread_mutex_unlock(&j->lock);
                break;
            }
        }
    }
}

static void *thread_main(void *arg)
{
    worker *w = arg;
    run_worker(w->j, &w->c);
    return NULL;
}

static int run_job(job *j, bool need_tok, m2v_error *err)
{
    size_t nt = (size_t)j->s.threads;
    if (nt > j->n) nt = j->n ? j->n : 1;
    size_t per = j->n / (nt * 8);
    j->chunk = per < 1 ? 1 : per > 256 ? 256 : per;
    j->next = 0;
    j->fail_index = SIZE_MAX;
    memset(&j->fail, 0, sizeof j->fail);
    worker *ws = calloc(nt, sizeof *ws);
    if (!ws) return m2v_fail(err, M2V_NOMEM, "out of memory");
    int rc = M2V_OK;
    size_t made = 0;
    for (; made < nt; made++) {
        ws[made].j = j;
        if ((rc = ctx_init(&ws[made].c, j->m, need_tok, err))) break;
    }
    if (rc == M2V_OK && pthread_mutex_init(&j->lock, NULL) != 0)
        rc = m2v_fail(err, M2V_NOMEM, "cannot create a mutex");
    if (rc == M2V_OK) {
        for (size_t t = 1; t < nt; t++)
            ws[t].started = pthread_create(&ws[t].th, NULL, thread_main, &ws[t]) == 0;
        run_worker(j, &ws[0].c); /* the caller works too */
        for (size_t t = 1; t < nt; t++)
            if (ws[t].started) pthread_join(ws[t].th, NULL);
        pthread_mutex_destroy(&j->lock);
        if (j->fail_index != SIZE_MAX) {
            if (err) *err = j->fail;
            rc = j->fail.code;
        } else {
            rc = m2v_ok(err);
        }
    }
    for (size_t t = 0; t < made; t++) ctx_free(&ws[t].c);
    free(ws);
    return rc;
}

/* ---- m2v_encode -------------------------------------------------------- */

static int encode_text_item(const job *j, ctx *c, size_t i, m2v_error *err)
{
    const m2v_model *m = j->m;
    const char *text = j->texts[i];
    size_t len = j->text_lens ? j->text_lens[i] : M2V_NUL_TERMINATED, used;
    int rc;
    if ((rc = text_arg(text, &len, err))) return rc;
    if ((rc = prepare_text(m, text, &len, j->s.max_length, true, err))) return rc;
    if ((rc = run_tokenizer(c, text, len, max_tokens_of(&j->s), &used, err)))
        return rc;
    /* model2vec: truncation to max_length first, then [UNK] removal */
    m2v_pool_mean(&m->pool, c->ids, used, m->unk_id, j->s.normalize,
                  c->pool_scratch, j->out + i * m->pool.dim);
    return M2V_OK;
}

static int check_out(const m2v_model *m, size_t n, size_t cap, m2v_error *err)
{
    size_t dim = m->pool.dim;
    if (n > SIZE_MAX / dim || n * dim > cap)
        return m2v_fail(err, M2V_TOOSMALL,
                        "output holds %zu floats, %zu x %zu are needed", cap, n, dim);
    return M2V_OK;
}

M2V_API int m2v_encode(const m2v_model *model, const char *const *texts,
                       const size_t *text_lens, size_t n_texts,
                       const m2v_encode_options *opts, float *out,
                       size_t out_capacity, m2v_error *err)
{
    if (!model) return m2v_fail(err, M2V_MISUSE, "m2v_encode: model is NULL");
    if (n_texts && (!texts || !out))
        return m2v_fail(err, M2V_MISUSE, "m2v_encode: texts and out must not be NULL");
    if (!model->has_tok)
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_encode: the model was loaded without a tokenizer");
    job j;
    memset(&j, 0, sizeof j);
    int rc = resolve(model, opts, true, &j.s, err);
    if (rc) return rc;
    if ((rc = check_out(model, n_texts, out_capacity, err))) return rc;
    if (n_texts == 0) return m2v_ok(err);
    j.m = model;
    j.fn = encode_text_item;
    j.texts = texts;
    j.text_lens = text_lens;
    j.out = out;
    j.n = n_texts;
    return run_job(&j, true, err);
}

/* ---- m2v_encode_ids ---------------------------------------------------- */

static int encode_ids_item(const job *j, ctx *c, size_t i, m2v_error *err)
{
    const m2v_model *m = j->m;
    const int32_t *ids = j->ids + j->offsets[i];
    size_t n = j->offsets[i + 1] - j->offsets[i];
    for (size_t k = 0; k < n; k++)
        if (ids[k] < 0 || (size_t)ids[k] >= m->vocab.n)
            return m2v_fail(err, M2V_RANGE,
                            "id %ld at position %zu is outside [0, %zu)",
                            (long)ids[k], k, m->vocab.n);
    size_t mt = max_tokens_of(&j->s);
    m2v_pool_mean(&m->pool, ids, n < mt ? n : mt, m->unk_id, j->s.normalize,
                  c->pool_scratch, j->out + i * m->pool.dim);
    return M2V_OK;
}

M2V_API int m2v_encode_ids(const m2v_model *model, const int32_t *ids,
                           const size_t *offsets, size_t n_seqs,
                           const m2v_encode_options *opts, float *out,
                           size_t out_capacity, m2v_error *err)
{
    if (!model) return m2v_fail(err, M2V_MISUSE, "m2v_encode_ids: model is NULL");
    if (n_seqs && (!offsets || !out))
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_encode_ids: offsets and out must not be NULL");
    job j;
    memset(&j, 0, sizeof j);
    int rc = resolve(model, opts, true, &j.s, err);
    if (rc) return rc;
    if ((rc = check_out(model, n_seqs, out_capacity, err))) return rc;
    if (n_seqs == 0) return m2v_ok(err);
    for (size_t i = 0; i < n_seqs; i++) {
        if (offsets[i + 1] < offsets[i]) {
            rc = m2v_fail(err, M2V_RANGE, "offsets[%zu] = %zu is below offsets[%zu] = %zu",
                          i + 1, offsets[i + 1], i, offsets[i]);
            if (err) err->index = i;
            return rc;
        }
    }
    if (!ids && offsets[n_seqs] != offsets[0])
        return m2v_fail(err, M2V_MISUSE, "m2v_encode_ids: ids is NULL");
    j.m = model;
    j.fn = encode_ids_item;
    j.ids = ids;
    j.offsets = offsets;
    j.out = out;
    j.n = n_seqs;
    return run_job(&j, false, err);
}

/* ---- single-text calls ------------------------------------------------- */

/* Tokenizes one text into c->ids, truncates and drops the unknown id;
** *count receives the number kept. */
static int tokens_of(const m2v_model *m, ctx *c, const char *text, size_t len,
                     const settings *s, bool cut, size_t *count, m2v_error *err)
{
    int rc;
    size_t used;
    if ((rc = prepare_text(m, text, &len, s->max_length, cut, err))) return rc;
    if ((rc = run_tokenizer(c, text, len, max_tokens_of(s), &used, err))) return rc;
    size_t k = 0;
    for (size_t i = 0; i < used; i++)
        if (c->ids[i] != m->unk_id) c->ids[k++] = c->ids[i];
    *count = k;
    return M2V_OK;
}

M2V_API int m2v_encode_sequence(const m2v_model *model, const char *text,
                                size_t text_len,
                                const m2v_encode_options *opts, float *out,
                                size_t out_capacity, size_t *n_tokens,
                                m2v_error *err)
{
    if (n_tokens) *n_tokens = 0;
    if (!model || !n_tokens)
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_encode_sequence: model and n_tokens must not be NULL");
    if (!model->has_tok)
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_encode_sequence: the model was loaded without a tokenizer");
    settings s;
    int rc = resolve(model, opts, false, &s, err);
    if (rc || (rc = text_arg(text, &text_len, err))) return rc;
    ctx c;
    if ((rc = ctx_init(&c, model, true, err))) return rc;
    size_t k;
    rc = tokens_of(model, &c, text ? text : "", text_len, &s, true, &k, err);
    if (rc == M2V_OK) {
        *n_tokens = k;
        size_t dim = model->pool.dim;
        if (k > SIZE_MAX / dim || k * dim > out_capacity)
            rc = m2v_fail(err, M2V_TOOSMALL,
                          "output holds %zu floats, %zu tokens x %zu are needed",
                          out_capacity, k, dim);
        else if (k && !out)
            rc = m2v_fail(err, M2V_MISUSE, "m2v_encode_sequence: out is NULL");
        else
            m2v_pool_rows(&model->pool, c.ids, k, out);
    }
    ctx_free(&c);
    return rc ? rc : m2v_ok(err);
}

M2V_API int m2v_tokenize(const m2v_model *model, const char *text,
                         size_t text_len, const m2v_encode_options *opts,
                         int32_t *ids, size_t ids_capacity, size_t *n_ids,
                         m2v_error *err)
{
    if (n_ids) *n_ids = 0;
    if (!model || !n_ids || (!ids && ids_capacity))
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_tokenize: model and n_ids must not be NULL");
    if (!model->has_tok)
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_tokenize: the model was loaded without a tokenizer");
    settings s;
    int rc = resolve(model, opts, true, &s, err);
    if (rc || (rc = text_arg(text, &text_len, err))) return rc;
    ctx c;
    if ((rc = ctx_init(&c, model, true, err))) return rc;
    size_t k;
    /* model2vec's tokenize() does no character cut */
    rc = tokens_of(model, &c, text ? text : "", text_len, &s, false, &k, err);
    if (rc == M2V_OK) {
        *n_ids = k;
        if (ids && k && ids_capacity)
            memcpy(ids, c.ids, (k < ids_capacity ? k : ids_capacity) * sizeof *ids);
        if (k > ids_capacity)
            rc = m2v_fail(err, M2V_TOOSMALL, "ids holds %zu, %zu are needed",
                          ids_capacity, k);
    }
    ctx_free(&c);
    return rc ? rc : m2v_ok(err);
}
