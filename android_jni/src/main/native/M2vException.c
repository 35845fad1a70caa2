/*
** M2vException.c -- natives of org.m2v.M2vException: the C status codes, so
** Java never hard-codes their values, and m2v_errstr.
*/
#include "m2v_jni.h"

#define CODE_GETTER(name, value)                                              \
    JNIEXPORT jint JNICALL Java_org_m2v_M2vException_##name(JNIEnv *env,      \
                                                            jclass cls)       \
    {                                                                         \
        (void)env;                                                            \
        (void)cls;                                                            \
        return value;                                                         \
    }

CODE_GETTER(errNomem0, M2V_NOMEM)
CODE_GETTER(errIo0, M2V_IO)
CODE_GETTER(errFormat0, M2V_FORMAT)
CODE_GETTER(errUnsupported0, M2V_UNSUPPORTED)
CODE_GETTER(errTokenizer0, M2V_TOKENIZER)
CODE_GETTER(errTooSmall0, M2V_TOOSMALL)
CODE_GETTER(errRange0, M2V_RANGE)
CODE_GETTER(errMisuse0, M2V_MISUSE)
CODE_GETTER(errUtf80, M2V_UTF8)
CODE_GETTER(errLimit0, M2V_LIMIT)

JNIEXPORT jstring JNICALL Java_org_m2v_M2vException_errstr0(JNIEnv *env,
                                                            jclass cls,
                                                            jint code)
{
    (void)cls;
    /* m2v_errstr returns static ASCII text, valid modified UTF-8 too. */
    return (*env)->NewStringUTF(env, m2v_errstr((int)code));
}
