/*
** test_safetensors.c -- the safetensors header parser and file helpers:
** every dtype, metadata, zero-size tensors, unaligned buffers, and the
** checks that keep reads inside the data area.
*/
#include "m2v_test.h"

#include <unistd.h>

static unsigned char *make(const char *header, size_t data_len, size_t pad_front,
                           size_t *len)
{
    size_t hl = strlen(header);
    *len = 8 + hl + data_len;
    unsigned char *b = calloc(1, pad_front + *len);
    unsigned char *p = b + pad_front;
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(p + 8, header, hl);
    for (size_t i = 0; i < data_len; i++) p[8 + hl + i] = (unsigned char)i;
    return b;
}

static void valid(void)
{
    const char *h =
        "{\"__metadata__\":{\"format\":\"pt\"},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[24,30]},"
        "\"c\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[30,32]},"
        "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[32,40]},"
        "\"e\":{\"dtype\":\"I8\",\"shape\":[5],\"data_offsets\":[40,45]},"
        "\"f\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[45,49]},"
        "\"g\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[49,57]},"
        "\"h\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[57,60]},"
        "\"z\":{\"dtype\":\"F32\",\"shape\":[0,7],\"data_offsets\":[60,60]},"
        "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[60,64]},"
        "\"f4\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[64,66]}}   ";
    for (size_t pad = 0; pad < 4; pad++) { /* any alignment */
        size_t len;
        unsigned char *b = make(h, 66, pad, &len);
        m2v_st st;
        m2v_error err;
        CHECK_RC(m2v_st_parse(b + pad, len, "x.safetensors", &st, &err), M2V_OK, &err);
        if (err.code == M2V_OK) {
            CHECK(st.n == 11);
            const m2v_st_tensor *t = m2v_st_find(&st, "a");
            CHECK(t && t->dtype == M2V_DTYPE_F32 && t->ndim == 2 && t->shape[0] == 2 &&
                  t->shape[1] == 3 && t->count == 6 && t->begin == 0 && t->end == 24);
            CHECK(t && t->data == st.data && st.data == b + pad + 8 + strlen(h));
            t = m2v_st_find(&st, "e");
            CHECK(t && t->dtype == M2V_DTYPE_I8 && t->data[0] == 40);
            t = m2v_st_find(&st, "h");
            CHECK(t && t->dtype == 0 && strcmp(t->dtype_name, "U8") == 0);
            t = m2v_st_find(&st, "z");
            CHECK(t && t->count == 0);
            t = m2v_st_find(&st, "s");
            CHECK(t && t->ndim == 0 && t->count == 1);
            CHECK(m2v_st_find(&st, "__metadata__") == NULL);
            CHECK(m2v_st_find(&st, "nope") == NULL);
            CHECK(st.data_size == 66);
        }
        m2v_st_free(&st);
        free(b);
    }
    CHECK(m2v_dtype_size(M2V_DTYPE_F32) == 4 && m2v_dtype_size(M2V_DTYPE_BF16) == 2);
    CHECK(m2v_dtype_size(M2V_DTYPE_I64) == 8 && m2v_dtype_size(M2V_DTYPE_I8) == 1);
    CHECK(m2v_dtype_size(99) == 0);
    CHECK(strcmp(m2v_dtype_name(M2V_DTYPE_BF16), "bfloat16") == 0);
    CHECK(strcmp(m2v_dtype_name(42), "unknown") == 0);
}

static void invalid(void)
{
    static const struct {
        const char *h;
        size_t data;
        int want;
        const char *sub;
    } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 7, M2V_FORMAT, "past the end"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,7]}}", 7, M2V_FORMAT, "do not match"},
        {"{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2, M2V_FORMAT, "do not match"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, M2V_FORMAT, "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, M2V_FORMAT, "unused"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, M2V_FORMAT, "cover 4 of the 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1},\"a\":{}}", 4, M2V_FORMAT, "twice"},
        {"{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, M2V_UNSUPPORTED, "'f32'"},
        {"{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, M2V_FORMAT, "dtype"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", 4, M2V_FORMAT, "shape"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, M2V_FORMAT, "data_offsets"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e400]}}", 4, M2V_FORMAT, "data_offsets"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, M2V_FORMAT, "data_offsets"},
        {"{\"__metadata__\":[],\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, M2V_FORMAT, "__metadata__"},
        {"{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, M2V_FORMAT, "NUL"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807,9223372036854775807],\"data_offsets\":[0,4]}}", 4, M2V_FORMAT, "overflow"},
        {"", 4, M2V_FORMAT, "start with"},
        {" {}", 0, M2V_FORMAT, "start with"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len;
        unsigned char *b = make(cases[k].h, cases[k].data, 0, &len);
        m2v_st st;
        m2v_error err;
        int rc = m2v_st_parse(b, len, "y.safetensors", &st, &err);
        CHECK_MSG(rc == cases[k].want, "case %zu: rc %d: %s", k, rc, err.message);
        CHECK_MSG(strstr(err.message, cases[k].sub) && strstr(err.message, "y.safetensors"),
                  "case %zu: %s", k, err.message);
        CHECK(st.tensors == NULL && st.n == 0);
        free(b);
    }
}

static void files(void)
{
    m2v_map map;
    m2v_error err;
    CHECK_RC(m2v_map_file("/nonexistent/m2v/x", &map, &err), M2V_IO, &err);
    CHECK(strstr(err.message, "/nonexistent/m2v/x: cannot open") != NULL);
    CHECK(map.addr == NULL && map.size == 0);
    CHECK_RC(m2v_map_file("/tmp", &map, &err), M2V_IO, &err);
    char path[] = "/tmp/m2v_st_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello", 5) == 5);
    close(fd);
    CHECK_RC(m2v_map_file(path, &map, &err), M2V_OK, &err);
    CHECK(map.size == 5 && map.addr && memcmp(map.addr, "hello", 5) == 0);
    m2v_unmap(&map);
    CHECK(map.addr == NULL);
    m2v_unmap(&map); /* twice is harmless */
    char *text;
    size_t len;
    CHECK_RC(m2v_read_file(path, 100, &text, &len, &err), M2V_OK, &err);
    CHECK(len == 5 && strcmp(text, "hello") == 0);
    free(text);
    CHECK_RC(m2v_read_file(path, 4, &text, &len, &err), M2V_LIMIT, &err);
    CHECK(text == NULL);
    unlink(path);
    CHECK_RC(m2v_read_file(path, 100, &text, &len, &err), M2V_IO, &err);
    /* an empty file maps to nothing and parses as too short */
    strcpy(path, "/tmp/m2v_st_XXXXXX");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_RC(m2v_map_file(path, &map, &err), M2V_OK, &err);
    CHECK(map.addr == NULL && map.size == 0);
    m2v_st st;
    CHECK_RC(m2v_st_parse(map.addr, map.size, path, &st, &err), M2V_FORMAT, &err);
    unlink(path);
}

int main(void)
{
    valid();
    invalid();
    files();
    return t_done("test_safetensors");
}
