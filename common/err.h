/* Error values that say what failed and where, with no allocation. */
#ifndef SIL_ERR_H
#define SIL_ERR_H

#include "sil.h"

/*
 * The error kind decides the exit code (see sil_err_exit_code): input and
 * usage errors exit 2, everything else that fails a job exits 1.
 */
enum sil_err_code {
    SIL_OK = 0,
    SIL_EUSAGE,  /* bad command line */
    SIL_EINPUT,  /* malformed or invalid input file */
    SIL_EIO,     /* reading or writing files */
    SIL_EDB,     /* the database refused or failed */
    SIL_ENET,    /* HTTP and network */
    SIL_EPOLICY, /* refused for safety or by a policy */
    SIL_ECHECK,  /* a check ran and failed */
    SIL_EINTR,   /* interrupted by a signal */
    SIL_EEXPIRED /* an artifact is past its expiry */
};

/*
 * Where: file and line/column for text inputs, a JSON path such as
 * "tables[3].columns[2].quantiles" for JSON inputs. Any may be empty.
 * msg is the cause; hint, when set, says what to do about it.
 */
struct sil_err {
    int code;
    int line;
    int column;
    char file[512];
    char path[256];
    char msg[1024];
    char hint[512];
};

void sil_err_clear(struct sil_err *err);

/* Set code and message; clears file, location and hint. Always returns -1. */
int sil_err_set(struct sil_err *err, int code, const char *fmt, ...) SIL_PRINTF(3, 4);
/* Same with a JSON path. Always returns -1. */
int sil_err_set_path(struct sil_err *err, int code, const char *path, const char *fmt, ...)
    SIL_PRINTF(4, 5);
/* Same with a line and column (1-based; 0 = unknown). Always returns -1. */
int sil_err_set_line(struct sil_err *err, int code, int line, int column, const char *fmt, ...)
    SIL_PRINTF(5, 6);

/* Record the file the error is about, unless one is already recorded. */
void sil_err_file(struct sil_err *err, const char *file);
void sil_err_hint(struct sil_err *err, const char *fmt, ...) SIL_PRINTF(2, 3);
/* Prepend context to the message: "context: old message". */
void sil_err_prefix(struct sil_err *err, const char *fmt, ...) SIL_PRINTF(2, 3);

/*
 * One line: "[what ]['file'[:line[:col]]: ][path: ]msg". `what` may be NULL.
 * Returns buf.
 */
const char *sil_err_format(const struct sil_err *err, const char *what, char *buf, size_t n);

int sil_err_exit_code(const struct sil_err *err);

#endif
