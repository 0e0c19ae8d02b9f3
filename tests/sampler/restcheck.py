#!/usr/bin/env python3
"""Checks for the REST suites (test helper).

  restcheck.py relations OUTDIR EXPECT...   the generator's output: every foreign key
                                            of its shape.json resolves in the data files
                                            (zero orphans); EXPECT is CHILD.COL>PARENT.COL
                                            (each must be a foreign key) or TABLE=ROWS
  restcheck.py audit AUDITLOG SERVERLOG     every request the server saw is in the audit
                                            log, in order, with the same path and query
                                            (secret parameters masked), and nothing else
  restcheck.py stats A B [SKIP]...          statistics of two shapes of the same data agree
                                            (tables, columns and foreign keys by name);
                                            SKIP is TABLE.COLUMN.STAT, a statistic only one
                                            side has by design

Prints one line per problem and exits 1 when there is any.
"""
import json
import os
import re
import sys
import urllib.parse

problems = []


def problem(msg):
    problems.append(msg)
    print("problem: " + msg)


def unescape(field):
    if field == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(m.group(1), m.group(1)), field)


def cmd_relations(out, expects):
    m = json.load(open(os.path.join(out, "manifest.json")))
    shape = json.load(open(os.path.join(out, "shape.json")))
    data = {}
    for t in m["tables"]:
        rows = []
        for f in t["files"]:
            with open(os.path.join(out, f["file"]), encoding="utf-8") as fh:
                for line in fh:
                    rows.append([unescape(x) for x in line.rstrip("\n").split("\t")])
        data[t["name"]] = (t["columns"], rows)
    fks = set()
    for t in shape["tables"]:
        cols, rows = data[t["name"]]
        for fk in t.get("foreign_keys", []):
            ref = fk["references"]
            pcols, prows = data[ref["table"]]
            pi = [pcols.index(c) for c in ref["columns"]]
            ci = [cols.index(c) for c in fk["columns"]]
            keys = {tuple(r[i] for i in pi) for r in prows}
            orphans = [r for r in rows if None not in [r[i] for i in ci] and tuple(r[i] for i in ci) not in keys]
            fks.add("%s.%s>%s.%s" % (t["name"], ",".join(fk["columns"]), ref["table"], ",".join(ref["columns"])))
            if orphans:
                problem("%s: %d orphans" % (fk["name"], len(orphans)))
            print("%s.%s -> %s: %d rows, %d orphans" % (t["name"], ",".join(fk["columns"]), ref["table"], len(rows), len(orphans)))
    for e in expects:
        if "=" in e:
            name, n = e.split("=")
            got = len(data[name][1]) if name in data else None
            if got != int(n):
                problem("%s: %s rows, want %s" % (name, got, n))
        elif e not in fks:
            problem("foreign key %s missing (have %s)" % (e, sorted(fks)))


def norm(url, secret_params=("api_key",)):
    u = urllib.parse.urlsplit(url)
    q = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
    q = [(k, "REDACTED" if k in secret_params else v) for k, v in q]
    return u.path + ("?" + urllib.parse.urlencode(q) if q else "")


def cmd_audit(audit, serverlog):
    lines = [json.loads(l) for l in open(audit, encoding="utf-8")]
    reqs = [l for l in lines if "method" in l]
    seen = [l.split(" ")[1] for l in open(serverlog, encoding="utf-8").read().splitlines()]
    sent = [norm(r["url"]) for r in reqs if "status" in r]
    if [norm(s) for s in seen] != sent:
        problem("the server saw %d requests, the audit log records %d answered ones" % (len(seen), len(sent)))
        for a, b in zip(seen, sent):
            if norm(a) != b:
                problem("first difference: server %s, audit %s" % (norm(a), b))
                break
    for r in reqs:
        for k in ("time", "method", "url", "bytes", "duration_ms"):
            if k not in r:
                problem("audit line without %s: %s" % (k, r))


def cmd_stats(a, b, skips):
    sa, sb = json.load(open(a)), json.load(open(b))
    tb = {t["name"]: t for t in sb["tables"]}

    def close(x, y, path):
        if isinstance(x, (int, float)) and isinstance(y, (int, float)):
            if abs(x - y) > 1e-9 * max(1, abs(x), abs(y)):
                problem("%s: %r vs %r" % (path, x, y))
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                problem("%s: %d vs %d items" % (path, len(x), len(y)))
            for i, (p, q) in enumerate(zip(x, y)):
                close(p, q, "%s[%d]" % (path, i))
        elif isinstance(x, dict) and isinstance(y, dict):
            if set(x) != set(y):
                problem("%s: keys %s vs %s" % (path, sorted(x), sorted(y)))
            for k in x:
                if k in y:
                    close(x[k], y[k], path + "." + k)
        elif x != y:
            problem("%s: %r vs %r" % (path, x, y))

    ncols = nfks = 0
    for t in sa["tables"]:
        u = tb.get(t["name"])
        if not u:
            problem("table %s missing from %s" % (t["name"], b))
            continue
        close(t["rows"], u["rows"], t["name"] + ".rows")
        uc = {c["name"]: c for c in u["columns"]}
        for c in t["columns"]:
            d = uc.get(c["name"])
            if not d:
                problem("%s.%s missing from %s" % (t["name"], c["name"], b))
                continue
            if c["classification"] != d["classification"]:
                problem("%s.%s: classification %s vs %s" % (t["name"], c["name"], c["classification"], d["classification"]))
            x, y = dict(c.get("stats") or {}), dict(d.get("stats") or {})
            for sk in skips:
                st, sc, key = sk.split(".")
                if (st, sc) == (t["name"], c["name"]):
                    x.pop(key, None)
                    y.pop(key, None)
            close(x, y, "%s.%s.stats" % (t["name"], c["name"]))
            ncols += 1
        uf = {tuple(f["columns"]): f for f in u.get("foreign_keys", [])}
        for f in t.get("foreign_keys", []):
            g = uf.get(tuple(f["columns"]))
            if not g:
                continue
            close(f.get("stats"), g.get("stats"), "%s.%s.fk" % (t["name"], ",".join(f["columns"])))
            nfks += 1
    print("compared %d columns and %d foreign keys" % (ncols, nfks))
    if ncols == 0:
        problem("nothing compared")


def main():
    cmd = sys.argv[1]
    if cmd == "relations":
        cmd_relations(sys.argv[2], sys.argv[3:])
    elif cmd == "audit":
        cmd_audit(sys.argv[2], sys.argv[3])
    elif cmd == "stats":
        cmd_stats(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        print(__doc__)
        return 2
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
