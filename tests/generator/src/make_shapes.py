#!/usr/bin/env python3
"""Writes the hand-written fixture shapes tests/shapes/{hr,financial,chinook,checks}.shape.json.

Run from the repository root, then canonicalise each with shape-tool canon.
The statistics are invented but plausible; hand-written shapes use source
kind "template" and need no checksum.
"""
import json

WEEKDAY = [0.002083] * 7 + [0.010417] * 11 + [0.00625] * 6
WEEKEND = [0.001042] * 7 + [0.005208] * 11 + [0.003125] * 6
HOW = WEEKDAY * 5 + WEEKEND * 2


def shape(locale, enums, tables):
    return {
        "format": "silhouette.shape", "version": 1, "created_at": "2026-11-01T09:00:00Z",
        "source": {"kind": "template", "locale": locale},
        "tokenization": {"method": "none", "token_length": 16},
        "privacy": {"k": 10, "sample_rows": 100000, "max_category_bytes": 64, "noise": "none",
                    "metadata_only": False},
        "enums": enums, "tables": tables,
    }


def col(name, typ, nullable=False, cls="public", stats=None, **kw):
    c = {"name": name, "type": typ, "nullable": nullable}
    c.update(kw)
    c["classification"] = cls
    if stats is not None:
        if typ.get("name") == "date" and "quantiles" in stats:
            # Written below in days since 1970 for readability; the format wants
            # epoch seconds of UTC midnight.
            stats = dict(stats, quantiles=[[p, v * 86400] for p, v in stats["quantiles"]])
        c["stats"] = stats
    return c


def st(null=0.0, **kw):
    s = {"null_fraction": null}
    s.update(kw)
    return s


def cats(pairs, other=0.0):
    return {"encoding": "clear", "values": [{"value": v, "fraction": f} for v, f in pairs],
            "other_fraction": other}


def fk(name, cols, table, refcols=("id",), stats=None, **kw):
    f = {"name": name, "columns": list(cols),
         "references": {"schema": "public", "table": table, "columns": list(refcols)}}
    f.update(kw)
    if stats:
        f["stats"] = stats
    return f


def fks(mean, q, pwc=None, cov=1):
    s = {"coverage": cov, "parents_with_children": pwc if pwc is not None else 1,
         "mean_children": mean, "children_per_parent": q}
    return s


def table(name, rows, cols, pk=None, fkeys=None, uniques=None, checks=None):
    t = {"schema": "public", "name": name, "kind": "table",
         "rows": {"count": rows, "method": "exact", "sampled": min(rows, 100000)}}
    if pk:
        t["primary_key"] = pk
    if uniques:
        t["unique"] = uniques
    if checks:
        t["checks"] = checks
    t["columns"] = cols
    if fkeys:
        t["foreign_keys"] = fkeys
    return t


T = {"name": "text"}
BIG = {"name": "bigint"}
INT = {"name": "integer"}
UUID = {"name": "uuid"}
DATE = {"name": "date"}
TSTZ = {"name": "timestamptz"}


def vc(n):
    return {"name": "varchar", "length": n}


def num(p, s):
    return {"name": "numeric", "precision": p, "scale": s}


# ---- HR (the Alexis HR scenario, Swedish source) ----
hr = shape("sv_SE", [], [
    table("departments", 5, [
        col("id", UUID, cls="identifier"),
        col("name", T, stats=st(categories=cats([("Engineering", 0.2), ("Sales", 0.2), ("Finance", 0.2),
                                                  ("People", 0.2), ("Operations", 0.2)]))),
    ], pk=["id"], uniques=[{"name": "departments_name_key", "columns": ["name"]}]),
    table("offices", 3, [
        col("id", UUID, cls="identifier"),
        col("city", T, cls="personal:city"),
        col("country", {"name": "char", "length": 2}, stats=st(categories=cats([("SE", 1.0)]))),
    ], pk=["id"]),
    table("teams", 10, [
        col("id", UUID, cls="identifier"),
        col("name", vc(60), stats=st(length_quantiles=[[0.05, 8], [0.5, 14], [0.95, 24]])),
        col("department_id", UUID, cls="identifier"),
    ], pk=["id"], fkeys=[fk("teams_department_id_fkey", ["department_id"], "departments",
                            stats=fks(2, [[0.2, 1], [0.8, 2], [1, 3]]))]),
    table("employees", 200, [
        col("id", UUID, cls="identifier"),
        col("email", vc(120), cls="personal:email", stats=st(length_quantiles=[[0.05, 18], [0.5, 24], [0.95, 32]])),
        col("first_name", T, cls="personal:first_name"),
        col("last_name", T, cls="personal:last_name"),
        col("personal_number", {"name": "char", "length": 13}, cls="personal:national_id"),
        col("phone", T, nullable=True, cls="personal:phone", stats=st(0.2)),
        col("birth_date", DATE, cls="personal:birth_date",
            stats=st(quantiles=[[0, -3653], [0.5, 3653], [1, 12784]])),
        col("hired_on", DATE, stats=st(quantiles=[[0, 14610], [0.25, 17532], [0.5, 18628], [0.75, 19358], [1, 20088]])),
        col("team_id", UUID, cls="identifier"),
        col("department_id", UUID, cls="identifier"),
        col("office_id", UUID, cls="identifier"),
        col("manager_id", UUID, nullable=True, cls="identifier", stats=st(0.05)),
    ], pk=["id"],
        uniques=[{"name": "employees_email_key", "columns": ["email"]},
                 {"name": "employees_personal_number_key", "columns": ["personal_number"]}],
        checks=[{"name": "employees_hired_after_birth", "expression": "(hired_on > birth_date)"},
                {"name": "employees_email_check", "expression": "((email)::text ~~ '%@%'::text)"}],
        fkeys=[fk("employees_team_id_fkey", ["team_id"], "teams",
                  stats=fks(20, [[0.1, 12], [0.5, 20], [0.9, 28], [1, 34]])),
               fk("employees_department_id_fkey", ["department_id"], "departments",
                  stats=fks(40, [[0.2, 30], [0.6, 40], [1, 52]])),
               fk("employees_office_id_fkey", ["office_id"], "offices",
                  stats=fks(66.7, [[0.34, 40], [0.67, 60], [1, 100]])),
               fk("employees_manager_id_fkey", ["manager_id"], "employees", on_delete="set_null")]),
    table("compensation", 200, [
        col("id", UUID, cls="identifier"),
        col("employee_id", UUID, cls="identifier"),
        col("salary", num(10, 2), cls="sensitive",
            stats=st(quantiles=[[0, 30000], [0.1, 38000], [0.5, 52000], [0.9, 85000], [1, 150000]])),
        col("currency", {"name": "char", "length": 3}, stats=st(categories=cats([("SEK", 0.85), ("EUR", 0.1), ("NOK", 0.05)]))),
        col("effective_date", DATE, stats=st(quantiles=[[0, 19723], [1, 20088]])),
    ], pk=["id"], uniques=[{"name": "compensation_employee_id_key", "columns": ["employee_id"]}],
        checks=[{"name": "compensation_salary_check", "expression": "(salary > (0)::numeric)"},
                {"name": "compensation_currency_check",
                 "expression": "(currency = ANY (ARRAY['SEK'::bpchar, 'EUR'::bpchar, 'NOK'::bpchar]))"}],
        fkeys=[fk("compensation_employee_id_fkey", ["employee_id"], "employees", on_delete="cascade",
                  stats=fks(1, [[1, 1]]))]),
])

# ---- Financial data lens: party, account, product, payment; 100k each ----
fin = shape("en_GB", [{"schema": "public", "name": "account_status", "labels": ["open", "frozen", "closed"]}], [
    table("party", 100000, [
        col("id", BIG, cls="identifier", identity="by_default"),
        col("party_type", T, stats=st(categories=cats([("individual", 0.82), ("organization", 0.18)]))),
        col("full_name", T, cls="personal:name"),
        col("email", vc(254), nullable=True, cls="personal:email", stats=st(0.12)),
        col("national_id", T, nullable=True, cls="personal:national_id", stats=st(0.18)),
        col("country", {"name": "char", "length": 2},
            stats=st(categories=cats([("GB", 0.7), ("IE", 0.1), ("FR", 0.08), ("DE", 0.07)], other=0.05), distinct_fraction=0.0003)),
        col("created_at", TSTZ, stats=st(quantiles=[[0.005, 1420070400], [0.5, 1609459200], [0.995, 1733011200]], hour_of_week=HOW)),
    ], pk=["id"], uniques=[{"name": "party_national_id_key", "columns": ["national_id"]}],
        checks=[{"name": "party_party_type_check",
                 "expression": "(party_type = ANY (ARRAY['individual'::text, 'organization'::text]))"}]),
    table("account", 100000, [
        col("id", BIG, cls="identifier", identity="always"),
        col("party_id", BIG, cls="identifier"),
        col("iban", vc(34), cls="personal:iban"),
        col("status", {"name": "enum", "schema": "public", "ref": "account_status"},
            stats=st(categories=cats([("open", 0.9), ("frozen", 0.02), ("closed", 0.08)]))),
        col("opened_on", DATE, stats=st(quantiles=[[0, 16071], [0.5, 18628], [1, 20088]])),
        col("balance", num(14, 2), stats=st(quantiles=[[0, -5000], [0.05, 0], [0.5, 2400], [0.95, 60000], [1, 900000]])),
    ], pk=["id"], uniques=[{"name": "account_iban_key", "columns": ["iban"]}],
        checks=[{"name": "account_balance_check", "expression": "(balance >= ('-10000'::integer)::numeric)"}],
        fkeys=[fk("account_party_id_fkey", ["party_id"], "party",
                  stats=fks(1, [[0.35, 0], [0.7, 1], [0.9, 2], [0.98, 3], [0.999, 6]], pwc=0.65))]),
    table("product", 100000, [
        col("id", BIG, cls="identifier"),
        col("code", vc(12), stats=st(length_quantiles=[[0, 10], [1, 12]])),
        col("name", T, stats=st(length_quantiles=[[0.05, 6], [0.5, 14], [0.95, 30]])),
        col("category", T, stats=st(categories=cats([("card", 0.3), ("loan", 0.2), ("savings", 0.25), ("insurance", 0.15), ("fx", 0.1)]))),
        col("price", num(10, 2), stats=st(quantiles=[[0, 0.5], [0.5, 19.99], [0.99, 499], [1, 2500]])),
    ], pk=["id"], uniques=[{"name": "product_code_key", "columns": ["code"]}],
        checks=[{"name": "product_price_check", "expression": "(price >= (0)::numeric)"}]),
    table("payment", 100000, [
        col("id", BIG, cls="identifier"),
        col("account_id", BIG, cls="identifier"),
        col("product_id", BIG, cls="identifier"),
        col("party_id", BIG, cls="identifier"),
        col("amount", num(12, 2), stats=st(quantiles=[[0, 0.01], [0.25, 12.5], [0.5, 48], [0.9, 420], [0.999, 9000], [1, 50000]])),
        col("currency", {"name": "char", "length": 3}, stats=st(categories=cats([("GBP", 0.8), ("EUR", 0.15), ("USD", 0.05)]))),
        col("card_number", T, nullable=True, cls="personal:card", stats=st(0.4)),
        col("paid_at", TSTZ, stats=st(quantiles=[[0.005, 1672531200], [0.5, 1704067200], [0.995, 1733011200]], hour_of_week=HOW)),
        col("reference", T, nullable=True, cls="personal:free_text", stats=st(0.3, length_quantiles=[[0.05, 4], [0.5, 12], [0.95, 30]])),
    ], pk=["id"],
        checks=[{"name": "payment_amount_check", "expression": "(amount > (0)::numeric)"}],
        fkeys=[fk("payment_account_id_fkey", ["account_id"], "account",
                  stats=fks(1, [[0.4, 0], [0.7, 1], [0.9, 2], [0.99, 5], [0.999, 9]], pwc=0.6)),
               fk("payment_product_id_fkey", ["product_id"], "product",
                  stats=fks(1, [[0.37, 0], [0.74, 1], [0.92, 2], [0.98, 3], [0.998, 5]], pwc=0.63)),
               fk("payment_party_id_fkey", ["party_id"], "party",
                  stats=fks(1, [[0.45, 0], [0.7, 1], [0.88, 2], [0.97, 4], [0.999, 9]], pwc=0.55))]),
])

# ---- Chinook-like music store ----
ck = shape("en_US", [], [
    table("genre", 25, [col("genre_id", INT, cls="identifier"),
                        col("name", vc(120), nullable=True, stats=st(0, length_quantiles=[[0.05, 4], [0.5, 8], [0.95, 18]]))],
          pk=["genre_id"]),
    table("media_type", 5, [col("media_type_id", INT, cls="identifier"),
                            col("name", vc(120), nullable=True, stats=st(0, length_quantiles=[[0, 10], [1, 27]]))],
          pk=["media_type_id"]),
    table("artist", 275, [col("artist_id", INT, cls="identifier"),
                          col("name", vc(120), nullable=True, stats=st(0, length_quantiles=[[0.05, 5], [0.5, 14], [0.95, 40]]))],
          pk=["artist_id"]),
    table("album", 347, [col("album_id", INT, cls="identifier"),
                         col("title", vc(160), stats=st(length_quantiles=[[0.05, 5], [0.5, 18], [0.95, 60]])),
                         col("artist_id", INT, cls="identifier")],
          pk=["album_id"],
          fkeys=[fk("album_artist_id_fkey", ["artist_id"], "artist", ["artist_id"],
                    stats=fks(1.26, [[0.28, 0], [0.84, 1], [0.95, 3], [0.99, 6], [1, 21]], pwc=0.72))]),
    table("track", 3503, [
        col("track_id", INT, cls="identifier"),
        col("name", vc(200), stats=st(length_quantiles=[[0.05, 6], [0.5, 16], [0.95, 40]])),
        col("album_id", INT, nullable=True, cls="identifier"),
        col("media_type_id", INT, cls="identifier"),
        col("genre_id", INT, nullable=True, cls="identifier"),
        col("composer", vc(220), nullable=True, cls="personal:name", stats=st(0.28)),
        col("milliseconds", INT, stats=st(quantiles=[[0, 1071], [0.1, 180000], [0.5, 255000], [0.9, 390000], [0.99, 2700000], [1, 5286953]])),
        col("bytes", INT, nullable=True, stats=st(0, quantiles=[[0, 38747], [0.5, 8100000], [0.99, 600000000], [1, 1059546140]])),
        col("unit_price", num(10, 2), stats=st(categories=cats([("0.99", 0.93), ("1.99", 0.07)]))),
    ], pk=["track_id"],
        checks=[{"name": "track_milliseconds_check", "expression": "(milliseconds > 0)"},
                {"name": "track_unit_price_check", "expression": "((unit_price >= (0)::numeric) AND (unit_price < (10)::numeric))"}],
        fkeys=[fk("track_album_id_fkey", ["album_id"], "album", ["album_id"],
                  stats=fks(10.1, [[0.05, 1], [0.25, 8], [0.5, 11], [0.75, 14], [0.95, 20], [1, 57]])),
               fk("track_media_type_id_fkey", ["media_type_id"], "media_type", ["media_type_id"],
                  stats=fks(700.6, [[0.2, 7], [0.4, 11], [0.6, 214], [0.8, 237], [1, 3034]])),
               fk("track_genre_id_fkey", ["genre_id"], "genre", ["genre_id"],
                  stats=fks(140.1, [[0.2, 17], [0.4, 35], [0.6, 74], [0.8, 130], [0.96, 500], [1, 1297]]))]),
    table("playlist", 18, [col("playlist_id", INT, cls="identifier"),
                           col("name", vc(120), nullable=True, stats=st(0, length_quantiles=[[0, 5], [1, 26]]))],
          pk=["playlist_id"]),
    table("playlist_track", 8715, [col("playlist_id", INT, cls="identifier"), col("track_id", INT, cls="identifier")],
          pk=["playlist_id", "track_id"],
          fkeys=[fk("playlist_track_playlist_id_fkey", ["playlist_id"], "playlist", ["playlist_id"],
                    stats=fks(484, [[0.28, 0], [0.5, 1], [0.67, 25], [0.78, 213], [0.89, 1477], [1, 3290]], pwc=0.72)),
                 fk("playlist_track_track_id_fkey", ["track_id"], "track", ["track_id"])]),
    table("employee", 8, [
        col("employee_id", INT, cls="identifier"),
        col("last_name", vc(20), cls="personal:last_name"),
        col("first_name", vc(20), cls="personal:first_name"),
        col("title", vc(30), nullable=True, stats=st(0, categories=cats([("Sales Support Agent", 0.375), ("IT Staff", 0.25), ("IT Manager", 0.125), ("Sales Manager", 0.125), ("General Manager", 0.125)]))),
        col("reports_to", INT, nullable=True, cls="identifier", stats=st(0.125)),
        col("birth_date", TSTZ, nullable=True, cls="personal:birth_date", stats=st(0)),
        col("email", vc(60), nullable=True, cls="personal:email", stats=st(0)),
    ], pk=["employee_id"],
        fkeys=[fk("employee_reports_to_fkey", ["reports_to"], "employee", ["employee_id"])]),
    table("customer", 59, [
        col("customer_id", INT, cls="identifier"),
        col("first_name", vc(40), cls="personal:first_name"),
        col("last_name", vc(20), cls="personal:last_name"),
        col("company", vc(80), nullable=True, stats=st(0.83, length_quantiles=[[0, 8], [1, 48]])),
        col("address", vc(70), nullable=True, cls="personal:address", stats=st(0)),
        col("city", vc(40), nullable=True, cls="personal:city", stats=st(0)),
        col("phone", vc(24), nullable=True, cls="personal:phone", stats=st(0.02)),
        col("email", vc(60), cls="personal:email"),
        col("support_rep_id", INT, nullable=True, cls="identifier", stats=st(0)),
    ], pk=["customer_id"],
        fkeys=[fk("customer_support_rep_id_fkey", ["support_rep_id"], "employee", ["employee_id"],
                  stats=fks(7.4, [[0.625, 0], [0.7, 18], [0.85, 20], [1, 21]], pwc=0.375))]),
    table("invoice", 412, [
        col("invoice_id", INT, cls="identifier"),
        col("customer_id", INT, cls="identifier"),
        col("invoice_date", TSTZ, stats=st(quantiles=[[0, 1230768000], [1, 1387670400]])),
        col("billing_country", vc(40), nullable=True, stats=st(0, categories=cats([("USA", 0.22), ("Canada", 0.14), ("France", 0.09), ("Brazil", 0.09), ("Germany", 0.07)], other=0.39))),
        col("total", num(10, 2), stats=st(quantiles=[[0, 0.99], [0.25, 1.98], [0.5, 3.96], [0.75, 8.91], [1, 25.86]])),
    ], pk=["invoice_id"],
        checks=[{"name": "invoice_total_check", "expression": "(total >= (0)::numeric)"}],
        fkeys=[fk("invoice_customer_id_fkey", ["customer_id"], "customer", ["customer_id"],
                  stats=fks(6.98, [[0.02, 6], [0.98, 7], [1, 7]]))]),
    table("invoice_line", 2240, [
        col("invoice_line_id", INT, cls="identifier"),
        col("invoice_id", INT, cls="identifier"),
        col("track_id", INT, cls="identifier"),
        col("unit_price", num(10, 2), stats=st(categories=cats([("0.99", 0.93), ("1.99", 0.07)]))),
        col("quantity", INT, stats=st(categories=cats([("1", 1.0)]))),
    ], pk=["invoice_line_id"],
        checks=[{"name": "invoice_line_quantity_check", "expression": "(quantity > 0)"}],
        fkeys=[fk("invoice_line_invoice_id_fkey", ["invoice_id"], "invoice", ["invoice_id"],
                  stats=fks(5.44, [[0.17, 1], [0.34, 2], [0.5, 4], [0.67, 6], [0.83, 9], [1, 14]])),
               fk("invoice_line_track_id_fkey", ["track_id"], "track", ["track_id"],
                  stats=fks(0.64, [[0.43, 0], [0.92, 1], [1, 2]], pwc=0.57))]),
])

# ---- Check constraints of every form the generator shapes, over statistics
# that cross them: without shaping, many rows would fail their checks. ----
INTQ = {"name": "integer"}
chk = shape("en_US", [], [
    table("orders", 20000, [
        col("id", BIG, cls="identifier"),
        col("status", T, stats=st(categories=cats([("new", 0.5), ("paid", 0.3), ("void", 0.15), ("weird", 0.05)]))),
        col("qty", INTQ, stats=st(quantiles=[[0, -5], [0.5, 12], [1, 60]])),
        col("price", {"name": "domain", "schema": "public", "ref": "positive_amount"},
            stats=st(quantiles=[[0, -10], [0.2, 5], [0.9, 200], [1, 500]])),
        col("discount", num(5, 2), stats=st(quantiles=[[0, 0], [0.8, 30], [1, 60]])),
        col("placed_on", DATE, stats=st(quantiles=[[0, 17897], [0.5, 19000], [1, 20454]])),
        col("shipped_on", DATE, nullable=True, stats=st(0.3, quantiles=[[0, 17897], [0.5, 19000], [1, 20454]])),
        col("created_at", TSTZ, stats=st(quantiles=[[0, 1577836800], [0.8, 1767225600], [1, 1893456000]])),
        col("code", vc(8), stats=st(length_quantiles=[[0, 1], [0.5, 4], [1, 8]])),
        col("country", {"name": "char", "length": 2},
            stats=st(categories=cats([("US", 0.6), ("XX", 0.2), ("CA", 0.2)]))),
        col("kind", T, stats=st(categories=cats([("kiosk", 0.4), ("kitchen", 0.3), ("web", 0.3)]))),
        col("note", T, nullable=True, stats=st(0.5, length_quantiles=[[0, 5], [0.5, 30], [1, 80]])),
        col("flag", {"name": "boolean"}, nullable=True,
            stats=st(0.2, categories=cats([("true", 0.5), ("false", 0.5)]))),
        col("active", {"name": "boolean"}, stats=st(categories=cats([("true", 0.7), ("false", 0.3)]))),
        col("priority", INTQ, stats=st(categories=cats([("0", 0.1), ("1", 0.4), ("2", 0.3), ("13", 0.2)]))),
        col("a", INTQ, stats=st(quantiles=[[0, 1], [1, 100]])),
        col("b", INTQ, stats=st(quantiles=[[0, -100], [1, 100]])),
        col("min_v", num(8, 2), stats=st(quantiles=[[0, 0], [1, 100]])),
        col("max_v", num(8, 2), stats=st(quantiles=[[0, 0], [1, 100]])),
        col("zip", {"name": "domain", "schema": "public", "ref": "zip5"}, nullable=True, stats=st(0.1)),
    ], pk=["id"],
        checks=[
            {"name": "orders_status_check", "expression": "(status = ANY (ARRAY['new'::text, 'paid'::text, 'void'::text]))"},
            {"name": "orders_qty_check", "expression": "((qty > 0) AND (qty <= 40))"},
            {"name": "orders_discount_check", "expression": "((discount >= (0)::numeric) AND (discount <= (50)::numeric))"},
            {"name": "orders_placed_on_check", "expression": "(placed_on >= '2020-01-01'::date)"},
            {"name": "orders_shipped_check", "expression": "(shipped_on >= placed_on)"},
            {"name": "orders_created_at_check", "expression": "(created_at <= now())"},
            {"name": "orders_code_check", "expression": "(char_length((code)::text) >= 3)"},
            {"name": "orders_country_check", "expression": "(country <> 'XX'::bpchar)"},
            {"name": "orders_kind_check", "expression": "(kind ~~ 'k%'::text)"},
            {"name": "orders_note_check", "expression": "((note IS NULL) OR (length(note) <= 20))"},
            {"name": "orders_flag_check", "expression": "(flag IS NOT NULL)"},
            {"name": "orders_active_check", "expression": "(active = true)"},
            {"name": "orders_priority_check", "expression": "(priority <> ALL (ARRAY[0, 13]))"},
            {"name": "orders_a_or_b_check", "expression": "((a > 0) OR (b > 0))"},
            {"name": "orders_min_max_check", "expression": "(min_v <= max_v)"},
        ]),
])
chk["domains"] = [
    {"schema": "public", "name": "positive_amount", "type": num(10, 2),
     "checks": [{"name": "positive_amount_check", "expression": "(VALUE > (0)::numeric)"}]},
    {"schema": "public", "name": "zip5", "type": vc(5), "not_null": False,
     "checks": [{"name": "zip5_check", "expression": "(char_length((VALUE)::text) = 5)"}]},
]

for name, s in (("hr", hr), ("financial", fin), ("chinook", ck), ("checks", chk)):
    with open(f"tests/shapes/{name}.shape.json", "w") as f:
        json.dump(s, f, indent=2)
        f.write("\n")
