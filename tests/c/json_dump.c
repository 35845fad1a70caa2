/*
** json_dump.c -- prints the C JSON reader's view of documents, for the
** differential test tests/python/test_json_differential.py (which builds
** this program with the compiler at hand: cc tests/c/json_dump.c
** csrc/json.c csrc/utf8.c csrc/error.c). Not a ctest.
**
** stdin: documents, each a 4-byte little-endian length and that many bytes.
** stdout: one line per document: "ERR <code>" or "OK <canonical>", where
** the canonical form (the Python side writes the same) is
**   null n | true t | false f | integer token in int64 I<decimal> |
**   other number D<16 hex digits of the IEEE double> | string S<hex bytes> |
**   array [v,v] | object {S<hex key>:v,...} (every member, in order).
** An integer token is one written without '.', 'e' or 'E'.
*/
#include "m2v_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *text_base;

static void hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", (unsigned char)s[i]);
}

static void dump(const m2v_json *v)
{
    switch (m2v_json_type_of(v)) {
    case M2V_JSON_NULL: putchar('n'); break;
    case M2V_JSON_TRUE: putchar('t'); break;
    case M2V_JSON_FALSE: putchar('f'); break;
    case M2V_JSON_NUMBER: {
        const char *p = text_base + m2v_json_offset(v);
        bool integer_token = true;
        while (*p && strchr("+-0123456789.eE", *p)) {
            if (*p == '.' || *p == 'e' || *p == 'E') integer_token = false;
            p++;
        }
        int64_t i;
        if (integer_token && m2v_json_int(v, &i)) {
            printf("I%lld", (long long)i);
        } else {
            double d = m2v_json_num(v);
            uint64_t bits;
            memcpy(&bits, &d, 8);
            printf("D%016llx", (unsigned long long)bits);
        }
        break;
    }
    case M2V_JSON_STRING: {
        size_t n;
        const char *s = m2v_json_str(v, &n);
        putchar('S');
        hex(s, n);
        break;
    }
    case M2V_JSON_ARRAY:
    case M2V_JSON_OBJECT: {
        bool obj = m2v_json_is(v, M2V_JSON_OBJECT);
        putchar(obj ? '{' : '[');
        for (const m2v_json *c = m2v_json_first(v); c; c = m2v_json_next(c)) {
            if (c != m2v_json_first(v)) putchar(',');
            if (obj) {
                size_t kl;
                const char *k = m2v_json_key(c, &kl);
                putchar('S');
                hex(k, kl);
                putchar(':');
            }
            dump(c);
        }
        putchar(obj ? '}' : ']');
        break;
    }
    }
}

int main(void)
{
    unsigned char lenb[4];
    while (fread(lenb, 1, 4, stdin) == 4) {
        size_t n = (size_t)lenb[0] | (size_t)lenb[1] << 8 | (size_t)lenb[2] << 16 |
                   (size_t)lenb[3] << 24;
        /* one spare NUL so the number scan above stops inside the buffer */
        char *buf = malloc(n + 1);
        if (!buf || fread(buf, 1, n, stdin) != n) return 2;
        buf[n] = '\0';
        m2v_json_doc *doc = NULL;
        m2v_error err;
        int rc = m2v_json_parse(buf, n, "doc", &doc, &err);
        if (rc != M2V_OK) {
            printf("ERR %d\n", rc);
        } else {
            text_base = buf;
            printf("OK ");
            dump(m2v_json_root(doc));
            putchar('\n');
            m2v_json_free(doc);
        }
        free(buf);
    }
    return 0;
}
