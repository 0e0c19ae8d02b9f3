/* Decoders for hidden PII: escapes, base64, hex; entropy. */
#include "pii_decode.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sil.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex_at(const char *s, size_t n, size_t i, size_t k, unsigned *v)
{
    if (i + k > n)
        return 0;
    *v = 0;
    for (size_t j = 0; j < k; j++) {
        int h = hexval((unsigned char)s[i + j]);
        if (h < 0)
            return 0;
        *v = *v * 16 + (unsigned)h;
    }
    return 1;
}

int sil_pii_has_escape(const char *s, size_t n)
{
    unsigned v;
    for (size_t i = 0; i + 2 < n; i++) {
        if (s[i] == '%' && hex_at(s, n, i + 1, 2, &v))
            return 1;
        if (s[i] == '\\' && (s[i + 1] == 'u' || s[i + 1] == 'x'))
            return 1;
    }
    return 0;
}

static void put_utf8(struct sil_buf *out, unsigned cp)
{
    char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        k = 4;
    }
    sil_buf_add(out, b, k);
}

int sil_pii_unescape(const char *s, size_t n, struct sil_buf *out, size_t **map, size_t *mapcap)
{
    int any = 0;
    sil_buf_reset(out);
    for (size_t i = 0; i < n;) {
        size_t before = out->len, from = i;
        unsigned v, lo;
        if (s[i] == '%' && hex_at(s, n, i + 1, 2, &v)) {
            sil_buf_addc(out, (char)v);
            i += 3;
            any = 1;
        } else if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'u' && hex_at(s, n, i + 2, 4, &v)) {
            i += 6;
            if (v >= 0xd800 && v < 0xdc00 && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u' &&
                hex_at(s, n, i + 2, 4, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            put_utf8(out, v ? v : ' ');
            any = 1;
        } else if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'x' && hex_at(s, n, i + 2, 2, &v)) {
            sil_buf_addc(out, v ? (char)v : ' ');
            i += 4;
            any = 1;
        } else if (s[i] == '\\' && i + 1 < n && strchr("\"\\/ntrbf", s[i + 1]) && s[i + 1]) {
            static const char from_[] = "\"\\/ntrbf", to[] = "\"\\/\n\t\r\b\f";
            sil_buf_addc(out, to[strchr(from_, s[i + 1]) - from_]);
            i += 2;
        } else {
            sil_buf_addc(out, s[i]);
            i++;
        }
        if (map) {
            *map = sil_xgrow(*map, sizeof **map, out->len + 1, mapcap);
            for (size_t j = before; j < out->len; j++)
                (*map)[j] = from;
        }
    }
    if (!any)
        sil_buf_reset(out);
    return any;
}

/* Value of a base64 character (standard or URL-safe alphabet); 0x80 for any other byte. */
static const unsigned char b64_value[256] = {
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 62,  128, 62,  128, 63,  52,  53,  54,  55,  56,  57,  58,  59,  60,
    61,  128, 128, 128, 128, 128, 128, 128, 0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,
    11,  12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  128, 128, 128, 128,
    63,  128, 26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,  41,  42,
    43,  44,  45,  46,  47,  48,  49,  50,  51,  128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128,
};

long sil_pii_base64(const char *s, size_t n, unsigned char *out, size_t outsz)
{
    const unsigned char *u = (const unsigned char *)s;
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1 || n * 6 / 8 > outsz)
        return -1;
    /* Four characters make three bytes; an invalid character is caught once, at the end. */
    unsigned bad = 0;
    size_t k = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        unsigned a = b64_value[u[i]], b = b64_value[u[i + 1]], c = b64_value[u[i + 2]],
                 d = b64_value[u[i + 3]];
        bad |= a | b | c | d;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
        out[k] = (unsigned char)(v >> 16);
        out[k + 1] = (unsigned char)(v >> 8);
        out[k + 2] = (unsigned char)v;
        k += 3;
    }
    if (n - i >= 2) {
        unsigned a = b64_value[u[i]], b = b64_value[u[i + 1]],
                 c = n - i == 3 ? b64_value[u[i + 2]] : 0;
        bad |= a | b | c;
        out[k++] = (unsigned char)(a << 2 | b >> 4);
        if (n - i == 3)
            out[k++] = (unsigned char)(b << 4 | c >> 2);
    }
    return bad & 0x80 ? -1 : (long)k;
}

long sil_pii_unhex(const char *s, size_t n, unsigned char *out, size_t outsz)
{
    if (n % 2 || n / 2 > outsz)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int a = hexval((unsigned char)s[i]), b = hexval((unsigned char)s[i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i / 2] = (unsigned char)(a * 16 + b);
    }
    return (long)(n / 2);
}

/* 1 for bytes that count as text on their own: printable ASCII, tab, newline, return. */
static int plain_text(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r';
}

int sil_pii_is_text(const unsigned char *s, size_t n)
{
    size_t good = 0, utf8 = 0, nul = 0;
    if (n == 0)
        return 0;
    /* A first count without branches settles almost every case. */
    for (size_t i = 0; i < n; i++) {
        good += (size_t)plain_text(s[i]);
        utf8 += s[i] >= 0x80 && s[i] <= 0xf4 && s[i] != 0xc0 && s[i] != 0xc1;
        nul += s[i] == 0;
    }
    if (nul)
        return 0;
    if (good * 10 >= n * 9)
        return 1;
    if ((good + utf8) * 10 < n * 9)
        return 0; /* even if every byte that can be in a UTF-8 sequence were in one */
    good = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (plain_text(c))
            good++;
        else if (c >= 0xc2 && c <= 0xf4 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
            size_t k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1, j;
            for (j = 1; j <= k && i + j < n && (s[i + j] & 0xc0) == 0x80; j++)
                ;
            if (j == k + 1) {
                good += k + 1;
                i += k;
            }
        }
    }
    return good * 10 >= n * 9;
}

double sil_pii_entropy(const char *s, size_t n)
{
    size_t cnt[256] = {0};
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)s[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++) {
        if (!cnt[c])
            continue;
        double p = (double)cnt[c] / (double)n;
        h -= p * log2(p);
    }
    return h;
}
