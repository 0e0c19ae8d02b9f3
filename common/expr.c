/* Check expressions: an allowed-grammar parser, a quoting renderer, constraint extraction, 3VL
 * eval. */
#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"

/* ------------------------------------------------------------------------ */
/* Tree                                                                     */

enum nk {
    N_COL,
    N_VALUE,
    N_NUM,
    N_STR,
    N_BOOL,
    N_NULL,
    N_CAST,
    N_FUNC,
    N_NEG,
    N_POS,
    N_ARITH, /* op: '+', '-', '*', '/', '%', '|' (||) */
    N_CMP,   /* op: enum sil_expr_op */
    N_QUANT, /* op: enum sil_expr_op; flag: 1 = ALL */
    N_AND,   /* n-ary */
    N_OR,    /* n-ary */
    N_NOT,   /* kids[0] */
    N_IS,    /* op: enum is_kind; flag: negated */
    N_DISTINCT /* flag: NOT DISTINCT */,
    N_BETWEEN, /* kids: x, lo, hi; flag: negated */
    N_IN,      /* kids: x, items...; flag: negated */
    N_MATCH,   /* op: enum match_kind; flag: negated */
    N_ARRAY,
    N_SQLVAL /* op: enum sqlval */
};

enum is_kind { IS_NULL, IS_TRUE, IS_FALSE, IS_UNKNOWN };
enum match_kind { M_LIKE, M_ILIKE, M_REGEX, M_IREGEX };
enum sqlval { SV_CURRENT_DATE, SV_CURRENT_TIMESTAMP, SV_LOCALTIMESTAMP };

/* A cast target: a built-in type or a user type (user != NULL). */
struct ctype {
    struct sil_type t; /* CHAR with length -1 is bpchar */
    const char *user;
};

struct node {
    enum nk kind;
    int pos;
    int op;
    int flag;
    const char *text; /* COL: name; NUM: digits; STR: contents; FUNC: name */
    size_t len;       /* STR: byte length */
    int col;          /* COL: index into expr->cols */
    struct ctype *type;
    size_t n;
    struct node **kids;
    regex_t *re;          /* MATCH with a constant regex pattern */
    const char *re_error; /* why the constant pattern does not compile */
};

struct sil_expr {
    struct sil_arena *arena;
    const char *text;
    struct node *root;
    size_t ncols;
    const char **cols;
    int uses_value;
    /* bound: position in the row and type of each referenced column */
    int bound;
    size_t *colpos;
    enum sil_type_base *coltype;
    int *coltyped;
    size_t nregex;
    regex_t **regex;
    size_t ncons;
    struct sil_expr_constraint *cons;
    int cons_exact;
};

/* ------------------------------------------------------------------------ */
/* Tables of the grammar                                                    */

static const char *const op_names[] = {"=", "<>", "<", "<=", ">", ">="};

const char *sil_expr_op_name(enum sil_expr_op op)
{
    return (unsigned)op < SIL_ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

struct func {
    const char *name;
    int min, max; /* argument counts; max -1 = any */
};

enum {
    F_LENGTH,
    F_CHAR_LENGTH,
    F_CHARACTER_LENGTH,
    F_OCTET_LENGTH,
    F_LOWER,
    F_UPPER,
    F_BTRIM,
    F_LTRIM,
    F_RTRIM,
    F_ABS,
    F_ROUND,
    F_FLOOR,
    F_CEIL,
    F_CEILING,
    F_TRUNC,
    F_COALESCE,
    F_NULLIF,
    F_GREATEST,
    F_LEAST,
    F_NOW
};

static const struct func funcs[] = {
    [F_LENGTH] = {"length", 1, 1},
    [F_CHAR_LENGTH] = {"char_length", 1, 1},
    [F_CHARACTER_LENGTH] = {"character_length", 1, 1},
    [F_OCTET_LENGTH] = {"octet_length", 1, 1},
    [F_LOWER] = {"lower", 1, 1},
    [F_UPPER] = {"upper", 1, 1},
    [F_BTRIM] = {"btrim", 1, 2},
    [F_LTRIM] = {"ltrim", 1, 2},
    [F_RTRIM] = {"rtrim", 1, 2},
    [F_ABS] = {"abs", 1, 1},
    [F_ROUND] = {"round", 1, 2},
    [F_FLOOR] = {"floor", 1, 1},
    [F_CEIL] = {"ceil", 1, 1},
    [F_CEILING] = {"ceiling", 1, 1},
    [F_TRUNC] = {"trunc", 1, 2},
    [F_COALESCE] = {"coalesce", 1, -1},
    [F_NULLIF] = {"nullif", 2, 2},
    [F_GREATEST] = {"greatest", 1, -1},
    [F_LEAST] = {"least", 1, -1},
    [F_NOW] = {"now", 0, 0},
};

/* Words that start statements or subqueries, or that this grammar does not take. */
static const char *const refused_words[] = {"select",
                                            "with",
                                            "insert",
                                            "update",
                                            "delete",
                                            "drop",
                                            "create",
                                            "alter",
                                            "grant",
                                            "revoke",
                                            "truncate",
                                            "copy",
                                            "execute",
                                            "do",
                                            "values",
                                            "from",
                                            "where",
                                            "union",
                                            "table",
                                            "into",
                                            "returning",
                                            "lateral",
                                            "exists",
                                            "case",
                                            "when",
                                            "then",
                                            "else",
                                            "end",
                                            "over",
                                            "filter",
                                            "within",
                                            "order",
                                            "group",
                                            "having",
                                            "limit",
                                            "offset",
                                            "fetch",
                                            "window",
                                            "collate",
                                            "similar",
                                            "escape",
                                            "overlaps",
                                            "at",
                                            "row",
                                            "interval",
                                            "current_user",
                                            "session_user",
                                            "user",
                                            "current_role",
                                            "current_schema",
                                            "current_catalog",
                                            "current_time",
                                            "localtime",
                                            "symmetric",
                                            "asymmetric",
                                            "default",
                                            "variadic",
                                            "distinct",
                                            NULL};

/* ------------------------------------------------------------------------ */
/* Lexer                                                                    */

enum tk {
    T_EOF,
    T_IDENT,
    T_QIDENT,
    T_STR,
    T_NUM,
    T_OP,
    T_LP,
    T_RP,
    T_LB,
    T_RB,
    T_COMMA,
    T_DCOLON,
    T_DOT
};

struct tok {
    enum tk k;
    int pos;         /* 1-based character position */
    const char *val; /* IDENT: folded; QIDENT, STR: unescaped; NUM, OP: as written */
    size_t len;      /* STR length */
};

/*
 * The limit is on the depth of the tree, so that a rendering (which adds
 * parentheses) parses back; the parser's own recursion, bounded for the
 * stack's sake, may go deeper than the tree.
 */
#define PARSE_MAX_DEPTH (4 * SIL_EXPR_MAX_DEPTH)

struct parser {
    struct sil_expr *e;
    const struct sil_expr_options *opts;
    struct sil_err *err;
    const char *src;
    size_t srclen;
    struct tok *toks;
    size_t ntoks, cap, i;
    int depth;
    int failed;
};

/* 1-based character (not byte) position of byte offset `off`. */
static int char_pos(const char *s, size_t off)
{
    int pos = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            pos++;
    return pos;
}

static int fail(struct parser *p, int pos, const char *fmt, ...) SIL_PRINTF(3, 4);

static int fail(struct parser *p, int pos, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = 1;
    char shown[100];
    size_t n = 0;
    for (const char *s = p->src; *s && n < 80; s++)
        shown[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    /* do not cut a UTF-8 sequence in half */
    while (n > 0 && ((unsigned char)shown[n - 1] & 0x80)) {
        size_t k = n;
        while (k > 0 && ((unsigned char)shown[k - 1] & 0xc0) == 0x80)
            k--;
        if (k == 0)
            break;
        unsigned char lead = (unsigned char)shown[k - 1];
        size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (n - (k - 1) >= need)
            break;
        n = k - 1;
    }
    shown[n] = '\0';
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sil_err_set(p->err, SIL_EINPUT, "expression \"%s%s\" refused at position %d: %s", shown,
                p->src[n] && strlen(p->src) > n ? "..." : "", pos, msg);
    return -1;
}

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t len = (*p & 0xe0) == 0xc0   ? 2
                     : (*p & 0xf0) == 0xe0 ? 3
                     : (*p & 0xf8) == 0xf0 ? 4
                                           : 0;
        if (!len || (len == 2 && *p < 0xc2) || (size_t)(end - p) < len)
            return 0;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        if (len == 3 && *p == 0xe0 && p[1] < 0xa0)
            return 0;
        if (len == 3 && *p == 0xed && p[1] >= 0xa0)
            return 0; /* surrogates */
        if (len == 4 && ((*p == 0xf0 && p[1] < 0x90) || *p > 0xf4 || (*p == 0xf4 && p[1] >= 0x90)))
            return 0;
        p += len;
    }
    return 1;
}

static void push_tok(struct parser *p, enum tk k, size_t off, const char *val, size_t len)
{
    p->toks = sil_xgrow(p->toks, sizeof *p->toks, p->ntoks + 1, &p->cap);
    p->toks[p->ntoks].k = k;
    p->toks[p->ntoks].pos = char_pos(p->src, off);
    p->toks[p->ntoks].val = val;
    p->toks[p->ntoks].len = len;
    p->ntoks++;
}

static int is_ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static int is_ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static int is_op_char(char c)
{
    return c && strchr("+-*/<>=~!@#%^&|`?", c) != NULL;
}

static const char *const allowed_ops[] = {"=",    "<>", "!=", "<",  ">",   "<=", ">=",  "+",
                                          "-",    "*",  "/",  "%",  "||",  "~~", "!~~", "~~*",
                                          "!~~*", "~",  "!~", "~*", "!~*", NULL};

/* A string literal whose quote is at *ip; `start` is where its token starts (E'...'). */
static int lex_string(struct parser *p, size_t *ip, int escape, size_t start)
{
    const char *s = p->src;
    size_t i = *ip + 1;
    struct sil_buf b;
    sil_buf_init(&b, 0);
    for (;;) {
        char c = s[i];
        if (!c) {
            sil_buf_release(&b);
            return fail(p, char_pos(s, start), "unterminated string literal");
        }
        if (c == '\'') {
            if (s[i + 1] == '\'') {
                sil_buf_addc(&b, '\'');
                i += 2;
                continue;
            }
            i++;
            break;
        }
        if (c == '\\' && escape) {
            char d = s[i + 1];
            int v = -1;
            size_t esc = i;
            i += 2;
            switch (d) {
            case 'b':
                v = '\b';
                break;
            case 'f':
                v = '\f';
                break;
            case 'n':
                v = '\n';
                break;
            case 'r':
                v = '\r';
                break;
            case 't':
                v = '\t';
                break;
            case 'x': {
                int got = 0;
                v = 0;
                while (got < 2 && isxdigit((unsigned char)s[i])) {
                    char h = s[i++];
                    v = v * 16 + (isdigit((unsigned char)h)
                                      ? h - '0'
                                      : (tolower((unsigned char)h) - 'a' + 10));
                    got++;
                }
                if (!got)
                    v = 'x';
                break;
            }
            case 'u':
            case 'U':
                sil_buf_release(&b);
                return fail(p, char_pos(s, esc), "unicode escapes are not allowed");
            case '\0':
                sil_buf_release(&b);
                return fail(p, char_pos(s, start), "unterminated string literal");
            default:
                if (d >= '0' && d <= '7') {
                    v = d - '0';
                    for (int k = 0; k < 2 && s[i] >= '0' && s[i] <= '7'; k++)
                        v = v * 8 + (s[i++] - '0');
                    v &= 0xff;
                } else {
                    v = (unsigned char)d;
                }
            }
            if (v == 0) {
                sil_buf_release(&b);
                return fail(p, char_pos(s, esc), "a zero byte is not allowed in a string");
            }
            sil_buf_addc(&b, (char)v);
            continue;
        }
        sil_buf_addc(&b, c);
        i++;
    }
    if (!utf8_valid(b.data ? b.data : "", b.len)) {
        sil_buf_release(&b);
        return fail(p, char_pos(s, start), "string literal is not valid UTF-8");
    }
    /* SQL joins literals separated by a newline; refuse rather than guess */
    size_t j = i;
    int newline = 0;
    while (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' || s[j] == '\f')
        newline |= s[j++] == '\n';
    if (newline && s[j] == '\'') {
        sil_buf_release(&b);
        return fail(p, char_pos(s, j), "adjacent string literals are not allowed");
    }
    push_tok(p, T_STR, start, sil_arena_strndup(p->e->arena, b.data ? b.data : "", b.len), b.len);
    sil_buf_release(&b);
    *ip = i;
    return 0;
}

static int lex(struct parser *p)
{
    const char *s = p->src;
    size_t i = 0;
    while (s[i]) {
        unsigned char c = (unsigned char)s[i];
        size_t start = i;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            i++;
            continue;
        }
        if (c == ';')
            return fail(p, char_pos(s, i), "';' is not allowed (statement separator)");
        if (c == '$')
            return fail(p, char_pos(s, i), "'$' is not allowed (dollar quoting and parameters)");
        if (c == '\\')
            return fail(p, char_pos(s, i), "'\\' is not allowed outside a string");
        if (c == ':') {
            if (s[i + 1] == ':') {
                push_tok(p, T_DCOLON, i, "::", 2);
                i += 2;
                continue;
            }
            return fail(p, char_pos(s, i), "':' is not allowed");
        }
        if ((c == 'e' || c == 'E') && s[i + 1] == '\'') {
            i++;
            if (lex_string(p, &i, 1, start) < 0)
                return -1;
            continue;
        }
        if ((c == 'u' || c == 'U') && s[i + 1] == '&')
            return fail(p, char_pos(s, i), "U& unicode literals are not allowed");
        if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') &&
            s[i + 1] == '\'')
            return fail(p, char_pos(s, i), "bit, hex and national string literals are not allowed");
        if (c == '\'') {
            if (lex_string(p, &i, 0, start) < 0)
                return -1;
            continue;
        }
        if (c == '"') {
            struct sil_buf b;
            sil_buf_init(&b, 0);
            i++;
            for (;;) {
                if (!s[i]) {
                    sil_buf_release(&b);
                    return fail(p, char_pos(s, start), "unterminated quoted identifier");
                }
                if (s[i] == '"') {
                    if (s[i + 1] == '"') {
                        sil_buf_addc(&b, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                sil_buf_addc(&b, s[i++]);
            }
            if (b.len == 0 || !sil_ident_valid(b.data)) {
                sil_buf_release(&b);
                return fail(p, char_pos(s, start),
                            "quoted identifier is empty, longer than %d bytes or not valid UTF-8",
                            SIL_IDENT_MAX);
            }
            push_tok(p, T_QIDENT, start, sil_arena_strndup(p->e->arena, b.data, b.len), b.len);
            sil_buf_release(&b);
            continue;
        }
        if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[i + 1]))) {
            while (isdigit((unsigned char)s[i]))
                i++;
            if (s[i] == '.' && s[i + 1] != '.') {
                i++;
                while (isdigit((unsigned char)s[i]))
                    i++;
            }
            if ((s[i] == 'e' || s[i] == 'E') &&
                (isdigit((unsigned char)s[i + 1]) ||
                 ((s[i + 1] == '+' || s[i + 1] == '-') && isdigit((unsigned char)s[i + 2])))) {
                i += 2;
                while (isdigit((unsigned char)s[i]))
                    i++;
            }
            if (is_ident_char((unsigned char)s[i]) || s[i] == '.')
                return fail(p, char_pos(s, i), "malformed number");
            if (i - start > 1000)
                return fail(p, char_pos(s, start), "number too long");
            push_tok(p, T_NUM, start, sil_arena_strndup(p->e->arena, s + start, i - start),
                     i - start);
            continue;
        }
        if (is_ident_start(c)) {
            while (is_ident_char((unsigned char)s[i]))
                i++;
            size_t n = i - start;
            if (n > SIL_IDENT_MAX)
                return fail(p, char_pos(s, start), "identifier longer than %d bytes",
                            SIL_IDENT_MAX);
            char *v = sil_arena_strndup(p->e->arena, s + start, n);
            if (!utf8_valid(v, n))
                return fail(p, char_pos(s, start), "identifier is not valid UTF-8");
            for (char *q = v; *q; q++)
                if (*q >= 'A' && *q <= 'Z')
                    *q = (char)(*q - 'A' + 'a');
            push_tok(p, T_IDENT, start, v, n);
            continue;
        }
        if (is_op_char((char)c)) {
            while (is_op_char(s[i]))
                i++;
            size_t n = i - start;
            for (size_t k = start; k + 1 < i; k++)
                if ((s[k] == '-' && s[k + 1] == '-') || (s[k] == '/' && s[k + 1] == '*'))
                    return fail(p, char_pos(s, k), "comments are not allowed");
            /* PostgreSQL: a multi-character operator ends in + or - only if it
             * contains one of ~ ! @ # % ^ & | ` ? */
            if (n > 1 && !memchr(s + start, '~', n) && !memchr(s + start, '!', n) &&
                !memchr(s + start, '@', n) && !memchr(s + start, '#', n) &&
                !memchr(s + start, '%', n) && !memchr(s + start, '^', n) &&
                !memchr(s + start, '&', n) && !memchr(s + start, '|', n) &&
                !memchr(s + start, '`', n) && !memchr(s + start, '?', n)) {
                while (n > 1 && (s[start + n - 1] == '+' || s[start + n - 1] == '-'))
                    n--;
            }
            i = start + n;
            char *v = sil_arena_strndup(p->e->arena, s + start, n);
            int ok = 0;
            for (size_t k = 0; allowed_ops[k]; k++)
                ok |= strcmp(allowed_ops[k], v) == 0;
            if (!ok)
                return fail(p, char_pos(s, start), "operator '%s' is not allowed", v);
            push_tok(p, T_OP, start, v, n);
            continue;
        }
        switch (c) {
        case '(':
            push_tok(p, T_LP, i, "(", 1);
            break;
        case ')':
            push_tok(p, T_RP, i, ")", 1);
            break;
        case '[':
            push_tok(p, T_LB, i, "[", 1);
            break;
        case ']':
            push_tok(p, T_RB, i, "]", 1);
            break;
        case ',':
            push_tok(p, T_COMMA, i, ",", 1);
            break;
        case '.':
            push_tok(p, T_DOT, i, ".", 1);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                return fail(p, char_pos(s, i), "control character 0x%02x", c);
            return fail(p, char_pos(s, i), "unexpected character '%c'", c);
        }
        i++;
    }
    push_tok(p, T_EOF, i, "", 0);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Parser                                                                   */

static struct tok *peek(struct parser *p)
{
    return &p->toks[p->i];
}

static struct tok *peek2(struct parser *p)
{
    return &p->toks[p->i + 1 < p->ntoks ? p->i + 1 : p->i];
}

static struct tok *next(struct parser *p)
{
    struct tok *t = &p->toks[p->i];
    if (t->k != T_EOF)
        p->i++;
    return t;
}

static int is_word(const struct tok *t, const char *w)
{
    return t->k == T_IDENT && strcmp(t->val, w) == 0;
}

static int is_op(const struct tok *t, const char *o)
{
    return t->k == T_OP && strcmp(t->val, o) == 0;
}

static const char *tok_desc(const struct tok *t, char *buf, size_t n)
{
    switch (t->k) {
    case T_EOF:
        return "end of expression";
    case T_STR:
        return "string literal";
    case T_NUM:
        snprintf(buf, n, "number %.20s", t->val);
        return buf;
    case T_IDENT:
        snprintf(buf, n, "'%.40s'", t->val);
        return buf;
    case T_QIDENT:
        snprintf(buf, n, "\"%.40s\"", t->val);
        return buf;
    default:
        snprintf(buf, n, "'%s'", t->val);
        return buf;
    }
}

static int refused_word(struct parser *p, const struct tok *t);

static int unexpected(struct parser *p, const char *wanted)
{
    char buf[80];
    struct tok *t = peek(p);
    if (refused_word(p, t))
        return -1;
    if (wanted)
        return fail(p, t->pos, "expected %s, found %s", wanted, tok_desc(t, buf, sizeof buf));
    return fail(p, t->pos, "unexpected %s", tok_desc(t, buf, sizeof buf));
}

static int expect(struct parser *p, enum tk k, const char *what)
{
    if (peek(p)->k != k)
        return unexpected(p, what);
    next(p);
    return 0;
}

static struct node *mk(struct parser *p, enum nk kind, int pos, size_t n)
{
    struct node *x = sil_arena_alloc(p->e->arena, sizeof *x);
    x->kind = kind;
    x->pos = pos;
    x->col = -1;
    x->n = n;
    x->kids = n ? sil_arena_alloc(p->e->arena, n * sizeof *x->kids) : NULL;
    return x;
}

/* Lists built during parsing grow through the arena. */
struct list {
    struct node **v;
    size_t n, cap;
};

static void list_add(struct parser *p, struct list *l, struct node *x)
{
    l->v = sil_arena_grow(p->e->arena, l->v, sizeof *l->v, l->n + 1, &l->cap);
    l->v[l->n++] = x;
}

static struct node *mk_list(struct parser *p, enum nk kind, int pos, struct list *l)
{
    struct node *x = mk(p, kind, pos, 0);
    x->n = l->n;
    x->kids = l->v;
    return x;
}

static struct node *parse_expr(struct parser *p);
static struct node *parse_l7(struct parser *p);

static int refused_word(struct parser *p, const struct tok *t)
{
    if (t->k != T_IDENT)
        return 0;
    for (size_t k = 0; refused_words[k]; k++)
        if (strcmp(refused_words[k], t->val) == 0) {
            if (!strcmp(t->val, "select") || !strcmp(t->val, "with") || !strcmp(t->val, "exists") ||
                !strcmp(t->val, "values") || !strcmp(t->val, "table"))
                fail(p, t->pos, "'%s' is not allowed (subqueries are refused)", t->val);
            else
                fail(p, t->pos, "'%s' is not allowed in a check expression", t->val);
            return 1;
        }
    return 0;
}

static const char *const keywords[] = {
    "and",   "or",  "not",  "is",  "null",  "true", "false", "unknown", "between", "in", "like",
    "ilike", "any", "some", "all", "array", "cast", "as",    "isnull",  "notnull", NULL};

static int is_keyword(const struct tok *t)
{
    if (t->k != T_IDENT)
        return 0;
    for (size_t k = 0; keywords[k]; k++)
        if (strcmp(keywords[k], t->val) == 0)
            return 1;
    return 0;
}

struct bt {
    const char *name;
    enum sil_type_base base;
    int mods; /* modifiers allowed: 0 none, 1 (n), 2 (p[,s]) */
};

static const struct bt builtin_types[] = {{"smallint", SIL_T_SMALLINT, 0},
                                          {"int2", SIL_T_SMALLINT, 0},
                                          {"integer", SIL_T_INTEGER, 0},
                                          {"int", SIL_T_INTEGER, 0},
                                          {"int4", SIL_T_INTEGER, 0},
                                          {"bigint", SIL_T_BIGINT, 0},
                                          {"int8", SIL_T_BIGINT, 0},
                                          {"numeric", SIL_T_NUMERIC, 2},
                                          {"decimal", SIL_T_NUMERIC, 2},
                                          {"real", SIL_T_REAL, 0},
                                          {"float4", SIL_T_REAL, 0},
                                          {"float8", SIL_T_DOUBLE, 0},
                                          {"boolean", SIL_T_BOOLEAN, 0},
                                          {"bool", SIL_T_BOOLEAN, 0},
                                          {"text", SIL_T_TEXT, 0},
                                          {"varchar", SIL_T_VARCHAR, 1},
                                          {"bpchar", SIL_T_CHAR, 1},
                                          {"date", SIL_T_DATE, 0},
                                          {"timestamptz", SIL_T_TIMESTAMPTZ, 1},
                                          {"timetz", SIL_T_TIMETZ, 1},
                                          {"interval", SIL_T_INTERVAL, 0},
                                          {"uuid", SIL_T_UUID, 0},
                                          {"json", SIL_T_JSON, 0},
                                          {"jsonb", SIL_T_JSONB, 0},
                                          {"bytea", SIL_T_BYTEA, 0},
                                          {"inet", SIL_T_INET, 0},
                                          {"cidr", SIL_T_CIDR, 0},
                                          {"macaddr", SIL_T_MACADDR, 0},
                                          {"money", SIL_T_MONEY, 0},
                                          {NULL, SIL_T_TEXT, 0}};

/* "(n)" or "(p, s)" after a type name. */
static int parse_typmod(struct parser *p, int allowed, int *a, int *b)
{
    if (peek(p)->k != T_LP)
        return 0;
    int pos = peek(p)->pos;
    if (!allowed)
        return fail(p, pos, "this type takes no modifier");
    next(p);
    int64_t v;
    struct tok *t = peek(p);
    if (t->k != T_NUM || sil_parse_i64(t->val, 0, 10000, &v) < 0)
        return unexpected(p, "a type modifier");
    next(p);
    *a = (int)v;
    if (peek(p)->k == T_COMMA) {
        if (allowed < 2)
            return fail(p, peek(p)->pos, "this type takes one modifier");
        next(p);
        t = peek(p);
        if (t->k != T_NUM || sil_parse_i64(t->val, 0, 10000, &v) < 0)
            return unexpected(p, "a type modifier");
        next(p);
        *b = (int)v;
    }
    return expect(p, T_RP, "')'");
}

static int parse_tz(struct parser *p, enum sil_type_base *base, enum sil_type_base with)
{
    if (is_word(peek(p), "with") || is_word(peek(p), "without")) {
        int w = is_word(peek(p), "with");
        next(p);
        if (!is_word(peek(p), "time"))
            return unexpected(p, "'time zone'");
        next(p);
        if (!is_word(peek(p), "zone"))
            return unexpected(p, "'zone'");
        next(p);
        if (w)
            *base = with;
    }
    return 0;
}

static struct ctype *parse_type(struct parser *p)
{
    struct ctype *ct = sil_arena_alloc(p->e->arena, sizeof *ct);
    sil_type_init(&ct->t, SIL_T_TEXT);
    struct tok *t = peek(p);
    int pos = t->pos;
    if (t->k == T_IDENT && strcmp(t->val, "pg_catalog") == 0 && peek2(p)->k == T_DOT) {
        next(p);
        next(p);
        t = peek(p);
        if (t->k != T_IDENT)
            return unexpected(p, "a built-in type name"), NULL;
    }
    if (t->k == T_IDENT) {
        const char *w = t->val;
        int a = -1, b = -1;
        const char *user = NULL;
        next(p);
        if (strcmp(w, "double") == 0) {
            if (!is_word(peek(p), "precision"))
                return unexpected(p, "'precision'"), NULL;
            next(p);
            ct->t.base = SIL_T_DOUBLE;
        } else if (strcmp(w, "float") == 0) {
            if (parse_typmod(p, 1, &a, &b) < 0)
                return NULL;
            ct->t.base = a >= 1 && a <= 24 ? SIL_T_REAL : SIL_T_DOUBLE;
            if (a == 0 || a > 53)
                return fail(p, pos, "float precision must be 1 to 53"), NULL;
        } else if (strcmp(w, "character") == 0 || strcmp(w, "char") == 0) {
            int varying = 0;
            if (is_word(peek(p), "varying")) {
                next(p);
                varying = 1;
            }
            if (parse_typmod(p, 1, &a, &b) < 0)
                return NULL;
            ct->t.base = varying ? SIL_T_VARCHAR : SIL_T_CHAR;
            ct->t.length = varying ? a : (a < 0 ? 1 : a);
        } else if (strcmp(w, "time") == 0 || strcmp(w, "timestamp") == 0) {
            int ts = w[4] == 's';
            if (parse_typmod(p, 1, &a, &b) < 0)
                return NULL;
            ct->t.base = ts ? SIL_T_TIMESTAMP : SIL_T_TIME;
            ct->t.precision = a;
            if (parse_tz(p, &ct->t.base, ts ? SIL_T_TIMESTAMPTZ : SIL_T_TIMETZ) < 0)
                return NULL;
        } else {
            const struct bt *bt = NULL;
            for (size_t k = 0; builtin_types[k].name; k++)
                if (strcmp(builtin_types[k].name, w) == 0)
                    bt = &builtin_types[k];
            if (bt) {
                ct->t.base = bt->base;
                if (parse_typmod(p, bt->mods, &a, &b) < 0)
                    return NULL;
                if (bt->base == SIL_T_NUMERIC) {
                    ct->t.precision = a;
                    ct->t.scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
                    if (a == 0)
                        return fail(p, pos, "numeric precision must be at least 1"), NULL;
                } else if (bt->base == SIL_T_VARCHAR || bt->base == SIL_T_CHAR) {
                    ct->t.length = a;
                } else if (bt->base == SIL_T_TIMESTAMPTZ || bt->base == SIL_T_TIMETZ) {
                    ct->t.precision = a;
                }
            } else {
                user = w;
            }
        }
        if (user) {
            /* a user type, maybe schema-qualified: keep the last name */
            if (peek(p)->k == T_DOT) {
                next(p);
                struct tok *u = peek(p);
                if (u->k != T_IDENT && u->k != T_QIDENT)
                    return unexpected(p, "a type name"), NULL;
                next(p);
                user = u->val;
            }
            ct->user = user;
        }
    } else if (t->k == T_QIDENT) {
        next(p);
        ct->user = t->val;
        if (peek(p)->k == T_DOT) {
            next(p);
            struct tok *u = peek(p);
            if (u->k != T_IDENT && u->k != T_QIDENT)
                return unexpected(p, "a type name"), NULL;
            next(p);
            ct->user = u->val;
        }
    } else {
        return unexpected(p, "a type name"), NULL;
    }
    if (ct->user) {
        int known = 0;
        if (p->opts)
            for (size_t k = 0; k < p->opts->ntypes; k++)
                known |= strcmp(p->opts->types[k], ct->user) == 0;
        if (!known)
            return fail(p, pos, "cast to unknown type \"%.63s\"", ct->user), NULL;
        ct->t.base = SIL_T_ENUM;
        if (peek(p)->k == T_LP)
            return fail(p, peek(p)->pos, "a user type takes no modifier"), NULL;
    }
    while (peek(p)->k == T_LB) {
        next(p);
        if (peek(p)->k == T_NUM)
            next(p);
        if (expect(p, T_RB, "']'") < 0)
            return NULL;
        if (++ct->t.array_dims > 6)
            return fail(p, pos, "too many array dimensions"), NULL;
    }
    return ct;
}

static int add_column(struct parser *p, const char *name)
{
    struct sil_expr *e = p->e;
    for (size_t k = 0; k < e->ncols; k++)
        if (strcmp(e->cols[k], name) == 0)
            return (int)k;
    size_t cap = e->ncols;
    e->cols = sil_arena_grow(e->arena, e->cols, sizeof *e->cols, e->ncols + 1, &cap);
    e->cols[e->ncols] = name;
    return (int)e->ncols++;
}

static struct node *parse_args(struct parser *p, struct node *f, int min, int max)
{
    struct list l = {0};
    if (expect(p, T_LP, "'('") < 0)
        return NULL;
    if (peek(p)->k != T_RP) {
        if (is_op(peek(p), "*"))
            return fail(p, peek(p)->pos, "'*' is not allowed"), NULL;
        for (;;) {
            struct node *a = parse_expr(p);
            if (!a)
                return NULL;
            list_add(p, &l, a);
            if (peek(p)->k != T_COMMA)
                break;
            next(p);
        }
    }
    if (expect(p, T_RP, "')'") < 0)
        return NULL;
    if ((int)l.n < min || (max >= 0 && (int)l.n > max))
        return fail(p, f->pos, "%s() takes %d%s argument%s, not %zu", f->text, min,
                    max < 0     ? " or more"
                    : max > min ? " or 2"
                                : "",
                    (max == 1 && min == 1) ? "" : "s", l.n),
               NULL;
    f->n = l.n;
    f->kids = l.v;
    return f;
}

static struct node *parse_primary(struct parser *p)
{
    struct tok *t = peek(p);
    struct node *x;
    switch (t->k) {
    case T_NUM:
        next(p);
        x = mk(p, N_NUM, t->pos, 0);
        x->text = t->val;
        return x;
    case T_STR:
        next(p);
        x = mk(p, N_STR, t->pos, 0);
        x->text = t->val;
        x->len = t->len;
        return x;
    case T_LP: {
        next(p);
        if (refused_word(p, peek(p)))
            return NULL;
        struct node *in = parse_expr(p);
        if (!in || expect(p, T_RP, "')'") < 0)
            return NULL;
        return in;
    }
    case T_QIDENT:
        next(p);
        if (peek(p)->k == T_LP)
            return fail(p, t->pos, "quoted function names are not allowed"), NULL;
        if (peek(p)->k == T_DOT)
            return fail(p, t->pos, "qualified names are not allowed"), NULL;
        x = mk(p, N_COL, t->pos, 0);
        x->text = t->val;
        x->col = add_column(p, t->val);
        return x;
    case T_IDENT:
        break;
    default:
        unexpected(p, NULL);
        return NULL;
    }
    if (refused_word(p, t))
        return NULL;
    const char *w = t->val;
    if (strcmp(w, "true") == 0 || strcmp(w, "false") == 0) {
        next(p);
        x = mk(p, N_BOOL, t->pos, 0);
        x->flag = w[0] == 't';
        return x;
    }
    if (strcmp(w, "null") == 0) {
        next(p);
        return mk(p, N_NULL, t->pos, 0);
    }
    if (strcmp(w, "value") == 0 && peek2(p)->k != T_LP) {
        next(p);
        if (!p->opts || !p->opts->allow_value)
            return fail(p, t->pos, "VALUE is only allowed in a domain check"), NULL;
        p->e->uses_value = 1;
        return mk(p, N_VALUE, t->pos, 0);
    }
    if (strcmp(w, "current_date") == 0 || strcmp(w, "current_timestamp") == 0 ||
        strcmp(w, "localtimestamp") == 0) {
        next(p);
        if (peek(p)->k == T_LP)
            return fail(p, peek(p)->pos, "%s takes no precision here", w), NULL;
        x = mk(p, N_SQLVAL, t->pos, 0);
        x->op = w[0] == 'l'   ? SV_LOCALTIMESTAMP
                : w[8] == 'd' ? SV_CURRENT_DATE
                              : SV_CURRENT_TIMESTAMP;
        return x;
    }
    if (strcmp(w, "array") == 0) {
        next(p);
        if (peek(p)->k == T_LP)
            return fail(p, peek(p)->pos, "ARRAY(subquery) is not allowed"), NULL;
        if (expect(p, T_LB, "'['") < 0)
            return NULL;
        struct list l = {0};
        if (peek(p)->k == T_RB)
            return fail(p, peek(p)->pos, "empty ARRAY[] is not allowed"), NULL;
        for (;;) {
            struct node *a = parse_expr(p);
            if (!a)
                return NULL;
            list_add(p, &l, a);
            if (peek(p)->k != T_COMMA)
                break;
            next(p);
        }
        if (expect(p, T_RB, "']'") < 0)
            return NULL;
        return mk_list(p, N_ARRAY, t->pos, &l);
    }
    if (strcmp(w, "cast") == 0 && peek2(p)->k == T_LP) {
        next(p);
        next(p);
        struct node *in = parse_expr(p);
        if (!in)
            return NULL;
        if (!is_word(peek(p), "as"))
            return unexpected(p, "'AS'"), NULL;
        next(p);
        struct ctype *ct = parse_type(p);
        if (!ct || expect(p, T_RP, "')'") < 0)
            return NULL;
        x = mk(p, N_CAST, t->pos, 1);
        x->kids[0] = in;
        x->type = ct;
        return x;
    }
    if (is_keyword(t))
        return unexpected(p, NULL), NULL;
    next(p);
    /* pg_catalog.f(...) is the only qualified name allowed */
    if (peek(p)->k == T_DOT) {
        if (strcmp(w, "pg_catalog") != 0 || peek2(p)->k != T_IDENT)
            return fail(p, t->pos, "qualified names are not allowed"), NULL;
        next(p);
        t = next(p);
        w = t->val;
        if (peek(p)->k != T_LP)
            return fail(p, t->pos, "qualified names are not allowed"), NULL;
    }
    if (peek(p)->k == T_LP) {
        for (size_t k = 0; k < SIL_ARRAY_SIZE(funcs); k++)
            if (strcmp(funcs[k].name, w) == 0) {
                x = mk(p, N_FUNC, t->pos, 0);
                x->op = (int)k;
                x->text = funcs[k].name;
                return parse_args(p, x, funcs[k].min, funcs[k].max);
            }
        return fail(p, t->pos, "function %.63s() is not allowed", w), NULL;
    }
    x = mk(p, N_COL, t->pos, 0);
    x->text = w;
    x->col = add_column(p, w);
    return x;
}

/* primary, then casts; subscripts and COLLATE are refused */
static struct node *parse_postfix(struct parser *p)
{
    struct node *x = parse_primary(p);
    while (x) {
        struct tok *t = peek(p);
        if (t->k == T_DCOLON) {
            next(p);
            struct ctype *ct = parse_type(p);
            if (!ct)
                return NULL;
            struct node *c = mk(p, N_CAST, t->pos, 1);
            c->kids[0] = x;
            c->type = ct;
            x = c;
        } else if (t->k == T_LB) {
            return fail(p, t->pos, "subscripts are not allowed"), NULL;
        } else if (t->k == T_DOT) {
            return fail(p, t->pos, "qualified names are not allowed"), NULL;
        } else {
            break;
        }
    }
    return x;
}

static struct node *parse_unary(struct parser *p)
{
    struct tok *t = peek(p);
    if (is_op(t, "-") || is_op(t, "+")) {
        if (++p->depth > PARSE_MAX_DEPTH)
            return fail(p, t->pos, "nested deeper than %d levels", SIL_EXPR_MAX_DEPTH), NULL;
        next(p);
        struct node *in = parse_unary(p);
        p->depth--;
        if (!in)
            return NULL;
        struct node *x = mk(p, t->val[0] == '-' ? N_NEG : N_POS, t->pos, 1);
        x->kids[0] = in;
        return x;
    }
    if (t->k == T_OP)
        return fail(p, t->pos, "operator '%s' is not allowed here", t->val), NULL;
    return parse_postfix(p);
}

static struct node *binop(struct parser *p, int pos, int op, struct node *l, struct node *r)
{
    struct node *x = mk(p, N_ARITH, pos, 2);
    x->op = op;
    x->kids[0] = l;
    x->kids[1] = r;
    return x;
}

static struct node *parse_mul(struct parser *p)
{
    struct node *x = parse_unary(p);
    while (x) {
        struct tok *t = peek(p);
        if (!(is_op(t, "*") || is_op(t, "/") || is_op(t, "%")))
            break;
        next(p);
        struct node *r = parse_unary(p);
        if (!r)
            return NULL;
        x = binop(p, t->pos, t->val[0], x, r);
    }
    return x;
}

static struct node *parse_add(struct parser *p)
{
    struct node *x = parse_mul(p);
    while (x) {
        struct tok *t = peek(p);
        if (!(is_op(t, "+") || is_op(t, "-")))
            break;
        next(p);
        struct node *r = parse_mul(p);
        if (!r)
            return NULL;
        x = binop(p, t->pos, t->val[0], x, r);
    }
    return x;
}

static int match_op(const char *o, int *kind, int *neg)
{
    static const struct {
        const char *op;
        int kind, neg;
    } m[] = {{"~~", M_LIKE, 0}, {"!~~", M_LIKE, 1}, {"~~*", M_ILIKE, 0}, {"!~~*", M_ILIKE, 1},
             {"~", M_REGEX, 0}, {"!~", M_REGEX, 1}, {"~*", M_IREGEX, 0}, {"!~*", M_IREGEX, 1}};
    for (size_t k = 0; k < SIL_ARRAY_SIZE(m); k++)
        if (strcmp(m[k].op, o) == 0) {
            *kind = m[k].kind;
            *neg = m[k].neg;
            return 1;
        }
    return 0;
}

/* any other operator: ||, LIKE and regex operators, left-associative */
static struct node *parse_l7(struct parser *p)
{
    struct node *x = parse_add(p);
    while (x) {
        struct tok *t = peek(p);
        int kind, neg;
        if (is_op(t, "||")) {
            next(p);
            struct node *r = parse_add(p);
            if (!r)
                return NULL;
            x = binop(p, t->pos, '|', x, r);
        } else if (t->k == T_OP && match_op(t->val, &kind, &neg)) {
            next(p);
            struct node *r = parse_add(p);
            if (!r)
                return NULL;
            struct node *m = mk(p, N_MATCH, t->pos, 2);
            m->op = kind;
            m->flag = neg;
            m->kids[0] = x;
            m->kids[1] = r;
            x = m;
        } else {
            break;
        }
    }
    return x;
}

/* [NOT] BETWEEN / IN / LIKE / ILIKE */
static struct node *parse_l6(struct parser *p)
{
    struct node *x = parse_l7(p);
    if (!x)
        return NULL;
    struct tok *t = peek(p);
    int neg = 0;
    if (is_word(t, "not") && (is_word(peek2(p), "between") || is_word(peek2(p), "in") ||
                              is_word(peek2(p), "like") || is_word(peek2(p), "ilike"))) {
        neg = 1;
        next(p);
        t = peek(p);
    }
    if (is_word(t, "between")) {
        next(p);
        if (is_word(peek(p), "symmetric") || is_word(peek(p), "asymmetric"))
            return fail(p, peek(p)->pos, "BETWEEN %s is not allowed", peek(p)->val), NULL;
        struct node *lo = parse_l7(p);
        if (!lo)
            return NULL;
        if (!is_word(peek(p), "and"))
            return unexpected(p, "'AND'"), NULL;
        next(p);
        struct node *hi = parse_l7(p);
        if (!hi)
            return NULL;
        struct node *b = mk(p, N_BETWEEN, t->pos, 3);
        b->flag = neg;
        b->kids[0] = x;
        b->kids[1] = lo;
        b->kids[2] = hi;
        return b;
    }
    if (is_word(t, "in")) {
        next(p);
        if (expect(p, T_LP, "'('") < 0)
            return NULL;
        if (refused_word(p, peek(p)))
            return NULL;
        struct list l = {0};
        list_add(p, &l, x);
        for (;;) {
            struct node *a = parse_expr(p);
            if (!a)
                return NULL;
            list_add(p, &l, a);
            if (peek(p)->k != T_COMMA)
                break;
            next(p);
        }
        if (expect(p, T_RP, "')'") < 0)
            return NULL;
        struct node *in = mk_list(p, N_IN, t->pos, &l);
        in->flag = neg;
        return in;
    }
    if (is_word(t, "like") || is_word(t, "ilike")) {
        next(p);
        struct node *r = parse_l7(p);
        if (!r)
            return NULL;
        if (is_word(peek(p), "escape"))
            return fail(p, peek(p)->pos, "LIKE ... ESCAPE is not allowed"), NULL;
        struct node *m = mk(p, N_MATCH, t->pos, 2);
        m->op = t->val[0] == 'i' ? M_ILIKE : M_LIKE;
        m->flag = neg;
        m->kids[0] = x;
        m->kids[1] = r;
        return m;
    }
    if (neg)
        return unexpected(p, NULL), NULL;
    return x;
}

static int cmp_op(const struct tok *t, int *op)
{
    static const struct {
        const char *s;
        int op;
    } m[] = {{"=", SIL_EXPR_EQ},  {"<>", SIL_EXPR_NE}, {"!=", SIL_EXPR_NE}, {"<", SIL_EXPR_LT},
             {"<=", SIL_EXPR_LE}, {">", SIL_EXPR_GT},  {">=", SIL_EXPR_GE}};
    if (t->k != T_OP)
        return 0;
    for (size_t k = 0; k < SIL_ARRAY_SIZE(m); k++)
        if (strcmp(m[k].s, t->val) == 0) {
            *op = m[k].op;
            return 1;
        }
    return 0;
}

static struct node *parse_cmp(struct parser *p)
{
    struct node *x = parse_l6(p);
    if (!x)
        return NULL;
    struct tok *t = peek(p);
    int op;
    if (!cmp_op(t, &op))
        return x;
    next(p);
    struct tok *q = peek(p);
    if ((is_word(q, "any") || is_word(q, "some") || is_word(q, "all")) && peek2(p)->k == T_LP) {
        next(p);
        next(p);
        if (refused_word(p, peek(p)))
            return NULL;
        struct node *arr = parse_expr(p);
        if (!arr || expect(p, T_RP, "')'") < 0)
            return NULL;
        struct node *n = mk(p, N_QUANT, t->pos, 2);
        n->op = op;
        n->flag = q->val[1] == 'l';
        n->kids[0] = x;
        n->kids[1] = arr;
        return n;
    }
    struct node *r = parse_l6(p);
    if (!r)
        return NULL;
    struct node *n = mk(p, N_CMP, t->pos, 2);
    n->op = op;
    n->kids[0] = x;
    n->kids[1] = r;
    if (cmp_op(peek(p), &op))
        return fail(p, peek(p)->pos, "comparison operators do not chain"), NULL;
    return n;
}

static struct node *parse_is(struct parser *p)
{
    struct node *x = parse_cmp(p);
    while (x) {
        struct tok *t = peek(p);
        if (is_word(t, "isnull") || is_word(t, "notnull")) {
            next(p);
            struct node *n = mk(p, N_IS, t->pos, 1);
            n->op = IS_NULL;
            n->flag = t->val[0] == 'n';
            n->kids[0] = x;
            x = n;
            continue;
        }
        if (!is_word(t, "is"))
            break;
        next(p);
        int neg = 0;
        if (is_word(peek(p), "not")) {
            neg = 1;
            next(p);
        }
        struct tok *w = peek(p);
        if (is_word(w, "distinct")) {
            next(p);
            if (!is_word(peek(p), "from"))
                return unexpected(p, "'FROM'"), NULL;
            next(p);
            struct node *r = parse_cmp(p);
            if (!r)
                return NULL;
            struct node *n = mk(p, N_DISTINCT, t->pos, 2);
            n->flag = neg;
            n->kids[0] = x;
            n->kids[1] = r;
            x = n;
            continue;
        }
        int kind;
        if (is_word(w, "null"))
            kind = IS_NULL;
        else if (is_word(w, "true"))
            kind = IS_TRUE;
        else if (is_word(w, "false"))
            kind = IS_FALSE;
        else if (is_word(w, "unknown"))
            kind = IS_UNKNOWN;
        else
            return unexpected(p, "NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM"), NULL;
        next(p);
        struct node *n = mk(p, N_IS, t->pos, 1);
        n->op = kind;
        n->flag = neg;
        n->kids[0] = x;
        x = n;
    }
    return x;
}

static struct node *parse_not(struct parser *p)
{
    struct tok *t = peek(p);
    if (is_word(t, "not")) {
        if (++p->depth > PARSE_MAX_DEPTH)
            return fail(p, t->pos, "nested deeper than %d levels", SIL_EXPR_MAX_DEPTH), NULL;
        next(p);
        struct node *in = parse_not(p);
        p->depth--;
        if (!in)
            return NULL;
        struct node *x = mk(p, N_NOT, t->pos, 1);
        x->kids[0] = in;
        return x;
    }
    return parse_is(p);
}

/* n-ary AND / OR, flattened so a rendered tree parses back to the same shape */
static struct node *parse_bool(struct parser *p, enum nk kind)
{
    const char *word = kind == N_OR ? "or" : "and";
    struct node *x = kind == N_OR ? parse_bool(p, N_AND) : parse_not(p);
    if (!x || !is_word(peek(p), word))
        return x;
    int pos = peek(p)->pos;
    struct list l = {0};
    for (;;) {
        if (x->kind == kind)
            for (size_t k = 0; k < x->n; k++)
                list_add(p, &l, x->kids[k]);
        else
            list_add(p, &l, x);
        if (!is_word(peek(p), word))
            break;
        next(p);
        x = kind == N_OR ? parse_bool(p, N_AND) : parse_not(p);
        if (!x)
            return NULL;
    }
    return mk_list(p, kind, pos, &l);
}

static struct node *parse_expr(struct parser *p)
{
    if (++p->depth > PARSE_MAX_DEPTH)
        return fail(p, peek(p)->pos, "nested deeper than %d levels", SIL_EXPR_MAX_DEPTH), NULL;
    struct node *x = parse_bool(p, N_OR);
    p->depth--;
    return x;
}

static int tree_depth(const struct node *x)
{
    int d = 0;
    for (size_t k = 0; k < x->n; k++) {
        int c = tree_depth(x->kids[k]);
        if (c > d)
            d = c;
    }
    return d + 1;
}

static void flatten(struct sil_expr *e, struct node *x)
{
    for (size_t k = 0; k < x->n; k++)
        flatten(e, x->kids[k]);
    if (x->kind != N_AND && x->kind != N_OR)
        return;
    size_t total = 0;
    for (size_t k = 0; k < x->n; k++)
        total += x->kids[k]->kind == x->kind ? x->kids[k]->n : 1;
    if (total == x->n)
        return;
    struct node **v = sil_arena_alloc(e->arena, total * sizeof *v);
    size_t j = 0;
    for (size_t k = 0; k < x->n; k++) {
        struct node *c = x->kids[k];
        if (c->kind == x->kind)
            for (size_t m = 0; m < c->n; m++)
                v[j++] = c->kids[m];
        else
            v[j++] = c;
    }
    x->kids = v;
    x->n = total;
}

/* ------------------------------------------------------------------------ */
/* Regular expressions: PostgreSQL's common escapes mapped to POSIX ERE.    */

/*
 * glibc's regcomp expands bounded repetitions and nested quantifiers into
 * automata that can take gigabytes, so patterns are kept simple: at most 512
 * bytes, no quantifier applied to a quantifier (a lazy '?' is dropped: it
 * does not change whether a pattern matches), and the product of repetition
 * bounds at most 10000.
 */
static int regex_translate(const char *pat, size_t n, struct sil_buf *out, const char **why)
{
    int in_bracket = 0, after_quant = 0, can_quant = 0;
    double budget = 1;
    if (n > 512) {
        *why = "the pattern is longer than 512 bytes";
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = pat[i];
        if (!in_bracket && (c == '*' || c == '+' || c == '?' || c == '{')) {
            if (after_quant && c == '?') {
                after_quant = 0;
                continue;
            }
            if (after_quant || !can_quant) {
                *why = "a quantifier follows a quantifier or nothing";
                return -1;
            }
            if (c == '{') {
                size_t j = i + 1;
                long lo = 0, hi = -1;
                while (j < n && isdigit((unsigned char)pat[j]) && lo < 100000)
                    lo = lo * 10 + (pat[j++] - '0');
                if (j < n && pat[j] == ',') {
                    j++;
                    if (j < n && isdigit((unsigned char)pat[j])) {
                        hi = 0;
                        while (j < n && isdigit((unsigned char)pat[j]) && hi < 100000)
                            hi = hi * 10 + (pat[j++] - '0');
                    }
                } else {
                    hi = lo;
                }
                if (j >= n || pat[j] != '}') {
                    *why = "malformed repetition bound";
                    return -1;
                }
                budget *= (double)(hi >= lo ? hi : lo) + 1;
                if (budget > 10000) {
                    *why = "repetition bounds too large to evaluate";
                    return -1;
                }
                sil_buf_add(out, pat + i, j + 1 - i);
                i = j;
            } else {
                sil_buf_addc(out, c);
            }
            after_quant = 1;
            continue;
        }
        after_quant = 0;
        can_quant = 1;
        if (c == '[' && !in_bracket) {
            in_bracket = 1;
            sil_buf_addc(out, c);
            if (i + 1 < n && pat[i + 1] == '^')
                sil_buf_addc(out, pat[++i]);
            if (i + 1 < n && pat[i + 1] == ']')
                sil_buf_addc(out, pat[++i]);
            continue;
        }
        if (in_bracket && c == '[' && i + 1 < n &&
            (pat[i + 1] == ':' || pat[i + 1] == '.' || pat[i + 1] == '=')) {
            char close = pat[i + 1];
            size_t j = i + 2;
            while (j + 1 < n && !(pat[j] == close && pat[j + 1] == ']'))
                j++;
            if (j + 1 >= n) {
                *why = "unterminated bracket class";
                return -1;
            }
            sil_buf_add(out, pat + i, j + 2 - i);
            i = j + 1;
            continue;
        }
        if (c == ']' && in_bracket) {
            in_bracket = 0;
            sil_buf_addc(out, c);
            continue;
        }
        if (!in_bracket && (c == '(' || c == '|' || c == '^'))
            can_quant = 0;
        if (c != '\\') {
            sil_buf_addc(out, c);
            continue;
        }
        if (i + 1 >= n) {
            *why = "trailing backslash";
            return -1;
        }
        char d = pat[++i];
        const char *rep = NULL;
        switch (d) {
        case 'd':
            rep = in_bracket ? "0-9" : "[0-9]";
            break;
        case 'w':
            rep = in_bracket ? "[:alnum:]_" : "[[:alnum:]_]";
            break;
        case 's':
            rep = in_bracket ? "[:space:]" : "[[:space:]]";
            break;
        case 'D':
            rep = in_bracket ? NULL : "[^0-9]";
            break;
        case 'W':
            rep = in_bracket ? NULL : "[^[:alnum:]_]";
            break;
        case 'S':
            rep = in_bracket ? NULL : "[^[:space:]]";
            break;
        case 'n':
            rep = "\n";
            break;
        case 't':
            rep = "\t";
            break;
        default:
            if (d >= '1' && d <= '9') {
                *why = "back references are not evaluated";
                return -1;
            }
            if (isalnum((unsigned char)d)) {
                *why = "this regular expression escape is not evaluated";
                return -1;
            }
            if (in_bracket) {
                sil_buf_addc(out, d);
            } else {
                sil_buf_addc(out, '\\');
                sil_buf_addc(out, d);
            }
            continue;
        }
        if (!rep) {
            *why = "negated class escapes inside brackets are not evaluated";
            return -1;
        }
        sil_buf_adds(out, rep);
    }
    return 0;
}

/* Compile a pattern; NULL with *why on failure. Caller regfree()s and frees. */
static regex_t *regex_compile(const char *pat, size_t n, int icase, const char **why)
{
    if (memchr(pat, '\0', n)) {
        *why = "zero byte in pattern";
        return NULL;
    }
    struct sil_buf b;
    sil_buf_init(&b, 0);
    if (regex_translate(pat, n, &b, why) < 0) {
        sil_buf_release(&b);
        return NULL;
    }
    regex_t *re = sil_xmalloc(sizeof *re);
    int rc = regcomp(re, b.data ? b.data : "", REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    sil_buf_release(&b);
    if (rc != 0) {
        free(re);
        *why = "the pattern does not compile as a POSIX regular expression";
        return NULL;
    }
    return re;
}

static const struct node *strip_casts(const struct node *x);

static void prepare_regex(struct sil_expr *e, struct node *x)
{
    for (size_t k = 0; k < x->n; k++)
        prepare_regex(e, x->kids[k]);
    if (x->kind != N_MATCH || (x->op != M_REGEX && x->op != M_IREGEX))
        return;
    const struct node *pat = x->kids[1];
    while (pat->kind == N_CAST && pat->type->t.array_dims == 0 &&
           (pat->type->t.base == SIL_T_TEXT || pat->type->t.base == SIL_T_VARCHAR))
        pat = pat->kids[0];
    if (pat->kind != N_STR)
        return;
    const char *why = NULL;
    regex_t *re = regex_compile(pat->text, pat->len, x->op == M_IREGEX, &why);
    if (!re) {
        x->re_error = why;
        return;
    }
    x->re = re;
    size_t cap = e->nregex;
    e->regex = sil_xgrow(e->regex, sizeof *e->regex, e->nregex + 1, &cap);
    e->regex[e->nregex++] = re;
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */

static void render_ident(struct sil_buf *out, const char *s)
{
    char *q = sil_ident_quote(s);
    sil_buf_adds(out, q);
    free(q);
}

static void render_string(struct sil_buf *out, const char *s, size_t n)
{
    int bs = memchr(s, '\\', n) != NULL;
    if (bs)
        sil_buf_addc(out, 'E');
    sil_buf_addc(out, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            sil_buf_addc(out, '\'');
        else if (s[i] == '\\')
            sil_buf_addc(out, '\\');
        sil_buf_addc(out, s[i]);
    }
    sil_buf_addc(out, '\'');
}

static void render_type(struct sil_buf *out, const struct ctype *ct, const char *type_schema)
{
    const struct sil_type *t = &ct->t;
    if (ct->user) {
        if (type_schema) {
            render_ident(out, type_schema);
            sil_buf_addc(out, '.');
        }
        render_ident(out, ct->user);
    } else {
        switch (t->base) {
        case SIL_T_CHAR:
            if (t->length < 0)
                sil_buf_adds(out, "bpchar");
            else
                sil_buf_addf(out, "character(%d)", t->length);
            break;
        case SIL_T_VARCHAR:
            sil_buf_adds(out, "character varying");
            if (t->length >= 0)
                sil_buf_addf(out, "(%d)", t->length);
            break;
        case SIL_T_NUMERIC:
            sil_buf_adds(out, "numeric");
            if (t->precision > 0)
                sil_buf_addf(out, "(%d,%d)", t->precision, t->scale);
            break;
        case SIL_T_TIME:
        case SIL_T_TIMETZ:
        case SIL_T_TIMESTAMP:
        case SIL_T_TIMESTAMPTZ: {
            int ts = t->base == SIL_T_TIMESTAMP || t->base == SIL_T_TIMESTAMPTZ;
            int tz = t->base == SIL_T_TIMETZ || t->base == SIL_T_TIMESTAMPTZ;
            sil_buf_adds(out, ts ? "timestamp" : "time");
            if (t->precision >= 0)
                sil_buf_addf(out, "(%d)", t->precision);
            sil_buf_adds(out, tz ? " with time zone" : " without time zone");
            break;
        }
        case SIL_T_DOUBLE:
            sil_buf_adds(out, "double precision");
            break;
        default:
            sil_buf_adds(out, sil_type_base_name(t->base));
            break;
        }
    }
    for (int k = 0; k < t->array_dims; k++)
        sil_buf_adds(out, "[]");
}

static void render(const struct node *x, const char *ts, struct sil_buf *out)
{
    static const char *const is_names[] = {"NULL", "TRUE", "FALSE", "UNKNOWN"};
    static const char *const match_names[] = {"LIKE", "ILIKE", "~", "~*"};
    static const char *const neg_match_names[] = {"NOT LIKE", "NOT ILIKE", "!~", "!~*"};
    static const char *const sqlvals[] = {"CURRENT_DATE", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP"};
    switch (x->kind) {
    case N_COL:
        render_ident(out, x->text);
        return;
    case N_VALUE:
        sil_buf_adds(out, "VALUE");
        return;
    case N_NUM:
        sil_buf_adds(out, x->text);
        return;
    case N_STR:
        render_string(out, x->text, x->len);
        return;
    case N_BOOL:
        sil_buf_adds(out, x->flag ? "true" : "false");
        return;
    case N_NULL:
        sil_buf_adds(out, "NULL");
        return;
    case N_SQLVAL:
        sil_buf_adds(out, sqlvals[x->op]);
        return;
    case N_CAST:
        if (x->kids[0]->kind == N_STR) {
            render(x->kids[0], ts, out);
        } else {
            sil_buf_addc(out, '(');
            render(x->kids[0], ts, out);
            sil_buf_addc(out, ')');
        }
        sil_buf_adds(out, "::");
        render_type(out, x->type, ts);
        return;
    case N_FUNC:
        sil_buf_adds(out, x->text);
        sil_buf_addc(out, '(');
        for (size_t k = 0; k < x->n; k++) {
            if (k)
                sil_buf_adds(out, ", ");
            render(x->kids[k], ts, out);
        }
        sil_buf_addc(out, ')');
        return;
    case N_NEG:
    case N_POS:
        sil_buf_adds(out, x->kind == N_NEG ? "(-" : "(+");
        render(x->kids[0], ts, out);
        sil_buf_addc(out, ')');
        return;
    case N_ARITH: {
        char op[3] = {(char)x->op, 0, 0};
        if (x->op == '|')
            op[1] = '|';
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_addf(out, " %s ", op);
        render(x->kids[1], ts, out);
        sil_buf_addc(out, ')');
        return;
    }
    case N_CMP:
    case N_QUANT:
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_addf(out, " %s ", op_names[x->op]);
        if (x->kind == N_QUANT) {
            sil_buf_adds(out, x->flag ? "ALL (" : "ANY (");
            render(x->kids[1], ts, out);
            sil_buf_addc(out, ')');
        } else {
            render(x->kids[1], ts, out);
        }
        sil_buf_addc(out, ')');
        return;
    case N_AND:
    case N_OR:
        sil_buf_addc(out, '(');
        for (size_t k = 0; k < x->n; k++) {
            if (k)
                sil_buf_adds(out, x->kind == N_AND ? " AND " : " OR ");
            render(x->kids[k], ts, out);
        }
        sil_buf_addc(out, ')');
        return;
    case N_NOT:
        sil_buf_adds(out, "(NOT ");
        render(x->kids[0], ts, out);
        sil_buf_addc(out, ')');
        return;
    case N_IS:
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_addf(out, " IS %s%s)", x->flag ? "NOT " : "", is_names[x->op]);
        return;
    case N_DISTINCT:
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_addf(out, " IS %sDISTINCT FROM ", x->flag ? "NOT " : "");
        render(x->kids[1], ts, out);
        sil_buf_addc(out, ')');
        return;
    case N_BETWEEN:
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_adds(out, x->flag ? " NOT BETWEEN " : " BETWEEN ");
        render(x->kids[1], ts, out);
        sil_buf_adds(out, " AND ");
        render(x->kids[2], ts, out);
        sil_buf_addc(out, ')');
        return;
    case N_IN:
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_adds(out, x->flag ? " NOT IN (" : " IN (");
        for (size_t k = 1; k < x->n; k++) {
            if (k > 1)
                sil_buf_adds(out, ", ");
            render(x->kids[k], ts, out);
        }
        sil_buf_adds(out, "))");
        return;
    case N_MATCH:
        sil_buf_addc(out, '(');
        render(x->kids[0], ts, out);
        sil_buf_addf(out, " %s ", x->flag ? neg_match_names[x->op] : match_names[x->op]);
        render(x->kids[1], ts, out);
        sil_buf_addc(out, ')');
        return;
    case N_ARRAY:
        sil_buf_adds(out, "ARRAY[");
        for (size_t k = 0; k < x->n; k++) {
            if (k)
                sil_buf_adds(out, ", ");
            render(x->kids[k], ts, out);
        }
        sil_buf_addc(out, ']');
        return;
    }
    SIL_BUG("unknown expression node %d", (int)x->kind);
}

void sil_expr_render(const struct sil_expr *e, const char *type_schema, struct sil_buf *out)
{
    render(e->root, type_schema, out);
}

const char *sil_expr_text(const struct sil_expr *e)
{
    return e->text;
}

size_t sil_expr_ncolumns(const struct sil_expr *e)
{
    return e->ncols;
}

const char *sil_expr_column(const struct sil_expr *e, size_t i)
{
    return i < e->ncols ? e->cols[i] : NULL;
}

int sil_expr_uses_value(const struct sil_expr *e)
{
    return e->uses_value;
}

/* ------------------------------------------------------------------------ */
/* Dates and numbers from text                                              */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A decimal number as PostgreSQL's numeric input takes it. */
static int parse_number(const char *s, size_t n, long double *out, int *is_int)
{
    size_t i = 0;
    while (i < n && is_space(s[i]))
        i++;
    while (n > i && is_space(s[n - 1]))
        n--;
    if (i == n)
        return -1;
    char buf[128];
    size_t len = n - i;
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, s + i, len);
    buf[len] = '\0';
    const char *q = buf;
    int neg = 0;
    if (*q == '+' || *q == '-')
        neg = *q++ == '-';
    if (strcasecmp(q, "nan") == 0) {
        *out = NAN;
        *is_int = 0;
        return 0;
    }
    if (strcasecmp(q, "infinity") == 0 || strcasecmp(q, "inf") == 0) {
        *out = neg ? -INFINITY : INFINITY;
        *is_int = 0;
        return 0;
    }
    int digits = 0, intlike = 1;
    const char *r = q;
    while (isdigit((unsigned char)*r)) {
        r++;
        digits++;
    }
    if (*r == '.') {
        intlike = 0;
        r++;
        while (isdigit((unsigned char)*r)) {
            r++;
            digits++;
        }
    }
    if (!digits)
        return -1;
    if (*r == 'e' || *r == 'E') {
        intlike = 0;
        r++;
        if (*r == '+' || *r == '-')
            r++;
        if (!isdigit((unsigned char)*r))
            return -1;
        while (isdigit((unsigned char)*r))
            r++;
    }
    if (*r)
        return -1;
    char *end;
    *out = strtold(buf, &end);
    *is_int = intlike;
    return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int read_digits(const char **p, const char *end, int min, int max, int *v)
{
    int n = 0, x = 0;
    while (*p < end && isdigit((unsigned char)**p) && n < max) {
        x = x * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    if (n < min)
        return -1;
    *v = x;
    return 0;
}

/* "HH:MM[:SS[.frac]]" to seconds. */
static int parse_clock(const char **pp, const char *end, long double *secs)
{
    const char *p = *pp;
    int h, m, s = 0;
    if (read_digits(&p, end, 1, 2, &h) < 0 || p >= end || *p++ != ':' ||
        read_digits(&p, end, 2, 2, &m) < 0)
        return -1;
    long double frac = 0;
    if (p < end && *p == ':') {
        p++;
        if (read_digits(&p, end, 2, 2, &s) < 0)
            return -1;
        if (p < end && *p == '.') {
            p++;
            long double scale = 0.1L;
            while (p < end && isdigit((unsigned char)*p)) {
                frac += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
        }
    }
    if (h > 24 || m > 59 || s > 60)
        return -1;
    *secs = h * 3600.0L + m * 60.0L + s + frac;
    *pp = p;
    return 0;
}

/*
 * ISO dates and timestamps: "YYYY-MM-DD", then optionally [ T]HH:MM[:SS[.f]]
 * and a zone (Z, +HH, +HH:MM, +HHMM), or "infinity"/"-infinity". Seconds
 * since the epoch, UTC (a timestamp without a zone is read as UTC).
 */
static int parse_datetime(const char *s, size_t n, int date_only, long double *out)
{
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    if (n == 8 && strncasecmp(s, "infinity", 8) == 0) {
        *out = INFINITY;
        return 0;
    }
    if (n == 9 && strncasecmp(s, "-infinity", 9) == 0) {
        *out = -INFINITY;
        return 0;
    }
    const char *p = s, *end = s + n;
    int y, mo, d;
    if (read_digits(&p, end, 4, 5, &y) < 0 || p >= end || *p++ != '-' ||
        read_digits(&p, end, 1, 2, &mo) < 0 || p >= end || *p++ != '-' ||
        read_digits(&p, end, 1, 2, &d) < 0)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    long double t = (long double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0L;
    if (p < end && (*p == ' ' || *p == 'T' || *p == 't')) {
        p++;
        long double secs;
        if (parse_clock(&p, end, &secs) < 0)
            return -1;
        if (!date_only)
            t += secs;
        if (p < end) {
            if (*p == 'Z' || *p == 'z') {
                p++;
            } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, zh, zm = 0;
                if (read_digits(&p, end, 1, 2, &zh) < 0)
                    return -1;
                if (p < end && *p == ':')
                    p++;
                if (p < end && isdigit((unsigned char)*p) && read_digits(&p, end, 2, 2, &zm) < 0)
                    return -1;
                if (!date_only)
                    t -= sign * (zh * 3600.0L + zm * 60.0L);
            }
        }
    }
    if (p != end)
        return -1;
    *out = t;
    return 0;
}

static int parse_bool_text(const char *s, size_t n, int *out)
{
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    static const char *const yes[] = {"t", "true", "y", "yes", "on", "1"};
    static const char *const no[] = {"f", "false", "n", "no", "off", "0"};
    for (size_t k = 0; k < 6; k++) {
        if (strlen(yes[k]) == n && strncasecmp(yes[k], s, n) == 0) {
            *out = 1;
            return 0;
        }
        if (strlen(no[k]) == n && strncasecmp(no[k], s, n) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Simple constraints                                                       */

static const struct node *strip_casts(const struct node *x)
{
    while (x->kind == N_CAST && x->type->t.array_dims == 0 &&
           (sil_type_is_text(&x->type->t) || sil_type_is_numeric(&x->type->t) || x->type->user))
        x = x->kids[0];
    return x;
}

static const char *column_of(const struct node *x)
{
    x = strip_casts(x);
    return x->kind == N_COL ? x->text : x->kind == N_VALUE ? "VALUE" : NULL;
}

static const char *length_of(const struct node *x)
{
    x = strip_casts(x);
    if (x->kind != N_FUNC ||
        !(x->op == F_LENGTH || x->op == F_CHAR_LENGTH || x->op == F_CHARACTER_LENGTH))
        return NULL;
    return column_of(x->kids[0]);
}

static char *type_text(struct sil_expr *e, const struct ctype *ct)
{
    struct sil_buf b;
    sil_buf_init(&b, 0);
    render_type(&b, ct, NULL);
    char *s = sil_arena_strdup(e->arena, b.data ? b.data : "");
    sil_buf_release(&b);
    return s;
}

/* A constant: literal, negated number, NULL, now(), or a cast of one. */
static int const_of(struct sil_expr *e, const struct node *x, struct sil_expr_value *v)
{
    memset(v, 0, sizeof *v);
    v->text = "";
    const struct ctype *ct = NULL;
    if (x->kind == N_CAST) {
        ct = x->type;
        if (ct->t.array_dims)
            return 0;
        x = x->kids[0];
        if (x->kind == N_CAST) {
            /* a negative constant as PostgreSQL prints it: ('-1'::integer)::numeric */
            if (!sil_type_is_numeric(&ct->t) || x->type->t.array_dims ||
                !sil_type_is_numeric(&x->type->t) || x->kids[0]->kind == N_CAST)
                return 0;
            x = x->kids[0];
        }
        v->type = type_text(e, ct);
    }
    int neg = 0;
    if (x->kind == N_NEG && x->kids[0]->kind == N_NUM) {
        neg = 1;
        x = x->kids[0];
    }
    int is_int;
    long double num;
    switch (x->kind) {
    case N_NUM:
        if (parse_number(x->text, strlen(x->text), &num, &is_int) < 0)
            return 0;
        v->kind = SIL_EXPR_V_NUMBER;
        v->number = (double)(neg ? -num : num);
        v->text = x->text;
        if (neg) {
            size_t n = strlen(x->text);
            char *t = sil_arena_alloc(e->arena, n + 2);
            t[0] = '-';
            memcpy(t + 1, x->text, n + 1);
            v->text = t;
        }
        if (ct && !sil_type_is_numeric(&ct->t))
            return 0;
        return 1;
    case N_BOOL:
        if (ct && ct->t.base != SIL_T_BOOLEAN)
            return 0;
        v->kind = SIL_EXPR_V_BOOL;
        v->number = x->flag;
        v->text = x->flag ? "true" : "false";
        return 1;
    case N_NULL:
        v->kind = SIL_EXPR_V_NULL;
        return 1;
    case N_SQLVAL:
        v->kind = SIL_EXPR_V_NOW;
        return 1;
    case N_FUNC:
        if (x->op != F_NOW)
            return 0;
        v->kind = SIL_EXPR_V_NOW;
        return 1;
    case N_STR:
        v->text = x->text;
        if (!ct || ct->user || sil_type_is_text(&ct->t) || ct->t.base == SIL_T_UUID) {
            v->kind = SIL_EXPR_V_TEXT;
            return 1;
        }
        if (sil_type_is_numeric(&ct->t) && ct->t.base != SIL_T_MONEY) {
            if (parse_number(x->text, x->len, &num, &is_int) < 0)
                return 0;
            v->kind = SIL_EXPR_V_NUMBER;
            v->number = (double)num;
            return 1;
        }
        if (ct->t.base == SIL_T_BOOLEAN) {
            int b;
            if (parse_bool_text(x->text, x->len, &b) < 0)
                return 0;
            v->kind = SIL_EXPR_V_BOOL;
            v->number = b;
            return 1;
        }
        if (ct->t.base == SIL_T_DATE || ct->t.base == SIL_T_TIMESTAMP ||
            ct->t.base == SIL_T_TIMESTAMPTZ) {
            if (parse_datetime(x->text, x->len, ct->t.base == SIL_T_DATE, &num) < 0)
                return 0;
            v->kind = ct->t.base == SIL_T_DATE ? SIL_EXPR_V_DATE : SIL_EXPR_V_TIMESTAMP;
            v->number = (double)num;
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static enum sil_expr_op flip(enum sil_expr_op op)
{
    switch (op) {
    case SIL_EXPR_LT:
        return SIL_EXPR_GT;
    case SIL_EXPR_LE:
        return SIL_EXPR_GE;
    case SIL_EXPR_GT:
        return SIL_EXPR_LT;
    case SIL_EXPR_GE:
        return SIL_EXPR_LE;
    default:
        return op;
    }
}

static enum sil_expr_op negate(enum sil_expr_op op)
{
    switch (op) {
    case SIL_EXPR_EQ:
        return SIL_EXPR_NE;
    case SIL_EXPR_NE:
        return SIL_EXPR_EQ;
    case SIL_EXPR_LT:
        return SIL_EXPR_GE;
    case SIL_EXPR_LE:
        return SIL_EXPR_GT;
    case SIL_EXPR_GT:
        return SIL_EXPR_LE;
    default:
        return SIL_EXPR_LT;
    }
}

struct cons_list {
    struct sil_expr_constraint *v;
    size_t n, cap;
};

static struct sil_expr_constraint *cons_add(struct sil_expr *e, struct cons_list *l,
                                            enum sil_expr_ckind kind, const char *col)
{
    l->v = sil_arena_grow(e->arena, l->v, sizeof *l->v, l->n + 1, &l->cap);
    struct sil_expr_constraint *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->column = col;
    c->value.text = "";
    return c;
}

static int compare_cons(struct sil_expr *e, struct cons_list *l, enum sil_expr_op op,
                        const struct node *a, const struct node *b)
{
    struct sil_expr_value v;
    const char *ca = column_of(a), *cb = column_of(b), *la = length_of(a), *lb = length_of(b);
    if (ca && cb) {
        cons_add(e, l, SIL_EXPR_C_COLUMNS, ca)->column2 = cb;
        l->v[l->n - 1].op = op;
        return 1;
    }
    if ((ca || la) && const_of(e, b, &v) && v.kind != SIL_EXPR_V_NULL) {
        struct sil_expr_constraint *c =
            cons_add(e, l, ca ? SIL_EXPR_C_COMPARE : SIL_EXPR_C_LENGTH, ca ? ca : la);
        c->op = op;
        c->value = v;
        return 1;
    }
    if ((cb || lb) && const_of(e, a, &v) && v.kind != SIL_EXPR_V_NULL) {
        struct sil_expr_constraint *c =
            cons_add(e, l, cb ? SIL_EXPR_C_COMPARE : SIL_EXPR_C_LENGTH, cb ? cb : lb);
        c->op = flip(op);
        c->value = v;
        return 1;
    }
    return 0;
}

/* The elements of an array constant: ARRAY[...] (maybe cast) or '{a,b}'::t[]. */
static int array_items(struct sil_expr *e, const struct node *x, struct sil_expr_value **out,
                       size_t *n);

static int in_cons(struct sil_expr *e, struct cons_list *l, const struct node *x, size_t count,
                   const struct node *const *items, int negated)
{
    const char *c = column_of(x);
    if (!c)
        return 0;
    struct sil_expr_value *vals = sil_arena_alloc(e->arena, (count ? count : 1) * sizeof *vals);
    for (size_t k = 0; k < count; k++)
        if (!const_of(e, items[k], &vals[k]))
            return 0;
    struct sil_expr_constraint *cs = cons_add(e, l, SIL_EXPR_C_IN, c);
    cs->nvalues = count;
    cs->values = vals;
    cs->negated = negated;
    return 1;
}

static int simple(struct sil_expr *e, struct cons_list *l, const struct node *x, int negated);

static int simple_not_null(struct sil_expr *e, struct cons_list *l, const struct node *x)
{
    const char *c = column_of(x);
    if (!c)
        return 0;
    cons_add(e, l, SIL_EXPR_C_NOT_NULL, c);
    return 1;
}

static int simple(struct sil_expr *e, struct cons_list *l, const struct node *x, int negated)
{
    switch (x->kind) {
    case N_BOOL:
        return x->flag != negated;
    case N_NOT:
        return simple(e, l, x->kids[0], !negated);
    case N_CMP:
        return compare_cons(e, l, negated ? negate(x->op) : (enum sil_expr_op)x->op, x->kids[0],
                            x->kids[1]);
    case N_IS:
        if (x->op != IS_NULL)
            return 0;
        /* IS NOT NULL, or NOT (x IS NULL) */
        if (x->flag == !negated)
            return simple_not_null(e, l, x->kids[0]);
        return 0;
    case N_BETWEEN: {
        if (x->flag != negated)
            return 0;
        size_t mark = l->n;
        if (compare_cons(e, l, SIL_EXPR_GE, x->kids[0], x->kids[1]) &&
            compare_cons(e, l, SIL_EXPR_LE, x->kids[0], x->kids[2]))
            return 1;
        l->n = mark;
        return 0;
    }
    case N_IN:
        return in_cons(e, l, x->kids[0], x->n - 1, (const struct node *const *)x->kids + 1,
                       x->flag != negated);
    case N_QUANT: {
        /* = ANY is IN; <> ALL is NOT IN */
        int in = x->op == SIL_EXPR_EQ && !x->flag, notin = x->op == SIL_EXPR_NE && x->flag;
        if (!in && !notin)
            return 0;
        const char *c = column_of(x->kids[0]);
        struct sil_expr_value *vals;
        size_t n;
        if (!c || !array_items(e, x->kids[1], &vals, &n))
            return 0;
        struct sil_expr_constraint *cs = cons_add(e, l, SIL_EXPR_C_IN, c);
        cs->nvalues = n;
        cs->values = vals;
        cs->negated = notin != negated;
        return 1;
    }
    case N_MATCH: {
        if (x->op != M_LIKE && x->op != M_ILIKE)
            return 0;
        const char *c = column_of(x->kids[0]);
        struct sil_expr_value v;
        if (!c || !const_of(e, x->kids[1], &v) || v.kind != SIL_EXPR_V_TEXT)
            return 0;
        struct sil_expr_constraint *cs = cons_add(e, l, SIL_EXPR_C_LIKE, c);
        cs->value = v;
        cs->negated = x->flag != negated;
        cs->icase = x->op == M_ILIKE;
        return 1;
    }
    case N_OR: {
        /* col IS NULL OR p(col): p is strict in col, so as a CHECK it is p */
        if (negated || x->n != 2)
            return 0;
        for (int side = 0; side < 2; side++) {
            const struct node *isn = x->kids[side], *other = x->kids[1 - side];
            if (isn->kind != N_IS || isn->op != IS_NULL || isn->flag)
                continue;
            const char *c = column_of(isn->kids[0]);
            if (!c || other->kind == N_AND || other->kind == N_OR)
                continue;
            size_t mark = l->n;
            if (!simple(e, l, other, 0)) {
                l->n = mark;
                continue;
            }
            int ok = l->n > mark;
            for (size_t k = mark; k < l->n; k++) {
                const struct sil_expr_constraint *cs = &l->v[k];
                if (cs->kind == SIL_EXPR_C_NOT_NULL ||
                    (strcmp(cs->column, c) != 0 && !(cs->column2 && strcmp(cs->column2, c) == 0)))
                    ok = 0;
            }
            if (ok)
                return 1;
            l->n = mark;
        }
        return 0;
    }
    default:
        return 0;
    }
}

/* Split a '{a,"b c",NULL}' array literal into NUL-separated items; 0 when malformed. */
static int split_array_text(const char *s, size_t n, struct sil_buf *items, size_t *count,
                            int **nulls)
{
    size_t i = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (i >= n || s[i] != '{')
        return 0;
    i++;
    size_t cnt = 0, cap = 0;
    int *nl = NULL;
    sil_buf_reset(items);
    while (i < n && is_space(s[i]))
        i++;
    if (i < n && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            while (i < n && is_space(s[i]))
                i++;
            struct sil_buf one;
            sil_buf_init(&one, 0);
            int quoted = 0;
            if (i < n && s[i] == '"') {
                quoted = 1;
                i++;
                while (i < n && s[i] != '"') {
                    if (s[i] == '\\' && i + 1 < n)
                        i++;
                    sil_buf_addc(&one, s[i++]);
                }
                if (i >= n) {
                    sil_buf_release(&one);
                    free(nl);
                    return 0;
                }
                i++;
            } else {
                while (i < n && s[i] != ',' && s[i] != '}') {
                    if (s[i] == '{' || s[i] == '"') {
                        sil_buf_release(&one);
                        free(nl);
                        return 0;
                    }
                    if (s[i] == '\\' && i + 1 < n)
                        i++;
                    sil_buf_addc(&one, s[i++]);
                }
                while (one.len && is_space(one.data[one.len - 1]))
                    one.data[--one.len] = '\0';
                if (one.len == 0) {
                    sil_buf_release(&one);
                    free(nl);
                    return 0;
                }
            }
            while (i < n && is_space(s[i]))
                i++;
            nl = sil_xgrow(nl, sizeof *nl, cnt + 1, &cap);
            nl[cnt] = !quoted && one.len == 4 && strncasecmp(one.data, "null", 4) == 0;
            sil_buf_add(items, one.data ? one.data : "", one.len);
            sil_buf_addc(items, '\0');
            sil_buf_release(&one);
            cnt++;
            if (i < n && s[i] == ',') {
                i++;
                continue;
            }
            if (i < n && s[i] == '}') {
                i++;
                break;
            }
            free(nl);
            return 0;
        }
    }
    while (i < n && is_space(s[i]))
        i++;
    if (i != n) {
        free(nl);
        return 0;
    }
    *count = cnt;
    *nulls = nl;
    return 1;
}

static int array_items(struct sil_expr *e, const struct node *x, struct sil_expr_value **out,
                       size_t *n)
{
    const struct ctype *elem = NULL;
    if (x->kind == N_CAST && x->type->t.array_dims == 1) {
        elem = x->type;
        x = x->kids[0];
    }
    if (x->kind == N_ARRAY) {
        struct sil_expr_value *vals = sil_arena_alloc(e->arena, x->n * sizeof *vals);
        for (size_t k = 0; k < x->n; k++)
            if (!const_of(e, x->kids[k], &vals[k]))
                return 0;
        *out = vals;
        *n = x->n;
        return 1;
    }
    if (x->kind == N_STR && elem) {
        struct sil_buf items;
        sil_buf_init(&items, 0);
        size_t cnt;
        int *nulls = NULL;
        if (!split_array_text(x->text, x->len, &items, &cnt, &nulls)) {
            sil_buf_release(&items);
            return 0;
        }
        struct sil_expr_value *vals = sil_arena_alloc(e->arena, (cnt ? cnt : 1) * sizeof *vals);
        const char *p = items.data;
        int ok = 1;
        for (size_t k = 0; k < cnt && ok; k++) {
            size_t len = strlen(p);
            if (nulls[k]) {
                memset(&vals[k], 0, sizeof vals[k]);
                vals[k].kind = SIL_EXPR_V_NULL;
                vals[k].text = "";
            } else {
                /* type each element as a cast of a string literal would */
                struct node lit = {0}, cast = {0};
                struct node *kid = &lit;
                struct ctype ct = *elem;
                ct.t.array_dims = 0;
                lit.kind = N_STR;
                lit.text = sil_arena_strndup(e->arena, p, len);
                lit.len = len;
                cast.kind = N_CAST;
                cast.type = &ct;
                cast.n = 1;
                cast.kids = &kid;
                ok = const_of(e, &cast, &vals[k]);
            }
            p += len + 1;
        }
        sil_buf_release(&items);
        free(nulls);
        if (!ok)
            return 0;
        *out = vals;
        *n = cnt;
        return 1;
    }
    return 0;
}

static void extract_constraints(struct sil_expr *e)
{
    struct cons_list l = {0};
    int exact = 1;
    const struct node *x = e->root;
    size_t n = x->kind == N_AND ? x->n : 1;
    for (size_t k = 0; k < n; k++) {
        const struct node *c = x->kind == N_AND ? x->kids[k] : x;
        size_t mark = l.n;
        if (!simple(e, &l, c, 0)) {
            l.n = mark;
            exact = 0;
        }
    }
    e->cons = l.v;
    e->ncons = l.n;
    e->cons_exact = exact;
}

int sil_expr_constraints(const struct sil_expr *e, size_t *n,
                         const struct sil_expr_constraint **out)
{
    *n = e->ncons;
    *out = e->cons;
    return e->cons_exact;
}

/* ------------------------------------------------------------------------ */
/* Parse entry point                                                        */

struct sil_expr *sil_expr_parse(const char *text, const struct sil_expr_options *opts,
                                struct sil_err *err)
{
    size_t len = strlen(text);
    if (len > SIL_EXPR_MAX_TEXT) {
        sil_err_set(err, SIL_EINPUT, "expression of %zu bytes refused: longer than %d bytes", len,
                    SIL_EXPR_MAX_TEXT);
        return NULL;
    }
    struct sil_expr *e = sil_xcalloc(1, sizeof *e);
    e->arena = sil_arena_new();
    e->text = sil_arena_strdup(e->arena, text);
    struct parser p = {0};
    p.e = e;
    p.opts = opts;
    p.err = err;
    p.src = e->text;
    p.srclen = len;
    if (!utf8_valid(text, len)) {
        fail(&p, 1, "not valid UTF-8");
    } else if (lex(&p) == 0) {
        if (peek(&p)->k == T_EOF)
            fail(&p, 1, "empty expression");
        else if (!refused_word(&p, peek(&p))) {
            e->root = parse_expr(&p);
            if (e->root && peek(&p)->k != T_EOF)
                unexpected(&p, NULL);
        }
    }
    free(p.toks);
    if (p.failed || !e->root) {
        if (!p.failed)
            sil_err_set(err, SIL_EINPUT, "expression refused");
        sil_expr_free(e);
        return NULL;
    }
    flatten(e, e->root);
    if (tree_depth(e->root) > SIL_EXPR_MAX_DEPTH) {
        fail(&p, 1, "nested deeper than %d levels", SIL_EXPR_MAX_DEPTH);
        sil_expr_free(e);
        return NULL;
    }
    prepare_regex(e, e->root);
    extract_constraints(e);
    return e;
}

void sil_expr_free(struct sil_expr *e)
{
    if (!e)
        return;
    for (size_t k = 0; k < e->nregex; k++) {
        regfree(e->regex[k]);
        free(e->regex[k]);
    }
    free(e->regex);
    free(e->colpos);
    free(e->coltype);
    free(e->coltyped);
    sil_arena_free(e->arena);
    free(e);
}

/* ------------------------------------------------------------------------ */
/* Binding                                                                  */

int sil_expr_bind(struct sil_expr *e, size_t ncols, const char *const *names,
                  const enum sil_type_base *types, struct sil_err *err)
{
    size_t *pos = sil_xcalloc(e->ncols ? e->ncols : 1, sizeof *pos);
    enum sil_type_base *ty = sil_xcalloc(e->ncols ? e->ncols : 1, sizeof *ty);
    int *typed = sil_xcalloc(e->ncols ? e->ncols : 1, sizeof *typed);
    for (size_t k = 0; k < e->ncols; k++) {
        size_t j = 0;
        while (j < ncols && strcmp(names[j], e->cols[k]) != 0)
            j++;
        if (j == ncols) {
            free(pos);
            free(ty);
            free(typed);
            return sil_err_set(
                err, SIL_EINPUT,
                "expression \"%.80s\" names column \"%s\", which the table does not have", e->text,
                e->cols[k]);
        }
        pos[k] = j;
        if (types) {
            ty[k] = types[j];
            typed[k] = 1;
        }
    }
    free(e->colpos);
    free(e->coltype);
    free(e->coltyped);
    e->colpos = pos;
    e->coltype = ty;
    e->coltyped = typed;
    e->bound = 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */

enum vt { V_NULL, V_BOOL, V_NUM, V_TEXT, V_UNK, V_DATE, V_TS, V_TIME, V_ARR };

struct val {
    enum vt t;
    int is_int;
    long double d;
    const char *s; /* TEXT, UNK; NUM: its text when known */
    size_t n;
    struct val *arr;
    size_t narr;
};

struct ev {
    const struct sil_expr *e;
    const char *const *row;
    const struct sil_expr_env *env;
    struct sil_err *err;
    void **allocs;
    size_t nallocs, cap;
    int depth;
};

static void *ev_alloc(struct ev *v, size_t n)
{
    v->allocs = sil_xgrow(v->allocs, sizeof *v->allocs, v->nallocs + 1, &v->cap);
    void *p = sil_xcalloc(1, n ? n : 1);
    v->allocs[v->nallocs++] = p;
    return p;
}

static int ev_fail(struct ev *v, const struct node *x, const char *fmt, ...) SIL_PRINTF(3, 4);

static int ev_fail(struct ev *v, const struct node *x, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sil_err_set(v->err, SIL_ECHECK, "expression \"%.80s\": at position %d: %s", v->e->text, x->pos,
                msg);
    return -1;
}

static const char *vt_name(enum vt t)
{
    static const char *const names[] = {"null", "boolean",   "number", "text", "unknown",
                                        "date", "timestamp", "time",   "array"};
    return names[t];
}

static void set_null(struct val *r)
{
    memset(r, 0, sizeof *r);
    r->t = V_NULL;
}

static void set_bool(struct val *r, int b)
{
    memset(r, 0, sizeof *r);
    r->t = V_BOOL;
    r->d = b;
}

static void set_num(struct val *r, long double d, int is_int)
{
    memset(r, 0, sizeof *r);
    r->t = V_NUM;
    r->d = d;
    r->is_int = is_int;
}

static void set_text(struct val *r, const char *s, size_t n)
{
    memset(r, 0, sizeof *r);
    r->t = V_TEXT;
    r->s = s;
    r->n = n;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/* The text form of a value (for length, ||, casts to text). */
static void text_of(struct ev *v, const struct val *a, const char **s, size_t *n)
{
    char buf[96];
    int len = 0;
    switch (a->t) {
    case V_TEXT:
    case V_UNK:
        *s = a->s;
        *n = a->n;
        return;
    case V_NUM:
        if (a->s) {
            *s = a->s;
            *n = a->n;
            return;
        }
        if (isnan(a->d))
            len = snprintf(buf, sizeof buf, "NaN");
        else if (isinf(a->d))
            len = snprintf(buf, sizeof buf, "%sInfinity", a->d < 0 ? "-" : "");
        else if (a->is_int && fabsl(a->d) < 1e30L)
            len = snprintf(buf, sizeof buf, "%.0Lf", a->d);
        else
            len = snprintf(buf, sizeof buf, "%.15Lg", a->d);
        break;
    case V_BOOL:
        len = snprintf(buf, sizeof buf, "%s", a->d != 0 ? "true" : "false");
        break;
    case V_DATE:
    case V_TS: {
        if (isinf(a->d)) {
            len = snprintf(buf, sizeof buf, "%sinfinity", a->d < 0 ? "-" : "");
            break;
        }
        long double days = floorl(a->d / 86400.0L);
        long double secs = a->d - days * 86400.0L;
        int64_t y;
        unsigned m, d;
        civil_from_days((int64_t)days, &y, &m, &d);
        len = snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
        if (a->t == V_TS) {
            int isec = (int)secs;
            len += snprintf(buf + len, sizeof buf - (size_t)len, " %02d:%02d:%02d", isec / 3600,
                            isec / 60 % 60, isec % 60);
            long double frac = secs - isec;
            if (frac > 0.0000005L)
                len += snprintf(buf + len, sizeof buf - (size_t)len, ".%06d",
                                (int)lroundl(frac * 1e6L) % 1000000);
        }
        break;
    }
    case V_TIME: {
        int isec = (int)a->d;
        len = snprintf(buf, sizeof buf, "%02d:%02d:%02d", isec / 3600, isec / 60 % 60, isec % 60);
        break;
    }
    case V_ARR: {
        struct sil_buf b;
        sil_buf_init(&b, 0);
        sil_buf_addc(&b, '{');
        for (size_t k = 0; k < a->narr; k++) {
            const char *es;
            size_t en;
            if (k)
                sil_buf_addc(&b, ',');
            if (a->arr[k].t == V_NULL) {
                sil_buf_adds(&b, "NULL");
                continue;
            }
            text_of(v, &a->arr[k], &es, &en);
            sil_buf_add(&b, es, en);
        }
        sil_buf_addc(&b, '}');
        char *p = ev_alloc(v, b.len + 1);
        memcpy(p, b.data, b.len);
        *s = p;
        *n = b.len;
        sil_buf_release(&b);
        return;
    }
    case V_NULL:
        *s = "";
        *n = 0;
        return;
    }
    if (len < 0)
        len = 0;
    if ((size_t)len >= sizeof buf)
        len = (int)sizeof buf - 1;
    char *p = ev_alloc(v, (size_t)len + 1);
    memcpy(p, buf, (size_t)len);
    *s = p;
    *n = (size_t)len;
}

/* Give an unknown-typed value (a string literal, an untyped column) a type. */
static int coerce(struct ev *v, const struct node *x, struct val *a, enum vt want)
{
    if (a->t == want || a->t == V_NULL)
        return 0;
    if (a->t == V_DATE && want == V_TS) {
        a->t = V_TS;
        return 0;
    }
    if (a->t != V_UNK && !(a->t == V_TEXT && want == V_UNK))
        return ev_fail(v, x, "cannot compare %s with %s", vt_name(a->t), vt_name(want));
    const char *s = a->s;
    size_t n = a->n;
    long double d;
    int b;
    switch (want) {
    case V_TEXT:
    case V_UNK:
        a->t = V_TEXT;
        return 0;
    case V_NUM:
        if (parse_number(s, n, &d, &b) < 0)
            return ev_fail(v, x, "'%.*s' is not a number", (int)SIL_MIN(n, 60), s);
        a->t = V_NUM;
        a->d = d;
        a->is_int = b;
        return 0;
    case V_BOOL:
        if (parse_bool_text(s, n, &b) < 0)
            return ev_fail(v, x, "'%.*s' is not a boolean", (int)SIL_MIN(n, 60), s);
        set_bool(a, b);
        return 0;
    case V_DATE:
    case V_TS:
        if (parse_datetime(s, n, want == V_DATE, &d) < 0)
            return ev_fail(v, x, "'%.*s' is not a %s", (int)SIL_MIN(n, 60), s,
                           want == V_DATE ? "date" : "timestamp");
        memset(a, 0, sizeof *a);
        a->t = want;
        a->d = d;
        return 0;
    case V_TIME: {
        const char *p = s, *end = s + n;
        while (p < end && is_space(*p))
            p++;
        while (end > p && is_space(end[-1]))
            end--;
        if (parse_clock(&p, end, &d) < 0 || p != end)
            return ev_fail(v, x, "'%.*s' is not a time", (int)SIL_MIN(n, 60), s);
        memset(a, 0, sizeof *a);
        a->t = V_TIME;
        a->d = d;
        return 0;
    }
    default:
        return ev_fail(v, x, "cannot use %s as %s", vt_name(a->t), vt_name(want));
    }
}

/* Compare two non-null values: *res < 0, 0, > 0. */
static int compare(struct ev *v, const struct node *x, struct val *a, struct val *b, int *res)
{
    if (a->t == V_ARR || b->t == V_ARR)
        return ev_fail(v, x, "array comparison is not evaluated");
    if (a->t == V_UNK && b->t == V_UNK) {
        a->t = b->t = V_TEXT;
    } else if (a->t == V_UNK) {
        if (coerce(v, x, a, b->t) < 0)
            return -1;
    } else if (b->t == V_UNK) {
        if (coerce(v, x, b, a->t) < 0)
            return -1;
    }
    if ((a->t == V_DATE && b->t == V_TS) || (a->t == V_TS && b->t == V_DATE)) {
        /* dates compare as midnight timestamps */
    } else if (a->t != b->t) {
        return ev_fail(v, x, "cannot compare %s with %s", vt_name(a->t), vt_name(b->t));
    }
    if (a->t == V_TEXT) {
        size_t m = SIL_MIN(a->n, b->n);
        int c = memcmp(a->s, b->s, m);
        *res = c ? c : (a->n < b->n ? -1 : a->n > b->n);
        return 0;
    }
    /* numbers, booleans and times: NaN sorts above everything and equals itself */
    int an = isnan(a->d), bn = isnan(b->d);
    if (an || bn)
        *res = an - bn;
    else
        *res = a->d < b->d ? -1 : a->d > b->d;
    return 0;
}

static int cmp_result(int op, int c)
{
    switch (op) {
    case SIL_EXPR_EQ:
        return c == 0;
    case SIL_EXPR_NE:
        return c != 0;
    case SIL_EXPR_LT:
        return c < 0;
    case SIL_EXPR_LE:
        return c <= 0;
    case SIL_EXPR_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* 0 false, 1 true, 2 null; -1 error. */
static int truth(struct ev *v, const struct node *x, struct val *a)
{
    if (a->t == V_NULL)
        return SIL_TRI_NULL;
    if (a->t == V_UNK && coerce(v, x, a, V_BOOL) < 0)
        return -1;
    if (a->t != V_BOOL)
        return ev_fail(v, x, "expected a boolean, found %s", vt_name(a->t));
    return a->d != 0;
}

static void set_tri(struct val *r, int t)
{
    if (t == SIL_TRI_NULL)
        set_null(r);
    else
        set_bool(r, t);
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

static size_t utf8_next(const char *s, size_t n, size_t i)
{
    i++;
    while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
        i++;
    return i;
}

/* LIKE with % and _ and backslash escapes; -1 for a pattern ending in an escape. */
static int like_match(const char *s, size_t sn, const char *p, size_t pn, int icase)
{
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    if (pn && p[pn - 1] == '\\') {
        size_t k = pn, bs = 0;
        while (k > 0 && p[k - 1] == '\\') {
            k--;
            bs++;
        }
        if (bs % 2)
            return -1;
    }
    while (si < sn) {
        if (pi < pn && p[pi] == '%') {
            while (pi < pn && p[pi] == '%')
                pi++;
            star_p = pi;
            star_s = si;
            continue;
        }
        if (pi < pn) {
            if (p[pi] == '_') {
                si = utf8_next(s, sn, si);
                pi++;
                continue;
            }
            size_t q = pi;
            if (p[q] == '\\' && q + 1 < pn)
                q++;
            char pc = p[q], sc = s[si];
            if (icase) {
                pc = (char)tolower((unsigned char)pc);
                sc = (char)tolower((unsigned char)sc);
            }
            if (pc == sc) {
                si++;
                pi = q + 1;
                continue;
            }
        }
        if (star_p != (size_t)-1) {
            star_s = utf8_next(s, sn, star_s);
            si = star_s;
            pi = star_p;
            continue;
        }
        return 0;
    }
    while (pi < pn && p[pi] == '%')
        pi++;
    return pi == pn;
}

static int eval(struct ev *v, const struct node *x, struct val *r);

/* Cast to a target type. */
static int cast(struct ev *v, const struct node *x, struct val *a, const struct ctype *ct,
                struct val *r)
{
    const struct sil_type *t = &ct->t;
    if (a->t == V_NULL) {
        set_null(r);
        return 0;
    }
    if (t->array_dims) {
        struct ctype elem = *ct;
        elem.t.array_dims = 0;
        if (a->t == V_UNK || a->t == V_TEXT) {
            struct sil_buf items;
            sil_buf_init(&items, 0);
            size_t cnt;
            int *nulls = NULL;
            if (!split_array_text(a->s, a->n, &items, &cnt, &nulls)) {
                sil_buf_release(&items);
                return ev_fail(v, x, "'%.*s' is not an array literal", (int)SIL_MIN(a->n, 60),
                               a->s);
            }
            struct val *arr = ev_alloc(v, (cnt ? cnt : 1) * sizeof *arr);
            char *copy = ev_alloc(v, items.len + 1);
            memcpy(copy, items.data ? items.data : "", items.len);
            sil_buf_release(&items);
            const char *p = copy;
            int rc = 0;
            for (size_t k = 0; k < cnt && rc == 0; k++) {
                size_t len = strlen(p);
                struct val it;
                memset(&it, 0, sizeof it);
                it.t = nulls[k] ? V_NULL : V_UNK;
                it.s = p;
                it.n = len;
                rc = cast(v, x, &it, &elem, &arr[k]);
                p += len + 1;
            }
            free(nulls);
            if (rc < 0)
                return -1;
            memset(r, 0, sizeof *r);
            r->t = V_ARR;
            r->arr = arr;
            r->narr = cnt;
            return 0;
        }
        if (a->t == V_ARR) {
            struct val *arr = ev_alloc(v, (a->narr ? a->narr : 1) * sizeof *arr);
            for (size_t k = 0; k < a->narr; k++)
                if (cast(v, x, &a->arr[k], &elem, &arr[k]) < 0)
                    return -1;
            *r = *a;
            r->arr = arr;
            return 0;
        }
        return ev_fail(v, x, "cannot cast %s to an array", vt_name(a->t));
    }
    if (a->t == V_ARR)
        return ev_fail(v, x, "cannot cast an array to a scalar");
    struct val b = *a;
    if (ct->user || sil_type_is_text(t) || t->base == SIL_T_UUID || t->base == SIL_T_JSON ||
        t->base == SIL_T_JSONB || t->base == SIL_T_INET || t->base == SIL_T_CIDR ||
        t->base == SIL_T_MACADDR || t->base == SIL_T_BYTEA) {
        const char *s;
        size_t n;
        text_of(v, &b, &s, &n);
        if ((t->base == SIL_T_VARCHAR || t->base == SIL_T_CHAR) && t->length >= 0 && !ct->user) {
            /* an explicit cast to varchar(n)/char(n) truncates */
            size_t i = 0, c = 0;
            while (i < n && c < (size_t)t->length) {
                i = utf8_next(s, n, i);
                c++;
            }
            n = i;
        }
        if (t->base == SIL_T_CHAR && !ct->user)
            while (n && s[n - 1] == ' ')
                n--;
        set_text(r, s, n);
        return 0;
    }
    switch (t->base) {
    case SIL_T_SMALLINT:
    case SIL_T_INTEGER:
    case SIL_T_BIGINT: {
        if (b.t == V_BOOL) {
            set_num(r, b.d, 1);
            return 0;
        }
        if (b.t == V_UNK || b.t == V_TEXT) {
            b.t = V_UNK;
            if (coerce(v, x, &b, V_NUM) < 0)
                return -1;
            if (!b.is_int)
                return ev_fail(v, x, "'%.*s' is not an integer", (int)SIL_MIN(a->n, 60), a->s);
        }
        if (b.t != V_NUM)
            return ev_fail(v, x, "cannot cast %s to an integer", vt_name(b.t));
        if (isnan(b.d) || isinf(b.d))
            return ev_fail(v, x, "cannot cast NaN or infinity to an integer");
        long double d = roundl(b.d);
        long double lim = t->base == SIL_T_SMALLINT  ? 32767.0L
                          : t->base == SIL_T_INTEGER ? 2147483647.0L
                                                     : 9223372036854775807.0L;
        if (d > lim || d < -lim - 1)
            return ev_fail(v, x, "integer out of range");
        set_num(r, d, 1);
        return 0;
    }
    case SIL_T_NUMERIC:
    case SIL_T_REAL:
    case SIL_T_DOUBLE: {
        if (b.t == V_UNK || b.t == V_TEXT) {
            b.t = V_UNK;
            if (coerce(v, x, &b, V_NUM) < 0)
                return -1;
        }
        if (b.t != V_NUM)
            return ev_fail(v, x, "cannot cast %s to a number", vt_name(b.t));
        long double d = b.d;
        if (t->base == SIL_T_NUMERIC && t->precision > 0 && isfinite(d)) {
            long double scale = powl(10.0L, t->scale);
            d = roundl(d * scale) / scale;
        }
        if (t->base == SIL_T_REAL)
            d = (float)d;
        else if (t->base == SIL_T_DOUBLE)
            d = (double)d;
        set_num(r, d, 0);
        if (b.s && d == b.d) {
            r->s = b.s;
            r->n = b.n;
        }
        return 0;
    }
    case SIL_T_BOOLEAN:
        if (b.t == V_NUM && b.is_int) {
            set_bool(r, b.d != 0);
            return 0;
        }
        if (b.t == V_TEXT)
            b.t = V_UNK;
        if (coerce(v, x, &b, V_BOOL) < 0)
            return -1;
        *r = b;
        return 0;
    case SIL_T_DATE:
        if (b.t == V_TEXT)
            b.t = V_UNK;
        if (b.t == V_TS) {
            memset(r, 0, sizeof *r);
            r->t = V_DATE;
            r->d = isinf(b.d) ? b.d : floorl(b.d / 86400.0L) * 86400.0L;
            return 0;
        }
        if (coerce(v, x, &b, V_DATE) < 0)
            return -1;
        *r = b;
        return 0;
    case SIL_T_TIMESTAMP:
    case SIL_T_TIMESTAMPTZ:
        if (b.t == V_TEXT)
            b.t = V_UNK;
        if (b.t == V_DATE) {
            b.t = V_TS;
            *r = b;
            return 0;
        }
        if (coerce(v, x, &b, V_TS) < 0)
            return -1;
        *r = b;
        return 0;
    case SIL_T_TIME:
    case SIL_T_TIMETZ:
        if (b.t == V_TEXT)
            b.t = V_UNK;
        if (b.t == V_TS) {
            memset(r, 0, sizeof *r);
            r->t = V_TIME;
            r->d = b.d - floorl(b.d / 86400.0L) * 86400.0L;
            return 0;
        }
        if (coerce(v, x, &b, V_TIME) < 0)
            return -1;
        *r = b;
        return 0;
    default:
        return ev_fail(v, x, "casts to %s are not evaluated", sil_type_base_name(t->base));
    }
}

/* A column's value from the row, typed by the bound column type. */
static int column_value(struct ev *v, const struct node *x, const char *s, int typed,
                        enum sil_type_base base, struct val *r)
{
    if (!s) {
        set_null(r);
        return 0;
    }
    memset(r, 0, sizeof *r);
    r->t = V_UNK;
    r->s = s;
    r->n = strlen(s);
    if (!typed)
        return 0;
    struct sil_type t;
    sil_type_init(&t, base);
    if (sil_type_is_text(&t) || base == SIL_T_ENUM || base == SIL_T_UUID || base == SIL_T_JSON ||
        base == SIL_T_JSONB || base == SIL_T_INET || base == SIL_T_CIDR || base == SIL_T_MACADDR ||
        base == SIL_T_BYTEA || base == SIL_T_UNSUPPORTED) {
        r->t = V_TEXT;
        if (base == SIL_T_CHAR)
            while (r->n && r->s[r->n - 1] == ' ')
                r->n--;
        return 0;
    }
    enum vt want;
    switch (base) {
    case SIL_T_SMALLINT:
    case SIL_T_INTEGER:
    case SIL_T_BIGINT:
    case SIL_T_NUMERIC:
    case SIL_T_REAL:
    case SIL_T_DOUBLE:
        want = V_NUM;
        break;
    case SIL_T_BOOLEAN:
        want = V_BOOL;
        break;
    case SIL_T_DATE:
        want = V_DATE;
        break;
    case SIL_T_TIMESTAMP:
    case SIL_T_TIMESTAMPTZ:
        want = V_TS;
        break;
    case SIL_T_TIME:
    case SIL_T_TIMETZ:
        want = V_TIME;
        break;
    default:
        return 0; /* money, interval, domains: left untyped */
    }
    if (coerce(v, x, r, want) < 0) {
        sil_err_prefix(v->err, "column \"%s\"", x->text);
        return -1;
    }
    if (want == V_NUM) {
        r->is_int = base == SIL_T_SMALLINT || base == SIL_T_INTEGER || base == SIL_T_BIGINT;
        r->s = s;
        r->n = strlen(s);
    }
    return 0;
}

static int num_arg(struct ev *v, const struct node *x, struct val *a)
{
    if (a->t == V_UNK)
        return coerce(v, x, a, V_NUM);
    if (a->t != V_NUM)
        return ev_fail(v, x, "expected a number, found %s", vt_name(a->t));
    return 0;
}

static int eval_func(struct ev *v, const struct node *x, struct val *r)
{
    struct val args[8];
    struct val *a = x->n <= 8 ? args : ev_alloc(v, x->n * sizeof *a);
    int op = x->op;
    /* coalesce, greatest and least are not strict and stop early */
    if (op == F_COALESCE) {
        for (size_t k = 0; k < x->n; k++) {
            if (eval(v, x->kids[k], r) < 0)
                return -1;
            if (r->t != V_NULL)
                return 0;
        }
        set_null(r);
        return 0;
    }
    for (size_t k = 0; k < x->n; k++)
        if (eval(v, x->kids[k], &a[k]) < 0)
            return -1;
    if (op == F_GREATEST || op == F_LEAST) {
        int have = 0;
        for (size_t k = 0; k < x->n; k++) {
            if (a[k].t == V_NULL)
                continue;
            if (!have) {
                *r = a[k];
                have = 1;
                continue;
            }
            int c;
            if (compare(v, x, &a[k], r, &c) < 0)
                return -1;
            if ((op == F_GREATEST && c > 0) || (op == F_LEAST && c < 0))
                *r = a[k];
        }
        if (!have)
            set_null(r);
        return 0;
    }
    if (op == F_NULLIF) {
        if (a[0].t == V_NULL || a[1].t == V_NULL) {
            *r = a[0];
            return 0;
        }
        struct val keep = a[0];
        int c;
        if (compare(v, x, &a[0], &a[1], &c) < 0)
            return -1;
        if (c == 0)
            set_null(r);
        else
            *r = keep;
        return 0;
    }
    if (op == F_NOW) {
        memset(r, 0, sizeof *r);
        r->t = V_TS;
        r->d = (long double)v->env->now;
        return 0;
    }
    for (size_t k = 0; k < x->n; k++)
        if (a[k].t == V_NULL) {
            set_null(r);
            return 0;
        }
    const char *s;
    size_t n;
    switch (op) {
    case F_LENGTH:
    case F_CHAR_LENGTH:
    case F_CHARACTER_LENGTH:
    case F_OCTET_LENGTH:
        text_of(v, &a[0], &s, &n);
        set_num(r, (long double)(op == F_OCTET_LENGTH ? n : utf8_chars(s, n)), 1);
        return 0;
    case F_LOWER:
    case F_UPPER: {
        text_of(v, &a[0], &s, &n);
        char *o = ev_alloc(v, n + 1);
        for (size_t k = 0; k < n; k++)
            o[k] =
                (char)(op == F_LOWER ? tolower((unsigned char)s[k]) : toupper((unsigned char)s[k]));
        set_text(r, o, n);
        return 0;
    }
    case F_BTRIM:
    case F_LTRIM:
    case F_RTRIM: {
        const char *set = " ";
        size_t setn = 1;
        text_of(v, &a[0], &s, &n);
        if (x->n == 2)
            text_of(v, &a[1], &set, &setn);
        size_t i = 0;
        if (op != F_RTRIM)
            while (i < n && memchr(set, s[i], setn))
                i++;
        if (op != F_LTRIM)
            while (n > i && memchr(set, s[n - 1], setn))
                n--;
        set_text(r, s + i, n - i);
        return 0;
    }
    default:
        break;
    }
    /* numeric functions */
    if (num_arg(v, x, &a[0]) < 0)
        return -1;
    long double d = a[0].d;
    int places = 0;
    if (x->n == 2) {
        if (num_arg(v, x, &a[1]) < 0)
            return -1;
        if (!a[1].is_int || fabsl(a[1].d) > 1000)
            return ev_fail(v, x, "%s() needs an integer number of places", funcs[op].name);
        places = (int)a[1].d;
    }
    long double scale = powl(10.0L, places);
    switch (op) {
    case F_ABS:
        set_num(r, fabsl(d), a[0].is_int);
        return 0;
    case F_ROUND:
        set_num(r, roundl(d * scale) / scale, a[0].is_int);
        return 0;
    case F_TRUNC:
        set_num(r, truncl(d * scale) / scale, a[0].is_int);
        return 0;
    case F_FLOOR:
        set_num(r, floorl(d), a[0].is_int);
        return 0;
    default:
        set_num(r, ceill(d), a[0].is_int);
        return 0;
    }
}

static int eval_arith(struct ev *v, const struct node *x, struct val *a, struct val *b,
                      struct val *r)
{
    if (a->t == V_NULL || b->t == V_NULL) {
        set_null(r);
        return 0;
    }
    if (x->op == '|') {
        const char *s1, *s2;
        size_t n1, n2;
        text_of(v, a, &s1, &n1);
        text_of(v, b, &s2, &n2);
        char *o = ev_alloc(v, n1 + n2 + 1);
        memcpy(o, s1, n1);
        memcpy(o + n1, s2, n2);
        set_text(r, o, n1 + n2);
        return 0;
    }
    /* date arithmetic: date - date = days, date +/- integer = date */
    if (a->t == V_UNK && (b->t == V_DATE || b->t == V_TS) && x->op == '-' &&
        coerce(v, x, a, b->t) < 0)
        return -1;
    if (a->t == V_DATE || a->t == V_TS || b->t == V_DATE || b->t == V_TS) {
        if (a->t == V_DATE && b->t == V_DATE && x->op == '-') {
            set_num(r, (a->d - b->d) / 86400.0L, 1);
            return 0;
        }
        if (b->t == V_UNK && a->t == V_DATE && coerce(v, x, b, V_NUM) < 0)
            return -1;
        if (a->t == V_DATE && b->t == V_NUM && b->is_int && (x->op == '+' || x->op == '-')) {
            *r = *a;
            r->d += (x->op == '+' ? 1 : -1) * b->d * 86400.0L;
            return 0;
        }
        if (b->t == V_DATE && a->t == V_NUM && a->is_int && x->op == '+') {
            *r = *b;
            r->d += a->d * 86400.0L;
            return 0;
        }
        return ev_fail(v, x, "this date/time arithmetic is not evaluated (intervals)");
    }
    if (num_arg(v, x, a) < 0 || num_arg(v, x, b) < 0)
        return -1;
    int is_int = a->is_int && b->is_int;
    long double d;
    switch (x->op) {
    case '+':
        d = a->d + b->d;
        break;
    case '-':
        d = a->d - b->d;
        break;
    case '*':
        d = a->d * b->d;
        break;
    case '/':
        if (b->d == 0)
            return ev_fail(v, x, "division by zero");
        d = is_int ? truncl(a->d / b->d) : a->d / b->d;
        break;
    default:
        if (b->d == 0)
            return ev_fail(v, x, "division by zero");
        d = fmodl(a->d, b->d);
        break;
    }
    set_num(r, d, is_int);
    return 0;
}

static int eval_match(struct ev *v, const struct node *x, struct val *a, struct val *b,
                      struct val *r)
{
    if (a->t == V_NULL || b->t == V_NULL) {
        set_null(r);
        return 0;
    }
    const char *s, *p;
    size_t sn, pn;
    text_of(v, a, &s, &sn);
    text_of(v, b, &p, &pn);
    int m;
    if (x->op == M_LIKE || x->op == M_ILIKE) {
        m = like_match(s, sn, p, pn, x->op == M_ILIKE);
        if (m < 0)
            return ev_fail(v, x, "LIKE pattern must not end with an escape character");
    } else {
        if (x->re_error)
            return ev_fail(v, x, "regular expression not evaluated: %s", x->re_error);
        regex_t *re = x->re;
        const char *why = NULL;
        if (!re && !(re = regex_compile(p, pn, x->op == M_IREGEX, &why)))
            return ev_fail(v, x, "regular expression not evaluated: %s", why);
        char *z = NULL;
        if (s[sn] != '\0' || memchr(s, '\0', sn)) {
            z = sil_xstrndup(s, sn);
        }
        m = regexec(re, z ? z : s, 0, NULL, 0) == 0;
        free(z);
        if (re != x->re) {
            regfree(re);
            free(re);
        }
    }
    set_bool(r, x->flag ? !m : m);
    return 0;
}

/* 3VL "x op item" folded over items: ANY (or IN) and ALL. */
static int quantify(struct ev *v, const struct node *x, struct val *lhs, struct val *items,
                    size_t n, int op, int all, struct val *r)
{
    int saw_null = lhs->t == V_NULL;
    if (lhs->t != V_NULL)
        for (size_t k = 0; k < n; k++) {
            if (items[k].t == V_NULL) {
                saw_null = 1;
                continue;
            }
            struct val a = *lhs, b = items[k];
            int c;
            if (compare(v, x, &a, &b, &c) < 0)
                return -1;
            int t = cmp_result(op, c);
            if (!all && t) {
                set_bool(r, 1);
                return 0;
            }
            if (all && !t) {
                set_bool(r, 0);
                return 0;
            }
        }
    if (saw_null && !(lhs->t != V_NULL && n == 0))
        set_null(r);
    else
        set_bool(r, all);
    return 0;
}

static int eval(struct ev *v, const struct node *x, struct val *r)
{
    struct val a, b;
    int t;
    switch (x->kind) {
    case N_COL: {
        size_t c = (size_t)x->col;
        return column_value(v, x, v->row[v->e->colpos[c]], v->e->coltyped[c], v->e->coltype[c], r);
    }
    case N_VALUE:
        return column_value(v, x, v->env->value, 0, SIL_T_TEXT, r);
    case N_NUM: {
        int is_int;
        long double d;
        if (parse_number(x->text, strlen(x->text), &d, &is_int) < 0)
            return ev_fail(v, x, "malformed number");
        set_num(r, d, is_int);
        r->s = x->text;
        r->n = strlen(x->text);
        return 0;
    }
    case N_STR:
        memset(r, 0, sizeof *r);
        r->t = V_UNK;
        r->s = x->text;
        r->n = x->len;
        return 0;
    case N_BOOL:
        set_bool(r, x->flag);
        return 0;
    case N_NULL:
        set_null(r);
        return 0;
    case N_SQLVAL:
        memset(r, 0, sizeof *r);
        r->t = x->op == SV_CURRENT_DATE ? V_DATE : V_TS;
        r->d = (long double)v->env->now;
        if (x->op == SV_CURRENT_DATE)
            r->d = floorl(r->d / 86400.0L) * 86400.0L;
        return 0;
    case N_CAST:
        if (eval(v, x->kids[0], &a) < 0)
            return -1;
        return cast(v, x, &a, x->type, r);
    case N_FUNC:
        return eval_func(v, x, r);
    case N_NEG:
    case N_POS:
        if (eval(v, x->kids[0], &a) < 0)
            return -1;
        if (a.t == V_NULL) {
            set_null(r);
            return 0;
        }
        if (num_arg(v, x, &a) < 0)
            return -1;
        set_num(r, x->kind == N_NEG ? -a.d : a.d, a.is_int);
        return 0;
    case N_ARITH:
        if (eval(v, x->kids[0], &a) < 0 || eval(v, x->kids[1], &b) < 0)
            return -1;
        return eval_arith(v, x, &a, &b, r);
    case N_CMP: {
        if (eval(v, x->kids[0], &a) < 0 || eval(v, x->kids[1], &b) < 0)
            return -1;
        if (a.t == V_NULL || b.t == V_NULL) {
            set_null(r);
            return 0;
        }
        int c;
        if (compare(v, x, &a, &b, &c) < 0)
            return -1;
        set_bool(r, cmp_result(x->op, c));
        return 0;
    }
    case N_QUANT: {
        if (eval(v, x->kids[0], &a) < 0 || eval(v, x->kids[1], &b) < 0)
            return -1;
        if (b.t == V_NULL) {
            set_null(r);
            return 0;
        }
        if (b.t == V_UNK) {
            struct ctype ct = {{0}, NULL};
            sil_type_init(&ct.t, SIL_T_TEXT);
            ct.t.array_dims = 1;
            struct val c = b;
            if (cast(v, x, &c, &ct, &b) < 0)
                return -1;
            for (size_t k = 0; k < b.narr; k++)
                if (b.arr[k].t == V_TEXT)
                    b.arr[k].t = V_UNK;
        }
        if (b.t != V_ARR)
            return ev_fail(v, x, "ANY/ALL needs an array, found %s", vt_name(b.t));
        return quantify(v, x, &a, b.arr, b.narr, x->op, x->flag, r);
    }
    case N_IN: {
        if (eval(v, x->kids[0], &a) < 0)
            return -1;
        struct val *items = ev_alloc(v, (x->n - 1) * sizeof *items);
        for (size_t k = 1; k < x->n; k++)
            if (eval(v, x->kids[k], &items[k - 1]) < 0)
                return -1;
        if (quantify(v, x, &a, items, x->n - 1, SIL_EXPR_EQ, 0, r) < 0)
            return -1;
        if (x->flag && r->t == V_BOOL)
            r->d = !(r->d != 0);
        return 0;
    }
    case N_AND:
    case N_OR: {
        int is_and = x->kind == N_AND, saw_null = 0;
        for (size_t k = 0; k < x->n; k++) {
            if (eval(v, x->kids[k], &a) < 0 || (t = truth(v, x->kids[k], &a)) < 0)
                return -1;
            if (t == SIL_TRI_NULL)
                saw_null = 1;
            else if (t == !is_and) {
                set_bool(r, t);
                return 0;
            }
        }
        set_tri(r, saw_null ? SIL_TRI_NULL : is_and);
        return 0;
    }
    case N_NOT:
        if (eval(v, x->kids[0], &a) < 0 || (t = truth(v, x->kids[0], &a)) < 0)
            return -1;
        set_tri(r, t == SIL_TRI_NULL ? t : !t);
        return 0;
    case N_IS: {
        if (eval(v, x->kids[0], &a) < 0)
            return -1;
        int res;
        if (x->op == IS_NULL) {
            res = a.t == V_NULL;
        } else {
            if ((t = truth(v, x->kids[0], &a)) < 0)
                return -1;
            res = x->op == IS_TRUE    ? t == SIL_TRI_TRUE
                  : x->op == IS_FALSE ? t == SIL_TRI_FALSE
                                      : t == SIL_TRI_NULL;
        }
        set_bool(r, x->flag ? !res : res);
        return 0;
    }
    case N_DISTINCT: {
        if (eval(v, x->kids[0], &a) < 0 || eval(v, x->kids[1], &b) < 0)
            return -1;
        int distinct;
        if (a.t == V_NULL || b.t == V_NULL) {
            distinct = (a.t == V_NULL) != (b.t == V_NULL);
        } else {
            int c;
            if (compare(v, x, &a, &b, &c) < 0)
                return -1;
            distinct = c != 0;
        }
        set_bool(r, x->flag ? !distinct : distinct);
        return 0;
    }
    case N_BETWEEN: {
        struct val lo, hi;
        if (eval(v, x->kids[0], &a) < 0 || eval(v, x->kids[1], &lo) < 0 ||
            eval(v, x->kids[2], &hi) < 0)
            return -1;
        int t1 = SIL_TRI_NULL, t2 = SIL_TRI_NULL, c;
        if (a.t != V_NULL && lo.t != V_NULL) {
            struct val aa = a;
            if (compare(v, x, &aa, &lo, &c) < 0)
                return -1;
            t1 = c >= 0;
        }
        if (a.t != V_NULL && hi.t != V_NULL) {
            struct val aa = a;
            if (compare(v, x, &aa, &hi, &c) < 0)
                return -1;
            t2 = c <= 0;
        }
        t = (t1 == SIL_TRI_FALSE || t2 == SIL_TRI_FALSE) ? SIL_TRI_FALSE
            : (t1 == SIL_TRI_NULL || t2 == SIL_TRI_NULL) ? SIL_TRI_NULL
                                                         : SIL_TRI_TRUE;
        if (x->flag && t != SIL_TRI_NULL)
            t = !t;
        set_tri(r, t);
        return 0;
    }
    case N_MATCH:
        if (eval(v, x->kids[0], &a) < 0 || eval(v, x->kids[1], &b) < 0)
            return -1;
        return eval_match(v, x, &a, &b, r);
    case N_ARRAY: {
        struct val *items = ev_alloc(v, x->n * sizeof *items);
        for (size_t k = 0; k < x->n; k++)
            if (eval(v, x->kids[k], &items[k]) < 0)
                return -1;
        memset(r, 0, sizeof *r);
        r->t = V_ARR;
        r->arr = items;
        r->narr = x->n;
        return 0;
    }
    }
    SIL_BUG("unknown expression node %d", (int)x->kind);
}

int sil_expr_eval(const struct sil_expr *e, const char *const *row, const struct sil_expr_env *env,
                  enum sil_tri *out, struct sil_err *err)
{
    if (!e->bound && e->ncols)
        SIL_BUG("sil_expr_eval before sil_expr_bind");
    struct sil_expr_env none = {0, NULL};
    struct ev v = {0};
    v.e = e;
    v.row = row;
    v.env = env ? env : &none;
    v.err = err;
    struct val r;
    int rc = eval(&v, e->root, &r);
    int t = rc < 0 ? -1 : truth(&v, e->root, &r);
    for (size_t k = 0; k < v.nallocs; k++)
        free(v.allocs[k]);
    free(v.allocs);
    if (t < 0)
        return -1;
    *out = (enum sil_tri)t;
    return 0;
}
