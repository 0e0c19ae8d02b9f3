/* The load plan: exact DDL for a small shape, and refusals of hostile names and expressions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader/load.h"
#include "loader/manifest.h"
#include "loader/plan.h"
#include "shape.h"

static const char shape_text[] =
    "{\"format\": \"silhouette.shape\", \"version\": 1, \"created_at\": \"2026-01-01T00:00:00Z\","
    " \"source\": {\"kind\": \"template\"},"
    " \"tokenization\": {\"method\": \"none\", \"token_length\": 16},"
    " \"privacy\": {\"k\": 10, \"sample_rows\": 1, \"max_category_bytes\": 64, \"noise\": "
    "\"none\", \"metadata_only\": false},"
    " \"enums\": [{\"schema\": \"public\", \"name\": \"kind\", \"labels\": [\"a\", \"it's\"]}],"
    " \"tables\": ["
    "  {\"schema\": \"public\", \"name\": \"Parent T\", \"kind\": \"table\","
    "   \"rows\": {\"count\": 2, \"method\": \"exact\"}, \"primary_key\": [\"id\"],"
    "   \"columns\": [{\"name\": \"id\", \"type\": {\"name\": \"bigint\"}, \"nullable\": false,"
    "                  \"identity\": \"by_default\", \"classification\": \"identifier\"}]},"
    "  {\"schema\": \"public\", \"name\": \"child\", \"kind\": \"table\","
    "   \"rows\": {\"count\": 3, \"method\": \"exact\"}, \"primary_key\": [\"id\"],"
    "   \"unique\": [{\"name\": \"child_code_key\", \"columns\": [\"code\"]}],"
    "   \"checks\": [{\"name\": \"child_amount_check\", \"expression\": \"CHECK_EXPR\"}],"
    "   \"columns\": ["
    "    {\"name\": \"id\", \"type\": {\"name\": \"integer\"}, \"nullable\": false, \"default\": "
    "\"sequence\", \"classification\": \"identifier\"},"
    "    {\"name\": \"parent_id\", \"type\": {\"name\": \"bigint\"}, \"nullable\": true, "
    "\"classification\": \"identifier\"},"
    "    {\"name\": \"COLNAME\", \"type\": {\"name\": \"numeric\", \"precision\": 10, \"scale\": "
    "2}, \"nullable\": false, \"classification\": \"public\"},"
    "    {\"name\": \"code\", \"type\": {\"name\": \"varchar\", \"length\": 3}, \"nullable\": "
    "true, \"classification\": \"public\"},"
    "    {\"name\": \"k\", \"type\": {\"name\": \"enum\", \"schema\": \"public\", \"ref\": "
    "\"kind\"}, \"nullable\": true, \"default\": \"now\", \"classification\": \"public\"},"
    "    {\"name\": \"twice\", \"type\": {\"name\": \"numeric\"}, \"nullable\": true, "
    "\"generated\": {\"expression\": \"(COLNAME * (2)::numeric)\"}, \"classification\": "
    "\"public\"}],"
    "   \"foreign_keys\": [{\"name\": \"child_parent_fkey\", \"columns\": [\"parent_id\"],"
    "     \"references\": {\"schema\": \"public\", \"table\": \"Parent T\", \"columns\": "
    "[\"id\"]}, \"on_delete\": \"cascade\"}]}]}";

#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"

static const char manifest_text[] =
    "{\"format\": \"silhouette.output\", \"version\": 1, \"generator\": \"t\", \"seed\": 1,"
    " \"data_format\": \"copy\", \"compression\": \"none\", \"shard\": {\"index\": 1, \"count\": "
    "1},"
    " \"inputs\": {\"shape\": {\"file\": \"shape.json\", \"checksum\": \"blake2b-256:" Z64 "\"}},"
    " \"sizing\": {\"mode\": \"source\", \"tables\": [{\"schema\": \"public\", \"table\": "
    "\"Parent T\", \"source\": \"source\", \"rows\": 2}, {\"schema\": \"public\", \"table\": "
    "\"child\", \"source\": \"source\", \"rows\": 3}]},"
    " \"schema_sql\": {\"file\": \"schema.sql\", \"checksum\": \"blake2b-256:" Z64 "\"},"
    " \"tables\": ["
    "  {\"schema\": \"public\", \"name\": \"Parent T\", \"rows\": 2, \"total_rows\": 2, "
    "\"first_row\": 0, \"columns\": [\"id\"],"
    "   \"files\": [{\"file\": \"data/p.copy\", \"rows\": 2, \"bytes\": 4, \"checksum\": "
    "\"blake2b-256:" Z64 "\"}]},"
    "  {\"schema\": \"public\", \"name\": \"child\", \"rows\": 3, \"total_rows\": 3, "
    "\"first_row\": 0, \"columns\": [\"id\", \"parent_id\", \"COLNAME\", \"code\", \"k\"],"
    "   \"files\": [{\"file\": \"data/c.copy\", \"rows\": 3, \"bytes\": 9, \"checksum\": "
    "\"blake2b-256:" Z64 "\"}]}]}";

/* Optional edits of the texts above (first occurrence), for single tests. */
static const char *shape_from, *shape_to, *manifest_from, *manifest_to;

static void apply_edit(struct sil_buf *b, const char *from, const char *to)
{
    if (!from)
        return;
    char *hit = strstr(b->data, from);
    if (!hit)
        fail_msg("'%s' not in the test text", from);
    struct sil_buf o;
    sil_buf_init(&o, 0);
    sil_buf_add(&o, b->data, (size_t)(hit - b->data));
    sil_buf_adds(&o, to);
    sil_buf_adds(&o, hit + strlen(from));
    sil_buf_release(b);
    *b = o;
}

/* Substitute the placeholders and build a plan; NULL with err on refusal. */
static struct loader_plan *plan_with(const char *check, const char *colname, const char *mcols,
                                     struct sil_shape **sp, struct loader_manifest **mp,
                                     struct sil_err *err)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    const char *p = shape_text;
    for (;;) {
        const char *a = strstr(p, "CHECK_EXPR"), *c = strstr(p, "COLNAME");
        const char *next = a && (!c || a < c) ? a : c;
        if (!next) {
            sil_buf_adds(&b, p);
            break;
        }
        sil_buf_add(&b, p, (size_t)(next - p));
        if (next == a) {
            for (const char *q = check; *q; q++) {
                if (*q == '"' || *q == '\\')
                    sil_buf_addc(&b, '\\');
                sil_buf_addc(&b, *q);
            }
            p = next + strlen("CHECK_EXPR");
        } else {
            for (const char *q = colname; *q; q++) {
                if (*q == '"' || *q == '\\')
                    sil_buf_addc(&b, '\\');
                sil_buf_addc(&b, *q);
            }
            p = next + strlen("COLNAME");
        }
    }
    apply_edit(&b, shape_from, shape_to);
    *sp = sil_shape_parse(b.data, b.len, "shape.json", 0, err);
    sil_buf_release(&b);
    if (!*sp)
        fail_msg("test shape refused: %s: %s", err->path, err->msg);
    struct sil_buf mb;
    sil_buf_init(&mb, 0);
    const char *at = strstr(manifest_text, "COLNAME");
    sil_buf_add(&mb, manifest_text, (size_t)(at - manifest_text));
    sil_buf_adds(&mb, mcols);
    sil_buf_adds(&mb, at + strlen("COLNAME"));
    apply_edit(&mb, manifest_from, manifest_to);
    *mp = loader_manifest_parse(mb.data, mb.len, "manifest.json", err);
    sil_buf_release(&mb);
    if (!*mp)
        fail_msg("test manifest refused: %s: %s", err->path, err->msg);
    struct loader_plan_opts o = {"run_1", NULL};
    return loader_plan_build(*sp, *mp, &o, err);
}

static void test_loader_plan__ddl(void **state)
{
    (void)state;
    struct sil_shape *s;
    struct loader_manifest *m;
    struct sil_err err;
    struct loader_plan *p = plan_with("(amount > (0)::numeric)", "amount", "amount", &s, &m, &err);
    if (!p)
        fail_msg("refused: %s: %s", err.path, err.msg);
    assert_int_equal(p->npre, 2);
    assert_string_equal(p->pre_sql[0], "CREATE TYPE \"run_1\".\"kind\" AS ENUM ('a', 'it''s')");
    assert_string_equal(p->pre_sql[1], "CREATE SEQUENCE \"run_1\".\"sil_seq_1_0\"");
    assert_int_equal(p->ntables, 2);
    assert_string_equal(p->tables[0].qname, "\"run_1\".\"Parent T\"");
    assert_string_equal(p->tables[0].create_sql,
                        "CREATE TABLE \"run_1\".\"Parent T\" (\"id\" bigint GENERATED BY "
                        "DEFAULT AS IDENTITY NOT NULL)");
    assert_string_equal(
        p->tables[1].create_sql,
        "CREATE TABLE \"run_1\".\"child\" (\"id\" integer NOT NULL DEFAULT "
        "nextval('\"run_1\".\"sil_seq_1_0\"'::regclass), \"parent_id\" bigint, \"amount\" "
        "numeric(10,2) NOT NULL, \"code\" character varying(3), \"k\" \"run_1\".\"kind\" DEFAULT "
        "now(), \"twice\" numeric GENERATED ALWAYS AS ((\"amount\" * (2)::numeric)) STORED, "
        "CONSTRAINT \"child_amount_check\" CHECK ((\"amount\" > (0)::numeric))); ALTER SEQUENCE "
        "\"run_1\".\"sil_seq_1_0\" OWNED BY \"run_1\".\"child\".\"id\"");
    assert_string_equal(p->tables[1].copy_sql,
                        "COPY \"run_1\".\"child\" (\"id\", \"parent_id\", \"amount\", \"code\", "
                        "\"k\") FROM STDIN WITH (FORMAT text)");
    assert_string_equal(p->tables[1].copy_freeze_sql,
                        "COPY \"run_1\".\"child\" (\"id\", \"parent_id\", \"amount\", \"code\", "
                        "\"k\") FROM STDIN WITH (FORMAT text, FREEZE true)");
    assert_int_equal(p->tables[1].nkeys, 2);
    assert_string_equal(p->tables[1].key_sql[0],
                        "ALTER TABLE \"run_1\".\"child\" ADD PRIMARY KEY (\"id\")");
    assert_string_equal(p->tables[1].key_sql[1], "ALTER TABLE \"run_1\".\"child\" ADD CONSTRAINT "
                                                 "\"child_code_key\" UNIQUE (\"code\")");
    assert_int_equal(p->tables[1].nfks, 1);
    assert_string_equal(p->tables[1].fks[0].add_sql,
                        "ALTER TABLE \"run_1\".\"child\" ADD CONSTRAINT \"child_parent_fkey\" "
                        "FOREIGN KEY (\"parent_id\") REFERENCES \"run_1\".\"Parent T\" (\"id\") ON "
                        "DELETE CASCADE ON UPDATE NO ACTION NOT VALID");
    assert_string_equal(p->tables[1].fks[0].validate_sql,
                        "ALTER TABLE \"run_1\".\"child\" VALIDATE CONSTRAINT "
                        "\"child_parent_fkey\"");
    assert_string_equal(p->tables[1].fks[0].orphans_sql,
                        "SELECT count(*) FROM \"run_1\".\"child\" c WHERE c.\"parent_id\" IS NOT "
                        "NULL AND NOT EXISTS (SELECT 1 FROM \"run_1\".\"Parent T\" p WHERE "
                        "p.\"id\" = c.\"parent_id\")");
    assert_int_equal(p->tables[0].nseq, 1);
    assert_string_equal(p->tables[0].seq_sql[0],
                        "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(\"id\"), 0) "
                        "+ 1, false) FROM \"run_1\".\"Parent T\"");
    assert_string_equal(p->tables[0].seq_col[0], "id");
    loader_plan_free(p);
    loader_manifest_free(m);
    sil_shape_free(s);
}

static void expect_refusal(const char *check, const char *colname, const char *mcols,
                           const char *want_path, const char *want)
{
    struct sil_shape *s;
    struct loader_manifest *m;
    struct sil_err err;
    sil_err_clear(&err);
    struct loader_plan *p = plan_with(check, colname, mcols, &s, &m, &err);
    if (p)
        fail_msg("accepted check '%s' column '%s'", check, colname);
    assert_int_equal(err.code, SIL_EINPUT);
    if (!strstr(err.msg, want) || (want_path && strcmp(err.path, want_path) != 0))
        fail_msg("check '%s' column '%s': got %s: %s; want %s: %s", check, colname, err.path,
                 err.msg, want_path ? want_path : "", want);
    loader_manifest_free(m);
    sil_shape_free(s);
}

static void test_loader_plan__hostile_names(void **state)
{
    (void)state;
    expect_refusal("(1 = 1)", "x\"; DROP TABLE t; --", "x\\\"; DROP TABLE t; --",
                   "tables[1].columns[2].name", "contains '\"'");
    expect_refusal("(1 = 1)", "a;b", "a;b", "tables[1].columns[2].name", "contains ';'");
    expect_refusal("(1 = 1)", "a\\b", "a\\\\b", "tables[1].columns[2].name", "contains '\\'");
    expect_refusal("(1 = 1)", "a--b", "a--b", "tables[1].columns[2].name",
                   "contains a comment marker");
    expect_refusal("(1 = 1)", "a/*b", "a/*b", NULL, "contains a comment marker");
    const char *why;
    assert_true(loader_ident_acceptable("Order Details", &why));
    assert_true(loader_ident_acceptable("caf\xc3\xa9", &why));
    assert_false(loader_ident_acceptable("a\"b", &why));
}

static void test_loader_plan__hostile_checks(void **state)
{
    (void)state;
    expect_refusal("(amount > 0); DROP TABLE x; --", "amount", "amount", NULL,
                   "refused at position 13: ';' is not allowed");
    expect_refusal("pg_sleep(10) IS NULL", "amount", "amount", NULL,
                   "function pg_sleep() is not allowed");
    expect_refusal("(SELECT true)", "amount", "amount", NULL, "subqueries are refused");
    expect_refusal("amount > $$0$$", "amount", "amount", NULL, "dollar quoting");
    expect_refusal("(missing > 0)", "amount", "amount", "tables[1].checks[0]",
                   "names column \"missing\", which the table does not have");
}

static void test_loader_plan__manifest_must_match(void **state)
{
    (void)state;
    expect_refusal("(1 = 1)", "amount", "other", "tables[1].columns[2]",
                   "column \"other\" is not in the shape's table");
    expect_refusal("(1 = 1)", "amount", "amount\", \"twice", "tables[1].columns[3]",
                   "is generated and cannot be loaded");
}

static void test_loader_plan__deferred_foreign_keys(void **state)
{
    (void)state;
    struct sil_shape *s;
    struct loader_manifest *m;
    struct sil_err err;
    /* a key of a broken cycle is added after the data like every other */
    manifest_from = "\"files\": [{\"file\": \"data/c.copy\"";
    manifest_to = "\"deferred_foreign_keys\": [\"child_parent_fkey\"], \"files\": [{\"file\": "
                  "\"data/c.copy\"";
    struct loader_plan *p = plan_with("(1 = 1)", "amount", "amount", &s, &m, &err);
    if (!p)
        fail_msg("refused: %s: %s", err.path, err.msg);
    assert_int_equal(p->tables[1].nfks, 1);
    assert_non_null(strstr(p->tables[1].fks[0].add_sql, "NOT VALID"));
    loader_plan_free(p);
    loader_manifest_free(m);
    sil_shape_free(s);
    manifest_to = "\"deferred_foreign_keys\": [\"nope\"], \"files\": [{\"file\": \"data/c.copy\"";
    expect_refusal("(1 = 1)", "amount", "amount", "tables[1].deferred_foreign_keys[0]",
                   "\"nope\" is not a foreign key of public.child in shape.json");
    manifest_from = manifest_to = NULL;
}

static void test_loader_plan__csv_header(void **state)
{
    (void)state;
    struct sil_shape *s;
    struct loader_manifest *m;
    struct sil_err err;
    manifest_from = "\"data_format\": \"copy\"";
    manifest_to = "\"data_format\": \"csv\"";
    struct loader_plan *p = plan_with("(1 = 1)", "amount", "amount", &s, &m, &err);
    manifest_from = manifest_to = NULL;
    if (!p)
        fail_msg("refused: %s: %s", err.path, err.msg);
    const struct loader_ptable *pt = &p->tables[0];
    assert_string_equal(loader_plan_copy_sql(pt, 0, 0),
                        "COPY \"run_1\".\"Parent T\" (\"id\") FROM STDIN WITH (FORMAT csv)");
    assert_string_equal(loader_plan_copy_sql(pt, 1, 0), "COPY \"run_1\".\"Parent T\" (\"id\") FROM "
                                                        "STDIN WITH (FORMAT csv, FREEZE true)");
    assert_string_equal(loader_plan_copy_sql(pt, 0, 1), "COPY \"run_1\".\"Parent T\" (\"id\") FROM "
                                                        "STDIN WITH (FORMAT csv, HEADER true)");
    assert_string_equal(loader_plan_copy_sql(pt, 1, 1),
                        "COPY \"run_1\".\"Parent T\" (\"id\") FROM STDIN WITH (FORMAT csv, "
                        "HEADER true, FREEZE true)");
    /* the header flag follows the file that starts at row 0 */
    assert_int_equal(m->tables[0].files[0].header, 1);
    loader_plan_free(p);
    loader_manifest_free(m);
    sil_shape_free(s);
}

static void test_loader_plan__partitioned_as_plain(void **state)
{
    (void)state;
    struct sil_shape *s;
    struct loader_manifest *m;
    struct sil_err err;
    shape_from = "\"name\": \"Parent T\", \"kind\": \"table\",";
    shape_to =
        "\"name\": \"Parent T\", \"kind\": \"partitioned\", \"partitioning\": {\"strategy\": "
        "\"range\", \"key\": [\"id\"], \"partitions\": [{\"name\": \"p1\", \"bound\": \"FOR "
        "VALUES FROM (1) TO (10)\"}, {\"name\": \"p2\", \"bound\": \"DEFAULT\"}]},";
    struct loader_plan *p = plan_with("(1 = 1)", "amount", "amount", &s, &m, &err);
    shape_from = shape_to = NULL;
    if (!p)
        fail_msg("refused: %s: %s", err.path, err.msg);
    assert_string_equal(p->tables[0].create_sql,
                        "CREATE TABLE \"run_1\".\"Parent T\" (\"id\" bigint GENERATED BY "
                        "DEFAULT AS IDENTITY NOT NULL)");
    assert_int_equal(p->nnotes, 1);
    assert_string_equal(p->notes[0], "public.Parent T is partitioned in the source (range on 1 "
                                     "column, 2 partitions); loaded as a plain table");
    loader_plan_free(p);
    loader_manifest_free(m);
    sil_shape_free(s);
}

static void test_loader_plan__schema_names(void **state)
{
    (void)state;
    const char *why;
    assert_true(loader_schema_name_ok("sil_20260101t000000z_abc123", &why));
    assert_true(loader_schema_name_ok("_x", &why));
    assert_false(loader_schema_name_ok("Upper", &why));
    assert_false(loader_schema_name_ok("pg_x", &why));
    assert_false(loader_schema_name_ok("public", &why));
    assert_false(loader_schema_name_ok("silhouette_meta", &why));
    assert_false(loader_schema_name_ok("a-b", &why));
    assert_false(loader_schema_name_ok("", &why));
    char s[64];
    loader_default_schema("20260131T120000Z-ab12cd", s);
    assert_string_equal(s, "sil_20260131t120000z_ab12cd");
    char id[40];
    loader_new_run_id(id);
    assert_int_equal(strlen(id), 23);
    assert_int_equal(id[16], '-');
    loader_default_schema(id, s);
    assert_true(loader_schema_name_ok(s, &why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_plan__ddl),
        cmocka_unit_test(test_loader_plan__hostile_names),
        cmocka_unit_test(test_loader_plan__hostile_checks),
        cmocka_unit_test(test_loader_plan__manifest_must_match),
        cmocka_unit_test(test_loader_plan__deferred_foreign_keys),
        cmocka_unit_test(test_loader_plan__csv_header),
        cmocka_unit_test(test_loader_plan__partitioned_as_plain),
        cmocka_unit_test(test_loader_plan__schema_names),
    };
    return cmocka_run_group_tests_name("loader_plan", tests, NULL, NULL);
}
