package org.m2v.sample

import org.m2v.StaticModel
import org.m2v.cosine
import org.m2v.encode

/**
 * Sample: rank documents by similarity to a query.
 *
 *     kotlin -cp m2v.jar:. org.m2v.sample.SemanticSearchKt <model-dir> "query" doc1 doc2 ...
 *
 * Compiled and run by the Kotlin tests (SampleTest), so it cannot rot.
 */
fun search(modelDir: String, query: String, docs: List<String>): List<Pair<String, Float>> =
    StaticModel.load(modelDir).use { model ->
        val q = model.encode(query)
        docs.zip(model.encode(docs)) { doc, v -> doc to q.cosine(v) }
            .sortedByDescending { it.second }
    }

fun main(args: Array<String>) {
    require(args.size >= 3) { "usage: SemanticSearch <model-dir> <query> <doc>..." }
    for ((doc, score) in search(args[0], args[1], args.drop(2))) {
        println("%.4f  %s".format(score, doc))
    }
}
