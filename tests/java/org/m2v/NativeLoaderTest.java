package org.m2v;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeLoaderTest {
    @Test
    void loadsAndReportsVersion() {
        assertEquals("0.1.0", StaticModel.version());
        assertTrue(NativeLoader.isLoaded());
    }

    @Test
    void libraryIsPackedForThisPlatform() {
        String resource = "/" + NativeLoader.osName() + "/" + NativeLoader.archName() + "/"
                + System.mapLibraryName(NativeLoader.LIBRARY_NAME);
        assertNotNull(NativeLoader.class.getResource(resource), resource + " not on the class path");
    }

    @Test
    void platformNames() {
        String arch = NativeLoader.archName();
        String osArch = System.getProperty("os.arch");
        if (osArch.equals("amd64") || osArch.equals("x86_64")) {
            assertEquals("x86_64", arch);
        }
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertEquals("linux", NativeLoader.osName());
        }
    }
}
