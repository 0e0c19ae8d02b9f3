/* REST source: description reader, URL helpers, C statistics, record store and inference. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "apidesc.h"
#include "cstats.h"
#include "http.h"
#include "json.h"
#include "rest.h"
#include "restdata.h"

#define DEFAULT_POLICY "policies/sampler-default.json"

static struct sampler_apidesc *parse(const char *text, struct sil_err *err)
{
    sil_err_clear(err);
    return sampler_apidesc_parse(text, strlen(text), "api.json", err);
}

static void test_sampler_rest__apidesc_defaults(void **state)
{
    (void)state;
    struct sil_err err;
    struct sampler_apidesc *d =
        parse("{\"format\": \"silhouette.rest-source\", \"version\": 1, \"base_url\": "
              "\"https://api.example.com/v1/\", \"auth\": {\"type\": \"bearer\", \"token_env\": "
              "\"TOK\"}, \"pagination\": {\"style\": \"cursor\", \"cursor_path\": \"meta.next\"}, "
              "\"entities\": [{\"name\": \"employees\", \"path\": \"/employee\", \"query\": "
              "{\"status\": \"all staff\"}}, {\"name\": \"teams\", \"path\": \"/team\", "
              "\"max_records\": 5, \"pagination\": {\"style\": \"page\", \"page_size\": 20}}]}",
              &err);
    assert_non_null(d);
    assert_int_equal(d->auth, SAMPLER_AUTH_BEARER);
    assert_string_equal(d->token_env, "TOK");
    assert_null(d->token_file);
    assert_string_equal(d->schema, "public");
    assert_int_equal(d->max_response_bytes, SAMPLER_API_DEF_MAX_RESPONSE);
    assert_int_equal(d->timeout_ms, SAMPLER_API_DEF_TIMEOUT_MS);
    assert_int_equal(d->retries, SAMPLER_API_DEF_RETRIES);
    assert_int_equal(d->nentities, 2);
    assert_int_equal(d->entities[0].paging.style, SAMPLER_PAGING_CURSOR);
    assert_string_equal(d->entities[0].paging.cursor_path, "meta.next");
    assert_int_equal(d->entities[0].max_records, SAMPLER_API_DEF_MAX_RECORDS);
    assert_int_equal(d->entities[1].paging.style, SAMPLER_PAGING_PAGE);
    assert_int_equal(d->entities[1].paging.page_size, 20);
    assert_int_equal(d->entities[1].max_records, 5);
    char *u = sampler_rest_url(d, &d->entities[0], "limit=100");
    assert_string_equal(u, "https://api.example.com/v1/employee?status=all%20staff&limit=100");
    free(u);
    u = sampler_rest_url(d, &d->entities[1], NULL);
    assert_string_equal(u, "https://api.example.com/v1/team");
    free(u);
    sampler_apidesc_free(d);
}

static void test_sampler_rest__apidesc_errors(void **state)
{
    (void)state;
#define H "{\"format\": \"silhouette.rest-source\", \"version\": 1, "
#define E "\"entities\": [{\"name\": \"e\", \"path\": \"/e\"}]"
    static const struct {
        const char *text, *path, *msg;
    } v[] = {
        {H "\"base_url\": \"https://x\", " E ", \"extra\": 1}", "(top level)",
         "unknown key \"extra\""},
        {H "\"base_url\": \"https://x\", \"entities\": [{\"name\": \"e\"}]}", "entities[0].path",
         "required key is missing"},
        {H "\"base_url\": \"http://10.0.0.1\", " E "}", "base_url", "plain http"},
        {H "\"base_url\": \"https://x\", \"auth\": {\"type\": \"basic\", \"password_env\": "
           "\"P\"}, " E "}",
         "auth", "needs \"username\""},
        {H "\"base_url\": \"https://x\", \"auth\": {\"type\": \"bearer\"}, " E "}", "auth",
         "exactly one of"},
        {H "\"base_url\": \"https://x\", \"auth\": {\"type\": \"query\", \"token_env\": \"T\"}, " E
           "}",
         "auth", "\"param\""},
        {H "\"base_url\": \"https://x\", \"records\": \"a..b\", " E "}", "records", "dotted path"},
        {H "\"base_url\": \"https://x\", \"limits\": {\"retries\": 99}, " E "}", "limits.retries",
         "from 0 to 20"},
        {H "\"base_url\": \"https://x\", \"entities\": [{\"name\": \"e\", \"path\": \"/a/../b\"}]}",
         "entities[0].path", "dot segments"},
        {H "\"base_url\": \"https://x\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\", "
           "\"query\": {\"a b\": \"1\"}}]}",
         "entities[0].query.a b", "parameter names"},
        {H "\"base_url\": \"https://x\", \"entities\": [{\"name\": \"e\", \"path\": \"/e\", "
           "\"foreign_keys\": [{\"column\": \"x\", \"references\": \"e\"}]}]}",
         "entities[0].foreign_keys[0].references", "ENTITY.COLUMN"},
        {"[1, 2]", "(top level)", "expected an object"},
    };
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++) {
        struct sil_err err;
        struct sampler_apidesc *d = parse(v[i].text, &err);
        if (d)
            fail_msg("case %zu accepted", i);
        assert_int_equal(err.code, SIL_EINPUT);
        if (strcmp(err.path, v[i].path) != 0 || !strstr(err.msg, v[i].msg))
            fail_msg("case %zu: path '%s' msg '%s'", i, err.path, err.msg);
    }
#undef H
#undef E
}

static void test_sampler_rest__urls(void **state)
{
    (void)state;
    char o[300], h[256];
    assert_int_equal(sampler_url_origin("https://API.example.com/v1", o, sizeof o), 0);
    assert_string_equal(o, "https://api.example.com:443");
    assert_int_equal(sampler_url_origin("http://127.0.0.1:8080/x?y", o, sizeof o), 0);
    assert_string_equal(o, "http://127.0.0.1:8080");
    assert_int_equal(sampler_url_origin("http://[::1]:80/", o, sizeof o), 0);
    assert_string_equal(o, "http://[::1]:80");
    assert_int_equal(sampler_url_origin("https://u:p@x/", o, sizeof o), -1);
    assert_int_equal(sampler_url_origin("ftp://x/", o, sizeof o), -1);
    assert_int_equal(sampler_url_origin("https://x:99999/", o, sizeof o), -1);
    assert_int_equal(sampler_url_host("https://x.example:8443/a", h, sizeof h), 0);
    assert_string_equal(h, "x.example");
    assert_true(sampler_host_loopback("127.0.0.2"));
    assert_true(sampler_host_loopback("localhost"));
    assert_false(sampler_host_loopback("127.example.com"));
    assert_false(sampler_host_loopback("10.0.0.1"));
    static const struct {
        const char *in, *extra, *want;
    } r[] = {
        {"https://x/a?api_key=S&limit=5", NULL, "https://x/a?api_key=REDACTED&limit=5"},
        {"https://x/a?limit=5&Token=S#frag", NULL, "https://x/a?limit=5&Token=REDACTED"},
        {"https://x/a?k2=S&access_token=T", "k2", "https://x/a?k2=REDACTED&access_token=REDACTED"},
        {"https://x/a?offset=10", NULL, "https://x/a?offset=10"},
        {"https://x/a", NULL, "https://x/a"}};
    for (size_t i = 0; i < SIL_ARRAY_SIZE(r); i++) {
        char *s = sampler_url_redact(r[i].in, r[i].extra);
        assert_string_equal(s, r[i].want);
        free(s);
    }
    char *e = sampler_url_escape("a b/ä&=");
    assert_string_equal(e, "a%20b%2F%C3%A4%26%3D");
    free(e);
    assert_true(sampler_retry_after("1", 0) == 1);
    assert_true(sampler_retry_after(" 120 ", 0) == 120);
    assert_true(sampler_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 40) == 60);
    assert_true(sampler_retry_after("soon", 0) == -1);
}

static void test_sampler_rest__cstats(void **state)
{
    (void)state;
    assert_int_equal(sampler_c_chars("Åsa", 4), 3);
    assert_int_equal(sampler_c_left("Åsa Öberg", 11, 4), 5);
    assert_int_equal(sampler_c_left("ab", 2, 5), 2);
    double d[] = {3, 1, 2, 3, 1};
    assert_int_equal(sampler_c_distinct_numbers(d, 5), 3);
    /* Text compares its first 256 characters. */
    char l1[300], l2[300];
    memset(l1, 'x', 300);
    memcpy(l2, l1, 300);
    l2[299] = 'y';
    struct sampler_cstr t[] = {{l1, 300}, {l2, 300}, {"a", 1}, {"b", 1}, {"a", 1}};
    assert_int_equal(sampler_c_distinct_text(t, 5), 3);
    /* Categories: count >= k, most frequent first, ties in byte order, long ones left out. */
    struct sampler_cstr c[] = {{"b", 1}, {"a", 1}, {"c", 1}, {"b", 1},   {"a", 1},
                               {"c", 1}, {"c", 1}, {"d", 1}, {"eee", 3}, {"eee", 3}};
    struct sampler_catvalue *cv = NULL;
    size_t n = sampler_c_categories(c, 10, 2, 2, 10, &cv);
    assert_int_equal(n, 3);
    assert_true(cv[0].len == 1 && cv[0].value[0] == 'c' && cv[0].count == 3);
    assert_true(cv[1].value[0] == 'a' && cv[1].count == 2);
    assert_true(cv[2].value[0] == 'b' && cv[2].count == 2);
    free(cv);
    n = sampler_c_categories(c, 10, 2, 2, 1, &cv);
    assert_int_equal(n, 1);
    free(cv);
    /* 1970-01-05 was a Monday; 1970-01-01 a Thursday. */
    assert_int_equal(sampler_c_hour_of_week(4 * 86400.0), 0);
    assert_int_equal(sampler_c_hour_of_week(4 * 86400.0 + 13 * 3600 + 59), 13);
    assert_int_equal(sampler_c_hour_of_week(0), 72);
    assert_int_equal(sampler_c_hour_of_week(-1), 71);
    double s[] = {1, 2, 3, 4};
    assert_true(sampler_c_percentile(s, 4, 0.5) == 2.5);
    assert_true(fabs(sampler_c_percentile(s, 4, 0.95) - 3.85) < 1e-12);
    assert_true(sampler_c_percentile(s, 1, 0.95) == 1);
}

static void test_sampler_rest__cstats_fk(void **state)
{
    (void)state;
    struct sil_arena *a = sil_arena_new();
    double counts[40];
    for (int i = 0; i < 40; i++)
        counts[i] = i < 10 ? 0 : i < 39 ? 2 : 2000;
    struct sil_fkstats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(sampler_c_fk_children(a, counts, 40, 10, 1000, &st), 0);
    assert_int_equal(st.sampled_parents, 40);
    assert_true(st.parents_with_children == 0.75);
    assert_true(st.mean_children == (29 * 2 + 2000) / 40.0);
    assert_true(st.has_heavy && st.heavy_parent_fraction == 1 / 40.0);
    assert_true(st.heavy_child_fraction == 2000 / 2058.0);
    assert_int_equal(st.children_per_parent.n, 4);
    assert_true(st.children_per_parent.v[0] == 0 && st.children_per_parent.v[1] == 2);
    assert_true(st.children_per_parent.v[3] == (9 * 2 + 2000) / 10.0);
    assert_int_equal(sampler_c_fk_children(a, counts, 0, 10, 1000, &st), -1);
    double gaps[30];
    for (int i = 0; i < 30; i++)
        gaps[i] = 29 - i;
    memset(&st, 0, sizeof st);
    assert_int_equal(sampler_c_fk_arrival(a, gaps, 30, 10, &st), 0);
    assert_true(fabs(st.burstiness - 27.55 / 14.5) < 1e-12);
    assert_int_equal(st.gap_quantiles.n, 3);
    assert_true(st.gap_quantiles.v[0] == 4.5);
    assert_int_equal(sampler_c_fk_arrival(a, gaps, 19, 10, &st), -1);
    for (int i = 0; i < 30; i++)
        gaps[i] = i < 20 ? 0 : 5;
    assert_int_equal(sampler_c_fk_arrival(a, gaps, 30, 10, &st), -1); /* median gap 0 */
    sil_arena_free(a);
}

static void test_sampler_rest__snake_case(void **state)
{
    (void)state;
    static const char *const v[][2] = {{"teamId", "team_id"},
                                       {"teamReference_id", "team_reference_id"},
                                       {"HTTPServer", "http_server"},
                                       {"already_snake", "already_snake"},
                                       {"personalNumber", "personal_number"},
                                       {"x-request.id", "x_request_id"},
                                       {"addressLine2", "address_line2"},
                                       {"ID", "id"}};
    for (size_t i = 0; i < SIL_ARRAY_SIZE(v); i++) {
        char *s = sampler_snake_case(v[i][0]);
        assert_string_equal(s, v[i][1]);
        free(s);
    }
}

static int add_json(struct sampler_rtable *t, const char *text, int page, struct sil_err *err)
{
    cJSON *r = NULL;
    if (sil_json_parse(text, strlen(text), "t", &r, err) < 0)
        return -1;
    int rc = sampler_rtable_add(t, r, page, err);
    cJSON_Delete(r);
    return rc;
}

static void test_sampler_rest__shape_change(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct sampler_rtable *t = sampler_rtable_new("people");
    assert_int_equal(add_json(t, "{\"id\": 1, \"a\": {\"b\": \"x\"}, \"n\": null}", 1, &err), 0);
    assert_int_equal(add_json(t, "{\"id\": 2, \"a\": {\"b\": \"y\"}, \"n\": 5}", 1, &err), 0);
    assert_int_equal(add_json(t, "{\"id\": 3, \"a\": null}", 2, &err), 0);
    assert_int_equal(add_json(t, "{\"id\": 4, \"a\": \"flat\"}", 2, &err), -1);
    assert_int_equal(err.code, SIL_ENET);
    assert_string_equal(err.msg, "entity \"people\" changed shape: field \"a\" is a string in "
                                 "record 4 (page 2), an object before");
    sil_err_clear(&err);
    assert_int_equal(add_json(t, "[1]", 3, &err), -1);
    assert_non_null(strstr(err.msg, "record 5 of page 3 is not an object"));
    sampler_rtable_free(t);
}

static void test_sampler_rest__build(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    const char *desc =
        "{\"format\": \"silhouette.rest-source\", \"version\": 1, \"base_url\": "
        "\"https://api.example.com\", \"entities\": [{\"name\": \"teams\", \"path\": \"/team\"}, "
        "{\"name\": \"people\", \"path\": \"/person\"}]}";
    struct sampler_apidesc *d = parse(desc, &err);
    assert_non_null(d);
    struct sampler_rest_read rd[2];
    memset(rd, 0, sizeof rd);
    rd[0].records = sampler_rtable_new("teams");
    rd[1].records = sampler_rtable_new("people");
    rd[0].complete = rd[1].complete = 1;
    rd[0].total = rd[1].total = -1;
    for (int i = 0; i < 25; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "{\"id\": %d, \"name\": \"Team %d\"}", 100 + i, i);
        assert_int_equal(add_json(rd[0].records, buf, 1, &err), 0);
    }
    for (int i = 0; i < 60; i++) {
        char buf[512];
        snprintf(
            buf, sizeof buf,
            "{\"uuid\": \"%08x-0000-4000-8000-000000000000\", \"teamReference\": {\"id\": %d}, "
            "\"joined\": \"2024-01-%02dT10:00:00Z\", \"born\": \"1990-02-%02d\", \"score\": "
            "%d.5, \"flag\": %s, \"tags\": [\"a\", %d], \"note\": %s, \"local\": "
            "\"2024-01-01 08:00:00\"}",
            i, 100 + i % 20, 1 + i % 28, 1 + i % 28, i, i % 3 ? "true" : "false", i,
            i % 2 ? "null" : "\"short\"");
        assert_int_equal(add_json(rd[1].records, buf, 1 + i / 20, &err), 0);
    }
    struct sampler_policy *pol = sampler_policy_load(DEFAULT_POLICY, NULL, &err);
    assert_non_null(pol);
    struct sampler_protect pr = {10, 64, 1000, 16, NULL, NULL, NULL};
    struct sampler_statopts so = {10, 100000, 1000000, 10000, 1000, 1000, 1024, &pr, NULL};
    struct sil_shape *s = sil_shape_new();
    struct sampler_model m = {s, NULL};
    assert_int_equal(sampler_rest_build(&m, d, rd, pol, &so, 0, &err), 0);
    assert_int_equal(s->ntables, 2);
    const struct sil_table *t = &s->tables[0], *p = &s->tables[1];
    assert_int_equal(t->npk, 1);
    assert_string_equal(t->pk[0], "id");
    assert_int_equal(t->cols[0].type.base, SIL_T_INTEGER);
    assert_int_equal(p->npk, 1);
    assert_string_equal(p->pk[0], "uuid");
    static const struct {
        const char *name;
        enum sil_type_base base;
        int nullable;
    } want[] = {{"uuid", SIL_T_UUID, 0},          {"teamReference_id", SIL_T_INTEGER, 0},
                {"joined", SIL_T_TIMESTAMPTZ, 0}, {"born", SIL_T_DATE, 0},
                {"score", SIL_T_NUMERIC, 0},      {"flag", SIL_T_BOOLEAN, 0},
                {"tags", SIL_T_JSONB, 0},         {"note", SIL_T_TEXT, 1},
                {"local", SIL_T_TIMESTAMP, 0}};
    assert_int_equal(p->ncols, SIL_ARRAY_SIZE(want));
    for (size_t i = 0; i < SIL_ARRAY_SIZE(want); i++) {
        assert_string_equal(p->cols[i].name, want[i].name);
        assert_int_equal(p->cols[i].type.base, want[i].base);
        assert_int_equal(p->cols[i].nullable, want[i].nullable);
    }
    /* teamReference.id: a foreign key to teams.id, confirmed by its values. */
    assert_int_equal(p->nfks, 1);
    assert_string_equal(p->fks[0].cols[0], "teamReference_id");
    assert_string_equal(p->fks[0].ref_table, "teams");
    assert_string_equal(p->fks[0].name, "people_teamReference_id_fkey");
    const struct sil_fkstats *fs = p->fks[0].stats;
    assert_non_null(fs);
    assert_true(fs->coverage == 1);
    assert_int_equal(fs->sampled_parents, 25);
    assert_true(fs->parents_with_children == 0.8);
    assert_true(fs->mean_children == 60 / 25.0);
    assert_string_equal(fs->arrival_column, "joined");
    assert_int_equal(p->cols[1].classification, SIL_CLASS_IDENTIFIER);
    /* Statistics: booleans as categories, score quantiles, note's null share. */
    assert_true(p->cols[7].stats->null_fraction == 0.5);
    assert_int_equal(p->cols[4].stats->quantiles.n, 6);
    assert_true(p->cols[4].stats->quantiles.v[0] == 4.5 + 0.5);
    assert_non_null(p->cols[5].stats->categories);
    assert_int_equal(p->cols[5].stats->categories->n, 2);
    assert_string_equal(p->cols[5].stats->categories->v[0].value, "true");
    assert_non_null(p->cols[2].stats->hour_of_week);
    assert_int_equal(t->rows_method, SIL_ROWS_EXACT);
    assert_int_equal(p->row_count, 60);
    assert_int_equal(sil_shape_validate(s, &err), 0);
    sil_shape_free(s);
    sampler_policy_free(pol);
    sampler_rtable_free(rd[0].records);
    sampler_rtable_free(rd[1].records);
    sampler_apidesc_free(d);
}

/* 30 two-byte characters: a constraint name made from it is cut between characters. */
#define ODD                                                                                        \
    "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3" \
    "\xa4\xc3\xa4\xc3"                                                                             \
    "\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4" \
    "\xc3\xa4\xc3\xa4\xc3"                                                                         \
    "\xa4\xc3\xa4\xc3\xa4"

/* An entity without records, and a one-to-one key that is also the primary key. */
static void test_sampler_rest__empty_and_one_to_one(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct sampler_apidesc *d = parse(
        "{\"format\": \"silhouette.rest-source\", \"version\": 1, \"base_url\": "
        "\"https://api.example.com\", \"entities\": [{\"name\": \"teams\", \"path\": \"/team\"}, "
        "{\"name\": \"ghosts\", \"path\": \"/ghost\"}, {\"name\": \"" ODD "\", \"path\": "
        "\"/charter\"}]}",
        &err);
    assert_non_null(d);
    struct sampler_rest_read rd[3];
    memset(rd, 0, sizeof rd);
    for (int i = 0; i < 3; i++) {
        rd[i].records = sampler_rtable_new(d->entities[i].name);
        rd[i].complete = 1;
        rd[i].total = -1;
    }
    for (int i = 0; i < 25; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "{\"id\": \"T%d\"}", i);
        assert_int_equal(add_json(rd[0].records, buf, 1, &err), 0);
        snprintf(buf, sizeof buf, "{\"teamId\": \"T%d\", \"motto\": \"m\"}", i);
        assert_int_equal(add_json(rd[2].records, buf, 1, &err), 0);
    }
    struct sampler_policy *pol = sampler_policy_load(DEFAULT_POLICY, NULL, &err);
    assert_non_null(pol);
    struct sampler_protect pr = {10, 64, 1000, 16, NULL, NULL, NULL};
    struct sampler_statopts so = {10, 100000, 1000000, 10000, 1000, 1000, 1024, &pr, NULL};
    struct sil_shape *s = sil_shape_new();
    struct sampler_model m = {s, NULL};
    assert_int_equal(sampler_rest_build(&m, d, rd, pol, &so, 0, &err), 0);
    assert_int_equal(s->tables[1].ncols, 1);
    assert_int_equal(s->tables[1].row_count, 0);
    assert_int_equal(s->tables[1].npk, 0);
    const struct sil_table *c = &s->tables[2];
    assert_int_equal(c->npk, 1);
    assert_string_equal(c->pk[0], "teamId");
    assert_int_equal(c->nfks, 1);
    assert_string_equal(c->fks[0].ref_table, "teams");
    assert_true(c->fks[0].stats->parents_with_children == 1);
    assert_true(sil_ident_valid(c->fks[0].name));
    assert_int_equal(strlen(c->fks[0].name), 28 + strlen("_teamId_fkey"));
    assert_int_equal(sil_shape_validate(s, &err), 0);
    sil_shape_free(s);
    sampler_policy_free(pol);
    for (int i = 0; i < 3; i++)
        sampler_rtable_free(rd[i].records);
    sampler_apidesc_free(d);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_rest__apidesc_defaults),
        cmocka_unit_test(test_sampler_rest__apidesc_errors),
        cmocka_unit_test(test_sampler_rest__urls),
        cmocka_unit_test(test_sampler_rest__cstats),
        cmocka_unit_test(test_sampler_rest__cstats_fk),
        cmocka_unit_test(test_sampler_rest__snake_case),
        cmocka_unit_test(test_sampler_rest__shape_change),
        cmocka_unit_test(test_sampler_rest__build),
        cmocka_unit_test(test_sampler_rest__empty_and_one_to_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
