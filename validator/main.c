/* validate-no-pii: command-line entry point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "run.h"

static const char usage[] =
    "Usage: validate-no-pii [OPTION]... FILE|DIR...\n"
    "Check shape files (and any text, CSV or JSON Lines) for personal data before they\n"
    "leave production. Shape files get the structure-aware check; other files are\n"
    "scanned line by line. Directories are scanned recursively; '-' is standard input.\n"
    "\n"
    "  -g, --generic          scan every input as plain text, even shape files\n"
    "      --shape            require every input to be a shape file\n"
    "  -f, --format FMT       report as text (default), json or sarif (SARIF 2.1.0)\n"
    "  -s, --strict           also flag values in reserved fictional ranges\n"
    "                         (example.com mail, 555-01xx phones, SSN areas 000/666/9xx)\n"
    "  -m, --max-findings N   stop after N findings (0 = no limit, the default)\n"
    "  -r, --rules FILE       a user policy that adds rules or disables them by id\n"
    "  -a, --allowlist FILE   reviewed findings to accept (default: the shipped\n"
    "                         policies/allowlist.json)\n"
    "      --no-allowlist     accept nothing\n"
    "      --unsealed         accept a sampled shape that has no checksum yet\n"
    "      --show-hashes      print each value's BLAKE2b-256 hash, for allowlist entries\n"
    "      --hash             print the allowlist hash of the value on standard input\n"
    "      --list-rules       list the rules in force and exit\n"
    "      --combined-pattern print all regex rules as one PCRE2 alternation and exit\n"
    "  -q, --quiet            only errors on standard error\n"
    "  -v, --verbose          more detail on standard error\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n"
    "\n"
    "Exit status: 0 no finding (safe to export), 1 personal data or a structural\n"
    "violation found (manual review required), 2 usage or input error.\n"
    "Findings never show a value in clear: a***@g***.com, 4111 **** **** 1111.\n"
    "See validate-no-pii(1) and docs/validate-no-pii.md.\n";

static const struct sil_tool tool = {"validate-no-pii", usage};

enum {
    OPT_SHAPE = 256,
    OPT_NO_ALLOW,
    OPT_UNSEALED,
    OPT_SHOW_HASHES,
    OPT_HASH,
    OPT_LIST,
    OPT_PATTERN
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG,
                                             {"generic", no_argument, NULL, 'g'},
                                             {"shape", no_argument, NULL, OPT_SHAPE},
                                             {"format", required_argument, NULL, 'f'},
                                             {"strict", no_argument, NULL, 's'},
                                             {"max-findings", required_argument, NULL, 'm'},
                                             {"rules", required_argument, NULL, 'r'},
                                             {"allowlist", required_argument, NULL, 'a'},
                                             {"no-allowlist", no_argument, NULL, OPT_NO_ALLOW},
                                             {"unsealed", no_argument, NULL, OPT_UNSEALED},
                                             {"show-hashes", no_argument, NULL, OPT_SHOW_HASHES},
                                             {"hash", no_argument, NULL, OPT_HASH},
                                             {"list-rules", no_argument, NULL, OPT_LIST},
                                             {"combined-pattern", no_argument, NULL, OPT_PATTERN},
                                             {NULL, 0, NULL, 0}};
    struct validator_opts o;
    int c;
    memset(&o, 0, sizeof o);
    sil_cli_init(&tool);
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT "gf:sm:r:a:", longopts, NULL)) != -1) {
        switch (c) {
        case 'g':
            if (o.mode == VSCAN_SHAPE)
                sil_cli_usage_error(&tool, "--generic and --shape exclude each other");
            o.mode = VSCAN_GENERIC;
            break;
        case OPT_SHAPE:
            if (o.mode == VSCAN_GENERIC)
                sil_cli_usage_error(&tool, "--generic and --shape exclude each other");
            o.mode = VSCAN_SHAPE;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o.report.format = REPORT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                o.report.format = REPORT_JSON;
            else if (strcmp(optarg, "sarif") == 0)
                o.report.format = REPORT_SARIF;
            else
                sil_cli_usage_error(&tool, "--format: unknown format '%s' (text, json or sarif)",
                                    optarg);
            break;
        case 's':
            o.strict = 1;
            break;
        case 'm':
            o.max_findings = (size_t)sil_cli_i64(&tool, "--max-findings", optarg, 0, INT32_MAX);
            break;
        case 'r':
            o.rules_file = optarg;
            break;
        case 'a':
            o.allowlist_file = optarg;
            break;
        case OPT_NO_ALLOW:
            o.no_allowlist = 1;
            break;
        case OPT_UNSEALED:
            o.unsealed = 1;
            break;
        case OPT_SHOW_HASHES:
            o.report.show_hashes = 1;
            break;
        case OPT_HASH:
            o.action = VALIDATE_HASH;
            break;
        case OPT_LIST:
            o.action = VALIDATE_LIST_RULES;
            break;
        case OPT_PATTERN:
            o.action = VALIDATE_PATTERN;
            break;
        default:
            sil_cli_common(&tool, c);
        }
    }
    o.paths = argv + optind;
    o.npaths = (size_t)(argc - optind);
    if (o.action == VALIDATE_SCAN && o.npaths == 0)
        sil_cli_usage_error(&tool, "no input: name a shape file, a file or a directory");
    if (o.action != VALIDATE_SCAN && o.npaths > 0)
        sil_cli_usage_error(&tool, "unexpected argument '%s'", o.paths[0]);
    if (o.no_allowlist && o.allowlist_file)
        sil_cli_usage_error(&tool, "--allowlist and --no-allowlist exclude each other");
    return validator_run(&o);
}
