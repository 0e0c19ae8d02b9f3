# Sizing: the source's counts by default, --scale, --rows, --derive, named
# bands from policies/bands.json, and --max-rows clamps recorded in the manifest.
. tests/harness/lib.sh

gen=$SIL_BIN/generator
chat=tests/shapes/chat.shape.json

# rows DIR: "table rows source" for every table in the manifest.
rows() {
    python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
src = {t["table"]: t["source"] for t in m["sizing"]["tables"]}
for t in m["tables"]:
    print(t["name"], t["total_rows"], src[t["name"]])' "$1"
}

expect_exit 0 "source sizing" -- "$gen" -s tests/shapes/hr.shape.json -o "$T_TMP/src" -q
assert_eq "$(rows "$T_TMP/src" | tr '\n' ' ')" "departments 5 source offices 3 source teams 10 source employees 200 source compensation 200 source " "source counts, in load order"

expect_exit 0 "--scale 0.025" -- "$gen" -s tests/shapes/financial.shape.json -o "$T_TMP/scale" --scale 0.025 -q
assert_eq "$(rows "$T_TMP/scale" | tr '\n' ' ')" "party 2500 scale account 2500 scale product 2500 scale payment 2500 scale " "scaled counts"
expect_exit 2 "--scale past a unique column's values" -- "$gen" -s tests/shapes/hr.shape.json -o "$T_TMP/scale2" --scale 2.5
assert_contains "$T_ERR" 'unique column "name" (categories) has at most 5 possible values for 13 rows' "scaling cannot break a unique key"

expect_exit 0 "--rows with --derive" -- "$gen" -s "$chat" -o "$T_TMP/der" --rows messages=50000 --rows public.users=1000 --derive -q
r=$(rows "$T_TMP/der")
assert_contains "$r" "users 1000 rows" "--rows by schema.table"
assert_contains "$r" "messages 50000 rows" "--rows by table"
assert_contains "$r" "conversations 1599 derived" "conversations follow the 1000 users at 1.6 each"
att=$(awk '$1 == "attachments" {print $2}' <<<"$r")
rr=$(awk '$1 == "read_receipts" {print $2}' <<<"$r")
[ "$att" -gt 5500 ] && [ "$att" -lt 6500 ] && t_pass "attachments derived from 50000 messages at 0.12 each ($att)" || t_fail "attachments derived: $att"
[ "$rr" -gt 85000 ] && [ "$rr" -lt 95000 ] && t_pass "read receipts derived at 1.8 per message ($rr)" || t_fail "read receipts derived: $rr"
assert_contains "$r" "attachments $att derived" "manifest says derived"

expect_exit 0 "dev band, clamped" -- "$gen" -s "$chat" -o "$T_TMP/band" --band dev --max-rows 30000 -q
r=$(rows "$T_TMP/band")
assert_contains "$r" "users 5000 band" "band: users"
assert_contains "$r" "conversations 8000 band" "band: conversations"
assert_contains "$r" "messages 30000 band" "band: messages clamped to --max-rows"
m=$(cat "$T_TMP/band/manifest.json")
assert_contains "$m" '"band": "dev"' "manifest names the band"
assert_contains "$m" '"requested": 5000000' "clamp records the request"
assert_contains "$m" '"reason": "--max-rows 30000"' "clamp records why"
assert_contains "$m" '"max_rows": 30000' "manifest records the guardrail"
# Children follow the clamped parent, not the requested one.
att=$(awk '$1 == "attachments" {print $2}' <<<"$r")
[ "$att" -lt 30000 ] && t_pass "children derived from the clamped parent ($att)" || t_fail "attachments: $att"

# A bands file of one's own.
cat >"$T_TMP/bands.json" <<'JSON'
{"format": "silhouette.bands", "version": 1, "bands": {"tiny": {"tables": {"employees": 20, "departments": 2}, "derive": false, "max_rows": 15}}}
JSON
expect_exit 0 "--bands FILE" -- "$gen" -s tests/shapes/hr.shape.json -o "$T_TMP/own" --bands "$T_TMP/bands.json" --band tiny -q
r=$(rows "$T_TMP/own")
assert_contains "$r" "employees 15 band" "band max_rows clamps"
assert_contains "$r" "departments 2 band" "band sizes a table"
assert_contains "$(cat "$T_TMP/own/manifest.json")" '"reason": "band max_rows 15"' "band clamp reason"
t_done
