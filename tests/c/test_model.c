/*
** test_model.c -- loading: the three folder layouts, explicit files, caller
** buffers, load options, introspection, tensor views, vocabulary reading
** (WordPiece, Unigram, BPE; median_token_length; unknown id), the tokenizer
** table lifecycle, version and features.
*/
#include "m2v_test.h"

#include <sys/stat.h>
#include <unistd.h>

static void version_and_codes(void)
{
    CHECK(m2v_version_number() == M2V_VERSION_NUMBER);
    CHECK(strcmp(m2v_version(), M2V_VERSION_STRING) == 0);
    CHECK(m2v_features() & M2V_FEATURE_THREADS);
    for (int a = 0; a <= M2V_LIMIT; a++) {
        CHECK(m2v_errstr(a) != NULL && strcmp(m2v_errstr(a), "unknown error") != 0);
        for (int b = 0; b < a; b++) CHECK(strcmp(m2v_errstr(a), m2v_errstr(b)) != 0);
    }
    CHECK(strcmp(m2v_errstr(-1), "unknown error") == 0);
    CHECK(strcmp(m2v_errstr(1000), "unknown error") == 0);
    /* NULL model */
    m2v_free(NULL);
    CHECK(m2v_dim(NULL) == 0 && m2v_vocab_size(NULL) == 0 && m2v_normalize(NULL) == 0);
    CHECK(m2v_unk_token_id(NULL) == M2V_NONE && m2v_median_token_length(NULL) == 0);
    CHECK(strcmp(m2v_tokenizer_kind(NULL), "none") == 0);
    m2v_tensor tv;
    CHECK(m2v_tensor_view(NULL, M2V_TENSOR_EMBEDDINGS, &tv) == M2V_MISUSE);
    const char *tok;
    size_t tl;
    CHECK(m2v_token(NULL, 0, &tok, &tl) == M2V_MISUSE);
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    CHECK(lo.struct_size == sizeof lo && lo.normalize == M2V_DEFAULT &&
          lo.max_length == M2V_DEFAULT && lo.unk_token_id == M2V_DEFAULT &&
          lo.tokenizer == NULL && lo.flags == 0);
    m2v_load_options_init(NULL);
    m2v_encode_options_init(NULL);
}

/* Every golden model: settings and tensors as model2vec reports them. */
static void introspection(const char *name)
{
    t_golden g;
    if (t_golden_load(name, &g)) {
        CHECK(0);
        return;
    }
    t_replay r;
    m2v_model *m = NULL;
    m2v_error err;
    CHECK_RC(t_load_replay(&g, &r, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_dim(m) == g.dim && m2v_vocab_size(m) == g.vocab_size);
        CHECK(m2v_normalize(m) == g.normalize && m2v_max_length(m) == g.max_length);
        CHECK(m2v_unk_token_id(m) == g.unk && m2v_median_token_length(m) == g.median);
        CHECK(strcmp(m2v_tokenizer_kind(m), "callback") == 0);
        m2v_tensor tv;
        CHECK(m2v_tensor_view(m, M2V_TENSOR_EMBEDDINGS, &tv) == M2V_OK);
        CHECK(tv.rows == g.rows && tv.cols == g.dim && tv.data != NULL);
        CHECK_MSG(strcmp(m2v_dtype_name(tv.dtype), g.dtype) == 0, "%s: %s vs %s", name,
                  m2v_dtype_name(tv.dtype), g.dtype);
        CHECK((m2v_tensor_view(m, M2V_TENSOR_WEIGHTS, &tv) == M2V_OK) == g.has_weights);
        if (g.has_weights) CHECK(tv.rows == g.vocab_size && tv.cols == 1);
        CHECK((m2v_tensor_view(m, M2V_TENSOR_MAPPING, &tv) == M2V_OK) == g.has_mapping);
        if (g.has_mapping)
            CHECK(tv.rows == g.vocab_size && (tv.dtype == M2V_DTYPE_I32 || tv.dtype == M2V_DTYPE_I64));
        CHECK(m2v_tensor_view(m, 99, &tv) == M2V_RANGE);
        CHECK(m2v_tensor_view(m, M2V_TENSOR_EMBEDDINGS, NULL) == M2V_MISUSE);
        const char *tok;
        size_t tl;
        CHECK(m2v_token(m, 1, &tok, &tl) == M2V_OK && tl == 5 && memcmp(tok, "[UNK]", 5) == 0);
        CHECK(m2v_token(m, 0, &tok, &tl) == M2V_OK && tl == 5 && memcmp(tok, "[PAD]", 5) == 0);
        CHECK(m2v_token(m, (int32_t)g.vocab_size - 1, &tok, &tl) == M2V_OK && tl > 0);
        CHECK(m2v_token(m, (int32_t)g.vocab_size, &tok, &tl) == M2V_RANGE);
        CHECK(m2v_token(m, -1, &tok, &tl) == M2V_RANGE);
        CHECK(m2v_token(m, 0, NULL, &tl) == M2V_MISUSE);
        m2v_free(m);
    }
    t_golden_free(&g);
}

static char *slurp(const char *path, size_t *len)
{
    char *t = NULL;
    m2v_error err;
    CHECK_RC(m2v_read_file(path, (size_t)1 << 30, &t, len, &err), M2V_OK, &err);
    return t;
}

static void encode_one(const m2v_model *m, const int32_t *ids, size_t n, float *out)
{
    size_t offs[2] = {0, n};
    m2v_error err;
    CHECK_RC(m2v_encode_ids(m, ids, offs, 1, NULL, out, m2v_dim(m), &err), M2V_OK, &err);
}

static void files_and_buffers(void)
{
    const char *fx = t_fixtures();
    char st[600], tok[600], cfg[600];
    m2v_error err;
    m2v_model *a = NULL, *b = NULL, *c = NULL;
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.flags = M2V_LOAD_NO_TOKENIZER;
    snprintf(st, sizeof st, "%s/models/vq_f32_norm_ml8", fx);
    CHECK_RC(m2v_load(st, &lo, &a, &err), M2V_OK, &err);
    snprintf(st, sizeof st, "%s/models/vq_f32_norm_ml8/", fx); /* trailing slash */
    CHECK_RC(m2v_load(st, &lo, &c, &err), M2V_OK, &err);
    m2v_free(c);
    snprintf(st, sizeof st, "%s/models/vq_f32_norm_ml8/model.safetensors", fx);
    snprintf(tok, sizeof tok, "%s/models/vq_f32_norm_ml8/tokenizer.json", fx);
    snprintf(cfg, sizeof cfg, "%s/models/vq_f32_norm_ml8/config.json", fx);
    m2v_model_files f;
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.safetensors_path = st;
    f.tokenizer_path = tok;
    f.config_path = cfg;
    CHECK_RC(m2v_load_files(&f, &lo, &b, &err), M2V_OK, &err);
    /* without a config: normalize false, max_length 512 */
    f.config_path = NULL;
    CHECK_RC(m2v_load_files(&f, &lo, &c, &err), M2V_OK, &err);
    if (c) {
        CHECK(m2v_normalize(c) == 0 && m2v_max_length(c) == 512);
        m2v_free(c);
    }
    /* buffers at an odd address */
    size_t sl, tl, cl;
    char *sb = slurp(st, &sl), *tb = slurp(tok, &tl), *cb = slurp(cfg, &cl);
    unsigned char *odd = malloc(sl + 3);
    memcpy(odd + 3, sb, sl);
    m2v_model_buffers mb;
    memset(&mb, 0, sizeof mb);
    mb.struct_size = sizeof mb;
    mb.safetensors = odd + 3;
    mb.safetensors_size = sl;
    mb.tokenizer_json = tb;
    mb.tokenizer_json_size = tl;
    mb.config_json = cb;
    mb.config_json_size = cl;
    c = NULL;
    CHECK_RC(m2v_load_buffers(&mb, &lo, &c, &err), M2V_OK, &err);
    free(tb); /* tokenizer and config are read during the call only */
    free(cb);
    if (a && b && c) {
        int32_t ids[6] = {73, 74, 1, 75, 76, 200};
        float va[16], vb[16], vc[16];
        encode_one(a, ids, 6, va);
        encode_one(b, ids, 6, vb);
        encode_one(c, ids, 6, vc);
        CHECK(memcmp(va, vb, sizeof va) == 0 && memcmp(va, vc, sizeof va) == 0);
        m2v_tensor tv;
        CHECK(m2v_tensor_view(c, M2V_TENSOR_EMBEDDINGS, &tv) == M2V_OK);
        CHECK((const unsigned char *)tv.data > odd && (const unsigned char *)tv.data < odd + 3 + sl);
    }
    m2v_free(a);
    m2v_free(b);
    m2v_free(c);
    free(odd);
    free(sb);
    /* sentence-transformers file through load_files needs the tensor name */
    snprintf(st, sizeof st, "%s/models/st_layout/model.safetensors", fx);
    snprintf(tok, sizeof tok, "%s/models/st_layout/tokenizer.json", fx);
    f.safetensors_path = st;
    f.tokenizer_path = tok;
    f.config_path = NULL;
    CHECK_RC(m2v_load_files(&f, &lo, &a, &err), M2V_FORMAT, &err);
    CHECK(strstr(err.message, "no tensor 'embeddings' (tensors: 'embedding.weight')") != NULL);
    f.embedding_tensor = "embedding.weight";
    CHECK_RC(m2v_load_files(&f, &lo, &a, &err), M2V_OK, &err);
    m2v_free(a);
}

/* model2vec's layout order: config.json first, even if it then fails. */
static void layout_precedence(void)
{
    char dir[] = "/tmp/m2v_layout_XXXXXX", path[700], src[700];
    CHECK(mkdtemp(dir) != NULL);
    const char *names[] = {"model.safetensors", "tokenizer.json", "config_sentence_transformers.json"};
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof src, "%s/models/st_layout/%s", t_fixtures(), names[i]);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        CHECK(symlink(src, path) == 0);
    }
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.flags = M2V_LOAD_NO_TOKENIZER;
    m2v_model *m = NULL;
    m2v_error err;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    m2v_free(m);
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *fp = fopen(path, "w");
    fputs("{}", fp);
    fclose(fp);
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_FORMAT, &err);
    CHECK(strstr(err.message, "no tensor 'embeddings'") != NULL);
    unlink(path);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void load_options(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/models/f32_norm_ml8", t_fixtures());
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.flags = M2V_LOAD_NO_TOKENIZER;
    lo.normalize = 0;
    lo.max_length = M2V_NONE;
    lo.unk_token_id = M2V_NONE;
    m2v_model *m = NULL;
    m2v_error err;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_normalize(m) == 0 && m2v_max_length(m) == M2V_NONE);
        CHECK(m2v_unk_token_id(m) == M2V_NONE);
        int32_t unk = 1;
        float v[16];
        encode_one(m, &unk, 1, v); /* [UNK] is no longer dropped */
        double s = 0;
        for (int j = 0; j < 16; j++) s += fabs(v[j]);
        CHECK(s > 0);
        m2v_free(m);
    }
    lo.unk_token_id = 73; /* "the" */
    lo.max_length = 3;
    lo.normalize = 1;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_unk_token_id(m) == 73 && m2v_max_length(m) == 3 && m2v_normalize(m) == 1);
        int32_t ids[2] = {73, 73};
        float v[16];
        encode_one(m, ids, 2, v);
        for (int j = 0; j < 16; j++) CHECK(v[j] == 0.0f);
        m2v_free(m);
    }
    m2v_load_options_init(&lo);
    lo.normalize = 5;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    m2v_load_options_init(&lo);
    lo.max_length = -5;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    m2v_load_options_init(&lo);
    lo.unk_token_id = -9;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    m2v_load_options_init(&lo);
    lo.struct_size = 1;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    /* an old caller's struct: only normalize is covered */
    m2v_load_options_init(&lo);
    lo.struct_size = offsetof(m2v_load_options, max_length);
    lo.normalize = 0;
    lo.flags = M2V_LOAD_NO_TOKENIZER; /* beyond struct_size: ignored */
    bool native = m2v_features() & M2V_FEATURE_NATIVE_TOKENIZER;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), native ? M2V_OK : M2V_UNSUPPORTED, &err);
    if (m) {
        CHECK(strcmp(m2v_tokenizer_kind(m), "none") != 0);
        CHECK(m2v_normalize(m) == 0 && m2v_max_length(m) == 8);
        m2v_free(m);
    }
}

static int nop_tokenize(void *u, void *s, const char *t, size_t l, size_t mt, int32_t *ids,
                        size_t cap, size_t *n)
{
    (void)u, (void)s, (void)t, (void)l, (void)mt, (void)ids, (void)cap;
    *n = 0;
    return 0;
}
static int destroyed;
static void on_destroy(void *u)
{
    CHECK(u == &destroyed);
    destroyed++;
}
static void *sc_new(void *u) { return u; }
static void sc_free(void *u, void *s) { (void)u, (void)s; }

static void tokenizer_table(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/models/f32", t_fixtures());
    m2v_tokenizer t;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof t;
    t.user_data = &destroyed;
    t.tokenize = nop_tokenize;
    t.destroy = on_destroy;
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.tokenizer = &t;
    m2v_model *m = NULL;
    m2v_error err;
    /* destroy is called once by m2v_free, never on a failed load */
    CHECK_RC(m2v_load("/nonexistent-m2v", &lo, &m, &err), M2V_IO, &err);
    t.scratch_new = sc_new; /* without scratch_free: misuse */
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    t.scratch_new = NULL;
    t.tokenize = NULL;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    t.tokenize = nop_tokenize;
    t.struct_size = 0;
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_MISUSE, &err);
    t.struct_size = sizeof t;
    t.scratch_new = sc_new;
    t.scratch_free = sc_free;
    CHECK(destroyed == 0);
    CHECK_RC(m2v_load(dir, &lo, &m, &err), M2V_OK, &err);
    memset(&t, 0, sizeof t); /* the table was copied */
    float v[16];
    const char *txt = "x";
    CHECK_RC(m2v_encode(m, &txt, NULL, 1, NULL, v, 16, &err), M2V_OK, &err);
    for (int j = 0; j < 16; j++) CHECK(v[j] == 0.0f);
    m2v_free(m);
    CHECK(destroyed == 1);

    /* the native tokenizer: built or reported as missing */
    m = NULL;
    int rc = m2v_load(dir, NULL, &m, &err);
    if (m2v_features() & M2V_FEATURE_NATIVE_TOKENIZER) {
        CHECK_RC(rc, M2V_OK, &err);
        CHECK(m && strncmp(m2v_tokenizer_kind(m), "native", 6) == 0);
    } else {
        CHECK_RC(rc, M2V_UNSUPPORTED, &err);
        CHECK(strstr(err.message, "native tokenizer not built") != NULL && m == NULL);
    }
    m2v_free(m);
}

/* Vocabulary reading for other tokenizer models, from memory. */
static unsigned char *vocab_buf;

static int load_vocab(const char *tok_json, size_t rows, m2v_model **m, m2v_error *err)
{
    size_t dl = rows * 4;
    char header[200];
    int hl = snprintf(header, sizeof header,
                      "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[%zu,1],\"data_offsets\":[0,%zu]}}",
                      rows, dl);
    unsigned char *buf = calloc(1, 8 + (size_t)hl + dl);
    buf[0] = (unsigned char)hl;
    memcpy(buf + 8, header, (size_t)hl);
    m2v_model_buffers b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    b.safetensors = buf;
    b.safetensors_size = 8 + (size_t)hl + dl;
    b.tokenizer_json = tok_json;
    b.tokenizer_json_size = strlen(tok_json);
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    lo.flags = M2V_LOAD_NO_TOKENIZER;
    /* the model refers to buf: it lives until the next call, by which time
    ** every caller has freed its model */
    free(vocab_buf);
    vocab_buf = buf;
    return m2v_load_buffers(&b, &lo, m, err);
}

static void vocabularies(void)
{
    m2v_model *m = NULL;
    m2v_error err;
    /* Unigram: ids are positions; unk from unk_id; lengths 5,1,2,3 -> 2 */
    CHECK_RC(load_vocab("{\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":"
                        "[[\"<unk>\",0.0],[\"a\",-1.5],[\"bb\",-2],[\"ccc\",-3e0]]}}", 4, &m, &err),
             M2V_OK, &err);
    if (m) {
        CHECK(m2v_vocab_size(m) == 4 && m2v_unk_token_id(m) == 0);
        CHECK(m2v_median_token_length(m) == 2);
        m2v_free(m);
    }
    /* Unigram without unk_id: nothing dropped; added tokens extend it */
    CHECK_RC(load_vocab("{\"added_tokens\":[{\"id\":3,\"content\":\"<mask>\",\"special\":true}],"
                        "\"model\":{\"type\":\"Unigram\",\"unk_id\":null,\"vocab\":"
                        "[[\"\xc3\xa9t\xc3\xa9\",0.0],[\"\xe2\x96\x81x\",-1.5],[\"bb\",-2]]}}", 4, &m, &err),
             M2V_OK, &err);
    if (m) {
        /* code point lengths 3, 2, 2, 6 -> median (2 + 3) / 2 = 2 */
        CHECK(m2v_vocab_size(m) == 4 && m2v_unk_token_id(m) == M2V_NONE);
        CHECK(m2v_median_token_length(m) == 2);
        const char *tok;
        size_t tl;
        CHECK(m2v_token(m, 3, &tok, &tl) == M2V_OK && tl == 6 && memcmp(tok, "<mask>", 6) == 0);
        m2v_free(m);
    }
    /* BPE with unk_token null: nothing dropped; odd count median */
    CHECK_RC(load_vocab("{\"model\":{\"type\":\"BPE\",\"unk_token\":null,\"vocab\":"
                        "{\"a\":0,\"bcd\":1,\"efghij\":2},\"merges\":[]}}", 3, &m, &err),
             M2V_OK, &err);
    if (m) {
        CHECK(m2v_unk_token_id(m) == M2V_NONE && m2v_median_token_length(m) == 3);
        m2v_free(m);
    }
    /* BPE unk token present */
    CHECK_RC(load_vocab("{\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"vocab\":"
                        "{\"a\":0,\"<unk>\":1}}}", 2, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_unk_token_id(m) == 1);
        m2v_free(m);
    }
    /* WordPiece without an unk_token key: the library default "[UNK]" */
    CHECK_RC(load_vocab("{\"model\":{\"type\":\"WordPiece\",\"vocab\":"
                        "{\"a\":0,\"[UNK]\":1,\"b\":2}}}", 3, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_unk_token_id(m) == 1);
        m2v_free(m);
    }
    /* unk token that is an added token only; unk token missing entirely */
    CHECK_RC(load_vocab("{\"added_tokens\":[{\"id\":2,\"content\":\"[UNK]\"}],\"model\":{"
                        "\"unk_token\":\"[UNK]\",\"vocab\":{\"a\":0,\"b\":1}}}", 3, &m, &err),
             M2V_OK, &err);
    if (m) {
        CHECK(m2v_unk_token_id(m) == 2 && m2v_vocab_size(m) == 3);
        m2v_free(m);
    }
    CHECK_RC(load_vocab("{\"model\":{\"unk_token\":\"<nope>\",\"vocab\":{\"a\":0}}}", 1, &m, &err),
             M2V_OK, &err);
    if (m) {
        CHECK(m2v_unk_token_id(m) == M2V_NONE);
        m2v_free(m);
    }
    /* duplicates of the same (token, id) in vocab and added tokens count once */
    CHECK_RC(load_vocab("{\"added_tokens\":[{\"id\":0,\"content\":\"a\"},{\"id\":0,\"content\":\"a\"}],"
                        "\"model\":{\"vocab\":{\"a\":0,\"bb\":1}}}", 2, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_vocab_size(m) == 2 && m2v_median_token_length(m) == 1);
        m2v_free(m);
    }
    /* rows must equal the vocabulary when there is no mapping */
    CHECK_RC(load_vocab("{\"model\":{\"vocab\":{\"a\":0,\"b\":1}}}", 3, &m, &err), M2V_FORMAT, &err);
    CHECK(strstr(err.message, "has 3 rows but tokenizer.json (buffer) has 2 tokens") != NULL);
    /* a token string with NUL survives */
    CHECK_RC(load_vocab("{\"model\":{\"vocab\":{\"a\\u0000b\":0}}}", 1, &m, &err), M2V_OK, &err);
    if (m) {
        const char *tok;
        size_t tl;
        CHECK(m2v_token(m, 0, &tok, &tl) == M2V_OK && tl == 3 && memcmp(tok, "a\0b", 3) == 0);
        m2v_free(m);
    }
    free(vocab_buf);
    vocab_buf = NULL;
}

int main(void)
{
    version_and_codes();
    char names[64][128];
    size_t n = t_golden_names(names, 64);
    CHECK(n >= 15);
    for (size_t i = 0; i < n; i++) introspection(names[i]);
    files_and_buffers();
    layout_precedence();
    load_options();
    tokenizer_table();
    vocabularies();
    return t_done("test_model");
}
