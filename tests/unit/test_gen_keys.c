/* Unit tests of foreign keys on sampled-like shapes: nested composite keys, self references, birth
 * dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "fileio.h"
#include "generator/pii.h"
#include "generator/plan.h"
#include "shape.h"

static cJSON *load(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    struct sil_err err;
    sil_err_clear(&err);
    assert_int_equal(sil_read_file(path, 1 << 24, &data, &len, &err), 0);
    cJSON *j = cJSON_ParseWithLength(data, len);
    free(data);
    assert_non_null(j);
    return j;
}

static cJSON *table(cJSON *root, const char *name)
{
    cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(root, "tables"))
    {
        if (strcmp(cJSON_GetObjectItem(t, "name")->valuestring, name) == 0)
            return t;
    }
    fail_msg("no table %s", name);
    return NULL;
}

static struct gen_plan *plan(cJSON *root, double scale)
{
    struct sil_err err;
    sil_err_clear(&err);
    cJSON_DeleteItemFromObject(root, "checksum"); /* edited: unsealed */
    struct sil_shape *s = sil_shape_from_json(root, SIL_SHAPE_ALLOW_UNSEALED, &err);
    if (!s)
        fail_msg("%s", err.msg);
    struct gen_sizing sz;
    memset(&sz, 0, sizeof sz);
    sz.mode = GEN_SIZE_SCALE;
    sz.scale = scale;
    struct gen_plan *p = gen_plan_new(s, NULL, 7, &sz, &err);
    if (!p)
        fail_msg("%s", err.msg);
    return p;
}

static size_t tindex(const struct gen_plan *p, const char *name)
{
    for (size_t i = 0; i < p->ntables; i++)
        if (strcmp(p->tables[i].t->name, name) == 0)
            return i;
    fail_msg("no table %s", name);
    return 0;
}

static void value(const struct gen_plan *p, const struct gen_table *t, const char *col, int64_t row,
                  char *out, size_t n)
{
    static struct gen_val v;
    int ci = sil_table_column(t->t, col);
    assert_true(ci >= 0);
    gen_value(p, t, &t->cols[ci], row, NULL, &v);
    snprintf(out, n, "%.*s", (int)v.len, v.type == GV_NULL ? "" : v.s);
}

/* messages(conversation_id, sender_id) -> participants(conversation_id, user_id). */
static void test_gen_keys__composite_fk_picks_a_parent_row(void **state)
{
    (void)state;
    cJSON *root = load("tests/shapes/chat.shape.json");
    cJSON *fks = cJSON_GetObjectItem(table(root, "messages"), "foreign_keys");
    cJSON *fk;
    cJSON_ArrayForEach(fk, fks)
    {
        cJSON *cols = cJSON_GetObjectItem(fk, "columns");
        if (strcmp(cJSON_GetArrayItem(cols, 0)->valuestring, "sender_id") != 0)
            continue;
        cJSON_ReplaceItemInObject(fk, "name", cJSON_CreateString("messages_sender_fkey"));
        const char *c2[] = {"conversation_id", "sender_id"}, *r2[] = {"conversation_id", "user_id"};
        cJSON_ReplaceItemInObject(fk, "columns", cJSON_CreateStringArray(c2, 2));
        cJSON *ref = cJSON_GetObjectItem(fk, "references");
        cJSON_ReplaceItemInObject(ref, "table", cJSON_CreateString("participants"));
        cJSON_ReplaceItemInObject(ref, "columns", cJSON_CreateStringArray(r2, 2));
    }
    struct gen_plan *p = plan(root, 0.02);
    cJSON_Delete(root);
    const struct gen_table *m = &p->tables[tindex(p, "messages")];
    const struct gen_table *pt = &p->tables[tindex(p, "participants")];
    const struct gen_fkplan *f = NULL;
    for (size_t i = 0; i < m->nfks; i++)
        if (strcmp(m->fks[i].fk->name, "messages_sender_fkey") == 0)
            f = &m->fks[i];
    assert_non_null(f);
    assert_int_equal(f->mode, GFK_NESTED);
    assert_true(m->rows > 100);
    int64_t *hits = calloc((size_t)pt->rows, sizeof *hits);
    for (int64_t row = 0; row < m->rows; row++) {
        int64_t pr = gen_fk_parent(f, row, NULL);
        assert_true(pr >= 0 && pr < pt->rows);
        hits[pr]++;
        char a[64], b[64], c[64], d[64];
        value(p, m, "conversation_id", row, a, sizeof a);
        value(p, pt, "conversation_id", pr, b, sizeof b);
        assert_string_equal(a, b);
        value(p, m, "sender_id", row, c, sizeof c);
        value(p, pt, "user_id", pr, d, sizeof d);
        assert_string_equal(c, d);
    }
    free(hits);
    gen_plan_free(p);
}

/* A self reference with a fan-out model: every parent is an earlier row, counts follow the model.
 */
static void test_gen_keys__self_reference_follows_fanout(void **state)
{
    (void)state;
    cJSON *root = load("tests/shapes/hr.shape.json");
    cJSON *fk;
    cJSON_ArrayForEach(fk, cJSON_GetObjectItem(table(root, "employees"), "foreign_keys"))
    {
        if (strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(fk, "references"), "table")->valuestring,
                   "employees") != 0)
            continue;
        cJSON *st = cJSON_CreateObject();
        cJSON_AddNumberToObject(st, "coverage", 1);
        cJSON_AddNumberToObject(st, "parents_with_children", 0.1);
        cJSON_AddNumberToObject(st, "mean_children", 0.99);
        cJSON *q = cJSON_AddArrayToObject(st, "children_per_parent");
        for (int i = 0; i < 10; i++) {
            double pt[2] = {0.05 + 0.1 * i, i < 9 ? 0 : 10};
            cJSON_AddItemToArray(q, cJSON_CreateDoubleArray(pt, 2));
        }
        cJSON_AddNumberToObject(st, "sampled_parents", 200);
        cJSON_DeleteItemFromObject(fk, "stats");
        cJSON_AddItemToObject(fk, "stats", st);
    }
    struct gen_plan *p = plan(root, 1);
    cJSON_Delete(root);
    const struct gen_table *e = &p->tables[tindex(p, "employees")];
    const struct gen_fkplan *f = NULL;
    for (size_t i = 0; i < e->nfks; i++)
        if (e->fks[i].mode == GFK_SELF)
            f = &e->fks[i];
    assert_non_null(f);
    assert_true(f->has_fan);
    int64_t *kids = calloc((size_t)e->rows, sizeof *kids), roots = 0;
    for (int64_t row = 0; row < e->rows; row++) {
        int64_t pr = gen_fk_parent(f, row, NULL);
        if (pr < 0 || pr == row) {
            roots++;
            continue;
        }
        assert_true(pr < row);
        kids[pr]++;
    }
    assert_int_equal(roots, f->self_roots);
    int64_t parents = 0;
    for (int64_t r = 0; r < e->rows; r++)
        parents += kids[r] > 0;
    /* About a tenth of the rows are managers (the model's share). */
    assert_true(parents >= e->rows / 20 && parents <= e->rows / 5);
    free(kids);
    gen_plan_free(p);
}

/* sv_SE personal numbers encode the birth date the row gets. */
static void test_gen_keys__personal_number_encodes_birth_date(void **state)
{
    (void)state;
    char out[64];
    gen_pii_born(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_SV_SE, 1, 2, 3, -1, 1073, out, sizeof out);
    assert_memory_equal(out, "19721209-000", 12); /* day 1073 is 1972-12-09 */
    gen_pii_born(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_SV_SE, 1, 2, 3, -1, GEN_BIRTH_PERSON, out,
                 sizeof out);
    char want[64];
    gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_SV_SE, 1, 2, 3, -1, want, sizeof want);
    assert_string_equal(out, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_keys__composite_fk_picks_a_parent_row),
        cmocka_unit_test(test_gen_keys__self_reference_follows_fanout),
        cmocka_unit_test(test_gen_keys__personal_number_encodes_birth_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
