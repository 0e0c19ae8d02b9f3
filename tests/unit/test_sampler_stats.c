/* sampler statistics protection: k-protected quantiles, hour-of-week bins, categories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "stats.h"

static void test_sampler_stats__buckets(void **state)
{
    (void)state;
    static const struct {
        int64_t n;
        int k, want;
    } v[] = {{0, 10, 0},  {19, 10, 0},   {20, 10, 2},     {29, 10, 2},
             {55, 10, 5}, {999, 10, 99}, {1000, 10, 100}, {10000, 10, 100},
             {4, 2, 2},   {3, 2, 0},     {100, 1000, 0},  {2000, 1000, 2}};
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++)
        assert_int_equal(sampler_buckets(v[i].n, v[i].k), v[i].want);
}

static void test_sampler_stats__quantiles_from_values(void **state)
{
    (void)state;
    struct sil_arena *a = sil_arena_new();
    struct sil_quantiles q;
    double v[1000];
    /* 1..20 in reverse, k = 10: two buckets of ten. */
    for (int i = 0; i < 20; i++)
        v[i] = 20 - i;
    sampler_quantiles_from_values(a, v, 20, 10, &q);
    assert_int_equal(q.n, 2);
    assert_true(q.p[0] == 0.25 && q.v[0] == 5.5);
    assert_true(q.p[1] == 0.75 && q.v[1] == 15.5);
    /* 23 values: ntile gives the first bucket the extra values (12 and 11). */
    for (int i = 0; i < 23; i++)
        v[i] = i + 1;
    sampler_quantiles_from_values(a, v, 23, 10, &q);
    assert_int_equal(q.n, 2);
    assert_true(q.v[0] == 6.5 && q.v[1] == 18);
    /* Fewer than 2k values: none. */
    sampler_quantiles_from_values(a, v, 19, 10, &q);
    assert_int_equal(q.n, 0);
    /* 1..1000: min and max never appear; every point is a mean of ten. */
    for (int i = 0; i < 1000; i++)
        v[i] = (i * 7919) % 1000 + 1;
    sampler_quantiles_from_values(a, v, 1000, 10, &q);
    assert_int_equal(q.n, 100);
    assert_true(q.v[0] == 5.5 && q.v[99] == 995.5);
    assert_true(q.p[0] == 0.005 && q.p[99] == 0.995);
    for (size_t i = 1; i < q.n; i++)
        assert_true(q.p[i] > q.p[i - 1] && q.v[i] >= q.v[i - 1]);
    sil_arena_free(a);
}

static void test_sampler_stats__means_monotone(void **state)
{
    (void)state;
    struct sil_arena *a = sil_arena_new();
    struct sil_quantiles q;
    double m[] = {1, 2, 1.9999999999, 3};
    sampler_quantiles_from_means(a, m, 4, &q);
    assert_int_equal(q.n, 4);
    assert_true(q.v[2] == 2 && q.v[3] == 3);
    assert_true(q.p[0] == 0.125 && q.p[3] == 0.875);
    sil_arena_free(a);
}

static void test_sampler_stats__hour_of_week(void **state)
{
    (void)state;
    struct sil_arena *a = sil_arena_new();
    int64_t c[SIL_HOURS_PER_WEEK] = {0};
    c[0] = 50;
    c[1] = 9; /* below k: zeroed */
    c[167] = 41;
    double *h = sampler_hour_of_week(a, c, 100, 10);
    assert_non_null(h);
    assert_true(h[0] == 0.5 && h[1] == 0 && h[167] == 0.41);
    assert_null(sampler_hour_of_week(a, c, 0, 10));
    sil_arena_free(a);
}

static int pii_b(void *ctx, const char *v, size_t n)
{
    (void)ctx;
    return n == 5 && memcmp(v, "bravo", 5) == 0;
}

static const struct sampler_catvalue vals[] = {
    {"alpha", 5, 50},
    {"bravo", 5, 30},
    {"charlie", 7, 9}, /* below k */
    {"a value of seventy bytes, longer than the sixty-four allowed for clear", 70, 12},
    {"ctl\001x", 5, 11},
    {"delta", 5, 11},
    {"echo", 4, 11},
};

static void test_sampler_stats__clear(void **state)
{
    (void)state;
    struct sil_arena *a = sil_arena_new();
    struct sampler_protect pr = {10, 64, 1000, 16, NULL, pii_b, NULL};
    struct sampler_catinput in = {vals, SIL_ARRAY_SIZE(vals), 150, 3};
    struct sil_categories *c =
        sampler_protect_categories(a, &pr, SIL_CLASS_PUBLIC, SAMPLER_CAT_AUTO, &in);
    assert_non_null(c);
    assert_int_equal(c->encoding, SIL_CAT_CLEAR);
    /* bravo matched a PII rule, charlie is rare, one too long, one not clean: dropped. */
    assert_int_equal(c->n, 3);
    assert_string_equal(c->v[0].value, "alpha");
    assert_true(c->v[0].fraction == 50.0 / 150);
    /* Ties in count go by value. */
    assert_string_equal(c->v[1].value, "delta");
    assert_string_equal(c->v[2].value, "echo");
    assert_int_equal(c->suppressed, 3 + 4);
    assert_true(c->other_fraction == (150.0 - 72) / 150);
    /* At most max_values listed; the rest counted. */
    pr.max_values = 1;
    c = sampler_protect_categories(a, &pr, SIL_CLASS_PUBLIC, SAMPLER_CAT_CLEAR, &in);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->suppressed, 3 + 4 + 2);
    sil_arena_free(a);
}

static void test_sampler_stats__tokens(void **state)
{
    (void)state;
    struct sil_arena *a = sil_arena_new();
    unsigned char k[32] = {1};
    struct sampler_key *key = sampler_key_from_bytes(k, 32);
    struct sampler_protect pr = {10, 64, 1000, 16, key, pii_b, NULL};
    struct sampler_catinput in = {vals, SIL_ARRAY_SIZE(vals), 150, 0};
    /* Personal and sensitive columns only ever give tokens, of every value held by k rows. */
    struct sil_categories *c =
        sampler_protect_categories(a, &pr, SIL_CLASS_PERSONAL_CITY, SAMPLER_CAT_AUTO, &in);
    assert_non_null(c);
    assert_int_equal(c->encoding, SIL_CAT_TOKEN);
    assert_int_equal(c->n, 6);
    char tok[SAMPLER_TOKEN_MAX + 1];
    sampler_key_token(key, "alpha", 5, 16, tok);
    assert_string_equal(c->v[0].value, tok);
    sampler_key_token(key, "bravo", 5, 16, tok);
    assert_string_equal(c->v[1].value, tok);
    for (size_t i = 0; i < c->n; i++)
        assert_true(sil_is_hex(c->v[i].value, 16));
    assert_int_equal(c->suppressed, 1);
    c = sampler_protect_categories(a, &pr, SIL_CLASS_SENSITIVE, SAMPLER_CAT_CLEAR, &in);
    assert_int_equal(c->encoding, SIL_CAT_TOKEN);
    c = sampler_protect_categories(a, &pr, SIL_CLASS_PUBLIC, SAMPLER_CAT_TOKEN, &in);
    assert_int_equal(c->encoding, SIL_CAT_TOKEN);
    /* Dropped, or keys and identifiers: nothing at all. */
    assert_null(sampler_protect_categories(a, &pr, SIL_CLASS_PUBLIC, SAMPLER_CAT_DROP, &in));
    assert_null(sampler_protect_categories(a, &pr, SIL_CLASS_IDENTIFIER, SAMPLER_CAT_AUTO, &in));
    /* Without a key no tokens can be made: nothing instead. */
    pr.key = NULL;
    assert_null(sampler_protect_categories(a, &pr, SIL_CLASS_PERSONAL_CITY, SAMPLER_CAT_AUTO, &in));
    assert_int_equal(sampler_cat_encoding(&pr, SIL_CLASS_PUBLIC, SAMPLER_CAT_AUTO), SIL_CAT_CLEAR);
    assert_int_equal(sampler_cat_encoding(&pr, SIL_CLASS_PERSONAL_EMAIL, SAMPLER_CAT_TOKEN), -1);
    sampler_key_free(key);
    sil_arena_free(a);
}

static void test_sampler_stats__clean_text(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
    } v[] = {{"plain", 1},
             {"Åsa Öberg", 1},
             {"tab\there", 0},
             {"\x7f", 0},
             {"\xc2\x80", 0},
             {"\xc3\x28", 0},
             {"\xe0\x80\xaf", 0},
             {"\xed\xa0\x80", 0},
             {"\xf4\x90\x80\x80", 0},
             {"\xf0\x9f\x98\x80", 1},
             {"\xc3", 0}};
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++)
        assert_int_equal(sampler_clean_text(v[i].s, strlen(v[i].s)), v[i].ok);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_stats__buckets),
        cmocka_unit_test(test_sampler_stats__quantiles_from_values),
        cmocka_unit_test(test_sampler_stats__means_monotone),
        cmocka_unit_test(test_sampler_stats__hour_of_week),
        cmocka_unit_test(test_sampler_stats__clear),
        cmocka_unit_test(test_sampler_stats__tokens),
        cmocka_unit_test(test_sampler_stats__clean_text),
    };
    return cmocka_run_group_tests_name("sampler_stats", tests, NULL, NULL);
}
