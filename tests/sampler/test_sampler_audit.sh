# Completeness of the audit log: with the server logging every statement
# (log_statement = all), the statements the server received from the sampler
# and the statements in the audit log are the same, in the same order, and
# every one is read-only. The shape carries the log's checksum and count.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

pg_start "log_statement = all
log_line_prefix = '<%a> '" || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "sampler_setup"; t_done; }
tests/fixtures/load.sh chat chat 1 || t_fail "load chat"
psql -X -q -d chat -c "CREATE ROLE limited LOGIN; GRANT USAGE ON SCHEMA public TO limited;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO limited; REVOKE SELECT ON read_receipts FROM limited"

check_run() { # NAME SHAPE FROM: compare the server log (from line FROM) with the audit log
    local name=$1 shape=$2 audit=$2.audit.jsonl from=$3
    pg_server_log | tail -n +"$from" | sed -n 's/^<silhouette-sampler> LOG:  statement: //p' >"$T_TMP/server.sql"
    python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["statement"])' "$audit" >"$T_TMP/audit.sql"
    local n
    n=$(wc -l <"$T_TMP/audit.sql")
    [ "$n" -gt 20 ] && t_pass "$name: $n statements audited" || t_fail "$name: only $n statements audited"
    expect_exit 0 "$name: server log and audit log hold the same statements" -- \
        diff -u "$T_TMP/server.sql" "$T_TMP/audit.sql"
    [ -n "$T_OUT" ] && echo "$T_OUT" | head -n 20
    # Read-only: only these statement forms, no write keyword outside quotes.
    local bad
    bad=$(grep -vE "^(SET [A-Za-z_]+ = ([0-9]+|off|pg_catalog|'UTC'|'32MB')|BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY|COMMIT|SAVEPOINT sil_step|RELEASE SAVEPOINT sil_step|ROLLBACK TO SAVEPOINT sil_step|SELECT .*|WITH .*)\$" "$T_TMP/audit.sql")
    assert_eq "$bad" "" "$name: only reads, session settings and savepoints"
    bad=$(sed -e 's/"[^"]*"//g' -e "s/'[^']*'//g" "$T_TMP/audit.sql" |
        grep -iwE 'INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|COPY|GRANT|REVOKE|LOCK|VACUUM|ANALYZE|CALL|DO|EXECUTE|PREPARE|NOTIFY|LISTEN|REFRESH|CLUSTER|REINDEX|nextval|setval|pg_advisory_lock')
    assert_eq "$bad" "" "$name: no write, DDL or side-effect statement"
    assert_eq "$(grep -cF 'SELECT *' "$T_TMP/audit.sql")" 0 "$name: no SELECT *"
    assert_eq "$(grep -m1 -n '^BEGIN' "$T_TMP/audit.sql" | cut -d: -f1)" \
        "$(($(grep -c '^SET ' "$T_TMP/audit.sql") + 1))" "$name: every SET comes before the snapshot"
    assert_eq "$(tail -n1 "$T_TMP/audit.sql")" COMMIT "$name: one transaction to the end"
    assert_eq "$(grep -c '^BEGIN' "$T_TMP/audit.sql")" 1 "$name: one snapshot for the whole run"
    assert_eq "$(jget "$shape" audit.statements)" "$n" "$name: statement count in the shape"
    assert_eq "$(jget "$shape" audit.log_checksum)" \
        "blake2b-256:$(python3 -c 'import hashlib,sys; print(hashlib.blake2b(open(sys.argv[1],"rb").read(), digest_size=32).hexdigest())' "$audit")" \
        "$name: log checksum in the shape"
    python3 - "$audit" <<'PY' && t_pass "$name: every line has time, statement, duration, rows" || t_fail "$name: malformed audit lines"
import json, re, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d["time"])
    assert isinstance(d["duration_ms"], (int, float)) and d["duration_ms"] >= 0
    assert set(d) <= {"time", "statement", "duration_ms", "rows", "error"}
    if d["statement"].startswith(("SELECT", "WITH")) and "error" not in d:
        assert isinstance(d["rows"], int)
PY
}

# The application name is ours even when the connection string asks otherwise.
shape=$T_TMP/chat.shape.json
expect_exit 0 "sampler runs" -- "$SAMPLER" --dsn "dbname=chat user=sampler_ro application_name=other" \
    --key-file "$KEY" -o "$shape" --statement-timeout 45000 --lock-timeout 1500 --idle-timeout 70000
check_run "full run" "$shape" 1
assert_contains "$(cat "$T_TMP/audit.sql")" "SET statement_timeout = 45000" "statement_timeout set"
assert_contains "$(cat "$T_TMP/audit.sql")" "SET lock_timeout = 1500" "lock_timeout set"
assert_contains "$(cat "$T_TMP/audit.sql")" "SET idle_in_transaction_session_timeout = 70000" "idle timeout set"
assert_eq "$(pg_server_log | grep -c '^<other>')" 0 "no statement under another application name"

# A run where a statement fails: the failure is in both logs too.
from=$(($(pg_server_log | wc -l) + 1))
shape=$T_TMP/limited.shape.json
expect_exit 0 "run with a denied table" -- "$SAMPLER" --dsn "dbname=chat user=limited" --key-file "$KEY" -o "$shape"
check_run "denied table" "$shape" "$from"
assert_contains "$(grep '"error"' "$shape.audit.jsonl")" '42501: permission denied for table read_receipts' "the denied statement is audited with its error"
t_done
