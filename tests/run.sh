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

for s in tests/*/test_*.sh; do
    [ -f "$s" ] || continue
    name=${s#tests/}
    matches "$name" || continue
    log=$LOGS/${name//\//_}.log
    t0=$(date +%s)
    timeout 1200 bash "$s" >"$log" 2>&1 </dev/null
    rc=$?
    dt=$(($(date +%s) - t0))
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
done

total=$(($(date +%s) - start_all))
echo "== summary ($variant): unit: $u_pass passed, $u_fail failed in $u_bins binaries;" \
    "suites: $s_pass passed, $s_skip skipped, $s_fail failed; ${total}s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
    exit 1
fi
exit 0
