/*
** vocab.c -- the vocabulary of tokenizer.json as model2vec sees it.
**
** model2vec takes tokenizer.get_vocab() (model vocabulary plus added
** tokens), sorts it by id, and derives from it the number of rows the table
** must have, median_token_length and the unknown-token id. We read the same
** from the parsed JSON: model.vocab as an object token -> id (WordPiece,
** BPE, WordLevel) or an array of [piece, score] (Unigram: id = index), and
** the "added_tokens" array.
*/
#include "m2v_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    const char *s;
    size_t len;
    int64_t id; /* -1: empty slot */
} entry;

typedef struct table {
    entry *e;
    size_t cap; /* power of two */
} table;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static entry *lookup(table *t, const char *s, size_t n)
{
    size_t i = (size_t)hash(s, n) & (t->cap - 1);
    for (;;) {
        entry *e = &t->e[i];
        if (e->id < 0 || (e->len == n && memcmp(e->s, s, n) == 0)) return e;
        i = (i + 1) & (t->cap - 1);
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void m2v_vocab_free(m2v_vocab *v)
{
    if (!v) return;
    free(v->blob);
    free(v->offs);
    memset(v, 0, sizeof *v);
}

/* Adds (s, id); *added counts new distinct strings. */
static int add(table *t, const char *s, size_t n, int64_t id, const char *what,
               size_t *added, m2v_error *err)
{
    entry *e = lookup(t, s, n);
    if (e->id >= 0) {
        if (e->id == id) return M2V_OK; /* e.g. [CLS] in vocab and added */
        return m2v_fail(err, M2V_FORMAT,
                        "%s: token '%.60s' has two ids, %lld and %lld", what,
                        s, (long long)e->id, (long long)id);
    }
    e->s = s;
    e->len = n;
    e->id = id;
    (*added)++;
    return M2V_OK;
}

int m2v_vocab_read(const m2v_json *root, const char *what, m2v_vocab *out,
                   m2v_error *err)
{
    memset(out, 0, sizeof *out);
    const m2v_json *model = m2v_json_get(root, "model");
    if (!m2v_json_is(model, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT, "%s: missing \"model\" object", what);
    const m2v_json *vocab = m2v_json_get(model, "vocab");
    bool unigram = m2v_json_is(vocab, M2V_JSON_ARRAY);
    if (!unigram && !m2v_json_is(vocab, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "%s: \"model.vocab\" is missing or not an object/array",
                        what);
    const m2v_json *added = m2v_json_get(root, "added_tokens");
    if (added && !m2v_json_is(added, M2V_JSON_ARRAY) &&
        !m2v_json_is(added, M2V_JSON_NULL))
        return m2v_fail(err, M2V_FORMAT, "%s: \"added_tokens\" is not an array",
                        what);
    size_t total = m2v_json_len(vocab) + m2v_json_len(added);
    if (total > M2V_MAX_VOCAB)
        return m2v_fail(err, M2V_LIMIT,
                        "%s: %zu vocabulary entries are over the limit of %zu",
                        what, total, (size_t)M2V_MAX_VOCAB);

    table t = {NULL, 16};
    while (t.cap < 2 * total + 2) t.cap <<= 1;
    t.e = malloc(t.cap * sizeof *t.e);
    if (!t.e) return m2v_fail(err, M2V_NOMEM, "%s: out of memory", what);
    for (size_t i = 0; i < t.cap; i++) t.e[i].id = -1;

    int rc = M2V_OK;
    size_t n = 0, idx = 0;
    const entry **by_id = NULL;
    size_t *lens = NULL;
    for (const m2v_json *c = m2v_json_first(vocab); c; c = m2v_json_next(c), idx++) {
        const char *s;
        size_t len;
        int64_t id;
        if (unigram) {
            const m2v_json *piece = m2v_json_first(c);
            s = m2v_json_str(piece, &len);
            if (!m2v_json_is(c, M2V_JSON_ARRAY) || m2v_json_len(c) != 2 || !s ||
                !m2v_json_is(m2v_json_next(piece), M2V_JSON_NUMBER)) {
                rc = m2v_fail(err, M2V_FORMAT,
                              "%s: model.vocab[%zu] is not a [piece, score] pair",
                              what, idx);
                goto done;
            }
            id = (int64_t)idx;
        } else {
            s = m2v_json_key(c, &len);
            if (!m2v_json_int(c, &id) || id < 0 || id > INT32_MAX) {
                rc = m2v_fail(err, M2V_FORMAT,
                              "%s: model.vocab['%.60s'] is not an id in [0, 2^31)",
                              what, s);
                goto done;
            }
        }
        if ((rc = add(&t, s, len, id, what, &n, err))) goto done;
    }
    idx = 0;
    for (const m2v_json *c = m2v_json_first(added); c; c = m2v_json_next(c), idx++) {
        size_t len;
        const char *s = m2v_json_str(m2v_json_get(c, "content"), &len);
        int64_t id;
        if (!s || !m2v_json_int(m2v_json_get(c, "id"), &id) || id < 0 ||
            id > INT32_MAX) {
            rc = m2v_fail(err, M2V_FORMAT,
                          "%s: added_tokens[%zu] needs a string \"content\" and an id in [0, 2^31)",
                          what, idx);
            goto done;
        }
        if ((rc = add(&t, s, len, id, what, &n, err))) goto done;
    }
    if (n == 0) {
        rc = m2v_fail(err, M2V_FORMAT, "%s: the vocabulary is empty", what);
        goto done;
    }
    /* Ids must be exactly 0..n-1: rows of the table are indexed by them. */
    by_id = calloc(n, sizeof *by_id);
    lens = malloc(n * sizeof *lens);
    if (!by_id || !lens) {
        rc = m2v_fail(err, M2V_NOMEM, "%s: out of memory", what);
        goto done;
    }
    size_t blob_len = 0;
    for (size_t i = 0; i < t.cap; i++) {
        entry *e = &t.e[i];
        if (e->id < 0) continue;
        if ((uint64_t)e->id >= n || by_id[e->id]) {
            rc = m2v_fail(err, M2V_UNSUPPORTED,
                          "%s: token ids are not 0..%zu without gaps (token '%.60s' has id %lld)",
                          what, n - 1, e->s, (long long)e->id);
            goto done;
        }
        by_id[e->id] = e;
        blob_len += e->len;
    }
    out->blob = malloc(blob_len + 1);
    out->offs = malloc((n + 1) * sizeof *out->offs);
    if (!out->blob || !out->offs) {
        rc = m2v_fail(err, M2V_NOMEM, "%s: out of memory", what);
        goto done;
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const entry *e = by_id[i];
        memcpy(out->blob + pos, e->s, e->len);
        out->offs[i] = pos;
        pos += e->len;
        lens[i] = m2v_utf8_count(e->s, e->len);
    }
    out->offs[n] = pos;
    out->blob[pos] = '\0';
    out->n = n;

    /* median_token_length = int(np.median([len(token) for token in tokens])):
    ** len() counts code points; the median of an even count is the mean of
    ** the two middle values, truncated by int(). */
    qsort(lens, n, sizeof *lens, cmp_size);
    out->median = n % 2 ? lens[n / 2] : (lens[n / 2 - 1] + lens[n / 2]) / 2;

    /* unk id as model2vec's _get_unk_token_id: models with an unk_token
    ** attribute (WordPiece, BPE, WordLevel) look it up with token_to_id;
    ** Unigram uses model.unk_id. */
    out->unk_id = M2V_NONE;
    const m2v_json *type = m2v_json_get(model, "type");
    const m2v_json *unk_tok = m2v_json_get(model, "unk_token");
    if (m2v_json_str_eq(type, "Unigram") || (!type && unigram)) {
        int64_t id;
        if (m2v_json_int(m2v_json_get(model, "unk_id"), &id) && id >= 0)
            out->unk_id = id;
    } else {
        const char *s = NULL;
        size_t len = 0;
        if (unk_tok) {
            s = m2v_json_str(unk_tok, &len); /* null: no unknown token */
        } else if (m2v_json_str_eq(type, "WordPiece")) {
            s = "[UNK]"; /* the tokenizers library's default */
            len = 5;
        } else if (m2v_json_str_eq(type, "WordLevel")) {
            s = "<unk>";
            len = 5;
        }
        if (s) {
            entry *e = lookup(&t, s, len);
            if (e->id >= 0) out->unk_id = e->id;
        }
    }
    rc = m2v_ok(err);
done:
    free(by_id);
    free(lens);
    free(t.e);
    if (rc) m2v_vocab_free(out);
    return rc;
}
