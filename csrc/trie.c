/*
** trie.c -- a double-array trie over bytes (Aoe 1989).
**
** One array access per input byte: the child of node s by byte b is slot
** slot[s].base + b if slot[that].check == s. Used for the WordPiece vocabulary
** and the added-token patterns. Built once at load; read-only afterwards,
** so any number of threads may walk it.
*/
#include "m2v_tokenizer.h"

#include <stdlib.h>
#include <string.h>

typedef struct key_ref {
    const uint8_t *k;
    size_t len;
    int32_t value;
    size_t order;
} key_ref;

static int cmp_keys(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->k, b->k, n) : 0;
    if (c) return c;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->order < b->order ? -1 : (a->order > b->order ? 1 : 0);
}

typedef struct work {
    int32_t node;
    size_t lo, hi, depth;
} work;

/* Free slots form a doubly linked list in increasing order (next/prev
** index; -1 ends it), so placement skips taken slots in O(1). */
typedef struct freelist {
    int32_t *next, *prev;
    int32_t head, tail;
} freelist;

static int grow(m2v_datrie *t, freelist *fl, size_t need)
{
    if (need <= t->size) return 0;
    size_t cap = t->size ? t->size : 1024;
    while (cap < need) {
        if (cap > (size_t)INT32_MAX / 2) return -1;
        cap *= 2;
    }
    m2v_dslot *s = realloc(t->slot, cap * sizeof *s);
    if (!s) return -1;
    t->slot = s;
    int32_t *n = realloc(fl->next, cap * sizeof *n);
    if (!n) return -1;
    fl->next = n;
    int32_t *p = realloc(fl->prev, cap * sizeof *p);
    if (!p) return -1;
    fl->prev = p;
    for (size_t i = t->size; i < cap; i++) {
        t->slot[i] = (m2v_dslot){0, -1, -1};
        fl->prev[i] = fl->tail;
        fl->next[i] = -1;
        if (fl->tail >= 0) fl->next[fl->tail] = (int32_t)i;
        else fl->head = (int32_t)i;
        fl->tail = (int32_t)i;
    }
    t->size = cap;
    return 0;
}

static void take(m2v_datrie *t, freelist *fl, size_t slot, int32_t parent)
{
    t->slot[slot].check = parent;
    int32_t p = fl->prev[slot], n = fl->next[slot];
    if (p >= 0) fl->next[p] = n;
    else fl->head = n;
    if (n >= 0) fl->prev[n] = p;
    else fl->tail = p;
}

void m2v_datrie_free(m2v_datrie *t)
{
    if (!t) return;
    free(t->slot);
    memset(t, 0, sizeof *t);
}

int m2v_datrie_build(m2v_datrie *t, const char *const *keys,
                     const size_t *lens, const int32_t *values, size_t n)
{
    memset(t, 0, sizeof *t);
    key_ref *refs = NULL;
    work *queue = NULL;
    freelist fl = {NULL, NULL, -1, -1};
    int rc = -1;

    if (grow(t, &fl, 1024) != 0) goto done;
    take(t, &fl, 0, M2V_DATRIE_ROOT); /* the root's slot: no parent */
    if (n == 0) {
        rc = 0;
        goto done;
    }

    refs = malloc(n * sizeof *refs);
    if (!refs) goto done;
    for (size_t i = 0; i < n; i++) {
        refs[i].k = (const uint8_t *)keys[i];
        refs[i].len = lens[i];
        refs[i].value = values[i];
        refs[i].order = i;
    }
    qsort(refs, n, sizeof *refs, cmp_keys);
    /* Deduplicate: keep the last occurrence of each key. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && refs[m - 1].len == refs[i].len &&
            (refs[i].len == 0 ||
             memcmp(refs[m - 1].k, refs[i].k, refs[i].len) == 0))
            refs[m - 1] = refs[i];
        else
            refs[m++] = refs[i];
    }
    n = m;

    /* Breadth-first placement; the queue never holds more than one entry
    ** per trie node, and there are at most 1 + total key bytes nodes. */
    size_t qcap = 1024, qhead = 0, qtail = 0;
    queue = malloc(qcap * sizeof *queue);
    if (!queue) goto done;
    queue[qtail++] = (work){0, 0, n, 0};

    while (qhead < qtail) {
        work w = queue[qhead++];
        size_t lo = w.lo;
        if (lo < w.hi && refs[lo].len == w.depth) {
            t->slot[w.node].value = refs[lo].value;
            lo++;
        }
        if (lo == w.hi) continue;

        /* Distinct next bytes (sorted, since keys are). */
        uint8_t bytes[256];
        size_t nb = 0;
        for (size_t i = lo; i < w.hi; i++) {
            uint8_t b = refs[i].k[w.depth];
            if (nb == 0 || bytes[nb - 1] != b) bytes[nb++] = b;
        }

        /* First free slot f (in list order) such that base = f - bytes[0]
        ** >= 1 and every child slot is free; grow when the list runs out. */
        size_t base = 0;
        int32_t f = fl.head;
        for (;;) {
            if (f < 0) {
                size_t old = t->size;
                if (grow(t, &fl, old + 257) != 0) goto done;
                f = (int32_t)old;
                continue;
            }
            if ((size_t)f >= (size_t)bytes[0] + 1) {
                base = (size_t)f - bytes[0];
                if (grow(t, &fl, base + 257) != 0) goto done;
                size_t j = 1;
                while (j < nb && t->slot[base + bytes[j]].check == -1) j++;
                if (j == nb) break;
            }
            f = fl.next[f];
        }
        if (base > (size_t)INT32_MAX - 256) goto done;
        t->slot[w.node].base = (int32_t)base;
        for (size_t j = 0; j < nb; j++) take(t, &fl, base + bytes[j], w.node);

        /* Queue one work item per child. */
        size_t i = lo;
        for (size_t j = 0; j < nb; j++) {
            size_t start = i;
            while (i < w.hi && refs[i].k[w.depth] == bytes[j]) i++;
            if (qtail == qcap) {
                /* Compact, then grow if still full. */
                memmove(queue, queue + qhead, (qtail - qhead) * sizeof *queue);
                qtail -= qhead;
                qhead = 0;
                if (qtail == qcap) {
                    work *nq = realloc(queue, 2 * qcap * sizeof *nq);
                    if (!nq) goto done;
                    queue = nq;
                    qcap *= 2;
                }
            }
            queue[qtail++] =
                (work){(int32_t)(base + bytes[j]), start, i, w.depth + 1};
        }
    }
    rc = 0;
done:
    free(refs);
    free(queue);
    free(fl.next);
    free(fl.prev);
    if (rc != 0) m2v_datrie_free(t);
    return rc;
}

int32_t m2v_datrie_walk(const m2v_datrie *t, int32_t s, const char *k,
                        size_t len)
{
    for (size_t i = 0; i < len && s >= 0; i++)
        s = m2v_datrie_next(t, s, (uint8_t)k[i]);
    return s;
}
