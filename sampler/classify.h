/*
 * Column classification: the policy's per-column override first, then the
 * name rules (user policy before the shipped default), then keys and types
 * (primary and foreign key columns and UUIDs are identifiers, inet and cidr
 * are IP addresses), else public. Then, by value: a sample of a public or
 * identifier text column's values goes through the PII rules of common/
 * rules.h, and a column whose values look personal is reclassified. No
 * libpq here: any source can feed values.
 */
#ifndef SAMPLER_CLASSIFY_H
#define SAMPLER_CLASSIFY_H

#include <stddef.h>

#include "model.h"
#include "policyfile.h"
#include "rules.h"

/* Values sampled per column for classification. */
#define SAMPLER_CLASSIFY_VALUES 200
/* Longest prefix of a value looked at (bytes). */
#define SAMPLER_CLASSIFY_BYTES 1024

/* Set every column's classification, policy and class_rule by name and type. */
void sampler_classify(struct sampler_model *m, const struct sampler_policy *p);

/* Whether a column's values should be sampled for classification. */
int sampler_classify_wants_values(const struct sil_column *col, const struct sampler_colinfo *ci);

/*
 * Classify a column from a sample of its values (any bytes, lengths given):
 * the class that matches at least half of the values as a whole, else the
 * kind of PII found in at least a tenth of them (free text when it is only
 * part of a value). A personal class replaces the column's; otherwise it is
 * left alone. Returns 1 when the class changed.
 */
int sampler_classify_values(struct sil_rscan *sc, struct sil_column *col,
                            struct sampler_colinfo *ci, const char *const *values,
                            const size_t *lens, size_t n);

#endif
