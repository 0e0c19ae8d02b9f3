/*
 * Rows for silhouette_meta's dashboard tables (docs/telemetry.md), gathered
 * from an output before it is loaded: per-column KS results and linkage
 * metrics from each directory's report.json (when present and a report of
 * that directory's manifest), the endorsement status of each directory, and
 * alerts (a report with failed gates, an endorsement that overrode them).
 * Nothing here fails a load: an absent, stale or malformed report gives no
 * rows and a note saying why.
 */
#ifndef LOADER_TELEMETRY_H
#define LOADER_TELEMETRY_H

#include "endorsement.h"
#include "json.h"
#include "manifest.h"

/* JSON arrays of row objects, keyed as the tables' columns (without run_id). */
struct loader_telemetry {
    cJSON *ks, *links, *endorsements, *alerts;
    cJSON *notes; /* strings */
};

/*
 * Gather the rows of m's directories. `recs` is the endorsement of each
 * directory already verified by loader_endorsement_verify (required), or
 * NULL: then each directory's endorsement.json is checked here and its
 * status recorded whatever it is. Release with loader_telemetry_release.
 */
void loader_telemetry_collect(const struct loader_manifest *m, int required,
                              const struct sil_endorsement *recs, struct loader_telemetry *t);
void loader_telemetry_release(struct loader_telemetry *t);

#endif
