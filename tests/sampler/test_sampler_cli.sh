# The sampler's command line, key handling and policy files, as users run
# them. No server: everything here fails (or succeeds) before connecting.
. tests/harness/lib.sh

S=$SIL_BIN/sampler
out=$T_TMP/shape.json
nowhere="host=$T_TMP/no-server port=1 connect_timeout=1"

expect_exit 0 "--help" -- "$S" --help
assert_contains "$T_OUT" "Usage: sampler [OPTION]... --out SHAPE" "help text"
assert_contains "$T_OUT" "Exit status: 0 shape written" "help documents exit codes"
expect_exit 0 "--version" -- "$S" --version
assert_contains "$T_OUT" "sampler (silhouette)" "version"
expect_exit 2 "missing --out" -- "$S" --dsn "$nowhere"
assert_contains "$T_ERR" "sampler: --out SHAPE is required" "missing --out named"
expect_exit 2 "unknown option" -- "$S" --frobnicate
expect_exit 2 "k below 2" -- "$S" --k 1 -o "$out"
assert_contains "$T_ERR" "--k" "bad k named"
expect_exit 2 "odd token length" -- "$S" --token-length 15 -o "$out"
assert_contains "$T_ERR" "--token-length must be even" "odd token length named"
expect_exit 2 "bad sample rows" -- "$S" --sample-rows 0 -o "$out"
expect_exit 2 "unknown source" -- "$S" --source oracle -o "$out"
assert_contains "$T_ERR" "unknown source 'oracle'" "unknown source named"
expect_exit 2 "REST without a description" -- "$S" --source rest -o "$out"
assert_contains "$T_ERR" "--source rest needs --api FILE, the source description" "REST needs --api"
expect_exit 2 "unknown locale" -- "$S" --locale xx_YY -o "$out"
expect_exit 2 "stray argument" -- "$S" -o "$out" extra
assert_contains "$T_ERR" "unexpected argument 'extra'" "stray argument named"

# ---- keygen ----
key=$T_TMP/k/sampler.key
mkdir -p "$T_TMP/k"
expect_exit 0 "keygen" -- "$S" keygen --out "$key"
assert_contains "$T_OUT" "key written to $key (mode 0600), key id " "keygen reports"
assert_eq "$(stat -c %a "$key")" 600 "key file mode 0600"
assert_eq "$(tr -d '\n' <"$key" | grep -cE '^[0-9a-f]{64}$')" 1 "key is 64 hex digits"
id1=$(echo "$T_OUT" | sed 's/.*key id //')
assert_eq "$(echo "$id1" | grep -cE '^[0-9a-f]{16}$')" 1 "key id is 16 hex"
expect_exit 2 "keygen refuses to overwrite" -- "$S" keygen --out "$key"
assert_contains "$T_ERR" "will not overwrite an existing key file" "overwrite refusal"
assert_contains "$T_ERR" "pass --force" "overwrite hint"
cp "$key" "$T_TMP/k/old.key"
expect_exit 0 "keygen --force" -- "$S" keygen --out "$key" --force
cmp -s "$key" "$T_TMP/k/old.key" && t_fail "a new key each time" || t_pass "a new key each time"
expect_exit 2 "keygen without --out" -- "$S" keygen
expect_exit 0 "keygen leaves no temp file" -- test "$(ls "$T_TMP/k" | wc -l)" = 2

# ---- key files and the environment ----
chmod 644 "$key"
expect_exit 1 "key readable by others refused" -- "$S" --dsn "$nowhere" --key-file "$key" -o "$out"
assert_contains "$T_ERR" "key file is readable or writable by group or others (mode 0644)" "key mode refusal"
assert_contains "$T_ERR" "hint: chmod 600 '$key'" "key mode hint"
chmod 640 "$key"
expect_exit 1 "key readable by the group refused" -- "$S" --dsn "$nowhere" --key-file "$key" -o "$out"
chmod 600 "$key"
expect_exit 2 "missing key file" -- "$S" --dsn "$nowhere" --key-file "$T_TMP/none.key" -o "$out"
assert_contains "$T_ERR" "hint: create one with: sampler keygen --out $T_TMP/none.key" "missing key hint"
printf 'short\n' >"$T_TMP/short.key"
chmod 600 "$T_TMP/short.key"
expect_exit 2 "short key refused" -- "$S" --dsn "$nowhere" --key-file "$T_TMP/short.key" -o "$out"
assert_contains "$T_ERR" "holds a key of 5 bytes; at least 32 bytes (or 64 hex digits) are needed" "short key message"
expect_exit 2 "short key in the environment refused" -- env SILHOUETTE_HMAC_KEY=tooshort "$S" --dsn "$nowhere" -o "$out"
assert_contains "$T_ERR" '$SILHOUETTE_HMAC_KEY holds a key of 8 bytes' "short env key message"
assert_not_contains "$T_ERR" "tooshort" "the key is never printed"
# A good key gets as far as connecting.
expect_exit 1 "key from the environment accepted" -- env SILHOUETTE_HMAC_KEY="$(cat "$key")" "$S" --dsn "$nowhere" -o "$out"
assert_contains "$T_ERR" "cannot connect to PostgreSQL" "env key: reached the connection"
expect_exit 1 "no key: warned, still runs" -- "$S" --dsn "$nowhere" -o "$out"
assert_contains "$T_ERR" "warning: no HMAC key" "no-key warning"

# ---- policy files ----
pol=$T_TMP/policy.json
echo '{"format": "silhouette.sampler-policy", "version": 1, "columns": [{"match": "users.email", "class": "public"}]}' >"$pol"
expect_exit 2 "policy: bad glob" -- "$S" --dsn "$nowhere" --key-file "$key" --policy "$pol" -o "$out"
assert_contains "$T_ERR" "'$pol': columns[0].match: expected a SCHEMA.TABLE.COLUMN pattern" "policy glob error located"
echo '{"format": "silhouette.sampler-policy", "version": 1, "columns": [{"match": "*.*.email", "class": "personal:email", "categories": "clear"}]}' >"$pol"
expect_exit 2 "policy: clear on a personal column" -- "$S" --dsn "$nowhere" --key-file "$key" --policy "$pol" -o "$out"
assert_contains "$T_ERR" "columns[0].categories: a personal column never emits clear values" "personal clear refused"
echo '{"format": "silhouette.sampler-policy", "version": 1, "name_rules": [{"id": "x", "column": "(unclosed", "class": "public"}]}' >"$pol"
expect_exit 2 "policy: bad regex" -- "$S" --dsn "$nowhere" --key-file "$key" --policy "$pol" -o "$out"
assert_contains "$T_ERR" "name_rules[0].column: bad regular expression at offset 9" "regex error located"
echo '{"format": "silhouette.sampler-policy", "version": 1, "extra": true}' >"$pol"
expect_exit 2 "policy: unknown key" -- "$S" --dsn "$nowhere" --key-file "$key" --policy "$pol" -o "$out"
assert_contains "$T_ERR" 'unknown key "extra"' "unknown policy key named"
expect_exit 2 "rules: missing file" -- "$S" --dsn "$nowhere" --key-file "$key" --rules "$T_TMP/none-rules.json" -o "$out"
assert_contains "$T_ERR" "none-rules.json" "missing rules file named"
expect_exit 2 "policy: missing file" -- "$S" --dsn "$nowhere" --key-file "$key" --policy "$T_TMP/none.json" -o "$out"
expect_exit 2 "no shipped policy found" -- env SILHOUETTE_POLICY_DIR="$T_TMP/empty" "$S" --dsn "$nowhere" --key-file "$key" -o "$out"
assert_contains "$T_ERR" "sampler-default.json" "missing default policy named"
[ -e "$out" ] && t_fail "no shape written by any failed run" || t_pass "no shape written by any failed run"
t_done
