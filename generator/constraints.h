/*
 * Check constraints in a plan. Every check expression of the shape (table
 * checks, domain checks, generated-column expressions) is parsed through
 * common/expr; one the grammar refuses stops the plan with an error naming
 * the table, the constraint and the expression. The simple constraints an
 * expression implies (ranges, IN and NOT IN lists, NOT NULL, text lengths,
 * LIKE on categories, comparisons of two columns) are applied to the value
 * generators, so values are produced inside them by construction:
 * distributions are truncated to a range, categories filtered to a list,
 * and a column compared with another is moved across it when a draw falls
 * on the wrong side. A check with a part that cannot be applied that way is
 * evaluated on every generated row instead; a failing row stops the run.
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
    GC_COLUMNS,  /* column op column2 */
    GC_LIKE      /* column LIKE pattern (values[0]); negated: NOT LIKE; icase: ILIKE */
};

struct gen_cons {
    enum gen_cons_kind kind;
    const char *column;
    enum gen_op op;      /* RANGE, LENGTH, COLUMNS */
    double value;        /* RANGE (dates and timestamps: epoch seconds), LENGTH */
    const char *column2; /* COLUMNS */
    size_t nvalues;      /* IN: the values as text */
    const char *const *values;
    int negated; /* NOT IN, NOT LIKE */
    int icase;   /* ILIKE */
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

/*
 * Parse every check of the plan's shape, apply what each implies to the
 * value generators, bind the rest for evaluation, and evaluate all checks on
 * a sample of rows of every table (the first 1000 and 1000 spread over the
 * rest) so a check the values cannot meet fails before anything is written.
 * Fails with SIL_EINPUT naming the table or domain, the constraint and the
 * expression.
 */
int gen_plan_checks(struct gen_plan *p, struct sil_err *err) SIL_WUR;

/*
 * Evaluate a table's checks on one row (vals[i]: column i's text, NULL for
 * SQL NULL); `all` = every check, else only those not shaped. Returns 0 when
 * they pass; -1 with err naming the table, row, constraint and expression
 * when one fails or cannot be evaluated. Thread-safe.
 */
int gen_check_row(const struct gen_plan *p, const struct gen_table *t, int64_t row,
                  const char *const *vals, int all, struct sil_err *err) SIL_WUR;

/* SQL LIKE (ILIKE when icase, ASCII folding): % any run, _ one character,
 * backslash escapes the next character. */
int gen_like(const char *s, const char *pattern, int icase);

#endif
