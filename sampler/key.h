/*
 * The HMAC key that makes tokens: loaded from a key file (refused when group-
 * or world-readable) or $SILHOUETTE_HMAC_KEY, never from argv; kept in
 * sodium_malloc memory and wiped on free. Tokens are HMAC-SHA256 of the
 * value, lower-case hex cut to the token length; the key id is a BLAKE2b
 * hash of the key under its own personalisation, so it names the key
 * without being a token of anything. Only the sampler links this module.
 */
#ifndef SAMPLER_KEY_H
#define SAMPLER_KEY_H

#include <stddef.h>

#include "err.h"

#define SAMPLER_KEY_MIN    32  /* bytes */
#define SAMPLER_KEY_MAX    256 /* bytes */
#define SAMPLER_KEY_ENV    "SILHOUETTE_HMAC_KEY"
#define SAMPLER_KEY_ID_LEN 16 /* hex characters */
#define SAMPLER_TOKEN_MAX  64 /* hex characters of a full HMAC-SHA256 */

struct sampler_key;

/*
 * Load the key: from `path` when it is not NULL, else from $SILHOUETTE_HMAC_KEY
 * (the variable is wiped and unset once read). *out is NULL with 0 returned
 * when neither is given. A key is 64 or more hex digits (what `keygen`
 * writes) or, failing that, at least 32 bytes of text; one trailing newline
 * is ignored. Fails with SIL_EPOLICY for a key file that others may read,
 * SIL_EINPUT for a short or empty key, SIL_EIO when unreadable.
 */
int sampler_key_load(const char *path, struct sampler_key **out, struct sil_err *err) SIL_WUR;
/* A key from bytes (tests). NULL when shorter than SAMPLER_KEY_MIN. */
struct sampler_key *sampler_key_from_bytes(const unsigned char *k, size_t n);
/* Wipes and frees; NULL is a no-op. */
void sampler_key_free(struct sampler_key *key);

/*
 * The token of `n` bytes of data: the first `hexlen` (even, 8..64) hex
 * characters of HMAC-SHA256(key, data), NUL-terminated in out. When those
 * are all decimal digits, the MAC is HMACed again until they are not, so a
 * token can never look like a number.
 */
void sampler_key_token(const struct sampler_key *key, const void *data, size_t n, int hexlen,
                       char out[SAMPLER_TOKEN_MAX + 1]);
/* The 16-hex-character key id (never all decimal digits). */
void sampler_key_id(const struct sampler_key *key, char out[SAMPLER_KEY_ID_LEN + 1]);

/*
 * Write a new random 32-byte key as hex to `path` with mode 0600. Refuses an
 * existing file unless `force`. Writes the key id to id_out.
 */
int sampler_keygen(const char *path, int force, char id_out[SAMPLER_KEY_ID_LEN + 1],
                   struct sil_err *err) SIL_WUR;

#endif
