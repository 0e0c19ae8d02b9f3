/*
 * The shape file, format v1: schema metadata and k-protected aggregates of a
 * source, the only artifact that crosses the production boundary. This
 * module holds the in-memory model, the strict reader (unknown keys, wrong
 * types, bad versions and dangling references are errors naming the JSON
 * path) and the canonical writer (same shape, same bytes).
 * docs/shape-format.md is the normative description of every field.
 */
#ifndef SIL_SHAPE_H
#define SIL_SHAPE_H

#include <cjson/cJSON.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

#define SIL_SHAPE_FORMAT  "silhouette.shape"
#define SIL_SHAPE_VERSION 1
/* PostgreSQL's NAMEDATALEN - 1. */
#define SIL_IDENT_MAX       63
#define SIL_EXPR_MAX        2048
#define SIL_HOURS_PER_WEEK  168
#define SIL_SHAPE_MAX_BYTES ((size_t)64 << 20)

enum sil_type_base {
    SIL_T_SMALLINT,
    SIL_T_INTEGER,
    SIL_T_BIGINT,
    SIL_T_NUMERIC,
    SIL_T_REAL,
    SIL_T_DOUBLE,
    SIL_T_BOOLEAN,
    SIL_T_TEXT,
    SIL_T_VARCHAR,
    SIL_T_CHAR,
    SIL_T_DATE,
    SIL_T_TIME,
    SIL_T_TIMETZ,
    SIL_T_TIMESTAMP,
    SIL_T_TIMESTAMPTZ,
    SIL_T_INTERVAL,
    SIL_T_UUID,
    SIL_T_JSON,
    SIL_T_JSONB,
    SIL_T_BYTEA,
    SIL_T_INET,
    SIL_T_CIDR,
    SIL_T_MACADDR,
    SIL_T_MONEY,
    SIL_T_ENUM,
    SIL_T_DOMAIN,
    SIL_T_UNSUPPORTED,
    SIL_T__COUNT
};

/*
 * A column type. length: varchar/char(n); precision/scale: numeric(p,s),
 * precision alone: fractional seconds of time types. -1 = not given.
 * ref_schema/ref_name: the enum or domain. sql_name: the catalog name of an
 * unsupported type (an identifier).
 */
struct sil_type {
    enum sil_type_base base;
    int length;
    int precision;
    int scale;
    int array_dims;
    const char *ref_schema;
    const char *ref_name;
    const char *sql_name;
};

enum sil_class {
    SIL_CLASS_PUBLIC,
    SIL_CLASS_IDENTIFIER,
    SIL_CLASS_SENSITIVE,
    SIL_CLASS_PERSONAL_EMAIL,
    SIL_CLASS_PERSONAL_NAME,
    SIL_CLASS_PERSONAL_FIRST_NAME,
    SIL_CLASS_PERSONAL_LAST_NAME,
    SIL_CLASS_PERSONAL_USERNAME,
    SIL_CLASS_PERSONAL_PHONE,
    SIL_CLASS_PERSONAL_ADDRESS,
    SIL_CLASS_PERSONAL_STREET,
    SIL_CLASS_PERSONAL_CITY,
    SIL_CLASS_PERSONAL_POSTCODE,
    SIL_CLASS_PERSONAL_NATIONAL_ID,
    SIL_CLASS_PERSONAL_IBAN,
    SIL_CLASS_PERSONAL_CARD,
    SIL_CLASS_PERSONAL_BIRTH_DATE,
    SIL_CLASS_PERSONAL_IP,
    SIL_CLASS_PERSONAL_FREE_TEXT,
    SIL_CLASS_PERSONAL_OTHER,
    SIL_CLASS__COUNT
};

enum sil_default_kind {
    SIL_DEF_NONE,
    SIL_DEF_CONSTANT,
    SIL_DEF_SEQUENCE,
    SIL_DEF_NOW,
    SIL_DEF_EXPRESSION
};

enum sil_identity { SIL_IDENTITY_NONE, SIL_IDENTITY_ALWAYS, SIL_IDENTITY_BY_DEFAULT };

enum sil_table_kind {
    SIL_TABLE_TABLE,
    SIL_TABLE_PARTITIONED,
    SIL_TABLE_VIEW,
    SIL_TABLE_MATVIEW,
    SIL_TABLE_FOREIGN
};

enum sil_rows_method { SIL_ROWS_EXACT, SIL_ROWS_ESTIMATE, SIL_ROWS_DECLARED };

enum sil_skip { SIL_SKIP_NONE, SIL_SKIP_PERMISSION, SIL_SKIP_DROPPED, SIL_SKIP_TIMEOUT };

enum sil_fk_action {
    SIL_FK_NO_ACTION,
    SIL_FK_RESTRICT,
    SIL_FK_CASCADE,
    SIL_FK_SET_NULL,
    SIL_FK_SET_DEFAULT
};

enum sil_cat_encoding { SIL_CAT_CLEAR, SIL_CAT_TOKEN };

/* Points of an inverse CDF: p strictly increasing in [0,1], v non-decreasing. */
struct sil_quantiles {
    size_t n;
    double *p;
    double *v;
};

struct sil_category {
    const char *value;
    double fraction;
};

struct sil_categories {
    enum sil_cat_encoding encoding;
    size_t n;
    struct sil_category *v;
    double other_fraction; /* mass of values not listed (rare, long or dropped) */
    int64_t suppressed;    /* distinct values left out */
};

struct sil_colstats {
    double null_fraction;
    double distinct_fraction; /* -1 when unknown */
    struct sil_quantiles quantiles;
    struct sil_quantiles length_quantiles;
    struct sil_categories *categories; /* NULL when absent */
    double *hour_of_week;              /* NULL or SIL_HOURS_PER_WEEK fractions */
};

struct sil_column {
    const char *name;
    struct sil_type type;
    int nullable;
    enum sil_default_kind default_kind;
    enum sil_identity identity;
    const char *generated_expr; /* GENERATED ALWAYS AS (expr) STORED, or NULL */
    enum sil_class classification;
    const char *locale;         /* NULL = the source's */
    struct sil_colstats *stats; /* NULL when not sampled */
};

struct sil_unique {
    const char *name;
    size_t ncols;
    const char **cols;
};

struct sil_check {
    const char *name;
    const char *expr;
};

struct sil_fkstats {
    double coverage;              /* non-null child keys that resolve */
    double parents_with_children; /* parents with at least one child */
    double mean_children;
    struct sil_quantiles children_per_parent;
    int has_heavy;
    int64_t heavy_threshold;
    double heavy_parent_fraction;
    double heavy_child_fraction;
    const char *arrival_column; /* NULL when no arrival pattern */
    double burstiness;          /* p95/p50 of gaps between a parent's children */
    struct sil_quantiles gap_quantiles;
    int64_t sampled_parents;
};

struct sil_fk {
    const char *name;
    size_t ncols;
    const char **cols;
    const char *ref_schema;
    const char *ref_table;
    const char **ref_cols;
    enum sil_fk_action on_delete;
    enum sil_fk_action on_update;
    int deferrable;
    struct sil_fkstats *stats; /* NULL when not sampled */
    size_t ref_index;          /* resolved: index of the parent in shape->tables */
};

struct sil_partition {
    const char *name;
    const char *bound;
};

struct sil_partitioning {
    const char *strategy; /* "range", "list" or "hash" */
    size_t nkeys;
    const char **keys;
    size_t nparts;
    struct sil_partition *parts;
};

struct sil_table {
    const char *schema;
    const char *name;
    enum sil_table_kind kind;
    int64_t row_count;
    enum sil_rows_method rows_method;
    int64_t sampled_rows;
    enum sil_skip skipped;
    struct sil_partitioning *partitioning; /* NULL when not partitioned */
    size_t npk;
    const char **pk;
    size_t nuniques;
    struct sil_unique *uniques;
    size_t nchecks;
    struct sil_check *checks;
    size_t ncols;
    struct sil_column *cols;
    size_t nfks;
    struct sil_fk *fks;
};

struct sil_enum {
    const char *schema;
    const char *name;
    size_t nlabels;
    const char **labels;
};

struct sil_domain {
    const char *schema;
    const char *name;
    struct sil_type type; /* never itself a domain */
    int not_null;
    size_t nchecks;
    struct sil_check *checks;
};

/* A whole shape. Every pointer inside is owned by `arena`. */
struct sil_shape {
    struct sil_arena *arena;
    const char *created_at;
    const char *expires_at; /* NULL when the shape does not expire */
    struct {
        const char *kind; /* "postgresql", "rest" or "template" */
        const char *fingerprint;
        int server_version; /* major version, 0 when unknown */
        const char *locale;
    } source;
    struct {
        const char *method; /* "hmac-sha256" or "none" */
        const char *key_id;
        int token_length;
    } tokenization;
    struct {
        int k;
        int64_t sample_rows;
        int max_category_bytes;
        const char *noise;
        int metadata_only;
        int64_t exact_count_threshold;
    } privacy;
    int has_audit;
    struct {
        const char *log_checksum;
        int64_t statements;
    } audit;
    size_t nenums;
    struct sil_enum *enums;
    size_t ndomains;
    struct sil_domain *domains;
    size_t ntables;
    struct sil_table *tables;
    const char *checksum; /* as read; recomputed on write */
};

/* Names used in the file for the enums above; NULL for out of range. */
const char *sil_type_base_name(enum sil_type_base b);
const char *sil_class_name(enum sil_class c);
int sil_class_parse(const char *s, enum sil_class *out) SIL_WUR;
int sil_class_is_personal(enum sil_class c);
const char *sil_table_kind_name(enum sil_table_kind k);
const char *sil_fk_action_name(enum sil_fk_action a);
/* Locales the generator knows: en_US en_GB de_DE fr_FR sv_SE. */
int sil_locale_known(const char *s);

/* A type of `base` with no length, precision, scale, array or reference. */
void sil_type_init(struct sil_type *t, enum sil_type_base base);

/* Type predicates (on the base, arrays aside). */
int sil_type_is_integer(const struct sil_type *t);
int sil_type_is_numeric(const struct sil_type *t); /* integers, numeric, real, double, money */
int sil_type_is_time(const struct sil_type *t);    /* date, time(tz), timestamp(tz), interval */
int sil_type_is_text(const struct sil_type *t);    /* text, varchar, char */
/* The SQL spelling, e.g. "numeric(10,2)", "character varying(255)[]", with
 * enum/domain names quoted. Caller frees. */
char *sil_type_sql(const struct sil_type *t);

/* An identifier: 1..63 bytes of valid UTF-8 without control characters. */
int sil_ident_valid(const char *s);
/* Quote for SQL: "a""b". Caller frees. */
char *sil_ident_quote(const char *s);

/* A new empty shape with its arena and the v1 defaults. */
struct sil_shape *sil_shape_new(void);
void sil_shape_free(struct sil_shape *s);

/* Reader flags. */
enum {
    /* Accept a sampled shape without a checksum (test tooling only). */
    SIL_SHAPE_ALLOW_UNSEALED = 1
};

/*
 * Read a shape. `name` is used in errors. The checksum must match; it is
 * required unless source.kind is "template" (hand-written shapes) or
 * SIL_SHAPE_ALLOW_UNSEALED is given. Fails with SIL_EINPUT and the JSON path
 * of the first problem.
 */
struct sil_shape *sil_shape_parse(const char *data, size_t len, const char *name, unsigned flags,
                                  struct sil_err *err) SIL_WUR;
struct sil_shape *sil_shape_read_file(const char *path, unsigned flags,
                                      struct sil_err *err) SIL_WUR;
struct sil_shape *sil_shape_from_json(const cJSON *root, unsigned flags,
                                      struct sil_err *err) SIL_WUR;

/*
 * Check the cross-references of a shape built in memory (the reader does
 * this too): duplicates, keys naming missing columns, foreign keys to missing
 * tables or columns or to columns that are not a key, missing enums.
 */
int sil_shape_validate(struct sil_shape *s, struct sil_err *err) SIL_WUR;

/* Canonical bytes, checksum included (computed, not copied). */
void sil_shape_write(const struct sil_shape *s, struct sil_buf *out);
/* The checksum the writer would put in the file. */
void sil_shape_checksum(const struct sil_shape *s, char out[100]);
int sil_shape_write_file(const struct sil_shape *s, const char *path, struct sil_err *err) SIL_WUR;

/*
 * Refuse an artifact past its expiry. `expires_at` is a UTC time as in the
 * shape (NULL: never expires); `what` names the artifact in the message
 * ("shape 'x.json'"). Fails with SIL_EEXPIRED, naming the date, and a hint on
 * getting a fresh shape. The clock is time(NULL).
 */
int sil_expiry_check(const char *expires_at, const char *what, struct sil_err *err) SIL_WUR;

/* Lookups; NULL / -1 when absent. */
struct sil_table *sil_shape_table(const struct sil_shape *s, const char *schema, const char *name);
int sil_table_column(const struct sil_table *t, const char *name);
const struct sil_enum *sil_shape_enum(const struct sil_shape *s, const char *schema,
                                      const char *name);
const struct sil_domain *sil_shape_domain(const struct sil_shape *s, const char *schema,
                                          const char *name);
/* The type after resolving a domain to its base. */
const struct sil_type *sil_shape_base_type(const struct sil_shape *s, const struct sil_type *t);

#endif
