/*
** config.c -- the settings model2vec reads from config.json (or, for the
** sentence-transformers layouts, config_sentence_transformers.json).
**
** normalize: config.get("normalize", False); a null value behaves as false.
** max_length: config.get("max_length", 512); null means no limit.
*/
#include "m2v_internal.h"

int m2v_config_read(const char *text, size_t len, const char *what,
                    m2v_config *out, m2v_error *err)
{
    out->normalize = 0;
    out->max_length = M2V_DEFAULT_MAX_LENGTH;
    if (!text) return m2v_ok(err);
    m2v_json_doc *doc;
    int rc = m2v_json_parse(text, len, what, &doc, err);
    if (rc) return rc;
    const m2v_json *root = m2v_json_root(doc);
    if (!m2v_json_is(root, M2V_JSON_OBJECT)) {
        m2v_json_free(doc);
        return m2v_fail(err, M2V_FORMAT, "%s: not a JSON object", what);
    }
    const m2v_json *nv = m2v_json_get(root, "normalize");
    if (nv) {
        if (m2v_json_is(nv, M2V_JSON_TRUE)) out->normalize = 1;
        else if (!m2v_json_is(nv, M2V_JSON_FALSE) && !m2v_json_is(nv, M2V_JSON_NULL)) {
            m2v_json_free(doc);
            return m2v_fail(err, M2V_FORMAT,
                            "%s: \"normalize\" must be true, false or null", what);
        }
    }
    const m2v_json *ml = m2v_json_get(root, "max_length");
    if (ml) {
        int64_t v;
        if (m2v_json_is(ml, M2V_JSON_NULL)) {
            out->max_length = M2V_NONE;
        } else if (m2v_json_int(ml, &v) && v >= 0) {
            out->max_length = v;
        } else {
            m2v_json_free(doc);
            return m2v_fail(err, M2V_FORMAT,
                            "%s: \"max_length\" must be an integer >= 0 or null",
                            what);
        }
    }
    m2v_json_free(doc);
    return m2v_ok(err);
}
