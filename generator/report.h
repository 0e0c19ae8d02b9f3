/*
 * generator report: read a generator output back (manifest, checksums,
 * schema.sql, every data file in its format) and measure it against its
 * shape through seven quality gates (completeness, conformity, validity,
 * uniqueness, metadata consistency, similar distribution, identical
 * linkage), each check with a measured value, a threshold and pass/fail;
 * write report.json and a self-contained report.html. docs/generator.md
 * ("Quality report") describes every check and method.
 */
#ifndef GEN_REPORT_H
#define GEN_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rcol.h"
#include "rpolicy.h"

struct gen_report_opts {
    const char *dir;     /* the output directory to check */
    const char *out_dir; /* where report.json and report.html go; NULL = dir */
    const char *policy;  /* NULL = policies/quality-gates.json */
    const char *profile; /* NULL = none */
    size_t nsets;
    const char *const *sets; /* "gate.key=value" */
    int threads;
    size_t memory; /* bytes for the exact key checks */
    const char *tmpdir;
    int html;
};

enum gen_gate {
    GATE_COMPLETENESS,
    GATE_CONFORMITY,
    GATE_VALIDITY,
    GATE_UNIQUENESS,
    GATE_METADATA,
    GATE_DISTRIBUTION,
    GATE_LINKAGE,
    GATE__COUNT
};

const char *gen_gate_name(enum gen_gate g);

/* One check: a measured value against a threshold. */
struct gen_rcheck {
    enum gen_gate gate;
    char *subject; /* "public.payment.amount", "public.payment (payment_pkey)" */
    char *what;    /* "non-null", "type", "KS", "duplicates", ... */
    double measured, threshold;
    int at_least; /* passes when measured >= threshold, else <= */
    int gated;    /* 0: shown, not part of the gate */
    int passed;
    char *detail;
    int percent; /* show measured and threshold as percentages */
    /* similar distribution */
    const struct rep_dist *dist;
    double p_adjusted;
    /* children per parent: (children, model CDF, generated CDF) */
    size_t ncpp;
    double (*cpp)[3];
};

struct gen_rcolumn {
    const char *name;
    char *type;
    int64_t values, nulls;
    size_t ndist;
    struct rep_dist dist[2];
};

struct gen_rtable {
    const char *schema, *name;
    int64_t rows;
    size_t ncols;
    struct gen_rcolumn *cols;
};

struct gen_rgate {
    int passed;
    size_t checks, failed;
    char summary[400];
};

/* Everything a report says; built by gen_report_run, read by the writers. */
struct gen_report {
    char created_at[21];
    char *dir;
    char manifest_checksum[100];
    const char *data_format;
    int zstd;
    double seed;
    int64_t rows;
    size_t files, tables;
    uint64_t bytes;
    struct gen_gates gates;
    size_t key_budget, key_peak;
    uint64_t key_spilled;
    int passed;
    struct gen_rgate gate[GATE__COUNT];
    size_t nchecks, capchecks;
    struct gen_rcheck *checks;
    size_t ntables;
    struct gen_rtable *rtables;
};

/*
 * Run the report. *passed is 1 when every gate passes; `summary` (caller
 * frees) gets the terminal text: one line per gate, then the failing
 * checks. Fails (-1) with SIL_EINPUT when the output does not verify or
 * cannot be read as the manifest says, SIL_EIO on read/write errors.
 */
int gen_report_run(const struct gen_report_opts *o, int *passed, char **summary,
                   struct sil_err *err) SIL_WUR;

/* report.html text for a built report; caller frees. */
char *gen_report_html(const struct gen_report *r);

#endif
