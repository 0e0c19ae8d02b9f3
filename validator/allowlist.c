/* Allowlist: reviewed findings by JSON path or value hash, each with a reason and an expiry. */
#include "allowlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checksum.h"
#include "json.h"
#include "pii_check.h"
#include "sil.h"

struct entry {
    char *path, *hash, *rule, *file, *reason;
    char expires[11];
    int expired;
    int used;
};

struct allowlist {
    struct entry *v;
    size_t n;
    char *file;
};

int64_t allowlist_day(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' ||
        s[7] != '-' || !sil_pii_date_ok(y, m, d))
        return -1;
    /* Days from civil (Howard Hinnant's algorithm). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t allowlist_today(void)
{
    return (int64_t)time(NULL) / 86400;
}

void allowlist_free(struct allowlist *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].path);
        free(a->v[i].hash);
        free(a->v[i].rule);
        free(a->v[i].file);
        free(a->v[i].reason);
    }
    free(a->v);
    free(a->file);
    free(a);
}

static char *dup_or_null(const char *s)
{
    return s ? sil_xstrdup(s) : NULL;
}

struct allowlist *allowlist_load(const char *path, int64_t today, struct sil_err *err)
{
    static const char *const keys[] = {"format", "version", "description", "entries", NULL};
    static const char *const ekeys[] = {"path",   "value_hash", "rule", "file",
                                        "reason", "expires",    NULL};
    cJSON *root;
    struct sil_jctx c;
    const char *fmt = NULL, *desc = NULL;
    int64_t version = 0;
    const cJSON *entries = NULL;
    if (sil_json_parse_file(path, (size_t)16 << 20, &root, err) < 0)
        return NULL;
    struct allowlist *a = sil_xcalloc(1, sizeof *a);
    a->file = sil_xstrdup(path);
    sil_jctx_init(&c, err);
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 0, &fmt) < 0 ||
        sil_json_int(&c, root, "version", 1, 1, 1, &version) < 0 ||
        sil_json_str(&c, root, "description", 0, 0, &desc) < 0 ||
        sil_json_array(&c, root, "entries", 1, &entries) < 0)
        goto fail;
    if (strcmp(fmt, ALLOWLIST_FORMAT) != 0) {
        sil_jctx_fail_at(&c, "format", "not an allowlist (expected \"%s\")", ALLOWLIST_FORMAT);
        goto fail;
    }
    size_t cnt = (size_t)cJSON_GetArraySize(entries), i = 0;
    a->v = sil_xcalloc(cnt ? cnt : 1, sizeof *a->v);
    size_t mark = sil_jctx_key(&c, "entries");
    for (const cJSON *e = entries->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&c, i);
        const char *p = NULL, *h = NULL, *rule = NULL, *file = NULL, *reason = NULL, *exp = NULL;
        if (sil_json_check_object(&c, e, ekeys) < 0 ||
            sil_json_str(&c, e, "path", 0, 1000, &p) < 0 ||
            sil_json_str(&c, e, "value_hash", 0, 0, &h) < 0 ||
            sil_json_str(&c, e, "rule", 0, 64, &rule) < 0 ||
            sil_json_str(&c, e, "file", 0, 1000, &file) < 0 ||
            sil_json_str(&c, e, "reason", 1, 1000, &reason) < 0 ||
            sil_json_str(&c, e, "expires", 1, 0, &exp) < 0)
            goto fail;
        if (!p == !h) {
            sil_jctx_fail(&c, "give exactly one of \"path\" and \"value_hash\"");
            goto fail;
        }
        if (h && !sil_checksum_valid(h)) {
            sil_jctx_fail_at(
                &c, "value_hash",
                "expected \"blake2b-256:\" and 64 hex digits (never the value itself)");
            sil_err_hint(err, "validate-no-pii --hash prints the hash of a value read from stdin");
            goto fail;
        }
        if (!*reason) {
            sil_jctx_fail_at(&c, "reason", "say why the finding is acceptable");
            goto fail;
        }
        int64_t day = allowlist_day(exp);
        if (day < 0) {
            sil_jctx_fail_at(&c, "expires", "expected a date like \"2027-01-31\"");
            goto fail;
        }
        struct entry *en = &a->v[a->n++];
        en->path = dup_or_null(p);
        en->hash = dup_or_null(h);
        en->rule = dup_or_null(rule);
        en->file = dup_or_null(file);
        en->reason = sil_xstrdup(reason);
        snprintf(en->expires, sizeof en->expires, "%s", exp);
        en->expired = day < today;
        sil_jctx_restore(&c, m2);
    }
    sil_jctx_restore(&c, mark);
    cJSON_Delete(root);
    return a;
fail:
    sil_err_file(err, path);
    cJSON_Delete(root);
    allowlist_free(a);
    return NULL;
}

static int file_matches(const char *want, const char *file)
{
    if (strcmp(want, file) == 0)
        return 1;
    const char *base = strrchr(file, '/');
    return base && strcmp(want, base + 1) == 0;
}

int allowlist_covers(const struct allowlist *a, const char *file, const char *path,
                     const char *rule, const char *value_hash)
{
    if (!a)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        struct entry *e = &a->v[i];
        if (e->rule && strcmp(e->rule, rule) != 0)
            continue;
        if (e->file && !file_matches(e->file, file))
            continue;
        if (e->path && (!*path || strcmp(e->path, path) != 0))
            continue;
        if (e->hash && (!*value_hash || strcmp(e->hash, value_hash) != 0))
            continue;
        e->used = 1;
        if (e->expired)
            continue; /* reported, never honoured */
        return 1;
    }
    return 0;
}

size_t allowlist_count(const struct allowlist *a)
{
    return a ? a->n : 0;
}

void allowlist_entry(const struct allowlist *a, size_t i, const char **expires, const char **reason,
                     int *expired, int *used)
{
    *expires = a->v[i].expires;
    *reason = a->v[i].reason;
    *expired = a->v[i].expired;
    *used = a->v[i].used;
}

const char *allowlist_file(const struct allowlist *a)
{
    return a->file;
}
