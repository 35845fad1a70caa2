/*
** m2v_jni.c -- JNI_OnLoad and the NativeError out-parameter.
*/
#include "m2v_jni.h"

#include <string.h>

/* Written once in JNI_OnLoad, read-only afterwards. */
static jclass g_error_class;
static jfieldID g_error_code;    /* int code */
static jfieldID g_error_index;   /* long index */
static jfieldID g_error_message; /* byte[] message */

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    JNIEnv *env = NULL;
    jclass cls;
    (void)reserved;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_6) != JNI_OK)
        return JNI_ERR;
    cls = (*env)->FindClass(env, "org/m2v/NativeError");
    if (cls == NULL)
        return JNI_ERR; /* NoClassDefFoundError pending: shrunk away? */
    g_error_class = (jclass)(*env)->NewGlobalRef(env, cls);
    (*env)->DeleteLocalRef(env, cls);
    if (g_error_class == NULL)
        return JNI_ERR;
    g_error_code = (*env)->GetFieldID(env, g_error_class, "code", "I");
    if (g_error_code == NULL)
        return JNI_ERR;
    g_error_index = (*env)->GetFieldID(env, g_error_class, "index", "J");
    if (g_error_index == NULL)
        return JNI_ERR;
    g_error_message = (*env)->GetFieldID(env, g_error_class, "message", "[B");
    if (g_error_message == NULL)
        return JNI_ERR;
    return JNI_VERSION_1_6;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved)
{
    JNIEnv *env = NULL;
    (void)reserved;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_6) == JNI_OK &&
        g_error_class != NULL)
        (*env)->DeleteGlobalRef(env, g_error_class);
    g_error_class = NULL;
}

static void set_fields(JNIEnv *env, jobject jerr, int code, jlong index,
                       const char *message, size_t len)
{
    jbyteArray bytes;
    /* A pending exception (an OutOfMemoryError from pinning) is what Java
    ** will see; no further JNI calls but the few allowed are made then. */
    if (jerr == NULL || (*env)->ExceptionCheck(env))
        return;
    (*env)->SetIntField(env, jerr, g_error_code, (jint)code);
    (*env)->SetLongField(env, jerr, g_error_index, index);
    bytes = (*env)->NewByteArray(env, (jsize)len);
    if (bytes == NULL)
        return; /* OutOfMemoryError pending; Java sees it */
    (*env)->SetByteArrayRegion(env, bytes, 0, (jsize)len,
                               (const jbyte *)message);
    (*env)->SetObjectField(env, jerr, g_error_message, bytes);
    (*env)->DeleteLocalRef(env, bytes);
}

int m2v_jni_set_error(JNIEnv *env, jobject jerr, const m2v_error *err,
                      int with_index)
{
    const char *end = memchr(err->message, '\0', sizeof err->message);
    size_t len = end ? (size_t)(end - err->message) : sizeof err->message;
    int code = err->code != M2V_OK ? err->code : M2V_MISUSE;
    set_fields(env, jerr, code, with_index ? (jlong)err->index : (jlong)-1,
               err->message, len);
    return code;
}

int m2v_jni_fail(JNIEnv *env, jobject jerr, int code, const char *message)
{
    set_fields(env, jerr, code, -1, message, strlen(message));
    return code;
}
