/*
 * Endorsement of a generator output: a domain expert's decision (endorsed or
 * rejected, who, when, a note, the reason for overriding failed gates) on
 * the quality report, written to OUT/endorsement.json and bound to the
 * BLAKE2b of manifest.json and of report.json, with the gates' results.
 * Because the manifest lists every data file's checksum, a verifier that
 * checks both bindings and every file against the manifest detects any
 * change after the decision. docs/output-format.md ("endorsement.json") is
 * the normative description; common/endorsement.h has the reader and the
 * verifier's first steps, which the loader shares.
 */
#ifndef GEN_ENDORSE_H
#define GEN_ENDORSE_H

#include "endorsement.h"
#include "err.h"

#define GEN_ENDORSE_FILE SIL_ENDORSEMENT_FILE

enum gen_decision { GEN_ENDORSED, GEN_REJECTED };

struct gen_endorse_opts {
    const char *dir; /* the output directory, holding report.json */
    enum gen_decision decision;
    const char *by;
    const char *note;
    const char *override_reason; /* NULL: refuse to endorse a report with failed gates */
};

/*
 * Record a decision on dir/report.json. Verifies first: manifest.json reads,
 * the shape has not expired, shape.json, schema.sql and every data file match
 * the manifest, report.json was written for this manifest. An endorsement of
 * a report with a failed gate needs override_reason. An earlier decision
 * moves into "previous". endorsement.json is written atomically.
 * Fails with SIL_EUSAGE for a bad name or note, SIL_EINPUT when something
 * does not verify or cannot be read, SIL_EEXPIRED for an expired shape,
 * SIL_EPOLICY when gates failed and there is no override, SIL_EIO on write
 * errors. *summary (caller frees) gets the line to print.
 */
int gen_endorse_record(const struct gen_endorse_opts *o, char **summary,
                       struct sil_err *err) SIL_WUR;

/*
 * Verify dir/endorsement.json as a loader must (docs/output-format.md).
 * Returns 0 when it was read: *endorsed is 1 when the latest decision is an
 * endorsement and manifest.json, report.json and every file the manifest
 * lists still match it; otherwise 0 and *summary says why (no endorsement, a
 * rejection, what changed). Fails (-1) with SIL_EINPUT when endorsement.json
 * is malformed or the output unreadable. *summary: caller frees.
 */
int gen_endorse_verify(const char *dir, int *endorsed, char **summary, struct sil_err *err) SIL_WUR;

/* Whether dir already holds an endorsement (the report refuses to replace
 * the report.json it binds). */
int gen_endorse_exists(const char *dir);

#endif
