# Worker threads and the in-order writer: with many small units and threads
# that wake late from a condition wait (tests/tools/stall.c, preloaded), the
# generator finishes and writes the same bytes as with one thread. A worker
# that ran ahead once took the slot of the unit the writer was waiting for,
# and both waited forever, deaf to SIGTERM.
. tests/harness/lib.sh

G=$SIL_BIN/generator
stall=$SIL_BUILD/tests/libstall.so
[ -f "$stall" ] || { t_fail "$stall is not built (make unit-tests)"; t_done; }
# the shim is not sanitized: under ASan it comes first on purpose
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

args=(-s tests/shapes/chat.shape.json --format csv --chunk-rows 20 --max-rows 5000 --seed 11 -q)
sums() { jq -c '[.tables[] | .files[] | [.file, .rows, .checksum]]' "$1/manifest.json"; }

expect_exit 0 "one thread" -- "$G" "${args[@]}" -o "$T_TMP/one" --threads 1
for threads in 2 4; do
    out=$T_TMP/stalled.$threads
    # KILL: the hung writer ignored TERM
    expect_exit 0 "$threads threads, woken threads delayed" -- env STALL_EVERY=10 STALL_US=20000 \
        LD_PRELOAD="$stall" timeout -s KILL 120 "$G" "${args[@]}" -o "$out" --threads "$threads"
    [ -f "$out/manifest.json" ] || continue
    assert_eq "$(sums "$out")" "$(sums "$T_TMP/one")" "$threads threads write the bytes one thread writes"
done
# the report's reader pool, under the same delays
expect_exit 0 "report with 4 threads, woken threads delayed" -- env STALL_EVERY=10 STALL_US=20000 \
    LD_PRELOAD="$stall" timeout -s KILL 120 "$G" report "$T_TMP/stalled.4" --threads 4 -q
n=$(jq '[.tables[].files[]] | length' "$T_TMP/one/manifest.json")
[ "$n" -gt 1000 ] && t_pass "many small units ($n files)" || t_fail "only $n files: too few units to matter"
t_done
