/* Check constraints: parsing, applying simple constraints to a plan, evaluating rows. */
#include "constraints.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "values.h"

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
    case GK_FK: {
        /* Integer keys of the parent run 1..parent rows. */
        const struct gen_col *pc = &c->fk->parent->cols[c->fk->ref_cols[c->fk_col]];
        if (pc->kind != GK_ROWKEY || pc->rowkey_kind != 0)
            return 1;
        double top = (double)c->fk->parent->rows;
        if (k->op == GEN_OP_NE)
            return v >= 1 && v <= top ? 1 : 0;
        if (top > 0 && (!value_ok(1, k->op, v) || !value_ok(top, k->op, v)))
            return fail(err, t, c->col->name, "the referenced key values fall outside it");
        return 0;
    }
    case GK_ROWKEY:
    case GK_SEQ_IN_PARENT:
        if (c->rowkey_kind != 0 && c->kind == GK_ROWKEY)
            return 1;
        /* Keys run 1..rows (1..children within a parent). */
        if (k->op == GEN_OP_NE) {
            if (v >= 1 && v <= (double)t->rows && v == floor(v))
                return c->kind == GK_ROWKEY
                           ? fail(err, t, c->col->name, "the key values 1..rows include it")
                           : 1;
            return 0;
        }
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
        /* Draw inside the range rather than piling values on its ends.
         * Numbers are rounded to their step and times floored to a unit,
         * so the range in draws is the set that rounds to an allowed value. */
        const struct gen_bounds *b = &c->bounds;
        double step = c->kind == GK_TIME ? 1
                      : c->is_int        ? 1
                      : c->scale >= 0    ? pow(10, -c->scale)
                                         : 0;
        double lo = b->lo, hi = b->hi;
        if (step > 0) {
            double l = b->lo_strict ? (floor(lo / step) + 1) * step : ceil(lo / step) * step;
            double h = b->hi_strict ? (ceil(hi / step) - 1) * step : floor(hi / step) * step;
            if (b->has_lo && b->has_hi && l > h + step / 4)
                return fail(err, t, c->col->name, "its range is empty");
            lo = c->kind == GK_TIME ? l : l - step / 2;
            hi = c->kind == GK_TIME ? h + 1 : h + step / 2;
        }
        c->u_lo = b->has_lo ? gen_icdf_cdf(&c->dist, lo) : 0;
        c->u_hi = b->has_hi ? gen_icdf_cdf(&c->dist, hi) : 1;
        if (c->u_hi < c->u_lo)
            c->u_hi = c->u_lo;
        return 0;
    }
    default:
        return 1;
    }
}

int gen_like(const char *s, const char *p, int icase)
{
    /* Iterative matcher with one backtrack point per '%' (the classic glob walk). */
    const char *star_p = NULL, *star_s = NULL;
    for (;;) {
        if (*p == '%') {
            while (*p == '%')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*s == '\0') {
            if (*p == '\0')
                return 1;
            return 0;
        }
        int ok = 0;
        size_t pl = 1, sl = 1;
        if (*p == '_') {
            ok = 1;
            while ((((unsigned char)s[sl]) & 0xc0) == 0x80)
                sl++;
        } else if (*p) {
            const char *q = p;
            if (*q == '\\' && q[1]) {
                q++;
                pl = 2;
            }
            char a = *s, b = *q;
            if (icase) {
                a = (char)(a >= 'A' && a <= 'Z' ? a + 32 : a);
                b = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            }
            ok = a == b;
        }
        if (ok) {
            s += sl;
            p += pl;
            continue;
        }
        if (!star_p)
            return 0;
        /* Let the last '%' swallow one more character. */
        star_s++;
        while ((((unsigned char)*star_s) & 0xc0) == 0x80)
            star_s++;
        if (star_s[-1] == '\0')
            return 0;
        s = star_s;
        p = star_p;
    }
}

struct like_arg {
    const char *pat;
    int icase, negated;
};

static int keep_like(const char *s, const void *arg)
{
    const struct like_arg *a = arg;
    return gen_like(s, a->pat, a->icase) != a->negated;
}

/* A column compared with another may move when its draw falls on the wrong
 * side; keys, unique values, arrival times and a person's birth date stay. */
static int adjustable(const struct gen_col *c)
{
    return (c->kind == GK_NUM || c->kind == GK_TIME) && !c->unique && !c->person_birth &&
           !c->arrival;
}

/* Apply one constraint: 0 applied, 1 not applied (the values do not follow
 * it by construction), -1 it cannot hold. *moved: the column that moves for
 * a comparison of two columns, else -1. */
static int apply_one(struct gen_table *t, const struct gen_cons *k, int *moved, struct sil_err *err)
{
    *moved = -1;
    int ci = find(t, k->column);
    if (ci < 0)
        return fail(err, t, k->column, "no such column");
    struct gen_col *c = &t->cols[ci];
    switch (k->kind) {
    case GC_NOT_NULL:
        c->null_frac = 0;
        if (c->kind == GK_FK) {
            if (c->fk->mode == GFK_ALLNULL)
                return fail(err, t, c->col->name, "the referenced table has no rows");
            c->fk->null_frac = 0;
            return c->fk->mode == GFK_SELF ? 1 : 0;
        }
        return c->kind == GK_NULL ? 1 : 0;
    case GC_RANGE:
        return apply_range(t, c, k, err);
    case GC_IN:
        if (c->kind == GK_BOOL) {
            /* Booleans: keep the allowed truth values. */
            int allow[2] = {0, 0};
            for (size_t i = 0; i < k->nvalues; i++)
                if (k->values[i])
                    allow[k->values[i][0] == 't'] = 1;
            if (k->negated) {
                allow[0] = !allow[0];
                allow[1] = !allow[1];
            }
            if (!allow[0] && !allow[1])
                return fail(err, t, c->col->name, "every value is excluded");
            if (allow[0] && allow[1])
                return 0;
            static const char *const tv[] = {"f", "t"};
            struct gen_cons one = {
                .kind = GC_IN, .column = k->column, .nvalues = 1, .values = &tv[allow[1]]};
            if (c->unique && t->rows > 1)
                return fail(err, t, c->col->name, "a unique column with one possible value");
            become_list(c, &one);
            return 0;
        }
        if (c->kind == GK_CAT) {
            if (filter_categories(c, keep_in, k) == 0)
                return 0;
            if (k->negated)
                return fail(err, t, c->col->name, "every value is excluded");
            become_list(c, k);
            if (c->unique) {
                if ((size_t)t->rows > c->ncat)
                    return fail(err, t, c->col->name,
                                "a unique column with fewer listed values than rows");
                gen_perm_init(&c->uperm, (uint64_t)t->rows, c->key);
            }
            return 0;
        }
        if (k->negated)
            return 1; /* generated values meet a NOT IN list only by chance */
        if (c->kind == GK_TEXT || c->kind == GK_PII || c->kind == GK_FAKER || c->kind == GK_NUM) {
            if (c->unique && (size_t)t->rows > k->nvalues)
                return fail(err, t, c->col->name,
                            "a unique column with fewer listed values than rows");
            become_list(c, k);
            if (c->unique)
                gen_perm_init(&c->uperm, (uint64_t)t->rows, c->key);
            return 0;
        }
        return 1;
    case GC_LENGTH: {
        enum gen_op op = k->op;
        double v = k->value;
        if (c->kind == GK_CAT) {
            struct len_arg a = {op, v};
            if (filter_categories(c, keep_len, &a) < 0)
                return fail(err, t, c->col->name, "no category has such a length");
            return 0;
        }
        if (c->kind != GK_TEXT && c->kind != GK_PII && c->kind != GK_FAKER)
            return 1;
        int r = 0;
        if (op == GEN_OP_LT || op == GEN_OP_LE || op == GEN_OP_EQ) {
            int m = (int)(op == GEN_OP_LT ? ceil(v) - 1 : floor(v));
            if (m < 1)
                return fail(err, t, c->col->name, "no text is that short");
            if (c->maxlen == 0 || m < c->maxlen)
                c->maxlen = m;
            /* Codes of unique text were sized before: they may be longer. */
            if (c->unique || c->kind == GK_FAKER)
                r = 1;
        }
        if (op == GEN_OP_GT || op == GEN_OP_GE || op == GEN_OP_EQ) {
            if (c->kind != GK_TEXT || c->unique)
                r = 1; /* names and codes are not padded */
            else
                c->minlen = (int)(op == GEN_OP_GT ? floor(v) + 1 : ceil(v));
        }
        if (op == GEN_OP_NE)
            r = 1;
        return r;
    }
    case GC_LIKE:
        if (c->kind == GK_CAT) {
            struct like_arg a = {k->values[0], k->icase, k->negated};
            if (filter_categories(c, keep_like, &a) < 0)
                return fail(err, t, c->col->name, "no category matches the pattern");
            return 0;
        }
        return 1;
    case GC_COLUMNS: {
        int c2 = find(t, k->column2);
        if (c2 < 0)
            return fail(err, t, k->column2, "no such column");
        struct gen_col *o = &t->cols[c2];
        int numeric = (c->kind == GK_NUM || (c->kind == GK_ROWKEY && c->rowkey_kind == 0)) &&
                      (o->kind == GK_NUM || (o->kind == GK_ROWKEY && o->rowkey_kind == 0));
        int timey = c->kind == GK_TIME && o->kind == GK_TIME &&
                    (c->type->base == SIL_T_DATE) == (o->type->base == SIL_T_DATE);
        if ((!numeric && !timey) || ci == c2)
            return 1;
        /* The movable column adjusts to the other; of two, the later one.
         * Columns that never move have no comparisons, so the chain of
         * columns read while adjusting has no cycle. */
        int move_c = adjustable(c), move_o = adjustable(o);
        if (!move_c && !move_o)
            return 1;
        int c_moves = move_c && (!move_o || ci > c2);
        struct gen_col *late = c_moves ? c : o;
        size_t other = (size_t)(c_moves ? c2 : ci);
        enum gen_op op = c_moves ? k->op : flip(k->op);
        late->cmp = sil_xrealloc(late->cmp, (late->ncmp + 1) * sizeof *late->cmp);
        late->cmp[late->ncmp].other = other;
        late->cmp[late->ncmp].op = op;
        late->ncmp++;
        *moved = c_moves ? ci : c2;
        return 0;
    }
    }
    return 1;
}

int gen_constrain(struct gen_plan *p, struct gen_table *t, const struct gen_cons *cons, size_t n,
                  size_t *skipped, struct sil_err *err)
{
    (void)p;
    size_t skip = 0;
    for (size_t i = 0; i < n; i++) {
        int moved;
        int r = apply_one(t, &cons[i], &moved, err);
        if (r < 0)
            return -1;
        skip += (size_t)r;
    }
    /* A column moved for more than one comparison, or also bounded, may
     * break one to meet the other. */
    for (size_t i = 0; i < t->ncols; i++) {
        const struct gen_col *c = &t->cols[i];
        if (c->ncmp > 1 || (c->ncmp && (c->bounds.has_lo || c->bounds.has_hi)))
            skip++;
    }
    if (skipped)
        *skipped = skip;
    return 0;
}

/* ---- from check expressions ---- */

static enum gen_op op_of(enum sil_expr_op op)
{
    switch (op) {
    case SIL_EXPR_EQ:
        return GEN_OP_EQ;
    case SIL_EXPR_NE:
        return GEN_OP_NE;
    case SIL_EXPR_LT:
        return GEN_OP_LT;
    case SIL_EXPR_LE:
        return GEN_OP_LE;
    case SIL_EXPR_GT:
        return GEN_OP_GT;
    case SIL_EXPR_GE:
        return GEN_OP_GE;
    }
    return GEN_OP_EQ;
}

static int is_datetime(const struct sil_type *t)
{
    return t->base == SIL_T_DATE || t->base == SIL_T_TIMESTAMP || t->base == SIL_T_TIMESTAMPTZ;
}

/* Text of a constant for an IN list, or NULL when it has none. */
static const char *value_text(const struct sil_expr_value *v)
{
    switch (v->kind) {
    case SIL_EXPR_V_NUMBER:
    case SIL_EXPR_V_TEXT:
    case SIL_EXPR_V_DATE:
    case SIL_EXPR_V_TIMESTAMP:
        return v->text;
    case SIL_EXPR_V_BOOL:
        return v->number != 0 ? "t" : "f";
    default:
        return NULL;
    }
}

/*
 * One constraint of an expression as a generator constraint on `column`.
 * Returns 1 converted (*k filled; k->values allocated into *vals, caller
 * frees), 2 always true (nothing to do), 0 not expressible.
 */
static int convert(const struct gen_plan *p, const struct gen_table *t, const char *column,
                   const struct sil_expr_constraint *x, struct gen_cons *k, const char ***vals)
{
    memset(k, 0, sizeof *k);
    *vals = NULL;
    k->column = column;
    int ci = find(t, column);
    if (ci < 0)
        return 0;
    const struct sil_type *ty = t->cols[ci].type;
    switch (x->kind) {
    case SIL_EXPR_C_NOT_NULL:
        k->kind = GC_NOT_NULL;
        return 1;
    case SIL_EXPR_C_COLUMNS:
        if (find(t, x->column2) < 0)
            return 0;
        k->kind = GC_COLUMNS;
        k->op = op_of(x->op);
        k->column2 = x->column2;
        return 1;
    case SIL_EXPR_C_LENGTH:
        if (x->value.kind != SIL_EXPR_V_NUMBER)
            return 0;
        k->kind = GC_LENGTH;
        k->op = op_of(x->op);
        k->value = x->value.number;
        return 1;
    case SIL_EXPR_C_LIKE:
        k->kind = GC_LIKE;
        *vals = sil_xcalloc(1, sizeof **vals);
        (*vals)[0] = x->value.text;
        k->values = *vals;
        k->nvalues = 1;
        k->negated = x->negated;
        k->icase = x->icase;
        return 1;
    case SIL_EXPR_C_COMPARE: {
        const struct sil_expr_value *v = &x->value;
        k->op = op_of(x->op);
        if (v->kind == SIL_EXPR_V_NUMBER && sil_type_is_numeric(ty)) {
            k->kind = GC_RANGE;
            k->value = v->number;
            return 1;
        }
        if ((v->kind == SIL_EXPR_V_DATE || v->kind == SIL_EXPR_V_TIMESTAMP) && is_datetime(ty)) {
            k->kind = GC_RANGE;
            k->value = v->number;
            return 1;
        }
        if (v->kind == SIL_EXPR_V_NOW && is_datetime(ty) &&
            (x->op == SIL_EXPR_LT || x->op == SIL_EXPR_LE)) {
            /* Not after now(): not after the shape was taken, which is
             * before any load of this output; the values stay the same
             * whenever they are generated. */
            int64_t at;
            if (!p->shape->created_at || sil_utc_parse(p->shape->created_at, &at) < 0)
                return 0;
            k->kind = GC_RANGE;
            k->value = (double)at;
            return 1;
        }
        if ((v->kind == SIL_EXPR_V_TEXT || v->kind == SIL_EXPR_V_BOOL ||
             v->kind == SIL_EXPR_V_NUMBER) &&
            (x->op == SIL_EXPR_EQ || x->op == SIL_EXPR_NE) &&
            (v->kind != SIL_EXPR_V_BOOL || ty->base == SIL_T_BOOLEAN)) {
            k->kind = GC_IN;
            *vals = sil_xcalloc(1, sizeof **vals);
            (*vals)[0] = value_text(v);
            k->values = *vals;
            k->nvalues = 1;
            k->negated = x->op == SIL_EXPR_NE;
            return 1;
        }
        return 0;
    }
    case SIL_EXPR_C_IN: {
        k->kind = GC_IN;
        k->negated = x->negated;
        *vals = sil_xcalloc(x->nvalues ? x->nvalues : 1, sizeof **vals);
        size_t n = 0;
        for (size_t i = 0; i < x->nvalues; i++) {
            if (x->values[i].kind == SIL_EXPR_V_NULL) {
                /* x IN (..., NULL) is never false: no constraint. NOT IN
                 * with a NULL is false only for the other items. */
                if (!x->negated) {
                    free(*vals);
                    *vals = NULL;
                    return 2;
                }
                continue;
            }
            const char *s = value_text(&x->values[i]);
            if (!s) {
                free(*vals);
                *vals = NULL;
                return 0;
            }
            (*vals)[n++] = s;
        }
        k->values = *vals;
        k->nvalues = n;
        return 1;
    }
    }
    return 0;
}

/* An expression for messages: at most 80 characters, control characters as '?'. */
static void expr_excerpt(const char *s, char *out, size_t n)
{
    size_t o = 0, len = strlen(s);
    for (size_t i = 0; s[i] && o + 4 < n && i < 80; i++)
        out[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (len > 80 && o + 4 < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

struct names {
    size_t n;
    const char **v;
};

/* Enum and domain names casts may name. */
static void type_names(const struct sil_shape *s, struct names *nm)
{
    nm->n = 0;
    nm->v = sil_xcalloc(s->nenums + s->ndomains + 1, sizeof *nm->v);
    for (size_t i = 0; i < s->nenums; i++)
        nm->v[nm->n++] = s->enums[i].name;
    for (size_t i = 0; i < s->ndomains; i++)
        nm->v[nm->n++] = s->domains[i].name;
}

/* Apply an expression's simple constraints; returns 1 when all of it is
 * applied (shaped), 0 when not, -1 when it cannot hold. */
static int apply_expr(struct gen_plan *p, struct gen_table *t, const struct sil_expr *e,
                      const char *value_col, const char *what, struct sil_err *err)
{
    size_t n = 0;
    const struct sil_expr_constraint *xs = NULL;
    int shaped = sil_expr_constraints(e, &n, &xs) == 1;
    for (size_t i = 0; i < n; i++) {
        const char *col = xs[i].column;
        if (value_col && strcmp(col, "VALUE") == 0)
            col = value_col;
        struct gen_cons k;
        const char **vals = NULL;
        int r = convert(p, t, col, &xs[i], &k, &vals);
        if (r == 0) {
            shaped = 0;
            continue;
        }
        if (r == 2)
            continue;
        int moved;
        int a = apply_one(t, &k, &moved, err);
        free(vals);
        if (a < 0) {
            char ex[100];
            expr_excerpt(sil_expr_text(e), ex, sizeof ex);
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            sil_err_set(err, SIL_EINPUT, "%s (%s \"%s\")", msg, what, ex);
            sil_err_hint(err, "the check and the shape's statistics disagree: fix the shape or "
                              "size the table so the check can hold");
            return -1;
        }
        if (a == 1)
            shaped = 0;
    }
    return shaped;
}

static void col_types(const struct gen_plan *p, const struct gen_table *t, const char **names,
                      enum sil_type_base *types)
{
    for (size_t i = 0; i < t->ncols; i++) {
        names[i] = t->t->cols[i].name;
        const struct sil_type *ty = sil_shape_base_type(p->shape, &t->t->cols[i].type);
        types[i] = ty->array_dims ? SIL_T_UNSUPPORTED : ty->base;
    }
}

static int refuse(struct sil_err *err, const char *owner_kind, const char *schema,
                  const char *owner, const char *kind, const char *name, const char *why)
{
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", why);
    sil_err_set(err, SIL_EINPUT, "%s \"%s.%s\": %s \"%s\" cannot be used: %s", owner_kind, schema,
                owner, kind, name, msg);
    sil_err_hint(err, "the generator accepts check expressions in the grammar of "
                      "common/expr.h (as PostgreSQL prints them); fix or drop it in the shape");
    return -1;
}

static int parse_table_checks(struct gen_plan *p, struct gen_table *t, const struct names *nm,
                              struct sil_err *err)
{
    struct sil_table *st = t->t;
    const struct sil_shape *s = p->shape;
    struct sil_expr_options po = {nm->n, nm->v, 0};
    struct sil_expr_options dpo = {nm->n, nm->v, 1};
    /* Domain checks apply to every column of the domain. */
    size_t ndom = 0;
    for (size_t c = 0; c < st->ncols; c++)
        if (st->cols[c].type.base == SIL_T_DOMAIN) {
            const struct sil_domain *d =
                sil_shape_domain(s, st->cols[c].type.ref_schema, st->cols[c].type.ref_name);
            ndom += d ? d->nchecks : 0;
        }
    t->checks = sil_xcalloc(st->nchecks + ndom + 1, sizeof *t->checks);
    const char **names = sil_xcalloc(t->ncols + 1, sizeof *names);
    enum sil_type_base *types = sil_xcalloc(t->ncols + 1, sizeof *types);
    col_types(p, t, names, types);
    int rc = -1;
    char what[200];
    for (size_t i = 0; i < st->nchecks; i++) {
        struct gen_check *gc = &t->checks[t->nchecks];
        gc->name = st->checks[i].name;
        gc->column = -1;
        gc->e = sil_expr_parse(st->checks[i].expr, &po, err);
        if (!gc->e) {
            refuse(err, "table", st->schema, st->name, "check constraint", gc->name, err->msg);
            goto out;
        }
        t->nchecks++;
        if (sil_expr_bind(gc->e, t->ncols, names, types, err) < 0) {
            refuse(err, "table", st->schema, st->name, "check constraint", gc->name, err->msg);
            goto out;
        }
        snprintf(what, sizeof what, "check constraint \"%s\"", gc->name);
        int sh = apply_expr(p, t, gc->e, NULL, what, err);
        if (sh < 0)
            goto out;
        gc->shaped = sh;
    }
    for (size_t c = 0; c < st->ncols; c++) {
        const struct sil_column *col = &st->cols[c];
        if (col->generated_expr) {
            t->cols[c].gen_expr = sil_expr_parse(col->generated_expr, &po, err);
            if (!t->cols[c].gen_expr) {
                refuse(err, "table", st->schema, st->name, "generated column", col->name, err->msg);
                goto out;
            }
        }
        if (col->type.base != SIL_T_DOMAIN)
            continue;
        const struct sil_domain *d = sil_shape_domain(s, col->type.ref_schema, col->type.ref_name);
        if (!d)
            continue;
        if (d->not_null) {
            struct gen_cons k = {.kind = GC_NOT_NULL, .column = col->name};
            int moved;
            if (apply_one(t, &k, &moved, err) < 0)
                goto out;
        }
        for (size_t k = 0; k < d->nchecks; k++) {
            struct gen_check *gc = &t->checks[t->nchecks++];
            gc->name = d->checks[k].name;
            gc->column = (int)c;
            /* A second parse, bound for evaluation on this table (VALUE only). */
            gc->e = sil_expr_parse(d->checks[k].expr, &dpo, err);
            if (!gc->e || sil_expr_bind(gc->e, 0, NULL, NULL, err) < 0) {
                refuse(err, "domain", d->schema, d->name, "check constraint", d->checks[k].name,
                       err->msg);
                goto out;
            }
            snprintf(what, sizeof what, "check constraint \"%s\" of domain \"%s\"", gc->name,
                     d->name);
            int sh = apply_expr(p, t, gc->e, col->name, what, err);
            if (sh < 0)
                goto out;
            gc->shaped = sh;
        }
    }
    rc = 0;
out:
    free(names);
    free(types);
    return rc;
}

/* Column texts of one row into vals (NULL for NULL); buf holds them. */
static void row_texts(const struct gen_plan *p, const struct gen_table *t, int64_t row,
                      struct gen_cursor *cur, struct gen_val *v, char **bufs, const char **vals)
{
    for (size_t i = 0; i < t->ncols; i++) {
        const struct gen_col *c = &t->cols[i];
        if (c->skip) {
            vals[i] = NULL;
            continue;
        }
        gen_value(p, t, c, row, cur, v);
        if (v->type == GV_NULL) {
            vals[i] = NULL;
            continue;
        }
        memcpy(bufs[i], v->s, v->len);
        bufs[i][v->len] = '\0';
        vals[i] = bufs[i];
    }
}

/* The first 1000 rows and 1000 spread over the rest. */
static int sample_checks(const struct gen_plan *p, const struct gen_table *t, struct sil_err *err)
{
    if (t->nchecks == 0 || t->rows == 0)
        return 0;
    char **bufs = sil_xcalloc(t->ncols + 1, sizeof *bufs);
    for (size_t i = 0; i < t->ncols; i++)
        bufs[i] = sil_xmalloc(GEN_VAL_MAX + 1);
    const char **vals = sil_xcalloc(t->ncols + 1, sizeof *vals);
    struct gen_val *v = sil_xmalloc(sizeof *v);
    struct gen_cursor *cur = gen_cursor_new(t);
    int rc = 0;
    int64_t head = SIL_MIN(t->rows, 1000);
    for (int64_t r = 0; r < head && rc == 0; r++) {
        row_texts(p, t, r, cur, v, bufs, vals);
        rc = gen_check_row(p, t, r, vals, 1, err);
    }
    if (t->rows > head) {
        gen_cursor_free(cur);
        cur = gen_cursor_new(t);
        int64_t step = SIL_MAX((t->rows - head) / 1000, 1);
        for (int64_t r = head; r < t->rows && rc == 0; r += step) {
            row_texts(p, t, r, cur, v, bufs, vals);
            rc = gen_check_row(p, t, r, vals, 1, err);
        }
    }
    gen_cursor_free(cur);
    free(v);
    for (size_t i = 0; i < t->ncols; i++)
        free(bufs[i]);
    free(bufs);
    free(vals);
    return rc;
}

int gen_check_row(const struct gen_plan *p, const struct gen_table *t, int64_t row,
                  const char *const *vals, int all, struct sil_err *err)
{
    for (size_t i = 0; i < t->nchecks; i++) {
        const struct gen_check *gc = &t->checks[i];
        if (!all && gc->shaped)
            continue;
        struct sil_expr_env env = {p->now, gc->column >= 0 ? vals[gc->column] : NULL};
        enum sil_tri res;
        struct sil_err e2;
        sil_err_clear(&e2);
        char ex[100];
        expr_excerpt(sil_expr_text(gc->e), ex, sizeof ex);
        const char *dom = gc->column >= 0 ? " (domain check on column " : "";
        const char *dcol = gc->column >= 0 ? t->t->cols[gc->column].name : "";
        const char *dend = gc->column >= 0 ? ")" : "";
        if (sil_expr_eval(gc->e, vals, &env, &res, &e2) < 0) {
            sil_err_set(err, SIL_EINPUT,
                        "table \"%s.%s\": check constraint \"%s\"%s%s%s \"%s\" cannot be "
                        "evaluated on generated row %lld: %s",
                        t->t->schema, t->t->name, gc->name, dom, dcol, dend, ex, (long long)row,
                        e2.msg);
            sil_err_hint(err, "the generator verifies checks it cannot shape on every row; "
                              "simplify the check or override the column with a template");
            return -1;
        }
        if (sil_expr_check_passes(res))
            continue;
        sil_err_set(err, SIL_EINPUT,
                    "table \"%s.%s\": generated row %lld fails check constraint \"%s\"%s%s%s "
                    "\"%s\"",
                    t->t->schema, t->t->name, (long long)row, gc->name, dom, dcol, dend, ex);
        sil_err_hint(err, "the generator cannot shape values to this check (see \"Check "
                          "constraints\" in docs/generator.md); simplify it, or override the "
                          "column with a template faker method that meets it");
        return -1;
    }
    return 0;
}

/* The first nullable value column of a check the generator does not shape
 * decides its NULLs by the check (see null_by_check in values.c), unless a
 * column of the check already does. */
static void decide_nulls(struct gen_table *t, const struct gen_check *gc)
{
    struct gen_col *pick = NULL;
    for (size_t k = 0; k < sil_expr_ncolumns(gc->e); k++) {
        int ci = find(t, sil_expr_column(gc->e, k));
        if (ci < 0)
            continue;
        struct gen_col *c = &t->cols[ci];
        if (c->null_check)
            return;
        if (!pick && c->col->nullable && !c->skip && c->kind != GK_ROWKEY && c->kind != GK_FK &&
            c->kind != GK_NULL && !c->gen_expr)
            pick = c;
    }
    if (pick)
        pick->null_check = gc;
}

int gen_plan_checks(struct gen_plan *p, struct sil_err *err)
{
    struct sil_shape *s = p->shape;
    struct names nm;
    type_names(s, &nm);
    struct sil_expr_options dpo = {nm.n, nm.v, 1};
    int rc = -1;
    p->domain_checks = sil_xcalloc(s->ndomains + 1, sizeof *p->domain_checks);
    for (size_t d = 0; d < s->ndomains; d++) {
        const struct sil_domain *dm = &s->domains[d];
        p->domain_checks[d] = sil_xcalloc(dm->nchecks + 1, sizeof **p->domain_checks);
        for (size_t c = 0; c < dm->nchecks; c++) {
            p->domain_checks[d][c] = sil_expr_parse(dm->checks[c].expr, &dpo, err);
            if (!p->domain_checks[d][c]) {
                refuse(err, "domain", dm->schema, dm->name, "check constraint", dm->checks[c].name,
                       err->msg);
                goto out;
            }
        }
    }
    for (size_t oi = 0; oi < p->ntables; oi++) {
        struct gen_table *t = &p->tables[p->order[oi]];
        if (!t->generate)
            continue;
        if (parse_table_checks(p, t, &nm, err) < 0)
            goto out;
    }
    for (size_t oi = 0; oi < p->ntables; oi++) {
        struct gen_table *t = &p->tables[p->order[oi]];
        if (!t->generate)
            continue;
        /* A moved column with two comparisons, or bounds as well, may
         * break one to meet another: such checks are evaluated per row. */
        for (size_t i = 0; i < t->nchecks; i++) {
            struct gen_check *gc = &t->checks[i];
            for (size_t k = 0; k < sil_expr_ncolumns(gc->e) && gc->shaped; k++) {
                int ci = find(t, sil_expr_column(gc->e, k));
                if (ci < 0)
                    continue;
                const struct gen_col *c = &t->cols[ci];
                if (c->ncmp > 1 || (c->ncmp && (c->bounds.has_lo || c->bounds.has_hi)))
                    gc->shaped = 0;
            }
            if (gc->column >= 0) {
                const struct gen_col *c = &t->cols[gc->column];
                if (c->ncmp > 1 || (c->ncmp && (c->bounds.has_lo || c->bounds.has_hi)))
                    gc->shaped = 0;
            }
            t->check_rows |= !gc->shaped;
            if (!gc->shaped && gc->column < 0)
                decide_nulls(t, gc);
        }
        if (sample_checks(p, t, err) < 0)
            goto out;
    }
    rc = 0;
out:
    free(nm.v);
    return rc;
}
