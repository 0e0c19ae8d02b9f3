/* Shape format v1: model helpers, strict reader, cross-reference checks, canonical writer. */
#include "shape.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checksum.h"
#include "fileio.h"
#include "json.h"

/* ---- names ---- */

static const char *const type_names[SIL_T__COUNT + 1] = {
    "smallint",    "integer",  "bigint", "numeric", "real",   "double",      "boolean",
    "text",        "varchar",  "char",   "date",    "time",   "timetz",      "timestamp",
    "timestamptz", "interval", "uuid",   "json",    "jsonb",  "bytea",       "inet",
    "cidr",        "macaddr",  "money",  "enum",    "domain", "unsupported", NULL};

static const char *const class_names[SIL_CLASS__COUNT + 1] = {"public",
                                                              "identifier",
                                                              "sensitive",
                                                              "personal:email",
                                                              "personal:name",
                                                              "personal:first_name",
                                                              "personal:last_name",
                                                              "personal:username",
                                                              "personal:phone",
                                                              "personal:address",
                                                              "personal:street",
                                                              "personal:city",
                                                              "personal:postcode",
                                                              "personal:national_id",
                                                              "personal:iban",
                                                              "personal:card",
                                                              "personal:birth_date",
                                                              "personal:ip",
                                                              "personal:free_text",
                                                              "personal:other",
                                                              NULL};

static const char *const default_names[] = {"none", "constant",   "sequence",
                                            "now",  "expression", NULL};
static const char *const identity_names[] = {"none", "always", "by_default", NULL};
static const char *const kind_names[] = {"table",   "partitioned", "view",
                                         "matview", "foreign",     NULL};
static const char *const rows_names[] = {"exact", "estimate", "declared", NULL};
static const char *const skip_names[] = {"none", "permission_denied", "dropped_during_run",
                                         "timeout", NULL};
static const char *const action_names[] = {"no_action", "restrict",    "cascade",
                                           "set_null",  "set_default", NULL};
static const char *const encoding_names[] = {"clear", "token", NULL};
static const char *const source_kinds[] = {"postgresql", "rest", "template", NULL};
static const char *const token_methods[] = {"hmac-sha256", "none", NULL};
static const char *const strategies[] = {"range", "list", "hash", NULL};
static const char *const locales[] = {"en_US", "en_GB", "de_DE", "fr_FR", "sv_SE", NULL};

const char *sil_type_base_name(enum sil_type_base b)
{
    return (unsigned)b < SIL_T__COUNT ? type_names[b] : NULL;
}

const char *sil_class_name(enum sil_class c)
{
    return (unsigned)c < SIL_CLASS__COUNT ? class_names[c] : NULL;
}

int sil_class_parse(const char *s, enum sil_class *out)
{
    for (int i = 0; i < SIL_CLASS__COUNT; i++) {
        if (strcmp(s, class_names[i]) == 0) {
            *out = (enum sil_class)i;
            return 0;
        }
    }
    return -1;
}

int sil_class_is_personal(enum sil_class c)
{
    return c >= SIL_CLASS_PERSONAL_EMAIL && c < SIL_CLASS__COUNT;
}

const char *sil_table_kind_name(enum sil_table_kind k)
{
    return (unsigned)k < 5 ? kind_names[k] : NULL;
}

const char *sil_fk_action_name(enum sil_fk_action a)
{
    return (unsigned)a < 5 ? action_names[a] : NULL;
}

static int index_of(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int sil_locale_known(const char *s)
{
    return index_of(locales, s) >= 0;
}

void sil_type_init(struct sil_type *t, enum sil_type_base base)
{
    memset(t, 0, sizeof *t);
    t->base = base;
    t->length = t->precision = t->scale = -1;
}

int sil_type_is_integer(const struct sil_type *t)
{
    return t->base == SIL_T_SMALLINT || t->base == SIL_T_INTEGER || t->base == SIL_T_BIGINT;
}

int sil_type_is_numeric(const struct sil_type *t)
{
    return sil_type_is_integer(t) || t->base == SIL_T_NUMERIC || t->base == SIL_T_REAL ||
           t->base == SIL_T_DOUBLE || t->base == SIL_T_MONEY;
}

int sil_type_is_time(const struct sil_type *t)
{
    return t->base == SIL_T_DATE || t->base == SIL_T_TIME || t->base == SIL_T_TIMETZ ||
           t->base == SIL_T_TIMESTAMP || t->base == SIL_T_TIMESTAMPTZ || t->base == SIL_T_INTERVAL;
}

int sil_type_is_text(const struct sil_type *t)
{
    return t->base == SIL_T_TEXT || t->base == SIL_T_VARCHAR || t->base == SIL_T_CHAR;
}

int sil_ident_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SIL_IDENT_MAX)
        return 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int len = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || (len == 2 && *p < 0xc2))
            return 0;
        for (int i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += len;
    }
    return 1;
}

char *sil_ident_quote(const char *s)
{
    size_t n = strlen(s), q = 0;
    for (size_t i = 0; i < n; i++)
        q += s[i] == '"';
    char *out = sil_xmalloc(n + q + 3), *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

char *sil_type_sql(const struct sil_type *t)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    switch (t->base) {
    case SIL_T_DOUBLE:
        sil_buf_adds(&b, "double precision");
        break;
    case SIL_T_VARCHAR:
    case SIL_T_CHAR:
        sil_buf_adds(&b, t->base == SIL_T_VARCHAR ? "character varying" : "character");
        if (t->length > 0)
            sil_buf_addf(&b, "(%d)", t->length);
        break;
    case SIL_T_NUMERIC:
        sil_buf_adds(&b, "numeric");
        if (t->precision > 0 && t->scale >= 0)
            sil_buf_addf(&b, "(%d,%d)", t->precision, t->scale);
        else if (t->precision > 0)
            sil_buf_addf(&b, "(%d)", t->precision);
        break;
    case SIL_T_TIME:
    case SIL_T_TIMETZ:
    case SIL_T_TIMESTAMP:
    case SIL_T_TIMESTAMPTZ: {
        int ts = t->base == SIL_T_TIMESTAMP || t->base == SIL_T_TIMESTAMPTZ;
        int tz = t->base == SIL_T_TIMETZ || t->base == SIL_T_TIMESTAMPTZ;
        sil_buf_adds(&b, ts ? "timestamp" : "time");
        if (t->precision >= 0)
            sil_buf_addf(&b, "(%d)", t->precision);
        sil_buf_adds(&b, tz ? " with time zone" : " without time zone");
        break;
    }
    case SIL_T_ENUM:
    case SIL_T_DOMAIN: {
        char *qs = sil_ident_quote(t->ref_schema), *qn = sil_ident_quote(t->ref_name);
        sil_buf_addf(&b, "%s.%s", qs, qn);
        free(qs);
        free(qn);
        break;
    }
    case SIL_T_UNSUPPORTED:
        /* Created as text: the generator cannot produce values of unknown types. */
        sil_buf_adds(&b, "text");
        break;
    default:
        sil_buf_adds(&b, type_names[t->base]);
    }
    for (int i = 0; i < t->array_dims; i++)
        sil_buf_adds(&b, "[]");
    return sil_buf_detach(&b, NULL);
}

/* ---- lifecycle and lookups ---- */

struct sil_shape *sil_shape_new(void)
{
    struct sil_arena *a = sil_arena_new();
    struct sil_shape *s = sil_arena_alloc(a, sizeof *s);
    s->arena = a;
    s->source.kind = "template";
    s->tokenization.method = "none";
    s->tokenization.token_length = 16;
    s->privacy.k = 10;
    s->privacy.max_category_bytes = 64;
    s->privacy.noise = "none";
    return s;
}

void sil_shape_free(struct sil_shape *s)
{
    if (s)
        sil_arena_free(s->arena);
}

struct sil_table *sil_shape_table(const struct sil_shape *s, const char *schema, const char *name)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, name) == 0 && strcmp(s->tables[i].schema, schema) == 0)
            return &s->tables[i];
    return NULL;
}

int sil_table_column(const struct sil_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

const struct sil_enum *sil_shape_enum(const struct sil_shape *s, const char *schema,
                                      const char *name)
{
    for (size_t i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i].name, name) == 0 && strcmp(s->enums[i].schema, schema) == 0)
            return &s->enums[i];
    return NULL;
}

const struct sil_domain *sil_shape_domain(const struct sil_shape *s, const char *schema,
                                          const char *name)
{
    for (size_t i = 0; i < s->ndomains; i++)
        if (strcmp(s->domains[i].name, name) == 0 && strcmp(s->domains[i].schema, schema) == 0)
            return &s->domains[i];
    return NULL;
}

const struct sil_type *sil_shape_base_type(const struct sil_shape *s, const struct sil_type *t)
{
    if (t->base == SIL_T_DOMAIN) {
        const struct sil_domain *d = sil_shape_domain(s, t->ref_schema, t->ref_name);
        if (d)
            return &d->type;
    }
    return t;
}

int sil_expiry_check(const char *expires_at, const char *what, struct sil_err *err)
{
    int64_t at;
    if (!expires_at)
        return 0;
    if (sil_utc_parse(expires_at, &at) < 0)
        return sil_err_set(err, SIL_EINPUT, "%s has a malformed expiry \"%.40s\"", what,
                           expires_at);
    if ((int64_t)time(NULL) < at)
        return 0;
    sil_err_set(err, SIL_EEXPIRED, "%s expired on %.10s at %.8s UTC", what, expires_at,
                expires_at + 11);
    sil_err_hint(err, "expired shapes and the data made from them are refused; ask the privacy "
                      "engineer for a fresh shape (sampler ... --out shape.json; see "
                      "docs/runbooks/privacy-engineer.md)");
    return -1;
}

/* ---- reader ---- */

struct rd {
    struct sil_jctx c;
    struct sil_shape *s;
    struct sil_arena *a;
};

static int rd_ident(struct rd *r, const cJSON *o, const char *key, int required, const char **out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, required, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    if (!sil_ident_valid(v))
        return sil_jctx_fail_at(&r->c, key,
                                "not a valid identifier (1 to %d bytes of UTF-8, no control "
                                "characters)",
                                SIL_IDENT_MAX);
    *out = sil_arena_strdup(r->a, v);
    return 0;
}

static int rd_choice(struct rd *r, const cJSON *o, const char *key, int required,
                     const char *const *names, int *out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, required, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    int i = index_of(names, v);
    if (i < 0) {
        char list[256] = "";
        size_t len = 0;
        for (int j = 0; names[j] && len < sizeof list; j++) {
            int n = snprintf(list + len, sizeof list - len, "%s%s", j ? ", " : "", names[j]);
            if (n > 0)
                len += (size_t)n;
        }
        return sil_jctx_fail_at(&r->c, key, "unknown value \"%.40s\" (expected one of: %s)", v,
                                list);
    }
    *out = i;
    return 0;
}

static int rd_expr(struct rd *r, const cJSON *o, const char *key, const char **out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, 1, SIL_EXPR_MAX, &v) < 0)
        return -1;
    if (!*v)
        return sil_jctx_fail_at(&r->c, key, "empty expression");
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            return sil_jctx_fail_at(&r->c, key, "control character in expression");
    *out = sil_arena_strdup(r->a, v);
    return 0;
}

static int rd_utc(struct rd *r, const cJSON *o, const char *key, int required, const char **out,
                  int64_t *epoch)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, required, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    if (sil_utc_parse(v, epoch) < 0)
        return sil_jctx_fail_at(
            &r->c, key, "expected a UTC time like \"2026-01-31T12:00:00Z\", found \"%.40s\"", v);
    *out = sil_arena_strdup(r->a, v);
    return 0;
}

/* An array of identifiers, no duplicates, at least `min`. */
static int rd_idents(struct rd *r, const cJSON *o, const char *key, int required, size_t min,
                     size_t *n, const char ***out)
{
    const cJSON *arr = NULL;
    if (sil_json_array(&r->c, o, key, required, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    size_t count = (size_t)cJSON_GetArraySize(arr);
    size_t mark = sil_jctx_key(&r->c, key);
    if (count < min) {
        sil_jctx_fail(&r->c, "expected at least %zu name%s", min, min == 1 ? "" : "s");
        return -1;
    }
    const char **v = sil_arena_alloc(r->a, (count ? count : 1) * sizeof *v);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        if (!cJSON_IsString(e))
            return sil_jctx_fail(&r->c, "expected a string");
        if (!sil_ident_valid(e->valuestring))
            return sil_jctx_fail(&r->c, "not a valid identifier");
        for (size_t j = 0; j < i; j++)
            if (strcmp(v[j], e->valuestring) == 0)
                return sil_jctx_fail(&r->c, "\"%s\" is listed twice", e->valuestring);
        v[i] = sil_arena_strdup(r->a, e->valuestring);
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    *n = count;
    *out = v;
    return 0;
}

static int rd_quantiles(struct rd *r, const cJSON *o, const char *key, double vmin,
                        struct sil_quantiles *q)
{
    const cJSON *arr = NULL;
    if (sil_json_array(&r->c, o, key, 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    size_t mark = sil_jctx_key(&r->c, key);
    if (n == 0)
        return sil_jctx_fail(&r->c, "expected at least one [p, value] point");
    if (n > 1001)
        return sil_jctx_fail(&r->c, "%zu points, more than the limit of 1001", n);
    q->p = sil_arena_alloc(r->a, n * sizeof *q->p);
    q->v = sil_arena_alloc(r->a, n * sizeof *q->v);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsNumber(e->child) ||
            !cJSON_IsNumber(e->child->next))
            return sil_jctx_fail(&r->c, "expected a [p, value] pair of numbers");
        double p = e->child->valuedouble, v = e->child->next->valuedouble;
        if (!isfinite(p) || p < 0 || p > 1)
            return sil_jctx_fail(&r->c, "probability %.17g is outside [0, 1]", p);
        if (!isfinite(v) || v < vmin || fabs(v) > 1e300)
            return sil_jctx_fail(&r->c, "value %.17g is out of range", v);
        if (i > 0 && p <= q->p[i - 1])
            return sil_jctx_fail(&r->c, "quantiles out of order: p %.17g after %.17g", p,
                                 q->p[i - 1]);
        if (i > 0 && v < q->v[i - 1])
            return sil_jctx_fail(&r->c, "quantiles out of order: value %.17g after %.17g", v,
                                 q->v[i - 1]);
        q->p[i] = p;
        q->v[i] = v;
        sil_jctx_restore(&r->c, m2);
    }
    q->n = n;
    sil_jctx_restore(&r->c, mark);
    return 0;
}

static int rd_type(struct rd *r, const cJSON *o, const char *key, struct sil_type *t)
{
    static const char *const keys[] = {"name",   "length", "precision", "scale", "array",
                                       "schema", "ref",    "sql_name",  NULL};
    const cJSON *to = NULL;
    if (sil_json_object(&r->c, o, key, 1, &to) < 0)
        return -1;
    size_t mark = sil_jctx_key(&r->c, key);
    if (sil_json_check_object(&r->c, to, keys) < 0)
        return -1;
    int base = 0;
    int64_t len = -1, prec = -1, scale = -1, dims = 0;
    memset(t, 0, sizeof *t);
    if (rd_choice(r, to, "name", 1, type_names, &base) < 0)
        return -1;
    t->base = (enum sil_type_base)base;
    if (sil_json_int(&r->c, to, "length", 0, 1, 10485760, &len) < 0 ||
        sil_json_int(&r->c, to, "precision", 0, 0, 1000, &prec) < 0 ||
        sil_json_int(&r->c, to, "scale", 0, -1000, 1000, &scale) < 0 ||
        sil_json_int(&r->c, to, "array", 0, 0, 6, &dims) < 0)
        return -1;
    if (len >= 0 && t->base != SIL_T_VARCHAR && t->base != SIL_T_CHAR)
        return sil_jctx_fail_at(&r->c, "length", "only varchar and char take a length");
    int timey = t->base == SIL_T_TIME || t->base == SIL_T_TIMETZ || t->base == SIL_T_TIMESTAMP ||
                t->base == SIL_T_TIMESTAMPTZ;
    if (prec >= 0 && t->base != SIL_T_NUMERIC && !timey)
        return sil_jctx_fail_at(&r->c, "precision", "only numeric and time types take a precision");
    if (prec >= 0 && timey && prec > 6)
        return sil_jctx_fail_at(&r->c, "precision", "time precision is at most 6");
    if (t->base == SIL_T_NUMERIC && prec == 0)
        return sil_jctx_fail_at(&r->c, "precision", "numeric precision is at least 1");
    if (scale != -1 && !(t->base == SIL_T_NUMERIC && prec >= 1))
        return sil_jctx_fail_at(&r->c, "scale", "scale needs a numeric with a precision");
    if (scale > prec && prec >= 1)
        return sil_jctx_fail_at(&r->c, "scale", "scale %lld is larger than precision %lld",
                                (long long)scale, (long long)prec);
    t->length = (int)len;
    t->precision = (int)prec;
    t->scale = t->base == SIL_T_NUMERIC && prec >= 1 ? (scale == -1 ? 0 : (int)scale) : -1;
    t->array_dims = (int)dims;
    int needs_ref = t->base == SIL_T_ENUM || t->base == SIL_T_DOMAIN;
    if (rd_ident(r, to, "schema", needs_ref, &t->ref_schema) < 0 ||
        rd_ident(r, to, "ref", needs_ref, &t->ref_name) < 0 ||
        rd_ident(r, to, "sql_name", t->base == SIL_T_UNSUPPORTED, &t->sql_name) < 0)
        return -1;
    if (!needs_ref && (t->ref_schema || t->ref_name))
        return sil_jctx_fail(&r->c, "only enum and domain types take \"schema\" and \"ref\"");
    if (t->base != SIL_T_UNSUPPORTED && t->sql_name)
        return sil_jctx_fail_at(&r->c, "sql_name", "only unsupported types take a sql_name");
    sil_jctx_restore(&r->c, mark);
    return 0;
}

static int rd_categories(struct rd *r, const cJSON *o, struct sil_categories **out)
{
    static const char *const keys[] = {"encoding", "values", "other_fraction", "suppressed", NULL};
    static const char *const vkeys[] = {"value", "fraction", NULL};
    const cJSON *co = NULL, *arr = NULL;
    if (sil_json_object(&r->c, o, "categories", 0, &co) < 0)
        return -1;
    if (!co)
        return 0;
    size_t mark = sil_jctx_key(&r->c, "categories");
    if (sil_json_check_object(&r->c, co, keys) < 0)
        return -1;
    struct sil_categories *cat = sil_arena_alloc(r->a, sizeof *cat);
    int enc = 0;
    if (rd_choice(r, co, "encoding", 1, encoding_names, &enc) < 0 ||
        sil_json_num(&r->c, co, "other_fraction", 1, 0, 1, &cat->other_fraction) < 0 ||
        sil_json_int(&r->c, co, "suppressed", 0, 0, INT64_MAX / 2, &cat->suppressed) < 0 ||
        sil_json_array(&r->c, co, "values", 1, &arr) < 0)
        return -1;
    cat->encoding = (enum sil_cat_encoding)enc;
    cat->n = (size_t)cJSON_GetArraySize(arr);
    if (cat->n > 10000)
        return sil_jctx_fail_at(&r->c, "values", "%zu values, more than the limit of 10000",
                                cat->n);
    cat->v = sil_arena_alloc(r->a, (cat->n ? cat->n : 1) * sizeof *cat->v);
    size_t m2 = sil_jctx_key(&r->c, "values");
    double sum = cat->other_fraction;
    size_t i = 0;
    int tl = r->s->tokenization.token_length;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m3 = sil_jctx_index(&r->c, i);
        const char *v = NULL;
        if (sil_json_check_object(&r->c, e, vkeys) < 0 ||
            sil_json_str(&r->c, e, "value", 1, 0, &v) < 0 ||
            sil_json_num(&r->c, e, "fraction", 1, 0, 1, &cat->v[i].fraction) < 0)
            return -1;
        if (cat->encoding == SIL_CAT_TOKEN && !sil_is_hex(v, (size_t)tl))
            return sil_jctx_fail_at(&r->c, "value",
                                    "not a token (%d lower-case hex characters, as set in "
                                    "tokenization.token_length)",
                                    tl);
        if (cat->encoding == SIL_CAT_CLEAR &&
            (!*v || strlen(v) > (size_t)r->s->privacy.max_category_bytes))
            return sil_jctx_fail_at(&r->c, "value",
                                    "clear-text category is %zu bytes; allowed is 1 to %d "
                                    "(privacy.max_category_bytes)",
                                    strlen(v), r->s->privacy.max_category_bytes);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cat->v[j].value, v) == 0)
                return sil_jctx_fail(&r->c, "duplicate category value");
        cat->v[i].value = sil_arena_strdup(r->a, v);
        sum += cat->v[i].fraction;
        sil_jctx_restore(&r->c, m3);
    }
    sil_jctx_restore(&r->c, m2);
    if (sum > 1.0 + 1e-3)
        return sil_jctx_fail(&r->c, "fractions add up to %.6f, more than 1", sum);
    sil_jctx_restore(&r->c, mark);
    *out = cat;
    return 0;
}

static int rd_colstats(struct rd *r, const cJSON *o, struct sil_colstats **out)
{
    static const char *const keys[] = {
        "null_fraction", "distinct_fraction", "quantiles", "length_quantiles",
        "categories",    "hour_of_week",      NULL};
    const cJSON *so = NULL, *how = NULL;
    if (sil_json_object(&r->c, o, "stats", 0, &so) < 0)
        return -1;
    if (!so)
        return 0;
    size_t mark = sil_jctx_key(&r->c, "stats");
    if (sil_json_check_object(&r->c, so, keys) < 0)
        return -1;
    struct sil_colstats *st = sil_arena_alloc(r->a, sizeof *st);
    st->distinct_fraction = -1;
    if (sil_json_num(&r->c, so, "null_fraction", 1, 0, 1, &st->null_fraction) < 0 ||
        sil_json_num(&r->c, so, "distinct_fraction", 0, 0, 1, &st->distinct_fraction) < 0 ||
        rd_quantiles(r, so, "quantiles", -1e300, &st->quantiles) < 0 ||
        rd_quantiles(r, so, "length_quantiles", 0, &st->length_quantiles) < 0 ||
        rd_categories(r, so, &st->categories) < 0 ||
        sil_json_array(&r->c, so, "hour_of_week", 0, &how) < 0)
        return -1;
    if (how) {
        size_t m2 = sil_jctx_key(&r->c, "hour_of_week");
        if (cJSON_GetArraySize(how) != SIL_HOURS_PER_WEEK)
            return sil_jctx_fail(&r->c,
                                 "expected %d fractions (one per hour of the week), found %d",
                                 SIL_HOURS_PER_WEEK, cJSON_GetArraySize(how));
        st->hour_of_week = sil_arena_alloc(r->a, SIL_HOURS_PER_WEEK * sizeof(double));
        double sum = 0;
        size_t i = 0;
        for (const cJSON *e = how->child; e; e = e->next, i++) {
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || e->valuedouble < 0 ||
                e->valuedouble > 1) {
                sil_jctx_index(&r->c, i);
                return sil_jctx_fail(&r->c, "expected a fraction from 0 to 1");
            }
            st->hour_of_week[i] = e->valuedouble;
            sum += e->valuedouble;
        }
        if (sum > 1.0 + 1e-3)
            return sil_jctx_fail(&r->c, "fractions add up to %.6f, more than 1", sum);
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    *out = st;
    return 0;
}

static int rd_checks(struct rd *r, const cJSON *o, size_t *n, struct sil_check **out)
{
    static const char *const keys[] = {"name", "expression", NULL};
    const cJSON *arr = NULL;
    if (sil_json_array(&r->c, o, "checks", 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    size_t count = (size_t)cJSON_GetArraySize(arr), i = 0;
    struct sil_check *v = sil_arena_alloc(r->a, (count ? count : 1) * sizeof *v);
    size_t mark = sil_jctx_key(&r->c, "checks");
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        if (sil_json_check_object(&r->c, e, keys) < 0 ||
            rd_ident(r, e, "name", 1, &v[i].name) < 0 ||
            rd_expr(r, e, "expression", &v[i].expr) < 0)
            return -1;
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    *n = count;
    *out = v;
    return 0;
}

static int rd_column(struct rd *r, const cJSON *o, struct sil_column *col)
{
    static const char *const keys[] = {"name",     "type",      "nullable",       "default",
                                       "identity", "generated", "classification", "locale",
                                       "stats",    NULL};
    static const char *const gkeys[] = {"expression", NULL};
    if (sil_json_check_object(&r->c, o, keys) < 0)
        return -1;
    int def = 0, ident = 0, cls = 0;
    const cJSON *gen = NULL;
    const char *locale = NULL;
    if (rd_ident(r, o, "name", 1, &col->name) < 0 || rd_type(r, o, "type", &col->type) < 0 ||
        sil_json_bool(&r->c, o, "nullable", 1, &col->nullable) < 0 ||
        rd_choice(r, o, "default", 0, default_names, &def) < 0 ||
        rd_choice(r, o, "identity", 0, identity_names, &ident) < 0 ||
        sil_json_object(&r->c, o, "generated", 0, &gen) < 0 ||
        rd_choice(r, o, "classification", 1, class_names, &cls) < 0 ||
        sil_json_str(&r->c, o, "locale", 0, 0, &locale) < 0)
        return -1;
    col->default_kind = (enum sil_default_kind)def;
    col->identity = (enum sil_identity)ident;
    col->classification = (enum sil_class)cls;
    if (locale) {
        if (!sil_locale_known(locale))
            return sil_jctx_fail_at(&r->c, "locale",
                                    "unknown locale \"%.16s\" (known: en_US, en_GB, de_DE, "
                                    "fr_FR, sv_SE)",
                                    locale);
        col->locale = sil_arena_strdup(r->a, locale);
    }
    if (gen) {
        size_t mark = sil_jctx_key(&r->c, "generated");
        if (sil_json_check_object(&r->c, gen, gkeys) < 0 ||
            rd_expr(r, gen, "expression", &col->generated_expr) < 0)
            return -1;
        sil_jctx_restore(&r->c, mark);
    }
    if (col->identity != SIL_IDENTITY_NONE && col->default_kind != SIL_DEF_NONE)
        return sil_jctx_fail(&r->c, "an identity column has no default");
    if (col->identity != SIL_IDENTITY_NONE && !sil_type_is_integer(&col->type))
        return sil_jctx_fail(&r->c, "an identity column must be smallint, integer or bigint");
    return rd_colstats(r, o, &col->stats);
}

static int rd_fkstats(struct rd *r, const cJSON *o, struct sil_fkstats **out)
{
    static const char *const keys[] = {"coverage",        "parents_with_children",
                                       "mean_children",   "children_per_parent",
                                       "heavy",           "arrival",
                                       "sampled_parents", NULL};
    static const char *const hkeys[] = {"threshold", "parent_fraction", "child_fraction", NULL};
    static const char *const akeys[] = {"column", "burstiness", "gap_quantiles", NULL};
    const cJSON *so = NULL, *heavy = NULL, *arr = NULL;
    if (sil_json_object(&r->c, o, "stats", 0, &so) < 0)
        return -1;
    if (!so)
        return 0;
    size_t mark = sil_jctx_key(&r->c, "stats");
    struct sil_fkstats *st = sil_arena_alloc(r->a, sizeof *st);
    if (sil_json_check_object(&r->c, so, keys) < 0 ||
        sil_json_num(&r->c, so, "coverage", 1, 0, 1, &st->coverage) < 0 ||
        sil_json_num(&r->c, so, "parents_with_children", 1, 0, 1, &st->parents_with_children) < 0 ||
        sil_json_num(&r->c, so, "mean_children", 1, 0, 1e12, &st->mean_children) < 0 ||
        rd_quantiles(r, so, "children_per_parent", 0, &st->children_per_parent) < 0 ||
        sil_json_int(&r->c, so, "sampled_parents", 0, 0, INT64_MAX / 2, &st->sampled_parents) < 0 ||
        sil_json_object(&r->c, so, "heavy", 0, &heavy) < 0 ||
        sil_json_object(&r->c, so, "arrival", 0, &arr) < 0)
        return -1;
    if (heavy) {
        size_t m2 = sil_jctx_key(&r->c, "heavy");
        st->has_heavy = 1;
        if (sil_json_check_object(&r->c, heavy, hkeys) < 0 ||
            sil_json_int(&r->c, heavy, "threshold", 1, 1, INT64_MAX / 2, &st->heavy_threshold) <
                0 ||
            sil_json_num(&r->c, heavy, "parent_fraction", 1, 0, 1, &st->heavy_parent_fraction) <
                0 ||
            sil_json_num(&r->c, heavy, "child_fraction", 1, 0, 1, &st->heavy_child_fraction) < 0)
            return -1;
        sil_jctx_restore(&r->c, m2);
    }
    if (arr) {
        size_t m2 = sil_jctx_key(&r->c, "arrival");
        if (sil_json_check_object(&r->c, arr, akeys) < 0 ||
            rd_ident(r, arr, "column", 1, &st->arrival_column) < 0 ||
            sil_json_num(&r->c, arr, "burstiness", 1, 0, 1e12, &st->burstiness) < 0 ||
            rd_quantiles(r, arr, "gap_quantiles", 0, &st->gap_quantiles) < 0)
            return -1;
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    *out = st;
    return 0;
}

static int rd_fk(struct rd *r, const cJSON *o, struct sil_fk *fk)
{
    static const char *const keys[] = {"name",      "columns",    "references", "on_delete",
                                       "on_update", "deferrable", "stats",      NULL};
    static const char *const rkeys[] = {"schema", "table", "columns", NULL};
    const cJSON *ref = NULL;
    int del = 0, upd = 0;
    size_t nref = 0;
    if (sil_json_check_object(&r->c, o, keys) < 0 || rd_ident(r, o, "name", 1, &fk->name) < 0 ||
        rd_idents(r, o, "columns", 1, 1, &fk->ncols, &fk->cols) < 0 ||
        sil_json_object(&r->c, o, "references", 1, &ref) < 0 ||
        rd_choice(r, o, "on_delete", 0, action_names, &del) < 0 ||
        rd_choice(r, o, "on_update", 0, action_names, &upd) < 0 ||
        sil_json_bool(&r->c, o, "deferrable", 0, &fk->deferrable) < 0)
        return -1;
    fk->on_delete = (enum sil_fk_action)del;
    fk->on_update = (enum sil_fk_action)upd;
    size_t mark = sil_jctx_key(&r->c, "references");
    if (sil_json_check_object(&r->c, ref, rkeys) < 0 ||
        rd_ident(r, ref, "schema", 1, &fk->ref_schema) < 0 ||
        rd_ident(r, ref, "table", 1, &fk->ref_table) < 0 ||
        rd_idents(r, ref, "columns", 1, 1, &nref, &fk->ref_cols) < 0)
        return -1;
    if (nref != fk->ncols)
        return sil_jctx_fail_at(&r->c, "columns",
                                "%zu referenced column%s for %zu foreign key column%s", nref,
                                nref == 1 ? "" : "s", fk->ncols, fk->ncols == 1 ? "" : "s");
    sil_jctx_restore(&r->c, mark);
    return rd_fkstats(r, o, &fk->stats);
}

static int rd_partitioning(struct rd *r, const cJSON *o, struct sil_partitioning **out)
{
    static const char *const keys[] = {"strategy", "key", "partitions", NULL};
    static const char *const pkeys[] = {"name", "bound", NULL};
    const cJSON *po = NULL, *parts = NULL;
    int strat = 0;
    if (sil_json_object(&r->c, o, "partitioning", 0, &po) < 0)
        return -1;
    if (!po)
        return 0;
    size_t mark = sil_jctx_key(&r->c, "partitioning");
    struct sil_partitioning *p = sil_arena_alloc(r->a, sizeof *p);
    if (sil_json_check_object(&r->c, po, keys) < 0 ||
        rd_choice(r, po, "strategy", 1, strategies, &strat) < 0 ||
        rd_idents(r, po, "key", 1, 1, &p->nkeys, &p->keys) < 0 ||
        sil_json_array(&r->c, po, "partitions", 1, &parts) < 0)
        return -1;
    p->strategy = strategies[strat];
    p->nparts = (size_t)cJSON_GetArraySize(parts);
    p->parts = sil_arena_alloc(r->a, (p->nparts ? p->nparts : 1) * sizeof *p->parts);
    size_t m2 = sil_jctx_key(&r->c, "partitions"), i = 0;
    for (const cJSON *e = parts->child; e; e = e->next, i++) {
        size_t m3 = sil_jctx_index(&r->c, i);
        if (sil_json_check_object(&r->c, e, pkeys) < 0 ||
            rd_ident(r, e, "name", 1, &p->parts[i].name) < 0 ||
            rd_expr(r, e, "bound", &p->parts[i].bound) < 0)
            return -1;
        sil_jctx_restore(&r->c, m3);
    }
    sil_jctx_restore(&r->c, m2);
    sil_jctx_restore(&r->c, mark);
    *out = p;
    return 0;
}

static int rd_table(struct rd *r, const cJSON *o, struct sil_table *t)
{
    static const char *const keys[] = {"schema",  "name",         "kind",         "rows",
                                       "skipped", "partitioning", "primary_key",  "unique",
                                       "checks",  "columns",      "foreign_keys", NULL};
    static const char *const rkeys[] = {"count", "method", "sampled", NULL};
    static const char *const ukeys[] = {"name", "columns", NULL};
    const cJSON *rows = NULL, *uniq = NULL, *cols = NULL, *fks = NULL;
    int kind = 0, method = 0, skip = 0;
    if (sil_json_check_object(&r->c, o, keys) < 0 || rd_ident(r, o, "schema", 1, &t->schema) < 0 ||
        rd_ident(r, o, "name", 1, &t->name) < 0 ||
        rd_choice(r, o, "kind", 1, kind_names, &kind) < 0 ||
        sil_json_object(&r->c, o, "rows", 1, &rows) < 0 ||
        rd_choice(r, o, "skipped", 0, skip_names, &skip) < 0 ||
        rd_partitioning(r, o, &t->partitioning) < 0 ||
        rd_idents(r, o, "primary_key", 0, 1, &t->npk, &t->pk) < 0 ||
        sil_json_array(&r->c, o, "unique", 0, &uniq) < 0 ||
        rd_checks(r, o, &t->nchecks, &t->checks) < 0 ||
        sil_json_array(&r->c, o, "columns", 1, &cols) < 0 ||
        sil_json_array(&r->c, o, "foreign_keys", 0, &fks) < 0)
        return -1;
    t->kind = (enum sil_table_kind)kind;
    t->skipped = (enum sil_skip)skip;
    size_t mark = sil_jctx_key(&r->c, "rows");
    if (sil_json_check_object(&r->c, rows, rkeys) < 0 ||
        sil_json_int(&r->c, rows, "count", 1, 0, INT64_C(1) << 50, &t->row_count) < 0 ||
        rd_choice(r, rows, "method", 1, rows_names, &method) < 0 ||
        sil_json_int(&r->c, rows, "sampled", 0, 0, INT64_C(1) << 50, &t->sampled_rows) < 0)
        return -1;
    t->rows_method = (enum sil_rows_method)method;
    if (t->sampled_rows > t->row_count && t->rows_method == SIL_ROWS_EXACT)
        return sil_jctx_fail_at(&r->c, "sampled",
                                "more rows sampled (%lld) than the table has (%lld)",
                                (long long)t->sampled_rows, (long long)t->row_count);
    sil_jctx_restore(&r->c, mark);
    if (uniq) {
        t->nuniques = (size_t)cJSON_GetArraySize(uniq);
        t->uniques = sil_arena_alloc(r->a, (t->nuniques ? t->nuniques : 1) * sizeof *t->uniques);
        size_t m2 = sil_jctx_key(&r->c, "unique"), i = 0;
        for (const cJSON *e = uniq->child; e; e = e->next, i++) {
            size_t m3 = sil_jctx_index(&r->c, i);
            if (sil_json_check_object(&r->c, e, ukeys) < 0 ||
                rd_ident(r, e, "name", 1, &t->uniques[i].name) < 0 ||
                rd_idents(r, e, "columns", 1, 1, &t->uniques[i].ncols, &t->uniques[i].cols) < 0)
                return -1;
            sil_jctx_restore(&r->c, m3);
        }
        sil_jctx_restore(&r->c, m2);
    }
    t->ncols = (size_t)cJSON_GetArraySize(cols);
    if (t->ncols == 0)
        return sil_jctx_fail_at(&r->c, "columns", "a table needs at least one column");
    if (t->ncols > 1600)
        return sil_jctx_fail_at(&r->c, "columns", "%zu columns, more than PostgreSQL's 1600",
                                t->ncols);
    t->cols = sil_arena_alloc(r->a, t->ncols * sizeof *t->cols);
    size_t m2 = sil_jctx_key(&r->c, "columns"), i = 0;
    for (const cJSON *e = cols->child; e; e = e->next, i++) {
        size_t m3 = sil_jctx_index(&r->c, i);
        if (rd_column(r, e, &t->cols[i]) < 0)
            return -1;
        sil_jctx_restore(&r->c, m3);
    }
    sil_jctx_restore(&r->c, m2);
    if (fks) {
        t->nfks = (size_t)cJSON_GetArraySize(fks);
        t->fks = sil_arena_alloc(r->a, (t->nfks ? t->nfks : 1) * sizeof *t->fks);
        m2 = sil_jctx_key(&r->c, "foreign_keys");
        i = 0;
        for (const cJSON *e = fks->child; e; e = e->next, i++) {
            size_t m3 = sil_jctx_index(&r->c, i);
            if (rd_fk(r, e, &t->fks[i]) < 0)
                return -1;
            sil_jctx_restore(&r->c, m3);
        }
        sil_jctx_restore(&r->c, m2);
    }
    return 0;
}

static int rd_enums(struct rd *r, const cJSON *root)
{
    static const char *const keys[] = {"schema", "name", "labels", NULL};
    const cJSON *arr = NULL;
    if (sil_json_array(&r->c, root, "enums", 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    struct sil_shape *s = r->s;
    s->nenums = (size_t)cJSON_GetArraySize(arr);
    s->enums = sil_arena_alloc(r->a, (s->nenums ? s->nenums : 1) * sizeof *s->enums);
    size_t mark = sil_jctx_key(&r->c, "enums"), i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        const cJSON *labels = NULL;
        struct sil_enum *en = &s->enums[i];
        if (sil_json_check_object(&r->c, e, keys) < 0 ||
            rd_ident(r, e, "schema", 1, &en->schema) < 0 ||
            rd_ident(r, e, "name", 1, &en->name) < 0 ||
            sil_json_array(&r->c, e, "labels", 1, &labels) < 0)
            return -1;
        en->nlabels = (size_t)cJSON_GetArraySize(labels);
        size_t m3 = sil_jctx_key(&r->c, "labels");
        if (en->nlabels == 0)
            return sil_jctx_fail(&r->c, "an enum needs at least one label");
        en->labels = sil_arena_alloc(r->a, en->nlabels * sizeof *en->labels);
        size_t j = 0;
        for (const cJSON *l = labels->child; l; l = l->next, j++) {
            size_t m4 = sil_jctx_index(&r->c, j);
            if (!cJSON_IsString(l) || !sil_ident_valid(l->valuestring))
                return sil_jctx_fail(&r->c, "expected a label of 1 to %d bytes", SIL_IDENT_MAX);
            for (size_t k = 0; k < j; k++)
                if (strcmp(en->labels[k], l->valuestring) == 0)
                    return sil_jctx_fail(&r->c, "duplicate label");
            en->labels[j] = sil_arena_strdup(r->a, l->valuestring);
            sil_jctx_restore(&r->c, m4);
        }
        sil_jctx_restore(&r->c, m3);
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    return 0;
}

static int rd_domains(struct rd *r, const cJSON *root)
{
    static const char *const keys[] = {"schema", "name", "type", "not_null", "checks", NULL};
    const cJSON *arr = NULL;
    if (sil_json_array(&r->c, root, "domains", 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    struct sil_shape *s = r->s;
    s->ndomains = (size_t)cJSON_GetArraySize(arr);
    s->domains = sil_arena_alloc(r->a, (s->ndomains ? s->ndomains : 1) * sizeof *s->domains);
    size_t mark = sil_jctx_key(&r->c, "domains"), i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        struct sil_domain *d = &s->domains[i];
        if (sil_json_check_object(&r->c, e, keys) < 0 ||
            rd_ident(r, e, "schema", 1, &d->schema) < 0 ||
            rd_ident(r, e, "name", 1, &d->name) < 0 || rd_type(r, e, "type", &d->type) < 0 ||
            sil_json_bool(&r->c, e, "not_null", 0, &d->not_null) < 0 ||
            rd_checks(r, e, &d->nchecks, &d->checks) < 0)
            return -1;
        if (d->type.base == SIL_T_DOMAIN)
            return sil_jctx_fail_at(&r->c, "type",
                                    "a domain's type must be a base type, not another domain");
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    return 0;
}

struct sil_shape *sil_shape_from_json(const cJSON *root, unsigned flags, struct sil_err *err)
{
    static const char *const keys[] = {"format", "version",      "created_at", "expires_at",
                                       "source", "tokenization", "privacy",    "audit",
                                       "enums",  "domains",      "tables",     "checksum",
                                       NULL};
    static const char *const src_keys[] = {"kind", "fingerprint", "server_version", "locale", NULL};
    static const char *const tok_keys[] = {"method", "key_id", "token_length", NULL};
    static const char *const priv_keys[] = {"k",     "sample_rows",   "max_category_bytes",
                                            "noise", "metadata_only", "exact_count_threshold",
                                            NULL};
    static const char *const audit_keys[] = {"log_checksum", "statements", NULL};
    struct rd r;
    sil_jctx_init(&r.c, err);
    r.s = sil_shape_new();
    r.a = r.s->arena;
    struct sil_shape *s = r.s;
    const cJSON *src = NULL, *tok = NULL, *priv = NULL, *audit = NULL, *tables = NULL;
    const char *fmt = NULL, *str = NULL;
    int64_t version = 0, created = 0, expires = 0, v64 = 0;
    int choice = 0;
    size_t mark;

    if (!cJSON_IsObject(root)) {
        sil_jctx_fail(&r.c, "expected a shape object");
        goto fail;
    }
    if (sil_json_str(&r.c, root, "format", 1, 0, &fmt) < 0)
        goto fail;
    if (strcmp(fmt, SIL_SHAPE_FORMAT) != 0) {
        sil_jctx_fail_at(&r.c, "format", "\"%.40s\" is not a shape file (expected \"%s\")", fmt,
                         SIL_SHAPE_FORMAT);
        goto fail;
    }
    if (!sil_json_get(root, "version")) {
        sil_jctx_fail_at(&r.c, "version", "required key is missing");
        goto fail;
    }
    if (!sil_json_is_int(sil_json_get(root, "version"), 1, 1000000)) {
        sil_jctx_fail_at(&r.c, "version", "expected a positive integer");
        goto fail;
    }
    version = (int64_t)sil_json_get(root, "version")->valuedouble;
    if (version != SIL_SHAPE_VERSION) {
        sil_jctx_fail_at(&r.c, "version", "unsupported shape version %lld (this reader knows %d)",
                         (long long)version, SIL_SHAPE_VERSION);
        sil_err_hint(err, version > SIL_SHAPE_VERSION
                              ? "the file was written by a newer sampler; upgrade silhouette"
                              : "the file predates format v1; sample the source again");
        goto fail;
    }
    if (sil_json_check_object(&r.c, root, keys) < 0 ||
        rd_utc(&r, root, "created_at", 1, &s->created_at, &created) < 0 ||
        rd_utc(&r, root, "expires_at", 0, &s->expires_at, &expires) < 0)
        goto fail;
    if (s->expires_at && expires <= created) {
        sil_jctx_fail_at(&r.c, "expires_at", "expiry is not after created_at");
        goto fail;
    }

    if (sil_json_object(&r.c, root, "source", 1, &src) < 0)
        goto fail;
    mark = sil_jctx_key(&r.c, "source");
    if (sil_json_check_object(&r.c, src, src_keys) < 0 ||
        rd_choice(&r, src, "kind", 1, source_kinds, &choice) < 0 ||
        sil_json_int(&r.c, src, "server_version", 0, 0, 1000, &v64) < 0 ||
        sil_json_str(&r.c, src, "locale", 0, 0, &str) < 0)
        goto fail;
    s->source.kind = source_kinds[choice];
    s->source.server_version = (int)v64;
    if (str && !sil_locale_known(str)) {
        sil_jctx_fail_at(&r.c, "locale", "unknown locale \"%.16s\"", str);
        goto fail;
    }
    s->source.locale = str ? sil_arena_strdup(r.a, str) : NULL;
    str = NULL;
    sil_jctx_restore(&r.c, mark);

    if (sil_json_object(&r.c, root, "tokenization", 1, &tok) < 0)
        goto fail;
    mark = sil_jctx_key(&r.c, "tokenization");
    v64 = 16;
    if (sil_json_check_object(&r.c, tok, tok_keys) < 0 ||
        rd_choice(&r, tok, "method", 1, token_methods, &choice) < 0 ||
        sil_json_int(&r.c, tok, "token_length", 1, 8, 64, &v64) < 0)
        goto fail;
    s->tokenization.method = token_methods[choice];
    s->tokenization.token_length = (int)v64;
    if (v64 % 2) {
        sil_jctx_fail_at(&r.c, "token_length", "token length must be even (whole bytes of hex)");
        goto fail;
    }
    if (sil_json_str(&r.c, tok, "key_id", choice == 0, 0, &str) < 0)
        goto fail;
    if (str && !sil_is_hex(str, 16)) {
        sil_jctx_fail_at(&r.c, "key_id", "expected 16 lower-case hex characters");
        goto fail;
    }
    if (str && choice == 1) {
        sil_jctx_fail_at(&r.c, "key_id", "a key id without tokenization");
        goto fail;
    }
    s->tokenization.key_id = str ? sil_arena_strdup(r.a, str) : NULL;
    str = NULL;
    sil_jctx_restore(&r.c, mark);
    /* The fingerprint is a token, so it is read once token_length is known. */
    mark = sil_jctx_key(&r.c, "source");
    if (sil_json_str(&r.c, src, "fingerprint", 0, 0, &str) < 0)
        goto fail;
    if (str && !sil_is_hex(str, (size_t)s->tokenization.token_length)) {
        sil_jctx_fail_at(&r.c, "fingerprint", "not a token (%d lower-case hex characters)",
                         s->tokenization.token_length);
        goto fail;
    }
    s->source.fingerprint = str ? sil_arena_strdup(r.a, str) : NULL;
    str = NULL;
    sil_jctx_restore(&r.c, mark);

    if (sil_json_object(&r.c, root, "privacy", 1, &priv) < 0)
        goto fail;
    mark = sil_jctx_key(&r.c, "privacy");
    {
        int64_t k = 0, mcb = 0;
        if (sil_json_check_object(&r.c, priv, priv_keys) < 0 ||
            sil_json_int(&r.c, priv, "k", 1, 2, 1000000, &k) < 0 ||
            sil_json_int(&r.c, priv, "sample_rows", 1, 0, INT64_C(1) << 50,
                         &s->privacy.sample_rows) < 0 ||
            sil_json_int(&r.c, priv, "max_category_bytes", 1, 1, 256, &mcb) < 0 ||
            sil_json_str(&r.c, priv, "noise", 1, 0, &str) < 0 ||
            sil_json_bool(&r.c, priv, "metadata_only", 1, &s->privacy.metadata_only) < 0 ||
            sil_json_int(&r.c, priv, "exact_count_threshold", 0, 0, INT64_C(1) << 50,
                         &s->privacy.exact_count_threshold) < 0)
            goto fail;
        if (strcmp(str, "none") != 0) {
            sil_jctx_fail_at(&r.c, "noise", "unknown noise \"%.20s\" (format v1 knows \"none\")",
                             str);
            goto fail;
        }
        s->privacy.k = (int)k;
        s->privacy.max_category_bytes = (int)mcb;
        s->privacy.noise = "none";
        str = NULL;
    }
    sil_jctx_restore(&r.c, mark);

    if (sil_json_object(&r.c, root, "audit", 0, &audit) < 0)
        goto fail;
    if (audit) {
        mark = sil_jctx_key(&r.c, "audit");
        if (sil_json_check_object(&r.c, audit, audit_keys) < 0 ||
            sil_json_str(&r.c, audit, "log_checksum", 1, 0, &str) < 0 ||
            sil_json_int(&r.c, audit, "statements", 1, 0, INT64_C(1) << 50, &s->audit.statements) <
                0)
            goto fail;
        if (!sil_checksum_valid(str)) {
            sil_jctx_fail_at(&r.c, "log_checksum", "expected \"blake2b-256:\" and 64 hex digits");
            goto fail;
        }
        s->has_audit = 1;
        s->audit.log_checksum = sil_arena_strdup(r.a, str);
        str = NULL;
        sil_jctx_restore(&r.c, mark);
    }

    if (rd_enums(&r, root) < 0 || rd_domains(&r, root) < 0 ||
        sil_json_array(&r.c, root, "tables", 1, &tables) < 0)
        goto fail;
    s->ntables = (size_t)cJSON_GetArraySize(tables);
    s->tables = sil_arena_alloc(r.a, (s->ntables ? s->ntables : 1) * sizeof *s->tables);
    mark = sil_jctx_key(&r.c, "tables");
    {
        size_t i = 0;
        for (const cJSON *e = tables->child; e; e = e->next, i++) {
            size_t m2 = sil_jctx_index(&r.c, i);
            if (rd_table(&r, e, &s->tables[i]) < 0)
                goto fail;
            sil_jctx_restore(&r.c, m2);
        }
    }
    sil_jctx_restore(&r.c, mark);

    if (sil_json_str(&r.c, root, "checksum", 0, 0, &str) < 0)
        goto fail;
    if (str && !sil_checksum_valid(str)) {
        sil_jctx_fail_at(&r.c, "checksum", "expected \"blake2b-256:\" and 64 hex digits");
        goto fail;
    }
    if (sil_shape_validate(s, err) < 0)
        goto fail;
    if (!str && strcmp(s->source.kind, "template") != 0 && !(flags & SIL_SHAPE_ALLOW_UNSEALED)) {
        sil_err_set_path(err, SIL_EINPUT, "checksum",
                         "required key is missing: a sampled shape must carry its checksum");
        sil_err_hint(err, "take the shape as the sampler wrote it; edited shapes are refused");
        goto fail;
    }
    if (str) {
        char want[100];
        sil_shape_checksum(s, want);
        if (strcmp(want, str) != 0) {
            sil_err_set_path(err, SIL_EINPUT, "checksum",
                             "checksum does not match the content: the shape was edited after it "
                             "was written");
            sil_err_hint(err, "take a fresh shape from the sampler; edited shapes are refused");
            goto fail;
        }
        s->checksum = sil_arena_strdup(r.a, str);
    }
    return s;
fail:
    sil_shape_free(s);
    return NULL;
}

struct sil_shape *sil_shape_parse(const char *data, size_t len, const char *name, unsigned flags,
                                  struct sil_err *err)
{
    cJSON *root;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return NULL;
    struct sil_shape *s = sil_shape_from_json(root, flags, err);
    cJSON_Delete(root);
    if (!s)
        sil_err_file(err, name);
    return s;
}

struct sil_shape *sil_shape_read_file(const char *path, unsigned flags, struct sil_err *err)
{
    char *data;
    size_t len;
    if (sil_read_file(path, SIL_SHAPE_MAX_BYTES, &data, &len, err) < 0)
        return NULL;
    struct sil_shape *s = sil_shape_parse(data, len, path, flags, err);
    free(data);
    return s;
}

/* ---- cross-reference checks ---- */

static int vfail(struct sil_err *err, const char *fmt, ...) SIL_PRINTF(2, 3);
static int vfail(struct sil_err *err, const char *fmt, ...)
{
    /* fmt starts with the path, then ": ", then the message. */
    char buf[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *sep = strstr(buf, ": ");
    if (sep)
        *sep = '\0';
    return sil_err_set_path(err, SIL_EINPUT, buf, "%s", sep ? sep + 2 : "");
}

static int check_type_ref(const struct sil_shape *s, const struct sil_type *t, struct sil_err *err,
                          const char *path)
{
    if (t->base == SIL_T_ENUM && !sil_shape_enum(s, t->ref_schema, t->ref_name))
        return vfail(err, "%s.ref: unknown enum \"%s.%s\" (not listed in \"enums\")", path,
                     t->ref_schema, t->ref_name);
    if (t->base == SIL_T_DOMAIN && !sil_shape_domain(s, t->ref_schema, t->ref_name))
        return vfail(err, "%s.ref: unknown domain \"%s.%s\" (not listed in \"domains\")", path,
                     t->ref_schema, t->ref_name);
    return 0;
}

static int same_cols(size_t n, const char **a, size_t m, const char **b)
{
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < m; j++)
            found |= strcmp(a[i], b[j]) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

static int check_cols_exist(const struct sil_table *t, size_t n, const char **cols,
                            struct sil_err *err, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (sil_table_column(t, cols[i]) < 0)
            return vfail(err, "%s[%zu]: unknown column \"%s\" in table \"%s.%s\"", path, i, cols[i],
                         t->schema, t->name);
    return 0;
}

static int check_table(struct sil_shape *s, size_t ti, struct sil_err *err)
{
    struct sil_table *t = &s->tables[ti];
    char path[128];
    for (size_t j = 0; j < ti; j++)
        if (strcmp(s->tables[j].name, t->name) == 0 && strcmp(s->tables[j].schema, t->schema) == 0)
            return vfail(err, "tables[%zu].name: duplicate table \"%s.%s\" (also tables[%zu])", ti,
                         t->schema, t->name, j);
    for (size_t c = 0; c < t->ncols; c++) {
        const struct sil_column *col = &t->cols[c];
        for (size_t d = 0; d < c; d++)
            if (strcmp(t->cols[d].name, col->name) == 0)
                return vfail(err, "tables[%zu].columns[%zu].name: duplicate column \"%s\"", ti, c,
                             col->name);
        snprintf(path, sizeof path, "tables[%zu].columns[%zu].type", ti, c);
        if (check_type_ref(s, &col->type, err, path) < 0)
            return -1;
        if (col->stats && col->stats->categories &&
            col->stats->categories->encoding == SIL_CAT_TOKEN &&
            strcmp(s->tokenization.method, "none") == 0)
            return vfail(err,
                         "tables[%zu].columns[%zu].stats.categories.encoding: tokens in a shape "
                         "without tokenization",
                         ti, c);
    }
    snprintf(path, sizeof path, "tables[%zu].primary_key", ti);
    if (check_cols_exist(t, t->npk, t->pk, err, path) < 0)
        return -1;
    for (size_t u = 0; u < t->nuniques; u++) {
        snprintf(path, sizeof path, "tables[%zu].unique[%zu].columns", ti, u);
        if (check_cols_exist(t, t->uniques[u].ncols, t->uniques[u].cols, err, path) < 0)
            return -1;
    }
    if (t->partitioning) {
        snprintf(path, sizeof path, "tables[%zu].partitioning.key", ti);
        if (check_cols_exist(t, t->partitioning->nkeys, t->partitioning->keys, err, path) < 0)
            return -1;
    }
    /* Constraint names share one namespace per table in PostgreSQL. */
    const char *names[4096];
    size_t nn = 0;
    for (size_t u = 0; u < t->nuniques && nn < 4096; u++)
        names[nn++] = t->uniques[u].name;
    for (size_t u = 0; u < t->nchecks && nn < 4096; u++)
        names[nn++] = t->checks[u].name;
    for (size_t u = 0; u < t->nfks && nn < 4096; u++)
        names[nn++] = t->fks[u].name;
    for (size_t a = 0; a < nn; a++)
        for (size_t b = 0; b < a; b++)
            if (strcmp(names[a], names[b]) == 0)
                return vfail(err, "tables[%zu]: constraint name \"%s\" is used twice", ti,
                             names[a]);
    for (size_t f = 0; f < t->nfks; f++) {
        struct sil_fk *fk = &t->fks[f];
        snprintf(path, sizeof path, "tables[%zu].foreign_keys[%zu].columns", ti, f);
        if (check_cols_exist(t, fk->ncols, fk->cols, err, path) < 0)
            return -1;
        const struct sil_table *p = sil_shape_table(s, fk->ref_schema, fk->ref_table);
        if (!p)
            return vfail(err,
                         "tables[%zu].foreign_keys[%zu].references.table: foreign key references "
                         "unknown table \"%s.%s\"",
                         ti, f, fk->ref_schema, fk->ref_table);
        fk->ref_index = (size_t)(p - s->tables);
        snprintf(path, sizeof path, "tables[%zu].foreign_keys[%zu].references.columns", ti, f);
        if (check_cols_exist(p, fk->ncols, fk->ref_cols, err, path) < 0)
            return -1;
        int keyed = same_cols(fk->ncols, fk->ref_cols, p->npk, p->pk);
        for (size_t u = 0; u < p->nuniques && !keyed; u++)
            keyed = same_cols(fk->ncols, fk->ref_cols, p->uniques[u].ncols, p->uniques[u].cols);
        if (!keyed)
            return vfail(err,
                         "%s: the referenced columns are not the primary key or a unique key of "
                         "\"%s.%s\"",
                         path, p->schema, p->name);
        if (fk->stats && fk->stats->arrival_column) {
            int c = sil_table_column(t, fk->stats->arrival_column);
            if (c < 0)
                return vfail(err,
                             "tables[%zu].foreign_keys[%zu].stats.arrival.column: unknown column "
                             "\"%s\"",
                             ti, f, fk->stats->arrival_column);
            if (!sil_type_is_time(sil_shape_base_type(s, &t->cols[c].type)))
                return vfail(err,
                             "tables[%zu].foreign_keys[%zu].stats.arrival.column: \"%s\" is not "
                             "a date or time column",
                             ti, f, fk->stats->arrival_column);
        }
    }
    return 0;
}

int sil_shape_validate(struct sil_shape *s, struct sil_err *err)
{
    for (size_t i = 0; i < s->nenums; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->enums[i].name, s->enums[j].name) == 0 &&
                strcmp(s->enums[i].schema, s->enums[j].schema) == 0)
                return vfail(err, "enums[%zu].name: duplicate enum \"%s.%s\"", i,
                             s->enums[i].schema, s->enums[i].name);
    for (size_t i = 0; i < s->ndomains; i++) {
        char path[64];
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->domains[i].name, s->domains[j].name) == 0 &&
                strcmp(s->domains[i].schema, s->domains[j].schema) == 0)
                return vfail(err, "domains[%zu].name: duplicate domain \"%s.%s\"", i,
                             s->domains[i].schema, s->domains[i].name);
        snprintf(path, sizeof path, "domains[%zu].type", i);
        if (check_type_ref(s, &s->domains[i].type, err, path) < 0)
            return -1;
    }
    for (size_t i = 0; i < s->ntables; i++)
        if (check_table(s, i, err) < 0)
            return -1;
    return 0;
}

/* ---- writer ---- */

static void w_quantiles(cJSON *o, const char *key, const struct sil_quantiles *q)
{
    if (!q->n)
        return;
    cJSON *arr = sil_jadd_array(o, key);
    for (size_t i = 0; i < q->n; i++) {
        cJSON *pair = sil_jadd_array(arr, NULL);
        sil_jpush_num(pair, q->p[i]);
        sil_jpush_num(pair, q->v[i]);
    }
}

static void w_strv(cJSON *o, const char *key, size_t n, const char **v)
{
    cJSON *arr = sil_jadd_array(o, key);
    for (size_t i = 0; i < n; i++)
        sil_jpush_str(arr, v[i]);
}

static void w_type(cJSON *o, const char *key, const struct sil_type *t)
{
    cJSON *to = sil_jadd_object(o, key);
    sil_jadd_str(to, "name", type_names[t->base]);
    if (t->length > 0)
        sil_jadd_num(to, "length", t->length);
    if (t->precision >= 0)
        sil_jadd_num(to, "precision", t->precision);
    if (t->base == SIL_T_NUMERIC && t->precision >= 1 && t->scale != 0)
        sil_jadd_num(to, "scale", t->scale);
    if (t->array_dims)
        sil_jadd_num(to, "array", t->array_dims);
    if (t->ref_schema)
        sil_jadd_str(to, "schema", t->ref_schema);
    if (t->ref_name)
        sil_jadd_str(to, "ref", t->ref_name);
    if (t->sql_name)
        sil_jadd_str(to, "sql_name", t->sql_name);
}

static void w_checks(cJSON *o, size_t n, const struct sil_check *v)
{
    if (!n)
        return;
    cJSON *arr = sil_jadd_array(o, "checks");
    for (size_t i = 0; i < n; i++) {
        cJSON *c = sil_jadd_object(arr, NULL);
        sil_jadd_str(c, "name", v[i].name);
        sil_jadd_str(c, "expression", v[i].expr);
    }
}

static void w_column(cJSON *arr, const struct sil_column *col)
{
    cJSON *o = sil_jadd_object(arr, NULL);
    sil_jadd_str(o, "name", col->name);
    w_type(o, "type", &col->type);
    sil_jadd_bool(o, "nullable", col->nullable);
    if (col->default_kind != SIL_DEF_NONE)
        sil_jadd_str(o, "default", default_names[col->default_kind]);
    if (col->identity != SIL_IDENTITY_NONE)
        sil_jadd_str(o, "identity", identity_names[col->identity]);
    if (col->generated_expr)
        sil_jadd_str(sil_jadd_object(o, "generated"), "expression", col->generated_expr);
    sil_jadd_str(o, "classification", class_names[col->classification]);
    if (col->locale)
        sil_jadd_str(o, "locale", col->locale);
    const struct sil_colstats *st = col->stats;
    if (!st)
        return;
    cJSON *so = sil_jadd_object(o, "stats");
    sil_jadd_num(so, "null_fraction", st->null_fraction);
    if (st->distinct_fraction >= 0)
        sil_jadd_num(so, "distinct_fraction", st->distinct_fraction);
    w_quantiles(so, "quantiles", &st->quantiles);
    w_quantiles(so, "length_quantiles", &st->length_quantiles);
    if (st->categories) {
        const struct sil_categories *cat = st->categories;
        cJSON *co = sil_jadd_object(so, "categories");
        sil_jadd_str(co, "encoding", encoding_names[cat->encoding]);
        cJSON *vals = sil_jadd_array(co, "values");
        for (size_t i = 0; i < cat->n; i++) {
            cJSON *v = sil_jadd_object(vals, NULL);
            sil_jadd_str(v, "value", cat->v[i].value);
            sil_jadd_num(v, "fraction", cat->v[i].fraction);
        }
        sil_jadd_num(co, "other_fraction", cat->other_fraction);
        if (cat->suppressed)
            sil_jadd_num(co, "suppressed", (double)cat->suppressed);
    }
    if (st->hour_of_week) {
        cJSON *h = sil_jadd_array(so, "hour_of_week");
        for (int i = 0; i < SIL_HOURS_PER_WEEK; i++)
            sil_jpush_num(h, st->hour_of_week[i]);
    }
}

static void w_fk(cJSON *arr, const struct sil_fk *fk)
{
    cJSON *o = sil_jadd_object(arr, NULL);
    sil_jadd_str(o, "name", fk->name);
    w_strv(o, "columns", fk->ncols, fk->cols);
    cJSON *ref = sil_jadd_object(o, "references");
    sil_jadd_str(ref, "schema", fk->ref_schema);
    sil_jadd_str(ref, "table", fk->ref_table);
    w_strv(ref, "columns", fk->ncols, fk->ref_cols);
    if (fk->on_delete != SIL_FK_NO_ACTION)
        sil_jadd_str(o, "on_delete", action_names[fk->on_delete]);
    if (fk->on_update != SIL_FK_NO_ACTION)
        sil_jadd_str(o, "on_update", action_names[fk->on_update]);
    if (fk->deferrable)
        sil_jadd_bool(o, "deferrable", 1);
    const struct sil_fkstats *st = fk->stats;
    if (!st)
        return;
    cJSON *so = sil_jadd_object(o, "stats");
    sil_jadd_num(so, "coverage", st->coverage);
    sil_jadd_num(so, "parents_with_children", st->parents_with_children);
    sil_jadd_num(so, "mean_children", st->mean_children);
    w_quantiles(so, "children_per_parent", &st->children_per_parent);
    if (st->has_heavy) {
        cJSON *h = sil_jadd_object(so, "heavy");
        sil_jadd_num(h, "threshold", (double)st->heavy_threshold);
        sil_jadd_num(h, "parent_fraction", st->heavy_parent_fraction);
        sil_jadd_num(h, "child_fraction", st->heavy_child_fraction);
    }
    if (st->arrival_column) {
        cJSON *a = sil_jadd_object(so, "arrival");
        sil_jadd_str(a, "column", st->arrival_column);
        sil_jadd_num(a, "burstiness", st->burstiness);
        w_quantiles(a, "gap_quantiles", &st->gap_quantiles);
    }
    if (st->sampled_parents)
        sil_jadd_num(so, "sampled_parents", (double)st->sampled_parents);
}

static void w_table(cJSON *arr, const struct sil_table *t)
{
    cJSON *o = sil_jadd_object(arr, NULL);
    sil_jadd_str(o, "schema", t->schema);
    sil_jadd_str(o, "name", t->name);
    sil_jadd_str(o, "kind", kind_names[t->kind]);
    cJSON *rows = sil_jadd_object(o, "rows");
    sil_jadd_num(rows, "count", (double)t->row_count);
    sil_jadd_str(rows, "method", rows_names[t->rows_method]);
    if (t->sampled_rows)
        sil_jadd_num(rows, "sampled", (double)t->sampled_rows);
    if (t->skipped != SIL_SKIP_NONE)
        sil_jadd_str(o, "skipped", skip_names[t->skipped]);
    if (t->partitioning) {
        const struct sil_partitioning *p = t->partitioning;
        cJSON *po = sil_jadd_object(o, "partitioning");
        sil_jadd_str(po, "strategy", p->strategy);
        w_strv(po, "key", p->nkeys, p->keys);
        cJSON *parts = sil_jadd_array(po, "partitions");
        for (size_t i = 0; i < p->nparts; i++) {
            cJSON *pp = sil_jadd_object(parts, NULL);
            sil_jadd_str(pp, "name", p->parts[i].name);
            sil_jadd_str(pp, "bound", p->parts[i].bound);
        }
    }
    if (t->npk)
        w_strv(o, "primary_key", t->npk, t->pk);
    if (t->nuniques) {
        cJSON *u = sil_jadd_array(o, "unique");
        for (size_t i = 0; i < t->nuniques; i++) {
            cJSON *uo = sil_jadd_object(u, NULL);
            sil_jadd_str(uo, "name", t->uniques[i].name);
            w_strv(uo, "columns", t->uniques[i].ncols, t->uniques[i].cols);
        }
    }
    w_checks(o, t->nchecks, t->checks);
    cJSON *cols = sil_jadd_array(o, "columns");
    for (size_t i = 0; i < t->ncols; i++)
        w_column(cols, &t->cols[i]);
    if (t->nfks) {
        cJSON *fks = sil_jadd_array(o, "foreign_keys");
        for (size_t i = 0; i < t->nfks; i++)
            w_fk(fks, &t->fks[i]);
    }
}

static cJSON *to_json(const struct sil_shape *s)
{
    cJSON *root = sil_jnew_object();
    sil_jadd_str(root, "format", SIL_SHAPE_FORMAT);
    sil_jadd_num(root, "version", SIL_SHAPE_VERSION);
    sil_jadd_str(root, "created_at", s->created_at ? s->created_at : "1970-01-01T00:00:00Z");
    if (s->expires_at)
        sil_jadd_str(root, "expires_at", s->expires_at);
    cJSON *src = sil_jadd_object(root, "source");
    sil_jadd_str(src, "kind", s->source.kind);
    if (s->source.fingerprint)
        sil_jadd_str(src, "fingerprint", s->source.fingerprint);
    if (s->source.server_version)
        sil_jadd_num(src, "server_version", s->source.server_version);
    if (s->source.locale)
        sil_jadd_str(src, "locale", s->source.locale);
    cJSON *tok = sil_jadd_object(root, "tokenization");
    sil_jadd_str(tok, "method", s->tokenization.method);
    if (s->tokenization.key_id)
        sil_jadd_str(tok, "key_id", s->tokenization.key_id);
    sil_jadd_num(tok, "token_length", s->tokenization.token_length);
    cJSON *priv = sil_jadd_object(root, "privacy");
    sil_jadd_num(priv, "k", s->privacy.k);
    sil_jadd_num(priv, "sample_rows", (double)s->privacy.sample_rows);
    sil_jadd_num(priv, "max_category_bytes", s->privacy.max_category_bytes);
    sil_jadd_str(priv, "noise", s->privacy.noise ? s->privacy.noise : "none");
    sil_jadd_bool(priv, "metadata_only", s->privacy.metadata_only);
    if (s->privacy.exact_count_threshold)
        sil_jadd_num(priv, "exact_count_threshold", (double)s->privacy.exact_count_threshold);
    if (s->has_audit) {
        cJSON *a = sil_jadd_object(root, "audit");
        sil_jadd_str(a, "log_checksum", s->audit.log_checksum);
        sil_jadd_num(a, "statements", (double)s->audit.statements);
    }
    if (s->nenums) {
        cJSON *arr = sil_jadd_array(root, "enums");
        for (size_t i = 0; i < s->nenums; i++) {
            cJSON *e = sil_jadd_object(arr, NULL);
            sil_jadd_str(e, "schema", s->enums[i].schema);
            sil_jadd_str(e, "name", s->enums[i].name);
            w_strv(e, "labels", s->enums[i].nlabels, s->enums[i].labels);
        }
    }
    if (s->ndomains) {
        cJSON *arr = sil_jadd_array(root, "domains");
        for (size_t i = 0; i < s->ndomains; i++) {
            const struct sil_domain *d = &s->domains[i];
            cJSON *e = sil_jadd_object(arr, NULL);
            sil_jadd_str(e, "schema", d->schema);
            sil_jadd_str(e, "name", d->name);
            w_type(e, "type", &d->type);
            if (d->not_null)
                sil_jadd_bool(e, "not_null", 1);
            w_checks(e, d->nchecks, d->checks);
        }
    }
    cJSON *tables = sil_jadd_array(root, "tables");
    for (size_t i = 0; i < s->ntables; i++)
        w_table(tables, &s->tables[i]);
    return root;
}

void sil_shape_checksum(const struct sil_shape *s, char out[100])
{
    cJSON *root = to_json(s);
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write(root, &b);
    sil_checksum(b.data, b.len, out);
    sil_buf_release(&b);
    cJSON_Delete(root);
}

void sil_shape_write(const struct sil_shape *s, struct sil_buf *out)
{
    char sum[100];
    sil_shape_checksum(s, sum);
    cJSON *root = to_json(s);
    sil_jadd_str(root, "checksum", sum);
    sil_json_write(root, out);
    cJSON_Delete(root);
}

int sil_shape_write_file(const struct sil_shape *s, const char *path, struct sil_err *err)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_shape_write(s, &b);
    int r = sil_write_file_atomic(path, b.data, b.len, 0644, err);
    sil_buf_release(&b);
    return r;
}
