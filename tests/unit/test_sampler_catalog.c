/* sampler catalog helpers: kinds of column defaults and table filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"

static void test_sampler_catalog__default_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *expr;
        enum sil_default_kind want;
    } v[] = {
        {NULL, SIL_DEF_NONE},
        {"nextval('users_id_seq'::regclass)", SIL_DEF_SEQUENCE},
        {"now()", SIL_DEF_NOW},
        {"CURRENT_TIMESTAMP", SIL_DEF_NOW},
        {"CURRENT_TIMESTAMP(0)", SIL_DEF_NOW},
        {"(now())::date", SIL_DEF_NOW},
        {"CURRENT_DATE", SIL_DEF_NOW},
        {"clock_timestamp()", SIL_DEF_NOW},
        {"(now() + '1 day'::interval)", SIL_DEF_EXPRESSION},
        {"'SEK'::bpchar", SIL_DEF_CONSTANT},
        {"0", SIL_DEF_CONSTANT},
        {"(0)::numeric", SIL_DEF_CONSTANT},
        {"'{}'::jsonb", SIL_DEF_CONSTANT},
        {"'a(b)'::text", SIL_DEF_CONSTANT},
        {"true", SIL_DEF_CONSTANT},
        {"gen_random_uuid()", SIL_DEF_EXPRESSION},
        {"lower('X'::text)", SIL_DEF_EXPRESSION},
    };
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++)
        if (sampler_default_kind(v[i].expr) != v[i].want)
            fail_msg("%s: kind %d, want %d", v[i].expr ? v[i].expr : "(null)",
                     (int)sampler_default_kind(v[i].expr), (int)v[i].want);
}

static void test_sampler_catalog__filters(void **state)
{
    (void)state;
    char s1[] = "public", s2[] = "b*", i1[] = "public.user*", i2[] = "payment",
         e1[] = "*.users_archive";
    char *schemas[] = {s1, s2}, *inc[] = {i1, i2}, *exc[] = {e1};
    struct sampler_filter none = {NULL, 0, NULL, 0, NULL, 0};
    struct sampler_filter f = {schemas, 2, inc, 2, exc, 1};
    assert_true(sampler_filter_match(&none, "x", "y"));
    assert_true(sampler_filter_match(&f, "public", "users"));
    assert_false(sampler_filter_match(&f, "public", "users_archive"));
    assert_true(sampler_filter_match(&f, "bank", "payment"));
    assert_false(sampler_filter_match(&f, "bank", "users"));
    assert_false(sampler_filter_match(&f, "crm", "payment"));
    assert_false(sampler_filter_match(&f, "public", "orders"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_catalog__default_kinds),
        cmocka_unit_test(test_sampler_catalog__filters),
    };
    return cmocka_run_group_tests_name("sampler_catalog", tests, NULL, NULL);
}
