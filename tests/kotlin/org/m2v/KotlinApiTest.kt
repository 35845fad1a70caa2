package org.m2v

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.m2v.sample.search
import java.nio.file.Path

/** The Kotlin face of the API: use {}, FloatArray, lists, the options DSL, the sample. */
class KotlinApiTest {
    @TempDir
    lateinit var tmp: Path

    private fun tiny(): String = TinyModel.write(tmp.resolve("tiny"))

    @Test
    fun useClosesTheModel() {
        val dir = tiny()
        val kept: StaticModel
        val v: FloatArray = StaticModel.load(dir).use {
            kept = it
            it.encode("hello worlds")
        }
        assertArrayEquals(TinyModel.expected(false, 4, 5, 6), v, 1e-6f)
        assertTrue(kept.isClosed)
        assertThrows(IllegalStateException::class.java) { kept.encode("hello") }
    }

    @Test
    fun listsAndFlatArrays() {
        StaticModel.load(tiny()).use { model ->
            val texts = listOf("hello worlds", "\uD83D\uDE00 \uD834\uDD1E", "a\u0000b", "")
            val rows: List<FloatArray> = model.encode(texts)
            assertEquals(texts.size, rows.size)
            assertArrayEquals(TinyModel.expected(false, 7, 8), rows[1], 1e-6f)
            assertArrayEquals(TinyModel.expected(false, 2, 3), rows[2], 1e-6f)
            assertArrayEquals(FloatArray(model.dim()), rows[3], 0f)
            val flat = model.encodeFlat(texts)
            assertEquals(texts.size * model.dim(), flat.size)
            rows.forEachIndexed { i, row ->
                assertArrayEquals(row, flat.copyOfRange(i * model.dim(), (i + 1) * model.dim()), 0f)
            }
            val lazy = model.encodeBatched(generateSequence(0) { it + 1 }.take(2500).map { "hello $it" }, 1000)
            assertEquals(2500, lazy.count())
            assertArrayEquals(model.encode("hello"), lazy.first(), 0f)
            assertThrows(IllegalArgumentException::class.java) { model.encodeBatched(emptySequence(), 0) }
        }
    }

    @Test
    fun optionsDsl() {
        loadStaticModel(tiny()) {
            normalize(true)
            maxLength(128)
            threads(2)
        }.use { model ->
            assertTrue(model.normalize())
            assertEquals(128, model.maxLength())
            assertEquals(2, model.threads())
            assertArrayEquals(TinyModel.expected(true, 4, 5, 6), model.encode("hello worlds"), 1e-6f)
        }
    }

    @Test
    fun vectorMath() {
        val a = floatArrayOf(1f, 0f)
        val b = floatArrayOf(0f, 2f)
        assertEquals(0f, a dot b)
        assertEquals(1f, a.cosine(a), 1e-6f)
        assertEquals(0f, a.cosine(FloatArray(2)))
        assertThrows(IllegalArgumentException::class.java) { a dot FloatArray(3) }
    }

    @Test
    fun errorsAreExceptions() {
        val e = assertThrows(M2vException::class.java) { StaticModel.load(tmp.resolve("missing").toString()) }
        assertEquals(M2vException.IO, e.code)
        assertTrue(e.message!!.contains("missing"))
    }

    @Test
    fun sampleSearchRanksTheMatch() {
        val ranked = search(tiny(), "hello", listOf("zzz", "hello worlds", "\u65E5\u672C"))
        assertEquals("hello worlds", ranked.first().first)
        assertEquals(3, ranked.size)
    }

    @Test
    fun sampleSearchOnARealModel() {
        val dir = TestData.sharedModel("m2v-base-f32")
        val ranked = search(dir, "How do I cook pasta?", listOf(
            "The stock market fell sharply today.",
            "Boil water, add salt, then the spaghetti for nine minutes.",
            "Quantum computers use qubits.",
        ))
        assertEquals("Boil water, add salt, then the spaghetti for nine minutes.", ranked.first().first)
    }
}
