/* Growable buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sil_buf_init(struct sil_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void sil_buf_release(struct sil_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void sil_buf_reset(struct sil_buf *b)
{
    b->len = 0;
    b->toobig = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(struct sil_buf *b, size_t n)
{
    if (b->max && (n > b->max || b->len > b->max - n)) {
        b->toobig = 1;
        return -1;
    }
    b->data = sil_xgrow(b->data, 1, b->len + n + 1, &b->cap);
    return 0;
}

int sil_buf_add(struct sil_buf *b, const void *data, size_t n)
{
    if (reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sil_buf_adds(struct sil_buf *b, const char *s)
{
    return sil_buf_add(b, s, strlen(s));
}

int sil_buf_addc(struct sil_buf *b, char c)
{
    return sil_buf_add(b, &c, 1);
}

int sil_buf_addf(struct sil_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        SIL_BUG("bad format '%s'", fmt);
    if (reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *sil_buf_detach(struct sil_buf *b, size_t *len)
{
    if (!b->data)
        sil_buf_add(b, "", 0);
    char *p = b->data;
    if (len)
        *len = b->len;
    size_t max = b->max;
    memset(b, 0, sizeof *b);
    b->max = max;
    return p;
}
