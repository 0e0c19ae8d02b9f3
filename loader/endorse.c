/* The endorsement a target requires, checked against the manifest the loader parsed. */
#include "endorse.h"

#include <string.h>

int loader_endorsement_verify(const struct loader_manifest *m, const char *target,
                              struct sil_endorsement *recs, struct sil_err *err)
{
    for (size_t d = 0; d < m->ndirs; d++) {
        const char *dir = m->dirs[d];
        struct sil_endorsement *e = &recs[d];
        enum sil_endorsement_status st;
        char why[512] = "";
        if (sil_endorsement_check(dir, e, &st, why, err) < 0) {
            sil_err_prefix(err, "cannot check the endorsement of output '%s'", dir);
            return -1;
        }
        switch (st) {
        case SIL_ENDORSEMENT_ABSENT:
            sil_err_set(err, SIL_EPOLICY,
                        "output '%s' has no endorsement, which target '%s' of the environment "
                        "policy requires",
                        dir, target);
            sil_err_hint(err, "a domain expert reviews its report and records a decision: "
                              "generator report OUT --endorse --by NAME --note TEXT");
            return -1;
        case SIL_ENDORSEMENT_REJECTED:
            sil_err_set(err, SIL_EPOLICY, "output '%s' was rejected by %s at %s: %s", dir, e->by,
                        e->at, e->note);
            sil_err_hint(err, "a rejected output is never loaded where an endorsement is "
                              "required; generate a new one and have it endorsed");
            return -1;
        case SIL_ENDORSEMENT_CHANGED:
            sil_err_set(err, SIL_EPOLICY,
                        "output '%s' changed after its endorsement by %s at %s: %s", dir, e->by,
                        e->at, why);
            sil_err_hint(err, "do not load it; report on the output again and have the new "
                              "report endorsed");
            return -1;
        case SIL_ENDORSEMENT_BOUND:
            break;
        }
        /* the bytes parsed are the bytes endorsed (manifest.json was not swapped since) */
        const struct loader_manifest *md = m->merged ? m->shards[d] : m;
        if (strcmp(md->checksum, e->manifest_checksum) != 0) {
            sil_err_set(err, SIL_EPOLICY,
                        "output '%s': the manifest.json that was verified is not the one "
                        "endorsed by %s at %s (it changed during the load)",
                        dir, e->by, e->at);
            sil_err_hint(err, "do not modify an output while it is loaded");
            return -1;
        }
    }
    return 0;
}
