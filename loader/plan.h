/*
 * The load plan: every SQL statement the loader will send, built from the
 * output's shape.json and manifest before any connection is made. Names are
 * untrusted: each is checked (no quotes, semicolons, backslashes or comment
 * markers) and quoted; check and generated-column expressions go through
 * common/expr (parsed against the allowed grammar, rendered with quoting);
 * schema.sql is never read. A shape the plan cannot express safely is
 * refused here, so a refusal changes nothing in the database.
 */
#ifndef LOADER_PLAN_H
#define LOADER_PLAN_H

#include <stdint.h>

#include "manifest.h"
#include "shape.h"

struct loader_pfk {
    const char *name;
    size_t parent;      /* index in plan->tables */
    char *add_sql;      /* ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID */
    char *validate_sql; /* ALTER TABLE ... VALIDATE CONSTRAINT ... */
    char *orphans_sql;  /* count of child rows whose key has no parent */
    char *sample_sql;   /* up to 5 orphan keys, as text */
};

struct loader_ptable {
    const struct sil_table *st;
    const struct loader_mtable *mt;
    char *label;      /* "schema.name" as in the manifest, for messages */
    char *qname;      /* "run"."name" */
    char *create_sql; /* CREATE TABLE with columns, NOT NULL, defaults, CHECKs */
    char *copy_sql;   /* COPY ... FROM STDIN with the manifest's column order and format */
    char *copy_freeze_sql;
    char *copy_header_sql; /* csv: for the file that starts with the header line */
    char *copy_header_freeze_sql;
    size_t nkeys;
    char **key_sql; /* ALTER TABLE ... ADD PRIMARY KEY / UNIQUE */
    size_t nfks;
    struct loader_pfk *fks;
    size_t nseq;
    char **seq_sql;       /* after the load: move identity and serial sequences past max() */
    const char **seq_col; /* the column of each, the second parameter of seq_sql */
    char *count_sql;
    char *analyze_sql;
    int64_t bytes; /* of its data files */
};

struct loader_plan {
    char *schema;  /* the run's schema, unquoted */
    char *qschema; /* quoted */
    size_t npre;
    char **pre_sql; /* CREATE TYPE / CREATE DOMAIN / sequences, in order */
    size_t ntables;
    struct loader_ptable *tables; /* in manifest (load) order */
    size_t nskipped;
    const char **skipped; /* shape relations that hold no data (views...), for the report */
    size_t nnotes;
    char **notes; /* what the plan changed from the source, for the report (partitioned
                     tables created as plain tables) */
};

struct loader_plan_opts {
    const char *schema;     /* the run's schema */
    const char *tablespace; /* NULL = the database default */
};

/* The COPY statement for a file of the table: with FREEZE or not, skipping a csv header
 * line or not. */
const char *loader_plan_copy_sql(const struct loader_ptable *pt, int freeze, int header);

/* Names the loader refuses even though PostgreSQL would take them quoted. */
int loader_ident_acceptable(const char *s, const char **why);

/*
 * Build the plan. Fails with SIL_EINPUT naming the shape path or manifest
 * table and what is wrong (a hostile name, an expression outside the
 * grammar, a manifest that does not match the shape).
 */
struct loader_plan *loader_plan_build(const struct sil_shape *s, const struct loader_manifest *m,
                                      const struct loader_plan_opts *o,
                                      struct sil_err *err) SIL_WUR;
void loader_plan_free(struct loader_plan *p);

#endif
