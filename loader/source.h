/*
 * Data file readers for COPY: a byte range of a plain file, a whole zstd
 * file decompressed as a stream, or JSON lines converted to COPY text, all
 * in bounded memory whatever the file size.
 */
#ifndef LOADER_SOURCE_H
#define LOADER_SOURCE_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "manifest.h"

struct loader_source;

/* Read from an open descriptor (taken over: closed by loader_source_close).
 * start/end: byte range of the file, end -1 = to the end (ranges only for
 * uncompressed files). `label` names the file in errors. For JSONL, `cols`
 * are the expected keys in order. */
struct loader_source *loader_source_open(int fd, const char *label, int64_t start, int64_t end,
                                         enum loader_compression comp, enum loader_data_format fmt,
                                         size_t ncols, const char *const *cols,
                                         struct sil_err *err) SIL_WUR;

/* The next chunk of COPY input: *data points into the source's buffer until
 * the next call. Returns its length, 0 at the end, -1 on error. *raw gets
 * the file bytes consumed for it (for progress). */
ssize_t loader_source_read(struct loader_source *s, const char **data, int64_t *raw,
                           struct sil_err *err) SIL_WUR;
void loader_source_close(struct loader_source *s);

/* Where to cut a plain COPY-text file near `off` so pieces hold whole lines:
 * the offset just after the first newline at or after off - 1 (the file's
 * size if none). -1 on a read error. */
int64_t loader_source_line_cut(int fd, int64_t off, int64_t size, struct sil_err *err) SIL_WUR;

/* Convert one JSON object line to one COPY text line (appended to out with
 * its newline). Exposed for tests. */
struct sil_buf;
int loader_jsonl_to_copy(const char *line, size_t len, size_t ncols, const char *const *cols,
                         struct sil_buf *out, const char **why);

#endif
