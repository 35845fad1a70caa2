package org.m2v;

/**
 * A failure reported by the m2v C library: a model that cannot be loaded (missing file,
 * malformed safetensors, unsupported tokenizer ...) or a text that cannot be encoded.
 *
 * <p>{@link #getMessage()} is the C library's message, which names the file and what was wrong;
 * {@link #getCode()} is one of the status codes below (their values are read from the native
 * library, so they always match it). Argument errors found in Java are ordinary
 * {@link NullPointerException}s, {@link IndexOutOfBoundsException}s and
 * {@link IllegalArgumentException}s, and use after {@link StaticModel#close()} is an
 * {@link IllegalStateException}.
 */
public class M2vException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static {
        NativeLoader.load();
    }

    /** A memory allocation failed. */
    public static final int NOMEM = errNomem0();
    /** A file could not be opened, read or mapped. */
    public static final int IO = errIo0();
    /** A model file is malformed. */
    public static final int FORMAT = errFormat0();
    /** Well-formed, but uses something m2v cannot run. */
    public static final int UNSUPPORTED = errUnsupported0();
    /** The tokenizer failed or returned an invalid id. */
    public static final int TOKENIZER = errTokenizer0();
    /** An output buffer is too small. */
    public static final int TOOSMALL = errTooSmall0();
    /** An id, offset or number is out of range. */
    public static final int RANGE = errRange0();
    /** Invalid argument. */
    public static final int MISUSE = errMisuse0();
    /** Text is not valid UTF-8. */
    public static final int UTF8 = errUtf80();
    /** Input exceeds a documented size limit. */
    public static final int LIMIT = errLimit0();

    private final int code;
    private final long index;

    /**
     * @param code  one of the status codes of this class
     * @param index index of the failing text in a batch call, or -1
     * @param message the C library's message
     */
    public M2vException(int code, long index, String message) {
        super(message);
        this.code = code;
        this.index = index;
    }

    /** The C status code (never 0). */
    public int getCode() {
        return code;
    }

    /** Batch calls: index of the text that failed; -1 when not about one text. */
    public long getIndex() {
        return index;
    }

    /** A short English description of the code, e.g. "model file is malformed". */
    public String getCodeName() {
        return errstr(code);
    }

    /** The static English description of a status code (never null). */
    public static String errstr(int code) {
        return errstr0(code);
    }

    @Override
    public String toString() {
        return getClass().getName() + " [" + code + ": " + errstr(code) + "]: " + getMessage();
    }

    private static native int errNomem0();

    private static native int errIo0();

    private static native int errFormat0();

    private static native int errUnsupported0();

    private static native int errTokenizer0();

    private static native int errTooSmall0();

    private static native int errRange0();

    private static native int errMisuse0();

    private static native int errUtf80();

    private static native int errLimit0();

    private static native String errstr0(int code);
}
