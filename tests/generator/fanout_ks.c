/*
 * gen-fanout-ks: test helper. For every single-column foreign key with
 * children-per-parent statistics in OUT/shape.json, count the children of
 * each parent in OUT's COPY data files and print the KS distance between
 * that distribution and the generator's model of the shape's, plus the
 * orphans found; "knots" is the largest miss of the shape's own quantile
 * points, without any model in between. Exit 1 when a distance exceeds MAX (default 0.05) for a
 * parent table of at least MIN_PARENTS rows (default 100: below that a KS
 * distance says little), or any orphan exists; 2 on bad input.
 *   gen-fanout-ks OUT_DIR [MAX [MIN_PARENTS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json.h"
#include "model.h"
#include "rng.h"
#include "shape.h"

struct map {
    size_t cap, n;
    char **keys;
    int64_t *cnt;
};

static uint64_t hash(const char *s)
{
    return gen_key(0, s);
}

static int64_t *slot(struct map *m, const char *k, int insert)
{
    if (insert && (m->n + 1) * 2 > m->cap) {
        struct map nm = {m->cap ? m->cap * 2 : 1024, 0, NULL, NULL};
        nm.keys = calloc(nm.cap, sizeof *nm.keys);
        nm.cnt = calloc(nm.cap, sizeof *nm.cnt);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = hash(m->keys[i]) & (nm.cap - 1);
                while (nm.keys[j])
                    j = (j + 1) & (nm.cap - 1);
                nm.keys[j] = m->keys[i];
                nm.n++;
            }
        free(m->keys);
        free(m->cnt);
        *m = nm;
    }
    if (!m->cap)
        return NULL;
    size_t j = hash(k) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], k) == 0)
            return &m->cnt[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!insert)
        return NULL;
    m->keys[j] = strdup(k);
    m->n++;
    return &m->cnt[j];
}

/* Call fn for column `col` of every row of a table's COPY files. */
static int scan(const char *out, const cJSON *man, const char *schema, const char *table,
                const char *col, struct map *m, int insert, int64_t *orphans)
{
    const cJSON *tabs = sil_json_get(man, "tables");
    for (const cJSON *t = tabs ? tabs->child : NULL; t; t = t->next) {
        if (strcmp(sil_json_get(t, "schema")->valuestring, schema) != 0 ||
            strcmp(sil_json_get(t, "name")->valuestring, table) != 0)
            continue;
        int ci = -1, i = 0;
        for (const cJSON *c = sil_json_get(t, "columns")->child; c; c = c->next, i++)
            if (strcmp(c->valuestring, col) == 0)
                ci = i;
        if (ci < 0)
            return -1;
        for (const cJSON *f = sil_json_get(t, "files")->child; f; f = f->next) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", out, sil_json_get(f, "file")->valuestring);
            FILE *fp = fopen(path, "r");
            if (!fp)
                return -1;
            char *line = NULL;
            size_t cap = 0;
            ssize_t len;
            while ((len = getline(&line, &cap, fp)) > 0) {
                line[len - 1] = '\0';
                char *p = line;
                for (int k = 0; k < ci && p; k++) {
                    p = strchr(p, '\t');
                    if (p)
                        p++;
                }
                if (!p)
                    continue;
                char *e = strchr(p, '\t');
                if (e)
                    *e = '\0';
                if (strcmp(p, "\\N") == 0)
                    continue;
                int64_t *c = slot(m, p, insert);
                if (c && !insert)
                    (*c)++;
                else if (!c)
                    (*orphans)++;
            }
            free(line);
            fclose(fp);
        }
        return 0;
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen-fanout-ks OUT_DIR [MAX]\n");
        return 2;
    }
    double max = argc > 2 ? strtod(argv[2], NULL) : 0.05;
    size_t minp = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 100;
    char path[4096];
    struct sil_err err;
    sil_err_clear(&err);
    snprintf(path, sizeof path, "%s/shape.json", argv[1]);
    struct sil_shape *s = sil_shape_read_file(path, SIL_SHAPE_ALLOW_UNSEALED, &err);
    cJSON *man = NULL;
    snprintf(path, sizeof path, "%s/manifest.json", argv[1]);
    if (!s || sil_json_parse_file(path, 0, &man, &err) < 0) {
        fprintf(stderr, "gen-fanout-ks: %s\n", err.msg);
        return 2;
    }
    int bad = 0;
    for (size_t ti = 0; ti < s->ntables; ti++) {
        const struct sil_table *t = &s->tables[ti];
        for (size_t f = 0; f < t->nfks; f++) {
            const struct sil_fk *fk = &t->fks[f];
            const struct sil_table *pt = &s->tables[fk->ref_index];
            struct map m = {0, 0, NULL, NULL};
            int64_t orphans = 0;
            if (fk->ncols != 1 ||
                scan(argv[1], man, pt->schema, pt->name, fk->ref_cols[0], &m, 1, &orphans) < 0 ||
                scan(argv[1], man, t->schema, t->name, fk->cols[0], &m, 0, &orphans) < 0) {
                fprintf(stderr, "gen-fanout-ks: cannot read %s.%s\n", t->name, fk->name);
                return 2;
            }
            double ks = 0, knots = 0;
            if (fk->stats && m.n > 0) {
                int64_t maxc = 0;
                for (size_t i = 0; i < m.cap; i++)
                    if (m.keys[i] && m.cnt[i] > maxc)
                        maxc = m.cnt[i];
                int64_t *hist = calloc((size_t)maxc + 1, sizeof *hist);
                for (size_t i = 0; i < m.cap; i++)
                    if (m.keys[i])
                        hist[m.cnt[i]]++;
                struct gen_icdf q;
                gen_fk_count_model(&q, fk->stats, 1);
                int64_t acc = 0;
                for (int64_t k = 0; k <= maxc; k++) {
                    acc += hist[k];
                    double d = (double)acc / (double)m.n - gen_icdf_count_cdf(&q, k);
                    if (d < 0)
                        d = -d;
                    if (d > ks)
                        ks = d;
                }
                gen_icdf_release(&q);
                /* Model-free: how far the shape's own quantile points are
                 * missed (the quantile at p is v: F(v-1) < p <= F(v)). */
                const struct sil_quantiles *sq = &fk->stats->children_per_parent;
                for (size_t i = 0; i < sq->n; i++) {
                    int64_t v = (int64_t)sq->v[i];
                    int64_t a = 0, b = 0;
                    for (int64_t k = 0; k <= maxc && k <= v; k++) {
                        b += hist[k];
                        if (k < v)
                            a += hist[k];
                    }
                    double fv = (double)b / (double)m.n, fv1 = (double)a / (double)m.n;
                    double miss = sq->p[i] - fv > fv1 - sq->p[i] ? sq->p[i] - fv : fv1 - sq->p[i];
                    if (miss > knots)
                        knots = miss;
                }
                free(hist);
            }
            int gated = fk->stats && m.n >= minp;
            printf("%s.%s parents=%zu ks=%.4f knots=%.4f orphans=%lld%s\n", t->name, fk->name, m.n,
                   ks, knots < 0 ? 0 : knots, (long long)orphans, gated ? "" : " (not gated)");
            if ((gated && ks > max) || orphans > 0)
                bad = 1;
            for (size_t i = 0; i < m.cap; i++)
                free(m.keys[i]);
            free(m.keys);
            free(m.cnt);
        }
    }
    cJSON_Delete(man);
    sil_shape_free(s);
    return bad;
}
