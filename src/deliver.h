/* deliver: each URL's outcome to where it goes. Rendered images are stored
 * in the cache; cached ones are read from it; then the sink writes the image
 * and its report or manifest line. The disk work runs on a writer thread of
 * its own (one, so outputs keep their order); deliver_poll() finishes each
 * delivery on the caller's thread: counts, messages, progress. One rule for
 * a page's HTTP status holds for rendered and cached images alike. */
#ifndef SAVEPAGE_DELIVER_H
#define SAVEPAGE_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "cache.h"
#include "jobs.h"
#include "render.h"
#include "sink.h"

struct deliver_config {
	struct sink *sink;     /* taken: closed by deliver_close() */
	struct cache *cache;   /* NULL: none */
	const struct render *render;
	const char *key_text;  /* render_key_text()'s, for names and the cache */
	const char *key_shown;
	const char *options_json; /* render_options_json()'s, for reports */
	bool print_names;      /* tell on stderr the name of each file written */
	/* wake(ud) from the writer thread when a delivery can be finished */
	void (*wake)(void *ud);
	/* miss(ud, job): its cached image proved unusable: render it after all */
	void (*miss)(void *ud, struct job *j);
	void *ud;
};

struct deliver_counts {
	size_t finished; /* URLs with a final outcome */
	size_t ok, failed;
	size_t from_cache;
};

struct deliver;

struct deliver *deliver_new(const struct deliver_config *c);
/* A rendered outcome (the image is taken from r). */
void deliver_result(struct deliver *d, struct job *j, struct render_result *r);
/* j's cached image; revalidated: the API said it is still current (304). */
void deliver_cached(struct deliver *d, struct job *j, bool revalidated);
/* A failure with no render behind it; quiet: reported, but not on stderr. */
void deliver_failure(struct deliver *d, struct job *j, int code, const char *msg, bool quiet);

/* Finishes the deliveries whose disk work is done. */
void deliver_poll(struct deliver *d);
/* Deliveries not yet finished. */
size_t deliver_pending(const struct deliver *d);
/* Waits for and finishes every delivery. */
void deliver_drain(struct deliver *d);
struct deliver_counts deliver_counts(const struct deliver *d);
/* Drains, closes the sink (the archive gets its manifest) and frees.
 * 0, or -1 with *err. NULL is a no-op. */
int deliver_close(struct deliver *d, char **err);

#endif
