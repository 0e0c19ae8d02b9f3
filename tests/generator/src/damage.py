#!/usr/bin/env python3
"""Damages a generator output (COPY text, uncompressed) the way a broken
generator or a bad edit would, then re-seals the manifest so the report's
checksums verify and only the quality gates can catch it.

Usage: damage.py OUT KIND [TABLE COLUMN [FRACTION]]
  orphans     set FRACTION of TABLE.COLUMN (a foreign key) to keys no parent has
  shuffle     replace TABLE.COLUMN with values from another distribution
              (uniform on 0.01..50000, two decimals)
  duplicates  copy the key of rows 0..N-1 into rows N..2N-1 (N = FRACTION * rows)
  nulls       set FRACTION of TABLE.COLUMN to NULL
  badtype     put 'abc' into 3 rows of TABLE.COLUMN
  schema      change the type of TABLE.COLUMN in schema.sql to text
  tamper      change one byte of the first data file WITHOUT re-sealing
"""
import hashlib
import json
import random
import sys

out, kind = sys.argv[1], sys.argv[2]
table = sys.argv[3] if len(sys.argv) > 3 else None
column = sys.argv[4] if len(sys.argv) > 4 else None
frac = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
man_path = out + "/manifest.json"
man = json.load(open(man_path))
rnd = random.Random(7)


def blake(path):
    h = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "blake2b-256:" + h.hexdigest()


def reseal():
    for t in man["tables"]:
        for f in t["files"]:
            p = out + "/" + f["file"]
            f["checksum"] = blake(p)
            f["bytes"] = len(open(p, "rb").read())
    man["schema_sql"]["checksum"] = blake(out + "/schema.sql")
    json.dump(man, open(man_path, "w"), indent=2)


if kind == "tamper":
    p = out + "/" + man["tables"][0]["files"][0]["file"]
    b = bytearray(open(p, "rb").read())
    b[len(b) // 2] = ord("7") if b[len(b) // 2] != ord("7") else ord("8")
    open(p, "wb").write(bytes(b))
    sys.exit(0)

if kind == "schema":
    p = out + "/schema.sql"
    lines = open(p).read().split("\n")
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("CREATE TABLE") and ('"%s"' % table) in line:
            inside = True
        elif inside and line.strip().startswith('"%s" ' % column):
            rest = line.strip()[len(column) + 3:]
            lines[i] = '    "%s" text' % column + (" NOT NULL" if "NOT NULL" in rest else "") + (
                "," if rest.endswith(",") else "")
            break
    open(p, "w").write("\n".join(lines))
    reseal()
    sys.exit(0)

mt = next(t for t in man["tables"] if t["name"] == table)
ci = mt["columns"].index(column)
for f in mt["files"]:
    p = out + "/" + f["file"]
    rows = open(p).read().split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    n = len(rows)
    fields = [r.split("\t") for r in rows]
    if kind == "orphans":
        for i in rnd.sample(range(n), int(n * frac)):
            fields[i][ci] = str(900000000 + i)
    elif kind == "shuffle":
        for r in fields:
            r[ci] = "%.2f" % rnd.uniform(0.01, 50000)
    elif kind == "duplicates":
        k = int(n * frac)
        for i in range(k):
            fields[k + i][ci] = fields[i][ci]
    elif kind == "nulls":
        for i in rnd.sample(range(n), max(1, int(n * frac))):
            fields[i][ci] = "\\N"
    elif kind == "badtype":
        for i in (5, n // 2, n - 1):
            fields[i][ci] = "abc"
    else:
        sys.exit("unknown kind " + kind)
    open(p, "w").write("".join("\t".join(r) + "\n" for r in fields))
    break
reseal()
