# The REST source end to end against a local HR-like API (tests/sampler/
# restserver.py on 127.0.0.1): the four pagination styles, the four kinds of
# authentication, schema and key inference, the gate, a leak test of every
# personal value served, the audit log against the server's own log, the
# secret kept out of every output, and the generator turning the shape into
# the HR dataset with its five relationships intact.
. tests/harness/lib.sh
. tests/sampler/restlib.sh

rest_setup || { t_fail "rest_setup"; t_done; }
rest_start PORT --log "$T_TMP/server.log" || { t_fail "server"; t_done; }
BASE=http://127.0.0.1:$PORT
api=$T_TMP/hr.api.json
hr_api "$api" "$BASE"
shape=$T_TMP/hr.shape.json

expect_exit 0 "HR API sampled (five entities, four pagination styles)" -- rsample "$api" "$shape" -v
assert_contains "$T_ERR" "employees: 200 records in 4 requests" "cursor pagination read every page"
assert_contains "$T_ERR" "teams: 10 records in 3 requests" "next-link pagination read every page"
assert_contains "$T_ERR" "offices: 3 records in 2 requests" "page-number pagination read every page"
assert_contains "$T_ERR" "compensation: 200 records in 4 requests" "Link-header pagination read every page"
g() { python3 -c "import json,sys
s=json.load(open(sys.argv[1]))
t={x['name']:x for x in s['tables']}
print(eval(sys.argv[2]))" "$shape" "$1"; }
assert_eq "$(g "s['source']['kind']")" rest "source.kind"
assert_eq "$(g "len(s['source']['fingerprint'])")" 16 "source.fingerprint is a token"
assert_eq "$(g "[x['name'] for x in s['tables']]")" "['departments', 'offices', 'teams', 'employees', 'compensation']" "tables in description order"
assert_eq "$(g "[(x['rows']['count'], x['rows']['method']) for x in s['tables']]")" \
    "[(5, 'exact'), (3, 'exact'), (10, 'exact'), (200, 'exact'), (200, 'exact')]" "row counts"
assert_eq "$(g "[x.get('primary_key') for x in s['tables']]")" "[['id'], ['id'], ['id'], ['id'], ['id']]" "primary keys"
assert_eq "$(g "sorted((x['name'], f['columns'][0], f['references']['table']) for x in s['tables'] for f in x.get('foreign_keys', []))")" \
    "[('compensation', 'employeeId', 'employees'), ('employees', 'departmentId', 'departments'), ('employees', 'office_id', 'offices'), ('employees', 'teamReference_id', 'teams'), ('teams', 'departmentId', 'departments')]" \
    "five foreign keys from teamId, team_id and teamReference.id names"
assert_eq "$(g "{c['name']: (c['type']['name'], c['nullable'], c['classification']) for c in t['employees']['columns'] if c['name'] in ('id','personalNumber','email','firstName','phone','birthDate','createdAt','active','tags','homeAddress_street')}")" \
    "{'id': ('uuid', False, 'identifier'), 'firstName': ('text', False, 'personal:first_name'), 'email': ('text', False, 'personal:email'), 'personalNumber': ('text', False, 'personal:national_id'), 'phone': ('text', True, 'personal:phone'), 'homeAddress_street': ('text', False, 'personal:street'), 'birthDate': ('date', False, 'personal:birth_date'), 'active': ('boolean', False, 'public'), 'createdAt': ('timestamptz', False, 'public'), 'tags': ('jsonb', False, 'public')}" \
    "employee types, nullability and classes (nested objects flattened, arrays as jsonb)"
assert_eq "$(g "{c['name']: (c['type']['name'], c['classification']) for c in t['compensation']['columns']}")" \
    "{'id': ('uuid', 'identifier'), 'employeeId': ('uuid', 'identifier'), 'salary': ('numeric', 'sensitive'), 'currency': ('text', 'public'), 'bonusPct': ('numeric', 'sensitive'), 'effectiveDate': ('date', 'public')}" \
    "compensation types and classes"
assert_eq "$(g "[u['columns'] for u in t['employees'].get('unique', [])]")" "[['email'], ['personalNumber']]" "unique personal keys"
assert_eq "$(g "t['compensation']['columns'][3]['stats']['categories']['values']")" "[{'value': 'SEK', 'fraction': 1}]" "a public category in clear"
assert_eq "$(g "t['employees']['columns'][1]['stats']['categories']['encoding']")" token "personal categories only as tokens"
assert_eq "$(g "len(t['compensation']['columns'][2]['stats']['quantiles'])")" 20 "salary quantiles: 20 buckets of 10"
assert_eq "$(g "t['compensation']['foreign_keys'][0]['stats']['children_per_parent']")" \
    "[[0.025, 1], [0.075, 1], [0.125, 1], [0.175, 1], [0.225, 1], [0.275, 1], [0.325, 1], [0.375, 1], [0.425, 1], [0.475, 1], [0.525, 1], [0.575, 1], [0.625, 1], [0.675, 1], [0.725, 1], [0.775, 1], [0.825, 1], [0.875, 1], [0.925, 1], [0.975, 1]]" \
    "one compensation per employee"
assert_eq "$(g "t['employees']['foreign_keys'][0]['stats']['arrival']['column']")" createdAt "arrival from the creation time"
assert_eq "$(g "s['audit']['statements']")" "$(wc -l <"$shape.audit.jsonl")" "audit.statements counts the requests"

expect_exit 0 "the gate passes the REST shape" -- "$SIL_BIN/validate-no-pii" "$shape"
python3 "$RS" --dump-pii "$T_TMP/hr.pii"
n=$(wc -l <"$T_TMP/hr.pii")
[ "$n" -gt 1000 ] && t_pass "$n personal values served" || t_fail "only $n personal values"
expect_exit 0 "no served personal value in the shape or the audit log" -- \
    "${SC[@]}" leak "$T_TMP/hr.pii" "$shape" "$shape.audit.jsonl"
expect_exit 0 "k=2: sampled" -- rsample "$api" "$T_TMP/k2.shape.json" --k 2
expect_exit 0 "k=2: the gate passes" -- "$SIL_BIN/validate-no-pii" "$T_TMP/k2.shape.json"
expect_exit 0 "k=2: no personal value leaks" -- "${SC[@]}" leak "$T_TMP/hr.pii" "$T_TMP/k2.shape.json"
assert_contains "$(cat "$T_TMP/k2.shape.json")" '"value": "permanent"' "k=2: clear categories emitted (the check is not vacuous)"
sed 's/"rest"/"rest", "x": "'"$(sed -n 's/^email\t//p' "$T_TMP/hr.pii" | head -n1)"'"/' "$shape" >"$T_TMP/planted.json"
expect_exit 1 "a planted e-mail is found by the leak check" -- "${SC[@]}" leak "$T_TMP/hr.pii" "$T_TMP/planted.json"

# The audit log holds every request the server saw, in order, and no secret.
: >"$T_TMP/server.log"
expect_exit 0 "sampled again for the audit comparison" -- rsample "$api" "$T_TMP/a.shape.json"
expect_exit 0 "audit log = the server's request log" -- python3 "$SIL_ROOT/tests/sampler/restcheck.py" audit "$T_TMP/a.shape.json.audit.jsonl" "$T_TMP/server.log"
assert_eq "$(wc -l <"$T_TMP/server.log")" 14 "14 requests for 5 entities"
secret=$(cat "$SECRET")
assert_not_contains "$(cat "$T_TMP"/*.audit.jsonl "$T_TMP"/*.shape.json)" "$secret" "the secret is in no shape or audit log"
expect_exit 0 "determinism: a second run gives the same shape" -- \
    diff <("${SC[@]}" strip "$shape") <("${SC[@]}" strip "$T_TMP/a.shape.json")

# The generator turns the shape into the HR dataset with its relationships intact.
expect_exit 0 "generator on the REST shape" -- "$SIL_BIN/generator" --shape "$shape" --out "$T_TMP/gen" --seed 3
expect_exit 0 "five relationships, zero orphans, counts as sampled" -- python3 "$SIL_ROOT/tests/sampler/restcheck.py" relations "$T_TMP/gen" \
    'employees.teamReference_id>teams.id' 'employees.departmentId>departments.id' 'employees.office_id>offices.id' \
    'compensation.employeeId>employees.id' 'teams.departmentId>departments.id' \
    departments=5 offices=3 teams=10 employees=200 compensation=200
echo "$T_OUT" | grep -q "orphans" && t_pass "relations listed" || t_fail "no relation listed"

# ---- authentication: basic, header and query; the secret from a file or the environment ----
hr_api "$T_TMP/basic.json" "$BASE" '{"type": "basic", "username": "sampler", "password_env": "HR_API_PASSWORD"}'
expect_exit 0 "basic auth, password from the environment" -- env HR_API_PASSWORD="$secret" "$SAMPLER" --source rest --api "$T_TMP/basic.json" --key-file "$KEY" --locale sv_SE -o "$T_TMP/basic.shape.json"
hr_api "$T_TMP/header.json" "$BASE" '{"type": "header", "header": "X-Api-Key", "token_env": "HR_API_TOKEN"}'
expect_exit 0 "header auth, token from the environment" -- env HR_API_TOKEN="$secret" "$SAMPLER" --source rest --api "$T_TMP/header.json" --key-file "$KEY" --locale sv_SE -o "$T_TMP/header.shape.json"
: >"$T_TMP/server.log"
hr_api "$T_TMP/query.json" "$BASE" "{\"type\": \"query\", \"param\": \"api_key\", \"token_file\": \"$SECRET\"}"
expect_exit 0 "query-string auth, token from a file" -- rsample "$T_TMP/query.json" "$T_TMP/query.shape.json"
assert_contains "$(cat "$T_TMP/query.shape.json.audit.jsonl")" "api_key=REDACTED" "the api_key parameter is masked in the audit log"
assert_not_contains "$(cat "$T_TMP/query.shape.json.audit.jsonl")" "$secret" "the query-string secret is never logged"
assert_contains "$(cat "$T_TMP/server.log")" "api_key=" "the server did get the key in the query string"
expect_exit 0 "query auth: audit log = server log" -- python3 "$SIL_ROOT/tests/sampler/restcheck.py" audit "$T_TMP/query.shape.json.audit.jsonl" "$T_TMP/server.log"
for f in basic header query; do
    expect_exit 0 "$f: same statistics as bearer" -- diff <("${SC[@]}" strip "$shape") <("${SC[@]}" strip "$T_TMP/$f.shape.json")
done

printf 'wrong-secret-value\n' >"$T_TMP/wrong.secret"
chmod 600 "$T_TMP/wrong.secret"
hr_api "$T_TMP/wrong.json" "$BASE" "{\"type\": \"bearer\", \"token_file\": \"$T_TMP/wrong.secret\"}"
expect_exit 1 "a wrong token is refused by the API" -- rsample "$T_TMP/wrong.json" "$T_TMP/wrong.shape.json"
assert_contains "$T_ERR" "HTTP 401: the API refused the credentials" "401 reported"
assert_not_contains "$T_ERR" "wrong-secret-value" "the token is not in the message"
assert_not_contains "$(cat "$T_TMP/wrong.shape.json.audit.jsonl")" "wrong-secret-value" "nor in the audit log"
chmod 644 "$T_TMP/wrong.secret"
expect_exit 1 "a token file others can read is refused" -- rsample "$T_TMP/wrong.json" "$T_TMP/wrong.shape.json"
assert_contains "$T_ERR" "the token file is readable or writable by group or others (mode 0644)" "mode named"
assert_contains "$T_ERR" "hint: chmod 600 '$T_TMP/wrong.secret'" "chmod hint"
expect_exit 2 "an unset token variable" -- rsample "$T_TMP/header.json" "$T_TMP/wrong.shape.json"
assert_contains "$T_ERR" 'the token variable $HR_API_TOKEN is not set' "variable named"
echo '{"format": "silhouette.rest-source", "version": 1, "base_url": "http://127.0.0.1:1", "auth": {"type": "bearer", "token": "inline-secret"}, "entities": [{"name": "e", "path": "/e"}]}' >"$T_TMP/inline.json"
expect_exit 2 "a secret written into the description is refused" -- rsample "$T_TMP/inline.json" "$T_TMP/wrong.shape.json"
assert_contains "$T_ERR" 'auth: unknown key "token"' "inline secret refused by name"
assert_not_contains "$T_ERR" "inline-secret" "and not echoed"
[ -e "$T_TMP/wrong.shape.json" ] && t_fail "no shape from failed runs" || t_pass "no shape from failed runs"

# ---- selecting entities ----
expect_exit 0 "--include selects entities" -- rsample "$api" "$T_TMP/inc.shape.json" --include employees --include 'public.te*'
assert_eq "$(python3 -c "import json; s=json.load(open('$T_TMP/inc.shape.json')); print([(t['name'], [f['columns'][0] for f in t.get('foreign_keys', [])]) for t in s['tables']])")" \
    "[('teams', []), ('employees', ['teamReference_id'])]" "two entities read, keys only between them"
assert_eq "$(grep -c '/team' "$T_TMP/inc.shape.json.audit.jsonl")" 3 "the teams pages"
assert_eq "$(grep -cE '/(department|office|compensation)' "$T_TMP/inc.shape.json.audit.jsonl")" 0 "no other endpoint was asked"

# ---- the record cap ----
one_api "$T_TMP/cap.json" "$BASE" /offset/employee '{"style": "offset", "page_size": 20, "total_path": "meta.total"}'
python3 - "$T_TMP/cap.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["entities"][0]["max_records"] = 30
json.dump(d, open(sys.argv[1], "w"))
PY
expect_exit 0 "a per-entity record cap" -- rsample "$T_TMP/cap.json" "$T_TMP/cap.shape.json"
assert_contains "$T_ERR" "employees: stopped at the record cap of 30" "the cap is reported"
assert_eq "$(python3 -c "import json; t=json.load(open('$T_TMP/cap.shape.json'))['tables'][0]; print(t['rows'])")" \
    "{'count': 200, 'method': 'estimate', 'sampled': 30}" "count from the API's total, 30 sampled"
assert_eq "$(grep -c '"method":"GET"' "$T_TMP/cap.shape.json.audit.jsonl")" 2 "two pages read for 30 records"
t_done
