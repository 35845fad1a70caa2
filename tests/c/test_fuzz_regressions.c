/*
** test_fuzz_regressions.c -- replays the fuzz targets' seed corpora
** (fuzz/seeds/<target>/) and every input that once made a target fail
** (fuzz/regressions/<target>/) through the same target code, in the normal
** ctest builds (Release, ASan + UBSan, valgrind). A fixed bug stays fixed.
**
** The six targets are compiled into this one program with their libFuzzer
** entry points renamed. Usage: test_fuzz_regressions [FILE...] replays the
** given files through every target (to triage a new crash).
*/
#define _POSIX_C_SOURCE 200809L

#define FUZZ_ENTRY fuzz_json_one
#include "../../fuzz/fuzz_json.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_safetensors_one
#include "../../fuzz/fuzz_safetensors.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_utf8_one
#include "../../fuzz/fuzz_utf8.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_load_one
#include "../../fuzz/fuzz_load.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_encode_one
#include "../../fuzz/fuzz_encode.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_tokenizer_one
#include "../../fuzz/fuzz_tokenizer.c"
#undef FUZZ_ENTRY

#include <dirent.h>

typedef int (*entry_fn)(const uint8_t *, size_t);

static const struct {
    const char *name;
    entry_fn fn;
} targets[] = {
    {"fuzz_json", fuzz_json_one},     {"fuzz_safetensors", fuzz_safetensors_one},
    {"fuzz_utf8", fuzz_utf8_one},     {"fuzz_load", fuzz_load_one},
    {"fuzz_encode", fuzz_encode_one}, {"fuzz_tokenizer", fuzz_tokenizer_one},
};
#define NTARGETS (sizeof targets / sizeof targets[0])

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every file of dir through fn (sorted, so runs are repeatable).
** Returns the number of files, or -1 if dir cannot be read. */
static long replay_dir(const char *dir, entry_fn fn)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "README.md") == 0) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **g = realloc(names, cap * sizeof *g);
            if (!g) abort();
            names = g;
        }
        size_t l = strlen(dir) + strlen(de->d_name) + 2;
        names[n] = malloc(l);
        if (!names[n]) abort();
        snprintf(names[n], l, "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *buf = fuzz_read_file(names[i], &len);
        if (!buf) {
            fprintf(stderr, "cannot read %s\n", names[i]);
            abort();
        }
        fprintf(stderr, "replay %s\n", names[i]);
        fn((const uint8_t *)buf, len);
        free(buf);
        free(names[i]);
    }
    free(names);
    return (long)n;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* triage: every file through every target */
        for (int a = 1; a < argc; a++) {
            size_t len = 0;
            char *buf = fuzz_read_file(argv[a], &len);
            if (!buf) {
                fprintf(stderr, "cannot read %s\n", argv[a]);
                return 1;
            }
            for (size_t t = 0; t < NTARGETS; t++) {
                fprintf(stderr, "%s through %s\n", argv[a], targets[t].name);
                targets[t].fn((const uint8_t *)buf, len);
            }
            free(buf);
        }
        fe_cleanup();
        printf("1 passed, 0 failed\n");
        return 0;
    }
    long seeds = 0, regressions = 0;
    for (size_t t = 0; t < NTARGETS; t++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/fuzz/seeds/%s", M2V_SOURCE_DIR, targets[t].name);
        long n = replay_dir(dir, targets[t].fn);
        if (n <= 0) {
            fprintf(stderr, "FAIL: no seeds in %s (run fuzz/make_seeds.py)\n", dir);
            return 1;
        }
        seeds += n;
        long ns = n;
        snprintf(dir, sizeof dir, "%s/fuzz/regressions/%s", M2V_SOURCE_DIR,
                 targets[t].name);
        n = replay_dir(dir, targets[t].fn);
        if (n > 0) regressions += n;
        printf("%s: %ld seeds, %ld regression inputs replayed\n", targets[t].name,
               ns, n > 0 ? n : 0);
    }
    fe_cleanup();
    printf("fuzz replay: %ld seeds and %ld regression inputs, all passed\n", seeds,
           regressions);
    return 0;
}
