/* Kolmogorov-Smirnov statistics, p-values and Benjamini-Hochberg adjustment. */
#include "ks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sil.h"

#define KS_PI 3.14159265358979323846

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double gen_ks_d(double *v, size_t n, const struct gen_ks_model *m)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    double d = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] == v[i])
            j++;
        double c = m->cdf(m->arg, v[i]);
        double b = m->below ? m->below(m->arg, v[i]) : c;
        double hi = fabs((double)j / (double)n - c), lo = fabs((double)i / (double)n - b);
        if (hi > d)
            d = hi;
        if (lo > d)
            d = lo;
        i = j;
    }
    return d;
}

/* ---- the exact distribution (matrix method) ---- */

static void mat_mul(const double *a, const double *b, double *c, int m)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double s = 0;
            for (int k = 0; k < m; k++)
                s += a[i * m + k] * b[k * m + j];
            c[i * m + j] = s;
        }
}

/* v = a^n as a matrix times 10^*ev, rescaled to stay in range. */
static void mat_pow(const double *a, int ea, double *v, int *ev, int m, size_t n)
{
    size_t mm = (size_t)m * (size_t)m;
    if (n == 1) {
        memcpy(v, a, mm * sizeof *v);
        *ev = ea;
        return;
    }
    mat_pow(a, ea, v, ev, m, n / 2);
    double *b = sil_xmalloc(mm * sizeof *b);
    mat_mul(v, v, b, m);
    int eb = 2 * *ev;
    if (n % 2 == 0) {
        memcpy(v, b, mm * sizeof *v);
        *ev = eb;
    } else {
        mat_mul(a, b, v, m);
        *ev = ea + eb;
    }
    free(b);
    /* Keep the middle element below 1e140. */
    if (v[(m / 2) * m + m / 2] > 1e140) {
        for (size_t i = 0; i < mm; i++)
            v[i] *= 1e-140;
        *ev += 140;
    }
}

/* P(D_n < d) by the matrix method; m = 2k - 1 rows. */
static double exact_cdf(size_t n, double d)
{
    double nd = (double)n * d;
    int k = (int)nd + 1, m = 2 * k - 1;
    double h = (double)k - nd;
    size_t mm = (size_t)m * (size_t)m;
    double *a = sil_xcalloc(mm, sizeof *a);
    double *q = sil_xcalloc(mm, sizeof *q);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            a[i * m + j] = i - j + 1 < 0 ? 0 : 1;
    for (int i = 0; i < m; i++) {
        a[i * m] -= pow(h, i + 1);
        a[(m - 1) * m + i] -= pow(h, m - i);
    }
    if (2 * h - 1 > 0)
        a[(m - 1) * m] += pow(2 * h - 1, m);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            for (int g = 1; g <= i - j + 1; g++)
                a[i * m + j] /= g;
    int eq = 0;
    mat_pow(a, 0, q, &eq, m, n);
    double s = q[(k - 1) * m + k - 1];
    /* times n! / n^n */
    for (size_t i = 1; i <= n; i++) {
        s = s * (double)i / (double)n;
        if (s < 1e-140) {
            s *= 1e140;
            eq -= 140;
        }
    }
    s *= pow(10, eq);
    free(a);
    free(q);
    return s;
}

/* 1 - K(x) for the limiting distribution, accurate in both tails. */
static double kolmogorov_q(double x)
{
    if (x <= 0)
        return 1;
    if (x < 1.18) {
        /* K(x) = sqrt(2 pi) / x * sum exp(-(2j-1)^2 pi^2 / (8 x^2)) */
        double s = 0, c = KS_PI * KS_PI / (8 * x * x);
        for (int j = 1; j < 20; j++)
            s += exp(-(double)(2 * j - 1) * (2 * j - 1) * c);
        return 1 - sqrt(2 * KS_PI) / x * s;
    }
    double s = 0;
    for (int j = 1; j < 100; j++) {
        double t = exp(-2.0 * j * j * x * x);
        s += j % 2 ? t : -t;
        if (t < 1e-300)
            break;
    }
    return 2 * s;
}

double gen_kolmogorov_cdf(double x)
{
    return 1 - kolmogorov_q(x);
}

/* Which method: 0 exact, 1 right-tail formula, 2 limiting with correction. */
static int method(size_t n, double d)
{
    double s = d * d * (double)n;
    if (s > 7.24 || (s > 3.76 && n > 99))
        return 1;
    return (int)((double)n * d) + 1 <= 200 ? 0 : 2;
}

static double stephens(size_t n, double d)
{
    double rn = sqrt((double)n);
    return kolmogorov_q((rn + 0.12 + 0.11 / rn) * d);
}

double gen_ks_cdf(size_t n, double d)
{
    if (n == 0 || d >= 1)
        return 1;
    if (d <= 0.5 / (double)n)
        return 0;
    switch (method(n, d)) {
    case 0:
        return exact_cdf(n, d);
    case 1:
        return 1 - gen_ks_pvalue(n, d);
    default:
        return 1 - stephens(n, d);
    }
}

double gen_ks_pvalue(size_t n, double d)
{
    if (n == 0 || d <= 0.5 / (double)n)
        return 1;
    if (d >= 1)
        return 0;
    switch (method(n, d)) {
    case 0: {
        double p = 1 - exact_cdf(n, d);
        return p < 0 ? 0 : p > 1 ? 1 : p;
    }
    case 1: {
        /* The right tail directly, so small p-values keep their digits. */
        double s = d * d * (double)n, rn = sqrt((double)n);
        double p = 2 * exp(-(2.000071 + 0.331 / rn + 1.409 / (double)n) * s);
        return p > 1 ? 1 : p;
    }
    default:
        return stephens(n, d);
    }
}

struct bh_item {
    double p;
    size_t i;
};

static int cmp_bh(const void *a, const void *b)
{
    const struct bh_item *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p ? 1 : (x->i > y->i) - (x->i < y->i);
}

void gen_ks_bh(const double *p, size_t m, double *q)
{
    if (m == 0)
        return;
    struct bh_item *it = sil_xcalloc(m, sizeof *it);
    for (size_t i = 0; i < m; i++) {
        it[i].p = p[i];
        it[i].i = i;
    }
    qsort(it, m, sizeof *it, cmp_bh);
    double run = 1;
    for (size_t r = m; r-- > 0;) {
        double v = it[r].p * (double)m / (double)(r + 1);
        if (v < run)
            run = v;
        q[it[r].i] = run;
    }
    free(it);
}
