/* generator calibrate: a template's measured numbers from a newer shape, with a reviewable diff. */
#include "calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"
#include "json.h"
#include "model.h"
#include "shape.h"
#include "template.h"

struct cal {
    const struct gen_calibrate_opts *o;
    struct sil_buf out;
    size_t changes, tables, fields;
    char *keep_used;
    const cJSON *old_stats; /* what the statistics are compared with; NULL: no record */
    struct sil_buf stat_lines;
    size_t stat_changes;
};

/* A value as it reads in the diff: compact JSON, long arrays shortened. */
static void show(struct sil_buf *b, const cJSON *v)
{
    if (!v) {
        sil_buf_adds(b, "(none)");
        return;
    }
    struct sil_buf t;
    sil_buf_init(&t, 0);
    sil_json_write_compact(v, &t);
    if (t.len > 200) {
        sil_buf_add(b, t.data, 190);
        sil_buf_adds(b, "...]");
    } else {
        sil_buf_add(b, t.data, t.len);
    }
    sil_buf_release(&t);
}

static int same(const cJSON *a, const cJSON *b)
{
    return a && b && cJSON_Compare(a, b, 1);
}

/* Set obj.key to v (owned), recording the change under `what`. */
static void set(struct cal *c, cJSON *obj, const char *key, cJSON *v, const char *what,
                const char *label)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (same(old, v)) {
        cJSON_Delete(v);
        return;
    }
    sil_buf_addf(&c->out, "%s: %s ", what, label);
    show(&c->out, old);
    sil_buf_adds(&c->out, " -> ");
    show(&c->out, v);
    sil_buf_addc(&c->out, '\n');
    c->changes++;
    if (old)
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v);
    else
        cJSON_AddItemToObject(obj, key, v);
}

/* Arrays holding the same members, each as often, in any order. */
static int same_set(const cJSON *a, const cJSON *b)
{
    if (!cJSON_IsArray(a) || !cJSON_IsArray(b) || cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
        return 0;
    for (const cJSON *x = a->child; x; x = x->next) {
        int in_a = 0, in_b = 0;
        for (const cJSON *y = a->child; y; y = y->next)
            in_a += cJSON_Compare(x, y, 1);
        for (const cJSON *y = b->child; y; y = y->next)
            in_b += cJSON_Compare(x, y, 1);
        if (in_a != in_b)
            return 0;
    }
    return 1;
}

static int pinned(struct cal *c, const char *schema, const char *table, const char *column)
{
    char a[600], b[600];
    if (column) {
        snprintf(a, sizeof a, "%s.%s", table, column);
        snprintf(b, sizeof b, "%s.%s.%s", schema, table, column);
    } else {
        snprintf(a, sizeof a, "%s", table);
        snprintf(b, sizeof b, "%s.%s", schema, table);
    }
    for (size_t i = 0; i < c->o->nkeep; i++)
        if (strcmp(c->o->keep[i], a) == 0 || strcmp(c->o->keep[i], b) == 0) {
            c->keep_used[i] = 1;
            return 1;
        }
    return 0;
}

static double round_to(double v, int digits)
{
    double f = pow(10, digits);
    return round(v * f) / f;
}

static const struct sil_column *find_col(const struct sil_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = sil_json_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int is_date(enum sil_type_base b)
{
    return b == SIL_T_DATE || b == SIL_T_TIMESTAMP || b == SIL_T_TIMESTAMPTZ;
}

static void field(struct cal *c, const char *tname, cJSON *f, const struct sil_column *col)
{
    const char *name = str_of(f, "name");
    char what[700];
    snprintf(what, sizeof what, "%s.%s", tname, name);
    const struct sil_colstats *st = col->stats;
    if (!st)
        return;
    size_t before = c->changes;
    if (sil_json_get(f, "null_fraction"))
        set(c, f, "null_fraction", cJSON_CreateNumber(round_to(st->null_fraction, 4)), what,
            "null_fraction");
    if (sil_json_get(f, "max_length") && col->type.length > 0)
        set(c, f, "max_length", cJSON_CreateNumber(col->type.length), what, "max_length");
    const char *fm = str_of(f, "faker_method");
    cJSON *args = cJSON_GetObjectItemCaseSensitive(f, "faker_args");
    const struct sil_quantiles *q = &st->quantiles;
    if (!fm)
        goto done;
    if ((strcmp(fm, "random_int") == 0 || strcmp(fm, "pyint") == 0 ||
         strcmp(fm, "random_number") == 0 || strcmp(fm, "pyfloat") == 0 ||
         strcmp(fm, "pydecimal") == 0) &&
        q->n >= 2) {
        int integer = fm[0] == 'r' || strcmp(fm, "pyint") == 0;
        int digits = 2;
        const cJSON *rd = args ? sil_json_get(args, "right_digits") : NULL;
        if (cJSON_IsNumber(rd))
            digits = (int)rd->valuedouble;
        if (!args)
            args = cJSON_AddObjectToObject(f, "faker_args");
        double lo = q->v[0], hi = q->v[q->n - 1];
        set(c, args, "min", cJSON_CreateNumber(integer ? floor(lo) : round_to(lo, digits)), what,
            "faker_args.min");
        set(c, args, "max", cJSON_CreateNumber(integer ? ceil(hi) : round_to(hi, digits)), what,
            "faker_args.max");
    } else if (strcmp(fm, "date_between") == 0 && q->n >= 2 && is_date(col->type.base)) {
        char lo[21], hi[21];
        sil_utc_format((int64_t)floor(q->v[0]), lo);
        sil_utc_format((int64_t)ceil(q->v[q->n - 1]), hi);
        lo[10] = hi[10] = '\0';
        if (!args)
            args = cJSON_AddObjectToObject(f, "faker_args");
        set(c, args, "start_date", cJSON_CreateString(lo), what, "faker_args.start_date");
        set(c, args, "end_date", cJSON_CreateString(hi), what, "faker_args.end_date");
    } else if (strcmp(fm, "random_element") == 0 && st->categories &&
               st->categories->encoding == SIL_CAT_CLEAR && st->categories->n > 0) {
        cJSON *el = cJSON_CreateArray();
        for (size_t i = 0; i < st->categories->n; i++)
            cJSON_AddItemToArray(el, cJSON_CreateString(st->categories->v[i].value));
        if (!args)
            args = cJSON_AddObjectToObject(f, "faker_args");
        /* the same values in another order are no change: elements are drawn uniformly */
        if (same_set(sil_json_get(args, "elements"), el))
            cJSON_Delete(el);
        else
            set(c, args, "elements", el, what, "faker_args.elements");
    }
done:
    c->fields += c->changes > before;
}

/* ---- shape statistics the template has no place for ---- */

/* The value at probability u of a quantile list, as the generator reads it. */
static double quantile_at(const struct sil_quantiles *q, double u)
{
    struct gen_icdf m;
    gen_icdf_init(&m, q, 0);
    double v = gen_icdf_eval(&m, u);
    gen_icdf_release(&m);
    return v;
}

static const cJSON *field_named(const cJSON *e, const char *name)
{
    const cJSON *fields = sil_json_get(e, "fields");
    for (const cJSON *f = fields ? fields->child : NULL; f; f = f->next) {
        const char *n = str_of(f, "name");
        if (n && strcmp(n, name) == 0)
            return f;
    }
    return NULL;
}

/* The subject's object in `out`: a text column that is also a foreign key has both kinds. */
static cJSON *subject_obj(cJSON *out, const char *subject)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(out, subject);
    return o ? o : sil_jadd_object(out, subject);
}

/* One side of a statistic line: the group's numbers joined by '/', or "(none)". */
static void stat_side(struct sil_buf *b, const cJSON *obj, const char *const *names, size_t n)
{
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= cJSON_IsNumber(obj ? sil_json_get(obj, names[i]) : NULL);
    if (!any) {
        sil_buf_adds(b, "(none)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = sil_json_get(obj, names[i]);
        if (i)
            sil_buf_addc(b, '/');
        if (cJSON_IsNumber(v))
            sil_json_write_number(b, v->valuedouble);
        else
            sil_buf_addc(b, '?');
    }
}

/* Numbers of one statistic group, old -> new, on one line when any differs; a group
 * the shape no longer has prints as "old -> (none)". */
static void stat_line(struct cal *c, const char *subject, const cJSON *now, const char *label,
                      const char *const *names, size_t n)
{
    const cJSON *was = c->old_stats ? sil_json_get(c->old_stats, subject) : NULL;
    int differs = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *a = was ? sil_json_get(was, names[i]) : NULL;
        const cJSON *b = sil_json_get(now, names[i]);
        int na = cJSON_IsNumber(a), nb = cJSON_IsNumber(b);
        if (na != nb || (na && a->valuedouble != b->valuedouble))
            differs = 1;
    }
    if (!differs)
        return;
    sil_buf_addf(&c->stat_lines, "%s: %s ", subject, label);
    stat_side(&c->stat_lines, was, names, n);
    sil_buf_adds(&c->stat_lines, " -> ");
    stat_side(&c->stat_lines, now, names, n);
    sil_buf_addc(&c->stat_lines, '\n');
    c->stat_changes++;
}

/*
 * The statistics of one table for the fields the template has: text length
 * p50/p95/p99, and per foreign key whose columns are all template fields the
 * share of parents with children (e.g. messages with an attachment, the media
 * ratio), the mean children per parent and the burst coefficient of arrivals
 * (p95/p50 of the gaps between a parent's children). Added to `out` under
 * "schema.table.column" (composite keys "schema.table.(a,b)"); printed
 * against c->old_stats when `print`.
 */
static void table_stats(struct cal *c, const struct sil_table *t, const cJSON *e, cJSON *out,
                        int print)
{
    char subject[GEN_CAL_SUBJECT_MAX + 1];
    const cJSON *fields = sil_json_get(e, "fields");
    for (const cJSON *f = fields ? fields->child : NULL; f; f = f->next) {
        const char *fname = str_of(f, "name");
        const struct sil_column *col = fname ? find_col(t, fname) : NULL;
        if (!col || !col->stats || col->stats->length_quantiles.n == 0 ||
            pinned(c, t->schema, t->name, fname))
            continue;
        static const char *const names[] = {"length_p50", "length_p95", "length_p99"};
        static const double at[] = {0.50, 0.95, 0.99};
        if ((size_t)snprintf(subject, sizeof subject, "%s.%s.%s", t->schema, t->name, fname) >=
            sizeof subject)
            continue;
        cJSON *o = subject_obj(out, subject);
        if (sil_json_get(o, names[0]))
            continue; /* the same name twice ("a" + "b.c", "a.b" + "c"): the first counts */
        for (size_t i = 0; i < 3; i++)
            sil_jadd_num(o, names[i], round(quantile_at(&col->stats->length_quantiles, at[i])));
        if (print)
            stat_line(c, subject, o, "length p50/p95/p99", names, 3);
    }
    for (size_t k = 0; k < t->nfks; k++) {
        const struct sil_fk *fk = &t->fks[k];
        const struct sil_fkstats *st = fk->stats;
        int all = st != NULL;
        for (size_t i = 0; all && i < fk->ncols; i++)
            all = field_named(e, fk->cols[i]) && !pinned(c, t->schema, t->name, fk->cols[i]);
        if (!all)
            continue;
        size_t n = (size_t)snprintf(subject, sizeof subject, "%s.%s.%s", t->schema, t->name,
                                    fk->ncols > 1 ? "(" : "");
        for (size_t i = 0; i < fk->ncols && n < sizeof subject; i++)
            n += (size_t)snprintf(subject + n, sizeof subject - n, "%s%s", i ? "," : "",
                                  fk->cols[i]);
        if (fk->ncols > 1 && n < sizeof subject)
            n += (size_t)snprintf(subject + n, sizeof subject - n, ")");
        if (n >= sizeof subject)
            continue; /* longer than a record may name */
        cJSON *o = subject_obj(out, subject);
        if (sil_json_get(o, "parents_with_children"))
            continue; /* a second key on the same columns: the first counts */
        sil_jadd_num(o, "parents_with_children", round_to(st->parents_with_children, 4));
        sil_jadd_num(o, "mean_children", round_to(st->mean_children, 4));
        if (st->arrival_column)
            sil_jadd_num(o, "burst_coefficient", round_to(st->burstiness, 2));
        if (!print)
            continue;
        char label[300];
        static const char *const share[] = {"parents_with_children"};
        static const char *const mean[] = {"mean_children"};
        static const char *const burst[] = {"burst_coefficient"};
        snprintf(label, sizeof label, "share of %s.%s with children", fk->ref_schema,
                 fk->ref_table);
        stat_line(c, subject, o, label, share, 1);
        stat_line(c, subject, o, "mean children per parent", mean, 1);
        if (st->arrival_column)
            snprintf(label, sizeof label, "burst coefficient (p95/p50 of the gaps in %s)",
                     st->arrival_column);
        else
            snprintf(label, sizeof label, "burst coefficient");
        stat_line(c, subject, o, label, burst, 1);
    }
}

/* The statistics of every entity of the template that the shape has. */
static void shape_stats(struct cal *c, const struct sil_shape *s, const cJSON *root, cJSON *out,
                        int print)
{
    const cJSON *ents = sil_json_get(root, "entities");
    for (const cJSON *e = ents ? ents->child : NULL; e; e = e->next) {
        const char *name = str_of(e, "name"), *schema = str_of(e, "schema");
        if (!schema)
            schema = "public";
        for (size_t i = 0; i < s->ntables; i++) {
            const struct sil_table *t = &s->tables[i];
            if (strcmp(t->name, name) == 0 && strcmp(t->schema, schema) == 0 &&
                !pinned(c, schema, name, NULL))
                table_stats(c, t, e, out, print);
        }
    }
}

/* Does `subject` name fields of an entity of the template ("schema.table.column" or
 * "schema.table.(a,b)")? */
static int subject_in_template(const cJSON *root, const char *subject)
{
    const cJSON *ents = sil_json_get(root, "entities");
    for (const cJSON *e = ents ? ents->child : NULL; e; e = e->next) {
        const char *name = str_of(e, "name"), *schema = str_of(e, "schema");
        if (!name)
            continue;
        if (!schema)
            schema = "public";
        size_t ls = strlen(schema), ln = strlen(name);
        if (strncmp(subject, schema, ls) != 0 || subject[ls] != '.' ||
            strncmp(subject + ls + 1, name, ln) != 0 || subject[ls + 1 + ln] != '.')
            continue;
        const char *rest = subject + ls + ln + 2;
        size_t lr = strlen(rest);
        if (lr < 2 || rest[0] != '(' || rest[lr - 1] != ')') {
            if (field_named(e, rest))
                return 1;
            continue;
        }
        char *cols = sil_xstrndup(rest + 1, lr - 2), *save = NULL;
        int all = 1;
        for (char *c = strtok_r(cols, ",", &save); c && all; c = strtok_r(NULL, ",", &save))
            all = field_named(e, c) != NULL;
        free(cols);
        if (all)
            return 1;
    }
    return 0;
}

/* The new "calibration" record: the shape, the statistics just measured, then any
 * earlier subjects not measured this time (pinned, or gone from the shape) as they
 * were, as long as the template still has their fields. */
static cJSON *calibration_record(const struct sil_shape *s, const char *shape_path,
                                 cJSON *stats, const cJSON *old, const cJSON *root)
{
    cJSON *rec = sil_jnew_object();
    cJSON *sh = sil_jadd_object(rec, "shape");
    const char *base = strrchr(shape_path, '/');
    sil_jadd_str(sh, "file", base ? base + 1 : shape_path);
    if (s->checksum)
        sil_jadd_str(sh, "checksum", s->checksum);
    if (s->created_at)
        sil_jadd_str(sh, "created_at", s->created_at);
    const cJSON *was = old ? sil_json_get(old, "statistics") : NULL;
    for (const cJSON *sub = was ? was->child : NULL; sub; sub = sub->next)
        if (!sil_json_get(stats, sub->string) && subject_in_template(root, sub->string))
            cJSON_AddItemToObject(stats, sub->string, cJSON_Duplicate(sub, 1));
    cJSON_AddItemToObject(rec, "statistics", stats);
    return rec;
}

static void entity(struct cal *c, cJSON *e, const struct sil_shape *s, struct sil_buf *absent,
                   struct sil_buf *pins)
{
    const char *name = str_of(e, "name"), *schema = str_of(e, "schema");
    if (!schema)
        schema = "public";
    const struct sil_table *t = NULL;
    for (size_t i = 0; i < s->ntables && !t; i++)
        if (strcmp(s->tables[i].name, name) == 0 && strcmp(s->tables[i].schema, schema) == 0)
            t = &s->tables[i];
    char tname[600];
    snprintf(tname, sizeof tname, "%s.%s", schema, name);
    if (!t) {
        sil_buf_addf(absent, "%s%s", absent->len ? ", " : "", tname);
        return;
    }
    if (pinned(c, schema, name, NULL)) {
        sil_buf_addf(pins, "%s%s", pins->len ? ", " : "", tname);
        return;
    }
    size_t before = c->changes;
    if (t->row_count >= 0)
        set(c, e, "row_count", cJSON_CreateNumber((double)t->row_count), tname, "row_count");
    cJSON *fields = cJSON_GetObjectItemCaseSensitive(e, "fields");
    for (cJSON *f = fields ? fields->child : NULL; f; f = f->next) {
        const char *fname = str_of(f, "name");
        const struct sil_column *col = find_col(t, fname);
        if (!col || cJSON_IsTrue(sil_json_get(f, "primary_key")) || sil_json_get(f, "foreign_key"))
            continue;
        if (pinned(c, schema, name, fname)) {
            sil_buf_addf(pins, "%s%s.%s", pins->len ? ", " : "", tname, fname);
            continue;
        }
        field(c, tname, f, col);
    }
    c->tables += c->changes > before;
}

/* A shape read strictly, its checksum verified, refused when expired ("ROLE 'PATH' expired"). */
static struct sil_shape *read_fresh_shape(const char *path, const char *role, struct sil_err *err)
{
    struct sil_shape *s = sil_shape_read_file(path, 0, err);
    if (!s)
        return NULL;
    char what[600];
    snprintf(what, sizeof what, "%s '%s'", role, path);
    if (sil_expiry_check(s->expires_at, what, err) < 0) {
        sil_shape_free(s);
        return NULL;
    }
    return s;
}

int gen_calibrate_run(const struct gen_calibrate_opts *o, char **report, struct sil_err *err)
{
    struct cal c;
    memset(&c, 0, sizeof c);
    c.o = o;
    char *data = NULL, *json = NULL;
    size_t len;
    cJSON *root = NULL, *orig = NULL;
    struct gen_template *tp = NULL;
    struct sil_shape *s = NULL, *prev = NULL;
    cJSON *prev_stats = NULL;
    struct sil_buf absent, pins;
    sil_buf_init(&absent, 0);
    sil_buf_init(&pins, 0);
    sil_buf_init(&c.out, 0);
    sil_buf_init(&c.stat_lines, 0);
    c.keep_used = sil_xcalloc(o->nkeep + 1, 1);
    int rc = -1;
    int in_place = strcmp(o->out_path, o->template_path) == 0;
    if (!in_place && !o->dry_run && !o->force && sil_path_exists(o->out_path)) {
        sil_err_set(err, SIL_EUSAGE, "'%s' exists", o->out_path);
        sil_err_hint(err, "give --force to replace it, or --out %s to calibrate in place",
                     o->template_path);
        goto out;
    }
    if (!(s = read_fresh_shape(o->shape_path, "shape", err)))
        goto out;
    if (sil_read_file(o->template_path, (size_t)64 << 20, &data, &len, err) < 0)
        goto out;
    /* the template must be valid as it stands: calibration never repairs it */
    if (!(tp = gen_template_parse(data, len, o->template_path, err)))
        goto out;
    if (sil_json_parse(data, len, o->template_path, &root, err) < 0)
        goto out;
    orig = cJSON_Duplicate(root, 1);
    if (!orig)
        SIL_BUG("out of memory copying the template");
    cJSON *ents = cJSON_GetObjectItemCaseSensitive(root, "entities");
    for (cJSON *e = ents ? ents->child : NULL; e; e = e->next)
        entity(&c, e, s, &absent, &pins);
    /* shape statistics, compared with the previous shape or the template's record */
    {
        cJSON *oldrec = cJSON_GetObjectItemCaseSensitive(root, "calibration");
        if (o->previous_path) {
            if (!(prev = read_fresh_shape(o->previous_path, "previous shape", err)))
                goto out;
            prev_stats = sil_jnew_object();
            shape_stats(&c, prev, root, prev_stats, 0);
            c.old_stats = prev_stats;
        } else if (oldrec) {
            c.old_stats = sil_json_get(oldrec, "statistics");
        }
        cJSON *stats = sil_jnew_object();
        shape_stats(&c, s, root, stats, 1);
        cJSON *rec = calibration_record(s, o->shape_path, stats, oldrec, root);
        if (oldrec)
            cJSON_ReplaceItemInObjectCaseSensitive(root, "calibration", rec);
        else
            cJSON_AddItemToObject(root, "calibration", rec);
        c.old_stats = NULL;
    }
    for (size_t i = 0; i < o->nkeep; i++)
        if (!c.keep_used[i]) {
            sil_err_set(err, SIL_EUSAGE,
                        "--keep %s: no table or field of that name in the template that the "
                        "shape also has",
                        o->keep[i]);
            goto out;
        }
    {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        sil_json_write(root, &b);
        json = sil_buf_detach(&b, &len);
    }
    /* what is written must read back as a template */
    {
        struct gen_template *back = gen_template_parse(json, len, o->out_path, err);
        if (!back)
            SIL_BUG("calibrated template does not read back: %s", err->msg);
        gen_template_free(back);
    }
    if (!o->dry_run && sil_write_file_atomic(o->out_path, json, len, 0644, err) < 0)
        goto out;
    if (c.stat_changes) {
        if (o->previous_path)
            sil_buf_addf(&c.out, "shape statistics, '%s' -> '%s':\n", o->previous_path,
                         o->shape_path);
        else
            sil_buf_addf(&c.out, "shape statistics, the template's calibration record -> '%s':\n",
                         o->shape_path);
        sil_buf_add(&c.out, c.stat_lines.data, c.stat_lines.len);
    }
    if (c.changes == 0 && c.stat_changes == 0) {
        if (cJSON_Compare(orig, root, 1))
            sil_buf_addf(&c.out, "no changes: '%s' already matches '%s'\n", o->template_path,
                         o->shape_path);
        else
            sil_buf_addf(&c.out,
                         "no number changed; the calibration record now follows '%s'\n",
                         o->shape_path);
    }
    sil_buf_addf(&c.out,
                 "%s%s: %zu changes in %zu fields and %zu tables, %zu shape statistics changed, "
                 "from '%s'\n",
                 o->dry_run ? "would write " : "wrote ", o->out_path, c.changes, c.fields, c.tables,
                 c.stat_changes, o->shape_path);
    if (absent.len)
        sil_buf_addf(&c.out, "kept as written (not in the shape): %s\n", absent.data);
    if (pins.len)
        sil_buf_addf(&c.out, "kept as written (--keep): %s\n", pins.data);
    *report = sil_buf_detach(&c.out, NULL);
    rc = 0;
out:
    sil_buf_release(&c.out);
    sil_buf_release(&c.stat_lines);
    cJSON_Delete(prev_stats);
    sil_shape_free(prev);
    sil_buf_release(&absent);
    sil_buf_release(&pins);
    free(c.keep_used);
    free(data);
    free(json);
    cJSON_Delete(root);
    cJSON_Delete(orig);
    gen_template_free(tp);
    sil_shape_free(s);
    return rc;
}
