/*
** encode.c -- print the vector of a sentence, with no Python.
**
**   encode MODEL_DIR [SENTENCE...]
**
** Loads the Model2Vec model in MODEL_DIR (any layout model2vec 0.10.0
** loads) with m2v's native tokenizer and prints, one line per sentence, the
** sentence's vector as space-separated floats, exactly what
** model2vec.StaticModel.from_pretrained(MODEL_DIR).encode(sentence) gives.
** Without SENTENCE arguments, every line of standard input is a sentence.
**
** Build: see examples/CMakeLists.txt, or
**   cc -O2 examples/encode.c -Iinclude -Lbuild -lm2v -o encode
*/
#include "m2v.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_vector(const m2v_model *model, const char *text, size_t len,
                        float *vec, size_t dim)
{
    m2v_error err;
    size_t lens[1] = {len};
    int rc = m2v_encode(model, &text, lens, 1, NULL, vec, dim, &err);
    if (rc != M2V_OK) {
        fprintf(stderr, "encode: %s: %s\n", m2v_errstr(rc), err.message);
        return 1;
    }
    for (size_t i = 0; i < dim; i++) printf(i ? " %.9g" : "%.9g", vec[i]);
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_DIR [SENTENCE...]\n", argv[0]);
        return 2;
    }
    m2v_model *model = NULL;
    m2v_error err;
    int rc = m2v_load(argv[1], NULL, &model, &err);
    if (rc != M2V_OK) {
        fprintf(stderr, "encode: cannot load %s: %s: %s\n", argv[1],
                m2v_errstr(rc), err.message);
        return 1;
    }
    size_t dim = m2v_dim(model);
    float *vec = malloc(dim * sizeof *vec);
    if (!vec) {
        m2v_free(model);
        return 1;
    }
    fprintf(stderr, "encode: %s: dim %zu, tokenizer %s\n", argv[1], dim,
            m2v_tokenizer_kind(model));

    int status = 0;
    if (argc > 2) {
        for (int i = 2; i < argc && status == 0; i++)
            status = print_vector(model, argv[i], strlen(argv[i]), vec, dim);
    } else {
        size_t cap = 4096, len = 0;
        char *line = malloc(cap);
        int c;
        while (line && status == 0) {
            len = 0;
            while ((c = getchar()) != EOF && c != '\n') {
                if (len + 1 == cap) {
                    char *p = realloc(line, cap * 2);
                    if (!p) {
                        status = 1;
                        break;
                    }
                    line = p;
                    cap *= 2;
                }
                line[len++] = (char)c;
            }
            if (c == EOF && len == 0) break;
            if (status == 0) status = print_vector(model, line, len, vec, dim);
            if (c == EOF) break;
        }
        free(line);
    }
    free(vec);
    m2v_free(model);
    return status;
}
