/*
** wordpiece.c -- the WordPiece model of tokenizer.json.
**
** Same result as tokenizers 0.23 (models/wordpiece/mod.rs): a word of more
** than max_input_chars_per_word chars is the unknown token; otherwise it is
** cut greedily into the longest vocabulary entries, every piece after the
** first looked up with continuing_subword_prefix in front; if some position
** has no match the whole word is the unknown token.
**
** The vocabulary is a double-array trie (one array access per byte; a
** vocabulary entry is valid UTF-8, so every byte-level match ends on a char
** boundary, as the char-by-char search of the Rust code requires), run as
** LinMaxMatch (Song et al., "Fast WordPiece Tokenization", EMNLP 2021):
** every trie node v has a failure link f(v) and failure pops F(v), the
** tokens the greedy search emits when the byte after v has no edge, and the
** node it resumes at (continuing_subword_prefix + the rest). Tokenizing
** walks the word once, following failure links on a missing edge, so a
** word costs O(its length) steps whatever the vocabulary.
**
** The links assume one context per node: nodes under the prefix's node are
** continuations, others start a word. That holds unless the word itself
** starts with the prefix; such words (and any word while the links are off,
** see m2v_wordpiece_set_linear) take the plain greedy search: from each
** position, one walk down the trie to the longest entry.
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

/* Failure link values besides node indexes. */
#define FAIL_NONE (-1)  /* the word cannot be tokenized: [UNK] */
#define FAIL_EMPTY (-2) /* all emitted, nothing pending, and there is no
                        ** prefix node to continue from */

struct m2v_wordpiece {
    m2v_datrie trie;
    int32_t prefix_node;  /* node of continuing_subword_prefix, or -1 */
    int32_t unk_id;       /* id of unk_token, or -1 */
    size_t max_chars;     /* max_input_chars_per_word */
    const char *prefix;   /* continuing_subword_prefix (owned) */
    size_t prefix_len;
    /* LinMaxMatch, by trie slot: failure link and failure pops (pool
    ** offset and count). NULL: links not built (out of memory at load). */
    int32_t *fail;
    uint32_t *pops_off;
    uint32_t *pops_len;
    int32_t *pool;
    bool linear;          /* use the links (tests can turn them off) */
};

void m2v_wordpiece_free(m2v_wordpiece *wp)
{
    if (!wp) return;
    m2v_datrie_free(&wp->trie);
    free((char *)wp->prefix);
    free(wp->fail);
    free(wp->pops_off);
    free(wp->pops_len);
    free(wp->pool);
    free(wp);
}

void m2v_wordpiece_set_linear(m2v_wordpiece *wp, int on)
{
    wp->linear = on && wp->fail != NULL;
}

/* Builds the failure links and pops (the paper's Algorithm 2, with the two
** contexts processed in an order where every link target is done first:
** the continuation subtree breadth-first, then the rest breadth-first).
** Returns 0, or -1 when out of memory (the links are then left off). */
static int build_links(m2v_wordpiece *wp)
{
    const m2v_datrie *t = &wp->trie;
    size_t n = t->size;
    int32_t cont = wp->prefix_node >= 0 ? wp->prefix_node : FAIL_EMPTY;
    int32_t *fail = malloc(n * sizeof *fail);
    uint32_t *off = calloc(n, sizeof *off), *cnt = calloc(n, sizeof *cnt);
    int32_t *queue = malloc(n * sizeof *queue);
    uint8_t *in_cont = calloc(n, 1);
    int32_t *pool = NULL, *tmp = NULL, *kids = NULL;
    uint32_t *kid_first = NULL;
    size_t pool_n = 0, pool_cap = 0, tmp_cap = 0;
    int rc = -1;
    if (!fail || !off || !cnt || !queue || !in_cont) goto done;
    for (size_t i = 0; i < n; i++) fail[i] = FAIL_NONE;

    /* Children of every node, in byte order: kids[kid_first[u] ..
    ** kid_first[u + 1]) (one pass over the slots instead of 256 probes per
    ** node). */
    kid_first = calloc(n + 2, sizeof *kid_first);
    kids = malloc(n * sizeof *kids);
    if (!kid_first || !kids) goto done;
    for (size_t x = 1; x < n; x++) /* count: kid_first[p + 2] */
        if (t->slot[x].check >= 0) kid_first[t->slot[x].check + 2]++;
    for (size_t u = 0; u < n; u++) kid_first[u + 2] += kid_first[u + 1]; /* starts: [p + 1] */
    for (size_t x = 1; x < n; x++) /* fill; [p + 1] moves on to p's end */
        if (t->slot[x].check >= 0) kids[kid_first[t->slot[x].check + 1]++] = (int32_t)x;

    /* Mark the continuation subtree (the prefix node and below). */
    size_t qh = 0, qt = 0;
    if (wp->prefix_node >= 0) {
        queue[qt++] = wp->prefix_node;
        in_cont[wp->prefix_node] = 1;
        while (qh < qt) {
            int32_t u = queue[qh++];
            for (uint32_t k = kid_first[u]; k < kid_first[u + 1]; k++) {
                int32_t x = kids[k];
                if (!in_cont[x]) {
                    in_cont[x] = 1;
                    queue[qt++] = x;
                }
            }
        }
    }
    /* Two passes: continuation subtree, then the start context (root). */
    for (int pass = 0; pass < 2; pass++) {
        int32_t root = pass == 0 ? wp->prefix_node : 0;
        if (root < 0) continue;
        qh = qt = 0;
        queue[qt++] = root;
        while (qh < qt) {
            int32_t u = queue[qh++];
            for (uint32_t k = kid_first[u]; k < kid_first[u + 1]; k++) {
                int32_t v = kids[k];
                uint8_t c = (uint8_t)(v - t->slot[u].base);
                if (pass == 1 && in_cont[v]) continue; /* done in pass 0 */
                queue[qt++] = v;
                /* Pops of v: collected in tmp, then appended to the pool. */
                size_t tn = 0;
                if (t->value[v] >= 0) {
                    if (tmp_cap < 1) {
                        tmp_cap = 64;
                        tmp = malloc(tmp_cap * sizeof *tmp);
                        if (!tmp) goto done;
                    }
                    tmp[tn++] = t->value[v];
                    fail[v] = cont;
                } else if (u == root) {
                    fail[v] = FAIL_NONE;
                } else {
                    int32_t z = fail[u];
                    /* Z = F(u) */
                    if (cnt[u] > tmp_cap) {
                        while (tmp_cap < cnt[u]) tmp_cap = tmp_cap ? tmp_cap * 2 : 64;
                        int32_t *g = realloc(tmp, tmp_cap * sizeof *g);
                        if (!g) goto done;
                        tmp = g;
                    }
                    if (cnt[u]) memcpy(tmp, pool + off[u], cnt[u] * sizeof *tmp);
                    tn = cnt[u];
                    int32_t next = -1;
                    while (z >= 0 &&
                           (next = m2v_datrie_next(t, z, (uint8_t)c)) < 0) {
                        if (tn + cnt[z] > tmp_cap) {
                            while (tmp_cap < tn + cnt[z])
                                tmp_cap = tmp_cap ? tmp_cap * 2 : 64;
                            int32_t *g = realloc(tmp, tmp_cap * sizeof *g);
                            if (!g) goto done;
                            tmp = g;
                        }
                        if (cnt[z])
                            memcpy(tmp + tn, pool + off[z], cnt[z] * sizeof *tmp);
                        tn += cnt[z];
                        z = fail[z];
                    }
                    fail[v] = z >= 0 ? next : FAIL_NONE;
                    if (z < 0) tn = 0;
                }
                if (tn) {
                    if (pool_n + tn > UINT32_MAX) goto done;
                    if (pool_n + tn > pool_cap) {
                        size_t pc = pool_cap ? pool_cap : 4096;
                        while (pc < pool_n + tn) pc *= 2;
                        int32_t *g = realloc(pool, pc * sizeof *g);
                        if (!g) goto done;
                        pool = g;
                        pool_cap = pc;
                    }
                    memcpy(pool + pool_n, tmp, tn * sizeof *tmp);
                    off[v] = (uint32_t)pool_n;
                    cnt[v] = (uint32_t)tn;
                    pool_n += tn;
                }
            }
        }
    }
    wp->fail = fail;
    wp->pops_off = off;
    wp->pops_len = cnt;
    wp->pool = pool;
    fail = NULL;
    off = cnt = NULL;
    pool = NULL;
    wp->linear = true;
    rc = 0;
done:
    free(fail);
    free(off);
    free(cnt);
    free(queue);
    free(in_cont);
    free(pool);
    free(tmp);
    free(kids);
    free(kid_first);
    return rc;
}

int m2v_wordpiece_new(const m2v_json *model, m2v_wordpiece **out,
                      size_t *vocab_count, m2v_error *err)
{
    *out = NULL;
    const m2v_json *vocab = m2v_json_get(model, "vocab");
    if (!m2v_json_is(vocab, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: WordPiece model needs a \"vocab\" "
                        "object");

    /* All four fields are required, as tokenizers' WordPieceVisitor
    ** requires them. */
    const char *unk, *prefix;
    size_t unk_len, prefix_len;
    int64_t max_chars;
    if (!(unk = m2v_json_str(m2v_json_get(model, "unk_token"), &unk_len)))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: WordPiece model needs an "
                        "\"unk_token\" string");
    if (!(prefix = m2v_json_str(m2v_json_get(model,
                                             "continuing_subword_prefix"),
                                &prefix_len)))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: WordPiece model needs a "
                        "\"continuing_subword_prefix\" string");
    if (!m2v_json_int(m2v_json_get(model, "max_input_chars_per_word"),
                      &max_chars) ||
        max_chars < 0)
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: WordPiece model needs a "
                        "non-negative integer \"max_input_chars_per_word\"");

    size_t n = m2v_json_len(vocab);
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    m2v_wordpiece *wp = calloc(1, sizeof *wp);
    int rc = M2V_OK;
    if (!keys || !lens || !ids || !wp) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto done;
    }
    size_t i = 0;
    for (const m2v_json *m = m2v_json_first(vocab); m; m = m2v_json_next(m)) {
        int64_t id;
        if (!m2v_json_int(m, &id) || id < 0) {
            rc = m2v_fail(err, M2V_FORMAT,
                          "tokenizer.json: WordPiece vocab: id at byte %zu "
                          "is not a non-negative integer",
                          m2v_json_offset(m));
            goto done;
        }
        if (id > INT32_MAX) {
            rc = m2v_fail(err, M2V_UNSUPPORTED,
                          "tokenizer.json: WordPiece vocab: id %lld does not "
                          "fit in int32",
                          (long long)id);
            goto done;
        }
        keys[i] = m2v_json_key(m, &lens[i]);
        ids[i] = (int32_t)id;
        i++;
    }
    if (m2v_datrie_build(&wp->trie, keys, lens, ids, n) != 0) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto done;
    }
    /* Distinct keys (tokenizers' vocab is a map; a later duplicate wins):
    ** one trie node carries each key's value. */
    size_t distinct = 0;
    for (size_t q = 0; q < wp->trie.size; q++)
        distinct += wp->trie.value[q] >= 0;
    wp->prefix_node = m2v_datrie_walk(&wp->trie, 0, prefix, prefix_len);
    char *pcopy = malloc(prefix_len + 1);
    if (!pcopy) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto done;
    }
    if (prefix_len) memcpy(pcopy, prefix, prefix_len);
    pcopy[prefix_len] = 0;
    wp->prefix = pcopy;
    wp->prefix_len = prefix_len;
    if (build_links(wp) != 0) {
        rc = m2v_fail(err, M2V_NOMEM, "out of memory");
        goto done;
    }
    int64_t u = m2v_wordpiece_lookup(wp, unk, unk_len);
    wp->unk_id = (int32_t)u;
    wp->max_chars = (uint64_t)max_chars > (uint64_t)SIZE_MAX
                        ? SIZE_MAX
                        : (size_t)max_chars; /* 32-bit targets */
    *vocab_count = distinct;
done:
    free(keys);
    free(lens);
    free(ids);
    if (rc != M2V_OK) m2v_wordpiece_free(wp);
    else *out = wp;
    return rc;
}

int64_t m2v_wordpiece_lookup(const m2v_wordpiece *wp, const char *s,
                             size_t len)
{
    int32_t node = m2v_datrie_walk(&wp->trie, 0, s, len);
    if (node < 0) return -1;
    return wp->trie.value[node];
}

/* The plain greedy search: from each position, one walk down the trie to
** the longest entry. */
static size_t greedy(const m2v_wordpiece *wp, const char *w, size_t len,
                     int32_t *ids)
{
    const m2v_datrie *t = &wp->trie;
    size_t pos = 0, n = 0;
    while (pos < len) {
        int32_t s = pos == 0 ? 0 : wp->prefix_node;
        if (s < 0) return (size_t)-1;
        size_t best = 0;
        int32_t best_id = -1;
        for (size_t i = pos; i < len; i++) {
            s = m2v_datrie_next(t, s, (uint8_t)w[i]);
            if (s < 0) break;
            if (t->value[s] >= 0) {
                best = i + 1;
                best_id = t->value[s];
            }
        }
        if (best_id < 0) return (size_t)-1;
        ids[n++] = best_id;
        pos = best;
    }
    return n;
}

/* From node u, where the next byte has no edge (or the word ended): emits
** the tokens the greedy search emits there and returns the node it resumes
** at, or FAIL_NONE when the word is [UNK]. */
static inline int32_t fail_step(const m2v_wordpiece *wp, int32_t u, int32_t cont,
                                int32_t *ids, size_t *n)
{
    const m2v_datrie *t = &wp->trie;
    if (t->value[u] >= 0) { /* the usual case: u is a token */
        ids[(*n)++] = t->value[u];
        return cont;
    }
    int32_t f = wp->fail[u];
    if (f == FAIL_NONE) return FAIL_NONE;
    const int32_t *p = wp->pool + wp->pops_off[u];
    for (uint32_t k = 0; k < wp->pops_len[u]; k++) ids[(*n)++] = p[k];
    return f;
}

/* LinMaxMatch (the paper's Algorithm 1). (size_t)-1: [UNK]. */
static size_t linmaxmatch(const m2v_wordpiece *wp, const char *w, size_t len,
                          int32_t *ids)
{
    const m2v_datrie *t = &wp->trie;
    const int32_t cont = wp->prefix_node >= 0 ? wp->prefix_node : FAIL_EMPTY;
    int32_t u = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)w[i];
        int32_t v;
        while (u < 0 || (v = m2v_datrie_next(t, u, c)) < 0) {
            if (u < 0 || u == 0 || u == cont) return (size_t)-1;
            if ((u = fail_step(wp, u, cont, ids, &n)) == FAIL_NONE) return (size_t)-1;
        }
        u = v;
    }
    while (u != cont && u != FAIL_EMPTY)
        if ((u = fail_step(wp, u, cont, ids, &n)) == FAIL_NONE) return (size_t)-1;
    return n;
}

size_t m2v_wordpiece_word(const m2v_wordpiece *wp, const char *w, size_t len,
                          int32_t *ids)
{
    size_t chars = len; /* chars <= bytes: count only when it may matter */
    if (len > wp->max_chars) {
        chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)w[i] & 0xC0) != 0x80;
    }
    size_t n = (size_t)-1;
    if (chars <= wp->max_chars) {
        /* (the first byte is tested alone first: memcmp is a call) */
        if (wp->linear && !(wp->prefix_len > 0 && len >= wp->prefix_len &&
                            w[0] == wp->prefix[0] &&
                            memcmp(w, wp->prefix, wp->prefix_len) == 0))
            n = linmaxmatch(wp, w, len, ids);
        else
            n = greedy(wp, w, len, ids);
    }
    if (n != (size_t)-1) return n;
    if (wp->unk_id < 0) return (size_t)-1;
    ids[0] = wp->unk_id;
    return 1;
}
