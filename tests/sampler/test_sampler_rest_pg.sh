# The REST path's C statistics against the PostgreSQL path's SQL on the same
# rows: the hr fixture is sampled through PostgreSQL, then exported table by
# table through psql as JSON, served by the local test API and sampled as a
# REST source with the same key. Every statistic of every column and of every
# foreign key both paths found must agree (the definitions are the same: one
# is SQL in pgstats.c, the other C in cstats.c).
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/restlib.sh

pg_start || { t_fail "pg_start"; t_done; }
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE sampler_ro LOGIN; GRANT pg_read_all_data TO sampler_ro" || t_fail "role"
rest_setup || t_fail "rest_setup"
tests/fixtures/load.sh hr hr 1 || t_fail "load hr"
expect_exit 0 "PostgreSQL path" -- "$SAMPLER" --dsn "dbname=hr user=sampler_ro" --key-file "$KEY" -o "$T_TMP/pg.shape.json"

mkdir -p "$T_TMP/data"
tables="departments offices teams employees compensation"
for t in $tables; do
    PGTZ=UTC psql -X -At -v ON_ERROR_STOP=1 -d hr \
        -c "SELECT coalesce(json_agg(x), '[]') FROM (SELECT * FROM $t) x" >"$T_TMP/data/$t.json" || t_fail "export $t"
done
assert_eq "$(python3 -c "import json; print(len(json.load(open('$T_TMP/data/employees.json'))))")" 200 "employees exported"
rest_start PORT --data "$T_TMP/data" || t_fail "server"
{
    printf '{"format": "silhouette.rest-source", "version": 1, "base_url": "http://127.0.0.1:%s",\n' "$PORT"
    printf ' "auth": {"type": "bearer", "token_file": "%s"},\n' "$SECRET"
    printf ' "pagination": {"style": "offset", "page_size": 64}, "limits": {"requests_per_second": 1000},\n'
    printf ' "entities": ['
    sep=
    for t in $tables; do
        printf '%s{"name": "%s", "path": "/offset/%s"}' "$sep" "$t" "$t"
        sep=', '
    done
    printf ']}\n'
} >"$T_TMP/hr.api.json"
expect_exit 0 "REST path on the exported rows" -- "$SAMPLER" --source rest --api "$T_TMP/hr.api.json" --key-file "$KEY" -o "$T_TMP/rest.shape.json"
# An enum has no length statistics in PostgreSQL; the same labels arrive as text over REST.
expect_exit 0 "every statistic agrees" -- python3 "$SIL_ROOT/tests/sampler/restcheck.py" stats "$T_TMP/pg.shape.json" "$T_TMP/rest.shape.json" \
    employees.employment.length_quantiles
echo "$T_OUT" | grep -E "problem|compared" | head -n 20
assert_contains "$T_OUT" "compared 34 columns and 6 foreign keys" "all columns and the keys both found"
t_done
