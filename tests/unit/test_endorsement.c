/* endorsement.json: the strict reader, its texts, and steps 1-4 of verification on real files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "endorsement.h"
#include "fileio.h"

#define SUM_A "blake2b-256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SUM_B "blake2b-256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A record with placeholders: %1$s decision, %2$s override_reason, %3$s passed,
 * %4$s gates, %5$s manifest checksum, %6$s report checksum, %7$s extra keys. */
static char *record(const char *decision, const char *override, const char *passed,
                    const char *gates, const char *msum, const char *rsum, const char *extra)
{
    return sil_xasprintf(
        "{\"format\": \"silhouette.endorsement\", \"version\": 1, \"decision\": \"%s\","
        " \"by\": \"Dana Admin\", \"at\": \"2026-03-02T09:14:07Z\", \"note\": \"KS reviewed\","
        " \"override_reason\": %s, \"manifest_checksum\": \"%s\", \"report_checksum\": \"%s\","
        " \"report_created_at\": \"2026-03-02T09:10:51Z\", \"passed\": %s,"
        " \"policy\": {\"checksum\": \"" SUM_A "\", \"profile\": null},"
        " \"gates\": %s, \"generator\": \"0.1.0\"%s, \"previous\": []}",
        decision, override, msum, rsum, passed, gates, extra);
}

#define GATES_OK                                                                                   \
    "[{\"gate\": \"completeness\", \"passed\": true, \"checks\": 3, \"failed\": 0},"               \
    " {\"gate\": \"linkage\", \"passed\": true, \"checks\": 2, \"failed\": 0}]"
#define GATES_FAIL                                                                                 \
    "[{\"gate\": \"completeness\", \"passed\": true, \"checks\": 3, \"failed\": 0},"               \
    " {\"gate\": \"linkage\", \"passed\": false, \"checks\": 2, \"failed\": 1}]"

/* "path: message", as the tools print it. */
static const char *located(const struct sil_err *err)
{
    static char buf[1400];
    snprintf(buf, sizeof buf, "%s%s%s", err->path, err->path[0] ? ": " : "", err->msg);
    return buf;
}

static int parse(const char *text, struct sil_endorsement *e, struct sil_err *err)
{
    sil_err_clear(err);
    return sil_endorsement_parse(text, strlen(text), "endorsement.json", e, err);
}

static void test_endorsement__parse_good(void **state)
{
    (void)state;
    struct sil_endorsement e;
    struct sil_err err;
    char *t = record("endorsed", "null", "true", GATES_OK, SUM_A, SUM_B, "");
    assert_int_equal(parse(t, &e, &err), 0);
    assert_int_equal(e.decision, SIL_DECISION_ENDORSED);
    assert_string_equal(e.by, "Dana Admin");
    assert_string_equal(e.at, "2026-03-02T09:14:07Z");
    assert_string_equal(e.note, "KS reviewed");
    assert_int_equal(e.overridden, 0);
    assert_string_equal(e.manifest_checksum, SUM_A);
    assert_string_equal(e.report_checksum, SUM_B);
    assert_int_equal(e.passed, 1);
    assert_int_equal(e.ngates, 2);
    assert_int_equal(e.nfailed, 0);
    free(t);
    t = record("endorsed", "\"test threshold\"", "false", GATES_FAIL, SUM_A, SUM_B, "");
    assert_int_equal(parse(t, &e, &err), 0);
    assert_int_equal(e.overridden, 1);
    assert_string_equal(e.override_reason, "test threshold");
    assert_int_equal(e.nfailed, 1);
    free(t);
    t = record("rejected", "null", "false", GATES_FAIL, SUM_A, SUM_B, "");
    assert_int_equal(parse(t, &e, &err), 0);
    assert_int_equal(e.decision, SIL_DECISION_REJECTED);
    free(t);
}

static void test_endorsement__parse_bad(void **state)
{
    (void)state;
    static const struct {
        const char *decision, *override, *passed, *gates, *msum, *extra, *msg;
    } v[] = {
        {"approved", "null", "true", GATES_OK, SUM_A, "",
         "decision: expected \"endorsed\" or \"rejected\""},
        {"endorsed", "null", "true", GATES_OK, SUM_A, ", \"x\": 1", "unknown key \"x\""},
        {"endorsed", "null", "false", GATES_FAIL, SUM_A, "",
         "override_reason: an endorsement of a report with a failed gate needs one"},
        {"endorsed", "\"why\"", "true", GATES_OK, SUM_A, "",
         "override_reason: only an endorsement of a report with a failed gate has one"},
        {"rejected", "\"why\"", "false", GATES_FAIL, SUM_A, "",
         "override_reason: only an endorsement of a report with a failed gate has one"},
        {"endorsed", "null", "true", GATES_FAIL, SUM_A, "", "passed: true, but a gate failed"},
        {"endorsed", "null", "true", GATES_OK, "blake2b-256:00", "",
         "manifest_checksum: expected \"blake2b-256:\" and 64 hex digits"},
        {"endorsed", "null", "true",
         "[{\"gate\": \"a\", \"passed\": true, \"checks\": 1, \"failed\": 0},"
         " {\"gate\": \"a\", \"passed\": true, \"checks\": 1, \"failed\": 0}]",
         SUM_A, "", "gate \"a\" listed twice"},
        {"endorsed", "null", "true", "[]", SUM_A, "", "expected 1 to 16 gates"},
        {"endorsed", "null", "true",
         "[{\"gate\": \"a\", \"passed\": true, \"checks\": 1, \"failed\": 2}]", SUM_A, "",
         "failed"},
        {"endorsed", "\"a\\u0001b\"", "false", GATES_FAIL, SUM_A, "",
         "override_reason: contains a control character"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct sil_endorsement e;
        struct sil_err err;
        char *t = record(v[i].decision, v[i].override, v[i].passed, v[i].gates, v[i].msum, SUM_B,
                         v[i].extra);
        if (parse(t, &e, &err) != -1)
            fail_msg("vector %zu accepted", i);
        assert_int_equal(err.code, SIL_EINPUT);
        if (!strstr(located(&err), v[i].msg))
            fail_msg("vector %zu: '%s' lacks '%s'", i, located(&err), v[i].msg);
        free(t);
    }
    struct sil_endorsement e;
    struct sil_err err;
    assert_int_equal(parse("[]", &e, &err), -1);
    assert_int_equal(parse("{\"format\": \"silhouette.endorsement\", \"version\": 2}", &e, &err),
                     -1);
    assert_non_null(strstr(err.msg, "version"));
    assert_int_equal(parse("{", &e, &err), -1);
}

static void test_endorsement__text(void **state)
{
    (void)state;
    assert_null(sil_endorsement_text_problem("Dana Ådmin", 200, 0));
    assert_null(sil_endorsement_text_problem("line one\n\tline two", 4000, 1));
    assert_string_equal(sil_endorsement_text_problem("a\nb", 200, 0),
                        "contains a control character");
    assert_string_equal(sil_endorsement_text_problem("  ", 200, 0), "is empty");
    assert_string_equal(sil_endorsement_text_problem("", 200, 0), "is empty");
    assert_string_equal(sil_endorsement_text_problem("abcd", 3, 0), "too long");
    assert_string_equal(sil_endorsement_text_problem("a\xc3", 200, 0), "is not valid UTF-8");
    assert_string_equal(sil_endorsement_text_problem("\xed\xa0\x80", 200, 0),
                        "is not valid UTF-8"); /* a surrogate */
    assert_string_equal(sil_endorsement_text_problem("\xc2\x85", 200, 1),
                        "contains a control character"); /* NEL */
}

static void put(const char *dir, const char *name, const char *text)
{
    struct sil_err err;
    char *p = sil_xasprintf("%s/%s", dir, name);
    if (sil_write_file_atomic(p, text, strlen(text), 0644, &err) < 0)
        fail_msg("cannot write %s: %s", p, err.msg);
    free(p);
}

static char *report_for(const char *msum)
{
    return sil_xasprintf("{\"format\": \"silhouette.report\", \"version\": 1, \"created_at\": "
                         "\"2026-03-02T09:10:51Z\", \"subject\": {\"manifest_checksum\": \"%s\"}, "
                         "\"policy\": {\"checksum\": \"" SUM_A "\", \"profile\": null}, "
                         "\"passed\": true, \"gates\": [{\"gate\": \"linkage\", \"passed\": true, "
                         "\"checks\": 2, \"failed\": 0, \"summary\": \"ok\"}], \"tables\": []}",
                         msum);
}

static void test_endorsement__check(void **state)
{
    (void)state;
    char dir[] = "/tmp/sil-endorsement-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sil_endorsement e;
    enum sil_endorsement_status st;
    char why[512];
    struct sil_err err;
    sil_err_clear(&err);
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), 0);
    assert_int_equal(st, SIL_ENDORSEMENT_ABSENT);

    const char *manifest = "{\"format\": \"silhouette.output\"}\n";
    char msum[SIL_CHECKSUM_SIZE], rsum[SIL_CHECKSUM_SIZE];
    sil_checksum(manifest, strlen(manifest), msum);
    char *rep = report_for(msum);
    sil_checksum(rep, strlen(rep), rsum);
    put(dir, "manifest.json", manifest);
    put(dir, "report.json", rep);
    char *rec = record("endorsed", "null", "true", GATES_OK, msum, rsum, "");
    put(dir, "endorsement.json", rec);
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), 0);
    assert_int_equal(st, SIL_ENDORSEMENT_BOUND);
    assert_string_equal(e.by, "Dana Admin");

    /* one byte of the manifest */
    put(dir, "manifest.json", "{\"format\": \"silhouette.outpuT\"}\n");
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), 0);
    assert_int_equal(st, SIL_ENDORSEMENT_CHANGED);
    assert_string_equal(why, "manifest.json does not match manifest_checksum");
    put(dir, "manifest.json", manifest);

    /* the report rewritten */
    put(dir, "report.json", "{}");
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), 0);
    assert_int_equal(st, SIL_ENDORSEMENT_CHANGED);
    assert_non_null(strstr(why, "report.json does not match report_checksum"));

    /* a record (written by hand) binding a report of another manifest */
    free(rep);
    rep = report_for(SUM_B);
    sil_checksum(rep, strlen(rep), rsum);
    put(dir, "report.json", rep);
    free(rec);
    rec = record("endorsed", "null", "true", GATES_OK, msum, rsum, "");
    put(dir, "endorsement.json", rec);
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), 0);
    assert_int_equal(st, SIL_ENDORSEMENT_CHANGED);
    assert_string_equal(why, "report.json is a report of another manifest.json");

    /* a rejection */
    free(rec);
    rec = record("rejected", "null", "true", GATES_OK, msum, rsum, "");
    put(dir, "endorsement.json", rec);
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), 0);
    assert_int_equal(st, SIL_ENDORSEMENT_REJECTED);

    /* malformed: an error, never "not endorsed" */
    put(dir, "endorsement.json", "{\"format\": 1}");
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), -1);
    assert_int_equal(err.code, SIL_EINPUT);
    assert_non_null(strstr(err.file, "endorsement.json"));

    free(rec);
    free(rep);
    assert_int_equal(sil_remove_tree(dir, &err), 0);
    sil_err_clear(&err);
    assert_int_equal(sil_endorsement_check(dir, &e, &st, why, &err), -1);
    assert_non_null(strstr(err.msg, "is not a directory"));
}

static void test_endorsement__report_digest(void **state)
{
    (void)state;
    struct sil_report_digest d;
    struct sil_err err;
    sil_err_clear(&err);
    char *rep = report_for(SUM_A);
    assert_int_equal(sil_report_digest_parse(rep, strlen(rep), "report.json", &d, &err), 0);
    assert_string_equal(d.manifest_checksum, SUM_A);
    assert_string_equal(d.created_at, "2026-03-02T09:10:51Z");
    assert_null(d.profile);
    assert_int_equal(d.passed, 1);
    sil_report_digest_release(&d);
    free(rep);
    const char *bad = "{\"format\": \"silhouette.report\", \"version\": 1, \"created_at\": "
                      "\"2026-03-02T09:10:51Z\", \"subject\": {\"manifest_checksum\": \"" SUM_A
                      "\"}, \"policy\": {\"checksum\": \"" SUM_A "\"}, \"passed\": true, "
                      "\"gates\": [{\"gate\": \"x\", \"passed\": false, \"checks\": 1, "
                      "\"failed\": 1}]}";
    assert_int_equal(sil_report_digest_parse(bad, strlen(bad), "report.json", &d, &err), -1);
    assert_non_null(strstr(located(&err), "passed: true, but a gate failed"));
    sil_report_digest_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endorsement__parse_good),
        cmocka_unit_test(test_endorsement__parse_bad),
        cmocka_unit_test(test_endorsement__text),
        cmocka_unit_test(test_endorsement__check),
        cmocka_unit_test(test_endorsement__report_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
