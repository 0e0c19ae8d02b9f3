/* Reports for validate-no-pii in text, JSON and SARIF. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sil.h"

/* File names come from the command line and may not be UTF-8: keep JSON valid. */
static char *clean_utf8(const char *s)
{
    size_t n = strlen(s);
    char *o = sil_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xe0) == 0xc0 ? 2
                     : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4
                                          : 0;
        int ok = len > 0 && i + len <= n && !(len == 2 && c < 0xc2);
        for (size_t j = 1; ok && j < len; j++)
            ok = ((unsigned char)s[i + j] & 0xc0) == 0x80;
        if (!ok) {
            o[k++] = '?';
            i++;
            continue;
        }
        memcpy(o + k, s + i, len);
        k += len;
        i += len;
    }
    o[k] = '\0';
    return o;
}

struct count {
    const char *rule;
    size_t n;
};

static size_t rule_counts(const struct vreport *rep, struct count **out)
{
    struct count *c = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < rep->n; i++) {
        size_t j;
        for (j = 0; j < n && strcmp(c[j].rule, rep->v[i].rule) != 0; j++)
            ;
        if (j == n) {
            c = sil_xgrow(c, sizeof *c, n + 1, &cap);
            c[n++] = (struct count){rep->v[i].rule, 0};
        }
        c[j].n++;
    }
    *out = c;
    return n;
}

void report_summary(const struct vreport *rep, struct sil_buf *out)
{
    struct count *c;
    size_t nc = rule_counts(rep, &c);
    sil_buf_addf(out, "%zu finding%s in %zu of %zu file%s", rep->n, rep->n == 1 ? "" : "s",
                 rep->files_with_findings, rep->files, rep->files == 1 ? "" : "s");
    if (nc) {
        sil_buf_adds(out, " (");
        for (size_t i = 0; i < nc; i++)
            sil_buf_addf(out, "%s%s %zu", i ? ", " : "", c[i].rule, c[i].n);
        sil_buf_adds(out, ")");
    }
    if (rep->allowed)
        sil_buf_addf(out, "; %zu allowed by the allowlist", rep->allowed);
    if (rep->truncated)
        sil_buf_adds(out, "; stopped at --max-findings");
    if (rep->input_errors)
        sil_buf_addf(out, "; %d input error%s", rep->input_errors,
                     rep->input_errors == 1 ? "" : "s");
    free(c);
}

static const char *decoded_name(enum sil_decoding d)
{
    switch (d) {
    case SIL_DECODED_ESCAPES:
        return "escapes";
    case SIL_DECODED_BASE64:
        return "base64";
    case SIL_DECODED_HEX:
        return "hex";
    default:
        return NULL;
    }
}

static const char *sev_name(enum sil_rule_severity s)
{
    return s == SIL_SEV_LOW ? "low" : s == SIL_SEV_MEDIUM ? "medium" : "high";
}

static void write_text(FILE *out, const struct report_opts *o, const struct vreport *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        const struct vfinding *f = &rep->v[i];
        if (f->line)
            fprintf(out, "%s:%d:%d: ", f->file, f->line, f->column);
        else
            fprintf(out, "%s: %s%s", f->file, f->path, *f->path ? ": " : "");
        fprintf(out, "%s: ", f->rule);
        if (*f->masked)
            fprintf(out, "%s ", f->masked);
        const char *d = decoded_name(f->decoded);
        fprintf(out, "(%s%s%s)", f->message, d ? "; decoded from " : "", d ? d : "");
        if (o->show_hashes && f->value_hash[0])
            fprintf(out, " %s", f->value_hash);
        fputc('\n', out);
    }
    struct sil_buf b;
    sil_buf_init(&b, 0);
    report_summary(rep, &b);
    fprintf(out, "validate-no-pii: %s\n", b.data);
    sil_buf_release(&b);
}

static cJSON *expired_json(const struct allowlist *allow)
{
    cJSON *arr = sil_jnew_array();
    for (size_t i = 0; i < allowlist_count(allow); i++) {
        const char *exp, *reason;
        int expired, used;
        allowlist_entry(allow, i, &exp, &reason, &expired, &used);
        if (!expired)
            continue;
        cJSON *e = sil_jnew_object();
        sil_jadd_num(e, "entry", (double)i);
        sil_jadd_str(e, "expires", exp);
        sil_jadd_bool(e, "matched", used);
        sil_jpush(arr, e);
    }
    return arr;
}

static void write_json(FILE *out, const struct report_opts *o, const struct vreport *rep,
                       const struct allowlist *allow)
{
    cJSON *root = sil_jnew_object();
    sil_jadd_str(root, "format", "silhouette.pii-report");
    sil_jadd_num(root, "version", 1);
    cJSON *arr = sil_jadd_array(root, "findings");
    for (size_t i = 0; i < rep->n; i++) {
        const struct vfinding *f = &rep->v[i];
        cJSON *e = sil_jnew_object();
        char *file = clean_utf8(f->file);
        sil_jadd_str(e, "file", file);
        free(file);
        if (f->line) {
            sil_jadd_num(e, "line", f->line);
            sil_jadd_num(e, "column", f->column);
        } else {
            sil_jadd_str(e, "path", f->path);
        }
        sil_jadd_str(e, "rule", f->rule);
        sil_jadd_str(e, "kind", sil_class_name(f->kind));
        sil_jadd_str(e, "severity", sev_name(f->severity));
        sil_jadd_str(e, "masked", f->masked);
        sil_jadd_str(e, "message", f->message);
        if (decoded_name(f->decoded))
            sil_jadd_str(e, "decoded", decoded_name(f->decoded));
        if (o->show_hashes && f->value_hash[0])
            sil_jadd_str(e, "value_hash", f->value_hash);
        sil_jpush(arr, e);
    }
    cJSON *sum = sil_jadd_object(root, "summary");
    sil_jadd_num(sum, "files", (double)rep->files);
    sil_jadd_num(sum, "files_with_findings", (double)rep->files_with_findings);
    sil_jadd_num(sum, "bytes", (double)rep->bytes);
    sil_jadd_num(sum, "findings", (double)rep->n);
    cJSON *by = sil_jadd_object(sum, "by_rule");
    struct count *c;
    size_t nc = rule_counts(rep, &c);
    for (size_t i = 0; i < nc; i++)
        sil_jadd_num(by, c[i].rule, (double)c[i].n);
    free(c);
    sil_jadd_num(sum, "allowed", (double)rep->allowed);
    sil_jadd_bool(sum, "truncated", rep->truncated);
    sil_jadd_num(sum, "input_errors", rep->input_errors);
    sil_jadd(sum, "expired_allowlist_entries", expired_json(allow));
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write(root, &b);
    fwrite(b.data, 1, b.len, out);
    sil_buf_release(&b);
    cJSON_Delete(root);
}

static void write_sarif(FILE *out, const struct sil_rules *rules, const struct vreport *rep)
{
    cJSON *root = sil_jnew_object();
    sil_jadd_str(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    sil_jadd_str(root, "version", "2.1.0");
    cJSON *runs = sil_jadd_array(root, "runs");
    cJSON *run = sil_jnew_object();
    sil_jpush(runs, run);
    cJSON *driver = sil_jadd_object(sil_jadd_object(run, "tool"), "driver");
    sil_jadd_str(driver, "name", "validate-no-pii");
    sil_jadd_str(driver, "version", SIL_VERSION);
    sil_jadd_str(driver, "informationUri", "https://example.invalid/silhouette/validate-no-pii");
    cJSON *rarr = sil_jadd_array(driver, "rules");
    /* The rules that produced findings, in order of first appearance. */
    const char **ids = NULL;
    size_t nids = 0, cap = 0;
    for (size_t i = 0; i < rep->n; i++) {
        size_t j;
        for (j = 0; j < nids && strcmp(ids[j], rep->v[i].rule) != 0; j++)
            ;
        if (j < nids)
            continue;
        ids = sil_xgrow(ids, sizeof *ids, nids + 1, &cap);
        ids[nids++] = rep->v[i].rule;
        cJSON *r = sil_jnew_object();
        sil_jadd_str(r, "id", rep->v[i].rule);
        long ri = sil_rules_find(rules, rep->v[i].rule);
        const char *desc = ri >= 0 ? sil_rules_get(rules, (size_t)ri)->description
                                   : "structural check of the shape format";
        sil_jadd_str(sil_jadd_object(r, "shortDescription"), "text", desc);
        cJSON *props = sil_jadd_object(r, "properties");
        sil_jadd_str(props, "kind", sil_class_name(rep->v[i].kind));
        sil_jpush(rarr, r);
    }
    cJSON *results = sil_jadd_array(run, "results");
    for (size_t i = 0; i < rep->n; i++) {
        const struct vfinding *f = &rep->v[i];
        size_t idx;
        for (idx = 0; idx < nids && strcmp(ids[idx], f->rule) != 0; idx++)
            ;
        cJSON *r = sil_jnew_object();
        sil_jadd_str(r, "ruleId", f->rule);
        sil_jadd_num(r, "ruleIndex", (double)idx);
        sil_jadd_str(r, "level",
                     f->severity == SIL_SEV_LOW      ? "note"
                     : f->severity == SIL_SEV_MEDIUM ? "warning"
                                                     : "error");
        char *text = sil_xasprintf("%s%s%s", f->message, *f->masked ? ": " : "", f->masked);
        sil_jadd_str(sil_jadd_object(r, "message"), "text", text);
        free(text);
        cJSON *locs = sil_jadd_array(r, "locations");
        cJSON *loc = sil_jnew_object();
        sil_jpush(locs, loc);
        cJSON *phys = sil_jadd_object(loc, "physicalLocation");
        char *file = clean_utf8(f->file);
        sil_jadd_str(sil_jadd_object(phys, "artifactLocation"), "uri", file);
        free(file);
        cJSON *region = sil_jadd_object(phys, "region");
        sil_jadd_num(region, "startLine", f->line ? f->line : 1);
        if (f->line)
            sil_jadd_num(region, "startColumn", f->column);
        if (*f->path) {
            cJSON *ll = sil_jadd_array(loc, "logicalLocations");
            cJSON *l = sil_jnew_object();
            sil_jadd_str(l, "fullyQualifiedName", f->path);
            sil_jadd_str(l, "kind", "member");
            sil_jpush(ll, l);
        }
        sil_jpush(results, r);
    }
    free(ids);
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write(root, &b);
    fwrite(b.data, 1, b.len, out);
    sil_buf_release(&b);
    cJSON_Delete(root);
}

void report_write(FILE *out, const struct report_opts *o, const struct sil_rules *rules,
                  const struct vreport *rep, const struct allowlist *allow)
{
    switch (o->format) {
    case REPORT_JSON:
        write_json(out, o, rep, allow);
        break;
    case REPORT_SARIF:
        write_sarif(out, rules, rep);
        break;
    default:
        write_text(out, o, rep);
    }
}
