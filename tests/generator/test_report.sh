# generator report: every gate passes on the outputs of the four fixture shapes,
# in every data format with the same measurements; each kind of damage fails
# exactly the gate that should catch it; unverified data gives exit 2 and no
# report; profiles and --set move thresholds.
. tests/harness/lib.sh

gen=$SIL_BIN/generator
damage=tests/generator/src/damage.py

# gates OUT: "gate=pass|fail ..." from report.json
gates() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
print(" ".join("%s=%s" % (g["gate"], "pass" if g["passed"] else "fail") for g in r["gates"]))' "$1"
}
ALL_PASS="completeness=pass conformity=pass validity=pass uniqueness=pass metadata=pass distribution=pass linkage=pass"

# measures OUT: every check's subject, name, measured value and verdict (format-independent)
measures() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1] + "/report.json"))
for c in r["checks"]:
    if c["check"] in ("CSV header",):
        continue
    print(c["gate"], c["subject"], c["check"], "%.10g" % (c["measured"] or 0), c["passed"])' "$1"
}

for s in hr financial chinook chat; do
    out=$T_TMP/$s
    expect_exit 0 "$s: generate" -- "$gen" -s "tests/shapes/$s.shape.json" -o "$out" --seed 3 -q
    expect_exit 0 "$s: every gate passes" -- "$gen" report "$out"
    assert_eq "$(gates "$out")" "$ALL_PASS" "$s: report.json says every gate passed"
    assert_eq "$(grep -c '  pass  ' <<<"$T_OUT")" 7 "$s: one pass line per gate on the terminal"
    assert_contains "$T_OUT" "passed: 7 of 7 gates pass; report written to $out/report.html and report.json" "$s: final line"
    [ -s "$out/report.html" ] && t_pass "$s: report.html written" || t_fail "$s: no report.html"
done

# The KS gate is not toothless on these outputs: the tests ran on samples of
# 1000 rows with p >= 0.05 (adjusted), and the distances on all rows are small.
python3 -c '
import json, sys
bad = []
for s in sys.argv[1:]:
    r = json.load(open(s + "/report.json"))
    for c in r["checks"]:
        if c["gate"] == "distribution" and c["gated"]:
            # tables of fewer than 1000 rows: a distance over 10 values says little
            if c["sample_rows"] >= 1000 and c["d_all_rows"] > 0.04:
                bad.append("%s %s %s D=%.3f" % (s, c["subject"], c["check"], c["d_all_rows"]))
print("\n".join(bad))' "$T_TMP/hr" "$T_TMP/financial" "$T_TMP/chinook" >"$T_TMP/dall"
assert_eq "$(cat "$T_TMP/dall")" "" "gated columns (1000 rows or more) of hr, financial, chinook within D 0.04 on all rows"

# Same data in every format: the same measurements.
base=$T_TMP/financial
measures "$base" >"$T_TMP/m.copy"
for f in "--format csv --compress zstd" "--format jsonl" "--format sql --chunk-rows 7000" "--compress zstd --chunk-rows 30000"; do
    out=$T_TMP/fmt
    rm -rf "$out"
    # shellcheck disable=SC2086
    "$gen" -s tests/shapes/financial.shape.json -o "$out" --seed 3 -q $f
    expect_exit 0 "financial $f: every gate passes" -- "$gen" report "$out" --no-html
    measures "$out" >"$T_TMP/m.fmt"
    if diff -u "$T_TMP/m.copy" "$T_TMP/m.fmt" >"$T_TMP/m.diff"; then
        t_pass "financial $f: the same measurements as COPY text"
    else
        t_fail "financial $f: measurements differ: $(head -n 20 "$T_TMP/m.diff")"
    fi
done
[ -e "$out/report.html" ] && t_fail "--no-html wrote report.html" || t_pass "--no-html writes report.json only"

# Deterministic, whatever the threads.
"$gen" report "$base" --threads 1 --no-html --report-dir "$T_TMP/r1" >/dev/null
"$gen" report "$base" --threads 3 --no-html --report-dir "$T_TMP/r3" >/dev/null
# (only the time and the memory measured differ)
strip() { grep -v -e '"created_at"' -e '"key_peak_bytes"' "$1/report.json"; }
assert_eq "$(strip "$T_TMP/r1" | cksum)" "$(strip "$T_TMP/r3" | cksum)" "report.json does not depend on --threads"

# Damage matrix: each damage fails exactly its gate (and says where).
# damaged KIND ARGS... -> runs the report on a damaged copy of the financial output
damaged() {
    local d=$T_TMP/dmg
    rm -rf "$d"
    cp -r "$base" "$d"
    rm -f "$d"/report.*
    python3 "$damage" "$d" "$@"
    expect_exit 1 "damage $*: the report fails" -- "$gen" report "$d" --no-html
}
expect_gates() { # WANT_FAILING_GATE WHAT
    local want=${ALL_PASS/$1=pass/$1=fail}
    assert_eq "$(gates "$T_TMP/dmg")" "$want" "$2: only the $1 gate fails"
}
damaged orphans payment account_id 0.05
expect_gates linkage "orphans injected"
assert_contains "$T_OUT" "linkage: public.payment (payment_account_id_fkey): coverage: 95.00%, want >= 99.00%" "names the foreign key and its coverage"
assert_contains "$T_OUT" "5000 orphans" "counts the orphans exactly"
damaged shuffle payment amount
expect_gates distribution "a column from another distribution"
assert_contains "$T_OUT" "distribution: public.payment.amount: KS (values)" "names the column"
damaged duplicates payment id 0.001
expect_gates uniqueness "duplicate keys"
assert_contains "$T_OUT" "uniqueness: public.payment: duplicates of primary key (id): 100, want <= 0" "counts the duplicates exactly"
damaged nulls payment currency 0.01
expect_gates completeness "NULLs in a NOT NULL column"
assert_contains "$T_OUT" "completeness: public.payment.currency: non-null: 99.00%, want >= 100%" "names the column and its share"
damaged badtype payment amount
expect_gates conformity "a value that is not its type"
assert_contains "$T_OUT" "conformity: public.payment.amount: type:" "names the column"
assert_contains "$T_OUT" "3 of 100000 values are not a number of its precision: row 5: 'abc'" "shows where"
damaged schema payment amount
expect_gates metadata "schema.sql edited"
assert_contains "$T_OUT" "metadata: public.payment.amount: type: 0, want >= 1 - shape: numeric(12,2), schema.sql: text" "says what differs"

# Orphans under the financial profile's stricter coverage.
d=$T_TMP/dmg
rm -rf "$d"
cp -r "$base" "$d"
python3 "$damage" "$d" orphans payment account_id 0.005
expect_exit 0 "0.5% orphans pass the default coverage gate (99%)" -- "$gen" report "$d" --no-html
expect_exit 1 "0.5% orphans fail the financial profile (99.9%)" -- "$gen" report "$d" --no-html --profile financial
assert_contains "$T_OUT" "coverage: 99.50%, want >= 99.90%" "the profile's threshold"
expect_exit 1 "--set linkage.min_fk_coverage=0.999 does the same" -- "$gen" report "$d" --no-html --set linkage.min_fk_coverage=0.999
expect_exit 1 "the strict profile gates orphans" -- "$gen" report "$d" --no-html --profile strict
assert_contains "$T_OUT" "orphans: 500, want <= 0" "counts them"

# Unverified data: exit 2, no report.
rm -rf "$d"
cp -r "$base" "$d"
rm -f "$d"/report.*
python3 "$damage" "$d" tamper
expect_exit 2 "a data file that does not match its checksum" -- "$gen" report "$d"
assert_contains "$T_ERR" "does not match its checksum in manifest.json" "says the checksum differs"
assert_contains "$T_ERR" "hint: generate the output again" "says what to do"
[ -e "$d/report.json" ] && t_fail "a report was written from unverified data" || t_pass "no report from unverified data"
rm -rf "$d"
cp -r "$base" "$d"
truncate -s -10 "$d/data/public.product.copy"
expect_exit 2 "a truncated data file" -- "$gen" report "$d"
assert_contains "$T_ERR" "has 4" "says the size differs"
rm -rf "$d"
cp -r "$base" "$d"
echo "-- edited" >>"$d/schema.sql"
expect_exit 2 "an edited schema.sql" -- "$gen" report "$d"
assert_contains "$T_ERR" "schema.sql' does not match its checksum" "names schema.sql"
rm -f "$d/manifest.json"
expect_exit 2 "no manifest" -- "$gen" report "$d"
assert_contains "$T_ERR" "has no manifest.json: not a complete generator output" "says it is incomplete"

# Usage and policy errors: exit 2.
expect_exit 2 "no directory" -- "$gen" report
assert_contains "$T_ERR" "give the output directory to check" "says what is missing"
expect_exit 2 "unknown profile" -- "$gen" report "$base" --profile nosuch
assert_contains "$T_ERR" 'unknown quality profile "nosuch"' "names the profile"
expect_exit 2 "bad --set" -- "$gen" report "$base" --set distribution.sample_rows=5
assert_contains "$T_ERR" "expected an integer from 10 to 100000" "says the range"
printf '{"format": "silhouette.quality-gates", "version": 1, "gates": {"validity": {"rules": [{"table": "payment", "name": "r", "expression": "(amount > 0); drop table x"}]}}}' >"$T_TMP/p.json"
expect_exit 2 "a policy rule outside the grammar" -- "$gen" report "$base" --policy "$T_TMP/p.json"
assert_contains "$T_ERR" 'rule "r" of table "public.payment" cannot be evaluated' "names the rule and table"

# A policy rule (cross-field) is evaluated on every row.
printf '{"format": "silhouette.quality-gates", "version": 1, "gates": {"validity": {"rules": [{"table": "payment", "name": "small", "expression": "(amount < 100)"}]}}}' >"$T_TMP/p.json"
expect_exit 1 "a rule most rows break fails validity" -- "$gen" report "$base" --policy "$T_TMP/p.json" --no-html
assert_contains "$T_OUT" 'validity: public.payment: rule "small":' "names the rule"

# A shard is refused: keys span shards.
"$gen" -s tests/shapes/hr.shape.json -o "$T_TMP/shard" --shard 1/2 -q
expect_exit 2 "a shard" -- "$gen" report "$T_TMP/shard"
assert_contains "$T_ERR" "is shard 1 of 2" "says it is a shard"
t_done
