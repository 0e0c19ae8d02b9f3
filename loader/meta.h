/*
 * silhouette_meta: the loader's bookkeeping in the target database.
 * load_runs has one row per run (status RUNNING, COMPLETED, FAILED or
 * TORN_DOWN, checksums, seed, times, rows per table, fast paths, errors);
 * load_pieces records each committed piece of data in the same transaction
 * as its COPY, so a retry after a lost connection knows what is in. A run in
 * progress holds a session advisory lock; a RUNNING run whose lock nobody
 * holds was abandoned (its loader died or its server restarted).
 */
#ifndef LOADER_META_H
#define LOADER_META_H

#include <libpq-fe.h>
#include <stdint.h>

#include "err.h"

#define LOADER_META_SCHEMA  "silhouette_meta"
#define LOADER_META_VERSION 1
/* First key of every advisory lock the loader takes ("SILH"). */
#define LOADER_LOCK_CLASS 0x53494c48
/* Comment on each run's schema: this prefix, then the run id. */
#define LOADER_SCHEMA_MARK "silhouette loader run "

/* 0 when silhouette_meta is absent or is the loader's (and *exists says
 * which); SIL_EPOLICY when a schema of that name is not the loader's. */
int loader_meta_check(PGconn *c, int *exists, struct sil_err *err) SIL_WUR;
/* Create silhouette_meta if missing, and its telemetry tables and columns if missing
 * (docs/telemetry.md); safe against concurrent loaders. */
int loader_meta_ensure(PGconn *c, struct sil_err *err) SIL_WUR;

/* The advisory lock key of a run (the second int4 key). */
int32_t loader_run_lock_key(const char *run_id);
/* Take (session level) the run's lock; fails if another session holds it. */
int loader_meta_lock_run(PGconn *c, const char *run_id, struct sil_err *err) SIL_WUR;
/* Is the run's lock held by any session? -1 on error. */
int loader_meta_run_live(PGconn *c, const char *run_id, struct sil_err *err) SIL_WUR;

/* Fail (SIL_ECHECK, permanent) unless the run's recorded status is RUNNING: a
 * teardown or another session stopped it, so a reconnecting loader must not go on. */
int loader_meta_still_running(PGconn *c, const char *run_id, struct sil_err *err) SIL_WUR;

/* Does a schema exist, and what is its comment (caller frees; NULL if none)? */
int loader_schema_exists(PGconn *c, const char *schema, int *exists, char **comment,
                         struct sil_err *err) SIL_WUR;

#endif
