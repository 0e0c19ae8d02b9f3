# Bad input and failures: a clear message, the documented exit code, and
# nothing left behind that looks like an output directory.
. tests/harness/lib.sh

gen=$SIL_BIN/generator
chat=tests/shapes/chat.shape.json

# nothing_left DIR WHAT: neither DIR nor a temp sibling remains.
nothing_left() {
    local parent base
    parent=$(dirname "$1")
    base=$(basename "$1")
    if [ -e "$1" ] || ls -a "$parent" | grep -q "^\.$base\.tmp-"; then
        t_fail "$2: output left behind: $(ls -a "$parent")"
    else
        t_pass "$2: nothing left behind"
    fi
}

o=$T_TMP/gen-out
head -c 400 "$chat" >"$T_TMP/cut.json"
expect_exit 2 "truncated shape" -- "$gen" -s "$T_TMP/cut.json" -o "$o"
assert_contains "$T_ERR" "cannot read shape '$T_TMP/cut.json'" "names the shape file"
assert_contains "$T_ERR" "truncated" "says truncated"
nothing_left "$o" "truncated shape"

python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s.pop("checksum")
s["tables"][2]["foreign_keys"][0]["references"]["table"] = "conversationz"
json.dump(s, open(sys.argv[2], "w"))' "$chat" "$T_TMP/fk.json"
expect_exit 2 "shape with a foreign key to a missing table" -- "$gen" -s "$T_TMP/fk.json" -o "$o"
assert_contains "$T_ERR" 'foreign key references unknown table "public.conversationz"' "names the missing table"
assert_contains "$T_ERR" "tables[2].foreign_keys[0].references.table" "names the JSON path"

printf '{"entities": [{"name": "a", "fields": [{"name": "id", "primary_key": true}]}' >"$T_TMP/t1.json"
expect_exit 2 "truncated template" -- "$gen" -t "$T_TMP/t1.json" -o "$o"
assert_contains "$T_ERR" "cannot read template '$T_TMP/t1.json'" "names the template"
nothing_left "$o" "truncated template"

cat >"$T_TMP/t2.json" <<'JSON'
{"entities": [
  {"name": "employees", "row_count": 5, "fields": [
    {"name": "id", "primary_key": true},
    {"name": "teamId", "foreign_key": "teams.id"}]}]}
JSON
expect_exit 2 "template foreign key to a missing table" -- "$gen" -t "$T_TMP/t2.json" -o "$o"
assert_contains "$T_ERR" "cannot use template '$T_TMP/t2.json': entities[0].fields[1].foreign_key: foreign key references unknown table \"teams\"" "names file, path and table"
assert_contains "$T_ERR" 'hint: add an entity named "teams"' "says what to do"

cat >"$T_TMP/t3.json" <<'JSON'
{"entities": [{"name": "a", "row_count": 5, "fields": [{"name": "id", "primary_key": true},
  {"name": "flag", "type": "boolean", "unique": true}]}]}
JSON
expect_exit 2 "unique column with too few values" -- "$gen" -t "$T_TMP/t3.json" -o "$o"
assert_contains "$T_ERR" 'unique column "flag" (boolean) has at most 2 possible values for 5 rows' "explains the impossible constraint"
nothing_left "$o" "impossible constraint"

expect_exit 2 "NOT NULL foreign key to an empty parent" -- "$gen" -s "$chat" -o "$o" --rows users=0
assert_contains "$T_ERR" 'NOT NULL foreign key "conversations_created_by_fkey" references "public.users", which gets no rows' "names the foreign key"

cat >"$T_TMP/t4.json" <<'JSON'
{"entities": [
  {"name": "a", "row_count": 3, "fields": [{"name": "id", "primary_key": true}, {"name": "b_id", "foreign_key": "b.id"}]},
  {"name": "b", "row_count": 3, "fields": [{"name": "id", "primary_key": true}, {"name": "a_id", "foreign_key": "a.id"}]}]}
JSON
expect_exit 2 "cycle without a nullable key" -- "$gen" -t "$T_TMP/t4.json" -o "$o"
assert_contains "$T_ERR" "foreign keys form a cycle with no nullable or deferrable column: a -> b -> a" "names the cycle"
sed 's/"foreign_key": "b.id"}/"foreign_key": "b.id", "nullable": true}/' "$T_TMP/t4.json" >"$T_TMP/t5.json"
expect_exit 0 "cycle broken through the nullable key" -- "$gen" -t "$T_TMP/t5.json" -o "$o"
assert_contains "$(cat "$o/manifest.json")" '"deferred_foreign_keys": ["a_b_id_fkey"]' "manifest records the deferred key"
rm -rf "$o"

printf '{"entities": [{"name": "s", "row_count": 40000, "fields": [{"name": "id", "type": "smallint", "primary_key": true}]}]}' >"$T_TMP/t6.json"
expect_exit 2 "smallint key with too many rows" -- "$gen" -t "$T_TMP/t6.json" -o "$o"
assert_contains "$T_ERR" 'unique column "id" (smallint) has at most 32767 possible values for 40000 rows' "explains the key range"
expect_exit 2 "unknown table in --rows" -- "$gen" -s "$chat" -o "$o" --rows nosuch=5
assert_contains "$T_ERR" '--rows nosuch=5: no table "nosuch" in the shape' "names the unknown table"
expect_exit 2 "unknown band" -- "$gen" -s "$chat" -o "$o" --band huge
assert_contains "$T_ERR" 'unknown band "huge"' "names the band"
assert_contains "$T_ERR" "dev, staging, perf" "lists the bands"
expect_exit 2 "band for another source" -- "$gen" -s tests/shapes/hr.shape.json -o "$o" --band dev
assert_contains "$T_ERR" 'band "dev" sizes table "public.users", which the shape does not have' "explains the mismatch"
expect_exit 2 "no input" -- "$gen" -o "$o"
assert_contains "$T_ERR" "give --shape FILE, --template FILE or both" "says what is missing"
expect_exit 2 "bad --shard" -- "$gen" -s "$chat" -o "$o" --shard 5/4
expect_exit 2 "sql chunks off the statement grid" -- "$gen" -s "$chat" -o "$o" --format sql --chunk-rows 1500
expect_exit 2 "calibrate with a stray argument" -- "$gen" calibrate "$o"
assert_contains "$T_ERR" "unexpected argument '$o'" "says so"

# An existing output directory is refused, and replaced only with --force.
mkdir -p "$o" && echo keep >"$o/marker"
expect_exit 2 "existing output refused" -- "$gen" -t "$T_TMP/t5.json" -o "$o"
assert_contains "$T_ERR" "output directory '$o' exists" "names the directory"
assert_contains "$T_ERR" "--force" "hints at --force"
assert_eq "$(cat "$o/marker")" keep "existing directory untouched"
expect_exit 0 "--force replaces it" -- "$gen" -t "$T_TMP/t5.json" -o "$o" --force
[ -f "$o/manifest.json" ] && [ ! -e "$o/marker" ] && t_pass "--force: new directory in place" || t_fail "--force did not replace the directory"
[ -z "$(ls -a "$T_TMP" | grep '^\.gen-out\.old-')" ] && t_pass "--force: old directory removed" || t_fail "--force left the old directory"
rm -rf "$o"

# Disk full: a file size limit makes writes fail (EFBIG) like a full disk.
expect_exit 1 "write failure" -- bash -c "trap '' XFSZ; ulimit -f 2000; exec '$gen' -s '$chat' -o '$o' -q"
assert_contains "$T_ERR" "cannot write '" "names the file that failed"
nothing_left "$o" "write failure"

# A really full disk, where a small tmpfs can be mounted (root with the right).
mkdir -p "$T_TMP/tiny"
if mount -t tmpfs -o size=2m tmpfs "$T_TMP/tiny" 2>/dev/null; then
    expect_exit 1 "disk full" -- "$gen" -s "$chat" -o "$T_TMP/tiny/out" -q
    assert_contains "$T_ERR" "No space left on device" "says the disk is full"
    assert_contains "$T_ERR" "hint: the disk is full" "says what to do"
    assert_eq "$(ls -A "$T_TMP/tiny")" "" "disk full: nothing left behind"
    umount "$T_TMP/tiny"
else
    echo "note: cannot mount a small tmpfs here: the real disk-full case is not checked" >&2
fi

# Check constraints: one outside the expression grammar is refused by name;
# one the generator cannot shape is evaluated on every row, and a row that
# fails stops the run (here row 1049, which the plan-time sample skips).
# check_shape EXPR ROWS FILE: a one-table shape (id, a) with that check.
check_shape() {
    python3 -c '
import json, sys
s = json.load(open("tests/shapes/checks.shape.json"))
s["domains"] = []
s.pop("checksum", None)
s["tables"] = [{"schema": "public", "name": "t", "kind": "table",
  "rows": {"count": int(sys.argv[2]), "method": "exact", "sampled": 0}, "primary_key": ["id"],
  "checks": [{"name": "t_check", "expression": sys.argv[1]}],
  "columns": [{"name": "id", "type": {"name": "integer"}, "nullable": False, "classification": "identifier"},
              {"name": "a", "type": {"name": "integer"}, "nullable": False, "classification": "public",
               "stats": {"null_fraction": 0, "quantiles": [[0, -50], [1, -10]]}}]}]
json.dump(s, open(sys.argv[3], "w"))' "$1" "$2" "$3"
}
check_shape "(a > 0); DROP TABLE t" 10 "$T_TMP/ck1.json"
expect_exit 2 "check outside the grammar" -- "$gen" -s "$T_TMP/ck1.json" -o "$o"
assert_contains "$T_ERR" 'table "public.t": check constraint "t_check" cannot be used: expression "(a > 0); DROP TABLE t" refused at position 8' "names table, constraint, expression and position"
assert_contains "$T_ERR" "hint: " "says what to do"
nothing_left "$o" "check outside the grammar"
check_shape "((a > 0) OR (b > 0))" 10 "$T_TMP/ck2.json"
expect_exit 2 "check naming a missing column" -- "$gen" -s "$T_TMP/ck2.json" -o "$o"
assert_contains "$T_ERR" 'check constraint "t_check" cannot be used' "refuses a check on a missing column"
assert_contains "$T_ERR" '"b"' "names the column"
check_shape "(a > 0)" 10 "$T_TMP/ck3.json"
expect_exit 0 "a range crossing the whole distribution is shaped" -- "$gen" -s "$T_TMP/ck3.json" -o "$o"
assert_eq "$(cut -f2 "$o/data/public.t.copy" | sort -n | head -n1)" 1 "values moved inside the check"
rm -rf "$o"
check_shape "((id < 1050) OR (id > 1050))" 100000 "$T_TMP/ck4.json"
expect_exit 2 "a row failing an unshaped check" -- "$gen" -s "$T_TMP/ck4.json" -o "$o" --threads 2
assert_contains "$T_ERR" 'table "public.t": generated row 1049 fails check constraint "t_check" "((id < 1050) OR (id > 1050))"' "names the table, row, constraint and expression"
nothing_left "$o" "row failing a check"
expect_exit 2 "the same with one thread" -- "$gen" -s "$T_TMP/ck4.json" -o "$o" --threads 1
assert_contains "$T_ERR" 'generated row 1049 fails check constraint' "one thread finds the same row"
check_shape "((a > 0) OR (id > 50))" 100 "$T_TMP/ck5.json"
expect_exit 2 "a check failing in the plan-time sample" -- "$gen" -s "$T_TMP/ck5.json" -o "$o" -q
assert_contains "$T_ERR" "cannot plan the output: table \"public.t\": generated row 0 fails check constraint" "fails before writing"
nothing_left "$o" "check failing at plan time"
check_shape "((a < 0) OR (id > 0))" 100 "$T_TMP/ck5.json"
expect_exit 0 "an unshaped check that holds" -- "$gen" -s "$T_TMP/ck5.json" -o "$o" -q
rm -rf "$o"
check_shape "((a > 0) AND (a < 1))" 10 "$T_TMP/ck6.json"
expect_exit 2 "a check no integer meets" -- "$gen" -s "$T_TMP/ck6.json" -o "$o.2"
assert_contains "$T_ERR" 'its range is empty' "says the range is empty"

# Interrupted: SIGINT during a long run leaves nothing.
"$gen" -s "$chat" -o "$o" -q --band dev --threads 1 2>"$T_TMP/int.err" &
pid=$!
for _ in $(seq 1 50); do
    ls -a "$T_TMP" | grep -q '^\.gen-out\.tmp-' && break
    sleep 0.1
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
assert_eq "$?" 130 "interrupted run exits 130"
assert_contains "$(cat "$T_TMP/int.err")" "interrupted" "says it was interrupted"
nothing_left "$o" "interrupted run"
t_done
