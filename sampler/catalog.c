/* Catalog reader: tables, columns, types, keys and constraints into a shape. */
#include "catalog.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Every schema but PostgreSQL's own (pg_catalog, pg_toast, temp schemas). */
#define NSFILTER "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'"
#define RELKINDS "c.relkind IN ('r','p','v','m','f')"

static const char q_rels[] =
    "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples::float8, c.relpages, "
    "c.relispartition FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
    "c.relnamespace WHERE " RELKINDS " AND " NSFILTER
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

static const char q_leaves[] =
    "WITH RECURSIVE t(root, rel) AS (SELECT i.inhparent, i.inhrelid FROM pg_catalog.pg_inherits "
    "i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent WHERE p.relkind = 'p' UNION ALL SELECT "
    "t.root, i.inhrelid FROM t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.rel) SELECT "
    "t.root, sum(CASE WHEN c.reltuples < 0 THEN 0 ELSE c.reltuples END)::float8, "
    "bool_or(c.reltuples "
    "< 0), sum(c.relpages)::float8 FROM t JOIN pg_catalog.pg_class c ON c.oid = t.rel WHERE "
    "c.relkind = 'r' GROUP BY t.root "
    "ORDER BY t.root";

static const char q_partkeys[] =
    "SELECT partrelid, partstrat, partattrs::int2[]::text FROM pg_catalog.pg_partitioned_table "
    "ORDER BY partrelid";

static const char q_parts[] =
    "SELECT i.inhparent, c.relname, pg_catalog.pg_get_expr(c.relpartbound, 0) FROM "
    "pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE "
    "c.relispartition AND c.relkind IN ('r','p','f') ORDER BY i.inhparent, c.relname COLLATE \"C\"";

static const char q_cols[] =
    "SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attndims, a.attnotnull, "
    "a.attidentity, a.attgenerated, CASE WHEN a.attgenerated = '' THEN "
    "pg_catalog.pg_get_expr(d.adbin, 0) END FROM "
    "pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN "
    "pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_attrdef d ON "
    "d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0 AND NOT a.attisdropped "
    "AND " RELKINDS " AND NOT c.relispartition AND " NSFILTER " ORDER BY a.attrelid, a.attnum";

/*
 * Check constraints and generation expressions name columns, and the server
 * prints those only while holding the table's ACCESS SHARE lock: they are
 * read apart from the rest, in a savepoint, so a table locked past
 * lock_timeout costs its expressions, not the run.
 */
#define Q_EXPRS                                                                                    \
    "SELECT x.rel, x.kind, x.name, x.expr FROM (SELECT co.conrelid AS rel, 'c' AS kind, "          \
    "co.conname::text AS name, pg_catalog.pg_get_constraintdef(co.oid) AS expr FROM "              \
    "pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN "          \
    "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE co.contype = 'c' AND "              \
    "co.conparentid = 0 AND NOT c.relispartition AND " NSFILTER " UNION ALL SELECT d.adrelid, "    \
    "'g', d.adnum::text, pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d " \
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum JOIN "        \
    "pg_catalog.pg_class c ON c.oid = d.adrelid JOIN pg_catalog.pg_namespace n ON n.oid = "        \
    "c.relnamespace WHERE a.attgenerated = 's' AND NOT c.relispartition AND " NSFILTER ") x"
#define Q_EXPRS_ORDER " ORDER BY x.rel, x.kind, x.name COLLATE \"C\""

static const char q_types[] =
    "SELECT t.oid, t.typname, n.nspname, t.typtype, t.typcategory, t.typelem, t.typbasetype, "
    "t.typtypmod, t.typnotnull FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid "
    "= t.typnamespace ORDER BY t.oid";

static const char q_enums[] =
    "SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder";

static const char q_domchecks[] =
    "SELECT contypid, conname, pg_catalog.pg_get_expr(conbin, 0) FROM pg_catalog.pg_constraint "
    "WHERE contypid <> 0 AND contype = 'c' ORDER BY contypid, conname COLLATE \"C\"";

static const char q_cons[] =
    "SELECT co.conrelid, co.conname, co.contype, co.conkey::text, co.confrelid, co.confkey::text, "
    "co.confupdtype, co.confdeltype, co.condeferrable FROM pg_catalog.pg_constraint co JOIN "
    "pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
    "c.relnamespace WHERE co.contype IN ('p','u','f') AND co.conparentid = 0 AND NOT "
    "c.relispartition AND " NSFILTER " ORDER BY co.conrelid, co.conname COLLATE \"C\"";

static const char q_idx[] =
    "SELECT x.indrelid, ic.relname, x.indisunique, x.indkey::int2[]::text, x.indexprs IS NULL AND "
    "x.indpred IS NULL AND x.indisvalid, EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE "
    "k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p','u','x')) FROM "
    "pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid JOIN "
    "pg_catalog.pg_class c ON c.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
    "c.relnamespace WHERE NOT c.relispartition AND " NSFILTER
    " ORDER BY x.indrelid, ic.relname COLLATE \"C\"";

/* ---- small helpers ---- */

static int glob_match(const char *pat, const char *schema, const char *table)
{
    char full[2 * (SIL_IDENT_MAX + 1) + 1];
    snprintf(full, sizeof full, "%s.%s", schema, table);
    if (fnmatch(pat, full, 0) == 0)
        return 1;
    return !strchr(pat, '.') && fnmatch(pat, table, 0) == 0;
}

int sampler_filter_match(const struct sampler_filter *f, const char *schema, const char *table)
{
    if (f->nschemas) {
        int ok = 0;
        for (size_t i = 0; i < f->nschemas && !ok; i++)
            ok = fnmatch(f->schemas[i], schema, 0) == 0;
        if (!ok)
            return 0;
    }
    if (f->nincludes) {
        int ok = 0;
        for (size_t i = 0; i < f->nincludes && !ok; i++)
            ok = glob_match(f->includes[i], schema, table);
        if (!ok)
            return 0;
    }
    for (size_t i = 0; i < f->nexcludes; i++)
        if (glob_match(f->excludes[i], schema, table))
            return 0;
    return 1;
}

static uint32_t oid_at(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (sampler_db_i64(r, row, col, &v) < 0 || v < 0 || v > UINT32_MAX)
        return 0;
    return (uint32_t)v;
}

static int int_at(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (sampler_db_i64(r, row, col, &v) < 0 || v < INT32_MIN || v > INT32_MAX)
        return 0;
    return (int)v;
}

static int bool_at(const PGresult *r, int row, int col)
{
    const char *v = sampler_db_value(r, row, col);
    return v && v[0] == 't';
}

static char char_at(const PGresult *r, int row, int col)
{
    const char *v = sampler_db_value(r, row, col);
    return v ? v[0] : '\0';
}

/* Rows of a result sorted by an oid in column 0, grouped for lookup. */
struct group {
    uint32_t oid;
    int first, count;
};
struct groups {
    struct group *g;
    size_t n;
};

static void groups_build(const PGresult *r, struct groups *gs)
{
    int rows = PQntuples(r);
    gs->g = sil_xcalloc((size_t)rows + 1, sizeof *gs->g);
    gs->n = 0;
    for (int i = 0; i < rows; i++) {
        uint32_t oid = oid_at(r, i, 0);
        if (gs->n && gs->g[gs->n - 1].oid == oid) {
            gs->g[gs->n - 1].count++;
            continue;
        }
        gs->g[gs->n].oid = oid;
        gs->g[gs->n].first = i;
        gs->g[gs->n].count = 1;
        gs->n++;
    }
}

static const struct group *groups_find(const struct groups *gs, uint32_t oid)
{
    size_t lo = 0, hi = gs->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (gs->g[mid].oid < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < gs->n && gs->g[lo].oid == oid ? &gs->g[lo] : NULL;
}

/*
 * "{1,2,3}" (or "[0:2]={1,2,3}", as int2vector casts print) into at most max
 * ints; -1 when malformed or too many.
 */
static int parse_intarr(const char *s, int *out, int max)
{
    if (s && *s == '[') {
        s = strchr(s, '=');
        s = s ? s + 1 : NULL;
    }
    if (!s || *s != '{')
        return -1;
    int n = 0;
    s++;
    while (*s && *s != '}') {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || n >= max)
            return -1;
        out[n++] = (int)v;
        s = end;
        if (*s == ',')
            s++;
    }
    return *s == '}' ? n : -1;
}

static int expr_ok(const char *e)
{
    if (!e || !*e || strlen(e) > SIL_EXPR_MAX)
        return 0;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            return 0;
    return 1;
}

static uint32_t fnv1a(const char *a, const char *b)
{
    uint32_t h = 2166136261u;
    for (const char *p = a; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ '.') * 16777619u;
    for (const char *p = b; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h & 0x7fffffff;
}

enum sil_default_kind sampler_default_kind(const char *expr)
{
    if (!expr || !*expr)
        return SIL_DEF_NONE;
    char low[256];
    size_t n = 0;
    for (const char *p = expr; *p && n + 1 < sizeof low; p++)
        low[n++] = (char)tolower((unsigned char)*p);
    low[n] = '\0';
    if (strncmp(low, "nextval(", 8) == 0)
        return SIL_DEF_SEQUENCE;
    /* The clock, possibly with a precision and wrapped in a cast: (now())::date. */
    static const char *const clocks[] = {"now()",
                                         "current_timestamp",
                                         "current_date",
                                         "current_time",
                                         "localtimestamp",
                                         "localtime",
                                         "clock_timestamp()",
                                         "statement_timestamp()",
                                         "transaction_timestamp()",
                                         NULL};
    const char *s = low;
    while (*s == '(')
        s++;
    for (int i = 0; clocks[i]; i++) {
        size_t cl = strlen(clocks[i]);
        if (strncmp(s, clocks[i], cl) != 0)
            continue;
        const char *rest = s + cl;
        if (*rest == '(') {
            const char *close = strchr(rest, ')');
            if (!close)
                continue;
            rest = close + 1;
        }
        while (*rest == ')')
            rest++;
        if (!*rest || strncmp(rest, "::", 2) == 0)
            return SIL_DEF_NOW;
    }
    /* A function call outside quotes makes it an expression. */
    int quoted = 0;
    for (const char *p = expr; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '(' && p > expr &&
                 (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '"'))
            return SIL_DEF_EXPRESSION;
    }
    return SIL_DEF_CONSTANT;
}

/* ---- types ---- */

struct ptype {
    uint32_t oid;
    const char *name, *nsp;
    char typtype, category;
    uint32_t elem, basetype;
    int typmod;
    int notnull;
};

struct ctx {
    struct sampler_model *m;
    struct sil_arena *a;
    struct ptype *types;
    size_t ntypes;
    const PGresult *enums;
    struct groups enum_g;
    const PGresult *domchecks;
    struct groups domcheck_g;
    size_t enum_cap, domain_cap;
};

static const struct ptype *type_find(const struct ctx *c, uint32_t oid)
{
    size_t lo = 0, hi = c->ntypes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->types[mid].oid < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->ntypes && c->types[lo].oid == oid ? &c->types[lo] : NULL;
}

static const struct {
    uint32_t oid;
    enum sil_type_base base;
} builtins[] = {
    {21, SIL_T_SMALLINT},   {23, SIL_T_INTEGER},     {20, SIL_T_BIGINT},
    {1700, SIL_T_NUMERIC},  {700, SIL_T_REAL},       {701, SIL_T_DOUBLE},
    {16, SIL_T_BOOLEAN},    {25, SIL_T_TEXT},        {1043, SIL_T_VARCHAR},
    {1042, SIL_T_CHAR},     {1082, SIL_T_DATE},      {1083, SIL_T_TIME},
    {1266, SIL_T_TIMETZ},   {1114, SIL_T_TIMESTAMP}, {1184, SIL_T_TIMESTAMPTZ},
    {1186, SIL_T_INTERVAL}, {2950, SIL_T_UUID},      {114, SIL_T_JSON},
    {3802, SIL_T_JSONB},    {17, SIL_T_BYTEA},       {869, SIL_T_INET},
    {650, SIL_T_CIDR},      {829, SIL_T_MACADDR},    {790, SIL_T_MONEY},
};

/* Index of the enum in the shape, registering it; -1 when it cannot be written. */
static int enum_register(struct ctx *c, const struct ptype *t)
{
    struct sil_shape *s = c->m->shape;
    for (size_t i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i].name, t->name) == 0 && strcmp(s->enums[i].schema, t->nsp) == 0)
            return (int)i;
    const struct group *g = groups_find(&c->enum_g, t->oid);
    if (!g || !sil_ident_valid(t->name) || !sil_ident_valid(t->nsp))
        return -1;
    for (int i = 0; i < g->count; i++) {
        const char *l = sampler_db_value(c->enums, g->first + i, 1);
        if (!l || !sil_ident_valid(l))
            return -1;
    }
    s->enums = sil_arena_grow(c->a, s->enums, sizeof *s->enums, s->nenums + 1, &c->enum_cap);
    struct sil_enum *e = &s->enums[s->nenums];
    e->schema = sil_arena_strdup(c->a, t->nsp);
    e->name = sil_arena_strdup(c->a, t->name);
    e->nlabels = (size_t)g->count;
    e->labels = sil_arena_alloc(c->a, (size_t)g->count * sizeof *e->labels);
    for (int i = 0; i < g->count; i++)
        e->labels[i] = sil_arena_strdup(c->a, sampler_db_value(c->enums, g->first + i, 1));
    return (int)s->nenums++;
}

static void set_unsupported(struct ctx *c, struct sil_type *out, const struct ptype *t)
{
    sil_type_init(out, SIL_T_UNSUPPORTED);
    out->sql_name = sil_arena_strdup(c->a, t && sil_ident_valid(t->name) ? t->name : "unknown");
}

/* A non-domain, non-array type into out and the value kind into ci. */
static void resolve_scalar(struct ctx *c, const struct ptype *t, int typmod, struct sil_type *out,
                           struct sampler_colinfo *ci)
{
    enum sil_type_base base = SIL_T_UNSUPPORTED;
    for (size_t i = 0; i < SIL_ARRAY_SIZE(builtins); i++)
        if (t && builtins[i].oid == t->oid)
            base = builtins[i].base;
    if (t && t->typtype == 'e') {
        if (enum_register(c, t) >= 0) {
            sil_type_init(out, SIL_T_ENUM);
            out->ref_schema = sil_arena_strdup(c->a, t->nsp);
            out->ref_name = sil_arena_strdup(c->a, t->name);
            ci->vkind = SAMPLER_V_ENUM;
            ci->distinct_ok = 1;
            return;
        }
        base = SIL_T_UNSUPPORTED;
    }
    if (base == SIL_T_UNSUPPORTED) {
        set_unsupported(c, out, t);
        ci->vkind = SAMPLER_V_NONE;
        ci->distinct_ok = 0;
        return;
    }
    sil_type_init(out, base);
    ci->distinct_ok = 1;
    switch (base) {
    case SIL_T_VARCHAR:
    case SIL_T_CHAR:
        out->length = typmod >= 4 ? typmod - 4 : -1;
        ci->vkind = SAMPLER_V_TEXT;
        break;
    case SIL_T_TEXT:
        ci->vkind = SAMPLER_V_TEXT;
        break;
    case SIL_T_NUMERIC:
        if (typmod >= 4) {
            int x = typmod - 4;
            out->precision = (x >> 16) & 0xffff;
            out->scale = ((x & 0x7ff) ^ 1024) - 1024;
        }
        ci->vkind = SAMPLER_V_NUMBER;
        break;
    case SIL_T_SMALLINT:
    case SIL_T_INTEGER:
    case SIL_T_BIGINT:
        ci->integer = 1;
        ci->vkind = SAMPLER_V_NUMBER;
        break;
    case SIL_T_REAL:
        /* real::float8 shows binary noise (0.05 -> 0.05000000074505806);
         * numeric rounds it to the digits real holds, as real's text does */
        ci->via_numeric = 1;
        ci->vkind = SAMPLER_V_NUMBER;
        break;
    case SIL_T_DOUBLE:
        ci->vkind = SAMPLER_V_NUMBER;
        break;
    case SIL_T_MONEY:
        ci->via_numeric = 1;
        ci->vkind = SAMPLER_V_NUMBER;
        break;
    case SIL_T_TIME:
    case SIL_T_TIMETZ:
        out->precision = typmod >= 0 && typmod <= 6 ? typmod : -1;
        ci->vkind = SAMPLER_V_TIME;
        break;
    case SIL_T_TIMESTAMP:
        out->precision = typmod >= 0 && typmod <= 6 ? typmod : -1;
        ci->vkind = SAMPLER_V_TIMESTAMP;
        break;
    case SIL_T_TIMESTAMPTZ:
        out->precision = typmod >= 0 && typmod <= 6 ? typmod : -1;
        ci->vkind = SAMPLER_V_TIMESTAMPTZ;
        break;
    case SIL_T_DATE:
        ci->vkind = SAMPLER_V_DATE;
        break;
    case SIL_T_INTERVAL:
        ci->vkind = SAMPLER_V_INTERVAL;
        break;
    case SIL_T_BOOLEAN:
        ci->vkind = SAMPLER_V_BOOL;
        break;
    case SIL_T_JSON:
        ci->json_plain = 1;
        ci->vkind = SAMPLER_V_JSON;
        break;
    case SIL_T_JSONB:
        ci->vkind = SAMPLER_V_JSON;
        break;
    case SIL_T_BYTEA:
        ci->vkind = SAMPLER_V_BYTEA;
        break;
    default: /* uuid, inet, cidr, macaddr */
        ci->vkind = SAMPLER_V_NONE;
        break;
    }
}

/* A type that may be an array (of a scalar). */
static void resolve_maybe_array(struct ctx *c, const struct ptype *t, int typmod, int ndims,
                                struct sil_type *out, struct sampler_colinfo *ci)
{
    if (t && t->category == 'A' && t->elem) {
        const struct ptype *e = type_find(c, t->elem);
        if (e && e->typtype == 'd') {
            /* Arrays of domains are written as arrays of the domain's base. */
            while (e && e->typtype == 'd')
                typmod = e->typmod, e = type_find(c, e->basetype);
        }
        resolve_scalar(c, e, typmod, out, ci);
        if (out->base == SIL_T_UNSUPPORTED) {
            set_unsupported(c, out, t);
            return;
        }
        out->array_dims = ndims > 0 && ndims <= 6 ? ndims : 1;
        ci->is_array = 1;
        ci->distinct_ok = ci->distinct_ok && !ci->json_plain;
        ci->vkind = SAMPLER_V_NONE;
        return;
    }
    resolve_scalar(c, t, typmod, out, ci);
}

/* Index of the (flattened) domain in the shape; -1 when it cannot be written. */
static int domain_register(struct ctx *c, const struct ptype *t, struct sampler_colinfo *ci)
{
    struct sil_shape *s = c->m->shape;
    if (!sil_ident_valid(t->name) || !sil_ident_valid(t->nsp))
        return -1;
    /* Walk down nested domains to the base, collecting every level's checks. */
    const struct ptype *d = t, *base = NULL;
    int typmod = -1, notnull = 0;
    size_t nchecks = 0;
    struct sil_check checks[64];
    for (int depth = 0; d && d->typtype == 'd' && depth < 32; depth++) {
        const struct group *g = groups_find(&c->domcheck_g, d->oid);
        for (int i = 0; g && i < g->count && nchecks < SIL_ARRAY_SIZE(checks); i++) {
            const char *name = sampler_db_value(c->domchecks, g->first + i, 1);
            const char *expr = sampler_db_value(c->domchecks, g->first + i, 2);
            int dup = 0;
            for (size_t j = 0; j < nchecks; j++)
                dup |= strcmp(checks[j].name, name) == 0;
            if (!name || dup || !sil_ident_valid(name) || !expr_ok(expr)) {
                sil_log_warn(
                    "domain %s.%s: check \"%s\" left out (it cannot be written in a shape)", t->nsp,
                    t->name, name ? name : "?");
                continue;
            }
            checks[nchecks].name = sil_arena_strdup(c->a, name);
            checks[nchecks].expr = sil_arena_strdup(c->a, expr);
            nchecks++;
        }
        notnull |= d->notnull;
        if (typmod < 0)
            typmod = d->typmod;
        base = type_find(c, d->basetype);
        d = base;
    }
    if (!base || base->typtype == 'd')
        return -1;
    for (size_t i = 0; i < s->ndomains; i++)
        if (strcmp(s->domains[i].name, t->name) == 0 && strcmp(s->domains[i].schema, t->nsp) == 0) {
            struct sil_type dummy;
            resolve_maybe_array(c, base, typmod, 0, &dummy, ci);
            return (int)i;
        }
    struct sil_type bt;
    resolve_maybe_array(c, base, typmod, 0, &bt, ci);
    s->domains =
        sil_arena_grow(c->a, s->domains, sizeof *s->domains, s->ndomains + 1, &c->domain_cap);
    struct sil_domain *dm = &s->domains[s->ndomains];
    memset(dm, 0, sizeof *dm);
    dm->schema = sil_arena_strdup(c->a, t->nsp);
    dm->name = sil_arena_strdup(c->a, t->name);
    dm->type = bt;
    dm->not_null = notnull;
    dm->nchecks = nchecks;
    dm->checks = sil_arena_alloc(c->a, (nchecks ? nchecks : 1) * sizeof *dm->checks);
    memcpy(dm->checks, checks, nchecks * sizeof *checks);
    return (int)s->ndomains++;
}

static void resolve_column_type(struct ctx *c, uint32_t typid, int typmod, int ndims,
                                struct sil_type *out, struct sampler_colinfo *ci)
{
    const struct ptype *t = type_find(c, typid);
    if (t && t->typtype == 'd') {
        if (domain_register(c, t, ci) >= 0) {
            sil_type_init(out, SIL_T_DOMAIN);
            out->ref_schema = sil_arena_strdup(c->a, t->nsp);
            out->ref_name = sil_arena_strdup(c->a, t->name);
            return;
        }
        /* Not writable as a domain: use its base. */
        int tm = typmod;
        while (t && t->typtype == 'd')
            tm = t->typmod, t = type_find(c, t->basetype);
        typmod = tm;
    }
    resolve_maybe_array(c, t, typmod, ndims, out, ci);
}

/* ---- tables ---- */

static int col_by_attnum(const struct sil_table *t, const struct sampler_tabinfo *ti, int attnum)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (ti->cols[i].attnum == attnum)
            return (int)i;
    return -1;
}

/* attnums to column names; NULL when one is missing. */
static const char **names_of(struct ctx *c, const struct sil_table *t,
                             const struct sampler_tabinfo *ti, const int *att, int n)
{
    const char **v = sil_arena_alloc(c->a, (size_t)(n ? n : 1) * sizeof *v);
    for (int i = 0; i < n; i++) {
        int k = col_by_attnum(t, ti, att[i]);
        if (k < 0)
            return NULL;
        v[i] = t->cols[k].name;
    }
    return v;
}

static int name_taken(const struct sil_table *t, const char *name)
{
    for (size_t i = 0; i < t->nuniques; i++)
        if (strcmp(t->uniques[i].name, name) == 0)
            return 1;
    for (size_t i = 0; i < t->nchecks; i++)
        if (strcmp(t->checks[i].name, name) == 0)
            return 1;
    for (size_t i = 0; i < t->nfks; i++)
        if (strcmp(t->fks[i].name, name) == 0)
            return 1;
    return 0;
}

static enum sil_fk_action fk_action(char c)
{
    switch (c) {
    case 'r':
        return SIL_FK_RESTRICT;
    case 'c':
        return SIL_FK_CASCADE;
    case 'n':
        return SIL_FK_SET_NULL;
    case 'd':
        return SIL_FK_SET_DEFAULT;
    default:
        return SIL_FK_NO_ACTION;
    }
}

static int build_columns(struct ctx *c, struct sil_table *t, struct sampler_tabinfo *ti,
                         const PGresult *cols, const struct group *g)
{
    t->ncols = (size_t)g->count;
    t->cols = sil_arena_alloc(c->a, t->ncols * sizeof *t->cols);
    ti->cols = sil_arena_alloc(c->a, t->ncols * sizeof *ti->cols);
    for (int i = 0; i < g->count; i++) {
        int row = g->first + i;
        struct sil_column *col = &t->cols[i];
        struct sampler_colinfo *ci = &ti->cols[i];
        const char *name = sampler_db_value(cols, row, 2);
        if (!name || !sil_ident_valid(name)) {
            sil_log_warn("table %s.%s left out: a column name cannot be written in a shape",
                         t->schema, t->name);
            return -1;
        }
        col->name = sil_arena_strdup(c->a, name);
        ci->attnum = int_at(cols, row, 1);
        resolve_column_type(c, oid_at(cols, row, 3), int_at(cols, row, 4), int_at(cols, row, 5),
                            &col->type, ci);
        col->nullable = !bool_at(cols, row, 6);
        char ident = char_at(cols, row, 7), gen = char_at(cols, row, 8);
        const char *def = sampler_db_value(cols, row, 9);
        if (ident == 'a' || ident == 'd') {
            col->identity = ident == 'a' ? SIL_IDENTITY_ALWAYS : SIL_IDENTITY_BY_DEFAULT;
            if (!sil_type_is_integer(&col->type))
                col->identity = SIL_IDENTITY_NONE;
        } else if (gen != 's') {
            /* Generation expressions are read later, by read_exprs(). */
            col->default_kind = sampler_default_kind(def);
        }
    }
    return 0;
}

/* The expression of "CHECK (expr) [NO INHERIT] [NOT VALID]"; NULL when not that form. */
static const char *check_expr(struct sil_arena *a, const char *def)
{
    if (!def || strncmp(def, "CHECK (", 7) != 0)
        return NULL;
    size_t n = strlen(def);
    static const char *const tails[] = {" NOT VALID", " NO INHERIT"};
    for (size_t i = 0; i < SIL_ARRAY_SIZE(tails); i++) {
        size_t tl = strlen(tails[i]);
        if (n > tl && strncmp(def + n - tl, tails[i], tl) == 0)
            n -= tl;
    }
    if (n < 9 || def[n - 1] != ')')
        return NULL;
    return sil_arena_strndup(a, def + 7, n - 8);
}

static void build_keys(struct ctx *c, struct sil_table *t, struct sampler_tabinfo *ti,
                       const PGresult *cons, const struct group *g, const PGresult *idx,
                       const struct group *gi)
{
    size_t ucap = 0;
    for (int i = 0; g && i < g->count; i++) {
        int row = g->first + i;
        char type = char_at(cons, row, 2);
        const char *name = sampler_db_value(cons, row, 1);
        int att[SIL_IDENT_MAX + 1];
        int n = parse_intarr(sampler_db_value(cons, row, 3), att, (int)SIL_ARRAY_SIZE(att));
        if (!name || !sil_ident_valid(name)) {
            sil_log_warn("%s.%s: a constraint was left out (its name cannot be written in a "
                         "shape)",
                         t->schema, t->name);
            continue;
        }
        if (type == 'p' || type == 'u') {
            const char **cols = n > 0 ? names_of(c, t, ti, att, n) : NULL;
            if (!cols)
                continue;
            if (type == 'p') {
                t->npk = (size_t)n;
                t->pk = cols;
            } else {
                t->uniques =
                    sil_arena_grow(c->a, t->uniques, sizeof *t->uniques, t->nuniques + 1, &ucap);
                t->uniques[t->nuniques].name = sil_arena_strdup(c->a, name);
                t->uniques[t->nuniques].ncols = (size_t)n;
                t->uniques[t->nuniques].cols = cols;
                t->nuniques++;
            }
        }
    }
    /* Unique indexes that no constraint stands for: foreign keys may reference them. */
    size_t icap = 0;
    for (int i = 0; gi && i < gi->count; i++) {
        int row = gi->first + i;
        int att[32];
        int n = parse_intarr(sampler_db_value(idx, row, 3), att, (int)SIL_ARRAY_SIZE(att));
        int plain = bool_at(idx, row, 4);
        if (n <= 0 || !plain)
            continue;
        int lead = 0;
        while (lead < n && lead < 8 && att[lead] > 0)
            lead++;
        if (lead > 0) {
            ti->idx = sil_arena_grow(c->a, ti->idx, sizeof *ti->idx, ti->nidx + 1, &icap);
            ti->idx[ti->nidx].ncols = lead;
            memcpy(ti->idx[ti->nidx].cols, att, (size_t)lead * sizeof *att);
            ti->nidx++;
        }
        const char *name = sampler_db_value(idx, row, 1);
        if (!bool_at(idx, row, 2) || bool_at(idx, row, 5) || lead != n || !name ||
            !sil_ident_valid(name) || name_taken(t, name))
            continue;
        const char **cols = names_of(c, t, ti, att, n);
        if (!cols)
            continue;
        t->uniques = sil_arena_grow(c->a, t->uniques, sizeof *t->uniques, t->nuniques + 1, &ucap);
        t->uniques[t->nuniques].name = sil_arena_strdup(c->a, name);
        t->uniques[t->nuniques].ncols = (size_t)n;
        t->uniques[t->nuniques].cols = cols;
        t->nuniques++;
    }
}

static int find_table(const struct sampler_model *m, uint32_t oid)
{
    for (size_t i = 0; i < m->shape->ntables; i++)
        if (m->tabs[i].oid == oid)
            return (int)i;
    return -1;
}

/* Does an index lead with exactly these attnums (in any order), then `then` (0: nothing)? */
static int index_leads(const struct sampler_tabinfo *ti, const int *att, int n, int then)
{
    for (size_t i = 0; i < ti->nidx; i++) {
        const struct sampler_index *x = &ti->idx[i];
        if (x->ncols < n + (then ? 1 : 0))
            continue;
        int ok = 1;
        for (int a = 0; a < n && ok; a++) {
            int found = 0;
            for (int b = 0; b < n; b++)
                found |= x->cols[b] == att[a];
            ok = found;
        }
        if (ok && (!then || x->cols[n] == then))
            return 1;
    }
    return 0;
}

/* The child column whose times describe arrivals: a NOT NULL creation-like timestamp first. */
static int arrival_column(const struct sil_table *t, const struct sampler_tabinfo *ti,
                          const int *fkatt, int n)
{
    static const char *const hints[] = {"creat", "sent",  "post",   "insert", "occur", "book",
                                        "join",  "arriv", "receiv", "_at",    NULL};
    int best = -1, best_score = -1;
    for (size_t i = 0; i < t->ncols; i++) {
        enum sampler_vkind v = ti->cols[i].vkind;
        if (v != SAMPLER_V_TIMESTAMP && v != SAMPLER_V_TIMESTAMPTZ && v != SAMPLER_V_DATE)
            continue;
        int is_key = 0;
        for (int k = 0; k < n; k++)
            is_key |= ti->cols[i].attnum == fkatt[k];
        if (is_key)
            continue;
        int score = t->cols[i].nullable ? 0 : 4;
        for (int h = 0; hints[h]; h++)
            if (strstr(t->cols[i].name, hints[h])) {
                score += h < 9 ? 2 : 1;
                break;
            }
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    return best;
}

static void build_fks(struct ctx *c, size_t ti_index, const PGresult *cons, const struct group *g)
{
    struct sampler_model *m = c->m;
    struct sil_table *t = &m->shape->tables[ti_index];
    struct sampler_tabinfo *ti = &m->tabs[ti_index];
    size_t cap = 0;
    for (int i = 0; g && i < g->count; i++) {
        int row = g->first + i;
        if (char_at(cons, row, 2) != 'f')
            continue;
        const char *name = sampler_db_value(cons, row, 1);
        int att[32], ratt[32];
        int n = parse_intarr(sampler_db_value(cons, row, 3), att, 32);
        int rn = parse_intarr(sampler_db_value(cons, row, 5), ratt, 32);
        int pi = find_table(m, oid_at(cons, row, 4));
        if (!name || !sil_ident_valid(name) || name_taken(t, name) || n <= 0 || n != rn)
            continue;
        if (pi < 0) {
            sil_log_warn("%s.%s: foreign key \"%s\" left out: it references a table outside the "
                         "selection",
                         t->schema, t->name, name);
            continue;
        }
        const struct sil_table *p = &m->shape->tables[pi];
        const char **cols = names_of(c, t, ti, att, n);
        const char **rcols = names_of(c, p, &m->tabs[pi], ratt, n);
        if (!cols || !rcols)
            continue;
        t->fks = sil_arena_grow(c->a, t->fks, sizeof *t->fks, t->nfks + 1, &cap);
        struct sil_fk *fk = &t->fks[t->nfks];
        memset(fk, 0, sizeof *fk);
        fk->name = sil_arena_strdup(c->a, name);
        fk->ncols = (size_t)n;
        fk->cols = cols;
        fk->ref_schema = p->schema;
        fk->ref_table = p->name;
        fk->ref_cols = rcols;
        fk->on_update = fk_action(char_at(cons, row, 6));
        fk->on_delete = fk_action(char_at(cons, row, 7));
        fk->deferrable = bool_at(cons, row, 8);
        fk->ref_index = (size_t)pi;
        t->nfks++;
    }
    ti->fks = sil_arena_alloc(c->a, (t->nfks ? t->nfks : 1) * sizeof *ti->fks);
    for (size_t f = 0; f < t->nfks; f++) {
        const struct sil_fk *fk = &t->fks[f];
        int att[32];
        for (size_t k = 0; k < fk->ncols; k++)
            att[k] = ti->cols[sil_table_column(t, fk->cols[k])].attnum;
        struct sampler_fkinfo *fi = &ti->fks[f];
        fi->indexed = index_leads(ti, att, (int)fk->ncols, 0);
        fi->arrival_col = arrival_column(t, ti, att, (int)fk->ncols);
        fi->arrival_indexed = fi->arrival_col >= 0 && index_leads(ti, att, (int)fk->ncols,
                                                                  ti->cols[fi->arrival_col].attnum);
    }
}

static void build_partitioning(struct ctx *c, struct sil_table *t, uint32_t oid,
                               const PGresult *keys, const struct groups *kg, const PGresult *parts,
                               const struct groups *pg, const struct sampler_tabinfo *ti)
{
    const struct group *g = groups_find(kg, oid);
    if (!g)
        return;
    static const char *const strat[] = {"range", "list", "hash"};
    char s = char_at(keys, g->first, 1);
    int si = s == 'r' ? 0 : s == 'l' ? 1 : s == 'h' ? 2 : -1;
    int att[32];
    int n = parse_intarr(sampler_db_value(keys, g->first, 2), att, 32);
    const char **cols = NULL;
    int plain = n > 0 && si >= 0;
    for (int i = 0; i < n && plain; i++)
        plain = att[i] > 0;
    if (plain)
        cols = names_of(c, t, ti, att, n);
    if (!cols) {
        sil_log_warn("%s.%s: partitioning left out (its key is an expression)", t->schema, t->name);
        return;
    }
    struct sil_partitioning *p = sil_arena_alloc(c->a, sizeof *p);
    p->strategy = strat[si];
    p->nkeys = (size_t)n;
    p->keys = cols;
    const struct group *pp = groups_find(pg, oid);
    p->parts = sil_arena_alloc(c->a, (size_t)(pp ? pp->count : 1) * sizeof *p->parts);
    for (int i = 0; pp && i < pp->count; i++) {
        const char *name = sampler_db_value(parts, pp->first + i, 1);
        const char *bound = sampler_db_value(parts, pp->first + i, 2);
        if (!name || !sil_ident_valid(name) || !expr_ok(bound)) {
            sil_log_warn("%s.%s: a partition was left out (it cannot be written in a shape)",
                         t->schema, t->name);
            continue;
        }
        p->parts[p->nparts].name = sil_arena_strdup(c->a, name);
        p->parts[p->nparts].bound = sil_arena_strdup(c->a, bound);
        p->nparts++;
    }
    t->partitioning = p;
}

static int cmp_qualified(const char *s1, const char *n1, const char *s2, const char *n2)
{
    int c = strcmp(s1, s2);
    return c ? c : strcmp(n1, n2);
}

static int cmp_enum(const void *a, const void *b)
{
    const struct sil_enum *x = a, *y = b;
    return cmp_qualified(x->schema, x->name, y->schema, y->name);
}

static int cmp_domain(const void *a, const void *b)
{
    const struct sil_domain *x = a, *y = b;
    return cmp_qualified(x->schema, x->name, y->schema, y->name);
}

static void set_exprs(struct ctx *c, const PGresult *r)
{
    struct sampler_model *m = c->m;
    for (int i = 0; i < PQntuples(r); i++) {
        int ti = find_table(m, oid_at(r, i, 0));
        if (ti < 0)
            continue;
        struct sil_table *t = &m->shape->tables[ti];
        struct sampler_tabinfo *info = &m->tabs[ti];
        const char *name = sampler_db_value(r, i, 2), *expr = sampler_db_value(r, i, 3);
        if (char_at(r, i, 1) == 'g') {
            int64_t attnum = 0;
            int col = name && sil_parse_i64(name, 1, 1600, &attnum) == 0
                          ? col_by_attnum(t, info, (int)attnum)
                          : -1;
            if (col >= 0 && expr_ok(expr))
                t->cols[col].generated_expr = sil_arena_strdup(c->a, expr);
            else if (col >= 0)
                sil_log_warn("%s.%s.%s: generation expression left out (it cannot be written in "
                             "a shape)",
                             t->schema, t->name, t->cols[col].name);
            continue;
        }
        const char *cexpr = check_expr(c->a, expr);
        if (!name || !sil_ident_valid(name) || name_taken(t, name) || !expr_ok(cexpr)) {
            sil_log_warn("%s.%s: check \"%s\" left out (it cannot be written in a shape)",
                         t->schema, t->name, name ? name : "?");
            continue;
        }
        t->checks =
            sil_arena_grow(c->a, t->checks, sizeof *t->checks, t->nchecks + 1, &info->check_cap);
        t->checks[t->nchecks].name = sil_arena_strdup(c->a, name);
        t->checks[t->nchecks].expr = cexpr;
        t->nchecks++;
    }
}

/* Run an expression query in a savepoint: 1 read, 0 could not (lock, timeout...), -1 fatal. */
static int exprs_query(struct sampler_db *db, struct ctx *c, const char *sql, struct sil_err *e,
                       struct sil_err *err)
{
    enum sampler_fail fail;
    if (sampler_db_savepoint(db, err) < 0)
        return -1;
    sil_err_clear(e);
    PGresult *r = sampler_db_query(db, sql, &fail, e);
    if (r) {
        set_exprs(c, r);
        PQclear(r);
        return sampler_db_release(db, err) < 0 ? -1 : 1;
    }
    if (fail == SAMPLER_F_FATAL || fail == SAMPLER_F_OTHER) {
        *err = *e;
        sil_err_prefix(err, "cannot read check constraints and generation expressions");
        return -1;
    }
    return sampler_db_rollback_to(db, err) < 0 ? -1 : 0;
}

static int read_exprs(struct sampler_db *db, struct ctx *c, struct sil_err *err)
{
    struct sampler_model *m = c->m;
    struct sil_err e;
    int rc = exprs_query(db, c, Q_EXPRS Q_EXPRS_ORDER, &e, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    /* A table is locked: one table at a time, to find which. */
    for (size_t i = 0; i < m->shape->ntables; i++) {
        const struct sil_table *t = &m->shape->tables[i];
        if (t->kind == SIL_TABLE_VIEW)
            continue;
        char *sql = sil_xasprintf(Q_EXPRS " WHERE x.rel = %u" Q_EXPRS_ORDER, m->tabs[i].oid);
        rc = exprs_query(db, c, sql, &e, err);
        free(sql);
        if (rc < 0)
            return -1;
        if (rc == 0)
            sil_log_warn("%s.%s: check constraints and generation expressions not read (%s); the "
                         "shape describes the table without them",
                         t->schema, t->name, e.msg);
    }
    return 0;
}

int sampler_catalog_read(struct sampler_db *db, const struct sampler_filter *f,
                         struct sampler_model *m, struct sil_err *err)
{
    PGresult *rels = NULL, *leaves = NULL, *pkeys = NULL, *parts = NULL, *cols = NULL,
             *types = NULL, *enums = NULL, *domchecks = NULL, *cons = NULL, *idx = NULL;
    struct groups leaf_g = {0}, pkey_g = {0}, part_g = {0}, col_g = {0}, cons_g = {0}, idx_g = {0};
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.a = m->shape->arena;
    int rc = -1;
    if (!(rels = sampler_db_query(db, q_rels, NULL, err)) ||
        !(leaves = sampler_db_query(db, q_leaves, NULL, err)) ||
        !(pkeys = sampler_db_query(db, q_partkeys, NULL, err)) ||
        !(parts = sampler_db_query(db, q_parts, NULL, err)) ||
        !(cols = sampler_db_query(db, q_cols, NULL, err)) ||
        !(types = sampler_db_query(db, q_types, NULL, err)) ||
        !(enums = sampler_db_query(db, q_enums, NULL, err)) ||
        !(domchecks = sampler_db_query(db, q_domchecks, NULL, err)) ||
        !(cons = sampler_db_query(db, q_cons, NULL, err)) ||
        !(idx = sampler_db_query(db, q_idx, NULL, err))) {
        sil_err_prefix(err, "cannot read the catalog");
        goto out;
    }
    groups_build(leaves, &leaf_g);
    groups_build(pkeys, &pkey_g);
    groups_build(parts, &part_g);
    groups_build(cols, &col_g);
    groups_build(cons, &cons_g);
    groups_build(idx, &idx_g);
    groups_build(enums, &c.enum_g);
    groups_build(domchecks, &c.domcheck_g);
    c.enums = enums;
    c.domchecks = domchecks;
    c.ntypes = (size_t)PQntuples(types);
    c.types = sil_xcalloc(c.ntypes + 1, sizeof *c.types);
    for (size_t i = 0; i < c.ntypes; i++) {
        struct ptype *t = &c.types[i];
        int r = (int)i;
        t->oid = oid_at(types, r, 0);
        t->name = sampler_db_value(types, r, 1);
        t->nsp = sampler_db_value(types, r, 2);
        t->typtype = char_at(types, r, 3);
        t->category = char_at(types, r, 4);
        t->elem = oid_at(types, r, 5);
        t->basetype = oid_at(types, r, 6);
        t->typmod = int_at(types, r, 7);
        t->notnull = bool_at(types, r, 8);
        if (!t->name)
            t->name = "unknown";
        if (!t->nsp)
            t->nsp = "unknown";
    }

    struct sil_shape *s = m->shape;
    int nrels = PQntuples(rels);
    s->tables = sil_arena_alloc(c.a, (size_t)(nrels ? nrels : 1) * sizeof *s->tables);
    m->tabs = sil_arena_alloc(c.a, (size_t)(nrels ? nrels : 1) * sizeof *m->tabs);
    int server = sampler_db_server_version(db);
    for (int r = 0; r < nrels; r++) {
        const char *nsp = sampler_db_value(rels, r, 1), *name = sampler_db_value(rels, r, 2);
        uint32_t oid = oid_at(rels, r, 0);
        if (bool_at(rels, r, 6) || !nsp || !name || !sampler_filter_match(f, nsp, name))
            continue;
        if (!sil_ident_valid(nsp) || !sil_ident_valid(name)) {
            sil_log_warn("a table was left out: its name cannot be written in a shape");
            continue;
        }
        const struct group *cg = groups_find(&col_g, oid);
        if (!cg) {
            sil_log_warn("table %s.%s left out: it has no columns", nsp, name);
            continue;
        }
        struct sil_table *t = &s->tables[s->ntables];
        struct sampler_tabinfo *ti = &m->tabs[s->ntables];
        memset(t, 0, sizeof *t);
        memset(ti, 0, sizeof *ti);
        t->schema = sil_arena_strdup(c.a, nsp);
        t->name = sil_arena_strdup(c.a, name);
        switch (char_at(rels, r, 3)) {
        case 'p':
            t->kind = SIL_TABLE_PARTITIONED;
            break;
        case 'v':
            t->kind = SIL_TABLE_VIEW;
            break;
        case 'm':
            t->kind = SIL_TABLE_MATVIEW;
            break;
        case 'f':
            t->kind = SIL_TABLE_FOREIGN;
            break;
        default:
            t->kind = SIL_TABLE_TABLE;
        }
        if (build_columns(&c, t, ti, cols, cg) < 0)
            continue;
        ti->oid = oid;
        char *qs = sil_ident_quote(nsp), *qn = sil_ident_quote(name);
        char *rel = sil_xasprintf("%s.%s", qs, qn);
        ti->rel = sil_arena_strdup(c.a, rel);
        free(rel);
        free(qs);
        free(qn);
        ti->seed = fnv1a(nsp, name);
        double reltuples = -1;
        int64_t relpages = 0;
        if (sampler_db_f64(rels, r, 4, &reltuples) < 0)
            reltuples = -1;
        if (sampler_db_i64(rels, r, 5, &relpages) < 0)
            relpages = 0;
        ti->pages = (double)relpages;
        if (t->kind == SIL_TABLE_PARTITIONED) {
            const struct group *lg = groups_find(&leaf_g, oid);
            double sum = 0;
            if (lg && sampler_db_f64(leaves, lg->first, 1, &sum) == 0)
                reltuples = bool_at(leaves, lg->first, 2) ? -1 : sum;
            else
                reltuples = lg ? -1 : 0;
            if (!lg || sampler_db_f64(leaves, lg->first, 3, &ti->pages) < 0)
                ti->pages = 0;
        } else if (reltuples <= 0 && relpages == 0 && server < 140000) {
            reltuples = -1; /* before 14, 0 also meant "never analyzed" */
        }
        ti->est_rows = reltuples < 0 ? -1 : reltuples;
        if (t->kind == SIL_TABLE_TABLE || t->kind == SIL_TABLE_PARTITIONED ||
            t->kind == SIL_TABLE_FOREIGN || t->kind == SIL_TABLE_MATVIEW) {
            build_keys(&c, t, ti, cons, groups_find(&cons_g, oid), idx, groups_find(&idx_g, oid));
        }
        if (t->kind == SIL_TABLE_PARTITIONED)
            build_partitioning(&c, t, oid, pkeys, &pkey_g, parts, &part_g, ti);
        s->ntables++;
    }
    for (size_t i = 0; i < s->ntables; i++)
        build_fks(&c, i, cons, groups_find(&cons_g, m->tabs[i].oid));
    if (read_exprs(db, &c, err) < 0)
        goto out;
    /* Types in name order, whatever order the tables met them in. */
    if (s->nenums > 1)
        qsort(s->enums, s->nenums, sizeof *s->enums, cmp_enum);
    if (s->ndomains > 1)
        qsort(s->domains, s->ndomains, sizeof *s->domains, cmp_domain);
    rc = 0;
out:
    free(c.types);
    free(leaf_g.g);
    free(pkey_g.g);
    free(part_g.g);
    free(col_g.g);
    free(cons_g.g);
    free(idx_g.g);
    free(c.enum_g.g);
    free(c.domcheck_g.g);
    PQclear(rels);
    PQclear(leaves);
    PQclear(pkeys);
    PQclear(parts);
    PQclear(cols);
    PQclear(types);
    PQclear(enums);
    PQclear(domchecks);
    PQclear(cons);
    PQclear(idx);
    return rc;
}
