# Throwaway PostgreSQL 15 clusters for tests: unix socket in a temp dir, no TCP.
#
#   . tests/harness/pg.sh
#   pg_start              # initdb + start; exports PGHOST PGPORT PGUSER PGDATABASE
#   psql -c '...'         # connects as the superuser "postgres"
#   pg_restart / pg_kill  # for fault tests
#   pg_stop               # also runs on EXIT, INT and TERM, so a failing test stops it
#
# The server runs as the postgres user (initdb refuses root) in a directory
# it owns. Every cluster started is listed in $SIL_PG_REGISTRY when the test
# runner sets it, so the runner can stop any a killed test left behind.

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_DIR=
PG_DATA=

pg__as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local extra_conf=${1:-}
    if [ ! -x "$PG_BINDIR/initdb" ]; then
        echo "pg_start: $PG_BINDIR/initdb not found (install postgresql-15: make deps)" >&2
        return 1
    fi
    PG_DIR=$(mktemp -d "${SIL_PG_BASE:-/tmp}/sil-pg.XXXXXX") || return 1
    chmod 0755 "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; fi
    PG_DATA=$PG_DIR/data
    if ! pg__as_postgres "$PG_BINDIR/initdb" -D "$PG_DATA" -A trust -U postgres --no-sync \
        -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
        echo "pg_start: initdb failed:" >&2
        cat "$PG_DIR/initdb.log" >&2
        return 1
    fi
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
shared_buffers = 64MB
log_min_messages = warning
$extra_conf
CONF
    if [ -n "${SIL_PG_REGISTRY:-}" ]; then echo "$PG_DATA" >>"$SIL_PG_REGISTRY"; fi
    if ! pg__as_postgres "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 30 \
        start >/dev/null; then
        echo "pg_start: server did not start:" >&2
        tail -n 20 "$PG_DIR/server.log" >&2
        return 1
    fi
    export PGHOST=$PG_DIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
    unset PGPASSWORD PGSERVICE PGHOSTADDR
    trap 'pg_stop; if declare -F t__cleanup_tmp >/dev/null; then t__cleanup_tmp; fi' EXIT
    trap 'pg_stop; exit 130' INT
    trap 'pg_stop; exit 143' TERM
}

pg_stop() {
    if [ -n "$PG_DATA" ] && [ -d "$PG_DATA" ]; then
        pg__as_postgres "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -n "$PG_DIR" ] && [ -z "${SIL_KEEP_PG:-}" ]; then rm -rf "$PG_DIR"; fi
    PG_DIR=
    PG_DATA=
}

# Restart (fast shutdown) or crash-restart (immediate) for fault tests.
pg_restart() {
    pg__as_postgres "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m "${1:-fast}" -w restart \
        -l "$PG_DIR/server.log" >/dev/null
}

pg_server_log() {
    cat "$PG_DIR/server.log"
}

# A SQL one-liner whose single value is printed without decoration.
pg_value() {
    psql -X -At -v ON_ERROR_STOP=1 -d "${2:-$PGDATABASE}" -c "$1"
}

# Load a real public sample from ../shared/fixtures into a new database.
# Returns 77 (skip) when the shared fixtures are not present.
pg_load_shared_fixture() {
    local name=$1 db=${2:-$1}
    local dir=${SIL_SHARED_FIXTURES:-$SIL_ROOT/../shared/fixtures}/$name
    if [ ! -x "$dir/load.sh" ]; then
        echo "skip: shared fixture '$name' not found at $dir" >&2
        return 77
    fi
    "$dir/load.sh" "$PGHOST" "$PGPORT" "$db" postgres >/dev/null
}
