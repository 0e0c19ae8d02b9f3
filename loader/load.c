/* `loader load`: verify, check the target, load into a run schema, verify, record. */
/* realpath(3) is an XSI function. */
#define _XOPEN_SOURCE 700

#include "load.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "checksum.h"
#include "endorse.h"
#include "fileio.h"
#include "telemetry.h"
#include "json.h"
#include "log.h"
#include "meta.h"
#include "pg.h"
#include "policy.h"
#include "run.h"
#include "signals.h"
#include "source.h"

#define SPLIT_MIN_BYTES ((int64_t)32 << 20)

void loader_new_run_id(char out[40])
{
    char now[21];
    sil_utc_now(now);
    unsigned char rnd[3];
    randombytes_buf(rnd, sizeof rnd);
    char hex[7];
    sil_hex(rnd, sizeof rnd, hex);
    /* 2026-01-31T12:00:00Z -> 20260131T120000Z */
    char compact[17];
    size_t k = 0;
    for (const char *p = now; *p && k < sizeof compact - 1; p++)
        if (*p != '-' && *p != ':')
            compact[k++] = *p;
    compact[k] = '\0';
    snprintf(out, 40, "%s-%s", compact, hex);
}

void loader_default_schema(const char *run_id, char out[64])
{
    size_t k = 0;
    k += (size_t)snprintf(out, 64, "sil_");
    for (const char *p = run_id; *p && k < 63; p++)
        out[k++] = *p == '-' ? '_' : (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    out[k] = '\0';
}

int loader_schema_name_ok(const char *s, const char **why)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) {
        *why = "must be 1 to 63 characters";
        return 0;
    }
    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) {
        *why = "must start with a lower-case letter or '_'";
        return 0;
    }
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            *why = "may only hold lower-case letters, digits and '_'";
            return 0;
        }
    if (strncmp(s, "pg_", 3) == 0 || strcmp(s, "public") == 0 ||
        strcmp(s, "information_schema") == 0 || strcmp(s, LOADER_META_SCHEMA) == 0) {
        *why = "is reserved";
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */

struct ctx {
    struct loader_run r; /* first: ctl_tick casts the run back to its ctx */
    const struct loader_load_opts *o;
    struct loader_load_result *res;
    PGconn *ctl; /* holds the run's lock; records status */
    struct loader_target target;
    char host[256], hostaddr[64], dbname[128], user[128];
    const char *policy_target;
    int require_endorsement;
    struct sil_endorsement *endorsements; /* one per output directory, when required */
    char marker[80];
    int has_marker;
    char *report_path, *teardown_path;
    char started_at[21], finished_at[21];
    double t_start, t_verify, t_setup, t_copy, t_keys, t_fks, t_post, t_counts;
    int row_inserted, schema_created;
    char status[16];
    int schema_dropped;
    struct sil_err ferr;
};

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* The control connection: reconnect and take the run's lock again after a transient failure,
 * for as long as the retry budget lasts. */
static int ctl_ensure(struct ctx *x, struct sil_err *err)
{
    if (x->ctl && PQstatus(x->ctl) == CONNECTION_OK)
        return 0;
    if (x->ctl) {
        PQfinish(x->ctl);
        x->ctl = NULL;
        loader_run_note(&x->r, "control connection lost; reconnecting");
    }
    double start = sil_now();
    for (;;) {
        double left = x->o->retry_seconds - (sil_now() - start);
        x->ctl = loader_pg_connect_retry(x->o->dsn, x->r.appname, left > 0.5 ? left : 0.5,
                                         "control connection", err);
        if (!x->ctl)
            return -1;
        if (loader_pg_exec(x->ctl, "SET search_path = pg_catalog; SET synchronous_commit = on",
                           err) == 0 &&
            loader_meta_lock_run(x->ctl, x->r.run_id, err) == 0 &&
            loader_meta_still_running(x->ctl, x->r.run_id, err) == 0)
            return 0;
        PQfinish(x->ctl);
        x->ctl = NULL;
        if (err->code != SIL_ENET || sil_interrupted() || sil_now() - start > x->o->retry_seconds)
            return -1;
        loader_run_note(&x->r, "control connection: %s; retrying", err->msg);
        struct timespec ts = {0, 500000000L};
        nanosleep(&ts, NULL);
    }
}

/* While workers run: notice a lost control connection early, take the run's lock again,
 * and stop if the run was stopped from outside. */
static int ctl_tick(struct loader_run *r, struct sil_err *err)
{
    struct ctx *x = (struct ctx *)r;
    if (x->ctl && PQstatus(x->ctl) == CONNECTION_OK && PQconsumeInput(x->ctl) == 1 &&
        PQstatus(x->ctl) == CONNECTION_OK)
        return 0;
    return ctl_ensure(x, err);
}

/* A statement on the control connection, retried after transient failures. */
static int ctl_execp(struct ctx *x, const char *sql, int n, const char *const *params,
                     int64_t *affected, struct sil_err *err)
{
    double start = sil_now();
    for (;;) {
        if (ctl_ensure(x, err) < 0)
            return -1;
        if (loader_pg_execp(x->ctl, sql, n, params, affected, err) == 0)
            return 0;
        if (err->code != SIL_ENET || sil_now() - start > x->o->retry_seconds)
            return -1;
        loader_run_note(&x->r, "control connection: %s; retrying", err->msg);
    }
}

/* A query on the control connection, retried after transient failures; caller PQclear()s. */
static PGresult *ctl_query(struct ctx *x, const char *sql, int n, const char *const *params,
                           struct sil_err *err)
{
    double start = sil_now();
    for (;;) {
        if (ctl_ensure(x, err) < 0)
            return NULL;
        PGresult *r = loader_pg_query(x->ctl, sql, n, params, err);
        if (r)
            return r;
        if (err->code != SIL_ENET || sil_now() - start > x->o->retry_seconds)
            return NULL;
        loader_run_note(&x->r, "control connection: %s; retrying", err->msg);
    }
}

/* ---- reports ---- */

static cJSON *rows_json(struct ctx *x)
{
    cJSON *o = sil_jnew_object();
    for (size_t t = 0; t < x->r.plan->ntables; t++)
        sil_jadd_num(o, x->r.plan->tables[t].label, (double)x->r.ts[t].rows);
    return o;
}

static cJSON *fast_paths_json(struct ctx *x)
{
    cJSON *a = sil_jnew_array();
    int any_freeze = 0, any_parallel = 0;
    for (size_t t = 0; t < x->r.plan->ntables; t++) {
        any_freeze |= x->r.ts[t].freeze;
        any_parallel |= !x->r.ts[t].solo;
    }
    if (any_freeze)
        sil_jpush_str(a, "copy-freeze");
    if (any_freeze && x->r.wal_minimal)
        sil_jpush_str(a, "wal-skipped");
    if (any_parallel)
        sil_jpush_str(a, "parallel-copy");
    if (x->r.jobs > 1 && x->r.plan->ntables > 1)
        sil_jpush_str(a, "parallel-tables");
    sil_jpush_str(a, "asynchronous-commit");
    sil_jpush_str(a, "constraints-after-load");
    return a;
}

static char *compact(cJSON *j)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write_compact(j, &b);
    cJSON_Delete(j);
    return sil_buf_detach(&b, NULL);
}

/* Seconds rounded to the millisecond, for the report. */
static double ms(double s)
{
    return (double)(int64_t)(s * 1000 + 0.5) / 1000;
}

static void write_report(struct ctx *x)
{
    if (!x->report_path)
        return;
    struct loader_run *r = &x->r;
    cJSON *o = sil_jnew_object();
    sil_jadd_str(o, "format", "silhouette.load-run");
    sil_jadd_num(o, "version", 1);
    sil_jadd_str(o, "run_id", r->run_id);
    sil_jadd_str(o, "status", x->status);
    sil_jadd_str(o, "schema", r->schema);
    sil_jadd_bool(o, "schema_dropped", x->schema_dropped);
    cJSON *tg = sil_jadd_object(o, "target");
    sil_jadd_str(tg, "host", x->target.host);
    sil_jadd_num(tg, "port", x->target.port);
    sil_jadd_str(tg, "dbname", x->target.dbname);
    sil_jadd_str(tg, "user", x->target.user);
    sil_jadd_str(tg, "policy_target", x->policy_target ? x->policy_target : "");
    if (x->has_marker)
        sil_jadd_str(tg, "marker", x->marker);
    else
        sil_jadd_null(tg, "marker");
    cJSON *out = sil_jadd_object(o, "output");
    char real[PATH_MAX];
    const char *dir0 = r->m->dirs[0];
    sil_jadd_str(out, "dir", realpath(dir0, real) ? real : dir0);
    if (r->m->merged) {
        cJSON *sh = sil_jadd_array(out, "shards");
        for (size_t i = 0; i < r->m->ndirs; i++)
            sil_jpush_str(sh, realpath(r->m->dirs[i], real) ? real : r->m->dirs[i]);
    }
    sil_jadd_str(out, "manifest_checksum", r->m->checksum);
    sil_jadd_str(out, "shape_checksum", r->m->shape_checksum);
    sil_jadd_num(out, "seed", (double)r->m->seed);
    sil_jadd_str(out, "generator", r->m->generator);
    sil_jadd_str(out, "data_format", loader_data_format_name(r->m->data_format));
    sil_jadd_str(out, "compression", r->m->compression == LOADER_COMP_ZSTD ? "zstd" : "none");
    cJSON *en = sil_jadd_object(o, "endorsement");
    sil_jadd_bool(en, "required", x->require_endorsement);
    cJSON *decs = sil_jadd_array(en, "decisions");
    for (size_t i = 0; x->endorsements && i < r->m->ndirs; i++) {
        const struct sil_endorsement *e = &x->endorsements[i];
        cJSON *d = sil_jnew_object();
        sil_jadd_str(d, "dir", realpath(r->m->dirs[i], real) ? real : r->m->dirs[i]);
        sil_jadd_str(d, "by", e->by);
        sil_jadd_str(d, "at", e->at);
        sil_jadd_str(d, "note", e->note);
        if (e->overridden)
            sil_jadd_str(d, "override_reason", e->override_reason);
        else
            sil_jadd_null(d, "override_reason");
        sil_jadd_str(d, "manifest_checksum", e->manifest_checksum);
        sil_jadd_str(d, "report_checksum", e->report_checksum);
        sil_jadd_bool(d, "passed", e->passed);
        sil_jpush(decs, d);
    }
    cJSON *ld = sil_jadd_object(o, "loader");
    sil_jadd_str(ld, "version", SIL_VERSION);
    sil_jadd_num(ld, "jobs", r->jobs);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    sil_jadd_str(ld, "host", host);
    sil_jadd_num(ld, "pid", (double)getpid());
    sil_jadd_str(o, "started_at", x->started_at);
    if (x->finished_at[0])
        sil_jadd_str(o, "finished_at", x->finished_at);
    else
        sil_jadd_null(o, "finished_at");
    cJSON *ph = sil_jadd_object(o, "seconds");
    sil_jadd_num(ph, "verify", ms(x->t_verify));
    sil_jadd_num(ph, "setup", ms(x->t_setup));
    sil_jadd_num(ph, "copy", ms(x->t_copy));
    sil_jadd_num(ph, "keys", ms(x->t_keys));
    sil_jadd_num(ph, "foreign_keys", ms(x->t_fks));
    sil_jadd_num(ph, "sequences_analyze", ms(x->t_post));
    sil_jadd_num(ph, "counts", ms(x->t_counts));
    double total = x->finished_at[0] ? x->res->seconds : sil_now() - x->t_start;
    sil_jadd_num(ph, "total", ms(total));
    int64_t rows = 0;
    for (size_t t = 0; t < r->plan->ntables; t++)
        rows += r->ts[t].rows;
    sil_jadd_num(o, "rows", (double)rows);
    sil_jadd_num(o, "copy_rows_per_second",
                 x->t_copy > 0 ? (double)(int64_t)((double)rows / x->t_copy) : 0);
    cJSON *tabs = sil_jadd_array(o, "tables");
    for (size_t t = 0; t < r->plan->ntables; t++) {
        const struct loader_ptable *pt = &r->plan->tables[t];
        cJSON *to = sil_jnew_object();
        sil_jadd_str(to, "schema", pt->mt->schema);
        sil_jadd_str(to, "name", pt->mt->name);
        sil_jadd_num(to, "rows", (double)r->ts[t].rows);
        sil_jadd_num(to, "expected_rows", (double)pt->mt->rows);
        sil_jadd_num(to, "bytes", (double)pt->bytes);
        sil_jadd_num(to, "files", (double)pt->mt->nfiles);
        sil_jadd_num(to, "pieces", (double)r->ts[t].npieces);
        sil_jadd_str(to, "mode", r->ts[t].solo ? "single-transaction" : "parallel");
        cJSON *fp = sil_jadd_array(to, "fast_paths");
        if (r->ts[t].freeze)
            sil_jpush_str(fp, "copy-freeze");
        if (r->ts[t].freeze && r->wal_minimal)
            sil_jpush_str(fp, "wal-skipped");
        if (!r->ts[t].solo)
            sil_jpush_str(fp, "parallel-copy");
        sil_jpush(tabs, to);
    }
    sil_jadd(o, "fast_paths", fast_paths_json(x));
    cJSON *sk = sil_jadd_array(o, "not_loaded");
    for (size_t i = 0; i < r->plan->nskipped; i++)
        sil_jpush_str(sk, r->plan->skipped[i]);
    cJSON *notes = sil_jadd_array(o, "notes");
    for (size_t i = 0; i < r->plan->nnotes; i++)
        sil_jpush_str(notes, r->plan->notes[i]);
    for (size_t i = 0; i < r->nnotes; i++)
        sil_jpush_str(notes, r->notes[i]);
    cJSON *errs = sil_jadd_array(o, "errors");
    if (x->ferr.code != SIL_OK) {
        char buf[2048];
        sil_jpush_str(errs, sil_err_format(&x->ferr, NULL, buf, sizeof buf));
    }
    sil_jadd_str(o, "teardown_sql", x->teardown_path ? x->teardown_path : "");
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write(o, &b);
    cJSON_Delete(o);
    struct sil_err e;
    if (sil_write_file_atomic(x->report_path, b.data, b.len, 0644, &e) < 0)
        sil_log_warn("cannot write the run report: %s", e.msg);
    sil_buf_release(&b);
}

static int write_teardown_sql(struct ctx *x, struct sil_err *err)
{
    struct loader_run *r = &x->r;
    char *mark = sil_xasprintf(LOADER_SCHEMA_MARK "%s", r->run_id);
    char *lit_schema = loader_sql_literal(r->schema), *lit_mark = loader_sql_literal(mark);
    char *lit_run = loader_sql_literal(r->run_id);
    char *q = sil_ident_quote(r->schema);
    char *drop = sil_xasprintf("DROP SCHEMA %s CASCADE", q);
    char *lit_drop = loader_sql_literal(drop);
    char *text = sil_xasprintf(
        "-- Teardown of silhouette loader run %s: drops its schema %s and marks the run\n"
        "-- TORN_DOWN in silhouette_meta.load_runs. Safe to run more than once:\n"
        "--   psql -v ON_ERROR_STOP=1 -d DBNAME -f THIS_FILE\n"
        "-- The schema is dropped only if it still carries this run's comment.\n"
        "DO $silhouette$\n"
        "BEGIN\n"
        "  IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n\n"
        "             WHERE n.nspname = %s\n"
        "               AND pg_catalog.obj_description(n.oid, 'pg_namespace') = %s) THEN\n"
        "    EXECUTE %s;\n"
        "  END IF;\n"
        "  IF pg_catalog.to_regclass('silhouette_meta.load_runs') IS NOT NULL THEN\n"
        "    UPDATE silhouette_meta.load_runs\n"
        "       SET status = 'TORN_DOWN', torn_down_at = coalesce(torn_down_at, now())\n"
        "     WHERE run_id = %s;\n"
        "  END IF;\n"
        "END\n"
        "$silhouette$;\n",
        r->run_id, q, lit_schema, lit_mark, lit_drop, lit_run);
    int rc = sil_write_file_atomic(x->teardown_path, text, strlen(text), 0644, err);
    free(text);
    free(mark);
    free(lit_schema);
    free(lit_mark);
    free(lit_run);
    free(q);
    free(drop);
    free(lit_drop);
    return rc;
}

/* ---- phases ---- */

static int inspect_target(struct ctx *x, const struct loader_envpolicy *pol, PGconn *c,
                          struct sil_err *err)
{
    struct loader_target t;
    loader_pg_target(c, &t);
    snprintf(x->host, sizeof x->host, "%s", t.host);
    snprintf(x->hostaddr, sizeof x->hostaddr, "%s", t.hostaddr);
    snprintf(x->dbname, sizeof x->dbname, "%s", t.dbname);
    snprintf(x->user, sizeof x->user, "%s", t.user);
    x->target.host = x->host;
    x->target.hostaddr = x->hostaddr;
    x->target.port = t.port;
    x->target.dbname = x->dbname;
    x->target.user = x->user;
    if (loader_pg_exec(c, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", err) < 0 ||
        loader_pg_exec(c, "SET search_path = pg_catalog", err) < 0)
        return -1;
    if (loader_envpolicy_check(pol, &x->target, &x->policy_target, &x->require_endorsement, err) <
        0)
        return -1;
    /* the marker: the database-wide setting, and whatever this session sees (a role or
     * PGOPTIONS could mask the database's value; production anywhere is refused) */
    PGresult *res = loader_pg_query(
        c,
        "SELECT (SELECT substr(s, length('silhouette.environment=') + 1) "
        "          FROM pg_db_role_setting d, unnest(d.setconfig) s "
        "         WHERE d.setdatabase = (SELECT oid FROM pg_database "
        "                                 WHERE datname = current_database()) "
        "           AND d.setrole = 0 AND s LIKE 'silhouette.environment=%' LIMIT 1), "
        "       current_setting('silhouette.environment', true), "
        "       current_setting('wal_level')",
        0, NULL, err);
    if (!res)
        return -1;
    const char *dbm = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
    const char *sess = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
    x->r.wal_minimal = strcmp(PQgetvalue(res, 0, 2), "minimal") == 0;
    const char *marker = dbm && dbm[0] ? dbm : sess && sess[0] ? sess : NULL;
    int prod = (dbm && strcasecmp(dbm, LOADER_MARKER_PRODUCTION) == 0) ||
               (sess && strcasecmp(sess, LOADER_MARKER_PRODUCTION) == 0);
    if (prod)
        marker = LOADER_MARKER_PRODUCTION;
    x->has_marker = marker != NULL;
    snprintf(x->marker, sizeof x->marker, "%s", marker ? marker : "");
    int rc = loader_envpolicy_marker(pol, marker, x->o->allow_unmarked, err);
    PQclear(res);
    if (rc < 0)
        return -1;
    int exists = 0;
    char *comment = NULL;
    if (loader_schema_exists(c, x->r.schema, &exists, &comment, err) < 0)
        return -1;
    if (exists) {
        int ours = comment && strncmp(comment, LOADER_SCHEMA_MARK, strlen(LOADER_SCHEMA_MARK)) == 0;
        sil_err_set(err, SIL_EPOLICY, "schema \"%s\" already exists%s%s%s", x->r.schema,
                    ours ? " (loader run " : "; the loader writes only into schemas it creates",
                    ours ? comment + strlen(LOADER_SCHEMA_MARK) : "", ours ? ")" : "");
        sil_err_hint(err, ours ? "tear that run down first or choose another --schema"
                               : "choose another --schema");
        free(comment);
        return -1;
    }
    if (loader_meta_check(c, &exists, err) < 0)
        return -1;
    if (x->o->tablespace) {
        const char *params[] = {x->o->tablespace};
        res = loader_pg_query(c, "SELECT 1 FROM pg_tablespace WHERE spcname = $1", 1, params, err);
        if (!res)
            return -1;
        int found = PQntuples(res) == 1;
        PQclear(res);
        if (!found)
            return sil_err_set(err, SIL_EUSAGE, "tablespace \"%s\" does not exist",
                               x->o->tablespace);
    }
    return 0;
}

/* The name of a piece in load_pieces: the file's path, with "@offset" for a byte range and
 * "shardK/" in front when the output came in shards (their files may share names). */
static char *piece_id(const struct loader_manifest *m, const struct loader_file *f, int64_t start)
{
    char shard[32] = "";
    if (m->merged)
        snprintf(shard, sizeof shard, "shard%zu/", f->dir + 1);
    if (start < 0)
        return sil_xasprintf("%s%s", shard, f->path);
    return sil_xasprintf("%s%s@%lld", shard, f->path, (long long)start);
}

/* Split the work into jobs. A table is loaded whole in the transaction that creates it, so
 * COPY FREEZE applies, and tables run in parallel on the connections; but a table bigger than
 * its fair share (1/jobs of the bytes) is cut into line-aligned byte ranges loaded in parallel
 * into a table created beforehand (no FREEZE for it), since one stream would leave the other
 * connections idle. docs/loader.md has the measurements behind this; --no-split keeps every
 * table in one FREEZE stream. */
static int plan_jobs(struct ctx *x, struct sil_err *err)
{
    struct loader_run *r = &x->r;
    int64_t total = 0;
    size_t cap = 0;
    for (size_t t = 0; t < r->plan->ntables; t++)
        total += r->plan->tables[t].bytes;
    r->bytes_total = total;
    size_t gfile = 0;
    for (size_t t = 0; t < r->plan->ntables; t++) {
        const struct loader_ptable *pt = &r->plan->tables[t];
        const struct loader_mtable *mt = pt->mt;
        r->file_base[t] = gfile;
        int splittable =
            r->m->data_format == LOADER_FMT_COPY && r->m->compression == LOADER_COMP_NONE;
        int shared = !x->o->no_split && r->jobs > 1 && pt->bytes >= SPLIT_MIN_BYTES &&
                     pt->bytes * r->jobs > total && (splittable || mt->nfiles > 1);
        r->ts[t].solo = !shared;
        if (!shared) {
            r->jobv = sil_xgrow(r->jobv, sizeof *r->jobv, r->njobs + 1, &cap);
            struct loader_job *j = &r->jobv[r->njobs++];
            memset(j, 0, sizeof *j);
            j->table = t;
            j->solo = 1;
            j->bytes = pt->bytes;
            j->npieces = mt->nfiles;
            j->pieces = sil_xcalloc(mt->nfiles ? mt->nfiles : 1, sizeof *j->pieces);
            for (size_t f = 0; f < mt->nfiles; f++) {
                j->pieces[f].file = f;
                j->pieces[f].gfile = gfile + f;
                j->pieces[f].start = 0;
                j->pieces[f].end = -1;
                j->pieces[f].id = piece_id(r->m, &mt->files[f], -1);
            }
            r->ts[t].npieces = mt->nfiles;
            gfile += mt->nfiles;
            continue;
        }
        int64_t target = pt->bytes / (r->jobs * 4);
        if (target < SPLIT_MIN_BYTES / 2)
            target = SPLIT_MIN_BYTES / 2;
        for (size_t f = 0; f < mt->nfiles; f++, gfile++) {
            const struct loader_file *fl = &mt->files[f];
            int64_t cuts[4097];
            size_t ncuts = 0;
            cuts[ncuts++] = 0;
            if (splittable && fl->bytes > target) {
                char *path = loader_file_path(r->m, fl);
                int fd = loader_open_verified(path, &r->ids[gfile], err);
                free(path);
                if (fd < 0)
                    return -1;
                for (int64_t off = target; off < fl->bytes && ncuts < 4096; off += target) {
                    int64_t cut = loader_source_line_cut(fd, off, fl->bytes, err);
                    if (cut < 0) {
                        close(fd);
                        return -1;
                    }
                    if (cut > cuts[ncuts - 1] && cut < fl->bytes)
                        cuts[ncuts++] = cut;
                }
                close(fd);
            }
            cuts[ncuts] = fl->bytes;
            for (size_t k = 0; k < ncuts; k++) {
                r->jobv = sil_xgrow(r->jobv, sizeof *r->jobv, r->njobs + 1, &cap);
                struct loader_job *j = &r->jobv[r->njobs++];
                memset(j, 0, sizeof *j);
                j->table = t;
                j->npieces = 1;
                j->pieces = sil_xcalloc(1, sizeof *j->pieces);
                j->pieces[0].file = f;
                j->pieces[0].gfile = gfile;
                j->pieces[0].start = cuts[k];
                j->pieces[0].end = ncuts == 1 ? -1 : cuts[k + 1];
                j->pieces[0].id = piece_id(r->m, fl, ncuts == 1 ? -1 : cuts[k]);
                j->bytes = (ncuts == 1 ? fl->bytes : cuts[k + 1] - cuts[k]);
                r->ts[t].npieces++;
            }
        }
    }
    /* biggest first, so the last job to finish is a small one */
    for (size_t a = 1; a < r->njobs; a++) {
        struct loader_job tmp = r->jobv[a];
        size_t b = a;
        while (b > 0 && r->jobv[b - 1].bytes < tmp.bytes) {
            r->jobv[b] = r->jobv[b - 1];
            b--;
        }
        r->jobv[b] = tmp;
    }
    return 0;
}

static int setup_schema(struct ctx *x, struct sil_err *err)
{
    struct loader_run *r = &x->r;
    struct sil_buf sql;
    sil_buf_init(&sql, 0);
    char *q = sil_ident_quote(r->schema);
    char *mark = sil_xasprintf(LOADER_SCHEMA_MARK "%s", r->run_id);
    char *lit = loader_sql_literal(mark);
    sil_buf_addf(&sql, "BEGIN; CREATE SCHEMA %s; COMMENT ON SCHEMA %s IS %s;", q, q, lit);
    free(q);
    free(mark);
    free(lit);
    for (size_t i = 0; i < r->plan->npre; i++)
        sil_buf_addf(&sql, "%s;", r->plan->pre_sql[i]);
    for (size_t t = 0; t < r->plan->ntables; t++)
        if (!r->ts[t].solo)
            sil_buf_addf(&sql, "%s;", r->plan->tables[t].create_sql);
    sil_buf_adds(&sql, "COMMIT;");
    int rc = ctl_execp(x, sql.data, 0, NULL, NULL, err);
    if (rc < 0 && x->ctl && PQstatus(x->ctl) == CONNECTION_OK) {
        struct sil_err ignore;
        if (loader_pg_exec(x->ctl, "ROLLBACK", &ignore) < 0) {
            /* nothing to add */
        }
    }
    sil_buf_release(&sql);
    if (rc < 0)
        sil_err_prefix(err, "cannot create the run's schema");
    return rc;
}

static const char *label(char ***v, size_t *n, size_t *cap, char *s)
{
    *v = sil_xgrow(*v, sizeof **v, *n + 1, cap);
    (*v)[(*n)++] = s;
    return s;
}

static int constraints(struct ctx *x, struct sil_err *err)
{
    struct loader_run *r = &x->r;
    struct loader_plan *p = r->plan;
    size_t cap = p->ntables * 2 + 8;
    for (size_t t = 0; t < p->ntables; t++)
        cap += p->tables[t].nfks + p->tables[t].nkeys;
    struct loader_task *tasks = sil_xcalloc(cap, sizeof *tasks);
    char **labels = NULL;
    size_t n = 0, nl = 0, lcap = 0;
    int rc = -1;

    /* keys: one task per table (its statements lock the same table) */
    double t0 = sil_now();
    for (size_t t = 0; t < p->ntables; t++) {
        const struct loader_ptable *pt = &p->tables[t];
        for (size_t k = 0; k < pt->nkeys; k += 8) {
            struct loader_task *tk = &tasks[n++];
            tk->kind = TASK_EXEC;
            tk->table = t;
            tk->label = label(&labels, &nl, &lcap, sil_xasprintf("keys of %s", pt->label));
            for (size_t i = k; i < pt->nkeys && tk->nsql < 8; i++)
                tk->sql[tk->nsql++] = pt->key_sql[i];
        }
    }
    if (loader_run_tasks(r, tasks, n, "keys", err) < 0)
        goto out;
    x->t_keys = sil_now() - t0;

    /* foreign keys: added NOT VALID one by one (brief locks on both tables), then validated
     * in parallel */
    t0 = sil_now();
    memset(tasks, 0, cap * sizeof *tasks);
    n = 0;
    for (size_t t = 0; t < p->ntables; t++)
        for (size_t k = 0; k < p->tables[t].nfks; k++) {
            struct loader_task *tk = &tasks[n++];
            tk->kind = TASK_EXEC;
            tk->table = t;
            tk->fk = k;
            tk->label = label(&labels, &nl, &lcap,
                              sil_xasprintf("foreign key \"%s\" of %s", p->tables[t].fks[k].name,
                                            p->tables[t].label));
            tk->sql[tk->nsql++] = p->tables[t].fks[k].add_sql;
        }
    int jobs = r->jobs;
    r->jobs = 1;
    rc = loader_run_tasks(r, tasks, n, "foreign keys", err);
    r->jobs = jobs;
    if (rc < 0)
        goto out;
    rc = -1;
    memset(tasks, 0, cap * sizeof *tasks);
    n = 0;
    for (size_t t = 0; t < p->ntables; t++)
        for (size_t k = 0; k < p->tables[t].nfks; k++) {
            struct loader_task *tk = &tasks[n++];
            tk->kind = TASK_VALIDATE_FK;
            tk->table = t;
            tk->fk = k;
            tk->label = label(&labels, &nl, &lcap,
                              sil_xasprintf("validating foreign key \"%s\" of %s",
                                            p->tables[t].fks[k].name, p->tables[t].label));
            tk->sql[tk->nsql++] = p->tables[t].fks[k].validate_sql;
        }
    if (loader_run_tasks(r, tasks, n, "foreign keys", err) < 0)
        goto out;
    x->t_fks = sil_now() - t0;

    /* sequences past the loaded keys, then ANALYZE */
    t0 = sil_now();
    memset(tasks, 0, cap * sizeof *tasks);
    n = 0;
    for (size_t t = 0; t < p->ntables; t++) {
        const struct loader_ptable *pt = &p->tables[t];
        for (size_t k = 0; k < pt->nseq; k += 8) {
            struct loader_task *tk = &tasks[n++];
            tk->kind = TASK_SEQ;
            tk->table = t;
            tk->label = label(&labels, &nl, &lcap, sil_xasprintf("sequences of %s", pt->label));
            for (size_t i = k; i < pt->nseq && tk->nsql < 8; i++) {
                tk->param[tk->nsql] = pt->seq_col[i];
                tk->sql[tk->nsql++] = pt->seq_sql[i];
            }
        }
        struct loader_task *tk = &tasks[n++];
        tk->kind = TASK_EXEC;
        tk->table = t;
        tk->label = label(&labels, &nl, &lcap, sil_xasprintf("ANALYZE of %s", pt->label));
        tk->sql[tk->nsql++] = pt->analyze_sql;
    }
    if (loader_run_tasks(r, tasks, n, "analyze", err) < 0)
        goto out;
    x->t_post = sil_now() - t0;

    /* counts */
    t0 = sil_now();
    memset(tasks, 0, cap * sizeof *tasks);
    n = 0;
    for (size_t t = 0; t < p->ntables; t++) {
        struct loader_task *tk = &tasks[n++];
        tk->kind = TASK_COUNT;
        tk->table = t;
        tk->label =
            label(&labels, &nl, &lcap, sil_xasprintf("row count of %s", p->tables[t].label));
        tk->sql[tk->nsql++] = p->tables[t].count_sql;
    }
    if (loader_run_tasks(r, tasks, n, "counts", err) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const struct loader_ptable *pt = &p->tables[tasks[i].table];
        if (tasks[i].result != pt->mt->rows || r->ts[tasks[i].table].rows != pt->mt->rows) {
            sil_err_set(err, SIL_ECHECK,
                        "table %s has %lld rows (%lld committed by COPY), the manifest says %lld",
                        pt->label, (long long)tasks[i].result,
                        (long long)r->ts[tasks[i].table].rows, (long long)pt->mt->rows);
            goto out;
        }
    }
    x->t_counts = sil_now() - t0;
    rc = 0;
out:
    for (size_t i = 0; i < nl; i++)
        free(labels[i]);
    free(labels);
    free(tasks);
    return rc;
}

/* Every foreign key of the run's schema exists and is validated. */
static int check_fks_validated(struct ctx *x, struct sil_err *err)
{
    size_t want = 0;
    for (size_t t = 0; t < x->r.plan->ntables; t++)
        want += x->r.plan->tables[t].nfks;
    const char *params[] = {x->r.schema};
    PGresult *res = ctl_query(x,
                              "SELECT count(*) FILTER (WHERE c.convalidated), count(*) "
                              "FROM pg_constraint c JOIN pg_namespace n ON n.oid = "
                              "c.connamespace WHERE n.nspname = $1 AND c.contype = 'f'",
                              1, params, err);
    if (!res)
        return -1;
    int64_t valid = 0, all = 0;
    if (sil_parse_i64(PQgetvalue(res, 0, 0), 0, INT64_MAX, &valid) < 0 ||
        sil_parse_i64(PQgetvalue(res, 0, 1), 0, INT64_MAX, &all) < 0)
        valid = all = -1;
    PQclear(res);
    if (all != (int64_t)want || valid != all)
        return sil_err_set(err, SIL_ECHECK,
                           "the schema has %lld foreign keys (%lld validated), the shape has %zu",
                           (long long)all, (long long)valid, want);
    return 0;
}

/* The dashboard rows of docs/telemetry.md, recorded once the run's row exists. */
static int record_telemetry(struct ctx *x, struct sil_err *err)
{
    struct loader_run *r = &x->r;
    struct loader_telemetry t;
    loader_telemetry_collect(r->m, x->require_endorsement, x->endorsements, &t);
    for (const cJSON *n = t.notes->child; n; n = n->next)
        sil_log_info("%s", n->valuestring);
    int64_t requested = 0, produced = 0;
    for (size_t i = 0; i < r->m->nsizes; i++)
        requested += r->m->sizes[i].rows;
    produced = requested;
    cJSON *clamps = sil_jnew_array();
    for (size_t i = 0; i < r->m->nclamps; i++) {
        const struct loader_mclamp *k = &r->m->clamps[i];
        requested += k->requested - k->produced;
        cJSON *o = sil_jnew_object();
        sil_jadd_str(o, "schema", k->schema);
        sil_jadd_str(o, "table", k->table);
        sil_jadd_num(o, "requested", (double)k->requested);
        sil_jadd_num(o, "produced", (double)k->produced);
        sil_jadd_str(o, "reason", k->reason);
        sil_jpush(clamps, o);
    }
    char req_s[32], prod_s[32];
    snprintf(req_s, sizeof req_s, "%lld", (long long)requested);
    snprintf(prod_s, sizeof prod_s, "%lld", (long long)produced);
    char *clamps_s = compact(clamps);
    char *ks_s = cJSON_PrintUnformatted(t.ks), *links_s = cJSON_PrintUnformatted(t.links),
         *end_s = cJSON_PrintUnformatted(t.endorsements),
         *alerts_s = cJSON_PrintUnformatted(t.alerts);
    if (!ks_s || !links_s || !end_s || !alerts_s)
        SIL_BUG("out of memory printing telemetry");
    const char *p1[] = {r->run_id, x->policy_target ? x->policy_target : "", req_s, prod_s,
                        clamps_s};
    const char *p2[] = {r->run_id, ks_s};
    const char *p3[] = {r->run_id, links_s};
    const char *p4[] = {r->run_id, end_s};
    const char *p5[] = {r->run_id, alerts_s};
    int rc =
        ctl_execp(x,
                  "UPDATE silhouette_meta.load_runs SET policy_target = $2, rows_requested = $3, "
                  "rows_produced = $4, clamps = $5::jsonb WHERE run_id = $1",
                  5, p1, NULL, err) < 0 ||
                ctl_execp(x,
                          "INSERT INTO silhouette_meta.ks_results SELECT $1, x.* FROM "
                          "jsonb_to_recordset($2::jsonb) AS x(shard integer, subject text, test "
                          "text, d_sample float8, d_all_rows float8, p float8, p_adjusted "
                          "float8, threshold float8, sample_rows bigint, passed boolean) "
                          "ON CONFLICT DO NOTHING",
                          2, p2, NULL, err) < 0 ||
                ctl_execp(x,
                          "INSERT INTO silhouette_meta.linkage_metrics SELECT $1, x.* FROM "
                          "jsonb_to_recordset($2::jsonb) AS x(shard integer, subject text, "
                          "metric text, measured float8, threshold float8, passed boolean, "
                          "keys_checked bigint, keys_found bigint, orphans bigint) "
                          "ON CONFLICT DO NOTHING",
                          2, p3, NULL, err) < 0 ||
                ctl_execp(x,
                          "INSERT INTO silhouette_meta.endorsements SELECT $1, x.* FROM "
                          "jsonb_to_recordset($2::jsonb) AS x(shard integer, out_dir text, "
                          "required boolean, status text, decided_by text, decided_at "
                          "timestamptz, note text, override_reason text, report_checksum text, "
                          "detail text) ON CONFLICT DO NOTHING",
                          2, p4, NULL, err) < 0 ||
                ctl_execp(x,
                          "INSERT INTO silhouette_meta.alerts (run_id, kind, message) SELECT "
                          "$1, x.kind, x.message FROM jsonb_to_recordset($2::jsonb) AS x(kind "
                          "text, message text)",
                          2, p5, NULL, err) < 0
            ? -1
            : 0;
    free(clamps_s);
    free(ks_s);
    free(links_s);
    free(end_s);
    free(alerts_s);
    loader_telemetry_release(&t);
    return rc;
}

static void record_failure(struct ctx *x)
{
    struct loader_run *r = &x->r;
    snprintf(x->status, sizeof x->status, "FAILED");
    if (!x->row_inserted)
        return;
    struct sil_err e;
    sil_err_clear(&e);
    char buf[2048];
    cJSON *errs = sil_jnew_array();
    sil_jpush_str(errs, sil_err_format(&x->ferr, NULL, buf, sizeof buf));
    char *errs_s = compact(errs);
    char *rows_s = compact(rows_json(x));
    char secs[32];
    snprintf(secs, sizeof secs, "%.3f", sil_now() - x->t_start);
    const char *params[] = {r->run_id, errs_s, rows_s, secs};
    const char *aparams[] = {r->run_id, buf};
    if (ctl_execp(x,
                  "UPDATE silhouette_meta.load_runs SET status = 'FAILED', finished_at = now(), "
                  "errors = $2::jsonb, rows = $3::jsonb, runtime_seconds = $4::float8 WHERE "
                  "run_id = $1 AND status = 'RUNNING'",
                  4, params, NULL, &e) < 0 ||
        ctl_execp(x,
                  "INSERT INTO silhouette_meta.alerts (run_id, kind, message) VALUES ($1, "
                  "'RUN_FAILED', $2)",
                  2, aparams, NULL, &e) < 0)
        sil_log_error("cannot record the failure of run %s: %s", r->run_id, e.msg);
    if (!x->o->keep_failed && x->schema_created) {
        char *q = sil_ident_quote(r->schema);
        char *sql = sil_xasprintf("DROP SCHEMA IF EXISTS %s CASCADE", q);
        free(q);
        const char *p1[] = {r->run_id};
        if (ctl_execp(x, sql, 0, NULL, NULL, &e) == 0 &&
            ctl_execp(x,
                      "UPDATE silhouette_meta.load_runs SET torn_down_at = now() WHERE run_id = $1",
                      1, p1, NULL, &e) == 0)
            x->schema_dropped = 1;
        else
            sil_log_error("cannot drop schema %s of the failed run: %s", r->schema, e.msg);
        free(sql);
    }
    free(errs_s);
    free(rows_s);
}

static void print_plan(struct ctx *x)
{
    struct loader_run *r = &x->r;
    printf("-- loader dry run: nothing was written\n-- target: host=%s port=%d dbname=%s "
           "user=%s (policy target \"%s\")\n-- schema: %s\n",
           x->target.host, x->target.port, x->target.dbname, x->target.user,
           x->policy_target ? x->policy_target : "", r->schema);
    char *q = sil_ident_quote(r->schema);
    printf("CREATE SCHEMA %s;\n", q);
    free(q);
    for (size_t i = 0; i < r->plan->npre; i++)
        printf("%s;\n", r->plan->pre_sql[i]);
    for (size_t t = 0; t < r->plan->ntables; t++) {
        const struct loader_ptable *pt = &r->plan->tables[t];
        printf("%s;\n-- %s: %lld rows in %zu file%s\n%s;\n", pt->create_sql, pt->label,
               (long long)pt->mt->rows, pt->mt->nfiles, pt->mt->nfiles == 1 ? "" : "s",
               pt->copy_freeze_sql);
    }
    for (size_t t = 0; t < r->plan->ntables; t++)
        for (size_t k = 0; k < r->plan->tables[t].nkeys; k++)
            printf("%s;\n", r->plan->tables[t].key_sql[k]);
    for (size_t t = 0; t < r->plan->ntables; t++)
        for (size_t k = 0; k < r->plan->tables[t].nfks; k++)
            printf("%s;\n%s;\n", r->plan->tables[t].fks[k].add_sql,
                   r->plan->tables[t].fks[k].validate_sql);
    for (size_t t = 0; t < r->plan->ntables; t++)
        printf("%s;\n", r->plan->tables[t].analyze_sql);
}

int loader_load(const struct loader_load_opts *o, struct loader_load_result *res,
                struct sil_err *err)
{
    struct ctx *x = sil_xcalloc(1, sizeof *x);
    struct loader_run *r = &x->r;
    struct loader_envpolicy *pol = NULL;
    PGconn *insp = NULL;
    char *policy_path = NULL, *shape_path = NULL;
    int rc = -1;
    memset(res, 0, sizeof *res);
    x->o = o;
    x->res = res;
    r->o = o;
    r->jobs = o->jobs > 0 ? o->jobs : cores();
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    atomic_init(&r->bytes_done, 0);
    x->t_start = sil_now();
    sil_utc_now(x->started_at);
    snprintf(x->status, sizeof x->status, "REFUSED");
    loader_new_run_id(r->run_id);
    if (o->schema)
        snprintf(r->schema, sizeof r->schema, "%s", o->schema);
    else
        loader_default_schema(r->run_id, r->schema);
    snprintf(r->appname, sizeof r->appname, "silhouette-loader %s", r->run_id);
    snprintf(res->run_id, sizeof res->run_id, "%s", r->run_id);
    snprintf(res->schema, sizeof res->schema, "%s", r->schema);
    const char *why;
    if (!loader_schema_name_ok(r->schema, &why)) {
        sil_err_set(err, SIL_EUSAGE, "--schema \"%.63s\" %s", r->schema, why);
        goto done;
    }

    /* 1. the output, before any connection */
    if (!(r->m = loader_manifest_read_all(o->out_dirs, o->nout_dirs, err)))
        goto done;
    if (r->m->data_format == LOADER_FMT_SQL) {
        sil_err_set(err, SIL_EINPUT,
                    "the output's data files are SQL, which the loader never "
                    "executes");
        sil_err_hint(err, "generate the output with --format copy (or csv, jsonl)");
        goto done;
    }
    if (loader_verify_output(r->m, cores(), &r->ids, err) < 0)
        goto done;
    shape_path = sil_xasprintf("%s/%s", r->m->dirs[0], r->m->shape_file);
    if (!(r->shape = sil_shape_read_file(shape_path, 0, err)))
        goto done;
    /* the manifest copies the shape's expiry; shape.json's own (under its checksum) counts too */
    {
        char what[PATH_MAX + 16];
        snprintf(what, sizeof what, "shape '%s'", shape_path);
        if (sil_expiry_check(r->shape->expires_at, what, err) < 0)
            goto done;
    }
    struct loader_plan_opts popts = {r->schema, o->tablespace};
    if (!(r->plan = loader_plan_build(r->shape, r->m, &popts, err)))
        goto done;
    for (size_t i = 0; i < r->plan->nnotes; i++)
        sil_log_info("%s", r->plan->notes[i]);
    r->ts = sil_xcalloc(r->plan->ntables, sizeof *r->ts);
    r->file_base = sil_xcalloc(r->plan->ntables, sizeof *r->file_base);
    for (size_t t = 0; t < r->m->ntables; t++)
        r->rows_total += r->m->tables[t].rows;
    x->t_verify = sil_now() - x->t_start;
    /* 2. the target, read-only */
    if (o->policy_path)
        policy_path = sil_xstrdup(o->policy_path);
    else if (!(policy_path = sil_policy_path("environments.json", err)))
        goto done;
    if (!(pol = loader_envpolicy_read(policy_path, err)))
        goto done;
    if (!(insp = loader_pg_connect(o->dsn, r->appname, err)))
        goto done;
    if (inspect_target(x, pol, insp, err) < 0)
        goto done;
    PQfinish(insp);
    insp = NULL;
    if (x->require_endorsement) {
        x->endorsements = sil_xcalloc(r->m->ndirs, sizeof *x->endorsements);
        if (loader_endorsement_verify(r->m, x->policy_target, x->endorsements, err) < 0)
            goto done;
        const struct sil_endorsement *e = &x->endorsements[0];
        sil_log_info("endorsed by %s at %s%s", e->by, e->at,
                     e->overridden ? " (failed gates overridden)" : "");
    }
    if (plan_jobs(x, err) < 0)
        goto done;
    if (o->dry_run) {
        print_plan(x);
        snprintf(x->status, sizeof x->status, "DRY-RUN");
        rc = 0;
        goto done;
    }

    /* 3. writes: the report directory, then the run row first, so anything created after
     * it can be found again */
    {
        char *dir =
            o->report_dir ? sil_xstrdup(o->report_dir) : sil_xasprintf("%s/loads", r->m->dirs[0]);
        if (sil_mkdirs(dir, 0755, err) < 0) {
            sil_err_hint(err, "pass --report-dir to write the run report elsewhere");
            free(dir);
            goto done;
        }
        x->report_path = sil_xasprintf("%s/%s.json", dir, r->run_id);
        x->teardown_path = sil_xasprintf("%s/%s.teardown.sql", dir, r->run_id);
        free(dir);
    }

    double t0 = sil_now();
    snprintf(x->status, sizeof x->status, "RUNNING");
    x->ctl = loader_pg_connect(o->dsn, r->appname, err);
    if (!x->ctl ||
        loader_pg_exec(x->ctl, "SET search_path = pg_catalog; SET synchronous_commit = on", err) <
            0 ||
        loader_meta_ensure(x->ctl, err) < 0 || loader_meta_lock_run(x->ctl, r->run_id, err) < 0)
        goto failed;
    {
        char seed[32], jobs[16], key[16], pid[16];
        char host[256] = "";
        if (gethostname(host, sizeof host - 1) != 0)
            host[0] = '\0';
        char real[PATH_MAX];
        snprintf(seed, sizeof seed, "%lld", (long long)r->m->seed);
        snprintf(jobs, sizeof jobs, "%d", r->jobs);
        snprintf(key, sizeof key, "%d", loader_run_lock_key(r->run_id));
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        const char *params[] = {r->run_id,
                                r->schema,
                                r->m->checksum,
                                r->m->shape_checksum,
                                seed,
                                realpath(r->m->dirs[0], real) ? real : r->m->dirs[0],
                                SIL_VERSION,
                                jobs,
                                key,
                                host,
                                pid};
        if (ctl_execp(x,
                      "INSERT INTO silhouette_meta.load_runs (run_id, schema_name, status, "
                      "manifest_checksum, shape_checksum, seed, out_dir, loader_version, jobs, "
                      "lock_key, client_host, client_pid) VALUES ($1, $2, 'RUNNING', $3, $4, $5, "
                      "$6, $7, $8, $9, $10, $11)",
                      11, params, NULL, err) < 0)
            goto failed;
        x->row_inserted = 1;
    }
    if (record_telemetry(x, err) < 0)
        goto failed;
    x->schema_created = 1; /* from here a failure drops it (IF EXISTS) */
    if (setup_schema(x, err) < 0)
        goto failed;
    if (write_teardown_sql(x, err) < 0)
        goto failed;
    write_report(x);
    x->t_setup = sil_now() - t0;

    /* 4. data */
    r->tick = ctl_tick;
    t0 = sil_now();
    if (loader_copy_all(r, err) < 0)
        goto failed;
    x->t_copy = sil_now() - t0;
    res->copy_seconds = x->t_copy;

    /* 5. keys, foreign keys, sequences, statistics, counts */
    if (constraints(x, err) < 0 || check_fks_validated(x, err) < 0)
        goto failed;

    /* 6. complete, durably */
    {
        char *rows_s = compact(rows_json(x));
        char *fast_s = compact(fast_paths_json(x));
        char *notes_s;
        cJSON *notes = sil_jnew_array();
        for (size_t i = 0; i < r->nnotes; i++)
            sil_jpush_str(notes, r->notes[i]);
        notes_s = compact(notes);
        char secs[32];
        snprintf(secs, sizeof secs, "%.3f", sil_now() - x->t_start);
        const char *params[] = {r->run_id, rows_s, fast_s, notes_s, secs};
        int64_t n = 0;
        /* the control connection commits synchronously: COMPLETED is durable once said */
        int ok = ctl_execp(x,
                           "UPDATE silhouette_meta.load_runs SET status = 'COMPLETED', "
                           "finished_at = now(), rows = $2::jsonb, fast_paths = $3::jsonb, "
                           "errors = $4::jsonb, runtime_seconds = $5::float8 WHERE run_id = $1 "
                           "AND status = 'RUNNING'",
                           5, params, &n, err) == 0;
        free(rows_s);
        free(fast_s);
        free(notes_s);
        if (!ok)
            goto failed;
        if (n != 1) {
            sil_err_set(err, SIL_ECHECK,
                        "run %s is no longer RUNNING in load_runs (torn down "
                        "while loading?)",
                        r->run_id);
            goto failed;
        }
    }
    snprintf(x->status, sizeof x->status, "COMPLETED");
    rc = 0;
    goto done;

failed:
    if (sil_interrupted() && err->code != SIL_EINTR) {
        char keep[sizeof err->msg];
        snprintf(keep, sizeof keep, "%s", err->msg);
        sil_err_set(err, SIL_EINTR, "interrupted (%s)", keep);
    }
    x->ferr = *err;
    record_failure(x);
    rc = -1;
done:
    if (insp)
        PQfinish(insp);
    if (x->ctl)
        PQfinish(x->ctl);
    loader_pg_cancel_shutdown();
    if (rc < 0 && x->ferr.code == SIL_OK)
        x->ferr = *err;
    sil_utc_now(x->finished_at);
    res->seconds = sil_now() - x->t_start;
    snprintf(res->status, sizeof res->status, "%s", x->status);
    if (r->plan && r->ts)
        for (size_t t = 0; t < r->plan->ntables; t++)
            res->rows += r->ts[t].rows;
    if (r->plan && x->row_inserted) {
        write_report(x);
        snprintf(res->report_path, sizeof res->report_path, "%s", x->report_path);
    }
    for (size_t j = 0; j < r->njobs; j++) {
        for (size_t k = 0; k < r->jobv[j].npieces; k++)
            free(r->jobv[j].pieces[k].id);
        free(r->jobv[j].pieces);
    }
    free(r->jobv);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->ts);
    free(r->file_base);
    free(r->ids);
    free(x->endorsements);
    loader_plan_free(r->plan);
    sil_shape_free(r->shape);
    loader_manifest_free(r->m);
    loader_envpolicy_free(pol);
    free(policy_path);
    free(shape_path);
    free(x->report_path);
    free(x->teardown_path);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(x);
    return rc;
}
