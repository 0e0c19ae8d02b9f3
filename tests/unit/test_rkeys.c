/* Example keys in the report: composite keys as readable, escaped tuples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rkeys.c"

/* Canonical key bytes as report.c builds them: parts "I<8 bytes>" or "T<text>", 0x1f between. */
static size_t key(unsigned char *out, const char *spec)
{
    /* spec: parts separated by '|'; "#N" an integer, anything else text */
    size_t n = 0;
    const char *p = spec;
    for (;;) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (p[0] == '#') {
            int_bytes(strtoll(p + 1, NULL, 10), out + n);
            n += 9;
        } else {
            out[n++] = 'T';
            memcpy(out + n, p, len);
            n += len;
        }
        if (!e)
            return n;
        out[n++] = 0x1f;
        p = e + 1;
    }
}

static void test_rkeys__example_text(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *want;
    } v[] = {
        {"#42", "42"},
        {"#-7", "-7"},
        {"abc", "'abc'"},
        {"#31|#7", "(31, 7)"},
        /* 0x1f inside an integer's bytes is not a separator */
        {"#31|#-9223372036854775777", "(31, -9223372036854775777)"},
        {"#5|x-1", "(5, 'x-1')"},
        {"it's|#3", "('it\\'s', 3)"},
        {"a\\b\tc", "'a\\\\b\\x09c'"},
        {"Åsa|#1", "('Åsa', 1)"},
        {"bad\xff\xc3|#1", "('bad\\xff\\xc3', 1)"},
        {"\xc2\x85", "'\\xc2\\x85'"}, /* a C1 control is escaped, byte by byte */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        unsigned char b[256];
        char out[GEN_KEYS_EXAMPLE];
        size_t n = key(b, v[i].spec);
        example_text(b, n, out);
        if (strcmp(out, v[i].want) != 0)
            fail_msg("vector %zu: got \"%s\", want \"%s\"", i, out, v[i].want);
    }
    /* a long key is cut with "..." on a character boundary, within the buffer */
    unsigned char b[512];
    char spec[300];
    memset(spec, 0, sizeof spec);
    memcpy(spec, "#1|", 3);
    for (size_t i = 3; i + 2 < 200; i += 2)
        memcpy(spec + i, "é", 2);
    size_t n = key(b, spec);
    char out[GEN_KEYS_EXAMPLE];
    example_text(b, n, out);
    size_t len = strlen(out);
    assert_true(len < GEN_KEYS_EXAMPLE);
    assert_string_equal(out + len - 3, "...");
    assert_memory_equal(out, "(1, 'éé", 9);
    assert_true((unsigned char)out[len - 4] == 0xa9); /* the last whole 'é' */
    /* no key bytes at all */
    example_text(b, 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rkeys__example_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
