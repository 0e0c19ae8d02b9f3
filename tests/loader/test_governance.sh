# Governance on load: an output whose shape has expired is refused before any connection, naming
# the date; with require_endorsement in the environment policy only an endorsed output whose
# manifest, report and data are unchanged since the decision loads, and the decision is recorded
# with the run.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

GEN=$SIL_BIN/generator
[ -x "$GEN" ] || t_skip "generator not built at $GEN"
[ -x "$PG_BINDIR/initdb" ] || t_skip "PostgreSQL 15 not installed (make deps)"

# A shape valid until 2999 (the generator refuses expired shapes), generated once.
jq 'del(.checksum) | .expires_at = "2999-01-01T00:00:00Z"' tests/shapes/hr.shape.json >"$T_TMP/hr.json"
expect_exit 0 "generate from a valid shape" -- "$GEN" --shape "$T_TMP/hr.json" --seed 3 \
    --no-progress -q -o "$T_TMP/out"
assert_eq "$(jq -r .shape_expires_at "$T_TMP/out/manifest.json")" "2999-01-01T00:00:00Z" \
    "the manifest records the shape's expiry"

# copy OUT NAME: a fresh copy of the output in $T_TMP/NAME.
copy() {
    rm -rf "${T_TMP:?}/$2"
    cp -r "$1" "$T_TMP/$2"
}

# --- expiry, refused before connecting: the DSN points at no server ---
NOSERVER="host=$T_TMP/nosocket dbname=none connect_timeout=2"
copy "$T_TMP/out" expired
jq '.shape_expires_at = "2021-06-01T00:00:00Z"' "$T_TMP/out/manifest.json" >"$T_TMP/expired/manifest.json"
expect_exit 2 "an output of an expired shape is refused" -- \
    "$LOADER" load "$T_TMP/expired" --dsn "$NOSERVER"
assert_contains "$T_ERR" "loader: cannot load: the shape of output '$T_TMP/expired' expired on 2021-06-01 at 00:00:00 UTC" \
    "the message names the output and the date"
assert_contains "$T_ERR" "hint: expired shapes and the data made from them are refused; ask the privacy engineer for a fresh shape" \
    "the hint says how to get a fresh shape"
[ -e "$T_TMP/expired/loads" ] && t_fail "a run report was written" || t_pass "no run report written"

# shape.json's own expiry counts too: an expired shape re-sealed into the output (its checksum in
# the manifest updated) while the manifest's copy of the date was left alone
copy "$T_TMP/out" expired2
jq 'del(.checksum) | .created_at = "2020-01-01T00:00:00Z" | .expires_at = "2022-02-02T02:02:02Z"' "$T_TMP/out/shape.json" >"$T_TMP/edited.json"
"$SIL_BUILD/tests/shape-tool" seal "$T_TMP/edited.json" >"$T_TMP/expired2/shape.json" ||
    t_fail "shape-tool cannot re-seal the edited shape"
sum=$(python3 -c '
import hashlib, sys
print("blake2b-256:" + hashlib.blake2b(open(sys.argv[1], "rb").read(), digest_size=32).hexdigest())' \
    "$T_TMP/expired2/shape.json")
jq --arg s "$sum" '.inputs.shape.checksum = $s' "$T_TMP/out/manifest.json" >"$T_TMP/expired2/manifest.json"
expect_exit 2 "an output whose shape.json has expired is refused" -- \
    "$LOADER" load "$T_TMP/expired2" --dsn "$NOSERVER"
assert_contains "$T_ERR" "shape '$T_TMP/expired2/shape.json' expired on 2022-02-02 at 02:02:02 UTC" \
    "the message names shape.json and its date"

pg_start || exit 1
mkdb staging
D=dbname=staging

expect_exit 0 "an unexpired output loads" -- "$LOADER" load "$T_TMP/out" --dsn "$D" --jobs 2
assert_eq "$(run_status staging "$(run_of)")" COMPLETED "the unexpired load is COMPLETED"
assert_eq "$(jq -c .endorsement "$T_TMP/out/loads/$(run_of).json")" '{"required":false,"decisions":[]}' \
    "the run report says no endorsement was required"

# --- require_endorsement ---
# the shipped policy, with the unix socket target requiring an endorsement
jq '(.targets[] | select(.name == "local unix socket")) += {"require_endorsement": true}' \
    policies/environments.json >"$T_TMP/env.json"
# needs NAME WHAT CODE MESSAGE: loading $T_TMP/NAME under that policy is refused, nothing changed
needs() {
    local before
    before=$(catalog staging)
    expect_exit "$3" "$2" -- "$LOADER" load "$T_TMP/$1" --dsn "$D" --policy "$T_TMP/env.json"
    assert_contains "$T_ERR" "$4" "$2: message"
    assert_eq "$(catalog staging)" "$before" "$2: nothing changed in the target"
}
expect_exit 0 "report on the output" -- "$GEN" report "$T_TMP/out" -q
needs out "an unendorsed output is refused" 3 \
    "loader: refused to load: output '$T_TMP/out' has no endorsement, which target 'local unix socket' of the environment policy requires"
assert_contains "$T_ERR" "hint: a domain expert reviews its report and records a decision: generator report OUT --endorse" \
    "unendorsed: the hint says how to endorse"

copy "$T_TMP/out" rejected
expect_exit 0 "reject" -- "$GEN" report "$T_TMP/rejected" --reject --by "Rita Review" \
    --note "salaries look flat" -q
at=$(jq -r .at "$T_TMP/rejected/endorsement.json")
needs rejected "a rejected output is refused" 3 \
    "output '$T_TMP/rejected' was rejected by Rita Review at $at: salaries look flat"

expect_exit 0 "endorse" -- "$GEN" report "$T_TMP/out" --endorse --by "Dana Admin" \
    --note "KS and linkage reviewed" -q
at=$(jq -r .at "$T_TMP/out/endorsement.json")

# tamper one data file, fix up nothing else: its checksum in the manifest no longer matches
copy "$T_TMP/out" tampered
f=$(jq -r '.tables[0].files[0].file' "$T_TMP/out/manifest.json")
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[0] = ord("9") if b[0] != ord("9") else ord("8")
open(p, "wb").write(bytes(b))' "$T_TMP/tampered/$f"
needs tampered "a data file changed after the endorsement is refused" 2 \
    "loader: cannot load: data file '$f' does not match its checksum in the manifest"

# the same, with the manifest fixed up to match: the endorsement no longer binds it
sum=$(python3 -c '
import hashlib, sys
print("blake2b-256:" + hashlib.blake2b(open(sys.argv[1], "rb").read(), digest_size=32).hexdigest())' \
    "$T_TMP/tampered/$f")
jq --arg s "$sum" '.tables[0].files[0].checksum = $s' "$T_TMP/out/manifest.json" >"$T_TMP/tampered/manifest.json"
needs tampered "a manifest changed after the endorsement is refused" 3 \
    "output '$T_TMP/tampered' changed after its endorsement by Dana Admin at $at: "
assert_contains "$T_ERR" "manifest.json" "changed manifest: the message says which file"

# a new report after the endorsement needs a new decision
copy "$T_TMP/out" rereported
jq '.created_at = "2026-01-01T00:00:00Z"' "$T_TMP/out/report.json" >"$T_TMP/rereported/report.json"
needs rereported "a report changed after the endorsement is refused" 3 \
    "output '$T_TMP/rereported' changed after its endorsement by Dana Admin at $at: "
assert_contains "$T_ERR" "report.json" "changed report: the message says which file"

# a malformed record is an input error, never "not endorsed"
copy "$T_TMP/out" malformed
jq '.surprise = 1' "$T_TMP/out/endorsement.json" >"$T_TMP/malformed/endorsement.json"
needs malformed "a malformed endorsement is refused" 2 "unknown key \"surprise\""

# the endorsed output loads, and the run report records the decision
rm -rf "$T_TMP/out/loads"
expect_exit 0 "the endorsed output loads" -- "$LOADER" load "$T_TMP/out" --dsn "$D" \
    --policy "$T_TMP/env.json" --jobs 2
RUN=$(run_of)
assert_eq "$(run_status staging "$RUN")" COMPLETED "the endorsed load is COMPLETED"
assert_contains "$T_ERR" "endorsed by Dana Admin at $at" "the load says who endorsed it"
assert_eq "$(jq -c '.endorsement | [.required, (.decisions[] | [.by, .at, .note, .override_reason, .manifest_checksum, .report_checksum, .passed])]' "$T_TMP/out/loads/$RUN.json")" \
    "$(jq -c --arg at "$at" '[true, [.by, $at, .note, .override_reason, .manifest_checksum, .report_checksum, .passed]]' "$T_TMP/out/endorsement.json")" \
    "the run report records who, when, the note and the checksums"
assert_eq "$(jq -r '.endorsement.decisions[0].note' "$T_TMP/out/loads/$RUN.json")" "KS and linkage reviewed" \
    "the run report has the note"
t_done
