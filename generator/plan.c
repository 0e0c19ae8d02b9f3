/* Building a generation plan: sizing, load order, foreign key modes, column generators. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraints.h"
#include "dict.h"
#include "expr.h"
#include "json.h"
#include "pii.h"
#include "policy.h"
#include "template.h"

#define BANDS_MAX_BYTES ((size_t)1 << 20)

static int64_t clamp_i64(double x)
{
    if (!(x > 0))
        return 0;
    if (x > 9e15)
        return INT64_C(9000000000000000);
    return (int64_t)llround(x);
}

static struct gen_table *find_table(struct gen_plan *p, const char *spec)
{
    const char *dot = strchr(spec, '.');
    struct gen_table *found = NULL;
    for (size_t i = 0; i < p->ntables; i++) {
        const struct sil_table *t = p->tables[i].t;
        if (dot) {
            size_t sl = (size_t)(dot - spec);
            if (strlen(t->schema) == sl && strncmp(t->schema, spec, sl) == 0 &&
                strcmp(t->name, dot + 1) == 0)
                return &p->tables[i];
        }
        if (strcmp(t->name, spec) == 0) {
            if (found)
                return NULL; /* ambiguous without a schema */
            found = &p->tables[i];
        }
    }
    return found;
}

static int col_in(const char *name, size_t n, const char **cols)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i], name) == 0)
            return 1;
    return 0;
}

static void add_clamp(struct gen_plan *p, size_t ti, int64_t req, int64_t got, const char *why)
{
    p->clamps = sil_xrealloc(p->clamps, (p->nclamps + 1) * sizeof *p->clamps);
    struct gen_clamp *c = &p->clamps[p->nclamps++];
    c->table = ti;
    c->requested = req;
    c->produced = got;
    snprintf(c->reason, sizeof c->reason, "%s", why);
}

/* ---- bands ---- */

struct band_entry {
    struct gen_table *t;
    int64_t rows;
};

static int load_band(struct gen_plan *p, const struct gen_sizing *sz, struct band_entry **out,
                     size_t *nout, int *derive, struct sil_err *err)
{
    char *path = NULL;
    if (sz->bands_file)
        path = sil_xstrdup(sz->bands_file);
    else if (!(path = sil_policy_path("bands.json", err)))
        return -1;
    cJSON *root = NULL;
    int rc = -1;
    if (sil_json_parse_file(path, BANDS_MAX_BYTES, &root, err) < 0)
        goto out;
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    static const char *const keys[] = {"format", "version", "description", "bands", NULL};
    static const char *const bkeys[] = {"description", "tables", "derive", "max_rows", NULL};
    const cJSON *bands = NULL, *band = NULL, *tables = NULL;
    const char *fmt = NULL, *desc = NULL;
    int64_t ver = 0;
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 0, &fmt) < 0 ||
        sil_json_int(&c, root, "version", 1, 1, 1, &ver) < 0 ||
        sil_json_str(&c, root, "description", 0, 0, &desc) < 0 ||
        sil_json_object(&c, root, "bands", 1, &bands) < 0)
        goto bad;
    if (strcmp(fmt, "silhouette.bands") != 0) {
        sil_jctx_fail_at(&c, "format", "expected \"silhouette.bands\"");
        goto bad;
    }
    band = sil_json_get(bands, sz->band);
    if (!band) {
        char names[256] = "";
        size_t len = 0;
        for (const cJSON *b = bands->child; b && len < sizeof names - 40; b = b->next)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                                    b->string);
        sil_err_set(err, SIL_EUSAGE, "unknown band \"%s\" (bands in '%s': %s)", sz->band, path,
                    names);
        goto out;
    }
    size_t mark = sil_jctx_key(&c, "bands");
    sil_jctx_key(&c, sz->band);
    int64_t maxr = 0;
    *derive = 1;
    if (sil_json_check_object(&c, band, bkeys) < 0 ||
        sil_json_str(&c, band, "description", 0, 0, &desc) < 0 ||
        sil_json_bool(&c, band, "derive", 0, derive) < 0 ||
        sil_json_int(&c, band, "max_rows", 0, 1, INT64_C(1) << 50, &maxr) < 0 ||
        sil_json_object(&c, band, "tables", 1, &tables) < 0)
        goto bad;
    p->band_max_rows = (double)maxr;
    size_t n = (size_t)cJSON_GetArraySize(tables), i = 0;
    struct band_entry *v = sil_xcalloc(n ? n : 1, sizeof *v);
    size_t m2 = sil_jctx_key(&c, "tables");
    for (const cJSON *e = tables->child; e; e = e->next, i++) {
        if (!sil_json_is_int(e, 0, INT64_C(1) << 50)) {
            sil_jctx_fail_at(&c, e->string, "expected a row count");
            free(v);
            goto bad;
        }
        v[i].t = find_table(p, e->string);
        v[i].rows = (int64_t)e->valuedouble;
        if (!v[i].t) {
            sil_err_set(err, SIL_EINPUT,
                        "band \"%s\" sizes table \"%s\", which the shape does not have", sz->band,
                        e->string);
            sil_err_hint(err, "bands are per source: pass --bands FILE with a band for this shape");
            free(v);
            goto out;
        }
    }
    sil_jctx_restore(&c, m2);
    sil_jctx_restore(&c, mark);
    *out = v;
    *nout = n;
    rc = 0;
    goto out;
bad:
    sil_err_file(err, path);
out:
    cJSON_Delete(root);
    free(path);
    return rc;
}

/* ---- foreign key planning ---- */

static int fk_nullable(const struct gen_table *t, const struct sil_fk *fk)
{
    for (size_t i = 0; i < fk->ncols; i++) {
        int ci = sil_table_column(t->t, fk->cols[i]);
        if (ci < 0 || !t->t->cols[ci].nullable)
            return 0;
    }
    return 1;
}

static int fk_cols_in(const struct sil_fk *fk, size_t n, const char **cols)
{
    for (size_t i = 0; i < fk->ncols; i++)
        if (!col_in(fk->cols[i], n, cols))
            return 0;
    return 1;
}

static int is_self(const struct gen_table *t, const struct sil_fk *fk)
{
    return fk->ref_index == t->index;
}

/* The FK that lays out children consecutively. */
static int choose_primary(const struct gen_table *t)
{
    const struct sil_table *st = t->t;
    int best = -1, score = -1;
    for (size_t i = 0; i < st->nfks; i++) {
        const struct sil_fk *fk = &st->fks[i];
        if (is_self(t, fk))
            continue;
        int s = 1;
        if (fk->stats && fk->stats->children_per_parent.n)
            s += 2;
        if (fk->stats && fk->stats->arrival_column)
            s += 8;
        if (st->npk > fk->ncols && fk_cols_in(fk, st->npk, st->pk) && st->pk[0] &&
            strcmp(st->pk[0], fk->cols[0]) == 0)
            s += 4;
        if (s > score) {
            score = s;
            best = (int)i;
        }
    }
    return best;
}

/* A single-column unique key on exactly these FK columns makes the FK one-to-one. */
static int fk_unique(const struct sil_table *st, const struct sil_fk *fk)
{
    if (st->npk == fk->ncols && fk_cols_in(fk, st->npk, st->pk))
        return 1;
    for (size_t u = 0; u < st->nuniques; u++)
        if (st->uniques[u].ncols == fk->ncols &&
            fk_cols_in(fk, st->uniques[u].ncols, st->uniques[u].cols))
            return 1;
    return 0;
}

static double col_null_frac(const struct sil_column *col)
{
    if (!col->nullable || !col->stats)
        return 0;
    return col->stats->null_fraction;
}

static const struct gen_fkplan *nest_of(const struct gen_plan *p, const struct gen_table *t,
                                        const struct sil_fk *fk);

/*
 * A self reference with statistics: the roots (the NULL share of the key,
 * at least one) come first, then every other row is a child, laid out breadth
 * first. The fan-out gives n parents (rows - roots) children; a row's parent
 * must be an earlier row, so the parents' counts are rotated (the cycle
 * lemma: start right after the first minimum of the running sum of
 * count - 1) so that the breadth-first queue never runs dry.
 */
static void plan_self(const struct gen_table *t, struct gen_fkplan *f)
{
    int64_t n = t->rows;
    int64_t r = 1;
    if (f->nullable && f->null_frac > 0)
        r = SIL_MAX(INT64_C(1), SIL_MIN(n, clamp_i64(f->null_frac * (double)n)));
    if (n - r <= 0)
        return;
    struct gen_icdf model;
    gen_fk_count_model(&model, f->fk->stats, (double)(n - r) / (double)n);
    gen_fanout_build(&f->fan, n, n - r, &model, f->key);
    gen_icdf_release(&model);
    int64_t best = 0, arg = 0;
    for (int64_t k = 1; k < n; k++) {
        int64_t pk = gen_fanout_offset(&f->fan, k) - k;
        if (pk < best) {
            best = pk;
            arg = k;
        }
    }
    f->has_fan = 1;
    f->self_roots = r;
    f->self_rot = arg;
}

static int plan_fk(struct gen_plan *p, struct gen_table *t, size_t fi, struct sil_err *err)
{
    struct gen_fkplan *f = &t->fks[fi];
    const struct sil_fk *fk = &t->t->fks[fi];
    f->fk = fk;
    f->child = t;
    f->parent = &p->tables[fk->ref_index];
    f->key = gen_key(t->key, fk->name);
    f->arrival_col = -1;
    f->ref_cols = sil_xcalloc(fk->ncols, sizeof *f->ref_cols);
    for (size_t i = 0; i < fk->ncols; i++)
        f->ref_cols[i] = (size_t)sil_table_column(f->parent->t, fk->ref_cols[i]);
    int nullable = fk_nullable(t, fk);
    f->nullable = nullable;
    int ci0 = sil_table_column(t->t, fk->cols[0]);
    f->null_frac = nullable ? col_null_frac(&t->t->cols[ci0]) : 0;
    if (t->rows == 0)
        return 0;
    if (is_self(t, fk)) {
        f->mode = GFK_SELF;
        if (fk->stats && !fk_unique(t->t, fk))
            plan_self(t, f);
        return 0;
    }
    int64_t np = f->parent->rows;
    if (np == 0) {
        if (!nullable) {
            sil_err_set(err, SIL_EINPUT,
                        "table \"%s.%s\" needs %lld rows whose NOT NULL foreign key \"%s\" "
                        "references \"%s.%s\", which gets no rows",
                        t->t->schema, t->t->name, (long long)t->rows, fk->name,
                        f->parent->t->schema, f->parent->t->name);
            sil_err_hint(err, "give \"%s\" rows (--rows %s=N) or set --rows %s=0",
                         f->parent->t->name, f->parent->t->name, t->t->name);
            return -1;
        }
        f->mode = GFK_ALLNULL;
        return 0;
    }
    int one_to_one = fk_unique(t->t, fk);
    struct gen_icdf model;
    int has_model = 0;
    if (!one_to_one && fk->stats) {
        gen_fk_count_model(&model, fk->stats, (double)t->rows / (double)np);
        has_model = 1;
    }
    if (one_to_one && t->rows > np) {
        sil_err_set(err, SIL_EINPUT,
                    "table \"%s.%s\" needs %lld rows but its unique foreign key \"%s\" can point "
                    "to only %lld distinct rows of \"%s\"",
                    t->t->schema, t->t->name, (long long)t->rows, fk->name, (long long)np,
                    f->parent->t->name);
        sil_err_hint(err, "size the two tables consistently (--rows)");
        return -1;
    }
    if (has_model && t->derived_fk == (int)fi && t->derived_fan.nc == t->rows &&
        t->derived_fan.np == np &&
        (fk->stats->children_per_parent.n || fk->stats->mean_children > 0)) {
        /* Built already while deriving the size: same key, model and sizes. */
        f->fan = t->derived_fan;
        memset(&t->derived_fan, 0, sizeof t->derived_fan);
        t->derived_fk = -1;
    } else {
        gen_fanout_build(&f->fan, np, t->rows, has_model ? &model : NULL, f->key);
    }
    if (has_model)
        gen_icdf_release(&model);
    f->has_fan = 1;
    if ((int)fi == t->primary_fk && !one_to_one) {
        f->mode = GFK_CONTIG;
        if (fk->stats && fk->stats->arrival_column && fk->stats->gap_quantiles.n) {
            f->arrival_col = sil_table_column(t->t, fk->stats->arrival_column);
            gen_icdf_init(&f->gaps, &fk->stats->gap_quantiles, 60);
            f->gaps.floor = 0;
        }
    } else if (!f->deferred && (f->nest = nest_of(p, t, fk)) != NULL) {
        f->mode = GFK_NESTED;
    } else {
        /* Blocks of GEN_PERM_BLOCK rows keep their order: lookups inside a
         * block are sequential, and siblings in a block share a few parents
         * (the messages of one conversation come from a few senders). */
        f->mode = GFK_PERM;
        int64_t nblocks = t->rows / GEN_PERM_BLOCK;
        gen_perm_init(&f->perm, (uint64_t)(nblocks > 0 ? nblocks : 1),
                      f->key ^ UINT64_C(0x7065726d));
    }
    return 0;
}

/*
 * A foreign key whose columns include every column of the table's primary
 * foreign key (both reaching the same parent table A, the second through
 * the parent B's own primary foreign key to A) must pick a row of B whose
 * A-part equals the child's: the B rows of one A row are contiguous, so the
 * pick is made inside that range. Returns B's primary fkplan, or NULL.
 */
static const struct gen_fkplan *nest_of(const struct gen_plan *p, const struct gen_table *t,
                                        const struct sil_fk *fk)
{
    if (t->primary_fk < 0 || fk == &t->t->fks[t->primary_fk])
        return NULL;
    const struct sil_fk *pfk = &t->t->fks[t->primary_fk];
    const struct gen_table *b = &p->tables[fk->ref_index];
    if (b == t || pfk->ncols >= fk->ncols || b->primary_fk < 0 || !b->fks)
        return NULL;
    const struct gen_fkplan *q = &b->fks[b->primary_fk];
    const struct sil_fk *qfk = &b->t->fks[b->primary_fk];
    if (q->mode != GFK_CONTIG || !q->has_fan || qfk->ref_index != pfk->ref_index ||
        qfk->ncols != pfk->ncols)
        return NULL;
    for (size_t i = 0; i < pfk->ncols; i++) {
        size_t k = 0;
        while (k < fk->ncols && strcmp(fk->cols[k], pfk->cols[i]) != 0)
            k++;
        if (k == fk->ncols)
            return NULL;
        size_t j = 0;
        while (j < qfk->ncols && strcmp(qfk->cols[j], fk->ref_cols[k]) != 0)
            j++;
        if (j == qfk->ncols || strcmp(qfk->ref_cols[j], pfk->ref_cols[i]) != 0)
            return NULL;
    }
    return q;
}

struct nest_slot {
    double load; /* the primary parent's children per row of the parent table */
    int64_t b;   /* the parent table's row */
};

static int nest_slot_cmp(const void *x, const void *y)
{
    const struct nest_slot *a = x, *b = y;
    if (a->load != b->load)
        return a->load < b->load ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static int i64_cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* KS distance between sorted count arrays of the same length. */
static double sorted_ks(const int64_t *x, const int64_t *y, int64_t n)
{
    int64_t i = 0, j = 0, d = 0;
    while (i < n && j < n) {
        int64_t v = x[i] < y[j] ? x[i] : y[j];
        while (i < n && x[i] == v)
            i++;
        while (j < n && y[j] == v)
            j++;
        if (llabs(i - j) > d)
            d = llabs(i - j);
    }
    return (double)d / (double)n;
}

/*
 * One trial of plan_nest_split: slots ranked by log(load) plus `sigma`
 * times a keyed logistic noise take the sorted counts w; each group's
 * counts are then scaled to its children. Writes the group positions to loc
 * and the resulting counts to cnt; returns the KS distance to w.
 */
static double nest_trial(const struct gen_fanout *pfan, const struct gen_fanout *qfan,
                         const int64_t *w, int64_t nb, uint64_t key, double sigma,
                         struct nest_slot *slot, int64_t *cnt, int64_t *loc)
{
    int64_t na = pfan->np;
    for (int64_t a = 0; a < na; a++) {
        int64_t lo = gen_fanout_offset(qfan, a), hi = gen_fanout_offset(qfan, a + 1);
        double load = hi > lo ? (double)gen_fanout_children(pfan, a) / (double)(hi - lo) : 0;
        for (int64_t b = lo; b < hi; b++) {
            double u = (gen_unit(gen_rand(key, (uint64_t)b, 13)) + 0x1p-54) * (1 - 0x1p-53);
            slot[b] = (struct nest_slot){log(load + 0.5) + sigma * log(u / (1 - u)), b};
        }
    }
    qsort(slot, (size_t)nb, sizeof *slot, nest_slot_cmp);
    for (int64_t i = 0; i < nb; i++)
        cnt[slot[i].b] = w[i];
    for (int64_t a = 0; a < na; a++) {
        int64_t lo = gen_fanout_offset(qfan, a), hi = gen_fanout_offset(qfan, a + 1);
        int64_t m = gen_fanout_children(pfan, a), sum = 0, cum = 0;
        for (int64_t b = lo; b < hi; b++)
            sum += cnt[b];
        for (int64_t b = lo; b < hi; b++) {
            /* Cumulative rounding: the group's counts add up to m exactly. */
            loc[b] =
                sum > 0
                    ? (int64_t)((gen_u128)(uint64_t)cum * (uint64_t)m / (uint64_t)sum)
                    : (int64_t)((gen_u128)(uint64_t)(b - lo) * (uint64_t)m / (uint64_t)(hi - lo));
            cum += cnt[b];
        }
        for (int64_t b = lo; b < hi; b++)
            cnt[b] = (b + 1 < hi ? loc[b + 1] : m) - loc[b];
    }
    qsort(cnt, (size_t)nb, sizeof *cnt, i64_cmp);
    return sorted_ks(cnt, w, nb);
}

/*
 * GFK_NESTED: how many children each parent row gets. The counts of the
 * foreign key's own model (its fan-out, sorted) go to the parent rows in
 * the order of their group's children per row, mixed with a keyed noise
 * (so a busy group has quiet members too); each group's counts are then
 * scaled to the children it really has. The noise scale is the one of a few
 * that brings the counts closest to the model. nest_loc[b] is the first
 * position of row b's children among its group's. Only for parent tables
 * up to GEN_FANOUT_DENSE_MAX rows; larger ones split each group evenly.
 */
static void plan_nest_split(const struct gen_table *t, struct gen_fkplan *f)
{
    static const double sigmas[] = {0, 0.15, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 4};
    const struct gen_fanout *pfan = &t->fks[t->primary_fk].fan, *qfan = &f->nest->fan;
    int64_t nb = f->parent->rows;
    if (nb <= 0 || nb > GEN_FANOUT_DENSE_MAX || qfan->np != pfan->np)
        return;
    struct nest_slot *slot = sil_xcalloc((size_t)nb, sizeof *slot);
    int64_t *w = sil_xcalloc((size_t)nb, sizeof *w), *cnt = sil_xcalloc((size_t)nb, sizeof *cnt);
    int64_t *loc = sil_xcalloc((size_t)nb, sizeof *loc);
    for (int64_t b = 0; b < nb; b++)
        w[b] = gen_fanout_children(&f->fan, b);
    qsort(w, (size_t)nb, sizeof *w, i64_cmp);
    double best = 2, sb = 0;
    for (size_t i = 0; i < sizeof sigmas / sizeof *sigmas; i++) {
        double d = nest_trial(pfan, qfan, w, nb, f->key, sigmas[i], slot, cnt, loc);
        if (d < best) {
            best = d;
            sb = sigmas[i];
        }
    }
    nest_trial(pfan, qfan, w, nb, f->key, sb, slot, cnt, loc);
    f->nest_loc = loc;
    free(slot);
    free(w);
    free(cnt);
}

/* A composite unique key of (primary FK, this FK): siblings need distinct parents. */
static int plan_stride(struct gen_table *t, size_t n, const char **cols, struct sil_err *err)
{
    if (t->primary_fk < 0 || t->rows == 0)
        return 0;
    const struct sil_fk *pfk = &t->t->fks[t->primary_fk];
    if (!fk_cols_in(pfk, n, cols))
        return 0;
    for (size_t i = 0; i < t->nfks; i++) {
        if ((int)i == t->primary_fk)
            continue;
        struct gen_fkplan *f = &t->fks[i];
        if (!fk_cols_in(f->fk, n, cols) || pfk->ncols + f->fk->ncols != n || !f->has_fan)
            continue;
        int64_t nc = f->fan.nc;
        int64_t maxrange = gen_fanout_max_children(&f->fan);
        int64_t maxsib = gen_fanout_max_children(&t->fks[t->primary_fk].fan);
        int64_t g = maxrange > 1 ? maxrange : 1;
        int ok = 0;
        for (; g <= nc && (gen_u128)(uint64_t)g * (uint64_t)maxsib <= (gen_u128)(uint64_t)nc; g++) {
            int64_t a = g, b = nc;
            while (b) {
                int64_t r = a % b;
                a = b;
                b = r;
            }
            if (a == 1) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            /* Too dense for a stride: siblings take consecutive parents of a
             * keyed permutation, distinct as long as no parent has more
             * children than there are parents to pick from. */
            int64_t np = f->parent->rows;
            if (maxsib > np) {
                sil_err_set(err, SIL_EINPUT,
                            "table \"%s.%s\": cannot guarantee the unique key over (%s, %s): up "
                            "to %lld rows share a \"%s\" but \"%s\" has only %lld rows",
                            t->t->schema, t->t->name, pfk->cols[0], f->fk->cols[0],
                            (long long)maxsib, pfk->ref_table, f->fk->ref_table, (long long)np);
                sil_err_hint(err, "give \"%s\" more rows or \"%s\" fewer", f->fk->ref_table,
                             t->t->name);
                return -1;
            }
            f->mode = GFK_MOD;
            gen_perm_init(&f->perm, (uint64_t)np, f->key ^ UINT64_C(0x6d6f64));
            return 1;
        }
        f->mode = GFK_STRIDE;
        f->stride = g;
        return 1;
    }
    return 0;
}

/* ---- load order ---- */

static int order_tables(struct gen_plan *p, struct sil_err *err)
{
    size_t n = p->ntables;
    p->order = sil_xcalloc(n ? n : 1, sizeof *p->order);
    char *done = sil_xcalloc(n ? n : 1, 1);
    size_t placed = 0;
    while (placed < n) {
        int progress = 0;
        for (size_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            struct gen_table *t = &p->tables[i];
            int ready = 1;
            for (size_t f = 0; f < t->t->nfks && ready; f++) {
                const struct sil_fk *fk = &t->t->fks[f];
                if (fk->ref_index == i || (t->fks && t->fks[f].deferred))
                    continue;
                ready = done[fk->ref_index];
            }
            if (ready) {
                done[i] = 1;
                p->order[placed++] = i;
                progress = 1;
            }
        }
        if (progress)
            continue;
        /* A cycle: defer the first nullable (or deferrable) foreign key in it. */
        int broke = 0;
        for (size_t i = 0; i < n && !broke; i++) {
            if (done[i])
                continue;
            struct gen_table *t = &p->tables[i];
            for (size_t f = 0; f < t->t->nfks && !broke; f++) {
                const struct sil_fk *fk = &t->t->fks[f];
                if (fk->ref_index == i || done[fk->ref_index] || t->fks[f].deferred)
                    continue;
                if (fk_nullable(t, fk) || fk->deferrable) {
                    t->fks[f].deferred = 1;
                    p->ndeferred++;
                    broke = 1;
                }
            }
        }
        if (broke)
            continue;
        /* Name the cycle: follow unplaced references from an unplaced table. */
        char path[512] = "";
        size_t len = 0, cur = 0;
        for (size_t i = 0; i < n; i++)
            if (!done[i]) {
                cur = i;
                break;
            }
        for (size_t step = 0; step <= n && len < sizeof path - 80; step++) {
            struct gen_table *t = &p->tables[cur];
            len += (size_t)snprintf(path + len, sizeof path - len, "%s%s", step ? " -> " : "",
                                    t->t->name);
            size_t next = cur;
            for (size_t f = 0; f < t->t->nfks; f++) {
                const struct sil_fk *fk = &t->t->fks[f];
                if (fk->ref_index != cur && !done[fk->ref_index]) {
                    next = fk->ref_index;
                    break;
                }
            }
            if (next == cur || step == n)
                break;
            cur = next;
        }
        free(done);
        sil_err_set(err, SIL_EINPUT,
                    "foreign keys form a cycle with no nullable or deferrable column: %s", path);
        sil_err_hint(err, "make one foreign key in the cycle nullable or deferrable in the shape");
        return -1;
    }
    free(done);
    return 0;
}

/* ---- columns ---- */

static void init_dist_default_time(struct gen_col *c, enum sil_type_base b)
{
    /* A fixed window so output never depends on the clock: 2023-2024. */
    switch (b) {
    case SIL_T_DATE:
        gen_icdf_init_uniform(&c->dist, 19358, 20088);
        break;
    case SIL_T_TIME:
    case SIL_T_TIMETZ:
        gen_icdf_init_uniform(&c->dist, 0, 86399);
        break;
    case SIL_T_INTERVAL:
        gen_icdf_init_uniform(&c->dist, 0, 7 * 86400);
        break;
    default:
        gen_icdf_init_uniform(&c->dist, 1672531200, 1735689599);
    }
}

/* Labels for tokenised or unlisted categories: pronounceable, distinct. */
static char *pseudo_label(size_t i, int maxlen)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo",
                                      "be", "da", "fu", "go", "hi", "ja", "ko", "pe"};
    char buf[64];
    size_t n = 0;
    size_t x = i + 1;
    while (x && n < 40) {
        const char *s = syl[(x - 1) % 16];
        buf[n++] = s[0];
        buf[n++] = s[1];
        x = (x - 1) / 16;
    }
    buf[n] = '\0';
    if (maxlen > 0 && n > (size_t)maxlen) {
        /* Short columns: base-26 upper-case codes. */
        size_t y = i;
        for (int k = maxlen - 1; k >= 0; k--) {
            buf[k] = (char)('A' + y % 26);
            y /= 26;
        }
        buf[maxlen] = '\0';
    }
    return sil_xstrdup(buf);
}

static int is_number(const char *s)
{
    double d;
    return sil_parse_double(s, &d) == 0 && isfinite(d);
}

static void compile_categories(struct gen_col *c, const struct sil_categories *cat,
                               const struct sil_enum *en)
{
    size_t extra = 0;
    if (cat->other_fraction > 0 && !en)
        extra = cat->suppressed > 0 ? (size_t)SIL_MIN(cat->suppressed, 1000) : 10;
    size_t enum_others = 0;
    if (en && cat->other_fraction > 0) {
        for (size_t l = 0; l < en->nlabels; l++) {
            int listed = 0;
            for (size_t k = 0; k < cat->n; k++)
                listed |= strcmp(cat->v[k].value, en->labels[l]) == 0;
            enum_others += !listed;
        }
    }
    size_t n = cat->n + extra + enum_others;
    c->cat_values = sil_xcalloc(n ? n : 1, sizeof *c->cat_values);
    double *w = sil_xcalloc(n ? n : 1, sizeof *w);
    size_t k = 0;
    int numeric = sil_type_is_numeric(c->type);
    for (size_t i = 0; i < cat->n; i++) {
        const char *val = cat->v[i].value;
        if (en) {
            int ok = 0;
            for (size_t l = 0; l < en->nlabels; l++)
                ok |= strcmp(en->labels[l], val) == 0;
            if (!ok)
                continue; /* not a label of the enum: cannot be produced */
        }
        if (cat->encoding == SIL_CAT_TOKEN || (numeric && !is_number(val)))
            c->cat_values[k] = numeric ? sil_xasprintf("%zu", i + 1) : pseudo_label(i, c->maxlen);
        else
            c->cat_values[k] = sil_xstrdup(val);
        w[k++] = cat->v[i].fraction;
    }
    /* Unlisted values carry the other fraction. */
    int upper = 1;
    size_t ulen = 0;
    for (size_t i = 0; i < cat->n && upper; i++) {
        const char *v = cat->v[i].value;
        size_t l = strlen(v);
        if (i == 0)
            ulen = l;
        upper = l == ulen && cat->encoding == SIL_CAT_CLEAR;
        for (size_t j = 0; j < l && upper; j++)
            upper = v[j] >= 'A' && v[j] <= 'Z';
    }
    for (size_t e = 0; e < extra; e++) {
        char *lab;
        if (numeric) {
            lab = sil_xasprintf("%zu", cat->n + e + 1);
        } else if (upper && ulen > 0 && ulen < 8) {
            /* Codes in the listed style, from the end of the alphabet. */
            lab = sil_xmalloc(ulen + 1);
            size_t y = e;
            for (size_t j = ulen; j-- > 0;) {
                lab[j] = (char)('Z' - y % 26);
                y /= 26;
            }
            lab[ulen] = '\0';
        } else {
            lab = pseudo_label(cat->n + e + 7, c->maxlen);
        }
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            dup |= strcmp(c->cat_values[j], lab) == 0;
        if (dup) {
            free(lab);
            continue;
        }
        c->cat_values[k] = lab;
        w[k++] = cat->other_fraction / (double)extra;
    }
    if (en && enum_others) {
        for (size_t l = 0; l < en->nlabels; l++) {
            int listed = 0;
            for (size_t j = 0; j < cat->n; j++)
                listed |= strcmp(cat->v[j].value, en->labels[l]) == 0;
            if (listed)
                continue;
            c->cat_values[k] = sil_xstrdup(en->labels[l]);
            w[k++] = cat->other_fraction / (double)enum_others;
        }
    }
    if (k == 0 && en) {
        for (size_t l = 0; l < en->nlabels && k < n; l++) {
            c->cat_values[k] = sil_xstrdup(en->labels[l]);
            w[k++] = 1;
        }
    }
    c->ncat = k;
    gen_cat_init(&c->cat, w, k);
    free(w);
}

static void type_range(struct gen_col *c)
{
    const struct sil_type *t = c->type;
    c->vmin = -9e15;
    c->vmax = 9e15;
    c->scale = -1;
    c->is_int = sil_type_is_integer(t);
    switch (t->base) {
    case SIL_T_SMALLINT:
        c->vmin = -32768;
        c->vmax = 32767;
        break;
    case SIL_T_INTEGER:
        c->vmin = -2147483648.0;
        c->vmax = 2147483647.0;
        break;
    case SIL_T_NUMERIC:
        if (t->precision > 0) {
            c->scale = t->scale > 0 ? t->scale : 0;
            double lim = pow(10, t->precision - c->scale) - pow(10, -c->scale);
            c->vmin = -lim;
            c->vmax = lim;
            c->is_int = c->scale == 0;
        } else {
            c->scale = 2;
        }
        break;
    case SIL_T_MONEY:
        c->scale = 2;
        break;
    default:
        break;
    }
}

static int64_t text_tag_len(int64_t domain)
{
    int64_t n = 1;
    while (domain > 36) {
        domain = (domain + 35) / 36;
        n++;
    }
    return n;
}

static int impossible(struct sil_err *err, const struct gen_table *t, const struct gen_col *c,
                      int64_t capacity, const char *what)
{
    sil_err_set(err, SIL_EINPUT,
                "table \"%s.%s\": unique column \"%s\" (%s) has at most %lld possible values "
                "for %lld rows",
                t->t->schema, t->t->name, c->col->name, what, (long long)capacity,
                (long long)t->rows);
    sil_err_hint(err, "reduce the rows of \"%s\" (--rows %s=N) or widen the column", t->t->name,
                 t->t->name);
    return -1;
}

static enum gen_faker personal_faker(enum gen_faker f)
{
    switch (f) {
    case GF_EMAIL:
    case GF_FIRST_NAME:
    case GF_LAST_NAME:
    case GF_NAME:
    case GF_USER_NAME:
    case GF_PHONE:
    case GF_ADDRESS:
    case GF_STREET:
    case GF_CITY:
    case GF_POSTCODE:
    case GF_SSN:
    case GF_IBAN:
    case GF_CARD:
        return f;
    default:
        return GF_NONE;
    }
}

/*
 * A time column's inverse CDF from the shape's quantiles. Date quantiles are
 * epoch seconds in the shape; dates are generated as days, so they are
 * converted (a date quantile far beyond day counts can only be seconds).
 */
static void time_dist_from_quantiles(struct gen_col *c, enum sil_type_base b,
                                     const struct sil_quantiles *q)
{
    gen_icdf_init(&c->dist, q, 0);
    if (b == SIL_T_DATE && fabs(c->dist.v[c->dist.n - 1]) > 1e7) {
        for (size_t i = 0; i < c->dist.n; i++)
            c->dist.v[i] = floor(c->dist.v[i] / 86400);
        c->dist.floor = floor(c->dist.floor / 86400);
        c->dist.cap = floor(c->dist.cap / 86400);
    }
}

/* A set of strings for keeping generated values apart (open addressing). */
struct strset {
    size_t cap;
    const char **v;
};

static int strset_add(struct strset *s, const char *x)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (const unsigned char *q = (const unsigned char *)x; *q; q++)
        h = (h ^ *q) * UINT64_C(1099511628211);
    for (size_t i = (size_t)h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->v[i]) {
            s->v[i] = x;
            return 1;
        }
        if (strcmp(s->v[i], x) == 0)
            return 0;
    }
}

/*
 * A personal column whose shape lists frequent values (as tokens): one
 * distinct fake value per listed one, drawn with its fraction. The values
 * the shape suppressed share the other fraction: as that many more distinct
 * values when there are at most 1000 of them, else as per-row values
 * (c->cat then has one more entry, the last, for them). cat_sorted holds the
 * listed values sorted, so per-row values can avoid them.
 */
static void pii_categories(struct gen_col *c, const struct sil_categories *cat)
{
    size_t k = cat->n, extra = 0;
    double other = cat->other_fraction > 0 ? cat->other_fraction : 0;
    if (other > 0 && cat->suppressed > 0 && cat->suppressed <= 1000)
        extra = (size_t)cat->suppressed;
    size_t n = k + extra;
    c->cat_values = sil_xcalloc(n, sizeof *c->cat_values);
    double *w = sil_xcalloc(n + 1, sizeof *w);
    struct strset set = {64, NULL};
    while (set.cap < 2 * n)
        set.cap *= 2;
    set.v = sil_xcalloc(set.cap, sizeof *set.v);
    char buf[GEN_VAL_MAX];
    uint64_t key = gen_key(c->key, "categories");
    enum gen_locale loc = gen_locale_index(c->locale);
    for (size_t i = 0; i < n; i++) {
        char *val = NULL;
        for (int64_t attempt = 0; attempt < 16 && !val; attempt++) {
            int64_t r = (int64_t)i + attempt * (int64_t)n;
            size_t len =
                gen_pii_born(c->cls, loc, key, key, r, -1, GEN_BIRTH_PERSON, buf, sizeof buf);
            if (c->maxlen > 0 && len > (size_t)c->maxlen)
                len = (size_t)c->maxlen;
            buf[len] = '\0';
            val = sil_xstrdup(buf);
            if (!strset_add(&set, val)) {
                free(val);
                val = NULL;
            }
        }
        /* The dictionary ran out: number the value to keep it apart. */
        for (size_t m = i + 1; !val; m += n) {
            val = sil_xasprintf("%s %zu", buf, m);
            if (!strset_add(&set, val)) {
                free(val);
                val = NULL;
            }
        }
        c->cat_values[i] = val;
        w[i] = i < k ? cat->v[i].fraction : other / (double)extra;
    }
    free(set.v);
    c->ncat = n;
    if (!extra) {
        w[n] = other; /* per-row values */
        c->cat_sorted = sil_xcalloc(n + 1, sizeof *c->cat_sorted);
        memcpy(c->cat_sorted, c->cat_values, n * sizeof *c->cat_sorted);
        qsort(c->cat_sorted, n, sizeof *c->cat_sorted, sil_cmp_cstr);
    }
    c->pii_cat = 1;
    gen_cat_init(&c->cat, w, extra ? n : n + 1);
    free(w);
}

static int compile_col(struct gen_plan *p, struct gen_table *t, size_t ci,
                       const struct gen_template *tpl, struct sil_err *err)
{
    struct gen_col *c = &t->cols[ci];
    const struct sil_column *col = &t->t->cols[ci];
    const struct sil_shape *s = p->shape;
    (void)err;
    c->col = col;
    c->index = ci;
    c->type = sil_shape_base_type(s, &col->type);
    c->key = gen_key(t->key, col->name);
    c->person = gen_key(t->key, "\001person");
    c->u_lo = 0;
    c->u_hi = 1;
    c->cls = col->classification;
    c->locale = col->locale ? col->locale : p->locale;
    c->maxlen =
        (c->type->base == SIL_T_VARCHAR || c->type->base == SIL_T_CHAR) && c->type->length > 0
            ? c->type->length
            : 0;
    type_range(c);
    const struct sil_colstats *st = col->stats;
    if (col->generated_expr) {
        c->skip = 1;
        c->kind = GK_NULL;
        return 0;
    }
    if (c->kind == GK_FK || c->kind == GK_ROWKEY || c->kind == GK_SEQ_IN_PARENT)
        return 0; /* keys were assigned by the caller */
    c->null_frac = col->nullable && st ? st->null_fraction : 0;
    if (c->type->array_dims > 0 || col->type.array_dims > 0) {
        c->kind = GK_ARRAY;
        return 0;
    }
    const struct gen_faker_spec *fk =
        tpl ? gen_template_faker(tpl, t->t->schema, t->t->name, col->name) : NULL;
    enum sil_type_base b = c->type->base;
    if (fk && personal_faker(fk->method) != GF_NONE && sil_type_is_text(c->type)) {
        c->kind = GK_PII;
        c->cls = gen_faker_class(fk->method);
    } else if (fk) {
        c->kind = GK_FAKER;
        c->faker = *fk;
        /* The plan outlives the template: keep copies of the elements. */
        if (fk->nelements) {
            const char **el = sil_xcalloc(fk->nelements, sizeof *el);
            for (size_t i = 0; i < fk->nelements; i++)
                el[i] = sil_xstrdup(fk->elements[i]);
            c->faker.elements = el;
        }
        if (fk->method == GF_BIRTH_DATE)
            c->cls = SIL_CLASS_PERSONAL_BIRTH_DATE;
    } else if (c->cls == SIL_CLASS_PERSONAL_BIRTH_DATE && sil_type_is_time(c->type)) {
        c->kind = GK_TIME;
        if (st && st->quantiles.n) {
            time_dist_from_quantiles(c, b, &st->quantiles);
        } else {
            /* 1940..2005, the same date as the row's personal number */
            c->person_birth = 1;
            if (b == SIL_T_DATE)
                gen_icdf_init_uniform(&c->dist, -10957, 13148);
            else
                gen_icdf_init_uniform(&c->dist, -946771200.0, 1136073599.0);
        }
    } else if (c->cls == SIL_CLASS_PERSONAL_FREE_TEXT && sil_type_is_text(c->type)) {
        c->kind = GK_TEXT;
    } else if (sil_class_is_personal(c->cls) && sil_type_is_text(c->type)) {
        c->kind = GK_PII;
        if (st && st->categories && st->categories->n > 0)
            pii_categories(c, st->categories);
    } else if (c->cls == SIL_CLASS_PERSONAL_IP && (b == SIL_T_INET || b == SIL_T_CIDR)) {
        c->kind = GK_INET;
    } else if (b == SIL_T_BOOLEAN) {
        c->kind = GK_BOOL;
        if (st && st->categories) {
            c->cat_values = sil_xcalloc(st->categories->n + 1, sizeof *c->cat_values);
            double *w = sil_xcalloc(st->categories->n + 1, sizeof *w);
            for (size_t i = 0; i < st->categories->n; i++) {
                c->cat_values[i] = sil_xstrdup(st->categories->v[i].value);
                w[i] = st->categories->v[i].fraction;
            }
            c->ncat = st->categories->n;
            if (c->ncat)
                gen_cat_init(&c->cat, w, c->ncat);
            free(w);
        }
    } else if (b == SIL_T_ENUM) {
        const struct sil_enum *en = sil_shape_enum(s, c->type->ref_schema, c->type->ref_name);
        c->kind = GK_CAT;
        if (st && st->categories) {
            compile_categories(c, st->categories, en);
        } else {
            c->cat_values = sil_xcalloc(en->nlabels, sizeof *c->cat_values);
            for (size_t l = 0; l < en->nlabels; l++)
                c->cat_values[l] = sil_xstrdup(en->labels[l]);
            c->ncat = en->nlabels;
            gen_cat_init(&c->cat, NULL, 0);
            free(c->cat.cum);
            double *w = sil_xcalloc(c->ncat, sizeof *w);
            gen_cat_init(&c->cat, w, c->ncat);
            free(w);
        }
    } else if (st && st->categories && st->categories->n > 0 &&
               (sil_type_is_text(c->type) || sil_type_is_numeric(c->type))) {
        c->kind = GK_CAT;
        compile_categories(c, st->categories, NULL);
    } else if (sil_type_is_numeric(c->type)) {
        c->kind = GK_NUM;
        if (st && st->quantiles.n)
            gen_icdf_init(&c->dist, &st->quantiles, 0);
        else
            gen_icdf_init_uniform(&c->dist, 0, sil_type_is_integer(c->type) ? 1000 : 1000);
        if (b == SIL_T_NUMERIC && c->type->precision <= 0 && st && st->quantiles.n) {
            int integral = 1;
            for (size_t i = 0; i < st->quantiles.n; i++)
                integral &= st->quantiles.v[i] == floor(st->quantiles.v[i]);
            if (integral)
                c->scale = 0;
        }
    } else if (sil_type_is_time(c->type)) {
        c->kind = GK_TIME;
        if (st && st->quantiles.n) {
            time_dist_from_quantiles(c, b, &st->quantiles);
        } else {
            init_dist_default_time(c, b);
        }
        if (st && st->hour_of_week && b != SIL_T_DATE && b != SIL_T_INTERVAL && b != SIL_T_TIME &&
            b != SIL_T_TIMETZ) {
            c->how = st->hour_of_week;
            gen_cat_init(&c->how_cat, st->hour_of_week, SIL_HOURS_PER_WEEK);
        }
    } else if (sil_type_is_text(c->type)) {
        c->kind = GK_TEXT;
    } else if (b == SIL_T_UUID) {
        c->kind = GK_UUID;
    } else if (b == SIL_T_JSON || b == SIL_T_JSONB) {
        c->kind = GK_JSON;
    } else if (b == SIL_T_BYTEA) {
        c->kind = GK_BYTEA;
    } else if (b == SIL_T_INET || b == SIL_T_CIDR) {
        c->kind = GK_INET;
    } else if (b == SIL_T_MACADDR) {
        c->kind = GK_MACADDR;
    } else {
        c->kind = col->nullable ? GK_NULL : GK_TEXT;
    }
    if (c->kind == GK_TEXT) {
        if (st && st->length_quantiles.n) {
            gen_icdf_init(&c->dist, &st->length_quantiles, 8);
        } else {
            int hi = c->maxlen > 0 ? SIL_MIN(c->maxlen, 40) : 40;
            gen_icdf_init_uniform(&c->dist, SIL_MIN(5, hi), hi);
        }
        c->dist.floor = 1;
        if (c->type->base == SIL_T_CHAR && c->maxlen > 0) {
            /* char(n) pads anyway: fill it. */
            gen_icdf_release(&c->dist);
            gen_icdf_init_uniform(&c->dist, c->maxlen, c->maxlen);
        }
    }
    return 0;
}

/* Make a column injective in the row (unique by construction), or refuse. */
static int make_unique(struct gen_table *t, struct gen_col *c, struct sil_err *err)
{
    int64_t rows = t->rows;
    if (rows <= 1 || c->kind == GK_ROWKEY || c->kind == GK_FK || c->kind == GK_SEQ_IN_PARENT)
        return 0;
    c->unique = 1;
    c->null_frac = 0;
    switch (c->kind) {
    case GK_NUM: {
        double lo = ceil(gen_icdf_eval(&c->dist, 0));
        if (lo < c->vmin)
            lo = ceil(c->vmin);
        double cap = floor(c->vmax) - lo + 1;
        if (cap < (double)rows) {
            lo = floor(c->vmax) - (double)rows + 1;
            if (lo < c->vmin)
                return impossible(err, t, c, (int64_t)(c->vmax - c->vmin + 1), "number range");
        }
        c->bounds.lo = lo;
        gen_perm_init(&c->uperm, (uint64_t)rows, c->key);
        return 0;
    }
    case GK_TIME: {
        c->bounds.lo = floor(gen_icdf_eval(&c->dist, 0));
        if ((c->type->base == SIL_T_TIME || c->type->base == SIL_T_TIMETZ) && rows > 86400 / 61)
            return impossible(err, t, c, 86400 / 61, "time of day");
        gen_perm_init(&c->uperm, (uint64_t)rows, c->key);
        return 0;
    }
    case GK_CAT:
        if ((size_t)rows > c->ncat)
            return impossible(err, t, c, (int64_t)c->ncat, "categories");
        gen_perm_init(&c->uperm, (uint64_t)rows, c->key);
        return 0;
    case GK_BOOL:
        return impossible(err, t, c, 2, "boolean");
    case GK_UUID:
        c->kind = GK_ROWKEY;
        c->rowkey_kind = 1;
        gen_perm_init(&c->uperm, UINT64_C(1) << 62, c->key);
        return 0;
    case GK_PII: {
        int64_t cap = gen_pii_capacity(c->cls, gen_locale_index(c->locale));
        if (cap == 0) {
            /* Names and addresses repeat: give the column text with a tag. */
            c->kind = GK_TEXT;
            gen_icdf_init_uniform(&c->dist, 12, 24);
        } else {
            if (cap < rows)
                return impossible(err, t, c, cap, sil_class_name(c->cls));
            int64_t dom = cap;
            if (cap == INT64_MAX)
                dom = c->cls == SIL_CLASS_PERSONAL_EMAIL || c->cls == SIL_CLASS_PERSONAL_USERNAME
                          ? SIL_MAX(rows * 10, 1000) /* short numbers after the name */
                          : SIL_MAX(rows, INT64_C(1) << 30);
            gen_perm_init(&c->uperm, (uint64_t)dom, c->key);
            return 0;
        }
    }
    /* fall through */
    case GK_TEXT:
    case GK_FAKER: {
        if (c->kind == GK_TEXT && c->maxlen > 0 && c->maxlen <= 20) {
            /* Short unique text: upper-case codes of at least 6 characters. */
            int64_t dom = 1;
            int w = 0;
            while (w < c->maxlen && (w < SIL_MIN(c->maxlen, 6) || dom < rows)) {
                dom *= 36;
                w++;
            }
            if (dom < rows)
                return impossible(err, t, c, dom, "text length");
            c->code_width = w;
            gen_perm_init(&c->uperm, (uint64_t)dom, c->key);
            return 0;
        }
        int64_t dom = SIL_MAX(rows, 36 * 36 * 36 * 36);
        int64_t tl = text_tag_len(dom);
        if (c->maxlen > 0 && tl > c->maxlen) {
            int64_t cap = 1;
            for (int i = 0; i < c->maxlen && cap < INT64_C(1) << 50; i++)
                cap *= 36;
            dom = rows;
            if (text_tag_len(dom) > c->maxlen)
                return impossible(err, t, c, cap, "text length");
        }
        if (c->kind == GK_FAKER) {
            c->kind = GK_TEXT;
            gen_icdf_init_uniform(&c->dist, 8, 16);
        }
        gen_perm_init(&c->uperm, (uint64_t)dom, c->key);
        return 0;
    }
    default:
        return impossible(err, t, c, 1, "type without unique values");
    }
}

/* Keys: primary key and unique constraints. */
static int plan_keys(struct gen_plan *p, struct gen_table *t, size_t n, const char **cols,
                     struct sil_err *err)
{
    (void)p;
    /* Which key columns belong to foreign keys? */
    size_t nonfk = 0, last_nonfk = 0;
    for (size_t i = 0; i < n; i++) {
        int ci = sil_table_column(t->t, cols[i]);
        if (t->cols[ci].kind != GK_FK) {
            nonfk++;
            last_nonfk = (size_t)ci;
        }
    }
    if (nonfk == 0) {
        if (n == 1)
            return 0; /* a one-to-one foreign key: even fan-out is injective */
        int r = plan_stride(t, n, cols, err);
        if (r < 0)
            return -1;
        if (r == 0 && t->rows > 1) {
            sil_err_set(err, SIL_EINPUT,
                        "table \"%s.%s\": cannot guarantee a unique key made only of foreign "
                        "key columns (%s, ...) unless it is the table's primary foreign key "
                        "plus one other",
                        t->t->schema, t->t->name, cols[0]);
            return -1;
        }
        return 0;
    }
    struct gen_col *c = &t->cols[last_nonfk];
    if (nonfk == 1 && n > 1 && t->primary_fk >= 0 &&
        fk_cols_in(&t->t->fks[t->primary_fk], n, cols) && t->t->fks[t->primary_fk].ncols == n - 1 &&
        sil_type_is_integer(c->type) && t->fks[t->primary_fk].mode == GFK_CONTIG) {
        c->kind = GK_SEQ_IN_PARENT;
        c->null_frac = 0;
        return 0;
    }
    if (n == 1 || nonfk >= 1) {
        /* One injective column makes the whole key unique. */
        if (c->kind == GK_NULL || c->kind == GK_ARRAY) {
            sil_err_set(err, SIL_EINPUT,
                        "table \"%s.%s\": key column \"%s\" has a type the "
                        "generator cannot make unique",
                        t->t->schema, t->t->name, c->col->name);
            return -1;
        }
        return make_unique(t, c, err);
    }
    return 0;
}

/*
 * The arrival window: how many of the child table's rows arrive while one
 * parent's children do. A parent spans about its mean children times the
 * mean gap between them; as a share of the column's range, times the rows.
 */
static int64_t arrival_window(const struct gen_col *c, struct gen_fkplan *f)
{
    int64_t n = f->fan.nc, np = f->fan.np;
    if (n <= 1 || np <= 0 || c->dist.n < 2)
        return n > 1 ? n : 1;
    double gap = 0;
    for (int i = 0; i < 64; i++)
        gap += gen_icdf_eval(&f->gaps, (i + 0.5) / 64);
    gap /= 64;
    double range = c->dist.v[c->dist.n - 1] - c->dist.v[0];
    if (c->type->base == SIL_T_DATE)
        range *= 86400; /* gaps are seconds, a date's values days */
    if (!(range > 0))
        return n;
    double w = gap * ((double)n / (double)np) / range * (double)n;
    /* A parent's children within 0.5% of the range: bursts, whose shift
     * of the column's distribution stays below that. */
    f->arr_gap = c->type->base == SIL_T_DATE ? gap / 86400 : gap;
    f->arr_burst = gap * ((double)n / (double)np) <= range / 200;
    if (!(w >= 1))
        return 1;
    return w >= (double)n ? n : (int64_t)ceil(w);
}

static int plan_table_columns(struct gen_plan *p, struct gen_table *t,
                              const struct gen_template *tpl, struct sil_err *err)
{
    struct sil_table *st = t->t;
    t->ncols = st->ncols;
    t->cols = sil_xcalloc(st->ncols, sizeof *t->cols);
    /* Foreign key columns first (the first FK naming a column wins). */
    for (size_t f = 0; f < st->nfks; f++)
        for (size_t k = 0; k < st->fks[f].ncols; k++) {
            int ci = sil_table_column(st, st->fks[f].cols[k]);
            if (t->cols[ci].kind == GK_FK)
                continue;
            t->cols[ci].kind = GK_FK;
            t->cols[ci].fk = &t->fks[f];
            t->cols[ci].fk_col = k;
        }
    /* A single-column primary key that is no foreign key: computed from the row. */
    if (st->npk == 1) {
        int ci = sil_table_column(st, st->pk[0]);
        struct gen_col *c = &t->cols[ci];
        const struct sil_type *ty = sil_shape_base_type(p->shape, &st->cols[ci].type);
        if (c->kind != GK_FK) {
            c->key = gen_key(t->key, st->cols[ci].name);
            if (sil_type_is_integer(ty)) {
                c->kind = GK_ROWKEY;
                c->rowkey_kind = 0;
                double max = ty->base == SIL_T_SMALLINT  ? 32767
                             : ty->base == SIL_T_INTEGER ? 2147483647.0
                                                         : 9e18;
                if ((double)t->rows > max) {
                    c->col = &st->cols[ci];
                    return impossible(err, t, c, (int64_t)max, sil_type_base_name(ty->base));
                }
            } else if (ty->base == SIL_T_UUID) {
                c->kind = GK_ROWKEY;
                c->rowkey_kind = 1;
                gen_perm_init(&c->uperm, UINT64_C(1) << 62, c->key);
            } else if (sil_type_is_text(ty)) {
                int len = ty->length;
                c->kind = GK_ROWKEY;
                if (len <= 0 || len >= 36) {
                    c->rowkey_kind = 1; /* uuid-formatted text */
                    gen_perm_init(&c->uperm, UINT64_C(1) << 62, c->key);
                } else {
                    c->rowkey_kind = 2;
                    c->maxlen = len;
                    int64_t dom = 1;
                    for (int i = 0; i < SIL_MIN(len, 12); i++)
                        dom *= 36;
                    if (dom < t->rows) {
                        c->col = &st->cols[ci];
                        return impossible(err, t, c, dom, "text key length");
                    }
                    gen_perm_init(&c->uperm, (uint64_t)SIL_MIN(dom, INT64_C(1) << 60), c->key);
                }
            }
        }
    }
    for (size_t ci = 0; ci < st->ncols; ci++)
        if (compile_col(p, t, ci, tpl, err) < 0)
            return -1;
    /* A personal number encodes the row's birth date when the shape draws it. */
    int birth = -1;
    for (size_t ci = 0; ci < st->ncols; ci++)
        if (t->cols[ci].cls == SIL_CLASS_PERSONAL_BIRTH_DATE && t->cols[ci].kind == GK_TIME &&
            !t->cols[ci].person_birth && !t->cols[ci].unique && birth < 0)
            birth = (int)ci;
    for (size_t ci = 0; ci < st->ncols; ci++)
        t->cols[ci].birth_col =
            t->cols[ci].kind == GK_PII && t->cols[ci].cls == SIL_CLASS_PERSONAL_NATIONAL_ID ? birth
                                                                                            : -1;
    /* Arrival columns. */
    for (size_t f = 0; f < t->nfks; f++)
        if (t->fks[f].arrival_col >= 0 && t->cols[t->fks[f].arrival_col].kind == GK_TIME) {
            t->cols[t->fks[f].arrival_col].arrival = &t->fks[f];
            t->fks[f].arr_w = arrival_window(&t->cols[t->fks[f].arrival_col], &t->fks[f]);
        }
    if (st->npk > 0 && plan_keys(p, t, st->npk, st->pk, err) < 0)
        return -1;
    for (size_t u = 0; u < st->nuniques; u++)
        if (plan_keys(p, t, st->uniques[u].ncols, st->uniques[u].cols, err) < 0)
            return -1;
    /* Primary key columns are never NULL. */
    for (size_t k = 0; k < st->npk; k++)
        t->cols[sil_table_column(st, st->pk[k])].null_frac = 0;
    return 0;
}

/* ---- sizing ---- */

static int64_t derived_rows(struct gen_plan *p, struct gen_table *t)
{
    int pf = choose_primary(t);
    if (pf < 0)
        return -1;
    const struct sil_fk *fk = &t->t->fks[pf];
    if (!fk->stats)
        return -1;
    struct gen_table *parent = &p->tables[fk->ref_index];
    struct gen_icdf model;
    gen_fk_count_model(&model, fk->stats, 1);
    int64_t n =
        gen_fanout_build(&t->derived_fan, parent->rows, -1, &model, gen_key(t->key, fk->name));
    gen_icdf_release(&model);
    t->derived_fk = pf; /* plan_fk reuses it when the size stays */
    return n;
}

static void clamp_table(struct gen_plan *p, struct gen_table *t, const struct gen_sizing *sz)
{
    t->requested = t->rows;
    if (p->max_rows > 0 && t->rows > p->max_rows) {
        char why[128];
        snprintf(why, sizeof why, "%s %lld",
                 sz->max_rows == p->max_rows ? "--max-rows" : "band max_rows",
                 (long long)p->max_rows);
        add_clamp(p, t->index, t->rows, p->max_rows, why);
        t->rows = p->max_rows;
    }
}

static int size_tables(struct gen_plan *p, const struct gen_template *tpl,
                       const struct gen_sizing *sz, struct sil_err *err)
{
    char *fixed = sil_xcalloc(p->ntables ? p->ntables : 1, 1);
    int derive = sz->derive;
    for (size_t i = 0; i < p->ntables; i++) {
        struct gen_table *t = &p->tables[i];
        int64_t base = t->t->row_count;
        t->size_source =
            gen_template_sets_rows(tpl, t->t->schema, t->t->name) ? "template" : "source";
        if (sz->mode == GEN_SIZE_SCALE) {
            /* A table with rows keeps one: its children may need a parent. */
            base = base > 0 ? SIL_MAX(INT64_C(1), clamp_i64((double)base * sz->scale)) : 0;
            t->size_source = "scale";
        }
        t->rows = t->generate ? base : 0;
    }
    if (sz->mode == GEN_SIZE_BAND) {
        struct band_entry *be = NULL;
        size_t nbe = 0;
        int band_derive = 1;
        if (load_band(p, sz, &be, &nbe, &band_derive, err) < 0) {
            free(fixed);
            return -1;
        }
        for (size_t i = 0; i < nbe; i++) {
            be[i].t->rows = be[i].rows;
            be[i].t->size_source = "band";
            fixed[be[i].t->index] = 1;
        }
        free(be);
        derive |= band_derive;
        snprintf(p->band_name, sizeof p->band_name, "%s", sz->band);
    }
    for (size_t i = 0; i < sz->nrows; i++) {
        struct gen_table *t = find_table(p, sz->rows[i].table);
        if (!t) {
            sil_err_set(err, SIL_EUSAGE, "--rows %s=%lld: no table \"%s\" in the shape%s",
                        sz->rows[i].table, (long long)sz->rows[i].rows, sz->rows[i].table,
                        strchr(sz->rows[i].table, '.')
                            ? ""
                            : " (or the name is ambiguous: add the schema)");
            free(fixed);
            return -1;
        }
        t->rows = sz->rows[i].rows;
        t->size_source = "rows";
        fixed[t->index] = 1;
    }
    int64_t maxr = sz->max_rows;
    if (p->band_max_rows > 0 && (maxr == 0 || p->band_max_rows < (double)maxr))
        maxr = (int64_t)p->band_max_rows;
    p->max_rows = maxr;
    /* In load order, so children are derived from their parents' final
     * (clamped) sizes. */
    for (size_t oi = 0; oi < p->ntables; oi++) {
        struct gen_table *t = &p->tables[p->order[oi]];
        if (derive && !fixed[t->index] && t->generate) {
            int pf = choose_primary(t);
            if (pf >= 0 && fixed[t->t->fks[pf].ref_index]) {
                int64_t n = derived_rows(p, t);
                if (n >= 0) {
                    t->rows = n;
                    t->size_source = "derived";
                    fixed[t->index] = 1;
                }
            }
        }
        clamp_table(p, t, sz);
    }
    free(fixed);
    return 0;
}

static void free_domain_checks(struct gen_plan *p)
{
    if (p->domain_checks && p->shape) {
        for (size_t d = 0; d < p->shape->ndomains; d++) {
            for (size_t c = 0; p->domain_checks[d] && c < p->shape->domains[d].nchecks; c++)
                sil_expr_free(p->domain_checks[d][c]);
            free(p->domain_checks[d]);
        }
    }
    free(p->domain_checks);
    p->domain_checks = NULL;
}

struct gen_plan *gen_plan_new(struct sil_shape *shape, const struct gen_template *tpl,
                              uint64_t seed, const struct gen_sizing *sz, struct sil_err *err)
{
    gen_dict_get();
    struct gen_plan *p = sil_xcalloc(1, sizeof *p);
    p->shape = shape;
    p->seed = seed;
    p->locale = shape->source.locale ? shape->source.locale : "en_US";
    if (tpl && gen_template_locale(tpl))
        p->locale = gen_template_locale(tpl);
    p->ntables = shape->ntables;
    p->tables = sil_xcalloc(p->ntables ? p->ntables : 1, sizeof *p->tables);
    uint64_t root = gen_mix(seed ^ UINT64_C(0x73696c686f756574));
    for (size_t i = 0; i < p->ntables; i++) {
        struct gen_table *t = &p->tables[i];
        t->t = &shape->tables[i];
        t->index = i;
        t->key = gen_key(gen_key(root, t->t->schema), t->t->name);
        t->generate = t->t->kind == SIL_TABLE_TABLE || t->t->kind == SIL_TABLE_PARTITIONED;
        t->nfks = t->t->nfks;
        t->fks = sil_xcalloc(t->nfks ? t->nfks : 1, sizeof *t->fks);
        t->primary_fk = -1;
        t->derived_fk = -1;
    }
    if (order_tables(p, err) < 0 || size_tables(p, tpl, sz, err) < 0)
        goto fail;
    for (size_t oi = 0; oi < p->ntables; oi++) {
        struct gen_table *t = &p->tables[p->order[oi]];
        t->primary_fk = choose_primary(t);
        for (size_t f = 0; f < t->nfks; f++)
            if (plan_fk(p, t, f, err) < 0)
                goto fail;
        for (size_t f = 0; f < t->nfks; f++)
            if (t->fks[f].mode == GFK_NESTED && t->fks[t->primary_fk].has_fan)
                plan_nest_split(t, &t->fks[f]);
        if (plan_table_columns(p, t, tpl, err) < 0)
            goto fail;
        t->first = 0;
        t->count = t->rows;
        t->holds_start = 1;
    }
    {
        char now[21];
        sil_utc_now(now);
        if (sil_utc_parse(now, &p->now) < 0)
            p->now = 0;
    }
    if (gen_plan_checks(p, err) < 0)
        goto fail;
    return p;
fail:
    free_domain_checks(p);
    p->shape = NULL; /* the caller still owns it on failure */
    gen_plan_free(p);
    return NULL;
}

void gen_plan_free(struct gen_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ntables; i++) {
        struct gen_table *t = &p->tables[i];
        for (size_t f = 0; f < t->nfks; f++) {
            gen_fanout_release(&t->fks[f].fan);
            gen_icdf_release(&t->fks[f].gaps);
            free(t->fks[f].ref_cols);
            free(t->fks[f].nest_loc);
        }
        for (size_t c = 0; c < t->ncols; c++) {
            struct gen_col *col = &t->cols[c];
            gen_icdf_release(&col->dist);
            gen_cat_release(&col->cat);
            gen_cat_release(&col->how_cat);
            free(col->cmp);
            sil_expr_free(col->gen_expr);
            for (size_t k = 0; k < col->ncat; k++)
                free((char *)col->cat_values[k]);
            free(col->cat_values);
            free(col->cat_sorted);
            if (col->faker.elements) {
                for (size_t k = 0; k < col->faker.nelements; k++)
                    free((char *)col->faker.elements[k]);
                free((void *)col->faker.elements);
            }
        }
        for (size_t c = 0; c < t->nchecks; c++)
            sil_expr_free(t->checks[c].e);
        free(t->checks);
        free(t->cols);
        free(t->fks);
        gen_fanout_release(&t->derived_fan);
    }
    free(p->tables);
    free(p->order);
    free(p->clamps);
    free_domain_checks(p);
    sil_shape_free(p->shape);
    free(p);
}

void gen_shard_range(int64_t rows, int k, int n, int64_t *first, int64_t *count)
{
    /* Shard boundaries fall on multiples of 1000 rows, so statement-based
     * formats split the same way in every shard. */
    const int64_t unit = 1000;
    int64_t units = (rows + unit - 1) / unit;
    int64_t a = (int64_t)((gen_u128)(uint64_t)units * (uint64_t)(k - 1) / (uint64_t)n) * unit;
    int64_t b = (int64_t)((gen_u128)(uint64_t)units * (uint64_t)k / (uint64_t)n) * unit;
    if (a > rows)
        a = rows;
    if (b > rows)
        b = rows;
    *first = a;
    *count = b - a;
}

void gen_plan_shard(struct gen_plan *p, int k, int n)
{
    for (size_t i = 0; i < p->ntables; i++) {
        gen_shard_range(p->tables[i].rows, k, n, &p->tables[i].first, &p->tables[i].count);
        p->tables[i].holds_start = k == 1;
    }
}
