/* generator: command-line entry point; parses and hands off to a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "cli.h"
#include "endorse.h"
#include "gen.h"
#include "log.h"
#include "report.h"

static const char usage[] =
    "Usage: generator [generate] (--shape FILE | --template FILE | both) --out DIR [OPTION]...\n"
    "       generator report OUT_DIR [--policy FILE] [--profile NAME] [--set GATE.KEY=V]...\n"
    "       generator report OUT_DIR (--endorse | --reject) --by NAME --note TEXT\n"
    "       generator report OUT_DIR --verify-endorsement\n"
    "       generator calibrate --shape NEW.shape.json --template SPEC.json --out SPEC2.json\n"
    "\n"
    "Write a deterministic synthetic dataset from a shape file and/or a metadata\n"
    "template: schema.sql, one data file per table (or chunk) and manifest.json.\n"
    "\n"
    "Inputs:\n"
    "  -s, --shape FILE        shape file (format v1)\n"
    "  -t, --template FILE     JSON metadata template; alone, or overriding the shape\n"
    "  -o, --out DIR           output directory (refused if it exists)\n"
    "      --force             replace an existing output directory\n"
    "      --seed N            seed (default 1); same inputs and seed, same bytes\n"
    "\n"
    "Sizing (default: the source's row counts):\n"
    "      --scale K           multiply every table's rows by K\n"
    "      --rows TABLE=N      rows of one table (repeatable; TABLE or SCHEMA.TABLE)\n"
    "      --derive            size unsized child tables from their parents through\n"
    "                          the children-per-parent distributions\n"
    "      --band NAME         a named band (dev, staging, perf) from policies/bands.json\n"
    "      --bands FILE        use another bands file\n"
    "      --max-rows N        clamp every table to N rows (recorded in the manifest)\n"
    "\n"
    "Output:\n"
    "      --format FMT        copy (default), csv, jsonl or sql\n"
    "      --compress zstd[:L] compress data files with zstd (level L, default 3)\n"
    "      --chunk-rows N      split tables into files of N rows\n"
    "      --threads N         worker threads (default: the number of cores)\n"
    "      --shard K/N         write the K-th of N row slices of every table\n"
    "      --progress / --no-progress   progress line (default: on a terminal)\n"
    "\n"
    "  -q, --quiet  -v, --verbose  -h, --help  -V, --version\n"
    "\n"
    "Exit status: 0 written; 1 the job failed (disk, interrupted); 2 usage or input error.\n";

static const char report_usage[] =
    "Usage: generator report OUT_DIR [OPTION]...\n"
    "\n"
    "Read a generator output back (checksums first, then every data file) and measure it\n"
    "against its shape: completeness, conformity, validity, uniqueness, metadata\n"
    "consistency, similar distribution (Kolmogorov-Smirnov) and identical linkage.\n"
    "Writes OUT_DIR/report.json and OUT_DIR/report.html; prints one line per gate.\n"
    "\n"
    "      --policy FILE       thresholds (default: policies/quality-gates.json)\n"
    "      --profile NAME      a profile of the policy (financial, strict)\n"
    "      --set GATE.KEY=V    one threshold, e.g. --set linkage.min_fk_coverage=0.999\n"
    "      --report-dir DIR    write the report files to DIR instead of OUT_DIR\n"
    "      --no-html           write report.json only\n"
    "      --threads N         worker threads (default: the number of cores)\n"
    "      --memory MB         memory for the exact key checks (default 128; beyond it\n"
    "                          they spill to temporary files)\n"
    "      --tmp DIR           where spill files go (default $TMPDIR or /tmp)\n"
    "\n"
    "Decisions (on the report.json already in OUT_DIR; nothing is measured again):\n"
    "      --endorse           endorse the output: writes OUT_DIR/endorsement.json, bound to\n"
    "                          the checksums of manifest.json and report.json\n"
    "      --reject            record a rejection instead\n"
    "      --by NAME           who decides (required)\n"
    "      --note TEXT         what was reviewed, or why rejected (required)\n"
    "      --override-failed-gates REASON\n"
    "                          endorse although a gate failed (refused otherwise)\n"
    "      --verify-endorsement  check that OUT_DIR is endorsed and unchanged since\n"
    "\n"
    "  -q, --quiet  -v, --verbose  -h, --help  -V, --version\n"
    "\n"
    "Exit status: 0 every gate passes (decision recorded; endorsed and unchanged);\n"
    "1 some gate fails (endorsement refused for failed gates; not endorsed, rejected or\n"
    "changed since); 2 usage or input error (the output does not verify or cannot be read).\n";

static const char calibrate_usage[] =
    "Usage: generator calibrate --shape NEW.shape.json --template SPEC.json --out SPEC2.json\n"
    "                           [--previous-shape OLD.shape.json]\n"
    "                           [--keep TABLE[.COLUMN]]... [--dry-run] [--force]\n"
    "\n"
    "Update a hand-maintained metadata template from a newer shape: row_count,\n"
    "null_fraction, faker_args min/max (random_int, pyint, random_number, pyfloat,\n"
    "pydecimal), start_date/end_date (date_between), elements (random_element) and\n"
    "max_length come from the shape; faker methods, pii flags, keys, relationships,\n"
    "descriptions and tables or fields the shape lacks are kept as written.\n"
    "Prints one line per change (\"public.messages: row_count 500000 -> 600000\").\n"
    "\n"
    "Shape statistics the template has no key for are recorded under its\n"
    "\"calibration\" key and printed old -> new: text length p50/p95/p99, the\n"
    "share of parents with children (messages with an attachment: the media\n"
    "ratio), mean children per parent, and the burst coefficient (p95/p50 of the\n"
    "gaps between a parent's children). Old values come from that record, or\n"
    "from --previous-shape.\n"
    "\n"
    "  -s, --shape FILE        the newer shape (refused when expired)\n"
    "      --previous-shape FILE  compare the statistics with this shape instead\n"
    "                          of the template's record (refused when expired)\n"
    "  -t, --template FILE     the template to calibrate\n"
    "  -o, --out FILE          where to write it (may be the template itself)\n"
    "      --keep NAME         keep a table or field as written (repeatable;\n"
    "                          TABLE, SCHEMA.TABLE, TABLE.COLUMN, SCHEMA.TABLE.COLUMN)\n"
    "      --dry-run           print the changes, write nothing\n"
    "      --force             replace an existing --out file\n"
    "\n"
    "  -q, --quiet  -v, --verbose  -h, --help  -V, --version\n"
    "\n"
    "Exit status: 0 written (or nothing to change); 1 the file could not be written;\n"
    "2 usage or input error (a shape or template that does not read, an expired shape).\n";

static const struct sil_tool tool = {"generator", usage};
static const struct sil_tool calibrate_tool = {"generator", calibrate_usage};

enum { C_KEEP = 3000, C_DRY, C_FORCE, C_PREV };

static int cmd_calibrate(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG,
                                             {"shape", required_argument, NULL, 's'},
                                             {"template", required_argument, NULL, 't'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"keep", required_argument, NULL, C_KEEP},
                                             {"dry-run", no_argument, NULL, C_DRY},
                                             {"force", no_argument, NULL, C_FORCE},
                                             {"previous-shape", required_argument, NULL, C_PREV},
                                             {NULL, 0, NULL, 0}};
    struct gen_calibrate_opts o;
    memset(&o, 0, sizeof o);
    const char **keep = NULL;
    int c;
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT "s:t:o:", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o.shape_path = optarg;
            break;
        case 't':
            o.template_path = optarg;
            break;
        case 'o':
            o.out_path = optarg;
            break;
        case C_KEEP:
            keep = sil_xrealloc(keep, (o.nkeep + 1) * sizeof *keep);
            keep[o.nkeep++] = optarg;
            break;
        case C_DRY:
            o.dry_run = 1;
            break;
        case C_FORCE:
            o.force = 1;
            break;
        case C_PREV:
            o.previous_path = optarg;
            break;
        default:
            sil_cli_common(&calibrate_tool, c);
        }
    }
    if (optind < argc)
        sil_cli_usage_error(&calibrate_tool, "unexpected argument '%s'", argv[optind]);
    if (!o.shape_path || !o.template_path)
        sil_cli_usage_error(&calibrate_tool,
                            "give --shape NEW.shape.json and --template SPEC.json");
    if (!o.out_path && !o.dry_run)
        sil_cli_usage_error(&calibrate_tool, "give --out FILE (or --dry-run)");
    if (!o.out_path)
        o.out_path = o.template_path;
    o.keep = keep;
    struct sil_err err;
    sil_err_clear(&err);
    char *report = NULL;
    int rc = gen_calibrate_run(&o, &report, &err);
    free(keep);
    if (rc < 0) {
        sil_log_err(&err, "cannot calibrate");
        return sil_err_exit_code(&err);
    }
    if (sil_log_level() >= SIL_LOG_NORMAL)
        fputs(report, stdout);
    free(report);
    return SIL_EXIT_OK;
}
static const struct sil_tool report_tool = {"generator", report_usage};

enum {
    R_POLICY = 2000,
    R_PROFILE,
    R_SET,
    R_DIR,
    R_NOHTML,
    R_THREADS,
    R_MEMORY,
    R_TMP,
    R_ENDORSE,
    R_REJECT,
    R_BY,
    R_NOTE,
    R_OVERRIDE,
    R_VERIFY
};

/* A decision or a verification: main.c only parses; endorse.c does the work. */
static int cmd_decision(const char *dir, int mode, const struct gen_endorse_opts *eo)
{
    struct sil_err err;
    sil_err_clear(&err);
    char *summary = NULL;
    int rc, ok = 1;
    if (mode == R_VERIFY) {
        rc = gen_endorse_verify(dir, &ok, &summary, &err);
    } else {
        struct gen_endorse_opts o = *eo;
        o.dir = dir;
        o.decision = mode == R_ENDORSE ? GEN_ENDORSED : GEN_REJECTED;
        rc = gen_endorse_record(&o, &summary, &err);
    }
    if (rc < 0) {
        sil_log_err(&err, err.code == SIL_EINTR ? NULL
                          : mode == R_VERIFY    ? "cannot verify the endorsement"
                                                : "cannot record the decision");
        return sil_err_exit_code(&err);
    }
    if (sil_log_level() >= SIL_LOG_NORMAL || !ok)
        fputs(summary, stdout);
    free(summary);
    return ok ? SIL_EXIT_OK : SIL_EXIT_FAIL;
}

static int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        SIL_CLI_LONG,
        {"policy", required_argument, NULL, R_POLICY},
        {"profile", required_argument, NULL, R_PROFILE},
        {"set", required_argument, NULL, R_SET},
        {"report-dir", required_argument, NULL, R_DIR},
        {"no-html", no_argument, NULL, R_NOHTML},
        {"threads", required_argument, NULL, R_THREADS},
        {"memory", required_argument, NULL, R_MEMORY},
        {"tmp", required_argument, NULL, R_TMP},
        {"endorse", no_argument, NULL, R_ENDORSE},
        {"reject", no_argument, NULL, R_REJECT},
        {"by", required_argument, NULL, R_BY},
        {"note", required_argument, NULL, R_NOTE},
        {"override-failed-gates", required_argument, NULL, R_OVERRIDE},
        {"verify-endorsement", no_argument, NULL, R_VERIFY},
        {NULL, 0, NULL, 0}};
    struct gen_endorse_opts eo;
    memset(&eo, 0, sizeof eo);
    int mode = 0, measuring = 0;
    struct gen_report_opts o;
    memset(&o, 0, sizeof o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = cores > 0 ? (int)SIL_MIN(cores, 64) : 1;
    o.memory = (size_t)128 << 20;
    o.html = 1;
    const char *tmp = getenv("TMPDIR");
    o.tmpdir = tmp && *tmp ? tmp : "/tmp";
    const char **sets = NULL;
    int c;
    /* options may follow the directory: no leading '+' (GNU permutation) */
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT + 1, longopts, NULL)) != -1) {
        switch (c) {
        case R_POLICY:
            o.policy = optarg;
            break;
        case R_PROFILE:
            o.profile = optarg;
            break;
        case R_SET:
            sets = sil_xrealloc(sets, (o.nsets + 1) * sizeof *sets);
            sets[o.nsets++] = optarg;
            break;
        case R_DIR:
            o.out_dir = optarg;
            break;
        case R_NOHTML:
            o.html = 0;
            break;
        case R_THREADS:
            o.threads = (int)sil_cli_i64(&report_tool, "--threads", optarg, 1, 256);
            break;
        case R_MEMORY:
            o.memory = (size_t)sil_cli_i64(&report_tool, "--memory", optarg, 32, 1 << 20) << 20;
            break;
        case R_TMP:
            o.tmpdir = optarg;
            break;
        case R_ENDORSE:
        case R_REJECT:
        case R_VERIFY:
            if (mode && mode != c)
                sil_cli_usage_error(&report_tool,
                                    "give one of --endorse, --reject and --verify-endorsement");
            mode = c;
            break;
        case R_BY:
            eo.by = optarg;
            break;
        case R_NOTE:
            eo.note = optarg;
            break;
        case R_OVERRIDE:
            eo.override_reason = optarg;
            break;
        default:
            sil_cli_common(&report_tool, c);
        }
        if (c >= R_POLICY && c <= R_TMP)
            measuring = c;
    }
    if (optind >= argc)
        sil_cli_usage_error(&report_tool, "give the output directory to check");
    if (optind + 1 < argc)
        sil_cli_usage_error(&report_tool, "unexpected argument '%s'", argv[optind + 1]);
    if (mode) {
        if (measuring)
            sil_cli_usage_error(&report_tool,
                                "%s decides on the report already in the directory; measuring "
                                "options do not apply (run the report first)",
                                mode == R_VERIFY    ? "--verify-endorsement"
                                : mode == R_ENDORSE ? "--endorse"
                                                    : "--reject");
        if (mode == R_VERIFY && (eo.by || eo.note || eo.override_reason))
            sil_cli_usage_error(&report_tool, "--verify-endorsement takes no --by, --note or "
                                              "--override-failed-gates");
        if (mode != R_VERIFY && (!eo.by || !eo.note))
            sil_cli_usage_error(&report_tool, "%s needs --by NAME and --note TEXT",
                                mode == R_ENDORSE ? "--endorse" : "--reject");
        if (mode == R_REJECT && eo.override_reason)
            sil_cli_usage_error(&report_tool, "--override-failed-gates applies to --endorse");
        free(sets);
        return cmd_decision(argv[optind], mode, &eo);
    }
    if (eo.by || eo.note || eo.override_reason)
        sil_cli_usage_error(&report_tool,
                            "--by, --note and --override-failed-gates go with --endorse or "
                            "--reject");
    o.dir = argv[optind];
    o.sets = sets;
    struct sil_err err;
    sil_err_clear(&err);
    int passed = 0;
    char *summary = NULL;
    int rc = gen_report_run(&o, &passed, &summary, &err);
    free(sets);
    if (rc < 0) {
        sil_log_err(&err, err.code == SIL_EINTR ? NULL : "cannot report");
        return sil_err_exit_code(&err);
    }
    if (sil_log_level() >= SIL_LOG_NORMAL || !passed)
        fputs(summary, stdout);
    free(summary);
    return passed ? SIL_EXIT_OK : SIL_EXIT_FAIL;
}

enum {
    O_SEED = 1000,
    O_SCALE,
    O_ROWS,
    O_DERIVE,
    O_BAND,
    O_BANDS,
    O_MAXROWS,
    O_FORMAT,
    O_COMPRESS,
    O_CHUNK,
    O_THREADS,
    O_SHARD,
    O_FORCE,
    O_PROGRESS,
    O_NOPROGRESS
};

static int cmd_generate(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG,
                                             {"shape", required_argument, NULL, 's'},
                                             {"template", required_argument, NULL, 't'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"seed", required_argument, NULL, O_SEED},
                                             {"scale", required_argument, NULL, O_SCALE},
                                             {"rows", required_argument, NULL, O_ROWS},
                                             {"derive", no_argument, NULL, O_DERIVE},
                                             {"band", required_argument, NULL, O_BAND},
                                             {"bands", required_argument, NULL, O_BANDS},
                                             {"max-rows", required_argument, NULL, O_MAXROWS},
                                             {"format", required_argument, NULL, O_FORMAT},
                                             {"compress", required_argument, NULL, O_COMPRESS},
                                             {"chunk-rows", required_argument, NULL, O_CHUNK},
                                             {"threads", required_argument, NULL, O_THREADS},
                                             {"shard", required_argument, NULL, O_SHARD},
                                             {"force", no_argument, NULL, O_FORCE},
                                             {"progress", no_argument, NULL, O_PROGRESS},
                                             {"no-progress", no_argument, NULL, O_NOPROGRESS},
                                             {NULL, 0, NULL, 0}};
    struct gen_opts o;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.shard_k = o.shard_n = 1;
    o.sizing.mode = GEN_SIZE_SOURCE;
    o.sizing.scale = 1;
    o.out.format = GEN_FMT_COPY;
    o.out.level = 3;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.out.threads = cores > 0 ? (int)SIL_MIN(cores, 256) : 1;
    o.out.progress = isatty(STDERR_FILENO);
    struct gen_rows_opt *rows = NULL;
    size_t nrows = 0;
    int derive = 0, scale_set = 0;
    int c;
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT "s:t:o:", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o.shape_path = optarg;
            break;
        case 't':
            o.template_path = optarg;
            break;
        case 'o':
            o.out_dir = optarg;
            break;
        case O_SEED:
            o.seed = (uint64_t)sil_cli_i64(&tool, "--seed", optarg, 0, INT64_C(9007199254740991));
            break;
        case O_SCALE:
            o.sizing.scale = sil_cli_double(&tool, "--scale", optarg, 0, 1e6);
            scale_set = 1;
            break;
        case O_ROWS: {
            char *eq = strrchr(optarg, '=');
            if (!eq || eq == optarg)
                sil_cli_usage_error(&tool, "--rows: expected TABLE=N, found '%s'", optarg);
            *eq = '\0';
            uint64_t n;
            if (sil_parse_count(eq + 1, &n) < 0 || n > (UINT64_C(1) << 50))
                sil_cli_usage_error(&tool, "--rows %s: '%s' is not a row count", optarg, eq + 1);
            rows = sil_xrealloc(rows, (nrows + 1) * sizeof *rows);
            rows[nrows].table = optarg;
            rows[nrows++].rows = (int64_t)n;
            break;
        }
        case O_DERIVE:
            derive = 1;
            break;
        case O_BAND:
            o.sizing.band = optarg;
            break;
        case O_BANDS:
            o.sizing.bands_file = optarg;
            break;
        case O_MAXROWS:
            o.sizing.max_rows = (int64_t)sil_cli_count(&tool, "--max-rows", optarg);
            if (o.sizing.max_rows <= 0)
                sil_cli_usage_error(&tool, "--max-rows: expected a positive count");
            break;
        case O_FORMAT:
            if (strcmp(optarg, "copy") == 0)
                o.out.format = GEN_FMT_COPY;
            else if (strcmp(optarg, "csv") == 0)
                o.out.format = GEN_FMT_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                o.out.format = GEN_FMT_JSONL;
            else if (strcmp(optarg, "sql") == 0)
                o.out.format = GEN_FMT_SQL;
            else
                sil_cli_usage_error(&tool, "--format: unknown format '%s' (copy, csv, jsonl, sql)",
                                    optarg);
            break;
        case O_COMPRESS:
            if (strncmp(optarg, "zstd", 4) != 0 || (optarg[4] && optarg[4] != ':'))
                sil_cli_usage_error(&tool, "--compress: expected zstd or zstd:LEVEL, found '%s'",
                                    optarg);
            o.out.compress = 1;
            if (optarg[4] == ':')
                o.out.level = (int)sil_cli_i64(&tool, "--compress zstd:LEVEL", optarg + 5, 1, 19);
            break;
        case O_CHUNK:
            o.out.chunk_rows = (int64_t)sil_cli_count(&tool, "--chunk-rows", optarg);
            if (o.out.chunk_rows <= 0)
                sil_cli_usage_error(&tool, "--chunk-rows: expected a positive count");
            break;
        case O_THREADS:
            o.out.threads = (int)sil_cli_i64(&tool, "--threads", optarg, 1, 256);
            break;
        case O_SHARD: {
            char *slash = strchr(optarg, '/');
            int64_t k, n;
            if (!slash)
                sil_cli_usage_error(&tool, "--shard: expected K/N, found '%s'", optarg);
            *slash = '\0';
            if (sil_parse_i64(optarg, 1, 100000, &k) < 0 ||
                sil_parse_i64(slash + 1, 1, 100000, &n) < 0 || k > n)
                sil_cli_usage_error(&tool, "--shard: expected K/N with 1 <= K <= N");
            o.shard_k = (int)k;
            o.shard_n = (int)n;
            break;
        }
        case O_FORCE:
            o.force = 1;
            break;
        case O_PROGRESS:
            o.out.progress = 1;
            break;
        case O_NOPROGRESS:
            o.out.progress = 0;
            break;
        default:
            sil_cli_common(&tool, c);
        }
    }
    if (optind < argc)
        sil_cli_usage_error(&tool, "unexpected argument '%s'", argv[optind]);
    if (!o.out_dir)
        sil_cli_usage_error(&tool, "--out DIR is required");
    if (!o.shape_path && !o.template_path)
        sil_cli_usage_error(&tool, "give --shape FILE, --template FILE or both");
    if (o.sizing.band && scale_set)
        sil_cli_usage_error(&tool, "--band and --scale cannot be combined");
    if (o.sizing.band)
        o.sizing.mode = GEN_SIZE_BAND;
    else if (scale_set)
        o.sizing.mode = GEN_SIZE_SCALE;
    if (derive && !o.sizing.band) {
        /* --derive: an empty band of the explicitly sized tables. */
        o.sizing.mode = o.sizing.mode == GEN_SIZE_SCALE ? GEN_SIZE_SCALE : GEN_SIZE_SOURCE;
    }
    o.sizing.rows = rows;
    o.sizing.nrows = nrows;
    o.sizing.derive = derive;
    if (o.out.format == GEN_FMT_SQL && o.out.chunk_rows % GEN_SQL_ROWS)
        sil_cli_usage_error(&tool, "--chunk-rows must be a multiple of %d with --format sql",
                            GEN_SQL_ROWS);
    if (sil_log_level() == SIL_LOG_QUIET)
        o.out.progress = 0;
    struct sil_err err;
    sil_err_clear(&err);
    const char *what = NULL;
    int rc = generator_run(&o, &what, &err);
    free(rows);
    if (rc < 0) {
        sil_log_err(&err, err.code == SIL_EINTR ? NULL : what);
        return sil_err_exit_code(&err);
    }
    return SIL_EXIT_OK;
}

int main(int argc, char **argv)
{
    sil_cli_init(&tool);
    if (argc > 1 && strcmp(argv[1], "report") == 0) {
        argv[1] = argv[0];
        return cmd_report(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "calibrate") == 0) {
        argv[1] = argv[0];
        return cmd_calibrate(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "generate") == 0) {
        argv[1] = argv[0];
        return cmd_generate(argc - 1, argv + 1);
    }
    return cmd_generate(argc, argv);
}
