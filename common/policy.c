/* Policy file lookup. */
#include "policy.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

#ifndef SIL_POLICY_DIR
#define SIL_POLICY_DIR "/usr/local/share/silhouette/policies"
#endif

char *sil_policy_path(const char *name, struct sil_err *err)
{
    const char *env = getenv("SILHOUETTE_POLICY_DIR");
    if (env && *env) {
        char *p = sil_xasprintf("%s/%s", env, name);
        if (sil_path_exists(p))
            return p;
        free(p);
        sil_err_set(err, SIL_EINPUT, "policy file '%s' is not in $SILHOUETTE_POLICY_DIR (%s)", name,
                    env);
        return NULL;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = sil_dirname(exe);
        char *p = sil_xasprintf("%s/../policies/%s", dir, name);
        free(dir);
        if (sil_path_exists(p))
            return p;
        free(p);
    }
    char *p = sil_xasprintf("%s/%s", SIL_POLICY_DIR, name);
    if (sil_path_exists(p))
        return p;
    free(p);
    sil_err_set(err, SIL_EINPUT,
                "policy file '%s' not found (looked in ../policies next to the binary and %s)",
                name, SIL_POLICY_DIR);
    sil_err_hint(err, "set SILHOUETTE_POLICY_DIR or pass the file explicitly");
    return NULL;
}
