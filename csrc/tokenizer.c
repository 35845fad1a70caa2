/*
** tokenizer.c -- the native tokenizer: tokenizer.json -> m2v_tokenizer.
**
** Parses the components of tokenizer.json (dispatching on model.type) and
** runs them in tokenizers 0.23's order (TokenizerImpl::encode_single_sequence
** with add_special_tokens=false):
**
**   1. split the text on added tokens with normalized=false;
**   2. normalize every other piece, then split it on added tokens with
**      normalized=true;
**   3. pre-tokenize the remaining pieces into words;
**   4. run the model on every word.
**
** The post-processor adds nothing without special tokens, the decoder and
** padding do not change ids, and truncation is applied by the core (model2vec
** replaces the file's truncation with its own max_length): none of them is
** run here. The ids come out before truncation and before unknown tokens
** are removed, as the m2v_tokenizer protocol requires.
**
** Fast path: when the normalizers work char by char (BertNormalizer,
** Lowercase, NFD, NFKD, StripAccents) and the pre-tokenizer is
** BertPreTokenizer or WhitespaceSplit, steps 2-4 are fused into one pass
** over the text: ASCII bytes go through a 128-entry table built at load by
** running the real normalizer on each ASCII char, and only maximal runs of
** other code points go through the general normalizer. Nothing is
** allocated per text or per token: all working memory lives in the
** per-thread scratch and only grows.
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

enum { C_DROP = 0, C_WORD, C_SPACE, C_PUNCT };

typedef struct native_tok {
    m2v_normalizer nz;
    m2v_pretokenizer pt;
    m2v_wordpiece *wp;
    m2v_added_vocab av;
    bool fused;           /* the fast path applies */
    bool fused_punct;     /* ...and isolates punctuation (Bert) */
    uint8_t ascii_cls[128];
    char ascii_map[128];
    /* The file's "truncation" block, validated (run by the core). */
    bool has_truncation;
    int64_t trunc_max_length;
} native_tok;

typedef struct scratch {
    m2v_u32vec a, b, c;
    m2v_bytevec norm, word;
    m2v_spanvec s1, s2;
    int32_t *wids;
    size_t wids_cap;
} scratch;

typedef struct sink {
    int32_t *ids;
    size_t cap, n, max;
    bool stop;
    int status; /* 0, or why the text failed: M2V_NOMEM, M2V_TOKENIZER */
} sink;

/* ---------------------------------------------------------------------------
** Scratch
** ------------------------------------------------------------------------- */

static void *scratch_new(void *user_data)
{
    (void)user_data;
    return calloc(1, sizeof(scratch));
}

static void scratch_free(void *user_data, void *p)
{
    (void)user_data;
    scratch *s = p;
    if (!s) return;
    m2v_u32vec_free(&s->a);
    m2v_u32vec_free(&s->b);
    m2v_u32vec_free(&s->c);
    m2v_bytevec_free(&s->norm);
    m2v_bytevec_free(&s->word);
    m2v_spanvec_free(&s->s1);
    m2v_spanvec_free(&s->s2);
    free(s->wids);
    free(s);
}

/* ---------------------------------------------------------------------------
** Output
** ------------------------------------------------------------------------- */

/* Stops the text with a status: M2V_NOMEM, or M2V_TOKENIZER when a word
** needs the unknown token and the vocabulary has none. */
static void fail(sink *o, int status)
{
    o->status = status;
    o->stop = true;
}

static inline void emit(sink *o, int32_t id)
{
    if (o->n < o->cap) o->ids[o->n] = id;
    o->n++;
    if (o->n >= o->max) o->stop = true;
}

/* Runs the model on one word and emits its ids: straight into the caller's
** array when a word's worst case (one id per byte) fits there, through the
** scratch otherwise. */
static void emit_word(const native_tok *tk, scratch *sc, sink *o,
                      const char *w, size_t len)
{
    bool direct = o->n < o->cap && o->cap - o->n >= len + 1;
    if (!direct && sc->wids_cap < len + 1) {
        /* a word of len bytes gives at most len ids; keep cap * 4 (and the
        ** doubling) inside size_t on 32-bit targets */
        if (len >= SIZE_MAX / (2 * sizeof *sc->wids)) {
            fail(o, M2V_NOMEM);
            return;
        }
        size_t cap = sc->wids_cap ? sc->wids_cap : 256;
        while (cap < len + 1) cap *= 2;
        int32_t *p = realloc(sc->wids, cap * sizeof *p);
        if (!p) {
            fail(o, M2V_NOMEM);
            return;
        }
        sc->wids = p;
        sc->wids_cap = cap;
    }
    int32_t *dst = direct ? o->ids + o->n : sc->wids;
    size_t n = m2v_wordpiece_word(tk->wp, w, len, dst);
    if (n == (size_t)-1) { /* unknown token needed but absent */
        fail(o, M2V_TOKENIZER);
        return;
    }
    if (!direct) {
        for (size_t i = 0; i < n; i++) emit(o, dst[i]);
        return;
    }
    o->n += n;
    if (o->n >= o->max) o->stop = true;
}

/* ---------------------------------------------------------------------------
** General path
** ------------------------------------------------------------------------- */

/* Pre-tokenizes a normalized piece and runs the model on every word. */
static void words(const native_tok *tk, scratch *sc, sink *o, const char *s,
                  size_t len)
{
    if (len == 0) return;
    if (m2v_pretokenizer_run(&tk->pt, s, len, &sc->s1, &sc->s2) != 0) {
        fail(o, M2V_NOMEM);
        return;
    }
    for (size_t i = 0; i < sc->s1.n && !o->stop; i++) {
        m2v_span sp = sc->s1.v[i];
        emit_word(tk, sc, o, s + sp.start, sp.end - sp.start);
    }
}

static void piece_general(const native_tok *tk, scratch *sc, sink *o,
                          const char *s, size_t len)
{
    const char *t = s;
    size_t tlen = len;
    if (tk->nz.n > 0) {
        if (m2v_utf8_to_u32(s, len, &sc->a) != 0 ||
            m2v_normalizer_run(&tk->nz, &sc->a, &sc->b, &sc->c) != 0 ||
            m2v_u32_to_utf8(sc->a.v, sc->a.n, &sc->norm) != 0) {
            fail(o, M2V_NOMEM);
            return;
        }
        t = sc->norm.v;
        tlen = sc->norm.n;
    }
    if (tlen == 0) return;
    size_t pos = 0, prev = 0;
    m2v_added_match m;
    while (!o->stop &&
           m2v_added_next(&tk->av.norm, t, tlen, &pos, prev, &m)) {
        if (prev < m.start) words(tk, sc, o, t + prev, m.start - prev);
        if (o->stop) return;
        emit(o, m.id);
        prev = m.end;
    }
    if (!o->stop && prev < tlen) words(tk, sc, o, t + prev, tlen - prev);
}

/* ---------------------------------------------------------------------------
** Fused fast path
** ------------------------------------------------------------------------- */

static inline int word_push(m2v_bytevec *w, const char *s, size_t n)
{
    if (w->n + n > w->cap && m2v_bytevec_reserve(w, w->n + n) != 0) return -1;
    memcpy(w->v + w->n, s, n);
    w->n += n;
    return 0;
}

static inline void flush(const native_tok *tk, scratch *sc, sink *o)
{
    if (sc->word.n) {
        emit_word(tk, sc, o, sc->word.v, sc->word.n);
        sc->word.n = 0;
    }
}

static void piece_fused(const native_tok *tk, scratch *sc, sink *o,
                        const char *s, size_t len)
{
    m2v_bytevec *w = &sc->word;
    w->n = 0;
    size_t i = 0;
    while (i < len && !o->stop) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            switch (tk->ascii_cls[b]) {
            case C_WORD: { /* the whole run of ASCII word chars */
                /* in locals: stores through char * could alias w's fields */
                char *v = w->v;
                size_t n = w->n, cap = w->cap;
                do {
                    if (n == cap) {
                        w->n = n;
                        if (m2v_bytevec_reserve(w, n + 1) != 0) goto oom;
                        v = w->v;
                        cap = w->cap;
                    }
                    v[n++] = tk->ascii_map[b];
                    if (++i == len) break;
                    b = (unsigned char)s[i];
                } while (b < 0x80 && tk->ascii_cls[b] == C_WORD);
                w->n = n;
                continue;
            }
            case C_SPACE:
                flush(tk, sc, o);
                i++;
                continue;
            case C_PUNCT:
                flush(tk, sc, o);
                if (!o->stop) emit_word(tk, sc, o, &tk->ascii_map[b], 1);
                i++;
                continue;
            default:
                break; /* dropped: part of the run below */
            }
        }
        /* A maximal run of non-ASCII chars and dropped ASCII chars. */
        size_t j = i;
        while (j < len && ((unsigned char)s[j] >= 0x80 ||
                           tk->ascii_cls[(unsigned char)s[j]] == C_DROP))
            j++;
        if (m2v_utf8_to_u32(s + i, j - i, &sc->a) != 0 ||
            m2v_normalizer_run(&tk->nz, &sc->a, &sc->b, &sc->c) != 0)
            goto oom;
        for (size_t k = 0; k < sc->a.n && !o->stop; k++) {
            uint32_t c = sc->a.v[k];
            uint32_t f = m2v_uc_flags(c);
            if (f & M2V_UC_WS) {
                flush(tk, sc, o);
            } else if (tk->fused_punct && (f & M2V_UC_PUNCT)) {
                flush(tk, sc, o);
                char u[4];
                size_t un = m2v_utf8_put(c, u);
                if (!o->stop) emit_word(tk, sc, o, u, un);
            } else {
                char u[4];
                size_t un = m2v_utf8_put(c, u);
                if (word_push(w, u, un) != 0) goto oom;
            }
        }
        i = j;
    }
    if (!o->stop) flush(tk, sc, o);
    w->n = 0;
    return;
oom:
    fail(o, M2V_NOMEM);
}

/* ---------------------------------------------------------------------------
** The callback
** ------------------------------------------------------------------------- */

static void piece(const native_tok *tk, scratch *sc, sink *o, const char *s,
                  size_t len)
{
    if (tk->fused) piece_fused(tk, sc, o, s, len);
    else piece_general(tk, sc, o, s, len);
}

static int tokenize(void *user_data, void *scratch_p, const char *text,
                    size_t text_len, size_t max_tokens, int32_t *ids,
                    size_t ids_capacity, size_t *n_ids)
{
    const native_tok *tk = user_data;
    scratch *sc = scratch_p, *own = NULL;
    if (!sc) {
        own = sc = scratch_new(user_data);
        if (!sc) return M2V_NOMEM;
    }
    sink o = {ids, ids ? ids_capacity : 0, 0, max_tokens, max_tokens == 0, 0};
    size_t pos = 0, prev = 0;
    m2v_added_match m;
    while (!o.stop &&
           m2v_added_next(&tk->av.raw, text, text_len, &pos, prev, &m)) {
        if (prev < m.start) piece(tk, sc, &o, text + prev, m.start - prev);
        if (o.stop) break;
        emit(&o, m.id);
        prev = m.end;
    }
    if (!o.stop && prev < text_len)
        piece(tk, sc, &o, text + prev, text_len - prev);
    if (own) scratch_free(user_data, own);
    if (o.status) return o.status;
    *n_ids = o.n > max_tokens ? max_tokens : o.n;
    return 0;
}

static void destroy(void *user_data)
{
    native_tok *tk = user_data;
    if (!tk) return;
    m2v_normalizer_free(&tk->nz);
    m2v_pretokenizer_free(&tk->pt);
    m2v_wordpiece_free(tk->wp);
    m2v_added_vocab_free(&tk->av);
    free(tk);
}

/* ---------------------------------------------------------------------------
** Construction
** ------------------------------------------------------------------------- */

/* Decides whether the fused path applies and fills its ASCII table. */
static int setup_fused(native_tok *tk)
{
    tk->fused = false;
    if (!tk->nz.run_local || tk->av.norm.n != 0 || tk->pt.n != 1) return 0;
    m2v_pretok_kind k = tk->pt.steps[0].kind;
    if (k != M2V_PRETOK_BERT && k != M2V_PRETOK_WHITESPACE_SPLIT) return 0;
    tk->fused_punct = k == M2V_PRETOK_BERT;
    m2v_u32vec a = {0}, b = {0}, c = {0};
    int rc = 0;
    bool ok = true;
    for (uint32_t ch = 0; ch < 128 && ok; ch++) {
        if (m2v_u32vec_reserve(&a, 1) != 0) {
            rc = -1;
            break;
        }
        a.v[0] = ch;
        a.n = 1;
        if (m2v_normalizer_run(&tk->nz, &a, &b, &c) != 0) {
            rc = -1;
            break;
        }
        if (a.n == 0) {
            tk->ascii_cls[ch] = C_DROP;
            tk->ascii_map[ch] = 0;
        } else if (a.n == 1 && a.v[0] < 0x80) {
            uint32_t f = m2v_uc_flags(a.v[0]);
            tk->ascii_map[ch] = (char)a.v[0];
            tk->ascii_cls[ch] = (f & M2V_UC_WS) ? C_SPACE
                                : (tk->fused_punct && (f & M2V_UC_PUNCT))
                                    ? C_PUNCT
                                    : C_WORD;
        } else {
            ok = false;
        }
    }
    m2v_u32vec_free(&a);
    m2v_u32vec_free(&b);
    m2v_u32vec_free(&c);
    if (rc == 0 && ok) tk->fused = true;
    return rc;
}

static int parse_truncation(const m2v_json *t, native_tok *tk, m2v_error *err)
{
    if (!t || m2v_json_is(t, M2V_JSON_NULL)) return M2V_OK;
    if (!m2v_json_is(t, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: \"truncation\" must be an object or "
                        "null");
    int64_t ml, stride = 0;
    if (!m2v_json_int(m2v_json_get(t, "max_length"), &ml) || ml < 0)
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: truncation \"max_length\" must be a "
                        "non-negative integer");
    const m2v_json *v = m2v_json_get(t, "stride");
    if (v && (!m2v_json_int(v, &stride) || stride < 0))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: truncation \"stride\" must be a "
                        "non-negative integer");
    v = m2v_json_get(t, "direction");
    if (v && !m2v_json_str_eq(v, "Right") && !m2v_json_str_eq(v, "Left"))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: truncation \"direction\" must be "
                        "\"Right\" or \"Left\"");
    v = m2v_json_get(t, "strategy");
    if (v && !m2v_json_str_eq(v, "LongestFirst") &&
        !m2v_json_str_eq(v, "OnlyFirst") && !m2v_json_str_eq(v, "OnlySecond"))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: truncation \"strategy\" is not "
                        "LongestFirst, OnlyFirst or OnlySecond");
    tk->has_truncation = true;
    tk->trunc_max_length = ml;
    return M2V_OK;
}

int m2v_native_tokenizer_new(const m2v_json *root, m2v_tokenizer *out,
                             const char **kind, m2v_error *err)
{
    if (!root || !out)
        return m2v_fail(err, M2V_MISUSE, "m2v_native_tokenizer_new: NULL");
    if (!m2v_json_is(root, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: the top level is not an object");
    const m2v_json *ver = m2v_json_get(root, "version");
    if (ver && !m2v_json_str_eq(ver, "1.0"))
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "tokenizer.json: version is not \"1.0\"");
    const m2v_json *model = m2v_json_get(root, "model");
    if (!m2v_json_is(model, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: no \"model\" object");
    const m2v_json *mtype = m2v_json_get(model, "type");
    size_t tlen = 0;
    const char *tname = m2v_json_str(mtype, &tlen);
    if (!tname) {
        /* Files older than the "type" field: tokenizers tries BPE, then
        ** WordPiece (its four fields), then WordLevel and Unigram. */
        if (m2v_json_get(model, "merges"))
            return m2v_fail(err, M2V_UNSUPPORTED,
                            "tokenizer.json: model 'BPE' is not supported "
                            "(the native tokenizer runs WordPiece)");
        if (!m2v_json_get(model, "continuing_subword_prefix") ||
            !m2v_json_get(model, "max_input_chars_per_word"))
            return m2v_fail(err, M2V_UNSUPPORTED,
                            "tokenizer.json: model without \"type\" is not "
                            "a WordPiece model; not supported");
    } else if (!m2v_json_str_eq(mtype, "WordPiece"))
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "tokenizer.json: model '%.*s' is not supported (the "
                        "native tokenizer runs WordPiece)",
                        (int)(tlen > 64 ? 64 : tlen), tname);

    native_tok *tk = calloc(1, sizeof *tk);
    if (!tk) return m2v_fail(err, M2V_NOMEM, "out of memory");
    size_t vocab_count = 0;
    int rc;
    if ((rc = m2v_wordpiece_new(model, &tk->wp, &vocab_count, err)) ||
        (rc = m2v_normalizer_parse(m2v_json_get(root, "normalizer"), &tk->nz,
                                   err)) ||
        (rc = m2v_pretokenizer_parse(m2v_json_get(root, "pre_tokenizer"),
                                     &tk->pt, err)) ||
        (rc = m2v_added_vocab_parse(m2v_json_get(root, "added_tokens"),
                                    tk->wp, vocab_count, &tk->nz, &tk->av,
                                    err)) ||
        (rc = parse_truncation(m2v_json_get(root, "truncation"), tk, err)))
        goto fail;
    if (setup_fused(tk) != 0) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto fail;
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->user_data = tk;
    out->tokenize = tokenize;
    out->destroy = destroy;
    out->scratch_new = scratch_new;
    out->scratch_free = scratch_free;
    if (kind) *kind = "native-wordpiece";
    return m2v_ok(err);
fail:
    destroy(tk);
    return rc;
}

/* ---------------------------------------------------------------------------
** Test hooks (declared in m2v_tokenizer.h; not public API)
** ------------------------------------------------------------------------- */

int m2v_native_tokenizer_set_fused(void *user_data, int on)
{
    native_tok *tk = user_data;
    if (!on) {
        tk->fused = false;
        return 0;
    }
    return setup_fused(tk) == 0 && tk->fused ? 0 : -1;
}

void m2v_native_tokenizer_set_linear(void *user_data, int on)
{
    native_tok *tk = user_data;
    m2v_wordpiece_set_linear(tk->wp, on);
}

int m2v_native_tokenizer_truncation(const void *user_data,
                                    int64_t *max_length)
{
    const native_tok *tk = user_data;
    if (!tk->has_truncation) return 0;
    *max_length = tk->trunc_max_length;
    return 1;
}

int m2v_native_tokenizer_normalize(const void *user_data, const char *text,
                                   size_t len, m2v_bytevec *out)
{
    const native_tok *tk = user_data;
    m2v_u32vec a = {0}, b = {0}, c = {0};
    int rc = -1;
    if (m2v_utf8_to_u32(text, len, &a) == 0 &&
        m2v_normalizer_run(&tk->nz, &a, &b, &c) == 0 &&
        m2v_u32_to_utf8(a.v, a.n, out) == 0)
        rc = 0;
    m2v_u32vec_free(&a);
    m2v_u32vec_free(&b);
    m2v_u32vec_free(&c);
    return rc;
}

int m2v_native_tokenizer_pretokenize(const void *user_data, const char *text,
                                     size_t len, m2v_spanvec *out)
{
    const native_tok *tk = user_data;
    m2v_spanvec tmp = {0};
    int rc = m2v_pretokenizer_run(&tk->pt, text, len, out, &tmp);
    m2v_spanvec_free(&tmp);
    return rc;
}
