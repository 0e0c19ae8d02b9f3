/* sampler key module: HMAC tokens against RFC 4231, key ids, key files, keygen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "key.h"

static char dir[] = "/tmp/sil-keytest.XXXXXX";

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0 || !mkdtemp(dir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* RFC 4231 test cases 6 and 7: 131-byte keys (HMAC-SHA-256). */
static void test_sampler_key__rfc4231(void **state)
{
    (void)state;
    unsigned char k[131];
    memset(k, 0xaa, sizeof k);
    struct sampler_key *key = sampler_key_from_bytes(k, sizeof k);
    assert_non_null(key);
    static const struct {
        const char *data, *mac;
    } cases[] = {
        {"Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < 2; i++) {
        char tok[SAMPLER_TOKEN_MAX + 1];
        sampler_key_token(key, cases[i].data, strlen(cases[i].data), 64, tok);
        assert_string_equal(tok, cases[i].mac);
        sampler_key_token(key, cases[i].data, strlen(cases[i].data), 16, tok);
        assert_int_equal(strlen(tok), 16);
        assert_memory_equal(tok, cases[i].mac, 16);
    }
    sampler_key_free(key);
}

static void test_sampler_key__id_and_determinism(void **state)
{
    (void)state;
    unsigned char k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)i;
    struct sampler_key *a = sampler_key_from_bytes(k, 32), *b = sampler_key_from_bytes(k, 32);
    char id[SAMPLER_KEY_ID_LEN + 1], ta[SAMPLER_TOKEN_MAX + 1], tb[SAMPLER_TOKEN_MAX + 1];
    /* BLAKE2b-128 of the key, personalisation "silhouette-keyid", first 16 hex. */
    sampler_key_id(a, id);
    assert_string_equal(id, "d28aaa9a06381b7d");
    /* Not the token function: the token of the empty string is something else. */
    sampler_key_token(a, "", 0, 64, ta);
    assert_string_equal(ta, "d38b42096d80f45f826b44a9d5607de72496a415d3f4a1a8c88e3bb9da8dc1cb");
    sampler_key_token(a, "Stockholm", 9, 16, ta);
    sampler_key_token(b, "Stockholm", 9, 16, tb);
    assert_string_equal(ta, tb);
    sampler_key_token(a, "stockholm", 9, 16, tb);
    assert_string_not_equal(ta, tb);
    k[0] ^= 1;
    struct sampler_key *c = sampler_key_from_bytes(k, 32);
    sampler_key_token(c, "Stockholm", 9, 16, tb);
    assert_string_not_equal(ta, tb);
    sampler_key_id(c, tb);
    assert_string_not_equal(id, tb);
    assert_null(sampler_key_from_bytes(k, 31));
    sampler_key_free(a);
    sampler_key_free(b);
    sampler_key_free(c);
    sampler_key_free(NULL);
}

static void test_sampler_key__files(void **state)
{
    (void)state;
    char path[256];
    struct sil_err err;
    struct sampler_key *key = NULL;
    char id[SAMPLER_KEY_ID_LEN + 1];

    /* 64 hex digits are 32 key bytes. */
    snprintf(path, sizeof path, "%s/hex.key", dir);
    write_file(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", 0600);
    assert_int_equal(sampler_key_load(path, &key, &err), 0);
    assert_non_null(key);
    sampler_key_id(key, id);
    assert_string_equal(id, "d28aaa9a06381b7d");
    sampler_key_free(key);

    /* Other text of 32 bytes or more is the key itself. */
    snprintf(path, sizeof path, "%s/text.key", dir);
    write_file(path, "a passphrase of more than 32 bytes, surely\n", 0600);
    assert_int_equal(sampler_key_load(path, &key, &err), 0);
    assert_non_null(key);
    sampler_key_free(key);

    write_file(path, "a passphrase of more than 32 bytes, surely\n", 0640);
    key = NULL;
    sil_err_clear(&err);
    assert_int_equal(sampler_key_load(path, &key, &err), -1);
    assert_int_equal(err.code, SIL_EPOLICY);
    assert_null(key);
    assert_string_equal(err.msg, "key file is readable or writable by group or others (mode 0640)");
    assert_string_equal(err.file, path);

    write_file(path, "31 bytes is one byte too short\n", 0600);
    sil_err_clear(&err);
    assert_int_equal(sampler_key_load(path, &key, &err), -1);
    assert_int_equal(err.code, SIL_EINPUT);
    assert_non_null(strstr(err.msg, "a key of 30 bytes"));

    snprintf(path, sizeof path, "%s/none.key", dir);
    sil_err_clear(&err);
    assert_int_equal(sampler_key_load(path, &key, &err), -1);
    assert_int_equal(err.code, SIL_EINPUT);
    assert_non_null(strstr(err.hint, "sampler keygen --out"));
}

static void test_sampler_key__environment(void **state)
{
    (void)state;
    struct sil_err err;
    struct sampler_key *key = (struct sampler_key *)&err;
    unsetenv(SAMPLER_KEY_ENV);
    assert_int_equal(sampler_key_load(NULL, &key, &err), 0);
    assert_null(key); /* no key anywhere: not an error */
    setenv(SAMPLER_KEY_ENV, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
    assert_int_equal(sampler_key_load(NULL, &key, &err), 0);
    assert_non_null(key);
    char id[SAMPLER_KEY_ID_LEN + 1];
    sampler_key_id(key, id);
    assert_string_equal(id, "d28aaa9a06381b7d");
    /* Read once, then gone from the environment children would inherit. */
    assert_null(getenv(SAMPLER_KEY_ENV));
    sampler_key_free(key);
}

static void test_sampler_key__keygen(void **state)
{
    (void)state;
    char path[256], id[SAMPLER_KEY_ID_LEN + 1], id2[SAMPLER_KEY_ID_LEN + 1];
    struct sil_err err;
    struct stat st;
    snprintf(path, sizeof path, "%s/new.key", dir);
    assert_int_equal(sampler_keygen(path, 0, id, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65);
    struct sampler_key *key = NULL;
    assert_int_equal(sampler_key_load(path, &key, &err), 0);
    sampler_key_id(key, id2);
    assert_string_equal(id, id2);
    sampler_key_free(key);
    assert_int_equal(sampler_keygen(path, 0, id2, &err), -1);
    assert_int_equal(err.code, SIL_EUSAGE);
    assert_int_equal(sampler_keygen(path, 1, id2, &err), 0);
    assert_string_not_equal(id, id2);
}

static void test_sampler_key__never_all_digits(void **state)
{
    (void)state;
    unsigned char k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)(i * 7 + 3);
    struct sampler_key *key = sampler_key_from_bytes(k, sizeof k);
    assert_non_null(key);
    int rederived = 0;
    for (int i = 0; i < 2000; i++) {
        char value[32], raw[17], tok[SAMPLER_TOKEN_MAX + 1], again[SAMPLER_TOKEN_MAX + 1];
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        snprintf(value, sizeof value, "value-%d", i);
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, k, sizeof k);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)value, strlen(value));
        crypto_auth_hmacsha256_final(&st, mac);
        sil_hex(mac, 4, raw);
        sampler_key_token(key, value, strlen(value), 8, tok);
        assert_true(strspn(tok, "0123456789") < 8);
        sampler_key_token(key, value, strlen(value), 8, again);
        assert_string_equal(tok, again);
        if (strspn(raw, "0123456789") == 8) {
            rederived++;
            assert_string_not_equal(tok, raw);
        } else {
            assert_string_equal(tok, raw);
        }
    }
    /* About 2.3% of 8-hex cuts are all digits: the loop must have met some. */
    assert_true(rederived > 10);
    sampler_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_key__rfc4231),
        cmocka_unit_test(test_sampler_key__never_all_digits),
        cmocka_unit_test(test_sampler_key__id_and_determinism),
        cmocka_unit_test(test_sampler_key__files),
        cmocka_unit_test(test_sampler_key__environment),
        cmocka_unit_test(test_sampler_key__keygen),
    };
    return cmocka_run_group_tests_name("sampler_key", tests, setup, teardown);
}
