/*
** StaticModel.c -- natives of org.m2v.StaticModel, over the public m2v API.
**
** Rules followed here:
**  - Java checks arguments and throws; these functions re-check everything
**    that could make C read or write out of bounds, and return a status.
**  - Text arrives as standard UTF-8 in byte[] (Java's String.getBytes(UTF_8)),
**    never through GetStringUTFChars, whose "modified UTF-8" encodes U+0000 as
**    C0 80 and emoji as two 3-byte surrogates, both invalid UTF-8.
**  - A batch is one concatenated byte[] plus n+1 end offsets: no per-text
**    local references, whatever the batch size.
**  - Java arrays are pinned with GetPrimitiveArrayCritical only around the
**    m2v call, and nothing else happens in between; inputs are released with
**    JNI_ABORT (nothing to copy back), outputs with 0.
**  - The handle is the m2v_model pointer; Java's lifetime counter guarantees
**    it is not freed during a call, and 0 (a closed model) gives M2V_MISUSE.
*/
#include "m2v_jni.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(M2V_DEFAULT == -1, "StaticModel.DEFAULT");
_Static_assert(M2V_NONE == -2, "StaticModel.NONE");

#define MODEL(h) ((m2v_model *)(intptr_t)(h))
#define SMALL_BATCH 16 /* texts described on the stack, no malloc */

static const char empty_text[1] = "";

static int closed(JNIEnv *env, jobject jerr)
{
    return m2v_jni_fail(env, jerr, M2V_MISUSE, "StaticModel is closed");
}

/* Copies a byte[] into a new NUL-terminated C string (NULL array -> NULL).
** Returns M2V_OK, M2V_NOMEM or M2V_MISUSE (embedded NUL) via *rc. */
static char *c_string(JNIEnv *env, jbyteArray bytes, const char *what,
                      jobject jerr, int *rc)
{
    jsize n;
    char *s;
    *rc = M2V_OK;
    if (bytes == NULL)
        return NULL;
    n = (*env)->GetArrayLength(env, bytes);
    s = malloc((size_t)n + 1);
    if (s == NULL) {
        *rc = m2v_jni_fail(env, jerr, M2V_NOMEM, "out of memory");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, bytes, 0, n, (jbyte *)s);
    s[n] = '\0';
    if (memchr(s, '\0', (size_t)n) != NULL) {
        free(s);
        *rc = m2v_jni_fail(env, jerr, M2V_MISUSE, what);
        return NULL;
    }
    return s;
}

/* Copies a byte[] into new memory (for JSON read during a load). */
static char *copy_bytes(JNIEnv *env, jbyteArray bytes, size_t *len)
{
    jsize n = (*env)->GetArrayLength(env, bytes);
    char *s = malloc(n > 0 ? (size_t)n : 1);
    *len = (size_t)n;
    if (s != NULL)
        (*env)->GetByteArrayRegion(env, bytes, 0, n, (jbyte *)s);
    return s;
}

static void load_options(m2v_load_options *o, jint normalize, jlong max_length)
{
    m2v_load_options_init(o);
    o->normalize = (int)normalize;
    o->max_length = (int64_t)max_length;
}

JNIEXPORT jlong JNICALL Java_org_m2v_StaticModel_load0(
    JNIEnv *env, jclass cls, jbyteArray dir, jint normalize, jlong max_length,
    jobject jerr)
{
    m2v_load_options opts;
    m2v_model *model = NULL;
    m2v_error err;
    int rc;
    char *path;
    (void)cls;
    if (dir == NULL)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "modelDir is null"), 0;
    path = c_string(env, dir, "model path contains U+0000", jerr, &rc);
    if (path == NULL)
        return 0;
    load_options(&opts, normalize, max_length);
    rc = m2v_load(path, &opts, &model, &err);
    free(path);
    if (rc != M2V_OK) {
        m2v_jni_set_error(env, jerr, &err, 0);
        return 0;
    }
    return (jlong)(intptr_t)model;
}

JNIEXPORT jlong JNICALL Java_org_m2v_StaticModel_loadBuffers0(
    JNIEnv *env, jclass cls, jobject safetensors, jint position, jint size,
    jbyteArray tokenizer_json, jbyteArray config_json,
    jbyteArray embedding_tensor, jint normalize, jlong max_length,
    jobject jerr)
{
    m2v_model_buffers bufs;
    m2v_load_options opts;
    m2v_model *model = NULL;
    m2v_error err;
    char *tok = NULL, *cfg = NULL, *tensor = NULL;
    size_t tok_len = 0, cfg_len = 0;
    const char *base;
    jlong capacity;
    int rc = M2V_OK;
    (void)cls;
    if (safetensors == NULL || tokenizer_json == NULL)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "null buffer"), 0;
    base = (const char *)(*env)->GetDirectBufferAddress(env, safetensors);
    capacity = (*env)->GetDirectBufferCapacity(env, safetensors);
    if (base == NULL || capacity < 0)
        return m2v_jni_fail(env, jerr, M2V_MISUSE,
                            "safetensors is not a direct buffer"), 0;
    if (position < 0 || size < 0 || (jlong)position + size > capacity)
        return m2v_jni_fail(env, jerr, M2V_MISUSE,
                            "safetensors position/size out of range"), 0;
    tok = copy_bytes(env, tokenizer_json, &tok_len);
    if (config_json != NULL)
        cfg = copy_bytes(env, config_json, &cfg_len);
    tensor = c_string(env, embedding_tensor,
                      "embedding tensor name contains U+0000", jerr, &rc);
    if (rc != M2V_OK)
        goto done;
    if (tok == NULL || (config_json != NULL && cfg == NULL)) {
        rc = m2v_jni_fail(env, jerr, M2V_NOMEM, "out of memory");
        goto done;
    }
    memset(&bufs, 0, sizeof bufs);
    bufs.struct_size = sizeof bufs;
    bufs.safetensors = base + position;
    bufs.safetensors_size = (size_t)size;
    bufs.tokenizer_json = tok;
    bufs.tokenizer_json_size = tok_len;
    bufs.config_json = cfg;
    bufs.config_json_size = cfg_len;
    bufs.embedding_tensor = tensor;
    load_options(&opts, normalize, max_length);
    rc = m2v_load_buffers(&bufs, &opts, &model, &err);
    if (rc != M2V_OK)
        m2v_jni_set_error(env, jerr, &err, 0);
done:
    free(tok);
    free(cfg);
    free(tensor);
    return rc == M2V_OK ? (jlong)(intptr_t)model : 0;
}

JNIEXPORT void JNICALL Java_org_m2v_StaticModel_free0(JNIEnv *env, jclass cls,
                                                      jlong handle)
{
    (void)env;
    (void)cls;
    m2v_free(MODEL(handle));
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_dim0(JNIEnv *env, jclass cls,
                                                     jlong handle)
{
    size_t dim = m2v_dim(MODEL(handle));
    (void)env;
    (void)cls;
    return dim > INT_MAX ? -1 : (jint)dim;
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_vocabSize0(JNIEnv *env,
                                                           jclass cls,
                                                           jlong handle)
{
    size_t n = m2v_vocab_size(MODEL(handle));
    (void)env;
    (void)cls;
    return n > INT_MAX ? INT_MAX : (jint)n;
}

JNIEXPORT jboolean JNICALL Java_org_m2v_StaticModel_normalize0(JNIEnv *env,
                                                               jclass cls,
                                                               jlong handle)
{
    (void)env;
    (void)cls;
    return m2v_normalize(MODEL(handle)) ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jlong JNICALL Java_org_m2v_StaticModel_maxLength0(JNIEnv *env,
                                                            jclass cls,
                                                            jlong handle)
{
    (void)env;
    (void)cls;
    return (jlong)m2v_max_length(MODEL(handle));
}

/* One text (byte[]) and one output array, pinned around a single m2v call. */
typedef struct pinned_one {
    jbyteArray text;
    jarray out;
    jsize text_len, out_len;
    jbyte *t; /* NULL for an empty text: text_ptr() gives "" */
    void *o;
} pinned_one;

/* Checks both arrays are non-null and pins text, then out (out_what: the
** message when out cannot be pinned). Returns M2V_OK or the status set in
** jerr; on failure nothing stays pinned. */
static int pin_one(JNIEnv *env, pinned_one *p, jbyteArray text, jarray out,
                   const char *out_what, jobject jerr)
{
    if (text == NULL || out == NULL)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "null array");
    p->text = text;
    p->out = out;
    p->text_len = (*env)->GetArrayLength(env, text);
    p->out_len = (*env)->GetArrayLength(env, out);
    p->t = NULL;
    if (p->text_len > 0) {
        p->t = (*env)->GetPrimitiveArrayCritical(env, text, NULL);
        if (p->t == NULL)
            return m2v_jni_fail(env, jerr, M2V_NOMEM, "cannot pin text");
    }
    p->o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (p->o == NULL) {
        if (p->t != NULL)
            (*env)->ReleasePrimitiveArrayCritical(env, text, p->t, JNI_ABORT);
        return m2v_jni_fail(env, jerr, M2V_NOMEM, out_what);
    }
    return M2V_OK;
}

static const char *text_ptr(const pinned_one *p)
{
    return p->t != NULL ? (const char *)p->t : empty_text;
}

/* Releases out (copied back), then text (JNI_ABORT). */
static void unpin_one(JNIEnv *env, pinned_one *p)
{
    (*env)->ReleasePrimitiveArrayCritical(env, p->out, p->o, 0);
    if (p->t != NULL)
        (*env)->ReleasePrimitiveArrayCritical(env, p->text, p->t, JNI_ABORT);
}

/* The result of a call that returns a count (tokens or rows): the count,
** which Java compares with its capacity and retries with a bigger array
** when it exceeds it (M2V_TOOSMALL), or minus the status set in jerr. */
static jint count_or_error(JNIEnv *env, jobject jerr, int rc,
                           const m2v_error *err, size_t count)
{
    if (rc != M2V_OK && rc != M2V_TOOSMALL)
        return -m2v_jni_set_error(env, jerr, err, 0);
    if (count > INT_MAX)
        return -m2v_jni_fail(env, jerr, M2V_LIMIT, "too many tokens");
    return (jint)count;
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_encodeOne0(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray text, jfloatArray out,
    jobject jerr)
{
    const m2v_model *model = MODEL(handle);
    m2v_error err;
    pinned_one pin;
    const char *p;
    size_t len;
    int rc;
    (void)cls;
    if (model == NULL)
        return closed(env, jerr);
    rc = pin_one(env, &pin, text, out, "cannot pin output", jerr);
    if (rc != M2V_OK)
        return rc;
    p = text_ptr(&pin);
    len = (size_t)pin.text_len;
    rc = m2v_encode(model, &p, &len, 1, NULL, (float *)pin.o,
                    (size_t)pin.out_len, &err);
    unpin_one(env, &pin);
    if (rc != M2V_OK)
        return m2v_jni_set_error(env, jerr, &err, 0);
    return M2V_OK;
}

/* What a batch call needs besides its output: pointers and lengths of the n
** texts inside one pinned byte[]. */
typedef struct batch {
    const char *small_ptrs[SMALL_BATCH];
    size_t small_lens[SMALL_BATCH];
    jint small_ends[SMALL_BATCH + 1];
    const char **ptrs;
    size_t *lens;
    jint *ends;
    size_t n;
    jbyteArray texts;
    jbyte *pinned;
} batch;

static void batch_free(batch *b)
{
    if (b->ptrs != b->small_ptrs)
        free((void *)b->ptrs);
    if (b->lens != b->small_lens)
        free(b->lens);
    if (b->ends != b->small_ends)
        free(b->ends);
}

/* Reads and checks the n+1 end offsets (before anything is pinned). */
static int batch_init(JNIEnv *env, batch *b, jbyteArray texts, jintArray ends,
                      jint n, jobject jerr)
{
    jsize bytes, i;
    memset(b, 0, sizeof *b);
    b->ptrs = b->small_ptrs;
    b->lens = b->small_lens;
    b->ends = b->small_ends;
    b->texts = texts;
    if (texts == NULL || ends == NULL)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "null array");
    if (n < 0 || n >= (*env)->GetArrayLength(env, ends))
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "bad text count");
    b->n = (size_t)n;
    if (n > SMALL_BATCH) {
        b->ptrs = malloc((size_t)n * sizeof *b->ptrs);
        b->lens = malloc((size_t)n * sizeof *b->lens);
        b->ends = malloc(((size_t)n + 1) * sizeof *b->ends);
        if (b->ptrs == NULL || b->lens == NULL || b->ends == NULL) {
            batch_free(b);
            return m2v_jni_fail(env, jerr, M2V_NOMEM, "out of memory");
        }
    }
    (*env)->GetIntArrayRegion(env, ends, 0, n + 1, b->ends);
    bytes = (*env)->GetArrayLength(env, texts);
    if (b->ends[0] != 0 || b->ends[n] > bytes) {
        batch_free(b);
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "text offsets out of range");
    }
    for (i = 0; i < n; i++) {
        if (b->ends[i + 1] < b->ends[i]) {
            batch_free(b);
            return m2v_jni_fail(env, jerr, M2V_MISUSE,
                                "text offsets decrease");
        }
        b->lens[i] = (size_t)(b->ends[i + 1] - b->ends[i]);
    }
    return M2V_OK;
}

/* Pins the text bytes and points ptrs into them. Call right before m2v.
** On failure frees the batch and returns the status set in jerr. */
static int batch_pin(JNIEnv *env, batch *b, jobject jerr)
{
    size_t i;
    const char *base = empty_text;
    if (b->ends[b->n] > 0) {
        b->pinned = (*env)->GetPrimitiveArrayCritical(env, b->texts, NULL);
        if (b->pinned == NULL) {
            batch_free(b);
            return m2v_jni_fail(env, jerr, M2V_NOMEM, "cannot pin texts");
        }
        base = (const char *)b->pinned;
    }
    for (i = 0; i < b->n; i++)
        b->ptrs[i] = b->ends[i + 1] > b->ends[i] ? base + b->ends[i]
                                                 : empty_text;
    return M2V_OK;
}

/* Unpins the texts and frees the batch. */
static void batch_done(JNIEnv *env, batch *b)
{
    if (b->pinned != NULL)
        (*env)->ReleasePrimitiveArrayCritical(env, b->texts, b->pinned,
                                              JNI_ABORT);
    b->pinned = NULL;
    batch_free(b);
}

static void encode_options(m2v_encode_options *o, jint threads)
{
    m2v_encode_options_init(o);
    o->num_threads = threads < 0 ? 1 : (int)threads;
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_encode0(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray texts, jintArray ends,
    jint n, jint threads, jfloatArray out, jint out_offset, jobject jerr)
{
    const m2v_model *model = MODEL(handle);
    m2v_encode_options opts;
    m2v_error err;
    batch b;
    jsize out_len;
    jfloat *o;
    int rc;
    (void)cls;
    if (model == NULL)
        return closed(env, jerr);
    if (out == NULL)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "null output");
    out_len = (*env)->GetArrayLength(env, out);
    if (out_offset < 0 || out_offset > out_len)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "output offset out of range");
    rc = batch_init(env, &b, texts, ends, n, jerr);
    if (rc != M2V_OK)
        return rc;
    encode_options(&opts, threads);
    rc = batch_pin(env, &b, jerr);
    if (rc != M2V_OK)
        return rc;
    o = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (o == NULL) {
        batch_done(env, &b);
        return m2v_jni_fail(env, jerr, M2V_NOMEM, "cannot pin output");
    }
    rc = m2v_encode(model, b.ptrs, b.lens, b.n, &opts, o + out_offset,
                    (size_t)(out_len - out_offset), &err);
    (*env)->ReleasePrimitiveArrayCritical(env, out, o, 0);
    batch_done(env, &b);
    if (rc != M2V_OK)
        return m2v_jni_set_error(env, jerr, &err, 1);
    return M2V_OK;
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_encodeDirect0(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray texts, jintArray ends,
    jint n, jint threads, jobject out, jlong out_offset, jobject jerr)
{
    const m2v_model *model = MODEL(handle);
    m2v_encode_options opts;
    m2v_error err;
    batch b;
    float *o;
    jlong capacity;
    int rc;
    (void)cls;
    if (model == NULL)
        return closed(env, jerr);
    if (out == NULL)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "null output");
    /* For a FloatBuffer: the address of element 0, capacity in floats. */
    o = (float *)(*env)->GetDirectBufferAddress(env, out);
    capacity = (*env)->GetDirectBufferCapacity(env, out);
    if (o == NULL || capacity < 0)
        return m2v_jni_fail(env, jerr, M2V_MISUSE,
                            "output is not a direct buffer");
    if (((uintptr_t)o % _Alignof(float)) != 0)
        return m2v_jni_fail(env, jerr, M2V_MISUSE,
                            "output buffer is not 4-byte aligned");
    if (out_offset < 0 || out_offset > capacity)
        return m2v_jni_fail(env, jerr, M2V_MISUSE, "output offset out of range");
    rc = batch_init(env, &b, texts, ends, n, jerr);
    if (rc != M2V_OK)
        return rc;
    encode_options(&opts, threads);
    rc = batch_pin(env, &b, jerr);
    if (rc != M2V_OK)
        return rc;
    rc = m2v_encode(model, b.ptrs, b.lens, b.n, &opts, o + out_offset,
                    (size_t)(capacity - out_offset), &err);
    batch_done(env, &b);
    if (rc != M2V_OK)
        return m2v_jni_set_error(env, jerr, &err, 1);
    return M2V_OK;
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_tokenize0(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray text, jintArray ids,
    jobject jerr)
{
    const m2v_model *model = MODEL(handle);
    m2v_error err;
    pinned_one pin;
    size_t n_ids = 0;
    int rc;
    (void)cls;
    if (model == NULL)
        return -closed(env, jerr);
    rc = pin_one(env, &pin, text, ids, "cannot pin ids", jerr);
    if (rc != M2V_OK)
        return -rc;
    rc = m2v_tokenize(model, text_ptr(&pin), (size_t)pin.text_len, NULL,
                      (int32_t *)pin.o, (size_t)pin.out_len, &n_ids, &err);
    unpin_one(env, &pin);
    return count_or_error(env, jerr, rc, &err, n_ids); /* > cap: retry */
}

JNIEXPORT jint JNICALL Java_org_m2v_StaticModel_encodeSequence0(
    JNIEnv *env, jclass cls, jlong handle, jbyteArray text, jlong max_length,
    jfloatArray out, jobject jerr)
{
    const m2v_model *model = MODEL(handle);
    m2v_encode_options opts;
    m2v_error err;
    pinned_one pin;
    size_t n_tokens = 0;
    int rc;
    (void)cls;
    if (model == NULL)
        return -closed(env, jerr);
    rc = pin_one(env, &pin, text, out, "cannot pin output", jerr);
    if (rc != M2V_OK)
        return -rc;
    m2v_encode_options_init(&opts);
    opts.max_length = (int64_t)max_length; /* M2V_NONE: model2vec's default */
    rc = m2v_encode_sequence(model, text_ptr(&pin), (size_t)pin.text_len,
                             &opts, (float *)pin.o, (size_t)pin.out_len,
                             &n_tokens, &err);
    unpin_one(env, &pin);
    return count_or_error(env, jerr, rc, &err, n_tokens); /* rows > cap */
}

JNIEXPORT jbyteArray JNICALL Java_org_m2v_StaticModel_token0(JNIEnv *env,
                                                             jclass cls,
                                                             jlong handle,
                                                             jint id,
                                                             jobject jerr)
{
    const m2v_model *model = MODEL(handle);
    const char *token = NULL;
    size_t len = 0;
    jbyteArray bytes;
    (void)cls;
    if (model == NULL)
        return closed(env, jerr), NULL;
    if (m2v_token(model, (int32_t)id, &token, &len) != M2V_OK) {
        m2v_jni_fail(env, jerr, M2V_RANGE, "token id out of range");
        return NULL;
    }
    if (len > INT_MAX) {
        m2v_jni_fail(env, jerr, M2V_LIMIT, "token too long");
        return NULL;
    }
    bytes = (*env)->NewByteArray(env, (jsize)len);
    if (bytes == NULL) {
        m2v_jni_fail(env, jerr, M2V_NOMEM, "out of memory");
        return NULL;
    }
    (*env)->SetByteArrayRegion(env, bytes, 0, (jsize)len,
                               (const jbyte *)token);
    return bytes;
}

JNIEXPORT jstring JNICALL Java_org_m2v_StaticModel_version0(JNIEnv *env,
                                                            jclass cls)
{
    (void)cls;
    return (*env)->NewStringUTF(env, m2v_version()); /* ASCII */
}
