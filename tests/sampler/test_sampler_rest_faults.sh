# The REST source when things go wrong: 429 with Retry-After, a 500 once,
# retries spent, a wait longer than allowed, malformed JSON, HTML instead of
# JSON, a slow response past the timeout, a field changing type between
# pages, a redirect to another host, an oversized response, a next link that
# does not advance, TLS (verification on by default, a private CA through
# tls_ca_file), Ctrl-C, and descriptions and command lines that are wrong.
# No failed run leaves a shape.
. tests/harness/lib.sh
. tests/sampler/restlib.sh

rest_setup || { t_fail "rest_setup"; t_done; }
rest_start PORT --log "$T_TMP/server.log" || { t_fail "server"; t_done; }
BASE=http://127.0.0.1:$PORT
out=$T_TMP/f.shape.json
no_shape() { [ -e "$out" ] && { t_fail "$1: a shape was written"; rm -f "$out"; } || t_pass "$1: no shape"; }
fault() { # fault NAME PATH [PAGINATION] [LIMITS]
    one_api "$T_TMP/$1.json" "$BASE" "$2" "${3:-}" "${4:-}"
}
OFF='{"style": "offset", "page_size": 50}'
# Every run starts without a shape or an audit log (the log is appended to).
rsample() {
    local api=$1
    rm -f "$out" "$out.audit.jsonl"
    shift 2
    "$SAMPLER" --source rest --api "$api" --key-file "$KEY" -o "$out" "$@"
}

ONE='{"style": "none"}'
fault r429 /fault/429/all/employee "$ONE"
expect_exit 0 "429 with Retry-After: retried, then read" -- rsample "$T_TMP/r429.json" "$out"
assert_contains "$T_ERR" "HTTP 429; retrying in 1.0s" "the Retry-After wait is honoured"
assert_eq "$(grep -o '"status":[0-9]*' "$out.audit.jsonl" | tr '\n' ' ')" '"status":429 "status":200 ' "the 429, then the page, in the audit log"
assert_eq "$(python3 -c "import json; print(json.load(open('$out'))['tables'][0]['rows']['count'])")" 200 "every record read after the retry"
rm -f "$out"
fault r500 /fault/500once/all/employee "$ONE"
expect_exit 0 "500 once: retried with backoff" -- rsample "$T_TMP/r500.json" "$out"
assert_contains "$T_ERR" "HTTP 500; retrying in 0.5s" "backoff after a 500"
rm -f "$out"
fault always /fault/always429/offset/employee "$OFF" '{"retries": 1, "max_retry_wait_s": 5, "requests_per_second": 1000}'
expect_exit 1 "429 every time: retries spent" -- rsample "$T_TMP/always.json" "$out"
assert_contains "$T_ERR" "/fault/always429/offset/employee?limit=50&offset=0: HTTP 429 after every retry" "retries spent, URL named"
no_shape "retries spent"
fault long /fault/longwait/offset/employee
expect_exit 1 "Retry-After beyond max_retry_wait_s" -- rsample "$T_TMP/long.json" "$out"
assert_contains "$T_ERR" "HTTP 503 asks to wait 3600s, more than limits.max_retry_wait_s (5s)" "long wait refused"
fault bad /fault/malformed/offset/employee
expect_exit 1 "malformed JSON on page 2" -- rsample "$T_TMP/bad.json" "$out"
assert_contains "$T_ERR" "offset=50: the response is not JSON (content type application/json; syntax error at line 1" "malformed page named"
no_shape "malformed JSON"
fault html /fault/html/offset/employee
expect_exit 1 "HTML instead of JSON" -- rsample "$T_TMP/html.json" "$out"
assert_contains "$T_ERR" "the response is not JSON (content type text/html" "content type named"
assert_not_contains "$T_ERR" "Log in" "the body is never quoted"
fault slow /fault/slow/offset/employee "$OFF" '{"timeout_ms": 800, "retries": 1, "requests_per_second": 1000}'
expect_exit 1 "a response slower than the timeout" -- rsample "$T_TMP/slow.json" "$out"
assert_contains "$T_ERR" "Operation timed out" "timeout reported"
assert_contains "$T_ERR" "(retries spent)" "after the retry"
assert_contains "$T_ERR" "hint: raise limits.timeout_ms" "timeout hint"
assert_eq "$(grep -c '"error":' "$out.audit.jsonl")" 2 "both timed-out attempts are in the audit log"
no_shape "timeout"
fault shape /fault/shape/offset/employee
expect_exit 1 "a field changes type mid-pagination" -- rsample "$T_TMP/shape.json" "$out"
assert_contains "$T_ERR" 'entity "employees" changed shape: field "departmentId" is an object in record 51 (page 2), a string before' "shape change named"
fault notlist /fault/notlist/offset/employee
expect_exit 1 "records that are not an array" -- rsample "$T_TMP/notlist.json" "$out"
assert_contains "$T_ERR" "cannot tell which member of the page holds the records" "records not found"
assert_contains "$T_ERR" 'hint: set "records"' "records hint"
fault redir /fault/redirect/offset/employee
expect_exit 1 "a redirect to another host (127.0.0.2) is refused" -- rsample "$T_TMP/redir.json" "$out"
assert_contains "$T_ERR" "redirect to another host refused (http://127.0.0.2:$PORT/offset/employee)" "redirect target named"
no_shape "redirect"
fault same /fault/sameredirect/offset/employee
expect_exit 0 "a redirect on the same host is followed" -- rsample "$T_TMP/same.json" "$out"
assert_eq "$(grep -c '"status":302' "$out.audit.jsonl")" 5 "redirects are in the audit log"
rm -f "$out"
fault big /fault/big/offset/employee "$OFF" '{"max_response_bytes": 1048576, "requests_per_second": 1000}'
expect_exit 1 "a response above max_response_bytes" -- rsample "$T_TMP/big.json" "$out"
assert_contains "$T_ERR" "response larger than 1048576 bytes" "size cap"
fault loop /fault/loop/next/employee '{"style": "next_link", "next_path": "next"}'
expect_exit 1 "a next link that does not advance" -- rsample "$T_TMP/loop.json" "$out"
assert_contains "$T_ERR" "points to the same next link again" "loop detected"
fault nf /nowhere/employee
expect_exit 1 "404" -- rsample "$T_TMP/nf.json" "$out"
assert_contains "$T_ERR" "HTTP 404" "404 named"
assert_contains "$T_ERR" "hint: check base_url and the entity's path" "404 hint"
one_api "$T_TMP/closed.json" "http://127.0.0.1:1" /offset/employee "$OFF" '{"retries": 0}'
expect_exit 1 "nothing listening" -- rsample "$T_TMP/closed.json" "$out"
assert_contains "$T_ERR" "GET http://127.0.0.1:1/offset/employee?limit=50&offset=0: " "connection failure names the URL"
no_shape "all faults"

# ---- TLS ----
one_api "$T_TMP/tlsplain.json" "https://127.0.0.1:$PORT" /offset/employee "$OFF" '{"retries": 0}'
expect_exit 1 "https to a plain-HTTP server fails in TLS" -- rsample "$T_TMP/tlsplain.json" "$out"
assert_contains "$T_ERR" "SSL" "a TLS error"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$T_TMP/tls.key" -out "$T_TMP/tls.crt" >/dev/null 2>&1; then
    rest_start TPORT --tls "$T_TMP/tls.crt" "$T_TMP/tls.key" || t_fail "TLS server"
    one_api "$T_TMP/tls.json" "https://127.0.0.1:$TPORT" /offset/employee "$OFF" '{"retries": 0}'
    expect_exit 1 "a self-signed certificate is refused by default" -- rsample "$T_TMP/tls.json" "$out"
    assert_contains "$T_ERR" "certificate" "verification failure named"
    assert_contains "$T_ERR" "hint: TLS verification is always on; for a private CA name its certificate in tls_ca_file" "CA hint"
    python3 - "$T_TMP/tls.json" "$T_TMP/tls.crt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["tls_ca_file"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"))
PY
    expect_exit 0 "trusted through tls_ca_file" -- rsample "$T_TMP/tls.json" "$out"
    assert_eq "$(python3 -c "import json; print(json.load(open('$out'))['tables'][0]['rows']['count'])")" 200 "read over TLS"
    rm -f "$out"
else
    t_fail "openssl could not make a test certificate"
fi
python3 - "$T_TMP/tls.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["tls_ca_file"] = "/nonexistent/ca.pem"
json.dump(d, open(sys.argv[1], "w"))
PY
expect_exit 2 "a missing tls_ca_file" -- rsample "$T_TMP/tls.json" "$out"
assert_contains "$T_ERR" "cannot read the CA file tls_ca_file" "missing CA file named"
one_api "$T_TMP/plain.json" "http://api.example.com" /employee
expect_exit 2 "plain http off loopback is refused" -- rsample "$T_TMP/plain.json" "$out"
assert_contains "$T_ERR" "base_url: plain http to \"api.example.com\" would send the credentials and the data unencrypted" "plain http refused"

# ---- Ctrl-C: no shape, no temp file, the audit log keeps what was sent ----
fault ctrlc /fault/slow/offset/employee "$OFF" '{"timeout_ms": 20000, "requests_per_second": 1000}'
mkdir -p "$T_TMP/int"
rm -f "$T_TMP/server.log.slow"
"$SAMPLER" --source rest --api "$T_TMP/ctrlc.json" --key-file "$KEY" -o "$T_TMP/int/s.json" >/dev/null 2>"$T_TMP/int.err" &
spid=$!
for i in $(seq 1 100); do
    [ -s "$T_TMP/server.log.slow" ] && break
    sleep 0.1
done
assert_eq "$(cat "$T_TMP/server.log.slow" 2>/dev/null)" "/fault/slow/offset/employee?limit=50&offset=0" "the request is in flight"
sleep 0.2
kill -INT "$spid"
wait "$spid"
assert_eq "$?" 130 "SIGINT: exit 130"
assert_contains "$(cat "$T_TMP/int.err")" "interrupted; no shape was written" "interruption reported"
assert_eq "$(ls "$T_TMP/int")" "s.json.audit.jsonl" "only the audit log is left"
assert_contains "$(cat "$T_TMP/int/s.json.audit.jsonl")" '"error":"interrupted"' "the aborted request is logged"

# ---- wrong descriptions and command lines (exit 2, path named) ----
desc() { printf '%s\n' "$1" >"$T_TMP/d.json"; expect_exit 2 "$2" -- rsample "$T_TMP/d.json" "$out"; assert_contains "$T_ERR" "$3" "$2: message"; }
H='"format": "silhouette.rest-source", "version": 1'
desc "{$H, \"base_url\": \"$BASE\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\", \"pagination\": {\"style\": \"scroll\"}}]}" \
    "unknown pagination style" "entities[0].pagination.style: unknown value \"scroll\""
desc "{$H, \"base_url\": \"$BASE\", \"pagination\": {\"style\": \"cursor\"}, \"entities\": [{\"name\": \"e\", \"path\": \"/e\"}]}" \
    "cursor without cursor_path" "the cursor style needs \"cursor_path\""
desc "{$H, \"base_url\": \"$BASE\", \"entities\": []}" "no entities" "entities: no entities"
desc "{$H, \"base_url\": \"ftp://x/\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\"}]}" "not an http URL" "base_url: expected an absolute http or https URL"
desc "{$H, \"base_url\": \"https://user:pw@x/\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\"}]}" "credentials in the URL" "base_url: expected an absolute http or https URL without user name, password"
desc "{$H, \"base_url\": \"$BASE\", \"entities\": [{\"name\": \"e\", \"path\": \"/e?x=1\"}]}" "query in a path" "entities[0].path: a path is printable ASCII"
desc "{$H, \"base_url\": \"$BASE\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\"}, {\"name\": \"e\", \"path\": \"/f\"}]}" "duplicate entity" "entity \"e\" is listed twice"
desc "{$H, \"base_url\": \"$BASE\", \"auth\": {\"type\": \"bearer\", \"token_file\": \"/a\", \"token_env\": \"B\"}, \"entities\": [{\"name\": \"e\", \"path\": \"/e\"}]}" \
    "two secret sources" "the token comes from exactly one of \"token_file\" and \"token_env\""
desc "{$H, \"base_url\": \"$BASE\", \"limits\": {\"max_records\": 0}, \"entities\": [{\"name\": \"e\", \"path\": \"/e\"}]}" \
    "a zero record cap" "limits.max_records: expected an integer from 1"
desc "{$H, \"base_url\": \"$BASE\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\", \"foreign_keys\": [{\"column\": \"x\", \"references\": \"nope.id\"}]}]}" \
    "a hint to an unknown entity" "entities[0].foreign_keys[0].references: unknown entity \"nope\""
desc '{"format": "silhouette.sampler-policy", "version": 1}' "not a description" "is not a REST source description"
# The example in docs/sampler.md is a valid description (it fails only at its token file).
python3 - "$SIL_ROOT/docs/sampler.md" "$T_TMP/doc.json" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
block = text.split("### The source description", 1)[1].split("```json", 1)[1].split("```", 1)[0]
open(sys.argv[2], "w", encoding="utf-8").write(block)
PY
expect_exit 2 "the documented example parses" -- rsample "$T_TMP/doc.json" "$out"
assert_contains "$T_ERR" "cannot open the token file" "the example gets as far as its secret"
expect_exit 2 "a missing description" -- rsample "$T_TMP/none.json" "$out"
assert_contains "$T_ERR" "none.json" "missing file named"
expect_exit 2 "--source rest without --api" -- "$SAMPLER" --source rest -o "$out"
assert_contains "$T_ERR" "--source rest needs --api FILE" "missing --api"
expect_exit 2 "--api without --source rest" -- "$SAMPLER" --api "$T_TMP/d.json" -o "$out"
assert_contains "$T_ERR" "--api is for --source rest" "--api alone"
expect_exit 2 "--metadata-only with REST" -- "$SAMPLER" --source rest --api "$T_TMP/d.json" --metadata-only -o "$out"
expect_exit 2 "--dsn with REST" -- "$SAMPLER" --source rest --api "$T_TMP/d.json" --dsn x -o "$out"
no_shape "bad descriptions"
t_done
