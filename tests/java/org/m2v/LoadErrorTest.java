package org.m2v;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model paths and files give an M2vException carrying the C code and message. */
class LoadErrorTest {
    @TempDir
    Path tmp;

    @Test
    void missingFolder() {
        String path = tmp.resolve("no-such-model").toString();
        M2vException e = assertThrows(M2vException.class, () -> StaticModel.load(path));
        assertEquals(M2vException.IO, e.getCode());
        assertTrue(e.getMessage().contains("no-such-model"), e.getMessage());
        assertEquals(-1, e.getIndex());
        assertTrue(e.toString().contains(e.getCodeName()), e.toString());
    }

    @Test
    void emptyFolderAndFileInsteadOfFolder() throws Exception {
        M2vException e = assertThrows(M2vException.class, () -> StaticModel.load(tmp.toString()));
        assertEquals(M2vException.IO, e.getCode());
        Path file = Files.write(tmp.resolve("file"), new byte[] {1, 2, 3});
        assertThrows(M2vException.class, () -> StaticModel.load(file.toString()));
    }

    @Test
    void nonAsciiPathIsPassedAsUtf8() throws Exception {
        // A real model in a folder named with an emoji and accents loads: the path crossed as
        // UTF-8 bytes. The error message naming such a path also comes back intact.
        String dir = TinyModel.write(tmp.resolve("mod\u00e8le-\uD83D\uDE00"));
        try (StaticModel m = StaticModel.load(dir)) {
            assertEquals(TinyModel.DIM, m.dim());
        }
        String missing = tmp.resolve("absent-\uD83D\uDE00").toString();
        M2vException e = assertThrows(M2vException.class, () -> StaticModel.load(missing));
        assertTrue(e.getMessage().contains("absent-\uD83D\uDE00"), e.getMessage());
    }

    @Test
    void nulInPath() {
        M2vException e = assertThrows(M2vException.class,
                () -> StaticModel.load(tmp.toString() + "\u0000x"));
        assertEquals(M2vException.MISUSE, e.getCode());
    }

    @Test
    void nullPath() {
        assertThrows(NullPointerException.class, () -> StaticModel.load((String) null));
        assertThrows(NullPointerException.class, () -> StaticModel.load(null, new StaticModel.Options()));
    }

    @Test
    void malformedFiles() throws Exception {
        String dir = TinyModel.write(tmp.resolve("bad"));
        Path st = tmp.resolve("bad/model.safetensors");
        byte[] good = Files.readAllBytes(st);
        // truncated table
        Files.write(st, java.util.Arrays.copyOf(good, good.length - 4));
        M2vException e = assertThrows(M2vException.class, () -> StaticModel.load(dir));
        assertEquals(M2vException.FORMAT, e.getCode());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        // header length past the end of the file
        byte[] huge = good.clone();
        huge[6] = 1;
        Files.write(st, huge);
        e = assertThrows(M2vException.class, () -> StaticModel.load(dir));
        assertEquals(M2vException.FORMAT, e.getCode());
        // invalid tokenizer.json
        Files.write(st, good);
        Files.write(tmp.resolve("bad/tokenizer.json"), "{\"model\": ".getBytes(StandardCharsets.UTF_8));
        e = assertThrows(M2vException.class, () -> StaticModel.load(dir));
        assertEquals(M2vException.FORMAT, e.getCode());
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void codesMatchTheCHeader() {
        // Read from the native library; m2v.h pins these values forever.
        assertEquals(1, M2vException.NOMEM);
        assertEquals(2, M2vException.IO);
        assertEquals(3, M2vException.FORMAT);
        assertEquals(4, M2vException.UNSUPPORTED);
        assertEquals(5, M2vException.TOKENIZER);
        assertEquals(6, M2vException.TOOSMALL);
        assertEquals(7, M2vException.RANGE);
        assertEquals(8, M2vException.MISUSE);
        assertEquals(9, M2vException.UTF8);
        assertEquals(10, M2vException.LIMIT);
        assertEquals("unknown error", M2vException.errstr(12345));
    }
}
