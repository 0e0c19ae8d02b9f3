/* Check expressions: accepted and refused grammar, quoting renderer, constraints, 3VL eval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expr.h"

static const char *const user_types[] = {"device_kind", "mood", "We\"ird"};
static const struct sil_expr_options opts = {3, user_types, 0};
static const struct sil_expr_options domain_opts = {3, user_types, 1};

static char *render_of(const struct sil_expr *e, const char *schema)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_expr_render(e, schema, &b);
    return sil_buf_detach(&b, NULL);
}

/* Parse, render, and check the rendering parses back to the same bytes. */
static char *round_trip(const char *text, const struct sil_expr_options *o)
{
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_expr *e = sil_expr_parse(text, o, &err);
    if (!e)
        fail_msg("refused: %s: %s", text, err.msg);
    char *r1 = render_of(e, NULL);
    struct sil_expr *e2 = sil_expr_parse(r1, o, &err);
    if (!e2)
        fail_msg("rendering refused: %s -> %s: %s", text, r1, err.msg);
    char *r2 = render_of(e2, NULL);
    if (strcmp(r1, r2) != 0)
        fail_msg("not a fixpoint: %s -> %s -> %s", text, r1, r2);
    free(r2);
    sil_expr_free(e2);
    sil_expr_free(e);
    return r1;
}

/* Expressions as PostgreSQL prints them: the shared fixtures' CHECKs (hr,
 * and the information_schema domains every database has), the chat shape,
 * and the forms pg_get_constraintdef produces for common column types. */
static const struct {
    const char *in;
    const char *out;
} accepted[] = {
    /* hr fixture */
    {"(min_salary <= max_salary)", "(\"min_salary\" <= \"max_salary\")"},
    {"((email)::text ~~ '%_@__%.__%'::text)", "((\"email\")::text LIKE '%_@__%.__%'::text)"},
    {"(end_date > start_date)", "(\"end_date\" > \"start_date\")"},
    /* chat shape */
    {"(size_bytes > 0)", "(\"size_bytes\" > 0)"},
    /* the lead's list */
    {"(salary > (0)::numeric)", "(\"salary\" > (0)::numeric)"},
    {"(kind = ANY (ARRAY['direct'::text, 'group'::text]))",
     "(\"kind\" = ANY (ARRAY['direct'::text, 'group'::text]))"},
    {"((end_date IS NULL) OR (end_date >= start_date))",
     "((\"end_date\" IS NULL) OR (\"end_date\" >= \"start_date\"))"},
    {"(char_length(code) = 3)", "(char_length(\"code\") = 3)"},
    {"((email)::text ~~ '%@%'::text)", "((\"email\")::text LIKE '%@%'::text)"},
    {"(amount >= 0) AND (amount <= 1000000)", "((\"amount\" >= 0) AND (\"amount\" <= 1000000))"},
    /* other printed forms */
    {"(x > '-1'::integer)", "(\"x\" > '-1'::integer)"},
    {"(price >= 0.5)", "(\"price\" >= 0.5)"},
    {"(ratio < '1.5'::double precision)", "(\"ratio\" < '1.5'::double precision)"},
    {"((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
     "((\"status\")::text = ANY ((ARRAY['a'::character varying, 'b'::character "
     "varying])::text[]))"},
    {"(d >= '2020-01-01'::date)", "(\"d\" >= '2020-01-01'::date)"},
    {"(ts < '2030-01-01 00:00:00+00'::timestamp with time zone)",
     "(\"ts\" < '2030-01-01 00:00:00+00'::timestamp with time zone)"},
    {"(created_at <= now())", "(\"created_at\" <= now())"},
    {"(d <= CURRENT_DATE)", "(\"d\" <= CURRENT_DATE)"},
    {"(length((name)::text) > 0)", "(length((\"name\")::text) > 0)"},
    {"(btrim(name) <> ''::text)", "(btrim(\"name\") <> ''::text)"},
    {"(device = ANY (ARRAY['ios'::device_kind, 'web'::device_kind]))",
     "(\"device\" = ANY (ARRAY['ios'::\"device_kind\", 'web'::\"device_kind\"]))"},
    {"(m <> 'sad'::public.mood)", "(\"m\" <> 'sad'::\"mood\")"},
    {"(\"Order Total\" >= (0)::numeric(10,2))", "(\"Order Total\" >= (0)::numeric(10,2))"},
    {"(code ~ '^[A-Z]{3}$'::text)", "(\"code\" ~ '^[A-Z]{3}$'::text)"},
    {"(code !~* 'x')", "(\"code\" !~* 'x')"},
    {"(NOT (flag IS TRUE))", "(NOT (\"flag\" IS TRUE))"},
    {"(a IS DISTINCT FROM b)", "(\"a\" IS DISTINCT FROM \"b\")"},
    {"a isnull or b notnull", "((\"a\" IS NULL) OR (\"b\" IS NOT NULL))"},
    {"x NOT BETWEEN 1 AND 2", "(\"x\" NOT BETWEEN 1 AND 2)"},
    {"x not like 'a%' and y ilike 'B%'", "((\"x\" NOT LIKE 'a%') AND (\"y\" ILIKE 'B%'))"},
    {"(first || ' ' || last) <> ' '", "(((\"first\" || ' ') || \"last\") <> ' ')"},
    {"abs(a - b) * 2 / 3 % 4 + -1 >= +2",
     "(((((abs((\"a\" - \"b\")) * 2) / 3) % 4) + (-1)) >= (+2))"},
    {"CAST(x AS varchar(10)) = 'a'", "((\"x\")::character varying(10) = 'a')"},
    {"x::int4 + y::int8 + z::float8 + w::bool::int > 0",
     "(((((\"x\")::integer + (\"y\")::bigint) + (\"z\")::double precision) + "
     "((\"w\")::boolean)::integer) > 0)"},
    {"t::timestamp(3) without time zone < t2::time", "((\"t\")::timestamp(3) without time zone < "
                                                     "(\"t2\")::time without time zone)"},
    {"c::char(2) = 'ab' AND c::bpchar = 'ab' AND c::character = 'a'",
     "(((\"c\")::character(2) = 'ab') AND ((\"c\")::bpchar = 'ab') AND ((\"c\")::character(1) = "
     "'a'))"},
    {"coalesce(a, b, 0) > nullif(c, 0)", "(coalesce(\"a\", \"b\", 0) > nullif(\"c\", 0))"},
    {"greatest(a, b) = least(c, d) OR round(x, 2) = trunc(y) OR floor(z) = ceil(w)",
     "((greatest(\"a\", \"b\") = least(\"c\", \"d\")) OR (round(\"x\", 2) = trunc(\"y\")) OR "
     "(floor(\"z\") = ceil(\"w\")))"},
    {"pg_catalog.lower(x) = x", "(lower(\"x\") = \"x\")"},
    {"x = 'it''s'", "(\"x\" = 'it''s')"},
    {"x = E'a\\\\b\\'c\\n'", "(\"x\" = E'a\\\\b''c\n')"},
    {"x = 'back\\slash'", "(\"x\" = E'back\\\\slash')"},
    {"x = '\"; DROP TABLE t; --'", "(\"x\" = '\"; DROP TABLE t; --')"},
    {"\"we\"\"ird\" = 1", "(\"we\"\"ird\" = 1)"},
    {"x = ANY ('{a,\"b c\",NULL}'::text[])", "(\"x\" = ANY ('{a,\"b c\",NULL}'::text[]))"},
    {"x <> ALL (ARRAY[1, 2])", "(\"x\" <> ALL (ARRAY[1, 2]))"},
    {"x = SOME (ARRAY[1])", "(\"x\" = ANY (ARRAY[1]))"},
    {"x != 1 AND (y = 2 AND (z = 3 OR z = 4))",
     "((\"x\" <> 1) AND (\"y\" = 2) AND ((\"z\" = 3) OR (\"z\" = 4)))"},
    {"x = 1e3 AND y = .5 AND z = 1.", "((\"x\" = 1e3) AND (\"y\" = .5) AND (\"z\" = 1.))"},
    {"(x)::\"We\"\"ird\" IS NOT NULL", "((\"x\")::\"We\"\"ird\" IS NOT NULL)"},
    {"a>-1", "(\"a\" > (-1))"},
    {"NOT NOT x", "(NOT (NOT \"x\"))"},
    {"x IS NOT UNKNOWN AND y IS FALSE AND z IS NOT FALSE",
     "((\"x\" IS NOT UNKNOWN) AND (\"y\" IS FALSE) AND (\"z\" IS NOT FALSE))"},
    {"LOCALTIMESTAMP > t OR CURRENT_TIMESTAMP > t",
     "((LOCALTIMESTAMP > \"t\") OR (CURRENT_TIMESTAMP > \"t\"))"},
    {"\"user\" > 0 AND \"select\" > 0", "((\"user\" > 0) AND (\"select\" > 0))"},
    {"Amount > 0", "(\"amount\" > 0)"},
    {"x::numeric(5) > 0 AND y::decimal > 0 AND z::float(10) > 0 AND w::float(30) > 0",
     "(((\"x\")::numeric(5,0) > 0) AND ((\"y\")::numeric > 0) AND ((\"z\")::real > 0) AND "
     "((\"w\")::double precision > 0))"},
    {"x::text[] IS NULL", "((\"x\")::text[] IS NULL)"},
    {"x::jsonb IS NOT NULL AND y::uuid IS NOT NULL AND z::interval IS NOT NULL",
     "(((\"x\")::jsonb IS NOT NULL) AND ((\"y\")::uuid IS NOT NULL) AND ((\"z\")::interval IS NOT "
     "NULL))"},
    {"octet_length(x) < 10 AND upper(x) = ltrim(rtrim(x, 'a'))",
     "((octet_length(\"x\") < 10) AND (upper(\"x\") = ltrim(rtrim(\"x\", 'a'))))"},
    {"x = 'caf\xc3\xa9'", "(\"x\" = 'caf\xc3\xa9')"},
    {"\"\xc3\xa9t\xc3\xa9\" > 0", "(\"\xc3\xa9t\xc3\xa9\" > 0)"},
};

static void test_expr__accepted(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        char *r = round_trip(accepted[i].in, &opts);
        if (strcmp(r, accepted[i].out) != 0)
            fail_msg("%s\n  rendered %s\n  expected %s", accepted[i].in, r, accepted[i].out);
        free(r);
    }
}

static void test_expr__domain_checks(void **state)
{
    (void)state;
    /* Every database's information_schema has these two domains. */
    char *r = round_trip("(VALUE >= 0)", &domain_opts);
    assert_string_equal(r, "(VALUE >= 0)");
    free(r);
    r = round_trip("((VALUE)::text = ANY ((ARRAY['YES'::character varying, 'NO'::character "
                   "varying])::text[]))",
                   &domain_opts);
    assert_string_equal(r, "((VALUE)::text = ANY ((ARRAY['YES'::character varying, 'NO'::character "
                           "varying])::text[]))");
    free(r);
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse("VALUE > 0", &domain_opts, &err);
    assert_non_null(e);
    assert_int_equal(sil_expr_uses_value(e), 1);
    assert_int_equal(sil_expr_ncolumns(e), 0);
    sil_expr_free(e);
    /* VALUE outside a domain check is refused */
    assert_null(sil_expr_parse("VALUE > 0", &opts, &err));
    assert_non_null(strstr(err.msg, "VALUE is only allowed in a domain check"));
}

static void test_expr__qualified_types_render_in_schema(void **state)
{
    (void)state;
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse("(m <> 'sad'::public.mood)", &opts, &err);
    assert_non_null(e);
    char *r = render_of(e, "run_1");
    assert_string_equal(r, "(\"m\" <> 'sad'::\"run_1\".\"mood\")");
    free(r);
    sil_expr_free(e);
}

/* Hostile and unsupported input: the message names the position and the cause. */
static const struct {
    const char *in;
    int pos;
    const char *msg;
} refused[] = {
    {"a > 0; DROP TABLE t", 6, "';' is not allowed (statement separator)"},
    {"a > 0 -- comment", 7, "comments are not allowed"},
    {"a > 0 /* x */", 7, "comments are not allowed"},
    {"a >/* x */ 0", 4, "comments are not allowed"},
    {"a = $$x$$", 5, "'$' is not allowed (dollar quoting and parameters)"},
    {"a = $1", 5, "'$' is not allowed"},
    {"a = $tag$x$tag$", 5, "'$' is not allowed"},
    {"(SELECT 1) = 1", 2, "'select' is not allowed (subqueries are refused)"},
    {"a IN (SELECT b FROM t)", 7, "'select' is not allowed (subqueries are refused)"},
    {"EXISTS (SELECT 1)", 1, "'exists' is not allowed (subqueries are refused)"},
    {"a = ANY (SELECT 1)", 10, "'select' is not allowed (subqueries are refused)"},
    {"ARRAY(SELECT 1) IS NULL", 6, "ARRAY(subquery) is not allowed"},
    {"pg_sleep(10) IS NULL", 1, "function pg_sleep() is not allowed"},
    {"lo_import('/etc/passwd') > 0", 1, "function lo_import() is not allowed"},
    {"public.lower(x) = x", 1, "qualified names are not allowed"},
    {"\"lower\"(x) = x", 1, "quoted function names are not allowed"},
    {"t.a > 0", 1, "qualified names are not allowed"},
    {"a::regclass IS NULL", 4, "cast to unknown type \"regclass\""},
    {"a::evil.mood2 IS NULL", 4, "cast to unknown type \"mood2\""},
    {"a = 'unterminated", 5, "unterminated string literal"},
    {"a = 'x'\n'y'", 9, "adjacent string literals are not allowed"},
    {"a = 'x' 'y'", 9, "unexpected string literal"},
    {"\"a = 1", 1, "unterminated quoted identifier"},
    {"\"\" = 1", 1, "quoted identifier is empty"},
    {"a = U&'\\0041'", 5, "U& unicode literals are not allowed"},
    {"a = X'ff'", 5, "bit, hex and national string literals are not allowed"},
    {"a = E'\\u0041'", 7, "unicode escapes are not allowed"},
    {"a = E'\\000'", 7, "a zero byte is not allowed in a string"},
    {"a = E'\\xff'", 5, "string literal is not valid UTF-8"},
    {"a[1] = 0", 2, "subscripts are not allowed"},
    {"a COLLATE \"C\" = 'x'", 3, "'collate' is not allowed in a check expression"},
    {"CASE WHEN a THEN 1 END = 1", 1, "'case' is not allowed in a check expression"},
    {"a @> b", 3, "operator '@>' is not allowed"},
    {"a := 1", 3, "':' is not allowed"},
    {"a = 1 b = 2", 7, "unexpected 'b'"},
    {"a = ", 5, "unexpected end of expression"},
    {"", 1, "empty expression"},
    {"   ", 1, "empty expression"},
    {"1 < a < 3", 7, "comparison operators do not chain"},
    {"a LIKE 'x' ESCAPE '!'", 12, "LIKE ... ESCAPE is not allowed"},
    {"a BETWEEN SYMMETRIC 1 AND 2", 11, "BETWEEN symmetric is not allowed"},
    {"lower(*) = 'x'", 7, "'*' is not allowed"},
    {"count(*) > 0", 1, "function count() is not allowed"},
    {"lower(a, b) = 'x'", 1, "lower() takes 1 argument, not 2"},
    {"now(1) > a", 1, "now() takes 0"},
    {"a = 1 \\g", 7, "'\\' is not allowed outside a string"},
    {"a = 12abc", 7, "malformed number"},
    {"a = 1.2.3", 8, "malformed number"},
    {"a = ARRAY[]", 11, "empty ARRAY[] is not allowed"},
    {"a > 0\x01", 6, "control character 0x01"},
    {"a ~ 'x' OR ~a", 12, "operator '~' is not allowed here"},
    {"a::numeric(1,2,3) > 0", 15, "expected ')'"},
    {"a::int(4) > 0", 7, "this type takes no modifier"},
    {"current_timestamp(3) > a", 18, "current_timestamp takes no precision here"},
    {"VALUES (1)", 1, "'values' is not allowed (subqueries are refused)"},
    {"a = 1 UNION SELECT 1", 7, "'union' is not allowed in a check expression"},
    {"a = (1, 2)", 7, "expected ')', found ','"},
    {"\xff = 1", 1, "not valid UTF-8"},
};

static void test_expr__refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct sil_err err;
        sil_err_clear(&err);
        struct sil_expr *e = sil_expr_parse(refused[i].in, &opts, &err);
        if (e) {
            char *r = render_of(e, NULL);
            fail_msg("accepted: %s -> %s", refused[i].in, r);
        }
        assert_int_equal(err.code, SIL_EINPUT);
        char want[64];
        snprintf(want, sizeof want, "refused at position %d: ", refused[i].pos);
        if (!strstr(err.msg, want) || !strstr(err.msg, refused[i].msg))
            fail_msg("%s\n  message: %s\n  wanted: %s%s", refused[i].in, err.msg, want,
                     refused[i].msg);
        if (!strstr(err.msg, "expression \""))
            fail_msg("message does not name the expression: %s", err.msg);
    }
}

static void test_expr__refusal_names_the_expression_safely(void **state)
{
    (void)state;
    struct sil_err err;
    assert_null(sil_expr_parse("a > 0;\n\x1b[2J DROP", &opts, &err));
    assert_string_equal(err.msg, "expression \"a > 0;??[2J DROP\" refused at position 6: ';' is "
                                 "not allowed (statement separator)");
    /* long expressions are cut */
    char big[400];
    size_t n = 0;
    while (n < 300) {
        memcpy(big + n, "a > 0 AND ", 10);
        n += 10;
    }
    memcpy(big + n, "a;", 3);
    assert_null(sil_expr_parse(big, &opts, &err));
    assert_non_null(strstr(err.msg, "a > 0 AND ...\" refused at position 302: ';'"));
}

static void test_expr__depth_limit(void **state)
{
    (void)state;
    struct sil_err err;
    char buf[1200];
    size_t n = 0;
    /* the parser's recursion is bounded */
    for (int i = 0; i < 300; i++)
        buf[n++] = '(';
    buf[n++] = 'a';
    for (int i = 0; i < 300; i++)
        buf[n++] = ')';
    buf[n] = '\0';
    assert_null(sil_expr_parse(buf, &opts, &err));
    assert_non_null(strstr(err.msg, "nested deeper than 64 levels"));
    /* and so is the tree */
    n = 0;
    for (int i = 0; i < 100; i++) {
        memcpy(buf + n, "NOT ", 4);
        n += 4;
    }
    buf[n++] = 'a';
    buf[n] = '\0';
    assert_null(sil_expr_parse(buf, &opts, &err));
    assert_non_null(strstr(err.msg, "refused at position 1: nested deeper than 64 levels"));
    n = 0;
    for (int i = 0; i < 200; i++) {
        memcpy(buf + n, "- ", 2);
        n += 2;
    }
    buf[n++] = '1';
    buf[n] = '\0';
    assert_null(sil_expr_parse(buf, &opts, &err));
    assert_non_null(strstr(err.msg, "nested deeper"));
    /* redundant parentheses do not count, 60 levels of tree are fine */
    n = 0;
    for (int i = 0; i < 100; i++)
        buf[n++] = '(';
    memcpy(buf + n, "a > 0", 5);
    n += 5;
    for (int i = 0; i < 100; i++)
        buf[n++] = ')';
    buf[n] = '\0';
    struct sil_expr *e = sil_expr_parse(buf, &opts, &err);
    assert_non_null(e);
    sil_expr_free(e);
    n = 0;
    for (int i = 0; i < 58; i++) {
        memcpy(buf + n, "- ", 2);
        n += 2;
    }
    memcpy(buf + n, "1 > 0", 5);
    n += 5;
    buf[n] = '\0';
    e = sil_expr_parse(buf, &opts, &err);
    assert_non_null(e);
    sil_expr_free(e);
}

static void test_expr__columns(void **state)
{
    (void)state;
    struct sil_err err;
    struct sil_expr *e =
        sil_expr_parse("(end_date IS NULL) OR (end_date >= \"Start\") OR Other > 1", &opts, &err);
    assert_non_null(e);
    assert_int_equal(sil_expr_ncolumns(e), 3);
    assert_string_equal(sil_expr_column(e, 0), "end_date");
    assert_string_equal(sil_expr_column(e, 1), "Start");
    assert_string_equal(sil_expr_column(e, 2), "other");
    assert_null(sil_expr_column(e, 3));
    assert_string_equal(sil_expr_text(e),
                        "(end_date IS NULL) OR (end_date >= \"Start\") OR Other > 1");
    sil_expr_free(e);
}

/* ---- constraints ---- */

static const struct sil_expr_constraint *cons_of(const char *text, int want_exact, size_t want_n,
                                                 struct sil_expr **keep)
{
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse(text, &domain_opts, &err);
    if (!e)
        fail_msg("refused: %s: %s", text, err.msg);
    size_t n;
    const struct sil_expr_constraint *c;
    int exact = sil_expr_constraints(e, &n, &c);
    if (exact != want_exact || n != want_n)
        fail_msg("%s: exact %d n %zu, want exact %d n %zu", text, exact, n, want_exact, want_n);
    *keep = e;
    return c;
}

static void test_expr__constraints_compare(void **state)
{
    (void)state;
    struct sil_expr *e;
    const struct sil_expr_constraint *c = cons_of("(salary > (0)::numeric)", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_COMPARE);
    assert_string_equal(c[0].column, "salary");
    assert_int_equal(c[0].op, SIL_EXPR_GT);
    assert_int_equal(c[0].value.kind, SIL_EXPR_V_NUMBER);
    assert_true(c[0].value.number == 0.0);
    assert_string_equal(c[0].value.type, "numeric");
    sil_expr_free(e);

    c = cons_of("(x > '-1.5'::numeric) AND 10 >= y AND (z < '-3'::integer)", 1, 3, &e);
    assert_true(c[0].value.number == -1.5);
    assert_int_equal(c[1].op, SIL_EXPR_LE);
    assert_string_equal(c[1].column, "y");
    assert_true(c[1].value.number == 10.0);
    assert_true(c[2].value.number == -3.0);
    assert_string_equal(c[2].value.text, "-3");
    sil_expr_free(e);

    c = cons_of("a >= -5", 1, 1, &e);
    assert_true(c[0].value.number == -5.0);
    assert_string_equal(c[0].value.text, "-5");
    sil_expr_free(e);

    c = cons_of("(amount >= 0) AND (amount <= 1000000)", 1, 2, &e);
    assert_int_equal(c[0].op, SIL_EXPR_GE);
    assert_int_equal(c[1].op, SIL_EXPR_LE);
    assert_true(c[1].value.number == 1000000.0);
    sil_expr_free(e);

    c = cons_of("d BETWEEN '2020-01-01'::date AND '2020-12-31'::date", 1, 2, &e);
    assert_int_equal(c[0].value.kind, SIL_EXPR_V_DATE);
    assert_true(c[0].value.number == 1577836800.0);
    assert_string_equal(c[0].value.text, "2020-01-01");
    assert_true(c[1].value.number == 1609372800.0);
    sil_expr_free(e);

    c = cons_of("(ts < '2030-01-01 02:00:00+02'::timestamp with time zone)", 1, 1, &e);
    assert_int_equal(c[0].value.kind, SIL_EXPR_V_TIMESTAMP);
    assert_true(c[0].value.number == 1893456000.0);
    sil_expr_free(e);

    c = cons_of("(created_at <= now()) AND (d <= CURRENT_DATE)", 1, 2, &e);
    assert_int_equal(c[0].value.kind, SIL_EXPR_V_NOW);
    assert_int_equal(c[1].value.kind, SIL_EXPR_V_NOW);
    sil_expr_free(e);

    c = cons_of("NOT (x = 1) AND NOT (y < 2)", 1, 2, &e);
    assert_int_equal(c[0].op, SIL_EXPR_NE);
    assert_int_equal(c[1].op, SIL_EXPR_GE);
    sil_expr_free(e);

    c = cons_of("flag = true", 1, 1, &e);
    assert_int_equal(c[0].value.kind, SIL_EXPR_V_BOOL);
    assert_true(c[0].value.number == 1.0);
    sil_expr_free(e);
}

/* How PostgreSQL prints a negative constant compared with a numeric column. */
static void test_expr__constraints_negative_cast_of_cast(void **state)
{
    (void)state;
    struct sil_expr *e;
    const struct sil_expr_constraint *c =
        cons_of("(balance >= ('-10000'::integer)::numeric)", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_COMPARE);
    assert_string_equal(c[0].column, "balance");
    assert_int_equal(c[0].op, SIL_EXPR_GE);
    assert_int_equal(c[0].value.kind, SIL_EXPR_V_NUMBER);
    assert_true(c[0].value.number == -10000.0);
    assert_string_equal(c[0].value.text, "-10000");
    assert_string_equal(c[0].value.type, "numeric"); /* the outer cast */
    sil_expr_free(e);

    /* flipped, and a fraction through numeric into double precision */
    c = cons_of("(('-2.5'::numeric)::double precision < x)", 1, 1, &e);
    assert_string_equal(c[0].column, "x");
    assert_int_equal(c[0].op, SIL_EXPR_GT);
    assert_true(c[0].value.number == -2.5);
    assert_string_equal(c[0].value.type, "double precision");
    sil_expr_free(e);

    /* not a numeric constant: a cast of a cast to text, a triple cast, an
     * array inside: verified per row, never shaped */
    cons_of("(t = ('-1'::integer)::text)", 0, 0, &e);
    sil_expr_free(e);
    cons_of("(x >= ((('-1'::integer)::bigint)::numeric))", 0, 0, &e);
    sil_expr_free(e);
    cons_of("(x >= ('1'::text)::numeric)", 0, 0, &e);
    sil_expr_free(e);
}

static void test_expr__constraints_columns_and_nulls(void **state)
{
    (void)state;
    struct sil_expr *e;
    const struct sil_expr_constraint *c =
        cons_of("((end_date IS NULL) OR (end_date >= start_date))", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_COLUMNS);
    assert_string_equal(c[0].column, "end_date");
    assert_string_equal(c[0].column2, "start_date");
    assert_int_equal(c[0].op, SIL_EXPR_GE);
    sil_expr_free(e);

    c = cons_of("(min_salary <= max_salary)", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_COLUMNS);
    sil_expr_free(e);

    c = cons_of("a IS NOT NULL AND NOT (b IS NULL) AND c NOTNULL", 1, 3, &e);
    for (int i = 0; i < 3; i++)
        assert_int_equal(c[i].kind, SIL_EXPR_C_NOT_NULL);
    assert_string_equal(c[2].column, "c");
    sil_expr_free(e);

    /* a IS NULL OR a IS NOT NULL is a tautology, not "a IS NOT NULL" */
    cons_of("(a IS NULL) OR (a IS NOT NULL)", 0, 0, &e);
    sil_expr_free(e);
    /* x IS NULL OR (x > 0 AND y > 0) does not force y > 0 */
    cons_of("(x IS NULL) OR ((x > 0) AND (y > 0))", 0, 0, &e);
    sil_expr_free(e);
    /* x IS NULL OR y > 0 is not about x */
    cons_of("(x IS NULL) OR (y > 0)", 0, 0, &e);
    sil_expr_free(e);
    c = cons_of("(x IS NULL) OR (x BETWEEN 1 AND 5)", 1, 2, &e);
    assert_string_equal(c[1].column, "x");
    sil_expr_free(e);
    /* a partial AND keeps the simple parts */
    c = cons_of("(a > 0) AND (lower(b) = b) AND (c < 3)", 0, 2, &e);
    assert_string_equal(c[0].column, "a");
    assert_string_equal(c[1].column, "c");
    sil_expr_free(e);
    cons_of("(a > 0) OR (b > 0)", 0, 0, &e);
    sil_expr_free(e);
    cons_of("true", 1, 0, &e);
    sil_expr_free(e);
}

static void test_expr__constraints_in_like_length(void **state)
{
    (void)state;
    struct sil_expr *e;
    const struct sil_expr_constraint *c =
        cons_of("(kind = ANY (ARRAY['direct'::text, 'group'::text]))", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_IN);
    assert_int_equal(c[0].negated, 0);
    assert_int_equal(c[0].nvalues, 2);
    assert_string_equal(c[0].values[0].text, "direct");
    assert_string_equal(c[0].values[1].text, "group");
    assert_int_equal(c[0].values[1].kind, SIL_EXPR_V_TEXT);
    sil_expr_free(e);

    c = cons_of("((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character "
                "varying])::text[]))",
                1, 1, &e);
    assert_string_equal(c[0].column, "status");
    assert_int_equal(c[0].nvalues, 2);
    sil_expr_free(e);

    c = cons_of("x = ANY ('{1,2,NULL}'::integer[])", 1, 1, &e);
    assert_int_equal(c[0].nvalues, 3);
    assert_true(c[0].values[1].number == 2.0);
    assert_int_equal(c[0].values[2].kind, SIL_EXPR_V_NULL);
    sil_expr_free(e);

    c = cons_of("x NOT IN (1, 2) AND y <> ALL (ARRAY['a'])", 1, 2, &e);
    assert_int_equal(c[0].negated, 1);
    assert_int_equal(c[1].negated, 1);
    assert_string_equal(c[1].values[0].text, "a");
    sil_expr_free(e);

    c = cons_of("NOT (x = ANY (ARRAY[1]))", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_IN);
    assert_int_equal(c[0].negated, 1);
    sil_expr_free(e);

    c = cons_of("(device = ANY (ARRAY['ios'::device_kind, 'web'::device_kind]))", 1, 1, &e);
    assert_string_equal(c[0].values[0].text, "ios");
    assert_string_equal(c[0].values[0].type, "\"device_kind\"");
    sil_expr_free(e);

    c = cons_of("((email)::text ~~ '%_@__%.__%'::text)", 1, 1, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_LIKE);
    assert_string_equal(c[0].column, "email");
    assert_string_equal(c[0].value.text, "%_@__%.__%");
    assert_int_equal(c[0].icase, 0);
    sil_expr_free(e);

    c = cons_of("x NOT ILIKE 'a%'", 1, 1, &e);
    assert_int_equal(c[0].negated, 1);
    assert_int_equal(c[0].icase, 1);
    sil_expr_free(e);

    c = cons_of("(char_length(code) = 3) AND (length((name)::text) <= 40) AND 1 < "
                "character_length(x)",
                1, 3, &e);
    assert_int_equal(c[0].kind, SIL_EXPR_C_LENGTH);
    assert_string_equal(c[0].column, "code");
    assert_true(c[0].value.number == 3.0);
    assert_string_equal(c[1].column, "name");
    assert_int_equal(c[1].op, SIL_EXPR_LE);
    assert_int_equal(c[2].op, SIL_EXPR_GT);
    sil_expr_free(e);

    c = cons_of("(VALUE >= 0)", 1, 1, &e);
    assert_string_equal(c[0].column, "VALUE");
    sil_expr_free(e);

    cons_of("code ~ '^[A-Z]+$'", 0, 0, &e);
    sil_expr_free(e);
}

/* ---- evaluation ---- */

static int eval_row(const char *text, size_t n, const char *const *names,
                    const enum sil_type_base *types, const char *const *row)
{
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse(text, &opts, &err);
    if (!e)
        fail_msg("refused: %s: %s", text, err.msg);
    if (sil_expr_bind(e, n, names, types, &err) < 0)
        fail_msg("bind: %s", err.msg);
    struct sil_expr_env env = {1700000000, NULL}; /* 2023-11-14T22:13:20Z */
    enum sil_tri t;
    int rc = sil_expr_eval(e, row, &env, &t, &err);
    sil_expr_free(e);
    if (rc < 0)
        return -1;
    return (int)t;
}

#define T SIL_TRI_TRUE
#define F SIL_TRI_FALSE
#define N SIL_TRI_NULL

static const char *const names3[] = {"a", "b", "c"};

static const struct {
    const char *expr;
    const char *a, *b, *c; /* NULL = SQL NULL */
    int want;              /* -1: evaluation error */
} evals[] = {
    {"a > 0", "5", NULL, NULL, T},
    {"a > 0", "-5", NULL, NULL, F},
    {"a > 0", NULL, NULL, NULL, N},
    {"a > (0)::numeric", "0.001", NULL, NULL, T},
    {"a > '-1'::integer", "-1", NULL, NULL, F},
    {"a >= 0 AND a <= 10", "10", NULL, NULL, T},
    {"a >= 0 AND b <= 10", NULL, "11", NULL, F},
    {"a >= 0 AND b <= 10", NULL, "1", NULL, N},
    {"a >= 0 OR b <= 10", NULL, "1", NULL, T},
    {"a >= 0 OR b <= 10", NULL, "11", NULL, N},
    {"NOT (a = 1)", NULL, NULL, NULL, N},
    {"a IS NULL", NULL, NULL, NULL, T},
    {"a IS NOT NULL", "", NULL, NULL, T},
    {"(a IS NULL) OR (a >= b)", NULL, "2020-01-01", NULL, T},
    {"(a IS NULL) OR (a >= b)", "2020-01-02", "2020-01-01", NULL, T},
    {"a BETWEEN 1 AND 3", "3", NULL, NULL, T},
    {"a NOT BETWEEN 1 AND 3", "4", NULL, NULL, T},
    {"a BETWEEN 1 AND b", "4", NULL, NULL, N},
    {"a BETWEEN 5 AND b", "4", NULL, NULL, F},
    {"a IN ('x', 'y')", "y", NULL, NULL, T},
    {"a IN ('x', NULL)", "y", NULL, NULL, N},
    {"a NOT IN ('x', NULL)", "x", NULL, NULL, F},
    {"a NOT IN ('x', NULL)", "y", NULL, NULL, N},
    {"a = ANY (ARRAY['direct'::text, 'group'::text])", "group", NULL, NULL, T},
    {"a = ANY (ARRAY['direct'::text, 'group'::text])", "other", NULL, NULL, F},
    {"a = ANY ('{1,2,3}'::integer[])", "2", NULL, NULL, T},
    {"a <> ALL (ARRAY[1, 2])", "3", NULL, NULL, T},
    {"a <> ALL (ARRAY[1, 2])", "2", NULL, NULL, F},
    {"a > ALL (ARRAY[1, NULL])", "3", NULL, NULL, N},
    {"char_length(a) = 3", "caf\xc3\xa9", NULL, NULL, F},
    {"char_length(a) = 4", "caf\xc3\xa9", NULL, NULL, T},
    {"octet_length(a) = 5", "caf\xc3\xa9", NULL, NULL, T},
    {"(a)::text ~~ '%_@__%.__%'::text", "a@example.com", NULL, NULL, T},
    {"(a)::text ~~ '%_@__%.__%'::text", "@example.com", NULL, NULL, F},
    {"a LIKE 'caf_'", "caf\xc3\xa9", NULL, NULL, T},
    {"a LIKE '50\\%'", "50%", NULL, NULL, T},
    {"a LIKE '50\\%'", "500", NULL, NULL, F},
    {"a ILIKE 'AB%'", "abc", NULL, NULL, T},
    {"a NOT LIKE '%x%'", "abc", NULL, NULL, T},
    {"a LIKE 'x\\'", "x", NULL, NULL, -1},
    {"a ~ '^[A-Z]{3}$'", "ABC", NULL, NULL, T},
    {"a ~ '^[A-Z]{3}$'", "ABCD", NULL, NULL, F},
    {"a ~ '^\\d+$'", "123", NULL, NULL, T},
    {"a ~* '^abc'", "ABCd", NULL, NULL, T},
    {"a !~ 'x'", "abc", NULL, NULL, T},
    {"a ~ '(a)\\1'", "aa", NULL, NULL, -1},
    {"lower(a) = a", "abc", NULL, NULL, T},
    {"upper(a) = 'ABC'", "abc", NULL, NULL, T},
    {"btrim(a) <> ''::text", "   ", NULL, NULL, F},
    {"coalesce(a, b, '0')::integer > 1", NULL, NULL, NULL, F},
    {"coalesce(a, b, '0')::integer > 1", NULL, "5", NULL, T},
    {"nullif(a, '0') IS NULL", "0", NULL, NULL, T},
    {"greatest(a::int, b::int, c::int) = 7", "1", NULL, "7", T},
    {"least(a::int, b::int) = 1", "1", "2", NULL, T},
    {"abs(a::int) = 3", "-3", NULL, NULL, T},
    {"round(a::numeric, 1) = 2.5", "2.45", NULL, NULL, T},
    {"a::integer / 2 = 2", "5", NULL, NULL, T},
    {"a::numeric / 2 = 2.5", "5", NULL, NULL, T},
    {"a::integer / 0 = 1", "5", NULL, NULL, -1},
    {"a::integer % 3 = 2", "5", NULL, NULL, T},
    {"a::integer > 0", "abc", NULL, NULL, -1},
    {"(a || b) = 'xy'", "x", "y", NULL, T},
    {"(a || b) IS NULL", "x", NULL, NULL, T},
    {"a::date > b::date", "2024-02-29", "2024-02-28", NULL, T},
    {"a::date - b::date = 1", "2024-03-01", "2024-02-29", NULL, T},
    {"a::date + 1 = '2024-03-01'::date", "2024-02-29", NULL, NULL, T},
    {"a::date > '2024-02-30'::date", "2024-02-29", NULL, NULL, -1},
    {"a::timestamp with time zone < '2024-01-01 00:00:00+00'", "2023-12-31 23:59:59+00", NULL, NULL,
     T},
    {"a::timestamp with time zone = '2024-01-01 02:00:00+02'", "2024-01-01 00:00:00Z", NULL, NULL,
     T},
    {"a::timestamp <= now()", "2023-11-14 22:13:20", NULL, NULL, T},
    {"a::timestamp <= now()", "2023-11-14 22:13:21", NULL, NULL, F},
    {"a::date <= CURRENT_DATE", "2023-11-14", NULL, NULL, T},
    {"a::date <= CURRENT_DATE", "2023-11-15", NULL, NULL, F},
    {"a::time < '12:00'", "11:59:59", NULL, NULL, T},
    {"a::boolean", "t", NULL, NULL, T},
    {"a::boolean IS FALSE", "f", NULL, NULL, T},
    {"a::boolean IS UNKNOWN", NULL, NULL, NULL, T},
    {"a IS DISTINCT FROM b", NULL, "x", NULL, T},
    {"a IS NOT DISTINCT FROM b", NULL, NULL, NULL, T},
    {"a::varchar(2) = 'ab'", "abc", NULL, NULL, T},
    {"a::interval > '1 day'", "2 days", NULL, NULL, -1},
    {"a", "maybe", NULL, NULL, -1},
    {"a::integer + 1", "1", NULL, NULL, -1},
    {"a::bigint = 9007199254740993", "9007199254740993", NULL, NULL, T},
    {"a::bigint = 9007199254740992", "9007199254740993", NULL, NULL, F},
    {"a::numeric = 'NaN'::numeric", "NaN", NULL, NULL, T},
    {"a::jsonb IS NOT NULL", "{}", NULL, NULL, T},
    {"a::\"mood\" = 'sad'", "sad", NULL, NULL, T},
};

static void test_expr__eval_untyped(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof evals / sizeof evals[0]; i++) {
        const char *row[3] = {evals[i].a, evals[i].b, evals[i].c};
        int got = eval_row(evals[i].expr, 3, names3, NULL, row);
        if (got != evals[i].want)
            fail_msg("%s with a=%s b=%s c=%s: got %d, want %d", evals[i].expr,
                     evals[i].a ? evals[i].a : "NULL", evals[i].b ? evals[i].b : "NULL",
                     evals[i].c ? evals[i].c : "NULL", got, evals[i].want);
    }
}

static void test_expr__eval_typed(void **state)
{
    (void)state;
    static const char *const names[] = {"salary",   "kind", "code", "start_date",
                                        "end_date", "flag", "big"};
    static const enum sil_type_base types[] = {
        SIL_T_NUMERIC, SIL_T_ENUM, SIL_T_CHAR, SIL_T_DATE, SIL_T_DATE, SIL_T_BOOLEAN, SIL_T_BIGINT};
    const char *row[] = {"12.50", "direct", "ab ", "2020-01-01", "2019-12-31", "t", "10"};
    assert_int_equal(eval_row("(salary > (0)::numeric)", 7, names, types, row), T);
    assert_int_equal(eval_row("salary > 100", 7, names, types, row), F);
    /* the numeric column is compared as a number, not as text */
    assert_int_equal(eval_row("salary > '9'", 7, names, types, row), T);
    assert_int_equal(eval_row("big / 4 = 2", 7, names, types, row), T);
    assert_int_equal(
        eval_row("kind = ANY (ARRAY['direct'::text, 'group'::text])", 7, names, types, row), T);
    /* char(n) ignores trailing spaces */
    assert_int_equal(eval_row("code = 'ab' AND char_length(code) = 2", 7, names, types, row), T);
    assert_int_equal(
        eval_row("((end_date IS NULL) OR (end_date >= start_date))", 7, names, types, row), F);
    assert_int_equal(eval_row("flag AND NOT flag IS NULL", 7, names, types, row), T);
    /* a value that does not convert is an error naming the column */
    const char *bad[] = {"12,50", "x", "x", "2020-01-01", NULL, "t", "1"};
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse("salary > 0", &opts, &err);
    assert_non_null(e);
    assert_int_equal(sil_expr_bind(e, 7, names, types, &err), 0);
    enum sil_tri t = SIL_TRI_TRUE;
    assert_int_equal(sil_expr_eval(e, bad, NULL, &t, &err), -1);
    assert_non_null(strstr(err.msg, "column \"salary\""));
    assert_non_null(strstr(err.msg, "'12,50' is not a number"));
    sil_expr_free(e);
}

static void test_expr__bind_unknown_column(void **state)
{
    (void)state;
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse("x > 0 AND missing < 1", &opts, &err);
    assert_non_null(e);
    static const char *const names[] = {"x"};
    assert_int_equal(sil_expr_bind(e, 1, names, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "names column \"missing\", which the table does not have"));
    sil_expr_free(e);
}

static void test_expr__eval_domain_value(void **state)
{
    (void)state;
    struct sil_err err;
    struct sil_expr *e = sil_expr_parse("((VALUE)::text = ANY ((ARRAY['YES'::character varying, "
                                        "'NO'::character varying])::text[]))",
                                        &domain_opts, &err);
    assert_non_null(e);
    assert_int_equal(sil_expr_bind(e, 0, NULL, NULL, &err), 0);
    struct sil_expr_env env = {0, "YES"};
    enum sil_tri t;
    assert_int_equal(sil_expr_eval(e, NULL, &env, &t, &err), 0);
    assert_int_equal(t, SIL_TRI_TRUE);
    env.value = "MAYBE";
    assert_int_equal(sil_expr_eval(e, NULL, &env, &t, &err), 0);
    assert_int_equal(t, SIL_TRI_FALSE);
    env.value = NULL;
    assert_int_equal(sil_expr_eval(e, NULL, &env, &t, &err), 0);
    assert_int_equal(t, SIL_TRI_NULL);
    assert_true(sil_expr_check_passes(t));
    assert_false(sil_expr_check_passes(SIL_TRI_FALSE));
    sil_expr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr__accepted),
        cmocka_unit_test(test_expr__domain_checks),
        cmocka_unit_test(test_expr__qualified_types_render_in_schema),
        cmocka_unit_test(test_expr__refused),
        cmocka_unit_test(test_expr__refusal_names_the_expression_safely),
        cmocka_unit_test(test_expr__depth_limit),
        cmocka_unit_test(test_expr__columns),
        cmocka_unit_test(test_expr__constraints_compare),
        cmocka_unit_test(test_expr__constraints_negative_cast_of_cast),
        cmocka_unit_test(test_expr__constraints_columns_and_nulls),
        cmocka_unit_test(test_expr__constraints_in_like_length),
        cmocka_unit_test(test_expr__eval_untyped),
        cmocka_unit_test(test_expr__eval_typed),
        cmocka_unit_test(test_expr__bind_unknown_column),
        cmocka_unit_test(test_expr__eval_domain_value),
    };
    return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}
