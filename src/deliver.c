#include "config.h"

#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "progress.h"
#include "workq.h"

struct deliver {
	struct deliver_config c;
	struct workq *io;
	struct deliver_counts n;
};

/* One URL's way to its output. */
struct delivery {
	struct deliver *d;
	struct sink_item *it;
	struct job *job;
	bool from_cache;  /* read the image from the cache first */
	bool store;       /* store the rendered image in the cache first */
	bool miss;        /* the cached entry was unusable after all */
	bool revalidated; /* --api said 304: the cached copy is current */
	bool quiet;       /* reported, not said on stderr */
	char *cache_err;
};

static struct sink_item *item_for(const struct deliver *d, const struct job *j)
{
	struct sink_item *it = xcalloc(1, sizeof *it);
	it->url = j->url ? xstrdup(j->url) : NULL;
	it->input = xstrdup(j->input);
	it->line = j->line;
	it->format = d->c.render->format;
	it->attempts = j->attempts;
	it->options_key = d->c.key_text;
	it->options_json = d->c.options_json;
	return it;
}

/* On the writer thread: the cache, then the outputs. */
static void delivery_work(void *arg)
{
	struct delivery *dv = arg;
	struct deliver *d = dv->d;
	struct sink_item *it = dv->it;
	if (dv->revalidated)
		cache_touch(d->c.cache, dv->job->key, it->format);
	if (dv->from_cache) {
		struct cache_meta m = { .want_mhtml = d->c.render->mhtml };
		if (cache_read(d->c.cache, dv->job->key, it->format, &it->image, &m) < 0) {
			dv->miss = true;
			return;
		}
		it->ok = true;
		it->rendered_at = m.rendered_at;
		it->width = m.width;
		it->height = m.height;
		it->http_status = m.http_status;
		free(it->page_json);
		it->page_json = m.page_json;
		it->mhtml = m.mhtml;
	}
	/* The page's HTTP status, rendered now or cached: one rule for both. */
	if (it->ok && it->http_status == 407) {
		/* The proxy's answer, not the page's. */
		it->ok = false;
		it->code = 407;
		it->message = xstrdup("the proxy answered HTTP 407: it wants a login, or refused "
				      "the one given (--proxy http://user:password@host:port)");
		buf_free(&it->image);
	} else if (it->ok && it->http_status == 401 && d->c.render->auth_user) {
		it->ok = false;
		it->code = 401;
		it->message = xstrdup("the page answered HTTP 401: the login (--user) was refused");
		buf_free(&it->image);
	} else if (it->ok && it->http_status >= 400 && d->c.render->fail_on_http_error) {
		it->ok = false;
		it->code = it->http_status;
		it->message = xasprintf("the page answered HTTP %d (--fail-on-http-error)",
					it->http_status);
		buf_free(&it->image);
	}
	if (dv->store && it->ok) {
		struct cache_meta m = { it->rendered_at, it->width, it->height, it->http_status,
					it->page_json, it->mhtml, false };
		cache_store(d->c.cache, dv->job->key, it->format, it->url, d->c.key_shown,
			    it->image.data, it->image.len, &m, &dv->cache_err);
	}
	sink_put(d->c.sink, it);
}

/* The longest part of an input shown in a message: a binary or endless
 * line must not become an endless message. */

static void say_outcome(struct deliver *d, const struct delivery *dv)
{
	const struct sink_item *it = dv->it;
	char *input = str_quote(it->input, QUOTE_MAX);
	if (it->ok && it->http_status >= 400)
		log_warn("%s: the page answered HTTP %d; captured anyway", input, it->http_status);
	d->n.finished++;
	if (!it->ok) {
		d->n.failed++;
		if (!dv->quiet)
			log_err("%s: %d %s", input, it->code, it->message);
	} else if (it->write_err) {
		d->n.failed++;
		log_err("%s: %d cannot save the image: %s", input, RENDER_E_RENDER, it->write_err);
	} else {
		d->n.ok++;
		if (dv->from_cache)
			log_info("%s: %dx%d %s, %zu bytes, %s -> %s", it->url, it->width, it->height,
				 image_format_name(it->format), it->image.len,
				 dv->revalidated ? "revalidated with the API" : "from the cache",
				 it->file);
		else
			log_info("%s: %dx%d %s, %zu bytes, %.2f s -> %s", it->url, it->width,
				 it->height, image_format_name(it->format), it->image.len, it->seconds,
				 it->file);
		if (d->c.print_names && it->file && strcmp(it->file, "-"))
			fprintf(stderr, "%s\n", it->file);
	}
	free(input);
}

/* Back on the caller's thread. */
static void delivery_done(void *arg)
{
	struct delivery *dv = arg;
	struct deliver *d = dv->d;
	if (dv->job && dv->job->lock_fd >= 0) {
		cache_unlock(dv->job->lock_fd);
		dv->job->lock_fd = -1;
	}
	if (dv->cache_err) {
		log_warn("cache: %s", dv->cache_err);
		free(dv->cache_err);
	}
	if (dv->miss) {
		/* Damaged or gone since we looked: render it after all. */
		log_info("%s: the cached image is unusable; rendering it", dv->it->url);
		dv->job->entry_bad = true;
		d->c.miss(d->c.ud, dv->job);
	} else {
		if (dv->from_cache)
			d->n.from_cache++;
		say_outcome(d, dv);
		progress_update(d->n.finished, d->n.failed, false);
	}
	sink_item_free(dv->it);
	free(dv);
}

static void submit(struct deliver *d, struct sink_item *it, struct job *j, bool from_cache,
		   bool quiet)
{
	struct delivery *dv = xcalloc(1, sizeof *dv);
	dv->d = d;
	dv->it = it;
	dv->job = j;
	dv->from_cache = from_cache;
	dv->store = d->c.cache && !from_cache && it->ok;
	dv->quiet = quiet;
	it->source = from_cache ? "cached" : it->ok ? "rendered" : NULL;
	workq_submit(d->io, delivery_work, delivery_done, dv);
}

struct deliver *deliver_new(const struct deliver_config *c)
{
	struct deliver *d = xcalloc(1, sizeof *d);
	d->c = *c;
	d->io = workq_new(1, c->wake, c->ud);
	return d;
}

void deliver_result(struct deliver *d, struct job *j, struct render_result *r)
{
	struct sink_item *it = item_for(d, j);
	it->http_status = r->http_status;
	it->seconds = r->seconds;
	it->rendered_at = r->rendered_at;
	it->page_json = r->page_json; /* what the page did, failed or not */
	r->page_json = NULL;
	if (r->code) {
		it->code = r->code;
		it->message = xstrdup(r->message);
	} else {
		it->ok = true;
		it->image = r->image;
		r->image = (struct buf){ 0 };
		it->width = r->width;
		it->height = r->height;
		it->mhtml = r->mhtml;
		r->mhtml = (struct buf){ 0 };
	}
	submit(d, it, j, false, j->quiet);
}

void deliver_cached(struct deliver *d, struct job *j, bool revalidated)
{
	struct sink_item *it = item_for(d, j);
	struct delivery *dv = xcalloc(1, sizeof *dv);
	dv->d = d;
	dv->it = it;
	dv->job = j;
	dv->from_cache = true;
	dv->revalidated = revalidated;
	it->source = revalidated ? "revalidated" : "cached";
	workq_submit(d->io, delivery_work, delivery_done, dv);
}

void deliver_failure(struct deliver *d, struct job *j, int code, const char *msg, bool quiet)
{
	struct sink_item *it = item_for(d, j);
	it->code = code;
	it->message = xstrdup(msg);
	submit(d, it, j, false, quiet);
}

void deliver_poll(struct deliver *d)
{
	workq_poll(d->io);
}

size_t deliver_pending(const struct deliver *d)
{
	return workq_pending(d->io);
}

void deliver_drain(struct deliver *d)
{
	workq_drain(d->io);
}

struct deliver_counts deliver_counts(const struct deliver *d)
{
	return d->n;
}

int deliver_close(struct deliver *d, char **err)
{
	if (!d)
		return 0;
	workq_free(d->io); /* finishes every delivery first */
	int rc = sink_close(d->c.sink, err);
	free(d);
	return rc;
}
