/* libFuzzer target: the structure-aware shape check and the rule engine must never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "shapescan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sil_rscan *scanner(void)
{
    static struct sil_rules *rules;
    static struct sil_rscan *sc;
    if (!sc) {
        struct sil_err err;
        sil_err_clear(&err);
        rules = sil_rules_load("policies/pii-rules.json", NULL, &err);
        if (!rules)
            abort();
        sc = sil_rscan_new(rules);
    }
    return sc;
}

static int count(void *ctx, const struct sil_finding *f)
{
    (*(long *)ctx)++;
    /* A finding never carries more than a masked value. */
    if (strlen(f->masked) > 255)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sil_err err;
    long n = 0;
    sil_err_clear(&err);
    sil_shapescan_buffer(scanner(), text, size, "fuzz", SIL_SHAPESCAN_UNSEALED, count, &n, &err);
    sil_rscan_text(scanner(), text, size, SIL_SCAN_STRICT, NULL, NULL);
    free(text);
    return 0;
}
