/* Counter-based randomness and keyed permutations. */
#include "rng.h"

uint64_t gen_key(uint64_t parent, const char *name)
{
    /* FNV-1a over the name, then mixed with the parent key. */
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return gen_mix(gen_mix(parent ^ UINT64_C(0x5bd1e9955bd1e995)) ^ h);
}

void gen_perm_init(struct gen_perm *p, uint64_t n, uint64_t key)
{
    unsigned bits = 2;
    while (bits < 64 && (UINT64_C(1) << bits) < n)
        bits++;
    if (bits & 1)
        bits++;
    p->n = n;
    p->half = bits / 2;
    p->mask = (UINT64_C(1) << p->half) - 1;
    for (int i = 0; i < 4; i++)
        p->k[i] = gen_mix(key + (uint64_t)(i + 1) * UINT64_C(0x9e3779b97f4a7c15));
}

static uint64_t feistel(const struct gen_perm *p, uint64_t x)
{
    uint64_t l = (x >> p->half) & p->mask, r = x & p->mask;
    for (int i = 0; i < 4; i++) {
        uint64_t f = gen_mix(r ^ p->k[i]) & p->mask;
        uint64_t t = l ^ f;
        l = r;
        r = t;
    }
    return (l << p->half) | r;
}

uint64_t gen_perm_apply(const struct gen_perm *p, uint64_t x)
{
    if (p->n <= 1)
        return 0;
    /* The domain has at most 4n points, so the walk is short on average. */
    do
        x = feistel(p, x);
    while (x >= p->n);
    return x;
}
