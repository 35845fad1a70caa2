/*
** tokenizer_none.c -- TEMPORARY stand-in for the native tokenizer.
** Compiled only while csrc/tokenizer.c does not exist (see CMakeLists.txt),
** so the core builds and loads models with a callback tokenizer or
** M2V_LOAD_NO_TOKENIZER. Delete once the native tokenizer is integrated.
*/
#include "m2v_internal.h"

/* Seen by m2v_features() through a weak reference: no native tokenizer. */
const int m2v_tokenizer_none_marker = 1;

int m2v_native_tokenizer_new(const m2v_json *tokenizer_root,
                             m2v_tokenizer *out, const char **kind,
                             m2v_error *err)
{
    (void)tokenizer_root;
    (void)out;
    (void)kind;
    return m2v_fail(err, M2V_UNSUPPORTED,
                    "native tokenizer not built: pass a tokenizer callback "
                    "or M2V_LOAD_NO_TOKENIZER");
}
