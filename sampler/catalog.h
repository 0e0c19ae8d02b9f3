/*
 * Reading a PostgreSQL catalog into a shape: schemas and tables (filtered by
 * --schema, --include and --exclude globs), columns with their full types
 * (enums with labels, domains flattened to their base type with their
 * checks, arrays, numeric precision, varchar length, identity and generated
 * columns, the kind of each default), primary keys, unique constraints and
 * unique indexes, check constraints, foreign keys (composite, self-
 * referencing, cyclic), partitioned tables with their partitions, views,
 * materialized views and foreign tables (noted, never sampled). Only
 * pg_catalog is read: no table data and no locks on tables.
 */
#ifndef SAMPLER_CATALOG_H
#define SAMPLER_CATALOG_H

#include <stddef.h>

#include "db.h"
#include "model.h"

struct sampler_filter {
    char *const *schemas; /* globs on the schema name; none = every schema */
    size_t nschemas;
    char *const *includes; /* globs on "schema.table" (or "table"); none = all */
    size_t nincludes;
    char *const *excludes;
    size_t nexcludes;
};

/* True when the filter selects the table. */
int sampler_filter_match(const struct sampler_filter *f, const char *schema, const char *table);

/*
 * Fill m->shape's enums, domains and tables and m->tabs. Tables and columns
 * that cannot be written in a shape (names with control characters, no
 * columns) are left out with a warning, as are foreign keys to tables the
 * filter left out. Fails on a catalog query error.
 */
int sampler_catalog_read(struct sampler_db *db, const struct sampler_filter *f,
                         struct sampler_model *m, struct sil_err *err) SIL_WUR;

/* The kind of a column default from its expression as the catalog prints it. */
enum sil_default_kind sampler_default_kind(const char *expr);

#endif
