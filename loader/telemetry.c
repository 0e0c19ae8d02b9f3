/* Dashboard rows from an output's report.json and endorsement.json. */
#include "telemetry.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Copy a finite number (or null when absent or not a number); `integral` keeps whole numbers
 * only, for bigint columns. */
static void num_of(cJSON *row, const char *to, const cJSON *o, const char *key, int integral)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    double d = cJSON_IsNumber(v) ? v->valuedouble : 0;
    if (!cJSON_IsNumber(v) || d != d || d > 1e300 || d < -1e300 ||
        (integral && (d < 0 || d > 9e15 || d != (double)(int64_t)d)))
        sil_jadd_null(row, to);
    else
        sil_jadd_num(row, to, d);
}

/* "10 of 12 non-null keys find a row of public.x; 2 orphans" */
static void linkage_counts(cJSON *row, const char *detail)
{
    long long found = -1, checked = -1, orphans = -1;
    if (detail && sscanf(detail, "%lld of %lld non-null keys", &found, &checked) != 2)
        found = checked = -1;
    const char *semi = detail ? strrchr(detail, ';') : NULL;
    if (semi && sscanf(semi, "; %lld orphan", &orphans) != 1)
        orphans = -1;
    if (found >= 0 && checked >= found) {
        sil_jadd_num(row, "keys_checked", (double)checked);
        sil_jadd_num(row, "keys_found", (double)found);
    }
    if (orphans >= 0)
        sil_jadd_num(row, "orphans", (double)orphans);
}

static void note(struct loader_telemetry *t, const char *fmt, ...) SIL_PRINTF(2, 3);
static void note(struct loader_telemetry *t, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sil_jpush_str(t->notes, buf);
}

static void alert(struct loader_telemetry *t, const char *kind, const char *fmt, ...)
    SIL_PRINTF(3, 4);
static void alert(struct loader_telemetry *t, const char *kind, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON *a = sil_jnew_object();
    sil_jadd_str(a, "kind", kind);
    sil_jadd_str(a, "message", buf);
    sil_jpush(t->alerts, a);
}

static void report_rows(struct loader_telemetry *t, const char *dir, int shard,
                        const char *manifest_checksum)
{
    char *path = sil_xasprintf("%s/report.json", dir), *data = NULL;
    size_t len = 0;
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_report_digest d;
    memset(&d, 0, sizeof d);
    if (sil_read_file(path, SIL_REPORT_MAX_BYTES, &data, &len, &err) < 0) {
        note(t, "no quality results recorded for '%s': %s", dir, err.msg);
        goto out;
    }
    if (sil_report_digest_parse(data, len, path, &d, &err) < 0) {
        note(t, "no quality results recorded for '%s': report.json: %s", dir, err.msg);
        goto out;
    }
    if (!d.manifest_checksum || strcmp(d.manifest_checksum, manifest_checksum) != 0) {
        note(t, "no quality results recorded for '%s': its report.json is of another manifest",
             dir);
        goto out;
    }
    if (!d.passed) {
        char failed[512] = "";
        size_t used = 0;
        for (const cJSON *g = d.gates->child; g; g = g->next)
            if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "passed")) && str_of(g, "gate")) {
                int n = snprintf(failed + used, sizeof failed - used, "%s%s", used ? ", " : "",
                                 str_of(g, "gate"));
                if (n < 0 || (size_t)n >= sizeof failed - used)
                    break;
                used += (size_t)n;
            }
        alert(t, "REPORT_FAILED", "the report of '%s' failed gates: %s", dir, failed);
    }
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(d.root, "checks");
    if (!cJSON_IsArray(checks))
        goto out;
    for (const cJSON *c = checks->child; c; c = c->next) {
        const char *gate = str_of(c, "gate"), *subject = str_of(c, "subject"),
                   *check = str_of(c, "check");
        const cJSON *passed = cJSON_GetObjectItemCaseSensitive(c, "passed");
        if (!gate || !subject || !check || !cJSON_IsBool(passed))
            continue;
        cJSON *row = NULL;
        if (strcmp(gate, "distribution") == 0 && strncmp(check, "KS", 2) == 0) {
            row = sil_jnew_object();
            sil_jadd_str(row, "test", check);
            num_of(row, "d_sample", c, "d_sample", 0);
            num_of(row, "d_all_rows", c, "d_all_rows", 0);
            num_of(row, "p", c, "p", 0);
            num_of(row, "p_adjusted", c, "p_adjusted", 0);
            num_of(row, "sample_rows", c, "sample_rows", 1);
            sil_jpush(t->ks, row);
        } else if (strcmp(gate, "linkage") == 0) {
            row = sil_jnew_object();
            sil_jadd_str(row, "metric", check);
            const cJSON *mv = cJSON_GetObjectItemCaseSensitive(c, "measured");
            if (!cJSON_IsNumber(mv)) {
                cJSON_Delete(row);
                continue;
            }
            num_of(row, "measured", c, "measured", 0);
            linkage_counts(row, str_of(c, "detail"));
            sil_jpush(t->links, row);
        } else {
            continue;
        }
        sil_jadd_num(row, "shard", shard);
        sil_jadd_str(row, "subject", subject);
        num_of(row, "threshold", c, "threshold", 0);
        sil_jadd_bool(row, "passed", cJSON_IsTrue(passed));
    }
out:
    sil_report_digest_release(&d);
    free(data);
    free(path);
}

static void endorsement_row(struct loader_telemetry *t, const char *dir, int shard, int required,
                            const struct sil_endorsement *given, const char *manifest_checksum)
{
    struct sil_endorsement *e = sil_xcalloc(1, sizeof *e);
    enum sil_endorsement_status st = SIL_ENDORSEMENT_BOUND;
    char why[512] = "";
    const char *status;
    struct sil_err err;
    sil_err_clear(&err);
    cJSON *row = sil_jnew_object();
    if (given) {
        *e = *given;
    } else if (sil_endorsement_check(dir, e, &st, why, &err) < 0) {
        sil_jadd_str(row, "status", "MALFORMED");
        sil_jadd_str(row, "detail", err.msg);
        goto add;
    }
    if (st == SIL_ENDORSEMENT_BOUND && strcmp(e->manifest_checksum, manifest_checksum) != 0) {
        st = SIL_ENDORSEMENT_CHANGED;
        snprintf(why, sizeof why, "the manifest loaded is not the one endorsed");
    }
    status = st == SIL_ENDORSEMENT_ABSENT     ? "ABSENT"
             : st == SIL_ENDORSEMENT_REJECTED ? "REJECTED"
             : st == SIL_ENDORSEMENT_CHANGED  ? "CHANGED"
                                              : "ENDORSED";
    sil_jadd_str(row, "status", status);
    if (st != SIL_ENDORSEMENT_ABSENT) {
        sil_jadd_str(row, "decided_by", e->by);
        sil_jadd_str(row, "decided_at", e->at);
        sil_jadd_str(row, "note", e->note);
        if (e->overridden)
            sil_jadd_str(row, "override_reason", e->override_reason);
        sil_jadd_str(row, "report_checksum", e->report_checksum);
    }
    if (why[0])
        sil_jadd_str(row, "detail", why);
    if (st == SIL_ENDORSEMENT_BOUND && e->overridden)
        alert(t, "GATES_OVERRIDDEN", "'%s' was endorsed by %s at %s with %zu failed gate%s: %s",
              dir, e->by, e->at, e->nfailed, e->nfailed == 1 ? "" : "s", e->override_reason);
add:
    sil_jadd_num(row, "shard", shard);
    sil_jadd_str(row, "out_dir", dir);
    sil_jadd_bool(row, "required", required);
    sil_jpush(t->endorsements, row);
    free(e);
}

void loader_telemetry_collect(const struct loader_manifest *m, int required,
                              const struct sil_endorsement *recs, struct loader_telemetry *t)
{
    t->ks = sil_jnew_array();
    t->links = sil_jnew_array();
    t->endorsements = sil_jnew_array();
    t->alerts = sil_jnew_array();
    t->notes = sil_jnew_array();
    for (size_t d = 0; d < m->ndirs; d++) {
        const struct loader_manifest *md = m->merged ? m->shards[d] : m;
        report_rows(t, m->dirs[d], (int)d + 1, md->checksum);
        endorsement_row(t, m->dirs[d], (int)d + 1, required, recs ? &recs[d] : NULL, md->checksum);
    }
}

void loader_telemetry_release(struct loader_telemetry *t)
{
    cJSON_Delete(t->ks);
    cJSON_Delete(t->links);
    cJSON_Delete(t->endorsements);
    cJSON_Delete(t->alerts);
    cJSON_Delete(t->notes);
    memset(t, 0, sizeof *t);
}
