/* libFuzzer target: the manifest reader rejects or accepts, never crashes or leaks, and what it
 * accepts is internally consistent (safe paths, row sums). An input with a NUL byte holds two
 * manifests, which are also merged as the two shards of one output: a merge is refused or
 * holds every row of every table, each file in one of the two directories. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct loader_manifest *m, int merged)
{
    for (size_t t = 0; t < m->ntables; t++) {
        const struct loader_mtable *mt = &m->tables[t];
        int64_t sum = 0;
        for (size_t f = 0; f < mt->nfiles; f++) {
            const struct loader_file *fl = &mt->files[f];
            if (!loader_path_safe(fl->path, "data/") || fl->first_row != mt->first_row + sum ||
                (fl->header && fl->first_row != 0) || fl->dir >= (merged ? m->ndirs : 1))
                abort();
            sum += fl->rows;
        }
        if (sum != mt->rows || mt->ncols == 0 || mt->first_row + mt->rows > mt->total_rows)
            abort();
        if (merged && (mt->first_row != 0 || mt->rows != mt->total_rows))
            abort();
    }
    if (strchr(m->shape_file, '/') || strchr(m->schema_sql_file, '/'))
        abort();
}

static struct loader_manifest *parse(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_manifest *m = loader_manifest_parse(text, size, "fuzz", &err);
    free(text);
    if (m)
        check(m, 0);
    else if (err.code != SIL_EINPUT)
        abort();
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul) {
        loader_manifest_free(parse(data, size));
        return 0;
    }
    size_t na = (size_t)(nul - data);
    struct loader_manifest *v[2] = {parse(data, na), parse(nul + 1, size - na - 1)};
    if (!v[0] || !v[1]) {
        loader_manifest_free(v[0]);
        loader_manifest_free(v[1]);
        return 0;
    }
    static const char *const dirs[] = {"a", "b"};
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_manifest *m = loader_manifest_merge(v, dirs, 2, &err);
    if (m) {
        if (!m->merged || m->ndirs != 2 || m->nshards != 2)
            abort();
        check(m, 1);
        loader_manifest_free(m);
    } else if (err.code != SIL_EINPUT) {
        abort();
    }
    return 0;
}
