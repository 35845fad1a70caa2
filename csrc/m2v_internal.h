/*
** m2v_internal.h -- the one private header of the m2v C core.
** Nothing here is public API. Every csrc/*.c file includes it.
*/
#ifndef M2V_INTERNAL_H
#define M2V_INTERNAL_H

#include "m2v.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#  define M2V_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define M2V_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------------
** Errors (error.c)
** ------------------------------------------------------------------------- */

/* Sets err (if not NULL) to code, index 0 and a printf-style message, and
** returns code, so callers can write `return m2v_fail(err, M2V_FORMAT, ...)`. */
int m2v_fail(m2v_error *err, int code, const char *fmt, ...) M2V_PRINTF(3, 4);

/* Resets err (if not NULL) to M2V_OK with an empty message. Returns M2V_OK. */
int m2v_ok(m2v_error *err);

/* ---------------------------------------------------------------------------
** UTF-8 (utf8.c)
** ------------------------------------------------------------------------- */

/* Returns len if text[0..len) is valid UTF-8 (no overlong forms, no
** surrogates, nothing above U+10FFFF), else the offset of the first byte of
** the first invalid sequence. */
size_t m2v_utf8_check(const char *text, size_t len);

/* Number of bytes of the first max_chars code points of valid UTF-8 text
** (len if it has fewer). */
size_t m2v_utf8_prefix(const char *text, size_t len, size_t max_chars);

/* Number of code points of valid UTF-8 text. */
size_t m2v_utf8_count(const char *text, size_t len);

/* Decodes the code point at *pos of valid UTF-8 text and advances *pos. */
uint32_t m2v_utf8_next(const char *text, size_t len, size_t *pos);

/* Encodes cp (<= 0x10FFFF) into out (at least 4 bytes); returns the byte
** count. */
size_t m2v_utf8_put(uint32_t cp, char *out);

/* ---------------------------------------------------------------------------
** JSON reader (json.c)
** ---------------------------------------------------------------------------
** A strict RFC 8259 parser into an immutable tree owned by one m2v_json_doc.
** Strings are decoded (escapes resolved, \u surrogate pairs joined) into
** valid UTF-8; they may contain NUL bytes, so always use their length.
** Invalid UTF-8, lone surrogates, trailing garbage, nesting deeper than
** M2V_JSON_MAX_DEPTH are errors (M2V_FORMAT, message with byte offset).
*/
#define M2V_JSON_MAX_DEPTH 256

typedef enum m2v_json_type {
    M2V_JSON_NULL = 0,
    M2V_JSON_FALSE,
    M2V_JSON_TRUE,
    M2V_JSON_NUMBER,
    M2V_JSON_STRING,
    M2V_JSON_ARRAY,
    M2V_JSON_OBJECT
} m2v_json_type;

typedef struct m2v_json_doc m2v_json_doc;
typedef struct m2v_json m2v_json; /* one value inside a doc */

/* Parses text[0..len). what names the document in error messages
** ("tokenizer.json"). On success *out owns the tree. */
int m2v_json_parse(const char *text, size_t len, const char *what,
                   m2v_json_doc **out, m2v_error *err);
void m2v_json_free(m2v_json_doc *doc);
const m2v_json *m2v_json_root(const m2v_json_doc *doc);

/* All accessors accept NULL and then return NULL / 0 / false. */
m2v_json_type m2v_json_type_of(const m2v_json *v);
bool m2v_json_is(const m2v_json *v, m2v_json_type t);
/* Member of an object by key (first match), or NULL. */
const m2v_json *m2v_json_get(const m2v_json *obj, const char *key);
/* Number of elements of an array or members of an object. */
size_t m2v_json_len(const m2v_json *v);
/* Iteration over array elements / object members in document order:
** for (c = m2v_json_first(v); c; c = m2v_json_next(c)) ... */
const m2v_json *m2v_json_first(const m2v_json *v);
const m2v_json *m2v_json_next(const m2v_json *v);
/* Key of an object member (as returned by first/next on an object). */
const char *m2v_json_key(const m2v_json *member, size_t *key_len);
/* String value (decoded UTF-8) and its byte length. NULL if not a string. */
const char *m2v_json_str(const m2v_json *v, size_t *len);
/* true if v is a string equal to s. */
bool m2v_json_str_eq(const m2v_json *v, const char *s);
/* Number value as double. */
double m2v_json_num(const m2v_json *v);
/* true and *out set if v is a number that is an exact integer in int64
** range (written without fraction/exponent, or with ones that keep it
** integral). */
bool m2v_json_int(const m2v_json *v, int64_t *out);
/* Byte offset of the value in the parsed text, for messages. */
size_t m2v_json_offset(const m2v_json *v);

/* ---------------------------------------------------------------------------
** Native tokenizer (tokenizer.c and its stages)
** ---------------------------------------------------------------------------
** Builds the native tokenizer from a parsed tokenizer.json. On success *out
** is a complete m2v_tokenizer table (user_data owned by it, destroy set) and
** *kind a static name such as "native-wordpiece". If the file uses a
** component the native tokenizer does not implement, returns
** M2V_UNSUPPORTED with a message naming it ("normalizer 'Precompiled' is not
** supported"). */
int m2v_native_tokenizer_new(const m2v_json *tokenizer_root,
                             m2v_tokenizer *out, const char **kind,
                             m2v_error *err);

#endif /* M2V_INTERNAL_H */
