package org.m2v;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import androidx.test.ext.junit.runners.AndroidJUnit4;
import java.io.File;
import java.io.FileOutputStream;
import org.junit.Test;
import org.junit.runner.RunWith;

/** On a device: the library loads for this ABI, and a missing model is a clean exception. */
@RunWith(AndroidJUnit4.class)
public class LoadTest {
    @Test
    public void libraryLoads() {
        assertEquals("0.1.0", StaticModel.version());
        assertTrue(NativeLoader.isLoaded());
    }

    @Test
    public void missingModelThrows() {
        try {
            StaticModel.load("/data/local/tmp/m2v-no-such-model");
        } catch (M2vException e) {
            assertEquals(M2vException.IO, e.getCode());
            return;
        }
        throw new AssertionError("no exception");
    }

    @Test
    public void badModelThrows() throws Exception {
        File dir = new File(System.getProperty("java.io.tmpdir"), "m2v-bad-model");
        dir.mkdirs();
        try (FileOutputStream out = new FileOutputStream(new File(dir, "model.safetensors"))) {
            out.write(new byte[] {1, 2, 3});
        }
        try {
            StaticModel.load(dir.getPath());
        } catch (M2vException expected) {
            return;
        }
        throw new AssertionError("no exception");
    }
}
