/* A growable byte buffer, always NUL-terminated, with an optional size cap. */
#ifndef SIL_BUF_H
#define SIL_BUF_H

#include "sil.h"

/*
 * Caller-owned: sil_buf_init() then sil_buf_release(). `max` caps the
 * length for data fed by a network or a database (0 = no cap); appending
 * past it fails and sets `toobig` instead of growing.
 */
struct sil_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int toobig;
};

void sil_buf_init(struct sil_buf *b, size_t max);
void sil_buf_release(struct sil_buf *b);
void sil_buf_reset(struct sil_buf *b);
/* Appends return 0, or -1 when the cap would be exceeded. */
int sil_buf_add(struct sil_buf *b, const void *data, size_t n);
int sil_buf_adds(struct sil_buf *b, const char *s);
int sil_buf_addc(struct sil_buf *b, char c);
int sil_buf_addf(struct sil_buf *b, const char *fmt, ...) SIL_PRINTF(2, 3);
/* Take ownership of the bytes; the buffer is left empty. Caller frees. */
char *sil_buf_detach(struct sil_buf *b, size_t *len);

#endif
