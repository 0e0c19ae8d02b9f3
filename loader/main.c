/* loader: command-line entry point (load, teardown, runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "load.h"
#include "log.h"
#include "pg.h"
#include "runs.h"

static const char usage[] =
    "Usage: loader load OUT_DIR [--dsn DSN] [OPTION]...\n"
    "       loader load SHARD_DIR... [--dsn DSN] [OPTION]...\n"
    "       loader runs [--dsn DSN] [--json]\n"
    "       loader teardown (--run ID | --all) [--dsn DSN] [--force]\n"
    "\n"
    "Load a generator output directory into its own schema of a staging\n"
    "PostgreSQL database, verified and recorded, and remove it again.\n"
    "\n"
    "load OUT_DIR: verify manifest.json and every file's checksum, check the\n"
    "target against the environment policy and its silhouette.environment\n"
    "marker, then load into a new schema with COPY on parallel connections,\n"
    "add keys and foreign keys, ANALYZE, and check row counts. The run is\n"
    "recorded in silhouette_meta.load_runs; a report and a teardown.sql are\n"
    "written to OUT_DIR/loads/. The N shard directories of one output\n"
    "(generator --shard K/N) load together as one output.\n"
    "  -d, --dsn DSN          libpq connection string or URI (default: PG* variables)\n"
    "  -s, --schema NAME      schema for the run (default: sil_<run id>)\n"
    "  -j, --jobs N           parallel connections (default: number of cores)\n"
    "      --keep-failed      keep the schema of a failed run (default: drop it)\n"
    "      --allow-unmarked   load into a database without a silhouette.environment marker\n"
    "      --policy FILE      environment policy (default: the shipped environments.json)\n"
    "      --tablespace NAME  create the run's tables and indexes there\n"
    "      --report-dir DIR   where the run report goes (default: OUT_DIR/loads)\n"
    "      --retry-seconds N  how long to retry after a lost connection (default: 60)\n"
    "      --no-split         load every table in one COPY FREEZE stream, even a table\n"
    "                         bigger than its share of the jobs (see docs/loader.md)\n"
    "  -n, --dry-run          verify and check the target, print the SQL, write nothing\n"
    "\n"
    "runs: list the recorded runs; RUNNING runs whose loader is gone show ABANDONED.\n"
    "      --json             one JSON object per line\n"
    "\n"
    "teardown: drop a run's schema and mark it TORN_DOWN (idempotent).\n"
    "      --run ID           the run to tear down\n"
    "      --all              every run and every schema with a loader run comment;\n"
    "                         asks on a terminal, needs --force otherwise\n"
    "      --force            do not ask; end the sessions of a run still loading\n"
    "\n"
    "  -h, --help      show this help and exit\n"
    "  -V, --version   show the version and exit\n"
    "  -q, --quiet     errors only\n"
    "  -v, --verbose   more detail\n"
    "\n"
    "Exit status: 0 done; 1 the load or teardown failed (run marked FAILED);\n"
    "2 usage error or a bad output directory (checksum mismatch, hostile or\n"
    "unsupported shape); 3 refused by the safety policy (denied target,\n"
    "production or missing marker, schema not created by the loader);\n"
    "130 interrupted.\n";

static const struct sil_tool tool = {"loader", usage};

enum {
    OPT_KEEP_FAILED = 256,
    OPT_ALLOW_UNMARKED,
    OPT_POLICY,
    OPT_TABLESPACE,
    OPT_REPORT_DIR,
    OPT_RETRY,
    OPT_RUN,
    OPT_ALL,
    OPT_FORCE,
    OPT_JSON,
    OPT_SPLIT
};

#define EXIT_REFUSED 3

static int exit_code(const struct sil_err *err)
{
    return err->code == SIL_EPOLICY ? EXIT_REFUSED : sil_err_exit_code(err);
}

static int cmd_load(int argc, char **argv)
{
    static const struct option longopts[] = {
        SIL_CLI_LONG,
        {"dsn", required_argument, NULL, 'd'},
        {"schema", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},
        {"dry-run", no_argument, NULL, 'n'},
        {"keep-failed", no_argument, NULL, OPT_KEEP_FAILED},
        {"allow-unmarked", no_argument, NULL, OPT_ALLOW_UNMARKED},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"tablespace", required_argument, NULL, OPT_TABLESPACE},
        {"report-dir", required_argument, NULL, OPT_REPORT_DIR},
        {"retry-seconds", required_argument, NULL, OPT_RETRY},
        {"no-split", no_argument, NULL, OPT_SPLIT},
        {NULL, 0, NULL, 0}};
    struct loader_load_opts o = {0};
    o.retry_seconds = 60;
    int c;
    while ((c = getopt_long(argc, argv, "hVqvd:s:j:n", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.dsn = optarg;
            break;
        case 's':
            o.schema = optarg;
            break;
        case 'j':
            o.jobs = (int)sil_cli_i64(&tool, "--jobs", optarg, 1, 64);
            break;
        case 'n':
            o.dry_run = 1;
            break;
        case OPT_KEEP_FAILED:
            o.keep_failed = 1;
            break;
        case OPT_ALLOW_UNMARKED:
            o.allow_unmarked = 1;
            break;
        case OPT_POLICY:
            o.policy_path = optarg;
            break;
        case OPT_TABLESPACE:
            o.tablespace = optarg;
            break;
        case OPT_SPLIT:
            o.no_split = 1;
            break;
        case OPT_REPORT_DIR:
            o.report_dir = optarg;
            break;
        case OPT_RETRY:
            o.retry_seconds = sil_cli_double(&tool, "--retry-seconds", optarg, 0, 3600);
            break;
        default:
            sil_cli_common(&tool, c);
        }
    }
    if (optind >= argc)
        sil_cli_usage_error(&tool, "load takes an output directory (or the shard directories "
                                   "of one output)");
    o.out_dirs = (const char *const *)(argv + optind);
    o.nout_dirs = (size_t)(argc - optind);
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_load_result res;
    struct sil_err dsn_err;
    if (o.dsn && loader_pg_dsn_valid(o.dsn, &dsn_err) < 0)
        sil_cli_usage_error(&tool, "%s", dsn_err.msg);
    loader_pg_cancel_install();
    if (loader_load(&o, &res, &err) < 0) {
        sil_log_err(&err, err.code == SIL_EPOLICY             ? "refused to load"
                          : strcmp(res.status, "FAILED") == 0 ? "load failed"
                                                              : "cannot load");
        if (strcmp(res.status, "FAILED") == 0)
            sil_log_info("run %s marked FAILED; report: %s", res.run_id,
                         res.report_path[0] ? res.report_path : "(none)");
        return exit_code(&err);
    }
    if (o.dry_run)
        return 0;
    printf("%s run=%s schema=%s rows=%lld seconds=%.2f copy_rows_per_second=%.0f report=%s\n",
           res.status, res.run_id, res.schema, (long long)res.rows, res.seconds,
           res.copy_seconds > 0 ? (double)res.rows / res.copy_seconds : 0.0, res.report_path);
    return 0;
}

static int cmd_runs(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG,
                                             {"dsn", required_argument, NULL, 'd'},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             {NULL, 0, NULL, 0}};
    struct loader_runs_opts o = {0};
    int c;
    while ((c = getopt_long(argc, argv, "hVqvd:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.dsn = optarg;
            break;
        case OPT_JSON:
            o.json = 1;
            break;
        default:
            sil_cli_common(&tool, c);
        }
    }
    if (optind != argc)
        sil_cli_usage_error(&tool, "runs takes no arguments");
    struct sil_err err, dsn_err;
    sil_err_clear(&err);
    if (o.dsn && loader_pg_dsn_valid(o.dsn, &dsn_err) < 0)
        sil_cli_usage_error(&tool, "%s", dsn_err.msg);
    if (loader_runs(&o, stdout, &err) < 0) {
        sil_log_err(&err, "cannot list runs");
        return exit_code(&err);
    }
    return 0;
}

static int cmd_teardown(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG,
                                             {"dsn", required_argument, NULL, 'd'},
                                             {"run", required_argument, NULL, OPT_RUN},
                                             {"all", no_argument, NULL, OPT_ALL},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {NULL, 0, NULL, 0}};
    struct loader_teardown_opts o = {0};
    int c;
    while ((c = getopt_long(argc, argv, "hVqvd:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.dsn = optarg;
            break;
        case OPT_RUN:
            o.run_id = optarg;
            break;
        case OPT_ALL:
            o.all = 1;
            break;
        case OPT_FORCE:
            o.force = 1;
            break;
        default:
            sil_cli_common(&tool, c);
        }
    }
    if (optind != argc)
        sil_cli_usage_error(&tool, "teardown takes no arguments besides its options");
    if (!!o.run_id + o.all != 1)
        sil_cli_usage_error(&tool, "teardown needs exactly one of --run ID and --all");
    o.interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
    struct sil_err err, dsn_err;
    sil_err_clear(&err);
    if (o.dsn && loader_pg_dsn_valid(o.dsn, &dsn_err) < 0)
        sil_cli_usage_error(&tool, "%s", dsn_err.msg);
    if (loader_teardown(&o, stdin, stdout, &err) < 0) {
        sil_log_err(&err, "teardown failed");
        return exit_code(&err);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG, {NULL, 0, NULL, 0}};
    int c;
    sil_cli_init(&tool);
    /* options before the command word are the shared ones */
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT, longopts, NULL)) != -1)
        sil_cli_common(&tool, c);
    if (optind >= argc)
        sil_cli_usage_error(&tool, "missing command (load, runs or teardown)");
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* glibc: rescan from sub_argv[1] with fresh state */
    if (strcmp(cmd, "load") == 0)
        return cmd_load(sub_argc, sub_argv);
    if (strcmp(cmd, "runs") == 0)
        return cmd_runs(sub_argc, sub_argv);
    if (strcmp(cmd, "teardown") == 0)
        return cmd_teardown(sub_argc, sub_argv);
    sil_cli_usage_error(&tool, "unknown command '%s' (load, runs or teardown)", cmd);
}
