/*
** fuzz_load.c -- libFuzzer target for whole-model loading from memory
** (m2v_load_buffers): fuzzed model.safetensors, tokenizer.json and
** config.json bytes, then every entry point on the model if it loads.
**
** Input: one option byte, then the three files separated by FUZZ_SEP
** ("\n@@M2V@@\n"): safetensors, tokenizer.json, config.json (optional).
** fuzz/make_seeds.py writes the project's fixture models in this form.
** Option bits: 0 no config even if given, 1 M2V_LOAD_NO_TOKENIZER,
** 2 normalize=1, 3-4 max_length {DEFAULT, NONE, 0, 4}, 5 tensor
** "embedding.weight", 6 unk_token_id=NONE, 7 two worker threads.
**
** Properties: load returns a status with a message and sets the model only
** on success; a loaded model answers every introspection call consistently
** and encodes texts and ids (every id of the vocabulary) without error.
*/
#include "fuzz_common.h"

static const char *const fl_texts[] = {
    "hello world", "", "It's dangerous to go alone! Take this.",
    "[CLS] un\xc3\xa9 [MASK] caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9",
};
#define FL_NTEXTS (sizeof fl_texts / sizeof fl_texts[0])

static void fl_use(const m2v_model *m, unsigned opt)
{
    m2v_error e;
    size_t dim = m2v_dim(m), nv = m2v_vocab_size(m);
    FUZZ_CHECK(dim > 0 && dim <= M2V_MAX_DIM);
    FUZZ_CHECK(nv > 0 && nv <= M2V_MAX_VOCAB);
    for (size_t i = 0; i < nv; i++) {
        const char *tok;
        size_t tl;
        FUZZ_CHECK(m2v_token(m, (int32_t)i, &tok, &tl) == M2V_OK);
        FUZZ_CHECK(m2v_utf8_check(tok, tl) == tl);
    }
    m2v_tensor tv;
    FUZZ_CHECK(m2v_tensor_view(m, M2V_TENSOR_EMBEDDINGS, &tv) == M2V_OK);
    FUZZ_CHECK(tv.cols == dim);

    m2v_encode_options eo;
    m2v_encode_options_init(&eo);
    eo.num_threads = (opt & 0x80) ? 2 : 1;
    float *out = malloc(FL_NTEXTS * dim * sizeof *out);
    FUZZ_CHECK(out != NULL);
    if (strcmp(m2v_tokenizer_kind(m), "none") != 0) {
        int rc = m2v_encode(m, (const char *const *)fl_texts, NULL, FL_NTEXTS,
                            &eo, out, FL_NTEXTS * dim, &e);
        fuzz_check_error(rc, &e);
        /* the native tokenizer may fail only when the file's unknown token
        ** is missing (M2V_TOKENIZER), or for lack of memory */
        FUZZ_CHECK(rc == M2V_OK || rc == M2V_TOKENIZER || rc == M2V_NOMEM);
        size_t nt = 0;
        rc = m2v_encode_sequence(m, fl_texts[3], M2V_NUL_TERMINATED, NULL, NULL,
                                 0, &nt, &e);
        fuzz_check_error(rc, &e);
        FUZZ_CHECK(rc == M2V_OK || rc == M2V_TOOSMALL || rc == M2V_TOKENIZER);
        if (rc == M2V_TOOSMALL) {
            float *seq = malloc(nt * dim * sizeof *seq);
            FUZZ_CHECK(seq != NULL);
            size_t nt2 = 0;
            rc = m2v_encode_sequence(m, fl_texts[3], M2V_NUL_TERMINATED, NULL,
                                     seq, nt * dim, &nt2, &e);
            FUZZ_CHECK(rc == M2V_OK && nt2 == nt);
            free(seq);
        }
        int32_t ids[4];
        size_t ni = 0;
        rc = m2v_tokenize(m, fl_texts[4], M2V_NUL_TERMINATED, NULL, ids, 4, &ni, &e);
        fuzz_check_error(rc, &e);
        FUZZ_CHECK(rc == M2V_OK || rc == M2V_TOOSMALL || rc == M2V_TOKENIZER);
        for (size_t i = 0; i < (ni < 4 ? ni : 4) && rc != M2V_TOKENIZER; i++)
            FUZZ_CHECK(ids[i] >= 0 && (size_t)ids[i] < nv);
    }
    /* every id, in sequences of up to 7 */
    size_t nseq = (nv + 6) / 7;
    int32_t *all = malloc(nv * sizeof *all);
    size_t *offs = malloc((nseq + 1) * sizeof *offs);
    float *rows = malloc(nseq * dim * sizeof *rows);
    FUZZ_CHECK(all && offs && rows);
    for (size_t i = 0; i < nv; i++) all[i] = (int32_t)i;
    for (size_t s = 0; s <= nseq; s++) offs[s] = s * 7 < nv ? s * 7 : nv;
    int rc = m2v_encode_ids(m, all, offs, nseq, &eo, rows, nseq * dim, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc == M2V_OK);
    free(all);
    free(offs);
    free(rows);
    free(out);
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned opt = data[0];
    fuzz_part parts[3];
    size_t np = fuzz_split(data + 1, size - 1, parts, 3);
    char *st = fuzz_dup(parts[0].p, parts[0].n);
    char *tok = np > 1 ? fuzz_dup(parts[1].p, parts[1].n) : fuzz_dup(NULL, 0);
    char *cfg = np > 2 ? fuzz_dup(parts[2].p, parts[2].n) : NULL;
    if (!st || !tok || (np > 2 && !cfg)) goto done;

    m2v_model_buffers b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    b.safetensors = st;
    b.safetensors_size = parts[0].n;
    b.tokenizer_json = tok;
    b.tokenizer_json_size = np > 1 ? parts[1].n : 0;
    if (np > 2 && !(opt & 1)) {
        b.config_json = cfg;
        b.config_json_size = parts[2].n;
    }
    b.embedding_tensor = (opt & 0x20) ? "embedding.weight" : NULL;
    m2v_load_options lo;
    m2v_load_options_init(&lo);
    if (opt & 2) lo.flags |= M2V_LOAD_NO_TOKENIZER;
    if (opt & 4) lo.normalize = 1;
    static const int64_t mls[4] = {M2V_DEFAULT, M2V_NONE, 0, 4};
    lo.max_length = mls[(opt >> 3) & 3];
    if (opt & 0x40) lo.unk_token_id = M2V_NONE;

    m2v_model *m = (m2v_model *)&b; /* must be overwritten */
    m2v_error e;
    int rc = m2v_load_buffers(&b, &lo, &m, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc >= M2V_OK && rc <= M2V_LIMIT && rc != M2V_TOOSMALL &&
               rc != M2V_UTF8 && rc != M2V_IO);
    FUZZ_CHECK((rc == M2V_OK) == (m != NULL));
    if (m) {
        fl_use(m, opt);
        m2v_free(m);
    }
done:
    free(st);
    free(tok);
    free(cfg);
    return 0;
}
