/* REST records in memory: flattening, inference, keys and statistics. */
#include "restdata.h"

#include <ctype.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cstats.h"
#include "json.h"
#include "log.h"

enum rkind { RK_NONE = 0, RK_OBJ, RK_BOOL, RK_NUM, RK_STR, RK_JSON };

static const char *const kind_names[] = {"null",     "an object", "a boolean",
                                         "a number", "a string",  "an array or deep object"};

enum rtype {
    RT_TEXT,
    RT_BOOL,
    RT_INT,
    RT_BIGINT,
    RT_NUMERIC,
    RT_UUID,
    RT_DATE,
    RT_TS,
    RT_TSTZ,
    RT_JSONB
};

struct rval {
    char *s; /* string values and JSON text; NULL for null and numbers */
    size_t len;
    double d; /* numbers, booleans (0/1), dates and times (epoch seconds) */
    int null;
};

struct rcol {
    char *name;
    enum rkind kind;
    int first_page;
    size_t n, cap;
    struct rval *v;
    /* Inference. */
    enum rtype type;
    size_t nonnull;
    int unique; /* every non-null value distinct */
    int wiped;
};

struct sampler_rtable {
    char *name;
    size_t nrec;
    size_t ncols, cap;
    struct rcol *cols;
    size_t hint; /* where the next field is looked up first */
};

struct sampler_rtable *sampler_rtable_new(const char *name)
{
    struct sampler_rtable *t = sil_xcalloc(1, sizeof *t);
    t->name = sil_xstrdup(name);
    return t;
}

static void col_wipe(struct rcol *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].s) {
            sodium_memzero(c->v[i].s, c->v[i].len);
            free(c->v[i].s);
        }
    if (c->v)
        sodium_memzero(c->v, c->n * sizeof *c->v);
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
    c->wiped = 1;
}

void sampler_rtable_free(struct sampler_rtable *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++) {
        col_wipe(&t->cols[i]);
        free(t->cols[i].name);
    }
    free(t->cols);
    free(t->name);
    free(t);
}

size_t sampler_rtable_count(const struct sampler_rtable *t)
{
    return t->nrec;
}

char *sampler_snake_case(const char *name)
{
    size_t n = strlen(name);
    char *out = sil_xmalloc(2 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '-' || c == '.' || c == ' ') {
            out[o++] = '_';
            continue;
        }
        if (isupper(c) && i > 0) {
            unsigned char p = (unsigned char)name[i - 1];
            unsigned char nx = i + 1 < n ? (unsigned char)name[i + 1] : 0;
            if (islower(p) || isdigit(p) || (isupper(p) && islower(nx)))
                if (o > 0 && out[o - 1] != '_')
                    out[o++] = '_';
        }
        out[o++] = (char)(c < 0x80 ? tolower(c) : c);
    }
    out[o] = '\0';
    return out;
}

/* ---- adding records ---- */

static struct rcol *find_col(struct sampler_rtable *t, const char *name)
{
    if (t->hint < t->ncols && strcmp(t->cols[t->hint].name, name) == 0)
        return &t->cols[t->hint++];
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0) {
            t->hint = i + 1;
            return &t->cols[i];
        }
    return NULL;
}

/* Text of JSON values in jsonb's spacing (", " and ": "). */
static void jsonb_text(const cJSON *n, struct sil_buf *b)
{
    if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
        int obj = cJSON_IsObject(n);
        sil_buf_addc(b, obj ? '{' : '[');
        for (const cJSON *c = n->child; c; c = c->next) {
            if (c != n->child)
                sil_buf_adds(b, ", ");
            if (obj) {
                sil_json_write_string(b, c->string);
                sil_buf_adds(b, ": ");
            }
            jsonb_text(c, b);
        }
        sil_buf_addc(b, obj ? '}' : ']');
    } else if (cJSON_IsString(n)) {
        sil_json_write_string(b, n->valuestring);
    } else if (cJSON_IsNumber(n)) {
        sil_json_write_number(b, n->valuedouble);
    } else if (cJSON_IsBool(n)) {
        sil_buf_adds(b, cJSON_IsTrue(n) ? "true" : "false");
    } else {
        sil_buf_adds(b, "null");
    }
}

static enum rkind kind_of(const cJSON *v, int depth)
{
    if (cJSON_IsNull(v))
        return RK_NONE;
    if (cJSON_IsBool(v))
        return RK_BOOL;
    if (cJSON_IsNumber(v))
        return RK_NUM;
    if (cJSON_IsString(v))
        return RK_STR;
    if (cJSON_IsObject(v) && depth < SAMPLER_REST_DEPTH)
        return RK_OBJ;
    return RK_JSON;
}

static int add_value(struct sampler_rtable *t, const char *name, const cJSON *v, int depth,
                     int page, struct sil_err *err);

static int add_fields(struct sampler_rtable *t, const char *prefix, const cJSON *obj, int depth,
                      int page, struct sil_err *err)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        char name[SIL_IDENT_MAX + 2];
        if ((prefix ? sil_snprintf(name, sizeof name, "%s_%s", prefix, m->string)
                    : sil_snprintf(name, sizeof name, "%s", m->string)) < 0 ||
            !sil_ident_valid(name)) {
            /* A name that cannot be a column (too long, control characters) is left out. */
            continue;
        }
        if (add_value(t, name, m, depth, page, err) < 0)
            return -1;
    }
    return 0;
}

static int add_value(struct sampler_rtable *t, const char *name, const cJSON *v, int depth,
                     int page, struct sil_err *err)
{
    enum rkind k = kind_of(v, depth);
    struct rcol *c = find_col(t, name);
    if (!c) {
        if (t->ncols >= SAMPLER_REST_MAX_FIELDS)
            return sil_err_set(err, SIL_ENET,
                               "entity \"%s\": more than %d fields (record %zu, page %d)", t->name,
                               SAMPLER_REST_MAX_FIELDS, t->nrec, page);
        t->cols = sil_xgrow(t->cols, sizeof *t->cols, t->ncols + 1, &t->cap);
        c = &t->cols[t->ncols++];
        memset(c, 0, sizeof *c);
        c->name = sil_xstrdup(name);
        c->first_page = page;
        t->hint = t->ncols;
    }
    if (k != RK_NONE) {
        if (c->kind == RK_NONE) {
            c->kind = k;
        } else if (c->kind != k) {
            return sil_err_set(err, SIL_ENET,
                               "entity \"%s\" changed shape: field \"%s\" is %s in record %zu "
                               "(page %d), %s before",
                               t->name, name, kind_names[k], t->nrec, page, kind_names[c->kind]);
        }
    }
    if (k == RK_OBJ)
        return add_fields(t, name, v, depth + 1, page, err);
    if (c->n >= t->nrec) /* the same name twice in one record (a flattening clash) */
        return 0;
    /* Earlier records without the field hold null. */
    c->v = sil_xgrow(c->v, sizeof *c->v, t->nrec, &c->cap);
    while (c->n + 1 < t->nrec)
        c->v[c->n++] = (struct rval){NULL, 0, 0, 1};
    struct rval *r = &c->v[c->n++];
    memset(r, 0, sizeof *r);
    switch (k) {
    case RK_NONE:
        r->null = 1;
        break;
    case RK_BOOL:
        r->d = cJSON_IsTrue(v);
        break;
    case RK_NUM:
        r->d = v->valuedouble;
        if (!isfinite(r->d))
            r->null = 1;
        break;
    case RK_STR:
        r->len = strlen(v->valuestring);
        r->s = sil_xstrndup(v->valuestring, r->len);
        break;
    default: {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        jsonb_text(v, &b);
        r->s = sil_buf_detach(&b, &r->len);
        break;
    }
    }
    return 0;
}

int sampler_rtable_add(struct sampler_rtable *t, const cJSON *record, int page, struct sil_err *err)
{
    if (!cJSON_IsObject(record))
        return sil_err_set(err, SIL_ENET,
                           "entity \"%s\" changed shape: record %zu of page %d is not an object",
                           t->name, t->nrec + 1, page);
    t->nrec++;
    t->hint = 0;
    if (add_fields(t, NULL, record, 0, page, err) < 0)
        return -1;
    for (size_t i = 0; i < t->ncols; i++) {
        struct rcol *c = &t->cols[i];
        if (c->kind == RK_OBJ)
            continue;
        c->v = sil_xgrow(c->v, sizeof *c->v, t->nrec, &c->cap);
        while (c->n < t->nrec)
            c->v[c->n++] = (struct rval){NULL, 0, 0, 1};
    }
    return 0;
}

/* ---- type inference ---- */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DD: 1 and the epoch seconds of its midnight. */
static int parse_date(const char *s, size_t n, double *out)
{
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    *out = (double)days_from_civil(y, m, d) * 86400;
    return 1;
}

/*
 * RFC 3339 date-time (T or space): 1 without an offset, 2 with one (Z or
 * +hh:mm), 0 when it is not one. *out is epoch seconds (UTC).
 */
static int parse_datetime(const char *s, size_t n, double *out)
{
    double day;
    if (n < 19 || !parse_date(s, 10, &day) || (s[10] != 'T' && s[10] != ' ') ||
        !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
        !digits(s + 17, 2))
        return 0;
    int hh = (s[11] - '0') * 10 + (s[12] - '0'), mi = (s[14] - '0') * 10 + (s[15] - '0'),
        ss = (s[17] - '0') * 10 + (s[18] - '0');
    if (hh > 23 || mi > 59 || ss > 60)
        return 0;
    double t = day + hh * 3600 + mi * 60 + ss;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        size_t j = ++i;
        double f = 0, scale = 0.1;
        while (i < n && isdigit((unsigned char)s[i]) && i - j < 9) {
            f += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == j || (i < n && isdigit((unsigned char)s[i])))
            return 0;
        t += f;
    }
    if (i == n) {
        *out = t;
        return 1;
    }
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        *out = t;
        return 2;
    }
    if ((s[i] == '+' || s[i] == '-') && i + 6 == n && digits(s + i + 1, 2) && s[i + 3] == ':' &&
        digits(s + i + 4, 2)) {
        int oh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0'),
            om = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
        if (oh > 23 || om > 59)
            return 0;
        double off = oh * 3600 + om * 60;
        *out = s[i] == '+' ? t - off : t + off;
        return 2;
    }
    return 0;
}

static int is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static void infer_type(struct rcol *c)
{
    c->nonnull = 0;
    for (size_t i = 0; i < c->n; i++)
        c->nonnull += !c->v[i].null;
    switch (c->kind) {
    case RK_BOOL:
        c->type = RT_BOOL;
        return;
    case RK_NUM: {
        int ints = 1, small = 1;
        for (size_t i = 0; i < c->n; i++) {
            if (c->v[i].null)
                continue;
            double d = c->v[i].d;
            if (d != floor(d) || fabs(d) >= 9007199254740992.0)
                ints = 0;
            else if (d < -2147483648.0 || d > 2147483647.0)
                small = 0;
        }
        c->type = !ints ? RT_NUMERIC : small ? RT_INT : RT_BIGINT;
        return;
    }
    case RK_STR: {
        int uuid = 1, date = 1, ts = 1, tstz = 1;
        for (size_t i = 0; i < c->n && (uuid || date || ts || tstz); i++) {
            const struct rval *r = &c->v[i];
            if (r->null)
                continue;
            double e;
            uuid = uuid && is_uuid(r->s, r->len);
            date = date && r->len == 10 && parse_date(r->s, 10, &e);
            int dt = parse_datetime(r->s, r->len, &e);
            ts = ts && dt == 1;
            tstz = tstz && dt == 2;
        }
        c->type = c->nonnull == 0 ? RT_TEXT
                  : uuid          ? RT_UUID
                  : date          ? RT_DATE
                  : tstz          ? RT_TSTZ
                  : ts            ? RT_TS
                                  : RT_TEXT;
        if (c->type == RT_DATE || c->type == RT_TS || c->type == RT_TSTZ)
            for (size_t i = 0; i < c->n; i++)
                if (!c->v[i].null) {
                    if (c->type == RT_DATE)
                        (void)parse_date(c->v[i].s, c->v[i].len, &c->v[i].d);
                    else
                        (void)parse_datetime(c->v[i].s, c->v[i].len, &c->v[i].d);
                }
        return;
    }
    case RK_JSON:
        c->type = RT_JSONB;
        return;
    default:
        c->type = RT_TEXT;
        return;
    }
}

static int is_num_type(enum rtype t)
{
    return t == RT_INT || t == RT_BIGINT || t == RT_NUMERIC || t == RT_BOOL || t == RT_DATE ||
           t == RT_TS || t == RT_TSTZ;
}

/* Same value: numbers compare as doubles, strings as bytes. */
static int val_eq(const struct rval *a, const struct rval *b, int num)
{
    if (num)
        return a->d == b->d;
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static uint64_t val_hash(const struct rval *v, int num)
{
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p;
    size_t n;
    double d = v->d == 0 ? 0 : v->d; /* -0 and 0 hash alike */
    if (num) {
        p = (const unsigned char *)&d;
        n = sizeof d;
    } else {
        p = (const unsigned char *)v->s;
        n = v->len;
    }
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* An open-addressing set of a column's values, mapping each to its first index. */
struct vset {
    size_t cap;
    int64_t *slot; /* index into col->v, or -1 */
    const struct rcol *c;
    int num;
};

static void vset_init(struct vset *s, const struct rcol *c, size_t limit)
{
    s->c = c;
    s->num = is_num_type(c->type);
    s->cap = 16;
    while (s->cap < 2 * limit + 1)
        s->cap *= 2;
    s->slot = sil_xmalloc(s->cap * sizeof *s->slot);
    for (size_t i = 0; i < s->cap; i++)
        s->slot[i] = -1;
}

static void vset_release(struct vset *s)
{
    free(s->slot);
}

/* Index of an equal value, or -1. */
static int64_t vset_find(const struct vset *s, const struct rval *v)
{
    size_t i = (size_t)val_hash(v, s->num) & (s->cap - 1);
    while (s->slot[i] >= 0) {
        if (val_eq(&s->c->v[s->slot[i]], v, s->num))
            return s->slot[i];
        i = (i + 1) & (s->cap - 1);
    }
    return -1;
}

/* Insert value index `idx`; returns the index already there, or -1 when new. */
static int64_t vset_add(struct vset *s, size_t idx)
{
    const struct rval *v = &s->c->v[idx];
    size_t i = (size_t)val_hash(v, s->num) & (s->cap - 1);
    while (s->slot[i] >= 0) {
        if (val_eq(&s->c->v[s->slot[i]], v, s->num))
            return s->slot[i];
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = (int64_t)idx;
    return -1;
}

static void infer_unique(struct rcol *c)
{
    c->unique = 0;
    if (c->nonnull == 0 || c->type == RT_JSONB || c->type == RT_BOOL)
        return;
    struct vset s;
    vset_init(&s, c, c->nonnull);
    int uniq = 1;
    for (size_t i = 0; i < c->n && uniq; i++)
        if (!c->v[i].null && vset_add(&s, i) >= 0)
            uniq = 0;
    vset_release(&s);
    c->unique = uniq;
}

/* ---- building the shape ---- */

struct rtab {
    struct sampler_rtable *rt;
    struct sil_table *t;
    struct sampler_tabinfo *ti;
    int *colmap; /* shape column -> rt column */
    int pk;      /* shape column of the primary key, or -1 */
    char *cands[4];
    size_t fkcap;
};

static void set_type(struct sil_type *ty, struct sampler_colinfo *ci, enum rtype rt)
{
    static const enum sil_type_base base[] = {
        SIL_T_TEXT, SIL_T_BOOLEAN, SIL_T_INTEGER,   SIL_T_BIGINT,      SIL_T_NUMERIC,
        SIL_T_UUID, SIL_T_DATE,    SIL_T_TIMESTAMP, SIL_T_TIMESTAMPTZ, SIL_T_JSONB};
    static const enum sampler_vkind vk[] = {
        SAMPLER_V_TEXT,        SAMPLER_V_BOOL, SAMPLER_V_NUMBER, SAMPLER_V_NUMBER,
        SAMPLER_V_NUMBER,      SAMPLER_V_NONE, SAMPLER_V_DATE,   SAMPLER_V_TIMESTAMP,
        SAMPLER_V_TIMESTAMPTZ, SAMPLER_V_JSON};
    sil_type_init(ty, base[rt]);
    ci->vkind = vk[rt];
    ci->integer = rt == RT_INT || rt == RT_BIGINT;
    ci->distinct_ok = 1;
    ci->json_plain = 0;
}

static int idlike(const char *snake)
{
    size_t n = strlen(snake);
    if (!strcmp(snake, "id") || !strcmp(snake, "uuid") || !strcmp(snake, "guid"))
        return 1;
    return (n > 3 && !strcmp(snake + n - 3, "_id")) || (n > 5 && !strcmp(snake + n - 5, "_uuid")) ||
           (n > 5 && !strcmp(snake + n - 5, "_guid")) || (n > 4 && !strcmp(snake + n - 4, "_key"));
}

static char *singular(const char *s)
{
    size_t n = strlen(s);
    if (n > 3 && !strcmp(s + n - 3, "ies"))
        return sil_xasprintf("%.*sy", (int)(n - 3), s);
    if (n > 4 && (!strcmp(s + n - 4, "sses") || !strcmp(s + n - 4, "ches") ||
                  !strcmp(s + n - 4, "shes") || !strcmp(s + n - 3, "xes")))
        return sil_xstrndup(s, n - 2);
    if (n > 1 && s[n - 1] == 's' && s[n - 2] != 's')
        return sil_xstrndup(s, n - 1);
    return sil_xstrdup(s);
}

/* The primary key: unique, non-null, id-like; "id" first, then <entity>_id, then any. */
static int choose_pk(struct rtab *r, const char *ent_singular)
{
    int best = -1, best_score = 0;
    for (size_t i = 0; i < r->t->ncols; i++) {
        struct rcol *c = &r->rt->cols[r->colmap[i]];
        if (!c->unique || c->nonnull != r->rt->nrec || r->rt->nrec == 0)
            continue;
        if (c->type != RT_INT && c->type != RT_BIGINT && c->type != RT_UUID && c->type != RT_TEXT)
            continue;
        char *sn = sampler_snake_case(c->name);
        int score = 0;
        if (!strcmp(sn, "id"))
            score = 3;
        else if (idlike(sn) && ent_singular && !strncmp(sn, ent_singular, strlen(ent_singular)) &&
                 sn[strlen(ent_singular)] == '_')
            score = 2;
        else if (idlike(sn))
            score = 1;
        free(sn);
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    return best;
}

/* The base a foreign-key column names: team_id -> team, team_reference_id -> team. */
static char *fk_base(const char *colname)
{
    char *s = sampler_snake_case(colname);
    size_t n = strlen(s);
    static const char *const tails[] = {"_id", "_uuid", "_guid", "_key", NULL};
    int cut = 0;
    for (int i = 0; tails[i]; i++) {
        size_t tl = strlen(tails[i]);
        if (n > tl && !strcmp(s + n - tl, tails[i])) {
            s[n - tl] = '\0';
            n -= tl;
            cut = 1;
            break;
        }
    }
    static const char *const refs[] = {"_reference", "_ref", NULL};
    for (int i = 0; refs[i]; i++) {
        size_t tl = strlen(refs[i]);
        if (n > tl && !strcmp(s + n - tl, refs[i])) {
            s[n - tl] = '\0';
            n -= tl;
            cut = 1;
            break;
        }
    }
    if (!cut || n == 0) {
        free(s);
        return NULL;
    }
    return s;
}

static int names_entity(const struct rtab *p, const char *base)
{
    for (int i = 0; i < 4; i++)
        if (p->cands[i] && !strcmp(p->cands[i], base))
            return 1;
    return 0;
}

static int types_match(enum rtype a, enum rtype b)
{
    if ((a == RT_INT || a == RT_BIGINT) && (b == RT_INT || b == RT_BIGINT))
        return 1;
    return a == b && (a == RT_UUID || a == RT_TEXT);
}

/* Share of the child's non-null values found among the parent's key values. */
static double containment(const struct rcol *child, const struct rcol *parent, size_t *nonnull)
{
    struct vset s;
    vset_init(&s, parent, parent->n);
    for (size_t i = 0; i < parent->n; i++)
        if (!parent->v[i].null)
            (void)vset_add(&s, i);
    size_t all = 0, ok = 0;
    for (size_t i = 0; i < child->n; i++) {
        if (child->v[i].null)
            continue;
        all++;
        ok += vset_find(&s, &child->v[i]) >= 0;
    }
    vset_release(&s);
    *nonnull = all;
    return all ? (double)ok / (double)all : 0;
}

/* Bytes of s that fit in max without cutting a UTF-8 character. */
static size_t utf8_fit(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* "<table>_<column><n><suffix>", cut to 63 bytes, not taken by another constraint. */
static const char *unique_name(struct sil_arena *a, const struct sil_table *t, const char *tab,
                               const char *col, const char *suffix)
{
    char name[SIL_IDENT_MAX + 1];
    for (int attempt = 0; attempt < 100; attempt++) {
        char num[16] = "";
        if (attempt)
            snprintf(num, sizeof num, "%d", attempt);
        size_t room = SIL_IDENT_MAX - strlen(suffix) - strlen(num) - 1;
        size_t tl = utf8_fit(tab, room / 2);
        size_t cl = utf8_fit(col, room - tl);
        snprintf(name, sizeof name, "%.*s_%.*s%s%s", (int)tl, tab, (int)cl, col, num, suffix);
        int taken = 0;
        for (size_t i = 0; i < t->nuniques; i++)
            taken |= !strcmp(t->uniques[i].name, name);
        for (size_t i = 0; i < t->nfks; i++)
            taken |= !strcmp(t->fks[i].name, name);
        if (!taken && sil_ident_valid(name))
            return sil_arena_strdup(a, name);
    }
    return NULL;
}

static void add_fk(struct sil_shape *s, struct rtab *ch, size_t col, struct rtab *par, size_t pidx,
                   double cov)
{
    struct sil_table *t = ch->t;
    const char *name = unique_name(s->arena, t, t->name, t->cols[col].name, "_fkey");
    if (!name)
        return;
    t->fks = sil_arena_grow(s->arena, t->fks, sizeof *t->fks, t->nfks + 1, &ch->fkcap);
    struct sil_fk *fk = &t->fks[t->nfks++];
    memset(fk, 0, sizeof *fk);
    fk->name = name;
    fk->ncols = 1;
    fk->cols = sil_arena_strv(s->arena, &t->cols[col].name, 1);
    fk->ref_schema = par->t->schema;
    fk->ref_table = par->t->name;
    fk->ref_cols = sil_arena_strv(s->arena, &par->t->cols[par->pk].name, 1);
    fk->ref_index = pidx;
    /* The key column takes the parent key's type (integer vs bigint). */
    t->cols[col].type = par->t->cols[par->pk].type;
    sil_log_verbose("%s.%s: foreign key to %s.%s (%.1f%% of the values found)", t->name,
                    t->cols[col].name, par->t->name, par->t->cols[par->pk].name, 100 * cov);
}

static void detect_fks(struct sil_shape *s, struct rtab *r, size_t nt,
                       const struct sampler_apidesc *d)
{
    for (size_t ti = 0; ti < nt; ti++) {
        struct rtab *ch = &r[ti];
        const struct sampler_entity *en = &d->entities[ti];
        if (ch->colmap[0] < 0)
            continue; /* no records */
        for (size_t ci = 0; ci < ch->t->ncols; ci++) {
            struct rcol *cc = &ch->rt->cols[ch->colmap[ci]];
            if (cc->nonnull == 0)
                continue;
            /* Candidates: a hint in the description, else the name. */
            int hinted = -1;
            for (size_t h = 0; h < en->nfks; h++)
                if (!strcmp(en->fks[h].column, ch->t->cols[ci].name))
                    hinted = (int)h;
            char *base = hinted < 0 ? fk_base(ch->t->cols[ci].name) : NULL;
            char *last = NULL;
            if (base && strrchr(base, '_'))
                last = sil_xstrdup(strrchr(base, '_') + 1);
            for (size_t pi = 0; pi < nt; pi++) {
                struct rtab *par = &r[pi];
                /* A key may be the child's own primary key (one-to-one), never itself. */
                if (par->pk < 0 || (pi == ti && (int)ci == ch->pk))
                    continue;
                if (hinted >= 0) {
                    const struct sampler_fkhint *hk = &en->fks[hinted];
                    if (strcmp(hk->ref_entity, par->t->name) != 0)
                        continue;
                    if (strcmp(hk->ref_column, par->t->cols[par->pk].name) != 0) {
                        sil_log_warn("%s.%s: the foreign key hint names %s.%s, which is not the "
                                     "primary key found (%s); left out",
                                     ch->t->name, ch->t->cols[ci].name, par->t->name,
                                     hk->ref_column, par->t->cols[par->pk].name);
                        continue;
                    }
                } else if (!base ||
                           !(names_entity(par, base) || (last && names_entity(par, last)))) {
                    continue;
                }
                struct rcol *pc = &par->rt->cols[par->colmap[par->pk]];
                if (!types_match(cc->type, pc->type))
                    continue;
                size_t nn = 0;
                double cov = containment(cc, pc, &nn);
                if (cov >= SAMPLER_REST_FK_COVERAGE) {
                    add_fk(s, ch, ci, par, pi, cov);
                    break;
                }
                sil_log_verbose("%s.%s: not a foreign key to %s: only %.1f%% of its values are "
                                "there",
                                ch->t->name, ch->t->cols[ci].name, par->t->name, 100 * cov);
            }
            free(base);
            free(last);
        }
    }
}

/* The child column whose times describe arrivals: as the PostgreSQL path chooses. */
static int arrival_column(const struct sil_table *t, const struct sampler_tabinfo *ti,
                          size_t keycol)
{
    static const char *const hints[] = {"creat", "sent",  "post",   "insert", "occur", "book",
                                        "join",  "arriv", "receiv", "_at",    NULL};
    int best = -1, best_score = -1;
    for (size_t i = 0; i < t->ncols; i++) {
        enum sampler_vkind v = ti->cols[i].vkind;
        if ((v != SAMPLER_V_TIMESTAMP && v != SAMPLER_V_TIMESTAMPTZ && v != SAMPLER_V_DATE) ||
            i == keycol)
            continue;
        int score = t->cols[i].nullable ? 0 : 4;
        const char *nm = ti->cols[i].match_name ? ti->cols[i].match_name : t->cols[i].name;
        for (int h = 0; hints[h]; h++)
            if (strstr(nm, hints[h])) {
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

/* ---- column statistics, as pgstats.c computes them ---- */

static void column_stats(struct sil_arena *a, struct sil_table *t, size_t ci, struct rcol *c,
                         struct sampler_colinfo *info, const struct sampler_statopts *o)
{
    struct sil_column *col = &t->cols[ci];
    int64_t nrec = (int64_t)c->n, nonnull = (int64_t)c->nonnull;
    struct sil_colstats *st = sil_arena_alloc(a, sizeof *st);
    st->null_fraction = (double)(nrec - nonnull) / (double)nrec;
    col->stats = st;
    /* Classification by value: the first 200 non-null values, each cut to 1024 characters. */
    if (o->classify && nonnull > 0 && sampler_classify_wants_values(col, info)) {
        const char *vals[SAMPLER_CLASSIFY_VALUES];
        size_t lens[SAMPLER_CLASSIFY_VALUES], n = 0;
        for (size_t i = 0; i < c->n && n < SAMPLER_CLASSIFY_VALUES; i++)
            if (!c->v[i].null) {
                vals[n] = c->v[i].s;
                lens[n++] = sampler_c_left(c->v[i].s, c->v[i].len, SAMPLER_CLASSIFY_BYTES);
            }
        enum sil_class before = col->classification;
        if (sampler_classify_values(o->classify, col, info, vals, lens, n))
            sil_log_verbose("%s: %s by its values (was %s)", col->name,
                            sil_class_name(col->classification), sil_class_name(before));
    }
    /* Numbers, times and lengths: k-protected quantiles; distinct values. */
    int64_t ndistinct = -1;
    enum sampler_vkind vk = info->vkind;
    int length = vk == SAMPLER_V_TEXT || vk == SAMPLER_V_JSON;
    int numeric = vk == SAMPLER_V_NUMBER || vk == SAMPLER_V_DATE || vk == SAMPLER_V_TIMESTAMP ||
                  vk == SAMPLER_V_TIMESTAMPTZ;
    if (nonnull > 0 && (numeric || length)) {
        double *v = sil_xmalloc((size_t)nonnull * sizeof *v);
        size_t n = 0;
        for (size_t i = 0; i < c->n; i++)
            if (!c->v[i].null)
                v[n++] = length ? (double)sampler_c_chars(c->v[i].s, c->v[i].len) : c->v[i].d;
        sampler_quantiles_from_values(a, v, n, o->k,
                                      length ? &st->length_quantiles : &st->quantiles);
        if (numeric)
            ndistinct = sampler_c_distinct_numbers(v, n);
        free(v);
    }
    struct sampler_cstr *sv = NULL;
    size_t nsv = 0;
    int texty = vk == SAMPLER_V_TEXT || vk == SAMPLER_V_JSON || vk == SAMPLER_V_NONE;
    if (nonnull > 0 &&
        (texty || vk == SAMPLER_V_BOOL || (vk == SAMPLER_V_NUMBER && info->integer))) {
        /* The text form of each value: what `::text` gives in SQL. */
        sv = sil_xcalloc((size_t)nonnull, sizeof *sv);
        char **owned = NULL;
        size_t nown = 0;
        if (!texty)
            owned = sil_xcalloc((size_t)nonnull, sizeof *owned);
        for (size_t i = 0; i < c->n; i++) {
            if (c->v[i].null)
                continue;
            if (texty) {
                sv[nsv].s = c->v[i].s;
                sv[nsv++].len = c->v[i].len;
            } else {
                char *x = vk == SAMPLER_V_BOOL ? sil_xstrdup(c->v[i].d != 0 ? "true" : "false")
                                               : sil_xasprintf("%lld", (long long)c->v[i].d);
                owned[nown++] = x;
                sv[nsv].s = x;
                sv[nsv++].len = strlen(x);
            }
        }
        if (ndistinct < 0)
            ndistinct = vk == SAMPLER_V_TEXT ? sampler_c_distinct_text(sv, nsv)
                                             : sampler_c_distinct_text(sv, nsv);
        st->distinct_fraction = (double)ndistinct / (double)nonnull;
        /* Categories: as categorical() in pgstats.c decides. */
        int kind_ok = vk == SAMPLER_V_TEXT || vk == SAMPLER_V_BOOL ||
                      (vk == SAMPLER_V_NUMBER && info->integer);
        if (kind_ok && ndistinct <= o->max_categories &&
            (vk == SAMPLER_V_BOOL || ndistinct * 2 <= nonnull) &&
            sampler_cat_encoding(o->protect, col->classification, info->pol.categories) >= 0) {
            struct sampler_catvalue *cv = NULL;
            size_t ncv = sampler_c_categories(sv, nsv, o->k, (size_t)o->max_fetch_bytes,
                                              (size_t)o->max_categories + 1, &cv);
            struct sampler_catinput in = {cv, ncv, nonnull,
                                          ndistinct > (int64_t)ncv ? ndistinct - (int64_t)ncv : 0};
            st->categories = sampler_protect_categories(a, o->protect, col->classification,
                                                        info->pol.categories, &in);
            free(cv);
        }
        for (size_t i = 0; i < nown; i++) {
            sodium_memzero(owned[i], strlen(owned[i]));
            free(owned[i]);
        }
        free(owned);
        free(sv);
    } else {
        st->distinct_fraction =
            ndistinct >= 0 && nonnull > 0 ? (double)ndistinct / (double)nonnull : -1;
    }
    if (nonnull > 0 && (vk == SAMPLER_V_TIMESTAMP || vk == SAMPLER_V_TIMESTAMPTZ)) {
        int64_t counts[SIL_HOURS_PER_WEEK] = {0};
        for (size_t i = 0; i < c->n; i++)
            if (!c->v[i].null)
                counts[sampler_c_hour_of_week(c->v[i].d)]++;
        st->hour_of_week = sampler_hour_of_week(a, counts, nonnull, o->k);
    }
}

/* ---- foreign-key statistics, as pgstats.c computes them ---- */

struct gap_item {
    size_t parent;
    double t;
};

static int cmp_gap(const void *a, const void *b)
{
    const struct gap_item *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static void fk_stats(struct sil_shape *s, struct rtab *r, size_t ti, size_t fi,
                     const struct sampler_statopts *o)
{
    struct rtab *ch = &r[ti];
    struct sil_fk *fk = &ch->t->fks[fi];
    struct rtab *par = &r[fk->ref_index];
    if (ch->t->sampled_rows == 0 || par->t->sampled_rows == 0)
        return;
    int kc = sil_table_column(ch->t, fk->cols[0]);
    const struct rcol *cc = &ch->rt->cols[ch->colmap[kc]];
    const struct rcol *pc = &par->rt->cols[par->colmap[par->pk]];
    struct sil_fkstats *st = sil_arena_alloc(s->arena, sizeof *st);
    /* Coverage over the child's non-null keys, against every parent read. */
    size_t nn = 0;
    st->coverage = containment(cc, pc, &nn);
    if (nn == 0)
        st->coverage = 1;
    /* Parents sampled: the same bound as the PostgreSQL path. */
    int64_t np = o->fk_parents;
    double pbase = (double)par->t->row_count;
    double mean = pbase > 0 ? (double)ch->t->row_count / pbase : 0;
    if (mean > 0) {
        double fit = SAMPLER_CHILD_BUDGET * (double)o->sample_rows / mean;
        int64_t floor_np = 2 * (int64_t)o->k;
        if (fit < (double)np)
            np = fit > (double)floor_np ? (int64_t)fit : floor_np;
    }
    size_t nparents = SIL_MIN((size_t)np, pc->n);
    struct rcol sub = *pc;
    sub.n = nparents;
    struct vset ps;
    vset_init(&ps, &sub, nparents);
    for (size_t i = 0; i < nparents; i++)
        (void)vset_add(&ps, i);
    double *counts = sil_xcalloc(nparents + 1, sizeof *counts);
    int ac = arrival_column(ch->t, ch->ti, (size_t)kc);
    const struct rcol *acol = ac >= 0 ? &ch->rt->cols[ch->colmap[ac]] : NULL;
    struct gap_item *gi = acol ? sil_xcalloc(cc->n + 1, sizeof *gi) : NULL;
    size_t ngi = 0;
    for (size_t i = 0; i < cc->n; i++) {
        if (cc->v[i].null)
            continue;
        int64_t p = vset_find(&ps, &cc->v[i]);
        if (p < 0)
            continue;
        counts[p]++;
        if (acol && !acol->v[i].null)
            gi[ngi++] = (struct gap_item){(size_t)p, acol->v[i].d};
    }
    vset_release(&ps);
    int have = sampler_c_fk_children(s->arena, counts, nparents, o->k, o->heavy_threshold, st) == 0;
    free(counts);
    if (have && acol) {
        qsort(gi, ngi, sizeof *gi, cmp_gap);
        double *gaps = sil_xcalloc(ngi + 1, sizeof *gaps);
        size_t ng = 0;
        for (size_t i = 1; i < ngi; i++)
            if (gi[i].parent == gi[i - 1].parent)
                gaps[ng++] = gi[i].t - gi[i - 1].t;
        if (sampler_c_fk_arrival(s->arena, gaps, ng, o->k, st) == 0)
            st->arrival_column = ch->t->cols[ac].name;
        free(gaps);
    }
    free(gi);
    fk->stats = have ? st : NULL;
}

/* Unique keys the generator should keep: identifiers and personal keys distinct in every row. */
static void add_uniques(struct sil_shape *s, struct rtab *r, const struct sampler_statopts *o)
{
    struct sil_table *t = r->t;
    for (size_t i = 0; i < t->ncols; i++) {
        struct rcol *c = &r->rt->cols[r->colmap[i]];
        enum sil_class cl = t->cols[i].classification;
        if ((int)i == r->pk || !c->unique || c->nonnull != r->rt->nrec ||
            r->rt->nrec < 2 * (size_t)o->k)
            continue;
        if (cl != SIL_CLASS_IDENTIFIER && cl != SIL_CLASS_PERSONAL_EMAIL &&
            cl != SIL_CLASS_PERSONAL_NATIONAL_ID && cl != SIL_CLASS_PERSONAL_USERNAME &&
            cl != SIL_CLASS_PERSONAL_IBAN && cl != SIL_CLASS_PERSONAL_CARD)
            continue;
        if (c->type != RT_INT && c->type != RT_BIGINT && c->type != RT_UUID && c->type != RT_TEXT)
            continue;
        const char *name = unique_name(s->arena, t, t->name, t->cols[i].name, "_key");
        if (!name)
            continue;
        size_t cap = t->nuniques;
        t->uniques =
            sil_arena_grow(s->arena, t->uniques, sizeof *t->uniques, t->nuniques + 1, &cap);
        t->uniques[t->nuniques].name = name;
        t->uniques[t->nuniques].ncols = 1;
        t->uniques[t->nuniques++].cols = sil_arena_strv(s->arena, &t->cols[i].name, 1);
    }
}

int sampler_rest_build(struct sampler_model *m, const struct sampler_apidesc *d,
                       struct sampler_rest_read *rd, const struct sampler_policy *pol,
                       const struct sampler_statopts *o, int metadata_only, struct sil_err *err)
{
    (void)err;
    struct sil_shape *s = m->shape;
    struct sil_arena *a = s->arena;
    size_t nt = d->nentities;
    s->tables = sil_arena_alloc(a, nt * sizeof *s->tables);
    m->tabs = sil_arena_alloc(a, nt * sizeof *m->tabs);
    struct rtab *r = sil_xcalloc(nt, sizeof *r);
    s->ntables = nt;
    for (size_t i = 0; i < nt; i++) {
        struct sampler_rtable *rt = rd[i].records;
        struct sil_table *t = &s->tables[i];
        struct sampler_tabinfo *ti = &m->tabs[i];
        r[i].rt = rt;
        r[i].t = t;
        r[i].ti = ti;
        r[i].pk = -1;
        t->schema = sil_arena_strdup(a, d->schema);
        t->name = sil_arena_strdup(a, d->entities[i].name);
        t->kind = SIL_TABLE_TABLE;
        int64_t n = (int64_t)rt->nrec;
        t->row_count = !rd[i].complete && rd[i].total > n ? rd[i].total : n;
        t->rows_method = rd[i].complete ? SIL_ROWS_EXACT : SIL_ROWS_ESTIMATE;
        t->sampled_rows = metadata_only ? 0 : n;
        ti->est_rows = (double)t->row_count;
        ti->sampled = !metadata_only;
        ti->sample_n = n;
        ti->sample_pct = 100;
        char *sn = sampler_snake_case(t->name);
        r[i].cands[0] = sn;
        r[i].cands[1] = singular(sn);
        const char *seg = strrchr(d->entities[i].path, '/');
        seg = seg && seg[1] ? seg + 1 : NULL;
        r[i].cands[2] = seg ? sampler_snake_case(seg) : NULL;
        r[i].cands[3] = seg ? singular(r[i].cands[2]) : NULL;
        /* Columns: every field but flattened objects' parents. */
        size_t nc = 0;
        for (size_t c = 0; c < rt->ncols; c++)
            nc += rt->cols[c].kind != RK_OBJ;
        t->cols = sil_arena_alloc(a, (nc ? nc : 1) * sizeof *t->cols);
        ti->cols = sil_arena_alloc(a, (nc ? nc : 1) * sizeof *ti->cols);
        r[i].colmap = sil_xcalloc(nc + 1, sizeof *r[i].colmap);
        for (size_t c = 0; c < rt->ncols; c++) {
            struct rcol *rc = &rt->cols[c];
            if (rc->kind == RK_OBJ)
                continue;
            infer_type(rc);
            infer_unique(rc);
            struct sil_column *col = &t->cols[t->ncols];
            struct sampler_colinfo *ci = &ti->cols[t->ncols];
            r[i].colmap[t->ncols++] = (int)c;
            col->name = sil_arena_strdup(a, rc->name);
            set_type(&col->type, ci, rc->type);
            col->nullable = rc->nonnull < rt->nrec || rt->nrec == 0;
            char *snake = sampler_snake_case(rc->name);
            ci->match_name = sil_arena_strdup(a, snake);
            free(snake);
            ci->attnum = (int)t->ncols;
        }
        if (t->ncols == 0) {
            /* No records (or no usable fields): the entity is described by an id alone. */
            struct sil_column *col = &t->cols[0];
            col->name = "id";
            sil_type_init(&col->type, SIL_T_TEXT);
            col->nullable = 1;
            ti->cols[0].vkind = SAMPLER_V_TEXT;
            t->ncols = 1;
            sil_log_warn("%s: no records read; the table has only a placeholder column", t->name);
            r[i].colmap[0] = -1;
        }
        r[i].pk = r[i].colmap[0] >= 0 ? choose_pk(&r[i], r[i].cands[1]) : -1;
        if (r[i].pk >= 0) {
            t->npk = 1;
            t->pk = sil_arena_strv(a, &t->cols[r[i].pk].name, 1);
            t->cols[r[i].pk].nullable = 0;
        }
    }
    detect_fks(s, r, nt, d);
    sampler_classify(m, pol);
    for (size_t i = 0; i < nt; i++) {
        struct rtab *x = &r[i];
        if (x->colmap[0] < 0)
            continue;
        for (size_t c = 0; c < x->t->ncols; c++) {
            struct rcol *rc = &x->rt->cols[x->colmap[c]];
            int keep = (int)c == x->pk || x->ti->cols[c].vkind == SAMPLER_V_DATE ||
                       x->ti->cols[c].vkind == SAMPLER_V_TIMESTAMP ||
                       x->ti->cols[c].vkind == SAMPLER_V_TIMESTAMPTZ;
            for (size_t f = 0; f < x->t->nfks; f++)
                keep |= !strcmp(x->t->fks[f].cols[0], x->t->cols[c].name);
            if (!metadata_only && !x->ti->cols[c].pol.no_stats && x->rt->nrec > 0)
                column_stats(a, x->t, c, rc, &x->ti->cols[c], o);
            if (!keep)
                col_wipe(rc);
        }
        add_uniques(s, x, o);
    }
    if (!metadata_only)
        for (size_t i = 0; i < nt; i++)
            for (size_t f = 0; f < r[i].t->nfks; f++)
                fk_stats(s, r, i, f, o);
    for (size_t i = 0; i < nt; i++) {
        for (size_t c = 0; c < r[i].rt->ncols; c++)
            col_wipe(&r[i].rt->cols[c]);
        for (int k = 0; k < 4; k++)
            free(r[i].cands[k]);
        free(r[i].colmap);
    }
    free(r);
    return 0;
}
