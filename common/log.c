/* stderr logging and terminal progress. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "silhouette";
static int level = SIL_LOG_NORMAL;

void sil_log_init(const char *name)
{
    const char *slash = strrchr(name, '/');
    prog = slash ? slash + 1 : name;
}

const char *sil_prog(void)
{
    return prog;
}

void sil_log_set_level(int l)
{
    level = l < SIL_LOG_QUIET ? SIL_LOG_QUIET : l > SIL_LOG_DEBUG ? SIL_LOG_DEBUG : l;
}

int sil_log_level(void)
{
    return level;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
    char line[4096];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s: %s%s\n", prog, tag, line);
}

#define LOGFN(name, min, tag)                                                                      \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        if (level < (min))                                                                         \
            return;                                                                                \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        vlog(tag, fmt, ap);                                                                        \
        va_end(ap);                                                                                \
    }
LOGFN(sil_log_error, SIL_LOG_QUIET, "")
LOGFN(sil_log_warn, SIL_LOG_NORMAL, "warning: ")
LOGFN(sil_log_info, SIL_LOG_NORMAL, "")
LOGFN(sil_log_verbose, SIL_LOG_VERBOSE, "")
LOGFN(sil_log_debug, SIL_LOG_DEBUG, "debug: ")
#undef LOGFN

void sil_log_err(const struct sil_err *err, const char *what)
{
    char buf[2048];
    fprintf(stderr, "%s: %s\n", prog, sil_err_format(err, what, buf, sizeof buf));
    if (err->hint[0])
        fprintf(stderr, "hint: %s\n", err->hint);
}

void sil_progress_start(struct sil_progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->start = p->last = sil_now();
    p->active = level >= SIL_LOG_NORMAL && isatty(STDERR_FILENO);
}

static void draw(struct sil_progress *p, uint64_t done, int final)
{
    double el = sil_now() - p->start;
    double rate = el > 0 ? (double)done / el : 0;
    char eta[32] = "";
    if (p->total && rate > 0 && done < p->total && !final)
        snprintf(eta, sizeof eta, " eta %.0fs", (double)(p->total - done) / rate);
    if (p->total)
        fprintf(stderr, "\r%s: %s: %llu/%llu (%.0f%%) %.0f rows/s%s\033[K", prog, p->label,
                (unsigned long long)done, (unsigned long long)p->total,
                100.0 * (double)done / (double)p->total, rate, eta);
    else
        fprintf(stderr, "\r%s: %s: %llu %.0f rows/s\033[K", prog, p->label,
                (unsigned long long)done, rate);
    if (final)
        fputc('\n', stderr);
}

void sil_progress_update(struct sil_progress *p, uint64_t done)
{
    if (!p->active)
        return;
    double now = sil_now();
    if (now - p->last < 0.25)
        return;
    p->last = now;
    draw(p, done, 0);
}

void sil_progress_end(struct sil_progress *p, uint64_t done)
{
    if (p->active)
        draw(p, done, 1);
    p->active = 0;
}
