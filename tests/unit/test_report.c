/* Unit tests of the quality report: KS statistics and p-values against published values,
 * Benjamini-Hochberg, exact key checks (in memory and spilled), record parsers, column
 * conformity, the policy and the schema.sql comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks.h"
#include "rcol.h"
#include "rddl.h"
#include "rkeys.h"
#include "rpolicy.h"
#include "rread.h"
#include "shape.h"

static double uniform_cdf(const void *arg, double x)
{
    (void)arg;
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.12g, want %.12g (+- %g)", what, got, want, tol);
}

/* Published values of the Kolmogorov distribution and of the one-sample test. */
static void test_report__ks_known_values(void **state)
{
    (void)state;
    /* Marsaglia, Tsang & Wang (2003), J. Stat. Software 8(18): K(10, .274). */
    near(gen_ks_cdf(10, 0.274), 0.6284796154565043, 1e-13, "P(D10 < .274)");
    /* The same paper's program: Prob(D_16000 >= 0.016) = 0.0005476508615293
     * (our right-tail formula is theirs, to about 4 digits here). */
    near(gen_ks_pvalue(16000, 0.016), 0.0005476508615293, 0.0000005, "P(D16000 >= .016)");
    /* T. Ferguson's table (UCLA): P(D100 <= .1) = .74731. */
    near(gen_ks_cdf(100, 0.1), 0.74731, 0.000005, "P(D100 <= .1)");
    /* Two-sided 5% critical values (Massey 1951; Miller 1956): n = 5, 10, 20, 30. */
    near(gen_ks_pvalue(5, 0.563), 0.05, 0.001, "n=5 critical .563");
    near(gen_ks_pvalue(10, 0.409), 0.05, 0.001, "n=10 critical .409");
    near(gen_ks_pvalue(20, 0.294), 0.05, 0.001, "n=20 critical .294");
    near(gen_ks_pvalue(30, 0.242), 0.05, 0.001, "n=30 critical .242");
    /* The limiting distribution: 10%, 5%, 1% points 1.2239, 1.3581, 1.6276; K(.5). */
    near(gen_kolmogorov_cdf(1.2239), 0.90, 0.0001, "K(1.2239)");
    near(gen_kolmogorov_cdf(1.3581), 0.95, 0.0001, "K(1.3581)");
    near(gen_kolmogorov_cdf(1.6276), 0.99, 0.0001, "K(1.6276)");
    near(gen_kolmogorov_cdf(0.5), 0.0361, 0.0001, "K(0.5)");
    /* Edges. */
    near(gen_ks_cdf(10, 0.04), 0, 0, "d below 1/(2n)");
    near(gen_ks_pvalue(10, 1), 0, 0, "d = 1");
    near(gen_ks_pvalue(1000, 0.5), 0, 1e-100, "far tail");
    /* n*d > 200 uses the limiting form with Stephens' correction: close to exact. */
    near(gen_ks_pvalue(100000, 0.0043), 0.0494, 0.002, "n=100000");
}

static void test_report__ks_statistic(void **state)
{
    (void)state;
    /* By hand: D+ = max(i/n - x) = 0.6 - 0.35 = 0.25, D- = max(x - (i-1)/n) = 0.2. */
    double v[] = {0.8, 0.1, 0.35, 0.9, 0.3};
    struct gen_ks_model m = {uniform_cdf, NULL, NULL};
    near(gen_ks_d(v, 5, &m), 0.25, 1e-12, "D of five values");
    /* Ties count once, as the jump of the empirical CDF. */
    double w[] = {0.5, 0.5, 0.5, 0.5};
    near(gen_ks_d(w, 4, &m), 0.5, 1e-12, "D of four equal values");
}

/* A die: P(X <= k) = k/6 for k = 1..6. */
static double die_cdf(const void *a, double x)
{
    (void)a;
    return x < 1 ? 0 : x >= 6 ? 1 : floor(x) / 6;
}

static double die_below(const void *a, double x)
{
    return die_cdf(a, ceil(x) - 1);
}

static void test_report__ks_discrete(void **state)
{
    (void)state;
    /* A fair sample of a die is at distance 0 where the model jumps, though a
     * continuous comparison would see up to 1/6. */
    double v[60];
    for (int i = 0; i < 60; i++)
        v[i] = 1 + i % 6;
    struct gen_ks_model m = {die_cdf, die_below, NULL};
    near(gen_ks_d(v, 60, &m), 0, 1e-12, "fair die");
    /* Only sixes: F_n(5) = 0 against 5/6. */
    for (int i = 0; i < 60; i++)
        v[i] = 6;
    near(gen_ks_d(v, 60, &m), 5.0 / 6, 1e-12, "loaded die");
}

static void test_report__benjamini_hochberg(void **state)
{
    (void)state;
    double p[] = {0.01, 0.04, 0.03, 0.005}, q[4];
    gen_ks_bh(p, 4, q);
    near(q[0], 0.02, 1e-12, "q of 0.01");
    near(q[1], 0.04, 1e-12, "q of 0.04");
    near(q[2], 0.04, 1e-12, "q of 0.03");
    near(q[3], 0.02, 1e-12, "q of 0.005");
    double one[] = {0.3}, q1[1];
    gen_ks_bh(one, 1, q1);
    near(q1[0], 0.3, 0, "one test");
}

/* Keys: the same exact answers in memory and through spill files. */
static void keys_case(size_t budget, int integer, int64_t stride, size_t split)
{
    struct gen_keys *k = gen_keys_new(2, budget, "/tmp");
    if (split)
        gen_keys_set_partition_limit(k, split);
    int sp = gen_keys_space(k, integer), fk = gen_keys_fk(k, sp);
    char b[32];
    const int n = 120000;
    for (int i = 1; i <= n; i++) {
        if (integer) {
            gen_keys_add_int(k, i % 2, sp, i * stride);
        } else {
            int len = snprintf(b, sizeof b, "key-%d", i);
            gen_keys_add(k, i % 2, sp, b, (size_t)len);
        }
    }
    /* 7 duplicates */
    for (int i = 1; i <= 7; i++) {
        if (integer) {
            gen_keys_add_int(k, 0, sp, i * 1000 * stride);
        } else {
            int len = snprintf(b, sizeof b, "key-%d", i * 1000);
            gen_keys_add(k, 0, sp, b, (size_t)len);
        }
    }
    /* children: key i gets i % 4 children for i <= 60000; 11 orphans */
    int64_t probes = 0;
    for (int i = 1; i <= 60000; i++)
        for (int c = 0; c < i % 4; c++, probes++) {
            if (integer) {
                gen_keys_probe_int(k, c % 2, fk, i * stride);
            } else {
                int len = snprintf(b, sizeof b, "key-%d", i);
                gen_keys_probe(k, c % 2, fk, b, (size_t)len);
            }
        }
    for (int i = 0; i < 11; i++, probes++) {
        if (integer) {
            gen_keys_probe_int(k, 1, fk, -5 - i);
        } else {
            int len = snprintf(b, sizeof b, "nokey-%d", i);
            gen_keys_probe(k, 1, fk, b, (size_t)len);
        }
    }
    struct sil_err err;
    sil_err_clear(&err);
    assert_int_equal(gen_keys_finish(k, &err), 0);
    struct gen_keys_result r;
    gen_keys_space_result(k, sp, &r);
    assert_int_equal(r.values, n + 7);
    assert_int_equal(r.duplicates, 7);
    assert_int_equal(r.parents, n);
    assert_true(r.nexamples >= 1);
    gen_keys_fk_result(k, fk, &r);
    assert_int_equal(r.values, probes);
    assert_int_equal(r.orphans, 11);
    assert_int_equal(r.parents, n);
    /* (0 children: 15000 of the first 60000 + the 60000 others), 1, 2, 3: 15000 each */
    assert_int_equal(r.nhist, 4);
    assert_int_equal(r.hist[0][0], 0);
    assert_int_equal(r.hist[0][1], 75000);
    for (int c = 1; c <= 3; c++) {
        assert_int_equal(r.hist[c][0], c);
        assert_int_equal(r.hist[c][1], 15000);
    }
    if (budget < ((size_t)4 << 20))
        assert_true(gen_keys_spilled_bytes(k) > 0);
    else
        assert_int_equal(gen_keys_spilled_bytes(k), 0);
    gen_keys_free(k);
}

static void test_report__keys_exact(void **state)
{
    (void)state;
    keys_case((size_t)512 << 20, 1, 1, 0);  /* bitmaps and counters */
    keys_case((size_t)512 << 20, 0, 1, 0);  /* records in memory */
    keys_case((size_t)1 << 20, 0, 1, 0);    /* records spilled to files */
    keys_case((size_t)1 << 20, 0, 1, 2000); /* spilled partitions split again, twice */
    /* sparse integers: pages outgrow the budget and turn into records */
    keys_case((size_t)1 << 20, 1, 65536, 0);
}

struct rows {
    int n;
    char got[16][8][32];
    size_t nf[16];
};

static int collect(void *arg, int64_t row, struct rep_val *v, size_t n)
{
    struct rows *r = arg;
    assert_int_equal(row, 100 + r->n);
    r->nf[r->n] = v ? n : 0;
    for (size_t i = 0; v && i < n && i < 8; i++)
        snprintf(r->got[r->n][i], 32, "%s", v[i].s ? v[i].s : "<NULL>");
    r->n++;
    return 0;
}

static void parse_case(enum rep_format f, const char *text, int nrows, const char *const *want)
{
    char *buf = strdup(text);
    struct rep_chunk c = {0, 100, buf, strlen(buf), nrows};
    static const char *const names[] = {"a", "b", "c"};
    struct rep_val scratch[3];
    struct rows r;
    memset(&r, 0, sizeof r);
    assert_int_equal(rep_parse_chunk(f, &c, 3, names, scratch, collect, &r), 0);
    assert_int_equal(r.n, nrows);
    for (int i = 0; i < nrows; i++) {
        assert_int_equal(r.nf[i], 3);
        for (int j = 0; j < 3; j++)
            assert_string_equal(r.got[i][j], want[i * 3 + j]);
    }
    free(buf);
}

static void test_report__record_parsers(void **state)
{
    (void)state;
    static const char *const want[] = {"1", "tab\there", "<NULL>", "2", "a\\b\nc", ""};
    parse_case(REP_COPY, "1\ttab\\there\t\\N\n2\ta\\\\b\\nc\t\n", 2, want);
    parse_case(REP_CSV, "1,\"tab\there\",\n2,\"a\\b\nc\",\"\"\n", 2, want);
    parse_case(REP_JSONL,
               "{\"a\": 1, \"b\": \"tab\\there\", \"c\": null}\n"
               "{\"a\": 2, \"b\": \"a\\\\b\\nc\", \"c\": \"\"}\n",
               2, want);
    static const char *const want_sql[] = {"1", "it's", "<NULL>", "2", "t", "-3.5"};
    parse_case(REP_SQL,
               "INSERT INTO \"t\" (\"a\", \"b\", \"c\") VALUES\n(1, 'it''s', NULL),\n"
               "(2, TRUE, -3.5);\n",
               2, want_sql);
    /* A record with the wrong number of fields is passed as such. */
    char *buf = strdup("1\t2\n");
    struct rep_chunk c = {0, 100, buf, strlen(buf), 1};
    struct rep_val scratch[3];
    struct rows r;
    memset(&r, 0, sizeof r);
    assert_int_equal(rep_parse_chunk(REP_COPY, &c, 3, NULL, scratch, collect, &r), 0);
    assert_int_equal(r.nf[0], 2);
    free(buf);
}

static struct sil_shape *shape_of(const char *cols)
{
    char *json = sil_xasprintf(
        "{\"format\": \"silhouette.shape\", \"version\": 1, \"created_at\": "
        "\"2026-11-01T09:00:00Z\", \"source\": {\"kind\": \"template\", \"locale\": \"sv_SE\"}, "
        "\"tokenization\": {\"method\": \"none\", \"token_length\": 16}, \"privacy\": {\"k\": 10, "
        "\"sample_rows\": 0, \"max_category_bytes\": 64, \"noise\": \"none\", \"metadata_only\": "
        "false}, \"enums\": [{\"schema\": \"public\", \"name\": \"mood\", \"labels\": [\"ok\", "
        "\"sad\"]}], \"tables\": [{\"schema\": \"public\", \"name\": \"t\", \"kind\": \"table\", "
        "\"rows\": {\"count\": 1, \"method\": \"exact\", \"sampled\": 0}, \"primary_key\": "
        "[\"id\"], \"checks\": [{\"name\": \"t_n_check\", \"expression\": \"(n > 0)\"}], "
        "\"columns\": [%s]}]}",
        cols);
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_shape *s = sil_shape_parse(json, strlen(json), "t", 0, &err);
    free(json);
    if (!s)
        fail_msg("%s", err.msg);
    return s;
}

static int conforms(const struct rep_colspec *c, const char *v)
{
    struct rep_colacc a;
    rep_colacc_init(&a, c, 10);
    struct rep_val val = {(char *)v, v ? strlen(v) : 0};
    int64_t iv;
    int has;
    int ok = rep_col_value(c, &a, &val, 0, 1, 0, &iv, &has);
    int fmt_bad = (int)a.bad_fmt, allowed_bad = (int)a.bad_allowed;
    rep_colacc_release(&a);
    return ok ? (fmt_bad ? 2 : allowed_bad ? 3 : 1) : 0;
}

static void test_report__conformity(void **state)
{
    (void)state;
    struct sil_shape *s = shape_of(
        "{\"name\": \"id\", \"type\": {\"name\": \"smallint\"}, \"nullable\": false, "
        "\"classification\": \"identifier\"},"
        "{\"name\": \"n\", \"type\": {\"name\": \"numeric\", \"precision\": 5, \"scale\": 2}, "
        "\"nullable\": true, \"classification\": \"public\"},"
        "{\"name\": \"d\", \"type\": {\"name\": \"date\"}, \"nullable\": true, "
        "\"classification\": \"public\"},"
        "{\"name\": \"ts\", \"type\": {\"name\": \"timestamptz\"}, \"nullable\": true, "
        "\"classification\": \"public\"},"
        "{\"name\": \"e\", \"type\": {\"name\": \"varchar\", \"length\": 20}, \"nullable\": true, "
        "\"classification\": \"personal:email\"},"
        "{\"name\": \"m\", \"type\": {\"name\": \"enum\", \"schema\": \"public\", \"ref\": "
        "\"mood\"}, \"nullable\": true, \"classification\": \"public\"},"
        "{\"name\": \"u\", \"type\": {\"name\": \"uuid\"}, \"nullable\": true, "
        "\"classification\": \"identifier\"},"
        "{\"name\": \"pn\", \"type\": {\"name\": \"text\"}, \"nullable\": true, "
        "\"classification\": \"personal:national_id\"},"
        "{\"name\": \"iban\", \"type\": {\"name\": \"text\"}, \"nullable\": true, "
        "\"classification\": \"personal:iban\"}");
    const struct sil_table *t = &s->tables[0];
    struct rep_colspec c[9];
    for (size_t i = 0; i < 9; i++)
        rep_colspec_init(&c[i], s, t, i);
    assert_int_equal(conforms(&c[0], "32767"), 1);
    assert_int_equal(conforms(&c[0], "32768"), 0);
    assert_int_equal(conforms(&c[0], "1.0"), 0);
    assert_int_equal(conforms(&c[0], NULL), 1); /* NULL is completeness' business */
    assert_int_equal(conforms(&c[1], "999.99"), 1);
    assert_int_equal(conforms(&c[1], "1000.00"), 0);
    assert_int_equal(conforms(&c[1], "1.234"), 0);
    assert_int_equal(conforms(&c[1], "abc"), 0);
    assert_int_equal(conforms(&c[2], "2024-02-29"), 1);
    assert_int_equal(conforms(&c[2], "2023-02-29"), 0);
    assert_int_equal(conforms(&c[2], "2024-13-01"), 0);
    assert_int_equal(conforms(&c[3], "2024-01-16 01:01:01+00"), 1);
    assert_int_equal(conforms(&c[3], "2024-01-16T01:01:01.5+05:30"), 1);
    assert_int_equal(conforms(&c[3], "2024-01-16 25:01:01+00"), 0);
    assert_int_equal(conforms(&c[4], "ann.berg@example.com"), 1);
    assert_int_equal(conforms(&c[4], "ann.berg.example.com"), 2);
    assert_int_equal(conforms(&c[4], "a-very-long-address@example.com"), 0); /* varchar(20) */
    assert_int_equal(conforms(&c[5], "sad"), 1);
    assert_int_equal(conforms(&c[5], "happy"), 3);
    assert_int_equal(conforms(&c[6], "6f1c2d3e-0a1b-4c2d-8e3f-9a0b1c2d3e4f"), 1);
    assert_int_equal(conforms(&c[6], "6f1c2d3e-0a1b-4c2d-8e3f-9a0b1c2d3e4"), 0);
    assert_int_equal(conforms(&c[7], "19811218-0008"), 1); /* sv_SE: Luhn over 811218000 */
    assert_int_equal(conforms(&c[7], "19811218-0005"), 2);
    assert_int_equal(conforms(&c[8], "DE89 3704 0044 0532 0130 00"), 1);
    assert_int_equal(conforms(&c[8], "DE88 3704 0044 0532 0130 00"), 2);
    for (size_t i = 0; i < 9; i++)
        rep_colspec_release(&c[i]);
    sil_shape_free(s);
}

static void test_report__policy(void **state)
{
    (void)state;
    struct gen_gates g;
    struct sil_err err;
    sil_err_clear(&err);
    assert_int_equal(gen_gates_load("policies/quality-gates.json", NULL, 0, NULL, &g, &err), 0);
    near(g.min_fk_coverage, 0.99, 0, "default coverage");
    near(g.min_p_value, 0.05, 0, "default p");
    assert_int_equal(g.sample_rows, 1000);
    assert_int_equal(g.max_orphans, -1);
    gen_gates_release(&g);
    static const char *const sets[] = {"distribution.sample_rows=2000", "linkage.max_orphans=0"};
    assert_int_equal(gen_gates_load("policies/quality-gates.json", "financial", 2, sets, &g, &err),
                     0);
    near(g.min_fk_coverage, 0.999, 0, "financial coverage");
    assert_int_equal(g.sample_rows, 2000);
    assert_int_equal(g.max_orphans, 0);
    assert_string_equal(g.profile, "financial");
    gen_gates_release(&g);
    assert_int_equal(gen_gates_load("policies/quality-gates.json", "nosuch", 0, NULL, &g, &err),
                     -1);
    assert_non_null(strstr(err.msg, "unknown quality profile \"nosuch\""));
    assert_non_null(strstr(err.msg, "financial, strict"));
    static const char *const bad[] = {"linkage.min_fk_coverage=1.5"};
    assert_int_equal(gen_gates_load("policies/quality-gates.json", NULL, 1, bad, &g, &err), -1);
    assert_string_equal(err.msg,
                        "--set linkage.min_fk_coverage=1.5: expected a number from 0 to 1");
    static const char *const unk[] = {"linkage.nosuch=1"};
    assert_int_equal(gen_gates_load("policies/quality-gates.json", NULL, 1, unk, &g, &err), -1);
    assert_non_null(strstr(err.msg, "unknown threshold"));
    FILE *f = fopen("/tmp/sil-test-policy.json", "w");
    fputs("{\"format\": \"silhouette.quality-gates\", \"version\": 1, \"gates\": {\"linkage\": "
          "{\"min_coverage\": 0.9}}}",
          f);
    fclose(f);
    assert_int_equal(gen_gates_load("/tmp/sil-test-policy.json", NULL, 0, NULL, &g, &err), -1);
    assert_string_equal(err.path, "gates.linkage.min_coverage");
    assert_string_equal(err.msg, "unknown key");
    remove("/tmp/sil-test-policy.json");
}

static void test_report__schema_sql(void **state)
{
    (void)state;
    struct sil_shape *s = shape_of(
        "{\"name\": \"id\", \"type\": {\"name\": \"integer\"}, \"nullable\": false, "
        "\"classification\": \"identifier\"},"
        "{\"name\": \"n\", \"type\": {\"name\": \"numeric\", \"precision\": 5, \"scale\": 2}, "
        "\"nullable\": true, \"classification\": \"public\"}");
    static const char good[] =
        "\\set ON_ERROR_STOP on\n-- section: tables\nCREATE TYPE \"mood\" AS ENUM ('ok', "
        "'sad');\nCREATE TABLE \"t\" (\n    \"id\" integer NOT NULL,\n    \"n\" numeric(5,2)\n);\n"
        "\\copy \"t\" (\"id\", \"n\") FROM 'data/public.t.copy'\n"
        "ALTER TABLE \"t\" ADD PRIMARY KEY (\"id\");\n"
        "ALTER TABLE \"t\" ADD CONSTRAINT \"t_n_check\" CHECK ((\"n\" > 0));\n";
    struct rep_items it;
    memset(&it, 0, sizeof it);
    rep_ddl_compare(good, s, &it);
    size_t ok = 0;
    for (size_t i = 0; i < it.n; i++) {
        if (!it.v[i].ok)
            fail_msg("%s: %s: %s", it.v[i].subject, it.v[i].what, it.v[i].detail);
        ok++;
    }
    assert_true(ok >= 8);
    rep_items_release(&it);
    static const char bad[] =
        "CREATE TYPE \"mood\" AS ENUM ('ok');\nCREATE TABLE \"t\" (\n    \"id\" bigint NOT NULL,\n"
        "    \"n\" numeric(5,2) NOT NULL,\n    \"x\" text\n);\n"
        "ALTER TABLE \"t\" ADD CONSTRAINT \"t_n_check\" CHECK ((\"n\" > 1));\n"
        "CREATE TABLE \"u\" (\"a\" int);\n";
    rep_ddl_compare(bad, s, &it);
    const char *want[] = {"enum labels", "type",
                          "NOT NULL",    "extra column",
                          "primary key", "check \"t_n_check\"",
                          "extra table", "columns and their order"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int found = 0;
        for (size_t i = 0; i < it.n; i++)
            found |= !it.v[i].ok && strcmp(it.v[i].what, want[w]) == 0;
        if (!found)
            fail_msg("no failing item '%s'", want[w]);
    }
    rep_items_release(&it);
    sil_shape_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report__ks_known_values),
        cmocka_unit_test(test_report__ks_statistic),
        cmocka_unit_test(test_report__ks_discrete),
        cmocka_unit_test(test_report__benjamini_hochberg),
        cmocka_unit_test(test_report__keys_exact),
        cmocka_unit_test(test_report__record_parsers),
        cmocka_unit_test(test_report__conformity),
        cmocka_unit_test(test_report__policy),
        cmocka_unit_test(test_report__schema_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
