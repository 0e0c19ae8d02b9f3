/* libpq helpers: connections, parameters, error wrapping, cancellation. */
#include "pg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "signals.h"

static _Thread_local char last_state[6];

const char *loader_pg_last_sqlstate(void)
{
    return last_state;
}

int loader_pg_dsn_valid(const char *dsn, struct sil_err *err)
{
    char *msg = NULL;
    PQconninfoOption *o = PQconninfoParse(dsn, &msg);
    if (!o) {
        PQfreemem(msg);
        return sil_err_set(err, SIL_EUSAGE, "--dsn is not a valid libpq connection string or URI");
    }
    PQconninfoFree(o);
    return 0;
}

/* Connection failures that may go away if we wait. */
static int connect_transient(const char *msg)
{
    static const char *const permanent[] = {"authentication failed",
                                            "does not exist",
                                            "no password supplied",
                                            "permission denied",
                                            "no pg_hba.conf entry",
                                            "SSL",
                                            "invalid",
                                            "could not translate host name",
                                            NULL};
    for (size_t i = 0; permanent[i]; i++)
        if (strstr(msg, permanent[i]))
            return 0;
    return 1;
}

static void trim_newlines(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (char *c = s; *c; c++)
        if (*c == '\n')
            *c = ' ';
}

static void notice_processor(void *arg, const char *message)
{
    (void)arg;
    if (sil_log_level() >= SIL_LOG_DEBUG)
        fprintf(stderr, "%s: server: %s", sil_prog(), message);
}

PGconn *loader_pg_connect(const char *dsn, const char *appname, struct sil_err *err)
{
    const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {dsn && dsn[0] ? dsn : NULL, appname, "10", NULL};
    if (!dsn || !dsn[0]) {
        keys[0] = "application_name";
        vals[0] = appname;
        keys[1] = "connect_timeout";
        vals[1] = "10";
        keys[2] = NULL;
        vals[2] = NULL;
    }
    /* expand_dbname: the first dbname may be a whole conninfo or URI; the keys after it
     * override its values, so loader sessions are always named by application_name and
     * every attempt is bounded in time. */
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c) {
        sil_err_set(err, SIL_EDB, "cannot connect: out of memory in libpq");
        return NULL;
    }
    /* NOTICEs (DROP ... CASCADE lists every object) are for -vv only */
    PQsetNoticeProcessor(c, notice_processor, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        trim_newlines(msg);
        sil_err_set(err, connect_transient(msg) ? SIL_ENET : SIL_EDB, "cannot connect: %s", msg);
        PQfinish(c);
        return NULL;
    }
    return c;
}

PGconn *loader_pg_connect_retry(const char *dsn, const char *appname, double seconds,
                                const char *what, struct sil_err *err)
{
    double start = sil_now(), delay = 0.25;
    for (int attempt = 1;; attempt++) {
        PGconn *c = loader_pg_connect(dsn, appname, err);
        if (c) {
            if (attempt > 1)
                sil_log_info("%s: reconnected after %d attempt%s", what, attempt,
                             attempt == 1 ? "" : "s");
            return c;
        }
        if (err->code != SIL_ENET || sil_interrupted() || sil_now() - start + delay > seconds)
            return NULL;
        sil_log_warn("%s: %s; retrying in %.2gs (attempt %d)", what, err->msg, delay, attempt + 1);
        struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&ts, NULL);
        delay = delay * 2 > 8 ? 8 : delay * 2;
    }
}

void loader_pg_target(PGconn *c, struct loader_target *t)
{
    const char *port = PQport(c);
    int64_t p = 0;
    t->host = PQhost(c) ? PQhost(c) : "";
    t->hostaddr = PQhostaddr(c) ? PQhostaddr(c) : "";
    t->port = port && sil_parse_i64(port, 1, 65535, &p) == 0 ? (int)p : 5432;
    t->dbname = PQdb(c) ? PQdb(c) : "";
    t->user = PQuser(c) ? PQuser(c) : "";
}

static int state_transient(const char *s)
{
    if (!s || !s[0])
        return 0;
    return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
           strcmp(s, "57P03") == 0 || strcmp(s, "53300") == 0 || strcmp(s, "40001") == 0 ||
           strcmp(s, "40P01") == 0;
}

int loader_pg_fail(struct sil_err *err, PGconn *c, const PGresult *r, const char *what)
{
    char msg[800];
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) : NULL;
    if (primary)
        snprintf(msg, sizeof msg, "%s%s%s", primary, detail ? " (" : "", detail ? detail : "");
    else
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "unknown error");
    trim_newlines(msg);
    if (primary && detail) {
        size_t n = strlen(msg);
        if (n + 1 < sizeof msg) {
            msg[n] = ')';
            msg[n + 1] = '\0';
        }
    }
    const char *context = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    if (context) {
        /* the first line: "COPY orders, line 8: ..." says where in the data */
        size_t n = strlen(msg), k = strcspn(context, "\n");
        snprintf(msg + n, sizeof msg - n, "; %.*s", (int)SIL_MIN(k, 240), context);
    }
    snprintf(last_state, sizeof last_state, "%s", state ? state : "");
    int transient = state_transient(state) || (c && PQstatus(c) == CONNECTION_BAD);
    sil_err_set(err, transient ? SIL_ENET : SIL_EDB, "%s: %s%s%s%s", what, msg,
                state ? " [SQLSTATE " : "", state ? state : "", state ? "]" : "");
    if (hint)
        sil_err_hint(err, "%s", hint);
    return -1;
}

int loader_pg_execp(PGconn *c, const char *sql, int n, const char *const *params, int64_t *affected,
                    struct sil_err *err)
{
    PGresult *r = n ? PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char what[160];
        snprintf(what, sizeof what, "statement failed");
        loader_pg_fail(err, c, r, what);
        PQclear(r);
        return -1;
    }
    if (affected) {
        int64_t v = 0;
        const char *t = PQcmdTuples(r);
        *affected = t && t[0] && sil_parse_i64(t, 0, INT64_MAX, &v) == 0 ? v : 0;
    }
    PQclear(r);
    return 0;
}

int loader_pg_exec(PGconn *c, const char *sql, struct sil_err *err)
{
    return loader_pg_execp(c, sql, 0, NULL, NULL, err);
}

PGresult *loader_pg_query(PGconn *c, const char *sql, int n, const char *const *params,
                          struct sil_err *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        loader_pg_fail(err, c, r, "query failed");
        PQclear(r);
        return NULL;
    }
    return r;
}

char *loader_sql_literal(const char *s)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    if (strchr(s, '\\'))
        sil_buf_addc(&b, 'E');
    sil_buf_addc(&b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'' || *p == '\\')
            sil_buf_addc(&b, *p);
        sil_buf_addc(&b, *p);
    }
    sil_buf_addc(&b, '\'');
    return sil_buf_detach(&b, NULL);
}

/* ---- cancellation ---- */

#define CANCEL_SLOTS 256

static PGcancel *_Atomic cancel_slots[CANCEL_SLOTS];
static pthread_mutex_t cancel_mu = PTHREAD_MUTEX_INITIALIZER;
static PGcancel **graveyard;
static size_t ngraveyard, graveyard_cap;

static void cancel_hook(void)
{
    char buf[256];
    for (int i = 0; i < CANCEL_SLOTS; i++) {
        PGcancel *pc = atomic_load(&cancel_slots[i]);
        if (pc)
            PQcancel(pc, buf, sizeof buf);
    }
}

void loader_pg_cancel_install(void)
{
    sil_signals_set_hook(cancel_hook);
}

int loader_pg_cancel_register(PGconn *c)
{
    PGcancel *pc = PQgetCancel(c);
    if (!pc)
        return -1;
    pthread_mutex_lock(&cancel_mu);
    for (int i = 0; i < CANCEL_SLOTS; i++) {
        PGcancel *expected = NULL;
        if (atomic_compare_exchange_strong(&cancel_slots[i], &expected, pc)) {
            pthread_mutex_unlock(&cancel_mu);
            return i;
        }
    }
    pthread_mutex_unlock(&cancel_mu);
    PQfreeCancel(pc);
    return -1;
}

void loader_pg_cancel_unregister(int slot)
{
    if (slot < 0 || slot >= CANCEL_SLOTS)
        return;
    /* The signal handler may be reading the slot in another thread right now, so the object
     * is not freed here but kept until loader_pg_cancel_shutdown. */
    PGcancel *pc = atomic_exchange(&cancel_slots[slot], NULL);
    if (!pc)
        return;
    pthread_mutex_lock(&cancel_mu);
    graveyard = sil_xgrow(graveyard, sizeof *graveyard, ngraveyard + 1, &graveyard_cap);
    graveyard[ngraveyard++] = pc;
    pthread_mutex_unlock(&cancel_mu);
}

void loader_pg_cancel_shutdown(void)
{
    sil_signals_set_hook(NULL);
    for (int i = 0; i < CANCEL_SLOTS; i++)
        loader_pg_cancel_unregister(i);
    pthread_mutex_lock(&cancel_mu);
    for (size_t i = 0; i < ngraveyard; i++)
        PQfreeCancel(graveyard[i]);
    free(graveyard);
    graveyard = NULL;
    ngraveyard = graveyard_cap = 0;
    pthread_mutex_unlock(&cancel_mu);
}

void loader_pg_cancel_all(void)
{
    cancel_hook();
}
