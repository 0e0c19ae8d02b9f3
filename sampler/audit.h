/*
 * The audit log: one JSON object per line for every statement the sampler
 * sends to a server (time, statement, duration, rows returned, error) or
 * every HTTP request it makes (time, method, URL, status, bytes), so a
 * reviewer can see everything that was asked of production. Lines are
 * appended and flushed as they happen; the log is never truncated. The shape
 * records the log's BLAKE2b-256 checksum after the run's last line.
 */
#ifndef SAMPLER_AUDIT_H
#define SAMPLER_AUDIT_H

#include <stdint.h>

#include "checksum.h"
#include "err.h"

struct sampler_audit;

/* Open (create with mode 0600, or append to) the log at `path`. */
struct sampler_audit *sampler_audit_open(const char *path, struct sil_err *err) SIL_WUR;

/*
 * Record one statement. `rows` is -1 when the statement returned no rows
 * (SET, BEGIN); `error` is NULL on success, else "SQLSTATE: message".
 * Fails only on a write error.
 */
int sampler_audit_statement(struct sampler_audit *a, const char *sql, double seconds, int64_t rows,
                            const char *error, struct sil_err *err) SIL_WUR;

/*
 * Record one HTTP request (REST sources): method, the URL with any secret in
 * its query string already masked by the caller, the status (0 when no
 * response came), the bytes of the body received and, on failure, the
 * transport error. Bodies are never logged.
 */
int sampler_audit_request(struct sampler_audit *a, const char *method, const char *url, long status,
                          int64_t bytes, double seconds, const char *error,
                          struct sil_err *err) SIL_WUR;

/* Lines (statements or requests) recorded by this handle. */
int64_t sampler_audit_count(const struct sampler_audit *a);

/*
 * Close the log and give its checksum (of the whole file). NULL a is an
 * error. The handle is freed either way.
 */
int sampler_audit_close(struct sampler_audit *a, char sum[SIL_CHECKSUM_SIZE],
                        struct sil_err *err) SIL_WUR;
/* Close without a checksum (error paths). NULL is a no-op. */
void sampler_audit_abandon(struct sampler_audit *a);

#endif
