/*
** m2v.h -- the public C API of m2v, a small, dependency-free runtime for
** Model2Vec static embedding models.
**
** This header is both the contract and the manual: anything not declared
** here is not published API. Names start with m2v_ / M2V_.
**
** ===========================================================================
** Introduction
** ===========================================================================
**
** A Model2Vec model turns a text into a vector without running a network:
**
**     text --(char cut)--> tokenizer --(token cut, drop [UNK])--> ids
**          --(look up one row per id, weights/mapping)--> mean
**          --(optional L2 normalisation)--> vector of m2v_dim() floats
**
** m2v follows model2vec 0.10.0's StaticModel.encode exactly: the text is cut
** to max_length * median_token_length code points, tokenized without special
** tokens, cut to max_length tokens, the unknown-token id is dropped, the rows
** are averaged (zero vector for no tokens) and, if normalize is set, divided
** by (L2 norm + 1e-32).
**
** The embedding table is mmap'd read-only from model.safetensors and read in
** its stored dtype (F32, F16, BF16, F64 or I8); it is never copied.
**
**     m2v_model *model = NULL;
**     m2v_error err;
**     if (m2v_load("models/potion-base-8M", NULL, &model, &err) != M2V_OK) {
**         fprintf(stderr, "m2v: %s\n", err.message);
**         return 1;
**     }
**     size_t dim = m2v_dim(model);
**     float *vec = malloc(dim * sizeof(float));
**     const char *text = "It's dangerous to go alone!";
**     if (m2v_encode(model, &text, NULL, 1, NULL, vec, dim, &err) != M2V_OK) ...
**     m2v_free(model);
**
** Thread safety: a loaded m2v_model is immutable. Every function taking a
** `const m2v_model *` may be called from any number of threads at once on
** the same model. m2v keeps no global mutable state. m2v_free must not run
** concurrently with any other call on the same model.
**
** Errors: every function that can fail returns an int status (M2V_OK == 0)
** and takes an optional `m2v_error *err` as its last parameter. When err is
** not NULL it receives the code, the index of the failing text in a batch,
** and a message naming what was wrong (file, tensor, offset, id...). The
** caller owns the m2v_error; nothing is shared between threads.
**
** Ownership: the caller owns every buffer it passes in and every output
** buffer. Nothing on the encode path is allocated for the caller to free.
** m2v_dim() tells how big an output row is.
**
** Text: all text is UTF-8, given as pointer + length in bytes (no NUL needed;
** M2V_NUL_TERMINATED means "use strlen"). Invalid UTF-8 is rejected with
** M2V_UTF8 before any tokenizer sees it; the message gives the byte offset.
*/
#ifndef M2V_H
#define M2V_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(M2V_SHARED_BUILD)
#  define M2V_API __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define M2V_API __attribute__((visibility("default")))
#else
#  define M2V_API
#endif

/* ===========================================================================
** Version
** ===========================================================================
** The version is written in one place: these macros. The run-time functions
** return the same values; a program can assert that
** m2v_version_number() == M2V_VERSION_NUMBER to detect a header/library
** mismatch.
*/
#define M2V_VERSION_MAJOR 0
#define M2V_VERSION_MINOR 1
#define M2V_VERSION_PATCH 0
#define M2V_VERSION_STRING "0.1.0"
#define M2V_VERSION_NUMBER \
    (M2V_VERSION_MAJOR * 1000000 + M2V_VERSION_MINOR * 1000 + M2V_VERSION_PATCH)

/* Returns M2V_VERSION_STRING of the library that is linked. Static string.
** Thread-safe. Since 0.1. */
M2V_API const char *m2v_version(void);

/* Returns M2V_VERSION_NUMBER of the library that is linked. Thread-safe.
** Since 0.1. */
M2V_API int m2v_version_number(void);

/* Build features, as bits of m2v_features(). */
#define M2V_FEATURE_THREADS          0x1 /* num_threads > 1 runs worker threads */
#define M2V_FEATURE_NATIVE_TOKENIZER 0x2 /* m2v can tokenize text itself */

/* Returns the M2V_FEATURE_* bits this library was built with. Thread-safe.
** Since 0.1. */
M2V_API unsigned m2v_features(void);

/* ===========================================================================
** Status codes
** ===========================================================================
** Values never change; new codes may be appended.
*/
#define M2V_OK           0  /* success */
#define M2V_NOMEM        1  /* a memory allocation failed */
#define M2V_IO           2  /* a file could not be opened, read or mapped */
#define M2V_FORMAT       3  /* a model file is malformed */
#define M2V_UNSUPPORTED  4  /* well-formed, but uses something m2v cannot run */
#define M2V_TOKENIZER    5  /* the tokenizer failed or returned an invalid id */
#define M2V_TOOSMALL     6  /* an output buffer is too small; size reported */
#define M2V_RANGE        7  /* an id, offset or number is out of range */
#define M2V_MISUSE       8  /* NULL pointer or invalid argument */
#define M2V_UTF8         9  /* text is not valid UTF-8 */
#define M2V_LIMIT       10  /* input exceeds a documented size limit */

/* Returns a static English description of a status code ("out of memory",
** ...). Never NULL: unknown codes give "unknown error". Thread-safe.
** Since 0.1. */
M2V_API const char *m2v_errstr(int code);

/* Detail of a failure, filled by every function taking one (if not NULL).
** On success, code is M2V_OK and message is "". */
typedef struct m2v_error {
    int code;          /* the status the function returned */
    size_t index;      /* batch calls: index of the text/sequence that failed */
    char message[512]; /* NUL-terminated, e.g. "model.safetensors: tensor
                          'embeddings': data_offsets [0, 12) do not match
                          shape [3, 2] x F32 (24 bytes)" */
} m2v_error;

/* ===========================================================================
** Limits
** ===========================================================================
** Model files come from outside; these limits keep what a file can make m2v
** allocate or compute bounded, on 32-bit targets (armeabi-v7a) as on 64-bit
** ones. A file over a limit is rejected with M2V_LIMIT (M2V_FORMAT for the
** safetensors header, as the safetensors library does) and a message naming
** the file and the limit. The values may grow in later versions, never
** shrink.
*/
#define M2V_MAX_HEADER_BYTES 100000000 /* safetensors JSON header */
#define M2V_MAX_TOKENIZER_JSON_BYTES ((size_t)1 << 30) /* tokenizer.json */
#define M2V_MAX_CONFIG_JSON_BYTES ((size_t)16 << 20)   /* config.json */
#define M2V_MAX_JSON_DEPTH 256         /* nesting of any JSON document */
#define M2V_MAX_VOCAB ((size_t)1 << 24) /* tokens incl. added tokens; also
                                           rows of the embedding table */
#define M2V_MAX_DIM ((size_t)1 << 16)   /* columns of the embedding table */
#define M2V_MAX_THREADS 256             /* num_threads above is clamped */
/*
** Texts have no length limit. Every size m2v computes from a text length,
** a token count, n_texts or dim is checked against overflow of size_t
** before use (n_texts * dim > SIZE_MAX gives M2V_TOOSMALL); when working
** memory for a very long text cannot be had, the call fails cleanly with
** M2V_NOMEM and the model stays usable. With the default max_length, only the first
** max_length * median_token_length code points of a text are tokenized, so
** encoding a text costs O(its length) for the UTF-8 check and little more.
*/

/* ===========================================================================
** Option values shared by several settings
** ===========================================================================
*/
#define M2V_DEFAULT (-1) /* take the value from the model (or its config) */
#define M2V_NONE    (-2) /* max_length: no limit; unk_token_id: drop nothing */

/* Text length meaning "NUL-terminated, use strlen". */
#define M2V_NUL_TERMINATED ((size_t)-1)

/* ===========================================================================
** Tokenizer callback
** ===========================================================================
** A tokenizer turns UTF-8 text into token ids. m2v has a native tokenizer
** (used when m2v_load_options.tokenizer is NULL) and accepts any other one
** through this table; the native tokenizer implements exactly this protocol,
** so the two are interchangeable.
**
** Protocol of tokenize():
**  - text is valid UTF-8 of text_len bytes (m2v checked it), already cut to
**    max_length * median_token_length code points when encoding.
**  - Write the first min(total, ids_capacity) ids into ids and set *n_ids to
**    the total number of ids of the text, as the tokenizer produces them
**    with add_special_tokens=False, before any truncation and before
**    unknown tokens are removed (m2v does both).
**  - max_tokens is a hint: m2v uses only the first max_tokens ids
**    (SIZE_MAX = all). A tokenizer may stop once it has produced that many
**    and report *n_ids = max_tokens.
**  - If *n_ids > ids_capacity (and the first max_tokens did not fit), m2v
**    grows its buffer to *n_ids and calls again with the same text.
**  - Return 0 on success; M2V_NOMEM when working memory could not be had
**    (the call that asked for the tokens fails with M2V_NOMEM); any other
**    non-zero value on failure (the call fails with M2V_TOKENIZER). Either
**    way err->index names the text.
**  - Every id must be in [0, m2v_vocab_size()); m2v checks and rejects
**    others with M2V_TOKENIZER.
**  - scratch is the value scratch_new() returned for the calling thread
**    (NULL when scratch_new is NULL). It is never used by two threads at
**    once, so a tokenizer may keep working memory there.
** Thread safety: tokenize() is called concurrently from every thread that
** uses the model, with the same user_data. It must be safe for that.
*/
typedef struct m2v_tokenizer {
    size_t struct_size; /* sizeof(m2v_tokenizer) */
    void *user_data;    /* passed to every function below */
    int (*tokenize)(void *user_data, void *scratch, const char *text,
                    size_t text_len, size_t max_tokens, int32_t *ids,
                    size_t ids_capacity, size_t *n_ids);
    /* Optional (may be NULL). Called exactly once by m2v_free, if and only
    ** if the load that took this table succeeded. */
    void (*destroy)(void *user_data);
    /* Optional (may be NULL; both or neither). Create and free one working
    ** area per thread and call; scratch_new returns NULL on failure. */
    void *(*scratch_new)(void *user_data);
    void (*scratch_free)(void *user_data, void *scratch);
} m2v_tokenizer;

/* ===========================================================================
** Model lifecycle
** ===========================================================================
** An m2v_model is an opaque, immutable, loaded model. Think of it as an
** object: its constructors are m2v_load, m2v_load_files and
** m2v_load_buffers; its destructor is m2v_free.
*/
typedef struct m2v_model m2v_model;

/* Load-time options. Always initialise with m2v_load_options_init, then
** change the fields you need; m2v reads only the first struct_size bytes, so
** fields appended in later versions keep their defaults for old callers.
** NULL options mean all defaults. */
typedef struct m2v_load_options {
    size_t struct_size;   /* sizeof(m2v_load_options) */
    int normalize;        /* M2V_DEFAULT: config "normalize" (false if absent);
                             0 or 1: override */
    int64_t max_length;   /* M2V_DEFAULT: config "max_length" (512 if absent,
                             no limit if null); M2V_NONE: no limit; >= 0 */
    int64_t unk_token_id; /* M2V_DEFAULT: from tokenizer.json (the model's
                             unk_token / unk_id); M2V_NONE: drop nothing; or
                             an id >= 0 */
    /* The tokenizer to use. NULL: the native one, read from tokenizer.json;
    ** m2v_load fails with M2V_UNSUPPORTED naming the component if the file
    ** uses something the native tokenizer cannot run. The table is copied. */
    const m2v_tokenizer *tokenizer;
    /* M2V_LOAD_* bits. */
    unsigned flags;
} m2v_load_options;

/* Load no tokenizer: only m2v_encode_ids works; text calls fail with
** M2V_MISUSE. tokenizer.json is still read (vocabulary, unknown token). */
#define M2V_LOAD_NO_TOKENIZER 0x1

/* Fills *opts with the defaults (every setting M2V_DEFAULT, no tokenizer
** callback, no flags) and sets struct_size. Since 0.1. */
M2V_API void m2v_load_options_init(m2v_load_options *opts);

/* Loads the model in folder model_dir, in any layout model2vec 0.10.0 loads,
** tried in this order:
**   1. config.json + model.safetensors + tokenizer.json (tensor "embeddings")
**   2. config_sentence_transformers.json + model.safetensors + tokenizer.json
**      (tensor "embedding.weight")
**   3. config_sentence_transformers.json + 0_StaticEmbedding/model.safetensors
**      + 0_StaticEmbedding/tokenizer.json (tensor "embedding.weight")
** model.safetensors is mmap'd read-only and stays mapped until m2v_free.
** opts may be NULL. On success *out_model (OUT) receives the model, which the
** caller frees with m2v_free. On failure *out_model is set to NULL.
** @return M2V_OK, M2V_IO (missing/unreadable file), M2V_FORMAT (malformed
**   file), M2V_UNSUPPORTED, M2V_NOMEM, M2V_LIMIT or M2V_MISUSE.
** Thread-safe (loads share nothing). Since 0.1. */
M2V_API int m2v_load(const char *model_dir, const m2v_load_options *opts,
                     m2v_model **out_model, m2v_error *err);

/* Explicit file paths for m2v_load_files. */
typedef struct m2v_model_files {
    size_t struct_size;           /* sizeof(m2v_model_files) */
    const char *safetensors_path; /* required; mmap'd */
    const char *tokenizer_path;   /* required: tokenizer.json */
    const char *config_path;      /* NULL: no config (all defaults) */
    const char *embedding_tensor; /* NULL: "embeddings" */
} m2v_model_files;

/* Loads a model from explicit file paths. Otherwise as m2v_load.
** Since 0.1. */
M2V_API int m2v_load_files(const m2v_model_files *files,
                           const m2v_load_options *opts,
                           m2v_model **out_model, m2v_error *err);

/* In-memory model files for m2v_load_buffers (e.g. Android assets). */
typedef struct m2v_model_buffers {
    size_t struct_size;       /* sizeof(m2v_model_buffers) */
    /* model.safetensors. NOT copied: the caller keeps it valid and unchanged
    ** until m2v_free of the model. Any alignment is accepted. */
    const void *safetensors;
    size_t safetensors_size;
    /* tokenizer.json, read during the call only. Required. */
    const char *tokenizer_json;
    size_t tokenizer_json_size;
    /* config.json, read during the call only. NULL: all defaults. */
    const char *config_json;
    size_t config_json_size;
    const char *embedding_tensor; /* NULL: "embeddings" */
} m2v_model_buffers;

/* Loads a model from caller-owned memory. Otherwise as m2v_load.
** Since 0.1. */
M2V_API int m2v_load_buffers(const m2v_model_buffers *buffers,
                             const m2v_load_options *opts,
                             m2v_model **out_model, m2v_error *err);

/* Frees a model: unmaps its files, calls the tokenizer's destroy(). NULL is
** a harmless no-op. Must not run concurrently with other calls on the same
** model. Since 0.1. */
M2V_API void m2v_free(m2v_model *model);

/* ===========================================================================
** Encoding
** ===========================================================================
*/

/* Per-call options. Initialise with m2v_encode_options_init; NULL means all
** defaults. Same struct_size rule as m2v_load_options. */
typedef struct m2v_encode_options {
    size_t struct_size; /* sizeof(m2v_encode_options) */
    int normalize;      /* M2V_DEFAULT: the model's; 0 or 1 */
    int64_t max_length; /* M2V_DEFAULT: the model's; M2V_NONE; or >= 0 */
    int num_threads;    /* 1 (default): the calling thread only; n > 1: up
                           to n worker threads; 0: one per online CPU.
                           Output is identical for any value. */
} m2v_encode_options;

/* Fills *opts with the defaults and sets struct_size. Since 0.1. */
M2V_API void m2v_encode_options_init(m2v_encode_options *opts);

/* Encodes n_texts texts into out, row-major, n_texts x m2v_dim() floats.
**  texts[i] is UTF-8 of text_lens[i] bytes; text_lens may be NULL (every
**  text NUL-terminated), and text_lens[i] may be M2V_NUL_TERMINATED.
**  out_capacity is the number of floats out can hold.
** Each row is exactly model2vec's StaticModel.encode of that text. A text
** with no tokens gives a zero row. For float16 tables model2vec returns
** float16: the floats written are those float16 values, widened; bfloat16
** tables are pooled as their exact float32 widening.
** @return M2V_OK; M2V_TOOSMALL if out_capacity < n_texts * dim (nothing is
**   written); M2V_UTF8, M2V_TOKENIZER (err->index names the text),
**   M2V_MISUSE (NULL arguments, model loaded with M2V_LOAD_NO_TOKENIZER),
**   M2V_NOMEM. On failure the contents of out are unspecified.
** Thread-safe. Since 0.1. */
M2V_API int m2v_encode(const m2v_model *model, const char *const *texts,
                       const size_t *text_lens, size_t n_texts,
                       const m2v_encode_options *opts, float *out,
                       size_t out_capacity, m2v_error *err);

/* Encodes already-tokenized sequences (for callers that tokenize
** themselves). Sequence i is ids[offsets[i] .. offsets[i+1]); offsets has
** n_seqs + 1 non-decreasing entries. The same rules as m2v_encode apply
** after tokenization: the first max_length ids are kept, then the unknown
** token id is dropped. Every id must be in [0, m2v_vocab_size()).
** @return M2V_OK; M2V_RANGE (bad id or offsets; err->index names the
**   sequence), M2V_TOOSMALL, M2V_MISUSE, M2V_NOMEM.
** Thread-safe. Since 0.1. */
M2V_API int m2v_encode_ids(const m2v_model *model, const int32_t *ids,
                           const size_t *offsets, size_t n_seqs,
                           const m2v_encode_options *opts, float *out,
                           size_t out_capacity, m2v_error *err);

/* One vector per token, like model2vec's encode_as_sequence: the text is cut
** as in m2v_encode, tokenized, token-cut and [UNK]-filtered, and row t of out
** is the (weighted, mapped) embedding of token t, as float32. Nothing is
** pooled or normalised.
**  max_length: as model2vec's encode_as_sequence, which ignores the model's
**  max_length, M2V_DEFAULT here means no limit (no char cut, no token cut);
**  pass a value >= 0 to cut. opts->normalize is ignored.
**  *n_tokens (OUT) receives the number of rows; out must hold
**  n_tokens * dim floats. If it does not, M2V_TOOSMALL is returned with
**  *n_tokens set, and the caller may retry with a bigger buffer.
** Thread-safe. Since 0.1. */
M2V_API int m2v_encode_sequence(const m2v_model *model, const char *text,
                                size_t text_len,
                                const m2v_encode_options *opts, float *out,
                                size_t out_capacity, size_t *n_tokens,
                                m2v_error *err);

/* ===========================================================================
** Tokenization
** ===========================================================================
*/

/* Token ids of one text, like model2vec's StaticModel.tokenize: tokenized
** without special tokens, cut to max_length tokens, unknown-token id
** dropped. There is no character cut (model2vec's tokenize has none).
**  *n_ids (OUT) receives the number of ids. If it is > ids_capacity, the
**  first ids_capacity ids are written and M2V_TOOSMALL is returned.
** Thread-safe. Since 0.1. */
M2V_API int m2v_tokenize(const m2v_model *model, const char *text,
                         size_t text_len, const m2v_encode_options *opts,
                         int32_t *ids, size_t ids_capacity, size_t *n_ids,
                         m2v_error *err);

/* ===========================================================================
** Introspection
** ===========================================================================
** All are thread-safe, and return 0 (or the stated value) for a NULL model.
*/

/* Element types of tensors. */
#define M2V_DTYPE_F32  1
#define M2V_DTYPE_F16  2
#define M2V_DTYPE_BF16 3
#define M2V_DTYPE_F64  4
#define M2V_DTYPE_I8   5
#define M2V_DTYPE_I32  6
#define M2V_DTYPE_I64  7

/* Returns "float32", "float16", "bfloat16", "float64", "int8", "int32",
** "int64" (numpy names), or "unknown". Static string. Since 0.1. */
M2V_API const char *m2v_dtype_name(int dtype);

/* Dimension of a vector (columns of the embedding table). Since 0.1. */
M2V_API size_t m2v_dim(const m2v_model *model);

/* Number of token ids: the tokenizer vocabulary including added tokens.
** Valid ids are [0, m2v_vocab_size()). Since 0.1. */
M2V_API size_t m2v_vocab_size(const m2v_model *model);

/* Default normalize setting (1 or 0). Since 0.1. */
M2V_API int m2v_normalize(const m2v_model *model);

/* Default max_length in tokens, or M2V_NONE for no limit. Since 0.1. */
M2V_API int64_t m2v_max_length(const m2v_model *model);

/* Id dropped as unknown token, or M2V_NONE. Since 0.1. */
M2V_API int64_t m2v_unk_token_id(const m2v_model *model);

/* model2vec's median_token_length: int(median of the code-point lengths of
** all vocabulary strings). Since 0.1. */
M2V_API size_t m2v_median_token_length(const m2v_model *model);

/* Token string of an id (UTF-8, not NUL-terminated). *token and *token_len
** (OUT) point into the model and stay valid until m2v_free.
** @return M2V_OK or M2V_RANGE. Since 0.1. */
M2V_API int m2v_token(const m2v_model *model, int32_t id, const char **token,
                      size_t *token_len);

/* Which tokenizer the model uses: "native-wordpiece", "callback", "none"
** (M2V_LOAD_NO_TOKENIZER), ... Static string. Since 0.1. */
M2V_API const char *m2v_tokenizer_kind(const m2v_model *model);

/* A read-only view of one of the model's tensors. */
typedef struct m2v_tensor {
    const void *data; /* inside the mapping; valid until m2v_free */
    int dtype;        /* M2V_DTYPE_* */
    size_t rows;
    size_t cols;      /* 1 for the 1-D tensors weights and mapping */
} m2v_tensor;

#define M2V_TENSOR_EMBEDDINGS 1 /* [rows, dim] */
#define M2V_TENSOR_WEIGHTS    2 /* [vocab] per-token weights, optional */
#define M2V_TENSOR_MAPPING    3 /* [vocab] token id -> row, optional */

/* Fills *out (OUT) with a view of tensor `which` (M2V_TENSOR_*).
** Note: data may be unaligned for its dtype when loaded from a buffer.
** @return M2V_OK, M2V_RANGE if the model has no such tensor, M2V_MISUSE.
** Since 0.1. */
M2V_API int m2v_tensor_view(const m2v_model *model, int which,
                            m2v_tensor *out);

#ifdef __cplusplus
}
#endif

#endif /* M2V_H */
