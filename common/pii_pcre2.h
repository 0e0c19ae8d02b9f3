/* The one place PCRE2_CODE_UNIT_WIDTH is set: include this instead of <pcre2.h>. */
#ifndef SIL_PII_PCRE2_H
#define SIL_PII_PCRE2_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#endif
