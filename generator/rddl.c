/* schema.sql read back and compared with the shape, for the report's metadata gate. */
#include "rddl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"

void rep_items_add(struct rep_items *it, const char *subject, const char *what, int ok,
                   const char *detail)
{
    it->v = sil_xgrow(it->v, sizeof *it->v, it->n + 1, &it->cap);
    struct rep_item *x = &it->v[it->n++];
    x->subject = sil_xstrdup(subject);
    x->what = sil_xstrdup(what);
    x->ok = ok;
    x->detail = detail ? sil_xstrdup(detail) : NULL;
}

void rep_items_release(struct rep_items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        free(it->v[i].subject);
        free(it->v[i].what);
        free(it->v[i].detail);
    }
    free(it->v);
    memset(it, 0, sizeof *it);
}

/* ---- tokens ---- */

enum tk { T_WORD, T_IDENT, T_STRING, T_OTHER };

struct tok {
    enum tk k;
    const char *p; /* in the source */
    size_t n;
    char *text; /* words lower-cased, identifiers and strings unquoted */
};

struct stmt {
    size_t n, cap;
    struct tok *t;
};

static void stmt_release(struct stmt *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->t[i].text);
    free(s->t);
    memset(s, 0, sizeof *s);
}

static void push(struct stmt *s, enum tk k, const char *p, size_t n, char *text)
{
    s->t = sil_xgrow(s->t, sizeof *s->t, s->n + 1, &s->cap);
    s->t[s->n].k = k;
    s->t[s->n].p = p;
    s->t[s->n].n = n;
    s->t[s->n].text = text;
    s->n++;
}

/* Next statement from *pp (NULL at the end). Meta-commands and comments skipped. */
static int next_stmt(const char **pp, struct stmt *s)
{
    const char *p = *pp;
    int depth = 0;
    memset(s, 0, sizeof *s);
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (*p == '\\' && s->n == 0) {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        const char *st = p;
        if (*p == '"') {
            struct sil_buf b;
            sil_buf_init(&b, 0);
            p++;
            while (*p) {
                if (*p == '"') {
                    if (p[1] == '"') {
                        sil_buf_addc(&b, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                sil_buf_addc(&b, *p++);
            }
            push(s, T_IDENT, st, (size_t)(p - st), sil_buf_detach(&b, NULL));
            continue;
        }
        if (*p == '\'' || ((*p == 'E' || *p == 'e') && p[1] == '\'')) {
            int esc = *p != '\'';
            struct sil_buf b;
            sil_buf_init(&b, 0);
            p += esc ? 2 : 1;
            while (*p) {
                if (esc && *p == '\\' && p[1]) {
                    sil_buf_addc(&b, p[1]);
                    p += 2;
                    continue;
                }
                if (*p == '\'') {
                    if (p[1] == '\'') {
                        sil_buf_addc(&b, '\'');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                sil_buf_addc(&b, *p++);
            }
            push(s, T_STRING, st, (size_t)(p - st), sil_buf_detach(&b, NULL));
            continue;
        }
        if (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) {
            while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' ||
                          (unsigned char)*p >= 0x80))
                p++;
            char *w = sil_xstrndup(st, (size_t)(p - st));
            for (char *c = w; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            push(s, T_WORD, st, (size_t)(p - st), w);
            continue;
        }
        if (*p == ';' && depth == 0) {
            p++;
            break;
        }
        if (*p == '(')
            depth++;
        if (*p == ')')
            depth--;
        size_t n = 1;
        if (p[0] == ':' && p[1] == ':')
            n = 2;
        push(s, T_OTHER, st, n, sil_xstrndup(st, n));
        p += n;
    }
    *pp = p;
    return s->n > 0;
}

static int is(const struct stmt *s, size_t i, const char *w)
{
    return i < s->n && s->t[i].k == T_WORD && strcmp(s->t[i].text, w) == 0;
}

static int punct(const struct stmt *s, size_t i, const char *c)
{
    return i < s->n && s->t[i].k == T_OTHER && strcmp(s->t[i].text, c) == 0;
}

/* A possibly qualified name at *i: returns the last part; *i moves past it. */
static const char *name_at(const struct stmt *s, size_t *i)
{
    if (*i >= s->n || (s->t[*i].k != T_IDENT && s->t[*i].k != T_WORD))
        return NULL;
    const char *n = s->t[*i].text;
    (*i)++;
    while (punct(s, *i, ".") && *i + 1 < s->n) {
        n = s->t[*i + 1].text;
        *i += 2;
    }
    return n;
}

/* "(a, b)" at *i into a comma-joined list. */
static char *cols_at(const struct stmt *s, size_t *i)
{
    if (!punct(s, *i, "("))
        return NULL;
    struct sil_buf b;
    sil_buf_init(&b, 0);
    (*i)++;
    while (*i < s->n && !punct(s, *i, ")")) {
        if (!punct(s, *i, ",")) {
            if (b.len)
                sil_buf_adds(&b, ", ");
            sil_buf_adds(&b, s->t[*i].text);
        }
        (*i)++;
    }
    (*i)++;
    return sil_buf_detach(&b, NULL);
}

/* The source text between the parenthesis at *i and its match; *i moves past. */
static char *paren_text(const struct stmt *s, size_t *i)
{
    if (!punct(s, *i, "("))
        return NULL;
    size_t open = *i, depth = 0, j = *i;
    for (; j < s->n; j++) {
        if (punct(s, j, "("))
            depth++;
        else if (punct(s, j, ")") && --depth == 0)
            break;
    }
    if (j >= s->n || j == open + 1) {
        *i = j + 1;
        return sil_xstrdup("");
    }
    const char *a = s->t[open + 1].p, *e = s->t[j - 1].p + s->t[j - 1].n;
    *i = j + 1;
    return sil_xstrndup(a, (size_t)(e - a));
}

/* A type's text without spaces and quotes, lower-case for built-in words,
 * without a schema qualifier. */
static void norm_type(const char *in, struct sil_buf *out)
{
    const char *dot = NULL;
    int q = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == '.' && !q)
            dot = p;
    }
    const char *p = dot ? dot + 1 : in;
    q = 0;
    for (; *p; p++) {
        if (*p == '"') {
            q = !q;
            continue;
        }
        if (!q && isspace((unsigned char)*p))
            continue;
        sil_buf_addc(out, q ? *p : (char)tolower((unsigned char)*p));
    }
}

static char *type_expected(const struct sil_type *t)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    if (t->base == SIL_T_ENUM || t->base == SIL_T_DOMAIN) {
        sil_buf_adds(&b, t->ref_name);
        for (int i = 0; i < t->array_dims; i++)
            sil_buf_adds(&b, "[]");
    } else {
        char *sql = sil_type_sql(t);
        norm_type(sql, &b);
        free(sql);
    }
    return sil_buf_detach(&b, NULL);
}

/* ---- what schema.sql says ---- */

struct dcol {
    char *name, *type;
    int not_null, identity, generated;
};

struct dcons {
    char kind; /* p u c f */
    char *name, *cols, *expr, *ref, *refcols, *ondel, *onupd;
    int deferrable;
    int seen;
};

struct dtable {
    char *name;
    size_t ncols;
    struct dcol *cols;
    size_t ncons;
    struct dcons *cons;
    int seen;
};

struct ddl {
    size_t nt;
    struct dtable *t;
    size_t ne;
    struct {
        char *name, *labels;
        int seen;
    } * e;
    size_t nd;
    struct {
        char *name, *type, *checks;
        int not_null, seen;
    } * d;
};

static struct dtable *dtable(struct ddl *d, const char *name, int create)
{
    for (size_t i = 0; i < d->nt; i++)
        if (strcmp(d->t[i].name, name) == 0)
            return &d->t[i];
    if (!create)
        return NULL;
    d->t = sil_xrealloc(d->t, (d->nt + 1) * sizeof *d->t);
    struct dtable *t = &d->t[d->nt++];
    memset(t, 0, sizeof *t);
    t->name = sil_xstrdup(name);
    return t;
}

/* Tokens [a, b) as source text. */
static char *span_text(const struct stmt *s, size_t a, size_t b)
{
    if (a >= b)
        return sil_xstrdup("");
    const char *p = s->t[a].p, *e = s->t[b - 1].p + s->t[b - 1].n;
    return sil_xstrndup(p, (size_t)(e - p));
}

static void parse_create_table(struct ddl *d, const struct stmt *s)
{
    size_t i = 2;
    const char *name = name_at(s, &i);
    if (!name || !punct(s, i, "("))
        return;
    struct dtable *t = dtable(d, name, 1);
    i++;
    while (i < s->n && !punct(s, i, ")")) {
        struct dcol c;
        memset(&c, 0, sizeof c);
        c.name = sil_xstrdup(s->t[i].text);
        i++;
        size_t ts = i;
        int depth = 0;
        while (i < s->n) {
            if (depth == 0 && (punct(s, i, ",") || punct(s, i, ")") || is(s, i, "generated") ||
                               is(s, i, "not") || is(s, i, "null") || is(s, i, "default")))
                break;
            if (punct(s, i, "("))
                depth++;
            if (punct(s, i, ")"))
                depth--;
            i++;
        }
        char *tt = span_text(s, ts, i);
        struct sil_buf b;
        sil_buf_init(&b, 0);
        norm_type(tt, &b);
        free(tt);
        c.type = sil_buf_detach(&b, NULL);
        depth = 0;
        while (i < s->n && !(depth == 0 && (punct(s, i, ",") || punct(s, i, ")")))) {
            if (is(s, i, "not") && is(s, i + 1, "null"))
                c.not_null = 1;
            if (is(s, i, "identity"))
                c.identity = 1;
            if (is(s, i, "stored"))
                c.generated = 1;
            if (punct(s, i, "("))
                depth++;
            if (punct(s, i, ")"))
                depth--;
            i++;
        }
        t->cols = sil_xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
        t->cols[t->ncols++] = c;
        if (punct(s, i, ","))
            i++;
    }
}

static void parse_alter(struct ddl *d, const struct stmt *s)
{
    size_t i = 2;
    const char *name = name_at(s, &i);
    if (!name || !is(s, i, "add"))
        return;
    struct dtable *t = dtable(d, name, 1);
    i++;
    struct dcons c;
    memset(&c, 0, sizeof c);
    if (is(s, i, "constraint")) {
        c.name = sil_xstrdup(i + 1 < s->n ? s->t[i + 1].text : "");
        i += 2;
    }
    if (is(s, i, "primary") && is(s, i + 1, "key")) {
        c.kind = 'p';
        i += 2;
        c.cols = cols_at(s, &i);
    } else if (is(s, i, "unique")) {
        c.kind = 'u';
        i++;
        c.cols = cols_at(s, &i);
    } else if (is(s, i, "check")) {
        c.kind = 'c';
        i++;
        c.expr = paren_text(s, &i);
    } else if (is(s, i, "foreign") && is(s, i + 1, "key")) {
        c.kind = 'f';
        i += 2;
        c.cols = cols_at(s, &i);
        if (is(s, i, "references")) {
            i++;
            const char *r = name_at(s, &i);
            c.ref = sil_xstrdup(r ? r : "");
            c.refcols = cols_at(s, &i);
        }
        for (; i < s->n; i++) {
            if (is(s, i, "on") && (is(s, i + 1, "delete") || is(s, i + 1, "update"))) {
                struct sil_buf b;
                sil_buf_init(&b, 0);
                size_t j = i + 2;
                while (j < s->n && !is(s, j, "on") && !is(s, j, "deferrable")) {
                    if (b.len)
                        sil_buf_addc(&b, ' ');
                    sil_buf_adds(&b, s->t[j].text);
                    j++;
                }
                if (is(s, i + 1, "delete"))
                    c.ondel = sil_buf_detach(&b, NULL);
                else
                    c.onupd = sil_buf_detach(&b, NULL);
                sil_buf_release(&b);
                i = j - 1;
            } else if (is(s, i, "deferrable")) {
                c.deferrable = 1;
            }
        }
    } else {
        free(c.name);
        return;
    }
    if (!c.name)
        c.name = sil_xstrdup("");
    t->cons = sil_xrealloc(t->cons, (t->ncons + 1) * sizeof *t->cons);
    t->cons[t->ncons++] = c;
}

static void parse_ddl(const char *sql, struct ddl *d)
{
    const char *p = sql;
    struct stmt s;
    while (next_stmt(&p, &s)) {
        if (is(&s, 0, "create") && is(&s, 1, "table")) {
            parse_create_table(d, &s);
        } else if (is(&s, 0, "alter") && is(&s, 1, "table")) {
            parse_alter(d, &s);
        } else if (is(&s, 0, "create") && is(&s, 1, "type")) {
            size_t i = 2;
            const char *name = name_at(&s, &i);
            if (name && is(&s, i, "as") && is(&s, i + 1, "enum")) {
                struct sil_buf b;
                sil_buf_init(&b, 0);
                for (size_t j = i + 2; j < s.n; j++)
                    if (s.t[j].k == T_STRING) {
                        if (b.len)
                            sil_buf_adds(&b, ", ");
                        sil_buf_adds(&b, s.t[j].text);
                    }
                d->e = sil_xrealloc(d->e, (d->ne + 1) * sizeof *d->e);
                d->e[d->ne].name = sil_xstrdup(name);
                d->e[d->ne].labels = sil_buf_detach(&b, NULL);
                d->e[d->ne++].seen = 0;
            }
        } else if (is(&s, 0, "create") && is(&s, 1, "domain")) {
            size_t i = 2;
            const char *name = name_at(&s, &i);
            if (name && is(&s, i, "as")) {
                i++;
                size_t ts = i;
                while (i < s.n && !is(&s, i, "not") && !is(&s, i, "constraint"))
                    i++;
                char *tt = span_text(&s, ts, i);
                struct sil_buf tb, cb;
                sil_buf_init(&tb, 0);
                sil_buf_init(&cb, 0);
                norm_type(tt, &tb);
                free(tt);
                int nn = 0;
                while (i < s.n) {
                    if (is(&s, i, "not") && is(&s, i + 1, "null"))
                        nn = 1;
                    if (is(&s, i, "constraint") && i + 2 < s.n && is(&s, i + 2, "check")) {
                        size_t j = i + 3;
                        char *e = paren_text(&s, &j);
                        if (cb.len)
                            sil_buf_addc(&cb, '\n');
                        sil_buf_addf(&cb, "%s %s", s.t[i + 1].text, e ? e : "");
                        free(e);
                        i = j;
                        continue;
                    }
                    i++;
                }
                d->d = sil_xrealloc(d->d, (d->nd + 1) * sizeof *d->d);
                d->d[d->nd].name = sil_xstrdup(name);
                d->d[d->nd].type = sil_buf_detach(&tb, NULL);
                d->d[d->nd].checks = sil_buf_detach(&cb, NULL);
                d->d[d->nd].not_null = nn;
                d->d[d->nd++].seen = 0;
                sil_buf_release(&tb);
                sil_buf_release(&cb);
            }
        }
        stmt_release(&s);
    }
    stmt_release(&s);
}

static void ddl_release(struct ddl *d)
{
    for (size_t i = 0; i < d->nt; i++) {
        struct dtable *t = &d->t[i];
        for (size_t c = 0; c < t->ncols; c++) {
            free(t->cols[c].name);
            free(t->cols[c].type);
        }
        for (size_t c = 0; c < t->ncons; c++) {
            struct dcons *k = &t->cons[c];
            free(k->name);
            free(k->cols);
            free(k->expr);
            free(k->ref);
            free(k->refcols);
            free(k->ondel);
            free(k->onupd);
        }
        free(t->cols);
        free(t->cons);
        free(t->name);
    }
    free(d->t);
    for (size_t i = 0; i < d->ne; i++) {
        free(d->e[i].name);
        free(d->e[i].labels);
    }
    free(d->e);
    for (size_t i = 0; i < d->nd; i++) {
        free(d->d[i].name);
        free(d->d[i].type);
        free(d->d[i].checks);
    }
    free(d->d);
}

/* ---- comparing ---- */

static char *join(size_t n, const char *const *v)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sil_buf_adds(&b, ", ");
        sil_buf_adds(&b, v[i]);
    }
    return sil_buf_detach(&b, NULL);
}

/* An expression as parsed and rendered, for comparison; NULL when refused. */
static char *canon_expr(const char *text, const struct sil_shape *s, int allow_value)
{
    const char **types = sil_xcalloc(s->nenums + s->ndomains + 1, sizeof *types);
    size_t nt = 0;
    for (size_t i = 0; i < s->nenums; i++)
        types[nt++] = s->enums[i].name;
    for (size_t i = 0; i < s->ndomains; i++)
        types[nt++] = s->domains[i].name;
    struct sil_expr_options o = {nt, types, allow_value};
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_expr *e = sil_expr_parse(text, &o, &err);
    free(types);
    if (!e)
        return NULL;
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_expr_render(e, NULL, &b);
    sil_expr_free(e);
    return sil_buf_detach(&b, NULL);
}

/* schema.sql wraps each rendered expression in one more pair of parentheses. */
static int same_expr(const char *ddl, const char *shape_expr, const struct sil_shape *s,
                     int allow_value)
{
    char *a = canon_expr(ddl, s, allow_value), *b = canon_expr(shape_expr, s, allow_value);
    int ok = a && b && strcmp(a, b) == 0;
    if (!ok && a && b) {
        /* "(x)" and "x" render alike after one level */
        char *aa = sil_xasprintf("(%s)", b);
        char *ca = canon_expr(aa, s, allow_value);
        ok = ca && strcmp(ca, a) == 0;
        free(ca);
        free(aa);
    }
    free(a);
    free(b);
    return ok;
}

static const char *action_word(enum sil_fk_action a)
{
    switch (a) {
    case SIL_FK_RESTRICT:
        return "restrict";
    case SIL_FK_CASCADE:
        return "cascade";
    case SIL_FK_SET_NULL:
        return "set null";
    case SIL_FK_SET_DEFAULT:
        return "set default";
    default:
        return NULL;
    }
}

static void check_table(const struct sil_shape *s, const struct sil_table *st, struct dtable *t,
                        struct rep_items *out)
{
    char subj[300], det[600];
    snprintf(subj, sizeof subj, "%s.%s", st->schema, st->name);
    /* columns, in order */
    int order_ok = t->ncols == st->ncols;
    for (size_t c = 0; c < st->ncols && order_ok; c++)
        order_ok = strcmp(t->cols[c].name, st->cols[c].name) == 0;
    if (order_ok) {
        rep_items_add(out, subj, "columns and their order", 1, NULL);
    } else {
        char *want = NULL;
        const char **names = sil_xcalloc(st->ncols + 1, sizeof *names);
        for (size_t c = 0; c < st->ncols; c++)
            names[c] = st->cols[c].name;
        want = join(st->ncols, names);
        free(names);
        snprintf(det, sizeof det, "the shape has %zu columns (%.200s), schema.sql %zu", st->ncols,
                 want, t->ncols);
        free(want);
        rep_items_add(out, subj, "columns and their order", 0, det);
    }
    for (size_t c = 0; c < st->ncols; c++) {
        const struct sil_column *col = &st->cols[c];
        snprintf(subj, sizeof subj, "%s.%s.%s", st->schema, st->name, col->name);
        const struct dcol *dc = NULL;
        for (size_t k = 0; k < t->ncols; k++)
            if (strcmp(t->cols[k].name, col->name) == 0)
                dc = &t->cols[k];
        if (!dc) {
            rep_items_add(out, subj, "column", 0, "missing in schema.sql");
            continue;
        }
        char *want = type_expected(&col->type);
        int ok = strcmp(want, dc->type) == 0;
        snprintf(det, sizeof det, "shape: %s, schema.sql: %s", want, dc->type);
        rep_items_add(out, subj, "type", ok, ok ? NULL : det);
        free(want);
        ok = dc->not_null == !col->nullable;
        rep_items_add(out, subj, "NOT NULL", ok,
                      ok              ? NULL
                      : col->nullable ? "NOT NULL in schema.sql, nullable in the shape"
                                      : "nullable in schema.sql, NOT NULL in the shape");
        if (col->identity != SIL_IDENTITY_NONE || dc->identity)
            rep_items_add(out, subj, "identity",
                          dc->identity == (col->identity != SIL_IDENTITY_NONE),
                          dc->identity ? NULL : "not an identity column in schema.sql");
        if (col->generated_expr || dc->generated)
            rep_items_add(out, subj, "generated column", dc->generated == !!col->generated_expr,
                          dc->generated ? NULL : "not generated in schema.sql");
    }
    snprintf(subj, sizeof subj, "%s.%s", st->schema, st->name);
    for (size_t k = 0; k < t->ncols; k++)
        if (sil_table_column(st, t->cols[k].name) < 0) {
            snprintf(det, sizeof det, "column \"%s\" is in schema.sql, not in the shape",
                     t->cols[k].name);
            rep_items_add(out, subj, "extra column", 0, det);
        }
    /* primary key */
    struct dcons *pk = NULL;
    for (size_t k = 0; k < t->ncons; k++)
        if (t->cons[k].kind == 'p')
            pk = &t->cons[k];
    if (st->npk || pk) {
        char *want = join(st->npk, st->pk);
        int ok = pk && st->npk && strcmp(pk->cols ? pk->cols : "", want) == 0;
        snprintf(det, sizeof det, "shape: (%s), schema.sql: (%s)", want,
                 pk && pk->cols ? pk->cols : "none");
        rep_items_add(out, subj, "primary key", ok, ok ? NULL : det);
        if (pk)
            pk->seen = 1;
        free(want);
    }
    for (size_t u = 0; u < st->nuniques; u++) {
        char what[200];
        snprintf(what, sizeof what, "unique \"%s\"", st->uniques[u].name);
        char *want = join(st->uniques[u].ncols, st->uniques[u].cols);
        struct dcons *dc = NULL;
        for (size_t k = 0; k < t->ncons; k++)
            if (t->cons[k].kind == 'u' && strcmp(t->cons[k].name, st->uniques[u].name) == 0)
                dc = &t->cons[k];
        int ok = dc && dc->cols && strcmp(dc->cols, want) == 0;
        snprintf(det, sizeof det, "shape: (%s), schema.sql: %s", want, dc ? dc->cols : "missing");
        rep_items_add(out, subj, what, ok, ok ? NULL : det);
        if (dc)
            dc->seen = 1;
        free(want);
    }
    for (size_t ci = 0; ci < st->nchecks; ci++) {
        char what[200];
        snprintf(what, sizeof what, "check \"%s\"", st->checks[ci].name);
        struct dcons *dc = NULL;
        for (size_t k = 0; k < t->ncons; k++)
            if (t->cons[k].kind == 'c' && strcmp(t->cons[k].name, st->checks[ci].name) == 0)
                dc = &t->cons[k];
        int ok = dc && dc->expr && same_expr(dc->expr, st->checks[ci].expr, s, 0);
        rep_items_add(out, subj, what, ok,
                      ok   ? NULL
                      : dc ? "the expression differs from the shape's"
                           : "missing");
        if (dc)
            dc->seen = 1;
    }
    for (size_t f = 0; f < st->nfks; f++) {
        const struct sil_fk *fk = &st->fks[f];
        const struct sil_table *pt = &s->tables[fk->ref_index];
        if (pt->kind != SIL_TABLE_TABLE && pt->kind != SIL_TABLE_PARTITIONED)
            continue;
        char what[200];
        snprintf(what, sizeof what, "foreign key \"%s\"", fk->name);
        struct dcons *dc = NULL;
        for (size_t k = 0; k < t->ncons; k++)
            if (t->cons[k].kind == 'f' && strcmp(t->cons[k].name, fk->name) == 0)
                dc = &t->cons[k];
        char *cols = join(fk->ncols, fk->cols), *rc = join(fk->ncols, fk->ref_cols);
        const char *del = action_word(fk->on_delete), *upd = action_word(fk->on_update);
        int ok = dc && dc->cols && strcmp(dc->cols, cols) == 0 && dc->ref &&
                 strcmp(dc->ref, pt->name) == 0 && dc->refcols && strcmp(dc->refcols, rc) == 0 &&
                 (del ? dc->ondel && strcmp(dc->ondel, del) == 0 : !dc->ondel) &&
                 (upd ? dc->onupd && strcmp(dc->onupd, upd) == 0 : !dc->onupd) &&
                 dc->deferrable == fk->deferrable;
        snprintf(det, sizeof det, "shape: (%s) references %s (%s)%s%s, schema.sql: %s", cols,
                 pt->name, rc, del ? " on delete " : "", del ? del : "",
                 dc ? "differs" : "missing");
        rep_items_add(out, subj, what, ok, ok ? NULL : det);
        if (dc)
            dc->seen = 1;
        free(cols);
        free(rc);
    }
    for (size_t k = 0; k < t->ncons; k++)
        if (!t->cons[k].seen) {
            snprintf(det, sizeof det, "constraint \"%s\" is in schema.sql, not in the shape",
                     t->cons[k].name);
            rep_items_add(out, subj, "extra constraint", 0, det);
        }
}

void rep_ddl_compare(const char *sql, const struct sil_shape *s, struct rep_items *out)
{
    struct ddl d;
    memset(&d, 0, sizeof d);
    parse_ddl(sql, &d);
    char subj[300], det[600];
    for (size_t i = 0; i < s->nenums; i++) {
        const struct sil_enum *e = &s->enums[i];
        snprintf(subj, sizeof subj, "%s.%s", e->schema, e->name);
        char *want = join(e->nlabels, e->labels);
        int found = 0, ok = 0;
        for (size_t k = 0; k < d.ne; k++)
            if (strcmp(d.e[k].name, e->name) == 0) {
                found = 1;
                d.e[k].seen = 1;
                ok = strcmp(d.e[k].labels, want) == 0;
            }
        snprintf(det, sizeof det, "shape: (%s)%s", want,
                 found ? ", schema.sql differs" : ", missing");
        rep_items_add(out, subj, "enum labels", ok, ok ? NULL : det);
        free(want);
    }
    for (size_t i = 0; i < s->ndomains; i++) {
        const struct sil_domain *dm = &s->domains[i];
        snprintf(subj, sizeof subj, "%s.%s", dm->schema, dm->name);
        int found = -1;
        for (size_t k = 0; k < d.nd; k++)
            if (strcmp(d.d[k].name, dm->name) == 0)
                found = (int)k;
        if (found < 0) {
            rep_items_add(out, subj, "domain", 0, "missing in schema.sql");
            continue;
        }
        d.d[found].seen = 1;
        char *want = type_expected(&dm->type);
        int ok = strcmp(want, d.d[found].type) == 0 && d.d[found].not_null == dm->not_null;
        snprintf(det, sizeof det, "shape: %s%s, schema.sql: %s%s", want,
                 dm->not_null ? " NOT NULL" : "", d.d[found].type,
                 d.d[found].not_null ? " NOT NULL" : "");
        rep_items_add(out, subj, "domain type", ok, ok ? NULL : det);
        free(want);
        for (size_t c = 0; c < dm->nchecks; c++) {
            char what[200];
            snprintf(what, sizeof what, "check \"%s\"", dm->checks[c].name);
            /* schema.sql lists "name expr" lines */
            int cok = 0;
            const char *p = d.d[found].checks;
            size_t nl = strlen(dm->checks[c].name);
            while (p && *p) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (len > nl && strncmp(p, dm->checks[c].name, nl) == 0 && p[nl] == ' ') {
                    char *ex = sil_xstrndup(p + nl + 1, len - nl - 1);
                    cok = same_expr(ex, dm->checks[c].expr, s, 1);
                    free(ex);
                }
                p = e ? e + 1 : NULL;
            }
            rep_items_add(out, subj, what, cok, cok ? NULL : "missing or different in schema.sql");
        }
    }
    for (size_t ti = 0; ti < s->ntables; ti++) {
        const struct sil_table *st = &s->tables[ti];
        if (st->kind != SIL_TABLE_TABLE && st->kind != SIL_TABLE_PARTITIONED)
            continue;
        snprintf(subj, sizeof subj, "%s.%s", st->schema, st->name);
        struct dtable *t = dtable(&d, st->name, 0);
        if (!t) {
            rep_items_add(out, subj, "table", 0, "missing in schema.sql");
            continue;
        }
        t->seen = 1;
        rep_items_add(out, subj, "table", 1, NULL);
        check_table(s, st, t, out);
    }
    for (size_t k = 0; k < d.nt; k++)
        if (!d.t[k].seen) {
            snprintf(det, sizeof det, "table \"%s\" is in schema.sql, not in the shape",
                     d.t[k].name);
            rep_items_add(out, d.t[k].name, "extra table", 0, det);
        }
    for (size_t k = 0; k < d.ne; k++)
        if (!d.e[k].seen)
            rep_items_add(out, d.e[k].name, "extra enum", 0, "in schema.sql, not in the shape");
    for (size_t k = 0; k < d.nd; k++)
        if (!d.d[k].seen)
            rep_items_add(out, d.d[k].name, "extra domain", 0, "in schema.sql, not in the shape");
    ddl_release(&d);
}
