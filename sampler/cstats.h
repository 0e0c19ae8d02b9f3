/*
 * The PostgreSQL path's statistics computed in C, for sources that have no
 * database to aggregate for them (REST): the same definitions as the SQL in
 * pgstats.c, so the same rows give the same numbers. Distinct counts (text
 * compares its first 256 characters), category candidates (values held by at
 * least k rows, most frequent first, ties in byte order), hour-of-week
 * counts, percentile_cont, and the foreign-key figures: children per sampled
 * parent and gaps between a parent's consecutive children. The protection
 * itself (buckets, categories, bins) is stats.h's. No libpq, no libcurl.
 */
#ifndef SAMPLER_CSTATS_H
#define SAMPLER_CSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "shape.h"
#include "stats.h"

/* Characters (UTF-8 code points) in n bytes: PostgreSQL's length(). */
size_t sampler_c_chars(const char *s, size_t n);
/* Bytes of the first `chars` characters: left(s, chars). */
size_t sampler_c_left(const char *s, size_t n, size_t chars);

/* Distinct values of n doubles (sorted in place). */
int64_t sampler_c_distinct_numbers(double *v, size_t n);

/* A string value (not NUL-terminated necessarily). */
struct sampler_cstr {
    const char *s;
    size_t len;
};

/* count(DISTINCT left(v, 256)): distinct over the first 256 characters (sorts v). */
int64_t sampler_c_distinct_text(struct sampler_cstr *v, size_t n);

/*
 * The category candidates of n values: every distinct value of at most
 * max_bytes bytes held by at least k of them, most frequent first, ties in
 * byte order, at most `limit` (sorts v). *out is an array the caller frees
 * (values point into v's strings); returns how many.
 */
size_t sampler_c_categories(struct sampler_cstr *v, size_t n, int k, size_t max_bytes, size_t limit,
                            struct sampler_catvalue **out);

/* Hour-of-week bin of an epoch second (UTC, Monday 00:00 = 0). */
int sampler_c_hour_of_week(double epoch);

/* percentile_cont(p) of n sorted values (n > 0). */
double sampler_c_percentile(const double *sorted, size_t n, double p);

/*
 * Foreign-key statistics from the number of children of each sampled
 * parent (sorted in place): sampled_parents, parents_with_children,
 * mean_children, heavy and k-protected children_per_parent. Returns -1
 * (nothing set) when there are no parents.
 */
int sampler_c_fk_children(struct sil_arena *a, double *counts, size_t nparents, int k,
                          int64_t heavy_threshold, struct sil_fkstats *st);

/*
 * Arrival statistics from the gaps (seconds) between consecutive children of
 * one parent (sorted in place): burstiness = p95 / p50 and k-protected
 * gap_quantiles. Returns -1 (nothing set) when there are fewer than 2k gaps,
 * the median gap is 0, or fewer than two buckets come out.
 */
int sampler_c_fk_arrival(struct sil_arena *a, double *gaps, size_t n, int k,
                         struct sil_fkstats *st);

#endif
