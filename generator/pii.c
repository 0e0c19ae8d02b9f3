/* Personal values on reserved ranges, with valid check digits. */
#include "pii.h"

#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "sil.h"

/* Domains reserved by RFC 2606 / RFC 6761: never a real mailbox. */
static const char *const email_domains[] = {"example.com", "example.org", "example.net",
                                            "mail.example", "inbox.test"};

/* Test card numbers published by payment processors for integration tests. */
const char *const gen_test_cards[] = {"4111111111111111", "4012888888881881", "4242424242424242",
                                      "4000056655665556", "5555555555554444", "5105105105105100",
                                      "5200828282828210", "2223003122003222", "378282246310005",
                                      "371449635398431",  "6011111111111117", "6011000990139424",
                                      "3530111333300000", "3566002020360505"};
const size_t gen_test_cards_n = SIL_ARRAY_SIZE(gen_test_cards);

/* ---- small writers ---- */

struct w {
    char *p;
    size_t len, cap;
};

static void w_add(struct w *w, const char *s, size_t n)
{
    if (w->len + n >= w->cap)
        n = w->cap - 1 - w->len;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void w_str(struct w *w, const char *s)
{
    w_add(w, s, strlen(s));
}

static void w_uint(struct w *w, uint64_t v, int width)
{
    char b[24];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        b[n++] = '0';
    char r[24];
    for (int i = 0; i < n; i++)
        r[i] = b[n - 1 - i];
    w_add(w, r, (size_t)n);
}

static const char *pick(const struct gen_list *l, uint64_t bits)
{
    return l->v[gen_below(bits, l->n)];
}

/* ASCII lower-case form of a name for e-mail local parts. */
static void w_ascii_lower(struct w *w, const char *s)
{
    static const struct {
        const char *u;
        const char *a;
    } fold[] = {{"ä", "a"},  {"å", "a"}, {"à", "a"}, {"â", "a"}, {"á", "a"}, {"ö", "o"},
                {"ô", "o"},  {"ó", "o"}, {"ü", "u"}, {"û", "u"}, {"ù", "u"}, {"é", "e"},
                {"è", "e"},  {"ê", "e"}, {"ë", "e"}, {"ç", "c"}, {"î", "i"}, {"ï", "i"},
                {"ß", "ss"}, {"É", "e"}, {"Å", "a"}, {"Ä", "a"}, {"Ö", "o"}, {"Ü", "u"}};
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                w_add(w, s, 1);
            else if (c >= 'A' && c <= 'Z') {
                char l = (char)(c + 32);
                w_add(w, &l, 1);
            } else if (c == ' ' || c == '-') {
                w_add(w, "-", 1);
            }
            s++;
            continue;
        }
        int done = 0;
        for (size_t i = 0; i < SIL_ARRAY_SIZE(fold) && !done; i++) {
            size_t n = strlen(fold[i].u);
            if (strncmp(s, fold[i].u, n) == 0) {
                w_str(w, fold[i].a);
                s += n;
                done = 1;
            }
        }
        if (!done)
            s++; /* drop other non-ASCII bytes */
    }
}

/* A short base-36 tag of v (for unique suffixes). */
static void w_base36(struct w *w, uint64_t v)
{
    char b[16];
    int n = 0;
    do {
        b[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v);
    for (int i = n - 1; i >= 0; i--)
        w_add(w, &b[i], 1);
}

size_t gen_pii_first_name(enum gen_locale loc, uint64_t bits, char *out, size_t cap)
{
    const struct gen_locale_dict *d = &gen_dict_get()->loc[loc];
    const struct gen_list *l = (bits >> 63) ? &d->first_female : &d->first_male;
    struct w w = {out, 0, cap};
    out[0] = '\0';
    w_str(&w, pick(l, bits << 1));
    return w.len;
}

size_t gen_pii_last_name(enum gen_locale loc, uint64_t bits, char *out, size_t cap)
{
    const struct gen_locale_dict *d = &gen_dict_get()->loc[loc];
    struct w w = {out, 0, cap};
    out[0] = '\0';
    w_str(&w, pick(&d->last, bits));
    return w.len;
}

size_t gen_free_text(uint64_t bits, size_t len, char *out, size_t cap)
{
    const struct gen_dict *d = gen_dict_get();
    if (len >= cap)
        len = cap - 1;
    size_t start = d->starts[gen_below(bits, d->nstarts / 2)];
    size_t done = 0;
    while (done < len) {
        size_t n = SIL_MIN(len - done, d->text_len - start);
        memcpy(out + done, d->text + start, n);
        done += n;
        start = 0;
    }
    if (len > 0) {
        if (out[0] >= 'a' && out[0] <= 'z')
            out[0] = (char)(out[0] - 32);
        if (out[len - 1] == ' ')
            out[len - 1] = '.';
    }
    out[len] = '\0';
    return len;
}

/* ---- check digits ---- */

int gen_luhn_digit(const char *digits)
{
    size_t n = strlen(digits);
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = digits[n - 1 - i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

int gen_luhn_valid(const char *digits)
{
    size_t n = strlen(digits);
    if (n < 2)
        return 0;
    char body[64];
    if (n >= sizeof body)
        return 0;
    memcpy(body, digits, n - 1);
    body[n - 1] = '\0';
    for (size_t i = 0; i < n; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return 0;
    return gen_luhn_digit(body) == digits[n - 1] - '0';
}

static int mod97(const char *s)
{
    int r = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            r = (r * 10 + (*s - '0')) % 97;
        else if (*s >= 'A' && *s <= 'Z') {
            int v = *s - 'A' + 10;
            r = (r * 100 + v) % 97;
        }
    }
    return r;
}

int gen_iban_check(const char *country, const char *bban)
{
    char buf[80];
    snprintf(buf, sizeof buf, "%s%s00", bban, country);
    return 98 - mod97(buf);
}

int gen_iban_valid(const char *iban)
{
    size_t n = strlen(iban);
    if (n < 5 || n > 34)
        return 0;
    char buf[80];
    snprintf(buf, sizeof buf, "%s%.4s", iban + 4, iban);
    return mod97(buf) == 1;
}

int gen_steuerid_digit(const char *ten)
{
    /* ISO/IEC 7064 MOD 11,10. */
    int product = 10;
    for (int i = 0; i < 10; i++) {
        int sum = (ten[i] - '0' + product) % 10;
        if (sum == 0)
            sum = 10;
        product = (sum * 2) % 11;
    }
    int c = 11 - product;
    return c == 10 ? 0 : c;
}

int gen_nir_key(const char *thirteen)
{
    uint64_t n = 0;
    for (int i = 0; i < 13; i++)
        n = n * 10 + (uint64_t)(thirteen[i] - '0');
    return (int)(97 - n % 97);
}

/* ---- phone patterns: a run of '#' filled with digits, optionally |lo|hi ---- */

struct phone_pat {
    char text[48];
    int run_at, run_len;
    int64_t lo, hi;
};

static void phone_parse(const char *line, const char *aux, struct phone_pat *pp)
{
    snprintf(pp->text, sizeof pp->text, "%s", line);
    const char *h = strchr(pp->text, '#');
    pp->run_at = h ? (int)(h - pp->text) : 0;
    pp->run_len = 0;
    while (h && h[pp->run_len] == '#')
        pp->run_len++;
    int64_t max = 1;
    for (int i = 0; i < pp->run_len; i++)
        max *= 10;
    pp->lo = 0;
    pp->hi = max - 1;
    if (aux) {
        long long lo = 0, hi = 0;
        if (sscanf(aux, "%lld|%lld", &lo, &hi) == 2) {
            pp->lo = lo;
            pp->hi = hi;
        }
    }
}

/* Other '#' after the run (e.g. "## ##") are filled from the same number. */
static size_t phone_fill(const struct phone_pat *pp, int64_t v, char *out, size_t cap)
{
    size_t n = strlen(pp->text);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, pp->text, n);
    out[n] = '\0';
    /* Count all '#' and fill right to left. */
    for (size_t i = n; i-- > 0;) {
        if (out[i] == '#') {
            out[i] = (char)('0' + v % 10);
            v /= 10;
        }
    }
    return n;
}

static int64_t phone_span(const struct phone_pat *pp)
{
    int64_t hashes = 1;
    int count = 0;
    for (const char *p = pp->text; *p; p++)
        count += *p == '#';
    for (int i = 0; i < count; i++)
        hashes *= 10;
    /* Only the bounded run is restricted; patterns with split runs are unbounded. */
    if (count == pp->run_len)
        return pp->hi - pp->lo + 1;
    return hashes;
}

static size_t phone(enum gen_locale loc, uint64_t bits, int64_t uidx, char *out, size_t cap)
{
    const struct gen_list *l = &gen_dict_get()->loc[loc].phone;
    struct phone_pat pp;
    if (uidx >= 0) {
        for (size_t i = 0; i < l->n; i++) {
            phone_parse(l->v[i], l->aux[i], &pp);
            int64_t span = phone_span(&pp);
            if (uidx < span) {
                int64_t lo = span == pp.hi - pp.lo + 1 ? pp.lo : 0;
                return phone_fill(&pp, lo + uidx, out, cap);
            }
            uidx -= span;
        }
        uidx = 0; /* beyond capacity: the plan refuses this before */
    }
    size_t i = gen_below(bits, l->n);
    phone_parse(l->v[i], l->aux[i], &pp);
    int64_t span = phone_span(&pp);
    int64_t lo = span == pp.hi - pp.lo + 1 ? pp.lo : 0;
    return phone_fill(&pp, lo + (int64_t)gen_below(gen_mix(bits), (uint64_t)span), out, cap);
}

static int64_t phone_capacity(enum gen_locale loc)
{
    const struct gen_list *l = &gen_dict_get()->loc[loc].phone;
    int64_t total = 0;
    struct phone_pat pp;
    for (size_t i = 0; i < l->n; i++) {
        phone_parse(l->v[i], l->aux[i], &pp);
        total += phone_span(&pp);
    }
    return total;
}

/* ---- dates for identity numbers ---- */

static void civil(int64_t days, int *y, int *m, int *d)
{
    /* Days since 1970-01-01 to a proleptic Gregorian date. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Birth dates of adults: 1940-01-01 .. 2005-12-31 (epoch days). */
#define BIRTH_FIRST (-10957)
#define BIRTH_DAYS  24106

int64_t gen_person_birth_days(uint64_t person, int64_t row)
{
    return BIRTH_FIRST + (int64_t)gen_below(gen_rand(person, (uint64_t)row, 7), BIRTH_DAYS);
}

int gen_person_female(uint64_t person, int64_t row)
{
    return (int)(gen_rand(person, (uint64_t)row, 0) >> 63);
}

static size_t national_id(enum gen_locale loc, uint64_t key, uint64_t person, int64_t row,
                          int64_t uidx, int64_t born, char *out, size_t cap)
{
    if (born == GEN_BIRTH_PERSON)
        born = gen_person_birth_days(person, row);
    struct w w = {out, 0, cap};
    out[0] = '\0';
    uint64_t r = gen_rand(key, (uint64_t)row, 11);
    switch (loc) {
    case GEN_EN_US: {
        /* SSA never issues area 9xx; group 01-49 is no ITIN or ATIN either. */
        uint64_t i = uidx >= 0 ? (uint64_t)uidx : gen_below(r, UINT64_C(100) * 49 * 9999);
        w_uint(&w, 900 + i % 100, 3);
        w_str(&w, "-");
        w_uint(&w, 1 + (i / 100) % 49, 2);
        w_str(&w, "-");
        w_uint(&w, 1 + (i / 4900) % 9999, 4);
        break;
    }
    case GEN_EN_GB: {
        /* HMRC never allocates the prefixes BG, GB, KN, NK and NT. */
        static const char *const pre[] = {"BG", "GB", "KN", "NK", "NT"};
        uint64_t i = uidx >= 0 ? (uint64_t)uidx : gen_below(r, UINT64_C(20000000));
        w_str(&w, pre[i % 5]);
        uint64_t num = (i / 5) % 1000000;
        char d[16];
        snprintf(d, sizeof d, "%06u", (unsigned)num);
        char grp[32];
        snprintf(grp, sizeof grp, " %.2s %.2s %.2s ", d, d + 2, d + 4);
        w_str(&w, grp);
        char suf = "ABCD"[(i / 5000000) % 4];
        w_add(&w, &suf, 1);
        break;
    }
    case GEN_DE_DE: {
        /* Steuer-IdNr: the first digit is never 0 in an issued number. */
        char ten[11];
        ten[0] = '0';
        if (uidx >= 0) {
            snprintf(ten + 1, sizeof ten - 1, "%09llu", (unsigned long long)(uidx % 1000000000));
        } else {
            /* Digits 1..9 as a shuffle with one repeat, as issued numbers have. */
            char digs[10] = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};
            for (int i = 8; i > 0; i--) {
                int j =
                    (int)gen_below(gen_rand(key, (uint64_t)row, 20 + (uint64_t)i), (uint64_t)i + 1);
                char t = digs[i];
                digs[i] = digs[j];
                digs[j] = t;
            }
            memcpy(ten + 1, digs, 9);
            ten[1 + gen_below(r, 8)] = ten[9 - gen_below(gen_mix(r + 20), 3)];
        }
        ten[10] = '\0';
        w_str(&w, ten);
        char c = (char)('0' + gen_steuerid_digit(ten));
        w_add(&w, &c, 1);
        break;
    }
    case GEN_FR_FR: {
        /* NIR with departement 00, which does not exist. */
        uint64_t i = uidx >= 0 ? (uint64_t)uidx : r;
        int sex = 1 + (int)(i % 2);
        int yy = (int)((i / 2) % 100);
        int mm = 1 + (int)((i / 200) % 12);
        if (uidx < 0) {
            /* The row's person: sex and birth month and year. */
            int by, bm, bd;
            civil(born, &by, &bm, &bd);
            sex = gen_person_female(person, row) ? 2 : 1;
            yy = by % 100;
            mm = bm;
        }
        int commune = 1 + (int)((i / 2400) % 990);
        int order = 1 + (int)((i / 2376000) % 999);
        char d[48];
        snprintf(d, sizeof d, "%d%02d%02d00%03d%03d", sex, yy, mm, commune, order);
        char full[96];
        snprintf(full, sizeof full, "%c %.2s %.2s %.2s %.3s %.3s %02d", d[0], d + 1, d + 3, d + 5,
                 d + 7, d + 10, gen_nir_key(d));
        w_str(&w, full);
        break;
    }
    case GEN_SV_SE:
    default: {
        /* Personnummer with birth number 000, which is never assigned. */
        int64_t day = uidx >= 0 ? BIRTH_FIRST + uidx % BIRTH_DAYS : born;
        int y, m, d;
        civil(day, &y, &m, &d);
        char nine[48];
        snprintf(nine, sizeof nine, "%02d%02d%02d000", y % 100, m, d);
        char full[64];
        snprintf(full, sizeof full, "%04d%02d%02d-000%d", y, m, d, gen_luhn_digit(nine));
        w_str(&w, full);
        break;
    }
    }
    return w.len;
}

static size_t iban(uint64_t key, int64_t row, int64_t uidx, char *out, size_t cap)
{
    /* German structure with a bank code starting with 0: Bundesbank sort
     * codes start with 1-8 (the clearing area), so no account exists. */
    uint64_t r = gen_rand(key, (uint64_t)row, 12);
    char bban[48];
    uint64_t acct = uidx >= 0 ? (uint64_t)uidx : gen_below(r, UINT64_C(10000000000));
    snprintf(bban, sizeof bban, "0%07u%010llu", (unsigned)gen_below(gen_mix(r), 10000000),
             (unsigned long long)(acct % UINT64_C(10000000000)));
    if (uidx >= 0)
        snprintf(bban, sizeof bban, "0%07u%010llu",
                 (unsigned)((uint64_t)uidx / UINT64_C(10000000000) % 10000000),
                 (unsigned long long)(acct % UINT64_C(10000000000)));
    return (size_t)snprintf(out, cap, "DE%02d%s", gen_iban_check("DE", bban), bban);
}

static size_t address_part(enum gen_locale loc, uint64_t key, int64_t row, int part, char *out,
                           size_t cap)
{
    /* part: 0 full, 1 street, 2 city, 3 postcode */
    const struct gen_locale_dict *d = &gen_dict_get()->loc[loc];
    uint64_t r1 = gen_rand(key, (uint64_t)row, 31), r2 = gen_rand(key, (uint64_t)row, 32);
    uint64_t r3 = gen_rand(key, (uint64_t)row, 33);
    const char *street = pick(&d->street, r1);
    size_t ci = gen_below(r2, d->city.n);
    const char *city = d->city.v[ci], *pre = d->city.aux[ci] ? d->city.aux[ci] : "";
    unsigned num = 1 + (unsigned)gen_below(r3, 180);
    char pc[64], st[192];
    switch (loc) {
    case GEN_EN_US:
        snprintf(pc, sizeof pc, "%s%02u", pre, (unsigned)gen_below(gen_mix(r3 + 8), 100));
        snprintf(st, sizeof st, "%u %s", num * 7 + 3, street);
        break;
    case GEN_EN_GB:
        snprintf(pc, sizeof pc, "%s%u %u%c%c", pre, 1 + (unsigned)gen_below(gen_mix(r3 + 8), 20),
                 (unsigned)gen_below(gen_mix(r3 + 16), 10),
                 "ABDEFGHJLNPQRSTUWXYZ"[gen_below(gen_mix(r3 + 24), 20)],
                 "ABDEFGHJLNPQRSTUWXYZ"[gen_below(gen_mix(r3 + 32), 20)]);
        snprintf(st, sizeof st, "%u %s", num, street);
        break;
    case GEN_DE_DE:
        snprintf(pc, sizeof pc, "%s%03u", pre, (unsigned)gen_below(gen_mix(r3 + 8), 1000));
        snprintf(st, sizeof st, "%s %u", street, num);
        break;
    case GEN_FR_FR:
        snprintf(pc, sizeof pc, "%s%03u", pre, (unsigned)gen_below(gen_mix(r3 + 8), 100) * 10);
        snprintf(st, sizeof st, "%u %s", num, street);
        break;
    case GEN_SV_SE:
    default:
        snprintf(pc, sizeof pc, "%s %02u", pre, (unsigned)gen_below(gen_mix(r3 + 8), 100));
        snprintf(st, sizeof st, "%s %u", street, num);
        break;
    }
    switch (part) {
    case 1:
        return (size_t)snprintf(out, cap, "%s", st);
    case 2:
        return (size_t)snprintf(out, cap, "%s", city);
    case 3:
        return (size_t)snprintf(out, cap, "%s", pc);
    default:
        if (loc == GEN_EN_US || loc == GEN_EN_GB)
            return (size_t)snprintf(out, cap, "%s, %s %s", st, city, pc);
        return (size_t)snprintf(out, cap, "%s, %s %s", st, pc, city);
    }
}

size_t gen_pii(enum sil_class cls, enum gen_locale loc, uint64_t key, uint64_t person, int64_t row,
               int64_t uidx, char *out, size_t cap)
{
    return gen_pii_born(cls, loc, key, person, row, uidx, GEN_BIRTH_PERSON, out, cap);
}

size_t gen_pii_born(enum sil_class cls, enum gen_locale loc, uint64_t key, uint64_t person,
                    int64_t row, int64_t uidx, int64_t born, char *out, size_t cap)
{
    struct w w = {out, 0, cap};
    out[0] = '\0';
    /* Names come from the row's person, so a row's e-mail matches its names. */
    uint64_t r0 = gen_rand(person, (uint64_t)row, 0), r1 = gen_rand(person, (uint64_t)row, 1);
    char a[128], b[128];
    switch (cls) {
    case SIL_CLASS_PERSONAL_FIRST_NAME:
        return gen_pii_first_name(loc, r0, out, cap);
    case SIL_CLASS_PERSONAL_LAST_NAME:
        return gen_pii_last_name(loc, r1, out, cap);
    case SIL_CLASS_PERSONAL_NAME:
        gen_pii_first_name(loc, r0, a, sizeof a);
        gen_pii_last_name(loc, r1, b, sizeof b);
        w_str(&w, a);
        w_str(&w, " ");
        w_str(&w, b);
        return w.len;
    case SIL_CLASS_PERSONAL_EMAIL:
    case SIL_CLASS_PERSONAL_USERNAME: {
        gen_pii_first_name(loc, r0, a, sizeof a);
        gen_pii_last_name(loc, r1, b, sizeof b);
        uint64_t r2 = gen_rand(key, (uint64_t)row, 2);
        if (cls == SIL_CLASS_PERSONAL_USERNAME) {
            char first[8];
            struct w fw = {first, 0, sizeof first};
            first[0] = '\0';
            w_ascii_lower(&fw, a);
            w_add(&w, first, fw.len ? 1 : 0);
            w_ascii_lower(&w, b);
        } else {
            w_ascii_lower(&w, a);
            w_str(&w, gen_below(r2, 3) == 0 ? "_" : ".");
            w_ascii_lower(&w, b);
        }
        if (uidx >= 0) {
            /* Names carry no digits, so the number alone keeps values apart. */
            w_uint(&w, (uint64_t)uidx, 0);
        } else if (gen_below(gen_mix(r2 + 8), 3) == 0) {
            w_uint(&w, 1 + gen_below(gen_mix(r2 + 16), 99), 0);
        }
        if (cls == SIL_CLASS_PERSONAL_EMAIL) {
            w_str(&w, "@");
            w_str(&w, email_domains[gen_below(gen_mix(r2 + 32), SIL_ARRAY_SIZE(email_domains))]);
        }
        return w.len;
    }
    case SIL_CLASS_PERSONAL_PHONE:
        return phone(loc, r0, uidx, out, cap);
    case SIL_CLASS_PERSONAL_ADDRESS:
        return address_part(loc, key, row, 0, out, cap);
    case SIL_CLASS_PERSONAL_STREET:
        return address_part(loc, key, row, 1, out, cap);
    case SIL_CLASS_PERSONAL_CITY:
        return address_part(loc, key, row, 2, out, cap);
    case SIL_CLASS_PERSONAL_POSTCODE:
        return address_part(loc, key, row, 3, out, cap);
    case SIL_CLASS_PERSONAL_NATIONAL_ID:
        return national_id(loc, key, person, row, uidx, born, out, cap);
    case SIL_CLASS_PERSONAL_IBAN:
        return iban(key, row, uidx, out, cap);
    case SIL_CLASS_PERSONAL_CARD: {
        size_t i = uidx >= 0 ? (size_t)uidx % gen_test_cards_n : gen_below(r0, gen_test_cards_n);
        w_str(&w, gen_test_cards[i]);
        return w.len;
    }
    case SIL_CLASS_PERSONAL_IP: {
        /* RFC 5737 documentation networks. */
        static const char *const nets[] = {"192.0.2.", "198.51.100.", "203.0.113."};
        uint64_t i = uidx >= 0 ? (uint64_t)uidx : gen_below(r0, 3 * 254);
        w_str(&w, nets[i % 3]);
        w_uint(&w, 1 + (i / 3) % 254, 0);
        return w.len;
    }
    case SIL_CLASS_PERSONAL_FREE_TEXT:
        return gen_free_text(r0, 40, out, cap);
    default: {
        /* personal:other and anything unknown: an opaque synthetic tag. */
        w_str(&w, "x-");
        w_base36(&w, uidx >= 0 ? (uint64_t)uidx : r0 >> 12);
        return w.len;
    }
    }
}

int64_t gen_pii_capacity(enum sil_class cls, enum gen_locale loc)
{
    switch (cls) {
    case SIL_CLASS_PERSONAL_PHONE:
        return phone_capacity(loc);
    case SIL_CLASS_PERSONAL_NATIONAL_ID:
        switch (loc) {
        case GEN_EN_US:
            return INT64_C(100) * 49 * 9999;
        case GEN_EN_GB:
            return INT64_C(20000000);
        case GEN_DE_DE:
            return INT64_C(1000000000);
        case GEN_FR_FR:
            return INT64_C(2) * 100 * 12 * 990 * 999;
        default:
            return BIRTH_DAYS;
        }
    case SIL_CLASS_PERSONAL_CARD:
        return (int64_t)gen_test_cards_n;
    case SIL_CLASS_PERSONAL_IP:
        return 3 * 254;
    case SIL_CLASS_PERSONAL_EMAIL:
    case SIL_CLASS_PERSONAL_USERNAME:
    case SIL_CLASS_PERSONAL_IBAN:
    case SIL_CLASS_PERSONAL_OTHER:
        return INT64_MAX;
    default:
        return 0; /* names, addresses, free text: not unique by construction */
    }
}
