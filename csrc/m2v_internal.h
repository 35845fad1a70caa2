/*
** m2v_internal.h -- the one private header of the m2v C core.
** Nothing here is public API. Every .c file in csrc/ includes it.
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
/* Member of an object by key (the last one if the key repeats, as Python's
** json and serde_json maps), or NULL. */
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
** Files and safetensors (safetensors.c)
** ------------------------------------------------------------------------- */

/* A read-only file mapping. addr is NULL for an empty file. */
typedef struct m2v_map {
    void *addr;
    size_t size;
} m2v_map;

/* Maps path read-only (M2V_IO on failure, message names the path). */
int m2v_map_file(const char *path, m2v_map *out, m2v_error *err);
void m2v_unmap(m2v_map *m);
/* Reads a whole file into a malloc'd, NUL-terminated buffer; files over
** limit bytes fail with M2V_LIMIT. */
int m2v_read_file(const char *path, size_t limit, char **out, size_t *out_len,
                  m2v_error *err);

/* Size in bytes of one element of an M2V_DTYPE_*, 0 if unknown. */
size_t m2v_dtype_size(int dtype);

#define M2V_ST_MAX_HEADER 100000000 /* bytes, as the safetensors library */
#define M2V_ST_MAX_RANK 8

typedef struct m2v_st_tensor {
    const char *name;       /* NUL-terminated */
    size_t name_len;
    int dtype;              /* M2V_DTYPE_*, or 0: valid safetensors dtype
                               that m2v does not run (U8, BOOL, ...) */
    const char *dtype_name; /* "F32", "U8", ... */
    int ndim;
    uint64_t shape[M2V_ST_MAX_RANK];
    uint64_t count;         /* product of shape */
    size_t begin, end;      /* data_offsets, relative to the data area */
    const unsigned char *data; /* may be unaligned */
} m2v_st_tensor;

typedef struct m2v_st {
    m2v_st_tensor *tensors;
    size_t n;
    char *names;
    const unsigned char *data; /* the data area */
    size_t data_size;
} m2v_st;

/* Validates a whole safetensors file held in buf[0..size) (not copied; the
** tensors point into it). what names the file in messages. */
int m2v_st_parse(const void *buf, size_t size, const char *what, m2v_st *st,
                 m2v_error *err);
void m2v_st_free(m2v_st *st);
const m2v_st_tensor *m2v_st_find(const m2v_st *st, const char *name);

/* ---------------------------------------------------------------------------
** Vocabulary of tokenizer.json (vocab.c) and config.json (config.c)
** ------------------------------------------------------------------------- */

/* The vocabulary as model2vec sees it: tokenizer.get_vocab() with added
** tokens. Ids are dense: token i is blob[offs[i] .. offs[i+1]). */
typedef struct m2v_vocab {
    size_t n;
    char *blob;
    size_t *offs;            /* n + 1 entries */
    size_t median;           /* int(np.median(code point lengths)) */
    int64_t unk_id;          /* model2vec's unk_token_id, or M2V_NONE */
} m2v_vocab;

int m2v_vocab_read(const m2v_json *tokenizer_root, const char *what,
                   m2v_vocab *out, m2v_error *err);
void m2v_vocab_free(m2v_vocab *v);

typedef struct m2v_config {
    int normalize;      /* 0/1; false if absent */
    int64_t max_length; /* >= 0 or M2V_NONE; 512 if absent */
} m2v_config;

#define M2V_DEFAULT_MAX_LENGTH 512

/* Parses config text (NULL: all defaults). */
int m2v_config_read(const char *text, size_t len, const char *what,
                    m2v_config *out, m2v_error *err);

/* ---------------------------------------------------------------------------
** Pooling (pool.c)
** ------------------------------------------------------------------------- */

float m2v_f16_to_f32(uint16_t h);
float m2v_bf16_to_f32(uint16_t h);
/* Rounds to the nearest float16 (ties to even), returned widened. */
float m2v_round_f16(double x);

/* How rows are read and averaged; filled once at load. */
typedef struct m2v_pool {
    const unsigned char *emb; /* rows x dim, dtype edt */
    int edt;
    size_t rows, dim, row_bytes;
    const unsigned char *weights; /* NULL or [vocab] of wdt */
    int wdt;
    const unsigned char *mapping; /* NULL or [vocab] of mdt */
    int mdt;
    int prod;   /* dtype of one (weighted) row as numpy computes it */
    int outdt;  /* dtype of model2vec's output array */
    bool avx_f16c; /* x86 with AVX and F16C: the SIMD paths of pool.c apply */
} m2v_pool;

void m2v_pool_init(m2v_pool *p);

/* Bytes of scratch m2v_pool_mean needs. */
size_t m2v_pool_scratch_size(const m2v_pool *p);

/* Mean of the rows of ids[0..n) except those equal to skip_id (M2V_NONE:
** none), normalised if asked, into out[0..dim). ids must be valid. */
void m2v_pool_mean(const m2v_pool *p, const int32_t *ids, size_t n,
                   int64_t skip_id, int normalize, void *scratch, float *out);

/* Row of each id (mapped, weighted) as float32, out is n x dim. */
void m2v_pool_rows(const m2v_pool *p, const int32_t *ids, size_t n,
                   float *out);

/* ---------------------------------------------------------------------------
** The model (model.c, encode.c)
** ------------------------------------------------------------------------- */

struct m2v_model {
    m2v_map map;       /* model.safetensors when loaded from a file */
    m2v_st st;         /* its validated header */
    m2v_tensor emb, weights, mapping;
    bool has_weights, has_mapping;
    m2v_pool pool;
    m2v_vocab vocab;
    int normalize;
    int64_t max_length; /* >= 0 or M2V_NONE */
    int64_t unk_id;     /* >= 0 or M2V_NONE */
    m2v_tokenizer tok;
    bool has_tok;
    const char *tok_kind;
};

/* Copies the first struct_size bytes of a caller's versioned struct (whose
** first field is size_t struct_size) over dst, which holds our defaults;
** fields the caller does not know keep them. M2V_MISUSE if struct_size is
** smaller than a size_t. */
int m2v_copy_versioned(void *dst, size_t dst_size, const void *src,
                       const char *what, m2v_error *err);

/* Note for the native tokenizer: m2v_load frees the parsed tokenizer.json
** as soon as m2v_native_tokenizer_new returns; copy whatever you keep. */

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
