/*
** test_threads.c -- one model shared by many threads: 8 threads encoding at
** once give exactly the single-thread result, and num_threads 1/2/4/0 give
** identical output. Tokenizer scratch areas are made and freed in pairs.
*/
#include "m2v_test.h"

#include <pthread.h>

#define N_TEXTS 3000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long live_scratch, made_scratch;

typedef struct scratch_area {
    long owner_calls;
    bool in_use;
} scratch_area;

static t_replay replay;

/* The replay tokenizer, plus a check that no scratch is used by two
** threads at once. */
static int tokenize(void *u, void *s, const char *text, size_t len, size_t mt, int32_t *ids,
                    size_t cap, size_t *n)
{
    scratch_area *sa = s;
    if (sa->in_use) return 77;
    sa->in_use = true;
    sa->owner_calls++;
    int rc = t_replay_tokenize(u, NULL, text, len, mt, ids, cap, n);
    sa->in_use = false;
    return rc;
}

static void *scratch_new(void *u)
{
    (void)u;
    pthread_mutex_lock(&lock);
    live_scratch++;
    made_scratch++;
    pthread_mutex_unlock(&lock);
    return calloc(1, sizeof(scratch_area));
}

static void scratch_free(void *u, void *s)
{
    (void)u;
    pthread_mutex_lock(&lock);
    live_scratch--;
    pthread_mutex_unlock(&lock);
    free(s);
}

typedef struct job {
    const m2v_model *m;
    const char **texts;
    const size_t *lens;
    const int32_t *ids;
    const size_t *offs;
    float *out;
    size_t dim;
    int threads;
    int rc, rc_ids;
    float *out_ids;
} job;

static void *run(void *arg)
{
    job *j = arg;
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    o.num_threads = j->threads;
    m2v_error err;
    for (int rep = 0; rep < 2; rep++) {
        j->rc = m2v_encode(j->m, j->texts, j->lens, N_TEXTS, &o, j->out, N_TEXTS * j->dim, &err);
        j->rc_ids = m2v_encode_ids(j->m, j->ids, j->offs, N_TEXTS, &o, j->out_ids,
                                   N_TEXTS * j->dim, &err);
    }
    return NULL;
}

int main(void)
{
    t_golden g;
    if (t_golden_load("vq_f32_norm_ml8", &g)) return 1;
    replay.g = &g;
    replay.median = g.median;
    m2v_tokenizer t;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof t;
    t.user_data = &replay;
    t.tokenize = tokenize;
    t.scratch_new = scratch_new;
    t.scratch_free = scratch_free;
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.tokenizer = &t;
    m2v_model *m = NULL;
    m2v_error err;
    CHECK_RC(m2v_load(g.path, &lo, &m, &err), M2V_OK, &err);
    if (!m) return t_done("test_threads");
    size_t dim = g.dim;
    const char **texts = malloc(N_TEXTS * sizeof *texts);
    size_t *lens = malloc(N_TEXTS * sizeof *lens);
    size_t *offs = malloc((N_TEXTS + 1) * sizeof *offs);
    size_t total = 0;
    for (size_t i = 0; i < N_TEXTS; i++) total += g.items[i % g.n_items].n_cut;
    int32_t *ids = malloc(total * sizeof *ids);
    offs[0] = 0;
    for (size_t i = 0; i < N_TEXTS; i++) {
        const t_item *it = &g.items[i % g.n_items];
        texts[i] = it->text;
        lens[i] = it->text_len;
        memcpy(ids + offs[i], it->tokens_cut, it->n_cut * sizeof *ids);
        offs[i + 1] = offs[i] + it->n_cut;
    }
    /* single-thread reference, and it matches the golden */
    float *ref = malloc(N_TEXTS * dim * sizeof *ref);
    CHECK_RC(m2v_encode(m, texts, lens, N_TEXTS, NULL, ref, N_TEXTS * dim, &err), M2V_OK, &err);
    for (size_t i = 0; i < N_TEXTS; i++)
        CHECK(t_compare(ref + i * dim, g.items[i % g.n_items].embedding, dim, g.tol) <= g.tol);
    CHECK(live_scratch == 0 && made_scratch == 1);

    /* num_threads 1, 2, 4, 0 (one per CPU): identical bytes */
    float *out = malloc(N_TEXTS * dim * sizeof *out);
    int counts[] = {1, 2, 3, 4, 0, 16};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        m2v_encode_options o;
        m2v_encode_options_init(&o);
        o.num_threads = counts[k];
        memset(out, 0, N_TEXTS * dim * sizeof *out);
        CHECK_RC(m2v_encode(m, texts, lens, N_TEXTS, &o, out, N_TEXTS * dim, &err), M2V_OK, &err);
        CHECK_MSG(memcmp(out, ref, N_TEXTS * dim * sizeof *out) == 0, "num_threads %d", counts[k]);
        memset(out, 0, N_TEXTS * dim * sizeof *out);
        CHECK_RC(m2v_encode_ids(m, ids, offs, N_TEXTS, &o, out, N_TEXTS * dim, &err), M2V_OK, &err);
        CHECK_MSG(memcmp(out, ref, N_TEXTS * dim * sizeof *out) == 0, "ids, num_threads %d",
                  counts[k]);
        CHECK(live_scratch == 0);
    }
    /* fewer texts than threads */
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    o.num_threads = 8;
    CHECK_RC(m2v_encode(m, texts, lens, 3, &o, out, 3 * dim, &err), M2V_OK, &err);
    CHECK(memcmp(out, ref, 3 * dim * sizeof *out) == 0);

    /* 8 threads at once on the same model, some with worker threads too */
    job jobs[8];
    pthread_t th[8];
    for (int k = 0; k < 8; k++) {
        jobs[k] = (job){m, texts, lens, ids, offs, malloc(N_TEXTS * dim * sizeof(float)), dim,
                        k < 6 ? 1 : 2, -1, -1, malloc(N_TEXTS * dim * sizeof(float))};
        CHECK(pthread_create(&th[k], NULL, run, &jobs[k]) == 0);
    }
    for (int k = 0; k < 8; k++) {
        pthread_join(th[k], NULL);
        CHECK(jobs[k].rc == M2V_OK && jobs[k].rc_ids == M2V_OK);
        CHECK_MSG(memcmp(jobs[k].out, ref, N_TEXTS * dim * sizeof(float)) == 0, "thread %d", k);
        CHECK_MSG(memcmp(jobs[k].out_ids, ref, N_TEXTS * dim * sizeof(float)) == 0, "thread %d ids", k);
        free(jobs[k].out);
        free(jobs[k].out_ids);
    }
    CHECK(live_scratch == 0);
    printf("test_threads: %ld tokenizer scratch areas made and freed\n", made_scratch);
    m2v_free(m);
    free(texts);
    free(lens);
    free(offs);
    free(ids);
    free(ref);
    free(out);
    t_golden_free(&g);
    return t_done("test_threads");
}
