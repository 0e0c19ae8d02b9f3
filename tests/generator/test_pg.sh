# Generated data loads into PostgreSQL with every key and check constraint in
# place (zero orphans, no duplicates, checks hold), and children per parent
# follow each fixture shape within a KS distance of 0.05.
. tests/harness/lib.sh
. tests/harness/pg.sh

gen=$SIL_BIN/generator
ks=$SIL_BUILD/tests/gen-fanout-ks
[ -x "$PG_BINDIR/initdb" ] || t_skip "PostgreSQL 15 not installed (make deps)"
pg_start || t_skip "cannot start a throwaway PostgreSQL"
n=0

# load DIR WHAT: run DIR/schema.sql in a new database; sets DB.
load() {
    n=$((n + 1))
    DB=gen$n
    psql -X -q -c "CREATE DATABASE $DB" >/dev/null
    if (cd "$1" && psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f schema.sql) >"$T_TMP/load.log" 2>&1; then
        t_pass "$2 loads with all constraints"
    else
        t_fail "$2: schema.sql failed: $(tail -n 3 "$T_TMP/load.log")"
    fi
}

# counts DIR: every table's row count equals the manifest's.
counts() {
    python3 -c '
import json, sys
for t in json.load(open(sys.argv[1] + "/manifest.json"))["tables"]:
    print(t["name"], t["rows"])' "$1" | while read -r t rows; do
        got=$(pg_value "SELECT count(*) FROM \"$t\"" "$DB")
        [ "$got" = "$rows" ] || echo "$t: $got rows loaded, manifest says $rows"
    done
}

for s in chat hr financial chinook; do
    out=$T_TMP/$s
    expect_exit 0 "$s: generate" -- "$gen" -s "tests/shapes/$s.shape.json" -o "$out" --seed 3
    load "$out" "$s"
    assert_eq "$(counts "$out")" "" "$s: loaded counts match the manifest"
    want=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(sum(bool(t.get("primary_key")) + len(t.get("unique", [])) + len(t.get("checks", []))
          + len(t.get("foreign_keys", [])) for t in s["tables"]))' "tests/shapes/$s.shape.json")
    got=$(pg_value "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                    WHERE n.nspname = 'public' AND c.contype IN ('p','u','c','f')" "$DB")
    assert_eq "$got" "$want" "$s: every key and check constraint is in place"
    expect_exit 0 "$s: children per parent within KS 0.05, no orphans" -- "$ks" "$out" 0.05
    [ "$s" = chat ] && echo "$T_OUT" >&2
done

# The HR template example loads the same way.
out=$T_TMP/hrt
expect_exit 0 "HR template: generate" -- "$gen" -t docs/examples/hr-template.json -o "$out"
load "$out" "HR template"
assert_eq "$(pg_value "SELECT count(*) FROM employees e LEFT JOIN teams t ON t.id = e.\"teamId\" WHERE t.id IS NULL" "$DB")" 0 "HR template: zero orphans"
assert_eq "$(pg_value "SELECT count(*) FROM pg_constraint WHERE contype = 'f'" "$DB")" 5 "HR template: five foreign keys"

# Other formats load too: CSV, INSERT statements, zstd-compressed COPY.
for f in "--format csv" "--format sql" "--compress zstd" "--format csv --compress zstd --chunk-rows 7000"; do
    out=$T_TMP/fmt$n
    # shellcheck disable=SC2086
    expect_exit 0 "chat $f: generate" -- "$gen" -s tests/shapes/chat.shape.json -o "$out" --rows messages=20000 --derive $f
    load "$out" "chat $f"
    assert_eq "$(counts "$out")" "" "chat $f: loaded counts match the manifest"
done
t_done
