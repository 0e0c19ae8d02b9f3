/*
 * Quality-gate thresholds: built-in defaults, then a policy file
 * (policies/quality-gates.json unless another is named), then one of its
 * profiles, then "--set GATE.KEY=VALUE" overrides, in that order. The policy
 * file is strict: unknown gates, keys and profiles are errors naming their
 * JSON path.
 */
#ifndef GEN_RPOLICY_H
#define GEN_RPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct gen_rule {
    char *table; /* "name" or "schema.name" */
    char *name;
    char *expression;
};

struct gen_gates {
    /* completeness */
    double min_non_null;
    size_t nrequired;
    char **required; /* "table.column" or "schema.table.column" */
    /* conformity */
    double min_type, min_format, min_allowed;
    /* validity */
    double min_checks, min_rules;
    size_t nrules;
    struct gen_rule *rules;
    /* uniqueness */
    int64_t max_duplicates;
    /* metadata */
    double min_alignment;
    /* similar distribution */
    double min_p_value;
    int64_t sample_rows;
    int bh;            /* Benjamini-Hochberg adjusted p-values */
    double max_d;      /* on all rows; < 0: not gated */
    int gate_personal; /* lengths of personal values are gated too */
    int64_t seed;      /* of the sample */
    /* identical linkage */
    double min_fk_coverage;
    int64_t max_orphans; /* < 0: not gated */
    double max_children_d;
    int64_t min_parents;
    /* where they came from */
    char *file;
    char *profile; /* NULL = none */
    char checksum[100];
};

/*
 * Load thresholds: `path` NULL = the shipped policy; `profile` NULL = none;
 * `sets` are "gate.key=value" strings. Fails with SIL_EINPUT (bad file,
 * unknown profile) or SIL_EUSAGE (bad --set) naming the place.
 */
int gen_gates_load(const char *path, const char *profile, size_t nsets, const char *const *sets,
                   struct gen_gates *g, struct sil_err *err) SIL_WUR;
void gen_gates_release(struct gen_gates *g);

#endif
