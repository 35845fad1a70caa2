/*
** wordpiece.c -- the WordPiece model of tokenizer.json.
**
** Same result as tokenizers 0.23 (models/wordpiece/mod.rs): a word of more
** than max_input_chars_per_word chars is the unknown token; otherwise it is
** cut greedily into the longest vocabulary entries, every piece after the
** first looked up with continuing_subword_prefix in front; if some position
** has no match the whole word is the unknown token.
**
** The vocabulary is a double-array trie. The longest match from a position
** is one walk down the trie (continuation pieces start from the node of the
** prefix), one array access per byte: a vocabulary entry is valid UTF-8, so
** every byte-level match ends on a char boundary, as the char-by-char
** search of the Rust code requires. A word of n bytes costs at most
** n x (longest entry in bytes) steps, against the Rust code's quadratic
** number of hash lookups; for the usual vocabularies a walk stops after a
** few bytes past the match, so this is close to linear. (The failure links
** of LinMaxMatch, Song et al. 2021, would remove the factor; not done.)
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

struct m2v_wordpiece {
    m2v_datrie trie;
    int32_t prefix_node;  /* node of continuing_subword_prefix, or -1 */
    int32_t unk_id;       /* id of unk_token, or -1 */
    size_t max_chars;     /* max_input_chars_per_word */
};

void m2v_wordpiece_free(m2v_wordpiece *wp)
{
    if (!wp) return;
    m2v_datrie_free(&wp->trie);
    free(wp);
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

size_t m2v_wordpiece_word(const m2v_wordpiece *wp, const char *w, size_t len,
                          int32_t *ids)
{
    const m2v_datrie *t = &wp->trie;
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)w[i] & 0xC0) != 0x80;
    if (chars > wp->max_chars) goto unk;

    size_t pos = 0, n = 0;
    while (pos < len) {
        int32_t s = pos == 0 ? 0 : wp->prefix_node;
        if (s < 0) goto unk;
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
        if (best_id < 0) goto unk;
        ids[n++] = best_id;
        pos = best;
    }
    return n;
unk:
    if (wp->unk_id < 0) return (size_t)-1;
    ids[0] = wp->unk_id;
    return 1;
}
