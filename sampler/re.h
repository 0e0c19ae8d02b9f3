/* PCRE2 with 8-bit code units, the width every silhouette module uses. */
#ifndef SAMPLER_RE_H
#define SAMPLER_RE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#endif
