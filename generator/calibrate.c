/* generator calibrate: a template's measured numbers from a newer shape, with a reviewable diff. */
#include "calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"
#include "json.h"
#include "shape.h"
#include "template.h"

struct cal {
    const struct gen_calibrate_opts *o;
    struct sil_buf out;
    size_t changes, tables, fields;
    char *keep_used;
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
        set(c, args, "elements", el, what, "faker_args.elements");
    }
done:
    c->fields += c->changes > before;
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

int gen_calibrate_run(const struct gen_calibrate_opts *o, char **report, struct sil_err *err)
{
    struct cal c;
    memset(&c, 0, sizeof c);
    c.o = o;
    char *data = NULL, *json = NULL;
    size_t len;
    cJSON *root = NULL;
    struct gen_template *tp = NULL;
    struct sil_shape *s = NULL;
    struct sil_buf absent, pins;
    sil_buf_init(&absent, 0);
    sil_buf_init(&pins, 0);
    sil_buf_init(&c.out, 0);
    c.keep_used = sil_xcalloc(o->nkeep + 1, 1);
    int rc = -1;
    int in_place = strcmp(o->out_path, o->template_path) == 0;
    if (!in_place && !o->dry_run && !o->force && sil_path_exists(o->out_path)) {
        sil_err_set(err, SIL_EUSAGE, "'%s' exists", o->out_path);
        sil_err_hint(err, "give --force to replace it, or --out %s to calibrate in place",
                     o->template_path);
        goto out;
    }
    if (!(s = sil_shape_read_file(o->shape_path, 0, err)))
        goto out;
    {
        char what[600];
        snprintf(what, sizeof what, "shape '%s'", o->shape_path);
        if (sil_expiry_check(s->expires_at, what, err) < 0)
            goto out;
    }
    if (sil_read_file(o->template_path, (size_t)64 << 20, &data, &len, err) < 0)
        goto out;
    /* the template must be valid as it stands: calibration never repairs it */
    if (!(tp = gen_template_parse(data, len, o->template_path, err)))
        goto out;
    if (sil_json_parse(data, len, o->template_path, &root, err) < 0)
        goto out;
    cJSON *ents = cJSON_GetObjectItemCaseSensitive(root, "entities");
    for (cJSON *e = ents ? ents->child : NULL; e; e = e->next)
        entity(&c, e, s, &absent, &pins);
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
    if (c.changes == 0)
        sil_buf_addf(&c.out, "no changes: '%s' already matches '%s'\n", o->template_path,
                     o->shape_path);
    sil_buf_addf(&c.out, "%s%s: %zu changes in %zu fields and %zu tables from '%s'\n",
                 o->dry_run ? "would write " : "wrote ", o->out_path, c.changes, c.fields, c.tables,
                 o->shape_path);
    if (absent.len)
        sil_buf_addf(&c.out, "kept as written (not in the shape): %s\n", absent.data);
    if (pins.len)
        sil_buf_addf(&c.out, "kept as written (--keep): %s\n", pins.data);
    *report = sil_buf_detach(&c.out, NULL);
    rc = 0;
out:
    sil_buf_release(&c.out);
    sil_buf_release(&absent);
    sil_buf_release(&pins);
    free(c.keep_used);
    free(data);
    free(json);
    cJSON_Delete(root);
    gen_template_free(tp);
    sil_shape_free(s);
    return rc;
}
