/* apibatch: a run's URLs rendered by the hosted API instead of a browser:
 * at most max_active requests at once (api.c does each), started from the
 * jobs the run hands out and finished back to it. When the API refuses the
 * whole batch (a bad key, a plan limit), nothing more is sent: the requests
 * in flight are stopped and handed back as not sent. */
#ifndef SAVEPAGE_APIBATCH_H
#define SAVEPAGE_APIBATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "jobs.h"
#include "loop.h"
#include "render.h"

struct apibatch_hooks {
	struct job *(*next)(void *ud); /* a job to send now, or NULL */
	/* j's request ended with r (the image may be taken) */
	void (*finished)(void *ud, struct job *j, struct render_result *r);
	/* j was not sent, or stopped, because the API refused the batch */
	void (*refused)(void *ud, struct job *j);
	void *ud;
};

struct apibatch;

/* NULL, after saying why, when libcurl cannot be set up. */
struct apibatch *apibatch_new(struct loop *loop, const struct api_config *cfg,
			      const struct render *r, size_t max_active, struct apibatch_hooks hooks);
/* Collects finished requests and sends new ones where there is room. */
void apibatch_tick(struct apibatch *b);
size_t apibatch_active(const struct apibatch *b);
/* The refusal that stopped the batch ("CODE message"), or NULL (also for
 * a NULL batch). */
const char *apibatch_refusal(const struct apibatch *b, int *code);
/* Requests still running are stopped (not delivered). NULL is a no-op. */
void apibatch_free(struct apibatch *b);

#endif
