package org.m2v;

import java.nio.charset.StandardCharsets;

/**
 * Out-parameter of the native methods: on failure they fill these fields (their IDs are cached
 * in JNI_OnLoad) and return the code; Java then throws. The message travels as UTF-8 bytes
 * because JNI's NewStringUTF expects modified UTF-8, which a file name with an emoji is not.
 * Not thread-shared: one per call.
 */
final class NativeError {
    int code;
    long index = -1;
    byte[] message;

    M2vException toException() {
        String text = message == null ? M2vException.errstr(code)
                : new String(message, StandardCharsets.UTF_8);
        return new M2vException(code, index, text);
    }
}
