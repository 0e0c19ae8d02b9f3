/* The structure-aware shape check: findings and their JSON paths, tokens, limits, encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "fileio.h"
#include "json.h"
#include "shapescan.h"

#define SHIPPED "policies/pii-rules.json"
#define CHAT    "tests/shapes/chat.shape.json"

static struct sil_rules *rules;
static struct sil_rscan *sc;
static char *chat;
static size_t chat_len;

static int setup(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    rules = sil_rules_load(SHIPPED, NULL, &err);
    if (!rules || sil_read_file(CHAT, 1 << 20, &chat, &chat_len, &err) < 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    sc = sil_rscan_new(rules);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sil_rscan_free(sc);
    sil_rules_free(rules);
    free(chat);
    return 0;
}

/* The findings of one check, "rule@path" each on its own line (plus " masked" when asked). */
struct found {
    struct sil_buf b;
    int with_masked;
    int stop_after;
    int calls;
    const char *secret; /* must appear in no path, masked value or message */
};

static int collect(void *ctx, const struct sil_finding *f)
{
    struct found *o = ctx;
    if (o->secret && (strstr(f->path, o->secret) || strstr(f->masked, o->secret) ||
                      strstr(f->message, o->secret)))
        fail_msg("finding %s at %s shows the value in clear", f->rule, f->path);
    assert_int_equal(strlen(f->value_hash) == 0 || strncmp(f->value_hash, "blake2b-256:", 12) == 0,
                     1);
    sil_buf_addf(&o->b, "%s@%s%s%s%s%s\n", f->rule, f->path, f->decoded ? "~" : "",
                 f->fictional ? "?" : "", o->with_masked ? " " : "",
                 o->with_masked ? f->masked : "");
    return ++o->calls == o->stop_after;
}

/* A fresh parse of the chat example, without its checksum (a template needs none). */
static cJSON *chat_tree(void)
{
    cJSON *root = cJSON_ParseWithLength(chat, chat_len);
    assert_non_null(root);
    cJSON_DeleteItemFromObjectCaseSensitive(root, "checksum");
    return root;
}

/* The node at a path like "tables[0].columns[2].name" (keys and [index] steps). */
static cJSON *at(cJSON *root, const char *path)
{
    cJSON *n = root;
    const char *p = path;
    while (*p && n) {
        if (*p == '.')
            p++;
        if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            n = cJSON_GetArrayItem(n, (int)i);
            p = end + 1;
            continue;
        }
        size_t k = strcspn(p, ".[");
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)k, p);
        n = cJSON_GetObjectItemCaseSensitive(n, key);
        p += k;
    }
    if (!n)
        fail_msg("no node at %s", path);
    return n;
}

static void set_str(cJSON *root, const char *path, const char *value)
{
    cJSON *n = at(root, path);
    assert_true(cJSON_IsString(n));
    assert_non_null(cJSON_SetValuestring(n, value));
}

/* Check a tree; returns the findings (caller frees) and their count. */
static char *check(const cJSON *root, unsigned flags, const char *secret, int with_masked,
                   long *count)
{
    struct found o;
    memset(&o, 0, sizeof o);
    sil_buf_init(&o.b, 0);
    sil_buf_adds(&o.b, "");
    o.secret = secret;
    o.with_masked = with_masked;
    *count = sil_shapescan_tree(sc, root, flags, collect, &o);
    return o.b.data;
}

static void test_shapescan__clean_example(void **state)
{
    (void)state;
    cJSON *root = chat_tree();
    long n;
    char *got = check(root, 0, NULL, 0, &n);
    assert_string_equal(got, "");
    assert_int_equal(n, 0);
    free(got);
    /* Strict mode has nothing more to say about it either. */
    got = check(root, SIL_SCAN_STRICT, NULL, 0, &n);
    assert_int_equal(n, 0);
    free(got);
    cJSON_Delete(root);
}

/* PII in each kind of place: the rule, and the path of the string that holds it. */
static void test_shapescan__paths(void **state)
{
    (void)state;
    static const struct {
        const char *path, *value, *want;
    } c[] = {
        {"enums[0].labels[1]", "anna.svensson@gmail.com", "email@enums[0].labels[1]\n"},
        {"tables[0].columns[2].name", "Anna Svensson", "person-name@tables[0].columns[2].name\n"},
        {"tables[0].columns[4].stats.categories.values[0].value", "Anna Svensson",
         "person-name@tables[0].columns[4].stats.categories.values[0].value\n"},
        {"tables[1].checks[0].expression", "(kind <> 'john.doe@gmail.com'::text)",
         "email@tables[1].checks[0].expression\n"},
        {"tables[1].checks[0].name", "chk 536-22-8726", "us-ssn@tables[1].checks[0].name\n"},
        /* Identifiers join words with '_': read as blanks too, reported once. */
        {"tables[1].checks[0].name", "chk_536-22-8726", "us-ssn@tables[1].checks[0].name\n"},
        {"tables[0].columns[2].name", "emma_jones", "person-name@tables[0].columns[2].name\n"},
        {"tables[0].columns[2].name", "emma jones_x", "person-name@tables[0].columns[2].name\n"},
        {"tables[0].columns[2].name", "grace_period_days", ""},
        {"tables[0].columns[5].stats.categories.values[3].value", "811218-9876",
         "se-personnummer@tables[0].columns[5].stats.categories.values[3].value\n"},
        {"source.locale", "4111 1111 1111 1111",
         "shape-structure@source.locale\npayment-card@source.locale\n"},
        {"created_at", "call 212-736-5000", "shape-structure@created_at\nphone-us@created_at\n"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cJSON *root = chat_tree();
        set_str(root, c[i].path, c[i].value);
        long n;
        char *got = check(root, 0, c[i].value, 0, &n);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("%s = \"%s\": got \"%s\", want \"%s\"", c[i].path, c[i].value, got, c[i].want);
        free(got);
        cJSON_Delete(root);
    }
}

/* A key that is not part of the format: a structural finding, and the key is text too. */
static void test_shapescan__keys(void **state)
{
    (void)state;
    cJSON *root = chat_tree();
    cJSON_AddNumberToObject(at(root, "tables[0].columns[1]"), "john.doe@gmail.com", 1);
    long n;
    char *got = check(root, 0, "john.doe@gmail.com", 1, &n);
    assert_int_equal(n, 2);
    /* The key shows masked in every path. */
    assert_string_equal(got, "shape-structure@tables[0].columns[1] \n"
                             "email@tables[0].columns[1][\"jo**.***@*****.*om\"] j***@g***.com\n");
    free(got);
    cJSON_Delete(root);
    /* A key of the format is not checked as text; an unknown harmless one only structurally. */
    root = chat_tree();
    cJSON_AddNumberToObject(at(root, "privacy"), "bogus", 1);
    got = check(root, 0, NULL, 0, &n);
    assert_string_equal(got, "shape-structure@privacy\n");
    free(got);
    cJSON_Delete(root);
}

/* Integral numbers of nine digits or more go through the digit rules. */
static void test_shapescan__numbers(void **state)
{
    (void)state;
    static const struct {
        double value;
        const char *want;
    } c[] = {
        {4111111111111111.0, "payment-card@tables[0].columns[0].stats.quantiles[2][1]\n"},
        {5000.0, ""},
        {123456789.0, ""},
        {4111111111111112.0, ""}, /* Luhn fails */
        {4111111111111111.5, ""}, /* not integral */
        {123456789012.0, ""},     /* twelve digits that no rule claims */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cJSON *root = chat_tree();
        cJSON_SetNumberValue(at(root, "tables[0].columns[0].stats.quantiles[2][1]"), c[i].value);
        long n;
        char *got = check(root, 0, NULL, 0, &n);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("quantile %.0f: got \"%s\", want \"%s\"", c[i].value, got, c[i].want);
        free(got);
        cJSON_Delete(root);
    }
}

/* A chat shape with tokenized categories: the values of tables[0].columns[5] are tokens. */
static cJSON *token_tree(void)
{
    cJSON *root = chat_tree();
    cJSON *tok = at(root, "tokenization");
    set_str(root, "tokenization.method", "hmac-sha256");
    cJSON_AddStringToObject(tok, "key_id", "3f2a9c0d4e5b6a71");
    set_str(root, "tables[0].columns[5].stats.categories.encoding", "token");
    static const char *const tokens[] = {"9d0c2e4f6a8b1c3d", "0a1b2c3d4e5f6071", "f00dfacecafe1234",
                                         "77aa88bb99cc00dd", "1234567890abcdef"};
    char path[96];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "tables[0].columns[5].stats.categories.values[%d].value", i);
        set_str(root, path, tokens[i]);
    }
    return root;
}

static void test_shapescan__tokens(void **state)
{
    (void)state;
    cJSON *root = token_tree();
    long n;
    char *got = check(root, 0, NULL, 0, &n);
    assert_string_equal(got, "");
    free(got);
    cJSON_Delete(root);
#define CAT "tables[0].columns[5].stats.categories.values[2].value"
    static const struct {
        const char *path, *value, *want;
    } c[] = {
        /* Not hex of token_length: the reader refuses it, the token check says why, and the
         * text is still scanned for PII. */
        {CAT, "US", "shape-structure@" CAT " \ntoken-format@" CAT " US*** (2 bytes)\n"},
        {CAT, "9D0C2E4F6A8B1C3D",
         "shape-structure@" CAT " \ntoken-format@" CAT " 9D0C*** (16 bytes)\n"},
        {CAT, "9d0c2e4f6a8b1c3d00",
         "shape-structure@" CAT " \ntoken-format@" CAT " 9d0c*** (18 bytes)\n"},
        {CAT, "anna@gmail.com",
         "shape-structure@" CAT " \ntoken-format@" CAT " anna*** (14 bytes)\nemail@" CAT
         " a***@g***.com\n"},
        /* Decimal digits only: its own finding, and not a payment card although Luhn passes. */
        {CAT, "4111111111111111", "token-all-digits@" CAT " 4111*** (16 bytes)\n"},
        {CAT, "0000000000000000", "token-all-digits@" CAT " 0000*** (16 bytes)\n"},
        {"tokenization.key_id", "5555555555554444",
         "token-all-digits@tokenization.key_id 5555*** (16 bytes)\n"},
        /* One letter among the digits: a token like any other. */
        {CAT, "411111111111111a", ""},
        {"tokenization.key_id", "abc",
         "shape-structure@tokenization.key_id \ntoken-format@tokenization.key_id abc*** (3 "
         "bytes)\n"},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        root = token_tree();
        set_str(root, c[i].path, c[i].value);
        got = check(root, 0, NULL, 1, &n);
        if (strcmp(got, c[i].want) != 0) {
            print_error("%s = \"%s\": got \"%s\", want \"%s\"\n", c[i].path, c[i].value, got,
                        c[i].want);
            bad++;
        }
        free(got);
        cJSON_Delete(root);
    }
    assert_int_equal(bad, 0);
#undef CAT
    /* The fingerprint is a token of token_length too. */
    root = token_tree();
    set_str(root, "source.kind", "postgresql");
    cJSON_AddStringToObject(at(root, "source"), "fingerprint", "4242424242424242");
    got = check(root, SIL_SHAPESCAN_UNSEALED, NULL, 0, &n);
    assert_string_equal(got, "token-all-digits@source.fingerprint\n");
    free(got);
    cJSON_Delete(root);
    /* Clear categories of digits are values, checked by the number rules as they are. */
    root = chat_tree();
    set_str(root, "tables[0].columns[5].stats.categories.values[0].value", "4111111111111111");
    got = check(root, 0, NULL, 0, &n);
    assert_string_equal(got,
                        "payment-card@tables[0].columns[5].stats.categories.values[0].value\n");
    free(got);
    cJSON_Delete(root);
}

static void test_shapescan__length_limits(void **state)
{
    (void)state;
    char ident[80], cat[80];
    memset(ident, 'x', 64);
    ident[64] = '\0';
    memset(cat, 'y', 65);
    cat[65] = '\0';
    static const struct {
        const char *path;
        int which, cap; /* which: 0 identifier, 1 category; cap: privacy.max_category_bytes */
        const char *want;
    } c[] = {
        {"enums[0].labels[0]", 0, 64, "length-limit@enums[0].labels[0]\n"},
        {"tables[0].columns[4].stats.categories.values[0].value", 1, 64,
         "length-limit@tables[0].columns[4].stats.categories.values[0].value\n"},
        /* The limit is the shape's own. */
        {"tables[0].columns[4].stats.categories.values[0].value", 1, 128, ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cJSON *root = chat_tree();
        set_str(root, c[i].path, c[i].which ? cat : ident);
        cJSON_SetNumberValue(at(root, "privacy.max_category_bytes"), c[i].cap);
        long n;
        char *got = check(root, 0, NULL, 0, &n);
        /* The strict reader may refuse the value as well; the length finding must be there. */
        char *rest = got;
        if (strncmp(rest, "shape-structure@", 16) == 0)
            rest = strchr(rest, '\n') + 1;
        if (strcmp(rest, c[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, c[i].want);
        free(got);
        cJSON_Delete(root);
    }
    /* 63 bytes is an identifier PostgreSQL accepts. */
    cJSON *root = chat_tree();
    ident[63] = '\0';
    set_str(root, "enums[0].labels[0]", ident);
    long n;
    char *got = check(root, 0, NULL, 0, &n);
    assert_string_equal(got, "");
    free(got);
    cJSON_Delete(root);
}

/* Encoded text is decoded and checked; opaque runs are flagged outright. */
static void test_shapescan__encoded(void **state)
{
    (void)state;
#define VAL "tables[1].columns[2].stats.categories.values[1].value"
    static const struct {
        const char *value, *want;
    } c[] = {
        {"am9obi5kb2VAZ21haWwuY29t", "encoded-string@" VAL "\nemail@" VAL "~\n"}, /* base64 */
        {"john.doe%40gmail.com", "email@" VAL "~\n"}, /* percent-encoded */
        {"6a6f686e2e646f6540676d61696c2e636f6d", "encoded-string@" VAL "\nemail@" VAL "~\n"},
        {"%41%42", "encoded-string@" VAL "\n"},                     /* escaped for no reason */
        {"a8Kq2Lm9Zt4Rw7Yx1Pv6Nb3Jc5", "encoded-string@" VAL "\n"}, /* random base64 */
        {"9f86d081884c7d659a2feaa0c55ad015", "encoded-string@" VAL "\n"},
        {"group_chat_member_list", ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        cJSON *root = chat_tree();
        set_str(root, VAL, c[i].value);
        long n;
        char *got = check(root, 0, NULL, 0, &n);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", c[i].value, got, c[i].want);
        free(got);
        cJSON_Delete(root);
    }
#undef VAL
}

/* Fictional values: silent by default, reported (and marked) in strict mode. */
static void test_shapescan__strict(void **state)
{
    (void)state;
    cJSON *root = chat_tree();
    set_str(root, "enums[0].labels[0]", "anna@example.com");
    long n;
    char *got = check(root, 0, NULL, 0, &n);
    assert_string_equal(got, "");
    free(got);
    got = check(root, SIL_SCAN_STRICT, "anna@example.com", 1, &n);
    assert_string_equal(got, "email@enums[0].labels[0]? a***@e***.com\n");
    free(got);
    cJSON_Delete(root);
}

/* A sampled shape needs its checksum unless the sampler checks its own tree before sealing. */
static void test_shapescan__unsealed(void **state)
{
    (void)state;
    cJSON *root = chat_tree();
    set_str(root, "source.kind", "postgresql");
    long n;
    char *got = check(root, 0, NULL, 0, &n);
    assert_int_equal(n, 1);
    assert_string_equal(got, "shape-structure@checksum\n");
    free(got);
    got = check(root, SIL_SHAPESCAN_UNSEALED, NULL, 0, &n);
    assert_int_equal(n, 0);
    assert_string_equal(got, "");
    free(got);
    cJSON_Delete(root);
}

static void test_shapescan__stop(void **state)
{
    (void)state;
    cJSON *root = chat_tree();
    set_str(root, "enums[0].labels[0]", "anna@gmail.com");
    set_str(root, "enums[0].labels[1]", "bo@gmail.com");
    struct found o;
    memset(&o, 0, sizeof o);
    sil_buf_init(&o.b, 0);
    o.stop_after = 1;
    assert_int_equal(sil_shapescan_tree(sc, root, 0, collect, &o), -1);
    assert_int_equal(o.calls, 1);
    sil_buf_release(&o.b);
    /* No callback: just the count. */
    assert_int_equal(sil_shapescan_tree(sc, root, 0, NULL, NULL), 2);
    cJSON_Delete(root);
}

static void test_shapescan__buffer(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    static const char bad[] = "{\"format\": \"silhouette.shape\",\n  \"version\": 1,,\n}";
    assert_int_equal(sil_shapescan_buffer(sc, bad, sizeof bad - 1, "bad.json", 0, NULL, NULL, &err),
                     -2);
    assert_string_equal(err.file, "bad.json");
    assert_int_equal(err.line, 2);
    assert_int_equal(sil_err_exit_code(&err), SIL_EXIT_USAGE);
    sil_err_clear(&err);
    assert_int_equal(sil_shapescan_buffer(sc, chat, chat_len, CHAT, 0, NULL, NULL, &err), 0);
    /* Valid JSON that is not a shape: one structural finding, then the text checks. */
    static const char other[] = "{\"note\": \"call 212-736-5000\"}";
    struct found o;
    memset(&o, 0, sizeof o);
    sil_buf_init(&o.b, 0);
    assert_int_equal(
        sil_shapescan_buffer(sc, other, sizeof other - 1, "o.json", 0, collect, &o, &err), 2);
    assert_string_equal(o.b.data, "shape-structure@format\nphone-us@[\"n**e\"]\n");
    sil_buf_release(&o.b);
}

static void test_shapescan__is_shape(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int want;
    } c[] = {
        {"{\"format\": \"silhouette.shape\", \"version\": 1}", 1},
        {"  \n{\"version\": 1, \"format\": \"silhouette.shape\"}", 1},
        {"[{\"format\": \"silhouette.shape\"}]", 0},
        {"{\"format\": \"silhouette.pii-rules\"}", 0},
        {"format silhouette.shape", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (sil_shapescan_is_shape(c[i].text, strlen(c[i].text)) != c[i].want)
            fail_msg("is_shape(\"%s\") != %d", c[i].text, c[i].want);
}

static void test_shapescan__sanitize(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *want;
    } c[] = {
        {"unknown key \"anna@gmail.com\"", "unknown key \"an**@*****.*om\""},
        {"expected \"clear\" or \"token\"", "expected \"clear\" or \"token\""},
        {"duplicate column \"Svensson\" in \"tables\"",
         "duplicate column \"Sv****on\" in \"tables\""},
        {"an unmatched \" quote", "an unmatched \" quote"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char out[256];
        sil_shapescan_sanitize(c[i].msg, out, sizeof out);
        if (strcmp(out, c[i].want) != 0)
            fail_msg("sanitize(\"%s\"): got \"%s\", want \"%s\"", c[i].msg, out, c[i].want);
    }
    /* A small buffer truncates and stays terminated. */
    char small[8];
    sil_shapescan_sanitize("abcdefghijkl", small, sizeof small);
    assert_string_equal(small, "abcdefg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapescan__clean_example),
        cmocka_unit_test(test_shapescan__paths),
        cmocka_unit_test(test_shapescan__keys),
        cmocka_unit_test(test_shapescan__numbers),
        cmocka_unit_test(test_shapescan__tokens),
        cmocka_unit_test(test_shapescan__length_limits),
        cmocka_unit_test(test_shapescan__encoded),
        cmocka_unit_test(test_shapescan__strict),
        cmocka_unit_test(test_shapescan__unsealed),
        cmocka_unit_test(test_shapescan__stop),
        cmocka_unit_test(test_shapescan__buffer),
        cmocka_unit_test(test_shapescan__is_shape),
        cmocka_unit_test(test_shapescan__sanitize),
    };
    return cmocka_run_group_tests_name("shapescan", tests, setup, teardown);
}
