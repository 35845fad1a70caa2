/*
 * Benchmark (not a test): org.m2v.StaticModel.encode(String[]) on a file of
 * texts (one per line), batches of 1024 into one reused float[]; prints the
 * best of --repeat runs as texts/s and MB/s (UTF-8 bytes). No Python.
 *
 *   bash scripts/test-java.sh            # builds android_jni/target/classes
 *   java -cp android_jni/target/classes bench/BenchEncode.java MODEL_DIR TEXTS_FILE [REPEAT]
 */
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.m2v.StaticModel;

public final class BenchEncode {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: BenchEncode MODEL_DIR TEXTS_FILE [REPEAT]");
            System.exit(2);
        }
        int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String all = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(all.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        String[] texts = lines.toArray(new String[0]);
        long bytes = 0;
        for (String t : texts) bytes += t.getBytes(StandardCharsets.UTF_8).length;
        try (StaticModel model = StaticModel.load(args[0])) {
            int batch = 1024, dim = model.dim();
            float[] out = new float[batch * dim];
            double best = Double.MAX_VALUE;
            for (int r = 0; r <= repeat; r++) { // run 0 warms up
                long t0 = System.nanoTime();
                for (int s = 0; s < texts.length; s += batch)
                    model.encode(Arrays.copyOfRange(texts, s, Math.min(texts.length, s + batch)), out, 0);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (r > 0) best = Math.min(best, sec);
            }
            System.out.printf("java StaticModel.encode: %d texts, %.2f MB, best of %d: %.3f s, %.0f texts/s, %.2f MB/s%n",
                    texts.length, bytes / 1e6, repeat, best, texts.length / best, bytes / 1e6 / best);
        }
    }
}
