/*
** test_concurrency.c -- the thread-safety promise of m2v.h under load:
** 8 threads encode (texts, ids, sequences, tokenize; 1 and 2 worker
** threads per call) on one shared model with the native tokenizer, while 4
** other threads load and free their own models (folders, files, buffers,
** every table dtype, and malformed models that must fail). Every result
** must equal, bit for bit, the single-threaded reference. Run as a normal
** ctest and, by scripts/test-hardening.sh, under ThreadSanitizer with
** M2V_STRESS_ROUNDS raised.
*/
#include "m2v_test.h"

#include <pthread.h>

#define N_ENCODERS 8
#define N_LOADERS 4

static const char *const texts[] = {
    "Hello, World! It's dangerous to go alone.",
    "unbelievable caf\xc3\xa9 na\xc3\xafve \xef\xac\x81 \xe2\x84\xab",
    "[CLS] hello [MASK] world [SEP] \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80",
    "",
    "the quick brown fox jumps over the lazy dog 0123456789 !?",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaa b",
};
#define NT (sizeof texts / sizeof texts[0])

static const char *const loader_models[] = {
    "f32", "f16_norm", "bf16_norm_ml8", "f64", "i8_ml8", "vq_f16_i32", "w16_f32",
    "st_layout", "st_nested_norm_ml8",
};
#define NLM (sizeof loader_models / sizeof loader_models[0])

static const m2v_model *shared;
static size_t dim;
static float *ref_rows;     /* NT x dim, m2v_encode */
static float *ref_seq;      /* sequence rows of texts[2] */
static size_t ref_seq_n;
static int32_t ref_ids[256];
static size_t ref_ids_n;
static long rounds;


typedef struct result {
    long calls, failures;
    size_t index;
} result;

static void *encoder(void *arg)
{
    result *r = arg;
    float *out = malloc(NT * dim * sizeof *out);
    float *seq = malloc(64 * dim * sizeof *seq);
    int32_t ids[256];
    m2v_error e;
    for (long i = 0; i < rounds; i++) {
        m2v_encode_options o;
        m2v_encode_options_init(&o);
        o.num_threads = (int)(i % 2) + 1;
        int rc = m2v_encode(shared, texts, NULL, NT, &o, out, NT * dim, &e);
        r->calls++;
        if (rc != M2V_OK || memcmp(out, ref_rows, NT * dim * sizeof *out) != 0) r->failures++;
        size_t n = 0;
        rc = m2v_encode_sequence(shared, texts[2], M2V_NUL_TERMINATED, NULL, seq, 64 * dim, &n,
                                 &e);
        r->calls++;
        if (rc != M2V_OK || n != ref_seq_n || memcmp(seq, ref_seq, n * dim * sizeof *seq) != 0)
            r->failures++;
        rc = m2v_tokenize(shared, texts[1], M2V_NUL_TERMINATED, NULL, ids, 256, &n, &e);
        r->calls++;
        if (rc != M2V_OK || n != ref_ids_n || memcmp(ids, ref_ids, n * sizeof *ids) != 0)
            r->failures++;
        size_t offs[2] = {0, ref_ids_n};
        rc = m2v_encode_ids(shared, ref_ids, offs, 1, NULL, out, dim, &e);
        r->calls++;
        if (rc != M2V_OK) r->failures++;
        if (m2v_dim(shared) != dim || m2v_vocab_size(shared) != 286) r->failures++;
    }
    free(out);
    free(seq);
    return NULL;
}

static void *loader(void *arg)
{
    result *r = arg;
    size_t who = r->index % NLM;
    char dir[4096];
    m2v_error e;
    float row[64];
    for (long i = 0; i < rounds; i++) {
        const char *name = loader_models[(who + (size_t)i) % NLM];
        snprintf(dir, sizeof dir, "%s/models/%s", t_fixtures(), name);
        m2v_model *m = NULL;
        int rc = m2v_load(dir, NULL, &m, &e);
        r->calls++;
        if (rc != M2V_OK) {
            r->failures++;
            continue;
        }
        rc = m2v_encode(m, texts, NULL, 1, NULL, row, m2v_dim(m), &e);
        if (rc != M2V_OK) r->failures++;
        m2v_free(m);
        /* a model that must fail: tokenizer.json given as safetensors */
        m2v_model_files f;
        memset(&f, 0, sizeof f);
        f.struct_size = sizeof f;
        char tok[4200];
        snprintf(tok, sizeof tok, "%s/models/f32/tokenizer.json", t_fixtures());
        f.safetensors_path = tok;
        f.tokenizer_path = tok;
        m = (m2v_model *)&f;
        rc = m2v_load_files(&f, NULL, &m, &e);
        r->calls++;
        if (rc != M2V_FORMAT || m != NULL) r->failures++;
    }
    return NULL;
}

int main(void)
{
    const char *env = getenv("M2V_STRESS_ROUNDS");
    rounds = env ? atol(env) : 200;
    char dir[4096];
    m2v_error e;
    snprintf(dir, sizeof dir, "%s/models/f32", t_fixtures());
    m2v_model *m = NULL;
    CHECK_RC(m2v_load(dir, NULL, &m, &e), M2V_OK, &e);
    if (!m) return t_done("test_concurrency");
    shared = m;
    dim = m2v_dim(m);
    ref_rows = malloc(NT * dim * sizeof *ref_rows);
    ref_seq = malloc(64 * dim * sizeof *ref_seq);
    CHECK_RC(m2v_encode(m, texts, NULL, NT, NULL, ref_rows, NT * dim, &e), M2V_OK, &e);
    CHECK_RC(m2v_encode_sequence(m, texts[2], M2V_NUL_TERMINATED, NULL, ref_seq, 64 * dim,
                                 &ref_seq_n, &e), M2V_OK, &e);
    CHECK_RC(m2v_tokenize(m, texts[1], M2V_NUL_TERMINATED, NULL, ref_ids, 256, &ref_ids_n, &e),
             M2V_OK, &e);

    pthread_t th[N_ENCODERS + N_LOADERS];
    result res[N_ENCODERS + N_LOADERS];
    memset(res, 0, sizeof res);
    for (int k = 0; k < N_ENCODERS + N_LOADERS; k++) res[k].index = (size_t)k;
    double t0 = t_now();
    for (int k = 0; k < N_ENCODERS + N_LOADERS; k++)
        CHECK(pthread_create(&th[k], NULL, k < N_ENCODERS ? encoder : loader, &res[k]) == 0);
    long calls = 0, failures = 0;
    for (int k = 0; k < N_ENCODERS + N_LOADERS; k++) {
        pthread_join(th[k], NULL);
        calls += res[k].calls;
        failures += res[k].failures;
        CHECK_MSG(res[k].failures == 0, "thread %d: %ld of %ld calls wrong", k,
                  res[k].failures, res[k].calls);
    }
    printf("%d encoding threads on one model + %d loading/freeing threads, %ld rounds: "
           "%ld calls, %ld wrong, %.2f s\n", N_ENCODERS, N_LOADERS, rounds, calls, failures,
           t_now() - t0);
    m2v_free(m);
    free(ref_rows);
    free(ref_seq);
    return t_done("test_concurrency");
}
