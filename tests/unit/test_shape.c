/* Shape format v1: strict reader errors, canonical writer, round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fileio.h"
#include "json.h"
#include "shape.h"

#define CHAT "tests/shapes/chat.shape.json"

static __attribute__((noinline)) char *read_text(const char *path, size_t *len)
{
    struct sil_err err;
    char *data;
    if (sil_read_file(path, 1 << 26, &data, len, &err) < 0)
        fail_msg("cannot read %s: %s", path, err.msg);
    return data;
}

/* Walk a path like "tables[3].columns[1].type" to the parent and last step. */
static cJSON *walk(cJSON *root, const char *path, char *last, int *index)
{
    cJSON *node = root;
    const char *p = path;
    *index = -1;
    last[0] = '\0';
    while (*p) {
        char key[128];
        int idx = -1;
        if (*p == '[') {
            idx = (int)strtol(p + 1, NULL, 10);
            p = strchr(p, ']') + 1;
        } else {
            size_t n = strcspn(p, ".[");
            memcpy(key, p, n);
            key[n] = '\0';
            p += n;
        }
        if (*p == '.')
            p++;
        if (!*p) {
            if (idx >= 0)
                *index = idx;
            else
                snprintf(last, 128, "%s", key);
            return node;
        }
        node =
            idx >= 0 ? cJSON_GetArrayItem(node, idx) : cJSON_GetObjectItemCaseSensitive(node, key);
        if (!node)
            fail_msg("mutation path '%s' does not exist", path);
    }
    return node;
}

/* Replace (value JSON) or delete (value NULL) the node at path. */
static void mutate(cJSON *root, const char *path, const char *value)
{
    char last[128];
    int index;
    cJSON *parent = walk(root, path, last, &index);
    cJSON *item = value ? cJSON_Parse(value) : NULL;
    if (value && !item)
        fail_msg("bad JSON in mutation: %s", value);
    if (index >= 0) {
        if (item)
            cJSON_ReplaceItemInArray(parent, index, item);
        else
            cJSON_DeleteItemFromArray(parent, index);
    } else if (item) {
        if (cJSON_GetObjectItemCaseSensitive(parent, last))
            cJSON_ReplaceItemInObjectCaseSensitive(parent, last, item);
        else
            cJSON_AddItemToObject(parent, last, item);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
    }
}

struct bad_case {
    const char *name;
    const char *path;  /* mutation */
    const char *value; /* new JSON, NULL deletes */
    const char *want_path;
    const char *want_msg;
};

static const struct bad_case bad_cases[] = {
    {"wrong format id", "format", "\"silhouette.other\"", "format", "is not a shape file"},
    {"newer version", "version", "2", "version", "unsupported shape version 2"},
    {"version as string", "version", "\"1\"", "version", "expected a positive integer"},
    {"version missing", "version", NULL, "version", "required key is missing"},
    {"unknown top-level key", "notes", "\"hello\"", "(top level)", "unknown key \"notes\""},
    {"unknown column key", "tables[0].columns[1].comment", "\"x\"", "tables[0].columns[1]",
     "unknown key \"comment\""},
    {"unknown stats key", "tables[0].columns[1].stats.sample", "[\"a@b.c\"]",
     "tables[0].columns[1].stats", "unknown key \"sample\""},
    {"bool as string", "tables[0].columns[1].nullable", "\"yes\"", "tables[0].columns[1].nullable",
     "expected true or false"},
    {"type as string", "tables[0].columns[1].type", "\"text\"", "tables[0].columns[1].type",
     "expected an object"},
    {"unknown type name", "tables[0].columns[1].type.name", "\"geometry\"",
     "tables[0].columns[1].type.name", "unknown value \"geometry\""},
    {"length on integer", "tables[0].columns[0].type.length", "4",
     "tables[0].columns[0].type.length", "only varchar and char take a length"},
    {"duplicate table", "tables[1].name", "\"users\"", "tables[1].name",
     "duplicate table \"public.users\""},
    {"duplicate column", "tables[0].columns[2].name", "\"email\"", "tables[0].columns[2].name",
     "duplicate column \"email\""},
    {"fk to missing table", "tables[1].foreign_keys[0].references.table", "\"people\"",
     "tables[1].foreign_keys[0].references.table", "unknown table \"public.people\""},
    {"fk to missing column", "tables[1].foreign_keys[0].references.columns", "[\"uid\"]",
     "tables[1].foreign_keys[0].references.columns[0]", "unknown column \"uid\""},
    {"fk from missing column", "tables[1].foreign_keys[0].columns", "[\"owner\"]",
     "tables[1].foreign_keys[0].columns[0]", "unknown column \"owner\""},
    {"fk to non-key column", "tables[1].foreign_keys[0].references.columns", "[\"display_name\"]",
     "tables[1].foreign_keys[0].references.columns", "not the primary key or a unique key"},
    {"fk column count mismatch", "tables[1].foreign_keys[0].columns", "[\"created_by\",\"kind\"]",
     "tables[1].foreign_keys[0].references.columns", "1 referenced column for 2"},
    {"negative row count", "tables[0].rows.count", "-5", "tables[0].rows.count",
     "expected an integer from 0"},
    {"fractional row count", "tables[0].rows.count", "10.5", "tables[0].rows.count",
     "expected an integer"},
    {"null fraction above 1", "tables[0].columns[0].stats.null_fraction", "1.5",
     "tables[0].columns[0].stats.null_fraction", "expected a number from 0 to 1"},
    {"quantile values out of order", "tables[0].columns[0].stats.quantiles", "[[0.1,5],[0.5,3]]",
     "tables[0].columns[0].stats.quantiles[1]", "quantiles out of order: value 3 after 5"},
    {"quantile probabilities out of order", "tables[0].columns[0].stats.quantiles",
     "[[0.5,1],[0.4,2]]", "tables[0].columns[0].stats.quantiles[1]",
     "quantiles out of order: p 0.4"},
    {"quantile probability above 1", "tables[0].columns[0].stats.quantiles", "[[1.5,3]]",
     "tables[0].columns[0].stats.quantiles[0]", "outside [0, 1]"},
    {"quantile not a pair", "tables[0].columns[0].stats.quantiles", "[[0.5]]",
     "tables[0].columns[0].stats.quantiles[0]", "expected a [p, value] pair"},
    {"empty quantiles", "tables[0].columns[0].stats.quantiles", "[]",
     "tables[0].columns[0].stats.quantiles", "at least one"},
    {"negative string length", "tables[0].columns[1].stats.length_quantiles", "[[0.5,-1]]",
     "tables[0].columns[1].stats.length_quantiles[0]", "out of range"},
    {"category fractions above 1", "tables[0].columns[4].stats.categories.values[0].fraction",
     "0.9", "tables[0].columns[4].stats.categories", "add up to 1.450000"},
    {"duplicate category", "tables[0].columns[4].stats.categories.values[1].value", "\"ios\"",
     "tables[0].columns[4].stats.categories.values[1]", "duplicate category value"},
    {"clear category too long", "tables[0].columns[5].stats.categories.values[0].value",
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
     "tables[0].columns[5].stats.categories.values[0].value", "65 bytes"},
    {"tokens without tokenization", "tables[0].columns[5].stats.categories.encoding", "\"token\"",
     "tables[0].columns[5].stats.categories.values[0].value", "not a token"},
    {"hour of week too short", "tables[0].columns[6].stats.hour_of_week", "[0.5, 0.5]",
     "tables[0].columns[6].stats.hour_of_week", "expected 168 fractions"},
    {"missing enum", "tables[0].columns[4].type.ref", "\"mood\"", "tables[0].columns[4].type.ref",
     "unknown enum \"public.mood\""},
    {"identifier too long", "tables[0].name",
     "\"t234567890123456789012345678901234567890123456789012345678901234\"", "tables[0].name",
     "not a valid identifier"},
    {"empty identifier", "tables[0].columns[0].name", "\"\"", "tables[0].columns[0].name",
     "not a valid identifier"},
    {"unknown classification", "tables[0].columns[1].classification", "\"secret\"",
     "tables[0].columns[1].classification", "unknown value \"secret\""},
    {"bad creation time", "created_at", "\"yesterday\"", "created_at", "expected a UTC time"},
    {"expiry before creation", "expires_at", "\"2020-01-01T00:00:00Z\"", "expires_at",
     "not after created_at"},
    {"primary key on missing column", "tables[0].primary_key", "[\"uid\"]",
     "tables[0].primary_key[0]", "unknown column \"uid\""},
    {"unique on missing column", "tables[0].unique[0].columns", "[\"mail\"]",
     "tables[0].unique[0].columns[0]", "unknown column \"mail\""},
    {"table without columns", "tables[0].columns", "[]", "tables[0].columns",
     "at least one column"},
    {"constraint name twice", "tables[1].checks[0].name", "\"conversations_created_by_fkey\"",
     "tables[1]", "constraint name \"conversations_created_by_fkey\" is used twice"},
    {"arrival column not a time", "tables[3].foreign_keys[0].stats.arrival.column", "\"body\"",
     "tables[3].foreign_keys[0].stats.arrival.column", "not a date or time"},
    {"k below 2", "privacy.k", "1", "privacy.k", "expected an integer from 2"},
    {"unknown noise", "privacy.noise", "\"laplace\"", "privacy.noise", "unknown noise"},
    {"odd token length", "tokenization.token_length", "15", "tokenization.token_length",
     "must be even"},
    {"sampled shape without checksum", "source.kind", "\"postgresql\"", "checksum",
     "a sampled shape must carry its checksum"},
    {"checksum mismatch", "checksum",
     "\"blake2b-256:0000000000000000000000000000000000000000000000000000000000000000\"", "checksum",
     "does not match the content"},
    {"malformed checksum", "checksum", "\"md5:abc\"", "checksum", "expected \"blake2b-256:\""},
    {"tables not an array", "tables", "{}", "tables", "expected an array"},
    {"duplicate enum label", "enums[0].labels", "[\"web\",\"web\"]", "enums[0].labels[1]",
     "duplicate label"},
    {"identity on text", "tables[0].columns[1].identity", "\"always\"", "tables[0].columns[1]",
     "identity column must be"},
    {"fingerprint not a token", "source.fingerprint", "\"prod-db-01\"", "source.fingerprint",
     "not a token"},
};

static void test_shape__reads_example(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_shape *s = sil_shape_read_file(CHAT, 0, &err);
    assert_non_null(s);
    assert_int_equal(s->ntables, 6);
    assert_string_equal(s->tables[3].name, "messages");
    assert_int_equal(s->tables[3].row_count, 500000);
    assert_int_equal(s->tables[3].fks[0].ref_index, 1);
    assert_int_equal(s->tables[3].fks[0].stats->heavy_threshold, 1000);
    assert_true(s->tables[0].cols[6].stats->hour_of_week != NULL);
    assert_int_equal(s->tables[0].cols[1].classification, SIL_CLASS_PERSONAL_EMAIL);
    assert_int_equal(s->tables[0].cols[1].type.length, 255);
    sil_shape_free(s);
}

static void test_shape__malformed(void **state)
{
    (void)state;
    size_t len;
    char *text = read_text(CHAT, &len);
    for (size_t i = 0; i < SIL_ARRAY_SIZE(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        cJSON *root = cJSON_Parse(text);
        assert_non_null(root);
        /* Start from the unsealed document so each case meets only its own error. */
        cJSON_DeleteItemFromObjectCaseSensitive(root, "checksum");
        mutate(root, bc->path, bc->value);
        struct sil_err err;
        sil_err_clear(&err);
        struct sil_shape *s = sil_shape_from_json(root, 0, &err);
        cJSON_Delete(root);
        if (s) {
            sil_shape_free(s);
            fail_msg("case '%s': malformed shape was accepted", bc->name);
        }
        if (strcmp(err.path, bc->want_path) != 0 || !strstr(err.msg, bc->want_msg))
            fail_msg("case '%s':\n  got  %s: %s\n  want %s: ...%s...", bc->name, err.path, err.msg,
                     bc->want_path, bc->want_msg);
        assert_int_equal(err.code, SIL_EINPUT);
    }
    printf("[ INFO     ] %zu malformed shapes rejected with the expected path\n",
           SIL_ARRAY_SIZE(bad_cases));
    free(text);
}

struct raw_case {
    const char *name;
    const char *text;
    int line;
    const char *want_msg;
};

static void test_shape__malformed_text(void **state)
{
    (void)state;
    size_t len;
    char *text = read_text(CHAT, &len);
    /* Truncated in the middle. */
    struct sil_err err;
    sil_err_clear(&err);
    assert_null(sil_shape_parse(text, len / 2, "t.json", 0, &err));
    assert_true(strstr(err.msg, "truncated") || strstr(err.msg, "invalid JSON"));
    assert_true(err.line > 1);
    assert_string_equal(err.file, "t.json");

    static const struct raw_case raws[] = {
        {"empty", "", 0, "empty file"},
        {"not json", "hello", 1, "invalid JSON"},
        {"array", "[1, 2]", 0, "expected a shape object"},
        {"trailing garbage", "{\"format\": 1} x", 1, "invalid JSON"},
    };
    for (size_t i = 0; i < SIL_ARRAY_SIZE(raws); i++) {
        sil_err_clear(&err);
        assert_null(sil_shape_parse(raws[i].text, strlen(raws[i].text), "x.json", 0, &err));
        if (!strstr(err.msg, raws[i].want_msg))
            fail_msg("case '%s': got '%s'", raws[i].name, err.msg);
        assert_int_equal(err.line, raws[i].line);
    }
    /* A key given twice: cJSON keeps both, the reader must refuse. */
    char *dup = strstr(text, "\"kind\": \"table\"");
    assert_non_null(dup);
    size_t off = (size_t)(dup - text);
    char *edited = malloc(len + 64);
    memcpy(edited, text, off);
    size_t n = off;
    n += (size_t)snprintf(edited + n, 64, "\"kind\": \"view\", ");
    memcpy(edited + n, text + off, len - off + 1);
    sil_err_clear(&err);
    assert_null(sil_shape_parse(edited, strlen(edited), "d.json", 0, &err));
    assert_string_equal(err.path, "tables[0]");
    assert_non_null(strstr(err.msg, "duplicate key \"kind\""));
    /* An embedded NUL byte. */
    edited[10] = '\0';
    sil_err_clear(&err);
    assert_null(sil_shape_parse(edited, len, "n.json", 0, &err));
    assert_non_null(strstr(err.msg, "NUL byte"));
    free(edited);
    free(text);
}

static void test_shape__canonical_round_trip(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_shape *s = sil_shape_read_file(CHAT, 0, &err);
    assert_non_null(s);
    struct sil_buf a, b;
    sil_buf_init(&a, 0);
    sil_buf_init(&b, 0);
    sil_shape_write(s, &a);
    struct sil_shape *s2 = sil_shape_parse(a.data, a.len, "a", 0, &err);
    if (!s2)
        fail_msg("re-read failed: %s: %s", err.path, err.msg);
    assert_non_null(s2->checksum);
    sil_shape_write(s2, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Edits after writing are detected by the checksum. */
    char *at = strstr(a.data, "\"count\": 5000");
    assert_non_null(at);
    at[10] = '9';
    sil_err_clear(&err);
    assert_null(sil_shape_parse(a.data, a.len, "a", 0, &err));
    assert_string_equal(err.path, "checksum");
    sil_buf_release(&a);
    sil_buf_release(&b);
    sil_shape_free(s);
    sil_shape_free(s2);
}

static void test_shape__numbers_canonical(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {{0, "0"},
                 {-0.0, "0"},
                 {1, "1"},
                 {-12, "-12"},
                 {0.1, "0.1"},
                 {1.0 / 3, "0.3333333333333333"},
                 {1e20, "1e+20"},
                 {2.5e-7, "2.5e-07"},
                 {1672531200, "1672531200"},
                 {123456.789, "123456.789"}};
    for (size_t i = 0; i < SIL_ARRAY_SIZE(cases); i++) {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        sil_json_write_number(&b, cases[i].v);
        assert_string_equal(b.data, cases[i].want);
        sil_buf_release(&b);
    }
}

static void test_shape__type_sql(void **state)
{
    (void)state;
    struct sil_type t;
    sil_type_init(&t, SIL_T_NUMERIC);
    t.precision = 10;
    t.scale = 2;
    char *s = sil_type_sql(&t);
    assert_string_equal(s, "numeric(10,2)");
    free(s);
    sil_type_init(&t, SIL_T_VARCHAR);
    t.length = 40;
    t.array_dims = 1;
    s = sil_type_sql(&t);
    assert_string_equal(s, "character varying(40)[]");
    free(s);
    sil_type_init(&t, SIL_T_ENUM);
    t.ref_schema = "public";
    t.ref_name = "we\"ird";
    s = sil_type_sql(&t);
    assert_string_equal(s, "\"public\".\"we\"\"ird\"");
    free(s);
    sil_type_init(&t, SIL_T_TIMESTAMPTZ);
    t.precision = 3;
    s = sil_type_sql(&t);
    assert_string_equal(s, "timestamp(3) with time zone");
    free(s);
}

static void test_shape__expiry(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    assert_int_equal(sil_expiry_check(NULL, "shape 'a'", &err), 0);
    assert_int_equal(sil_expiry_check("2999-01-01T00:00:00Z", "shape 'a'", &err), 0);
    assert_int_equal(sil_expiry_check("2020-02-03T04:05:06Z", "shape 'a.json'", &err), -1);
    assert_int_equal(err.code, SIL_EEXPIRED);
    assert_string_equal(err.msg, "shape 'a.json' expired on 2020-02-03 at 04:05:06 UTC");
    assert_non_null(strstr(err.hint, "fresh shape"));
    assert_int_equal(sil_err_exit_code(&err), SIL_EXIT_USAGE);
    assert_int_equal(sil_expiry_check("soon", "shape 'a'", &err), -1);
    assert_int_equal(err.code, SIL_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape__reads_example),
        cmocka_unit_test(test_shape__malformed),
        cmocka_unit_test(test_shape__malformed_text),
        cmocka_unit_test(test_shape__canonical_round_trip),
        cmocka_unit_test(test_shape__numbers_canonical),
        cmocka_unit_test(test_shape__type_sql),
        cmocka_unit_test(test_shape__expiry),
    };
    return cmocka_run_group_tests_name("shape", tests, NULL, NULL);
}
