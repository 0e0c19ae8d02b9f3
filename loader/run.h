/*
 * The state of one load run, shared by the orchestration (load.c) and the
 * parallel workers (work.c). Internal to the loader.
 */
#ifndef LOADER_RUN_H
#define LOADER_RUN_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "envpolicy.h"
#include "load.h"
#include "manifest.h"
#include "plan.h"
#include "shape.h"
#include "verify.h"

/* A byte range of one data file, loaded and committed as a unit. */
struct loader_piece {
    size_t file;        /* index in the table's files */
    size_t gfile;       /* index in run->ids */
    int64_t start, end; /* end -1: the whole file */
    char *id;           /* "data/x.copy" or "data/x.copy@<start>" in load_pieces */
    int64_t rows;       /* committed rows */
};

/* A unit of work: a whole table in one transaction that also creates it
 * (solo: COPY FREEZE possible), or one piece of a table created beforehand. */
struct loader_job {
    size_t table;
    int solo;
    size_t npieces;
    struct loader_piece *pieces;
    int64_t bytes;
};

struct loader_tstate {
    int solo;   /* loaded by one connection in the creating transaction */
    int freeze; /* COPY FREEZE used */
    size_t npieces;
    int64_t rows; /* committed */
};

struct loader_run {
    const struct loader_load_opts *o;
    struct loader_manifest *m;
    struct sil_shape *shape;
    struct loader_plan *plan;
    struct loader_fileid *ids;
    size_t *file_base; /* per table: index of its first file in ids */
    char run_id[40];
    char schema[64];
    char appname[64];
    int jobs;
    int wal_minimal;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct loader_job *jobv;
    size_t njobs, next_job;
    int active;
    int failed;
    struct sil_err ferr;
    atomic_int_least64_t bytes_done;
    int64_t bytes_total, rows_total;
    struct loader_tstate *ts;
    char **notes; /* retries and warnings, for the report */
    size_t nnotes;
    /* called about once a second while workers run (from the waiting thread); a failure
     * stops the run */
    int (*tick)(struct loader_run *r, struct sil_err *err);
};

/* Record a note (thread-safe) and say it on stderr. */
void loader_run_note(struct loader_run *r, const char *fmt, ...) SIL_PRINTF(2, 3);
/* Record the first failure (thread-safe); later ones are dropped. */
void loader_run_fail(struct loader_run *r, const struct sil_err *e);
int loader_run_failed(struct loader_run *r);

/* Open a worker connection: application_name, search_path pg_catalog,
 * asynchronous commit; retried for the run's retry budget. */
PGconn *loader_worker_connect(struct loader_run *r, const char *what, struct sil_err *err);

/* Load every job on up to r->jobs connections; returns when all are done or
 * one failed (r->failed, r->ferr). Draws progress while it waits. */
int loader_copy_all(struct loader_run *r, struct sil_err *err) SIL_WUR;

/* A statement run by the task runner. */
enum loader_task_kind { TASK_EXEC, TASK_COUNT, TASK_VALIDATE_FK, TASK_SEQ };
struct loader_task {
    enum loader_task_kind kind;
    const char *label; /* for messages: "primary key of public.users" */
    size_t table, fk;
    size_t nsql;
    const char *sql[8];
    const char *param[8]; /* TASK_SEQ: the column, for pg_get_serial_sequence */
    int64_t result;       /* TASK_COUNT */
};

/* Run tasks on up to r->jobs connections, retrying transient failures
 * (on a retry, "already exists" counts as done). */
int loader_run_tasks(struct loader_run *r, struct loader_task *t, size_t n, const char *phase,
                     struct sil_err *err) SIL_WUR;

#endif
