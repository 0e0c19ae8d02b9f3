/*
 * Reading a REST source: for each entity of the description, GET its pages
 * (limit/offset, page numbers, next links or cursors) until the API has no
 * more or the entity's record cap is reached, parse each page on arrival and
 * hand its records to the in-memory store (restdata.h), then drop the page.
 * A response that is not JSON, a page whose layout differs from the first
 * page's, a repeated next link or cursor, and a record whose fields change
 * type are errors naming the entity, the page and the (masked) URL.
 */
#ifndef SAMPLER_REST_H
#define SAMPLER_REST_H

#include "apidesc.h"
#include "http.h"
#include "restdata.h"

/*
 * Read entity `ei`. On success out->records holds its records (the caller
 * frees it with sampler_rtable_free), out->complete says whether the API
 * ran out before the cap, out->total is the API's total or -1.
 */
int sampler_rest_fetch(struct sampler_http *h, const struct sampler_apidesc *d, size_t ei,
                       struct sampler_rest_read *out, struct sil_err *err) SIL_WUR;

/* The URL of a page: base_url + path, the fixed parameters, then `extra` ("a=1&b=2" or NULL). */
char *sampler_rest_url(const struct sampler_apidesc *d, const struct sampler_entity *e,
                       const char *extra);

/* Percent-encode a query value (unreserved characters kept). Caller frees. */
char *sampler_url_escape(const char *s);

#endif
