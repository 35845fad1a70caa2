/*
** trie.c -- a double-array trie over bytes (Aoe 1989).
**
** One array access per input byte: the child of node s by byte b is slot
** slot[s].base + b if slot[that].check == s. Used for the WordPiece vocabulary
** and the added-token patterns. Built once at load; read-only afterwards,
** so any number of threads may walk it.
**
** Nodes are placed hottest first: the next node to get its children slots
** is the one whose subtree holds the smallest value, and slots are taken
** first-fit from the low end. Vocabularies list frequent tokens first
** (BERT's from id 1996 on is in frequency order), so the nodes that running
** text walks through most pack into few cache lines at the start of the
** array. Placement changes where nodes live, never what the trie holds.
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

/* A node waiting for its children's slots: its keys are refs[lo..hi), all
** sharing their first depth bytes; key is the smallest value among them. */
typedef struct work {
    int32_t node;
    int32_t key;
    size_t lo, hi, depth;
} work;

static bool work_before(const work *a, const work *b)
{
    return a->key != b->key ? a->key < b->key : a->node < b->node;
}

/* A binary min-heap of work items (work_before order). */
typedef struct heap {
    work *v;
    size_t n, cap;
} heap;

static int heap_push(heap *h, work w)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 1024;
        work *v = realloc(h->v, cap * sizeof *v);
        if (!v) return -1;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && work_before(&w, &h->v[(i - 1) / 2])) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = w;
    return 0;
}

static work heap_pop(heap *h)
{
    work top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && work_before(&h->v[c + 1], &h->v[c])) c++;
        if (!work_before(&h->v[c], &last)) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n) h->v[i] = last;
    return top;
}

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
    int32_t *v = realloc(t->value, cap * sizeof *v);
    if (!v) return -1;
    t->value = v;
    int32_t *n = realloc(fl->next, cap * sizeof *n);
    if (!n) return -1;
    fl->next = n;
    int32_t *p = realloc(fl->prev, cap * sizeof *p);
    if (!p) return -1;
    fl->prev = p;
    for (size_t i = t->size; i < cap; i++) {
        t->slot[i] = (m2v_dslot){0, -1};
        t->value[i] = -1;
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
    free(t->value);
    memset(t, 0, sizeof *t);
}

int m2v_datrie_build(m2v_datrie *t, const char *const *keys,
                     const size_t *lens, const int32_t *values, size_t n)
{
    memset(t, 0, sizeof *t);
    key_ref *refs = NULL;
    heap queue = {NULL, 0, 0};
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

    /* Hottest-first placement (see the top of the file); the heap holds at
    ** most one entry per trie node. */
    int32_t root_key = refs[0].value;
    for (size_t i = 1; i < n; i++)
        if (refs[i].value < root_key) root_key = refs[i].value;
    if (heap_push(&queue, (work){0, root_key, 0, n, 0}) != 0) goto done;

    while (queue.n > 0) {
        work w = heap_pop(&queue);
        size_t lo = w.lo;
        if (lo < w.hi && refs[lo].len == w.depth) {
            t->value[w.node] = refs[lo].value;
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
            work child = {(int32_t)(base + bytes[j]), refs[i].value, i, i, w.depth + 1};
            for (; i < w.hi && refs[i].k[w.depth] == bytes[j]; i++)
                if (refs[i].value < child.key) child.key = refs[i].value;
            child.hi = i;
            if (heap_push(&queue, child) != 0) goto done;
        }
    }
    rc = 0;
done:
    free(refs);
    free(queue.v);
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
