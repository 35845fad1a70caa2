package org.m2v;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A loaded Model2Vec static embedding model: text in, {@code float} vector out.
 *
 * <pre>{@code
 * try (StaticModel model = StaticModel.load("/path/to/m2v-base-f32")) {
 *     float[] v = model.encode("It's dangerous to go alone!");          // model.dim() floats
 *     float[][] vs = model.encode(new String[] {"first text", "second text"});
 * }
 * }</pre>
 *
 * <p>Each vector is exactly what model2vec 0.10.0's {@code StaticModel.encode} returns for the
 * text (float32): the text is cut to {@code maxLength * median_token_length} code points,
 * tokenized, cut to {@code maxLength} tokens, the unknown token is dropped, the rows of the
 * embedding table are averaged (zero vector for no tokens) and, if {@code normalize} is on,
 * divided by their L2 norm. The table is memory-mapped read-only, never copied.
 *
 * <p><b>Threads.</b> A model is immutable and safe to share across threads: any number of
 * threads may call {@code encode}, {@code tokenize} and the getters on one model at once, and get
 * the same results as one thread. {@link Options#threads(int)} additionally lets one batch call
 * use several native worker threads (output identical for any count).
 *
 * <p><b>Lifetime.</b> A model holds native memory and a file mapping until {@link #close()}.
 * Close it (try-with-resources, or Kotlin's {@code use}). {@code close()} may be called any
 * number of times, from any thread, even while other threads are encoding: it never blocks and
 * never throws; calls already running finish normally, every later call throws
 * {@link IllegalStateException}, and the native model is freed when the last running call
 * returns. Nothing is freed by the garbage collector.
 *
 * <p><b>Text.</b> Strings are passed to C as standard UTF-8 (so emoji and U+0000 arrive intact).
 * An unpaired surrogate, which UTF-8 cannot represent, is encoded as {@code '?'} (Java's
 * {@code String.getBytes(UTF_8)} rule).
 *
 * <p><b>Errors.</b> Failures of the C library throw {@link M2vException} with its message;
 * {@code null} arguments throw {@link NullPointerException}, bad offsets
 * {@link IndexOutOfBoundsException}.
 */
public final class StaticModel implements AutoCloseable {
    static {
        NativeLoader.load();
    }

    /** {@link #maxLength()} of a model without a token limit. */
    public static final int NO_MAX_LENGTH = -1;

    /* Batches cross JNI in chunks: bounded native scratch and critical-section length. */
    private static final int CHUNK_TEXTS = 4096;
    private static final int CHUNK_BYTES = 1 << 22;

    /* Values shared with the C API (m2v.h); checked against it by the native code. */
    private static final int DEFAULT = -1; /* M2V_DEFAULT */
    private static final int NONE = -2;    /* M2V_NONE */

    /* state = number of calls in progress, with the sign bit set once closed. */
    private static final int CLOSED = Integer.MIN_VALUE;
    private static final AtomicIntegerFieldUpdater<StaticModel> STATE =
            AtomicIntegerFieldUpdater.newUpdater(StaticModel.class, "state");
    private volatile int state;

    /* The m2v_model pointer; 0 once freed. Only read between acquire() and release().
     * Volatile so that a model handed to another thread without synchronisation still works. */
    private volatile long handle;
    /* Memory a buffer-loaded model reads from: kept reachable until the model is freed. */
    private ByteBuffer keepAlive;
    private final int dim;
    private final int threads;

    /**
     * Load-time settings. Unset settings come from the model's config (as in model2vec).
     * Mutable builder; {@code load} copies it.
     */
    public static final class Options {
        int normalize = DEFAULT;
        long maxLength = DEFAULT;
        int threads = 1;
        String embeddingTensor;

        /** Overrides the config's {@code normalize} (default: config value, false if absent). */
        public Options normalize(boolean normalize) {
            this.normalize = normalize ? 1 : 0;
            return this;
        }

        /**
         * Overrides the config's {@code max_length} in tokens (default: config value, 512 if
         * absent, no limit if null).
         *
         * @param tokens {@code >= 0}
         */
        public Options maxLength(int tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("maxLength must be >= 0: " + tokens);
            }
            this.maxLength = tokens;
            return this;
        }

        /** No token limit and no character cut (model2vec's {@code max_length=None}). */
        public Options noMaxLength() {
            this.maxLength = NONE;
            return this;
        }

        /**
         * Native worker threads per batch call: 1 (default) uses the calling thread only,
         * n &gt; 1 up to n threads, 0 one per online CPU. Results are identical for any value.
         */
        public Options threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0: " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Name of the embedding tensor, for {@link StaticModel#load(ByteBuffer, byte[], byte[],
         * Options)} only (default {@code "embeddings"}; sentence-transformers models use
         * {@code "embedding.weight"}). Folder loads find it themselves.
         */
        public Options embeddingTensor(String name) {
            this.embeddingTensor = name;
            return this;
        }

        Options copy() {
            Options o = new Options();
            o.normalize = normalize;
            o.maxLength = maxLength;
            o.threads = threads;
            o.embeddingTensor = embeddingTensor;
            return o;
        }
    }

    private StaticModel(long handle, int threads, ByteBuffer keepAlive) {
        this.handle = handle;
        this.threads = threads;
        this.keepAlive = keepAlive;
        this.dim = dim0(handle);
    }

    /**
     * Loads the model in folder {@code modelDir} with the settings of its config. Any layout
     * model2vec 0.10.0 saves or loads works: {@code config.json + model.safetensors +
     * tokenizer.json}, the sentence-transformers layout, and {@code 0_StaticEmbedding/}.
     *
     * @throws M2vException if a file is missing, unreadable or malformed, or uses something m2v
     *     cannot run; the message names the file and the problem
     */
    public static StaticModel load(String modelDir) {
        return load(modelDir, null);
    }

    /**
     * Loads the model in folder {@code modelDir} with {@code options} (null: defaults).
     *
     * @throws M2vException as {@link #load(String)}
     */
    public static StaticModel load(String modelDir, Options options) {
        Objects.requireNonNull(modelDir, "modelDir");
        Options o = options == null ? new Options() : options.copy();
        NativeError err = new NativeError();
        long h = load0(utf8(modelDir), o.normalize, o.maxLength, err);
        if (h == 0) {
            throw err.toException();
        }
        return new StaticModel(h, o.threads, null);
    }

    /**
     * Loads a model from memory, e.g. Android assets: {@code safetensors} is the content of
     * {@code model.safetensors} (the bytes from its position to its limit) in a <em>direct</em>
     * buffer, such as a {@link java.nio.MappedByteBuffer} of an uncompressed asset. It is not
     * copied: the model keeps a reference to it until closed, and it must not change.
     * {@code tokenizerJson} and {@code configJson} (null: no config) are read during the call.
     *
     * @throws IllegalArgumentException if {@code safetensors} is not direct
     * @throws M2vException if the content is malformed or unsupported
     */
    public static StaticModel load(ByteBuffer safetensors, byte[] tokenizerJson, byte[] configJson,
            Options options) {
        Objects.requireNonNull(safetensors, "safetensors");
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        if (!safetensors.isDirect()) {
            throw new IllegalArgumentException("safetensors must be a direct ByteBuffer");
        }
        Options o = options == null ? new Options() : options.copy();
        byte[] tensor = o.embeddingTensor == null ? null : utf8(o.embeddingTensor);
        NativeError err = new NativeError();
        long h = loadBuffers0(safetensors, safetensors.position(), safetensors.remaining(),
                tokenizerJson, configJson, tensor, o.normalize, o.maxLength, err);
        if (h == 0) {
            throw err.toException();
        }
        return new StaticModel(h, o.threads, safetensors);
    }

    /** Length of every vector. */
    public int dim() {
        return dim;
    }

    /** Number of token ids (the tokenizer vocabulary including added tokens). */
    public int vocabSize() {
        acquire();
        try {
            return vocabSize0(handle);
        } finally {
            release();
        }
    }

    /** Whether vectors are L2-normalised (the config's or the override). */
    public boolean normalize() {
        acquire();
        try {
            return normalize0(handle);
        } finally {
            release();
        }
    }

    /** The token limit, or {@link #NO_MAX_LENGTH}. */
    public int maxLength() {
        acquire();
        try {
            long m = maxLength0(handle);
            return m < 0 ? NO_MAX_LENGTH : (int) Math.min(m, Integer.MAX_VALUE);
        } finally {
            release();
        }
    }

    /** Native worker threads used per batch call (see {@link Options#threads(int)}). */
    public int threads() {
        return threads;
    }

    /** True once {@link #close()} has been called. */
    public boolean isClosed() {
        return state < 0;
    }

    /**
     * Encodes one text.
     *
     * @return a new array of {@link #dim()} floats
     * @throws M2vException if the tokenizer fails
     */
    public float[] encode(String text) {
        Objects.requireNonNull(text, "text");
        byte[] bytes = utf8(text);
        float[] out = new float[dim];
        NativeError err = new NativeError();
        int rc;
        acquire();
        try {
            rc = encodeOne0(handle, bytes, out, err);
        } finally {
            release();
        }
        if (rc != 0) {
            throw err.toException();
        }
        return out;
    }

    /**
     * Encodes a batch of texts.
     *
     * @return {@code texts.length} new arrays of {@link #dim()} floats, in input order
     * @throws NullPointerException if {@code texts} or one of its elements is null
     * @throws M2vException if the tokenizer fails ({@link M2vException#getIndex()} names the text)
     */
    public float[][] encode(String[] texts) {
        checkTexts(texts);
        float[][] rows = new float[texts.length][];
        acquire();
        try {
            encodeChunks(texts, null, 0, null, rows);
        } finally {
            release();
        }
        return rows;
    }

    /**
     * Encodes a batch of texts into {@code out}: row {@code i} goes to
     * {@code out[offset + i * dim() .. offset + (i + 1) * dim())}.
     *
     * @throws IndexOutOfBoundsException if {@code out} has no room for
     *     {@code texts.length * dim()} floats from {@code offset}
     * @throws M2vException if the tokenizer fails; {@code out} is then partly written
     */
    public void encode(String[] texts, float[] out, int offset) {
        checkTexts(texts);
        Objects.requireNonNull(out, "out");
        checkFromIndexSize(offset, (long) texts.length * dim, out.length);
        acquire();
        try {
            encodeChunks(texts, out, offset, null, null);
        } finally {
            release();
        }
    }

    /**
     * Encodes a batch of texts into a direct, native-order {@link FloatBuffer} at its position,
     * which then advances by {@code texts.length * dim()}. Zero-copy for buffers shared with
     * other native code (for example an ONNX or TFLite input tensor).
     *
     * @throws IllegalArgumentException if {@code out} is not direct, not in
     *     {@link ByteOrder#nativeOrder()}, or read-only
     * @throws BufferOverflowException if fewer than {@code texts.length * dim()} floats remain
     * @throws M2vException if the tokenizer fails or the buffer is not 4-byte aligned
     */
    public void encode(String[] texts, FloatBuffer out) {
        checkTexts(texts);
        Objects.requireNonNull(out, "out");
        if (!out.isDirect()) {
            throw new IllegalArgumentException("out must be a direct FloatBuffer");
        }
        if (out.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("out must be in native byte order ("
                    + ByteOrder.nativeOrder() + "), e.g. ByteBuffer.allocateDirect(n * 4)"
                    + ".order(ByteOrder.nativeOrder()).asFloatBuffer()");
        }
        if (out.isReadOnly()) {
            throw new IllegalArgumentException("out is read-only");
        }
        long need = (long) texts.length * dim;
        if (need > out.remaining()) {
            throw new BufferOverflowException();
        }
        acquire();
        try {
            encodeChunks(texts, null, out.position(), out, null);
        } finally {
            release();
        }
        out.position(out.position() + (int) need);
    }

    /**
     * Token ids of a text, like model2vec's {@code StaticModel.tokenize}: no special tokens,
     * cut to {@link #maxLength()} tokens, unknown token dropped (no character cut).
     */
    public int[] tokenize(String text) {
        Objects.requireNonNull(text, "text");
        byte[] bytes = utf8(text);
        int[] ids = new int[Math.min(bytes.length, 1 << 16) + 8];
        for (;;) {
            NativeError err = new NativeError();
            int n;
            acquire();
            try {
                n = tokenize0(handle, bytes, ids, err);
            } finally {
                release();
            }
            if (n < 0) {
                throw err.toException();
            }
            if (n <= ids.length) {
                return n == ids.length ? ids : java.util.Arrays.copyOf(ids, n);
            }
            ids = new int[n];
        }
    }

    /**
     * One vector per token, like model2vec's {@code encode_as_sequence(text)}: row {@code t} is
     * the embedding of token {@code t} (weighted and mapped as in pooling, not pooled, not
     * normalised). As in model2vec, there is no length limit by default (its
     * {@code max_length=None}), not even the model's.
     */
    public float[][] encodeAsSequence(String text) {
        return encodeAsSequence(text, NONE);
    }

    /**
     * {@link #encodeAsSequence(String)} with model2vec's {@code max_length=maxLength}: the text
     * is cut to {@code maxLength * median_token_length} code points, then to {@code maxLength}
     * tokens.
     *
     * @param maxLength {@code >= 0}
     */
    public float[][] encodeAsSequence(String text, int maxLength) {
        Objects.requireNonNull(text, "text");
        if (maxLength < 0 && maxLength != NONE) {
            throw new IllegalArgumentException("maxLength must be >= 0: " + maxLength);
        }
        byte[] bytes = utf8(text);
        float[] flat = new float[(Math.min(bytes.length, 255) + 1) * dim];
        for (;;) {
            NativeError err = new NativeError();
            int n;
            acquire();
            try {
                n = encodeSequence0(handle, bytes, maxLength, flat, err);
            } finally {
                release();
            }
            if (n < 0) {
                throw err.toException();
            }
            if ((long) n * dim <= flat.length) {
                float[][] rows = new float[n][];
                for (int t = 0; t < n; t++) {
                    rows[t] = java.util.Arrays.copyOfRange(flat, t * dim, (t + 1) * dim);
                }
                return rows;
            }
            if ((long) n * dim > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("text has too many tokens: " + n);
            }
            flat = new float[n * dim];
        }
    }

    /** The token string of an id. */
    public String token(int id) {
        NativeError err = new NativeError();
        byte[] bytes;
        acquire();
        try {
            bytes = token0(handle, id, err);
        } finally {
            release();
        }
        if (bytes == null) {
            throw err.toException();
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Frees the model. Idempotent and thread-safe; never blocks: if other threads are inside a
     * call, they finish normally and the last one frees the native model.
     */
    @Override
    public void close() {
        for (;;) {
            int s = state;
            if (s < 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    free();
                }
                return;
            }
        }
    }

    /** Version of the native m2v library, e.g. "0.1.0". */
    public static String version() {
        return version0();
    }

    /* True once the native model has been freed (tests). */
    boolean isFreed() {
        return state == CLOSED && handle == 0;
    }

    // ---------------------------------------------------------------- lifetime

    private void acquire() {
        for (;;) {
            int s = state;
            if (s < 0) {
                throw new IllegalStateException("StaticModel is closed");
            }
            if (s == Integer.MAX_VALUE) {
                throw new IllegalStateException("too many concurrent calls");
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return;
            }
        }
    }

    private void release() {
        if (STATE.decrementAndGet(this) == CLOSED) {
            free();
        }
    }

    /* Runs exactly once: in close() if no call was running, else in the last release(). */
    private void free() {
        long h = handle;
        handle = 0;
        keepAlive = null;
        free0(h);
    }

    // ---------------------------------------------------------------- batches

    private static void checkTexts(String[] texts) {
        Objects.requireNonNull(texts, "texts");
        for (int i = 0; i < texts.length; i++) {
            if (texts[i] == null) {
                throw new NullPointerException("texts[" + i + "] is null");
            }
        }
    }

    /*
     * Sends texts to C in chunks of at most CHUNK_TEXTS texts / about CHUNK_BYTES bytes, each
     * as one concatenated UTF-8 byte[] plus end offsets: no per-text JNI references. Exactly one
     * destination is given: out (+ offset), direct (+ offset in floats) or rows.
     */
    private void encodeChunks(String[] texts, float[] out, int offset, FloatBuffer direct,
            float[][] rows) {
        int n = texts.length;
        if (n == 0) {
            return;
        }
        byte[] buf = new byte[Math.min(CHUNK_BYTES, 1 << 16)];
        int[] ends = new int[Math.min(n, CHUNK_TEXTS) + 1];
        float[] scratch = rows == null ? null : new float[Math.min(n, CHUNK_TEXTS) * dim];
        NativeError err = new NativeError();
        int start = 0;
        while (start < n) {
            int count = 0;
            int used = 0;
            while (start + count < n && count < CHUNK_TEXTS && used < CHUNK_BYTES) {
                byte[] b = utf8(texts[start + count]);
                if (count > 0 && b.length > Integer.MAX_VALUE - 8 - used) {
                    break; // this text starts the next chunk
                }
                if (used + b.length > buf.length) {
                    long want = Math.max((long) buf.length * 2, (long) used + b.length);
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min(want, Integer.MAX_VALUE - 8));
                }
                System.arraycopy(b, 0, buf, used, b.length);
                used += b.length;
                count++;
                ends[count] = used;
            }
            int rc;
            if (rows != null) {
                rc = encode0(handle, buf, ends, count, threads, scratch, 0, err);
                if (rc == 0) {
                    for (int i = 0; i < count; i++) {
                        rows[start + i] = java.util.Arrays.copyOfRange(scratch, i * dim,
                                (i + 1) * dim);
                    }
                }
            } else if (direct != null) {
                rc = encodeDirect0(handle, buf, ends, count, threads, direct,
                        (long) offset + (long) start * dim, err);
            } else {
                rc = encode0(handle, buf, ends, count, threads, out, offset + start * dim, err);
            }
            if (rc != 0) {
                if (err.index >= 0) {
                    err.index += start;
                }
                throw err.toException();
            }
            start += count;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /* Objects.checkFromIndexSize (Java 9, Android API 30) for older Android. */
    private static void checkFromIndexSize(int fromIndex, long size, int length) {
        if (fromIndex < 0 || size < 0 || length < 0 || fromIndex + size > length) {
            throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + fromIndex
                    + " + " + size + ") out of bounds for length " + length);
        }
    }

    // ---------------------------------------------------------------- natives
    // Return 0 / a count / a handle on success; on failure fill err and return a code / a
    // negative value / 0. They never throw (except OutOfMemoryError from JNI allocations).

    private static native long load0(byte[] dir, int normalize, long maxLength, NativeError err);

    private static native long loadBuffers0(ByteBuffer safetensors, int position, int size,
            byte[] tokenizerJson, byte[] configJson, byte[] embeddingTensor, int normalize,
            long maxLength, NativeError err);

    private static native void free0(long handle);

    private static native int dim0(long handle);

    private static native int vocabSize0(long handle);

    private static native boolean normalize0(long handle);

    private static native long maxLength0(long handle);

    private static native int encodeOne0(long handle, byte[] text, float[] out, NativeError err);

    private static native int encode0(long handle, byte[] texts, int[] ends, int n, int threads,
            float[] out, int outOffset, NativeError err);

    private static native int encodeDirect0(long handle, byte[] texts, int[] ends, int n,
            int threads, FloatBuffer out, long outOffset, NativeError err);

    private static native int tokenize0(long handle, byte[] text, int[] ids, NativeError err);

    private static native int encodeSequence0(long handle, byte[] text, long maxLength,
            float[] out, NativeError err);

    private static native byte[] token0(long handle, int id, NativeError err);

    private static native String version0();
}
