/* Environment policy: the shipped file's decisions, markers, and strict reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/envpolicy.h"

static struct loader_envpolicy *shipped(void)
{
    struct sil_err err;
    struct loader_envpolicy *p = loader_envpolicy_read("policies/environments.json", &err);
    if (!p)
        fail_msg("shipped policy refused: %s: %s", err.path, err.msg);
    return p;
}

static int decide(const struct loader_envpolicy *p, const char *host, const char *addr,
                  const char *db, const char **target, struct sil_err *err)
{
    struct loader_target t = {host, addr, 5432, db, "ops"};
    int endorse;
    return loader_envpolicy_check(p, &t, target, &endorse, err);
}

static void test_loader_envpolicy__shipped(void **state)
{
    (void)state;
    struct loader_envpolicy *p = shipped();
    struct sil_err err;
    const char *target = NULL;
    assert_int_equal(decide(p, "/tmp/sil-pg.abc", "", "staging", &target, &err), 0);
    assert_string_equal(target, "local unix socket");
    assert_int_equal(decide(p, "127.0.0.1", "127.0.0.1", "app", &target, &err), 0);
    assert_string_equal(target, "loopback");
    assert_int_equal(decide(p, "LOCALHOST", "127.0.0.1", "app", &target, &err), 0);
    assert_int_equal(decide(p, "db1.staging.example.com", "10.0.0.5", "app", &target, &err), 0);
    assert_string_equal(target, "staging hosts");
    /* deny wins over allow */
    assert_int_equal(decide(p, "127.0.0.1", "127.0.0.1", "app_prod", &target, &err), -1);
    assert_int_equal(err.code, SIL_EPOLICY);
    assert_non_null(strstr(err.msg, "target host=127.0.0.1 port=5432 dbname=app_prod user=ops is "
                                    "denied by the environment policy (deny[1]: database "
                                    "\"*prod*\": production databases are never loaded)"));
    assert_int_equal(decide(p, "prod-db.staging.example.com", "10.0.0.6", "app", &target, &err),
                     -1);
    assert_non_null(strstr(err.msg, "deny[0]: host \"*prod*\""));
    /* the numeric address counts too */
    assert_int_equal(decide(p, "db.example.com", "127.0.0.9", "app", &target, &err), 0);
    /* nothing allows an unknown host */
    assert_int_equal(decide(p, "db.example.com", "10.1.2.3", "app", &target, &err), -1);
    assert_non_null(strstr(err.msg, "matches no allowed target"));
    assert_non_null(strstr(err.hint, "add a target rule"));
    loader_envpolicy_free(p);
}

static void test_loader_envpolicy__markers(void **state)
{
    (void)state;
    struct loader_envpolicy *p = shipped();
    struct sil_err err;
    assert_int_equal(loader_envpolicy_marker(p, "staging", 0, &err), 0);
    assert_int_equal(loader_envpolicy_marker(p, "perf", 0, &err), 0);
    assert_int_equal(loader_envpolicy_marker(p, "production", 1, &err), -1);
    assert_int_equal(err.code, SIL_EPOLICY);
    assert_non_null(strstr(err.msg, "never writes to production"));
    assert_int_equal(loader_envpolicy_marker(p, "Production", 1, &err), -1);
    assert_int_equal(loader_envpolicy_marker(p, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msg, "has no silhouette.environment marker"));
    assert_non_null(strstr(err.hint, "--allow-unmarked"));
    assert_int_equal(loader_envpolicy_marker(p, NULL, 1, &err), 0);
    assert_int_equal(loader_envpolicy_marker(p, "qa", 1, &err), -1);
    assert_non_null(strstr(err.msg, "'qa', which the environment policy does not allow"));
    loader_envpolicy_free(p);
}

static void bad_policy(const char *text, const char *path, const char *msg)
{
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_envpolicy *p = loader_envpolicy_parse(text, strlen(text), "env.json", &err);
    if (p)
        fail_msg("accepted: %s", text);
    if (strcmp(err.path, path) != 0 || !strstr(err.msg, msg))
        fail_msg("%s\n got %s: %s\n want %s: %s", text, err.path, err.msg, path, msg);
}

#define HEAD "{\"format\": \"silhouette.environments\", \"version\": 1, "

static void test_loader_envpolicy__strict(void **state)
{
    (void)state;
    bad_policy(HEAD "\"allowed_markers\": [\"production\"], \"deny\": [], \"targets\": []}",
               "allowed_markers[0]", "\"production\" can never be an allowed marker");
    bad_policy(HEAD "\"allowed_markers\": [], \"deny\": [], \"targets\": [{\"name\": \"x\", "
                    "\"host\": \"h\", \"require_endorsement\": \"yes\"}]}",
               "targets[0].require_endorsement", "expected");
    bad_policy(HEAD "\"allowed_markers\": [], \"deny\": [{\"reason\": \"r\"}], \"targets\": []}",
               "deny[0]", "a rule needs at least one of host, port, database, user");
    bad_policy(HEAD "\"allowed_markers\": [], \"deny\": [], \"targets\": [{\"host\": \"h\"}]}",
               "targets[0].name", "required");
    bad_policy(HEAD "\"allowed_markers\": [], \"deny\": [], \"targets\": [], \"x\": 1}",
               "(top level)", "unknown key \"x\"");
    bad_policy("{\"format\": \"silhouette.environments\", \"version\": 2, \"allowed_markers\": "
               "[], \"deny\": [], \"targets\": []}",
               "version", "unsupported version 2");
    /* require_endorsement is per target rule: the matching rule's value, false when absent */
    const char *ok = HEAD "\"allowed_markers\": [\"staging\"], \"deny\": [], \"targets\": "
                          "[{\"name\": \"x\", \"host\": \"h\", \"port\": 6432, "
                          "\"require_endorsement\": false}, "
                          "{\"name\": \"y\", \"host\": \"h\", \"port\": 7432, "
                          "\"require_endorsement\": true}, "
                          "{\"name\": \"z\", \"host\": \"h\", \"port\": 8432}]}";
    struct sil_err err;
    struct loader_envpolicy *p = loader_envpolicy_parse(ok, strlen(ok), "env.json", &err);
    assert_non_null(p);
    const char *target;
    int endorse = -1;
    struct loader_target t = {"h", "", 5432, "db", "u"};
    assert_int_equal(loader_envpolicy_check(p, &t, &target, &endorse, &err), -1);
    t.port = 6432;
    assert_int_equal(loader_envpolicy_check(p, &t, &target, &endorse, &err), 0);
    assert_string_equal(target, "x");
    assert_int_equal(endorse, 0);
    t.port = 7432;
    assert_int_equal(loader_envpolicy_check(p, &t, &target, &endorse, &err), 0);
    assert_string_equal(target, "y");
    assert_int_equal(endorse, 1);
    t.port = 8432;
    assert_int_equal(loader_envpolicy_check(p, &t, &target, &endorse, &err), 0);
    assert_string_equal(target, "z");
    assert_int_equal(endorse, 0);
    loader_envpolicy_free(p);
}

static void test_loader_envpolicy__describe_has_no_password(void **state)
{
    (void)state;
    struct loader_target t = {"h", "", 5432, "db", "u"};
    char *d = loader_target_describe(&t);
    assert_string_equal(d, "host=h port=5432 dbname=db user=u");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_envpolicy__shipped),
        cmocka_unit_test(test_loader_envpolicy__markers),
        cmocka_unit_test(test_loader_envpolicy__strict),
        cmocka_unit_test(test_loader_envpolicy__describe_has_no_password),
    };
    return cmocka_run_group_tests_name("loader_envpolicy", tests, NULL, NULL);
}
