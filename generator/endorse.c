/* Endorsement records: a decision on a quality report, bound to the output's checksums. */
#include "endorse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checksum.h"
#include "fileio.h"
#include "json.h"
#include "rread.h"
#include "shape.h"
#include "signals.h"

#define REPORT_MAX ((size_t)256 << 20)
#define MAX_GATES  16

static const char *const decision_names[] = {"endorsed", "rejected"};

/* ---- text from the command line or the record ---- */

/* Why `s` is not acceptable as a name or note, or NULL: valid UTF-8, no
 * control characters (a note may hold newlines and tabs), not blank. */
static const char *text_problem(const char *s, size_t max, int multiline)
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
    enum gen_decision decision;
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
    const char *why = text_problem(*out, max, multiline);
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
        if (text_problem(name, 32, 0))
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
        r->decision = GEN_ENDORSED;
    else if (strcmp(dec, "rejected") == 0)
        r->decision = GEN_REJECTED;
    else
        return sil_jctx_fail_at(c, "decision", "expected \"endorsed\" or \"rejected\"");
    if (rd_text(c, o, "by", GEN_ENDORSE_BY_MAX, 0, &r->by) < 0 || rd_time(c, o, "at", &r->at) < 0 ||
        rd_text(c, o, "note", GEN_ENDORSE_NOTE_MAX, 1, &r->note) < 0)
        return -1;
    const cJSON *ov = sil_json_get(o, "override_reason");
    if (!ov)
        return sil_jctx_fail_at(c, "override_reason", "missing (null when no gate was overridden)");
    if (!cJSON_IsNull(ov) &&
        rd_text(c, o, "override_reason", GEN_ENDORSE_NOTE_MAX, 1, &r->override_reason) < 0)
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
    if (r->override_reason && (r->decision != GEN_ENDORSED || r->passed))
        return sil_jctx_fail_at(c, "override_reason",
                                "only an endorsement of a report with a failed gate has one");
    if (!r->override_reason && r->decision == GEN_ENDORSED && !r->passed)
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
    if (strcmp(fmt, GEN_ENDORSE_FORMAT) != 0 || ver != 1)
        return sil_jctx_fail_at(&c, "format", "not a silhouette endorsement of version 1");
    if (rd_record(&c, root, 1, r) < 0 || sil_json_array(&c, root, "previous", 1, &prev) < 0)
        return -1;
    size_t mark = sil_jctx_key(&c, "previous"), i = 0;
    if (cJSON_GetArraySize(prev) > GEN_ENDORSE_HISTORY)
        return sil_jctx_fail(&c, "more than %d earlier decisions", GEN_ENDORSE_HISTORY);
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

int gen_endorse_parse(const char *data, size_t len, const char *name, enum gen_decision *decision,
                      struct sil_err *err)
{
    cJSON *root;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return -1;
    struct rec r;
    int rc = parse_root(root, &r, err);
    if (rc < 0 && name)
        sil_err_file(err, name);
    if (rc == 0)
        *decision = r.decision;
    cJSON_Delete(root);
    return rc;
}

int gen_endorse_exists(const char *dir)
{
    char *p = sil_xasprintf("%s/%s", dir, GEN_ENDORSE_FILE);
    int e = sil_path_exists(p);
    free(p);
    return e;
}

/* ---- the report, as much of it as a decision records ---- */

struct rep_digest {
    char checksum[SIL_CHECKSUM_SIZE];
    const char *created_at, *manifest_checksum, *policy_checksum, *profile;
    int passed;
    const cJSON *gates;
    cJSON *root;
};

static int read_report(const char *dir, struct rep_digest *d, struct sil_err *err)
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
    if (sil_read_file(path, REPORT_MAX, &data, &len, err) < 0)
        goto out;
    sil_checksum(data, len, d->checksum);
    if (sil_json_parse(data, len, path, &d->root, err) < 0)
        goto out;
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
    rc = 0;
    goto out;
bad:
    sil_err_file(err, path);
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
    cJSON *prev = sil_jnew_array();
    *rc = 0;
    char *path = sil_xasprintf("%s/%s", dir, GEN_ENDORSE_FILE);
    if (!sil_path_exists(path)) {
        free(path);
        return prev;
    }
    cJSON *root = NULL;
    struct rec r;
    if (sil_json_parse_file(path, GEN_ENDORSE_MAX_BYTES, &root, err) < 0 ||
        parse_root(root, &r, err) < 0) {
        sil_err_file(err, path);
        sil_err_hint(err,
                     "the earlier decision cannot be kept: restore %s from a copy, or move "
                     "it away to start a new history",
                     GEN_ENDORSE_FILE);
        cJSON_Delete(root);
        cJSON_Delete(prev);
        free(path);
        *rc = -1;
        return NULL;
    }
    free(path);
    cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(root, "previous");
    cJSON_Delete(prev);
    prev = old;
    cJSON_DeleteItemFromObjectCaseSensitive(root, "format");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "version");
    if (cJSON_GetArraySize(prev) >= GEN_ENDORSE_HISTORY)
        cJSON_DeleteItemFromArray(prev, 0); /* the oldest goes */
    sil_jpush(prev, root);
    return prev;
}

int gen_endorse_record(const struct gen_endorse_opts *o, char **summary, struct sil_err *err)
{
    const char *why;
    if ((why = text_problem(o->by, GEN_ENDORSE_BY_MAX, 0)))
        return sil_err_set(err, SIL_EUSAGE, "--by: the name %s (at most %d bytes, one line)", why,
                           GEN_ENDORSE_BY_MAX);
    if ((why = text_problem(o->note, GEN_ENDORSE_NOTE_MAX, 1)))
        return sil_err_set(err, SIL_EUSAGE, "--note: the note %s (at most %d bytes)", why,
                           GEN_ENDORSE_NOTE_MAX);
    if (o->override_reason && (why = text_problem(o->override_reason, GEN_ENDORSE_NOTE_MAX, 1)))
        return sil_err_set(err, SIL_EUSAGE,
                           "--override-failed-gates: the reason %s (at most %d "
                           "bytes)",
                           why, GEN_ENDORSE_NOTE_MAX);
    struct rep_manifest m;
    struct rep_digest d;
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
    sil_jadd_str(root, "format", GEN_ENDORSE_FORMAT);
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
        enum gen_decision back;
        if (gen_endorse_parse(json, len, GEN_ENDORSE_FILE, &back, err) < 0)
            SIL_BUG("endorsement record does not read back: %s", err->msg);
        char *path = sil_xasprintf("%s/%s", o->dir, GEN_ENDORSE_FILE);
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
                     m.checksum, nfiles, d.checksum, o->dir, GEN_ENDORSE_FILE);
        *summary = sil_buf_detach(&b, NULL);
    }
    rc = 0;
out:
    free(json);
    free(mismatch);
    cJSON_Delete(root);
    cJSON_Delete(prev);
    cJSON_Delete(d.root);
    rep_manifest_release(&m);
    return rc;
}

/* ---- verifying ---- */

static int file_checksum(const char *dir, const char *name, char out[SIL_CHECKSUM_SIZE],
                         int *present, struct sil_err *err)
{
    char *path = sil_xasprintf("%s/%s", dir, name);
    *present = sil_path_exists(path);
    int rc = *present ? sil_checksum_file(path, out, NULL, err) : 0;
    free(path);
    return rc;
}

int gen_endorse_verify(const char *dir, int *endorsed, char **summary, struct sil_err *err)
{
    *endorsed = 0;
    char *path = sil_xasprintf("%s/%s", dir, GEN_ENDORSE_FILE), *why = NULL;
    cJSON *root = NULL;
    struct rec r;
    struct rep_manifest m;
    memset(&m, 0, sizeof m);
    int rc = -1, have_m = 0;
    if (!sil_is_dir(dir)) {
        sil_err_set(err, SIL_EINPUT, "'%s' is not a directory", dir);
        goto out;
    }
    if (!sil_path_exists(path)) {
        *summary = sil_xasprintf("not endorsed: '%s' has no %s\n", dir, GEN_ENDORSE_FILE);
        rc = 0;
        goto out;
    }
    if (sil_json_parse_file(path, GEN_ENDORSE_MAX_BYTES, &root, err) < 0)
        goto out;
    if (parse_root(root, &r, err) < 0) {
        sil_err_file(err, path);
        goto out;
    }
    if (r.decision == GEN_REJECTED) {
        *summary = sil_xasprintf("not endorsed: rejected by %s at %s: %s\n", r.by, r.at, r.note);
        rc = 0;
        goto out;
    }
    char sum[SIL_CHECKSUM_SIZE];
    int present;
    if (file_checksum(dir, "manifest.json", sum, &present, err) < 0)
        goto out;
    if (!present || strcmp(sum, r.manifest_checksum) != 0) {
        why = sil_xstrdup(present ? "manifest.json does not match manifest_checksum"
                                  : "manifest.json is missing");
        goto changed;
    }
    if (file_checksum(dir, "report.json", sum, &present, err) < 0)
        goto out;
    if (!present || strcmp(sum, r.report_checksum) != 0) {
        why = sil_xstrdup(present ? "report.json does not match report_checksum (a new report "
                                    "needs a new decision)"
                                  : "report.json is missing");
        goto changed;
    }
    {
        /* the writer made sure the report is of this manifest; a record
         * written by hand may not have */
        struct rep_digest d;
        struct sil_err e2;
        sil_err_clear(&e2);
        int rr = read_report(dir, &d, &e2);
        int other = rr == 0 && strcmp(d.manifest_checksum, r.manifest_checksum) != 0;
        cJSON_Delete(d.root);
        if (rr < 0) {
            why = sil_xasprintf("report.json cannot be read: %s", e2.msg);
            goto changed;
        }
        if (other) {
            why = sil_xstrdup("report.json is a report of another manifest.json");
            goto changed;
        }
    }
    {
        struct sil_err e2;
        sil_err_clear(&e2);
        if (rep_manifest_read(dir, &m, &e2) < 0) {
            why = sil_xstrdup(e2.msg);
            goto changed;
        }
        have_m = 1;
        if (strcmp(m.checksum, r.manifest_checksum) != 0) {
            why = sil_xstrdup("manifest.json does not match manifest_checksum");
            goto changed;
        }
    }
    size_t nfiles;
    int dm = data_files_match(dir, &m, &nfiles, &why, err);
    if (dm < 0)
        goto out;
    if (dm > 0)
        goto changed;
    {
        char what[600];
        struct sil_err e2;
        sil_err_clear(&e2);
        snprintf(what, sizeof what, "the shape that '%s' was generated from", dir);
        if (sil_expiry_check(m.expires_at, what, &e2) < 0) {
            *summary =
                sil_xasprintf("not endorsed: endorsed by %s at %s, but %s\n", r.by, r.at, e2.msg);
            rc = 0;
            goto out;
        }
    }
    *endorsed = 1;
    *summary = sil_xasprintf("endorsed by %s at %s%s%s: manifest.json, report.json and %zu data "
                             "files match the endorsement\n",
                             r.by, r.at, r.override_reason ? " overriding failed gates: " : "",
                             r.override_reason ? r.override_reason : "", nfiles);
    rc = 0;
    goto out;
changed:
    *summary = sil_xasprintf("not endorsed: changed after the endorsement by %s at %s: %s\n", r.by,
                             r.at, why);
    rc = 0;
out:
    free(why);
    free(path);
    cJSON_Delete(root);
    if (have_m)
        rep_manifest_release(&m);
    return rc;
}
