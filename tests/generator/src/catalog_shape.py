#!/usr/bin/env python3
"""Writes a metadata-only shape of a PostgreSQL database's catalog to stdout.

Usage: catalog_shape.py DBNAME   (connection from PGHOST, PGPORT, PGUSER)

A test stand-in for the sampler: tables, columns, types, keys, unique keys,
foreign keys, enums, domains and check constraints exactly as the catalog
prints them (pg_get_expr), exact row counts, no statistics. Columns are
classified by name the way a sampler's classifier would (email, names,
phones, addresses), keys as identifiers.
"""
import json
import subprocess
import sys

DB = sys.argv[1]


def q(sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", DB, "-c", sql],
                         check=True, capture_output=True, text=True).stdout.strip()
    return json.loads(out) if out else []


USER_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"

enums = q(f"""SELECT coalesce(json_agg(json_build_object('schema', n.nspname, 'name', t.typname,
    'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
    ORDER BY n.nspname, t.typname), '[]') FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype = 'e' AND {USER_NS}""")

BASE = {"int2": "smallint", "int4": "integer", "int8": "bigint", "numeric": "numeric",
        "float4": "real", "float8": "double", "bool": "boolean", "text": "text",
        "varchar": "varchar", "bpchar": "char", "date": "date", "time": "time",
        "timetz": "timetz", "timestamp": "timestamp", "timestamptz": "timestamptz",
        "interval": "interval", "uuid": "uuid", "json": "json", "jsonb": "jsonb",
        "bytea": "bytea", "inet": "inet", "cidr": "cidr", "macaddr": "macaddr", "money": "money"}


def typ(c):
    name, kind, mod, schema = c["typname"], c["typtype"], c["typmod"], c["typschema"]
    t = {}
    if c["elem"]:
        name, kind, schema = c["elem"], c["elemtype"], c["elemschema"]
        t["array"] = 1
    if kind == "e":
        t.update({"name": "enum", "schema": schema, "ref": name})
    elif kind == "d":
        t.update({"name": "domain", "schema": schema, "ref": name})
    elif name in BASE:
        t["name"] = BASE[name]
        if name in ("varchar", "bpchar") and mod > 4:
            t["length"] = mod - 4
        if name == "numeric" and mod > 4:
            t["precision"] = ((mod - 4) >> 16) & 0xffff
            if (mod - 4) & 0xffff:
                t["scale"] = (mod - 4) & 0xffff
    else:
        t.update({"name": "unsupported", "sql_name": name})
    return {k: t[k] for k in ("name", "length", "precision", "scale", "array", "schema", "ref", "sql_name") if k in t}


COLS = """json_agg(json_build_object('name', a.attname, 'notnull', a.attnotnull,
    'identity', a.attidentity, 'generated', CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END,
    'has_default', d.adbin IS NOT NULL AND a.attgenerated = '' AND a.attidentity = '',
    'typname', t.typname, 'typtype', t.typtype, 'typschema', tn.nspname, 'typmod', a.atttypmod,
    'elem', et.typname, 'elemtype', et.typtype, 'elemschema', en.nspname) ORDER BY a.attnum)"""

domains = q(f"""SELECT coalesce(json_agg(json_build_object('schema', n.nspname, 'name', t.typname,
    'not_null', t.typnotnull, 'base', json_build_object('typname', b.typname, 'typtype', b.typtype,
      'typschema', bn.nspname, 'typmod', t.typtypmod, 'elem', NULL, 'elemtype', NULL, 'elemschema', NULL),
    'checks', (SELECT coalesce(json_agg(json_build_object('name', c.conname, 'expression', pg_get_expr(c.conbin, 0))
               ORDER BY c.conname), '[]') FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'))
    ORDER BY n.nspname, t.typname), '[]')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_type b ON b.oid = t.typbasetype JOIN pg_namespace bn ON bn.oid = b.typnamespace
    WHERE t.typtype = 'd' AND {USER_NS}""")

tables = q(f"""SELECT coalesce(json_agg(json_build_object('oid', c.oid::bigint, 'schema', n.nspname, 'name', c.relname,
    'columns', (SELECT {COLS} FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        JOIN pg_namespace tn ON tn.oid = t.typnamespace
        LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
        LEFT JOIN pg_namespace en ON en.oid = et.typnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
    ORDER BY n.nspname, c.relname), '[]')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {USER_NS}""")

cons = q("""SELECT coalesce(json_agg(json_build_object('rel', c.conrelid::bigint, 'name', c.conname,
    'type', c.contype, 'cols', (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
    'ref', c.confrelid::bigint, 'refcols', (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),
    'del', c.confdeltype, 'upd', c.confupdtype, 'deferrable', c.condeferrable,
    'expr', CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid) END) ORDER BY c.conname), '[]')
    FROM pg_constraint c WHERE c.conrelid <> 0 AND c.contype IN ('p', 'u', 'f', 'c')""")

by_oid = {t["oid"]: t for t in tables}
ACTION = {"r": "restrict", "c": "cascade", "n": "set_null", "d": "set_default"}


def classify(name, keys):
    n = name.lower()
    if name in keys:
        return "identifier"
    for word, cls in (("email", "personal:email"), ("first_name", "personal:first_name"),
                      ("last_name", "personal:last_name"), ("phone", "personal:phone"),
                      ("street", "personal:street"), ("address", "personal:address"),
                      ("city", "personal:city"), ("postal", "personal:postcode"),
                      ("zip", "personal:postcode")):
        if word in n:
            return cls
    return "public"


out_tables = []
for t in tables:
    mine = [c for c in cons if c["rel"] == t["oid"]]
    keys = set()
    for c in mine:
        if c["type"] in ("p", "f"):
            keys.update(c["cols"])
    count = int(subprocess.run(["psql", "-X", "-At", "-d", DB, "-c",
                                'SELECT count(*) FROM "%s"."%s"' % (t["schema"], t["name"])],
                               check=True, capture_output=True, text=True).stdout)
    cols = []
    for c in t["columns"]:
        col = {"name": c["name"], "type": typ(c), "nullable": not c["notnull"]}
        if c["has_default"]:
            col["default"] = "constant"
        if c["identity"]:
            col["identity"] = "always" if c["identity"] == "a" else "by_default"
        if c["generated"]:
            col["generated"] = {"expression": c["generated"]}
        col["classification"] = classify(c["name"], keys)
        cols.append(col)
    tab = {"schema": t["schema"], "name": t["name"], "kind": "table",
           "rows": {"count": count, "method": "exact", "sampled": 0}}
    pk = [c for c in mine if c["type"] == "p"]
    if pk:
        tab["primary_key"] = pk[0]["cols"]
    uq = [{"name": c["name"], "columns": c["cols"]} for c in mine if c["type"] == "u"]
    if uq:
        tab["unique"] = uq
    ck = [{"name": c["name"], "expression": c["expr"]} for c in mine if c["type"] == "c"]
    if ck:
        tab["checks"] = ck
    tab["columns"] = cols
    fks = []
    for c in mine:
        if c["type"] != "f":
            continue
        p = by_oid[c["ref"]]
        f = {"name": c["name"], "columns": c["cols"],
             "references": {"schema": p["schema"], "table": p["name"], "columns": c["refcols"]}}
        if c["del"] in ACTION:
            f["on_delete"] = ACTION[c["del"]]
        if c["upd"] in ACTION:
            f["on_update"] = ACTION[c["upd"]]
        if c["deferrable"]:
            f["deferrable"] = True
        fks.append(f)
    if fks:
        tab["foreign_keys"] = fks
    out_tables.append(tab)

shape = {
    "format": "silhouette.shape", "version": 1, "created_at": "2026-11-01T09:00:00Z",
    "source": {"kind": "template", "locale": "en_US"},
    "tokenization": {"method": "none", "token_length": 16},
    "privacy": {"k": 10, "sample_rows": 0, "max_category_bytes": 64, "noise": "none",
                "metadata_only": True},
}
if enums:
    shape["enums"] = enums
if domains:
    shape["domains"] = [dict({"schema": d["schema"], "name": d["name"], "type": typ(d["base"])},
                             **({"not_null": True} if d["not_null"] else {}),
                             **({"checks": d["checks"]} if d["checks"] else {})) for d in domains]
shape["tables"] = out_tables
json.dump(shape, sys.stdout, indent=2)
sys.stdout.write("\n")
