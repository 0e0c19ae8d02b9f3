/* Messages to stderr in one form for every binary, with -q / -v levels. */
#ifndef SIL_LOG_H
#define SIL_LOG_H

#include "err.h"

enum sil_log_level {
    SIL_LOG_QUIET = 0, /* errors only */
    SIL_LOG_NORMAL,    /* plus warnings and results */
    SIL_LOG_VERBOSE,   /* plus progress notes (-v) */
    SIL_LOG_DEBUG      /* plus internals (-vv) */
};

void sil_log_init(const char *prog);
const char *sil_prog(void);
void sil_log_set_level(int level);
int sil_log_level(void);

/* "prog: msg" on stderr. Errors always print; the rest by level. */
void sil_log_error(const char *fmt, ...) SIL_PRINTF(1, 2);
void sil_log_warn(const char *fmt, ...) SIL_PRINTF(1, 2);
void sil_log_info(const char *fmt, ...) SIL_PRINTF(1, 2);
void sil_log_verbose(const char *fmt, ...) SIL_PRINTF(1, 2);
void sil_log_debug(const char *fmt, ...) SIL_PRINTF(1, 2);

/*
 * Print an error value: "prog: what 'file':line: path: msg" and, when the
 * error has one, "hint: ..." on the next line.
 */
void sil_log_err(const struct sil_err *err, const char *what);

/*
 * A progress line for long work, redrawn in place on a terminal and silent
 * otherwise (or when quiet). `total` may be 0 when unknown.
 */
struct sil_progress {
    const char *label;
    uint64_t total;
    double start;
    double last;
    int active;
};
void sil_progress_start(struct sil_progress *p, const char *label, uint64_t total);
void sil_progress_update(struct sil_progress *p, uint64_t done);
void sil_progress_end(struct sil_progress *p, uint64_t done);

#endif
