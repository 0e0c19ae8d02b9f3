#!/usr/bin/env bash
# Run every benchmark (tests/bench/bench_*.sh). Each one measures its baseline in
# the same run and prints ratios; figures go to build/bench/<name>.txt too.
# Benchmarks report, they do not fail on slow machines; they fail only when the
# thing measured breaks.
#   tests/bench/run.sh [PATTERN]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export SIL_ROOT=$ROOT SIL_BIN=$ROOT/bin SIL_BUILD=$ROOT/build SILHOUETTE_POLICY_DIR=$ROOT/policies
mkdir -p build/bench
status=0
for b in tests/bench/bench_*.sh; do
    [ -f "$b" ] || continue
    name=$(basename "$b" .sh)
    [ -z "${1:-}" ] || [[ "$name" == *$1* ]] || continue
    echo "== $name"
    if ! bash "$b" 2>&1 | tee "build/bench/$name.txt"; then status=1; fi
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
done
exit $status
