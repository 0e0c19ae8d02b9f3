# generator calibrate on two live samples of the chat fixture taken at different
# sizes (scale 1 and scale 2 in a throwaway PostgreSQL): the first calibration
# records the shape statistics in the template, the second prints every change
# old -> new exactly as the two shapes give them (checked by an independent
# reading of the shapes, and against the databases where the shape is exact),
# and the hand-written parts of the template survive.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

B=$SIL_BIN
pg_start || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "the sampler's role and key"; t_done; }

for size in 1 2; do
    tests/fixtures/load.sh chat "chat_$size" "$size" >"$T_TMP/load.$size.log" 2>&1 ||
        { cat "$T_TMP/load.$size.log"; t_fail "loading chat at scale $size"; t_done; }
    expect_exit 0 "sample chat at scale $size" -- sample "chat_$size" "$T_TMP/chat.$size.shape.json" -q
done
small=$T_TMP/chat.1.shape.json large=$T_TMP/chat.2.shape.json
[ -f "$small" ] && [ -f "$large" ] || t_done
assert_eq "$(jq -c '[.tables[] | select(.name == "messages") | .rows.count]' "$small" "$large" | tr -d '\n')" \
    '[40000][80000]' "two samples of different sizes"

# A hand-maintained chat template: faker methods, a pii override, descriptions,
# an entity the shape does not have, and a field that stays pinned.
spec=$T_TMP/chat.json
cat >"$spec" <<'JSON'
{
  "source": "chat",
  "description": "hand-maintained chat spec",
  "entities": [
    {"name": "users", "row_count": 5000, "description": "accounts", "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "email", "type": "string", "pii": true, "faker_method": "safe_email", "unique": true},
      {"name": "device", "type": "string", "faker_method": "random_element",
       "faker_args": {"elements": ["ios", "android"]}}]},
    {"name": "conversations", "row_count": 8000, "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "kind", "type": "string", "faker_method": "random_element", "faker_args": {"elements": ["direct", "group"]}}]},
    {"name": "messages", "row_count": 500000, "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "conversation_id", "type": "bigint", "foreign_key": "conversations.id"},
      {"name": "sender_id", "type": "bigint", "foreign_key": "users.id"},
      {"name": "body", "type": "text", "faker_method": "sentence", "description": "free text, never sampled in clear"}]},
    {"name": "attachments", "row_count": 60000, "fields": [
      {"name": "id", "type": "bigint", "primary_key": true},
      {"name": "message_id", "type": "bigint", "foreign_key": "messages.id"},
      {"name": "mime_type", "type": "string", "faker_method": "random_element",
       "faker_args": {"elements": ["image/jpeg", "image/png"]}},
      {"name": "size_bytes", "type": "integer", "faker_method": "random_int",
       "faker_args": {"min": 2048, "max": 24000000}}]},
    {"name": "audit_events", "row_count": 10, "description": "not sampled; written by hand", "fields": [
      {"name": "id", "type": "integer", "primary_key": true}]}
  ]
}
JSON

# The oracle: the statistics and the diff lines read straight from the shape files.
cat >"$T_TMP/oracle.py" <<'PY'
import json, math, sys

def load(path):
    s = json.load(open(path))
    return {(t["schema"], t["name"]): t for t in s["tables"]}

def at(q, u):  # linear between the points that bracket u; past the ends, along the end
    # segment, no further than the whole range again and not below 0 (lengths); the
    # arithmetic in the generator's order, so the doubles agree
    if len(q) == 1:
        return q[0][1]
    span = q[-1][1] - q[0][1]
    if u <= q[0][0]:
        s = (q[1][1] - q[0][1]) / (q[1][0] - q[0][0])
        return max(0.0, q[0][1] - (q[0][0] - u) * s)
    if u >= q[-1][0]:
        s = (q[-1][1] - q[-2][1]) / (q[-1][0] - q[-2][0])
        return min(q[-1][1] + span, q[-1][1] + (u - q[-1][0]) * s)
    for (p0, v0), (p1, v1) in zip(q, q[1:]):
        if p0 <= u <= p1:
            return v0 + (u - p0) / (p1 - p0) * (v1 - v0)

def rnd(v, d=0):  # C's round(): halves away from zero (v >= 0 here)
    f = 10.0 ** d
    x = v * f
    r = math.floor(x)
    if x - r >= 0.5:
        r += 1
    return r / f

def num(v):
    return str(int(v)) if v == int(v) else repr(v)

def stats(tables, spec, keep):
    out = {}  # subject -> (label lines, values)
    for e in spec["entities"]:
        t = tables.get((e.get("schema", "public"), e["name"]))
        if not t:
            continue
        names = [f["name"] for f in e["fields"]]
        tn = "%s.%s" % (t["schema"], t["name"])
        for f in names:
            c = next((c for c in t["columns"] if c["name"] == f), None)
            if not c or "length_quantiles" not in c.get("stats", {}) or "%s.%s" % (e["name"], f) in keep:
                continue
            q = c["stats"]["length_quantiles"]
            out["%s.%s" % (tn, f)] = [("length p50/p95/p99", [rnd(at(q, u)) for u in (0.5, 0.95, 0.99)])]
        for fk in t.get("foreign_keys", []):
            st = fk.get("stats")
            if not st or any(c not in names or "%s.%s" % (e["name"], c) in keep for c in fk["columns"]):
                continue
            cols = fk["columns"]
            subj = "%s.%s" % (tn, cols[0] if len(cols) == 1 else "(" + ",".join(cols) + ")")
            ref = fk["references"]
            lines = [("share of %s.%s with children" % (ref["schema"], ref["table"]), [rnd(st["parents_with_children"], 4)]),
                     ("mean children per parent", [rnd(st["mean_children"], 4)])]
            if "arrival" in st:
                lines.append(("burst coefficient (p95/p50 of the gaps in %s)" % st["arrival"]["column"],
                              [rnd(st["arrival"]["burstiness"], 2)]))
            out[subj] = lines
    return out

mode, spec, keep = sys.argv[1], json.load(open(sys.argv[2])), set(sys.argv[5:])
new = stats(load(sys.argv[4]), spec, keep)
if mode == "record":  # the calibration record's statistics, as jq -S -c prints them
    keys = {"length p50/p95/p99": ["length_p50", "length_p95", "length_p99"]}
    rec = {}
    for subj, lines in new.items():
        d = {}
        for label, vals in lines:
            k = keys.get(label) or {"share": ["parents_with_children"], "mean ": ["mean_children"],
                                     "burst": ["burst_coefficient"]}[label[:5]]
            d.update(zip(k, vals))
        rec[subj] = d
    print(json.dumps(rec, sort_keys=True, separators=(",", ":")))
    sys.exit(0)
old = stats(load(sys.argv[3]), spec, keep) if sys.argv[3] != "-" else {}
for subj, lines in new.items():
    was = dict(old.get(subj, []))
    for label, vals in lines:
        if was.get(label) != vals:
            before = "/".join(num(v) for v in was[label]) if label in was else "(none)"
            print("%s: %s %s -> %s" % (subj, label, before, "/".join(num(v) for v in vals)))
PY
oracle() { python3 "$T_TMP/oracle.py" "$@"; }

# 1. The first calibration records the small sample's statistics.
s1=$T_TMP/chat.s1.json
expect_exit 0 "calibrate from the small sample" -- \
    "$B/generator" calibrate -s "$small" -t "$spec" -o "$s1" --keep attachments.size_bytes
want=$(oracle diff "$spec" - "$small" attachments.size_bytes)
got=$(sed -n '/^shape statistics/,/^wrote /p' <<<"$T_OUT" | sed '1d;$d')
assert_eq "$got" "$want" "first calibration: every statistic printed (none) -> the small sample's"
assert_eq "$(jq -S -c '.calibration.statistics' "$s1")" "$(oracle record "$spec" - "$small" attachments.size_bytes | jq -S -c .)" \
    "the record holds the small sample's statistics"
assert_eq "$(jq -r '.calibration.shape | [.file, .checksum, .created_at] | join(" ")' "$s1")" \
    "chat.1.shape.json $(jq -r '[.checksum, .created_at] | join(" ")' "$small")" "the record names the shape"
grep -q 'burst coefficient (p95/p50 of the gaps in sent_at)' <<<"$want" &&
    t_pass "the oracle sees a burst coefficient" || t_fail "no burst coefficient in the sample"
grep -q 'public.attachments.message_id: share of public.messages with children' <<<"$want" &&
    t_pass "the oracle sees the media ratio" || t_fail "no media ratio in the sample"

# 2. The second calibration, from the larger sample: the printed changes are the shapes'.
s2=$T_TMP/chat.s2.json
expect_exit 0 "calibrate from the large sample" -- \
    "$B/generator" calibrate --shape "$large" --template "$s1" --out "$s2" --keep attachments.size_bytes
out2=$T_OUT
want=$(oracle diff "$s1" "$small" "$large" attachments.size_bytes)
got=$(sed -n '/^shape statistics/,/^wrote /p' <<<"$out2" | sed '1d;$d')
[ -n "$want" ] && t_pass "the two samples differ in some statistic" || t_fail "the samples give the same statistics"
assert_eq "$got" "$want" "second calibration: each statistic printed small -> large, as the shapes give it"
assert_contains "$out2" "shape statistics, the template's calibration record -> '$large':" "names what is compared"
for t in users conversations messages attachments; do
    a=$(jq ".tables[] | select(.name == \"$t\") | .rows.count" "$small")
    b=$(jq ".tables[] | select(.name == \"$t\") | .rows.count" "$large")
    assert_contains "$out2" "public.$t: row_count $a -> $b" "$t: row count small -> large"
done
# the larger sample lists the same MIME types in another order: no change to review
mimes() { jq -c '[.tables[] | select(.name == "attachments") | .columns[] | select(.name == "mime_type") | .stats.categories.values[].value]' "$1"; }
[ "$(mimes "$small")" != "$(mimes "$large")" ] && [ "$(mimes "$small" | jq -c sort)" = "$(mimes "$large" | jq -c sort)" ] &&
    t_pass "the samples list the same MIME types in another order" || t_fail "the MIME type lists are not a reordering"
assert_not_contains "$out2" "public.attachments.mime_type: faker_args.elements" "a reordered value list is no change"
n=$(grep -c . <<<"$want")
assert_contains "$out2" ", $n shape statistics changed, from '$large'" "the summary counts the statistics"
assert_eq "$(jq -S -c '.calibration.statistics' "$s2")" "$(oracle record "$s1" - "$large" attachments.size_bytes | jq -S -c .)" \
    "the record now holds the large sample's statistics"

# The shapes measure these on samples: the databases agree within sampling error.
for size in 1 2; do
    sh=$T_TMP/chat.$size.shape.json
    db=$(psql -X -Atq -d "chat_$size" -c "SELECT round((SELECT count(DISTINCT message_id) FROM attachments)::numeric / (SELECT count(*) FROM messages), 4)")
    rec=$(jq -r '.tables[] | select(.name == "attachments") | .foreign_keys[0].stats.parents_with_children * 10000 | round / 10000' "$sh")
    assert_eq "$(python3 -c "print(abs(float('$db') - float('$rec')) <= 0.01)")" True \
        "scale $size: media ratio $rec in the shape, $db in the database"
done
media=$(grep '^public.attachments.message_id: share of public.messages with children' <<<"$out2")
assert_contains "$media" \
    "$(jq -r '.tables[] | select(.name == "attachments") | .foreign_keys[0].stats.parents_with_children * 10000 | round / 10000' "$small") -> " \
    "the media ratio line starts from the small sample"
for size in 1 2; do
    p=$(psql -X -Atq -d "chat_$size" -c "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY length(body)) FROM messages")
    rec=$(jq -c ".calibration.statistics[\"public.messages.body\"] | [.length_p50, .length_p95, .length_p99]" "$([ $size = 1 ] && echo "$s1" || echo "$s2")")
    ok=$(python3 -c "
import json
db = [float(x) for x in '$p'.strip('{}').split(',')]
rec = json.loads('$rec')
print(all(abs(a - b) <= max(1, 0.05 * a) for a, b in zip(db, rec)))")
    assert_eq "$ok" True "scale $size: message length p50/p95/p99 $rec near the database's $p"
done

# 3. The hand-written parts survive both calibrations.
assert_eq "$(jq -c '.entities[0].fields[1]' "$s2")" \
    '{"name":"email","type":"string","pii":true,"faker_method":"safe_email","unique":true}' "the pii override kept exactly"
assert_eq "$(jq -c '.entities[2].fields[3]' "$s2")" \
    '{"name":"body","type":"text","faker_method":"sentence","description":"free text, never sampled in clear"}' "faker method and description kept"
assert_eq "$(jq -c '.entities[3].fields[3].faker_args' "$s2")" '{"min":2048,"max":24000000}' "the pinned field kept"
assert_eq "$(jq -c '[.description, .entities[0].description, .entities[4]]' "$s2")" \
    "$(jq -c '[.description, .entities[0].description, .entities[4]]' "$spec")" "descriptions and the unsampled entity kept"
assert_contains "$out2" "kept as written (not in the shape): public.audit_events" "the unsampled entity reported"
assert_contains "$out2" "kept as written (--keep): public.attachments.size_bytes" "the pin reported"
# a device the small sample had no need for: elements follow the shape
assert_eq "$(jq -c '.entities[0].fields[2].faker_args.elements | sort' "$s2")" \
    "$(jq -c '[.tables[] | select(.name == "users") | .columns[] | select(.name == "device") | .stats.categories.values[].value] | sort' "$large")" \
    "value lists follow the shape"

# 4. --previous-shape gives the same diff for a template without a record.
expect_exit 0 "--previous-shape" -- "$B/generator" calibrate -s "$large" -t "$spec" --previous-shape "$small" \
    --keep attachments.size_bytes --dry-run
got=$(sed -n '/^shape statistics/,/^would write /p' <<<"$T_OUT" | sed '1d;$d')
assert_eq "$got" "$want" "the same statistics lines from --previous-shape"
assert_contains "$T_OUT" "shape statistics, '$small' -> '$large':" "names both shapes"

# 5. Calibrating again from the same shape changes nothing; the template generates.
expect_exit 0 "again" -- "$B/generator" calibrate -s "$large" -t "$s2" -o "$s2" --keep attachments.size_bytes
assert_contains "$T_OUT" "no changes: '$s2' already matches" "idempotent"
expect_exit 0 "the calibrated template generates" -- "$B/generator" -t "$s2" -o "$T_TMP/gen" --scale 0.01 -q
t_done
