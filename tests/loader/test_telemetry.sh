# Telemetry: three loads (an endorsed output, a clamped unendorsed one whose report has a failed
# KS test, a run that fails) fill silhouette_meta's dashboard tables, and the example queries of
# docs/telemetry.md, run exactly as written there, return the expected values.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

GEN=$SIL_BIN/generator
[ -x "$GEN" ] || t_skip "generator not built at $GEN"
[ -x "$PG_BINDIR/initdb" ] || t_skip "PostgreSQL 15 not installed (make deps)"

# doc_query NAME: the SQL block after "<!-- query: NAME -->" in docs/telemetry.md.
doc_query() {
    awk -v want="<!-- query: $1 -->" '
        $0 == want { found = 1; next }
        found && /^```sql/ { inside = 1; next }
        inside && /^```/ { exit }
        inside { print }' docs/telemetry.md
}
for q in success_rate median_runtime ks_pass_rate median_fk_coverage endorsement_backlog \
    alerts_by_kind rows_clamped; do
    [ -n "$(doc_query $q)" ] || t_fail "docs/telemetry.md has no query $q"
done

blake() {
    python3 -c '
import hashlib, sys
print("blake2b-256:" + hashlib.blake2b(open(sys.argv[1], "rb").read(), digest_size=32).hexdigest())' "$1"
}

jq 'del(.checksum) | .expires_at = "2999-01-01T00:00:00Z"' tests/shapes/hr.shape.json >"$T_TMP/hr.json"
# A: endorsed
expect_exit 0 "generate A" -- "$GEN" --shape "$T_TMP/hr.json" --seed 3 --no-progress -q -o "$T_TMP/a"
expect_exit 0 "report A" -- "$GEN" report "$T_TMP/a" -q
expect_exit 0 "endorse A" -- "$GEN" report "$T_TMP/a" --endorse --by "Dana Admin" --note "reviewed" -q
# C: clamped by --max-rows, not endorsed, one KS test of its report marked failed
expect_exit 0 "generate C" -- "$GEN" --shape "$T_TMP/hr.json" --seed 3 --no-progress -q \
    --max-rows 100 -o "$T_TMP/c"
expect_exit 0 "report C" -- "$GEN" report "$T_TMP/c" -q
jq '(first(.checks[] | select(.gate == "distribution" and (.check | startswith("KS")))) | .passed) = false' \
    "$T_TMP/c/report.json" >"$T_TMP/r.json" && mv "$T_TMP/r.json" "$T_TMP/c/report.json"
# F: A's data with a value COPY cannot read, the manifest's checksum updated: verified, then fails
cp -r "$T_TMP/a" "$T_TMP/f"
rm "$T_TMP/f/endorsement.json"
f=data/public.departments.copy
python3 -c '
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
cols = lines[0].split("\t")
cols[0] = "x" * len(cols[0])
lines[0] = "\t".join(cols)
open(p, "w").write("\n".join(lines))' "$T_TMP/f/$f"
jq --arg f "$f" --arg s "$(blake "$T_TMP/f/$f")" \
    '(.tables[].files[] | select(.file == $f) | .checksum) = $s' "$T_TMP/a/manifest.json" >"$T_TMP/f/manifest.json"

pg_start || exit 1
mkdb staging
D=dbname=staging
jq '(.targets[] | select(.name == "local unix socket")) += {"require_endorsement": true}' \
    policies/environments.json >"$T_TMP/env-endorse.json"

expect_exit 0 "load A where an endorsement is required" -- "$LOADER" load "$T_TMP/a" --dsn "$D" \
    --policy "$T_TMP/env-endorse.json"
RUN_A=$(run_of)
expect_exit 0 "load C" -- "$LOADER" load "$T_TMP/c" --dsn "$D"
RUN_C=$(run_of)
expect_exit 1 "load F fails" -- "$LOADER" load "$T_TMP/f" --dsn "$D"
assert_contains "$T_ERR" "no quality results recorded for '$T_TMP/f': its report.json is of another manifest" \
    "F: the stale report is said to be skipped"
RUN_F=$(pg_value "SELECT run_id FROM silhouette_meta.load_runs WHERE status = 'FAILED'" staging)
[ -n "$RUN_A" ] && [ -n "$RUN_C" ] && [ -n "$RUN_F" ] || t_fail "a run id is missing: '$RUN_A' '$RUN_C' '$RUN_F'"

# the tables hold what the loads saw
assert_eq "$(pg_value "SELECT string_agg(run_id || ' ' || status || ' ' || policy_target || ' ' || rows_requested || ' ' || rows_produced || ' ' || jsonb_array_length(clamps) || ' ' || (runtime_seconds > 0), E'\n' ORDER BY started_at) FROM silhouette_meta.load_runs" staging)" \
    "$RUN_A COMPLETED local unix socket 418 418 0 true
$RUN_C COMPLETED local unix socket 418 218 2 true
$RUN_F FAILED local unix socket 418 418 0 true" "load_runs: status, target, rows requested and produced, clamps, runtime"
assert_eq "$(pg_value "SELECT clamps->0->>'reason' FROM silhouette_meta.load_runs WHERE run_id = '$RUN_C'" staging)" \
    "--max-rows 100" "load_runs: why a table was clamped"
ks_want() {
    jq -r '[.checks[] | select(.gate == "distribution" and (.check | startswith("KS")))] | "\(length) \(map(select(.passed)) | length)"' "$1"
}
assert_eq "$(pg_value "SELECT count(*) || ' ' || count(*) FILTER (WHERE passed) FROM silhouette_meta.ks_results WHERE run_id = '$RUN_A'" staging)" \
    "$(ks_want "$T_TMP/a/report.json")" "ks_results: A's KS tests, all recorded"
assert_eq "$(pg_value "SELECT count(*) || ' ' || count(*) FILTER (WHERE passed) FROM silhouette_meta.ks_results WHERE run_id = '$RUN_C'" staging)" \
    "$(ks_want "$T_TMP/c/report.json")" "ks_results: C's, with the failed one"
assert_eq "$(pg_value "SELECT count(*) FROM silhouette_meta.ks_results WHERE run_id = '$RUN_F'" staging)" 0 \
    "ks_results: none from a report of another manifest"
assert_eq "$(pg_value "SELECT count(*) FROM silhouette_meta.linkage_metrics WHERE run_id = '$RUN_A'" staging)" \
    "$(jq '[.checks[] | select(.gate == "linkage")] | length' "$T_TMP/a/report.json")" "linkage_metrics: A's checks"
assert_eq "$(pg_value "SELECT string_agg(DISTINCT keys_checked::text || ' ' || keys_found || ' ' || orphans, ',') FROM silhouette_meta.linkage_metrics WHERE run_id = '$RUN_A' AND subject = 'public.teams (teams_department_id_fkey)'" staging)" \
    "10 10 0" "linkage_metrics: keys and orphans of a coverage check"
assert_eq "$(pg_value "SELECT string_agg(run_id || ' ' || required || ' ' || status || ' ' || coalesce(decided_by, '-') || ' ' || coalesce(note, '-'), E'\n' ORDER BY run_id = '$RUN_A' DESC, run_id = '$RUN_C' DESC) FROM silhouette_meta.endorsements" staging)" \
    "$RUN_A true ENDORSED Dana Admin reviewed
$RUN_C false ABSENT - -
$RUN_F false ABSENT - -" "endorsements: required or not, status, who and the note"
assert_eq "$(pg_value "SELECT decided_at = '$(jq -r .at "$T_TMP/a/endorsement.json")'::timestamptz FROM silhouette_meta.endorsements WHERE run_id = '$RUN_A'" staging)" \
    t "endorsements: when"
assert_contains "$(pg_value "SELECT message FROM silhouette_meta.alerts WHERE kind = 'RUN_FAILED' AND run_id = '$RUN_F'" staging)" \
    "public.departments" "alerts: the failed run's error"

# the documented queries, exactly as written
run_doc() { pg_value "$(doc_query "$1")" staging; }
assert_eq "$(run_doc success_rate)" 0.667 "query success_rate: 2 of 3"
want=$(pg_value "SELECT (min(runtime_seconds) + max(runtime_seconds)) / 2 FROM silhouette_meta.load_runs WHERE status = 'COMPLETED'" staging)
assert_eq "$(run_doc median_runtime)" "$want" "query median_runtime: the middle of the two completed runs"
want=$(python3 -c '
import json, sys
n = p = 0
for f in sys.argv[1:]:
    ks = [c for c in json.load(open(f))["checks"] if c["gate"] == "distribution" and c["check"].startswith("KS")]
    n += len(ks); p += sum(c["passed"] for c in ks)
print("%.3f" % (p / n))' "$T_TMP/a/report.json" "$T_TMP/c/report.json")
assert_eq "$(run_doc ks_pass_rate)" "$want" "query ks_pass_rate: one KS test of A's and C's reports failed"
[ "$want" != 1.000 ] || t_fail "the KS pass rate does not show the failed test"
assert_eq "$(run_doc median_fk_coverage)" 1 "query median_fk_coverage"
assert_eq "$(run_doc endorsement_backlog)" 1 "query endorsement_backlog: C was loaded unendorsed"
want="RUN_FAILED|1"
[ "$(jq .passed "$T_TMP/c/report.json")" = false ] && want="REPORT_FAILED|1
$want"
assert_eq "$(run_doc alerts_by_kind)" "$want" "query alerts_by_kind"
assert_eq "$(run_doc rows_clamped | cut -d'|' -f1,2)" "$RUN_C|200" "query rows_clamped"

# idempotent: a second database already at meta version 1 without the tables gets them
mkdb old
psql -X -q -d old -v ON_ERROR_STOP=1 <<'SQL' || t_fail "cannot make an old silhouette_meta"
CREATE SCHEMA silhouette_meta;
COMMENT ON SCHEMA silhouette_meta IS 'silhouette loader bookkeeping; managed by loader(1)';
CREATE TABLE silhouette_meta.meta_version (version integer NOT NULL);
INSERT INTO silhouette_meta.meta_version VALUES (1);
CREATE TABLE silhouette_meta.load_runs (run_id text PRIMARY KEY, schema_name text NOT NULL,
 status text NOT NULL CHECK (status IN ('RUNNING','COMPLETED','FAILED','TORN_DOWN')),
 manifest_checksum text NOT NULL, shape_checksum text NOT NULL, seed bigint NOT NULL,
 out_dir text NOT NULL, loader_version text NOT NULL, jobs integer NOT NULL,
 lock_key integer NOT NULL, db_user text NOT NULL DEFAULT current_user, client_host text,
 client_pid integer, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
 torn_down_at timestamptz, rows jsonb NOT NULL DEFAULT '{}', fast_paths jsonb NOT NULL DEFAULT '[]',
 errors jsonb NOT NULL DEFAULT '[]');
INSERT INTO silhouette_meta.load_runs (run_id, schema_name, status, manifest_checksum, shape_checksum,
 seed, out_dir, loader_version, jobs, lock_key) VALUES ('old-run', 'x', 'TORN_DOWN', 'm', 's', 1, '/', '0', 1, 1);
CREATE TABLE silhouette_meta.load_pieces (run_id text NOT NULL REFERENCES silhouette_meta.load_runs
 ON DELETE CASCADE, piece text NOT NULL, table_name text NOT NULL, rows bigint NOT NULL,
 loaded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, piece));
SQL
expect_exit 0 "load into an older silhouette_meta" -- "$LOADER" load "$T_TMP/c" --dsn dbname=old
expect_exit 0 "and again" -- "$LOADER" load "$T_TMP/c" --dsn dbname=old
assert_eq "$(pg_value "SELECT count(*) || ' ' || count(runtime_seconds) FROM silhouette_meta.load_runs" old)" \
    "3 2" "the old run is kept, the new runs have their runtime"
assert_eq "$(pg_value "$(doc_query endorsement_backlog)" old)" 2 "the documented queries run there too"

# an endorsement that overrode a failed gate raises two alerts: the report failed, and the override
cp -r "$T_TMP/a" "$T_TMP/ov"
rm -rf "$T_TMP/ov/endorsement.json" "$T_TMP/ov/loads"
jq '.passed = false | (.gates[] | select(.gate == "linkage")) |= (.passed = false | .failed = 1)' \
    "$T_TMP/a/report.json" >"$T_TMP/ov/report.json"
expect_exit 0 "endorse with an override" -- "$GEN" report "$T_TMP/ov" --endorse --by "Olga Ops" \
    --note "fine for tests" --override-failed-gates "orphans expected here" -q
expect_exit 0 "load the overridden output" -- "$LOADER" load "$T_TMP/ov" --dsn dbname=old \
    --policy "$T_TMP/env-endorse.json"
RUN_O=$(run_of)
assert_eq "$(pg_value "SELECT string_agg(kind || ': ' || message, E'\n' ORDER BY kind) FROM silhouette_meta.alerts WHERE run_id = '$RUN_O'" old)" \
    "GATES_OVERRIDDEN: '$T_TMP/ov' was endorsed by Olga Ops at $(jq -r .at "$T_TMP/ov/endorsement.json") with 1 failed gate: orphans expected here
REPORT_FAILED: the report of '$T_TMP/ov' failed gates: linkage" "alerts: failed report and override"
assert_eq "$(pg_value "SELECT status || ' ' || override_reason FROM silhouette_meta.endorsements WHERE run_id = '$RUN_O'" old)" \
    "ENDORSED orphans expected here" "endorsements: the override reason"
t_done
