/* sampler policy files: the shipped name rules, user overrides, and reader errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policyfile.h"

#define DEFAULT_POLICY "policies/sampler-default.json"

static void test_sampler_policy__shipped_rules(void **state)
{
    (void)state;
    struct sil_err err;
    struct sampler_policy *p = sampler_policy_load(DEFAULT_POLICY, NULL, &err);
    if (!p)
        fail_msg("%s: %s", err.path, err.msg);
    static const struct {
        const char *table, *column, *want; /* NULL: no rule */
    } v[] = {
        {"users", "email", "personal:email"},
        {"customer", "customer_email", "personal:email"},
        {"users", "email_verified", NULL},
        {"employees", "personal_number", "personal:national_id"},
        {"party", "national_id", "personal:national_id"},
        {"people", "SSN", "personal:national_id"},
        {"messages", "message_id", "identifier"},
        {"messages", "id", "identifier"},
        {"messages", "body", "personal:free_text"},
        {"payment", "reference", "personal:free_text"},
        {"product", "name", NULL},
        {"departments", "name", NULL},
        {"customers", "name", "personal:name"},
        {"users", "display_name", "personal:name"},
        {"track", "composer", "personal:name"},
        {"employees", "first_name", "personal:first_name"},
        {"employees", "LastName", "personal:last_name"},
        {"compensation", "salary_monthly", "sensitive"},
        {"users", "api_key", "sensitive"},
        {"users", "password_hash", "sensitive"},
        {"payment", "card_number", "personal:card"},
        {"compensation", "salary_iban", "personal:iban"},
        {"users", "phone_number", "personal:phone"},
        {"lab", "cell_count", NULL},
        {"users", "date_of_birth", "personal:birth_date"},
        {"invoice", "billing_postal_code", "personal:postcode"},
        {"invoice", "billing_address", "personal:address"},
        {"party", "street_address", "personal:street"},
        {"offices", "city", "personal:city"},
        {"sessions", "client_ip", "personal:ip"},
        {"users", "handle", "personal:username"},
        {"attachments", "file_name", "personal:other"},
        {"messages", "sent_at", NULL},
        {"users", "country", NULL},
    };
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++) {
        enum sil_class c;
        const char *rule = NULL;
        int rc = sampler_policy_name_class(p, v[i].table, v[i].column, &c, &rule);
        if (!v[i].want) {
            if (rc == 0)
                fail_msg("%s.%s: rule %s matched, none expected", v[i].table, v[i].column, rule);
            continue;
        }
        if (rc != 0)
            fail_msg("%s.%s: no rule matched, want %s", v[i].table, v[i].column, v[i].want);
        if (strcmp(sil_class_name(c), v[i].want) != 0)
            fail_msg("%s.%s: %s (rule %s), want %s", v[i].table, v[i].column, sil_class_name(c),
                     rule, v[i].want);
    }
    sampler_policy_free(p);
}

static void test_sampler_policy__user_first(void **state)
{
    (void)state;
    const char *path = "/tmp/sil-policy-test.json";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(
        "{\"format\": \"silhouette.sampler-policy\", \"version\": 1,"
        " \"name_rules\": [{\"id\": \"mine\", \"column\": \"^email$\", \"table\": \"^newsletter$\","
        " \"class\": \"sensitive\"}],"
        " \"columns\": [{\"match\": \"public.users.*\", \"categories\": \"drop\"},"
        "  {\"match\": \"*.*.email\", \"class\": \"public\", \"categories\": \"token\"}]}",
        f);
    fclose(f);
    struct sil_err err;
    struct sampler_policy *p = sampler_policy_load(DEFAULT_POLICY, path, &err);
    remove(path);
    if (!p)
        fail_msg("%s: %s", err.path, err.msg);
    enum sil_class c;
    const char *rule;
    assert_int_equal(sampler_policy_name_class(p, "newsletter", "email", &c, &rule), 0);
    assert_int_equal(c, SIL_CLASS_SENSITIVE);
    assert_string_equal(rule, "mine");
    assert_int_equal(sampler_policy_name_class(p, "users", "email", &c, &rule), 0);
    assert_int_equal(c, SIL_CLASS_PERSONAL_EMAIL);
    struct sampler_colpolicy cp;
    sampler_policy_column(p, "public", "users", "device", &cp);
    assert_int_equal(cp.categories, SAMPLER_CAT_DROP);
    assert_false(cp.has_class);
    assert_string_equal(cp.match, "public.users.*");
    sampler_policy_column(p, "crm", "contacts", "email", &cp);
    assert_true(cp.has_class);
    assert_int_equal(cp.cls, SIL_CLASS_PUBLIC);
    assert_int_equal(cp.categories, SAMPLER_CAT_TOKEN);
    sampler_policy_column(p, "crm", "contacts", "phone", &cp);
    assert_null(cp.match);
    assert_int_equal(sampler_policy_rule_count(p) > 10, 1);
    sampler_policy_free(p);
}

static void test_sampler_policy__errors(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *path, *msg;
    } v[] = {
        {"[]", "(top level)", "expected an object"},
        {"{\"format\": \"x\", \"version\": 1}", "format", "is not a sampler policy"},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 2}", "version",
         "expected an integer from 1 to 1"},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"rules\": []}",
         "(top level)", "unknown key \"rules\""},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"name_rules\": [{\"id\": "
         "\"a\", \"column\": \"x\", \"class\": \"personal:shoe_size\"}]}",
         "name_rules[0].class", "unknown classification"},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"name_rules\": [{\"id\": "
         "\"a\", \"column\": \"a(\", \"class\": \"public\"}]}",
         "name_rules[0].column", "bad regular expression at offset 2"},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"name_rules\": [{\"id\": "
         "\"a\", \"column\": \"\", \"class\": \"public\"}]}",
         "name_rules[0].column", "empty regular expression"},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"columns\": [{\"match\": "
         "\"a.b.c\"}]}",
         "columns[0]", "needs \"class\", \"categories\" or \"stats\""},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"columns\": [{\"match\": "
         "\"a.b.c\", \"stats\": \"some\"}]}",
         "columns[0].stats", "unknown value \"some\""},
        {"{\"format\": \"silhouette.sampler-policy\", \"version\": 1, \"columns\": [{\"match\": "
         "\"a.b.c\", \"class\": \"personal:name\", \"categories\": \"clear\"}]}",
         "columns[0].categories", "never emits clear values"},
    };
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++) {
        struct sil_err err;
        sil_err_clear(&err);
        struct sampler_policy *p =
            sampler_policy_parse(v[i].doc, strlen(v[i].doc), "test.json", &err);
        if (p)
            fail_msg("case %zu accepted", i);
        assert_int_equal(err.code, SIL_EINPUT);
        if (strcmp(err.path, v[i].path) != 0 || !strstr(err.msg, v[i].msg))
            fail_msg("case %zu: got '%s: %s', want '%s: ...%s...'", i, err.path, err.msg, v[i].path,
                     v[i].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_policy__shipped_rules),
        cmocka_unit_test(test_sampler_policy__user_first),
        cmocka_unit_test(test_sampler_policy__errors),
    };
    return cmocka_run_group_tests_name("sampler_policy", tests, NULL, NULL);
}
