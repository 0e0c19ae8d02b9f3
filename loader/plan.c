/* The load plan: quoted DDL and statements built from shape.json and the manifest. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"
#include "pg.h"

int loader_ident_acceptable(const char *s, const char **why)
{
    if (!sil_ident_valid(s)) {
        *why = "is empty, longer than 63 bytes, not UTF-8 or has control characters";
        return 0;
    }
    if (strchr(s, '"')) {
        *why = "contains '\"'";
        return 0;
    }
    if (strchr(s, ';')) {
        *why = "contains ';'";
        return 0;
    }
    if (strchr(s, '\\')) {
        *why = "contains '\\'";
        return 0;
    }
    if (strstr(s, "--") || strstr(s, "/*") || strstr(s, "*/")) {
        *why = "contains a comment marker";
        return 0;
    }
    return 1;
}

const char *loader_plan_copy_sql(const struct loader_ptable *pt, int freeze, int header)
{
    if (header && pt->copy_header_sql)
        return freeze ? pt->copy_header_freeze_sql : pt->copy_header_sql;
    return freeze ? pt->copy_freeze_sql : pt->copy_sql;
}

struct builder {
    struct loader_plan *p;
    const struct sil_shape *s;
    const struct loader_plan_opts *o;
    struct sil_err *err;
    struct sil_expr_options xopts;
    const char **user_types;
};

static int check_ident(struct builder *b, const char *s, const char *path)
{
    const char *why = NULL;
    if (loader_ident_acceptable(s, &why))
        return 0;
    char shown[80];
    size_t n = 0;
    for (const char *c = s; *c && n < 60; c++)
        shown[n++] = ((unsigned char)*c < 0x20) ? '?' : *c;
    shown[n] = '\0';
    sil_err_set_path(b->err, SIL_EINPUT, path,
                     "name \"%s%s\" %s; the loader refuses such names (every name is quoted, but "
                     "these have no use except to attack a script that does not quote)",
                     shown, *s && strlen(s) > n ? "..." : "", why);
    sil_err_file(b->err, "shape.json");
    return -1;
}

static void add_ident(struct sil_buf *b, const char *s)
{
    char *q = sil_ident_quote(s);
    sil_buf_adds(b, q);
    free(q);
}

static char *qualified(const char *schema, const char *name)
{
    char *qs = sil_ident_quote(schema), *qn = sil_ident_quote(name);
    char *r = sil_xasprintf("%s.%s", qs, qn);
    free(qs);
    free(qn);
    return r;
}

static void add_strv(char ***v, size_t *n, char *s)
{
    *v = sil_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = s;
}

static char *type_sql(const struct builder *b, const struct sil_type *t)
{
    if (t->base == SIL_T_ENUM || t->base == SIL_T_DOMAIN) {
        struct sil_buf out;
        sil_buf_init(&out, 0);
        sil_buf_adds(&out, b->p->qschema);
        sil_buf_addc(&out, '.');
        add_ident(&out, t->ref_name);
        for (int i = 0; i < t->array_dims; i++)
            sil_buf_adds(&out, "[]");
        return sil_buf_detach(&out, NULL);
    }
    return sil_type_sql(t);
}

/* Parse and render an expression; refuse anything outside the grammar. */
static char *render_expr(struct builder *b, const char *text, int domain, const struct sil_table *t,
                         const char *path)
{
    struct sil_expr_options xo = b->xopts;
    xo.allow_value = domain;
    struct sil_expr *e = sil_expr_parse(text, &xo, b->err);
    if (!e) {
        sil_err_prefix(b->err, "%s", path);
        sil_err_file(b->err, "shape.json");
        sil_err_hint(b->err, "the loader only creates constraints in its expression grammar "
                             "(docs/loader.md); regenerate the shape without it");
        return NULL;
    }
    for (size_t i = 0; i < sil_expr_ncolumns(e); i++) {
        const char *col = sil_expr_column(e, i);
        if (!t || sil_table_column(t, col) < 0) {
            sil_err_set_path(b->err, SIL_EINPUT, path,
                             "expression names column \"%.63s\", which %s", col,
                             t ? "the table does not have" : "a domain check cannot use");
            sil_err_file(b->err, "shape.json");
            sil_expr_free(e);
            return NULL;
        }
    }
    struct sil_buf out;
    sil_buf_init(&out, 0);
    sil_expr_render(e, b->p->schema, &out);
    sil_expr_free(e);
    return sil_buf_detach(&out, NULL);
}

static const char *action_sql(enum sil_fk_action a)
{
    switch (a) {
    case SIL_FK_RESTRICT:
        return "RESTRICT";
    case SIL_FK_CASCADE:
        return "CASCADE";
    case SIL_FK_SET_NULL:
        return "SET NULL";
    case SIL_FK_SET_DEFAULT:
        return "SET DEFAULT";
    default:
        return "NO ACTION";
    }
}

static void add_cols(struct sil_buf *out, size_t n, const char *const *cols, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sil_buf_adds(out, ", ");
        if (prefix)
            sil_buf_adds(out, prefix);
        add_ident(out, cols[i]);
    }
}

static int build_types(struct builder *b)
{
    const struct sil_shape *s = b->s;
    struct loader_plan *p = b->p;
    char path[128];
    size_t nt = s->nenums + s->ndomains;
    b->user_types = sil_xcalloc(nt ? nt : 1, sizeof *b->user_types);
    for (size_t i = 0; i < s->nenums; i++) {
        const struct sil_enum *en = &s->enums[i];
        snprintf(path, sizeof path, "enums[%zu].name", i);
        if (check_ident(b, en->name, path) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->enums[j].name, en->name) == 0) {
                sil_err_set_path(b->err, SIL_EINPUT, path,
                                 "enum \"%s\" exists in two schemas; a run loads into one schema",
                                 en->name);
                return -1;
            }
        struct sil_buf out;
        sil_buf_init(&out, 0);
        sil_buf_addf(&out, "CREATE TYPE %s.", p->qschema);
        add_ident(&out, en->name);
        sil_buf_adds(&out, " AS ENUM (");
        for (size_t j = 0; j < en->nlabels; j++) {
            char *lit = loader_sql_literal(en->labels[j]);
            sil_buf_addf(&out, "%s%s", j ? ", " : "", lit);
            free(lit);
        }
        sil_buf_adds(&out, ")");
        add_strv(&p->pre_sql, &p->npre, sil_buf_detach(&out, NULL));
        b->user_types[i] = en->name;
    }
    for (size_t i = 0; i < s->ndomains; i++) {
        const struct sil_domain *d = &s->domains[i];
        snprintf(path, sizeof path, "domains[%zu].name", i);
        if (check_ident(b, d->name, path) < 0)
            return -1;
        for (size_t j = 0; j < nt; j++)
            if (b->user_types[j] && strcmp(b->user_types[j], d->name) == 0) {
                sil_err_set_path(b->err, SIL_EINPUT, path,
                                 "type \"%s\" is defined twice; a run loads into one schema",
                                 d->name);
                return -1;
            }
        b->user_types[s->nenums + i] = d->name;
    }
    b->xopts.ntypes = nt;
    b->xopts.types = b->user_types;
    for (size_t i = 0; i < s->ndomains; i++) {
        const struct sil_domain *d = &s->domains[i];
        struct sil_buf out;
        sil_buf_init(&out, 0);
        char *ty = type_sql(b, &d->type);
        sil_buf_addf(&out, "CREATE DOMAIN %s.", p->qschema);
        add_ident(&out, d->name);
        sil_buf_addf(&out, " AS %s", ty);
        free(ty);
        if (d->not_null)
            sil_buf_adds(&out, " NOT NULL");
        for (size_t j = 0; j < d->nchecks; j++) {
            snprintf(path, sizeof path, "domains[%zu].checks[%zu]", i, j);
            if (check_ident(b, d->checks[j].name, path) < 0) {
                sil_buf_release(&out);
                return -1;
            }
            char *x = render_expr(b, d->checks[j].expr, 1, NULL, path);
            if (!x) {
                sil_buf_release(&out);
                return -1;
            }
            sil_buf_adds(&out, " CONSTRAINT ");
            add_ident(&out, d->checks[j].name);
            sil_buf_addf(&out, " CHECK (%s)", x);
            free(x);
        }
        add_strv(&p->pre_sql, &p->npre, sil_buf_detach(&out, NULL));
    }
    return 0;
}

static int shape_index(const struct sil_shape *s, const struct sil_table *t)
{
    return (int)(t - s->tables);
}

static int build_table(struct builder *b, size_t ti, const struct loader_mtable *mt,
                       struct loader_ptable *pt, const struct loader_manifest *m)
{
    struct loader_plan *p = b->p;
    const struct sil_table *t = sil_shape_table(b->s, mt->schema, mt->name);
    char path[160];
    snprintf(path, sizeof path, "tables[%zu]", ti);
    if (!t) {
        sil_err_set_path(b->err, SIL_EINPUT, path, "table \"%s\".\"%s\" is not in shape.json",
                         mt->schema, mt->name);
        sil_err_file(b->err, "manifest.json");
        return -1;
    }
    int si = shape_index(b->s, t);
    pt->st = t;
    pt->mt = mt;
    pt->label = sil_xasprintf("%s.%s", mt->schema, mt->name);
    if (t->kind != SIL_TABLE_TABLE && t->kind != SIL_TABLE_PARTITIONED) {
        sil_err_set_path(b->err, SIL_EINPUT, path,
                         "table \"%s\" is %s, which holds no data; only tables and "
                         "partitioned tables are loaded",
                         pt->label, sil_table_kind_name(t->kind));
        sil_err_file(b->err, "manifest.json");
        return -1;
    }
    if (t->kind == SIL_TABLE_PARTITIONED) {
        /* partition bounds are catalog text outside the expression grammar, and generated
         * values need not fall inside them: created unpartitioned, as schema.sql does */
        const struct sil_partitioning *pa = t->partitioning;
        char *note =
            pa ? sil_xasprintf("%s is partitioned in the source (%s on %zu column%s, %zu "
                               "partition%s); loaded as a plain table",
                               pt->label, pa->strategy, pa->nkeys, pa->nkeys == 1 ? "" : "s",
                               pa->nparts, pa->nparts == 1 ? "" : "s")
               : sil_xasprintf("%s is partitioned in the source; loaded as a plain table",
                               pt->label);
        add_strv(&p->notes, &p->nnotes, note);
    }
    snprintf(path, sizeof path, "tables[%d].name", si);
    if (check_ident(b, t->name, path) < 0)
        return -1;
    pt->qname = qualified(p->schema, t->name);
    /* the manifest's columns: the shape's, less generated ones, each once */
    size_t want = 0;
    for (size_t c = 0; c < t->ncols; c++)
        want += t->cols[c].generated_expr == NULL;
    for (size_t c = 0; c < mt->ncols; c++) {
        int ci = sil_table_column(t, mt->cols[c]);
        if (ci < 0 || t->cols[ci].generated_expr) {
            snprintf(path, sizeof path, "tables[%zu].columns[%zu]", ti, c);
            sil_err_set_path(b->err, SIL_EINPUT, path,
                             ci < 0 ? "column \"%s\" is not in the shape's table"
                                    : "column \"%s\" is generated and cannot be loaded",
                             mt->cols[c]);
            sil_err_file(b->err, "manifest.json");
            return -1;
        }
    }
    if (mt->ncols != want) {
        snprintf(path, sizeof path, "tables[%zu].columns", ti);
        sil_err_set_path(b->err, SIL_EINPUT, path,
                         "lists %zu columns, the shape's table has %zu that are not generated",
                         mt->ncols, want);
        sil_err_file(b->err, "manifest.json");
        return -1;
    }

    struct sil_buf out;
    sil_buf_init(&out, 0);
    struct sil_buf post;
    sil_buf_init(&post, 0);
    sil_buf_addf(&out, "CREATE TABLE %s (", pt->qname);
    for (size_t c = 0; c < t->ncols; c++) {
        const struct sil_column *col = &t->cols[c];
        snprintf(path, sizeof path, "tables[%d].columns[%zu].name", si, c);
        if (check_ident(b, col->name, path) < 0)
            goto fail;
        char *ty = type_sql(b, &col->type);
        sil_buf_adds(&out, c ? ", " : "");
        add_ident(&out, col->name);
        sil_buf_addf(&out, " %s", ty);
        free(ty);
        if (col->generated_expr) {
            snprintf(path, sizeof path, "tables[%d].columns[%zu].generated", si, c);
            char *x = render_expr(b, col->generated_expr, 0, t, path);
            if (!x)
                goto fail;
            sil_buf_addf(&out, " GENERATED ALWAYS AS (%s) STORED", x);
            free(x);
        }
        if (col->identity != SIL_IDENTITY_NONE)
            sil_buf_addf(&out, " GENERATED %s AS IDENTITY",
                         col->identity == SIL_IDENTITY_ALWAYS ? "ALWAYS" : "BY DEFAULT");
        if (!col->nullable)
            sil_buf_adds(&out, " NOT NULL");
        if (col->default_kind == SIL_DEF_NOW)
            sil_buf_adds(&out, " DEFAULT now()");
        if (col->default_kind == SIL_DEF_SEQUENCE && sil_type_is_integer(&col->type) &&
            col->type.array_dims == 0) {
            /* a sequence of our own naming: "sil_seq_<table>_<column>" by position */
            char seqname[64];
            snprintf(seqname, sizeof seqname, "sil_seq_%d_%zu", si, c);
            char *qseq = qualified(p->schema, seqname);
            add_strv(&p->pre_sql, &p->npre, sil_xasprintf("CREATE SEQUENCE %s", qseq));
            char *lit = loader_sql_literal(qseq);
            sil_buf_addf(&out, " DEFAULT nextval(%s::regclass)", lit);
            free(lit);
            sil_buf_addf(&post, "; ALTER SEQUENCE %s OWNED BY %s.", qseq, pt->qname);
            add_ident(&post, col->name);
            free(qseq);
        }
        if ((col->identity != SIL_IDENTITY_NONE ||
             (col->default_kind == SIL_DEF_SEQUENCE && sil_type_is_integer(&col->type) &&
              col->type.array_dims == 0))) {
            struct sil_buf q;
            sil_buf_init(&q, 0);
            sil_buf_adds(&q, "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(");
            add_ident(&q, col->name);
            sil_buf_addf(&q, "), 0) + 1, false) FROM %s", pt->qname);
            pt->seq_col = sil_xrealloc(pt->seq_col, (pt->nseq + 1) * sizeof *pt->seq_col);
            pt->seq_col[pt->nseq] = col->name;
            add_strv(&pt->seq_sql, &pt->nseq, sil_buf_detach(&q, NULL));
        }
    }
    for (size_t k = 0; k < t->nchecks; k++) {
        snprintf(path, sizeof path, "tables[%d].checks[%zu]", si, k);
        if (check_ident(b, t->checks[k].name, path) < 0)
            goto fail;
        char *x = render_expr(b, t->checks[k].expr, 0, t, path);
        if (!x)
            goto fail;
        sil_buf_adds(&out, ", CONSTRAINT ");
        add_ident(&out, t->checks[k].name);
        sil_buf_addf(&out, " CHECK (%s)", x);
        free(x);
    }
    sil_buf_adds(&out, ")");
    if (b->o->tablespace) {
        sil_buf_adds(&out, " TABLESPACE ");
        add_ident(&out, b->o->tablespace);
    }
    sil_buf_add(&out, post.data ? post.data : "", post.len);
    sil_buf_release(&post);
    pt->create_sql = sil_buf_detach(&out, NULL);

    /* COPY in the manifest's column order */
    sil_buf_init(&out, 0);
    sil_buf_addf(&out, "COPY %s (", pt->qname);
    add_cols(&out, mt->ncols, mt->cols, NULL);
    sil_buf_addf(&out, ") FROM STDIN WITH (FORMAT %s",
                 m->data_format == LOADER_FMT_CSV ? "csv" : "text");
    char *base = sil_buf_detach(&out, NULL);
    pt->copy_sql = sil_xasprintf("%s)", base);
    pt->copy_freeze_sql = sil_xasprintf("%s, FREEZE true)", base);
    if (m->data_format == LOADER_FMT_CSV) {
        pt->copy_header_sql = sil_xasprintf("%s, HEADER true)", base);
        pt->copy_header_freeze_sql = sil_xasprintf("%s, HEADER true, FREEZE true)", base);
    }
    free(base);

    /* keys */
    const char *ts = b->o->tablespace;
    char *qts = ts ? sil_ident_quote(ts) : NULL;
    if (t->npk) {
        sil_buf_init(&out, 0);
        sil_buf_addf(&out, "ALTER TABLE %s ADD PRIMARY KEY (", pt->qname);
        add_cols(&out, t->npk, t->pk, NULL);
        sil_buf_adds(&out, ")");
        if (qts)
            sil_buf_addf(&out, " USING INDEX TABLESPACE %s", qts);
        add_strv(&pt->key_sql, &pt->nkeys, sil_buf_detach(&out, NULL));
    }
    for (size_t u = 0; u < t->nuniques; u++) {
        snprintf(path, sizeof path, "tables[%d].unique[%zu].name", si, u);
        if (check_ident(b, t->uniques[u].name, path) < 0) {
            free(qts);
            return -1;
        }
        sil_buf_init(&out, 0);
        sil_buf_addf(&out, "ALTER TABLE %s ADD CONSTRAINT ", pt->qname);
        add_ident(&out, t->uniques[u].name);
        sil_buf_adds(&out, " UNIQUE (");
        add_cols(&out, t->uniques[u].ncols, t->uniques[u].cols, NULL);
        sil_buf_adds(&out, ")");
        if (qts)
            sil_buf_addf(&out, " USING INDEX TABLESPACE %s", qts);
        add_strv(&pt->key_sql, &pt->nkeys, sil_buf_detach(&out, NULL));
    }
    free(qts);
    pt->count_sql = sil_xasprintf("SELECT count(*) FROM %s", pt->qname);
    pt->analyze_sql = sil_xasprintf("ANALYZE %s", pt->qname);
    for (size_t f = 0; f < mt->nfiles; f++)
        pt->bytes += mt->files[f].bytes;
    return 0;
fail:
    sil_buf_release(&out);
    sil_buf_release(&post);
    return -1;
}

static int build_fks(struct builder *b, struct loader_ptable *pt)
{
    struct loader_plan *p = b->p;
    const struct sil_table *t = pt->st;
    int si = shape_index(b->s, t);
    char path[160];
    pt->fks = sil_xcalloc(t->nfks ? t->nfks : 1, sizeof *pt->fks);
    for (size_t k = 0; k < t->nfks; k++) {
        const struct sil_fk *fk = &t->fks[k];
        struct loader_pfk *pf = &pt->fks[pt->nfks];
        snprintf(path, sizeof path, "tables[%d].foreign_keys[%zu].name", si, k);
        if (check_ident(b, fk->name, path) < 0)
            return -1;
        size_t parent = p->ntables;
        for (size_t j = 0; j < p->ntables; j++)
            if (strcmp(p->tables[j].mt->schema, fk->ref_schema) == 0 &&
                strcmp(p->tables[j].mt->name, fk->ref_table) == 0)
                parent = j;
        if (parent == p->ntables) {
            sil_err_set_path(b->err, SIL_EINPUT, path,
                             "foreign key references \"%s\".\"%s\", which the output does not "
                             "load",
                             fk->ref_schema, fk->ref_table);
            sil_err_file(b->err, "shape.json");
            return -1;
        }
        const char *qparent = p->tables[parent].qname;
        pf->name = fk->name;
        pf->parent = parent;
        struct sil_buf out;
        sil_buf_init(&out, 0);
        sil_buf_addf(&out, "ALTER TABLE %s ADD CONSTRAINT ", pt->qname);
        add_ident(&out, fk->name);
        sil_buf_adds(&out, " FOREIGN KEY (");
        add_cols(&out, fk->ncols, fk->cols, NULL);
        sil_buf_addf(&out, ") REFERENCES %s (", qparent);
        add_cols(&out, fk->ncols, fk->ref_cols, NULL);
        sil_buf_addf(&out, ") ON DELETE %s ON UPDATE %s%s NOT VALID", action_sql(fk->on_delete),
                     action_sql(fk->on_update), fk->deferrable ? " DEFERRABLE" : "");
        pf->add_sql = sil_buf_detach(&out, NULL);
        sil_buf_init(&out, 0);
        sil_buf_addf(&out, "ALTER TABLE %s VALIDATE CONSTRAINT ", pt->qname);
        add_ident(&out, fk->name);
        pf->validate_sql = sil_buf_detach(&out, NULL);
        /* MATCH SIMPLE: a key with a null column is not checked */
        struct sil_buf where;
        sil_buf_init(&where, 0);
        for (size_t c = 0; c < fk->ncols; c++) {
            sil_buf_addf(&where, "%sc.", c ? " AND " : "");
            add_ident(&where, fk->cols[c]);
            sil_buf_adds(&where, " IS NOT NULL");
        }
        sil_buf_addf(&where, " AND NOT EXISTS (SELECT 1 FROM %s p WHERE ", qparent);
        for (size_t c = 0; c < fk->ncols; c++) {
            sil_buf_addf(&where, "%sp.", c ? " AND " : "");
            add_ident(&where, fk->ref_cols[c]);
            sil_buf_adds(&where, " = c.");
            add_ident(&where, fk->cols[c]);
        }
        sil_buf_adds(&where, ")");
        pf->orphans_sql =
            sil_xasprintf("SELECT count(*) FROM %s c WHERE %s", pt->qname, where.data);
        sil_buf_init(&out, 0);
        sil_buf_adds(&out, "SELECT ROW(");
        add_cols(&out, fk->ncols, fk->cols, "c.");
        sil_buf_addf(&out, ")::text FROM %s c WHERE %s LIMIT 5", pt->qname, where.data);
        pf->sample_sql = sil_buf_detach(&out, NULL);
        sil_buf_release(&where);
        pt->nfks++;
    }
    /* deferred foreign keys (a broken cycle) need nothing special: every key is added after
     * all the data is in; they must still be keys of the table */
    for (size_t d = 0; d < pt->mt->ndeferred; d++) {
        size_t k = 0;
        while (k < t->nfks && strcmp(t->fks[k].name, pt->mt->deferred[d]) != 0)
            k++;
        if (k == t->nfks) {
            char mpath[96];
            snprintf(mpath, sizeof mpath, "tables[%zu].deferred_foreign_keys[%zu]",
                     (size_t)(pt - p->tables), d);
            sil_err_set_path(b->err, SIL_EINPUT, mpath,
                             "\"%.63s\" is not a foreign key of %s in shape.json",
                             pt->mt->deferred[d], pt->label);
            sil_err_file(b->err, "manifest.json");
            return -1;
        }
    }
    return 0;
}

struct loader_plan *loader_plan_build(const struct sil_shape *s, const struct loader_manifest *m,
                                      const struct loader_plan_opts *o, struct sil_err *err)
{
    struct loader_plan *p = sil_xcalloc(1, sizeof *p);
    struct builder b = {0};
    b.p = p;
    b.s = s;
    b.o = o;
    b.err = err;
    const char *why;
    if (!loader_ident_acceptable(o->schema, &why)) {
        sil_err_set(err, SIL_EUSAGE, "schema name \"%.63s\" %s", o->schema, why);
        goto fail;
    }
    if (o->tablespace && !loader_ident_acceptable(o->tablespace, &why)) {
        sil_err_set(err, SIL_EUSAGE, "tablespace name \"%.63s\" %s", o->tablespace, why);
        goto fail;
    }
    p->schema = sil_xstrdup(o->schema);
    p->qschema = sil_ident_quote(o->schema);
    if (build_types(&b) < 0)
        goto fail;
    /* every manifest table must be the shape's, every table that holds data in the manifest,
     * and no name twice */
    for (size_t i = 0; i < m->ntables; i++)
        if (!sil_shape_table(s, m->tables[i].schema, m->tables[i].name)) {
            char path[64];
            snprintf(path, sizeof path, "tables[%zu]", i);
            sil_err_set_path(err, SIL_EINPUT, path, "table \"%s\".\"%s\" is not in shape.json",
                             m->tables[i].schema, m->tables[i].name);
            sil_err_file(err, "manifest.json");
            goto fail;
        }
    for (size_t i = 0; i < s->ntables; i++) {
        const struct sil_table *t = &s->tables[i];
        int listed = 0;
        for (size_t j = 0; j < m->ntables; j++)
            listed |= strcmp(m->tables[j].schema, t->schema) == 0 &&
                      strcmp(m->tables[j].name, t->name) == 0;
        if (t->kind == SIL_TABLE_VIEW || t->kind == SIL_TABLE_MATVIEW ||
            t->kind == SIL_TABLE_FOREIGN) {
            if (!listed) {
                p->skipped = sil_xrealloc(p->skipped, (p->nskipped + 1) * sizeof *p->skipped);
                p->skipped[p->nskipped++] = t->name;
            }
            continue;
        }
        if (!listed) {
            char path[64];
            snprintf(path, sizeof path, "tables[%zu]", i);
            sil_err_set_path(err, SIL_EINPUT, path,
                             "table \"%s\".\"%s\" is in shape.json but not in manifest.json",
                             t->schema, t->name);
            sil_err_file(err, "shape.json");
            sil_err_hint(err, "the output is incomplete; generate it again");
            goto fail;
        }
    }
    for (size_t i = 0; i < m->ntables; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->tables[i].name, m->tables[j].name) == 0) {
                char path[64];
                snprintf(path, sizeof path, "tables[%zu].name", i);
                sil_err_set_path(err, SIL_EINPUT, path,
                                 "tables \"%s\".\"%s\" and \"%s\".\"%s\" would both be \"%s\" in "
                                 "the run's schema",
                                 m->tables[j].schema, m->tables[j].name, m->tables[i].schema,
                                 m->tables[i].name, m->tables[i].name);
                sil_err_file(err, "manifest.json");
                goto fail;
            }
    p->tables = sil_xcalloc(m->ntables, sizeof *p->tables);
    for (size_t i = 0; i < m->ntables; i++) {
        if (build_table(&b, i, &m->tables[i], &p->tables[i], m) < 0) {
            p->ntables = i + 1;
            goto fail;
        }
        p->ntables = i + 1;
    }
    for (size_t i = 0; i < p->ntables; i++)
        if (build_fks(&b, &p->tables[i]) < 0)
            goto fail;
    free(b.user_types);
    return p;
fail:
    free(b.user_types);
    loader_plan_free(p);
    return NULL;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void loader_plan_free(struct loader_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ntables; i++) {
        struct loader_ptable *t = &p->tables[i];
        free(t->label);
        free(t->qname);
        free(t->create_sql);
        free(t->copy_sql);
        free(t->copy_freeze_sql);
        free(t->copy_header_sql);
        free(t->copy_header_freeze_sql);
        free_strv(t->key_sql, t->nkeys);
        for (size_t k = 0; k < t->nfks; k++) {
            free(t->fks[k].add_sql);
            free(t->fks[k].validate_sql);
            free(t->fks[k].orphans_sql);
            free(t->fks[k].sample_sql);
        }
        free(t->fks);
        free_strv(t->seq_sql, t->nseq);
        free(t->seq_col);
        free(t->count_sql);
        free(t->analyze_sql);
    }
    free(p->tables);
    free_strv(p->pre_sql, p->npre);
    free(p->skipped);
    free_strv(p->notes, p->nnotes);
    free(p->schema);
    free(p->qschema);
    free(p);
}
