/* sampler classification by values through the shared PII rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"

static struct sil_rules *rules;
static struct sil_rscan *scan;

static int setup(void **state)
{
    (void)state;
    struct sil_err err;
    rules = sil_rules_load("policies/pii-rules.json", NULL, &err);
    if (!rules) {
        fprintf(stderr, "cannot load rules: %s: %s\n", err.path, err.msg);
        return -1;
    }
    scan = sil_rscan_new(rules);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sil_rscan_free(scan);
    sil_rules_free(rules);
    return 0;
}

/* Classify n values made by fmt(i) and return the class. */
static enum sil_class run(enum sil_class start, const char *(*make)(int i, char *buf), int n)
{
    static char bufs[200][128];
    const char *v[200];
    size_t len[200];
    for (int i = 0; i < n; i++) {
        v[i] = make(i, bufs[i]);
        len[i] = strlen(v[i]);
    }
    struct sil_column col;
    struct sampler_colinfo ci;
    memset(&col, 0, sizeof col);
    memset(&ci, 0, sizeof ci);
    col.name = "c";
    col.classification = start;
    ci.vkind = SAMPLER_V_TEXT;
    int changed = sampler_classify_values(scan, &col, &ci, v, len, (size_t)n);
    assert_int_equal(changed, col.classification != start);
    if (changed)
        assert_string_equal(ci.class_rule, "values");
    return col.classification;
}

static const char *emails(int i, char *b)
{
    snprintf(b, 128, "kund%d.svensson@postlada.net", i);
    return b;
}

static const char *phones(int i, char *b)
{
    snprintf(b, 128, "+46 70 %03d %02d %02d", 100 + i, i % 97, (i * 7) % 100);
    return b;
}

static const char *notes(int i, char *b)
{
    if (i % 5 == 0)
        snprintf(b, 128, "ring mig på 070-%07d efter lunch", 1234567 + i * 13);
    else
        snprintf(b, 128, "inget att tillägga %d", i);
    return b;
}

static const char *statuses(int i, char *b)
{
    snprintf(b, 128, "%s", i % 3 ? "active" : "pending");
    return b;
}

static const char *names(int i, char *b)
{
    static const char *const f[] = {"Anna", "Erik", "Maria", "Johan"};
    static const char *const l[] = {"Andersson", "Johansson", "Karlsson", "Nilsson"};
    snprintf(b, 128, "%s %s", f[i % 4], l[(i / 4) % 4]);
    return b;
}

static void test_sampler_classify__values(void **state)
{
    (void)state;
    assert_int_equal(run(SIL_CLASS_PUBLIC, emails, 100), SIL_CLASS_PERSONAL_EMAIL);
    assert_int_equal(run(SIL_CLASS_IDENTIFIER, emails, 100), SIL_CLASS_PERSONAL_EMAIL);
    assert_int_equal(run(SIL_CLASS_PUBLIC, phones, 100), SIL_CLASS_PERSONAL_PHONE);
    assert_int_equal(run(SIL_CLASS_PUBLIC, notes, 100), SIL_CLASS_PERSONAL_FREE_TEXT);
    assert_int_equal(run(SIL_CLASS_PUBLIC, names, 100), SIL_CLASS_PERSONAL_NAME);
    assert_int_equal(run(SIL_CLASS_PUBLIC, statuses, 100), SIL_CLASS_PUBLIC);
    assert_int_equal(run(SIL_CLASS_IDENTIFIER, statuses, 100), SIL_CLASS_IDENTIFIER);
    assert_int_equal(run(SIL_CLASS_PUBLIC, statuses, 0), SIL_CLASS_PUBLIC);
}

static void test_sampler_classify__which_columns(void **state)
{
    (void)state;
    struct sil_column col;
    struct sampler_colinfo ci;
    memset(&col, 0, sizeof col);
    memset(&ci, 0, sizeof ci);
    ci.vkind = SAMPLER_V_TEXT;
    col.classification = SIL_CLASS_PUBLIC;
    assert_true(sampler_classify_wants_values(&col, &ci));
    col.classification = SIL_CLASS_IDENTIFIER;
    assert_true(sampler_classify_wants_values(&col, &ci));
    /* Already personal, or decided by the policy: values are not read. */
    col.classification = SIL_CLASS_PERSONAL_EMAIL;
    assert_false(sampler_classify_wants_values(&col, &ci));
    col.classification = SIL_CLASS_PUBLIC;
    ci.pol.has_class = 1;
    assert_false(sampler_classify_wants_values(&col, &ci));
    ci.pol.has_class = 0;
    ci.pol.no_stats = 1;
    assert_false(sampler_classify_wants_values(&col, &ci));
    ci.pol.no_stats = 0;
    ci.vkind = SAMPLER_V_NUMBER;
    assert_false(sampler_classify_wants_values(&col, &ci));
    ci.vkind = SAMPLER_V_JSON;
    assert_true(sampler_classify_wants_values(&col, &ci));
    ci.is_array = 1;
    assert_false(sampler_classify_wants_values(&col, &ci));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_classify__values),
        cmocka_unit_test(test_sampler_classify__which_columns),
    };
    return cmocka_run_group_tests_name("sampler_classify", tests, setup, teardown);
}
