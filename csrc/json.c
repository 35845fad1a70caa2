/*
** json.c -- a strict RFC 8259 JSON reader into an immutable tree.
**
** Used for tokenizer.json, config.json and safetensors headers. The whole
** text is first checked to be UTF-8; strings are decoded into one arena
** (escapes resolved, surrogate pairs joined, NUL allowed). Nodes live in
** chunks so pointers stay valid; the tree is freed with its document.
*/
#define _POSIX_C_SOURCE 200809L
#include "m2v_internal.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct m2v_json {
    uint8_t type;     /* m2v_json_type */
    bool is_int;      /* numbers: ival is exact */
    size_t offset;    /* byte offset in the text */
    const char *key;  /* object members: key (NUL-terminated), else NULL */
    size_t key_len;
    const m2v_json *next; /* next sibling */
    union {
        struct { const char *s; size_t len; } str;
        struct { double d; int64_t i; } num;
        struct { const m2v_json *first; size_t n; } kids;
    } u;
};

_Static_assert(M2V_JSON_MAX_DEPTH == M2V_MAX_JSON_DEPTH,
               "m2v.h documents the JSON depth limit");

#define CHUNK_NODES 4096

typedef struct chunk {
    struct chunk *prev;
    size_t used;
    m2v_json nodes[CHUNK_NODES];
} chunk;

struct m2v_json_doc {
    chunk *chunks;
    char *strings;    /* decoded strings, NUL after each */
    size_t str_used;
    m2v_json *root;
};

typedef struct parser {
    const char *base, *p, *end;
    const char *what;
    m2v_json_doc *doc;
    int depth;
    m2v_error *err;
} parser;

static int perr(parser *ps, const char *at, const char *msg)
{
    return m2v_fail(ps->err, M2V_FORMAT, "%s: invalid JSON at byte %zu: %s",
                    ps->what, (size_t)(at - ps->base), msg);
}

static m2v_json *new_node(parser *ps)
{
    chunk *c = ps->doc->chunks;
    if (!c || c->used == CHUNK_NODES) {
        chunk *n = malloc(sizeof *n);
        if (!n) return NULL;
        n->prev = c;
        n->used = 0;
        ps->doc->chunks = c = n;
    }
    m2v_json *v = &c->nodes[c->used++];
    memset(v, 0, sizeof *v);
    v->offset = (size_t)(ps->p - ps->base);
    return v;
}

static void skip_ws(parser *ps)
{
    const char *p = ps->p, *e = ps->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* Parses a string at ps->p (on the opening quote) into the arena. */
static int parse_string(parser *ps, const char **out, size_t *out_len)
{
    const char *p = ps->p + 1, *e = ps->end;
    char *dst = ps->doc->strings + ps->doc->str_used;
    char *d = dst;
    for (;;) {
        /* fast copy of plain bytes */
        const char *q = p;
        while (q < e && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
            q++;
        memcpy(d, p, (size_t)(q - p));
        d += q - p;
        p = q;
        if (p >= e) return perr(ps, ps->p, "unterminated string");
        if (*p == '"') break;
        if (*p != '\\') return perr(ps, p, "control character in string");
        if (e - p < 2) return perr(ps, p, "unterminated escape");
        char c = p[1];
        p += 2;
        switch (c) {
        case '"': *d++ = '"'; break;
        case '\\': *d++ = '\\'; break;
        case '/': *d++ = '/'; break;
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (e - p < 4 || !hex4(p, &cp))
                return perr(ps, p - 2, "bad \\u escape");
            p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return perr(ps, p - 6, "lone low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                    !hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return perr(ps, p - 6, "lone high surrogate");
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            d += m2v_utf8_put(cp, d);
            break;
        }
        default:
            return perr(ps, p - 2, "bad escape");
        }
    }
    *out = dst;
    *out_len = (size_t)(d - dst);
    *d++ = '\0';
    ps->doc->str_used += (size_t)(d - dst);
    ps->p = p + 1;
    return M2V_OK;
}

static const double pow10_tab[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int parse_number(parser *ps, m2v_json *v)
{
    const char *start = ps->p, *p = ps->p, *e = ps->end;
    bool neg = false, frac = false, expo = false;
    uint64_t mant = 0;
    int mant_digits = 0, dec_shift = 0;
    bool mant_exact = true;
    if (p < e && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= e || *p < '0' || *p > '9') return perr(ps, start, "bad number");
    if (*p == '0') {
        p++;
        if (p < e && *p >= '0' && *p <= '9')
            return perr(ps, start, "leading zero in number");
    } else {
        while (p < e && *p >= '0' && *p <= '9') {
            if (mant_digits < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) mant_digits++;
            } else {
                mant_exact = false;
                dec_shift++;
            }
            p++;
        }
    }
    if (p < e && *p == '.') {
        frac = true;
        p++;
        if (p >= e || *p < '0' || *p > '9')
            return perr(ps, start, "digit expected after '.'");
        while (p < e && *p >= '0' && *p <= '9') {
            if (mant_digits < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) mant_digits++;
                dec_shift--;
            } else if (*p != '0') {
                mant_exact = false;
            }
            p++;
        }
    }
    long exp10 = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        expo = true;
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p >= e || *p < '0' || *p > '9')
            return perr(ps, start, "digit expected in exponent");
        while (p < e && *p >= '0' && *p <= '9') {
            if (exp10 < 100000) exp10 = exp10 * 10 + (*p - '0');
            p++;
        }
        if (eneg) exp10 = -exp10;
    }
    v->type = M2V_JSON_NUMBER;
    ps->p = p;

    /* Plain integers: exact in int64 when they fit. */
    if (!frac && !expo && mant_exact) {
        if (!neg && mant <= (uint64_t)INT64_MAX) {
            v->is_int = true;
            v->u.num.i = (int64_t)mant;
        } else if (neg && mant <= (uint64_t)INT64_MAX + 1) {
            v->is_int = true;
            v->u.num.i = mant == (uint64_t)INT64_MAX + 1
                             ? INT64_MIN
                             : -(int64_t)mant;
        }
    }
    long e10 = exp10 + dec_shift;
    double d;
    if (mant_exact && mant <= (UINT64_C(1) << 53) && e10 >= -22 &&
        e10 <= 22) {
        /* Clinger's fast path: both operands exact, one rounding. */
        d = (double)mant;
        d = e10 < 0 ? d / pow10_tab[-e10] : d * pow10_tab[e10];
    } else {
        /* Correctly rounded by strtod, made locale independent. */
        char buf[128], *bp = buf, *heap = NULL;
        size_t n = (size_t)(p - start);
        if (n >= sizeof buf) {
            heap = malloc(n + 1);
            if (!heap)
                return m2v_fail(ps->err, M2V_NOMEM, "%s: out of memory",
                                ps->what);
            bp = heap;
        }
        memcpy(bp, start, n);
        bp[n] = '\0';
        const char *dp = localeconv()->decimal_point;
        char *dot = strchr(bp, '.');
        if (dot && dp && dp[0] && !dp[1]) *dot = dp[0];
        d = strtod(bp, NULL);
        free(heap);
        neg = false; /* sign already in d */
    }
    if (neg) d = -d;
    /* With a fraction or exponent, the number is an exact integer only if
    ** its decimal value is (1.0, 1e3, 2.50e1), not when the double it
    ** rounds to happens to be integral (0.99999999999999999999, 1e-400,
    ** -9223372036854775808.5). */
    if (!v->is_int && (frac || expo) && mant_exact) {
        uint64_t m = mant;
        long e = e10;
        bool ok = true;
        if (m != 0) {
            while (ok && e < 0) {
                if (m % 10) ok = false;
                else m /= 10, e++;
            }
            while (ok && e > 0) {
                if (m > UINT64_MAX / 10) ok = false;
                else m *= 10, e--;
            }
        }
        bool negative = *start == '-'; /* neg is cleared on strtod's path */
        if (ok && !negative && m <= (uint64_t)INT64_MAX) {
            v->is_int = true;
            v->u.num.i = (int64_t)m;
        } else if (ok && negative && m <= (uint64_t)INT64_MAX + 1) {
            v->is_int = true;
            v->u.num.i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
        }
    }
    v->u.num.d = d;
    return M2V_OK;
}

static int parse_value(parser *ps, m2v_json **out);

static int parse_container(parser *ps, m2v_json *v, bool is_obj)
{
    const m2v_json **tail = &v->u.kids.first;
    size_t n = 0;
    char close = is_obj ? '}' : ']';
    if (++ps->depth > M2V_JSON_MAX_DEPTH)
        return perr(ps, ps->p, "nesting deeper than 256");
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return M2V_OK;
    }
    for (;;) {
        const char *key = NULL;
        size_t key_len = 0;
        m2v_json *child;
        int rc;
        skip_ws(ps);
        if (is_obj) {
            if (ps->p >= ps->end || *ps->p != '"')
                return perr(ps, ps->p, "object key expected");
            if ((rc = parse_string(ps, &key, &key_len))) return rc;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return perr(ps, ps->p, "':' expected");
            ps->p++;
            skip_ws(ps);
        }
        if ((rc = parse_value(ps, &child))) return rc;
        child->key = key;
        child->key_len = key_len;
        *tail = child;
        tail = &child->next;
        n++;
        skip_ws(ps);
        if (ps->p >= ps->end)
            return perr(ps, ps->p, is_obj ? "unterminated object"
                                           : "unterminated array");
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            break;
        }
        return perr(ps, ps->p, is_obj ? "',' or '}' expected"
                                       : "',' or ']' expected");
    }
    v->u.kids.n = n;
    ps->depth--;
    return M2V_OK;
}

static int literal(parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return perr(ps, ps->p, "invalid literal");
    ps->p += n;
    return M2V_OK;
}

static int parse_value(parser *ps, m2v_json **out)
{
    m2v_json *v = new_node(ps);
    if (!v) return m2v_fail(ps->err, M2V_NOMEM, "%s: out of memory", ps->what);
    *out = v;
    if (ps->p >= ps->end) return perr(ps, ps->p, "value expected");
    switch (*ps->p) {
    case '{':
        v->type = M2V_JSON_OBJECT;
        return parse_container(ps, v, true);
    case '[':
        v->type = M2V_JSON_ARRAY;
        return parse_container(ps, v, false);
    case '"':
        v->type = M2V_JSON_STRING;
        return parse_string(ps, &v->u.str.s, &v->u.str.len);
    case 't':
        v->type = M2V_JSON_TRUE;
        return literal(ps, "true", 4);
    case 'f':
        v->type = M2V_JSON_FALSE;
        return literal(ps, "false", 5);
    case 'n':
        v->type = M2V_JSON_NULL;
        return literal(ps, "null", 4);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps, v);
        return perr(ps, ps->p, "value expected");
    }
}

void m2v_json_free(m2v_json_doc *doc)
{
    if (!doc) return;
    chunk *c = doc->chunks;
    while (c) {
        chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    free(doc->strings);
    free(doc);
}

int m2v_json_parse(const char *text, size_t len, const char *what,
                   m2v_json_doc **out, m2v_error *err)
{
    if (!out) return m2v_fail(err, M2V_MISUSE, "m2v_json_parse: out is NULL");
    *out = NULL;
    if (!what) what = "JSON";
    if (!text && len) return m2v_fail(err, M2V_MISUSE, "%s: NULL text", what);
    size_t bad = m2v_utf8_check(text, len);
    if (bad != len)
        return m2v_fail(err, M2V_FORMAT, "%s: invalid UTF-8 at byte %zu",
                        what, bad);
    m2v_json_doc *doc = calloc(1, sizeof *doc);
    if (!doc || !(doc->strings = malloc(len + 1))) {
        free(doc);
        return m2v_fail(err, M2V_NOMEM, "%s: out of memory", what);
    }
    parser ps = {text, text, text + len, what, doc, 0, err};
    skip_ws(&ps);
    int rc = parse_value(&ps, &doc->root);
    if (rc == M2V_OK) {
        skip_ws(&ps);
        if (ps.p != ps.end) rc = perr(&ps, ps.p, "trailing characters");
    }
    if (rc != M2V_OK) {
        m2v_json_free(doc);
        return rc;
    }
    *out = doc;
    return m2v_ok(err);
}

const m2v_json *m2v_json_root(const m2v_json_doc *doc)
{
    return doc ? doc->root : NULL;
}

m2v_json_type m2v_json_type_of(const m2v_json *v)
{
    return v ? (m2v_json_type)v->type : M2V_JSON_NULL;
}

bool m2v_json_is(const m2v_json *v, m2v_json_type t)
{
    return v && v->type == t;
}

/* The last member with the key, as Python's json (model2vec reads
** config.json with it) and serde_json maps keep the last duplicate. */
const m2v_json *m2v_json_get(const m2v_json *obj, const char *key)
{
    if (!obj || obj->type != M2V_JSON_OBJECT || !key) return NULL;
    size_t n = strlen(key);
    const m2v_json *found = NULL;
    for (const m2v_json *c = obj->u.kids.first; c; c = c->next)
        if (c->key_len == n && memcmp(c->key, key, n) == 0) found = c;
    return found;
}

size_t m2v_json_len(const m2v_json *v)
{
    if (!v || (v->type != M2V_JSON_OBJECT && v->type != M2V_JSON_ARRAY))
        return 0;
    return v->u.kids.n;
}

const m2v_json *m2v_json_first(const m2v_json *v)
{
    if (!v || (v->type != M2V_JSON_OBJECT && v->type != M2V_JSON_ARRAY))
        return NULL;
    return v->u.kids.first;
}

const m2v_json *m2v_json_next(const m2v_json *v) { return v ? v->next : NULL; }

const char *m2v_json_key(const m2v_json *member, size_t *key_len)
{
    if (!member || !member->key) {
        if (key_len) *key_len = 0;
        return NULL;
    }
    if (key_len) *key_len = member->key_len;
    return member->key;
}

const char *m2v_json_str(const m2v_json *v, size_t *len)
{
    if (!v || v->type != M2V_JSON_STRING) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = v->u.str.len;
    return v->u.str.s;
}

bool m2v_json_str_eq(const m2v_json *v, const char *s)
{
    if (!v || v->type != M2V_JSON_STRING || !s) return false;
    size_t n = strlen(s);
    return v->u.str.len == n && memcmp(v->u.str.s, s, n) == 0;
}

double m2v_json_num(const m2v_json *v)
{
    return v && v->type == M2V_JSON_NUMBER ? v->u.num.d : 0.0;
}

bool m2v_json_int(const m2v_json *v, int64_t *out)
{
    if (!v || v->type != M2V_JSON_NUMBER || !v->is_int) return false;
    if (out) *out = v->u.num.i;
    return true;
}

size_t m2v_json_offset(const m2v_json *v) { return v ? v->offset : 0; }
