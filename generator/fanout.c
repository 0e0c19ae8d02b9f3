/* Foreign key fan-out: scaled children-per-parent counts and position lookups. */
#include "fanout.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sil.h"

typedef gen_u128 u128;

int64_t gen_fanout_raw(const struct gen_fanout *f, int64_t p)
{
    if (f->even)
        return 1;
    double u = ((double)gen_perm_apply(&f->perm, (uint64_t)p) + 0.5) / (double)f->np;
    return gen_icdf_count(&f->model, u);
}

/* Scaled offset from a raw cumulative count. */
static int64_t scale(const struct gen_fanout *f, int64_t cum)
{
    if (f->raw <= 0)
        return 0;
    u128 num = (u128)(uint64_t)f->nc * (uint64_t)cum * 2 + (uint64_t)f->raw;
    return (int64_t)(num / ((u128)(uint64_t)f->raw * 2));
}

static int build_threads = 1;

void gen_fanout_set_threads(int n)
{
    build_threads = n < 1 ? 1 : SIL_MIN(n, 64);
}

struct build_range {
    struct gen_fanout *f;
    int64_t *raw_cum;
    int64_t a, b;     /* parents [a, b), a on a block boundary */
    int64_t sum, max; /* raw total and largest count of the range */
};

static void *build_range_run(void *arg)
{
    struct build_range *r = arg;
    struct gen_fanout *f = r->f;
    int64_t cum = 0;
    for (int64_t p = r->a; p < r->b; p++) {
        if (p % GEN_FANOUT_BLOCK == 0)
            f->blk[p / GEN_FANOUT_BLOCK] = cum;
        if (r->raw_cum)
            r->raw_cum[p] = cum;
        int64_t c = gen_fanout_raw(f, p);
        if (c > r->max)
            r->max = c;
        cum += c;
    }
    r->sum = cum;
    return NULL;
}

int64_t gen_fanout_build(struct gen_fanout *f, int64_t np, int64_t nc, struct gen_icdf *model,
                         uint64_t key)
{
    memset(f, 0, sizeof *f);
    f->np = np;
    gen_perm_init(&f->perm, (uint64_t)(np > 0 ? np : 1), key);
    if (model) {
        f->model = *model;
        memset(model, 0, sizeof *model);
    } else {
        f->even = 1;
    }
    int64_t nblk = np / GEN_FANOUT_BLOCK + 1;
    f->blk = sil_xmalloc((size_t)(nblk + 1) * sizeof *f->blk);
    int dense = np <= GEN_FANOUT_DENSE_MAX;
    int64_t *raw_cum = dense ? sil_xmalloc((size_t)(np + 1) * sizeof *raw_cum) : NULL;
    /* Parents in ranges of whole blocks, one per thread: each range sums
     * from 0, then ranges are shifted by the totals before them (integer
     * sums, so the result does not depend on the split). */
    int nth = build_threads;
    if (np < INT64_C(1) << 20 || nth < 1)
        nth = 1;
    struct build_range *rg = sil_xcalloc((size_t)nth, sizeof *rg);
    int64_t per = (nblk + nth - 1) / nth * GEN_FANOUT_BLOCK;
    for (int i = 0; i < nth; i++) {
        rg[i].f = f;
        rg[i].raw_cum = raw_cum;
        rg[i].a = SIL_MIN(np, (int64_t)i * per);
        rg[i].b = SIL_MIN(np, (int64_t)(i + 1) * per);
    }
    pthread_t *th = nth > 1 ? sil_xcalloc((size_t)nth, sizeof *th) : NULL;
    int started = 0;
    for (int i = 1; i < nth; i++) {
        if (pthread_create(&th[i], NULL, build_range_run, &rg[i]) != 0)
            break;
        started = i;
    }
    build_range_run(&rg[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    for (int i = started + 1; i < nth; i++)
        build_range_run(&rg[i]); /* threads that could not start */
    free(th);
    int64_t cum = 0;
    for (int i = 0; i < nth; i++) {
        int64_t base = cum;
        if (base)
            for (int64_t p = rg[i].a; p < rg[i].b; p++) {
                if (p % GEN_FANOUT_BLOCK == 0)
                    f->blk[p / GEN_FANOUT_BLOCK] += base;
                if (raw_cum)
                    raw_cum[p] += base;
            }
        cum += rg[i].sum;
        if (rg[i].max > f->max_raw)
            f->max_raw = rg[i].max;
    }
    free(rg);
    if (np % GEN_FANOUT_BLOCK == 0)
        f->blk[np / GEN_FANOUT_BLOCK] = cum;
    f->blk[nblk] = cum;
    if (raw_cum)
        raw_cum[np] = cum;
    f->raw = cum;
    if (nc < 0)
        nc = cum;
    f->nc = nc;
    if (f->raw == 0 && nc > 0) {
        /* The model gives no children at all: fall back to an even spread. */
        f->even = 1;
        f->raw = np;
        f->max_raw = 1;
        if (raw_cum)
            for (int64_t p = 0; p <= np; p++)
                raw_cum[p] = p;
        for (int64_t b = 0; b <= nblk; b++)
            f->blk[b] = SIL_MIN(b * GEN_FANOUT_BLOCK, np);
    }
    if (raw_cum) {
        for (int64_t p = 0; p <= np; p++)
            raw_cum[p] = scale(f, raw_cum[p]);
        f->dense = raw_cum;
        /* A bucket index over positions, so random lookups start next to
         * their parent instead of binary searching the whole table. */
        if (np > 0 && nc > 0) {
            f->jump_w = (nc + np - 1) / np;
            f->njump = nc / f->jump_w + 1;
            f->jump = sil_xmalloc((size_t)f->njump * sizeof *f->jump);
            int64_t p = 0;
            for (int64_t b = 0; b < f->njump; b++) {
                int64_t q = b * f->jump_w;
                while (p + 1 < np && raw_cum[p + 1] <= q)
                    p++;
                f->jump[b] = (uint32_t)p;
            }
        }
    }
    return nc;
}

void gen_fanout_release(struct gen_fanout *f)
{
    free(f->blk);
    free(f->dense);
    free(f->jump);
    gen_icdf_release(&f->model);
    memset(f, 0, sizeof *f);
}

static int64_t raw_cum_at(const struct gen_fanout *f, int64_t p)
{
    int64_t b = p / GEN_FANOUT_BLOCK;
    int64_t cum = f->blk[b];
    for (int64_t j = b * GEN_FANOUT_BLOCK; j < p; j++)
        cum += gen_fanout_raw(f, j);
    return cum;
}

int64_t gen_fanout_offset(const struct gen_fanout *f, int64_t p)
{
    if (p <= 0)
        return 0;
    if (p >= f->np)
        return f->nc;
    if (f->dense)
        return f->dense[p];
    return scale(f, raw_cum_at(f, p));
}

int64_t gen_fanout_max_children(const struct gen_fanout *f)
{
    if (f->raw <= 0)
        return 0;
    return (int64_t)((double)f->max_raw * (double)f->nc / (double)f->raw) + 2;
}

int64_t gen_fanout_parent(const struct gen_fanout *f, int64_t q, struct gen_fanout_cursor *c)
{
    if (c && c->p >= 0) {
        if (q >= c->start && q < c->end)
            return c->p;
        /* Walk forward a little: sequential scans land here. */
        if (q >= c->end && q - c->end < 4096) {
            int64_t p = c->p, start = c->end, cum = c->cum_end;
            while (p + 1 < f->np) {
                p++;
                cum += f->dense ? 0 : gen_fanout_raw(f, p);
                int64_t end = f->dense ? f->dense[p + 1] : scale(f, cum);
                if (q < end) {
                    c->p = p;
                    c->start = start;
                    c->end = end;
                    c->cum_end = cum;
                    return p;
                }
                start = end;
                if (p - c->p > 1 << 20)
                    break;
            }
        }
    }
    int64_t lo, hi;
    if (f->jump) {
        int64_t p = f->jump[q / f->jump_w];
        while (p + 1 < f->np && f->dense[p + 1] <= q)
            p++;
        lo = p;
    } else if (f->dense) {
        /* Largest p with off[p] <= q. */
        lo = 0;
        hi = f->np - 1;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo + 1) / 2;
            if (f->dense[mid] <= q)
                lo = mid;
            else
                hi = mid - 1;
        }
    } else {
        int64_t nb = (f->np - 1) / GEN_FANOUT_BLOCK;
        int64_t bl = 0, bh = nb;
        while (bl < bh) {
            int64_t mid = bl + (bh - bl + 1) / 2;
            if (scale(f, f->blk[mid]) <= q)
                bl = mid;
            else
                bh = mid - 1;
        }
        int64_t p = bl * GEN_FANOUT_BLOCK, cum = f->blk[bl];
        for (;;) {
            int64_t nxt = cum + gen_fanout_raw(f, p);
            if (p + 1 >= f->np || scale(f, nxt) > q)
                break;
            cum = nxt;
            p++;
        }
        lo = p;
    }
    if (c) {
        c->p = lo;
        c->start = gen_fanout_offset(f, lo);
        c->end = gen_fanout_offset(f, lo + 1);
        c->cum_end = f->dense ? 0 : raw_cum_at(f, lo) + gen_fanout_raw(f, lo);
    }
    return lo;
}
