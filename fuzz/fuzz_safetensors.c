/*
** fuzz_safetensors.c -- libFuzzer target for the safetensors header parser
** (m2v_st_parse in safetensors.c).
**
** Properties: the parser returns a status with a message; on success every
** tensor lies inside the buffer, its byte length equals shape x dtype size,
** the tensors tile the data area exactly (no overlap, no gap), names are
** unique and found by m2v_st_find, and every data byte is readable.
*/
#include "fuzz_common.h"

static int fst_cmp(const void *a, const void *b)
{
    const m2v_st_tensor *x = *(const m2v_st_tensor *const *)a;
    const m2v_st_tensor *y = *(const m2v_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

int FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    unsigned char *buf = (unsigned char *)fuzz_dup(data, size);
    if (!buf) return 0;
    m2v_st st;
    m2v_error e;
    int rc = m2v_st_parse(buf, size, "fuzz.safetensors", &st, &e);
    fuzz_check_error(rc, &e);
    FUZZ_CHECK(rc == M2V_OK || rc == M2V_FORMAT || rc == M2V_UNSUPPORTED ||
               rc == M2V_NOMEM);
    if (rc == M2V_OK) {
        FUZZ_CHECK(st.data >= buf && st.data + st.data_size <= buf + size);
        const m2v_st_tensor **order = calloc(st.n ? st.n : 1, sizeof *order);
        FUZZ_CHECK(order != NULL);
        volatile unsigned sum = 0;
        for (size_t i = 0; i < st.n; i++) {
            const m2v_st_tensor *t = &st.tensors[i];
            order[i] = t;
            FUZZ_CHECK(t->begin <= t->end && t->end <= st.data_size);
            FUZZ_CHECK(t->data == st.data + t->begin);
            FUZZ_CHECK(t->name[t->name_len] == '\0');
            FUZZ_CHECK(m2v_st_find(&st, t->name) == t);
            FUZZ_CHECK(t->ndim >= 0 && t->ndim <= M2V_ST_MAX_RANK);
            uint64_t count = 1;
            for (int d = 0; d < t->ndim; d++) count *= t->shape[d];
            FUZZ_CHECK(count == t->count);
            size_t es = m2v_dtype_size(t->dtype);
            if (es) FUZZ_CHECK(t->count * es == t->end - t->begin);
            for (size_t k = t->begin; k < t->end; k++) sum += st.data[k];
        }
        qsort(order, st.n, sizeof *order, fst_cmp);
        size_t pos = 0;
        for (size_t i = 0; i < st.n; i++) {
            FUZZ_CHECK(order[i]->begin == pos);
            pos = order[i]->end;
        }
        FUZZ_CHECK(pos == st.data_size);
        (void)sum;
        free(order);
        m2v_st_free(&st);
    }
    free(buf);
    return 0;
}
