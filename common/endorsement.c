/* endorsement.json and the part of report.json it binds: strict readers and steps 1-4 of
 * verification. */
#include "endorsement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "sil.h"

#define MAX_GATES SIL_ENDORSEMENT_GATES

/* ---- text from the command line or the record ---- */

/* Why `s` is not acceptable as a name or note, or NULL: valid UTF-8, no
 * control characters (a note may hold newlines and tabs), not blank. */
const char *sil_endorsement_text_problem(const char *s, size_t max, int multiline)
{
    size_t n = strlen(s);
    if (n > max)
        return "too long";
    int blank = 1;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                if (!multiline || (c != '\n' && c != '\t'))
                    return "contains a control character";
            } else if (c != ' ') {
                blank = 0;
            }
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return "is not valid UTF-8";
        }
        if ((size_t)(end - p) <= k)
            return "is not valid UTF-8";
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return "is not valid UTF-8";
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return "is not valid UTF-8";
        if (cp >= 0x80 && cp <= 0x9f)
            return "contains a control character";
        blank = 0;
        p += k + 1;
    }
    return blank ? "is empty" : NULL;
}

/* ---- the record, read strictly ---- */

struct rec {
    enum sil_decision decision;
    const char *by, *at, *note, *override_reason;
    const char *manifest_checksum, *report_checksum, *report_created_at;
    int passed;
    size_t ngates, nfailed;
    const char *names[MAX_GATES];
    const char *failed[MAX_GATES];
};

static int rd_text(struct sil_jctx *c, const cJSON *o, const char *key, size_t max, int multiline,
                   const char **out)
{
    if (sil_json_str(c, o, key, 1, 0, out) < 0)
        return -1;
    const char *why = sil_endorsement_text_problem(*out, max, multiline);
    if (why)
        return sil_jctx_fail_at(c, key, "%s", why);
    return 0;
}

static int rd_time(struct sil_jctx *c, const cJSON *o, const char *key, const char **out)
{
    int64_t epoch;
    if (sil_json_str(c, o, key, 1, 32, out) < 0)
        return -1;
    if (sil_utc_parse(*out, &epoch) < 0)
        return sil_jctx_fail_at(c, key, "expected a UTC time like \"2026-02-09T10:00:00Z\"");
    return 0;
}

static int rd_checksum(struct sil_jctx *c, const cJSON *o, const char *key, const char **out)
{
    if (sil_json_str(c, o, key, 1, 100, out) < 0)
        return -1;
    if (!sil_checksum_valid(*out))
        return sil_jctx_fail_at(c, key, "expected \"blake2b-256:\" and 64 hex digits");
    return 0;
}

/* The gates of a record, or of a report (`report`: with their summary lines). */
static int rd_gates(struct sil_jctx *c, const cJSON *o, int report, struct rec *r)
{
    static const char *const gkeys[] = {"gate", "passed", "checks", "failed", NULL};
    static const char *const rkeys[] = {"gate", "passed", "checks", "failed", "summary", NULL};
    const cJSON *arr;
    if (sil_json_array(c, o, "gates", 1, &arr) < 0)
        return -1;
    size_t mark = sil_jctx_key(c, "gates"), i = 0;
    int all = 1;
    r->ngates = (size_t)cJSON_GetArraySize(arr);
    if (r->ngates == 0 || r->ngates > MAX_GATES)
        return sil_jctx_fail(c, "expected 1 to %d gates", MAX_GATES);
    for (const cJSON *g = arr->child; g; g = g->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        const char *name;
        int passed;
        int64_t checks, failed;
        if (sil_json_check_object(c, g, report ? rkeys : gkeys) < 0 ||
            sil_json_str(c, g, "gate", 1, 32, &name) < 0 ||
            sil_json_bool(c, g, "passed", 1, &passed) < 0 ||
            sil_json_int(c, g, "checks", 1, 0, INT64_C(1) << 40, &checks) < 0 ||
            sil_json_int(c, g, "failed", 1, 0, checks, &failed) < 0)
            return -1;
        if (sil_endorsement_text_problem(name, 32, 0))
            return sil_jctx_fail_at(c, "gate", "not a gate name");
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->names[j], name) == 0)
                return sil_jctx_fail_at(c, "gate", "gate \"%s\" listed twice", name);
        r->names[i] = name;
        if (!passed)
            r->failed[r->nfailed++] = name;
        all &= passed;
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    if (all != r->passed)
        return sil_jctx_fail_at(c, "passed", "%s, but %s", r->passed ? "true" : "false",
                                all ? "every gate passed" : "a gate failed");
    return 0;
}

static int rd_record(struct sil_jctx *c, const cJSON *o, int top, struct rec *r)
{
    static const char *const tkeys[] = {"format",
                                        "version",
                                        "decision",
                                        "by",
                                        "at",
                                        "note",
                                        "override_reason",
                                        "manifest_checksum",
                                        "report_checksum",
                                        "report_created_at",
                                        "passed",
                                        "policy",
                                        "gates",
                                        "generator",
                                        "previous",
                                        NULL};
    /* a previous record: the same without format, version and previous */
    static const char *const pkeys[] = {"decision",
                                        "by",
                                        "at",
                                        "note",
                                        "override_reason",
                                        "manifest_checksum",
                                        "report_checksum",
                                        "report_created_at",
                                        "passed",
                                        "policy",
                                        "gates",
                                        "generator",
                                        NULL};
    static const char *const polkeys[] = {"checksum", "profile", NULL};
    memset(r, 0, sizeof *r);
    const char *dec, *gen, *s;
    const cJSON *pol;
    if (sil_json_check_object(c, o, top ? tkeys : pkeys) < 0 ||
        sil_json_str(c, o, "decision", 1, 16, &dec) < 0)
        return -1;
    if (strcmp(dec, "endorsed") == 0)
        r->decision = SIL_DECISION_ENDORSED;
    else if (strcmp(dec, "rejected") == 0)
        r->decision = SIL_DECISION_REJECTED;
    else
        return sil_jctx_fail_at(c, "decision", "expected \"endorsed\" or \"rejected\"");
    if (rd_text(c, o, "by", SIL_ENDORSEMENT_BY_MAX, 0, &r->by) < 0 ||
        rd_time(c, o, "at", &r->at) < 0 ||
        rd_text(c, o, "note", SIL_ENDORSEMENT_NOTE_MAX, 1, &r->note) < 0)
        return -1;
    const cJSON *ov = sil_json_get(o, "override_reason");
    if (!ov)
        return sil_jctx_fail_at(c, "override_reason", "missing (null when no gate was overridden)");
    if (!cJSON_IsNull(ov) &&
        rd_text(c, o, "override_reason", SIL_ENDORSEMENT_NOTE_MAX, 1, &r->override_reason) < 0)
        return -1;
    if (rd_checksum(c, o, "manifest_checksum", &r->manifest_checksum) < 0 ||
        rd_checksum(c, o, "report_checksum", &r->report_checksum) < 0 ||
        rd_time(c, o, "report_created_at", &r->report_created_at) < 0 ||
        sil_json_bool(c, o, "passed", 1, &r->passed) < 0 ||
        sil_json_object(c, o, "policy", 1, &pol) < 0)
        return -1;
    {
        size_t m = sil_jctx_key(c, "policy");
        const cJSON *pr;
        if (sil_json_check_object(c, pol, polkeys) < 0 || rd_checksum(c, pol, "checksum", &s) < 0)
            return -1;
        pr = sil_json_get(pol, "profile");
        if (!pr)
            return sil_jctx_fail_at(c, "profile", "missing (null when none)");
        if (!cJSON_IsNull(pr) && sil_json_str(c, pol, "profile", 1, 64, &s) < 0)
            return -1;
        sil_jctx_restore(c, m);
    }
    if (rd_gates(c, o, 0, r) < 0 || sil_json_str(c, o, "generator", 1, 64, &gen) < 0)
        return -1;
    if (r->override_reason && (r->decision != SIL_DECISION_ENDORSED || r->passed))
        return sil_jctx_fail_at(c, "override_reason",
                                "only an endorsement of a report with a failed gate has one");
    if (!r->override_reason && r->decision == SIL_DECISION_ENDORSED && !r->passed)
        return sil_jctx_fail_at(c, "override_reason",
                                "an endorsement of a report with a failed gate needs one");
    return 0;
}

static int parse_root(const cJSON *root, struct rec *r, struct sil_err *err)
{
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    const char *fmt;
    int64_t ver;
    const cJSON *prev;
    if (!cJSON_IsObject(root))
        return sil_jctx_fail(&c, "expected an endorsement object");
    if (sil_json_str(&c, root, "format", 1, 64, &fmt) < 0 ||
        sil_json_int(&c, root, "version", 1, 1, 1000, &ver) < 0)
        return -1;
    if (strcmp(fmt, SIL_ENDORSEMENT_FORMAT) != 0 || ver != 1)
        return sil_jctx_fail_at(&c, "format", "not a silhouette endorsement of version 1");
    if (rd_record(&c, root, 1, r) < 0 || sil_json_array(&c, root, "previous", 1, &prev) < 0)
        return -1;
    size_t mark = sil_jctx_key(&c, "previous"), i = 0;
    if (cJSON_GetArraySize(prev) > SIL_ENDORSEMENT_HISTORY)
        return sil_jctx_fail(&c, "more than %d earlier decisions", SIL_ENDORSEMENT_HISTORY);
    for (const cJSON *p = prev->child; p; p = p->next, i++) {
        struct rec pr;
        size_t m2 = sil_jctx_index(&c, i);
        if (!cJSON_IsObject(p))
            return sil_jctx_fail(&c, "expected an earlier decision");
        if (rd_record(&c, p, 0, &pr) < 0)
            return -1;
        sil_jctx_restore(&c, m2);
    }
    sil_jctx_restore(&c, mark);
    return 0;
}
static void copy_text(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= cap)
        SIL_BUG("endorsement text of %zu bytes passed the reader", n);
    memcpy(dst, s ? s : "", n);
    dst[n] = '\0';
}

int sil_endorsement_parse(const char *data, size_t len, const char *name, struct sil_endorsement *e,
                          struct sil_err *err)
{
    cJSON *root;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return -1;
    struct rec r;
    int rc = parse_root(root, &r, err);
    if (rc < 0) {
        if (name)
            sil_err_file(err, name);
        cJSON_Delete(root);
        return -1;
    }
    memset(e, 0, sizeof *e);
    e->decision = r.decision;
    copy_text(e->by, sizeof e->by, r.by);
    copy_text(e->at, sizeof e->at, r.at);
    copy_text(e->note, sizeof e->note, r.note);
    e->overridden = r.override_reason != NULL;
    copy_text(e->override_reason, sizeof e->override_reason, r.override_reason);
    copy_text(e->manifest_checksum, sizeof e->manifest_checksum, r.manifest_checksum);
    copy_text(e->report_checksum, sizeof e->report_checksum, r.report_checksum);
    e->passed = r.passed;
    e->ngates = r.ngates;
    e->nfailed = r.nfailed;
    e->nprevious = (size_t)cJSON_GetArraySize(sil_json_get(root, "previous"));
    cJSON_Delete(root);
    return 0;
}

/* ---- the report, as much of it as a decision records ---- */

void sil_report_digest_release(struct sil_report_digest *d)
{
    cJSON_Delete(d->root);
    memset(d, 0, sizeof *d);
}

int sil_report_digest_parse(const char *data, size_t len, const char *name,
                            struct sil_report_digest *d, struct sil_err *err)
{
    memset(d, 0, sizeof *d);
    sil_checksum(data, len, d->checksum);
    if (sil_json_parse(data, len, name, &d->root, err) < 0)
        return -1;
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    const char *fmt, *s;
    int64_t ver;
    const cJSON *sub, *pol, *pr;
    if (!cJSON_IsObject(d->root)) {
        sil_jctx_fail(&c, "expected a report object");
        goto bad;
    }
    if (sil_json_str(&c, d->root, "format", 1, 64, &fmt) < 0 ||
        sil_json_int(&c, d->root, "version", 1, 1, 1000, &ver) < 0)
        goto bad;
    if (strcmp(fmt, "silhouette.report") != 0 || ver != 1) {
        sil_jctx_fail_at(&c, "format", "not a silhouette report of version 1");
        goto bad;
    }
    if (rd_time(&c, d->root, "created_at", &d->created_at) < 0 ||
        sil_json_object(&c, d->root, "subject", 1, &sub) < 0 ||
        sil_json_object(&c, d->root, "policy", 1, &pol) < 0 ||
        sil_json_bool(&c, d->root, "passed", 1, &d->passed) < 0 ||
        sil_json_array(&c, d->root, "gates", 1, &d->gates) < 0)
        goto bad;
    size_t m = sil_jctx_key(&c, "subject");
    if (rd_checksum(&c, sub, "manifest_checksum", &d->manifest_checksum) < 0)
        goto bad;
    sil_jctx_restore(&c, m);
    m = sil_jctx_key(&c, "policy");
    if (rd_checksum(&c, pol, "checksum", &d->policy_checksum) < 0)
        goto bad;
    pr = sil_json_get(pol, "profile");
    if (pr && !cJSON_IsNull(pr)) {
        if (sil_json_str(&c, pol, "profile", 1, 64, &s) < 0)
            goto bad;
        d->profile = s;
    }
    sil_jctx_restore(&c, m);
    /* the gates as a record holds them, checked by the record's own reader */
    struct rec r;
    memset(&r, 0, sizeof r);
    r.passed = d->passed;
    if (rd_gates(&c, d->root, 1, &r) < 0)
        goto bad;
    return 0;
bad:
    if (name)
        sil_err_file(err, name);
    return -1;
}

/* ---- verification, steps 1 to 4 ---- */

/* BLAKE2b-256 of dir/name; *present 0 when it does not exist. */
static int file_checksum(const char *dir, const char *name, char out[SIL_CHECKSUM_SIZE],
                         int *present, struct sil_err *err)
{
    char *path = sil_xasprintf("%s/%s", dir, name);
    *present = sil_path_exists(path);
    int rc = *present ? sil_checksum_file(path, out, NULL, err) : 0;
    free(path);
    return rc;
}

int sil_endorsement_check(const char *dir, struct sil_endorsement *e,
                          enum sil_endorsement_status *status, char why[512], struct sil_err *err)
{
    char *path = sil_xasprintf("%s/%s", dir, SIL_ENDORSEMENT_FILE), *data = NULL;
    size_t len;
    int rc = -1;
    why[0] = '\0';
    if (!sil_is_dir(dir)) {
        sil_err_set(err, SIL_EINPUT, "'%s' is not a directory", dir);
        goto out;
    }
    if (!sil_path_exists(path)) {
        *status = SIL_ENDORSEMENT_ABSENT;
        snprintf(why, 512, "'%s' has no %s", dir, SIL_ENDORSEMENT_FILE);
        rc = 0;
        goto out;
    }
    /* 1: well formed */
    if (sil_read_file(path, SIL_ENDORSEMENT_MAX_BYTES, &data, &len, err) < 0 ||
        sil_endorsement_parse(data, len, path, e, err) < 0)
        goto out;
    /* 2: the decision */
    if (e->decision == SIL_DECISION_REJECTED) {
        *status = SIL_ENDORSEMENT_REJECTED;
        snprintf(why, 512, "rejected by %s at %s", e->by, e->at);
        rc = 0;
        goto out;
    }
    /* 3, 4: the bytes of manifest.json and report.json */
    char sum[SIL_CHECKSUM_SIZE];
    int present;
    *status = SIL_ENDORSEMENT_CHANGED;
    if (file_checksum(dir, "manifest.json", sum, &present, err) < 0)
        goto out;
    if (!present || strcmp(sum, e->manifest_checksum) != 0) {
        snprintf(why, 512, "%s",
                 present ? "manifest.json does not match manifest_checksum"
                         : "manifest.json is missing");
        rc = 0;
        goto out;
    }
    free(data);
    data = NULL;
    free(path);
    path = sil_xasprintf("%s/report.json", dir);
    if (!sil_path_exists(path)) {
        snprintf(why, 512, "report.json is missing");
        rc = 0;
        goto out;
    }
    if (sil_read_file(path, SIL_REPORT_MAX_BYTES, &data, &len, err) < 0)
        goto out;
    struct sil_report_digest d;
    struct sil_err e2;
    sil_err_clear(&e2);
    int rr = sil_report_digest_parse(data, len, "report.json", &d, &e2);
    if (strcmp(d.checksum, e->report_checksum) != 0)
        snprintf(why, 512,
                 "report.json does not match report_checksum (a new report needs a new "
                 "decision)");
    else if (rr < 0)
        /* a record written by hand may bind a report that does not read */
        snprintf(why, 512, "report.json cannot be read: %.480s", e2.msg);
    else if (strcmp(d.manifest_checksum, e->manifest_checksum) != 0)
        snprintf(why, 512, "report.json is a report of another manifest.json");
    else
        *status = SIL_ENDORSEMENT_BOUND;
    sil_report_digest_release(&d);
    rc = 0;
out:
    free(data);
    free(path);
    return rc;
}
