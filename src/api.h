/* api: the hosted SavePage API through libcurl's multi interface. Each URL
 * is one request (POST with a form body, or GET with --api-get) carrying
 * every render option under its API name, the key and the per-URL hash.
 * Requests run in parallel on the caller's thread (api_run); 481 and 474
 * answers are retried with exponential back-off and jitter within the
 * URL's --timeout, 491 once with refresh=-1. What comes back is checked:
 * an image of the format and width asked for, or an error naming what it
 * was. The key and secret are never written to any message. */
#ifndef SAVEPAGE_API_H
#define SAVEPAGE_API_H

#include <stdbool.h>
#include <time.h>

#include "capture.h"
#include "options.h"

struct api;
struct api_req;

/* The client for a run's settings (endpoint, key, secret, render options).
 * NULL with *err when libcurl cannot be set up. */
struct api *api_new(const struct settings *s, char **err);
void api_free(struct api *a);

/* Starts asking for url (normalised). if_modified_since: the cached copy's
 * render time, sent as If-Modified-Since (0: none). */
struct api_req *api_start(struct api *a, const char *url, time_t if_modified_since);
/* Moves the transfers on, waiting at most max_wait_ms for something to do. */
void api_run(struct api *a, int max_wait_ms);
bool api_req_done(const struct api_req *r);
/* The outcome once done: an image, not_modified, or an error code with a
 * message (fatal: the API refuses the whole batch; transient: worth another
 * try; unreachable: the API could not be reached at all). */
struct capture_result *api_req_result(struct api_req *r);
/* Stops the request if still running, and frees. NULL is a no-op. */
void api_req_free(struct api_req *r);

#endif
