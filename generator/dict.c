/* Built-in dictionaries: the data files are assembled into read-only memory. */
#include "dict.h"

#include <pthread.h>
#include <string.h>

#include "rng.h"
#include "sil.h"

/* Paths are relative to the repository root, where the build runs. */
#define GEN_INCBIN(sym, file)                                                                      \
    __asm__(".section .rodata\n"                                                                   \
            ".balign 16\n"                                                                         \
            ".global " #sym "\n"                                                                   \
            ".hidden " #sym "\n" #sym ":\n"                                                        \
            ".incbin \"" file "\"\n"                                                               \
            ".byte 0\n"                                                                            \
            ".previous\n");                                                                        \
    extern const char sym[]

GEN_INCBIN(gen_data_en_US, "generator/data/en_US.txt");
GEN_INCBIN(gen_data_en_GB, "generator/data/en_GB.txt");
GEN_INCBIN(gen_data_de_DE, "generator/data/de_DE.txt");
GEN_INCBIN(gen_data_fr_FR, "generator/data/fr_FR.txt");
GEN_INCBIN(gen_data_sv_SE, "generator/data/sv_SE.txt");
GEN_INCBIN(gen_data_common, "generator/data/common.txt");

static const char *const locale_names[GEN__LOCALES] = {"en_US", "en_GB", "de_DE", "fr_FR", "sv_SE"};

enum gen_locale gen_locale_index(const char *name)
{
    for (int i = 0; name && i < GEN__LOCALES; i++)
        if (strcmp(name, locale_names[i]) == 0)
            return (enum gen_locale)i;
    return GEN_EN_US;
}

const char *gen_locale_name(enum gen_locale l)
{
    return (unsigned)l < GEN__LOCALES ? locale_names[l] : "en_US";
}

static struct gen_dict dict;
static pthread_once_t once = PTHREAD_ONCE_INIT;

struct section {
    const char *name;
    struct gen_list *list;
};

static void parse(const char *data, const char *file, const struct section *secs, size_t nsecs)
{
    /* Two passes: count, then fill. Lines are copied so they can be cut. */
    char *copy = sil_xstrdup(data);
    struct gen_list *cur = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < nsecs; i++) {
            if (pass == 1) {
                secs[i].list->v = sil_xcalloc(secs[i].list->n + 1, sizeof(char *));
                secs[i].list->aux = sil_xcalloc(secs[i].list->n + 1, sizeof(char *));
            }
            secs[i].list->n = 0;
        }
        cur = NULL;
        char *line = copy;
        while (line && *line) {
            char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            if (len > 0 && line[0] == '[') {
                cur = NULL;
                for (size_t i = 0; i < nsecs; i++)
                    if (len == strlen(secs[i].name) + 2 &&
                        memcmp(line + 1, secs[i].name, len - 2) == 0)
                        cur = secs[i].list;
                if (!cur)
                    SIL_BUG("%s: unknown section %.*s", file, (int)len, line);
            } else if (len > 0 && line[0] != '#') {
                if (!cur)
                    SIL_BUG("%s: entry before any section", file);
                if (pass == 1) {
                    line[len] = '\0';
                    char *bar = strchr(line, '|');
                    if (bar) {
                        *bar = '\0';
                        cur->aux[cur->n] = bar + 1;
                    }
                    cur->v[cur->n] = line;
                }
                cur->n++;
            }
            line = nl ? nl + 1 : NULL;
        }
        if (pass == 0) {
            /* Pass 1 writes NULs into the copy; restore it from the data. */
            memcpy(copy, data, strlen(data) + 1);
        }
    }
    for (size_t i = 0; i < nsecs; i++)
        if (secs[i].list->n == 0)
            SIL_BUG("%s: section [%s] is empty", file, secs[i].name);
}

static void build_text(void)
{
    /* 256 KiB of words in a fixed pseudo-random order, capitalised sentences. */
    const size_t cap = 256 * 1024;
    char *t = sil_xmalloc(cap + 64);
    unsigned *starts = sil_xmalloc((cap / 2) * sizeof *starts);
    size_t len = 0, ns = 0, inword = 0;
    uint64_t k = UINT64_C(0x7465787431);
    for (uint64_t i = 0; len < cap; i++) {
        const char *w = dict.words.v[gen_below(gen_rand(k, i, 0), dict.words.n)];
        size_t wl = strlen(w);
        if (len + wl + 2 > cap)
            break;
        starts[ns++] = (unsigned)len;
        memcpy(t + len, w, wl);
        if (inword == 0 && t[len] >= 'a' && t[len] <= 'z')
            t[len] = (char)(t[len] - 32);
        len += wl;
        inword++;
        if (inword > 4 && gen_below(gen_rand(k, i, 1), 6) == 0) {
            t[len++] = gen_below(gen_rand(k, i, 2), 4) == 0 ? '?' : '.';
            inword = 0;
        }
        t[len++] = ' ';
    }
    t[len] = '\0';
    dict.text = t;
    dict.text_len = len;
    dict.starts = starts;
    dict.nstarts = ns;
}

static void init(void)
{
    const char *data[GEN__LOCALES] = {gen_data_en_US, gen_data_en_GB, gen_data_de_DE,
                                      gen_data_fr_FR, gen_data_sv_SE};
    for (int i = 0; i < GEN__LOCALES; i++) {
        struct gen_locale_dict *d = &dict.loc[i];
        struct section secs[] = {{"first_female", &d->first_female},
                                 {"first_male", &d->first_male},
                                 {"last", &d->last},
                                 {"street", &d->street},
                                 {"city", &d->city},
                                 {"phone", &d->phone}};
        parse(data[i], locale_names[i], secs, SIL_ARRAY_SIZE(secs));
    }
    struct section common[] = {
        {"words", &dict.words},       {"job", &dict.job},         {"company", &dict.company},
        {"bs_verb", &dict.bs_verb},   {"bs_adj", &dict.bs_adj},   {"bs_noun", &dict.bs_noun},
        {"currency", &dict.currency}, {"country", &dict.country}, {"color", &dict.color}};
    parse(gen_data_common, "common", common, SIL_ARRAY_SIZE(common));
    build_text();
}

const struct gen_dict *gen_dict_get(void)
{
    pthread_once(&once, init);
    return &dict;
}
