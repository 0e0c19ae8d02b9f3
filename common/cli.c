/* Shared option handling and usage errors. */
#include "cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "signals.h"

void sil_cli_init(const struct sil_tool *tool)
{
    sil_log_init(tool->name);
    if (sodium_init() < 0) {
        sil_log_error("cannot initialise libsodium");
        exit(SIL_EXIT_FAIL);
    }
    sil_signals_install();
}

void sil_cli_common(const struct sil_tool *tool, int c)
{
    switch (c) {
    case 'h':
        fputs(tool->usage, stdout);
        exit(SIL_EXIT_OK);
    case 'V':
        printf("%s (silhouette) %s\n", tool->name, SIL_VERSION);
        exit(SIL_EXIT_OK);
    case 'q':
        sil_log_set_level(SIL_LOG_QUIET);
        return;
    case 'v':
        sil_log_set_level(sil_log_level() + 1);
        return;
    case ':':
        sil_cli_usage_error(tool, "option '%s' needs a value", optind > 0 ? "" : "");
    default:
        /* getopt_long has already printed what was wrong. */
        fprintf(stderr, "Try '%s --help' for more information.\n", tool->name);
        exit(SIL_EXIT_USAGE);
    }
}

void sil_cli_usage_error(const struct sil_tool *tool, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", tool->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", tool->name);
    exit(SIL_EXIT_USAGE);
}

int64_t sil_cli_i64(const struct sil_tool *tool, const char *opt, const char *arg, int64_t min,
                    int64_t max)
{
    int64_t v;
    if (sil_parse_i64(arg, min, max, &v) < 0)
        sil_cli_usage_error(tool, "%s: '%s' is not an integer from %lld to %lld", opt, arg,
                            (long long)min, (long long)max);
    return v;
}

uint64_t sil_cli_count(const struct sil_tool *tool, const char *opt, const char *arg)
{
    uint64_t v;
    if (sil_parse_count(arg, &v) < 0)
        sil_cli_usage_error(tool, "%s: '%s' is not a count (digits, optionally k, M or G)", opt,
                            arg);
    return v;
}

double sil_cli_double(const struct sil_tool *tool, const char *opt, const char *arg, double min,
                      double max)
{
    double v;
    if (sil_parse_double(arg, &v) < 0 || v < min || v > max)
        sil_cli_usage_error(tool, "%s: '%s' is not a number from %g to %g", opt, arg, min, max);
    return v;
}
