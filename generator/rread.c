/* The report's reader: manifest checks, streamed and verified data files, record parsers. */
#include "rread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fileio.h"
#include "json.h"
#include "signals.h"

#define MANIFEST_MAX ((size_t)256 << 20)
#define CHUNK_BYTES  ((size_t)4 << 20)
#define READ_BYTES   ((size_t)1 << 20)

/* ---- manifest ---- */

static char *path_join(const char *dir, const char *rel)
{
    return sil_xasprintf("%s/%s", dir, rel);
}

/* A data path: relative, under data/, no "..", no empty or odd components. */
static int safe_data_path(const char *p)
{
    if (strncmp(p, "data/", 5) != 0 || strlen(p) > 500)
        return 0;
    const char *s = p + 5;
    if (!*s || strchr(s, '/'))
        return 0;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || s[0] == '.')
        return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x21 || *c == 0x7f || *c == '\\')
            return 0;
    return 1;
}

static int verify_small_file(const char *dir, const char *rel, const char *want,
                             struct sil_err *err)
{
    char *path = path_join(dir, rel);
    char sum[SIL_CHECKSUM_SIZE];
    uint64_t bytes;
    int rc = sil_checksum_file(path, sum, &bytes, err);
    if (rc == 0 && strcmp(sum, want) != 0) {
        sil_err_set(err, SIL_EINPUT,
                    "'%s' does not match its checksum in manifest.json: the output was modified "
                    "or is damaged",
                    path);
        sil_err_hint(err, "generate the output again; a report is only made of verified files");
        rc = -1;
    }
    free(path);
    return rc;
}

static int rd_table(struct sil_jctx *c, const cJSON *t, const char *dir, struct rep_mtable *mt)
{
    static const char *const keys[] = {
        "schema", "name", "rows", "total_rows", "first_row", "columns", "deferred_foreign_keys",
        "files",  NULL};
    static const char *const fkeys[] = {"file", "rows", "bytes", "checksum", NULL};
    const char *schema, *name;
    const cJSON *cols, *files, *def;
    if (sil_json_check_object(c, t, keys) < 0 || sil_json_str(c, t, "schema", 1, 63, &schema) < 0 ||
        sil_json_str(c, t, "name", 1, 63, &name) < 0 ||
        sil_json_int(c, t, "rows", 1, 0, INT64_C(1) << 52, &mt->rows) < 0 ||
        sil_json_int(c, t, "total_rows", 1, 0, INT64_C(1) << 52, &mt->total_rows) < 0 ||
        sil_json_int(c, t, "first_row", 1, 0, INT64_C(1) << 52, &mt->first_row) < 0 ||
        sil_json_array(c, t, "columns", 1, &cols) < 0 ||
        sil_json_array(c, t, "deferred_foreign_keys", 0, &def) < 0 ||
        sil_json_array(c, t, "files", 1, &files) < 0)
        return -1;
    mt->schema = sil_xstrdup(schema);
    mt->name = sil_xstrdup(name);
    mt->ncols = (size_t)cJSON_GetArraySize(cols);
    mt->cols = sil_xcalloc(mt->ncols + 1, sizeof *mt->cols);
    size_t i = 0, mark = sil_jctx_key(c, "columns");
    for (const cJSON *e = cols->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e)) {
            sil_jctx_index(c, i);
            return sil_jctx_fail(c, "expected a column name");
        }
        mt->cols[i] = sil_xstrdup(e->valuestring);
    }
    sil_jctx_restore(c, mark);
    mt->nfiles = (size_t)cJSON_GetArraySize(files);
    mt->files = sil_xcalloc(mt->nfiles + 1, sizeof *mt->files);
    mark = sil_jctx_key(c, "files");
    i = 0;
    int64_t sum = 0;
    for (const cJSON *e = files->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        struct rep_file *f = &mt->files[i];
        const char *file, *ck;
        int64_t bytes;
        if (sil_json_check_object(c, e, fkeys) < 0 ||
            sil_json_str(c, e, "file", 1, 600, &file) < 0 ||
            sil_json_int(c, e, "rows", 1, 0, INT64_C(1) << 52, &f->rows) < 0 ||
            sil_json_int(c, e, "bytes", 1, 0, INT64_C(1) << 52, &bytes) < 0 ||
            sil_json_str(c, e, "checksum", 1, 100, &ck) < 0)
            return -1;
        if (!safe_data_path(file))
            return sil_jctx_fail_at(c, "file", "path \"%s\" is not a file directly under data/",
                                    file);
        if (!sil_checksum_valid(ck))
            return sil_jctx_fail_at(c, "checksum", "expected \"blake2b-256:\" and 64 hex digits");
        f->path = sil_xstrdup(file);
        f->bytes = (uint64_t)bytes;
        snprintf(f->checksum, sizeof f->checksum, "%s", ck);
        char *full = path_join(dir, file);
        struct stat st;
        if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
            sil_jctx_fail_at(c, "file", "data file '%s' is missing", full);
            free(full);
            return -1;
        }
        if ((uint64_t)st.st_size != f->bytes) {
            sil_jctx_fail_at(c, "bytes", "data file '%s' has %lld bytes, the manifest says %lld",
                             full, (long long)st.st_size, (long long)bytes);
            free(full);
            return -1;
        }
        free(full);
        sum += f->rows;
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    if (sum != mt->rows)
        return sil_jctx_fail_at(c, "files", "the files hold %lld rows, \"rows\" says %lld",
                                (long long)sum, (long long)mt->rows);
    return 0;
}

int rep_manifest_read(const char *dir, struct rep_manifest *m, struct sil_err *err)
{
    memset(m, 0, sizeof *m);
    char *path = path_join(dir, "manifest.json");
    cJSON *root = NULL;
    int rc = -1;
    if (!sil_path_exists(path)) {
        sil_err_set(err, SIL_EINPUT, "'%s' has no manifest.json: not a complete generator output",
                    dir);
        sil_err_hint(err, "give the directory written by generator --out (an interrupted run "
                          "leaves none)");
        goto out;
    }
    uint64_t mbytes;
    if (sil_checksum_file(path, m->checksum, &mbytes, err) < 0 ||
        sil_json_parse_file(path, MANIFEST_MAX, &root, err) < 0)
        goto out;
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    static const char *const keys[] = {
        "format", "version", "generator",        "seed",   "data_format", "compression",
        "shard",  "inputs",  "shape_expires_at", "sizing", "schema_sql",  "tables",
        NULL};
    const char *fmt, *gen, *df, *comp, *exp = NULL;
    int64_t ver;
    const cJSON *shard, *inputs, *ishape, *ss, *tables, *sizing;
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 64, &fmt) < 0 ||
        sil_json_int(&c, root, "version", 1, 1, 1000, &ver) < 0 ||
        sil_json_str(&c, root, "generator", 1, 64, &gen) < 0 ||
        sil_json_num(&c, root, "seed", 1, 0, 9007199254740991.0, &m->seed) < 0 ||
        sil_json_str(&c, root, "data_format", 1, 16, &df) < 0 ||
        sil_json_str(&c, root, "compression", 1, 16, &comp) < 0 ||
        sil_json_object(&c, root, "shard", 1, &shard) < 0 ||
        sil_json_object(&c, root, "inputs", 1, &inputs) < 0 ||
        sil_json_str(&c, root, "shape_expires_at", 0, 32, &exp) < 0 ||
        sil_json_object(&c, root, "sizing", 1, &sizing) < 0 ||
        sil_json_object(&c, root, "schema_sql", 1, &ss) < 0 ||
        sil_json_array(&c, root, "tables", 1, &tables) < 0)
        goto bad;
    if (strcmp(fmt, "silhouette.output") != 0 || ver != 1) {
        sil_jctx_fail_at(&c, "format", "not a silhouette output of version 1");
        goto bad;
    }
    m->generator = sil_xstrdup(gen);
    m->expires_at = exp ? sil_xstrdup(exp) : NULL;
    if (strcmp(df, "copy") == 0)
        m->format = REP_COPY;
    else if (strcmp(df, "csv") == 0)
        m->format = REP_CSV;
    else if (strcmp(df, "jsonl") == 0)
        m->format = REP_JSONL;
    else if (strcmp(df, "sql") == 0)
        m->format = REP_SQL;
    else {
        sil_jctx_fail_at(&c, "data_format", "unknown format \"%s\"", df);
        goto bad;
    }
    if (strcmp(comp, "none") != 0 && strcmp(comp, "zstd") != 0) {
        sil_jctx_fail_at(&c, "compression", "unknown compression \"%s\"", comp);
        goto bad;
    }
    m->zstd = strcmp(comp, "zstd") == 0;
    {
        int64_t k = 0, n = 0;
        size_t mk = sil_jctx_key(&c, "shard");
        if (sil_json_int(&c, shard, "index", 1, 1, 100000, &k) < 0 ||
            sil_json_int(&c, shard, "count", 1, 1, 100000, &n) < 0)
            goto bad;
        sil_jctx_restore(&c, mk);
        m->shard_index = (int)k;
        m->shard_count = (int)n;
    }
    {
        const char *sf, *sck, *qck;
        size_t mk = sil_jctx_key(&c, "inputs");
        if (sil_json_object(&c, inputs, "shape", 1, &ishape) < 0)
            goto bad;
        sil_jctx_key(&c, "shape");
        if (sil_json_str(&c, ishape, "file", 1, 64, &sf) < 0 ||
            sil_json_str(&c, ishape, "checksum", 1, 100, &sck) < 0)
            goto bad;
        if (strcmp(sf, "shape.json") != 0) {
            sil_jctx_fail_at(&c, "file", "expected \"shape.json\"");
            goto bad;
        }
        sil_jctx_restore(&c, mk);
        mk = sil_jctx_key(&c, "schema_sql");
        if (sil_json_str(&c, ss, "checksum", 1, 100, &qck) < 0)
            goto bad;
        sil_jctx_restore(&c, mk);
        if (verify_small_file(dir, "shape.json", sck, err) < 0 ||
            verify_small_file(dir, "schema.sql", qck, err) < 0)
            goto out;
    }
    m->ntables = (size_t)cJSON_GetArraySize(tables);
    m->tables = sil_xcalloc(m->ntables + 1, sizeof *m->tables);
    size_t mk = sil_jctx_key(&c, "tables"), i = 0;
    for (const cJSON *t = tables->child; t; t = t->next, i++) {
        size_t m2 = sil_jctx_index(&c, i);
        if (rd_table(&c, t, dir, &m->tables[i]) < 0)
            goto bad;
        sil_jctx_restore(&c, m2);
    }
    sil_jctx_restore(&c, mk);
    rc = 0;
    goto out;
bad:
    sil_err_file(err, path);
out:
    if (rc < 0)
        rep_manifest_release(m);
    cJSON_Delete(root);
    free(path);
    return rc;
}

void rep_manifest_release(struct rep_manifest *m)
{
    for (size_t i = 0; i < m->ntables; i++) {
        struct rep_mtable *t = &m->tables[i];
        free(t->schema);
        free(t->name);
        for (size_t c = 0; c < t->ncols; c++)
            free(t->cols[c]);
        free(t->cols);
        for (size_t f = 0; f < t->nfiles; f++)
            free(t->files[f].path);
        free(t->files);
        free(t->csv_header);
    }
    free(m->tables);
    free(m->generator);
    free(m->expires_at);
    memset(m, 0, sizeof *m);
}

/* ---- record boundaries ---- */

/*
 * The end of the last complete record in buf[0..n) and the records before
 * it. COPY text and JSON lines never hold a raw newline inside a record;
 * CSV fields and SQL strings may, so those are scanned with quote state
 * (a chunk always starts outside quotes). SQL records are statements.
 */
static size_t boundary(enum rep_format f, const char *buf, size_t n, int64_t *records)
{
    *records = 0;
    if (f == REP_COPY || f == REP_JSONL) {
        const char *last = NULL;
        for (size_t i = n; i > 0; i--)
            if (buf[i - 1] == '\n') {
                last = buf + i - 1;
                break;
            }
        if (!last)
            return 0;
        size_t end = (size_t)(last - buf) + 1;
        int64_t r = 0;
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + end - p))); p++)
            r++;
        *records = r;
        return end;
    }
    size_t end = 0;
    int64_t r = 0, rend = 0;
    if (f == REP_CSV) {
        int q = 0;
        for (size_t i = 0; i < n; i++) {
            char ch = buf[i];
            if (ch == '"')
                q = !q;
            else if (ch == '\n' && !q) {
                r++;
                end = i + 1;
                rend = r;
            }
        }
        *records = rend;
        return end;
    }
    /* SQL: tuples are the parenthesised groups at depth 0 after VALUES; the
     * first group of each statement is its column list. */
    int sq = 0, dq = 0, depth = 0;
    int64_t groups = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (sq) {
            if (ch == '\'')
                sq = 0; /* '' re-enters at once */
            continue;
        }
        if (dq) {
            if (ch == '"')
                dq = 0;
            continue;
        }
        if (ch == '\'')
            sq = 1;
        else if (ch == '"')
            dq = 1;
        else if (ch == '(')
            depth++;
        else if (ch == ')') {
            if (--depth == 0)
                groups++;
        } else if (ch == ';' && depth == 0) {
            r += groups > 0 ? groups - 1 : 0;
            groups = 0;
            end = i + 1;
            while (end < n && (buf[end] == '\n' || buf[end] == '\r'))
                end++;
            rend = r;
        }
    }
    *records = rend;
    return end;
}

/* ---- the scan: a reader (this thread) and worker threads ---- */

struct slot {
    int state; /* 0 free, 1 ready, 2 taken */
    struct rep_chunk c;
    size_t cap;
};

struct scan {
    struct slot *slots;
    size_t nslots;
    size_t next_take;
    int done, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rep_chunk_fn fn;
    void *arg;
    struct sil_err err; /* first worker error */
    int failed;
};

struct wargs {
    struct scan *s;
    int w;
};

static void *worker(void *p)
{
    struct wargs *wa = p;
    struct scan *s = wa->s;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        struct slot *sl = NULL;
        for (;;) {
            if (s->stop)
                break;
            for (size_t i = 0; i < s->nslots; i++)
                if (s->slots[i].state == 1) {
                    sl = &s->slots[i];
                    break;
                }
            if (sl || s->done)
                break;
            pthread_cond_wait(&s->cv, &s->mu);
        }
        if (!sl) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        sl->state = 2;
        pthread_mutex_unlock(&s->mu);
        struct sil_err e;
        sil_err_clear(&e);
        int rc = s->fn(s->arg, wa->w, &sl->c, &e);
        pthread_mutex_lock(&s->mu);
        sl->state = 0;
        if (rc < 0 && !s->failed) {
            s->failed = 1;
            s->err = e;
            s->stop = 1;
        }
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

/* A free slot for the reader to fill (blocks). */
static struct slot *free_slot(struct scan *s)
{
    pthread_mutex_lock(&s->mu);
    struct slot *sl = NULL;
    while (!s->stop) {
        for (size_t i = 0; i < s->nslots && !sl; i++)
            if (s->slots[i].state == 0)
                sl = &s->slots[i];
        if (sl)
            break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    if (sl)
        sl->state = 3; /* filling */
    pthread_mutex_unlock(&s->mu);
    return sl;
}

static void publish(struct scan *s, struct slot *sl)
{
    pthread_mutex_lock(&s->mu);
    sl->state = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void give_back(struct scan *s, struct slot *sl)
{
    pthread_mutex_lock(&s->mu);
    sl->state = 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void reserve(struct slot *sl, size_t need)
{
    if (need + 1 > sl->cap) {
        size_t cap = sl->cap ? sl->cap : CHUNK_BYTES + READ_BYTES;
        while (cap < need + 1)
            cap *= 2;
        sl->c.data = sil_xrealloc(sl->c.data, cap);
        sl->cap = cap;
    }
}

/* Take the CSV header record off the front of a buffer. */
static int take_header(struct slot *sl, struct rep_mtable *t)
{
    int q = 0;
    for (size_t i = 0; i < sl->c.len; i++) {
        char ch = sl->c.data[i];
        if (ch == '"')
            q = !q;
        else if (ch == '\n' && !q) {
            size_t e = i > 0 && sl->c.data[i - 1] == '\r' ? i - 1 : i;
            free(t->csv_header);
            t->csv_header = sil_xstrndup(sl->c.data, e);
            memmove(sl->c.data, sl->c.data + i + 1, sl->c.len - i - 1);
            sl->c.len -= i + 1;
            return 1;
        }
    }
    return 0;
}

struct fstate {
    struct scan *s;
    enum rep_format format;
    size_t ti;
    struct rep_mtable *t;
    struct rep_file *f;
    const char *path;
    struct slot *sl;
    int64_t *next_row;
    int want_header;
};

/* Hand every complete chunk of records in the current slot to the workers.
 * 0 ok, -1 error, 1 stopped by a worker's failure. */
static int emit(struct fstate *st, int eof, struct sil_err *err)
{
    if (st->want_header && (take_header(st->sl, st->t) || eof))
        st->want_header = 0;
    while (st->sl && (st->sl->c.len >= CHUNK_BYTES || (eof && st->sl->c.len > 0))) {
        struct slot *sl = st->sl;
        int64_t recs;
        size_t end = boundary(st->format, sl->c.data, sl->c.len, &recs);
        if (end == 0 && !eof)
            return 0; /* one record longer than a chunk: read on */
        if (eof && end != sl->c.len) {
            sil_err_set(err, SIL_EINPUT,
                        "data file '%s' ends inside a record: it is truncated or damaged",
                        st->path);
            return -1;
        }
        struct slot *nx = NULL;
        size_t rest = sl->c.len - end;
        if (rest || !eof) {
            if (!(nx = free_slot(st->s)))
                return 1;
            reserve(nx, rest + READ_BYTES);
            memcpy(nx->c.data, sl->c.data + end, rest);
            nx->c.len = rest;
        }
        sl->c.len = end;
        sl->c.table = st->ti;
        sl->c.first = *st->next_row;
        sl->c.nrecords = recs;
        sl->c.data[end] = '\0';
        *st->next_row += recs;
        st->f->rows_read += recs;
        publish(st->s, sl);
        st->sl = nx;
    }
    return 0;
}

static int scan_file(struct scan *s, const char *dir, struct rep_manifest *m, size_t ti, size_t fi,
                     int64_t *next_row, struct sil_err *err)
{
    struct rep_mtable *t = &m->tables[ti];
    struct rep_file *f = &t->files[fi];
    char *path = path_join(dir, f->path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1, e;
    unsigned char *raw = sil_xmalloc(READ_BYTES);
    ZSTD_DStream *zs = NULL;
    struct fstate st = {s,    m->format, ti,
                        t,    f,         path,
                        NULL, next_row,  m->format == REP_CSV && fi == 0 && t->first_row == 0};
    if (fd < 0) {
        sil_err_set(err, SIL_EIO, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    if (m->zstd) {
        zs = ZSTD_createDStream();
        if (!zs)
            SIL_BUG("out of memory creating a zstd stream");
        ZSTD_initDStream(zs);
    }
    struct sil_hasher h;
    sil_hasher_init(&h);
    uint64_t bytes = 0;
    size_t zret = 0;
    if (!(st.sl = free_slot(s)))
        goto stopped;
    st.sl->c.len = 0;
    for (;;) {
        /* uncompressed bytes go straight into the chunk */
        unsigned char *dst = raw;
        if (!zs) {
            reserve(st.sl, st.sl->c.len + READ_BYTES);
            dst = (unsigned char *)st.sl->c.data + st.sl->c.len;
        }
        ssize_t n = read(fd, dst, READ_BYTES);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sil_err_set(err, SIL_EIO, "cannot read '%s': %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        sil_hasher_update(&h, dst, (size_t)n);
        bytes += (uint64_t)n;
        if (zs) {
            ZSTD_inBuffer in = {raw, (size_t)n, 0};
            for (;;) {
                size_t room = ZSTD_DStreamOutSize();
                reserve(st.sl, st.sl->c.len + room);
                ZSTD_outBuffer out = {st.sl->c.data + st.sl->c.len, room, 0};
                zret = ZSTD_decompressStream(zs, &out, &in);
                if (ZSTD_isError(zret)) {
                    sil_err_set(err, SIL_EINPUT, "cannot decompress '%s': %s", path,
                                ZSTD_getErrorName(zret));
                    goto out;
                }
                st.sl->c.len += out.pos;
                if ((e = emit(&st, 0, err)) != 0)
                    goto fail;
                /* Done with this input once it is consumed and the output
                 * buffer was not filled (nothing left inside zstd). */
                if (in.pos == in.size && out.pos < room)
                    break;
            }
        } else {
            st.sl->c.len += (size_t)n;
            if ((e = emit(&st, 0, err)) != 0)
                goto fail;
        }
        if (sil_interrupted()) {
            sil_err_set(err, SIL_EINTR, "interrupted");
            goto out;
        }
    }
    if (zs && zret != 0) {
        sil_err_set(err, SIL_EINPUT, "data file '%s' ends inside a zstd frame: it is truncated",
                    path);
        goto out;
    }
    if ((e = emit(&st, 1, err)) != 0)
        goto fail;
    {
        char sum[SIL_CHECKSUM_SIZE];
        sil_hasher_final(&h, sum);
        if (bytes != f->bytes || strcmp(sum, f->checksum) != 0) {
            sil_err_set(err, SIL_EINPUT,
                        "data file '%s' does not match its checksum in manifest.json: the output "
                        "was modified or is damaged",
                        path);
            sil_err_hint(err, "generate the output again; no report is made from unverified "
                              "data");
            goto out;
        }
    }
    rc = 0;
    goto out;
fail:
    if (e < 0)
        goto out;
stopped:
    rc = 1; /* a worker failed: its error wins */
out:
    if (st.sl)
        give_back(s, st.sl);
    if (fd >= 0)
        close(fd);
    ZSTD_freeDStream(zs);
    free(raw);
    free(path);
    return rc;
}

int rep_scan(const char *dir, struct rep_manifest *m, int workers, rep_chunk_fn fn, void *arg,
             struct sil_err *err)
{
    if (workers < 1)
        workers = 1;
    struct scan s;
    memset(&s, 0, sizeof s);
    s.nslots = (size_t)workers * 2 + 2;
    s.slots = sil_xcalloc(s.nslots, sizeof *s.slots);
    s.fn = fn;
    s.arg = arg;
    sil_err_clear(&s.err);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    pthread_t *th = sil_xcalloc((size_t)workers, sizeof *th);
    struct wargs *wa = sil_xcalloc((size_t)workers, sizeof *wa);
    int started = 0;
    for (int i = 0; i < workers; i++) {
        wa[i].s = &s;
        wa[i].w = i;
        if (pthread_create(&th[i], NULL, worker, &wa[i]) != 0)
            break;
        started++;
    }
    int rc = 0;
    if (!started)
        rc = sil_err_set(err, SIL_EIO, "cannot start worker threads");
    for (size_t ti = 0; ti < m->ntables && rc == 0; ti++) {
        int64_t next = 0;
        for (size_t fi = 0; fi < m->tables[ti].nfiles && rc == 0; fi++) {
            int r = scan_file(&s, dir, m, ti, fi, &next, err);
            if (r != 0)
                rc = -1;
        }
    }
    pthread_mutex_lock(&s.mu);
    s.done = 1;
    if (rc < 0)
        s.stop = 1;
    pthread_cond_broadcast(&s.cv);
    pthread_mutex_unlock(&s.mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (s.failed) {
        *err = s.err;
        rc = -1;
    }
    for (size_t i = 0; i < s.nslots; i++)
        free(s.slots[i].c.data);
    free(s.slots);
    free(th);
    free(wa);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    return rc;
}

/* ---- record parsers ---- */

static size_t unescape_copy(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[++i];
            switch (e) {
            case 't':
                c = '\t';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'v':
                c = '\v';
                break;
            default:
                c = e;
            }
        }
        s[o++] = c;
    }
    return o;
}

/* 0x80 in each byte of w that is a tab, a newline or a backslash (exact SWAR
 * test: no borrow between bytes). */
static inline uint64_t special_mask(uint64_t w)
{
    const uint64_t lo7 = UINT64_C(0x7f7f7f7f7f7f7f7f), ones = UINT64_C(0x0101010101010101);
    uint64_t m = 0;
    static const unsigned char sp[3] = {'\t', '\n', '\\'};
    for (int i = 0; i < 3; i++) {
        uint64_t v = w ^ (ones * sp[i]);
        m |= ~(((v & lo7) + lo7) | v | lo7);
    }
    return m;
}

static int parse_copy(struct rep_chunk *c, size_t ncols, struct rep_val *v, rep_row_fn fn,
                      void *arg)
{
    char *p = c->data, *end = c->data + c->len;
    int64_t row = c->first;
    size_t n = 0;
    char *f = p;
    int esc = 0;
    /* Find the tabs, newlines and backslashes eight bytes at a time (the
     * chunk is NUL-terminated and records end with a newline). */
    while (p < end) {
        uint64_t m;
        if (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            m = special_mask(w);
            if (!m) {
                p += 8;
                continue;
            }
            p += __builtin_ctzll(m) >> 3;
        } else {
            while (p < end && *p != '\t' && *p != '\n' && *p != '\\')
                p++;
            if (p >= end)
                break;
        }
        char ch = *p;
        if (ch == '\\') {
            esc = 1;
            p += p + 1 < end ? 2 : 1; /* the escaped byte is never a separator */
            continue;
        }
        /* a field ends at p */
        if (n < ncols) {
            size_t len = (size_t)(p - f);
            if (len == 2 && f[0] == '\\' && f[1] == 'N') {
                v[n].s = NULL;
                v[n].len = 0;
            } else {
                if (esc)
                    len = unescape_copy(f, len);
                f[len] = '\0';
                v[n].s = f;
                v[n].len = len;
            }
        } else {
            *p = '\0';
        }
        n++;
        p++;
        f = p;
        esc = 0;
        if (ch == '\n') {
            if (fn(arg, row, v, n) < 0)
                return -1;
            row++;
            n = 0;
        }
    }
    return 0;
}

static int parse_csv(struct rep_chunk *c, size_t ncols, struct rep_val *v, rep_row_fn fn, void *arg)
{
    char *p = c->data, *end = c->data + c->len;
    int64_t row = c->first;
    while (p < end) {
        size_t n = 0;
        for (;;) {
            char *o = p, *start = p;
            int quoted = 0;
            if (p < end && *p == '"') {
                quoted = 1;
                p++;
                for (;;) {
                    if (p >= end)
                        break;
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            *o++ = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    *o++ = *p++;
                }
                /* anything up to the separator is kept (malformed but readable) */
                while (p < end && *p != ',' && *p != '\n')
                    *o++ = *p++;
            } else {
                while (p < end && *p != ',' && *p != '\n')
                    p++;
                o = p;
                if (o > start && o[-1] == '\r' && (p >= end || *p == '\n'))
                    o--;
            }
            char sep = p < end ? *p : '\n';
            if (n < ncols) {
                size_t len = (size_t)(o - start);
                if (!quoted && len == 0) {
                    v[n].s = NULL;
                    v[n].len = 0;
                } else {
                    v[n].s = start;
                    v[n].len = len;
                }
            }
            *o = '\0';
            n++;
            if (p < end)
                p++;
            if (sep == '\n')
                break;
        }
        if (fn(arg, row, v, n) < 0)
            return -1;
        row++;
    }
    return 0;
}

/* Encode a code point as UTF-8 at o; returns bytes written. */
static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A JSON string at *pp (after the quote), unescaped in place; NULL when malformed. */
static char *json_string(char **pp, char *end, size_t *len)
{
    char *p = *pp, *o = p, *start = p;
    while (p < end && *p != '"') {
        if (*p == '\\') {
            if (p + 1 >= end)
                return NULL;
            char e = p[1];
            p += 2;
            switch (e) {
            case 'n':
                *o++ = '\n';
                break;
            case 't':
                *o++ = '\t';
                break;
            case 'r':
                *o++ = '\r';
                break;
            case 'b':
                *o++ = '\b';
                break;
            case 'f':
                *o++ = '\f';
                break;
            case 'u': {
                if (end - p < 4)
                    return NULL;
                unsigned cp = 0;
                for (int k = 0; k < 4; k++) {
                    int h = hexval(p[k]);
                    if (h < 0)
                        return NULL;
                    cp = cp * 16 + (unsigned)h;
                }
                p += 4;
                if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                    unsigned lo = 0;
                    for (int k = 0; k < 4; k++) {
                        int h = hexval(p[2 + k]);
                        if (h < 0)
                            return NULL;
                        lo = lo * 16 + (unsigned)h;
                    }
                    if (lo >= 0xdc00 && lo < 0xe000) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        p += 6;
                    }
                }
                o += put_utf8(o, cp);
                break;
            }
            default:
                *o++ = e;
            }
            continue;
        }
        *o++ = *p++;
    }
    if (p >= end)
        return NULL;
    *pp = p + 1;
    *len = (size_t)(o - start);
    *o = '\0';
    return start;
}

static char *skip_ws(char *p, char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

static int parse_jsonl(struct rep_chunk *c, size_t ncols, const char *const *names,
                       struct rep_val *v, rep_row_fn fn, void *arg)
{
    char *p = c->data, *end = c->data + c->len;
    int64_t row = c->first;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        size_t n = 0;
        int bad = 0;
        for (size_t i = 0; i < ncols; i++) {
            v[i].s = NULL;
            v[i].len = 0;
        }
        p = skip_ws(p, nl);
        if (p >= nl || *p != '{')
            bad = 1;
        else
            p++;
        while (!bad) {
            p = skip_ws(p, nl);
            if (p < nl && *p == '}') {
                p++;
                break;
            }
            if (p >= nl || *p != '"') {
                bad = 1;
                break;
            }
            p++;
            size_t klen;
            char *key = json_string(&p, nl, &klen);
            p = skip_ws(p, nl);
            if (!key || p >= nl || *p != ':') {
                bad = 1;
                break;
            }
            p = skip_ws(p + 1, nl);
            size_t ci = n < ncols && strcmp(names[n], key) == 0 ? n : ncols;
            for (size_t k = 0; k < ncols && ci == ncols; k++)
                if (strcmp(names[k], key) == 0)
                    ci = k;
            char *val = NULL;
            size_t vlen = 0;
            if (p < nl && *p == '"') {
                p++;
                val = json_string(&p, nl, &vlen);
                if (!val) {
                    bad = 1;
                    break;
                }
            } else {
                char *t = p;
                while (p < nl && *p != ',' && *p != '}' && *p != ' ')
                    p++;
                size_t tl = (size_t)(p - t);
                if (tl == 4 && memcmp(t, "null", 4) == 0) {
                    val = NULL;
                } else if (tl == 4 && memcmp(t, "true", 4) == 0) {
                    val = t;
                    t[0] = 't';
                    vlen = 1;
                } else if (tl == 5 && memcmp(t, "false", 5) == 0) {
                    val = t;
                    t[0] = 'f';
                    vlen = 1;
                } else if (tl > 0) {
                    val = t;
                    vlen = tl;
                } else {
                    bad = 1;
                    break;
                }
            }
            if (ci < ncols) {
                v[ci].s = val;
                v[ci].len = vlen;
            }
            n++;
            p = skip_ws(p, nl);
            if (p < nl && *p == ',') {
                p++;
                continue;
            }
            if (p < nl && *p == '}') {
                p++;
                break;
            }
            bad = 1;
        }
        /* Terminate bare tokens now that the separators have been read. */
        for (size_t i = 0; i < ncols; i++)
            if (v[i].s && v[i].s[v[i].len] != '\0')
                v[i].s[v[i].len] = '\0';
        *nl = '\0';
        if (fn(arg, row, bad ? NULL : v, bad ? 0 : n) < 0)
            return -1;
        row++;
        p = nl + 1;
    }
    return 0;
}

static int parse_sql(struct rep_chunk *c, size_t ncols, struct rep_val *v, rep_row_fn fn, void *arg)
{
    char *p = c->data, *end = c->data + c->len;
    int64_t row = c->first;
    while (p < end) {
        /* Skip the head up to VALUES (outside quotes). */
        int dq = 0;
        char *vals = NULL;
        for (char *q = p; q + 6 <= end; q++) {
            if (*q == '"')
                dq = !dq;
            if (!dq && memcmp(q, "VALUES", 6) == 0) {
                vals = q + 6;
                break;
            }
        }
        if (!vals)
            break;
        p = vals;
        for (;;) {
            while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
                p++;
            if (p >= end || *p != '(')
                break;
            p++;
            size_t n = 0;
            int bad = 0;
            for (;;) {
                while (p < end && (*p == ' ' || *p == '\n'))
                    p++;
                if (p >= end) {
                    bad = 1;
                    break;
                }
                char *val = NULL;
                size_t len = 0;
                char *term = NULL;
                if (*p == '\'') {
                    char *o = ++p, *start = p;
                    for (;;) {
                        if (p >= end) {
                            bad = 1;
                            break;
                        }
                        if (*p == '\'') {
                            if (p + 1 < end && p[1] == '\'') {
                                *o++ = '\'';
                                p += 2;
                                continue;
                            }
                            p++;
                            break;
                        }
                        *o++ = *p++;
                    }
                    val = start;
                    len = (size_t)(o - start);
                    term = o;
                } else {
                    char *t = p;
                    while (p < end && *p != ',' && *p != ')' && *p != ' ')
                        p++;
                    size_t tl = (size_t)(p - t);
                    if (tl == 4 && memcmp(t, "NULL", 4) == 0) {
                        val = NULL;
                    } else if (tl == 4 && memcmp(t, "TRUE", 4) == 0) {
                        val = t;
                        t[0] = 't';
                        len = 1;
                        term = t + 1;
                    } else if (tl == 5 && memcmp(t, "FALSE", 5) == 0) {
                        val = t;
                        t[0] = 'f';
                        len = 1;
                        term = t + 1;
                    } else {
                        val = t;
                        len = tl;
                        term = p;
                    }
                }
                if (bad)
                    break;
                while (p < end && *p == ' ')
                    p++;
                char sep = p < end ? *p : ')';
                if (term)
                    *term = '\0'; /* term <= p: the separator was read first */
                if (n < ncols) {
                    v[n].s = val;
                    v[n].len = len;
                }
                n++;
                if (p < end)
                    p++;
                if (sep == ')')
                    break;
                if (sep != ',') {
                    bad = 1;
                    break;
                }
            }
            if (fn(arg, row, bad ? NULL : v, bad ? 0 : n) < 0)
                return -1;
            row++;
            while (p < end && (*p == ' ' || *p == '\n'))
                p++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == ';')
                p++;
            break;
        }
    }
    return 0;
}

int rep_parse_chunk(enum rep_format f, struct rep_chunk *c, size_t ncols, const char *const *names,
                    struct rep_val *scratch, rep_row_fn row, void *arg)
{
    switch (f) {
    case REP_COPY:
        return parse_copy(c, ncols, scratch, row, arg);
    case REP_CSV:
        return parse_csv(c, ncols, scratch, row, arg);
    case REP_JSONL:
        return parse_jsonl(c, ncols, names, scratch, row, arg);
    case REP_SQL:
        return parse_sql(c, ncols, scratch, row, arg);
    }
    return 0;
}
