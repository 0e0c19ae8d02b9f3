/* The SQL statistics of pgstats.c, in C over values held in memory. */
#include "cstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t sampler_c_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

size_t sampler_c_left(const char *s, size_t n, size_t chars)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (c == chars)
                return i;
            c++;
        }
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int64_t sampler_c_distinct_numbers(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    int64_t d = 1;
    for (size_t i = 1; i < n; i++)
        d += v[i] != v[i - 1];
    return d;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static int cmp_cstr(const void *a, const void *b)
{
    const struct sampler_cstr *x = a, *y = b;
    return cmp_bytes(x->s, x->len, y->s, y->len);
}

int64_t sampler_c_distinct_text(struct sampler_cstr *v, size_t n)
{
    if (n == 0)
        return 0;
    struct sampler_cstr *w = sil_xcalloc(n, sizeof *w);
    for (size_t i = 0; i < n; i++) {
        w[i].s = v[i].s;
        w[i].len = sampler_c_left(v[i].s, v[i].len, 256);
    }
    qsort(w, n, sizeof *w, cmp_cstr);
    int64_t d = 1;
    for (size_t i = 1; i < n; i++)
        d += cmp_cstr(&w[i], &w[i - 1]) != 0;
    free(w);
    return d;
}

static int cmp_cat(const void *a, const void *b)
{
    const struct sampler_catvalue *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return cmp_bytes(x->value, x->len, y->value, y->len);
}

size_t sampler_c_categories(struct sampler_cstr *v, size_t n, int k, size_t max_bytes, size_t limit,
                            struct sampler_catvalue **out)
{
    qsort(v, n, sizeof *v, cmp_cstr);
    struct sampler_catvalue *c = sil_xcalloc(n + 1, sizeof *c);
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && cmp_cstr(&v[j], &v[i]) == 0)
            j++;
        if (v[i].len <= max_bytes && (int64_t)(j - i) >= k) {
            c[m].value = v[i].s;
            c[m].len = v[i].len;
            c[m++].count = (int64_t)(j - i);
        }
        i = j;
    }
    qsort(c, m, sizeof *c, cmp_cat);
    if (m > limit)
        m = limit;
    *out = c;
    return m;
}

int sampler_c_hour_of_week(double epoch)
{
    double days = floor(epoch / 86400);
    double secs = epoch - days * 86400;
    /* 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday. */
    int64_t dow = ((int64_t)days + 3) % 7;
    if (dow < 0)
        dow += 7;
    int hour = (int)(secs / 3600);
    if (hour > 23)
        hour = 23;
    return (int)dow * 24 + hour;
}

double sampler_c_percentile(const double *v, size_t n, double p)
{
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos), hi = (size_t)ceil(pos);
    if (hi >= n)
        hi = n - 1;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}

int sampler_c_fk_children(struct sil_arena *a, double *counts, size_t nparents, int k,
                          int64_t heavy_threshold, struct sil_fkstats *st)
{
    if (nparents == 0)
        return -1;
    double with = 0, sum = 0, heavy_p = 0, heavy_c = 0;
    for (size_t i = 0; i < nparents; i++) {
        double c = counts[i];
        with += c > 0;
        sum += c;
        if (c > (double)heavy_threshold) {
            heavy_p++;
            heavy_c += c;
        }
    }
    double parents = (double)nparents;
    st->sampled_parents = (int64_t)nparents;
    st->parents_with_children = with / parents;
    st->mean_children = sum / parents;
    if (heavy_p > 0) {
        st->has_heavy = 1;
        st->heavy_threshold = heavy_threshold;
        st->heavy_parent_fraction = heavy_p / parents;
        st->heavy_child_fraction = sum > 0 ? heavy_c / sum : 0;
    }
    sampler_quantiles_from_values(a, counts, nparents, k, &st->children_per_parent);
    if (st->children_per_parent.n < 2)
        memset(&st->children_per_parent, 0, sizeof st->children_per_parent);
    return 0;
}

int sampler_c_fk_arrival(struct sil_arena *a, double *gaps, size_t n, int k, struct sil_fkstats *st)
{
    if (n == 0 || sampler_buckets((int64_t)n, k) == 0)
        return -1;
    qsort(gaps, n, sizeof *gaps, cmp_double);
    double p50 = sampler_c_percentile(gaps, n, 0.5), p95 = sampler_c_percentile(gaps, n, 0.95);
    if (p50 <= 0)
        return -1;
    struct sil_quantiles q;
    sampler_quantiles_from_values(a, gaps, n, k, &q);
    if (q.n < 2)
        return -1;
    st->burstiness = p95 / p50;
    st->gap_quantiles = q;
    return 0;
}
