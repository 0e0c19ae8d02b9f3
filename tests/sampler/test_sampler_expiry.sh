# Shape expiry: 90 days by the shipped policy, a user policy's ttl_days, --ttl-days.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

pg_start || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "sampler set-up"; t_done; }
tests/fixtures/load.sh hr hr >/dev/null || { t_fail "load hr"; t_done; }

days_between() { # created expires -> whole days
    python3 -c 'import sys, datetime as d
f = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
print((f(sys.argv[2]) - f(sys.argv[1])).total_seconds() / 86400)' "$1" "$2"
}

sample hr "$T_TMP/a.json" -q
created=$(jq -r .created_at "$T_TMP/a.json")
expires=$(jq -r .expires_at "$T_TMP/a.json")
assert_eq "$(days_between "$created" "$expires")" "90.0" "the shipped policy gives 90 days"

sample hr "$T_TMP/b.json" -q --ttl-days 7
assert_eq "$(days_between "$(jq -r .created_at "$T_TMP/b.json")" "$(jq -r .expires_at "$T_TMP/b.json")")" \
    "7.0" "--ttl-days 7"

printf '{"format": "silhouette.sampler-policy", "version": 1, "ttl_days": 30}\n' >"$T_TMP/p.json"
sample hr "$T_TMP/c.json" -q --policy "$T_TMP/p.json"
assert_eq "$(days_between "$(jq -r .created_at "$T_TMP/c.json")" "$(jq -r .expires_at "$T_TMP/c.json")")" \
    "30.0" "a user policy's ttl_days wins over the shipped one"
sample hr "$T_TMP/d.json" -q --policy "$T_TMP/p.json" --ttl-days 2
assert_eq "$(days_between "$(jq -r .created_at "$T_TMP/d.json")" "$(jq -r .expires_at "$T_TMP/d.json")")" \
    "2.0" "--ttl-days wins over the policy"

printf '{"format": "silhouette.sampler-policy", "version": 1, "ttl_days": 0}\n' >"$T_TMP/bad.json"
expect_exit 2 "ttl_days 0 refused" -- "$SAMPLER" --dsn "dbname=hr user=sampler_ro" --key-file "$KEY" \
    -o "$T_TMP/e.json" --policy "$T_TMP/bad.json"
assert_contains "$T_ERR" "ttl_days" "the error names the key"
expect_exit 2 "--ttl-days 0 refused" -- "$SAMPLER" --dsn "dbname=hr user=sampler_ro" --key-file "$KEY" \
    -o "$T_TMP/e.json" --ttl-days 0
[ -e "$T_TMP/e.json" ] && t_fail "a refused run wrote a shape" || t_pass "no shape from refused runs"

# The expiry is sealed: editing it breaks the checksum.
sed 's/"expires_at": "[0-9]\{4\}/"expires_at": "2999/' "$T_TMP/a.json" >"$T_TMP/edited.json"
expect_exit 2 "an edited expiry is detected" -- "$SHAPE_TOOL" canon "$T_TMP/edited.json"
assert_contains "$T_ERR" "checksum does not match" "the checksum catches it"
t_done
