/*
** test_malformed_more.c -- a second malformed-model suite (the first is
** test_bad_models.c): generated models broken in one place each, in the
** safetensors header's JSON, tensor entries, dtypes and shapes, the limits
** of m2v.h, the cross-checks of weights and mapping, every component of
** tokenizer.json the native tokenizer reads, and config.json. Each case is
** loaded from memory (m2v_load_buffers) and from files (m2v_load_files),
** and must give the exact status code and a message naming the file and
** the problem; the model pointer stays NULL. Cases that must load (edge
** cases that are valid) are checked to load and encode.
*/
#include "m2v_test.h"

#include <unistd.h>

/* ---- the parts of a good model ------------------------------------------ */

#define VOCAB "{\"[PAD]\":0,\"[UNK]\":1,\"a\":2,\"b\":3,\"c\":4,\"##d\":5}"
#define ADDED "[{\"id\":0,\"content\":\"[PAD]\",\"special\":true},{\"id\":1,\"content\":\"[UNK]\",\"special\":true}]"
#define MODEL_WP(extra) "{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100" extra ",\"vocab\":" VOCAB "}"
#define NORM "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,\"strip_accents\":null,\"lowercase\":true}"
#define PRE "{\"type\":\"BertPreTokenizer\"}"
#define EMB "\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]}"

typedef struct mcase {
    const char *name;
    /* safetensors: header JSON + data_len bytes of data, or raw bytes */
    const char *header;
    size_t data_len;
    const char *raw;
    size_t raw_len;
    /* tokenizer.json pieces (NULL: the good one); tok_whole replaces all */
    const char *norm, *pre, *added, *model, *top, *tok_whole;
    const char *cfg; /* NULL: the good one; "-" no config */
    const char *tensor; /* NULL: "embeddings" */
    int want;
    const char *substr; /* expected in the message */
    const char *file;   /* file named in the message */
} mcase;

#define H(h, n) h, n, NULL, 0
#define T NULL, NULL, NULL, NULL, NULL, NULL
#define OK_ST H("{" EMB "}", 48)
#define L16 "[[[[[[[[[[[[[[[["
#define L64 L16 L16 L16 L16

static const mcase cases[] = {
    /* ---- safetensors header: JSON-level ---- */
    {"header: lone surrogate escape", H("{\"x\\ud800\":1}", 0), T, NULL, NULL, M2V_FORMAT, "lone high surrogate", "model.safetensors"},
    {"header: bad escape", H("{\"\\q\":1}", 0), T, NULL, NULL, M2V_FORMAT, "bad escape", "model.safetensors"},
    {"header: control char in key", H("{\"a\tb\":1}", 0), T, NULL, NULL, M2V_FORMAT, "control character", "model.safetensors"},
    {"header: invalid UTF-8", NULL, 0, "\x0a\0\0\0\0\0\0\0{\"\xff\":1}  ", 18, T, NULL, NULL, M2V_FORMAT, "invalid UTF-8 at byte 2", "model.safetensors"},
    {"header: NaN literal", H("{\"a\":NaN}", 0), T, NULL, NULL, M2V_FORMAT, "value expected", "model.safetensors"},
    {"header: trailing comma", H("{" EMB ",}", 48), T, NULL, NULL, M2V_FORMAT, "object key expected", "model.safetensors"},
    {"header: comment", H("{/*c*/" EMB "}", 48), T, NULL, NULL, M2V_FORMAT, "object key expected", "model.safetensors"},
    {"header: single quotes", H("{'a':1}", 0), T, NULL, NULL, M2V_FORMAT, "object key expected", "model.safetensors"},
    {"header: leading zero", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[06,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "leading zero", "model.safetensors"},
    {"header: unterminated string", H("{\"embeddings", 0), T, NULL, NULL, M2V_FORMAT, "unterminated string", "model.safetensors"},
    {"header: zero length", NULL, 0, "\0\0\0\0\0\0\0\0", 8, T, NULL, NULL, M2V_FORMAT, "does not start with '{'", "model.safetensors"},
    {"header: starts with space", H(" {" EMB "}", 48), T, NULL, NULL, M2V_FORMAT, "does not start with '{'", "model.safetensors"},
    {"header: array", H("[1]", 0), T, NULL, NULL, M2V_FORMAT, "does not start with '{'", "model.safetensors"},
    {"header: 257 levels deep", H("{\"a\":" L64 L64 L64 L64 "0", 0), T, NULL, NULL, M2V_FORMAT, "nesting deeper than 256", "model.safetensors"},
    {"header: length field 2^64-1", NULL, 0, "\xff\xff\xff\xff\xff\xff\xff\xff{}", 10, T, NULL, NULL, M2V_FORMAT, "over the limit of 100000000", "model.safetensors"},
    {"header: length 1 past EOF", NULL, 0, "\x03\0\0\0\0\0\0\0{}", 10, T, NULL, NULL, M2V_FORMAT, "past the end of the file", "model.safetensors"},
    /* ---- tensor entries ---- */
    {"dtype lowercase", H("{\"embeddings\":{\"dtype\":\"f32\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_UNSUPPORTED, "dtype 'f32' is not supported", "model.safetensors"},
    {"dtype not a string", H("{\"embeddings\":{\"dtype\":4,\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "non-string \"dtype\"", "model.safetensors"},
    {"dtype F8 embeddings", H("{\"embeddings\":{\"dtype\":\"F8_E4M3\",\"shape\":[6,2],\"data_offsets\":[0,12]}}", 12), T, NULL, NULL, M2V_UNSUPPORTED, "F8_E4M3 is not supported for embeddings", "model.safetensors"},
    {"dtype I32 embeddings", H("{\"embeddings\":{\"dtype\":\"I32\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_UNSUPPORTED, "I32 is not supported for embeddings", "model.safetensors"},
    {"dtype F4 odd bit count", H("{" EMB ",\"x\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[48,50]}}", 50), T, NULL, NULL, M2V_FORMAT, "do not match shape [3] x F4", "model.safetensors"},
    {"shape missing", H("{\"embeddings\":{\"dtype\":\"F32\",\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "non-array \"shape\"", "model.safetensors"},
    {"shape string entry", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[\"6\",2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "shape entries must be integers", "model.safetensors"},
    {"shape 1e400", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[1e400,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "shape entries must be integers", "model.safetensors"},
    {"shape 2^63", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "shape entries must be integers", "model.safetensors"},
    {"shape product wraps to 48 bytes", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[4611686018427387916,4],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "size overflows", "model.safetensors"},
    {"rank 0 embeddings", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4), T, NULL, NULL, M2V_FORMAT, "must be 2-D, has rank 0", "model.safetensors"},
    {"rank 3 embeddings", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2,1],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "must be 2-D, has rank 3", "model.safetensors"},
    {"data_offsets one entry", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[48]}}", 48), T, NULL, NULL, M2V_FORMAT, "\"data_offsets\" must be [begin, end]", "model.safetensors"},
    {"data_offsets negative", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[-48,0]}}", 48), T, NULL, NULL, M2V_FORMAT, "\"data_offsets\" must be [begin, end]", "model.safetensors"},
    {"data_offsets float", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48.5]}}", 48), T, NULL, NULL, M2V_FORMAT, "\"data_offsets\" must be [begin, end]", "model.safetensors"},
    {"data_offsets 2^64", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,18446744073709551616]}}", 48), T, NULL, NULL, M2V_FORMAT, "\"data_offsets\" must be [begin, end]", "model.safetensors"},
    {"data_offsets huge end", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,9223372036854775807]}}", 48), T, NULL, NULL, M2V_FORMAT, "past the end of the data area", "model.safetensors"},
    {"two tensors same range", H("{" EMB ",\"x\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "overlap", "model.safetensors"},
    {"empty tensor inside another", H("{" EMB ",\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 48), T, NULL, NULL, M2V_FORMAT, "overlap", "model.safetensors"},
    {"metadata number value", H("{\"__metadata__\":{\"k\":1}," EMB "}", 48), T, NULL, NULL, M2V_FORMAT, "\"__metadata__\" values must be strings", "model.safetensors"},
    {"tensor name with NUL", H("{\"emb\\u0000x\":{\"dtype\":\"F32\",\"shape\":[6,2],\"data_offsets\":[0,48]}}", 48), T, NULL, NULL, M2V_FORMAT, "tensor name contains NUL", "model.safetensors"},
    {"embedding.weight wanted, embeddings given", OK_ST, T, NULL, "embedding.weight", M2V_FORMAT, "no tensor 'embedding.weight' (tensors: 'embeddings')", "model.safetensors"},
    /* ---- limits (m2v.h) ---- */
    {"dim 65537 > M2V_MAX_DIM", H("{\"embeddings\":{\"dtype\":\"I8\",\"shape\":[6,65537],\"data_offsets\":[0,393222]}}", 393222), T, NULL, NULL, M2V_LIMIT, "over the limits (16777216 rows, 65536 columns)", "model.safetensors"},
    {"rows 2^24+1 > M2V_MAX_VOCAB", H("{\"embeddings\":{\"dtype\":\"I8\",\"shape\":[16777217,1],\"data_offsets\":[0,16777217]}}", 16777217), T, NULL, NULL, M2V_LIMIT, "over the limits (16777216 rows, 65536 columns)", "model.safetensors"},
    /* ---- weights / mapping cross-checks ---- */
    {"weights I8", H("{" EMB ",\"weights\":{\"dtype\":\"I8\",\"shape\":[6],\"data_offsets\":[48,54]}}", 54), T, NULL, NULL, M2V_FORMAT, "'weights' must be float, is I8", "model.safetensors"},
    {"weights rank 0", H("{" EMB ",\"weights\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[48,52]}}", 52), T, NULL, NULL, M2V_FORMAT, "'weights' must be 1-D, has rank 0", "model.safetensors"},
    {"weights 7 for 6 tokens", H("{" EMB ",\"weights\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[48,62]}}", 62), T, NULL, NULL, M2V_FORMAT, "'weights' has 7 entries but ", "has 6 tokens"},
    {"mapping U32", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"U32\",\"shape\":[6],\"data_offsets\":[16,40]}}", 40), T, NULL, NULL, M2V_FORMAT, "'mapping' must be I32 or I64, is U32", "model.safetensors"},
    {"mapping I16", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"I16\",\"shape\":[6],\"data_offsets\":[16,28]}}", 28), T, NULL, NULL, M2V_FORMAT, "'mapping' must be I32 or I64, is I16", "model.safetensors"},
    {"mapping 5 for 6 tokens", H("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"mapping\":{\"dtype\":\"I32\",\"shape\":[5],\"data_offsets\":[16,36]}}", 36), T, NULL, NULL, M2V_FORMAT, "'mapping' has 5 entries", "model.safetensors"},
    /* ---- tokenizer.json: top level and vocabulary ---- */
    {"tokenizer: version 2.0", OK_ST, NULL, NULL, NULL, NULL, ",\"version\":\"2.0\"", NULL, NULL, NULL, M2V_UNSUPPORTED, "version is not \"1.0\"", "tokenizer.json"},
    {"tokenizer: model BPE", OK_ST, NULL, NULL, NULL, "{\"type\":\"BPE\",\"unk_token\":\"[UNK]\",\"vocab\":" VOCAB ",\"merges\":[]}", NULL, NULL, NULL, NULL, M2V_UNSUPPORTED, "model 'BPE' is not supported", "tokenizer.json"},
    /* tokenizers' legacy fallback reads a model without "type" as WordPiece */
    {"tokenizer: model without type is WordPiece (ok)", OK_ST, NULL, NULL, NULL, "{\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100,\"vocab\":" VOCAB "}", NULL, NULL, NULL, NULL, M2V_OK, "", ""},
    {"tokenizer: model without type nor WordPiece fields", OK_ST, NULL, NULL, NULL, "{\"vocab\":" VOCAB "}", NULL, NULL, NULL, NULL, M2V_UNSUPPORTED, "model without \"type\" is not a WordPiece model", "tokenizer.json"},
    {"tokenizer: model is an array", OK_ST, NULL, NULL, NULL, "[]", NULL, NULL, NULL, NULL, M2V_FORMAT, "missing \"model\" object", "tokenizer.json"},
    {"tokenizer: vocab is a string", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"vocab\":\"a\"}", NULL, NULL, NULL, NULL, M2V_FORMAT, "\"model.vocab\" is missing or not an object/array", "tokenizer.json"},
    {"tokenizer: vocab id 2^31", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"a\":2147483648}}", NULL, NULL, NULL, NULL, M2V_FORMAT, "is not an id in [0, 2^31)", "tokenizer.json"},
    {"tokenizer: vocab id -1", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"vocab\":{\"[PAD]\":0,\"[UNK]\":-1}}", NULL, NULL, NULL, NULL, M2V_FORMAT, "is not an id in [0, 2^31)", "tokenizer.json"},
    {"tokenizer: vocab id 1.5", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"vocab\":{\"[PAD]\":0,\"[UNK]\":1.5}}", NULL, NULL, NULL, NULL, M2V_FORMAT, "is not an id in [0, 2^31)", "tokenizer.json"},
    {"tokenizer: added token beyond vocab", OK_ST, NULL, NULL, "[{\"id\":7,\"content\":\"[X]\"}]", NULL, NULL, NULL, NULL, NULL, M2V_UNSUPPORTED, "token ids are not 0..6 without gaps", "tokenizer.json"},
    {"tokenizer: added token id string", OK_ST, NULL, NULL, "[{\"id\":\"0\",\"content\":\"[PAD]\"}]", NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "added_tokens[0] needs a string \"content\"", "tokenizer.json"},
    {"tokenizer: added token content number", OK_ST, NULL, NULL, "[{\"id\":0,\"content\":0}]", NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "added_tokens[0] needs a string \"content\"", "tokenizer.json"},
    {"tokenizer: added token with other id", OK_ST, NULL, NULL, "[{\"id\":2,\"content\":\"[PAD]\"}]", NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "token '[PAD]' has two ids, 0 and 2", "tokenizer.json"},
    {"tokenizer: added_tokens object", OK_ST, NULL, NULL, "{}", NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "\"added_tokens\" is not an array", "tokenizer.json"},
    {"tokenizer: unigram score string", OK_ST, NULL, NULL, NULL, "{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":[[\"a\",0],[\"b\",\"x\"]]}", NULL, NULL, NULL, NULL, M2V_FORMAT, "model.vocab[1] is not a [piece, score] pair", "tokenizer.json"},
    {"tokenizer: top level array", OK_ST, NULL, NULL, NULL, NULL, NULL, "[1,2]", NULL, NULL, M2V_FORMAT, "not a JSON object", "tokenizer.json"},
    {"tokenizer: empty file", OK_ST, NULL, NULL, NULL, NULL, NULL, "", NULL, NULL, M2V_FORMAT, "value expected", "tokenizer.json"},
    {"tokenizer: BOM", OK_ST, NULL, NULL, NULL, NULL, NULL, "\xEF\xBB\xBF{}", NULL, NULL, M2V_FORMAT, "value expected", "tokenizer.json"},
    {"tokenizer: UTF-16", OK_ST, NULL, NULL, NULL, NULL, NULL, "\xFF\xFE{\0}\0", NULL, NULL, M2V_FORMAT, "invalid UTF-8 at byte 0", "tokenizer.json"},
    /* ---- tokenizer.json: the WordPiece model ---- */
    {"wordpiece: no unk_token", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100,\"vocab\":" VOCAB "}", NULL, NULL, NULL, NULL, M2V_FORMAT, "needs an \"unk_token\" string", "tokenizer.json"},
    {"wordpiece: no prefix", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"max_input_chars_per_word\":100,\"vocab\":" VOCAB "}", NULL, NULL, NULL, NULL, M2V_FORMAT, "needs a \"continuing_subword_prefix\" string", "tokenizer.json"},
    {"wordpiece: max chars -1", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":-1,\"vocab\":" VOCAB "}", NULL, NULL, NULL, NULL, M2V_FORMAT, "non-negative integer \"max_input_chars_per_word\"", "tokenizer.json"},
    {"wordpiece: max chars string", OK_ST, NULL, NULL, NULL, "{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":\"100\",\"vocab\":" VOCAB "}", NULL, NULL, NULL, NULL, M2V_FORMAT, "non-negative integer \"max_input_chars_per_word\"", "tokenizer.json"},
    /* ---- tokenizer.json: normalizer, pre-tokenizer, truncation ---- */
    {"normalizer: Precompiled", OK_ST, "{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"\"}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_UNSUPPORTED, "Precompiled", "tokenizer.json"},
    {"normalizer: Replace with Regex", OK_ST, "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"a+\"},\"content\":\"b\"}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_UNSUPPORTED, "Regex pattern is not supported", "tokenizer.json"},
    {"normalizer: Replace without content", OK_ST, "{\"type\":\"Replace\",\"pattern\":{\"String\":\"a\"}}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "Replace needs a \"content\" string", "tokenizer.json"},
    {"normalizer: Prepend without prepend", OK_ST, "{\"type\":\"Prepend\"}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "Prepend needs a \"prepend\"", "tokenizer.json"},
    {"normalizer: no type", OK_ST, "{\"lowercase\":true}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "type", "tokenizer.json"},
    {"normalizer: Sequence of a string", OK_ST, "{\"type\":\"Sequence\",\"normalizers\":[\"NFC\"]}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "normalizer", "tokenizer.json"},
    {"normalizer: Bert lowercase string", OK_ST, "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,\"strip_accents\":null,\"lowercase\":\"yes\"}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "lowercase", "tokenizer.json"},
    {"pre_tokenizer: Metaspace", OK_ST, NULL, "{\"type\":\"Metaspace\",\"replacement\":\"_\"}", NULL, NULL, NULL, NULL, NULL, NULL, M2V_UNSUPPORTED, "pre_tokenizer 'Metaspace' is not supported", "tokenizer.json"},
    {"pre_tokenizer: Punctuation behavior", OK_ST, NULL, "{\"type\":\"Punctuation\",\"behavior\":\"Sideways\"}", NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "unknown \"behavior\"", "tokenizer.json"},
    {"pre_tokenizer: Sequence without list", OK_ST, NULL, "{\"type\":\"Sequence\"}", NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "needs a \"pretokenizers\" array", "tokenizer.json"},
    {"pre_tokenizer: a number", OK_ST, NULL, "7", NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "pre_tokenizer must be an object or null", "tokenizer.json"},
    {"pre_tokenizer: type number", OK_ST, NULL, "{\"type\":7}", NULL, NULL, NULL, NULL, NULL, NULL, M2V_FORMAT, "pre_tokenizer has no \"type\"", "tokenizer.json"},
    {"truncation: max_length missing", OK_ST, NULL, NULL, NULL, NULL, ",\"truncation\":{\"stride\":0}", NULL, NULL, NULL, M2V_FORMAT, "truncation \"max_length\"", "tokenizer.json"},
    {"truncation: direction Up", OK_ST, NULL, NULL, NULL, NULL, ",\"truncation\":{\"max_length\":5,\"direction\":\"Up\"}", NULL, NULL, NULL, M2V_FORMAT, "\"direction\" must be", "tokenizer.json"},
    {"truncation: a list", OK_ST, NULL, NULL, NULL, NULL, ",\"truncation\":[5]", NULL, NULL, NULL, M2V_FORMAT, "\"truncation\" must be an object or null", "tokenizer.json"},
    /* ---- config.json ---- */
    {"config: normalize 1", OK_ST, T, "{\"normalize\":1}", NULL, M2V_FORMAT, "\"normalize\" must be true, false or null", "config.json"},
    {"config: normalize \"true\"", OK_ST, T, "{\"normalize\":\"true\"}", NULL, M2V_FORMAT, "\"normalize\" must be true, false or null", "config.json"},
    {"config: max_length 1e3 is 1000 (ok)", OK_ST, T, "{\"max_length\":1e3}", NULL, M2V_OK, "", ""},
    {"config: max_length 2^63", OK_ST, T, "{\"max_length\":9223372036854775808}", NULL, M2V_FORMAT, "\"max_length\" must be an integer >= 0 or null", "config.json"},
    {"config: max_length \"512\"", OK_ST, T, "{\"max_length\":\"512\"}", NULL, M2V_FORMAT, "\"max_length\" must be an integer >= 0 or null", "config.json"},
    {"config: max_length true", OK_ST, T, "{\"max_length\":true}", NULL, M2V_FORMAT, "\"max_length\" must be an integer >= 0 or null", "config.json"},
    {"config: array", OK_ST, T, "[]", NULL, M2V_FORMAT, "not a JSON object", "config.json"},
    {"config: invalid UTF-8", OK_ST, T, "{\"x\":\"\xC0\xAF\"}", NULL, M2V_FORMAT, "invalid UTF-8 at byte 6", "config.json"},
    {"config: two objects", OK_ST, T, "{}{}", NULL, M2V_FORMAT, "trailing characters", "config.json"},
    {"config: unknown keys ignored (ok)", OK_ST, T, "{\"model_type\":\"model2vec\",\"pooling\":[1,{}],\"normalize\":null}", NULL, M2V_OK, "", ""},
    {"config: absent (ok)", OK_ST, T, "-", NULL, M2V_OK, "", ""},
};
#define NCASES (sizeof cases / sizeof cases[0])

static char *tok_json(const mcase *c)
{
    if (c->tok_whole) { /* may hold NUL bytes (the UTF-16 case: 6 bytes) */
        size_t n = strstr(c->name, "UTF-16") ? 6 : strlen(c->tok_whole);
        char *s = malloc(n + 1);
        memcpy(s, c->tok_whole, n + 1);
        return s;
    }
    const char *norm = c->norm ? c->norm : NORM, *pre = c->pre ? c->pre : PRE;
    const char *added = c->added ? c->added : ADDED;
    const char *model = c->model ? c->model : MODEL_WP("");
    const char *top = c->top ? c->top : "";
    size_t n = strlen(norm) + strlen(pre) + strlen(added) + strlen(model) + strlen(top) + 256;
    char *s = malloc(n);
    snprintf(s, n, "{\"added_tokens\":%s,\"normalizer\":%s,\"pre_tokenizer\":%s,\"model\":%s%s}",
             added, norm, pre, model, top);
    return s;
}

static unsigned char *st_bytes(const mcase *c, size_t *len)
{
    if (!c->header) {
        unsigned char *b = malloc(c->raw_len ? c->raw_len : 1);
        memcpy(b, c->raw, c->raw_len);
        *len = c->raw_len;
        return b;
    }
    size_t hl = strlen(c->header);
    *len = 8 + hl + c->data_len;
    unsigned char *b = calloc(1, *len);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, c->header, hl);
    return b;
}

/* The buffers of one model (cfg NULL: no config.json). */
static m2v_model_buffers buffers_of(const unsigned char *st, size_t st_len, const char *tok,
                                    size_t tok_len, const char *cfg, size_t cfg_len)
{
    m2v_model_buffers b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    b.safetensors = st;
    b.safetensors_size = st_len;
    b.tokenizer_json = tok;
    b.tokenizer_json_size = tok_len;
    b.config_json = cfg;
    b.config_json_size = cfg_len;
    return b;
}

static void check_result(const mcase *c, const char *how, int rc, m2v_model *m,
                         const m2v_error *e)
{
    CHECK_MSG(rc == c->want, "%s (%s): got %d (%s), want %d: %s", c->name, how, rc,
              m2v_errstr(rc), c->want, e->message);
    if (c->want != M2V_OK) {
        CHECK_MSG(m == NULL, "%s (%s): model set on failure", c->name, how);
        CHECK_MSG(strstr(e->message, c->substr) != NULL, "%s (%s): message '%s' lacks '%s'",
                  c->name, how, e->message, c->substr);
        CHECK_MSG(strstr(e->message, c->file) != NULL, "%s (%s): message '%s' names no %s",
                  c->name, how, e->message, c->file);
    } else if (m) {
        float row[2];
        m2v_error e2;
        const char *t = "a b abd";
        CHECK_RC(m2v_encode(m, &t, NULL, 1, NULL, row, 2, &e2), M2V_OK, &e2);
    }
    m2v_free(m);
}

int main(void)
{
    char dir[] = "/tmp/m2v_malformed_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char stp[600], tkp[600], cfp[600];
    snprintf(stp, sizeof stp, "%s/model.safetensors", dir);
    snprintf(tkp, sizeof tkp, "%s/tokenizer.json", dir);
    snprintf(cfp, sizeof cfp, "%s/config.json", dir);
    size_t failing = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const mcase *c = &cases[i];
        failing += c->want != M2V_OK;
        size_t st_len;
        unsigned char *st = st_bytes(c, &st_len);
        char *tok = tok_json(c);
        size_t tok_len = c->tok_whole && strstr(c->name, "UTF-16") ? 6 : strlen(tok);
        const char *cfg = c->cfg ? c->cfg : "{\"normalize\":true,\"max_length\":16}";
        bool no_cfg = strcmp(cfg, "-") == 0;

        m2v_model_buffers b = buffers_of(st, st_len, tok, tok_len, no_cfg ? NULL : cfg,
                                         no_cfg ? 0 : strlen(cfg));
        b.embedding_tensor = c->tensor;
        m2v_model *m = (m2v_model *)&b;
        m2v_error e;
        int rc = m2v_load_buffers(&b, NULL, &m, &e);
        check_result(c, "buffers", rc, m, &e);

        FILE *f = fopen(stp, "wb");
        CHECK(f && fwrite(st, 1, st_len, f) == st_len);
        fclose(f);
        f = fopen(tkp, "wb");
        CHECK(f && fwrite(tok, 1, tok_len, f) == tok_len);
        fclose(f);
        f = fopen(cfp, "wb");
        CHECK(f && fwrite(cfg, 1, strlen(cfg), f) == strlen(cfg));
        fclose(f);
        m2v_model_files fl;
        memset(&fl, 0, sizeof fl);
        fl.struct_size = sizeof fl;
        fl.safetensors_path = stp;
        fl.tokenizer_path = tkp;
        fl.config_path = no_cfg ? NULL : cfp;
        fl.embedding_tensor = c->tensor;
        m = (m2v_model *)&fl;
        rc = m2v_load_files(&fl, NULL, &m, &e);
        check_result(c, "files", rc, m, &e);
        free(st);
        free(tok);
    }
    /* a repeated key counts with its last value, as model2vec's json.load */
    {
        size_t st_len;
        mcase ok = {"dup", OK_ST, T, NULL, NULL, M2V_OK, "", ""};
        unsigned char *st = st_bytes(&ok, &st_len);
        char *tok = tok_json(&ok);
        const char *cfg = "{\"normalize\":false,\"max_length\":3,\"normalize\":true,"
                          "\"max_length\":null}";
        m2v_model_buffers b = buffers_of(st, st_len, tok, strlen(tok), cfg, strlen(cfg));
        m2v_model *m = NULL;
        m2v_error e;
        CHECK_RC(m2v_load_buffers(&b, NULL, &m, &e), M2V_OK, &e);
        CHECK(m2v_normalize(m) == 1 && m2v_max_length(m) == M2V_NONE);
        m2v_free(m);
        free(st);
        free(tok);
    }
    /* M2V_MAX_CONFIG_JSON_BYTES and M2V_MAX_TOKENIZER_JSON_BYTES hold for
    ** buffers too: checked before a byte is read */
    {
        mcase ok = {"limits", OK_ST, T, NULL, NULL, M2V_OK, "", ""};
        size_t st_len;
        unsigned char *st = st_bytes(&ok, &st_len);
        char *tok = tok_json(&ok);
        size_t big = M2V_MAX_CONFIG_JSON_BYTES + 1;
        char *cfg = malloc(big);
        CHECK(cfg != NULL);
        memset(cfg, ' ', big);
        cfg[0] = '{';
        cfg[big - 1] = '}';
        m2v_model_buffers b = buffers_of(st, st_len, tok, strlen(tok), cfg, big);
        m2v_model *m = NULL;
        m2v_error e;
        CHECK_RC(m2v_load_buffers(&b, NULL, &m, &e), M2V_LIMIT, &e);
        CHECK(m == NULL && strstr(e.message, "config.json") && strstr(e.message, "16777216"));
        b.config_json_size = big - 1; /* at the limit: a valid, empty object */
        cfg[big - 2] = '}';
        CHECK_RC(m2v_load_buffers(&b, NULL, &m, &e), M2V_OK, &e);
        m2v_free(m);
        m = NULL;
        /* the size is refused before the buffer is read, so a short buffer
        ** with a size past the limit is enough to show it */
        b.config_json = NULL;
        b.config_json_size = 0;
        b.tokenizer_json_size = M2V_MAX_TOKENIZER_JSON_BYTES + 1;
        CHECK_RC(m2v_load_buffers(&b, NULL, &m, &e), M2V_LIMIT, &e);
        CHECK(m == NULL && strstr(e.message, "tokenizer.json") && strstr(e.message, "1073741824"));
        free(cfg);
        free(st);
        free(tok);
    }
    unlink(stp);
    unlink(tkp);
    unlink(cfp);
    rmdir(dir);
    printf("%zu generated malformed models rejected exactly (and %zu valid edge cases "
           "loaded), from buffers and from files\n", failing, NCASES - failing);
    CHECK(failing >= 60);
    return t_done("test_malformed_more");
}
