/*
** added_tokens.c -- the "added_tokens" of tokenizer.json.
**
** As tokenizers 0.23 (tokenizer/added_vocabulary.rs):
**  - ids: tokens are added in file order; a token whose content is already
**    in the added vocabulary or the model vocabulary takes that id, others
**    take consecutive ids from the model's vocabulary size (the "id" field
**    is only checked there, with a warning). Empty contents are skipped.
**  - matching: tokens with normalized=false are searched in the raw text
**    before normalization; tokens with normalized=true are searched, as
**    their normalized content, in each normalized piece between those.
**    Both searches are leftmost-longest over all patterns (daachorse's
**    MatchKind::LeftmostLongest); scanning resumes after each match found,
**    even when single_word rejects it.
**  - single_word: rejected if a \w char touches the match on either side;
**    lstrip / rstrip: the match takes the \s chars on its left (not before
**    the previous split's end) / right.
** When two tokens share a pattern tokenizers picks one at random (hash map
** order); m2v picks the lowest id.
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
** A small string -> id hash table (content -> id of the added vocabulary)
** ------------------------------------------------------------------------- */

typedef struct strmap {
    const char **key;
    size_t *klen;
    int32_t *val;
    size_t cap; /* power of two */
} strmap;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int strmap_init(strmap *m, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 1) cap *= 2;
    m->cap = cap;
    m->key = calloc(cap, sizeof *m->key);
    m->klen = calloc(cap, sizeof *m->klen);
    m->val = calloc(cap, sizeof *m->val);
    return (m->key && m->klen && m->val) ? 0 : -1;
}

static void strmap_free(strmap *m)
{
    free(m->key);
    free(m->klen);
    free(m->val);
}

static size_t strmap_slot(const strmap *m, const char *k, size_t n)
{
    size_t i = (size_t)hash_bytes(k, n) & (m->cap - 1);
    while (m->key[i] &&
           !(m->klen[i] == n && memcmp(m->key[i], k, n) == 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* ---------------------------------------------------------------------------
** Parsing and id assignment
** ------------------------------------------------------------------------- */

static int get_flag(const m2v_json *obj, const char *key, bool dflt,
                    bool *out, m2v_error *err)
{
    const m2v_json *v = m2v_json_get(obj, key);
    if (!v) *out = dflt;
    else if (m2v_json_is(v, M2V_JSON_TRUE)) *out = true;
    else if (m2v_json_is(v, M2V_JSON_FALSE)) *out = false;
    else
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: added_tokens: \"%s\" at byte %zu "
                        "must be a boolean",
                        key, m2v_json_offset(v));
    return M2V_OK;
}

static bool same_props(const m2v_added_token *a, const m2v_added_token *b)
{
    return a->content_len == b->content_len &&
           memcmp(a->content, b->content, a->content_len) == 0 &&
           a->single_word == b->single_word && a->lstrip == b->lstrip &&
           a->rstrip == b->rstrip && a->normalized == b->normalized &&
           a->special == b->special;
}

static int cmp_by_id(const void *pa, const void *pb)
{
    const m2v_added_token *a = pa, *b = pb;
    return (a->id > b->id) - (a->id < b->id);
}

/* Normalizes content with nz into a malloc'd UTF-8 string. */
static int normalize_pattern(const m2v_normalizer *nz, const char *s,
                             size_t len, char **out, size_t *out_len)
{
    m2v_u32vec a = {0}, b = {0}, c = {0};
    m2v_bytevec u = {0};
    int rc = -1;
    if (m2v_utf8_to_u32(s, len, &a) != 0) goto done;
    if (m2v_normalizer_run(nz, &a, &b, &c) != 0) goto done;
    if (m2v_u32_to_utf8(a.v, a.n, &u) != 0) goto done;
    *out = malloc(u.n + 1);
    if (!*out) goto done;
    if (u.n) memcpy(*out, u.v, u.n);
    (*out)[u.n] = 0;
    *out_len = u.n;
    rc = 0;
done:
    m2v_u32vec_free(&a);
    m2v_u32vec_free(&b);
    m2v_u32vec_free(&c);
    m2v_bytevec_free(&u);
    return rc;
}

static int build_matcher(m2v_added_vocab *av, bool normalized,
                         m2v_added_matcher *mt, m2v_error *err)
{
    memset(mt, 0, sizeof *mt);
    size_t n = 0;
    for (size_t i = 0; i < av->n; i++) n += av->tokens[i].normalized == normalized;
    if (n == 0) return M2V_OK;
    mt->tokens = malloc(n * sizeof *mt->tokens);
    const char **keys = malloc(n * sizeof *keys);
    size_t *lens = malloc(n * sizeof *lens);
    int32_t *vals = malloc(n * sizeof *vals);
    int rc = M2V_OK;
    if (!mt->tokens || !keys || !lens || !vals) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto done;
    }
    /* Tokens are sorted by id; feed them highest id first so that, for a
    ** shared pattern, the trie keeps the lowest id (last occurrence wins). */
    size_t k = 0;
    for (size_t i = av->n; i-- > 0;) {
        const m2v_added_token *t = &av->tokens[i];
        if (t->normalized != normalized) continue;
        mt->tokens[k] = t;
        keys[k] = t->pattern;
        lens[k] = t->pattern_len;
        vals[k] = (int32_t)k;
        mt->first[(unsigned char)t->pattern[0]] = 1;
        if (k == 0) mt->only_first = (unsigned char)t->pattern[0];
        else if (mt->only_first != (unsigned char)t->pattern[0]) mt->only_first = -1;
        k++;
    }
    mt->n = n;
    if (m2v_datrie_build(&mt->trie, keys, lens, vals, n) != 0)
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
done:
    free(keys);
    free(lens);
    free(vals);
    return rc;
}

int m2v_added_vocab_parse(const m2v_json *j, const m2v_wordpiece *model,
                          size_t vocab_count, const m2v_normalizer *nz,
                          m2v_added_vocab *out, m2v_error *err)
{
    memset(out, 0, sizeof *out);
    if (!j || m2v_json_is(j, M2V_JSON_NULL)) return M2V_OK;
    if (!m2v_json_is(j, M2V_JSON_ARRAY))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: \"added_tokens\" must be an array");
    size_t total = m2v_json_len(j);
    if (total == 0) return M2V_OK;

    strmap map = {0};
    int rc = M2V_OK;
    out->tokens = calloc(total, sizeof *out->tokens);
    if (!out->tokens || strmap_init(&map, total) != 0) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto done;
    }
    if (vocab_count > (size_t)INT32_MAX) {
        rc = m2v_fail(err, M2V_UNSUPPORTED,
                      "tokenizer.json: vocabulary too large");
        goto done;
    }
    int64_t next_id = (int64_t)vocab_count;
    int64_t max_held = -1; /* largest id held by an added token so far */

    for (const m2v_json *e = m2v_json_first(j); e; e = m2v_json_next(e)) {
        if (!m2v_json_is(e, M2V_JSON_OBJECT)) {
            rc = m2v_fail(err, M2V_FORMAT,
                          "tokenizer.json: added_tokens entry at byte %zu is "
                          "not an object",
                          m2v_json_offset(e));
            goto done;
        }
        m2v_added_token t;
        memset(&t, 0, sizeof t);
        size_t clen;
        const char *content = m2v_json_str(m2v_json_get(e, "content"), &clen);
        if (!content) {
            rc = m2v_fail(err, M2V_FORMAT,
                          "tokenizer.json: added_tokens entry at byte %zu "
                          "has no \"content\" string",
                          m2v_json_offset(e));
            goto done;
        }
        if ((rc = get_flag(e, "special", false, &t.special, err)) ||
            (rc = get_flag(e, "single_word", false, &t.single_word, err)) ||
            (rc = get_flag(e, "lstrip", false, &t.lstrip, err)) ||
            (rc = get_flag(e, "rstrip", false, &t.rstrip, err)) ||
            (rc = get_flag(e, "normalized", !t.special, &t.normalized, err)))
            goto done;
        if (clen == 0) continue; /* tokenizers ignores empty contents */
        t.content = (char *)content; /* borrowed until copied below */
        t.content_len = clen;

        size_t slot = strmap_slot(&map, content, clen);
        int32_t id;
        bool fresh = false;
        if (map.key[slot]) {
            id = map.val[slot];
            /* Same content and properties as the token holding the id:
            ** nothing to do. */
            bool same = false;
            for (size_t i = 0; i < out->n; i++)
                if (out->tokens[i].id == id && same_props(&out->tokens[i], &t))
                    same = true;
            if (same) continue;
        } else {
            int64_t mid = m2v_wordpiece_lookup(model, content, clen);
            if (mid >= 0) {
                id = (int32_t)mid;
            } else {
                if (next_id > INT32_MAX) {
                    rc = m2v_fail(err, M2V_UNSUPPORTED,
                                  "tokenizer.json: too many added tokens");
                    goto done;
                }
                id = (int32_t)next_id++;
                fresh = true;
            }
        }
        t.id = id;
        t.content = malloc(clen + 1);
        if (!t.content) {
            rc = m2v_fail(err, M2V_NOMEM, "out of memory");
            goto done;
        }
        memcpy(t.content, content, clen);
        t.content[clen] = 0;
        /* Keys point into the JSON document, which outlives the map. */
        map.key[slot] = content;
        map.klen[slot] = clen;
        map.val[slot] = id;
        /* added_tokens_map_r.insert(id, token): replace the holder. */
        size_t i = out->n;
        if (!fresh || id <= max_held)
            for (i = 0; i < out->n; i++)
                if (out->tokens[i].id == id) break;
        if (i < out->n) {
            free(out->tokens[i].content);
            out->tokens[i] = t;
        } else {
            out->tokens[out->n++] = t;
        }
        if (id > max_held) max_held = id;
    }

    /* Sort by id (deterministic matcher order) and compute patterns. */
    qsort(out->tokens, out->n, sizeof *out->tokens, cmp_by_id);
    for (size_t i = 0; i < out->n; i++) {
        m2v_added_token *t = &out->tokens[i];
        if (t->normalized && nz && nz->n > 0) {
            if (normalize_pattern(nz, t->content, t->content_len, &t->pattern,
                                  &t->pattern_len) != 0) {
                rc = m2v_fail(err, M2V_NOMEM, "out of memory");
                goto done;
            }
            if (t->pattern_len == 0) {
                rc = m2v_fail(err, M2V_UNSUPPORTED,
                              "tokenizer.json: added token id %d normalizes "
                              "to an empty string",
                              (int)t->id);
                goto done;
            }
        } else {
            t->pattern = malloc(t->content_len + 1);
            if (!t->pattern) {
                rc = m2v_fail(err, M2V_NOMEM, "out of memory");
                goto done;
            }
            memcpy(t->pattern, t->content, t->content_len + 1);
            t->pattern_len = t->content_len;
        }
    }
    if ((rc = build_matcher(out, false, &out->raw, err)) != M2V_OK ||
        (rc = build_matcher(out, true, &out->norm, err)) != M2V_OK)
        goto done;
done:
    strmap_free(&map);
    if (rc != M2V_OK) m2v_added_vocab_free(out);
    return rc;
}

static void matcher_free(m2v_added_matcher *mt)
{
    free(mt->tokens);
    m2v_datrie_free(&mt->trie);
    memset(mt, 0, sizeof *mt);
}

void m2v_added_vocab_free(m2v_added_vocab *av)
{
    if (!av) return;
    for (size_t i = 0; i < av->n; i++) {
        free(av->tokens[i].content);
        free(av->tokens[i].pattern);
    }
    free(av->tokens);
    matcher_free(&av->raw);
    matcher_free(&av->norm);
    memset(av, 0, sizeof *av);
}

/* ---------------------------------------------------------------------------
** Matching
** ------------------------------------------------------------------------- */

/* Code point ending at s[end) (end > 0, valid UTF-8). */
static uint32_t prev_cp(const char *s, size_t end, size_t *start)
{
    size_t p = end - 1;
    while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80) p--;
    size_t q = p;
    *start = p;
    return m2v_tok_next(s, end, &q);
}

static uint32_t cp_at(const char *s, size_t len, size_t pos, size_t *next)
{
    *next = pos;
    return m2v_tok_next(s, len, next);
}

bool m2v_added_next(const m2v_added_matcher *mt, const char *s, size_t len,
                    size_t *pos, size_t prev_end, m2v_added_match *m)
{
    if (mt->n == 0) {
        *pos = len;
        return false;
    }
    const m2v_datrie *t = &mt->trie;
    size_t p = *pos;
    while (p < len) {
        if (mt->only_first >= 0) { /* e.g. "[" of [CLS], [SEP], [MASK] */
            const char *f = memchr(s + p, mt->only_first, len - p);
            p = f ? (size_t)(f - s) : len;
        } else {
            while (p < len && !mt->first[(unsigned char)s[p]]) p++;
        }
        if (p == len) break;
        int32_t node = 0, best = -1;
        size_t best_end = p;
        for (size_t i = p; i < len; i++) {
            node = m2v_datrie_next(t, node, (uint8_t)s[i]);
            if (node < 0) break;
            if (t->value[node] >= 0) {
                best = t->value[node];
                best_end = i + 1;
            }
        }
        if (best < 0) {
            p++;
            continue;
        }
        const m2v_added_token *tok = mt->tokens[best];
        size_t start = p, stop = best_end, q;
        p = best_end;
        if (tok->single_word) {
            bool start_space =
                start == 0 ||
                !(m2v_uc_flags(prev_cp(s, start, &q)) & M2V_UC_WORD);
            bool stop_space =
                stop == len ||
                !(m2v_uc_flags(cp_at(s, len, stop, &q)) & M2V_UC_WORD);
            if (!start_space || !stop_space) continue;
        }
        if (tok->lstrip) {
            size_t ns = start;
            while (ns > 0) {
                uint32_t c = prev_cp(s, ns, &q);
                if (!(m2v_uc_flags(c) & M2V_UC_WS)) break;
                ns = q;
            }
            start = ns > prev_end ? ns : prev_end;
        }
        if (tok->rstrip) {
            while (stop < len) {
                uint32_t c = cp_at(s, len, stop, &q);
                if (!(m2v_uc_flags(c) & M2V_UC_WS)) break;
                stop = q;
            }
        }
        *pos = p;
        m->start = start;
        m->end = stop;
        m->id = tok->id;
        return true;
    }
    *pos = len;
    return false;
}
