/*
 * The environment policy (policies/environments.json): which database
 * targets the loader may write to. A target must match an allowed target
 * rule and no deny rule; a database whose marker says production is refused
 * whatever the file says; an unmarked database needs --allow-unmarked.
 * docs/loader.md describes the file.
 */
#ifndef LOADER_ENVPOLICY_H
#define LOADER_ENVPOLICY_H

#include "err.h"

#define LOADER_ENV_FORMAT  "silhouette.environments"
#define LOADER_ENV_VERSION 1
/* ALTER DATABASE ... SET silhouette.environment = '...' */
#define LOADER_MARKER_SETTING    "silhouette.environment"
#define LOADER_MARKER_PRODUCTION "production"

/* What the loader is connected to, as libpq reports it. */
struct loader_target {
    const char *host;     /* host name, address or unix socket directory */
    const char *hostaddr; /* numeric address of a TCP connection, or "" */
    int port;
    const char *dbname;
    const char *user;
};

struct loader_envpolicy;

/* Read a policy file strictly. SIL_EINPUT naming the JSON path on error. */
struct loader_envpolicy *loader_envpolicy_read(const char *path, struct sil_err *err) SIL_WUR;
struct loader_envpolicy *loader_envpolicy_parse(const char *data, size_t len, const char *name,
                                                struct sil_err *err) SIL_WUR;
void loader_envpolicy_free(struct loader_envpolicy *p);

/*
 * Host, port, database and user rules. Fails with SIL_EPOLICY naming the
 * deny rule that matched, or saying no target rule allows the target. On
 * success *target_name is the allowing rule's name (owned by the policy) and
 * *require_endorsement its require_endorsement (0 when absent): the output
 * must then carry an endorsement still bound to it (loader/endorse.h).
 */
int loader_envpolicy_check(const struct loader_envpolicy *p, const struct loader_target *t,
                           const char **target_name, int *require_endorsement,
                           struct sil_err *err) SIL_WUR;

/*
 * The database marker: `marker` is the value of silhouette.environment set
 * on the database (NULL when unset). Production is always refused; other
 * values must be listed in allowed_markers; unset needs allow_unmarked.
 */
int loader_envpolicy_marker(const struct loader_envpolicy *p, const char *marker,
                            int allow_unmarked, struct sil_err *err) SIL_WUR;

/* Render a target for messages and reports: "host=... port=... dbname=... user=..." (no
 * password, ever). Caller frees. */
char *loader_target_describe(const struct loader_target *t);

#endif
