/*
 * Personal values that are realistic and provably unreal: names and
 * addresses from the built-in dictionaries, e-mail addresses on reserved
 * domains, phone numbers in reserved fictional ranges, national identity
 * numbers, IBANs and card numbers with valid check digits in ranges no
 * real person holds. docs/generator.md documents every range and its source.
 */
#ifndef GEN_PII_H
#define GEN_PII_H

#include <stddef.h>
#include <stdint.h>

#include "dict.h"
#include "shape.h"

/*
 * Write a value of class `cls` for `loc` into out (at most cap-1 bytes plus
 * a NUL); returns its length. Random draws come from (key, row), names
 * from (person, row) so the columns of one row describe one person. When
 * uidx >= 0 the value is an injective function of uidx (unique by
 * construction), as long as uidx < gen_pii_capacity(cls, loc).
 */
size_t gen_pii(enum sil_class cls, enum gen_locale loc, uint64_t key, uint64_t person, int64_t row,
               int64_t uidx, char *out, size_t cap);
/*
 * gen_pii for a row whose birth date is `born` (epoch days), which values
 * that encode one (personal numbers) then encode; GEN_BIRTH_PERSON means
 * the person's own (gen_person_birth_days).
 */
#define GEN_BIRTH_PERSON INT64_MIN
size_t gen_pii_born(enum sil_class cls, enum gen_locale loc, uint64_t key, uint64_t person,
                    int64_t row, int64_t uidx, int64_t born, char *out, size_t cap);
/* How many distinct values a class can produce (INT64_MAX: unbounded). */
int64_t gen_pii_capacity(enum sil_class cls, enum gen_locale loc);

/* The birth date (epoch days, 1940-2005) and sex of the person a row
 * describes, shared by birth-date columns and personal numbers. */
int64_t gen_person_birth_days(uint64_t person, int64_t row);
int gen_person_female(uint64_t person, int64_t row);

/* Pieces, also used by template faker methods. */
size_t gen_pii_first_name(enum gen_locale loc, uint64_t bits, char *out, size_t cap);
size_t gen_pii_last_name(enum gen_locale loc, uint64_t bits, char *out, size_t cap);
/* Free text of exactly `len` bytes (ASCII words). */
size_t gen_free_text(uint64_t bits, size_t len, char *out, size_t cap);

/* Check digits, exposed for tests and the report. */
int gen_luhn_digit(const char *digits); /* the digit to append */
int gen_luhn_valid(const char *digits);
int gen_iban_check(const char *country, const char *bban); /* two check digits */
int gen_iban_valid(const char *iban);
int gen_steuerid_digit(const char *ten_digits);
int gen_nir_key(const char *thirteen_digits);

/* The published test card numbers used for personal:card. */
extern const char *const gen_test_cards[];
extern const size_t gen_test_cards_n;

#endif
