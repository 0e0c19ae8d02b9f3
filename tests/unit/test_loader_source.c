/* Data readers: JSON lines to COPY text, line-aligned cuts, ranges and zstd streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

#include "buf.h"
#include "loader/source.h"

static const char *const cols3[] = {"id", "name", "doc"};

static void jsonl_ok(const char *line, const char *want)
{
    struct sil_buf out;
    sil_buf_init(&out, 0);
    const char *why = NULL;
    if (loader_jsonl_to_copy(line, strlen(line), 3, cols3, &out, &why) < 0)
        fail_msg("%s: %s", line, why);
    if (strcmp(out.data, want) != 0)
        fail_msg("%s\n got  %s\n want %s", line, out.data, want);
    sil_buf_release(&out);
}

static void jsonl_bad(const char *line, const char *why_want)
{
    struct sil_buf out;
    sil_buf_init(&out, 0);
    const char *why = NULL;
    if (loader_jsonl_to_copy(line, strlen(line), 3, cols3, &out, &why) == 0)
        fail_msg("accepted: %s", line);
    if (!strstr(why, why_want))
        fail_msg("%s: %s, want %s", line, why, why_want);
    sil_buf_release(&out);
}

static void test_loader_source__jsonl(void **state)
{
    (void)state;
    jsonl_ok("{\"id\": 1, \"name\": \"a\", \"doc\": null}", "1\ta\t\\N\n");
    jsonl_ok("{\"id\":-12.5e3,\"name\":\"tab\\there\\nnl \\\\ bs\",\"doc\":{\"k\":[1,\"x\\\\y\"]}}",
             "-12.5e3\ttab\\there\\nnl \\\\ bs\t{\"k\":[1,\"x\\\\\\\\y\"]}\n");
    jsonl_ok("{\"id\": 9007199254740993, \"name\": \"caf\\u00e9 \\ud83d\\ude00\", \"doc\": true}",
             "9007199254740993\tcaf\xc3\xa9 \xf0\x9f\x98\x80\ttrue\n");
    jsonl_ok(" { \"id\" : 1 , \"name\" : \"\" , \"doc\" : false } ", "1\t\tfalse\n");
    jsonl_bad("{\"name\": \"a\", \"id\": 1, \"doc\": 1}", "not the manifest's columns in order");
    jsonl_bad("{\"id\": 1, \"name\": \"a\"}", "expected ','");
    jsonl_bad("{\"id\": 1, \"name\": \"a\", \"doc\": 1, \"x\": 2}", "more members");
    jsonl_bad("{\"id\": 1, \"name\": \"\\u0000\", \"doc\": 1}", "a zero character");
    jsonl_bad("{\"id\": 1, \"name\": \"\\ud800\", \"doc\": 1}", "unpaired surrogate");
    jsonl_bad("[1, 2, 3]", "expected a JSON object");
    jsonl_bad("{\"id\": 1, \"name\": \"a\", \"doc\": 1} x", "text after the object");
    jsonl_bad("{\"id\": , \"name\": \"a\", \"doc\": 1}", "expected a value");
    jsonl_bad("{\"id\": 1, \"name\": \"a\", \"doc\": {\"x\": [1}", "unterminated");
}

static char *temp_file(const void *data, size_t n)
{
    char *path = strdup("/tmp/sil-test-src.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    return path;
}

static char *read_all(struct loader_source *s, size_t *n, int64_t *raw_total)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    struct sil_err err;
    *raw_total = 0;
    for (;;) {
        const char *d;
        int64_t raw;
        ssize_t k = loader_source_read(s, &d, &raw, &err);
        if (k < 0)
            fail_msg("read: %s", err.msg);
        *raw_total += raw;
        if (k == 0)
            break;
        sil_buf_add(&b, d, (size_t)k);
    }
    return sil_buf_detach(&b, n);
}

static void test_loader_source__cuts_and_ranges(void **state)
{
    (void)state;
    const char text[] = "1\ta\n22\tbb\n333\tccc\n4444\tdddd\n";
    size_t len = sizeof text - 1;
    char *path = temp_file(text, len);
    int fd = open(path, O_RDONLY);
    struct sil_err err;
    assert_int_equal(loader_source_line_cut(fd, 0, (int64_t)len, &err), 0);
    assert_int_equal(loader_source_line_cut(fd, 1, (int64_t)len, &err), 4);
    assert_int_equal(loader_source_line_cut(fd, 4, (int64_t)len, &err), 4);
    assert_int_equal(loader_source_line_cut(fd, 5, (int64_t)len, &err), 10);
    assert_int_equal(loader_source_line_cut(fd, 27, (int64_t)len, &err), 28);
    assert_int_equal(loader_source_line_cut(fd, 40, (int64_t)len, &err), (int64_t)len);
    close(fd);
    /* the pieces [0,10) and [10,end) concatenate to the file */
    fd = open(path, O_RDONLY);
    struct loader_source *s =
        loader_source_open(fd, "t", 0, 10, LOADER_COMP_NONE, LOADER_FMT_COPY, 0, NULL, &err);
    size_t n;
    int64_t raw;
    char *a = read_all(s, &n, &raw);
    assert_string_equal(a, "1\ta\n22\tbb\n");
    assert_int_equal(raw, 10);
    loader_source_close(s);
    fd = open(path, O_RDONLY);
    s = loader_source_open(fd, "t", 10, -1, LOADER_COMP_NONE, LOADER_FMT_COPY, 0, NULL, &err);
    char *b = read_all(s, &n, &raw);
    assert_string_equal(b, "333\tccc\n4444\tdddd\n");
    loader_source_close(s);
    free(a);
    free(b);
    unlink(path);
    free(path);
}

static void test_loader_source__zstd_and_jsonl(void **state)
{
    (void)state;
    struct sil_buf plain;
    sil_buf_init(&plain, 0);
    for (int i = 0; i < 20000; i++)
        sil_buf_addf(&plain, "{\"id\": %d, \"name\": \"n%d\", \"doc\": null}\n", i, i);
    size_t cap = ZSTD_compressBound(plain.len);
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, plain.data, plain.len, 3);
    assert_false(ZSTD_isError(zn));
    char *path = temp_file(z, zn);
    struct sil_err err;
    int fd = open(path, O_RDONLY);
    struct loader_source *s =
        loader_source_open(fd, "t.zst", 0, -1, LOADER_COMP_ZSTD, LOADER_FMT_JSONL, 3, cols3, &err);
    size_t n;
    int64_t raw;
    char *out = read_all(s, &n, &raw);
    loader_source_close(s);
    assert_int_equal(raw, (int64_t)zn);
    assert_non_null(strstr(out, "0\tn0\t\\N\n1\tn1\t\\N\n"));
    assert_non_null(strstr(out, "\n19999\tn19999\t\\N\n"));
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += out[i] == '\n';
    assert_int_equal(lines, 20000);
    free(out);
    /* a truncated frame is an error */
    unlink(path);
    free(path);
    path = temp_file(z, zn / 2);
    fd = open(path, O_RDONLY);
    s = loader_source_open(fd, "t.zst", 0, -1, LOADER_COMP_ZSTD, LOADER_FMT_COPY, 0, NULL, &err);
    const char *d;
    ssize_t k;
    while ((k = loader_source_read(s, &d, &raw, &err)) > 0)
        ;
    assert_int_equal(k, -1);
    assert_non_null(strstr(err.msg, "ends in the middle of a zstd frame"));
    loader_source_close(s);
    unlink(path);
    free(path);
    free(z);
    sil_buf_release(&plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_source__jsonl),
        cmocka_unit_test(test_loader_source__cuts_and_ranges),
        cmocka_unit_test(test_loader_source__zstd_and_jsonl),
    };
    return cmocka_run_group_tests_name("loader_source", tests, NULL, NULL);
}
