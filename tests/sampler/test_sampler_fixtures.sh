# The sampler on the hr, chat and financial fixtures and Chinook: the shape
# passes the strict reader; every table, column, type, key and constraint of
# the catalog is in it; exact row counts and null fractions match; the
# statistics the scenarios need are there; filters and metadata-only mode.
. tests/harness/lib.sh
. tests/harness/pg.sh
. tests/sampler/lib.sh

pg_start || { t_fail "pg_start"; t_done; }
sampler_setup || { t_fail "sampler_setup"; t_done; }
for f in hr chat financial; do
    tests/fixtures/load.sh "$f" "$f" 1 || t_fail "load $f"
done
dbs="hr chat financial"
if pg_load_shared_fixture chinook chinook 2>"$T_TMP/skip"; then
    dbs="$dbs chinook"
else
    echo "note: Chinook checks skipped: $(cat "$T_TMP/skip")"
fi

for db in $dbs; do
    shape=$T_TMP/$db.shape.json
    expect_exit 0 "$db: sampler runs" -- sample "$db" "$shape"
    expect_exit 0 "$db: strict reader accepts the shape" -- "$SHAPE_TOOL" canon "$shape"
    expect_exit 0 "$db: shape is canonical" -- cmp -s "$shape" <("$SHAPE_TOOL" canon "$shape")
    expect_exit 0 "$db: every table, column, type, key and constraint" -- "${SC[@]}" complete "$shape" "$db"
    [ -n "$T_OUT" ] && echo "$T_OUT" | grep problem | head -n 10
    expect_exit 0 "$db: exact row counts, null and distinct fractions" -- "${SC[@]}" exact "$shape" "$db"
    echo "$T_OUT" | grep problem | head -n 10
    assert_eq "$(jget "$shape" source.kind)" postgresql "$db: source kind"
    assert_eq "$(jget "$shape" tokenization.method)" hmac-sha256 "$db: tokenization"
    assert_eq "$(jget "$shape" audit.statements)" "$(wc -l <"$shape.audit.jsonl")" "$db: audit statements counted"
done

# ---- hr ----
s=$T_TMP/hr.shape.json
assert_eq "$(jget "$s" tables.public.employees.rows)" '{"count": 200, "method": "exact", "sampled": 200}' "hr employees rows"
assert_eq "$(jget "$s" tables.public.employees.columns.personal_number.classification)" personal:national_id "hr personal numbers"
assert_eq "$(jget "$s" tables.public.employees.columns.email.classification)" personal:email "hr e-mails"
assert_eq "$(jget "$s" tables.public.employees.columns.first_name.classification)" personal:first_name "hr first names"
assert_eq "$(jget "$s" tables.public.employees.columns.phone.stats.null_fraction)" 0.115 "hr phone null fraction"
assert_eq "$(jget "$s" tables.public.compensation.columns.salary_iban.classification)" personal:iban "hr IBANs"
assert_eq "$(jget "$s" tables.public.compensation.columns.salary_monthly.classification)" sensitive "hr salaries"
assert_eq "$(jget "$s" tables.public.compensation.columns.salary_monthly.type)" '{"name": "numeric", "precision": 10, "scale": 2}' "hr numeric(10,2)"
assert_eq "$(jget "$s" tables.public.employees.columns.id.identity)" by_default "hr identity"
assert_eq "$(jget "$s" tables.public.employees.columns.employment.stats.categories.encoding)" clear "hr employment categories in clear"
assert_contains "$(jget "$s" tables.public.employees.columns.employment.stats.categories.values)" '"permanent"' "hr employment values"
assert_eq "$(jget "$s" tables.public.departments.foreign_keys.departments_head_employee_id_fkey.deferrable)" true "hr FK cycle, deferrable"
assert_eq "$(jget "$s" tables.public.employees.foreign_keys.employees_manager_id_fkey.references.table)" employees "hr self-reference"
assert_eq "$(jget "$s" tables.public.employees.columns.created_at.default)" now "hr default now"
assert_eq "$(jget "$s" tables.public.compensation.columns.currency.default)" constant "hr default constant"

# ---- chat ----
s=$T_TMP/chat.shape.json
fk=tables.public.messages.foreign_keys.messages_conversation_id_fkey.stats
assert_eq "$(jget "$s" $fk.heavy)" '{"threshold": 1000, "parent_fraction": 0.0125, "child_fraction": 0.185325}' "chat heavy conversations"
assert_eq "$(jget "$s" $fk.mean_children)" 125 "chat messages per conversation"
assert_eq "$(jget "$s" $fk.sampled_parents)" 320 "chat parents sampled"
assert_eq "$(jget "$s" $fk.arrival.column)" sent_at "chat arrival column"
assert_eq "$(python3 -c "import sys; print(float(sys.argv[1]) > 50)" "$(jget "$s" $fk.arrival.burstiness)")" True "chat bursty (p95/p50 > 50)"
assert_eq "$(jget "$s" tables.public.messages.foreign_keys.messages_sender_fkey.columns)" '["conversation_id", "sender_id"]' "chat composite FK"
assert_eq "$(jget "$s" tables.public.participants.primary_key)" '["conversation_id", "user_id"]' "chat composite PK"
assert_eq "$(jget "$s" tables.public.messages.columns.body.classification)" personal:free_text "chat message text"
assert_eq "$(jget "$s" tables.public.messages.columns.body.stats.categories)" "" "chat message text has no values"
assert_eq "$(jget "$s" tables.public.users.columns.display_name.classification)" personal:name "chat names"
assert_eq "$(jget "$s" tables.public.users.columns.handle.classification)" personal:username "chat handles"
assert_contains "$(jget "$s" tables.public.messages.columns.device.stats.categories)" '"value": "ios", "fraction": 0.463375' "chat device mix"
how=$(jget "$s" tables.public.messages.columns.sent_at.stats.hour_of_week)
assert_eq "$(python3 -c "import json,sys; h=json.loads(sys.argv[1]); print(len(h), round(sum(h),6) <= 1, sum(h[120:168]) < sum(h[0:48]))" "$how")" "168 True True" "chat hour of week: weekends quieter"
mime=$(jget "$s" tables.public.attachments.columns.mime_type.stats.categories)
assert_not_contains "$mime" "spreadsheetml" "chat: a 65-byte MIME type stays out"
assert_not_contains "$mime" "wordprocessingml" "chat: a 71-byte MIME type stays out"
assert_contains "$mime" '"suppressed": 2' "chat: the dropped values are counted"
assert_eq "$(jget "$s" tables.public.attachments.columns.size_bytes.type)" '{"name": "domain", "schema": "public", "ref": "byte_size"}' "chat domain column"
assert_eq "$(jget "$s" domains)" '[{"schema": "public", "name": "byte_size", "type": {"name": "bigint"}, "checks": [{"name": "byte_size_check", "expression": "(VALUE > 0)"}]}]' "chat domain"
assert_eq "$(jget "$s" tables.public.attachments.columns.size_kb.generated)" '{"expression": "((size_bytes)::bigint / 1024)"}' "chat generated column"
assert_eq "$(jget "$s" tables.public.conversations.columns.tags.type)" '{"name": "text", "array": 1}' "chat array"
assert_eq "$(jget "$s" tables.public.conversation_activity.kind)" view "chat view noted"
assert_eq "$(jget "$s" tables.public.conversation_activity.columns.kind.stats)" "" "chat view not sampled"
q=$(jget "$s" tables.public.users.columns.created_at.stats.quantiles)
assert_eq "$(python3 -c "import json,sys; q=json.loads(sys.argv[1]); print(len(q), q[0][0], q[-1][0])" "$q")" "20 0.025 0.975" "users.created_at: 20 buckets of 10 rows"
minmax=$(psql -X -At -d chat -c "SELECT extract(epoch FROM min(created_at)), extract(epoch FROM max(created_at)) FROM users")
assert_eq "$(python3 -c "import json,sys; q=json.loads(sys.argv[1]); lo,hi=map(float,sys.argv[2].split('|')); print(all(lo < v < hi for _, v in q))" "$q" "$minmax")" True "min and max never emitted raw"

# ---- financial ----
s=$T_TMP/financial.shape.json
assert_eq "$(jget "$s" tables.bank.payment.columns.card_number.classification)" personal:card "financial cards"
assert_eq "$(jget "$s" tables.bank.party.columns.national_id.classification)" personal:national_id "financial national ids"
assert_eq "$(jget "$s" tables.bank.account.columns.balance.classification)" sensitive "financial balances"
assert_eq "$(jget "$s" tables.bank.exchange_rate.kind)" partitioned "financial partitioned table"
assert_eq "$(jget "$s" tables.bank.exchange_rate.partitioning.key)" '["day"]' "financial partition key"
assert_eq "$(jget "$s" tables.bank.exchange_rate.rows.count)" 2924 "financial partitioned rows"
assert_eq "$(jget "$s" tables.bank.monthly_volume.kind)" matview "financial matview noted"
assert_eq "$(jget "$s" tables.bank.payment.foreign_keys.payment_account_id_fkey.stats.coverage)" 1 "financial FK coverage"
assert_contains "$(jget "$s" tables.bank.payment.columns.channel.stats.categories)" '"value": "card"' "financial channel categories"
assert_eq "$(jget "$s" enums)" '[{"schema": "bank", "name": "account_status", "labels": ["open", "frozen", "closed"]}, {"schema": "bank", "name": "party_kind", "labels": ["person", "company"]}, {"schema": "bank", "name": "payment_channel", "labels": ["card", "transfer", "direct_debit", "swish"]}]' "financial enums"

# ---- classification by values, and the PII rules on category values ----
psql -X -q -v ON_ERROR_STOP=1 -d chat <<'SQL'
CREATE TABLE crm_contacts (id int PRIMARY KEY, reachable_at text, info text, status text);
INSERT INTO crm_contacts
SELECT g, 'kund' || g || '@postlada.net',
       CASE WHEN g % 4 = 0 THEN 'ring mig på 070-' || (1000000 + g * 7) ELSE 'inget att tillägga' END,
       CASE WHEN g <= 120 THEN 'active' WHEN g <= 180 THEN 'pending'
            WHEN g <= 190 THEN 'ombud.anna.lind@mejlbox.se' ELSE 'closed ' || g END
FROM generate_series(1, 200) g;
ANALYZE crm_contacts;
SQL
s=$T_TMP/values.shape.json
expect_exit 0 "value-based classification run" -- sample chat "$s" --include crm_contacts -v
assert_contains "$T_ERR" "reachable_at: personal:email by its values (was public)" "misnamed e-mail column found by its values"
assert_eq "$(jget "$s" tables.public.crm_contacts.columns.reachable_at.classification)" personal:email "e-mails by value"
assert_eq "$(jget "$s" tables.public.crm_contacts.columns.info.classification)" personal:free_text "free text by value"
assert_eq "$(jget "$s" tables.public.crm_contacts.columns.status.classification)" public "a status column stays public"
st=$(jget "$s" tables.public.crm_contacts.columns.status.stats.categories)
assert_contains "$st" '"value": "active", "fraction": 0.6' "clear categories kept"
assert_not_contains "$st" "mejlbox" "a frequent e-mail value is dropped by the PII rules"
assert_contains "$st" '"suppressed": 11' "the dropped value and the rare ones are counted"
expect_exit 0 "value-classified shape passes the gate" -- "$SIL_BIN/validate-no-pii" "$s"

# ---- selection ----
s=$T_TMP/sel.shape.json
expect_exit 0 "--include" -- sample chat "$s" --include 'public.user*' --include conversations
assert_eq "$(python3 -c "import json,sys; print(' '.join(t['name'] for t in json.load(open(sys.argv[1]))['tables']))" "$s")" "conversations users" "--include selects"
expect_exit 0 "--exclude" -- sample chat "$s" --exclude messages
assert_contains "$T_ERR" 'foreign key "attachments_message_id_fkey" left out' "dangling FK reported"
assert_eq "$(jget "$s" tables.public.messages)" "" "--exclude leaves out"
expect_exit 0 "--exclude: shape still strict" -- "$SHAPE_TOOL" canon "$s"
expect_exit 0 "--schema" -- sample financial "$s" --schema nosuch
assert_eq "$(jget "$s" tables)" "[]" "--schema filters"
assert_contains "$T_ERR" "no tables matched" "empty selection warned"

# ---- metadata-only ----
s=$T_TMP/meta.shape.json
expect_exit 0 "--metadata-only" -- sample chat "$s" --metadata-only
assert_eq "$(jget "$s" privacy.metadata_only)" true "metadata_only recorded"
assert_not_contains "$(cat "$s")" '"stats"' "metadata-only: no statistics"
assert_eq "$(jget "$s" tables.public.users.rows.method)" estimate "metadata-only: catalog estimate"
assert_eq "$(jget "$s" tables.public.users.rows.count)" 200 "metadata-only: analyzed estimate"
assert_eq "$(grep -c '"public"' "$s.audit.jsonl")" 0 "metadata-only: no statement touches a table"
assert_eq "$(grep -c 'TABLESAMPLE\|LIMIT' "$s.audit.jsonl")" 0 "metadata-only: no sampling statement"
expect_exit 0 "metadata-only: strict reader" -- "$SHAPE_TOOL" canon "$s"
t_done
