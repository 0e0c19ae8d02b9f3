/*
 * libFuzzer target: the REST source description reader (`sampler --api`)
 * must accept or reject any input, never crash or leak; what it accepts
 * must give page URLs and pass the origin helpers. The sampler's sources are
 * not in the shared fuzz support objects, so the reader is compiled in here
 * (it needs no libcurl).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sampler/apidesc.c"

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
    struct sampler_apidesc *d = sampler_apidesc_parse(text, size, "fuzz", &err);
    if (d) {
        char o[300], h[256];
        if (sampler_url_origin(d->base_url, o, sizeof o) < 0 ||
            sampler_url_host(d->base_url, h, sizeof h) < 0)
            abort(); /* an accepted base URL always has an origin */
        for (size_t i = 0; i < d->nentities; i++) {
            const struct sampler_entity *e = &d->entities[i];
            if (e->path[0] != '/' || e->max_records < 1 || e->paging.page_size < 1)
                abort();
            (void)sampler_json_at(d->priv, e->records ? e->records : "entities");
        }
        sampler_apidesc_free(d);
    } else if (!err.msg[0]) {
        abort(); /* a rejection always says why */
    }
    (void)sampler_url_origin(text, (char[64]){0}, 64);
    (void)sampler_host_loopback(text);
    free(text);
    return 0;
}
