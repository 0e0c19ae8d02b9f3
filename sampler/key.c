/* HMAC key loading, tokens, key ids and key generation. */
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

struct sampler_key {
    size_t n;
    unsigned char *k; /* sodium_malloc */
};

/* Personalisation of the key id hash: 16 bytes, distinct from any token use. */
static const unsigned char keyid_personal[crypto_generichash_blake2b_PERSONALBYTES] =
    "silhouette-keyid";

struct sampler_key *sampler_key_from_bytes(const unsigned char *k, size_t n)
{
    if (n < SAMPLER_KEY_MIN || n > SAMPLER_KEY_MAX)
        return NULL;
    struct sampler_key *key = sil_xcalloc(1, sizeof *key);
    key->k = sodium_malloc(n);
    if (!key->k)
        SIL_BUG("sodium_malloc failed");
    memcpy(key->k, k, n);
    key->n = n;
    return key;
}

void sampler_key_free(struct sampler_key *key)
{
    if (!key)
        return;
    sodium_free(key->k); /* wipes */
    free(key);
}

static int all_hex(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

/* Key material (in secure memory) to a key; `what` names the source in errors. */
static int key_from_material(const unsigned char *m, size_t n, const char *what,
                             struct sampler_key **out, struct sil_err *err)
{
    if (n > 0 && m[n - 1] == '\n')
        n--;
    if (n > 0 && m[n - 1] == '\r')
        n--;
    if (n >= 2 * SAMPLER_KEY_MIN && n % 2 == 0 && n <= 2 * SAMPLER_KEY_MAX && all_hex(m, n)) {
        unsigned char *bin = sodium_malloc(n / 2);
        size_t bl = 0;
        if (!bin)
            SIL_BUG("sodium_malloc failed");
        if (sodium_hex2bin(bin, n / 2, (const char *)m, n, NULL, &bl, NULL) != 0 || bl != n / 2)
            SIL_BUG("hex key did not decode");
        *out = sampler_key_from_bytes(bin, bl);
        sodium_free(bin);
        return 0;
    }
    if (n < SAMPLER_KEY_MIN)
        return sil_err_set(err, SIL_EINPUT,
                           "%s holds a key of %zu bytes; at least %d bytes (or %d hex digits) "
                           "are needed",
                           what, n, SAMPLER_KEY_MIN, 2 * SAMPLER_KEY_MIN);
    if (n > SAMPLER_KEY_MAX)
        return sil_err_set(err, SIL_EINPUT, "%s holds a key of %zu bytes; at most %d are allowed",
                           what, n, SAMPLER_KEY_MAX);
    *out = sampler_key_from_bytes(m, n);
    return 0;
}

static int load_file(const char *path, struct sampler_key **out, struct sil_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        sil_err_set(err, errno == ENOENT ? SIL_EINPUT : SIL_EIO, "cannot open key file: %s",
                    strerror(errno));
        sil_err_file(err, path);
        if (errno == ENOENT)
            sil_err_hint(err, "create one with: sampler keygen --out %s", path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        sil_err_set(err, SIL_EINPUT, "the key file is not a regular file");
        sil_err_file(err, path);
        return -1;
    }
    if (st.st_mode & 077) {
        close(fd);
        sil_err_set(err, SIL_EPOLICY,
                    "key file is readable or writable by group or others (mode %04o)",
                    (unsigned)(st.st_mode & 07777));
        sil_err_file(err, path);
        sil_err_hint(err, "chmod 600 '%s'", path);
        return -1;
    }
    unsigned char *buf = sodium_malloc(4 * SAMPLER_KEY_MAX);
    if (!buf)
        SIL_BUG("sodium_malloc failed");
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, 4 * SAMPLER_KEY_MAX - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            sodium_free(buf);
            sil_err_set(err, SIL_EIO, "cannot read key file: %s", strerror(e));
            sil_err_file(err, path);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == 4 * SAMPLER_KEY_MAX)
            break;
    }
    close(fd);
    int rc = key_from_material(buf, n, "the key file", out, err);
    if (rc < 0)
        sil_err_file(err, path);
    sodium_free(buf);
    return rc;
}

int sampler_key_load(const char *path, struct sampler_key **out, struct sil_err *err)
{
    *out = NULL;
    if (path)
        return load_file(path, out, err);
    char *env = getenv(SAMPLER_KEY_ENV);
    if (!env)
        return 0;
    size_t n = strlen(env);
    unsigned char *buf = sodium_malloc(n + 1);
    if (!buf)
        SIL_BUG("sodium_malloc failed");
    memcpy(buf, env, n);
    /* The environment is readable by the process's children: wipe it. */
    sodium_memzero(env, n);
    unsetenv(SAMPLER_KEY_ENV);
    int rc = key_from_material(buf, n, "$" SAMPLER_KEY_ENV, out, err);
    sodium_free(buf);
    return rc;
}

void sampler_key_token(const struct sampler_key *key, const void *data, size_t n, int hexlen,
                       char out[SAMPLER_TOKEN_MAX + 1])
{
    if (hexlen < 2 || hexlen > SAMPLER_TOKEN_MAX || hexlen % 2)
        SIL_BUG("token length %d", hexlen);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key->k, key->n);
    crypto_auth_hmacsha256_update(&st, data, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sil_hex(mac, (size_t)hexlen / 2, out);
    /*
     * A cut made only of decimal digits could pass for a card or personal
     * number, and the validator refuses such tokens, so derive again from the
     * MAC until it has a letter: still one token per value and key.
     */
    while (strspn(out, "0123456789") == (size_t)hexlen) {
        crypto_auth_hmacsha256_init(&st, key->k, key->n);
        crypto_auth_hmacsha256_update(&st, mac, sizeof mac);
        crypto_auth_hmacsha256_final(&st, mac);
        sil_hex(mac, (size_t)hexlen / 2, out);
    }
    sodium_memzero(&st, sizeof st);
    sodium_memzero(mac, sizeof mac);
}

void sampler_key_id(const struct sampler_key *key, char out[SAMPLER_KEY_ID_LEN + 1])
{
    unsigned char h[crypto_generichash_blake2b_BYTES_MIN];
    static const unsigned char salt[crypto_generichash_blake2b_SALTBYTES];
    crypto_generichash_blake2b_salt_personal(h, sizeof h, key->k, key->n, NULL, 0, salt,
                                             keyid_personal);
    sil_hex(h, SAMPLER_KEY_ID_LEN / 2, out);
    /* Like tokens, a key id is never all digits (the validator refuses that). */
    while (strspn(out, "0123456789") == SAMPLER_KEY_ID_LEN) {
        unsigned char prev[sizeof h];
        memcpy(prev, h, sizeof h);
        crypto_generichash_blake2b_salt_personal(h, sizeof h, prev, sizeof prev, NULL, 0, salt,
                                                 keyid_personal);
        sil_hex(h, SAMPLER_KEY_ID_LEN / 2, out);
    }
}

int sampler_keygen(const char *path, int force, char id_out[SAMPLER_KEY_ID_LEN + 1],
                   struct sil_err *err)
{
    if (!force && sil_path_exists(path)) {
        sil_err_set(err, SIL_EUSAGE, "will not overwrite an existing key file");
        sil_err_file(err, path);
        sil_err_hint(err, "a new key changes every token; pass --force to replace it");
        return -1;
    }
    unsigned char *k = sodium_malloc(SAMPLER_KEY_MIN);
    char *hex = sodium_malloc(2 * SAMPLER_KEY_MIN + 2);
    if (!k || !hex)
        SIL_BUG("sodium_malloc failed");
    randombytes_buf(k, SAMPLER_KEY_MIN);
    sodium_bin2hex(hex, 2 * SAMPLER_KEY_MIN + 1, k, SAMPLER_KEY_MIN);
    hex[2 * SAMPLER_KEY_MIN] = '\n';
    hex[2 * SAMPLER_KEY_MIN + 1] = '\0';
    int rc = sil_write_file_atomic(path, hex, 2 * SAMPLER_KEY_MIN + 1, 0600, err);
    if (rc == 0) {
        struct sampler_key *key = sampler_key_from_bytes(k, SAMPLER_KEY_MIN);
        sampler_key_id(key, id_out);
        sampler_key_free(key);
    }
    sodium_free(hex);
    sodium_free(k);
    return rc;
}
