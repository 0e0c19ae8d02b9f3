/*
 * libpq helpers for the loader: connections with application_name and
 * retries, statements with parameters, libpq errors wrapped into sil_err,
 * and the cancel registry the signal handler uses. A transient failure (the
 * connection was lost, the server is restarting, too many clients) is
 * reported with code SIL_ENET so callers can retry; every other database
 * error is SIL_EDB. Messages never contain a password: the loader only ever
 * echoes host, port, database and user.
 */
#ifndef LOADER_PG_H
#define LOADER_PG_H

#include <libpq-fe.h>

#include "envpolicy.h"
#include "err.h"

/* Connect with the user's conninfo or URI (PG* variables and .pgpass apply);
 * `appname` is set as application_name. NULL with err (SIL_ENET when the
 * server may come back: refused, starting up, shutting down). */
PGconn *loader_pg_connect(const char *dsn, const char *appname, struct sil_err *err) SIL_WUR;

/* Keep trying for up to `seconds` with exponential backoff, saying so on
 * stderr ("what" names the connection in the message). */
PGconn *loader_pg_connect_retry(const char *dsn, const char *appname, double seconds,
                                const char *what, struct sil_err *err) SIL_WUR;

/* Is the --dsn string parseable by libpq? (Its message is not echoed: it may
 * quote the password.) */
int loader_pg_dsn_valid(const char *dsn, struct sil_err *err) SIL_WUR;

/* The target as libpq reports it; the strings belong to `c`. */
void loader_pg_target(PGconn *c, struct loader_target *t);

/* Run a statement without parameters that returns no rows. */
int loader_pg_exec(PGconn *c, const char *sql, struct sil_err *err) SIL_WUR;
/* Run a statement with text parameters (NULL = SQL NULL) that returns no rows;
 * *affected (may be NULL) gets the row count. */
int loader_pg_execp(PGconn *c, const char *sql, int n, const char *const *params, int64_t *affected,
                    struct sil_err *err) SIL_WUR;
/* Run a query with text parameters; the caller PQclear()s the result. */
PGresult *loader_pg_query(PGconn *c, const char *sql, int n, const char *const *params,
                          struct sil_err *err) SIL_WUR;

/* Wrap a failed result (or the connection's error when r is NULL): "what:
 * message", the SQLSTATE, detail and hint kept. Sets SIL_ENET for transient
 * failures, SIL_EDB otherwise. Returns -1. */
int loader_pg_fail(struct sil_err *err, PGconn *c, const PGresult *r, const char *what);
/* The SQLSTATE of the last wrapped failure, "" if none (per thread). */
const char *loader_pg_last_sqlstate(void);

/* A single-quoted SQL literal (E'' with doubled backslashes when needed), for
 * files such as teardown.sql that are not sent with parameters. Caller frees. */
char *loader_sql_literal(const char *s);

/*
 * Cancel registry: connections doing long work register their PGcancel so a
 * signal can interrupt them (the hook installed by loader_pg_cancel_install
 * calls PQcancel, which is async-signal-safe). Slots are returned by
 * register and given back by unregister.
 */
void loader_pg_cancel_install(void);
int loader_pg_cancel_register(PGconn *c);
void loader_pg_cancel_unregister(int slot);
/* Cancel every registered connection now (from normal code). */
void loader_pg_cancel_all(void);
/* Remove the hook and free every cancel object (when no work is left). */
void loader_pg_cancel_shutdown(void);

#endif
