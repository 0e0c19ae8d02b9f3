/* Interrupt handling: a flag for long loops and temp files removed on exit. */
#ifndef SIL_SIGNALS_H
#define SIL_SIGNALS_H

#include "sil.h"

/*
 * SIGINT, SIGTERM and SIGHUP set the interrupted flag; work loops poll
 * sil_interrupted() and unwind, removing their temp output. A second signal
 * removes every registered temp path that is a file and exits 130 at once.
 */
void sil_signals_install(void);
int sil_interrupted(void);
/* For tests: clear the flag. */
void sil_interrupted_reset(void);

/*
 * Temp paths that must not survive the process. Registration copies the
 * path; at most 64 at a time (more is a bug). Files only: directories are
 * removed by their owner when it unwinds.
 */
void sil_cleanup_add(const char *path);
void sil_cleanup_remove(const char *path);

/*
 * Called from the signal handler on the first signal; must be
 * async-signal-safe (PQcancel is). NULL to clear.
 */
void sil_signals_set_hook(void (*hook)(void));

#endif
