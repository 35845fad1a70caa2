/*
** test_utf8.c -- UTF-8 validation, code point counting/cutting, decode and
** encode over every code point.
*/
#include "m2v_test.h"

static void check_valid(const char *s, size_t len, size_t want)
{
    size_t got = m2v_utf8_check(s, len);
    CHECK_MSG(got == want, "len %zu: got %zu want %zu", len, got, want);
}

int main(void)
{
    /* valid */
    check_valid("", 0, 0);
    check_valid("hello, world, plain ascii text of some length", 45, 45);
    check_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, 9);
    check_valid("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 18, 18);
    check_valid("a\0b", 3, 3); /* NUL is valid UTF-8 */
    check_valid("\xed\x9f\xbf", 3, 3); /* U+D7FF */
    /* invalid, offset of the first bad sequence */
    check_valid("abc\x80", 4, 3);          /* stray continuation */
    check_valid("\xc0\xaf", 2, 0);         /* overlong */
    check_valid("\xc1\xbf", 2, 0);         /* overlong */
    check_valid("\xe0\x80\xaf", 3, 0);     /* overlong 3-byte */
    check_valid("\xf0\x80\x80\xaf", 4, 0); /* overlong 4-byte */
    check_valid("x\xed\xa0\x80", 4, 1);    /* surrogate U+D800 */
    check_valid("\xed\xbf\xbf", 3, 0);     /* surrogate U+DFFF */
    check_valid("\xf4\x90\x80\x80", 4, 0); /* > U+10FFFF */
    check_valid("\xf5\x80\x80\x80", 4, 0);
    check_valid("\xff", 1, 0);
    check_valid("ab\xc3", 3, 2);           /* truncated */
    check_valid("ab\xe2\x82", 4, 2);
    check_valid("ab\xf0\x9f\x98", 5, 2);
    check_valid("\xc3\x28", 2, 0);
    check_valid("abcdefgh\xe2\x28\xa1", 11, 8);
    check_valid("0123456789abcdef0123456789\xfe", 27, 26);

    /* count and prefix */
    const char *s = "h\xc3\xa9llo \xf0\x9f\x98\x80 w\xe2\x82\xac";
    size_t len = strlen(s);
    CHECK(m2v_utf8_count(s, len) == 10);
    CHECK(m2v_utf8_prefix(s, len, 0) == 0);
    CHECK(m2v_utf8_prefix(s, len, 2) == 3);
    CHECK(m2v_utf8_prefix(s, len, 7) == 11);
    CHECK(m2v_utf8_prefix(s, len, 10) == len);
    CHECK(m2v_utf8_prefix(s, len, 1000) == len);
    CHECK(m2v_utf8_prefix("abcdefghijklmnopqrstuvwxyz", 26, 13) == 13);
    CHECK(m2v_utf8_prefix("abcdefghij\xc3\xa9klmnopqrstuvwxyz", 27, 12) == 13);

    /* put/next round trip over every scalar value */
    char buf[8];
    size_t bad = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        size_t n = m2v_utf8_put(cp, buf), pos = 0;
        if (m2v_utf8_check(buf, n) != n || m2v_utf8_count(buf, n) != 1) bad++;
        if (m2v_utf8_next(buf, n, &pos) != cp || pos != n) bad++;
        if (n != (cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u)) bad++;
    }
    CHECK(bad == 0);
    /* every surrogate encoding is rejected */
    for (uint32_t cp = 0xD800; cp <= 0xDFFF; cp++) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        if (m2v_utf8_check(buf, 3) != 0) bad++;
    }
    CHECK(bad == 0);
    return t_done("test_utf8");
}
