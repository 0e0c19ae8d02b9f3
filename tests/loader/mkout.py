#!/usr/bin/env python3
"""Build a generator output directory (docs/output-format.md) from a PostgreSQL
database, for the loader's tests and benchmark: shape.json from the catalog,
data files with COPY TO, manifest.json with BLAKE2b-256 checksums.

    mkout.py --db NAME --out DIR [--format copy|csv|jsonl] [--compress zstd]
             [--chunk-rows N] [--seed N] [--shape-tool PATH] [--schemas a,b]

Connection through the PG* variables (psql). The shape is sealed with the
project's shape-tool so it is canonical and checksummed like a sampled one.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys


def psql(db, sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return out


def qjson(db, sql):
    out = psql(db, "SELECT coalesce(json_agg(t), '[]') FROM (" + sql + ") t").strip()
    return json.loads(out)


def qi(s):
    return '"' + s.replace('"', '""') + '"'


def blake(path):
    h = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return "blake2b-256:" + h.hexdigest()


def shape_type(c):
    t, mod = c["typname"], c["typmod"]
    if c["typtype"] == "e":
        return {"name": "enum", "schema": c["typschema"], "ref": t}
    if c["typtype"] == "d":
        return {"name": "domain", "schema": c["typschema"], "ref": t}
    simple = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
              "float8": "double", "bool": "boolean", "text": "text", "date": "date",
              "interval": "interval", "uuid": "uuid", "json": "json", "jsonb": "jsonb",
              "bytea": "bytea", "inet": "inet", "cidr": "cidr", "macaddr": "macaddr",
              "money": "money"}
    if t in simple:
        return {"name": simple[t]}
    if t == "numeric":
        if mod >= 4:
            return {"name": "numeric", "precision": ((mod - 4) >> 16) & 0xffff,
                    "scale": (mod - 4) & 0xffff}
        return {"name": "numeric"}
    if t in ("varchar", "bpchar"):
        r = {"name": "varchar" if t == "varchar" else "char"}
        if mod >= 4:
            r["length"] = mod - 4
        return r
    if t in ("time", "timetz", "timestamp", "timestamptz"):
        r = {"name": t}
        if mod >= 0:
            r["precision"] = mod
        return r
    return {"name": "unsupported", "sql_name": t}


FK_ACTIONS = {"a": "no_action", "r": "restrict", "c": "cascade", "n": "set_null",
              "d": "set_default"}


def build_shape(db, schemas):
    sfilter = ("n.nspname NOT IN ('pg_catalog','information_schema') "
               "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")
    if schemas:
        sfilter = "n.nspname IN (" + ",".join("'" + s + "'" for s in schemas) + ")"
    tables = qjson(db, "SELECT c.oid::bigint AS oid, n.nspname AS schema, c.relname AS name FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
                       "AND " + sfilter + " ORDER BY 2, 3")
    enums = qjson(db, "SELECT n.nspname AS schema, t.typname AS name, "
                      "array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels FROM pg_type t "
                      "JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON "
                      "e.enumtypid = t.oid WHERE " + sfilter + " GROUP BY 1, 2 ORDER BY 1, 2")
    domains = qjson(db, "SELECT t.oid::bigint AS oid, n.nspname AS schema, t.typname AS name, t.typnotnull, "
                        "b.typname, b.typtype, bn.nspname AS typschema, t.typtypmod AS typmod "
                        "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                        "JOIN pg_type b ON b.oid = t.typbasetype JOIN pg_namespace bn ON "
                        "bn.oid = b.typnamespace WHERE t.typtype = 'd' AND " + sfilter +
                    " ORDER BY 2, 3")
    shape = {"format": "silhouette.shape", "version": 1, "created_at": "2026-01-01T00:00:00Z",
             "source": {"kind": "postgresql", "server_version": 15},
             "tokenization": {"method": "none", "token_length": 16},
             "privacy": {"k": 10, "sample_rows": 100000, "max_category_bytes": 64,
                         "noise": "none", "metadata_only": False}}
    if enums:
        shape["enums"] = [{"schema": e["schema"], "name": e["name"], "labels": e["labels"]}
                          for e in enums]
    if domains:
        ds = []
        for d in domains:
            o = {"schema": d["schema"], "name": d["name"], "type": shape_type(d)}
            if d["typnotnull"]:
                o["not_null"] = True
            checks = qjson(db, "SELECT conname AS name, pg_get_expr(conbin, 0) AS expr FROM "
                               "pg_constraint WHERE contypid = %d AND contype = 'c' ORDER BY 1"
                           % d["oid"])
            if checks:
                o["checks"] = [{"name": c["name"], "expression": c["expr"]} for c in checks]
            ds.append(o)
        shape["domains"] = ds
    oids = ",".join(str(t["oid"]) for t in tables) or "0"
    allcols = qjson(db, "SELECT a.attrelid::bigint AS rel, a.attnum, a.attname AS name, "
                        "a.attnotnull, a.attidentity, a.attgenerated, ty.typname, ty.typtype, "
                        "tn.nspname AS typschema, a.atttypmod AS typmod, "
                        "pg_get_expr(d.adbin, d.adrelid) AS def "
                        "FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid "
                        "JOIN pg_namespace tn ON tn.oid = ty.typnamespace "
                        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                        "WHERE a.attrelid IN (%s) AND a.attnum > 0 AND NOT a.attisdropped "
                        "ORDER BY a.attrelid, a.attnum" % oids)
    allcons = qjson(db, "SELECT c.conrelid::bigint AS rel, c.conname AS name, c.contype, "
                        "c.conkey, c.confkey, c.confrelid::bigint AS confrelid, rn.nspname AS "
                        "refschema, r.relname AS reftable, c.confdeltype, c.confupdtype, "
                        "c.condeferrable, pg_get_expr(c.conbin, c.conrelid) AS expr "
                        "FROM pg_constraint c LEFT JOIN pg_class r ON r.oid = c.confrelid "
                        "LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace "
                        "WHERE c.conrelid IN (%s) ORDER BY c.conname" % oids)
    counts = qjson(db, "SELECT c.oid::bigint AS rel, (xpath('/row/n/text()', query_to_xml("
                       "format('SELECT count(*) AS n FROM %%I.%%I', n.nspname, c.relname), false, "
                       "true, '')))[1]::text::bigint AS n FROM pg_class c JOIN pg_namespace n ON "
                       "n.oid = c.relnamespace WHERE c.oid IN (%s)" % oids)
    count_of = {c["rel"]: c["n"] for c in counts}
    names = {}
    for c in allcols:
        names.setdefault(c["rel"], {})[c["attnum"]] = c["name"]
    out = []
    for t in tables:
        oid = t["oid"]
        cols = [c for c in allcols if c["rel"] == oid]
        cons = [c for c in allcons if c["rel"] == oid]
        num = names.get(oid, {})
        rows = count_of[oid]
        o = {"schema": t["schema"], "name": t["name"], "kind": "table",
             "rows": {"count": rows, "method": "exact"}}
        pk = [c for c in cons if c["contype"] == "p"]
        if pk:
            o["primary_key"] = [num[k] for k in pk[0]["conkey"]]
        uq = [c for c in cons if c["contype"] == "u"]
        if uq:
            o["unique"] = [{"name": c["name"], "columns": [num[k] for k in c["conkey"]]}
                           for c in uq]
        ck = [c for c in cons if c["contype"] == "c"]
        if ck:
            o["checks"] = [{"name": c["name"], "expression": c["expr"]} for c in ck]
        ocols = []
        for c in cols:
            oc = {"name": c["name"], "type": shape_type(c), "nullable": not c["attnotnull"]}
            if c["attidentity"] == "a":
                oc["identity"] = "always"
            elif c["attidentity"] == "d":
                oc["identity"] = "by_default"
            elif c["attgenerated"] == "s":
                oc["generated"] = {"expression": c["def"]}
            elif c["def"]:
                if c["def"].startswith("nextval("):
                    oc["default"] = "sequence"
                elif c["def"] in ("now()", "CURRENT_TIMESTAMP"):
                    oc["default"] = "now"
                else:
                    oc["default"] = "constant"
            oc["classification"] = "public"
            ocols.append(oc)
        o["columns"] = ocols
        fks = []
        for c in cons:
            if c["contype"] != "f":
                continue
            rnum = names[c["confrelid"]]
            fk = {"name": c["name"], "columns": [num[k] for k in c["conkey"]],
                  "references": {"schema": c["refschema"], "table": c["reftable"],
                                 "columns": [rnum[k] for k in c["confkey"]]}}
            if c["confdeltype"] != "a":
                fk["on_delete"] = FK_ACTIONS[c["confdeltype"]]
            if c["confupdtype"] != "a":
                fk["on_update"] = FK_ACTIONS[c["confupdtype"]]
            if c["condeferrable"]:
                fk["deferrable"] = True
            fks.append(fk)
        if fks:
            o["foreign_keys"] = fks
        out.append(o)
    shape["tables"] = out
    return shape


def load_order(shape):
    """Parents before children (a cycle keeps the catalog order)."""
    tables = {(t["schema"], t["name"]): t for t in shape["tables"]}
    done, order = set(), []

    def visit(key, stack):
        if key in done or key in stack:
            return
        stack.add(key)
        for fk in tables[key].get("foreign_keys", []):
            r = (fk["references"]["schema"], fk["references"]["table"])
            if r in tables and r != key:
                visit(r, stack)
        stack.discard(key)
        done.add(key)
        order.append(tables[key])

    for k in tables:
        visit(k, set())
    return order


def dump_table(db, t, cols, path, fmt):
    pk = t.get("primary_key") or cols
    sel = "SELECT %s FROM %s.%s ORDER BY %s" % (", ".join(qi(c) for c in cols), qi(t["schema"]),
                                                qi(t["name"]), ", ".join(qi(c) for c in pk))
    if fmt == "jsonl":
        obj = "json_build_object(%s)::text" % ", ".join("'%s', %s" % (c.replace("'", "''"), qi(c))
                                                        for c in cols)
        sel = "SELECT %s FROM %s.%s ORDER BY %s" % (obj, qi(t["schema"]), qi(t["name"]),
                                                    ", ".join(qi(c) for c in pk))
        with open(path, "w") as f:
            subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sel],
                           check=True, stdout=f)
        return
    opt = "WITH (FORMAT csv, HEADER true)" if fmt == "csv" else ""
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c",
                    "\\copy (%s) TO '%s' %s" % (sel, path, opt)], check=True)


def reseal(out, shape_tool):
    """Seal shape.json again and recompute every checksum and size in OUT/manifest.json
    (for tests that edit files)."""
    spath = os.path.join(out, "shape.json")
    with open(spath) as f:
        shape = json.load(f)
    shape.pop("checksum", None)
    raw = os.path.join(out, ".shape.unsealed.json")
    with open(raw, "w") as f:
        json.dump(shape, f)
    sealed = subprocess.run([shape_tool, "seal", raw], check=True, capture_output=True).stdout
    os.unlink(raw)
    with open(spath, "wb") as f:
        f.write(sealed)
    mpath = os.path.join(out, "manifest.json")
    with open(mpath) as f:
        m = json.load(f)
    m["inputs"]["shape"]["checksum"] = blake(os.path.join(out, m["inputs"]["shape"]["file"]))
    m["schema_sql"]["checksum"] = blake(os.path.join(out, m["schema_sql"]["file"]))
    for t in m["tables"]:
        for fl in t["files"]:
            p = os.path.join(out, fl["file"])
            if os.path.exists(p):
                fl["bytes"] = os.path.getsize(p)
                fl["checksum"] = blake(p)
    with open(mpath, "w") as f:
        json.dump(m, f, indent=2)
        f.write("\n")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "reseal":
        return reseal(sys.argv[2], os.environ.get("SIL_BUILD", "build") + "/tests/shape-tool")
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", default="copy", choices=["copy", "csv", "jsonl"])
    ap.add_argument("--compress", default="none", choices=["none", "zstd"])
    ap.add_argument("--chunk-rows", type=int, default=0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--schemas", default="")
    ap.add_argument("--shape-tool", default=os.environ.get("SIL_BUILD", "build") +
                    "/tests/shape-tool")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "data"))
    shape = build_shape(a.db, [s for s in a.schemas.split(",") if s])
    raw = os.path.join(a.out, ".shape.unsealed.json")
    with open(raw, "w") as f:
        json.dump(shape, f)
    sealed = subprocess.run([a.shape_tool, "seal", raw], check=True, capture_output=True).stdout
    os.unlink(raw)
    with open(os.path.join(a.out, "shape.json"), "wb") as f:
        f.write(sealed)
    ext = {"copy": "copy", "csv": "csv", "jsonl": "jsonl"}[a.format]
    mtables = []
    for t in load_order(shape):
        cols = [c["name"] for c in t["columns"] if "generated" not in c]
        base = "data/%s.%s" % (t["schema"], t["name"])
        whole = os.path.join(a.out, base + "." + ext)
        dump_table(a.db, t, cols, whole, a.format)
        if not a.chunk_rows:
            # one file: count its lines without holding it in memory
            n = 0
            with open(whole, "rb") as f:
                while True:
                    b = f.read(1 << 22)
                    if not b:
                        break
                    n += b.count(b"\n")
            if a.format == "csv":
                n -= 1
            name = base + "." + ext
            if a.compress == "zstd":
                subprocess.run(["zstd", "-q", "--rm", "-f", whole], check=True)
                name += ".zst"
                whole += ".zst"
            mtables.append({"schema": t["schema"], "name": t["name"], "rows": n,
                            "total_rows": n, "first_row": 0, "columns": cols,
                            "files": [{"file": name, "rows": n,
                                       "bytes": os.path.getsize(whole),
                                       "checksum": blake(whole)}]})
            continue
        with open(whole, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        header = []
        if a.format == "csv":
            header, lines = lines[:1], lines[1:]
        chunks = [lines]
        if a.chunk_rows and len(lines) > a.chunk_rows:
            chunks = [lines[i:i + a.chunk_rows] for i in range(0, len(lines), a.chunk_rows)]
        os.unlink(whole)
        files = []
        for i, ch in enumerate(chunks):
            name = base + ("." + ext if len(chunks) == 1 else ".%03d.%s" % (i, ext))
            # as the generator does: the csv header only in the file that starts at row 0
            data = b"".join(l + b"\n" for l in (header if i == 0 else []) + ch)
            path = os.path.join(a.out, name)
            with open(path, "wb") as f:
                f.write(data)
            if a.compress == "zstd":
                subprocess.run(["zstd", "-q", "--rm", "-f", path], check=True)
                name += ".zst"
                path += ".zst"
            files.append({"file": name, "rows": len(ch), "bytes": os.path.getsize(path),
                          "checksum": blake(path)})
        n = sum(len(c) for c in chunks)
        mtables.append({"schema": t["schema"], "name": t["name"], "rows": n, "total_rows": n,
                        "first_row": 0, "columns": cols, "files": files})
    with open(os.path.join(a.out, "schema.sql"), "w") as f:
        f.write("-- written by tests/loader/mkout.py; the loader never executes this file\n")
    manifest = {
        "format": "silhouette.output", "version": 1, "generator": "mkout-test", "seed": a.seed,
        "data_format": a.format, "compression": a.compress, "shard": {"index": 1, "count": 1},
        "inputs": {"shape": {"file": "shape.json",
                             "checksum": blake(os.path.join(a.out, "shape.json"))}},
        "sizing": {"mode": "source", "scale": 1,
                   "tables": [{"schema": t["schema"], "table": t["name"], "source": "source",
                               "rows": t["total_rows"]} for t in mtables],
                   "clamps": []},
        "schema_sql": {"file": "schema.sql", "checksum": blake(os.path.join(a.out, "schema.sql"))},
        "tables": mtables,
    }
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
