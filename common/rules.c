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
#define DECODE_MIN     8  /* shortest base64 / hex run worth decoding */
#define DECODE_DEPTH   2  /* decoded text is decoded again at most this often */
#define MATCH_LIMIT    200000u
#define DEPTH_LIMIT    20000u

struct rule {
    struct sil_rule_info info;
    enum rtype t;
    char *pattern;
    int caseless;
    pcre2_code *re;
    int jit;
    enum sil_pii_validator validator;
    char country[3];
    /* trigger */
    int always;
    int min_digits; /* 0 = no digit trigger */
    int min_dots;   /* the digit cluster must also hold this many '.' */
    char *chars;    /* trigger bytes, or NULL */
    int ipv6;
    char **words, **suffixes;
    size_t nwords, nsuffixes;
    int word_bit; /* -1 or the dictionary bit for its words */
    int margin;
    /* names */
    char *first_path, *last_path;
};

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
    static const char *const tkeys[] = {"min_digits", "min_dots", "chars",  "words",
                                        "suffixes",   "ipv6",     "margin", NULL};
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
        int64_t md = 0, mdots = 0, margin = MARGIN_DEFAULT;
        const char *chars = NULL;
        if (sil_json_check_object(c, trig, tkeys) < 0 ||
            sil_json_int(c, trig, "min_digits", 0, 1, 64, &md) < 0 ||
            sil_json_int(c, trig, "min_dots", 0, 0, 16, &mdots) < 0 ||
            sil_json_str(c, trig, "chars", 0, 16, &chars) < 0 ||
            sil_json_bool(c, trig, "ipv6", 0, &r->ipv6) < 0 ||
            sil_json_int(c, trig, "margin", 0, 0, 256, &margin) < 0 ||
            read_strings(c, trig, "words", &r->words, &r->nwords) < 0 ||
            read_strings(c, trig, "suffixes", &r->suffixes, &r->nsuffixes) < 0)
            return -1;
        r->min_digits = (int)md;
        r->min_dots = (int)mdots;
        if (mdots && !md)
            return sil_jctx_fail_at(c, "min_dots", "min_dots needs min_digits");
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

static int hexval_ok(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

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

struct sil_rscan {
    const struct sil_rules *r;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *js;
    struct win *w;
    size_t nw, wcap;
    struct hit *h;
    size_t nh, hcap;
    struct sil_buf vals;
    const char *top;
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
    free(sc->h);
    sil_buf_release(&sc->vals);
    free(sc);
}

const struct sil_rules *sil_rscan_rules(const struct sil_rscan *sc)
{
    return sc->r;
}

static void add_win(struct sil_rscan *sc, size_t rule, size_t s, size_t e, size_t margin, size_t n)
{
    s = s > margin ? s - margin : 0;
    e = e + margin < n ? e + margin : n;
    if (sc->nw > 0) {
        struct win *last = &sc->w[sc->nw - 1];
        if (last->rule == rule && s <= last->e) {
            if (e > last->e)
                last->e = e;
            return;
        }
    }
    sc->w = sil_xgrow(sc->w, sizeof *sc->w, sc->nw + 1, &sc->wcap);
    sc->w[sc->nw++] = (struct win){s, e, rule};
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
        const struct pmap *top = m;
        while (top->parent && top->how == SIL_DECODED_NONE)
            top = top->parent;
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

/* Grow [*s,*e) to word boundaries so lookarounds at the edges see real neighbours. */
static void extend(const unsigned char *ctab, const char *s, size_t n, size_t *ws, size_t *we)
{
    size_t a = *ws, b = *we, k;
    for (k = 0; a > 0 && k < EXTEND_MAX && !(ctab[(unsigned char)s[a - 1]] & C_STOP); k++)
        a--;
    for (k = 0; b < n && k < EXTEND_MAX && !(ctab[(unsigned char)s[b]] & C_STOP); k++)
        b++;
    *ws = a;
    *we = b;
}

static void run_regex(struct sil_rscan *sc, const struct pmap *m, size_t ri, const char *s,
                      size_t n, size_t ws, size_t we, unsigned flags)
{
    const struct rule *r = &sc->r->v[ri];
    extend(sc->r->ctab, s, n, &ws, &we);
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

/*
 * A digit cluster that is exactly an ISO date, optionally with the hour of a
 * time ("2024-03-15", "2024-03-15 10"): the commonest digits in logs and
 * data, and no shipped digit rule matches one, so it triggers nothing.
 */
static int iso_date(const char *s, size_t n)
{
    static const char shape[] = "dddd-dd-dd dd";
    if (n != 10 && n != 13)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

/* 8-4-4-4-12 hex: a UUID decodes to nothing readable, so skip the attempt. */
static int uuid_shape(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : hexval_ok((unsigned char)s[i]) == 0)
            return 0;
    }
    return 1;
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

static void names_check(struct sil_rscan *sc, const struct pmap *m, const char *s,
                        const struct word *w, size_t nw)
{
    /* w[nw-1] is the current word, w[nw-2] and w[nw-3] the ones before it. */
    const struct sil_rules *r = sc->r;
    if (r->names_rule < 0 || nw < 2)
        return;
    const struct word *c = &w[nw - 1], *p = &w[nw - 2];
    int sp = sep_kind(s, p->e, c->s);
    if (!sp)
        return;
    if ((c->bits & DICT_LAST) && sp == 1 && nw >= 3 &&
        (p->initial || (p->bits & DICT_FIRST) || (p->e - p->s == 1 && s[p->e] != '.'))) {
        const struct word *pp = &w[nw - 3];
        if ((pp->bits & DICT_FIRST) && sep_kind(s, pp->e, p->s) == 1 && s[pp->e] != '.') {
            add_hit(sc, m, (size_t)r->names_rule, s, pp->s, c->e, 0);
            return;
        }
    }
    if ((c->bits & DICT_LAST) && sp == 1 && (p->bits & DICT_FIRST) && s[p->e] != '.') {
        add_hit(sc, m, (size_t)r->names_rule, s, p->s, c->e, 0);
        return;
    }
    if ((c->bits & DICT_FIRST) && sp == 2 && (p->bits & DICT_LAST))
        add_hit(sc, m, (size_t)r->names_rule, s, p->s, c->e, 0);
}

static void scan_text(struct sil_rscan *sc, const struct pmap *m, const char *s, size_t n,
                      unsigned flags, int depth);

static void decode_runs(struct sil_rscan *sc, const struct pmap *m, const char *s, size_t n,
                        unsigned flags, int depth)
{
    const unsigned char *ctab = sc->r->ctab;
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t i = 0;
    while (i < n) {
        if (!(ctab[(unsigned char)s[i]] & C_B64)) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < n && (ctab[(unsigned char)s[i]] & C_B64))
            i++;
        if (i - a < DECODE_MIN)
            continue;
        int hex = 1, digit = 0, upper = 0, lower = 0;
        for (size_t j = a; j < i; j++) {
            unsigned char c = (unsigned char)s[j];
            hex &= (ctab[c] & C_HEX) != 0;
            digit |= c >= '0' && c <= '9';
            upper |= c >= 'A' && c <= 'Z';
            lower |= c >= 'a' && c <= 'z';
        }
        size_t b = i;
        while (i < n && s[i] == '=' && i - b < 2)
            i++;
        size_t len = b - a;
        if (len < DECODE_MIN || uuid_shape(s + a, len))
            continue;
        if (len / 2 + 4 > cap) {
            cap = len / 2 + 4 + len;
            buf = sil_xrealloc(buf, cap);
        }
        long k = -1;
        enum sil_decoding how = SIL_DECODED_BASE64;
        if (hex && len % 2 == 0) {
            k = sil_pii_unhex(s + a, len, buf, cap);
            how = SIL_DECODED_HEX;
        }
        if ((k < 0 || !sil_pii_is_text(buf, (size_t)k)) && (digit || (upper && lower))) {
            k = sil_pii_base64(s + a, i - a, buf, cap);
            how = SIL_DECODED_BASE64;
        }
        if (k <= 0 || !sil_pii_is_text(buf, (size_t)k))
            continue;
        struct pmap sub = {m, NULL, 0, a, i, how};
        /* The decoded bytes live in buf; scanning them may grow sc->vals but not buf. */
        scan_text(sc, &sub, (const char *)buf, (size_t)k, flags, depth + 1);
    }
    free(buf);
}

static void scan_text(struct sil_rscan *sc, const struct pmap *m, const char *s, size_t n,
                      unsigned flags, int depth)
{
    const struct sil_rules *r = sc->r;
    const unsigned char *ctab = r->ctab;
    const uint8_t *prefixes = sil_pii_dict_prefixes(r->dict);
    struct word w[3];
    size_t nwd = 0, v6_done = 0;
    int escapes = 0;
    size_t first_win = sc->nw = 0;
    size_t hits_before = sc->nh;
    (void)first_win;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        unsigned k = ctab[c];
        if (k & C_ALPHA) {
            size_t ws = i;
            i++;
            while (i < n) {
                unsigned char d = (unsigned char)s[i];
                if (ctab[d] & C_ALPHA)
                    i++;
                else if ((d == '\'' || d == '-') && i + 1 < n &&
                         (ctab[(unsigned char)s[i + 1]] & C_ALPHA) &&
                         !(ctab[(unsigned char)s[i + 1]] & C_DIGIT))
                    i += 2;
                else
                    break;
            }
            size_t len = i - ws;
            uint64_t bits = 0;
            if (len <= SIL_PII_WORD_MAX && (i >= n || !(ctab[(unsigned char)s[i]] & C_DIGIT)) &&
                (ws == 0 || !(ctab[(unsigned char)s[ws - 1]] & C_DIGIT))) {
                unsigned key = sil_pii_key3(s + ws, len);
                if (prefixes[key >> 3] & (1u << (key & 7)))
                    bits = sil_pii_dict_get(r->dict, s + ws, len);
                if (len >= 4 && r->any_suffix)
                    bits |= sil_pii_dict_suffix(r->dict, s + ws, len);
            }
            if (bits >> WORD_BIT0) {
                for (int b = WORD_BIT0; b < 64; b++) {
                    if (!(bits & (1ull << b)) || !r->word_rule[b])
                        continue;
                    size_t ri = r->word_rule[b] - 1;
                    add_win(sc, ri, ws, i, (size_t)r->v[ri].margin, n);
                }
            }
            struct word cur = {ws, i, bits, len == 1 && i < n && s[i] == '.'};
            if (nwd == 3) {
                w[0] = w[1];
                w[1] = w[2];
                nwd = 2;
            }
            if (nwd > 0 && w[nwd - 1].e + 4 < ws)
                nwd = 0; /* too far apart to be one name */
            w[nwd++] = cur;
            if (bits & (DICT_FIRST | DICT_LAST))
                names_check(sc, m, s, w, nwd);
            continue;
        }
        if (k & C_DIGIT) {
            size_t cs = i, last = i;
            int nd = 0, gap = 0, dots = 0, dots_at_last = 0;
            while (i < n) {
                unsigned char d = (unsigned char)s[i];
                if (ctab[d] & C_DIGIT) {
                    nd++;
                    last = i;
                    gap = 0;
                    dots_at_last = dots;
                } else if ((ctab[d] & C_SEP) && gap < 2) {
                    gap++;
                    dots += d == '.';
                } else {
                    break;
                }
                i++;
            }
            i = last + 1;
            if (r->min_digits && nd >= r->min_digits && !iso_date(s + cs, i - cs)) {
                for (size_t ri = 0; ri < r->n; ri++) {
                    const struct rule *ru = &r->v[ri];
                    if (ru->min_digits && nd >= ru->min_digits && dots_at_last >= ru->min_dots)
                        add_win(sc, ri, cs, i, (size_t)ru->margin, n);
                }
            }
            continue;
        }
        if (r->trig[c]) {
            for (size_t ri = 0; ri < r->n; ri++)
                if (r->v[ri].chars && strchr(r->v[ri].chars, (char)c))
                    add_win(sc, ri, i, i + 1, (size_t)r->v[ri].margin, n);
        }
        if (c == ':' && r->any_ipv6 && i >= v6_done) {
            size_t a = i, b = i;
            while (a > 0 && i - a < 45 && (ctab[(unsigned char)s[a - 1]] & C_V6))
                a--;
            while (b < n && b - a < 60 && (ctab[(unsigned char)s[b]] & C_V6))
                b++;
            int colons = 0, dbl = 0;
            for (size_t j = a; j < b; j++) {
                colons += s[j] == ':';
                dbl |= s[j] == ':' && j + 1 < b && s[j + 1] == ':';
            }
            if (dbl || colons >= 7)
                for (size_t ri = 0; ri < r->n; ri++)
                    if (r->v[ri].ipv6)
                        add_win(sc, ri, a, b, (size_t)r->v[ri].margin, n);
            v6_done = b;
        }
        if ((c == '%' || c == '\\') && i + 2 < n)
            escapes = 1;
        i++;
    }
    if (r->any_always)
        for (size_t ri = 0; ri < r->n; ri++)
            if (r->v[ri].always && r->v[ri].re)
                add_win(sc, ri, 0, n, 0, n);

    /* Windows were appended in text order per trigger; group them by rule and merge. */
    struct win *wins = sc->w;
    size_t nwin = sc->nw;
    sc->w = NULL;
    sc->nw = sc->wcap = 0;
    for (size_t a = 1; a < nwin; a++) { /* insertion sort by (rule, start): nearly sorted */
        struct win t = wins[a];
        size_t b = a;
        while (b > 0 &&
               (wins[b - 1].rule > t.rule || (wins[b - 1].rule == t.rule && wins[b - 1].s > t.s))) {
            wins[b] = wins[b - 1];
            b--;
        }
        wins[b] = t;
    }
    for (size_t a = 0; a < nwin;) {
        size_t ri = wins[a].rule, ws = wins[a].s, we = wins[a].e;
        a++;
        while (a < nwin && wins[a].rule == ri && wins[a].s <= we) {
            if (wins[a].e > we)
                we = wins[a].e;
            a++;
        }
        run_regex(sc, m, ri, s, n, ws, we, flags);
    }
    free(wins);

    /* A date next to a name is a date of birth. */
    if (r->namedate_rule >= 0 && r->names_rule >= 0) {
        size_t end_hits = sc->nh;
        for (size_t h = hits_before; h < end_hits; h++) {
            if (sc->h[h].rule != (size_t)r->names_rule || sc->h[h].in_vals != (m != NULL))
                continue;
            size_t ns = m ? sc->h[h].voff : sc->h[h].start, ne = ns + sc->h[h].vlen;
            if (m)
                continue; /* decoded text: the name itself is already reported */
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
                scan_text(sc, &sub, dec.data, dec.len, flags, depth + 1);
            }
            free(map);
            sil_buf_release(&dec);
        }
        decode_runs(sc, m, s, n, flags, depth);
    }
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

size_t sil_rscan_text(struct sil_rscan *sc, const char *s, size_t n, unsigned flags,
                      sil_match_fn fn, void *ctx)
{
    sc->nh = 0;
    sil_buf_reset(&sc->vals);
    sc->top = s;
    scan_text(sc, NULL, s, n, flags, 0);
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
        struct sil_match mt = {
            h->rule, h->start,   h->end,      h->in_vals ? sc->vals.data + h->voff : s + h->voff,
            h->vlen, h->decoded, h->fictional};
        reported++;
        if (fn && fn(ctx, &mt))
            break;
    }
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
    for (int k = 0; k < SIL_CLASS__COUNT; k++) {
        p->any[k] += pc.any[k];
        p->whole[k] += pc.whole[k];
    }
}

enum sil_class sil_pii_profile_class(const struct sil_pii_profile *p, double min_fraction)
{
    if (p->values == 0)
        return SIL_CLASS_PUBLIC;
    size_t best = 0, any = 0;
    int bk = -1;
    for (int k = 0; k < SIL_CLASS__COUNT; k++) {
        if (!sil_class_is_personal((enum sil_class)k))
            continue;
        if (p->whole[k] > best) {
            best = p->whole[k];
            bk = k;
        }
        if (p->any[k] > any)
            any = p->any[k];
    }
    if (bk >= 0 && (double)best >= min_fraction * (double)p->values)
        return (enum sil_class)bk;
    if ((double)any >= min_fraction * (double)p->values && any > 0)
        return SIL_CLASS_PERSONAL_FREE_TEXT;
    return SIL_CLASS_PUBLIC;
}
