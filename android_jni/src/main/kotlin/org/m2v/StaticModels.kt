@file:JvmName("StaticModels")

package org.m2v

import kotlin.math.sqrt

/**
 * Kotlin helpers for [StaticModel]. The model itself is already idiomatic Kotlin:
 *
 * ```kotlin
 * StaticModel.load(dir).use { model ->
 *     val v: FloatArray = model.encode("a text")
 *     val vs: List<FloatArray> = model.encode(listOf("one", "two"))
 * }
 * ```
 */

/** Loads the model in [modelDir], with options set in [configure] (`{ normalize(true) }`). */
fun loadStaticModel(modelDir: String, configure: StaticModel.Options.() -> Unit = {}): StaticModel =
    StaticModel.load(modelDir, StaticModel.Options().apply(configure))

/** Encodes each text; one [FloatArray] of [StaticModel.dim] floats per text, in order. */
fun StaticModel.encode(texts: Collection<String>): List<FloatArray> =
    encode(texts.toTypedArray()).asList()

/** Encodes the texts into one row-major array of `texts.size * dim()` floats. */
fun StaticModel.encodeFlat(texts: Collection<String>): FloatArray {
    val array = texts.toTypedArray()
    val size = array.size.toLong() * dim()
    require(size <= Int.MAX_VALUE) { "${array.size} texts x ${dim()} floats do not fit in one array" }
    val out = FloatArray(size.toInt())
    encode(array, out, 0)
    return out
}

/** Encodes a (possibly huge) sequence lazily in batches of [batchSize] texts. */
fun StaticModel.encodeBatched(texts: Sequence<String>, batchSize: Int = 1024): Sequence<FloatArray> {
    require(batchSize > 0) { "batchSize must be > 0: $batchSize" }
    return texts.chunked(batchSize).flatMap { encode(it).asSequence() }
}

/** Dot product of two vectors of the same length. */
infix fun FloatArray.dot(other: FloatArray): Float {
    require(size == other.size) { "vectors differ in length: $size vs ${other.size}" }
    var sum = 0.0
    for (i in indices) sum += this[i].toDouble() * other[i].toDouble()
    return sum.toFloat()
}

/** Cosine similarity (0 if either vector is zero). */
fun FloatArray.cosine(other: FloatArray): Float {
    val norms = sqrt((this dot this).toDouble()) * sqrt((other dot other).toDouble())
    return if (norms == 0.0) 0f else ((this dot other) / norms).toFloat()
}
