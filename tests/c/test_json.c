/*
** test_json.c -- the strict JSON reader: values, escapes, numbers, limits,
** and rejection of every kind of malformed input, plus speed on a
** tokenizer.json-sized document.
*/
#include "m2v_test.h"

static m2v_json_doc *parse(const char *s, int want)
{
    m2v_json_doc *d = NULL;
    m2v_error err;
    CHECK_RC(m2v_json_parse(s, strlen(s), "t.json", &d, &err), want, &err);
    if (want != M2V_OK) {
        CHECK(d == NULL);
        CHECK_MSG(strstr(err.message, "t.json") != NULL, "%s", err.message);
    }
    return d;
}

static void values(void)
{
    m2v_json_doc *d = parse(
        " {\"a\": [1, -2, 3.5, true, false, null, \"x\"], \"b\": {\"c\": {}},"
        " \"e\": [], \"a\": 7}\n",
        M2V_OK);
    if (!d) return;
    const m2v_json *r = m2v_json_root(d);
    CHECK(m2v_json_type_of(r) == M2V_JSON_OBJECT);
    CHECK(m2v_json_len(r) == 4);
    int64_t last;
    /* a repeated key gives its last value, as Python's json */
    CHECK(m2v_json_int(m2v_json_get(r, "a"), &last) && last == 7);
    const m2v_json *a = m2v_json_first(r);
    CHECK(m2v_json_is(a, M2V_JSON_ARRAY) && m2v_json_len(a) == 7);
    const m2v_json *c = m2v_json_first(a);
    int64_t i;
    CHECK(m2v_json_int(c, &i) && i == 1);
    c = m2v_json_next(c);
    CHECK(m2v_json_int(c, &i) && i == -2);
    c = m2v_json_next(c);
    CHECK(!m2v_json_int(c, &i) && m2v_json_num(c) == 3.5);
    c = m2v_json_next(c);
    CHECK(m2v_json_is(c, M2V_JSON_TRUE));
    c = m2v_json_next(c);
    CHECK(m2v_json_is(c, M2V_JSON_FALSE));
    c = m2v_json_next(c);
    CHECK(m2v_json_is(c, M2V_JSON_NULL));
    c = m2v_json_next(c);
    CHECK(m2v_json_str_eq(c, "x"));
    CHECK(m2v_json_next(c) == NULL);
    CHECK(m2v_json_len(m2v_json_get(m2v_json_get(r, "b"), "c")) == 0);
    CHECK(m2v_json_first(m2v_json_get(r, "e")) == NULL);
    CHECK(m2v_json_get(r, "zz") == NULL);
    size_t kl;
    const m2v_json *m = m2v_json_first(r);
    CHECK(strcmp(m2v_json_key(m, &kl), "a") == 0 && kl == 1);
    CHECK(m2v_json_offset(m) == 7);
    /* NULL-safety of accessors */
    CHECK(m2v_json_get(NULL, "a") == NULL && m2v_json_len(NULL) == 0);
    CHECK(m2v_json_first(NULL) == NULL && m2v_json_str(NULL, &kl) == NULL);
    CHECK(!m2v_json_is(NULL, M2V_JSON_NULL) && m2v_json_num(NULL) == 0.0);
    CHECK(m2v_json_root(NULL) == NULL);
    m2v_json_free(d);
    m2v_json_free(NULL);
}

static void strings(void)
{
    m2v_json_doc *d = parse(
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", \"\\ud83d\\ude00\","
        " \"a\\u0000b\", \"\xc3\xa9\xf0\x9f\x8d\x95\", \"\"]",
        M2V_OK);
    if (!d) return;
    const m2v_json *c = m2v_json_first(m2v_json_root(d));
    size_t n;
    const char *s = m2v_json_str(c, &n);
    CHECK(n == 8 && memcmp(s, "\"\\/\b\f\n\r\t", 8) == 0);
    s = m2v_json_str(c = m2v_json_next(c), &n);
    CHECK(n == 5 && memcmp(s, "\xc3\xa9\xe2\x82\xac", 5) == 0);
    s = m2v_json_str(c = m2v_json_next(c), &n);
    CHECK(n == 4 && memcmp(s, "\xf0\x9f\x98\x80", 4) == 0);
    s = m2v_json_str(c = m2v_json_next(c), &n);
    CHECK(n == 3 && memcmp(s, "a\0b", 3) == 0); /* NUL inside */
    CHECK(!m2v_json_str_eq(c, "a"));
    s = m2v_json_str(c = m2v_json_next(c), &n);
    CHECK(n == 6);
    s = m2v_json_str(c = m2v_json_next(c), &n);
    CHECK(n == 0 && s && s[0] == 0);
    m2v_json_free(d);
}

static void numbers(void)
{
    static const struct {
        const char *text;
        bool is_int;
        int64_t i;
        double d;
    } cases[] = {
        {"0", true, 0, 0.0},
        {"-0", true, 0, -0.0},
        {"123", true, 123, 123.0},
        {"-42", true, -42, -42.0},
        {"1e3", true, 1000, 1000.0},
        {"1.0", true, 1, 1.0},
        {"1.5e1", true, 15, 15.0},
        {"1.5", false, 0, 1.5},
        {"0.1", false, 0, 0.1},
        {"-2.5E-3", false, 0, -2.5e-3},
        {"9223372036854775807", true, INT64_MAX, 9223372036854775807.0},
        {"-9223372036854775808", true, INT64_MIN, -9223372036854775808.0},
        {"9223372036854775808", false, 0, 9223372036854775808.0},
        {"123456789012345678901234567890", false, 0, 1.2345678901234568e29},
        {"1e-300", false, 0, 1e-300},
        {"2.2250738585072014e-308", false, 0, 2.2250738585072014e-308},
        {"0.30000000000000004", false, 0, 0.30000000000000004},
        {"3.141592653589793238462643383279", false, 0, 3.141592653589793},
        {"-1.7976931348623157e308", false, 0, -1.7976931348623157e308},
        {"100000000000000000000000", false, 0, 1e23},
        {"0.000001", false, 0, 1e-6},
        {"5e-324", false, 0, 5e-324},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        m2v_json_doc *d = parse(cases[k].text, M2V_OK);
        if (!d) continue;
        const m2v_json *r = m2v_json_root(d);
        int64_t i = 0;
        bool is = m2v_json_int(r, &i);
        CHECK_MSG(is == cases[k].is_int && (!is || i == cases[k].i), "%s", cases[k].text);
        CHECK_MSG(m2v_json_num(r) == cases[k].d, "%s: %.17g", cases[k].text, m2v_json_num(r));
        m2v_json_free(d);
    }
}

static void invalid(void)
{
    static const char *bad[] = {
        "", " ", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "{'a':1}",
        "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "[-]", "[--1]", "[0x10]",
        "[\"a\nb\"]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\ud800\"]", "[\"\\udc00\"]",
        "[\"\\ud800\\u0041\"]", "[\"abc]", "[tru]", "[nul]", "[True]", "[NaN]",
        "[Infinity]", "{} x", "[] []", "\xef\xbb\xbf{}", "[\"\xc3\x28\"]",
        "[\"\xed\xa0\x80\"]", "{\"a\":}", "[", "{", "]", "\"unterminated",
        "[1,,2]", "{\"a\":1 \"b\":2}", "/* c */ {}", "[1]\x00",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        m2v_json_doc *d = NULL;
        m2v_error err;
        size_t len = strlen(bad[k]) + (k == sizeof bad / sizeof bad[0] - 1);
        int rc = m2v_json_parse(bad[k], len, "bad.json", &d, &err);
        CHECK_MSG(rc == M2V_FORMAT && d == NULL, "accepted: %s", bad[k]);
        CHECK_MSG(strstr(err.message, "bad.json: ") == err.message, "%s", err.message);
    }
    /* error messages give byte offsets */
    m2v_json_doc *d = NULL;
    m2v_error err;
    m2v_json_parse("[1, 2, x]", 9, "p.json", &d, &err);
    CHECK(strstr(err.message, "at byte 7") != NULL);
    /* depth: 256 levels are fine, 257 are not */
    char deep[600];
    for (int depth = 256; depth <= 257; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        deep[2 * depth] = 0;
        int rc = m2v_json_parse(deep, (size_t)(2 * depth), "deep", &d, &err);
        CHECK(rc == (depth == 256 ? M2V_OK : M2V_FORMAT));
        if (rc == M2V_OK) m2v_json_free(d);
        else CHECK(strstr(err.message, "nesting") != NULL);
    }
    CHECK_RC(m2v_json_parse("{}", 2, "x", NULL, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_json_parse(NULL, 2, "x", &d, &err), M2V_MISUSE, &err);
}

/* A tokenizer.json-like document of ~700 KB: parse speed. */
static void speed(void)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    len += (size_t)sprintf(buf, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{");
    for (int i = 0; i < 30000; i++)
        len += (size_t)sprintf(buf + len, "%s\"##tok\\u00e9n%d\":%d", i ? "," : "", i, i);
    len += (size_t)sprintf(buf + len, "}}}");
    double t0 = t_now();
    int reps = 10;
    for (int r = 0; r < reps; r++) {
        m2v_json_doc *d = NULL;
        m2v_error err;
        CHECK_RC(m2v_json_parse(buf, len, "big", &d, &err), M2V_OK, &err);
        if (d && r == 0) {
            const m2v_json *v = m2v_json_get(m2v_json_get(m2v_json_root(d), "model"), "vocab");
            CHECK(m2v_json_len(v) == 30000);
        }
        m2v_json_free(d);
    }
    double dt = (t_now() - t0) / reps;
    printf("json: %zu KB parsed in %.2f ms (%.0f MB/s)\n", len / 1024, dt * 1e3,
           (double)len / dt / 1e6);
    CHECK(dt < 1.0);
    free(buf);
}

int main(void)
{
    values();
    strings();
    numbers();
    invalid();
    speed();
    return t_done("test_json");
}
