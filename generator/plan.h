/*
 * A generation plan: the effective shape, the row count of every table
 * (sizing, bands, clamps), the load order with cycles broken, and for every
 * column the compiled generator that turns a row index into a value. Built
 * once, then read-only and shared by every worker thread.
 */
#ifndef GEN_PLAN_H
#define GEN_PLAN_H

#include <stdint.h>

#include "err.h"
#include "fanout.h"
#include "model.h"
#include "rng.h"
#include "shape.h"

struct gen_template;
struct sil_expr;

/* How a column's values are made. */
enum gen_kind {
    GK_NULL,          /* always NULL (a type the generator cannot produce) */
    GK_ROWKEY,        /* a key computed from the row index (int, uuid, text) */
    GK_SEQ_IN_PARENT, /* 1, 2, ... within the children of one parent */
    GK_FK,            /* one column of a foreign key */
    GK_NUM,           /* integers, numeric, real, double, money */
    GK_TIME,          /* date, time, timestamp(tz), interval */
    GK_BOOL,
    GK_CAT,   /* categories, enum labels, IN lists */
    GK_TEXT,  /* words of a given length distribution */
    GK_PII,   /* personal values by classification and locale */
    GK_FAKER, /* a template faker method */
    GK_UUID,
    GK_JSON,
    GK_BYTEA,
    GK_INET,
    GK_MACADDR,
    GK_ARRAY /* an empty array */
};

/* What a rendered value is, for quoting in each output format. */
enum gen_vtype { GV_NULL, GV_NUM, GV_BOOL, GV_STR };

#define GEN_VAL_MAX 8192
/* Rows per block of a secondary foreign key's permutation. */
#define GEN_PERM_BLOCK 16

/* A rendered value: s/len point into buf or into constant data. */
struct gen_val {
    enum gen_vtype type;
    const char *s;
    size_t len;
    char buf[GEN_VAL_MAX];
};

/* Template faker methods (docs/generator.md lists them). */
enum gen_faker {
    GF_NONE,
    GF_EMAIL,
    GF_FIRST_NAME,
    GF_LAST_NAME,
    GF_NAME,
    GF_USER_NAME,
    GF_PHONE,
    GF_ADDRESS,
    GF_STREET,
    GF_CITY,
    GF_POSTCODE,
    GF_COUNTRY_CODE,
    GF_COUNTRY,
    GF_SSN,
    GF_IBAN,
    GF_CARD,
    GF_BIRTH_DATE,
    GF_IPV4,
    GF_RANDOM_INT,
    GF_PYFLOAT,
    GF_BOOLEAN,
    GF_DATE_THIS_YEAR,
    GF_DATE_BETWEEN,
    GF_DATE_TIME,
    GF_JOB,
    GF_COMPANY,
    GF_BS,
    GF_CATCH_PHRASE,
    GF_WORD,
    GF_SENTENCE,
    GF_TEXT,
    GF_UUID4,
    GF_CURRENCY_CODE,
    GF_RANDOM_ELEMENT,
    GF_COLOR_NAME,
    GF__COUNT
};

struct gen_faker_spec {
    enum gen_faker method;
    double min, max; /* random_int, pyfloat, date_between (epoch days) */
    int has_min, has_max;
    int digits;            /* pyfloat right_digits */
    size_t nelements;      /* random_element */
    const char **elements; /* owned by the template, or copied by the plan */
};

struct gen_table;

/* Simple constraints a column's values must meet (ranges and IN lists). */
struct gen_bounds {
    int has_lo, has_hi;
    double lo, hi;
    int lo_strict, hi_strict;
};

enum gen_op { GEN_OP_EQ, GEN_OP_NE, GEN_OP_LT, GEN_OP_LE, GEN_OP_GT, GEN_OP_GE };

/* This column `op` another, earlier column of the same table. */
struct gen_cmp {
    size_t other;
    enum gen_op op;
};

struct gen_col {
    const struct sil_column *col;
    const struct sil_type *type; /* domains resolved */
    size_t index;                /* in the table */
    enum gen_kind kind;
    uint64_t key;
    uint64_t person;  /* the table's person key, for name-like values */
    int person_birth; /* a birth date without statistics: the person's */
    int birth_col;    /* GK_PII: the table's birth-date column drawn from the shape's
                       * distribution, whose date the value encodes; -1 = none */
    double null_frac;
    int skip;   /* generated column: not written */
    int unique; /* values must differ per row: built injective */
    const char *locale;
    enum sil_class cls;
    /* GK_NUM / GK_TIME / GK_TEXT lengths */
    struct gen_icdf dist;
    struct gen_bounds bounds;
    double u_lo, u_hi; /* the distribution truncated to the bounds */
    int minlen;        /* text: shortest value (from a length constraint) */
    size_t ncmp;
    struct gen_cmp *cmp;
    int is_int;
    int scale;         /* numeric digits after the point, -1 = free */
    double vmin, vmax; /* range of the type */
    int maxlen;        /* varchar/char length, 0 = none */
    int code_width;    /* unique short text: width of the base-36 code */
    const double *how; /* hour-of-week weights, or NULL */
    struct gen_cat how_cat;
    /* GK_CAT */
    size_t ncat;
    const char **cat_values;
    struct gen_cat cat;
    int pii_cat;             /* GK_PII drawn from cat_values (see pii_categories) */
    const char **cat_sorted; /* and the per-row values avoid these, or NULL */
    /* GK_FK */
    struct gen_fkplan *fk;
    size_t fk_col; /* which column of the key */
    /* GK_ROWKEY / GK_SEQ_IN_PARENT */
    int rowkey_kind;       /* 0 int, 1 uuid, 2 text */
    struct gen_perm uperm; /* for unique values */
    /* arrival: this column is the arrival column of fkplan `arrival` */
    struct gen_fkplan *arrival;
    /* a check that decides this nullable column's NULLs, or NULL */
    const struct gen_check *null_check;
    /* GK_FAKER */
    struct gen_faker_spec faker;
    /* a generated column's expression, parsed (the column is not written) */
    struct sil_expr *gen_expr;
};

enum gen_fk_mode {
    GFK_CONTIG, /* the table's primary foreign key: children consecutive */
    GFK_PERM,   /* positions through a keyed permutation of row blocks */
    GFK_STRIDE, /* positions row * stride mod n: distinct parents among siblings */
    GFK_MOD,    /* row r: parent perm(r mod n), consecutive siblings on distinct parents */
    GFK_SELF,   /* self reference: an earlier row */
    GFK_NESTED, /* overlaps the primary key's columns: a parent row of the same primary
                 * parent (a message's sender is a participant of its conversation) */
    GFK_ALLNULL /* parent table empty, column nullable */
};

struct gen_fkplan {
    const struct sil_fk *fk;
    struct gen_table *child;
    struct gen_table *parent;
    enum gen_fk_mode mode;
    uint64_t key;
    double null_frac;
    int nullable; /* every key column nullable */
    int deferred; /* points forward in load order (a broken cycle) */
    struct gen_fanout fan;
    int has_fan;
    int64_t stride;
    struct gen_perm perm;
    size_t *ref_cols; /* parent column index of each key column */
    /* GFK_NESTED: the parent table's primary foreign key, whose contiguous
     * children of the child's primary parent are the rows to pick from */
    const struct gen_fkplan *nest;
    int64_t *nest_loc; /* first position of each parent row's children in its
                        * group, or NULL: split each group evenly */
    /* GFK_SELF with a fan-out: rows [0, self_roots) are the roots; the
     * others are laid out breadth first, row i standing for fan-out parent
     * (i + self_rot) mod rows, so every parent is an earlier row */
    int64_t self_roots, self_rot;
    /* arrival pattern */
    int arrival_col; /* child column index, -1 = none */
    struct gen_icdf gaps;
    /* children whose arrival ranks are shuffled together: about the rows
     * that arrive while one parent's children do (1 = none shared) */
    int64_t arr_w;
    /* or, when a parent's children span little of the column's range
     * (bursts), 1: they follow the shape's gaps from a start inside the
     * parent's share; arr_gap is the mean gap in the column's unit */
    int arr_burst;
    double arr_gap;
};

/*
 * A check constraint as the plan holds it: a table's own check, or a
 * domain's check on one column of that domain. `shaped` is set when every
 * part of the expression was applied to the plan's value generators, so it
 * holds by construction; the other checks are evaluated on every generated
 * row, and a row that fails stops the run.
 */
struct gen_check {
    const char *name;   /* the constraint's name (owned by the shape) */
    struct sil_expr *e; /* bound to the table's columns; owned by the plan */
    int column;         /* a domain check: the column it checks as VALUE; else -1 */
    int shaped;
};

struct gen_table {
    struct sil_table *t;
    size_t index; /* in shape->tables */
    uint64_t key;
    int64_t rows;         /* whole table */
    int64_t first, count; /* this shard's rows */
    int holds_start;      /* this shard starts the table (its CSV header) */
    int generate;         /* 0 for views and other tables without rows */
    size_t ncols;
    struct gen_col *cols;
    size_t nfks;
    struct gen_fkplan *fks;
    int primary_fk; /* index in fks, -1 = none */
    /* the primary fan-out built while deriving this table's size, kept for
     * plan_fk (index in fks, -1 = none) */
    int derived_fk;
    struct gen_fanout derived_fan;
    /* the table's checks first (as in t->checks), then domain checks per column */
    size_t nchecks;
    struct gen_check *checks;
    int check_rows; /* some check is not shaped: evaluate every row */
    /* sizing record */
    const char *size_source; /* "source", "scale", "rows", "band", "derived", "template" */
    int64_t requested;
};

struct gen_clamp {
    size_t table;
    int64_t requested, produced;
    char reason[128];
};

enum gen_size_mode { GEN_SIZE_SOURCE, GEN_SIZE_SCALE, GEN_SIZE_BAND };

struct gen_rows_opt {
    const char *table; /* "name" or "schema.name" */
    int64_t rows;
};

/* Sizing inputs, from the command line. */
struct gen_sizing {
    enum gen_size_mode mode;
    double scale;
    const char *band;       /* band name */
    const char *bands_file; /* NULL = the shipped policies/bands.json */
    size_t nrows;
    const struct gen_rows_opt *rows;
    int64_t max_rows; /* 0 = none */
    int derive;       /* size unsized children from their parents */
};

struct gen_plan {
    struct sil_shape *shape; /* effective shape; owned */
    uint64_t seed;
    size_t ntables;
    struct gen_table *tables; /* same order as shape->tables */
    size_t *order;            /* load order: indexes into tables */
    size_t nclamps;
    struct gen_clamp *clamps;
    char band_name[64];
    double band_max_rows;
    int64_t max_rows;
    size_t ndeferred;
    const char *locale; /* default locale */
    /* domain checks, parsed: domain_checks[d][c] for shape->domains[d].checks[c] */
    struct sil_expr ***domain_checks;
    int64_t now; /* epoch seconds for now() in checks evaluated while generating */
};

/*
 * Build a plan from a shape (taken over) and sizing. Fails with SIL_EINPUT
 * on impossible constraints, cycles that cannot be broken, unknown tables in
 * --rows or a band, and names the place and the fix.
 */
struct gen_plan *gen_plan_new(struct sil_shape *shape, const struct gen_template *tpl,
                              uint64_t seed, const struct gen_sizing *sz,
                              struct sil_err *err) SIL_WUR;
void gen_plan_free(struct gen_plan *p);
/* Restrict every table to the K-th of N consecutive row ranges (1-based). */
void gen_plan_shard(struct gen_plan *p, int k, int n);
/* The shard range of a table of `rows` rows: [*first, *first + *count). */
void gen_shard_range(int64_t rows, int k, int n, int64_t *first, int64_t *count);

/*
 * Produce the value of column c of table t at `row` into v. `cur` caches
 * per-thread lookup state for sequential rows (may be NULL).
 */
struct gen_cursor;
struct gen_cursor *gen_cursor_new(const struct gen_table *t);
void gen_cursor_free(struct gen_cursor *c);
void gen_value(const struct gen_plan *p, const struct gen_table *t, const struct gen_col *c,
               int64_t row, struct gen_cursor *cur, struct gen_val *v);
/* The parent row of a foreign key for a child row, or -1 for NULL. */
int64_t gen_fk_parent(const struct gen_fkplan *f, int64_t row, struct gen_cursor *cur);

#endif
