/* Bump allocator over a list of chunks. */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct sil_arena {
    struct chunk *head;
};

struct sil_arena *sil_arena_new(void)
{
    return sil_xcalloc(1, sizeof(struct sil_arena));
}

void sil_arena_free(struct sil_arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *sil_arena_alloc(struct sil_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!n)
        n = 16;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > 65536 ? n : 65536;
        c = sil_xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *sil_arena_strndup(struct sil_arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = sil_arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *sil_arena_strdup(struct sil_arena *a, const char *s)
{
    return s ? sil_arena_strndup(a, s, strlen(s)) : NULL;
}

const char **sil_arena_strv(struct sil_arena *a, const char *const *v, size_t n)
{
    const char **out = sil_arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = sil_arena_strdup(a, v[i]);
    return out;
}

void *sil_arena_grow(struct sil_arena *a, void *p, size_t size, size_t need, size_t *cap)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *q = sil_arena_alloc(a, ncap * size);
    if (p && *cap)
        memcpy(q, p, *cap * size);
    *cap = ncap;
    return q;
}
