/* Inverse CDFs, count models, categorical samplers and KS distances. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sil.h"

void gen_icdf_init(struct gen_icdf *q, const struct sil_quantiles *src, double dflt)
{
    memset(q, 0, sizeof *q);
    q->gamma = 1;
    q->zero_p = 2; /* no constraint */
    q->floor = -INFINITY;
    q->cap = INFINITY;
    q->tail = GEN_TAIL_LINEAR;
    if (!src || src->n == 0) {
        q->n = 1;
        q->p = sil_xmalloc(sizeof(double));
        q->v = sil_xmalloc(sizeof(double));
        q->p[0] = 0.5;
        q->v[0] = dflt;
        q->floor = q->cap = dflt;
        return;
    }
    q->n = src->n;
    q->p = sil_xmalloc(q->n * sizeof(double));
    q->v = sil_xmalloc(q->n * sizeof(double));
    memcpy(q->p, src->p, q->n * sizeof(double));
    memcpy(q->v, src->v, q->n * sizeof(double));
    /* Data that never went negative stays non-negative in the tails. */
    if (q->v[0] >= 0)
        q->floor = 0;
    /* Linear extrapolation past the last point may go at most as far again
     * as the last segment rose per unit of probability, over the rest. */
    if (q->n >= 2) {
        double span = q->v[q->n - 1] - q->v[0];
        q->cap = q->v[q->n - 1] + span;
        q->floor = q->v[0] >= 0 ? 0 : q->v[0] - span;
    }
}

void gen_icdf_init_uniform(struct gen_icdf *q, double lo, double hi)
{
    struct sil_quantiles s;
    double p[2] = {0, 1}, v[2] = {lo, hi};
    s.n = 2;
    s.p = p;
    s.v = v;
    gen_icdf_init(q, &s, lo);
    q->floor = lo;
    q->cap = hi;
}

void gen_icdf_release(struct gen_icdf *q)
{
    free(q->p);
    free(q->v);
    memset(q, 0, sizeof *q);
}

double gen_icdf_eval(const struct gen_icdf *q, double u)
{
    size_t n = q->n;
    if (n == 1)
        return q->v[0];
    double x;
    if (u <= q->p[0]) {
        double s = (q->v[1] - q->v[0]) / (q->p[1] - q->p[0]);
        x = q->v[0] - (q->p[0] - u) * s;
        return x < q->floor ? q->floor : x;
    }
    if (u >= q->p[n - 1]) {
        double pl = q->p[n - 1], vl = q->v[n - 1];
        if (q->tail == GEN_TAIL_FLAT || pl >= 1)
            return vl;
        if (q->tail == GEN_TAIL_PARETO && vl > 0) {
            double t = (u - pl) / (1 - pl);
            if (t > 0.999999)
                t = 0.999999;
            x = vl * pow(1 - t, -1 / q->alpha);
        } else {
            double s = (vl - q->v[n - 2]) / (pl - q->p[n - 2]);
            x = vl + (u - pl) * s;
        }
        return x > q->cap ? q->cap : x;
    }
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (q->p[mid] <= u)
            lo = mid;
        else
            hi = mid;
    }
    double f = (u - q->p[lo]) / (q->p[hi] - q->p[lo]);
    if (q->gamma != 1)
        f = pow(f, q->gamma);
    return q->v[lo] + f * (q->v[hi] - q->v[lo]);
}

double gen_icdf_cdf(const struct gen_icdf *q, double x)
{
    /* Invert eval by bisection on u: eval is non-decreasing. */
    if (x < gen_icdf_eval(q, 0))
        return 0;
    if (x >= gen_icdf_eval(q, 1))
        return 1;
    double lo = 0, hi = 1;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (gen_icdf_eval(q, mid) <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

double gen_icdf_count_mean(const struct gen_icdf *q, size_t m)
{
    double sum = 0;
    for (size_t i = 0; i < m; i++)
        sum += (double)gen_icdf_count(q, ((double)i + 0.5) / (double)m);
    return sum / (double)m;
}

void gen_icdf_fit_count_mean(struct gen_icdf *q, double mean)
{
    const size_t m = 20000;
    if (q->n < 2 || !(mean > 0) || q->v[q->n - 1] <= 0)
        return;
    q->tail = GEN_TAIL_FLAT;
    /* The mean falls as gamma grows (mass moves to each segment's low end). */
    double lo = log(1.0 / 64), hi = log(64.0);
    q->gamma = exp(lo);
    if (gen_icdf_count_mean(q, m) >= mean) {
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            q->gamma = exp(mid);
            if (gen_icdf_count_mean(q, m) > mean)
                lo = mid;
            else
                hi = mid;
        }
        q->gamma = exp((lo + hi) / 2);
        return;
    }
    /* Short even with the fullest segments: a heavy tail carries the rest;
     * without room for a tail, the fullest segments are the closest. */
    if (q->p[q->n - 1] >= 1)
        return;
    q->gamma = 1;
    q->tail = GEN_TAIL_PARETO;
    q->cap = q->v[q->n - 1] * 1000;
    double alo = 1.01, ahi = 50;
    q->alpha = alo;
    if (gen_icdf_count_mean(q, m) < mean)
        return;
    for (int i = 0; i < 40; i++) {
        q->alpha = (alo + ahi) / 2;
        if (gen_icdf_count_mean(q, m) > mean)
            alo = q->alpha;
        else
            ahi = q->alpha;
    }
    q->alpha = (alo + ahi) / 2;
}

double gen_icdf_count_cdf(const struct gen_icdf *q, int64_t k)
{
    if (k < 0)
        return 0;
    /* count <= k  <=>  eval(u) < k + 0.5 (and, for 0, u <= zero_p) */
    double c = gen_icdf_cdf(q, (double)k + 0.5 - 1e-9);
    return k == 0 && q->zero_p < c ? q->zero_p : c;
}

void gen_fk_count_model(struct gen_icdf *q, const struct sil_fkstats *st, double fallback_mean)
{
    if (st && st->children_per_parent.n > 0) {
        gen_icdf_init(q, &st->children_per_parent, 0);
        q->floor = 0;
        /* Heavy parents: P(count >= threshold) = parent_fraction is one more
         * quantile point, kept where it agrees with its neighbours. */
        if (st->has_heavy && st->heavy_parent_fraction > 0 && st->heavy_parent_fraction < 1) {
            double hp = 1 - st->heavy_parent_fraction, hv = (double)st->heavy_threshold;
            size_t i = 0;
            while (i < q->n && q->p[i] < hp)
                i++;
            int dup = i < q->n && q->p[i] == hp;
            int ok = !dup && (i == 0 || q->v[i - 1] <= hv) && (i == q->n || hv <= q->v[i]);
            if (ok) {
                q->p = sil_xrealloc(q->p, (q->n + 1) * sizeof(double));
                q->v = sil_xrealloc(q->v, (q->n + 1) * sizeof(double));
                memmove(q->p + i + 1, q->p + i, (q->n - i) * sizeof(double));
                memmove(q->v + i + 1, q->v + i, (q->n - i) * sizeof(double));
                q->p[i] = hp;
                q->v[i] = hv;
                q->n++;
            }
        }
        /* Parents without children: as many as the shape says, not more
         * from rounding small values down. */
        if (st->parents_with_children > 0) {
            double z = 1 - st->parents_with_children;
            for (size_t i = 0; i < q->n; i++)
                if (q->v[i] <= 0 && q->p[i] > z)
                    z = q->p[i];
            q->zero_p = z;
        }
        if (st->mean_children > 0)
            gen_icdf_fit_count_mean(q, st->mean_children);
        return;
    }
    if (st && st->mean_children > 0) {
        /* Parents without children, then 1 + geometric for the others. */
        double pwc = st->parents_with_children > 0 ? st->parents_with_children : 1;
        double m = st->mean_children / pwc; /* mean among parents with children */
        if (m < 1)
            m = 1;
        double pz = 1 - pwc;
        static const double ps[] = {0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
        double p[SIL_ARRAY_SIZE(ps) + 2], v[SIL_ARRAY_SIZE(ps) + 2];
        size_t n = 0;
        if (pz > 0) {
            p[n] = pz;
            v[n++] = 0;
        }
        double g = m > 1 ? 1 - 1 / m : 0; /* P(extra > k) = g^k */
        for (size_t i = 0; i < SIL_ARRAY_SIZE(ps); i++) {
            double pp = pz + ps[i] * (1 - pz);
            double extra = g > 0 ? log(1 - ps[i]) / log(g) : 0;
            double val = 1 + (extra > 0 ? extra : 0);
            if (n > 0 && (pp <= p[n - 1] || val < v[n - 1]))
                continue;
            p[n] = pp;
            v[n++] = val;
        }
        struct sil_quantiles s = {n, p, v};
        gen_icdf_init(q, &s, 0);
        q->floor = 0;
        q->zero_p = pz;
        gen_icdf_fit_count_mean(q, st->mean_children);
        return;
    }
    gen_icdf_init(q, NULL, fallback_mean);
}

void gen_cat_init(struct gen_cat *c, const double *w, size_t n)
{
    c->n = n;
    c->cum = sil_xmalloc((n ? n : 1) * sizeof(double));
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i] > 0 ? w[i] : 0;
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += sum > 0 ? (w[i] > 0 ? w[i] : 0) / sum : 1.0 / (double)n;
        c->cum[i] = acc;
    }
    if (n)
        c->cum[n - 1] = 1;
}

void gen_cat_release(struct gen_cat *c)
{
    free(c->cum);
    c->cum = NULL;
    c->n = 0;
}

size_t gen_cat_pick(const struct gen_cat *c, double u)
{
    size_t lo = 0, hi = c->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (u < c->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

double gen_quantiles_cdf(const struct sil_quantiles *q, double x)
{
    if (q->n == 0)
        return 0;
    if (x < q->v[0])
        return 0;
    if (x >= q->v[q->n - 1])
        return q->v[q->n - 1] == x || q->p[q->n - 1] >= 1 ? q->p[q->n - 1] : 1;
    /* The largest p whose value is <= x, interpolated inside a segment. */
    double best = 0;
    for (size_t i = 0; i + 1 < q->n; i++) {
        if (q->v[i] <= x)
            best = q->p[i];
        if (q->v[i] <= x && x < q->v[i + 1]) {
            double f = (x - q->v[i]) / (q->v[i + 1] - q->v[i]);
            best = q->p[i] + f * (q->p[i + 1] - q->p[i]);
            break;
        }
    }
    return best;
}

double gen_ks_counts(const int64_t *hist, size_t nhist, const struct sil_quantiles *model)
{
    int64_t total = 0;
    for (size_t k = 0; k < nhist; k++)
        total += hist[k];
    if (total == 0)
        return 0;
    double d = 0;
    int64_t acc = 0;
    for (size_t k = 0; k < nhist; k++) {
        acc += hist[k];
        double fe = (double)acc / (double)total;
        double fm = gen_quantiles_cdf(model, (double)k);
        double diff = fabs(fe - fm);
        if (diff > d)
            d = diff;
    }
    return d;
}

double gen_ks_samples(const double *sorted, size_t n, const struct sil_quantiles *model)
{
    double d = 0;
    size_t first = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && sorted[i] != sorted[i - 1])
            first = i;
        /* Compare at the end of a run of equal values, both sides of the step. */
        if (i + 1 < n && sorted[i + 1] == sorted[i])
            continue;
        double fm = gen_quantiles_cdf(model, sorted[i]);
        double above = fabs((double)(i + 1) / (double)n - fm);
        double below = fabs(fm - (double)first / (double)n);
        if (above > d)
            d = above;
        if (below > d)
            d = below;
    }
    return d;
}
