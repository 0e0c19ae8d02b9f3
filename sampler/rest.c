/* Paginated reading of a REST source's entities. */
#include "rest.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "json.h"
#include "log.h"
#include "signals.h"

char *sampler_url_escape(const char *s)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
            sil_buf_addc(&b, (char)*p);
        else
            sil_buf_addf(&b, "%%%02X", *p);
    }
    return sil_buf_detach(&b, NULL);
}

char *sampler_rest_url(const struct sampler_apidesc *d, const struct sampler_entity *e,
                       const char *extra)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    size_t bl = strlen(d->base_url);
    while (bl > 0 && d->base_url[bl - 1] == '/')
        bl--;
    sil_buf_add(&b, d->base_url, bl);
    sil_buf_adds(&b, e->path);
    char sep = '?';
    for (size_t i = 0; i < e->nparams; i++) {
        char *v = sampler_url_escape(e->params[i].value);
        sil_buf_addf(&b, "%c%s=%s", sep, e->params[i].name, v);
        free(v);
        sep = '&';
    }
    if (extra && *extra)
        sil_buf_addf(&b, "%c%s", sep, extra);
    return sil_buf_detach(&b, NULL);
}

/* Wipe every string of a parsed page before it is freed: they are raw values. */
static void wipe_json(cJSON *n)
{
    for (; n; n = n->next) {
        if (n->valuestring)
            sodium_memzero(n->valuestring, strlen(n->valuestring));
        if (n->string)
            sodium_memzero(n->string, strlen(n->string));
        n->valuedouble = 0;
        n->valueint = 0;
        wipe_json(n->child);
    }
}

static void free_page(cJSON *root)
{
    wipe_json(root);
    cJSON_Delete(root);
}

/* Where a page keeps its records, fixed by the first page. */
struct layout {
    int known;
    int top_array; /* the page is the array */
    char *key;     /* else the member (dotted path) holding it */
};

static int find_records(const cJSON *root, const struct sampler_entity *e, struct layout *l,
                        const char *shown, int page, const cJSON **out, struct sil_err *err)
{
    if (!l->known) {
        l->known = 1;
        if (e->records) {
            l->key = sil_xstrdup(e->records);
        } else if (cJSON_IsArray(root)) {
            l->top_array = 1;
        } else if (cJSON_IsObject(root)) {
            const cJSON *found = NULL;
            int many = 0;
            for (const cJSON *c = root->child; c; c = c->next)
                if (cJSON_IsArray(c) && (!c->child || cJSON_IsObject(c->child))) {
                    many += found != NULL;
                    found = found ? found : c;
                }
            if (!found || many) {
                sil_err_set(err, SIL_ENET,
                            "GET %s: entity \"%s\": cannot tell which member of the page holds "
                            "the records",
                            shown, e->name);
                sil_err_hint(err, "set \"records\" to its dotted path (such as \"data\") in the "
                                  "source description");
                return -1;
            }
            l->key = sil_xstrdup(found->string);
        } else {
            return sil_err_set(err, SIL_ENET,
                               "GET %s: entity \"%s\": the page is neither an array nor an object",
                               shown, e->name);
        }
    }
    const cJSON *arr =
        l->top_array ? (cJSON_IsArray(root) ? root : NULL) : sampler_json_at(root, l->key);
    if (!arr || !cJSON_IsArray(arr)) {
        if (page == 1 && e->records)
            return sil_err_set(err, SIL_ENET,
                               "GET %s: entity \"%s\": no array of records at \"%s\"", shown,
                               e->name, e->records);
        return sil_err_set(err, SIL_ENET, "GET %s: entity \"%s\" changed shape on page %d: %s",
                           shown, e->name, page,
                           l->top_array ? "the page is no longer an array"
                                        : "the records are no longer an array at the same key");
    }
    *out = arr;
    return 0;
}

/* A string or integer at `path` (next link or cursor); NULL when absent, null or empty. */
static int page_pointer(const cJSON *root, const char *path, const char *what, const char *shown,
                        const struct sampler_entity *e, int page, char **out, struct sil_err *err)
{
    *out = NULL;
    const cJSON *n = cJSON_IsObject(root) ? sampler_json_at(root, path) : NULL;
    if (!n || cJSON_IsNull(n))
        return 0;
    if (cJSON_IsString(n)) {
        if (*n->valuestring)
            *out = sil_xstrdup(n->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(n) && sil_json_is_int(n, INT64_MIN / 2, INT64_MAX / 2)) {
        *out = sil_xasprintf("%lld", (long long)n->valuedouble);
        return 0;
    }
    if (cJSON_IsBool(n) && !cJSON_IsTrue(n))
        return 0;
    return sil_err_set(err, SIL_ENET,
                       "GET %s: entity \"%s\" changed shape on page %d: the %s at \"%s\" is not a "
                       "string",
                       shown, e->name, page, what, path);
}

static int parse_page(const struct sampler_response *resp, const char *shown, cJSON **root,
                      struct sil_err *err)
{
    struct sil_err e;
    sil_err_clear(&e);
    if (sil_json_parse(resp->body.data, resp->body.len, NULL, root, &e) == 0)
        return 0;
    /* The body itself is never quoted: it may hold personal data. */
    const char *ct = resp->content_type ? resp->content_type : "not given";
    if (e.line)
        sil_err_set(err, SIL_ENET,
                    "GET %s: the response is not JSON (content type %s; syntax error at line %d, "
                    "column %d)",
                    shown, ct, e.line, e.column);
    else
        sil_err_set(err, SIL_ENET, "GET %s: the response is not JSON (content type %s)", shown, ct);
    sil_err_hint(err, "check base_url and the entity's path: the API answered with something "
                      "else than its JSON");
    return -1;
}

int sampler_rest_fetch(struct sampler_http *h, const struct sampler_apidesc *d, size_t ei,
                       struct sampler_rest_read *out, struct sil_err *err)
{
    const struct sampler_entity *e = &d->entities[ei];
    const struct sampler_paging *pg = &e->paging;
    struct sampler_rtable *rt = sampler_rtable_new(e->name);
    struct layout lay = {0, 0, NULL};
    char *url = NULL, *next = NULL, *cursor = NULL, *prev = NULL;
    int page = 0, complete = 0, rc = -1;
    int64_t offset = 0, pageno = pg->first_page, total = -1;
    double t0 = sil_now();
    int64_t req0 = sampler_http_requests(h);
    for (;;) {
        if (sil_interrupted()) {
            sil_err_set(err, SIL_EINTR, "interrupted");
            goto out;
        }
        if (page >= pg->max_pages) {
            sil_log_warn("%s: stopped after %d pages (pagination.max_pages)", e->name, page);
            break;
        }
        page++;
        free(url);
        url = NULL;
        const char *lim = pg->limit_param                    ? pg->limit_param
                          : pg->style == SAMPLER_PAGING_PAGE ? "page_size"
                                                             : "limit";
        char extra[512];
        extra[0] = '\0';
        switch (pg->style) {
        case SAMPLER_PAGING_NONE:
            break;
        case SAMPLER_PAGING_OFFSET:
            snprintf(extra, sizeof extra, "%s=%lld&%s=%lld", lim, (long long)pg->page_size,
                     pg->offset_param, (long long)offset);
            break;
        case SAMPLER_PAGING_PAGE:
            snprintf(extra, sizeof extra, "%s=%lld&%s=%lld", pg->page_param, (long long)pageno, lim,
                     (long long)pg->page_size);
            break;
        case SAMPLER_PAGING_NEXT:
            if (next) {
                url = next;
                next = NULL;
            } else if (pg->limit_param) {
                snprintf(extra, sizeof extra, "%s=%lld", lim, (long long)pg->page_size);
            }
            break;
        case SAMPLER_PAGING_CURSOR: {
            int n = snprintf(extra, sizeof extra, "%s=%lld", lim, (long long)pg->page_size);
            if (cursor) {
                char *esc = sampler_url_escape(cursor);
                if (strlen(esc) + (size_t)n + 64 < sizeof extra)
                    snprintf(extra + n, sizeof extra - (size_t)n, "&%s=%s", pg->cursor_param, esc);
                else {
                    free(esc);
                    sil_err_set(err, SIL_ENET, "entity \"%s\": the cursor of page %d is too long",
                                e->name, page);
                    goto out;
                }
                free(esc);
            }
            break;
        }
        }
        if (!url)
            url = sampler_rest_url(d, e, extra);
        char *shown = sampler_url_redact(url, d->auth_param);
        struct sampler_response resp;
        if (sampler_http_get(h, url, &resp, err) < 0) {
            free(shown);
            goto out;
        }
        cJSON *root = NULL;
        if (parse_page(&resp, shown, &root, err) < 0) {
            sampler_response_release(&resp);
            free(shown);
            goto out;
        }
        const cJSON *arr = NULL;
        int fail = find_records(root, e, &lay, shown, page, &arr, err) < 0;
        size_t on_page = 0;
        int capped = 0;
        for (const cJSON *r = arr ? arr->child : NULL; !fail && r; r = r->next) {
            if ((int64_t)sampler_rtable_count(rt) >= e->max_records) {
                capped = 1;
                break;
            }
            if (sampler_rtable_add(rt, r, page, err) < 0)
                fail = 1;
            on_page++;
        }
        if (!fail && pg->total_path && cJSON_IsObject(root)) {
            const cJSON *tn = sampler_json_at(root, pg->total_path);
            if (tn && sil_json_is_int(tn, 0, INT64_C(1) << 50))
                total = (int64_t)tn->valuedouble;
        }
        char *ptr = NULL;
        if (!fail && pg->style == SAMPLER_PAGING_NEXT) {
            if (pg->next_path)
                fail =
                    page_pointer(root, pg->next_path, "next link", shown, e, page, &ptr, err) < 0;
            else if (resp.link_next)
                ptr = sil_xstrdup(resp.link_next);
        } else if (!fail && pg->style == SAMPLER_PAGING_CURSOR) {
            fail = page_pointer(root, pg->cursor_path, "cursor", shown, e, page, &ptr, err) < 0;
        }
        if (!fail && ptr && pg->style == SAMPLER_PAGING_NEXT) {
            /* Relative links resolve against the page that gave them. */
            char *abs = NULL;
            if (strncmp(ptr, "http://", 7) == 0 || strncmp(ptr, "https://", 8) == 0) {
                abs = sil_xstrdup(ptr);
            } else if (ptr[0] == '/') {
                char origin[300];
                if (sampler_url_origin(resp.url, origin, sizeof origin) == 0)
                    abs = sil_xasprintf("%s%s", origin, ptr);
            } else if (ptr[0] == '?') {
                abs = sil_xasprintf("%.*s%s", (int)strcspn(resp.url, "?#"), resp.url, ptr);
            }
            free(ptr);
            ptr = abs;
            if (!ptr) {
                sil_err_set(err, SIL_ENET, "GET %s: entity \"%s\": unusable next link on page %d",
                            shown, e->name, page);
                fail = 1;
            }
        }
        free_page(root);
        sampler_response_release(&resp);
        free(shown);
        if (fail) {
            free(ptr);
            goto out;
        }
        if (capped) {
            free(ptr);
            sil_log_verbose("%s: record cap %lld reached on page %d", e->name,
                            (long long)e->max_records, page);
            break;
        }
        if (on_page == 0 || pg->style == SAMPLER_PAGING_NONE) {
            free(ptr);
            complete = 1;
            break;
        }
        if (pg->style == SAMPLER_PAGING_OFFSET || pg->style == SAMPLER_PAGING_PAGE) {
            if ((int64_t)on_page < pg->page_size) {
                complete = 1;
                break;
            }
            offset += (int64_t)on_page;
            pageno++;
        } else {
            if (!ptr) {
                complete = 1;
                break;
            }
            if (prev && strcmp(prev, ptr) == 0) {
                char *ps = pg->style == SAMPLER_PAGING_NEXT ? sampler_url_redact(ptr, d->auth_param)
                                                            : NULL;
                sil_err_set(err, SIL_ENET,
                            "entity \"%s\": page %d points to the same %s again (%s); the "
                            "pagination does not advance",
                            e->name, page,
                            pg->style == SAMPLER_PAGING_NEXT ? "next link" : "cursor",
                            ps ? ps : "cursor not shown");
                free(ps);
                free(ptr);
                goto out;
            }
            free(prev);
            prev = sil_xstrdup(ptr);
            if (pg->style == SAMPLER_PAGING_NEXT) {
                next = ptr;
            } else {
                free(cursor);
                cursor = ptr;
            }
        }
        if ((int64_t)sampler_rtable_count(rt) >= e->max_records) {
            sil_log_verbose("%s: record cap %lld reached", e->name, (long long)e->max_records);
            break;
        }
    }
    if (!complete && (int64_t)sampler_rtable_count(rt) >= e->max_records)
        sil_log_warn("%s: stopped at the record cap of %lld; the statistics describe those "
                     "records (raise max_records to read more)",
                     e->name, (long long)e->max_records);
    sil_log_verbose("%s: %zu records in %lld requests, %.2fs", e->name, sampler_rtable_count(rt),
                    (long long)(sampler_http_requests(h) - req0), sil_now() - t0);
    out->records = rt;
    out->complete = complete;
    out->total = total;
    rt = NULL;
    rc = 0;
out:
    sampler_rtable_free(rt);
    free(lay.key);
    free(url);
    free(next);
    free(cursor);
    free(prev);
    return rc;
}
