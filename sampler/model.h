/*
 * What the sampler knows about a source beside the shape it is building: per
 * table and column, the facts the statistics need (catalog oid and estimate,
 * the kind of values, indexes for foreign-key lookups, the policy's word).
 * Arrays run parallel to shape->tables and each table's columns and foreign
 * keys; everything lives in the shape's arena.
 */
#ifndef SAMPLER_MODEL_H
#define SAMPLER_MODEL_H

#include <stdint.h>

#include "policyfile.h"
#include "shape.h"

/* How a column's values are read for statistics. */
enum sampler_vkind {
    SAMPLER_V_NONE = 0, /* nothing beyond nulls (and distinct values where comparable) */
    SAMPLER_V_NUMBER,
    SAMPLER_V_DATE,
    SAMPLER_V_TIMESTAMP,
    SAMPLER_V_TIMESTAMPTZ,
    SAMPLER_V_TIME, /* time and timetz: seconds since midnight */
    SAMPLER_V_INTERVAL,
    SAMPLER_V_TEXT,
    SAMPLER_V_BYTEA,
    SAMPLER_V_JSON, /* json and jsonb: lengths of the text form */
    SAMPLER_V_BOOL,
    SAMPLER_V_ENUM
};

struct sampler_colinfo {
    int attnum;
    enum sampler_vkind vkind;
    int is_array;
    int integer;     /* smallint, integer or bigint: may be categorical */
    int via_numeric; /* read through numeric: money, and real at its own precision */
    int distinct_ok; /* count(DISTINCT) is defined for the type */
    int json_plain;  /* json (not jsonb): compared as text */
    struct sampler_colpolicy pol;
    const char *class_rule; /* what decided the classification, for -v */
    const char *match_name; /* the name the name rules see; NULL: the column's (REST sources
                               give camelCase names as snake_case: teamId -> team_id) */
};

/* An index's leading plain columns (attnums), for foreign-key lookups. */
struct sampler_index {
    int ncols;
    int cols[8];
};

struct sampler_fkinfo {
    int indexed;         /* an index on the child leads with the key columns */
    int arrival_col;     /* child column for arrival gaps, or -1 */
    int arrival_indexed; /* an index leads with the key columns, then arrival_col */
};

struct sampler_tabinfo {
    uint32_t oid;
    double est_rows; /* catalog estimate; -1 when the table was never analyzed */
    double pages;    /* catalog page count; 0 when unknown */
    char *rel;       /* "schema"."name", quoted for SQL */
    uint32_t seed;   /* REPEATABLE seed, from the name: same table, same sample */
    struct sampler_colinfo *cols;
    struct sampler_fkinfo *fks;
    size_t nidx;
    struct sampler_index *idx;
    size_t check_cap; /* growth of the shape table's checks array */
    /* Filled by the statistics pass. */
    int sampled;       /* statistics were computed */
    int64_t sample_n;  /* LIMIT of the sample */
    double sample_pct; /* TABLESAMPLE SYSTEM percentage; 100 = whole table */
};

struct sampler_model {
    struct sil_shape *shape;
    struct sampler_tabinfo *tabs;
};

#endif
