/* Statistics over bounded samples, computed by PostgreSQL. */
#include "pgstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classify.h"
#include "log.h"

#define NOT_FINITE "('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)"

void sampler_rows_from_catalog(struct sampler_model *m, size_t ti)
{
    struct sil_table *t = &m->shape->tables[ti];
    double est = m->tabs[ti].est_rows;
    t->row_count = est > 0 ? (int64_t)llround(est) : 0;
    t->rows_method = SIL_ROWS_ESTIMATE;
}

/* "(SELECT cols FROM rel [TABLESAMPLE ...] LIMIT n)" for the table's current sample. */
static void sample_sql(struct sil_buf *b, const struct sampler_tabinfo *ti, const char *cols,
                       int64_t limit, double pct)
{
    sil_buf_addf(b, "(SELECT %s FROM %s", cols, ti->rel);
    if (pct < 100)
        sil_buf_addf(b, " TABLESAMPLE SYSTEM (%.6f) REPEATABLE (%u)", pct, ti->seed);
    sil_buf_addf(b, " LIMIT %lld)", (long long)limit);
}

static void table_sample(struct sil_buf *b, const struct sampler_tabinfo *ti, const char *cols)
{
    sample_sql(b, ti, cols, ti->sample_n, ti->sample_pct);
}

/*
 * The TABLESAMPLE SYSTEM percentage for about n of base_rows rows. SYSTEM
 * picks whole pages, so at least SAMPLER_MIN_PAGES pages are asked for (the
 * LIMIT still bounds the rows): a small table is read whole, not missed.
 */
#define SAMPLER_MIN_PAGES 10
static double sample_pct(double base_rows, double pages, int64_t n)
{
    if (base_rows <= (double)n)
        return 100;
    double pct = 100.0 * (double)n / base_rows;
    if (pages > 0 && pct * pages / 100 < SAMPLER_MIN_PAGES)
        pct = 100.0 * SAMPLER_MIN_PAGES / pages;
    return pct >= 100 ? 100 : pct < 0.000001 ? 0.000001 : pct;
}

/*
 * Bucket rows (count, mean), from row `first` on, into k-protected
 * quantiles. Adjacent buckets are merged until each holds at least k values,
 * and a short tail joins the last bucket: buckets only come out smaller than
 * planned when some values were not finite. No quantiles from fewer than two
 * buckets.
 */
static void quantiles_from_buckets(struct sil_arena *a, const PGresult *r, int first, int ccol,
                                   int mcol, int k, struct sil_quantiles *q)
{
    double means[SAMPLER_MAX_BUCKETS], counts[SAMPLER_MAX_BUCKETS];
    int nb = 0;
    double acc = 0, accn = 0;
    for (int i = first; i < PQntuples(r); i++) {
        double cnt = 0, mean = 0;
        if (sampler_db_f64(r, i, ccol, &cnt) < 0 || sampler_db_f64(r, i, mcol, &mean) < 0 ||
            cnt <= 0)
            continue;
        acc += cnt * mean;
        accn += cnt;
        if (accn >= k && nb < SAMPLER_MAX_BUCKETS) {
            /* A bucket that needed no merging keeps the server's mean exactly. */
            means[nb] = accn == cnt ? mean : acc / accn;
            counts[nb++] = accn;
            acc = accn = 0;
        }
    }
    if (accn > 0 && nb > 0) {
        means[nb - 1] = (means[nb - 1] * counts[nb - 1] + acc) / (counts[nb - 1] + accn);
        counts[nb - 1] += accn;
    }
    memset(q, 0, sizeof *q);
    if (nb >= 2)
        sampler_quantiles_from_means(a, means, nb, q);
}

struct colq {
    const char *name; /* quoted */
    struct sil_column *col;
    struct sampler_colinfo *ci;
    int64_t nonnull, ndistinct;
};

static int run_query(struct sampler_db *db, struct sil_buf *sql, PGresult **out,
                     enum sampler_fail *fail, struct sil_err *err)
{
    *out = sampler_db_query(db, sql->data, fail, err);
    sil_buf_reset(sql);
    return *out ? 0 : -1;
}

/* The float8 a column's value (or length) is summarised by; 0 when it has none. */
static int value_expr(const struct sampler_colinfo *ci, const char *col, char *out, size_t n)
{
    switch (ci->vkind) {
    case SAMPLER_V_NUMBER:
        if (ci->via_numeric)
            snprintf(out, n, "s.%s::numeric::float8", col);
        else
            snprintf(out, n, "s.%s::float8", col);
        return 1;
    case SAMPLER_V_DATE:
        snprintf(out, n, "extract(epoch FROM s.%s::timestamp)::float8", col);
        return 1;
    case SAMPLER_V_TIMESTAMP:
    case SAMPLER_V_TIMESTAMPTZ:
    case SAMPLER_V_TIME:
    case SAMPLER_V_INTERVAL:
        snprintf(out, n, "extract(epoch FROM s.%s)::float8", col);
        return 1;
    case SAMPLER_V_TEXT:
        /* Characters, except for values stored above 1 kB: their byte length,
         * which the server knows without decompressing them. */
        snprintf(out, n,
                 "(CASE WHEN pg_column_size(s.%s) <= 1024 THEN length(s.%s) ELSE "
                 "octet_length(s.%s) END)::float8",
                 col, col, col);
        return 1;
    case SAMPLER_V_BYTEA:
        snprintf(out, n, "octet_length(s.%s)::float8", col);
        return 1;
    case SAMPLER_V_JSON:
        snprintf(out, n,
                 "(CASE WHEN pg_column_size(s.%s) <= 1024 THEN length(s.%s::text) ELSE "
                 "pg_column_size(s.%s) END)::float8",
                 col, col, col);
        return 1;
    default:
        return 0;
    }
}

static int is_length(enum sampler_vkind v)
{
    return v == SAMPLER_V_TEXT || v == SAMPLER_V_BYTEA || v == SAMPLER_V_JSON;
}

/*
 * Numbers and times count their distinct values in the quantile query, off
 * the sort it does anyway, instead of a second sort for count(DISTINCT):
 * float8 holds these exactly (numeric beyond 15 significant digits aside).
 */
static int distinct_by_sort(const struct sampler_colinfo *ci)
{
    return ci->distinct_ok && !ci->is_array && !is_length(ci->vkind) &&
           (ci->vkind == SAMPLER_V_NUMBER || ci->vkind == SAMPLER_V_DATE ||
            ci->vkind == SAMPLER_V_TIMESTAMP || ci->vkind == SAMPLER_V_TIMESTAMPTZ ||
            ci->vkind == SAMPLER_V_TIME || ci->vkind == SAMPLER_V_INTERVAL);
}

static int column_quantiles(struct sampler_db *db, struct sil_arena *a,
                            const struct sampler_tabinfo *ti, struct colq *c,
                            const struct sampler_statopts *o, struct sil_buf *sql,
                            enum sampler_fail *fail, struct sil_err *err)
{
    char expr[640];
    int nb = sampler_buckets(c->nonnull, o->k);
    int distinct = distinct_by_sort(c->ci);
    if (!value_expr(c->ci, c->name, expr, sizeof expr) || c->ci->is_array || c->nonnull <= 0 ||
        (!nb && !distinct))
        return 0;
    /* One bucket when there are too few values for quantiles: the distinct count only. */
    sil_buf_addf(sql,
                 "SELECT count(*), avg(v), sum(d) FROM (SELECT v, ntile(%d) OVER w AS q, %s AS d "
                 "FROM (SELECT %s AS v FROM ",
                 nb ? nb : 1, distinct ? "(v IS DISTINCT FROM lag(v) OVER w)::int" : "0", expr);
    table_sample(sql, ti, c->name);
    sil_buf_addf(sql,
                 " s WHERE s.%s IS NOT NULL) x WHERE v NOT IN " NOT_FINITE
                 " WINDOW w AS (ORDER BY v)) y GROUP BY q ORDER BY q",
                 c->name);
    PGresult *r;
    if (run_query(db, sql, &r, fail, err) < 0)
        return -1;
    struct sil_colstats *st = c->col->stats;
    if (nb)
        quantiles_from_buckets(a, r, 0, 0, 1, o->k,
                               is_length(c->ci->vkind) ? &st->length_quantiles : &st->quantiles);
    if (distinct) {
        int64_t sum = 0;
        for (int i = 0; i < PQntuples(r); i++) {
            int64_t d = 0;
            if (sampler_db_i64(r, i, 2, &d) == 0)
                sum += d;
        }
        c->ndistinct = sum;
    }
    PQclear(r);
    return 0;
}

static int categorical(const struct colq *c, const struct sampler_statopts *o)
{
    const struct sampler_colinfo *ci = c->ci;
    if (ci->is_array || !ci->distinct_ok || c->nonnull <= 0)
        return 0;
    int kind_ok = ci->vkind == SAMPLER_V_TEXT || ci->vkind == SAMPLER_V_ENUM ||
                  ci->vkind == SAMPLER_V_BOOL || (ci->vkind == SAMPLER_V_NUMBER && ci->integer);
    if (!kind_ok || c->ndistinct > o->max_categories)
        return 0;
    if (ci->vkind != SAMPLER_V_ENUM && ci->vkind != SAMPLER_V_BOOL && c->ndistinct * 2 > c->nonnull)
        return 0;
    return sampler_cat_encoding(o->protect, c->col->classification, ci->pol.categories) >= 0;
}

static int column_categories(struct sampler_db *db, struct sil_arena *a,
                             const struct sampler_tabinfo *ti, struct colq *c,
                             const struct sampler_statopts *o, struct sil_buf *sql,
                             enum sampler_fail *fail, struct sil_err *err)
{
    if (!categorical(c, o))
        return 0;
    sil_buf_addf(sql, "SELECT v, n FROM (SELECT s.%s::text AS v, count(*) AS n FROM ", c->name);
    table_sample(sql, ti, c->name);
    /* Long values are never emitted: they are left out before grouping, so
     * they are not read whole either. */
    sil_buf_addf(
        sql,
        " s WHERE s.%s IS NOT NULL AND pg_column_size(s.%s) <= %d GROUP BY 1) g WHERE n >= "
        "%d AND octet_length(v) <= %d ORDER BY n DESC, v COLLATE \"C\" LIMIT %d",
        c->name, c->name, o->max_fetch_bytes, o->k, o->max_fetch_bytes, o->max_categories + 1);
    PGresult *r;
    if (run_query(db, sql, &r, fail, err) < 0)
        return -1;
    int rows = PQntuples(r);
    struct sampler_catvalue *v = sil_xcalloc((size_t)rows + 1, sizeof *v);
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        int64_t cnt = 0;
        const char *val = sampler_db_value(r, i, 0);
        if (!val || sampler_db_i64(r, i, 1, &cnt) < 0)
            continue;
        v[n].value = val;
        v[n].len = (size_t)PQgetlength(r, i, 0);
        v[n].count = cnt;
        n++;
    }
    struct sampler_catinput in = {v, n, c->nonnull,
                                  c->ndistinct > (int64_t)n ? c->ndistinct - (int64_t)n : 0};
    c->col->stats->categories = sampler_protect_categories(a, o->protect, c->col->classification,
                                                           c->ci->pol.categories, &in);
    free(v);
    PQclear(r);
    return 0;
}

static int column_hours(struct sampler_db *db, struct sil_arena *a,
                        const struct sampler_tabinfo *ti, struct colq *c,
                        const struct sampler_statopts *o, struct sil_buf *sql,
                        enum sampler_fail *fail, struct sil_err *err)
{
    enum sampler_vkind v = c->ci->vkind;
    if ((v != SAMPLER_V_TIMESTAMP && v != SAMPLER_V_TIMESTAMPTZ) || c->ci->is_array ||
        c->nonnull <= 0)
        return 0;
    sil_buf_addf(sql,
                 "SELECT h, count(*) FROM (SELECT (extract(isodow FROM t)::int - 1) * 24 + "
                 "extract(hour FROM t)::int AS h FROM (SELECT s.%s%s AS t FROM ",
                 c->name, v == SAMPLER_V_TIMESTAMPTZ ? " AT TIME ZONE 'UTC'" : "");
    table_sample(sql, ti, c->name);
    sil_buf_addf(sql, " s WHERE s.%s IS NOT NULL) x WHERE isfinite(t)) y GROUP BY h ORDER BY h",
                 c->name);
    PGresult *r;
    if (run_query(db, sql, &r, fail, err) < 0)
        return -1;
    int64_t counts[SIL_HOURS_PER_WEEK] = {0};
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t h = -1, n = 0;
        if (sampler_db_i64(r, i, 0, &h) == 0 && sampler_db_i64(r, i, 1, &n) == 0 && h >= 0 &&
            h < SIL_HOURS_PER_WEEK)
            counts[h] = n;
    }
    c->col->stats->hour_of_week = sampler_hour_of_week(a, counts, c->nonnull, o->k);
    PQclear(r);
    return 0;
}

/*
 * Value-based classification: a few hundred values of the column, each cut
 * to SAMPLER_CLASSIFY_BYTES, go through the PII rules; they are never kept.
 */
static int column_classify(struct sampler_db *db, const struct sampler_tabinfo *ti, struct colq *c,
                           const struct sampler_statopts *o, struct sil_buf *sql,
                           enum sampler_fail *fail, struct sil_err *err)
{
    if (!o->classify || c->nonnull <= 0 || !sampler_classify_wants_values(c->col, c->ci))
        return 0;
    sil_buf_addf(sql, "SELECT left(s.%s::text, %d) FROM ", c->name, SAMPLER_CLASSIFY_BYTES);
    table_sample(sql, ti, c->name);
    sil_buf_addf(sql, " s WHERE s.%s IS NOT NULL LIMIT %d", c->name, SAMPLER_CLASSIFY_VALUES);
    PGresult *r;
    if (run_query(db, sql, &r, fail, err) < 0)
        return -1;
    int n = PQntuples(r);
    const char **v = sil_xcalloc((size_t)n + 1, sizeof *v);
    size_t *len = sil_xcalloc((size_t)n + 1, sizeof *len);
    for (int i = 0; i < n; i++) {
        v[i] = PQgetvalue(r, i, 0);
        len[i] = (size_t)PQgetlength(r, i, 0);
    }
    enum sil_class before = c->col->classification;
    if (sampler_classify_values(o->classify, c->col, c->ci, v, len, (size_t)n))
        sil_log_verbose("%s: %s by its values (was %s)", c->col->name,
                        sil_class_name(c->col->classification), sil_class_name(before));
    free(v);
    free(len);
    PQclear(r);
    return 0;
}

static void clear_stats(struct sil_table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        t->cols[i].stats = NULL;
    t->sampled_rows = 0;
}

/*
 * count(DISTINCT) without reading long values whole: text, json and bytea
 * compare their first 256 characters or bytes (read as a slice); jsonb and
 * arrays stored above 2 kB count as distinct each.
 */
static void distinct_sql(struct sil_buf *b, const struct sampler_colinfo *ci, const char *q)
{
    if (ci->is_array || (ci->vkind == SAMPLER_V_JSON && !ci->json_plain))
        sil_buf_addf(b,
                     ", count(DISTINCT CASE WHEN pg_column_size(s.%s) <= 2048 THEN s.%s END) + "
                     "count(*) FILTER (WHERE pg_column_size(s.%s) > 2048)",
                     q, q, q);
    else if (ci->vkind == SAMPLER_V_TEXT)
        sil_buf_addf(b, ", count(DISTINCT left(s.%s, 256))", q);
    else if (ci->vkind == SAMPLER_V_JSON)
        sil_buf_addf(b, ", count(DISTINCT left(s.%s::text, 256))", q);
    else if (ci->vkind == SAMPLER_V_BYTEA)
        sil_buf_addf(b, ", count(DISTINCT substring(s.%s FROM 1 FOR 256))", q);
    else
        sil_buf_addf(b, ", count(DISTINCT s.%s)", q);
}

/* One attempt at a table's statistics with a sample of at most n rows. */
static int table_attempt(struct sampler_db *db, struct sampler_model *m, size_t tix, int64_t n,
                         const struct sampler_statopts *o, enum sampler_fail *fail,
                         struct sil_err *err)
{
    struct sil_table *t = &m->shape->tables[tix];
    struct sampler_tabinfo *ti = &m->tabs[tix];
    struct sil_arena *a = m->shape->arena;
    struct sil_buf sql;
    sil_buf_init(&sql, 0);
    PGresult *r = NULL;
    int rc = -1;
    struct colq *cq = sil_xcalloc(t->ncols + 1, sizeof *cq);
    size_t ncq = 0;

    /* Rows: exact when the table holds at most the threshold (bounded count). */
    double est = ti->est_rows;
    if (est >= 0 && est > 1.5 * (double)o->exact_threshold) {
        t->row_count = (int64_t)llround(est);
        t->rows_method = SIL_ROWS_ESTIMATE;
    } else {
        sil_buf_addf(&sql, "SELECT count(*) FROM (SELECT FROM %s LIMIT %lld) s", ti->rel,
                     (long long)o->exact_threshold + 1);
        int64_t cnt = 0;
        if (run_query(db, &sql, &r, fail, err) < 0)
            goto out;
        if (sampler_db_i64(r, 0, 0, &cnt) < 0)
            cnt = 0;
        PQclear(r);
        r = NULL;
        if (cnt <= o->exact_threshold) {
            t->row_count = cnt;
            t->rows_method = SIL_ROWS_EXACT;
        } else {
            t->row_count = est > (double)cnt ? (int64_t)llround(est) : cnt;
            t->rows_method = SIL_ROWS_ESTIMATE;
        }
    }
    ti->sample_n = n;
    ti->sample_pct = sample_pct(t->rows_method == SIL_ROWS_EXACT ? (double)t->row_count
                                : est >= 0                       ? est
                                                                 : (double)t->row_count,
                                ti->pages, n);

    /* Nulls and distinct values of every column that may be read, in one pass. */
    struct sil_buf cols;
    sil_buf_init(&cols, 0);
    sil_buf_adds(&sql, "SELECT count(*)");
    for (size_t i = 0; i < t->ncols; i++) {
        if (ti->cols[i].pol.no_stats)
            continue;
        char *q = sil_ident_quote(t->cols[i].name);
        cq[ncq].name = sil_arena_strdup(a, q);
        cq[ncq].col = &t->cols[i];
        cq[ncq].ci = &ti->cols[i];
        sil_buf_addf(&cols, "%s%s", ncq ? ", " : "", q);
        sil_buf_addf(&sql, ", count(s.%s)", q);
        if (ti->cols[i].distinct_ok && !distinct_by_sort(&ti->cols[i]))
            distinct_sql(&sql, &ti->cols[i], q);
        free(q);
        ncq++;
    }
    sil_buf_adds(&sql, " FROM ");
    table_sample(&sql, ti, ncq ? cols.data : "");
    sil_buf_adds(&sql, " s");
    sil_buf_release(&cols);
    if (run_query(db, &sql, &r, fail, err) < 0)
        goto out;
    int64_t sampled = 0;
    if (sampler_db_i64(r, 0, 0, &sampled) < 0)
        sampled = 0;
    t->sampled_rows = sampled;
    int f = 1;
    for (size_t i = 0; i < ncq; i++) {
        struct colq *c = &cq[i];
        if (sampler_db_i64(r, 0, f++, &c->nonnull) < 0)
            c->nonnull = 0;
        c->ndistinct = -1;
        if (c->ci->distinct_ok && !distinct_by_sort(c->ci) &&
            sampler_db_i64(r, 0, f++, &c->ndistinct) < 0)
            c->ndistinct = -1;
    }
    PQclear(r);
    r = NULL;
    if (sampled == 0) {
        /* An empty table (or sample): nothing to describe. */
        rc = 0;
        goto out;
    }
    for (size_t i = 0; i < ncq; i++) {
        struct colq *c = &cq[i];
        struct sil_colstats *st = sil_arena_alloc(a, sizeof *st);
        st->null_fraction = (double)(sampled - c->nonnull) / (double)sampled;
        c->col->stats = st;
        if (column_classify(db, ti, c, o, &sql, fail, err) < 0 ||
            column_quantiles(db, a, ti, c, o, &sql, fail, err) < 0)
            goto out;
        /* Known now for every column (numbers and times counted in the quantile sort). */
        st->distinct_fraction =
            c->ndistinct >= 0 && c->nonnull > 0 ? (double)c->ndistinct / (double)c->nonnull : -1;
        if (column_categories(db, a, ti, c, o, &sql, fail, err) < 0 ||
            column_hours(db, a, ti, c, o, &sql, fail, err) < 0)
            goto out;
    }
    rc = 0;
out:
    PQclear(r);
    free(cq);
    sil_buf_release(&sql);
    return rc;
}

int sampler_pg_table_stats(struct sampler_db *db, struct sampler_model *m, size_t tix,
                           const struct sampler_statopts *o, struct sil_err *err)
{
    struct sil_table *t = &m->shape->tables[tix];
    struct sampler_tabinfo *ti = &m->tabs[tix];
    if (t->kind != SIL_TABLE_TABLE && t->kind != SIL_TABLE_PARTITIONED) {
        sampler_rows_from_catalog(m, tix);
        return 0;
    }
    int64_t n = o->sample_rows;
    for (int attempt = 0;; attempt++) {
        enum sampler_fail fail = SAMPLER_F_NONE;
        struct sil_err e;
        sil_err_clear(&e);
        if (sampler_db_savepoint(db, err) < 0)
            return -1;
        double t0 = sil_now();
        if (table_attempt(db, m, tix, n, o, &fail, &e) == 0) {
            ti->sampled = 1;
            sil_log_verbose("%s.%s: %lld rows (%s), %lld sampled, %.2fs", t->schema, t->name,
                            (long long)t->row_count,
                            t->rows_method == SIL_ROWS_EXACT ? "exact" : "estimate",
                            (long long)t->sampled_rows, sil_now() - t0);
            return sampler_db_release(db, err);
        }
        clear_stats(t);
        if (fail == SAMPLER_F_FATAL) {
            *err = e;
            return -1;
        }
        if (sampler_db_rollback_to(db, err) < 0)
            return -1;
        if (fail == SAMPLER_F_TIMEOUT && attempt < 2 && n >= 4) {
            sil_log_warn("%s.%s: statement timeout with a sample of %lld rows; retrying with %lld",
                         t->schema, t->name, (long long)n, (long long)(n / 4));
            n /= 4;
            continue;
        }
        switch (fail) {
        case SAMPLER_F_PERMISSION:
            t->skipped = SIL_SKIP_PERMISSION;
            break;
        case SAMPLER_F_GONE:
            t->skipped = SIL_SKIP_DROPPED;
            break;
        case SAMPLER_F_TIMEOUT:
        case SAMPLER_F_LOCK:
            t->skipped = SIL_SKIP_TIMEOUT;
            break;
        default:
            *err = e;
            sil_err_prefix(err, "cannot compute statistics for table %s.%s", t->schema, t->name);
            sil_err_hint(err, "leave the table out with --exclude '%s.%s' and report the problem",
                         t->schema, t->name);
            return -1;
        }
        sil_log_warn("%s.%s: skipped (%s): %s", t->schema, t->name,
                     t->skipped == SIL_SKIP_PERMISSION ? "permission denied"
                     : t->skipped == SIL_SKIP_DROPPED  ? "dropped during the run"
                                                       : "timeout",
                     e.msg);
        sampler_rows_from_catalog(m, tix);
        return 0;
    }
}

/* ---- foreign keys ---- */

/* "a.x = b.y AND ..." over quoted column lists. */
static void join_cond(struct sil_buf *b, const char *la, const char **lc, const char *ra,
                      const char **rc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *x = sil_ident_quote(lc[i]), *y = sil_ident_quote(rc[i]);
        sil_buf_addf(b, "%s%s.%s = %s.%s", i ? " AND " : "", la, x, ra, y);
        free(x);
        free(y);
    }
}

/* "prefix.c1, prefix.c2" or "c1 AS k1, ..." */
static void col_list(struct sil_buf *b, const char *prefix, const char **cols, size_t n,
                     const char *alias)
{
    for (size_t i = 0; i < n; i++) {
        char *q = sil_ident_quote(cols[i]);
        sil_buf_addf(b, "%s%s%s%s", i ? ", " : "", prefix ? prefix : "", prefix ? "." : "", q);
        if (alias)
            sil_buf_addf(b, " AS %s%zu", alias, i + 1);
        free(q);
    }
}

static void not_null_all(struct sil_buf *b, const char *prefix, const char **cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *q = sil_ident_quote(cols[i]);
        sil_buf_addf(b, "%s%s.%s IS NOT NULL", i ? " AND " : "", prefix, q);
        free(q);
    }
}

static int fk_coverage(struct sampler_db *db, const struct sampler_tabinfo *ci,
                       const struct sampler_tabinfo *pi, const struct sil_fk *fk,
                       struct sil_fkstats *st, enum sampler_fail *fail, struct sil_err *err)
{
    struct sil_buf sql, cols;
    sil_buf_init(&sql, 0);
    sil_buf_init(&cols, 0);
    col_list(&cols, NULL, fk->cols, fk->ncols, NULL);
    sil_buf_adds(&sql, "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ");
    sil_buf_addf(&sql, "%s p WHERE ", pi->rel);
    join_cond(&sql, "p", fk->ref_cols, "s", fk->cols, fk->ncols);
    sil_buf_adds(&sql, ")) FROM ");
    table_sample(&sql, ci, cols.data);
    sil_buf_adds(&sql, " s WHERE ");
    not_null_all(&sql, "s", fk->cols, fk->ncols);
    sil_buf_release(&cols);
    PGresult *r;
    if (run_query(db, &sql, &r, fail, err) < 0) {
        sil_buf_release(&sql);
        return -1;
    }
    sil_buf_release(&sql);
    int64_t all = 0, ok = 0;
    if (sampler_db_i64(r, 0, 0, &all) < 0 || sampler_db_i64(r, 0, 1, &ok) < 0)
        all = ok = 0;
    st->coverage = all > 0 ? (double)ok / (double)all : 1;
    PQclear(r);
    return 0;
}

/*
 * Children per sampled parent. The parent sample is k(n); the summary row
 * has q = 0, bucket rows q = 1..B.
 */
static int fk_children(struct sampler_db *db, struct sil_arena *a, const struct sampler_tabinfo *ci,
                       const struct sampler_tabinfo *pi, const struct sampler_fkinfo *fi,
                       const struct sil_fk *fk, double ppct, const struct sampler_statopts *o,
                       struct sil_fkstats *st, enum sampler_fail *fail, struct sil_err *err)
{
    struct sil_buf sql, pcols;
    sil_buf_init(&sql, 0);
    sil_buf_init(&pcols, 0);
    col_list(&pcols, NULL, fk->ref_cols, fk->ncols, NULL);
    sil_buf_adds(&sql, "WITH k AS MATERIALIZED (");
    if (ci->sample_pct >= 100) {
        /* The whole child table is within the sample bound: one join. */
        struct sil_buf ccols;
        sil_buf_init(&ccols, 0);
        col_list(&ccols, NULL, fk->cols, fk->ncols, NULL);
        sil_buf_adds(&sql, "SELECT count(c.");
        char *q0 = sil_ident_quote(fk->cols[0]);
        sil_buf_addf(&sql, "%s) AS n FROM ", q0);
        free(q0);
        sample_sql(&sql, pi, pcols.data, o->fk_parents, ppct);
        sil_buf_adds(&sql, " p LEFT JOIN ");
        table_sample(&sql, ci, ccols.data);
        sil_buf_adds(&sql, " c ON ");
        join_cond(&sql, "c", fk->cols, "p", fk->ref_cols, fk->ncols);
        sil_buf_adds(&sql, " GROUP BY ");
        col_list(&sql, "p", fk->ref_cols, fk->ncols, NULL);
        sil_buf_release(&ccols);
    } else if (fi->indexed) {
        sil_buf_addf(&sql, "SELECT (SELECT count(*) FROM (SELECT 1 FROM %s c WHERE ", ci->rel);
        join_cond(&sql, "c", fk->cols, "p", fk->ref_cols, fk->ncols);
        sil_buf_addf(&sql, " LIMIT %d) y) AS n FROM ", SAMPLER_CHILD_CAP);
        sample_sql(&sql, pi, pcols.data, o->fk_parents, ppct);
        sil_buf_adds(&sql, " p");
    } else {
        sil_buf_release(&sql);
        sil_buf_release(&pcols);
        return 1; /* not bounded: no statistics */
    }
    sil_buf_release(&pcols);
    sil_buf_addf(&sql,
                 ") SELECT 0, count(*)::float8, count(*) FILTER (WHERE n > 0)::float8, "
                 "coalesce(avg(n), 0)::float8, count(*) FILTER (WHERE n > %lld)::float8, "
                 "coalesce(sum(n) FILTER (WHERE n > %lld), 0)::float8, coalesce(sum(n), 0)::float8 "
                 "FROM k UNION ALL SELECT q, count(*)::float8, avg(n)::float8, NULL, NULL, NULL, "
                 "NULL FROM (SELECT n, ntile((SELECT GREATEST(1, LEAST(%d, count(*) / %d))::int "
                 "FROM k)) OVER (ORDER BY n) AS q FROM k) z GROUP BY q ORDER BY 1",
                 (long long)o->heavy_threshold, (long long)o->heavy_threshold, SAMPLER_MAX_BUCKETS,
                 o->k);
    PGresult *r;
    if (run_query(db, &sql, &r, fail, err) < 0) {
        sil_buf_release(&sql);
        return -1;
    }
    sil_buf_release(&sql);
    double parents = 0, with = 0, mean = 0, heavy_p = 0, heavy_c = 0, total = 0;
    if (PQntuples(r) < 1 || sampler_db_f64(r, 0, 1, &parents) < 0 ||
        sampler_db_f64(r, 0, 2, &with) < 0 || sampler_db_f64(r, 0, 3, &mean) < 0 ||
        sampler_db_f64(r, 0, 4, &heavy_p) < 0 || sampler_db_f64(r, 0, 5, &heavy_c) < 0 ||
        sampler_db_f64(r, 0, 6, &total) < 0 || parents <= 0) {
        PQclear(r);
        return 1;
    }
    st->sampled_parents = (int64_t)parents;
    st->parents_with_children = with / parents;
    st->mean_children = mean;
    if (heavy_p > 0) {
        st->has_heavy = 1;
        st->heavy_threshold = o->heavy_threshold;
        st->heavy_parent_fraction = heavy_p / parents;
        st->heavy_child_fraction = total > 0 ? heavy_c / total : 0;
    }
    if (sampler_buckets((int64_t)parents, o->k) > 0)
        quantiles_from_buckets(a, r, 1, 1, 2, o->k, &st->children_per_parent);
    PQclear(r);
    return 0;
}

static int fk_arrival(struct sampler_db *db, struct sil_arena *a, const struct sil_table *t,
                      const struct sampler_tabinfo *ci, const struct sampler_tabinfo *pi,
                      const struct sampler_fkinfo *fi, const struct sil_fk *fk, double ppct,
                      const struct sampler_statopts *o, struct sil_fkstats *st,
                      enum sampler_fail *fail, struct sil_err *err)
{
    if (fi->arrival_col < 0)
        return 1;
    const struct sil_column *ac = &t->cols[fi->arrival_col];
    int is_date = ci->cols[fi->arrival_col].vkind == SAMPLER_V_DATE;
    char *qt = sil_ident_quote(ac->name);
    struct sil_buf sql, pcols, part;
    sil_buf_init(&sql, 0);
    sil_buf_init(&pcols, 0);
    sil_buf_init(&part, 0);
    col_list(&pcols, NULL, fk->ref_cols, fk->ncols, NULL);
    for (size_t i = 0; i < fk->ncols; i++)
        sil_buf_addf(&part, "%sc.k%zu", i ? ", " : "", i + 1);
    sil_buf_addf(&sql,
                 "WITH x AS MATERIALIZED (SELECT %s(c.t - lag(c.t) OVER (PARTITION BY %s "
                 "ORDER BY c.t))%s::float8 AS gap FROM ",
                 is_date ? "" : "extract(epoch FROM ", part.data, is_date ? " * 86400" : ")");
    if (ci->sample_pct >= 100) {
        struct sil_buf ccols;
        sil_buf_init(&ccols, 0);
        col_list(&ccols, NULL, fk->cols, fk->ncols, "k");
        sil_buf_addf(&ccols, ", %s AS t", qt);
        table_sample(&sql, ci, ccols.data);
        sil_buf_release(&ccols);
        sil_buf_adds(&sql, " c WHERE c.t IS NOT NULL AND isfinite(c.t) AND (");
        sil_buf_adds(&sql, part.data);
        sil_buf_adds(&sql, ") IN (SELECT ");
        col_list(&sql, "p", fk->ref_cols, fk->ncols, NULL);
        sil_buf_adds(&sql, " FROM ");
        sample_sql(&sql, pi, pcols.data, o->fk_parents, ppct);
        sil_buf_adds(&sql, " p)");
    } else if (fi->arrival_indexed) {
        int64_t per = o->sample_rows / (o->fk_parents > 0 ? o->fk_parents : 1);
        if (per < 10)
            per = 10;
        sample_sql(&sql, pi, pcols.data, o->fk_parents, ppct);
        sil_buf_adds(&sql, " p CROSS JOIN LATERAL (SELECT ");
        col_list(&sql, "c", fk->cols, fk->ncols, "k");
        sil_buf_addf(&sql, ", c.%s AS t FROM %s c WHERE ", qt, ci->rel);
        join_cond(&sql, "c", fk->cols, "p", fk->ref_cols, fk->ncols);
        sil_buf_addf(&sql, " AND c.%s IS NOT NULL AND isfinite(c.%s) ORDER BY c.%s LIMIT %lld) c",
                     qt, qt, qt, (long long)per);
    } else {
        free(qt);
        sil_buf_release(&sql);
        sil_buf_release(&pcols);
        sil_buf_release(&part);
        return 1;
    }
    free(qt);
    sil_buf_release(&pcols);
    sil_buf_release(&part);
    sil_buf_addf(
        &sql,
        ") SELECT 0, count(*)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap), "
        "percentile_cont(0.95) WITHIN GROUP (ORDER BY gap) FROM x WHERE gap IS NOT NULL "
        "UNION ALL SELECT q, count(*)::float8, avg(gap), NULL FROM (SELECT gap, ntile((SELECT "
        "GREATEST(1, LEAST(%d, count(*) / %d))::int FROM x WHERE gap IS NOT NULL)) OVER "
        "(ORDER BY gap) AS q FROM x WHERE gap IS NOT NULL) z GROUP BY q ORDER BY 1",
        SAMPLER_MAX_BUCKETS, o->k);
    PGresult *r;
    if (run_query(db, &sql, &r, fail, err) < 0) {
        sil_buf_release(&sql);
        return -1;
    }
    sil_buf_release(&sql);
    double gaps = 0, p50 = 0, p95 = 0;
    if (PQntuples(r) < 1 || sampler_db_f64(r, 0, 1, &gaps) < 0 ||
        sampler_db_f64(r, 0, 2, &p50) < 0 || sampler_db_f64(r, 0, 3, &p95) < 0 || p50 <= 0 ||
        sampler_buckets((int64_t)gaps, o->k) == 0) {
        PQclear(r);
        return 1;
    }
    struct sil_quantiles gq;
    quantiles_from_buckets(a, r, 1, 1, 2, o->k, &gq);
    PQclear(r);
    if (gq.n < 2)
        return 1;
    st->arrival_column = ac->name;
    st->burstiness = p95 / p50;
    st->gap_quantiles = gq;
    return 0;
}

int sampler_pg_fk_stats(struct sampler_db *db, struct sampler_model *m, size_t tix, size_t fix,
                        const struct sampler_statopts *o, struct sil_err *err)
{
    struct sil_table *t = &m->shape->tables[tix];
    struct sil_fk *fk = &t->fks[fix];
    const struct sampler_tabinfo *ci = &m->tabs[tix], *pi = &m->tabs[fk->ref_index];
    const struct sil_table *p = &m->shape->tables[fk->ref_index];
    if (!ci->sampled || !pi->sampled || t->sampled_rows == 0)
        return 0;
    const struct sampler_fkinfo *fi = &ci->fks[fix];
    double pbase = p->rows_method == SIL_ROWS_EXACT ? (double)p->row_count
                   : pi->est_rows >= 0              ? pi->est_rows
                                                    : (double)p->row_count;
    /*
     * Fewer parents when each has many children, so the children counted
     * through the index stay near SAMPLER_CHILD_BUDGET samples' worth.
     */
    struct sampler_statopts fo = *o;
    double mean = pbase > 0 ? (double)t->row_count / pbase : 0;
    if (mean > 0) {
        double fit = SAMPLER_CHILD_BUDGET * (double)o->sample_rows / mean;
        int64_t floor_np = 2 * (int64_t)o->k;
        if (fit < (double)fo.fk_parents)
            fo.fk_parents = fit > (double)floor_np ? (int64_t)fit : floor_np;
    }
    o = &fo;
    double ppct = sample_pct(pbase, pi->pages, o->fk_parents);
    struct sil_fkstats *st = sil_arena_alloc(m->shape->arena, sizeof *st);
    enum sampler_fail fail = SAMPLER_F_NONE;
    struct sil_err e;
    sil_err_clear(&e);
    if (sampler_db_savepoint(db, err) < 0)
        return -1;
    int rc = fk_coverage(db, ci, pi, fk, st, &fail, &e);
    int have = 0;
    if (rc == 0) {
        rc = fk_children(db, m->shape->arena, ci, pi, fi, fk, ppct, o, st, &fail, &e);
        have = rc == 0;
        if (rc == 1) {
            sil_log_verbose("%s.%s: no children-per-parent statistics for \"%s\" (the child "
                            "table is larger than the sample and no index leads with the key)",
                            t->schema, t->name, fk->name);
            rc = 0;
        }
    }
    if (rc == 0 && have) {
        rc = fk_arrival(db, m->shape->arena, t, ci, pi, fi, fk, ppct, o, st, &fail, &e);
        if (rc == 1)
            rc = 0;
    }
    if (rc == 0) {
        fk->stats = have ? st : NULL;
        return sampler_db_release(db, err);
    }
    if (fail == SAMPLER_F_FATAL) {
        *err = e;
        return -1;
    }
    if (sampler_db_rollback_to(db, err) < 0)
        return -1;
    if (fail == SAMPLER_F_OTHER) {
        *err = e;
        sil_err_prefix(err, "cannot compute statistics for foreign key \"%s\" of %s.%s", fk->name,
                       t->schema, t->name);
        return -1;
    }
    sil_log_warn("%s.%s: no statistics for foreign key \"%s\": %s", t->schema, t->name, fk->name,
                 e.msg);
    return 0;
}
