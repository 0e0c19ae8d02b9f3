/* libFuzzer target: check expressions are refused or accepted, never crash; what is accepted
 * renders to SQL that parses back to the same rendering, and evaluates without crashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {"mood", "device_kind"};
static const struct sil_expr_options opts = {2, types, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sil_err err;
    sil_err_clear(&err);
    struct sil_expr *e = sil_expr_parse(text, &opts, &err);
    if (!e) {
        if (err.code != SIL_EINPUT || !strstr(err.msg, "expression"))
            abort();
        free(text);
        return 0;
    }
    struct sil_buf a, b;
    sil_buf_init(&a, 0);
    sil_buf_init(&b, 0);
    sil_expr_render(e, "run", &a);
    sil_expr_render(e, NULL, &a);
    sil_buf_reset(&a);
    sil_expr_render(e, NULL, &a);
    struct sil_expr *e2 = sil_expr_parse(a.data, &opts, &err);
    if (!e2)
        abort();
    sil_expr_render(e2, NULL, &b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    /* the rendering never carries a statement separator or a comment outside a literal */
    size_t n;
    const struct sil_expr_constraint *c;
    sil_expr_constraints(e, &n, &c);
    for (size_t k = 0; k < n; k++)
        if (!c[k].column)
            abort();
    /* evaluate on a few rows built from the input itself */
    size_t ncols = sil_expr_ncolumns(e);
    const char **names = calloc(ncols + 1, sizeof *names);
    const char **row = calloc(ncols + 1, sizeof *row);
    for (size_t k = 0; k < ncols; k++)
        names[k] = sil_expr_column(e, k);
    static const char *const samples[] = {
        NULL,  "",      "0",    "-1.5", "t", "2020-01-01", "2020-01-01 10:00:00+02",
        "abc", "{a,b}", "12:30"};
    if (sil_expr_bind(e, ncols, names, NULL, &err) == 0) {
        for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
            for (size_t k = 0; k < ncols; k++)
                row[k] = samples[(s + k) % (sizeof samples / sizeof samples[0])];
            struct sil_expr_env env = {1700000000, samples[s]};
            enum sil_tri t;
            if (sil_expr_eval(e, row, &env, &t, &err) == 0 && t != SIL_TRI_TRUE &&
                t != SIL_TRI_FALSE && t != SIL_TRI_NULL)
                abort();
        }
    }
    free(names);
    free(row);
    sil_buf_release(&a);
    sil_buf_release(&b);
    sil_expr_free(e2);
    sil_expr_free(e);
    free(text);
    return 0;
}
