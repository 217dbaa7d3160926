#include "config.h"

#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "blocklist.h"
#include "browser.h"
#include "cache.h"
#include "capture.h"
#include "cdp.h"
#include "clean.h"
#include "log.h"
#include "progress.h"
#include "sink.h"
#include "urls.h"
#include "util.h"
#include "workq.h"

/* Default workers (tabs per browser): three per core, from 2 to 16. On the
 * 2-core reference machine pages per second rise from -j 2 to -j 6, where
 * Chrome has both cores busy, and stay flat beyond (bench/README.md has the
 * figures); the spare tabs keep the cores busy while pages wait on the
 * network. */
static size_t default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	n = n < 1 ? 1 : n;
	return (size_t)(n * 3 < 2 ? 2 : n * 3 > 16 ? 16 : n * 3);
}
/* A launched browser is replaced after this many captures, so that its
 * memory stays bounded on very long runs. */
#define RECYCLE_AFTER 1000
/* A launched browser that dies is started again at most this many times. */
#define MAX_RELAUNCHES 5

static volatile sig_atomic_t pool_interrupted;
static struct cdp_loop *volatile pool_loop;

/* Launched browsers, for a second Ctrl-C that cannot wait. */
#define MAX_SLOTS 64
static struct browser *volatile pool_browsers[MAX_SLOTS];

static void on_signal(int sig)
{
	if (pool_interrupted) {
		for (int i = 0; i < MAX_SLOTS; i++)
			browser_kill_now(pool_browsers[i]);
		sink_abort_temp();
		_exit(EXIT_INTERRUPTED);
	}
	pool_interrupted = sig;
	cdp_loop_wake(pool_loop);
}

void pool_install_signal_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct slot;

struct job {
	char *input; /* as given */
	char *url;   /* normalised; NULL if invalid */
	const char *why_invalid;
	int line;
	int attempts;
	struct capture *cap;
	struct api_req *req;         /* --api: the request in flight */
	bool quiet;                  /* its failure is told another way */
	struct slot *slot;
	char key[CACHE_KEY_LEN + 1]; /* cache key, when there is a cache */
	int lock_fd;                 /* the entry's lock while we render it */
	bool queued;                 /* waiting to be rendered */
	bool entry_bad;              /* its cached image proved unusable: render */
};

struct slot {
	int index;
	char *remote;             /* --browser-url as given; NULL: launched */
	struct browser *browser;  /* launched browser */
	struct cdp_conn *conn;
	char *user_agent;         /* the browser's own, without "Headless" */
	struct capture_opts copts;
	struct job **active;
	size_t nactive;
	size_t served;            /* captures started on this browser */
	int relaunches;
	bool lost;                /* the connection closed */
	bool dead;                /* not usable any more */
};

struct pool {
	const struct settings *s;
	struct job *jobs;
	size_t njobs, cap_jobs;
	size_t next;              /* next fresh job */
	size_t *retry;            /* jobs to try again (a stack) */
	size_t nretry;
	size_t finished, failed, ok; /* URLs with a final outcome */
	size_t max_active;        /* per slot */
	struct slot *slots;
	size_t nslots;
	char *browser_path;
	struct cdp_loop *loop;
	struct workq *cpu, *io;
	struct sink *sink;
	bool print_names;
	bool no_browser;          /* every browser is dead */
	bool browsers_started;
	size_t render_left;       /* queued for rendering, not yet started */
	struct cache *cache;
	char *cache_options;      /* the pixel-changing options, for keys */
	char *cache_options_shown; /* the same with secrets hashed */
	char *page_script;        /* --nocookie's, built once per run */
	struct blocklist *blocklist; /* --noads */
	char blocklist_id[65];    /* what the lists are, for cache keys */
	struct strlist blocklist_paths;
	struct strlist nocookie_hosts; /* --nocookie's block rules */
	/* --api */
	struct api *api;
	struct job **api_active;
	size_t napi;
	bool api_stopped;         /* the API refused the batch: send no more */
	int api_stop_code;
	char *api_stop_msg;
	size_t unreachable;       /* failures to reach the API at all */
	size_t *waiting;          /* jobs whose entry another process renders */
	size_t nwaiting;
	struct cdp_timer wait_timer;
	size_t from_cache;
};

/* ---- input ---- */

static void add_job(struct pool *p, struct strset *seen, const char *input, int line)
{
	const char *why = NULL;
	char *url = url_normalise(input, &why);
	if (url && !strset_add(seen, url)) {
		log_info("%s: a duplicate; captured once", input);
		free(url);
		return;
	}
	if (p->njobs == p->cap_jobs) {
		p->cap_jobs = p->cap_jobs ? p->cap_jobs * 2 : 16;
		p->jobs = xrealloc(p->jobs, p->cap_jobs * sizeof *p->jobs);
	}
	struct job *j = &p->jobs[p->njobs++];
	memset(j, 0, sizeof *j);
	j->input = xstrdup(input);
	j->url = url;
	j->why_invalid = why;
	j->line = line;
	j->lock_fd = -1;
}

struct line_ctx {
	struct pool *p;
	struct strset *seen;
};

static void on_input_line(void *ud, const char *line, int lineno)
{
	struct line_ctx *c = ud;
	add_job(c->p, c->seen, line, lineno);
}

static int pool_read_input(struct pool *p)
{
	struct strset seen = { 0 };
	for (size_t i = 0; i < p->s->urls.n; i++)
		add_job(p, &seen, p->s->urls.v[i], (int)i + 1);
	struct line_ctx c = { p, &seen };
	int rc = 0;
	for (size_t i = 0; i < p->s->inputs.n && rc == 0; i++) {
		char *err = NULL;
		if (url_read_lines(p->s->inputs.v[i], on_input_line, &c, &err) < 0) {
			log_err("%s", err);
			free(err);
			rc = -1;
		}
	}
	strset_free(&seen);
	return rc;
}

/* ---- results ---- */

struct delivery {
	struct pool *p;
	struct sink_item *it;
	struct job *job;
	bool from_cache; /* read the image from the cache first */
	bool store;      /* store the rendered image in the cache first */
	bool miss;       /* the cached entry was unusable after all */
	bool revalidated; /* --api said 304: the cached copy is current */
	bool quiet;      /* not sent (the batch was stopped): no line of its own */
	char *cache_err;
};

static void queue_render(struct pool *p, struct job *j);
static struct sink_item *item_for(struct pool *p, struct job *j);
static bool work_left(struct pool *p);

/* On the writer thread: the cache, then the outputs. */
static void delivery_work(void *arg)
{
	struct delivery *d = arg;
	struct pool *p = d->p;
	struct sink_item *it = d->it;
	if (d->revalidated)
		cache_touch(p->cache, d->job->key, it->format);
	if (d->from_cache) {
		if (cache_read(p->cache, d->job->key, it->format, &it->image, &it->rendered_at,
			       &it->width, &it->height, &it->http_status) < 0) {
			d->miss = true;
			return;
		}
		it->ok = true;
	}
	/* The page's HTTP status, rendered now or cached: one rule for both. */
	if (it->ok && it->http_status >= 400 && p->s->fail_on_http_error) {
		it->ok = false;
		it->code = it->http_status;
		it->message = xasprintf("the page answered HTTP %d (--fail-on-http-error)",
					it->http_status);
		buf_free(&it->image);
	}
	if (d->store && it->ok) {
		cache_store(p->cache, d->job->key, it->format, it->url, p->cache_options_shown,
			    it->image.data, it->image.len, it->width, it->height, it->http_status,
			    it->rendered_at, &d->cache_err);
	}
	sink_put(p->sink, it);
}

static void delivery_done(void *arg)
{
	struct delivery *d = arg;
	struct pool *p = d->p;
	struct sink_item *it = d->it;
	if (d->job && d->job->lock_fd >= 0) {
		cache_unlock(d->job->lock_fd);
		d->job->lock_fd = -1;
	}
	if (d->cache_err) {
		log_warn("cache: %s", d->cache_err);
		free(d->cache_err);
	}
	if (d->miss) {
		/* Damaged or gone since we looked: render it after all. */
		log_info("%s: the cached image is unusable; rendering it", it->input);
		d->job->entry_bad = true;
		queue_render(p, d->job);
		sink_item_free(it);
		free(d);
		return;
	}
	if (d->from_cache)
		p->from_cache++;
	if (it->ok && it->http_status >= 400)
		log_warn("%s: the page answered HTTP %d; captured anyway", it->input,
			 it->http_status);
	p->finished++;
	if (!it->ok) {
		p->failed++;
		if (!d->quiet)
			log_err("%s: %d %s", it->input, it->code, it->message);
	} else if (it->write_err) {
		p->failed++;
		log_err("%s: %d cannot save the image: %s", it->input, CAPTURE_E_RENDER,
			it->write_err);
	} else {
		p->ok++;
		if (d->from_cache)
			log_info("%s: %dx%d %s, %zu bytes, %s -> %s", it->url, it->width,
				 it->height, image_format_name(it->format), it->image.len,
				 d->revalidated ? "revalidated with the API" : "from the cache",
				 it->file);
		else
			log_info("%s: %dx%d %s, %zu bytes, %.2f s -> %s", it->url, it->width,
				 it->height, image_format_name(it->format), it->image.len, it->seconds,
				 it->file);
		if (p->print_names && it->file && strcmp(it->file, "-"))
			fprintf(stderr, "%s\n", it->file);
	}
	progress_update(p->finished, p->failed, false);
	sink_item_free(it);
	free(d);
}

/* Hands one URL's outcome to the writer thread. */
static struct delivery *delivery_new(struct pool *p, struct sink_item *it, struct job *j,
				     bool from_cache)
{
	struct delivery *d = xcalloc(1, sizeof *d);
	d->p = p;
	d->it = it;
	d->job = j;
	d->from_cache = from_cache;
	d->store = p->cache && j && !from_cache;
	d->quiet = j && j->quiet;
	it->options_key = p->cache_options;
	it->source = from_cache ? "cached" : it->ok ? "rendered" : NULL;
	return d;
}

static void deliver_job(struct pool *p, struct sink_item *it, struct job *j, bool from_cache)
{
	workq_submit(p->io, delivery_work, delivery_done, delivery_new(p, it, j, from_cache));
}

/* --api answered 304: the cached copy stands, as of now. */
static void deliver_revalidated(struct pool *p, struct job *j)
{
	struct delivery *d = delivery_new(p, item_for(p, j), j, true);
	d->revalidated = true;
	d->it->source = "revalidated";
	workq_submit(p->io, delivery_work, delivery_done, d);
}

/* A URL not sent because the API refused the batch: reported, not shouted. */
static void deliver_not_sent(struct pool *p, struct job *j)
{
	struct sink_item *it = item_for(p, j);
	it->code = p->api_stop_code;
	it->message = xasprintf("not sent: the API refused the batch (%s)", p->api_stop_msg);
	struct delivery *d = delivery_new(p, it, j, false);
	d->store = false;
	d->quiet = true;
	workq_submit(p->io, delivery_work, delivery_done, d);
}

static void deliver(struct pool *p, struct sink_item *it)
{
	deliver_job(p, it, NULL, false);
}

static struct sink_item *item_for(struct pool *p, struct job *j)
{
	struct sink_item *it = xcalloc(1, sizeof *it);
	it->url = j->url ? xstrdup(j->url) : NULL;
	it->input = xstrdup(j->input);
	it->line = j->line;
	it->format = p->s->format;
	it->attempts = j->attempts;
	return it;
}

static void deliver_failure(struct pool *p, struct job *j, int code, const char *msg)
{
	struct sink_item *it = item_for(p, j);
	it->code = code;
	it->message = xstrdup(msg);
	deliver(p, it);
}

/* A capture has its final result: retry it, or deliver it. */
/* Returns whether the outcome was delivered (false: queued again). */
static bool job_finished(struct pool *p, struct job *j, struct capture_result *r)
{
	const struct settings *s = p->s;
	/* A retry keeps the entry's lock; delivery_done() releases it. */
	if (r->code && r->transient && j->attempts <= s->retries && !pool_interrupted) {
		log_info("%s: %s; trying again", j->input, r->message);
		queue_render(p, j);
		return false;
	}
	struct sink_item *it = item_for(p, j);
	it->http_status = r->http_status;
	it->seconds = r->seconds;
	it->rendered_at = r->rendered_at;
	if (r->code) {
		it->code = r->code;
		it->message = xstrdup(r->message);
	} else {
		it->ok = true;
		it->image = r->image;
		r->image = (struct buf){ 0 };
		it->width = r->width;
		it->height = r->height;
	}
	deliver_job(p, it, j, false);
	return true;
}

/* ---- browsers ---- */

static struct job *job_for_session(struct slot *sl, const char *sid)
{
	for (size_t i = 0; i < sl->nactive; i++) {
		const char *js = capture_session(sl->active[i]->cap);
		if (js && !strcmp(js, sid))
			return sl->active[i];
	}
	return NULL;
}

static void on_event(void *ud, const char *method, const cJSON *params, const char *sid)
{
	struct slot *sl = ud;
	if (!sid && !strcmp(method, "Target.detachedFromTarget"))
		sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "sessionId"));
	struct job *j = sid ? job_for_session(sl, sid) : NULL;
	if (j)
		capture_on_event(j->cap, method, params);
}

static void on_closed(void *ud, const char *why)
{
	struct slot *sl = ud;
	log_debug("browser %d: connection closed: %s", sl->index, why);
	sl->lost = true;
}

/* The user agent Chrome would send, without the "Headless" that makes
 * many sites treat the visit as a bot. */
static char *browser_user_agent(struct cdp_conn *conn, char **err)
{
	cJSON *r = NULL;
	if (cdp_call(conn, NULL, "Browser.getVersion", NULL, 10000, &r, err) < 0)
		return NULL;
	const char *ua = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "userAgent"));
	char *out = NULL;
	if (ua) {
		const char *h = strstr(ua, "HeadlessChrome");
		if (h)
			out = xasprintf("%.*s%s", (int)(h - ua), ua, h + strlen("Headless"));
		else
			out = xstrdup(ua);
	}
	cJSON_Delete(r);
	if (!out)
		*err = xstrdup("Browser.getVersion: no userAgent");
	return out;
}

static void slot_disconnect(struct slot *sl)
{
	cdp_conn_free(sl->conn);
	sl->conn = NULL;
	if (sl->browser) {
		pool_browsers[sl->index] = NULL;
		browser_free(sl->browser);
		sl->browser = NULL;
	}
	free(sl->user_agent);
	sl->user_agent = NULL;
}

/* Launches (or reaches) the slot's browser and connects. 0 or -1. */
static int slot_connect(struct pool *p, struct slot *sl)
{
	const struct settings *s = p->s;
	char *err = NULL;
	char *ws = NULL;
	sl->lost = false;
	if (sl->remote) {
		ws = browser_resolve_endpoint(sl->remote, 10000, &err);
		if (!ws)
			goto fail;
	} else {
		sl->browser = browser_launch(p->browser_path, &s->browser_args, 30000, &err);
		if (!sl->browser)
			goto fail;
		pool_browsers[sl->index] = sl->browser;
		ws = xstrdup(sl->browser->ws_url);
	}
	sl->conn = cdp_connect(p->loop, ws, on_event, on_closed, sl, &err);
	if (!sl->conn || cdp_wait_open(sl->conn, 10000, &err) < 0) {
		char *e = xasprintf("%s: %s", ws, err);
		free(err);
		err = e;
		goto fail;
	}
	sl->user_agent = browser_user_agent(sl->conn, &err);
	if (!sl->user_agent)
		goto fail;
	sl->copts.user_agent = s->user_agent ? s->user_agent : sl->user_agent;
	sl->served = 0;
	free(ws);
	return 0;
fail:
	log_err("%s", err);
	free(err);
	free(ws);
	slot_disconnect(sl);
	return -1;
}

/* Fails what a lost browser was doing, then starts it again or gives up. */
static void slot_recover(struct pool *p, struct slot *sl)
{
	for (size_t i = 0; i < sl->nactive; i++)
		capture_abort(sl->active[i]->cap, "the browser went away");
	if (sl->nactive)
		return; /* collected first (stitching ones finish by themselves) */
	slot_disconnect(sl);
	if (pool_interrupted)
		return;
	if (sl->remote || sl->relaunches >= MAX_RELAUNCHES) {
		log_err("browser %s is gone; not using it again", sl->remote ? sl->remote : "");
		sl->dead = true;
		return;
	}
	sl->relaunches++;
	log_warn("the browser went away; starting it again (%d of %d)", sl->relaunches,
		 MAX_RELAUNCHES);
	if (slot_connect(p, sl) < 0)
		sl->dead = true;
}

/* ---- scheduling ---- */

static void queue_render(struct pool *p, struct job *j)
{
	j->queued = true;
	p->retry[p->nretry++] = (size_t)(j - p->jobs);
	p->render_left++;
}

static bool next_job(struct pool *p, size_t *out)
{
	if (p->nretry) {
		*out = p->retry[--p->nretry];
	} else {
		while (p->next < p->njobs && !p->jobs[p->next].queued)
			p->next++;
		if (p->next >= p->njobs)
			return false;
		*out = p->next++;
	}
	p->jobs[*out].queued = false;
	p->render_left--;
	return true;
}

/* Is the cached entry young enough for --refresh? */
static bool cache_fresh(struct pool *p, struct job *j)
{
	if (!p->cache || p->s->refresh < 0 || j->entry_bad)
		return false;
	double age = cache_age(p->cache, j->key, p->s->format);
	return age >= 0 && age < (double)p->s->refresh;
}

static void serve_from_cache(struct pool *p, struct job *j)
{
	deliver_job(p, item_for(p, j), j, true);
}

static void on_wait_timer(void *ud)
{
	struct pool *p = ud;
	/* Try the waiting jobs again: the other process may be done. */
	while (p->nwaiting)
		queue_render(p, &p->jobs[p->waiting[--p->nwaiting]]);
}

/* Takes the entry's lock before rendering it. Returns false when the job is
 * not to be started now: served from the cache after all, or waiting for
 * another process that renders the same entry. */
static bool claim_entry(struct pool *p, struct job *j)
{
	if (!p->cache)
		return true;
	int fd = cache_try_lock(p->cache, j->key);
	if (fd == -2) {
		log_debug("%s: another savepage renders it; waiting", j->url);
		p->waiting[p->nwaiting++] = (size_t)(j - p->jobs);
		if (!p->wait_timer.armed)
			cdp_timer_start(p->loop, &p->wait_timer, 250, on_wait_timer, p);
		return false;
	}
	if (fd >= 0 && cache_fresh(p, j)) {
		/* Rendered by someone else while we waited. */
		cache_unlock(fd);
		serve_from_cache(p, j);
		return false;
	}
	j->lock_fd = fd; /* -1: no lock to be had; render anyway */
	return true;
}

static void top_up(struct pool *p)
{
	for (size_t k = 0; k < p->nslots && !pool_interrupted; k++) {
		struct slot *sl = &p->slots[k];
		if (sl->dead || sl->lost || !sl->conn)
			continue;
		/* A browser that has served many pages is replaced when idle. */
		bool recycle = sl->browser && sl->served >= RECYCLE_AFTER;
		if (recycle) {
			if (sl->nactive == 0) {
				log_debug("replacing browser %d after %zu captures", sl->index, sl->served);
				slot_disconnect(sl);
				if (slot_connect(p, sl) < 0) {
					sl->dead = true;
					continue;
				}
			} else {
				continue;
			}
		}
		size_t i;
		while (sl->nactive < p->max_active && next_job(p, &i)) {
			struct job *j = &p->jobs[i];
			if (j->lock_fd < 0 && !claim_entry(p, j))
				continue;
			j->attempts++;
			j->slot = sl;
			log_debug("%s: capturing (attempt %d)", j->url, j->attempts);
			j->cap = capture_start(p->loop, sl->conn, j->url, &sl->copts);
			sl->active[sl->nactive++] = j;
			sl->served++;
		}
	}
}

/* Collects finished captures from every slot. */
static void collect(struct pool *p)
{
	for (size_t k = 0; k < p->nslots; k++) {
		struct slot *sl = &p->slots[k];
		for (size_t i = 0; i < sl->nactive;) {
			struct job *j = sl->active[i];
			if (!capture_is_done(j->cap)) {
				i++;
				continue;
			}
			job_finished(p, j, capture_result(j->cap));
			capture_free(j->cap);
			j->cap = NULL;
			j->slot = NULL;
			sl->active[i] = sl->active[--sl->nactive];
		}
	}
}

static bool all_dead(const struct pool *p)
{
	for (size_t k = 0; k < p->nslots; k++)
		if (!p->slots[k].dead)
			return false;
	return true;
}

static size_t total_active(const struct pool *p)
{
	size_t n = 0;
	for (size_t k = 0; k < p->nslots; k++)
		n += p->slots[k].nactive;
	return n + p->napi;
}

/* ---- the hosted API ---- */

static void api_top_up(struct pool *p)
{
	size_t i;
	while (!pool_interrupted && !p->api_stopped && p->napi < p->max_active &&
	       next_job(p, &i)) {
		struct job *j = &p->jobs[i];
		if (j->lock_fd < 0 && !claim_entry(p, j))
			continue;
		j->attempts++;
		/* A stale cached copy is revalidated: the API answers 304 if its
		 * image is no newer. -r -1 wants a new image whatever the dates. */
		time_t ims = p->cache && !j->entry_bad && p->s->refresh >= 0
				     ? cache_mtime(p->cache, j->key, p->s->format)
				     : 0;
		log_debug("%s: asking the API (attempt %d)", j->url, j->attempts);
		j->req = api_start(p->api, j->url, ims);
		p->api_active[p->napi++] = j;
	}
}

/* Stops sending after an answer that refuses the whole batch. */
static void api_stop(struct pool *p, int code, const char *msg)
{
	p->api_stopped = true;
	p->api_stop_code = code;
	p->api_stop_msg = xasprintf("%d %s", code, msg);
	log_err("the API refuses this batch: %d %s; no more URLs are sent", code, msg);
	for (size_t i = 0; i < p->napi; i++) {
		struct job *j = p->api_active[i];
		api_req_free(j->req);
		j->req = NULL;
		if (j->lock_fd >= 0) {
			cache_unlock(j->lock_fd);
			j->lock_fd = -1;
		}
		deliver_not_sent(p, j);
	}
	p->napi = 0;
	size_t i;
	while (next_job(p, &i))
		deliver_not_sent(p, &p->jobs[i]);
	while (p->nwaiting)
		deliver_not_sent(p, &p->jobs[p->waiting[--p->nwaiting]]);
}

static void api_collect(struct pool *p)
{
	for (size_t i = 0; i < p->napi;) {
		struct job *j = p->api_active[i];
		if (!api_req_done(j->req)) {
			i++;
			continue;
		}
		p->api_active[i] = p->api_active[--p->napi];
		struct capture_result *r = api_req_result(j->req);
		/* The refusal is said once, by api_stop(), not again for this URL. */
		j->quiet = r->fatal;
		if (r->not_modified)
			deliver_revalidated(p, j);
		else if (job_finished(p, j, r) && r->unreachable)
			p->unreachable++;
		bool stop = r->fatal && !p->api_stopped;
		int code = r->code;
		char *msg = stop ? xstrdup(r->message) : NULL;
		api_req_free(j->req);
		j->req = NULL;
		if (stop) {
			api_stop(p, code, msg);
			free(msg);
			return;
		}
	}
}

/* The run's loop with the hosted API instead of browsers. */
static void run_api(struct pool *p)
{
	char *err = NULL;
	p->api = api_new(p->s, &err);
	if (!p->api) {
		log_err("%s", err);
		free(err);
		p->no_browser = true;
		return;
	}
	p->api_active = xcalloc(p->max_active, sizeof *p->api_active);
	int64_t waited = now_ms();
	while (!pool_interrupted && work_left(p)) {
		/* No browser loop runs its timers here: retry the URLs another
		 * savepage is fetching (see claim_entry) every quarter second. */
		if (p->nwaiting && now_ms() - waited >= 250) {
			on_wait_timer(p);
			waited = now_ms();
		}
		api_top_up(p);
		if (!work_left(p))
			break;
		/* Short waits: the writer thread's results are polled here. */
		api_run(p->api, workq_pending(p->io) || p->nwaiting ? 20 : 200);
		api_collect(p);
		workq_poll(p->io);
		progress_update(p->finished, p->failed, false);
	}
	cdp_timer_stop(&p->wait_timer);
}

/* ---- the run ---- */

/* Decides where images go; returns 0 or EXIT_USAGE. */
static int plan_output(struct pool *p, struct sink_opts *so)
{
	const struct settings *s = p->s;
	const char *o = s->output;
	bool several = s->urls.n > 1 || s->inputs.n > 0;
	struct stat st;
	memset(so, 0, sizeof *so);
	so->name_template = s->name;
	so->report_path = s->report;
	if (s->archive) {
		so->kind = SINK_ARCHIVE;
		so->path = s->archive;
		if (!strcmp(s->archive, "-") && isatty(STDOUT_FILENO)) {
			log_err("--archive -: standard output is a terminal; redirect it or name a file");
			return EXIT_USAGE;
		}
	} else if (o && !strcmp(o, "-")) {
		if (several) {
			log_err("-o -: several URLs cannot share standard output; give -o DIR or -a FILE");
			return EXIT_USAGE;
		}
		so->kind = SINK_STDOUT;
	} else if (o && (several || (stat(o, &st) == 0 && S_ISDIR(st.st_mode)))) {
		so->kind = SINK_DIR;
		so->path = o;
	} else if (o) {
		so->kind = SINK_FILE;
		so->path = o;
	} else if (!several && !isatty(STDOUT_FILENO)) {
		so->kind = SINK_STDOUT;
	} else {
		so->kind = SINK_DIR; /* the current directory */
		p->print_names = !several && !s->quiet;
	}
	if (s->report && !strcmp(s->report, "-") && so->kind == SINK_STDOUT) {
		log_err("--report -: standard output already carries the image");
		return EXIT_USAGE;
	}
	return 0;
}

static void pool_free(struct pool *p)
{
	for (size_t k = 0; k < p->nslots; k++) {
		struct slot *sl = &p->slots[k];
		for (size_t i = 0; i < sl->nactive; i++) {
			capture_free(sl->active[i]->cap);
			sl->active[i]->cap = NULL;
		}
		slot_disconnect(sl);
		free(sl->active);
	}
	free(p->slots);
	/* Requests still in flight (an interrupted --api run), while their jobs live. */
	for (size_t i = 0; i < p->napi; i++) {
		api_req_free(p->api_active[i]->req);
		p->api_active[i]->req = NULL;
	}
	for (size_t i = 0; i < p->njobs; i++) {
		free(p->jobs[i].input);
		free(p->jobs[i].url);
	}
	for (size_t i = 0; i < p->njobs; i++)
		cache_unlock(p->jobs[i].lock_fd);
	free(p->jobs);
	free(p->retry);
	free(p->waiting);
	free(p->cache_options);
	free(p->cache_options_shown);
	free(p->page_script);
	free(p->api_active);
	free(p->api_stop_msg);
	api_free(p->api);
	blocklist_free(p->blocklist);
	strlist_free(&p->blocklist_paths);
	strlist_free(&p->nocookie_hosts);
	free(p->browser_path);
}

/* --noads: the lists parsed (or their compiled copy read) once per run,
 * when the first page must be rendered; a fully cached run never pays. */
static int load_blocklist(struct pool *p)
{
	int64_t t0 = now_ms();
	char *err = NULL;
	p->blocklist = blocklist_load(&p->blocklist_paths, p->cache ? cache_dir(p->cache) : NULL,
				      &err);
	if (!p->blocklist) {
		log_err("--noads: %s", err);
		free(err);
		return -1;
	}
	for (size_t i = 0; i < p->nocookie_hosts.n; i++)
		blocklist_add_host(p->blocklist, p->nocookie_hosts.v[i]);
	log_info("--noads: %zu hosts and %zu hiding rules from %zu lists in %lld ms",
		 blocklist_host_count(p->blocklist), blocklist_selector_count(p->blocklist),
		 p->blocklist_paths.n, (long long)(now_ms() - t0));
	return 0;
}

/* Starts (or reaches) the browsers, the first time something must be
 * rendered. Returns the number usable. */
static size_t start_browsers(struct pool *p)
{
	const struct settings *s = p->s;
	p->browsers_started = true;
	p->nslots = s->browser_urls.n ? s->browser_urls.n : 1;
	if (p->nslots > MAX_SLOTS)
		p->nslots = MAX_SLOTS;
	p->slots = xcalloc(p->nslots, sizeof *p->slots);
	if (!s->browser_urls.n) {
		p->browser_path = browser_find(s->browser);
		if (!p->browser_path) {
			if (s->browser)
				log_err("%s: browser not found or not executable", s->browser);
			else
				log_err("no Chrome or Chromium found on PATH (tried "
					"chromium-headless-shell, chromium, google-chrome, ...); "
					"install one or give --browser PATH");
		}
	}
	if (s->noads && load_blocklist(p) < 0)
		return 0;
	size_t usable = 0;
	for (size_t k = 0; k < p->nslots; k++) {
		struct slot *sl = &p->slots[k];
		sl->index = (int)k;
		sl->remote = s->browser_urls.n ? s->browser_urls.v[k] : NULL;
		sl->active = xcalloc(p->max_active, sizeof *sl->active);
		sl->copts = (struct capture_opts){
			.width = s->width,
			.height = s->height,
			.fullpage = s->fullpage,
			.delay_ms = (int)(s->delay * 1000 + 0.5),
			.format = s->format,
			.quality = s->quality,
			.accept_language = s->accept_language,
			.cookie = s->cookie,
			.timeout_ms = (int)(s->timeout * 1000 + 0.5),
			.thumb_width = s->thumb_width,
			.page_script = p->page_script,
			.blocklist = p->blocklist,
			.blocked_hosts = &p->nocookie_hosts,
			.cpu = p->cpu,
		};
		if ((sl->remote || p->browser_path) && !pool_interrupted && slot_connect(p, sl) == 0)
			usable++;
		else
			sl->dead = true;
	}
	return usable;
}

/* The options that change the pixels, for cache keys; shown hides secrets. */
static void build_cache_options(struct pool *p)
{
	const struct settings *s = p->s;
	struct buf k = { 0 }, shown = { 0 };
	char q[16] = "";
	if (s->format == IMAGE_JPEG)
		snprintf(q, sizeof q, " q=%d", s->quality);
	buf_appendf(&k, "w=%d h=%d full=%d thumb=%d delay=%.3f format=%s%s%s", s->width,
		    s->height, s->fullpage, s->thumb_width, s->delay, image_format_name(s->format), q,
		    s->nocookie ? " nocookie" : "");
	if (s->noads)
		buf_appendf(&k, " noads=%.16s", s->api ? "api" : p->blocklist_id);
	if (s->api) {
		/* The API renders its own way: its images are kept apart. */
		char e[65];
		sha256_hex(s->api_url, strlen(s->api_url), e);
		buf_appendf(&k, " via=api:%.16s", e);
	}
	buf_append(&shown, k.data, k.len);
	if (s->user_agent) {
		buf_appendf(&k, " ua=%s", s->user_agent);
		buf_appendf(&shown, " ua=%s", s->user_agent);
	}
	if (s->accept_language) {
		buf_appendf(&k, " lang=%s", s->accept_language);
		buf_appendf(&shown, " lang=%s", s->accept_language);
	}
	if (s->cookie) {
		char h[65];
		sha256_hex(s->cookie, strlen(s->cookie), h);
		buf_appendf(&k, " cookie=%s", s->cookie);
		buf_appendf(&shown, " cookie=sha256:%.12s", h);
	}
	p->cache_options = (char *)k.data;
	p->cache_options_shown = (char *)shown.data;
}

static bool work_left(struct pool *p)
{
	return total_active(p) || p->render_left || p->nwaiting || workq_pending(p->io) ||
	       workq_pending(p->cpu);
}

int pool_run(const struct settings *s)
{
	struct pool p;
	memset(&p, 0, sizeof p);
	p.s = s;
	int status = EXIT_ALL_OK;
	struct sink_opts so;

	if (pool_read_input(&p) < 0) {
		status = EXIT_USAGE;
		goto out;
	}
	if (p.njobs == 0) {
		log_err("no URL to capture");
		status = EXIT_USAGE;
		goto out;
	}
	status = plan_output(&p, &so);
	if (status)
		goto out;
	char *err = NULL;
	p.sink = sink_open(&so, &err);
	if (!p.sink) {
		log_err("%s", err);
		free(err);
		status = EXIT_USAGE;
		goto out;
	}
	if (s->nocookie && !s->api) {
		char *rules = clean_data_path("nocookie.rules");
		p.page_script = clean_nocookie_script(rules, &p.nocookie_hosts, &err);
		free(rules);
		if (!p.page_script) {
			log_err("--nocookie: %s", err);
			free(err);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (s->noads && !s->api) { /* the API blocks ads its own way */
		blocklist_default_paths(&s->blocklists, &p.blocklist_paths);
		if (blocklist_sources_id(&p.blocklist_paths, p.blocklist_id, &err) < 0) {
			log_err("--noads: %s", err);
			free(err);
			status = EXIT_USAGE;
			goto out;
		}
	}
	p.retry = xcalloc(p.njobs, sizeof *p.retry);
	p.waiting = xcalloc(p.njobs, sizeof *p.waiting);
	/* The API's accounts have their own worker counts, which this machine
	 * says nothing about: one request at a time unless -j says more. */
	p.max_active = s->jobs ? (size_t)s->jobs : s->api ? 1 : default_jobs();
	build_cache_options(&p);

	p.loop = cdp_loop_new();
	if (!p.loop) {
		log_err("cannot create the event loop");
		status = EXIT_NO_BROWSER;
		goto out;
	}
	pool_loop = p.loop;
	cdp_loop_set_stop_flag(p.loop, &pool_interrupted);
	p.io = workq_new(1, p.loop);
	p.cpu = workq_new(1, p.loop);

	if (!s->no_cache) {
		char *dir = cache_default_dir(s->cache_dir);
		p.cache = cache_open(dir, &err);
		if (!p.cache) {
			log_warn("the cache cannot be used (%s); rendering without it", err);
			free(err);
			err = NULL;
		}
		free(dir);
	}

	if (s->progress == 1 ||
	    (s->progress == -1 && p.njobs > 1 && !s->quiet && isatty(STDERR_FILENO)))
		progress_start(p.njobs);

	/* Invalid URLs are results too (reports and manifests list them); fresh
	 * cache entries are served without a browser; the rest wait for one. */
	for (size_t i = 0; i < p.njobs; i++) {
		struct job *j = &p.jobs[i];
		if (!j->url) {
			char *m = xasprintf("Invalid or blank URL sent (%s)", j->why_invalid);
			deliver_failure(&p, j, CAPTURE_E_URL, m);
			free(m);
			continue;
		}
		if (p.cache)
			cache_key(j->url, p.cache_options, j->key);
		if (cache_fresh(&p, j)) {
			serve_from_cache(&p, j);
		} else {
			j->queued = true;
			p.render_left++;
		}
	}

	if (s->api)
		run_api(&p);
	while (!s->api && !p.no_browser && !pool_interrupted && work_left(&p)) {
		if (!p.browsers_started && (p.render_left || p.nwaiting) && !start_browsers(&p)) {
			p.no_browser = true;
			break;
		}
		bool recovering = false;
		for (size_t k = 0; k < p.nslots; k++) {
			if (p.slots[k].lost && !p.slots[k].dead) {
				slot_recover(&p, &p.slots[k]);
				recovering = true;
			}
		}
		if (p.browsers_started && all_dead(&p)) {
			p.no_browser = true;
			break;
		}
		top_up(&p);
		if (!work_left(&p))
			break;
		if (recovering)
			cdp_loop_wake(p.loop); /* nothing may stir on a closed connection */
		cdp_loop_run_once(p.loop);
		workq_poll(p.cpu);
		collect(&p);
		workq_poll(p.io);
		progress_update(p.finished, p.failed, false);
	}
	cdp_timer_stop(&p.wait_timer);

	if (pool_interrupted) {
		/* Abandon what is in flight; keep what is finished. */
		workq_drain(p.cpu);
		collect(&p);
	} else if (p.no_browser) {
		/* Whatever is left cannot be captured. */
		for (size_t k = 0; k < p.nslots; k++)
			for (size_t i = 0; i < p.slots[k].nactive; i++)
				capture_abort(p.slots[k].active[i]->cap, "no browser left to use");
		workq_drain(p.cpu);
		collect(&p);
		on_wait_timer(&p);
		size_t i;
		while (next_job(&p, &i))
			deliver_failure(&p, &p.jobs[i], CAPTURE_E_RENDER, "no browser could be used");
	}
	workq_drain(p.io);
	progress_update(p.finished, p.failed, true);
	progress_end();
	if (p.from_cache)
		log_info("%zu of %zu from the cache (%s)", p.from_cache, p.njobs, cache_dir(p.cache));

	err = NULL;
	if (sink_close(p.sink, &err) < 0) {
		log_err("%s", err);
		free(err);
		if (status == EXIT_ALL_OK)
			status = EXIT_SOME_FAILED;
	}
	p.sink = NULL;
	if (pool_interrupted) {
		log_err("interrupted (%s): %zu of %zu URLs finished", strsignal(pool_interrupted),
			p.finished, p.njobs);
		status = EXIT_INTERRUPTED;
	} else if (p.no_browser && p.ok == 0) {
		status = EXIT_NO_BROWSER;
	} else if (s->api && p.ok == 0 && p.failed &&
		   (p.api_stopped || p.unreachable == p.failed)) {
		status = EXIT_NO_BROWSER; /* the API could not be used at all */
	} else if (p.failed) {
		status = EXIT_SOME_FAILED;
	}

out:
	pool_free(&p);
	workq_free(p.io);
	workq_free(p.cpu);
	pool_loop = NULL;
	cdp_loop_free(p.loop);
	if (p.sink) {
		char *e = NULL;
		if (sink_close(p.sink, &e) < 0)
			free(e);
	}
	cache_close(p.cache);
	return status;
}
