/*
 * libFuzzer target: the structure-aware shape check and the rule engine must never crash,
 * and the engine's fast paths must agree with its plain ones: sil_rscan_lines with
 * sil_rscan_text on each line, and the vector byte classifiers with the table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "shapescan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sil_rules *load(const char *classifier)
{
    struct sil_err err;
    sil_err_clear(&err);
    if (classifier)
        setenv("SILHOUETTE_CLASSIFIER", classifier, 1);
    else
        unsetenv("SILHOUETTE_CLASSIFIER");
    struct sil_rules *r = sil_rules_load("policies/pii-rules.json", NULL, &err);
    if (!r) {
        fprintf(stderr, "fuzz_validator: %s\n", err.msg);
        abort();
    }
    return r;
}

/* sc[0]: the fastest classifier here; sc[1]: the byte table. */
static struct sil_rscan *sc[2];

static int count(void *ctx, const struct sil_finding *f)
{
    (*(long *)ctx)++;
    /* A finding never carries more than a masked value. */
    if (strlen(f->masked) > 255)
        abort();
    return 0;
}

/* Matches as (line, rule, start, end, decoded, fictional). */
struct seen {
    size_t (*v)[6];
    size_t n, cap;
    size_t line; /* for sil_rscan_text: the line being scanned */
};

static int record(void *ctx, const struct sil_match *m)
{
    struct seen *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            abort();
    }
    if (m->end < m->start || m->value_len == 0)
        abort();
    size_t *e = s->v[s->n++];
    e[0] = m->line ? m->line : s->line;
    e[1] = m->rule;
    e[2] = m->start;
    e[3] = m->end;
    e[4] = (size_t)m->decoded;
    e[5] = (size_t)m->fictional;
    return 0;
}

static void same(const struct seen *a, const struct seen *b, const char *what)
{
    if (a->n != b->n || (a->n && memcmp(a->v, b->v, a->n * sizeof *a->v) != 0)) {
        fprintf(stderr, "fuzz_validator: %s: %zu and %zu matches differ\n", what, a->n, b->n);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sc[0]) {
        sc[1] = sil_rscan_new(load("table"));
        sc[0] = sil_rscan_new(load(NULL));
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sil_err err;
    long n = 0;
    sil_err_clear(&err);
    sil_shapescan_buffer(sc[0], text, size, "fuzz", SIL_SHAPESCAN_UNSEALED, count, &n, &err);

    /* Whole text, both classifiers. */
    struct seen whole[2] = {{0}, {0}};
    for (int k = 0; k < 2; k++)
        sil_rscan_text(sc[k], text, size, SIL_SCAN_STRICT, record, &whole[k]);
    same(&whole[0], &whole[1], "sil_rscan_text, vector and table classifiers");

    /* Line by line: sil_rscan_lines against sil_rscan_text on each line ('\r' before '\n' is
     * not part of a line). */
    struct seen lines = {0}, each = {0};
    size_t next = 1;
    sil_rscan_lines(sc[0], text, size, &next, SIL_SCAN_STRICT, record, &lines);
    size_t line = 1;
    for (const char *p = text, *end = text + size; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (nl && len && p[len - 1] == '\r')
            len--;
        each.line = line;
        sil_rscan_text(sc[1], p, len, SIL_SCAN_STRICT, record, &each);
        p = nl ? nl + 1 : end;
    }
    if (next != line)
        abort();
    same(&lines, &each, "sil_rscan_lines and sil_rscan_text per line");
    free(whole[0].v);
    free(whole[1].v);
    free(lines.v);
    free(each.v);
    free(text);
    return 0;
}
