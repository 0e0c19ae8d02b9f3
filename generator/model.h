/*
 * The value model shared by generation and the quality report: inverse CDFs
 * built from a shape's quantile points (with tails), count distributions for
 * children per parent, categorical samplers, and Kolmogorov-Smirnov
 * distances between generated values and the shape's distributions.
 */
#ifndef GEN_MODEL_H
#define GEN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "shape.h"

enum gen_tail { GEN_TAIL_LINEAR, GEN_TAIL_PARETO, GEN_TAIL_FLAT };

/*
 * An inverse CDF: piecewise linear between the points, extrapolated below
 * the first point along the first segment (never below `floor`) and above
 * the last point either linearly (capped at `cap`), flat, or with a Pareto
 * tail of index `alpha` (used to match a known mean). Caller-owned; the
 * arrays are owned by the struct (gen_icdf_release).
 */
struct gen_icdf {
    size_t n;
    double *p;
    double *v;
    double floor;
    double cap;
    enum gen_tail tail;
    double alpha;
    double gamma;  /* inside a segment: v0 + (v1 - v0) * f^gamma; 1 = linear */
    double zero_p; /* counts: u above this gives at least 1 (1 - parents_with_children) */
};

/* From shape quantiles; NULL/empty quantiles give the constant `dflt`. */
void gen_icdf_init(struct gen_icdf *q, const struct sil_quantiles *src, double dflt);
/* Uniform on [lo, hi]. */
void gen_icdf_init_uniform(struct gen_icdf *q, double lo, double hi);
void gen_icdf_release(struct gen_icdf *q);
double gen_icdf_eval(const struct gen_icdf *q, double u);
/* The CDF at x (inverse of eval on the modelled range). */
double gen_icdf_cdf(const struct gen_icdf *q, double x);
/* Mean of gen_icdf_count over `m` stratified points. */
double gen_icdf_count_mean(const struct gen_icdf *q, size_t m);
/*
 * For count distributions: bend the segments between quantile points
 * (gamma) so that the mean number of children is `mean`; values at the
 * quantile points stay where the shape puts them. When even the flattest
 * bend falls short, a Pareto tail above the last point carries the rest.
 */
void gen_icdf_fit_count_mean(struct gen_icdf *q, double mean);

/* Children per parent as an integer: eval(u) rounded, never negative. */
static inline int64_t gen_icdf_count(const struct gen_icdf *q, double u)
{
    double x = gen_icdf_eval(q, u);
    if (!(x > 0.5))
        return u > q->zero_p ? 1 : 0;
    return (int64_t)(x + 0.5);
}

/* P(count <= k) under the model (for KS distances of fan-out). */
double gen_icdf_count_cdf(const struct gen_icdf *q, int64_t k);

/*
 * The model of one foreign key's children per parent, from its shape stats:
 * quantiles when present, else a geometric model from mean_children and
 * parents_with_children, else `fallback_mean` children for every parent.
 */
void gen_fk_count_model(struct gen_icdf *q, const struct sil_fkstats *st, double fallback_mean);

/* A categorical sampler: cumulative weights, binary searched. Caller-owned. */
struct gen_cat {
    size_t n;
    double *cum; /* cum[n-1] == 1 */
};

/* Weights need not sum to 1; all zero gives a uniform choice. */
void gen_cat_init(struct gen_cat *c, const double *w, size_t n);
void gen_cat_release(struct gen_cat *c);
size_t gen_cat_pick(const struct gen_cat *c, double u);

/*
 * KS distance between the empirical distribution of integer counts
 * (hist[k] = how many parents had k children, k < nhist) and the model
 * CDF evaluated at integers: max_k |F_emp(k) - F_model(k)|.
 */
double gen_ks_counts(const int64_t *hist, size_t nhist, const struct sil_quantiles *model);
/* The model CDF of a quantile list at x (piecewise linear, 0/1 outside). */
double gen_quantiles_cdf(const struct sil_quantiles *q, double x);
/* KS distance between sorted samples and a quantile list's CDF. */
double gen_ks_samples(const double *sorted, size_t n, const struct sil_quantiles *model);

#endif
