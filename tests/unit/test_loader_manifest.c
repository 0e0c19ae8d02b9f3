/* The manifest reader: the documented example, and each kind of bad input naming its path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fileio.h"
#include "manifest.h"

#define EXAMPLE "tests/loader/manifest.example.json"

static __attribute__((noinline)) char *example(size_t *len)
{
    struct sil_err err;
    char *data;
    if (sil_read_file(EXAMPLE, 1 << 20, &data, len, &err) < 0)
        fail_msg("cannot read %s: %s", EXAMPLE, err.msg);
    return data;
}

static void test_loader_manifest__reads_example(void **state)
{
    (void)state;
    size_t len;
    char *data = example(&len);
    struct sil_err err;
    struct loader_manifest *m = loader_manifest_parse(data, len, "m.json", &err);
    if (!m)
        fail_msg("%s: %s", err.path, err.msg);
    assert_string_equal(m->generator, "0.1.0");
    assert_int_equal(m->seed, 42);
    assert_int_equal(m->data_format, LOADER_FMT_COPY);
    assert_int_equal(m->compression, LOADER_COMP_NONE);
    assert_int_equal(m->shard_count, 1);
    assert_string_equal(m->shape_file, "shape.json");
    assert_string_equal(m->schema_sql_file, "schema.sql");
    assert_non_null(m->template_checksum);
    assert_string_equal(m->expires_at, "2027-02-21T09:00:00Z");
    assert_int_equal(m->ntables, 1);
    assert_string_equal(m->tables[0].name, "users");
    assert_int_equal(m->tables[0].ncols, 3);
    assert_string_equal(m->tables[0].cols[2], "display_name");
    assert_int_equal(m->tables[0].nfiles, 2);
    assert_string_equal(m->tables[0].files[1].path, "data/public.users.001.copy");
    assert_int_equal(m->tables[0].files[1].bytes, 401234);
    assert_int_equal(strncmp(m->checksum, "blake2b-256:", 12), 0);
    loader_manifest_free(m);
    free(data);
}

/* Replace the first occurrence of `from` in the example by `to` and expect a refusal. */
static void refused(const char *from, const char *to, const char *want_path, const char *want_msg)
{
    size_t len;
    char *data = example(&len);
    const char *hit = strstr(data, from);
    if (!hit)
        fail_msg("'%s' not in the example", from);
    size_t pre = (size_t)(hit - data), flen = strlen(from), tlen = strlen(to);
    size_t n = len - flen + tlen;
    char *mod = malloc(n + 1);
    memcpy(mod, data, pre);
    memcpy(mod + pre, to, tlen);
    memcpy(mod + pre + tlen, data + pre + flen, len - pre - flen + 1);
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_manifest *m = loader_manifest_parse(mod, n, "m.json", &err);
    if (m)
        fail_msg("accepted with '%s' -> '%s'", from, to);
    assert_int_equal(err.code, SIL_EINPUT);
    if (strcmp(err.path, want_path) != 0 || !strstr(err.msg, want_msg))
        fail_msg("'%s' -> '%s': got %s: %s; want %s: %s", from, to, err.path, err.msg, want_path,
                 want_msg);
    assert_string_equal(err.file, "m.json");
    free(mod);
    free(data);
}

static void test_loader_manifest__malformed(void **state)
{
    (void)state;
    refused("\"silhouette.output\"", "\"silhouette.shape\"", "format",
            "is not a generator manifest");
    refused("\"version\": 1", "\"version\": 2", "version", "unsupported output version 2");
    refused("\"seed\": 42", "\"seed\": -1", "seed", "expected an integer");
    refused("\"data_format\": \"copy\"", "\"data_format\": \"parquet\"", "data_format",
            "unknown value \"parquet\"");
    refused("\"compression\": \"none\"", "\"compression\": \"gzip\"", "compression",
            "unknown value");
    refused("\"index\": 1", "\"index\": 3", "shard.index", "shard 3 of 1");
    refused("\"generator\": \"0.1.0\",", "\"generator\": \"0.1.0\", \"extra\": 1,", "(top level)",
            "unknown key \"extra\"");
    refused("\"file\": \"shape.json\"", "\"file\": \"../shape.json\"", "inputs.shape.file",
            "expected a file name inside the output directory");
    refused("\"file\": \"schema.sql\"", "\"file\": \"sub/schema.sql\"", "schema_sql.file",
            "expected a file name inside the output directory");
    refused("\"checksum\": \"blake2b-256:0000", "\"checksum\": \"md5:0000", "inputs.shape.checksum",
            "expected \"blake2b-256:\"");
    refused("data/public.users.000.copy", "data/../../etc/passwd", "tables[0].files[0].file",
            "is not a relative path inside data/");
    refused("data/public.users.000.copy", "/etc/passwd", "tables[0].files[0].file",
            "is not a relative path inside data/");
    refused("data/public.users.000.copy", "other/x.copy", "tables[0].files[0].file",
            "is not a relative path inside data/");
    refused("data/public.users.000.copy", "data//x.copy", "tables[0].files[0].file",
            "is not a relative path inside data/");
    refused("data/public.users.001.copy", "data/public.users.000.copy", "tables[0].files[1]",
            "is listed twice");
    refused("\"rows\": 2500,", "\"rows\": 2499,", "tables[0].files", "files hold 4999 rows");
    refused("\"rows\": 5000,", "\"rows\": 5001,", "tables[0].rows", "is more than total_rows 5000");
    refused("\"first_row\": 0", "\"first_row\": 1", "tables[0].rows", "is more than total_rows");
    refused("\"name\": \"users\"", "\"name\": \"\"", "tables[0].name", "not a valid identifier");
    refused("\"display_name\"]", "\"id\"]", "tables[0].columns[2]", "\"id\" is listed twice");
    refused("\"columns\": [\"id\", \"email\", \"display_name\"]", "\"columns\": []",
            "tables[0].columns", "expected 1 to 1600 column names");
    refused("\"shape_expires_at\": \"2027-02-21T09:00:00Z\"", "\"shape_expires_at\": \"soon\"",
            "shape_expires_at", "expected a UTC time");
    refused("\"mode\": \"source\",", "", "sizing.mode", "required");
}

static void test_loader_manifest__unsharded_must_be_whole(void **state)
{
    (void)state;
    refused("\"total_rows\": 5000", "\"total_rows\": 6000", "tables[0]",
            "an unsharded output must hold every row");
}

static void test_loader_manifest__paths(void **state)
{
    (void)state;
    assert_true(loader_path_safe("data/a.copy", "data/"));
    assert_true(loader_path_safe("data/sub/a.copy", "data/"));
    assert_false(loader_path_safe("data/", "data/"));
    assert_false(loader_path_safe("data/../a", "data/"));
    assert_false(loader_path_safe("data/./a", "data/"));
    assert_false(loader_path_safe("data/a/", "data/"));
    assert_false(loader_path_safe("data/a\\b", "data/"));
    assert_false(loader_path_safe("data/a\nb", "data/"));
    assert_false(loader_path_safe("/data/a", "data/"));
    assert_false(loader_path_safe("database/a", "data/"));
    assert_true(loader_path_safe("shape.json", NULL));
    assert_false(loader_path_safe("..", NULL));
    assert_false(loader_path_safe("", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_manifest__reads_example),
        cmocka_unit_test(test_loader_manifest__malformed),
        cmocka_unit_test(test_loader_manifest__unsharded_must_be_whole),
        cmocka_unit_test(test_loader_manifest__paths),
    };
    return cmocka_run_group_tests_name("loader_manifest", tests, NULL, NULL);
}
