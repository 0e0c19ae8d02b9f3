/* A bump allocator for data that lives and dies together (a parsed shape). */
#ifndef SIL_ARENA_H
#define SIL_ARENA_H

#include "sil.h"

struct sil_arena;

struct sil_arena *sil_arena_new(void);
/* Frees every allocation made from the arena. NULL is a no-op. */
void sil_arena_free(struct sil_arena *a);
/* Zeroed, 16-byte aligned memory owned by the arena; never NULL. */
void *sil_arena_alloc(struct sil_arena *a, size_t n);
char *sil_arena_strdup(struct sil_arena *a, const char *s);
char *sil_arena_strndup(struct sil_arena *a, const char *s, size_t n);
/* Copy of `n` pointers to strings (strings duplicated too). */
const char **sil_arena_strv(struct sil_arena *a, const char *const *v, size_t n);
/* Grow an arena array to hold `need` elements (old block is abandoned). */
void *sil_arena_grow(struct sil_arena *a, void *p, size_t size, size_t need, size_t *cap);

#endif
