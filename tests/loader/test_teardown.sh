# runs tells the truth; teardown by run, --all with confirmation, orphans; failed runs are
# recorded with the reason and dropped unless --keep-failed.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

pg_start || exit 1
createdb src
psql -X -q -v ON_ERROR_STOP=1 -d src -f tests/loader/source.sql || exit 1
OUT=$T_TMP/gen
$MKOUT --db src --out "$OUT" || exit 1
mkdb staging
D=dbname=staging

expect_exit 0 "runs before any load" -- "$LOADER" runs --dsn $D
assert_eq "$T_OUT" "no runs: silhouette_meta does not exist in this database" "runs without bookkeeping"

ids=()
schemas=()
for i in 1 2 3; do
    expect_exit 0 "load $i" -- "$LOADER" load "$OUT" --dsn $D
    ids+=("$(run_of)")
    schemas+=("$(schema_of)")
done
expect_exit 0 "runs" -- "$LOADER" runs --dsn $D
assert_eq "$(printf '%s\n' "$T_OUT" | grep -c ' COMPLETED ')" 3 "runs lists three completed runs"
assert_contains "$T_OUT" "${ids[0]}" "runs names the first run"
assert_contains "$T_OUT" " 3500 " "runs shows the rows loaded"
expect_exit 0 "runs --json" -- "$LOADER" runs --dsn $D --json
assert_eq "$(printf '%s\n' "$T_OUT" | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["status"] == "COMPLETED" and json.loads(l)["rows"] == 3500 and json.loads(l)["schema_exists"]))')" 3 "runs --json is one object per run"

# --all needs a terminal or --force
before=$(catalog staging)
expect_exit 2 "teardown --all without --force" -- "$LOADER" teardown --dsn $D --all
assert_contains "$T_ERR" "teardown --all asks for confirmation on a terminal; pass --force" "teardown --all: message"
assert_eq "$(catalog staging)" "$before" "teardown --all without --force changed nothing"
expect_exit 2 "teardown needs a target" -- "$LOADER" teardown --dsn $D
expect_exit 2 "teardown of an unknown run" -- "$LOADER" teardown --dsn $D --run 20000101T000000Z-000000
assert_contains "$T_ERR" "no run 20000101T000000Z-000000 is recorded in this database" "unknown run: message"

# a run whose record was lost is still found by its schema comment
psql -X -q -d staging -c "DELETE FROM silhouette_meta.load_runs WHERE run_id = '${ids[2]}'"
expect_exit 0 "teardown --all --force" -- "$LOADER" teardown --dsn $D --all --force
assert_contains "$T_OUT" "run ${ids[0]}: schema dropped, run marked TORN_DOWN" "--all tears down the first"
assert_contains "$T_OUT" "run ${ids[2]}: schema dropped" "--all drops the unrecorded run's schema"
for s in "${schemas[@]}"; do
    assert_eq "$(schema_exists staging "$s")" 0 "schema $s gone"
done
expect_exit 0 "teardown --all again" -- "$LOADER" teardown --dsn $D --all --force
assert_eq "$T_OUT" "nothing to tear down" "teardown --all is idempotent"

# a schema of the same name created later by someone else is left alone
expect_exit 0 "load into a named schema" -- "$LOADER" load "$OUT" --dsn $D --schema named_run
named=$(run_of)
expect_exit 0 "teardown named" -- "$LOADER" teardown --dsn $D --run "$named"
psql -X -q -d staging -c "CREATE SCHEMA named_run; CREATE TABLE named_run.keep (x int)"
expect_exit 0 "teardown named again" -- "$LOADER" teardown --dsn $D --run "$named"
assert_contains "$T_OUT" "already torn down" "teardown named again: already torn down"
assert_eq "$(pg_value "SELECT count(*) FROM pg_class WHERE relname = 'keep'" staging)" 1 "someone else's schema is left alone"
expect_exit 0 "runs after" -- "$LOADER" runs --dsn $D
assert_contains "$T_OUT" "schema exists again" "runs notes a schema of that name exists again"
expect_exit 0 "teardown --all leaves it too" -- "$LOADER" teardown --dsn $D --all --force
assert_eq "$(pg_value "SELECT count(*) FROM pg_class WHERE relname = 'keep'" staging)" 1 "--all leaves someone else's schema alone"

# failed loads: marked FAILED with the reason, schema dropped unless --keep-failed
bad() { # bad NAME PYTHON-EDIT
    rm -rf "$T_TMP/bad"
    cp -r "$OUT" "$T_TMP/bad"
    rm -rf "$T_TMP/bad/loads"
    python3 - "$T_TMP/bad" <<EOF
import sys
out = sys.argv[1]
$2
EOF
    python3 tests/loader/mkout.py reseal "$T_TMP/bad"
}
failed_run() { sed -n 's/.*run \([0-9A-Za-z-]*\) marked FAILED.*/\1/p' <<<"$T_ERR"; }

bad orphan '
p = out + "/data/public.orders.copy"
lines = open(p).read().split("\n")
f = lines[5].split("\t"); f[1] = "99999"; lines[5] = "\t".join(f)
open(p, "w").write("\n".join(lines))'
expect_exit 1 "orphan foreign key" -- "$LOADER" load "$T_TMP/bad" --dsn $D --keep-failed
assert_contains "$T_ERR" "foreign key \"orders_customer_id_fkey\" of public.orders does not hold: 1 rows reference missing rows of public.customers (for example (99999))" "orphans reported"
run=$(failed_run)
assert_eq "$(run_status staging "$run")" FAILED "orphan run marked FAILED"
assert_contains "$(pg_value "SELECT errors::text FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)" "does not hold" "the reason is recorded"
assert_contains "$(cat "$T_TMP/bad/loads/$run.json")" '"status": "FAILED"' "the report says FAILED"
s=$(pg_value "SELECT schema_name FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)
assert_eq "$(schema_exists staging "$s")" 1 "--keep-failed kept the schema"
expect_exit 0 "runs shows the failure" -- "$LOADER" runs --dsn $D
assert_contains "$T_OUT" "FAILED     " "runs: FAILED"
assert_contains "$T_OUT" "schema kept; " "runs: schema kept"
expect_exit 0 "teardown of the failed run" -- "$LOADER" teardown --dsn $D --run "$run"
assert_eq "$(schema_exists staging "$s")" 0 "failed run's schema dropped by teardown"

bad duplicate '
p = out + "/data/public.customers.copy"
lines = open(p).read().split("\n")
lines[1] = lines[0].split("\t")[0] + "\t" + "\t".join(lines[1].split("\t")[1:])
open(p, "w").write("\n".join(lines))'
expect_exit 1 "duplicate primary key" -- "$LOADER" load "$T_TMP/bad" --dsn $D
assert_contains "$T_ERR" "could not create unique index" "duplicate key: message"
run=$(failed_run)
s=$(pg_value "SELECT schema_name FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)
assert_eq "$(run_status staging "$run")" FAILED "duplicate: FAILED"
assert_eq "$(schema_exists staging "$s")" 0 "duplicate: schema dropped without --keep-failed"
assert_contains "$(cat "$T_TMP/bad/loads/$run.json")" '"schema_dropped": true' "duplicate: report says the schema was dropped"

bad check '
p = out + "/data/public.orders.copy"
lines = open(p).read().split("\n")
f = lines[7].split("\t"); f[2] = "0"; lines[7] = "\t".join(f)
open(p, "w").write("\n".join(lines))'
expect_exit 1 "check violation" -- "$LOADER" load "$T_TMP/bad" --dsn $D
assert_contains "$T_ERR" "violates check constraint \"orders_qty_check\"" "check violation: message"
assert_contains "$T_ERR" "COPY orders, line 8" "check violation: the line"

bad rows '
import json
m = json.load(open(out + "/manifest.json"))
for t in m["tables"]:
    if t["name"] == "orders":
        t["rows"] += 1; t["total_rows"] += 1; t["files"][0]["rows"] += 1
for z in m["sizing"]["tables"]:
    if z["table"] == "orders":
        z["rows"] += 1
json.dump(m, open(out + "/manifest.json", "w"))'
expect_exit 1 "row count mismatch" -- "$LOADER" load "$T_TMP/bad" --dsn $D
assert_contains "$T_ERR" "COPY loaded 3000 rows from 'data/public.orders.copy', the manifest says 3001" "rows: message"

expect_exit 0 "runs at the end" -- "$LOADER" runs --dsn $D
assert_not_contains "$T_OUT" "COMPLETED" "no COMPLETED run left"
assert_not_contains "$T_OUT" "ABANDONED" "no abandoned run"
assert_eq "$(pg_value "SELECT count(*) FROM pg_namespace WHERE obj_description(oid, 'pg_namespace') LIKE 'silhouette loader run %'" staging)" 0 "no loader schema left"
t_done
