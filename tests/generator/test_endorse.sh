# Endorsement: a decision on the report, bound to manifest.json and report.json;
# any change to a data file after it is detected; failed gates need an override;
# rejections are recorded; earlier decisions are kept; the record's reader is strict.
. tests/harness/lib.sh

G=$SIL_BIN/generator
out=$T_TMP/hr
expect_exit 0 "generate" -- "$G" -s tests/shapes/hr.shape.json -o "$out" --seed 5 -q
expect_exit 1 "no endorsement yet: not endorsed" -- "$G" report "$out" --verify-endorsement
assert_eq "$T_OUT" "not endorsed: '$out' has no endorsement.json" "says why"

expect_exit 2 "no report yet: nothing to decide on" -- \
    "$G" report "$out" --endorse --by "Dana Admin" --note "looked fine"
assert_contains "$T_ERR" "'$out' has no report.json: there is no report to decide on" "names the missing report"
assert_contains "$T_ERR" "hint: run generator report $out first" "hint: run the report"

expect_exit 0 "report" -- "$G" report "$out" -q

# usage
expect_exit 2 "--endorse needs --by and --note" -- "$G" report "$out" --endorse --by "Dana Admin"
assert_contains "$T_ERR" "--endorse needs --by NAME and --note TEXT" "usage message"
expect_exit 2 "--by alone is refused" -- "$G" report "$out" --by x
expect_exit 2 "measuring options do not go with a decision" -- \
    "$G" report "$out" --endorse --by a --note b --profile strict
assert_contains "$T_ERR" "measuring options do not apply" "says why"
expect_exit 2 "a name with a control character" -- \
    "$G" report "$out" --endorse --by "$(printf 'a\tb')" --note n
assert_contains "$T_ERR" "--by: the name contains a control character" "names the problem"
expect_exit 2 "a blank note" -- "$G" report "$out" --endorse --by a --note "   "
assert_contains "$T_ERR" "--note: the note is empty" "names the problem"
expect_exit 2 "one decision at a time" -- "$G" report "$out" --endorse --reject --by a --note b
[ -e "$out/endorsement.json" ] && t_fail "usage errors wrote a record" || t_pass "no record after usage errors"

# endorse, verify
expect_exit 0 "endorse" -- "$G" report "$out" --endorse --by "Dana Admin" \
    --note "KS and linkage reviewed; children per parent match"
assert_contains "$T_OUT" "endorsed: '$out' by Dana Admin at " "prints the decision"
assert_contains "$T_OUT" "7 of 7 gates pass" "prints the gates"
mck=$(b2sum -l 256 "$out/manifest.json" | cut -d' ' -f1)
rck=$(b2sum -l 256 "$out/report.json" | cut -d' ' -f1)
e=$out/endorsement.json
assert_eq "$(jq -r '[.format, .version, .decision, .by, .note, .override_reason, .passed, (.previous | length)] | @tsv' "$e")" \
    "$(printf 'silhouette.endorsement\t1\tendorsed\tDana Admin\tKS and linkage reviewed; children per parent match\t\ttrue\t0')" \
    "the record: who, decision, note, no override, report passed, no history"
assert_eq "$(jq -r .manifest_checksum "$e")" "blake2b-256:$mck" "bound to manifest.json's BLAKE2b"
assert_eq "$(jq -r .report_checksum "$e")" "blake2b-256:$rck" "bound to report.json's BLAKE2b"
assert_eq "$(jq -r .report_created_at "$e")" "$(jq -r .created_at "$out/report.json")" "names the report's time"
assert_eq "$(jq -c '[.gates[] | [.gate, .passed, .checks, .failed]]' "$e")" \
    "$(jq -c '[.gates[] | [.gate, .passed, .checks, .failed]]' "$out/report.json")" "the gates' results as the report has them"
assert_eq "$(jq -r .policy.checksum "$e")" "$(jq -r .policy.checksum "$out/report.json")" "the policy's checksum"
at=$(jq -r .at "$e")
case "$at" in 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z) t_pass "when: UTC time" ;; *) t_fail "at: '$at'" ;; esac
ndata=$(jq '[.tables[].files[]] | length' "$out/manifest.json")
expect_exit 0 "verify: endorsed and unchanged" -- "$G" report "$out" --verify-endorsement
assert_eq "$T_OUT" "endorsed by Dana Admin at $at: manifest.json, report.json and $ndata data files match the endorsement" "verify says what matched"
expect_exit 0 "-q verifies quietly" -- "$G" report "$out" --verify-endorsement -q
assert_eq "$T_OUT" "" "nothing printed"

# a new report would void the decision: refused
expect_exit 2 "a new report in place is refused while endorsed" -- "$G" report "$out"
assert_contains "$T_ERR" "holds an endorsement decision bound to its report.json" "says why"
expect_exit 0 "a new report elsewhere is fine" -- "$G" report "$out" --report-dir "$T_TMP/elsewhere" -q
assert_eq "$(b2sum -l 256 "$out/report.json" | cut -d' ' -f1)" "$rck" "report.json untouched"

# tamper with one data file after the endorsement: same size, one byte
cp -a "$out" "$T_TMP/pristine"
f=$(jq -r '.tables[-1].files[0].file' "$out/manifest.json")
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"\t") + 1
b[i] = ord("7") if b[i] != ord("7") else ord("8")
open(p, "wb").write(bytes(b))' "$out/$f"
expect_exit 1 "verify: a changed data file is detected" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_OUT" "not endorsed: changed after the endorsement by Dana Admin at $at: $f does not match its checksum in manifest.json" "names the file"
# ... and the manifest edited to match it: the manifest binding catches that
new=$(b2sum -l 256 "$out/$f" | cut -d' ' -f1)
jq --arg f "$f" --arg c "blake2b-256:$new" '(.tables[].files[] | select(.file == $f) | .checksum) = $c' \
    "$out/manifest.json" >"$T_TMP/m.json" && mv "$T_TMP/m.json" "$out/manifest.json"
expect_exit 1 "verify: a manifest re-sealed over the change is detected" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_OUT" "manifest.json does not match manifest_checksum" "names the manifest"
expect_exit 2 "a decision on changed data is refused" -- "$G" report "$out" --reject --by x --note y
rm -rf "$out" && cp -a "$T_TMP/pristine" "$out"
# a byte appended to another file
f2=$(jq -r '.tables[0].files[0].file' "$out/manifest.json")
printf 'x' >>"$out/$f2"
expect_exit 1 "verify: a grown data file is detected" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_OUT" "$f2" "names the file"
rm -rf "$out" && cp -a "$T_TMP/pristine" "$out"
# a removed data file, schema.sql and shape.json changes, report.json edits
rm "$out/$f2"
expect_exit 1 "verify: a removed data file" -- "$G" report "$out" --verify-endorsement
rm -rf "$out" && cp -a "$T_TMP/pristine" "$out"
echo "-- extra" >>"$out/schema.sql"
expect_exit 1 "verify: schema.sql changed" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_OUT" "schema.sql" "names schema.sql"
rm -rf "$out" && cp -a "$T_TMP/pristine" "$out"
jq '.passed = true' "$out/report.json" >"$T_TMP/r.json" && mv "$T_TMP/r.json" "$out/report.json"
expect_exit 1 "verify: report.json rewritten" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_OUT" "report.json does not match report_checksum" "names the report"
rm -rf "$out" && cp -a "$T_TMP/pristine" "$out"
# a record edited by hand: strict reader
jq '.decision = "approved"' "$e" >"$T_TMP/e.json" && cp "$T_TMP/e.json" "$e"
expect_exit 2 "verify: an unknown decision is malformed" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_ERR" "decision: expected \"endorsed\" or \"rejected\"" "names the path"
jq '.extra = 1' "$T_TMP/pristine/endorsement.json" >"$e"
expect_exit 2 "verify: an unknown key is malformed" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_ERR" 'unknown key "extra"' "names the key"
jq '.gates[0].passed = false' "$T_TMP/pristine/endorsement.json" >"$e"
expect_exit 2 "verify: gates that contradict passed" -- "$G" report "$out" --verify-endorsement
assert_contains "$T_ERR" "passed: true, but a gate failed" "says what contradicts"
cp "$T_TMP/pristine/endorsement.json" "$e"
expect_exit 0 "the pristine copy verifies" -- "$G" report "$out" --verify-endorsement

# failed gates: endorsement refused without an override; rejection recorded
out2=$T_TMP/fail
expect_exit 0 "generate a second output" -- "$G" -s tests/shapes/hr.shape.json -o "$out2" --seed 6 -q
expect_exit 1 "a report with a failed gate" -- "$G" report "$out2" --set distribution.min_p_value=1 -q
expect_exit 1 "endorsing failed gates is refused" -- "$G" report "$out2" --endorse --by "Dana Admin" --note "ok"
assert_contains "$T_ERR" "cannot endorse '$out2': the report has failed gates (distribution)" "names the failed gate"
assert_contains "$T_ERR" "hint: reject it (--reject), or endorse it anyway with --override-failed-gates REASON" "hint"
[ -e "$out2/endorsement.json" ] && t_fail "a refused endorsement wrote a record" || t_pass "no record written"
expect_exit 0 "reject with a note" -- "$G" report "$out2" --reject --by "Ravi Reviewer" --note "salary distribution off"
assert_contains "$T_OUT" "rejected: '$out2' by Ravi Reviewer" "prints the rejection"
assert_eq "$(jq -r '[.decision, .by, .note, .passed, .override_reason] | @tsv' "$out2/endorsement.json")" \
    "$(printf 'rejected\tRavi Reviewer\tsalary distribution off\tfalse\t')" "the rejection is recorded with its note"
expect_exit 1 "verify: a rejected output is not endorsed" -- "$G" report "$out2" --verify-endorsement
assert_contains "$T_OUT" "not endorsed: rejected by Ravi Reviewer at " "says who rejected"
assert_contains "$T_OUT" ": salary distribution off" "and the note"
expect_exit 2 "--override-failed-gates does not go with --reject" -- \
    "$G" report "$out2" --reject --by a --note b --override-failed-gates c
expect_exit 0 "endorse over failed gates with a reason" -- "$G" report "$out2" --endorse --by "Dana Admin" \
    --note "p = 1 was a test threshold" --override-failed-gates "threshold set for the test only"
assert_contains "$T_OUT" "(failed gates overridden: distribution)" "prints what was overridden"
assert_eq "$(jq -r '[.decision, .override_reason, .passed, (.previous | length), .previous[0].decision, .previous[0].by, .previous[0].note] | @tsv' "$out2/endorsement.json")" \
    "$(printf 'endorsed\tthreshold set for the test only\tfalse\t1\trejected\tRavi Reviewer\tsalary distribution off')" \
    "the override reason is recorded and the rejection kept as history"
expect_exit 0 "verify: endorsed with an override" -- "$G" report "$out2" --verify-endorsement
assert_contains "$T_OUT" "overriding failed gates: threshold set for the test only" "verify names the override"
jq '.override_reason = null' "$out2/endorsement.json" >"$T_TMP/e2.json" && cp "$T_TMP/e2.json" "$out2/endorsement.json"
expect_exit 2 "verify: an endorsement of failed gates without a reason is malformed" -- "$G" report "$out2" --verify-endorsement
assert_contains "$T_ERR" "override_reason: an endorsement of a report with a failed gate needs one" "says why"

# a report written for another output cannot be endorsed
out3=$T_TMP/other
expect_exit 0 "generate a third output" -- "$G" -s tests/shapes/hr.shape.json -o "$out3" --seed 7 -q
cp "$T_TMP/pristine/report.json" "$out3/report.json"
expect_exit 2 "a report of another manifest is refused" -- "$G" report "$out3" --endorse --by a --note b
assert_contains "$T_ERR" "was written for another manifest.json" "says why"

# an output whose shape has expired since cannot be endorsed
jq '.shape_expires_at = "2021-06-01T00:00:00Z"' "$T_TMP/pristine/manifest.json" >"$T_TMP/m.json"
rm -rf "$out" && cp -a "$T_TMP/pristine" "$out" && rm "$out/endorsement.json" && cp "$T_TMP/m.json" "$out/manifest.json"
expect_exit 2 "an expired output is not endorsed" -- "$G" report "$out" --endorse --by a --note b
assert_contains "$T_ERR" "expired on 2021-06-01" "names the date"
t_done
