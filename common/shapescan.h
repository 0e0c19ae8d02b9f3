/*
 * Structure-aware privacy check of a shape file: the strict shape reader
 * (unknown keys, wrong types, token formats, tokens of decimal digits only,
 * length limits), then every string in the document -- keys, identifiers,
 * tokens, category values, expressions -- through the PII rules (decoded
 * when escaped, percent-encoded, base64 or hex; read once more with '_' as
 * a blank), integral numbers of nine digits or more through the digit
 * rules, and opaque strings (long hex runs, long high-entropy base64-like
 * runs, escaped text) flagged outright. Used by validate-no-pii on files
 * and by the sampler on the tree it is about to write.
 *
 * Findings never carry a value in clear: `masked` is the rule's masked
 * rendering and `path` masks any key that is not part of the format.
 */
#ifndef SIL_SHAPESCAN_H
#define SIL_SHAPESCAN_H

#include <cjson/cJSON.h>

#include "checksum.h"
#include "rules.h"

/* Checks of the shape scanner that are not PII rules. */
#define SIL_CHECK_STRUCTURE "shape-structure"  /* the strict reader refused the shape */
#define SIL_CHECK_TOKEN     "token-format"     /* a token that is not hex of token_length */
#define SIL_CHECK_ALLDIGITS "token-all-digits" /* a token of decimal digits only */
#define SIL_CHECK_LENGTH    "length-limit"     /* identifier or clear category too long */
#define SIL_CHECK_ENCODED   "encoded-string"   /* long base64/hex run, escaped text */
#define SIL_CHECK_EXPIRED   "shape-expired"    /* expires_at is in the past */

struct sil_finding {
    const char *rule;    /* a rule id, or one of the SIL_CHECK_* names */
    enum sil_class kind; /* SIL_CLASS_PERSONAL_OTHER for structural checks */
    enum sil_rule_severity severity;
    const char *path;                   /* JSON path; "" when not known */
    int line, column;                   /* 1-based for text input; 0 for JSON paths */
    const char *masked;                 /* the masked value, "" when there is none */
    const char *message;                /* what is wrong, without the value */
    char value_hash[SIL_CHECKSUM_SIZE]; /* BLAKE2b-256 of the value ("" when none) */
    enum sil_decoding decoded;
    int fictional; /* only reported in strict mode */
};

/* Called for each finding; return nonzero to stop. */
typedef int (*sil_finding_fn)(void *ctx, const struct sil_finding *f);

/* Flags: SIL_SCAN_STRICT from rules.h, plus: */
enum {
    SIL_SHAPESCAN_UNSEALED = 0x100 /* accept a sampled shape without its checksum (self-check) */
};

/*
 * Check a parsed shape. Returns the number of findings reported (0 = may
 * leave production), or -1 when the callback stopped the scan early.
 * Never fails otherwise: a tree that is not a valid shape is a finding.
 */
long sil_shapescan_tree(struct sil_rscan *sc, const cJSON *root, unsigned flags, sil_finding_fn fn,
                        void *ctx);

/*
 * Parse and check a buffer (NUL at data[len]). Invalid JSON is an input
 * error: -2 with err set (file, line, column). Otherwise as above.
 */
long sil_shapescan_buffer(struct sil_rscan *sc, const char *data, size_t len, const char *name,
                          unsigned flags, sil_finding_fn fn, void *ctx, struct sil_err *err);

/* True when the text looks like a shape file (a JSON object whose "format" is the shape's). */
int sil_shapescan_is_shape(const char *data, size_t len);

/*
 * Mask every double-quoted part of a message that is not a word of the
 * shape format, so an error about a value cannot print the value.
 */
void sil_shapescan_sanitize(const char *msg, char *out, size_t outsz);

#endif
