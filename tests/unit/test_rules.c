/* The PII rule engine: policies, user overlays, errors, masking, scan positions, classifiers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The module itself, for its classifiers and run collection. */
#include "../../common/rules.c"

#include "fileio.h"

#define SHIPPED "policies/pii-rules.json"

static char tmpdir[64];
static struct sil_rules *shipped;

static int setup(void **state)
{
    (void)state;
    struct sil_err err;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sil-rules.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    sil_err_clear(&err);
    shipped = sil_rules_load(SHIPPED, NULL, &err);
    if (!shipped)
        fprintf(stderr, "cannot load %s: %s\n", SHIPPED, err.msg);
    return shipped ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    struct sil_err err;
    sil_rules_free(shipped);
    return sil_remove_tree(tmpdir, &err);
}

/* Write a user policy; returns its path (static buffer). */
static const char *policy(const char *name, const char *json)
{
    static char path[128];
    struct sil_err err;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (sil_write_file_atomic(path, json, strlen(json), 0600, &err) < 0)
        fail_msg("cannot write %s: %s", path, err.msg);
    return path;
}

/* Matches of one scan, as "rule@start-end" (plus "~" for decoded, "?" for fictional). */
struct found {
    const struct sil_rules *r;
    char out[1024];
    size_t n;
};

static int collect(void *ctx, const struct sil_match *m)
{
    struct found *f = ctx;
    size_t k = strlen(f->out);
    snprintf(f->out + k, sizeof f->out - k, "%s%s@%zu-%zu%s%s", k ? " " : "",
             sil_rules_get(f->r, m->rule)->id, m->start, m->end, m->decoded ? "~" : "",
             m->fictional ? "?" : "");
    f->n++;
    return 0;
}

static const char *scan(const struct sil_rules *r, const char *text, unsigned flags)
{
    static struct found f;
    struct sil_rscan *sc = sil_rscan_new(r);
    memset(&f, 0, sizeof f);
    f.r = r;
    size_t n = sil_rscan_text(sc, text, strlen(text), flags, collect, &f);
    sil_rscan_free(sc);
    if (n != f.n)
        fail_msg("sil_rscan_text returned %zu for %zu matches", n, f.n);
    return f.out;
}

static void test_rules__load_shipped(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "email",
        "email-obfuscated",
        "us-ssn",
        "us-ssn-labelled",
        "payment-card",
        "iban",
        "se-personnummer",
        "se-samordningsnummer",
        "phone-international",
        "phone-us",
        "phone-uk",
        "phone-de",
        "phone-fr",
        "phone-se",
        "ipv4",
        "ipv6",
        "person-name",
        "birth-date-near-name",
        "birth-date-labelled",
        "street-address-en",
        "street-address-fr",
        "street-address-de",
        "street-address-se",
        "scan-limit",
    };
    assert_int_equal(sil_rules_count(shipped), sizeof ids / sizeof ids[0]);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        long at = sil_rules_find(shipped, ids[i]);
        if (at != (long)i)
            fail_msg("rule \"%s\" at %ld, want %zu (policy order)", ids[i], at, i);
    }
    const struct sil_rule_info *ri =
        sil_rules_get(shipped, (size_t)sil_rules_find(shipped, "email"));
    assert_int_equal(ri->kind, SIL_CLASS_PERSONAL_EMAIL);
    assert_int_equal(ri->severity, SIL_SEV_HIGH);
    assert_int_equal(ri->mask, SIL_MASK_EMAIL);
    assert_string_equal(ri->type, "regex");
    assert_string_equal(ri->origin, SHIPPED);
    assert_string_equal(sil_rules_get(shipped, 16)->type, "names");
    assert_string_equal(sil_rules_get(shipped, 17)->type, "name-date");
    assert_string_equal(sil_rules_get(shipped, 23)->type, "builtin");
    assert_null(sil_rules_get(shipped, 24));
    assert_int_equal(sil_rules_find(shipped, "no-such-rule"), -1);
    assert_null(sil_rules_disabled(shipped)[0]);
    char *all = sil_rules_combined_pattern(shipped);
    assert_non_null(strstr(all, "(?:(?<![A-Za-z0-9._%+-])(?<![A-Za-z0-9._%+'-]')[A-Za-z0-9]"));
    assert_non_null(strstr(all, "|(?i:\\b(?:ssn|ss#|social"));
    free(all);
}

static void test_rules__user_overlay(void **state)
{
    (void)state;
    struct sil_err err;
    const char *path = policy(
        "overlay.json",
        "{\"format\": \"silhouette.pii-rules\", \"version\": 1,\n"
        " \"disable\": [\"phone-us\", \"ipv6\"],\n"
        " \"rules\": [\n"
        "  {\"id\": \"employee-id\", \"kind\": \"personal:other\", \"description\": \"employee\",\n"
        "   \"pattern\": \"\\\\bEMP-\\\\d{6}\\\\b\", \"trigger\": {\"min_digits\": 6}},\n"
        "  {\"id\": \"ipv4\", \"kind\": \"personal:ip\", \"severity\": \"low\",\n"
        "   \"description\": \"replaced\", \"pattern\": "
        "\"\\\\b10\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\b\",\n"
        "   \"trigger\": {\"min_digits\": 4, \"min_dots\": 3}, \"mask\": \"blob\"},\n"
        "  {\"id\": \"badge\", \"kind\": \"personal:other\", \"description\": \"badge words\",\n"
        "   \"pattern\": \"(?i)badge\\\\s+[a-z]{4}\", \"trigger\": {\"words\": [\"badge\"]}}]}\n");
    sil_err_clear(&err);
    struct sil_rules *r = sil_rules_load(SHIPPED, path, &err);
    if (!r)
        fail_msg("overlay: %s (%s)", err.msg, err.path);
    /* Two removed, one replaced in place, two added at the end. */
    assert_int_equal(sil_rules_count(r), sil_rules_count(shipped) - 2 + 2);
    assert_int_equal(sil_rules_find(r, "phone-us"), -1);
    assert_int_equal(sil_rules_find(r, "ipv6"), -1);
    assert_string_equal(sil_rules_disabled(r)[0], "phone-us");
    assert_string_equal(sil_rules_disabled(r)[1], "ipv6");
    assert_null(sil_rules_disabled(r)[2]);
    const struct sil_rule_info *ip = sil_rules_get(r, (size_t)sil_rules_find(r, "ipv4"));
    assert_string_equal(ip->description, "replaced");
    assert_int_equal(ip->severity, SIL_SEV_LOW);
    assert_int_equal(ip->mask, SIL_MASK_BLOB);
    assert_string_equal(ip->origin, path);
    assert_string_equal(scan(r, "host 10.1.2.3 and 81.2.69.160", 0), "ipv4@5-13");
    assert_string_equal(scan(r, "staff EMP-123456 here", 0), "employee-id@6-16");
    assert_string_equal(scan(r, "my BADGE abcd", 0), "badge@3-13");
    assert_string_equal(scan(r, "call 212-736-5000", 0), ""); /* phone-us is off */
    assert_string_equal(scan(shipped, "call 212-736-5000", 0), "phone-us@5-17");
    assert_string_equal(scan(r, "2a00:1450:4009:81f::200e", 0), "");
    sil_rules_free(r);
}

static void test_rules__bad_policies(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg, *path;
    } c[] = {
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\", \"bogus\": "
         "1}]}",
         "unknown key \"bogus\"", "rules[0]"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a(b\"}]}",
         "rule \"x\": pattern error at offset 3", ""},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"disable\": [\"nope\"]}",
         "no shipped rule has the id \"nope\"", "disable[0]"},
        {"{\"format\": \"silhouette.pii-rule\", \"version\": 1}", "not a rules file", "format"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 2}", "unsupported rules version 2",
         "version"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"public\", \"description\": \"d\", \"pattern\": \"a\"}]}",
         "is not a personal:* classification", "rules[0].kind"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"Bad\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\"}]}",
         "rule ids use a-z", "rules[0].id"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\", "
         "\"trigger\": {}}]}",
         "a trigger needs min_digits", "rules[0].trigger"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\", "
         "\"trigger\": {\"min_dots\": 2}}]}",
         "min_dots needs min_digits", "rules[0].trigger.min_dots"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\", "
         "\"trigger\": {\"min_digits\": 8, \"min_dots\": 3, \"min_seps\": 2}}]}",
         "dots are separators too", "rules[0].trigger.min_seps"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"type\": \"names\", \"kind\": \"personal:name\", \"description\": \"d\", "
         "\"first\": \"f.txt\", \"last\": \"l.txt\", \"trigger\": {\"min_digits\": 3}}]}",
         "only regex rules take a trigger", "rules[0].trigger"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"type\": \"names\", \"kind\": \"personal:name\", \"description\": \"d\", "
         "\"first\": \"missing.txt\", \"last\": \"missing.txt\"}]}",
         "rule \"x\": cannot load its word list", ""},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\", "
         "\"validator\": \"md5\"}]}",
         "unknown validator \"md5\"", "rules[0].validator"},
        {"{\"format\": \"silhouette.pii-rules\", \"version\": 1, \"rules\": [{\"id\": \"x\", "
         "\"kind\": \"personal:other\", \"description\": \"d\", \"pattern\": \"a\", "
         "\"trigger\": {\"words\": [\"\"]}}]}",
         "expected a word of 1 to 40 bytes", "rules[0].trigger.words[0]"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char name[32], buf[2048];
        struct sil_err err;
        snprintf(name, sizeof name, "bad%zu.json", i);
        const char *path = policy(name, c[i].json);
        sil_err_clear(&err);
        struct sil_rules *r = sil_rules_load(SHIPPED, path, &err);
        if (r) {
            sil_rules_free(r);
            fail_msg("case %zu: the policy was accepted", i);
        }
        sil_err_format(&err, "cannot load the PII rules", buf, sizeof buf);
        /* The message names the file to fix: the policy, or the word list it points to. */
        const char *file = strstr(c[i].msg, "word list") ? "missing.txt" : path;
        if (!strstr(err.msg, c[i].msg) || strcmp(err.path, c[i].path) != 0 || !strstr(buf, file))
            fail_msg("case %zu: got \"%s\" (msg \"%s\", path \"%s\"), want \"%s\" at \"%s\"", i,
                     buf, err.msg, err.path, c[i].msg, c[i].path);
        assert_int_equal(sil_err_exit_code(&err), SIL_EXIT_USAGE);
    }
    /* Broken JSON: the line and column of the fault. */
    struct sil_err err;
    const char *path =
        policy("syntax.json", "{\"format\": \"silhouette.pii-rules\",\n \"version\": 1,,\n}");
    sil_err_clear(&err);
    assert_null(sil_rules_load(SHIPPED, path, &err));
    assert_int_equal(err.line, 2);
    assert_string_equal(err.file, path);
    /* A shipped file that does not exist. */
    sil_err_clear(&err);
    assert_null(sil_rules_load("/nonexistent/pii-rules.json", NULL, &err));
    assert_string_equal(err.file, "/nonexistent/pii-rules.json");
}

static void test_rules__masking(void **state)
{
    (void)state;
    static const struct {
        const char *rule, *value, *want;
    } c[] = {
        {"email", "john.doe@gmail.com", "j***@g***.com"},
        {"payment-card", "4111 1111 1111 1111", "4111 **** **** 1111"},
        {"person-name", "Anna Svensson", "A*** S*******"},
        {"street-address-en", "12 Main Street", "1* M*** S*****"},
        {"birth-date-labelled", "born 1985-03-12", "bo** ****-**-**"},
        {"birth-date-near-name", "1985-03-12", "19**-**-**"},
        {"ipv4", "81.2.69.160", "81.*.**.*60"},
        {"us-ssn", "536-22-8726", "53*-**-**26"},
        {"iban", "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **** 00"},
        {"scan-limit", "aaaaaaaaaaaaaaaaaaaa", "aaaa*** (20 bytes)"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char out[128];
        long at = sil_rules_find(shipped, c[i].rule);
        assert_true(at >= 0);
        sil_rules_mask(shipped, (size_t)at, c[i].value, strlen(c[i].value), out, sizeof out);
        if (strcmp(out, c[i].want) != 0)
            fail_msg("mask of %s \"%s\": got \"%s\", want \"%s\"", c[i].rule, c[i].value, out,
                     c[i].want);
    }
}

static void test_rules__scan_positions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned flags;
        const char *want;
    } c[] = {
        {"mail john.doe@gmail.com now", 0, "email@5-23"},
        {"card 4111 1111 1111 1111.", 0, "payment-card@5-24"},
        {"Amex 3782 822463 10005 ok", 0, "payment-card@5-22"},
        {"Anna Svensson", 0, "person-name@0-13"},
        {"JOHN F. KENNEDY", 0, "person-name@0-15"},
        {"Svensson, Anna", 0, "person-name@0-14"},
        {"anna svensson 1985-03-12", 0, "person-name@0-13 birth-date-near-name@14-24"},
        {"born 12 March 1985", 0, "birth-date-labelled@0-18"},
        {"ssn 536-22-8726", 0, "us-ssn-labelled@0-15"},
        {"id 536-22-8726;", 0, "us-ssn@3-14"},
        {"id=536228726 x", 0, ""}, /* nine digits without separators: not us-ssn */
        {"pnr 811218-9876", 0, "se-personnummer@4-15"},
        {"iban DE89 3704 0044 0532 0130 00!", 0, "iban@5-32"},
        {"ip 81.2.69.160:80", 0, "ipv4@3-14"},
        {"v6 2a00:1450:4009:81f::200e end", 0, "ipv6@3-27"},
        {"tel +46 70 123 45 67", 0, "phone-international@4-20"},
        {"ring 070-123 45 67", 0, "phone-se@5-18"},
        {"12 Main Street", 0, "street-address-en@0-14"},
        /* A pattern ends where it has seen enough: the capital that starts the name. */
        {"Storgatan 5, 12 rue de la Paix", 0, "street-address-se@0-11 street-address-fr@13-27"},
        {"john [at] gmail [dot] com", 0, "email-obfuscated@0-25"},
        /* Fictional values: only under SIL_SCAN_STRICT, and marked. */
        {"mail anna@example.com", 0, ""},
        {"mail anna@example.com", SIL_SCAN_STRICT, "email@5-21?"},
        /* Decoded text reports the encoded span. */
        {"x am9obi5kb2VAZ21haWwuY29t y", 0, "email@2-26~"},
        {"x 6a6f686e2e646f6540676d61696c2e636f6d y", 0, "email@2-38~"},
        {"john.doe%40gmail.com", 0, "email@0-20~"},
        {"x \\u0061nna@gmail.com", 0, "email@2-21~"},
        {"x am9obi5kb2VAZ21haWwuY29t y", SIL_SCAN_NO_DECODE, ""},
        /* Overlaps: one finding per span, unless SIL_SCAN_ALL. */
        {"811218-9876", 0, "se-personnummer@0-11"},
        {"2024-03-15 10:22:33", 0, ""},
        {"uuid 16ca2059-24d7-41b2-90cc-955b0ccaac83", 0, ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        const char *got = scan(shipped, c[i].text, c[i].flags);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("scan(\"%s\", %u): got \"%s\", want \"%s\"", c[i].text, c[i].flags, got,
                     c[i].want);
    }
    /* SIL_SCAN_ALL reports every rule that matched a span. */
    const char *all = scan(shipped, "call 0701234567 now", SIL_SCAN_ALL);
    assert_string_equal(all, "phone-de@5-15 phone-fr@5-15 phone-se@5-15");
    assert_string_equal(scan(shipped, "call 0701234567 now", 0), "phone-de@5-15");
}

/* sil_rscan_lines: the same matches as sil_rscan_text line by line, with line numbers. */
struct linefound {
    const struct sil_rules *r;
    struct sil_buf b;
};

static int line_cb(void *ctx, const struct sil_match *m)
{
    struct linefound *f = ctx;
    sil_buf_addf(&f->b, "%zu:%s@%zu-%zu%s\n", m->line, sil_rules_get(f->r, m->rule)->id, m->start,
                 m->end, m->decoded ? "~" : "");
    return 0;
}

static void test_rules__scan_lines(void **state)
{
    (void)state;
    struct sil_buf text;
    sil_buf_init(&text, 0);
    static const char *const lines[] = {
        "plain words only",
        "mail john.doe@gmail.com\r",
        "",
        "\r",
        "Anna Svensson born 1985-03-12",
        "card 4111 1111 1111 1111 and 81.2.69.160",
        "am9obi5kb2VAZ21haWwuY29t",
    };
    /* Enough lines for several chunks, one line longer than a chunk, and a last line with no
     * newline. */
    for (int rep = 0; rep < 400; rep++)
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
            sil_buf_addf(&text, "%s\n", lines[i]);
    for (int k = 0; k < 3000; k++)
        sil_buf_addf(&text, "word %d ", k);
    sil_buf_adds(&text, "anna@gmail.com\ntail 212-736-5000");
    struct sil_rscan *sc = sil_rscan_new(shipped);
    struct linefound f = {shipped, {0}};
    sil_buf_init(&f.b, 0);
    /* The reference: sil_rscan_text on each line on its own. */
    size_t line = 1, expect = 0;
    struct sil_rscan *one = sil_rscan_new(shipped);
    for (const char *p = text.data, *end = text.data + text.len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n && p[n - 1] == '\r')
            n--;
        expect += sil_rscan_text(one, p, n, 0, NULL, NULL);
        p = nl ? nl + 1 : end;
    }
    sil_rscan_free(one);
    size_t lines_after = 1;
    size_t got = sil_rscan_lines(sc, text.data, text.len, &lines_after, 0, line_cb, &f);
    assert_int_equal(got, expect);
    assert_int_equal(lines_after, line);
    assert_non_null(strstr(f.b.data, "2:email@5-23\n"));
    assert_non_null(
        strstr(f.b.data,
               "5:person-name@0-13\n5:birth-date-labelled@14-29\n5:birth-date-near-name@19-29\n"));
    assert_non_null(strstr(f.b.data, "6:payment-card@5-24\n6:ipv4@29-40\n"));
    assert_non_null(strstr(f.b.data, "7:email@0-24~\n"));
    assert_null(strstr(f.b.data, "\n1:"));
    char tail[64];
    snprintf(tail, sizeof tail, "%zu:phone-us@5-17\n", line - 1);
    assert_non_null(strstr(f.b.data, tail));
    snprintf(tail, sizeof tail, "%zu:email@", line - 2); /* the long line's last word */
    assert_non_null(strstr(f.b.data, tail));
    sil_buf_release(&f.b);
    sil_rscan_free(sc);
    sil_buf_release(&text);
}

static int stop_first(void *ctx, const struct sil_match *m)
{
    (void)m;
    ++*(int *)ctx;
    return 1;
}

static void test_rules__scan_stops(void **state)
{
    (void)state;
    struct sil_rscan *sc = sil_rscan_new(shipped);
    int calls = 0;
    const char *text = "a@gmail.com\nb@gmail.com\nc@gmail.com\n";
    size_t line = 1;
    assert_int_equal(sil_rscan_lines(sc, text, strlen(text), &line, 0, stop_first, &calls), 1);
    assert_int_equal(calls, 1);
    calls = 0;
    assert_int_equal(sil_rscan_text(sc, "a@gmail.com b@gmail.com", 23, 0, stop_first, &calls), 1);
    assert_int_equal(calls, 1);
    sil_rscan_free(sc);
}

/* Byte classes: every classifier this machine runs agrees with the table. */
static void check_classifier(const char *name, classify_fn fn, const unsigned char *blocks,
                             size_t nb)
{
    for (size_t k = 0; k < nb; k++) {
        struct cls t, v;
        classify_table(shipped, blocks + 64 * k, 1, &t);
        fn(shipped, blocks + 64 * k, 1, &v);
        uint64_t high = 0;
        for (unsigned j = 0; j < 64; j++)
            high |= (uint64_t)(blocks[64 * k + j] >= 0x80) << j;
#define SAME(f)                                                                                    \
    if (t.f != v.f)                                                                                \
    fail_msg("%s: block %zu: mask " #f " %016llx, table %016llx", name, k,                         \
             (unsigned long long)v.f, (unsigned long long)t.f)
        SAME(alpha);
        SAME(digit);
        SAME(join);
        SAME(b64);
        SAME(upper);
        SAME(lower);
        SAME(hex);
        SAME(sep);
        SAME(dot);
        SAME(stop);
        SAME(pword);
        SAME(colon);
        SAME(nl);
#undef SAME
        /*
         * Attention bytes: the same, or more among bytes >= 0x80. Start bytes: at least the
         * table's (a SIMD classifier may mark every byte when a set is too large to test).
         */
        if ((t.attn & ~v.attn) || ((v.attn & ~t.attn) & ~high))
            fail_msg("%s: block %zu: attention mask %016llx, table %016llx", name, k,
                     (unsigned long long)v.attn, (unsigned long long)t.attn);
        if ((t.lead & ~v.lead) || (t.lead2 & ~v.lead2))
            fail_msg("%s: block %zu: start bytes missing", name, k);
    }
}

static void test_rules__classifiers_agree(void **state)
{
    (void)state;
    enum { NB = 64 };
    static unsigned char blocks[64 * NB];
    /* Every byte value, then random text biased to the interesting bytes. */
    for (int i = 0; i < 256; i++)
        blocks[i] = (unsigned char)i;
    const char *alphabet = "aZ09@:%\\.-'+/_=()\" \t\n\r,;{}<>|\xc3\xa4\x80\xff";
    uint64_t x = 42;
    for (size_t i = 256; i < sizeof blocks; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        blocks[i] = (x >> 60) < 10 ? (unsigned char)alphabet[(x >> 33) % strlen(alphabet)]
                                   : (unsigned char)(x >> 40);
    }
    check_classifier("table", classify_table, blocks, NB);
#if defined(__SSE2__)
    check_classifier("sse2", classify_sse2, blocks, NB);
#endif
#if defined(HAVE_X86_DISPATCH)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        check_classifier("avx2", classify_avx2, blocks, NB);
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f"))
        check_classifier("avx512", classify_avx512, blocks, NB);
#endif
}

/* Runs of the word mask, collected a block at a time, against a byte-at-a-time walk. */
static void test_rules__collect_runs(void **state)
{
    (void)state;
    struct sil_buf t;
    sil_buf_init(&t, 0);
    uint64_t x = 7;
    /* Far more words than one call collects, and words across every block boundary. */
    for (int i = 0; i < 4000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int len = 1 + (int)((x >> 40) % 70);
        for (int j = 0; j < len; j++)
            sil_buf_addc(&t, j % 17 == 5 ? '-' : (char)('a' + (x >> (j % 50)) % 26));
        sil_buf_addc(&t, (x >> 20) % 3 ? ' ' : '1');
    }
    size_t n = t.len;
    size_t nb = n / 64 + 2;
    struct blk *b = sil_xcalloc(nb, sizeof *b);
    classify_range(shipped, t.data, n, 0, b);
    struct cursor cu = {t.data, n, 0, b};
    size_t st[RUNS_MAX + 64], en[RUNS_MAX + 64], runs = 0, calls = 0;
    size_t i = 0; /* the byte-at-a-time reference */
    for (size_t from = 0; from < n; calls++) {
        size_t got = collect_runs(&cu, M_WORD, from, st, en, &from);
        for (size_t k = 0; k < got; k++, runs++) {
            while (i < n && !(shipped->ctab[(unsigned char)t.data[i]] & C_ALPHA))
                i++;
            size_t ws = i;
            while (i < n && ((shipped->ctab[(unsigned char)t.data[i]] & C_ALPHA) ||
                             ((t.data[i] == '-' || t.data[i] == '\'') && i + 1 < n &&
                              (shipped->ctab[(unsigned char)t.data[i + 1]] & C_ALPHA))))
                i++;
            if (st[k] != ws || en[k] != i)
                fail_msg("run %zu: [%zu, %zu), want [%zu, %zu)", runs, st[k], en[k], ws, i);
        }
    }
    assert_true(calls > 5);       /* it did have to resume */
    assert_int_equal(runs, 4000); /* one word per group: a '-' joins only before a letter */
    free(b);
    sil_buf_release(&t);
}

static void test_rules__runs_of(void **state)
{
    (void)state;
    uint64_t x = 0x00ff00000000f0f7ull, y = 0x7;
    for (int len = 1; len <= 8; len++) {
        uint64_t want = 0;
        for (int j = 0; j < 64; j++) {
            int all = 1;
            for (int k = 0; k < len; k++) {
                int pos = j + k;
                all &= pos < 64 ? (int)(x >> pos & 1) : (int)(y >> (pos - 64) & 1);
            }
            want |= (uint64_t)all << j;
        }
        if (runs_of(x, y, len) != want)
            fail_msg("runs_of len %d: %016llx, want %016llx", len,
                     (unsigned long long)runs_of(x, y, len), (unsigned long long)want);
    }
}

static void test_rules__profile(void **state)
{
    (void)state;
    struct sil_rscan *sc = sil_rscan_new(shipped);
    struct sil_pii_profile p;
    sil_pii_profile_init(&p);
    static const char *const emails[] = {"anna@gmail.com", "bo@test.test", " c@d.org ", "n/a"};
    for (size_t i = 0; i < 4; i++)
        sil_rscan_profile(sc, emails[i], strlen(emails[i]), &p);
    assert_int_equal(p.values, 4);
    assert_int_equal(p.whole[SIL_CLASS_PERSONAL_EMAIL], 3); /* fictional ones count too */
    assert_int_equal(sil_pii_profile_class(&p, 0.7), SIL_CLASS_PERSONAL_EMAIL);
    assert_int_equal(sil_pii_profile_class(&p, 0.9), SIL_CLASS_PUBLIC);
    sil_pii_profile_init(&p);
    static const char *const notes[] = {"call Anna Svensson today", "see anna@gmail.com", "ok"};
    for (size_t i = 0; i < 3; i++)
        sil_rscan_profile(sc, notes[i], strlen(notes[i]), &p);
    assert_int_equal(sil_pii_profile_class(&p, 0.6), SIL_CLASS_PERSONAL_FREE_TEXT);
    sil_pii_profile_init(&p);
    assert_int_equal(sil_pii_profile_class(&p, 0.5), SIL_CLASS_PUBLIC);
    sil_rscan_free(sc);
}

static void test_rules__dictionary(void **state)
{
    (void)state;
    struct sil_pii_dict *d = sil_pii_dict_new();
    sil_pii_dict_add(d, "Åsa", strlen("Åsa"), 1);
    sil_pii_dict_add(d, "o'neil", 6, 2);
    sil_pii_dict_add(d, "Maximilian-Alexander", 20, 4); /* over 16 bytes: the slow path */
    sil_pii_dict_add_suffix(d, "gatan", 5, 8);
    sil_pii_dict_add_suffix(d, "straße", strlen("straße"), 16);
    assert_int_equal(sil_pii_dict_size(d), 3);
    assert_int_equal(sil_pii_dict_get(d, "ÅSA", strlen("ÅSA")), 1);
    assert_int_equal(sil_pii_dict_get(d, "åsa", strlen("åsa")), 1);
    assert_int_equal(sil_pii_dict_get(d, "O'Neil", 6), 2);
    assert_int_equal(sil_pii_dict_get(d, "oneil", 5), 0);
    assert_int_equal(sil_pii_dict_suffix(d, "Storgatan", 9), 8);
    assert_int_equal(sil_pii_dict_suffix(d, "gatan", 5), 0); /* longer than the suffix only */
    assert_int_equal(sil_pii_dict_suffix(d, "Hauptstraße", strlen("Hauptstraße")), 16);
    struct sil_pii_dict_filter f;
    sil_pii_dict_get_filter(d, &f);
    /* The filter never turns away a word in the dictionary; sil_pii_dict_word is get | suffix. */
    static const struct {
        const char *w;
        uint64_t bits;
    } c[] = {{"O'NEIL", 2}, {"MAXIMILIAN-ALEXANDER", 4}, {"STORGATAN", 8},
             {"ÅSA", 1},    {"hauptstraße", 16},         {"nobody", 0}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char buf[64] = {0};
        size_t n = strlen(c[i].w);
        memcpy(buf, c[i].w, n);
        if (c[i].bits)
            assert_true(sil_pii_dict_maybe(&f, buf, n, sizeof buf));
        assert_int_equal(sil_pii_dict_word(d, buf, n, sizeof buf), c[i].bits);
        assert_int_equal(sil_pii_dict_word(d, buf, n, n), c[i].bits); /* at the text's end */
    }
    char folded[8];
    assert_int_equal(sil_pii_fold("ÄbC", strlen("ÄbC"), folded), 4);
    assert_memory_equal(folded, "äbc", 4);
    sil_pii_dict_free(d);
    sil_pii_dict_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__load_shipped),
        cmocka_unit_test(test_rules__user_overlay),
        cmocka_unit_test(test_rules__bad_policies),
        cmocka_unit_test(test_rules__masking),
        cmocka_unit_test(test_rules__scan_positions),
        cmocka_unit_test(test_rules__scan_lines),
        cmocka_unit_test(test_rules__scan_stops),
        cmocka_unit_test(test_rules__classifiers_agree),
        cmocka_unit_test(test_rules__collect_runs),
        cmocka_unit_test(test_rules__runs_of),
        cmocka_unit_test(test_rules__profile),
        cmocka_unit_test(test_rules__dictionary),
    };
    return cmocka_run_group_tests_name("rules", tests, setup, teardown);
}
