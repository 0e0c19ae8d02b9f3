/* Telemetry rows from a report: the KS and linkage checks picked and typed, numbers that do not
 * fit their column left NULL, a report of another manifest or a malformed one skipped with a
 * note, a failed report raising an alert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../loader/telemetry.c"

static void test_loader_telemetry__linkage_counts(void **state)
{
    (void)state;
    static const struct {
        const char *detail;
        const char *want;
    } v[] = {
        {"10 of 12 non-null keys find a row of public.x; 2 orphans",
         "{\"keys_checked\":12,\"keys_found\":10,\"orphans\":2}"},
        {"200 of 200 non-null keys find a row of public.teams; 0 orphans",
         "{\"keys_checked\":200,\"keys_found\":200,\"orphans\":0}"},
        {"1 of 1 non-null keys find a row of a; 1 orphan",
         "{\"keys_checked\":1,\"keys_found\":1,\"orphans\":1}"},
        {"12 of 10 non-null keys; x", "{}"},
        {"D 0.0627 on 10 parents", "{}"},
        {NULL, "{}"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cJSON *row = sil_jnew_object();
        linkage_counts(row, v[i].detail);
        char *got = cJSON_PrintUnformatted(row);
        assert_string_equal(got, v[i].want);
        free(got);
        cJSON_Delete(row);
    }
}

static void test_loader_telemetry__num_of(void **state)
{
    (void)state;
    cJSON *src = cJSON_Parse("{\"a\": 0.5, \"b\": \"0.5\", \"c\": 3, \"d\": 3.5, \"e\": -1, "
                             "\"f\": 1e308, \"g\": 1e30}");
    assert_non_null(src);
    cJSON *row = sil_jnew_object();
    num_of(row, "a", src, "a", 0);
    num_of(row, "b", src, "b", 0);
    num_of(row, "c", src, "c", 1);
    num_of(row, "d", src, "d", 1);
    num_of(row, "e", src, "e", 1);
    num_of(row, "f", src, "f", 0);
    num_of(row, "g", src, "g", 1);
    num_of(row, "h", src, "missing", 0);
    char *got = cJSON_PrintUnformatted(row);
    assert_string_equal(got, "{\"a\":0.5,\"b\":null,\"c\":3,\"d\":null,\"e\":null,\"f\":null,"
                             "\"g\":null,\"h\":null}");
    free(got);
    cJSON_Delete(row);
    cJSON_Delete(src);
}

static void test_loader_telemetry__stale_or_missing_report(void **state)
{
    (void)state;
    char dir[] = "/tmp/sil-telemetry-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct loader_telemetry t = {sil_jnew_array(), sil_jnew_array(), sil_jnew_array(),
                                 sil_jnew_array(), sil_jnew_array()};
    report_rows(&t, dir, 1, "blake2b-256:00");
    assert_int_equal(cJSON_GetArraySize(t.notes), 1);
    assert_non_null(
        strstr(cJSON_GetArrayItem(t.notes, 0)->valuestring, "no quality results recorded for"));
    char *path = sil_xasprintf("%s/report.json", dir);
    struct sil_err err;
    assert_int_equal(sil_write_file_atomic(path, "{\"format\": 1}", 13, 0644, &err), 0);
    report_rows(&t, dir, 1, "blake2b-256:00");
    assert_int_equal(cJSON_GetArraySize(t.notes), 2);
    assert_non_null(strstr(cJSON_GetArrayItem(t.notes, 1)->valuestring, "report.json: "));
    assert_int_equal(cJSON_GetArraySize(t.ks), 0);
    assert_int_equal(cJSON_GetArraySize(t.links), 0);
    assert_int_equal(cJSON_GetArraySize(t.alerts), 0);
    unlink(path);
    rmdir(dir);
    free(path);
    loader_telemetry_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_telemetry__linkage_counts),
        cmocka_unit_test(test_loader_telemetry__num_of),
        cmocka_unit_test(test_loader_telemetry__stale_or_missing_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
