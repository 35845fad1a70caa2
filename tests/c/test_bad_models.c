/*
** test_bad_models.c -- malformed models, generated here, each rejected with
** an exact status code and a message naming the file and the problem;
** loaded both from a folder (m2v_load) and from memory (m2v_load_buffers).
*/
#include "m2v_test.h"

#include <sys/stat.h>
#include <unistd.h>

#define TOK_OK                                                                  \
    "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":0,\"content\":\"[PAD]\"," \
    "\"special\":true},{\"id\":1,\"content\":\"[UNK]\",\"special\":true}],"     \
    "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\","               \
    "\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"a\":2,\"b\":3,\"c\":4,\"##d\":5}}}"
#define CFG_OK "{\"normalize\": true, \"max_length\": 16}"
#define EMB_OK "\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]}"

typedef struct bad_case {
    const char *name;
    const char *header;    /* safetensors header JSON; NULL: use raw */
    size_t data_len;       /* bytes of data after the header */
    const char *raw;       /* raw safetensors bytes when header is NULL */
    size_t raw_len;
    uint64_t fake_hlen;    /* != 0: header length field to write instead */
    const char *tok;       /* NULL: omit tokenizer.json */
    const char *cfg;       /* NULL: omit config.json */
    int want;
    const char *substr;    /* expected in the message */
    const char *file;      /* file named in the message */
    bool dir_only;         /* the problem is in the folder, not the bytes */
} bad_case;

static unsigned char *st_make(const bad_case *c, size_t *len)
{
    if (!c->header) {
        unsigned char *b = malloc(c->raw_len + 1);
        memcpy(b, c->raw, c->raw_len);
        *len = c->raw_len;
        return b;
    }
    size_t hl = strlen(c->header);
    *len = 8 + hl + c->data_len;
    unsigned char *b = calloc(1, *len + 1);
    uint64_t h = c->fake_hlen ? c->fake_hlen : hl;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(h >> (8 * i));
    memcpy(b + 8, c->header, hl);
    for (size_t i = 0; i < c->data_len; i++) b[8 + hl + i] = (unsigned char)(i * 7);
    return b;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    if (len) CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static void rm_dir(const char *dir)
{
    const char *names[] = {"model.safetensors", "tokenizer.json", "config.json"};
    char path[700];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) rmdir(path);
        else unlink(path);
    }
    rmdir(dir);
}

static const bad_case cases[] = {
    {"empty file", NULL, 0, "", 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "too short", "model.safetensors", 0},
    {"truncated length", NULL, 0, "\x10\x00\x00", 3, 0, TOK_OK, CFG_OK, M2V_FORMAT, "too short", "model.safetensors", 0},
    {"header past EOF", "{" EMB_OK "}", 48, NULL, 0, 5000, TOK_OK, CFG_OK, M2V_FORMAT, "past the end of the file", "model.safetensors", 0},
    {"huge header length", "{" EMB_OK "}", 48, NULL, 0, (uint64_t)1 << 40, TOK_OK, CFG_OK, M2V_FORMAT, "over the limit", "model.safetensors", 0},
    {"header length 100MB+1", "{" EMB_OK "}", 48, NULL, 0, 100000001, TOK_OK, CFG_OK, M2V_FORMAT, "over the limit", "model.safetensors", 0},
    {"header not an object", "[1, 2]", 0, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "does not start with '{'", "model.safetensors", 0},
    {"invalid header JSON", "{\"embeddings\":{\"dtype\":F32}}", 0, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "invalid JSON", "model.safetensors", 0},
    {"header trailing garbage", "{" EMB_OK "} xx", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "trailing characters", "model.safetensors", 0},
    {"unknown dtype", "{\"embeddings\":{\"dtype\":\"Q4\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_UNSUPPORTED, "dtype 'Q4' is not supported", "model.safetensors", 0},
    {"U8 embeddings", "{\"embeddings\":{\"dtype\":\"U8\",\"shape\":[6,2],\"data_offsets\":[0,12]}}", 12, NULL, 0, 0, TOK_OK, CFG_OK, M2V_UNSUPPORTED, "U8 is not supported for embeddings", "model.safetensors", 0},
    {"shape/bytes mismatch", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,3],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "do not match shape", "model.safetensors", 0},
    {"offsets past data", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 40, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "past the end of the data area", "model.safetensors", 0},
    {"overlapping tensors", "{" EMB_OK ",\"weights\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[40,64]}}", 64, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "overlap", "model.safetensors", 0},
    {"gap between tensors", "{" EMB_OK ",\"weights\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[56,80]}}", 80, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "unused", "model.safetensors", 0},
    {"trailing data bytes", "{" EMB_OK "}", 52, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "cover 48 of the 52 bytes", "model.safetensors", 0},
    {"reversed offsets", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[48,0]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "reversed", "model.safetensors", 0},
    {"negative shape", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[-6,2],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "shape entries", "model.safetensors", 0},
    {"shape overflow", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "do not match shape", "model.safetensors", 0},
    {"fractional shape", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6.5,2],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "shape entries", "model.safetensors", 0},
    {"missing dtype", "{\"embeddings\":{\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "\"dtype\"", "model.safetensors", 0},
    {"three data_offsets", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,24,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "data_offsets", "model.safetensors", 0},
    {"tensor entry not object", "{\"embeddings\":[1]}", 0, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "not an object", "model.safetensors", 0},
    {"duplicate tensor", "{" EMB_OK "," EMB_OK "}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "appears twice", "model.safetensors", 0},
    {"bad __metadata__", "{\"__metadata__\":{\"format\":1}," EMB_OK "}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "__metadata__", "model.safetensors", 0},
    {"rank 9", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,6,2],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_UNSUPPORTED, "rank 9", "model.safetensors", 0},
    {"deep header", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "nesting", "model.safetensors", 0},
    {"missing embeddings tensor", "{\"emb\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "no tensor 'embeddings' (tensors: 'emb')", "model.safetensors", 0},
    {"no tensors at all", "{}", 0, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "no tensor 'embeddings' (tensors: none)", "model.safetensors", 0},
    {"1-D embeddings", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[12],\"data_offsets\":[0,48]}}", 48, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "must be 2-D", "model.safetensors", 0},
    {"0 columns", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,0],\"data_offsets\":[0,0]}}", 0, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "0 columns", "model.safetensors", 0},
    {"rows != vocab", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5,2],\"data_offsets\":[0,40]}}", 40, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "has 5 rows but", "model.safetensors", 0},
    {"mapping out of range", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"I32\",\"shape\":[6],\"data_offsets\":[16,40]}}", 40, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "is outside the 2 rows", "model.safetensors", 0},
    {"mapping wrong length", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"I64\",\"shape\":[5],\"data_offsets\":[16,56]}}", 56, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "'mapping' has 5 entries but", "model.safetensors", 0},
    {"mapping float", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[16,40]}}", 40, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "'mapping' must be I32 or I64", "model.safetensors", 0},
    {"mapping 2-D", "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"I32\",\"shape\":[6,1],\"data_offsets\":[16,40]}}", 40, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "'mapping' must be 1-D", "model.safetensors", 0},
    {"weights wrong length", "{" EMB_OK ",\"weights\":{\"dtype\":\"F32\",\"shape\":[7],\"data_offsets\":[48,76]}}", 76, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "'weights' has 7 entries but", "model.safetensors", 0},
    {"weights int", "{" EMB_OK ",\"weights\":{\"dtype\":\"I32\",\"shape\":[6],\"data_offsets\":[48,72]}}", 72, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "'weights' must be float", "model.safetensors", 0},
    {"weights 2-D", "{" EMB_OK ",\"weights\":{\"dtype\":\"F32\",\"shape\":[6,1],\"data_offsets\":[48,72]}}", 72, NULL, 0, 0, TOK_OK, CFG_OK, M2V_FORMAT, "'weights' must be 1-D", "model.safetensors", 0},
    {"missing tokenizer.json", "{" EMB_OK "}", 48, NULL, 0, 0, NULL, CFG_OK, M2V_IO, "no model found", "", 1},
    {"missing config.json", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, NULL, M2V_IO, "no model found", "", 1},
    {"invalid tokenizer JSON", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"model\": {", CFG_OK, M2V_FORMAT, "invalid JSON", "tokenizer.json", 0},
    {"tokenizer not UTF-8", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"x\": \"\xff\"}", CFG_OK, M2V_FORMAT, "invalid UTF-8 at byte 7", "tokenizer.json", 0},
    {"tokenizer not an object", "{" EMB_OK "}", 48, NULL, 0, 0, "[]", CFG_OK, M2V_FORMAT, "not a JSON object", "tokenizer.json", 0},
    {"tokenizer without model", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"added_tokens\": []}", CFG_OK, M2V_FORMAT, "missing \"model\"", "tokenizer.json", 0},
    {"vocab id not an int", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"model\":{\"vocab\":{\"a\":0,\"b\":\"1\"}}}", CFG_OK, M2V_FORMAT, "model.vocab['b']", "tokenizer.json", 0},
    {"vocab ids with a gap", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"model\":{\"vocab\":{\"a\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4,\"f\":9}}}", CFG_OK, M2V_UNSUPPORTED, "not 0..5 without gaps", "tokenizer.json", 0},
    {"token with two ids", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"added_tokens\":[{\"id\":7,\"content\":\"a\"}],\"model\":{\"vocab\":{\"a\":0,\"b\":1}}}", CFG_OK, M2V_FORMAT, "has two ids, 0 and 7", "tokenizer.json", 0},
    {"empty vocab", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"model\":{\"vocab\":{}}}", CFG_OK, M2V_FORMAT, "vocabulary is empty", "tokenizer.json", 0},
    {"bad unigram entry", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",-1.0],[\"b\"]]}}", CFG_OK, M2V_FORMAT, "model.vocab[1] is not a [piece, score]", "tokenizer.json", 0},
    {"bad added token", "{" EMB_OK "}", 48, NULL, 0, 0, "{\"added_tokens\":[{\"content\":\"x\"}],\"model\":{\"vocab\":{\"a\":0}}}", CFG_OK, M2V_FORMAT, "added_tokens[0]", "tokenizer.json", 0},
    {"invalid config JSON", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, "{\"normalize\": tru}", M2V_FORMAT, "invalid JSON", "config.json", 0},
    {"config not an object", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, "[true]", M2V_FORMAT, "not a JSON object", "config.json", 0},
    {"config normalize string", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, "{\"normalize\": \"yes\"}", M2V_FORMAT, "\"normalize\" must be", "config.json", 0},
    {"config max_length negative", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, "{\"max_length\": -1}", M2V_FORMAT, "\"max_length\" must be", "config.json", 0},
    {"config max_length float", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, "{\"max_length\": 8.5}", M2V_FORMAT, "\"max_length\" must be", "config.json", 0},
    {"config empty file", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, "", M2V_FORMAT, "invalid JSON", "config.json", 0},
};

static int load_dir(const char *dir, m2v_model **m, m2v_error *err)
{
    m2v_load_options o;
    m2v_load_options_init(&o);
    o.flags = M2V_LOAD_NO_TOKENIZER;
    return m2v_load(dir, &o, m, err);
}

static void run_case(const bad_case *c, const char *root, int k)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/case%02d", root, k);
    CHECK(mkdir(dir, 0700) == 0);
    size_t st_len;
    unsigned char *st = st_make(c, &st_len);
    write_file(dir, "model.safetensors", st, st_len);
    if (c->tok) write_file(dir, "tokenizer.json", c->tok, strlen(c->tok));
    if (c->cfg) write_file(dir, "config.json", c->cfg, strlen(c->cfg));

    m2v_model *m = (m2v_model *)&m; /* must be reset to NULL */
    m2v_error err;
    memset(&err, 0, sizeof err);
    int rc = load_dir(dir, &m, &err);
    CHECK_MSG(rc == c->want, "%s: m2v_load returned %d (%s), want %d", c->name, rc,
              err.message, c->want);
    CHECK_MSG(err.code == rc, "%s", c->name);
    CHECK_MSG(m == NULL, "%s: model not NULL on failure", c->name);
    CHECK_MSG(strstr(err.message, c->substr) != NULL, "%s: message '%s' lacks '%s'",
              c->name, err.message, c->substr);
    CHECK_MSG(strstr(err.message, c->file) != NULL, "%s: message '%s' does not name %s",
              c->name, err.message, c->file);
    if (rc == M2V_OK) m2v_free(m);
    if (getenv("M2V_TEST_VERBOSE")) printf("%-28s %-12s %s\n", c->name, m2v_errstr(rc), err.message);

    if (!c->dir_only) {
        /* same bytes from memory, at an odd address */
        unsigned char *odd = malloc(st_len + 1);
        memcpy(odd + 1, st, st_len);
        m2v_model_buffers b;
        memset(&b, 0, sizeof b);
        b.struct_size = sizeof b;
        b.safetensors = odd + 1;
        b.safetensors_size = st_len;
        b.tokenizer_json = c->tok;
        b.tokenizer_json_size = strlen(c->tok);
        b.config_json = c->cfg;
        b.config_json_size = strlen(c->cfg);
        m2v_load_options o;
        m2v_load_options_init(&o);
        o.flags = M2V_LOAD_NO_TOKENIZER;
        m = NULL;
        rc = m2v_load_buffers(&b, &o, &m, &err);
        CHECK_MSG(rc == c->want, "%s: m2v_load_buffers returned %d (%s)", c->name, rc,
                  err.message);
        CHECK_MSG(strstr(err.message, c->substr) != NULL, "%s (buffers): '%s'", c->name,
                  err.message);
        CHECK_MSG(m == NULL, "%s", c->name);
        if (rc == M2V_OK) m2v_free(m);
        free(odd);
    }
    free(st);
    rm_dir(dir);
}

static void folder_problems(const char *root)
{
    m2v_model *m = NULL;
    m2v_error err;
    char dir[600];
    /* not a directory */
    snprintf(dir, sizeof dir, "%s/does-not-exist", root);
    CHECK_RC(load_dir(dir, &m, &err), M2V_IO, &err);
    CHECK(strstr(err.message, "not a directory") != NULL && m == NULL);
    /* config.json that cannot be read (a directory) */
    snprintf(dir, sizeof dir, "%s/unreadable", root);
    CHECK(mkdir(dir, 0700) == 0);
    bad_case ok = {"ok", "{" EMB_OK "}", 48, NULL, 0, 0, TOK_OK, CFG_OK, 0, "", "", 0};
    size_t len;
    unsigned char *st = st_make(&ok, &len);
    write_file(dir, "model.safetensors", st, len);
    write_file(dir, "tokenizer.json", TOK_OK, strlen(TOK_OK));
    char cfg[700];
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    CHECK(mkdir(cfg, 0700) == 0);
    CHECK_RC(load_dir(dir, &m, &err), M2V_IO, &err);
    CHECK(strstr(err.message, "config.json") != NULL);
    rmdir(cfg);
    /* model.safetensors that is a directory */
    write_file(dir, "config.json", CFG_OK, strlen(CFG_OK));
    char stp[700];
    snprintf(stp, sizeof stp, "%s/model.safetensors", dir);
    unlink(stp);
    CHECK(mkdir(stp, 0700) == 0);
    CHECK_RC(load_dir(dir, &m, &err), M2V_IO, &err);
    CHECK(strstr(err.message, "not a regular file") != NULL);
    rmdir(stp);
    /* and the control: the same folder, fixed, loads */
    write_file(dir, "model.safetensors", st, len);
    CHECK_RC(load_dir(dir, &m, &err), M2V_OK, &err);
    if (m) {
        CHECK(m2v_vocab_size(m) == 6 && m2v_dim(m) == 2 && m2v_normalize(m) == 1);
        CHECK(m2v_max_length(m) == 16 && m2v_unk_token_id(m) == 1);
        m2v_free(m);
    }
    free(st);
    rm_dir(dir);
    /* bad arguments */
    CHECK_RC(m2v_load(NULL, NULL, &m, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_load(root, NULL, NULL, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_load_files(NULL, NULL, &m, &err), M2V_MISUSE, &err);
    CHECK_RC(m2v_load_buffers(NULL, NULL, &m, &err), M2V_MISUSE, &err);
    m2v_model_files f;
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    CHECK_RC(m2v_load_files(&f, NULL, &m, &err), M2V_MISUSE, &err);
    m2v_model_buffers b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    CHECK_RC(m2v_load_buffers(&b, NULL, &m, &err), M2V_MISUSE, &err);
    b.struct_size = 2;
    CHECK_RC(m2v_load_buffers(&b, NULL, &m, &err), M2V_MISUSE, &err);
    CHECK(strstr(err.message, "struct_size") != NULL);
}

/* Random corruptions of a valid model (fixed seed): every load either
** succeeds and then encodes, or fails with a file error; never a crash or a
** read out of bounds (ASan and valgrind run this too). */
static uint64_t seed = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (uint32_t)(seed >> 16);
}

static void mutate(unsigned char *b, size_t len, size_t lo, size_t hi)
{
    static const char syntax[] = "{}[]\":,0123456789-e.\\";
    static const char dtype_chars[] = "FIBU864";
    int edits = 1 + (int)(rnd() % 4);
    for (int e = 0; e < edits && hi > lo; e++) {
        size_t at = lo + rnd() % (hi - lo);
        switch (rnd() % 4) {
        case 0: b[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
        case 1: b[at] = (unsigned char)rnd(); break;
        case 2: b[at] = (unsigned char)syntax[rnd() % (sizeof syntax - 1)]; break;
        default: b[at] = (unsigned char)dtype_chars[rnd() % (sizeof dtype_chars - 1)]; break;
        }
    }
    (void)len;
}

static void mutations(void)
{
    const char *hdr =
        "{\"__metadata__\":{\"k\":\"v\"},"
        "\"embeddings\":{\"dtype\":\"F16\",\"shape\":[4,2],\"data_offsets\":[0,16]},"
        "\"mapping\":{\"dtype\":\"I32\",\"shape\":[6],\"data_offsets\":[16,40]},"
        "\"weights\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[40,64]}}";
    bad_case base = {"base", hdr, 64, NULL, 0, 0, TOK_OK, CFG_OK, 0, "", "", 0};
    size_t st_len, hl = strlen(hdr);
    unsigned char *st = st_make(&base, &st_len);
    /* a valid mapping: entries 0..3 */
    for (int i = 0; i < 6; i++) {
        int32_t v = i % 4;
        memcpy(st + 8 + hl + 16 + 4 * i, &v, 4);
    }
    size_t tl = strlen(TOK_OK), cl = strlen(CFG_OK);
    unsigned char *mst = malloc(st_len), *mtok = malloc(tl), *mcfg = malloc(cl);
    const char *env = getenv("M2V_TEST_MUTATIONS");
    int n = env ? atoi(env) : 3000, ok = 0, failed = 0;
    for (int k = 0; k < n; k++) {
        memcpy(mst, st, st_len);
        memcpy(mtok, TOK_OK, tl);
        memcpy(mcfg, CFG_OK, cl);
        switch (k % 5) {
        case 0: case 1: mutate(mst, st_len, 8, 8 + hl); break;      /* header JSON */
        case 2: mutate(mst, st_len, 0, st_len); break;              /* anywhere */
        case 3: mutate(mtok, tl, 0, tl); break;                     /* tokenizer.json */
        default: mutate(mcfg, cl, 0, cl); break;                    /* config.json */
        }
        m2v_model_buffers b;
        memset(&b, 0, sizeof b);
        b.struct_size = sizeof b;
        b.safetensors = mst;
        b.safetensors_size = st_len;
        b.tokenizer_json = (const char *)mtok;
        b.tokenizer_json_size = tl;
        b.config_json = (const char *)mcfg;
        b.config_json_size = cl;
        m2v_load_options o;
        m2v_load_options_init(&o);
        /* tokenizer.json mutations also go through the native tokenizer */
        bool native = k % 5 == 3 && (m2v_features() & M2V_FEATURE_NATIVE_TOKENIZER);
        if (!native) o.flags = M2V_LOAD_NO_TOKENIZER;
        m2v_model *m = NULL;
        m2v_error err;
        int rc = m2v_load_buffers(&b, &o, &m, &err);
        if (rc == M2V_OK) {
            ok++;
            if (native) {
                const char *texts[2] = {"a b c abcd ##d [UNK] x", "\xc3\xa9\xe4\xbd\xa0 d"};
                float *o2 = malloc(2 * m2v_dim(m) * sizeof *o2);
                CHECK_RC(m2v_encode(m, texts, NULL, 2, NULL, o2, 2 * m2v_dim(m), &err), M2V_OK, &err);
                free(o2);
            }
            size_t v = m2v_vocab_size(m), dim = m2v_dim(m);
            int32_t ids[8];
            for (int i = 0; i < 8; i++) ids[i] = (int32_t)(rnd() % v);
            size_t offs[2] = {0, 8};
            float *out = malloc(dim * sizeof *out);
            CHECK_RC(m2v_encode_ids(m, ids, offs, 1, NULL, out, dim, &err), M2V_OK, &err);
            free(out);
            m2v_free(m);
        } else {
            failed++;
            CHECK_MSG(rc == M2V_FORMAT || rc == M2V_UNSUPPORTED || rc == M2V_LIMIT,
                      "mutation %d: rc %d: %s", k, rc, err.message);
            CHECK(m == NULL && err.code == rc && err.message[0] != '\0');
        }
    }
    printf("test_bad_models: %d mutated models: %d loaded, %d rejected\n", n, ok, failed);
    free(st);
    free(mst);
    free(mtok);
    free(mcfg);
}

int main(void)
{
    char root[] = "/tmp/m2v_bad_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    size_t n = sizeof cases / sizeof cases[0];
    CHECK(n >= 30);
    for (size_t k = 0; k < n; k++) run_case(&cases[k], root, (int)k);
    folder_problems(root);
    mutations();
    rmdir(root);
    printf("test_bad_models: %zu malformed models\n", n);
    return t_done("test_bad_models");
}
