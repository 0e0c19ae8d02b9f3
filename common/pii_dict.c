/* Case-insensitive word dictionary with a hash filter. */
#include "pii_dict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "sil.h"

#if defined(__GNUC__) || defined(__clang__)
#define SIL_NOINLINE __attribute__((noinline))
#else
#define SIL_NOINLINE
#endif

#define FILTER_BITS SIL_PII_FILTER_BITS
#define FOLD_BUF    (SIL_PII_WORD_MAX + 8) /* a folded word and zero padding for 8-byte loads */

static const uint64_t ascii_fold = 0x2020202020202020ull, high_bits = 0x8080808080808080ull;

struct entry {
    uint64_t hash;
    uint64_t head, tail; /* the folded word's first 8 bytes (zero-padded) and last 8 */
    uint64_t bits;
    char *word; /* folded, NUL-terminated; NULL = empty slot */
    size_t n;
};

struct suffix {
    char s[SIL_PII_WORD_MAX + 1];
    size_t n;
    uint64_t bits;
};

struct sil_pii_dict {
    struct entry *tab;
    size_t cap, count;
    uint64_t quick[(1u << SIL_PII_QUICK_BITS) / 64]; /* bit per quick key of a word */
    uint64_t filter[(1u << FILTER_BITS) / 64];       /* bit per top bits of a word's hash */
    uint64_t
        tailf[(1u << SIL_PII_TAIL_BITS) / 64]; /* bit per key of the last three bytes of a suffix */
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

/* Hash of a folded word in f (FOLD_BUF bytes, zero after the word). */
static uint64_t hash_folded(const char *f, size_t n, uint64_t *head, uint64_t *tail)
{
    uint64_t mid = 0;
    *head = sil_pii_first_bytes(sil_pii_load8(f), n);
    *tail = n > 8 ? sil_pii_load8(f + n - 8) : 0;
    if (n > 16) {
        mid = 1469598103934665603ull;
        for (size_t i = 8; i < n - 8; i++) {
            mid ^= (unsigned char)f[i];
            mid *= 1099511628211ull;
        }
    }
    return sil_pii_word_hash(*head, *tail, mid, n);
}

void sil_pii_dict_get_filter(const struct sil_pii_dict *d, struct sil_pii_dict_filter *f)
{
    f->quick = d->quick;
    f->words = d->filter;
    f->tails = d->tailf;
    f->suffixes = d->nsuf > 0;
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

/* The slot holding the word, or the empty slot where it would go. f is needed when n > 16. */
static struct entry *slot(struct entry *tab, size_t cap, uint64_t h, uint64_t head, uint64_t tail,
                          const char *f, size_t n)
{
    size_t i = (size_t)(h >> 32) & (cap - 1);
    for (;;) {
        struct entry *e = &tab[i];
        if (!e->word || (e->hash == h && e->n == n && e->head == head && e->tail == tail &&
                         (n <= 16 || memcmp(e->word, f, n) == 0)))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

void sil_pii_dict_add(struct sil_pii_dict *d, const char *word, size_t n, uint64_t bits)
{
    char f[FOLD_BUF] = {0};
    uint64_t head, tail;
    if (n == 0 || n > SIL_PII_WORD_MAX)
        return;
    sil_pii_fold(word, n, f);
    if ((d->count + 1) * 2 > d->cap) {
        size_t ncap = d->cap * 2;
        struct entry *nt = sil_xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < d->cap; i++) {
            const struct entry *e = &d->tab[i];
            if (e->word)
                *slot(nt, ncap, e->hash, e->head, e->tail, e->word, e->n) = *e;
        }
        free(d->tab);
        d->tab = nt;
        d->cap = ncap;
    }
    uint64_t h = hash_folded(f, n, &head, &tail);
    struct entry *e = slot(d->tab, d->cap, h, head, tail, f, n);
    if (!e->word) {
        e->word = sil_xstrndup(f, n);
        e->hash = h;
        e->head = head;
        e->tail = tail;
        e->n = n;
        d->count++;
    }
    e->bits |= bits;
    unsigned k1 = sil_pii_filter_key1(h), k2 = sil_pii_filter_key2(h);
    d->filter[k1 >> 6] |= 1ull << (k1 & 63);
    d->filter[k2 >> 6] |= 1ull << (k2 & 63);
    if (n <= 16) {
        unsigned q = sil_pii_quick_key(f, n);
        d->quick[q >> 6] |= 1ull << (q & 63);
    }
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
    unsigned k = sil_pii_tail_key((unsigned char)s->s[n - 3], (unsigned char)s->s[n - 2],
                                  (unsigned char)s->s[n - 1]);
    d->tailf[k >> 6] |= 1ull << (k & 63);
}

static uint64_t get_folded(const struct sil_pii_dict *d, const char *f, size_t n)
{
    uint64_t head, tail, h = hash_folded(f, n, &head, &tail);
    if (!sil_pii_bit(d->filter, sil_pii_filter_key1(h)) ||
        !sil_pii_bit(d->filter, sil_pii_filter_key2(h)))
        return 0;
    const struct entry *e = slot(d->tab, d->cap, h, head, tail, f, n);
    return e->word ? e->bits : 0;
}

static uint64_t suffix_folded(const struct sil_pii_dict *d, const char *f, size_t n)
{
    uint64_t bits = 0;
    if (!sil_pii_bit(d->tailf, sil_pii_tail_key((unsigned char)f[n - 3], (unsigned char)f[n - 2],
                                                (unsigned char)f[n - 1])))
        return 0;
    for (size_t i = 0; i < d->nsuf; i++)
        if (n > d->suf[i].n && memcmp(f + n - d->suf[i].n, d->suf[i].s, d->suf[i].n) == 0)
            bits |= d->suf[i].bits;
    return bits;
}

uint64_t sil_pii_dict_get(const struct sil_pii_dict *d, const char *word, size_t n)
{
    char f[FOLD_BUF] = {0};
    if (n == 0 || n > SIL_PII_WORD_MAX)
        return 0;
    sil_pii_fold(word, n, f);
    return get_folded(d, f, n);
}

uint64_t sil_pii_dict_suffix(const struct sil_pii_dict *d, const char *word, size_t n)
{
    char f[FOLD_BUF] = {0};
    if (n < 4 || n > SIL_PII_WORD_MAX || d->nsuf == 0)
        return 0;
    sil_pii_fold(word, n, f);
    return suffix_folded(d, f, n);
}

/* Words with UTF-8 bytes or over 16 bytes: fold them first. */
static SIL_NOINLINE uint64_t word_slow(const struct sil_pii_dict *d, const char *w, size_t n)
{
    char f[FOLD_BUF] = {0};
    sil_pii_fold(w, n, f);
    uint64_t bits = get_folded(d, f, n);
    if (n >= 4 && d->nsuf)
        bits |= suffix_folded(d, f, n);
    return bits;
}

uint64_t sil_pii_dict_word(const struct sil_pii_dict *d, const char *w, size_t n, size_t avail)
{
    if (n == 0 || n > 16)
        return n > SIL_PII_WORD_MAX || n == 0 ? 0 : word_slow(d, w, n);
    /* Letters, ' and - fold by setting bit 5: two loads make the key of an ASCII word. */
    uint64_t head = 0, tail = 0, bits = 0;
    if (avail >= 8)
        head = sil_pii_load8(w);
    else
        memcpy(&head, w, n);
    head = sil_pii_first_bytes(head, n);
    if (n > 8)
        tail = sil_pii_load8(w + n - 8) | ascii_fold;
    if ((head | tail) & high_bits)
        return word_slow(d, w, n);
    head |= sil_pii_first_bytes(ascii_fold, n);
    uint64_t h = sil_pii_word_hash(head, tail, 0, n);
    if (sil_pii_bit(d->filter, sil_pii_filter_key1(h))) {
        const struct entry *e = slot(d->tab, d->cap, h, head, tail, NULL, n);
        if (e->word)
            bits = e->bits;
    }
    if (n >= 4 && d->nsuf &&
        sil_pii_bit(d->tailf, sil_pii_tail_key((unsigned char)(w[n - 3] | 0x20),
                                               (unsigned char)(w[n - 2] | 0x20),
                                               (unsigned char)(w[n - 1] | 0x20))))
        bits |= sil_pii_dict_suffix(d, w, n);
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
