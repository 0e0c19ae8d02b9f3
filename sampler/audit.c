/* JSON Lines audit log of every statement sent to the server. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"

struct sampler_audit {
    int fd;
    char *path;
    int64_t count;
};

struct sampler_audit *sampler_audit_open(const char *path, struct sil_err *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        sil_err_set(err, SIL_EIO, "cannot open the audit log: %s", strerror(errno));
        sil_err_file(err, path);
        return NULL;
    }
    struct sampler_audit *a = sil_xcalloc(1, sizeof *a);
    a->fd = fd;
    a->path = sil_xstrdup(path);
    return a;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_line(struct sampler_audit *a, cJSON *o, struct sil_err *err)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_json_write_compact(o, &b);
    cJSON_Delete(o);
    /* The compact writer ends without a newline; one line per entry. */
    while (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    sil_buf_addc(&b, '\n');
    int rc = write_all(a->fd, b.data, b.len);
    sil_buf_release(&b);
    if (rc < 0) {
        sil_err_set(err, SIL_EIO, "cannot write the audit log: %s", strerror(errno));
        sil_err_file(err, a->path);
        return -1;
    }
    a->count++;
    return 0;
}

int sampler_audit_statement(struct sampler_audit *a, const char *sql, double seconds, int64_t rows,
                            const char *error, struct sil_err *err)
{
    char now[21];
    sil_utc_now(now);
    cJSON *o = sil_jnew_object();
    sil_jadd_str(o, "time", now);
    sil_jadd_str(o, "statement", sql);
    /* Microsecond resolution is plenty and keeps lines short. */
    sil_jadd_num(o, "duration_ms", (double)(int64_t)(seconds * 1e6) / 1e3);
    if (rows >= 0)
        sil_jadd_num(o, "rows", (double)rows);
    if (error)
        sil_jadd_str(o, "error", error);
    return write_line(a, o, err);
}

int sampler_audit_request(struct sampler_audit *a, const char *method, const char *url, long status,
                          int64_t bytes, double seconds, const char *error, struct sil_err *err)
{
    char now[21];
    sil_utc_now(now);
    cJSON *o = sil_jnew_object();
    sil_jadd_str(o, "time", now);
    sil_jadd_str(o, "method", method);
    sil_jadd_str(o, "url", url);
    if (status > 0)
        sil_jadd_num(o, "status", (double)status);
    sil_jadd_num(o, "bytes", (double)bytes);
    sil_jadd_num(o, "duration_ms", (double)(int64_t)(seconds * 1e6) / 1e3);
    if (error)
        sil_jadd_str(o, "error", error);
    return write_line(a, o, err);
}

int64_t sampler_audit_count(const struct sampler_audit *a)
{
    return a->count;
}

static void audit_free(struct sampler_audit *a)
{
    if (a->fd >= 0)
        close(a->fd);
    free(a->path);
    free(a);
}

int sampler_audit_close(struct sampler_audit *a, char sum[SIL_CHECKSUM_SIZE], struct sil_err *err)
{
    if (fsync(a->fd) < 0 && errno != EINVAL) {
        sil_err_set(err, SIL_EIO, "cannot sync the audit log: %s", strerror(errno));
        sil_err_file(err, a->path);
        audit_free(a);
        return -1;
    }
    close(a->fd);
    a->fd = -1;
    int rc = sil_checksum_file(a->path, sum, NULL, err);
    audit_free(a);
    return rc;
}

void sampler_audit_abandon(struct sampler_audit *a)
{
    if (a)
        audit_free(a);
}
