/* A program using an installed m2v: only <m2v.h> and the library.
**
**   consumer MODEL_DIR "text"
**
** Checks that the header and the linked library agree on the version,
** loads MODEL_DIR with m2v's native tokenizer, tokenizes and encodes the
** text, checks the vector (dimension, L2 norm 1 for a normalizing model)
** and prints:
**   version <M2V_VERSION_STRING>
**   dim <n>
**   ids <id> <id> ...
**   vector <first 8 values, %.6f>
** Exit status 0 when every check passed, 1 otherwise. */
#include <m2v.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc, const m2v_error *err) {
    fprintf(stderr, "consumer: %s: %s (%s)\n", what, m2v_errstr(rc),
            err != NULL ? err->message : "");
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: consumer MODEL_DIR TEXT\n");
        return 2;
    }
    if (m2v_version_number() != M2V_VERSION_NUMBER ||
        strcmp(m2v_version(), M2V_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: header %s but library %s\n", M2V_VERSION_STRING,
                m2v_version());
        return 1;
    }
    if (!(m2v_features() & M2V_FEATURE_NATIVE_TOKENIZER)) {
        fprintf(stderr, "consumer: library built without the native tokenizer\n");
        return 1;
    }

    m2v_error err;
    m2v_model *model = NULL;
    int rc = m2v_load(argv[1], NULL, &model, &err);
    if (rc != M2V_OK)
        return fail("m2v_load", rc, &err);

    const char *text = argv[2];
    size_t len = strlen(text);
    int32_t ids[512];
    size_t n_ids = 0;
    rc = m2v_tokenize(model, text, len, NULL, ids, 512, &n_ids, &err);
    if (rc != M2V_OK) {
        m2v_free(model);
        return fail("m2v_tokenize", rc, &err);
    }

    size_t dim = m2v_dim(model);
    float *vec = malloc(dim * sizeof *vec);
    if (vec == NULL) {
        m2v_free(model);
        fprintf(stderr, "consumer: out of memory\n");
        return 1;
    }
    rc = m2v_encode(model, &text, &len, 1, NULL, vec, dim, &err);
    if (rc != M2V_OK) {
        free(vec);
        m2v_free(model);
        return fail("m2v_encode", rc, &err);
    }

    double norm = 0.0;
    for (size_t i = 0; i < dim; i++)
        norm += (double)vec[i] * (double)vec[i];
    norm = sqrt(norm);
    int ok = dim > 0 && n_ids > 0 && (!m2v_normalize(model) || fabs(norm - 1.0) < 1e-5);

    printf("version %s\ndim %zu\nids", m2v_version(), dim);
    for (size_t i = 0; i < n_ids; i++)
        printf(" %ld", (long)ids[i]);
    printf("\nvector");
    for (size_t i = 0; i < dim && i < 8; i++)
        printf(" %.6f", (double)vec[i]);
    printf("\n");

    free(vec);
    m2v_free(model);
    m2v_free(NULL); /* documented no-op */
    if (!ok)
        fprintf(stderr, "consumer: bad result (dim %zu, %zu ids, norm %f)\n", dim, n_ids, norm);
    return ok ? 0 : 1;
}
