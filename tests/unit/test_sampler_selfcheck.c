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
    "  \"rows\": {\"count\": 100, \"method\": \"exact\", \"sampled\": 100},"
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
    assert_int_equal(sampler_selfcheck(s, &err), -1);
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
    assert_int_equal(sampler_selfcheck(s, &err), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_selfcheck__accepts),
        cmocka_unit_test(test_sampler_selfcheck__refuses),
    };
    return cmocka_run_group_tests_name("sampler_selfcheck", tests, NULL, NULL);
}
