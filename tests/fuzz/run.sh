#!/usr/bin/env bash
# Run each libFuzzer target for SECONDS on its checked-in corpus (tests/fuzz/corpus/<target>/).
# New inputs go to a temp dir so the repository corpus only grows by hand;
# a crash is saved as tests/fuzz/crash-* and fails the run.
#   tests/fuzz/run.sh SECONDS TARGET...
set -u
cd "$(dirname "$0")/../.."
secs=$1
shift
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    corpus=tests/fuzz/corpus/$name
    mkdir -p "$corpus"
    work=$(mktemp -d /tmp/sil-fuzz.XXXXXX)
    dict=()
    base=${name#fuzz_}
    [ -f "tests/fuzz/$base.dict" ] && dict=(-dict="tests/fuzz/$base.dict")
    echo "== $name: ${secs}s"
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=tests/fuzz/ "${dict[@]}" "$work" "$corpus" >"$work/log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work/log" | tail -n 2
        echo "ok    $name: no crash in ${secs}s"
    else
        tail -n 40 "$work/log"
        echo "FAIL  $name (artifact in tests/fuzz/)"
        status=1
    fi
    rm -rf "$work"
done
exit $status
