/*
 * The last gate before a shape is written: the bytes about to be written go
 * through the same structure-aware PII scan as validate-no-pii (common/
 * shapescan.h, the strict reader included), and every emitted value must keep
 * the privacy invariants: no clear category values in personal, sensitive or
 * identifier columns; every clear value 1..max_category_bytes bytes of
 * clean UTF-8 held by at least k sampled rows; no more quantile points than
 * buckets of k rows (of parents, for children per parent); no hour-of-week
 * bin under k rows.
 */
#ifndef SAMPLER_SELFCHECK_H
#define SAMPLER_SELFCHECK_H

#include "rules.h"
#include "shape.h"

/*
 * 0 when the shape may be written; -1 (SIL_ECHECK) with the JSON path of the
 * first problem and, for PII findings, the rule and the masked value. A NULL
 * scanner skips the PII scan (tests of the invariants alone).
 */
int sampler_selfcheck(struct sil_shape *s, struct sil_rscan *sc, struct sil_err *err) SIL_WUR;

#endif
