/*
** fuzz_tokenizer.c -- libFuzzer target for the native tokenizer built from
** a fuzzed tokenizer.json (no embedding table needed, so every mutation of
** the file that still parses reaches the tokenizer's construction), then
** run on a fuzzed text.
**
** Input: tokenizer.json, FUZZ_SEP ("\n@@M2V@@\n"), then the text (any
** bytes; invalid UTF-8 is replaced by U+FFFD first, as the core only hands
** valid UTF-8 to a tokenizer). fuzz/make_seeds.py writes the fixture's
** tokenizer variants and cut-down real tokenizers with texts in this form.
**
** Properties: construction returns a status with a message (M2V_FORMAT,
** M2V_UNSUPPORTED, M2V_LIMIT, M2V_NOMEM on failure); when the vocabulary
** reader also accepts the file, every id the tokenizer emits is inside it;
** the protocol holds: the count does not depend on the capacity given, the
** ids written are the first ones, and max_tokens keeps the first ids; the
** fused fast path gives the ids of the general path, and LinMaxMatch those
** of the plain greedy WordPiece search (test hooks of m2v_tokenizer.h).
*/
#include "fuzz_common.h"
#include "m2v_tokenizer.h"

static char *ft_valid(const unsigned char *p, size_t n, size_t *out_n)
{
    char *o = malloc(3 * n + 1);
    FUZZ_CHECK(o != NULL);
    size_t i = 0, k = 0;
    while (i < n) {
        size_t ok = m2v_utf8_check((const char *)p + i, n - i);
        memcpy(o + k, p + i, ok);
        k += ok;
        i += ok;
        if (i < n) {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        }
    }
    *out_n = k;
    return o;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    fuzz_part parts[2];
    size_t np = fuzz_split(data, size, parts, 2);
    char *json = fuzz_dup(parts[0].p, parts[0].n);
    if (!json) return 0;
    m2v_error e;
    m2v_json_doc *doc = NULL;
    if (m2v_json_parse(json, parts[0].n, "tokenizer.json", &doc, &e) != M2V_OK) {
        free(json);
        return 0;
    }
    const m2v_json *root = m2v_json_root(doc);
    m2v_tokenizer tok;
    const char *kind = NULL;
    memset(&tok, 0, sizeof tok);
    int rc = m2v_native_tokenizer_new(root, &tok, &kind, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc == M2V_OK || rc == M2V_FORMAT || rc == M2V_UNSUPPORTED ||
               rc == M2V_LIMIT || rc == M2V_NOMEM);
    if (rc != M2V_OK) {
        m2v_json_free(doc);
        free(json);
        return 0;
    }
    m2v_vocab voc;
    size_t nv = SIZE_MAX; /* vocabulary size, if the core would accept it */
    if (m2v_vocab_read(root, "tokenizer.json", &voc, &e) == M2V_OK) {
        nv = voc.n;
        m2v_vocab_free(&voc);
    }
    m2v_json_free(doc); /* the tokenizer must not keep pointers into it */
    free(json);

    size_t len = 0;
    char *text = ft_valid(np > 1 ? parts[1].p : NULL, np > 1 ? parts[1].n : 0, &len);
    void *scratch = tok.scratch_new ? tok.scratch_new(tok.user_data) : NULL;
    size_t n = 0;
    /* count only */
    int r = tok.tokenize(tok.user_data, scratch, text, len, SIZE_MAX, NULL, 0, &n);
    if (r == 0) {
        int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
        FUZZ_CHECK(ids != NULL);
        size_t n2 = 0;
        FUZZ_CHECK(tok.tokenize(tok.user_data, scratch, text, len, SIZE_MAX, ids, n, &n2) == 0);
        FUZZ_CHECK(n2 == n);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(ids[i] >= 0 && (nv == SIZE_MAX || (size_t)ids[i] < nv));
        if (n > 1) {
            /* a short buffer: same count, same first ids */
            int32_t two[2];
            size_t n3 = 0;
            FUZZ_CHECK(tok.tokenize(tok.user_data, scratch, text, len, SIZE_MAX, two, 2, &n3) == 0);
            FUZZ_CHECK(n3 == n && two[0] == ids[0] && (n < 2 || two[1] == ids[1]));
            /* max_tokens: exactly the first max_tokens */
            size_t mt = n / 2, n4 = 0;
            int32_t *cut = malloc(n * sizeof *cut);
            FUZZ_CHECK(cut != NULL);
            FUZZ_CHECK(tok.tokenize(tok.user_data, scratch, text, len, mt, cut, n, &n4) == 0);
            /* the protocol lets it stop at max_tokens or count them all */
            FUZZ_CHECK((n4 == mt || n4 == n) &&
                       (mt == 0 || memcmp(cut, ids, mt * sizeof *ids) == 0));
            free(cut);
        }
        /* the other code paths give the same ids (each hook switches one
        ** path off for this tokenizer, which is rebuilt for every input) */
        for (int alt = 0; alt < 2; alt++) {
            if (alt == 0) m2v_native_tokenizer_set_fused(tok.user_data, 0);
            else m2v_native_tokenizer_set_linear(tok.user_data, 0);
            int32_t *ids2 = malloc((n ? n : 1) * sizeof *ids2);
            FUZZ_CHECK(ids2 != NULL);
            size_t n6 = 0;
            FUZZ_CHECK(tok.tokenize(tok.user_data, scratch, text, len, SIZE_MAX, ids2, n, &n6) == 0);
            if (n6 != n || (n && memcmp(ids, ids2, n * sizeof *ids) != 0))
                fprintf(stderr, "%s path gives %zu ids, the default %zu\n",
                        alt == 0 ? "general (not fused)" : "greedy (not LinMaxMatch)", n6, n);
            FUZZ_CHECK(n6 == n && (!n || memcmp(ids, ids2, n * sizeof *ids) == 0));
            free(ids2);
        }
        free(ids);
    }
    if (scratch) tok.scratch_free(tok.user_data, scratch);
    if (tok.destroy) tok.destroy(tok.user_data);
    free(text);
    return 0;
}
