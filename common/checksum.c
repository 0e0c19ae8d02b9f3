/* BLAKE2b-256 checksums. */
#include "checksum.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void sil_hasher_init(struct sil_hasher *h)
{
    crypto_generichash_init(&h->st, NULL, 0, 32);
}

void sil_hasher_update(struct sil_hasher *h, const void *data, size_t n)
{
    crypto_generichash_update(&h->st, data, n);
}

void sil_hasher_final(struct sil_hasher *h, char out[SIL_CHECKSUM_SIZE])
{
    unsigned char d[32];
    crypto_generichash_final(&h->st, d, sizeof d);
    memcpy(out, SIL_CHECKSUM_PREFIX, sizeof SIL_CHECKSUM_PREFIX - 1);
    sil_hex(d, sizeof d, out + sizeof SIL_CHECKSUM_PREFIX - 1);
}

void sil_checksum(const void *data, size_t n, char out[SIL_CHECKSUM_SIZE])
{
    struct sil_hasher h;
    sil_hasher_init(&h);
    sil_hasher_update(&h, data, n);
    sil_hasher_final(&h, out);
}

int sil_checksum_file(const char *path, char out[SIL_CHECKSUM_SIZE], uint64_t *bytes,
                      struct sil_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sil_err_set(err, errno == ENOENT ? SIL_EINPUT : SIL_EIO, "cannot open: %s",
                    strerror(errno));
        sil_err_file(err, path);
        return -1;
    }
    struct sil_hasher h;
    sil_hasher_init(&h);
    static _Thread_local unsigned char buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            sil_err_set(err, SIL_EIO, "read failed: %s", strerror(e));
            sil_err_file(err, path);
            return -1;
        }
        if (r == 0)
            break;
        sil_hasher_update(&h, buf, (size_t)r);
        total += (uint64_t)r;
    }
    close(fd);
    sil_hasher_final(&h, out);
    if (bytes)
        *bytes = total;
    return 0;
}

int sil_checksum_valid(const char *s)
{
    size_t pl = sizeof SIL_CHECKSUM_PREFIX - 1;
    return strncmp(s, SIL_CHECKSUM_PREFIX, pl) == 0 && sil_is_hex(s + pl, 64);
}
