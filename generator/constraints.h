/*
 * Simple constraints a table's rows must meet, applied to a plan: ranges
 * (col op constant), IN and NOT IN lists, NOT NULL, text lengths, and
 * comparisons of two columns. They are what a check expression implies (the
 * shared expression parser lists them); values are then produced inside the
 * constraints by construction: distributions are truncated to a range,
 * categories filtered to a list, and a column compared with another is
 * reflected across it when a draw falls on the wrong side.
 */
#ifndef GEN_CONSTRAINTS_H
#define GEN_CONSTRAINTS_H

#include "err.h"
#include "plan.h"

enum gen_cons_kind {
    GC_RANGE,    /* column op value */
    GC_IN,       /* column IN (values); negated: NOT IN */
    GC_NOT_NULL, /* column IS NOT NULL */
    GC_LENGTH,   /* length(column) op value */
    GC_COLUMNS   /* column op column2 */
};

struct gen_cons {
    enum gen_cons_kind kind;
    const char *column;
    enum gen_op op;      /* RANGE, LENGTH, COLUMNS */
    double value;        /* RANGE (dates and timestamps: epoch seconds), LENGTH */
    const char *column2; /* COLUMNS */
    size_t nvalues;      /* IN: the values as text */
    const char *const *values;
    int negated; /* NOT IN */
};

/*
 * Apply constraints to a planned table. Fails with SIL_EINPUT when they
 * cannot all hold (a unique key wider than its range, a row key outside it,
 * every category excluded) naming the table, column and constraint. A
 * constraint on a column the generator does not shape that way (NOT IN on
 * free text, a comparison of a number with a date) is skipped and counted
 * in *skipped (may be NULL).
 */
int gen_constrain(struct gen_plan *p, struct gen_table *t, const struct gen_cons *c, size_t n,
                  size_t *skipped, struct sil_err *err) SIL_WUR;

#endif
