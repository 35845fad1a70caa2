package org.m2v;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Where the test data is, and the rule for data that is missing. */
final class TestData {
    private TestData() {
    }

    /** The repository root (set by the pom as system property m2v.repo). */
    static Path repo() {
        return Paths.get(System.getProperty("m2v.repo", "..")).toAbsolutePath().normalize();
    }

    /** env M2V_SHARED_DIR, else <repo>/../shared. */
    static Path shared() {
        String env = System.getenv("M2V_SHARED_DIR");
        Path p = env != null && !env.isEmpty() ? Paths.get(env) : repo().resolve("../shared");
        return p.toAbsolutePath().normalize();
    }

    /** True when missing shared data must fail the run instead of skipping (CI). */
    static boolean sharedRequired() {
        return isSet("CI") || isSet("M2V_REQUIRE_SHARED");
    }

    private static boolean isSet(String name) {
        String v = System.getenv(name);
        return v != null && !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    /**
     * Returns shared/<relative>, which must exist: if it does not, fails under CI or
     * M2V_REQUIRE_SHARED, else aborts the test (reported as skipped) with a loud reason.
     */
    static Path requireShared(String relative) {
        Path p = shared().resolve(relative);
        if (!Files.exists(p)) {
            String why = "shared test data missing: " + p
                    + " (set M2V_SHARED_DIR, or put the shared folder beside the repo)";
            if (sharedRequired()) {
                fail(why + "; CI/M2V_REQUIRE_SHARED is set, so this is an error");
            }
            System.err.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
        return p;
    }

    /** Folder of a shared model, e.g. "m2v-base-f32". */
    static String sharedModel(String name) {
        return requireShared("models/" + name).toString();
    }

    /** The m2v-base models that have model2vec reference outputs. */
    static List<String> referenceModels() {
        List<String> names = new ArrayList<>();
        names.add("m2v-base-f32");
        names.add("m2v-base-f16");
        names.add("m2v-base-i8");
        names.add("m2v-base-vq");
        return names;
    }

    /** Reads shared/reference/<model>/<file>.npz. */
    static Npz reference(String model, String file) throws IOException {
        return Npz.read(requireShared("reference/" + model + "/" + file));
    }
}
