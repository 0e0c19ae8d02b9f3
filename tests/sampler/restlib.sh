# Shared set-up for the REST suites: the local test API (restserver.py) on
# 127.0.0.1, a secret file, a key, and a source description writer. Source
# after tests/harness/lib.sh (and pg.sh when the suite needs PostgreSQL).
SAMPLER=$SIL_BIN/sampler
SC=(python3 "$SIL_ROOT/tests/sampler/shapecheck.py")
RS=$SIL_ROOT/tests/sampler/restserver.py
KEY=$T_TMP/sampler.key
SECRET=$T_TMP/api.secret
REST_PIDS=()

rest__stop_all() {
    local p
    for p in "${REST_PIDS[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    REST_PIDS=()
}
rest__on_exit() {
    rest__stop_all
    if declare -F pg_stop >/dev/null; then pg_stop; fi
    if declare -F t__cleanup_tmp >/dev/null; then t__cleanup_tmp; fi
}
# (Re)installed by rest_start: pg_start installs traps of its own.
rest__traps() {
    trap rest__on_exit EXIT
    trap 'rest__on_exit; exit 130' INT
    trap 'rest__on_exit; exit 143' TERM
}
rest__traps

# rest_setup: the secret (mode 0600) and a key.
rest_setup() {
    printf 'tok-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$SECRET"
    chmod 600 "$SECRET"
    "$SAMPLER" keygen --out "$KEY" >/dev/null
}

# rest_start VAR [restserver.py option]...: start a server, its port in $VAR.
rest_start() {
    local var=$1
    shift
    local pf
    pf=$(mktemp -u "$T_TMP/port.XXXXXX")
    python3 "$RS" --port-file "$pf" --secret-file "$SECRET" "$@" >>"$T_TMP/server.err" 2>&1 </dev/null &
    REST_PIDS+=($!)
    rest__traps
    local i
    for i in $(seq 1 100); do
        [ -s "$pf" ] && break
        sleep 0.1
    done
    [ -s "$pf" ] || { echo "rest_start: the test server did not start" >&2; cat "$T_TMP/server.err" >&2; return 1; }
    printf -v "$var" '%s' "$(cat "$pf")"
}

# hr_api FILE BASE_URL [AUTH_JSON] [EXTRA_TOP_LEVEL_JSON]: the HR description,
# one pagination style per entity.
hr_api() {
    local file=$1 base=$2
    local auth=${3:-"{\"type\": \"bearer\", \"token_file\": \"$SECRET\"}"}
    local extra=${4:-}
    cat >"$file" <<JSON
{"format": "silhouette.rest-source", "version": 1,
 "description": "HR SaaS test API",
 "base_url": "$base",
 "auth": $auth,
 "pagination": {"style": "offset", "page_size": 50, "total_path": "meta.total"},
 "limits": {"requests_per_second": 1000, "timeout_ms": 5000, "retries": 2, "max_retry_wait_s": 5}$extra,
 "entities": [
  {"name": "departments", "path": "/offset/department"},
  {"name": "offices", "path": "/page/office", "pagination": {"style": "page", "page_size": 2}},
  {"name": "teams", "path": "/next/team",
   "pagination": {"style": "next_link", "next_path": "next", "limit_param": "limit", "page_size": 4}},
  {"name": "employees", "path": "/cursor/employee",
   "pagination": {"style": "cursor", "cursor_path": "meta.next_cursor", "page_size": 64}},
  {"name": "compensation", "path": "/link/compensation",
   "pagination": {"style": "next_link", "limit_param": "limit", "page_size": 50}}
 ]}
JSON
}

# one_api FILE BASE_URL PATH [PAGINATION_JSON] [LIMITS_JSON]: one entity "employees".
one_api() {
    local file=$1 base=$2 path=$3
    local pg=${4:-'{"style": "offset", "page_size": 50}'}
    local lim=${5:-'{"requests_per_second": 1000, "timeout_ms": 5000, "retries": 2, "max_retry_wait_s": 5}'}
    cat >"$file" <<JSON
{"format": "silhouette.rest-source", "version": 1, "base_url": "$base",
 "auth": {"type": "bearer", "token_file": "$SECRET"},
 "pagination": $pg, "limits": $lim,
 "entities": [{"name": "employees", "path": "$path"}]}
JSON
}

# rsample API OUT [OPTION]...: run the sampler on a REST source (Swedish data).
rsample() {
    local api=$1 out=$2
    shift 2
    "$SAMPLER" --source rest --api "$api" --key-file "$KEY" --locale sv_SE -o "$out" "$@"
}
