/* The sampler's libpq session: connection, limits, snapshot, audited statements. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "signals.h"

struct sampler_db {
    PGconn *conn;
    struct sampler_audit *audit;
    char *password; /* to scrub from messages; NULL when none */
};

/* The one connection a run has, for the signal hook. */
static PGcancel *volatile cancel_handle;

static void cancel_hook(void)
{
    PGcancel *c = cancel_handle;
    if (c) {
        char buf[256];
        PQcancel(c, buf, sizeof buf); /* async-signal-safe */
    }
}

/* Copy a libpq message into buf on one line, without any password. */
static void clean_message(const struct sampler_db *db, const char *msg, char *buf, size_t n)
{
    size_t o = 0;
    for (const char *p = msg ? msg : ""; *p && o + 1 < n; p++) {
        if (*p == '\n') {
            if (p[1] && o + 3 < n) {
                buf[o++] = ';';
                buf[o++] = ' ';
            }
            continue;
        }
        buf[o++] = *p == '\t' || *p == '\r' ? ' ' : *p;
    }
    buf[o] = '\0';
    if (db && db->password && *db->password) {
        size_t pl = strlen(db->password);
        char *hit;
        while ((hit = strstr(buf, db->password)) != NULL) {
            memset(hit, '*', pl);
        }
    }
    /* "password=..." in an echoed conninfo. */
    char *pw = strstr(buf, "password=");
    while (pw) {
        for (char *q = pw + 9; *q && *q != ' '; q++)
            *q = '*';
        pw = strstr(pw + 9, "password=");
    }
}

static const char *or_default(const char *s, const char *d)
{
    return s && *s ? s : d;
}

struct sampler_db *sampler_db_connect(const struct sampler_db_opts *o, struct sampler_audit *audit,
                                      struct sil_err *err)
{
    const char *keys[8], *vals[8];
    char ct[16];
    int n = 0;
    snprintf(ct, sizeof ct, "%d", o->connect_timeout_s > 0 ? o->connect_timeout_s : 10);
    /* Later keywords override earlier ones, and the expanded dsn overrides
     * connect_timeout; application_name and the encoding are ours. */
    keys[n] = "connect_timeout";
    vals[n++] = ct;
    if (o->dsn) {
        keys[n] = "dbname";
        vals[n++] = o->dsn;
    }
    keys[n] = "application_name";
    vals[n++] = SAMPLER_APPLICATION_NAME;
    keys[n] = "client_encoding";
    vals[n++] = "UTF8";
    keys[n] = NULL;
    vals[n] = NULL;

    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn)
        SIL_BUG("PQconnectdbParams returned NULL");
    struct sampler_db *db = sil_xcalloc(1, sizeof *db);
    db->conn = conn;
    db->audit = audit;
    const char *pw = PQpass(conn);
    db->password = pw && *pw ? sil_xstrdup(pw) : NULL;
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[1024];
        clean_message(db, PQerrorMessage(conn), msg, sizeof msg);
        /* Authentication failures name the user; reachability the host. */
        sil_err_set(err, SIL_EDB,
                    "cannot connect to PostgreSQL (host %s, port %s, database %s, "
                    "user %s): %s",
                    or_default(PQhost(conn), "default"), or_default(PQport(conn), "default"),
                    or_default(PQdb(conn), "default"), or_default(PQuser(conn), "default"), msg);
        if (strstr(msg, "password authentication failed") || strstr(msg, "no password supplied"))
            sil_err_hint(err, "check the user and the password (PGPASSWORD, ~/.pgpass or the "
                              "connection string)");
        else
            sil_err_hint(err, "check --dsn or PGHOST, PGPORT and PGDATABASE, and that the "
                              "server accepts connections");
        sampler_db_close(db);
        return NULL;
    }
    if (PQserverVersion(conn) < SAMPLER_MIN_SERVER) {
        sil_err_set(err, SIL_EDB,
                    "server version %d is older than PostgreSQL 12, the oldest "
                    "the sampler supports",
                    PQserverVersion(conn));
        sampler_db_close(db);
        return NULL;
    }
    const char *su = PQparameterStatus(conn, "is_superuser");
    if (su && strcmp(su, "on") == 0 && !o->allow_superuser) {
        sil_err_set(err, SIL_EPOLICY, "refusing to sample as superuser \"%s\"", PQuser(conn));
        sil_err_hint(err, "connect as a role with read access only (e.g. a member of "
                          "pg_read_all_data), or pass --allow-superuser");
        sampler_db_close(db);
        return NULL;
    }
    cancel_handle = PQgetCancel(conn);
    sil_signals_set_hook(cancel_hook);
    return db;
}

void sampler_db_close(struct sampler_db *db)
{
    if (!db)
        return;
    sil_signals_set_hook(NULL);
    PGcancel *c = cancel_handle;
    cancel_handle = NULL;
    if (c)
        PQfreeCancel(c);
    PQfinish(db->conn);
    free(db->password);
    free(db);
}

static enum sampler_fail classify(const char *state)
{
    if (!state)
        return SAMPLER_F_OTHER;
    if (strcmp(state, "42501") == 0)
        return SAMPLER_F_PERMISSION;
    if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0 || strcmp(state, "XX000") == 0)
        return SAMPLER_F_GONE;
    if (strcmp(state, "57014") == 0)
        return SAMPLER_F_TIMEOUT;
    if (strcmp(state, "55P03") == 0)
        return SAMPLER_F_LOCK;
    /* Connection-level classes end the run. */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "25P03") == 0)
        return SAMPLER_F_FATAL;
    return SAMPLER_F_OTHER;
}

PGresult *sampler_db_query(struct sampler_db *db, const char *sql, enum sampler_fail *fail,
                           struct sil_err *err)
{
    enum sampler_fail dummy;
    if (!fail)
        fail = &dummy;
    *fail = SAMPLER_F_NONE;
    if (sil_interrupted()) {
        *fail = SAMPLER_F_FATAL;
        return sil_err_set(err, SIL_EINTR, "interrupted"), NULL;
    }
    sil_log_debug("sql: %s", sql);
    double t0 = sil_now();
    PGresult *r = PQexec(db->conn, sql);
    double dt = sil_now() - t0;
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    char emsg[1024] = "", state_buf[8] = "";
    const char *state = NULL;
    if (!ok) {
        char prim[768];
        /* Copied: the result is freed before the state is classified. */
        const char *st0 = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (st0) {
            snprintf(state_buf, sizeof state_buf, "%s", st0);
            state = state_buf;
        }
        /* Only the primary message: details could quote data. */
        const char *pm = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        clean_message(db, pm ? pm : PQerrorMessage(db->conn), prim, sizeof prim);
        snprintf(emsg, sizeof emsg, "%s: %s", state ? state : "-----", prim);
    }
    struct sil_err aerr;
    sil_err_clear(&aerr);
    if (sampler_audit_statement(db->audit, sql, dt, st == PGRES_TUPLES_OK ? PQntuples(r) : -1,
                                ok ? NULL : emsg, &aerr) < 0) {
        PQclear(r);
        *err = aerr;
        *fail = SAMPLER_F_FATAL;
        return NULL;
    }
    if (ok)
        return r;
    PQclear(r);
    if (sil_interrupted()) {
        *fail = SAMPLER_F_FATAL;
        return sil_err_set(err, SIL_EINTR, "interrupted"), NULL;
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        *fail = SAMPLER_F_FATAL;
        sil_err_set(err, SIL_EDB, "lost the connection to the server: %s", emsg);
        sil_err_hint(err, "the server restarted or the session was ended (an "
                          "idle_in_transaction_session_timeout?); run the sampler again");
        return NULL;
    }
    *fail = classify(state);
    sil_err_set(err, SIL_EDB, "%s", emsg);
    return NULL;
}

int sampler_db_command(struct sampler_db *db, const char *sql, struct sil_err *err)
{
    PGresult *r = sampler_db_query(db, sql, NULL, err);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int sampler_db_begin(struct sampler_db *db, const struct sampler_db_opts *o, struct sil_err *err)
{
    char sql[128];
    /* Session limits first, so even the snapshot's first statement is bounded. */
    snprintf(sql, sizeof sql, "SET statement_timeout = %d", o->statement_timeout_ms);
    if (sampler_db_command(db, sql, err) < 0)
        return -1;
    snprintf(sql, sizeof sql, "SET lock_timeout = %d", o->lock_timeout_ms);
    if (sampler_db_command(db, sql, err) < 0)
        return -1;
    snprintf(sql, sizeof sql, "SET idle_in_transaction_session_timeout = %d", o->idle_timeout_ms);
    if (sampler_db_command(db, sql, err) < 0)
        return -1;
    static const char *const fixed[] = {
        /* Names resolve in pg_catalog first and only: no user function can
         * stand in for count() or avg(). */
        "SET search_path = pg_catalog",
        /* One worker, no JIT: a light, predictable guest. Serial plans also
         * make float sums, and so the shape, reproducible. */
        "SET max_parallel_workers_per_gather = 0", "SET jit = off",
        /* Sorts of one sample column fit in memory instead of spilling to
         * temp files: bounded by --sample-rows, a few MB per sort. */
        "SET work_mem = '32MB'",
        /* Full scans start at block 0, so LIMITed scans read the same rows. */
        "SET synchronize_seqscans = off", "SET TimeZone = 'UTC'", "SET extra_float_digits = 3",
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", NULL};
    for (int i = 0; fixed[i]; i++)
        if (sampler_db_command(db, fixed[i], err) < 0)
            return -1;
    return 0;
}

int sampler_db_finish(struct sampler_db *db, struct sil_err *err)
{
    return sampler_db_command(db, "COMMIT", err);
}

int sampler_db_savepoint(struct sampler_db *db, struct sil_err *err)
{
    return sampler_db_command(db, "SAVEPOINT sil_step", err);
}

int sampler_db_release(struct sampler_db *db, struct sil_err *err)
{
    return sampler_db_command(db, "RELEASE SAVEPOINT sil_step", err);
}

int sampler_db_rollback_to(struct sampler_db *db, struct sil_err *err)
{
    /* Undo the failed step, then drop the savepoint so they never nest. */
    if (sampler_db_command(db, "ROLLBACK TO SAVEPOINT sil_step", err) < 0)
        return -1;
    return sampler_db_release(db, err);
}

int sampler_db_server_version(const struct sampler_db *db)
{
    return PQserverVersion(db->conn);
}

const char *sampler_db_name(const struct sampler_db *db)
{
    return PQdb(db->conn);
}

const char *sampler_db_value(const PGresult *r, int row, int col)
{
    if (row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
        return NULL;
    return PQgetvalue(r, row, col);
}

int sampler_db_i64(const PGresult *r, int row, int col, int64_t *out)
{
    const char *v = sampler_db_value(r, row, col);
    return v ? sil_parse_i64(v, INT64_MIN, INT64_MAX, out) : -1;
}

int sampler_db_f64(const PGresult *r, int row, int col, double *out)
{
    const char *v = sampler_db_value(r, row, col);
    return v ? sil_parse_double(v, out) : -1;
}
