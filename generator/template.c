/* The users' JSON metadata template: strict reader and conversion to a shape. */
#include "template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fileio.h"
#include "json.h"

#define TPL_MAX_BYTES ((size_t)16 << 20)

struct tpl_field {
    const char *name;
    int has_type;
    struct sil_type type;
    int pii;
    int primary_key;
    const char *fk_schema, *fk_table, *fk_col; /* NULL when none */
    int nullable;                              /* -1 = not said */
    double null_fraction;                      /* -1 = not said */
    int unique;
    const char *locale;
    struct gen_faker_spec faker;
};

struct tpl_entity {
    const char *schema;
    int explicit_schema;
    const char *name;
    int64_t rows; /* -1 = not said */
    size_t nfields;
    struct tpl_field *fields;
};

struct gen_template {
    struct sil_arena *a;
    char checksum[SIL_CHECKSUM_SIZE];
    const char *name;
    const char *locale;
    const char *extracted_at;
    size_t nent;
    struct tpl_entity *ents;
};

static const char *const faker_names[GF__COUNT + 1] = {"",
                                                       "email",
                                                       "first_name",
                                                       "last_name",
                                                       "name",
                                                       "user_name",
                                                       "phone_number",
                                                       "address",
                                                       "street_address",
                                                       "city",
                                                       "postcode",
                                                       "country_code",
                                                       "country",
                                                       "ssn",
                                                       "iban",
                                                       "credit_card_number",
                                                       "date_of_birth",
                                                       "ipv4",
                                                       "random_int",
                                                       "pyfloat",
                                                       "boolean",
                                                       "date_this_year",
                                                       "date_between",
                                                       "date_time",
                                                       "job",
                                                       "company",
                                                       "bs",
                                                       "catch_phrase",
                                                       "word",
                                                       "sentence",
                                                       "text",
                                                       "uuid4",
                                                       "currency_code",
                                                       "random_element",
                                                       "color_name",
                                                       NULL};

/* Other spellings Faker users write. */
static const struct {
    const char *alias;
    enum gen_faker f;
} faker_aliases[] = {{"free_email", GF_EMAIL},    {"company_email", GF_EMAIL},
                     {"safe_email", GF_EMAIL},    {"zipcode", GF_POSTCODE},
                     {"postalcode", GF_POSTCODE}, {"phone", GF_PHONE},
                     {"msisdn", GF_PHONE},        {"username", GF_USER_NAME},
                     {"street_name", GF_STREET},  {"credit_card", GF_CARD},
                     {"pybool", GF_BOOLEAN},      {"pydecimal", GF_PYFLOAT},
                     {"pyint", GF_RANDOM_INT},    {"random_number", GF_RANDOM_INT},
                     {"date", GF_DATE_THIS_YEAR}, {"date_time_this_year", GF_DATE_TIME},
                     {"iso8601", GF_DATE_TIME},   {"uuid", GF_UUID4},
                     {"paragraph", GF_TEXT},      {"ipv4_public", GF_IPV4},
                     {"personal_number", GF_SSN}, {"national_id", GF_SSN}};

const char *gen_faker_name(enum gen_faker f)
{
    return (unsigned)f < GF__COUNT ? faker_names[f] : NULL;
}

int gen_faker_parse(const char *s, enum gen_faker *out)
{
    for (int i = 1; i < GF__COUNT; i++)
        if (strcmp(s, faker_names[i]) == 0) {
            *out = (enum gen_faker)i;
            return 0;
        }
    for (size_t i = 0; i < SIL_ARRAY_SIZE(faker_aliases); i++)
        if (strcmp(s, faker_aliases[i].alias) == 0) {
            *out = faker_aliases[i].f;
            return 0;
        }
    return -1;
}

static const struct {
    const char *name;
    enum sil_type_base base;
} type_map[] = {{"string", SIL_T_TEXT},
                {"text", SIL_T_TEXT},
                {"str", SIL_T_TEXT},
                {"varchar", SIL_T_VARCHAR},
                {"integer", SIL_T_INTEGER},
                {"int", SIL_T_INTEGER},
                {"smallint", SIL_T_SMALLINT},
                {"bigint", SIL_T_BIGINT},
                {"long", SIL_T_BIGINT},
                {"decimal", SIL_T_NUMERIC},
                {"numeric", SIL_T_NUMERIC},
                {"number", SIL_T_NUMERIC},
                {"float", SIL_T_DOUBLE},
                {"double", SIL_T_DOUBLE},
                {"real", SIL_T_REAL},
                {"boolean", SIL_T_BOOLEAN},
                {"bool", SIL_T_BOOLEAN},
                {"date", SIL_T_DATE},
                {"datetime", SIL_T_TIMESTAMPTZ},
                {"timestamp", SIL_T_TIMESTAMPTZ},
                {"timestamptz", SIL_T_TIMESTAMPTZ},
                {"time", SIL_T_TIME},
                {"uuid", SIL_T_UUID},
                {"json", SIL_T_JSONB},
                {"object", SIL_T_JSONB},
                {"jsonb", SIL_T_JSONB}};

static int rd_type(struct sil_jctx *c, const char *s, struct sil_type *t)
{
    for (size_t i = 0; i < SIL_ARRAY_SIZE(type_map); i++)
        if (strcmp(s, type_map[i].name) == 0) {
            sil_type_init(t, type_map[i].base);
            if (t->base == SIL_T_NUMERIC) {
                t->precision = 14;
                t->scale = 2;
            }
            return 0;
        }
    return sil_jctx_fail_at(c, "type",
                            "unknown type \"%.40s\" (known: string, text, integer, bigint, "
                            "decimal, float, boolean, date, datetime, time, uuid, json)",
                            s);
}

/* "table.column" or "schema.table.column". */
static int rd_ref(struct gen_template *t, struct sil_jctx *c, const char *key, const char *s,
                  const char **schema, const char **table, const char **col)
{
    const char *d1 = strchr(s, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || d1 == s || !d1[1] || (d2 && (d2 == d1 + 1 || !d2[1] || strchr(d2 + 1, '.'))))
        return sil_jctx_fail_at(c, key, "expected \"table.column\", found \"%.60s\"", s);
    if (d2) {
        *schema = sil_arena_strndup(t->a, s, (size_t)(d1 - s));
        *table = sil_arena_strndup(t->a, d1 + 1, (size_t)(d2 - d1 - 1));
        *col = sil_arena_strdup(t->a, d2 + 1);
    } else {
        *schema = "public";
        *table = sil_arena_strndup(t->a, s, (size_t)(d1 - s));
        *col = sil_arena_strdup(t->a, d1 + 1);
    }
    if (!sil_ident_valid(*schema) || !sil_ident_valid(*table) || !sil_ident_valid(*col))
        return sil_jctx_fail_at(c, key, "\"%.60s\" does not name a valid table and column", s);
    return 0;
}

static int rd_date_arg(struct sil_jctx *c, const cJSON *o, const char *key, double *days, int *has)
{
    const cJSON *n = sil_json_get(o, key);
    if (!n)
        return 0;
    int64_t epoch;
    char buf[32];
    if (!cJSON_IsString(n) || strlen(n->valuestring) != 10)
        return sil_jctx_fail_at(c, key, "expected a date like \"2024-01-31\"");
    if (sil_snprintf(buf, sizeof buf, "%sT00:00:00Z", n->valuestring) < 0 ||
        sil_utc_parse(buf, &epoch) < 0)
        return sil_jctx_fail_at(c, key, "expected a date like \"2024-01-31\"");
    *days = (double)(epoch / 86400);
    *has = 1;
    return 0;
}

static int rd_faker_args(struct gen_template *t, struct sil_jctx *c, const cJSON *f,
                         struct gen_faker_spec *fs)
{
    static const char *const keys[] = {"min",      "max",      "right_digits", "left_digits",
                                       "positive", "elements", "start_date",   "end_date",
                                       "step",     NULL};
    const cJSON *args = NULL;
    if (sil_json_object(c, f, "faker_args", 0, &args) < 0)
        return -1;
    if (!args)
        return 0;
    size_t mark = sil_jctx_key(c, "faker_args");
    if (sil_json_check_object(c, args, keys) < 0)
        return -1;
    if (sil_json_get(args, "min")) {
        if (sil_json_num(c, args, "min", 1, -1e15, 1e15, &fs->min) < 0)
            return -1;
        fs->has_min = 1;
    }
    if (sil_json_get(args, "max")) {
        if (sil_json_num(c, args, "max", 1, -1e15, 1e15, &fs->max) < 0)
            return -1;
        fs->has_max = 1;
    }
    int64_t rd = 2;
    if (sil_json_int(c, args, "right_digits", 0, 0, 12, &rd) < 0)
        return -1;
    fs->digits = (int)rd;
    int64_t dummy = 0;
    int bdummy = 0;
    if (sil_json_int(c, args, "left_digits", 0, 1, 15, &dummy) < 0 ||
        sil_json_int(c, args, "step", 0, 1, 1000000, &dummy) < 0 ||
        sil_json_bool(c, args, "positive", 0, &bdummy) < 0)
        return -1;
    if (fs->method == GF_DATE_BETWEEN || fs->method == GF_BIRTH_DATE ||
        fs->method == GF_DATE_TIME || fs->method == GF_DATE_THIS_YEAR) {
        if (rd_date_arg(c, args, "start_date", &fs->min, &fs->has_min) < 0 ||
            rd_date_arg(c, args, "end_date", &fs->max, &fs->has_max) < 0)
            return -1;
    } else if (sil_json_get(args, "start_date") || sil_json_get(args, "end_date")) {
        return sil_jctx_fail(c, "start_date and end_date apply to date methods only");
    }
    const cJSON *el = NULL;
    if (sil_json_array(c, args, "elements", 0, &el) < 0)
        return -1;
    if (el) {
        size_t m2 = sil_jctx_key(c, "elements");
        size_t n = (size_t)cJSON_GetArraySize(el), i = 0;
        if (n == 0 || n > 10000)
            return sil_jctx_fail(c, "expected 1 to 10000 elements");
        fs->elements = sil_arena_alloc(t->a, n * sizeof *fs->elements);
        for (const cJSON *e = el->child; e; e = e->next, i++) {
            char num[64];
            if (cJSON_IsString(e)) {
                if (strlen(e->valuestring) > 1000) {
                    sil_jctx_index(c, i);
                    return sil_jctx_fail(c, "element longer than 1000 bytes");
                }
                fs->elements[i] = sil_arena_strdup(t->a, e->valuestring);
            } else if (cJSON_IsNumber(e) && isfinite(e->valuedouble)) {
                snprintf(num, sizeof num, "%.17g", e->valuedouble);
                fs->elements[i] = sil_arena_strdup(t->a, num);
            } else {
                sil_jctx_index(c, i);
                return sil_jctx_fail(c, "expected a string or a number");
            }
        }
        fs->nelements = n;
        sil_jctx_restore(c, m2);
    }
    if (fs->has_min && fs->has_max && fs->min > fs->max)
        return sil_jctx_fail(c, "min is larger than max");
    sil_jctx_restore(c, mark);
    return 0;
}

static int rd_field(struct gen_template *t, struct sil_jctx *c, const cJSON *f,
                    struct tpl_field *fd)
{
    static const char *const keys[] = {
        "name",       "type",     "pii",           "primary_key", "foreign_key", "faker_method",
        "faker_args", "nullable", "null_fraction", "unique",      "locale",      "description",
        "max_length", NULL};
    const char *name = NULL, *type = NULL, *fk = NULL, *faker = NULL, *locale = NULL, *desc = NULL;
    int64_t maxlen = 0;
    if (sil_json_check_object(c, f, keys) < 0 || sil_json_str(c, f, "name", 1, 0, &name) < 0 ||
        sil_json_str(c, f, "type", 0, 0, &type) < 0 ||
        sil_json_bool(c, f, "pii", 0, &fd->pii) < 0 ||
        sil_json_bool(c, f, "primary_key", 0, &fd->primary_key) < 0 ||
        sil_json_str(c, f, "foreign_key", 0, 0, &fk) < 0 ||
        sil_json_str(c, f, "faker_method", 0, 0, &faker) < 0 ||
        sil_json_bool(c, f, "unique", 0, &fd->unique) < 0 ||
        sil_json_str(c, f, "locale", 0, 0, &locale) < 0 ||
        sil_json_str(c, f, "description", 0, 0, &desc) < 0 ||
        sil_json_int(c, f, "max_length", 0, 1, 10485760, &maxlen) < 0)
        return -1;
    if (!sil_ident_valid(name))
        return sil_jctx_fail_at(c, "name", "not a valid column name (1 to 63 bytes)");
    fd->name = sil_arena_strdup(t->a, name);
    fd->nullable = -1;
    fd->null_fraction = -1;
    if (sil_json_get(f, "nullable") && sil_json_bool(c, f, "nullable", 1, &fd->nullable) < 0)
        return -1;
    if (sil_json_get(f, "null_fraction") &&
        sil_json_num(c, f, "null_fraction", 1, 0, 1, &fd->null_fraction) < 0)
        return -1;
    if (type) {
        fd->has_type = 1;
        if (rd_type(c, type, &fd->type) < 0)
            return -1;
        if (maxlen > 0) {
            if (fd->type.base != SIL_T_TEXT && fd->type.base != SIL_T_VARCHAR)
                return sil_jctx_fail_at(c, "max_length", "only string types take a max_length");
            fd->type.base = SIL_T_VARCHAR;
            fd->type.length = (int)maxlen;
        }
    } else {
        sil_type_init(&fd->type, SIL_T_TEXT);
    }
    if (locale) {
        if (!sil_locale_known(locale))
            return sil_jctx_fail_at(c, "locale",
                                    "unknown locale \"%.16s\" (known: en_US, en_GB, de_DE, "
                                    "fr_FR, sv_SE)",
                                    locale);
        fd->locale = sil_arena_strdup(t->a, locale);
    }
    if (fk && rd_ref(t, c, "foreign_key", fk, &fd->fk_schema, &fd->fk_table, &fd->fk_col) < 0)
        return -1;
    if (faker) {
        if (gen_faker_parse(faker, &fd->faker.method) < 0)
            return sil_jctx_fail_at(c, "faker_method",
                                    "unknown faker method \"%.40s\" (docs/generator.md lists the "
                                    "supported methods)",
                                    faker);
    }
    if (!faker && sil_json_get(f, "faker_args"))
        return sil_jctx_fail_at(c, "faker_args", "faker_args without a faker_method");
    if (rd_faker_args(t, c, f, &fd->faker) < 0)
        return -1;
    if (fd->faker.method == GF_RANDOM_ELEMENT && !fd->faker.elements)
        return sil_jctx_fail_at(c, "faker_args", "random_element needs \"elements\"");
    return 0;
}

static struct tpl_entity *find_entity(const struct gen_template *t, const char *schema,
                                      const char *name)
{
    for (size_t i = 0; i < t->nent; i++)
        if (strcmp(t->ents[i].name, name) == 0 &&
            (strcmp(t->ents[i].schema, schema) == 0 || !t->ents[i].explicit_schema))
            return &t->ents[i];
    return NULL;
}

static struct tpl_field *find_field(const struct tpl_entity *e, const char *name)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return &e->fields[i];
    return NULL;
}

static int rd_relationships(struct gen_template *t, struct sil_jctx *c, const cJSON *root)
{
    static const char *const keys[] = {"from", "to", "cardinality", "description", NULL};
    const cJSON *arr = NULL;
    if (sil_json_array(c, root, "relationships", 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    size_t mark = sil_jctx_key(c, "relationships"), i = 0;
    for (const cJSON *r = arr->child; r; r = r->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        const char *from = NULL, *to = NULL, *card = NULL, *desc = NULL;
        const char *fs, *ft, *fc, *ts, *tt, *tc;
        if (sil_json_check_object(c, r, keys) < 0 || sil_json_str(c, r, "from", 1, 0, &from) < 0 ||
            sil_json_str(c, r, "to", 1, 0, &to) < 0 ||
            sil_json_str(c, r, "cardinality", 0, 0, &card) < 0 ||
            sil_json_str(c, r, "description", 0, 0, &desc) < 0 ||
            rd_ref(t, c, "from", from, &fs, &ft, &fc) < 0 ||
            rd_ref(t, c, "to", to, &ts, &tt, &tc) < 0)
            return -1;
        struct tpl_entity *e = find_entity(t, fs, ft);
        if (!e)
            return sil_jctx_fail_at(c, "from", "no entity named \"%s\" in this template", ft);
        struct tpl_field *fd = find_field(e, fc);
        if (!fd)
            return sil_jctx_fail_at(c, "from", "entity \"%s\" has no field \"%s\"", ft, fc);
        if (fd->fk_table) {
            if (strcmp(fd->fk_table, tt) != 0 || strcmp(fd->fk_col, tc) != 0 ||
                strcmp(fd->fk_schema, ts) != 0)
                return sil_jctx_fail(c,
                                     "relationship %s -> %s contradicts the field's foreign_key "
                                     "\"%s.%s\"",
                                     from, to, fd->fk_table, fd->fk_col);
        } else {
            fd->fk_schema = ts;
            fd->fk_table = tt;
            fd->fk_col = tc;
        }
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

const char *const gen_calibration_stats[] = {"length_p50",    "length_p95",
                                             "length_p99",    "parents_with_children",
                                             "mean_children", "burst_coefficient",
                                             NULL};

/* The "calibration" record written by generator calibrate: the shape it came from and the
 * shape statistics the template format has no place for, kept for the next calibration's
 * diff. The generator does not read the numbers; they are checked so a hand edit cannot
 * slip in something else. */
static int rd_calibration(struct sil_jctx *c, const cJSON *root)
{
    static const char *const keys[] = {"shape", "statistics", NULL};
    static const char *const skeys[] = {"file", "checksum", "created_at", NULL};
    const cJSON *cal = NULL, *shape = NULL, *stats = NULL;
    const char *s = NULL;
    if (sil_json_object(c, root, "calibration", 0, &cal) < 0)
        return -1;
    if (!cal)
        return 0;
    size_t mark = sil_jctx_key(c, "calibration");
    if (sil_json_check_object(c, cal, keys) < 0 ||
        sil_json_object(c, cal, "shape", 0, &shape) < 0 ||
        sil_json_object(c, cal, "statistics", 0, &stats) < 0)
        return -1;
    if (shape) {
        size_t m2 = sil_jctx_key(c, "shape");
        if (sil_json_check_object(c, shape, skeys) < 0 ||
            sil_json_str(c, shape, "file", 0, 4096, &s) < 0 ||
            sil_json_str(c, shape, "checksum", 0, 200, &s) < 0 ||
            sil_json_str(c, shape, "created_at", 0, 64, &s) < 0)
            return -1;
        sil_jctx_restore(c, m2);
    }
    if (stats) {
        size_t m2 = sil_jctx_key(c, "statistics");
        size_t n = (size_t)cJSON_GetArraySize(stats), i = 0;
        const char **names = sil_xcalloc(n + 1, sizeof *names);
        int rc = 0;
        for (const cJSON *sub = stats->child; sub && rc == 0; sub = sub->next) {
            if (strlen(sub->string) > GEN_CAL_SUBJECT_MAX) {
                rc = sil_jctx_fail(c, "a subject name longer than %d bytes", GEN_CAL_SUBJECT_MAX);
                break;
            }
            names[i++] = sub->string;
            size_t m3 = sil_jctx_key(c, sub->string);
            rc = sil_json_check_object(c, sub, gen_calibration_stats);
            for (const cJSON *v = sub->child; v && rc == 0; v = v->next) {
                double d;
                rc = sil_json_num(c, sub, v->string, 1, 0, 1e300, &d);
            }
            if (rc == 0)
                sil_jctx_restore(c, m3);
        }
        if (rc == 0) {
            qsort(names, i, sizeof *names, sil_cmp_cstr);
            for (size_t k = 1; k < i && rc == 0; k++)
                if (strcmp(names[k - 1], names[k]) == 0)
                    rc = sil_jctx_fail(c, "duplicate subject \"%.40s\"", names[k]);
        }
        free(names);
        if (rc < 0)
            return -1;
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

struct gen_template *gen_template_parse(const char *data, size_t len, const char *name,
                                        struct sil_err *err)
{
    static const char *const keys[] = {"source",   "source_type",   "base_url",
                                       "extracted_at", "locale",    "description",
                                       "entities", "relationships", "version",
                                       "calibration",  NULL};
    static const char *const ekeys[] = {"name",      "schema",      "api_endpoint", "bronze_table",
                                        "row_count", "description", "fields",       NULL};
    cJSON *root;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return NULL;
    struct gen_template *t = sil_xcalloc(1, sizeof *t);
    t->a = sil_arena_new();
    t->name = sil_arena_strdup(t->a, name ? name : "template");
    sil_checksum(data, len, t->checksum);
    struct sil_jctx c;
    sil_jctx_init(&c, err);
    const cJSON *ents = NULL;
    const char *s = NULL;
    if (!cJSON_IsObject(root)) {
        sil_jctx_fail(&c, "expected a template object with \"entities\"");
        goto fail;
    }
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "source", 0, 0, &s) < 0 ||
        sil_json_str(&c, root, "source_type", 0, 0, &s) < 0 ||
        sil_json_str(&c, root, "base_url", 0, 0, &s) < 0 ||
        sil_json_str(&c, root, "description", 0, 0, &s) < 0 ||
        sil_json_array(&c, root, "entities", 1, &ents) < 0 || rd_calibration(&c, root) < 0)
        goto fail;
    {
        int64_t v = 0;
        if (sil_json_int(&c, root, "version", 0, 1, 1, &v) < 0)
            goto fail;
    }
    s = NULL;
    if (sil_json_str(&c, root, "extracted_at", 0, 0, &s) < 0)
        goto fail;
    if (s) {
        int64_t epoch;
        if (sil_utc_parse(s, &epoch) < 0) {
            sil_jctx_fail_at(&c, "extracted_at",
                             "expected a UTC time like \"2026-02-09T10:00:00Z\"");
            goto fail;
        }
        t->extracted_at = sil_arena_strdup(t->a, s);
    }
    s = NULL;
    if (sil_json_str(&c, root, "locale", 0, 0, &s) < 0)
        goto fail;
    if (s) {
        if (!sil_locale_known(s)) {
            sil_jctx_fail_at(&c, "locale",
                             "unknown locale \"%.16s\" (known: en_US, en_GB, de_DE, fr_FR, sv_SE)",
                             s);
            goto fail;
        }
        t->locale = sil_arena_strdup(t->a, s);
    }
    t->nent = (size_t)cJSON_GetArraySize(ents);
    if (t->nent == 0) {
        sil_jctx_fail_at(&c, "entities", "a template needs at least one entity");
        goto fail;
    }
    t->ents = sil_arena_alloc(t->a, t->nent * sizeof *t->ents);
    size_t mark = sil_jctx_key(&c, "entities"), i = 0;
    for (const cJSON *e = ents->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(&c, i);
        struct tpl_entity *en = &t->ents[i];
        const cJSON *fields = NULL;
        const char *ename = NULL, *schema = NULL;
        en->rows = -1;
        if (sil_json_check_object(&c, e, ekeys) < 0 ||
            sil_json_str(&c, e, "name", 1, 0, &ename) < 0 ||
            sil_json_str(&c, e, "schema", 0, 0, &schema) < 0 ||
            sil_json_str(&c, e, "api_endpoint", 0, 0, &s) < 0 ||
            sil_json_str(&c, e, "bronze_table", 0, 0, &s) < 0 ||
            sil_json_str(&c, e, "description", 0, 0, &s) < 0 ||
            sil_json_int(&c, e, "row_count", 0, 0, INT64_C(1) << 50, &en->rows) < 0 ||
            sil_json_array(&c, e, "fields", 1, &fields) < 0)
            goto fail;
        if (!sil_ident_valid(ename)) {
            sil_jctx_fail_at(&c, "name", "not a valid table name (1 to 63 bytes)");
            goto fail;
        }
        if (schema && !sil_ident_valid(schema)) {
            sil_jctx_fail_at(&c, "schema", "not a valid schema name");
            goto fail;
        }
        en->name = sil_arena_strdup(t->a, ename);
        en->schema = schema ? sil_arena_strdup(t->a, schema) : "public";
        en->explicit_schema = schema != NULL;
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->ents[j].name, en->name) == 0 &&
                strcmp(t->ents[j].schema, en->schema) == 0) {
                sil_jctx_fail_at(&c, "name", "duplicate entity \"%s\" (also entities[%zu])",
                                 en->name, j);
                goto fail;
            }
        en->nfields = (size_t)cJSON_GetArraySize(fields);
        if (en->nfields == 0 || en->nfields > 1600) {
            sil_jctx_fail_at(&c, "fields", "an entity needs 1 to 1600 fields");
            goto fail;
        }
        en->fields = sil_arena_alloc(t->a, en->nfields * sizeof *en->fields);
        size_t m3 = sil_jctx_key(&c, "fields"), k = 0;
        for (const cJSON *f = fields->child; f; f = f->next, k++) {
            size_t m4 = sil_jctx_index(&c, k);
            if (rd_field(t, &c, f, &en->fields[k]) < 0)
                goto fail;
            for (size_t j = 0; j < k; j++)
                if (strcmp(en->fields[j].name, en->fields[k].name) == 0) {
                    sil_jctx_fail_at(&c, "name", "duplicate field \"%s\"", en->fields[k].name);
                    goto fail;
                }
            sil_jctx_restore(&c, m4);
        }
        sil_jctx_restore(&c, m3);
        sil_jctx_restore(&c, m2);
    }
    sil_jctx_restore(&c, mark);
    if (rd_relationships(t, &c, root) < 0)
        goto fail;
    cJSON_Delete(root);
    return t;
fail:
    if (name)
        sil_err_file(err, name);
    cJSON_Delete(root);
    gen_template_free(t);
    return NULL;
}

struct gen_template *gen_template_read(const char *path, struct sil_err *err)
{
    char *data;
    size_t len;
    if (sil_read_file(path, TPL_MAX_BYTES, &data, &len, err) < 0)
        return NULL;
    struct gen_template *t = gen_template_parse(data, len, path, err);
    free(data);
    return t;
}

void gen_template_free(struct gen_template *t)
{
    if (!t)
        return;
    sil_arena_free(t->a);
    free(t);
}

const char *gen_template_checksum(const struct gen_template *t)
{
    return t->checksum;
}

const char *gen_template_locale(const struct gen_template *t)
{
    return t->locale;
}

/* ---- applying to a shape ---- */

enum sil_class gen_faker_class(enum gen_faker f)
{
    switch (f) {
    case GF_EMAIL:
        return SIL_CLASS_PERSONAL_EMAIL;
    case GF_FIRST_NAME:
        return SIL_CLASS_PERSONAL_FIRST_NAME;
    case GF_LAST_NAME:
        return SIL_CLASS_PERSONAL_LAST_NAME;
    case GF_NAME:
        return SIL_CLASS_PERSONAL_NAME;
    case GF_USER_NAME:
        return SIL_CLASS_PERSONAL_USERNAME;
    case GF_PHONE:
        return SIL_CLASS_PERSONAL_PHONE;
    case GF_ADDRESS:
        return SIL_CLASS_PERSONAL_ADDRESS;
    case GF_STREET:
        return SIL_CLASS_PERSONAL_STREET;
    case GF_CITY:
        return SIL_CLASS_PERSONAL_CITY;
    case GF_POSTCODE:
        return SIL_CLASS_PERSONAL_POSTCODE;
    case GF_SSN:
        return SIL_CLASS_PERSONAL_NATIONAL_ID;
    case GF_IBAN:
        return SIL_CLASS_PERSONAL_IBAN;
    case GF_CARD:
        return SIL_CLASS_PERSONAL_CARD;
    case GF_BIRTH_DATE:
        return SIL_CLASS_PERSONAL_BIRTH_DATE;
    case GF_IPV4:
        return SIL_CLASS_PERSONAL_IP;
    default:
        return SIL_CLASS_PUBLIC;
    }
}

/* A classification for a field marked pii without a faker method. */
static enum sil_class guess_class(const char *name)
{
    char low[64];
    size_t n = strlen(name);
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    low[n] = '\0';
    if (strstr(low, "mail"))
        return SIL_CLASS_PERSONAL_EMAIL;
    if (strstr(low, "phone") || strstr(low, "mobile"))
        return SIL_CLASS_PERSONAL_PHONE;
    if (strstr(low, "first"))
        return SIL_CLASS_PERSONAL_FIRST_NAME;
    if (strstr(low, "last") || strstr(low, "surname"))
        return SIL_CLASS_PERSONAL_LAST_NAME;
    if (strstr(low, "birth"))
        return SIL_CLASS_PERSONAL_BIRTH_DATE;
    if (strstr(low, "iban"))
        return SIL_CLASS_PERSONAL_IBAN;
    if (strstr(low, "ssn") || strstr(low, "personal") || strstr(low, "national"))
        return SIL_CLASS_PERSONAL_NATIONAL_ID;
    if (strstr(low, "address") || strstr(low, "street"))
        return SIL_CLASS_PERSONAL_ADDRESS;
    if (strstr(low, "name"))
        return SIL_CLASS_PERSONAL_NAME;
    return SIL_CLASS_PERSONAL_OTHER;
}

static void fill_column(const struct tpl_field *fd, struct sil_column *col, int in_pk)
{
    col->type = fd->type;
    if (fd->faker.method == GF_BIRTH_DATE && !fd->has_type)
        sil_type_init(&col->type, SIL_T_DATE);
    col->nullable = fd->nullable >= 0 ? fd->nullable : !(in_pk || fd->fk_table);
    if (fd->null_fraction > 0 && fd->nullable < 0)
        col->nullable = 1;
    if (fd->faker.method != GF_NONE)
        col->classification = gen_faker_class(fd->faker.method);
    if (fd->pii && !sil_class_is_personal(col->classification))
        col->classification = guess_class(fd->name);
    if (!fd->pii && sil_class_is_personal(col->classification) && fd->faker.method != GF_NONE &&
        (fd->faker.method == GF_CITY || fd->faker.method == GF_POSTCODE))
        col->classification = SIL_CLASS_PUBLIC; /* an office's city is not personal */
    if (in_pk || fd->fk_table)
        col->classification = SIL_CLASS_IDENTIFIER;
    col->locale = fd->locale;
}

static struct sil_table *grow_tables(struct sil_shape *s)
{
    struct sil_table *nt = sil_arena_alloc(s->arena, (s->ntables + 1) * sizeof *nt);
    if (s->ntables)
        memcpy(nt, s->tables, s->ntables * sizeof *nt);
    s->tables = nt;
    return &s->tables[s->ntables++];
}

static struct sil_column *grow_columns(struct sil_shape *s, struct sil_table *tb)
{
    struct sil_column *nc = sil_arena_alloc(s->arena, (tb->ncols + 1) * sizeof *nc);
    if (tb->ncols)
        memcpy(nc, tb->cols, tb->ncols * sizeof *nc);
    tb->cols = nc;
    return &tb->cols[tb->ncols++];
}

static void add_fk(struct sil_shape *s, struct sil_table *tb, const struct tpl_field *fd)
{
    struct sil_fk *nf = sil_arena_alloc(s->arena, (tb->nfks + 1) * sizeof *nf);
    if (tb->nfks)
        memcpy(nf, tb->fks, tb->nfks * sizeof *nf);
    tb->fks = nf;
    struct sil_fk *fk = &tb->fks[tb->nfks++];
    char name[200];
    snprintf(name, sizeof name, "%s_%s_fkey", tb->name, fd->name);
    name[SIL_IDENT_MAX] = '\0';
    fk->name = sil_arena_strdup(s->arena, name);
    fk->ncols = 1;
    fk->cols = sil_arena_alloc(s->arena, sizeof *fk->cols);
    fk->cols[0] = sil_arena_strdup(s->arena, fd->name);
    fk->ref_schema = sil_arena_strdup(s->arena, fd->fk_schema);
    fk->ref_table = sil_arena_strdup(s->arena, fd->fk_table);
    fk->ref_cols = sil_arena_alloc(s->arena, sizeof *fk->ref_cols);
    fk->ref_cols[0] = sil_arena_strdup(s->arena, fd->fk_col);
}

static void add_unique(struct sil_shape *s, struct sil_table *tb, const char *col)
{
    struct sil_unique *nu = sil_arena_alloc(s->arena, (tb->nuniques + 1) * sizeof *nu);
    if (tb->nuniques)
        memcpy(nu, tb->uniques, tb->nuniques * sizeof *nu);
    tb->uniques = nu;
    struct sil_unique *u = &tb->uniques[tb->nuniques++];
    char name[200];
    snprintf(name, sizeof name, "%s_%s_key", tb->name, col);
    name[SIL_IDENT_MAX] = '\0';
    u->name = sil_arena_strdup(s->arena, name);
    u->ncols = 1;
    u->cols = sil_arena_alloc(s->arena, sizeof *u->cols);
    u->cols[0] = sil_arena_strdup(s->arena, col);
}

static struct sil_table *shape_find(struct sil_shape *s, const struct tpl_entity *e)
{
    struct sil_table *t = sil_shape_table(s, e->schema, e->name);
    if (t)
        return t;
    /* A template names tables without a schema: accept a unique match. */
    struct sil_table *found = NULL;
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i].name, e->name) == 0) {
            if (found)
                return NULL;
            found = &s->tables[i];
        }
    return found;
}

struct sil_shape *gen_template_apply(const struct gen_template *t, struct sil_shape *base,
                                     struct sil_err *err)
{
    struct sil_shape *s = base;
    if (!s) {
        s = sil_shape_new();
        s->created_at = t->extracted_at ? t->extracted_at : "1970-01-01T00:00:00Z";
        s->created_at = sil_arena_strdup(s->arena, s->created_at);
        s->source.kind = "template";
        s->source.locale = sil_arena_strdup(s->arena, t->locale ? t->locale : "en_US");
        s->privacy.sample_rows = 0;
        s->privacy.metadata_only = 1;
    }
    char path[128];
    /* Pass 1: tables, columns, keys. */
    for (size_t i = 0; i < t->nent; i++) {
        const struct tpl_entity *e = &t->ents[i];
        struct sil_table *tb = shape_find(s, e);
        int fresh = 0;
        if (!tb) {
            tb = grow_tables(s);
            memset(tb, 0, sizeof *tb);
            tb->schema = sil_arena_strdup(s->arena, e->schema);
            tb->name = sil_arena_strdup(s->arena, e->name);
            tb->kind = SIL_TABLE_TABLE;
            tb->rows_method = SIL_ROWS_DECLARED;
            tb->row_count = e->rows >= 0 ? e->rows : 100;
            fresh = 1;
        } else if (e->rows >= 0) {
            /* The count is now the template's, not the sampler's. */
            tb->row_count = e->rows;
            tb->rows_method = SIL_ROWS_DECLARED;
            if (tb->sampled_rows > tb->row_count)
                tb->sampled_rows = tb->row_count;
        }
        size_t npk = 0;
        for (size_t k = 0; k < e->nfields; k++)
            npk += e->fields[k].primary_key;
        if (npk) {
            if (!fresh && tb->npk) {
                /* The shape's key stands; the template's must agree. */
                int same = tb->npk == npk;
                for (size_t k = 0, j = 0; same && k < e->nfields; k++)
                    if (e->fields[k].primary_key)
                        same = strcmp(tb->pk[j++], e->fields[k].name) == 0;
                if (!same) {
                    snprintf(path, sizeof path, "entities[%zu].fields", i);
                    sil_err_set_path(err, SIL_EINPUT, path,
                                     "primary key differs from the shape's for table \"%s\"",
                                     e->name);
                    goto fail;
                }
            } else {
                tb->npk = npk;
                tb->pk = sil_arena_alloc(s->arena, npk * sizeof *tb->pk);
                for (size_t k = 0, j = 0; k < e->nfields; k++)
                    if (e->fields[k].primary_key)
                        tb->pk[j++] = sil_arena_strdup(s->arena, e->fields[k].name);
            }
        }
        for (size_t k = 0; k < e->nfields; k++) {
            const struct tpl_field *fd = &e->fields[k];
            int ci = sil_table_column(tb, fd->name);
            if (ci < 0) {
                struct sil_column *col = grow_columns(s, tb);
                memset(col, 0, sizeof *col);
                col->name = sil_arena_strdup(s->arena, fd->name);
                fill_column(fd, col, fd->primary_key);
                if (fd->null_fraction >= 0) {
                    col->stats = sil_arena_alloc(s->arena, sizeof *col->stats);
                    col->stats->null_fraction = fd->null_fraction;
                    col->stats->distinct_fraction = -1;
                }
            } else {
                struct sil_column *col = &tb->cols[ci];
                if (fd->faker.method != GF_NONE &&
                    sil_class_is_personal(gen_faker_class(fd->faker.method)))
                    col->classification = gen_faker_class(fd->faker.method);
                if (fd->pii && !sil_class_is_personal(col->classification))
                    col->classification = guess_class(fd->name);
                if (fd->locale)
                    col->locale = fd->locale;
            }
            if (fd->unique && !fd->primary_key) {
                int have = 0;
                for (size_t u = 0; u < tb->nuniques; u++)
                    have |=
                        tb->uniques[u].ncols == 1 && strcmp(tb->uniques[u].cols[0], fd->name) == 0;
                if (!have)
                    add_unique(s, tb, fd->name);
            }
        }
    }
    /* Pass 2: foreign keys, once every table exists. */
    for (size_t i = 0; i < t->nent; i++) {
        const struct tpl_entity *e = &t->ents[i];
        struct sil_table *tb = shape_find(s, e);
        for (size_t k = 0; k < e->nfields; k++) {
            const struct tpl_field *fd = &e->fields[k];
            if (!fd->fk_table)
                continue;
            snprintf(path, sizeof path, "entities[%zu].fields[%zu].foreign_key", i, k);
            struct sil_table *pt = sil_shape_table(s, fd->fk_schema, fd->fk_table);
            if (!pt) {
                sil_err_set_path(err, SIL_EINPUT, path,
                                 "foreign key references unknown table \"%s\"", fd->fk_table);
                sil_err_hint(err, "add an entity named \"%s\" or fix the reference", fd->fk_table);
                goto fail;
            }
            int pc = sil_table_column(pt, fd->fk_col);
            if (pc < 0) {
                sil_err_set_path(err, SIL_EINPUT, path,
                                 "foreign key references unknown column \"%s\" of \"%s\"",
                                 fd->fk_col, fd->fk_table);
                goto fail;
            }
            int keyed = pt->npk == 1 && strcmp(pt->pk[0], fd->fk_col) == 0;
            for (size_t u = 0; u < pt->nuniques && !keyed; u++)
                keyed =
                    pt->uniques[u].ncols == 1 && strcmp(pt->uniques[u].cols[0], fd->fk_col) == 0;
            if (!keyed) {
                sil_err_set_path(err, SIL_EINPUT, path,
                                 "\"%s.%s\" is not the primary key or a unique field of \"%s\"",
                                 fd->fk_table, fd->fk_col, fd->fk_table);
                sil_err_hint(err, "mark it \"primary_key\": true or \"unique\": true");
                goto fail;
            }
            int have = 0;
            for (size_t f = 0; f < tb->nfks; f++)
                have |= tb->fks[f].ncols == 1 && strcmp(tb->fks[f].cols[0], fd->name) == 0;
            if (!have)
                add_fk(s, tb, fd);
            /* The key column takes the referenced column's type, so the key
             * can be declared whatever the template wrote. */
            int ci = sil_table_column(tb, fd->name);
            tb->cols[ci].type = pt->cols[pc].type;
        }
    }
    if (sil_shape_validate(s, err) < 0)
        goto fail;
    return s;
fail:
    sil_err_file(err, t->name);
    sil_shape_free(s);
    return NULL;
}

const struct gen_faker_spec *gen_template_faker(const struct gen_template *t, const char *schema,
                                                const char *table, const char *column)
{
    if (!t)
        return NULL;
    const struct tpl_entity *e = find_entity(t, schema, table);
    if (!e)
        return NULL;
    const struct tpl_field *fd = find_field(e, column);
    return fd && fd->faker.method != GF_NONE ? &fd->faker : NULL;
}

int gen_template_sets_rows(const struct gen_template *t, const char *schema, const char *table)
{
    if (!t)
        return 0;
    const struct tpl_entity *e = find_entity(t, schema, table);
    return e && e->rows >= 0;
}
