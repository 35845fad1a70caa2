package org.m2v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact results on a model the test writes itself: needs no shared data. */
class TinyModelTest {
    @TempDir
    static Path tmp;
    static String dir;
    static StaticModel model;

    @BeforeAll
    static void load() throws Exception {
        dir = TinyModel.write(tmp.resolve("tiny"));
        model = StaticModel.load(dir);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    static void assertVec(float[] expected, float[] actual) {
        assertArrayEquals(expected, actual, 1e-6f);
    }

    @Test
    void introspection() {
        assertEquals(TinyModel.DIM, model.dim());
        assertEquals(TinyModel.VOCAB.length, model.vocabSize());
        assertFalse(model.normalize());
        assertEquals(512, model.maxLength()); // model2vec's default when config has none
        assertEquals(1, model.threads());
        assertEquals("hello", model.token(4));
        assertEquals("\uD83D\uDE00", model.token(7));
        M2vException e = assertThrows(M2vException.class, () -> model.token(1000));
        assertEquals(M2vException.RANGE, e.getCode());
    }

    @Test
    void encodeIsMeanOfRows() {
        assertVec(TinyModel.expected(false, 4, 5, 6), model.encode("hello worlds"));
        assertVec(TinyModel.expected(false, 4, 5), model.encode("HELLO World"));
        assertVec(TinyModel.expected(false, 4, 11), model.encode("hello!"));
        assertVec(TinyModel.expected(false, 2, 12, 4), model.encode("a x hello"));
    }

    @Test
    void unknownAndEmptyGiveZeroVector() {
        assertVec(new float[TinyModel.DIM], model.encode("zzz"));
        assertVec(new float[TinyModel.DIM], model.encode(""));
        assertArrayEquals(new int[0], model.tokenize("zzz"));
    }

    /* Emoji (surrogate pairs in Java) and U+0000 reach C as standard UTF-8: with JNI's modified
     * UTF-8 (C0 80, CESU surrogates) C would reject the text with M2V_UTF8. */
    @Test
    void supplementaryCharactersAndNulCrossAsUtf8() {
        assertArrayEquals(new int[] {7, 8}, model.tokenize("\uD83D\uDE00 \uD834\uDD1E"));
        assertVec(TinyModel.expected(false, 7, 8), model.encode("\uD83D\uDE00 \uD834\uDD1E"));
        // BertNormalizer's clean_text drops U+0000, so "a\0b" is "ab" = a ##b.
        assertArrayEquals(new int[] {2, 3}, model.tokenize("a\u0000b"));
        assertVec(TinyModel.expected(false, 2, 3), model.encode("a\u0000b"));
        assertArrayEquals(new int[] {9, 10}, model.tokenize("\u65E5\u672C"));
        float[][] batch = model.encode(new String[] {"\uD83D\uDE00", "a\u0000b", "\u0000"});
        assertVec(TinyModel.expected(false, 7), batch[0]);
        assertVec(TinyModel.expected(false, 2, 3), batch[1]);
        assertVec(new float[TinyModel.DIM], batch[2]);
        // The bytes C received are exactly Java's UTF-8 (4 bytes for the emoji).
        assertEquals(4, "\uD83D\uDE00".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void loneSurrogateBecomesQuestionMark() {
        assertArrayEquals(model.tokenize("hello ?"), model.tokenize("hello \uD800"));
    }

    @Test
    void optionsOverrideConfig() {
        try (StaticModel m = StaticModel.load(dir, new StaticModel.Options().normalize(true))) {
            assertTrue(m.normalize());
            assertVec(TinyModel.expected(true, 4, 5, 6), m.encode("hello worlds"));
        }
        // max_length 2 also cuts the text to 2 * median_token_length (= 1) code points first.
        try (StaticModel m = StaticModel.load(dir, new StaticModel.Options().maxLength(2))) {
            assertEquals(2, m.maxLength());
            assertVec(new float[TinyModel.DIM], m.encode("hello worlds"));
            assertVec(TinyModel.expected(false, 2), m.encode("a x hello"));
            assertArrayEquals(new int[] {2, 12}, m.tokenize("a x hello")); // no char cut
        }
        try (StaticModel m = StaticModel.load(dir, new StaticModel.Options().noMaxLength())) {
            assertEquals(StaticModel.NO_MAX_LENGTH, m.maxLength());
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                sb.append("hello ");
            }
            assertEquals(2000, m.tokenize(sb.toString()).length);
        }
        assertThrows(IllegalArgumentException.class, () -> new StaticModel.Options().maxLength(-1));
        assertThrows(IllegalArgumentException.class, () -> new StaticModel.Options().threads(-1));
    }

    @Test
    void tokenizeCutsAtMaxLength() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append("\uD83D\uDE00!"); // 2 tokens each
        }
        sb.append("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        int[] ids = model.tokenize(sb.toString());
        assertEquals(512, ids.length); // cut at max_length
        assertEquals(7, ids[0]);
        assertEquals(11, ids[1]);
    }

    @Test
    void encodeAsSequence() {
        float[][] rows = model.encodeAsSequence("hello worlds zzz");
        assertEquals(3, rows.length);
        assertVec(TinyModel.row(4), rows[0]);
        assertVec(TinyModel.row(5), rows[1]);
        assertVec(TinyModel.row(6), rows[2]);
        assertEquals(0, model.encodeAsSequence("").length);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            sb.append("a ");
        }
        assertEquals(400, model.encodeAsSequence(sb.toString()).length); // grows its buffer
    }

    @Test
    void batchVariantsAgree() {
        String[] texts = {"hello worlds", "", "a\u0000b", "zzz", "\uD83D\uDE00 x"};
        float[][] rows = model.encode(texts);
        assertEquals(texts.length, rows.length);
        for (int i = 0; i < texts.length; i++) {
            assertArrayEquals(model.encode(texts[i]), rows[i], 0f);
        }
        // flat, at an offset, leaving the rest untouched
        float[] flat = new float[3 + texts.length * TinyModel.DIM + 2];
        java.util.Arrays.fill(flat, 42f);
        model.encode(texts, flat, 3);
        for (int i = 0; i < texts.length; i++) {
            assertArrayEquals(rows[i], java.util.Arrays.copyOfRange(flat, 3 + i * TinyModel.DIM,
                    3 + (i + 1) * TinyModel.DIM), 0f);
        }
        assertEquals(42f, flat[0]);
        assertEquals(42f, flat[flat.length - 1]);
        // direct FloatBuffer at a position; position advances
        FloatBuffer fb = ByteBuffer.allocateDirect((texts.length * TinyModel.DIM + 5) * 4)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        fb.position(5);
        model.encode(texts, fb);
        assertEquals(fb.capacity(), fb.position());
        for (int i = 0; i < texts.length; i++) {
            float[] r = new float[TinyModel.DIM];
            fb.position(5 + i * TinyModel.DIM);
            fb.get(r);
            assertArrayEquals(rows[i], r, 0f);
        }
        // a sliced view (its own base address) works too
        FloatBuffer base = ByteBuffer.allocateDirect(64 * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        base.position(7);
        FloatBuffer slice = base.slice();
        model.encode(new String[] {"hello worlds"}, slice);
        assertEquals(rows[0][0], base.get(7));
        assertEquals(rows[0][3], base.get(10));
        // empty batch
        assertEquals(0, model.encode(new String[0]).length);
        model.encode(new String[0], new float[0], 0);
    }

    @Test
    void batchArgumentChecks() {
        assertThrows(NullPointerException.class, () -> model.encode((String) null));
        assertThrows(NullPointerException.class, () -> model.encode((String[]) null));
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> model.encode(new String[] {"a", null}));
        assertTrue(npe.getMessage().contains("texts[1]"), npe.getMessage());
        assertThrows(NullPointerException.class, () -> model.encode(new String[] {"a"}, (float[]) null, 0));
        assertThrows(NullPointerException.class, () -> model.encode(new String[] {"a"}, (FloatBuffer) null));
        assertThrows(NullPointerException.class, () -> model.tokenize(null));
        assertThrows(IndexOutOfBoundsException.class,
                () -> model.encode(new String[] {"a", "b"}, new float[7], 0));
        assertThrows(IndexOutOfBoundsException.class,
                () -> model.encode(new String[] {"a"}, new float[8], 5));
        assertThrows(IndexOutOfBoundsException.class,
                () -> model.encode(new String[] {"a"}, new float[8], -1));
        assertThrows(IllegalArgumentException.class,
                () -> model.encode(new String[] {"a"}, FloatBuffer.allocate(8)));
        ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        assertThrows(IllegalArgumentException.class, () -> model.encode(new String[] {"a"},
                ByteBuffer.allocateDirect(32).order(other).asFloatBuffer()));
        assertThrows(BufferOverflowException.class, () -> model.encode(new String[] {"a", "b"},
                ByteBuffer.allocateDirect(28).order(ByteOrder.nativeOrder()).asFloatBuffer()));
        // a misaligned direct buffer is refused by C, not written
        ByteBuffer odd = ByteBuffer.allocateDirect(64);
        odd.position(1);
        FloatBuffer misaligned = odd.slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
        M2vException e = assertThrows(M2vException.class,
                () -> model.encode(new String[] {"a"}, misaligned));
        assertEquals(M2vException.MISUSE, e.getCode());
    }

    @Test
    void loadFromBuffers() throws Exception {
        byte[] st = Files.readAllBytes(tmp.resolve("tiny/model.safetensors"));
        ByteBuffer direct = ByteBuffer.allocateDirect(st.length + 3);
        direct.position(3); // any alignment is accepted
        direct.put(st).position(3);
        byte[] tok = Files.readAllBytes(tmp.resolve("tiny/tokenizer.json"));
        byte[] cfg = Files.readAllBytes(tmp.resolve("tiny/config.json"));
        try (StaticModel m = StaticModel.load(direct, tok, cfg, null)) {
            assertVec(TinyModel.expected(false, 4, 5, 6), m.encode("hello worlds"));
            assertArrayEquals(model.encode(new String[] {"x", "a\u0000b"}),
                    m.encode(new String[] {"x", "a\u0000b"}));
        }
        try (StaticModel m = StaticModel.load(direct, tok, null,
                new StaticModel.Options().normalize(true))) {
            assertVec(TinyModel.expected(true, 4, 5, 6), m.encode("hello worlds"));
        }
        assertThrows(IllegalArgumentException.class,
                () -> StaticModel.load(ByteBuffer.wrap(st), tok, cfg, null));
        M2vException e = assertThrows(M2vException.class, () -> StaticModel.load(direct, tok, cfg,
                new StaticModel.Options().embeddingTensor("embedding.weight")));
        assertTrue(e.getMessage().contains("embedding.weight"), e.getMessage());
        ByteBuffer truncated = ByteBuffer.allocateDirect(20);
        assertThrows(M2vException.class, () -> StaticModel.load(truncated, tok, cfg, null));
    }
}
