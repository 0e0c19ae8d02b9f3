# End to end, as users run it, on every fixture: sampler -> validate-no-pii ->
# generator (twice, same seed) -> generator report -> loader -> negative join
# -> teardown. Asserts that no personal value of "production" reaches the
# shape, the audit log, the generated files or the staging database; that the
# same seed gives the same bytes; that the loaded data passes the quality
# gates; and that teardown leaves staging as it found it.
. tests/harness/lib.sh
. tests/harness/pg.sh

B=$SIL_BIN
pg_start || { t_fail "pg_start"; t_done; }
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE e2e_sampler LOGIN; GRANT pg_read_all_data TO e2e_sampler" &&
    createdb staging &&
    psql -X -q -v ON_ERROR_STOP=1 -c "ALTER DATABASE staging SET silhouette.environment = 'staging'" ||
    { t_fail "cluster set-up"; t_done; }
"$B/sampler" keygen --out "$T_TMP/key" >/dev/null || { t_fail "keygen"; t_done; }

# The staging catalog, silhouette_meta aside (the run history is kept on purpose).
catalog() {
    psql -X -At -d staging -c "
      SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'silhouette_meta')
         AND n.nspname NOT LIKE 'pg_toast%'
      UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
       WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'silhouette_meta', 'public')
         AND nspname NOT LIKE 'pg_%'
      UNION ALL SELECT 'type ' || typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'silhouette_meta')
         AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1"
}
before=$(catalog)

# Personal kinds whose values identify on their own: production and generated
# values must not share a single one. Names, birth dates, cities and postcodes
# are shared by many people: a common name in both is not a leak, so for them
# the test asserts that no production person's name comes back together with
# their own birth date or e-mail (a reconstructed record), and counts the
# coincidences of names alone.
IDENTIFYING='^personal:(email|phone|national_id|iban|card|username|address|street|ip|free_text|other)$'

pipeline() { # NAME LOADER...: one fixture through the whole pipeline
    local name=$1 db=prod_$1
    shift
    if ! "$@" >"$T_TMP/$name.load.log" 2>&1; then
        if grep -q '^skip:' "$T_TMP/$name.load.log"; then
            echo "note: $(grep -m1 '^skip:' "$T_TMP/$name.load.log")"
            return 0
        fi
        t_fail "$name: loading the fixture: $(tail -n 3 "$T_TMP/$name.load.log")"
        return 0
    fi
    local dir=$T_TMP/$name
    mkdir -p "$dir"
    local shape=$dir/shape.json audit=$dir/audit.jsonl
    local locale=()
    [ "$name" = hr ] && locale=(--locale sv_SE)

    expect_exit 0 "$name: sampler" -- "$B/sampler" --dsn "dbname=$db user=e2e_sampler" \
        --key-file "$T_TMP/key" "${locale[@]}" --out "$shape" --audit-log "$audit" -q
    [ -f "$shape" ] || return 0
    expect_exit 0 "$name: validate-no-pii passes the shape" -- "$B/validate-no-pii" "$shape"
    expect_exit 0 "$name: generator" -- "$B/generator" --shape "$shape" --seed 42 --out "$dir/out" -q
    expect_exit 0 "$name: generator again, same seed" -- "$B/generator" --shape "$shape" --seed 42 \
        --out "$dir/out2" --threads 1 -q
    local sums1 sums2
    sums1=$(jq -r '.tables[].files[] | "\(.file) \(.checksum)"' "$dir/out/manifest.json")
    sums2=$(jq -r '.tables[].files[] | "\(.file) \(.checksum)"' "$dir/out2/manifest.json")
    if [ -n "$sums1" ] && [ "$sums1" = "$sums2" ]; then
        t_pass "$name: same seed, identical checksums ($(printf '%s\n' "$sums1" | wc -l) files)"
    else
        t_fail "$name: same seed gave different data files"
    fi
    rm -rf "$dir/out2"
    expect_exit 0 "$name: quality gates pass" -- "$B/generator" report "$dir/out" -q

    expect_exit 0 "$name: loader load" -- "$B/loader" load "$dir/out" --dsn "dbname=staging" -q
    local run schema
    run=$(psql -X -At -d staging -c "SELECT run_id FROM silhouette_meta.load_runs
                                      ORDER BY started_at DESC LIMIT 1")
    schema=$(psql -X -At -d staging -c "SELECT schema_name FROM silhouette_meta.load_runs
                                         WHERE run_id = '$run'")
    assert_eq "$(psql -X -At -d staging -c "SELECT status FROM silhouette_meta.load_runs
                                             WHERE run_id = '$run'")" COMPLETED "$name: run COMPLETED"

    # Production's personal values, by the shape's own classification.
    local cols
    cols=$(jq -r '.tables[] | select(.kind == "table" or .kind == "partitioned") | . as $t
                  | .columns[] | select(.classification | startswith("personal:"))
                  | [$t.schema, $t.name, .name, .classification] | @tsv' "$shape")
    local n_cols=0 n_values=0 shared_names=0
    : >"$dir/prod-identifying.txt"
    while IFS=$'\t' read -r sch tbl col cls; do
        [ -n "$sch" ] || continue
        local q_prod q_stag
        q_prod="SELECT DISTINCT \"$col\"::text FROM \"$sch\".\"$tbl\" WHERE \"$col\" IS NOT NULL"
        q_stag="SELECT DISTINCT \"$col\"::text FROM \"$schema\".\"$tbl\" WHERE \"$col\" IS NOT NULL"
        psql -X -At -d "$db" -c "$q_prod" | LC_ALL=C sort -u >"$dir/p.txt"
        psql -X -At -d staging -c "$q_stag" | LC_ALL=C sort -u >"$dir/s.txt"
        local common
        common=$(LC_ALL=C comm -12 "$dir/p.txt" "$dir/s.txt" | wc -l)
        if [[ "$cls" =~ $IDENTIFYING ]]; then
            n_cols=$((n_cols + 1))
            n_values=$((n_values + $(wc -l <"$dir/p.txt")))
            cat "$dir/p.txt" >>"$dir/prod-identifying.txt"
            if [ "$common" = 0 ]; then
                t_pass "$name: negative join $tbl.$col"
            else
                t_fail "$name: $common production values of $tbl.$col ($cls) are in staging"
            fi
        elif [ "$cls" = personal:name ]; then
            shared_names=$((shared_names + common))
        fi
    done <<<"$cols"
    echo "$name: negative join over $n_cols identifying columns, $n_values production values;" \
        "$shared_names common full names shared by chance"

    # A production person reconstructed: their name with their birth date or e-mail.
    local recon
    recon=$(jq -r '.tables[] | select(.kind == "table") | . as $t
        | ([.columns[] | select(.classification == "personal:name") | .name]) as $n
        | ([.columns[] | select(.classification == "personal:birth_date" or .classification == "personal:email") | .name]) as $o
        | select(($n | length) > 0 and ($o | length) > 0)
        | [$t.schema, $t.name, $n[0], $o[0]] | @tsv' "$shape")
    while IFS=$'\t' read -r sch tbl ncol ocol; do
        [ -n "$sch" ] || continue
        psql -X -At -d "$db" -c "SELECT \"$ncol\"::text || '|' || \"$ocol\"::text FROM \"$sch\".\"$tbl\" WHERE \"$ncol\" IS NOT NULL AND \"$ocol\" IS NOT NULL" |
            LC_ALL=C sort -u >"$dir/p.txt"
        psql -X -At -d staging -c "SELECT \"$ncol\"::text || '|' || \"$ocol\"::text FROM \"$schema\".\"$tbl\" WHERE \"$ncol\" IS NOT NULL AND \"$ocol\" IS NOT NULL" |
            LC_ALL=C sort -u >"$dir/s.txt"
        assert_eq "$(LC_ALL=C comm -12 "$dir/p.txt" "$dir/s.txt" | wc -l)" 0 \
            "$name: no production person's ($ncol, $ocol) in staging"
    done <<<"$recon"

    # The listed personal values of the project fixtures: nowhere in the shape or
    # the audit log (any form), nor in the generated files (identifying kinds).
    if [ -f "tests/fixtures/${name}_pii.sql" ]; then
        psql -X -At -F $'\t' -d "$db" -f "tests/fixtures/${name}_pii.sql" >"$dir/pii.tsv"
        awk -F'\t' 'length($2) >= 4 { print $2; print tolower($2) }' "$dir/pii.tsv" | sort -u >"$dir/pii-all.txt"
        # Whole words: a name spelt in hex letters (Ebba) may sit inside a
        # random HMAC token by chance, which is not a leak.
        if grep -F -w -q -f "$dir/pii-all.txt" "$shape" "$audit"; then
            t_fail "$name: a personal value is in the shape or the audit log"
        else
            t_pass "$name: no personal value in the shape or the audit log ($(wc -l <"$dir/pii-all.txt") values)"
        fi
        awk -F'\t' '$1 ~ /^(email|phone|personal_number|iban|card)$/ && length($2) >= 6 { print $2 }' \
            "$dir/pii.tsv" | sort -u >"$dir/pii-id.txt"
        if [ -s "$dir/pii-id.txt" ] && grep -r -F -q -f "$dir/pii-id.txt" "$dir/out/data"; then
            t_fail "$name: an identifying personal value is in the generated files"
        else
            t_pass "$name: no identifying personal value in the generated files ($(wc -l <"$dir/pii-id.txt") values)"
        fi
    fi

    expect_exit 0 "$name: teardown" -- "$B/loader" teardown --run "$run" --dsn "dbname=staging" --force -q
    assert_eq "$(psql -X -At -d staging -c "SELECT status FROM silhouette_meta.load_runs
                                             WHERE run_id = '$run'")" TORN_DOWN "$name: run TORN_DOWN"
    assert_eq "$(catalog)" "$before" "$name: staging is as it was before the load"
    rm -rf "$dir/out"
}

pipeline hr tests/fixtures/load.sh hr prod_hr
pipeline chat tests/fixtures/load.sh chat prod_chat
pipeline financial tests/fixtures/load.sh financial prod_financial
for s in chinook northwind clubdata; do
    pipeline "$s" pg_load_shared_fixture "$s" "prod_$s"
done
pipeline hr_sample pg_load_shared_fixture hr prod_hr_sample
t_done
