/* Sampler policy files: name rules for classification and per-column overrides. */
#include "policyfile.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json.h"
#include "policy.h"
#include "pii_pcre2.h"

#define RE_MAX 1024

struct name_rule {
    char *id;
    pcre2_code *column;
    pcre2_code *table;     /* NULL: any table */
    pcre2_code *not_table; /* NULL: no exception */
    enum sil_class cls;
};

struct col_rule {
    char *match;
    struct sampler_colpolicy pol;
};

struct sampler_policy {
    struct name_rule *rules;
    size_t nrules;
    struct col_rule *cols;
    size_t ncols;
    int64_t ttl_days; /* 0 when the document does not say */
};

static const char *const catmode_names[] = {"auto", "clear", "token", "drop", NULL};

void sampler_policy_free(struct sampler_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nrules; i++) {
        free(p->rules[i].id);
        pcre2_code_free(p->rules[i].column);
        pcre2_code_free(p->rules[i].table);
        pcre2_code_free(p->rules[i].not_table);
    }
    for (size_t i = 0; i < p->ncols; i++)
        free(p->cols[i].match);
    free(p->rules);
    free(p->cols);
    free(p);
}

static int compile_re(struct sil_jctx *c, const cJSON *o, const char *key, int required,
                      pcre2_code **out)
{
    const char *pat = NULL;
    if (sil_json_str(c, o, key, required, RE_MAX, &pat) < 0)
        return -1;
    if (!pat)
        return 0;
    if (!*pat)
        return sil_jctx_fail_at(c, key, "empty regular expression");
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                      PCRE2_CASELESS | PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C, &ec, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return sil_jctx_fail_at(c, key, "bad regular expression at offset %zu: %s", (size_t)off,
                                (const char *)msg);
    }
    *out = re;
    return 0;
}

static int choice(struct sil_jctx *c, const cJSON *o, const char *key, const char *const *names,
                  int *out)
{
    const char *v = NULL;
    if (sil_json_str(c, o, key, 0, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], v) == 0) {
            *out = i;
            return 0;
        }
    }
    return sil_jctx_fail_at(c, key, "unknown value \"%.40s\"", v);
}

static int parse_class(struct sil_jctx *c, const cJSON *o, int required, int *has,
                       enum sil_class *out)
{
    const char *v = NULL;
    if (sil_json_str(c, o, "class", required, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    if (sil_class_parse(v, out) < 0)
        return sil_jctx_fail_at(c, "class",
                                "unknown classification \"%.40s\" (see docs/shape-format.md)", v);
    *has = 1;
    return 0;
}

static int parse_rules(struct sil_jctx *c, struct sampler_policy *p, const cJSON *arr)
{
    static const char *const keys[] = {"id", "column", "table", "not_table", "class", NULL};
    size_t n = (size_t)cJSON_GetArraySize(arr);
    size_t mark = sil_jctx_key(c, "name_rules");
    if (n > SAMPLER_POLICY_MAX_RULES)
        return sil_jctx_fail(c, "%zu rules, more than the limit of %d", n,
                             SAMPLER_POLICY_MAX_RULES);
    p->rules = sil_xcalloc(n ? n : 1, sizeof *p->rules);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        struct name_rule *r = &p->rules[i];
        const char *id = NULL;
        int has = 0;
        p->nrules = i + 1;
        if (sil_json_check_object(c, e, keys) < 0 || sil_json_str(c, e, "id", 1, 64, &id) < 0 ||
            compile_re(c, e, "column", 1, &r->column) < 0 ||
            compile_re(c, e, "table", 0, &r->table) < 0 ||
            compile_re(c, e, "not_table", 0, &r->not_table) < 0 ||
            parse_class(c, e, 1, &has, &r->cls) < 0)
            return -1;
        r->id = sil_xstrdup(id);
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

static int parse_cols(struct sil_jctx *c, struct sampler_policy *p, const cJSON *arr)
{
    static const char *const keys[] = {"match", "class", "categories", "stats", NULL};
    static const char *const stats_names[] = {"full", "none", NULL};
    size_t n = (size_t)cJSON_GetArraySize(arr);
    size_t mark = sil_jctx_key(c, "columns");
    if (n > SAMPLER_POLICY_MAX_RULES)
        return sil_jctx_fail(c, "%zu column rules, more than the limit of %d", n,
                             SAMPLER_POLICY_MAX_RULES);
    p->cols = sil_xcalloc(n ? n : 1, sizeof *p->cols);
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        struct col_rule *r = &p->cols[i];
        const char *match = NULL;
        int cat = 0, stats = 0;
        p->ncols = i + 1;
        if (sil_json_check_object(c, e, keys) < 0 ||
            sil_json_str(c, e, "match", 1, 3 * (SIL_IDENT_MAX * 2 + 2), &match) < 0 ||
            parse_class(c, e, 0, &r->pol.has_class, &r->pol.cls) < 0 ||
            choice(c, e, "categories", catmode_names, &cat) < 0 ||
            choice(c, e, "stats", stats_names, &stats) < 0)
            return -1;
        const char *d1 = strchr(match, '.');
        if (!d1 || !strchr(d1 + 1, '.'))
            return sil_jctx_fail_at(c, "match",
                                    "expected a SCHEMA.TABLE.COLUMN pattern such as "
                                    "\"public.users.email\" or \"*.*.email\"");
        r->pol.categories = (enum sampler_catmode)cat;
        r->pol.no_stats = stats == 1;
        if (r->pol.has_class && sil_class_is_personal(r->pol.cls) &&
            r->pol.categories == SAMPLER_CAT_CLEAR)
            return sil_jctx_fail_at(c, "categories",
                                    "a personal column never emits clear values; use \"token\" "
                                    "or \"drop\"");
        if (!r->pol.has_class && !cat && !stats)
            return sil_jctx_fail(c, "a column rule needs \"class\", \"categories\" or \"stats\"");
        r->match = sil_xstrdup(match);
        r->pol.match = r->match;
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

struct sampler_policy *sampler_policy_parse(const char *data, size_t len, const char *name,
                                            struct sil_err *err)
{
    static const char *const keys[] = {"format",  "version",  "description", "name_rules",
                                       "columns", "ttl_days", NULL};
    cJSON *root = NULL;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return NULL;
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    struct sampler_policy *p = sil_xcalloc(1, sizeof *p);
    const char *fmt = NULL, *desc = NULL;
    int64_t version = 0;
    const cJSON *rules = NULL, *cols = NULL;
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 0, &fmt) < 0)
        goto fail;
    if (strcmp(fmt, SAMPLER_POLICY_FORMAT) != 0) {
        sil_jctx_fail_at(&c, "format", "\"%.40s\" is not a sampler policy (expected \"%s\")", fmt,
                         SAMPLER_POLICY_FORMAT);
        goto fail;
    }
    if (sil_json_int(&c, root, "version", 1, 1, 1, &version) < 0 ||
        sil_json_str(&c, root, "description", 0, 4096, &desc) < 0 ||
        sil_json_array(&c, root, "name_rules", 0, &rules) < 0 ||
        sil_json_array(&c, root, "columns", 0, &cols) < 0 ||
        sil_json_int(&c, root, "ttl_days", 0, 1, SAMPLER_TTL_MAX_DAYS, &p->ttl_days) < 0)
        goto fail;
    if (rules && parse_rules(&c, p, rules) < 0)
        goto fail;
    if (cols && parse_cols(&c, p, cols) < 0)
        goto fail;
    cJSON_Delete(root);
    return p;
fail:
    if (name)
        sil_err_file(err, name);
    cJSON_Delete(root);
    sampler_policy_free(p);
    return NULL;
}

static struct sampler_policy *read_policy(const char *path, struct sil_err *err)
{
    char *data = NULL;
    size_t len = 0;
    if (sil_read_file(path, SAMPLER_POLICY_MAX, &data, &len, err) < 0) {
        sil_err_file(err, path);
        return NULL;
    }
    struct sampler_policy *p = sampler_policy_parse(data, len, path, err);
    free(data);
    return p;
}

/* Append b's rules after a's; b is consumed. */
static void append(struct sampler_policy *a, struct sampler_policy *b)
{
    a->rules = sil_xrealloc(a->rules, (a->nrules + b->nrules + 1) * sizeof *a->rules);
    memcpy(a->rules + a->nrules, b->rules, b->nrules * sizeof *b->rules);
    a->nrules += b->nrules;
    a->cols = sil_xrealloc(a->cols, (a->ncols + b->ncols + 1) * sizeof *a->cols);
    memcpy(a->cols + a->ncols, b->cols, b->ncols * sizeof *b->cols);
    a->ncols += b->ncols;
    if (!a->ttl_days)
        a->ttl_days = b->ttl_days;
    b->nrules = b->ncols = 0;
    sampler_policy_free(b);
}

int64_t sampler_policy_ttl_days(const struct sampler_policy *p)
{
    return p->ttl_days;
}

struct sampler_policy *sampler_policy_load(const char *default_path, const char *user,
                                           struct sil_err *err)
{
    char *found = NULL;
    if (!default_path) {
        found = sil_policy_path(SAMPLER_POLICY_DEFAULT, err);
        if (!found)
            return NULL;
        default_path = found;
    }
    struct sampler_policy *def = read_policy(default_path, err);
    free(found);
    if (!def)
        return NULL;
    if (!user)
        return def;
    struct sampler_policy *p = read_policy(user, err);
    if (!p) {
        sampler_policy_free(def);
        return NULL;
    }
    append(p, def);
    return p;
}

void sampler_policy_column(const struct sampler_policy *p, const char *schema, const char *table,
                           const char *column, struct sampler_colpolicy *out)
{
    memset(out, 0, sizeof *out);
    char full[3 * (SIL_IDENT_MAX + 1) + 1];
    snprintf(full, sizeof full, "%s.%s.%s", schema, table, column);
    for (size_t i = 0; i < p->ncols; i++) {
        if (fnmatch(p->cols[i].match, full, 0) == 0) {
            *out = p->cols[i].pol;
            return;
        }
    }
}

static int re_match(pcre2_code *re, const char *s)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md)
        SIL_BUG("out of memory for PCRE2 match data");
    int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

int sampler_policy_name_class(const struct sampler_policy *p, const char *table, const char *column,
                              enum sil_class *out, const char **rule_id)
{
    for (size_t i = 0; i < p->nrules; i++) {
        const struct name_rule *r = &p->rules[i];
        if (!re_match(r->column, column))
            continue;
        if (r->table && !re_match(r->table, table))
            continue;
        if (r->not_table && re_match(r->not_table, table))
            continue;
        *out = r->cls;
        if (rule_id)
            *rule_id = r->id;
        return 0;
    }
    return -1;
}

size_t sampler_policy_rule_count(const struct sampler_policy *p)
{
    return p->nrules;
}
