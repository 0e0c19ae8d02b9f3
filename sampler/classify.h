/*
 * Column classification: the policy's per-column override first, then the
 * name rules (user policy before the shipped default), then keys and types
 * (primary and foreign key columns and UUIDs are identifiers, inet and cidr
 * are IP addresses), else public. Value-based classification by the PII rule
 * engine refines this once values are sampled (see run.c).
 */
#ifndef SAMPLER_CLASSIFY_H
#define SAMPLER_CLASSIFY_H

#include "model.h"
#include "policyfile.h"

/* Set every column's classification, policy and class_rule. */
void sampler_classify(struct sampler_model *m, const struct sampler_policy *p);

#endif
