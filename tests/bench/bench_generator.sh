#!/usr/bin/env bash
# Generator throughput: the chat staging band's messages table written to disk
# (GEN_BENCH_ROWS rows, default 10M), with 1 thread and with one thread per
# core, reporting rows/s, MB/s and peak memory; against a baseline measured in
# the same run: INSERT ... SELECT generate_series into an UNLOGGED table of the
# same row shape in a throwaway PostgreSQL. Then `generator report` on the
# output written with one thread per core: its time and peak memory next to
# the generator's (target: the report takes no longer than generating did).
#   GEN_BENCH_ROWS=100000000 tests/bench/bench_generator.sh
set -u
. tests/harness/lib.sh
. tests/harness/pg.sh

rows=${GEN_BENCH_ROWS:-10000000}
base_rows=${GEN_BENCH_BASELINE_ROWS:-5000000}
cores=$(nproc)
gen=$SIL_BIN/generator
dir=${GEN_BENCH_DIR:-$SIL_BUILD/bench/generator}
rm -rf "$dir"
mkdir -p "$dir"

# The chat shape without the tables below messages: the band sizes users and
# conversations (150k, 300k) and messages is clamped to the benchmark's rows.
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s.pop("checksum", None)
s["tables"] = [t for t in s["tables"] if t["name"] in ("users", "conversations", "messages")]
json.dump(s, open(sys.argv[2], "w"))' tests/shapes/chat.shape.json "$dir/messages.shape.json"

run() { # THREADS
    local out=$dir/out.$1
    rm -rf "$out"
    /usr/bin/time -f '%M %e %U %S' -o "$dir/time.$1" "$gen" -s "$dir/messages.shape.json" -o "$out" \
        --band staging --max-rows "$rows" --threads "$1" --no-progress -v 2>"$dir/log.$1" || {
        echo "generator failed:"
        cat "$dir/log.$1"
        exit 1
    }
    line=$(grep 'public.messages:.*rows/s' "$dir/log.$1")
    # "public.messages: N rows, X MB in S s (R rows/s, M MB/s)"
    mrows=$(sed -E 's/.*: ([0-9]+) rows.*/\1/' <<<"$line")
    mb=$(sed -E 's/.* rows, ([0-9.]+) MB in.*/\1/' <<<"$line")
    secs=$(sed -E 's/.* MB in ([0-9.]+) s.*/\1/' <<<"$line")
    rps=$(sed -E 's/.*\(([0-9]+) rows\/s.*/\1/' <<<"$line")
    mbps=$(sed -E 's/.*rows\/s, ([0-9.]+) MB\/s.*/\1/' <<<"$line")
    read -r peak_kb total usr sys <"$dir/time.$1"
    # CPU time is robust to other load on the machine: rows per CPU-second.
    cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN {print u + s}')
    rpc=$(awk -v n="$mrows" -v c="$cpu" 'BEGIN {printf "%d", n / c}')
    printf '%-24s %10s rows %8s MB %7ss %9s rows/s %7s MB/s  peak %4d MB  cpu %ss = %s rows/cpu-s (run %ss)\n' \
        "generator --threads $1" "$mrows" "$mb" "$secs" "$rps" "$mbps" $((peak_kb / 1024)) "$cpu" "$rpc" "$total"
    eval "rpc_$1=$rpc"
    eval "rps_$1=$rps"
    eval "total_$1=$total"
    eval "cpu_$1=$cpu"
    eval "peak_$1=$((peak_kb / 1024))"
    [ "$1" = "$keep" ] || rm -rf "$out"
}

echo "messages table of the chat staging band, $rows rows, $cores cores"
keep=$cores
run 1
[ "$cores" -gt 1 ] && run "$cores"

# The quality report on the output just written (all three tables), reading
# every file back: checksums, parsing, every gate, report.json and report.html.
out=$dir/out.$keep
if /usr/bin/time -f '%M %e %U %S' -o "$dir/time.report" "$gen" report "$out" --threads "$cores" \
    >"$dir/log.report" 2>&1 || [ $? = 1 ]; then
    read -r rpeak rtotal rusr rsys <"$dir/time.report"
    rbytes=$(du -sb "$out/data" | cut -f1)
    printf '%-24s %10s rows %8s MB %7ss %9s rows/s %7s MB/s  peak %4d MB  cpu %ss (generation: %ss, peak %s MB)\n' \
        "report --threads $cores" "$rows" "$((rbytes / 1000000))" "$rtotal" \
        "$(awk -v n="$rows" -v s="$rtotal" 'BEGIN {printf "%d", n / s}')" \
        "$(awk -v b="$rbytes" -v s="$rtotal" 'BEGIN {printf "%.1f", b / 1e6 / s}')" \
        $((rpeak / 1024)) "$(awk -v u="$rusr" -v s="$rsys" 'BEGIN {print u + s}')" \
        "$(eval echo "\$total_$keep")" "$(eval echo "\$peak_$keep")"
    printf 'ratio report/generation (elapsed, %s threads): %.2f (target <= 1); CPU time: %.2f\n' "$cores" \
        "$(awk -v a="$rtotal" -v b="$(eval echo "\$total_$keep")" 'BEGIN {print a / b}')" \
        "$(awk -v u="$rusr" -v s="$rsys" -v b="$(eval echo "\$cpu_$keep")" 'BEGIN {print (u + s) / b}')"
    grep -E '^(completeness|conformity|validity|uniqueness|metadata|distribution|linkage|passed|failed)' "$dir/log.report" | sed 's/^/  /'
else
    echo "report failed:"
    cat "$dir/log.report"
    exit 1
fi
rm -rf "$out"

# Baseline: PostgreSQL producing the same row shape with generate_series.
if pg_start >/dev/null 2>&1; then
    psql -X -q -c "CREATE UNLOGGED TABLE messages (id bigint, conversation_id bigint, sender_id bigint,
        body text, device text, edited boolean, created_at timestamptz)"
    t0=$(date +%s.%N)
    psql -X -q -c "INSERT INTO messages SELECT g, g / 333, g % 150000 + 1,
        left(repeat('lorem ipsum dolor sit amet ', 20), (g % 97) + 3),
        (ARRAY['ios','android','web'])[g % 3 + 1], g % 25 = 0,
        timestamptz '2023-01-01' + g * interval '1 second' FROM generate_series(1, $base_rows) g"
    t1=$(date +%s.%N)
    bsecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
    brps=$(awk -v n="$base_rows" -v s="$bsecs" 'BEGIN {printf "%d", n / s}')
    bmb=$(pg_value "SELECT pg_total_relation_size('messages') / 1000000")
    printf '%-28s %10s rows %8s MB %7.2fs %10s rows/s (heap size)\n' "baseline INSERT..SELECT" "$base_rows" "$bmb" "$bsecs" "$brps"
    printf 'ratio generator/baseline: 1 thread %.2fx' "$(awk -v a="$rps_1" -v b="$brps" 'BEGIN {print a / b}')"
    if [ "$cores" -gt 1 ]; then
        eval "rn=\$rps_$cores"
        printf ', %s threads %.2fx' "$cores" "$(awk -v a="$rn" -v b="$brps" 'BEGIN {print a / b}')"
    fi
    echo
    printf 'per core: %.2fM rows/s elapsed with 1 thread, %.2fM rows per CPU-second (target 1.5M)\n' \
        "$(awk -v a="$rps_1" 'BEGIN {print a / 1000000}')" "$(awk -v a="$rpc_1" 'BEGIN {print a / 1000000}')"
else
    echo "baseline skipped: PostgreSQL not available"
fi
