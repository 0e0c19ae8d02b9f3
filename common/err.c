/* Error values: formatting and location bookkeeping. */
#include "err.h"

#include <stdio.h>
#include <string.h>

void sil_err_clear(struct sil_err *err)
{
    memset(err, 0, sizeof *err);
}

static void vset(struct sil_err *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    err->line = err->column = 0;
    err->file[0] = err->path[0] = err->hint[0] = '\0';
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int sil_err_set(struct sil_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int sil_err_set_path(struct sil_err *err, int code, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    return -1;
}

int sil_err_set_line(struct sil_err *err, int code, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    err->line = line;
    err->column = column;
    return -1;
}

void sil_err_file(struct sil_err *err, const char *file)
{
    if (!err->file[0] && file)
        snprintf(err->file, sizeof err->file, "%s", file);
}

void sil_err_hint(struct sil_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
}

void sil_err_prefix(struct sil_err *err, const char *fmt, ...)
{
    char pre[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t pl = strlen(pre);
    if (pl + 2 >= sizeof err->msg)
        pl = sizeof err->msg - 3;
    memcpy(err->msg, pre, pl);
    memcpy(err->msg + pl, ": ", 2);
    size_t rest = sizeof err->msg - pl - 3;
    size_t ol = strnlen(old, rest);
    memcpy(err->msg + pl + 2, old, ol);
    err->msg[pl + 2 + ol] = '\0';
}

const char *sil_err_format(const struct sil_err *err, const char *what, char *buf, size_t n)
{
    size_t len = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (len < n) {                                                                             \
            int r_ = snprintf(buf + len, n - len, __VA_ARGS__);                                    \
            if (r_ > 0)                                                                            \
                len += (size_t)r_;                                                                 \
        }                                                                                          \
    } while (0)
    if (n)
        buf[0] = '\0';
    if (what && *what)
        PUT("%s%s", what, err->file[0] ? " " : ": ");
    if (err->file[0]) {
        PUT("'%s'", err->file);
        if (err->line > 0)
            PUT(":%d", err->line);
        if (err->line > 0 && err->column > 0)
            PUT(":%d", err->column);
        PUT(": ");
    }
    if (err->path[0])
        PUT("%s: ", err->path);
    PUT("%s", err->msg[0] ? err->msg : "unknown error");
#undef PUT
    return buf;
}

int sil_err_exit_code(const struct sil_err *err)
{
    switch (err->code) {
    case SIL_OK:
        return SIL_EXIT_OK;
    case SIL_EUSAGE:
    case SIL_EINPUT:
    case SIL_EEXPIRED:
        return SIL_EXIT_USAGE;
    case SIL_EINTR:
        return SIL_EXIT_INTERRUPTED;
    default:
        return SIL_EXIT_FAIL;
    }
}
