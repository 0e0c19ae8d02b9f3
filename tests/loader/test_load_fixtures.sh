# The four shared fixtures load, verify and tear down; the same output loaded twice, and in
# other formats (csv, jsonl, zstd, chunked, one or two jobs), gives identical tables.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

FIX=${SIL_SHARED_FIXTURES:-$SIL_ROOT/../shared/fixtures}
[ -x "$FIX/hr/load.sh" ] || t_skip "shared fixtures not found at $FIX"
pg_start || exit 1
mkdb staging
DSN="dbname=staging"

for fx in chinook northwind clubdata hr; do
    pg_load_shared_fixture "$fx" "src_$fx" || t_fail "cannot load fixture $fx"
    out=$T_TMP/$fx
    $MKOUT --db "src_$fx" --out "$out" || { t_fail "$fx: mkout failed"; continue; }

    expect_exit 0 "$fx: load" -- "$LOADER" load "$out" --dsn "$DSN" --jobs 2
    run1=$(run_of)
    s1=$(schema_of)
    assert_contains "$T_OUT" "COMPLETED run=" "$fx: completed"
    assert_eq "$(run_status staging "$run1")" COMPLETED "$fx: load_runs says COMPLETED"
    report=$out/loads/$run1.json
    assert_contains "$(cat "$report")" '"status": "COMPLETED"' "$fx: report says COMPLETED"
    assert_contains "$(cat "$report")" '"copy-freeze"' "$fx: report names the fast paths"
    [ -f "$out/loads/$run1.teardown.sql" ] && t_pass "$fx: teardown.sql written" ||
        t_fail "$fx: no teardown.sql"

    # rows per table equal the source, and the load_runs row says so
    src_schemas=$(pg_value "SELECT string_agg(DISTINCT quote_literal(n.nspname), ',') FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')" "src_$fx")
    want=$(pg_value "SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ($src_schemas)" "src_$fx")
    got=$(pg_value "SELECT sum(value::bigint) FROM silhouette_meta.load_runs, jsonb_each_text(rows) WHERE run_id = '$run1'" staging)
    assert_eq "$got" "$want" "$fx: rows recorded equal the source's"

    # checks re-created exactly as PostgreSQL printed them in the source
    src_checks=$(pg_value "SELECT string_agg(conname || '=' || pg_get_constraintdef(oid), ' | ' ORDER BY conname)
        FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0" "src_$fx")
    run_checks=$(pg_value "SELECT string_agg(conname || '=' || pg_get_constraintdef(c.oid), ' | ' ORDER BY conname)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE contype = 'c' AND n.nspname = '$s1'" staging)
    assert_eq "$run_checks" "$src_checks" "$fx: check constraints identical to the source"
    for kind in p u f; do
        a=$(pg_value "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE contype = '$kind' AND n.nspname IN ($src_schemas)" "src_$fx")
        b=$(pg_value "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE contype = '$kind' AND c.convalidated AND n.nspname = '$s1'" staging)
        assert_eq "$b" "$a" "$fx: constraints of kind $kind created and validated"
    done

    # a second run of the same output gives identical tables
    expect_exit 0 "$fx: second load" -- "$LOADER" load "$out" --dsn "$DSN" --jobs 1
    run2=$(run_of)
    s2=$(schema_of)
    sums1=$(table_sums staging "$s1")
    assert_eq "$(table_sums staging "$s2")" "$sums1" "$fx: second run has identical table checksums"
    [ -n "$sums1" ] || t_fail "$fx: no tables in $s1"

    # teardown by run id, twice
    expect_exit 0 "$fx: teardown" -- "$LOADER" teardown --dsn "$DSN" --run "$run1"
    assert_contains "$T_OUT" "schema dropped, run marked TORN_DOWN" "$fx: teardown says what it did"
    assert_eq "$(schema_exists staging "$s1")" 0 "$fx: schema gone"
    assert_eq "$(run_status staging "$run1")" TORN_DOWN "$fx: run TORN_DOWN"
    expect_exit 0 "$fx: teardown again" -- "$LOADER" teardown --dsn "$DSN" --run "$run1"
    assert_contains "$T_OUT" "already torn down" "$fx: teardown is idempotent"

    # the standalone teardown.sql, twice
    for i in 1 2; do
        expect_exit 0 "$fx: teardown.sql ($i)" -- psql -X -q -v ON_ERROR_STOP=1 -d staging -f "$out/loads/$run2.teardown.sql"
    done
    assert_eq "$(schema_exists staging "$s2")" 0 "$fx: teardown.sql dropped the schema"
    assert_eq "$(run_status staging "$run2")" TORN_DOWN "$fx: teardown.sql marked the run"
    eval "sums_$fx=\$sums1"
done

# other formats and layouts load to the same tables
variant() {
    local fx=$1 name=$2 jobs=$3
    shift 3
    local out=$T_TMP/$fx-$name
    $MKOUT --db "src_$fx" --out "$out" "$@" || { t_fail "$fx $name: mkout failed"; return; }
    expect_exit 0 "$fx $name: load" -- "$LOADER" load "$out" --dsn "$DSN" --jobs "$jobs"
    local s
    s=$(schema_of)
    eval "local want=\$sums_$fx"
    assert_eq "$(table_sums staging "$s")" "$want" "$fx $name: same tables as the copy format"
    expect_exit 0 "$fx $name: teardown" -- "$LOADER" teardown --dsn "$DSN" --run "$(run_of)"
}
variant chinook csv-chunked 2 --format csv --chunk-rows 1000
variant chinook jsonl-zstd-chunked 2 --format jsonl --compress zstd --chunk-rows 1000
variant northwind zstd-chunked 1 --compress zstd --chunk-rows 500
variant hr copy-chunked 2 --chunk-rows 7

expect_exit 0 "runs lists them" -- "$LOADER" runs --dsn "$DSN"
assert_contains "$T_OUT" "TORN_DOWN" "runs shows torn down runs"
assert_not_contains "$T_OUT" "COMPLETED" "no run left COMPLETED after teardown"
t_done
