/*
** utf8.c -- UTF-8 validation, code point counting and cutting.
** Text reaching a tokenizer is always checked here first.
*/
#include "m2v_internal.h"

#include <string.h>

/* True if all 8 bytes at p are ASCII. */
static int ascii8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return (w & UINT64_C(0x8080808080808080)) == 0;
}

size_t m2v_utf8_check(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8 && ascii8(s + i)) {
            i += 8;
            continue;
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (len - i < 2 || (s[i + 1] & 0xC0) != 0x80) return i;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (len - i < 3) return i;
            unsigned c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return i;
            if (c == 0xE0 && c1 < 0xA0) return i;  /* overlong */
            if (c == 0xED && c1 >= 0xA0) return i; /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (len - i < 4) return i;
            unsigned c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80)
                return i;
            if (c == 0xF0 && c1 < 0x90) return i; /* overlong */
            if (c == 0xF4 && c1 >= 0x90) return i; /* > U+10FFFF */
            i += 4;
        } else {
            return i; /* continuation byte, 0xC0/0xC1, 0xF5.. */
        }
    }
    return len;
}

size_t m2v_utf8_prefix(const char *text, size_t len, size_t max_chars)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, n = 0;
    if (len <= max_chars) return len; /* never more code points than bytes */
    while (i < len && n < max_chars) {
        if (len - i >= 8 && max_chars - n >= 8 && ascii8(s + i)) {
            i += 8;
            n += 8;
            continue;
        }
        unsigned c = s[i];
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        n++;
    }
    return i < len ? i : len;
}

size_t m2v_utf8_count(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += (s[i] & 0xC0) != 0x80;
    return n;
}

uint32_t m2v_utf8_next(const char *text, size_t len, size_t *pos)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = *pos;
    uint32_t c = s[i];
    (void)len; /* text is valid UTF-8: the sequence is complete */
    if (c < 0x80) {
        *pos = i + 1;
        return c;
    }
    if (c < 0xE0) {
        *pos = i + 2;
        return ((c & 0x1F) << 6) | (s[i + 1] & 0x3Fu);
    }
    if (c < 0xF0) {
        *pos = i + 3;
        return ((c & 0x0F) << 12) | ((s[i + 1] & 0x3Fu) << 6) |
               (s[i + 2] & 0x3Fu);
    }
    *pos = i + 4;
    return ((c & 0x07) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
           ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
}

size_t m2v_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
