/*
 * Writing a plan to an output directory (docs/output-format.md): data files
 * in COPY text, CSV, JSON lines or SQL, optionally zstd-compressed, rendered
 * in fixed row blocks by worker threads and written in row order, so the
 * bytes never depend on the thread count; schema.sql; and the manifest.
 */
#ifndef GEN_OUTPUT_H
#define GEN_OUTPUT_H

#include <stdint.h>

#include "err.h"
#include "plan.h"

enum gen_format { GEN_FMT_COPY, GEN_FMT_CSV, GEN_FMT_JSONL, GEN_FMT_SQL };

/* Rows per rendered block and per INSERT statement. */
#define GEN_BLOCK_ROWS 16000
#define GEN_SQL_ROWS   1000

struct gen_out_opts {
    enum gen_format format;
    int compress; /* zstd */
    int level;    /* zstd level */
    int threads;
    int64_t chunk_rows; /* 0 = one file per table */
    int progress;
};

/* One written data file, for the manifest. */
struct gen_file {
    char path[600]; /* relative to the output directory */
    int64_t rows;
    uint64_t bytes;
    char checksum[100];
};

struct gen_table_files {
    size_t nfiles;
    struct gen_file *files;
};

/*
 * Write every table's data files under dir/data. files[i] receives the
 * files of plan table i. Fails with SIL_EIO (disk full, permissions) or
 * SIL_EINTR; partial files are left for the caller to remove with the
 * temp directory.
 */
int gen_write_data(const struct gen_plan *p, const struct gen_out_opts *o, const char *dir,
                   struct gen_table_files *files, struct sil_err *err) SIL_WUR;
/* Render one row of a table into buf in a format (used by tests). */
struct gen_rbuf {
    char *p;
    size_t len, cap;
};
void gen_render_rows(const struct gen_plan *p, const struct gen_table *t, enum gen_format f,
                     int64_t first, int64_t count, struct gen_cursor *cur, struct gen_val *v,
                     struct gen_rbuf *b);
/* schema.sql text; caller frees. */
char *gen_schema_sql(const struct gen_plan *p, const struct gen_out_opts *o,
                     const struct gen_table_files *files);
/* The data file name of a table (sanitised identifiers), without directory. */
void gen_data_name(const struct sil_table *t, int64_t chunk, const struct gen_out_opts *o,
                   char *out, size_t n);
const char *gen_format_name(enum gen_format f);

#endif
