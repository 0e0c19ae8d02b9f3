#!/usr/bin/env bash
# make demo: the whole pipeline on a bundled fake production database.
#
#   tests/e2e/demo.sh [hr|chat|finance]      (default chat; DEMO=... from make)
#
# Starts a throwaway PostgreSQL (unix socket, no TCP), builds the fixture
# "production" database and a separate staging database, then runs
# sampler -> validate-no-pii -> generator -> generator report -> loader ->
# verification -> teardown, one line per step with its time and artifact.
# Artifacts stay in build/demo/<scenario>/; the server is stopped on exit and
# on Ctrl-C.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
scenario=${1:-${DEMO:-chat}}
case $scenario in
hr) fixture=hr scale=1 ;;
chat) fixture=chat scale=${DEMO_SCALE:-20} ;;
finance | financial) scenario=finance fixture=financial scale=${DEMO_SCALE:-10} ;;
*) echo "demo: unknown scenario '$scenario' (hr, chat or finance)" >&2; exit 2 ;;
esac
export SIL_ROOT=$ROOT SIL_BIN=$ROOT/bin SILHOUETTE_POLICY_DIR=$ROOT/policies
BIN=$ROOT/bin
ART=$ROOT/build/demo/$scenario
rm -rf "$ART"
mkdir -p "$ART"
. tests/harness/pg.sh

step_no=0
t_start=$(date +%s.%N)
step() { # step "what" CMD... : runs CMD, prints one line, stops the demo on failure
    local what=$1
    shift
    step_no=$((step_no + 1))
    local t0 t1 rc
    t0=$(date +%s.%N)
    "$@" >"$ART/step$step_no.log" 2>&1 </dev/null
    rc=$?
    t1=$(date +%s.%N)
    if [ $rc -ne 0 ]; then
        printf '%2d. %-44s FAILED (exit %d) after %5.1fs\n' "$step_no" "$what" "$rc" "$(secs "$t0" "$t1")"
        sed 's/^/      /' "$ART/step$step_no.log" | tail -n 25
        exit 1
    fi
    printf '%2d. %-44s %6.1fs  %s\n' "$step_no" "$what" "$(secs "$t0" "$t1")" "${NOTE:-}"
    NOTE=
}
rel() { printf '%s' "${1#$ROOT/}"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "silhouette demo: scenario '$scenario' (fixture $fixture, scale $scale); artifacts in $(rel "$ART")"
for b in sampler validate-no-pii generator loader; do
    [ -x "$BIN/$b" ] || { echo "demo: bin/$b is missing; run make first" >&2; exit 1; }
done

step "start a throwaway PostgreSQL 15" pg_start
printf '    %s\n' "unix socket in $PGHOST, no TCP; stopped on exit and on Ctrl-C"
prod=prod_$fixture
NOTE="database $prod, marked production" step "create the fake production database" \
    bash -c "tests/fixtures/load.sh $fixture $prod $scale &&
             psql -X -q -v ON_ERROR_STOP=1 -c \"ALTER DATABASE $prod SET silhouette.environment = 'production'\""
NOTE="database staging, marked staging" step "create the staging database" \
    bash -c "createdb staging && psql -X -q -v ON_ERROR_STOP=1 -c \"ALTER DATABASE staging SET silhouette.environment = 'staging'\""
NOTE="role silhouette_sampler (pg_read_all_data, not superuser)" step "create a read-only sampling role" \
    psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE silhouette_sampler LOGIN; GRANT pg_read_all_data TO silhouette_sampler"

KEY=$ART/hmac.key
NOTE="$(rel "$KEY") (mode 0600; stays in production)" step "sampler keygen" "$BIN/sampler" keygen --out "$KEY"
SHAPE=$ART/shape.json
locale_opt=()
[ "$fixture" = hr ] && locale_opt=(--locale sv_SE)
NOTE="$(rel "$SHAPE"), audit log $(rel "$SHAPE").audit.jsonl" step "sampler (read-only snapshot of production)" \
    "$BIN/sampler" --dsn "host=$PGHOST dbname=$prod user=silhouette_sampler application_name=demo" \
    --key-file "$KEY" "${locale_opt[@]}" --out "$SHAPE" --audit-log "$SHAPE.audit.jsonl"
NOTE="exit 0: the shape may leave production" step "validate-no-pii (the CI gate)" \
    "$BIN/validate-no-pii" "$SHAPE"

OUT=$ART/out
NOTE="$(rel "$OUT")/ (schema.sql, data/, manifest.json)" step "generator (seed 42)" \
    "$BIN/generator" --shape "$SHAPE" --seed 42 --out "$OUT"
if "$BIN/generator" report --help >/dev/null 2>&1; then
    NOTE="$(rel "$OUT")/report.html and report.json" step "generator report (quality gates)" \
        "$BIN/generator" report "$OUT"
else
    step_no=$((step_no + 1))
    printf '%2d. %-44s %6s  %s\n' "$step_no" "generator report" "-" "not in this version"
fi
NOTE="refused as it must be" step "loader refuses the production database" \
    bash -c "\"$BIN/loader\" load \"$OUT\" --dsn \"host=$PGHOST dbname=$prod\"; test \$? = 3"
NOTE="run report in $(rel "$OUT")/loads/" step "loader load into staging" \
    "$BIN/loader" load "$OUT" --dsn "host=$PGHOST dbname=staging" -j 2
run_id=$(psql -X -At -d staging -c "SELECT run_id FROM silhouette_meta.load_runs ORDER BY started_at DESC LIMIT 1")
schema=$(psql -X -At -d staging -c "SELECT schema_name FROM silhouette_meta.load_runs WHERE run_id = '$run_id'")
status=$(psql -X -At -d staging -c "SELECT status FROM silhouette_meta.load_runs WHERE run_id = '$run_id'")
rows=$(psql -X -At -d staging -c "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE schemaname = '$schema'")
NOTE="run $run_id: $status, schema $schema, ${rows:-?} rows" step "verify the load (counts, foreign keys)" \
    test "$status" = COMPLETED
NOTE="schema $schema dropped, run TORN_DOWN" step "loader teardown" \
    "$BIN/loader" teardown --run "$run_id" --dsn "host=$PGHOST dbname=staging" --force
left=$(psql -X -At -d staging -c "SELECT count(*) FROM pg_namespace WHERE nspname = '$schema'")
NOTE="nothing left of the run" step "verify the teardown" test "$left" = 0
printf 'done in %ss; the server is stopped, artifacts remain in %s\n' "$(secs "$t_start" "$(date +%s.%N)")" "$(rel "$ART")"
