/*
** fuzz_json.c -- libFuzzer target for the JSON reader (json.c) and the two
** readers built on it that see untrusted JSON without a tokenizer: the
** config reader (config.c) and the vocabulary reader (vocab.c).
**
** Properties checked on every input:
**  - m2v_json_parse returns M2V_OK or M2V_FORMAT with a message;
**  - on success the tree is consistent: lengths equal the number of
**    children, every string and key is valid UTF-8 of its stated length,
**    exact integers agree with their double;
**  - serialising the tree and parsing it again gives the same tree
**    (round trip): same shape, keys, strings and doubles, and every exact
**    integer stays that integer;
**  - config and vocabulary readers return a status with a message.
*/
#include "fuzz_common.h"

#include <math.h>

typedef struct fj_buf {
    char *p;
    size_t n, cap;
    int oom;
} fj_buf;

static void fj_put(fj_buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1) cap *= 2;
        char *g = realloc(b->p, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void fj_str(fj_buf *b, const char *s, size_t n)
{
    fj_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            fj_put(b, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            fj_put(b, esc, 6);
        } else {
            fj_put(b, (const char *)&s[i], 1);
        }
    }
    fj_put(b, "\"", 1);
}

/* Canonical text: no spaces, keys in document order, integers as %lld,
** other numbers as %.17g (infinities as +-1e999). With doubles_only, every
** number is written as its double: the form two trees are compared in (a
** %.17g text may itself be an exact integer, 1.3333333333333333e+17, and
** then reads back as one). fj_same_ints checks the integers. */
static void fj_dump_as(fj_buf *b, const m2v_json *v, int doubles_only);
static void fj_dump(fj_buf *b, const m2v_json *v) { fj_dump_as(b, v, 0); }

static void fj_dump_as(fj_buf *b, const m2v_json *v, int doubles_only)
{
    char num[64];
    switch (m2v_json_type_of(v)) {
    case M2V_JSON_NULL: fj_put(b, "null", 4); break;
    case M2V_JSON_FALSE: fj_put(b, "false", 5); break;
    case M2V_JSON_TRUE: fj_put(b, "true", 4); break;
    case M2V_JSON_NUMBER: {
        int64_t i;
        double d = m2v_json_num(v);
        int k;
        if (!doubles_only && m2v_json_int(v, &i) && !(d == 0 && signbit(d)))
            k = snprintf(num, sizeof num, "%lld", (long long)i);
        else if (isinf(d))
            k = snprintf(num, sizeof num, "%s", d < 0 ? "-1e999" : "1e999");
        else
            k = snprintf(num, sizeof num, "%.17g", d);
        fj_put(b, num, (size_t)k);
        break;
    }
    case M2V_JSON_STRING: {
        size_t n;
        const char *s = m2v_json_str(v, &n);
        fj_str(b, s, n);
        break;
    }
    case M2V_JSON_ARRAY:
    case M2V_JSON_OBJECT: {
        int obj = m2v_json_is(v, M2V_JSON_OBJECT);
        fj_put(b, obj ? "{" : "[", 1);
        for (const m2v_json *c = m2v_json_first(v); c; c = m2v_json_next(c)) {
            if (c != m2v_json_first(v)) fj_put(b, ",", 1);
            if (obj) {
                size_t kl;
                const char *k = m2v_json_key(c, &kl);
                fj_str(b, k, kl);
                fj_put(b, ":", 1);
            }
            fj_dump_as(b, c, doubles_only);
        }
        fj_put(b, obj ? "}" : "]", 1);
        break;
    }
    }
}

/* Every exact integer of a is the same exact integer in b (same shapes). */
static void fj_same_ints(const m2v_json *a, const m2v_json *b)
{
    int64_t x, y;
    if (m2v_json_int(a, &x)) FUZZ_CHECK(m2v_json_int(b, &y) && x == y);
    const m2v_json *ca = m2v_json_first(a), *cb = m2v_json_first(b);
    for (; ca && cb; ca = m2v_json_next(ca), cb = m2v_json_next(cb)) fj_same_ints(ca, cb);
    FUZZ_CHECK(!ca && !cb);
}

static void fj_check_tree(const m2v_json *v, size_t text_len)
{
    FUZZ_CHECK(m2v_json_offset(v) <= text_len);
    switch (m2v_json_type_of(v)) {
    case M2V_JSON_STRING: {
        size_t n;
        const char *s = m2v_json_str(v, &n);
        FUZZ_CHECK(s != NULL);
        FUZZ_CHECK(m2v_utf8_check(s, n) == n);
        FUZZ_CHECK(s[n] == '\0');
        break;
    }
    case M2V_JSON_NUMBER: {
        int64_t i;
        double d = m2v_json_num(v);
        FUZZ_CHECK(!isnan(d));
        if (m2v_json_int(v, &i)) {
            /* the double is the integer, correctly rounded */
            FUZZ_CHECK((double)i == d || fabs((double)i - d) <= fabs(d) * 0x1p-52);
        }
        break;
    }
    case M2V_JSON_ARRAY:
    case M2V_JSON_OBJECT: {
        size_t n = 0;
        int obj = m2v_json_is(v, M2V_JSON_OBJECT);
        for (const m2v_json *c = m2v_json_first(v); c; c = m2v_json_next(c)) {
            size_t kl;
            const char *k = m2v_json_key(c, &kl);
            if (obj) {
                FUZZ_CHECK(k != NULL);
                FUZZ_CHECK(m2v_utf8_check(k, kl) == kl);
                FUZZ_CHECK(k[kl] == '\0');
                /* first match wins: get(k) is c or an earlier member */
                if (!memchr(k, '\0', kl)) {
                    const m2v_json *g = m2v_json_get(v, k);
                    FUZZ_CHECK(g != NULL);
                    size_t gl;
                    m2v_json_key(g, &gl);
                    FUZZ_CHECK(gl == kl);
                }
            } else {
                FUZZ_CHECK(k == NULL);
            }
            fj_check_tree(c, text_len);
            n++;
        }
        FUZZ_CHECK(n == m2v_json_len(v));
        break;
    }
    default:
        break;
    }
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    if (!text) return 0;
    m2v_error e;
    m2v_json_doc *doc = NULL;
    int rc = m2v_json_parse(text, size, "fuzz.json", &doc, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc == M2V_OK || rc == M2V_FORMAT || rc == M2V_NOMEM);
    FUZZ_CHECK((rc == M2V_OK) == (doc != NULL));
    if (rc == M2V_OK) {
        const m2v_json *root = m2v_json_root(doc);
        fj_check_tree(root, size);
        fj_buf b1 = {0}, b2 = {0};
        fj_dump(&b1, root);
        if (!b1.oom) {
            m2v_json_doc *doc2 = NULL;
            rc = m2v_json_parse(b1.p, b1.n, "canonical", &doc2, &e);
            if (rc != M2V_OK)
                fprintf(stderr, "canonical text rejected: %s\n%s\n", e.message, b1.p);
            FUZZ_CHECK(rc == M2V_OK);
            /* same tree: the same doubles everywhere, the same integers */
            fj_buf d1 = {0};
            fj_dump_as(&d1, root, 1);
            fj_dump_as(&b2, m2v_json_root(doc2), 1);
            if (!b2.oom && !d1.oom)
                FUZZ_CHECK(d1.n == b2.n && memcmp(d1.p, b2.p, d1.n) == 0);
            fj_same_ints(root, m2v_json_root(doc2));
            free(d1.p);
            m2v_json_free(doc2);
        }
        free(b1.p);
        free(b2.p);

        /* The readers that take untrusted JSON. */
        if (m2v_json_is(root, M2V_JSON_OBJECT)) {
            m2v_vocab voc;
            rc = m2v_vocab_read(root, "fuzz.json", &voc, &e);
            fuzz_check_error(rc, &e);
            if (rc == M2V_OK) {
                FUZZ_CHECK(voc.n > 0);
                FUZZ_CHECK(voc.offs[0] == 0);
                for (size_t i = 0; i < voc.n; i++)
                    FUZZ_CHECK(voc.offs[i] <= voc.offs[i + 1]);
                FUZZ_CHECK(voc.unk_id == M2V_NONE || voc.unk_id >= 0);
                m2v_vocab_free(&voc);
            }
        }
        m2v_json_free(doc);
    }
    m2v_config cfg;
    rc = m2v_config_read(text, size, "fuzz-config.json", &cfg, &e);
    fuzz_check_error(rc, &e);
    if (rc == M2V_OK) {
        FUZZ_CHECK(cfg.normalize == 0 || cfg.normalize == 1);
        FUZZ_CHECK(cfg.max_length >= 0 || cfg.max_length == M2V_NONE);
    }
    free(text);
    return 0;
}
