package org.m2v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One model shared by 8 threads gives the same vectors as one thread. */
class ConcurrencyTest {
    @TempDir
    Path tmp;

    static String[] texts(String[] base, int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = base[i % base.length] + (i % 7 == 0 ? "" : " " + base[(i * 31) % base.length]);
        }
        return out;
    }

    static void eightThreadsEqualOne(String dir, String[] texts) throws Exception {
        try (StaticModel model = StaticModel.load(dir)) {
            eightThreadsEqualOne(model, dir, texts);
        }
    }

    static void eightThreadsEqualOne(StaticModel model, String dir, String[] texts)
            throws Exception {
        float[][] one = model.encode(texts);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<float[][]>> batches = new ArrayList<>();
            List<Future<float[]>> singles = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                batches.add(pool.submit(() -> model.encode(texts)));
                final int start = t;
                singles.add(pool.submit(() -> {
                    float[] acc = null;
                    for (int i = start; i < texts.length; i += 8) {
                        float[] v = model.encode(texts[i]);
                        assertArrayEquals(one[i], v, 0f, "text " + i);
                        acc = v;
                    }
                    return acc;
                }));
            }
            for (Future<float[][]> f : batches) {
                float[][] got = f.get();
                assertEquals(one.length, got.length);
                for (int i = 0; i < got.length; i++) {
                    assertArrayEquals(one[i], got[i], 0f, "text " + i);
                }
            }
            for (Future<float[]> f : singles) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        // Native worker threads inside one call: identical output for any count.
        for (int threads : new int[] {0, 8}) {
            float[] flat = new float[texts.length * model.dim()];
            try (StaticModel m = StaticModel.load(dir, new StaticModel.Options().threads(threads))) {
                m.encode(texts, flat, 0);
            }
            for (int i = 0; i < texts.length; i++) {
                assertArrayEquals(one[i], java.util.Arrays.copyOfRange(flat, i * model.dim(),
                        (i + 1) * model.dim()), 0f, "threads=" + threads + " text " + i);
            }
        }
    }

    @Test
    void tinyModel() throws Exception {
        eightThreadsEqualOne(TinyModel.write(tmp.resolve("tiny")), texts(new String[] {
            "hello worlds", "a\u0000b", "x!", "\uD83D\uDE00 \u65E5\u672C", "zzz", ""}, 3000));
    }

    @Test
    void sharedModel() throws Exception {
        String dir = TestData.sharedModel("m2v-base-f32");
        String[] base = TestData.reference("m2v-base-f32", "reference.npz").get("sentences").strings();
        eightThreadsEqualOne(dir, texts(base, 5000));
    }
}
