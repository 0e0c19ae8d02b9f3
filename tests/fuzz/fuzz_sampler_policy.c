/*
 * libFuzzer target: the sampler policy reader (JSON, PCRE2 patterns, globs)
 * must accept or reject any input, never crash or leak, and what it accepts
 * must answer lookups. The sampler's sources are not in the shared fuzz
 * support objects, so the reader is compiled in here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sampler/policyfile.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sil_err err;
    sil_err_clear(&err);
    struct sampler_policy *p = sampler_policy_parse(text, size, "fuzz", &err);
    if (p) {
        struct sampler_colpolicy cp;
        enum sil_class c;
        const char *rule;
        sampler_policy_column(p, "public", "users", "email", &cp);
        (void)sampler_policy_name_class(p, "users", "email", &c, &rule);
        (void)sampler_policy_name_class(p, "\xc3\xa5r", "n\xc3\xa4mn", &c, &rule);
        sampler_policy_free(p);
    } else if (!err.msg[0]) {
        abort(); /* a rejection always says why */
    }
    free(text);
    return 0;
}
