/*
** m2v_jni.h -- private header of the JNI glue (android_jni/src/main/native).
**
** The glue uses only the public C API (m2v.h). One C file per Java class:
**   m2v_jni.c        JNI_OnLoad: caches the field IDs of org.m2v.NativeError
**   StaticModel.c    natives of org.m2v.StaticModel
**   M2vException.c   natives of org.m2v.M2vException (status codes, errstr)
** Natives never throw: they return a status (or a count, or 0) and describe a
** failure in the caller's NativeError; Java throws.
*/
#ifndef M2V_JNI_H
#define M2V_JNI_H

#include <jni.h>
#include <stdint.h>

#include "m2v.h"

#if defined(M2V_JNI_CHECK_HEADERS)
/* Host builds compile against the headers `javac -h` generates, so a native
** signature that drifts from its Java declaration fails the build. */
#  include "org_m2v_M2vException.h"
#  include "org_m2v_StaticModel.h"
#endif

_Static_assert(sizeof(jint) == sizeof(int32_t), "jint must be 32 bits");
_Static_assert(sizeof(jfloat) == sizeof(float), "jfloat must be float");
_Static_assert(sizeof(jlong) >= sizeof(void *), "a pointer must fit in a jlong");

/* Writes err's code, message (as UTF-8 bytes) and, if with_index, its index
** into the org.m2v.NativeError jerr. Returns err->code. */
int m2v_jni_set_error(JNIEnv *env, jobject jerr, const m2v_error *err,
                      int with_index);

/* Same for a failure found by the glue itself. Returns code. */
int m2v_jni_fail(JNIEnv *env, jobject jerr, int code, const char *message);

#endif /* M2V_JNI_H */
