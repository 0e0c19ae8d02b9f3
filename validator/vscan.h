/*
 * validate-no-pii's job: scan files and directories (shape files with the
 * structure-aware check, anything else line by line), apply the allowlist,
 * and collect findings for the report.
 */
#ifndef VALIDATOR_VSCAN_H
#define VALIDATOR_VSCAN_H

#include <stddef.h>

#include "allowlist.h"
#include "rules.h"
#include "shapescan.h"

enum vscan_mode { VSCAN_AUTO, VSCAN_GENERIC, VSCAN_SHAPE };

struct vscan_opts {
    enum vscan_mode mode;
    unsigned flags;                /* SIL_SCAN_STRICT, SIL_SHAPESCAN_UNSEALED */
    size_t max_findings;           /* 0 = no limit */
    const struct allowlist *allow; /* may be NULL */
};

/* One finding, owned by the report (strings copied). */
struct vfinding {
    char *file;
    char *path;
    int line, column;
    char *rule;
    enum sil_class kind;
    enum sil_rule_severity severity;
    char *masked;
    char *message;
    char value_hash[SIL_CHECKSUM_SIZE];
    enum sil_decoding decoded;
};

struct vreport {
    struct vfinding *v;
    size_t n, cap;
    size_t files, files_with_findings, bytes;
    size_t allowed;   /* findings an allowlist entry covered */
    int truncated;    /* stopped at max_findings */
    int input_errors; /* files that could not be read or parsed */
};

void vreport_init(struct vreport *r);
void vreport_release(struct vreport *r);

/*
 * Scan every path (files, directories recursively -- symlinks and .git,
 * .hg, .svn are skipped -- or "-" for standard input). Unreadable or
 * unparsable inputs are logged and counted in input_errors; scanning goes
 * on with the next path.
 */
void vscan_paths(struct sil_rscan *sc, const struct vscan_opts *o, char *const *paths,
                 size_t npaths, struct vreport *rep);

#endif
