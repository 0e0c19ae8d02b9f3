/* gen-unzstd: test helper that decompresses zstd files (any number of
 * frames) to stdout, so tests need no zstd command.
 *   gen-unzstd FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

int main(int argc, char **argv)
{
    size_t inc = ZSTD_DStreamInSize(), outc = ZSTD_DStreamOutSize();
    char *in = malloc(inc), *out = malloc(outc);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!in || !out || !d)
        return 2;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t n;
        while ((n = fread(in, 1, inc, f)) > 0) {
            ZSTD_inBuffer ib = {in, n, 0};
            while (ib.pos < ib.size) {
                ZSTD_outBuffer ob = {out, outc, 0};
                size_t r = ZSTD_decompressStream(d, &ob, &ib);
                if (ZSTD_isError(r)) {
                    fprintf(stderr, "gen-unzstd: %s: %s\n", argv[i], ZSTD_getErrorName(r));
                    return 1;
                }
                fwrite(out, 1, ob.pos, stdout);
            }
        }
        fclose(f);
    }
    ZSTD_freeDCtx(d);
    free(in);
    free(out);
    return 0;
}
