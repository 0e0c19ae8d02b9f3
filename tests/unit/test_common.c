/* common/: errors, strict JSON, canonical JSON, buffers, atomic files, checksums, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "checksum.h"
#include "fileio.h"
#include "json.h"
#include "sil.h"

static char tmpdir[64];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sil-unit.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    struct sil_err err;
    return sil_remove_tree(tmpdir, &err);
}

static void test_common__err_format(void **state)
{
    (void)state;
    struct sil_err err;
    char buf[512];
    sil_err_clear(&err);
    assert_int_equal(
        sil_err_set_path(&err, SIL_EINPUT, "tables[3].columns[1].type", "expected %s", "string"),
        -1);
    sil_err_file(&err, "prod.shape.json");
    sil_err_file(&err, "other.json"); /* the first file recorded wins */
    assert_string_equal(sil_err_format(&err, "cannot read shape", buf, sizeof buf),
                        "cannot read shape 'prod.shape.json': tables[3].columns[1].type: "
                        "expected string");
    assert_int_equal(sil_err_exit_code(&err), SIL_EXIT_USAGE);
    sil_err_set_line(&err, SIL_EIO, 12, 5, "bad byte");
    /* Setting a new error forgets the old file. */
    assert_string_equal(sil_err_format(&err, NULL, buf, sizeof buf), "bad byte");
    sil_err_file(&err, "prod.shape.json");
    assert_string_equal(sil_err_format(&err, NULL, buf, sizeof buf),
                        "'prod.shape.json':12:5: bad byte");
    assert_int_equal(sil_err_exit_code(&err), SIL_EXIT_FAIL);
    sil_err_clear(&err);
    sil_err_set(&err, SIL_EDB, "connection refused");
    sil_err_prefix(&err, "cannot connect to '%s'", "db");
    assert_string_equal(sil_err_format(&err, NULL, buf, sizeof buf),
                        "cannot connect to 'db': connection refused");
}

static void test_common__json_strict(void **state)
{
    (void)state;
    static const char *const keys[] = {"a", "b", NULL};
    struct sil_err err;
    struct sil_jctx c;
    sil_err_clear(&err);
    sil_jctx_init(&c, &err);
    cJSON *root = cJSON_Parse("{\"a\": 1, \"b\": {\"x\": true}, \"c\": 2}");
    assert_int_equal(sil_json_check_object(&c, root, keys), -1);
    assert_string_equal(err.path, "(top level)");
    assert_non_null(strstr(err.msg, "unknown key \"c\""));
    cJSON_DeleteItemFromObject(root, "c");
    assert_int_equal(sil_json_check_object(&c, root, keys), 0);
    int64_t v = 0;
    assert_int_equal(sil_json_int(&c, root, "a", 1, 0, 10, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(sil_json_int(&c, root, "a", 1, 2, 10, &v), -1);
    assert_string_equal(err.path, "a");
    const char *s = NULL;
    size_t mark = sil_jctx_key(&c, "b");
    assert_int_equal(sil_json_str(&c, sil_json_get(root, "b"), "x", 1, 0, &s), -1);
    assert_string_equal(err.path, "b.x");
    assert_non_null(strstr(err.msg, "expected a string, found a boolean"));
    sil_jctx_restore(&c, mark);
    assert_int_equal(sil_json_str(&c, root, "missing", 1, 0, &s), -1);
    assert_string_equal(err.path, "missing");
    assert_int_equal(sil_json_str(&c, root, "missing", 0, 0, &s), 0);
    assert_null(s);
    cJSON_Delete(root);
}

static void test_common__json_parse_errors(void **state)
{
    (void)state;
    struct sil_err err;
    cJSON *out;
    static const char text[] = "{\n  \"a\": [1, 2,\n  \"b\": }\n}";
    sil_err_clear(&err);
    assert_int_equal(sil_json_parse(text, strlen(text), "f.json", &out, &err), -1);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, "f.json");
    static const char cut[] = "{\"a\": [1, 2";
    sil_err_clear(&err);
    assert_int_equal(sil_json_parse(cut, strlen(cut), "g.json", &out, &err), -1);
    assert_non_null(strstr(err.msg, "truncated"));
    static const char fine[] = "  {\"a\": 1}\n\n";
    assert_int_equal(sil_json_parse(fine, strlen(fine), "h.json", &out, &err), 0);
    cJSON_Delete(out);
}

static void test_common__json_canonical(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse("{\"b\": [1, 2.5, \"x\\u0001\"], \"a\": {\"n\": null, \"e\": {}, "
                              "\"l\": [], \"o\": [{\"k\": false}]}, \"u\": \"\xc3\xa5\"}");
    assert_non_null(root);
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write(root, &b);
    assert_string_equal(b.data, "{\n"
                                "  \"b\": [1, 2.5, \"x\\u0001\"],\n"
                                "  \"a\": {\n"
                                "    \"n\": null,\n"
                                "    \"e\": {},\n"
                                "    \"l\": [],\n"
                                "    \"o\": [\n"
                                "      {\n"
                                "        \"k\": false\n"
                                "      }\n"
                                "    ]\n"
                                "  },\n"
                                "  \"u\": \"\xc3\xa5\"\n"
                                "}\n");
    sil_buf_reset(&b);
    sil_json_write_compact(root, &b);
    assert_string_equal(b.data, "{\"b\":[1,2.5,\"x\\u0001\"],\"a\":{\"n\":null,\"e\":{},\"l\":[],"
                                "\"o\":[{\"k\":false}]},\"u\":\"\xc3\xa5\"}");
    sil_buf_release(&b);
    cJSON_Delete(root);
}

static void test_common__buf_cap(void **state)
{
    (void)state;
    struct sil_buf b;
    sil_buf_init(&b, 8);
    assert_int_equal(sil_buf_adds(&b, "12345"), 0);
    assert_int_equal(sil_buf_addf(&b, "%d", 678), 0);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(sil_buf_addc(&b, '9'), -1);
    assert_true(b.toobig);
    assert_int_equal(b.len, 8);
    size_t len;
    char *p = sil_buf_detach(&b, &len);
    assert_int_equal(len, 8);
    free(p);
    assert_int_equal(b.len, 0);
    sil_buf_release(&b);
}

static void test_common__atomic_file(void **state)
{
    (void)state;
    struct sil_err err;
    char path[128], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/out.txt", tmpdir);
    assert_int_equal(sil_write_file_atomic(path, "first\n", 6, 0600, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* An aborted write leaves the old content and no temp file. */
    struct sil_afile *f = sil_afile_open(path, 0644, &err);
    assert_non_null(f);
    fputs("second\n", sil_afile_stream(f));
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", sil_afile_temp_path(f));
    assert_int_equal(access(tmp, F_OK), 0);
    sil_afile_abort(f);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(sil_read_file(path, 100, &data, &len, &err), 0);
    assert_string_equal(data, "first\n");
    free(data);
    /* A commit replaces it. */
    f = sil_afile_open(path, 0644, &err);
    fputs("second\n", sil_afile_stream(f));
    assert_int_equal(sil_afile_commit(f, &err), 0);
    assert_int_equal(sil_read_file(path, 100, &data, &len, &err), 0);
    assert_string_equal(data, "second\n");
    free(data);
    /* Limits and missing files are located errors. */
    assert_int_equal(sil_read_file(path, 3, &data, &len, &err), -1);
    assert_non_null(strstr(err.msg, "more than the limit"));
    sil_err_clear(&err);
    assert_int_equal(sil_read_file("/nonexistent/x", 100, &data, &len, &err), -1);
    assert_string_equal(err.file, "/nonexistent/x");
    assert_int_equal(err.code, SIL_EINPUT);
    /* A directory that cannot hold the temp file. */
    sil_err_clear(&err);
    assert_null(sil_afile_open("/nonexistent/dir/x", 0644, &err));
    assert_non_null(strstr(err.msg, "cannot create a temp file"));
    snprintf(path, sizeof path, "%s/a/b/c", tmpdir);
    assert_int_equal(sil_mkdirs(path, 0755, &err), 0);
    assert_true(sil_is_dir(path));
}

static void test_common__blake2b_vectors(void **state)
{
    (void)state;
    char out[SIL_CHECKSUM_SIZE];
    sil_checksum("", 0, out);
    assert_string_equal(out, "blake2b-256:"
                             "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    sil_checksum("abc", 3, out);
    assert_string_equal(out, "blake2b-256:"
                             "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    assert_true(sil_checksum_valid(out));
    assert_false(sil_checksum_valid("blake2b-256:abc"));
    char path[128];
    struct sil_err err;
    snprintf(path, sizeof path, "%s/abc", tmpdir);
    assert_int_equal(sil_write_file_atomic(path, "abc", 3, 0644, &err), 0);
    char fsum[SIL_CHECKSUM_SIZE];
    uint64_t bytes = 0;
    assert_int_equal(sil_checksum_file(path, fsum, &bytes, &err), 0);
    assert_string_equal(fsum, out);
    assert_int_equal(bytes, 3);
}

static void test_common__parsing(void **state)
{
    (void)state;
    int64_t i;
    uint64_t u;
    double d;
    assert_int_equal(sil_parse_i64("42", 0, 100, &i), 0);
    assert_int_equal(i, 42);
    assert_int_equal(sil_parse_i64("42x", 0, 100, &i), -1);
    assert_int_equal(sil_parse_i64("101", 0, 100, &i), -1);
    assert_int_equal(sil_parse_i64("", 0, 100, &i), -1);
    assert_int_equal(sil_parse_count("5M", &u), 0);
    assert_int_equal(u, 5000000);
    assert_int_equal(sil_parse_count("150k", &u), 0);
    assert_int_equal(u, 150000);
    assert_int_equal(sil_parse_count("-1", &u), -1);
    assert_int_equal(sil_parse_count("3X", &u), -1);
    assert_int_equal(sil_parse_double("0.05", &d), 0);
    assert_true(d == 0.05);
    assert_int_equal(sil_parse_double("nan", &d), -1);
    int64_t e;
    assert_int_equal(sil_utc_parse("2026-11-23T17:19:00Z", &e), 0);
    assert_int_equal(e, 1795454340);
    char back[21];
    sil_utc_format(e, back);
    assert_string_equal(back, "2026-11-23T17:19:00Z");
    assert_int_equal(sil_utc_parse("2024-02-29T00:00:00Z", &e), 0);
    assert_int_equal(sil_utc_parse("2023-02-29T00:00:00Z", &e), -1);
    assert_int_equal(sil_utc_parse("2026-11-23 17:19:00Z", &e), -1);
    assert_int_equal(sil_utc_parse("2026-11-23T17:19:00+01", &e), -1);
    assert_int_equal(sil_utc_parse("2026-1x-23T17:19:00Z", &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common__err_format),
        cmocka_unit_test(test_common__json_strict),
        cmocka_unit_test(test_common__json_parse_errors),
        cmocka_unit_test(test_common__json_canonical),
        cmocka_unit_test(test_common__buf_cap),
        cmocka_unit_test(test_common__atomic_file),
        cmocka_unit_test(test_common__blake2b_vectors),
        cmocka_unit_test(test_common__parsing),
    };
    return cmocka_run_group_tests_name("common", tests, setup_tmp, teardown_tmp);
}
