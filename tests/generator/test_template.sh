# Template-only generation: the users' HR template exactly as written, and the
# documented example with a Swedish locale.
. tests/harness/lib.sh

gen=$SIL_BIN/generator
ks=$SIL_BUILD/tests/gen-fanout-ks

# The background document's template, byte for byte.
out=$T_TMP/bg
expect_exit 0 "background template generates" -- "$gen" -t tests/generator/background-template.json -o "$out" --seed 11
for pair in departments:5 offices:3 teams:10 employees:200 compensation:200; do
    t=${pair%%:*}
    n=${pair##*:}
    assert_eq "$(wc -l <"$out/data/public.$t.copy")" "$n" "$t: exact row count"
done
expect_exit 0 "no orphans in the background template output" -- "$ks" "$out"
assert_eq "$(grep -c 'orphans=0' <<<"$T_OUT")" 5 "every foreign key checked"
python3 - "$out" >"$T_TMP/check.txt" 2>&1 <<'PY'
import re, sys
out = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/data/public.employees.copy")]
email = re.compile(r"^[a-z0-9._-]+@(example\.(com|org|net)|mail\.example|inbox\.test)$")
ssn = re.compile(r"^9\d\d-(0[1-9]|[1-4]\d)-\d{4}$")
print("emails", sum(bool(email.match(r[1])) for r in rows))
print("ssns", sum(bool(ssn.match(r[4])) for r in rows))
comp = [l.rstrip("\n").split("\t") for l in open(f"{out}/data/public.compensation.copy")]
print("salaries", sum(30000 <= float(r[2]) <= 150000 for r in comp))
print("dates", sum(r[4].startswith("2024-") for r in comp))
print("one compensation per employee", len({r[1] for r in comp}))
PY
check=$(cat "$T_TMP/check.txt")
assert_contains "$check" "emails 200" "every e-mail is valid and on a reserved domain"
assert_contains "$check" "ssns 200" "without a locale: en_US SSNs in never-issued areas"
assert_contains "$check" "salaries 200" "random_int faker_args respected"
assert_contains "$check" "dates 200" "date_this_year is a fixed year"
assert_contains "$check" "one compensation per employee 200" "compensation is one per employee"
assert_contains "$(cat "$out/manifest.json")" '"mode": "template"' "manifest records template sizing"
assert_contains "$(cat "$out/manifest.json")" '"template": {' "manifest records the template checksum"

# The documented first example: the HR scenario with locale sv_SE.
ex=$T_TMP/ex
expect_exit 0 "HR example generates" -- "$gen" -t docs/examples/hr-template.json -o "$ex" --seed 1
python3 - "$ex" >"$T_TMP/check2.txt" 2>&1 <<'PY'
import re, sys
out = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/data/public.employees.copy")]
def luhn(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        k = int(c) * (2 if i % 2 else 1)
        s += k - 9 if k > 9 else k
    return s % 10 == 0
pn = re.compile(r"^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])-000\d$")
ok = [r[4] for r in rows if pn.match(r[4]) and luhn(r[4][2:8] + r[4][9:])]
print("personnummer", len(ok))
print("distinct personnummer", len({r[4] for r in rows}))
print("distinct emails", len({r[1] for r in rows}))
print("names in emails", sum(r[1].startswith(r[2].lower()[:2]) for r in rows))
PY
check=$(cat "$T_TMP/check2.txt")
assert_contains "$check" "personnummer 200" "sv_SE personnummer: valid check digit, birth number 000"
assert_contains "$check" "distinct personnummer 200" "unique personal numbers"
assert_contains "$check" "distinct emails 200" "unique e-mails"
expect_exit 0 "no orphans in the HR example" -- "$ks" "$ex"

# A template over a shape: overrides a row count and a value kind, adds a
# table; the output's shape.json is a valid shape again.
cat >"$T_TMP/over.json" <<'JSON'
{"locale": "fr_FR", "entities": [
  {"name": "users", "row_count": 2000, "fields": [{"name": "nickname", "faker_method": "user_name"}]},
  {"name": "audit_log", "row_count": 300, "fields": [
     {"name": "id", "type": "bigint", "primary_key": true},
     {"name": "user_id", "foreign_key": "users.id"},
     {"name": "action", "faker_method": "random_element", "faker_args": {"elements": ["login", "logout"]}}]}]}
JSON
ov=$T_TMP/ov
expect_exit 0 "template over a shape" -- "$gen" -s tests/shapes/chat.shape.json -t "$T_TMP/over.json" -o "$ov" --rows messages=20000 --derive
assert_eq "$(wc -l <"$ov/data/public.users.copy")" 2000 "template row count overrides the shape's"
assert_eq "$(wc -l <"$ov/data/public.audit_log.copy")" 300 "template adds a table"
assert_eq "$(awk -F'\t' '$3 == "login" || $3 == "logout"' "$ov/data/public.audit_log.copy" | wc -l)" 300 "random_element values"
assert_eq "$(awk -F'\t' '$4 ~ /^(01 99 00|06 39 98) [0-9][0-9] [0-9][0-9]$/' "$ov/data/public.users.copy" | grep -c .)" \
    "$(awk -F'\t' '$4 != "\\N"' "$ov/data/public.users.copy" | grep -c .)" "fr_FR phones in ARCEP fiction ranges"
# Resized tables change the ratios, so only orphans are gated here.
expect_exit 0 "no orphans, new table included" -- "$ks" "$ov" 1
assert_contains "$T_OUT" "audit_log.audit_log_user_id_fkey" "the added foreign key is checked"
for d in "$out" "$ex" "$ov"; do
    expect_exit 0 "$(basename "$d"): shape.json reads back as a shape" -- "$SIL_BUILD/tests/shape-tool" canon "$d/shape.json"
done

# Same inputs and seed: same bytes. Another seed: other data.
expect_exit 0 "same seed again" -- "$gen" -t docs/examples/hr-template.json -o "$T_TMP/ex2" --seed 1
if cmp -s "$ex/manifest.json" "$T_TMP/ex2/manifest.json"; then t_pass "same seed, same manifest"; else t_fail "same seed gave another manifest"; fi
expect_exit 0 "another seed" -- "$gen" -t docs/examples/hr-template.json -o "$T_TMP/ex3" --seed 2
if cmp -s "$ex/data/public.employees.copy" "$T_TMP/ex3/data/public.employees.copy"; then
    t_fail "seed 2 gave the same employees as seed 1"
else t_pass "another seed, other data"; fi
t_done
