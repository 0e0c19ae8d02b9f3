# Leak test (negative join): every personal value of the fixture databases
# (names, e-mails, phones, personal numbers, IBANs, cards, addresses, message
# text...) is collected from the database, and none of them, nor its
# lower-case form, may appear in the shape or in the audit log. Run with the
# default k and with k = 2, which lets far more category values through, so a
# misclassified column would show.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

pg_start || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "sampler_setup"; t_done; }
dbs=""
for f in hr chat financial; do
    tests/fixtures/load.sh "$f" "$f" 1 || t_fail "load $f"
    psql -X -At -F $'\t' -v ON_ERROR_STOP=1 -d "$f" -f "tests/fixtures/${f}_pii.sql" >"$T_TMP/$f.pii" ||
        t_fail "$f: personal values listed"
    dbs="$dbs $f"
done
if pg_load_shared_fixture chinook chinook 2>"$T_TMP/skip"; then
    psql -X -At -F $'\t' -v ON_ERROR_STOP=1 -d chinook >"$T_TMP/chinook.pii" <<'SQL'
SELECT DISTINCT kind, value FROM (
    SELECT 'name' AS kind, first_name || ' ' || last_name AS value FROM customer
    UNION ALL SELECT 'first_name', first_name FROM customer
    UNION ALL SELECT 'last_name', last_name FROM customer
    UNION ALL SELECT 'email', email FROM customer
    UNION ALL SELECT 'phone', phone FROM customer WHERE phone IS NOT NULL
    UNION ALL SELECT 'phone', fax FROM customer WHERE fax IS NOT NULL
    UNION ALL SELECT 'address', address FROM customer WHERE address IS NOT NULL
    UNION ALL SELECT 'postcode', postal_code FROM customer WHERE postal_code IS NOT NULL
    UNION ALL SELECT 'name', first_name || ' ' || last_name FROM employee
    UNION ALL SELECT 'first_name', first_name FROM employee
    UNION ALL SELECT 'last_name', last_name FROM employee
    UNION ALL SELECT 'email', email FROM employee WHERE email IS NOT NULL
    UNION ALL SELECT 'phone', phone FROM employee WHERE phone IS NOT NULL
    UNION ALL SELECT 'address', address FROM employee WHERE address IS NOT NULL
    UNION ALL SELECT 'birth_date', birth_date::date::text FROM employee WHERE birth_date IS NOT NULL
    UNION ALL SELECT 'address', billing_address FROM invoice WHERE billing_address IS NOT NULL
) s
SQL
    dbs="$dbs chinook"
else
    echo "note: Chinook leak checks skipped: $(cat "$T_TMP/skip")"
fi

for db in $dbs; do
    n=$(wc -l <"$T_TMP/$db.pii")
    [ "$n" -gt 100 ] && t_pass "$db: $n personal values collected" || t_fail "$db: only $n personal values"
    for k in 10 2; do
        shape=$T_TMP/$db.k$k.shape.json
        expect_exit 0 "$db k=$k: sampler runs" -- sample "$db" "$shape" --k "$k"
        expect_exit 0 "$db k=$k: the gate passes the shape" -- "$SIL_BIN/validate-no-pii" "$shape"
        expect_exit 0 "$db k=$k: no personal value in the shape or the audit log" -- \
            "${SC[@]}" leak "$T_TMP/$db.pii" "$shape" "$shape.audit.jsonl"
        echo "$T_OUT" | grep problem | head -n 10
    done
    # The shape does say something at k = 2: the check is not vacuous.
    assert_contains "$(cat "$T_TMP/$db.k2.shape.json")" '"encoding": "clear"' "$db: clear categories emitted"
done

# The check itself finds a planted value (a test that can fail).
planted=$T_TMP/planted.json
v=$(grep -m1 $'^email\t' "$T_TMP/chat.pii" | cut -f2)
sed "s/\"postgresql\"/\"postgresql\", \"x\": \"$(printf '%s' "$v" | tr '[:lower:]' '[:upper:]')\"/" \
    "$T_TMP/chat.k10.shape.json" >"$planted"
expect_exit 1 "a planted e-mail (upper-cased) is found" -- "${SC[@]}" leak "$T_TMP/chat.pii" "$planted"
t_done
