/*
** unicode.c -- Unicode properties, lowercase and normalization forms for the
** native tokenizer, and the growable buffers its stages share.
**
** The data comes from unicode_tables.h, which scripts/gen_unicode_tables.py
** generates with the Unicode version each tokenizers dependency uses.
** Normalization follows unicode-normalization-alignments 0.1.12 (the crate
** tokenizers calls): full decomposition, a stable sort of every run of
** non-starters by combining class, then canonical composition with Hangul
** handled algorithmically.
*/
#include "m2v_tokenizer.h"
#include "unicode_tables.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
** Buffers
** ------------------------------------------------------------------------- */

static int reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) return -1;
        c *= 2;
    }
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

int m2v_u32vec_reserve(m2v_u32vec *b, size_t need)
{
    void *p = b->v;
    int rc = reserve(&p, &b->cap, need, sizeof *b->v);
    b->v = p;
    return rc;
}

int m2v_bytevec_reserve(m2v_bytevec *b, size_t need)
{
    void *p = b->v;
    int rc = reserve(&p, &b->cap, need, 1);
    b->v = p;
    return rc;
}

int m2v_spanvec_reserve(m2v_spanvec *b, size_t need)
{
    void *p = b->v;
    int rc = reserve(&p, &b->cap, need, sizeof *b->v);
    b->v = p;
    return rc;
}

void m2v_u32vec_free(m2v_u32vec *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}

void m2v_bytevec_free(m2v_bytevec *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}

void m2v_spanvec_free(m2v_spanvec *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}

int m2v_utf8_to_u32(const char *s, size_t len, m2v_u32vec *out)
{
    if (m2v_u32vec_reserve(out, len) != 0) return -1;
    size_t pos = 0, n = 0;
    while (pos < len) {
        unsigned char c = (unsigned char)s[pos];
        if (c < 0x80) {
            out->v[n++] = c;
            pos++;
        } else {
            out->v[n++] = m2v_tok_next(s, len, &pos);
        }
    }
    out->n = n;
    return 0;
}

int m2v_u32_to_utf8(const uint32_t *cp, size_t n, m2v_bytevec *out)
{
    if (n > SIZE_MAX / 4 || m2v_bytevec_reserve(out, n * 4) != 0) return -1;
    char *o = out->v;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c < 0x80) o[k++] = (char)c;
        else k += m2v_utf8_put(c, o + k);
    }
    out->n = k;
    return 0;
}

/* ---------------------------------------------------------------------------
** Properties
** ------------------------------------------------------------------------- */

uint32_t m2v_uc_props(uint32_t cp)
{
    if (cp > 0x10FFFF) return 0;
    uint32_t blk = m2v_uc_stage1[cp >> M2V_UC_SHIFT];
    uint8_t rec = m2v_uc_stage2[(blk << M2V_UC_SHIFT) |
                                (cp & ((1u << M2V_UC_SHIFT) - 1))];
    return m2v_uc_records[rec];
}

/* Index of key in a sorted array, or -1. */
static long find_u32(const uint32_t *keys, size_t n, uint32_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return (lo < n && keys[lo] == key) ? (long)lo : -1;
}

size_t m2v_uc_lower(uint32_t cp, uint32_t out[3])
{
    if (cp < 0x80) {
        out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        return 1;
    }
    if (!(m2v_uc_flags(cp) & M2V_UC_LOWER)) {
        out[0] = cp;
        return 1;
    }
    long i = find_u32(m2v_uc_lower_keys,
                      sizeof m2v_uc_lower_keys / sizeof *m2v_uc_lower_keys, cp);
    if (i < 0) {
        out[0] = cp;
        return 1;
    }
    uint32_t v = m2v_uc_lower_vals[i];
    if (!(v & 0x80000000u)) {
        out[0] = v;
        return 1;
    }
    const uint32_t *m = m2v_uc_lower_multi + (v & 0x7FFFFFFFu);
    size_t n = m[0];
    for (size_t k = 0; k < n && k < 3; k++) out[k] = m[1 + k];
    return n;
}

/* ---------------------------------------------------------------------------
** Normalization
** ------------------------------------------------------------------------- */

#define S_BASE 0xAC00u
#define L_BASE 0x1100u
#define V_BASE 0x1161u
#define T_BASE 0x11A7u
#define L_COUNT 19u
#define V_COUNT 21u
#define T_COUNT 28u
#define N_COUNT (V_COUNT * T_COUNT)
#define S_COUNT (L_COUNT * N_COUNT)

/* Full decomposition of cp: pointer to its code points and count, or NULL
** when it does not decompose (Hangul is handled by the caller). */
static const uint32_t *decomposition(uint32_t cp, uint32_t flags, int compat,
                                     size_t *n)
{
    if (compat && (flags & M2V_UC_KDECOMP)) {
        long i = find_u32(m2v_uc_nfkd_keys,
                          sizeof m2v_uc_nfkd_keys / sizeof *m2v_uc_nfkd_keys,
                          cp);
        if (i >= 0) {
            uint32_t info = m2v_uc_nfkd_info[i];
            *n = info & 31u;
            return m2v_uc_decomp_pool + (info >> 5);
        }
    }
    if (flags & M2V_UC_CDECOMP) {
        long i = find_u32(m2v_uc_nfd_keys,
                          sizeof m2v_uc_nfd_keys / sizeof *m2v_uc_nfd_keys, cp);
        if (i >= 0) {
            uint32_t info = m2v_uc_nfd_info[i];
            *n = info & 31u;
            return m2v_uc_decomp_pool + (info >> 5);
        }
    }
    return NULL;
}

/* Stable insertion sort of v[0..n) by cls, moving cls along with v. */
static void insertion_sort_run(uint32_t *v, unsigned char *cls, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        unsigned char cx = cls[i];
        size_t j = i;
        while (j > 0 && cls[j - 1] > cx) {
            v[j] = v[j - 1];
            cls[j] = cls[j - 1];
            j--;
        }
        v[j] = x;
        cls[j] = cx;
    }
}

/* Stable sort of v[0..n) by combining class (the runs are non-starters). */
static void sort_run(uint32_t *v, unsigned char *cls, size_t n)
{
    /* Insertion sort: runs are almost always 1-3 marks long. For long runs
    ** fall back to a stable counting sort through the tail of cls. */
    if (n <= 32) {
        insertion_sort_run(v, cls, n);
        return;
    }
    size_t count[257] = {0};
    for (size_t i = 0; i < n; i++) count[cls[i] + 1]++;
    for (size_t k = 1; k < 257; k++) count[k] += count[k - 1];
    uint32_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        /* Out of memory: insertion sort still gives the right answer. */
        insertion_sort_run(v, cls, n);
        return;
    }
    for (size_t i = 0; i < n; i++) tmp[count[cls[i]]++] = v[i];
    memcpy(v, tmp, n * sizeof *v);
    free(tmp);
    /* cls is not needed after sorting. */
}

int m2v_uc_nfd(const uint32_t *in, size_t n, m2v_u32vec *out, int compat)
{
    /* A decomposition is at most 18 code points. */
    if (n > SIZE_MAX / 18 / sizeof(uint32_t) ||
        m2v_u32vec_reserve(out, n + 18) != 0)
        return -1;
    size_t k = 0;
    bool any_nonstarter = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (out->cap - k < 18) {
            size_t need = k + (n - i) + 18;
            if (m2v_u32vec_reserve(out, need) != 0) return -1;
        }
        if (c < 0x80) {
            out->v[k++] = c;
            continue;
        }
        if (c - S_BASE < S_COUNT) {
            uint32_t s = c - S_BASE;
            out->v[k++] = L_BASE + s / N_COUNT;
            out->v[k++] = V_BASE + (s % N_COUNT) / T_COUNT;
            if (s % T_COUNT) out->v[k++] = T_BASE + s % T_COUNT;
            continue;
        }
        uint32_t props = m2v_uc_props(c);
        size_t dn;
        const uint32_t *d = decomposition(c, props & 0xFFFFu, compat, &dn);
        if (d) {
            for (size_t j = 0; j < dn; j++) {
                out->v[k++] = d[j];
                if (m2v_uc_ccc(d[j])) any_nonstarter = true;
            }
        } else {
            out->v[k++] = c;
            if (props >> 16) any_nonstarter = true;
        }
    }
    out->n = k;
    if (!any_nonstarter) return 0;

    /* Canonical ordering of each run of non-starters. */
    size_t i = 0;
    unsigned char cls_small[64];
    while (i < k) {
        if (out->v[i] < 0x80 || m2v_uc_ccc(out->v[i]) == 0) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < k && out->v[j] >= 0x80 && m2v_uc_ccc(out->v[j]) != 0) j++;
        size_t run = j - i;
        if (run > 1) {
            unsigned char *cls = cls_small;
            if (run > sizeof cls_small) {
                cls = malloc(run);
                if (!cls) return -1;
            }
            for (size_t q = 0; q < run; q++)
                cls[q] = (unsigned char)m2v_uc_ccc(out->v[i + q]);
            sort_run(out->v + i, cls, run);
            if (cls != cls_small) free(cls);
        }
        i = j;
    }
    return 0;
}

/* Primary composite of a + b, or 0. */
static uint32_t compose_pair(uint32_t a, uint32_t b)
{
    if (a - L_BASE < L_COUNT && b - V_BASE < V_COUNT)
        return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT;
    if (a - S_BASE < S_COUNT && (a - S_BASE) % T_COUNT == 0 &&
        b - (T_BASE + 1) < T_COUNT - 1)
        return a + (b - T_BASE);
    if (a < 0x80 && b < 0x80) return 0;
    if (!(m2v_uc_flags(a) & M2V_UC_COMP_FIRST) ||
        !(m2v_uc_flags(b) & M2V_UC_COMP_SECOND))
        return 0;
    uint64_t key = ((uint64_t)a << 21) | b;
    size_t lo = 0, hi = sizeof m2v_uc_comp_keys / sizeof *m2v_uc_comp_keys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m2v_uc_comp_keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    if (lo < sizeof m2v_uc_comp_keys / sizeof *m2v_uc_comp_keys &&
        m2v_uc_comp_keys[lo] == key)
        return m2v_uc_comp_vals[lo];
    return 0;
}

int m2v_uc_nfc(const uint32_t *in, size_t n, m2v_u32vec *out,
               m2v_u32vec *tmp, int compat)
{
    if (m2v_uc_nfd(in, n, tmp, compat) != 0) return -1;
    if (m2v_u32vec_reserve(out, tmp->n + 1) != 0) return -1;
    const uint32_t *d = tmp->v;
    size_t dn = tmp->n, k = 0;
    long starter = -1;  /* index in out of the composee */
    int last_ccc = -1;  /* ccc of the last uncombined char after it; -1 none */
    for (size_t i = 0; i < dn; i++) {
        uint32_t c = d[i];
        int ccc = c < 0x80 ? 0 : (int)m2v_uc_ccc(c);
        if (starter < 0) {
            out->v[k] = c;
            if (ccc == 0) {
                starter = (long)k;
                last_ccc = -1;
            }
            k++;
            continue;
        }
        if (last_ccc < 0) {
            uint32_t r = compose_pair(out->v[starter], c);
            if (r) {
                out->v[starter] = r;
                continue;
            }
            out->v[k] = c;
            if (ccc == 0) starter = (long)k;
            else last_ccc = ccc;
            k++;
            continue;
        }
        if (last_ccc >= ccc) { /* blocked */
            out->v[k] = c;
            if (ccc == 0) {
                starter = (long)k;
                last_ccc = -1;
            } else {
                last_ccc = ccc;
            }
            k++;
            continue;
        }
        uint32_t r = compose_pair(out->v[starter], c);
        if (r) {
            out->v[starter] = r;
            continue;
        }
        out->v[k++] = c;
        last_ccc = ccc;
    }
    out->n = k;
    return 0;
}
