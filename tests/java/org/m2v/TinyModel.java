package org.m2v;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny Model2Vec model the tests write themselves (no shared data needed): a BERT-style
 * WordPiece tokenizer.json with 13 tokens, a 13 x 4 float32 table, and config.json. The expected
 * vectors are computed here by hand with model2vec's rules; tests/java/check_tiny_model.py
 * checks them against model2vec 0.10.0 on a Python-built copy of this model.
 */
final class TinyModel {
    static final String[] VOCAB = {
        "[PAD]", "[UNK]", "a", "##b", "hello", "world", "##s",
        "\uD83D\uDE00" /* U+1F600 grinning face */, "\uD834\uDD1E" /* U+1D11E G clef */,
        "\u65E5" /* 日 */, "\u672C" /* 本 */, "!", "x",
    };
    static final int DIM = 4;
    static final int UNK = 1;

    private TinyModel() {
    }

    /** Row id of the table: distinct, exactly representable values. */
    static float[] row(int id) {
        return new float[] {id, -id, id * 0.5f, 1f + id * 0.25f};
    }

    /** model2vec's encode for a list of token ids (unk already dropped): mean, then norm. */
    static float[] expected(boolean normalize, int... ids) {
        float[] out = new float[DIM];
        if (ids.length == 0) {
            return out;
        }
        for (int id : ids) {
            float[] r = row(id);
            for (int j = 0; j < DIM; j++) {
                out[j] += r[j];
            }
        }
        for (int j = 0; j < DIM; j++) {
            out[j] /= ids.length;
        }
        if (normalize) {
            double sq = 0;
            for (float v : out) {
                sq += (double) v * v;
            }
            float norm = (float) Math.sqrt(sq);
            for (int j = 0; j < DIM; j++) {
                out[j] = (float) (out[j] / (norm + 1e-32));
            }
        }
        return out;
    }

    /** Writes the model into dir (created) and returns dir as a string. */
    static String write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("tokenizer.json"), tokenizerJson().getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("config.json"),
                "{\"model_type\": \"model2vec\", \"normalize\": false}".getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("model.safetensors"), safetensors());
        return dir.toString();
    }

    static byte[] safetensors() {
        int n = VOCAB.length;
        String header = "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[" + n + "," + DIM
                + "],\"data_offsets\":[0," + (n * DIM * 4) + "]}}";
        while (header.length() % 8 != 0) {
            header += " ";
        }
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + n * DIM * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 0; i < n; i++) {
            for (float v : row(i)) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    static String tokenizerJson() {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < VOCAB.length; i++) {
            vocab.append(i == 0 ? "" : ", ").append('"').append(VOCAB[i]).append("\": ").append(i);
        }
        List<String> added = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            added.add("{\"id\": " + i + ", \"content\": \"" + VOCAB[i] + "\", \"single_word\": false,"
                    + " \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}");
        }
        return "{\n"
                + "  \"version\": \"1.0\",\n"
                + "  \"truncation\": null,\n"
                + "  \"padding\": null,\n"
                + "  \"added_tokens\": [" + String.join(", ", added) + "],\n"
                + "  \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true,"
                + " \"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": true},\n"
                + "  \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},\n"
                + "  \"post_processor\": null,\n"
                + "  \"decoder\": null,\n"
                + "  \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\","
                + " \"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 100,"
                + " \"vocab\": {" + vocab + "}}\n"
                + "}\n";
    }
}
