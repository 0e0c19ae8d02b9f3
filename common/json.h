/* Strict JSON reading with error paths, and canonical JSON writing, over cJSON. */
#ifndef SIL_JSON_H
#define SIL_JSON_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"

/*
 * Parse a whole file (at most max_bytes; 0 = 256 MiB). On a syntax error the
 * error carries the file, line and column. Caller frees *out with cJSON_Delete.
 */
int sil_json_parse_file(const char *path, size_t max_bytes, cJSON **out,
                        struct sil_err *err) SIL_WUR;
/* Parse a buffer that has a NUL at data[len]; `name` names it in errors (may be NULL). */
int sil_json_parse(const char *data, size_t len, const char *name, cJSON **out,
                   struct sil_err *err) SIL_WUR;

/*
 * A reading context: the error to fill and the JSON path of the node being
 * read, so every message names where it is ("tables[3].columns[1].type").
 * Push a key or index before descending and restore the mark after.
 */
struct sil_jctx {
    struct sil_err *err;
    char path[256];
    size_t len;
};

void sil_jctx_init(struct sil_jctx *c, struct sil_err *err);
size_t sil_jctx_key(struct sil_jctx *c, const char *key);
size_t sil_jctx_index(struct sil_jctx *c, size_t i);
void sil_jctx_restore(struct sil_jctx *c, size_t mark);
/* Fail at the current path. Always returns -1. */
int sil_jctx_fail(struct sil_jctx *c, const char *fmt, ...) SIL_PRINTF(2, 3);
/* Fail at the current path + key. Always returns -1. */
int sil_jctx_fail_at(struct sil_jctx *c, const char *key, const char *fmt, ...) SIL_PRINTF(3, 4);

/*
 * Require `node` to be an object whose keys are all in the NULL-terminated
 * `allowed` list, each at most once. Unknown and duplicate keys are errors:
 * an unexpected field could smuggle data past a reader that ignores it.
 */
int sil_json_check_object(struct sil_jctx *c, const cJSON *node,
                          const char *const *allowed) SIL_WUR;

/*
 * Typed member access. `required` = 0 leaves *out untouched when the key is
 * absent (and returns 0). JSON null counts as absent only where noted.
 */
int sil_json_str(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                 size_t max_len, const char **out) SIL_WUR;
int sil_json_int(struct sil_jctx *c, const cJSON *obj, const char *key, int required, int64_t min,
                 int64_t max, int64_t *out) SIL_WUR;
int sil_json_num(struct sil_jctx *c, const cJSON *obj, const char *key, int required, double min,
                 double max, double *out) SIL_WUR;
int sil_json_bool(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                  int *out) SIL_WUR;
int sil_json_array(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                   const cJSON **out) SIL_WUR;
int sil_json_object(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                    const cJSON **out) SIL_WUR;
/* Member lookup by exact key; NULL when absent. */
const cJSON *sil_json_get(const cJSON *obj, const char *key);
/* An integral JSON number within [min,max]. */
int sil_json_is_int(const cJSON *n, int64_t min, int64_t max);

/*
 * Canonical text: two-space indentation, members in insertion order, arrays
 * of scalars on one line, numbers as integers when integral (|v| < 2^53) and
 * otherwise in the shortest form that reads back to the same double,
 * non-ASCII UTF-8 kept as is, control characters as \u00XX. Same tree, same
 * bytes. Ends with a newline. Non-finite numbers are a bug.
 */
void sil_json_write(const cJSON *node, struct sil_buf *out);
/* Compact single-line form with the same number and string rules. */
void sil_json_write_compact(const cJSON *node, struct sil_buf *out);
/* Append one JSON string literal. */
void sil_json_write_string(struct sil_buf *out, const char *s);
/* Append one number in canonical form. */
void sil_json_write_number(struct sil_buf *out, double v);

/* Allocation-checked builders (cJSON returns NULL on OOM; these abort). */
cJSON *sil_jnew_object(void);
cJSON *sil_jnew_array(void);
cJSON *sil_jadd_object(cJSON *parent, const char *key);
cJSON *sil_jadd_array(cJSON *parent, const char *key);
void sil_jadd_str(cJSON *obj, const char *key, const char *s);
void sil_jadd_num(cJSON *obj, const char *key, double v);
void sil_jadd_bool(cJSON *obj, const char *key, int v);
void sil_jadd_null(cJSON *obj, const char *key);
void sil_jpush_str(cJSON *arr, const char *s);
void sil_jpush_num(cJSON *arr, double v);
void sil_jpush(cJSON *arr, cJSON *item);
void sil_jadd(cJSON *obj, const char *key, cJSON *item);

#endif
