/* Unit tests of the generator's value model, fan-out, check digits, template and writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "generator/constraints.h"
#include "generator/dict.h"
#include "generator/fanout.h"
#include "generator/model.h"
#include "generator/output.h"
#include "generator/pii.h"
#include "generator/plan.h"
#include "generator/rng.h"
#include "generator/template.h"
#include "generator/values.h"

static void test_gen__rng_is_a_pure_function(void **state)
{
    (void)state;
    assert_int_equal(gen_rand(1, 2, 3), gen_rand(1, 2, 3));
    assert_true(gen_rand(1, 2, 3) != gen_rand(1, 2, 4));
    assert_true(gen_rand(1, 2, 3) != gen_rand(1, 3, 3));
    assert_true(gen_rand(1, 2, 3) != gen_rand(2, 2, 3));
    assert_true(gen_key(7, "users") != gen_key(7, "user"));
    /* Roughly uniform: the mean of 100k units is near 0.5. */
    double sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += gen_unit(gen_rand(42, (uint64_t)i, 0));
    assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
    for (int i = 0; i < 1000; i++)
        assert_true(gen_below(gen_rand(5, (uint64_t)i, 0), 7) < 7);
}

static void test_gen__perm_is_a_bijection(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {1, 2, 3, 10, 1000, 4097, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        struct gen_perm p;
        gen_perm_init(&p, n, 99 + s);
        char *seen = calloc(n, 1);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t y = gen_perm_apply(&p, i);
            assert_true(y < n);
            assert_int_equal(seen[y], 0);
            seen[y] = 1;
        }
        free(seen);
    }
}

static void test_gen__icdf_follows_quantiles(void **state)
{
    (void)state;
    double p[] = {0.1, 0.5, 0.9}, v[] = {10, 20, 60};
    struct sil_quantiles q = {3, p, v};
    struct gen_icdf d;
    gen_icdf_init(&d, &q, 0);
    assert_true(gen_icdf_eval(&d, 0.5) == 20);
    assert_true(gen_icdf_eval(&d, 0.3) == 15);
    assert_true(gen_icdf_eval(&d, 0.7) == 40);
    /* Tails: extrapolated, never below 0 for non-negative data, capped. */
    assert_true(gen_icdf_eval(&d, 0.0) >= 0 && gen_icdf_eval(&d, 0.0) <= 10);
    assert_true(gen_icdf_eval(&d, 1.0) >= 60 && gen_icdf_eval(&d, 1.0) <= 110);
    /* Monotone, and the CDF inverts it. */
    double last = -1;
    for (int i = 0; i <= 100; i++) {
        double x = gen_icdf_eval(&d, i / 100.0);
        assert_true(x >= last);
        last = x;
    }
    assert_true(fabs(gen_icdf_cdf(&d, 40) - 0.7) < 1e-6);
    gen_icdf_release(&d);
}

static void test_gen__count_model_matches_mean(void **state)
{
    (void)state;
    /* The chat shape's messages per conversation: sparse, heavy. */
    double p[] = {0.04, 0.25, 0.5, 0.75, 0.9, 0.98, 0.995};
    double v[] = {0, 6, 18, 45, 120, 900, 2600};
    struct sil_fkstats st;
    memset(&st, 0, sizeof st);
    st.children_per_parent.n = 7;
    st.children_per_parent.p = p;
    st.children_per_parent.v = v;
    st.mean_children = 62.5;
    st.parents_with_children = 0.96;
    struct gen_icdf q;
    gen_fk_count_model(&q, &st, 1);
    assert_true(fabs(gen_icdf_count_mean(&q, 20000) - 62.5) < 0.5);
    /* Values at the quantile points stay where the shape puts them. */
    assert_int_equal(gen_icdf_count(&q, 0.5), 18);
    assert_int_equal(gen_icdf_count(&q, 0.9), 120);
    assert_int_equal(gen_icdf_count(&q, 0.01), 0);
    assert_true(gen_icdf_count_cdf(&q, 0) >= 0.04 - 1e-9);
    gen_icdf_release(&q);
    /* Without quantiles: a geometric model with the right share of zeros. */
    memset(&st, 0, sizeof st);
    st.mean_children = 3;
    st.parents_with_children = 0.8;
    gen_fk_count_model(&q, &st, 1);
    assert_true(fabs(gen_icdf_count_mean(&q, 20000) - 3) < 0.1);
    assert_true(fabs(gen_icdf_count_cdf(&q, 0) - 0.2) < 0.02);
    gen_icdf_release(&q);
}

static void test_gen__ks_distances(void **state)
{
    (void)state;
    double p[] = {0.5, 1}, v[] = {0, 2};
    struct sil_quantiles q = {2, p, v};
    assert_true(gen_quantiles_cdf(&q, -1) == 0);
    assert_true(gen_quantiles_cdf(&q, 0) == 0.5);
    assert_true(gen_quantiles_cdf(&q, 1) == 0.75);
    assert_true(gen_quantiles_cdf(&q, 5) == 1);
    /* Counts 0,0,1,2: F_emp = 0.5, 0.75, 1 against 0.5, 0.75, 1. */
    int64_t hist[] = {2, 1, 1};
    assert_true(gen_ks_counts(hist, 3, &q) < 1e-12);
    int64_t skew[] = {4, 0, 0};
    assert_true(fabs(gen_ks_counts(skew, 3, &q) - 0.5) < 1e-12);
    double sorted[] = {0.5, 1, 1.5, 2};
    /* just below 0.5 the model is at 0.625, the sample at 0 */
    assert_true(fabs(gen_ks_samples(sorted, 4, &q) - 0.625) < 1e-12);
    double high[] = {2, 2, 2, 2};
    assert_true(fabs(gen_ks_samples(high, 4, &q) - 1) < 1e-12);
}

static void check_fanout(int64_t np, int64_t nc, int with_model)
{
    struct gen_icdf q;
    double p[] = {0.3, 0.6, 0.9, 0.99}, v[] = {0, 2, 8, 40};
    struct sil_quantiles sq = {4, p, v};
    gen_icdf_init(&q, &sq, 0);
    q.floor = 0;
    struct gen_fanout f;
    int64_t got = gen_fanout_build(&f, np, nc, with_model ? &q : NULL, 1234);
    if (!with_model)
        gen_icdf_release(&q);
    if (nc >= 0)
        assert_int_equal(got, nc);
    if (f.dense) {
        int64_t sum = 0;
        for (int64_t i = 0; i < np; i++)
            sum += gen_fanout_children(&f, i);
        assert_int_equal(sum, f.nc);
    } else {
        /* Checkpointed: offsets are monotone and end at nc (sampled). */
        assert_int_equal(gen_fanout_offset(&f, np), f.nc);
        int64_t last = 0;
        for (int64_t i = 0; i < np; i += 100003) {
            int64_t off = gen_fanout_offset(&f, i);
            assert_true(off >= last);
            last = off;
        }
    }
    /* Sequential and random lookups agree with the offsets. */
    struct gen_fanout_cursor c = {-1, 0, 0, 0};
    for (int64_t pos = 0; pos < f.nc; pos += (pos < 5000 ? 1 : 997)) {
        int64_t a = gen_fanout_parent(&f, pos, &c);
        int64_t b = gen_fanout_parent(&f, pos, NULL);
        assert_int_equal(a, b);
        assert_true(gen_fanout_offset(&f, a) <= pos && pos < gen_fanout_offset(&f, a + 1));
    }
    gen_fanout_release(&f);
}

static void test_gen__fanout_sums_and_lookups(void **state)
{
    (void)state;
    check_fanout(1000, 5000, 1);
    check_fanout(1000, -1, 1);                         /* derived */
    check_fanout(7, 100, 0);                           /* even */
    check_fanout(200, 200, 0);                         /* one child each */
    check_fanout(GEN_FANOUT_DENSE_MAX + 100, 1000, 1); /* sparse checkpoints */
}

static void test_gen__fanout_threads_agree(void **state)
{
    (void)state;
    double p[] = {0.3, 0.6, 0.9, 0.99}, v[] = {0, 2, 8, 40};
    struct sil_quantiles sq = {4, p, v};
    struct gen_fanout f[2];
    for (int i = 0; i < 2; i++) {
        struct gen_icdf q;
        gen_icdf_init(&q, &sq, 0);
        gen_fanout_set_threads(i ? 3 : 1);
        gen_fanout_build(&f[i], 1500007, -1, &q, 77);
    }
    gen_fanout_set_threads(1);
    assert_int_equal(f[0].nc, f[1].nc);
    assert_int_equal(f[0].max_raw, f[1].max_raw);
    for (int64_t i = 0; i <= 1500007; i += 7919)
        assert_int_equal(gen_fanout_offset(&f[0], i), gen_fanout_offset(&f[1], i));
    assert_memory_equal(f[0].blk, f[1].blk,
                        (size_t)(1500007 / GEN_FANOUT_BLOCK + 2) * sizeof(int64_t));
    gen_fanout_release(&f[0]);
    gen_fanout_release(&f[1]);
}

static void test_gen__check_digits(void **state)
{
    (void)state;
    assert_true(gen_luhn_valid("79927398713"));
    assert_false(gen_luhn_valid("79927398710"));
    assert_true(gen_luhn_valid("8112189876")); /* a Swedish personnummer form */
    assert_int_equal(gen_luhn_digit("811218987"), 6);
    assert_true(gen_iban_valid("GB82WEST12345698765432"));
    assert_true(gen_iban_valid("DE89370400440532013000"));
    assert_false(gen_iban_valid("DE88370400440532013000"));
    assert_int_equal(gen_iban_check("DE", "370400440532013000"), 89);
    assert_int_equal(gen_steuerid_digit("8609574271"), 9);
    assert_int_equal(gen_nir_key("2550814168025"), 38);
    for (size_t i = 0; i < gen_test_cards_n; i++)
        assert_true(gen_luhn_valid(gen_test_cards[i]));
}

static int digits_of(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        if (*s >= '0' && *s <= '9')
            out[k++] = *s;
    out[k] = '\0';
    return (int)k;
}

static void test_gen__personal_values_are_reserved(void **state)
{
    (void)state;
    char buf[256], d[64];
    for (int64_t row = 0; row < 2000; row++) {
        for (int u = 0; u < 2; u++) {
            int64_t uidx = u ? row * 7919 : -1;
            /* e-mail on a reserved domain */
            gen_pii(SIL_CLASS_PERSONAL_EMAIL, GEN_SV_SE, 11, 12, row, uidx, buf, sizeof buf);
            const char *at = strchr(buf, '@');
            assert_non_null(at);
            assert_true(strcmp(at, "@example.com") == 0 || strcmp(at, "@example.org") == 0 ||
                        strcmp(at, "@example.net") == 0 || strcmp(at, "@mail.example") == 0 ||
                        strcmp(at, "@inbox.test") == 0);
            /* US: area 900-999, group 01-49 */
            gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_EN_US, 11, 12, row, uidx, buf, sizeof buf);
            assert_int_equal(strlen(buf), 11);
            assert_true(buf[0] == '9' && buf[3] == '-' && buf[6] == '-');
            int group = (buf[4] - '0') * 10 + (buf[5] - '0');
            assert_true(group >= 1 && group <= 49);
            /* Sweden: birth number 000, valid Luhn over YYMMDDNNNC */
            gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_SV_SE, 11, 12, row, uidx, buf, sizeof buf);
            assert_int_equal(strlen(buf), 13);
            assert_memory_equal(buf + 8, "-000", 4);
            digits_of(buf + 2, d, sizeof d);
            assert_true(gen_luhn_valid(d));
            if (!u) {
                /* The row's person: the same birth date as its birth-date column. */
                char date[16];
                date[gen_fmt_time(date, SIL_T_DATE, gen_person_birth_days(12, row))] = '\0';
                assert_memory_equal(buf, date, 4);
                assert_memory_equal(buf + 4, date + 5, 2);
                assert_memory_equal(buf + 6, date + 8, 2);
            }
            /* Germany: Steuer-IdNr starting with 0, valid check digit */
            gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_DE_DE, 11, 12, row, uidx, buf, sizeof buf);
            assert_int_equal(strlen(buf), 11);
            assert_int_equal(buf[0], '0');
            assert_int_equal(gen_steuerid_digit(buf), buf[10] - '0');
            /* France: NIR with departement 00 and a valid key */
            gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_FR_FR, 11, 12, row, uidx, buf, sizeof buf);
            digits_of(buf, d, sizeof d);
            assert_int_equal(strlen(d), 15);
            assert_memory_equal(d + 5, "00", 2);
            assert_int_equal(gen_nir_key(d), (d[13] - '0') * 10 + (d[14] - '0'));
            /* UK: a National Insurance prefix never allocated */
            gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_EN_GB, 11, 12, row, uidx, buf, sizeof buf);
            assert_true(strncmp(buf, "BG", 2) == 0 || strncmp(buf, "GB", 2) == 0 ||
                        strncmp(buf, "KN", 2) == 0 || strncmp(buf, "NK", 2) == 0 ||
                        strncmp(buf, "NT", 2) == 0);
            /* IBAN: valid, German bank code starting with 0 */
            gen_pii(SIL_CLASS_PERSONAL_IBAN, GEN_EN_GB, 11, 12, row, uidx, buf, sizeof buf);
            assert_true(gen_iban_valid(buf));
            assert_memory_equal(buf, "DE", 2);
            assert_int_equal(buf[4], '0');
            /* Phones in fictional ranges */
            gen_pii(SIL_CLASS_PERSONAL_PHONE, GEN_EN_US, 11, 12, row, u ? row % 1000 : -1, buf,
                    sizeof buf);
            assert_non_null(strstr(buf, " 555-01"));
            gen_pii(SIL_CLASS_PERSONAL_PHONE, GEN_SV_SE, 11, 12, row, u ? row % 95 : -1, buf,
                    sizeof buf);
            assert_memory_equal(buf, "070-174 0", 9);
            int tail = (int)strtol(buf + 9, NULL, 10);
            assert_true(tail >= 605 && tail <= 699);
            gen_pii(SIL_CLASS_PERSONAL_PHONE, GEN_DE_DE, 11, 12, row, -1, buf, sizeof buf);
            assert_true(strncmp(buf, "030 23125", 9) == 0 || strncmp(buf, "069 90009", 9) == 0 ||
                        strncmp(buf, "040 66969", 9) == 0 || strncmp(buf, "0221 4710", 9) == 0 ||
                        strncmp(buf, "089 99998", 9) == 0);
            gen_pii(SIL_CLASS_PERSONAL_CARD, GEN_EN_US, 11, 12, row, -1, buf, sizeof buf);
            assert_true(gen_luhn_valid(buf));
        }
    }
}

static void test_gen__unique_personal_values_differ(void **state)
{
    (void)state;
    /* Injective in uidx: every personnummer of 20000 distinct indexes differs. */
    enum { N = 20000 };
    char(*v)[32] = calloc(N, sizeof *v);
    for (int i = 0; i < N; i++)
        gen_pii(SIL_CLASS_PERSONAL_NATIONAL_ID, GEN_SV_SE, 1, 2, i, i, v[i], sizeof v[i]);
    qsort(v, N, sizeof *v, (int (*)(const void *, const void *))strcmp);
    for (int i = 1; i < N; i++)
        assert_true(strcmp(v[i - 1], v[i]) != 0);
    free(v);
    assert_int_equal(gen_pii_capacity(SIL_CLASS_PERSONAL_CARD, GEN_EN_US),
                     (int64_t)gen_test_cards_n);
    assert_int_equal(gen_pii_capacity(SIL_CLASS_PERSONAL_PHONE, GEN_SV_SE), 95);
}

static void test_gen__time_formats(void **state)
{
    (void)state;
    char b[64];
    b[gen_fmt_time(b, SIL_T_DATE, 0)] = '\0';
    assert_string_equal(b, "1970-01-01");
    b[gen_fmt_time(b, SIL_T_DATE, 19723)] = '\0';
    assert_string_equal(b, "2024-01-01");
    b[gen_fmt_time(b, SIL_T_TIMESTAMPTZ, 1705363200 + 3661)] = '\0';
    assert_string_equal(b, "2024-01-16 01:01:01+00");
    b[gen_fmt_time(b, SIL_T_TIMESTAMP, -1)] = '\0';
    assert_string_equal(b, "1969-12-31 23:59:59");
    b[gen_fmt_time(b, SIL_T_INTERVAL, 90061)] = '\0';
    assert_string_equal(b, "25:01:01");
    b[gen_fmt_i64(b, INT64_MIN)] = '\0';
    assert_string_equal(b, "-9223372036854775808");
}

static void test_gen__shard_ranges_tile_the_table(void **state)
{
    (void)state;
    static const int64_t rows[] = {0, 1, 999, 1000, 1001, 123456, 5000000};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        for (int n = 1; n <= 7; n++) {
            int64_t next = 0;
            for (int k = 1; k <= n; k++) {
                int64_t first, count;
                gen_shard_range(rows[r], k, n, &first, &count);
                assert_int_equal(first, next);
                assert_true(first % 1000 == 0 || first == rows[r]);
                next = first + count;
            }
            assert_int_equal(next, rows[r]);
        }
}

static const char tpl_ok[] =
    "{\"source\": \"x\", \"locale\": \"sv_SE\", \"entities\": ["
    "{\"name\": \"teams\", \"row_count\": 3, \"fields\": [{\"name\": \"id\", \"type\": \"string\", "
    "\"primary_key\": true}]},"
    "{\"name\": \"people\", \"row_count\": 9, \"fields\": ["
    "{\"name\": \"id\", \"type\": \"integer\", \"primary_key\": true},"
    "{\"name\": \"pnr\", \"type\": \"string\", \"pii\": true, \"faker_method\": \"ssn\"},"
    "{\"name\": \"team\", \"foreign_key\": \"teams.id\"},"
    "{\"name\": \"pay\", \"type\": \"decimal\", \"faker_method\": \"random_int\", \"faker_args\": "
    "{\"min\": 1, \"max\": 5}}]}],"
    "\"relationships\": [{\"from\": \"people.team\", \"to\": \"teams.id\"}]}";

static void test_gen__template_builds_a_shape(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_template *t = gen_template_parse(tpl_ok, strlen(tpl_ok), "t.json", &err);
    assert_non_null(t);
    assert_string_equal(gen_template_locale(t), "sv_SE");
    struct sil_shape *s = gen_template_apply(t, NULL, &err);
    assert_non_null(s);
    assert_int_equal(s->ntables, 2);
    const struct sil_table *p = sil_shape_table(s, "public", "people");
    assert_non_null(p);
    assert_int_equal(p->row_count, 9);
    assert_int_equal(p->nfks, 1);
    assert_string_equal(p->fks[0].ref_table, "teams");
    assert_int_equal(p->cols[sil_table_column(p, "pnr")].classification,
                     SIL_CLASS_PERSONAL_NATIONAL_ID);
    /* The key column takes the referenced type (text). */
    assert_int_equal(p->cols[sil_table_column(p, "team")].type.base, SIL_T_TEXT);
    const struct gen_faker_spec *f = gen_template_faker(t, "public", "people", "pay");
    assert_non_null(f);
    assert_int_equal(f->method, GF_RANDOM_INT);
    assert_true(f->min == 1 && f->max == 5);
    sil_shape_free(s);
    gen_template_free(t);
}

static void expect_template_error(const char *json, const char *path, const char *msg)
{
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_template *t = gen_template_parse(json, strlen(json), "t.json", &err);
    struct sil_shape *s = NULL;
    if (t) {
        s = gen_template_apply(t, NULL, &err);
        gen_template_free(t);
    }
    assert_null(s);
    assert_int_equal(err.code, SIL_EINPUT);
    if (path)
        assert_string_equal(err.path, path);
    if (!strstr(err.msg, msg))
        fail_msg("message '%s' lacks '%s'", err.msg, msg);
}

static void test_gen__template_errors_name_the_place(void **state)
{
    (void)state;
    expect_template_error("{\"entities\": [], \"extra\": 1}", NULL, "unknown key \"extra\"");
    expect_template_error("{\"entities\": [{\"name\": \"a\", \"fields\": [{\"name\": \"x\", "
                          "\"foreign_key\": \"teams.id\"}]}]}",
                          "entities[0].fields[0].foreign_key",
                          "foreign key references unknown table \"teams\"");
    expect_template_error("{\"entities\": [{\"name\": \"a\", \"fields\": [{\"name\": \"x\", "
                          "\"faker_method\": \"nope\"}]}]}",
                          "entities[0].fields[0].faker_method", "unknown faker method");
    expect_template_error("{\"entities\": [{\"name\": \"a\", \"fields\": [{\"name\": \"x\", "
                          "\"foreign_key\": \"teams\"}]}]}",
                          "entities[0].fields[0].foreign_key", "expected \"table.column\"");
    expect_template_error("{\"entities\": [{\"name\": \"a\", \"row_count\": -1, \"fields\": "
                          "[{\"name\": \"x\"}]}]}",
                          "entities[0].row_count", "");
    expect_template_error("{\"entities\": [{\"name\": \"a\", \"fields\": [{\"name\": \"x\", "
                          "\"type\": \"blob\"}]}]}",
                          "entities[0].fields[0].type", "unknown type");
    expect_template_error("{\"entities\": [{\"name\": \"a\", \"fields\": [{\"name\": \"id\", "
                          "\"primary_key\": true}, {\"name\": \"b\", \"foreign_key\": \"a.b\"}]}]}",
                          "entities[0].fields[1].foreign_key", "not the primary key");
}

static struct gen_plan *plan_of(const char *json, struct sil_err *err)
{
    struct gen_template *t = gen_template_parse(json, strlen(json), "t.json", err);
    if (!t)
        return NULL;
    struct sil_shape *s = gen_template_apply(t, NULL, err);
    struct gen_sizing sz;
    memset(&sz, 0, sizeof sz);
    sz.scale = 1;
    struct gen_plan *p = s ? gen_plan_new(s, t, 5, &sz, err) : NULL;
    if (!p)
        sil_shape_free(s);
    gen_template_free(t);
    return p;
}

static void test_gen__plan_refuses_impossible_constraints(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_plan *p =
        plan_of("{\"entities\": [{\"name\": \"a\", \"row_count\": 5, \"fields\": "
                "[{\"name\": \"flag\", \"type\": \"boolean\", \"unique\": true}]}]}",
                &err);
    assert_null(p);
    assert_non_null(
        strstr(err.msg, "unique column \"flag\" (boolean) has at most 2 possible values"));
    sil_err_clear(&err);
    p = plan_of(
        "{\"entities\": [{\"name\": \"a\", \"row_count\": 2, \"fields\": [{\"name\": \"id\", "
        "\"primary_key\": true}, {\"name\": \"b\", \"foreign_key\": \"b.id\"}]},"
        "{\"name\": \"b\", \"row_count\": 2, \"fields\": [{\"name\": \"id\", "
        "\"primary_key\": true}, {\"name\": \"a\", \"foreign_key\": \"a.id\"}]}]}",
        &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "cycle with no nullable or deferrable column: a -> b -> a"));
    sil_err_clear(&err);
    p = plan_of(
        "{\"entities\": [{\"name\": \"a\", \"row_count\": 0, \"fields\": [{\"name\": \"id\", "
        "\"primary_key\": true}]}, {\"name\": \"c\", \"row_count\": 3, \"fields\": "
        "[{\"name\": \"a_id\", \"foreign_key\": \"a.id\"}]}]}",
        &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "NOT NULL foreign key \"c_a_id_fkey\""));
    /* A nullable cycle is broken and recorded. */
    sil_err_clear(&err);
    p = plan_of(
        "{\"entities\": [{\"name\": \"a\", \"row_count\": 2, \"fields\": [{\"name\": \"id\", "
        "\"primary_key\": true}, {\"name\": \"b\", \"foreign_key\": \"b.id\", \"nullable\": "
        "true}]}, {\"name\": \"b\", \"row_count\": 2, \"fields\": [{\"name\": \"id\", "
        "\"primary_key\": true}, {\"name\": \"a\", \"foreign_key\": \"a.id\"}]}]}",
        &err);
    assert_non_null(p);
    assert_int_equal(p->ndeferred, 1);
    gen_plan_free(p);
}

static void render(const char *json, enum gen_format f, char *out, size_t n)
{
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_plan *p = plan_of(json, &err);
    assert_non_null(p);
    struct gen_rbuf b = {0};
    struct gen_val *v = malloc(sizeof *v);
    struct gen_cursor *c = gen_cursor_new(&p->tables[0]);
    gen_render_rows(p, &p->tables[0], f, 0, 2, c, v, &b);
    snprintf(out, n, "%.*s", (int)b.len, b.p);
    gen_cursor_free(c);
    free(v);
    free(b.p);
    gen_plan_free(p);
}

static void test_gen__formats_escape_values(void **state)
{
    (void)state;
    /* random_element with awkward strings, in every format. */
    const char *json = "{\"entities\": [{\"name\": \"t\", \"row_count\": 2, \"fields\": ["
                       "{\"name\": \"n\", \"type\": \"integer\", \"primary_key\": true},"
                       "{\"name\": \"s\", \"faker_method\": \"random_element\", \"faker_args\": "
                       "{\"elements\": [\"a\\tb\\\\c,\\\"d'\\n\"]}}]}]}";
    char out[1024];
    render(json, GEN_FMT_COPY, out, sizeof out);
    assert_string_equal(out, "1\ta\\tb\\\\c,\"d'\\n\n2\ta\\tb\\\\c,\"d'\\n\n");
    render(json, GEN_FMT_CSV, out, sizeof out);
    assert_string_equal(out, "1,\"a\tb\\c,\"\"d'\n\"\n2,\"a\tb\\c,\"\"d'\n\"\n");
    render(json, GEN_FMT_JSONL, out, sizeof out);
    assert_string_equal(out, "{\"n\": 1, \"s\": \"a\\u0009b\\\\c,\\\"d'\\u000a\"}\n"
                             "{\"n\": 2, \"s\": \"a\\u0009b\\\\c,\\\"d'\\u000a\"}\n");
    render(json, GEN_FMT_SQL, out, sizeof out);
    assert_string_equal(out, "INSERT INTO \"t\" (\"n\", \"s\") VALUES\n(1, 'a\tb\\c,\"d''\n'),\n"
                             "(2, 'a\tb\\c,\"d''\n');\n");
}

/* Render `rows` rows of table 0 in COPY form, one string per row. */
static char *render_all(struct gen_plan *p, int64_t rows)
{
    struct gen_rbuf b = {0};
    struct gen_val *v = malloc(sizeof *v);
    struct gen_cursor *c = gen_cursor_new(&p->tables[0]);
    gen_render_rows(p, &p->tables[0], GEN_FMT_COPY, 0, rows, c, v, &b);
    gen_cursor_free(c);
    free(v);
    char *s = malloc(b.len + 1);
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
    free(b.p);
    return s;
}

static void test_gen__constraints_shape_values(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_plan *p =
        plan_of("{\"entities\": [{\"name\": \"t\", \"row_count\": 3000, \"fields\": ["
                "{\"name\": \"id\", \"type\": \"integer\", \"primary_key\": true},"
                "{\"name\": \"n\", \"type\": \"integer\", \"null_fraction\": 0.2},"
                "{\"name\": \"kind\", \"type\": \"string\"},"
                "{\"name\": \"starts\", \"type\": \"date\"},"
                "{\"name\": \"ends\", \"type\": \"date\", \"null_fraction\": 0.1},"
                "{\"name\": \"note\", \"type\": \"string\"}]}]}",
                &err);
    assert_non_null(p);
    static const char *const kinds[] = {"open", "shut"};
    struct gen_cons c[] = {
        {.kind = GC_RANGE, .column = "n", .op = GEN_OP_GT, .value = 500},
        {.kind = GC_RANGE, .column = "n", .op = GEN_OP_LE, .value = 600},
        {.kind = GC_NOT_NULL, .column = "n"},
        {.kind = GC_IN, .column = "kind", .nvalues = 2, .values = kinds},
        {.kind = GC_COLUMNS, .column = "ends", .op = GEN_OP_GE, .column2 = "starts"},
        {.kind = GC_LENGTH, .column = "note", .op = GEN_OP_LE, .value = 5},
        {.kind = GC_RANGE, .column = "id", .op = GEN_OP_GT, .value = 0},
        {.kind = GC_RANGE, .column = "starts", .op = GEN_OP_GE, .value = 1704067200}, /* 2024 */
    };
    size_t skipped = 9;
    assert_int_equal(gen_constrain(p, &p->tables[0], c, sizeof c / sizeof c[0], &skipped, &err), 0);
    assert_int_equal(skipped, 0);
    char *rows = render_all(p, 3000), *save = NULL;
    int n = 0, spread_lo = 0, spread_hi = 0;
    for (char *line = strtok_r(rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char id[32], num[32], kind[32], s1[16], e1[16], note[64];
        assert_int_equal(sscanf(line, "%31[^\t]\t%31[^\t]\t%31[^\t]\t%15[^\t]\t%15[^\t]\t%63[^\n]",
                                id, num, kind, s1, e1, note),
                         6);
        long v = strtol(num, NULL, 10);
        assert_true(v > 500 && v <= 600);
        spread_lo += v < 520;
        spread_hi += v > 580;
        assert_true(strcmp(kind, "open") == 0 || strcmp(kind, "shut") == 0);
        assert_true(strcmp(s1, "2024-01-01") >= 0);
        assert_true(strcmp(e1, "\\N") == 0 || strcmp(e1, s1) >= 0);
        assert_true(strlen(note) <= 5);
        n++;
    }
    assert_int_equal(n, 3000);
    /* Truncated, not clamped: the range is filled, not its ends. */
    assert_true(spread_lo > 300 && spread_hi > 300);
    free(rows);
    gen_plan_free(p);
}

static void test_gen__constraints_that_cannot_hold(void **state)
{
    (void)state;
    struct sil_err err;
    sil_err_clear(&err);
    struct gen_plan *p =
        plan_of("{\"entities\": [{\"name\": \"t\", \"row_count\": 100, \"fields\": ["
                "{\"name\": \"id\", \"type\": \"integer\", \"primary_key\": true},"
                "{\"name\": \"code\", \"type\": \"integer\", \"unique\": true},"
                "{\"name\": \"n\", \"type\": \"integer\"}]}]}",
                &err);
    assert_non_null(p);
    struct gen_cons k1 = {.kind = GC_RANGE, .column = "id", .op = GEN_OP_LT, .value = 50};
    assert_int_equal(gen_constrain(p, &p->tables[0], &k1, 1, NULL, &err), -1);
    assert_non_null(
        strstr(err.msg, "column \"id\" cannot hold: the key values 1..rows fall outside it"));
    struct gen_cons k2[] = {{.kind = GC_RANGE, .column = "code", .op = GEN_OP_GE, .value = 10},
                            {.kind = GC_RANGE, .column = "code", .op = GEN_OP_LT, .value = 100}};
    assert_int_equal(gen_constrain(p, &p->tables[0], k2, 2, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "fewer values in its range than rows"));
    struct gen_cons k3[] = {{.kind = GC_RANGE, .column = "n", .op = GEN_OP_GT, .value = 10},
                            {.kind = GC_RANGE, .column = "n", .op = GEN_OP_LT, .value = 5}};
    assert_int_equal(gen_constrain(p, &p->tables[0], k3, 2, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "its range is empty"));
    gen_plan_free(p);
}

static void test_gen__dictionaries_load(void **state)
{
    (void)state;
    const struct gen_dict *d = gen_dict_get();
    for (int l = 0; l < GEN__LOCALES; l++) {
        assert_true(d->loc[l].first_female.n >= 40);
        assert_true(d->loc[l].last.n >= 50);
        assert_true(d->loc[l].city.n >= 20);
        assert_non_null(d->loc[l].city.aux[0]);
        assert_true(d->loc[l].phone.n >= 1);
    }
    assert_true(d->words.n >= 200);
    assert_true(d->text_len > 100000);
    assert_int_equal(gen_locale_index("sv_SE"), GEN_SV_SE);
    assert_int_equal(gen_locale_index("xx_XX"), GEN_EN_US);
    char b[64];
    assert_int_equal(gen_free_text(5, 30, b, sizeof b), 30);
    assert_int_equal(strlen(b), 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen__rng_is_a_pure_function),
        cmocka_unit_test(test_gen__perm_is_a_bijection),
        cmocka_unit_test(test_gen__icdf_follows_quantiles),
        cmocka_unit_test(test_gen__count_model_matches_mean),
        cmocka_unit_test(test_gen__ks_distances),
        cmocka_unit_test(test_gen__fanout_sums_and_lookups),
        cmocka_unit_test(test_gen__fanout_threads_agree),
        cmocka_unit_test(test_gen__check_digits),
        cmocka_unit_test(test_gen__personal_values_are_reserved),
        cmocka_unit_test(test_gen__unique_personal_values_differ),
        cmocka_unit_test(test_gen__time_formats),
        cmocka_unit_test(test_gen__shard_ranges_tile_the_table),
        cmocka_unit_test(test_gen__template_builds_a_shape),
        cmocka_unit_test(test_gen__template_errors_name_the_place),
        cmocka_unit_test(test_gen__plan_refuses_impossible_constraints),
        cmocka_unit_test(test_gen__formats_escape_values),
        cmocka_unit_test(test_gen__constraints_shape_values),
        cmocka_unit_test(test_gen__constraints_that_cannot_hold),
        cmocka_unit_test(test_gen__dictionaries_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
