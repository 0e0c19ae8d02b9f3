/* Streaming readers of data files: ranges, zstd, JSON lines to COPY text. */
#include "source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "buf.h"

#define CHUNK    ((size_t)256 << 10)
#define MAX_LINE ((size_t)64 << 20)

struct loader_source {
    int fd;
    char *label;
    int64_t pos, end; /* end -1: to EOF */
    enum loader_compression comp;
    enum loader_data_format fmt;
    size_t ncols;
    const char *const *cols;
    char *in;  /* raw bytes */
    char *out; /* decompressed bytes */
    ZSTD_DStream *z;
    ZSTD_inBuffer zin;
    int eof;
    int frame_done;
    struct sil_buf line; /* JSONL: a partial line */
    struct sil_buf conv; /* JSONL: converted output */
    int64_t lineno;
};

struct loader_source *loader_source_open(int fd, const char *label, int64_t start, int64_t end,
                                         enum loader_compression comp, enum loader_data_format fmt,
                                         size_t ncols, const char *const *cols, struct sil_err *err)
{
    if (start > 0 && lseek(fd, (off_t)start, SEEK_SET) < 0) {
        sil_err_set(err, SIL_EIO, "cannot seek in '%s': %s", label, strerror(errno));
        close(fd);
        return NULL;
    }
    struct loader_source *s = sil_xcalloc(1, sizeof *s);
    s->fd = fd;
    s->label = sil_xstrdup(label);
    s->pos = start;
    s->end = end;
    s->comp = comp;
    s->fmt = fmt;
    s->ncols = ncols;
    s->cols = cols;
    s->in = sil_xmalloc(CHUNK);
    sil_buf_init(&s->line, MAX_LINE);
    sil_buf_init(&s->conv, 0);
    if (comp == LOADER_COMP_ZSTD) {
        s->out = sil_xmalloc(ZSTD_DStreamOutSize());
        s->z = ZSTD_createDStream();
        if (!s->z || ZSTD_isError(ZSTD_initDStream(s->z)))
            SIL_BUG("cannot create a zstd stream");
    }
    return s;
}

void loader_source_close(struct loader_source *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->z)
        ZSTD_freeDStream(s->z);
    free(s->in);
    free(s->out);
    free(s->label);
    sil_buf_release(&s->line);
    sil_buf_release(&s->conv);
    free(s);
}

/* Raw bytes from the file, within the range. */
static ssize_t read_raw(struct loader_source *s, struct sil_err *err)
{
    size_t want = CHUNK;
    if (s->end >= 0) {
        if (s->pos >= s->end)
            return 0;
        if ((int64_t)want > s->end - s->pos)
            want = (size_t)(s->end - s->pos);
    }
    for (;;) {
        ssize_t r = read(s->fd, s->in, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sil_err_set(err, SIL_EIO, "cannot read '%s': %s", s->label, strerror(errno));
        s->pos += r;
        return r;
    }
}

/* Decompressed (or plain) bytes: the stage before any JSONL conversion. */
static ssize_t read_bytes(struct loader_source *s, const char **data, int64_t *raw,
                          struct sil_err *err)
{
    *raw = 0;
    if (s->comp == LOADER_COMP_NONE) {
        ssize_t r = read_raw(s, err);
        *data = s->in;
        *raw = r > 0 ? r : 0;
        return r;
    }
    for (;;) {
        if (s->zin.pos >= s->zin.size && !s->eof) {
            ssize_t r = read_raw(s, err);
            if (r < 0)
                return -1;
            if (r == 0)
                s->eof = 1;
            s->zin.src = s->in;
            s->zin.size = (size_t)r;
            s->zin.pos = 0;
            *raw += r;
        }
        ZSTD_outBuffer zout = {s->out, ZSTD_DStreamOutSize(), 0};
        size_t before = s->zin.pos;
        size_t rc = ZSTD_decompressStream(s->z, &zout, &s->zin);
        if (ZSTD_isError(rc))
            return sil_err_set(err, SIL_EINPUT, "'%s' is not valid zstd data: %s", s->label,
                               ZSTD_getErrorName(rc));
        /* a frame is complete when a call that made progress returned 0 */
        if (zout.pos > 0 || s->zin.pos > before)
            s->frame_done = rc == 0;
        if (zout.pos > 0) {
            *data = s->out;
            return (ssize_t)zout.pos;
        }
        if (s->eof && s->zin.pos >= s->zin.size) {
            if (!s->frame_done)
                return sil_err_set(err, SIL_EINPUT, "'%s' ends in the middle of a zstd frame",
                                   s->label);
            return 0;
        }
    }
}

/* ---- JSON lines ---- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(struct sil_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    sil_buf_add(b, u, n);
}

/* Append one byte escaped for COPY text. */
static void put_copy(struct sil_buf *b, char c)
{
    switch (c) {
    case '\\':
        sil_buf_adds(b, "\\\\");
        break;
    case '\t':
        sil_buf_adds(b, "\\t");
        break;
    case '\n':
        sil_buf_adds(b, "\\n");
        break;
    case '\r':
        sil_buf_adds(b, "\\r");
        break;
    default:
        sil_buf_addc(b, c);
    }
}

/* A JSON string at p (on the quote); its value decoded into `dec` (raw bytes). */
static const char *json_string(const char *p, const char *end, struct sil_buf *dec,
                               const char **why)
{
    p++;
    while (p < end && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) {
            *why = "control character in a string";
            return NULL;
        }
        if (c != '\\') {
            sil_buf_addc(dec, (char)c);
            p++;
            continue;
        }
        if (++p >= end) {
            *why = "unterminated string";
            return NULL;
        }
        char e = *p++;
        switch (e) {
        case '"':
            sil_buf_addc(dec, '"');
            break;
        case '\\':
            sil_buf_addc(dec, '\\');
            break;
        case '/':
            sil_buf_addc(dec, '/');
            break;
        case 'b':
            sil_buf_addc(dec, '\b');
            break;
        case 'f':
            sil_buf_addc(dec, '\f');
            break;
        case 'n':
            sil_buf_addc(dec, '\n');
            break;
        case 'r':
            sil_buf_addc(dec, '\r');
            break;
        case 't':
            sil_buf_addc(dec, '\t');
            break;
        case 'u': {
            unsigned cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = p + i < end ? hexval(p[i]) : -1;
                if (h < 0) {
                    *why = "bad \\u escape";
                    return NULL;
                }
                cp = cp * 16 + (unsigned)h;
            }
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {
                unsigned lo = 0;
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u') {
                    *why = "unpaired surrogate";
                    return NULL;
                }
                for (int i = 0; i < 4; i++) {
                    int h = hexval(p[2 + i]);
                    if (h < 0) {
                        *why = "bad \\u escape";
                        return NULL;
                    }
                    lo = lo * 16 + (unsigned)h;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    *why = "unpaired surrogate";
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                *why = "unpaired surrogate";
                return NULL;
            }
            if (cp == 0) {
                *why = "a zero character cannot be loaded";
                return NULL;
            }
            put_utf8(dec, cp);
            break;
        }
        default:
            *why = "bad escape in a string";
            return NULL;
        }
    }
    if (p >= end) {
        *why = "unterminated string";
        return NULL;
    }
    return p + 1;
}

/* Skip a nested object or array, returning the end; strings are respected. */
static const char *json_skip_nested(const char *p, const char *end, const char **why)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p++;
            while (p < end && *p != '"') {
                if (*p == '\\')
                    p++;
                p++;
            }
            if (p >= end)
                break;
            p++;
            continue;
        }
        if (c == '{' || c == '[') {
            if (++depth > 512) {
                *why = "nested too deeply";
                return NULL;
            }
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return p + 1;
        }
        p++;
    }
    *why = "unterminated object or array";
    return NULL;
}

int loader_jsonl_to_copy(const char *line, size_t len, size_t ncols, const char *const *cols,
                         struct sil_buf *out, const char **why)
{
    const char *p = line, *end = line + len;
    struct sil_buf key, val;
    sil_buf_init(&key, 0);
    sil_buf_init(&val, 0);
    int rc = -1;
    p = skip_ws(p, end);
    if (p >= end || *p != '{') {
        *why = "expected a JSON object";
        goto done;
    }
    p = skip_ws(p + 1, end);
    for (size_t i = 0; i < ncols; i++) {
        if (i) {
            if (p >= end || *p != ',') {
                *why = "expected ',' between members";
                goto done;
            }
            p = skip_ws(p + 1, end);
        }
        if (p >= end || *p != '"') {
            *why = "expected a member name";
            goto done;
        }
        sil_buf_reset(&key);
        if (!(p = json_string(p, end, &key, why)))
            goto done;
        if (strcmp(key.data ? key.data : "", cols[i]) != 0 || key.len != strlen(cols[i])) {
            *why = "members are not the manifest's columns in order";
            goto done;
        }
        p = skip_ws(p, end);
        if (p >= end || *p != ':') {
            *why = "expected ':'";
            goto done;
        }
        p = skip_ws(p + 1, end);
        if (i)
            sil_buf_addc(out, '\t');
        if (p >= end) {
            *why = "missing value";
            goto done;
        }
        if (*p == '"') {
            sil_buf_reset(&val);
            if (!(p = json_string(p, end, &val, why)))
                goto done;
            for (size_t k = 0; k < val.len; k++)
                put_copy(out, val.data[k]);
        } else if (*p == '{' || *p == '[') {
            const char *q = json_skip_nested(p, end, why);
            if (!q)
                goto done;
            for (const char *c = p; c < q; c++)
                put_copy(out, *c);
            p = q;
        } else if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
            sil_buf_adds(out, "\\N");
            p += 4;
        } else if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
            sil_buf_adds(out, "true");
            p += 4;
        } else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
            sil_buf_adds(out, "false");
            p += 5;
        } else {
            const char *q = p;
            if (q < end && *q == '-')
                q++;
            while (q < end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
                               *q == '+' || *q == '-'))
                q++;
            if (q == p || (q == p + 1 && *p == '-')) {
                *why = "expected a value";
                goto done;
            }
            sil_buf_add(out, p, (size_t)(q - p));
            p = q;
        }
        p = skip_ws(p, end);
    }
    if (p >= end || *p != '}') {
        *why = ncols ? "more members than the manifest's columns" : "expected '}'";
        goto done;
    }
    p = skip_ws(p + 1, end);
    if (p != end) {
        *why = "text after the object";
        goto done;
    }
    sil_buf_addc(out, '\n');
    rc = 0;
done:
    sil_buf_release(&key);
    sil_buf_release(&val);
    return rc;
}

ssize_t loader_source_read(struct loader_source *s, const char **data, int64_t *raw,
                           struct sil_err *err)
{
    if (s->fmt != LOADER_FMT_JSONL)
        return read_bytes(s, data, raw, err);
    *raw = 0;
    sil_buf_reset(&s->conv);
    while (s->conv.len < CHUNK) {
        const char *chunk;
        int64_t r1;
        ssize_t n = read_bytes(s, &chunk, &r1, err);
        if (n < 0)
            return -1;
        *raw += r1;
        if (n == 0) {
            if (s->line.len > 0) {
                sil_err_set(err, SIL_EINPUT, "'%s': line %lld does not end with a newline",
                            s->label, (long long)s->lineno + 1);
                return -1;
            }
            break;
        }
        const char *p = chunk, *end = chunk + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t take = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (sil_buf_add(&s->line, p, take) < 0)
                return sil_err_set(err, SIL_EINPUT, "'%s': line %lld is longer than 64 MiB",
                                   s->label, (long long)s->lineno + 1);
            p += take;
            if (!nl)
                break;
            p++;
            s->lineno++;
            const char *why = NULL;
            if (loader_jsonl_to_copy(s->line.data ? s->line.data : "", s->line.len, s->ncols,
                                     s->cols, &s->conv, &why) < 0)
                return sil_err_set(err, SIL_EINPUT, "'%s': line %lld: %s", s->label,
                                   (long long)s->lineno, why);
            sil_buf_reset(&s->line);
        }
    }
    *data = s->conv.data ? s->conv.data : "";
    return (ssize_t)s->conv.len;
}

int64_t loader_source_line_cut(int fd, int64_t off, int64_t size, struct sil_err *err)
{
    if (off <= 0)
        return 0;
    if (off >= size)
        return size;
    char buf[65536];
    int64_t pos = off - 1;
    while (pos < size) {
        ssize_t r = pread(fd, buf, sizeof buf, (off_t)pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sil_err_set(err, SIL_EIO, "cannot read: %s", strerror(errno));
        if (r == 0)
            break;
        const char *nl = memchr(buf, '\n', (size_t)r);
        if (nl)
            return pos + (nl - buf) + 1;
        pos += r;
    }
    return size;
}
