/*
** fuzz_common.h -- helpers shared by the m2v fuzz targets (fuzz/fuzz_*.c).
**
** Every target is a libFuzzer entry point LLVMFuzzerTestOneInput. The same
** sources are also compiled into tests/c/test_fuzz_regressions.c (with the
** entry point renamed, see FUZZ_ENTRY) to replay the seed corpora and every
** input that once crashed, under the ordinary ctest builds (ASan, valgrind).
** Helpers here are static inline so several targets can share one unit.
*/
#ifndef M2V_FUZZ_COMMON_H
#define M2V_FUZZ_COMMON_H

#include "m2v_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_ENTRY
#  define FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

/* A failed property: print and abort, so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                        \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* An error must carry its code and a non-empty message. */
static inline void fuzz_check_error(int rc, const m2v_error *e)
{
    FUZZ_CHECK(rc == e->code);
    if (rc != M2V_OK) {
        FUZZ_CHECK(rc > 0 && rc <= M2V_LIMIT);
        FUZZ_CHECK(e->message[0] != '\0');
        FUZZ_CHECK(memchr(e->message, '\0', sizeof e->message) != NULL);
    } else {
        FUZZ_CHECK(e->message[0] == '\0');
    }
}

/* Parts of an input separated by FUZZ_SEP (seeds are written this way by
** fuzz/make_seeds.py). Returns the number of parts found (<= max). */
#define FUZZ_SEP "\n@@M2V@@\n"
#define FUZZ_SEP_LEN 9

typedef struct fuzz_part {
    const unsigned char *p;
    size_t n;
} fuzz_part;

static inline size_t fuzz_split(const unsigned char *data, size_t size,
                                fuzz_part *parts, size_t max)
{
    size_t k = 0, start = 0, i = 0;
    while (k + 1 < max && i + FUZZ_SEP_LEN <= size) {
        if (memcmp(data + i, FUZZ_SEP, FUZZ_SEP_LEN) == 0) {
            parts[k].p = data + start;
            parts[k].n = i - start;
            k++;
            i += FUZZ_SEP_LEN;
            start = i;
        } else {
            i++;
        }
    }
    parts[k].p = data + start;
    parts[k].n = size - start;
    return k + 1;
}

/* Exact-size heap copy (so ASan sees any read past the end). */
static inline char *fuzz_dup(const unsigned char *p, size_t n)
{
    char *d = malloc(n ? n : 1);
    if (d && n) memcpy(d, p, n);
    return d;
}

/* Reads a whole file; NULL if it cannot. */
static inline char *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *g = realloc(buf, cap *= 2);
        if (!g) {
            free(buf);
            buf = NULL;
        }
        buf = g;
    }
    fclose(f);
    if (buf) *len = n;
    return buf;
}

/* The limits of m2v.h's "Limits" section (fallbacks while it lacks them). */
#ifndef M2V_MAX_DIM
#  define M2V_MAX_DIM ((size_t)1 << 24)
#endif
#ifndef M2V_MAX_VOCAB
#  define M2V_MAX_VOCAB ((size_t)INT32_MAX)
#endif

#ifndef M2V_SOURCE_DIR
#  define M2V_SOURCE_DIR "."
#endif

#endif /* M2V_FUZZ_COMMON_H */
