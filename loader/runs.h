/*
 * `loader runs` lists the runs recorded in silhouette_meta.load_runs with
 * their true state: a RUNNING run whose loader is gone (no session holds its
 * lock) is shown ABANDONED, and a run whose schema is missing says so.
 * `loader teardown` drops a run's schema (only if it carries the run's
 * comment) and marks it TORN_DOWN; --all does so for every run and for any
 * schema left with a loader comment. Teardown is idempotent.
 */
#ifndef LOADER_RUNS_H
#define LOADER_RUNS_H

#include <stdio.h>

#include "err.h"

struct loader_runs_opts {
    const char *dsn;
    int json;
};

/* Print the runs to `out` (a table, or JSON lines with json). */
int loader_runs(const struct loader_runs_opts *o, FILE *out, struct sil_err *err) SIL_WUR;

struct loader_teardown_opts {
    const char *dsn;
    const char *run_id; /* one run, or */
    int all;            /* every run */
    int force;          /* no confirmation for --all; stop live loads */
    int interactive;    /* stdin is a terminal: --all asks */
};

/* Tear down; says what it did on `out`, reads the confirmation from `in`. */
int loader_teardown(const struct loader_teardown_opts *o, FILE *in, FILE *out,
                    struct sil_err *err) SIL_WUR;

#endif
