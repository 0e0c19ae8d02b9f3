/* Per-column conformity, formats, allowed values and distribution measures for the report. */
#include "rcol.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "rng.h"

#define gen_mix_ gen_mix

#define VM_CAP  65536
#define PIT_BIN 65536
#define CM_CAP  65536
#define MONDAY  (4 * 86400.0)
#define WEEK    604800.0

/* ---- small parsers ---- */

int rep_parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= n || n - i > 19)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* [+-]digits[.digits][e[+-]digits]; counts digits before and after the point. */
static int parse_decimal(const char *s, size_t n, int allow_exp, double *x, int *ip, int *fp)
{
    size_t i = 0;
    if (n && (s[0] == '-' || s[0] == '+'))
        i = 1;
    int a = 0, b = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        a++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
            b++;
        }
    }
    if (a + b == 0)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E') && allow_exp) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return -1;
    }
    if (i != n)
        return -1;
    /* strip leading zeros from the integer digit count */
    size_t z = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    while (a > 0 && s[z] == '0') {
        z++;
        a--;
    }
    char buf[128];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *x = strtod(buf, NULL);
    *ip = a;
    *fp = b;
    return 0;
}

static int digits(const char *s, int n, int *v)
{
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return 0;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_date10(const char *s, size_t n, int64_t *days)
{
    int y, m, d;
    if (n < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 || digits(s + 5, 2, &m) < 0 ||
        digits(s + 8, 2, &d) < 0)
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

/* HH:MM:SS[.frac] from s; returns characters used or -1. */
static int parse_clock(const char *s, size_t n, double *secs)
{
    int h, mi, se;
    if (n < 8 || s[2] != ':' || s[5] != ':' || digits(s, 2, &h) < 0 || digits(s + 3, 2, &mi) < 0 ||
        digits(s + 6, 2, &se) < 0 || h > 24 || mi > 59 || se > 60)
        return -1;
    size_t i = 8;
    double frac = 0, scale = 0.1;
    if (i < n && s[i] == '.') {
        i++;
        size_t st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == st)
            return -1;
    }
    *secs = h * 3600.0 + mi * 60.0 + se + frac;
    return (int)i;
}

/* [+-]HH[:MM[:SS]] or Z; offset seconds east. */
static int parse_zone(const char *s, size_t n, double *off)
{
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *off = 0;
        return 0;
    }
    if (n < 3 || (s[0] != '+' && s[0] != '-'))
        return -1;
    int h, m = 0, sec = 0;
    if (digits(s + 1, 2, &h) < 0)
        return -1;
    size_t i = 3;
    if (i < n) {
        if (s[i] == ':')
            i++;
        if (n - i < 2 || digits(s + i, 2, &m) < 0)
            return -1;
        i += 2;
        if (i < n) {
            if (s[i] == ':')
                i++;
            if (n - i != 2 || digits(s + i, 2, &sec) < 0)
                return -1;
            i += 2;
        }
    }
    if (i != n || h > 15 || m > 59)
        return -1;
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600.0 + m * 60.0 + sec);
    return 0;
}

static int parse_timestamp(const char *s, size_t n, int tz, double *epoch)
{
    int64_t days;
    if (parse_date10(s, n, &days) < 0 || n < 19 || (s[10] != ' ' && s[10] != 'T'))
        return -1;
    double secs;
    int used = parse_clock(s + 11, n - 11, &secs);
    if (used < 0)
        return -1;
    size_t i = 11 + (size_t)used;
    double off = 0;
    if (i < n) {
        if (parse_zone(s + i, n - i, &off) < 0)
            return -1;
    } else if (tz) {
        off = 0; /* no zone: read in the session's (the loader's UTC) */
    }
    *epoch = (double)days * 86400 + secs - off;
    return 0;
}

static int utf8_chars(const char *s, size_t n, size_t *chars)
{
    size_t c = 0;
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        /* ASCII eight bytes at a time */
        if ((size_t)(e - p) >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (!(w & UINT64_C(0x8080808080808080)) &&
                !((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080))) {
                p += 8;
                c += 8;
                continue;
            }
        }
        unsigned char b = *p;
        size_t k;
        if (b == 0)
            return -1;
        if (b < 0x80)
            k = 1;
        else if ((b & 0xe0) == 0xc0 && b >= 0xc2)
            k = 2;
        else if ((b & 0xf0) == 0xe0)
            k = 3;
        else if ((b & 0xf8) == 0xf0 && b <= 0xf4)
            k = 4;
        else
            return -1;
        if ((size_t)(e - p) < k)
            return -1;
        for (size_t j = 1; j < k; j++)
            if ((p[j] & 0xc0) != 0x80)
                return -1;
        p += k;
        c++;
    }
    *chars = c;
    return 0;
}

const char *rep_bool(const char *s, size_t n)
{
    if (n == 1 && (s[0] == 't' || s[0] == 'f'))
        return s[0] == 't' ? "t" : "f";
    char b[8];
    if (n == 0 || n > 5)
        return NULL;
    for (size_t i = 0; i < n; i++)
        b[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    b[n] = '\0';
    static const char *const t[] = {"t", "true", "y", "yes", "on", "1"};
    static const char *const f[] = {"f", "false", "n", "no", "off", "0"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(b, t[i]) == 0)
            return "t";
        if (strcmp(b, f[i]) == 0)
            return "f";
    }
    return NULL;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int uuid_ok(const char *s, size_t n)
{
    if (n == 36) {
        for (size_t i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (s[i] != '-')
                    return 0;
            } else if (!is_hex(s[i])) {
                return 0;
            }
        }
        return 1;
    }
    if (n == 32) {
        for (size_t i = 0; i < 32; i++)
            if (!is_hex(s[i]))
                return 0;
        return 1;
    }
    return 0;
}

static int inet_ok(const char *s, size_t n)
{
    char b[64];
    if (n == 0 || n >= sizeof b)
        return 0;
    memcpy(b, s, n);
    b[n] = '\0';
    char *slash = strchr(b, '/');
    int maxbits = 32;
    if (slash)
        *slash = '\0';
    unsigned char addr[16];
    if (inet_pton(AF_INET, b, addr) != 1) {
        if (inet_pton(AF_INET6, b, addr) != 1)
            return 0;
        maxbits = 128;
    }
    if (slash) {
        int64_t bits;
        if (rep_parse_int(slash + 1, strlen(slash + 1), &bits) < 0 || bits < 0 || bits > maxbits)
            return 0;
    }
    return 1;
}

static int mac_ok(const char *s, size_t n)
{
    if (n != 17)
        return 0;
    for (size_t i = 0; i < 17; i++) {
        if (i % 3 == 2) {
            if (s[i] != ':' && s[i] != '-')
                return 0;
        } else if (!is_hex(s[i])) {
            return 0;
        }
    }
    return 1;
}

static int bytea_ok(const char *s, size_t n)
{
    if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
        if ((n - 2) % 2)
            return 0;
        for (size_t i = 2; i < n; i++)
            if (!is_hex(s[i]))
                return 0;
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\')
            continue;
        if (i + 1 < n && s[i + 1] == '\\') {
            i++;
            continue;
        }
        if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
            s[i + 3] >= '0' && s[i + 3] <= '7') {
            i += 3;
            continue;
        }
        return 0;
    }
    return 1;
}

/* ---- formats of personal values ---- */

static int email_ok(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
        return 0;
    const char *dom = at + 1, *end = s + n;
    if (dom >= end || *dom == '.' || end[-1] == '.')
        return 0;
    int dot = 0;
    for (const char *p = s; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f)
            return 0;
        if (p >= dom && c == '.') {
            if (p[-1] == '.')
                return 0;
            dot = 1;
        }
    }
    return dot;
}

static int phone_ok(const char *s, size_t n)
{
    int d = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            d++;
        else if (!strchr(" +-()./", c))
            return 0;
    }
    return d >= 5 && d <= 20;
}

static size_t squeeze(const char *s, size_t n, char *out, size_t cap, const char *drop)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if (!strchr(drop, s[i]))
            out[o++] = s[i];
    out[o] = '\0';
    return o;
}

static int luhn_ok(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[n - 1 - i] < '0' || d[n - 1 - i] > '9')
            return 0;
        int v = d[n - 1 - i] - '0';
        if (i % 2) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

static int iban_ok(const char *s, size_t n)
{
    char b[64];
    size_t m = squeeze(s, n, b, sizeof b, " ");
    if (m < 15 || m > 34 || !(b[0] >= 'A' && b[0] <= 'Z') || !(b[1] >= 'A' && b[1] <= 'Z') ||
        !(b[2] >= '0' && b[2] <= '9') || !(b[3] >= '0' && b[3] <= '9'))
        return 0;
    int rem = 0;
    for (size_t k = 0; k < m; k++) {
        char c = b[(k + 4) % m];
        if (c >= '0' && c <= '9')
            rem = (rem * 10 + (c - '0')) % 97;
        else if (c >= 'A' && c <= 'Z')
            rem = (rem * 100 + (c - 'A' + 10)) % 97;
        else
            return 0;
    }
    return rem == 1;
}

static int card_ok(const char *s, size_t n)
{
    char b[40];
    size_t m = squeeze(s, n, b, sizeof b, " -");
    return m >= 12 && m <= 19 && luhn_ok(b, m);
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static int national_id_ok(const char *s, size_t n, const char *locale)
{
    char b[40];
    size_t m = squeeze(s, n, b, sizeof b, " ");
    if (strcmp(locale, "en_GB") == 0)
        return m == 9 && b[0] >= 'A' && b[0] <= 'Z' && b[1] >= 'A' && b[1] <= 'Z' &&
               all_digits(b + 2, 6) && b[8] >= 'A' && b[8] <= 'D';
    if (strcmp(locale, "de_DE") == 0)
        return m == 11 && all_digits(b, 11);
    if (strcmp(locale, "fr_FR") == 0)
        return m == 15 && all_digits(b, 15);
    if (strcmp(locale, "sv_SE") == 0) {
        if (m != 13 || b[8] != '-' || !all_digits(b, 8) || !all_digits(b + 9, 4))
            return 0;
        char ten[11];
        memcpy(ten, b + 2, 6);
        memcpy(ten + 6, b + 9, 4);
        return luhn_ok(ten, 10);
    }
    return n == 11 && s[3] == '-' && s[6] == '-' && all_digits(s, 3) && all_digits(s + 4, 2) &&
           all_digits(s + 7, 4);
}

static int format_ok(const struct rep_colspec *c, const char *s, size_t n)
{
    switch (c->fmt) {
    case RF_EMAIL:
        return email_ok(s, n);
    case RF_PHONE:
        return phone_ok(s, n);
    case RF_IBAN:
        return iban_ok(s, n);
    case RF_CARD:
        return card_ok(s, n);
    case RF_IP:
        return inet_ok(s, n);
    case RF_DATE: {
        int64_t d;
        return n == 10 && parse_date10(s, n, &d) == 0;
    }
    case RF_NATIONAL_ID:
        return national_id_ok(s, n, c->locale);
    default:
        return 1;
    }
}

/* ---- the model CDF (inverting the generator's inverse CDF directly) ---- */

static double icdf_cdf(const struct gen_icdf *q, double x)
{
    if (q->gamma != 1 || q->tail == GEN_TAIL_PARETO)
        return gen_icdf_cdf(q, x);
    size_t n = q->n;
    if (n == 1)
        return x >= q->v[0] ? 1 : 0;
    double lo_v = gen_icdf_eval(q, 0);
    if (x < lo_v)
        return 0;
    if (x < q->v[0]) {
        double s = (q->v[1] - q->v[0]) / (q->p[1] - q->p[0]);
        if (!(s > 0))
            return 0;
        double u = q->p[0] - (q->v[0] - x) / s;
        return u < 0 ? 0 : u;
    }
    /* last point with v <= x */
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (q->v[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    if (lo < n - 1)
        return q->p[lo] + (x - q->v[lo]) / (q->v[lo + 1] - q->v[lo]) * (q->p[lo + 1] - q->p[lo]);
    double pl = q->p[n - 1], vl = q->v[n - 1];
    if (q->tail == GEN_TAIL_FLAT || pl >= 1)
        return 1;
    double s = (vl - q->v[n - 2]) / (pl - q->p[n - 2]);
    if (!(s > 0) || x >= q->cap)
        return 1;
    double u = pl + (x - vl) / s;
    return u > 1 ? 1 : u;
}

/* The shape's time distribution with the hour-of-week profile: the week as
 * the quantiles say, the place in the week as the profile says. */
static double time_cdf(const struct rep_colspec *c, double t)
{
    if (!c->how)
        return icdf_cdf(&c->model, t);
    double w = floor((t - MONDAY) / WEEK);
    double ws = MONDAY + w * WEEK;
    double f0 = icdf_cdf(&c->model, ws), f1 = icdf_cdf(&c->model, ws + WEEK);
    double h = (t - ws) / 3600;
    size_t hi = (size_t)h;
    if (hi >= SIL_HOURS_PER_WEEK)
        hi = SIL_HOURS_PER_WEEK - 1;
    double cw = c->how_cum[hi] + (h - (double)hi) * (c->how_cum[hi + 1] - c->how_cum[hi]);
    return f0 + (f1 - f0) * cw;
}

struct model_arg {
    const struct rep_colspec *c;
    enum rep_measure m;
    double step;
    const double *cum; /* categories, hour of week: cum[r + 1] = P(X <= r) */
};

/* Half the distance at which two numbers count as one value: the rounding
 * step, or the precision floating point text keeps (the shape's 0.05 of a
 * real column may read 0.05000000000000001). */
static double m_tol(const struct model_arg *a, double x)
{
    double t = a->step / 2;
    if (a->m == RM_NUMBER && a->c->kind == RK_FLOAT) {
        double rel = a->c->type->base == SIL_T_REAL ? 5e-7 : 1e-12;
        t = SIL_MAX(t, fabs(x) * rel);
    }
    return t;
}

static double m_cdf(const void *p, double x)
{
    const struct model_arg *a = p;
    switch (a->m) {
    case RM_NUMBER:
    case RM_LENGTH:
        return icdf_cdf(&a->c->model, x + m_tol(a, x));
    case RM_TIME:
        return time_cdf(a->c, x + (a->c->floor_unit ? 1 : 0));
    default: {
        long r = (long)x;
        return r < 0 ? 0 : a->cum[r + 1];
    }
    }
}

static double m_below(const void *p, double x)
{
    const struct model_arg *a = p;
    switch (a->m) {
    case RM_NUMBER:
    case RM_LENGTH:
        return icdf_cdf(&a->c->model, x - m_tol(a, x));
    case RM_TIME:
        return time_cdf(a->c, x);
    default: {
        long r = (long)x;
        return r < 0 ? 0 : a->cum[r];
    }
    }
}

/* ---- value maps ---- */

struct rep_vmap {
    /* the last week's model CDF at its ends, for timestamps with a profile */
    double wk_start, wk_f0, wk_f1;
    size_t cap, n;
    uint64_t *key; /* double bits; 0 = empty (the value 0.0 is stored as bits ^ 1) */
    int64_t *cnt;
    int pit; /* overflowed: counts by model-CDF bin */
    int64_t *bins;
    double lo, hi; /* value range seen */
};

static uint64_t dkey(double x)
{
    uint64_t b;
    if (x == 0)
        x = 0; /* -0 as 0 */
    memcpy(&b, &x, 8);
    return b ^ UINT64_C(0x8000000000000001);
}

static double dval(uint64_t k)
{
    k ^= UINT64_C(0x8000000000000001);
    double x;
    memcpy(&x, &k, 8);
    return x;
}

static size_t hslot(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static struct rep_vmap *vm_new(void)
{
    struct rep_vmap *m = sil_xcalloc(1, sizeof *m);
    m->cap = 64;
    m->key = sil_xcalloc(m->cap, sizeof *m->key);
    m->cnt = sil_xcalloc(m->cap, sizeof *m->cnt);
    m->lo = INFINITY;
    m->hi = -INFINITY;
    m->wk_f1 = -1;
    return m;
}

static void vm_free(struct rep_vmap *m)
{
    if (!m)
        return;
    free(m->key);
    free(m->cnt);
    free(m->bins);
    free(m);
}

static size_t pit_bin(double u)
{
    if (!(u > 0))
        return 0;
    size_t b = (size_t)(u * PIT_BIN);
    return b >= PIT_BIN ? PIT_BIN - 1 : b;
}

static void vm_to_pit(struct rep_vmap *m, const struct model_arg *ma)
{
    m->bins = sil_xcalloc(PIT_BIN, sizeof *m->bins);
    for (size_t i = 0; i < m->cap; i++)
        if (m->key[i])
            m->bins[pit_bin(m_cdf(ma, dval(m->key[i])))] += m->cnt[i];
    free(m->key);
    free(m->cnt);
    m->key = NULL;
    m->cnt = NULL;
    m->pit = 1;
}

/* m_cdf for the histogram, with the week's ends cached: consecutive rows of
 * a parent fall in one week. */
static double vm_cdf(struct rep_vmap *m, const struct model_arg *ma, double x)
{
    const struct rep_colspec *c = ma->c;
    if (ma->m != RM_TIME || !c->how)
        return m_cdf(ma, x);
    double t = x + (c->floor_unit ? 1 : 0);
    double ws = MONDAY + floor((t - MONDAY) / WEEK) * WEEK;
    if (ws != m->wk_start || m->wk_f1 < 0) {
        m->wk_start = ws;
        m->wk_f0 = icdf_cdf(&c->model, ws);
        m->wk_f1 = icdf_cdf(&c->model, ws + WEEK);
    }
    double h = (t - ws) / 3600;
    size_t hi = (size_t)h;
    if (hi >= SIL_HOURS_PER_WEEK)
        hi = SIL_HOURS_PER_WEEK - 1;
    double cw = c->how_cum[hi] + (h - (double)hi) * (c->how_cum[hi + 1] - c->how_cum[hi]);
    return m->wk_f0 + (m->wk_f1 - m->wk_f0) * cw;
}

static void vm_add(struct rep_vmap *m, double x, int64_t c, const struct model_arg *ma)
{
    if (x < m->lo)
        m->lo = x;
    if (x > m->hi)
        m->hi = x;
    if (m->pit) {
        m->bins[pit_bin(vm_cdf(m, ma, x))] += c;
        return;
    }
    uint64_t k = dkey(x);
    size_t i = hslot(k, m->cap);
    while (m->key[i] && m->key[i] != k)
        i = (i + 1) & (m->cap - 1);
    if (m->key[i]) {
        m->cnt[i] += c;
        return;
    }
    if (m->n >= VM_CAP) {
        vm_to_pit(m, ma);
        m->bins[pit_bin(vm_cdf(m, ma, x))] += c;
        return;
    }
    m->key[i] = k;
    m->cnt[i] = c;
    if (++m->n * 2 > m->cap) {
        size_t cap = m->cap * 2;
        uint64_t *nk = sil_xcalloc(cap, sizeof *nk);
        int64_t *nc = sil_xcalloc(cap, sizeof *nc);
        for (size_t j = 0; j < m->cap; j++)
            if (m->key[j]) {
                size_t s = hslot(m->key[j], cap);
                while (nk[s])
                    s = (s + 1) & (cap - 1);
                nk[s] = m->key[j];
                nc[s] = m->cnt[j];
            }
        free(m->key);
        free(m->cnt);
        m->key = nk;
        m->cnt = nc;
        m->cap = cap;
    }
}

struct rep_cmap {
    size_t cap, n, capn;
    uint32_t *slot; /* open addressing: id + 1, 0 = empty */
    const char **s; /* by id, in insertion order */
    size_t *len;
    int64_t *cnt;
    int64_t overflow;
    struct sil_arena *arena;
};

static uint64_t shash(const char *s, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

static struct rep_cmap *cm_new(void)
{
    struct rep_cmap *m = sil_xcalloc(1, sizeof *m);
    m->cap = 64;
    m->slot = sil_xcalloc(m->cap, sizeof *m->slot);
    m->arena = sil_arena_new();
    return m;
}

static void cm_free(struct rep_cmap *m)
{
    if (!m)
        return;
    free(m->slot);
    free(m->s);
    free(m->len);
    free(m->cnt);
    sil_arena_free(m->arena);
    free(m);
}

static long cm_find(const struct rep_cmap *m, const char *s, size_t n)
{
    size_t i = (size_t)shash(s, n) & (m->cap - 1);
    while (m->slot[i]) {
        uint32_t id = m->slot[i] - 1;
        if (m->len[id] == n && memcmp(m->s[id], s, n) == 0)
            return (long)id;
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* The id of a string (insertion order), counted c more times; -1 past the cap. */
static long cm_add(struct rep_cmap *m, const char *s, size_t n, int64_t c)
{
    size_t i = (size_t)shash(s, n) & (m->cap - 1);
    while (m->slot[i]) {
        uint32_t id = m->slot[i] - 1;
        if (m->len[id] == n && memcmp(m->s[id], s, n) == 0) {
            m->cnt[id] += c;
            return (long)id;
        }
        i = (i + 1) & (m->cap - 1);
    }
    if (m->n >= CM_CAP) {
        m->overflow += c;
        return -1;
    }
    if (m->n == m->capn) {
        m->capn = m->capn ? m->capn * 2 : 16;
        m->s = sil_xrealloc(m->s, m->capn * sizeof *m->s);
        m->len = sil_xrealloc(m->len, m->capn * sizeof *m->len);
        m->cnt = sil_xrealloc(m->cnt, m->capn * sizeof *m->cnt);
    }
    size_t id = m->n++;
    m->s[id] = sil_arena_strndup(m->arena, s, n);
    m->len[id] = n;
    m->cnt[id] = c;
    m->slot[i] = (uint32_t)id + 1;
    if (m->n * 2 > m->cap) {
        size_t cap = m->cap * 2;
        uint32_t *ns = sil_xcalloc(cap, sizeof *ns);
        for (size_t j = 0; j < m->n; j++) {
            size_t k = (size_t)shash(m->s[j], m->len[j]) & (cap - 1);
            while (ns[k])
                k = (k + 1) & (cap - 1);
            ns[k] = (uint32_t)j + 1;
        }
        free(m->slot);
        m->slot = ns;
        m->cap = cap;
    }
    return (long)id;
}

/* ---- column spec ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A category value as the report compares it: booleans t/f, numbers by value. */
static char *canon(const struct rep_colspec *c, const char *s, size_t n)
{
    if (c->kind == RK_BOOL) {
        const char *b = rep_bool(s, n);
        if (b)
            return sil_xstrdup(b);
    }
    if (c->kind == RK_INT || c->kind == RK_NUM || c->kind == RK_FLOAT) {
        double x;
        int a, f;
        if (parse_decimal(s, n, 1, &x, &a, &f) == 0)
            return sil_xasprintf("%.15g", x);
    }
    return sil_xstrndup(s, n);
}

/* The canonical form without allocating: a static "t"/"f", the value itself,
 * or a number printed into buf. */
static const char *canon_tmp(const struct rep_colspec *c, const char *s, size_t n, char *buf,
                             size_t cap, size_t *len)
{
    if (c->kind == RK_BOOL) {
        const char *b = rep_bool(s, n);
        if (b) {
            *len = 1;
            return b;
        }
    }
    if (c->kind == RK_INT || c->kind == RK_NUM || c->kind == RK_FLOAT) {
        double x;
        int a, f;
        if (parse_decimal(s, n, 1, &x, &a, &f) == 0) {
            int k = snprintf(buf, cap, "%.15g", x);
            *len = k > 0 ? (size_t)k : 0;
            return buf;
        }
    }
    *len = n;
    return s;
}

static enum rep_kind kind_of(const struct sil_type *t)
{
    if (t->array_dims)
        return RK_ARRAY;
    switch (t->base) {
    case SIL_T_SMALLINT:
    case SIL_T_INTEGER:
    case SIL_T_BIGINT:
        return RK_INT;
    case SIL_T_NUMERIC:
    case SIL_T_MONEY:
        return RK_NUM;
    case SIL_T_REAL:
    case SIL_T_DOUBLE:
        return RK_FLOAT;
    case SIL_T_BOOLEAN:
        return RK_BOOL;
    case SIL_T_TEXT:
    case SIL_T_VARCHAR:
    case SIL_T_CHAR:
        return RK_TEXT;
    case SIL_T_DATE:
        return RK_DATE;
    case SIL_T_TIME:
        return RK_TIME;
    case SIL_T_TIMETZ:
        return RK_TIMETZ;
    case SIL_T_TIMESTAMP:
        return RK_TS;
    case SIL_T_TIMESTAMPTZ:
        return RK_TSTZ;
    case SIL_T_INTERVAL:
        return RK_INTERVAL;
    case SIL_T_UUID:
        return RK_UUID;
    case SIL_T_JSON:
    case SIL_T_JSONB:
        return RK_JSON;
    case SIL_T_BYTEA:
        return RK_BYTEA;
    case SIL_T_INET:
    case SIL_T_CIDR:
        return RK_INET;
    case SIL_T_MACADDR:
        return RK_MAC;
    case SIL_T_ENUM:
        return RK_ENUM;
    default:
        return RK_ANY;
    }
}

void rep_colspec_init(struct rep_colspec *c, const struct sil_shape *s, const struct sil_table *t,
                      size_t ci)
{
    memset(c, 0, sizeof *c);
    const struct sil_column *col = &t->cols[ci];
    c->col = col;
    c->shape_index = ci;
    c->data_index = -1;
    c->type = sil_shape_base_type(s, &col->type);
    c->kind = kind_of(c->type);
    c->int_digits = c->scale = -1;
    switch (c->type->base) {
    case SIL_T_SMALLINT:
        c->vmin = -32768;
        c->vmax = 32767;
        break;
    case SIL_T_INTEGER:
        c->vmin = -2147483648.0;
        c->vmax = 2147483647.0;
        break;
    case SIL_T_BIGINT:
        c->vmin = -9223372036854775808.0;
        c->vmax = 9223372036854775807.0;
        break;
    case SIL_T_NUMERIC:
        if (c->type->precision > 0) {
            c->scale = c->type->scale > 0 ? c->type->scale : 0;
            c->int_digits = c->type->precision - c->scale;
        }
        break;
    case SIL_T_VARCHAR:
    case SIL_T_CHAR:
        c->maxlen = c->type->length > 0 ? c->type->length : 0;
        break;
    default:
        break;
    }
    c->locale = col->locale ? col->locale : s->source.locale ? s->source.locale : "en_US";
    int text = sil_type_is_text(c->type) && !c->type->array_dims;
    switch (col->classification) {
    case SIL_CLASS_PERSONAL_EMAIL:
        c->fmt = text ? RF_EMAIL : RF_NONE;
        break;
    case SIL_CLASS_PERSONAL_PHONE:
        c->fmt = text ? RF_PHONE : RF_NONE;
        break;
    case SIL_CLASS_PERSONAL_IBAN:
        c->fmt = text ? RF_IBAN : RF_NONE;
        break;
    case SIL_CLASS_PERSONAL_CARD:
        c->fmt = text ? RF_CARD : RF_NONE;
        break;
    case SIL_CLASS_PERSONAL_IP:
        c->fmt = text ? RF_IP : RF_NONE;
        break;
    case SIL_CLASS_PERSONAL_BIRTH_DATE:
        c->fmt = text ? RF_DATE : RF_NONE;
        break;
    case SIL_CLASS_PERSONAL_NATIONAL_ID:
        c->fmt = text && sil_locale_known(c->locale) ? RF_NATIONAL_ID : RF_NONE;
        break;
    default:
        c->fmt = RF_NONE;
    }
    c->required = !col->nullable;
    if (col->type.base == SIL_T_DOMAIN) {
        const struct sil_domain *d = sil_shape_domain(s, col->type.ref_schema, col->type.ref_name);
        if (d && d->not_null)
            c->required = 1;
    }
    /* Allowed values: an enum's labels, or categories that leave nothing out. */
    const struct sil_colstats *st = col->stats;
    if (c->kind == RK_ENUM) {
        const struct sil_enum *en = sil_shape_enum(s, c->type->ref_schema, c->type->ref_name);
        if (en) {
            c->nallowed = en->nlabels;
            c->allowed = sil_xcalloc(en->nlabels + 1, sizeof *c->allowed);
            for (size_t i = 0; i < en->nlabels; i++)
                c->allowed[i] = sil_xstrdup(en->labels[i]);
        }
    } else if (st && st->categories && st->categories->encoding == SIL_CAT_CLEAR &&
               st->categories->n > 0 && st->categories->other_fraction <= 0 &&
               st->categories->suppressed <= 0 && c->kind != RK_BOOL) {
        c->nallowed = st->categories->n;
        c->allowed = sil_xcalloc(c->nallowed + 1, sizeof *c->allowed);
        for (size_t i = 0; i < c->nallowed; i++)
            c->allowed[i] =
                canon(c, st->categories->v[i].value, strlen(st->categories->v[i].value));
    }
    if (c->nallowed)
        qsort(c->allowed, c->nallowed, sizeof *c->allowed, cmp_str);
    /* The distribution measured against the shape's. */
    if (!st || col->generated_expr)
        return;
    if (st->categories && st->categories->n > 0) {
        const struct sil_categories *cat = st->categories;
        c->measure = RM_CATEGORY;
        c->token = cat->encoding == SIL_CAT_TOKEN;
        c->ncat = cat->n;
        c->cat_values = sil_xcalloc(cat->n + 1, sizeof *c->cat_values);
        c->cat_w = sil_xcalloc(cat->n + 2, sizeof *c->cat_w);
        double sum = cat->other_fraction > 0 ? cat->other_fraction : 0;
        for (size_t i = 0; i < cat->n; i++) {
            c->cat_values[i] = canon(c, cat->v[i].value, strlen(cat->v[i].value));
            c->cat_w[i] = cat->v[i].fraction;
            sum += cat->v[i].fraction;
        }
        c->cat_w[cat->n] = cat->other_fraction > 0 ? cat->other_fraction : 0;
        for (size_t i = 0; i <= cat->n; i++)
            c->cat_w[i] = sum > 0 ? c->cat_w[i] / sum : 0;
        return;
    }
    if (st->quantiles.n > 0 && (c->kind == RK_INT || c->kind == RK_NUM || c->kind == RK_FLOAT)) {
        c->measure = RM_NUMBER;
        gen_icdf_init(&c->model, &st->quantiles, 0);
        c->step = c->kind == RK_INT ? 1 : c->scale >= 0 ? pow(10, -c->scale) : 0;
        return;
    }
    if (st->quantiles.n > 0 &&
        (c->kind == RK_DATE || c->kind == RK_TS || c->kind == RK_TSTZ || c->kind == RK_TIME)) {
        c->measure = RM_TIME;
        c->floor_unit = 1;
        gen_icdf_init(&c->model, &st->quantiles, 0);
        if (c->kind == RK_DATE && fabs(c->model.v[c->model.n - 1]) > 1e7) {
            for (size_t i = 0; i < c->model.n; i++)
                c->model.v[i] = floor(c->model.v[i] / 86400);
            c->model.floor = floor(c->model.floor / 86400);
            c->model.cap = floor(c->model.cap / 86400);
        }
        if (st->hour_of_week && (c->kind == RK_TS || c->kind == RK_TSTZ)) {
            double sum = 0;
            for (size_t h = 0; h < SIL_HOURS_PER_WEEK; h++)
                sum += st->hour_of_week[h];
            if (sum > 0) {
                c->how = 1;
                c->how_cum[0] = 0;
                for (size_t h = 0; h < SIL_HOURS_PER_WEEK; h++)
                    c->how_cum[h + 1] = c->how_cum[h] + st->hour_of_week[h] / sum;
                c->how_cum[SIL_HOURS_PER_WEEK] = 1;
            }
        }
        return;
    }
    if (st->length_quantiles.n > 0 && c->kind == RK_TEXT && c->type->base != SIL_T_CHAR) {
        c->measure = RM_LENGTH;
        c->personal = sil_class_is_personal(col->classification) &&
                      col->classification != SIL_CLASS_PERSONAL_FREE_TEXT;
        gen_icdf_init(&c->model, &st->length_quantiles, 8);
        c->model.floor = 1;
        c->step = 1;
    }
}

void rep_colspec_release(struct rep_colspec *c)
{
    for (size_t i = 0; i < c->nallowed; i++)
        free(c->allowed[i]);
    free(c->allowed);
    for (size_t i = 0; i < c->ncat; i++)
        free(c->cat_values[i]);
    free(c->cat_values);
    free(c->cat_w);
    gen_icdf_release(&c->model);
    memset(c, 0, sizeof *c);
}

/* ---- accumulators ---- */

void rep_colacc_init(struct rep_colacc *a, const struct rep_colspec *c, size_t sample)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < 3; i++)
        a->ex_type[i].row = a->ex_fmt[i].row = a->ex_allowed[i].row = -1;
    if (c->measure == RM_NONE)
        return;
    if (c->measure == RM_CATEGORY)
        a->cm = cm_new();
    else
        a->vm = vm_new();
    a->k = sample;
    a->prio = sil_xcalloc(sample + 1, sizeof *a->prio);
    a->val = sil_xcalloc(sample + 1, sizeof *a->val);
    if (c->clustered) {
        a->rowp = sil_xcalloc(sample + 1, sizeof *a->rowp);
        a->mapcap = 16;
        while (a->mapcap < 2 * sample + 2)
            a->mapcap *= 2;
        a->mapk = sil_xcalloc(a->mapcap, sizeof *a->mapk);
        a->mapv = sil_xcalloc(a->mapcap, sizeof *a->mapv);
    }
}

void rep_colacc_release(struct rep_colacc *a)
{
    vm_free(a->vm);
    cm_free(a->cm);
    free(a->prio);
    free(a->val);
    free(a->rowp);
    free(a->mapk);
    free(a->mapv);
    memset(a, 0, sizeof *a);
}

void rep_example_put(struct rep_example ex[3], int64_t row, const char *s, size_t n)
{
    /* Keep the three smallest rows, so examples do not depend on threads. */
    int slot = -1;
    for (int i = 0; i < 3 && slot < 0; i++)
        if (ex[i].row < 0)
            slot = i;
    if (slot < 0) {
        slot = 0;
        for (int i = 1; i < 3; i++)
            if (ex[i].row > ex[slot].row)
                slot = i;
        if (ex[slot].row <= row)
            return;
    }
    ex[slot].row = row;
    size_t o = 0;
    for (size_t i = 0; i < n && o < sizeof ex[slot].text - 4; i++)
        ex[slot].text[o++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (n > o) {
        memcpy(ex[slot].text + o, "...", 3);
        o += 3;
    }
    ex[slot].text[o] = '\0';
}

/* Bottom-k: keep the k smallest priorities (a max-heap). */
static void sample_put(struct rep_colacc *a, uint64_t prio, double v)
{
    if (a->ns < a->k) {
        size_t i = a->ns++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (a->prio[p] >= prio)
                break;
            a->prio[i] = a->prio[p];
            a->val[i] = a->val[p];
            i = p;
        }
        a->prio[i] = prio;
        a->val[i] = v;
        return;
    }
    if (a->k == 0 || prio >= a->prio[0])
        return;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t mp = prio;
        if (l < a->ns && a->prio[l] > mp) {
            m = l;
            mp = a->prio[l];
        }
        if (r < a->ns && a->prio[r] > mp)
            m = r;
        if (m == i)
            break;
        a->prio[i] = a->prio[m];
        a->val[i] = a->val[m];
        i = m;
    }
    a->prio[i] = prio;
    a->val[i] = v;
}

/* Clustered samples: the k parents with the smallest priorities, each with
 * its row of smallest row priority. A linear-probing map finds a parent. */
static size_t map_slot(const struct rep_colacc *a, uint64_t key)
{
    return (size_t)(gen_mix_(key)) & (a->mapcap - 1);
}

static long map_find(const struct rep_colacc *a, uint64_t key)
{
    for (size_t i = map_slot(a, key); a->mapk[i]; i = (i + 1) & (a->mapcap - 1))
        if (a->mapk[i] == key)
            return (long)a->mapv[i];
    return -1;
}

static void map_set(struct rep_colacc *a, uint64_t key, size_t v)
{
    size_t i = map_slot(a, key);
    while (a->mapk[i] && a->mapk[i] != key)
        i = (i + 1) & (a->mapcap - 1);
    a->mapk[i] = key;
    a->mapv[i] = v;
}

static void map_del(struct rep_colacc *a, uint64_t key)
{
    size_t i = map_slot(a, key);
    while (a->mapk[i] && a->mapk[i] != key)
        i = (i + 1) & (a->mapcap - 1);
    if (!a->mapk[i])
        return;
    /* backward-shift deletion keeps every other key reachable */
    size_t j = i;
    for (;;) {
        a->mapk[i] = 0;
        for (;;) {
            j = (j + 1) & (a->mapcap - 1);
            if (!a->mapk[j])
                return;
            size_t h = map_slot(a, a->mapk[j]);
            if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
                continue;
            break;
        }
        a->mapk[i] = a->mapk[j];
        a->mapv[i] = a->mapv[j];
        i = j;
    }
}

static void cput(struct rep_colacc *a, size_t i, uint64_t p, uint64_t rp, double v)
{
    a->prio[i] = p;
    a->rowp[i] = rp;
    a->val[i] = v;
    map_set(a, p, i);
}

static void csample_put(struct rep_colacc *a, uint64_t p, uint64_t rp, double v)
{
    p |= 1; /* 0 marks an empty map slot */
    long at = map_find(a, p);
    if (at >= 0) {
        if (rp < a->rowp[at]) {
            a->rowp[at] = rp;
            a->val[at] = v;
        }
        return;
    }
    if (a->ns < a->k) {
        size_t i = a->ns++;
        while (i > 0) {
            size_t q = (i - 1) / 2;
            if (a->prio[q] >= p)
                break;
            cput(a, i, a->prio[q], a->rowp[q], a->val[q]);
            i = q;
        }
        cput(a, i, p, rp, v);
        return;
    }
    if (a->k == 0 || p >= a->prio[0])
        return;
    map_del(a, a->prio[0]);
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t mp = p;
        if (l < a->ns && a->prio[l] > mp) {
            m = l;
            mp = a->prio[l];
        }
        if (r < a->ns && a->prio[r] > mp)
            m = r;
        if (m == i)
            break;
        cput(a, i, a->prio[m], a->rowp[m], a->val[m]);
        i = m;
    }
    cput(a, i, p, rp, v);
}

static void put_sample(struct rep_colacc *a, uint64_t prio, uint64_t cluster, double v)
{
    if (a->rowp && cluster)
        csample_put(a, gen_mix_(cluster ^ UINT64_C(0x636c7573)), prio, v);
    else if (!a->rowp)
        sample_put(a, prio, v);
}

static int allowed_has(const struct rep_colspec *c, const char *s)
{
    size_t lo = 0, hi = c->nallowed;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(c->allowed[mid], s);
        if (r == 0)
            return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int rep_col_value(const struct rep_colspec *c, struct rep_colacc *a, const struct rep_val *v,
                  int64_t row, uint64_t prio, uint64_t cluster, int64_t *iv, int *has_iv)
{
    *has_iv = 0;
    a->n++;
    if (!v->s) {
        a->nulls++;
        return 1;
    }
    const char *s = v->s;
    size_t n = v->len;
    double x = 0;
    int ok = 1, have_x = 0;
    switch (c->kind) {
    case RK_INT: {
        int64_t i;
        ok = rep_parse_int(s, n, &i) == 0 && (double)i >= c->vmin && (double)i <= c->vmax;
        if (ok) {
            *iv = i;
            *has_iv = 1;
            x = (double)i;
            have_x = 1;
        }
        break;
    }
    case RK_NUM:
    case RK_FLOAT: {
        int ip, fp;
        if (c->kind == RK_FLOAT &&
            (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0)) {
            ok = 1;
            break;
        }
        ok = parse_decimal(s, n, c->kind == RK_FLOAT, &x, &ip, &fp) == 0;
        if (ok && c->int_digits >= 0 && (ip > c->int_digits || fp > c->scale))
            ok = 0;
        if (ok) {
            have_x = 1;
            if (fp > a->max_frac)
                a->max_frac = fp;
        }
        break;
    }
    case RK_BOOL:
        ok = rep_bool(s, n) != NULL;
        break;
    case RK_TEXT: {
        size_t ch;
        ok = utf8_chars(s, n, &ch) == 0 && (c->maxlen == 0 || ch <= (size_t)c->maxlen);
        if (ok && c->measure == RM_LENGTH) {
            x = (double)ch;
            have_x = 1;
        }
        break;
    }
    case RK_DATE: {
        int64_t d = 0;
        ok = n == 10 && parse_date10(s, n, &d) == 0;
        x = (double)d;
        have_x = ok;
        break;
    }
    case RK_TIME:
    case RK_TIMETZ: {
        int used = parse_clock(s, n, &x);
        double off;
        ok = used > 0 && ((size_t)used == n || (c->kind == RK_TIMETZ &&
                                                parse_zone(s + used, n - (size_t)used, &off) == 0));
        have_x = ok;
        break;
    }
    case RK_TS:
    case RK_TSTZ:
        ok = parse_timestamp(s, n, c->kind == RK_TSTZ, &x) == 0;
        have_x = ok;
        break;
    case RK_INTERVAL:
        ok = n > 0;
        for (size_t i = 0; i < n && ok; i++)
            ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
                 (s[i] >= 'A' && s[i] <= 'Z') || strchr(" :+-.", s[i]);
        break;
    case RK_UUID:
        ok = uuid_ok(s, n);
        break;
    case RK_JSON: {
        cJSON *j = cJSON_ParseWithLength(s, n);
        ok = j != NULL;
        cJSON_Delete(j);
        break;
    }
    case RK_BYTEA:
        ok = bytea_ok(s, n);
        break;
    case RK_INET:
        ok = inet_ok(s, n);
        break;
    case RK_MAC:
        ok = mac_ok(s, n);
        break;
    case RK_ARRAY:
        ok = n >= 2 && s[0] == '{' && s[n - 1] == '}';
        break;
    case RK_ENUM: {
        size_t ch;
        ok = utf8_chars(s, n, &ch) == 0;
        break;
    }
    case RK_ANY:
        break;
    }
    if (!ok) {
        a->bad_type++;
        rep_example_put(a->ex_type, row, s, n);
        return 0;
    }
    if (c->fmt != RF_NONE) {
        a->fmt_checked++;
        if (!format_ok(c, s, n)) {
            a->bad_fmt++;
            rep_example_put(a->ex_fmt, row, s, n);
        }
    }
    char cb[48];
    size_t cl;
    if (c->nallowed) {
        a->allowed_checked++;
        const char *cv = canon_tmp(c, s, n, cb, sizeof cb, &cl);
        if (!allowed_has(c, cv)) {
            a->bad_allowed++;
            rep_example_put(a->ex_allowed, row, s, n);
        }
    }
    if (c->measure == RM_NONE)
        return 1;
    if (c->measure == RM_CATEGORY) {
        const char *cv = canon_tmp(c, s, n, cb, sizeof cb, &cl);
        long id = cm_add(a->cm, cv, cl, 1);
        put_sample(a, prio, cluster, (double)id);
        return 1;
    }
    if (!have_x || !isfinite(x))
        return 1;
    struct model_arg ma = {c, c->measure, c->step ? c->step : 1, NULL};
    vm_add(a->vm, x, 1, &ma);
    put_sample(a, prio, cluster, x);
    if (c->how) {
        int64_t t = (int64_t)floor(x) - (int64_t)MONDAY;
        int64_t w = t % (int64_t)WEEK;
        if (w < 0)
            w += (int64_t)WEEK;
        a->how[(size_t)(w / 3600)]++;
    }
    return 1;
}

void rep_colacc_merge(const struct rep_colspec *c, struct rep_colacc *into, struct rep_colacc *from)
{
    into->n += from->n;
    into->nulls += from->nulls;
    into->bad_type += from->bad_type;
    into->bad_fmt += from->bad_fmt;
    into->bad_allowed += from->bad_allowed;
    into->fmt_checked += from->fmt_checked;
    into->allowed_checked += from->allowed_checked;
    if (from->max_frac > into->max_frac)
        into->max_frac = from->max_frac;
    for (int i = 0; i < 3; i++) {
        if (from->ex_type[i].row >= 0)
            rep_example_put(into->ex_type, from->ex_type[i].row, from->ex_type[i].text,
                            strlen(from->ex_type[i].text));
        if (from->ex_fmt[i].row >= 0)
            rep_example_put(into->ex_fmt, from->ex_fmt[i].row, from->ex_fmt[i].text,
                            strlen(from->ex_fmt[i].text));
        if (from->ex_allowed[i].row >= 0)
            rep_example_put(into->ex_allowed, from->ex_allowed[i].row, from->ex_allowed[i].text,
                            strlen(from->ex_allowed[i].text));
    }
    for (size_t h = 0; h < SIL_HOURS_PER_WEEK; h++)
        into->how[h] += from->how[h];
    if (c->measure == RM_NONE)
        return;
    struct model_arg ma = {c, c->measure, c->step ? c->step : 1, NULL};
    if (into->vm && from->vm) {
        struct rep_vmap *f = from->vm, *t = into->vm;
        if (f->pit && !t->pit)
            vm_to_pit(t, &ma);
        if (t->pit) {
            if (!f->pit)
                vm_to_pit(f, &ma);
            for (size_t b = 0; b < PIT_BIN; b++)
                t->bins[b] += f->bins[b];
            if (f->lo < t->lo)
                t->lo = f->lo;
            if (f->hi > t->hi)
                t->hi = f->hi;
        } else {
            for (size_t i = 0; i < f->cap; i++)
                if (f->key[i])
                    vm_add(t, dval(f->key[i]), f->cnt[i], &ma);
        }
        for (size_t i = 0; i < from->ns; i++) {
            if (into->rowp)
                csample_put(into, from->prio[i], from->rowp[i], from->val[i]);
            else
                sample_put(into, from->prio[i], from->val[i]);
        }
    }
    if (into->cm && from->cm) {
        struct rep_cmap *f = from->cm, *t = into->cm;
        t->overflow += f->overflow;
        for (size_t i = 0; i < from->ns; i++) {
            long id = (long)from->val[i];
            long nid = id < 0 ? -1 : cm_add(t, f->s[id], f->len[id], 0);
            if (into->rowp)
                csample_put(into, from->prio[i], from->rowp[i], (double)nid);
            else
                sample_put(into, from->prio[i], (double)nid);
        }
        for (size_t i = 0; i < f->n; i++)
            cm_add(t, f->s[i], f->len[i], f->cnt[i]);
    }
    from->ns = 0;
}

/* ---- finishing ---- */

struct pair {
    double x;
    int64_t c;
};

static int cmp_pair(const void *a, const void *b)
{
    double x = ((const struct pair *)a)->x, y = ((const struct pair *)b)->x;
    return x < y ? -1 : x > y;
}

/* D on all values from exact counts (sorted pairs). */
static double d_exact(const struct pair *p, size_t n, int64_t total, const struct gen_ks_model *m)
{
    double d = 0;
    int64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        double below = (double)cum / (double)total;
        cum += p[i].c;
        double at = (double)cum / (double)total;
        double hi = fabs(at - m->cdf(m->arg, p[i].x)), lo = fabs(below - m->below(m->arg, p[i].x));
        if (hi > d)
            d = hi;
        if (lo > d)
            d = lo;
    }
    return d;
}

/* Generated CDF at x from exact counts. */
static double gen_cdf_at(const struct pair *p, size_t n, int64_t total, double x)
{
    int64_t cum = 0;
    for (size_t i = 0; i < n && p[i].x <= x; i++)
        cum += p[i].c;
    return (double)cum / (double)total;
}

static double pit_cdf_at(const int64_t *bins, int64_t total, double u)
{
    size_t b = pit_bin(u);
    int64_t cum = 0;
    for (size_t i = 0; i <= b; i++)
        cum += bins[i];
    return (double)cum / (double)total;
}

static void chart_numbers(const struct rep_colspec *c, const struct rep_vmap *vm,
                          const struct pair *pr, size_t npr, int64_t total,
                          const struct model_arg *ma, struct rep_dist *d)
{
    const size_t np = 41;
    d->pts = sil_xcalloc(np + 2, sizeof *d->pts);
    double lo = gen_icdf_eval(&c->model, 0.005), hi = gen_icdf_eval(&c->model, 0.995);
    if (c->measure == RM_TIME && c->how) {
        /* the profile moves values inside weeks; the quantile range still holds */
    }
    if (vm->lo < lo)
        lo = vm->lo;
    if (vm->hi > hi)
        hi = vm->hi;
    if (!(hi > lo))
        hi = lo + 1;
    for (size_t i = 0; i < np; i++) {
        double x = lo + (hi - lo) * (double)i / (double)(np - 1);
        d->pts[i][0] = x;
        d->pts[i][1] = m_cdf(ma, x);
        d->pts[i][2] =
            vm->pit ? pit_cdf_at(vm->bins, total, m_cdf(ma, x)) : gen_cdf_at(pr, npr, total, x);
    }
    d->npts = np;
}

/* Ranks of categories: by the shape's list (clear values) or, for tokens, by
 * generated frequency; anything else is "other" (rank ncat). */
struct rank_item {
    long id;
    int64_t cnt;
    const char *s;
};

static int cmp_rank(const void *a, const void *b)
{
    const struct rank_item *x = a, *y = b;
    if (x->cnt != y->cnt)
        return x->cnt > y->cnt ? -1 : 1;
    return strcmp(x->s, y->s);
}

static size_t finish_categories(const struct rep_colspec *c, struct rep_colacc *a,
                                struct rep_dist *d)
{
    struct rep_cmap *m = a->cm;
    size_t k = c->ncat;
    long *rank = sil_xcalloc(m->n + 1, sizeof *rank);
    int64_t *gcount = sil_xcalloc(k + 1, sizeof *gcount);
    int64_t total = m->overflow;
    gcount[k] += m->overflow;
    if (c->token) {
        struct rank_item *it = sil_xcalloc(m->n + 1, sizeof *it);
        for (size_t i = 0; i < m->n; i++) {
            it[i].id = (long)i;
            it[i].cnt = m->cnt[i];
            it[i].s = m->s[i];
        }
        qsort(it, m->n, sizeof *it, cmp_rank);
        for (size_t i = 0; i < m->n; i++)
            rank[it[i].id] = i < k ? (long)i : (long)k;
        free(it);
    } else {
        struct rep_cmap *lst = cm_new();
        for (size_t j = 0; j < k; j++)
            cm_add(lst, c->cat_values[j], strlen(c->cat_values[j]), 0);
        for (size_t i = 0; i < m->n; i++) {
            long j = cm_find(lst, m->s[i], m->len[i]);
            rank[i] = j < 0 ? (long)k : j;
        }
        cm_free(lst);
    }
    for (size_t i = 0; i < m->n; i++) {
        gcount[rank[i]] += m->cnt[i];
        total += m->cnt[i];
    }
    double *cum = sil_xcalloc(k + 3, sizeof *cum);
    for (size_t r = 0; r <= k; r++)
        cum[r + 1] = cum[r] + c->cat_w[r];
    cum[k + 1] = 1;
    struct model_arg ma = {c, RM_CATEGORY, 1, cum};
    struct gen_ks_model km = {m_cdf, m_below, &ma};
    d->measure = RM_CATEGORY;
    d->values = total;
    d->d_exact = 1;
    double dd = 0;
    int64_t acc = 0;
    for (size_t r = 0; r <= k && total > 0; r++) {
        double below = (double)acc / (double)total;
        acc += gcount[r];
        double at = (double)acc / (double)total;
        double e1 = fabs(at - cum[r + 1]), e2 = fabs(below - cum[r]);
        dd = SIL_MAX(dd, SIL_MAX(e1, e2));
    }
    d->d_full = dd;
    double *sv = sil_xcalloc(a->ns + 1, sizeof *sv);
    for (size_t i = 0; i < a->ns; i++) {
        long id = (long)a->val[i];
        sv[i] = id < 0 ? (double)k : (double)rank[id];
    }
    d->n_sample = a->ns;
    d->d_sample = gen_ks_d(sv, a->ns, &km);
    d->p = gen_ks_pvalue(a->ns, d->d_sample);
    /* chart: the biggest listed shares, then the rest together */
    size_t shown = SIL_MIN(k, (size_t)12);
    d->npts = shown + 1;
    d->pts = sil_xcalloc(d->npts, sizeof *d->pts);
    d->labels = sil_xcalloc(d->npts, sizeof *d->labels);
    double rest_m = 0, rest_g = 0;
    for (size_t r = 0; r <= k; r++) {
        double gm = c->cat_w[r], gg = total ? (double)gcount[r] / (double)total : 0;
        if (r < shown) {
            d->pts[r][0] = (double)r;
            d->pts[r][1] = gm;
            d->pts[r][2] = gg;
            d->labels[r] =
                c->token ? sil_xasprintf("value #%zu", r + 1) : sil_xstrdup(c->cat_values[r]);
        } else {
            rest_m += gm;
            rest_g += gg;
        }
    }
    d->pts[shown][0] = (double)shown;
    d->pts[shown][1] = rest_m;
    d->pts[shown][2] = rest_g;
    d->labels[shown] = sil_xstrdup(shown < k ? "other listed and unlisted" : "unlisted");
    free(sv);
    free(cum);
    free(gcount);
    free(rank);
    return 1;
}

static size_t finish_how(const struct rep_colspec *c, struct rep_colacc *a, struct rep_dist *d)
{
    struct model_arg ma = {c, RM_HOUR_OF_WEEK, 1, c->how_cum};
    struct gen_ks_model km = {m_cdf, m_below, &ma};
    int64_t total = 0;
    for (size_t h = 0; h < SIL_HOURS_PER_WEEK; h++)
        total += a->how[h];
    d->measure = RM_HOUR_OF_WEEK;
    d->values = total;
    d->d_exact = 1;
    int64_t acc = 0;
    for (size_t h = 0; h < SIL_HOURS_PER_WEEK && total > 0; h++) {
        double below = (double)acc / (double)total;
        acc += a->how[h];
        double at = (double)acc / (double)total;
        d->d_full =
            SIL_MAX(d->d_full, SIL_MAX(fabs(at - c->how_cum[h + 1]), fabs(below - c->how_cum[h])));
    }
    double *sv = sil_xcalloc(a->ns + 1, sizeof *sv);
    for (size_t i = 0; i < a->ns; i++) {
        double h = floor(fmod(a->val[i] - MONDAY, WEEK) / 3600);
        if (h < 0)
            h += SIL_HOURS_PER_WEEK;
        sv[i] = h;
    }
    d->n_sample = a->ns;
    d->d_sample = gen_ks_d(sv, a->ns, &km);
    d->p = gen_ks_pvalue(a->ns, d->d_sample);
    free(sv);
    /* chart: the share of each day of the week */
    d->npts = 7;
    d->pts = sil_xcalloc(7, sizeof *d->pts);
    d->labels = sil_xcalloc(7, sizeof *d->labels);
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    for (size_t day = 0; day < 7; day++) {
        int64_t g = 0;
        for (size_t h = day * 24; h < day * 24 + 24; h++)
            g += a->how[h];
        d->pts[day][0] = (double)day;
        d->pts[day][1] = c->how_cum[day * 24 + 24] - c->how_cum[day * 24];
        d->pts[day][2] = total ? (double)g / (double)total : 0;
        d->labels[day] = sil_xstrdup(days[day]);
    }
    return 1;
}

size_t rep_col_finish(const struct rep_colspec *c, struct rep_colacc *a, struct rep_dist out[2])
{
    memset(out, 0, 2 * sizeof *out);
    if (c->measure == RM_NONE)
        return 0;
    if (c->measure == RM_CATEGORY)
        return finish_categories(c, a, &out[0]);
    struct rep_vmap *vm = a->vm;
    double step = c->step;
    if (c->measure == RM_NUMBER && c->kind != RK_INT) {
        /* the step the values were rounded to: the type's scale, else the data's */
        double ds = pow(10, -a->max_frac);
        step = c->scale >= 0 ? pow(10, -c->scale) : ds;
        if (ds > step)
            step = ds;
    }
    struct model_arg ma = {c, c->measure, step, NULL};
    struct gen_ks_model km = {m_cdf, m_below, &ma};
    struct rep_dist *d = &out[0];
    d->measure = c->measure;
    if (c->measure == RM_TIME)
        d->xkind = c->kind == RK_DATE ? 1 : c->kind == RK_TIME ? 3 : 2;
    int64_t total = 0;
    struct pair *pr = NULL;
    size_t npr = 0;
    if (vm->pit) {
        for (size_t b = 0; b < PIT_BIN; b++)
            total += vm->bins[b];
        int64_t cum = 0;
        for (size_t b = 0; b < PIT_BIN && total > 0; b++) {
            double before = (double)cum / (double)total;
            cum += vm->bins[b];
            double after = (double)cum / (double)total;
            d->d_full = SIL_MAX(d->d_full, SIL_MAX(fabs(after - (double)(b + 1) / PIT_BIN),
                                                   fabs(before - (double)b / PIT_BIN)));
        }
    } else {
        pr = sil_xcalloc(vm->n + 1, sizeof *pr);
        for (size_t i = 0; i < vm->cap; i++)
            if (vm->key[i]) {
                pr[npr].x = dval(vm->key[i]);
                pr[npr++].c = vm->cnt[i];
                total += vm->cnt[i];
            }
        qsort(pr, npr, sizeof *pr, cmp_pair);
        d->d_exact = 1;
        if (total > 0)
            d->d_full = d_exact(pr, npr, total, &km);
    }
    d->values = total;
    double *sv = sil_xcalloc(a->ns + 1, sizeof *sv);
    memcpy(sv, a->val, a->ns * sizeof *sv);
    d->n_sample = a->ns;
    d->d_sample = gen_ks_d(sv, a->ns, &km);
    d->p = gen_ks_pvalue(a->ns, d->d_sample);
    free(sv);
    if (total > 0)
        chart_numbers(c, vm, pr, npr, total, &ma, d);
    free(pr);
    if (c->how)
        return 1 + finish_how(c, a, &out[1]);
    return 1;
}

void rep_dist_release(struct rep_dist *d)
{
    if (d->labels)
        for (size_t i = 0; i < d->npts; i++)
            free(d->labels[i]);
    free(d->labels);
    free(d->pts);
    memset(d, 0, sizeof *d);
}
