/* Value formatting helpers shared by generation, the output writer and tests. */
#ifndef GEN_VALUES_H
#define GEN_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "shape.h"

/* Decimal form of v; returns the length (no NUL). */
size_t gen_fmt_i64(char *out, int64_t v);
/* PostgreSQL text form of a date (epoch days), time or interval (seconds),
 * or timestamp (epoch seconds); "+00" for the time zone types. */
size_t gen_fmt_time(char *out, enum sil_type_base base, int64_t v);
/* Days since 1970-01-01 to a Gregorian date. */
void gen_civil(int64_t days, int *y, int *m, int *d);

#endif
