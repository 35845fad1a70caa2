/* A program built against an installed m2v (CMake package and pkg-config):
** scripts/test-c.sh installs the library to a temporary prefix and builds
** this with both. Usage: consumer <model folder> -> prints "ok <version>". */
#include <m2v.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (m2v_version_number() != M2V_VERSION_NUMBER) return 2;
    if (argc < 2) return 2;
    m2v_model *m = NULL;
    m2v_error err;
    if (m2v_load(argv[1], NULL, &m, &err) != M2V_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const char *text = "hello world";
    float v[4096];
    if (m2v_dim(m) > 4096 || m2v_encode(m, &text, NULL, 1, NULL, v, 4096, &err) != M2V_OK) {
        fprintf(stderr, "%s\n", err.message);
        m2v_free(m);
        return 1;
    }
    printf("ok %s\n", m2v_version());
    m2v_free(m);
    return 0;
}
