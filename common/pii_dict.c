/* Case-insensitive word dictionary with a prefix filter. */
#include "pii_dict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "sil.h"

struct entry {
    uint64_t hash;
    uint64_t bits;
    char *word; /* folded, NUL-terminated; NULL = empty slot */
};

struct suffix {
    char s[SIL_PII_WORD_MAX + 1];
    size_t n;
    uint64_t bits;
};

struct sil_pii_dict {
    struct entry *tab;
    size_t cap, count;
    uint8_t prefix[65536 / 8]; /* bit per hashed 3-byte prefix of a word */
    uint8_t tail[65536 / 8];   /* bit per hashed 3-byte ending of a suffix */
    struct suffix *suf;
    size_t nsuf, sufcap;
};

size_t sil_pii_fold(const char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        else if (c >= 0x80 && c <= 0x9e && i > 0 && (unsigned char)s[i - 1] == 0xc3 && c != 0x97)
            c = (unsigned char)(c + 0x20); /* U+00C0..U+00DE -> U+00E0..U+00FE */
        out[i] = (char)c;
    }
    return n;
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static unsigned key3(const char *f, size_t n)
{
    unsigned a = (unsigned char)f[0], b = n > 1 ? (unsigned char)f[1] : 0,
             c = n > 2 ? (unsigned char)f[2] : 0;
    return (a * 0x9e37u ^ b * 0x85ebu ^ c * 0xc2b3u ^ (c << 8)) & 0xffffu;
}

const uint8_t *sil_pii_dict_prefixes(const struct sil_pii_dict *d)
{
    return d->prefix;
}

struct sil_pii_dict *sil_pii_dict_new(void)
{
    struct sil_pii_dict *d = sil_xcalloc(1, sizeof *d);
    d->cap = 1024;
    d->tab = sil_xcalloc(d->cap, sizeof *d->tab);
    return d;
}

void sil_pii_dict_free(struct sil_pii_dict *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->cap; i++)
        free(d->tab[i].word);
    free(d->tab);
    free(d->suf);
    free(d);
}

static struct entry *slot(struct entry *tab, size_t cap, uint64_t h, const char *w, size_t n)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        struct entry *e = &tab[i];
        if (!e->word || (e->hash == h && strlen(e->word) == n && memcmp(e->word, w, n) == 0))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

void sil_pii_dict_add(struct sil_pii_dict *d, const char *word, size_t n, uint64_t bits)
{
    char f[SIL_PII_WORD_MAX];
    if (n == 0 || n > SIL_PII_WORD_MAX)
        return;
    sil_pii_fold(word, n, f);
    if ((d->count + 1) * 2 > d->cap) {
        size_t ncap = d->cap * 2;
        struct entry *nt = sil_xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < d->cap; i++)
            if (d->tab[i].word)
                *slot(nt, ncap, d->tab[i].hash, d->tab[i].word, strlen(d->tab[i].word)) = d->tab[i];
        free(d->tab);
        d->tab = nt;
        d->cap = ncap;
    }
    uint64_t h = hash(f, n);
    struct entry *e = slot(d->tab, d->cap, h, f, n);
    if (!e->word) {
        e->word = sil_xstrndup(f, n);
        e->hash = h;
        d->count++;
    }
    e->bits |= bits;
    unsigned k = key3(f, n);
    d->prefix[k >> 3] |= (uint8_t)(1u << (k & 7));
}

void sil_pii_dict_add_suffix(struct sil_pii_dict *d, const char *suffix, size_t n, uint64_t bits)
{
    if (n < 3 || n > SIL_PII_WORD_MAX)
        return;
    d->suf = sil_xgrow(d->suf, sizeof *d->suf, d->nsuf + 1, &d->sufcap);
    struct suffix *s = &d->suf[d->nsuf++];
    sil_pii_fold(suffix, n, s->s);
    s->s[n] = '\0';
    s->n = n;
    s->bits = bits;
    unsigned k = key3(s->s + n - 3, 3);
    d->tail[k >> 3] |= (uint8_t)(1u << (k & 7));
}

uint64_t sil_pii_dict_get(const struct sil_pii_dict *d, const char *word, size_t n)
{
    char f[SIL_PII_WORD_MAX];
    if (n == 0 || n > SIL_PII_WORD_MAX)
        return 0;
    sil_pii_fold(word, n < 4 ? n : 4, f);
    unsigned k = key3(f, n);
    if (!(d->prefix[k >> 3] & (1u << (k & 7))))
        return 0;
    sil_pii_fold(word, n, f);
    struct entry *e = slot(d->tab, d->cap, hash(f, n), f, n);
    return e->word ? e->bits : 0;
}

uint64_t sil_pii_dict_suffix(const struct sil_pii_dict *d, const char *word, size_t n)
{
    char f[SIL_PII_WORD_MAX];
    if (n < 4 || n > SIL_PII_WORD_MAX || d->nsuf == 0)
        return 0;
    sil_pii_fold(word + n - 4, 4, f);
    unsigned k = key3(f + 1, 3);
    if (!(d->tail[k >> 3] & (1u << (k & 7))))
        return 0;
    sil_pii_fold(word, n, f);
    uint64_t bits = 0;
    for (size_t i = 0; i < d->nsuf; i++)
        if (n > d->suf[i].n && memcmp(f + n - d->suf[i].n, d->suf[i].s, d->suf[i].n) == 0)
            bits |= d->suf[i].bits;
    return bits;
}

size_t sil_pii_dict_size(const struct sil_pii_dict *d)
{
    return d->count;
}

long sil_pii_dict_load(struct sil_pii_dict *d, const char *path, uint64_t bits, struct sil_err *err)
{
    char *data;
    size_t len;
    if (sil_read_file(path, (size_t)16 << 20, &data, &len, err) < 0)
        return -1;
    long words = 0;
    int line = 0;
    for (char *p = data; p < data + len;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        char *end = nl ? nl : data + len;
        line++;
        char *hash_ = memchr(p, '#', (size_t)(end - p));
        char *e = hash_ ? hash_ : end;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (e > p) {
            size_t n = (size_t)(e - p);
            if (n > SIL_PII_WORD_MAX || memchr(p, ' ', n)) {
                sil_err_set_line(err, SIL_EINPUT, line, 1,
                                 "expected one word of at most %d bytes per line",
                                 SIL_PII_WORD_MAX);
                sil_err_file(err, path);
                free(data);
                return -1;
            }
            sil_pii_dict_add(d, p, n, bits);
            words++;
        }
        p = nl ? nl + 1 : data + len;
    }
    free(data);
    return words;
}
