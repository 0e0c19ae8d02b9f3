/*
 * The sampler's PostgreSQL session: a guest in production. One connection
 * (application_name silhouette-sampler), session limits set by SET before
 * anything else, one REPEATABLE READ, READ ONLY transaction for the whole
 * run, and every statement recorded in the audit log before its result is
 * used. Failures are classified so the caller can skip a table, retry with a
 * smaller sample or give up; passwords never appear in messages.
 */
#ifndef SAMPLER_DB_H
#define SAMPLER_DB_H

#include <libpq-fe.h>

#include "audit.h"
#include "err.h"

#define SAMPLER_APPLICATION_NAME "silhouette-sampler"
#define SAMPLER_MIN_SERVER       120000 /* PostgreSQL 12 */

struct sampler_db_opts {
    const char *dsn; /* conninfo or URI; NULL: PG* variables and defaults */
    int statement_timeout_ms;
    int lock_timeout_ms;
    int idle_timeout_ms;
    int connect_timeout_s;
    int allow_superuser;
};

/* Why a statement failed. */
enum sampler_fail {
    SAMPLER_F_NONE = 0,
    SAMPLER_F_PERMISSION, /* 42501: no privilege on the table or column */
    SAMPLER_F_GONE,       /* 42P01/42703/XX000 relation or column vanished */
    SAMPLER_F_TIMEOUT,    /* 57014 statement_timeout */
    SAMPLER_F_LOCK,       /* 55P03 lock_timeout */
    SAMPLER_F_OTHER,      /* any other error the run can survive (inside a savepoint) */
    SAMPLER_F_FATAL       /* connection lost, interrupted, audit log unwritable */
};

struct sampler_db;

/*
 * Connect and check the server: version at least 12, not a superuser session
 * unless allowed (SIL_EPOLICY). The audit log must outlive the handle.
 */
struct sampler_db *sampler_db_connect(const struct sampler_db_opts *o, struct sampler_audit *audit,
                                      struct sil_err *err) SIL_WUR;
/* Session limits and settings, then the read-only snapshot transaction. */
int sampler_db_begin(struct sampler_db *db, const struct sampler_db_opts *o,
                     struct sil_err *err) SIL_WUR;
/* End the transaction (COMMIT of a read-only transaction). */
int sampler_db_finish(struct sampler_db *db, struct sil_err *err) SIL_WUR;
/* Close the connection (rolls back anything open). NULL is a no-op. */
void sampler_db_close(struct sampler_db *db);

/*
 * Run one statement (a single line of SQL). Returns the result (caller
 * PQclear()s) or NULL with err and *fail set. A NULL `fail` makes every
 * failure fatal for the caller's purposes (it is still classified in err).
 */
PGresult *sampler_db_query(struct sampler_db *db, const char *sql, enum sampler_fail *fail,
                           struct sil_err *err) SIL_WUR;
/* A statement that returns no rows (SET, SAVEPOINT). */
int sampler_db_command(struct sampler_db *db, const char *sql, struct sil_err *err) SIL_WUR;

/* Savepoints around work that may fail without ending the run; rollback_to
 * also releases the savepoint. */
int sampler_db_savepoint(struct sampler_db *db, struct sil_err *err) SIL_WUR;
int sampler_db_release(struct sampler_db *db, struct sil_err *err) SIL_WUR;
int sampler_db_rollback_to(struct sampler_db *db, struct sil_err *err) SIL_WUR;

/* Facts about the session. */
int sampler_db_server_version(const struct sampler_db *db); /* e.g. 150004 */
const char *sampler_db_name(const struct sampler_db *db);

/* A field of a result, NULL for SQL NULL. */
const char *sampler_db_value(const PGresult *r, int row, int col);
/* Numeric fields: 0 / -1 on NULL or a malformed number. */
int sampler_db_i64(const PGresult *r, int row, int col, int64_t *out) SIL_WUR;
int sampler_db_f64(const PGresult *r, int row, int col, double *out) SIL_WUR;

#endif
