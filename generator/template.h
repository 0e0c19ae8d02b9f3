/*
 * The users' JSON metadata template: entities with row_count and fields
 * with type, pii, primary_key, foreign_key ("teams.id"), faker_method and
 * faker_args, plus relationships. A template alone becomes a shape (source
 * kind "template"); with a shape, it overrides row counts and value kinds
 * and supplies missing tables and columns. docs/generator.md describes it.
 */
#ifndef GEN_TEMPLATE_H
#define GEN_TEMPLATE_H

#include "checksum.h"
#include "err.h"
#include "plan.h"
#include "shape.h"

struct gen_template;

/* Read strictly: unknown keys, wrong types and dangling references are
 * errors naming the JSON path. */
struct gen_template *gen_template_read(const char *path, struct sil_err *err) SIL_WUR;
struct gen_template *gen_template_parse(const char *data, size_t len, const char *name,
                                        struct sil_err *err) SIL_WUR;
void gen_template_free(struct gen_template *t);
/* BLAKE2b of the file bytes. */
const char *gen_template_checksum(const struct gen_template *t);
/* The template's locale, or NULL. */
const char *gen_template_locale(const struct gen_template *t);

/*
 * Apply to `base` (NULL: build a new shape from the template alone).
 * Returns the effective shape (base itself, modified, or a new one) or NULL
 * with err set; on failure base is freed too.
 */
struct sil_shape *gen_template_apply(const struct gen_template *t, struct sil_shape *base,
                                     struct sil_err *err) SIL_WUR;
/* The faker override of a column, or NULL. */
/* The classification a faker method's values have (public for none). */
enum sil_class gen_faker_class(enum gen_faker f);
const struct gen_faker_spec *gen_template_faker(const struct gen_template *t, const char *schema,
                                                const char *table, const char *column);
/* Whether the template set the row count of a table (for the manifest). */
int gen_template_sets_rows(const struct gen_template *t, const char *schema, const char *table);
/* Faker method name <-> enum. */
const char *gen_faker_name(enum gen_faker f);
/* The longest subject name of a "calibration" record (32 key columns of 63 bytes fit). */
#define GEN_CAL_SUBJECT_MAX 4096
/* Statistic names a template's "calibration" record may hold (NULL-terminated). */
extern const char *const gen_calibration_stats[];
int gen_faker_parse(const char *s, enum gen_faker *out) SIL_WUR;

#endif
