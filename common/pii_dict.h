/*
 * A case-insensitive word dictionary for the PII rules: first names,
 * surnames and trigger keywords, each word carrying a bit set saying which
 * lists it is on. Case folding covers ASCII and the Latin-1 letters of UTF-8
 * (Ä -> ä). A 3-byte prefix filter keeps the per-word cost of a scan low.
 */
#ifndef SIL_PII_DICT_H
#define SIL_PII_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Words longer than this are never looked up (no name or keyword is). */
#define SIL_PII_WORD_MAX 40

struct sil_pii_dict;

struct sil_pii_dict *sil_pii_dict_new(void);
/* NULL is a no-op. */
void sil_pii_dict_free(struct sil_pii_dict *d);

/* Add a word (any case) with `bits` OR-ed into what it already has. */
void sil_pii_dict_add(struct sil_pii_dict *d, const char *word, size_t n, uint64_t bits);
/* Add a word ending ("gatan", "straße"): words ending in it get `bits`. */
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
size_t sil_pii_dict_size(const struct sil_pii_dict *d);

/*
 * The prefix filter, for scanners that want to skip the call: the bit for a
 * word's first three bytes (folded) in the table sil_pii_dict_prefixes()
 * returns; a clear bit means sil_pii_dict_get() would return 0.
 */
static inline unsigned sil_pii_key3(const char *w, size_t n)
{
    unsigned char f[3] = {0, 0, 0};
    for (size_t i = 0; i < 3 && i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        else if (c >= 0x80 && c <= 0x9e && i > 0 && (unsigned char)w[i - 1] == 0xc3 && c != 0x97)
            c = (unsigned char)(c + 0x20);
        f[i] = c;
    }
    return (f[0] * 0x9e37u ^ f[1] * 0x85ebu ^ f[2] * 0xc2b3u ^ ((unsigned)f[2] << 8)) & 0xffffu;
}
const uint8_t *sil_pii_dict_prefixes(const struct sil_pii_dict *d);

/* Fold one word to lower case into out (at least n bytes); returns its length. */
size_t sil_pii_fold(const char *s, size_t n, char *out);

#endif
