/*
 * Checksum and plausibility validators for PII rule matches, the "provably
 * fictional" ranges the generator draws from, and masking of matched values
 * for reports. Every function takes the matched bytes (not NUL-terminated)
 * and never allocates.
 */
#ifndef SIL_PII_CHECK_H
#define SIL_PII_CHECK_H

#include <stddef.h>

/* What a validator says about a match. */
enum sil_pii_verdict {
    SIL_PII_INVALID = 0, /* not PII: checksum or structure fails */
    SIL_PII_VALID,       /* PII */
    SIL_PII_FICTIONAL    /* well-formed but in a reserved, never-assigned range */
};

/* Validators by name, as used in policies/pii-rules.json ("validator"). */
enum sil_pii_validator {
    SIL_V_NONE,
    SIL_V_LUHN,         /* Luhn over the digits, 12 to 19 of them */
    SIL_V_CARD,         /* payment card: 13-19 digits, Luhn, not one repeated digit */
    SIL_V_IBAN,         /* country length table and mod-97 */
    SIL_V_SSN,          /* US SSN area/group/serial rules */
    SIL_V_PERSONNUMMER, /* Swedish personnummer: date and Luhn */
    SIL_V_SAMORDNING,   /* Swedish samordningsnummer: day + 60, date and Luhn */
    SIL_V_DATE,         /* the match contains a valid calendar date (1900-2100) */
    SIL_V_EMAIL,        /* reserved domains (RFC 2606/6761) are fictional */
    SIL_V_PHONE,        /* digit count, and reserved fictional ranges per country */
    SIL_V_IPV4,         /* octets, and non-personal / documentation ranges */
    SIL_V_IPV6,         /* inet_pton, and documentation / loopback ranges */
    SIL_V__COUNT
};

/* Name <-> enum; parse returns -1 for an unknown name. */
const char *sil_pii_validator_name(enum sil_pii_validator v);
int sil_pii_validator_parse(const char *s, enum sil_pii_validator *out);

/*
 * Run validator `v` on the match. `country` is an ISO 3166 alpha-2 code for
 * phone rules (the numbering plan of numbers written without a country
 * code), or NULL.
 */
enum sil_pii_verdict sil_pii_validate(enum sil_pii_validator v, const char *s, size_t n,
                                      const char *country);

/* The building blocks, exposed for tests and the sampler. */
int sil_pii_luhn_ok(const char *digits, size_t n); /* digits only */
int sil_pii_iban_ok(const char *s, size_t n);      /* spaces allowed */
int sil_pii_iban_length(const char *country);      /* 0 for unknown */
/* Bytes of s that hold exactly the country's IBAN length of characters; 0 if too few. */
size_t sil_pii_iban_span(const char *s, size_t n);
int sil_pii_date_ok(int year, int month, int day); /* proleptic Gregorian */
enum sil_pii_verdict sil_pii_ssn(const char *s, size_t n);
enum sil_pii_verdict sil_pii_personnummer(const char *s, size_t n, int coordination);
enum sil_pii_verdict sil_pii_email(const char *s, size_t n);
enum sil_pii_verdict sil_pii_phone(const char *s, size_t n, const char *country);
enum sil_pii_verdict sil_pii_ipv4(const char *s, size_t n);
enum sil_pii_verdict sil_pii_ipv6(const char *s, size_t n);
/*
 * Find a valid date in the text: YYYY-MM-DD, YYYYMMDD, D/M/YYYY, M/D/YYYY,
 * D.M.YYYY (two-digit years too) or "12 March 1985" (English, German,
 * French, Swedish month names), years 1900-2100. Returns 1 and the span
 * (either pointer may be NULL), or 0.
 */
int sil_pii_find_date(const char *s, size_t n, size_t *start, size_t *end);

/* How to mask a value in a report. */
enum sil_pii_mask_style {
    SIL_MASK_GENERIC, /* first two and last two letters or digits kept */
    SIL_MASK_EMAIL,   /* a***@g***.com */
    SIL_MASK_CARD,    /* 4111 **** **** 1111 */
    SIL_MASK_WORDS,   /* first letter of each word: J*** S**** */
    SIL_MASK_HEAD,    /* first two letters or digits only: 19**-**-** */
    SIL_MASK_BLOB     /* first four bytes and the length: abcd*** (48 bytes) */
};

/*
 * Write a masked rendering of the value into out (always NUL-terminated,
 * ASCII only: kept non-ASCII characters become '*'). Returns out.
 */
char *sil_pii_mask(enum sil_pii_mask_style style, const char *s, size_t n, char *out, size_t outsz);

#endif
