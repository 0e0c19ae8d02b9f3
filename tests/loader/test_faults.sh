# Faults during a load: a killed loader (SIGKILL mid-COPY), a PostgreSQL restart, a dropped
# connection, a full disk on the server, an interrupt, a forced teardown of a live load.
# Afterwards no schema is COMPLETED that is not complete, runs tells the truth, teardown
# cleans up and a re-run succeeds.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

ROWS=${SIL_FAULT_ROWS:-1000000}
pg_start || exit 1
MNT=
cleanup_all() {
    pg_stop
    if [ -n "$MNT" ]; then
        umount "$MNT" 2>/dev/null
        rmdir "$MNT" 2>/dev/null
    fi
    t__cleanup_tmp
}
trap cleanup_all EXIT

createdb src
psql -X -q -v ON_ERROR_STOP=1 -d src <<SQL || exit 1
CREATE TABLE parents (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE events (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parents,
                     payload text NOT NULL, at timestamptz NOT NULL);
INSERT INTO parents SELECT g, 'parent ' || g FROM generate_series(1, 20000) g;
INSERT INTO events SELECT g, 1 + g % 20000, md5(g::text) || md5((g + 1)::text),
                          timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
                     FROM generate_series(1, $ROWS) g;
SQL
OUT=$T_TMP/gen
$MKOUT --db src --out "$OUT" || exit 1
mkdb staging
D=dbname=staging
want_sums=$(table_sums src public)

# Start a load in the background; wait until COPY is moving rows.
start_load() {
    "$LOADER" load "$OUT" --dsn $D --jobs 2 "$@" >"$T_TMP/bg.out" 2>"$T_TMP/bg.err" </dev/null &
    BG=$!
    for _ in $(seq 1 300); do
        n=$(pg_value "SELECT count(*) FROM pg_stat_progress_copy WHERE tuples_processed > 1000" staging 2>/dev/null)
        [ "${n:-0}" -gt 0 ] && return 0
        kill -0 $BG 2>/dev/null || break
        sleep 0.05
    done
    t_fail "the load never started copying: $(cat "$T_TMP/bg.err")"
    return 1
}
bg_run() { pg_value "SELECT run_id FROM silhouette_meta.load_runs ORDER BY started_at DESC, run_id DESC LIMIT 1" staging; }

# Nothing is COMPLETED unless it holds every row.
check_truth() {
    local what=$1
    pg_value "SELECT run_id || ' ' || schema_name FROM silhouette_meta.load_runs WHERE status = 'COMPLETED'" staging |
        while read -r id schema; do
            [ -z "$id" ] && continue
            if [ "$(table_sums staging "$schema")" != "$want_sums" ]; then
                echo "FAIL: $what: run $id is COMPLETED but its tables differ from the source" >&2
                exit 1
            fi
        done || T_FAILS=$((T_FAILS + 1))
}

rerun_ok() {
    local what=$1
    expect_exit 0 "$what: a re-run succeeds" -- "$LOADER" load "$OUT" --dsn $D --jobs 2
    local s
    s=$(schema_of)
    assert_eq "$(table_sums staging "$s")" "$want_sums" "$what: the re-run holds the source's rows"
    expect_exit 0 "$what: teardown of the re-run" -- "$LOADER" teardown --dsn $D --run "$(run_of)"
}

# --- the loader is killed mid-COPY (one COPY FREEZE stream per table) ---
start_load --no-split
kill -9 $BG
wait $BG 2>/dev/null
run=$(bg_run)
status=
for _ in $(seq 1 100); do
    status=$("$LOADER" runs --dsn $D --json | python3 -c "import json,sys; print([r['status'] for r in map(json.loads, sys.stdin) if r['run_id'] == '$run'][0])")
    [ "$status" = ABANDONED ] && break
    sleep 0.1
done
assert_eq "$status" ABANDONED "SIGKILL: runs shows the run ABANDONED"
assert_eq "$(run_status staging "$run")" RUNNING "SIGKILL: the record was never marked COMPLETED"
check_truth SIGKILL
expect_exit 0 "SIGKILL: runs" -- "$LOADER" runs --dsn $D
assert_contains "$T_OUT" "loader gone before finishing, schema left; tear down" "SIGKILL: runs says what to do"
expect_exit 0 "SIGKILL: teardown" -- "$LOADER" teardown --dsn $D --run "$run"
assert_eq "$(run_status staging "$run")" TORN_DOWN "SIGKILL: torn down"
assert_eq "$(pg_value "SELECT count(*) FROM pg_namespace WHERE obj_description(oid, 'pg_namespace') LIKE 'silhouette loader run $run'" staging)" 0 "SIGKILL: schema gone"
rerun_ok SIGKILL

# --- PostgreSQL restarts mid-load: the loader reconnects and finishes (events in byte ranges) ---
start_load
pg_restart fast || t_fail "pg_restart failed"
wait $BG
rc=$?
assert_eq "$rc" 0 "restart: the load completes after the restart"
[ "$rc" = 0 ] || cat "$T_TMP/bg.err" >&2
assert_contains "$(cat "$T_TMP/bg.err")" "retrying" "restart: the retries are said"
run=$(bg_run)
assert_eq "$(run_status staging "$run")" COMPLETED "restart: COMPLETED"
assert_contains "$(cat "$T_TMP/gen/loads/$run.json")" '"parallel-copy"' "restart: the events table was split"
s=$(pg_value "SELECT schema_name FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)
assert_eq "$(table_sums staging "$s")" "$want_sums" "restart: every row loaded once"
assert_contains "$(pg_value "SELECT errors::text FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)" "retrying" "restart: retries recorded in load_runs"
check_truth restart
expect_exit 0 "restart: teardown" -- "$LOADER" teardown --dsn $D --run "$run"

# --- PostgreSQL crashes (immediate restart) mid-load ---
start_load
pg_restart immediate || t_fail "pg_restart immediate failed"
wait $BG
rc=$?
run=$(bg_run)
st=$(run_status staging "$run")
if [ "$rc" = 0 ]; then
    assert_eq "$st" COMPLETED "crash: the load completed and is COMPLETED"
else
    assert_eq "$st" FAILED "crash: the load failed and is FAILED"
fi
check_truth crash
expect_exit 0 "crash: teardown" -- "$LOADER" teardown --dsn $D --run "$run"
rerun_ok crash

# --- a connection is dropped (its backend terminated) ---
start_load
pg_value "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity
          WHERE application_name LIKE 'silhouette-loader %' AND query LIKE 'COPY %' LIMIT 1) p" staging >/dev/null
wait $BG
assert_eq "$?" 0 "dropped connection: the load completes"
assert_contains "$(cat "$T_TMP/bg.err")" "retrying public.events in 0.25s (attempt 2)" "dropped connection: the retry is said"
run=$(bg_run)
s=$(pg_value "SELECT schema_name FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)
assert_eq "$(table_sums staging "$s")" "$want_sums" "dropped connection: every row loaded once"
expect_exit 0 "dropped connection: teardown" -- "$LOADER" teardown --dsn $D --run "$run"

# --- interrupted (SIGINT) ---
start_load
kill -INT $BG
wait $BG
assert_eq "$?" 130 "SIGINT: exit 130"
assert_contains "$(cat "$T_TMP/bg.err")" "interrupted" "SIGINT: says interrupted"
run=$(bg_run)
assert_eq "$(run_status staging "$run")" FAILED "SIGINT: FAILED"
assert_eq "$(pg_value "SELECT count(*) FROM pg_namespace WHERE nspname = (SELECT schema_name FROM silhouette_meta.load_runs WHERE run_id = '$run')" staging)" 0 "SIGINT: schema dropped"

# --- teardown --force of a live load ---
start_load
run=$(bg_run)
expect_exit 0 "forced teardown of a live load" -- "$LOADER" teardown --dsn $D --run "$run" --force
assert_contains "$T_OUT" "schema dropped, run marked TORN_DOWN" "forced teardown: done"
wait $BG
assert_eq "$?" 1 "forced teardown: the loader fails"
assert_eq "$(run_status staging "$run")" TORN_DOWN "forced teardown: TORN_DOWN"
check_truth "forced teardown"

# --- the server's disk is full: a tablespace on a small tmpfs ---
MNT=$(mktemp -d /tmp/sil-tablespace.XXXXXX)
chmod 0755 "$MNT"
if mount -t tmpfs -o size=24m tmpfs "$MNT" 2>/dev/null; then
    chown postgres: "$MNT"
    psql -X -q -d staging -c "CREATE TABLESPACE small LOCATION '$MNT'"
    expect_exit 1 "full disk: the load fails" -- "$LOADER" load "$OUT" --dsn $D --jobs 2 --tablespace small
    assert_contains "$T_ERR" "No space left on device" "full disk: the cause is said"
    assert_contains "$T_ERR" "[SQLSTATE 53100]" "full disk: disk_full"
    run=$(sed -n 's/.*run \([0-9A-Za-z-]*\) marked FAILED.*/\1/p' <<<"$T_ERR")
    assert_eq "$(run_status staging "$run")" FAILED "full disk: FAILED"
    assert_contains "$(pg_value "SELECT errors::text FROM silhouette_meta.load_runs WHERE run_id = '$run'" staging)" "No space left on device" "full disk: reason recorded"
    assert_eq "$(pg_value "SELECT count(*) FROM pg_class WHERE reltablespace = (SELECT oid FROM pg_tablespace WHERE spcname = 'small')" staging)" 0 "full disk: nothing left in the tablespace"
    check_truth "full disk"
    rerun_ok "full disk"
    psql -X -q -d staging -c "DROP TABLESPACE small"
else
    echo "note: cannot mount a tmpfs here; the full-disk case is not run" >&2
fi

expect_exit 0 "runs at the end" -- "$LOADER" runs --dsn $D
assert_not_contains "$T_OUT" "COMPLETED " "nothing left COMPLETED"
assert_eq "$(pg_value "SELECT count(*) FROM pg_namespace WHERE obj_description(oid, 'pg_namespace') LIKE 'silhouette loader run %'" staging)" 0 "no loader schema left"
t_done
