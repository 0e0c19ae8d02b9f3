#!/usr/bin/env python3
"""A local HR-like REST API for the sampler's REST tests (127.0.0.1 only).

  restserver.py --port-file F --secret-file F [--log F] [--tls CERT KEY]
                [--data DIR] [--dump-pii F] [--users N]

Binds 127.0.0.1 on an ephemeral port and writes the port to --port-file once
it listens. Serves 5 departments, 3 offices, 10 teams, 200 employees and 200
compensation records with fake Swedish personal data (names, e-mails,
personnummer with a valid Luhn digit, phones, addresses, salaries), or the
JSON arrays DIR/<entity>.json with --data (served under /<entity>).

Every request needs the secret: "Authorization: Bearer S", Basic with any
user name and S as the password, "X-Api-Key: S", or ?api_key=S. Paths:

  /<style>/<entity>              style: offset (?limit&offset, {"data","meta":{"total"}}),
                                 page (?page&page_size, {"items"}),
                                 next ({"results","next": relative link}),
                                 link (a bare array, Link: <...>; rel="next"),
                                 cursor (?limit&cursor, {"data","meta":{"next_cursor"}}),
                                 all (the whole array)
  /fault/<mode>/<style>/<entity> modes: 429 (first try of each URL: 429, Retry-After: 1),
                                 500once, always429, longwait (Retry-After: 3600),
                                 malformed (page 2 cut short), html, slow (3 s),
                                 shape (page 2: departmentId becomes an object),
                                 redirect (302 to 127.0.0.2), sameredirect (302 to
                                 the same path without /fault), big (6 MB), loop
                                 (next link to itself), notlist (records not an array)

Each request is appended to --log as "METHOD PATH STATUS" once answered, and
a slow one to LOG.slow when it arrives. --dump-pii writes
every personal value served as "kind<TAB>value" lines and exits.
"""
import argparse
import base64
import datetime
import http.server
import json
import os
import random
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

FIRST = ["Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per",
         "Ingrid", "Nils", "Elin", "Oskar", "Linnea", "Gustav", "Astrid", "Henrik", "Maja", "Olof",
         "Sofia", "Magnus", "Klara", "Fredrik", "Ebba", "Viktor", "Hanna", "Mattias", "Ida", "Axel"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
        "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
        "Bengtsson", "Lindberg", "Lindqvist", "Lundgren", "Berglund", "Sandberg", "Forsberg",
        "Sjöberg", "Wallin", "Engström", "Danielsson", "Lundin", "Holm", "Bergström", "Åberg",
        "Nyström"]
STREETS = ["Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Sveavägen", "Götgatan",
           "Hornsgatan", "Linnégatan", "Ringvägen", "Skolgatan"]


def luhn_digit(digits):
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def uuid_for(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-a%s-%s" % (h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])


def hr_data():
    rng = random.Random(8)
    deps = [{"id": uuid_for(rng), "name": n, "costCenter": "CC%d000" % (i + 1)}
            for i, n in enumerate(["Engineering", "Sales", "Customer Success", "Finance", "People"])]
    offices = [{"id": uuid_for(rng), "name": n, "country": c, "openedOn": o}
               for n, c, o in [("Stockholm", "SE", "2015-03-01"), ("Göteborg", "SE", "2018-09-15"),
                               ("Berlin", "DE", "2021-01-10")]]
    teams = [{"id": uuid_for(rng), "name": n, "departmentId": deps[i % 5]["id"]}
             for i, n in enumerate(["Platform", "Growth", "Enterprise", "Onboarding", "Payroll",
                                    "Mobile", "Inbound", "Support", "Reporting", "Talent"])]
    emps, comp = [], []
    seen = set()
    for i in range(200):
        f, l = rng.choice(FIRST), rng.choice(LAST)
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 15000))
        while True:
            serial = "%03d" % rng.randrange(0, 1000)
            base = birth.strftime("%y%m%d") + serial
            pn = "%s-%s%d" % (birth.strftime("%y%m%d"), serial, luhn_digit(base))
            if pn not in seen:
                seen.add(pn)
                break
        team = teams[rng.randrange(0, 10)]
        hired = max(birth + datetime.timedelta(days=7300),
                    datetime.date(2012, 1, 1) + datetime.timedelta(days=rng.randrange(0, 4500)))
        created = datetime.datetime(hired.year, hired.month, hired.day, 8 + rng.randrange(0, 9),
                                    rng.randrange(0, 60), rng.randrange(0, 60))
        e = {
            "id": uuid_for(rng),
            "firstName": f,
            "lastName": l,
            "email": "%s.%s%d@foretaget.se" % (f.lower(), l.lower().replace("ö", "o").replace("å", "a"), i),
            "personalNumber": pn,
            "phone": "+46 70 %03d %02d %02d" % (rng.randrange(0, 1000), rng.randrange(0, 100),
                                                rng.randrange(0, 100)) if rng.random() < 0.9 else None,
            "homeAddress": {"street": "%s %d" % (rng.choice(STREETS), rng.randrange(1, 120)),
                            "postalCode": "%03d %02d" % (rng.randrange(100, 990), rng.randrange(0, 100)),
                            "city": rng.choice(["Stockholm", "Göteborg", "Malmö", "Uppsala"])},
            "birthDate": birth.isoformat(),
            "hiredOn": hired.isoformat(),
            "employmentType": rng.choices(["permanent", "fixed_term", "contractor"], [80, 12, 8])[0],
            "active": rng.random() < 0.95,
            "teamReference": {"id": team["id"]},
            "departmentId": team["departmentId"],
            "office_id": offices[0 if rng.random() < 0.6 else (1 if rng.random() < 0.6 else 2)]["id"],
            "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tags": rng.sample(["remote", "onsite", "mentor", "oncall"], rng.randrange(0, 3)),
        }
        emps.append(e)
        comp.append({
            "id": uuid_for(rng),
            "employeeId": e["id"],
            "salary": round(28000 + 62000 * rng.random() ** 2, 2),
            "currency": "SEK",
            "bonusPct": round(rng.random() * 10, 1) if rng.random() < 0.5 else None,
            "effectiveDate": (hired + datetime.timedelta(days=rng.randrange(0, 400))).isoformat(),
        })
    return {"department": deps, "office": offices, "team": teams, "employee": emps,
            "compensation": comp}


def pii_values(data):
    out = set()
    for e in data.get("employee", []):
        out.add(("first_name", e["firstName"]))
        out.add(("last_name", e["lastName"]))
        out.add(("name", e["firstName"] + " " + e["lastName"]))
        out.add(("email", e["email"]))
        out.add(("personal_number", e["personalNumber"]))
        out.add(("personal_number", e["personalNumber"].replace("-", "")))
        if e["phone"]:
            out.add(("phone", e["phone"]))
        out.add(("address", e["homeAddress"]["street"]))
        out.add(("postcode", e["homeAddress"]["postalCode"]))
        out.add(("birth_date", e["birthDate"]))
    for c in data.get("compensation", []):
        out.add(("salary", "%.2f" % c["salary"]))
    return sorted(out)


class State:
    data = {}
    secret = ""
    log = None
    tried = set()
    lock = threading.Lock()
    port = 0


def b64(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        if State.log:
            with State.lock, open(State.log, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, status))

    def authorized(self, query):
        s = State.secret
        a = self.headers.get("Authorization", "")
        if a == "Bearer " + s or self.headers.get("X-Api-Key") == s:
            return True
        if a.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(a[6:]).decode().partition(":")
                return pw == s and user != ""
            except Exception:
                return False
        return query.get("api_key", [None])[0] == s

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        parts = [p for p in u.path.split("/") if p]
        if not self.authorized(q):
            self.send(401, {"error": "unauthorized"})
            return
        fault = None
        if len(parts) >= 2 and parts[0] == "fault":
            fault = parts[1]
            parts = parts[2:]
        if len(parts) != 2 or parts[1] not in State.data:
            self.send(404, {"error": "not found"})
            return
        style, entity = parts
        rows = State.data[entity]
        if fault in ("429", "500once"):
            with State.lock:
                first = self.path not in State.tried
                State.tried.add(self.path)
            if first:
                if fault == "429":
                    self.send(429, {"error": "slow down"}, headers={"Retry-After": "1"})
                else:
                    self.send(500, {"error": "oops"})
                return
        if fault == "always429":
            self.send(429, {"error": "slow down"}, headers={"Retry-After": "1"})
            return
        if fault == "longwait":
            self.send(503, {"error": "maintenance"}, headers={"Retry-After": "3600"})
            return
        if fault == "html":
            self.send(200, "<html><body>Log in</body></html>", "text/html")
            return
        if fault == "slow":
            if State.log:
                with State.lock, open(State.log + ".slow", "a") as f:
                    f.write(self.path + "\n")
            time.sleep(3)
        if fault == "redirect":
            self.send(302, "", headers={"Location": "http://127.0.0.2:%d/%s/%s" % (State.port, style, entity)})
            return
        if fault == "sameredirect":
            self.send(302, "", headers={"Location": "/%s/%s%s" % (style, entity, "?" + u.query if u.query else "")})
            return
        if fault == "big":
            self.send(200, {"data": [{"id": i, "pad": "x" * 1000} for i in range(6000)]})
            return
        if fault == "notlist":
            self.send(200, {"data": {"id": 1}})
            return

        def page_rows(start, n, page_no):
            chunk = rows[start:start + n]
            if fault == "shape" and page_no >= 2:
                chunk = [dict(r, departmentId={"id": r.get("departmentId")}) for r in chunk]
            return chunk

        def body_out(obj, page_no, headers=None):
            if fault == "malformed" and page_no >= 2:
                self.send(200, json.dumps(obj)[:200], headers=headers)
            else:
                self.send(200, obj, headers=headers)

        limit = int(q.get("limit", q.get("page_size", ["50"]))[0])
        if style == "all":
            body_out(rows, 1)
        elif style == "offset":
            off = int(q.get("offset", ["0"])[0])
            body_out({"data": page_rows(off, limit, off // limit + 1), "meta": {"total": len(rows)}},
                     off // limit + 1)
        elif style == "page":
            p = int(q.get("page", ["1"])[0])
            body_out({"items": page_rows((p - 1) * limit, limit, p), "page": p}, p)
        elif style == "next":
            after = int(q.get("after", ["0"])[0])
            nxt = None
            if after + limit < len(rows):
                nxt = "/%s%s/%s?limit=%d&after=%d" % ("fault/%s/" % fault if fault else "", style, entity,
                                                      limit, after + limit)
            if fault == "loop":
                nxt = self.path
            body_out({"results": page_rows(after, limit, after // limit + 1), "next": nxt},
                     after // limit + 1)
        elif style == "link":
            after = int(q.get("after", ["0"])[0])
            h = {}
            if after + limit < len(rows):
                h["Link"] = '<http://127.0.0.1:%d/%s/%s?limit=%d&after=%d>; rel="next"' % (
                    State.port, style, entity, limit, after + limit)
            body_out(page_rows(after, limit, after // limit + 1), after // limit + 1, h)
        elif style == "cursor":
            cur = q.get("cursor", [None])[0]
            start = int(unb64(cur)) if cur else 0
            nc = b64(str(start + limit)) if start + limit < len(rows) else None
            body_out({"data": page_rows(start, limit, start // limit + 1), "meta": {"next_cursor": nc}},
                     start // limit + 1)
        else:
            self.send(404, {"error": "unknown style"})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file")
    ap.add_argument("--secret-file")
    ap.add_argument("--log")
    ap.add_argument("--tls", nargs=2)
    ap.add_argument("--data")
    ap.add_argument("--dump-pii")
    a = ap.parse_args()
    if a.data:
        State.data = {}
        for fn in sorted(os.listdir(a.data)):
            if fn.endswith(".json"):
                with open(os.path.join(a.data, fn), encoding="utf-8") as f:
                    State.data[fn[:-5]] = json.load(f)
    else:
        State.data = hr_data()
    if a.dump_pii:
        with open(a.dump_pii, "w", encoding="utf-8") as f:
            for k, v in pii_values(State.data):
                f.write("%s\t%s\n" % (k, v))
        return
    with open(a.secret_file) as f:
        State.secret = f.read().strip()
    State.log = a.log
    srv = Server(("127.0.0.1", 0), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    State.port = srv.server_address[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % State.port)
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
