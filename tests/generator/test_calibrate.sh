# generator calibrate: a hand-maintained chat template brought up to date from a
# newer chat shape (the same source sampled later and larger). The printed diff is
# exactly what changed between the shapes; faker methods, pii flags, descriptions,
# an entity the shape lacks and a pinned field survive; the result is a valid
# template that generates; errors name the problem, with exit codes.
. tests/harness/lib.sh

G=$SIL_BIN/generator
tool=$SIL_BUILD/tests/shape-tool
spec=$T_TMP/chat-template.json
cat >"$spec" <<'JSON'
{
  "source": "chat",
  "description": "hand-maintained chat spec",
  "entities": [
    {"name": "users", "row_count": 5000, "description": "accounts", "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "email", "type": "string", "pii": true, "faker_method": "safe_email", "unique": true},
      {"name": "device", "type": "string", "faker_method": "random_element",
       "faker_args": {"elements": ["ios", "android", "web"]}},
      {"name": "country", "type": "string", "faker_method": "random_element",
       "faker_args": {"elements": ["US", "GB", "DE", "SE", "FR"]}},
      {"name": "created_at", "type": "timestamp", "faker_method": "date_between",
       "faker_args": {"start_date": "2023-01-04", "end_date": "2024-12-01"}}]},
    {"name": "conversations", "row_count": 8000, "fields": [
      {"name": "id", "type": "bigint", "primary_key": true}]},
    {"name": "messages", "row_count": 500000, "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "conversation_id", "type": "bigint", "foreign_key": "conversations.id"},
      {"name": "sender_id", "type": "bigint", "foreign_key": "users.id"},
      {"name": "body", "type": "text", "faker_method": "sentence", "nullable": true, "null_fraction": 0.05}]},
    {"name": "attachments", "row_count": 60000, "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "message_id", "type": "bigint", "foreign_key": "messages.id"},
      {"name": "mime_type", "type": "string", "faker_method": "random_element",
       "faker_args": {"elements": ["image/jpeg", "image/png", "video/mp4", "application/pdf"]}},
      {"name": "size_bytes", "type": "integer", "faker_method": "random_int",
       "faker_args": {"min": 2048, "max": 24000000}}]},
    {"name": "audit_events", "row_count": 10, "description": "not sampled; written by hand", "fields": [
      {"name": "id", "type": "integer", "primary_key": true},
      {"name": "kind", "type": "string", "faker_method": "random_element", "faker_args": {"elements": ["login"]}}]}
  ]
}
JSON

# the newer shape: the chat source sampled later, larger (media ratio 0.11 -> 0.15), and
# messages no longer arrive in a pattern the sampler finds
jq 'del(.checksum)
  | (.tables[] | select(.name == "users") | .rows.count) = 6000
  | (.tables[] | select(.name == "users") | .columns[] | select(.name == "country") | .stats.categories.values) +=
      [{"value": "NO", "fraction": 0.05}]
  | (.tables[] | select(.name == "users") | .columns[] | select(.name == "country") | .stats.categories.other_fraction) = 0
  | (.tables[] | select(.name == "users") | .columns[] | select(.name == "created_at") | .stats.quantiles) =
      [[0.005, 1672790400], [0.5, 1715363200], [0.995, 1764547200]]
  | (.tables[] | select(.name == "messages") | .rows.count) = 600000
  | (.tables[] | select(.name == "messages") | .columns[] | select(.name == "body") | .stats.null_fraction) = 0.031
  | (.tables[] | select(.name == "messages") | .foreign_keys[0].stats) |= del(.arrival)
  | (.tables[] | select(.name == "attachments") | .foreign_keys[0].stats) += {"parents_with_children": 0.15, "mean_children": 0.16}
  | (.tables[] | select(.name == "attachments") | .rows.count) = 90000
  | (.tables[] | select(.name == "attachments") | .columns[] | select(.name == "mime_type") | .stats.categories.values) =
      [{"value": "image/jpeg", "fraction": 0.5}, {"value": "image/webp", "fraction": 0.15},
       {"value": "image/png", "fraction": 0.15}, {"value": "video/mp4", "fraction": 0.15}]
  | (.tables[] | select(.name == "attachments") | .columns[] | select(.name == "size_bytes") | .stats.quantiles) =
      [[0.005, 4096], [0.5, 200000], [0.995, 30000000]]' \
    tests/shapes/chat.shape.json >"$T_TMP/new.unsealed.json"
"$tool" seal "$T_TMP/new.unsealed.json" >"$T_TMP/new.shape.json" || { t_fail "cannot seal the newer shape"; t_done; }

# the old shape changes no number of the template (it was written from it); the
# shape statistics are new to it, and recorded
expect_exit 0 "calibrate against the shape it was written from" -- \
    "$G" calibrate -s tests/shapes/chat.shape.json -t "$spec" --dry-run
assert_contains "$T_OUT" "would write $spec: 0 changes in 0 fields and 0 tables, " "no template change"
assert_eq "$(head -n 1 <<<"$T_OUT")" "shape statistics, the template's calibration record -> 'tests/shapes/chat.shape.json':" \
    "the statistics come first from the shape"
assert_contains "$T_OUT" "public.messages.body: length p50/p95/p99 (none) -> " "a statistic without a record"
expect_exit 0 "record the statistics in place" -- "$G" calibrate -s tests/shapes/chat.shape.json -t "$spec" -o "$spec"
expect_exit 0 "calibrate against the shape it was written from, again" -- \
    "$G" calibrate -s tests/shapes/chat.shape.json -t "$spec" --dry-run
assert_eq "$(head -n 1 <<<"$T_OUT")" "no changes: '$spec' already matches 'tests/shapes/chat.shape.json'" "no changes"
assert_eq "$(jq -r '.calibration.shape.file' "$spec")" chat.shape.json "the record names the shape"
cp "$spec" "$T_TMP/spec.orig"

out=$T_TMP/chat-template.2.json
expect_exit 0 "calibrate from the newer shape, one field pinned" -- \
    "$G" calibrate --shape "$T_TMP/new.shape.json" --template "$spec" --out "$out" --keep attachments.size_bytes
expected="public.users: row_count 5000 -> 6000
public.users.country: faker_args.elements [\"US\",\"GB\",\"DE\",\"SE\",\"FR\"] -> [\"US\",\"GB\",\"DE\",\"SE\",\"FR\",\"NO\"]
public.users.created_at: faker_args.end_date \"2024-12-01\" -> \"2025-12-01\"
public.messages: row_count 500000 -> 600000
public.messages.body: null_fraction 0.05 -> 0.031
public.attachments: row_count 60000 -> 90000
public.attachments.mime_type: faker_args.elements [\"image/jpeg\",\"image/png\",\"video/mp4\",\"application/pdf\"] -> [\"image/jpeg\",\"image/webp\",\"image/png\",\"video/mp4\"]
shape statistics, the template's calibration record -> '$T_TMP/new.shape.json':
public.messages.conversation_id: burst coefficient 2.7 -> (none)
public.attachments.message_id: share of public.messages with children 0.11 -> 0.15
public.attachments.message_id: mean children per parent 0.12 -> 0.16
wrote $out: 7 changes in 4 fields and 3 tables, 3 shape statistics changed, from '$T_TMP/new.shape.json'
kept as written (not in the shape): public.audit_events
kept as written (--keep): public.attachments.size_bytes"
assert_eq "$T_OUT" "$expected" "the diff names every change, old -> new, and what was kept"
cmp -s "$spec" "$T_TMP/spec.orig" && t_pass "the input template is untouched" || t_fail "the input template changed"

# the written template: the changes, and the hand-written parts as they were
assert_eq "$(jq -c '[.entities[] | [.name, .row_count]]' "$out")" \
    '[["users",6000],["conversations",8000],["messages",600000],["attachments",90000],["audit_events",10]]' "row counts"
assert_eq "$(jq -c '.entities[2].fields[3]' "$out")" \
    '{"name":"body","type":"text","faker_method":"sentence","nullable":true,"null_fraction":0.031}' "faker method kept, null fraction calibrated"
assert_eq "$(jq -c '.entities[0].fields[1]' "$out")" \
    '{"name":"email","type":"string","pii":true,"faker_method":"safe_email","unique":true}' "a pii override kept exactly"
assert_eq "$(jq -c '.entities[3].fields[3].faker_args' "$out")" '{"min":2048,"max":24000000}' "the pinned field kept"
assert_eq "$(jq -c '[.description, .entities[0].description, .entities[4]]' "$out")" \
    "$(jq -c '[.description, .entities[0].description, .entities[4]]' "$spec")" "descriptions and the unsampled entity kept"
# without the pin, the field follows the shape
expect_exit 0 "unpinned" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$spec" --dry-run
assert_contains "$T_OUT" "public.attachments.size_bytes: faker_args.min 2048 -> 4096" "min from the shape"
assert_contains "$T_OUT" "public.attachments.size_bytes: faker_args.max 24000000 -> 30000000" "max from the shape"
assert_contains "$T_OUT" "would write $spec: 9 changes" "a dry run writes nothing"
cmp -s "$spec" "$T_TMP/spec.orig" && t_pass "dry run left the template" || t_fail "dry run wrote"
# the calibrated template generates, and calibrating again changes nothing
expect_exit 0 "the calibrated template generates" -- "$G" -t "$out" -o "$T_TMP/gen" --scale 0.001 -q
expect_exit 0 "calibrating again" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$out" -o "$out" --keep attachments.size_bytes
assert_contains "$T_OUT" "no changes: '$out' already matches" "idempotent, in place"

# a text column that is also a foreign key: its length and its key statistics under one subject
jq 'del(.checksum)
  | (.tables[] | select(.name == "users")) += {"unique": [{"name": "users_email_key", "columns": ["email"]}]}
  | (.tables[] | select(.name == "users") | .columns[] | select(.name == "email")) as $e
  | (.tables[] | select(.name == "attachments") | .columns) += [$e + {"name": "uploader_email"}]
  | (.tables[] | select(.name == "attachments") | .foreign_keys) += [{"name": "attachments_uploader_fkey",
      "columns": ["uploader_email"], "references": {"schema": "public", "table": "users", "columns": ["email"]},
      "stats": {"coverage": 1, "parents_with_children": 0.3, "mean_children": 2}}]' \
    tests/shapes/chat.shape.json >"$T_TMP/tfk.unsealed.json"
"$tool" seal "$T_TMP/tfk.unsealed.json" >"$T_TMP/tfk.shape.json"
cat >"$T_TMP/tfk.json" <<'JSON'
{"entities": [{"name": "attachments", "row_count": 10, "fields": [
  {"name": "id", "type": "bigint", "primary_key": true},
  {"name": "uploader_email", "type": "string", "foreign_key": "users.email"}]}]}
JSON
expect_exit 0 "a text foreign key" -- "$G" calibrate -s "$T_TMP/tfk.shape.json" -t "$T_TMP/tfk.json" -o "$T_TMP/tfk.json"
assert_eq "$(jq -c '.calibration.statistics | [keys[], (.[] | keys)]' "$T_TMP/tfk.json")" \
    '["public.attachments.uploader_email",["length_p50","length_p95","length_p99","mean_children","parents_with_children"]]' \
    "one subject with both kinds of statistics"
# a second key on the same columns (PostgreSQL allows it): the first one's statistics count
jq 'del(.checksum) | (.tables[] | select(.name == "attachments") | .foreign_keys) +=
      [(.tables[] | select(.name == "attachments") | .foreign_keys[-1]) + {"name": "attachments_uploader_fkey2",
        "stats": {"coverage": 1, "parents_with_children": 0.9, "mean_children": 9}}]' \
    "$T_TMP/tfk.shape.json" >"$T_TMP/tfk2.unsealed.json"
"$tool" seal "$T_TMP/tfk2.unsealed.json" >"$T_TMP/tfk2.shape.json"
expect_exit 0 "two keys on the same columns" -- "$G" calibrate -s "$T_TMP/tfk2.shape.json" -t "$T_TMP/tfk.json" -o "$T_TMP/tfk.json"
assert_eq "$(jq -c '.calibration.statistics[] | [.parents_with_children, .mean_children]' "$T_TMP/tfk.json")" '[0.3,2]' \
    "the first key's statistics"
assert_eq "$(head -n 1 <<<"$T_OUT")" "no number changed; the calibration record now follows '$T_TMP/tfk2.shape.json'" \
    "another shape with the same numbers: the record follows it, nothing else changes"
assert_eq "$(jq -r '.calibration.shape.file' "$T_TMP/tfk.json")" tfk2.shape.json "the record names the new shape"
# a field removed from the template takes its statistics out of the record
jq '.entities[0].fields |= map(select(.name != "uploader_email"))' "$T_TMP/tfk.json" >"$T_TMP/tfk3.json"
expect_exit 0 "a field removed" -- "$G" calibrate -s "$T_TMP/tfk2.shape.json" -t "$T_TMP/tfk3.json" -o "$T_TMP/tfk3.json"
assert_eq "$(jq -c '.calibration.statistics' "$T_TMP/tfk3.json")" '{}' "its subject is gone from the record"

# errors
expect_exit 2 "an existing --out is refused" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$spec" -o "$T_TMP/spec.orig"
assert_contains "$T_ERR" "'$T_TMP/spec.orig' exists" "names the file"
assert_contains "$T_ERR" "hint: give --force to replace it" "hint"
expect_exit 2 "a --keep naming nothing" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$spec" --dry-run --keep users.nope
assert_contains "$T_ERR" "--keep users.nope: no table or field of that name" "names the pin"
expect_exit 2 "missing --template" -- "$G" calibrate -s "$T_TMP/new.shape.json" -o "$T_TMP/x.json"
assert_contains "$T_ERR" "give --shape NEW.shape.json and --template SPEC.json" "usage"
jq '.entities[0].bogus = 1' "$spec" >"$T_TMP/bad.json"
expect_exit 2 "an invalid template" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$T_TMP/bad.json" -o "$T_TMP/x.json"
assert_contains "$T_ERR" 'entities[0]: unknown key "bogus"' "names the path"
jq '.tables[0].rows.count = 6001' "$T_TMP/new.shape.json" >"$T_TMP/edited.json"
expect_exit 2 "an edited shape" -- "$G" calibrate -s "$T_TMP/edited.json" -t "$spec" -o "$T_TMP/x.json"
assert_contains "$T_ERR" "checksum does not match the content" "the edit is detected"
jq 'del(.checksum) | .created_at = "2021-03-01T00:00:00Z" | .expires_at = "2021-06-01T00:00:00Z"' "$T_TMP/new.shape.json" >"$T_TMP/exp.unsealed.json"
"$tool" seal "$T_TMP/exp.unsealed.json" >"$T_TMP/exp.json"
expect_exit 2 "an expired shape" -- "$G" calibrate -s "$T_TMP/exp.json" -t "$spec" -o "$T_TMP/x.json"
assert_contains "$T_ERR" "expired on 2021-06-01" "names the date"
expect_exit 2 "an expired previous shape" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$spec" -o "$T_TMP/x.json" \
    --previous-shape "$T_TMP/exp.json"
assert_contains "$T_ERR" "previous shape '$T_TMP/exp.json' expired on 2021-06-01" "names the previous shape and the date"
jq '.calibration.statistics["public.messages.body"].length_p42 = 3' "$spec" >"$T_TMP/badrec.json"
expect_exit 2 "an unknown statistic in the record" -- "$G" calibrate -s "$T_TMP/new.shape.json" -t "$T_TMP/badrec.json" -o "$T_TMP/x.json"
assert_contains "$T_ERR" 'calibration.statistics.public.messages.body: unknown key "length_p42"' "names the path"
jq '.calibration.statistics["public.messages.body"].length_p50 = "long"' "$spec" >"$T_TMP/badrec.json"
expect_exit 2 "a statistic that is not a number" -- "$G" -t "$T_TMP/badrec.json" -o "$T_TMP/x.json"
assert_contains "$T_ERR" 'calibration.statistics.public.messages.body.length_p50' "names the path"
[ -e "$T_TMP/x.json" ] && t_fail "an error wrote output" || t_pass "errors write nothing"
t_done
