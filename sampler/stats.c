/* k-protected quantiles, hour-of-week bins and category protection. */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

int sampler_buckets(int64_t n, int k)
{
    if (k < 1 || n < 2 * (int64_t)k)
        return 0;
    int64_t b = n / k;
    return b > SAMPLER_MAX_BUCKETS ? SAMPLER_MAX_BUCKETS : (int)b;
}

void sampler_quantiles_from_means(struct sil_arena *a, const double *means, int nb,
                                  struct sil_quantiles *q)
{
    memset(q, 0, sizeof *q);
    if (nb <= 0)
        return;
    q->p = sil_arena_alloc(a, (size_t)nb * sizeof *q->p);
    q->v = sil_arena_alloc(a, (size_t)nb * sizeof *q->v);
    for (int i = 0; i < nb; i++) {
        q->p[i] = ((double)i + 0.5) / nb;
        q->v[i] = i > 0 && means[i] < q->v[i - 1] ? q->v[i - 1] : means[i];
    }
    q->n = (size_t)nb;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void sampler_quantiles_from_values(struct sil_arena *a, double *v, size_t n, int k,
                                   struct sil_quantiles *q)
{
    int nb = sampler_buckets((int64_t)n, k);
    memset(q, 0, sizeof *q);
    if (!nb)
        return;
    qsort(v, n, sizeof *v, cmp_double);
    double means[SAMPLER_MAX_BUCKETS];
    /* ntile(): the first n % B buckets hold one value more. */
    size_t base = n / (size_t)nb, extra = n % (size_t)nb, at = 0;
    for (int b = 0; b < nb; b++) {
        size_t len = base + ((size_t)b < extra);
        double sum = 0;
        for (size_t i = 0; i < len; i++)
            sum += v[at + i];
        means[b] = sum / (double)len;
        at += len;
    }
    sampler_quantiles_from_means(a, means, nb, q);
}

double *sampler_hour_of_week(struct sil_arena *a, const int64_t counts[SIL_HOURS_PER_WEEK],
                             int64_t total, int k)
{
    if (total <= 0)
        return NULL;
    double *h = sil_arena_alloc(a, SIL_HOURS_PER_WEEK * sizeof *h);
    for (int i = 0; i < SIL_HOURS_PER_WEEK; i++)
        h[i] = counts[i] >= k ? (double)counts[i] / (double)total : 0;
    return h;
}

int sampler_clean_text(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || (len == 2 && c < 0xc2) || i + len > n)
            return 0;
        for (size_t j = 1; j < len; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        /* Overlong three- and four-byte forms, surrogates, past U+10FFFF. */
        if ((len == 3 && c == 0xe0 && s[i + 1] < 0xa0) ||
            (len == 3 && c == 0xed && s[i + 1] >= 0xa0) ||
            (len == 4 && c == 0xf0 && s[i + 1] < 0x90) ||
            (len == 4 && (c > 0xf4 || (c == 0xf4 && s[i + 1] >= 0x90))))
            return 0;
        /* C1 controls. */
        if (len == 2 && c == 0xc2 && s[i + 1] < 0xa0)
            return 0;
        i += len;
    }
    return 1;
}

int sampler_cat_encoding(const struct sampler_protect *pr, enum sil_class cls,
                         enum sampler_catmode mode)
{
    if (mode == SAMPLER_CAT_DROP)
        return -1;
    if (cls == SIL_CLASS_IDENTIFIER && mode == SAMPLER_CAT_AUTO)
        return -1;
    int enc;
    if (mode == SAMPLER_CAT_TOKEN || cls == SIL_CLASS_SENSITIVE || sil_class_is_personal(cls))
        enc = SIL_CAT_TOKEN;
    else
        enc = SIL_CAT_CLEAR;
    if (enc == SIL_CAT_TOKEN && !pr->key)
        return -1;
    return enc;
}

struct item {
    const char *value;
    size_t len;
    int64_t count;
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->value, y->value, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int cmp_token(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->value, ((const struct item *)b)->value);
}

struct sil_categories *sampler_protect_categories(struct sil_arena *a,
                                                  const struct sampler_protect *pr,
                                                  enum sil_class cls, enum sampler_catmode mode,
                                                  const struct sampler_catinput *in)
{
    int enc = sampler_cat_encoding(pr, cls, mode);
    if (enc < 0 || in->nonnull <= 0)
        return NULL;
    struct item *it = sil_xcalloc(in->n ? in->n : 1, sizeof *it);
    size_t n = 0;
    int64_t dropped = in->rare_distinct;
    for (size_t i = 0; i < in->n; i++) {
        const struct sampler_catvalue *v = &in->v[i];
        if (v->count < pr->k) {
            dropped++;
            continue;
        }
        if (enc == SIL_CAT_CLEAR) {
            if (v->len == 0 || v->len > (size_t)pr->max_bytes ||
                !sampler_clean_text(v->value, v->len) ||
                (pr->pii && pr->pii(pr->pii_ctx, v->value, v->len))) {
                dropped++;
                continue;
            }
            it[n].value = sil_arena_strndup(a, v->value, v->len);
            it[n].len = v->len;
        } else {
            char tok[SAMPLER_TOKEN_MAX + 1];
            sampler_key_token(pr->key, v->value, v->len, pr->token_length, tok);
            it[n].value = sil_arena_strdup(a, tok);
            it[n].len = strlen(tok);
        }
        it[n++].count = v->count;
    }
    if (enc == SIL_CAT_TOKEN && n > 1) {
        /* Two values with one token (a 2^-64 event) are merged, not listed twice. */
        qsort(it, n, sizeof *it, cmp_token);
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
            if (w && strcmp(it[w - 1].value, it[i].value) == 0) {
                it[w - 1].count += it[i].count;
                continue;
            }
            it[w++] = it[i];
        }
        n = w;
    }
    qsort(it, n, sizeof *it, cmp_item);
    if (pr->max_values >= 0 && n > (size_t)pr->max_values) {
        dropped += (int64_t)(n - (size_t)pr->max_values);
        n = (size_t)pr->max_values;
    }
    struct sil_categories *cat = sil_arena_alloc(a, sizeof *cat);
    cat->encoding = (enum sil_cat_encoding)enc;
    cat->v = sil_arena_alloc(a, (n ? n : 1) * sizeof *cat->v);
    int64_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        cat->v[i].value = it[i].value;
        cat->v[i].fraction = (double)it[i].count / (double)in->nonnull;
        listed += it[i].count;
    }
    cat->n = n;
    cat->other_fraction =
        listed >= in->nonnull ? 0 : (double)(in->nonnull - listed) / (double)in->nonnull;
    cat->suppressed = dropped;
    free(it);
    return cat;
}
