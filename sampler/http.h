/*
 * The sampler's HTTP client for REST sources (libcurl; only the sampler links
 * it). A guest in production like the PostgreSQL session: GET only, one
 * connection reused, a rate limit, connect and total timeouts, retries with
 * exponential backoff on 429 and 5xx honouring Retry-After, TLS verification
 * always on (a private CA through tls_ca_file), redirects followed only to
 * the same scheme, host and port, bodies capped at max_response_bytes, and
 * Ctrl-C aborting the transfer. Every attempt is recorded in the audit log
 * with its URL masked. The secret (token or password) is read from a file
 * (refused when group- or world-readable) or an environment variable (wiped
 * and unset once read), kept in sodium_malloc memory, and never logged nor
 * put in a message.
 */
#ifndef SAMPLER_HTTP_H
#define SAMPLER_HTTP_H

#include <stdint.h>

#include "apidesc.h"
#include "audit.h"
#include "buf.h"
#include "err.h"

#define SAMPLER_HTTP_MAX_REDIRECTS 5

struct sampler_http;

/* A successful (2xx) response. */
struct sampler_response {
    long status;
    struct sil_buf body; /* NUL-terminated, at most max_response_bytes */
    char *content_type;  /* or NULL */
    char *link_next;     /* the Link header's rel="next" target, or NULL */
    char *url;           /* the URL that answered (after same-host redirects) */
};

void sampler_response_release(struct sampler_response *r);

/*
 * Read the secret the description names and set up the handle. Fails with
 * SIL_EPOLICY for a secret file others may read, SIL_EINPUT for a missing
 * file or variable or an unusable secret (control characters), SIL_EIO.
 * The audit log must outlive the handle.
 */
struct sampler_http *sampler_http_new(const struct sampler_apidesc *d, struct sampler_audit *audit,
                                      struct sil_err *err) SIL_WUR;
/* Wipes the secret. NULL is a no-op. */
void sampler_http_free(struct sampler_http *h);

/*
 * GET `url` (absolute, on the base URL's origin). On success *r holds the
 * response (caller releases it). Fails with SIL_ENET (status, transport or
 * TLS error, retries spent, too large), SIL_EPOLICY (redirect to another
 * host) or SIL_EINTR; the message names the masked URL.
 */
int sampler_http_get(struct sampler_http *h, const char *url, struct sampler_response *r,
                     struct sil_err *err) SIL_WUR;

/* Requests made (attempts included). */
int64_t sampler_http_requests(const struct sampler_http *h);

/*
 * The URL as it may be logged: the values of query parameters that may hold
 * secrets (api_key, token, access_token, key, password, secret, signature,
 * sig, auth, code, and `extra` when not NULL) replaced by "REDACTED", and no
 * fragment. Caller frees.
 */
char *sampler_url_redact(const char *url, const char *extra);

/* Seconds a Retry-After value asks for (delta seconds or an HTTP date), or -1. */
double sampler_retry_after(const char *value, double now_epoch);

#endif
