/* Decoders for hidden PII: escapes, base64, hex; entropy. */
#include "pii_decode.h"

#include <math.h>
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

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long sil_pii_base64(const char *s, size_t n, unsigned char *out, size_t outsz)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    size_t k = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k >= outsz)
                return -1;
            out[k++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)k;
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

int sil_pii_is_text(const unsigned char *s, size_t n)
{
    size_t good = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == 0)
            return 0;
        if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r')
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
