/* Scanning inputs for validate-no-pii: files, directories, stdin; shape or generic text. */
#include "vscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "signals.h"
#include "sil.h"

void vreport_init(struct vreport *r)
{
    memset(r, 0, sizeof *r);
}

void vreport_release(struct vreport *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct vfinding *f = &r->v[i];
        free(f->file);
        free(f->path);
        free(f->rule);
        free(f->masked);
        free(f->message);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

struct ctx {
    const struct vscan_opts *o;
    struct vreport *rep;
    const struct sil_rules *rules;
    const char *file;
    int line;
    size_t line_start; /* offset of the line in the file */
    size_t found;      /* in this file */
};

static int full(const struct ctx *c)
{
    return c->o->max_findings && c->rep->n >= c->o->max_findings;
}

/* Record a finding unless the allowlist covers it; nonzero = stop scanning. */
static int record(struct ctx *c, const struct sil_finding *f)
{
    if (f->fictional && !(c->o->flags & SIL_SCAN_STRICT))
        return 0;
    if (allowlist_covers(c->o->allow, c->file, f->path, f->rule, f->value_hash)) {
        c->rep->allowed++;
        return 0;
    }
    if (full(c)) {
        c->rep->truncated = 1;
        return 1;
    }
    struct vreport *r = c->rep;
    r->v = sil_xgrow(r->v, sizeof *r->v, r->n + 1, &r->cap);
    struct vfinding *v = &r->v[r->n++];
    memset(v, 0, sizeof *v);
    v->file = sil_xstrdup(c->file);
    v->path = sil_xstrdup(f->path);
    v->line = f->line;
    v->column = f->column;
    v->rule = sil_xstrdup(f->rule);
    v->kind = f->kind;
    v->severity = f->severity;
    v->masked = sil_xstrdup(f->masked);
    v->message = sil_xstrdup(f->message);
    memcpy(v->value_hash, f->value_hash, sizeof v->value_hash);
    v->decoded = f->decoded;
    c->found++;
    return 0;
}

static int shape_cb(void *ctx, const struct sil_finding *f)
{
    return record(ctx, f);
}

static int text_cb(void *ctx, const struct sil_match *m)
{
    struct ctx *c = ctx;
    const struct sil_rule_info *ri = sil_rules_get(c->rules, m->rule);
    struct sil_finding f;
    char masked[256];
    memset(&f, 0, sizeof f);
    sil_rules_mask(c->rules, m->rule, m->value, m->value_len, masked, sizeof masked);
    f.rule = ri->id;
    f.kind = ri->kind;
    f.severity = ri->severity;
    f.path = "";
    f.line = (int)SIL_MIN(m->line, (size_t)INT32_MAX);
    f.column = (int)SIL_MIN(m->start + 1, (size_t)INT32_MAX);
    f.masked = masked;
    f.message = ri->description;
    f.decoded = m->decoded;
    f.fictional = m->fictional;
    sil_checksum(m->value, m->value_len, f.value_hash);
    return record(c, &f) || full(c);
}

/* Lines are handed to the scanner in slices of about this size, to notice an interrupt. */
#define SLICE ((size_t)8 << 20)

static void scan_generic(struct sil_rscan *sc, struct ctx *c, const char *data, size_t len)
{
    unsigned flags = c->o->flags & SIL_SCAN_STRICT;
    size_t p = 0, line = 1;
    while (p < len) {
        size_t end = len;
        if (len - p > SLICE) {
            const char *nl = memchr(data + p + SLICE, '\n', len - p - SLICE);
            end = nl ? (size_t)(nl - data) + 1 : len;
        }
        sil_rscan_lines(sc, data + p, end - p, &line, flags, text_cb, c);
        if (full(c))
            c->rep->truncated = 1;
        if (c->rep->truncated || sil_interrupted())
            return;
        p = end;
    }
}

static void scan_buffer(struct sil_rscan *sc, const struct vscan_opts *o, struct vreport *rep,
                        const char *name, const char *data, size_t len)
{
    struct ctx c = {o, rep, sil_rscan_rules(sc), name, 0, 0, 0};
    int shape =
        o->mode == VSCAN_SHAPE || (o->mode == VSCAN_AUTO && sil_shapescan_is_shape(data, len));
    rep->files++;
    rep->bytes += len;
    if (shape) {
        if (len > SIL_SHAPE_MAX_BYTES) {
            sil_log_error("cannot read shape '%s': larger than %zu MiB", name,
                          (size_t)(SIL_SHAPE_MAX_BYTES >> 20));
            rep->input_errors++;
            return;
        }
        char *copy = sil_xmalloc(len + 1);
        memcpy(copy, data, len);
        copy[len] = '\0';
        struct sil_err err;
        sil_err_clear(&err);
        long r = sil_shapescan_buffer(sc, copy, len, name, o->flags, shape_cb, &c, &err);
        free(copy);
        if (r == -2) {
            sil_log_err(&err, "cannot read shape");
            rep->input_errors++;
            return;
        }
    } else {
        scan_generic(sc, &c, data, len);
    }
    if (c.found)
        rep->files_with_findings++;
}

static void scan_file(struct sil_rscan *sc, const struct vscan_opts *o, struct vreport *rep,
                      const char *path)
{
    if (strcmp(path, "-") == 0) {
        struct sil_buf b;
        char chunk[65536];
        size_t k;
        sil_buf_init(&b, 0);
        while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            sil_buf_add(&b, chunk, k);
        if (ferror(stdin)) {
            sil_log_error("cannot read standard input: %s", strerror(errno));
            rep->input_errors++;
        } else {
            scan_buffer(sc, o, rep, "(stdin)", b.data ? b.data : "", b.len);
        }
        sil_buf_release(&b);
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        sil_log_error("cannot read '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        rep->input_errors++;
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        sil_log_error("cannot read '%s': not a regular file", path);
        close(fd);
        rep->input_errors++;
        return;
    }
    size_t len = (size_t)st.st_size;
    if (len == 0) {
        close(fd);
        scan_buffer(sc, o, rep, path, "", 0);
        return;
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        sil_log_error("cannot read '%s': %s", path, strerror(errno));
        rep->input_errors++;
        return;
    }
    posix_madvise(map, len, POSIX_MADV_SEQUENTIAL);
    scan_buffer(sc, o, rep, path, map, len);
    munmap(map, len);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_path(struct sil_rscan *sc, const struct vscan_opts *o, struct vreport *rep,
                      const char *path, int depth)
{
    struct stat st;
    if (rep->truncated || sil_interrupted())
        return;
    if (strcmp(path, "-") != 0 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (depth > 64) {
            sil_log_error("cannot scan '%s': directories nested too deep", path);
            rep->input_errors++;
            return;
        }
        DIR *d = opendir(path);
        if (!d) {
            sil_log_error("cannot read directory '%s': %s", path, strerror(errno));
            rep->input_errors++;
            return;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
                strcmp(e->d_name, ".git") == 0 || strcmp(e->d_name, ".hg") == 0 ||
                strcmp(e->d_name, ".svn") == 0)
                continue;
            names = sil_xgrow(names, sizeof *names, n + 1, &cap);
            names[n++] = sil_xasprintf("%s/%s", path, e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, name_cmp);
        for (size_t i = 0; i < n; i++) {
            struct stat est;
            if (lstat(names[i], &est) == 0 && (S_ISDIR(est.st_mode) || S_ISREG(est.st_mode)))
                scan_path(sc, o, rep, names[i], depth + 1);
            else
                sil_log_verbose("skipping '%s': not a regular file or directory", names[i]);
            free(names[i]);
        }
        free(names);
        return;
    }
    scan_file(sc, o, rep, path);
}

void vscan_paths(struct sil_rscan *sc, const struct vscan_opts *o, char *const *paths,
                 size_t npaths, struct vreport *rep)
{
    for (size_t i = 0; i < npaths; i++)
        scan_path(sc, o, rep, paths[i], 0);
}
