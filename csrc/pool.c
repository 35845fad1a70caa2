/*
** pool.c -- mean pooling over the embedding table, read in its stored dtype.
**
** Every step copies what numpy does in model2vec 0.10.0, so results match
** bit for bit where numpy's own order of operations allows:
**  - rows are summed one after another (numpy reduces along the token axis
**    with a plain running sum, not pairwise), in float32 for float16/float32
**    tables (np.mean of float16 accumulates in float32), in float64 for
**    float64 tables, exactly in integers for int8 (np.mean of int8 sums in
**    float64, which is exact);
**  - the sum is divided by the count in float64 (true_divide by an intp
**    count) and stored in model2vec's output dtype: the table's dtype, or
**    float32 for int8;
**  - with weights, a row is emb[mapping[id]] * weights[id] in numpy's
**    promoted dtype (e.g. float16 * float32 -> float32), rounded per element;
**  - normalisation is x / (norm + 1e-32) in float32, the norm being numpy's
**    pairwise float32 sum of squares (np.linalg.norm along the last axis);
**  - a text without tokens gives a zero row.
** bfloat16 tables (numpy has no bfloat16) are pooled as their exact float32
** widening. All loads go through memcpy: buffers may be unaligned.
*/
#include "m2v_internal.h"

#include <math.h>
#include <string.h>

/* ---- scalar conversions ------------------------------------------------ */

/* float16 -> float32, exact and branch-free so loops vectorise: normal
** values shift into place with the exponent rebiased (15 -> 127), Inf/NaN
** get the maximum exponent, subnormals are em * 2^-24 computed exactly in
** float; masks pick the case. */
static inline float h2f(uint16_t h)
{
    uint32_t em = h & 0x7fffu;
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t normal = (em << 13) + 0x38000000u;
    normal += (uint32_t)-(int32_t)(em >= 0x7c00u) & 0x38000000u;
    float sub = (float)(int32_t)em * 5.9604644775390625e-8f;
    uint32_t subbits, bits, mask = (uint32_t)-(int32_t)(em < 0x0400u);
    memcpy(&subbits, &sub, 4);
    bits = ((subbits & mask) | (normal & ~mask)) | sign;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float m2v_f16_to_f32(uint16_t h) { return h2f(h); }


float m2v_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* float32 -> nearest float16 bits, ties to even: numpy's
** npy_floatbits_to_halfbits. */
static inline uint16_t f32_to_f16_bits(uint32_t f)
{
    uint32_t f_exp = f & 0x7f800000u, f_sig;
    uint16_t h_sgn = (uint16_t)((f & 0x80000000u) >> 16), h_exp, h_sig;
    if (f_exp >= 0x47800000u) { /* overflow to Inf, or Inf/NaN */
        if (f_exp == 0x7f800000u) {
            f_sig = f & 0x007fffffu;
            if (f_sig) {
                uint16_t ret = (uint16_t)(0x7c00u + (f_sig >> 13));
                if (ret == 0x7c00u) ret++; /* keep NaN a NaN */
                return (uint16_t)(h_sgn + ret);
            }
        }
        return (uint16_t)(h_sgn + 0x7c00u);
    }
    if (f_exp <= 0x38000000u) { /* subnormal half or zero */
        if (f_exp < 0x33000000u) return h_sgn;
        f_exp >>= 23;
        f_sig = 0x00800000u + (f & 0x007fffffu);
        f_sig >>= (113 - f_exp);
        /* round half to even; the shift may have dropped low bits */
        if ((f_sig & 0x00003fffu) != 0x00001000u || (f & 0x000007ffu)) f_sig += 0x00001000u;
        h_sig = (uint16_t)(f_sig >> 13);
        return (uint16_t)(h_sgn + h_sig);
    }
    h_exp = (uint16_t)((f_exp - 0x38000000u) >> 13);
    f_sig = f & 0x007fffffu;
    if ((f_sig & 0x00003fffu) != 0x00001000u) f_sig += 0x00001000u;
    h_sig = (uint16_t)(f_sig >> 13);
    /* a carry out of the significand bumps the exponent, up to Inf */
    return (uint16_t)(h_sgn + h_exp + h_sig);
}

/* Any double -> nearest float16 value (slow; for values that are not
** float32). */
static float round_f16_slow(double x)
{
    if (isnan(x)) return (float)x;
    double ax = fabs(x), r;
    if (ax >= 65520.0) {
        r = INFINITY; /* past the midpoint of 65504 and 65536 */
    } else if (ax < 6.103515625e-05) { /* subnormal range: quantum 2^-24 */
        r = rint(ax * 16777216.0) / 16777216.0;
    } else {
        int e;
        frexp(ax, &e); /* ax = m * 2^e, m in [0.5, 1) */
        double q = ldexp(1.0, e - 1 - 10);
        r = rint(ax / q) * q; /* ties to even, like numpy's casts */
    }
    return (float)(x < 0 ? -r : r);
}

static inline float round_f16f(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    return h2f(f32_to_f16_bits(bits));
}

float m2v_round_f16(double x)
{
    float f = (float)x;
    if ((double)f != x) return round_f16_slow(x); /* numpy casts doubles directly */
    return round_f16f(f);
}

static inline float ld_f32(const unsigned char *p)
{
    float f;
    memcpy(&f, p, 4);
    return f;
}

static inline double ld_f64(const unsigned char *p)
{
    double d;
    memcpy(&d, p, 8);
    return d;
}

static inline uint16_t ld_u16(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline int64_t ld_index(const unsigned char *base, int dt, size_t i)
{
    if (dt == M2V_DTYPE_I32) {
        int32_t v;
        memcpy(&v, base + 4 * i, 4);
        return v;
    }
    int64_t v;
    memcpy(&v, base + 8 * i, 8);
    return v;
}

/* Any float dtype as double (exact). */
static inline double ld_real(const unsigned char *p, int dt)
{
    switch (dt) {
    case M2V_DTYPE_F32: return ld_f32(p);
    case M2V_DTYPE_F16: return h2f(ld_u16(p));
    case M2V_DTYPE_BF16: return m2v_bf16_to_f32(ld_u16(p));
    case M2V_DTYPE_F64: return ld_f64(p);
    case M2V_DTYPE_I8: return (double)(int8_t)p[0];
    default: return 0.0;
    }
}

/* acc[0..dim) += row of float16. The widening is exact, so hardware
** conversion gives the same sums as h2f; adds stay one per element in
** row order. */
static void add_f16_row(float *acc, const unsigned char *row, size_t dim)
{
    for (size_t j = 0; j < dim; j++) acc[j] += h2f(ld_u16(row + 2 * j));
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define M2V_HAVE_F16C_PATH 1

/* CPUID leaf 1: ECX bit 27 OSXSAVE, 28 AVX, 29 F16C; and the OS must save
** the YMM registers (XCR0 bits 1 and 2). */
static bool cpu_has_f16c(void)
{
    unsigned a, b, c, d, lo, hi;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    if ((c & (7u << 27)) != (7u << 27)) return false;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 6u) == 6u;
}

__attribute__((target("avx,f16c"))) static void add_f16_row_f16c(float *acc,
                                                                 const unsigned char *row,
                                                                 size_t dim)
{
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
        __m128i h = _mm_loadu_si128((const __m128i *)(const void *)(row + 2 * j));
        __m256 a = _mm256_loadu_ps(acc + j);
        _mm256_storeu_ps(acc + j, _mm256_add_ps(a, _mm256_cvtph_ps(h)));
    }
    for (; j < dim; j++) acc[j] += h2f(ld_u16(row + 2 * j));
}
/* acc[0..dim) += row of float32, eight lanes at a time: still one add per
** element in row order, so the sums are those of the plain loop. */
__attribute__((target("avx"))) static void add_f32_row_avx(float *acc,
                                                          const unsigned char *row,
                                                          size_t dim)
{
    size_t j = 0;
    for (; j + 8 <= dim; j += 8) {
        __m256 r = _mm256_loadu_ps((const float *)(const void *)(row + 4 * j));
        _mm256_storeu_ps(acc + j, _mm256_add_ps(_mm256_loadu_ps(acc + j), r));
    }
    for (; j < dim; j++) acc[j] += ld_f32(row + 4 * j);
}

/* x[0..n) = nearest float16 values (ties to even), in hardware: the
** conversion is correctly rounded, as numpy's. */
__attribute__((target("avx,f16c"))) static void round_f16_f16c(float *x, size_t n)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + j), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(x + j, _mm256_cvtph_ps(h));
    }
    for (; j < n; j++) x[j] = round_f16f(x[j]);
}
#endif

static void round_f16_all(const m2v_pool *p, float *x, size_t n)
{
#ifdef M2V_HAVE_F16C_PATH
    if (p->f16_simd) {
        round_f16_f16c(x, n);
        return;
    }
#else
    (void)p;
#endif
    for (size_t j = 0; j < n; j++) x[j] = round_f16f(x[j]);
}

/* ---- set-up ------------------------------------------------------------ */

/* numpy's result dtype of (emb dtype) * (weights dtype); bfloat16 counts as
** float32. */
static int promote(int e, int w)
{
    if (e == M2V_DTYPE_BF16) e = M2V_DTYPE_F32;
    if (w == M2V_DTYPE_BF16) w = M2V_DTYPE_F32;
    if (e == M2V_DTYPE_F64 || w == M2V_DTYPE_F64) return M2V_DTYPE_F64;
    if (e == M2V_DTYPE_F32 || w == M2V_DTYPE_F32) return M2V_DTYPE_F32;
    return M2V_DTYPE_F16; /* f16*f16, i8*f16 */
}

void m2v_pool_init(m2v_pool *p)
{
    p->row_bytes = p->dim * m2v_dtype_size(p->edt);
    if (p->weights) p->prod = promote(p->edt, p->wdt);
    else p->prod = p->edt == M2V_DTYPE_BF16 ? M2V_DTYPE_F32 : p->edt;
#ifdef M2V_HAVE_F16C_PATH
    p->f16_simd = cpu_has_f16c();
#else
    p->f16_simd = false;
#endif
    if (p->edt == M2V_DTYPE_F16) p->outdt = M2V_DTYPE_F16;
    else if (p->edt == M2V_DTYPE_F64) p->outdt = M2V_DTYPE_F64;
    else p->outdt = M2V_DTYPE_F32; /* f32, bf16, and int8 (np.zeros f32) */
}

size_t m2v_pool_scratch_size(const m2v_pool *p)
{
    return p->dim * (sizeof(double) + sizeof(float));
}

static inline const unsigned char *row_of(const m2v_pool *p, int32_t id)
{
    size_t r = p->mapping ? (size_t)ld_index(p->mapping, p->mdt, (size_t)id)
                          : (size_t)id;
    return p->emb + r * p->row_bytes;
}

/* Asks for the next row early: rows are scattered over a table usually far
** larger than the caches. */
static inline void prefetch_row(const m2v_pool *p, int32_t id)
{
#if defined(__GNUC__)
    const unsigned char *r = row_of(p, id);
    for (size_t off = 0; off < p->row_bytes; off += 64) __builtin_prefetch(r + off);
#else
    (void)p, (void)id;
#endif
}

/* numpy's pairwise summation (FLOAT_pairwise_sum), used by add.reduce along
** a contiguous axis, hence by np.linalg.norm(x, axis=1). */
static float pairwise_sum(const float *a, size_t n)
{
    if (n < 8) {
        float res = 0.0f;
        for (size_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        float r[8], res;
        size_t i;
        for (int j = 0; j < 8; j++) r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* acc[0..dim) += row of float32 / bfloat16 (exact widenings). */
static void add_f32_row(float *acc, const unsigned char *row, size_t dim)
{
    for (size_t j = 0; j < dim; j++) acc[j] += ld_f32(row + 4 * j);
}

static void add_bf16_row(float *acc, const unsigned char *row, size_t dim)
{
    for (size_t j = 0; j < dim; j++) acc[j] += m2v_bf16_to_f32(ld_u16(row + 2 * j));
}

/* The row adder for a table whose rows sum into float32 accumulators (F32,
** F16, BF16): one add per element in row order whichever is chosen, so the
** SIMD versions give the same sums. */
static void (*float_row_adder(const m2v_pool *p))(float *, const unsigned char *, size_t)
{
#ifdef M2V_HAVE_F16C_PATH
    if (p->f16_simd && p->edt == M2V_DTYPE_F32) return add_f32_row_avx;
    if (p->f16_simd && p->edt == M2V_DTYPE_F16) return add_f16_row_f16c;
#endif
    if (p->edt == M2V_DTYPE_F16) return add_f16_row;
    if (p->edt == M2V_DTYPE_BF16) return add_bf16_row;
    return add_f32_row;
}

/* ---- mean -------------------------------------------------------------- */

/* Sums unweighted rows into acc (float or double or int32/int64 by dtype);
** returns the number of rows used. */
static size_t sum_plain(const m2v_pool *p, const int32_t *ids, size_t n,
                        int64_t skip, void *accv)
{
    const size_t dim = p->dim;
    size_t used = 0;
    switch (p->edt) {
    case M2V_DTYPE_F32:
    case M2V_DTYPE_F16:
    case M2V_DTYPE_BF16: {
        /* float32 accumulators; the row adder is chosen once per call. */
        void (*add_row)(float *, const unsigned char *, size_t) = float_row_adder(p);
        float *acc = accv;
        for (size_t i = 0; i < n; i++) {
            if (ids[i] == skip) continue;
            const unsigned char *row = row_of(p, ids[i]);
            if (i + 1 < n) prefetch_row(p, ids[i + 1]);
            add_row(acc, row, dim);
            used++;
        }
        break;
    }
    case M2V_DTYPE_F64: {
        double *acc = accv;
        for (size_t i = 0; i < n; i++) {
            if (ids[i] == skip) continue;
            const unsigned char *row = row_of(p, ids[i]);
            if (i + 1 < n) prefetch_row(p, ids[i + 1]);
            for (size_t j = 0; j < dim; j++) acc[j] += ld_f64(row + 8 * j);
            used++;
        }
        break;
    }
    case M2V_DTYPE_I8: {
        /* Exact integer sums: int32 lanes, flushed to int64 well before
        ** they could overflow (127 * 2^23 < 2^31). */
        int64_t *acc = accv;
        int32_t *lane = (int32_t *)(acc + dim); /* second half of scratch */
        size_t pending = 0;
        memset(lane, 0, dim * sizeof *lane);
        for (size_t i = 0; i < n; i++) {
            if (ids[i] == skip) continue;
            const signed char *row = (const signed char *)row_of(p, ids[i]);
            if (i + 1 < n) prefetch_row(p, ids[i + 1]);
            for (size_t j = 0; j < dim; j++) lane[j] += row[j];
            used++;
            if (++pending == ((size_t)1 << 23)) {
                for (size_t j = 0; j < dim; j++) {
                    acc[j] += lane[j];
                    lane[j] = 0;
                }
                pending = 0;
            }
        }
        for (size_t j = 0; j < dim; j++) acc[j] += lane[j];
        break;
    }
    default:
        break;
    }
    return used;
}

/* Sums weighted rows: each element is rounded to the product dtype first. */
static size_t sum_weighted(const m2v_pool *p, const int32_t *ids, size_t n,
                           int64_t skip, void *accv)
{
    const size_t dim = p->dim, wsz = m2v_dtype_size(p->wdt);
    const size_t esz = m2v_dtype_size(p->edt);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == skip) continue;
        const unsigned char *row = row_of(p, ids[i]);
        if (i + 1 < n) prefetch_row(p, ids[i + 1]);
        double w = ld_real(p->weights + wsz * (size_t)ids[i], p->wdt);
        used++;
        if (p->prod == M2V_DTYPE_F64) {
            double *acc = accv;
            for (size_t j = 0; j < dim; j++) {
                double v = ld_real(row + esz * j, p->edt) * w;
                acc[j] += v;
            }
        } else if (p->prod == M2V_DTYPE_F32) {
            float *acc = accv, wf = (float)w;
            if (p->edt == M2V_DTYPE_F32) {
                for (size_t j = 0; j < dim; j++) {
                    float v = ld_f32(row + 4 * j) * wf;
                    acc[j] += v;
                }
            } else {
                for (size_t j = 0; j < dim; j++) {
                    float v = (float)ld_real(row + esz * j, p->edt) * wf;
                    acc[j] += v;
                }
            }
        } else { /* float16 product: exact in float, then rounded */
            float *acc = accv;
            for (size_t j = 0; j < dim; j++)
                acc[j] += round_f16f((float)(ld_real(row + esz * j, p->edt) * w));
        }
    }
    return used;
}

void m2v_pool_mean(const m2v_pool *p, const int32_t *ids, size_t n,
                   int64_t skip_id, int normalize, void *scratch, float *out)
{
    const size_t dim = p->dim;
    memset(scratch, 0, dim * sizeof(double));
    size_t used = p->weights ? sum_weighted(p, ids, n, skip_id, scratch)
                             : sum_plain(p, ids, n, skip_id, scratch);
    if (used == 0) { /* model2vec: no tokens -> zero vector */
        memset(out, 0, dim * sizeof *out);
        return;
    }
    const double c = (double)used;
    const int acc_kind = p->prod; /* F16/F32: float sums; F64: double; I8: int */
    const bool out16 = p->outdt == M2V_DTYPE_F16;
    if (acc_kind == M2V_DTYPE_F64) {
        const double *acc = scratch;
        for (size_t j = 0; j < dim; j++)
            out[j] = out16 ? m2v_round_f16(acc[j] / c) : (float)(acc[j] / c);
    } else if (acc_kind == M2V_DTYPE_I8) { /* output dtype is float32 */
        const int64_t *acc = scratch;
        for (size_t j = 0; j < dim; j++) out[j] = (float)((double)acc[j] / c);
    } else {
        const float *acc = scratch;
        for (size_t j = 0; j < dim; j++) out[j] = (float)((double)acc[j] / c);
        /* np.mean of a float16 array returns float16; a float16 output
        ** array rounds what is stored in it */
        if (acc_kind == M2V_DTYPE_F16 || out16) round_f16_all(p, out, dim);
    }
    if (!normalize) return;
    float *sq = (float *)((double *)scratch + dim);
    for (size_t j = 0; j < dim; j++) sq[j] = out[j] * out[j];
    float norm = sqrtf(pairwise_sum(sq, dim)) + 1e-32f;
    for (size_t j = 0; j < dim; j++) out[j] = out[j] / norm;
    if (out16) round_f16_all(p, out, dim); /* (out32 / norm).astype(float16) */
}

void m2v_pool_rows(const m2v_pool *p, const int32_t *ids, size_t n, float *out)
{
    const size_t dim = p->dim, esz = m2v_dtype_size(p->edt);
    const size_t wsz = p->weights ? m2v_dtype_size(p->wdt) : 0;
    for (size_t i = 0; i < n; i++, out += dim) {
        const unsigned char *row = row_of(p, ids[i]);
        if (!p->weights) {
            for (size_t j = 0; j < dim; j++)
                out[j] = (float)ld_real(row + esz * j, p->edt);
            continue;
        }
        double w = ld_real(p->weights + wsz * (size_t)ids[i], p->wdt);
        for (size_t j = 0; j < dim; j++) {
            double e = ld_real(row + esz * j, p->edt);
            if (p->prod == M2V_DTYPE_F64) out[j] = (float)(e * w);
            else if (p->prod == M2V_DTYPE_F32) out[j] = (float)e * (float)w;
            else out[j] = round_f16f((float)(e * w));
        }
    }
}
