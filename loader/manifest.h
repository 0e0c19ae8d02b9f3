/*
 * The generator output's manifest.json (docs/output-format.md), read
 * strictly: unknown keys, wrong types, unsafe paths, duplicate files or
 * tables and row counts that do not add up are errors naming the JSON path.
 * Everything in it is untrusted; names are validated as identifiers, paths
 * are relative and stay inside data/.
 */
#ifndef LOADER_MANIFEST_H
#define LOADER_MANIFEST_H

#include <stdint.h>

#include "arena.h"
#include "err.h"

#define LOADER_MANIFEST_FORMAT    "silhouette.output"
#define LOADER_MANIFEST_VERSION   1
#define LOADER_MANIFEST_MAX_BYTES ((size_t)64 << 20)

enum loader_data_format { LOADER_FMT_COPY, LOADER_FMT_CSV, LOADER_FMT_JSONL, LOADER_FMT_SQL };
enum loader_compression { LOADER_COMP_NONE, LOADER_COMP_ZSTD };

struct loader_file {
    const char *path; /* relative to the output directory, "data/..." */
    int64_t rows;
    int64_t bytes;
    const char *checksum;
};

struct loader_mtable {
    const char *schema;
    const char *name;
    int64_t rows;       /* rows in this directory */
    int64_t total_rows; /* in the whole (unsharded) table */
    int64_t first_row;
    size_t ncols;
    const char **cols;
    size_t nfiles;
    struct loader_file *files;
};

/* A manifest; every pointer inside is owned by `arena`. */
struct loader_manifest {
    struct sil_arena *arena;
    const char *generator;
    int64_t seed;
    enum loader_data_format data_format;
    enum loader_compression compression;
    int64_t shard_index, shard_count;
    const char *shape_file;
    const char *shape_checksum;
    const char *shape_source_checksum; /* NULL for templates */
    const char *template_checksum;     /* NULL when no template was used */
    const char *expires_at;            /* NULL when the shape does not expire */
    int64_t expires_epoch;
    const char *sizing_mode;
    const char *schema_sql_file;
    const char *schema_sql_checksum;
    size_t ntables;
    struct loader_mtable *tables;
    char checksum[100]; /* of manifest.json's bytes as read */
};

const char *loader_data_format_name(enum loader_data_format f);

/* Parse manifest bytes (NUL at data[len]); `name` is used in errors. SIL_EINPUT on any problem. */
struct loader_manifest *loader_manifest_parse(const char *data, size_t len, const char *name,
                                              struct sil_err *err) SIL_WUR;
/* Read OUT/manifest.json. */
struct loader_manifest *loader_manifest_read(const char *out_dir, struct sil_err *err) SIL_WUR;
void loader_manifest_free(struct loader_manifest *m);

/* Is `p` a safe relative path: components non-empty and not "." or "..", no
 * backslash or control characters, at most 1024 bytes; with `prefix` it must
 * start with that directory ("data/"). */
int loader_path_safe(const char *p, const char *prefix);

#endif
