# Shapes sampled live from the fixture databases: generate, pass the quality
# gates, and load with plain psql with every foreign key and check holding.
. tests/harness/lib.sh
. tests/harness/pg.sh

B=$SIL_BIN
pg_start || { t_fail "pg_start"; t_done; }
"$B/sampler" keygen --out "$T_TMP/key" >/dev/null || { t_fail "keygen"; t_done; }
# The sampler refuses superusers: a read-only role, as in production.
psql -X -q -c "CREATE ROLE sampled_reader LOGIN; GRANT pg_read_all_data TO sampled_reader" ||
    { t_fail "reader role"; t_done; }

sampled() { # NAME LOADER...
    local name=$1 db=prod_$1
    shift
    if ! "$@" >"$T_TMP/$name.load.log" 2>&1; then
        grep -q '^skip:' "$T_TMP/$name.load.log" && { echo "note: $name skipped (fixture absent)"; return 0; }
        t_fail "$name: loading the fixture"
        return 0
    fi
    local dir=$T_TMP/$name locale=()
    [ "$name" = hr ] && locale=(--locale sv_SE)
    mkdir -p "$dir"
    expect_exit 0 "$name: sampler" -- "$B/sampler" --dsn "dbname=$db user=sampled_reader" --key-file "$T_TMP/key" \
        "${locale[@]}" --out "$dir/shape.json" --audit-log "$dir/audit.jsonl" -q
    expect_exit 0 "$name: generator" -- "$B/generator" --shape "$dir/shape.json" --seed 7 \
        --out "$dir/out" -q
    [ -f "$dir/out/manifest.json" ] || return 0
    expect_exit 0 "$name: every quality gate passes" -- "$B/generator" report "$dir/out" -q
    # Plain psql, as docs/output-format.md says: schema.sql creates the
    # tables, copies the data and then adds every key and check.
    createdb "load_$name"
    expect_exit 0 "$name: schema.sql loads with every key and check" -- \
        sh -c 'cd "$1" && psql -X -q -v ON_ERROR_STOP=1 -1 -d "$2" -f schema.sql' _ \
        "$dir/out" "load_$name"
    local want got
    want=$(jq '[.tables[] | (.foreign_keys // [])[]] | length' "$dir/shape.json")
    got=$(psql -X -Atq -d "load_$name" -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated")
    assert_eq "$got" "$want" "$name: every foreign key of the shape is in place and valid"
    want=$(jq '[.tables[] | (.checks // [])[]] | length' "$dir/shape.json")
    got=$(psql -X -Atq -d "load_$name" -c "SELECT count(*) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid WHERE c.contype = 'c' AND r.relkind IN ('r', 'p')")
    assert_eq "$got" "$want" "$name: every table check of the shape is in place"
    rm -rf "$dir/out"
}

sampled hr tests/fixtures/load.sh hr prod_hr
sampled chat tests/fixtures/load.sh chat prod_chat
sampled financial tests/fixtures/load.sh financial prod_financial
for s in chinook northwind clubdata hr; do
    sampled "s_$s" pg_load_shared_fixture "$s" "prod_s_$s"
done
t_done
