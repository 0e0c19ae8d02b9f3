/* Endorsement records: a decision on a quality report, bound to the output's checksums. */
#include "endorse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checksum.h"
#include "endorsement.h"
#include "fileio.h"
#include "json.h"
#include "rread.h"
#include "shape.h"
#include "signals.h"

static const char *const decision_names[] = {"endorsed", "rejected"};

int gen_endorse_exists(const char *dir)
{
    char *p = sil_xasprintf("%s/%s", dir, SIL_ENDORSEMENT_FILE);
    int e = sil_path_exists(p);
    free(p);
    return e;
}

/* dir/report.json, read as a decision records it; d released by the caller. */
static int read_report(const char *dir, struct sil_report_digest *d, struct sil_err *err)
{
    memset(d, 0, sizeof *d);
    char *path = sil_xasprintf("%s/report.json", dir), *data = NULL;
    size_t len;
    int rc = -1;
    if (!sil_path_exists(path)) {
        sil_err_set(err, SIL_EINPUT, "'%s' has no report.json: there is no report to decide on",
                    dir);
        sil_err_hint(err,
                     "run generator report %s first (without --report-dir), review "
                     "report.html, then decide",
                     dir);
        goto out;
    }
    if (sil_read_file(path, SIL_REPORT_MAX_BYTES, &data, &len, err) < 0)
        goto out;
    rc = sil_report_digest_parse(data, len, path, d, err);
out:
    free(data);
    free(path);
    return rc;
}

/* ---- verifying the output against the manifest ---- */

/*
 * Hash every data file the manifest lists. 0 when all match, 1 with `why`
 * set (caller frees) when one differs, -1 on a read error or an interrupt.
 * rep_manifest_read has already checked sizes, shape.json and schema.sql.
 */
static int data_files_match(const char *dir, const struct rep_manifest *m, size_t *nfiles,
                            char **why, struct sil_err *err)
{
    *nfiles = 0;
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t f = 0; f < m->tables[t].nfiles; f++) {
            const struct rep_file *rf = &m->tables[t].files[f];
            char *path = sil_xasprintf("%s/%s", dir, rf->path);
            char sum[SIL_CHECKSUM_SIZE];
            uint64_t bytes;
            int rc = sil_checksum_file(path, sum, &bytes, err);
            free(path);
            if (rc < 0)
                return -1;
            if (sil_interrupted())
                return sil_err_set(err, SIL_EINTR, "interrupted");
            if (strcmp(sum, rf->checksum) != 0 || bytes != rf->bytes) {
                *why = sil_xasprintf("%s does not match its checksum in manifest.json (%s, "
                                     "manifest says %s)",
                                     rf->path, sum, rf->checksum);
                return 1;
            }
            (*nfiles)++;
        }
    return 0;
}

/* ---- recording ---- */

static cJSON *gates_json(const cJSON *report_gates)
{
    cJSON *arr = sil_jnew_array();
    for (const cJSON *g = report_gates->child; g; g = g->next) {
        cJSON *o = sil_jadd_object(arr, NULL);
        sil_jadd_str(o, "gate", sil_json_get(g, "gate")->valuestring);
        sil_jadd_bool(o, "passed", cJSON_IsTrue(sil_json_get(g, "passed")));
        sil_jadd_num(o, "checks", sil_json_get(g, "checks")->valuedouble);
        sil_jadd_num(o, "failed", sil_json_get(g, "failed")->valuedouble);
    }
    return arr;
}

static void failed_gates(const cJSON *gates, struct sil_buf *b)
{
    size_t n = 0;
    for (const cJSON *g = gates->child; g; g = g->next)
        if (!cJSON_IsTrue(sil_json_get(g, "passed")))
            sil_buf_addf(b, "%s%s", n++ ? ", " : "", sil_json_get(g, "gate")->valuestring);
}

/* The existing record's history plus the record itself, oldest first. */
static cJSON *history(const char *dir, struct sil_err *err, int *rc)
{
    *rc = 0;
    char *path = sil_xasprintf("%s/%s", dir, SIL_ENDORSEMENT_FILE), *data = NULL;
    if (!sil_path_exists(path)) {
        free(path);
        return sil_jnew_array();
    }
    cJSON *root = NULL;
    struct sil_endorsement e;
    size_t len;
    if (sil_read_file(path, SIL_ENDORSEMENT_MAX_BYTES, &data, &len, err) < 0 ||
        sil_endorsement_parse(data, len, path, &e, err) < 0 ||
        sil_json_parse(data, len, path, &root, err) < 0) {
        sil_err_file(err, path);
        sil_err_hint(err,
                     "the earlier decision cannot be kept: restore %s from a copy, or move "
                     "it away to start a new history",
                     SIL_ENDORSEMENT_FILE);
        free(data);
        free(path);
        *rc = -1;
        return NULL;
    }
    free(data);
    free(path);
    cJSON *prev = cJSON_DetachItemFromObjectCaseSensitive(root, "previous");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "format");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "version");
    if (cJSON_GetArraySize(prev) >= SIL_ENDORSEMENT_HISTORY)
        cJSON_DeleteItemFromArray(prev, 0); /* the oldest goes */
    sil_jpush(prev, root);
    return prev;
}

int gen_endorse_record(const struct gen_endorse_opts *o, char **summary, struct sil_err *err)
{
    const char *why;
    if ((why = sil_endorsement_text_problem(o->by, SIL_ENDORSEMENT_BY_MAX, 0)))
        return sil_err_set(err, SIL_EUSAGE, "--by: the name %s (at most %d bytes, one line)", why,
                           SIL_ENDORSEMENT_BY_MAX);
    if ((why = sil_endorsement_text_problem(o->note, SIL_ENDORSEMENT_NOTE_MAX, 1)))
        return sil_err_set(err, SIL_EUSAGE, "--note: the note %s (at most %d bytes)", why,
                           SIL_ENDORSEMENT_NOTE_MAX);
    if (o->override_reason &&
        (why = sil_endorsement_text_problem(o->override_reason, SIL_ENDORSEMENT_NOTE_MAX, 1)))
        return sil_err_set(err, SIL_EUSAGE,
                           "--override-failed-gates: the reason %s (at most %d "
                           "bytes)",
                           why, SIL_ENDORSEMENT_NOTE_MAX);
    struct rep_manifest m;
    struct sil_report_digest d;
    memset(&d, 0, sizeof d);
    cJSON *root = NULL, *prev = NULL;
    char *json = NULL, *mismatch = NULL;
    int rc = -1;
    if (rep_manifest_read(o->dir, &m, err) < 0)
        return -1;
    {
        char what[600];
        snprintf(what, sizeof what, "the shape that '%s' was generated from", o->dir);
        if (sil_expiry_check(m.expires_at, what, err) < 0)
            goto out;
    }
    size_t nfiles;
    int dm = data_files_match(o->dir, &m, &nfiles, &mismatch, err);
    if (dm < 0)
        goto out;
    if (dm > 0) {
        sil_err_set(err, SIL_EINPUT, "'%s' changed after it was generated: %s", o->dir, mismatch);
        sil_err_hint(err, "generate the output again and report on it");
        goto out;
    }
    if (read_report(o->dir, &d, err) < 0)
        goto out;
    if (strcmp(d.manifest_checksum, m.checksum) != 0) {
        sil_err_set(err, SIL_EINPUT,
                    "'%s/report.json' was written for another manifest.json (%s), not this "
                    "output's (%s)",
                    o->dir, d.manifest_checksum, m.checksum);
        sil_err_hint(err, "run generator report %s again and review the new report", o->dir);
        goto out;
    }
    int overridden = 0;
    if (!d.passed && o->decision == GEN_ENDORSED) {
        if (!o->override_reason) {
            struct sil_buf b;
            sil_buf_init(&b, 0);
            failed_gates(d.gates, &b);
            char *names = sil_buf_detach(&b, NULL);
            sil_err_set(err, SIL_EPOLICY, "cannot endorse '%s': the report has failed gates (%s)",
                        o->dir, names);
            sil_err_hint(err, "reject it (--reject), or endorse it anyway with "
                              "--override-failed-gates REASON");
            free(names);
            goto out;
        }
        overridden = 1;
    }
    int prc;
    prev = history(o->dir, err, &prc);
    if (prc < 0)
        goto out;
    char now[21];
    sil_utc_now(now);
    root = sil_jnew_object();
    sil_jadd_str(root, "format", SIL_ENDORSEMENT_FORMAT);
    sil_jadd_num(root, "version", 1);
    sil_jadd_str(root, "decision", decision_names[o->decision]);
    sil_jadd_str(root, "by", o->by);
    sil_jadd_str(root, "at", now);
    sil_jadd_str(root, "note", o->note);
    if (overridden)
        sil_jadd_str(root, "override_reason", o->override_reason);
    else
        sil_jadd_null(root, "override_reason");
    sil_jadd_str(root, "manifest_checksum", m.checksum);
    sil_jadd_str(root, "report_checksum", d.checksum);
    sil_jadd_str(root, "report_created_at", d.created_at);
    sil_jadd_bool(root, "passed", d.passed);
    cJSON *pol = sil_jadd_object(root, "policy");
    sil_jadd_str(pol, "checksum", d.policy_checksum);
    if (d.profile)
        sil_jadd_str(pol, "profile", d.profile);
    else
        sil_jadd_null(pol, "profile");
    sil_jadd(root, "gates", gates_json(d.gates));
    sil_jadd_str(root, "generator", SIL_VERSION);
    sil_jadd(root, "previous", prev);
    prev = NULL;
    {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        sil_json_write(root, &b);
        size_t len;
        json = sil_buf_detach(&b, &len);
        /* what is written must read back: the same reader as a verifier's */
        struct sil_endorsement back;
        if (sil_endorsement_parse(json, len, SIL_ENDORSEMENT_FILE, &back, err) < 0)
            SIL_BUG("endorsement record does not read back: %s", err->msg);
        char *path = sil_xasprintf("%s/%s", o->dir, SIL_ENDORSEMENT_FILE);
        int w = sil_write_file_atomic(path, json, len, 0644, err);
        free(path);
        if (w < 0)
            goto out;
    }
    {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        size_t np = 0, ng = 0;
        for (const cJSON *g = d.gates->child; g; g = g->next, ng++)
            np += cJSON_IsTrue(sil_json_get(g, "passed"));
        sil_buf_addf(&b, "%s: '%s' by %s at %s; %zu of %zu gates pass", decision_names[o->decision],
                     o->dir, o->by, now, np, ng);
        if (overridden) {
            sil_buf_adds(&b, " (failed gates overridden: ");
            failed_gates(d.gates, &b);
            sil_buf_adds(&b, ")");
        }
        sil_buf_addf(&b,
                     "\nbound to manifest.json %s (and through it %zu data files) and "
                     "report.json %s; recorded in %s/%s\n",
                     m.checksum, nfiles, d.checksum, o->dir, SIL_ENDORSEMENT_FILE);
        *summary = sil_buf_detach(&b, NULL);
    }
    rc = 0;
out:
    free(json);
    free(mismatch);
    cJSON_Delete(root);
    cJSON_Delete(prev);
    sil_report_digest_release(&d);
    rep_manifest_release(&m);
    return rc;
}

/* ---- verifying ---- */

int gen_endorse_verify(const char *dir, int *endorsed, char **summary, struct sil_err *err)
{
    *endorsed = 0;
    struct sil_endorsement e;
    enum sil_endorsement_status st;
    char why[512];
    struct rep_manifest m;
    char *mismatch = NULL;
    /* steps 1 to 4: the record, the decision, manifest.json and report.json */
    if (sil_endorsement_check(dir, &e, &st, why, err) < 0)
        return -1;
    switch (st) {
    case SIL_ENDORSEMENT_ABSENT:
        *summary = sil_xasprintf("not endorsed: %s\n", why);
        return 0;
    case SIL_ENDORSEMENT_REJECTED:
        *summary = sil_xasprintf("not endorsed: rejected by %s at %s: %s\n", e.by, e.at, e.note);
        return 0;
    case SIL_ENDORSEMENT_CHANGED:
        *summary = sil_xasprintf("not endorsed: changed after the endorsement by %s at %s: %s\n",
                                 e.by, e.at, why);
        return 0;
    case SIL_ENDORSEMENT_BOUND:
        break;
    }
    /* step 5: the manifest (whose bytes step 3 checked) and every file it names */
    struct sil_err e2;
    sil_err_clear(&e2);
    if (rep_manifest_read(dir, &m, &e2) < 0) {
        *summary = sil_xasprintf("not endorsed: changed after the endorsement by %s at %s: %s\n",
                                 e.by, e.at, e2.msg);
        return 0;
    }
    int rc = -1;
    size_t nfiles;
    if (strcmp(m.checksum, e.manifest_checksum) != 0) {
        /* replaced between step 3 and now */
        mismatch = sil_xstrdup("manifest.json does not match manifest_checksum");
    } else {
        int dm = data_files_match(dir, &m, &nfiles, &mismatch, err);
        if (dm < 0)
            goto out;
    }
    if (mismatch) {
        *summary = sil_xasprintf("not endorsed: changed after the endorsement by %s at %s: %s\n",
                                 e.by, e.at, mismatch);
        rc = 0;
        goto out;
    }
    /* step 6: expiry */
    {
        char what[600];
        sil_err_clear(&e2);
        snprintf(what, sizeof what, "the shape that '%s' was generated from", dir);
        if (sil_expiry_check(m.expires_at, what, &e2) < 0) {
            *summary =
                sil_xasprintf("not endorsed: endorsed by %s at %s, but %s\n", e.by, e.at, e2.msg);
            rc = 0;
            goto out;
        }
    }
    *endorsed = 1;
    *summary = sil_xasprintf("endorsed by %s at %s%s%s: manifest.json, report.json and %zu data "
                             "files match the endorsement\n",
                             e.by, e.at, e.overridden ? " overriding failed gates: " : "",
                             e.override_reason, nfiles);
    rc = 0;
out:
    free(mismatch);
    rep_manifest_release(&m);
    return rc;
}
