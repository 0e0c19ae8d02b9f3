/* validate-no-pii reports: human text, JSON and SARIF 2.1.0; never a value in clear. */
#ifndef VALIDATOR_REPORT_H
#define VALIDATOR_REPORT_H

#include <stdio.h>

#include "allowlist.h"
#include "rules.h"
#include "vscan.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_SARIF };

struct report_opts {
    enum report_format format;
    int show_hashes; /* include each value's BLAKE2b hash (for writing allowlist entries) */
};

/* Write the findings and the summary to out. */
void report_write(FILE *out, const struct report_opts *o, const struct sil_rules *rules,
                  const struct vreport *rep, const struct allowlist *allow);

/* The one-line summary: "2 findings in 1 of 3 files (email 1, phone-us 1); 1 allowed". */
void report_summary(const struct vreport *rep, struct sil_buf *out);

#endif
