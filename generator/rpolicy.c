/* Quality-gate thresholds from defaults, the policy file, a profile and --set. */
#include "rpolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "fileio.h"
#include "json.h"
#include "policy.h"

#define POLICY_MAX ((size_t)1 << 20)

enum ptype { P_FRACTION, P_PVALUE, P_COUNT, P_BOOL, P_DISTANCE, P_SEED };

struct param {
    const char *gate, *key;
    enum ptype type;
    size_t off;
};

#define OFF(f) offsetof(struct gen_gates, f)

static const struct param params[] = {
    {"completeness", "min_non_null", P_FRACTION, OFF(min_non_null)},
    {"conformity", "min_type", P_FRACTION, OFF(min_type)},
    {"conformity", "min_format", P_FRACTION, OFF(min_format)},
    {"conformity", "min_allowed", P_FRACTION, OFF(min_allowed)},
    {"validity", "min_checks", P_FRACTION, OFF(min_checks)},
    {"validity", "min_rules", P_FRACTION, OFF(min_rules)},
    {"uniqueness", "max_duplicates", P_COUNT, OFF(max_duplicates)},
    {"metadata", "min_alignment", P_FRACTION, OFF(min_alignment)},
    {"distribution", "min_p_value", P_PVALUE, OFF(min_p_value)},
    {"distribution", "sample_rows", P_COUNT, OFF(sample_rows)},
    {"distribution", "benjamini_hochberg", P_BOOL, OFF(bh)},
    {"distribution", "max_d", P_DISTANCE, OFF(max_d)},
    {"distribution", "gate_personal_lengths", P_BOOL, OFF(gate_personal)},
    {"distribution", "seed", P_SEED, OFF(seed)},
    {"linkage", "min_fk_coverage", P_FRACTION, OFF(min_fk_coverage)},
    {"linkage", "max_orphans", P_COUNT, OFF(max_orphans)},
    {"linkage", "max_children_d", P_DISTANCE, OFF(max_children_d)},
    {"linkage", "min_parents", P_COUNT, OFF(min_parents)},
};

static const char *const gate_names[] = {"completeness", "conformity",   "validity", "uniqueness",
                                         "metadata",     "distribution", "linkage",  NULL};

static void defaults(struct gen_gates *g)
{
    memset(g, 0, sizeof *g);
    g->min_non_null = 1;
    g->min_type = 1;
    g->min_format = 0.995;
    g->min_allowed = 0.995;
    g->min_checks = 1;
    g->min_rules = 0.99;
    g->max_duplicates = 0;
    g->min_alignment = 1;
    g->min_p_value = 0.05;
    g->sample_rows = 1000;
    g->bh = 1;
    g->max_d = -1;
    g->gate_personal = 0;
    g->seed = 1;
    g->min_fk_coverage = 0.99;
    g->max_orphans = -1;
    g->max_children_d = 0.05;
    g->min_parents = 100;
}

/* Set one parameter from a JSON value (null allowed for "off" where it means that). */
static int set_param(struct gen_gates *g, const struct param *p, const cJSON *v, char *why,
                     size_t n)
{
    char *base = (char *)g + p->off;
    switch (p->type) {
    case P_BOOL:
        if (!cJSON_IsBool(v)) {
            snprintf(why, n, "expected true or false");
            return -1;
        }
        *(int *)base = cJSON_IsTrue(v);
        return 0;
    case P_COUNT:
        if (cJSON_IsNull(v) && (strcmp(p->key, "max_orphans") == 0)) {
            *(int64_t *)base = -1;
            return 0;
        }
        if (!sil_json_is_int(v, strcmp(p->key, "sample_rows") == 0 ? 10 : 0,
                             strcmp(p->key, "sample_rows") == 0 ? 100000 : INT64_C(1) << 52)) {
            snprintf(why, n, "expected %s",
                     strcmp(p->key, "sample_rows") == 0 ? "an integer from 10 to 100000"
                                                        : "a count (integer >= 0)");
            return -1;
        }
        *(int64_t *)base = (int64_t)v->valuedouble;
        return 0;
    case P_SEED:
        if (!sil_json_is_int(v, 0, INT64_C(9007199254740991))) {
            snprintf(why, n, "expected an integer >= 0");
            return -1;
        }
        *(int64_t *)base = (int64_t)v->valuedouble;
        return 0;
    case P_DISTANCE:
        if (cJSON_IsNull(v) && strcmp(p->key, "max_d") == 0) {
            *(double *)base = -1;
            return 0;
        }
        /* fall through */
    case P_FRACTION:
    case P_PVALUE:
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 1) {
            snprintf(why, n, "expected a number from 0 to 1%s",
                     p->type == P_DISTANCE && strcmp(p->key, "max_d") == 0 ? " or null" : "");
            return -1;
        }
        *(double *)base = v->valuedouble;
        return 0;
    }
    return -1;
}

static int read_rules(struct sil_jctx *c, const cJSON *arr, struct gen_gates *g)
{
    size_t i = 0;
    static const char *const keys[] = {"table", "name", "expression", NULL};
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m = sil_jctx_index(c, i);
        const char *t, *nm, *ex;
        if (sil_json_check_object(c, e, keys) < 0 || sil_json_str(c, e, "table", 1, 130, &t) < 0 ||
            sil_json_str(c, e, "name", 1, 63, &nm) < 0 ||
            sil_json_str(c, e, "expression", 1, 4096, &ex) < 0)
            return -1;
        g->rules = sil_xrealloc(g->rules, (g->nrules + 1) * sizeof *g->rules);
        g->rules[g->nrules].table = sil_xstrdup(t);
        g->rules[g->nrules].name = sil_xstrdup(nm);
        g->rules[g->nrules].expression = sil_xstrdup(ex);
        g->nrules++;
        sil_jctx_restore(c, m);
    }
    return 0;
}

/* A "gates" object: { gate: { key: value } }. */
static int read_gates(struct sil_jctx *c, const cJSON *gates, struct gen_gates *g)
{
    if (sil_json_check_object(c, gates, gate_names) < 0)
        return -1;
    for (const cJSON *gate = gates->child; gate; gate = gate->next) {
        size_t m = sil_jctx_key(c, gate->string);
        if (!cJSON_IsObject(gate))
            return sil_jctx_fail(c, "expected an object");
        for (const cJSON *kv = gate->child; kv; kv = kv->next) {
            if (strcmp(gate->string, "completeness") == 0 && strcmp(kv->string, "required") == 0) {
                if (!cJSON_IsArray(kv))
                    return sil_jctx_fail_at(c, "required", "expected an array of column names");
                for (const cJSON *r = kv->child; r; r = r->next) {
                    if (!cJSON_IsString(r))
                        return sil_jctx_fail_at(c, "required", "expected column names");
                    g->required = sil_xrealloc(g->required, (g->nrequired + 1) * sizeof(char *));
                    g->required[g->nrequired++] = sil_xstrdup(r->valuestring);
                }
                continue;
            }
            if (strcmp(gate->string, "validity") == 0 && strcmp(kv->string, "rules") == 0) {
                if (!cJSON_IsArray(kv))
                    return sil_jctx_fail_at(c, "rules", "expected an array of rules");
                size_t m2 = sil_jctx_key(c, "rules");
                if (read_rules(c, kv, g) < 0)
                    return -1;
                sil_jctx_restore(c, m2);
                continue;
            }
            const struct param *p = NULL;
            for (size_t i = 0; i < SIL_ARRAY_SIZE(params); i++)
                if (strcmp(params[i].gate, gate->string) == 0 &&
                    strcmp(params[i].key, kv->string) == 0)
                    p = &params[i];
            if (!p)
                return sil_jctx_fail_at(c, kv->string, "unknown key");
            char why[120];
            if (set_param(g, p, kv, why, sizeof why) < 0)
                return sil_jctx_fail_at(c, kv->string, "%s", why);
        }
        sil_jctx_restore(c, m);
    }
    return 0;
}

static int apply_set(struct gen_gates *g, const char *s, struct sil_err *err)
{
    const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
    if (!dot || !eq || eq < dot)
        return sil_err_set(err, SIL_EUSAGE, "--set %s: expected GATE.KEY=VALUE", s);
    const struct param *p = NULL;
    for (size_t i = 0; i < SIL_ARRAY_SIZE(params); i++)
        if (strlen(params[i].gate) == (size_t)(dot - s) &&
            strncmp(params[i].gate, s, (size_t)(dot - s)) == 0 &&
            strlen(params[i].key) == (size_t)(eq - dot - 1) &&
            strncmp(params[i].key, dot + 1, (size_t)(eq - dot - 1)) == 0)
            p = &params[i];
    if (!p)
        return sil_err_set(err, SIL_EUSAGE,
                           "--set %s: unknown threshold (see policies/quality-gates.json)", s);
    cJSON *v = cJSON_Parse(eq + 1);
    if (!v)
        v = cJSON_CreateString(eq + 1);
    char why[120];
    int rc = set_param(g, p, v, why, sizeof why);
    cJSON_Delete(v);
    if (rc < 0)
        return sil_err_set(err, SIL_EUSAGE, "--set %s: %s", s, why);
    return 0;
}

int gen_gates_load(const char *path, const char *profile, size_t nsets, const char *const *sets,
                   struct gen_gates *g, struct sil_err *err)
{
    defaults(g);
    char *file = path ? sil_xstrdup(path) : sil_policy_path("quality-gates.json", err);
    if (!file)
        return -1;
    g->file = file;
    cJSON *root = NULL;
    char *data = NULL;
    size_t len = 0;
    int rc = -1;
    if (sil_read_file(file, POLICY_MAX, &data, &len, err) < 0 ||
        sil_json_parse(data, len, file, &root, err) < 0)
        goto out;
    sil_checksum(data, len, g->checksum);
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    static const char *const keys[] = {"format", "version",  "description",
                                       "gates",  "profiles", NULL};
    const char *fmt, *desc;
    int64_t ver;
    const cJSON *gates, *profiles = NULL;
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 64, &fmt) < 0 ||
        sil_json_int(&c, root, "version", 1, 1, 1, &ver) < 0 ||
        sil_json_str(&c, root, "description", 0, 4096, &desc) < 0 ||
        sil_json_object(&c, root, "gates", 1, &gates) < 0 ||
        sil_json_object(&c, root, "profiles", 0, &profiles) < 0)
        goto bad;
    if (strcmp(fmt, "silhouette.quality-gates") != 0) {
        sil_jctx_fail_at(&c, "format", "expected \"silhouette.quality-gates\"");
        goto bad;
    }
    size_t m = sil_jctx_key(&c, "gates");
    if (read_gates(&c, gates, g) < 0)
        goto bad;
    sil_jctx_restore(&c, m);
    if (profile) {
        const cJSON *pr = profiles ? sil_json_get(profiles, profile) : NULL;
        if (!pr) {
            char names[256] = "";
            size_t l = 0;
            for (const cJSON *p = profiles ? profiles->child : NULL; p && l < 200; p = p->next)
                l +=
                    (size_t)snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", p->string);
            sil_err_set(err, SIL_EUSAGE, "unknown quality profile \"%s\" (profiles in '%s': %s)",
                        profile, file, l ? names : "none");
            goto out;
        }
        static const char *const pkeys[] = {"description", "gates", NULL};
        const cJSON *pg;
        m = sil_jctx_key(&c, "profiles");
        sil_jctx_key(&c, profile);
        if (sil_json_check_object(&c, pr, pkeys) < 0 ||
            sil_json_str(&c, pr, "description", 0, 4096, &desc) < 0 ||
            sil_json_object(&c, pr, "gates", 1, &pg) < 0)
            goto bad;
        sil_jctx_key(&c, "gates");
        if (read_gates(&c, pg, g) < 0)
            goto bad;
        sil_jctx_restore(&c, m);
        g->profile = sil_xstrdup(profile);
    }
    for (size_t i = 0; i < nsets; i++)
        if (apply_set(g, sets[i], err) < 0)
            goto out;
    rc = 0;
    goto out;
bad:
    sil_err_file(err, file);
out:
    cJSON_Delete(root);
    free(data);
    if (rc < 0) {
        gen_gates_release(g);
        defaults(g);
    }
    return rc;
}

void gen_gates_release(struct gen_gates *g)
{
    for (size_t i = 0; i < g->nrequired; i++)
        free(g->required[i]);
    free(g->required);
    for (size_t i = 0; i < g->nrules; i++) {
        free(g->rules[i].table);
        free(g->rules[i].name);
        free(g->rules[i].expression);
    }
    free(g->rules);
    free(g->file);
    free(g->profile);
    memset(g, 0, sizeof *g);
}
