/*
** tokenize_cli.c -- runs m2v's native tokenizer on texts from stdin, for
** the parity tests (tests/python/test_tokenizer_parity.py) and by hand.
**
**   tokenize_cli [options] tokenizer.json < input
**
** Options:
**   --lines       input is text lines ('\n' stripped); output one line of
**                 space-separated ids per input line (default)
**   --binary      input is records <uint32 little-endian length><bytes>;
**                 output records <uint32 count><count x int32 ids>
**   --general     force the general path (no fused fast path)
**   --fused       require the fused fast path (exit 2 if it does not apply)
**   --greedy      WordPiece by the plain greedy search, not LinMaxMatch
**   --max-tokens N  pass max_tokens = N (default: all)
**   --truncate    keep the first max_length ids of the file's "truncation"
**                 block, as tokenizers does with it (direction Right)
**   --capacity N  call with an id buffer of N entries first (the protocol's
**                 retry path), then grow it as m2v does
**   --normalize   run the normalizer alone; output the normalized text
**                 (--binary: <uint32 length><bytes>)
**   --bench N     read all input lines, tokenize them N times, print the
**                 best pass's MB/s and tokens/s (no ids)
**   --pretokenize run the pre-tokenizer alone; output the words joined by
**                 U+FDD0 (--binary: <uint32 length><bytes>)
** Exit status 0, 1 on a tokenizer failure, 2 on bad usage or file.
*/
#define _POSIX_C_SOURCE 200809L
#include "m2v_tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

typedef struct ctx {
    m2v_tokenizer tok;
    void *scratch;
    size_t max_tokens;
    size_t capacity;
    int64_t trunc;
    int32_t *ids;
    size_t ids_cap;
} ctx;

/* Tokenizes one text; returns the id count or -1. */
static long run(ctx *c, const char *text, size_t len)
{
    size_t first = c->capacity < c->ids_cap ? c->capacity : c->ids_cap;
    size_t n = 0;
    if (c->tok.tokenize(c->tok.user_data, c->scratch, text, len,
                        c->max_tokens, c->ids, first, &n) != 0)
        return -1;
    size_t used = n < c->max_tokens ? n : c->max_tokens;
    if (used > first) {
        if (n > c->ids_cap) {
            int32_t *p = realloc(c->ids, n * sizeof *p);
            if (!p) return -1;
            c->ids = p;
            c->ids_cap = n;
        }
        size_t n2 = 0;
        if (c->tok.tokenize(c->tok.user_data, c->scratch, text, len,
                            c->max_tokens, c->ids, c->ids_cap, &n2) != 0 ||
            n2 != n)
            return -1;
    }
    if (c->trunc >= 0 && (int64_t)used > c->trunc) used = (size_t)c->trunc;
    return (long)used;
}

int main(int argc, char **argv)
{
    int binary = 0, general = 0, fused = 0, truncate = 0, mode = 0, greedy = 0;
    long bench = 0;
    ctx c;
    memset(&c, 0, sizeof c);
    c.max_tokens = SIZE_MAX;
    c.capacity = SIZE_MAX;
    c.trunc = -1;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--binary")) binary = 1;
        else if (!strcmp(argv[i], "--lines")) binary = 0;
        else if (!strcmp(argv[i], "--general")) general = 1;
        else if (!strcmp(argv[i], "--fused")) fused = 1;
        else if (!strcmp(argv[i], "--greedy")) greedy = 1;
        else if (!strcmp(argv[i], "--bench") && i + 1 < argc)
            bench = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--truncate")) truncate = 1;
        else if (!strcmp(argv[i], "--normalize")) mode = 1;
        else if (!strcmp(argv[i], "--pretokenize")) mode = 2;
        else if (!strcmp(argv[i], "--max-tokens") && i + 1 < argc)
            c.max_tokens = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--capacity") && i + 1 < argc)
            c.capacity = (size_t)strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !path) path = argv[i];
        else {
            fprintf(stderr, "usage: tokenize_cli [options] tokenizer.json\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: tokenize_cli [options] tokenizer.json\n");
        return 2;
    }
    size_t jlen;
    char *json = read_file(path, &jlen);
    if (!json) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    m2v_error err;
    m2v_json_doc *doc = NULL;
    const char *kind = NULL;
    if (m2v_json_parse(json, jlen, "tokenizer.json", &doc, &err) != M2V_OK ||
        m2v_native_tokenizer_new(m2v_json_root(doc), &c.tok, &kind, &err) !=
            M2V_OK) {
        fprintf(stderr, "%s: %s\n", m2v_errstr(err.code), err.message);
        m2v_json_free(doc);
        free(json);
        return 2;
    }
    m2v_json_free(doc);
    free(json);
    if (general) m2v_native_tokenizer_set_fused(c.tok.user_data, 0);
    if (greedy) m2v_native_tokenizer_set_linear(c.tok.user_data, 0);
    if (fused && m2v_native_tokenizer_set_fused(c.tok.user_data, 1) != 0) {
        fprintf(stderr, "the fused fast path does not apply\n");
        return 2;
    }
    if (truncate && !m2v_native_tokenizer_truncation(c.tok.user_data, &c.trunc))
        c.trunc = -1;
    c.scratch = c.tok.scratch_new(c.tok.user_data);
    c.ids_cap = 1024;
    c.ids = malloc(c.ids_cap * sizeof *c.ids);
    if (!c.scratch || !c.ids) return 2;

    if (bench > 0) {
        size_t cap = 1 << 20, n = 0;
        char *all = malloc(cap);
        size_t r;
        while (all && (r = fread(all + n, 1, cap - n, stdin)) > 0) {
            n += r;
            if (n == cap) all = realloc(all, cap *= 2);
        }
        if (!all) return 2;
        double best = 1e30;
        size_t tokens = 0;
        for (long pass = 0; pass < bench; pass++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            tokens = 0;
            for (size_t p = 0; p < n;) {
                const char *nl = memchr(all + p, '\n', n - p);
                size_t e = nl ? (size_t)(nl - all) : n;
                size_t k = 0;
                if (c.tok.tokenize(c.tok.user_data, c.scratch, all + p, e - p,
                                   SIZE_MAX, c.ids, c.ids_cap, &k) != 0)
                    return 1;
                if (k > c.ids_cap) { /* grow, as m2v does */
                    c.ids = realloc(c.ids, k * sizeof *c.ids);
                    c.ids_cap = k;
                    if (!c.ids) return 2;
                }
                tokens += k;
                p = e + 1;
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double s = (double)(t1.tv_sec - t0.tv_sec) +
                       (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
            if (s < best) best = s;
        }
        printf("%.2f MB/s %.2f M tokens/s (%zu bytes, %zu tokens, best of %ld: "
               "%.4f s)\n",
               (double)n / best / 1e6, (double)tokens / best / 1e6, n, tokens,
               bench, best);
        free(all);
        return 0;
    }

    int status = 0;
    size_t tcap = 1 << 16;
    char *text = malloc(tcap);
    if (!text) return 2;
    for (;;) {
        size_t len = 0;
        if (binary) {
            unsigned char hdr[4];
            if (fread(hdr, 1, 4, stdin) != 4) break;
            len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 |
                  (size_t)hdr[3] << 24;
            if (len > tcap) {
                char *p = realloc(text, len);
                if (!p) return 2;
                text = p;
                tcap = len;
            }
            if (fread(text, 1, len, stdin) != len) {
                fprintf(stderr, "truncated input\n");
                return 2;
            }
        } else {
            int ch;
            while ((ch = getchar()) != EOF && ch != '\n') {
                if (len == tcap) {
                    char *p = realloc(text, tcap * 2);
                    if (!p) return 2;
                    text = p;
                    tcap *= 2;
                }
                text[len++] = (char)ch;
            }
            if (ch == EOF && len == 0) break;
        }
        if (m2v_utf8_check(text, len) != len) {
            fprintf(stderr, "input is not valid UTF-8\n");
            status = 1;
            break;
        }
        if (mode == 1) {
            m2v_bytevec nb = {0};
            if (m2v_native_tokenizer_normalize(c.tok.user_data, text, len,
                                               &nb) != 0) {
                status = 1;
                break;
            }
            uint32_t n32 = (uint32_t)nb.n;
            if (binary) fwrite(&n32, 4, 1, stdout);
            fwrite(nb.v, 1, nb.n, stdout);
            if (!binary) putchar('\n');
            m2v_bytevec_free(&nb);
            continue;
        }
        if (mode == 2) {
            m2v_spanvec sv = {0};
            if (m2v_native_tokenizer_pretokenize(c.tok.user_data, text, len,
                                                 &sv) != 0) {
                status = 1;
                break;
            }
            size_t total = 0;
            for (size_t k = 0; k < sv.n; k++)
                total += sv.v[k].end - sv.v[k].start + (k ? 3 : 0);
            uint32_t n32 = (uint32_t)total;
            if (binary) fwrite(&n32, 4, 1, stdout);
            for (size_t k = 0; k < sv.n; k++) {
                if (k) fputs("\xef\xb7\x90", stdout); /* U+FDD0 */
                fwrite(text + sv.v[k].start, 1, sv.v[k].end - sv.v[k].start,
                       stdout);
            }
            if (!binary) putchar('\n');
            m2v_spanvec_free(&sv);
            continue;
        }
        long n = run(&c, text, len);
        if (n < 0) {
            fprintf(stderr, "tokenizer failed\n");
            status = 1;
            break;
        }
        if (binary) {
            uint32_t cnt = (uint32_t)n;
            fwrite(&cnt, 4, 1, stdout);
            fwrite(c.ids, 4, (size_t)n, stdout);
        } else {
            for (long i = 0; i < n; i++)
                printf(i ? " %d" : "%d", (int)c.ids[i]);
            putchar('\n');
        }
    }
    fflush(stdout);
    free(text);
    free(c.ids);
    c.tok.scratch_free(c.tok.user_data, c.scratch);
    c.tok.destroy(c.tok.user_data);
    return status;
}
