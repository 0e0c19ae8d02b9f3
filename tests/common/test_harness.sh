# The throwaway cluster: unix socket only, stopped even when a test fails.
. tests/harness/lib.sh
. tests/harness/pg.sh

pg_start || { t_fail "pg_start"; t_done; }
assert_eq "$(pg_value 'SHOW listen_addresses')" "" "no TCP listener"
assert_eq "$(pg_value 'SELECT current_user')" "postgres" "connected as postgres"
dir=$PG_DIR
pg_stop
[ -d "$dir" ] && t_fail "cluster directory left behind" || t_pass "pg_stop removes the cluster"

# A test that fails midway still stops its cluster (the EXIT trap).
out=$(bash -c '. tests/harness/lib.sh; . tests/harness/pg.sh; pg_start >/dev/null; echo "$PG_DIR"; exit 1')
[ -n "$out" ] && [ ! -d "$out" ] && t_pass "failing test stops its cluster" || t_fail "cluster $out survived a failing test"
if pgrep -f "postgres -D $out/data" >/dev/null; then t_fail "postgres still running for $out"; fi
t_done
