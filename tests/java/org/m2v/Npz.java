package org.m2v;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** A minimal reader of numpy .npz files (zip of .npy, little-endian, C order). */
final class Npz {
    /** One array: numpy dtype string, shape and raw little-endian data. */
    static final class Array {
        final String descr;
        final long[] shape;
        final ByteBuffer data;

        Array(String descr, long[] shape, ByteBuffer data) {
            this.descr = descr;
            this.shape = shape;
            this.data = data.order(ByteOrder.LITTLE_ENDIAN);
        }

        int rows() {
            return (int) shape[0];
        }

        int cols() {
            return shape.length > 1 ? (int) shape[1] : 1;
        }

        float[] floats() {
            expect("<f4");
            float[] out = new float[data.remaining() / 4];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        int[] ints() {
            expect("<i4");
            int[] out = new int[data.remaining() / 4];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
            return out;
        }

        long[] longs() {
            expect("<i8");
            long[] out = new long[data.remaining() / 8];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            return out;
        }

        /** A '<U<n>' array: UTF-32LE, n code points per item, trailing NULs dropped. */
        String[] strings() {
            if (!descr.startsWith("<U")) {
                throw new IllegalStateException("not a unicode array: " + descr);
            }
            int width = Integer.parseInt(descr.substring(2));
            String[] out = new String[rows()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                int[] cps = new int[width];
                int n = 0;
                for (int j = 0; j < width; j++) {
                    cps[j] = b.getInt();
                    if (cps[j] != 0) {
                        n = j + 1;
                    }
                }
                out[i] = new String(cps, 0, n);
            }
            return out;
        }

        private void expect(String d) {
            if (!descr.equals(d)) {
                throw new IllegalStateException("dtype " + descr + ", expected " + d);
            }
        }
    }

    private final Map<String, Array> arrays;

    private Npz(Map<String, Array> arrays) {
        this.arrays = arrays;
    }

    Array get(String name) {
        Array a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no array " + name + " in npz: " + arrays.keySet());
        }
        return a;
    }

    static Npz read(Path path) throws IOException {
        Map<String, Array> arrays = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(path))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String name = e.getName();
                if (name.endsWith(".npy")) {
                    arrays.put(name.substring(0, name.length() - 4), parse(readAll(zip), name));
                }
            }
        }
        return new Npz(arrays);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /* Format: "\x93NUMPY", major, minor, header length (u16 for 1.x, u32 for 2.x/3.x). */
    static Array parse(byte[] b, String what) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length < 10 || (b[0] & 0xff) != 0x93 || b[1] != 'N' || b[2] != 'U') {
            throw new IllegalArgumentException(what + ": not a .npy file");
        }
        int major = b[6];
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xffff;
            start = 10;
        } else {
            headerLen = buf.getInt(8);
            start = 12;
        }
        String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) {
            throw new IllegalArgumentException(what + ": bad header " + header);
        }
        if (o.group(1).equals("True")) {
            throw new IllegalArgumentException(what + ": fortran order not supported");
        }
        String[] dims = s.group(1).split(",");
        int n = 0;
        long[] shape = new long[dims.length];
        for (String dim : dims) {
            if (!dim.trim().isEmpty()) {
                shape[n++] = Long.parseLong(dim.trim());
            }
        }
        long[] exact = new long[n];
        System.arraycopy(shape, 0, exact, 0, n);
        int off = start + headerLen;
        return new Array(d.group(1), exact, ByteBuffer.wrap(b, off, b.length - off).slice());
    }
}
