/*
 * Exact key checks in bounded memory, for the quality report: duplicates of
 * primary and unique keys, and for every foreign key its orphans and the
 * number of children of each parent.
 *
 * A key space holds the values of one unique key; a probe set is a foreign
 * key whose values are looked up in a key space. Values of a single integer
 * column go to paged bitmaps (a key space) and paged 32-bit counters (a
 * probe set), 64Ki values per page, set with atomic operations: a dense key
 * of 10M rows takes 1.25 MB. Any other key, and an integer key whose pages
 * outgrow the memory budget, is written as (64-bit hash, exact bytes)
 * records into 256 partitions by hash, held in memory up to the budget and
 * spilled to temporary files beyond it; each partition is then sorted and
 * compared on the exact bytes (a partition still larger than a quarter of
 * the budget is split 16 ways by the next hash bits, again if need be). Both ways are exact: a
 * duplicate is two equal values, an orphan a value no parent has, never a hash coincidence.
 */
#ifndef GEN_RKEYS_H
#define GEN_RKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* bytes of one example key as text, NUL included */
#define GEN_KEYS_EXAMPLE 96

struct gen_keys;

/*
 * `workers`: threads that add values concurrently (each with its index);
 * `budget`: bytes of memory for pages and partition buffers together;
 * `tmpdir`: where spill files go (created inside a new private directory,
 * removed by gen_keys_free).
 */
struct gen_keys *gen_keys_new(int workers, size_t budget, const char *tmpdir);
void gen_keys_free(struct gen_keys *k);

/* Largest partition sorted in memory (default budget / 4); above it a
 * partition is split 16 ways by the next hash bits. For tests and tuning. */
void gen_keys_set_partition_limit(struct gen_keys *k, size_t bytes);

/* A key space; `integer`: its values are single int64s. Returns its id. */
int gen_keys_space(struct gen_keys *k, int integer);
/* A foreign key into `space`. Returns its id. */
int gen_keys_fk(struct gen_keys *k, int space);

/* Add a value of a key space / a foreign key (thread-safe per worker w). */
void gen_keys_add_int(struct gen_keys *k, int w, int space, int64_t v);
void gen_keys_add(struct gen_keys *k, int w, int space, const void *bytes, size_t n);
void gen_keys_probe_int(struct gen_keys *k, int w, int fk, int64_t v);
void gen_keys_probe(struct gen_keys *k, int w, int fk, const void *bytes, size_t n);

/* After every value is in: compare. Fails with SIL_EIO when a spill file fails. */
int gen_keys_finish(struct gen_keys *k, struct sil_err *err) SIL_WUR;

/* Results, valid after gen_keys_finish. */
struct gen_keys_result {
    int64_t values;     /* key values added (space) or probed (fk) */
    int64_t duplicates; /* space: values that repeat an earlier one */
    int64_t orphans;    /* fk: values no key of the space has */
    int64_t parents;    /* fk: distinct keys of the space */
    /* fk: (children, parents with that many children), by children */
    size_t nhist;
    const int64_t (*hist)[2];
    /* up to 5 example values (duplicates or orphans) as readable text: 42,
     * 'text', or a composite key as a tuple (42, 'text'); escaped */
    size_t nexamples;
    char examples[5][GEN_KEYS_EXAMPLE];
    int spilled; /* the exact spill path was used */
};
void gen_keys_space_result(const struct gen_keys *k, int space, struct gen_keys_result *r);
void gen_keys_fk_result(const struct gen_keys *k, int fk, struct gen_keys_result *r);
/* Peak bytes held in pages and buffers, and bytes written to spill files. */
size_t gen_keys_peak(const struct gen_keys *k);
uint64_t gen_keys_spilled_bytes(const struct gen_keys *k);

#endif
