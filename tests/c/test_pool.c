/*
** test_pool.c -- the pooling kernels: float16/bfloat16 conversions over all
** 65536 values, means of every dtype against a float64 reference, weights
** and mapping, unaligned tables, normalisation, and a rough speed figure.
*/
#include "m2v_test.h"

static double half_ref(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double s = (h & 0x8000) ? -1.0 : 1.0;
    if (e == 0) return s * ldexp(m, -24);
    if (e == 31) return m ? NAN : s * INFINITY;
    return s * ldexp(1024 + m, e - 25);
}

static void conversions(void)
{
    size_t bad = 0, bad_round = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        double want = half_ref((uint16_t)h);
        float got = m2v_f16_to_f32((uint16_t)h);
        if (isnan(want) ? !isnan(got) : ((double)got != want || !signbit(got) != !signbit(want))) bad++;
        if (!isnan(want) && m2v_round_f16(want) != (float)want) bad_round++;
    }
    CHECK(bad == 0);
    CHECK(bad_round == 0);
    /* rounding: ties to even, overflow, underflow */
    CHECK(m2v_round_f16(1.0 + ldexp(1, -11)) == 1.0f);                  /* tie -> even */
    CHECK(m2v_round_f16(1.0 + 3 * ldexp(1, -11)) == (float)(1.0 + ldexp(1, -9))); /* tie -> even up */
    CHECK(m2v_round_f16(1.0 + ldexp(1, -11) + ldexp(1, -30)) == (float)(1.0 + ldexp(1, -10)));
    CHECK(m2v_round_f16(65504.0) == 65504.0f);
    CHECK(m2v_round_f16(65519.99) == 65504.0f);
    CHECK(isinf(m2v_round_f16(65520.0)) && m2v_round_f16(-1e9) < 0);
    CHECK(m2v_round_f16(ldexp(1, -25)) == 0.0f);                        /* tie -> 0 */
    CHECK(m2v_round_f16(ldexp(1.5, -25)) == (float)ldexp(1, -24));
    CHECK(m2v_round_f16(-ldexp(3, -25)) == (float)-ldexp(1, -23));      /* tie -> even */
    CHECK(isnan(m2v_round_f16(NAN)));
    /* the float32 fast path of m2v_round_f16 against a float64 reference:
    ** every midpoint between neighbouring halves, and random floats */
    size_t bad_mid = 0, bad_rand = 0;
    for (uint32_t h = 0; h < 0x7bff; h++) { /* 0x7bff: the next one is Inf */
        double lo = half_ref((uint16_t)h), hi = half_ref((uint16_t)(h + 1));
        double mid = (lo + hi) / 2; /* exact in float32 */
        float want = (h & 1) ? (float)hi : (float)lo; /* ties to even */
        if (m2v_round_f16((float)mid) != want || m2v_round_f16(-(float)mid) != -want) bad_mid++;
        if (m2v_round_f16(nextafterf((float)mid, 0.0f)) != (float)lo) bad_mid++;
        if (m2v_round_f16(nextafterf((float)mid, 1e9f)) != (float)hi) bad_mid++;
    }
    for (int k = 0; k < 2000000; k++) {
        uint32_t bits = (uint32_t)rand() << 16 ^ (uint32_t)rand();
        float f;
        memcpy(&f, &bits, 4);
        if (isnan(f)) continue;
        double a = fabs((double)f), r;
        if (a >= 65520.0) r = INFINITY;
        else if (a < 6.103515625e-05) r = rint(a * 16777216.0) / 16777216.0;
        else {
            int e;
            frexp(a, &e);
            double q = ldexp(1.0, e - 11);
            r = rint(a / q) * q;
        }
        if (f < 0) r = -r;
        float got = m2v_round_f16(f);
        if (got != (float)r || (!signbit(got)) != (!signbit(f))) bad_rand++;
    }
    CHECK(bad_mid == 0);
    CHECK(bad_rand == 0);
    CHECK(m2v_round_f16(0.1) == (float)half_ref(0x2e66)); /* a double, not a float */
    CHECK(m2v_bf16_to_f32(0x3f80) == 1.0f && m2v_bf16_to_f32(0xc040) == -3.0f);
    CHECK(m2v_bf16_to_f32(0x0001) == (float)ldexp(1, -133));
}

/* ---- synthetic models -------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ULL;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static double rndf(void) { return (double)rnd() / 2097152.0 / 1024.0 * 2.0 - 1.0; }

typedef struct synth {
    unsigned char *buf; /* safetensors, at buf + pad */
    size_t len, pad;
    char *tok;
    m2v_model *m;
    double *ref_emb;    /* rows x dim, exact values */
    double *ref_w;      /* vocab */
    int64_t *ref_map;   /* vocab */
} synth;

/* Bits of a float16-representable value in (-1, 1). */
static uint16_t f16_bits(float r)
{
    uint16_t s = signbit(r) ? 0x8000 : 0;
    double a = fabs(r);
    if (a == 0) return s;
    if (a < ldexp(1, -14)) return (uint16_t)(s | (uint16_t)lrint(a * 16777216.0));
    int e;
    double m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    return (uint16_t)(s | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)lrint((m * 2 - 1) * 1024));
}

static void put_val(unsigned char *p, int dt, double v, double *exact)
{
    switch (dt) {
    case M2V_DTYPE_F32: { float f = (float)v; memcpy(p, &f, 4); *exact = f; break; }
    case M2V_DTYPE_F64: memcpy(p, &v, 8); *exact = v; break;
    case M2V_DTYPE_F16: {
        float r = m2v_round_f16(v);
        uint16_t h = f16_bits(r);
        CHECK(m2v_f16_to_f32(h) == r);
        memcpy(p, &h, 2);
        *exact = r;
        break;
    }
    case M2V_DTYPE_BF16: {
        float f = (float)v;
        uint32_t b;
        memcpy(&b, &f, 4);
        uint16_t h = (uint16_t)(b >> 16); /* truncation is fine for a test table */
        memcpy(p, &h, 2);
        *exact = m2v_bf16_to_f32(h);
        break;
    }
    case M2V_DTYPE_I8: { signed char c = (signed char)(int)lrint(v * 127); memcpy(p, &c, 1); *exact = c; break; }
    }
}

static const char *st_name(int dt)
{
    switch (dt) {
    case M2V_DTYPE_F32: return "F32";
    case M2V_DTYPE_F16: return "F16";
    case M2V_DTYPE_BF16: return "BF16";
    case M2V_DTYPE_F64: return "F64";
    case M2V_DTYPE_I8: return "I8";
    case M2V_DTYPE_I32: return "I32";
    default: return "I64";
    }
}

/* Builds a model of vocab tokens; rows == vocab unless mapped. */
static int synth_make(synth *s, int edt, size_t vocab, size_t rows, size_t dim, int wdt,
                      int mdt, size_t pad, bool fill_f16_fast)
{
    memset(s, 0, sizeof *s);
    if (!mdt) rows = vocab;
    size_t esz = m2v_dtype_size(edt), eb = rows * dim * esz;
    size_t wb = wdt ? vocab * m2v_dtype_size(wdt) : 0, mb = mdt ? vocab * m2v_dtype_size(mdt) : 0;
    char header[512];
    int hl = snprintf(header, sizeof header,
                      "{\"embeddings\":{\"dtype\":\"%s\",\"shape\":[%zu,%zu],\"data_offsets\":[0,%zu]}",
                      st_name(edt), rows, dim, eb);
    if (wdt)
        hl += snprintf(header + hl, sizeof header - (size_t)hl,
                       ",\"weights\":{\"dtype\":\"%s\",\"shape\":[%zu],\"data_offsets\":[%zu,%zu]}",
                       st_name(wdt), vocab, eb, eb + wb);
    if (mdt)
        hl += snprintf(header + hl, sizeof header - (size_t)hl,
                       ",\"mapping\":{\"dtype\":\"%s\",\"shape\":[%zu],\"data_offsets\":[%zu,%zu]}",
                       st_name(mdt), vocab, eb + wb, eb + wb + mb);
    hl += snprintf(header + hl, sizeof header - (size_t)hl, "}");
    s->pad = pad;
    s->len = 8 + (size_t)hl + eb + wb + mb;
    s->buf = malloc(pad + s->len);
    unsigned char *p = s->buf + pad;
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(p + 8, header, (size_t)hl);
    unsigned char *d = p + 8 + hl;
    s->ref_emb = malloc(rows * dim * sizeof(double));
    for (size_t i = 0; i < rows * dim; i++) {
        if (edt == M2V_DTYPE_F16 && fill_f16_fast) { /* random bit patterns, finite */
            uint16_t h = (uint16_t)(rnd() & 0x3bff);
            if (rnd() & 1) h |= 0x8000;
            memcpy(d + 2 * i, &h, 2);
            s->ref_emb[i] = m2v_f16_to_f32(h);
        } else {
            put_val(d + esz * i, edt, rndf(), &s->ref_emb[i]);
        }
    }
    if (wdt) {
        s->ref_w = malloc(vocab * sizeof(double));
        for (size_t i = 0; i < vocab; i++)
            put_val(d + eb + m2v_dtype_size(wdt) * i, wdt, 0.1 + fabs(rndf()) * 0.8, &s->ref_w[i]);
    }
    if (mdt) {
        s->ref_map = malloc(vocab * sizeof(int64_t));
        for (size_t i = 0; i < vocab; i++) {
            int64_t v = rnd() % rows;
            s->ref_map[i] = v;
            if (mdt == M2V_DTYPE_I32) {
                int32_t x = (int32_t)v;
                memcpy(d + eb + wb + 4 * i, &x, 4);
            } else {
                memcpy(d + eb + wb + 8 * i, &v, 8);
            }
        }
    }
    size_t cap = 64 + vocab * 24;
    s->tok = malloc(cap);
    size_t tl = (size_t)sprintf(s->tok, "{\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"t1\",\"vocab\":{");
    for (size_t i = 0; i < vocab; i++)
        tl += (size_t)sprintf(s->tok + tl, "%s\"t%zu\":%zu", i ? "," : "", i, i);
    tl += (size_t)sprintf(s->tok + tl, "}}}");
    m2v_model_buffers b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    b.safetensors = p;
    b.safetensors_size = s->len;
    b.tokenizer_json = s->tok;
    b.tokenizer_json_size = tl;
    m2v_load_options o;
    m2v_load_options_init(&o);
    o.flags = M2V_LOAD_NO_TOKENIZER;
    o.max_length = M2V_NONE;
    m2v_error err;
    int rc = m2v_load_buffers(&b, &o, &s->m, &err);
    CHECK_RC(rc, M2V_OK, &err);
    return rc;
}

static void synth_free(synth *s)
{
    m2v_free(s->m);
    free(s->buf);
    free(s->tok);
    free(s->ref_emb);
    free(s->ref_w);
    free(s->ref_map);
}

/* Mean of the ids' rows in float64 (skipping unk id 1). */
static void ref_mean(const synth *s, size_t dim, const int32_t *ids, size_t n, int normalize,
                     double *out)
{
    size_t used = 0;
    memset(out, 0, dim * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == 1) continue;
        int64_t r = s->ref_map ? s->ref_map[ids[i]] : ids[i];
        double w = s->ref_w ? s->ref_w[ids[i]] : 1.0;
        for (size_t j = 0; j < dim; j++) out[j] += s->ref_emb[r * dim + j] * w;
        used++;
    }
    if (!used) return;
    double nn = 0;
    for (size_t j = 0; j < dim; j++) {
        out[j] /= (double)used;
        nn += out[j] * out[j];
    }
    if (normalize)
        for (size_t j = 0; j < dim; j++) out[j] /= sqrt(nn) + 1e-32;
}

static void numerics(void)
{
    static const int edts[] = {M2V_DTYPE_F32, M2V_DTYPE_F16, M2V_DTYPE_BF16, M2V_DTYPE_F64,
                               M2V_DTYPE_I8};
    static const int wdts[] = {0, M2V_DTYPE_F32, M2V_DTYPE_F16, M2V_DTYPE_F64, M2V_DTYPE_BF16};
    const size_t vocab = 50, dim = 37;
    int32_t ids[40];
    size_t offs[5] = {0, 0, 1, 12, 40}; /* empty, one, short, long */
    for (int k = 0; k < 40; k++) ids[k] = (int32_t)(rnd() % vocab);
    ids[3] = 1; /* an unk to drop */
    for (size_t e = 0; e < 5; e++)
        for (size_t w = 0; w < 5; w++)
            for (int mdt = 0; mdt <= M2V_DTYPE_I64; mdt += mdt ? 1 : M2V_DTYPE_I32) {
                synth s, u;
                if (synth_make(&s, edts[e], vocab, 7, dim, wdts[w], mdt, 0, false)) continue;
                rng_state = 12345; /* the same table again, unaligned */
                synth_make(&u, edts[e], vocab, 7, dim, wdts[w], mdt, 3, false);
                for (int norm = 0; norm <= 1; norm++) {
                    float out[4 * 37], out_u[4 * 37];
                    m2v_encode_options o;
                    m2v_encode_options_init(&o);
                    o.normalize = norm;
                    m2v_error err;
                    CHECK_RC(m2v_encode_ids(s.m, ids, offs, 4, &o, out, 4 * dim, &err), M2V_OK, &err);
                    if (u.m) {
                        /* unaligned copy of a different random table: only run it */
                        CHECK_RC(m2v_encode_ids(u.m, ids, offs, 4, &o, out_u, 4 * dim, &err),
                                 M2V_OK, &err);
                    }
                    double tol = edts[e] == M2V_DTYPE_F16 || wdts[w] == M2V_DTYPE_F16 ? 2e-3 : 1e-5;
                    if (edts[e] == M2V_DTYPE_I8 && !norm) tol *= 127;
                    for (int q = 0; q < 4; q++) {
                        double ref[37];
                        ref_mean(&s, dim, ids + offs[q], offs[q + 1] - offs[q], norm, ref);
                        double maxd = 0;
                        for (size_t j = 0; j < dim; j++) {
                            double dd = fabs(ref[j] - out[q * dim + j]);
                            if (dd > maxd) maxd = dd;
                        }
                        CHECK_MSG(maxd <= tol, "edt %d wdt %d mdt %d norm %d seq %d: diff %g",
                                  edts[e], wdts[w], mdt, norm, q, maxd);
                    }
                    for (size_t j = 0; j < dim; j++) CHECK(out[j] == 0.0f); /* empty */
                }
                synth_free(&s);
                synth_free(&u);
            }
    /* alignment does not change results: same bytes at offsets 0..7 */
    float first[37];
    for (size_t pad = 0; pad < 8; pad++) {
        synth s;
        rng_state = 777;
        if (synth_make(&s, M2V_DTYPE_F32, vocab, 7, dim, M2V_DTYPE_F16, M2V_DTYPE_I64, pad, false))
            continue;
        float out[37];
        size_t of[2] = {0, 40};
        m2v_error err;
        CHECK_RC(m2v_encode_ids(s.m, ids, of, 1, NULL, out, dim, &err), M2V_OK, &err);
        if (pad == 0) memcpy(first, out, sizeof out);
        else CHECK(memcmp(first, out, sizeof out) == 0);
        m2v_tensor tv;
        CHECK(m2v_tensor_view(s.m, M2V_TENSOR_EMBEDDINGS, &tv) == M2V_OK);
        CHECK(tv.rows == 7 && tv.cols == dim && tv.dtype == M2V_DTYPE_F32);
        CHECK((const unsigned char *)tv.data > s.buf + pad && (const unsigned char *)tv.data < s.buf + pad + s.len);
        synth_free(&s);
    }
}

/* ---- exact sums ------------------------------------------------------- */

/* numpy's order for float32/float16/bfloat16 tables, written plainly: a
** running float32 sum over the rows, then the float64 quotient rounded to
** float32. Every row-summing path (plain, AVX, F16C; whole column blocks,
** eight-column blocks and the tail; full and partial row groups) must give
** these bits exactly. */
static void exact_sums(void)
{
    static const int edts[] = {M2V_DTYPE_F32, M2V_DTYPE_F16, M2V_DTYPE_BF16};
    static const size_t dims[] = {1, 3, 8, 13, 64, 77, 130, 300};
    static const size_t lens[] = {0, 1, 7, 8, 9, 17, 40};
    const size_t vocab = 60, n_seqs = sizeof lens / sizeof lens[0];
    int32_t ids[128];
    size_t offs[8] = {0};
    for (size_t q = 0; q < n_seqs; q++) offs[q + 1] = offs[q] + lens[q];
    for (size_t k = 0; k < offs[n_seqs]; k++) ids[k] = (int32_t)(rnd() % vocab);
    ids[2] = 1; /* an unk to drop inside a group */
    for (size_t e = 0; e < 3; e++)
        for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
            const size_t dim = dims[d];
            synth s;
            if (synth_make(&s, edts[e], vocab, vocab, dim, 0, 0, 0, false)) continue;
            float *out = malloc(n_seqs * dim * sizeof *out), *acc = malloc(dim * sizeof *acc);
            m2v_encode_options o;
            m2v_encode_options_init(&o);
            o.normalize = 0;
            m2v_error err;
            CHECK_RC(m2v_encode_ids(s.m, ids, offs, n_seqs, &o, out, n_seqs * dim, &err),
                     M2V_OK, &err);
            size_t bad = 0;
            for (size_t q = 0; q < n_seqs; q++) {
                size_t used = 0;
                for (size_t j = 0; j < dim; j++) acc[j] = 0.0f;
                for (size_t k = offs[q]; k < offs[q + 1]; k++) {
                    if (ids[k] == 1) continue;
                    for (size_t j = 0; j < dim; j++) acc[j] += (float)s.ref_emb[ids[k] * dim + j];
                    used++;
                }
                for (size_t j = 0; j < dim; j++) {
                    float want = used ? (float)((double)acc[j] / (double)used) : 0.0f;
                    if (edts[e] == M2V_DTYPE_F16) want = m2v_round_f16(want); /* float16 mean */
                    if (memcmp(&want, &out[q * dim + j], sizeof want) != 0) bad++;
                }
            }
            CHECK_MSG(bad == 0, "dtype %d dim %zu: %zu values differ from the running sum",
                      edts[e], dim, bad);
            free(out);
            free(acc);
            synth_free(&s);
        }
}

/* pool.c divides a float32 sum by a count up to 2^24 in float32: the same
** value as numpy's float64 quotient rounded to float32, since a float32
** quotient computed in float64 rounds once more innocuously (53 >= 2*24+2). */
static void float_quotients(void)
{
    size_t bad = 0;
    for (int k = 0; k < 2000000; k++) {
        uint32_t bits = rnd() << 11 ^ rnd();
        float a;
        memcpy(&a, &bits, 4);
        if (!isfinite(a)) continue;
        uint32_t c = k % 4 == 0 ? (uint32_t)(k / 4 % 64 + 1) : rnd() % (1u << 24) + 1;
        if (k % 1000 == 1) c = 1u << 24;
        volatile float cf = (float)c;
        float got = a / cf;
        float want = (float)((double)a / (double)c);
        if (memcmp(&got, &want, 4) != 0) bad++;
    }
    CHECK_MSG(bad == 0, "%zu float32 quotients differ from numpy's", bad);
}

/* ---- speed ------------------------------------------------------------- */

static void speed(void)
{
    static const struct { int edt, wdt, mdt; const char *name; } kinds[] = {
        {M2V_DTYPE_F32, 0, 0, "f32"},
        {M2V_DTYPE_F16, 0, 0, "f16"},
        {M2V_DTYPE_I8, 0, 0, "i8"},
        {M2V_DTYPE_F32, M2V_DTYPE_F32, M2V_DTYPE_I32, "vq f32+w+map"},
    };
    const size_t vocab = 30000, dim = 256, n_seqs = 4000, per = 50;
    int32_t *ids = malloc(n_seqs * per * sizeof *ids);
    size_t *offs = malloc((n_seqs + 1) * sizeof *offs);
    for (size_t i = 0; i < n_seqs * per; i++) ids[i] = (int32_t)(rnd() % vocab);
    for (size_t i = 0; i <= n_seqs; i++) offs[i] = i * per;
    float *out = malloc(n_seqs * dim * sizeof *out);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        synth s;
        if (synth_make(&s, kinds[k].edt, vocab, 2048, dim, kinds[k].wdt, kinds[k].mdt, 0, true))
            continue;
        for (int th = 1; th <= 2; th++) {
            m2v_encode_options o;
            m2v_encode_options_init(&o);
            o.num_threads = th;
            m2v_error err;
            m2v_encode_ids(s.m, ids, offs, n_seqs, &o, out, n_seqs * dim, &err); /* warm */
            double t0 = t_now();
            int reps = 3;
            for (int r = 0; r < reps; r++)
                CHECK_RC(m2v_encode_ids(s.m, ids, offs, n_seqs, &o, out, n_seqs * dim, &err),
                         M2V_OK, &err);
            double dt = (t_now() - t0) / reps;
            printf("pool speed %-13s dim %zu, %d thread(s): %.1f M ids/s\n", kinds[k].name, dim,
                   th, (double)(n_seqs * per) / dt / 1e6);
        }
        synth_free(&s);
    }
    free(ids);
    free(offs);
    free(out);
}

int main(int argc, char **argv)
{
    conversions();
    numerics();
    exact_sums();
    float_quotients();
    /* rough pooling speed: test_pool --speed */
    if (argc > 1 && strcmp(argv[1], "--speed") == 0) speed();
    return t_done("test_pool");
}
