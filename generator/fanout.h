/*
 * Fan-out of one foreign key: how many children each parent row gets, and
 * which parent a given child position belongs to, without storing the child
 * table. Parent p draws a raw count from the children-per-parent model at a
 * stratified probability (a keyed permutation of the parents spreads heavy
 * and childless parents at random); the raw counts are scaled to the child
 * table's row count by cumulative rounding, so counts sum exactly to it.
 * Children of one parent occupy consecutive positions [off(p), off(p+1)).
 *
 * Memory is bounded by the parent table: one 64-bit checkpoint per 64
 * parents, plus a dense offset array when the parent table is small enough
 * (at most GEN_FANOUT_DENSE_MAX rows) for fast random lookups.
 */
#ifndef GEN_FANOUT_H
#define GEN_FANOUT_H

#include <stdint.h>

#include "model.h"
#include "rng.h"

#define GEN_FANOUT_BLOCK     64
#define GEN_FANOUT_DENSE_MAX (INT64_C(1) << 24)

struct gen_fanout {
    int64_t np;      /* parents */
    int64_t nc;      /* children (positions) */
    int64_t raw;     /* sum of raw counts */
    int64_t max_raw; /* largest raw count */
    int even;        /* no model: spread evenly */
    struct gen_icdf model;
    struct gen_perm perm;
    int64_t *blk;   /* raw cumulative count at each block start; nblk + 1 */
    int64_t *dense; /* scaled offsets off[0..np], or NULL */
    uint32_t *jump; /* with dense: the parent owning position b * jump_w */
    int64_t jump_w;
    int64_t njump;
};

/* A lookup cursor: the parent found last and its position range. */
struct gen_fanout_cursor {
    int64_t p;
    int64_t start, end; /* positions of p's children */
    int64_t cum_end;    /* raw cumulative count up to and including p */
};

/*
 * Build from a count model (taken over) for np parents with a key. nc < 0
 * means "derived": nc becomes the sum of the raw counts. A NULL model
 * spreads nc children evenly. Returns the final nc.
 */
int64_t gen_fanout_build(struct gen_fanout *f, int64_t np, int64_t nc, struct gen_icdf *model,
                         uint64_t key);
void gen_fanout_release(struct gen_fanout *f);
/* Threads for building large fan-outs (from 2^20 parents); default 1.
 * The result never depends on it. Call before planning. */
void gen_fanout_set_threads(int n);

/* Raw count of parent p (before scaling). */
int64_t gen_fanout_raw(const struct gen_fanout *f, int64_t p);
/* First child position of parent p (p may be np: returns nc). */
int64_t gen_fanout_offset(const struct gen_fanout *f, int64_t p);
/* Children of parent p after scaling. */
static inline int64_t gen_fanout_children(const struct gen_fanout *f, int64_t p)
{
    return gen_fanout_offset(f, p + 1) - gen_fanout_offset(f, p);
}
/* The parent owning child position q (0 <= q < nc); the cursor may be NULL
 * or reset with p = -1; sequential queries are O(1) amortised. */
int64_t gen_fanout_parent(const struct gen_fanout *f, int64_t q, struct gen_fanout_cursor *c);
/* An upper bound of children per parent after scaling. */
int64_t gen_fanout_max_children(const struct gen_fanout *f);

#endif
