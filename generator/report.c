/* generator report: read an output back, measure the seven quality gates, write the report. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "endorse.h"
#include "expr.h"
#include "fileio.h"
#include "json.h"
#include "ks.h"
#include "log.h"
#include "rddl.h"
#include "rkeys.h"
#include "rng.h"
#include "rread.h"
#include "shape.h"
#include "signals.h"

#define SCHEMA_SQL_MAX ((size_t)64 << 20)

const char *gen_gate_name(enum gen_gate g)
{
    static const char *const n[] = {"completeness", "conformity",   "validity", "uniqueness",
                                    "metadata",     "distribution", "linkage"};
    return (unsigned)g < GATE__COUNT ? n[g] : "?";
}

/* ---- per-table context ---- */

struct rkey {
    int space;
    size_t ncols;
    int *cols; /* shape column indexes, in key order (sorted by name) */
    int integer;
    const char *name;
};

struct rfk {
    const struct sil_fk *fk;
    int id;
    size_t ncols;
    int *cols; /* child columns, in the order of the parent key's columns */
    int integer;
    size_t parent; /* shape table index */
};

struct rchk {
    const char *name;
    struct sil_expr *e;
    int column; /* domain check: the column checked as VALUE; else -1 */
    int rule;   /* from the policy */
    size_t nref;
    int *ref;
    const char *domain;
};

struct rtable {
    const struct sil_table *st;
    size_t si;              /* shape index */
    struct rep_mtable *mt;  /* NULL when the output has no such table */
    size_t ncols;           /* shape columns */
    struct rep_colspec *cs; /* per shape column */
    int *d2s;               /* manifest column -> shape column, -1 unknown */
    const char **names;     /* shape column names, for binding */
    uint64_t key;           /* sampling key */
    size_t nkeys;
    struct rkey *keys;
    size_t nfks;
    struct rfk *fks;
    size_t nchecks;
    struct rchk *checks;
    int *cluster_fk; /* per column: the arrival foreign key (index in fks), -1 */
    /* per worker */
    struct rep_colacc **acc;         /* [w][col] */
    int64_t **chk;                   /* [w][3 * check]: evaluated, failed, not evaluated */
    struct rep_example (*chk_ex)[3]; /* [w * nchecks + c] */
    int64_t *malformed, *records;
    struct rep_example (*bad_rec)[3];
};

struct wscratch {
    struct rep_val *vals;
    const char **row;
    char *conform;
    int64_t *iv;
    char *hasint;
    struct sil_buf kb;
};

struct ctx {
    const struct gen_report_opts *o;
    struct rep_manifest m;
    struct sil_shape *shape;
    struct gen_gates *g;
    struct gen_keys *keys;
    size_t nt;
    struct rtable *t; /* per shape table */
    int *m2t;         /* manifest table -> rtable index, -1 */
    int workers;
    struct wscratch *ws;
    size_t maxcols;
    int64_t now;
};

struct rowarg {
    struct ctx *x;
    struct rtable *t;
    int w;
};

/* A key column's canonical bytes (tagged), appended. */
static void key_part(const struct rep_colspec *c, const char *s, size_t n, struct sil_buf *b)
{
    int64_t v;
    if (c->kind == RK_INT && rep_parse_int(s, n, &v) == 0) {
        unsigned char o[9];
        uint64_t u = (uint64_t)v ^ (UINT64_C(1) << 63);
        o[0] = 'I';
        for (int i = 0; i < 8; i++)
            o[1 + i] = (unsigned char)(u >> (56 - 8 * i));
        sil_buf_add(b, o, 9);
        return;
    }
    sil_buf_addc(b, 'T');
    if (c->kind == RK_UUID) {
        for (size_t i = 0; i < n; i++)
            sil_buf_addc(b, (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]));
        return;
    }
    if (c->kind == RK_BOOL && rep_bool(s, n)) {
        sil_buf_adds(b, rep_bool(s, n));
        return;
    }
    if (c->kind == RK_NUM && n && memchr(s, '.', n)) {
        /* numeric keys compare by value: drop trailing zeros of the fraction */
        size_t e = n;
        while (e > 0 && s[e - 1] == '0')
            e--;
        if (e > 0 && s[e - 1] == '.')
            e--;
        sil_buf_add(b, s, e);
        return;
    }
    sil_buf_add(b, s, n);
}

static int on_row(void *arg, int64_t row, struct rep_val *vals, size_t n)
{
    struct rowarg *ra = arg;
    struct ctx *x = ra->x;
    struct rtable *t = ra->t;
    int w = ra->w;
    struct wscratch *ws = &x->ws[w];
    t->records[w]++;
    if (!vals || n != t->mt->ncols) {
        t->malformed[w]++;
        char msg[48];
        snprintf(msg, sizeof msg, "%zu fields, %zu expected", vals ? n : 0, t->mt->ncols);
        rep_example_put(t->bad_rec[w], row, msg, strlen(msg));
        return 0;
    }
    uint64_t prio = gen_mix(t->key ^ ((uint64_t)row * UINT64_C(0x9e3779b97f4a7c15)));
    for (size_t c = 0; c < t->ncols; c++) {
        ws->row[c] = NULL;
        ws->conform[c] = 1;
        ws->hasint[c] = 0;
    }
    for (size_t d = 0; d < n; d++) {
        int c = t->d2s[d];
        if (c < 0)
            continue;
        int has;
        int64_t iv = 0;
        uint64_t cl = 0;
        if (t->cs[c].clustered) {
            /* the parent: the arrival foreign key's values, hashed */
            const struct rfk *fk = &t->fks[t->cluster_fk[c]];
            cl = UINT64_C(0x9e3779b97f4a7c15);
            for (size_t i = 0; i < fk->ncols; i++) {
                int fd = t->cs[fk->cols[i]].data_index;
                const char *s = fd >= 0 ? vals[fd].s : NULL;
                for (; s && *s; s++)
                    cl = (cl ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
                cl = gen_mix(cl + i);
            }
            if (!cl)
                cl = 1;
        }
        ws->conform[c] =
            (char)rep_col_value(&t->cs[c], &t->acc[w][c], &vals[d], row, prio, cl, &iv, &has);
        ws->row[c] = vals[d].s;
        ws->iv[c] = iv;
        ws->hasint[c] = (char)has;
    }
    /* keys */
    for (size_t k = 0; k < t->nkeys; k++) {
        struct rkey *key = &t->keys[k];
        int null = 0;
        for (size_t i = 0; i < key->ncols && !null; i++)
            null = ws->row[key->cols[i]] == NULL;
        if (null)
            continue;
        if (key->integer && ws->hasint[key->cols[0]]) {
            gen_keys_add_int(x->keys, w, key->space, ws->iv[key->cols[0]]);
            continue;
        }
        sil_buf_reset(&ws->kb);
        for (size_t i = 0; i < key->ncols; i++) {
            if (i)
                sil_buf_addc(&ws->kb, 0x1f);
            const char *s = ws->row[key->cols[i]];
            key_part(&t->cs[key->cols[i]], s, strlen(s), &ws->kb);
        }
        gen_keys_add(x->keys, w, key->space, ws->kb.data, ws->kb.len);
    }
    for (size_t f = 0; f < t->nfks; f++) {
        struct rfk *fk = &t->fks[f];
        int null = 0;
        for (size_t i = 0; i < fk->ncols && !null; i++)
            null = ws->row[fk->cols[i]] == NULL;
        if (null)
            continue;
        if (fk->integer && ws->hasint[fk->cols[0]]) {
            gen_keys_probe_int(x->keys, w, fk->id, ws->iv[fk->cols[0]]);
            continue;
        }
        sil_buf_reset(&ws->kb);
        for (size_t i = 0; i < fk->ncols; i++) {
            if (i)
                sil_buf_addc(&ws->kb, 0x1f);
            const char *s = ws->row[fk->cols[i]];
            key_part(&t->cs[fk->cols[i]], s, strlen(s), &ws->kb);
        }
        gen_keys_probe(x->keys, w, fk->id, ws->kb.data, ws->kb.len);
    }
    /* checks and rules */
    for (size_t k = 0; k < t->nchecks; k++) {
        struct rchk *ck = &t->checks[k];
        int64_t *cnt = &t->chk[w][3 * k];
        int skip = 0;
        for (size_t i = 0; i < ck->nref && !skip; i++)
            skip = !ws->conform[ck->ref[i]];
        if (ck->column >= 0 && !ws->conform[ck->column])
            skip = 1;
        if (skip) {
            cnt[2]++;
            continue;
        }
        struct sil_expr_env env = {x->now, ck->column >= 0 ? ws->row[ck->column] : NULL};
        if (ck->column >= 0 && !env.value)
            continue; /* a NULL passes a domain check */
        enum sil_tri res;
        struct sil_err e;
        if (sil_expr_eval(ck->e, ws->row, &env, &res, &e) < 0) {
            cnt[2]++;
            continue;
        }
        cnt[0]++;
        if (!sil_expr_check_passes(res)) {
            cnt[1]++;
            char msg[48];
            snprintf(msg, sizeof msg, "row %lld", (long long)row);
            rep_example_put(t->chk_ex[(size_t)w * t->nchecks + k], row, msg, strlen(msg));
        }
    }
    return 0;
}

static int on_chunk(void *arg, int w, struct rep_chunk *c, struct sil_err *err)
{
    struct ctx *x = arg;
    int ti = x->m2t[c->table];
    if (ti < 0)
        return 0; /* a table the shape lacks: the metadata gate says so */
    struct rowarg ra = {x, &x->t[ti], w};
    (void)err;
    return rep_parse_chunk(x->m.format, c, x->t[ti].mt->ncols,
                           (const char *const *)x->t[ti].mt->cols, x->ws[w].vals, on_row, &ra);
}

/* ---- setting up ---- */

static const struct sil_table *sort_table;

static int cmp_by_name(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return strcmp(sort_table->cols[x].name, sort_table->cols[y].name);
}

static int find_key_space(struct ctx *x, size_t ti, size_t n, const char *const *cols,
                          int **order_out)
{
    /* the parent's key with exactly these columns, any order */
    struct rtable *t = &x->t[ti];
    for (size_t k = 0; k < t->nkeys; k++) {
        struct rkey *key = &t->keys[k];
        if (key->ncols != n)
            continue;
        int all = 1;
        for (size_t i = 0; i < n && all; i++) {
            int found = 0;
            for (size_t j = 0; j < n; j++)
                found |= strcmp(t->st->cols[key->cols[j]].name, cols[i]) == 0;
            all = found;
        }
        if (all) {
            *order_out = key->cols;
            return (int)k;
        }
    }
    return -1;
}

static void add_key(struct ctx *x, struct rtable *t, const char *name, size_t n,
                    const char *const *cols)
{
    t->keys = sil_xrealloc(t->keys, (t->nkeys + 1) * sizeof *t->keys);
    struct rkey *k = &t->keys[t->nkeys++];
    k->name = name;
    k->ncols = n;
    k->cols = sil_xcalloc(n, sizeof *k->cols);
    for (size_t i = 0; i < n; i++)
        k->cols[i] = sil_table_column(t->st, cols[i]);
    sort_table = t->st;
    qsort(k->cols, n, sizeof *k->cols, cmp_by_name);
    k->integer = n == 1 && t->cs[k->cols[0]].kind == RK_INT;
    k->space = gen_keys_space(x->keys, k->integer);
}

static int setup_checks(struct ctx *x, struct rtable *t, struct sil_err *err)
{
    const struct sil_shape *s = x->shape;
    const char **types = sil_xcalloc(s->nenums + s->ndomains + 1, sizeof *types);
    size_t nty = 0;
    for (size_t i = 0; i < s->nenums; i++)
        types[nty++] = s->enums[i].name;
    for (size_t i = 0; i < s->ndomains; i++)
        types[nty++] = s->domains[i].name;
    enum sil_type_base *bases = sil_xcalloc(t->ncols + 1, sizeof *bases);
    for (size_t c = 0; c < t->ncols; c++)
        bases[c] = t->cs[c].type->array_dims ? SIL_T_UNSUPPORTED : t->cs[c].type->base;
    struct sil_expr_options po = {nty, types, 0}, dpo = {nty, types, 1};
    int rc = 0;
    /* table checks, domain checks per column, then policy rules */
    size_t cap = t->st->nchecks + x->g->nrules;
    for (size_t c = 0; c < t->ncols; c++)
        if (t->st->cols[c].type.base == SIL_T_DOMAIN) {
            const struct sil_domain *d =
                sil_shape_domain(s, t->st->cols[c].type.ref_schema, t->st->cols[c].type.ref_name);
            cap += d ? d->nchecks : 0;
        }
    t->checks = sil_xcalloc(cap + 1, sizeof *t->checks);
    for (size_t i = 0; i < t->st->nchecks + t->ncols + x->g->nrules && rc == 0; i++) {
        const char *name = NULL, *text = NULL, *domain = NULL;
        int column = -1, rule = 0;
        size_t nd = 1;
        const struct sil_domain *d = NULL;
        if (i < t->st->nchecks) {
            name = t->st->checks[i].name;
            text = t->st->checks[i].expr;
        } else if (i < t->st->nchecks + t->ncols) {
            size_t c = i - t->st->nchecks;
            if (t->st->cols[c].type.base != SIL_T_DOMAIN)
                continue;
            d = sil_shape_domain(s, t->st->cols[c].type.ref_schema, t->st->cols[c].type.ref_name);
            if (!d || !d->nchecks)
                continue;
            nd = d->nchecks;
            column = (int)c;
            domain = d->name;
        } else {
            const struct gen_rule *r = &x->g->rules[i - t->st->nchecks - t->ncols];
            const char *dot = strchr(r->table, '.');
            int match = dot ? strncmp(r->table, t->st->schema, (size_t)(dot - r->table)) == 0 &&
                                  strlen(t->st->schema) == (size_t)(dot - r->table) &&
                                  strcmp(dot + 1, t->st->name) == 0
                            : strcmp(r->table, t->st->name) == 0;
            if (!match)
                continue;
            name = r->name;
            text = r->expression;
            rule = 1;
        }
        for (size_t k = 0; k < nd && rc == 0; k++) {
            if (d) {
                name = d->checks[k].name;
                text = d->checks[k].expr;
            }
            struct rchk *ck = &t->checks[t->nchecks];
            ck->name = name;
            ck->column = column;
            ck->rule = rule;
            ck->domain = domain;
            ck->e = sil_expr_parse(text, d ? &dpo : &po, err);
            if (!ck->e || (d ? sil_expr_bind(ck->e, 0, NULL, NULL, err)
                             : sil_expr_bind(ck->e, t->ncols, t->names, bases, err)) < 0) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                sil_err_set(err, SIL_EINPUT, "%s \"%s\" of table \"%s.%s\" cannot be evaluated: %s",
                            rule ? "rule" : "check constraint", name, t->st->schema, t->st->name,
                            msg);
                if (rule)
                    sil_err_hint(err, "fix the rule in the policy file '%s'", x->g->file);
                sil_expr_free(ck->e);
                ck->e = NULL;
                rc = -1;
                break;
            }
            ck->nref = sil_expr_ncolumns(ck->e);
            ck->ref = sil_xcalloc(ck->nref + 1, sizeof *ck->ref);
            for (size_t r = 0; r < ck->nref; r++) {
                int ci = sil_table_column(t->st, sil_expr_column(ck->e, r));
                ck->ref[r] = ci < 0 ? 0 : ci;
            }
            t->nchecks++;
        }
    }
    free(types);
    free(bases);
    return rc;
}

static int setup(struct ctx *x, struct sil_err *err)
{
    const struct sil_shape *s = x->shape;
    x->nt = s->ntables;
    x->t = sil_xcalloc(x->nt + 1, sizeof *x->t);
    x->m2t = sil_xcalloc(x->m.ntables + 1, sizeof *x->m2t);
    uint64_t root = gen_mix((uint64_t)x->g->seed ^ UINT64_C(0x7265706f7274));
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        t->st = &s->tables[i];
        t->si = i;
        t->ncols = t->st->ncols;
        t->key = gen_key(gen_key(root, t->st->schema), t->st->name);
        t->cs = sil_xcalloc(t->ncols + 1, sizeof *t->cs);
        t->names = sil_xcalloc(t->ncols + 1, sizeof *t->names);
        for (size_t c = 0; c < t->ncols; c++) {
            rep_colspec_init(&t->cs[c], s, t->st, c);
            t->names[c] = t->st->cols[c].name;
        }
        if (t->ncols > x->maxcols)
            x->maxcols = t->ncols;
    }
    for (size_t mi = 0; mi < x->m.ntables; mi++) {
        x->m2t[mi] = -1;
        struct rep_mtable *mt = &x->m.tables[mi];
        for (size_t i = 0; i < x->nt; i++)
            if (strcmp(x->t[i].st->schema, mt->schema) == 0 &&
                strcmp(x->t[i].st->name, mt->name) == 0 && !x->t[i].mt) {
                x->m2t[mi] = (int)i;
                x->t[i].mt = mt;
            }
        if (mt->ncols > x->maxcols)
            x->maxcols = mt->ncols;
    }
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        if (!t->mt)
            continue;
        t->d2s = sil_xcalloc(t->mt->ncols + 1, sizeof *t->d2s);
        for (size_t d = 0; d < t->mt->ncols; d++) {
            t->d2s[d] = sil_table_column(t->st, t->mt->cols[d]);
            if (t->d2s[d] >= 0)
                t->cs[t->d2s[d]].data_index = (int)d;
        }
        /* required columns: NOT NULL, primary key, and the policy's */
        for (size_t k = 0; k < t->st->npk; k++)
            t->cs[sil_table_column(t->st, t->st->pk[k])].required = 1;
        for (size_t r = 0; r < x->g->nrequired; r++) {
            const char *q = x->g->required[r];
            for (size_t c = 0; c < t->ncols; c++) {
                char *a = sil_xasprintf("%s.%s", t->st->name, t->st->cols[c].name);
                char *b =
                    sil_xasprintf("%s.%s.%s", t->st->schema, t->st->name, t->st->cols[c].name);
                if (strcmp(q, a) == 0 || strcmp(q, b) == 0)
                    t->cs[c].required = 1;
                free(a);
                free(b);
            }
        }
        /* key columns are judged by the key gates, not by their distribution */
        for (size_t k = 0; k < t->st->npk; k++)
            t->cs[sil_table_column(t->st, t->st->pk[k])].key = 1;
        for (size_t f = 0; f < t->st->nfks; f++)
            for (size_t k = 0; k < t->st->fks[f].ncols; k++)
                t->cs[sil_table_column(t->st, t->st->fks[f].cols[k])].key = 1;
        if (t->st->npk)
            add_key(x, t, "primary key", t->st->npk, t->st->pk);
        for (size_t u = 0; u < t->st->nuniques; u++) {
            add_key(x, t, t->st->uniques[u].name, t->st->uniques[u].ncols, t->st->uniques[u].cols);
            if (t->st->uniques[u].ncols == 1)
                t->cs[sil_table_column(t->st, t->st->uniques[u].cols[0])].key = 1;
        }
    }
    /* foreign keys, once every parent's keys exist */
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        if (!t->mt)
            continue;
        for (size_t f = 0; f < t->st->nfks; f++) {
            const struct sil_fk *fk = &t->st->fks[f];
            struct rtable *pt = &x->t[fk->ref_index];
            if (!pt->mt)
                continue;
            int *order = NULL;
            int k = find_key_space(x, fk->ref_index, fk->ncols, fk->ref_cols, &order);
            if (k < 0) {
                /* the shape reader refuses this; keep going without it */
                continue;
            }
            t->fks = sil_xrealloc(t->fks, (t->nfks + 1) * sizeof *t->fks);
            struct rfk *r = &t->fks[t->nfks++];
            r->fk = fk;
            r->parent = fk->ref_index;
            r->ncols = fk->ncols;
            r->cols = sil_xcalloc(fk->ncols, sizeof *r->cols);
            /* child columns in the order of the parent key's columns */
            for (size_t j = 0; j < fk->ncols; j++) {
                const char *pc = pt->st->cols[order[j]].name;
                for (size_t q = 0; q < fk->ncols; q++)
                    if (strcmp(fk->ref_cols[q], pc) == 0)
                        r->cols[j] = sil_table_column(t->st, fk->cols[q]);
            }
            r->integer = pt->keys[k].integer && t->cs[r->cols[0]].kind == RK_INT;
            r->id = gen_keys_fk(x->keys, pt->keys[k].space);
        }
        if (setup_checks(x, t, err) < 0)
            return -1;
        /* rows of one parent arrive together: their times are sampled one per parent */
        t->cluster_fk = sil_xcalloc(t->ncols + 1, sizeof *t->cluster_fk);
        for (size_t c = 0; c < t->ncols; c++)
            t->cluster_fk[c] = -1;
        for (size_t f = 0; f < t->nfks; f++) {
            const struct sil_fkstats *st = t->fks[f].fk->stats;
            if (!st || !st->arrival_column)
                continue;
            int c = sil_table_column(t->st, st->arrival_column);
            if (c >= 0 && t->cluster_fk[c] < 0) {
                t->cluster_fk[c] = (int)f;
                t->cs[c].clustered = 1;
            }
        }
    }
    /* Key columns are judged by the uniqueness and linkage gates: their
     * distributions are not measured (a key is a row number or a parent's). */
    for (size_t i = 0; i < x->nt; i++)
        for (size_t c = 0; c < x->t[i].ncols; c++)
            if (x->t[i].cs && x->t[i].cs[c].key && x->t[i].cs[c].measure != RM_NONE)
                x->t[i].cs[c].measure = RM_NONE;
    /* per-worker accumulators */
    size_t k = (size_t)x->g->sample_rows;
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        if (!t->mt)
            continue;
        t->acc = sil_xcalloc((size_t)x->workers, sizeof *t->acc);
        t->chk = sil_xcalloc((size_t)x->workers, sizeof *t->chk);
        t->chk_ex = sil_xcalloc((size_t)x->workers * (t->nchecks + 1), sizeof *t->chk_ex);
        t->malformed = sil_xcalloc((size_t)x->workers, sizeof *t->malformed);
        t->records = sil_xcalloc((size_t)x->workers, sizeof *t->records);
        t->bad_rec = sil_xcalloc((size_t)x->workers, sizeof *t->bad_rec);
        for (int w = 0; w < x->workers; w++) {
            t->acc[w] = sil_xcalloc(t->ncols + 1, sizeof **t->acc);
            for (size_t c = 0; c < t->ncols; c++)
                rep_colacc_init(&t->acc[w][c], &t->cs[c], k);
            t->chk[w] = sil_xcalloc(3 * t->nchecks + 1, sizeof **t->chk);
            for (size_t c = 0; c < t->nchecks; c++)
                for (int e = 0; e < 3; e++)
                    t->chk_ex[(size_t)w * t->nchecks + c][e].row = -1;
            for (int e = 0; e < 3; e++)
                t->bad_rec[w][e].row = -1;
        }
    }
    x->ws = sil_xcalloc((size_t)x->workers, sizeof *x->ws);
    for (int w = 0; w < x->workers; w++) {
        x->ws[w].vals = sil_xcalloc(x->maxcols + 1, sizeof *x->ws[w].vals);
        x->ws[w].row = sil_xcalloc(x->maxcols + 1, sizeof *x->ws[w].row);
        x->ws[w].conform = sil_xcalloc(x->maxcols + 1, 1);
        x->ws[w].iv = sil_xcalloc(x->maxcols + 1, sizeof *x->ws[w].iv);
        x->ws[w].hasint = sil_xcalloc(x->maxcols + 1, 1);
        sil_buf_init(&x->ws[w].kb, 0);
    }
    return 0;
}

static void ctx_release(struct ctx *x)
{
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        for (int w = 0; t->acc && w < x->workers; w++) {
            for (size_t c = 0; c < t->ncols; c++)
                rep_colacc_release(&t->acc[w][c]);
            free(t->acc[w]);
            free(t->chk[w]);
        }
        free(t->acc);
        free(t->chk);
        free(t->chk_ex);
        free(t->malformed);
        free(t->records);
        free(t->bad_rec);
        for (size_t c = 0; c < t->ncols; c++)
            rep_colspec_release(&t->cs[c]);
        free(t->cs);
        free(t->names);
        free(t->d2s);
        for (size_t k = 0; k < t->nkeys; k++)
            free(t->keys[k].cols);
        free(t->keys);
        for (size_t f = 0; f < t->nfks; f++)
            free(t->fks[f].cols);
        free(t->fks);
        for (size_t c = 0; c < t->nchecks; c++) {
            sil_expr_free(t->checks[c].e);
            free(t->checks[c].ref);
        }
        free(t->checks);
        free(t->cluster_fk);
    }
    free(x->t);
    free(x->m2t);
    for (int w = 0; x->ws && w < x->workers; w++) {
        free(x->ws[w].vals);
        free(x->ws[w].row);
        free(x->ws[w].conform);
        free(x->ws[w].iv);
        free(x->ws[w].hasint);
        sil_buf_release(&x->ws[w].kb);
    }
    free(x->ws);
    gen_keys_free(x->keys);
    sil_shape_free(x->shape);
    rep_manifest_release(&x->m);
}

/* ---- checks ---- */

static struct gen_rcheck *add_check(struct gen_report *r, enum gen_gate g, const char *subject,
                                    const char *what, double measured, double threshold,
                                    int at_least, int gated, int percent, const char *detail)
{
    r->checks = sil_xgrow(r->checks, sizeof *r->checks, r->nchecks + 1, &r->capchecks);
    struct gen_rcheck *c = &r->checks[r->nchecks++];
    memset(c, 0, sizeof *c);
    c->gate = g;
    c->subject = sil_xstrdup(subject);
    c->what = sil_xstrdup(what);
    c->measured = measured;
    c->threshold = threshold;
    c->at_least = at_least;
    c->gated = gated;
    c->percent = percent;
    /* a tiny tolerance so 0.99 read from JSON equals 99 of 100 */
    c->passed = at_least ? measured >= threshold - 1e-12 : measured <= threshold + 1e-12;
    c->detail = detail ? sil_xstrdup(detail) : NULL;
    return c;
}

static void examples_text(const struct rep_example ex[3], struct sil_buf *b)
{
    int first = 1;
    /* in row order */
    int idx[3] = {0, 1, 2};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (ex[idx[j]].row >= 0 && (ex[idx[i]].row < 0 || ex[idx[j]].row < ex[idx[i]].row)) {
                int tmp = idx[i];
                idx[i] = idx[j];
                idx[j] = tmp;
            }
    for (int i = 0; i < 3; i++) {
        const struct rep_example *e = &ex[idx[i]];
        if (e->row < 0)
            continue;
        sil_buf_addf(b, "%srow %lld: '%s'", first ? "" : ", ", (long long)e->row, e->text);
        first = 0;
    }
}

static const char *type_label(const struct rep_colspec *c)
{
    switch (c->kind) {
    case RK_INT:
        return "an integer of its size";
    case RK_NUM:
        return "a number of its precision";
    case RK_FLOAT:
        return "a floating-point number";
    case RK_BOOL:
        return "a boolean";
    case RK_TEXT:
        return "UTF-8 text of its length";
    case RK_DATE:
        return "a date (YYYY-MM-DD)";
    case RK_TIME:
    case RK_TIMETZ:
        return "a time of day";
    case RK_TS:
    case RK_TSTZ:
        return "a timestamp";
    case RK_UUID:
        return "a UUID";
    case RK_JSON:
        return "JSON";
    case RK_BYTEA:
        return "bytea";
    case RK_INET:
        return "an IP address";
    case RK_MAC:
        return "a MAC address";
    case RK_ARRAY:
        return "an array";
    default:
        return "its type";
    }
}

static const char *fmt_label(enum rep_fmt f)
{
    static const char *const n[] = {"",
                                    "e-mail address",
                                    "phone number",
                                    "IBAN (mod 97)",
                                    "card number (Luhn)",
                                    "IP address",
                                    "date",
                                    "personal number of its locale"};
    return n[f];
}

static const char *measure_label(enum rep_measure m)
{
    switch (m) {
    case RM_NUMBER:
        return "values";
    case RM_TIME:
        return "times";
    case RM_LENGTH:
        return "text lengths";
    case RM_CATEGORY:
        return "category frequencies";
    case RM_HOUR_OF_WEEK:
        return "hour of week";
    default:
        return "";
    }
}

/*
 * Children-per-parent model CDF at k. Sized like the source (scale 1), the
 * shape's count model; sized otherwise, every parent's count scaled by the
 * ratio of the generated to the shape's mean with the fractions rounded at
 * random, count = floor(scale * raw + U): P(count <= k) = P(raw <= k/scale)
 * + the share of raw counts between k/scale and (k+1)/scale that round down.
 */
static double cpp_model(const struct gen_icdf *q, int64_t k, double scale)
{
    if (fabs(scale - 1) < 0.01)
        return gen_icdf_count_cdf(q, k);
    int64_t lo = (int64_t)floor((double)k / scale);
    double p = gen_icdf_count_cdf(q, lo);
    double prev = p;
    for (int64_t r = lo + 1; (double)r * scale < (double)k + 1; r++) {
        double c = gen_icdf_count_cdf(q, r);
        p += (c - prev) * ((double)k + 1 - (double)r * scale);
        prev = c;
    }
    return p > 1 ? 1 : p;
}

static void build_checks(struct ctx *x, struct gen_report *r)
{
    const struct gen_gates *g = x->g;
    char subj[400], what[200];
    struct sil_buf b;
    sil_buf_init(&b, 0);
    r->ntables = 0;
    r->rtables = sil_xcalloc(x->nt + 1, sizeof *r->rtables);
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        if (!t->mt)
            continue;
        struct gen_rtable *rt = &r->rtables[r->ntables++];
        rt->schema = t->st->schema;
        rt->name = t->st->name;
        rt->rows = t->mt->rows;
        rt->ncols = t->ncols;
        rt->cols = sil_xcalloc(t->ncols + 1, sizeof *rt->cols);
        /* records */
        int64_t recs = 0, bad = 0;
        for (int w = 0; w < x->workers; w++) {
            recs += t->records[w];
            bad += t->malformed[w];
            if (w)
                for (int e = 0; e < 3; e++)
                    if (t->bad_rec[w][e].row >= 0)
                        rep_example_put(t->bad_rec[0], t->bad_rec[w][e].row, t->bad_rec[w][e].text,
                                        strlen(t->bad_rec[w][e].text));
        }
        snprintf(subj, sizeof subj, "%s.%s", t->st->schema, t->st->name);
        sil_buf_reset(&b);
        if (bad) {
            sil_buf_addf(&b, "%lld of %lld records do not have %zu fields: ", (long long)bad,
                         (long long)recs, t->mt->ncols);
            examples_text(t->bad_rec[0], &b);
        }
        add_check(r, GATE_CONFORMITY, subj, "records well-formed",
                  recs ? (double)(recs - bad) / (double)recs : 1, g->min_type, 1, 1, 1,
                  bad ? b.data : NULL);
        for (size_t c = 0; c < t->ncols; c++) {
            struct rep_colspec *cs = &t->cs[c];
            struct rep_colacc *a = &t->acc[0][c];
            for (int w = 1; w < x->workers; w++)
                rep_colacc_merge(cs, a, &t->acc[w][c]);
            struct gen_rcolumn *rc = &rt->cols[c];
            rc->name = cs->col->name;
            rc->type = sil_type_sql(&cs->col->type);
            rc->values = a->n;
            rc->nulls = a->nulls;
            if (cs->data_index < 0)
                continue;
            snprintf(subj, sizeof subj, "%s.%s.%s", t->st->schema, t->st->name, cs->col->name);
            if (cs->required) {
                sil_buf_reset(&b);
                if (a->nulls)
                    sil_buf_addf(&b, "%lld NULLs in %lld rows of a %s column", (long long)a->nulls,
                                 (long long)a->n, cs->col->nullable ? "required" : "NOT NULL");
                add_check(r, GATE_COMPLETENESS, subj, "non-null",
                          a->n ? (double)(a->n - a->nulls) / (double)a->n : 1, g->min_non_null, 1,
                          1, 1, a->nulls ? b.data : NULL);
            }
            int64_t nn = a->n - a->nulls;
            sil_buf_reset(&b);
            if (a->bad_type) {
                sil_buf_addf(&b, "%lld of %lld values are not %s: ", (long long)a->bad_type,
                             (long long)nn, type_label(cs));
                examples_text(a->ex_type, &b);
            }
            add_check(r, GATE_CONFORMITY, subj, "type", nn ? (double)(nn - a->bad_type) / nn : 1,
                      g->min_type, 1, 1, 1, a->bad_type ? b.data : NULL);
            if (cs->fmt != RF_NONE) {
                sil_buf_reset(&b);
                if (a->bad_fmt) {
                    sil_buf_addf(&b,
                                 "%lld of %lld values are not a valid %s: ", (long long)a->bad_fmt,
                                 (long long)a->fmt_checked, fmt_label(cs->fmt));
                    examples_text(a->ex_fmt, &b);
                }
                snprintf(what, sizeof what, "format (%s)", fmt_label(cs->fmt));
                add_check(r, GATE_CONFORMITY, subj, what,
                          a->fmt_checked ? (double)(a->fmt_checked - a->bad_fmt) / a->fmt_checked
                                         : 1,
                          g->min_format, 1, 1, 1, a->bad_fmt ? b.data : NULL);
            }
            if (cs->nallowed) {
                sil_buf_reset(&b);
                if (a->bad_allowed) {
                    sil_buf_addf(&b, "%lld of %lld values are not among the %zu %s: ",
                                 (long long)a->bad_allowed, (long long)a->allowed_checked,
                                 cs->nallowed,
                                 cs->kind == RK_ENUM ? "enum labels" : "values the shape lists");
                    examples_text(a->ex_allowed, &b);
                }
                add_check(r, GATE_CONFORMITY, subj, "allowed values",
                          a->allowed_checked
                              ? (double)(a->allowed_checked - a->bad_allowed) / a->allowed_checked
                              : 1,
                          g->min_allowed, 1, 1, 1, a->bad_allowed ? b.data : NULL);
            }
            rc->ndist = rep_col_finish(cs, a, rc->dist);
            for (size_t di = 0; di < rc->ndist; di++) {
                struct rep_dist *d = &rc->dist[di];
                int gated = !cs->key && (!cs->personal || g->gate_personal) && d->n_sample > 0;
                snprintf(what, sizeof what, "KS (%s)", measure_label(d->measure));
                sil_buf_reset(&b);
                sil_buf_addf(&b,
                             "D %.4f on a sample of %zu (p %.3g); D %.4f on all %lld values%s%s",
                             d->d_sample, d->n_sample, d->p, d->d_full, (long long)d->values,
                             d->d_exact ? "" : " (histogram of 65536 bins)",
                             cs->key ? "; key column: judged by the key gates"
                             : cs->personal && !g->gate_personal
                                 ? "; personal values are generated by class, not by length: "
                                   "not gated"
                                 : "");
                struct gen_rcheck *ck = add_check(r, GATE_DISTRIBUTION, subj, what, d->p,
                                                  g->min_p_value, 1, gated, 0, b.data);
                ck->dist = d;
                ck->p_adjusted = d->p;
                if (g->max_d >= 0 && gated) {
                    snprintf(what, sizeof what, "D on all rows (%s)", measure_label(d->measure));
                    add_check(r, GATE_DISTRIBUTION, subj, what, d->d_full, g->max_d, 0, 1, 0, NULL);
                }
            }
        }
        /* checks and rules */
        for (size_t k = 0; k < t->nchecks; k++) {
            struct rchk *ck = &t->checks[k];
            int64_t ev = 0, fail = 0, skip = 0;
            for (int w = 0; w < x->workers; w++) {
                ev += t->chk[w][3 * k];
                fail += t->chk[w][3 * k + 1];
                skip += t->chk[w][3 * k + 2];
                if (w)
                    for (int e = 0; e < 3; e++) {
                        struct rep_example *ex = &t->chk_ex[(size_t)w * t->nchecks + k][e];
                        if (ex->row >= 0)
                            rep_example_put(t->chk_ex[k], ex->row, ex->text, strlen(ex->text));
                    }
            }
            if (ck->domain)
                snprintf(subj, sizeof subj, "%s.%s.%s", t->st->schema, t->st->name,
                         t->st->cols[ck->column].name);
            else
                snprintf(subj, sizeof subj, "%s.%s", t->st->schema, t->st->name);
            if (ck->domain)
                snprintf(what, sizeof what, "domain check \"%s\" (%s)", ck->name, ck->domain);
            else
                snprintf(what, sizeof what, "%s \"%s\"", ck->rule ? "rule" : "check", ck->name);
            sil_buf_reset(&b);
            if (fail) {
                sil_buf_addf(&b, "%lld of %lld rows fail %.120s: ", (long long)fail, (long long)ev,
                             sil_expr_text(ck->e));
                int first = 1;
                for (int e = 0; e < 3; e++)
                    if (t->chk_ex[k][e].row >= 0) {
                        sil_buf_addf(&b, "%s%s", first ? "" : ", ", t->chk_ex[k][e].text);
                        first = 0;
                    }
            }
            if (skip)
                sil_buf_addf(&b,
                             "%s%lld rows not evaluated (a value does not conform to its "
                             "type)",
                             b.len ? "; " : "", (long long)skip);
            add_check(r, GATE_VALIDITY, subj, what, ev ? (double)(ev - fail) / (double)ev : 1,
                      ck->rule ? g->min_rules : g->min_checks, 1, 1, 1, b.len ? b.data : NULL);
        }
    }
    sil_buf_release(&b);
}

static void key_checks(struct ctx *x, struct gen_report *r)
{
    const struct gen_gates *g = x->g;
    char subj[400], what[300];
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        if (!t->mt)
            continue;
        for (size_t k = 0; k < t->nkeys; k++) {
            struct gen_keys_result kr;
            gen_keys_space_result(x->keys, t->keys[k].space, &kr);
            snprintf(subj, sizeof subj, "%s.%s", t->st->schema, t->st->name);
            struct sil_buf cols;
            sil_buf_init(&cols, 0);
            for (size_t c = 0; c < t->keys[k].ncols; c++)
                sil_buf_addf(&cols, "%s%s", c ? ", " : "", t->st->cols[t->keys[k].cols[c]].name);
            snprintf(what, sizeof what, "duplicates of %s (%s)", t->keys[k].name, cols.data);
            sil_buf_release(&cols);
            struct sil_buf b;
            sil_buf_init(&b, 0);
            sil_buf_addf(&b, "%lld values, %lld repeat an earlier one", (long long)kr.values,
                         (long long)kr.duplicates);
            for (size_t e = 0; e < kr.nexamples; e++)
                sil_buf_addf(&b, "%s%s", e ? ", " : ": e.g. ", kr.examples[e]);
            sil_buf_addf(&b, " (exact: %s)",
                         kr.spilled ? "hash-partitioned records compared "
                                      "byte for byte"
                                    : "bitmap of the key values");
            add_check(r, GATE_UNIQUENESS, subj, what, (double)kr.duplicates,
                      (double)g->max_duplicates, 0, 1, 0, b.data);
            sil_buf_release(&b);
        }
        for (size_t f = 0; f < t->nfks; f++) {
            struct rfk *fk = &t->fks[f];
            struct gen_keys_result kr;
            gen_keys_fk_result(x->keys, fk->id, &kr);
            const struct sil_table *pt = &x->shape->tables[fk->parent];
            snprintf(subj, sizeof subj, "%s.%s (%s)", t->st->schema, t->st->name, fk->fk->name);
            double cov = kr.values ? (double)(kr.values - kr.orphans) / (double)kr.values : 1;
            struct sil_buf b;
            sil_buf_init(&b, 0);
            sil_buf_addf(&b, "%lld of %lld non-null keys find a row of %s.%s; %lld orphans",
                         (long long)(kr.values - kr.orphans), (long long)kr.values, pt->schema,
                         pt->name, (long long)kr.orphans);
            for (size_t e = 0; e < kr.nexamples; e++)
                sil_buf_addf(&b, "%s%s", e ? ", " : ": e.g. ", kr.examples[e]);
            add_check(r, GATE_LINKAGE, subj, "coverage", cov, g->min_fk_coverage, 1, 1, 1, b.data);
            if (g->max_orphans >= 0)
                add_check(r, GATE_LINKAGE, subj, "orphans", (double)kr.orphans,
                          (double)g->max_orphans, 0, 1, 0, NULL);
            /* children per parent against the shape's */
            const struct sil_fkstats *st = fk->fk->stats;
            int one_to_one = 0;
            for (size_t k = 0; k < t->nkeys; k++)
                if (t->keys[k].ncols == fk->ncols) {
                    int all = 1;
                    for (size_t c = 0; c < fk->ncols && all; c++) {
                        int found = 0;
                        for (size_t d = 0; d < fk->ncols; d++)
                            found |= t->keys[k].cols[d] == fk->cols[c];
                        all = found;
                    }
                    one_to_one |= all;
                }
            if (!st || (!st->children_per_parent.n && !(st->mean_children > 0)) || one_to_one ||
                kr.parents == 0) {
                sil_buf_release(&b);
                continue;
            }
            struct gen_icdf q;
            gen_fk_count_model(&q, st, 1);
            double gen_mean = (double)(kr.values - kr.orphans) / (double)kr.parents;
            double model_mean =
                st->mean_children > 0 ? st->mean_children : gen_icdf_count_mean(&q, 20000);
            double scale = model_mean > 0 ? gen_mean / model_mean : 1;
            int64_t maxk = kr.nhist ? kr.hist[kr.nhist - 1][0] : 0;
            double dmax = 0;
            int64_t acc = 0;
            size_t h = 0;
            /* at every count up to the largest seen, and where the model still rises */
            size_t npts = 0, cap = 64;
            double(*pts)[3] = sil_xcalloc(cap, sizeof *pts);
            int64_t kk = 0;
            for (; kk <= maxk || cpp_model(&q, kk, scale) < 1 - 1e-9; kk++) {
                while (h < kr.nhist && kr.hist[h][0] <= kk)
                    acc += kr.hist[h++][1];
                double fe = (double)acc / (double)kr.parents, fm = cpp_model(&q, kk, scale);
                double dd = fabs(fe - fm);
                if (dd > dmax)
                    dmax = dd;
                if (kk > maxk + 100000)
                    break;
            }
            /* chart: up to 60 points spread over 0..kk */
            int64_t top = kk;
            acc = 0;
            h = 0;
            int64_t stepk = top / 59 + 1;
            for (int64_t c = 0; c <= top; c += stepk) {
                while (h < kr.nhist && kr.hist[h][0] <= c)
                    acc += kr.hist[h++][1];
                if (npts == cap) {
                    cap *= 2;
                    pts = sil_xrealloc(pts, cap * sizeof *pts);
                }
                pts[npts][0] = (double)c;
                pts[npts][1] = cpp_model(&q, c, scale);
                pts[npts][2] = (double)acc / (double)kr.parents;
                npts++;
            }
            gen_icdf_release(&q);
            int gated = kr.parents >= g->min_parents;
            sil_buf_reset(&b);
            sil_buf_addf(&b,
                         "KS distance between children per parent of %lld parents and the "
                         "shape's%s; mean %.3g (shape %.3g)%s",
                         (long long)kr.parents,
                         fabs(scale - 1) < 0.01 ? ""
                                                : " (scaled to the "
                                                  "generated mean)",
                         gen_mean, model_mean,
                         gated ? "" : "; fewer parents than linkage.min_parents: not gated");
            struct gen_rcheck *ck = add_check(r, GATE_LINKAGE, subj, "children per parent (KS D)",
                                              dmax, g->max_children_d, 0, gated, 0, b.data);
            ck->cpp = pts;
            ck->ncpp = npts;
            sil_buf_release(&b);
        }
    }
}

static void meta_checks(struct ctx *x, struct gen_report *r, const char *sql)
{
    struct rep_items it;
    memset(&it, 0, sizeof it);
    rep_ddl_compare(sql, x->shape, &it);
    char subj[400], det[600];
    /* the manifest against the shape and the data read */
    for (size_t i = 0; i < x->nt; i++) {
        struct rtable *t = &x->t[i];
        int gen = t->st->kind == SIL_TABLE_TABLE || t->st->kind == SIL_TABLE_PARTITIONED;
        snprintf(subj, sizeof subj, "%s.%s", t->st->schema, t->st->name);
        if (!gen)
            continue;
        if (!t->mt) {
            rep_items_add(&it, subj, "data files", 0, "the manifest lists no data for this table");
            continue;
        }
        size_t want = 0;
        for (size_t c = 0; c < t->ncols; c++)
            want += !t->st->cols[c].generated_expr;
        int ok = t->mt->ncols == want;
        for (size_t d = 0, c = 0; ok && d < t->mt->ncols; d++, c++) {
            while (c < t->ncols && t->st->cols[c].generated_expr)
                c++;
            ok = c < t->ncols && strcmp(t->mt->cols[d], t->st->cols[c].name) == 0;
        }
        rep_items_add(&it, subj, "data columns (manifest)", ok,
                      ok ? NULL : "the data files' columns differ from the shape's");
        int64_t read = 0;
        int files_ok = 1;
        for (size_t f = 0; f < t->mt->nfiles; f++) {
            read += t->mt->files[f].rows_read;
            files_ok &= t->mt->files[f].rows_read == t->mt->files[f].rows;
        }
        snprintf(det, sizeof det, "the manifest says %lld rows, the files hold %lld",
                 (long long)t->mt->rows, (long long)read);
        rep_items_add(&it, subj, "row count", files_ok && read == t->mt->rows,
                      files_ok && read == t->mt->rows ? NULL : det);
        if (x->m.format == REP_CSV) {
            struct sil_buf h;
            sil_buf_init(&h, 0);
            for (size_t c = 0; c < t->mt->ncols; c++)
                sil_buf_addf(&h, "%s%s", c ? "," : "", t->mt->cols[c]);
            int hok = t->mt->csv_header && strcmp(t->mt->csv_header, h.data) == 0;
            rep_items_add(&it, subj, "CSV header", hok,
                          hok ? NULL : "the header line differs from the manifest's columns");
            sil_buf_release(&h);
        }
    }
    for (size_t mi = 0; mi < x->m.ntables; mi++)
        if (x->m2t[mi] < 0) {
            snprintf(subj, sizeof subj, "%s.%s", x->m.tables[mi].schema, x->m.tables[mi].name);
            rep_items_add(&it, subj, "extra table (manifest)", 0,
                          "the manifest has a table the shape lacks");
        }
    size_t ok = 0;
    for (size_t i = 0; i < it.n; i++)
        ok += it.v[i].ok;
    for (size_t i = 0; i < it.n; i++) {
        char what[300];
        snprintf(what, sizeof what, "%s", it.v[i].what);
        /* listed like checks; the gate itself judges their share (below) */
        struct gen_rcheck *c = add_check(r, GATE_METADATA, it.v[i].subject, what, it.v[i].ok, 1, 1,
                                         1, 0, it.v[i].detail);
        c->passed = it.v[i].ok;
    }
    /* the gate's own measure: the share of items that agree */
    add_check(r, GATE_METADATA, "schema.sql, manifest and data against the shape",
              "items that agree", it.n ? (double)ok / (double)it.n : 1, x->g->min_alignment, 1, 1,
              1, NULL);
    rep_items_release(&it);
}

/* Benjamini-Hochberg over the gated KS p-values. */
static void adjust_p(struct gen_report *r, const struct gen_gates *g)
{
    size_t m = 0;
    for (size_t i = 0; i < r->nchecks; i++)
        m += r->checks[i].gate == GATE_DISTRIBUTION && r->checks[i].gated && r->checks[i].dist;
    if (!g->bh || m == 0)
        return;
    double *p = sil_xcalloc(m, sizeof *p), *q = sil_xcalloc(m, sizeof *q);
    size_t k = 0;
    for (size_t i = 0; i < r->nchecks; i++)
        if (r->checks[i].gate == GATE_DISTRIBUTION && r->checks[i].gated && r->checks[i].dist)
            p[k++] = r->checks[i].measured;
    gen_ks_bh(p, m, q);
    k = 0;
    for (size_t i = 0; i < r->nchecks; i++) {
        struct gen_rcheck *c = &r->checks[i];
        if (c->gate == GATE_DISTRIBUTION && c->gated && c->dist) {
            c->p_adjusted = q[k++];
            c->measured = c->p_adjusted;
            c->passed = c->measured >= c->threshold - 1e-12;
        }
    }
    free(p);
    free(q);
}

static void pct(char *out, size_t n, double v)
{
    if (v >= 1)
        snprintf(out, n, "100%%");
    else if (v >= 0.9999)
        snprintf(out, n, "%.4f%%", v * 100);
    else
        snprintf(out, n, "%.2f%%", v * 100);
}

static void summarize(struct gen_report *r, const struct gen_gates *g)
{
    r->passed = 1;
    for (int gi = 0; gi < GATE__COUNT; gi++) {
        struct gen_rgate *gt = &r->gate[gi];
        gt->passed = 1;
        double worst = NAN, worst2 = NAN;
        size_t n = 0;
        for (size_t i = 0; i < r->nchecks; i++) {
            const struct gen_rcheck *c = &r->checks[i];
            if ((int)c->gate != gi || !c->gated)
                continue;
            /* metadata items count through their share */
            if (gi == GATE_METADATA && c->percent == 0)
                continue;
            n++;
            if (!c->passed) {
                gt->failed++;
                gt->passed = 0;
            }
            /* linkage: coverage (lowest) and children-per-parent D (largest) apart */
            if (gi == GATE_LINKAGE && !c->at_least) {
                if (strcmp(c->what, "orphans") != 0 && (isnan(worst2) || c->measured > worst2))
                    worst2 = c->measured;
                continue;
            }
            if (isnan(worst) || (c->at_least ? c->measured < worst : c->measured > worst))
                worst = c->measured;
        }
        gt->checks = n;
        r->passed &= gt->passed;
        char a[32], b[32];
        switch (gi) {
        case GATE_COMPLETENESS:
            pct(a, sizeof a, isnan(worst) ? 1 : worst);
            pct(b, sizeof b, g->min_non_null);
            snprintf(gt->summary, sizeof gt->summary,
                     "lowest non-null share %s in %zu required columns (gate >= %s)", a, n, b);
            break;
        case GATE_CONFORMITY:
            pct(a, sizeof a, isnan(worst) ? 1 : worst);
            snprintf(gt->summary, sizeof gt->summary,
                     "lowest conforming share %s in %zu checks of types, formats and allowed "
                     "values (gates >= %.2f%%, %.2f%%, %.2f%%)",
                     a, n, g->min_type * 100, g->min_format * 100, g->min_allowed * 100);
            break;
        case GATE_VALIDITY:
            pct(a, sizeof a, isnan(worst) ? 1 : worst);
            snprintf(gt->summary, sizeof gt->summary,
                     "%zu check constraints and rules; lowest share of rows passing %s (gates >= "
                     "%.2f%% checks, %.2f%% rules)",
                     n, n ? a : "-", g->min_checks * 100, g->min_rules * 100);
            break;
        case GATE_UNIQUENESS:
            snprintf(gt->summary, sizeof gt->summary,
                     "%zu primary and unique keys; most duplicates in one key %.0f (gate <= "
                     "%lld), exact",
                     n, isnan(worst) ? 0 : worst, (long long)g->max_duplicates);
            break;
        case GATE_METADATA: {
            size_t items = 0, okc = 0;
            for (size_t i = 0; i < r->nchecks; i++)
                if (r->checks[i].gate == GATE_METADATA && r->checks[i].percent == 0) {
                    items++;
                    okc += r->checks[i].passed;
                }
            pct(b, sizeof b, g->min_alignment);
            snprintf(gt->summary, sizeof gt->summary,
                     "schema.sql, manifest and data agree with the shape in %zu of %zu items "
                     "(gate >= %s)",
                     okc, items, b);
            gt->checks = items;
            gt->failed = items - okc;
            break;
        }
        case GATE_DISTRIBUTION:
            snprintf(gt->summary, sizeof gt->summary,
                     "%zu KS tests on samples of up to %lld rows; lowest %sp %.3g (gate p >= "
                     "%.3g)",
                     n, (long long)g->sample_rows, g->bh ? "Benjamini-Hochberg adjusted " : "",
                     isnan(worst) ? 1 : worst, g->min_p_value);
            break;
        case GATE_LINKAGE:
            pct(a, sizeof a, isnan(worst) ? 1 : worst);
            pct(b, sizeof b, g->min_fk_coverage);
            snprintf(gt->summary, sizeof gt->summary,
                     "lowest foreign key coverage %s (gate >= %s); largest children-per-parent "
                     "D %.3g (gate <= %.3g)%s",
                     a, b, isnan(worst2) ? 0 : worst2, g->max_children_d,
                     g->max_orphans >= 0 ? "; orphans gated" : "");
            break;
        }
    }
}

/* ---- JSON ---- */

static void jnum(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        sil_jadd_num(o, k, v);
    else
        sil_jadd_null(o, k);
}

static cJSON *dist_json(const struct rep_dist *d)
{
    cJSON *o = sil_jnew_object();
    sil_jadd_str(o, "measure", measure_label(d->measure));
    sil_jadd_num(o, "values", (double)d->values);
    jnum(o, "d_all_rows", d->d_full);
    sil_jadd_str(o, "d_all_rows_method", d->d_exact ? "exact counts" : "65536-bin histogram");
    sil_jadd_num(o, "sample_rows", (double)d->n_sample);
    jnum(o, "d_sample", d->d_sample);
    jnum(o, "p", d->p);
    cJSON *ch = sil_jadd_array(o, "chart");
    for (size_t i = 0; i < d->npts; i++) {
        cJSON *pt = sil_jnew_array();
        if (d->labels)
            sil_jpush_str(pt, d->labels[i]);
        else
            sil_jpush_num(pt, isfinite(d->pts[i][0]) ? d->pts[i][0] : 0);
        sil_jpush_num(pt, d->pts[i][1]);
        sil_jpush_num(pt, d->pts[i][2]);
        sil_jpush(ch, pt);
    }
    return o;
}

static char *report_json(const struct gen_report *r)
{
    const struct gen_gates *g = &r->gates;
    cJSON *root = sil_jnew_object();
    sil_jadd_str(root, "format", "silhouette.report");
    sil_jadd_num(root, "version", 1);
    sil_jadd_str(root, "generator", SIL_VERSION);
    sil_jadd_str(root, "created_at", r->created_at);
    cJSON *sub = sil_jadd_object(root, "subject");
    sil_jadd_str(sub, "output", r->dir);
    sil_jadd_str(sub, "manifest_checksum", r->manifest_checksum);
    sil_jadd_str(sub, "data_format", r->data_format);
    sil_jadd_str(sub, "compression", r->zstd ? "zstd" : "none");
    sil_jadd_num(sub, "seed", r->seed);
    sil_jadd_num(sub, "tables", (double)r->tables);
    sil_jadd_num(sub, "rows", (double)r->rows);
    sil_jadd_num(sub, "files_verified", (double)r->files);
    sil_jadd_num(sub, "bytes_verified", (double)r->bytes);
    cJSON *pol = sil_jadd_object(root, "policy");
    sil_jadd_str(pol, "file", g->file);
    sil_jadd_str(pol, "checksum", g->checksum);
    if (g->profile)
        sil_jadd_str(pol, "profile", g->profile);
    else
        sil_jadd_null(pol, "profile");
    cJSON *th = sil_jadd_object(pol, "thresholds");
    jnum(th, "completeness.min_non_null", g->min_non_null);
    jnum(th, "conformity.min_type", g->min_type);
    jnum(th, "conformity.min_format", g->min_format);
    jnum(th, "conformity.min_allowed", g->min_allowed);
    jnum(th, "validity.min_checks", g->min_checks);
    jnum(th, "validity.min_rules", g->min_rules);
    jnum(th, "uniqueness.max_duplicates", (double)g->max_duplicates);
    jnum(th, "metadata.min_alignment", g->min_alignment);
    jnum(th, "distribution.min_p_value", g->min_p_value);
    jnum(th, "distribution.sample_rows", (double)g->sample_rows);
    sil_jadd_bool(th, "distribution.benjamini_hochberg", g->bh);
    if (g->max_d >= 0)
        jnum(th, "distribution.max_d", g->max_d);
    else
        sil_jadd_null(th, "distribution.max_d");
    sil_jadd_bool(th, "distribution.gate_personal_lengths", g->gate_personal);
    jnum(th, "distribution.seed", (double)g->seed);
    jnum(th, "linkage.min_fk_coverage", g->min_fk_coverage);
    if (g->max_orphans >= 0)
        jnum(th, "linkage.max_orphans", (double)g->max_orphans);
    else
        sil_jadd_null(th, "linkage.max_orphans");
    jnum(th, "linkage.max_children_d", g->max_children_d);
    jnum(th, "linkage.min_parents", (double)g->min_parents);
    cJSON *me = sil_jadd_object(root, "methods");
    sil_jadd_str(me, "verification",
                 "BLAKE2b-256 of shape.json and schema.sql before reading, of every data file "
                 "as its bytes stream; any mismatch stops the report without a result");
    char buf[600];
    snprintf(buf, sizeof buf,
             "one-sample Kolmogorov-Smirnov against the shape's distribution (the generator's "
             "piecewise-linear inverse CDF of the k-protected quantile points, with the shape's "
             "hour-of-week profile for timestamps; discrete where values are rounded) on a "
             "sample of %lld rows per column (the rows with the smallest keyed hashes of their "
             "index, seed %lld), p exact (Marsaglia-Tsang-Wang) up to n*D < 200 and asymptotic "
             "beyond, conservative for discrete data%s; D on all rows from exact counts (or a "
             "65536-bin histogram of the model CDF past 65536 distinct values)",
             (long long)g->sample_rows, (long long)g->seed,
             g->bh ? "; Benjamini-Hochberg adjusted across the gated columns" : "");
    sil_jadd_str(me, "distribution", buf);
    snprintf(buf, sizeof buf,
             "exact: single integer keys in paged bitmaps and counters; other keys as "
             "(hash, bytes) records in 256 hash partitions, in memory up to %zu MiB and spilled "
             "to temporary files beyond, each partition sorted and compared byte for byte",
             r->key_budget >> 20);
    sil_jadd_str(me, "keys", buf);
    cJSON *mem = sil_jadd_object(me, "memory");
    sil_jadd_num(mem, "key_budget_bytes", (double)r->key_budget);
    sil_jadd_num(mem, "key_peak_bytes", (double)r->key_peak);
    sil_jadd_num(mem, "key_spilled_bytes", (double)r->key_spilled);
    sil_jadd_bool(root, "passed", r->passed);
    cJSON *gates = sil_jadd_array(root, "gates");
    for (int gi = 0; gi < GATE__COUNT; gi++) {
        cJSON *o = sil_jadd_object(gates, NULL);
        sil_jadd_str(o, "gate", gen_gate_name((enum gen_gate)gi));
        sil_jadd_bool(o, "passed", r->gate[gi].passed);
        sil_jadd_num(o, "checks", (double)r->gate[gi].checks);
        sil_jadd_num(o, "failed", (double)r->gate[gi].failed);
        sil_jadd_str(o, "summary", r->gate[gi].summary);
    }
    cJSON *checks = sil_jadd_array(root, "checks");
    for (size_t i = 0; i < r->nchecks; i++) {
        const struct gen_rcheck *c = &r->checks[i];
        cJSON *o = sil_jadd_object(checks, NULL);
        sil_jadd_str(o, "gate", gen_gate_name(c->gate));
        sil_jadd_str(o, "subject", c->subject);
        sil_jadd_str(o, "check", c->what);
        jnum(o, "measured", c->measured);
        sil_jadd_str(o, "comparison", c->at_least ? ">=" : "<=");
        jnum(o, "threshold", c->threshold);
        sil_jadd_bool(o, "gated", c->gated);
        sil_jadd_bool(o, "passed", c->passed);
        if (c->detail)
            sil_jadd_str(o, "detail", c->detail);
        if (c->dist) {
            jnum(o, "p", c->dist->p);
            jnum(o, "p_adjusted", c->p_adjusted);
            jnum(o, "d_sample", c->dist->d_sample);
            jnum(o, "d_all_rows", c->dist->d_full);
            sil_jadd_num(o, "sample_rows", (double)c->dist->n_sample);
        }
        if (c->ncpp) {
            cJSON *ch = sil_jadd_array(o, "chart");
            for (size_t k = 0; k < c->ncpp; k++) {
                cJSON *pt = sil_jnew_array();
                sil_jpush_num(pt, c->cpp[k][0]);
                sil_jpush_num(pt, c->cpp[k][1]);
                sil_jpush_num(pt, c->cpp[k][2]);
                sil_jpush(ch, pt);
            }
        }
    }
    cJSON *tabs = sil_jadd_array(root, "tables");
    for (size_t i = 0; i < r->ntables; i++) {
        const struct gen_rtable *t = &r->rtables[i];
        cJSON *o = sil_jadd_object(tabs, NULL);
        sil_jadd_str(o, "schema", t->schema);
        sil_jadd_str(o, "name", t->name);
        sil_jadd_num(o, "rows", (double)t->rows);
        cJSON *cols = sil_jadd_array(o, "columns");
        for (size_t c = 0; c < t->ncols; c++) {
            const struct gen_rcolumn *col = &t->cols[c];
            cJSON *co = sil_jadd_object(cols, NULL);
            sil_jadd_str(co, "name", col->name);
            sil_jadd_str(co, "type", col->type);
            sil_jadd_num(co, "nulls", (double)col->nulls);
            cJSON *ds = sil_jadd_array(co, "distribution");
            for (size_t d = 0; d < col->ndist; d++)
                sil_jpush(ds, dist_json(&col->dist[d]));
        }
    }
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write(root, &b);
    cJSON_Delete(root);
    return sil_buf_detach(&b, NULL);
}

static char *terminal(const struct gen_report *r, const char *where)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    for (int gi = 0; gi < GATE__COUNT; gi++)
        sil_buf_addf(&b, "%-13s %s  %s\n", gen_gate_name((enum gen_gate)gi),
                     r->gate[gi].passed ? "pass" : "FAIL", r->gate[gi].summary);
    size_t shown = 0, failed = 0;
    for (size_t i = 0; i < r->nchecks; i++) {
        const struct gen_rcheck *c = &r->checks[i];
        if (!c->gated || c->passed || (c->gate == GATE_METADATA && c->percent))
            continue; /* metadata: its items are listed, the share is the summary line */
        failed++;
        if (shown >= 30)
            continue;
        if (!shown)
            sil_buf_adds(&b, "failing checks:\n");
        shown++;
        char m[40], t[40];
        if (c->percent) {
            pct(m, sizeof m, c->measured);
            pct(t, sizeof t, c->threshold);
        } else {
            snprintf(m, sizeof m, "%.4g", c->measured);
            snprintf(t, sizeof t, "%.4g", c->threshold);
        }
        sil_buf_addf(&b, "  %s: %s: %s: %s, want %s %s%s%s\n", gen_gate_name(c->gate), c->subject,
                     c->what, m, c->at_least ? ">=" : "<=", t, c->detail ? " - " : "",
                     c->detail ? c->detail : "");
    }
    if (failed > shown)
        sil_buf_addf(&b, "  ... and %zu more (see report.json)\n", failed - shown);
    size_t np = 0;
    for (int gi = 0; gi < GATE__COUNT; gi++)
        np += r->gate[gi].passed;
    sil_buf_addf(&b, "%s: %zu of %d gates pass; report written to %s\n",
                 r->passed ? "passed" : "failed", np, GATE__COUNT, where);
    return sil_buf_detach(&b, NULL);
}

static void report_release(struct gen_report *r)
{
    for (size_t i = 0; i < r->nchecks; i++) {
        free(r->checks[i].subject);
        free(r->checks[i].what);
        free(r->checks[i].detail);
        free(r->checks[i].cpp);
    }
    free(r->checks);
    for (size_t i = 0; i < r->ntables; i++) {
        for (size_t c = 0; c < r->rtables[i].ncols; c++) {
            free(r->rtables[i].cols[c].type);
            for (size_t d = 0; d < r->rtables[i].cols[c].ndist; d++)
                rep_dist_release(&r->rtables[i].cols[c].dist[d]);
        }
        free(r->rtables[i].cols);
    }
    free(r->rtables);
    free(r->dir);
    gen_gates_release(&r->gates);
}

int gen_report_run(const struct gen_report_opts *o, int *passed, char **summary,
                   struct sil_err *err)
{
    struct ctx x;
    memset(&x, 0, sizeof x);
    struct gen_report r;
    memset(&r, 0, sizeof r);
    char *sql = NULL, *json = NULL, *html = NULL;
    int rc = -1;
    x.o = o;
    x.workers = o->threads > 0 ? o->threads : 1;
    x.g = &r.gates;
    if (gen_gates_load(o->policy, o->profile, o->nsets, o->sets, &r.gates, err) < 0)
        goto out;
    if (!o->out_dir && gen_endorse_exists(o->dir)) {
        /* a new report.json would void the decision bound to the old one */
        sil_err_set(err, SIL_EINPUT,
                    "'%s' holds an endorsement decision bound to its report.json; a new report "
                    "would void it",
                    o->dir);
        sil_err_hint(err,
                     "write the new report elsewhere with --report-dir DIR, or move %s "
                     "away to review the output again",
                     GEN_ENDORSE_FILE);
        goto out;
    }
    if (rep_manifest_read(o->dir, &x.m, err) < 0)
        goto out;
    {
        char what[600];
        snprintf(what, sizeof what, "the shape that '%s' was generated from", o->dir);
        if (sil_expiry_check(x.m.expires_at, what, err) < 0)
            goto out;
    }
    if (x.m.shard_count != 1) {
        sil_err_set(err, SIL_EINPUT,
                    "'%s' is shard %d of %d: keys and foreign keys span every shard", o->dir,
                    x.m.shard_index, x.m.shard_count);
        sil_err_hint(err, "report on the whole output: generate it unsharded, or concatenate "
                          "the shards' data files in order into one output");
        goto out;
    }
    {
        char *sp = sil_xasprintf("%s/shape.json", o->dir);
        x.shape = sil_shape_read_file(sp, SIL_SHAPE_ALLOW_UNSEALED, err);
        free(sp);
        if (!x.shape)
            goto out;
        char *qp = sil_xasprintf("%s/schema.sql", o->dir);
        size_t len;
        int r2 = sil_read_file(qp, SCHEMA_SQL_MAX, &sql, &len, err);
        free(qp);
        if (r2 < 0)
            goto out;
    }
    {
        char now[21];
        sil_utc_now(now);
        snprintf(r.created_at, sizeof r.created_at, "%s", now);
        if (sil_utc_parse(now, &x.now) < 0)
            x.now = 0;
    }
    r.key_budget = o->memory ? o->memory : (size_t)128 << 20;
    x.keys = gen_keys_new(x.workers, r.key_budget, o->tmpdir);
    if (setup(&x, err) < 0)
        goto out;
    double t0 = sil_now();
    if (rep_scan(o->dir, &x.m, x.workers, on_chunk, &x, err) < 0)
        goto out;
    sil_log_verbose("read and measured %s in %.2f s", o->dir, sil_now() - t0);
    if (gen_keys_finish(x.keys, err) < 0)
        goto out;
    r.key_peak = gen_keys_peak(x.keys);
    r.key_spilled = gen_keys_spilled_bytes(x.keys);
    r.dir = sil_xstrdup(o->dir);
    snprintf(r.manifest_checksum, sizeof r.manifest_checksum, "%s", x.m.checksum);
    static const char *const fmts[] = {"copy", "csv", "jsonl", "sql"};
    r.data_format = fmts[x.m.format];
    r.zstd = x.m.zstd;
    r.seed = x.m.seed;
    for (size_t i = 0; i < x.m.ntables; i++) {
        r.tables++;
        r.rows += x.m.tables[i].rows;
        r.files += x.m.tables[i].nfiles;
        for (size_t f = 0; f < x.m.tables[i].nfiles; f++)
            r.bytes += x.m.tables[i].files[f].bytes;
    }
    build_checks(&x, &r);
    key_checks(&x, &r);
    meta_checks(&x, &r, sql);
    adjust_p(&r, x.g);
    summarize(&r, x.g);
    {
        const char *od = o->out_dir ? o->out_dir : o->dir;
        if (o->out_dir && sil_mkdirs(o->out_dir, 0755, err) < 0)
            goto out;
        json = report_json(&r);
        char *jp = sil_xasprintf("%s/report.json", od);
        int w = sil_write_file_atomic(jp, json, strlen(json), 0644, err);
        free(jp);
        if (w < 0)
            goto out;
        if (o->html) {
            html = gen_report_html(&r);
            char *hp = sil_xasprintf("%s/report.html", od);
            w = sil_write_file_atomic(hp, html, strlen(html), 0644, err);
            free(hp);
            if (w < 0)
                goto out;
        }
        char *where = o->html ? sil_xasprintf("%s/report.html and report.json", od)
                              : sil_xasprintf("%s/report.json", od);
        *summary = terminal(&r, where);
        free(where);
    }
    *passed = r.passed;
    rc = 0;
out:
    free(sql);
    free(json);
    free(html);
    /* the report's distributions point into the tables: release the report first */
    report_release(&r);
    ctx_release(&x);
    return rc;
}
