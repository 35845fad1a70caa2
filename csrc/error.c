/*
** error.c -- status codes to text, the m2v_error helpers, version and
** build features.
*/
#include "m2v_internal.h"

#include <stdio.h>
#include <string.h>

int m2v_fail(m2v_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        err->index = 0;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int m2v_ok(m2v_error *err)
{
    if (err) {
        err->code = M2V_OK;
        err->index = 0;
        err->message[0] = '\0';
    }
    return M2V_OK;
}

M2V_API const char *m2v_errstr(int code)
{
    switch (code) {
    case M2V_OK: return "success";
    case M2V_NOMEM: return "out of memory";
    case M2V_IO: return "file could not be opened, read or mapped";
    case M2V_FORMAT: return "malformed model file";
    case M2V_UNSUPPORTED: return "unsupported model feature";
    case M2V_TOKENIZER: return "tokenizer failed or returned an invalid id";
    case M2V_TOOSMALL: return "output buffer too small";
    case M2V_RANGE: return "value out of range";
    case M2V_MISUSE: return "invalid argument";
    case M2V_UTF8: return "invalid UTF-8 text";
    case M2V_LIMIT: return "input exceeds a size limit";
    default: return "unknown error";
    }
}

M2V_API const char *m2v_version(void) { return M2V_VERSION_STRING; }

M2V_API int m2v_version_number(void) { return M2V_VERSION_NUMBER; }

M2V_API unsigned m2v_features(void)
{
    unsigned f = 0;
#ifndef M2V_NO_THREADS
    f |= M2V_FEATURE_THREADS;
#endif
    f |= M2V_FEATURE_NATIVE_TOKENIZER; /* always built since 0.1 */
    return f;
}
