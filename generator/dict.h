/*
 * The generator's dictionaries: generator/data/<locale>.txt and common.txt,
 * built into the binary. Parsed once (gen_dict_init is idempotent and
 * thread-safe); every string is read-only for the life of the process.
 */
#ifndef GEN_DICT_H
#define GEN_DICT_H

#include <stddef.h>

enum gen_locale { GEN_EN_US, GEN_EN_GB, GEN_DE_DE, GEN_FR_FR, GEN_SV_SE, GEN__LOCALES };

struct gen_list {
    size_t n;
    const char **v;
    const char **aux; /* the part after '|' (postcode prefix, country name), or NULL */
};

struct gen_locale_dict {
    struct gen_list first_female, first_male, last, street, city, phone;
};

struct gen_dict {
    struct gen_locale_dict loc[GEN__LOCALES];
    struct gen_list words, job, company, bs_verb, bs_adj, bs_noun, currency, country, color;
    /* A long run of words for free text: substrings start at word starts. */
    const char *text;
    size_t text_len;
    size_t nstarts;
    const unsigned *starts;
};

/* Parse the built-in dictionaries (aborts on a malformed built-in file). */
const struct gen_dict *gen_dict_get(void);
enum gen_locale gen_locale_index(const char *name); /* unknown -> GEN_EN_US */
const char *gen_locale_name(enum gen_locale l);

#endif
