/* libFuzzer target: the readers of files a report decision trusts (endorsement.json and the
 * part of report.json a decision records) reject or accept, never crash or leak, and what
 * they accept is consistent. The first byte picks the reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "endorsement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *text = malloc(len + 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, len);
    text[len] = '\0';
    struct sil_err err;
    sil_err_clear(&err);
    if (data[0] & 1) {
        struct sil_report_digest d;
        if (sil_report_digest_parse(text, len, "report.json", &d, &err) == 0) {
            if (!sil_checksum_valid(d.manifest_checksum) || !sil_checksum_valid(d.checksum) ||
                !d.gates)
                abort();
        }
        sil_report_digest_release(&d);
        free(text);
        return 0;
    }
    struct sil_endorsement e;
    if (sil_endorsement_parse(text, len, "endorsement.json", &e, &err) == 0) {
        if (!sil_checksum_valid(e.manifest_checksum) || !sil_checksum_valid(e.report_checksum) ||
            sil_endorsement_text_problem(e.by, SIL_ENDORSEMENT_BY_MAX, 0) ||
            sil_endorsement_text_problem(e.note, SIL_ENDORSEMENT_NOTE_MAX, 1) || e.ngates < 1 ||
            e.ngates > SIL_ENDORSEMENT_GATES || e.nfailed > e.ngates ||
            (e.passed != (e.nfailed == 0)) ||
            (e.decision == SIL_DECISION_ENDORSED && !e.passed && !e.overridden))
            abort();
    }
    free(text);
    return 0;
}
