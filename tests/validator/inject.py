#!/usr/bin/env python3
"""Put a value into one position of a shape, for tests/validator/test_sampler_shapes.sh.

    inject.py SHAPE OUT WHERE VALUE

WHERE picks the first position of its kind in the shape:
  category  the first value of a clear-text category list
  token     the first value of a tokenized category list
  column    the name of a column that nothing else refers to
  enum      a new label of the first enum
  check     the expression of the first check constraint
  bound     the bound of the first partition
  key       a new key in the first table (not part of the format)

The shape is written to OUT without its checksum (seal it again with
shape-tool seal). Prints the JSON path of the position, as validate-no-pii
reports it (a key's path is its table's; the key itself shows masked).
Exit 0 done, 3 the shape has no such position, 2 usage.
"""
import json
import sys


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def categories(shape, encoding):
    for ti, t in enumerate(shape.get("tables", [])):
        for ci, c in enumerate(t.get("columns", [])):
            cat = (c.get("stats") or {}).get("categories")
            if cat and cat.get("encoding") == encoding and cat.get("values"):
                yield ti, ci, cat


def inject(shape, where, value):
    tables = shape.get("tables", [])
    if where in ("category", "token"):
        for ti, ci, cat in categories(shape, "clear" if where == "category" else "token"):
            cat["values"][0]["value"] = value
            return f"tables[{ti}].columns[{ci}].stats.categories.values[0].value"
    elif where == "column":
        counts = {}
        for s in strings(shape):
            counts[s] = counts.get(s, 0) + 1
        for ti, t in enumerate(tables):
            for ci, c in enumerate(t.get("columns", [])):
                # Referred to nowhere else (keys, indexes, arrival columns), and no other
                # string contains it (expressions).
                if counts.get(c["name"]) == 1 and not any(
                    c["name"] in s and s != c["name"] for s in strings(shape)
                ):
                    c["name"] = value
                    return f"tables[{ti}].columns[{ci}].name"
    elif where == "enum":
        for ei, e in enumerate(shape.get("enums", [])):
            e["labels"].append(value)
            return f"enums[{ei}].labels[{len(e['labels']) - 1}]"
    elif where == "check":
        for ti, t in enumerate(tables):
            if t.get("checks"):
                t["checks"][0]["expression"] = value
                return f"tables[{ti}].checks[0].expression"
    elif where == "bound":
        for ti, t in enumerate(tables):
            parts = (t.get("partitioning") or {}).get("partitions")
            if parts:
                parts[0]["bound"] = value
                return f"tables[{ti}].partitioning.partitions[0].bound"
    elif where == "key":
        if tables:
            tables[0][value] = "x"
            return "tables[0]"
    else:
        sys.exit(f"inject.py: unknown position '{where}'")
    return None


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    src, out, where, value = sys.argv[1:]
    with open(src, encoding="utf-8") as f:
        shape = json.load(f)
    path = inject(shape, where, value)
    if path is None:
        return 3
    shape.pop("checksum", None)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(shape, f, ensure_ascii=False, indent=2)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
