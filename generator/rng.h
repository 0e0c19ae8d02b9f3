/*
 * Counter-based randomness: every random value is a pure function of
 * (seed, table, column, row, draw), so any row can be produced alone, in any
 * order, on any thread or machine, with the same result. Also keyed
 * bijections of [0, n) used to spread rows without storing anything.
 */
#ifndef GEN_RNG_H
#define GEN_RNG_H

#include <stdint.h>

__extension__ typedef unsigned __int128 gen_u128;

/* The splitmix64 finalizer: a bijection of 64-bit words with full avalanche. */
static inline uint64_t gen_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* 64 random bits for (key, row, draw). */
static inline uint64_t gen_rand(uint64_t key, uint64_t row, uint64_t draw)
{
    uint64_t x = key ^ (row * UINT64_C(0x9e3779b97f4a7c15));
    x = gen_mix(x + draw * UINT64_C(0xd1b54a32d192ed03));
    return gen_mix(x ^ key);
}

/* A double in [0, 1) from 64 random bits (53 bits of precision). */
static inline double gen_unit(uint64_t bits)
{
    return (double)(bits >> 11) * (1.0 / 9007199254740992.0);
}

/* A value in [0, n) from 64 random bits, without modulo bias worth noting. */
static inline uint64_t gen_below(uint64_t bits, uint64_t n)
{
    return (uint64_t)(((gen_u128)bits * n) >> 64);
}

/* A key from a parent key and a name (a table or column name). */
uint64_t gen_key(uint64_t parent, const char *name);

/*
 * A keyed bijection of [0, n): a balanced Feistel network on the smallest
 * even number of bits that covers n, with cycle walking. Caller-owned.
 */
struct gen_perm {
    uint64_t n;
    unsigned half; /* bits per half */
    uint64_t mask; /* (1 << half) - 1 */
    uint64_t k[4]; /* round keys */
};

void gen_perm_init(struct gen_perm *p, uint64_t n, uint64_t key);
uint64_t gen_perm_apply(const struct gen_perm *p, uint64_t x);

#endif
