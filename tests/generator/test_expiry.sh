# Expired shapes, and outputs made from them, are refused with the date.
. tests/harness/lib.sh

G=$SIL_BIN/generator
jq 'del(.checksum) | .created_at = "2020-01-01T00:00:00Z" | .expires_at = "2020-04-01T12:00:00Z"' \
    tests/shapes/hr.shape.json >"$T_TMP/expired.json"
expect_exit 2 "an expired shape is refused" -- "$G" --shape "$T_TMP/expired.json" --out "$T_TMP/a"
assert_contains "$T_ERR" "shape '$T_TMP/expired.json' expired on 2020-04-01 at 12:00:00 UTC" \
    "the message names the date"
assert_contains "$T_ERR" "hint: expired shapes and the data made from them are refused" \
    "the hint says how to get a fresh shape"
[ -e "$T_TMP/a" ] && t_fail "an output was written" || t_pass "nothing written"

# An output made from a shape that has expired since: generate from a shape
# valid until 2999, then let the manifest say the shape expired (the report
# trusts the manifest's record of the shape's expiry, see docs/privacy.md).
jq 'del(.checksum) | .expires_at = "2999-01-01T00:00:00Z"' tests/shapes/hr.shape.json >"$T_TMP/valid.json"
expect_exit 0 "a valid shape generates" -- "$G" --shape "$T_TMP/valid.json" --out "$T_TMP/out" -q
assert_eq "$(jq -r .shape_expires_at "$T_TMP/out/manifest.json")" "2999-01-01T00:00:00Z" \
    "the manifest carries the shape's expiry"
expect_exit 0 "report on a valid output" -- "$G" report "$T_TMP/out" -q
jq '.shape_expires_at = "2021-06-01T00:00:00Z"' "$T_TMP/out/manifest.json" >"$T_TMP/m.json" &&
    mv "$T_TMP/m.json" "$T_TMP/out/manifest.json"
rm -f "$T_TMP/out/report.json" "$T_TMP/out/report.html"
expect_exit 2 "report refuses an output of an expired shape" -- "$G" report "$T_TMP/out"
assert_contains "$T_ERR" "expired on 2021-06-01" "the report's message names the date"
[ -e "$T_TMP/out/report.json" ] && t_fail "a report was written" || t_pass "no report written"
t_done
