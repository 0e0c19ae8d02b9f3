/*
 * endorsement.json: a domain expert's decision on a generator output's
 * quality report, bound to the BLAKE2b-256 of manifest.json and report.json.
 * The strict reader of the record and of the part of report.json a decision
 * records, and the verifier's first four steps (docs/output-format.md,
 * "endorsement.json"), shared by `generator report --verify-endorsement` and
 * the loader. Steps 5 and 6 (every file against the manifest, expiry) are
 * the caller's: it verifies them with the manifest it loads, whose bytes
 * must hash to the record's manifest_checksum.
 */
#ifndef SIL_ENDORSEMENT_H
#define SIL_ENDORSEMENT_H

#include <stddef.h>

#include "checksum.h"
#include "err.h"
#include "json.h"

#define SIL_ENDORSEMENT_FORMAT    "silhouette.endorsement"
#define SIL_ENDORSEMENT_FILE      "endorsement.json"
#define SIL_ENDORSEMENT_MAX_BYTES ((size_t)4 << 20)
#define SIL_ENDORSEMENT_BY_MAX    200
#define SIL_ENDORSEMENT_NOTE_MAX  4000
#define SIL_ENDORSEMENT_HISTORY   1000
#define SIL_ENDORSEMENT_GATES     16
#define SIL_REPORT_MAX_BYTES      ((size_t)256 << 20)

enum sil_decision { SIL_DECISION_ENDORSED, SIL_DECISION_REJECTED };

/* The decision in force (the record's top level), copied out of the file. */
struct sil_endorsement {
    enum sil_decision decision;
    char by[SIL_ENDORSEMENT_BY_MAX + 1];
    char at[21];
    char note[SIL_ENDORSEMENT_NOTE_MAX + 1];
    int overridden; /* override_reason is not null */
    char override_reason[SIL_ENDORSEMENT_NOTE_MAX + 1];
    char manifest_checksum[SIL_CHECKSUM_SIZE];
    char report_checksum[SIL_CHECKSUM_SIZE];
    int passed;     /* the report's verdict */
    size_t ngates;  /* 1..SIL_ENDORSEMENT_GATES */
    size_t nfailed; /* gates that failed */
    size_t nprevious;
};

/*
 * Why `s` is not acceptable as a `by` (multiline 0) or a note or reason
 * (multiline 1: newlines and tabs allowed), or NULL: longer than max bytes,
 * not UTF-8, a control character, blank.
 */
const char *sil_endorsement_text_problem(const char *s, size_t max, int multiline);

/*
 * Read endorsement.json bytes strictly (a NUL at data[len], as sil_read_file
 * leaves it; `name` goes into errors). Unknown or duplicate keys, wrong types and the
 * contradictions the format names are SIL_EINPUT errors with the JSON path.
 * On success *e holds the decision in force.
 */
int sil_endorsement_parse(const char *data, size_t len, const char *name, struct sil_endorsement *e,
                          struct sil_err *err) SIL_WUR;

/* What report.json says that a decision records. */
struct sil_report_digest {
    char checksum[SIL_CHECKSUM_SIZE]; /* of the bytes */
    const char *created_at, *manifest_checksum, *policy_checksum;
    const char *profile; /* NULL when the report used none */
    int passed;
    const cJSON *gates; /* checked: 1..16 objects with gate, passed, checks, failed */
    cJSON *root;        /* owns the strings above */
};

/*
 * Read report.json bytes (a NUL at data[len]): format "silhouette.report" version 1, created_at,
 * subject.manifest_checksum, policy, passed and gates (strict, and passed
 * agreeing with them). Other keys of the report are not looked at. Release
 * with sil_report_digest_release (also after a failure).
 */
int sil_report_digest_parse(const char *data, size_t len, const char *name,
                            struct sil_report_digest *d, struct sil_err *err) SIL_WUR;
void sil_report_digest_release(struct sil_report_digest *d);

enum sil_endorsement_status {
    SIL_ENDORSEMENT_ABSENT,   /* no endorsement.json */
    SIL_ENDORSEMENT_REJECTED, /* the decision in force is a rejection */
    SIL_ENDORSEMENT_CHANGED,  /* manifest.json or report.json differ from the record */
    SIL_ENDORSEMENT_BOUND     /* endorsed, and both still match: go on with steps 5 and 6 */
};

/*
 * Steps 1 to 4 of the verification of dir/endorsement.json: read it
 * strictly; the decision; BLAKE2b-256 of dir/manifest.json and of
 * dir/report.json against the record; report.json is a report of that
 * manifest. Returns 0 with *status set (and *e filled unless ABSENT; `why`
 * says what differs for CHANGED, what was decided otherwise). Fails (-1)
 * with SIL_EINPUT when the record is malformed or dir unreadable: that is
 * never "not endorsed", the caller refuses with the error.
 */
int sil_endorsement_check(const char *dir, struct sil_endorsement *e,
                          enum sil_endorsement_status *status, char why[512],
                          struct sil_err *err) SIL_WUR;

#endif
