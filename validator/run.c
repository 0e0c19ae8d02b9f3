/* validate-no-pii: load rules and allowlist, scan, report, decide the exit code. */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "log.h"
#include "policy.h"
#include "sil.h"

static int list_rules(const struct sil_rules *r)
{
    for (size_t i = 0; i < sil_rules_count(r); i++) {
        const struct sil_rule_info *ri = sil_rules_get(r, i);
        printf("%-24s %-22s %-6s %s\n", ri->id, sil_class_name(ri->kind),
               ri->severity == SIL_SEV_HIGH     ? "high"
               : ri->severity == SIL_SEV_MEDIUM ? "medium"
                                                : "low",
               ri->description);
    }
    for (const char *const *d = sil_rules_disabled(r); d && *d; d++)
        printf("%-24s (disabled by the user policy)\n", *d);
    return SIL_EXIT_OK;
}

static int hash_stdin(void)
{
    struct sil_buf b;
    char chunk[4096];
    size_t k;
    sil_buf_init(&b, (size_t)1 << 20);
    while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (sil_buf_add(&b, chunk, k) < 0) {
            sil_log_error("--hash: the value on standard input is longer than 1 MiB");
            sil_buf_release(&b);
            return SIL_EXIT_USAGE;
        }
    }
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.len--;
    char h[SIL_CHECKSUM_SIZE];
    sil_checksum(b.data ? b.data : "", b.len, h);
    printf("%s\n", h);
    sil_buf_release(&b);
    return SIL_EXIT_OK;
}

int validator_run(const struct validator_opts *o)
{
    struct sil_err err;
    sil_err_clear(&err);
    if (o->action == VALIDATE_HASH)
        return hash_stdin();
    struct sil_rules *rules = sil_rules_load(NULL, o->rules_file, &err);
    if (!rules) {
        sil_log_err(&err, "cannot load the PII rules");
        return SIL_EXIT_USAGE;
    }
    if (o->action == VALIDATE_LIST_RULES) {
        int rc = list_rules(rules);
        sil_rules_free(rules);
        return rc;
    }
    if (o->action == VALIDATE_PATTERN) {
        char *p = sil_rules_combined_pattern(rules);
        printf("%s\n", p);
        free(p);
        sil_rules_free(rules);
        return SIL_EXIT_OK;
    }
    struct allowlist *allow = NULL;
    if (!o->no_allowlist) {
        char *path = o->allowlist_file ? sil_xstrdup(o->allowlist_file)
                                       : sil_policy_path("allowlist.json", &err);
        if (path) {
            allow = allowlist_load(path, allowlist_today(), &err);
            if (!allow) {
                sil_log_err(&err, "cannot load the allowlist");
                free(path);
                sil_rules_free(rules);
                return SIL_EXIT_USAGE;
            }
        } else if (o->allowlist_file) {
            sil_log_err(&err, "cannot load the allowlist");
            sil_rules_free(rules);
            return SIL_EXIT_USAGE;
        }
        free(path);
        sil_err_clear(&err);
    }
    struct vscan_opts vo = {o->mode,
                            (o->strict ? SIL_SCAN_STRICT : 0u) |
                                (o->unsealed ? (unsigned)SIL_SHAPESCAN_UNSEALED : 0u),
                            o->max_findings, allow};
    struct vreport rep;
    vreport_init(&rep);
    struct sil_rscan *sc = sil_rscan_new(rules);
    vscan_paths(sc, &vo, o->paths, o->npaths, &rep);
    sil_rscan_free(sc);
    report_write(stdout, &o->report, rules, &rep, allow);
    for (size_t i = 0; i < allowlist_count(allow); i++) {
        const char *exp, *reason;
        int expired, used;
        allowlist_entry(allow, i, &exp, &reason, &expired, &used);
        if (expired)
            sil_log_warn("%s: entries[%zu] expired on %s and no longer applies%s",
                         allowlist_file(allow), i, exp,
                         used ? " (it matches a finding reported above)" : "");
    }
    if (o->report.format != REPORT_TEXT) {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        report_summary(&rep, &b);
        sil_log_info("%s", b.data);
        sil_buf_release(&b);
    }
    int rc = rep.input_errors ? SIL_EXIT_USAGE : rep.n ? SIL_EXIT_FAIL : SIL_EXIT_OK;
    vreport_release(&rep);
    allowlist_free(allow);
    sil_rules_free(rules);
    fflush(stdout);
    return rc;
}
