/* One command-line convention for every binary: getopt_long plus shared options. */
#ifndef SIL_CLI_H
#define SIL_CLI_H

#include <getopt.h>

#include "sil.h"

/*
 * Every binary accepts -h/--help, -V/--version, -q/--quiet and -v/--verbose
 * (repeatable). Put SIL_CLI_SHORT first in the short options and
 * SIL_CLI_LONG first in the long options, and send every option the tool does
 * not handle itself to sil_cli_common().
 */
#define SIL_CLI_SHORT "+hVqv"
#define SIL_CLI_LONG                                                                               \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},                         \
        {"quiet", no_argument, NULL, 'q'},                                                         \
    {                                                                                              \
        "verbose", no_argument, NULL, 'v'                                                          \
    }

struct sil_tool {
    const char *name;  /* "generator" */
    const char *usage; /* the full --help text, man-page style */
};

/* Set the program name for messages, initialise libsodium and signal handling. */
void sil_cli_init(const struct sil_tool *tool);

/*
 * Handle a shared option: prints help or version and exits 0, adjusts the
 * log level, or reports an unknown option and exits 2.
 */
void sil_cli_common(const struct sil_tool *tool, int c);

/* "prog: msg" + "Try 'prog --help' for more information." and exit 2. */
SIL_NORETURN void sil_cli_usage_error(const struct sil_tool *tool, const char *fmt, ...)
    SIL_PRINTF(2, 3);

/* Parse an option argument or exit 2 naming the option. */
int64_t sil_cli_i64(const struct sil_tool *tool, const char *opt, const char *arg, int64_t min,
                    int64_t max);
uint64_t sil_cli_count(const struct sil_tool *tool, const char *opt, const char *arg);
double sil_cli_double(const struct sil_tool *tool, const char *opt, const char *arg, double min,
                      double max);

#endif
