# Determinism: two runs with the same key on an unchanged database give the
# same shape apart from created_at (and so expires_at and the seal) and the audit log's
# checksum (the log records times). A sample smaller than the tables makes
# TABLESAMPLE do real work. Another key changes every token, not the rest.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

pg_start || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "sampler_setup"; t_done; }
for f in chat financial; do
    tests/fixtures/load.sh "$f" "$f" 1 || t_fail "load $f"
done

for db in chat financial; do
    for run in 1 2; do
        expect_exit 0 "$db: run $run" -- sample "$db" "$T_TMP/$db.$run.json" --sample-rows 5000 --fk-parents 200
        sleep 1 # a different created_at second
    done
    "${SC[@]}" strip "$T_TMP/$db.1.json" >"$T_TMP/$db.1.stripped"
    "${SC[@]}" strip "$T_TMP/$db.2.json" >"$T_TMP/$db.2.stripped"
    expect_exit 0 "$db: identical apart from the creation time" -- cmp "$T_TMP/$db.1.stripped" "$T_TMP/$db.2.stripped"
    [ "$(jget "$T_TMP/$db.1.json" created_at)" != "$(jget "$T_TMP/$db.2.json" created_at)" ] &&
        t_pass "$db: created_at differs" || t_fail "$db: created_at should differ between runs"
    strip_times() { sed -e '/"created_at"/d' -e '/"expires_at"/d' -e '/"log_checksum"/d' -e '/"checksum"/d' "$1"; }
    diff <(strip_times "$T_TMP/$db.1.json") <(strip_times "$T_TMP/$db.2.json") >/dev/null &&
        t_pass "$db: files byte-identical apart from those lines" || t_fail "$db: files differ in other lines"
done
assert_contains "$(cat "$T_TMP/chat.1.json.audit.jsonl")" "TABLESAMPLE SYSTEM" "samples were drawn"
assert_eq "$(jget "$T_TMP/chat.1.json" tables.public.messages.rows.sampled)" \
    "$(jget "$T_TMP/chat.2.json" tables.public.messages.rows.sampled)" "same sample size"

# Another key: other tokens and key id, same statistics otherwise.
"$SAMPLER" keygen --out "$T_TMP/other.key" >/dev/null
expect_exit 0 "run with another key" -- "$SAMPLER" --dsn "dbname=chat user=sampler_ro" \
    --key-file "$T_TMP/other.key" -o "$T_TMP/chat.other.json" --sample-rows 5000 --fk-parents 200
[ "$(jget "$T_TMP/chat.other.json" tokenization.key_id)" != "$(jget "$T_TMP/chat.1.json" tokenization.key_id)" ] &&
    t_pass "key id follows the key" || t_fail "key id did not change with the key"
[ "$(jget "$T_TMP/chat.other.json" source.fingerprint)" != "$(jget "$T_TMP/chat.1.json" source.fingerprint)" ] &&
    t_pass "fingerprint follows the key" || t_fail "fingerprint did not change with the key"
assert_eq "$(jget "$T_TMP/chat.other.json" tables.public.messages.columns.sent_at.stats)" \
    "$(jget "$T_TMP/chat.1.json" tables.public.messages.columns.sent_at.stats)" "statistics do not depend on the key"
t_done
