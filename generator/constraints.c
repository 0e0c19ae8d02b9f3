/* Applying simple constraints (ranges, lists, lengths, comparisons) to a plan. */
#include "constraints.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct sil_err *err, const struct gen_table *t, const char *col, const char *why)
{
    sil_err_set(err, SIL_EINPUT, "table \"%s.%s\": constraint on column \"%s\" cannot hold: %s",
                t->t->schema, t->t->name, col, why);
    return -1;
}

static int find(const struct gen_table *t, const char *name)
{
    return sil_table_column(t->t, name);
}

static enum gen_op flip(enum gen_op op)
{
    switch (op) {
    case GEN_OP_LT:
        return GEN_OP_GT;
    case GEN_OP_LE:
        return GEN_OP_GE;
    case GEN_OP_GT:
        return GEN_OP_LT;
    case GEN_OP_GE:
        return GEN_OP_LE;
    default:
        return op;
    }
}

static int value_ok(double x, enum gen_op op, double v)
{
    switch (op) {
    case GEN_OP_EQ:
        return x == v;
    case GEN_OP_NE:
        return x != v;
    case GEN_OP_LT:
        return x < v;
    case GEN_OP_LE:
        return x <= v;
    case GEN_OP_GT:
        return x > v;
    case GEN_OP_GE:
        return x >= v;
    }
    return 1;
}

/* Narrow a column's bounds by `op v`. */
static void narrow(struct gen_bounds *b, enum gen_op op, double v)
{
    int lo = op == GEN_OP_GT || op == GEN_OP_GE || op == GEN_OP_EQ;
    int hi = op == GEN_OP_LT || op == GEN_OP_LE || op == GEN_OP_EQ;
    int strict = op == GEN_OP_GT || op == GEN_OP_LT;
    if (lo && (!b->has_lo || v > b->lo || (v == b->lo && strict))) {
        b->has_lo = 1;
        b->lo = v;
        b->lo_strict = strict;
    }
    if (hi && (!b->has_hi || v < b->hi || (v == b->hi && strict))) {
        b->has_hi = 1;
        b->hi = v;
        b->hi_strict = strict;
    }
}

/* Keep the categories for which keep(value) holds; renormalise. */
static int filter_categories(struct gen_col *c, int (*keep)(const char *, const void *),
                             const void *arg)
{
    double *w = sil_xcalloc(c->ncat ? c->ncat : 1, sizeof *w);
    size_t k = 0;
    for (size_t i = 0; i < c->ncat; i++) {
        double prev = i ? c->cat.cum[i - 1] : 0;
        if (keep(c->cat_values[i], arg)) {
            w[k] = c->cat.cum[i] - prev;
            c->cat_values[k++] = c->cat_values[i];
        } else {
            free((char *)c->cat_values[i]);
        }
    }
    c->ncat = k;
    gen_cat_release(&c->cat);
    gen_cat_init(&c->cat, w, k);
    free(w);
    return k > 0 ? 0 : -1;
}

struct range_arg {
    enum gen_op op;
    double v;
};

static int keep_range(const char *s, const void *arg)
{
    const struct range_arg *a = arg;
    double x;
    return sil_parse_double(s, &x) == 0 && value_ok(x, a->op, a->v);
}

static int keep_in(const char *s, const void *arg)
{
    const struct gen_cons *c = arg;
    int found = 0;
    for (size_t i = 0; i < c->nvalues && !found; i++) {
        double a, b;
        found = strcmp(s, c->values[i]) == 0 ||
                (sil_parse_double(s, &a) == 0 && sil_parse_double(c->values[i], &b) == 0 && a == b);
    }
    return c->negated ? !found : found;
}

struct len_arg {
    enum gen_op op;
    double v;
};

static int keep_len(const char *s, const void *arg)
{
    const struct len_arg *a = arg;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xc0) != 0x80;
    return value_ok((double)n, a->op, a->v);
}

/* Replace a column's values by a uniform choice among `values`. */
static void become_list(struct gen_col *c, const struct gen_cons *k)
{
    for (size_t i = 0; i < c->ncat; i++)
        free((char *)c->cat_values[i]);
    free(c->cat_values);
    gen_cat_release(&c->cat);
    c->cat_values = sil_xcalloc(k->nvalues ? k->nvalues : 1, sizeof *c->cat_values);
    c->ncat = 0;
    for (size_t i = 0; i < k->nvalues; i++)
        if (k->values[i])
            c->cat_values[c->ncat++] = sil_xstrdup(k->values[i]);
    double *w = sil_xcalloc(c->ncat ? c->ncat : 1, sizeof *w);
    gen_cat_init(&c->cat, w, c->ncat);
    free(w);
    c->kind = c->kind == GK_BOOL ? GK_BOOL : GK_CAT;
}

static int apply_range(struct gen_table *t, struct gen_col *c, const struct gen_cons *k,
                       struct sil_err *err)
{
    double v = k->value;
    if (c->kind == GK_TIME && c->type->base == SIL_T_DATE)
        v = k->op == GEN_OP_LT || k->op == GEN_OP_GE ? ceil(v / 86400) : floor(v / 86400);
    switch (c->kind) {
    case GK_ROWKEY:
    case GK_SEQ_IN_PARENT:
        if (c->rowkey_kind != 0 && c->kind == GK_ROWKEY)
            return 1;
        /* Keys run 1..rows (1..children within a parent). */
        if (!value_ok(1, k->op, v) ||
            (c->kind == GK_ROWKEY && !value_ok((double)t->rows, k->op, v)))
            return fail(err, t, c->col->name, "the key values 1..rows fall outside it");
        return 0;
    case GK_CAT: {
        struct range_arg a = {k->op, v};
        if (filter_categories(c, keep_range, &a) < 0)
            return fail(err, t, c->col->name, "no category value satisfies it");
        return 0;
    }
    case GK_NUM:
    case GK_TIME: {
        if (c->unique) {
            /* Unique values are base, base + 1, ...: move the base up, or
             * check the top fits. */
            double step = c->kind == GK_TIME && c->type->base != SIL_T_DATE ? 61 : 1;
            double top = c->bounds.lo + ((double)t->rows - 1) * step;
            if (k->op == GEN_OP_GT || k->op == GEN_OP_GE || k->op == GEN_OP_EQ) {
                double lo = k->op == GEN_OP_GT ? floor(v) + 1 : ceil(v);
                if (lo > c->bounds.lo) {
                    top += lo - c->bounds.lo;
                    c->bounds.lo = lo;
                }
            }
            if ((k->op == GEN_OP_LT || k->op == GEN_OP_LE || k->op == GEN_OP_EQ) &&
                !value_ok(top, k->op, v))
                return fail(err, t, c->col->name, "fewer values in its range than rows");
            if (k->op == GEN_OP_NE && v >= c->bounds.lo && v <= top)
                return 1;
            return 0;
        }
        if (k->op == GEN_OP_NE)
            return 1; /* continuous draws meet one value only by chance */
        narrow(&c->bounds, k->op, v);
        if (c->bounds.has_lo && c->bounds.has_hi &&
            (c->bounds.lo > c->bounds.hi ||
             (c->bounds.lo == c->bounds.hi && (c->bounds.lo_strict || c->bounds.hi_strict))))
            return fail(err, t, c->col->name, "its range is empty");
        /* Draw inside the range rather than piling values on its ends. */
        c->u_lo = c->bounds.has_lo ? gen_icdf_cdf(&c->dist, c->bounds.lo) : 0;
        c->u_hi = c->bounds.has_hi ? gen_icdf_cdf(&c->dist, c->bounds.hi) : 1;
        if (c->u_hi < c->u_lo)
            c->u_hi = c->u_lo;
        return 0;
    }
    default:
        return 1;
    }
}

int gen_constrain(struct gen_plan *p, struct gen_table *t, const struct gen_cons *cons, size_t n,
                  size_t *skipped, struct sil_err *err)
{
    (void)p;
    size_t skip = 0;
    for (size_t i = 0; i < n; i++) {
        const struct gen_cons *k = &cons[i];
        int ci = find(t, k->column);
        if (ci < 0)
            return fail(err, t, k->column, "no such column");
        struct gen_col *c = &t->cols[ci];
        int r = 0;
        switch (k->kind) {
        case GC_NOT_NULL:
            c->null_frac = 0;
            break;
        case GC_RANGE:
            r = apply_range(t, c, k, err);
            break;
        case GC_IN:
            if (c->kind == GK_CAT || (c->kind == GK_BOOL && c->ncat)) {
                if (filter_categories(c, keep_in, k) == 0)
                    break;
                if (k->negated)
                    return fail(err, t, c->col->name, "every value is excluded");
                become_list(c, k);
            } else if (k->negated) {
                r = 1; /* generated values meet a NOT IN list only by chance */
            } else if (c->kind == GK_TEXT || c->kind == GK_PII || c->kind == GK_FAKER ||
                       c->kind == GK_NUM || c->kind == GK_BOOL) {
                if (c->unique && (size_t)t->rows > k->nvalues)
                    return fail(err, t, c->col->name,
                                "a unique column with fewer listed values than rows");
                become_list(c, k);
                if (c->unique)
                    gen_perm_init(&c->uperm, (uint64_t)t->rows, c->key);
            } else {
                r = 1;
            }
            break;
        case GC_LENGTH: {
            enum gen_op op = k->op;
            double v = k->value;
            if (c->kind == GK_CAT) {
                struct len_arg a = {op, v};
                if (filter_categories(c, keep_len, &a) < 0)
                    return fail(err, t, c->col->name, "no category has such a length");
            } else if (c->kind == GK_TEXT || c->kind == GK_PII || c->kind == GK_FAKER) {
                if (op == GEN_OP_LT || op == GEN_OP_LE || op == GEN_OP_EQ) {
                    int m = (int)(op == GEN_OP_LT ? ceil(v) - 1 : floor(v));
                    if (m < 1)
                        return fail(err, t, c->col->name, "no text is that short");
                    if (c->maxlen == 0 || m < c->maxlen)
                        c->maxlen = m;
                }
                if (op == GEN_OP_GT || op == GEN_OP_GE || op == GEN_OP_EQ) {
                    if (c->kind != GK_TEXT)
                        r = 1; /* names and codes are not padded */
                    else
                        c->minlen = (int)(op == GEN_OP_GT ? floor(v) + 1 : ceil(v));
                }
            } else {
                r = 1;
            }
            break;
        }
        case GC_COLUMNS: {
            int c2 = find(t, k->column2);
            if (c2 < 0)
                return fail(err, t, k->column2, "no such column");
            struct gen_col *o = &t->cols[c2];
            int numeric = (c->kind == GK_NUM || (c->kind == GK_ROWKEY && c->rowkey_kind == 0)) &&
                          (o->kind == GK_NUM || (o->kind == GK_ROWKEY && o->rowkey_kind == 0));
            int timey = c->kind == GK_TIME && o->kind == GK_TIME &&
                        (c->type->base == SIL_T_DATE) == (o->type->base == SIL_T_DATE);
            if ((!numeric && !timey) || ci == c2) {
                r = 1;
                break;
            }
            /* The later column adjusts to the earlier one. */
            struct gen_col *late = ci > c2 ? c : o;
            size_t early = (size_t)(ci > c2 ? c2 : ci);
            enum gen_op op = ci > c2 ? k->op : flip(k->op);
            if (late->kind != GK_NUM && late->kind != GK_TIME) {
                r = 1;
                break;
            }
            late->cmp = sil_xrealloc(late->cmp, (late->ncmp + 1) * sizeof *late->cmp);
            late->cmp[late->ncmp].other = early;
            late->cmp[late->ncmp].op = op;
            late->ncmp++;
            break;
        }
        }
        if (r < 0)
            return -1;
        skip += (size_t)r;
    }
    if (skipped)
        *skipped = skip;
    return 0;
}
