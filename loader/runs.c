/* `loader runs` and `loader teardown`. */
#include "runs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "meta.h"
#include "pg.h"
#include "shape.h"
#include "signals.h"

static const char runs_sql[] =
    "SELECT r.run_id, r.schema_name, r.status, "
    "       to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "       coalesce(to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "''), "
    "       coalesce(to_char(r.torn_down_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
    "       coalesce((SELECT sum(p.rows) FROM silhouette_meta.load_pieces p "
    "                  WHERE p.run_id = r.run_id), 0), "
    "       EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = r.schema_name "
    "                  AND obj_description(n.oid, 'pg_namespace') = $1 || r.run_id), "
    "       EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' "
    "                  AND l.classid = $2::int4::oid AND l.objid = r.lock_key::oid "
    "                  AND l.objsubid = 2 AND l.granted), "
    "       coalesce(r.errors ->> 0, ''), r.manifest_checksum, r.seed, r.out_dir, "
    "       EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = r.schema_name) "
    "  FROM silhouette_meta.load_runs r ORDER BY r.started_at, r.run_id";

enum {
    C_ID,
    C_SCHEMA,
    C_STATUS,
    C_START,
    C_END,
    C_TORN,
    C_ROWS,
    C_EXISTS,
    C_LIVE,
    C_ERR,
    C_MANIFEST,
    C_SEED,
    C_OUT,
    C_NAMED
};

static const char *effective_status(PGresult *r, int i)
{
    const char *st = PQgetvalue(r, i, C_STATUS);
    if (strcmp(st, "RUNNING") == 0 && strcmp(PQgetvalue(r, i, C_LIVE), "f") == 0)
        return "ABANDONED";
    return st;
}

static const char *note_of(PGresult *r, int i, char *buf, size_t n)
{
    const char *st = PQgetvalue(r, i, C_STATUS);
    int exists = strcmp(PQgetvalue(r, i, C_EXISTS), "t") == 0;
    buf[0] = '\0';
    if (strcmp(st, "COMPLETED") == 0 && !exists)
        snprintf(buf, n, "schema missing: dropped outside the loader");
    else if (strcmp(st, "TORN_DOWN") == 0 && exists)
        snprintf(buf, n, "schema exists again");
    else if (strcmp(PQgetvalue(r, i, C_NAMED), "t") == 0 && !exists)
        snprintf(buf, n, "schema exists again, not created by this run");
    else if (strcmp(effective_status(r, i), "ABANDONED") == 0)
        snprintf(buf, n, "loader gone before finishing%s; tear down",
                 exists ? ", schema left" : "");
    else if (strcmp(st, "FAILED") == 0)
        snprintf(buf, n, "%s%.200s", exists ? "schema kept; " : "", PQgetvalue(r, i, C_ERR));
    return buf;
}

static PGresult *query_runs(PGconn *c, struct sil_err *err)
{
    char cls[16];
    snprintf(cls, sizeof cls, "%d", LOADER_LOCK_CLASS);
    const char *params[] = {LOADER_SCHEMA_MARK, cls};
    return loader_pg_query(c, runs_sql, 2, params, err);
}

int loader_runs(const struct loader_runs_opts *o, FILE *out, struct sil_err *err)
{
    PGconn *c = loader_pg_connect(o->dsn, "silhouette-loader runs", err);
    if (!c)
        return -1;
    int exists = 0, rc = -1;
    PGresult *r = NULL;
    if (loader_pg_exec(c, "SET search_path = pg_catalog", err) < 0 ||
        loader_meta_check(c, &exists, err) < 0)
        goto out;
    if (!exists) {
        if (!o->json)
            fprintf(out, "no runs: %s does not exist in this database\n", LOADER_META_SCHEMA);
        rc = 0;
        goto out;
    }
    if (!(r = query_runs(c, err)))
        goto out;
    int n = PQntuples(r);
    if (o->json) {
        for (int i = 0; i < n; i++) {
            cJSON *j = sil_jnew_object();
            char note[300];
            int64_t rows = 0;
            if (sil_parse_i64(PQgetvalue(r, i, C_ROWS), 0, INT64_MAX, &rows) < 0)
                rows = 0;
            sil_jadd_str(j, "run_id", PQgetvalue(r, i, C_ID));
            sil_jadd_str(j, "schema", PQgetvalue(r, i, C_SCHEMA));
            sil_jadd_str(j, "status", effective_status(r, i));
            sil_jadd_str(j, "recorded_status", PQgetvalue(r, i, C_STATUS));
            sil_jadd_str(j, "started_at", PQgetvalue(r, i, C_START));
            sil_jadd_str(j, "finished_at", PQgetvalue(r, i, C_END));
            sil_jadd_str(j, "torn_down_at", PQgetvalue(r, i, C_TORN));
            sil_jadd_num(j, "rows", (double)rows);
            sil_jadd_bool(j, "schema_exists", strcmp(PQgetvalue(r, i, C_EXISTS), "t") == 0);
            sil_jadd_str(j, "manifest_checksum", PQgetvalue(r, i, C_MANIFEST));
            sil_jadd_str(j, "out_dir", PQgetvalue(r, i, C_OUT));
            sil_jadd_str(j, "note", note_of(r, i, note, sizeof note));
            struct sil_buf b;
            sil_buf_init(&b, 0);
            sil_json_write_compact(j, &b);
            fprintf(out, "%s\n", b.data);
            sil_buf_release(&b);
            cJSON_Delete(j);
        }
    } else if (n == 0) {
        fprintf(out, "no runs recorded\n");
    } else {
        fprintf(out, "%-24s %-28s %-10s %-20s %-20s %12s  %s\n", "RUN", "SCHEMA", "STATUS",
                "STARTED", "FINISHED", "ROWS", "NOTE");
        for (int i = 0; i < n; i++) {
            char note[300];
            fprintf(out, "%-24s %-28s %-10s %-20s %-20s %12s  %s\n", PQgetvalue(r, i, C_ID),
                    PQgetvalue(r, i, C_SCHEMA), effective_status(r, i), PQgetvalue(r, i, C_START),
                    PQgetvalue(r, i, C_END)[0] ? PQgetvalue(r, i, C_END) : "-",
                    PQgetvalue(r, i, C_ROWS), note_of(r, i, note, sizeof note));
        }
    }
    rc = 0;
out:
    PQclear(r);
    PQfinish(c);
    return rc;
}

/* ---- teardown ---- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Stop a live load: mark it FAILED (so its loader does not reconnect and carry on), end
 * its sessions and wait until its lock is free. */
static int stop_live(PGconn *c, const char *run_id, FILE *out, struct sil_err *err)
{
    const char *rp[] = {run_id};
    if (loader_pg_execp(c,
                        "UPDATE silhouette_meta.load_runs SET status = 'FAILED', finished_at = "
                        "now(), errors = errors || '[\"stopped by loader teardown --force\"]' "
                        "WHERE run_id = $1 AND status = 'RUNNING'",
                        1, rp, NULL, err) < 0)
        return -1;
    char app[64];
    snprintf(app, sizeof app, "silhouette-loader %s", run_id);
    const char *params[] = {app};
    PGresult *r = loader_pg_query(c,
                                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE application_name = $1 AND pid <> pg_backend_pid()",
                                  1, params, err);
    if (!r)
        return -1;
    fprintf(out, "run %s: ended %s session(s) of its loader\n", run_id, PQgetvalue(r, 0, 0));
    PQclear(r);
    for (int i = 0; i < 150; i++) {
        int live = loader_meta_run_live(c, run_id, err);
        if (live < 0)
            return -1;
        if (!live)
            return 0;
        sleep_ms(200);
    }
    return sil_err_set(err, SIL_EDB, "run %s: its loader's sessions did not end in 30 s", run_id);
}

/* Drop a schema if it carries `mark`, and mark the run (when recorded). */
static int drop_run(PGconn *c, const char *run_id, const char *schema, int recorded, FILE *out,
                    struct sil_err *err)
{
    char mark[128];
    snprintf(mark, sizeof mark, LOADER_SCHEMA_MARK "%s", run_id);
    int exists = 0;
    char *comment = NULL;
    if (loader_pg_exec(c, "BEGIN", err) < 0)
        return -1;
    if (loader_schema_exists(c, schema, &exists, &comment, err) < 0)
        goto rollback;
    int dropped = 0;
    if (exists && comment && strcmp(comment, mark) == 0) {
        char *q = sil_ident_quote(schema);
        char *sql = sil_xasprintf("DROP SCHEMA %s CASCADE", q);
        free(q);
        int rc = loader_pg_exec(c, sql, err);
        free(sql);
        if (rc < 0) {
            sil_err_prefix(err, "cannot drop schema %s", schema);
            goto rollback;
        }
        dropped = 1;
    } else if (exists) {
        fprintf(out, "run %s: schema %s is not this run's (no matching comment); left alone\n",
                run_id, schema);
    }
    if (recorded) {
        const char *params[] = {run_id};
        if (loader_pg_execp(c,
                            "UPDATE silhouette_meta.load_runs SET status = 'TORN_DOWN', "
                            "torn_down_at = coalesce(torn_down_at, now()) WHERE run_id = $1",
                            1, params, NULL, err) < 0)
            goto rollback;
    }
    if (loader_pg_exec(c, "COMMIT", err) < 0) {
        free(comment);
        return -1;
    }
    fprintf(out, "run %s: %s\n", run_id,
            dropped ? "schema dropped, run marked TORN_DOWN"
                    : (recorded ? "no schema left to drop; run marked TORN_DOWN"
                                : "no schema left to drop"));
    free(comment);
    return 0;
rollback:
    free(comment);
    if (PQstatus(c) == CONNECTION_OK) {
        struct sil_err ignore;
        if (loader_pg_exec(c, "ROLLBACK", &ignore) < 0) {
            /* the first error is reported */
        }
    }
    return -1;
}

static int confirm(FILE *in, FILE *out, int n, const char *db)
{
    fprintf(out, "Tear down %d run%s in database %s? Type 'yes' to confirm: ", n, n == 1 ? "" : "s",
            db);
    fflush(out);
    char line[32];
    if (!fgets(line, sizeof line, in))
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0;
}

int loader_teardown(const struct loader_teardown_opts *o, FILE *in, FILE *out, struct sil_err *err)
{
    if (o->all && !o->force && !o->interactive)
        return sil_err_set(err, SIL_EUSAGE,
                           "teardown --all asks for confirmation on a terminal; "
                           "pass --force to tear down without asking");
    PGconn *c = loader_pg_connect(o->dsn, "silhouette-loader teardown", err);
    if (!c)
        return -1;
    int rc = -1, exists = 0;
    PGresult *r = NULL, *orphans = NULL;
    if (loader_pg_exec(c, "SET search_path = pg_catalog; SET lock_timeout = '60s'", err) < 0 ||
        loader_meta_check(c, &exists, err) < 0)
        goto out;
    if (exists && !(r = query_runs(c, err)))
        goto out;
    char like[64];
    snprintf(like, sizeof like, "%s%%", LOADER_SCHEMA_MARK);
    const char *lp[] = {like, LOADER_SCHEMA_MARK};
    /* schemas carrying a run's comment whose run is not recorded (silhouette_meta lost) */
    orphans = loader_pg_query(
        c,
        exists ? "SELECT n.nspname, substr(obj_description(n.oid, 'pg_namespace'), length($2) + 1) "
                 "  FROM pg_namespace n WHERE obj_description(n.oid, 'pg_namespace') LIKE $1 "
                 "   AND NOT EXISTS (SELECT 1 FROM silhouette_meta.load_runs r "
                 "        WHERE $2 || r.run_id = obj_description(n.oid, 'pg_namespace'))"
               : "SELECT n.nspname, substr(obj_description(n.oid, 'pg_namespace'), length($2) + 1) "
                 "  FROM pg_namespace n WHERE obj_description(n.oid, 'pg_namespace') LIKE $1",
        2, lp, err);
    if (!orphans)
        goto out;
    int n = r ? PQntuples(r) : 0;
    if (o->run_id) {
        int i = 0;
        while (i < n && strcmp(PQgetvalue(r, i, C_ID), o->run_id) != 0)
            i++;
        if (i == n) {
            for (int k = 0; k < PQntuples(orphans); k++)
                if (strcmp(PQgetvalue(orphans, k, 1), o->run_id) == 0) {
                    rc = drop_run(c, o->run_id, PQgetvalue(orphans, k, 0), 0, out, err);
                    goto out;
                }
            sil_err_set(err, SIL_EUSAGE, "no run %s is recorded in this database", o->run_id);
            goto out;
        }
        const char *st = PQgetvalue(r, i, C_STATUS);
        int live = strcmp(PQgetvalue(r, i, C_LIVE), "t") == 0;
        int schema_ours = strcmp(PQgetvalue(r, i, C_EXISTS), "t") == 0;
        if (strcmp(st, "TORN_DOWN") == 0 && !schema_ours) {
            fprintf(out, "run %s: already torn down\n", o->run_id);
            rc = 0;
            goto out;
        }
        if (live) {
            if (!o->force) {
                sil_err_set(err, SIL_EDB,
                            "run %s is still loading (its loader holds the run's "
                            "lock)",
                            o->run_id);
                sil_err_hint(err, "pass --force to end its sessions and tear it down");
                goto out;
            }
            if (stop_live(c, o->run_id, out, err) < 0)
                goto out;
        }
        rc = drop_run(c, o->run_id, PQgetvalue(r, i, C_SCHEMA), 1, out, err);
        goto out;
    }
    /* --all */
    int todo = PQntuples(orphans);
    for (int i = 0; i < n; i++)
        todo += strcmp(PQgetvalue(r, i, C_STATUS), "TORN_DOWN") != 0 ||
                strcmp(PQgetvalue(r, i, C_EXISTS), "t") == 0;
    if (todo == 0) {
        fprintf(out, "nothing to tear down\n");
        rc = 0;
        goto out;
    }
    if (!o->force) {
        for (int i = 0; i < n; i++)
            fprintf(out, "  %s  %s  %s\n", PQgetvalue(r, i, C_ID), PQgetvalue(r, i, C_SCHEMA),
                    effective_status(r, i));
        for (int i = 0; i < PQntuples(orphans); i++)
            fprintf(out, "  %s  %s  (not recorded)\n", PQgetvalue(orphans, i, 1),
                    PQgetvalue(orphans, i, 0));
        if (!confirm(in, out, todo, PQdb(c))) {
            sil_err_set(err, SIL_EUSAGE, "teardown --all not confirmed; nothing was changed");
            goto out;
        }
    }
    int failures = 0;
    struct sil_err first;
    sil_err_clear(&first);
    for (int i = 0; i < n; i++) {
        if (strcmp(PQgetvalue(r, i, C_STATUS), "TORN_DOWN") == 0 &&
            strcmp(PQgetvalue(r, i, C_EXISTS), "t") != 0)
            continue;
        const char *id = PQgetvalue(r, i, C_ID);
        struct sil_err e;
        sil_err_clear(&e);
        int live = strcmp(PQgetvalue(r, i, C_LIVE), "t") == 0;
        if ((live && stop_live(c, id, out, &e) < 0) ||
            drop_run(c, id, PQgetvalue(r, i, C_SCHEMA), 1, out, &e) < 0) {
            fprintf(out, "run %s: teardown failed: %s\n", id, e.msg);
            if (!failures++)
                first = e;
        }
    }
    for (int i = 0; i < PQntuples(orphans); i++) {
        struct sil_err e;
        sil_err_clear(&e);
        if (drop_run(c, PQgetvalue(orphans, i, 1), PQgetvalue(orphans, i, 0), 0, out, &e) < 0) {
            fprintf(out, "schema %s: teardown failed: %s\n", PQgetvalue(orphans, i, 0), e.msg);
            if (!failures++)
                first = e;
        }
    }
    if (failures) {
        *err = first;
        sil_err_prefix(err, "%d teardown%s failed", failures, failures == 1 ? "" : "s");
        goto out;
    }
    rc = 0;
out:
    PQclear(r);
    PQclear(orphans);
    PQfinish(c);
    return rc;
}
