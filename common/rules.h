/*
 * The PII rule engine shared by validate-no-pii and the sampler: rules from
 * policies/pii-rules.json (plus an optional user policy that adds rules or
 * disables them by id), each a PCRE2 pattern compiled once with JIT and an
 * optional checksum validator, or a dictionary of first names and surnames.
 *
 * Scanning classifies the text 64 bytes at a time into bit masks (SIMD
 * where the machine has it), then visits only the places a rule can match:
 * digit clusters, trigger characters such as '@', dictionary words
 * (keywords, name pairs), IPv6 colon runs. Only there do the patterns run,
 * each bounded by a match limit, in windows merged per rule, so scanning is
 * linear in the input. Text hidden behind escapes, percent-encoding, base64
 * or hex is decoded and scanned too.
 *
 * A struct sil_rules is immutable once loaded and may be shared by threads;
 * each thread scans with its own struct sil_rscan.
 */
#ifndef SIL_RULES_H
#define SIL_RULES_H

#include <stddef.h>

#include "err.h"
#include "pii_check.h"
#include "shape.h"

#define SIL_RULES_FORMAT  "silhouette.pii-rules"
#define SIL_RULES_VERSION 1

enum sil_rule_severity { SIL_SEV_LOW = 1, SIL_SEV_MEDIUM, SIL_SEV_HIGH };

/* A loaded rule, as described by its policy file. Owned by the rule set. */
struct sil_rule_info {
    const char *id;
    const char *description;
    enum sil_class kind; /* the shape classification a match implies */
    enum sil_rule_severity severity;
    enum sil_pii_mask_style mask;
    const char *type;   /* "regex", "names", "name-date" or "builtin" */
    const char *origin; /* the policy file that defined it */
};

struct sil_rules;
struct sil_rscan;

/*
 * Load the shipped rules from `shipped` (NULL: sil_policy_path("pii-rules
 * .json")), then the user policy `user` (may be NULL): its "rules" are
 * added (a rule with the id of a shipped one replaces it) and its "disable"
 * ids are removed. Word lists named by a policy are read relative to that
 * policy's directory. Fails with SIL_EINPUT naming the file and JSON path
 * (a pattern error carries its offset), or SIL_EIO. Free with
 * sil_rules_free.
 */
struct sil_rules *sil_rules_load(const char *shipped, const char *user,
                                 struct sil_err *err) SIL_WUR;
void sil_rules_free(struct sil_rules *r);

size_t sil_rules_count(const struct sil_rules *r);
const struct sil_rule_info *sil_rules_get(const struct sil_rules *r, size_t i);
/* Index of the rule with this id, or -1. */
long sil_rules_find(const struct sil_rules *r, const char *id);
/* The ids a user policy disabled (for reports), NULL-terminated; owned by r. */
const char *const *sil_rules_disabled(const struct sil_rules *r);
/*
 * All regex rules as one alternation "(?:p1)|(?i:p2)|..." (for comparing
 * with grep -P). Caller frees.
 */
char *sil_rules_combined_pattern(const struct sil_rules *r);

/* Scan flags. */
enum {
    SIL_SCAN_STRICT = 1,   /* values in reserved fictional ranges count as PII */
    SIL_SCAN_ALL = 2,      /* report overlapping matches of different rules too */
    SIL_SCAN_NO_DECODE = 4 /* do not decode escapes, base64 or hex */
};

/* How a match was found. */
enum sil_decoding {
    SIL_DECODED_NONE = 0,
    SIL_DECODED_ESCAPES, /* %XX, \uXXXX, \xXX */
    SIL_DECODED_BASE64,
    SIL_DECODED_HEX
};

struct sil_match {
    size_t rule;       /* index for sil_rules_get */
    size_t start, end; /* in the scanned text; for decoded text, the encoded span */
    const char *value; /* the matched bytes (decoded when decoded), valid in the callback */
    size_t value_len;
    enum sil_decoding decoded;
    int fictional; /* reported only under SIL_SCAN_STRICT */
    size_t line;   /* sil_rscan_lines: the line number; 0 from sil_rscan_text */
};

/* Called for each match in order of position; return nonzero to stop the scan. */
typedef int (*sil_match_fn)(void *ctx, const struct sil_match *m);

struct sil_rscan *sil_rscan_new(const struct sil_rules *r);
/* NULL is a no-op. */
void sil_rscan_free(struct sil_rscan *sc);
/* The rule set a scanner uses. */
const struct sil_rules *sil_rscan_rules(const struct sil_rscan *sc);

/*
 * Scan text (any bytes; need not be NUL-terminated). Returns the number of
 * matches passed to fn, which may be NULL to only count. fn must not use sc.
 * Scratch memory of the scanner grows to about n bytes.
 */
size_t sil_rscan_text(struct sil_rscan *sc, const char *s, size_t n, unsigned flags,
                      sil_match_fn fn, void *ctx);

/*
 * Scan a buffer of lines ('\n' ends a line, a '\r' before it is not part
 * of it) with exactly the matches sil_rscan_text would find in each line on
 * its own, only faster: the buffer is classified a chunk at a time. Match
 * positions are offsets in their line; m->line numbers lines from *lines,
 * which is left at the number the next line would get (so a buffer can be
 * scanned in pieces that end with '\n'). Stops when fn returns nonzero.
 * Returns the number of matches passed to fn.
 */
size_t sil_rscan_lines(struct sil_rscan *sc, const char *s, size_t n, size_t *lines, unsigned flags,
                       sil_match_fn fn, void *ctx);

/* Mask a value as the rule's kind requires. Returns out. */
char *sil_rules_mask(const struct sil_rules *r, size_t rule, const char *s, size_t n, char *out,
                     size_t outsz);

/*
 * Column classification for the sampler: feed a sample of a column's
 * values, then ask which personal kind they look like.
 */
struct sil_pii_profile {
    size_t values;                  /* values fed */
    size_t any[SIL_CLASS__COUNT];   /* values where a rule of that kind matched somewhere */
    size_t whole[SIL_CLASS__COUNT]; /* values a match of that kind covers entirely */
    size_t some;                    /* values where any personal rule matched */
};

void sil_pii_profile_init(struct sil_pii_profile *p);
/* Count one value (strict: fictional values count, since production test rows are PII-shaped). */
void sil_rscan_profile(struct sil_rscan *sc, const char *value, size_t n,
                       struct sil_pii_profile *p);
/*
 * The personal class matched as a whole by at least min_fraction of the
 * values (the most frequent such class); SIL_CLASS_PERSONAL_FREE_TEXT when
 * no class qualifies as a whole but at least min_fraction of values contain
 * some PII; otherwise SIL_CLASS_PUBLIC.
 */
enum sil_class sil_pii_profile_class(const struct sil_pii_profile *p, double min_fraction);

#endif
