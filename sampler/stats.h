/*
 * The protection applied to statistics before they enter a shape, the same
 * whatever the source (computed by PostgreSQL over a sample, or in C over
 * records fetched from a REST API): k-protected quantiles (means of equal-
 * count buckets of at least k sorted values), hour-of-week fractions with
 * small bins zeroed, and category values that leave in clear only when
 * every check passes, else as HMAC tokens or not at all. No libpq here.
 */
#ifndef SAMPLER_STATS_H
#define SAMPLER_STATS_H

#include <stdint.h>

#include "arena.h"
#include "key.h"
#include "policyfile.h"
#include "shape.h"

#define SAMPLER_MAX_BUCKETS 100

/* Buckets for n sorted values: min(100, floor(n / k)); 0 when n < 2k. */
int sampler_buckets(int64_t n, int k);

/*
 * Quantile points [(i - 0.5) / B, means[i - 1]] for B bucket means in
 * ascending order. Values are forced non-decreasing (a mean can only drop
 * below the previous one by rounding). Arrays come from the arena.
 */
void sampler_quantiles_from_means(struct sil_arena *a, const double *means, int nb,
                                  struct sil_quantiles *q);

/*
 * The same from raw values (sorted in place): the buckets are those of SQL's
 * ntile(B) over the sorted values, so both paths give the same points.
 */
void sampler_quantiles_from_values(struct sil_arena *a, double *v, size_t n, int k,
                                   struct sil_quantiles *q);

/*
 * Hour-of-week fractions from counts per bin (Monday 00:00 UTC first) and the
 * number of non-null values; bins with fewer than k values are 0. NULL when
 * total is 0.
 */
double *sampler_hour_of_week(struct sil_arena *a, const int64_t counts[SIL_HOURS_PER_WEEK],
                             int64_t total, int k);

/* A category value that occurs at least k times in the sample. */
struct sampler_catvalue {
    const char *value;
    size_t len;
    int64_t count;
};

struct sampler_catinput {
    const struct sampler_catvalue *v;
    size_t n;
    int64_t nonnull;       /* non-null values in the sample */
    int64_t rare_distinct; /* distinct values held back at the source (count < k, too long) */
};

/* Nonzero when a PII rule matches the value. */
typedef int (*sampler_pii_fn)(void *ctx, const char *value, size_t len);

struct sampler_protect {
    int k;
    int max_bytes;  /* longest clear value */
    int max_values; /* most values listed */
    int token_length;
    const struct sampler_key *key; /* NULL: no tokens can be made */
    sampler_pii_fn pii;            /* NULL: no rule engine */
    void *pii_ctx;
};

/* The encoding a column's categories get, or -1 for none at all. */
int sampler_cat_encoding(const struct sampler_protect *pr, enum sil_class cls,
                         enum sampler_catmode mode);

/*
 * The categories to emit for a column: values with count >= k, clear only
 * when the encoding is clear and the value is 1..max_bytes bytes of UTF-8
 * without control characters that no PII rule matches (others are dropped,
 * counted in `suppressed`, their mass in other_fraction); tokens otherwise.
 * NULL when nothing may be emitted. Most frequent first, ties by value.
 */
struct sil_categories *sampler_protect_categories(struct sil_arena *a,
                                                  const struct sampler_protect *pr,
                                                  enum sil_class cls, enum sampler_catmode mode,
                                                  const struct sampler_catinput *in);

/* Valid UTF-8 without control characters. */
int sampler_clean_text(const char *s, size_t n);

#endif
