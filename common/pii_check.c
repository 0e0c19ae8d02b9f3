/* Validators, fictional ranges and masking for PII rule matches. */
#include "pii_check.h"

#include "sil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const validator_names[SIL_V__COUNT] = {
    "none", "luhn",  "card",  "iban", "ssn", "personnummer", "samordningsnummer",
    "date", "email", "phone", "ipv4", "ipv6"};

const char *sil_pii_validator_name(enum sil_pii_validator v)
{
    return (unsigned)v < SIL_V__COUNT ? validator_names[v] : NULL;
}

int sil_pii_validator_parse(const char *s, enum sil_pii_validator *out)
{
    for (int i = 0; i < SIL_V__COUNT; i++) {
        if (strcmp(s, validator_names[i]) == 0) {
            *out = (enum sil_pii_validator)i;
            return 0;
        }
    }
    return -1;
}

/* Copy the decimal digits of s into d (at most dn); returns how many there were. */
static size_t digits_of(const char *s, size_t n, char *d, size_t dn)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (k < dn)
                d[k] = s[i];
            k++;
        }
    }
    return k;
}

static int num(const char *d, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (d[i] - '0');
    return v;
}

int sil_pii_luhn_ok(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int x = d[n - 1 - i] - '0';
        if (x < 0 || x > 9)
            return 0;
        if (i % 2) {
            x *= 2;
            if (x > 9)
                x -= 9;
        }
        sum += x;
    }
    return n > 0 && sum % 10 == 0;
}

static int all_same(const char *d, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (d[i] != d[0])
            return 0;
    return 1;
}

/* IBAN lengths by country: the SWIFT IBAN registry. */
static const struct {
    char cc[3];
    int len;
} iban_lengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
    {"YE", 30},
};

int sil_pii_iban_length(const char *cc)
{
    for (size_t i = 0; i < sizeof iban_lengths / sizeof iban_lengths[0]; i++)
        if (cc[0] == iban_lengths[i].cc[0] && cc[1] == iban_lengths[i].cc[1])
            return iban_lengths[i].len;
    return 0;
}

int sil_pii_iban_ok(const char *s, size_t n)
{
    char c[40];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '-')
            continue;
        if (!isalnum(ch) || k >= sizeof c)
            return 0;
        c[k++] = (char)toupper(ch);
    }
    if (k < 15 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]) ||
        !isdigit((unsigned char)c[2]) || !isdigit((unsigned char)c[3]))
        return 0;
    int want = sil_pii_iban_length(c);
    if (want == 0 || (size_t)want != k)
        return 0;
    /* Move the first four to the end, letters as 10..35, then mod 97 piecewise. */
    unsigned rem = 0;
    for (size_t j = 0; j < k; j++) {
        char ch = c[(j + 4) % k];
        if (ch >= '0' && ch <= '9')
            rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
    }
    return rem == 1;
}

size_t sil_pii_iban_span(const char *s, size_t n)
{
    if (n < 4)
        return 0;
    char cc[2] = {(char)toupper((unsigned char)s[0]), (char)toupper((unsigned char)s[1])};
    int want = sil_pii_iban_length(cc), k = 0;
    if (!want)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (isalnum((unsigned char)s[i]) && ++k == want)
            return i + 1;
    }
    return 0;
}

int sil_pii_date_ok(int y, int m, int d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29)
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return 1;
}

enum sil_pii_verdict sil_pii_ssn(const char *s, size_t n)
{
    char d[16];
    if (digits_of(s, n, d, sizeof d) != 9)
        return SIL_PII_INVALID;
    int area = num(d, 3), group = num(d + 3, 2), serial = num(d + 5, 4);
    /* Never issued: area 000, 666, 900-999; group 00; serial 0000. Also the
     * numbers published in advertising and the well-known placeholder. */
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
        return SIL_PII_FICTIONAL;
    if (memcmp(d, "078051120", 9) == 0 || memcmp(d, "219099999", 9) == 0 ||
        memcmp(d, "123456789", 9) == 0)
        return SIL_PII_FICTIONAL;
    return SIL_PII_VALID;
}

enum sil_pii_verdict sil_pii_personnummer(const char *s, size_t n, int coordination)
{
    char d[16];
    size_t k = digits_of(s, n, d, sizeof d);
    if (k != 10 && k != 12)
        return SIL_PII_INVALID;
    const char *t = k == 12 ? d + 2 : d; /* the ten digits the check digit covers */
    int yy = num(t, 2), mm = num(t + 2, 2), dd = num(t + 4, 2);
    if ((dd > 60) != (coordination != 0))
        return SIL_PII_INVALID;
    if (dd > 60)
        dd -= 60; /* samordningsnummer: day of birth + 60 */
    if (k == 12) {
        int cc = num(d, 2);
        if (cc < 18 || cc > 20 || !sil_pii_date_ok(cc * 100 + yy, mm, dd))
            return SIL_PII_INVALID;
    } else if (!sil_pii_date_ok(1900 + yy, mm, dd) && !sil_pii_date_ok(2000 + yy, mm, dd)) {
        return SIL_PII_INVALID;
    }
    return sil_pii_luhn_ok(t, 10) ? SIL_PII_VALID : SIL_PII_INVALID;
}

static int month_of(const char *w, size_t n)
{
    static const char *const m[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                    "jul", "aug", "sep", "oct", "nov", "dec"};
    if (n < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(w, m[i], 3) == 0)
            return i + 1;
    /* German, French and Swedish spellings that differ in the first three letters. */
    static const struct {
        const char *p;
        int m;
    } alt[] = {{"mär", 3}, {"mai", 5}, {"okt", 10}, {"dez", 12}, {"fév", 2},  {"fev", 2},
               {"avr", 4}, {"jui", 7}, {"aoû", 8},  {"aou", 8},  {"déc", 12}, {"maj", 5}};
    for (size_t i = 0; i < sizeof alt / sizeof alt[0]; i++)
        if (n >= strlen(alt[i].p) && strncasecmp(w, alt[i].p, strlen(alt[i].p)) == 0)
            return alt[i].m;
    return 0;
}

/* Read up to `max` digits at s[*i]; returns the count read. */
static int read_num(const char *s, size_t n, size_t *i, int max, int *v)
{
    int k = 0;
    *v = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k;
}

static int year_ok(int y)
{
    return y >= 1900 && y <= 2100;
}

/* Try to read a date starting at s[i]; returns the offset just past it, or 0. */
static size_t date_at(const char *s, size_t n, size_t i)
{
    int a, b, c;
    size_t j = i;
    int ka = read_num(s, n, &j, 8, &a);
    if (ka == 8) /* YYYYMMDD */
        return year_ok(a / 10000) && sil_pii_date_ok(a / 10000, a / 100 % 100, a % 100) ? j : 0;
    if (ka < 1 || ka > 4 || j >= n)
        return 0;
    char sep = s[j];
    if (sep == ' ' || (sep == '.' && j + 1 < n && s[j + 1] == ' ')) {
        /* D Month YYYY, "12. März 1985" */
        while (j < n && (s[j] == ' ' || s[j] == '.'))
            j++;
        size_t w = j;
        while (j < n && (isalpha((unsigned char)s[j]) || (unsigned char)s[j] >= 0x80))
            j++;
        int m = month_of(s + w, j - w);
        while (j < n && (s[j] == ' ' || s[j] == '.' || s[j] == ','))
            j++;
        if (!m || ka > 2 || read_num(s, n, &j, 4, &c) != 4)
            return 0;
        return year_ok(c) && sil_pii_date_ok(c, m, a) ? j : 0;
    }
    if (sep != '-' && sep != '/' && sep != '.')
        return 0;
    j++;
    int kb = read_num(s, n, &j, 2, &b);
    if (kb < 1 || j >= n || s[j] != sep)
        return 0;
    j++;
    int kc = read_num(s, n, &j, 4, &c);
    if (ka == 4 && kc >= 1 && kc <= 2) /* YYYY-MM-DD */
        return year_ok(a) && sil_pii_date_ok(a, b, c) ? j : 0;
    if (ka <= 2 && (kc == 4 || kc == 2)) {
        int y = kc == 4 ? c : (c > 30 ? 1900 + c : 2000 + c);
        if (!year_ok(y))
            return 0;
        /* D/M/Y or M/D/Y */
        return sil_pii_date_ok(y, b, a) || sil_pii_date_ok(y, a, b) ? j : 0;
    }
    return 0;
}

int sil_pii_find_date(const char *s, size_t n, size_t *start, size_t *end)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9' && (i == 0 || !isdigit((unsigned char)s[i - 1]))) {
            size_t e = date_at(s, n, i);
            if (e && (e == n || !isdigit((unsigned char)s[e]))) {
                if (start)
                    *start = i;
                if (end)
                    *end = e;
                return 1;
            }
        }
    }
    return 0;
}

static int ends_with_ci(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

static int is_reserved_domain(const char *d, size_t n)
{
    static const char *const exact[] = {"example.com", "example.net", "example.org", "localhost",
                                        NULL};
    static const char *const tails[] = {".example.com", ".example.net", ".example.org", ".test",
                                        ".example",     ".invalid",     ".localhost",   NULL};
    for (int i = 0; exact[i]; i++)
        if (n == strlen(exact[i]) && strncasecmp(d, exact[i], n) == 0)
            return 1;
    for (int i = 0; tails[i]; i++)
        if (ends_with_ci(d, n, tails[i]))
            return 1;
    return 0;
}

enum sil_pii_verdict sil_pii_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || at == s + n - 1)
        return SIL_PII_INVALID;
    const char *dom = at + 1;
    size_t dn = (size_t)(s + n - dom);
    if (!memchr(dom, '.', dn) && !(dn == 9 && strncasecmp(dom, "localhost", 9) == 0))
        return SIL_PII_INVALID;
    return is_reserved_domain(dom, dn) ? SIL_PII_FICTIONAL : SIL_PII_VALID;
}

/* Does the national significant number d (no trunk 0) fall in a fictional range? */
static int fictional_nsn(const char *cc, const char *d, size_t k)
{
    if (strcmp(cc, "US") == 0) {
        /* NANP: NXX 555 with line numbers 0100-0199 are for fiction. */
        return k == 10 && memcmp(d + 3, "5550", 4) == 0 && d[7] == '1';
    }
    if (strcmp(cc, "GB") == 0) {
        /* Ofcom drama ranges. */
        static const char *const ranges[] = {
            "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960",
            "1314960", "1414960", "1514960", "1614960", "2079460", "1914980", "2896496",
            "2920180", "1632960", "7700900", "8081570", "9098790", "3069990", NULL};
        if (k != 10)
            return 0;
        for (int i = 0; ranges[i]; i++)
            if (memcmp(d, ranges[i], 7) == 0)
                return 1;
        return 0;
    }
    if (strcmp(cc, "SE") == 0) {
        /* PTS: numbers reserved for use in fiction. */
        if (k == 9 && memcmp(d, "701740", 6) == 0)
            return num(d + 6, 3) >= 605;
        if (k == 9 && memcmp(d, "313900", 6) == 0)
            return d[6] == '6';
        if (k == 9 && memcmp(d, "406280", 6) == 0)
            return d[6] == '4';
        if (k == 9 && memcmp(d, "846500", 6) == 0)
            return d[6] == '4';
        if (k == 9 && memcmp(d, "980319", 6) == 0)
            return d[6] == '2';
        return 0;
    }
    if (strcmp(cc, "FR") == 0) {
        /* ARCEP: numbers reserved for audiovisual fiction. */
        static const char *const ranges[] = {"19900", "26191", "35301", "46571",
                                             "53649", "63998", NULL};
        if (k != 9)
            return 0;
        for (int i = 0; ranges[i]; i++)
            if (memcmp(d, ranges[i], 5) == 0)
                return 1;
        return 0;
    }
    return 0;
}

enum sil_pii_verdict sil_pii_phone(const char *s, size_t n, const char *country)
{
    char d[24];
    size_t k = digits_of(s, n, d, sizeof d);
    if (k < 7 || k > 15)
        return SIL_PII_INVALID;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '(' || s[i] == '\t'))
        i++;
    const char *cc = country ? country : "";
    const char *nsn = d;
    size_t nk = k;
    int intl = (i < n && s[i] == '+') || (k > 2 && d[0] == '0' && d[1] == '0' && s[i] == '0');
    if (intl) {
        const char *p = d[0] == '0' ? d + 2 : d;
        size_t pk = d[0] == '0' ? k - 2 : k;
        static const struct {
            const char *code;
            const char *cc;
        } codes[] = {{"1", "US"}, {"44", "GB"}, {"46", "SE"}, {"33", "FR"}, {"49", "DE"}};
        cc = "";
        for (size_t j = 0; j < sizeof codes / sizeof codes[0]; j++) {
            size_t cl = strlen(codes[j].code);
            if (pk > cl && memcmp(p, codes[j].code, cl) == 0) {
                cc = codes[j].cc;
                nsn = p + cl;
                nk = pk - cl;
                break;
            }
        }
        /* "+44 (0)20 ..." writes the trunk 0 too. */
        if (nk > 0 && nsn[0] == '0' && strcmp(cc, "US") != 0) {
            nsn++;
            nk--;
        }
        if (!*cc)
            return SIL_PII_VALID; /* another country: no fictional ranges known */
        if (k < 8)
            return SIL_PII_INVALID;
    } else if (strcmp(cc, "US") == 0) {
        if (!(k == 10 || (k == 11 && d[0] == '1')))
            return SIL_PII_INVALID;
        if (k == 11 && d[0] == '1') {
            nsn = d + 1;
            nk = 10;
        }
    } else {
        static const struct {
            const char *cc;
            size_t lo, hi;
        } lens[] = {{"GB", 10, 11}, {"DE", 9, 12}, {"FR", 10, 10}, {"SE", 8, 10}};
        for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++)
            if (strcmp(cc, lens[j].cc) == 0 && (k < lens[j].lo || k > lens[j].hi || d[0] != '0'))
                return SIL_PII_INVALID;
        if (k > 0 && d[0] == '0') {
            nsn = d + 1; /* trunk prefix */
            nk = k - 1;
        }
    }
    return fictional_nsn(cc, nsn, nk) ? SIL_PII_FICTIONAL : SIL_PII_VALID;
}

enum sil_pii_verdict sil_pii_ipv4(const char *s, size_t n)
{
    int o[4], k = 0;
    size_t i = 0;
    while (k < 4) {
        int v;
        int nd = read_num(s, n, &i, 3, &v);
        if (nd == 0 || v > 255 || (nd > 1 && s[i - (size_t)nd] == '0'))
            return SIL_PII_INVALID;
        o[k++] = v;
        if (k < 4) {
            if (i >= n || s[i] != '.')
                return SIL_PII_INVALID;
            i++;
        }
    }
    if (i != n)
        return SIL_PII_INVALID;
    /* Unspecified, loopback, multicast, reserved, broadcast: not a person's. */
    if (o[0] == 0 || o[0] == 127 || o[0] >= 224)
        return SIL_PII_FICTIONAL;
    /* Documentation ranges (RFC 5737) and benchmarking (RFC 2544). */
    if ((o[0] == 192 && o[1] == 0 && o[2] == 2) || (o[0] == 198 && o[1] == 51 && o[2] == 100) ||
        (o[0] == 203 && o[1] == 0 && o[2] == 113) || (o[0] == 198 && (o[1] == 18 || o[1] == 19)))
        return SIL_PII_FICTIONAL;
    return SIL_PII_VALID;
}

enum sil_pii_verdict sil_pii_ipv6(const char *s, size_t n)
{
    char buf[64];
    unsigned char a[16];
    if (n == 0 || n >= sizeof buf)
        return SIL_PII_INVALID;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1)
        return SIL_PII_INVALID;
    static const unsigned char zero[16];
    /* :: and ::1 */
    if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
        return SIL_PII_FICTIONAL;
    /* 2001:db8::/32 documentation, 3fff::/20 documentation (RFC 9637), ff00::/8 multicast. */
    if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
        (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0) || a[0] == 0xff)
        return SIL_PII_FICTIONAL;
    return SIL_PII_VALID;
}

enum sil_pii_verdict sil_pii_validate(enum sil_pii_validator v, const char *s, size_t n,
                                      const char *country)
{
    char d[40];
    size_t k;
    switch (v) {
    case SIL_V_NONE:
        return SIL_PII_VALID;
    case SIL_V_LUHN:
        k = digits_of(s, n, d, sizeof d);
        return k >= 12 && k <= 19 && sil_pii_luhn_ok(d, k) ? SIL_PII_VALID : SIL_PII_INVALID;
    case SIL_V_CARD:
        k = digits_of(s, n, d, sizeof d);
        return k >= 13 && k <= 19 && !all_same(d, k) && sil_pii_luhn_ok(d, k) ? SIL_PII_VALID
                                                                              : SIL_PII_INVALID;
    case SIL_V_IBAN:
        return sil_pii_iban_ok(s, n) ? SIL_PII_VALID : SIL_PII_INVALID;
    case SIL_V_SSN:
        return sil_pii_ssn(s, n);
    case SIL_V_PERSONNUMMER:
        return sil_pii_personnummer(s, n, 0);
    case SIL_V_SAMORDNING:
        return sil_pii_personnummer(s, n, 1);
    case SIL_V_DATE:
        return sil_pii_find_date(s, n, NULL, NULL) ? SIL_PII_VALID : SIL_PII_INVALID;
    case SIL_V_EMAIL:
        return sil_pii_email(s, n);
    case SIL_V_PHONE:
        return sil_pii_phone(s, n, country);
    case SIL_V_IPV4:
        return sil_pii_ipv4(s, n);
    case SIL_V_IPV6:
        return sil_pii_ipv6(s, n);
    case SIL_V__COUNT:
        break;
    }
    return SIL_PII_INVALID;
}

/* ---- masking ---- */

struct mout {
    char *o;
    size_t n, k;
};

static void put(struct mout *m, char c)
{
    if (m->k + 1 < m->n)
        m->o[m->k++] = c;
}

static void puts_(struct mout *m, const char *s)
{
    while (*s)
        put(m, *s++);
}

static int alnum8(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Keep the first `head` and last `tail` alphanumerics, star the rest, keep separators. */
static void mask_keep(struct mout *m, const char *s, size_t n, size_t head, size_t tail)
{
    size_t total = 0, seen = 0;
    for (size_t i = 0; i < n; i++)
        total += alnum8((unsigned char)s[i]) && ((unsigned char)s[i] & 0xc0) != 0x80;
    if (total < 8)
        head = SIL_MIN(head, 1), tail = SIL_MIN(tail, 1);
    if (total < 4)
        head = tail = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!alnum8(c)) {
            put(m, c < 0x20 || c == 0x7f ? ' ' : (char)c);
            continue;
        }
        if ((c & 0xc0) == 0x80)
            continue; /* continuation byte: its character was already written */
        int keep = seen < head || seen >= total - tail;
        seen++;
        put(m, keep && c < 0x80 ? (char)c : '*');
    }
}

char *sil_pii_mask(enum sil_pii_mask_style style, const char *s, size_t n, char *out, size_t outsz)
{
    struct mout m = {out, outsz, 0};
    if (outsz == 0)
        return out;
    switch (style) {
    case SIL_MASK_EMAIL: {
        const char *at = memchr(s, '@', n);
        if (!at) {
            mask_keep(&m, s, n, 1, 0);
            break;
        }
        put(&m, (unsigned char)s[0] < 0x80 ? s[0] : '*');
        puts_(&m, "***@");
        const char *dom = at + 1;
        size_t dn = (size_t)(s + n - dom);
        if (dn > 0)
            put(&m, (unsigned char)dom[0] < 0x80 ? dom[0] : '*');
        puts_(&m, "***");
        const char *dot = NULL;
        for (size_t i = dn; i > 0; i--)
            if (dom[i - 1] == '.') {
                dot = dom + i - 1;
                break;
            }
        if (dot)
            for (const char *p = dot; p < s + n; p++)
                put(&m, (unsigned char)*p < 0x80 ? *p : '*');
        break;
    }
    case SIL_MASK_CARD: {
        char d[40];
        size_t k = digits_of(s, n, d, sizeof d);
        if (k < 10 || k > sizeof d) {
            mask_keep(&m, s, n, 0, 0);
            break;
        }
        for (size_t i = 0; i < 4; i++)
            put(&m, d[i]);
        size_t mid = k - 8;
        for (size_t i = 0; i < mid; i++) {
            if (i % 4 == 0)
                put(&m, ' ');
            put(&m, '*');
        }
        put(&m, ' ');
        for (size_t i = k - 4; i < k; i++)
            put(&m, d[i]);
        break;
    }
    case SIL_MASK_WORDS: {
        int start = 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (!alnum8(c)) {
                put(&m, c < 0x20 ? ' ' : (char)c);
                start = 1;
            } else if ((c & 0xc0) == 0x80) {
                continue;
            } else {
                put(&m, start && c < 0x80 ? (char)c : '*');
                start = 0;
            }
        }
        break;
    }
    case SIL_MASK_HEAD:
        mask_keep(&m, s, n, 2, 0);
        break;
    case SIL_MASK_BLOB: {
        size_t i;
        for (i = 0; i < n && i < 4; i++)
            put(&m, isalnum((unsigned char)s[i]) ? s[i] : '*');
        char tail[48];
        snprintf(tail, sizeof tail, "*** (%zu bytes)", n);
        puts_(&m, tail);
        break;
    }
    case SIL_MASK_GENERIC:
    default:
        mask_keep(&m, s, n, 2, 2);
        break;
    }
    m.o[m.k] = '\0';
    return out;
}
