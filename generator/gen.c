/* The generate command: inputs, plan, output directory, manifest. */
#include "gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "signals.h"
#include "template.h"

static cJSON *manifest(const struct gen_opts *o, const struct gen_plan *p,
                       const struct gen_table_files *files, const char *shape_sum,
                       const char *src_sum, const struct gen_template *tpl, const char *schema_sum)
{
    cJSON *m = sil_jnew_object();
    sil_jadd_str(m, "format", "silhouette.output");
    sil_jadd_num(m, "version", 1);
    sil_jadd_str(m, "generator", SIL_VERSION);
    sil_jadd_num(m, "seed", (double)o->seed);
    sil_jadd_str(m, "data_format", gen_format_name(o->out.format));
    sil_jadd_str(m, "compression", o->out.compress ? "zstd" : "none");
    cJSON *sh = sil_jadd_object(m, "shard");
    sil_jadd_num(sh, "index", o->shard_k);
    sil_jadd_num(sh, "count", o->shard_n);
    cJSON *in = sil_jadd_object(m, "inputs");
    cJSON *is = sil_jadd_object(in, "shape");
    sil_jadd_str(is, "file", "shape.json");
    sil_jadd_str(is, "checksum", shape_sum);
    if (src_sum)
        sil_jadd_str(is, "source_checksum", src_sum);
    if (tpl)
        sil_jadd_str(sil_jadd_object(in, "template"), "checksum", gen_template_checksum(tpl));
    if (p->shape->expires_at)
        sil_jadd_str(m, "shape_expires_at", p->shape->expires_at);
    cJSON *sz = sil_jadd_object(m, "sizing");
    const char *mode = o->sizing.mode == GEN_SIZE_BAND    ? "band"
                       : o->sizing.mode == GEN_SIZE_SCALE ? "scale"
                       : o->shape_path                    ? "source"
                                                          : "template";
    sil_jadd_str(sz, "mode", mode);
    sil_jadd_num(sz, "scale", o->sizing.mode == GEN_SIZE_SCALE ? o->sizing.scale : 1);
    if (p->band_name[0])
        sil_jadd_str(sz, "band", p->band_name);
    if (p->max_rows > 0)
        sil_jadd_num(sz, "max_rows", (double)p->max_rows);
    cJSON *rows = sil_jadd_array(sz, "tables");
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *t = &p->tables[p->order[oi]];
        if (!t->generate)
            continue;
        cJSON *r = sil_jadd_object(rows, NULL);
        sil_jadd_str(r, "schema", t->t->schema);
        sil_jadd_str(r, "table", t->t->name);
        sil_jadd_str(r, "source", t->size_source);
        sil_jadd_num(r, "rows", (double)t->rows);
    }
    cJSON *cl = sil_jadd_array(sz, "clamps");
    for (size_t i = 0; i < p->nclamps; i++) {
        const struct gen_clamp *c = &p->clamps[i];
        cJSON *e = sil_jadd_object(cl, NULL);
        sil_jadd_str(e, "schema", p->tables[c->table].t->schema);
        sil_jadd_str(e, "table", p->tables[c->table].t->name);
        sil_jadd_num(e, "requested", (double)c->requested);
        sil_jadd_num(e, "produced", (double)c->produced);
        sil_jadd_str(e, "reason", c->reason);
    }
    cJSON *ss = sil_jadd_object(m, "schema_sql");
    sil_jadd_str(ss, "file", "schema.sql");
    sil_jadd_str(ss, "checksum", schema_sum);
    cJSON *tabs = sil_jadd_array(m, "tables");
    for (size_t oi = 0; oi < p->ntables; oi++) {
        const struct gen_table *t = &p->tables[p->order[oi]];
        if (!t->generate)
            continue;
        const struct gen_table_files *tf = &files[p->order[oi]];
        cJSON *e = sil_jadd_object(tabs, NULL);
        sil_jadd_str(e, "schema", t->t->schema);
        sil_jadd_str(e, "name", t->t->name);
        sil_jadd_num(e, "rows", (double)t->count);
        sil_jadd_num(e, "total_rows", (double)t->rows);
        sil_jadd_num(e, "first_row", (double)t->first);
        cJSON *cols = sil_jadd_array(e, "columns");
        for (size_t c = 0; c < t->ncols; c++)
            if (!t->cols[c].skip)
                sil_jpush_str(cols, t->cols[c].col->name);
        int any = 0;
        for (size_t f = 0; f < t->nfks; f++)
            any |= t->fks[f].deferred;
        if (any) {
            cJSON *d = sil_jadd_array(e, "deferred_foreign_keys");
            for (size_t f = 0; f < t->nfks; f++)
                if (t->fks[f].deferred)
                    sil_jpush_str(d, t->fks[f].fk->name);
        }
        cJSON *fa = sil_jadd_array(e, "files");
        for (size_t fi = 0; fi < tf->nfiles; fi++) {
            cJSON *f = sil_jadd_object(fa, NULL);
            sil_jadd_str(f, "file", tf->files[fi].path);
            sil_jadd_num(f, "rows", (double)tf->files[fi].rows);
            sil_jadd_num(f, "bytes", (double)tf->files[fi].bytes);
            sil_jadd_str(f, "checksum", tf->files[fi].checksum);
        }
    }
    return m;
}

static int write_text(const char *dir, const char *name, const char *data, size_t len,
                      char sum[SIL_CHECKSUM_SIZE], struct sil_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (sum)
        sil_checksum(data, len, sum);
    return sil_write_file_atomic(path, data, len, 0644, err);
}

/* The temp directory next to OUT: ".OUT.tmp-XXXXXX". */
static char *make_temp_dir(const char *out, struct sil_err *err)
{
    char *dir = sil_dirname(out);
    const char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    char *tmpl = sil_xasprintf("%s/.%s.tmp-XXXXXX", dir, base);
    free(dir);
    if (!mkdtemp(tmpl)) {
        sil_err_set(err, SIL_EIO, "cannot create a directory next to '%s': %s", out,
                    strerror(errno));
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

static int finish_dir(const char *tmp, const char *out, int force, struct sil_err *err)
{
    char *parent = sil_dirname(out);
    char *old = NULL;
    if (sil_path_exists(out)) {
        if (!force) {
            free(parent);
            return sil_err_set(err, SIL_EUSAGE, "output directory '%s' exists", out);
        }
        const char *base = strrchr(out, '/');
        base = base ? base + 1 : out;
        old = sil_xasprintf("%s/.%s.old-%ld", parent, base, (long)getpid());
        if (rename(out, old) < 0) {
            sil_err_set(err, SIL_EIO, "cannot move '%s' aside: %s", out, strerror(errno));
            free(old);
            free(parent);
            return -1;
        }
    }
    if (rename(tmp, out) < 0) {
        sil_err_set(err, SIL_EIO, "cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
        if (old && rename(old, out) < 0)
            sil_log_warn("the previous '%s' is now '%s'", out, old);
        free(old);
        free(parent);
        return -1;
    }
    int rc = sil_fsync_dir(parent, err);
    if (old) {
        struct sil_err e2;
        sil_err_clear(&e2);
        if (sil_remove_tree(old, &e2) < 0)
            sil_log_warn("cannot remove the replaced output '%s': %s", old, e2.msg);
    }
    free(old);
    free(parent);
    return rc;
}

int generator_run(const struct gen_opts *o, const char **what, struct sil_err *err)
{
    struct sil_shape *shape = NULL;
    struct gen_template *tpl = NULL;
    struct gen_plan *plan = NULL;
    struct gen_table_files *files = NULL;
    char *tmp = NULL, *schema = NULL;
    char *src_sum = NULL;
    int rc = -1;

    if (sil_path_exists(o->out_dir) && !o->force) {
        sil_err_set(err, SIL_EUSAGE, "output directory '%s' exists", o->out_dir);
        sil_err_hint(err, "choose another directory or pass --force to replace it");
        return -1;
    }
    if (o->shape_path) {
        shape = sil_shape_read_file(o->shape_path, 0, err);
        if (!shape) {
            *what = "cannot read shape";
            goto out;
        }
        if (shape->checksum)
            src_sum = sil_xstrdup(shape->checksum);
        char what_shape[600];
        snprintf(what_shape, sizeof what_shape, "shape '%s'", o->shape_path);
        if (sil_expiry_check(shape->expires_at, what_shape, err) < 0)
            goto out;
    }
    if (o->template_path) {
        tpl = gen_template_read(o->template_path, err);
        if (!tpl) {
            *what = "cannot read template";
            goto out;
        }
        shape = gen_template_apply(tpl, shape, err);
        if (!shape) {
            *what = "cannot use template";
            goto out;
        }
    }
    if (!shape) {
        sil_err_set(err, SIL_EUSAGE, "no input: give --shape FILE, --template FILE or both");
        goto out;
    }
    gen_fanout_set_threads(o->out.threads);
    plan = gen_plan_new(shape, tpl, o->seed, &o->sizing, err);
    if (!plan) {
        *what = "cannot plan the output";
        goto out;
    }
    shape = NULL; /* the plan owns it now */
    gen_plan_shard(plan, o->shard_k, o->shard_n);
    for (size_t i = 0; i < plan->ntables; i++)
        if (plan->tables[i].rows != plan->tables[i].t->row_count)
            sil_log_verbose("%s.%s: %lld rows (%s)", plan->tables[i].t->schema,
                            plan->tables[i].t->name, (long long)plan->tables[i].rows,
                            plan->tables[i].size_source);
    for (size_t i = 0; i < plan->ntables; i++)
        for (size_t c = 0; c < plan->tables[i].nchecks; c++)
            sil_log_verbose("%s.%s: check \"%s\" %s", plan->tables[i].t->schema,
                            plan->tables[i].t->name, plan->tables[i].checks[c].name,
                            plan->tables[i].checks[c].shaped
                                ? "shaped: values are generated inside it"
                                : "not shaped: evaluated on every generated row");
    for (size_t i = 0; i < plan->nclamps; i++)
        sil_log_warn("%s: %lld rows clamped to %lld (%s)",
                     plan->tables[plan->clamps[i].table].t->name,
                     (long long)plan->clamps[i].requested, (long long)plan->clamps[i].produced,
                     plan->clamps[i].reason);

    tmp = make_temp_dir(o->out_dir, err);
    if (!tmp)
        goto out;
    {
        char dpath[4200];
        snprintf(dpath, sizeof dpath, "%s/data", tmp);
        if (mkdir(dpath, 0755) < 0) {
            sil_err_set(err, SIL_EIO, "cannot create '%s': %s", dpath, strerror(errno));
            goto out;
        }
    }
    files = sil_xcalloc(plan->ntables ? plan->ntables : 1, sizeof *files);
    *what = "cannot write the output";
    if (gen_write_data(plan, &o->out, tmp, files, err) < 0)
        goto out;
    {
        /* The effective shape: the loader and the report read this one. */
        char shape_sum[SIL_CHECKSUM_SIZE], schema_sum[SIL_CHECKSUM_SIZE];
        struct sil_buf sb;
        sil_buf_init(&sb, 0);
        sil_shape_write(plan->shape, &sb);
        int w = write_text(tmp, "shape.json", sb.data, sb.len, shape_sum, err);
        sil_buf_release(&sb);
        if (w < 0)
            goto out;
        schema = gen_schema_sql(plan, &o->out, files);
        if (write_text(tmp, "schema.sql", schema, strlen(schema), schema_sum, err) < 0)
            goto out;
        cJSON *m = manifest(o, plan, files, shape_sum, src_sum, tpl, schema_sum);
        struct sil_buf mb;
        sil_buf_init(&mb, 0);
        sil_json_write(m, &mb);
        cJSON_Delete(m);
        w = write_text(tmp, "manifest.json", mb.data, mb.len, NULL, err);
        sil_buf_release(&mb);
        if (w < 0)
            goto out;
    }
    if (sil_interrupted()) {
        sil_err_set(err, SIL_EINTR, "interrupted");
        goto out;
    }
    {
        char dpath[4200];
        snprintf(dpath, sizeof dpath, "%s/data", tmp);
        if (sil_fsync_dir(dpath, err) < 0 || sil_fsync_dir(tmp, err) < 0)
            goto out;
    }
    if (finish_dir(tmp, o->out_dir, o->force, err) < 0)
        goto out;
    free(tmp);
    tmp = NULL;
    rc = 0;
out:
    if (tmp) {
        struct sil_err e2;
        sil_err_clear(&e2);
        if (sil_remove_tree(tmp, &e2) < 0)
            sil_log_warn("cannot remove the unfinished output '%s': %s", tmp, e2.msg);
        free(tmp);
    }
    if (files && plan)
        for (size_t i = 0; i < plan->ntables; i++)
            free(files[i].files);
    free(files);
    free(schema);
    free(src_sum);
    gen_plan_free(plan);
    sil_shape_free(shape);
    gen_template_free(tpl);
    return rc;
}
