/*
 * A sampler run: read a source's catalog and bounded samples, classify and
 * protect, check the result with the same rules as validate-no-pii, and
 * write the shape atomically with the checksum of the audit log of every
 * statement sent. main.c parses the command line into sampler_opts and
 * calls sampler_run().
 */
#ifndef SAMPLER_SAMPLER_H
#define SAMPLER_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum sampler_source { SAMPLER_SOURCE_POSTGRESQL, SAMPLER_SOURCE_REST };

/* Defaults (documented in docs/sampler.md and the man page). */
#define SAMPLER_DEF_SAMPLE_ROWS       100000
#define SAMPLER_DEF_EXACT_THRESHOLD   1000000
#define SAMPLER_DEF_FK_PARENTS        10000
#define SAMPLER_DEF_HEAVY             1000
#define SAMPLER_DEF_K                 10
#define SAMPLER_DEF_TOKEN_LENGTH      16
#define SAMPLER_DEF_MAX_CAT_BYTES     64
#define SAMPLER_DEF_MAX_CATEGORIES    1000
#define SAMPLER_DEF_STATEMENT_TIMEOUT 30000 /* ms */
#define SAMPLER_DEF_LOCK_TIMEOUT      2000  /* ms */
#define SAMPLER_DEF_IDLE_TIMEOUT      60000 /* ms */
#define SAMPLER_DEF_CONNECT_TIMEOUT   10    /* s */

struct sampler_opts {
    enum sampler_source source;
    const char *dsn; /* NULL: PG* variables */
    const char *api; /* REST: the source description (--api) */
    const char *out;
    const char *audit_path;     /* NULL: <out>.audit.jsonl */
    const char *key_file;       /* NULL: $SILHOUETTE_HMAC_KEY, or no key */
    const char *policy;         /* user policy, or NULL */
    const char *rules;          /* user PII rule policy (as validate-no-pii --rules), or NULL */
    const char *policy_default; /* NULL: the shipped sampler-default.json */
    const char *locale;         /* NULL: from the server's lc_ctype when known */
    char **schemas;
    size_t nschemas;
    char **includes;
    size_t nincludes;
    char **excludes;
    size_t nexcludes;
    int64_t sample_rows;
    int64_t exact_threshold;
    int64_t fk_parents;
    int64_t heavy_threshold;
    int k;
    int token_length;
    int max_category_bytes;
    int max_categories;
    int statement_timeout_ms;
    int lock_timeout_ms;
    int idle_timeout_ms;
    int connect_timeout_s;
    int64_t expires_in_days; /* --ttl-days; 0: the policy's ttl_days */
    int metadata_only;
    int allow_superuser;
};

/* Fill the defaults. */
void sampler_opts_init(struct sampler_opts *o);

/*
 * The whole run. On success the shape is at o->out and the audit log at its
 * path. On failure no shape is written (an existing file is left as it was);
 * err says why and sil_err_exit_code() gives the exit status.
 */
int sampler_run(const struct sampler_opts *o, struct sil_err *err) SIL_WUR;

#endif
