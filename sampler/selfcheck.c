/* Invariants checked on the shape the sampler is about to write. */
#include "selfcheck.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "shapescan.h"
#include "stats.h"

static int fail(struct sil_err *err, size_t t, size_t c, const char *what)
{
    char path[96];
    snprintf(path, sizeof path, "tables[%zu].columns[%zu].stats", t, c);
    return sil_err_set_path(err, SIL_ECHECK, path, "%s", what);
}

static int enough(double fraction, int64_t rows, int k)
{
    /* fraction = count / nonnull with nonnull <= rows, so count >= fraction * rows. */
    return fraction * (double)rows + 1e-6 >= (double)k;
}

struct scan_ctx {
    long n;
    char first[1024];
};

static int on_finding(void *ctx, const struct sil_finding *f)
{
    struct scan_ctx *c = ctx;
    if (c->n++ == 0)
        snprintf(c->first, sizeof c->first, "%s: %s%s%s (%s)", f->path[0] ? f->path : "(top level)",
                 f->rule, f->masked[0] ? ": " : "", f->masked, f->message);
    return 0;
}

int sampler_selfcheck(struct sil_shape *s, struct sil_rscan *sc, struct sil_err *err)
{
    if (sil_shape_validate(s, err) < 0)
        return -1;
    int k = s->privacy.k;
    for (size_t ti = 0; ti < s->ntables; ti++) {
        const struct sil_table *t = &s->tables[ti];
        for (size_t ci = 0; ci < t->ncols; ci++) {
            const struct sil_column *col = &t->cols[ci];
            const struct sil_colstats *st = col->stats;
            if (!st)
                continue;
            if (st->quantiles.n * (size_t)k > (size_t)t->sampled_rows ||
                st->length_quantiles.n * (size_t)k > (size_t)t->sampled_rows)
                return fail(err, ti, ci, "more quantile points than buckets of k sampled rows");
            if (st->hour_of_week)
                for (int h = 0; h < SIL_HOURS_PER_WEEK; h++)
                    if (st->hour_of_week[h] > 0 && !enough(st->hour_of_week[h], t->sampled_rows, k))
                        return fail(err, ti, ci, "an hour-of-week bin holds fewer than k rows");
            const struct sil_categories *cat = st->categories;
            if (!cat)
                continue;
            if (cat->encoding == SIL_CAT_CLEAR && col->classification != SIL_CLASS_PUBLIC)
                return fail(err, ti, ci, "clear category values in a column that is not public");
            for (size_t i = 0; i < cat->n; i++) {
                const char *v = cat->v[i].value;
                if (!enough(cat->v[i].fraction, t->sampled_rows, k))
                    return fail(err, ti, ci, "a category value held by fewer than k rows");
                if (cat->encoding == SIL_CAT_CLEAR &&
                    (!*v || strlen(v) > (size_t)s->privacy.max_category_bytes ||
                     !sampler_clean_text(v, strlen(v))))
                    return fail(err, ti, ci,
                                "a clear category value that is too long or not "
                                "clean text");
            }
        }
    }
    for (size_t ti = 0; ti < s->ntables; ti++) {
        const struct sil_table *t = &s->tables[ti];
        for (size_t f = 0; f < t->nfks; f++) {
            const struct sil_fkstats *st = t->fks[f].stats;
            if (st && st->children_per_parent.n * (size_t)k > (size_t)st->sampled_parents) {
                char path[96];
                snprintf(path, sizeof path, "tables[%zu].foreign_keys[%zu].stats", ti, f);
                return sil_err_set_path(err, SIL_ECHECK, path,
                                        "more children-per-parent points than buckets of k "
                                        "sampled parents");
            }
        }
    }
    /* What the reader of the file will see: the strict reader must accept it. */
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_shape_write(s, &b);
    struct sil_shape *back = sil_shape_parse(b.data, b.len, "the shape being written", 0, err);
    if (!back) {
        sil_buf_release(&b);
        return -1;
    }
    sil_shape_free(back);
    if (!sc) {
        sil_buf_release(&b);
        return 0;
    }
    /* The gate's own scan, with its default (not strict) flags. */
    struct scan_ctx c = {0, ""};
    struct sil_err e;
    sil_err_clear(&e);
    long r =
        sil_shapescan_buffer(sc, b.data, b.len, "the shape being written", 0, on_finding, &c, &e);
    sil_buf_release(&b);
    if (r == -2) {
        *err = e;
        return -1;
    }
    if (c.n > 0) {
        sil_err_set(err, SIL_ECHECK, "%ld PII finding%s, the first: %s", c.n, c.n == 1 ? "" : "s",
                    c.first);
        sil_err_hint(err, "classify the column as personal in a --policy file, or leave it out "
                          "with --exclude; validate-no-pii on a saved copy shows every finding");
        return -1;
    }
    return 0;
}
