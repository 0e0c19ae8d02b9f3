/* sampler self-check: the invariants a shape must keep before it is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "selfcheck.h"

/* One table of 100 sampled rows, k = 10, every kind of statistic. */
static const char base[] =
    "{\"format\": \"silhouette.shape\", \"version\": 1, \"created_at\": \"2026-01-01T00:00:00Z\","
    " \"source\": {\"kind\": \"postgresql\"}, \"tokenization\": {\"method\": \"none\", "
    "\"token_length\": 16},"
    " \"privacy\": {\"k\": 10, \"sample_rows\": 100000, \"max_category_bytes\": 64, \"noise\": "
    "\"none\", \"metadata_only\": false},"
    " \"tables\": [{\"schema\": \"public\", \"name\": \"t\", \"kind\": \"table\","
    "  \"rows\": {\"count\": 100, \"method\": \"exact\", \"sampled\": 100}, \"primary_key\": "
    "[\"at\"],"
    "  \"columns\": [{\"name\": \"kind\", \"type\": {\"name\": \"text\"}, \"nullable\": false,"
    "   \"classification\": \"public\", \"stats\": {\"null_fraction\": 0,"
    "   \"quantiles\": [[0.25, 3], [0.75, 5]],"
    "   \"categories\": {\"encoding\": \"clear\", \"values\": [{\"value\": \"a\", \"fraction\": "
    "0.6},"
    "    {\"value\": \"b\", \"fraction\": 0.4}], \"other_fraction\": 0}}},"
    "   {\"name\": \"at\", \"type\": {\"name\": \"timestamptz\"}, \"nullable\": false,"
    "   \"classification\": \"public\", \"stats\": {\"null_fraction\": 0, \"hour_of_week\": [0.5, "
    "0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}}]}]}";

static struct sil_shape *load(void)
{
    struct sil_err err;
    struct sil_shape *s =
        sil_shape_parse(base, strlen(base), "base", SIL_SHAPE_ALLOW_UNSEALED, &err);
    if (!s)
        fail_msg("base shape: %s: %s", err.path, err.msg);
    return s;
}

static void expect_refused(struct sil_shape *s, const char *msg)
{
    struct sil_err err;
    sil_err_clear(&err);
    assert_int_equal(sampler_selfcheck(s, NULL, &err), -1);
    if (!strstr(err.msg, msg))
        fail_msg("got '%s', want '%s'", err.msg, msg);
    assert_string_equal(err.path, strstr(msg, "hour") ? "tables[0].columns[1].stats"
                                                      : "tables[0].columns[0].stats");
    sil_shape_free(s);
}

static void test_sampler_selfcheck__accepts(void **state)
{
    (void)state;
    struct sil_shape *s = load();
    struct sil_err err;
    assert_int_equal(sampler_selfcheck(s, NULL, &err), 0);
    sil_shape_free(s);
}

static void test_sampler_selfcheck__refuses(void **state)
{
    (void)state;
    struct sil_shape *s = load();
    s->tables[0].cols[0].classification = SIL_CLASS_PERSONAL_EMAIL;
    expect_refused(s, "clear category values in a column that is not public");

    s = load();
    s->tables[0].cols[0].classification = SIL_CLASS_SENSITIVE;
    expect_refused(s, "clear category values in a column that is not public");

    s = load();
    s->tables[0].cols[0].stats->categories->v[1].fraction = 0.09; /* 9 of 100 rows */
    expect_refused(s, "a category value held by fewer than k rows");

    s = load();
    s->tables[0].sampled_rows = 19; /* two quantile points need 20 rows */
    expect_refused(s, "more quantile points than buckets of k sampled rows");

    s = load();
    s->tables[0].cols[1].stats->hour_of_week[1] = 0.05;
    expect_refused(s, "an hour-of-week bin holds fewer than k rows");

    s = load();
    s->tables[0].cols[0].stats->categories->v[0].value =
        "a clear value of more than sixty-four bytes is never written in clear";
    expect_refused(s, "too long or not clean text");

    s = load();
    s->tables[0].cols[0].stats->categories->v[0].value = "tab\tinside";
    expect_refused(s, "too long or not clean text");
}

static void test_sampler_selfcheck__foreign_keys(void **state)
{
    (void)state;
    struct sil_shape *s = load();
    struct sil_table *t = &s->tables[0];
    static const char *cols[] = {"at"};
    static double p[] = {0.25, 0.75}, v[] = {1, 3};
    struct sil_fkstats *st = sil_arena_alloc(s->arena, sizeof *st);
    st->coverage = 1;
    st->mean_children = 2;
    st->children_per_parent = (struct sil_quantiles){2, p, v};
    st->sampled_parents = 20;
    t->fks = sil_arena_alloc(s->arena, sizeof *t->fks);
    t->fks[0] = (struct sil_fk){.name = "t_self",
                                .ncols = 1,
                                .cols = cols,
                                .ref_schema = "public",
                                .ref_table = "t",
                                .ref_cols = cols,
                                .stats = st};
    t->nfks = 1;
    struct sil_err err;
    assert_int_equal(sampler_selfcheck(s, NULL, &err), 0);
    st->sampled_parents = 19; /* two points need 20 parents */
    assert_int_equal(sampler_selfcheck(s, NULL, &err), -1);
    assert_string_equal(err.path, "tables[0].foreign_keys[0].stats");
    assert_non_null(strstr(err.msg, "children-per-parent points"));
    sil_shape_free(s);
}

static void test_sampler_selfcheck__pii_rules(void **state)
{
    (void)state;
    struct sil_err err;
    struct sil_rules *rules = sil_rules_load("policies/pii-rules.json", NULL, &err);
    if (!rules)
        fail_msg("rules: %s: %s", err.path, err.msg);
    struct sil_rscan *sc = sil_rscan_new(rules);
    struct sil_shape *s = load();
    assert_int_equal(sampler_selfcheck(s, sc, &err), 0);
    /* Every invariant holds, but the value is a person's name: refused, masked. */
    s->tables[0].cols[0].stats->categories->v[1].value = "Karin Berg";
    sil_err_clear(&err);
    assert_int_equal(sampler_selfcheck(s, sc, &err), -1);
    assert_int_equal(err.code, SIL_ECHECK);
    assert_non_null(strstr(err.msg, "1 PII finding, the first: "
                                    "tables[0].columns[0].stats.categories.values[1].value: "
                                    "person-name: K**** B***"));
    assert_null(strstr(err.msg, "Karin"));
    sil_shape_free(s);
    sil_rscan_free(sc);
    sil_rules_free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_selfcheck__accepts),
        cmocka_unit_test(test_sampler_selfcheck__refuses),
        cmocka_unit_test(test_sampler_selfcheck__foreign_keys),
        cmocka_unit_test(test_sampler_selfcheck__pii_rules),
    };
    return cmocka_run_group_tests_name("sampler_selfcheck", tests, NULL, NULL);
}
