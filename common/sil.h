/* Project-wide macros, fatal allocation wrappers and small string helpers. */
#ifndef SIL_SIL_H
#define SIL_SIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SIL_VERSION
#define SIL_VERSION "0.1.0"
#endif

#define SIL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define SIL_WUR               __attribute__((warn_unused_result))
#define SIL_NORETURN          __attribute__((noreturn))
#define SIL_UNUSED            __attribute__((unused))

/* Unit tests reach static functions through SIL_STATIC. */
#ifdef SIL_TESTING
#define SIL_STATIC
#else
#define SIL_STATIC static
#endif

#define SIL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SIL_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define SIL_MAX(a, b)     ((a) > (b) ? (a) : (b))

/* Exit codes shared by every binary. */
enum {
    SIL_EXIT_OK = 0,
    SIL_EXIT_FAIL = 1,  /* the check or the job failed */
    SIL_EXIT_USAGE = 2, /* usage or input error */
    SIL_EXIT_INTERRUPTED = 130
};

/* Programmer errors: print where and abort. Never used for bad input. */
#define SIL_BUG(...) sil_bug(__FILE__, __LINE__, __VA_ARGS__)
SIL_NORETURN void sil_bug(const char *file, int line, const char *fmt, ...) SIL_PRINTF(3, 4);

/* Allocation that cannot fail: out of memory is fatal for these programs. */
void *sil_xmalloc(size_t n);
void *sil_xcalloc(size_t count, size_t size);
void *sil_xrealloc(void *p, size_t n);
/* Grow an array of `size`-byte elements to hold at least `need`; updates *cap. */
void *sil_xgrow(void *p, size_t size, size_t need, size_t *cap);
char *sil_xstrdup(const char *s);
char *sil_xstrndup(const char *s, size_t n);
char *sil_xasprintf(const char *fmt, ...) SIL_PRINTF(1, 2);

/* snprintf that never overflows and reports truncation: returns 0, or -1 if cut. */
int sil_snprintf(char *buf, size_t n, const char *fmt, ...) SIL_PRINTF(3, 4);

/* qsort comparator for an array of C strings (const char *), in strcmp order. */
int sil_cmp_cstr(const void *a, const void *b);

/* Strict number parsing: the whole string must be a number in range. 0 / -1. */
int sil_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out) SIL_WUR;
int sil_parse_double(const char *s, double *out) SIL_WUR;
/* A count with an optional k/M/G suffix (powers of 1000): "5M" -> 5000000. */
int sil_parse_count(const char *s, uint64_t *out) SIL_WUR;

/* Lower-case hex of `n` bytes into `out` (2n+1 bytes). */
void sil_hex(const unsigned char *in, size_t n, char *out);
int sil_is_hex(const char *s, size_t len);

/* Monotonic seconds, for durations and progress. */
double sil_now(void);
/* Current UTC time as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" (21 bytes). */
void sil_utc_now(char out[21]);
/* Parse/format RFC 3339 UTC timestamps of exactly that form. */
int sil_utc_parse(const char *s, int64_t *epoch) SIL_WUR;
void sil_utc_format(int64_t epoch, char out[21]);

#endif
