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
t_done
