/*
 * `loader load OUT_DIR...`: verify a generator output (one directory, or
 * the shard directories of one sharded output), check the target
 * against the environment policy and its marker, then load it into a new
 * schema of its own: tables without keys, data streamed with COPY on
 * parallel connections, then keys, foreign keys (validated), sequences and
 * ANALYZE, then row counts checked against the manifest. The run is recorded
 * in silhouette_meta.load_runs and marked COMPLETED only after every check;
 * on failure it is marked FAILED and its schema dropped (unless keep_failed).
 * A JSON run report and a standalone teardown.sql are written next to the
 * data.
 */
#ifndef LOADER_LOAD_H
#define LOADER_LOAD_H

#include <stdint.h>

#include "err.h"

struct loader_load_opts {
    const char *const *out_dirs; /* one output directory, or the N shard directories of one */
    size_t nout_dirs;
    const char *dsn;         /* conninfo or URI; NULL/"" = libpq defaults (PG* variables) */
    const char *schema;      /* NULL = "sil_" + run id */
    const char *policy_path; /* NULL = the shipped environments.json */
    const char *tablespace;  /* NULL = the database default */
    const char *report_dir;  /* NULL = OUT_DIR/loads (of the first shard) */
    int jobs;                /* parallel connections, >= 1 */
    int keep_failed;
    int allow_unmarked;
    int dry_run;          /* verify, check the target, print the plan; write nothing */
    int no_split;         /* load every table in one stream (COPY FREEZE), never in ranges */
    double retry_seconds; /* budget for reconnecting after a transient failure */
};

struct loader_load_result {
    char run_id[40];
    char schema[64];
    char status[16];
    int64_t rows;
    double seconds;
    double copy_seconds;
    char report_path[1024];
};

/* Exit-code relevant errors: SIL_EINPUT/SIL_EEXPIRED bad output (2),
 * SIL_EPOLICY refused target (3), SIL_EDB/SIL_ENET/SIL_ECHECK failed load (1),
 * SIL_EINTR interrupted. `res` is filled as far as the run got. */
int loader_load(const struct loader_load_opts *o, struct loader_load_result *res,
                struct sil_err *err) SIL_WUR;

/* The run id for `now`: "YYYYMMDDTHHMMSSZ-xxxxxx" with 6 random hex digits. */
void loader_new_run_id(char out[40]);
/* The default schema of a run id: "sil_" + the id in lower case, '-' as '_'. */
void loader_default_schema(const char *run_id, char out[64]);
/* Is `s` acceptable for --schema: [a-z_][a-z0-9_]*, at most 63 bytes, not
 * pg_*, public, information_schema or silhouette_meta. */
int loader_schema_name_ok(const char *s, const char **why);

#endif
