/*
** model.c -- loading (three folder layouts, explicit files, caller
** buffers), validation of everything read, introspection and m2v_free.
**
** Load order: map and validate model.safetensors, pick and check the
** tensors, read the vocabulary of tokenizer.json, cross-check rows/mapping/
** weights against it (as model2vec's StaticModel constructor does), read
** config, apply options, and last build the tokenizer.
*/
#define _POSIX_C_SOURCE 200809L
#include "m2v_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TOKENIZER_JSON_LIMIT M2V_MAX_TOKENIZER_JSON_BYTES
#define CONFIG_JSON_LIMIT M2V_MAX_CONFIG_JSON_BYTES

/* ---- options ----------------------------------------------------------- */

M2V_API void m2v_load_options_init(m2v_load_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->normalize = M2V_DEFAULT;
    opts->max_length = M2V_DEFAULT;
    opts->unk_token_id = M2V_DEFAULT;
}

M2V_API void m2v_encode_options_init(m2v_encode_options *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->normalize = M2V_DEFAULT;
    opts->max_length = M2V_DEFAULT;
    opts->num_threads = 1;
}

/* Copies the first struct_size bytes of a caller's versioned struct over
** our defaults (fields appended later keep their defaults). */
int m2v_copy_versioned(void *dst, size_t dst_size, const void *src,
                       const char *what, m2v_error *err)
{
    size_t n;
    memcpy(&n, src, sizeof n);
    if (n < sizeof(size_t))
        return m2v_fail(err, M2V_MISUSE, "%s: struct_size %zu is too small "
                        "(use the init function)", what, n);
    memcpy(dst, src, n < dst_size ? n : dst_size);
    memcpy(dst, &dst_size, sizeof dst_size);
    return M2V_OK;
}

/* ---- loading ----------------------------------------------------------- */

typedef struct source {
    const void *st;
    size_t st_size;
    const char *st_what;
    const char *tok;
    size_t tok_size;
    const char *tok_what;
    const char *cfg; /* NULL: defaults */
    size_t cfg_size;
    const char *cfg_what;
    const char *tensor;
} source;

static bool little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static bool is_float(int dt)
{
    return dt == M2V_DTYPE_F32 || dt == M2V_DTYPE_F16 ||
           dt == M2V_DTYPE_BF16 || dt == M2V_DTYPE_F64;
}

static void view(m2v_tensor *v, const m2v_st_tensor *t)
{
    v->data = t->data;
    v->dtype = t->dtype;
    v->rows = (size_t)t->shape[0];
    v->cols = t->ndim == 2 ? (size_t)t->shape[1] : 1;
}

static int pick_tensors(m2v_model *m, const source *s, m2v_error *err)
{
    const char *what = s->st_what;
    const m2v_st_tensor *e = m2v_st_find(&m->st, s->tensor);
    if (!e) {
        char names[200] = "";
        size_t used = 0;
        for (size_t i = 0; i < m->st.n && used + 4 < sizeof names; i++) {
            int k = snprintf(names + used, sizeof names - used, "%s'%s'",
                             i ? ", " : "", m->st.tensors[i].name);
            if (k < 0) break;
            used += (size_t)k;
        }
        if (used >= sizeof names) used = sizeof names - 1;
        return m2v_fail(err, M2V_FORMAT, "%s: no tensor '%s' (tensors: %s)",
                        what, s->tensor, m->st.n ? names : "none");
    }
    if (!is_float(e->dtype) && e->dtype != M2V_DTYPE_I8)
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "%s: tensor '%s': dtype %s is not supported for embeddings "
                        "(F32, F16, BF16, F64, I8 are)", what, e->name, e->dtype_name);
    if (e->ndim != 2)
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s' must be 2-D, has rank %d",
                        what, e->name, e->ndim);
    if (e->shape[1] == 0)
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s' has 0 columns", what,
                        e->name);
    if (e->shape[0] > (uint64_t)M2V_MAX_VOCAB || e->shape[1] > (uint64_t)M2V_MAX_DIM)
        return m2v_fail(err, M2V_LIMIT,
                        "%s: tensor '%s' shape [%llu, %llu] is over the limits "
                        "(%zu rows, %zu columns)", what, e->name,
                        (unsigned long long)e->shape[0],
                        (unsigned long long)e->shape[1], (size_t)M2V_MAX_VOCAB,
                        (size_t)M2V_MAX_DIM);
    view(&m->emb, e);

    const m2v_st_tensor *w = m2v_st_find(&m->st, "weights");
    if (w) {
        if (!is_float(w->dtype))
            return m2v_fail(err, M2V_FORMAT,
                            "%s: tensor 'weights' must be float, is %s", what,
                            w->dtype_name);
        if (w->ndim != 1)
            return m2v_fail(err, M2V_FORMAT,
                            "%s: tensor 'weights' must be 1-D, has rank %d",
                            what, w->ndim);
        view(&m->weights, w);
        m->has_weights = true;
    }
    const m2v_st_tensor *mp = m2v_st_find(&m->st, "mapping");
    if (mp) {
        if (mp->dtype != M2V_DTYPE_I32 && mp->dtype != M2V_DTYPE_I64)
            return m2v_fail(err, M2V_FORMAT,
                            "%s: tensor 'mapping' must be I32 or I64, is %s",
                            what, mp->dtype_name);
        if (mp->ndim != 1)
            return m2v_fail(err, M2V_FORMAT,
                            "%s: tensor 'mapping' must be 1-D, has rank %d",
                            what, mp->ndim);
        view(&m->mapping, mp);
        m->has_mapping = true;
    }
    return M2V_OK;
}

/* The checks model2vec's StaticModel makes, plus the ones that keep every
** row read inside the table. */
static int cross_check(m2v_model *m, const source *s, m2v_error *err)
{
    const char *what = s->st_what;
    size_t nv = m->vocab.n;
    if (!m->has_mapping && m->emb.rows != nv)
        return m2v_fail(err, M2V_FORMAT,
                        "%s: tensor '%s' has %zu rows but %s has %zu tokens "
                        "(and there is no 'mapping')",
                        what, s->tensor, m->emb.rows, s->tok_what, nv);
    if (m->has_weights && m->weights.rows != nv)
        return m2v_fail(err, M2V_FORMAT,
                        "%s: tensor 'weights' has %zu entries but %s has %zu tokens",
                        what, m->weights.rows, s->tok_what, nv);
    if (m->has_mapping) {
        if (m->mapping.rows != nv)
            return m2v_fail(err, M2V_FORMAT,
                            "%s: tensor 'mapping' has %zu entries but %s has %zu tokens",
                            what, m->mapping.rows, s->tok_what, nv);
        const unsigned char *d = m->mapping.data;
        bool i32 = m->mapping.dtype == M2V_DTYPE_I32;
        for (size_t i = 0; i < nv; i++) {
            int64_t v;
            if (i32) {
                int32_t x;
                memcpy(&x, d + 4 * i, 4);
                v = x;
            } else {
                memcpy(&v, d + 8 * i, 8);
            }
            if (v < 0 || (uint64_t)v >= m->emb.rows)
                return m2v_fail(err, M2V_FORMAT,
                                "%s: mapping[%zu] = %lld is outside the %zu rows of '%s'",
                                what, i, (long long)v, m->emb.rows, s->tensor);
        }
    }
    return M2V_OK;
}

static int take_tokenizer(m2v_model *m, const m2v_load_options *o,
                          const m2v_json *root, m2v_error *err)
{
    if (o->flags & M2V_LOAD_NO_TOKENIZER) {
        m->tok_kind = "none";
        return M2V_OK;
    }
    if (o->tokenizer) {
        m2v_tokenizer t;
        memset(&t, 0, sizeof t);
        int rc = m2v_copy_versioned(&t, sizeof t, o->tokenizer,
                                    "m2v_load_options.tokenizer", err);
        if (rc) return rc;
        if (!t.tokenize)
            return m2v_fail(err, M2V_MISUSE, "tokenizer callback: tokenize is NULL");
        if (!t.scratch_new != !t.scratch_free)
            return m2v_fail(err, M2V_MISUSE,
                            "tokenizer callback: set both scratch_new and scratch_free, or neither");
        m->tok = t;
        m->has_tok = true;
        m->tok_kind = "callback";
        return M2V_OK;
    }
    const char *kind = NULL;
    m2v_tokenizer t;
    memset(&t, 0, sizeof t);
    int rc = m2v_native_tokenizer_new(root, &t, &kind, err);
    if (rc) return rc;
    m->tok = t;
    m->has_tok = true;
    m->tok_kind = kind ? kind : "native";
    return M2V_OK;
}

static int load_common(const source *s, const m2v_load_options *opts_in,
                       m2v_map *map, m2v_model **out, m2v_error *err)
{
    m2v_load_options o;
    m2v_load_options_init(&o);
    int rc;
    if (opts_in && (rc = m2v_copy_versioned(&o, sizeof o, opts_in,
                                            "m2v_load_options", err)))
        return rc;
    if (o.normalize != M2V_DEFAULT && o.normalize != 0 && o.normalize != 1)
        return m2v_fail(err, M2V_MISUSE, "normalize must be M2V_DEFAULT, 0 or 1");
    if (o.max_length != M2V_DEFAULT && o.max_length != M2V_NONE && o.max_length < 0)
        return m2v_fail(err, M2V_MISUSE, "max_length must be M2V_DEFAULT, M2V_NONE or >= 0");
    if (o.unk_token_id != M2V_DEFAULT && o.unk_token_id != M2V_NONE &&
        o.unk_token_id < 0)
        return m2v_fail(err, M2V_MISUSE,
                        "unk_token_id must be M2V_DEFAULT, M2V_NONE or >= 0");
    if (!little_endian())
        return m2v_fail(err, M2V_UNSUPPORTED, "big-endian hosts are not supported");

    m2v_model *m = calloc(1, sizeof *m);
    if (!m) return m2v_fail(err, M2V_NOMEM, "out of memory");
    m2v_json_doc *tokdoc = NULL;
    if ((rc = m2v_st_parse(s->st, s->st_size, s->st_what, &m->st, err))) goto fail;
    if ((rc = pick_tensors(m, s, err))) goto fail;
    if ((rc = m2v_json_parse(s->tok, s->tok_size, s->tok_what, &tokdoc, err))) goto fail;
    if (!m2v_json_is(m2v_json_root(tokdoc), M2V_JSON_OBJECT)) {
        rc = m2v_fail(err, M2V_FORMAT, "%s: not a JSON object", s->tok_what);
        goto fail;
    }
    if ((rc = m2v_vocab_read(m2v_json_root(tokdoc), s->tok_what, &m->vocab, err)))
        goto fail;
    if ((rc = cross_check(m, s, err))) goto fail;
    m2v_config cfg;
    if ((rc = m2v_config_read(s->cfg, s->cfg_size, s->cfg_what, &cfg, err))) goto fail;

    m->normalize = o.normalize == M2V_DEFAULT ? cfg.normalize : o.normalize;
    m->max_length = o.max_length == M2V_DEFAULT ? cfg.max_length : o.max_length;
    m->unk_id = o.unk_token_id == M2V_DEFAULT ? m->vocab.unk_id : o.unk_token_id;

    m->pool.emb = m->emb.data;
    m->pool.edt = m->emb.dtype;
    m->pool.rows = m->emb.rows;
    m->pool.dim = m->emb.cols;
    m->pool.weights = m->has_weights ? m->weights.data : NULL;
    m->pool.wdt = m->weights.dtype;
    m->pool.mapping = m->has_mapping ? m->mapping.data : NULL;
    m->pool.mdt = m->mapping.dtype;
    m2v_pool_init(&m->pool);

    /* Last: nothing may fail after the native tokenizer exists. The parsed
    ** tokenizer.json is freed right after; the tokenizer copies what it
    ** keeps. */
    if ((rc = take_tokenizer(m, &o, m2v_json_root(tokdoc), err))) goto fail;
    m2v_json_free(tokdoc);
    if (map) {
        m->map = *map;
        map->addr = NULL;
        map->size = 0;
    }
    *out = m;
    return m2v_ok(err);
fail:
    m2v_json_free(tokdoc);
    m2v_st_free(&m->st);
    m2v_vocab_free(&m->vocab);
    free(m);
    return rc;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Loads from paths (tokenizer and config read into memory, safetensors
** mapped). */
static int load_paths(const char *st_path, const char *tok_path,
                      const char *cfg_path, const char *tensor,
                      const m2v_load_options *opts, m2v_model **out,
                      m2v_error *err)
{
    m2v_map map = {NULL, 0};
    char *tok = NULL, *cfg = NULL;
    size_t tok_len = 0, cfg_len = 0;
    int rc;
    if ((rc = m2v_read_file(tok_path, TOKENIZER_JSON_LIMIT, &tok, &tok_len, err)))
        goto done;
    if (cfg_path &&
        (rc = m2v_read_file(cfg_path, CONFIG_JSON_LIMIT, &cfg, &cfg_len, err)))
        goto done;
    if ((rc = m2v_map_file(st_path, &map, err))) goto done;
    source s = {map.addr, map.size, st_path, tok, tok_len, tok_path,
                cfg, cfg_len, cfg_path, tensor};
    rc = load_common(&s, opts, &map, out, err);
done:
    m2v_unmap(&map); /* no-op once the model owns it */
    free(tok);
    free(cfg);
    return rc;
}

M2V_API int m2v_load(const char *model_dir, const m2v_load_options *opts,
                     m2v_model **out_model, m2v_error *err)
{
    if (out_model) *out_model = NULL;
    if (!model_dir || !out_model)
        return m2v_fail(err, M2V_MISUSE, "m2v_load: model_dir and out_model must not be NULL");
    /* The layouts model2vec 0.10.0 tries, in its order; the first whose
    ** three files exist wins. */
    static const struct {
        const char *cfg, *st, *tok, *tensor;
    } layouts[3] = {
        {"config.json", "model.safetensors", "tokenizer.json", "embeddings"},
        {"config_sentence_transformers.json", "model.safetensors",
         "tokenizer.json", "embedding.weight"},
        {"config_sentence_transformers.json", "0_StaticEmbedding/model.safetensors",
         "0_StaticEmbedding/tokenizer.json", "embedding.weight"},
    };
    size_t dl = strlen(model_dir);
    char *paths = malloc(3 * (dl + 64));
    if (!paths) return m2v_fail(err, M2V_NOMEM, "out of memory");
    char *cfg = paths, *st = paths + dl + 64, *tok = paths + 2 * (dl + 64);
    const char *sep = dl && model_dir[dl - 1] == '/' ? "" : "/";
    int rc = -1;
    for (int i = 0; i < 3 && rc < 0; i++) {
        sprintf(cfg, "%s%s%s", model_dir, sep, layouts[i].cfg);
        sprintf(st, "%s%s%s", model_dir, sep, layouts[i].st);
        sprintf(tok, "%s%s%s", model_dir, sep, layouts[i].tok);
        if (file_exists(cfg) && file_exists(st) && file_exists(tok))
            rc = load_paths(st, tok, cfg, layouts[i].tensor, opts, out_model, err);
    }
    if (rc < 0) {
        struct stat sb;
        if (stat(model_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            rc = m2v_fail(err, M2V_IO, "%s: not a directory", model_dir);
        else
            rc = m2v_fail(err, M2V_IO,
                          "%s: no model found: need config.json + model.safetensors + "
                          "tokenizer.json, or config_sentence_transformers.json + "
                          "model.safetensors + tokenizer.json (also under "
                          "0_StaticEmbedding/)", model_dir);
    }
    free(paths);
    return rc;
}

M2V_API int m2v_load_files(const m2v_model_files *files,
                           const m2v_load_options *opts,
                           m2v_model **out_model, m2v_error *err)
{
    if (out_model) *out_model = NULL;
    if (!files || !out_model)
        return m2v_fail(err, M2V_MISUSE, "m2v_load_files: files and out_model must not be NULL");
    m2v_model_files f;
    memset(&f, 0, sizeof f);
    int rc = m2v_copy_versioned(&f, sizeof f, files, "m2v_model_files", err);
    if (rc) return rc;
    if (!f.safetensors_path || !f.tokenizer_path)
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_load_files: safetensors_path and tokenizer_path are required");
    return load_paths(f.safetensors_path, f.tokenizer_path, f.config_path,
                      f.embedding_tensor ? f.embedding_tensor : "embeddings",
                      opts, out_model, err);
}

M2V_API int m2v_load_buffers(const m2v_model_buffers *buffers,
                             const m2v_load_options *opts,
                             m2v_model **out_model, m2v_error *err)
{
    if (out_model) *out_model = NULL;
    if (!buffers || !out_model)
        return m2v_fail(err, M2V_MISUSE, "m2v_load_buffers: buffers and out_model must not be NULL");
    m2v_model_buffers b;
    memset(&b, 0, sizeof b);
    int rc = m2v_copy_versioned(&b, sizeof b, buffers, "m2v_model_buffers", err);
    if (rc) return rc;
    if ((!b.safetensors && b.safetensors_size) || !b.tokenizer_json ||
        (!b.config_json && b.config_json_size))
        return m2v_fail(err, M2V_MISUSE,
                        "m2v_load_buffers: safetensors and tokenizer_json are required");
    if (b.tokenizer_json_size > TOKENIZER_JSON_LIMIT)
        return m2v_fail(err, M2V_LIMIT,
                        "tokenizer.json (buffer): %zu bytes is over the limit of %zu",
                        b.tokenizer_json_size, (size_t)TOKENIZER_JSON_LIMIT);
    if (b.config_json && b.config_json_size > CONFIG_JSON_LIMIT)
        return m2v_fail(err, M2V_LIMIT,
                        "config.json (buffer): %zu bytes is over the limit of %zu",
                        b.config_json_size, (size_t)CONFIG_JSON_LIMIT);
    source s = {b.safetensors, b.safetensors_size, "model.safetensors (buffer)",
                b.tokenizer_json, b.tokenizer_json_size, "tokenizer.json (buffer)",
                b.config_json, b.config_json_size, "config.json (buffer)",
                b.embedding_tensor ? b.embedding_tensor : "embeddings"};
    return load_common(&s, opts, NULL, out_model, err);
}

M2V_API void m2v_free(m2v_model *model)
{
    if (!model) return;
    if (model->has_tok && model->tok.destroy)
        model->tok.destroy(model->tok.user_data);
    m2v_st_free(&model->st);
    m2v_vocab_free(&model->vocab);
    m2v_unmap(&model->map);
    free(model);
}

/* ---- introspection ----------------------------------------------------- */

M2V_API const char *m2v_dtype_name(int dtype)
{
    switch (dtype) {
    case M2V_DTYPE_F32: return "float32";
    case M2V_DTYPE_F16: return "float16";
    case M2V_DTYPE_BF16: return "bfloat16";
    case M2V_DTYPE_F64: return "float64";
    case M2V_DTYPE_I8: return "int8";
    case M2V_DTYPE_I32: return "int32";
    case M2V_DTYPE_I64: return "int64";
    default: return "unknown";
    }
}

M2V_API size_t m2v_dim(const m2v_model *m) { return m ? m->emb.cols : 0; }

M2V_API size_t m2v_vocab_size(const m2v_model *m) { return m ? m->vocab.n : 0; }

M2V_API int m2v_normalize(const m2v_model *m) { return m ? m->normalize : 0; }

M2V_API int64_t m2v_max_length(const m2v_model *m)
{
    return m ? m->max_length : 0;
}

M2V_API int64_t m2v_unk_token_id(const m2v_model *m)
{
    return m ? m->unk_id : M2V_NONE;
}

M2V_API size_t m2v_median_token_length(const m2v_model *m)
{
    return m ? m->vocab.median : 0;
}

M2V_API int m2v_token(const m2v_model *m, int32_t id, const char **token,
                      size_t *token_len)
{
    if (!m || !token || !token_len) return M2V_MISUSE;
    if (id < 0 || (size_t)id >= m->vocab.n) return M2V_RANGE;
    *token = m->vocab.blob + m->vocab.offs[id];
    *token_len = m->vocab.offs[id + 1] - m->vocab.offs[id];
    return M2V_OK;
}

M2V_API const char *m2v_tokenizer_kind(const m2v_model *m)
{
    return m ? m->tok_kind : "none";
}

M2V_API int m2v_tensor_view(const m2v_model *m, int which, m2v_tensor *out)
{
    if (!m || !out) return M2V_MISUSE;
    switch (which) {
    case M2V_TENSOR_EMBEDDINGS: *out = m->emb; return M2V_OK;
    case M2V_TENSOR_WEIGHTS:
        if (!m->has_weights) return M2V_RANGE;
        *out = m->weights;
        return M2V_OK;
    case M2V_TENSOR_MAPPING:
        if (!m->has_mapping) return M2V_RANGE;
        *out = m->mapping;
        return M2V_OK;
    default: return M2V_RANGE;
    }
}
