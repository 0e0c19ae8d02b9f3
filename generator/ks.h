/*
 * Kolmogorov-Smirnov tests for the quality report: the one-sample statistic
 * D of a sample against a model CDF (continuous, or discrete with a jump at
 * each value), the distribution of D under the null hypothesis (exact for
 * moderate n·d by the matrix method of Marsaglia, Tsang and Wang 2003, the
 * limiting Kolmogorov distribution with Stephens' correction beyond), and
 * Benjamini-Hochberg adjusted p-values.
 */
#ifndef GEN_KS_H
#define GEN_KS_H

#include <stddef.h>

/*
 * A model CDF for KS: cdf(x) = P(X <= x); for a discrete model also
 * below(x) = P(X < x) (NULL: continuous, below = cdf).
 */
struct gen_ks_model {
    double (*cdf)(const void *arg, double x);
    double (*below)(const void *arg, double x);
    const void *arg;
};

/*
 * D = sup |F_n - F| of n values (sorted in place) against the model: at
 * each distinct value v with empirical F_n(v) and F_n(v-), the larger of
 * |F_n(v) - cdf(v)| and |F_n(v-) - below(v)|. For a continuous model this
 * is the usual statistic; for a discrete one it is D taken only where the
 * model CDF jumps, whose null distribution is stochastically smaller than
 * the continuous one, so p-values from gen_ks_pvalue are conservative.
 */
double gen_ks_d(double *v, size_t n, const struct gen_ks_model *m);

/* P(D_n < d) under the null hypothesis for a continuous model. */
double gen_ks_cdf(size_t n, double d);
/* P(D_n >= d): the p-value of an observed D. */
double gen_ks_pvalue(size_t n, double d);
/* The limiting distribution: P(sqrt(n) D_n <= x) as n grows (Kolmogorov's K). */
double gen_kolmogorov_cdf(double x);

/* Benjamini-Hochberg adjusted p-values (q-values) of p[0..m-1] into q. */
void gen_ks_bh(const double *p, size_t m, double *q);

#endif
