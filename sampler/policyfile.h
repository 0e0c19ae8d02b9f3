/*
 * Sampler policy files: how columns are classified by name and what may leave
 * for a given column. policies/sampler-default.json ships the name rules; a
 * user policy (--policy) is read first, so its column overrides and name
 * rules win. docs/sampler.md describes the format:
 *
 *   {"format": "silhouette.sampler-policy", "version": 1,
 *    "description": "...",
 *    "name_rules": [{"id": "email", "column": "REGEX", "table": "REGEX",
 *                    "not_table": "REGEX", "class": "personal:email"}],
 *    "columns": [{"match": "SCHEMA.TABLE.COLUMN glob", "class": "public",
 *                 "categories": "auto|clear|token|drop", "stats": "full|none"}]}
 *
 * Regexes are PCRE2, case-insensitive, matched against the bare column or
 * table name. Globs are fnmatch(3) patterns over "schema.table.column".
 */
#ifndef SAMPLER_POLICYFILE_H
#define SAMPLER_POLICYFILE_H

#include <stddef.h>

#include "err.h"
#include "shape.h"

#define SAMPLER_POLICY_FORMAT    "silhouette.sampler-policy"
#define SAMPLER_POLICY_DEFAULT   "sampler-default.json"
#define SAMPLER_POLICY_MAX       ((size_t)4 << 20)
#define SAMPLER_POLICY_MAX_RULES 10000

/* What may leave for a column's category values. */
enum sampler_catmode {
    SAMPLER_CAT_AUTO = 0, /* by classification: clear for public, tokens for the rest */
    SAMPLER_CAT_CLEAR,    /* clear where every check passes (never for personal columns) */
    SAMPLER_CAT_TOKEN,    /* always tokens */
    SAMPLER_CAT_DROP      /* no category values at all */
};

/* The policy's word on one column. */
struct sampler_colpolicy {
    int has_class;
    enum sil_class cls;
    enum sampler_catmode categories;
    int no_stats;      /* "stats": "none": the column's data is not read */
    const char *match; /* the glob that matched, or NULL; owned by the policy */
};

struct sampler_policy;

/*
 * Parse one policy document; `name` names it in errors (file, JSON path).
 * Fails with SIL_EINPUT.
 */
struct sampler_policy *sampler_policy_parse(const char *data, size_t len, const char *name,
                                            struct sil_err *err) SIL_WUR;
/*
 * The policy a run uses: `user` (may be NULL) first, then the shipped default
 * found by sil_policy_path() unless `default_path` names it.
 */
struct sampler_policy *sampler_policy_load(const char *default_path, const char *user,
                                           struct sil_err *err) SIL_WUR;
/* NULL is a no-op. */
void sampler_policy_free(struct sampler_policy *p);

/* The first column override whose glob matches; zeroed *out when none. */
void sampler_policy_column(const struct sampler_policy *p, const char *schema, const char *table,
                           const char *column, struct sampler_colpolicy *out);
/*
 * The class of the first name rule that matches the column (and table), or
 * -1 when none does. *rule_id (may be NULL) gets the rule's id.
 */
int sampler_policy_name_class(const struct sampler_policy *p, const char *table, const char *column,
                              enum sil_class *out, const char **rule_id);

size_t sampler_policy_rule_count(const struct sampler_policy *p);

/* The longest shape lifetime a policy or --ttl-days may set (100 years). */
#define SAMPLER_TTL_MAX_DAYS 36500
/*
 * Days a shape stays valid: "ttl_days" of the user policy, else of the
 * shipped one; 0 when neither says.
 */
int64_t sampler_policy_ttl_days(const struct sampler_policy *p);

#endif
