/* shape-tool: test helper that reads a shape and writes it canonically. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "shape.h"

int main(int argc, char **argv)
{
    sil_log_init("shape-tool");
    if (argc != 3 || (strcmp(argv[1], "canon") != 0 && strcmp(argv[1], "seal") != 0)) {
        fprintf(stderr, "usage: shape-tool canon|seal FILE\n"
                        "  canon  read strictly, write the canonical form to stdout\n"
                        "  seal   same, but accept a sampled shape without its checksum\n");
        return 2;
    }
    struct sil_err err;
    sil_err_clear(&err);
    unsigned flags = strcmp(argv[1], "seal") == 0 ? SIL_SHAPE_ALLOW_UNSEALED : 0;
    struct sil_shape *s = sil_shape_read_file(argv[2], flags, &err);
    if (!s) {
        sil_log_err(&err, "cannot read shape");
        return sil_err_exit_code(&err);
    }
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_shape_write(s, &b);
    fwrite(b.data, 1, b.len, stdout);
    sil_buf_release(&b);
    sil_shape_free(s);
    return 0;
}
