/*
 * A case-insensitive word dictionary for the PII rules: first names,
 * surnames and trigger keywords, each word carrying a bit set saying which
 * lists it is on, plus word endings ("gatan", "straße"). Case folding covers
 * ASCII and the Latin-1 letters of UTF-8 (Ä -> ä).
 *
 * A lookup is built for scanners that ask about every word of the text: the
 * hash of a short ASCII word comes from two 8-byte loads, and an 8 KiB bit
 * filter indexed by the hash answers "absent" for almost every word without
 * touching the table.
 */
#ifndef SIL_PII_DICT_H
#define SIL_PII_DICT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

/* Words longer than this are never looked up (no name or keyword is). */
#define SIL_PII_WORD_MAX 40

struct sil_pii_dict;

struct sil_pii_dict *sil_pii_dict_new(void);
/* NULL is a no-op. */
void sil_pii_dict_free(struct sil_pii_dict *d);

/* Add a word (any case) with `bits` OR-ed into what it already has. */
void sil_pii_dict_add(struct sil_pii_dict *d, const char *word, size_t n, uint64_t bits);
/*
 * Add a word ending ("gatan", "straße"; at least 3 bytes): words ending in
 * it get `bits`.
 */
void sil_pii_dict_add_suffix(struct sil_pii_dict *d, const char *suffix, size_t n, uint64_t bits);

/*
 * Load a word list: UTF-8, one word per line, '#' starts a comment, blank
 * lines ignored. Returns the number of words, or -1 with err naming the
 * file and line.
 */
long sil_pii_dict_load(struct sil_pii_dict *d, const char *path, uint64_t bits,
                       struct sil_err *err) SIL_WUR;

/* The bits of a word (0 when absent), case-insensitively. */
uint64_t sil_pii_dict_get(const struct sil_pii_dict *d, const char *word, size_t n);
/* The bits of every suffix the word ends with (the word must be longer than the suffix). */
uint64_t sil_pii_dict_suffix(const struct sil_pii_dict *d, const char *word, size_t n);
/*
 * Both at once, for a word of text: letters, ' and - and UTF-8 bytes only
 * (what a scanner calls a word). `avail` is how many bytes may be read from
 * `word` (at least n): with 8 or more the word is loaded whole.
 */
uint64_t sil_pii_dict_word(const struct sil_pii_dict *d, const char *word, size_t n, size_t avail);
size_t sil_pii_dict_size(const struct sil_pii_dict *d);

/*
 * The filters of a dictionary, for scanners that test every word inline
 * with sil_pii_dict_maybe() and call sil_pii_dict_word() only when it says
 * so. Owned by the dictionary.
 */
struct sil_pii_dict_filter {
    const uint64_t *quick; /* bit per sil_pii_quick_key of a word of up to 16 bytes */
    const uint64_t *words; /* Bloom filter of the words' hashes (two keys) */
    const uint64_t *tails; /* bit per hashed last three bytes of a suffix */
    int suffixes;          /* the dictionary has suffixes */
};
void sil_pii_dict_get_filter(const struct sil_pii_dict *d, struct sil_pii_dict_filter *f);

#define SIL_PII_FILTER_BITS 16

/* Inlined into the scanner's hot loops, whatever the compiler's size limits say. */
#if defined(__GNUC__) || defined(__clang__)
#define SIL_PII_INLINE inline __attribute__((always_inline))
#else
#define SIL_PII_INLINE inline
#endif

static inline uint64_t sil_pii_load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* The first k (1..8) bytes, in memory order, of an 8-byte load. */
static inline uint64_t sil_pii_first_bytes(uint64_t x, size_t k)
{
    if (k >= 8)
        return x;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return x & ~(~0ull >> (8 * k));
#else
    return x & ((1ull << (8 * k)) - 1);
#endif
}

/*
 * The hash of a folded word from its first 8 bytes, last 8 (n > 8) and middle
 * (n > 16): one multiply for a short word. Its high bits are the well mixed ones.
 */
static inline uint64_t sil_pii_word_hash(uint64_t head, uint64_t tail, uint64_t mid, size_t n)
{
    /* Two independent multiplies: a short dependency chain for the scanner's filter. */
    return (head + (uint64_t)n) * 0x9e3779b97f4a7c15ull ^ (tail ^ mid) * 0xc2b2ae3d27d4eb4full;
}

/* The word filter is a Bloom filter with two keys from the hash's high bits. */
static inline unsigned sil_pii_filter_key1(uint64_t h)
{
    return (unsigned)(h >> (64 - SIL_PII_FILTER_BITS));
}

static inline unsigned sil_pii_filter_key2(uint64_t h)
{
    return (unsigned)(h >> (64 - 2 * SIL_PII_FILTER_BITS)) & ((1u << SIL_PII_FILTER_BITS) - 1);
}

/* The suffix filter's key: five bits of each of the last three bytes. */
#define SIL_PII_TAIL_BITS 15
static inline unsigned sil_pii_tail_key(unsigned char a, unsigned char b, unsigned char c)
{
    return (unsigned)(a & 31) << 10 | (unsigned)(b & 31) << 5 | (unsigned)(c & 31);
}

/* A first, cheap key: the length and five bits of the first and the last byte. */
#define SIL_PII_QUICK_BITS 14
static inline unsigned sil_pii_quick_key(const char *w, size_t n)
{
    return (unsigned)((n - 1) & 15) << 10 | (unsigned)(w[0] & 31) << 5 | (unsigned)(w[n - 1] & 31);
}

static inline int sil_pii_bit(const uint64_t *set, unsigned k)
{
    return (int)((set[k >> 6] >> (k & 63)) & 1);
}

/* The key of a short ASCII word of text: its folded bytes and their hash. */
struct sil_pii_word_key {
    uint64_t head, tail, hash;
    size_t n;
};

/*
 * Compute the key of a word of text (letters, ' and - and UTF-8 bytes) of
 * 1 to 16 bytes, `avail` of which (at least 8) may be read. Returns 0 for a
 * word that has none (longer, non-ASCII, or near the end of the text): only
 * sil_pii_dict_word() knows about those. Letters, ' and - fold to lower case
 * by setting bit 5, so two loads make the key. No branch on the length.
 */
static SIL_PII_INLINE int sil_pii_word_key(const char *w, size_t n, size_t avail,
                                           struct sil_pii_word_key *key)
{
    const uint64_t fold = 0x2020202020202020ull, high = 0x8080808080808080ull;
    if (n - 1 >= 16 || avail < 8)
        return 0;
    size_t k = n < 8 ? n : 8, big = n > 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint64_t keep = ~0ull << (64 - 8 * k);
#else
    uint64_t keep = ~0ull >> (64 - 8 * k);
#endif
    uint64_t head = sil_pii_load8(w) & keep;
    uint64_t tail = (sil_pii_load8(w + (n - 8) * big) | fold) & ((uint64_t)0 - big);
    if (((head | tail) & high) != 0)
        return 0;
    key->head = head | (fold & keep);
    key->tail = tail;
    key->n = n;
    key->hash = sil_pii_word_hash(key->head, tail, 0, n);
    return 1;
}

/*
 * False when sil_pii_dict_word() would surely return 0 for this word of
 * text (same arguments): a word of up to 16 bytes whose ending misses the
 * suffix filter and, when ASCII, whose hash misses the word filter.
 * Scanners call it for every word.
 */
static SIL_PII_INLINE int sil_pii_dict_maybe(const struct sil_pii_dict_filter *f, const char *w,
                                             size_t n, size_t avail)
{
    struct sil_pii_word_key key;
    if (n - 1 >= 16 || avail < 8)
        return n - 1 < SIL_PII_WORD_MAX; /* rare: let the full lookup decide */
    size_t t = n >= 3 ? n - 3 : 0;
    unsigned tk =
        sil_pii_tail_key((unsigned char)w[t], (unsigned char)w[t + 1], (unsigned char)w[t + 2]);
    int suffix = (n >= 4) & f->suffixes & sil_pii_bit(f->tails, tk);
    if (!sil_pii_word_key(w, n, avail, &key))
        return 1;
    return (sil_pii_bit(f->words, sil_pii_filter_key1(key.hash)) &
            sil_pii_bit(f->words, sil_pii_filter_key2(key.hash))) |
           suffix;
}

/* Fold one word to lower case into out (at least n bytes); returns its length. */
size_t sil_pii_fold(const char *s, size_t n, char *out);

#endif
