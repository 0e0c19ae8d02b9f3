/* PII validators: Luhn, cards, IBAN, SSN, personnummer, dates, reserved ranges, masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pii_check.h"
#include "pii_decode.h"
#include "sil.h"

struct vcase {
    const char *text;
    enum sil_pii_verdict want;
};

static void check_cases(enum sil_pii_validator v, const char *country, const struct vcase *c,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        enum sil_pii_verdict got = sil_pii_validate(v, c[i].text, strlen(c[i].text), country);
        if (got != c[i].want)
            fail_msg("%s(%s) of \"%s\": got %d, want %d", sil_pii_validator_name(v),
                     country ? country : "-", c[i].text, (int)got, (int)c[i].want);
    }
}

#define CHECK(v, country, cases) check_cases(v, country, cases, sizeof cases / sizeof cases[0])

static void test_pii_check__luhn(void **state)
{
    (void)state;
    static const struct {
        const char *digits;
        int ok;
    } c[] = {
        {"79927398713", 1},
        {"79927398710", 0},
        {"4111111111111111", 1},
        {"4111111111111112", 0},
        {"0000000000000000", 1},
        {"18", 1},
        {"19", 0},
        {"12a4", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (sil_pii_luhn_ok(c[i].digits, strlen(c[i].digits)) != c[i].ok)
            fail_msg("luhn(\"%s\") should be %d", c[i].digits, c[i].ok);
    /* The luhn validator wants 12 to 19 digits and ignores separators. */
    static const struct vcase v[] = {
        {"1234 5678 9015", SIL_PII_VALID}, /* 12 digits */
        {"79927398713", SIL_PII_INVALID},  /* 11 digits: too short */
        {"4111-1111-1111-1111", SIL_PII_VALID},
        {"41111111111111111111", SIL_PII_INVALID}, /* 20 digits */
    };
    assert_true(sil_pii_luhn_ok("123456789015", 12));
    CHECK(SIL_V_LUHN, NULL, v);
}

static void test_pii_check__card_brands(void **state)
{
    (void)state;
    static const struct vcase c[] = {
        {"4111 1111 1111 1111", SIL_PII_VALID},    /* Visa */
        {"4222222222222", SIL_PII_VALID},          /* Visa, 13 digits */
        {"5555 5555 5555 4444", SIL_PII_VALID},    /* Mastercard */
        {"2223 0000 4841 0010", SIL_PII_VALID},    /* Mastercard 2-series */
        {"3782 822463 10005", SIL_PII_VALID},      /* American Express, 15 */
        {"6011 1111 1111 1117", SIL_PII_VALID},    /* Discover */
        {"3056 9309 0259 04", SIL_PII_VALID},      /* Diners Club, 14 */
        {"3530 1113 3330 0000", SIL_PII_VALID},    /* JCB */
        {"6200 0000 0000 0005", SIL_PII_VALID},    /* UnionPay */
        {"4111 1111 1111 1112", SIL_PII_INVALID},  /* check digit wrong */
        {"0000 0000 0000 0000", SIL_PII_INVALID},  /* Luhn passes, one digit repeated */
        {"4444444444444448", SIL_PII_VALID},       /* not all the same digit */
        {"411111111111", SIL_PII_INVALID},         /* 12 digits */
        {"41111111111111111113", SIL_PII_INVALID}, /* 20 digits */
    };
    CHECK(SIL_V_CARD, NULL, c);
}

static void test_pii_check__iban(void **state)
{
    (void)state;
    static const struct vcase c[] = {
        {"DE89 3704 0044 0532 0130 00", SIL_PII_VALID},
        {"DE89370400440532013000", SIL_PII_VALID},
        {"de89 3704 0044 0532 0130 00", SIL_PII_VALID}, /* case does not matter */
        {"GB82 WEST 1234 5698 7654 32", SIL_PII_VALID},
        {"FR14 2004 1010 0505 0001 3M02 606", SIL_PII_VALID},
        {"SE45 5000 0000 0583 9825 7466", SIL_PII_VALID},
        {"NO93 8601 1117 947", SIL_PII_VALID},                     /* the shortest, 15 */
        {"MT84 MALT 0110 0001 2345 MTLC AST0 01S", SIL_PII_VALID}, /* 31 */
        {"CH93 0076 2011 6238 5295 7", SIL_PII_VALID},
        {"DE88 3704 0044 0532 0130 00", SIL_PII_INVALID},  /* mod 97 fails */
        {"DE89 3704 0044 0532 0130 0", SIL_PII_INVALID},   /* 21: one short for DE */
        {"DE89 3704 0044 0532 0130 000", SIL_PII_INVALID}, /* 23: one too many */
        {"NO93 8601 1117 9470", SIL_PII_INVALID},          /* 16 for NO */
        {"XX89 3704 0044 0532 0130 00", SIL_PII_INVALID},  /* no such country */
        {"GB82-WEST-1234-5698-7654-32", SIL_PII_VALID},    /* dashes between groups */
        {"GB82 WEST 1234 5698 7654 3!", SIL_PII_INVALID},
    };
    CHECK(SIL_V_IBAN, NULL, c);
    assert_int_equal(sil_pii_iban_length("DE"), 22);
    assert_int_equal(sil_pii_iban_length("NO"), 15);
    assert_int_equal(sil_pii_iban_length("MT"), 31);
    assert_int_equal(sil_pii_iban_length("ZZ"), 0);
    /* The span holds exactly the country's length of characters, separators included. */
    const char *s = "DE89 3704 0044 0532 0130 00 12";
    assert_int_equal(sil_pii_iban_span(s, strlen(s)), 27);
    assert_int_equal(sil_pii_iban_span("DE89 3704", 9), 0);
    assert_int_equal(sil_pii_iban_span("QQ89370400440532013000", 22), 0);
}

static void test_pii_check__ssn(void **state)
{
    (void)state;
    static const struct vcase c[] = {
        {"536-22-8726", SIL_PII_VALID},
        {"536 22 8726", SIL_PII_VALID},
        {"536228726", SIL_PII_VALID},
        {"000-22-8726", SIL_PII_FICTIONAL}, /* area 000 never issued */
        {"666-22-8726", SIL_PII_FICTIONAL}, /* area 666 */
        {"900-22-8726", SIL_PII_FICTIONAL}, /* areas 900-999 */
        {"999-99-9999", SIL_PII_FICTIONAL},
        {"536-00-8726", SIL_PII_FICTIONAL}, /* group 00 */
        {"536-22-0000", SIL_PII_FICTIONAL}, /* serial 0000 */
        {"078-05-1120", SIL_PII_FICTIONAL}, /* the Woolworth wallet card */
        {"219-09-9999", SIL_PII_FICTIONAL}, /* printed in an advertisement */
        {"123-45-6789", SIL_PII_FICTIONAL}, /* the placeholder */
        {"899-22-8726", SIL_PII_VALID},     /* below 900 */
        {"536-22-872", SIL_PII_INVALID},    /* eight digits */
        {"536-22-87261", SIL_PII_INVALID},  /* ten */
    };
    CHECK(SIL_V_SSN, NULL, c);
}

static void test_pii_check__personnummer(void **state)
{
    (void)state;
    static const struct vcase pnr[] = {
        {"811218-9876", SIL_PII_VALID},     {"8112189876", SIL_PII_VALID},
        {"19811218-9876", SIL_PII_VALID},   {"198112189876", SIL_PII_VALID},
        {"811218+9876", SIL_PII_VALID}, /* '+': born a hundred years or more ago */
        {"121212-1212", SIL_PII_VALID},     {"850709-9805", SIL_PII_VALID},
        {"000229-1235", SIL_PII_VALID},     /* 29 February 2000 */
        {"010229-1234", SIL_PII_INVALID},   /* no 29 February in 1901 or 2001 */
        {"811218-9875", SIL_PII_INVALID},   /* Luhn digit wrong */
        {"811318-9876", SIL_PII_INVALID},   /* month 13 */
        {"811200-9876", SIL_PII_INVALID},   /* day 0 */
        {"21811218-9876", SIL_PII_INVALID}, /* century 21 */
        {"17811218-9876", SIL_PII_INVALID}, /* century 17 */
        {"701063-2391", SIL_PII_INVALID},   /* a samordningsnummer, not a personnummer */
        {"81121898", SIL_PII_INVALID},      /* eight digits */
    };
    CHECK(SIL_V_PERSONNUMMER, NULL, pnr);
    static const struct vcase samordning[] = {
        {"701063-2391", SIL_PII_VALID},                                     /* day 3 + 60 */
        {"197010632391", SIL_PII_VALID},  {"701063-2390", SIL_PII_INVALID}, /* Luhn digit wrong */
        {"811218-9876", SIL_PII_INVALID}, /* an ordinary personnummer */
        {"701092-1234", SIL_PII_INVALID}, /* day 32 */
    };
    CHECK(SIL_V_SAMORDNING, NULL, samordning);
}

static void test_pii_check__dates(void **state)
{
    (void)state;
    static const struct {
        int y, m, d, ok;
    } dates[] = {
        {2024, 2, 29, 1},  {2023, 2, 29, 0}, {1900, 2, 29, 0}, {2000, 2, 29, 1}, {2024, 4, 31, 0},
        {2024, 12, 31, 1}, {2024, 0, 1, 0},  {2024, 13, 1, 0}, {2024, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
        if (sil_pii_date_ok(dates[i].y, dates[i].m, dates[i].d) != dates[i].ok)
            fail_msg("date_ok(%d-%d-%d) should be %d", dates[i].y, dates[i].m, dates[i].d,
                     dates[i].ok);
    static const struct {
        const char *text;
        int found;
        size_t start, end;
    } finds[] = {
        {"born 1985-03-12, Stockholm", 1, 5, 15},
        {"dob 19850312", 1, 4, 12},
        {"12.03.1985", 1, 0, 10},
        {"on 3/12/85 then", 1, 3, 10},
        {"12 March 1985", 1, 0, 13},
        {"12. März 1985", 1, 0, 14}, /* "ä" is two bytes */
        {"le 5 déc. 1990", 1, 3, 15},
        {"2024-13-40", 0, 0, 0}, /* no month 13 */
        {"1850-01-01", 0, 0, 0}, /* years 1900 to 2100 only */
        {"order 123456", 0, 0, 0},
        {"31/02/2020", 0, 0, 0}, /* neither D/M nor M/D is a date */
    };
    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        size_t s = 99, e = 99;
        int got = sil_pii_find_date(finds[i].text, strlen(finds[i].text), &s, &e);
        if (got != finds[i].found || (got && (s != finds[i].start || e != finds[i].end)))
            fail_msg("find_date(\"%s\") = %d [%zu,%zu), want %d [%zu,%zu)", finds[i].text, got, s,
                     e, finds[i].found, finds[i].start, finds[i].end);
    }
    static const struct vcase v[] = {
        {"DOB: 1985-03-12", SIL_PII_VALID},
        {"DOB: 1985-02-30", SIL_PII_INVALID},
    };
    CHECK(SIL_V_DATE, NULL, v);
}

static void test_pii_check__fictional_ranges(void **state)
{
    (void)state;
    static const struct vcase email[] = {
        {"john.doe@gmail.com", SIL_PII_VALID},
        {"anna@example.com", SIL_PII_FICTIONAL},
        {"anna@mail.example.org", SIL_PII_FICTIONAL},
        {"anna@EXAMPLE.NET", SIL_PII_FICTIONAL},
        {"x@shop.test", SIL_PII_FICTIONAL},
        {"x@host.invalid", SIL_PII_FICTIONAL},
        {"x@anything.example", SIL_PII_FICTIONAL},
        {"x@localhost", SIL_PII_FICTIONAL},
        {"x@example.com.evil.com", SIL_PII_VALID}, /* the reserved name must be the end */
        {"x@notexample.com", SIL_PII_VALID},
        {"x@nodot", SIL_PII_INVALID},
        {"@gmail.com", SIL_PII_INVALID},
    };
    CHECK(SIL_V_EMAIL, NULL, email);
    static const struct vcase us[] = {
        {"(212) 555-0123", SIL_PII_FICTIONAL}, /* 555-0100 to 555-0199 */
        {"212-555-0199", SIL_PII_FICTIONAL},   {"212-555-0200", SIL_PII_VALID},
        {"212-736-5000", SIL_PII_VALID},       {"1-212-736-5000", SIL_PII_VALID},
        {"736-5000", SIL_PII_INVALID}, /* seven digits */
    };
    CHECK(SIL_V_PHONE, "US", us);
    static const struct vcase gb[] = {
        {"020 7946 0123", SIL_PII_FICTIONAL}, /* Ofcom drama range, London */
        {"0161 496 0123", SIL_PII_FICTIONAL}, /* Manchester */
        {"07700 900123", SIL_PII_FICTIONAL},  /* mobile */
        {"020 7123 4567", SIL_PII_VALID},     {"07911 123456", SIL_PII_VALID},
        {"20 7123 4567", SIL_PII_INVALID}, /* no trunk 0 */
    };
    CHECK(SIL_V_PHONE, "GB", gb);
    static const struct vcase se[] = {
        {"070-174 06 05", SIL_PII_FICTIONAL}, /* PTS: 070-1740605 to 070-1740699 */
        {"070-174 06 99", SIL_PII_FICTIONAL}, {"070-174 06 04", SIL_PII_VALID},
        {"031-390 06 00", SIL_PII_FICTIONAL}, {"08-465 004 00", SIL_PII_FICTIONAL},
        {"070-123 45 67", SIL_PII_VALID},
    };
    CHECK(SIL_V_PHONE, "SE", se);
    static const struct vcase fr[] = {
        {"01 99 00 12 34", SIL_PII_FICTIONAL}, /* ARCEP fiction ranges */
        {"06 39 98 12 34", SIL_PII_FICTIONAL},
        {"01 42 68 53 00", SIL_PII_VALID},
        {"01 42 68 53", SIL_PII_INVALID},
    };
    CHECK(SIL_V_PHONE, "FR", fr);
    static const struct vcase de[] = {
        {"030 12345678", SIL_PII_VALID}, /* no German range is known to be unassigned */
        {"0171 1234567", SIL_PII_VALID},
        {"30 12345678", SIL_PII_INVALID},
    };
    CHECK(SIL_V_PHONE, "DE", de);
    static const struct vcase intl[] = {
        {"+44 20 7946 0123", SIL_PII_FICTIONAL},
        {"+1 212 555 0123", SIL_PII_FICTIONAL},
        {"0046 70 174 06 50", SIL_PII_FICTIONAL},
        {"+33 1 99 00 12 34", SIL_PII_FICTIONAL},
        {"+49 30 1234567", SIL_PII_VALID},
        {"+46 70 123 45 67", SIL_PII_VALID},
        {"+81 3 1234 5678", SIL_PII_VALID}, /* other countries: no fictional ranges known */
        {"+44 1234", SIL_PII_INVALID},
    };
    CHECK(SIL_V_PHONE, NULL, intl);
    static const struct vcase v4[] = {
        {"81.2.69.160", SIL_PII_VALID},     {"10.1.2.3", SIL_PII_VALID},
        {"127.0.0.1", SIL_PII_FICTIONAL},   {"0.0.0.0", SIL_PII_FICTIONAL},
        {"192.0.2.1", SIL_PII_FICTIONAL},   {"198.51.100.7", SIL_PII_FICTIONAL},
        {"203.0.113.9", SIL_PII_FICTIONAL}, {"198.19.255.1", SIL_PII_FICTIONAL},
        {"224.0.0.1", SIL_PII_FICTIONAL},   {"255.255.255.255", SIL_PII_FICTIONAL},
        {"256.1.1.1", SIL_PII_INVALID},     {"01.2.3.4", SIL_PII_INVALID},
        {"1.2.3", SIL_PII_INVALID},
    };
    CHECK(SIL_V_IPV4, NULL, v4);
    static const struct vcase v6[] = {
        {"2a00:1450:4009:81f::200e", SIL_PII_VALID},
        {"2001:db8::1", SIL_PII_FICTIONAL},
        {"::1", SIL_PII_FICTIONAL},
        {"::", SIL_PII_FICTIONAL},
        {"ff02::1", SIL_PII_FICTIONAL},
        {"3fff:0fff::1", SIL_PII_FICTIONAL}, /* 3fff::/20 */
        {"3fff:1000::1", SIL_PII_VALID},
        {"gggg::1", SIL_PII_INVALID},
        {"1:2:3", SIL_PII_INVALID},
    };
    CHECK(SIL_V_IPV6, NULL, v6);
}

static void test_pii_check__validator_names(void **state)
{
    (void)state;
    enum sil_pii_validator v;
    for (int i = 0; i < SIL_V__COUNT; i++) {
        const char *name = sil_pii_validator_name((enum sil_pii_validator)i);
        assert_non_null(name);
        assert_int_equal(sil_pii_validator_parse(name, &v), 0);
        assert_int_equal(v, i);
    }
    assert_string_equal(sil_pii_validator_name(SIL_V_SAMORDNING), "samordningsnummer");
    assert_int_equal(sil_pii_validator_parse("lun", &v), -1);
    assert_null(sil_pii_validator_name(SIL_V__COUNT));
    assert_int_equal(sil_pii_validate(SIL_V_NONE, "anything", 8, NULL), SIL_PII_VALID);
}

static void test_pii_check__masking(void **state)
{
    (void)state;
    static const struct {
        enum sil_pii_mask_style style;
        const char *in, *want;
    } c[] = {
        {SIL_MASK_GENERIC, "1234567890", "12******90"},
        {SIL_MASK_GENERIC, "123-45-6789", "12*-**-**89"},
        {SIL_MASK_GENERIC, "abcdef", "a****f"}, /* under 8: one each end */
        {SIL_MASK_GENERIC, "abc", "***"},       /* under 4: nothing kept */
        {SIL_MASK_EMAIL, "john.doe@gmail.com", "j***@g***.com"},
        {SIL_MASK_EMAIL, "anna@mail.example.co.uk", "a***@m***.uk"},
        {SIL_MASK_EMAIL, "no-at-sign", "n*-**-****"}, /* separators are kept */
        {SIL_MASK_CARD, "4111 1111 1111 1111", "4111 **** **** 1111"},
        {SIL_MASK_CARD, "378282246310005", "3782 **** *** 0005"},
        {SIL_MASK_WORDS, "John Smith", "J*** S****"},
        {SIL_MASK_WORDS, "12 Main Street", "1* M*** S*****"},
        {SIL_MASK_WORDS, "Åsa Öberg", "*** *****"}, /* one star a character; kept ones ASCII */
        {SIL_MASK_HEAD, "1985-03-12", "19**-**-**"},
        {SIL_MASK_BLOB, "aGVsbG8gd29ybGQ=", "aGVs*** (16 bytes)"},
        {SIL_MASK_BLOB, "a\"b", "a*b*** (3 bytes)"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char out[128];
        sil_pii_mask(c[i].style, c[i].in, strlen(c[i].in), out, sizeof out);
        if (strcmp(out, c[i].want) != 0)
            fail_msg("mask %d of \"%s\": got \"%s\", want \"%s\"", (int)c[i].style, c[i].in, out,
                     c[i].want);
    }
    /* Always terminated, even when the buffer is too small; control bytes become blanks. */
    char small[6];
    sil_pii_mask(SIL_MASK_GENERIC, "1234567890", 10, small, sizeof small);
    assert_string_equal(small, "12***");
    char ctl[32];
    sil_pii_mask(SIL_MASK_WORDS, "Ann\nLee", 7, ctl, sizeof ctl);
    assert_string_equal(ctl, "A** L**");
}

static void test_pii_check__decoders(void **state)
{
    (void)state;
    unsigned char out[64];
    assert_int_equal(sil_pii_base64("aGVsbG8gd29ybGQ=", 16, out, sizeof out), 11);
    assert_memory_equal(out, "hello world", 11);
    assert_int_equal(sil_pii_base64("aGVsbG8gd29ybGQ", 15, out, sizeof out), 11); /* no padding */
    assert_int_equal(sil_pii_base64("aGk_LQ", 6, out, sizeof out), 4);            /* URL-safe */
    assert_memory_equal(out, "hi?-", 4);
    assert_int_equal(sil_pii_base64("aGVsbG8", 7, out, sizeof out), 5);
    assert_int_equal(sil_pii_base64("aGVsb", 5, out, sizeof out), -1);     /* 4k+1 */
    assert_int_equal(sil_pii_base64("aGV*bG8=", 8, out, sizeof out), -1);  /* not base64 */
    assert_int_equal(sil_pii_base64("aGVsbG8gd29ybGQ=", 16, out, 10), -1); /* too small */
    assert_int_equal(sil_pii_unhex("6a6f686e", 8, out, sizeof out), 4);
    assert_memory_equal(out, "john", 4);
    assert_int_equal(sil_pii_unhex("6a6f686", 7, out, sizeof out), -1);
    assert_int_equal(sil_pii_unhex("6x", 2, out, sizeof out), -1);
    assert_true(sil_pii_is_text((const unsigned char *)"hello world", 11));
    assert_true(sil_pii_is_text((const unsigned char *)"h\xc3\xa9llo w\xc3\xb6rld", 13));
    assert_false(sil_pii_is_text((const unsigned char *)"a\0b", 3));
    assert_false(sil_pii_is_text((const unsigned char *)"\xdb\x4d\xb4\xfb\x4d\x37\xd3", 7));
    assert_false(sil_pii_is_text((const unsigned char *)"", 0));
    assert_true(sil_pii_has_escape("a%40b", 5));
    assert_true(sil_pii_has_escape("x\\u0041", 7));
    assert_false(sil_pii_has_escape("100%", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pii_check__luhn),
        cmocka_unit_test(test_pii_check__card_brands),
        cmocka_unit_test(test_pii_check__iban),
        cmocka_unit_test(test_pii_check__ssn),
        cmocka_unit_test(test_pii_check__personnummer),
        cmocka_unit_test(test_pii_check__dates),
        cmocka_unit_test(test_pii_check__fictional_ranges),
        cmocka_unit_test(test_pii_check__validator_names),
        cmocka_unit_test(test_pii_check__masking),
        cmocka_unit_test(test_pii_check__decoders),
    };
    return cmocka_run_group_tests_name("pii_check", tests, NULL, NULL);
}
