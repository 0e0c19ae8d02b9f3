/* Strict reader of the generator output's manifest.json. */
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checksum.h"
#include "fileio.h"
#include "json.h"
#include "shape.h"

static const char *const format_names[] = {"copy", "csv", "jsonl", "sql", NULL};
static const char *const compression_names[] = {"none", "zstd", NULL};

const char *loader_data_format_name(enum loader_data_format f)
{
    return (unsigned)f < 4 ? format_names[f] : "?";
}

int loader_path_safe(const char *p, const char *prefix)
{
    size_t n = strlen(p);
    if (n == 0 || n > 1024 || p[0] == '/')
        return 0;
    if (prefix && (strncmp(p, prefix, strlen(prefix)) != 0 || n == strlen(prefix)))
        return 0;
    const char *c = p;
    while (*c) {
        const char *slash = strchr(c, '/');
        size_t len = slash ? (size_t)(slash - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += len;
        if (*c == '/')
            c++;
        if (slash && !*c)
            return 0; /* trailing slash */
    }
    for (const unsigned char *q = (const unsigned char *)p; *q; q++)
        if (*q < 0x20 || *q == 0x7f || *q == '\\')
            return 0;
    return 1;
}

struct rd {
    struct sil_jctx c;
    struct loader_manifest *m;
};

static int rd_choice(struct rd *r, const cJSON *o, const char *key, const char *const *names,
                     int *out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, 1, 0, &v) < 0)
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], v) == 0) {
            *out = i;
            return 0;
        }
    return sil_jctx_fail_at(&r->c, key, "unknown value \"%.40s\"", v);
}

static int rd_checksum(struct rd *r, const cJSON *o, const char *key, int required,
                       const char **out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, required, 0, &v) < 0)
        return -1;
    if (!v)
        return 0;
    if (!sil_checksum_valid(v))
        return sil_jctx_fail_at(&r->c, key, "expected \"blake2b-256:\" and 64 hex digits");
    *out = sil_arena_strdup(r->m->arena, v);
    return 0;
}

static int rd_ident(struct rd *r, const cJSON *o, const char *key, const char **out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, 1, 0, &v) < 0)
        return -1;
    if (!sil_ident_valid(v))
        return sil_jctx_fail_at(&r->c, key, "not a valid identifier");
    *out = sil_arena_strdup(r->m->arena, v);
    return 0;
}

/* A file name directly inside the output directory. */
static int rd_top_file(struct rd *r, const cJSON *o, const char *key, const char **out)
{
    const char *v = NULL;
    if (sil_json_str(&r->c, o, key, 1, 0, &v) < 0)
        return -1;
    if (!loader_path_safe(v, NULL) || strchr(v, '/'))
        return sil_jctx_fail_at(&r->c, key, "expected a file name inside the output directory");
    *out = sil_arena_strdup(r->m->arena, v);
    return 0;
}

static int rd_inputs(struct rd *r, const cJSON *root)
{
    static const char *const keys[] = {"shape", "template", NULL};
    static const char *const skeys[] = {"file", "checksum", "source_checksum", NULL};
    static const char *const tkeys[] = {"checksum", NULL};
    const cJSON *in = NULL, *sh = NULL, *tp = NULL;
    if (sil_json_object(&r->c, root, "inputs", 1, &in) < 0)
        return -1;
    size_t mark = sil_jctx_key(&r->c, "inputs");
    if (sil_json_check_object(&r->c, in, keys) < 0 ||
        sil_json_object(&r->c, in, "shape", 1, &sh) < 0 ||
        sil_json_object(&r->c, in, "template", 0, &tp) < 0)
        return -1;
    size_t m2 = sil_jctx_key(&r->c, "shape");
    if (sil_json_check_object(&r->c, sh, skeys) < 0 ||
        rd_top_file(r, sh, "file", &r->m->shape_file) < 0 ||
        rd_checksum(r, sh, "checksum", 1, &r->m->shape_checksum) < 0 ||
        rd_checksum(r, sh, "source_checksum", 0, &r->m->shape_source_checksum) < 0)
        return -1;
    sil_jctx_restore(&r->c, m2);
    if (tp) {
        m2 = sil_jctx_key(&r->c, "template");
        if (sil_json_check_object(&r->c, tp, tkeys) < 0 ||
            rd_checksum(r, tp, "checksum", 1, &r->m->template_checksum) < 0)
            return -1;
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    return 0;
}

static const char *const sizing_modes[] = {"source", "scale", "band", "template", NULL};
static const char *const size_sources[] = {"source", "template", "scale", "band",
                                           "rows",   "derived",  NULL};

static int rd_sizing(struct rd *r, const cJSON *root)
{
    static const char *const keys[] = {"mode",   "scale",  "band", "max_rows",
                                       "tables", "clamps", NULL};
    static const char *const tkeys[] = {"schema", "table", "source", "rows", NULL};
    static const char *const ckeys[] = {"schema", "table", "requested", "produced", "reason", NULL};
    const cJSON *sz = NULL, *clamps = NULL, *tabs = NULL;
    const char *v = NULL;
    double scale;
    int64_t i64;
    int choice = 0;
    struct sil_arena *a = r->m->arena;
    if (sil_json_object(&r->c, root, "sizing", 1, &sz) < 0)
        return -1;
    size_t mark = sil_jctx_key(&r->c, "sizing");
    if (sil_json_check_object(&r->c, sz, keys) < 0 ||
        rd_choice(r, sz, "mode", sizing_modes, &choice) < 0 ||
        sil_json_num(&r->c, sz, "scale", 0, 0, 1e9, &scale) < 0 ||
        sil_json_str(&r->c, sz, "band", 0, 64, &v) < 0 ||
        sil_json_int(&r->c, sz, "max_rows", 0, 1, INT64_C(1) << 50, &i64) < 0 ||
        sil_json_array(&r->c, sz, "tables", 1, &tabs) < 0 ||
        sil_json_array(&r->c, sz, "clamps", 0, &clamps) < 0)
        return -1;
    r->m->sizing_mode = sizing_modes[choice];
    size_t n = (size_t)cJSON_GetArraySize(tabs);
    if (n > 10000)
        return sil_jctx_fail_at(&r->c, "tables", "more than 10000 tables");
    r->m->sizes = sil_arena_alloc(a, (n ? n : 1) * sizeof *r->m->sizes);
    size_t m2 = sil_jctx_key(&r->c, "tables"), i = 0;
    for (const cJSON *e = tabs->child; e; e = e->next, i++) {
        size_t m3 = sil_jctx_index(&r->c, i);
        struct loader_msize *z = &r->m->sizes[i];
        if (sil_json_check_object(&r->c, e, tkeys) < 0 ||
            rd_ident(r, e, "schema", &z->schema) < 0 || rd_ident(r, e, "table", &z->table) < 0 ||
            rd_choice(r, e, "source", size_sources, &choice) < 0 ||
            sil_json_int(&r->c, e, "rows", 1, 0, INT64_C(1) << 50, &z->rows) < 0)
            return -1;
        z->source = size_sources[choice];
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->m->sizes[j].schema, z->schema) == 0 &&
                strcmp(r->m->sizes[j].table, z->table) == 0)
                return sil_jctx_fail(&r->c, "table \"%s\".\"%s\" is listed twice", z->schema,
                                     z->table);
        sil_jctx_restore(&r->c, m3);
    }
    r->m->nsizes = n;
    sil_jctx_restore(&r->c, m2);
    if (clamps) {
        m2 = sil_jctx_key(&r->c, "clamps");
        i = 0;
        size_t nc = (size_t)cJSON_GetArraySize(clamps);
        r->m->clamps = sil_arena_alloc(a, (nc ? nc : 1) * sizeof *r->m->clamps);
        for (const cJSON *e = clamps->child; e; e = e->next, i++) {
            size_t m3 = sil_jctx_index(&r->c, i);
            const char *cs = NULL, *ct = NULL, *why = NULL;
            int64_t req = 0, prod = 0;
            if (sil_json_check_object(&r->c, e, ckeys) < 0 || rd_ident(r, e, "schema", &cs) < 0 ||
                rd_ident(r, e, "table", &ct) < 0 ||
                sil_json_int(&r->c, e, "requested", 1, 0, INT64_C(1) << 50, &req) < 0 ||
                sil_json_int(&r->c, e, "produced", 1, 0, INT64_C(1) << 50, &prod) < 0 ||
                sil_json_str(&r->c, e, "reason", 1, 256, &why) < 0)
                return -1;
            struct loader_mclamp *k = &r->m->clamps[r->m->nclamps++];
            k->schema = cs;
            k->table = ct;
            k->requested = req;
            k->produced = prod;
            k->reason = sil_arena_strdup(a, why);
            if (prod > req)
                return sil_jctx_fail_at(&r->c, "produced",
                                        "a clamp produced %lld rows, more than the %lld "
                                        "requested",
                                        (long long)prod, (long long)req);
            sil_jctx_restore(&r->c, m3);
        }
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    return 0;
}

/* sizing.tables and tables[] name the same tables, with the same whole row counts. */
static int check_sizes(struct rd *r)
{
    struct loader_manifest *m = r->m;
    for (size_t i = 0; i < m->ntables; i++) {
        const struct loader_mtable *t = &m->tables[i];
        const struct loader_msize *z = NULL;
        for (size_t j = 0; j < m->nsizes && !z; j++)
            if (strcmp(m->sizes[j].schema, t->schema) == 0 &&
                strcmp(m->sizes[j].table, t->name) == 0)
                z = &m->sizes[j];
        size_t mark = sil_jctx_key(&r->c, "tables");
        sil_jctx_index(&r->c, i);
        if (!z)
            return sil_jctx_fail(&r->c, "table \"%s\".\"%s\" is not in sizing.tables", t->schema,
                                 t->name);
        if (z->rows != t->total_rows)
            return sil_jctx_fail_at(
                &r->c, "total_rows", "%lld, but sizing.tables gives \"%s\".\"%s\" %lld rows",
                (long long)t->total_rows, t->schema, t->name, (long long)z->rows);
        sil_jctx_restore(&r->c, mark);
    }
    if (m->nsizes != m->ntables) {
        for (size_t j = 0; j < m->nsizes; j++) {
            int found = 0;
            for (size_t i = 0; i < m->ntables && !found; i++)
                found = strcmp(m->sizes[j].schema, m->tables[i].schema) == 0 &&
                        strcmp(m->sizes[j].table, m->tables[i].name) == 0;
            if (!found) {
                size_t mark = sil_jctx_key(&r->c, "sizing");
                sil_jctx_key(&r->c, "tables");
                sil_jctx_index(&r->c, j);
                int rc = sil_jctx_fail(&r->c, "table \"%s\".\"%s\" is not in tables",
                                       m->sizes[j].schema, m->sizes[j].table);
                sil_jctx_restore(&r->c, mark);
                return rc;
            }
        }
    }
    return 0;
}

static int rd_table(struct rd *r, const cJSON *o, struct loader_mtable *t)
{
    static const char *const keys[] = {
        "schema", "name", "rows", "total_rows", "first_row", "columns", "deferred_foreign_keys",
        "files",  NULL};
    static const char *const fkeys[] = {"file", "rows", "bytes", "checksum", NULL};
    struct sil_arena *a = r->m->arena;
    const cJSON *cols = NULL, *files = NULL, *deferred = NULL;
    if (sil_json_check_object(&r->c, o, keys) < 0 || rd_ident(r, o, "schema", &t->schema) < 0 ||
        rd_ident(r, o, "name", &t->name) < 0 ||
        sil_json_int(&r->c, o, "rows", 1, 0, INT64_C(1) << 50, &t->rows) < 0 ||
        sil_json_int(&r->c, o, "total_rows", 1, 0, INT64_C(1) << 50, &t->total_rows) < 0 ||
        sil_json_int(&r->c, o, "first_row", 1, 0, INT64_C(1) << 50, &t->first_row) < 0 ||
        sil_json_array(&r->c, o, "columns", 1, &cols) < 0 ||
        sil_json_array(&r->c, o, "deferred_foreign_keys", 0, &deferred) < 0 ||
        sil_json_array(&r->c, o, "files", 1, &files) < 0)
        return -1;
    if (t->first_row + t->rows > t->total_rows)
        return sil_jctx_fail_at(
            &r->c, "rows", "first_row %lld + rows %lld is more than total_rows %lld",
            (long long)t->first_row, (long long)t->rows, (long long)t->total_rows);
    t->ncols = (size_t)cJSON_GetArraySize(cols);
    if (t->ncols == 0 || t->ncols > 1600)
        return sil_jctx_fail_at(&r->c, "columns", "expected 1 to 1600 column names");
    t->cols = sil_arena_alloc(a, t->ncols * sizeof *t->cols);
    size_t mark = sil_jctx_key(&r->c, "columns"), i = 0;
    for (const cJSON *e = cols->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        if (!cJSON_IsString(e) || !sil_ident_valid(e->valuestring))
            return sil_jctx_fail(&r->c, "expected a column name");
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->cols[j], e->valuestring) == 0)
                return sil_jctx_fail(&r->c, "column \"%s\" is listed twice", e->valuestring);
        t->cols[i] = sil_arena_strdup(a, e->valuestring);
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    if (deferred) {
        t->ndeferred = (size_t)cJSON_GetArraySize(deferred);
        if (t->ndeferred == 0 || t->ndeferred > 1000)
            return sil_jctx_fail_at(&r->c, "deferred_foreign_keys",
                                    "expected 1 to 1000 foreign key names (the key is left out "
                                    "when none is deferred)");
        t->deferred = sil_arena_alloc(a, t->ndeferred * sizeof *t->deferred);
        mark = sil_jctx_key(&r->c, "deferred_foreign_keys");
        i = 0;
        for (const cJSON *e = deferred->child; e; e = e->next, i++) {
            size_t m2 = sil_jctx_index(&r->c, i);
            if (!cJSON_IsString(e) || !sil_ident_valid(e->valuestring))
                return sil_jctx_fail(&r->c, "expected a foreign key name");
            for (size_t j = 0; j < i; j++)
                if (strcmp(t->deferred[j], e->valuestring) == 0)
                    return sil_jctx_fail(&r->c, "foreign key \"%s\" is listed twice",
                                         e->valuestring);
            t->deferred[i] = sil_arena_strdup(a, e->valuestring);
            sil_jctx_restore(&r->c, m2);
        }
        sil_jctx_restore(&r->c, mark);
    }
    t->nfiles = (size_t)cJSON_GetArraySize(files);
    if (t->nfiles > 100000)
        return sil_jctx_fail_at(&r->c, "files", "more than 100000 files");
    t->files = sil_arena_alloc(a, (t->nfiles ? t->nfiles : 1) * sizeof *t->files);
    mark = sil_jctx_key(&r->c, "files");
    i = 0;
    int64_t sum = 0;
    for (const cJSON *e = files->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r->c, i);
        struct loader_file *f = &t->files[i];
        const char *p = NULL;
        if (sil_json_check_object(&r->c, e, fkeys) < 0 ||
            sil_json_str(&r->c, e, "file", 1, 0, &p) < 0 ||
            sil_json_int(&r->c, e, "rows", 1, 0, INT64_C(1) << 50, &f->rows) < 0 ||
            sil_json_int(&r->c, e, "bytes", 1, 0, INT64_C(1) << 52, &f->bytes) < 0 ||
            rd_checksum(r, e, "checksum", 1, &f->checksum) < 0)
            return -1;
        if (!loader_path_safe(p, "data/"))
            return sil_jctx_fail_at(&r->c, "file",
                                    "path \"%.80s\" is not a relative path inside data/", p);
        f->path = sil_arena_strdup(a, p);
        f->first_row = t->first_row + sum;
        /* the generator writes the csv header only in the file that starts at row 0, and only
         * in the first shard (an empty table's file in a later shard starts at 0 too) */
        f->header =
            r->m->data_format == LOADER_FMT_CSV && f->first_row == 0 && r->m->shard_index == 1;
        sum += f->rows;
        sil_jctx_restore(&r->c, m2);
    }
    sil_jctx_restore(&r->c, mark);
    if (sum != t->rows)
        return sil_jctx_fail_at(&r->c, "files", "files hold %lld rows, the table says %lld",
                                (long long)sum, (long long)t->rows);
    /* shard boundaries fall on multiples of 1000 rows (or at the table's end) */
    if (t->first_row % 1000 != 0 && t->first_row != t->total_rows)
        return sil_jctx_fail_at(&r->c, "first_row",
                                "%lld is not a shard boundary (a multiple of 1000 rows)",
                                (long long)t->first_row);
    return 0;
}

struct fileref {
    const char *path;
    size_t table, file;
};

static int fileref_cmp(const void *a, const void *b)
{
    const struct fileref *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return x->table != y->table ? (x->table < y->table ? -1 : 1)
                                : (x->file < y->file ? -1 : x->file > y->file);
}

static int check_unique_files(const struct loader_manifest *m, const char *name,
                              struct sil_err *err)
{
    size_t n = 0, k = 0;
    for (size_t t = 0; t < m->ntables; t++)
        n += m->tables[t].nfiles;
    if (n < 2)
        return 0;
    struct fileref *v = sil_xmalloc(n * sizeof *v);
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t f = 0; f < m->tables[t].nfiles; f++) {
            v[k].path = m->tables[t].files[f].path;
            v[k].table = t;
            v[k++].file = f;
        }
    qsort(v, n, sizeof *v, fileref_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1].path, v[i].path) == 0) {
            char path[64];
            snprintf(path, sizeof path, "tables[%zu].files[%zu]", v[i].table, v[i].file);
            sil_err_set_path(err, SIL_EINPUT, path, "file \"%.80s\" is listed twice", v[i].path);
            sil_err_file(err, name);
            free(v);
            return -1;
        }
    free(v);
    return 0;
}

struct loader_manifest *loader_manifest_parse(const char *data, size_t len, const char *name,
                                              struct sil_err *err)
{
    static const char *const keys[] = {
        "format", "version", "generator",        "seed",   "data_format", "compression",
        "shard",  "inputs",  "shape_expires_at", "sizing", "schema_sql",  "tables",
        NULL};
    static const char *const shard_keys[] = {"index", "count", NULL};
    static const char *const sql_keys[] = {"file", "checksum", NULL};
    cJSON *root = NULL;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return NULL;
    struct loader_manifest *m = sil_xcalloc(1, sizeof *m);
    m->arena = sil_arena_new();
    sil_checksum(data, len, m->checksum);
    struct rd r;
    sil_jctx_init(&r.c, err);
    r.m = m;
    const char *fmt = NULL, *v = NULL;
    const cJSON *shard = NULL, *sql = NULL, *tables = NULL;
    int64_t version = 0;
    int choice = 0;
    size_t mark;
    if (!cJSON_IsObject(root)) {
        sil_jctx_fail(&r.c, "expected a manifest object");
        goto fail;
    }
    if (sil_json_str(&r.c, root, "format", 1, 0, &fmt) < 0)
        goto fail;
    if (strcmp(fmt, LOADER_MANIFEST_FORMAT) != 0) {
        sil_jctx_fail_at(&r.c, "format", "\"%.40s\" is not a generator manifest (expected \"%s\")",
                         fmt, LOADER_MANIFEST_FORMAT);
        goto fail;
    }
    if (sil_json_int(&r.c, root, "version", 1, 1, 1000000, &version) < 0)
        goto fail;
    if (version != LOADER_MANIFEST_VERSION) {
        sil_jctx_fail_at(&r.c, "version", "unsupported output version %lld (this loader knows %d)",
                         (long long)version, LOADER_MANIFEST_VERSION);
        sil_err_hint(err, "use a loader from the same silhouette release as the generator");
        goto fail;
    }
    if (sil_json_check_object(&r.c, root, keys) < 0 ||
        sil_json_str(&r.c, root, "generator", 1, 64, &v) < 0)
        goto fail;
    m->generator = sil_arena_strdup(m->arena, v);
    if (sil_json_int(&r.c, root, "seed", 1, 0, (INT64_C(1) << 53), &m->seed) < 0 ||
        rd_choice(&r, root, "data_format", format_names, &choice) < 0)
        goto fail;
    m->data_format = (enum loader_data_format)choice;
    if (rd_choice(&r, root, "compression", compression_names, &choice) < 0)
        goto fail;
    m->compression = (enum loader_compression)choice;
    if (sil_json_object(&r.c, root, "shard", 1, &shard) < 0)
        goto fail;
    mark = sil_jctx_key(&r.c, "shard");
    if (sil_json_check_object(&r.c, shard, shard_keys) < 0 ||
        sil_json_int(&r.c, shard, "index", 1, 1, 1000000, &m->shard_index) < 0 ||
        sil_json_int(&r.c, shard, "count", 1, 1, 1000000, &m->shard_count) < 0)
        goto fail;
    if (m->shard_index > m->shard_count) {
        sil_jctx_fail_at(&r.c, "index", "shard %lld of %lld", (long long)m->shard_index,
                         (long long)m->shard_count);
        goto fail;
    }
    sil_jctx_restore(&r.c, mark);
    if (rd_inputs(&r, root) < 0)
        goto fail;
    v = NULL;
    if (sil_json_str(&r.c, root, "shape_expires_at", 0, 0, &v) < 0)
        goto fail;
    if (v) {
        if (sil_utc_parse(v, &m->expires_epoch) < 0) {
            sil_jctx_fail_at(&r.c, "shape_expires_at",
                             "expected a UTC time like "
                             "\"2026-01-31T12:00:00Z\"");
            goto fail;
        }
        m->expires_at = sil_arena_strdup(m->arena, v);
    }
    if (rd_sizing(&r, root) < 0)
        goto fail;
    if (sil_json_object(&r.c, root, "schema_sql", 1, &sql) < 0)
        goto fail;
    mark = sil_jctx_key(&r.c, "schema_sql");
    if (sil_json_check_object(&r.c, sql, sql_keys) < 0 ||
        rd_top_file(&r, sql, "file", &m->schema_sql_file) < 0 ||
        rd_checksum(&r, sql, "checksum", 1, &m->schema_sql_checksum) < 0)
        goto fail;
    sil_jctx_restore(&r.c, mark);
    if (strcmp(m->schema_sql_file, m->shape_file) == 0) {
        sil_jctx_fail_at(&r.c, "schema_sql.file", "names the shape file");
        goto fail;
    }
    if (sil_json_array(&r.c, root, "tables", 1, &tables) < 0)
        goto fail;
    m->ntables = (size_t)cJSON_GetArraySize(tables);
    if (m->ntables == 0 || m->ntables > 10000) {
        sil_jctx_fail_at(&r.c, "tables", "expected 1 to 10000 tables");
        goto fail;
    }
    m->tables = sil_arena_alloc(m->arena, m->ntables * sizeof *m->tables);
    mark = sil_jctx_key(&r.c, "tables");
    size_t i = 0;
    for (const cJSON *e = tables->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&r.c, i);
        if (!cJSON_IsObject(e)) {
            sil_jctx_fail(&r.c, "expected an object");
            goto fail;
        }
        if (rd_table(&r, e, &m->tables[i]) < 0)
            goto fail;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->tables[j].schema, m->tables[i].schema) == 0 &&
                strcmp(m->tables[j].name, m->tables[i].name) == 0) {
                sil_jctx_fail(&r.c, "table \"%s\".\"%s\" is listed twice", m->tables[i].schema,
                              m->tables[i].name);
                goto fail;
            }
        if (m->shard_count == 1 &&
            (m->tables[i].first_row != 0 || m->tables[i].rows != m->tables[i].total_rows)) {
            sil_jctx_fail(&r.c, "an unsharded output must hold every row (rows = total_rows, "
                                "first_row = 0)");
            goto fail;
        }
        sil_jctx_restore(&r.c, m2);
    }
    sil_jctx_restore(&r.c, mark);
    if (check_sizes(&r) < 0)
        goto fail;
    /* a data file belongs to one table, once */
    if (check_unique_files(m, name, err) < 0)
        goto fail;
    cJSON_Delete(root);
    return m;
fail:
    if (name)
        sil_err_file(err, name);
    cJSON_Delete(root);
    loader_manifest_free(m);
    return NULL;
}

struct loader_manifest *loader_manifest_read(const char *out_dir, struct sil_err *err)
{
    char *path = sil_xasprintf("%s/manifest.json", out_dir);
    char *data = NULL;
    size_t len = 0;
    struct loader_manifest *m = NULL;
    if (sil_read_file(path, LOADER_MANIFEST_MAX_BYTES, &data, &len, err) == 0)
        m = loader_manifest_parse(data, len, path, err);
    else if (!sil_path_exists(path))
        sil_err_hint(err,
                     "'%s' is not a complete generator output (manifest.json is written "
                     "last)",
                     out_dir);
    if (m) {
        m->ndirs = 1;
        m->dirs = sil_arena_alloc(m->arena, sizeof *m->dirs);
        m->dirs[0] = out_dir;
    }
    free(data);
    free(path);
    return m;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Why shard `b` is not of the same output as shard `a`, or NULL. */
static const char *differs(const struct loader_manifest *a, const struct loader_manifest *b,
                           size_t *table)
{
    *table = (size_t)-1;
    if (b->shard_count != a->shard_count)
        return "shard count";
    if (!same_str(a->generator, b->generator))
        return "generator version";
    if (a->seed != b->seed)
        return "seed";
    if (a->data_format != b->data_format)
        return "data format";
    if (a->compression != b->compression)
        return "compression";
    if (!same_str(a->shape_checksum, b->shape_checksum) ||
        !same_str(a->shape_source_checksum, b->shape_source_checksum) ||
        !same_str(a->shape_file, b->shape_file))
        return "shape";
    if (!same_str(a->template_checksum, b->template_checksum))
        return "template";
    if (!same_str(a->expires_at, b->expires_at))
        return "shape expiry";
    /* schema.sql differs: it names the shard's own data files */
    if (!same_str(a->schema_sql_file, b->schema_sql_file))
        return "schema.sql file name";
    if (!same_str(a->sizing_mode, b->sizing_mode) || a->nsizes != b->nsizes)
        return "sizing";
    for (size_t i = 0; i < a->nsizes; i++)
        if (strcmp(a->sizes[i].schema, b->sizes[i].schema) != 0 ||
            strcmp(a->sizes[i].table, b->sizes[i].table) != 0 ||
            strcmp(a->sizes[i].source, b->sizes[i].source) != 0 ||
            a->sizes[i].rows != b->sizes[i].rows)
            return "sizing";
    if (a->ntables != b->ntables)
        return "tables";
    for (size_t i = 0; i < a->ntables; i++) {
        const struct loader_mtable *x = &a->tables[i], *y = &b->tables[i];
        *table = i;
        if (strcmp(x->schema, y->schema) != 0 || strcmp(x->name, y->name) != 0)
            return "tables";
        if (x->total_rows != y->total_rows)
            return "total_rows";
        if (x->ncols != y->ncols)
            return "columns";
        for (size_t c = 0; c < x->ncols; c++)
            if (strcmp(x->cols[c], y->cols[c]) != 0)
                return "columns";
        if (x->ndeferred != y->ndeferred)
            return "deferred_foreign_keys";
        for (size_t c = 0; c < x->ndeferred; c++)
            if (strcmp(x->deferred[c], y->deferred[c]) != 0)
                return "deferred_foreign_keys";
    }
    *table = (size_t)-1;
    return NULL;
}

static int shard_cmp(const void *a, const void *b)
{
    const struct loader_manifest *x = *(struct loader_manifest *const *)a;
    const struct loader_manifest *y = *(struct loader_manifest *const *)b;
    return x->shard_index < y->shard_index ? -1 : x->shard_index > y->shard_index;
}

struct loader_manifest *loader_manifest_merge(struct loader_manifest **in, const char *const *dirs,
                                              size_t n, struct sil_err *err)
{
    struct loader_manifest *m = NULL;
    /* keep each shard's directory with it while sorting */
    struct loader_manifest **v = sil_xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i] = in[i];
        v[i]->ndirs = 1;
        v[i]->dirs = sil_arena_alloc(v[i]->arena, sizeof *v[i]->dirs);
        v[i]->dirs[0] = dirs[i];
    }
    for (size_t i = 0; i < n; i++)
        if (v[i]->shard_count != (int64_t)n) {
            sil_err_set(err, SIL_EINPUT,
                        "'%s' is shard %lld of %lld, but %zu output director%s given",
                        v[i]->dirs[0], (long long)v[i]->shard_index, (long long)v[i]->shard_count,
                        n, n == 1 ? "y was" : "ies were");
            if (v[i]->shard_count > 1)
                sil_err_hint(err,
                             "give all %lld shard directories of the output in one load "
                             "(loader load SHARD1 SHARD2 ...)",
                             (long long)v[i]->shard_count);
            else
                sil_err_hint(err, "load an unsharded output on its own");
            goto fail;
        }
    qsort(v, n, sizeof *v, shard_cmp);
    for (size_t i = 0; i < n; i++) {
        if (v[i]->shard_index != (int64_t)i + 1) {
            if (i > 0 && v[i]->shard_index == v[i - 1]->shard_index)
                sil_err_set(err, SIL_EINPUT, "shard %lld of %zu is given twice ('%s' and '%s')",
                            (long long)v[i]->shard_index, n, v[i - 1]->dirs[0], v[i]->dirs[0]);
            else
                sil_err_set(err, SIL_EINPUT, "shard %zu of %zu is missing", i + 1, n);
            sil_err_hint(err, "give each of the %zu shard directories once", n);
            goto fail;
        }
        size_t t;
        const char *why = i ? differs(v[0], v[i], &t) : NULL;
        if (why) {
            if (t != (size_t)-1)
                sil_err_set(err, SIL_EINPUT,
                            "'%s' and '%s' are not shards of the same output: they differ in "
                            "their %s (table %s.%s)",
                            v[0]->dirs[0], v[i]->dirs[0], why, v[0]->tables[t].schema,
                            v[0]->tables[t].name);
            else
                sil_err_set(err, SIL_EINPUT,
                            "'%s' and '%s' are not shards of the same output: they differ in "
                            "their %s",
                            v[0]->dirs[0], v[i]->dirs[0], why);
            sil_err_hint(err, "the shards of one output come from one shape, template, seed "
                              "and sizing (generator --shard K/N)");
            goto fail;
        }
    }
    /* row ranges follow each other: shard k starts where shard k-1 ended */
    for (size_t t = 0; t < v[0]->ntables; t++) {
        int64_t next = 0;
        for (size_t i = 0; i < n; i++) {
            const struct loader_mtable *x = &v[i]->tables[t];
            if (x->first_row != next) {
                sil_err_set(err, SIL_EINPUT,
                            "shard %zu ('%s') holds rows of %s.%s from %lld, but the shards "
                            "before it end at row %lld",
                            i + 1, v[i]->dirs[0], x->schema, x->name, (long long)x->first_row,
                            (long long)next);
                goto fail;
            }
            next += x->rows;
        }
        if (next != v[0]->tables[t].total_rows) {
            sil_err_set(err, SIL_EINPUT, "the %zu shards hold %lld rows of %s.%s, not %lld", n,
                        (long long)next, v[0]->tables[t].schema, v[0]->tables[t].name,
                        (long long)v[0]->tables[t].total_rows);
            goto fail;
        }
    }
    m = sil_xcalloc(1, sizeof *m);
    *m = *v[0];
    m->arena = sil_arena_new();
    m->merged = 1;
    m->nshards = n;
    m->shards = v;
    m->shard_index = 1;
    m->shard_count = 1;
    m->ndirs = n;
    m->dirs = sil_arena_alloc(m->arena, n * sizeof *m->dirs);
    for (size_t i = 0; i < n; i++)
        m->dirs[i] = v[i]->dirs[0];
    m->tables = sil_arena_alloc(m->arena, m->ntables * sizeof *m->tables);
    struct sil_buf sums;
    sil_buf_init(&sums, 0);
    for (size_t i = 0; i < n; i++)
        sil_buf_addf(&sums, "%s\n", v[i]->checksum);
    sil_checksum(sums.data, sums.len, m->checksum);
    sil_buf_release(&sums);
    for (size_t t = 0; t < m->ntables; t++) {
        struct loader_mtable *x = &m->tables[t];
        *x = v[0]->tables[t];
        x->rows = x->total_rows;
        x->first_row = 0;
        x->nfiles = 0;
        for (size_t i = 0; i < n; i++)
            x->nfiles += v[i]->tables[t].nfiles;
        x->files = sil_arena_alloc(m->arena, (x->nfiles ? x->nfiles : 1) * sizeof *x->files);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t f = 0; f < v[i]->tables[t].nfiles; f++) {
                x->files[k] = v[i]->tables[t].files[f];
                x->files[k++].dir = i;
            }
    }
    return m;
fail:
    for (size_t i = 0; i < n; i++)
        loader_manifest_free(v[i]);
    free(v);
    return NULL;
}

struct loader_manifest *loader_manifest_read_all(const char *const *dirs, size_t n,
                                                 struct sil_err *err)
{
    if (n == 0)
        SIL_BUG("no output directory");
    if (n == 1) {
        struct loader_manifest *m = loader_manifest_read(dirs[0], err);
        if (m && m->shard_count > 1) {
            sil_err_set(err, SIL_EINPUT,
                        "'%s' is shard %lld of %lld of an output; a shard alone cannot satisfy "
                        "its foreign keys",
                        dirs[0], (long long)m->shard_index, (long long)m->shard_count);
            sil_err_hint(err,
                         "give all %lld shard directories in one load (loader load SHARD1 "
                         "SHARD2 ...)",
                         (long long)m->shard_count);
            loader_manifest_free(m);
            return NULL;
        }
        return m;
    }
    struct loader_manifest **v = sil_xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = loader_manifest_read(dirs[i], err))) {
            for (size_t j = 0; j < i; j++)
                loader_manifest_free(v[j]);
            free(v);
            return NULL;
        }
    struct loader_manifest *m = loader_manifest_merge(v, dirs, n, err);
    free(v);
    return m;
}

void loader_manifest_free(struct loader_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nshards; i++)
        loader_manifest_free(m->shards[i]);
    free(m->shards);
    sil_arena_free(m->arena);
    free(m);
}
