/* libFuzzer target: the shape reader must reject or accept, never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "shape.h"

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
    struct sil_shape *s = sil_shape_parse(text, size, "fuzz", SIL_SHAPE_ALLOW_UNSEALED, &err);
    if (s) {
        /* Whatever is accepted must write and read back to the same bytes. */
        struct sil_buf a, b;
        sil_buf_init(&a, 0);
        sil_buf_init(&b, 0);
        sil_shape_write(s, &a);
        struct sil_shape *s2 = sil_shape_parse(a.data, a.len, "fuzz2", 0, &err);
        if (!s2)
            abort();
        sil_shape_write(s2, &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            abort();
        sil_buf_release(&a);
        sil_buf_release(&b);
        sil_shape_free(s2);
        sil_shape_free(s);
    }
    free(text);
    return 0;
}
