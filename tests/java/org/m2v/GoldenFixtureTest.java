package org.m2v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checked-in fixture models (tests/fixtures/models, every dtype, weights/mapping, all three
 * layouts) give model2vec 0.10.0's outputs as recorded in tests/fixtures/golden/*.json by
 * tests/fixtures/make_fixtures.py: encode, tokenize and encode_as_sequence. No shared data.
 */
class GoldenFixtureTest {
    static Path fixtures() {
        return TestData.repo().resolve("tests/fixtures");
    }

    static List<String> goldens() throws IOException {
        Path dir = fixtures().resolve("golden");
        List<String> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .sorted().collect(Collectors.toList());
        }
        assertFalse(names.isEmpty(), "no golden files in " + dir);
        return names;
    }

    static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Double) l.get(i)).floatValue();
        }
        return out;
    }

    static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Double) l.get(i)).intValue();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @MethodSource("goldens")
    void matchesModel2vec(String golden) throws Exception {
        Map<String, Object> doc = (Map<String, Object>) MiniJson.parse(new String(
                Files.readAllBytes(fixtures().resolve("golden").resolve(golden)),
                StandardCharsets.UTF_8));
        assertEquals(1.0, doc.get("format"));
        Map<String, Object> settings = (Map<String, Object>) doc.get("settings");
        float tol = ((Double) settings.get("tolerance")).floatValue();
        List<Map<String, Object>> items = (List<Map<String, Object>>) doc.get("items");
        String dir = fixtures().resolve((String) doc.get("path")).toString();
        try (StaticModel m = StaticModel.load(dir)) {
            assertEquals(((Double) settings.get("dim")).intValue(), m.dim());
            assertEquals(((Double) settings.get("vocab_size")).intValue(), m.vocabSize());
            assertEquals(settings.get("normalize"), m.normalize());
            Object ml = settings.get("max_length");
            assertEquals(ml == null ? StaticModel.NO_MAX_LENGTH : ((Double) ml).intValue(),
                    m.maxLength());
            String[] texts = new String[items.size()];
            for (int k = 0; k < texts.length; k++) {
                texts[k] = (String) items.get(k).get("text");
            }
            float[][] batch = m.encode(texts);
            for (int k = 0; k < texts.length; k++) {
                Map<String, Object> item = items.get(k);
                String what = golden + " item " + k + " "
                        + texts[k].substring(0, Math.min(40, texts[k].length()));
                float[] want = floats(item.get("embedding"));
                assertArrayEquals(want, m.encode(texts[k]), tol, what);
                assertArrayEquals(want, batch[k], tol, what);
                assertArrayEquals(ints(item.get("ids")), m.tokenize(texts[k]), what);
                if (item.containsKey("sequence")) {
                    List<?> seq = (List<?>) item.get("sequence");
                    float[][] got = m.encodeAsSequence(texts[k]);
                    assertEquals(seq.size(), got.length, what + " sequence length");
                    for (int t = 0; t < got.length; t++) {
                        assertArrayEquals(floats(seq.get(t)), got[t], tol, what + " token " + t);
                    }
                }
            }
        }
    }
}
