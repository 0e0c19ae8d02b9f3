#!/usr/bin/env python3
"""Checks of sampler output against the database it came from (test helper).

  shapecheck.py complete SHAPE DB     every table, column, type, key, constraint,
                                      enum, domain and partition of the catalog is
                                      in the shape, and nothing else
  shapecheck.py exact SHAPE DB        row counts, null and distinct fractions match
                                      the database where the shape says exact
  shapecheck.py leak PIIFILE FILE...  no personal value (or its lower-case form)
                                      appears in any FILE
  shapecheck.py strip SHAPE           the shape without created_at, expires_at
                                      (creation time + TTL), the audit checksum
                                      and the seal (for determinism)
  shapecheck.py get SHAPE PATH        one value, PATH like tables.users.columns.email.classification

Prints one line per problem and exits 1 when there is any; psql reaches the
server through PGHOST/PGPORT/PGUSER.
"""
import json
import subprocess
import sys

problems = []


def problem(msg):
    problems.append(msg)
    print("problem: " + msg)


def psql(db, sql):
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line != ""]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


NSFILTER = "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'"


def unq(name):
    """format_type's spelling of a user type without schema and quotes."""
    name = name.split(".")[-1]
    return name.strip('"')


def shape_type_sql(t):
    n = t["name"]
    simple = {"smallint": "smallint", "integer": "integer", "bigint": "bigint", "real": "real",
              "double": "double precision", "boolean": "boolean", "text": "text", "date": "date",
              "interval": "interval", "uuid": "uuid", "json": "json", "jsonb": "jsonb",
              "bytea": "bytea", "inet": "inet", "cidr": "cidr", "macaddr": "macaddr", "money": "money"}
    if n in simple:
        s = simple[n]
    elif n == "numeric":
        s = "numeric"
        if "precision" in t:
            s += "(%d,%d)" % (t["precision"], t.get("scale", 0))
    elif n in ("varchar", "char"):
        s = "character varying" if n == "varchar" else "character"
        if "length" in t:
            s += "(%d)" % t["length"]
    elif n in ("time", "timetz", "timestamp", "timestamptz"):
        s = "timestamp" if n.startswith("timestamp") else "time"
        if "precision" in t:
            s += "(%d)" % t["precision"]
        s += " with time zone" if n.endswith("tz") else " without time zone"
    elif n in ("enum", "domain"):
        s = t["ref"]
    else:
        return None
    return s + "[]" * t.get("array", 0)


def by_name(items, key="name"):
    return {i[key]: i for i in items}


def cmd_complete(shape_path, db):
    s = load(shape_path)
    tables = {(t["schema"], t["name"]): t for t in s["tables"]}
    kinds = {"r": "table", "p": "partitioned", "v": "view", "m": "matview", "f": "foreign"}
    rels = psql(db, "SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','f') AND NOT "
                    "c.relispartition AND " + NSFILTER)
    oids = {}
    for oid, nsp, name, kind in rels:
        oids[oid] = (nsp, name)
        t = tables.get((nsp, name))
        if not t:
            problem("table %s.%s missing from the shape" % (nsp, name))
            continue
        if t["kind"] != kinds[kind]:
            problem("%s.%s: kind %s, catalog says %s" % (nsp, name, t["kind"], kinds[kind]))
    if len(rels) != len(tables):
        problem("shape has %d tables, catalog %d" % (len(tables), len(rels)))
    cols = psql(db, "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                    "a.attidentity, a.attgenerated FROM pg_attribute a JOIN pg_class c ON c.oid = "
                    "a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attnum > 0 AND "
                    "NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition "
                    "AND " + NSFILTER + " ORDER BY a.attrelid, a.attnum")
    seen = {}
    for oid, name, ftype, notnull, ident, gen in cols:
        key = oids.get(oid)
        t = tables.get(key)
        if not t:
            continue
        seen.setdefault(key, []).append(name)
        c = by_name(t["columns"]).get(name)
        if not c:
            problem("%s.%s.%s missing" % (key[0], key[1], name))
            continue
        want = shape_type_sql(c["type"])
        if want is not None and unq(ftype.replace("[]", "")) + "[]" * ftype.count("[]") != want:
            problem("%s.%s.%s: type %s, catalog says %s" % (key[0], key[1], name, want, ftype))
        if c["nullable"] != (notnull == "f"):
            problem("%s.%s.%s: nullable %s" % (key[0], key[1], name, c["nullable"]))
        if (ident in ("a", "d")) != ("identity" in c):
            problem("%s.%s.%s: identity" % (key[0], key[1], name))
        if (gen == "s") != ("generated" in c):
            problem("%s.%s.%s: generated" % (key[0], key[1], name))
    for key, names in seen.items():
        if [c["name"] for c in tables[key]["columns"]] != names:
            problem("%s.%s: columns %s, catalog %s" % (key[0], key[1],
                    [c["name"] for c in tables[key]["columns"]], names))
    cons = psql(db, "SELECT co.conrelid, co.conname, co.contype, (SELECT string_agg(a.attname, ',' ORDER "
                    "BY k.i) FROM unnest(co.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON "
                    "a.attrelid = co.conrelid AND a.attnum = k.n), co.confrelid, (SELECT "
                    "string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY "
                    "k(n, i) JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n), "
                    "pg_get_expr(co.conbin, co.conrelid) FROM pg_constraint co JOIN pg_class c ON "
                    "c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                    "co.contype IN ('p','u','f','c') AND co.conparentid = 0 AND NOT c.relispartition "
                    "AND " + NSFILTER)
    for oid, name, ctype, colstr, foid, fcols, expr in cons:
        key = oids.get(oid)
        t = tables.get(key)
        if not t:
            continue
        where = "%s.%s constraint %s" % (key[0], key[1], name)
        if ctype == "p":
            if ",".join(t.get("primary_key", [])) != colstr:
                problem("%s: primary key %s, catalog %s" % (where, t.get("primary_key"), colstr))
        elif ctype == "u":
            u = by_name(t.get("unique", [])).get(name)
            if not u or ",".join(u["columns"]) != colstr:
                problem("%s: unique constraint missing or different" % where)
        elif ctype == "c":
            ch = by_name(t.get("checks", [])).get(name)
            if not ch or ch["expression"] != expr:
                problem("%s: check missing or different (%s)" % (where, ch))
        elif ctype == "f":
            fk = by_name(t.get("foreign_keys", [])).get(name)
            ref = oids.get(foid)
            if not fk:
                problem("%s: foreign key missing" % where)
            elif (",".join(fk["columns"]) != colstr or ",".join(fk["references"]["columns"]) != fcols
                  or (fk["references"]["schema"], fk["references"]["table"]) != ref):
                problem("%s: foreign key different: %s" % (where, fk))
    enums = psql(db, "SELECT n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) "
                     "FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = "
                     "t.typnamespace GROUP BY 1, 2")
    shape_enums = {(e["schema"], e["name"]): ",".join(e["labels"]) for e in s.get("enums", [])}
    for nsp, name, labels in enums:
        if (nsp, name) in shape_enums and shape_enums[(nsp, name)] != labels:
            problem("enum %s.%s labels %s, catalog %s" % (nsp, name, shape_enums[(nsp, name)], labels))
    for (nsp, name) in shape_enums:
        if not any(e[0] == nsp and e[1] == name for e in enums):
            problem("enum %s.%s is not in the catalog" % (nsp, name))
    doms = psql(db, "SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), (SELECT "
                    "string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE contypid = t.oid) "
                    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' "
                    "AND " + NSFILTER)
    shape_doms = {(d["schema"], d["name"]): d for d in s.get("domains", [])}
    for nsp, name, base, checks in doms:
        d = shape_doms.get((nsp, name))
        if not d:
            continue
        if shape_type_sql(d["type"]) not in (base, unq(base)):
            problem("domain %s.%s base %s, catalog %s" % (nsp, name, d["type"], base))
        if ",".join(sorted(c["name"] for c in d.get("checks", []))) != (checks or ""):
            problem("domain %s.%s checks differ" % (nsp, name))
    parts = psql(db, "SELECT i.inhparent, c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits "
                     "i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relispartition")
    for parent, name, bound in parts:
        t = tables.get(oids.get(parent))
        if not t:
            continue
        p = by_name(t.get("partitioning", {}).get("partitions", [])).get(name)
        if not p or p["bound"] != bound:
            problem("partition %s of %s missing or different" % (name, t["name"]))


def cmd_exact(shape_path, db):
    s = load(shape_path)
    checked = 0
    for t in s["tables"]:
        rows = t["rows"]
        rel = '"%s"."%s"' % (t["schema"].replace('"', '""'), t["name"].replace('"', '""'))
        if t["kind"] not in ("table", "partitioned") or rows["method"] != "exact":
            continue
        (count,), = psql(db, "SELECT count(*) FROM " + rel)
        if int(count) != rows["count"]:
            problem("%s: rows %d, database %s" % (t["name"], rows["count"], count))
        if rows.get("sampled", 0) != rows["count"]:
            continue
        for c in t["columns"]:
            if "stats" not in c:
                continue
            col = '"%s"' % c["name"].replace('"', '""')
            (nulls,), = psql(db, "SELECT count(*) FILTER (WHERE %s IS NULL) FROM %s" % (col, rel))
            want = int(nulls) / int(count)
            if abs(c["stats"]["null_fraction"] - want) > 1e-12:
                problem("%s.%s: null_fraction %r, database %r" % (t["name"], c["name"],
                                                                  c["stats"]["null_fraction"], want))
            checked += 1
            ty = c["type"]
            if "distinct_fraction" in c["stats"] and not ty.get("array") and ty["name"] not in ("json", "jsonb"):
                (dist,), = psql(db, "SELECT count(DISTINCT %s)::float8 / nullif(count(%s), 0) FROM %s"
                                % (col, col, rel))
                if abs(c["stats"]["distinct_fraction"] - float(dist)) > 1e-12:
                    problem("%s.%s: distinct_fraction %r, database %s" % (
                        t["name"], c["name"], c["stats"]["distinct_fraction"], dist))
                checked += 1
    print("exact: %d null and distinct fractions checked" % checked)


def strings(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(k)
            strings(v, out)
    elif isinstance(node, list):
        for v in node:
            strings(v, out)
    elif isinstance(node, str):
        out.add(node)


def cmd_leak(pii_path, files):
    values = []
    with open(pii_path, encoding="utf-8") as f:
        for line in f:
            kind, _, value = line.rstrip("\n").partition("\t")
            if value:
                values.append((kind, value))
    texts = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        tokens = set()
        if path.endswith(".jsonl"):
            for line in text.splitlines():
                strings(json.loads(line), tokens)
        else:
            strings(json.loads(text), tokens)
        texts.append((path, text.lower(), {t.lower() for t in tokens}))
    hits = 0
    for kind, value in values:
        low = value.lower()
        for path, text, tokens in texts:
            # Long values must not occur anywhere; short ones (first names,
            # "ok") not as a whole string: as substrings they hit identifiers.
            if (len(low) >= 8 and low in text) or low in tokens:
                hits += 1
                if hits <= 20:
                    problem("%s value %r appears in %s" % (kind, value, path))
    print("leak: %d personal values checked against %d files" % (len(values), len(files)))


def cmd_strip(shape_path):
    s = load(shape_path)
    for k in ("created_at", "expires_at", "checksum"):
        s.pop(k, None)
    if "audit" in s:
        s["audit"].pop("log_checksum", None)
    print(json.dumps(s, indent=1, sort_keys=False))


def cmd_get(shape_path, path):
    node = load(shape_path)
    parts = path.split(".")
    i = 0
    while i < len(parts):
        p = parts[i]
        if isinstance(node, list):
            # A list element by name, or by schema and name (two parts).
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            found = next((x for x in node if isinstance(x, dict) and x.get("schema") == p
                          and x.get("name") == nxt), None)
            if found is not None:
                i += 1
            else:
                found = next((x for x in node if isinstance(x, dict) and x.get("name") == p), None)
            node = found
            if node is None:
                print("")
                return
        elif isinstance(node, dict):
            if p not in node:
                print("")
                return
            node = node[p]
        i += 1
    print(json.dumps(node) if not isinstance(node, str) else node)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "complete":
        cmd_complete(*args)
    elif cmd == "exact":
        cmd_exact(*args)
    elif cmd == "leak":
        cmd_leak(args[0], args[1:])
    elif cmd == "strip":
        cmd_strip(*args)
    elif cmd == "get":
        cmd_get(*args)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
