/* Whole-file reads, atomic writes and directory helpers. */
#define _XOPEN_SOURCE 700
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signals.h"

int sil_read_file(const char *path, size_t max_bytes, char **data, size_t *len, struct sil_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sil_err_set(err, errno == ENOENT ? SIL_EINPUT : SIL_EIO, "cannot open: %s",
                    strerror(errno));
        sil_err_file(err, path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        sil_err_set(err, SIL_EINPUT, "not a regular file");
        sil_err_file(err, path);
        return -1;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        sil_err_set(err, SIL_EINPUT, "file is %lld bytes, more than the limit of %zu",
                    (long long)st.st_size, max_bytes);
        sil_err_file(err, path);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = sil_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max_bytes) {
                free(buf);
                close(fd);
                sil_err_set(err, SIL_EINPUT, "file grew past the limit of %zu bytes", max_bytes);
                sil_err_file(err, path);
                return -1;
            }
            cap *= 2;
            buf = sil_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            sil_err_set(err, SIL_EIO, "read failed: %s", strerror(e));
            sil_err_file(err, path);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

struct sil_afile {
    FILE *fp;
    char *path;
    char *tmp;
    int mode;
};

char *sil_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return sil_xstrdup(".");
    if (slash == path)
        return sil_xstrdup("/");
    return sil_xstrndup(path, (size_t)(slash - path));
}

struct sil_afile *sil_afile_open(const char *path, int mode, struct sil_err *err)
{
    const char *base = strrchr(path, '/');
    char *dir = sil_dirname(path);
    base = base ? base + 1 : path;
    char *tmp = sil_xasprintf("%s/.%s.tmp-XXXXXX", dir, base);
    free(dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        sil_err_set(err, SIL_EIO, "cannot create a temp file next to it: %s", strerror(errno));
        sil_err_file(err, path);
        free(tmp);
        return NULL;
    }
    sil_cleanup_add(tmp);
    FILE *fp = fdopen(fd, "w");
    if (!fp)
        SIL_BUG("fdopen failed: %s", strerror(errno));
    struct sil_afile *f = sil_xcalloc(1, sizeof *f);
    f->fp = fp;
    f->path = sil_xstrdup(path);
    f->tmp = tmp;
    f->mode = mode;
    return f;
}

FILE *sil_afile_stream(struct sil_afile *f)
{
    return f->fp;
}

const char *sil_afile_temp_path(const struct sil_afile *f)
{
    return f->tmp;
}

static void afile_free(struct sil_afile *f)
{
    sil_cleanup_remove(f->tmp);
    free(f->path);
    free(f->tmp);
    free(f);
}

void sil_afile_abort(struct sil_afile *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    unlink(f->tmp);
    afile_free(f);
}

int sil_afile_commit(struct sil_afile *f, struct sil_err *err)
{
    int fd = fileno(f->fp);
    const char *what = NULL;
    int e = 0;
    if (ferror(f->fp) || fflush(f->fp) != 0)
        what = "write failed", e = errno ? errno : EIO;
    else if (fchmod(fd, (mode_t)f->mode) != 0)
        what = "chmod failed", e = errno;
    else if (fsync(fd) != 0)
        what = "fsync failed", e = errno;
    if (fclose(f->fp) != 0 && !what)
        what = "close failed", e = errno;
    f->fp = NULL;
    if (!what && rename(f->tmp, f->path) != 0)
        what = "rename failed", e = errno;
    if (what) {
        sil_err_set(err, SIL_EIO, "%s: %s", what, strerror(e));
        if (e == ENOSPC)
            sil_err_hint(err, "the disk is full; free space and run again");
        sil_err_file(err, f->path);
        sil_afile_abort(f);
        return -1;
    }
    char *dir = sil_dirname(f->path);
    int r = sil_fsync_dir(dir, err);
    free(dir);
    afile_free(f);
    return r;
}

int sil_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                          struct sil_err *err)
{
    struct sil_afile *f = sil_afile_open(path, mode, err);
    if (!f)
        return -1;
    if (len && fwrite(data, 1, len, f->fp) != len) {
        int e = errno;
        sil_afile_abort(f);
        sil_err_set(err, SIL_EIO, "write failed: %s", strerror(e));
        if (e == ENOSPC)
            sil_err_hint(err, "the disk is full; free space and run again");
        sil_err_file(err, path);
        return -1;
    }
    return sil_afile_commit(f, err);
}

int sil_fsync_dir(const char *dir, struct sil_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        sil_err_set(err, SIL_EIO, "cannot sync directory: %s", strerror(e));
        sil_err_file(err, dir);
        return -1;
    }
    close(fd);
    return 0;
}

int sil_mkdirs(const char *path, int mode, struct sil_err *err)
{
    char *p = sil_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                sil_err_set(err, SIL_EIO, "cannot create directory: %s", strerror(errno));
                sil_err_file(err, p);
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    if (!sil_is_dir(path)) {
        sil_err_set(err, SIL_EIO, "exists and is not a directory");
        sil_err_file(err, path);
        return -1;
    }
    return 0;
}

static int rm_one(const char *fpath, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(fpath) : unlink(fpath)) != 0 && errno != ENOENT ? -1 : 0;
}

int sil_remove_tree(const char *path, struct sil_err *err)
{
    if (!path[0] || strcmp(path, "/") == 0)
        SIL_BUG("refusing to remove '%s'", path);
    if (!sil_path_exists(path))
        return 0;
    if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        sil_err_set(err, SIL_EIO, "cannot remove: %s", strerror(errno));
        sil_err_file(err, path);
        return -1;
    }
    return 0;
}

int sil_path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int sil_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
