/*
 * The description of a REST source (`sampler --source rest --api FILE`): base
 * URL, entities and their endpoints, authentication (the secret itself is
 * never in the file, only where to read it), pagination, record and response
 * caps, rate limit, timeouts and TLS trust. docs/sampler.md describes the
 * format:
 *
 *   {"format": "silhouette.rest-source", "version": 1,
 *    "base_url": "https://api.example.com/v1", "schema": "public",
 *    "auth": {"type": "bearer", "token_file": "/etc/silhouette/api.token"},
 *    "pagination": {"style": "offset", "page_size": 100},
 *    "records": "data",
 *    "limits": {"max_records": 100000, "max_response_bytes": 16777216,
 *               "requests_per_second": 10, "timeout_ms": 30000,
 *               "connect_timeout_ms": 10000, "retries": 3, "max_retry_wait_s": 60},
 *    "tls_ca_file": "/etc/ssl/private-ca.pem",
 *    "entities": [{"name": "employees", "path": "/employee"}]}
 *
 * Strict: unknown keys, wrong types and bad values are errors naming the JSON
 * path. No libcurl here (the fuzz target reads descriptions too).
 */
#ifndef SAMPLER_APIDESC_H
#define SAMPLER_APIDESC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SAMPLER_API_FORMAT       "silhouette.rest-source"
#define SAMPLER_API_MAX_BYTES    ((size_t)1 << 20)
#define SAMPLER_API_MAX_ENTITIES 200
#define SAMPLER_API_MAX_PARAMS   32

/* Defaults (documented in docs/sampler.md). */
#define SAMPLER_API_DEF_MAX_RECORDS    100000
#define SAMPLER_API_DEF_MAX_RESPONSE   ((int64_t)16 << 20)
#define SAMPLER_API_DEF_RPS            10.0
#define SAMPLER_API_DEF_TIMEOUT_MS     30000
#define SAMPLER_API_DEF_CONNECT_MS     10000
#define SAMPLER_API_DEF_RETRIES        3
#define SAMPLER_API_DEF_MAX_RETRY_WAIT 60 /* s */
#define SAMPLER_API_DEF_PAGE_SIZE      100
#define SAMPLER_API_DEF_MAX_PAGES      100000

enum sampler_auth_type {
    SAMPLER_AUTH_NONE,
    SAMPLER_AUTH_BEARER, /* Authorization: Bearer <token> */
    SAMPLER_AUTH_BASIC,  /* Authorization: Basic, username + password */
    SAMPLER_AUTH_HEADER, /* <header>: <token> (X-API-Key and the like) */
    SAMPLER_AUTH_QUERY   /* ?<param>=<token>, never logged */
};

enum sampler_paging_style {
    SAMPLER_PAGING_NONE,   /* one request */
    SAMPLER_PAGING_OFFSET, /* ?limit=N&offset=M */
    SAMPLER_PAGING_PAGE,   /* ?page=P&page_size=N */
    SAMPLER_PAGING_NEXT,   /* a next link in the body, or the Link header */
    SAMPLER_PAGING_CURSOR  /* ?cursor=C&limit=N, the next cursor from the body */
};

struct sampler_paging {
    enum sampler_paging_style style;
    int64_t page_size;
    const char *limit_param;  /* offset, cursor: "limit"; page: "page_size" */
    const char *offset_param; /* "offset" */
    const char *page_param;   /* "page" */
    int64_t first_page;       /* 1 */
    const char *next_path;    /* dotted path of the next URL in the body; NULL: Link header */
    const char *cursor_param; /* "cursor" */
    const char *cursor_path;  /* dotted path of the next cursor in the body */
    const char *total_path;   /* dotted path of the total record count, or NULL */
    int64_t max_pages;
};

struct sampler_param {
    const char *name;
    const char *value;
};

/* A foreign key the names do not tell (still confirmed by the values). */
struct sampler_fkhint {
    const char *column;     /* flattened column name of this entity */
    const char *ref_entity; /* entity name */
    const char *ref_column; /* its column */
};

struct sampler_entity {
    const char *name;    /* the table name in the shape */
    const char *path;    /* "/employee", appended to base_url */
    const char *records; /* dotted path of the record array; NULL: the page itself or its one
                            array of objects */
    int64_t max_records;
    struct sampler_paging paging;
    size_t nparams;
    struct sampler_param *params; /* fixed query parameters (not secrets) */
    size_t nfks;
    struct sampler_fkhint *fks;
};

struct sampler_apidesc {
    const char *file; /* for messages */
    const char *base_url;
    const char *schema; /* "public" */
    enum sampler_auth_type auth;
    const char *auth_header; /* SAMPLER_AUTH_HEADER */
    const char *auth_param;  /* SAMPLER_AUTH_QUERY */
    const char *token_file;  /* bearer, header, query: one of file and env */
    const char *token_env;
    const char *username;      /* basic */
    const char *password_file; /* basic: one of file and env */
    const char *password_env;
    const char *tls_ca_file; /* NULL: the system's trust store */
    int allow_plain_http;    /* http:// to a host that is not loopback */
    int64_t max_response_bytes;
    double requests_per_second;
    int64_t timeout_ms;
    int64_t connect_timeout_ms;
    int64_t retries;
    int64_t max_retry_wait_s;
    size_t nentities;
    struct sampler_entity *entities;
    void *priv; /* the parsed document every string points into */
};

/*
 * Parse a description; `name` names it in errors (file, JSON path). Fails
 * with SIL_EINPUT.
 */
struct sampler_apidesc *sampler_apidesc_parse(const char *data, size_t len, const char *name,
                                              struct sil_err *err) SIL_WUR;
/* Read and parse the file at `path`. */
struct sampler_apidesc *sampler_apidesc_load(const char *path, struct sil_err *err) SIL_WUR;
/* NULL is a no-op. */
void sampler_apidesc_free(struct sampler_apidesc *d);

/*
 * Scheme, host and port of an http(s) URL, lower-cased host, default ports
 * filled in: "https://api.example.com:443". 0, or -1 when the URL is not an
 * absolute http or https URL with a host (no user info allowed).
 */
int sampler_url_origin(const char *url, char *out, size_t n) SIL_WUR;
/* The host part of an http(s) URL (lower-case, without brackets). 0 / -1. */
int sampler_url_host(const char *url, char *out, size_t n) SIL_WUR;
/* True for localhost, 127.0.0.0/8 and ::1. */
int sampler_host_loopback(const char *host);

/* A dotted path ("meta.next") in a cJSON tree; NULL when absent. */
struct cJSON;
const struct cJSON *sampler_json_at(const struct cJSON *root, const char *path);

#endif
