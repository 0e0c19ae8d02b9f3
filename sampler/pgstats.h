/*
 * Statistics computed by PostgreSQL over a bounded sample: every statement
 * reads at most --sample-rows rows of a table (TABLESAMPLE SYSTEM with a
 * fixed REPEATABLE seed, then LIMIT), or at most --fk-parents parent rows
 * and their children found through an index, and returns aggregates only:
 * counts, bucket means, category counts of values held by at least k rows.
 * The only values that cross the wire are category candidates (to be
 * checked and tokenized, never written as they are) and value samples for
 * classification. Each table and each foreign key runs inside a savepoint so
 * a missing privilege, a dropped table or a timeout skips it, not the run.
 */
#ifndef SAMPLER_PGSTATS_H
#define SAMPLER_PGSTATS_H

#include "db.h"
#include "model.h"
#include "stats.h"

#define SAMPLER_CHILD_CAP    1000000 /* children counted per sampled parent */
#define SAMPLER_CHILD_BUDGET 10      /* children counted per FK, in --sample-rows */

struct sampler_statopts {
    int k;
    int64_t sample_rows;
    int64_t exact_threshold;
    int64_t fk_parents;
    int64_t heavy_threshold;
    int max_categories;
    int max_fetch_bytes; /* longest category candidate fetched */
    const struct sampler_protect *protect;
    struct sil_rscan *classify; /* PII rules for value-based classification, or NULL */
};

/*
 * Row count (exact below the threshold, else the catalog estimate) and column
 * statistics for table ti. A table that cannot be read is marked skipped
 * (permission, dropped, timeout after two retries with a quarter of the
 * sample each) and the run goes on; -1 only when the run cannot go on
 * (connection lost, interrupted) or on an unexpected SQL error.
 */
int sampler_pg_table_stats(struct sampler_db *db, struct sampler_model *m, size_t ti,
                           const struct sampler_statopts *o, struct sil_err *err) SIL_WUR;

/* Foreign-key statistics for foreign key fi of table ti (both tables sampled). */
int sampler_pg_fk_stats(struct sampler_db *db, struct sampler_model *m, size_t ti, size_t fi,
                        const struct sampler_statopts *o, struct sil_err *err) SIL_WUR;

/* Row counts from the catalog alone (metadata-only runs, views, skipped tables). */
void sampler_rows_from_catalog(struct sampler_model *m, size_t ti);

#endif
