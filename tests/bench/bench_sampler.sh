#!/usr/bin/env bash
# Bounded cost of the sampler: wall time and peak memory on a 10M-row table
# against ANALYZE of the same table in the same run (targets: at most 3x
# ANALYZE's time, under 200 MB peak). Each is timed three times on a warm
# cache; the medians are compared. Set BENCH_ROWS for another size.
. tests/harness/lib.sh
. tests/harness/pg.sh

rows=${BENCH_ROWS:-10000000}
runs=3
pg_start "shared_buffers = 256MB
maintenance_work_mem = 256MB" || { echo "bench_sampler: pg_start failed" >&2; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 <<SQL || exit 1
CREATE ROLE bench_ro LOGIN;
GRANT pg_read_all_data TO bench_ro;
CREATE TABLE payments AS
SELECT g::bigint AS id,
       (hashint8(g) & 1048575)::int AS account_id,
       round(((hashint8(g * 7) & 16777215) / 100.0)::numeric, 2) AS amount,
       (ARRAY['card', 'transfer', 'swish', 'direct_debit'])[1 + (hashint8(g * 3) & 3)] AS channel,
       timestamptz '2023-01-01 00:00+00' + make_interval(secs => g * 3) AS booked_at,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 'ref ' || (hashint8(g * 5) & 65535) END AS reference
FROM generate_series(1, $rows) g;
VACUUM payments;
SQL
size=$(pg_value "SELECT pg_size_pretty(pg_relation_size('payments'))")
echo "table: $rows rows, $size, 6 columns (bigint, int, numeric, text, timestamptz, text)"

"$SIL_BIN/sampler" keygen --out "$T_TMP/key" >/dev/null
median() { sort -n | sed -n "$(((runs + 1) / 2))p"; }

for i in $(seq $runs); do
    t0=$(date +%s.%N)
    psql -X -q -c "ANALYZE payments" || exit 1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
done >"$T_TMP/analyze.times"

for i in $(seq $runs); do
    rm -f "$T_TMP/shape.json" "$T_TMP/shape.json.audit.jsonl"
    /usr/bin/time -f '%e %M' -o "$T_TMP/time.$i" "$SIL_BIN/sampler" --dsn "dbname=postgres user=bench_ro" \
        --key-file "$T_TMP/key" -o "$T_TMP/shape.json" -q || { echo "bench_sampler: sampler failed" >&2; exit 1; }
    cut -d' ' -f1 "$T_TMP/time.$i" >>"$T_TMP/sampler.times"
    cut -d' ' -f2 "$T_TMP/time.$i" >>"$T_TMP/sampler.rss"
done
"$SIL_BUILD/tests/shape-tool" canon "$T_TMP/shape.json" >/dev/null || { echo "bench_sampler: bad shape" >&2; exit 1; }

a=$(median <"$T_TMP/analyze.times")
s=$(median <"$T_TMP/sampler.times")
rss=$(sort -n "$T_TMP/sampler.rss" | tail -n1)
stmts=$(wc -l <"$T_TMP/shape.json.audit.jsonl")
sampled=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"][0]["rows"]["sampled"])' "$T_TMP/shape.json")
ratio=$(awk -v s="$s" -v a="$a" 'BEGIN { printf "%.2f", s / a }')
printf 'ANALYZE payments:   %.2f s (median of %d)\n' "$a" $runs
printf 'sampler:            %.2f s (median of %d), %d statements, %d rows sampled\n' "$s" $runs "$stmts" "$sampled"
printf 'ratio:              %sx ANALYZE (target <= 3x: %s)\n' "$ratio" \
    "$(awk -v r="$ratio" 'BEGIN { print (r <= 3 ? "met" : "NOT met") }')"
printf 'sampler peak RSS:   %s MB (target < 200 MB: %s)\n' "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$([ "$rss" -lt 204800 ] && echo met || echo NOT met)"
[ -n "${BENCH_KEEP:-}" ] && cp "$T_TMP/shape.json.audit.jsonl" /tmp/bench.audit.jsonl
t__cleanup_tmp
