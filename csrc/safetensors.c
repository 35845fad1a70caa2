/*
** safetensors.c -- map model.safetensors read-only and validate its header.
**
** Layout: 8-byte little-endian header length N, N bytes of JSON (an object
** of tensor name -> {dtype, shape, data_offsets}, plus an optional
** "__metadata__" object of strings), then the data area. Like the
** safetensors library, the tensors must tile the data area exactly: no
** overlap, no gap, no trailing bytes. Nothing is copied or converted.
*/
#define _POSIX_C_SOURCE 200809L
#include "m2v_internal.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files ---------------------------------------------------------- */

int m2v_map_file(const char *path, m2v_map *out, m2v_error *err)
{
    out->addr = NULL;
    out->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return m2v_fail(err, M2V_IO, "%s: cannot open: %s", path,
                        strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return m2v_fail(err, M2V_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return m2v_fail(err, M2V_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
        close(fd);
        return m2v_fail(err, M2V_LIMIT, "%s: file too large to map", path);
    }
    size_t size = (size_t)st.st_size;
    if (size == 0) { /* mmap cannot map nothing; an empty file is valid here */
        close(fd);
        return m2v_ok(err);
    }
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return m2v_fail(err, M2V_IO, "%s: cannot mmap: %s", path, strerror(e));
    out->addr = p;
    out->size = size;
    return m2v_ok(err);
}

void m2v_unmap(m2v_map *m)
{
    if (m && m->addr) munmap(m->addr, m->size);
    if (m) {
        m->addr = NULL;
        m->size = 0;
    }
}

int m2v_read_file(const char *path, size_t limit, char **out, size_t *out_len,
                  m2v_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return m2v_fail(err, M2V_IO, "%s: cannot open: %s", path,
                        strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return m2v_fail(err, M2V_IO, "%s: not a readable regular file", path);
    }
    if ((uint64_t)st.st_size > (uint64_t)limit) {
        close(fd);
        return m2v_fail(err, M2V_LIMIT, "%s: %lld bytes is over the limit of %zu",
                        path, (long long)st.st_size, limit);
    }
    size_t cap = (size_t)st.st_size, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return m2v_fail(err, M2V_NOMEM, "%s: out of memory", path);
    }
    while (len < cap) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return m2v_fail(err, M2V_IO, "%s: read failed: %s", path,
                            strerror(e));
        }
        if (r == 0) break; /* shrank meanwhile */
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return m2v_ok(err);
}

/* ---- dtypes ---------------------------------------------------------- */

typedef struct dtype_info {
    const char *name;
    int code;      /* M2V_DTYPE_* or 0: known to safetensors, not run here */
    unsigned bits; /* size of one element in bits */
} dtype_info;

static const dtype_info dtypes[] = {
    {"F32", M2V_DTYPE_F32, 32},  {"F16", M2V_DTYPE_F16, 16},
    {"BF16", M2V_DTYPE_BF16, 16}, {"F64", M2V_DTYPE_F64, 64},
    {"I8", M2V_DTYPE_I8, 8},      {"I32", M2V_DTYPE_I32, 32},
    {"I64", M2V_DTYPE_I64, 64},   {"BOOL", 0, 8},
    {"U8", 0, 8},                 {"I16", 0, 16},
    {"U16", 0, 16},               {"U32", 0, 32},
    {"U64", 0, 64},               {"C64", 0, 64},
    {"F8_E5M2", 0, 8},            {"F8_E4M3", 0, 8},
    {"F8_E8M0", 0, 8},            {"F8_E4M3FNUZ", 0, 8},
    {"F8_E5M2FNUZ", 0, 8},        {"F4", 0, 4},
    {"F6_E2M3", 0, 6},            {"F6_E3M2", 0, 6},
};

size_t m2v_dtype_size(int dtype)
{
    switch (dtype) {
    case M2V_DTYPE_F32: case M2V_DTYPE_I32: return 4;
    case M2V_DTYPE_F16: case M2V_DTYPE_BF16: return 2;
    case M2V_DTYPE_F64: case M2V_DTYPE_I64: return 8;
    case M2V_DTYPE_I8: return 1;
    default: return 0;
    }
}

/* ---- header ---------------------------------------------------------- */

static int cmp_by_offset(const void *a, const void *b)
{
    const m2v_st_tensor *x = *(const m2v_st_tensor *const *)a;
    const m2v_st_tensor *y = *(const m2v_st_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

void m2v_st_free(m2v_st *st)
{
    if (!st) return;
    free(st->tensors);
    free(st->names);
    st->tensors = NULL;
    st->names = NULL;
    st->n = 0;
}

const m2v_st_tensor *m2v_st_find(const m2v_st *st, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < st->n; i++)
        if (st->tensors[i].name_len == n &&
            memcmp(st->tensors[i].name, name, n) == 0)
            return &st->tensors[i];
    return NULL;
}

static int parse_tensor(const m2v_json *v, const char *what, m2v_st_tensor *t,
                        size_t data_size, m2v_error *err)
{
    const char *nm = t->name;
    if (!m2v_json_is(v, M2V_JSON_OBJECT))
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': entry is not an object",
                        what, nm);
    const m2v_json *jd = m2v_json_get(v, "dtype");
    const m2v_json *js = m2v_json_get(v, "shape");
    const m2v_json *jo = m2v_json_get(v, "data_offsets");
    size_t dl;
    const char *ds = m2v_json_str(jd, &dl);
    if (!ds)
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': missing or non-string \"dtype\"",
                        what, nm);
    const dtype_info *di = NULL;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strlen(dtypes[i].name) == dl && memcmp(dtypes[i].name, ds, dl) == 0)
            di = &dtypes[i];
    if (!di)
        return m2v_fail(err, M2V_UNSUPPORTED, "%s: tensor '%s': dtype '%.40s' is not supported",
                        what, nm, ds);
    t->dtype = di->code;
    t->dtype_name = di->name;
    if (!m2v_json_is(js, M2V_JSON_ARRAY))
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': missing or non-array \"shape\"",
                        what, nm);
    if (m2v_json_len(js) > M2V_ST_MAX_RANK)
        return m2v_fail(err, M2V_UNSUPPORTED, "%s: tensor '%s': rank %zu is over %d",
                        what, nm, m2v_json_len(js), M2V_ST_MAX_RANK);
    uint64_t count = 1;
    bool overflow = false;
    t->ndim = 0;
    for (const m2v_json *c = m2v_json_first(js); c; c = m2v_json_next(c)) {
        int64_t d;
        if (!m2v_json_int(c, &d) || d < 0)
            return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': shape entries must be integers >= 0",
                            what, nm);
        t->shape[t->ndim++] = (uint64_t)d;
        if (d != 0 && count > UINT64_MAX / (uint64_t)d) overflow = true;
        else count *= (uint64_t)d;
    }
    if (count == 0) overflow = false;
    int64_t b, e;
    if (!m2v_json_is(jo, M2V_JSON_ARRAY) || m2v_json_len(jo) != 2 ||
        !m2v_json_int(m2v_json_first(jo), &b) ||
        !m2v_json_int(m2v_json_next(m2v_json_first(jo)), &e) || b < 0 || e < 0)
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': \"data_offsets\" must be [begin, end] integers >= 0",
                        what, nm);
    if (b > e)
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) are reversed",
                        what, nm, (long long)b, (long long)e);
    if ((uint64_t)e > (uint64_t)data_size)
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) are past the end of the data area (%zu bytes)",
                        what, nm, (long long)b, (long long)e, data_size);
    t->begin = (size_t)b;
    t->end = (size_t)e;
    t->count = count;
    if (overflow || count > UINT64_MAX / di->bits || (count * di->bits) % 8 ||
        (count * di->bits) / 8 != (uint64_t)(e - b)) {
        char shape[160];
        size_t used = 0;
        shape[0] = '\0';
        for (int i = 0; i < t->ndim && used < sizeof shape - 24; i++)
            used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%llu",
                                     i ? ", " : "", (unsigned long long)t->shape[i]);
        if (overflow || count > UINT64_MAX / di->bits)
            return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) do not match shape [%s] x %s (size overflows)",
                            what, nm, (long long)b, (long long)e, shape, di->name);
        return m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld) do not match shape [%s] x %s (%llu bytes)",
                        what, nm, (long long)b, (long long)e, shape, di->name,
                        (unsigned long long)((count * di->bits + 7) / 8));
    }
    return M2V_OK;
}

int m2v_st_parse(const void *buf, size_t size, const char *what, m2v_st *st,
                 m2v_error *err)
{
    const unsigned char *p = buf;
    memset(st, 0, sizeof *st);
    if (size < 8)
        return m2v_fail(err, M2V_FORMAT, "%s: file is %zu bytes, too short for a safetensors header",
                        what, size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | p[i];
    if (hlen > M2V_MAX_HEADER_BYTES)
        return m2v_fail(err, M2V_FORMAT, "%s: header length %llu is over the limit of %d bytes",
                        what, (unsigned long long)hlen, M2V_MAX_HEADER_BYTES);
    if (hlen > size - 8)
        return m2v_fail(err, M2V_FORMAT, "%s: header length %llu is past the end of the file (%zu bytes)",
                        what, (unsigned long long)hlen, size);
    const char *h = (const char *)p + 8;
    if (hlen == 0 || h[0] != '{')
        return m2v_fail(err, M2V_FORMAT, "%s: header does not start with '{'", what);
    char whatbuf[300];
    snprintf(whatbuf, sizeof whatbuf, "%s: header", what);
    m2v_json_doc *doc;
    int rc = m2v_json_parse(h, (size_t)hlen, whatbuf, &doc, err);
    if (rc) return rc;
    const m2v_json *root = m2v_json_root(doc);
    size_t data_size = size - 8 - (size_t)hlen;
    size_t n = m2v_json_len(root), names_len = 0;
    for (const m2v_json *c = m2v_json_first(root); c; c = m2v_json_next(c)) {
        size_t kl;
        m2v_json_key(c, &kl);
        names_len += kl + 1;
    }
    st->tensors = calloc(n ? n : 1, sizeof *st->tensors);
    st->names = malloc(names_len + 1);
    m2v_st_tensor **order = calloc(n ? n : 1, sizeof *order);
    if (!st->tensors || !st->names || !order) {
        rc = m2v_fail(err, M2V_NOMEM, "%s: out of memory", what);
        goto done;
    }
    size_t used = 0;
    for (const m2v_json *c = m2v_json_first(root); c; c = m2v_json_next(c)) {
        size_t kl;
        const char *k = m2v_json_key(c, &kl);
        if (kl == 12 && memcmp(k, "__metadata__", 12) == 0) {
            if (!m2v_json_is(c, M2V_JSON_OBJECT)) {
                rc = m2v_fail(err, M2V_FORMAT, "%s: \"__metadata__\" is not an object", what);
                goto done;
            }
            for (const m2v_json *m = m2v_json_first(c); m; m = m2v_json_next(m))
                if (!m2v_json_is(m, M2V_JSON_STRING)) {
                    rc = m2v_fail(err, M2V_FORMAT, "%s: \"__metadata__\" values must be strings", what);
                    goto done;
                }
            continue;
        }
        if (memchr(k, '\0', kl)) {
            rc = m2v_fail(err, M2V_FORMAT, "%s: tensor name contains NUL", what);
            goto done;
        }
        m2v_st_tensor *t = &st->tensors[st->n];
        memcpy(st->names + used, k, kl + 1);
        t->name = st->names + used;
        t->name_len = kl;
        used += kl + 1;
        if (m2v_st_find(st, t->name)) {
            rc = m2v_fail(err, M2V_FORMAT, "%s: tensor '%s' appears twice", what, t->name);
            goto done;
        }
        if ((rc = parse_tensor(c, what, t, data_size, err))) goto done;
        t->data = p + 8 + hlen + t->begin;
        order[st->n++] = t;
    }
    qsort(order, st->n, sizeof *order, cmp_by_offset);
    size_t pos = 0;
    for (size_t i = 0; i < st->n; i++) {
        if (order[i]->begin < pos) {
            rc = m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': data_offsets [%zu, %zu) overlap tensor '%s'",
                          what, order[i]->name, order[i]->begin, order[i]->end,
                          order[i - 1]->name);
            goto done;
        }
        if (order[i]->begin > pos) {
            rc = m2v_fail(err, M2V_FORMAT, "%s: tensor '%s': data_offsets [%zu, %zu) leave bytes [%zu, %zu) unused",
                          what, order[i]->name, order[i]->begin, order[i]->end,
                          pos, order[i]->begin);
            goto done;
        }
        pos = order[i]->end;
    }
    if (pos != data_size) {
        rc = m2v_fail(err, M2V_FORMAT, "%s: the tensors cover %zu of the %zu bytes of the data area",
                      what, pos, data_size);
        goto done;
    }
    st->data = p + 8 + hlen;
    st->data_size = data_size;
    rc = m2v_ok(err);
done:
    free(order);
    m2v_json_free(doc);
    if (rc) m2v_st_free(st);
    return rc;
}
