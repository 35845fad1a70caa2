/*
** cffi declarations of include/m2v.h, read by build.py.
**
** A copy of the public declarations only. Every #define value is written as
** `...` so cffi reads it from the real header at compile time: no number is
** duplicated in Python. Keep this file in step with include/m2v.h.
*/

/* Version */
static const char *const M2V_VERSION_STRING;
#define M2V_VERSION_MAJOR ...
#define M2V_VERSION_MINOR ...
#define M2V_VERSION_PATCH ...
#define M2V_VERSION_NUMBER ...
const char *m2v_version(void);
int m2v_version_number(void);

#define M2V_FEATURE_THREADS ...
#define M2V_FEATURE_NATIVE_TOKENIZER ...
unsigned m2v_features(void);

/* Status codes */
#define M2V_OK ...
#define M2V_NOMEM ...
#define M2V_IO ...
#define M2V_FORMAT ...
#define M2V_UNSUPPORTED ...
#define M2V_TOKENIZER ...
#define M2V_TOOSMALL ...
#define M2V_RANGE ...
#define M2V_MISUSE ...
#define M2V_UTF8 ...
#define M2V_LIMIT ...
const char *m2v_errstr(int code);

typedef struct m2v_error {
    int code;
    size_t index;
    char message[...];
} m2v_error;

#define M2V_DEFAULT ...
#define M2V_NONE ...
#define M2V_NUL_TERMINATED ...

/* Tokenizer callback */
typedef struct m2v_tokenizer {
    size_t struct_size;
    void *user_data;
    int (*tokenize)(void *user_data, void *scratch, const char *text,
                    size_t text_len, size_t max_tokens, int32_t *ids,
                    size_t ids_capacity, size_t *n_ids);
    void (*destroy)(void *user_data);
    void *(*scratch_new)(void *user_data);
    void (*scratch_free)(void *user_data, void *scratch);
} m2v_tokenizer;

/* Model lifecycle */
typedef struct m2v_model m2v_model;

typedef struct m2v_load_options {
    size_t struct_size;
    int normalize;
    int64_t max_length;
    int64_t unk_token_id;
    const m2v_tokenizer *tokenizer;
    unsigned flags;
} m2v_load_options;

#define M2V_LOAD_NO_TOKENIZER ...

void m2v_load_options_init(m2v_load_options *opts);
int m2v_load(const char *model_dir, const m2v_load_options *opts,
             m2v_model **out_model, m2v_error *err);

typedef struct m2v_model_files {
    size_t struct_size;
    const char *safetensors_path;
    const char *tokenizer_path;
    const char *config_path;
    const char *embedding_tensor;
} m2v_model_files;

int m2v_load_files(const m2v_model_files *files, const m2v_load_options *opts,
                   m2v_model **out_model, m2v_error *err);

typedef struct m2v_model_buffers {
    size_t struct_size;
    const void *safetensors;
    size_t safetensors_size;
    const char *tokenizer_json;
    size_t tokenizer_json_size;
    const char *config_json;
    size_t config_json_size;
    const char *embedding_tensor;
} m2v_model_buffers;

int m2v_load_buffers(const m2v_model_buffers *buffers,
                     const m2v_load_options *opts, m2v_model **out_model,
                     m2v_error *err);

void m2v_free(m2v_model *model);

/* Encoding */
typedef struct m2v_encode_options {
    size_t struct_size;
    int normalize;
    int64_t max_length;
    int num_threads;
} m2v_encode_options;

void m2v_encode_options_init(m2v_encode_options *opts);

int m2v_encode(const m2v_model *model, const char *const *texts,
               const size_t *text_lens, size_t n_texts,
               const m2v_encode_options *opts, float *out,
               size_t out_capacity, m2v_error *err);

int m2v_encode_ids(const m2v_model *model, const int32_t *ids,
                   const size_t *offsets, size_t n_seqs,
                   const m2v_encode_options *opts, float *out,
                   size_t out_capacity, m2v_error *err);

int m2v_encode_sequence(const m2v_model *model, const char *text,
                        size_t text_len, const m2v_encode_options *opts,
                        float *out, size_t out_capacity, size_t *n_tokens,
                        m2v_error *err);

/* Tokenization */
int m2v_tokenize(const m2v_model *model, const char *text, size_t text_len,
                 const m2v_encode_options *opts, int32_t *ids,
                 size_t ids_capacity, size_t *n_ids, m2v_error *err);

/* Introspection */
#define M2V_DTYPE_F32 ...
#define M2V_DTYPE_F16 ...
#define M2V_DTYPE_BF16 ...
#define M2V_DTYPE_F64 ...
#define M2V_DTYPE_I8 ...
#define M2V_DTYPE_I32 ...
#define M2V_DTYPE_I64 ...

const char *m2v_dtype_name(int dtype);
size_t m2v_dim(const m2v_model *model);
size_t m2v_vocab_size(const m2v_model *model);
int m2v_normalize(const m2v_model *model);
int64_t m2v_max_length(const m2v_model *model);
int64_t m2v_unk_token_id(const m2v_model *model);
size_t m2v_median_token_length(const m2v_model *model);
int m2v_token(const m2v_model *model, int32_t id, const char **token,
              size_t *token_len);
const char *m2v_tokenizer_kind(const m2v_model *model);

typedef struct m2v_tensor {
    const void *data;
    int dtype;
    size_t rows;
    size_t cols;
} m2v_tensor;

#define M2V_TENSOR_EMBEDDINGS ...
#define M2V_TENSOR_WEIGHTS ...
#define M2V_TENSOR_MAPPING ...

int m2v_tensor_view(const m2v_model *model, int which, m2v_tensor *out);
