/* Finding the shipped policy files (policies/) from any install or build layout. */
#ifndef SIL_POLICY_H
#define SIL_POLICY_H

#include "err.h"

/*
 * The path of the shipped policy file `name` (e.g. "pii-rules.json"), looked
 * up in order: $SILHOUETTE_POLICY_DIR, ../policies next to the running
 * binary (a build tree), then the install directory (PREFIX/share/silhouette
 * /policies). Returns a path the caller frees, or NULL with err set naming
 * the places searched.
 */
char *sil_policy_path(const char *name, struct sil_err *err) SIL_WUR;

#endif
