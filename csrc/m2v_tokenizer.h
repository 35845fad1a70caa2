/*
** m2v_tokenizer.h -- private header of the native tokenizer's stages.
**
** The native tokenizer is a pipeline of components parsed from
** tokenizer.json, run exactly as HuggingFace tokenizers 0.23 runs them:
**
**   text -> added tokens (normalized: false)   added_tokens.c
**        -> normalizers                         normalizer.c, unicode.c
**        -> added tokens (normalized: true)     added_tokens.c
**        -> pre-tokenizers                      pretokenizer.c
**        -> model (WordPiece)                   wordpiece.c
**
** tokenizer.c parses tokenizer.json, wires the stages together and exposes
** them through the m2v_tokenizer callback table. Only tokenizer.c and its
** stages include this header; the core sees m2v_native_tokenizer_new only.
*/
#ifndef M2V_TOKENIZER_H
#define M2V_TOKENIZER_H

#include "m2v_internal.h"

/* ---------------------------------------------------------------------------
** Growable buffers (scratch memory; grown, never shrunk, reused per call)
** ------------------------------------------------------------------------- */

typedef struct m2v_u32vec {
    uint32_t *v;
    size_t n, cap;
} m2v_u32vec;

typedef struct m2v_bytevec {
    char *v;
    size_t n, cap;
} m2v_bytevec;

typedef struct m2v_span {
    size_t start, end; /* byte offsets, end exclusive */
} m2v_span;

typedef struct m2v_spanvec {
    m2v_span *v;
    size_t n, cap;
} m2v_spanvec;

/* Make room for at least `need` elements. Return 0 or -1 (out of memory). */
int m2v_u32vec_reserve(m2v_u32vec *b, size_t need);
int m2v_bytevec_reserve(m2v_bytevec *b, size_t need);
int m2v_spanvec_reserve(m2v_spanvec *b, size_t need);
void m2v_u32vec_free(m2v_u32vec *b);
void m2v_bytevec_free(m2v_bytevec *b);
void m2v_spanvec_free(m2v_spanvec *b);

/* Decodes the code point at s[*pos] (*pos < len) and advances *pos. Never
** reads past s[len - 1]: the core hands only valid UTF-8 to the tokenizer,
** but should anything else arrive, each byte that does not start a
** complete, well-formed sequence decodes to U+FFFD and is skipped alone. */
static inline uint32_t m2v_tok_next(const char *s, size_t len, size_t *pos)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = *pos;
    uint32_t c = u[i];
    if (c < 0x80) {
        *pos = i + 1;
        return c;
    }
    size_t n;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        *pos = i + 1;
        return 0xFFFD;
    }
    if (len - i < n) {
        *pos = i + 1;
        return 0xFFFD;
    }
    for (size_t k = 1; k < n; k++) {
        if ((u[i + k] & 0xC0) != 0x80) {
            *pos = i + 1;
            return 0xFFFD;
        }
        c = (c << 6) | (u[i + k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *pos = i + 1;
        return 0xFFFD;
    }
    *pos = i + n;
    return c;
}

/* Decodes UTF-8 into code points (out->n = count), as m2v_tok_next. */
int m2v_utf8_to_u32(const char *s, size_t len, m2v_u32vec *out);
/* Encodes code points as UTF-8 (out->n = byte count). */
int m2v_u32_to_utf8(const uint32_t *cp, size_t n, m2v_bytevec *out);

/* ---------------------------------------------------------------------------
** Unicode data (unicode.c, tables from unicode_tables.h). See
** scripts/gen_unicode_tables.py for which Unicode version backs each flag.
** ------------------------------------------------------------------------- */

#define M2V_UC_BERT_CTRL   0x0001u /* BertNormalizer is_control (Cc|Cf|Co 8.0, not \t\n\r) */
#define M2V_UC_WS          0x0002u /* char::is_whitespace == regex \s */
#define M2V_UC_PUNCT       0x0004u /* is_ascii_punctuation || P* (8.0) */
#define M2V_UC_MN8         0x0008u /* Mn (8.0) */
#define M2V_UC_MARK9       0x0010u /* Mn|Mc|Me (9.0) */
#define M2V_UC_WORD        0x0020u /* regex \w (16.0) */
#define M2V_UC_LOWER       0x0040u /* to_lowercase changes it (17.0) */
#define M2V_UC_CDECOMP     0x0080u /* canonical decomposition (9.0) */
#define M2V_UC_KDECOMP     0x0100u /* NFKD differs from NFD (9.0) */
#define M2V_UC_CHINESE     0x0200u /* BertNormalizer is_chinese_char */
#define M2V_UC_COMP_FIRST  0x0400u /* first of a composition pair (9.0) */
#define M2V_UC_COMP_SECOND 0x0800u /* second of a composition pair (9.0) */

/* Flags (bits 0..15) and canonical combining class (bits 16..23) of cp.
** cp > 0x10FFFF gives 0. */
uint32_t m2v_uc_props(uint32_t cp);

static inline uint32_t m2v_uc_flags(uint32_t cp)
{
    return m2v_uc_props(cp) & 0xFFFFu;
}

static inline unsigned m2v_uc_ccc(uint32_t cp)
{
    return (m2v_uc_props(cp) >> 16) & 0xFFu;
}

/* Writes Rust's char::to_lowercase(cp) (1 to 3 code points) into out and
** returns the count. */
size_t m2v_uc_lower(uint32_t cp, uint32_t out[3]);

/* Normalization forms on code point arrays, as unicode-normalization-
** alignments (Unicode 9.0) computes them. in and out must differ; tmp is
** working memory. Return 0 or -1 (out of memory). */
int m2v_uc_nfd(const uint32_t *in, size_t n, m2v_u32vec *out, int compat);
int m2v_uc_nfc(const uint32_t *in, size_t n, m2v_u32vec *out,
               m2v_u32vec *tmp, int compat);

/* ---------------------------------------------------------------------------
** Normalizers (normalizer.c)
** ------------------------------------------------------------------------- */

typedef enum m2v_norm_kind {
    M2V_NORM_BERT = 1,
    M2V_NORM_LOWERCASE,
    M2V_NORM_NFD,
    M2V_NORM_NFKD,
    M2V_NORM_NFC,
    M2V_NORM_NFKC,
    M2V_NORM_STRIP_ACCENTS,
    M2V_NORM_STRIP,
    M2V_NORM_PREPEND,
    M2V_NORM_REPLACE
} m2v_norm_kind;

typedef struct m2v_norm_step {
    m2v_norm_kind kind;
    /* BertNormalizer */
    bool clean_text, handle_chinese_chars, strip_accents, lowercase;
    /* Strip */
    bool strip_left, strip_right;
    /* Prepend: str; Replace: pattern -> str */
    uint32_t *str;
    size_t str_len;
    uint32_t *pattern;
    size_t pattern_len;
} m2v_norm_step;

/* A flattened chain of normalizers (Sequence is expanded). n == 0: none. */
typedef struct m2v_normalizer {
    m2v_norm_step *steps;
    size_t n;
    /* Every step maps maximal runs of non-ASCII code points independently
    ** of their neighbours and ASCII one to one char-by-char: the fused fast
    ** path may normalize such runs on their own. */
    bool run_local;
} m2v_normalizer;

/* Parses the "normalizer" value (may be JSON null). */
int m2v_normalizer_parse(const m2v_json *j, m2v_normalizer *out,
                         m2v_error *err);
void m2v_normalizer_free(m2v_normalizer *nz);

/* Runs the chain on a->v[0..a->n); the result is left in *a (b and c are
** working memory). Return 0 or -1 (out of memory). */
int m2v_normalizer_run(const m2v_normalizer *nz, m2v_u32vec *a,
                       m2v_u32vec *b, m2v_u32vec *c);

/* ---------------------------------------------------------------------------
** Pre-tokenizers (pretokenizer.c)
** ------------------------------------------------------------------------- */

typedef enum m2v_pretok_kind {
    M2V_PRETOK_BERT = 1,
    M2V_PRETOK_WHITESPACE,       /* regex \w+|[^\w\s]+ */
    M2V_PRETOK_WHITESPACE_SPLIT, /* split on char::is_whitespace */
    M2V_PRETOK_PUNCTUATION
} m2v_pretok_kind;

typedef enum m2v_split_behavior {
    M2V_SPLIT_REMOVED = 1,
    M2V_SPLIT_ISOLATED,
    M2V_SPLIT_MERGED_WITH_PREVIOUS,
    M2V_SPLIT_MERGED_WITH_NEXT,
    M2V_SPLIT_CONTIGUOUS
} m2v_split_behavior;

typedef struct m2v_pretok_step {
    m2v_pretok_kind kind;
    m2v_split_behavior behavior; /* Punctuation */
} m2v_pretok_step;

typedef struct m2v_pretokenizer {
    m2v_pretok_step *steps;
    size_t n; /* 0: no pre-tokenizer (the whole piece is one word) */
} m2v_pretokenizer;

int m2v_pretokenizer_parse(const m2v_json *j, m2v_pretokenizer *out,
                           m2v_error *err);
void m2v_pretokenizer_free(m2v_pretokenizer *pt);

/* Splits text[0..len) (valid UTF-8) into words: on return out holds the
** non-empty word spans in order. tmp is working memory. Return 0 or -1. */
int m2v_pretokenizer_run(const m2v_pretokenizer *pt, const char *text,
                         size_t len, m2v_spanvec *out, m2v_spanvec *tmp);

/* ---------------------------------------------------------------------------
** Double-array trie over bytes (trie.c), for vocabularies and added tokens
** ------------------------------------------------------------------------- */

/* One slot: the two fields a step reads sit together, so a step costs one
** cache line, not two; values, read once per match, live apart. */
typedef struct m2v_dslot {
    int32_t base;  /* node -> offset of its children */
    int32_t check; /* slot -> parent node, or -1 if free */
} m2v_dslot;

/* The builder guarantees, for every node s, slot[s].base + 255 < size, and
** marks the root's slot with check M2V_DATRIE_ROOT (no node has that
** index), so a step needs no bounds test. */
typedef struct m2v_datrie {
    m2v_dslot *slot;
    int32_t *value; /* node -> value of the key ending there, or -1 */
    size_t size;    /* slots; the root is slot 0 */
} m2v_datrie;

#define M2V_DATRIE_ROOT (-2)

/* Builds the trie of n keys (byte strings, need not be sorted; a duplicate
** key keeps the value of its last occurrence). Return 0 or -1 (out of
** memory); on failure t is left empty. */
int m2v_datrie_build(m2v_datrie *t, const char *const *keys,
                     const size_t *lens, const int32_t *values, size_t n);
void m2v_datrie_free(m2v_datrie *t);

/* Child of node s (a node: >= 0) by byte b, or -1. */
static inline int32_t m2v_datrie_next(const m2v_datrie *t, int32_t s,
                                      uint8_t b)
{
    size_t x = (size_t)t->slot[s].base + b;
    return t->slot[x].check == s ? (int32_t)x : -1;
}

/* Node reached from s by s[0..len), or -1. */
int32_t m2v_datrie_walk(const m2v_datrie *t, int32_t s, const char *k,
                        size_t len);

/* ---------------------------------------------------------------------------
** WordPiece model (wordpiece.c)
** ------------------------------------------------------------------------- */

typedef struct m2v_wordpiece m2v_wordpiece;

/* Parses a "model" object of type WordPiece. *vocab_count receives the
** number of distinct vocabulary strings (tokenizers' get_vocab_size). */
int m2v_wordpiece_new(const m2v_json *model, m2v_wordpiece **out,
                      size_t *vocab_count, m2v_error *err);
void m2v_wordpiece_free(m2v_wordpiece *wp);

/* Id of a vocabulary string, or -1. */
int64_t m2v_wordpiece_lookup(const m2v_wordpiece *wp, const char *s,
                             size_t len);

/* on = 0: plain greedy search instead of LinMaxMatch (tests compare the
** two). Not thread-safe: call before tokenizing. */
void m2v_wordpiece_set_linear(m2v_wordpiece *wp, int on);

/* Tokenizes one word (valid UTF-8, non-empty). Writes its ids to ids (which
** must hold at least len + 1 entries) and returns their count; returns
** (size_t)-1 if the word needs the unknown token and the vocabulary has
** none (tokenizers fails the same way). */
size_t m2v_wordpiece_word(const m2v_wordpiece *wp, const char *w, size_t len,
                          int32_t *ids);

/* ---------------------------------------------------------------------------
** Added tokens (added_tokens.c)
** ------------------------------------------------------------------------- */

typedef struct m2v_added_token {
    char *content;       /* as in tokenizer.json */
    size_t content_len;
    char *pattern;       /* what is matched: content, or normalized content */
    size_t pattern_len;
    int32_t id;
    bool single_word, lstrip, rstrip, normalized, special;
} m2v_added_token;

/* One matcher: a byte trie of patterns, matched leftmost-longest as
** daachorse's LeftmostLongest automaton does. */
typedef struct m2v_added_matcher {
    const m2v_added_token **tokens; /* by pattern index (trie value) */
    size_t n;                       /* 0: matches nothing */
    m2v_datrie trie;
    uint8_t first[256];             /* 1 if some pattern starts with byte */
    int only_first;                 /* the first byte of every pattern, or
                                    ** -1 when they differ */
} m2v_added_matcher;

typedef struct m2v_added_vocab {
    m2v_added_token *tokens; /* one per distinct id, in tokenizer.json order */
    size_t n;
    m2v_added_matcher raw;   /* normalized: false (matched on the text) */
    m2v_added_matcher norm;  /* normalized: true (on normalized pieces) */
} m2v_added_vocab;

/* A found match: split [start, end) is token id. */
typedef struct m2v_added_match {
    size_t start, end;
    int32_t id;
} m2v_added_match;

/* Parses "added_tokens" and assigns ids exactly as tokenizers'
** AddedVocabulary::add_tokens does (ids in the file are not used for
** tokens whose content the vocabulary or an earlier added token holds).
** Patterns of normalized tokens are normalized with nz. */
int m2v_added_vocab_parse(const m2v_json *j, const m2v_wordpiece *model,
                          size_t vocab_count, const m2v_normalizer *nz,
                          m2v_added_vocab *out, m2v_error *err);
void m2v_added_vocab_free(m2v_added_vocab *av);

/* Finds the next match in s[0..len) at or after *pos (a byte offset that
** find_matches' scanning has reached), applying single_word, lstrip and
** rstrip as AddedVocabulary::find_matches does. prev_end is the end of the
** previous accepted split (start_offset there). Returns true and fills *m
** (and advances *pos past the raw match) if one was accepted. */
bool m2v_added_next(const m2v_added_matcher *mt, const char *s, size_t len,
                    size_t *pos, size_t prev_end, m2v_added_match *m);

/* ---------------------------------------------------------------------------
** Test hooks (tokenizer.c), for tests/c and the parity harness only.
** user_data is the m2v_tokenizer.user_data of a native tokenizer.
** ------------------------------------------------------------------------- */

/* on = 0: always take the general path; on = 1: take the fused fast path
** if it applies. Returns 0, or -1 if asked for a fast path that does not
** apply. Not thread-safe: call before tokenizing. */
int m2v_native_tokenizer_set_fused(void *user_data, int on);

/* on = 0: WordPiece by the plain greedy search instead of LinMaxMatch. */
void m2v_native_tokenizer_set_linear(void *user_data, int on);

/* 1 and *max_length if tokenizer.json has a "truncation" block, else 0. */
int m2v_native_tokenizer_truncation(const void *user_data,
                                    int64_t *max_length);

/* The normalizer alone on text (UTF-8 into out), and the pre-tokenizer
** alone on text (word spans into out). Return 0 or -1. */
int m2v_native_tokenizer_normalize(const void *user_data, const char *text,
                                   size_t len, m2v_bytevec *out);
int m2v_native_tokenizer_pretokenize(const void *user_data, const char *text,
                                     size_t len, m2v_spanvec *out);

#endif /* M2V_TOKENIZER_H */
