package org.m2v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** close(): idempotent, use after close throws, close during encode never crashes. */
class LifetimeTest {
    @TempDir
    static Path tmp;
    static String dir;

    @BeforeAll
    static void write() throws Exception {
        dir = TinyModel.write(tmp.resolve("tiny"));
    }

    @Test
    void closeIsIdempotent() {
        StaticModel m = StaticModel.load(dir);
        assertFalse(m.isClosed());
        m.close();
        assertTrue(m.isClosed());
        assertTrue(m.isFreed());
        m.close();
        m.close();
        assertTrue(m.isFreed());
    }

    @Test
    void useAfterCloseThrows() {
        StaticModel m = StaticModel.load(dir);
        m.close();
        assertThrows(IllegalStateException.class, () -> m.encode("hello"));
        assertThrows(IllegalStateException.class, () -> m.encode(new String[] {"hello"}));
        assertThrows(IllegalStateException.class,
                () -> m.encode(new String[] {"hello"}, new float[TinyModel.DIM], 0));
        assertThrows(IllegalStateException.class, () -> m.encode(new String[] {"hello"},
                ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).asFloatBuffer()));
        assertThrows(IllegalStateException.class, () -> m.tokenize("hello"));
        assertThrows(IllegalStateException.class, () -> m.encodeAsSequence("hello"));
        assertThrows(IllegalStateException.class, () -> m.token(2));
        assertThrows(IllegalStateException.class, m::vocabSize);
        assertThrows(IllegalStateException.class, m::normalize);
        assertThrows(IllegalStateException.class, m::maxLength);
        assertEquals(TinyModel.DIM, m.dim()); // a plain Java value, still answers
        // argument errors still come first, as documented
        assertThrows(NullPointerException.class, () -> m.encode((String) null));
    }

    @Test
    void tryWithResourcesCloses() {
        StaticModel kept;
        try (StaticModel m = StaticModel.load(dir)) {
            kept = m;
            assertEquals(TinyModel.DIM, m.encode("hello").length);
        }
        assertTrue(kept.isFreed());
    }

    /*
     * Threads encode in a loop while another closes the model. Every call either completes
     * with the right result or throws IllegalStateException; the native model is freed exactly
     * when the last running call returns; the VM does not crash.
     */
    @Test
    void closeDuringEncode() throws Exception {
        String[] batch = new String[2000];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = i % 3 == 0 ? "hello worlds \uD83D\uDE00" : "a x hello " + i;
        }
        StaticModel reference = StaticModel.load(dir);
        float[][] expected = reference.encode(batch);
        reference.close();

        for (int round = 0; round < 20; round++) {
            StaticModel m = StaticModel.load(dir, new StaticModel.Options().threads(round % 2 + 1));
            int nThreads = 4;
            CountDownLatch started = new CountDownLatch(nThreads);
            AtomicInteger completed = new AtomicInteger();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < nThreads; t++) {
                final int id = t;
                Thread th = new Thread(() -> {
                    started.countDown();
                    try {
                        for (;;) {
                            if (id % 2 == 0) {
                                float[][] got = m.encode(batch);
                                for (int i = 0; i < got.length; i += 97) {
                                    assertArrayEquals(expected[i], got[i], 0f);
                                }
                            } else {
                                assertArrayEquals(expected[0], m.encode(batch[0]), 0f);
                                m.tokenize(batch[1]);
                            }
                            completed.incrementAndGet();
                        }
                    } catch (IllegalStateException closed) {
                        // expected once close() ran
                    } catch (Throwable other) {
                        unexpected.compareAndSet(null, other);
                    }
                });
                threads.add(th);
                th.start();
            }
            started.await();
            Thread.sleep(round % 5);
            m.close();
            m.close(); // again, concurrently with running calls
            for (Thread th : threads) {
                th.join(60_000);
                assertFalse(th.isAlive(), "a worker did not stop after close()");
            }
            if (unexpected.get() != null) {
                throw new AssertionError("unexpected failure in round " + round, unexpected.get());
            }
            assertTrue(m.isFreed(), "native model not freed after the last call returned");
            assertThrows(IllegalStateException.class, () -> m.encode("hello"));
        }
    }
}
