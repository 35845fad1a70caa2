package org.m2v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Vectors and token ids equal model2vec 0.10.0's, read from shared/reference/<model>/*.npz.
 * Tolerances (the core's): float32 tables 1e-5 absolute, float16 1e-3; row cosine >= 0.99999.
 */
class ReferenceParityTest {
    static List<String> models() {
        return TestData.referenceModels();
    }

    static float tolerance(String model) {
        return model.endsWith("f16") ? 1e-3f : 1e-5f;
    }

    static void check(StaticModel m, String model, String file) throws Exception {
        Npz ref = TestData.reference(model, file);
        String[] sentences = ref.get("sentences").strings();
        Npz.Array emb = ref.get("embeddings");
        float[] expected = emb.floats();
        int[] ids = ref.get("token_ids").ints();
        long[] offsets = ref.get("token_offsets").longs();
        assertEquals(sentences.length, emb.rows());
        float tol = tolerance(model);
        int dim = m.dim();
        assertEquals(emb.cols(), dim);
        float[][] got = m.encode(sentences);
        float[] flat = new float[sentences.length * dim];
        m.encode(sentences, flat, 0);
        double worst = 0;
        for (int i = 0; i < sentences.length; i++) {
            float[] want = Arrays.copyOfRange(expected, i * dim, (i + 1) * dim);
            String what = model + "/" + file + " sentence " + i + ": "
                    + sentences[i].substring(0, Math.min(60, sentences[i].length()));
            assertArrayEquals(want, got[i], tol, what);
            double c = cosine(want, got[i]);
            assertTrue(c >= 0.99999 || (norm(want) == 0 && norm(got[i]) == 0),
                    what + ": cosine " + c);
            for (int j = 0; j < dim; j++) {
                worst = Math.max(worst, Math.abs(want[j] - got[i][j]));
            }
            // one text at a time and the flat variant give bit-identical rows
            assertArrayEquals(got[i], m.encode(sentences[i]), 0f, what);
            assertArrayEquals(got[i], Arrays.copyOfRange(flat, i * dim, (i + 1) * dim), 0f, what);
            int[] wantIds = Arrays.copyOfRange(ids, (int) offsets[i], (int) offsets[i + 1]);
            assertArrayEquals(wantIds, m.tokenize(sentences[i]), what);
        }
        System.out.printf("%s/%s: %d sentences, max abs diff %.3e%n", model, file,
                sentences.length, worst);
    }

    /* reference.npz: 202 sentences; reference_extra.npz: 15 edge cases (empty, whitespace,
     * thousands of tokens hitting the character and token cuts). */
    @ParameterizedTest
    @MethodSource("models")
    void referenceAndEdgeCases(String model) throws Exception {
        try (StaticModel m = StaticModel.load(TestData.sharedModel(model))) {
            check(m, model, "reference.npz");
            check(m, model, "reference_extra.npz");
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
