#!/usr/bin/env bash
# Run every test: the cmocka unit tests, then the shell suites (tests/*/test_*.sh),
# and print one summary. Used by `make check` for the plain and the sanitizer build.
#
#   tests/run.sh [--build DIR] [--bin DIR] [--sanitizers] [--only PATTERN]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=build
BIN=bin
SAN=0
ONLY=
while [ $# -gt 0 ]; do
    case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --sanitizers) SAN=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "usage: tests/run.sh [--build DIR] [--bin DIR] [--sanitizers] [--only PATTERN]" >&2; exit 2 ;;
    esac
done

export SIL_ROOT=$ROOT SIL_BIN=$ROOT/$BIN SIL_BUILD=$ROOT/$BUILD SIL_SANITIZERS=$SAN
export SILHOUETTE_POLICY_DIR=$ROOT/policies
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}
export LSAN_OPTIONS=${LSAN_OPTIONS:-exitcode=88}
LOGS=$ROOT/$BUILD/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
export SIL_PG_REGISTRY=$LOGS/pg-clusters
: >"$SIL_PG_REGISTRY"

stop_leftover_clusters() {
    while read -r data; do
        if [ -f "$data/postmaster.pid" ]; then
            runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1
            rm -rf "$(dirname "$data")"
        fi
    done <"$SIL_PG_REGISTRY"
}
trap 'stop_leftover_clusters' EXIT
trap 'stop_leftover_clusters; exit 130' INT TERM

variant=$([ "$SAN" = 1 ] && echo "ASan+UBSan" || echo "plain")
echo "== tests ($variant build, binaries in $BIN)"
start_all=$(date +%s)
u_pass=0 u_fail=0 u_bins=0 u_badbins=0
s_pass=0 s_fail=0 s_skip=0
failed=()

matches() { [ -z "$ONLY" ] || [[ "$1" == *$ONLY* ]]; }

for t in "$BUILD"/tests/unit/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    matches "$name" || continue
    u_bins=$((u_bins + 1))
    log=$LOGS/$name.log
    t0=$(date +%s)
    timeout 600 "$t" >"$log" 2>&1 </dev/null
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
    p=${p:-0}
    f=${f:-0}
    u_pass=$((u_pass + p))
    u_fail=$((u_fail + f))
    if [ "$rc" -ne 0 ]; then
        u_badbins=$((u_badbins + 1))
        failed+=("$name")
        printf 'FAIL  %-40s %3ss  %s passed, %s failed (exit %s)\n' "$name" $(($(date +%s) - t0)) "$p" "$f" "$rc"
        grep -E '^\[  (ERROR|FAILED) |ERROR:|runtime error|Sanitizer' "$log" | head -n 20 | sed 's/^/      /'
    else
        printf 'ok    %-40s %3ss  %s passed\n' "$name" $(($(date +%s) - t0)) "$p"
    fi
done

# Shell suites run SIL_TEST_JOBS at a time (default 2): most of their time is
# spent waiting on PostgreSQL and child processes. Results print in suite order.
jobs_max=${SIL_TEST_JOBS:-2}
suites=()
for s in tests/*/test_*.sh; do
    [ -f "$s" ] || continue
    matches "${s#tests/}" || continue
    suites+=("$s")
done
declare -A pid_of rc_of t0_of dt_of
run_suite() {
    local s=$1 log=$2
    timeout 1200 bash "$s" >"$log" 2>&1 </dev/null
}
report_suite() {
    local s=$1 name=${1#tests/} log=$LOGS/${1#tests/}
    log=$LOGS/${name//\//_}.log
    local rc=${rc_of[$s]} dt=${dt_of[$s]}
    case $rc in
    0) s_pass=$((s_pass + 1)); printf 'ok    %-40s %3ss  %s\n' "$name" "$dt" "$(tail -n1 "$log")" ;;
    77) s_skip=$((s_skip + 1)); printf 'skip  %-40s %3ss  %s\n' "$name" "$dt" "$(grep -m1 '^skip:' "$log")" ;;
    *)
        s_fail=$((s_fail + 1))
        failed+=("$name")
        printf 'FAIL  %-40s %3ss  (exit %s; log %s)\n' "$name" "$dt" "$rc" "${log#$ROOT/}"
        grep -E '^FAIL:|^  |runtime error|Sanitizer' "$log" | head -n 25 | sed 's/^/      /'
        ;;
    esac
}
next=0
reported=0
running=0
while [ $reported -lt ${#suites[@]} ]; do
    while [ $running -lt "$jobs_max" ] && [ $next -lt ${#suites[@]} ]; do
        s=${suites[$next]}
        name=${s#tests/}
        run_suite "$s" "$LOGS/${name//\//_}.log" &
        pid_of[$s]=$!
        t0_of[$s]=$(date +%s)
        running=$((running + 1))
        next=$((next + 1))
    done
    if [ $running -gt 0 ]; then
        done_pid=
        wait -n -p done_pid
        rc=$?
        for s in "${!pid_of[@]}"; do
            if [ "${pid_of[$s]}" = "$done_pid" ]; then
                rc_of[$s]=$rc
                dt_of[$s]=$(($(date +%s) - t0_of[$s]))
                unset "pid_of[$s]"
                running=$((running - 1))
            fi
        done
    fi
    # Print every finished suite that is next in order.
    while [ $reported -lt $next ] && [ -n "${rc_of[${suites[$reported]}]:-}" ]; do
        report_suite "${suites[$reported]}"
        reported=$((reported + 1))
    done
done

total=$(($(date +%s) - start_all))
echo "== summary ($variant): unit: $u_pass passed, $u_fail failed in $u_bins binaries;" \
    "suites: $s_pass passed, $s_skip skipped, $s_fail failed; ${total}s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
exit 0
