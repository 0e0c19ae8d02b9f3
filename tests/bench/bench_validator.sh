#!/usr/bin/env bash
# Generic-mode scanning throughput of validate-no-pii over a 200 MB mixed file (logs,
# JSON Lines, CSV, prose, 0.1% of lines with PII), against grep -P -c with the same
# combined pattern (validate-no-pii --combined-pattern) in the same run.
set -u
cd "${SIL_ROOT:-.}"
V=${SIL_BIN:-bin}/validate-no-pii
MB=${BENCH_MB:-200}
data=build/bench/validator-mixed-${MB}mb.txt
mkdir -p build/bench
if [ ! -s "$data" ]; then
    python3 - "$data" "$MB" <<'PY'
import random, sys
random.seed(1)
words = ("the quick brown fox jumps over lazy dog request completed user session error "
         "warning info debug payment account order shipped pending active closed service "
         "latency timeout retry connection database query").split()
pii = ["contact john.doe@gmail.com", "call +46 70 123 45 67", "card 4111 1111 1111 1111",
       "Anna Svensson", "ip 81.2.69.160", "12 Main Street", "pnr 19850709-9805"]
target = int(sys.argv[2]) << 20
with open(sys.argv[1], "w") as out:
    n = 0
    while n < target:
        r = random.random()
        if r < 0.25:
            l = "2024-%02d-%02dT%02d:%02d:%02d.%03dZ INFO [worker-%d] %s %s %s id=%d dur=%dms" % (
                random.randint(1, 12), random.randint(1, 28), random.randint(0, 23),
                random.randint(0, 59), random.randint(0, 59), random.randint(0, 999),
                random.randint(1, 16), random.choice(words), random.choice(words),
                random.choice(words), random.randint(1, 10**9), random.randint(1, 5000))
        elif r < 0.5:
            l = '{"id":%d,"uuid":"%08x-%04x-4%03x-a%03x-%012x","status":"%s","amount":%d.%02d,"ts":"2024-03-%02d 10:%02d:%02d"}' % (
                random.randint(1, 10**7), random.getrandbits(32), random.getrandbits(16),
                random.getrandbits(12), random.getrandbits(12), random.getrandbits(48),
                random.choice(words), random.randint(0, 9999), random.randint(0, 99),
                random.randint(1, 28), random.randint(0, 59), random.randint(0, 59))
        elif r < 0.75:
            l = "%d,%s,%s,%d.%02d,%s" % (random.randint(1, 10**6), random.choice(words),
                                        random.choice(words), random.randint(0, 999),
                                        random.randint(0, 99), random.choice(words))
        else:
            l = " ".join(random.choice(words) for _ in range(random.randint(5, 15)))
        if random.random() < 0.001:
            l += " " + random.choice(pii)
        out.write(l + "\n")
        n += len(l) + 1
PY
fi
bytes=$(stat -c %s "$data")
pattern=$("$V" --combined-pattern) || { echo "cannot get the combined pattern"; exit 1; }
printf '%s\n' "$pattern" >build/bench/validator-pattern.txt
cat "$data" >/dev/null # warm the page cache for both
t0=$(date +%s.%N)
"$V" -q --generic --no-allowlist --max-findings 0 "$data" >build/bench/validator-report.txt
rc=$?
t1=$(date +%s.%N)
[ "$rc" = 1 ] || { echo "validate-no-pii exited $rc, expected 1 (the file has PII)"; exit 1; }
grep_lines=$(LC_ALL=C grep -P -c -f build/bench/validator-pattern.txt "$data")
t2=$(date +%s.%N)
python3 - "$bytes" "$t0" "$t1" "$t2" "$grep_lines" "$(tail -n1 build/bench/validator-report.txt)" <<'PY'
import sys
b, t0, t1, t2 = int(sys.argv[1]), *map(float, sys.argv[2:5])
v, g = b / (t1 - t0) / 1e6, b / (t2 - t1) / 1e6
print("input: %.0f MB mixed text; grep -P -c lines matching: %s" % (b / 1e6, sys.argv[5]))
print("validate-no-pii --generic: %.1f MB/s (%.2f s) -- %s" % (v, t1 - t0, sys.argv[6]))
print("grep -P -c (same combined pattern): %.1f MB/s (%.2f s)" % (g, t2 - t1))
print("ratio validate-no-pii / grep: %.2fx (target: >= 300 MB/s per core and faster than grep)" % (v / g))
PY
