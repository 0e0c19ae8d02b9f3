/* silhouette_meta: run records, piece records, run locks. */
#include "meta.h"

#include <stdlib.h>
#include <string.h>

#include "pg.h"

#define META_COMMENT "silhouette loader bookkeeping; managed by loader(1)"

int loader_schema_exists(PGconn *c, const char *schema, int *exists, char **comment,
                         struct sil_err *err)
{
    const char *params[] = {schema};
    PGresult *r = loader_pg_query(
        c, "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1", 1,
        params, err);
    if (!r)
        return -1;
    *exists = PQntuples(r) > 0;
    if (comment)
        *comment = *exists && !PQgetisnull(r, 0, 0) ? sil_xstrdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return 0;
}

int loader_meta_check(PGconn *c, int *exists, struct sil_err *err)
{
    char *comment = NULL;
    if (loader_schema_exists(c, LOADER_META_SCHEMA, exists, &comment, err) < 0)
        return -1;
    if (!*exists)
        return 0;
    int ours = comment && strcmp(comment, META_COMMENT) == 0;
    free(comment);
    if (!ours)
        return sil_err_set(err, SIL_EPOLICY, "schema %s exists but was not created by the loader",
                           LOADER_META_SCHEMA);
    PGresult *r = loader_pg_query(c,
                                  "SELECT (SELECT version FROM silhouette_meta.meta_version), "
                                  "to_regclass('silhouette_meta.load_runs') IS NOT NULL AND "
                                  "to_regclass('silhouette_meta.load_pieces') IS NOT NULL",
                                  0, NULL, err);
    if (!r) {
        sil_err_prefix(err, "cannot read %s", LOADER_META_SCHEMA);
        return -1;
    }
    int ok = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) && strcmp(PQgetvalue(r, 0, 0), "1") == 0 &&
             strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    PQclear(r);
    if (!ok)
        return sil_err_set(err, SIL_EPOLICY,
                           "%s exists but is not at version %d or misses its tables",
                           LOADER_META_SCHEMA, LOADER_META_VERSION);
    return 0;
}

static const char meta_ddl[] =
    "CREATE SCHEMA silhouette_meta;"
    "COMMENT ON SCHEMA silhouette_meta IS '" META_COMMENT "';"
    "CREATE TABLE silhouette_meta.meta_version (version integer NOT NULL);"
    "INSERT INTO silhouette_meta.meta_version VALUES (1);"
    "CREATE TABLE silhouette_meta.load_runs ("
    " run_id text PRIMARY KEY,"
    " schema_name text NOT NULL,"
    " status text NOT NULL CHECK (status IN ('RUNNING','COMPLETED','FAILED','TORN_DOWN')),"
    " manifest_checksum text NOT NULL,"
    " shape_checksum text NOT NULL,"
    " seed bigint NOT NULL,"
    " out_dir text NOT NULL,"
    " loader_version text NOT NULL,"
    " jobs integer NOT NULL,"
    " lock_key integer NOT NULL,"
    " db_user text NOT NULL DEFAULT current_user,"
    " client_host text,"
    " client_pid integer,"
    " started_at timestamptz NOT NULL DEFAULT now(),"
    " finished_at timestamptz,"
    " torn_down_at timestamptz,"
    " rows jsonb NOT NULL DEFAULT '{}',"
    " fast_paths jsonb NOT NULL DEFAULT '[]',"
    " errors jsonb NOT NULL DEFAULT '[]');"
    "CREATE TABLE silhouette_meta.load_pieces ("
    " run_id text NOT NULL REFERENCES silhouette_meta.load_runs ON DELETE CASCADE,"
    " piece text NOT NULL,"
    " table_name text NOT NULL,"
    " rows bigint NOT NULL,"
    " loaded_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (run_id, piece));";

/* Telemetry for dashboards (docs/telemetry.md): added to any version-1 silhouette_meta, so
 * every statement is idempotent and older loaders keep working beside it. */
static const char telemetry_ddl[] =
    "ALTER TABLE silhouette_meta.load_runs"
    " ADD COLUMN IF NOT EXISTS policy_target text,"
    " ADD COLUMN IF NOT EXISTS runtime_seconds double precision,"
    " ADD COLUMN IF NOT EXISTS rows_requested bigint,"
    " ADD COLUMN IF NOT EXISTS rows_produced bigint,"
    " ADD COLUMN IF NOT EXISTS clamps jsonb NOT NULL DEFAULT '[]';"
    "CREATE TABLE IF NOT EXISTS silhouette_meta.ks_results ("
    " run_id text NOT NULL REFERENCES silhouette_meta.load_runs ON DELETE CASCADE,"
    " shard integer NOT NULL,"
    " subject text NOT NULL,"
    " test text NOT NULL,"
    " d_sample double precision,"
    " d_all_rows double precision,"
    " p double precision,"
    " p_adjusted double precision,"
    " threshold double precision,"
    " sample_rows bigint,"
    " passed boolean NOT NULL,"
    " PRIMARY KEY (run_id, shard, subject, test));"
    "CREATE TABLE IF NOT EXISTS silhouette_meta.linkage_metrics ("
    " run_id text NOT NULL REFERENCES silhouette_meta.load_runs ON DELETE CASCADE,"
    " shard integer NOT NULL,"
    " subject text NOT NULL,"
    " metric text NOT NULL,"
    " measured double precision NOT NULL,"
    " threshold double precision,"
    " passed boolean NOT NULL,"
    " keys_checked bigint,"
    " keys_found bigint,"
    " orphans bigint,"
    " PRIMARY KEY (run_id, shard, subject, metric));"
    "CREATE TABLE IF NOT EXISTS silhouette_meta.endorsements ("
    " run_id text NOT NULL REFERENCES silhouette_meta.load_runs ON DELETE CASCADE,"
    " shard integer NOT NULL,"
    " out_dir text NOT NULL,"
    " required boolean NOT NULL,"
    " status text NOT NULL CHECK (status IN"
    "  ('ENDORSED','REJECTED','CHANGED','ABSENT','MALFORMED')),"
    " decided_by text,"
    " decided_at timestamptz,"
    " note text,"
    " override_reason text,"
    " report_checksum text,"
    " detail text,"
    " PRIMARY KEY (run_id, shard));"
    "CREATE TABLE IF NOT EXISTS silhouette_meta.alerts ("
    " alert_id bigserial PRIMARY KEY,"
    " run_id text NOT NULL REFERENCES silhouette_meta.load_runs ON DELETE CASCADE,"
    " raised_at timestamptz NOT NULL DEFAULT now(),"
    " kind text NOT NULL CHECK (kind IN"
    "  ('RUN_FAILED','GATES_OVERRIDDEN','REPORT_FAILED','ROWS_CLAMPED')),"
    " message text NOT NULL);";

/* Are the telemetry tables and columns there? ALTER TABLE would take an exclusive lock on
 * load_runs (waiting for other runs' piece transactions) even when nothing is missing. */
static int telemetry_present(PGconn *c, int *present, struct sil_err *err)
{
    PGresult *r = loader_pg_query(
        c,
        "SELECT to_regclass('silhouette_meta.ks_results') IS NOT NULL AND "
        "to_regclass('silhouette_meta.linkage_metrics') IS NOT NULL AND "
        "to_regclass('silhouette_meta.endorsements') IS NOT NULL AND "
        "to_regclass('silhouette_meta.alerts') IS NOT NULL AND "
        "(SELECT count(*) FROM pg_attribute WHERE attrelid = "
        "'silhouette_meta.load_runs'::regclass AND NOT attisdropped AND attname IN "
        "('policy_target','runtime_seconds','rows_requested','rows_produced','clamps')) = 5",
        0, NULL, err);
    if (!r)
        return -1;
    *present = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return 0;
}

int loader_meta_ensure(PGconn *c, struct sil_err *err)
{
    /* Serialise concurrent first runs on a transaction-level lock. */
    if (loader_pg_exec(c, "BEGIN", err) < 0)
        return -1;
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d, 0)", LOADER_LOCK_CLASS);
    int exists = 0, present = 0;
    if (loader_pg_exec(c, lock, err) < 0 || loader_meta_check(c, &exists, err) < 0 ||
        (!exists && loader_pg_exec(c, meta_ddl, err) < 0) ||
        telemetry_present(c, &present, err) < 0 ||
        (!present && loader_pg_exec(c, telemetry_ddl, err) < 0) ||
        loader_pg_exec(c, "COMMIT", err) < 0) {
        struct sil_err ignore;
        if (loader_pg_exec(c, "ROLLBACK", &ignore) < 0) {
            /* the connection is gone; the caller reports err */
        }
        sil_err_prefix(err, "cannot set up %s", LOADER_META_SCHEMA);
        return -1;
    }
    return 0;
}

int32_t loader_run_lock_key(const char *run_id)
{
    /* FNV-1a, folded into a positive int4 */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)run_id; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return (int32_t)(h & 0x7fffffff);
}

int loader_meta_lock_run(PGconn *c, const char *run_id, struct sil_err *err)
{
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", LOADER_LOCK_CLASS);
    snprintf(b, sizeof b, "%d", loader_run_lock_key(run_id));
    const char *params[] = {a, b};
    PGresult *r =
        loader_pg_query(c, "SELECT pg_try_advisory_lock($1::int4, $2::int4)", 2, params, err);
    if (!r)
        return -1;
    int got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!got)
        return sil_err_set(err, SIL_EDB, "run %s is locked by another session", run_id);
    return 0;
}

int loader_meta_run_live(PGconn *c, const char *run_id, struct sil_err *err)
{
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", LOADER_LOCK_CLASS);
    snprintf(b, sizeof b, "%d", loader_run_lock_key(run_id));
    const char *params[] = {a, b};
    PGresult *r = loader_pg_query(c,
                                  "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                                  "classid = $1::int4::oid AND objid = $2::int4::oid AND "
                                  "objsubid = 2 AND granted",
                                  2, params, err);
    if (!r)
        return -1;
    int live = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
    PQclear(r);
    return live;
}

int loader_meta_still_running(PGconn *c, const char *run_id, struct sil_err *err)
{
    const char *params[] = {run_id};
    PGresult *r = loader_pg_query(
        c, "SELECT status FROM silhouette_meta.load_runs WHERE run_id = $1", 1, params, err);
    if (!r)
        return -1;
    int ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "RUNNING") == 0;
    if (!ok)
        sil_err_set(err, SIL_ECHECK, "run %s was stopped from outside (its status is %s)", run_id,
                    PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "gone");
    PQclear(r);
    return ok ? 0 : -1;
}
