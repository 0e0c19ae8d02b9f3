/* HTTP GET with libcurl: secrets, limits, retries, same-host redirects, audit. */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "signals.h"

#define SECRET_MAX 4096

struct sampler_http {
    CURL *curl;
    const struct sampler_apidesc *d;
    struct sampler_audit *audit;
    char origin[300];
    char *secret; /* sodium_malloc, NUL-terminated; NULL without auth */
    struct curl_slist *headers;
    double last_start; /* sil_now() of the last request, for the rate limit */
    int64_t requests;
    char errbuf[CURL_ERROR_SIZE];
};

/* Per attempt. */
struct xfer {
    struct sil_buf *body;
    int toobig;
    char *retry_after;
    char *location;
    char *link_next;
    char *content_type;
};

static void xfer_reset(struct xfer *x)
{
    free(x->retry_after);
    free(x->location);
    free(x->link_next);
    free(x->content_type);
    x->retry_after = x->location = x->link_next = x->content_type = NULL;
    x->toobig = 0;
}

void sampler_response_release(struct sampler_response *r)
{
    if (r->body.data)
        sodium_memzero(r->body.data, r->body.len);
    sil_buf_release(&r->body);
    free(r->content_type);
    free(r->link_next);
    free(r->url);
    memset(r, 0, sizeof *r);
}

/* ---- secrets ---- */

static int secret_clean(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return n > 0;
}

static int secret_from_file(const char *path, const char *what, char **out, struct sil_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        sil_err_set(err, e == ENOENT ? SIL_EINPUT : SIL_EIO, "cannot open the %s file: %s", what,
                    strerror(e));
        sil_err_file(err, path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        sil_err_set(err, SIL_EINPUT, "the %s file is not a regular file", what);
        sil_err_file(err, path);
        return -1;
    }
    if (st.st_mode & 077) {
        close(fd);
        sil_err_set(err, SIL_EPOLICY,
                    "the %s file is readable or writable by group or others (mode %04o)", what,
                    (unsigned)(st.st_mode & 07777));
        sil_err_file(err, path);
        sil_err_hint(err, "chmod 600 '%s'", path);
        return -1;
    }
    char *buf = sodium_malloc(SECRET_MAX + 1);
    if (!buf)
        SIL_BUG("sodium_malloc failed");
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, SECRET_MAX - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            sodium_free(buf);
            sil_err_set(err, SIL_EIO, "cannot read the %s file: %s", what, strerror(e));
            sil_err_file(err, path);
            return -1;
        }
        if (r == 0 || (n += (size_t)r) == SECRET_MAX)
            break;
    }
    close(fd);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    if (!secret_clean(buf, n)) {
        sodium_free(buf);
        sil_err_set(err, SIL_EINPUT, "the %s file is empty or holds control characters", what);
        sil_err_file(err, path);
        return -1;
    }
    *out = buf;
    return 0;
}

static int secret_from_env(const char *var, const char *what, char **out, struct sil_err *err)
{
    char *v = getenv(var);
    if (!v || !*v)
        return sil_err_set(err, SIL_EINPUT, "the %s variable $%s is not set", what, var);
    size_t n = strlen(v);
    if (n > SECRET_MAX || !secret_clean(v, n)) {
        sodium_memzero(v, n);
        unsetenv(var);
        return sil_err_set(err, SIL_EINPUT, "the %s in $%s is too long or holds control characters",
                           what, var);
    }
    char *buf = sodium_malloc(n + 1);
    if (!buf)
        SIL_BUG("sodium_malloc failed");
    memcpy(buf, v, n + 1);
    /* Read once: child processes and /proc/self/environ never see it again. */
    sodium_memzero(v, n);
    unsetenv(var);
    *out = buf;
    return 0;
}

/* ---- URL masking ---- */

static int secret_param(const char *name, size_t n, const char *extra)
{
    static const char *const names[] = {"api_key", "apikey",       "api-key",       "key",
                                        "token",   "access_token", "auth",          "password",
                                        "passwd",  "secret",       "client_secret", "signature",
                                        "sig",     "code",         "session",       NULL};
    if (extra && strlen(extra) == n && strncasecmp(extra, name, n) == 0)
        return 1;
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == n && strncasecmp(names[i], name, n) == 0)
            return 1;
    return 0;
}

char *sampler_url_redact(const char *url, const char *extra)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    size_t base = strcspn(url, "?#");
    sil_buf_add(&b, url, base);
    if (url[base] == '?') {
        const char *q = url + base + 1;
        size_t qlen = strcspn(q, "#");
        sil_buf_addc(&b, '?');
        size_t i = 0;
        while (i < qlen) {
            size_t plen = strcspn(q + i, "&#");
            if (i + plen > qlen)
                plen = qlen - i;
            const char *p = q + i;
            const char *eq = memchr(p, '=', plen);
            size_t nlen = eq ? (size_t)(eq - p) : plen;
            if (eq && secret_param(p, nlen, extra)) {
                sil_buf_add(&b, p, nlen);
                sil_buf_adds(&b, "=REDACTED");
            } else {
                sil_buf_add(&b, p, plen);
            }
            i += plen;
            if (i < qlen && q[i] == '&') {
                sil_buf_addc(&b, '&');
                i++;
            }
        }
    }
    return sil_buf_detach(&b, NULL);
}

double sampler_retry_after(const char *value, double now_epoch)
{
    while (*value == ' ' || *value == '\t')
        value++;
    char tmp[128];
    size_t n = strcspn(value, "\r\n");
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, value, n);
    while (n > 0 && (tmp[n - 1] == ' ' || tmp[n - 1] == '\t'))
        n--;
    tmp[n] = '\0';
    int64_t secs;
    if (sil_parse_i64(tmp, 0, INT64_C(1) << 40, &secs) == 0)
        return (double)secs;
    time_t t = curl_getdate(tmp, NULL);
    if (t == (time_t)-1)
        return -1;
    double d = (double)t - now_epoch;
    return d < 0 ? 0 : d;
}

/* ---- curl callbacks ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (sil_buf_add(x->body, p, len) < 0) {
        x->toobig = 1;
        return 0; /* aborts the transfer */
    }
    return len;
}

static char *header_value(const char *p, size_t len, const char *name)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
        return NULL;
    const char *v = p + nl + 1;
    const char *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    return sil_xstrndup(v, (size_t)(end - v));
}

/* The target of rel="next" in a Link header value. */
static char *link_next(const char *v)
{
    const char *p = v;
    while ((p = strchr(p, '<')) != NULL) {
        const char *gt = strchr(p, '>');
        if (!gt)
            return NULL;
        const char *end = strchr(gt, ',');
        size_t plen = end ? (size_t)(end - gt) : strlen(gt);
        char *params = sil_xstrndup(gt, plen);
        int next = 0;
        for (char *s = params; *s; s++)
            *s = (char)tolower((unsigned char)*s);
        if (strstr(params, "rel=\"next\"") || strstr(params, "rel=next") ||
            strstr(params, " next\"") || strstr(params, "\"next "))
            next = 1;
        free(params);
        if (next)
            return sil_xstrndup(p + 1, (size_t)(gt - p - 1));
        p = gt;
    }
    return NULL;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    char *v;
    if ((v = header_value(p, len, "Retry-After"))) {
        free(x->retry_after);
        x->retry_after = v;
    } else if ((v = header_value(p, len, "Location"))) {
        free(x->location);
        x->location = v;
    } else if ((v = header_value(p, len, "Content-Type"))) {
        free(x->content_type);
        x->content_type = v;
    } else if ((v = header_value(p, len, "Link"))) {
        char *nx = link_next(v);
        free(v);
        if (nx) {
            free(x->link_next);
            x->link_next = nx;
        }
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)ud, (void)dt, (void)dn, (void)ut, (void)un;
    return sil_interrupted() ? 1 : 0;
}

/* ---- the handle ---- */

static void free_headers(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        sodium_memzero(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h)
{
    struct curl_slist *n = curl_slist_append(l, h);
    if (!n)
        SIL_BUG("out of memory for a header");
    return n;
}

struct sampler_http *sampler_http_new(const struct sampler_apidesc *d, struct sampler_audit *audit,
                                      struct sil_err *err)
{
    struct sampler_http *h = sil_xcalloc(1, sizeof *h);
    h->d = d;
    h->audit = audit;
    if (sampler_url_origin(d->base_url, h->origin, sizeof h->origin) < 0)
        SIL_BUG("base URL checked by the reader");
    if (d->auth == SAMPLER_AUTH_BASIC) {
        if ((d->password_file ? secret_from_file(d->password_file, "password", &h->secret, err)
                              : secret_from_env(d->password_env, "password", &h->secret, err)) < 0)
            goto fail;
    } else if (d->auth != SAMPLER_AUTH_NONE) {
        if ((d->token_file ? secret_from_file(d->token_file, "token", &h->secret, err)
                           : secret_from_env(d->token_env, "token", &h->secret, err)) < 0)
            goto fail;
    }
    if (d->tls_ca_file && access(d->tls_ca_file, R_OK) < 0) {
        sil_err_set(err, SIL_EINPUT, "cannot read the CA file tls_ca_file: %s", strerror(errno));
        sil_err_file(err, d->tls_ca_file);
        goto fail;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sil_err_set(err, SIL_ENET, "cannot initialise libcurl");
        goto fail;
    }
    h->curl = curl_easy_init();
    if (!h->curl) {
        curl_global_cleanup();
        sil_err_set(err, SIL_ENET, "cannot initialise libcurl");
        goto fail;
    }
    CURL *c = h->curl;
    h->headers = add_header(NULL, "Accept: application/json");
    if (d->auth == SAMPLER_AUTH_BEARER || d->auth == SAMPLER_AUTH_HEADER) {
        size_t n = strlen(h->secret) + 80;
        char *line = sodium_malloc(n);
        if (!line)
            SIL_BUG("sodium_malloc failed");
        if (d->auth == SAMPLER_AUTH_BEARER)
            snprintf(line, n, "Authorization: Bearer %s", h->secret);
        else
            snprintf(line, n, "%s: %s", d->auth_header, h->secret);
        h->headers = add_header(h->headers, line);
        sodium_free(line);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
    if (d->auth == SAMPLER_AUTH_BASIC) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, d->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, h->secret);
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (d->tls_ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, d->tls_ca_file);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)d->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)d->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d->max_response_bytes);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "silhouette-sampler/" SIL_VERSION);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    /* No proxy from the environment: the description says where production is. */
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    return h;
fail:
    if (h->secret)
        sodium_free(h->secret);
    free(h);
    return NULL;
}

void sampler_http_free(struct sampler_http *h)
{
    if (!h)
        return;
    if (h->curl) {
        curl_easy_cleanup(h->curl);
        curl_global_cleanup();
    }
    free_headers(h->headers);
    if (h->secret)
        sodium_free(h->secret); /* wipes */
    free(h);
}

int64_t sampler_http_requests(const struct sampler_http *h)
{
    return h->requests;
}

/* Sleep in small steps so Ctrl-C is noticed. -1 when interrupted. */
static int nap(double secs)
{
    double end = sil_now() + secs;
    for (;;) {
        if (sil_interrupted())
            return -1;
        double left = end - sil_now();
        if (left <= 0)
            return 0;
        double step = left < 0.05 ? left : 0.05;
        struct timespec ts = {(time_t)step, (long)((step - (double)(time_t)step) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* An absolute URL for `loc` relative to `base`. Caller frees; NULL when unusable. */
static char *resolve(const char *base, const char *loc)
{
    CURLU *u = curl_url();
    if (!u)
        SIL_BUG("out of memory for a URL");
    char *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK) {
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
            out = sil_xstrdup(s);
            curl_free(s);
        }
    }
    curl_url_cleanup(u);
    return out;
}

static int same_origin(const struct sampler_http *h, const char *url)
{
    char o[300];
    return sampler_url_origin(url, o, sizeof o) == 0 && strcmp(o, h->origin) == 0;
}

/* The URL actually sent: with the query-string secret when the auth type says so. */
static char *wire_url(const struct sampler_http *h, const char *url)
{
    if (h->d->auth != SAMPLER_AUTH_QUERY)
        return sil_xstrdup(url);
    char *esc = curl_easy_escape(h->curl, h->secret, 0);
    if (!esc)
        SIL_BUG("out of memory escaping a parameter");
    size_t n = strcspn(url, "#");
    char *s = sil_xasprintf("%.*s%c%s=%s", (int)n, url, memchr(url, '?', n) ? '&' : '?',
                            h->d->auth_param, esc);
    sodium_memzero(esc, strlen(esc));
    curl_free(esc);
    return s;
}

/* The URL as sent, secrets masked: what the audit log and messages show. */
static char *shown_url(const struct sampler_http *h, const char *url)
{
    char *wire = wire_url(h, url);
    char *s = sampler_url_redact(wire, h->d->auth_param);
    sodium_memzero(wire, strlen(wire));
    free(wire);
    return s;
}

static int transient_curl(CURLcode rc)
{
    return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
           rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

int sampler_http_get(struct sampler_http *h, const char *url, struct sampler_response *r,
                     struct sil_err *err)
{
    const struct sampler_apidesc *d = h->d;
    char *cur = sil_xstrdup(url);
    char *shown = shown_url(h, cur);
    struct sil_buf body;
    sil_buf_init(&body, (size_t)d->max_response_bytes);
    struct xfer x = {&body, 0, NULL, NULL, NULL, NULL};
    int attempt = 0, redirects = 0, rc = -1;
    long status = 0;
    if (!same_origin(h, cur)) {
        sil_err_set(err, SIL_EPOLICY, "GET %s: not on the source's origin %s", shown, h->origin);
        goto out;
    }
    curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, NULL);
    for (;;) {
        if (sil_interrupted()) {
            sil_err_set(err, SIL_EINTR, "interrupted");
            goto out;
        }
        /* The rate limit: requests start at least 1/rps seconds apart. */
        double gap = 1.0 / d->requests_per_second;
        if (h->last_start > 0 && nap(h->last_start + gap - sil_now()) < 0) {
            sil_err_set(err, SIL_EINTR, "interrupted");
            goto out;
        }
        if (body.data)
            sodium_memzero(body.data, body.len);
        sil_buf_reset(&body);
        xfer_reset(&x);
        char *wire = wire_url(h, cur);
        curl_easy_setopt(h->curl, CURLOPT_URL, wire);
        h->errbuf[0] = '\0';
        h->last_start = sil_now();
        CURLcode cc = curl_easy_perform(h->curl);
        double secs = sil_now() - h->last_start;
        sodium_memzero(wire, strlen(wire));
        free(wire);
        h->requests++;
        status = 0;
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
        char cerr[CURL_ERROR_SIZE + 64];
        cerr[0] = '\0';
        if (cc != CURLE_OK) {
            if (x.toobig || cc == CURLE_FILESIZE_EXCEEDED)
                snprintf(cerr, sizeof cerr, "response larger than %lld bytes",
                         (long long)d->max_response_bytes);
            else if (cc == CURLE_ABORTED_BY_CALLBACK)
                snprintf(cerr, sizeof cerr, "interrupted");
            else
                snprintf(cerr, sizeof cerr, "%s",
                         h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
        }
        sil_log_debug("GET %s: %ld, %zu bytes, %.1f ms%s%s", shown, cc == CURLE_OK ? status : 0,
                      body.len, secs * 1e3, cerr[0] ? ", " : "", cerr);
        if (sampler_audit_request(h->audit, "GET", shown, cc == CURLE_OK ? status : 0,
                                  (int64_t)body.len, secs, cc == CURLE_OK ? NULL : cerr, err) < 0)
            goto out;
        if (cc != CURLE_OK) {
            if (cc == CURLE_ABORTED_BY_CALLBACK || sil_interrupted()) {
                sil_err_set(err, SIL_EINTR, "interrupted");
                goto out;
            }
            if (x.toobig || cc == CURLE_FILESIZE_EXCEEDED) {
                sil_err_set(err, SIL_ENET, "GET %s: %s", shown, cerr);
                sil_err_hint(err, "raise limits.max_response_bytes or lower the page size");
                goto out;
            }
            if (transient_curl(cc) && attempt < d->retries) {
                double wait = 0.5 * (double)(1 << (attempt < 6 ? attempt : 6));
                sil_log_warn("GET %s: %s; retrying in %.1fs", shown, cerr, wait);
                attempt++;
                if (nap(wait) < 0) {
                    sil_err_set(err, SIL_EINTR, "interrupted");
                    goto out;
                }
                continue;
            }
            sil_err_set(err, SIL_ENET, "GET %s: %s%s", shown, cerr,
                        attempt ? " (retries spent)" : "");
            if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                cc == CURLE_SSL_CONNECT_ERROR)
                sil_err_hint(err, "TLS verification is always on; for a private CA name its "
                                  "certificate in tls_ca_file");
            else if (cc == CURLE_OPERATION_TIMEDOUT)
                sil_err_hint(err, "raise limits.timeout_ms, or ask less per page (page_size)");
            goto out;
        }
        if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) {
            double wait = 0.5 * (double)(1 << (attempt < 6 ? attempt : 6));
            if (x.retry_after) {
                double ra = sampler_retry_after(x.retry_after, (double)time(NULL));
                if (ra >= 0)
                    wait = ra;
            }
            if (attempt >= d->retries) {
                sil_err_set(err, SIL_ENET, "GET %s: HTTP %ld%s", shown, status,
                            d->retries ? " after every retry" : "");
                sil_err_hint(err, "the API is rate limiting or failing; lower "
                                  "limits.requests_per_second or raise limits.retries");
                goto out;
            }
            if (wait > (double)d->max_retry_wait_s) {
                sil_err_set(err, SIL_ENET,
                            "GET %s: HTTP %ld asks to wait %.0fs, more than "
                            "limits.max_retry_wait_s (%llds)",
                            shown, status, wait, (long long)d->max_retry_wait_s);
                goto out;
            }
            sil_log_warn("GET %s: HTTP %ld; retrying in %.1fs", shown, status, wait);
            attempt++;
            if (nap(wait) < 0) {
                sil_err_set(err, SIL_EINTR, "interrupted");
                goto out;
            }
            continue;
        }
        if (status >= 300 && status < 400 && x.location) {
            char *next = resolve(cur, x.location);
            if (!next || !same_origin(h, next)) {
                char *ns = next ? sampler_url_redact(next, d->auth_param) : NULL;
                sil_err_set(err, SIL_EPOLICY, "GET %s: redirect to another host refused (%s)",
                            shown, ns ? ns : "an unusable Location");
                sil_err_hint(err, "the sampler never follows a redirect off the base URL's "
                                  "scheme, host and port; point base_url at the API's own host");
                free(ns);
                free(next);
                goto out;
            }
            if (++redirects > SAMPLER_HTTP_MAX_REDIRECTS) {
                free(next);
                sil_err_set(err, SIL_ENET, "GET %s: more than %d redirects", shown,
                            SAMPLER_HTTP_MAX_REDIRECTS);
                goto out;
            }
            free(cur);
            free(shown);
            cur = next;
            shown = shown_url(h, cur);
            continue;
        }
        if (status == 401 || status == 403) {
            sil_err_set(err, SIL_ENET, "GET %s: HTTP %ld: the API refused the credentials", shown,
                        status);
            sil_err_hint(err, "check the token or password the description's auth names");
            goto out;
        }
        if (status < 200 || status >= 300) {
            sil_err_set(err, SIL_ENET, "GET %s: HTTP %ld", shown, status);
            if (status == 404)
                sil_err_hint(err, "check base_url and the entity's path");
            goto out;
        }
        break;
    }
    memset(r, 0, sizeof *r);
    r->status = status;
    r->body = body;
    sil_buf_init(&body, 0);
    r->content_type = x.content_type;
    r->link_next = x.link_next;
    x.content_type = x.link_next = NULL;
    r->url = cur;
    cur = NULL;
    rc = 0;
out:
    xfer_reset(&x);
    if (body.data)
        sodium_memzero(body.data, body.len);
    sil_buf_release(&body);
    free(cur);
    free(shown);
    return rc;
}
