/* api: the hosted SavePage API through libcurl's multi-socket interface,
 * on the run's event loop (no polling). Each URL is one request (POST with
 * a form body, or GET) carrying the key, the URL, every render option the
 * API takes under its API name (render.h) and the per-URL hash. 481 and 474
 * answers are retried with exponential back-off and jitter within the
 * render's timeout, 491 once with refresh=-1. What comes back is checked:
 * an image of the format and width asked for, or an error naming what it
 * was. The key and secret are never written to any message. */
#ifndef SAVEPAGE_API_H
#define SAVEPAGE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "loop.h"
#include "render.h"

/* Where and who: the caller keeps the strings alive. */
struct api_config {
	const char *url;    /* the endpoint */
	const char *key;    /* never logged */
	const char *secret; /* hash = md5(URL + secret) per URL; never logged */
	const char *hash;   /* a precomputed hash sent instead */
	bool get;           /* GET with a query instead of POST */
	bool insecure;      /* do not check the TLS certificate */
};

struct api;
struct api_req;

/* A client on loop; r (kept alive by the caller) says how to render. NULL
 * with *err when libcurl cannot be set up. */
struct api *api_new(struct loop *loop, const struct api_config *cfg, const struct render *r,
		    char **err);
/* Frees, with every request still running. NULL is a no-op. */
void api_free(struct api *a);

/* Starts asking for url (normalised); it goes on from the loop.
 * if_modified_since: the cached copy's render time, sent as
 * If-Modified-Since (0: none). */
struct api_req *api_start(struct api *a, const char *url, time_t if_modified_since);
bool api_req_done(const struct api_req *r);
/* The outcome once done: an image, not_modified, or an error code with a
 * message (fatal: the API refuses the whole batch; transient: worth another
 * try; unreachable: the API could not be reached at all). */
struct render_result *api_req_result(struct api_req *r);
/* Stops the request if still running, and frees. NULL is a no-op. */
void api_req_free(struct api_req *r);

/* What a failed answer (HTTP status, body) says: its code and, in
 * *message (caller frees), its words. The message is "error" (a string, or
 * a list where a documented message is preferred); the code a numeric
 * "code" member, else the status when it is one of the API's (46x-49x),
 * else the documented code of the message (compared without case, blanks
 * around it or a final period), else the status itself. */
int api_error_code(long status, const void *body, size_t len, char **message);

/* The contract's message for one of its codes (461 ... 491), or NULL. */
const char *api_error_message(int code);
/* The contract's hash: md5(url + secret), lower-case hex, into out. */
void api_hash(const char *url, const char *secret, char out[33]);

#endif
