/*
** alloc_fail.c -- allocation-failure injection over the load and encode
** paths. Not a ctest of the normal builds: scripts/test-hardening.sh links
** it with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (and ASan+UBSan),
** so that EVERY allocation the library makes, in the core and in the native
** tokenizer, goes through the counters below; nothing in the library has
** to be written against a wrapper for the test to see it.
**
** For N = 0, 1, 2, ... the N-th allocation after arming fails (NULL), until
** a call completes without reaching N. Each call must then:
**  - return M2V_NOMEM (the native tokenizer reports its own out-of-memory
**    through the callback protocol's M2V_NOMEM), with a message, or
**    succeed if it could do without;
**  - leave *out_model NULL on failure;
**  - leak nothing (LeakSanitizer is asked after every N);
**  - leave a loaded model fully usable (encode after each failure gives the
**    reference rows bit for bit).
** Paths covered: m2v_load (three layouts, every table dtype, weights and
** mapping), m2v_load_buffers, m2v_encode (1 and 2 threads, nine tokenizer
** variants: fused and general paths), m2v_encode_ids, m2v_encode_sequence,
** m2v_tokenize.
*/
#define _POSIX_C_SOURCE 200809L
#include "m2v_test.h"

#include <stdatomic.h>

#if defined(__SANITIZE_ADDRESS__)
#  define HAVE_LSAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define HAVE_LSAN 1
#  endif
#endif
#ifdef HAVE_LSAN
#  include <sanitizer/lsan_interface.h>
#endif

/* ---- the wrapped allocator ------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);

static atomic_long af_count;      /* allocations since arming */
static atomic_long af_fail_at = -1; /* index to fail, -1: never */
static atomic_long af_failed;     /* failures injected since arming */

static int af_hit(void)
{
    long at = atomic_load(&af_fail_at);
    if (at < 0) return 0;
    long k = atomic_fetch_add(&af_count, 1);
    if (k == at) {
        atomic_fetch_add(&af_failed, 1);
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return af_hit() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t a, size_t b) { return af_hit() ? NULL : __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { return af_hit() ? NULL : __real_realloc(p, n); }

static void arm(long n)
{
    atomic_store(&af_count, 0);
    atomic_store(&af_failed, 0);
    atomic_store(&af_fail_at, n);
}

/* Disarms; returns true if the armed failure happened. */
static int disarm(void)
{
    atomic_store(&af_fail_at, -1);
    return atomic_load(&af_failed) > 0;
}

static void leak_check(const char *what, long n)
{
#ifdef HAVE_LSAN
    if (__lsan_do_recoverable_leak_check()) {
        t_failures++;
        fprintf(stderr, "LEAK after %s with allocation %ld failing\n", what, n);
    }
#else
    (void)what;
    (void)n;
#endif
}

/* ---- the tokenizer variants of fuzz_encode (general and fused paths) -- */

#define FUZZ_ENTRY fuzz_encode_unused
#include "../../fuzz/fuzz_encode.c"

static const char *const texts[] = {
    "Hello, World! It's dangerous to go alone.",
    "unbelievable caf\xc3\xa9 na\xc3\xafve \xef\xac\x81 \xe2\x84\xab \xef\xbc\xa1",
    "[CLS] hello [MASK] world [SEP] \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80",
    "",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa tail",
};
#define NT (sizeof texts / sizeof texts[0])

static long total_points = 0;

/* ---- load ------------------------------------------------------------ */

typedef int (*load_fn)(const void *arg, m2v_model **m, m2v_error *e);

static int load_dir(const void *arg, m2v_model **m, m2v_error *e)
{
    return m2v_load((const char *)arg, NULL, m, e);
}

typedef struct bufs {
    char *st, *tok, *cfg;
    size_t st_n, tok_n, cfg_n;
} bufs;

static int load_bufs(const void *arg, m2v_model **m, m2v_error *e)
{
    const bufs *b = arg;
    m2v_model_buffers mb;
    memset(&mb, 0, sizeof mb);
    mb.struct_size = sizeof mb;
    mb.safetensors = b->st;
    mb.safetensors_size = b->st_n;
    mb.tokenizer_json = b->tok;
    mb.tokenizer_json_size = b->tok_n;
    mb.config_json = b->cfg;
    mb.config_json_size = b->cfg_n;
    return m2v_load_buffers(&mb, NULL, m, e);
}

static void sweep_load(const char *what, load_fn fn, const void *arg)
{
    long n;
    for (n = 0;; n++) {
        m2v_model *m = (m2v_model *)&n;
        m2v_error e;
        arm(n);
        int rc = fn(arg, &m, &e);
        int hit = disarm();
        if (rc != M2V_OK) {
            CHECK_MSG(rc == M2V_NOMEM, "%s, allocation %ld failing: rc %d: %s", what,
                      n, rc, e.message);
            CHECK_MSG(m == NULL, "%s: model set on failure", what);
            CHECK(e.code == rc && e.message[0]);
            CHECK_MSG(hit, "%s failed (%d) without an injected failure", what, rc);
        } else {
            CHECK(m != NULL);
            float *out = malloc(NT * m2v_dim(m) * sizeof *out);
            CHECK(out != NULL);
            CHECK_RC(m2v_encode(m, texts, NULL, NT, NULL, out, NT * m2v_dim(m), &e),
                     M2V_OK, &e);
            free(out);
            m2v_free(m);
        }
        leak_check(what, n);
        if (!hit) break; /* the call made fewer than n + 1 allocations */
    }
    total_points += n;
    printf("  %-44s %4ld allocation points, each failed once\n", what, n);
}

/* ---- encode ------------------------------------------------------------ */

typedef struct enc_case {
    const m2v_model *m;
    int kind; /* 0 encode, 1 encode 2 threads, 2 encode_ids, 3 sequence, 4 tokenize */
} enc_case;

/* Runs one call; writes its result into out (dim * NT floats or ids). */
static int run_call(const enc_case *c, float *out, size_t cap, int32_t *ids,
                    size_t *n_out, m2v_error *e)
{
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    static const int32_t some_ids[] = {5, 6, 1, 7, 40, 2, 3, 100, 285};
    static const size_t offs[] = {0, 3, 3, 9};
    switch (c->kind) {
    case 0:
        return m2v_encode(c->m, texts, NULL, NT, &o, out, cap, e);
    case 1:
        o.num_threads = 2;
        return m2v_encode(c->m, texts, NULL, NT, &o, out, cap, e);
    case 2:
        return m2v_encode_ids(c->m, some_ids, offs, 3, &o, out, cap, e);
    case 3:
        return m2v_encode_sequence(c->m, texts[2], M2V_NUL_TERMINATED, &o, out, cap,
                                   n_out, e);
    default:
        return m2v_tokenize(c->m, texts[1], M2V_NUL_TERMINATED, NULL, ids, 256, n_out,
                            e);
    }
}

static void sweep_encode(const char *what, const enc_case *c)
{
    size_t dim = m2v_dim(c->m), cap = 64 * dim, nref = 0, ngot = 0;
    float *ref = calloc(cap, sizeof *ref), *got = calloc(cap, sizeof *got);
    int32_t ref_ids[256] = {0}, got_ids[256] = {0};
    m2v_error e;
    CHECK(ref && got);
    CHECK_RC(run_call(c, ref, cap, ref_ids, &nref, &e), M2V_OK, &e);
    long n;
    for (n = 0;; n++) {
        arm(n);
        int rc = run_call(c, got, cap, got_ids, &ngot, &e);
        int hit = disarm();
        if (rc != M2V_OK) {
            CHECK_MSG(rc == M2V_NOMEM,
                      "%s, allocation %ld failing: rc %d: %s", what, n, rc, e.message);
            CHECK(e.code == rc && e.message[0]);
            CHECK_MSG(hit, "%s failed (%d) without an injected failure", what, rc);
        } else {
            CHECK_MSG(memcmp(ref, got, cap * sizeof *ref) == 0 && nref == ngot &&
                          memcmp(ref_ids, got_ids, sizeof ref_ids) == 0,
                      "%s: allocation %ld failing changed the result", what, n);
        }
        /* the model is still fully usable */
        memset(got, 0, cap * sizeof *got);
        memset(got_ids, 0, sizeof got_ids);
        CHECK_RC(run_call(c, got, cap, got_ids, &ngot, &e), M2V_OK, &e);
        CHECK(memcmp(ref, got, cap * sizeof *ref) == 0 && nref == ngot);
        leak_check(what, n);
        if (!hit) break;
    }
    total_points += n;
    printf("  %-44s %4ld allocation points, each failed once\n", what, n);
    free(ref);
    free(got);
}

int main(void)
{
    char dir[4096];
    printf("load paths:\n");
    static const char *const models[] = {
        "f32", "f16_norm", "bf16_norm_ml8", "f64", "i8_norm", "vq_f16_i32",
        "vq_i8_norm", "w16_f32", "map_only_f32_norm", "st_layout", "st_nested_norm_ml8",
    };
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        snprintf(dir, sizeof dir, "%s/models/%s", t_fixtures(), models[i]);
        char what[128];
        snprintf(what, sizeof what, "m2v_load(%s)", models[i]);
        sweep_load(what, load_dir, dir);
    }
    bufs b;
    memset(&b, 0, sizeof b);
    snprintf(dir, sizeof dir, "%s/models/vq_f32_norm_ml8/model.safetensors", t_fixtures());
    b.st = fuzz_read_file(dir, &b.st_n);
    snprintf(dir, sizeof dir, "%s/models/vq_f32_norm_ml8/tokenizer.json", t_fixtures());
    b.tok = fuzz_read_file(dir, &b.tok_n);
    snprintf(dir, sizeof dir, "%s/models/vq_f32_norm_ml8/config.json", t_fixtures());
    b.cfg = fuzz_read_file(dir, &b.cfg_n);
    CHECK(b.st && b.tok && b.cfg);
    sweep_load("m2v_load_buffers(vq_f32_norm_ml8)", load_bufs, &b);
    free(b.st);
    free(b.tok);
    free(b.cfg);

    printf("encode paths:\n");
    fe_init(); /* nine tokenizer variants on the f32 fixture */
    static const char *const kinds[] = {"m2v_encode", "m2v_encode 2 threads",
                                        "m2v_encode_ids", "m2v_encode_sequence",
                                        "m2v_tokenize"};
    for (size_t v = 0; v < FE_NVAR; v++) {
        for (int k = 0; k < 5; k++) {
            if (v > 0 && (k == 1 || k == 2)) continue; /* tokenizer-independent */
            enc_case c = {fe.models[v], k};
            char what[128];
            snprintf(what, sizeof what, "%s, tokenizer variant %zu", kinds[k], v);
            sweep_encode(what, &c);
        }
    }
    fe_cleanup();
    printf("%ld allocation points failed one at a time\n", total_points);
    return t_done("alloc_fail");
}
