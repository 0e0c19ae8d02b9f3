/* sampler: command-line entry point (shape extraction and keygen). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "key.h"
#include "log.h"
#include "policyfile.h"
#include "sampler.h"
#include "shape.h"

static const char usage[] =
    "Usage: sampler [OPTION]... --out SHAPE\n"
    "       sampler keygen --out KEYFILE [--force]\n"
    "\n"
    "Read the catalog and bounded samples of a production PostgreSQL database in one\n"
    "read-only snapshot, or the records of a REST API up to a cap per entity, and\n"
    "write its shape (format v1): schema, k-protected statistics, classifications,\n"
    "HMAC tokens. Every statement or request sent is appended to an audit log whose\n"
    "checksum the shape carries. Nothing in the shape may identify a person; the\n"
    "shape is checked before it is written, atomically.\n"
    "\n"
    "Source:\n"
    "      --source KIND            postgresql (default) or rest\n"
    "      --api FILE               REST: the source description (base URL, entities,\n"
    "                               auth, pagination, limits; see sampler(1))\n"
    "      --dsn CONNINFO           libpq connection string or URI; PGHOST, PGPORT,\n"
    "                               PGDATABASE, PGUSER, PGPASSWORD and ~/.pgpass apply\n"
    "      --allow-superuser        sample even when connected as a superuser\n"
    "      --statement-timeout MS   per statement (default 30000)\n"
    "      --lock-timeout MS        wait for a table lock at most (default 2000)\n"
    "      --idle-timeout MS        idle_in_transaction_session_timeout (default 60000)\n"
    "      --connect-timeout S      (default 10)\n"
    "\n"
    "Selection:\n"
    "      --schema GLOB            only schemas matching (repeatable; default all)\n"
    "      --include GLOB           only tables (or REST entities) matching SCHEMA.TABLE\n"
    "                               or TABLE (repeatable)\n"
    "      --exclude GLOB           leave tables matching out (repeatable)\n"
    "      --metadata-only          read the catalog only, no table data at all\n"
    "\n"
    "Sampling:\n"
    "      --sample-rows N          rows read per table and statement (default 100000)\n"
    "      --exact-count-threshold N  count tables up to N rows exactly (default 1000000)\n"
    "      --fk-parents N           parents sampled per foreign key (default 10000)\n"
    "      --heavy-threshold N      children that make a parent heavy (default 1000)\n"
    "\n"
    "Protection:\n"
    "      --k N                    rows behind every emitted value (default 10, at least 2)\n"
    "      --key-file FILE          HMAC key (mode 0600); else $SILHOUETTE_HMAC_KEY\n"
    "      --token-length N         hex characters per token (default 16; even, 8..64)\n"
    "      --max-category-bytes N   longest clear category value (default 64, at most 256)\n"
    "      --max-categories N       most category values per column (default 1000)\n"
    "      --policy FILE            column policy read before the shipped default\n"
    "      --rules FILE             PII rules added or disabled, as validate-no-pii --rules\n"
    "      --locale LOCALE          source locale (en_US en_GB de_DE fr_FR sv_SE)\n"
    "      --ttl-days DAYS          the shape expires DAYS days after it is written\n"
    "                               (default: ttl_days of the policy, 90 as shipped)\n"
    "\n"
    "Output:\n"
    "  -o, --out FILE               the shape (written atomically)\n"
    "      --audit-log FILE         the audit log (default SHAPE.audit.jsonl, appended)\n"
    "\n"
    "  -q, --quiet                  errors only\n"
    "  -v, --verbose                per-table progress (twice: every statement or request)\n"
    "  -h, --help                   show this help and exit\n"
    "  -V, --version                show the version and exit\n"
    "\n"
    "Exit status: 0 shape written (tables that could not be read are marked skipped);\n"
    "1 the run failed (connection, database, HTTP, audit log, self-check, superuser\n"
    "refused, key or secret file readable by others); 2 usage or input error\n"
    "(options, key, policy, source description);\n"
    "130 interrupted (no shape written).\n";

static const struct sil_tool tool = {"sampler", usage};

enum {
    O_SOURCE = 256,
    O_API,
    O_DSN,
    O_SUPER,
    O_STMT_TO,
    O_LOCK_TO,
    O_IDLE_TO,
    O_CONN_TO,
    O_SCHEMA,
    O_INCLUDE,
    O_EXCLUDE,
    O_META,
    O_SAMPLE,
    O_EXACT,
    O_FKP,
    O_HEAVY,
    O_K,
    O_KEYFILE,
    O_TOKLEN,
    O_MAXCB,
    O_MAXCAT,
    O_POLICY,
    O_RULES,
    O_LOCALE,
    O_EXPIRES,
    O_AUDIT,
    O_FORCE
};

static void push(char ***v, size_t *n, const char *s)
{
    *v = sil_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = sil_xstrdup(s);
}

static int keygen_main(int argc, char **argv)
{
    static const struct option longopts[] = {SIL_CLI_LONG,
                                             {"out", required_argument, NULL, 'o'},
                                             {"force", no_argument, NULL, O_FORCE},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL;
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT "o:", longopts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == O_FORCE)
            force = 1;
        else
            sil_cli_common(&tool, c);
    }
    if (optind < argc)
        sil_cli_usage_error(&tool, "keygen: unexpected argument '%s'", argv[optind]);
    if (!out)
        sil_cli_usage_error(&tool, "keygen: --out FILE is required");
    struct sil_err err;
    sil_err_clear(&err);
    char id[SAMPLER_KEY_ID_LEN + 1];
    if (sampler_keygen(out, force, id, &err) < 0) {
        sil_log_err(&err, "cannot write the key");
        return sil_err_exit_code(&err);
    }
    printf("key written to %s (mode 0600), key id %s\n", out, id);
    return SIL_EXIT_OK;
}

int main(int argc, char **argv)
{
    sil_cli_init(&tool);
    if (argc > 1 && strcmp(argv[1], "keygen") == 0)
        return keygen_main(argc - 1, argv + 1);

    static const struct option longopts[] = {
        SIL_CLI_LONG,
        {"source", required_argument, NULL, O_SOURCE},
        {"api", required_argument, NULL, O_API},
        {"dsn", required_argument, NULL, O_DSN},
        {"allow-superuser", no_argument, NULL, O_SUPER},
        {"statement-timeout", required_argument, NULL, O_STMT_TO},
        {"lock-timeout", required_argument, NULL, O_LOCK_TO},
        {"idle-timeout", required_argument, NULL, O_IDLE_TO},
        {"connect-timeout", required_argument, NULL, O_CONN_TO},
        {"schema", required_argument, NULL, O_SCHEMA},
        {"include", required_argument, NULL, O_INCLUDE},
        {"exclude", required_argument, NULL, O_EXCLUDE},
        {"metadata-only", no_argument, NULL, O_META},
        {"sample-rows", required_argument, NULL, O_SAMPLE},
        {"exact-count-threshold", required_argument, NULL, O_EXACT},
        {"fk-parents", required_argument, NULL, O_FKP},
        {"heavy-threshold", required_argument, NULL, O_HEAVY},
        {"k", required_argument, NULL, O_K},
        {"key-file", required_argument, NULL, O_KEYFILE},
        {"token-length", required_argument, NULL, O_TOKLEN},
        {"max-category-bytes", required_argument, NULL, O_MAXCB},
        {"max-categories", required_argument, NULL, O_MAXCAT},
        {"policy", required_argument, NULL, O_POLICY},
        {"rules", required_argument, NULL, O_RULES},
        {"locale", required_argument, NULL, O_LOCALE},
        {"ttl-days", required_argument, NULL, O_EXPIRES},
        {"out", required_argument, NULL, 'o'},
        {"audit-log", required_argument, NULL, O_AUDIT},
        {NULL, 0, NULL, 0}};
    struct sampler_opts o;
    sampler_opts_init(&o);
    int c;
    while ((c = getopt_long(argc, argv, SIL_CLI_SHORT "o:", longopts, NULL)) != -1) {
        switch (c) {
        case O_SOURCE:
            if (strcmp(optarg, "postgresql") == 0)
                o.source = SAMPLER_SOURCE_POSTGRESQL;
            else if (strcmp(optarg, "rest") == 0)
                o.source = SAMPLER_SOURCE_REST;
            else
                sil_cli_usage_error(&tool, "--source: unknown source '%s' (postgresql or rest)",
                                    optarg);
            break;
        case O_API:
            o.api = optarg;
            break;
        case O_DSN:
            /* Keep a copy and blank the argument: a password in it would show in ps. */
            o.dsn = sil_xstrdup(optarg);
            memset(optarg, 0, strlen(optarg));
            break;
        case O_SUPER:
            o.allow_superuser = 1;
            break;
        case O_STMT_TO:
            o.statement_timeout_ms =
                (int)sil_cli_i64(&tool, "--statement-timeout", optarg, 1, INT32_MAX);
            break;
        case O_LOCK_TO:
            o.lock_timeout_ms = (int)sil_cli_i64(&tool, "--lock-timeout", optarg, 1, INT32_MAX);
            break;
        case O_IDLE_TO:
            o.idle_timeout_ms = (int)sil_cli_i64(&tool, "--idle-timeout", optarg, 1, INT32_MAX);
            break;
        case O_CONN_TO:
            o.connect_timeout_s = (int)sil_cli_i64(&tool, "--connect-timeout", optarg, 1, 3600);
            break;
        case O_SCHEMA:
            push(&o.schemas, &o.nschemas, optarg);
            break;
        case O_INCLUDE:
            push(&o.includes, &o.nincludes, optarg);
            break;
        case O_EXCLUDE:
            push(&o.excludes, &o.nexcludes, optarg);
            break;
        case O_META:
            o.metadata_only = 1;
            break;
        case O_SAMPLE:
            o.sample_rows = sil_cli_i64(&tool, "--sample-rows", optarg, 1, INT64_C(1) << 40);
            break;
        case O_EXACT:
            o.exact_threshold =
                sil_cli_i64(&tool, "--exact-count-threshold", optarg, 0, INT64_C(1) << 40);
            break;
        case O_FKP:
            o.fk_parents = sil_cli_i64(&tool, "--fk-parents", optarg, 1, INT64_C(1) << 30);
            break;
        case O_HEAVY:
            o.heavy_threshold =
                sil_cli_i64(&tool, "--heavy-threshold", optarg, 1, INT64_C(1) << 40);
            break;
        case O_K:
            o.k = (int)sil_cli_i64(&tool, "--k", optarg, 2, 1000000);
            break;
        case O_KEYFILE:
            o.key_file = optarg;
            break;
        case O_TOKLEN:
            o.token_length = (int)sil_cli_i64(&tool, "--token-length", optarg, 8, 64);
            if (o.token_length % 2)
                sil_cli_usage_error(&tool, "--token-length must be even (whole bytes of hex)");
            break;
        case O_MAXCB:
            o.max_category_bytes = (int)sil_cli_i64(&tool, "--max-category-bytes", optarg, 1, 256);
            break;
        case O_MAXCAT:
            o.max_categories = (int)sil_cli_i64(&tool, "--max-categories", optarg, 0, 10000);
            break;
        case O_POLICY:
            o.policy = optarg;
            break;
        case O_RULES:
            o.rules = optarg;
            break;
        case O_LOCALE:
            if (!sil_locale_known(optarg))
                sil_cli_usage_error(&tool,
                                    "--locale: unknown locale '%s' (en_US, en_GB, de_DE, "
                                    "fr_FR, sv_SE)",
                                    optarg);
            o.locale = optarg;
            break;
        case O_EXPIRES:
            o.expires_in_days = sil_cli_i64(&tool, "--ttl-days", optarg, 1, SAMPLER_TTL_MAX_DAYS);
            break;
        case 'o':
            o.out = optarg;
            break;
        case O_AUDIT:
            o.audit_path = optarg;
            break;
        default:
            sil_cli_common(&tool, c);
        }
    }
    if (optind < argc)
        sil_cli_usage_error(&tool, "unexpected argument '%s'", argv[optind]);
    if (!o.out)
        sil_cli_usage_error(&tool, "--out SHAPE is required");
    if (o.source == SAMPLER_SOURCE_REST) {
        if (!o.api)
            sil_cli_usage_error(&tool, "--source rest needs --api FILE, the source description");
        if (o.dsn)
            sil_cli_usage_error(&tool, "--dsn is for --source postgresql; a REST source is "
                                       "described by --api FILE");
        if (o.metadata_only)
            sil_cli_usage_error(&tool, "--metadata-only: a REST source has no catalog; its "
                                       "schema comes from its records");
        if (o.nschemas)
            sil_cli_usage_error(&tool, "--schema: a REST source has one schema (\"schema\" in "
                                       "the description); select entities with --include");
    } else if (o.api) {
        sil_cli_usage_error(&tool, "--api is for --source rest");
    }

    struct sil_err err;
    sil_err_clear(&err);
    int rc = sampler_run(&o, &err);
    int status = SIL_EXIT_OK;
    if (rc < 0 && err.code == SIL_EINTR) {
        sil_log_error("interrupted; no shape was written");
        status = SIL_EXIT_INTERRUPTED;
    } else if (rc < 0) {
        sil_log_err(&err, NULL);
        status = sil_err_exit_code(&err);
    }
    for (size_t i = 0; i < o.nschemas; i++)
        free(o.schemas[i]);
    for (size_t i = 0; i < o.nincludes; i++)
        free(o.includes[i]);
    for (size_t i = 0; i < o.nexcludes; i++)
        free(o.excludes[i]);
    free(o.schemas);
    free(o.includes);
    free(o.excludes);
    free((char *)o.dsn);
    return status;
}
