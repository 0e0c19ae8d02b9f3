/* Data files, schema.sql and the rendering of rows in each output format. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "buf.h"
#include "checksum.h"
#include "constraints.h"
#include "expr.h"
#include "log.h"
#include "signals.h"

const char *gen_format_name(enum gen_format f)
{
    static const char *const n[] = {"copy", "csv", "jsonl", "sql"};
    return (unsigned)f < 4 ? n[f] : "copy";
}

/* ---- render buffer ---- */

static inline void rb_reserve(struct gen_rbuf *b, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n)
            cap *= 2;
        b->p = sil_xrealloc(b->p, cap);
        b->cap = cap;
    }
}

static inline void rb_add(struct gen_rbuf *b, const char *s, size_t n)
{
    rb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void rb_c(struct gen_rbuf *b, char c)
{
    rb_reserve(b, 1);
    b->p[b->len++] = c;
}

static void rb_copy_escaped(struct gen_rbuf *b, const char *s, size_t n)
{
    rb_reserve(b, 2 * n);
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            break;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        default:
            *o++ = c;
        }
    }
    b->len = (size_t)(o - b->p);
}

static void rb_csv(struct gen_rbuf *b, const char *s, size_t n)
{
    int q = n == 0;
    for (size_t i = 0; i < n && !q; i++)
        q = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!q) {
        rb_add(b, s, n);
        return;
    }
    rb_reserve(b, 2 * n + 2);
    b->p[b->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            b->p[b->len++] = '"';
        b->p[b->len++] = s[i];
    }
    b->p[b->len++] = '"';
}

static void rb_json_str(struct gen_rbuf *b, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    rb_reserve(b, 6 * n + 2);
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hx[c >> 4];
            *o++ = hx[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

static void rb_sql_str(struct gen_rbuf *b, const char *s, size_t n)
{
    rb_reserve(b, 2 * n + 2);
    b->p[b->len++] = '\'';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            b->p[b->len++] = '\'';
        b->p[b->len++] = s[i];
    }
    b->p[b->len++] = '\'';
}

static void rb_ident(struct gen_rbuf *b, const char *s)
{
    rb_c(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            rb_c(b, '"');
        rb_c(b, *s);
    }
    rb_c(b, '"');
}

/* ---- rows ---- */

static int has_always_identity(const struct gen_table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!t->cols[i].skip && t->cols[i].col->identity == SIL_IDENTITY_ALWAYS)
            return 1;
    return 0;
}

static void sql_insert_head(const struct gen_table *t, struct gen_rbuf *b, int qualify)
{
    rb_add(b, "INSERT INTO ", 12);
    if (qualify) {
        rb_ident(b, t->t->schema);
        rb_c(b, '.');
    }
    rb_ident(b, t->t->name);
    rb_add(b, " (", 2);
    int first = 1;
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].skip)
            continue;
        if (!first)
            rb_add(b, ", ", 2);
        rb_ident(b, t->cols[i].col->name);
        first = 0;
    }
    rb_c(b, ')');
    if (has_always_identity(t))
        rb_add(b, " OVERRIDING SYSTEM VALUE", 24);
    rb_add(b, " VALUES\n", 8);
}

/* Whether schema.sql and INSERTs must qualify table names: only when two
 * tables share a name across schemas. */
static int needs_qualify(const struct gen_plan *p)
{
    for (size_t i = 0; i < p->ntables; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->tables[i].t->name, p->tables[j].t->name) == 0)
                return 1;
    return 0;
}

/* Per-thread state for evaluating checks on rendered rows. */
struct rowcheck {
    char **bufs;
    const char **vals;
    size_t ncols;
};

static void rowcheck_init(struct rowcheck *rc, const struct gen_table *t)
{
    rc->ncols = t->ncols;
    rc->bufs = sil_xcalloc(t->ncols + 1, sizeof *rc->bufs);
    rc->vals = sil_xcalloc(t->ncols + 1, sizeof *rc->vals);
    for (size_t i = 0; i < t->ncols; i++)
        rc->bufs[i] = sil_xmalloc(GEN_VAL_MAX + 1);
}

static void rowcheck_release(struct rowcheck *rc)
{
    for (size_t i = 0; i < rc->ncols; i++)
        free(rc->bufs[i]);
    free(rc->bufs);
    free(rc->vals);
}

/* Render rows; with rc, evaluate the table's unshaped checks on each row and
 * stop at the first that fails (-1, err set). */
static int render_rows(const struct gen_plan *p, const struct gen_table *t, enum gen_format f,
                       int64_t first, int64_t count, struct gen_cursor *cur, struct gen_val *v,
                       struct gen_rbuf *b, struct rowcheck *rc, struct sil_err *err)
{
    int qualify = f == GEN_FMT_SQL && needs_qualify(p);
    for (int64_t row = first; row < first + count; row++) {
        if (f == GEN_FMT_SQL) {
            /* Statements start on absolute multiples of GEN_SQL_ROWS; blocks,
             * chunks and shards all start there too. */
            if (row % GEN_SQL_ROWS == 0)
                sql_insert_head(t, b, qualify);
            rb_c(b, '(');
        } else if (f == GEN_FMT_JSONL) {
            rb_c(b, '{');
        }
        int firstcol = 1;
        for (size_t i = 0; i < t->ncols; i++) {
            const struct gen_col *c = &t->cols[i];
            if (c->skip)
                continue;
            gen_value(p, t, c, row, cur, v);
            if (rc) {
                if (v->type == GV_NULL) {
                    rc->vals[i] = NULL;
                } else {
                    memcpy(rc->bufs[i], v->s, v->len);
                    rc->bufs[i][v->len] = '\0';
                    rc->vals[i] = rc->bufs[i];
                }
            }
            switch (f) {
            case GEN_FMT_COPY:
                if (!firstcol)
                    rb_c(b, '\t');
                if (v->type == GV_NULL)
                    rb_add(b, "\\N", 2);
                else if (v->type == GV_STR)
                    rb_copy_escaped(b, v->s, v->len);
                else
                    rb_add(b, v->s, v->len);
                break;
            case GEN_FMT_CSV:
                if (!firstcol)
                    rb_c(b, ',');
                if (v->type == GV_STR)
                    rb_csv(b, v->s, v->len);
                else if (v->type != GV_NULL)
                    rb_add(b, v->s, v->len);
                break;
            case GEN_FMT_JSONL:
                if (!firstcol)
                    rb_add(b, ", ", 2);
                rb_json_str(b, c->col->name, strlen(c->col->name));
                rb_add(b, ": ", 2);
                if (v->type == GV_NULL)
                    rb_add(b, "null", 4);
                else if (v->type == GV_BOOL)
                    rb_add(b, v->s[0] == 't' ? "true" : "false", v->s[0] == 't' ? 4 : 5);
                else if (v->type == GV_NUM)
                    rb_add(b, v->s, v->len);
                else
                    rb_json_str(b, v->s, v->len);
                break;
            case GEN_FMT_SQL:
                if (!firstcol)
                    rb_add(b, ", ", 2);
                if (v->type == GV_NULL)
                    rb_add(b, "NULL", 4);
                else if (v->type == GV_BOOL)
                    rb_add(b, v->s[0] == 't' ? "TRUE" : "FALSE", v->s[0] == 't' ? 4 : 5);
                else if (v->type == GV_NUM)
                    rb_add(b, v->s, v->len);
                else
                    rb_sql_str(b, v->s, v->len);
                break;
            }
            firstcol = 0;
        }
        if (f == GEN_FMT_SQL) {
            int last = (row + 1) % GEN_SQL_ROWS == 0 || row + 1 == t->rows;
            rb_add(b, last ? ");\n" : "),\n", 3);
        } else if (f == GEN_FMT_JSONL) {
            rb_add(b, "}\n", 2);
        } else {
            rb_c(b, '\n');
        }
        if (rc && gen_check_row(p, t, row, rc->vals, 0, err) < 0)
            return -1;
    }
    return 0;
}

void gen_render_rows(const struct gen_plan *p, const struct gen_table *t, enum gen_format f,
                     int64_t first, int64_t count, struct gen_cursor *cur, struct gen_val *v,
                     struct gen_rbuf *b)
{
    (void)render_rows(p, t, f, first, count, cur, v, b, NULL, NULL);
}

static void csv_header(const struct gen_table *t, struct gen_rbuf *b)
{
    int first = 1;
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->cols[i].skip)
            continue;
        if (!first)
            rb_c(b, ',');
        rb_csv(b, t->cols[i].col->name, strlen(t->cols[i].col->name));
        first = 0;
    }
    rb_c(b, '\n');
}

/* ---- file names ---- */

static void sanitize(const char *s, char *out, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hx[c >> 4];
            out[o++] = hx[c & 15];
        }
    }
    out[o] = '\0';
}

void gen_data_name(const struct sil_table *t, int64_t chunk, const struct gen_out_opts *o,
                   char *out, size_t n)
{
    static const char *const ext[] = {"copy", "csv", "jsonl", "sql"};
    char s[200], tn[200];
    sanitize(t->schema, s, sizeof s);
    sanitize(t->name, tn, sizeof tn);
    if (chunk >= 0)
        snprintf(out, n, "%s.%s.%03lld.%s%s", s, tn, (long long)chunk, ext[o->format],
                 o->compress ? ".zst" : "");
    else
        snprintf(out, n, "%s.%s.%s%s", s, tn, ext[o->format], o->compress ? ".zst" : "");
}

/* ---- the file writer ---- */

struct fwriter {
    int fd;
    char path[4200];
    ZSTD_CCtx *zc;
    char *zbuf;
    size_t zcap;
    struct sil_hasher h;
    uint64_t bytes;
};

static int fw_raw(struct fwriter *w, const char *data, size_t n, struct sil_err *err)
{
    sil_hasher_update(&w->h, data, n);
    w->bytes += n;
    while (n > 0) {
        ssize_t k = write(w->fd, data, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            sil_err_set(err, SIL_EIO, "cannot write '%s': %s", w->path, strerror(e));
            if (e == ENOSPC || e == EDQUOT)
                sil_err_hint(err, "the disk is full: free space or write elsewhere; nothing "
                                  "was left behind");
            return -1;
        }
        data += k;
        n -= (size_t)k;
    }
    return 0;
}

static int fw_write(struct fwriter *w, const char *data, size_t n, int end, struct sil_err *err)
{
    if (!w->zc)
        return fw_raw(w, data, n, err);
    ZSTD_inBuffer in = {data, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {w->zbuf, w->zcap, 0};
        size_t rem = ZSTD_compressStream2(w->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(rem)) {
            sil_err_set(err, SIL_EIO, "cannot compress '%s': %s", w->path, ZSTD_getErrorName(rem));
            return -1;
        }
        if (out.pos && fw_raw(w, w->zbuf, out.pos, err) < 0)
            return -1;
        if (end ? rem == 0 : in.pos == in.size)
            return 0;
    }
}

static int fw_open(struct fwriter *w, const char *path, const struct gen_out_opts *o,
                   struct sil_err *err)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s", path);
    w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return sil_err_set(err, SIL_EIO, "cannot create '%s': %s", path, strerror(errno));
    sil_hasher_init(&w->h);
    if (o->compress) {
        w->zc = ZSTD_createCCtx();
        if (!w->zc)
            SIL_BUG("out of memory creating a zstd context");
        ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, o->level);
        ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
        w->zcap = ZSTD_CStreamOutSize();
        w->zbuf = sil_xmalloc(w->zcap);
    }
    return 0;
}

static int fw_close(struct fwriter *w, struct gen_file *f, struct sil_err *err)
{
    int rc = 0;
    if (w->zc)
        rc = fw_write(w, "", 0, 1, err);
    if (rc == 0 && fsync(w->fd) < 0)
        rc = sil_err_set(err, SIL_EIO, "cannot write '%s': %s", w->path, strerror(errno));
    if (close(w->fd) < 0 && rc == 0)
        rc = sil_err_set(err, SIL_EIO, "cannot write '%s': %s", w->path, strerror(errno));
    w->fd = -1;
    ZSTD_freeCCtx(w->zc);
    free(w->zbuf);
    w->zc = NULL;
    w->zbuf = NULL;
    if (rc == 0 && f) {
        sil_hasher_final(&w->h, f->checksum);
        f->bytes = w->bytes;
    }
    return rc;
}

static void fw_abort(struct fwriter *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    ZSTD_freeCCtx(w->zc);
    free(w->zbuf);
    w->zc = NULL;
    w->zbuf = NULL;
}

/* ---- parallel rendering ---- */

struct unit {
    int64_t first, count;
    size_t file;
    int file_start; /* first unit of its file */
};

struct slot {
    int64_t unit; /* -1 = free */
    int ready;
    struct gen_rbuf buf;
    int bad; /* a row failed a check: err says which */
    struct sil_err err;
};

struct job {
    const struct gen_plan *p;
    const struct gen_table *t;
    const struct gen_out_opts *o;
    struct unit *units;
    int64_t nunits;
    int64_t next;    /* next unit to claim */
    int64_t written; /* units written so far */
    int stop;
    size_t nslots;
    struct slot *slots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static int render_unit(struct job *j, const struct unit *u, struct gen_cursor *cur,
                       struct gen_val *v, struct gen_rbuf *b, struct rowcheck *rc,
                       struct sil_err *err)
{
    b->len = 0;
    if (j->o->format == GEN_FMT_CSV && u->file_start && u->first == 0 && j->t->holds_start)
        csv_header(j->t, b);
    return render_rows(j->p, j->t, j->o->format, u->first, u->count, cur, v, b,
                       j->t->check_rows ? rc : NULL, err);
}

static void *worker(void *arg)
{
    struct job *j = arg;
    struct gen_cursor *cur = gen_cursor_new(j->t);
    struct gen_val *v = sil_xmalloc(sizeof *v);
    struct gen_rbuf local = {0};
    struct rowcheck rc;
    rowcheck_init(&rc, j->t);
    for (;;) {
        pthread_mutex_lock(&j->mu);
        if (j->stop || j->next >= j->nunits) {
            pthread_mutex_unlock(&j->mu);
            break;
        }
        int64_t u = j->next++;
        struct slot *s = &j->slots[u % (int64_t)j->nslots];
        /* Wait until the writer has written the unit before this one in the slot. Waiting
         * for an empty slot is not enough: a worker that ran ahead with unit u + nslots
         * could take the slot first, and the writer, waiting for u there, would wait
         * forever. */
        while (!j->stop && (s->unit != -1 || j->written < u - (int64_t)j->nslots + 1))
            pthread_cond_wait(&j->cv, &j->mu);
        if (j->stop) {
            pthread_mutex_unlock(&j->mu);
            break;
        }
        s->unit = u;
        s->ready = 0;
        /* Take the slot's buffer to render outside the lock. */
        struct gen_rbuf b = s->buf;
        s->buf = local;
        pthread_mutex_unlock(&j->mu);
        struct sil_err e;
        sil_err_clear(&e);
        int bad = render_unit(j, &j->units[u], cur, v, &b, &rc, &e) < 0;
        pthread_mutex_lock(&j->mu);
        local = s->buf;
        s->buf = b;
        s->bad = bad;
        if (bad)
            s->err = e;
        s->ready = 1;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    free(local.p);
    free(v);
    rowcheck_release(&rc);
    gen_cursor_free(cur);
    return NULL;
}

static int write_table(const struct gen_plan *p, const struct gen_table *t,
                       const struct gen_out_opts *o, const char *dir, struct gen_table_files *tf,
                       struct sil_progress *prog, uint64_t *done_rows, struct sil_err *err)
{
    /* Files: one per table, or per chunk of absolute row ranges. */
    int64_t first = t->first, end = t->first + t->count;
    int64_t cr = o->chunk_rows;
    size_t nfiles = 1;
    if (cr > 0 && t->count > 0)
        nfiles = (size_t)((end - 1) / cr - first / cr + 1);
    tf->nfiles = nfiles;
    tf->files = sil_xcalloc(nfiles, sizeof *tf->files);
    /* Units never cross a file boundary nor a block boundary. */
    int64_t maxunits = t->count / GEN_BLOCK_ROWS + (int64_t)nfiles + 2;
    struct unit *units = sil_xcalloc((size_t)maxunits, sizeof *units);
    int64_t nunits = 0;
    for (size_t fi = 0; fi < nfiles; fi++) {
        int64_t fa = cr > 0 ? SIL_MAX(first, (first / cr + (int64_t)fi) * cr) : first;
        int64_t fb = cr > 0 ? SIL_MIN(end, (first / cr + (int64_t)fi + 1) * cr) : end;
        struct gen_file *gf = &tf->files[fi];
        char name[400];
        gen_data_name(t->t, cr > 0 ? first / cr + (int64_t)fi : -1, o, name, sizeof name);
        snprintf(gf->path, sizeof gf->path, "data/%s", name);
        gf->rows = fb - fa;
        int64_t r = fa;
        int startf = 1;
        do {
            int64_t n = SIL_MIN(GEN_BLOCK_ROWS - (r % GEN_BLOCK_ROWS), fb - r);
            units[nunits].first = r;
            units[nunits].count = n;
            units[nunits].file = fi;
            units[nunits].file_start = startf;
            nunits++;
            startf = 0;
            r += n;
        } while (r < fb);
    }
    struct job j;
    memset(&j, 0, sizeof j);
    j.p = p;
    j.t = t;
    j.o = o;
    j.units = units;
    j.nunits = nunits;
    int nth = o->threads > 1 && nunits > 1 ? o->threads : 0;
    j.nslots = nth ? (size_t)nth * 2 : 1;
    j.slots = sil_xcalloc(j.nslots, sizeof *j.slots);
    for (size_t i = 0; i < j.nslots; i++)
        j.slots[i].unit = -1;
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    pthread_t *th = nth ? sil_xcalloc((size_t)nth, sizeof *th) : NULL;
    int started = 0;
    for (int i = 0; i < nth; i++) {
        if (pthread_create(&th[i], NULL, worker, &j) != 0)
            break;
        started++;
    }
    struct gen_cursor *cur = started ? NULL : gen_cursor_new(t);
    struct gen_val *v = started ? NULL : sil_xmalloc(sizeof *v);
    struct rowcheck rck;
    memset(&rck, 0, sizeof rck);
    if (!started)
        rowcheck_init(&rck, t);
    struct fwriter w;
    memset(&w, 0, sizeof w);
    w.fd = -1;
    int rc = 0;
    double t0 = sil_now();
    uint64_t bytes = 0;
    size_t open_file = (size_t)-1;
    for (int64_t u = 0; u < nunits && rc == 0; u++) {
        const struct unit *un = &units[u];
        if (un->file != open_file) {
            if (open_file != (size_t)-1 && fw_close(&w, &tf->files[open_file], err) < 0) {
                rc = -1;
                break;
            }
            char full[4200];
            snprintf(full, sizeof full, "%s/%s", dir, tf->files[un->file].path);
            if (fw_open(&w, full, o, err) < 0) {
                rc = -1;
                break;
            }
            open_file = un->file;
        }
        struct gen_rbuf *b;
        struct slot *s = &j.slots[u % (int64_t)j.nslots];
        if (started) {
            pthread_mutex_lock(&j.mu);
            while (!(s->unit == u && s->ready))
                pthread_cond_wait(&j.cv, &j.mu);
            pthread_mutex_unlock(&j.mu);
            b = &s->buf;
        } else {
            s->bad = render_unit(&j, un, cur, v, &s->buf, &rck, &s->err) < 0;
            b = &s->buf;
        }
        bytes += b->len;
        if (s->bad) {
            *err = s->err;
            rc = -1;
        } else if (fw_write(&w, b->p, b->len, 0, err) < 0) {
            rc = -1;
        }
        if (started) {
            pthread_mutex_lock(&j.mu);
            s->unit = -1;
            s->ready = 0;
            j.written = u + 1;
            pthread_cond_broadcast(&j.cv);
            pthread_mutex_unlock(&j.mu);
        }
        *done_rows += (uint64_t)un->count;
        sil_progress_update(prog, *done_rows);
        if (rc == 0 && sil_interrupted())
            rc = sil_err_set(err, SIL_EINTR, "interrupted");
    }
    if (rc == 0 && open_file != (size_t)-1 && fw_close(&w, &tf->files[open_file], err) < 0)
        rc = -1;
    if (rc == 0) {
        double dt = sil_now() - t0;
        if (dt <= 0)
            dt = 1e-9;
        sil_log_verbose("%s.%s: %lld rows, %.1f MB in %.2f s (%.0f rows/s, %.1f MB/s)",
                        t->t->schema, t->t->name, (long long)t->count, (double)bytes / 1e6, dt,
                        (double)t->count / dt, (double)bytes / 1e6 / dt);
    }
    if (rc != 0)
        fw_abort(&w);
    if (started) {
        pthread_mutex_lock(&j.mu);
        j.stop = 1;
        pthread_cond_broadcast(&j.cv);
        pthread_mutex_unlock(&j.mu);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
    }
    free(th);
    for (size_t i = 0; i < j.nslots; i++)
        free(j.slots[i].buf.p);
    free(j.slots);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    if (!started)
        rowcheck_release(&rck);
    gen_cursor_free(cur);
    free(v);
    free(units);
    return rc;
}

int gen_write_data(const struct gen_plan *p, const struct gen_out_opts *o, const char *dir,
                   struct gen_table_files *files, struct sil_err *err)
{
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < p->ntables; i++)
        if (p->tables[i].generate)
            total += (uint64_t)p->tables[i].count;
    struct sil_progress prog;
    memset(&prog, 0, sizeof prog);
    if (o->progress)
        sil_progress_start(&prog, "rows", total);
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *t = &p->tables[p->order[oi]];
        if (!t->generate)
            continue;
        if (write_table(p, t, o, dir, &files[p->order[oi]], &prog, &done, err) < 0)
            return -1;
    }
    if (o->progress)
        sil_progress_end(&prog, done);
    return 0;
}

/* ---- schema.sql ---- */

/* A parsed expression as SQL: identifiers quoted, literals re-escaped. */
static void b_expr(struct sil_buf *b, const struct sil_expr *e, const char *type_schema)
{
    sil_expr_render(e, type_schema, b);
}

static void b_ident(struct sil_buf *b, const char *s)
{
    char *q = sil_ident_quote(s);
    sil_buf_adds(b, q);
    free(q);
}

static void b_table(struct sil_buf *b, const struct sil_table *t, int qualify)
{
    if (qualify) {
        b_ident(b, t->schema);
        sil_buf_addc(b, '.');
    }
    b_ident(b, t->name);
}

static void b_cols(struct sil_buf *b, size_t n, const char **cols)
{
    sil_buf_addc(b, '(');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sil_buf_adds(b, ", ");
        b_ident(b, cols[i]);
    }
    sil_buf_addc(b, ')');
}

static void b_type(struct sil_buf *b, const struct sil_type *t, int qualify)
{
    if (t->base == SIL_T_ENUM || t->base == SIL_T_DOMAIN) {
        if (qualify) {
            b_ident(b, t->ref_schema);
            sil_buf_addc(b, '.');
        }
        b_ident(b, t->ref_name);
        for (int i = 0; i < t->array_dims; i++)
            sil_buf_adds(b, "[]");
        return;
    }
    char *s = sil_type_sql(t);
    sil_buf_adds(b, s);
    free(s);
}

static const char *action_sql(enum sil_fk_action a)
{
    switch (a) {
    case SIL_FK_RESTRICT:
        return "RESTRICT";
    case SIL_FK_CASCADE:
        return "CASCADE";
    case SIL_FK_SET_NULL:
        return "SET NULL";
    case SIL_FK_SET_DEFAULT:
        return "SET DEFAULT";
    default:
        return NULL;
    }
}

char *gen_schema_sql(const struct gen_plan *p, const struct gen_out_opts *o,
                     const struct gen_table_files *files)
{
    const struct sil_shape *s = p->shape;
    int q = needs_qualify(p);
    struct sil_buf b;
    sil_buf_init(&b, 0);
    sil_buf_adds(&b, "-- Schema of a silhouette generator output (PostgreSQL).\n"
                     "-- Run it with psql from the output directory: it creates the types and\n"
                     "-- tables, loads this directory's data files with \\copy, then adds the\n"
                     "-- keys and constraints. Each part starts with a '-- section:' line.\n"
                     "\\set ON_ERROR_STOP on\n\n-- section: tables\n");
    if (q) {
        for (size_t i = 0; i < p->ntables; i++) {
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                seen |= strcmp(p->tables[i].t->schema, p->tables[j].t->schema) == 0;
            if (!seen) {
                sil_buf_adds(&b, "CREATE SCHEMA IF NOT EXISTS ");
                b_ident(&b, p->tables[i].t->schema);
                sil_buf_adds(&b, ";\n");
            }
        }
    }
    for (size_t i = 0; i < s->nenums; i++) {
        sil_buf_adds(&b, "CREATE TYPE ");
        if (q) {
            b_ident(&b, s->enums[i].schema);
            sil_buf_addc(&b, '.');
        }
        b_ident(&b, s->enums[i].name);
        sil_buf_adds(&b, " AS ENUM (");
        for (size_t l = 0; l < s->enums[i].nlabels; l++) {
            const char *lab = s->enums[i].labels[l];
            sil_buf_adds(&b, l ? ", '" : "'");
            for (; *lab; lab++) {
                if (*lab == '\'')
                    sil_buf_addc(&b, '\'');
                sil_buf_addc(&b, *lab);
            }
            sil_buf_addc(&b, '\'');
        }
        sil_buf_adds(&b, ");\n");
    }
    for (size_t i = 0; i < s->ndomains; i++) {
        const struct sil_domain *d = &s->domains[i];
        sil_buf_adds(&b, "CREATE DOMAIN ");
        if (q) {
            b_ident(&b, d->schema);
            sil_buf_addc(&b, '.');
        }
        b_ident(&b, d->name);
        sil_buf_adds(&b, " AS ");
        b_type(&b, &d->type, q);
        if (d->not_null)
            sil_buf_adds(&b, " NOT NULL");
        for (size_t c = 0; c < d->nchecks; c++) {
            sil_buf_adds(&b, " CONSTRAINT ");
            b_ident(&b, d->checks[c].name);
            sil_buf_adds(&b, " CHECK (");
            b_expr(&b, p->domain_checks[i][c], q ? d->schema : NULL);
            sil_buf_addc(&b, ')');
        }
        sil_buf_adds(&b, ";\n");
    }
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *gt = &p->tables[p->order[oi]];
        if (!gt->generate)
            continue;
        const struct sil_table *t = gt->t;
        sil_buf_adds(&b, "CREATE TABLE ");
        b_table(&b, t, q);
        sil_buf_adds(&b, " (\n");
        for (size_t c = 0; c < t->ncols; c++) {
            const struct sil_column *col = &t->cols[c];
            sil_buf_adds(&b, "    ");
            b_ident(&b, col->name);
            sil_buf_addc(&b, ' ');
            b_type(&b, &col->type, q);
            if (col->identity == SIL_IDENTITY_ALWAYS)
                sil_buf_adds(&b, " GENERATED ALWAYS AS IDENTITY");
            else if (col->identity == SIL_IDENTITY_BY_DEFAULT)
                sil_buf_adds(&b, " GENERATED BY DEFAULT AS IDENTITY");
            if (gt->cols[c].gen_expr) {
                sil_buf_adds(&b, " GENERATED ALWAYS AS (");
                b_expr(&b, gt->cols[c].gen_expr, q ? t->schema : NULL);
                sil_buf_adds(&b, ") STORED");
            }
            if (!col->nullable)
                sil_buf_adds(&b, " NOT NULL");
            sil_buf_adds(&b, c + 1 < t->ncols ? ",\n" : "\n");
        }
        sil_buf_adds(&b, ");\n");
    }
    sil_buf_adds(&b, "\n-- section: data\n");
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *gt = &p->tables[p->order[oi]];
        if (!gt->generate)
            continue;
        const struct gen_table_files *tf = &files[p->order[oi]];
        for (size_t fi = 0; tf && fi < tf->nfiles; fi++) {
            const char *path = tf->files[fi].path;
            if (o->format == GEN_FMT_JSONL) {
                sil_buf_adds(&b, "-- JSON lines are not loadable with \\copy; use the loader\n");
                break;
            }
            if (o->format == GEN_FMT_SQL) {
                if (o->compress)
                    sil_buf_addf(&b,
                                 "\\! zstd -dc '%s' > '%s.tmp'\n\\i '%s.tmp'\n\\! rm -f '%s.tmp'\n",
                                 path, path, path, path);
                else
                    sil_buf_addf(&b, "\\i '%s'\n", path);
                continue;
            }
            sil_buf_adds(&b, "\\copy ");
            b_table(&b, gt->t, q);
            sil_buf_adds(&b, " (");
            int first = 1;
            for (size_t c = 0; c < gt->ncols; c++) {
                if (gt->cols[c].skip)
                    continue;
                if (!first)
                    sil_buf_adds(&b, ", ");
                b_ident(&b, gt->cols[c].col->name);
                first = 0;
            }
            sil_buf_adds(&b, ") FROM ");
            if (o->compress)
                sil_buf_addf(&b, "PROGRAM 'zstd -dc %s'", path);
            else
                sil_buf_addf(&b, "'%s'", path);
            if (o->format == GEN_FMT_CSV)
                sil_buf_addf(&b, " WITH (FORMAT csv, HEADER %s)",
                             fi == 0 && gt->first == 0 && gt->holds_start ? "true" : "false");
            sil_buf_addc(&b, '\n');
        }
    }
    sil_buf_adds(&b, "\n-- section: constraints\n");
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *gt = &p->tables[p->order[oi]];
        if (!gt->generate)
            continue;
        const struct sil_table *t = gt->t;
        if (t->npk) {
            sil_buf_adds(&b, "ALTER TABLE ");
            b_table(&b, t, q);
            sil_buf_adds(&b, " ADD PRIMARY KEY ");
            b_cols(&b, t->npk, t->pk);
            sil_buf_adds(&b, ";\n");
        }
        for (size_t u = 0; u < t->nuniques; u++) {
            sil_buf_adds(&b, "ALTER TABLE ");
            b_table(&b, t, q);
            sil_buf_adds(&b, " ADD CONSTRAINT ");
            b_ident(&b, t->uniques[u].name);
            sil_buf_adds(&b, " UNIQUE ");
            b_cols(&b, t->uniques[u].ncols, t->uniques[u].cols);
            sil_buf_adds(&b, ";\n");
        }
        /* gt->checks starts with the table's own checks, in order. */
        for (size_t c = 0; c < t->nchecks; c++) {
            sil_buf_adds(&b, "ALTER TABLE ");
            b_table(&b, t, q);
            sil_buf_adds(&b, " ADD CONSTRAINT ");
            b_ident(&b, t->checks[c].name);
            sil_buf_adds(&b, " CHECK (");
            b_expr(&b, gt->checks[c].e, q ? t->schema : NULL);
            sil_buf_adds(&b, ");\n");
        }
        for (size_t c = 0; c < gt->ncols; c++)
            if (gt->cols[c].col->identity != SIL_IDENTITY_NONE && gt->cols[c].kind == GK_ROWKEY &&
                gt->cols[c].rowkey_kind == 0) {
                sil_buf_adds(&b, "ALTER TABLE ");
                b_table(&b, t, q);
                sil_buf_adds(&b, " ALTER COLUMN ");
                b_ident(&b, gt->cols[c].col->name);
                sil_buf_addf(&b, " RESTART WITH %lld;\n", (long long)gt->rows + 1);
            }
    }
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *gt = &p->tables[p->order[oi]];
        if (!gt->generate)
            continue;
        const struct sil_table *t = gt->t;
        for (size_t f = 0; f < t->nfks; f++) {
            const struct sil_fk *fk = &t->fks[f];
            const struct gen_table *pt = &p->tables[fk->ref_index];
            if (!pt->generate)
                continue;
            sil_buf_adds(&b, "ALTER TABLE ");
            b_table(&b, t, q);
            sil_buf_adds(&b, " ADD CONSTRAINT ");
            b_ident(&b, fk->name);
            sil_buf_adds(&b, " FOREIGN KEY ");
            b_cols(&b, fk->ncols, fk->cols);
            sil_buf_adds(&b, " REFERENCES ");
            b_table(&b, pt->t, q);
            sil_buf_addc(&b, ' ');
            b_cols(&b, fk->ncols, fk->ref_cols);
            if (action_sql(fk->on_delete))
                sil_buf_addf(&b, " ON DELETE %s", action_sql(fk->on_delete));
            if (action_sql(fk->on_update))
                sil_buf_addf(&b, " ON UPDATE %s", action_sql(fk->on_update));
            if (fk->deferrable)
                sil_buf_adds(&b, " DEFERRABLE");
            sil_buf_adds(&b, ";\n");
        }
    }
    return sil_buf_detach(&b, NULL);
}
