/* validate-no-pii: command-line entry point. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "log.h"

static const char usage[] =
    "Usage: validate-no-pii [OPTION]...\n"
    "\n"
    "This build of validate-no-pii only answers --help and --version.\n"
    "\n"
    "  -h, --help      show this help and exit\n"
    "  -V, --version   show the version and exit\n";

static const struct sil_tool tool = {"validate-no-pii", usage};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG, {NULL, 0, NULL, 0}};
    int c;
    sil_cli_init(&tool);
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT, longopts, NULL)) != -1)
        sil_cli_common(&tool, c);
    sil_log_error("not available in this build");
    return SIL_EXIT_USAGE;
}
