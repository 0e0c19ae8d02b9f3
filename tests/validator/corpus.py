#!/usr/bin/env python3
"""Run the labelled corpus through validate-no-pii and print recall and false-positive rate.

Every positive case is checked as a line of plain text, in three encodings (base64,
percent-encoding, JSON \\u escapes) and at every string position of a shape file; every
negative case as plain text and at the shape positions that fit its kind. One process
scans a directory of case files with --format json, so the run is quick.

    corpus.py VALIDATE_NO_PII BASE_SHAPE WORKDIR
Exit 0 when recall is 100% and no negative is flagged, 1 otherwise.
"""
import base64, copy, json, os, subprocess, sys, urllib.parse

exe, base_shape, work = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))

def load(name):
    out = []
    for line in open(os.path.join(here, name), encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        kind, value = line.split('\t', 1)
        out.append((kind, value))
    return out

pos, neg = load('positives.txt'), load('negatives.txt')
base = json.load(open(base_shape, encoding='utf-8'))
base.pop("checksum", None)  # injected shapes are hand-edited templates

def shape_with(position, value):
    s = copy.deepcopy(base)
    t = {"schema": "public", "name": "injected", "kind": "table",
         "rows": {"count": 10, "method": "exact"},
         "columns": [{"name": "id", "type": {"name": "bigint"}, "nullable": False,
                      "classification": "identifier"},
                     {"name": "label", "type": {"name": "text"}, "nullable": True,
                      "classification": "public",
                      "stats": {"null_fraction": 0, "categories": {
                          "encoding": "clear", "values": [{"value": "placeholder", "fraction": 0.5}],
                          "other_fraction": 0.5}}}]}
    s["tables"].append(t)
    if position == "table_name":
        t["name"] = value
    elif position == "column_name":
        t["columns"][0]["name"] = value
    elif position == "category_value":
        t["columns"][1]["stats"]["categories"]["values"][0]["value"] = value
    elif position == "check_expression":
        t["checks"] = [{"name": "chk_injected", "expression": value}]
    elif position == "generated_expression":
        t["columns"][1]["generated"] = {"expression": value}
    elif position == "constraint_name":
        t["checks"] = [{"name": value, "expression": "(id > 0)"}]
    elif position == "enum_label":
        s["enums"].append({"schema": "public", "name": "injected_enum", "labels": [value]})
    elif position == "unknown_key":
        t[value] = 1
    elif position == "unknown_value":
        t["note"] = value
    elif position == "fingerprint":
        s["source"]["fingerprint"] = value
    else:
        raise SystemExit("unknown position " + position)
    return s

POS_POSITIONS = ["table_name", "column_name", "category_value", "check_expression",
                 "generated_expression", "constraint_name", "enum_label", "unknown_key",
                 "unknown_value", "fingerprint"]
NEG_POSITIONS = {
    "token": ["category_value", "fingerprint", "check_expression"],
    "identifier": ["table_name", "column_name", "constraint_name", "enum_label", "category_value"],
    "expression": ["check_expression", "generated_expression"],
}
OTHER_NEG = ["category_value", "check_expression"]

def encodings(v):
    yield "plain", v
    yield "base64", base64.b64encode(v.encode()).decode()
    yield "percent", urllib.parse.quote(v, safe='')
    yield "uescape", ''.join('\\u%04x' % ord(c) for c in v)

os.makedirs(work, exist_ok=True)
cases = {}  # file name -> (expected_positive, label)
n = 0
def add(expected, label, text, shape=False):
    global n
    n += 1
    name = os.path.join(work, "case%05d.%s" % (n, "json" if shape else "txt"))
    with open(name, "w", encoding="utf-8") as f:
        if shape:
            json.dump(text, f, ensure_ascii=False, indent=1)
        else:
            f.write(text + "\n")
    cases[name] = (expected, label)

for kind, v in pos:
    for enc, ev in encodings(v):
        add(True, "%s/%s text: %s" % (kind, enc, v), ev)
    for p in POS_POSITIONS:
        add(True, "%s in shape %s: %s" % (kind, p, v), shape_with(p, v), shape=True)
    add(True, "%s/base64 in shape category_value: %s" % (kind, v),
        shape_with("category_value", base64.b64encode(v.encode()).decode()), shape=True)
for kind, v in neg:
    add(False, "%s text: %s" % (kind, v), v)
    for p in NEG_POSITIONS.get(kind, OTHER_NEG):
        add(False, "%s in shape %s: %s" % (kind, p, v), shape_with(p, v), shape=True)
add(False, "base shape unchanged", base, shape=True)

r = subprocess.run([exe, "--format", "json", "--no-allowlist", "-q", work],
                   capture_output=True, text=True)
if r.returncode not in (0, 1):
    sys.stderr.write(r.stderr)
    raise SystemExit("validate-no-pii exited %d" % r.returncode)
report = json.loads(r.stdout)
flagged = {}
for f in report["findings"]:
    flagged.setdefault(f["file"], []).append(f["rule"])

tp = fn = fp = tn = 0
for name, (expected, label) in sorted(cases.items()):
    hit = name in flagged
    if expected and hit:
        tp += 1
    elif expected:
        fn += 1
        print("MISSED  " + label)
    elif hit:
        fp += 1
        print("FALSE+  %s -> %s" % (label, ",".join(flagged[name])))
    else:
        tn += 1
print("positives: %d cases (%d base values), negatives: %d cases (%d base values)"
      % (tp + fn, len(pos), fp + tn, len(neg)))
print("recall %.2f%% (%d/%d), false-positive rate %.2f%% (%d/%d)"
      % (100.0 * tp / max(1, tp + fn), tp, tp + fn, 100.0 * fp / max(1, fp + tn), fp, fp + tn))
sys.exit(0 if fn == 0 and fp == 0 else 1)
