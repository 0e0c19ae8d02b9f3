# Refusals change nothing in the target: the production marker, denied targets, a tampered
# output, hostile names and expressions, foreign schemas; schema.sql is never executed; no
# password is ever echoed.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/loader/lib.sh

pg_start || exit 1
createdb src
psql -X -q -v ON_ERROR_STOP=1 -d src -f tests/loader/source.sql || exit 1
OUT=$T_TMP/gen
$MKOUT --db src --out "$OUT" || exit 1
mkdb staging

# fresh OUT copy, edited by the caller, then resealed so only the edit is wrong
variant() {
    rm -rf "$T_TMP/v"
    cp -r "$OUT" "$T_TMP/v"
    rm -rf "$T_TMP/v/loads"
}
reseal() { python3 tests/loader/mkout.py reseal "$T_TMP/v" || t_fail "reseal failed"; }

# refused DB WHAT CODE MESSAGE -- loader args...: refused, with the catalog unchanged
refused() {
    local db=$1 what=$2 code=$3 msg=$4
    shift 5
    local before
    before=$(catalog "$db")
    expect_exit "$code" "$what" -- "$@"
    assert_contains "$T_ERR" "$msg" "$what: message"
    assert_eq "$(catalog "$db")" "$before" "$what: nothing changed in $db"
}

# --- the target ---
mkdb mirror production
refused mirror "production marker" 3 "the loader never writes to production" -- \
    "$LOADER" load "$OUT" --dsn dbname=mirror --allow-unmarked

mkdb mirror2 staging
psql -X -q -c "ALTER ROLE postgres IN DATABASE mirror2 SET silhouette.environment = 'production'"
refused mirror2 "production marker on the role" 3 "never writes to production" -- \
    "$LOADER" load "$OUT" --dsn dbname=mirror2
PGOPTIONS="-c silhouette.environment=staging" refused mirror "marker masked by PGOPTIONS" 3 \
    "never writes to production" -- "$LOADER" load "$OUT" --dsn dbname=mirror

mkdb plain -
refused plain "unmarked database" 3 "has no silhouette.environment marker" -- \
    "$LOADER" load "$OUT" --dsn dbname=plain
assert_contains "$T_ERR" "hint: mark it" "unmarked: hint"

mkdb qa qa
refused qa "unknown marker" 3 "'qa', which the environment policy does not allow" -- \
    "$LOADER" load "$OUT" --dsn dbname=qa

mkdb app_prod staging
refused app_prod "denied database name" 3 "is denied by the environment policy (deny[1]: database" -- \
    "$LOADER" load "$OUT" --dsn dbname=app_prod

cat >"$T_TMP/deny-host.json" <<EOF
{"format": "silhouette.environments", "version": 1, "allowed_markers": ["staging"],
 "deny": [{"host": "/tmp/*", "reason": "this socket is off limits"}],
 "targets": [{"name": "anything", "host": "*"}]}
EOF
refused staging "denied host" 3 "(deny[0]: host \"/tmp/*\": this socket is off limits)" -- \
    "$LOADER" load "$OUT" --dsn dbname=staging --policy "$T_TMP/deny-host.json"
cat >"$T_TMP/no-target.json" <<EOF
{"format": "silhouette.environments", "version": 1, "allowed_markers": ["staging"],
 "deny": [], "targets": [{"name": "remote staging", "host": "db.staging.example.com"}]}
EOF
refused staging "no allowed target" 3 "matches no allowed target of the environment policy" -- \
    "$LOADER" load "$OUT" --dsn dbname=staging --policy "$T_TMP/no-target.json"

psql -X -q -d staging -c "CREATE SCHEMA taken"
refused staging "existing schema" 3 "schema \"taken\" already exists; the loader writes only into schemas it creates" -- \
    "$LOADER" load "$OUT" --dsn dbname=staging --schema taken
refused staging "reserved schema" 2 "--schema \"public\" is reserved" -- \
    "$LOADER" load "$OUT" --dsn dbname=staging --schema public
refused staging "unknown tablespace" 2 "tablespace \"nowhere\" does not exist" -- \
    "$LOADER" load "$OUT" --dsn dbname=staging --tablespace nowhere

mkdb foreignmeta staging
psql -X -q -d foreignmeta -c "CREATE SCHEMA silhouette_meta; CREATE TABLE silhouette_meta.load_runs (x int)"
refused foreignmeta "foreign silhouette_meta" 3 "silhouette_meta exists but was not created by the loader" -- \
    "$LOADER" load "$OUT" --dsn dbname=foreignmeta

# --- the output ---
variant
f=$(ls "$T_TMP/v/data/"*orders*)
python3 - "$f" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(bytes(b))
EOF
refused staging "tampered data file" 2 "data file 'data/public.orders.copy' does not match its checksum in the manifest" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
truncate -s -10 "$T_TMP/v/data/public.customers.copy"
refused staging "truncated data file" 2 "data file 'data/public.customers.copy' has" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
mv "$T_TMP/v/data/public.customers.copy" "$T_TMP/elsewhere.copy"
ln -s "$T_TMP/elsewhere.copy" "$T_TMP/v/data/public.customers.copy"
refused staging "symlinked data file" 2 "is not a regular file (symbolic links are refused)" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
sed -i 's#"data/public.customers.copy"#"data/../../../etc/passwd"#' "$T_TMP/v/manifest.json"
refused staging "path outside data/" 2 "is not a relative path inside data/" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
echo "-- edited" >>"$T_TMP/v/shape.json"
refused staging "tampered shape.json" 2 "does not match its checksum in the manifest" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
python3 - "$T_TMP/v/manifest.json" <<'EOF'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["surprise"] = True
json.dump(m, open(p, "w"))
EOF
refused staging "unknown manifest key" 2 "unknown key \"surprise\"" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
python3 - "$T_TMP/v/manifest.json" <<'EOF'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["shape_expires_at"] = "2020-01-01T00:00:00Z"
json.dump(m, open(p, "w"))
EOF
refused staging "expired output" 2 "the shape of output '$T_TMP/v' expired on 2020-01-01 at 00:00:00 UTC" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
sed -i 's/"data_format": "copy"/"data_format": "sql"/' "$T_TMP/v/manifest.json"
refused staging "SQL data files" 2 "the output's data files are SQL, which the loader never executes" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

variant
python3 - "$T_TMP/v/manifest.json" <<'EOF'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["shard"] = {"index": 1, "count": 2}
for t in m["tables"]:
    t["total_rows"] = 2 * t["rows"]
for z in m["sizing"]["tables"]:
    z["rows"] *= 2
json.dump(m, open(p, "w"))
EOF
refused staging "a shard alone" 2 "is shard 1 of 2 of an output; a shard alone cannot satisfy its foreign keys" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

# a hostile manifest: its names must be the shape's, so SQL in them goes nowhere
variant
python3 - "$T_TMP/v/manifest.json" <<'EOF'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
for z in m["sizing"]["tables"]:
    if z["table"] == m["tables"][1]["name"]:
        z["table"] = "orders; DROP TABLE customers"
m["tables"][1]["name"] = "orders; DROP TABLE customers"
json.dump(m, open(p, "w"))
EOF
refused staging "hostile manifest table" 2 "table \"public\".\"orders; DROP TABLE customers\" is not in shape.json" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging
variant
python3 - "$T_TMP/v/manifest.json" <<'EOF'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["tables"][1]["columns"][4] = 'note") FROM STDIN; DROP TABLE customers; --'
json.dump(m, open(p, "w"))
EOF
refused staging "hostile manifest column" 2 "is not in the shape's table" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging

# hostile names and expressions, with every checksum made to match
hostile() {
    variant
    python3 - "$T_TMP/v" "$1" "$2" <<'EOF'
import json, sys
out, kind, value = sys.argv[1:]
shape = json.load(open(out + "/shape.json"))
man = json.load(open(out + "/manifest.json"))
orders = [t for t in shape["tables"] if t["name"] == "orders"][0]
morders = [t for t in man["tables"] if t["name"] == "orders"][0]
if kind == "table":
    orders["name"] = value
    for z in man["sizing"]["tables"]:
        if z["table"] == morders["name"]:
            z["table"] = value
    morders["name"] = value
elif kind == "column":
    orders["columns"][4]["name"] = value
    morders["columns"][4] = value
elif kind == "check":
    orders["checks"][0]["expression"] = value
elif kind == "enum":
    shape["enums"][0]["name"] = value
    for t in shape["tables"]:
        for c in t["columns"]:
            if c["type"].get("ref") == "status":
                c["type"]["ref"] = value
json.dump(shape, open(out + "/shape.json", "w"))
json.dump(man, open(out + "/manifest.json", "w"))
EOF
    reseal
}
hostile table 'orders"; DROP TABLE public.x; --'
refused staging "hostile table name" 2 "name \"orders\"; DROP TABLE public.x; --\" contains '\"'" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging
hostile column 'note;drop'
refused staging "hostile column name" 2 "contains ';'" -- "$LOADER" load "$T_TMP/v" --dsn dbname=staging
hostile enum 'status--'
refused staging "hostile type name" 2 "contains a comment marker" -- "$LOADER" load "$T_TMP/v" --dsn dbname=staging
hostile check '(qty > 0); DROP SCHEMA public CASCADE; --'
refused staging "hostile check: statement" 2 "refused at position 10: ';' is not allowed (statement separator)" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging
hostile check '(pg_sleep(30) IS NOT NULL)'
refused staging "hostile check: function" 2 "function pg_sleep() is not allowed" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging
hostile check "(qty > (SELECT count(*) FROM pg_authid))"
refused staging "hostile check: subquery" 2 "'select' is not allowed (subqueries are refused)" -- \
    "$LOADER" load "$T_TMP/v" --dsn dbname=staging
hostile check '(qty > $$0$$)'
refused staging "hostile check: dollar quoting" 2 "dollar quoting" -- "$LOADER" load "$T_TMP/v" --dsn dbname=staging
assert_contains "$T_ERR" "hint: the loader only creates constraints in its expression grammar" "hostile check: hint"

# a hostile schema.sql is never executed, even with a matching checksum
variant
cat >"$T_TMP/v/schema.sql" <<'EOF'
CREATE TABLE public.pwned (x int);
ALTER DATABASE staging SET silhouette.environment = 'production';
EOF
reseal
expect_exit 0 "hostile schema.sql: load" -- "$LOADER" load "$T_TMP/v" --dsn dbname=staging
assert_eq "$(pg_value "SELECT count(*) FROM pg_class WHERE relname = 'pwned'" staging)" 0 "hostile schema.sql: not executed"
assert_eq "$(pg_value "SELECT current_setting('silhouette.environment')" staging)" staging "hostile schema.sql: marker untouched"
expect_exit 0 "hostile schema.sql: teardown" -- "$LOADER" teardown --dsn dbname=staging --run "$(run_of)"

# a dry run checks and prints, and writes nothing
before=$(catalog staging)
expect_exit 0 "dry run" -- "$LOADER" load "$OUT" --dsn dbname=staging --dry-run
assert_contains "$T_OUT" "CREATE TABLE" "dry run prints the DDL"
assert_contains "$T_OUT" "CHECK ((\"qty\" > 0))" "dry run prints rendered checks"
assert_eq "$(catalog staging)" "$before" "dry run changed nothing"
[ -d "$OUT/loads" ] && t_fail "dry run wrote a report directory" || t_pass "dry run wrote no files"

# passwords are never echoed (trust authentication ignores the password)
expect_exit 0 "load with a password in the DSN" -- "$LOADER" load "$OUT" --dsn "dbname=staging password=SeCrEt-123"
run=$(run_of)
assert_not_contains "$T_OUT$T_ERR" "SeCrEt" "no password on stdout or stderr"
assert_not_contains "$(cat "$OUT/loads/$run.json" "$OUT/loads/$run.teardown.sql")" "SeCrEt" "no password in the report"
assert_eq "$(pg_value "SELECT count(*) FROM silhouette_meta.load_runs r WHERE r::text LIKE '%SeCrEt%'" staging)" 0 "no password in load_runs"
expect_exit 0 "teardown with a password URI" -- "$LOADER" teardown --run "$run" --dsn "postgresql:///staging?password=SeCrEt-456"
assert_not_contains "$T_OUT$T_ERR" "SeCrEt" "teardown echoes no password"
expect_exit 2 "malformed DSN" -- "$LOADER" load "$OUT" --dsn "dbname=staging password SeCrEt-789"
assert_contains "$T_ERR" "--dsn is not a valid libpq connection string or URI" "malformed DSN: message"
assert_not_contains "$T_ERR" "SeCrEt" "malformed DSN: password not echoed"
expect_exit 1 "unreachable server" -- "$LOADER" load "$OUT" --dsn "host=/nonexistent dbname=staging password=SeCrEt-000"
assert_contains "$T_ERR" "cannot connect" "unreachable server: message"
assert_not_contains "$T_ERR" "SeCrEt" "unreachable server: password not echoed"

# the identity and serial sequences continue after the loaded keys; domains, generated
# columns and the data are those of the source
expect_exit 0 "load for sequences" -- "$LOADER" load "$OUT" --dsn dbname=staging
s=$(schema_of)
assert_eq "$(table_sums staging "$s")" "$(table_sums src public)" "the run's tables equal the source's"
assert_eq "$(pg_value "SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY conname) FROM pg_constraint WHERE contypid = '\"$s\".weight'::regtype" staging)" \
    "$(pg_value "SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY conname) FROM pg_constraint WHERE contypid = 'public.weight'::regtype" src)" "domain checks identical to the source"
assert_eq "$(pg_value "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = '\"$s\".orders'::regclass AND a.attname = 'doubled'" staging)" \
    "(qty * 2)" "generated column recreated"
assert_eq "$(pg_value "INSERT INTO \"$s\".customers (email) VALUES ('new@example.com') RETURNING id" staging | head -n1)" 501 "identity continues after the loaded rows"
assert_eq "$(pg_value "INSERT INTO \"$s\".orders (customer_id, qty, status) VALUES (1, 1, 'new') RETURNING id" staging | head -n1)" 3001 "serial continues after the loaded rows"
expect_exit 0 "teardown" -- "$LOADER" teardown --dsn dbname=staging --run "$(run_of)"

# on a terminal, a progress line with rows/s
script -qec "$LOADER load '$OUT' --dsn dbname=staging" /dev/null >"$T_TMP/tty.out" 2>&1 </dev/null
assert_contains "$(cat "$T_TMP/tty.out")" "loader: loading: 3500/3500 (100%)" "progress on a terminal"
assert_contains "$(cat "$T_TMP/tty.out")" " rows/s" "progress shows rows/s"
run=$(sed -n 's/.*COMPLETED run=\([^ ]*\) .*/\1/p' "$T_TMP/tty.out")
expect_exit 0 "teardown after the terminal run" -- "$LOADER" teardown --dsn dbname=staging --run "$run"
t_done
