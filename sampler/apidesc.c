/* REST source descriptions: strict reading and URL helpers. */
#include "apidesc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json.h"
#include "shape.h"

#define STR_MAX 2048

void sampler_apidesc_free(struct sampler_apidesc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nentities; i++) {
        free(d->entities[i].params);
        free(d->entities[i].fks);
    }
    free(d->entities);
    cJSON_Delete(d->priv);
    free((char *)d->file);
    free(d);
}

int sampler_host_loopback(const char *host)
{
    if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0)
        return 1;
    /* 127.a.b.c with digits only. */
    if (strncmp(host, "127.", 4) != 0)
        return 0;
    int dots = 0;
    for (const char *p = host + 4; *p; p++) {
        if (*p == '.')
            dots++;
        else if (!isdigit((unsigned char)*p))
            return 0;
    }
    return dots == 2;
}

/* Split an absolute http(s) URL: scheme, host and port. */
static int url_parts(const char *url, int *https, char *host, size_t hn, long *port)
{
    const char *p;
    if (strncmp(url, "https://", 8) == 0) {
        *https = 1;
        p = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        *https = 0;
        p = url + 7;
    } else {
        return -1;
    }
    size_t auth_end = strcspn(p, "/?#");
    if (memchr(p, '@', auth_end))
        return -1; /* user info: credentials never go in URLs */
    const char *hs = p, *he;
    const char *after;
    if (*p == '[') {
        he = memchr(p, ']', auth_end);
        if (!he)
            return -1;
        hs = p + 1;
        after = he + 1;
    } else {
        const char *colon = memchr(p, ':', auth_end);
        he = colon ? colon : p + auth_end;
        after = he;
    }
    size_t len = (size_t)(he - hs);
    if (len == 0 || len >= hn)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)hs[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == '%' || ch == '\\')
            return -1;
        host[i] = (char)tolower(ch);
    }
    host[len] = '\0';
    *port = *https ? 443 : 80;
    if (after < p + auth_end) {
        if (*after != ':')
            return -1;
        char num[8];
        size_t nl = (size_t)(p + auth_end - after - 1);
        if (nl == 0 || nl >= sizeof num)
            return -1;
        memcpy(num, after + 1, nl);
        num[nl] = '\0';
        int64_t v;
        if (sil_parse_i64(num, 1, 65535, &v) < 0)
            return -1;
        *port = (long)v;
    }
    return 0;
}

int sampler_url_origin(const char *url, char *out, size_t n)
{
    int https;
    char host[256];
    long port;
    if (url_parts(url, &https, host, sizeof host, &port) < 0)
        return -1;
    int v6 = strchr(host, ':') != NULL;
    return sil_snprintf(out, n, "%s://%s%s%s:%ld", https ? "https" : "http", v6 ? "[" : "", host,
                        v6 ? "]" : "", port);
}

int sampler_url_host(const char *url, char *out, size_t n)
{
    int https;
    long port;
    return url_parts(url, &https, out, n, &port);
}

const cJSON *sampler_json_at(const cJSON *root, const char *path)
{
    const cJSON *n = root;
    const char *p = path;
    while (n && *p) {
        size_t len = strcspn(p, ".");
        if (!cJSON_IsObject(n))
            return NULL;
        const cJSON *found = NULL;
        for (const cJSON *c = n->child; c; c = c->next)
            if (c->string && strlen(c->string) == len && memcmp(c->string, p, len) == 0) {
                found = c;
                break;
            }
        n = found;
        p += len;
        if (*p == '.')
            p++;
    }
    return n;
}

static int dotted_path(struct sil_jctx *c, const cJSON *o, const char *key, const char **out)
{
    const char *v = NULL;
    if (sil_json_str(c, o, key, 0, 256, &v) < 0)
        return -1;
    if (!v)
        return 0;
    size_t n = strlen(v);
    if (n == 0 || v[0] == '.' || v[n - 1] == '.' || strstr(v, ".."))
        return sil_jctx_fail_at(c, key, "expected a dotted path of keys such as \"meta.next\"");
    *out = v;
    return 0;
}

/* A query parameter name: URL-safe characters only, so it is never escaped. */
static int param_name(struct sil_jctx *c, const cJSON *o, const char *key, const char **out)
{
    const char *v = NULL;
    if (sil_json_str(c, o, key, 0, 64, &v) < 0)
        return -1;
    if (!v)
        return 0;
    if (!*v)
        return sil_jctx_fail_at(c, key, "empty parameter name");
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_.~[]", *p))
            return sil_jctx_fail_at(c, key,
                                    "parameter names are letters, digits and - _ . ~ [ ] only");
    *out = v;
    return 0;
}

static int pick(struct sil_jctx *c, const cJSON *o, const char *key, const char *const *names,
                int *out)
{
    const char *v = NULL;
    if (sil_json_str(c, o, key, 0, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], v) == 0) {
            *out = i;
            return 0;
        }
    struct sil_buf b;
    sil_buf_init(&b, 0);
    for (int i = 0; names[i]; i++)
        sil_buf_addf(&b, "%s\"%s\"", i ? ", " : "", names[i]);
    sil_jctx_fail_at(c, key, "unknown value \"%.40s\" (expected one of %s)", v, b.data);
    sil_buf_release(&b);
    return -1;
}

static int parse_paging(struct sil_jctx *c, const cJSON *parent, struct sampler_paging *pg)
{
    static const char *const keys[] = {"style",       "page_size",  "limit_param", "offset_param",
                                       "page_param",  "first_page", "next_path",   "cursor_param",
                                       "cursor_path", "total_path", "max_pages",   NULL};
    static const char *const styles[] = {"none", "offset", "page", "next_link", "cursor", NULL};
    const cJSON *o = NULL;
    if (sil_json_object(c, parent, "pagination", 0, &o) < 0)
        return -1;
    if (!o)
        return 0;
    size_t mark = sil_jctx_key(c, "pagination");
    int style = (int)pg->style;
    const char *next = NULL;
    if (sil_json_check_object(c, o, keys) < 0 || pick(c, o, "style", styles, &style) < 0 ||
        sil_json_int(c, o, "page_size", 0, 1, 100000, &pg->page_size) < 0 ||
        param_name(c, o, "limit_param", &pg->limit_param) < 0 ||
        param_name(c, o, "offset_param", &pg->offset_param) < 0 ||
        param_name(c, o, "page_param", &pg->page_param) < 0 ||
        sil_json_int(c, o, "first_page", 0, 0, 1, &pg->first_page) < 0 ||
        dotted_path(c, o, "next_path", &next) < 0 ||
        param_name(c, o, "cursor_param", &pg->cursor_param) < 0 ||
        dotted_path(c, o, "cursor_path", &pg->cursor_path) < 0 ||
        dotted_path(c, o, "total_path", &pg->total_path) < 0 ||
        sil_json_int(c, o, "max_pages", 0, 1, 10000000, &pg->max_pages) < 0)
        return -1;
    if (next)
        pg->next_path = next;
    pg->style = (enum sampler_paging_style)style;
    if (pg->style == SAMPLER_PAGING_CURSOR && !pg->cursor_path)
        return sil_jctx_fail(c, "the cursor style needs \"cursor_path\", the dotted path of the "
                                "next cursor in a page (such as \"meta.next_cursor\")");
    sil_jctx_restore(c, mark);
    return 0;
}

static void paging_defaults(struct sampler_paging *pg, enum sampler_paging_style style)
{
    memset(pg, 0, sizeof *pg);
    pg->style = style;
    pg->page_size = SAMPLER_API_DEF_PAGE_SIZE;
    pg->offset_param = "offset";
    pg->page_param = "page";
    pg->first_page = 1;
    pg->cursor_param = "cursor";
    pg->max_pages = SAMPLER_API_DEF_MAX_PAGES;
}

static int parse_params(struct sil_jctx *c, const cJSON *e, struct sampler_entity *en)
{
    const cJSON *q = NULL;
    if (sil_json_object(c, e, "query", 0, &q) < 0)
        return -1;
    if (!q)
        return 0;
    size_t mark = sil_jctx_key(c, "query");
    size_t n = (size_t)cJSON_GetArraySize(q);
    if (n > SAMPLER_API_MAX_PARAMS)
        return sil_jctx_fail(c, "%zu parameters, more than the limit of %d", n,
                             SAMPLER_API_MAX_PARAMS);
    en->params = sil_xcalloc(n + 1, sizeof *en->params);
    for (const cJSON *p = q->child; p; p = p->next) {
        struct sil_jctx *cc = c;
        if (!cJSON_IsString(p))
            return sil_jctx_fail_at(cc, p->string, "expected a string");
        const char *name = p->string, *value = p->valuestring;
        for (const char *s = name; *s; s++)
            if (!isalnum((unsigned char)*s) && !strchr("-_.~[]", *s))
                return sil_jctx_fail_at(cc, name,
                                        "parameter names are letters, digits and - _ . ~ [ ] only");
        if (!*name || strlen(name) > 64 || strlen(value) > 512)
            return sil_jctx_fail_at(cc, name, "parameter name or value too long or empty");
        for (size_t i = 0; i < en->nparams; i++)
            if (strcmp(en->params[i].name, name) == 0)
                return sil_jctx_fail_at(cc, name, "parameter given twice");
        en->params[en->nparams].name = name;
        en->params[en->nparams++].value = value;
    }
    sil_jctx_restore(c, mark);
    return 0;
}

static int parse_fkhints(struct sil_jctx *c, const cJSON *e, struct sampler_entity *en)
{
    static const char *const keys[] = {"column", "references", NULL};
    const cJSON *arr = NULL;
    if (sil_json_array(c, e, "foreign_keys", 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    size_t mark = sil_jctx_key(c, "foreign_keys");
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    if (n > 1600)
        return sil_jctx_fail(c, "too many foreign keys");
    en->fks = sil_xcalloc(n + 1, sizeof *en->fks);
    for (const cJSON *f = arr->child; f; f = f->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        const char *col = NULL, *ref = NULL;
        if (sil_json_check_object(c, f, keys) < 0 || sil_json_str(c, f, "column", 1, 0, &col) < 0 ||
            sil_json_str(c, f, "references", 1, 0, &ref) < 0)
            return -1;
        if (!sil_ident_valid(col))
            return sil_jctx_fail_at(c, "column", "not a valid column name");
        const char *dot = strchr(ref, '.');
        if (!dot || dot == ref || !dot[1] || strchr(dot + 1, '.'))
            return sil_jctx_fail_at(c, "references",
                                    "expected \"ENTITY.COLUMN\" such as \"teams.id\"");
        en->fks[en->nfks].column = col;
        /* Split in place: the document owns the string and is never written back. */
        char *r = (char *)ref;
        r[dot - ref] = '\0';
        en->fks[en->nfks].ref_entity = r;
        en->fks[en->nfks++].ref_column = r + (dot - ref) + 1;
        if (!sil_ident_valid(en->fks[en->nfks - 1].ref_column))
            return sil_jctx_fail_at(c, "references", "not a valid column name");
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

static int parse_entities(struct sil_jctx *c, struct sampler_apidesc *d, const cJSON *arr,
                          const struct sampler_paging *defpg, const char *defrec, int64_t defmax)
{
    static const char *const keys[] = {"name",       "path",  "records",      "max_records",
                                       "pagination", "query", "foreign_keys", NULL};
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    size_t mark = sil_jctx_key(c, "entities");
    if (n == 0)
        return sil_jctx_fail(c, "no entities: list at least one endpoint");
    if (n > SAMPLER_API_MAX_ENTITIES)
        return sil_jctx_fail(c, "%zu entities, more than the limit of %d", n,
                             SAMPLER_API_MAX_ENTITIES);
    d->entities = sil_xcalloc(n, sizeof *d->entities);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        struct sampler_entity *en = &d->entities[i];
        d->nentities = i + 1;
        en->paging = *defpg;
        en->records = defrec;
        en->max_records = defmax;
        if (sil_json_check_object(c, e, keys) < 0 ||
            sil_json_str(c, e, "name", 1, 0, &en->name) < 0 ||
            sil_json_str(c, e, "path", 1, 1024, &en->path) < 0 ||
            dotted_path(c, e, "records", &en->records) < 0 ||
            sil_json_int(c, e, "max_records", 0, 1, 100000000, &en->max_records) < 0 ||
            parse_paging(c, e, &en->paging) < 0 || parse_params(c, e, en) < 0 ||
            parse_fkhints(c, e, en) < 0)
            return -1;
        if (!sil_ident_valid(en->name))
            return sil_jctx_fail_at(c, "name",
                                    "not a valid table name (1 to 63 bytes of text without "
                                    "control characters)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->entities[j].name, en->name) == 0)
                return sil_jctx_fail_at(c, "name", "entity \"%s\" is listed twice", en->name);
        if (en->path[0] != '/')
            return sil_jctx_fail_at(c, "path", "expected a path starting with \"/\"");
        for (const char *p = en->path; *p; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' || *p == '#' ||
                *p == '\\')
                return sil_jctx_fail_at(c, "path",
                                        "a path is printable ASCII without spaces, '?' or '#' "
                                        "(put parameters in \"query\")");
        if (strstr(en->path, "/../") || strstr(en->path, "/./") ||
            (strlen(en->path) >= 3 && strcmp(en->path + strlen(en->path) - 3, "/..") == 0))
            return sil_jctx_fail_at(c, "path", "dot segments are not allowed");
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

static int parse_secret_src(struct sil_jctx *c, const cJSON *a, const char *fkey, const char *ekey,
                            const char **file, const char **env, const char *what)
{
    if (sil_json_str(c, a, fkey, 0, 4096, file) < 0 || sil_json_str(c, a, ekey, 0, 128, env) < 0)
        return -1;
    if ((*file != NULL) == (*env != NULL))
        return sil_jctx_fail(c,
                             "the %s comes from exactly one of \"%s\" and \"%s\" (never from "
                             "this file or the command line)",
                             what, fkey, ekey);
    if (*env) {
        if (!**env)
            return sil_jctx_fail_at(c, ekey, "empty variable name");
        for (const char *p = *env; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '_')
                return sil_jctx_fail_at(c, ekey, "not a variable name");
    } else if (!**file) {
        return sil_jctx_fail_at(c, fkey, "empty file name");
    }
    return 0;
}

static int parse_auth(struct sil_jctx *c, const cJSON *root, struct sampler_apidesc *d)
{
    static const char *const keys[] = {"type",     "token_file",    "token_env",
                                       "username", "password_file", "password_env",
                                       "header",   "param",         NULL};
    static const char *const types[] = {"none", "bearer", "basic", "header", "query", NULL};
    const cJSON *a = NULL;
    if (sil_json_object(c, root, "auth", 0, &a) < 0)
        return -1;
    if (!a)
        return 0;
    size_t mark = sil_jctx_key(c, "auth");
    int type = -1;
    if (sil_json_check_object(c, a, keys) < 0 || pick(c, a, "type", types, &type) < 0)
        return -1;
    if (type < 0)
        return sil_jctx_fail(c, "missing \"type\" (none, bearer, basic, header or query)");
    d->auth = (enum sampler_auth_type)type;
    const char *h = NULL, *q = NULL;
    if (sil_json_str(c, a, "header", 0, 64, &h) < 0 || param_name(c, a, "param", &q) < 0 ||
        sil_json_str(c, a, "username", 0, 256, &d->username) < 0)
        return -1;
    int want_token =
        type == SAMPLER_AUTH_BEARER || type == SAMPLER_AUTH_HEADER || type == SAMPLER_AUTH_QUERY;
    const cJSON *tf = sil_json_get(a, "token_file"), *te = sil_json_get(a, "token_env");
    const cJSON *pf = sil_json_get(a, "password_file"), *pe = sil_json_get(a, "password_env");
    if (!want_token && (tf || te))
        return sil_jctx_fail(c, "\"token_file\"/\"token_env\" are for bearer, header and query "
                                "authentication");
    if (type != SAMPLER_AUTH_BASIC && (pf || pe || d->username))
        return sil_jctx_fail(c, "\"username\" and \"password_file\"/\"password_env\" are for "
                                "basic authentication");
    if ((h != NULL) != (type == SAMPLER_AUTH_HEADER))
        return sil_jctx_fail(c, "\"header\" names the header of the header type, and only there");
    if ((q != NULL) != (type == SAMPLER_AUTH_QUERY))
        return sil_jctx_fail(c, "\"param\" names the query parameter of the query type, and "
                                "only there");
    if (want_token && parse_secret_src(c, a, "token_file", "token_env", &d->token_file,
                                       &d->token_env, "token") < 0)
        return -1;
    if (type == SAMPLER_AUTH_BASIC) {
        if (!d->username)
            return sil_jctx_fail(c, "basic authentication needs \"username\"");
        if (strchr(d->username, ':'))
            return sil_jctx_fail_at(c, "username", "a user name cannot hold ':'");
        if (parse_secret_src(c, a, "password_file", "password_env", &d->password_file,
                             &d->password_env, "password") < 0)
            return -1;
    }
    if (h) {
        for (const char *p = h; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
                return sil_jctx_fail_at(c, "header", "not a header name");
        if (!*h)
            return sil_jctx_fail_at(c, "header", "empty header name");
    }
    d->auth_header = h;
    d->auth_param = q;
    sil_jctx_restore(c, mark);
    return 0;
}

static int parse_limits(struct sil_jctx *c, const cJSON *root, struct sampler_apidesc *d,
                        int64_t *max_records)
{
    static const char *const keys[] = {"max_records",         "max_response_bytes",
                                       "requests_per_second", "timeout_ms",
                                       "connect_timeout_ms",  "retries",
                                       "max_retry_wait_s",    NULL};
    const cJSON *l = NULL;
    if (sil_json_object(c, root, "limits", 0, &l) < 0)
        return -1;
    if (!l)
        return 0;
    size_t mark = sil_jctx_key(c, "limits");
    if (sil_json_check_object(c, l, keys) < 0 ||
        sil_json_int(c, l, "max_records", 0, 1, 100000000, max_records) < 0 ||
        sil_json_int(c, l, "max_response_bytes", 0, 1024, (int64_t)1 << 30,
                     &d->max_response_bytes) < 0 ||
        sil_json_num(c, l, "requests_per_second", 0, 0.001, 10000, &d->requests_per_second) < 0 ||
        sil_json_int(c, l, "timeout_ms", 0, 1, 3600000, &d->timeout_ms) < 0 ||
        sil_json_int(c, l, "connect_timeout_ms", 0, 1, 600000, &d->connect_timeout_ms) < 0 ||
        sil_json_int(c, l, "retries", 0, 0, 20, &d->retries) < 0 ||
        sil_json_int(c, l, "max_retry_wait_s", 0, 0, 3600, &d->max_retry_wait_s) < 0)
        return -1;
    sil_jctx_restore(c, mark);
    return 0;
}

struct sampler_apidesc *sampler_apidesc_parse(const char *data, size_t len, const char *name,
                                              struct sil_err *err)
{
    static const char *const keys[] = {
        "format",  "version", "description", "base_url",         "schema",   "auth", "pagination",
        "records", "limits",  "tls_ca_file", "allow_plain_http", "entities", NULL};
    cJSON *root = NULL;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return NULL;
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    struct sampler_apidesc *d = sil_xcalloc(1, sizeof *d);
    d->priv = root;
    d->file = sil_xstrdup(name ? name : "the source description");
    d->schema = "public";
    d->max_response_bytes = SAMPLER_API_DEF_MAX_RESPONSE;
    d->requests_per_second = SAMPLER_API_DEF_RPS;
    d->timeout_ms = SAMPLER_API_DEF_TIMEOUT_MS;
    d->connect_timeout_ms = SAMPLER_API_DEF_CONNECT_MS;
    d->retries = SAMPLER_API_DEF_RETRIES;
    d->max_retry_wait_s = SAMPLER_API_DEF_MAX_RETRY_WAIT;
    const char *fmt = NULL, *desc = NULL, *records = NULL;
    int64_t version = 0, max_records = SAMPLER_API_DEF_MAX_RECORDS;
    const cJSON *ents = NULL;
    struct sampler_paging pg;
    paging_defaults(&pg, SAMPLER_PAGING_NONE);
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 0, &fmt) < 0)
        goto fail;
    if (strcmp(fmt, SAMPLER_API_FORMAT) != 0) {
        sil_jctx_fail_at(&c, "format",
                         "\"%.40s\" is not a REST source description (expected \"%s\")", fmt,
                         SAMPLER_API_FORMAT);
        goto fail;
    }
    if (sil_json_int(&c, root, "version", 1, 1, 1, &version) < 0 ||
        sil_json_str(&c, root, "description", 0, 4096, &desc) < 0 ||
        sil_json_str(&c, root, "base_url", 1, STR_MAX, &d->base_url) < 0 ||
        sil_json_str(&c, root, "schema", 0, 0, &d->schema) < 0 || parse_auth(&c, root, d) < 0 ||
        parse_paging(&c, root, &pg) < 0 || dotted_path(&c, root, "records", &records) < 0 ||
        parse_limits(&c, root, d, &max_records) < 0 ||
        sil_json_str(&c, root, "tls_ca_file", 0, 4096, &d->tls_ca_file) < 0 ||
        sil_json_bool(&c, root, "allow_plain_http", 0, &d->allow_plain_http) < 0 ||
        sil_json_array(&c, root, "entities", 1, &ents) < 0)
        goto fail;
    if (!sil_ident_valid(d->schema)) {
        sil_jctx_fail_at(&c, "schema", "not a valid schema name");
        goto fail;
    }
    char origin[300], host[256];
    if (sampler_url_origin(d->base_url, origin, sizeof origin) < 0 ||
        sampler_url_host(d->base_url, host, sizeof host) < 0 || strchr(d->base_url, '?') ||
        strchr(d->base_url, '#')) {
        sil_jctx_fail_at(&c, "base_url",
                         "expected an absolute http or https URL without user name, password, "
                         "query or fragment, such as \"https://api.example.com/v1\"");
        goto fail;
    }
    for (const char *p = d->base_url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            sil_jctx_fail_at(&c, "base_url", "a URL is printable ASCII without spaces");
            goto fail;
        }
    if (strncmp(d->base_url, "http://", 7) == 0 && !sampler_host_loopback(host) &&
        !d->allow_plain_http) {
        sil_jctx_fail_at(&c, "base_url",
                         "plain http to \"%s\" would send the credentials and the data "
                         "unencrypted; use https (or set \"allow_plain_http\": true)",
                         host);
        goto fail;
    }
    if (d->tls_ca_file && !*d->tls_ca_file) {
        sil_jctx_fail_at(&c, "tls_ca_file", "empty file name");
        goto fail;
    }
    if (parse_entities(&c, d, ents, &pg, records, max_records) < 0)
        goto fail;
    for (size_t i = 0; i < d->nentities; i++)
        for (size_t f = 0; f < d->entities[i].nfks; f++) {
            const char *re = d->entities[i].fks[f].ref_entity;
            size_t j = 0;
            while (j < d->nentities && strcmp(d->entities[j].name, re) != 0)
                j++;
            if (j == d->nentities) {
                char path[80];
                snprintf(path, sizeof path, "entities[%zu].foreign_keys[%zu].references", i, f);
                sil_err_set_path(err, SIL_EINPUT, path, "unknown entity \"%.63s\"", re);
                goto fail;
            }
        }
    return d;
fail:
    if (name)
        sil_err_file(err, name);
    if (err->code == SIL_OK)
        sil_err_set(err, SIL_EINPUT, "invalid source description");
    sampler_apidesc_free(d);
    return NULL;
}

struct sampler_apidesc *sampler_apidesc_load(const char *path, struct sil_err *err)
{
    char *data = NULL;
    size_t len = 0;
    if (sil_read_file(path, SAMPLER_API_MAX_BYTES, &data, &len, err) < 0) {
        sil_err_file(err, path);
        if (err->code == SIL_EIO)
            err->code = SIL_EINPUT;
        return NULL;
    }
    struct sampler_apidesc *d = sampler_apidesc_parse(data, len, path, err);
    free(data);
    return d;
}
