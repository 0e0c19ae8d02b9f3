/*
 * The last gate before a shape is written: the shape must pass the strict
 * reader (written, then read back), and every emitted value must keep the
 * privacy invariants: no clear category values in personal, sensitive or
 * identifier columns; every clear value 1..max_category_bytes bytes of
 * clean UTF-8 held by at least k sampled rows; no more quantile points than
 * buckets of k rows (of parents, for children per parent); no hour-of-week
 * bin under k rows.
 */
#ifndef SAMPLER_SELFCHECK_H
#define SAMPLER_SELFCHECK_H

#include "shape.h"

/* 0 when the shape may be written; -1 with the JSON path of the first problem. */
int sampler_selfcheck(struct sil_shape *s, struct sil_err *err) SIL_WUR;

#endif
