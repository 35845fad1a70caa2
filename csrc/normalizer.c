/*
** normalizer.c -- the "normalizer" of tokenizer.json.
**
** Supported, exactly as tokenizers 0.23 runs them (normalizers/ in its source):
**   BertNormalizer  clean_text (drop U+0000, U+FFFD and is_control, map
**                   whitespace to ' '), handle_chinese_chars (' ' around
**                   is_chinese_char), strip_accents (NFD, then drop Mn;
**                   null means: same as lowercase), lowercase
**   Lowercase       char::to_lowercase, one char to 1..3
**   NFD NFKD NFC NFKC
**   StripAccents    drop General_Category=Mark
**   Strip           drop leading/trailing char::is_whitespace
**   Prepend         prepend a string to a non-empty piece
**   Replace         literal String pattern (a Regex pattern is unsupported)
**   Sequence        the above in order (flattened at parse time)
** Anything else is M2V_UNSUPPORTED with the component's name.
**
** Normalizers run on code point arrays; alignment tracking is not needed
** because only ids are produced.
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
** Parsing
** ------------------------------------------------------------------------- */

static int get_bool(const m2v_json *obj, const char *key, bool dflt,
                    bool *out, const char *what, m2v_error *err)
{
    const m2v_json *v = m2v_json_get(obj, key);
    if (!v) {
        *out = dflt;
        return M2V_OK;
    }
    if (m2v_json_is(v, M2V_JSON_TRUE)) *out = true;
    else if (m2v_json_is(v, M2V_JSON_FALSE)) *out = false;
    else
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: %s: \"%s\" must be a boolean", what,
                        key);
    return M2V_OK;
}

static int dup_u32(const char *s, size_t len, uint32_t **out, size_t *n)
{
    m2v_u32vec v = {0};
    if (m2v_utf8_to_u32(s, len, &v) != 0) return -1;
    if (v.n == 0) {
        m2v_u32vec_free(&v);
        *out = NULL;
        *n = 0;
        return 0;
    }
    *out = v.v;
    *n = v.n;
    return 0;
}

static int push_step(m2v_normalizer *nz, size_t *cap, m2v_norm_step st,
                     m2v_error *err)
{
    if (nz->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        m2v_norm_step *p = realloc(nz->steps, nc * sizeof *p);
        if (!p) {
            free(st.str);
            free(st.pattern);
            return m2v_fail(err, M2V_NOMEM, "out of memory");
        }
        nz->steps = p;
        *cap = nc;
    }
    nz->steps[nz->n++] = st;
    return M2V_OK;
}

/* The normalizers that take no parameters: their "type" names one kind. */
static const struct {
    const char *name;
    m2v_norm_kind kind;
} simple_kinds[] = {
    {"Lowercase", M2V_NORM_LOWERCASE}, {"NFD", M2V_NORM_NFD},
    {"NFKD", M2V_NORM_NFKD},           {"NFC", M2V_NORM_NFC},
    {"NFKC", M2V_NORM_NFKC},           {"StripAccents", M2V_NORM_STRIP_ACCENTS},
};

static bool simple_kind(const m2v_json *t, m2v_norm_kind *kind)
{
    for (size_t i = 0; i < sizeof simple_kinds / sizeof simple_kinds[0]; i++)
        if (m2v_json_str_eq(t, simple_kinds[i].name)) {
            *kind = simple_kinds[i].kind;
            return true;
        }
    return false;
}

static int parse_one(const m2v_json *j, m2v_normalizer *nz, size_t *cap,
                     int depth, m2v_error *err)
{
    if (depth > 64)
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "tokenizer.json: normalizer Sequence nested too deeply");
    if (!m2v_json_is(j, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: normalizer must be an object or null");
    const m2v_json *t = m2v_json_get(j, "type");
    size_t tlen;
    const char *type = m2v_json_str(t, &tlen);
    if (!type)
        return m2v_fail(err, M2V_FORMAT,
                        "tokenizer.json: normalizer has no \"type\"");

    m2v_norm_step st;
    memset(&st, 0, sizeof st);
    int rc;
    if (m2v_json_str_eq(t, "Sequence")) {
        const m2v_json *list = m2v_json_get(j, "normalizers");
        if (!m2v_json_is(list, M2V_JSON_ARRAY))
            return m2v_fail(err, M2V_FORMAT,
                            "tokenizer.json: normalizer Sequence needs a "
                            "\"normalizers\" array");
        for (const m2v_json *c = m2v_json_first(list); c; c = m2v_json_next(c))
            if ((rc = parse_one(c, nz, cap, depth + 1, err)) != M2V_OK)
                return rc;
        return M2V_OK;
    }
    if (m2v_json_str_eq(t, "BertNormalizer")) {
        st.kind = M2V_NORM_BERT;
        if ((rc = get_bool(j, "clean_text", true, &st.clean_text,
                           "BertNormalizer", err)) ||
            (rc = get_bool(j, "handle_chinese_chars", true,
                           &st.handle_chinese_chars, "BertNormalizer", err)) ||
            (rc = get_bool(j, "lowercase", true, &st.lowercase,
                           "BertNormalizer", err)))
            return rc;
        const m2v_json *sa = m2v_json_get(j, "strip_accents");
        if (!sa || m2v_json_is(sa, M2V_JSON_NULL))
            st.strip_accents = st.lowercase; /* unwrap_or(lowercase) */
        else if ((rc = get_bool(j, "strip_accents", false, &st.strip_accents,
                                "BertNormalizer", err)))
            return rc;
    } else if (simple_kind(t, &st.kind)) {
        /* Lowercase, NFD, NFKD, NFC, NFKC, StripAccents: no parameters. */
    } else if (m2v_json_str_eq(t, "Strip")) {
        st.kind = M2V_NORM_STRIP;
        if ((rc = get_bool(j, "strip_left", true, &st.strip_left, "Strip",
                           err)) ||
            (rc = get_bool(j, "strip_right", true, &st.strip_right, "Strip",
                           err)))
            return rc;
    } else if (m2v_json_str_eq(t, "Prepend")) {
        st.kind = M2V_NORM_PREPEND;
        size_t len;
        const char *s = m2v_json_str(m2v_json_get(j, "prepend"), &len);
        if (!s)
            return m2v_fail(err, M2V_FORMAT,
                            "tokenizer.json: Prepend needs a \"prepend\" "
                            "string");
        if (dup_u32(s, len, &st.str, &st.str_len) != 0)
            return m2v_fail(err, M2V_NOMEM, "out of memory");
    } else if (m2v_json_str_eq(t, "Replace")) {
        st.kind = M2V_NORM_REPLACE;
        const m2v_json *pat = m2v_json_get(j, "pattern");
        size_t plen, clen;
        const char *ps = m2v_json_str(m2v_json_get(pat, "String"), &plen);
        const char *cs = m2v_json_str(m2v_json_get(j, "content"), &clen);
        if (!ps) {
            if (m2v_json_get(pat, "Regex"))
                return m2v_fail(err, M2V_UNSUPPORTED,
                                "tokenizer.json: normalizer 'Replace' with a "
                                "Regex pattern is not supported");
            return m2v_fail(err, M2V_FORMAT,
                            "tokenizer.json: Replace needs a \"pattern\" "
                            "object with \"String\"");
        }
        if (!cs)
            return m2v_fail(err, M2V_FORMAT,
                            "tokenizer.json: Replace needs a \"content\" "
                            "string");
        if (dup_u32(ps, plen, &st.pattern, &st.pattern_len) != 0 ||
            dup_u32(cs, clen, &st.str, &st.str_len) != 0) {
            free(st.pattern);
            return m2v_fail(err, M2V_NOMEM, "out of memory");
        }
    } else {
        return m2v_fail(err, M2V_UNSUPPORTED,
                        "tokenizer.json: normalizer '%.*s' is not supported",
                        (int)(tlen > 64 ? 64 : tlen), type);
    }
    return push_step(nz, cap, st, err);
}

int m2v_normalizer_parse(const m2v_json *j, m2v_normalizer *out,
                         m2v_error *err)
{
    memset(out, 0, sizeof *out);
    if (!j || m2v_json_is(j, M2V_JSON_NULL)) {
        out->run_local = true;
        return M2V_OK;
    }
    size_t cap = 0;
    int rc = parse_one(j, out, &cap, 0, err);
    if (rc != M2V_OK) {
        m2v_normalizer_free(out);
        return rc;
    }
    out->run_local = true;
    for (size_t i = 0; i < out->n; i++) {
        switch (out->steps[i].kind) {
        case M2V_NORM_BERT:
        case M2V_NORM_LOWERCASE:
        case M2V_NORM_NFD:
        case M2V_NORM_NFKD:
        case M2V_NORM_STRIP_ACCENTS:
            break;
        default:
            out->run_local = false;
        }
    }
    return M2V_OK;
}

void m2v_normalizer_free(m2v_normalizer *nz)
{
    if (!nz) return;
    for (size_t i = 0; i < nz->n; i++) {
        free(nz->steps[i].str);
        free(nz->steps[i].pattern);
    }
    free(nz->steps);
    memset(nz, 0, sizeof *nz);
}

/* ---------------------------------------------------------------------------
** Running
** ------------------------------------------------------------------------- */

static void swap(m2v_u32vec *a, m2v_u32vec *b)
{
    m2v_u32vec t = *a;
    *a = *b;
    *b = t;
}

/* clean_text and handle_chinese_chars, a -> b. */
static int bert_clean(const m2v_norm_step *st, const m2v_u32vec *a,
                      m2v_u32vec *b)
{
    if (a->n > SIZE_MAX / 3 / sizeof(uint32_t) ||
        m2v_u32vec_reserve(b, a->n * 3) != 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t c = a->v[i];
        uint32_t f = m2v_uc_flags(c);
        if (st->clean_text) {
            if (c == 0 || c == 0xFFFD || (f & M2V_UC_BERT_CTRL)) continue;
            if (f & M2V_UC_WS) {
                c = ' ';
                f = m2v_uc_flags(' ');
            }
        }
        if (st->handle_chinese_chars && (f & M2V_UC_CHINESE)) {
            b->v[k++] = ' ';
            b->v[k++] = c;
            b->v[k++] = ' ';
        } else {
            b->v[k++] = c;
        }
    }
    b->n = k;
    return 0;
}

static int lowercase(const m2v_u32vec *a, m2v_u32vec *b)
{
    if (a->n > SIZE_MAX / 3 / sizeof(uint32_t) ||
        m2v_u32vec_reserve(b, a->n * 3) != 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t c = a->v[i];
        if (c < 0x80) {
            b->v[k++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        } else {
            uint32_t l[3];
            size_t m = m2v_uc_lower(c, l);
            for (size_t q = 0; q < m; q++) b->v[k++] = l[q];
        }
    }
    b->n = k;
    return 0;
}

/* Keeps the code points without any of the flag bits, in place. */
static void drop_flagged(m2v_u32vec *a, uint32_t flag)
{
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t c = a->v[i];
        if (c >= 0x80 && (m2v_uc_flags(c) & flag)) continue;
        a->v[k++] = c;
    }
    a->n = k;
}

static int is_ws(uint32_t c)
{
    return (m2v_uc_flags(c) & M2V_UC_WS) != 0;
}

static void strip(const m2v_norm_step *st, m2v_u32vec *a)
{
    size_t lo = 0, hi = a->n;
    if (st->strip_left)
        while (lo < hi && is_ws(a->v[lo])) lo++;
    if (st->strip_right)
        while (hi > lo && is_ws(a->v[hi - 1])) hi--;
    if (lo > 0) memmove(a->v, a->v + lo, (hi - lo) * sizeof *a->v);
    a->n = hi - lo;
}

static int prepend(const m2v_norm_step *st, const m2v_u32vec *a,
                   m2v_u32vec *b)
{
    if (m2v_u32vec_reserve(b, a->n + st->str_len) != 0) return -1;
    if (st->str_len) memcpy(b->v, st->str, st->str_len * sizeof *b->v);
    memcpy(b->v + st->str_len, a->v, a->n * sizeof *a->v);
    b->n = a->n + st->str_len;
    return 0;
}

/* Replaces the non-overlapping occurrences of the pattern, scanning left
** to right (an escaped literal regex). An empty pattern matches at every
** position, as the regex "" does, except in an empty string. */
static int replace(const m2v_norm_step *st, const m2v_u32vec *a,
                   m2v_u32vec *b)
{
    size_t m = st->pattern_len, c = st->str_len;
    size_t k = 0;
    if (a->n == 0) { /* find_matches of an empty string: no match */
        b->n = 0;
        return 0;
    }
    if (m == 0) {
        if (a->n + 1 > SIZE_MAX / (c + 1) / sizeof(uint32_t) ||
            m2v_u32vec_reserve(b, (a->n + 1) * (c + 1)) != 0)
            return -1;
        for (size_t i = 0; i <= a->n; i++) {
            if (c) memcpy(b->v + k, st->str, c * sizeof *b->v);
            k += c;
            if (i < a->n) b->v[k++] = a->v[i];
        }
        b->n = k;
        return 0;
    }
    /* Worst case: every code point starts a match of length m. */
    size_t worst = a->n / m * (c > m ? c : m) + a->n;
    if (worst > SIZE_MAX / sizeof(uint32_t) ||
        m2v_u32vec_reserve(b, worst + 1) != 0)
        return -1;
    size_t i = 0;
    while (i < a->n) {
        if (a->v[i] == st->pattern[0] && a->n - i >= m &&
            memcmp(a->v + i, st->pattern, m * sizeof *a->v) == 0) {
            if (c) memcpy(b->v + k, st->str, c * sizeof *b->v);
            k += c;
            i += m;
        } else {
            b->v[k++] = a->v[i++];
        }
    }
    b->n = k;
    return 0;
}

int m2v_normalizer_run(const m2v_normalizer *nz, m2v_u32vec *a,
                       m2v_u32vec *b, m2v_u32vec *c)
{
    for (size_t s = 0; s < nz->n; s++) {
        const m2v_norm_step *st = &nz->steps[s];
        switch (st->kind) {
        case M2V_NORM_BERT:
            if (st->clean_text || st->handle_chinese_chars) {
                if (bert_clean(st, a, b) != 0) return -1;
                swap(a, b);
            }
            if (st->strip_accents) {
                if (m2v_uc_nfd(a->v, a->n, b, 0) != 0) return -1;
                swap(a, b);
                drop_flagged(a, M2V_UC_MN8);
            }
            if (st->lowercase) {
                if (lowercase(a, b) != 0) return -1;
                swap(a, b);
            }
            break;
        case M2V_NORM_LOWERCASE:
            if (lowercase(a, b) != 0) return -1;
            swap(a, b);
            break;
        case M2V_NORM_NFD:
        case M2V_NORM_NFKD:
            if (m2v_uc_nfd(a->v, a->n, b, st->kind == M2V_NORM_NFKD) != 0)
                return -1;
            swap(a, b);
            break;
        case M2V_NORM_NFC:
        case M2V_NORM_NFKC:
            if (m2v_uc_nfc(a->v, a->n, b, c, st->kind == M2V_NORM_NFKC) != 0)
                return -1;
            swap(a, b);
            break;
        case M2V_NORM_STRIP_ACCENTS:
            drop_flagged(a, M2V_UC_MARK9);
            break;
        case M2V_NORM_STRIP:
            strip(st, a);
            break;
        case M2V_NORM_PREPEND:
            if (a->n > 0) {
                if (prepend(st, a, b) != 0) return -1;
                swap(a, b);
            }
            break;
        case M2V_NORM_REPLACE:
            if (replace(st, a, b) != 0) return -1;
            swap(a, b);
            break;
        }
    }
    return 0;
}
