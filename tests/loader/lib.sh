# Helpers for the loader suites (sourced after tests/harness/lib.sh and pg.sh).

LOADER=$SIL_BIN/loader
MKOUT="python3 $SIL_ROOT/tests/loader/mkout.py"
export SIL_BUILD

# mkdb NAME [MARKER]: a new database, marked unless MARKER is "-".
mkdb() {
    createdb "$1" || return 1
    if [ "${2:-staging}" != "-" ]; then
        psql -X -q -v ON_ERROR_STOP=1 -c "ALTER DATABASE \"$1\" SET silhouette.environment = '${2:-staging}'"
    fi
}

# catalog DB: a digest of every schema, relation, type and database setting, and of the
# loader's bookkeeping, to show that a refused load changed nothing.
catalog() {
    local db=$1 runs=none
    if [ "$(pg_value "SELECT to_regclass('silhouette_meta.load_runs') IS NOT NULL" "$db")" = t ]; then
        runs=$(pg_value "SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM silhouette_meta.load_runs r" "$db")
    fi
    local sum
    sum=$(pg_value "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
        SELECT 'n:' || nspname FROM pg_namespace
        UNION ALL SELECT 'c:' || c.oid::regclass::text || ':' || c.relkind::text FROM pg_class c
        UNION ALL SELECT 't:' || oid::regtype::text FROM pg_type
        UNION ALL SELECT 'o:' || conname FROM pg_constraint
        UNION ALL SELECT 's:' || coalesce(array_to_string(setconfig, ';'), '') FROM pg_db_role_setting
        UNION ALL SELECT 'd:' || datname FROM pg_database) s(x)" "$db") || sum="query failed $RANDOM"
    echo "$runs/$sum"
}

# table_sums DB SCHEMA: one line per table, "name rows md5-of-sorted-rows".
table_sums() {
    pg_value "SELECT c.relname || ' ' || (xpath('/row/s/text()', query_to_xml(format(
                'SELECT count(*) || '' '' || coalesce(md5(string_agg(x::text, E''\\n'' ORDER BY x::text)), ''-'') AS s FROM %I.%I x',
                n.nspname, c.relname), false, true, '')))[1]::text
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = '$2' AND c.relkind = 'r' ORDER BY c.relname" "$1"
}

# run_of: the run id from a loader load's stdout ($T_OUT).
run_of() {
    printf '%s\n' "$T_OUT" | sed -n 's/^COMPLETED run=\([^ ]*\) .*/\1/p'
}

schema_of() {
    printf '%s\n' "$T_OUT" | sed -n 's/^COMPLETED run=[^ ]* schema=\([^ ]*\) .*/\1/p'
}

run_status() {
    pg_value "SELECT status FROM silhouette_meta.load_runs WHERE run_id = '$2'" "$1"
}

schema_exists() {
    pg_value "SELECT count(*) FROM pg_namespace WHERE nspname = '$2'" "$1"
}
