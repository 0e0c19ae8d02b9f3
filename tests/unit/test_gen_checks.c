/* Unit tests of check constraints in the generator: parsing, shaping, rendering, evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraints.h"
#include "output.h"
#include "plan.h"

/* A one-table shape: columns and checks as JSON fragments. */
static struct gen_plan *plan_shape(const char *domains, const char *cols, const char *checks,
                                   int rows, struct sil_err *err)
{
    char *json = sil_xasprintf(
        "{\"format\": \"silhouette.shape\", \"version\": 1, \"created_at\": "
        "\"2026-11-01T09:00:00Z\", \"source\": {\"kind\": \"template\"}, \"tokenization\": "
        "{\"method\": \"none\", \"token_length\": 16}, \"privacy\": {\"k\": 10, \"sample_rows\": "
        "0, "
        "\"max_category_bytes\": 64, \"noise\": \"none\", \"metadata_only\": false}, "
        "\"domains\": [%s], \"tables\": [{\"schema\": \"public\", \"name\": \"t\", \"kind\": "
        "\"table\", \"rows\": {\"count\": %d, \"method\": \"exact\", \"sampled\": 0}, "
        "\"primary_key\": [\"id\"], \"checks\": [%s], \"columns\": [{\"name\": \"id\", \"type\": "
        "{\"name\": \"integer\"}, \"nullable\": false, \"classification\": \"identifier\"}, %s]}]}",
        domains, rows, checks, cols);
    struct sil_shape *s = sil_shape_parse(json, strlen(json), "t.shape.json", 0, err);
    free(json);
    if (!s)
        return NULL;
    struct gen_sizing sz;
    memset(&sz, 0, sizeof sz);
    sz.scale = 1;
    struct gen_plan *p = gen_plan_new(s, NULL, 7, &sz, err);
    if (!p)
        sil_shape_free(s);
    return p;
}

static char *render_all(const struct gen_plan *p, int64_t rows)
{
    struct gen_rbuf b = {0};
    struct gen_val *v = malloc(sizeof *v);
    struct gen_cursor *c = gen_cursor_new(&p->tables[0]);
    gen_render_rows(p, &p->tables[0], GEN_FMT_COPY, 0, rows, c, v, &b);
    gen_cursor_free(c);
    free(v);
    char *s = malloc(b.len + 1);
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
    free(b.p);
    return s;
}

/* Field f (0-based) of a COPY line, into out. */
static void field(const char *line, int f, char *out, size_t n)
{
    for (int i = 0; i < f; i++) {
        line = strchr(line, '\t');
        assert_non_null(line);
        line++;
    }
    size_t k = strcspn(line, "\t\n");
    assert_true(k < n);
    memcpy(out, line, k);
    out[k] = '\0';
}

static void test_gen_checks__like(void **state)
{
    (void)state;
    static const struct {
        const char *s, *p;
        int icase, want;
    } v[] = {
        {"ann@example.com", "%_@__%.__%", 0, 1},
        {"@example.com", "%_@__%.__%", 0, 0},
        {"a@b.c", "%_@__%.__%", 0, 0},
        {"kiosk", "k%", 0, 1},
        {"web", "k%", 0, 0},
        {"", "%", 0, 1},
        {"", "_", 0, 0},
        {"abc", "a_c", 0, 1},
        {"ac", "a_c", 0, 0},
        {"a%c", "a\\%c", 0, 1},
        {"abc", "a\\%c", 0, 0},
        {"ABC", "abc", 1, 1},
        {"ABC", "abc", 0, 0},
        {"\xc3\xa9t\xc3\xa9", "_t_", 0, 1},
        {"aaab", "%a%b", 0, 1},
        {"aaa", "%a%b", 0, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (gen_like(v[i].s, v[i].p, v[i].icase) != v[i].want)
            fail_msg("'%s' LIKE '%s': want %d", v[i].s, v[i].p, v[i].want);
    }
}

static void test_gen_checks__expressions_shape_values(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_plan *p = plan_shape(
        "{\"schema\": \"public\", \"name\": \"pos\", \"type\": {\"name\": \"integer\"}, "
        "\"checks\": "
        "[{\"name\": \"pos_check\", \"expression\": \"(VALUE > 0)\"}]}",
        "{\"name\": \"n\", \"type\": {\"name\": \"integer\"}, \"nullable\": true, "
        "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0.3, \"quantiles\": [[0, "
        "-100], [1, 100]]}},"
        "{\"name\": \"kind\", \"type\": {\"name\": \"text\"}, \"nullable\": false, "
        "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0, \"categories\": "
        "{\"encoding\": \"clear\", \"values\": [{\"value\": \"a\", \"fraction\": 0.5}, {\"value\": "
        "\"b\", \"fraction\": 0.3}, {\"value\": \"c\", \"fraction\": 0.2}], \"other_fraction\": "
        "0}}},"
        "{\"name\": \"lo\", \"type\": {\"name\": \"date\"}, \"nullable\": false, "
        "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0, \"quantiles\": [[0, "
        "19000], [1, 19500]]}},"
        "{\"name\": \"hi\", \"type\": {\"name\": \"date\"}, \"nullable\": false, "
        "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0, \"quantiles\": [[0, "
        "19000], [1, 19500]]}},"
        "{\"name\": \"p\", \"type\": {\"name\": \"domain\", \"schema\": \"public\", \"ref\": "
        "\"pos\"}, \"nullable\": false, \"classification\": \"public\", \"stats\": "
        "{\"null_fraction\": 0, \"quantiles\": [[0, -50], [1, 50]]}},"
        "{\"name\": \"Odd \\\"Name\\\"\", \"type\": {\"name\": \"integer\"}, \"nullable\": false, "
        "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0, \"quantiles\": [[0, 0], "
        "[1, 9]]}}",
        "{\"name\": \"t_n\", \"expression\": \"((n IS NOT NULL) AND (n BETWEEN 10 AND 20))\"},"
        "{\"name\": \"t_kind\", \"expression\": \"(kind <> ALL (ARRAY['b'::text, 'c'::text]))\"},"
        "{\"name\": \"t_dates\", \"expression\": \"(lo < hi)\"},"
        "{\"name\": \"t_odd\", \"expression\": \"(\\\"Odd \\\"\\\"Name\\\"\\\"\\\" <> 30)\"}",
        4000, &err);
    if (!p)
        fail_msg("%s", err.msg);
    const struct gen_table *t = &p->tables[0];
    assert_int_equal(t->nchecks, 5); /* four of the table's, one of the domain's */
    assert_true(t->checks[0].shaped && t->checks[1].shaped && t->checks[2].shaped);
    assert_false(t->checks[3].shaped); /* <> on a free number: evaluated per row */
    assert_int_equal(t->check_rows, 1);
    assert_string_equal(t->checks[4].name, "pos_check");
    assert_int_equal(t->checks[4].column, 5);
    assert_true(t->checks[4].shaped);
    char *rows = render_all(p, 4000), *save = NULL;
    int n = 0;
    for (char *line = strtok_r(rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char f[64], lo[16], hi[16];
        field(line, 1, f, sizeof f);
        long v = strtol(f, NULL, 10);
        if (v < 10 || v > 20)
            fail_msg("n = '%s' outside 10..20", f);
        field(line, 2, f, sizeof f);
        assert_string_equal(f, "a");
        field(line, 3, lo, sizeof lo);
        field(line, 4, hi, sizeof hi);
        assert_true(strcmp(lo, hi) < 0);
        field(line, 5, f, sizeof f);
        assert_true(strtol(f, NULL, 10) > 0);
        n++;
    }
    assert_int_equal(n, 4000);
    free(rows);
    /* schema.sql: the rendered expressions, quoted, domain check included. */
    struct gen_out_opts o;
    memset(&o, 0, sizeof o);
    char *sql = gen_schema_sql(p, &o, NULL);
    assert_non_null(strstr(sql, "CREATE DOMAIN \"pos\" AS integer CONSTRAINT \"pos_check\" CHECK "
                                "((VALUE > 0));"));
    assert_non_null(strstr(sql, "ADD CONSTRAINT \"t_n\" CHECK (((\"n\" IS NOT NULL) AND (\"n\" "
                                "BETWEEN 10 AND 20)));"));
    assert_non_null(strstr(sql, "ADD CONSTRAINT \"t_odd\" CHECK ((\"Odd \"\"Name\"\"\" <> 30));"));
    free(sql);
    gen_plan_free(p);
}

/* The financial shape's check as PostgreSQL prints it: a negative constant
 * is a cast of a cast. It shapes values (not only verifies them). */
static void test_gen_checks__negative_constant_cast_of_cast(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_plan *p =
        plan_shape("",
                   "{\"name\": \"balance\", \"type\": {\"name\": \"numeric\", \"precision\": 14, "
                   "\"scale\": 2}, \"nullable\": false, \"classification\": \"public\", \"stats\": "
                   "{\"null_fraction\": 0, \"quantiles\": [[0, -50000], [0.5, 0], [1, 50000]]}}",
                   "{\"name\": \"account_balance_check\", \"expression\": \"(balance >= "
                   "('-10000'::integer)::numeric)\"}",
                   3000, &err);
    if (!p)
        fail_msg("%s", err.msg);
    const struct gen_table *t = &p->tables[0];
    assert_int_equal(t->nchecks, 1);
    assert_true(t->checks[0].shaped);
    assert_int_equal(t->check_rows, 0); /* no per-row evaluation needed */
    char *rows = render_all(p, 3000), *save = NULL;
    int n = 0, below_zero = 0, at_bound = 0;
    for (char *line = strtok_r(rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char f[64];
        field(line, 1, f, sizeof f);
        double v = strtod(f, NULL);
        if (v < -10000)
            fail_msg("balance = '%s' below -10000", f);
        below_zero += v < 0;
        at_bound += v == -10000;
        n++;
    }
    assert_int_equal(n, 3000);
    /* the range is filled, not piled on the bound: F(-10000) = 0.4, so a share
     * (0.5 - 0.4) / (1 - 0.4) = 1/6 of the rows is below zero (500 +- 3 sd) */
    assert_in_range(below_zero, 440, 560);
    assert_true(at_bound < 10);
    free(rows);
    gen_plan_free(p);
}

static void test_gen_checks__refused_and_impossible(void **state)
{
    (void)state;
    static const char *const num =
        "{\"name\": \"n\", \"type\": {\"name\": \"integer\"}, \"nullable\": false, "
        "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0, \"quantiles\": [[0, 1], "
        "[1, 9]]}}";
    static const struct {
        const char *domains, *checks, *want;
    } v[] = {
        {"", "{\"name\": \"c1\", \"expression\": \"(n > 0) OR pg_sleep(10) IS NULL\"}",
         "table \"public.t\": check constraint \"c1\" cannot be used: expression \"(n > 0) OR "
         "pg_sleep(10) IS NULL\" refused at position 12: function pg_sleep() is not allowed"},
        {"", "{\"name\": \"c2\", \"expression\": \"(n > (SELECT 1))\"}",
         "check constraint \"c2\" cannot be used"},
        {"{\"schema\": \"public\", \"name\": \"d\", \"type\": {\"name\": \"integer\"}, \"checks\": "
         "[{\"name\": \"d_check\", \"expression\": \"(VALUE > 0); SELECT 1\"}]}",
         "", "domain \"public.d\": check constraint \"d_check\" cannot be used"},
        {"", "{\"name\": \"c3\", \"expression\": \"(id < 50)\"}",
         "constraint on column \"id\" cannot hold: the key values 1..rows fall outside it "
         "(check constraint \"c3\" \"(id < 50)\")"},
        {"", "{\"name\": \"c4\", \"expression\": \"(n IN (3, 4)) AND (n > 5)\"}",
         "column \"n\" cannot hold"},
        {"", "{\"name\": \"c5\", \"expression\": \"((n > 100) OR (id < 0))\"}",
         "table \"public.t\": generated row 0 fails check constraint \"c5\""},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct sil_err err;
        sil_err_clear(&err);
        struct gen_plan *p = plan_shape(v[i].domains, num, v[i].checks, 100, &err);
        if (p) {
            gen_plan_free(p);
            fail_msg("case %zu: planned, want an error", i);
        }
        assert_int_equal(err.code, SIL_EINPUT);
        if (!strstr(err.msg, v[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, v[i].want);
    }
}

static void test_gen_checks__rows_are_evaluated(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    const char *vals[2] = {"7", "0"};
    struct gen_plan *p =
        plan_shape("",
                   "{\"name\": \"n\", \"type\": {\"name\": \"integer\"}, \"nullable\": false, "
                   "\"classification\": \"public\", \"stats\": {\"null_fraction\": 0, "
                   "\"quantiles\": [[0, 1], [1, 9]]}}",
                   "{\"name\": \"c\", \"expression\": \"((n > 0) OR (id <> 7))\"}", 10, &err);
    if (!p)
        fail_msg("%s", err.msg);
    assert_int_equal(gen_check_row(p, &p->tables[0], 6, vals, 0, &err), -1);
    assert_string_equal(err.msg, "table \"public.t\": generated row 6 fails check constraint "
                                 "\"c\" \"((n > 0) OR (id <> 7))\"");
    vals[1] = "1";
    assert_int_equal(gen_check_row(p, &p->tables[0], 6, vals, 0, &err), 0);
    vals[1] = NULL; /* NULL: the check passes */
    assert_int_equal(gen_check_row(p, &p->tables[0], 6, vals, 0, &err), 0);
    vals[1] = "x";
    assert_int_equal(gen_check_row(p, &p->tables[0], 6, vals, 0, &err), -1);
    assert_non_null(strstr(err.msg, "cannot be evaluated on generated row 6"));
    gen_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_checks__like),
        cmocka_unit_test(test_gen_checks__expressions_shape_values),
        cmocka_unit_test(test_gen_checks__negative_constant_cast_of_cast),
        cmocka_unit_test(test_gen_checks__refused_and_impossible),
        cmocka_unit_test(test_gen_checks__rows_are_evaluated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
