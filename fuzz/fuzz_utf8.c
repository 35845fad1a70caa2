/*
** fuzz_utf8.c -- libFuzzer target for UTF-8 handling: the core's validator
** and helpers (utf8.c) against a plain reference decoder written from the
** Unicode standard's Table 3-7 (well-formed byte sequences), and the
** native tokenizer's lenient decoder (m2v_tok_next, m2v_utf8_to_u32).
**
** Properties:
**  - m2v_utf8_check returns exactly the offset of the first ill-formed
**    sequence (or len), as the reference decoder finds it;
**  - on the valid prefix: m2v_utf8_next decodes the reference's code points,
**    m2v_utf8_put re-encodes them to the same bytes, m2v_utf8_count counts
**    them, m2v_utf8_prefix cuts at code point boundaries;
**  - m2v_tok_next agrees with the reference on valid input and never reads
**    past the end on invalid input (one U+FFFD per bad byte).
*/
#include "fuzz_common.h"
#include "m2v_tokenizer.h"

/* Reference: length of the well-formed sequence at s[i], 0 if ill-formed.
** *cp receives the code point. Straight from Table 3-7. */
static size_t fu_ref(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned b0 = s[i];
    size_t avail = len - i;
#define IN(x, lo, hi) ((x) >= (lo) && (x) <= (hi))
    if (b0 <= 0x7F) {
        *cp = b0;
        return 1;
    }
    if (IN(b0, 0xC2, 0xDF)) {
        if (avail < 2 || !IN(s[i + 1], 0x80, 0xBF)) return 0;
        *cp = ((b0 & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
        return 2;
    }
    if (IN(b0, 0xE0, 0xEF)) {
        unsigned lo = 0x80, hi = 0xBF;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
        if (avail < 3 || !IN(s[i + 1], lo, hi) || !IN(s[i + 2], 0x80, 0xBF))
            return 0;
        *cp = ((b0 & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
        return 3;
    }
    if (IN(b0, 0xF0, 0xF4)) {
        unsigned lo = 0x80, hi = 0xBF;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
        if (avail < 4 || !IN(s[i + 1], lo, hi) || !IN(s[i + 2], 0x80, 0xBF) ||
            !IN(s[i + 3], 0x80, 0xBF))
            return 0;
        *cp = ((b0 & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
              ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
        return 4;
    }
#undef IN
    return 0;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    if (!text) return 0;
    const unsigned char *s = (const unsigned char *)text;

    /* reference scan */
    size_t i = 0, ncp = 0;
    uint32_t cp;
    while (i < size) {
        size_t k = fu_ref(s, size, i, &cp);
        if (!k) break;
        i += k;
        ncp++;
    }
    size_t valid = i;
    FUZZ_CHECK(m2v_utf8_check(text, size) == valid);
    /* every prefix ending at the first error is valid */
    FUZZ_CHECK(m2v_utf8_check(text, valid) == valid);

    /* helpers on the valid prefix */
    FUZZ_CHECK(m2v_utf8_count(text, valid) == ncp);
    size_t pos = 0, n = 0;
    while (pos < valid) {
        size_t before = pos;
        uint32_t want;
        size_t k = fu_ref(s, valid, pos, &want);
        uint32_t got = m2v_utf8_next(text, valid, &pos);
        FUZZ_CHECK(got == want && pos == before + k);
        char enc[4];
        FUZZ_CHECK(m2v_utf8_put(got, enc) == k);
        FUZZ_CHECK(memcmp(enc, text + before, k) == 0);
        size_t tp = before;
        FUZZ_CHECK(m2v_tok_next(text, valid, &tp) == want && tp == pos);
        n++;
        /* prefix of n code points ends exactly here */
        FUZZ_CHECK(m2v_utf8_prefix(text, valid, n) == pos);
    }
    FUZZ_CHECK(m2v_utf8_prefix(text, valid, 0) == 0 || valid == 0);
    FUZZ_CHECK(m2v_utf8_prefix(text, valid, ncp + 1) == valid);
    FUZZ_CHECK(m2v_utf8_prefix(text, valid, SIZE_MAX) == valid);

    /* the tokenizer's lenient decoder on the whole input: one code point per
    ** well-formed sequence, U+FFFD for each byte that starts none */
    pos = 0;
    size_t lenient = 0;
    while (pos < size) {
        size_t before = pos;
        uint32_t want;
        size_t k = fu_ref(s, size, pos, &want);
        uint32_t got = m2v_tok_next(text, size, &pos);
        if (k) FUZZ_CHECK(got == want && pos == before + k);
        else FUZZ_CHECK(got == 0xFFFD && pos == before + 1);
        lenient++;
    }
    m2v_u32vec v = {0};
    if (m2v_utf8_to_u32(text, size, &v) == 0) {
        FUZZ_CHECK(v.n == lenient);
        m2v_bytevec bv = {0};
        if (m2v_u32_to_utf8(v.v, v.n, &bv) == 0) {
            /* re-encoded text is valid UTF-8 and equals the input when the
            ** input was valid */
            FUZZ_CHECK(m2v_utf8_check(bv.v, bv.n) == bv.n);
            if (valid == size) FUZZ_CHECK(bv.n == size && (!size || memcmp(bv.v, text, size) == 0));
        }
        m2v_bytevec_free(&bv);
    }
    m2v_u32vec_free(&v);
    free(text);
    return 0;
}
