# Shape files as processes read them: canonical, stable, and checksummed.
. tests/harness/lib.sh

tool=$SIL_BUILD/tests/shape-tool
for f in tests/shapes/*.shape.json; do
    name=$(basename "$f")
    expect_exit 0 "$name reads" -- "$tool" canon "$f"
    printf '%s\n' "$T_OUT" >"$T_TMP/a.json"
    expect_exit 0 "$name re-reads" -- "$tool" canon "$T_TMP/a.json"
    printf '%s\n' "$T_OUT" >"$T_TMP/b.json"
    if cmp -s "$T_TMP/a.json" "$T_TMP/b.json"; then t_pass "$name round trip"; else
        t_fail "$name: read -> write -> read changed bytes"
        diff -u "$T_TMP/a.json" "$T_TMP/b.json" | head -20 >&2
    fi
    # The checked-in file is already canonical (except for its checksum line).
    if diff -u <(grep -v '"checksum"' "$f") <(grep -v '"checksum"' "$T_TMP/a.json") >"$T_TMP/d"; then
        t_pass "$name is canonical"
    else
        t_fail "$name is not in canonical form (run shape-tool canon)"
        head -20 "$T_TMP/d" >&2
    fi
done
# A broken file gives a located error and exit 2.
head -c 300 tests/shapes/chat.shape.json >"$T_TMP/cut.json"
expect_exit 2 "truncated shape" -- "$tool" canon "$T_TMP/cut.json"
assert_contains "$T_ERR" "cannot read shape '$T_TMP/cut.json':" "error names the file"
assert_contains "$T_ERR" "truncated" "error says truncated"
t_done
