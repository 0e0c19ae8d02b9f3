/* The manifest reader: the documented example, each kind of bad input naming its path, and
 * the merge of the shards of one output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fileio.h"
#include "loader/manifest.h"

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
    assert_int_equal(m->tables[0].files[0].first_row, 0);
    assert_int_equal(m->tables[0].files[1].first_row, 2500);
    assert_int_equal(m->tables[0].files[0].header, 0); /* copy format: no header */
    assert_int_equal(m->tables[0].ndeferred, 1);
    assert_string_equal(m->tables[0].deferred[0], "users_invited_by_fkey");
    assert_string_equal(m->sizing_mode, "source");
    assert_int_equal(m->nsizes, 1);
    assert_string_equal(m->sizes[0].table, "users");
    assert_string_equal(m->sizes[0].source, "band");
    assert_int_equal(m->sizes[0].rows, 5000);
    assert_int_equal(m->merged, 0);
    assert_int_equal(strncmp(m->checksum, "blake2b-256:", 12), 0);
    loader_manifest_free(m);
    free(data);
}

/* `data` with the first occurrence of `from` replaced by `to` (freed by the caller). */
static char *edit(const char *data, const char *from, const char *to)
{
    const char *hit = strstr(data, from);
    if (!hit)
        fail_msg("'%s' not in the text", from);
    size_t len = strlen(data);
    size_t pre = (size_t)(hit - data), flen = strlen(from), tlen = strlen(to);
    size_t n = len - flen + tlen;
    char *mod = malloc(n + 1);
    memcpy(mod, data, pre);
    memcpy(mod + pre, to, tlen);
    memcpy(mod + pre + tlen, data + pre + flen, len - pre - flen + 1);
    return mod;
}

/* Replace the first occurrence of `from` in the example by `to` and expect a refusal. */
static void refused(const char *from, const char *to, const char *want_path, const char *want_msg)
{
    size_t len;
    char *data = example(&len);
    char *mod = edit(data, from, to);
    size_t n = strlen(mod);
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
    refused("\"mode\": \"source\"", "\"mode\": \"guess\"", "sizing.mode",
            "unknown value \"guess\"");
    refused("\"source\": \"band\"", "\"source\": \"magic\"", "sizing.tables[0].source",
            "unknown value \"magic\"");
    refused("\"table\": \"users\", \"source\"", "\"table\": \"users\", \"extra\": 1, \"source\"",
            "sizing.tables[0]", "unknown key \"extra\"");
    refused("\"source\": \"band\", \"rows\": 5000", "\"source\": \"band\", \"rows\": \"5000\"",
            "sizing.tables[0].rows", "expected an integer");
    refused("\"tables\": [{\"schema\": \"public\", \"table\": \"users\", \"source\": \"band\", "
            "\"rows\": 5000}],",
            "", "sizing.tables", "required key is missing");
    refused("\"source\": \"band\", \"rows\": 5000", "\"source\": \"band\", \"rows\": 5001",
            "tables[0].total_rows", "sizing.tables gives \"public\".\"users\" 5001 rows");
    refused("\"table\": \"users\", \"source\"", "\"table\": \"people\", \"source\"", "tables[0]",
            "table \"public\".\"users\" is not in sizing.tables");
    refused("\"source\": \"band\", \"rows\": 5000}]",
            "\"source\": \"band\", \"rows\": 5000}, {\"schema\": \"public\", \"table\": \"x\", "
            "\"source\": \"rows\", \"rows\": 1}]",
            "sizing.tables[1]", "table \"public\".\"x\" is not in tables");
    refused("\"produced\": 1000000", "\"produced\": 6000000", "sizing.clamps[0].produced",
            "more than the 5000000 requested");
    refused("\"deferred_foreign_keys\": [\"users_invited_by_fkey\"]",
            "\"deferred_foreign_keys\": []", "tables[0].deferred_foreign_keys",
            "expected 1 to 1000 foreign key names");
    refused("\"deferred_foreign_keys\": [\"users_invited_by_fkey\"]",
            "\"deferred_foreign_keys\": [\"a\", \"a\"]", "tables[0].deferred_foreign_keys[1]",
            "foreign key \"a\" is listed twice");
    refused("\"deferred_foreign_keys\": [\"users_invited_by_fkey\"]",
            "\"deferred_foreign_keys\": [7]", "tables[0].deferred_foreign_keys[0]",
            "expected a foreign key name");
    refused("\"deferred_foreign_keys\": [\"users_invited_by_fkey\"]",
            "\"deferred_foreign_keys\": \"users_invited_by_fkey\"",
            "tables[0].deferred_foreign_keys", "expected an array");
}

static void test_loader_manifest__unsharded_must_be_whole(void **state)
{
    (void)state;
    refused("\"total_rows\": 5000", "\"total_rows\": 6000", "tables[0]",
            "an unsharded output must hold every row");
}

/* A minimal shard manifest: table public.users, `total` rows in all, this shard holding `rows`
 * from `first` in one file. */
static char *shard_text(int k, int n, long long first, long long rows, long long total,
                        long long seed, const char *fmt)
{
    static const char sum[] =
        "blake2b-256:0000000000000000000000000000000000000000000000000000000000000000";
    size_t cap = 4096;
    char *t = malloc(cap);
    snprintf(t, cap,
             "{\"format\": \"silhouette.output\", \"version\": 1, \"generator\": \"0.1.0\", "
             "\"seed\": %lld, \"data_format\": \"%s\", \"compression\": \"zstd\", "
             "\"shard\": {\"index\": %d, \"count\": %d}, "
             "\"inputs\": {\"shape\": {\"file\": \"shape.json\", \"checksum\": \"%s\"}}, "
             "\"sizing\": {\"mode\": \"source\", \"scale\": 1, \"tables\": [{\"schema\": "
             "\"public\", \"table\": \"users\", \"source\": \"source\", \"rows\": %lld}], "
             "\"clamps\": []}, "
             "\"schema_sql\": {\"file\": \"schema.sql\", \"checksum\": \"%s\"}, "
             "\"tables\": [{\"schema\": \"public\", \"name\": \"users\", \"rows\": %lld, "
             "\"total_rows\": %lld, \"first_row\": %lld, \"columns\": [\"id\"], \"files\": "
             "[{\"file\": \"data/public.users.000.%s.zst\", \"rows\": %lld, \"bytes\": 10, "
             "\"checksum\": \"%s\"}]}]}",
             seed, fmt, k, n, sum, total, sum, rows, total, first, fmt, rows, sum);
    return t;
}

static struct loader_manifest *parse_text(char *t)
{
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_manifest *m = loader_manifest_parse(t, strlen(t), "m.json", &err);
    if (!m)
        fail_msg("shard refused: %s: %s", err.path, err.msg);
    free(t);
    return m;
}

/* Merge shards (texts taken over); returns the merged manifest or NULL with *err. */
static struct loader_manifest *merge(size_t n, char **texts, struct sil_err *err)
{
    static const char *const dirs[] = {"d1", "d2", "d3"};
    struct loader_manifest *v[3];
    for (size_t i = 0; i < n; i++)
        v[i] = parse_text(texts[i]);
    sil_err_clear(err);
    return loader_manifest_merge(v, dirs, n, err);
}

static void test_loader_manifest__merges_shards(void **state)
{
    (void)state;
    struct sil_err err;
    /* given in reverse order: merged in shard order */
    char *t[2] = {shard_text(2, 2, 3000, 2000, 5000, 9, "csv"),
                  shard_text(1, 2, 0, 3000, 5000, 9, "csv")};
    struct loader_manifest *m = merge(2, t, &err);
    if (!m)
        fail_msg("merge refused: %s", err.msg);
    assert_int_equal(m->merged, 1);
    assert_int_equal(m->ndirs, 2);
    assert_string_equal(m->dirs[0], "d2");
    assert_string_equal(m->dirs[1], "d1");
    assert_int_equal(m->shard_count, 1);
    assert_int_equal(m->seed, 9);
    assert_int_equal(m->tables[0].rows, 5000);
    assert_int_equal(m->tables[0].first_row, 0);
    assert_int_equal(m->tables[0].nfiles, 2);
    assert_int_equal(m->tables[0].files[0].dir, 0);
    assert_int_equal(m->tables[0].files[0].first_row, 0);
    assert_int_equal(m->tables[0].files[0].header, 1); /* csv, row 0: the header line */
    assert_int_equal(m->tables[0].files[1].dir, 1);
    assert_int_equal(m->tables[0].files[1].first_row, 3000);
    assert_int_equal(m->tables[0].files[1].header, 0);
    /* both shards name their file the same: the directory tells them apart */
    assert_string_equal(m->tables[0].files[0].path, m->tables[0].files[1].path);
    assert_string_not_equal(m->checksum, m->shards[0]->checksum);
    assert_int_equal(strncmp(m->checksum, "blake2b-256:", 12), 0);
    loader_manifest_free(m);
}

static void merge_refused(size_t n, char **texts, const char *want, const char *want_hint)
{
    struct sil_err err;
    struct loader_manifest *m = merge(n, texts, &err);
    if (m)
        fail_msg("merged, want \"%s\"", want);
    assert_int_equal(err.code, SIL_EINPUT);
    if (!strstr(err.msg, want))
        fail_msg("got \"%s\", want \"%s\"", err.msg, want);
    if (want_hint && !strstr(err.hint, want_hint))
        fail_msg("hint \"%s\", want \"%s\"", err.hint, want_hint);
}

static void test_loader_manifest__merge_refusals(void **state)
{
    (void)state;
    char *a[1] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy")};
    merge_refused(1, a, "'d1' is shard 1 of 2, but 1 output directory was given",
                  "give all 2 shard directories");
    char *b[2] = {shard_text(1, 1, 0, 5000, 5000, 9, "copy"),
                  shard_text(1, 1, 0, 5000, 5000, 9, "copy")};
    merge_refused(2, b, "'d1' is shard 1 of 1, but 2 output directories were given",
                  "load an unsharded output on its own");
    char *c[2] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy"),
                  shard_text(1, 2, 0, 3000, 5000, 9, "copy")};
    merge_refused(2, c, "shard 1 of 2 is given twice ('d1' and 'd2')", "give each");
    char *d[3] = {shard_text(1, 3, 0, 2000, 5000, 9, "copy"),
                  shard_text(3, 3, 3000, 2000, 5000, 9, "copy"),
                  shard_text(3, 3, 3000, 2000, 5000, 9, "copy")};
    merge_refused(3, d, "shard 2 of 3 is missing", NULL);
    char *e[2] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy"),
                  shard_text(2, 2, 3000, 2000, 5000, 10, "copy")};
    merge_refused(2, e,
                  "'d1' and 'd2' are not shards of the same output: they differ in their seed",
                  "come from one shape, template, seed");
    char *f[2] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy"),
                  shard_text(2, 2, 3000, 2000, 5000, 9, "csv")};
    merge_refused(2, f, "they differ in their data format", NULL);
    char *g[2] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy"),
                  shard_text(2, 2, 4000, 1000, 5000, 9, "copy")};
    merge_refused(2, g,
                  "shard 2 ('d2') holds rows of public.users from 4000, but the shards before it "
                  "end at row 3000",
                  NULL);
    char *h[2] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy"),
                  shard_text(2, 2, 3000, 1000, 5000, 9, "copy")};
    merge_refused(2, h, "the 2 shards hold 4000 rows of public.users, not 5000", NULL);
    char *i[2] = {shard_text(1, 2, 0, 3000, 5000, 9, "copy"),
                  shard_text(2, 2, 3000, 2000, 6000, 9, "copy")};
    merge_refused(2, i, "they differ in their sizing", NULL);
}

static void test_loader_manifest__shard_boundaries(void **state)
{
    (void)state;
    char *t = shard_text(2, 2, 2500, 2500, 5000, 9, "copy");
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_manifest *m = loader_manifest_parse(t, strlen(t), "m.json", &err);
    assert_null(m);
    assert_string_equal(err.path, "tables[0].first_row");
    assert_non_null(strstr(err.msg, "2500 is not a shard boundary"));
    free(t);
    /* a shard past a small table's end holds none of it, from its last row */
    m = parse_text(shard_text(2, 2, 5, 0, 5, 9, "csv"));
    assert_int_equal(m->tables[0].files[0].first_row, 5);
    assert_int_equal(m->tables[0].files[0].header, 0);
    loader_manifest_free(m);
    /* an empty table: its file in a later shard starts at row 0 but has no header */
    m = parse_text(shard_text(2, 2, 0, 0, 0, 9, "csv"));
    assert_int_equal(m->tables[0].files[0].header, 0);
    loader_manifest_free(m);
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
        cmocka_unit_test(test_loader_manifest__merges_shards),
        cmocka_unit_test(test_loader_manifest__merge_refusals),
        cmocka_unit_test(test_loader_manifest__shard_boundaries),
        cmocka_unit_test(test_loader_manifest__paths),
    };
    return cmocka_run_group_tests_name("loader_manifest", tests, NULL, NULL);
}
