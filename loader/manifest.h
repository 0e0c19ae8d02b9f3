/*
 * The generator output's manifest.json (docs/output-format.md), read
 * strictly: unknown keys, wrong types, unsafe paths, duplicate files or
 * tables and row counts that do not add up are errors naming the JSON path.
 * Everything in it is untrusted; names are validated as identifiers, paths
 * are relative and stay inside data/.
 *
 * The shards 1..N of one sharded output (`generator --shard K/N`, one
 * directory each) are read together and merged into one manifest that holds
 * every row, after checking that they come from the same inputs, seed and
 * sizing and that their row ranges follow each other without a gap.
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
    const char *path; /* relative to its output directory, "data/..." */
    int64_t rows;
    int64_t bytes;
    const char *checksum;
    int64_t first_row; /* row index of its first row in the whole table */
    size_t dir;        /* index in the manifest's dirs (its shard, 0 when unsharded) */
    int header;        /* csv: the file starts with the header line (it starts at row 0) */
};

/* sizing.tables[]: a table's whole row count and where it came from. */
struct loader_msize {
    const char *schema;
    const char *table;
    const char *source; /* source, template, scale, band, rows or derived */
    int64_t rows;
};

/* sizing.clamps[]: a table reduced by a guardrail. */
struct loader_mclamp {
    const char *schema;
    const char *table;
    int64_t requested, produced;
    const char *reason;
};

struct loader_mtable {
    const char *schema;
    const char *name;
    int64_t rows;       /* rows in this directory */
    int64_t total_rows; /* in the whole (unsharded) table */
    int64_t first_row;
    size_t ncols;
    const char **cols;
    size_t ndeferred;
    const char **deferred; /* deferred_foreign_keys: names of the shape's foreign keys */
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
    size_t nsizes;
    struct loader_msize *sizes; /* sizing.tables, in the manifest's order */
    size_t nclamps;
    struct loader_mclamp *clamps; /* sizing.clamps */
    const char *schema_sql_file;
    const char *schema_sql_checksum;
    size_t ntables;
    struct loader_mtable *tables;
    char checksum[100]; /* of manifest.json's bytes as read; of the shards' checksums when
                           merged */
    size_t ndirs;       /* output directories its files are in: 1, or the N shards */
    const char **dirs;  /* as given by the caller, in shard order */
    int merged;         /* read from several shard directories */
    size_t nshards;     /* merged: the shards' own manifests, which own the strings */
    struct loader_manifest **shards;
};

const char *loader_data_format_name(enum loader_data_format f);

/* Parse manifest bytes (NUL at data[len]); `name` is used in errors. SIL_EINPUT on any problem. */
struct loader_manifest *loader_manifest_parse(const char *data, size_t len, const char *name,
                                              struct sil_err *err) SIL_WUR;
/* Read OUT/manifest.json; the result's dirs[0] is out_dir. */
struct loader_manifest *loader_manifest_read(const char *out_dir, struct sil_err *err) SIL_WUR;

/*
 * Read the manifests of `n` directories: one unsharded output (n = 1), or
 * the N shards of one sharded output in any order (n = N), merged. Refused
 * with SIL_EINPUT, naming the directory: a lone shard of several (with the
 * hint to give them all), shards of different outputs (inputs, seed, format,
 * sizing, tables or columns differ), a shard missing or given twice, row
 * ranges that do not follow each other. The dirs strings must outlive the
 * result.
 */
struct loader_manifest *loader_manifest_read_all(const char *const *dirs, size_t n,
                                                 struct sil_err *err) SIL_WUR;

/* Merge already parsed shard manifests (taken over: freed, also on failure) of the
 * directories `dirs` (parallel to `shards`). Exposed for tests. */
struct loader_manifest *loader_manifest_merge(struct loader_manifest **shards,
                                              const char *const *dirs, size_t n,
                                              struct sil_err *err) SIL_WUR;
void loader_manifest_free(struct loader_manifest *m);

/* Is `p` a safe relative path: components non-empty and not "." or "..", no
 * backslash or control characters, at most 1024 bytes; with `prefix` it must
 * start with that directory ("data/"). */
int loader_path_safe(const char *p, const char *prefix);

#endif
