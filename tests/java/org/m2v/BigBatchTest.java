package org.m2v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 texts in one call. The glue passes a batch as one byte[] plus offsets, so the number
 * of JNI local references does not grow with the batch (run with -Xcheck:jni, which reports
 * local-reference overflows).
 */
class BigBatchTest {
    static final int N = 100_000;

    @TempDir
    Path tmp;

    static void check(StaticModel m, String[] texts) {
        int dim = m.dim();
        float[][] rows = m.encode(texts);
        assertEquals(N, rows.length);
        float[] flat = new float[N * dim];
        m.encode(texts, flat, 0);
        FloatBuffer direct = ByteBuffer.allocateDirect(N * dim * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        m.encode(texts, direct);
        for (int i = 0; i < N; i += 1 + i / 100) {
            float[] one = m.encode(texts[i]);
            assertArrayEquals(one, rows[i], 0f, "row " + i);
            assertArrayEquals(one, Arrays.copyOfRange(flat, i * dim, (i + 1) * dim), 0f, "flat " + i);
            float[] d = new float[dim];
            direct.position(i * dim);
            direct.get(d);
            assertArrayEquals(one, d, 0f, "direct " + i);
        }
        assertArrayEquals(m.encode(texts[N - 1]), rows[N - 1], 0f);
    }

    @Test
    void tinyModel() throws Exception {
        String[] words = {"hello", "world", "a", "x", "\uD83D\uDE00", "\u65E5", "zzz", "!", ""};
        String[] texts = new String[N];
        for (int i = 0; i < N; i++) {
            texts[i] = words[i % words.length] + " " + words[(i / 9) % words.length]
                    + (i % 11 == 0 ? "\u0000b" : "");
        }
        try (StaticModel m = StaticModel.load(TinyModel.write(tmp.resolve("tiny")))) {
            check(m, texts);
        }
    }

    @Test
    void sharedModel() throws Exception {
        String[] base = TestData.reference("m2v-base-f32", "reference.npz").get("sentences").strings();
        String[] texts = new String[N];
        for (int i = 0; i < N; i++) {
            texts[i] = base[i % base.length] + " #" + i;
        }
        try (StaticModel m = StaticModel.load(TestData.sharedModel("m2v-base-f32"),
                new StaticModel.Options().threads(2))) {
            check(m, texts);
        }
    }
}
