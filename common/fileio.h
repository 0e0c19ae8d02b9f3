/* Reading whole files, atomic writes (temp, fsync, rename) and directories. */
#ifndef SIL_FILEIO_H
#define SIL_FILEIO_H

#include <stdio.h>

#include "err.h"

/*
 * Read a whole regular file of at most max_bytes. *data is NUL-terminated
 * (the NUL is not counted in *len); caller frees it.
 */
int sil_read_file(const char *path, size_t max_bytes, char **data, size_t *len,
                  struct sil_err *err) SIL_WUR;

/*
 * An atomic file: bytes go to a temp file in the same directory, which
 * replaces `path` only on commit (after fflush and fsync, then the directory
 * is fsynced). Abort, an error or a signal leaves `path` as it was. The temp
 * file is registered for removal on a second interrupt.
 */
struct sil_afile;

struct sil_afile *sil_afile_open(const char *path, int mode, struct sil_err *err) SIL_WUR;
FILE *sil_afile_stream(struct sil_afile *f);
const char *sil_afile_temp_path(const struct sil_afile *f);
/* Commit and free the handle; on failure the temp file is removed. */
int sil_afile_commit(struct sil_afile *f, struct sil_err *err) SIL_WUR;
/* Remove the temp file and free the handle. NULL is a no-op. */
void sil_afile_abort(struct sil_afile *f);

/* Write `data` to `path` atomically with the given mode. */
int sil_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                          struct sil_err *err) SIL_WUR;

/* fsync a directory so a rename in it is durable. */
int sil_fsync_dir(const char *dir, struct sil_err *err) SIL_WUR;
/* mkdir -p with `mode` for created directories. */
int sil_mkdirs(const char *path, int mode, struct sil_err *err) SIL_WUR;
/* rm -rf of a directory the program created; refuses "/" and "". */
int sil_remove_tree(const char *path, struct sil_err *err) SIL_WUR;
int sil_path_exists(const char *path);
int sil_is_dir(const char *path);
/* The directory part of a path ("." when there is none). Caller frees. */
char *sil_dirname(const char *path);

#endif
