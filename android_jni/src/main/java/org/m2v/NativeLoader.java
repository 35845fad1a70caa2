package org.m2v;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;

/**
 * Loads the native library {@code m2v_jni} once per class loader.
 *
 * <p>Tried in this order; the first that works wins:
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY}
 *       ({@code -Dorg.m2v.nativePath=/path/to/libm2v_jni.so});</li>
 *   <li>{@code System.loadLibrary("m2v_jni")}: Android (the library is packed in the APK/AAR
 *       under {@code jni/<abi>/}) or a desktop JVM started with
 *       {@code -Djava.library.path=<dir holding libm2v_jni.so>};</li>
 *   <li>desktop JVMs: the copy packed in the jar at {@code /<os>/<arch>/libm2v_jni.so}
 *       (e.g. {@code /linux/x86_64/}), extracted to a new temporary folder (override the parent
 *       folder with {@value #TEMP_PROPERTY}) and loaded from there.</li>
 * </ol>
 * An application that loads the library itself calls {@link #assumeLoaded()} first.
 */
public final class NativeLoader {
    /** System property: absolute path of the native library file to load. */
    public static final String PATH_PROPERTY = "org.m2v.nativePath";
    /** System property: folder in which the jar's copy of the library is extracted. */
    public static final String TEMP_PROPERTY = "org.m2v.tempDir";
    /** Base name of the library, as given to {@link System#loadLibrary(String)}. */
    public static final String LIBRARY_NAME = "m2v_jni";

    private static boolean loaded;

    private NativeLoader() {
    }

    /** Returns true once the library has been loaded (or {@link #assumeLoaded()} was called). */
    public static synchronized boolean isLoaded() {
        return loaded;
    }

    /**
     * Tells m2v that the application has already loaded the library (for example with
     * {@link System#load(String)} from its own location), so that no loading is attempted.
     */
    public static synchronized void assumeLoaded() {
        loaded = true;
    }

    /**
     * Loads the library if it is not loaded yet. Called by the static initialisers of the m2v
     * classes; applications rarely need to call it.
     *
     * @throws UnsatisfiedLinkError if no way worked; the message lists every attempt and what to
     *     do next
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        StringBuilder tried = new StringBuilder();
        String path = System.getProperty(PATH_PROPERTY);
        if (path != null && !path.isEmpty()) {
            // An explicit path is a deliberate choice: do not silently fall back.
            System.load(new File(path).getAbsolutePath());
            loaded = true;
            return;
        }
        try {
            System.loadLibrary(LIBRARY_NAME);
            loaded = true;
            return;
        } catch (UnsatisfiedLinkError e) {
            tried.append("\n  System.loadLibrary(\"").append(LIBRARY_NAME).append("\"): ")
                    .append(e.getMessage());
        }
        String resource = "/" + osName() + "/" + archName() + "/"
                + System.mapLibraryName(LIBRARY_NAME);
        try {
            File file = extract(resource);
            System.load(file.getAbsolutePath());
            loaded = true;
            if (!osName().equals("windows") && file.delete()) {
                file.getParentFile().delete(); // the mapping stays; nothing is left behind
            }
            return;
        } catch (IOException | UnsatisfiedLinkError e) {
            tried.append("\n  ").append(resource).append(" from the jar: ").append(e.getMessage());
        }
        throw new UnsatisfiedLinkError("m2v: cannot load the native library " + LIBRARY_NAME
                + tried
                + "\nFix: add the jar built for this platform (" + osName() + "/" + archName()
                + ") to the class path, start the JVM with -Djava.library.path=<folder of "
                + System.mapLibraryName(LIBRARY_NAME) + ">, or set -D" + PATH_PROPERTY
                + "=<file>.");
    }

    /** Copies a class-path resource into a fresh temporary folder; returns the file. */
    private static File extract(String resource) throws IOException {
        InputStream in = NativeLoader.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("not packed in the jar");
        }
        try {
            // java.io only: this class also runs on old Android versions.
            String parent = System.getProperty(TEMP_PROPERTY);
            File parentDir = new File(parent != null ? parent : System.getProperty("java.io.tmpdir"));
            File dir = File.createTempFile("m2v-jni", "", parentDir);
            if (!dir.delete() || !dir.mkdir()) {
                throw new IOException("cannot create the folder " + dir);
            }
            File file = new File(dir, resource.substring(resource.lastIndexOf('/') + 1));
            try (OutputStream out = new FileOutputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                }
            }
            // A loaded library stays mapped after its file is removed (POSIX); elsewhere the
            // file goes when the JVM exits.
            dir.deleteOnExit(); // registered first: deleted after the file
            file.deleteOnExit();
            return file;
        } finally {
            in.close();
        }
    }

    /** "linux", "darwin", "windows", or the lower-case os.name. */
    static String osName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return "linux";
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return "darwin";
        }
        if (os.startsWith("windows")) {
            return "windows";
        }
        return os.replace(' ', '_');
    }

    /** "x86_64", "aarch64", "arm", "x86", or the lower-case os.arch. */
    static String archName() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
                return "x86_64";
            case "aarch64":
            case "arm64":
                return "aarch64";
            case "arm":
            case "armv7l":
                return "arm";
            case "x86":
            case "i386":
            case "i686":
                return "x86";
            default:
                return arch;
        }
    }
}
