/*
 * generator calibrate: bring a hand-maintained metadata template up to date
 * with a newer shape. The measured numbers a template can hold (row_count,
 * null_fraction, faker_args min/max of numeric and date faker methods,
 * random_element elements, max_length) are taken from the shape; everything
 * else (faker methods, pii flags, keys, relationships, descriptions, tables
 * and fields the shape lacks, pinned tables and fields) is kept as written.
 * Shape statistics the template format has no place for (text length
 * p50/p95/p99, share of parents with children, mean children, burst
 * coefficient) are recorded under the template's "calibration" key and
 * printed against the previous record, or against --previous-shape.
 * docs/generator.md ("Calibration") describes it.
 */
#ifndef GEN_CALIBRATE_H
#define GEN_CALIBRATE_H

#include <stddef.h>

#include "err.h"

struct gen_calibrate_opts {
    const char *shape_path;
    const char *template_path;
    const char *out_path;
    const char *previous_path; /* the shape the template was last calibrated from, or NULL */
    const char *const *keep; /* "table", "schema.table", "table.column" or "schema.table.column" */
    size_t nkeep;
    int dry_run; /* print the changes, write nothing */
    int force;   /* replace an existing out_path that is not the template */
};

/*
 * Calibrate. *report (caller frees) gets the changes, one per line
 * ("public.messages: row_count 500000 -> 600000"), then a summary. Fails
 * with SIL_EUSAGE for a --keep naming nothing in the template, SIL_EINPUT
 * for an unreadable or invalid shape or template, SIL_EEXPIRED for an
 * expired shape, SIL_EIO when the output cannot be written (nothing is
 * left half-written: the file is replaced atomically).
 */
int gen_calibrate_run(const struct gen_calibrate_opts *o, char **report,
                      struct sil_err *err) SIL_WUR;

#endif
