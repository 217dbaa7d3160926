#include "config.h"

#include "apibatch.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct apibatch {
	struct api *api;
	size_t max_active;
	struct apibatch_hooks hooks;
	struct job **active;
	size_t nactive;
	char *refusal; /* "CODE message" once the API refused the batch */
	int refusal_code;
};

struct apibatch *apibatch_new(struct loop *loop, const struct api_config *cfg,
			      const struct render *r, size_t max_active, struct apibatch_hooks hooks)
{
	char *err = NULL;
	struct api *api = api_new(loop, cfg, r, &err);
	if (!api) {
		log_err("%s", err);
		free(err);
		return NULL;
	}
	struct apibatch *b = xcalloc(1, sizeof *b);
	b->api = api;
	b->max_active = max_active;
	b->hooks = hooks;
	b->active = xcalloc(max_active, sizeof *b->active);
	return b;
}

/* Stops sending after an answer that refuses the whole batch. */
static void refuse_rest(struct apibatch *b, int code, const char *msg)
{
	b->refusal = xasprintf("%d %s", code, msg);
	b->refusal_code = code;
	log_err("the API refuses this batch: %d %s; no more URLs are sent", code, msg);
	while (b->nactive) {
		struct job *j = b->active[--b->nactive];
		struct api_req *req = j->req;
		j->req = NULL;
		/* One that has its answer already keeps it (an image paid for). */
		if (api_req_done(req))
			b->hooks.finished(b->hooks.ud, j, api_req_result(req));
		else
			b->hooks.refused(b->hooks.ud, j);
		api_req_free(req);
	}
}

static void collect(struct apibatch *b)
{
	for (size_t i = 0; i < b->nactive;) {
		struct job *j = b->active[i];
		if (!api_req_done(j->req)) {
			i++;
			continue;
		}
		b->active[i] = b->active[--b->nactive];
		struct api_req *req = j->req;
		j->req = NULL;
		struct render_result *r = api_req_result(req);
		char *refused = r->fatal && !b->refusal ? xstrdup(r->message) : NULL;
		int code = r->code;
		b->hooks.finished(b->hooks.ud, j, r);
		api_req_free(req);
		if (refused) {
			refuse_rest(b, code, refused);
			free(refused);
			return;
		}
	}
}

void apibatch_tick(struct apibatch *b)
{
	collect(b);
	struct job *j;
	while (!b->refusal && b->nactive < b->max_active && (j = b->hooks.next(b->hooks.ud))) {
		j->attempts++;
		log_debug("%s: asking the API (attempt %d)", j->url, j->attempts);
		j->req = api_start(b->api, j->url, j->cached_at);
		b->active[b->nactive++] = j;
	}
}

size_t apibatch_active(const struct apibatch *b)
{
	return b ? b->nactive : 0;
}

const char *apibatch_refusal(const struct apibatch *b, int *code)
{
	if (code)
		*code = b ? b->refusal_code : 0;
	return b ? b->refusal : NULL;
}

void apibatch_free(struct apibatch *b)
{
	if (!b)
		return;
	/* Requests still in flight (an interrupted run), while their jobs live. */
	for (size_t i = 0; i < b->nactive; i++) {
		api_req_free(b->active[i]->req);
		b->active[i]->req = NULL;
	}
	api_free(b->api);
	free(b->active);
	free(b->refusal);
	free(b);
}
