/*
** pretokenizer.c -- the "pre_tokenizer" of tokenizer.json.
**
** Supported, exactly as tokenizers 0.23 runs them (pre_tokenizers/ in its source):
**   BertPreTokenizer  split on char::is_whitespace (removed), then isolate
**                     every punctuation char (is_ascii_punctuation || P*)
**   WhitespaceSplit   split on char::is_whitespace (removed)
**   Whitespace        keep the matches of the regex \w+|[^\w\s]+
**   Punctuation       split on punctuation with a SplitDelimiterBehavior
**                     (Removed, Isolated, MergedWithPrevious,
**                     MergedWithNext, Contiguous)
**   Sequence          the above in order (flattened at parse time)
** Pre-tokenizers here only split; none rewrites the text. Empty pieces are
** dropped, as PreTokenizedString::split does.
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
** Parsing
** ------------------------------------------------------------------------- */

static int push_step(m2v_pretokenizer *pt, size_t *cap, m2v_pretok_step st,
                     m2v_error *err)
{
    if (pt->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        m2v_pretok_step *p = realloc(pt->steps, nc * sizeof *p);
        if (!p) return m2v_fail(err, M2V_NOMEM, "out of memory");
        pt->steps = p;
        *cap = nc;
    }
    pt->steps[pt->n++] = st;
    return M2V_OK;
}

static int parse_behavior(const m2v_json *v, m2v_split_behavior *out,
                          m2v_error *err)
{
    if (!v) {
        *out = M2V_SPLIT_ISOLATED;
        return M2V_OK;
    }
    static const struct {
        const char *name;
        m2v_split_behavior b;
    } names[] = {
        {"Removed", M2V_SPLIT_REMOVED},
        {"Isolated", M2V_SPLIT_ISOLATED},
        {"MergedWithPrevious", M2V_SPLIT_MERGED_WITH_PREVIOUS},
        {"MergedWithNext", M2V_SPLIT_MERGED_WITH_NEXT},
        {"Contiguous", M2V_SPLIT_CONTIGUOUS},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (m2v_json_str_eq(v, names[i].name)) {
            *out = names[i].b;
            return M2V_OK;
        }
    return m2v_fail(err, M2V_FORMAT,
                    "tokenizer.json: Punctuation: unknown \"behavior\"");
}

static int parse_one(const m2v_json *j, m2v_pretokenizer *pt, size_t *cap,
                     int depth, m2v_error *err)
{
    if (depth > 64)
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "tokenizer.json: pre_tokenizer Sequence nested too "
                        "deeply");
    if (!m2v_json_is(j, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: pre_tokenizer must be an object or "
                        "null");
    const m2v_json *t = m2v_json_get(j, "type");
    size_t tlen;
    const char *type = m2v_json_str(t, &tlen);
    if (!type)
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: pre_tokenizer has no \"type\"");
    m2v_pretok_step st = {0, M2V_SPLIT_REMOVED};
    int rc;
    if (m2v_json_str_eq(t, "Sequence")) {
        const m2v_json *list = m2v_json_get(j, "pretokenizers");
        if (!m2v_json_is(list, M2V_JSON_ARRAY))
            return m2v_fail(err, M2V_FORMAT,
                            "tokenizer.json: pre_tokenizer Sequence needs a "
                            "\"pretokenizers\" array");
        for (const m2v_json *c = m2v_json_first(list); c; c = m2v_json_next(c))
            if ((rc = parse_one(c, pt, cap, depth + 1, err)) != M2V_OK)
                return rc;
        return M2V_OK;
    }
    if (m2v_json_str_eq(t, "BertPreTokenizer")) {
        st.kind = M2V_PRETOK_BERT;
    } else if (m2v_json_str_eq(t, "Whitespace")) {
        st.kind = M2V_PRETOK_WHITESPACE;
    } else if (m2v_json_str_eq(t, "WhitespaceSplit")) {
        st.kind = M2V_PRETOK_WHITESPACE_SPLIT;
    } else if (m2v_json_str_eq(t, "Punctuation")) {
        st.kind = M2V_PRETOK_PUNCTUATION;
        if ((rc = parse_behavior(m2v_json_get(j, "behavior"), &st.behavior,
                                 err)) != M2V_OK)
            return rc;
    } else {
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "tokenizer.json: pre_tokenizer '%.*s' is not "
                        "supported",
                        (int)(tlen > 64 ? 64 : tlen), type);
    }
    return push_step(pt, cap, st, err);
}

int m2v_pretokenizer_parse(const m2v_json *j, m2v_pretokenizer *out,
                           m2v_error *err)
{
    memset(out, 0, sizeof *out);
    if (!j || m2v_json_is(j, M2V_JSON_NULL)) return M2V_OK;
    size_t cap = 0;
    int rc = parse_one(j, out, &cap, 0, err);
    if (rc != M2V_OK) m2v_pretokenizer_free(out);
    return rc;
}

void m2v_pretokenizer_free(m2v_pretokenizer *pt)
{
    if (!pt) return;
    free(pt->steps);
    memset(pt, 0, sizeof *pt);
}

/* ---------------------------------------------------------------------------
** Running
** ------------------------------------------------------------------------- */

static int push(m2v_spanvec *out, size_t s, size_t e)
{
    if (out->n == out->cap && m2v_spanvec_reserve(out, out->n + 1) != 0)
        return -1;
    out->v[out->n++] = (m2v_span){s, e};
    return 0;
}

/* Flags of the char at text[*pos], advancing *pos. */
static inline uint32_t next_flags(const char *text, size_t end, size_t *pos)
{
    unsigned char c = (unsigned char)text[*pos];
    if (c < 0x80) {
        (*pos)++;
        return m2v_uc_flags(c);
    }
    return m2v_uc_flags(m2v_tok_next(text, end, pos));
}

/* Bert / WhitespaceSplit: drop whitespace; Bert also isolates punctuation. */
static int split_ws_punct(const char *text, m2v_span sp, bool punct,
                          m2v_spanvec *out)
{
    size_t pos = sp.start, run = sp.start;
    while (pos < sp.end) {
        size_t at = pos;
        uint32_t f = next_flags(text, sp.end, &pos);
        if (f & M2V_UC_WS) {
            if (run < at && push(out, run, at) != 0) return -1;
            run = pos;
        } else if (punct && (f & M2V_UC_PUNCT)) {
            if (run < at && push(out, run, at) != 0) return -1;
            if (push(out, at, pos) != 0) return -1;
            run = pos;
        }
    }
    if (run < sp.end && push(out, run, sp.end) != 0) return -1;
    return 0;
}

/* Whitespace: maximal runs of \w, and of [^\w\s]. */
static int split_whitespace_re(const char *text, m2v_span sp, m2v_spanvec *out)
{
    size_t pos = sp.start, run = sp.start;
    int cur = 0; /* 0: in whitespace, 1: in \w run, 2: in other run */
    while (pos < sp.end) {
        size_t at = pos;
        uint32_t f = next_flags(text, sp.end, &pos);
        int cls = (f & M2V_UC_WORD) ? 1 : (f & M2V_UC_WS) ? 0 : 2;
        if (cls != cur) {
            if (cur != 0 && push(out, run, at) != 0) return -1;
            run = at;
            cur = cls;
        }
    }
    if (cur != 0 && push(out, run, sp.end) != 0) return -1;
    return 0;
}

/* Punctuation with a behavior: the pieces of find_matches (runs of
** non-punctuation, and each punctuation char alone) folded as
** NormalizedString::split folds them. */
typedef struct folder {
    m2v_spanvec *out;
    size_t first;     /* index in out of this split's first piece */
    m2v_split_behavior b;
    bool prev_match;
    bool pending;     /* MergedWithNext: a match waiting for its next piece */
    m2v_span pend;
} folder;

static int fold(folder *fd, size_t s, size_t e, bool is_match)
{
    m2v_spanvec *out = fd->out;
    bool have_last = out->n > fd->first;
    int rc = 0;
    switch (fd->b) {
    case M2V_SPLIT_REMOVED:
        if (!is_match) rc = push(out, s, e);
        break;
    case M2V_SPLIT_ISOLATED:
        rc = push(out, s, e);
        break;
    case M2V_SPLIT_CONTIGUOUS:
        if (is_match == fd->prev_match && have_last) out->v[out->n - 1].end = e;
        else rc = push(out, s, e);
        break;
    case M2V_SPLIT_MERGED_WITH_PREVIOUS:
        if (is_match && !fd->prev_match && have_last)
            out->v[out->n - 1].end = e;
        else rc = push(out, s, e);
        break;
    case M2V_SPLIT_MERGED_WITH_NEXT:
        if (fd->pending) {
            fd->pending = false;
            if (!is_match) {
                rc = push(out, fd->pend.start, e);
                break;
            }
            if ((rc = push(out, fd->pend.start, fd->pend.end)) != 0) break;
        }
        if (is_match) {
            fd->pending = true;
            fd->pend = (m2v_span){s, e};
        } else {
            rc = push(out, s, e);
        }
        break;
    }
    fd->prev_match = is_match;
    return rc;
}

static int split_punct(const char *text, m2v_span sp, m2v_split_behavior b,
                       m2v_spanvec *out)
{
    folder fd = {out, out->n, b, false, false, {0, 0}};
    size_t pos = sp.start, run = sp.start;
    while (pos < sp.end) {
        size_t at = pos;
        uint32_t f = next_flags(text, sp.end, &pos);
        if (f & M2V_UC_PUNCT) {
            if (run < at && fold(&fd, run, at, false) != 0) return -1;
            if (fold(&fd, at, pos, true) != 0) return -1;
            run = pos;
        }
    }
    if (run < sp.end && fold(&fd, run, sp.end, false) != 0) return -1;
    if (fd.pending && push(out, fd.pend.start, fd.pend.end) != 0) return -1;
    return 0;
}

int m2v_pretokenizer_run(const m2v_pretokenizer *pt, const char *text,
                         size_t len, m2v_spanvec *out, m2v_spanvec *tmp)
{
    out->n = 0;
    if (len == 0) return 0;
    if (push(out, 0, len) != 0) return -1;
    for (size_t s = 0; s < pt->n; s++) {
        const m2v_pretok_step *st = &pt->steps[s];
        m2v_spanvec t = *tmp;
        *tmp = *out;
        *out = t;
        out->n = 0;
        for (size_t i = 0; i < tmp->n; i++) {
            m2v_span sp = tmp->v[i];
            int rc = 0;
            switch (st->kind) {
            case M2V_PRETOK_BERT:
                rc = split_ws_punct(text, sp, true, out);
                break;
            case M2V_PRETOK_WHITESPACE_SPLIT:
                rc = split_ws_punct(text, sp, false, out);
                break;
            case M2V_PRETOK_WHITESPACE:
                rc = split_whitespace_re(text, sp, out);
                break;
            case M2V_PRETOK_PUNCTUATION:
                rc = split_punct(text, sp, st->behavior, out);
                break;
            }
            if (rc != 0) return -1;
        }
    }
    return 0;
}
