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

/* ---- summing groups of rows into float32 accumulators -------------------
**
** A row summer does acc[j] += rows[0][j], then += rows[1][j], ... for every
** j: one add per element in row order, exactly the plain loop's sums. It
** keeps a block of columns in registers while it walks the group, so the
** accumulators are loaded and stored once per group, not once per row. */

#if defined(__GNUC__)
#define M2V_INLINE static inline __attribute__((always_inline))
#else
#define M2V_INLINE static inline
#endif

typedef void (*row_summer)(float *acc, const unsigned char *const *rows,
                           size_t n_rows, size_t dim);

/* Element j of a float32 / float16 / bfloat16 row, widened exactly. */
M2V_INLINE float ld_float_elem(const unsigned char *row, size_t j, int dt)
{
    if (dt == M2V_DTYPE_F32) return ld_f32(row + 4 * j);
    if (dt == M2V_DTYPE_F16) return h2f(ld_u16(row + 2 * j));
    return m2v_bf16_to_f32(ld_u16(row + 2 * j));
}

#define PLAIN_BLOCK 32 /* columns held in registers: 8 SSE / NEON vectors */

M2V_INLINE void sum_rows_plain(float *acc, const unsigned char *const *rows,
                               size_t n_rows, size_t dim, int dt)
{
    size_t j = 0;
    for (; j + PLAIN_BLOCK <= dim; j += PLAIN_BLOCK) {
        float a[PLAIN_BLOCK];
        memcpy(a, acc + j, sizeof a);
        for (size_t r = 0; r < n_rows; r++)
            for (size_t k = 0; k < PLAIN_BLOCK; k++) a[k] += ld_float_elem(rows[r], j + k, dt);
        memcpy(acc + j, a, sizeof a);
    }
    for (size_t r = 0; r < n_rows; r++)
        for (size_t k = j; k < dim; k++) acc[k] += ld_float_elem(rows[r], k, dt);
}

static void sum_rows_f32(float *acc, const unsigned char *const *rows, size_t n_rows, size_t dim)
{
    sum_rows_plain(acc, rows, n_rows, dim, M2V_DTYPE_F32);
}

static void sum_rows_f16(float *acc, const unsigned char *const *rows, size_t n_rows, size_t dim)
{
    sum_rows_plain(acc, rows, n_rows, dim, M2V_DTYPE_F16);
}

static void sum_rows_bf16(float *acc, const unsigned char *const *rows, size_t n_rows, size_t dim)
{
    sum_rows_plain(acc, rows, n_rows, dim, M2V_DTYPE_BF16);
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define M2V_HAVE_X86_SIMD 1

/* CPUID leaf 1: ECX bit 27 OSXSAVE, 28 AVX, 29 F16C; and the OS must save
** the YMM registers (XCR0 bits 1 and 2). */
static bool cpu_has_avx_f16c(void)
{
    unsigned a, b, c, d, lo, hi;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    if ((c & (7u << 27)) != (7u << 27)) return false;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 6u) == 6u;
}

/* Eight elements from column j of a float32 or float16 row, as float32
** (F16C's conversion is exact, like h2f). */
__attribute__((target("avx,f16c"))) M2V_INLINE __m256 ld8(const unsigned char *row, size_t j,
                                                         int dt)
{
    if (dt == M2V_DTYPE_F16)
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(row + 2 * j)));
    return _mm256_loadu_ps((const float *)(const void *)(row + 4 * j));
}

/* The AVX row summer: 64 columns (eight registers) at a time, then eight,
** then the plain loop for the last few. */
__attribute__((target("avx,f16c"))) M2V_INLINE void sum_rows_avx(float *acc,
                                                                 const unsigned char *const *rows,
                                                                 size_t n_rows, size_t dim, int dt)
{
    size_t j = 0;
    for (; j + 64 <= dim; j += 64) {
        __m256 a0 = _mm256_loadu_ps(acc + j), a1 = _mm256_loadu_ps(acc + j + 8);
        __m256 a2 = _mm256_loadu_ps(acc + j + 16), a3 = _mm256_loadu_ps(acc + j + 24);
        __m256 a4 = _mm256_loadu_ps(acc + j + 32), a5 = _mm256_loadu_ps(acc + j + 40);
        __m256 a6 = _mm256_loadu_ps(acc + j + 48), a7 = _mm256_loadu_ps(acc + j + 56);
        for (size_t r = 0; r < n_rows; r++) {
            const unsigned char *row = rows[r];
            a0 = _mm256_add_ps(a0, ld8(row, j, dt));
            a1 = _mm256_add_ps(a1, ld8(row, j + 8, dt));
            a2 = _mm256_add_ps(a2, ld8(row, j + 16, dt));
            a3 = _mm256_add_ps(a3, ld8(row, j + 24, dt));
            a4 = _mm256_add_ps(a4, ld8(row, j + 32, dt));
            a5 = _mm256_add_ps(a5, ld8(row, j + 40, dt));
            a6 = _mm256_add_ps(a6, ld8(row, j + 48, dt));
            a7 = _mm256_add_ps(a7, ld8(row, j + 56, dt));
        }
        _mm256_storeu_ps(acc + j, a0), _mm256_storeu_ps(acc + j + 8, a1);
        _mm256_storeu_ps(acc + j + 16, a2), _mm256_storeu_ps(acc + j + 24, a3);
        _mm256_storeu_ps(acc + j + 32, a4), _mm256_storeu_ps(acc + j + 40, a5);
        _mm256_storeu_ps(acc + j + 48, a6), _mm256_storeu_ps(acc + j + 56, a7);
    }
    for (; j + 8 <= dim; j += 8) {
        __m256 a = _mm256_loadu_ps(acc + j);
        for (size_t r = 0; r < n_rows; r++) a = _mm256_add_ps(a, ld8(rows[r], j, dt));
        _mm256_storeu_ps(acc + j, a);
    }
    for (size_t r = 0; r < n_rows; r++)
        for (size_t k = j; k < dim; k++) acc[k] += ld_float_elem(rows[r], k, dt);
}

__attribute__((target("avx,f16c"))) static void sum_rows_f32_avx(float *acc,
                                                                 const unsigned char *const *rows,
                                                                 size_t n_rows, size_t dim)
{
    sum_rows_avx(acc, rows, n_rows, dim, M2V_DTYPE_F32);
}

__attribute__((target("avx,f16c"))) static void sum_rows_f16_f16c(float *acc,
                                                                  const unsigned char *const *rows,
                                                                  size_t n_rows, size_t dim)
{
    sum_rows_avx(acc, rows, n_rows, dim, M2V_DTYPE_F16);
}

/* dst[0..n) = src[0..n) / d, eight lanes at a time (the same quotients). */
__attribute__((target("avx"))) static void div_floats_avx(float *dst, const float *src, float d,
                                                        size_t n)
{
    size_t j = 0;
    __m256 dv = _mm256_set1_ps(d);
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(dst + j, _mm256_div_ps(_mm256_loadu_ps(src + j), dv));
    for (; j < n; j++) dst[j] = src[j] / d;
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

/* dst[0..n) = src[0..n) / d (dst may be src). */
static void div_floats(const m2v_pool *p, float *dst, const float *src, float d, size_t n)
{
#ifdef M2V_HAVE_X86_SIMD
    if (p->avx_f16c) {
        div_floats_avx(dst, src, d, n);
        return;
    }
#else
    (void)p;
#endif
    for (size_t j = 0; j < n; j++) dst[j] = src[j] / d;
}

static void round_f16_all(const m2v_pool *p, float *x, size_t n)
{
#ifdef M2V_HAVE_X86_SIMD
    if (p->avx_f16c) {
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
#ifdef M2V_HAVE_X86_SIMD
    p->avx_f16c = cpu_has_avx_f16c();
#else
    p->avx_f16c = false;
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

/* Asks for a row early: rows are scattered over a table usually far larger
** than the caches. */
static inline void prefetch_row(const m2v_pool *p, const unsigned char *row)
{
#if defined(__GNUC__)
    for (size_t off = 0; off < p->row_bytes; off += 64) __builtin_prefetch(row + off);
#else
    (void)p, (void)row;
#endif
}

/* Rows summed per call of a row summer. */
#define ROW_GROUP 8

/* How many rows ahead of the one being gathered a row is requested: far
** enough for a row from memory (and its page walk) to arrive in time
** (5% faster pooling of en_sentences than no prefetch, 12 vs 16 or 24
** rows: within noise). */
#define PREFETCH_AHEAD 12

/* The eight partial sums of numpy's pairwise summation over a block of
** 8 <= n <= 128 squares: r[j] = sum of x[i]^2 for i = j, j + 8, ... below
** n - n % 8, each square rounded to float first (numpy squares into a
** float32 array, then sums it). */
static void sum_squares_8(const float *x, size_t n, float r[8])
{
    for (int j = 0; j < 8; j++) r[j] = x[j] * x[j];
    for (size_t i = 8; i < n - (n % 8); i += 8)
        for (int j = 0; j < 8; j++) {
            float s = x[i + j] * x[i + j];
            r[j] += s;
        }
}

#ifdef M2V_HAVE_X86_SIMD
/* The same, eight lanes at a time (one register holds r). */
__attribute__((target("avx"))) static void sum_squares_8_avx(const float *x, size_t n,
                                                           float r[8])
{
    __m256 v = _mm256_loadu_ps(x);
    __m256 acc = _mm256_mul_ps(v, v);
    for (size_t i = 8; i < n - (n % 8); i += 8) {
        v = _mm256_loadu_ps(x + i);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(v, v));
    }
    _mm256_storeu_ps(r, acc);
}
#endif

/* numpy's pairwise summation (FLOAT_pairwise_sum) of x[0..n) squared:
** add.reduce of x * x along a contiguous axis, as in
** np.linalg.norm(x, axis=1). */
static float pairwise_sum_squares(const m2v_pool *p, const float *x, size_t n)
{
    if (n < 8) {
        float res = 0.0f;
        for (size_t i = 0; i < n; i++) {
            float s = x[i] * x[i];
            res += s;
        }
        return res;
    }
    if (n <= 128) {
        float r[8];
#ifdef M2V_HAVE_X86_SIMD
        if (p->avx_f16c) sum_squares_8_avx(x, n, r);
        else sum_squares_8(x, n, r);
#else
        sum_squares_8(x, n, r);
#endif
        float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (size_t i = n - (n % 8); i < n; i++) {
            float s = x[i] * x[i];
            res += s;
        }
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum_squares(p, x, n2) + pairwise_sum_squares(p, x + n2, n - n2);
}

/* The row summer for a table whose rows sum into float32 accumulators
** (F32, F16, BF16); every choice gives the same sums. */
static row_summer float_row_summer(const m2v_pool *p)
{
#ifdef M2V_HAVE_X86_SIMD
    if (p->avx_f16c && p->edt == M2V_DTYPE_F32) return sum_rows_f32_avx;
    if (p->avx_f16c && p->edt == M2V_DTYPE_F16) return sum_rows_f16_f16c;
#endif
    if (p->edt == M2V_DTYPE_F16) return sum_rows_f16;
    if (p->edt == M2V_DTYPE_BF16) return sum_rows_bf16;
    return sum_rows_f32;
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
        /* float32 accumulators, summed a group of rows at a time by the
        ** row summer chosen once per call */
        row_summer sum_rows = float_row_summer(p);
        const unsigned char *group[ROW_GROUP] = {0};
        size_t k = 0;
        for (size_t i = 0; i < n && i < PREFETCH_AHEAD; i++) prefetch_row(p, row_of(p, ids[i]));
        for (size_t i = 0; i < n; i++) {
            if (i + PREFETCH_AHEAD < n) prefetch_row(p, row_of(p, ids[i + PREFETCH_AHEAD]));
            if (ids[i] == skip) continue;
            group[k] = row_of(p, ids[i]);
            if (++k == ROW_GROUP) {
                sum_rows(accv, group, k, dim);
                used += k;
                k = 0;
            }
        }
        if (k) sum_rows(accv, group, k, dim);
        used += k;
        break;
    }
    case M2V_DTYPE_F64: {
        double *acc = accv;
        for (size_t i = 0; i < n; i++) {
            if (ids[i] == skip) continue;
            const unsigned char *row = row_of(p, ids[i]);
            if (i + 1 < n) prefetch_row(p, row_of(p, ids[i + 1]));
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
            if (i + 1 < n) prefetch_row(p, row_of(p, ids[i + 1]));
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
        if (i + 1 < n) prefetch_row(p, row_of(p, ids[i + 1]));
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
        if (used <= ((size_t)1 << 24)) {
            /* The same values in float, which vectorises better: a float
            ** quotient of floats computed in double then rounded to float
            ** is the correctly rounded float quotient (53 >= 2 * 24 + 2),
            ** and a count up to 2^24 is exact in float. */
            div_floats(p, out, acc, (float)used, dim);
        } else {
            for (size_t j = 0; j < dim; j++) out[j] = (float)((double)acc[j] / c);
        }
        /* np.mean of a float16 array returns float16; a float16 output
        ** array rounds what is stored in it */
        if (acc_kind == M2V_DTYPE_F16 || out16) round_f16_all(p, out, dim);
    }
    if (!normalize) return;
    float norm = sqrtf(pairwise_sum_squares(p, out, dim)) + 1e-32f;
    div_floats(p, out, out, norm, dim);
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
