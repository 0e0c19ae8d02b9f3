/* Environment policy: allowed and denied database targets and markers. */
#include "envpolicy.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "json.h"

struct rule {
    char *name;
    char *host;     /* glob, lower case; NULL = any */
    char *database; /* glob; NULL = any */
    char *user;     /* glob; NULL = any */
    int port;       /* 0 = any */
    char *reason;
    int require_endorsement;
};

struct loader_envpolicy {
    size_t nmarkers;
    char **markers;
    size_t ndeny, ntargets;
    struct rule *deny, *targets;
};

static void rule_release(struct rule *r)
{
    free(r->name);
    free(r->host);
    free(r->database);
    free(r->user);
    free(r->reason);
}

void loader_envpolicy_free(struct loader_envpolicy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nmarkers; i++)
        free(p->markers[i]);
    free(p->markers);
    for (size_t i = 0; i < p->ndeny; i++)
        rule_release(&p->deny[i]);
    for (size_t i = 0; i < p->ntargets; i++)
        rule_release(&p->targets[i]);
    free(p->deny);
    free(p->targets);
    free(p);
}

static char *lower_dup(const char *s)
{
    char *d = sil_xstrdup(s);
    for (char *c = d; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return d;
}

static int rd_rules(struct sil_jctx *c, const cJSON *root, const char *key, int is_target,
                    struct rule **out, size_t *n)
{
    static const char *const tkeys[] = {
        "name", "host", "port", "database", "user", "require_endorsement", NULL};
    static const char *const dkeys[] = {"host", "port", "database", "user", "reason", NULL};
    const cJSON *arr = NULL;
    if (sil_json_array(c, root, key, 1, &arr) < 0)
        return -1;
    size_t count = (size_t)cJSON_GetArraySize(arr), i = 0;
    struct rule *v = sil_xcalloc(count ? count : 1, sizeof *v);
    *out = v;
    *n = count;
    size_t mark = sil_jctx_key(c, key);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        const char *name = NULL, *host = NULL, *db = NULL, *user = NULL, *reason = NULL;
        int64_t port = 0;
        int endorse = 0;
        if (!cJSON_IsObject(e))
            return sil_jctx_fail(c, "expected an object");
        if (sil_json_check_object(c, e, is_target ? tkeys : dkeys) < 0 ||
            (is_target && sil_json_str(c, e, "name", 1, 128, &name) < 0) ||
            sil_json_str(c, e, "host", 0, 256, &host) < 0 ||
            sil_json_int(c, e, "port", 0, 1, 65535, &port) < 0 ||
            sil_json_str(c, e, "database", 0, 256, &db) < 0 ||
            sil_json_str(c, e, "user", 0, 256, &user) < 0 ||
            (!is_target && sil_json_str(c, e, "reason", 0, 256, &reason) < 0) ||
            (is_target && sil_json_bool(c, e, "require_endorsement", 0, &endorse) < 0))
            return -1;
        if (!host && !db && !user && !port)
            return sil_jctx_fail(c, "a rule needs at least one of host, port, database, user");
        v[i].name = name ? sil_xstrdup(name) : NULL;
        v[i].host = host ? lower_dup(host) : NULL;
        v[i].database = db ? sil_xstrdup(db) : NULL;
        v[i].user = user ? sil_xstrdup(user) : NULL;
        v[i].port = (int)port;
        v[i].reason = reason ? sil_xstrdup(reason) : NULL;
        v[i].require_endorsement = endorse;
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

struct loader_envpolicy *loader_envpolicy_parse(const char *data, size_t len, const char *name,
                                                struct sil_err *err)
{
    static const char *const keys[] = {"format", "version", "allowed_markers",
                                       "deny",   "targets", NULL};
    cJSON *root = NULL;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return NULL;
    struct loader_envpolicy *p = sil_xcalloc(1, sizeof *p);
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    const char *fmt = NULL;
    int64_t version = 0;
    const cJSON *markers = NULL;
    if (!cJSON_IsObject(root)) {
        sil_jctx_fail(&c, "expected a policy object");
        goto fail;
    }
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 0, &fmt) < 0)
        goto fail;
    if (strcmp(fmt, LOADER_ENV_FORMAT) != 0) {
        sil_jctx_fail_at(&c, "format", "expected \"%s\"", LOADER_ENV_FORMAT);
        goto fail;
    }
    if (sil_json_int(&c, root, "version", 1, 1, 1000, &version) < 0)
        goto fail;
    if (version != LOADER_ENV_VERSION) {
        sil_jctx_fail_at(&c, "version", "unsupported version %lld (this loader knows %d)",
                         (long long)version, LOADER_ENV_VERSION);
        goto fail;
    }
    if (sil_json_array(&c, root, "allowed_markers", 1, &markers) < 0)
        goto fail;
    p->nmarkers = (size_t)cJSON_GetArraySize(markers);
    p->markers = sil_xcalloc(p->nmarkers ? p->nmarkers : 1, sizeof *p->markers);
    size_t mark = sil_jctx_key(&c, "allowed_markers"), i = 0;
    for (const cJSON *e = markers->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&c, i);
        if (!cJSON_IsString(e) || !e->valuestring[0] || strlen(e->valuestring) > 64) {
            sil_jctx_fail(&c, "expected a marker name");
            goto fail;
        }
        if (strcasecmp(e->valuestring, LOADER_MARKER_PRODUCTION) == 0) {
            sil_jctx_fail(&c, "\"production\" can never be an allowed marker");
            goto fail;
        }
        p->markers[i] = sil_xstrdup(e->valuestring);
        sil_jctx_restore(&c, m2);
    }
    sil_jctx_restore(&c, mark);
    if (rd_rules(&c, root, "deny", 0, &p->deny, &p->ndeny) < 0 ||
        rd_rules(&c, root, "targets", 1, &p->targets, &p->ntargets) < 0)
        goto fail;
    cJSON_Delete(root);
    return p;
fail:
    if (name)
        sil_err_file(err, name);
    cJSON_Delete(root);
    loader_envpolicy_free(p);
    return NULL;
}

struct loader_envpolicy *loader_envpolicy_read(const char *path, struct sil_err *err)
{
    char *data = NULL;
    size_t len = 0;
    if (sil_read_file(path, 1 << 20, &data, &len, err) < 0)
        return NULL;
    struct loader_envpolicy *p = loader_envpolicy_parse(data, len, path, err);
    free(data);
    return p;
}

static int glob_match(const char *pattern, const char *s, int fold)
{
    if (!s)
        return 0;
    char *v = fold ? lower_dup(s) : sil_xstrdup(s);
    int m = fnmatch(pattern, v, 0) == 0;
    free(v);
    return m;
}

static int rule_matches(const struct rule *r, const struct loader_target *t)
{
    if (r->host && !glob_match(r->host, t->host, 1) &&
        !(t->hostaddr && t->hostaddr[0] && glob_match(r->host, t->hostaddr, 1)))
        return 0;
    if (r->port && r->port != t->port)
        return 0;
    if (r->database && !glob_match(r->database, t->dbname, 0))
        return 0;
    if (r->user && !glob_match(r->user, t->user, 0))
        return 0;
    return 1;
}

static void describe_rule(const struct rule *r, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
#define PART(...)                                                                                  \
    do {                                                                                           \
        int k_ = snprintf(buf + len, n - len, __VA_ARGS__);                                        \
        if (k_ > 0)                                                                                \
            len = SIL_MIN(len + (size_t)k_, n - 1);                                                \
    } while (0)
    if (r->host)
        PART("%shost \"%s\"", len ? ", " : "", r->host);
    if (r->port)
        PART("%sport %d", len ? ", " : "", r->port);
    if (r->database)
        PART("%sdatabase \"%s\"", len ? ", " : "", r->database);
    if (r->user)
        PART("%suser \"%s\"", len ? ", " : "", r->user);
#undef PART
}

int loader_envpolicy_check(const struct loader_envpolicy *p, const struct loader_target *t,
                           const char **target_name, int *require_endorsement, struct sil_err *err)
{
    char desc[512];
    for (size_t i = 0; i < p->ndeny; i++)
        if (rule_matches(&p->deny[i], t)) {
            char *d = loader_target_describe(t);
            describe_rule(&p->deny[i], desc, sizeof desc);
            sil_err_set(err, SIL_EPOLICY,
                        "target %s is denied by the environment policy (deny[%zu]: %s%s%s)", d, i,
                        desc, p->deny[i].reason ? ": " : "",
                        p->deny[i].reason ? p->deny[i].reason : "");
            free(d);
            return -1;
        }
    for (size_t i = 0; i < p->ntargets; i++)
        if (rule_matches(&p->targets[i], t)) {
            *target_name = p->targets[i].name;
            *require_endorsement = p->targets[i].require_endorsement;
            return 0;
        }
    char *d = loader_target_describe(t);
    sil_err_set(err, SIL_EPOLICY, "target %s matches no allowed target of the environment policy",
                d);
    sil_err_hint(err, "add a target rule for it to environments.json (or pass --policy FILE) if "
                      "it is a staging database");
    free(d);
    return -1;
}

int loader_envpolicy_marker(const struct loader_envpolicy *p, const char *marker,
                            int allow_unmarked, struct sil_err *err)
{
    if (!marker || !marker[0]) {
        if (allow_unmarked)
            return 0;
        sil_err_set(err, SIL_EPOLICY, "the database has no %s marker", LOADER_MARKER_SETTING);
        sil_err_hint(err,
                     "mark it (ALTER DATABASE name SET %s = 'staging') or pass "
                     "--allow-unmarked",
                     LOADER_MARKER_SETTING);
        return -1;
    }
    if (strcasecmp(marker, LOADER_MARKER_PRODUCTION) == 0) {
        sil_err_set(err, SIL_EPOLICY,
                    "the database is marked %s = '%s': the loader never writes "
                    "to production",
                    LOADER_MARKER_SETTING, LOADER_MARKER_PRODUCTION);
        return -1;
    }
    for (size_t i = 0; i < p->nmarkers; i++)
        if (strcmp(p->markers[i], marker) == 0)
            return 0;
    sil_err_set(err, SIL_EPOLICY,
                "the database is marked %s = '%.64s', which the environment "
                "policy does not allow",
                LOADER_MARKER_SETTING, marker);
    sil_err_hint(err, "allowed markers are listed in environments.json under allowed_markers");
    return -1;
}

char *loader_target_describe(const struct loader_target *t)
{
    return sil_xasprintf("host=%s port=%d dbname=%s user=%s", t->host ? t->host : "", t->port,
                         t->dbname ? t->dbname : "", t->user ? t->user : "");
}
