/*
 * Metadata consistency for the quality report: schema.sql read back (the
 * statements the generator writes: CREATE TYPE ... AS ENUM, CREATE DOMAIN,
 * CREATE TABLE, ALTER TABLE ... ADD PRIMARY KEY / UNIQUE / CHECK / FOREIGN
 * KEY) and compared, item by item, with the shape: tables, columns in order,
 * types, NOT NULL, identity and generated columns, keys, checks (compared
 * as parsed and rendered expressions), foreign keys with their actions,
 * enums and domains. Anything schema.sql has that the shape lacks is an item
 * too.
 */
#ifndef GEN_RDDL_H
#define GEN_RDDL_H

#include <stddef.h>

#include "shape.h"

struct rep_item {
    char *subject; /* "public.users.email" */
    char *what;    /* "type", "primary key", ... */
    int ok;
    char *detail; /* what differs, or NULL */
};

struct rep_items {
    size_t n, cap;
    struct rep_item *v;
};

void rep_items_add(struct rep_items *it, const char *subject, const char *what, int ok,
                   const char *detail);
void rep_items_release(struct rep_items *it);

/* Compare schema.sql (NUL-terminated) with the shape; items appended. */
void rep_ddl_compare(const char *sql, const struct sil_shape *s, struct rep_items *out);

#endif
