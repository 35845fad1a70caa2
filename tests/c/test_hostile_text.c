/*
** test_hostile_text.c -- text nobody should send, each with the exact
** expected error or result: invalid UTF-8 of every class (overlong forms,
** surrogates, truncated sequences, code points above U+10FFFF, lone
** continuation bytes, bytes that never occur), at every position class
** (start, inside the 8-byte ASCII fast path, after multibyte text, last
** byte), in batches (err->index names the first bad text, for 1 and 2
** threads) and in every text entry point; valid boundary code points; a
** 100 MB single text; a million empty strings; a 1 MB word; 1M combining
** marks; sizes whose product overflows size_t.
**
** The model is the fixture f32 (tests/fixtures/models/f32: BERT WordPiece,
** 286 tokens, 16 columns, max_length 512 by default).
*/
#include "m2v_test.h"

#if defined(__has_include)
#  if __has_include(<valgrind/valgrind.h>)
#    include <valgrind/valgrind.h>
#  endif
#endif
#ifndef RUNNING_ON_VALGRIND
#  define RUNNING_ON_VALGRIND 0
#endif
/* Sanitizer builds run the no-limit pass on 8 MB of the 100 MB text. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define SLOW_BUILD 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define SLOW_BUILD 1
#  endif
#endif
#ifndef SLOW_BUILD
#  define SLOW_BUILD 0
#endif

static m2v_model *model;
static size_t dim;

/* Encodes one text (explicit length) with max_length ml (M2V_DEFAULT...). */
static int enc1(const char *t, size_t len, int64_t ml, float *row, m2v_error *e)
{
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    o.max_length = ml;
    return m2v_encode(model, &t, &len, 1, &o, row, dim, e);
}

static bool is_zero(const float *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (r[i] != 0.0f || signbit(r[i])) return false;
    return true;
}

/* ---- invalid UTF-8 ------------------------------------------------------ */

typedef struct bad_seq {
    const char *cls;
    const char *bytes;
    size_t len;
} bad_seq;

#define B(cls, s) {cls, s, sizeof(s) - 1}
static const bad_seq bad[] = {
    B("overlong 2-byte '/'", "\xC0\xAF"),
    B("overlong 2-byte U+007F", "\xC1\xBF"),
    B("overlong 3-byte '/'", "\xE0\x80\xAF"),
    B("overlong 3-byte U+07FF", "\xE0\x9F\xBF"),
    B("overlong 4-byte '/'", "\xF0\x80\x80\xAF"),
    B("overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF"),
    B("surrogate U+D800", "\xED\xA0\x80"),
    B("surrogate U+DBFF", "\xED\xAF\xBF"),
    B("surrogate U+DC00", "\xED\xB0\x80"),
    B("surrogate U+DFFF", "\xED\xBF\xBF"),
    B("surrogate pair (CESU-8) U+1F600", "\xED\xA0\xBD\xED\xB8\x80"),
    B("truncated 2-byte", "\xC3"),
    B("truncated 3-byte (1 of 2)", "\xE4"),
    B("truncated 3-byte (2 of 3)", "\xE4\xBD"),
    B("truncated 4-byte (3 of 4)", "\xF0\x9F\x98"),
    B("truncated 3-byte then ASCII", "\xE4\xBDx"),
    B("truncated 4-byte then 2-byte", "\xF0\x9F\xC3\xA9"),
    B("U+110000", "\xF4\x90\x80\x80"),
    B("U+13FFFF", "\xF4\xBF\xBF\xBF"),
    B("lead 0xF5", "\xF5\x80\x80\x80"),
    B("lead 0xF7 (old 4-byte form)", "\xF7\xBF\xBF\xBF"),
    B("old 5-byte form", "\xF8\x88\x80\x80\x80"),
    B("old 6-byte form", "\xFC\x84\x80\x80\x80\x80"),
    B("lone continuation 0x80", "\x80"),
    B("lone continuation 0xBF", "\xBF"),
    B("two continuations", "\x80\x80"),
    B("continuation after complete 2-byte", "\xC3\xA9\xA9"),
    B("byte 0xFE", "\xFE"),
    B("byte 0xFF", "\xFF"),
    B("UTF-16 BOM bytes", "\xFF\xFE"),
};
#define NBAD (sizeof bad / sizeof bad[0])

/* Where the bad sequence goes: after these valid prefixes. For "continuation
** after complete 2-byte" the bad byte is 2 bytes in. */
static const char *const prefixes[] = {
    "", "a", "abcdefg", "abcdefgh", "abcdefghi",
    "caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80 ",
    "a long ASCII prefix that certainly takes the eight-byte fast path ... ",
};
#define NPRE (sizeof prefixes / sizeof prefixes[0])

static void test_invalid_utf8(void)
{
    float *out = malloc(4 * dim * sizeof *out);
    char text[256], want[64];
    m2v_error e;
    size_t cases = 0;
    for (size_t b = 0; b < NBAD; b++) {
        for (size_t p = 0; p < NPRE; p++) {
            for (int tail = 0; tail < 2; tail++) { /* bad sequence last, or not */
                size_t pl = strlen(prefixes[p]);
                memcpy(text, prefixes[p], pl);
                memcpy(text + pl, bad[b].bytes, bad[b].len);
                size_t len = pl + bad[b].len;
                if (tail) {
                    memcpy(text + len, " and more", 9);
                    len += 9;
                }
                size_t at = pl + (strncmp(bad[b].cls, "continuation after", 18) == 0 ? 2 : 0);
                snprintf(want, sizeof want, "at byte %zu", at);
                cases++;

                /* single text, each entry point */
                CHECK_RC(enc1(text, len, M2V_DEFAULT, out, &e), M2V_UTF8, &e);
                CHECK_MSG(strstr(e.message, want) != NULL, "%s after '%s': %s (want %s)",
                          bad[b].cls, prefixes[p], e.message, want);
                CHECK(e.index == 0);
                CHECK_RC(enc1(text, len, M2V_NONE, out, &e), M2V_UTF8, &e);
                size_t n = 99;
                int32_t ids[8];
                CHECK_RC(m2v_tokenize(model, text, len, NULL, ids, 8, &n, &e), M2V_UTF8, &e);
                CHECK(n == 0 && strstr(e.message, want));
                n = 99;
                CHECK_RC(m2v_encode_sequence(model, text, len, NULL, out, 4 * dim, &n, &e),
                         M2V_UTF8, &e);
                CHECK(n == 0 && strstr(e.message, want));

                /* in a batch: texts 0 and 1 valid, 2 and 3 bad -> index 2 */
                const char *texts[4] = {"hello", "world", text, text};
                size_t lens[4] = {5, 5, len, len};
                for (int th = 1; th <= 2; th++) {
                    m2v_encode_options o;
                    m2v_encode_options_init(&o);
                    o.num_threads = th;
                    CHECK_RC(m2v_encode(model, texts, lens, 4, &o, out, 4 * dim, &e),
                             M2V_UTF8, &e);
                    CHECK_MSG(e.index == 2, "%s: batch index %zu", bad[b].cls, e.index);
                    CHECK(strstr(e.message, want) != NULL);
                }
            }
        }
    }
    /* a cut never makes valid text invalid: a bad byte after the char cut
    ** is still reported, as the whole text is checked first */
    size_t big = 600 * 1024;
    char *t = malloc(big + 1);
    memset(t, 'a', big);
    t[big - 1] = ' ';
    t[big - 2] = (char)0x80;
    snprintf(want, sizeof want, "at byte %zu", big - 2);
    CHECK_RC(enc1(t, big, 8, out, &e), M2V_UTF8, &e);
    CHECK(strstr(e.message, want) != NULL);
    free(t);
    printf("invalid UTF-8: %zu classes x %zu positions x 2, every entry point: "
           "exact code, offset and batch index (%zu cases)\n", NBAD, NPRE, cases);
    free(out);
}

/* ---- valid boundary code points ---------------------------------------- */

static void test_valid_boundaries(void)
{
    static const char *const ok[] = {
        "\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBD", "\xEF\xBF\xBE", "\xEF\xBF\xBF", "\xEF\xBB\xBF", "\xF0\x90\x80\x80",
        "\xF4\x8F\xBF\xBF", "\xF3\xA0\x80\x81", "\xE2\x80\x8B\xE2\x80\x8D",
    };
    float row[64];
    m2v_error e;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        CHECK_RC(enc1(ok[i], strlen(ok[i]), M2V_DEFAULT, row, &e), M2V_OK, &e);
        for (size_t j = 0; j < dim; j++) CHECK(isfinite(row[j]));
    }
    /* NUL bytes inside a text with an explicit length are text, not an end:
    ** BertNormalizer's clean_text drops them, so "a\0b" is "ab" */
    float r2[64];
    CHECK_RC(enc1("a\0b", 3, M2V_DEFAULT, row, &e), M2V_OK, &e);
    CHECK_RC(enc1("ab", 2, M2V_DEFAULT, r2, &e), M2V_OK, &e);
    CHECK(memcmp(row, r2, dim * sizeof *row) == 0);
    /* M2V_NUL_TERMINATED stops at the NUL */
    const char *t = "a\0b";
    size_t len = M2V_NUL_TERMINATED;
    float r3[64];
    CHECK_RC(m2v_encode(model, &t, &len, 1, NULL, r3, dim, &e), M2V_OK, &e);
    CHECK_RC(enc1("a", 1, M2V_DEFAULT, r2, &e), M2V_OK, &e);
    CHECK(memcmp(r3, r2, dim * sizeof *r3) == 0);
    /* NULL text: length 0 is the empty text, anything else is misuse */
    const char *nul = NULL;
    size_t zero = 0, five = 5;
    CHECK_RC(m2v_encode(model, &nul, &zero, 1, NULL, row, dim, &e), M2V_OK, &e);
    CHECK(is_zero(row, dim));
    CHECK_RC(m2v_encode(model, &nul, &five, 1, NULL, row, dim, &e), M2V_MISUSE, &e);
    printf("valid boundary code points, NUL inside, NULL text: exact results\n");
}

/* ---- huge inputs ----------------------------------------------------------- */

static double secs(double t0) { return t_now() - t0; }

static void test_100mb_text(void)
{
    const size_t mb100 = (size_t)100 << 20;
    char *t = malloc(mb100);
    CHECK(t != NULL);
    if (!t) return;
    static const char pat[] = "the quick brown fox jumps over the lazy dog, it's 42! ";
    size_t pl = sizeof pat - 1;
    for (size_t i = 0; i < mb100; i += pl)
        memcpy(t + i, pat, mb100 - i < pl ? mb100 - i : pl);
    float *row = malloc(dim * sizeof *row), *ref = malloc(dim * sizeof *ref);
    m2v_error e;

    /* default max_length (512): only max_length * median_token_length code
    ** points are tokenized, so the row is exactly the row of that prefix */
    double t0 = t_now();
    CHECK_RC(enc1(t, mb100, M2V_DEFAULT, row, &e), M2V_OK, &e);
    double d1 = secs(t0);
    size_t cut = 512 * m2v_median_token_length(model);
    CHECK_RC(enc1(t, cut, M2V_DEFAULT, ref, &e), M2V_OK, &e);
    CHECK(memcmp(row, ref, dim * sizeof *row) == 0);
    CHECK(!is_zero(row, dim));
    /* a bad byte at the very end is still found */
    t[mb100 - 1] = (char)0xC3;
    CHECK_RC(enc1(t, mb100, M2V_DEFAULT, row, &e), M2V_UTF8, &e);
    char want[64];
    snprintf(want, sizeof want, "at byte %zu", mb100 - 1);
    CHECK(strstr(e.message, want) != NULL);
    t[mb100 - 1] = ' ';

    /* no max_length: every token of the whole text. Under valgrind and
    ** sanitizers 8 MB of it (the same code, 12x less time). */
    size_t full = RUNNING_ON_VALGRIND || SLOW_BUILD ? (size_t)8 << 20 : mb100;
    m2v_encode_options none;
    m2v_encode_options_init(&none);
    none.max_length = M2V_NONE;
    size_t per = 0;
    CHECK_RC(m2v_tokenize(model, pat, pl, &none, NULL, 0, &per, &e), M2V_TOOSMALL, &e);
    size_t reps = full / pl, cap = (reps + 1) * per;
    int32_t *ids = malloc(cap * sizeof *ids);
    t0 = t_now();
    size_t n = 0;
    CHECK_RC(m2v_tokenize(model, t, full, &none, ids, cap, &n, &e), M2V_OK, &e);
    /* the pattern's tokens, reps times, then those of the cut last copy */
    CHECK_MSG(n >= reps * per && n <= cap, "%zu tokens for %zu patterns of %zu", n, reps,
              per);
    CHECK_RC(enc1(t, full, M2V_NONE, row, &e), M2V_OK, &e);
    size_t offs[2] = {0, n};
    CHECK_RC(m2v_encode_ids(model, ids, offs, 1, &none, ref, dim, &e), M2V_OK, &e);
    CHECK(memcmp(row, ref, dim * sizeof *row) == 0);
    for (size_t j = 0; j < dim; j++) CHECK(isfinite(row[j]));
    double d2 = secs(t0);
    printf("100 MB text: default max_length %.3f s (== its %zu-char prefix); "
           "no limit, %zu MB: %zu tokens, tokenize+encode %.2f s\n",
           d1, cut, full >> 20, n, d2);
    free(ids);
    free(row);
    free(ref);
    free(t);
}

static void test_million_empty(void)
{
    const size_t n = 1000000;
    const char **texts = malloc(n * sizeof *texts);
    size_t *lens = malloc(n * sizeof *lens);
    size_t *offs = malloc((n + 1) * sizeof *offs);
    float *out = malloc(n * dim * sizeof *out);
    CHECK(texts && lens && offs && out);
    for (size_t i = 0; i < n; i++) {
        texts[i] = "";
        lens[i] = 0;
        offs[i] = 0;
    }
    offs[n] = 0;
    m2v_error e;
    double t0 = t_now();
    for (int pass = 0; pass < (RUNNING_ON_VALGRIND ? 1 : 4); pass++) {
        m2v_encode_options o;
        m2v_encode_options_init(&o);
        o.normalize = pass & 1;      /* 0 / (0 + 1e-32) is 0 */
        o.num_threads = pass < 2 ? 1 : 2;
        memset(out, 0xFF, n * dim * sizeof *out); /* NaN everywhere */
        CHECK_RC(m2v_encode(model, texts, pass == 3 ? NULL : lens, n, &o, out, n * dim, &e),
                 M2V_OK, &e);
        CHECK(is_zero(out, n * dim));
        memset(out, 0xFF, n * dim * sizeof *out);
        CHECK_RC(m2v_encode_ids(model, NULL, offs, n, &o, out, n * dim, &e), M2V_OK, &e);
        CHECK(is_zero(out, n * dim));
    }
    /* one row too few */
    CHECK_RC(m2v_encode(model, texts, lens, n, NULL, out, n * dim - 1, &e), M2V_TOOSMALL, &e);
    printf("a million empty strings: zero rows (normalize off/on, 1-2 threads, "
           "texts and ids), %.2f s\n", secs(t0));
    free(texts);
    free(lens);
    free(offs);
    free(out);
}

static void test_long_word_and_marks(void)
{
    m2v_error e;
    float *row = malloc(dim * sizeof *row), *ref = malloc(dim * sizeof *ref);
    /* a 1 MB word: WordPiece gives [UNK] for words over
    ** max_input_chars_per_word (100), and [UNK] is dropped: a zero row */
    size_t n = (size_t)1 << 20;
    char *t = malloc(4 * n + 2);
    memset(t, 'a', n);
    CHECK_RC(enc1(t, n, M2V_NONE, row, &e), M2V_OK, &e);
    CHECK(is_zero(row, dim));
    size_t ni = 0;
    int32_t id;
    m2v_encode_options none;
    m2v_encode_options_init(&none);
    none.max_length = M2V_NONE;
    CHECK_RC(m2v_tokenize(model, t, n, &none, &id, 1, &ni, &e), M2V_OK, &e);
    CHECK(ni == 0);
    /* 'a' and a million alternating combining marks (U+0301 ccc 230, U+0323
    ** ccc 220): canonical reordering must stay linear; BERT lowercasing
    ** strips accents, so this is the word "a" */
    t[0] = 'a';
    size_t k = 1, marks = RUNNING_ON_VALGRIND ? 100000 : 1000000;
    for (size_t i = 0; i < marks / 2; i++, k += 4) memcpy(t + k, "\xCC\x81\xCC\xA3", 4);
    double t0 = t_now();
    CHECK_RC(enc1(t, k, M2V_NONE, row, &e), M2V_OK, &e);
    double d = secs(t0);
    CHECK_RC(enc1("a", 1, M2V_NONE, ref, &e), M2V_OK, &e);
    CHECK(memcmp(row, ref, dim * sizeof *row) == 0);
    CHECK_MSG(RUNNING_ON_VALGRIND || d < 5.0, "%zu combining marks took %.2f s", marks, d);
    printf("1 MB word: zero row; 'a' + %zu combining marks == 'a' (%.3f s)\n", marks, d);
    free(t);
    free(row);
    free(ref);
}

static void test_size_overflow(void)
{
    m2v_error e;
    float row[64];
    const char *texts[1] = {"x"};
    size_t offs[2] = {0, 0};
    /* n_texts * dim does not fit in size_t: TOOSMALL before any text is
    ** read (texts has 1 element) */
    size_t huge = SIZE_MAX / dim + 1;
    CHECK_RC(m2v_encode(model, texts, NULL, huge, NULL, row, 64, &e), M2V_TOOSMALL, &e);
    CHECK_RC(m2v_encode(model, texts, NULL, SIZE_MAX, NULL, row, SIZE_MAX, &e), M2V_TOOSMALL,
             &e);
    CHECK_RC(m2v_encode_ids(model, NULL, offs, huge, NULL, row, 64, &e), M2V_TOOSMALL, &e);
    /* max_length * median_token_length beyond size_t: no cut, not a wrap */
    m2v_encode_options o;
    m2v_encode_options_init(&o);
    o.max_length = INT64_MAX;
    float a[64], b[64];
    const char *t = "hello world";
    size_t len = 11;
    CHECK_RC(m2v_encode(model, &t, &len, 1, &o, a, dim, &e), M2V_OK, &e);
    CHECK_RC(enc1(t, len, M2V_NONE, b, &e), M2V_OK, &e);
    CHECK(memcmp(a, b, dim * sizeof *a) == 0);
    /* max_length 0: nothing is kept */
    CHECK_RC(enc1(t, len, 0, a, &e), M2V_OK, &e);
    CHECK(is_zero(a, dim));
    printf("size overflow: n_texts * dim and max_length * median checked\n");
}

int main(void)
{
    char dir[4096];
    m2v_error e;
    snprintf(dir, sizeof dir, "%s/models/f32", t_fixtures());
    CHECK_RC(m2v_load(dir, NULL, &model, &e), M2V_OK, &e);
    if (!model) return t_done("test_hostile_text");
    dim = m2v_dim(model);
    CHECK(dim == 16 && m2v_max_length(model) == 512);
    test_invalid_utf8();
    test_valid_boundaries();
    test_size_overflow();
    test_long_word_and_marks();
    test_million_empty();
    test_100mb_text();
    m2v_free(model);
    return t_done("test_hostile_text");
}
