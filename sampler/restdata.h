/*
 * Records of a REST source held in the sampler's memory, and the shape made
 * from them. Each entity's records are flattened into columns as pages
 * arrive (nested objects become columns named parent_child, up to three
 * levels; arrays and deeper objects become one jsonb column) and a field
 * whose JSON type changes is an error. Then: types (boolean, integer,
 * bigint, numeric, uuid, date, timestamp, timestamptz, text, jsonb),
 * nullability, a primary key (unique, non-null, id-like name), foreign keys
 * from names (teamId, team_id, teamReference.id) confirmed by containment of
 * the values in the parent's key, classification, the same statistics as the
 * PostgreSQL path (cstats.h) and unique keys. Raw values never leave memory:
 * each column's values are wiped and freed once its statistics are made,
 * key and time columns once the foreign keys' are. No libcurl here.
 */
#ifndef SAMPLER_RESTDATA_H
#define SAMPLER_RESTDATA_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "apidesc.h"
#include "model.h"
#include "pgstats.h"
#include "policyfile.h"

#define SAMPLER_REST_MAX_FIELDS  1600
#define SAMPLER_REST_DEPTH       3   /* levels of nested objects flattened */
#define SAMPLER_REST_FK_COVERAGE 0.9 /* child values found in the parent to confirm a key */

struct sampler_rtable;

/* An empty record store for entity `name`. */
struct sampler_rtable *sampler_rtable_new(const char *name);
/* Wipes every value held and frees. NULL is a no-op. */
void sampler_rtable_free(struct sampler_rtable *t);

/*
 * Add one record (a JSON object) from page `page` (1-based, for messages).
 * Fails with SIL_ENET when the record is not an object or a field's JSON
 * type differs from what earlier records had (the source changed shape), or
 * when there are more than SAMPLER_REST_MAX_FIELDS fields.
 */
int sampler_rtable_add(struct sampler_rtable *t, const cJSON *record, int page,
                       struct sil_err *err) SIL_WUR;
size_t sampler_rtable_count(const struct sampler_rtable *t);

/* What was read for each entity, parallel to the description's entities. */
struct sampler_rest_read {
    struct sampler_rtable *records;
    int complete;  /* pagination ended before the record cap */
    int64_t total; /* total the API reported, or -1 */
};

/*
 * Fill m->shape's tables (one per entity, in the description's order) and
 * m->tabs from what was read, classify with `pol`, and compute statistics
 * (none with `metadata_only`). Every value is wiped by the time it returns.
 * Fails only on an internal limit (SIL_ENET for an unusable source).
 */
int sampler_rest_build(struct sampler_model *m, const struct sampler_apidesc *d,
                       struct sampler_rest_read *rd, const struct sampler_policy *pol,
                       const struct sampler_statopts *o, int metadata_only,
                       struct sil_err *err) SIL_WUR;

/* camelCase, kebab-case and dotted names as snake_case (caller frees). */
char *sampler_snake_case(const char *name);

#endif
