/* Checksums, paths and identities of a generator output's files. */
/* realpath(3) is an XSI function. */
#define _XOPEN_SOURCE 700

#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checksum.h"
#include "fileio.h"
#include "shape.h"
#include "signals.h"

struct vfile {
    const struct loader_file *f;
    char *path;
    struct loader_fileid id;
};

struct vstate {
    struct vfile *files;
    size_t n;
    atomic_size_t next;
    pthread_mutex_t mu;
    int failed;
    struct sil_err err;
};

static int hash_file(struct vfile *v, struct sil_err *err)
{
    int fd = open(v->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sil_err_set(err, SIL_EINPUT, "cannot open data file '%s': %s", v->f->path,
                           strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sil_err_set(err, SIL_EINPUT, "data file '%s' is not a regular file", v->f->path);
    }
    if ((int64_t)st.st_size != v->f->bytes) {
        close(fd);
        sil_err_set(err, SIL_EINPUT, "data file '%s' has %lld bytes, the manifest says %lld",
                    v->f->path, (long long)st.st_size, (long long)v->f->bytes);
        sil_err_hint(err, "the output was modified or truncated; generate it again");
        return -1;
    }
    struct sil_hasher h;
    sil_hasher_init(&h);
    size_t cap = 1 << 20;
    unsigned char *buf = sil_xmalloc(cap);
    for (;;) {
        if (sil_interrupted()) {
            free(buf);
            close(fd);
            return sil_err_set(err, SIL_EINTR, "interrupted");
        }
        ssize_t r = read(fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return sil_err_set(err, SIL_EIO, "cannot read data file '%s': %s", v->f->path,
                               strerror(e));
        }
        if (r == 0)
            break;
        sil_hasher_update(&h, buf, (size_t)r);
    }
    free(buf);
    char sum[SIL_CHECKSUM_SIZE];
    sil_hasher_final(&h, sum);
    /* the identity after reading: a file changed while hashed does not pass */
    struct stat st2;
    if (fstat(fd, &st2) < 0 || st2.st_size != st.st_size ||
        st2.st_mtim.tv_sec != st.st_mtim.tv_sec || st2.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
        close(fd);
        return sil_err_set(err, SIL_EINPUT, "data file '%s' changed while it was verified",
                           v->f->path);
    }
    close(fd);
    if (strcmp(sum, v->f->checksum) != 0) {
        sil_err_set(err, SIL_EINPUT, "data file '%s' does not match its checksum in the manifest",
                    v->f->path);
        sil_err_hint(err, "the output was modified after it was generated; do not load it");
        return -1;
    }
    v->id.dev = st.st_dev;
    v->id.ino = st.st_ino;
    v->id.size = st.st_size;
    v->id.mtime = st.st_mtim;
    return 0;
}

static void *verify_worker(void *arg)
{
    struct vstate *s = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->n)
            break;
        pthread_mutex_lock(&s->mu);
        int stop = s->failed;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        struct sil_err e;
        sil_err_clear(&e);
        if (hash_file(&s->files[i], &e) < 0) {
            pthread_mutex_lock(&s->mu);
            if (!s->failed) {
                s->failed = 1;
                s->err = e;
            }
            pthread_mutex_unlock(&s->mu);
            break;
        }
    }
    return NULL;
}

/* Is `path` (resolved) inside `dir` (resolved)? */
static int inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    return strncmp(dir, path, n) == 0 && path[n] == '/';
}

static int check_top_file(const char *out_dir, const char *name, const char *want, const char *what,
                          struct sil_err *err)
{
    char *path = sil_xasprintf("%s/%s", out_dir, name);
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        sil_err_set(err, SIL_EINPUT, "%s '%s' is missing or not a regular file", what, path);
        free(path);
        return -1;
    }
    char sum[SIL_CHECKSUM_SIZE];
    if (sil_checksum_file(path, sum, NULL, err) < 0) {
        free(path);
        return -1;
    }
    if (strcmp(sum, want) != 0) {
        sil_err_set(err, SIL_EINPUT, "%s '%s' does not match its checksum in the manifest", what,
                    path);
        sil_err_hint(err, "the output was modified after it was generated; do not load it");
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

char *loader_file_path(const struct loader_manifest *m, const struct loader_file *f)
{
    if (f->dir >= m->ndirs)
        SIL_BUG("data file of an unknown directory");
    return sil_xasprintf("%s/%s", m->dirs[f->dir], f->path);
}

int loader_verify_expiry(const struct loader_manifest *m, struct sil_err *err)
{
    if (!m->expires_at)
        return 0;
    char what[PATH_MAX + 64];
    snprintf(what, sizeof what, "the shape of output '%s'", m->dirs[0]);
    return sil_expiry_check(m->expires_at, what, err);
}

int loader_verify_output(const struct loader_manifest *m, int threads, struct loader_fileid **ids,
                         struct sil_err *err)
{
    if (loader_verify_expiry(m, err) < 0)
        return -1;
    if (m->ndirs == 0)
        SIL_BUG("manifest without a directory");
    char(*real_data)[PATH_MAX] = sil_xcalloc(m->ndirs, sizeof *real_data);
    for (size_t d = 0; d < m->ndirs; d++) {
        const char *out_dir = m->dirs[d];
        /* each shard has its own schema.sql (it names the shard's files) */
        const struct loader_manifest *md = m->merged ? m->shards[d] : m;
        if (check_top_file(out_dir, md->shape_file, md->shape_checksum, "shape", err) < 0 ||
            check_top_file(out_dir, md->schema_sql_file, md->schema_sql_checksum, "schema", err) <
                0) {
            free(real_data);
            return -1;
        }
        char *data_dir = sil_xasprintf("%s/data", out_dir);
        struct stat dst;
        if (lstat(data_dir, &dst) < 0 || !S_ISDIR(dst.st_mode) ||
            !realpath(data_dir, real_data[d])) {
            sil_err_set(err, SIL_EINPUT, "'%s' is missing or not a directory", data_dir);
            free(data_dir);
            free(real_data);
            return -1;
        }
        free(data_dir);
        for (size_t e = 0; e < d; e++)
            if (strcmp(real_data[e], real_data[d]) == 0) {
                sil_err_set(err, SIL_EINPUT, "'%s' and '%s' are the same directory", m->dirs[e],
                            m->dirs[d]);
                free(real_data);
                return -1;
            }
    }
    size_t n = 0;
    for (size_t t = 0; t < m->ntables; t++)
        n += m->tables[t].nfiles;
    struct vstate s;
    memset(&s, 0, sizeof s);
    s.files = sil_xcalloc(n ? n : 1, sizeof *s.files);
    s.n = n;
    atomic_init(&s.next, 0);
    pthread_mutex_init(&s.mu, NULL);
    size_t k = 0;
    int rc = 0;
    for (size_t t = 0; t < m->ntables && rc == 0; t++)
        for (size_t f = 0; f < m->tables[t].nfiles && rc == 0; f++, k++) {
            struct vfile *v = &s.files[k];
            v->f = &m->tables[t].files[f];
            v->path = loader_file_path(m, v->f);
            const char *real_data_f = real_data[v->f->dir];
            /* no symbolic link anywhere on the way: the resolved parent must be data/... */
            char *dir = sil_dirname(v->path);
            char real_dir[PATH_MAX];
            struct stat lst;
            if (!realpath(dir, real_dir) ||
                (strcmp(real_dir, real_data_f) != 0 && !inside(real_data_f, real_dir))) {
                rc = sil_err_set(err, SIL_EINPUT,
                                 "data file '%s' is not inside the output's data directory",
                                 v->f->path);
            } else if (lstat(v->path, &lst) < 0) {
                rc = sil_err_set(err, SIL_EINPUT, "data file '%s' is missing: %s", v->f->path,
                                 strerror(errno));
            } else if (!S_ISREG(lst.st_mode)) {
                rc = sil_err_set(err, SIL_EINPUT,
                                 "data file '%s' is not a regular file (symbolic links are "
                                 "refused)",
                                 v->f->path);
            }
            free(dir);
        }
    if (rc == 0 && n) {
        int nt = threads < 1 ? 1 : threads;
        if ((size_t)nt > n)
            nt = (int)n;
        pthread_t *th = sil_xcalloc((size_t)nt, sizeof *th);
        for (int i = 0; i < nt; i++)
            if (pthread_create(&th[i], NULL, verify_worker, &s) != 0)
                SIL_BUG("cannot start a verification thread");
        for (int i = 0; i < nt; i++)
            pthread_join(th[i], NULL);
        free(th);
        if (s.failed) {
            *err = s.err;
            rc = -1;
        }
    }
    if (rc == 0) {
        *ids = sil_xcalloc(n ? n : 1, sizeof **ids);
        for (size_t i = 0; i < n; i++)
            (*ids)[i] = s.files[i].id;
    }
    for (size_t i = 0; i < n; i++)
        free(s.files[i].path);
    free(s.files);
    free(real_data);
    pthread_mutex_destroy(&s.mu);
    return rc;
}

int loader_open_verified(const char *path, const struct loader_fileid *id, struct sil_err *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sil_err_set(err, SIL_EINPUT, "cannot open data file '%s': %s", path,
                           strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_dev != id->dev || st.st_ino != id->ino ||
        st.st_size != id->size || st.st_mtim.tv_sec != id->mtime.tv_sec ||
        st.st_mtim.tv_nsec != id->mtime.tv_nsec) {
        close(fd);
        return sil_err_set(err, SIL_EINPUT, "data file '%s' changed after it was verified", path);
    }
    return fd;
}
