# Real sampler output: the shapes the sampler writes for the hr, chat and
# financial fixtures and Chinook pass validate-no-pii; the same shapes with
# personal data put into a category value, a token, a column name, an enum
# label, a check expression, a partition bound or a key fail it, naming the
# rule and the JSON path, and never show the value in clear.
. tests/harness/lib.sh

if ! "$SIL_BIN/sampler" --help 2>/dev/null | grep -q -- '--dsn'; then
    t_skip "$SIL_BIN/sampler cannot read a database yet (its --help has no --dsn option): this suite needs the sampler"
fi
command -v python3 >/dev/null || t_skip "python3 is needed to edit shapes"
SHAPE_TOOL=$SIL_BUILD/tests/shape-tool
[ -x "$SHAPE_TOOL" ] || t_skip "$SHAPE_TOOL not built (make unit-tests)"
. tests/harness/pg.sh

VNP=$SIL_BIN/validate-no-pii
INJECT=(python3 "$SIL_ROOT/tests/validator/inject.py")

pg_start || {
    t_fail "pg_start"
    t_done
}
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE sampler_ro LOGIN; GRANT pg_read_all_data TO sampler_ro" ||
    t_fail "cannot create the sampler's role"
"$SIL_BIN/sampler" keygen --out "$T_TMP/key" >/dev/null || t_fail "sampler keygen"
for f in hr chat financial; do
    tests/fixtures/load.sh "$f" "$f" 1 >/dev/null || t_fail "load fixture $f"
done
dbs="hr chat financial"
if pg_load_shared_fixture chinook chinook 2>"$T_TMP/skip"; then
    dbs="$dbs chinook"
else
    echo "note: Chinook left out: $(cat "$T_TMP/skip")"
fi

# Personal data for each position, and the rule that must name it. The e-mail
# domain is an ordinary one, as in the fixtures: example.com would be fictional.
#   WHERE|VALUE|RULE
cases=(
    "category|Anna Svensson|person-name"
    "token|4111111111111111|token-all-digits"
    "column|anna.svensson@mejlbox.se|email"
    "enum|811218-9876|se-personnummer"
    "check|(phone <> '+46 70 123 45 67'::text)|phone-international"
    "bound|FOR VALUES FROM ('2023-01-01') TO ('DE89 3704 0044 0532 0130 00')|iban"
    "key|john.doe@gmail.com|email"
)
declare -A seen

for db in $dbs; do
    shape=$T_TMP/$db.shape.json
    expect_exit 0 "$db: the sampler writes a shape" -- \
        "$SIL_BIN/sampler" --dsn "dbname=$db user=sampler_ro" --key-file "$T_TMP/key" -o "$shape" -q
    [ -s "$shape" ] || continue
    expect_exit 0 "$db: validate-no-pii passes the sampler's shape" -- "$VNP" "$shape"
    assert_contains "$T_OUT" "0 findings" "$db: no finding"
    expect_exit 0 "$db: the shape-aware check is what ran" -- "$VNP" --shape "$shape"

    for c in "${cases[@]}"; do
        IFS='|' read -r where value rule <<<"$c"
        bad=$T_TMP/$db.$where.json
        path=$("${INJECT[@]}" "$shape" "$bad.tmp" "$where" "$value")
        rc=$?
        [ "$rc" = 3 ] && continue # no such position in this shape
        [ "$rc" = 0 ] || {
            t_fail "$db: inject.py $where failed ($rc)"
            continue
        }
        seen[$where]=1
        if [ "$where" = key ]; then
            # Not part of the format, so no sealed shape can hold it: checked unsealed.
            mv "$bad.tmp" "$bad"
            expect_exit 1 "$db: a key fails" -- "$VNP" --unsealed "$bad"
            assert_contains "$T_OUT" "$bad: $path: shape-structure: " "$db: the key is a structural violation"
            assert_contains "$T_OUT" "$bad: $path[\"" "$db: the key's path shows it masked"
            assert_contains "$(grep -F "$bad: $path[\"" <<<"$T_OUT")" "\"]: $rule: " "$db: key: $rule"
        else
            "$SHAPE_TOOL" seal "$bad.tmp" >"$bad" 2>"$T_TMP/seal.err" || {
                t_fail "$db: $where: the edited shape does not pass the strict reader: $(cat "$T_TMP/seal.err")"
                continue
            }
            expect_exit 1 "$db: PII in the $where fails" -- "$VNP" "$bad"
            assert_contains "$T_OUT" "$bad: $path: $rule: " "$db: $where: $rule at $path"
            assert_contains "$T_OUT" "1 finding in 1 of 1 file" "$db: $where: that finding only"
        fi
        assert_not_contains "$T_OUT$T_ERR" "$value" "$db: $where: the value never shows in clear"
        # The JSON report names the same rule and path.
        if [ "$where" != key ]; then
            expect_exit 1 "$db: $where: JSON report" -- "$VNP" --format json "$bad"
            assert_contains "$T_OUT" "\"rule\": \"$rule\"" "$db: $where: JSON rule"
            assert_contains "$T_OUT" "\"path\": \"$path\"" "$db: $where: JSON path"
        fi
    done
done

# Every position was tried in some shape.
for c in "${cases[@]}"; do
    where=${c%%|*}
    assert_eq "${seen[$where]:-0}" 1 "PII injected into a $where of some shape"
done
t_done
