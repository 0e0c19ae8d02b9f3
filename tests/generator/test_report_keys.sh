# Example keys in the report are readable and escaped: a duplicated composite
# primary key prints as a tuple "(conversation_id, user_id)", a duplicated text
# key with a quote and a tab prints escaped, in report.json and report.html alike
# (never the key's binary encoding).
. tests/harness/lib.sh

gen=$SIL_BIN/generator
out=$T_TMP/chat
expect_exit 0 "generate a small chat output" -- "$gen" -s tests/shapes/chat.shape.json -o "$out" --scale 0.01 --seed 4 -q
# participants row 6 takes row 1's (conversation_id, user_id); users row 3 and 4 get the same
# e-mail with a quote and a tab (COPY text: \t); the manifest is re-sealed so only the gates see it
python3 - "$out" <<'PY'
import hashlib, json, sys
out = sys.argv[1]
man = json.load(open(out + "/manifest.json"))
def edit(name, fn):
    p = "%s/data/public.%s.copy" % (out, name)
    rows = [l.split("\t") for l in open(p).read().split("\n")[:-1]]
    fn(rows)
    open(p, "w").write("".join("\t".join(r) + "\n" for r in rows))
def parts(rows):
    rows[5][0], rows[5][1] = rows[0][0], rows[0][1]
def users(rows):
    rows[2][1] = rows[3][1] = "o'hara\\tx@example.com"
edit("participants", parts)
edit("users", users)
for t in man["tables"]:
    for f in t["files"]:
        b = open(out + "/" + f["file"], "rb").read()
        f["checksum"] = "blake2b-256:" + hashlib.blake2b(b, digest_size=32).hexdigest()
        f["bytes"] = len(b)
json.dump(man, open(out + "/manifest.json", "w"), indent=2)
PY
first=$(head -n 1 "$out/data/public.participants.copy" | cut -f1,2 | tr '\t' ' ')
set -- $first
expect_exit 1 "the report fails uniqueness" -- "$gen" report "$out"
pk=$(jq -r '.checks[] | select(.subject == "public.participants" and .check == "duplicates of primary key (conversation_id, user_id)") | .detail' "$out/report.json")
assert_contains "$pk" "1 repeat an earlier one: e.g. ($1, $2)" "report.json: the composite key as a tuple"
em=$(jq -r '.checks[] | select(.check == "duplicates of users_email_key (email)") | .detail' "$out/report.json")
assert_contains "$em" "e.g. 'o\\'hara\\x09x@example.com'" "report.json: a text key quoted, quote and tab escaped"
LC_ALL=C grep -q "$(printf '[\x01-\x08\x0b-\x1f\x7f-\xff]')" "$out/report.json" &&
    t_fail "report.json holds control or non-ASCII bytes" || t_pass "report.json is plain text"
assert_contains "$(cat "$out/report.html")" "e.g. ($1, $2)" "report.html: the tuple"
assert_contains "$(cat "$out/report.html")" "e.g. &#39;o\\&#39;hara\\x09x@example.com&#39;" "report.html: escaped again for HTML"
t_done
