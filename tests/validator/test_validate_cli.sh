# validate-no-pii as CI runs it: exit codes, masked reports, formats, allowlist, limits.
. tests/harness/lib.sh
V=$SIL_BIN/validate-no-pii
SHAPE=tests/shapes/chat.shape.json

expect_exit 0 "a clean shape passes" -- "$V" "$SHAPE"
assert_contains "$T_OUT" "0 findings in 0 of 1 file" "summary line for a clean shape"

python3 - "$SHAPE" "$T_TMP/leak.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s.pop("checksum", None)
s["tables"][0]["columns"][4]["stats"]["categories"]["values"][0]["value"] = "john.doe@gmail.com"
s["tables"][0]["checks"] = [{"name": "chk_x", "expression": "(card <> '4111 1111 1111 1111')"}]
json.dump(s, open(sys.argv[2], "w"))
PY
expect_exit 1 "PII in a shape fails the gate" -- "$V" "$T_TMP/leak.json"
assert_contains "$T_OUT" "tables[0].columns[4].stats.categories.values[0].value: email: j***@g***.com" "email finding with JSON path, masked"
assert_contains "$T_OUT" "4111 **** **** 1111" "card masked"
assert_not_contains "$T_OUT" "john.doe" "report does not leak the email"
assert_not_contains "$T_OUT" "4111 1111 1111 1111" "report does not leak the card"

expect_exit 1 "json format" -- "$V" --format json "$T_TMP/leak.json"
assert_contains "$T_OUT" '"rule": "email"' "json names the rule"
assert_contains "$T_OUT" '"findings": 2' "json summary counts"
expect_exit 1 "sarif format" -- "$V" --format sarif "$T_TMP/leak.json"
assert_contains "$T_OUT" '"version": "2.1.0"' "sarif version"
echo "$T_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["runs"][0]["results"]; assert len(r)==2 and r[0]["ruleId"] and r[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]' \
    && t_pass "sarif loads and has results" || t_fail "sarif does not load"

# Unknown keys are structural violations, and the key is masked in the report.
python3 - "$SHAPE" "$T_TMP/unknown.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s.pop("checksum", None)
s["tables"][0]["Jane Roe notes"] = "x"
json.dump(s, open(sys.argv[2], "w"))
PY
expect_exit 1 "unknown key fails" -- "$V" "$T_TMP/unknown.json"
assert_contains "$T_OUT" "shape-structure" "structural finding"
assert_not_contains "$T_OUT" "Jane Roe" "unknown key masked"

# Fictional values pass by default and fail under --strict.
printf 'mail a@example.com, call (212) 555-0123, ssn 987-65-4320\n' >"$T_TMP/fict.txt"
expect_exit 0 "fictional values pass" -- "$V" "$T_TMP/fict.txt"
expect_exit 1 "fictional values fail under --strict" -- "$V" --strict "$T_TMP/fict.txt"
assert_contains "$T_OUT" "email 1" "strict flags the reserved-domain email"

# Generic mode: line and column, many files and directories, --max-findings.
mkdir -p "$T_TMP/dir/sub"
printf 'ok line\nname,John Smith\n' >"$T_TMP/dir/a.csv"
printf '{"ip":"81.2.69.160"}\n' >"$T_TMP/dir/sub/b.jsonl"
expect_exit 1 "directory scan" -- "$V" "$T_TMP/dir"
assert_contains "$T_OUT" "a.csv:2:6: person-name: J*** S****" "line and column"
assert_contains "$T_OUT" "2 findings in 2 of 2 files" "directory summary"
expect_exit 1 "max findings" -- "$V" --max-findings 1 "$T_TMP/dir"
assert_contains "$T_OUT" "stopped at --max-findings" "truncation reported"

# Allowlist by hash and by path, with expiry.
h=$(printf '81.2.69.160' | "$V" --hash)
assert_contains "$h" "blake2b-256:" "--hash prints a BLAKE2b hash"
cat >"$T_TMP/allow.json" <<JSON
{"format": "silhouette.allowlist", "version": 1, "entries": [
 {"value_hash": "$h", "reason": "documented test address", "expires": "2999-12-31"},
 {"path": "tables[0].checks[0].expression", "rule": "payment-card", "reason": "test", "expires": "2000-01-01"}]}
JSON
expect_exit 1 "allowlist covers one finding" -- "$V" --allowlist "$T_TMP/allow.json" "$T_TMP/dir"
assert_contains "$T_OUT" "1 finding in 1 of 2 files (person-name 1); 1 allowed by the allowlist" "hash entry applied"
expect_exit 1 "expired entry stops working" -- "$V" --allowlist "$T_TMP/allow.json" "$T_TMP/leak.json"
assert_contains "$T_OUT" "payment-card" "expired path entry does not hide the card"
assert_contains "$T_ERR" "expired on 2000-01-01" "expired entry reported"
printf '{"format":"silhouette.allowlist","version":1,"entries":[{"path":"x","reason":"r","expires":"soon"}]}' >"$T_TMP/bad.json"
expect_exit 2 "malformed allowlist" -- "$V" --allowlist "$T_TMP/bad.json" "$SHAPE"
assert_contains "$T_ERR" "entries[0].expires" "allowlist error names the path"

# User policy: disable a rule, add one.
cat >"$T_TMP/policy.json" <<'JSON'
{"format": "silhouette.pii-rules", "version": 1, "disable": ["ipv4"],
 "rules": [{"id": "employee-id", "kind": "personal:other", "description": "employee number",
            "pattern": "\\bEMP-\\d{6}\\b", "trigger": {"min_digits": 6}}]}
JSON
printf 'host 81.2.69.160 emp EMP-123456\n' >"$T_TMP/p.txt"
expect_exit 1 "user policy" -- "$V" --rules "$T_TMP/policy.json" "$T_TMP/p.txt"
assert_contains "$T_OUT" "(employee-id 1)" "added rule fires, disabled rule does not"
printf '{"format": "silhouette.pii-rules", "version": 1, "disable": ["no-such"]}' >"$T_TMP/bad-policy.json"
expect_exit 2 "unknown id in disable" -- "$V" --rules "$T_TMP/bad-policy.json" "$T_TMP/p.txt"
assert_contains "$T_ERR" 'no shipped rule has the id' "bad policy explained"

# Input errors.
expect_exit 2 "missing file" -- "$V" "$T_TMP/nope.json"
printf '{"format": "silhouette.shape", "version": 1,' >"$T_TMP/trunc.json"
expect_exit 2 "truncated shape" -- "$V" "$T_TMP/trunc.json"
assert_contains "$T_ERR" "truncated" "truncated shape explained"
expect_exit 2 "no input" -- "$V"

# Pathological inputs finish (the suite's timeout would catch catastrophic backtracking
# or quadratic work: 80000 ten-digit numbers on one line once took minutes).
python3 -c "
import sys
open(sys.argv[1],'w').write(('a'*5000+'@')*40 + '\n' + ('1 '*200000) + '\n' + ('1.'*100000) + '\n' + ('a-'*100000)+'\n'+(':1'*100000)+'\n'+('John '*50000)+'\n'+('%41'*50000)+'\n'+('QUJD'*50000)+'\n' + ('1234567890,'*80000) + '\n' + ('x'*300000) + '\n' + ('::'*100000) + '\n' + ('0'*300000) + '\n' + ('ab1'*200000) + '\n')
" "$T_TMP/patho.txt"
# An expired shape fails the gate, naming the date; one that expires later passes.
jq 'del(.checksum) | .created_at = "2020-01-01T00:00:00Z" | .expires_at = "2020-04-01T00:00:00Z"' \
    tests/shapes/chat.shape.json >"$T_TMP/expired.json"
expect_exit 1 "expired shape" -- "$V" "$T_TMP/expired.json"
assert_contains "$T_OUT" "expires_at: shape-expired: (the shape expired on 2020-04-01 at 00:00:00 UTC)" \
    "the finding names the date"
jq 'del(.checksum) | .expires_at = "2999-01-01T00:00:00Z"' tests/shapes/chat.shape.json >"$T_TMP/later.json"
expect_exit 0 "shape expiring later" -- "$V" "$T_TMP/later.json"

start=$(date +%s)
expect_exit 0 "pathological input" -- timeout 60 "$V" "$T_TMP/patho.txt"
echo "pathological input: $(($(date +%s) - start))s"
t_done
