/* Exact duplicate, orphan and children-per-parent counts in bounded memory. */
#include "rkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "rng.h"
#include "signals.h"

#define PAGE_BITS  16
#define PAGE_VALS  ((size_t)1 << PAGE_BITS)
#define FANOUT     4096
#define NPART      256
#define WBUF_BYTES ((size_t)16 << 10)
#define REC_HEAD   18 /* hash 8, tag 4, count 4, len 2 */
#define PROBE_BIT  UINT32_C(0x80000000)
#define MAX_KEY    65535

/* ---- paged radix of leaves (bitmaps or counters) ---- */

struct radix {
    _Atomic(void *) *root; /* FANOUT slots */
    size_t leaf_bytes;
};

struct hist {
    int64_t *small; /* counts below PAGE_VALS */
    size_t nsmall;
    int64_t *big; /* each count of PAGE_VALS or more, once per parent */
    size_t nbig, capbig;
    int64_t (*pairs)[2];
    size_t npairs;
};

struct space {
    int integer;
    struct radix bits;
    atomic_llong dups;
    int64_t parents;
    pthread_mutex_t mu; /* examples */
    size_t nex;
    char ex[5][GEN_KEYS_EXAMPLE];
    size_t *fks;
    size_t nfks;
};

struct fk {
    int space;
    struct radix counts;
    int64_t orphans;
    struct hist h;
    size_t nex;
    char ex[5][GEN_KEYS_EXAMPLE];
};

struct part {
    pthread_mutex_t mu;
    char *mem;
    size_t len, cap;
    int fd;
    uint64_t file_bytes;
};

struct wbuf {
    char *b[NPART];
    size_t len[NPART];
    /* the last leaf this worker used, per space and per fk */
    uint64_t *sp_page, *fk_page;
    void **sp_leaf, **fk_leaf;
    size_t nsp, nfk;
    /* values added per space and fk (no shared counter to bounce) */
    int64_t *sp_values, *fk_values;
    size_t nspv, nfkv;
};

static void count_value(int64_t **v, size_t *n, size_t need, size_t i)
{
    if (*n < need) {
        *v = sil_xrealloc(*v, need * sizeof **v);
        for (size_t j = *n; j < need; j++)
            (*v)[j] = 0;
        *n = need;
    }
    (*v)[i]++;
}

struct gen_keys {
    int workers;
    size_t budget;
    size_t part_limit;
    char *dir; /* private spill directory, created on first need */
    char *tmpbase;
    struct space *sp;
    size_t nsp, capsp;
    struct fk *fk;
    size_t nfk, capfk;
    atomic_size_t mem, peak;
    atomic_int int_spill; /* integer values go to the record path from now on */
    struct part part[NPART];
    struct wbuf *wb;
    atomic_ullong spilled;
    int io_failed;
    char io_err[256];
    pthread_mutex_t io_mu;
};

static void mem_add(struct gen_keys *k, size_t n)
{
    size_t now = atomic_fetch_add(&k->mem, n) + n;
    size_t p = atomic_load(&k->peak);
    while (now > p && !atomic_compare_exchange_weak(&k->peak, &p, now))
        ;
}

static void mem_sub(struct gen_keys *k, size_t n)
{
    atomic_fetch_sub(&k->mem, n);
}

static void radix_init(struct radix *r, size_t leaf_bytes)
{
    r->root = sil_xcalloc(FANOUT, sizeof *r->root);
    r->leaf_bytes = leaf_bytes;
}

static void radix_free_node(void *node, int level)
{
    if (!node)
        return;
    if (level < 3) {
        _Atomic(void *) *a = node;
        for (size_t i = 0; i < FANOUT; i++)
            radix_free_node(atomic_load(&a[i]), level + 1);
    } else {
        _Atomic(void *) *a = node;
        for (size_t i = 0; i < FANOUT; i++)
            free(atomic_load(&a[i]));
    }
    free(node);
}

static void radix_release(struct radix *r)
{
    if (!r->root)
        return;
    for (size_t i = 0; i < FANOUT; i++)
        radix_free_node(atomic_load(&r->root[i]), 1);
    free(r->root);
    r->root = NULL;
}

/* The leaf of page `page` (48 bits), created when asked. */
static void *radix_get(struct gen_keys *k, struct radix *r, uint64_t page, int create)
{
    _Atomic(void *) *node = r->root;
    for (int l = 0; l < 4; l++) {
        _Atomic(void *) *slot = &node[(page >> (36 - 12 * l)) & (FANOUT - 1)];
        void *child = atomic_load_explicit(slot, memory_order_acquire);
        if (!child) {
            if (!create)
                return NULL;
            size_t sz = l == 3 ? r->leaf_bytes : FANOUT * sizeof(_Atomic(void *));
            void *fresh = sil_xcalloc(1, sz);
            void *expect = NULL;
            if (atomic_compare_exchange_strong(slot, &expect, fresh)) {
                child = fresh;
                mem_add(k, sz);
            } else {
                free(fresh);
                child = expect;
            }
        }
        if (l == 3)
            return child;
        node = child;
    }
    return NULL;
}

/* Call fn for every leaf in page order. */
static void radix_walk(const struct radix *r, void (*fn)(void *arg, uint64_t page, void *leaf),
                       void *arg)
{
    for (size_t a = 0; a < FANOUT; a++) {
        _Atomic(void *) *n1 = atomic_load(&r->root[a]);
        for (size_t b = 0; n1 && b < FANOUT; b++) {
            _Atomic(void *) *n2 = atomic_load(&n1[b]);
            for (size_t c = 0; n2 && c < FANOUT; c++) {
                _Atomic(void *) *n3 = atomic_load(&n2[c]);
                for (size_t d = 0; n3 && d < FANOUT; d++) {
                    void *leaf = atomic_load(&n3[d]);
                    if (leaf)
                        fn(arg, (uint64_t)a << 36 | (uint64_t)b << 24 | (uint64_t)c << 12 | d,
                           leaf);
                }
            }
        }
    }
}

/* ---- keys ---- */

struct gen_keys *gen_keys_new(int workers, size_t budget, const char *tmpdir)
{
    struct gen_keys *k = sil_xcalloc(1, sizeof *k);
    k->workers = workers < 1 ? 1 : workers;
    k->budget = budget < ((size_t)1 << 20) ? (size_t)1 << 20 : budget;
    k->part_limit = k->budget / 4;
    k->tmpbase = sil_xstrdup(tmpdir ? tmpdir : "/tmp");
    for (size_t i = 0; i < NPART; i++) {
        pthread_mutex_init(&k->part[i].mu, NULL);
        k->part[i].fd = -1;
    }
    k->wb = sil_xcalloc((size_t)k->workers, sizeof *k->wb);
    pthread_mutex_init(&k->io_mu, NULL);
    return k;
}

void gen_keys_free(struct gen_keys *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nsp; i++) {
        radix_release(&k->sp[i].bits);
        pthread_mutex_destroy(&k->sp[i].mu);
        free(k->sp[i].fks);
    }
    for (size_t i = 0; i < k->nfk; i++) {
        radix_release(&k->fk[i].counts);
        free(k->fk[i].h.small);
        free(k->fk[i].h.big);
        free(k->fk[i].h.pairs);
    }
    free(k->sp);
    free(k->fk);
    for (size_t i = 0; i < NPART; i++) {
        free(k->part[i].mem);
        if (k->part[i].fd >= 0)
            close(k->part[i].fd);
        pthread_mutex_destroy(&k->part[i].mu);
    }
    for (int w = 0; w < k->workers; w++) {
        for (size_t i = 0; i < NPART; i++)
            free(k->wb[w].b[i]);
        free(k->wb[w].sp_page);
        free(k->wb[w].fk_page);
        free(k->wb[w].sp_leaf);
        free(k->wb[w].fk_leaf);
        free(k->wb[w].sp_values);
        free(k->wb[w].fk_values);
    }
    free(k->wb);
    if (k->dir) {
        struct sil_err e;
        sil_err_clear(&e);
        if (sil_remove_tree(k->dir, &e) < 0)
            e.code = 0; /* best effort: the directory is private and empty of secrets */
        free(k->dir);
    }
    free(k->tmpbase);
    pthread_mutex_destroy(&k->io_mu);
    free(k);
}

void gen_keys_set_partition_limit(struct gen_keys *k, size_t bytes)
{
    k->part_limit = bytes;
}

int gen_keys_space(struct gen_keys *k, int integer)
{
    k->sp = sil_xgrow(k->sp, sizeof *k->sp, k->nsp + 1, &k->capsp);
    struct space *s = &k->sp[k->nsp];
    memset(s, 0, sizeof *s);
    s->integer = integer;
    if (integer)
        radix_init(&s->bits, PAGE_VALS / 8);
    pthread_mutex_init(&s->mu, NULL);
    return (int)k->nsp++;
}

int gen_keys_fk(struct gen_keys *k, int space)
{
    k->fk = sil_xgrow(k->fk, sizeof *k->fk, k->nfk + 1, &k->capfk);
    struct fk *f = &k->fk[k->nfk];
    memset(f, 0, sizeof *f);
    f->space = space;
    if (k->sp[space].integer)
        radix_init(&f->counts, PAGE_VALS * sizeof(uint32_t));
    struct space *s = &k->sp[space];
    s->fks = sil_xrealloc(s->fks, (s->nfks + 1) * sizeof *s->fks);
    s->fks[s->nfks++] = k->nfk;
    return (int)k->nfk++;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = gen_mix(h ^ w);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return gen_mix(h ^ w ^ ((uint64_t)n << 56));
}

/* 'I' and the value's offset binary, big-endian: byte order is numeric order. */
static void int_bytes(int64_t v, unsigned char out[9])
{
    uint64_t u = (uint64_t)v ^ (UINT64_C(1) << 63);
    out[0] = 'I';
    for (int i = 0; i < 8; i++)
        out[1 + i] = (unsigned char)(u >> (56 - 8 * i));
}

/* Append c to out (room: cap bytes including the NUL); 0 when it did not fit. */
static int ex_put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o + n + 1 > cap)
        return 0;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return 1;
}

/* Length of the valid UTF-8 sequence (no C1 controls) at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t k;
    unsigned cp;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        k = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        k = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        k = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((k == 2 && cp < 0xa0) || (k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return k;
}

/*
 * A key's canonical bytes as readable text: each part an integer ('I' and 8
 * bytes) or a quoted string ('T' and the text up to the next 0x1f), with
 * backslash, quote, control bytes and bytes that are not UTF-8 escaped
 * (\\, \', \xNN); a composite key as a tuple "(1, 'a')". Cut with "..." when
 * it does not fit, never inside an escape or a character.
 */
SIL_STATIC void example_text(const unsigned char *b, size_t n, char out[GEN_KEYS_EXAMPLE])
{
    const size_t cap = GEN_KEYS_EXAMPLE - 4; /* room for "..." */
    size_t o = 0, i = 0;
    int composite = 0;
    out[0] = '\0';
    /* a composite key has a separator after its first part */
    if (n > 9 && b[0] == 'I' && b[9] == 0x1f)
        composite = 1;
    else if (n && b[0] == 'T' && memchr(b, 0x1f, n))
        composite = 1;
    if (composite && !ex_put(out, cap, &o, "(", 1))
        goto cut;
    for (int part = 0; i < n; part++) {
        if (part && !ex_put(out, cap, &o, ", ", 2))
            goto cut;
        if (b[i] == 'I' && n - i >= 9 && (n - i == 9 || b[i + 9] == 0x1f)) {
            uint64_t u = 0;
            for (int k = 0; k < 8; k++)
                u = u << 8 | b[i + 1 + k];
            char num[24];
            int len =
                snprintf(num, sizeof num, "%lld", (long long)(int64_t)(u ^ (UINT64_C(1) << 63)));
            if (!ex_put(out, cap, &o, num, (size_t)len))
                goto cut;
            i += 10; /* the part and its separator */
            continue;
        }
        if (b[i] == 'T')
            i++;
        if (!ex_put(out, cap, &o, "'", 1))
            goto cut;
        while (i < n && b[i] != 0x1f) {
            unsigned char c = b[i];
            char esc[8];
            size_t k = 1;
            const char *s = esc;
            size_t len;
            if (c == '\\' || c == '\'') {
                esc[0] = '\\';
                esc[1] = (char)c;
                len = 2;
            } else if (c >= 0x20 && c < 0x7f) {
                esc[0] = (char)c;
                len = 1;
            } else if (c >= 0x80 && (k = utf8_len(b + i, n - i)) > 0) {
                s = (const char *)b + i;
                len = k;
            } else {
                k = 1;
                len = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
            }
            if (!ex_put(out, cap, &o, s, len))
                goto cut;
            i += k;
        }
        i++; /* the separator */
        if (!ex_put(out, cap, &o, "'", 1))
            goto cut;
    }
    if (composite && !ex_put(out, cap, &o, ")", 1))
        goto cut;
    return;
cut:
    memcpy(out + o, "...", 4);
}

static int ensure_dir(struct gen_keys *k)
{
    if (k->dir)
        return 0;
    char *t = sil_xasprintf("%s/silhouette-report-XXXXXX", k->tmpbase);
    if (!mkdtemp(t)) {
        snprintf(k->io_err, sizeof k->io_err, "cannot create a temporary directory in '%s': %s",
                 k->tmpbase, strerror(errno));
        free(t);
        return -1;
    }
    k->dir = t;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Move a partition's memory to its file (partition lock held). */
static void part_spill(struct gen_keys *k, size_t pi)
{
    struct part *p = &k->part[pi];
    if (!p->len)
        return;
    pthread_mutex_lock(&k->io_mu);
    int ok = ensure_dir(k) == 0;
    pthread_mutex_unlock(&k->io_mu);
    if (ok && p->fd < 0) {
        char *path = sil_xasprintf("%s/part-%03zu", k->dir, pi);
        p->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (p->fd < 0) {
            snprintf(k->io_err, sizeof k->io_err, "cannot create '%s': %s", path, strerror(errno));
            ok = 0;
        }
        free(path);
    }
    if (ok && write_all(p->fd, p->mem, p->len) < 0) {
        snprintf(k->io_err, sizeof k->io_err, "cannot write a spill file in '%s': %s", k->dir,
                 strerror(errno));
        ok = 0;
    }
    if (!ok) {
        k->io_failed = 1;
        return;
    }
    p->file_bytes += p->len;
    atomic_fetch_add(&k->spilled, p->len);
    mem_sub(k, p->cap);
    free(p->mem);
    p->mem = NULL;
    p->len = p->cap = 0;
}

static void part_append(struct gen_keys *k, size_t pi, const char *data, size_t n)
{
    struct part *p = &k->part[pi];
    pthread_mutex_lock(&p->mu);
    if (p->len + n > p->cap) {
        size_t cap = p->cap ? p->cap : (size_t)64 << 10;
        while (cap < p->len + n)
            cap *= 2;
        p->mem = sil_xrealloc(p->mem, cap);
        mem_add(k, cap - p->cap);
        p->cap = cap;
    }
    memcpy(p->mem + p->len, data, n);
    p->len += n;
    if (atomic_load(&k->mem) > k->budget)
        part_spill(k, pi);
    pthread_mutex_unlock(&p->mu);
}

static void put_record(struct gen_keys *k, int w, uint32_t tag, uint32_t count, const void *bytes,
                       size_t n)
{
    if (n > MAX_KEY)
        n = MAX_KEY; /* longer keys compare on their first 64 KiB */
    uint64_t h = hash_bytes(bytes, n);
    size_t pi = (size_t)(h >> 56);
    struct wbuf *wb = &k->wb[w];
    size_t need = REC_HEAD + n;
    if (!wb->b[pi]) {
        wb->b[pi] = sil_xmalloc(WBUF_BYTES);
        mem_add(k, WBUF_BYTES);
    }
    if (wb->len[pi] + need > WBUF_BYTES) {
        part_append(k, pi, wb->b[pi], wb->len[pi]);
        wb->len[pi] = 0;
    }
    if (need > WBUF_BYTES) {
        char *tmp = sil_xmalloc(need);
        uint16_t len = (uint16_t)n;
        memcpy(tmp, &h, 8);
        memcpy(tmp + 8, &tag, 4);
        memcpy(tmp + 12, &count, 4);
        memcpy(tmp + 16, &len, 2);
        memcpy(tmp + REC_HEAD, bytes, n);
        part_append(k, pi, tmp, need);
        free(tmp);
        return;
    }
    char *o = wb->b[pi] + wb->len[pi];
    uint16_t len = (uint16_t)n;
    memcpy(o, &h, 8);
    memcpy(o + 8, &tag, 4);
    memcpy(o + 12, &count, 4);
    memcpy(o + 16, &len, 2);
    memcpy(o + REC_HEAD, bytes, n);
    wb->len[pi] += need;
}

void gen_keys_add(struct gen_keys *k, int w, int space, const void *bytes, size_t n)
{
    count_value(&k->wb[w].sp_values, &k->wb[w].nspv, k->nsp, (size_t)space);
    put_record(k, w, (uint32_t)space, 1, bytes, n);
}

void gen_keys_probe(struct gen_keys *k, int w, int fk, const void *bytes, size_t n)
{
    count_value(&k->wb[w].fk_values, &k->wb[w].nfkv, k->nfk, (size_t)fk);
    put_record(k, w, PROBE_BIT | (uint32_t)fk, 1, bytes, n);
}

static void add_example(struct space *s, const unsigned char *b, size_t n)
{
    pthread_mutex_lock(&s->mu);
    if (s->nex < 5)
        example_text(b, n, s->ex[s->nex++]);
    pthread_mutex_unlock(&s->mu);
}

/* A leaf through the worker's one-entry cache. */
static void *cached_leaf(struct gen_keys *k, struct radix *r, uint64_t page, uint64_t **pages,
                         void ***leaves, size_t *n, size_t need, size_t i)
{
    if (*n < need) {
        *pages = sil_xrealloc(*pages, need * sizeof **pages);
        *leaves = sil_xrealloc(*leaves, need * sizeof **leaves);
        for (size_t j = *n; j < need; j++)
            (*leaves)[j] = NULL;
        *n = need;
    }
    if ((*leaves)[i] && (*pages)[i] == page)
        return (*leaves)[i];
    void *leaf = radix_get(k, r, page, 1);
    (*pages)[i] = page;
    (*leaves)[i] = leaf;
    return leaf;
}

void gen_keys_add_int(struct gen_keys *k, int w, int space, int64_t v)
{
    struct space *s = &k->sp[space];
    if (atomic_load_explicit(&k->int_spill, memory_order_relaxed)) {
        unsigned char b[9];
        int_bytes(v, b);
        gen_keys_add(k, w, space, b, sizeof b);
        return;
    }
    count_value(&k->wb[w].sp_values, &k->wb[w].nspv, k->nsp, (size_t)space);
    uint64_t u = (uint64_t)v ^ (UINT64_C(1) << 63);
    struct wbuf *wb = &k->wb[w];
    _Atomic uint64_t *leaf = cached_leaf(k, &s->bits, u >> PAGE_BITS, &wb->sp_page, &wb->sp_leaf,
                                         &wb->nsp, k->nsp, (size_t)space);
    size_t i = (size_t)(u & (PAGE_VALS - 1));
    uint64_t bit = UINT64_C(1) << (i & 63);
    uint64_t old = atomic_fetch_or_explicit(&leaf[i >> 6], bit, memory_order_relaxed);
    if (old & bit) {
        atomic_fetch_add_explicit(&s->dups, 1, memory_order_relaxed);
        if (s->nex < 5) {
            unsigned char b[9];
            int_bytes(v, b);
            add_example(s, b, sizeof b);
        }
    }
    if (atomic_load_explicit(&k->mem, memory_order_relaxed) > k->budget)
        atomic_store(&k->int_spill, 1);
}

void gen_keys_probe_int(struct gen_keys *k, int w, int fk, int64_t v)
{
    struct fk *f = &k->fk[fk];
    if (atomic_load_explicit(&k->int_spill, memory_order_relaxed)) {
        unsigned char b[9];
        int_bytes(v, b);
        gen_keys_probe(k, w, fk, b, sizeof b);
        return;
    }
    count_value(&k->wb[w].fk_values, &k->wb[w].nfkv, k->nfk, (size_t)fk);
    uint64_t u = (uint64_t)v ^ (UINT64_C(1) << 63);
    struct wbuf *wb = &k->wb[w];
    _Atomic uint32_t *leaf = cached_leaf(k, &f->counts, u >> PAGE_BITS, &wb->fk_page, &wb->fk_leaf,
                                         &wb->nfk, k->nfk, (size_t)fk);
    atomic_fetch_add_explicit(&leaf[u & (PAGE_VALS - 1)], 1, memory_order_relaxed);
    if (atomic_load_explicit(&k->mem, memory_order_relaxed) > k->budget)
        atomic_store(&k->int_spill, 1);
}

/* ---- histograms ---- */

static void hist_add(struct hist *h, int64_t c, int64_t parents)
{
    if (c < (int64_t)PAGE_VALS) {
        if ((size_t)c >= h->nsmall) {
            size_t n = h->nsmall ? h->nsmall : 64;
            while (n <= (size_t)c)
                n *= 2;
            h->small = sil_xrealloc(h->small, n * sizeof *h->small);
            memset(h->small + h->nsmall, 0, (n - h->nsmall) * sizeof *h->small);
            h->nsmall = n;
        }
        h->small[c] += parents;
        return;
    }
    for (int64_t i = 0; i < parents; i++) {
        h->big = sil_xgrow(h->big, sizeof *h->big, h->nbig + 1, &h->capbig);
        h->big[h->nbig++] = c;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void hist_pairs(struct hist *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nsmall; i++)
        n += h->small[i] != 0;
    if (h->nbig)
        qsort(h->big, h->nbig, sizeof *h->big, cmp_i64);
    h->pairs = sil_xcalloc(n + h->nbig + 1, sizeof *h->pairs);
    for (size_t i = 0; i < h->nsmall; i++)
        if (h->small[i]) {
            h->pairs[h->npairs][0] = (int64_t)i;
            h->pairs[h->npairs++][1] = h->small[i];
        }
    for (size_t i = 0; i < h->nbig; i++) {
        if (h->npairs && h->pairs[h->npairs - 1][0] == h->big[i]) {
            h->pairs[h->npairs - 1][1]++;
            continue;
        }
        h->pairs[h->npairs][0] = h->big[i];
        h->pairs[h->npairs++][1] = 1;
    }
}

/* ---- finishing the integer path ---- */

struct walk {
    struct gen_keys *k;
    struct space *s;
    struct fk *f;
    int w;
    size_t fki;
};

/* Parents of one bitmap page against the fk's counters. */
static void walk_parents(void *arg, uint64_t page, void *leaf)
{
    struct walk *wk = arg;
    const _Atomic uint64_t *bits = leaf;
    const _Atomic uint32_t *cnt = radix_get(wk->k, &wk->f->counts, page, 0);
    for (size_t i = 0; i < PAGE_VALS / 64; i++) {
        uint64_t b = atomic_load_explicit(&bits[i], memory_order_relaxed);
        if (!b)
            continue;
        for (size_t j = 0; j < 64; j++)
            if (b >> j & 1) {
                uint32_t c = cnt ? atomic_load_explicit(&cnt[i * 64 + j], memory_order_relaxed) : 0;
                hist_add(&wk->f->h, c, 1);
            }
    }
}

static void walk_orphans(void *arg, uint64_t page, void *leaf)
{
    struct walk *wk = arg;
    const _Atomic uint32_t *cnt = leaf;
    const _Atomic uint64_t *bits = radix_get(wk->k, &wk->s->bits, page, 0);
    for (size_t i = 0; i < PAGE_VALS; i++) {
        uint32_t c = atomic_load_explicit(&cnt[i], memory_order_relaxed);
        if (!c)
            continue;
        if (bits && (atomic_load_explicit(&bits[i >> 6], memory_order_relaxed) >> (i & 63) & 1))
            continue;
        wk->f->orphans += c;
        if (wk->f->nex < 5) {
            unsigned char b[9];
            int64_t v = (int64_t)((page << PAGE_BITS | i) ^ (UINT64_C(1) << 63));
            int_bytes(v, b);
            example_text(b, sizeof b, wk->f->ex[wk->f->nex++]);
        }
    }
}

static void count_parents(void *arg, uint64_t page, void *leaf)
{
    (void)page;
    struct walk *wk = arg;
    const _Atomic uint64_t *bits = leaf;
    for (size_t i = 0; i < PAGE_VALS / 64; i++)
        wk->s->parents += __builtin_popcountll(atomic_load(&bits[i]));
}

/* Integer pages into records (after the budget was exceeded). */
static void spill_bits(void *arg, uint64_t page, void *leaf)
{
    struct walk *wk = arg;
    const _Atomic uint64_t *bits = leaf;
    for (size_t i = 0; i < PAGE_VALS / 64; i++) {
        uint64_t b = atomic_load(&bits[i]);
        for (size_t j = 0; b && j < 64; j++)
            if (b >> j & 1) {
                unsigned char kb[9];
                int_bytes((int64_t)((page << PAGE_BITS | (i * 64 + j)) ^ (UINT64_C(1) << 63)), kb);
                put_record(wk->k, 0, (uint32_t)(wk->s - wk->k->sp), 1, kb, sizeof kb);
            }
    }
}

static void spill_counts(void *arg, uint64_t page, void *leaf)
{
    struct walk *wk = arg;
    const _Atomic uint32_t *cnt = leaf;
    for (size_t i = 0; i < PAGE_VALS; i++) {
        uint32_t c = atomic_load(&cnt[i]);
        if (!c)
            continue;
        unsigned char kb[9];
        int_bytes((int64_t)((page << PAGE_BITS | i) ^ (UINT64_C(1) << 63)), kb);
        put_record(wk->k, 0, PROBE_BIT | (uint32_t)wk->fki, c, kb, sizeof kb);
    }
}

/* ---- finishing the record path ---- */

struct ent {
    uint64_t hash;
    uint32_t space;
    uint32_t sub; /* 0 for a key, 1 + fk for a probe */
    const unsigned char *bytes;
    uint32_t count;
    uint16_t len;
};

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->space != y->space)
        return x->space < y->space ? -1 : 1;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = memcmp(x->bytes, y->bytes, x->len);
    if (c)
        return c;
    return (x->sub > y->sub) - (x->sub < y->sub);
}

static void process_records(struct gen_keys *k, const char *buf, size_t len, int64_t *pc)
{
    size_t n = 0;
    for (size_t o = 0; o + REC_HEAD <= len;) {
        uint16_t l;
        memcpy(&l, buf + o + 16, 2);
        o += REC_HEAD + l;
        n++;
    }
    struct ent *e = sil_xcalloc(n + 1, sizeof *e);
    size_t i = 0;
    for (size_t o = 0; o + REC_HEAD <= len && i < n; i++) {
        uint32_t tag;
        memcpy(&e[i].hash, buf + o, 8);
        memcpy(&tag, buf + o + 8, 4);
        memcpy(&e[i].count, buf + o + 12, 4);
        memcpy(&e[i].len, buf + o + 16, 2);
        e[i].bytes = (const unsigned char *)buf + o + REC_HEAD;
        if (tag & PROBE_BIT) {
            uint32_t f = tag & ~PROBE_BIT;
            e[i].space = (uint32_t)k->fk[f].space;
            e[i].sub = 1 + f;
        } else {
            e[i].space = tag;
            e[i].sub = 0;
        }
        o += REC_HEAD + e[i].len;
    }
    qsort(e, n, sizeof *e, cmp_ent);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && e[b].space == e[a].space && e[b].hash == e[a].hash &&
               e[b].len == e[a].len && memcmp(e[b].bytes, e[a].bytes, e[a].len) == 0)
            b++;
        struct space *s = &k->sp[e[a].space];
        int64_t keys = 0;
        size_t c = a;
        for (; c < b && e[c].sub == 0; c++)
            keys += e[c].count;
        if (keys > 1) {
            s->dups += keys - 1;
            if (s->nex < 5)
                example_text(e[a].bytes, e[a].len, s->ex[s->nex++]);
        }
        if (keys > 0)
            s->parents++;
        /* probes, grouped by fk (sorted by sub) */
        for (size_t fi = 0; fi < s->nfks; fi++)
            pc[s->fks[fi]] = 0;
        for (; c < b; c++)
            pc[e[c].sub - 1] += e[c].count;
        for (size_t fi = 0; fi < s->nfks; fi++) {
            struct fk *f = &k->fk[s->fks[fi]];
            int64_t cnt = pc[s->fks[fi]];
            if (keys > 0) {
                hist_add(&f->h, cnt, 1);
            } else if (cnt > 0) {
                f->orphans += cnt;
                if (f->nex < 5)
                    example_text(e[a].bytes, e[a].len, f->ex[f->nex++]);
            }
        }
        a = b;
    }
    free(e);
}

static int read_file_at(int fd, uint64_t off, char *buf, size_t n)
{
    while (n) {
        ssize_t r = pread(fd, buf, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        buf += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

/* Records from a file of `size` bytes; split 16 ways by the next hash bits when too big. */
#define NSPLIT 16
static int process_file(struct gen_keys *k, int fd, uint64_t size, int depth, int64_t *pc,
                        struct sil_err *err)
{
    if (size <= k->part_limit || depth > 14) {
        char *buf = sil_xmalloc(size ? size : 1);
        if (read_file_at(fd, 0, buf, size) < 0) {
            free(buf);
            return sil_err_set(err, SIL_EIO, "cannot read a spill file in '%s': %s", k->dir,
                               strerror(errno));
        }
        process_records(k, buf, size, pc);
        free(buf);
        return 0;
    }
    /* Bits 63..56 chose the partition; level d uses bits 55-4(d-1) .. 52-4(d-1). */
    int sub[NSPLIT];
    uint64_t subsize[NSPLIT] = {0};
    for (size_t i = 0; i < NSPLIT; i++) {
        char *p = sil_xasprintf("%s/split-%d-%02zu", k->dir, depth, i);
        sub[i] = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        unlink(p);
        free(p);
        if (sub[i] < 0) {
            for (size_t j = 0; j < i; j++)
                close(sub[j]);
            return sil_err_set(err, SIL_EIO, "cannot create a spill file in '%s': %s", k->dir,
                               strerror(errno));
        }
    }
    int rc = 0;
    size_t bufsz = (size_t)4 << 20;
    char *buf = sil_xmalloc(bufsz + REC_HEAD + MAX_KEY);
    uint64_t off = 0;
    int shift = 52 - 4 * (depth - 1);
    while (off < size && rc == 0) {
        size_t n = (size_t)SIL_MIN((uint64_t)bufsz + REC_HEAD + MAX_KEY, size - off);
        if (read_file_at(fd, off, buf, n) < 0) {
            rc = sil_err_set(err, SIL_EIO, "cannot read a spill file: %s", strerror(errno));
            break;
        }
        size_t o = 0;
        while (o + REC_HEAD <= n) {
            uint16_t l;
            memcpy(&l, buf + o + 16, 2);
            if (o + REC_HEAD + l > n)
                break;
            uint64_t h;
            memcpy(&h, buf + o, 8);
            size_t pi = (size_t)(h >> shift) & (NSPLIT - 1);
            if (write_all(sub[pi], buf + o, REC_HEAD + l) < 0) {
                rc = sil_err_set(err, SIL_EIO, "cannot write a spill file: %s", strerror(errno));
                break;
            }
            subsize[pi] += REC_HEAD + l;
            o += REC_HEAD + l;
            if (o >= bufsz)
                break;
        }
        off += o;
    }
    free(buf);
    for (size_t i = 0; i < NSPLIT; i++) {
        if (rc == 0 && subsize[i])
            rc = process_file(k, sub[i], subsize[i], depth + 1, pc, err);
        close(sub[i]);
    }
    return rc;
}

int gen_keys_finish(struct gen_keys *k, struct sil_err *err)
{
    int spill_all = atomic_load(&k->int_spill);
    /* Integer structures: finished in memory, or turned into records. */
    for (size_t si = 0; si < k->nsp; si++) {
        struct space *s = &k->sp[si];
        if (!s->integer)
            continue;
        struct walk wk = {k, s, NULL, 0, 0};
        if (spill_all) {
            radix_walk(&s->bits, spill_bits, &wk);
            for (size_t fi = 0; fi < s->nfks; fi++) {
                wk.f = &k->fk[s->fks[fi]];
                wk.fki = s->fks[fi];
                radix_walk(&wk.f->counts, spill_counts, &wk);
            }
            continue;
        }
        radix_walk(&s->bits, count_parents, &wk);
        for (size_t fi = 0; fi < s->nfks; fi++) {
            wk.f = &k->fk[s->fks[fi]];
            radix_walk(&s->bits, walk_parents, &wk);
            radix_walk(&wk.f->counts, walk_orphans, &wk);
        }
    }
    /* Flush worker buffers into the partitions. */
    for (int w = 0; w < k->workers; w++)
        for (size_t pi = 0; pi < NPART; pi++)
            if (k->wb[w].len[pi]) {
                part_append(k, pi, k->wb[w].b[pi], k->wb[w].len[pi]);
                k->wb[w].len[pi] = 0;
            }
    if (k->io_failed)
        return sil_err_set(err, SIL_EIO, "%s", k->io_err);
    int64_t *pc = sil_xcalloc(k->nfk + 1, sizeof *pc);
    int rc = 0;
    for (size_t pi = 0; pi < NPART && rc == 0; pi++) {
        struct part *p = &k->part[pi];
        if (p->fd >= 0) {
            pthread_mutex_lock(&p->mu);
            part_spill(k, pi);
            pthread_mutex_unlock(&p->mu);
            if (k->io_failed) {
                rc = sil_err_set(err, SIL_EIO, "%s", k->io_err);
                break;
            }
            rc = process_file(k, p->fd, p->file_bytes, 1, pc, err);
        } else if (p->len) {
            process_records(k, p->mem, p->len, pc);
        }
        if (rc == 0 && sil_interrupted())
            rc = sil_err_set(err, SIL_EINTR, "interrupted");
    }
    free(pc);
    for (size_t fi = 0; fi < k->nfk; fi++)
        hist_pairs(&k->fk[fi].h);
    return rc;
}

void gen_keys_space_result(const struct gen_keys *k, int space, struct gen_keys_result *r)
{
    const struct space *s = &k->sp[space];
    memset(r, 0, sizeof *r);
    for (int w = 0; w < k->workers; w++)
        if ((size_t)space < k->wb[w].nspv)
            r->values += k->wb[w].sp_values[space];
    r->duplicates = atomic_load(&((struct space *)s)->dups);
    r->parents = s->parents;
    r->nexamples = s->nex;
    memcpy(r->examples, s->ex, sizeof r->examples);
    r->spilled = !s->integer || atomic_load(&((struct gen_keys *)k)->int_spill);
}

void gen_keys_fk_result(const struct gen_keys *k, int fk, struct gen_keys_result *r)
{
    const struct fk *f = &k->fk[fk];
    memset(r, 0, sizeof *r);
    for (int w = 0; w < k->workers; w++)
        if ((size_t)fk < k->wb[w].nfkv)
            r->values += k->wb[w].fk_values[fk];
    r->orphans = f->orphans;
    r->parents = k->sp[f->space].parents;
    r->nhist = f->h.npairs;
    r->hist = (const int64_t(*)[2])f->h.pairs;
    r->nexamples = f->nex;
    memcpy(r->examples, f->ex, sizeof r->examples);
    r->spilled = !k->sp[f->space].integer || atomic_load(&((struct gen_keys *)k)->int_spill);
}

size_t gen_keys_peak(const struct gen_keys *k)
{
    return atomic_load(&((struct gen_keys *)k)->peak);
}

uint64_t gen_keys_spilled_bytes(const struct gen_keys *k)
{
    return atomic_load(&((struct gen_keys *)k)->spilled);
}
