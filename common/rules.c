/* PII rule engine: policy loading, PCRE2 JIT compilation, prefiltered linear scanning. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json.h"
#include "pii_decode.h"
#include "pii_dict.h"
#include "pii_pcre2.h"
#include "policy.h"
#include "sil.h"

enum rtype { R_REGEX, R_NAMES, R_NAMEDATE, R_BUILTIN };

#define DICT_FIRST     1u
#define DICT_LAST      2u
#define WORD_BIT0      2 /* keyword-trigger rules use dictionary bits 2..63 */
#define MARGIN_DEFAULT 24
#define EXTEND_MAX     64 /* how far a window grows to reach a word boundary */
#define SHARP_MAX      4  /* start bytes of a pattern that gets its own lead mask */

/*
 * The scanning functions are compiled twice on x86-64, for the baseline and for
 * x86-64-v3 (popcnt, tzcnt, BMI2 shifts), and the loader picks one for the CPU.
 * GCC only: clang 14 renames exported clones and miscalls forward-declared ones.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((target_clones("default", "arch=x86-64-v3")))
#else
#define HOT
#endif
#define DECODE_MIN   8 /* shortest base64 / hex run worth decoding */
#define DECODE_DEPTH 2 /* decoded text is decoded again at most this often */
#define MATCH_LIMIT  200000u
#define DEPTH_LIMIT  20000u

struct rule {
    struct sil_rule_info info;
    enum rtype t;
    char *pattern;
    int caseless;
    pcre2_code *re;
    int jit;
    /* What a match can start with (from PCRE2), and whether the byte before must be a non-word
     * byte (the pattern opens with a lookbehind that refuses \w): a window without such a start
     * is skipped without calling PCRE2. */
    int has_start, start_nonword;
    int sharp; /* start_nonword with at most SHARP_MAX start bytes: in lead2_set */
    unsigned char start[256];
    enum sil_pii_validator validator;
    char country[3];
    /* trigger */
    int always;
    int min_digits; /* 0 = no digit trigger */
    int min_dots;   /* the digit cluster must also hold this many '.' */
    int min_seps;   /* ... and this many separators between its digits */
    char *chars;    /* trigger bytes, or NULL */
    int ipv6;
    char **words, **suffixes;
    size_t nwords, nsuffixes;
    int word_bit; /* -1 or the dictionary bit for its words */
    int margin;
    /* names */
    char *first_path, *last_path;
};

struct cls;
struct sil_rules;

/*
 * A set of bytes, in the forms the vector classifiers use. They mark its ASCII
 * members exactly, and every byte >= 0x80 when it has any such member: a superset,
 * which the attention and lead masks allow (whoever reads them checks the byte).
 * SSE2 compares byte by byte and marks every byte of a set of more than 16 ASCII
 * members; it is used only when the attention and stop sets are small enough, so
 * only the start-byte (lead) masks can be that coarse.
 */
struct bset {
    unsigned char lo[16];   /* by nibbles: lo[low] has bit h when (h << 4 | low) is in the set */
    unsigned char list[16]; /* the ASCII members, for SSE2 */
    int nlist;              /* -1: more than 16 */
    int high;               /* some member is >= 0x80 */
};
/* Classify nb consecutive 64-byte blocks at p into o[0..nb). */
typedef void (*classify_fn)(const struct sil_rules *r, const unsigned char *p, size_t nb,
                            struct cls *o);

struct sil_rules {
    struct rule *v;
    size_t n, cap;
    struct sil_pii_dict *dict;
    long names_rule, namedate_rule, limit_rule;
    size_t word_rule[64];    /* dictionary bit -> rule index */
    int min_digits;          /* smallest digit trigger, 0 = none */
    unsigned char trig[256]; /* byte is a trigger character of some rule */
    int any_ipv6, any_always, any_suffix;
    unsigned char ctab[256]; /* character classes for the prefilter */
    size_t *dig;             /* rules with a digit trigger, by min_digits ascending */
    size_t ndig;
    int any_min_dots;
    int clus_min;        /* the shortest cluster that can trigger a rule, at most 8 bytes */
    size_t sharp_margin; /* the widest margin of a sharp digit rule */
    /*
     * Byte sets the classifier marks: attention bytes (trigger characters, ':' for IPv6,
     * '%' and '\\' for escapes), the bytes a lookbehind-guarded pattern can start with
     * (lead), and the bytes that stop a window's growth.
     */
    struct bset attn_set, lead_set, lead2_set, stop_set;
    int lead_ok;          /* may_start can use the lead mask (always, with the classifiers here) */
    uint16_t bclass[256]; /* B_* bits of every byte */
    classify_fn classify; /* the block classifier this machine runs */
    struct sil_pii_dict_filter dfilter;
    char **disabled;
    size_t ndisabled, disabledcap;
};

enum {
    C_DIGIT = 1,
    C_ALPHA = 2,
    C_SEP = 4, /* joins the digits of one number: " -./()+" */
    C_B64 = 8,
    C_HEX = 16,
    C_SPACE = 32,
    C_V6 = 64,   /* hex digits, ':' and '.' */
    C_STOP = 128 /* ends a window's growth: blanks and "{}<>|;,= */
};

static void ctab_init(unsigned char *t)
{
    for (int c = 0; c < 256; c++) {
        unsigned char k = 0;
        if (c >= '0' && c <= '9')
            k |= C_DIGIT | C_B64 | C_HEX | C_V6;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80)
            k |= C_ALPHA;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/' || c == '_' ||
            c == '-')
            k |= C_B64;
        if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            k |= C_HEX | C_V6;
        if (c == ':' || c == '.')
            k |= C_V6;
        if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '+')
            k |= C_SEP;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
            k |= C_SPACE | C_STOP;
        if (c == '"' || c == '{' || c == '}' || c == '<' || c == '>' || c == '|' || c == ';' ||
            c == ',' || c == '=')
            k |= C_STOP;
        t[c] = k;
    }
}

/* ---- loading ---- */

static void rule_release(struct rule *r)
{
    free((char *)r->info.id);
    free((char *)r->info.description);
    free((char *)r->info.origin);
    free(r->pattern);
    free(r->chars);
    for (size_t i = 0; i < r->nwords; i++)
        free(r->words[i]);
    for (size_t i = 0; i < r->nsuffixes; i++)
        free(r->suffixes[i]);
    free(r->words);
    free(r->suffixes);
    free(r->first_path);
    free(r->last_path);
    pcre2_code_free(r->re);
    memset(r, 0, sizeof *r);
}

void sil_rules_free(struct sil_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        rule_release(&r->v[i]);
    free(r->v);
    free(r->dig);
    for (size_t i = 0; i < r->ndisabled; i++)
        free(r->disabled[i]);
    free(r->disabled);
    sil_pii_dict_free(r->dict);
    free(r);
}

static const char *const severity_names[] = {"", "low", "medium", "high", NULL};
static const char *const mask_names[] = {"generic", "email", "card", "words", "head", "blob", NULL};

static int index_in(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static enum sil_pii_mask_style mask_for(enum sil_class k)
{
    switch (k) {
    case SIL_CLASS_PERSONAL_EMAIL:
        return SIL_MASK_EMAIL;
    case SIL_CLASS_PERSONAL_CARD:
        return SIL_MASK_CARD;
    case SIL_CLASS_PERSONAL_NAME:
    case SIL_CLASS_PERSONAL_FIRST_NAME:
    case SIL_CLASS_PERSONAL_LAST_NAME:
    case SIL_CLASS_PERSONAL_ADDRESS:
    case SIL_CLASS_PERSONAL_STREET:
        return SIL_MASK_WORDS;
    case SIL_CLASS_PERSONAL_BIRTH_DATE:
        return SIL_MASK_HEAD;
    default:
        return SIL_MASK_GENERIC;
    }
}

static char *path_near(const char *policy, const char *rel)
{
    if (rel[0] == '/')
        return sil_xstrdup(rel);
    char *dir = sil_dirname(policy);
    char *p = sil_xasprintf("%s/%s", dir, rel);
    free(dir);
    return p;
}

static int read_strings(struct sil_jctx *c, const cJSON *o, const char *key, char ***out, size_t *n)
{
    const cJSON *arr = NULL;
    if (sil_json_array(c, o, key, 0, &arr) < 0)
        return -1;
    if (!arr)
        return 0;
    size_t mark = sil_jctx_key(c, key), i = 0, cnt = (size_t)cJSON_GetArraySize(arr);
    *out = sil_xcalloc(cnt ? cnt : 1, sizeof **out);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = sil_jctx_index(c, i);
        if (!cJSON_IsString(e) || !*e->valuestring || strlen(e->valuestring) > SIL_PII_WORD_MAX)
            return sil_jctx_fail(c, "expected a word of 1 to %d bytes", SIL_PII_WORD_MAX);
        (*out)[(*n)++] = sil_xstrdup(e->valuestring);
        sil_jctx_restore(c, m2);
    }
    sil_jctx_restore(c, mark);
    return 0;
}

static int read_rule(struct sil_jctx *c, const cJSON *o, const char *file, struct rule *r)
{
    static const char *const keys[] = {
        "id",        "type",    "kind",    "severity", "description", "pattern", "case_insensitive",
        "validator", "country", "trigger", "mask",     "first",       "last",    NULL};
    static const char *const tkeys[] = {"min_digits", "min_dots", "min_seps", "chars", "words",
                                        "suffixes",   "ipv6",     "margin",   NULL};
    static const char *const types[] = {"regex", "names", "name-date", NULL};
    const char *id = NULL, *type = "regex", *kind = NULL, *sev = "high", *desc = NULL, *pat = NULL,
               *val = "none", *country = NULL, *mask = NULL, *first = NULL, *last = NULL;
    const cJSON *trig = NULL;
    memset(r, 0, sizeof *r);
    r->word_bit = -1;
    r->margin = MARGIN_DEFAULT;
    if (sil_json_check_object(c, o, keys) < 0 || sil_json_str(c, o, "id", 1, 64, &id) < 0 ||
        sil_json_str(c, o, "type", 0, 0, &type) < 0 ||
        sil_json_str(c, o, "kind", 1, 0, &kind) < 0 ||
        sil_json_str(c, o, "severity", 0, 0, &sev) < 0 ||
        sil_json_str(c, o, "description", 1, 512, &desc) < 0 ||
        sil_json_str(c, o, "pattern", 0, 8192, &pat) < 0 ||
        sil_json_bool(c, o, "case_insensitive", 0, &r->caseless) < 0 ||
        sil_json_str(c, o, "validator", 0, 0, &val) < 0 ||
        sil_json_str(c, o, "country", 0, 2, &country) < 0 ||
        sil_json_object(c, o, "trigger", 0, &trig) < 0 ||
        sil_json_str(c, o, "mask", 0, 0, &mask) < 0 ||
        sil_json_str(c, o, "first", 0, 0, &first) < 0 ||
        sil_json_str(c, o, "last", 0, 0, &last) < 0)
        return -1;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return sil_jctx_fail_at(c, "id", "rule ids use a-z, 0-9, '-' and '_' only");
    int ti = index_in(types, type);
    if (ti < 0)
        return sil_jctx_fail_at(c, "type", "unknown rule type \"%.32s\" (regex, names, name-date)",
                                type);
    r->t = ti == 0 ? R_REGEX : ti == 1 ? R_NAMES : R_NAMEDATE;
    enum sil_class k;
    if (sil_class_parse(kind, &k) < 0 || !sil_class_is_personal(k))
        return sil_jctx_fail_at(c, "kind", "\"%.32s\" is not a personal:* classification", kind);
    int s = index_in(severity_names, sev);
    if (s < 1)
        return sil_jctx_fail_at(c, "severity", "expected low, medium or high");
    if (sil_pii_validator_parse(val, &r->validator) < 0)
        return sil_jctx_fail_at(c, "validator",
                                "unknown validator \"%.32s\" (none, luhn, card, iban, ssn, "
                                "personnummer, samordningsnummer, date, email, phone, ipv4, "
                                "ipv6)",
                                val);
    r->info.mask = mask_for(k);
    if (mask) {
        int mi = index_in(mask_names, mask);
        if (mi < 0)
            return sil_jctx_fail_at(
                c, "mask", "unknown mask \"%.16s\" (generic, email, card, words, head, blob)",
                mask);
        r->info.mask = (enum sil_pii_mask_style)mi;
    }
    if (r->t == R_REGEX && !pat)
        return sil_jctx_fail_at(c, "pattern", "required key is missing for a regex rule");
    if (r->t != R_REGEX && pat)
        return sil_jctx_fail_at(c, "pattern", "only regex rules take a pattern");
    if (r->t != R_REGEX && trig)
        return sil_jctx_fail_at(c, "trigger", "only regex rules take a trigger");
    if (r->t == R_NAMES && (!first || !last))
        return sil_jctx_fail(c, "a names rule needs \"first\" and \"last\" word lists");
    if (country) {
        if (strlen(country) != 2)
            return sil_jctx_fail_at(c, "country", "expected a two-letter country code");
        memcpy(r->country, country, 3);
    }
    r->info.id = sil_xstrdup(id);
    r->info.description = sil_xstrdup(desc);
    r->info.kind = k;
    r->info.severity = (enum sil_rule_severity)s;
    r->info.type = types[ti];
    r->info.origin = sil_xstrdup(file);
    r->pattern = pat ? sil_xstrdup(pat) : NULL;
    if (first)
        r->first_path = path_near(file, first);
    if (last)
        r->last_path = path_near(file, last);
    if (r->t == R_REGEX && !trig) {
        r->always = 1;
    } else if (trig) {
        size_t mark = sil_jctx_key(c, "trigger");
        int64_t md = 0, mdots = 0, mseps = 0, margin = MARGIN_DEFAULT;
        const char *chars = NULL;
        if (sil_json_check_object(c, trig, tkeys) < 0 ||
            sil_json_int(c, trig, "min_digits", 0, 1, 64, &md) < 0 ||
            sil_json_int(c, trig, "min_dots", 0, 0, 16, &mdots) < 0 ||
            sil_json_int(c, trig, "min_seps", 0, 0, 16, &mseps) < 0 ||
            sil_json_str(c, trig, "chars", 0, 16, &chars) < 0 ||
            sil_json_bool(c, trig, "ipv6", 0, &r->ipv6) < 0 ||
            sil_json_int(c, trig, "margin", 0, 0, 256, &margin) < 0 ||
            read_strings(c, trig, "words", &r->words, &r->nwords) < 0 ||
            read_strings(c, trig, "suffixes", &r->suffixes, &r->nsuffixes) < 0)
            return -1;
        r->min_digits = (int)md;
        r->min_dots = (int)mdots;
        r->min_seps = (int)mseps;
        if (mdots && !md)
            return sil_jctx_fail_at(c, "min_dots", "min_dots needs min_digits");
        if (mseps && !md)
            return sil_jctx_fail_at(c, "min_seps", "min_seps needs min_digits");
        if (mdots > mseps && mseps)
            return sil_jctx_fail_at(c, "min_seps",
                                    "dots are separators too: min_seps below min_dots");
        r->margin = (int)margin;
        r->chars = chars && *chars ? sil_xstrdup(chars) : NULL;
        if (!r->min_digits && !r->chars && !r->ipv6 && !r->nwords && !r->nsuffixes)
            return sil_jctx_fail(c, "a trigger needs min_digits, chars, words, suffixes or ipv6 "
                                    "(leave \"trigger\" out to run the rule on all text)");
        sil_jctx_restore(c, mark);
    }
    return 0;
}

static long find_rule(const struct sil_rules *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].info.id, id) == 0)
            return (long)i;
    return -1;
}

long sil_rules_find(const struct sil_rules *r, const char *id)
{
    return find_rule(r, id);
}

static int load_file(struct sil_rules *rs, const char *path, int user, struct sil_err *err)
{
    static const char *const keys[] = {"format", "version", "description",
                                       "rules",  "disable", NULL};
    cJSON *root = NULL;
    struct sil_jctx c;
    const char *fmt = NULL, *desc = NULL;
    int64_t version = 0;
    const cJSON *rules = NULL, *dis = NULL;
    int rc = -1;
    if (sil_json_parse_file(path, (size_t)4 << 20, &root, err) < 0)
        return -1;
    sil_jctx_init(&c, err);
    if (!cJSON_IsObject(root)) {
        sil_jctx_fail(&c, "expected a rules object");
        goto out;
    }
    if (sil_json_check_object(&c, root, keys) < 0 ||
        sil_json_str(&c, root, "format", 1, 0, &fmt) < 0 ||
        sil_json_int(&c, root, "version", 1, 1, 1000, &version) < 0 ||
        sil_json_str(&c, root, "description", 0, 0, &desc) < 0 ||
        sil_json_array(&c, root, "rules", !user, &rules) < 0 ||
        sil_json_array(&c, root, "disable", 0, &dis) < 0)
        goto out;
    if (strcmp(fmt, SIL_RULES_FORMAT) != 0) {
        sil_jctx_fail_at(&c, "format", "not a rules file (expected \"%s\")", SIL_RULES_FORMAT);
        goto out;
    }
    if (version != SIL_RULES_VERSION) {
        sil_jctx_fail_at(&c, "version", "unsupported rules version %lld (this build knows %d)",
                         (long long)version, SIL_RULES_VERSION);
        goto out;
    }
    if (dis) {
        if (!user) {
            sil_jctx_fail_at(&c, "disable", "only a user policy disables rules");
            goto out;
        }
        size_t mark = sil_jctx_key(&c, "disable"), i = 0;
        for (const cJSON *e = dis->child; e; e = e->next, i++) {
            size_t m2 = sil_jctx_index(&c, i);
            long at;
            if (!cJSON_IsString(e)) {
                sil_jctx_fail(&c, "expected a rule id");
                goto out;
            }
            at = find_rule(rs, e->valuestring);
            if (at < 0) {
                sil_jctx_fail(&c, "no shipped rule has the id \"%.64s\"", e->valuestring);
                sil_err_hint(err, "validate-no-pii --list-rules shows the ids");
                goto out;
            }
            rule_release(&rs->v[at]);
            memmove(&rs->v[at], &rs->v[at + 1], (rs->n - (size_t)at - 1) * sizeof *rs->v);
            rs->n--;
            rs->disabled =
                sil_xgrow(rs->disabled, sizeof *rs->disabled, rs->ndisabled + 2, &rs->disabledcap);
            rs->disabled[rs->ndisabled++] = sil_xstrdup(e->valuestring);
            rs->disabled[rs->ndisabled] = NULL;
            sil_jctx_restore(&c, m2);
        }
        sil_jctx_restore(&c, mark);
    }
    if (rules) {
        size_t mark = sil_jctx_key(&c, "rules"), i = 0;
        for (const cJSON *e = rules->child; e; e = e->next, i++) {
            size_t m2 = sil_jctx_index(&c, i);
            struct rule nr;
            if (read_rule(&c, e, path, &nr) < 0) {
                rule_release(&nr);
                goto out;
            }
            long at = find_rule(rs, nr.info.id);
            if (at >= 0 && !user) {
                rule_release(&nr);
                sil_jctx_fail_at(&c, "id", "duplicate rule id");
                goto out;
            }
            if (at >= 0) {
                rule_release(&rs->v[at]);
                rs->v[at] = nr;
            } else {
                rs->v = sil_xgrow(rs->v, sizeof *rs->v, rs->n + 1, &rs->cap);
                rs->v[rs->n++] = nr;
            }
            sil_jctx_restore(&c, m2);
        }
        sil_jctx_restore(&c, mark);
    }
    rc = 0;
out:
    if (rc < 0)
        sil_err_file(err, path);
    cJSON_Delete(root);
    return rc;
}

/*
 * Does the pattern open with a negative lookbehind on a class that holds \w, covering
 * every alternative (no top-level '|' after it)? Then a match never starts right after
 * a word byte. Anything this reading is unsure of answers no.
 */
SIL_STATIC int opens_with_nonword_lookbehind(const char *p)
{
    if (strncmp(p, "(?<![", 5) != 0)
        return 0;
    const char *q = p + 5;
    int word = 0;
    if (*q == '^' || *q == ']')
        return 0;
    for (; *q && *q != ']'; q++) {
        if (*q == '[')
            return 0; /* POSIX classes and such: not worth reading */
        if (*q == '\\') {
            if (!q[1])
                return 0;
            word |= q[1] == 'w';
            q++;
        }
    }
    if (q[0] != ']' || q[1] != ')' || !word)
        return 0;
    if (strstr(q, "\\Q") || strstr(q, "(?#") || strstr(q, "(?x") || strstr(q, "(?|") ||
        strstr(q, "(*"))
        return 0;
    int depth = 0, in_class = 0;
    for (q += 2; *q; q++) {
        if (*q == '\\') {
            if (!q[1])
                return 0;
            q++;
        } else if (in_class) {
            if (*q == '[' && q[1] == ':')
                return 0;
            if (*q == ']')
                in_class = 0;
        } else if (*q == '[') {
            in_class = 1;
            if (q[1] == '^')
                q++;
            if (q[1] == ']')
                q++; /* a ']' first in a class is a literal */
        } else if (*q == '(') {
            depth++;
        } else if (*q == ')') {
            if (--depth < 0)
                return 0;
        } else if (*q == '|' && depth == 0) {
            return 0;
        }
    }
    return depth == 0 && !in_class;
}

static void start_set(struct rule *r)
{
    uint32_t type = 0, unit = 0;
    const uint8_t *bitmap = NULL;
    memset(r->start, 0, sizeof r->start);
    r->has_start = 0;
    if (pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODETYPE, &type) != 0)
        return;
    if (type == 1 && pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 &&
        unit < 256) {
        r->start[unit] = 1;
        if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z')
            r->start[unit ^ 0x20] = 1; /* caseless or not: both cases are safe */
        r->has_start = 1;
    } else if (type == 0 && pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 &&
               bitmap) {
        for (int c = 0; c < 256; c++)
            r->start[c] = (bitmap[c / 8] >> (c % 8)) & 1;
        r->has_start = 1;
    }
    r->start_nonword = r->has_start && opens_with_nonword_lookbehind(r->pattern);
}

static int compile_rule(struct sil_rules *rs, size_t idx, struct sil_err *err)
{
    struct rule *r = &rs->v[idx];
    if (r->t == R_NAMES) {
        long a = sil_pii_dict_load(rs->dict, r->first_path, DICT_FIRST, err);
        long b = a < 0 ? -1 : sil_pii_dict_load(rs->dict, r->last_path, DICT_LAST, err);
        if (a < 0 || b < 0) {
            sil_err_prefix(err, "rule \"%s\": cannot load its word list", r->info.id);
            return -1;
        }
        rs->names_rule = (long)idx;
        return 0;
    }
    if (r->t == R_NAMEDATE) {
        rs->namedate_rule = (long)idx;
        return 0;
    }
    if (r->t != R_REGEX)
        return 0;
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_NEVER_BACKSLASH_C | (r->caseless ? PCRE2_CASELESS : 0);
    r->re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
    if (!r->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        sil_err_set(err, SIL_EINPUT, "rule \"%s\": pattern error at offset %zu: %s", r->info.id,
                    (size_t)off, (const char *)msg);
        sil_err_file(err, r->info.origin);
        return -1;
    }
    r->jit = pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0;
    start_set(r);
    if (r->always)
        rs->any_always = 1;
    if (r->min_digits && (!rs->min_digits || r->min_digits < rs->min_digits))
        rs->min_digits = r->min_digits;
    for (const char *p = r->chars; p && *p; p++)
        rs->trig[(unsigned char)*p] = 1;
    if (r->ipv6)
        rs->any_ipv6 = 1;
    if (r->nwords || r->nsuffixes) {
        int bit = -1;
        for (int b = WORD_BIT0; b < 64; b++)
            if (!rs->word_rule[b]) {
                bit = b;
                break;
            }
        if (bit < 0) {
            sil_err_set(err, SIL_EINPUT, "rule \"%s\": more than %d rules with word triggers",
                        r->info.id, 64 - WORD_BIT0);
            return -1;
        }
        r->word_bit = bit;
        rs->word_rule[bit] = idx + 1; /* 0 = unused */
        for (size_t i = 0; i < r->nwords; i++)
            sil_pii_dict_add(rs->dict, r->words[i], strlen(r->words[i]), 1ull << bit);
        rs->any_suffix |= r->nsuffixes > 0;
        for (size_t i = 0; i < r->nsuffixes; i++)
            sil_pii_dict_add_suffix(rs->dict, r->suffixes[i], strlen(r->suffixes[i]), 1ull << bit);
    }
    return 0;
}

/* Byte classes for the block classifier (bclass). */
enum {
    B_ALPHA = 1, /* letters and bytes >= 0x80, as C_ALPHA */
    B_DIGIT = 2,
    B_JOIN = 4, /* ' and -: join the parts of a word */
    B_ATTN = 8, /* the main pass stops here (see attn) */
    B_B64 = 16, /* as C_B64 */
    B_UPPER = 32,
    B_LOWER = 64,
    B_HEX = 128,
    B_SEP = 256, /* as C_SEP: joins the digits of a cluster */
    B_DOT = 512,
    B_STOP = 1024,   /* as C_STOP */
    B_LEAD = 2048,   /* in lead_set */
    B_LEAD2 = 32768, /* in lead2_set */
    B_PWORD = 4096,  /* PCRE2's \w: A-Z a-z 0-9 _ */
    B_COLON = 8192
};

static void bset_init(struct bset *b, const unsigned char *member)
{
    memset(b, 0, sizeof *b);
    for (int c = 0; c < 256; c++) {
        if (!member[c])
            continue;
        if (c >= 0x80) {
            b->high = 1;
            continue;
        }
        b->lo[c & 15] |= (unsigned char)(1u << (c >> 4));
        if (b->nlist >= 0 && b->nlist < (int)sizeof b->list)
            b->list[b->nlist++] = (unsigned char)c;
        else
            b->nlist = -1;
    }
}

static int by_min_digits(const void *a, const void *b, const struct sil_rules *rs)
{
    int x = rs->v[*(const size_t *)a].min_digits, y = rs->v[*(const size_t *)b].min_digits;
    return x < y ? -1 : x > y;
}

static classify_fn pick_classifier(const struct sil_rules *r);

/* The tables the scanner derives from the compiled rules. */
static void scan_tables(struct sil_rules *rs)
{
    unsigned char attn[256] = {0};
    rs->dig = sil_xcalloc(rs->n + 1, sizeof *rs->dig);
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].min_digits && rs->v[i].re) {
            /* Insertion keeps rule order among equal minimums. */
            size_t k = rs->ndig++;
            while (k > 0 && by_min_digits(&rs->dig[k - 1], &i, rs) > 0) {
                rs->dig[k] = rs->dig[k - 1];
                k--;
            }
            rs->dig[k] = i;
            rs->any_min_dots |= rs->v[i].min_dots > 0;
        }
    rs->clus_min = 8;
    for (size_t k = 0; k < rs->ndig; k++)
        rs->clus_min = SIL_MIN(rs->clus_min,
                               rs->v[rs->dig[k]].min_digits +
                                   SIL_MAX(rs->v[rs->dig[k]].min_dots, rs->v[rs->dig[k]].min_seps));
    for (int c = 0; c < 256; c++)
        attn[c] = rs->trig[c];
    attn['%'] = attn['\\'] = 1;
    if (rs->any_ipv6)
        attn[':'] = 1;
    /* Patterns that cannot start right after a word byte: their first bytes. */
    unsigned char lead[256] = {0}, lead2[256] = {0}, stop[256] = {0};
    for (size_t i = 0; i < rs->n; i++) {
        struct rule *ru = &rs->v[i];
        int members = 0;
        if (!ru->start_nonword)
            continue;
        for (int c = 0; c < 256; c++) {
            lead[c] |= ru->start[c];
            members += ru->start[c];
        }
        ru->sharp = members <= SHARP_MAX;
        if (ru->sharp && ru->min_digits)
            rs->sharp_margin = SIL_MAX(rs->sharp_margin, (size_t)ru->margin);
        for (int c = 0; ru->sharp && c < 256; c++)
            lead2[c] |= ru->start[c];
    }
    for (int c = 0; c < 256; c++)
        stop[c] = (rs->ctab[c] & C_STOP) != 0;
    bset_init(&rs->attn_set, attn);
    bset_init(&rs->lead_set, lead);
    bset_init(&rs->lead2_set, lead2);
    bset_init(&rs->stop_set, stop);
    rs->lead_ok = 1;
    for (int c = 0; c < 256; c++) {
        unsigned k = 0, t = rs->ctab[c];
        k |= (t & C_ALPHA) ? B_ALPHA : 0;
        k |= (t & C_DIGIT) ? B_DIGIT : 0;
        k |= (c == '\'' || c == '-') ? B_JOIN : 0;
        k |= attn[c] ? B_ATTN : 0;
        k |= (t & C_B64) ? B_B64 : 0;
        k |= (c >= 'A' && c <= 'Z') ? B_UPPER : 0;
        k |= (c >= 'a' && c <= 'z') ? B_LOWER : 0;
        k |= (t & C_HEX) ? B_HEX : 0;
        k |= (t & C_SEP) ? B_SEP : 0;
        k |= c == '.' ? B_DOT : 0;
        k |= stop[c] ? B_STOP : 0;
        k |= lead[c] ? B_LEAD : 0;
        k |= lead2[c] ? B_LEAD2 : 0;
        k |= ((t & (C_ALPHA | C_DIGIT)) && c < 0x80) || c == '_' ? B_PWORD : 0;
        k |= c == ':' ? B_COLON : 0;
        rs->bclass[c] = (uint16_t)k;
    }
    rs->classify = pick_classifier(rs);
    sil_pii_dict_get_filter(rs->dict, &rs->dfilter);
}

struct sil_rules *sil_rules_load(const char *shipped, const char *user, struct sil_err *err)
{
    struct sil_rules *rs = sil_xcalloc(1, sizeof *rs);
    char *found = NULL;
    rs->names_rule = rs->namedate_rule = rs->limit_rule = -1;
    rs->dict = sil_pii_dict_new();
    ctab_init(rs->ctab);
    if (!shipped) {
        found = sil_policy_path("pii-rules.json", err);
        if (!found)
            goto fail;
        shipped = found;
    }
    if (load_file(rs, shipped, 0, err) < 0 || (user && load_file(rs, user, 1, err) < 0))
        goto fail;
    /* The engine's own rule: a pattern that hit its backtracking limit is a finding. */
    rs->v = sil_xgrow(rs->v, sizeof *rs->v, rs->n + 1, &rs->cap);
    struct rule *lim = &rs->v[rs->n];
    memset(lim, 0, sizeof *lim);
    lim->t = R_BUILTIN;
    lim->info.id = sil_xstrdup("scan-limit");
    lim->info.description = sil_xstrdup(
        "a rule hit its backtracking limit on this text, so the text could not be cleared");
    lim->info.kind = SIL_CLASS_PERSONAL_OTHER;
    lim->info.severity = SIL_SEV_HIGH;
    lim->info.mask = SIL_MASK_BLOB;
    lim->info.type = "builtin";
    lim->info.origin = sil_xstrdup("(built in)");
    lim->word_bit = -1;
    rs->limit_rule = (long)rs->n++;
    for (size_t i = 0; i < rs->n; i++)
        if (compile_rule(rs, i, err) < 0)
            goto fail;
    if (!rs->disabled) {
        rs->disabled = sil_xcalloc(1, sizeof *rs->disabled);
    }
    scan_tables(rs);
    free(found);
    return rs;
fail:
    free(found);
    sil_rules_free(rs);
    return NULL;
}

size_t sil_rules_count(const struct sil_rules *r)
{
    return r->n;
}

const struct sil_rule_info *sil_rules_get(const struct sil_rules *r, size_t i)
{
    return i < r->n ? &r->v[i].info : NULL;
}

const char *const *sil_rules_disabled(const struct sil_rules *r)
{
    return (const char *const *)r->disabled;
}

char *sil_rules_combined_pattern(const struct sil_rules *r)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].t != R_REGEX)
            continue;
        sil_buf_addf(&b, "%s(?%s:%s)", b.len ? "|" : "", r->v[i].caseless ? "i" : "",
                     r->v[i].pattern);
    }
    return sil_buf_detach(&b, NULL);
}

char *sil_rules_mask(const struct sil_rules *r, size_t rule, const char *s, size_t n, char *out,
                     size_t outsz)
{
    enum sil_pii_mask_style st = rule < r->n ? r->v[rule].info.mask : SIL_MASK_GENERIC;
    return sil_pii_mask(st, s, n, out, outsz);
}

/* ---- scanning ---- */

struct win {
    size_t s, e;
    size_t rule;
};

struct hit {
    size_t rule, start, end;
    size_t voff, vlen;
    int in_vals;
    enum sil_decoding decoded;
    int fictional;
};

/* Maps positions of decoded text back to the text the caller passed. */
struct pmap {
    const struct pmap *parent;
    const size_t *table; /* decoded offset -> offset in the parent text, or NULL */
    size_t tlen;
    size_t span_s, span_e; /* when table is NULL: everything maps to this span */
    enum sil_decoding how;
};

struct blk;

#define WCACHE_BITS 6

/* A word of up to 16 bytes and its dictionary bits (n = 0: empty). */
struct wcache {
    uint64_t head, tail, bits;
    size_t n;
};

struct sil_rscan {
    const struct sil_rules *r;
    struct wcache wcache[1u << WCACHE_BITS];
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *js;
    struct win *w; /* closed windows of the current text */
    size_t nw, wcap;
    struct win *open; /* per rule: the window still growing (e = 0: none) */
    size_t *opened;   /* rules with an open window */
    size_t nopened;
    struct hit *h;
    size_t nh, hcap;
    struct sil_buf vals;
    unsigned char *dbuf[DECODE_DEPTH]; /* decoded base64 / hex, per decoding depth */
    size_t dcap[DECODE_DEPTH];
    struct blk *mb[DECODE_DEPTH + 1]; /* classified blocks of the text at each depth */
    size_t mbcap[DECODE_DEPTH + 1];
    /* sil_rscan_lines: the lines of a chunk, and what gathering found in them */
    size_t *ls, *le, *lcount, *bits, *lbefore;
    unsigned char *lmark;
    size_t *wline; /* line of each window in sc->w (grows with it) */
    size_t wlinecap;
    struct win *cw;
    size_t cwcap;
    struct run *cr;
    size_t crcap;
    struct hit *ch;
    size_t chcap;
};

struct sil_rscan *sil_rscan_new(const struct sil_rules *r)
{
    struct sil_rscan *sc = sil_xcalloc(1, sizeof *sc);
    sc->r = r;
    sc->md = pcre2_match_data_create(8, NULL);
    sc->mctx = pcre2_match_context_create(NULL);
    if (!sc->md || !sc->mctx)
        SIL_BUG("out of memory creating PCRE2 match data");
    pcre2_set_match_limit(sc->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(sc->mctx, DEPTH_LIMIT);
    sc->js = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    if (sc->js)
        pcre2_jit_stack_assign(sc->mctx, NULL, sc->js);
    sil_buf_init(&sc->vals, 0);
    sc->open = sil_xcalloc(r->n + 1, sizeof *sc->open);
    sc->opened = sil_xcalloc(r->n + 1, sizeof *sc->opened);
    return sc;
}

void sil_rscan_free(struct sil_rscan *sc)
{
    if (!sc)
        return;
    pcre2_match_data_free(sc->md);
    pcre2_match_context_free(sc->mctx);
    pcre2_jit_stack_free(sc->js);
    free(sc->w);
    free(sc->open);
    free(sc->opened);
    free(sc->h);
    for (int d = 0; d < DECODE_DEPTH; d++)
        free(sc->dbuf[d]);
    for (int d = 0; d <= DECODE_DEPTH; d++)
        free(sc->mb[d]);
    free(sc->ls);
    free(sc->le);
    free(sc->lcount);
    free(sc->bits);
    free(sc->lbefore);
    free(sc->wline);
    free(sc->lmark);
    free(sc->cw);
    free(sc->cr);
    free(sc->ch);
    sil_buf_release(&sc->vals);
    free(sc);
}

const struct sil_rules *sil_rscan_rules(const struct sil_rscan *sc)
{
    return sc->r;
}

static void close_win(struct sil_rscan *sc, const struct win *w)
{
    sc->w = sil_xgrow(sc->w, sizeof *sc->w, sc->nw + 1, &sc->wcap);
    sc->w[sc->nw++] = *w;
    if (sc->wcap > sc->wlinecap) {
        sc->wlinecap = sc->wcap;
        sc->wline = sil_xrealloc(sc->wline, sc->wlinecap * sizeof *sc->wline);
    }
}

/*
 * Where rule `rule` must run: [s-margin, e+margin) within the line [lo, hi).
 * Windows of different lines never overlap. Each rule keeps one open
 * window that absorbs the overlapping ones after it, so a text with many
 * triggers yields few windows.
 */
static void add_win(struct sil_rscan *sc, size_t rule, size_t s, size_t e, size_t margin, size_t lo,
                    size_t hi)
{
    struct win *o = &sc->open[rule];
    s = s - lo > margin ? s - margin : lo;
    e = e + margin < hi ? e + margin : hi;
    if (e <= s)
        return;
    if (o->e) {
        if (s >= o->s && s <= o->e) {
            if (e > o->e)
                o->e = e;
            return;
        }
        close_win(sc, o);
    } else {
        sc->opened[sc->nopened++] = rule;
    }
    *o = (struct win){s, e, rule};
}

static int win_cmp(const void *a, const void *b)
{
    const struct win *x = a, *y = b;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->s < y->s ? -1 : x->s > y->s;
}

static int extent_cmp(const void *a, const void *b)
{
    const struct win *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

/* Insertion sort for the few windows of a line, qsort for many (no quadratic time). */
static void sort_wins(struct win *w, size_t n, int (*cmp)(const void *, const void *))
{
    if (n > 16) {
        qsort(w, n, sizeof *w, cmp);
        return;
    }
    for (size_t a = 1; a < n; a++) {
        struct win t = w[a];
        size_t b = a;
        while (b > 0 && cmp(&w[b - 1], &t) > 0) {
            w[b] = w[b - 1];
            b--;
        }
        w[b] = t;
    }
}

/* Close the open windows and order all by (rule, start). */
static void settle_wins(struct sil_rscan *sc)
{
    for (size_t i = 0; i < sc->nopened; i++) {
        struct win *o = &sc->open[sc->opened[i]];
        close_win(sc, o);
        o->e = 0;
    }
    sc->nopened = 0;
    sort_wins(sc->w, sc->nw, win_cmp);
}

static size_t map_pos(const struct pmap *m, size_t pos, int end)
{
    for (; m; m = m->parent) {
        if (m->table) {
            if (pos >= m->tlen)
                pos = m->tlen ? m->table[m->tlen - 1] + (end ? 1 : 0) : 0;
            else
                pos = m->table[pos];
        } else {
            pos = end ? m->span_e : m->span_s;
        }
    }
    return pos;
}

static void add_hit(struct sil_rscan *sc, const struct pmap *m, size_t rule, const char *s,
                    size_t start, size_t end, int fictional)
{
    struct hit h = {rule, start, end, start, end - start, 0, SIL_DECODED_NONE, fictional};
    if (m) {
        h.decoded = m->how;
        h.start = map_pos(m, start, 0);
        h.end = map_pos(m, end, 1);
        if (h.end < h.start)
            h.end = h.start;
        h.in_vals = 1;
        h.voff = sc->vals.len;
        sil_buf_add(&sc->vals, s + start, end - start);
    }
    sc->h = sil_xgrow(sc->h, sizeof *sc->h, sc->nh + 1, &sc->hcap);
    sc->h[sc->nh++] = h;
}

/*
 * A digit cluster (n bytes, `digits` of them digits) that is exactly an ISO
 * date, optionally with the hour of a time ("2024-03-15", "2024-03-15 10"):
 * the commonest digits in logs and data, and no shipped digit rule matches
 * one, so it triggers nothing.
 */
static int iso_date(const char *s, size_t n, size_t digits)
{
    /* In a cluster of n bytes and `digits` digits, the other bytes are these separators. */
    int ten = n == 10 && digits == 8, thirteen = n == 13 && digits == 10;
    if (!(ten | thirteen))
        return 0;
    return (s[4] == '-') & (s[7] == '-') & (ten || s[10] == ' ');
}

struct word {
    size_t s, e;
    uint64_t bits;
    int initial; /* a single letter followed by '.' */
};

/* Separator between two words: 1 = one or two blanks, 2 = a comma and blanks, 0 = other. */
static int sep_kind(const char *s, size_t a, size_t b)
{
    if (b <= a || b - a > 3)
        return 0;
    if (s[a] == ',')
        a++;
    else if (s[a] == '.') /* after an initial */
        a++;
    size_t k = 0;
    for (size_t i = a; i < b; i++, k++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    if (k == 0 || k > 2)
        return 0;
    return s[a - 1] == ',' ? 2 : 1;
}

/* ---- the main pass: byte classes of 64-byte blocks ---- */

/* One block's bytes by class: bit j describes byte j. */
struct cls {
    uint64_t alpha, digit, join, attn, b64, upper, lower, hex, sep, dot, stop, lead, lead2, pword,
        colon, nl;
};

/* The portable classifier, and the reference for the vector ones. */
static void classify_table1(const struct sil_rules *r, const unsigned char *p, struct cls *o)
{
    memset(o, 0, sizeof *o);
    for (unsigned j = 0; j < 64; j++) {
        unsigned k = r->bclass[p[j]];
        uint64_t bit = 1ull << j;
        o->alpha |= (k & B_ALPHA) ? bit : 0;
        o->digit |= (k & B_DIGIT) ? bit : 0;
        o->join |= (k & B_JOIN) ? bit : 0;
        o->attn |= (k & B_ATTN) ? bit : 0;
        o->b64 |= (k & B_B64) ? bit : 0;
        o->upper |= (k & B_UPPER) ? bit : 0;
        o->lower |= (k & B_LOWER) ? bit : 0;
        o->hex |= (k & B_HEX) ? bit : 0;
        o->sep |= (k & B_SEP) ? bit : 0;
        o->dot |= (k & B_DOT) ? bit : 0;
        o->colon |= (k & B_COLON) ? bit : 0;
        o->nl |= p[j] == '\n' ? bit : 0;
        o->stop |= (k & B_STOP) ? bit : 0;
        o->lead |= (k & B_LEAD) ? bit : 0;
        o->lead2 |= (k & B_LEAD2) ? bit : 0;
        o->pword |= (k & B_PWORD) ? bit : 0;
    }
}

SIL_STATIC void classify_table(const struct sil_rules *r, const unsigned char *p, size_t nb,
                               struct cls *o)
{
    for (size_t k = 0; k < nb; k++)
        classify_table1(r, p + 64 * k, &o[k]);
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Bytes with lo <= x <= hi (unsigned). */
static inline __m128i in_range16(__m128i x, unsigned char lo, unsigned char hi)
{
    __m128i t = _mm_sub_epi8(x, _mm_set1_epi8((char)lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((char)(hi - lo))), t);
}

static inline __m128i eq16(__m128i x, char c)
{
    return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}

static inline uint64_t bits16(__m128i m, unsigned k)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(m) << (16 * k);
}

static inline __m128i in_set16(__m128i x, const struct bset *b)
{
    __m128i a = b->high ? _mm_cmplt_epi8(x, _mm_setzero_si128()) : _mm_setzero_si128();
    if (b->nlist < 0)
        return _mm_set1_epi8(-1); /* too many to compare: all of them (a superset) */
    for (int t = 0; t < b->nlist; t++)
        a = _mm_or_si128(a, eq16(x, (char)b->list[t]));
    return a;
}

static inline void classify_sse2_1(const struct sil_rules *r, const unsigned char *p, struct cls *o)
{
    uint64_t hi = 0, up = 0, lo = 0, di = 0, jo = 0, at = 0, ex = 0, hx = 0, se = 0, dt = 0;
    uint64_t st = 0, ld = 0, l2 = 0, us = 0, co = 0, nl = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        __m128i u = in_range16(x, 'A', 'Z'), l = in_range16(x, 'a', 'z');
        __m128i d = in_range16(x, '0', '9');
        __m128i af = in_range16(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'f');
        __m128i dash = eq16(x, '-'), plus = eq16(x, '+'), slash = eq16(x, '/');
        __m128i dot = eq16(x, '.');
        __m128i j = _mm_or_si128(dash, eq16(x, '\''));
        __m128i e = _mm_or_si128(_mm_or_si128(dash, plus), _mm_or_si128(slash, eq16(x, '_')));
        /* " -./()+" */
        __m128i sp = _mm_or_si128(_mm_or_si128(_mm_or_si128(dash, plus), _mm_or_si128(slash, dot)),
                                  _mm_or_si128(eq16(x, ' '), in_range16(x, '(', ')')));
        __m128i a = in_set16(x, &r->attn_set);
        st |= bits16(in_set16(x, &r->stop_set), k);
        ld |= bits16(in_set16(x, &r->lead_set), k);
        l2 |= bits16(in_set16(x, &r->lead2_set), k);
        us |= bits16(eq16(x, '_'), k);
        co |= bits16(eq16(x, ':'), k);
        nl |= bits16(eq16(x, '\n'), k);
        hi |= bits16(x, k);
        up |= bits16(u, k);
        lo |= bits16(l, k);
        di |= bits16(d, k);
        jo |= bits16(j, k);
        at |= bits16(a, k);
        ex |= bits16(e, k);
        hx |= bits16(af, k);
        se |= bits16(sp, k);
        dt |= bits16(dot, k);
    }
    o->alpha = hi | up | lo;
    o->digit = di;
    o->join = jo;
    o->attn = at;
    o->b64 = up | lo | di | ex;
    o->upper = up;
    o->lower = lo;
    o->hex = hx | di;
    o->sep = se;
    o->dot = dt;
    o->colon = co;
    o->nl = nl;
    o->stop = st;
    o->lead = ld;
    o->lead2 = l2;
    o->pword = up | lo | di | us;
}

SIL_STATIC void classify_sse2(const struct sil_rules *r, const unsigned char *p, size_t nb,
                              struct cls *o)
{
    for (size_t k = 0; k < nb; k++)
        classify_sse2_1(r, p + 64 * k, &o[k]);
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_DISPATCH 1
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i in_range32(__m256i x, unsigned char lo, unsigned char hi)
{
    __m256i t = _mm256_sub_epi8(x, _mm256_set1_epi8((char)lo));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8((char)(hi - lo))), t);
}

AVX2 static inline __m256i eq32(__m256i x, char c)
{
    return _mm256_cmpeq_epi8(x, _mm256_set1_epi8(c));
}

AVX2 static inline uint64_t bits32(__m256i m, unsigned k)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(m) << (32 * k);
}

/* Members of an ASCII set, by its nibble table: bytes where it is not are 0xff. */
AVX2 static inline __m256i not_in_set32(__m256i x, const struct bset *b, __m256i hi_nib)
{
    const __m256i lo_tab =
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)b->lo));
    const __m256i hi_bit = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                            2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
    __m256i row = _mm256_shuffle_epi8(lo_tab, _mm256_and_si256(x, _mm256_set1_epi8(0x0f)));
    __m256i bit = _mm256_shuffle_epi8(hi_bit, hi_nib);
    __m256i out = _mm256_cmpeq_epi8(_mm256_and_si256(row, bit), _mm256_setzero_si256());
    return b->high ? _mm256_andnot_si256(_mm256_cmpgt_epi8(_mm256_setzero_si256(), x), out) : out;
}

AVX2 static inline void classify_avx2_1(const struct sil_rules *r, const unsigned char *p,
                                        struct cls *o)
{
    uint64_t hi = 0, up = 0, lo = 0, di = 0, jo = 0, na = 0, ex = 0, hx = 0, se = 0, dt = 0;
    uint64_t ns = 0, nl = 0, n2 = 0, us = 0, co = 0, lf = 0;
    for (unsigned k = 0; k < 2; k++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * k));
        __m256i hn = _mm256_and_si256(_mm256_srli_epi16(x, 4), _mm256_set1_epi8(0x0f));
        __m256i u = in_range32(x, 'A', 'Z'), l = in_range32(x, 'a', 'z');
        __m256i d = in_range32(x, '0', '9');
        __m256i af = in_range32(_mm256_or_si256(x, _mm256_set1_epi8(0x20)), 'a', 'f');
        __m256i dash = eq32(x, '-'), plus = eq32(x, '+'), slash = eq32(x, '/'), dot = eq32(x, '.');
        __m256i j = _mm256_or_si256(dash, eq32(x, '\''));
        __m256i e =
            _mm256_or_si256(_mm256_or_si256(dash, plus), _mm256_or_si256(slash, eq32(x, '_')));
        __m256i sp = _mm256_or_si256(
            _mm256_or_si256(_mm256_or_si256(dash, plus), _mm256_or_si256(slash, dot)),
            _mm256_or_si256(eq32(x, ' '), in_range32(x, '(', ')')));
        hi |= bits32(x, k);
        up |= bits32(u, k);
        lo |= bits32(l, k);
        di |= bits32(d, k);
        jo |= bits32(j, k);
        na |= bits32(not_in_set32(x, &r->attn_set, hn), k);
        ns |= bits32(not_in_set32(x, &r->stop_set, hn), k);
        nl |= bits32(not_in_set32(x, &r->lead_set, hn), k);
        n2 |= bits32(not_in_set32(x, &r->lead2_set, hn), k);
        us |= bits32(eq32(x, '_'), k);
        co |= bits32(eq32(x, ':'), k);
        lf |= bits32(eq32(x, '\n'), k);
        ex |= bits32(e, k);
        hx |= bits32(af, k);
        se |= bits32(sp, k);
        dt |= bits32(dot, k);
    }
    o->alpha = hi | up | lo;
    o->digit = di;
    o->join = jo;
    o->attn = ~na;
    o->b64 = up | lo | di | ex;
    o->upper = up;
    o->lower = lo;
    o->hex = hx | di;
    o->sep = se;
    o->dot = dt;
    o->colon = co;
    o->nl = lf;
    o->stop = ~ns;
    o->lead = ~nl;
    o->lead2 = ~n2;
    o->pword = up | lo | di | us;
}

AVX2 SIL_STATIC void classify_avx2(const struct sil_rules *r, const unsigned char *p, size_t nb,
                                   struct cls *o)
{
    for (size_t k = 0; k < nb; k++)
        classify_avx2_1(r, p + 64 * k, &o[k]);
}

#define AVX512 __attribute__((target("avx512f,avx512bw")))

/* Bytes with lo <= x <= hi (unsigned), as a mask. */
AVX512 static inline uint64_t in_range64(__m512i x, unsigned char lo, unsigned char hi)
{
    return _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8((char)lo)),
                                  _mm512_set1_epi8((char)(hi - lo)));
}

AVX512 static inline uint64_t eq64(__m512i x, char c)
{
    return _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c));
}

/* The tables of an ASCII byte set, loaded once for many blocks. */
struct set64 {
    __m512i lo;
    int high;
};

AVX512 static inline struct set64 set64_load(const struct bset *b)
{
    struct set64 t = {_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)b->lo)),
                      b->high};
    return t;
}

AVX512 static inline uint64_t in_set64(__m512i x, struct set64 t, __m512i hi_bits)
{
    __m512i row = _mm512_shuffle_epi8(t.lo, _mm512_and_si512(x, _mm512_set1_epi8(0x0f)));
    uint64_t m = _mm512_test_epi8_mask(row, hi_bits);
    return t.high ? m | _mm512_movepi8_mask(x) : m;
}

AVX512 SIL_STATIC void classify_avx512(const struct sil_rules *r, const unsigned char *p, size_t nb,
                                       struct cls *o)
{
    const struct set64 attn = set64_load(&r->attn_set), stop = set64_load(&r->stop_set),
                       lead = set64_load(&r->lead_set), lead2 = set64_load(&r->lead2_set);
    const __m512i hi_bit =
        _mm512_broadcast_i32x4(_mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0));
    for (size_t k = 0; k < nb; k++, o++) {
        __m512i x = _mm512_loadu_si512((const void *)(p + 64 * k));
        /* The bit of each byte's high nibble, for the set lookups. */
        __m512i hb = _mm512_shuffle_epi8(
            hi_bit, _mm512_and_si512(_mm512_srli_epi16(x, 4), _mm512_set1_epi8(0x0f)));
        uint64_t up = in_range64(x, 'A', 'Z'), lo = in_range64(x, 'a', 'z');
        uint64_t di = in_range64(x, '0', '9');
        uint64_t af = in_range64(_mm512_or_si512(x, _mm512_set1_epi8(0x20)), 'a', 'f');
        uint64_t dash = eq64(x, '-'), plus = eq64(x, '+'), slash = eq64(x, '/'), dot = eq64(x, '.');
        uint64_t us = eq64(x, '_');
        o->alpha = _mm512_movepi8_mask(x) | up | lo;
        o->digit = di;
        o->join = dash | eq64(x, '\'');
        o->attn = in_set64(x, attn, hb);
        o->b64 = up | lo | di | dash | plus | slash | us;
        o->upper = up;
        o->lower = lo;
        o->hex = af | di;
        o->sep = dash | plus | slash | dot | eq64(x, ' ') | in_range64(x, '(', ')');
        o->dot = dot;
        o->colon = eq64(x, ':');
        o->nl = eq64(x, '\n');
        o->stop = in_set64(x, stop, hb);
        o->lead = in_set64(x, lead, hb);
        o->lead2 = in_set64(x, lead2, hb);
        o->pword = up | lo | di | us;
    }
}
#endif

/* The fastest classifier this machine runs; all give the same answer (tests compare them). */
static classify_fn pick_classifier(const struct sil_rules *r)
{
    const char *force = getenv("SILHOUETTE_CLASSIFIER"); /* for tests: table, sse2, avx2 */
    if (force && strcmp(force, "table") == 0)
        return classify_table;
#if defined(HAVE_X86_DISPATCH)
    __builtin_cpu_init();
    if (!force && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f"))
        return classify_avx512;
    if (!(force && strcmp(force, "sse2") == 0) && __builtin_cpu_supports("avx2"))
        return classify_avx2;
#endif
#if defined(__SSE2__)
    if (r->attn_set.nlist >= 0 && r->stop_set.nlist >= 0) /* the lead set may be a superset */
        return classify_sse2;
#endif
    (void)r;
    return classify_table;
}

/* What the scanner asks about a block, derived from its classes. */
struct blk {
    uint64_t word; /* in a word: a letter, or ' or - between two letters */
    uint64_t attn; /* attention bytes */
    uint64_t digit;
    uint64_t clus;  /* in a digit cluster: digits, and one or two of " -./()+" between digits */
    uint64_t lclus; /* starts a cluster of clus_min bytes or more: one that can trigger a rule */
    uint64_t dot;
    uint64_t b64;  /* A-Z a-z 0-9 + / _ - */
    uint64_t lrun; /* starts a b64 run of 8 bytes or more: one worth decoding */
    uint64_t upper, lower, hex;
    uint64_t stop;  /* stops a window's growth */
    uint64_t lead;  /* can start a lookbehind-guarded match: in lead_set, after a non-word byte */
    uint64_t lead2; /* the same for the sharp rules' few start bytes (lead2_set) */
    uint64_t v6;    /* hex digits, ':' and '.' */
    uint64_t colon;
    uint64_t nl; /* '\n', for sil_rscan_lines */
};

/* Masks of struct blk by index. */
enum {
    M_WORD,
    M_ATTN,
    M_DIGIT,
    M_CLUS,
    M_LCLUS,
    M_DOT,
    M_B64,
    M_LRUN,
    M_UPPER,
    M_LOWER,
    M_HEX,
    M_STOP,
    M_LEAD,
    M_LEAD2,
    M_V6,
    M_COLON,
    M_NL,
    M__COUNT
};
_Static_assert(sizeof(struct blk) == M__COUNT * sizeof(uint64_t), "blocks are arrays of masks");

/* The classes of p[i], when i < avail. */
static inline unsigned class_at(const struct sil_rules *r, const char *p, size_t i, size_t avail)
{
    return i < avail ? r->bclass[(unsigned char)p[i]] : 0;
}

/*
 * Bit j set when bits j..j+len-1 of x (continued by y) are all set, 1 <= len <= 8:
 * by doubling, so a few shifts whatever len is.
 */
static inline uint64_t runs_of(uint64_t x, uint64_t y, int len)
{
    if (len <= 1)
        return x;
    uint64_t x2 = x & (x >> 1 | y << 63), y2 = y & y >> 1; /* runs of 2 */
    if (len <= 4)                                          /* runs of 2 overlapping at len - 2 */
        return x2 & (x2 >> (len - 2) | (len > 2 ? y2 << (64 - (len - 2)) : 0));
    uint64_t x4 = x2 & (x2 >> 2 | y2 << 62), y4 = y2 & y2 >> 2;
    return x4 & (x4 >> (len - 4) | (len > 4 ? y4 << (64 - (len - 4)) : 0));
}

/*
 * Classify the n bytes at p into ceil(n/64) blocks at out. `more` bytes
 * after them may be read: they decide whether a word, a digit cluster or a
 * b64 run goes on. The byte before p is taken to be none of these.
 */
HOT static void classify_range(const struct sil_rules *r, const char *p, size_t n, size_t more,
                               struct blk *out)
{
    uint64_t prev_alpha = 0, prev_digit = 0, prev_sep = 0, prev_pword = 0;
    size_t nb = (n + 63) / 64, full = n / 64;
    struct cls batch[32];
    for (size_t k = 0; k < nb; k++) {
        size_t off = k * 64, avail = n - off;
        if (k % 32 == 0) {
            size_t cnt = SIL_MIN((size_t)32, nb - k), nfull = full > k ? SIL_MIN(cnt, full - k) : 0;
            if (nfull)
                r->classify(r, (const unsigned char *)p + off, nfull, batch);
            if (nfull < cnt) { /* the last, partial block: never read past the text */
                unsigned char tmp[64];
                size_t rest = n - (k + nfull) * 64;
                memcpy(tmp, p + (k + nfull) * 64, rest);
                memset(tmp + rest, 0, 64 - rest);
                r->classify(r, tmp, 1, &batch[nfull]);
            }
        }
        const struct cls *cp = &batch[k % 32], c = *cp;
        uint64_t keep = avail < 64 ? (1ull << avail) - 1 : ~0ull;
        uint64_t alpha = c.alpha & keep, d = c.digit & keep, sp = c.sep & keep;
        /* The first bytes of the next block: from its classes when at hand. */
        uint64_t next_alpha, nd0, nd1, ns0;
        if (k % 32 != 31 && k + 1 < full) {
            next_alpha = cp[1].alpha & 1;
            nd0 = cp[1].digit & 1;
            nd1 = cp[1].digit >> 1 & 1;
            ns0 = cp[1].sep & 1;
        } else {
            unsigned n0 = class_at(r, p, off + 64, n + more);
            unsigned n1 = class_at(r, p, off + 65, n + more);
            next_alpha = (n0 & B_ALPHA) ? 1 : 0;
            nd0 = (n0 & B_DIGIT) ? 1 : 0;
            nd1 = (n1 & B_DIGIT) ? 1 : 0;
            ns0 = (n0 & B_SEP) ? 1 : 0;
        }
        /* Digits or separators one or two bytes before and after each byte. */
        uint64_t pd1 = d << 1 | prev_digit >> 63, pd2 = d << 2 | prev_digit >> 62;
        uint64_t ps1 = sp << 1 | prev_sep >> 63;
        uint64_t nd1m = d >> 1 | nd0 << 63, nd2m = d >> 2 | nd0 << 62 | nd1 << 63;
        uint64_t ns1 = sp >> 1 | ns0 << 63;
        struct blk *b = &out[k];
        b->word = alpha | (c.join & keep & (alpha << 1 | prev_alpha >> 63) &
                           (alpha >> 1 | next_alpha << 63));
        b->attn = c.attn & keep;
        b->digit = d;
        b->clus = d | (sp & ((pd1 & nd1m) | (pd1 & ns1 & nd2m) | (ps1 & pd2 & nd1m)));
        b->dot = c.dot & keep;
        b->colon = c.colon & keep;
        b->nl = c.nl & keep;
        b->v6 = (c.hex | c.colon | c.dot) & keep;
        b->b64 = c.b64 & keep;
        b->upper = c.upper & keep;
        b->lower = c.lower & keep;
        b->hex = c.hex & keep;
        b->stop = c.stop & keep;
        b->lead = c.lead & ~(c.pword << 1 | prev_pword >> 63) & keep;
        b->lead2 = c.lead2 & ~(c.pword << 1 | prev_pword >> 63) & keep;
        prev_pword = c.pword;
        prev_alpha = alpha;
        prev_digit = d;
        prev_sep = sp;
    }
    /* Runs of 8 b64 bytes, looking into the next block. */
    uint64_t after = 0;
    if (n % 64 == 0)
        for (size_t k = 0; k < 7; k++)
            after |= (uint64_t)((class_at(r, p, n + k, n + more) & B_B64) != 0) << k;
    /* The same for clusters, over clus_min (<= 8) bytes. */
    uint64_t cafter = 0;
    if (n % 64 == 0) {
        /* Bytes after the range continue a cluster only in a line that goes on. */
        for (size_t k = 0; k < 7; k++) {
            unsigned c = class_at(r, p, n + k, n + more);
            if (!(c & (B_DIGIT | B_SEP)))
                break;
            cafter |= (uint64_t)1 << k;
        }
    }
    uint64_t prev_b64 = 0, prev_clus = 0;
    for (size_t k = 0; k < nb; k++) {
        uint64_t x = out[k].b64, y = k + 1 < nb ? out[k + 1].b64 : after;
        uint64_t x2 = x & ((x >> 1) | (y << 63)), y2 = y & (y >> 1); /* runs of 2 */
        uint64_t x4 = x2 & ((x2 >> 2) | (y2 << 62)), y4 = y2 & (y2 >> 2);
        uint64_t run8 = x4 & ((x4 >> 4) | (y4 << 60));
        out[k].lrun = run8 & ~(x << 1 | prev_b64 >> 63);
        uint64_t c = out[k].clus, cy = k + 1 < nb ? out[k + 1].clus : cafter;
        out[k].lclus = runs_of(c, cy, r->clus_min) & ~(c << 1 | prev_clus >> 63);
        prev_b64 = x;
        prev_clus = c;
    }
}

/*
 * A text and its classified blocks: position i of s is bit (off + i) of the
 * blocks. Bytes past n may be classified too (the rest of a buffer of
 * lines); every answer stops at n.
 */
struct cursor {
    const char *s;
    size_t n, off;
    const struct blk *b;
};

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Mask `which` of the block holding absolute position abs. */
static ALWAYS_INLINE uint64_t mask_at(const struct cursor *cu, int which, size_t abs)
{
    return ((const uint64_t *)(const void *)cu->b)[(abs >> 6) * M__COUNT + (size_t)which];
}

/* The first position >= i whose bit in mask `which` is set (flip = 0) or clear (flip = ~0), or n.
 */
static ALWAYS_INLINE size_t next_bit(const struct cursor *cu, size_t i, int which, uint64_t flip)
{
    size_t abs = cu->off + i, end = cu->off + cu->n;
    if (abs >= end)
        return cu->n;
    /*
     * This block and the next, without a branch on which holds the bit: most searches end
     * there. The next block may lie past the text (bits of the next line, or a spare block
     * of the buffer): its positions are past n, so they come out as n.
     */
    size_t k = abs >> 6, at;
    uint64_t m0 = (mask_at(cu, which, abs) ^ flip) & (~0ull << (abs & 63));
    uint64_t m1 = mask_at(cu, which, abs + 64) ^ flip;
    if (m0 | m1) {
        size_t a0 = (k << 6) + (size_t)__builtin_ctzll(m0 | 1ull << 63);
        size_t a1 = ((k + 1) << 6) + (size_t)__builtin_ctzll(m1 | 1ull << 63);
        size_t second = (size_t)0 - (size_t)(m0 == 0); /* all ones when m0 is empty */
        at = a0 ^ ((a0 ^ a1) & second);                /* a select, not a branch */
    } else {
        abs = (k + 2) << 6;
        uint64_t m = 0;
        while (abs < end && !(m = mask_at(cu, which, abs) ^ flip))
            abs += 64;
        if (abs >= end)
            return cu->n;
        at = abs + (size_t)__builtin_ctzll(m);
    }
    return (at < end ? at : end) - cu->off;
}

/*
 * 64 bits of mask `which` from absolute position p on. Bits past the text may be
 * anything (the next line's, or a spare block's): callers bound what they use by n.
 */
static inline uint64_t bits_from(const struct cursor *cu, int which, size_t p)
{
    unsigned sh = (unsigned)(p & 63);
    uint64_t lo = mask_at(cu, which, p) >> sh;
    uint64_t hi = (mask_at(cu, which, p + 64) << 1) << (63 - sh); /* no shift by 64 */
    return lo | hi;
}

/* next_bit that looks no further than limit (<= n): returns limit when there is none before. */
static ALWAYS_INLINE size_t next_bit_before(const struct cursor *cu, size_t i, int which,
                                            uint64_t flip, size_t limit)
{
    struct cursor part = *cu;
    part.n = limit;
    return next_bit(&part, i, which, flip);
}

static ALWAYS_INLINE int bit_at(const struct cursor *cu, int which, size_t i)
{
    size_t abs = cu->off + i;
    return i < cu->n && ((mask_at(cu, which, abs) >> (abs & 63)) & 1);
}

/* One instruction in the x86-64-v3 clones (HOT), a library call in the baseline ones. */
static inline size_t popcount64(uint64_t x)
{
    return (size_t)__builtin_popcountll(x);
}

/* Set bits of mask `which` in [a, b). */
static inline size_t count_bits(const struct cursor *cu, int which, size_t a, size_t b)
{
    size_t p = cu->off + a, e = cu->off + b, k = 0;
    if (b > a && b - a <= 64 - (p & 63)) /* within one block */
        return popcount64((mask_at(cu, which, p) >> (p & 63)) &
                          (b - a == 64 ? ~0ull : (1ull << (b - a)) - 1));
    while (p < e) {
        unsigned lo = (unsigned)(p & 63);
        size_t span = SIL_MIN((size_t)64 - lo, e - p);
        uint64_t m = (span == 64 ? ~0ull : ((1ull << span) - 1)) << lo;
        k += popcount64(mask_at(cu, which, p) & m);
        p += span;
    }
    return k;
}

/* The last position in [lo, q) whose bit in mask `which` is set (flip 0) or clear (~0), or
 * SIZE_MAX. */
static ALWAYS_INLINE size_t prev_bit(const struct cursor *cu, int which, size_t q, size_t lo,
                                     uint64_t flip)
{
    size_t abs = cu->off + q, stop = cu->off + lo;
    while (abs > stop) {
        unsigned top = (unsigned)((abs - 1) & 63);
        uint64_t m = (mask_at(cu, which, abs - 1) ^ flip) & (top == 63 ? ~0ull : (2ull << top) - 1);
        if (m) {
            size_t at = ((abs - 1) & ~(size_t)63) + 63 - (size_t)__builtin_clzll(m);
            return at >= stop ? at - cu->off : SIZE_MAX;
        }
        abs = (abs - 1) & ~(size_t)63;
    }
    return SIZE_MAX;
}

/*
 * Write base + the position of every set bit of m to out, in order (at least
 * popcount + 4 entries of room). Four at a time, so the loop runs a
 * predictable number of times. Returns how many.
 */
static inline size_t flatten_bits(uint64_t m, size_t base, size_t *out)
{
    size_t cnt = popcount64(m);
    /* The first four unconditionally: most blocks hold no more, and then nothing branches. */
    out[0] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
    m &= m - 1;
    out[1] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
    m &= m - 1;
    out[2] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
    m &= m - 1;
    out[3] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
    m &= m - 1;
    for (size_t k = 4; k < cnt; k += 4) {
        /* The high bit keeps the count of trailing zeros defined once m runs out. */
        out[k] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
        m &= m - 1;
        out[k + 1] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
        m &= m - 1;
        out[k + 2] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
        m &= m - 1;
        out[k + 3] = base + (size_t)__builtin_ctzll(m | 1ull << 63);
        m &= m - 1;
    }
    return cnt;
}

#define RUNS_MAX 256 /* runs collected at a time */

/*
 * The runs of mask `which` in [from, n): their starts and ends (relative to the
 * text), at most RUNS_MAX of them. *next is where the next call goes on (n when
 * done). The arrays need RUNS_MAX + 64 entries.
 */
HOT static size_t collect_runs(const struct cursor *cu, int which, size_t from, size_t *st,
                               size_t *en, size_t *next)
{
    size_t off = cu->off, end = off + cu->n, cnt = 0;
    size_t first = (off + from) >> 6, last = (end - 1) >> 6;
    uint64_t prev = 0;
    for (size_t k = first; k <= last; k++) {
        uint64_t w = mask_at(cu, which, k << 6);
        if (k == first)
            w &= ~0ull << ((off + from) & 63);
        if (k == last)
            w &= ~0ull >> (63 - ((end - 1) & 63));
        uint64_t open = prev >> 63 & w & 1; /* a run goes on from the block before */
        if (cnt > RUNS_MAX) {
            /* Leave the open run, if any, to the next call. */
            *next = open ? st[cnt - 1] : (k << 6) - off;
            return cnt - open;
        }
        uint64_t nxt = k < last ? mask_at(cu, which, (k + 1) << 6) & 1 : 0;
        uint64_t starts = w & ~(w << 1 | prev >> 63), ends = w & ~(w >> 1 | nxt << 63);
        size_t ecnt = cnt - open; /* the ends written so far */
        cnt += flatten_bits(starts, (k << 6) - off, st + cnt);
        flatten_bits(ends, (k << 6) - off + 1, en + ecnt);
        prev = w;
    }
    *next = cu->n;
    return cnt;
}

#define BITS_MAX 512 /* positions collect_bits gathers at a time */

/*
 * The positions of the set bits of mask `which` in [from, n), about BITS_MAX
 * at most (the array needs BITS_MAX + 68 entries); *next is where the next
 * call goes on (n when done). Sparse masks are walked with no branch per
 * block this way.
 */
HOT static size_t collect_bits(const struct cursor *cu, int which, size_t from, size_t *out,
                               size_t *next)
{
    size_t off = cu->off, end = off + cu->n, cnt = 0;
    size_t first = (off + from) >> 6, last = (end - 1) >> 6;
    for (size_t k = first; k <= last; k++) {
        if (cnt > BITS_MAX) {
            *next = (k << 6) - off;
            return cnt;
        }
        uint64_t m = mask_at(cu, which, k << 6);
        if (k == first)
            m &= ~0ull << ((off + from) & 63);
        if (k == last)
            m &= ~0ull >> (63 - ((end - 1) & 63));
        cnt += flatten_bits(m, (k << 6) - off, out + cnt);
    }
    *next = cu->n;
    return cnt;
}

/* The start of the run of mask `which` holding position q, not before lo. */
static size_t run_start(const struct cursor *cu, int which, size_t q, size_t lo)
{
    size_t at = prev_bit(cu, which, q, lo, ~0ull);
    return at == SIZE_MAX ? lo : at + 1;
}

/* Which classes occur in [a, b), as masks relative to a (only the first 64 bytes kept). */
static ALWAYS_INLINE void run_classes(const struct cursor *cu, size_t a, size_t b, uint64_t *nonhex,
                                      uint64_t *digit, uint64_t *upper, uint64_t *lower)
{
    size_t p = cu->off + a, e = cu->off + b;
    *nonhex = *digit = *upper = *lower = 0;
    while (p < e) {
        unsigned lo = (unsigned)(p & 63);
        size_t span = SIL_MIN((size_t)64 - lo, e - p), at = p - cu->off - a;
        uint64_t m = (span == 64 ? ~0ull : ((1ull << span) - 1)) << lo;
        uint64_t nh = ~mask_at(cu, M_HEX, p) & m, d = mask_at(cu, M_DIGIT, p) & m;
        uint64_t u = mask_at(cu, M_UPPER, p) & m, l = mask_at(cu, M_LOWER, p) & m;
        if (at < 64) {
            *nonhex |= (nh >> lo) << at;
            *digit |= (d >> lo) << at;
            *upper |= (u >> lo) << at;
            *lower |= (l >> lo) << at;
        } else {
            *nonhex |= nh ? 1 : 0;
            *digit |= d ? 1 : 0;
            *upper |= u ? 1 : 0;
            *lower |= l ? 1 : 0;
        }
        p += span;
    }
}

/* PCRE2's \\w without UCP: A-Z a-z 0-9 _ */
static int pcre_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Grow [*ws,*we) to the nearest byte that stops a window (blanks and "{}<>|;,=), at
 * most EXTEND_MAX each way, so lookarounds at the edges see real neighbours.
 */
static ALWAYS_INLINE void extend(const struct cursor *cu, size_t *ws, size_t *we)
{
    size_t lo = *ws > EXTEND_MAX ? *ws - EXTEND_MAX : 0, hi = SIL_MIN(*we + EXTEND_MAX, cu->n);
    size_t a = prev_bit(cu, M_STOP, *ws, lo, 0);
    *ws = a == SIZE_MAX ? lo : a + 1;
    *we = *we < hi ? next_bit_before(cu, *we, M_STOP, 0, hi) : hi;
}

/* Can a match of r start in [ws, we)? */
static int may_start(const struct sil_rules *rs, const struct rule *r, const struct cursor *cu,
                     size_t ws, size_t we)
{
    const char *s = cu->s;
    if (r->start_nonword && rs->lead_ok) {
        /* The lead mask has every byte that can start such a pattern, after a non-word byte. */
        for (size_t j = next_bit_before(cu, ws, M_LEAD, 0, we); j < we;
             j = next_bit_before(cu, j + 1, M_LEAD, 0, we))
            if (r->start[(unsigned char)s[j]])
                return 1;
        return 0;
    }
    for (size_t j = ws; j < we; j++)
        if (r->start[(unsigned char)s[j]] &&
            (!r->start_nonword || j == 0 || !pcre_word((unsigned char)s[j - 1])))
            return 1;
    return 0;
}

/*
 * A window grown by extend(), and what may_start needs to know about it:
 * several rules triggered by one cluster often share one.
 */
struct region {
    size_t s, e;     /* before extend(), to tell regions apart */
    size_t es, ee;   /* after */
    uint64_t sharp;  /* some lead2 byte in [es, ee) */
    size_t lead[16]; /* positions of lead bytes, found when first needed */
    size_t nlead;    /* SIZE_MAX - 1: not yet looked for; SIZE_MAX: more than fit */
};

HOT static void region_init(const struct cursor *cu, size_t ws, size_t we, struct region *g)
{
    g->s = ws;
    g->e = we;
    extend(cu, &ws, &we);
    g->es = ws;
    g->ee = we;
    g->nlead = SIZE_MAX - 1;
    g->sharp = next_bit_before(cu, ws, M_LEAD2, 0, we) < we;
}

/* Can a match of r start in the region? */
HOT static int region_may_start(const struct sil_rules *rs, const struct rule *r,
                                const struct cursor *cu, struct region *g)
{
    const char *s = cu->s;
    if (!r->has_start)
        return 1;
    if (!r->start_nonword || !rs->lead_ok)
        return may_start(rs, r, cu, g->es, g->ee);
    if (r->sharp) {
        if (!g->sharp)
            return 0;
        for (size_t j = next_bit_before(cu, g->es, M_LEAD2, 0, g->ee); j < g->ee;
             j = next_bit_before(cu, j + 1, M_LEAD2, 0, g->ee))
            if (r->start[(unsigned char)s[j]])
                return 1;
        return 0;
    }
    if (g->nlead == SIZE_MAX - 1) {
        g->nlead = 0;
        for (size_t j = next_bit_before(cu, g->es, M_LEAD, 0, g->ee); j < g->ee;
             j = next_bit_before(cu, j + 1, M_LEAD, 0, g->ee)) {
            if (g->nlead == sizeof g->lead / sizeof g->lead[0]) {
                g->nlead = SIZE_MAX;
                break;
            }
            g->lead[g->nlead++] = j;
        }
    }
    if (g->nlead == SIZE_MAX)
        return may_start(rs, r, cu, g->es, g->ee);
    for (size_t k = 0; k < g->nlead; k++)
        if (r->start[(unsigned char)s[g->lead[k]]])
            return 1;
    return 0;
}

/* Run rule ri's pattern over the region, recording each match its validator accepts. */
static void run_regex(struct sil_rscan *sc, const struct pmap *m, size_t ri,
                      const struct cursor *cu, struct region *g, unsigned flags)
{
    const struct rule *r = &sc->r->v[ri];
    const char *s = cu->s;
    size_t ws = g->es, we = g->ee;
    if (!region_may_start(sc->r, r, cu, g))
        return;
    size_t off = ws;
    while (off < we) {
        int rc = r->jit ? pcre2_jit_match(r->re, (PCRE2_SPTR)s, we, off, 0, sc->md, sc->mctx)
                        : pcre2_match(r->re, (PCRE2_SPTR)s, we, off, 0, sc->md, sc->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            return;
        if (rc < 0) {
            /* Could not decide: fail closed with a finding for a human to look at. */
            add_hit(sc, m, (size_t)sc->r->limit_rule, s, off, we, 0);
            return;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
        size_t ms = ov[0], me = ov[1];
        if (r->validator == SIL_V_IBAN) {
            /* The pattern cannot count per country; the length table can. */
            size_t span = sil_pii_iban_span(s + ms, me - ms);
            if (span && (ms + span == me ||
                         !(sc->r->ctab[(unsigned char)s[ms + span]] & (C_ALPHA | C_DIGIT))))
                me = ms + span;
        }
        if (me > ms) {
            enum sil_pii_verdict v =
                sil_pii_validate(r->validator, s + ms, me - ms, r->country[0] ? r->country : NULL);
            if (v == SIL_PII_VALID || (v == SIL_PII_FICTIONAL && (flags & SIL_SCAN_STRICT))) {
                add_hit(sc, m, ri, s, ms, me, v == SIL_PII_FICTIONAL);
                off = me;
                continue;
            }
        }
        off = ms + 1;
    }
}

/* Blocks for the text scanned at `depth`, classified into the scanner's buffer for it. */
static const struct blk *classify_text(struct sil_rscan *sc, int depth, const char *s, size_t n,
                                       size_t more)
{
    size_t nb = n / 64 + 2; /* a spare block after the last: next_bit reads one ahead */
    if (nb > sc->mbcap[depth]) {
        free(sc->mb[depth]);
        sc->mbcap[depth] = nb + nb / 2;
        sc->mb[depth] = sil_xcalloc(sc->mbcap[depth], sizeof *sc->mb[depth]);
    }
    classify_range(sc->r, s, n, more, sc->mb[depth]);
    return sc->mb[depth];
}

/*
 * The dictionary bits of the word [ws, we): none when it is too long or touches a digit.
 * `filtered`: the caller already asked sil_pii_dict_maybe().
 */
HOT static uint64_t word_bits(struct sil_rscan *sc, const struct cursor *cu, size_t ws, size_t we,
                              int filtered)
{
    const char *w = cu->s + ws;
    size_t n = we - ws, avail = cu->n - ws;
    struct sil_pii_word_key key;
    if (n > SIL_PII_WORD_MAX || bit_at(cu, M_DIGIT, we) ||
        (ws > 0 && bit_at(cu, M_DIGIT, ws - 1)) ||
        (!filtered && !sil_pii_dict_maybe(&sc->r->dfilter, w, n, avail)))
        return 0;
    if (!sil_pii_word_key(w, n, avail, &key))
        return sil_pii_dict_word(sc->r->dict, w, n, avail);
    /*
     * Words that pass the filter repeat (names, keywords): a small cache keeps their
     * bits in this scanner, away from a dictionary that streaming text evicts.
     */
    struct wcache *c = &sc->wcache[key.hash >> (64 - WCACHE_BITS)];
    if (c->n == n && c->head == key.head && c->tail == key.tail)
        return c->bits;
    c->head = key.head;
    c->tail = key.tail;
    c->n = n;
    c->bits = sil_pii_dict_word(sc->r->dict, w, n, avail);
    return c->bits;
}

/*
 * The word that ends at most 3 bytes before b, separated from it as sep_kind
 * wants (that is the kind, 1 or 2), with its bits; 0 when there is none.
 */
static int word_before(struct sil_rscan *sc, const struct cursor *cu, size_t b, struct word *w)
{
    for (size_t k = 1; k <= 3 && k <= b; k++) {
        if (!bit_at(cu, M_WORD, b - k))
            continue;
        int sp = sep_kind(cu->s, b - k + 1, b);
        if (!sp)
            return 0;
        w->e = b - k + 1;
        w->s = run_start(cu, M_WORD, w->e - 1, 0);
        w->bits = word_bits(sc, cu, w->s, w->e, 0);
        w->initial = w->e - w->s == 1 && w->e < cu->n && cu->s[w->e] == '.';
        return sp;
    }
    return 0;
}

/*
 * A name around the word [cs, ce) that has name bits: "First Last", "First M. Last",
 * "Last, First". The words before it are looked up only now, when they matter: a name
 * needs its words next to each other, with only blanks, a comma or an initial's period
 * between (sep_kind).
 */
HOT static void names_check(struct sil_rscan *sc, const struct pmap *m, const struct cursor *cu,
                            size_t cs, size_t ce, uint64_t bits)
{
    const struct sil_rules *r = sc->r;
    const char *s = cu->s;
    struct word p, pp;
    int sp = r->names_rule < 0 ? 0 : word_before(sc, cu, cs, &p);
    if (!sp)
        return;
    if ((bits & DICT_LAST) && sp == 1 &&
        (p.initial || (p.bits & DICT_FIRST) || (p.e - p.s == 1 && s[p.e] != '.')) &&
        word_before(sc, cu, p.s, &pp) == 1 && (pp.bits & DICT_FIRST) && s[pp.e] != '.') {
        add_hit(sc, m, (size_t)r->names_rule, s, pp.s, ce, 0);
        return;
    }
    if ((bits & DICT_LAST) && sp == 1 && (p.bits & DICT_FIRST) && s[p.e] != '.') {
        add_hit(sc, m, (size_t)r->names_rule, s, p.s, ce, 0);
        return;
    }
    if ((bits & DICT_FIRST) && sp == 2 && (p.bits & DICT_LAST))
        add_hit(sc, m, (size_t)r->names_rule, s, p.s, ce, 0);
}

static void scan_text(struct sil_rscan *sc, const struct pmap *m, const struct cursor *cu,
                      unsigned flags, int depth);

static void scan_decoded(struct sil_rscan *sc, const struct pmap *m, const char *s, size_t n,
                         unsigned flags, int depth)
{
    struct cursor cu = {s, n, 0, classify_text(sc, depth, s, n, 0)};
    scan_text(sc, m, &cu, flags, depth);
}

/* 8-4-4-4-12 hex: a UUID decodes to nothing readable, so skip the attempt. */
static int uuid_run(const char *s, size_t n, uint64_t nonhex)
{
    static const uint64_t dashes = 1ull << 8 | 1ull << 13 | 1ull << 18 | 1ull << 23;
    return n == 36 && nonhex == dashes && s[8] == '-' && s[13] == '-' && s[18] == '-' &&
           s[23] == '-';
}

/* A run of 8 or more b64 bytes that may decode to text. */
struct run {
    size_t a, b; /* the run */
    size_t i;    /* past its '=' padding */
    uint64_t nonhex, digit, upper, lower;
};

/*
 * The b64 run starting at a (a bit of M_LRUN): 1 and *rn when decoding it can
 * work; 0 for runs that cannot be base64 or hex, words, UUIDs. rn->i is where
 * the next run can start either way.
 */
HOT static int run_worth(const struct cursor *cu, size_t a, struct run *rn)
{
    const char *s = cu->s;
    size_t n = cu->n, i = next_bit(cu, a + 1, M_B64, ~0ull);
    rn->a = a;
    rn->b = rn->i = i;
    /* 4k+1 characters are neither base64 nor (being odd) hex. */
    if (i - a < DECODE_MIN || (i - a) % 4 == 1)
        return 0;
    run_classes(cu, a, i, &rn->nonhex, &rn->digit, &rn->upper, &rn->lower);
    if (rn->nonhex && !rn->digit && !(rn->upper && rn->lower))
        return 0; /* a word: nothing to decode */
    while (i < n && s[i] == '=' && i - rn->b < 2)
        i++;
    rn->i = i;
    return !uuid_run(s + a, rn->b - a, rn->nonhex);
}

/*
 * 0 when run_worth() would surely say no to the run at a, from 64-bit windows of the
 * masks and without a branch: most runs are words or have 4k+1 characters.
 */
static ALWAYS_INLINE int run_maybe(const struct cursor *cu, size_t a)
{
    size_t p = cu->off + a;
    uint64_t b64 = bits_from(cu, M_B64, p);
    size_t len = (size_t)__builtin_ctzll(~b64 | 1ull << 63), end = cu->n - a;
    uint64_t in = (1ull << SIL_MIN(len, end)) - 1; /* the run, if shorter than 63 */
    uint64_t digit = bits_from(cu, M_DIGIT, p) & in, upper = bits_from(cu, M_UPPER, p) & in;
    uint64_t lower = bits_from(cu, M_LOWER, p) & in, nonhex = ~bits_from(cu, M_HEX, p) & in;
    int odd = len < 63 && len <= end && len % 4 == 1;
    int word = nonhex && !digit && !(upper && lower);
    return (len >= 63 || len > end) | !(odd | word);
}

/* Decode the run (positions less shift) as hex or base64 and scan the text it holds. */
static void decode_run(struct sil_rscan *sc, const struct pmap *m, const struct cursor *cu,
                       const struct run *rn, size_t shift, unsigned flags, int depth)
{
    const char *s = cu->s;
    size_t a = rn->a - shift, b = rn->b - shift, i = rn->i - shift, len = b - a;
    int hex = !rn->nonhex;
    if (sc->dcap[depth] < len + 4) { /* base64 needs 3/4 of len, hex 1/2 */
        sc->dcap[depth] = len + 4 + len / 2;
        sc->dbuf[depth] = sil_xrealloc(sc->dbuf[depth], sc->dcap[depth]);
    }
    unsigned char *buf = sc->dbuf[depth];
    size_t cap = sc->dcap[depth];
    long k = -1;
    enum sil_decoding how = SIL_DECODED_BASE64;
    if (hex && len % 2 == 0) {
        k = sil_pii_unhex(s + a, len, buf, cap);
        how = SIL_DECODED_HEX;
    }
    if ((k < 0 || !sil_pii_is_text(buf, (size_t)k)) && (rn->digit || (rn->upper && rn->lower))) {
        k = sil_pii_base64(s + a, i - a, buf, cap);
        how = SIL_DECODED_BASE64;
    }
    if (k <= 0 || !sil_pii_is_text(buf, (size_t)k))
        return;
    struct pmap sub = {m, NULL, 0, a, i, how};
    /* Decoded text is scanned at depth + 1, with its own buffers. */
    scan_decoded(sc, &sub, (const char *)buf, (size_t)k, flags, depth + 1);
}

HOT static void decode_runs(struct sil_rscan *sc, const struct pmap *m, const struct cursor *text,
                            unsigned flags, int depth)
{
    const struct cursor local = *text, *cu = &local; /* in registers, not reloaded */
    size_t n = cu->n, i = 0;
    for (;;) {
        /* Runs shorter than 8 are not worth decoding: go straight to the longer ones. */
        size_t a = next_bit(cu, i, M_LRUN, 0);
        if (a >= n)
            break;
        struct run rn;
        int worth = run_worth(cu, a, &rn);
        i = rn.i;
        if (worth)
            decode_run(sc, m, cu, &rn, 0, flags, depth);
    }
}

/* Is the separator at i inside a digit cluster? */
static int in_cluster(const struct cursor *cu, size_t i)
{
    return bit_at(cu, M_CLUS, i);
}

/* A digit cluster [cs, end) in the line [lo, hi): windows for the rules its digits trigger. */
HOT static void digit_cluster(struct sil_rscan *sc, const struct cursor *cu, size_t cs, size_t end,
                              size_t lo, size_t hi)
{
    const struct sil_rules *r = sc->r;
    size_t first = (size_t)r->v[r->dig[0]].min_digits;
    if (end - cs < first)
        return;
    size_t nd = count_bits(cu, M_DIGIT, cs, end);
    if (nd < first || iso_date(cu->s + cs, end - cs, nd))
        return;
    size_t dots = r->any_min_dots ? count_bits(cu, M_DOT, cs, end) : 0, seps = end - cs - nd;
    /*
     * A sharp rule gets no window where its pattern cannot start. Grown windows nest as
     * the margin grows, so the widest one answers for all when it holds no start byte.
     */
    int sharp_any = -1;
    for (size_t k = 0; k < r->ndig; k++) {
        const struct rule *ru = &r->v[r->dig[k]];
        if (nd < (size_t)ru->min_digits)
            break;
        if (dots < (size_t)ru->min_dots || seps < (size_t)ru->min_seps)
            continue;
        if (ru->sharp) {
            if (sharp_any < 0) {
                size_t m = r->sharp_margin, a = cs - lo > m ? cs - m : lo, b = SIL_MIN(end + m, hi);
                extend(cu, &a, &b);
                sharp_any = next_bit_before(cu, a, M_LEAD2, 0, b) < b;
            }
            if (!sharp_any)
                continue;
            size_t m = (size_t)ru->margin, a = cs - lo > m ? cs - m : lo, b = SIL_MIN(end + m, hi);
            extend(cu, &a, &b);
            if (next_bit_before(cu, a, M_LEAD2, 0, b) >= b)
                continue;
        }
        add_win(sc, r->dig[k], cs, end, (size_t)ru->margin, lo, hi);
    }
}

/*
 * The lines of a text being gathered: positions relative to the cursor's text,
 * line k being [s[k], e[k]) (e before a '\r'). One line for a single text.
 */
struct lines {
    const size_t *s, *e;
    size_t n;
    /* With more than one line: the newlines of cu, and the lines before each of its blocks. */
    const struct cursor *cu;
    const size_t *before; /* by block, from the block holding the text's first byte */
};

/* The line holding position pos: the newlines before it, counted in its block. */
static inline size_t line_at(const struct lines *L, size_t pos)
{
    if (L->n == 1)
        return 0;
    size_t abs = L->cu->off + pos, k = (abs >> 6) - (L->cu->off >> 6);
    uint64_t below = (1ull << (abs & 63)) - 1;
    return L->before[k] + popcount64(mask_at(L->cu, M_NL, abs) & below);
}

enum { LINE_ESCAPES = 1, LINE_WORK = 2 };

/*
 * The first half of a scan: walk words, digit clusters and attention bytes and
 * collect the rules' windows (sc->w), names (sc->h) and which lines have
 * escapes (mark[k] |= LINE_ESCAPES; mark may be NULL for a single line).
 * Words, clusters and those bytes never overlap, so each gets its own pass over
 * the masks, with branches that predict well.
 */
HOT static void attention(struct sil_rscan *sc, const struct cursor *cu, const struct lines *L,
                          size_t i, unsigned char *mark, int *escapes, size_t *v6_done);

HOT static void gather(struct sil_rscan *sc, const struct pmap *m, const struct cursor *text,
                       const struct lines *L, unsigned char *mark, int *escapes)
{
    const struct cursor local = *text, *cu = &local;
    const struct sil_rules *r = sc->r;
    const char *s = cu->s;
    size_t n = cu->n;
    size_t v6_done = 0;
    /* Which passes have anything to do at all. */
    uint64_t any_clus = 0, any_attn = 0;
    for (size_t p = cu->off & ~(size_t)63, e = cu->off + n; p < e; p += 64) {
        uint64_t in = ~0ull;
        if (p < cu->off)
            in &= ~0ull << (cu->off & 63);
        if (e - p < 64)
            in &= ~0ull >> (64 - (e - p));
        any_clus |= mask_at(cu, M_LCLUS, p) & in;
        any_attn |= mask_at(cu, M_ATTN, p) & in;
    }
    size_t wst[RUNS_MAX + 64], wen[RUNS_MAX + 64];
    for (size_t from = 0; from < n;) {
        size_t nw = collect_runs(cu, M_WORD, from, wst, wen, &from);
        for (size_t k = 0; k < nw; k++) {
            size_t ws = wst[k], we = wen[k];
            /* The filter first: it turns away almost every word. */
            if (!sil_pii_dict_maybe(&r->dfilter, s + ws, we - ws, n - ws))
                continue;
            uint64_t bits = word_bits(sc, cu, ws, we, 1);
            if (!bits)
                continue;
            size_t l = line_at(L, ws);
            for (uint64_t t = bits >> WORD_BIT0; t; t &= t - 1) {
                int b = WORD_BIT0 + __builtin_ctzll(t);
                if (!r->word_rule[b])
                    continue;
                size_t ri = r->word_rule[b] - 1;
                add_win(sc, ri, ws, we, (size_t)r->v[ri].margin, L->s[l], L->e[l]);
            }
            if (bits & (DICT_FIRST | DICT_LAST))
                names_check(sc, m, cu, ws, we, bits);
        }
    }
    /* Only clusters long enough to trigger a rule. */
    size_t pos[BITS_MAX + 68];
    for (size_t from = r->ndig && any_clus ? 0 : n; from < n;) {
        size_t np = collect_bits(cu, M_LCLUS, from, pos, &from);
        for (size_t k = 0; k < np; k++) {
            size_t cs = pos[k], ce = next_bit(cu, cs + 1, M_CLUS, ~0ull);
            size_t l = line_at(L, cs);
            digit_cluster(sc, cu, cs, ce, L->s[l], L->e[l]);
        }
    }
    for (size_t from = any_attn ? 0 : n; from < n;) {
        size_t np = collect_bits(cu, M_ATTN, from, pos, &from);
        for (size_t k = 0; k < np; k++)
            attention(sc, cu, L, pos[k], mark, escapes, &v6_done);
    }
}

/* An attention byte at i: a trigger character, a colon, an escape. */

HOT static void attention(struct sil_rscan *sc, const struct cursor *cu, const struct lines *L,
                          size_t i, unsigned char *mark, int *escapes, size_t *v6_done)
{
    const struct sil_rules *r = sc->r;
    const char *s = cu->s;
    unsigned char c = (unsigned char)s[i];
    /* Only a byte outside words and digit clusters counts (a user's trigger may be one). */
    if ((r->bclass[c] & (B_ALPHA | B_JOIN | B_DIGIT | B_SEP)) &&
        (bit_at(cu, M_WORD, i) || in_cluster(cu, i)))
        return;
    size_t l = SIZE_MAX, ls = 0, le = 0;
#define LINE()                                                                                     \
    do {                                                                                           \
        if (l == SIZE_MAX) {                                                                       \
            l = line_at(L, i);                                                                     \
            ls = L->s[l];                                                                          \
            le = L->e[l];                                                                          \
        }                                                                                          \
    } while (0)
    if (r->trig[c]) {
        LINE();
        for (size_t ri = 0; ri < r->n && i < le; ri++)
            if (r->v[ri].chars && r->v[ri].re && strchr(r->v[ri].chars, (char)c))
                add_win(sc, ri, i, i + 1, (size_t)r->v[ri].margin, ls, le);
    }
    if (c == ':' && r->any_ipv6 && i >= *v6_done) {
        /*
         * The run of hex digits, ':' and '.' around it, at most 45 back and 60 long. A line
         * ends in '\r' or '\n', which are neither, so the run stays in the line.
         */
        size_t abs = cu->off + i, lo = i > 45 ? 45 : i;
        uint64_t back = bits_from(cu, M_V6, abs - lo) | ~0ull << lo; /* [i-lo, i) */
        size_t a = lo ? i - (size_t)__builtin_clzll(~back << (64 - lo) | 1ull << (63 - lo)) : i;
        uint64_t fwd = ~bits_from(cu, M_V6, cu->off + a);
        size_t b = SIL_MIN(a + (fwd ? (size_t)__builtin_ctzll(fwd) : 64), a + 60);
        b = SIL_MIN(b, cu->n);
        uint64_t col = bits_from(cu, M_COLON, cu->off + a) & ((1ull << (b - a)) - 1);
        size_t colons = popcount64(col);
        if ((col & col >> 1) || colons >= 7) {
            LINE();
            for (size_t ri = 0; ri < r->n; ri++)
                if (r->v[ri].ipv6 && r->v[ri].re)
                    add_win(sc, ri, a, b, (size_t)r->v[ri].margin, ls, le);
        }
        *v6_done = b;
    }
    if (c == '%' || c == '\\') {
        LINE();
        if (i + 2 < le) {
            if (mark)
                mark[l] |= LINE_ESCAPES;
            else
                *escapes = 1;
        }
    }
#undef LINE
}

/* Merge each rule's windows, then order them by extent; returns how many. */
static size_t merge_wins(struct sil_rscan *sc)
{
    settle_wins(sc);
    size_t nm = 0;
    for (size_t a = 0; a < sc->nw;) {
        size_t ri = sc->w[a].rule, ws = sc->w[a].s, we = sc->w[a].e;
        a++;
        while (a < sc->nw && sc->w[a].rule == ri && sc->w[a].s <= we) {
            if (sc->w[a].e > we)
                we = sc->w[a].e;
            a++;
        }
        sc->w[nm++] = (struct win){ws, we, ri};
    }
    /*
     * By extent, so rules triggered by one cluster share one region. The order of rules
     * does not change the findings: hits are sorted by position, then rule.
     */
    sort_wins(sc->w, nm, extent_cmp);
    sc->nw = 0;
    return nm;
}

/*
 * The second half of a scan of one line (or text): run the patterns in its
 * windows (positions less `shift`), dates of birth next to the names found
 * since hits_before, and the decoded forms of the text: its escapes, and its
 * b64 runs -- those given (positions less `shift`), or when runs is NULL all.
 */
HOT static void finish_line(struct sil_rscan *sc, const struct pmap *m, const struct cursor *cu,
                            const struct win *w, size_t nw, const struct run *runs, size_t nruns,
                            size_t shift, size_t hits_before, int escapes, unsigned flags,
                            int depth)
{
    const struct sil_rules *r = sc->r;
    const char *s = cu->s;
    size_t n = cu->n;
    struct region g = {SIZE_MAX, SIZE_MAX, 0, 0, 0, {0}, 0};
    if (r->any_always)
        for (size_t ri = 0; ri < r->n; ri++)
            if (r->v[ri].always && r->v[ri].re) {
                region_init(cu, 0, n, &g);
                run_regex(sc, m, ri, cu, &g, flags);
            }
    for (size_t a = 0; a < nw; a++) {
        size_t ws = w[a].s - shift, we = w[a].e - shift;
        if (ws != g.s || we != g.e)
            region_init(cu, ws, we, &g);
        run_regex(sc, m, w[a].rule, cu, &g, flags);
    }

    /* A date next to a name is a date of birth. */
    if (r->namedate_rule >= 0 && r->names_rule >= 0 && !m) {
        size_t end_hits = sc->nh;
        for (size_t h = hits_before; h < end_hits; h++) {
            if (sc->h[h].rule != (size_t)r->names_rule || sc->h[h].in_vals)
                continue;
            size_t ns = sc->h[h].start, ne = ns + sc->h[h].vlen;
            size_t a = ns > 40 ? ns - 40 : 0, b = ne + 40 < n ? ne + 40 : n, ds, de;
            if (sil_pii_find_date(s + ne, b - ne, &ds, &de))
                add_hit(sc, m, (size_t)r->namedate_rule, s, ne + ds, ne + de, 0);
            else if (sil_pii_find_date(s + a, ns - a, &ds, &de))
                add_hit(sc, m, (size_t)r->namedate_rule, s, a + ds, a + de, 0);
        }
    }

    if (!(flags & SIL_SCAN_NO_DECODE) && depth < DECODE_DEPTH) {
        if (escapes && sil_pii_has_escape(s, n)) {
            struct sil_buf dec;
            size_t *map = NULL, mapcap = 0;
            sil_buf_init(&dec, 0);
            if (sil_pii_unescape(s, n, &dec, &map, &mapcap)) {
                struct pmap sub = {m, map, dec.len, 0, 0, SIL_DECODED_ESCAPES};
                scan_decoded(sc, &sub, dec.data, dec.len, flags, depth + 1);
            }
            free(map);
            sil_buf_release(&dec);
        }
        if (!runs && next_bit(cu, 0, M_LRUN, 0) < n)
            decode_runs(sc, m, cu, flags, depth);
        for (size_t k = 0; k < nruns; k++)
            decode_run(sc, m, cu, &runs[k], shift, flags, depth);
    }
}

/* Scan one text: all of it is one line. */
static void scan_text(struct sil_rscan *sc, const struct pmap *m, const struct cursor *cu,
                      unsigned flags, int depth)
{
    size_t zero = 0, n = cu->n, hits_before = sc->nh;
    struct lines L = {&zero, &n, 1, NULL, NULL};
    int escapes = 0;
    sc->nw = 0;
    gather(sc, m, cu, &L, NULL, &escapes);
    size_t nm = merge_wins(sc);
    /* finish_line may scan decoded text, which reuses sc->w: the windows go first. */
    finish_line(sc, m, cu, sc->w, nm, NULL, 0, 0, hits_before, escapes, flags, depth);
}

static int hit_cmp(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    if (x->decoded != y->decoded)
        return x->decoded < y->decoded ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Sort the hits of one text and pass them to fn; *stop is set when fn asked to stop. */
static size_t report_hits(struct sil_rscan *sc, const char *s, unsigned flags, size_t line,
                          sil_match_fn fn, void *ctx, int *stop)
{
    if (sc->nh == 0)
        return 0;
    qsort(sc->h, sc->nh, sizeof *sc->h, hit_cmp);
    size_t reported = 0, kept_end = 0;
    int any = 0;
    for (size_t i = 0; i < sc->nh; i++) {
        const struct hit *h = &sc->h[i];
        if (!(flags & SIL_SCAN_ALL)) {
            /* One finding per span of text: the first rule (in policy order) wins. */
            if (any && h->start < kept_end && h->rule != (size_t)sc->r->namedate_rule)
                continue;
        } else if (i > 0 && h->rule == sc->h[i - 1].rule && h->start == sc->h[i - 1].start &&
                   h->end == sc->h[i - 1].end) {
            continue;
        }
        if (h->end > kept_end || !any)
            kept_end = h->end;
        any = 1;
        struct sil_match mt;
        mt.rule = h->rule;
        mt.start = h->start;
        mt.end = h->end;
        mt.value = h->in_vals ? sc->vals.data + h->voff : s + h->voff;
        mt.value_len = h->vlen;
        mt.decoded = h->decoded;
        mt.fictional = h->fictional;
        mt.line = line;
        reported++;
        if (fn && fn(ctx, &mt)) {
            *stop = 1;
            break;
        }
    }
    return reported;
}

size_t sil_rscan_text(struct sil_rscan *sc, const char *s, size_t n, unsigned flags,
                      sil_match_fn fn, void *ctx)
{
    int stop = 0;
    struct cursor cu = {s, n, 0, classify_text(sc, 0, s, n, 0)};
    sc->nh = 0;
    sil_buf_reset(&sc->vals);
    scan_text(sc, NULL, &cu, flags, 0);
    return report_hits(sc, s, flags, 0, fn, ctx, &stop);
}

/* Lines are scanned from blocks classified a chunk at a time. */
#define LINES_CHUNK ((size_t)16 << 10)

/*
 * The windows of a chunk's lines into sc->cw, by line and in each line merged
 * and ordered as merge_wins does (no sort of the whole chunk: a bucket per
 * line). Returns how many.
 */
HOT static size_t lines_wins(struct sil_rscan *sc, const struct lines *L)
{
    for (size_t i = 0; i < sc->nopened; i++) {
        struct win *o = &sc->open[sc->opened[i]];
        close_win(sc, o);
        o->e = 0;
    }
    sc->nopened = 0;
    size_t nw = sc->nw;
    sc->nw = 0;
    if (nw == 0)
        return 0;
    /* Count per line (the line of a window is the last line starting at or before it). */
    size_t *count = sc->lcount;
    memset(count, 0, (L->n + 1) * sizeof *count);
    for (size_t k = 0; k < nw; k++) {
        size_t lo = 0, hi = L->n;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (L->s[mid] <= sc->w[k].s)
                lo = mid;
            else
                hi = mid;
        }
        sc->wline[k] = lo;
        count[lo + 1]++;
    }
    for (size_t l = 0; l < L->n; l++)
        count[l + 1] += count[l];
    sc->cw = sil_xgrow(sc->cw, sizeof *sc->cw, nw + 1, &sc->cwcap);
    for (size_t k = 0; k < nw; k++)
        sc->cw[count[sc->wline[k]]++] = sc->w[k];
    /* count[l] is now the end of line l's windows; merge each line's in place. */
    size_t out = 0, from = 0;
    for (size_t l = 0; l < L->n && from < nw; l++) {
        size_t to = count[l];
        if (to == from)
            continue;
        struct win *w = sc->cw + from;
        sort_wins(w, to - from, win_cmp);
        size_t first = out;
        for (size_t a = 0; a < to - from;) {
            size_t ri = w[a].rule, ws = w[a].s, we = w[a].e;
            a++;
            while (a < to - from && w[a].rule == ri && w[a].s <= we) {
                if (w[a].e > we)
                    we = w[a].e;
                a++;
            }
            sc->cw[out++] = (struct win){ws, we, ri};
        }
        sort_wins(sc->cw + first, out - first, extent_cmp);
        from = to;
    }
    return out;
}

/* Scan one line [p, p + len) of s (n bytes) on its own: for lines longer than a chunk. */
static size_t scan_long_line(struct sil_rscan *sc, const char *s, size_t n, size_t p, size_t len,
                             size_t line, unsigned flags, sil_match_fn fn, void *ctx, int *stop)
{
    size_t c0 = p & ~(size_t)63, c1 = SIL_MIN(p + len + 1, n);
    classify_text(sc, 0, s + c0, c1 - c0, n - c1);
    struct cursor cu = {s + p, len, p - c0, sc->mb[0]};
    sc->nh = 0;
    sil_buf_reset(&sc->vals);
    scan_text(sc, NULL, &cu, flags, 0);
    return report_hits(sc, s + p, flags, line, fn, ctx, stop);
}

HOT size_t sil_rscan_lines(struct sil_rscan *sc, const char *s, size_t n, size_t *lines,
                           unsigned flags, sil_match_fn fn, void *ctx)
{
    const struct sil_rules *r = sc->r;
    size_t line = *lines, reported = 0, p = 0;
    int stop = 0;
    if (!sc->ls) {
        sc->ls = sil_xcalloc(LINES_CHUNK + 2, sizeof *sc->ls);
        sc->le = sil_xcalloc(LINES_CHUNK + 2, sizeof *sc->le);
        sc->lcount = sil_xcalloc(LINES_CHUNK + 3, sizeof *sc->lcount);
        sc->lmark = sil_xcalloc(LINES_CHUNK + 2, 1);
        sc->bits = sil_xcalloc(BITS_MAX + 68, sizeof *sc->bits);
        sc->lbefore = sil_xcalloc(LINES_CHUNK / 64 + 4, sizeof *sc->lbefore);
    }
    while (p < n && !stop) {
        /* A chunk from this line's block on, and the lines that end in it. */
        size_t c0 = p & ~(size_t)63, c1 = SIL_MIN(c0 + LINES_CHUNK, n), nl = 0, end = 0;
        classify_text(sc, 0, s + c0, c1 - c0, n - c1);
        struct cursor all = {s + p, c1 - p, p - c0, sc->mb[0]};
        for (size_t from = 0, ls = 0; from < all.n;) {
            size_t *pos = sc->bits, np = collect_bits(&all, M_NL, from, pos, &from);
            for (size_t k = 0; k < np; k++) {
                size_t q = pos[k];
                sc->ls[nl] = ls;
                sc->le[nl] = q > ls && s[p + q - 1] == '\r' ? q - 1 : q;
                nl++;
                ls = end = q + 1;
            }
        }
        if (c1 == n && end < all.n) { /* the last line, without a newline */
            sc->ls[nl] = end;
            sc->le[nl] = s[n - 1] == '\r' ? all.n - 1 : all.n;
            nl++;
            end = all.n;
        }
        if (nl == 0) { /* a line longer than a chunk */
            const char *q = memchr(s + p, '\n', n - p);
            size_t le = q ? (size_t)(q - s) : n, len = le - p;
            if (len > 0 && s[le - 1] == '\r')
                len--;
            reported += scan_long_line(sc, s, n, p, len, line++, flags, fn, ctx, &stop);
            p = q ? le + 1 : n;
            continue;
        }
        memset(sc->lmark, 0, nl);
        struct cursor cu = {s + p, end, p - c0, sc->mb[0]};
        /* Lines before each block: so many newlines, less those before the text in its block. */
        size_t k0 = cu.off >> 6, k1 = (cu.off + end - 1) >> 6, lines_before = 0;
        for (size_t k = k0; k <= k1; k++) {
            uint64_t nlm = mask_at(&cu, M_NL, k << 6), early = 0;
            if (k == k0)
                early = nlm & ((1ull << (cu.off & 63)) - 1);
            sc->lbefore[k - k0] = lines_before - popcount64(early);
            lines_before += popcount64(nlm & ~early);
        }
        struct lines L = {sc->ls, sc->le, nl, &cu, sc->lbefore};
        int unused = 0;
        sc->nw = 0;
        sc->nh = 0;
        sil_buf_reset(&sc->vals);
        gather(sc, NULL, &cu, &L, sc->lmark, &unused);

        /* Keep what the lines need: finishing one may scan decoded text with sc->w and sc->h. */
        size_t nm = lines_wins(sc, &L), nh = sc->nh;
        sc->ch = sil_xgrow(sc->ch, sizeof *sc->ch, nh + 1, &sc->chcap);
        if (nh)
            memcpy(sc->ch, sc->h, nh * sizeof *sc->ch);
        for (size_t k = 0; k < nm; k++)
            sc->lmark[line_at(&L, sc->cw[k].s)] |= LINE_WORK;
        for (size_t k = 0; k < nh; k++)
            sc->lmark[line_at(&L, sc->ch[k].start)] |= LINE_WORK;
        /* The b64 runs worth decoding (the same decode_runs would try). */
        size_t nr = 0;
        for (size_t from = 0; from < end;) {
            size_t *pos = sc->bits, np = collect_bits(&cu, M_LRUN, from, pos, &from);
            for (size_t k = 0; k < np; k++) {
                struct run rn;
                if (!run_maybe(&cu, pos[k]) || !run_worth(&cu, pos[k], &rn))
                    continue;
                sc->cr = sil_xgrow(sc->cr, sizeof *sc->cr, nr + 1, &sc->crcap);
                sc->cr[nr++] = rn;
                sc->lmark[line_at(&L, pos[k])] |= LINE_WORK;
            }
        }

        /* Finish the lines that have anything left to do, in order: windows, names and runs
         * exist only for such lines, so each list is walked once. */
        size_t wi = 0, hi = 0, ri = 0, nwork = 0;
        for (size_t k = 0; k < nl; k++) {
            sc->lcount[nwork] = k;
            nwork += (sc->lmark[k] || r->any_always) && sc->le[k] > sc->ls[k];
        }
        for (size_t j = 0; j < nwork && !stop; j++) {
            size_t k = sc->lcount[j], ls = sc->ls[k], le = sc->le[k], w0, r0;
            for (w0 = wi; wi < nm && sc->cw[wi].s < le;)
                wi++;
            for (r0 = ri; ri < nr && sc->cr[ri].a < le;)
                ri++;
            struct cursor lc = {s + p + ls, le - ls, p - c0 + ls, sc->mb[0]};
            sc->nh = 0;
            sil_buf_reset(&sc->vals);
            for (; hi < nh && sc->ch[hi].start < le; hi++)
                add_hit(sc, NULL, sc->ch[hi].rule, lc.s, sc->ch[hi].start - ls, sc->ch[hi].end - ls,
                        sc->ch[hi].fictional);
            finish_line(sc, NULL, &lc, sc->cw + w0, wi - w0, sc->cr + r0, ri - r0, ls, 0,
                        sc->lmark[k] & LINE_ESCAPES, flags, 0);
            reported += report_hits(sc, lc.s, flags, line + k, fn, ctx, &stop);
        }
        line += nl;
        p += end;
    }
    *lines = line;
    return reported;
}

/* ---- classification ---- */

void sil_pii_profile_init(struct sil_pii_profile *p)
{
    memset(p, 0, sizeof *p);
}

struct prof_ctx {
    const struct sil_rules *r;
    size_t lo, hi; /* the value without surrounding blanks */
    unsigned char any[SIL_CLASS__COUNT], whole[SIL_CLASS__COUNT];
};

static int prof_cb(void *ctx, const struct sil_match *m)
{
    struct prof_ctx *pc = ctx;
    enum sil_class k = pc->r->v[m->rule].info.kind;
    pc->any[k] = 1;
    if (m->start <= pc->lo && m->end >= pc->hi)
        pc->whole[k] = 1;
    return 0;
}

void sil_rscan_profile(struct sil_rscan *sc, const char *value, size_t n, struct sil_pii_profile *p)
{
    struct prof_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.r = sc->r;
    pc.lo = 0;
    pc.hi = n;
    while (pc.lo < n && (sc->r->ctab[(unsigned char)value[pc.lo]] & C_SPACE))
        pc.lo++;
    while (pc.hi > pc.lo && (sc->r->ctab[(unsigned char)value[pc.hi - 1]] & C_SPACE))
        pc.hi--;
    sil_rscan_text(sc, value, n, SIL_SCAN_STRICT | SIL_SCAN_ALL, prof_cb, &pc);
    p->values++;
    int some = 0;
    for (int k = 0; k < SIL_CLASS__COUNT; k++) {
        p->any[k] += pc.any[k];
        p->whole[k] += pc.whole[k];
        some |= pc.any[k] && sil_class_is_personal((enum sil_class)k);
    }
    p->some += (size_t)some;
}

enum sil_class sil_pii_profile_class(const struct sil_pii_profile *p, double min_fraction)
{
    if (p->values == 0)
        return SIL_CLASS_PUBLIC;
    size_t best = 0;
    int bk = -1;
    for (int k = 0; k < SIL_CLASS__COUNT; k++) {
        if (!sil_class_is_personal((enum sil_class)k))
            continue;
        if (p->whole[k] > best) {
            best = p->whole[k];
            bk = k;
        }
    }
    if (bk >= 0 && (double)best >= min_fraction * (double)p->values)
        return (enum sil_class)bk;
    /* Values with some PII of any kind: a column of notes mentions names in one row and
     * addresses in the next. */
    if ((double)p->some >= min_fraction * (double)p->values && p->some > 0)
        return SIL_CLASS_PERSONAL_FREE_TEXT;
    return SIL_CLASS_PUBLIC;
}
