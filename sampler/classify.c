/* Column classification by policy, name rules, keys and types. */
#include "classify.h"

#include <string.h>

static int in_list(const char *name, size_t n, const char **v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return 1;
    return 0;
}

static int is_key_column(const struct sil_table *t, const char *name)
{
    if (in_list(name, t->npk, t->pk))
        return 1;
    for (size_t i = 0; i < t->nfks; i++)
        if (in_list(name, t->fks[i].ncols, t->fks[i].cols))
            return 1;
    return 0;
}

int sampler_classify_wants_values(const struct sil_column *col, const struct sampler_colinfo *ci)
{
    if (ci->pol.has_class || ci->pol.no_stats || ci->is_array)
        return 0;
    if (ci->vkind != SAMPLER_V_TEXT && ci->vkind != SAMPLER_V_JSON)
        return 0;
    return col->classification == SIL_CLASS_PUBLIC || col->classification == SIL_CLASS_IDENTIFIER;
}

int sampler_classify_values(struct sil_rscan *sc, struct sil_column *col,
                            struct sampler_colinfo *ci, const char *const *values,
                            const size_t *lens, size_t n)
{
    struct sil_pii_profile prof;
    sil_pii_profile_init(&prof);
    for (size_t i = 0; i < n; i++)
        sil_rscan_profile(sc, values[i], lens[i], &prof);
    enum sil_class c = sil_pii_profile_class(&prof, 0.5);
    if (c == SIL_CLASS_PUBLIC)
        c = sil_pii_profile_class(&prof, 0.1);
    if (!sil_class_is_personal(c) || c == col->classification)
        return 0;
    col->classification = c;
    ci->class_rule = "values";
    return 1;
}

void sampler_classify(struct sampler_model *m, const struct sampler_policy *p)
{
    struct sil_shape *s = m->shape;
    for (size_t ti = 0; ti < s->ntables; ti++) {
        struct sil_table *t = &s->tables[ti];
        struct sampler_tabinfo *info = &m->tabs[ti];
        for (size_t c = 0; c < t->ncols; c++) {
            struct sil_column *col = &t->cols[c];
            struct sampler_colinfo *ci = &info->cols[c];
            const struct sil_type *ty = sil_shape_base_type(s, &col->type);
            const char *rule = NULL;
            sampler_policy_column(p, t->schema, t->name, col->name, &ci->pol);
            if (ci->pol.has_class) {
                col->classification = ci->pol.cls;
                ci->class_rule = ci->pol.match;
            } else if (sampler_policy_name_class(p, t->name,
                                                 ci->match_name ? ci->match_name : col->name,
                                                 &col->classification, &rule) == 0) {
                ci->class_rule = rule;
            } else if (is_key_column(t, col->name) || ty->base == SIL_T_UUID) {
                col->classification = SIL_CLASS_IDENTIFIER;
                ci->class_rule = "key or uuid";
            } else if (ty->base == SIL_T_INET || ty->base == SIL_T_CIDR) {
                col->classification = SIL_CLASS_PERSONAL_IP;
                ci->class_rule = "type inet";
            } else if (ty->base == SIL_T_MACADDR) {
                col->classification = SIL_CLASS_PERSONAL_OTHER;
                ci->class_rule = "type macaddr";
            } else {
                col->classification = SIL_CLASS_PUBLIC;
                ci->class_rule = "default";
            }
        }
    }
}
