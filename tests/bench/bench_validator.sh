#!/usr/bin/env bash
# Generic-mode scanning throughput of validate-no-pii over a 200 MB mixed file (logs,
# JSON Lines, CSV, prose, 0.1% of lines with PII), against grep -P -c with the same
# combined pattern (validate-no-pii --combined-pattern) in the same run.
#
# Throughput per core is bytes over the CPU time (user + system) the process used, so
# other work on the machine does not count against it; wall-clock figures are printed
# too. validate-no-pii runs three times and the best run counts (grep, the baseline,
# takes ten times longer and runs once).
set -u
cd "${SIL_ROOT:-.}"
V=${SIL_BIN:-bin}/validate-no-pii
MB=${BENCH_MB:-200}
RUNS=${BENCH_RUNS:-3}
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
pattern=$("$V" --combined-pattern) || { echo "cannot get the combined pattern"; exit 1; }
printf '%s\n' "$pattern" >build/bench/validator-pattern.txt
cat "$data" >/dev/null # warm the page cache for both
python3 - "$data" "$V" "$RUNS" <<'PY'
import os, subprocess, sys, time
data, v, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = os.path.getsize(data)

def run(argv, out_path, ok):
    """Run argv with stdout to out_path; return (wall, cpu) seconds of that process."""
    with open(out_path, "w") as out:
        t = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, env=dict(os.environ, LC_ALL="C"))
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.exit("%s exited %d" % (argv[0], code))
    return wall, ru.ru_utime + ru.ru_stime

report = "build/bench/validator-report.txt"
best = None
for _ in range(runs):
    # Exit 1: the file has PII, which is what must be found.
    r = run([v, "-q", "--generic", "--no-allowlist", "--max-findings", "0", data], report, (1,))
    best = r if best is None or r[1] < best[1] else best
grep = run(["grep", "-P", "-c", "-f", "build/bench/validator-pattern.txt", data],
           "build/bench/validator-grep.txt", (0, 1))
summary = open(report).read().strip().splitlines()[-1]
lines = open("build/bench/validator-grep.txt").read().strip()
mb = size / 1e6
vc, gc = mb / best[1], mb / grep[1]
print("input: %.0f MB mixed text; grep -P -c lines matching: %s" % (mb, lines))
print("validate-no-pii --generic: %.1f MB/s per core (%.2f s CPU, best of %d; %.1f MB/s wall) -- %s"
      % (vc, best[1], runs, mb / best[0], summary))
print("grep -P -c (same combined pattern): %.1f MB/s per core (%.2f s CPU; %.1f MB/s wall)"
      % (gc, grep[1], mb / grep[0]))
print("ratio validate-no-pii / grep: %.2fx (target: >= 300 MB/s per core and faster than grep)"
      % (vc / gc))
PY
