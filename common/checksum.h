/* BLAKE2b-256 checksums through libsodium, written "blake2b-256:<64 hex>". */
#ifndef SIL_CHECKSUM_H
#define SIL_CHECKSUM_H

#include <sodium.h>

#include "err.h"

#define SIL_CHECKSUM_PREFIX "blake2b-256:"
/* Buffer size for a checksum string, NUL included. */
#define SIL_CHECKSUM_SIZE (sizeof SIL_CHECKSUM_PREFIX + 64)

struct sil_hasher {
    crypto_generichash_state st;
};

void sil_hasher_init(struct sil_hasher *h);
void sil_hasher_update(struct sil_hasher *h, const void *data, size_t n);
void sil_hasher_final(struct sil_hasher *h, char out[SIL_CHECKSUM_SIZE]);

void sil_checksum(const void *data, size_t n, char out[SIL_CHECKSUM_SIZE]);
/* Stream a file through the hash; *bytes (may be NULL) gets its size. */
int sil_checksum_file(const char *path, char out[SIL_CHECKSUM_SIZE], uint64_t *bytes,
                      struct sil_err *err) SIL_WUR;
/* True when `s` has the checksum form. */
int sil_checksum_valid(const char *s);

#endif
