/* Turning (table, column, row) into a value: the per-row hot path. */
#include <math.h>
#include <string.h>

#include "dict.h"
#include "expr.h"
#include "pii.h"
#include "plan.h"
#include "template.h"
#include "values.h"

struct arrival_state {
    int64_t parent;
    int64_t row;
    int64_t t;
};

struct perm_state {
    int64_t block; /* last row block looked up, -1 = none */
    int64_t mapped;
};

struct gen_cursor {
    size_t nfks;
    struct gen_fanout_cursor *fc;
    struct arrival_state *arr; /* per fk */
    struct perm_state *perm;   /* per fk */
};

struct gen_cursor *gen_cursor_new(const struct gen_table *t)
{
    struct gen_cursor *c = sil_xcalloc(1, sizeof *c);
    c->nfks = t->nfks;
    c->fc = sil_xcalloc(t->nfks ? t->nfks : 1, sizeof *c->fc);
    c->perm = sil_xcalloc(t->nfks ? t->nfks : 1, sizeof *c->perm);
    c->arr = sil_xcalloc(t->nfks ? t->nfks : 1, sizeof *c->arr);
    for (size_t i = 0; i < t->nfks; i++) {
        c->fc[i].p = -1;
        c->perm[i].block = -1;
        c->arr[i].parent = -1;
    }
    return c;
}

void gen_cursor_free(struct gen_cursor *c)
{
    if (!c)
        return;
    free(c->fc);
    free(c->perm);
    free(c->arr);
    free(c);
}

/* A multiplier in [1, m) coprime to m, from the bits h (1 when m <= 2):
 * k -> (k * mul + off) mod m is then a bijection of [0, m). */
static uint64_t coprime_below(uint64_t h, uint64_t m)
{
    if (m <= 2)
        return 1;
    uint64_t mul = 1 + gen_below(h, m - 1);
    for (;;) {
        uint64_t x = mul, y = m;
        while (y) {
            uint64_t r = x % y;
            x = y;
            y = r;
        }
        if (x == 1)
            return mul;
        mul = mul + 1 < m ? mul + 1 : 1;
    }
}

/* ---- formatting helpers ---- */

static size_t fmt_u64(char *out, uint64_t v)
{
    char b[24];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = b[n - 1 - i];
    return (size_t)n;
}

size_t gen_fmt_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + fmt_u64(out + 1, (uint64_t)(-(v + 1)) + 1);
    }
    return fmt_u64(out, (uint64_t)v);
}

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

void gen_civil(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static size_t fmt_date(char *o, int64_t days)
{
    int y, m, d;
    gen_civil(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        y = y < 1 ? 1 : 9999;
        m = d = 1;
    }
    o[0] = (char)('0' + y / 1000);
    o[1] = (char)('0' + y / 100 % 10);
    o[2] = (char)('0' + y / 10 % 10);
    o[3] = (char)('0' + y % 10);
    o[4] = '-';
    put2(o + 5, m);
    o[7] = '-';
    put2(o + 8, d);
    return 10;
}

static size_t fmt_tod(char *o, int64_t secs)
{
    put2(o, (int)(secs / 3600));
    o[2] = ':';
    put2(o + 3, (int)(secs / 60 % 60));
    o[5] = ':';
    put2(o + 6, (int)(secs % 60));
    return 8;
}

size_t gen_fmt_time(char *o, enum sil_type_base base, int64_t v)
{
    size_t n = 0;
    switch (base) {
    case SIL_T_DATE:
        return fmt_date(o, v);
    case SIL_T_TIME:
    case SIL_T_TIMETZ: {
        int64_t s = ((v % 86400) + 86400) % 86400;
        n = fmt_tod(o, s);
        if (base == SIL_T_TIMETZ) {
            memcpy(o + n, "+00", 3);
            n += 3;
        }
        return n;
    }
    case SIL_T_INTERVAL: {
        if (v < 0)
            v = 0;
        n = fmt_u64(o, (uint64_t)(v / 3600));
        o[n++] = ':';
        put2(o + n, (int)(v / 60 % 60));
        n += 2;
        o[n++] = ':';
        put2(o + n, (int)(v % 60));
        return n + 2;
    }
    default: {
        int64_t days = v >= 0 ? v / 86400 : -((-v + 86399) / 86400);
        int64_t s = v - days * 86400;
        n = fmt_date(o, days);
        o[n++] = ' ';
        n += fmt_tod(o + n, s);
        if (base == SIL_T_TIMESTAMPTZ) {
            memcpy(o + n, "+00", 3);
            n += 3;
        }
        return n;
    }
    }
}

static size_t fmt_base36(char *o, uint64_t v, int width)
{
    char b[16];
    int n = 0;
    do {
        b[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v);
    while (n < width)
        b[n++] = '0';
    for (int i = 0; i < n; i++)
        o[i] = b[n - 1 - i];
    return (size_t)n;
}

static size_t fmt_uuid(char *o, uint64_t hi, uint64_t lo)
{
    static const char hx[] = "0123456789abcdef";
    unsigned char b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (56 - 8 * i));
        b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
    }
    size_t n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            o[n++] = '-';
        o[n++] = hx[b[i] >> 4];
        o[n++] = hx[b[i] & 15];
    }
    return n;
}

/* A number with `scale` digits after the point (scale < 0: shortest form). */
static size_t fmt_double(char *o, double x, int scale)
{
    if (!isfinite(x))
        x = 0;
    if (scale == 0)
        return gen_fmt_i64(o, (int64_t)llround(x));
    if (scale > 0 && scale <= 9 && fabs(x) < 9e15 / 1e9) {
        static const int64_t p10[] = {1,      10,      100,      1000,      10000,
                                      100000, 1000000, 10000000, 100000000, 1000000000};
        int64_t m = llround(x * (double)p10[scale]);
        size_t n = 0;
        if (m < 0) {
            o[n++] = '-';
            m = -m;
        }
        n += fmt_u64(o + n, (uint64_t)(m / p10[scale]));
        o[n++] = '.';
        int64_t frac = m % p10[scale];
        for (int i = scale - 1; i >= 0; i--) {
            o[n + (size_t)i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        return n + (size_t)scale;
    }
    int n = snprintf(o, 64, scale > 0 ? "%.*f" : "%.*g", scale > 0 ? scale : 15, x);
    return n > 0 ? (size_t)n : 0;
}

/* Cut a UTF-8 string to at most `max` characters. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    size_t chars = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t step = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
        if (chars == max)
            return i;
        chars++;
        i += step;
    }
    return len > i ? i : len;
}

/* ---- foreign keys ---- */

int64_t gen_fk_parent(const struct gen_fkplan *f, int64_t row, struct gen_cursor *cur)
{
    size_t fi = (size_t)(f - f->child->fks);
    struct gen_fanout_cursor *fc = cur ? &cur->fc[fi] : NULL;
    if (f->mode == GFK_SELF && f->has_fan) {
        int64_t n = f->fan.np, r = f->self_roots;
        if (row < r)
            return f->nullable ? -1 : row;
        int64_t q = (row - r + gen_fanout_offset(&f->fan, f->self_rot)) % f->fan.nc;
        int64_t pp = gen_fanout_parent(&f->fan, q, fc);
        return (pp - f->self_rot + n) % n;
    }
    if (f->null_frac > 0 && gen_unit(gen_rand(f->key, (uint64_t)row, 99)) < f->null_frac)
        return -1;
    switch (f->mode) {
    case GFK_ALLNULL:
        return -1;
    case GFK_SELF:
        if (row == 0)
            return f->nullable ? -1 : 0; /* the root of the hierarchy */
        return (int64_t)gen_below(gen_rand(f->key, (uint64_t)row, 1), (uint64_t)row);
    case GFK_CONTIG:
        return gen_fanout_parent(&f->fan, row, fc);
    case GFK_PERM: {
        /* Position: the row's block moved by the permutation, same offset. */
        int64_t b = row / GEN_PERM_BLOCK;
        if (b >= (int64_t)f->perm.n || f->perm.n <= 1)
            return gen_fanout_parent(&f->fan, row, fc); /* the tail keeps its place */
        int64_t mapped;
        if (cur && cur->perm[fi].block == b) {
            mapped = cur->perm[fi].mapped;
        } else {
            mapped = (int64_t)gen_perm_apply(&f->perm, (uint64_t)b);
            if (cur) {
                cur->perm[fi].block = b;
                cur->perm[fi].mapped = mapped;
            }
        }
        return gen_fanout_parent(&f->fan, mapped * GEN_PERM_BLOCK + row % GEN_PERM_BLOCK, fc);
    }
    case GFK_MOD:
        /* Siblings are consecutive rows, so consecutive parents of the
         * permutation: distinct, and every parent is taken about equally
         * often, as the shape's dense fan-outs are. */
        return (int64_t)gen_perm_apply(&f->perm, (uint64_t)row % (uint64_t)f->parent->rows);
    case GFK_NESTED: {
        /* The child's primary parent a, and its position k among a's children. */
        const struct gen_fkplan *pf = &f->child->fks[f->child->primary_fk];
        struct gen_fanout_cursor tmp = {-1, 0, 0, 0};
        struct gen_fanout_cursor *pc = cur ? &cur->fc[f->child->primary_fk] : &tmp;
        int64_t a = gen_fanout_parent(&pf->fan, row, pc);
        int64_t lo = gen_fanout_offset(&f->nest->fan, a);
        int64_t hi = gen_fanout_offset(&f->nest->fan, a + 1);
        if (hi <= lo) /* a has no rows in the parent table */
            return f->nullable ? -1 : gen_fanout_parent(&f->fan, row, NULL);
        uint64_t m = (uint64_t)(pc->end - pc->start), k = (uint64_t)(row - pc->start);
        /* An affine bijection of k interleaves the parent rows' children. */
        uint64_t h = gen_rand(f->key, (uint64_t)a, 11), mul = coprime_below(h, m);
        uint64_t kk = (uint64_t)(((gen_u128)k * mul + gen_below(gen_mix(h), m)) % m);
        if (!f->nest_loc)
            return lo + (int64_t)((gen_u128)kk * (uint64_t)(hi - lo) / m);
        /* The last row of the group whose first position is <= kk. */
        int64_t l = lo, u = hi - 1;
        while (l < u) {
            int64_t mid = l + (u - l + 1) / 2;
            if ((uint64_t)f->nest_loc[mid] <= kk)
                l = mid;
            else
                u = mid - 1;
        }
        return l;
    }
    case GFK_STRIDE: {
        gen_u128 q = ((gen_u128)(uint64_t)row * (uint64_t)f->stride) % (uint64_t)f->fan.nc;
        return gen_fanout_parent(&f->fan, (int64_t)q, NULL);
    }
    }
    return -1;
}

/* ---- time values ---- */

/* Keep a time inside the column's bounds (strict bounds move one unit in). */
static int64_t clamp_time(const struct gen_col *c, int64_t t)
{
    if (c->bounds.has_lo) {
        int64_t lo = (int64_t)ceil(c->bounds.lo) +
                     (c->bounds.lo_strict && ceil(c->bounds.lo) == c->bounds.lo);
        if (t < lo)
            t = lo;
    }
    if (c->bounds.has_hi) {
        int64_t hi = (int64_t)floor(c->bounds.hi) -
                     (c->bounds.hi_strict && floor(c->bounds.hi) == c->bounds.hi);
        if (t > hi)
            t = hi;
    }
    return t;
}

/* Epoch seconds (or days for dates, seconds of day for times) at
 * probability u of the column's distribution, with the hour-of-week
 * profile applied from the random bits r. */
static int64_t time_at(const struct gen_col *c, double u, uint64_t r)
{
    double x = gen_icdf_eval(&c->dist, c->u_lo + u * (c->u_hi - c->u_lo));
    if (c->bounds.has_lo && x < c->bounds.lo)
        x = c->bounds.lo;
    if (c->bounds.has_hi && x > c->bounds.hi)
        x = c->bounds.hi;
    int64_t t = (int64_t)floor(x);
    if (c->how && c->type->base != SIL_T_DATE) {
        /* Keep the week, redraw the hour of the week (index 0 = Monday 00:00 UTC). */
        const int64_t monday = 4 * 86400; /* 1970-01-05 was a Monday */
        int64_t wk = (t - monday) >= 0 ? (t - monday) / 604800 : -((monday - t + 604799) / 604800);
        size_t h = gen_cat_pick(&c->how_cat, gen_unit(r));
        t = monday + wk * 604800 + (int64_t)h * 3600 + (int64_t)gen_below(gen_mix(r), 3600);
    }
    return clamp_time(c, t);
}

static int64_t time_draw(const struct gen_col *c, uint64_t key, uint64_t idx, uint64_t draw)
{
    return time_at(c, gen_unit(gen_rand(key, idx, draw)), gen_rand(key, idx, draw + 1));
}

/*
 * An arrival time. Children of one parent are consecutive rows, and each
 * parent's children own their share [start, end) of the column's
 * distribution (by rank: the rows before them, over all rows).
 *
 * Bursts (arr_burst): the children follow the shape's gaps from a start
 * drawn inside the parent's share, so they cluster as the shape says while
 * the shares keep the column's distribution.
 *
 * Otherwise each row gets a rank by a bijection that shuffles the rows
 * inside windows of arr_w rows, and its time is the column's quantile at
 * that (jittered) rank: the distribution is met exactly, and a parent's
 * children share the time window their neighbours arrive in.
 */
static int64_t arrival_time(const struct gen_col *c, const struct gen_fkplan *f, int64_t row,
                            struct gen_cursor *cur)
{
    uint64_t n = (uint64_t)f->fan.nc, w = (uint64_t)(f->arr_w > 0 ? f->arr_w : 1);
    if (n == 0 || (uint64_t)row >= n)
        return time_draw(c, c->key, (uint64_t)row, 0);
    if (f->arr_burst) {
        size_t fi = (size_t)(f - f->child->fks);
        struct gen_fanout_cursor tmp = {-1, 0, 0, 0};
        struct gen_fanout_cursor *fc = cur ? &cur->fc[fi] : &tmp;
        int64_t p = gen_fanout_parent(&f->fan, row, fc);
        int64_t start = fc->start, m = fc->end - fc->start;
        struct arrival_state *st = cur ? &cur->arr[fi] : NULL;
        if (st && st->parent == p && st->row == row)
            return st->t;
        int64_t t, from;
        if (st && st->parent == p && st->row < row && st->row >= start) {
            t = st->t;
            from = st->row + 1;
        } else {
            /* The start: inside the share, leaving room for the span. */
            double u0 = (double)start / (double)n, u1 = (double)(start + m) / (double)n;
            double share = gen_icdf_eval(&c->dist, c->u_lo + u1 * (c->u_hi - c->u_lo)) -
                           gen_icdf_eval(&c->dist, c->u_lo + u0 * (c->u_hi - c->u_lo));
            double span = f->arr_gap * (double)(m > 0 ? m - 1 : 0);
            double room = share > span && share > 0 ? 1 - span / share : 0;
            double u = u0 + (u1 - u0) * room * gen_unit(gen_rand(f->key, (uint64_t)p, 7));
            t = time_at(c, u, gen_rand(f->key, (uint64_t)p, 8));
            from = start + 1;
        }
        for (int64_t s = from; s <= row; s++) {
            double g = gen_icdf_eval(&f->gaps, gen_unit(gen_rand(f->key, (uint64_t)s, 5)));
            if (c->type->base == SIL_T_DATE)
                g /= 86400;
            t += g > 0 ? (int64_t)ceil(g) : 0;
        }
        if (st) {
            st->parent = p;
            st->row = row;
            st->t = t;
        }
        return clamp_time(c, t);
    }
    uint64_t b = (uint64_t)row / w, base = b * w, m = n - base < w ? n - base : w;
    uint64_t h = gen_rand(f->key, b, 13);
    uint64_t k = (uint64_t)row - base;
    uint64_t rank =
        base + (uint64_t)(((gen_u128)k * coprime_below(h, m) + gen_below(gen_mix(h), m)) % m);
    double u = ((double)rank + gen_unit(gen_rand(c->key, (uint64_t)row, 5))) / (double)n;
    return time_at(c, u, gen_rand(c->key, (uint64_t)row, 6));
}

/* The key of the person a row describes (shared by its name columns). */
static inline uint64_t t_person(const struct gen_col *c)
{
    return c->person;
}

/* ---- faker methods ---- */

static size_t faker_value(const struct gen_col *c, int64_t row, char *o, size_t cap,
                          enum gen_vtype *type)
{
    const struct gen_dict *d = gen_dict_get();
    enum gen_locale loc = gen_locale_index(c->locale);
    uint64_t r = gen_rand(c->key, (uint64_t)row, 0);
    const struct gen_faker_spec *f = &c->faker;
    *type = GV_STR;
    switch (f->method) {
    case GF_RANDOM_INT: {
        double lo = f->has_min ? f->min : 0, hi = f->has_max ? f->max : 9999;
        int64_t v = (int64_t)lo + (int64_t)gen_below(r, (uint64_t)((int64_t)hi - (int64_t)lo + 1));
        *type = GV_NUM;
        return c->scale > 0 ? fmt_double(o, (double)v, c->scale) : gen_fmt_i64(o, v);
    }
    case GF_PYFLOAT: {
        double lo = f->has_min ? f->min : 0, hi = f->has_max ? f->max : 1000;
        *type = GV_NUM;
        int sc = c->scale >= 0 ? c->scale : f->digits;
        return fmt_double(o, lo + gen_unit(r) * (hi - lo), sc);
    }
    case GF_BOOLEAN:
        *type = GV_BOOL;
        o[0] = (r >> 63) ? 't' : 'f';
        return 1;
    case GF_DATE_THIS_YEAR:
    case GF_DATE_BETWEEN:
    case GF_DATE_TIME:
    case GF_BIRTH_DATE: {
        /* Fixed reference year so output does not depend on the clock. */
        double lo = f->has_min ? f->min : (f->method == GF_BIRTH_DATE ? -10957 : 19723);
        double hi = f->has_max ? f->max : (f->method == GF_BIRTH_DATE ? 13148 : 20088);
        if (f->method == GF_DATE_BETWEEN && !f->has_min)
            lo = 18262; /* 2020-01-01 */
        int64_t days = (int64_t)lo + (int64_t)gen_below(r, (uint64_t)(hi - lo + 1));
        if (f->method == GF_BIRTH_DATE && !f->has_min && !f->has_max)
            days = gen_person_birth_days(c->person, row); /* the row's person */
        int64_t secs = days * 86400 + (int64_t)gen_below(gen_mix(r), 86400);
        enum sil_type_base b = c->type->base;
        if (sil_type_is_text(c->type))
            b = f->method == GF_DATE_TIME ? SIL_T_TIMESTAMP : SIL_T_DATE;
        return gen_fmt_time(o, b, b == SIL_T_DATE ? days : secs);
    }
    case GF_JOB:
        return (size_t)snprintf(o, cap, "%s", d->job.v[gen_below(r, d->job.n)]);
    case GF_COMPANY:
        return (size_t)snprintf(o, cap, "%s", d->company.v[gen_below(r, d->company.n)]);
    case GF_BS:
        return (size_t)snprintf(o, cap, "%s %s %s", d->bs_verb.v[gen_below(r, d->bs_verb.n)],
                                d->bs_adj.v[gen_below(gen_mix(r), d->bs_adj.n)],
                                d->bs_noun.v[gen_below(gen_mix(r + 1), d->bs_noun.n)]);
    case GF_CATCH_PHRASE:
        return (size_t)snprintf(o, cap, "%c%s %s",
                                d->bs_adj.v[gen_below(r, d->bs_adj.n)][0] & ~0x20,
                                d->bs_adj.v[gen_below(r, d->bs_adj.n)] + 1,
                                d->bs_noun.v[gen_below(gen_mix(r), d->bs_noun.n)]);
    case GF_WORD:
        return (size_t)snprintf(o, cap, "%s", d->words.v[gen_below(r, d->words.n)]);
    case GF_SENTENCE:
        return gen_free_text(r, 24 + gen_below(gen_mix(r), 40), o, cap);
    case GF_TEXT:
        return gen_free_text(r, 80 + gen_below(gen_mix(r), 120), o, cap);
    case GF_UUID4:
        return fmt_uuid(o, (r & ~UINT64_C(0xf000)) | 0x4000,
                        (gen_mix(r) & ~(UINT64_C(3) << 62)) | (UINT64_C(2) << 62));
    case GF_CURRENCY_CODE:
        return (size_t)snprintf(o, cap, "%s", d->currency.v[gen_below(r, d->currency.n)]);
    case GF_COUNTRY_CODE: {
        /* The locale's own country first, then others. */
        static const char *const own[] = {"US", "GB", "DE", "FR", "SE"};
        if (gen_below(r, 10) < 6)
            return (size_t)snprintf(o, cap, "%s", own[loc]);
        return (size_t)snprintf(o, cap, "%s", d->country.v[gen_below(gen_mix(r), d->country.n)]);
    }
    case GF_COUNTRY:
        return (size_t)snprintf(o, cap, "%s", d->country.aux[gen_below(r, d->country.n)]);
    case GF_COLOR_NAME:
        return (size_t)snprintf(o, cap, "%s", d->color.v[gen_below(r, d->color.n)]);
    case GF_RANDOM_ELEMENT: {
        const char *e = f->elements[gen_below(r, f->nelements)];
        if (sil_type_is_numeric(c->type))
            *type = GV_NUM;
        return (size_t)snprintf(o, cap, "%s", e);
    }
    case GF_IPV4:
        return gen_pii(SIL_CLASS_PERSONAL_IP, loc, c->key, c->key, row, -1, o, cap);
    default:
        /* Personal methods map onto classes. */
        return gen_pii(c->cls, loc, c->key, t_person(c), row, -1, o, cap);
    }
}

/* ---- numbers, with bounds and comparisons ---- */

static double num_step(const struct gen_col *c)
{
    if (c->kind == GK_TIME || c->is_int)
        return 1;
    return c->scale >= 0 ? pow(10, -c->scale) : 1e-6;
}

static double num_clamp(const struct gen_col *c, double x)
{
    double step = num_step(c);
    if (c->bounds.has_lo && (x < c->bounds.lo || (c->bounds.lo_strict && x <= c->bounds.lo)))
        x = c->bounds.lo + (c->bounds.lo_strict ? step : 0);
    if (c->bounds.has_hi && (x > c->bounds.hi || (c->bounds.hi_strict && x >= c->bounds.hi)))
        x = c->bounds.hi - (c->bounds.hi_strict ? step : 0);
    if (x < c->vmin)
        x = c->vmin;
    if (x > c->vmax)
        x = c->vmax;
    return x;
}

static int col_number(const struct gen_plan *p, const struct gen_table *t, const struct gen_col *c,
                      int64_t row, struct gen_cursor *cur, double *out);

static int holds(double x, enum gen_op op, double y)
{
    switch (op) {
    case GEN_OP_EQ:
        return x == y;
    case GEN_OP_NE:
        return x != y;
    case GEN_OP_LT:
        return x < y;
    case GEN_OP_LE:
        return x <= y;
    case GEN_OP_GT:
        return x > y;
    case GEN_OP_GE:
        return x >= y;
    }
    return 1;
}

/* Move x to the right side of each column it is compared with: reflected
 * across the other value (keeping its spread), else just past it. */
static double compare_fix(const struct gen_plan *p, const struct gen_table *t,
                          const struct gen_col *c, int64_t row, struct gen_cursor *cur, double x)
{
    for (size_t i = 0; i < c->ncmp; i++) {
        double y;
        if (!col_number(p, t, &t->cols[c->cmp[i].other], row, cur, &y))
            continue; /* NULL: the check passes */
        enum gen_op op = c->cmp[i].op;
        if (holds(x, op, y))
            continue;
        double step = num_step(c);
        double r = num_clamp(c, 2 * y - x);
        if (op != GEN_OP_EQ && op != GEN_OP_NE && holds(r, op, y)) {
            x = r;
            continue;
        }
        x = op == GEN_OP_LT ? y - step : op == GEN_OP_GT || op == GEN_OP_NE ? y + step : y;
    }
    return x;
}

/*
 * A column ordered against another (edited_at >= sent_at) draws at the
 * probability the other's value has under the other's distribution. Both
 * then follow their own distributions, and the order holds wherever this
 * column's distribution lies on the right side of the other's; compare_fix
 * mends the rest. 0 when the column is not coupled this way.
 */
static int coupled_u(const struct gen_plan *p, const struct gen_table *t, const struct gen_col *c,
                     int64_t row, struct gen_cursor *cur, double *u, double *other)
{
    if (c->ncmp != 1 || c->cmp[0].op == GEN_OP_EQ || c->cmp[0].op == GEN_OP_NE)
        return 0;
    const struct gen_col *o = &t->cols[c->cmp[0].other];
    double y;
    if (o->kind != c->kind || o->unique || o->dist.n < 2 || !col_number(p, t, o, row, cur, &y))
        return 0;
    double span = o->u_hi - o->u_lo, v = gen_icdf_cdf(&o->dist, y);
    v = span > 0 ? (v - o->u_lo) / span : 0.5;
    *u = v < 0 ? 0 : v > 1 ? 1 : v;
    *other = y;
    return 1;
}

/* GK_NUM's value before formatting. */
static double num_value(const struct gen_plan *p, const struct gen_table *t,
                        const struct gen_col *c, int64_t row, struct gen_cursor *cur)
{
    if (c->unique)
        return c->bounds.lo + (double)gen_perm_apply(&c->uperm, (uint64_t)row);
    double u, y;
    if (!coupled_u(p, t, c, row, cur, &u, &y))
        u = gen_unit(gen_rand(c->key, (uint64_t)row, 0));
    double x = gen_icdf_eval(&c->dist, c->u_lo + u * (c->u_hi - c->u_lo));
    /* Round first, then clamp: a rounded value stays inside strict bounds. */
    if (c->is_int)
        x = (double)llround(x);
    else if (c->scale >= 0 && c->scale <= 15 && fabs(x) * pow(10, c->scale) < 9e15)
        x = (double)llround(x * pow(10, c->scale)) / pow(10, c->scale);
    x = num_clamp(c, x);
    return c->ncmp ? compare_fix(p, t, c, row, cur, x) : x;
}

/* GK_TIME's value (epoch seconds, or days for dates) before formatting. */
static int64_t time_value(const struct gen_plan *p, const struct gen_table *t,
                          const struct gen_col *c, int64_t row, struct gen_cursor *cur)
{
    int64_t tv;
    if (c->unique)
        tv = (int64_t)c->bounds.lo + (int64_t)gen_perm_apply(&c->uperm, (uint64_t)row) *
                                         (c->type->base == SIL_T_DATE ? 1 : 61);
    else if (c->arrival)
        tv = arrival_time(c, c->arrival, row, cur);
    else if (c->person_birth)
        tv = c->type->base == SIL_T_DATE ? gen_person_birth_days(c->person, row)
                                         : gen_person_birth_days(c->person, row) * 86400 + 43200;
    else {
        double u, y;
        if (!coupled_u(p, t, c, row, cur, &u, &y)) {
            tv = time_draw(c, c->key, (uint64_t)row, 0);
        } else {
            tv = time_at(c, u, gen_rand(c->key, (uint64_t)row, 1));
            /* The hour of the week was redrawn: whole weeks restore the
             * order and keep the hour. */
            if (c->how && c->type->base != SIL_T_DATE && !holds((double)tv, c->cmp[0].op, y)) {
                int64_t weeks = ((int64_t)fabs(y - (double)tv) + 604799) / 604800;
                int64_t moved =
                    tv + (c->cmp[0].op == GEN_OP_GT || c->cmp[0].op == GEN_OP_GE ? weeks * 604800
                                                                                 : -weeks * 604800);
                if (clamp_time(c, moved) == moved)
                    tv = moved;
            }
        }
    }
    return c->ncmp ? (int64_t)compare_fix(p, t, c, row, cur, (double)tv) : tv;
}

/* A numeric or time column's value as a number; 0 when it is NULL. */
static int col_number(const struct gen_plan *p, const struct gen_table *t, const struct gen_col *c,
                      int64_t row, struct gen_cursor *cur, double *out)
{
    if (c->null_frac > 0 && gen_unit(gen_rand(c->key, (uint64_t)row, 99)) < c->null_frac)
        return 0;
    if (c->kind == GK_NUM)
        *out = num_value(p, t, c, row, cur);
    else if (c->kind == GK_TIME)
        *out = (double)time_value(p, t, c, row, cur);
    else if (c->kind == GK_ROWKEY && c->rowkey_kind == 0)
        *out = (double)(row + 1);
    else
        return 0;
    return 1;
}

/* ---- the column dispatcher ---- */

static void set_num(struct gen_val *v, size_t n)
{
    v->type = GV_NUM;
    v->s = v->buf;
    v->len = n;
}

static void set_str(struct gen_val *v, size_t n, int maxlen)
{
    v->type = GV_STR;
    v->s = v->buf;
    v->len = maxlen > 0 ? utf8_cut(v->buf, n, (size_t)maxlen) : n;
}

/* A column's text at a row as a new string, NULL for SQL NULL. */
static char *value_text(const struct gen_plan *p, const struct gen_table *t,
                        const struct gen_col *c, int64_t row, struct gen_cursor *cur,
                        struct gen_val *v)
{
    gen_value(p, t, c, row, cur, v);
    if (v->type == GV_NULL)
        return NULL;
    char *s = sil_xmalloc(v->len + 1);
    memcpy(s, v->s, v->len);
    s[v->len] = '\0';
    return s;
}

/*
 * A nullable column whose NULLs a check decides ((channel = 'card') =
 * (card_number IS NOT NULL)): the check is evaluated on the row with this
 * column NULL and with its value, and when only one passes, that one is
 * taken. Returns 1 NULL, 0 the value, -1 undecided (the column's null
 * fraction decides).
 */
static int null_by_check(const struct gen_plan *p, const struct gen_table *t,
                         const struct gen_col *c, int64_t row, struct gen_cursor *cur)
{
    const struct gen_check *gc = c->null_check;
    size_t self = (size_t)(c - t->cols);
    char **vals = sil_xcalloc(t->ncols + 1, sizeof *vals);
    struct gen_val *v = sil_xmalloc(sizeof *v);
    for (size_t i = 0; i < t->ncols; i++) {
        int used = 0;
        for (size_t k = 0; k < sil_expr_ncolumns(gc->e) && !used; k++)
            used = strcmp(sil_expr_column(gc->e, k), t->cols[i].col->name) == 0;
        if (!used)
            continue;
        struct gen_col tmp = t->cols[i];
        tmp.null_check = NULL; /* one decided column per check: no recursion */
        if (i == self)
            tmp.null_frac = 0;
        vals[i] = value_text(p, t, &tmp, row, cur, v);
    }
    struct sil_expr_env env = {p->now, NULL};
    enum sil_tri with_value, with_null;
    struct sil_err e2;
    int ok = sil_expr_eval(gc->e, (const char *const *)vals, &env, &with_value, &e2) == 0;
    free(vals[self]);
    vals[self] = NULL;
    ok = ok && sil_expr_eval(gc->e, (const char *const *)vals, &env, &with_null, &e2) == 0;
    for (size_t i = 0; i < t->ncols; i++)
        free(vals[i]);
    free(vals);
    free(v);
    if (!ok || sil_expr_check_passes(with_value) == sil_expr_check_passes(with_null))
        return -1;
    return sil_expr_check_passes(with_null) ? 1 : 0;
}

void gen_value(const struct gen_plan *p, const struct gen_table *t, const struct gen_col *c,
               int64_t row, struct gen_cursor *cur, struct gen_val *v)
{
    uint64_t r;
    int decided = c->null_check ? null_by_check(p, t, c, row, cur) : -1;
    if (decided == 1 || (decided < 0 && c->null_frac > 0 &&
                         gen_unit(gen_rand(c->key, (uint64_t)row, 99)) < c->null_frac)) {
        v->type = GV_NULL;
        v->len = 0;
        return;
    }
    switch (c->kind) {
    case GK_NULL:
        v->type = GV_NULL;
        v->len = 0;
        return;
    case GK_ROWKEY:
        if (c->rowkey_kind == 0) {
            set_num(v, gen_fmt_i64(v->buf, row + 1));
        } else if (c->rowkey_kind == 1) {
            /* The low 62 bits are a bijection of the row; the rest follow from them. */
            uint64_t lo = gen_perm_apply(&c->uperm, (uint64_t)row);
            uint64_t hi = (gen_mix(lo ^ t->key) & ~UINT64_C(0xf000)) | 0x4000;
            set_str(v, fmt_uuid(v->buf, hi, lo | (UINT64_C(2) << 62)), 0);
        } else {
            /* Text keys: a fixed-width base-36 code, a bijection of the row. */
            uint64_t x = gen_perm_apply(&c->uperm, (uint64_t)row);
            int width = c->maxlen > 0 && c->maxlen < 13 ? c->maxlen : 12;
            set_str(v, fmt_base36(v->buf, x, width), 0);
        }
        return;
    case GK_SEQ_IN_PARENT: {
        const struct gen_fkplan *f = &t->fks[t->primary_fk];
        struct gen_fanout_cursor tmp = {-1, 0, 0, 0};
        struct gen_fanout_cursor *fc = cur ? &cur->fc[t->primary_fk] : &tmp;
        gen_fanout_parent(&f->fan, row, fc);
        set_num(v, gen_fmt_i64(v->buf, row - fc->start + 1));
        return;
    }
    case GK_FK: {
        const struct gen_fkplan *f = c->fk;
        int64_t pr = gen_fk_parent(f, row, cur);
        if (pr < 0) {
            v->type = GV_NULL;
            v->len = 0;
            return;
        }
        const struct gen_col *pc = &f->parent->cols[f->ref_cols[c->fk_col]];
        if (pc->kind == GK_ROWKEY && pc->rowkey_kind == 0) {
            set_num(v, gen_fmt_i64(v->buf, pr + 1));
            return;
        }
        /* Any other key: the parent's own value at its row (NULL-free). */
        struct gen_col tmpc = *pc;
        tmpc.null_frac = 0;
        gen_value(p, f->parent, &tmpc, pr, NULL, v);
        return;
    }
    case GK_NUM: {
        double x = num_value(p, t, c, row, cur);
        if (c->is_int)
            set_num(v, gen_fmt_i64(v->buf, (int64_t)llround(x)));
        else
            set_num(v, fmt_double(v->buf, x, c->scale));
        return;
    }
    case GK_TIME: {
        int64_t tv = time_value(p, t, c, row, cur);
        v->type = GV_STR;
        v->s = v->buf;
        v->len = gen_fmt_time(v->buf, c->type->base, tv);
        return;
    }
    case GK_BOOL: {
        r = gen_rand(c->key, (uint64_t)row, 0);
        size_t i = c->ncat ? gen_cat_pick(&c->cat, gen_unit(r)) : (size_t)(r >> 63);
        const char *s = c->ncat ? c->cat_values[i] : (i ? "t" : "f");
        v->type = GV_BOOL;
        v->buf[0] = (s[0] == 't' || s[0] == 'T' || s[0] == '1' || s[0] == 'y') ? 't' : 'f';
        v->s = v->buf;
        v->len = 1;
        return;
    }
    case GK_CAT: {
        size_t i;
        if (c->unique)
            i = (size_t)gen_perm_apply(&c->uperm, (uint64_t)row);
        else
            i = gen_cat_pick(&c->cat, gen_unit(gen_rand(c->key, (uint64_t)row, 0)));
        v->type = sil_type_is_numeric(c->type) ? GV_NUM : GV_STR;
        v->s = c->cat_values[i];
        v->len = strlen(v->s);
        return;
    }
    case GK_TEXT: {
        r = gen_rand(c->key, (uint64_t)row, 0);
        double lf = gen_icdf_eval(&c->dist, gen_unit(gen_rand(c->key, (uint64_t)row, 1)));
        size_t len = lf < 1 ? 1 : (size_t)llround(lf);
        if (len > GEN_VAL_MAX - 32)
            len = GEN_VAL_MAX - 32;
        if (c->maxlen > 0 && len > (size_t)c->maxlen)
            len = (size_t)c->maxlen;
        if (c->minlen > 0 && len < (size_t)c->minlen)
            len = (size_t)c->minlen;
        size_t n;
        if (c->unique && c->code_width > 0) {
            /* Short unique text: an upper-case code, a bijection of the row. */
            uint64_t x = gen_perm_apply(&c->uperm, (uint64_t)row);
            n = fmt_base36(v->buf, x, c->code_width);
            /* The code is a prefix of fixed width, so the value stays unique
             * when it is filled to the length the shape's distribution draws. */
            static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            uint64_t fill = gen_mix(r);
            for (; n < len; n++) {
                v->buf[n] = alnum[fill % 36];
                fill = gen_mix(fill);
            }
            for (size_t i = 0; i < n; i++)
                if (v->buf[i] >= 'a' && v->buf[i] <= 'z')
                    v->buf[i] = (char)(v->buf[i] - 32);
        } else if (c->unique) {
            char tag[16];
            size_t tl = fmt_base36(tag, gen_perm_apply(&c->uperm, (uint64_t)row), 1);
            size_t body = len > tl + 1 ? len - tl - 1 : 0;
            n = body ? gen_free_text(r, body, v->buf, GEN_VAL_MAX) : 0;
            if (n)
                v->buf[n++] = '-';
            memcpy(v->buf + n, tag, tl);
            n += tl;
        } else {
            n = gen_free_text(r, len, v->buf, GEN_VAL_MAX);
        }
        v->type = GV_STR;
        v->s = v->buf;
        v->len = n;
        return;
    }
    case GK_PII: {
        int64_t uidx = c->unique ? (int64_t)gen_perm_apply(&c->uperm, (uint64_t)row) : -1;
        int64_t born = GEN_BIRTH_PERSON;
        double bv;
        if (c->birth_col >= 0 && col_number(p, t, &t->cols[c->birth_col], row, cur, &bv))
            born = t->cols[c->birth_col].type->base == SIL_T_DATE ? (int64_t)bv
                                                                  : (int64_t)floor(bv / 86400);
        if (c->pii_cat && uidx < 0) {
            /* A listed value with its fraction; else a per-row value unlike them. */
            size_t i = gen_cat_pick(&c->cat, gen_unit(gen_rand(c->key, (uint64_t)row, 7)));
            if (i < c->ncat) {
                size_t n = strlen(c->cat_values[i]);
                memcpy(v->buf, c->cat_values[i], n);
                set_str(v, n, c->maxlen);
                return;
            }
        }
        size_t n = 0;
        for (int64_t attempt = 0; attempt < 8; attempt++) {
            int64_t rr = attempt ? row + attempt * (INT64_C(1) << 40) : row;
            n = gen_pii_born(c->cls, gen_locale_index(c->locale), c->key, t_person(c), rr, uidx,
                             born, v->buf, GEN_VAL_MAX);
            if (!c->cat_sorted || uidx >= 0)
                break;
            v->buf[n < GEN_VAL_MAX ? n : GEN_VAL_MAX - 1] = '\0';
            const char *key = v->buf;
            if (!bsearch(&key, c->cat_sorted, c->ncat, sizeof *c->cat_sorted, sil_cmp_cstr))
                break;
        }
        set_str(v, n, c->maxlen);
        return;
    }
    case GK_FAKER: {
        enum gen_vtype ty;
        size_t n = faker_value(c, row, v->buf, GEN_VAL_MAX, &ty);
        if (ty == GV_STR) {
            set_str(v, n, c->maxlen);
        } else {
            v->type = ty;
            v->s = v->buf;
            v->len = n;
        }
        return;
    }
    case GK_UUID:
        r = gen_rand(c->key, (uint64_t)row, 0);
        set_str(v,
                fmt_uuid(v->buf, (r & ~UINT64_C(0xf000)) | 0x4000,
                         (gen_mix(r) & ~(UINT64_C(3) << 62)) | (UINT64_C(2) << 62)),
                0);
        return;
    case GK_JSON: {
        r = gen_rand(c->key, (uint64_t)row, 0);
        size_t n = (size_t)snprintf(v->buf, GEN_VAL_MAX, "{\"k\": %u}", (unsigned)(r % 1000));
        set_str(v, n, 0);
        return;
    }
    case GK_BYTEA: {
        static const char hx[] = "0123456789abcdef";
        r = gen_rand(c->key, (uint64_t)row, 0);
        v->buf[0] = '\\';
        v->buf[1] = 'x';
        for (int i = 0; i < 16; i++)
            v->buf[2 + i] = hx[(r >> (4 * i)) & 15];
        set_str(v, 18, 0);
        return;
    }
    case GK_INET:
        set_str(
            v,
            gen_pii(SIL_CLASS_PERSONAL_IP, GEN_EN_US, c->key, c->key, row, -1, v->buf, GEN_VAL_MAX),
            0);
        return;
    case GK_MACADDR: {
        /* Locally administered unicast addresses (02:...): never a vendor's. */
        r = gen_rand(c->key, (uint64_t)row, 0);
        size_t n = (size_t)snprintf(v->buf, GEN_VAL_MAX, "02:%02x:%02x:%02x:%02x:%02x",
                                    (unsigned)(r & 255), (unsigned)(r >> 8 & 255),
                                    (unsigned)(r >> 16 & 255), (unsigned)(r >> 24 & 255),
                                    (unsigned)(r >> 32 & 255));
        set_str(v, n, 0);
        return;
    }
    case GK_ARRAY:
        v->type = GV_STR;
        v->s = "{}";
        v->len = 2;
        return;
    }
}
