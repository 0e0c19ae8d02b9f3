# Real generator outputs load: the hr, chat and financial shapes and the background template,
# in copy, csv (chunked), jsonl and zstd; a cycle of foreign keys broken by a deferred key and a
# self-reference; the shards of one output given together. Every run is COMPLETED with the
# manifest's row counts, every key validated, and teardown leaves no schema.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

GEN=$SIL_BIN/generator
[ -x "$GEN" ] || t_skip "generator not built at $GEN"
[ -x "$PG_BINDIR/initdb" ] || t_skip "PostgreSQL 15 not installed (make deps)"
pg_start || exit 1
mkdb staging
D=dbname=staging

# gen NAME ARGS...: a generator output in $T_TMP/NAME.
gen() {
    local name=$1
    shift
    expect_exit 0 "$name: generate" -- "$GEN" "$@" --seed 7 --no-progress -o "$T_TMP/$name"
}

# manifest_rows DIR...: "schema.table rows" per table, rows summed over the directories.
manifest_rows() {
    python3 -c '
import json, sys
rows = {}
for d in sys.argv[1:]:
    for t in json.load(open(d + "/manifest.json"))["tables"]:
        k = t["schema"] + "." + t["name"]
        rows[k] = rows.get(k, 0) + t["rows"]
for k in sorted(rows):
    print(k, rows[k])' "$@"
}

# shape_count DIR KIND: primary keys (p) or foreign keys (f) in DIR/shape.json.
shape_count() {
    python3 -c '
import json, sys
s = json.load(open(sys.argv[1] + "/shape.json"))
if sys.argv[2] == "f":
    print(sum(len(t.get("foreign_keys", [])) for t in s["tables"]))
else:
    print(sum(bool(t.get("primary_key")) for t in s["tables"]))' "$1" "$2"
}

# loaded NAME DIR...: load, check status, rows, keys; sets RUN and SCHEMA.
loaded() {
    local name=$1
    shift
    expect_exit 0 "$name: load" -- "$LOADER" load "$@" --dsn "$D" --jobs 2
    RUN=$(run_of)
    SCHEMA=$(schema_of)
    [ -n "$RUN" ] || { t_fail "$name: no run id in: $T_OUT"; return; }
    assert_eq "$(run_status staging "$RUN")" COMPLETED "$name: load_runs says COMPLETED"
    local want got
    want=$(manifest_rows "$@")
    got=$(pg_value "SELECT string_agg(key || ' ' || value, E'\n' ORDER BY key)
                    FROM silhouette_meta.load_runs, jsonb_each_text(rows) WHERE run_id = '$RUN'" staging)
    assert_eq "$got" "$want" "$name: rows recorded equal the manifest"
    got=$(printf '%s\n' "$want" | while read -r t n; do
        c=$(pg_value "SELECT count(*) FROM \"$SCHEMA\".\"${t#*.}\"" staging)
        echo "$t $c"
    done)
    assert_eq "$got" "$want" "$name: count(*) of every table equals the manifest"
    for kind in p f; do
        got=$(pg_value "SELECT count(*) || '/' || count(*) FILTER (WHERE c.convalidated)
                        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                        WHERE c.contype = '$kind' AND n.nspname = '$SCHEMA'" staging)
        want=$(shape_count "$1" $kind)
        assert_eq "$got" "$want/$want" "$name: every constraint of kind $kind present and validated"
    done
}

# torn NAME: teardown of $RUN leaves no schema.
torn() {
    expect_exit 0 "$1: teardown" -- "$LOADER" teardown --dsn "$D" --run "$RUN"
    assert_eq "$(schema_exists staging "$SCHEMA")" 0 "$1: schema dropped"
    assert_eq "$(run_status staging "$RUN")" TORN_DOWN "$1: run TORN_DOWN"
}

# The shapes and the template, in several formats.
gen hr -s tests/shapes/hr.shape.json
loaded hr "$T_TMP/hr"
torn hr
gen hr-csv -s tests/shapes/hr.shape.json --format csv --chunk-rows 64
loaded hr-csv "$T_TMP/hr-csv"
torn hr-csv
gen chat -s tests/shapes/chat.shape.json --scale 0.02
loaded chat "$T_TMP/chat"
chat_sums=$(table_sums staging "$SCHEMA")
torn chat
gen chat-jsonl -s tests/shapes/chat.shape.json --scale 0.02 --format jsonl
loaded chat-jsonl "$T_TMP/chat-jsonl"
assert_eq "$(table_sums staging "$SCHEMA")" "$chat_sums" "chat-jsonl: same tables as copy"
torn chat-jsonl
gen financial -s tests/shapes/financial.shape.json --scale 0.02 --compress zstd
loaded financial "$T_TMP/financial"
torn financial
gen background -t tests/generator/background-template.json --format csv
loaded background "$T_TMP/background"
torn background

# A cycle broken at a nullable key (departments.head_id, deferred) and a self-reference.
cat >"$T_TMP/cycle.json" <<'JSON'
{"entities": [
  {"name": "departments", "row_count": 1500, "fields": [
    {"name": "id", "type": "integer", "primary_key": true},
    {"name": "name", "type": "string"},
    {"name": "head_id", "type": "integer", "foreign_key": "employees.id", "nullable": true}]},
  {"name": "employees", "row_count": 3500, "fields": [
    {"name": "id", "type": "integer", "primary_key": true},
    {"name": "department_id", "type": "integer", "foreign_key": "departments.id"},
    {"name": "manager_id", "type": "integer", "foreign_key": "employees.id", "nullable": true}]}]}
JSON
gen cycle -t "$T_TMP/cycle.json"
assert_contains "$(cat "$T_TMP/cycle/manifest.json")" '"deferred_foreign_keys": ["departments_head_id_fkey"]' \
    "cycle: the manifest defers departments.head_id"
loaded cycle "$T_TMP/cycle"
# the loaded rows are the data files byte for byte (integer keys are row + 1)
for t in departments employees; do
    psql -X -q -d staging -c "COPY (SELECT * FROM \"$SCHEMA\".$t ORDER BY id) TO STDOUT" >"$T_TMP/$t.db"
    if cmp -s "$T_TMP/$t.db" "$T_TMP/cycle/data/public.$t.copy"; then
        t_pass "cycle: $t holds exactly its data file"
    else
        t_fail "cycle: $t differs from its data file"
    fi
done
heads=$(awk -F'\t' '$3 != "\\N"' "$T_TMP/cycle/data/public.departments.copy" | wc -l)
[ "$heads" -gt 0 ] || t_fail "cycle: the deferred key is NULL in every row"
assert_eq "$(pg_value "SELECT count(head_id) FROM \"$SCHEMA\".departments" staging)" "$heads" \
    "cycle: every deferred key value loaded"
assert_eq "$(pg_value "SELECT count(*) FROM \"$SCHEMA\".departments d JOIN \"$SCHEMA\".employees e ON e.id = d.head_id" staging)" \
    "$heads" "cycle: every deferred key finds its employee"
assert_eq "$(pg_value "SELECT convalidated FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                       WHERE n.nspname = '$SCHEMA' AND conname = 'departments_head_id_fkey'" staging)" t \
    "cycle: the deferred key is a validated constraint"
cycle_sums=$(table_sums staging "$SCHEMA")
torn cycle

# Shards: given together, in any order, they load as the unsharded output.
for k in 1 2 3; do
    gen "cycle-s$k" -t "$T_TMP/cycle.json" --format csv --chunk-rows 1000 --shard "$k/3"
done
loaded cycle-shards "$T_TMP/cycle-s3" "$T_TMP/cycle-s1" "$T_TMP/cycle-s2"
assert_eq "$(table_sums staging "$SCHEMA")" "$cycle_sums" "cycle-shards: same tables as the unsharded output"
report=$T_TMP/cycle-s1/loads/$RUN.json
assert_contains "$(cat "$report")" '"shards": [' "cycle-shards: the report lists the shard directories"
torn cycle-shards
for k in 1 2; do
    gen "chat-s$k" -s tests/shapes/chat.shape.json --scale 0.02 --shard "$k/2"
done
loaded chat-shards "$T_TMP/chat-s1" "$T_TMP/chat-s2"
assert_eq "$(table_sums staging "$SCHEMA")" "$chat_sums" "chat-shards: same tables as the unsharded output"
torn chat-shards

# What is not one whole output is refused before any connection.
before=$(catalog staging)
expect_exit 2 "a lone shard" -- "$LOADER" load "$T_TMP/cycle-s2" --dsn "$D"
assert_contains "$T_ERR" "is shard 2 of 3 of an output; a shard alone cannot satisfy its foreign keys" \
    "lone shard: says why"
assert_contains "$T_ERR" "hint: give all 3 shard directories in one load" "lone shard: says what to do"
expect_exit 2 "a shard missing" -- "$LOADER" load "$T_TMP/cycle-s1" "$T_TMP/cycle-s3" --dsn "$D"
assert_contains "$T_ERR" "is shard 1 of 3, but 2 output directories were given" "missing shard: says so"
expect_exit 2 "a shard twice" -- "$LOADER" load "$T_TMP/cycle-s1" "$T_TMP/cycle-s2" "$T_TMP/cycle-s2" --dsn "$D"
assert_contains "$T_ERR" "shard 2 of 3 is given twice" "shard twice: says so"
expect_exit 0 "other seed: generate" -- "$GEN" -t "$T_TMP/cycle.json" --format csv --chunk-rows 1000 \
    --shard 3/3 --seed 8 --no-progress -o "$T_TMP/cycle-x3"
expect_exit 2 "shards of two outputs" -- "$LOADER" load "$T_TMP/cycle-s1" "$T_TMP/cycle-s2" "$T_TMP/cycle-x3" --dsn "$D"
assert_contains "$T_ERR" "are not shards of the same output: they differ in their seed" "mixed shards: names the difference"
expect_exit 2 "an unsharded output with a shard" -- "$LOADER" load "$T_TMP/hr" "$T_TMP/cycle-s1" --dsn "$D"
assert_contains "$T_ERR" "is shard 1 of 1, but 2 output directories were given" "unsharded with a shard: says so"

# Strict: a key the format does not have is refused, naming it.
cp -r "$T_TMP/hr" "$T_TMP/hr-extra"
python3 - "$T_TMP/hr-extra/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["sizing"]["tables"][0]["weight"] = 1
json.dump(m, open(sys.argv[1], "w"))
PY
expect_exit 2 "unknown manifest key" -- "$LOADER" load "$T_TMP/hr-extra" --dsn "$D"
assert_contains "$T_ERR" 'sizing.tables[0]: unknown key "weight"' "unknown key: names its place"
gen chat-sql -s tests/shapes/hr.shape.json --format sql
expect_exit 2 "sql output" -- "$LOADER" load "$T_TMP/chat-sql" --dsn "$D"
assert_contains "$T_ERR" "the output's data files are SQL, which the loader never executes" "sql: says why"
assert_eq "$(catalog staging)" "$before" "refused loads changed nothing"

assert_eq "$(pg_value "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'sil\_%'" staging)" 0 \
    "no run schema left"
assert_eq "$(pg_value "SELECT count(*) FROM silhouette_meta.load_runs WHERE status <> 'TORN_DOWN'" staging)" 0 \
    "every run torn down"
t_done
