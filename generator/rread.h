/*
 * Reading a generator output back for the quality report: the manifest
 * (docs/output-format.md), checked against the files it names, and the data
 * files streamed in chunks of whole records to worker threads, parsed in
 * every output format (COPY text, CSV, JSON lines, INSERT statements,
 * zstd-compressed or not). Nothing the generator meant is assumed: sizes and
 * BLAKE2b checksums of shape.json and schema.sql are verified before the
 * data is read, and those of the data files on the bytes as they stream, so
 * a result is only ever kept from bytes that matched the manifest.
 */
#ifndef GEN_RREAD_H
#define GEN_RREAD_H

#include <stdint.h>

#include "checksum.h"
#include "err.h"

enum rep_format { REP_COPY, REP_CSV, REP_JSONL, REP_SQL };

struct rep_file {
    char *path; /* relative to the output directory, inside data/ */
    int64_t rows;
    uint64_t bytes;
    char checksum[SIL_CHECKSUM_SIZE];
    int64_t rows_read; /* records found while scanning */
};

struct rep_mtable {
    char *schema, *name;
    int64_t rows, total_rows, first_row;
    size_t ncols;
    char **cols;
    size_t nfiles;
    struct rep_file *files;
    char *csv_header; /* the CSV header line as read, or NULL */
};

struct rep_manifest {
    char checksum[SIL_CHECKSUM_SIZE]; /* of manifest.json itself */
    enum rep_format format;
    int zstd;
    double seed;
    char *generator;
    int shard_index, shard_count;
    char *expires_at; /* NULL when none */
    size_t ntables;
    struct rep_mtable *tables;
};

/*
 * Read dir/manifest.json strictly, check every path stays inside data/,
 * every file exists with the manifest's size, and shape.json and schema.sql
 * match their checksums. Fails with SIL_EINPUT naming the file and what
 * differs. Release with rep_manifest_release.
 */
int rep_manifest_read(const char *dir, struct rep_manifest *m, struct sil_err *err) SIL_WUR;
void rep_manifest_release(struct rep_manifest *m);

/* A value: s NULL for SQL NULL, else NUL-terminated text of len bytes. */
struct rep_val {
    char *s;
    size_t len;
};

/* A chunk of whole records of one table, handed to one worker. */
struct rep_chunk {
    size_t table;  /* index in the manifest */
    int64_t first; /* table row index of the chunk's first record */
    char *data;    /* owned by the scanner; the worker may write into it */
    size_t len;
    int64_t nrecords; /* records in the chunk */
};

/*
 * Called by worker `w` for every chunk; chunks of one table arrive in any
 * order and on any worker. Return 0, or -1 with err set to stop the scan.
 */
typedef int (*rep_chunk_fn)(void *arg, int w, struct rep_chunk *c, struct sil_err *err);

/*
 * Stream every data file of every table in manifest order through `fn` on
 * `workers` threads (at least 1), hashing the stored bytes as they are read.
 * Fails with SIL_EINPUT when a file's checksum or size differs from the
 * manifest or a file ends inside a record, SIL_EIO when it cannot be read,
 * SIL_EINTR when interrupted. Record counts per file land in rows_read.
 */
int rep_scan(const char *dir, struct rep_manifest *m, int workers, rep_chunk_fn fn, void *arg,
             struct sil_err *err) SIL_WUR;

/*
 * Split a chunk into records and values. For each record `row` is called
 * with `ncols` values (a record with another number of fields is passed
 * with n set to what it had, vals possibly NULL); values point into the
 * chunk (unescaped in place) and stay valid until the chunk is returned.
 * Returns 0, or -1 when `row` returns -1.
 */
typedef int (*rep_row_fn)(void *arg, int64_t row, struct rep_val *vals, size_t n);
int rep_parse_chunk(enum rep_format f, struct rep_chunk *c, size_t ncols, const char *const *names,
                    struct rep_val *scratch, rep_row_fn row, void *arg);

#endif
