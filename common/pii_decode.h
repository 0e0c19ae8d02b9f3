/*
 * Decoders that undo the encodings PII can hide behind before the rules run
 * on it: percent-encoding, JSON/C unicode and hex escapes, base64 and hex,
 * plus the Shannon entropy of a string for flagging opaque blobs.
 */
#ifndef SIL_PII_DECODE_H
#define SIL_PII_DECODE_H

#include <stddef.h>

#include "buf.h"

/*
 * Undo %XX, \uXXXX (surrogate pairs joined), \xXX and the JSON escapes
 * \" \\ \/ \n \t \r \b \f in s. The decoded text goes to out (reset first);
 * when map is not NULL, (*map)[i] is the offset in s of the escape that
 * produced decoded byte i (the array is grown with sil_xgrow; caller frees).
 * Returns 1 when anything was decoded, 0 when s had no escape (out is then
 * left empty).
 */
int sil_pii_unescape(const char *s, size_t n, struct sil_buf *out, size_t **map, size_t *mapcap);

/* True when s has at least one escape sil_pii_unescape would decode. */
int sil_pii_has_escape(const char *s, size_t n);

/*
 * Decode base64 (standard or URL-safe alphabet, padding optional) into out.
 * Returns the decoded length, or -1 when s is not base64 or out is too small.
 */
long sil_pii_base64(const char *s, size_t n, unsigned char *out, size_t outsz);
/* Decode an even-length hex string. Same returns. */
long sil_pii_unhex(const char *s, size_t n, unsigned char *out, size_t outsz);

/* Decoded bytes that read as text: no NUL, at least 90% printable or UTF-8. */
int sil_pii_is_text(const unsigned char *s, size_t n);

/* Shannon entropy in bits per byte. */
double sil_pii_entropy(const char *s, size_t n);

#endif
