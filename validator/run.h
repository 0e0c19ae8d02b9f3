/* validate-no-pii: options and the run that main() hands off to. */
#ifndef VALIDATOR_RUN_H
#define VALIDATOR_RUN_H

#include <stddef.h>

#include "report.h"
#include "vscan.h"

enum validator_action { VALIDATE_SCAN, VALIDATE_LIST_RULES, VALIDATE_PATTERN, VALIDATE_HASH };

struct validator_opts {
    enum validator_action action;
    enum vscan_mode mode;
    int strict;
    int unsealed;
    size_t max_findings;
    const char *rules_file;     /* user policy, or NULL */
    const char *allowlist_file; /* NULL: the shipped policies/allowlist.json */
    int no_allowlist;
    struct report_opts report;
    char *const *paths;
    size_t npaths;
};

/* Run; returns the exit code (0 clean, 1 findings, 2 usage or input error). */
int validator_run(const struct validator_opts *o);

#endif
