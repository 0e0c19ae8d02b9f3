/*
 * The allowlist: findings a person reviewed and accepted, each entry naming
 * a JSON path or the BLAKE2b-256 hash of the value (never the value), with
 * a reason and an expiry date after which the entry stops working.
 */
#ifndef VALIDATOR_ALLOWLIST_H
#define VALIDATOR_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ALLOWLIST_FORMAT "silhouette.allowlist"

struct allowlist;

/*
 * Read an allowlist. `today` is the day (UTC, days since 1970-01-01)
 * against which expiry is judged. Fails with SIL_EINPUT naming the file and
 * the JSON path.
 */
struct allowlist *allowlist_load(const char *path, int64_t today, struct sil_err *err) SIL_WUR;
void allowlist_free(struct allowlist *a);

/*
 * Does a live entry cover this finding? path may be "" (text input); file
 * is the input's name as given. Marks the entry used.
 */
int allowlist_covers(const struct allowlist *a, const char *file, const char *path,
                     const char *rule, const char *value_hash);

size_t allowlist_count(const struct allowlist *a);
/* Entry i: its expiry "YYYY-MM-DD", reason, whether it expired and whether it was used. */
void allowlist_entry(const struct allowlist *a, size_t i, const char **expires, const char **reason,
                     int *expired, int *used);
/* The file it was read from. */
const char *allowlist_file(const struct allowlist *a);

/* Days since 1970-01-01 of a "YYYY-MM-DD" date; -1 when malformed or invalid. */
int64_t allowlist_day(const char *s);
/* Today (UTC) in days since 1970-01-01. */
int64_t allowlist_today(void);

#endif
