/*
 * Verification of a generator output before the loader connects anywhere:
 * the shape's expiry, shape.json's and schema.sql's checksums (in each shard
 * directory of a merged output), and for every data file its place (a
 * regular file under its OUT/data, reached without
 * symbolic links), its size and its BLAKE2b checksum, hashed on several
 * threads. The identity of each verified file (device, inode, size, mtime)
 * is kept so the loader can refuse a file swapped after verification.
 */
#ifndef LOADER_VERIFY_H
#define LOADER_VERIFY_H

#include <sys/stat.h>

#include "manifest.h"

struct loader_fileid {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

/* Refuse an output whose manifest records an expired shape (shape_expires_at):
 * SIL_EEXPIRED naming the date, with the hint on getting a fresh shape. */
int loader_verify_expiry(const struct loader_manifest *m, struct sil_err *err) SIL_WUR;

/* Verify (the expiry first); on success *ids has one entry per data file, in manifest order
 * (table by table, file by file), which the caller frees. SIL_EINPUT names
 * the file that does not match, SIL_EEXPIRED an expired output. */
int loader_verify_output(const struct loader_manifest *m, int threads, struct loader_fileid **ids,
                         struct sil_err *err) SIL_WUR;

/* The path of a data file: its output directory (m->dirs[f->dir]) and its relative path.
 * The caller frees it. */
char *loader_file_path(const struct loader_manifest *m, const struct loader_file *f);

/* Open a verified data file read-only, refusing it if it changed since. */
int loader_open_verified(const char *path, const struct loader_fileid *id,
                         struct sil_err *err) SIL_WUR;

#endif
