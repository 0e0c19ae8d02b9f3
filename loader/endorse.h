/*
 * The endorsement a target may require (environments.json, a target's
 * require_endorsement): every output directory of the load carries an
 * endorsement.json whose decision in force is an endorsement still bound to
 * its manifest.json and report.json (common/endorsement.h, steps 1 to 4 of
 * docs/output-format.md), and the manifest the loader parsed is those same
 * bytes. Steps 5 and 6 (every file, expiry) are loader_verify_output's.
 */
#ifndef LOADER_ENDORSE_H
#define LOADER_ENDORSE_H

#include "endorsement.h"
#include "manifest.h"

/*
 * Check the endorsement of each of m's directories, for the target rule
 * `target` (named in messages). On success recs[d] holds directory d's
 * record (recs has m->ndirs entries, caller-owned). Fails with SIL_EPOLICY
 * for an output that is not endorsed, rejected (naming who, when and the
 * note), or changed since the decision (saying what), and with SIL_EINPUT
 * for a malformed or unreadable endorsement.json.
 */
int loader_endorsement_verify(const struct loader_manifest *m, const char *target,
                              struct sil_endorsement *recs, struct sil_err *err) SIL_WUR;

#endif
