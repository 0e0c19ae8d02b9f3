/* libFuzzer target: the manifest reader rejects or accepts, never crashes or leaks, and what it
 * accepts is internally consistent (safe paths, row sums). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

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
    struct loader_manifest *m = loader_manifest_parse(text, size, "fuzz", &err);
    if (m) {
        for (size_t t = 0; t < m->ntables; t++) {
            int64_t sum = 0;
            for (size_t f = 0; f < m->tables[t].nfiles; f++) {
                if (!loader_path_safe(m->tables[t].files[f].path, "data/"))
                    abort();
                sum += m->tables[t].files[f].rows;
            }
            if (sum != m->tables[t].rows || m->tables[t].ncols == 0)
                abort();
        }
        if (strchr(m->shape_file, '/') || strchr(m->schema_sql_file, '/'))
            abort();
        loader_manifest_free(m);
    } else if (err.code != SIL_EINPUT) {
        abort();
    }
    free(text);
    return 0;
}
