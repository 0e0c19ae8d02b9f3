# Bad input and faults: superuser, unreachable server, bad credentials (the
# password never shows), a table the role may not read, a lock that outlasts
# lock_timeout, a statement timeout (retried with a smaller sample), a table
# dropped mid-run, Ctrl-C (no shape left). Each has its message and exit code.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

pg_start || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "sampler_setup"; t_done; }
tests/fixtures/load.sh chat chat 1 || t_fail "load chat"
out=$T_TMP/out.json

# ---- superuser ----
echo "previous shape" >"$out"
expect_exit 1 "superuser refused" -- "$SAMPLER" --dsn "dbname=chat" --key-file "$KEY" -o "$out"
assert_contains "$T_ERR" 'refusing to sample as superuser "postgres"' "superuser message"
assert_contains "$T_ERR" "hint: connect as a role with read access only" "superuser hint"
assert_eq "$(cat "$out")" "previous shape" "a failed run leaves the old file alone"
expect_exit 0 "--allow-superuser" -- "$SAMPLER" --dsn "dbname=chat" --key-file "$KEY" -o "$out" --allow-superuser --include users

# ---- unreachable server ----
rm -f "$out"
expect_exit 1 "unreachable server" -- "$SAMPLER" --dsn "host=$T_TMP/nowhere port=5999 dbname=chat user=sampler_ro" \
    --key-file "$KEY" -o "$out" --connect-timeout 2
assert_contains "$T_ERR" "cannot connect to PostgreSQL (host $T_TMP/nowhere, port 5999, database chat, user sampler_ro)" "unreachable message"
assert_contains "$T_ERR" "hint: check --dsn or PGHOST" "unreachable hint"
[ -e "$out" ] && t_fail "no shape after a failed connection" || t_pass "no shape after a failed connection"

# ---- bad credentials: the password never appears ----
psql -X -q -c "CREATE ROLE pwuser LOGIN PASSWORD 'Correct-Horse-7'; GRANT pg_read_all_data TO pwuser"
{ echo "local all pwuser scram-sha-256"; cat "$PG_DATA/pg_hba.conf"; } >"$T_TMP/hba"
cat "$T_TMP/hba" >"$PG_DATA/pg_hba.conf"
psql -X -q -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
expect_exit 1 "bad password" -- "$SAMPLER" --dsn "dbname=chat user=pwuser password=Wrong-Battery-9" -o "$out" --key-file "$KEY"
assert_contains "$T_ERR" 'password authentication failed for user "pwuser"' "bad password message"
assert_contains "$T_ERR" "hint: check the user and the password" "bad password hint"
assert_not_contains "$T_ERR$T_OUT" "Wrong-Battery-9" "the password is not in the message"
assert_not_contains "$(cat "$out.audit.jsonl")" "Wrong-Battery-9" "the password is not in the audit log"
expect_exit 1 "bad PGPASSWORD" -- env PGPASSWORD=Wrong-Battery-9 "$SAMPLER" --dsn "dbname=chat user=pwuser" -o "$out" --key-file "$KEY"
assert_not_contains "$T_ERR$T_OUT" "Wrong-Battery-9" "PGPASSWORD is not in the message"
printf '*:*:*:pwuser:Correct-Horse-7\n' >"$T_TMP/pgpass"
chmod 600 "$T_TMP/pgpass"
expect_exit 0 ".pgpass is used" -- env PGPASSFILE="$T_TMP/pgpass" "$SAMPLER" --dsn "dbname=chat user=pwuser" -o "$out" --key-file "$KEY" --include users
expect_exit 0 "a URI with the password" -- "$SAMPLER" --dsn "postgresql://pwuser:Correct-Horse-7@/chat?host=$PGHOST" -o "$out" --key-file "$KEY" --include users
assert_not_contains "$(cat "$out" "$out.audit.jsonl")" "Correct-Horse-7" "the password is not in the shape or the audit log"

# ---- a table the role may not read: skipped, recorded, the run goes on ----
psql -X -q -d chat -c "CREATE ROLE limited LOGIN; GRANT USAGE ON SCHEMA public TO limited;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO limited; REVOKE SELECT ON users FROM limited"
expect_exit 0 "denied table skipped" -- "$SAMPLER" --dsn "dbname=chat user=limited" -o "$out" --key-file "$KEY"
assert_contains "$T_ERR" "public.users: skipped (permission denied): 42501: permission denied for table users" "denied table reported"
assert_eq "$(jget "$out" tables.public.users.skipped)" permission_denied "skip recorded in the shape"
assert_eq "$(jget "$out" tables.public.users.columns.email.stats)" "" "no statistics for the denied table"
assert_eq "$(jget "$out" tables.public.participants.foreign_keys.participants_user_id_fkey.stats)" "" "no FK statistics into it"
assert_eq "$(jget "$out" tables.public.messages.rows.method)" exact "other tables sampled"
expect_exit 0 "shape with a skipped table is strict" -- "$SHAPE_TOOL" canon "$out"

# ---- the self-check refuses a shape the gate would refuse ----
psql -X -q -d chat -c "CREATE TABLE vip (id int PRIMARY KEY, owner text CHECK (owner <> 'Karin Berg'))"
echo "previous shape" >"$out"
expect_exit 1 "self-check refuses PII in a check constraint" -- sample chat "$out"
assert_contains "$T_ERR" "refusing to write the shape: 1 PII finding, the first: tables[7].checks[0].expression: person-name: K**** B***" "self-check names the place and the rule"
assert_not_contains "$T_ERR" "Karin Berg" "the finding is masked"
assert_contains "$T_ERR" "hint: classify the column as personal" "self-check hint"
assert_eq "$(cat "$out")" "previous shape" "no shape written after the self-check"
expect_exit 0 "the same run without that table" -- sample chat "$out" --exclude vip
psql -X -q -d chat -c "DROP TABLE vip"

# ---- helpers for a session that holds a lock ----
locker_start() { # locker_start SQL...: a psql session fed through a FIFO
    rm -f "$T_TMP/fifo"
    mkfifo "$T_TMP/fifo"
    PGAPPNAME=locker psql -X -q -d chat <"$T_TMP/fifo" >"$T_TMP/locker.log" 2>&1 &
    LOCKER=$!
    exec 7>"$T_TMP/fifo"
    echo "$1" >&7
}
locker_stop() {
    exec 7>&-
    wait "$LOCKER" 2>/dev/null
}
wait_for() { # wait_for SQL: until it returns t (10 s)
    for _ in $(seq 100); do
        [ "$(pg_value "$1" chat)" = t ] && return 0
        sleep 0.1
    done
    return 1
}
lock_held() {
    wait_for "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '$1' AND l.mode = 'AccessExclusiveLock' AND l.granted)"
}
sampler_waiting() {
    wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'silhouette-sampler' AND wait_event_type = 'Lock')"
}

# ---- a lock held longer than lock_timeout: skipped as timeout ----
locker_start "BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE;"
lock_held messages || t_fail "lock taken"
expect_exit 0 "locked table skipped" -- sample chat "$out" --lock-timeout 300
assert_contains "$T_ERR" "public.messages: skipped (timeout): 55P03" "lock timeout reported"
assert_eq "$(jget "$out" tables.public.messages.skipped)" timeout "lock timeout recorded"
assert_eq "$(jget "$out" tables.public.users.rows.method)" exact "the run went on"
echo "ROLLBACK;" >&7
locker_stop

# ---- statement timeout: retried with a quarter of the sample ----
psql -X -q -d chat <<'SQL'
CREATE FUNCTION slow_row() RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT pg_sleep(0.01) IS NOT NULL';
CREATE TABLE slow AS SELECT g AS id, 'row ' || g AS note FROM generate_series(1, 100) g;
ALTER TABLE slow ENABLE ROW LEVEL SECURITY;
CREATE POLICY slow_read ON slow FOR SELECT USING (slow_row());
ANALYZE slow;
SQL
expect_exit 0 "statement timeout retried" -- sample chat "$out" --include slow --sample-rows 100 \
    --exact-count-threshold 0 --statement-timeout 600
assert_contains "$T_ERR" "public.slow: statement timeout with a sample of 100 rows; retrying with 25" "retry reported"
assert_eq "$(jget "$out" tables.public.slow.rows)" '{"count": 100, "method": "estimate", "sampled": 25}' "smaller sample recorded"
assert_eq "$(jget "$out" tables.public.slow.skipped)" "" "not skipped after the retry"
assert_contains "$(grep '"error"' "$out.audit.jsonl")" "57014: canceling statement due to statement timeout" "timeout audited"
out2=$T_TMP/slow2.json
expect_exit 0 "statement timeout every time: skipped" -- sample chat "$out2" --include slow --sample-rows 100 \
    --exact-count-threshold 0 --statement-timeout 30
assert_eq "$(jget "$out2" tables.public.slow.skipped)" timeout "timeout recorded after the retries"
assert_eq "$(grep -c '"error":"57014' "$out2.audit.jsonl")" 3 "three attempts"

# ---- a table dropped mid-run ----
psql -X -q -d chat -c "CREATE TABLE aaa_doomed AS SELECT g AS id FROM generate_series(1, 10) g; GRANT SELECT ON aaa_doomed TO sampler_ro"
locker_start "BEGIN; LOCK TABLE aaa_doomed IN ACCESS EXCLUSIVE MODE;"
lock_held aaa_doomed || t_fail "doomed lock taken"
"$SAMPLER" --dsn "dbname=chat user=sampler_ro" --key-file "$KEY" -o "$out" --lock-timeout 20000 \
    >"$T_TMP/drop.out" 2>"$T_TMP/drop.err" &
pid=$!
sampler_waiting && t_pass "sampler waits for the table" || t_fail "sampler never waited"
echo "DROP TABLE aaa_doomed; COMMIT;" >&7
wait "$pid"
assert_eq "$?" 0 "dropped table: run completes"
assert_contains "$(cat "$T_TMP/drop.err")" "public.aaa_doomed: skipped (dropped during the run)" "drop reported"
assert_eq "$(jget "$out" tables.public.aaa_doomed.skipped)" dropped_during_run "drop recorded"
locker_stop

# ---- Ctrl-C: no shape, no temp file ----
mkdir -p "$T_TMP/cancel"
locker_start "BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE;"
lock_held messages || t_fail "lock taken for cancel"
"$SAMPLER" --dsn "dbname=chat user=sampler_ro" --key-file "$KEY" -o "$T_TMP/cancel/shape.json" \
    --lock-timeout 20000 >"$T_TMP/int.out" 2>"$T_TMP/int.err" &
pid=$!
sampler_waiting || t_fail "sampler never waited (cancel)"
kill -INT "$pid"
wait "$pid"
assert_eq "$?" 130 "interrupted: exit 130"
assert_eq "$(cat "$T_TMP/int.err")" "sampler: interrupted; no shape was written" "interrupt message"
assert_eq "$(ls "$T_TMP/cancel" | grep -v audit.jsonl)" "" "no shape and no temp file left"
assert_contains "$(tail -n1 "$T_TMP/cancel/shape.json.audit.jsonl")" "57014: canceling statement due to user request" "the cancelled statement is audited"
assert_eq "$(wait_for "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'silhouette-sampler')" && echo gone)" gone "the session ended"
echo "ROLLBACK;" >&7
locker_stop
t_done
