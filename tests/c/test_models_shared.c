/*
** test_models_shared.c -- the real models in the shared data folder
** (M2V_SHARED_DIR, else <repo>/../shared): load every one, check what
** model2vec reports for them (versions.json), and compare m2v_encode_ids
** on the reference token ids with model2vec's reference embeddings
** (reference.npz, and the reference_extra.npz items that hit neither the
** character cut nor the token cut).
** ctest label "shared". Without the data it fails when CI or
** M2V_REQUIRE_SHARED is set, and otherwise skips loudly (exit 77).
*/
#include "m2v_test.h"

#include <sys/stat.h>

/* ---- a reader for numpy .npz files stored without compression --------- */

typedef struct npy {
    char descr[16];
    size_t n;            /* product of shape */
    size_t width;        /* <U: characters per string */
    const unsigned char *data;
} npy;

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Finds member name (e.g. "embeddings.npy") of a stored zip. */
static int npz_get(const unsigned char *z, size_t len, const char *name, npy *out)
{
    size_t pos = 0, nl = strlen(name);
    while (pos + 30 <= len && le32(z + pos) == 0x04034b50) {
        unsigned method = z[pos + 8] | z[pos + 9] << 8;
        size_t csize = le32(z + pos + 18), fnl = z[pos + 26] | z[pos + 27] << 8;
        size_t xl = z[pos + 28] | z[pos + 29] << 8;
        const unsigned char *fn = z + pos + 30, *data = fn + fnl + xl;
        if (csize == 0xffffffffu) { /* zip64: size in the extra field */
            const unsigned char *x = fn + fnl;
            for (size_t k = 0; k + 4 <= xl;) {
                unsigned id = x[k] | x[k + 1] << 8, sz = x[k + 2] | x[k + 3] << 8;
                if (id == 1) {
                    uint64_t c64 = (uint64_t)le32(x + k + 12) | (uint64_t)le32(x + k + 16) << 32;
                    if (c64 > SIZE_MAX) return -1; /* cannot be mapped on a 32-bit target */
                    csize = (size_t)c64;
                    break;
                }
                k += 4 + sz;
            }
        }
        if (method != 0) return -1;
        if (fnl == nl && memcmp(fn, name, nl) == 0) {
            /* .npy: magic, version, header length, dict text */
            if (memcmp(data, "\x93NUMPY", 6) != 0) return -1;
            size_t hl = data[6] == 1 ? (size_t)(data[8] | data[9] << 8) : le32(data + 8);
            size_t ho = data[6] == 1 ? 10 : 12;
            char hdr[512];
            snprintf(hdr, sizeof hdr, "%.*s", (int)(hl < 511 ? hl : 511), (const char *)data + ho);
            const char *d = strstr(hdr, "'descr': '");
            const char *s = strstr(hdr, "'shape': (");
            if (!d || !s) return -1;
            sscanf(d + 10, "%15[^']", out->descr);
            out->n = 1;
            for (const char *p = s + 10; *p && *p != ')';) {
                char *end;
                unsigned long long v = strtoull(p, &end, 10);
                if (end == p) break;
                out->n *= (size_t)v;
                p = end;
                while (*p == ',' || *p == ' ') p++;
            }
            out->width = out->descr[1] == 'U' ? (size_t)atoi(out->descr + 2) : 0;
            out->data = data + ho + hl;
            return 0;
        }
        pos = (size_t)(data - z) + csize;
    }
    return -1;
}

static const char *shared_dir(char *buf, size_t cap)
{
    const char *env = getenv("M2V_SHARED_DIR");
    if (env && *env) snprintf(buf, cap, "%s", env);
    else snprintf(buf, cap, "%s/../shared", M2V_SOURCE_DIR);
    return buf;
}

/* Code points of string i of a <U array (UTF-32, NUL padded). */
static size_t ustr_len(const npy *s, size_t i)
{
    size_t n = 0;
    for (size_t k = 0; k < s->width; k++)
        if (le32(s->data + (i * s->width + k) * 4)) n = k + 1;
    return n;
}

static size_t exact;

static void compare_npz(const m2v_model *m, const char *path, bool all, double tol,
                        size_t *compared)
{
    char *z;
    size_t zl;
    m2v_error err;
    if (m2v_read_file(path, (size_t)1 << 30, &z, &zl, &err)) {
        CHECK_MSG(0, "%s", err.message);
        return;
    }
    npy emb, ids, offs, sent;
    const unsigned char *zu = (const unsigned char *)z;
    if (npz_get(zu, zl, "embeddings.npy", &emb) || npz_get(zu, zl, "token_ids.npy", &ids) ||
        npz_get(zu, zl, "token_offsets.npy", &offs) || npz_get(zu, zl, "sentences.npy", &sent)) {
        CHECK_MSG(0, "%s: cannot read", path);
        free(z);
        return;
    }
    CHECK(strcmp(emb.descr, "<f4") == 0 && strcmp(ids.descr, "<i4") == 0 &&
          strcmp(offs.descr, "<i8") == 0);
    size_t n = offs.n - 1, dim = m2v_dim(m);
    CHECK(emb.n == n * dim && sent.n == n);
    int32_t *idv = malloc((ids.n ? ids.n : 1) * sizeof *idv);
    memcpy(idv, ids.data, ids.n * 4);
    size_t *ov = malloc(offs.n * sizeof *ov);
    for (size_t i = 0; i < offs.n; i++) {
        int64_t v;
        memcpy(&v, offs.data + 8 * i, 8);
        ov[i] = (size_t)v;
    }
    float *out = malloc(n * dim * sizeof *out), *want = malloc(n * dim * sizeof *want);
    memcpy(want, emb.data, n * dim * sizeof *want);
    CHECK_RC(m2v_encode_ids(m, idv, ov, n, NULL, out, n * dim, &err), M2V_OK, &err);
    int64_t ml = m2v_max_length(m);
    size_t cut = (size_t)ml * m2v_median_token_length(m);
    for (size_t i = 0; i < n; i++) {
        /* tokenize() ids equal encode()'s only without the character cut and
        ** the token cut */
        if (!all && (ov[i + 1] - ov[i] >= (size_t)ml || ustr_len(&sent, i) > cut)) continue;
        double d = t_compare(out + i * dim, want + i * dim, dim, tol);
        CHECK_MSG(d <= tol, "%s: item %zu: diff %g", path, i, d);
        (*compared)++;
        if (memcmp(out + i * dim, want + i * dim, dim * sizeof *out) == 0) exact++;
    }
    free(idv);
    free(ov);
    free(out);
    free(want);
    free(z);
}

int main(void)
{
    char dir[600], path[800];
    shared_dir(dir, sizeof dir);
    struct stat st;
    snprintf(path, sizeof path, "%s/models", dir);
    if (stat(path, &st) != 0) {
        const char *ci = getenv("CI"), *req = getenv("M2V_REQUIRE_SHARED");
        if ((ci && *ci && strcmp(ci, "0") && strcmp(ci, "false")) || (req && *req)) {
            fprintf(stderr, "test_models_shared: FAIL: shared data not found at %s "
                            "(set M2V_SHARED_DIR)\n", path);
            return 1;
        }
        fprintf(stderr, "test_models_shared: SKIPPED: shared data not found at %s "
                        "(set M2V_SHARED_DIR; CI=true makes this a failure)\n", path);
        return 77;
    }
    static const struct { const char *name; int dtype; bool vq; double tol; } models[] = {
        {"m2v-base-f32", M2V_DTYPE_F32, false, 1e-5},
        {"m2v-base-f16", M2V_DTYPE_F16, false, 1e-3},
        {"m2v-base-i8", M2V_DTYPE_I8, false, 1e-5},
        {"m2v-base-vq", M2V_DTYPE_F32, true, 1e-5},
    };
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.flags = M2V_LOAD_NO_TOKENIZER;
    m2v_error err;
    for (size_t k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/models/%s", dir, models[k].name);
        m2v_model *m = NULL;
        CHECK_RC(m2v_load(path, &lo, &m, &err), M2V_OK, &err);
        if (!m) continue;
        /* as versions.json records */
        CHECK(m2v_dim(m) == 256 && m2v_vocab_size(m) == 29525);
        CHECK(m2v_median_token_length(m) == 6 && m2v_unk_token_id(m) == 1);
        CHECK(m2v_normalize(m) == 1 && m2v_max_length(m) == 512);
        m2v_tensor tv;
        CHECK(m2v_tensor_view(m, M2V_TENSOR_EMBEDDINGS, &tv) == M2V_OK);
        CHECK(tv.dtype == models[k].dtype && tv.rows == (models[k].vq ? 2048u : 29525u));
        CHECK((m2v_tensor_view(m, M2V_TENSOR_MAPPING, &tv) == M2V_OK) == models[k].vq);
        const char *tok;
        size_t tl;
        CHECK(m2v_token(m, 1012, &tok, &tl) == M2V_OK && tl == 2 && memcmp(tok, "it", 2) == 0);
        size_t compared = 0;
        snprintf(path, sizeof path, "%s/reference/%s/reference.npz", dir, models[k].name);
        compare_npz(m, path, true, models[k].tol, &compared);
        snprintf(path, sizeof path, "%s/reference/%s/reference_extra.npz", dir, models[k].name);
        compare_npz(m, path, false, models[k].tol, &compared);
        printf("%s: %zu reference rows match (%zu bit-identical)\n", models[k].name, compared,
               exact);
        exact = 0;
        CHECK(compared >= 202 + 5);
        m2v_free(m);
    }
    /* MinishLab's tiny test models, in two layouts */
    static const char *potion[] = {"test-model-float32", "test-model-float16",
                                   "test-model-sentence-transformers"};
    for (size_t k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/models/potion-test/%s", dir, potion[k]);
        m2v_model *m = NULL;
        CHECK_RC(m2v_load(path, &lo, &m, &err), M2V_OK, &err);
        if (!m) continue;
        CHECK(m2v_dim(m) == 2 && m2v_vocab_size(m) == 29528);
        m2v_free(m);
    }
    return t_done("test_models_shared");
}
