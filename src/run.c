#include "config.h"

#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apibatch.h"
#include "browser.h"
#include "cache.h"
#include "deliver.h"
#include "jobs.h"
#include "log.h"
#include "loop.h"
#include "pagetools.h"
#include "progress.h"
#include "sink.h"
#include "slots.h"

/* Default workers (tabs per browser): three per core, from 2 to 16. On the
 * 2-core reference machine pages per second rise from -j 2 to -j 6, where
 * Chrome has both cores busy, and stay flat beyond (bench/README.md has the
 * figures); the spare tabs keep the cores busy while pages wait on the
 * network. */
/* Tabs per browser, 2 to 16: three per core when each URL has its own
 * context (a tab spends part of its time waiting for a new renderer); one
 * and a half with a shared session, whose tabs go on from page to page and
 * keep the cores busy with fewer (more only cost CPU per page: measured in
 * bench/README.md). */
size_t run_default_jobs(bool shared)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	n = n < 1 ? 1 : n;
	long j = shared ? (3 * n + 1) / 2 : 3 * n;
	return (size_t)(j < 2 ? 2 : j > 16 ? 16 : j);
}

/* How often URLs whose cache entry another savepage renders are tried again. */
#define WAIT_RETRY_MS 250

static volatile sig_atomic_t run_interrupted;
static struct loop *volatile run_loop;

static void on_signal(int sig)
{
	if (run_interrupted) {
		browser_kill_all_now();
		atomic_abort_all();
		_exit(EXIT_INTERRUPTED);
	}
	run_interrupted = sig;
	loop_wake(run_loop);
}

void run_install_signal_handlers(void)
{
	signals_install(on_signal);
}

struct run {
	struct settings *s;
	struct render *render;       /* &s->render */
	struct jobs jobs;
	struct loop *loop;
	struct cache *cache;         /* NULL: none */
	struct deliver *deliver;
	char *key_text, *key_shown;  /* the render's cache-key text */
	char *options_json;          /* what reports say images were made with */
	struct pagetools tools;      /* what --nocookie and --noads need */
	/* the renderer, started when the first URL needs it */
	struct slots *slots;
	struct apibatch *apib;
	bool started;
	bool no_renderer;            /* none could be used, or none is left */
	struct loop_timer *wait_timer;
	size_t unreachable;          /* --api: failures to reach it at all */
};

/* ---- preparing ---- */

/* Decides where images go. 0, or EXIT_USAGE after saying why. */
static int plan_output(const struct settings *s, struct sink_opts *so, bool *print_names)
{
	const char *o = s->output;
	bool several = s->urls.n > 1 || s->inputs.n > 0;
	struct stat st;
	memset(so, 0, sizeof *so);
	so->name_template = s->name;
	so->report_path = s->report;
	*print_names = false;
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
		*print_names = !several && !s->quiet;
	}
	if (s->render.mhtml && so->kind == SINK_STDOUT) {
		log_err("--mhtml: the image goes to standard output and the record would have "
			"nowhere to go; give -o FILE, -o DIR or -a FILE");
		return EXIT_USAGE;
	}
	if (s->report && !strcmp(s->report, "-") && so->kind == SINK_STDOUT) {
		log_err("--report -: standard output already carries the image");
		return EXIT_USAGE;
	}
	return 0;
}

/* What renders the images, for the cache key: the --noads lists read, or
 * the hosted API (whose images are kept apart). Reads the --nocookie rules.
 * 0, or EXIT_USAGE after saying why. */
static int prepare_renderer(struct run *r)
{
	struct render *rd = r->render;
	char *err = NULL;
	if (r->s->api) {
		char digest[65];
		sha256_hex(r->s->api_url, strlen(r->s->api_url), digest);
		rd->via = xasprintf("api:%.16s", digest);
		return 0; /* the API cleans pages its own way */
	}
	if (rd->nocookie) {
		if (pagetools_nocookie(&r->tools, &err) < 0) {
			log_err("--nocookie: %s", err);
			free(err);
			return EXIT_USAGE;
		}
		rd->rules = xstrdup(r->tools.rules_id);
	}
	if (rd->noads) {
		if (pagetools_noads(&r->tools, &rd->blocklists, &err) < 0) {
			log_err("--noads: %s", err);
			free(err);
			return EXIT_USAGE;
		}
		rd->lists = xstrdup(r->tools.lists_id);
	}
	return 0;
}

/* From the writer thread: a delivery is ready to finish. */
static void on_delivered(void *ud)
{
	struct run *r = ud;
	loop_wake(r->loop);
}

static void on_cache_miss(void *ud, struct job *j)
{
	struct run *r = ud;
	jobs_push(&r->jobs, j);
}

static void on_wait_timer(void *ud)
{
	struct run *r = ud;
	/* Try the waiting jobs again: the other process may be done. */
	jobs_wake_waiting(&r->jobs);
}

/* Input, outputs, the cache, the loop. 0, or the exit status. */
static int run_prepare(struct run *r)
{
	const struct settings *s = r->s;
	struct sink_opts so;
	bool print_names;
	char *err = NULL;
	if (jobs_read(&r->jobs, &s->urls, &s->inputs) < 0)
		return EXIT_USAGE;
	if (r->jobs.n == 0) {
		log_err("no URL to capture");
		return EXIT_USAGE;
	}
	int status = plan_output(s, &so, &print_names);
	if (!status)
		status = prepare_renderer(r);
	if (status)
		return status;
	struct sink *sink = sink_open(&so, &err);
	if (!sink) {
		log_err("%s", err);
		free(err);
		return EXIT_USAGE;
	}
	r->loop = loop_new();
	if (!r->loop) {
		log_err("cannot create the event loop");
		char *e = NULL;
		if (sink_close(sink, &e) < 0)
			free(e);
		return EXIT_NO_BROWSER;
	}
	run_loop = r->loop;
	r->wait_timer = loop_timer_new(r->loop, on_wait_timer, r);
	if (!s->no_cache) {
		char *dir = cache_default_dir(s->cache_dir);
		r->cache = cache_open(dir, &err);
		if (!r->cache) {
			log_warn("the cache cannot be used (%s); rendering without it", err);
			free(err);
		}
		free(dir);
	}
	render_key_text(r->render, &r->key_text, &r->key_shown);
	r->options_json = render_options_json(r->render);
	r->deliver = deliver_new(&(struct deliver_config){
		.sink = sink,
		.cache = r->cache,
		.render = r->render,
		.key_text = r->key_text,
		.key_shown = r->key_shown,
		.options_json = r->options_json,
		.print_names = print_names,
		.wake = on_delivered,
		.miss = on_cache_miss,
		.ud = r,
	});
	if (s->progress == 1 ||
	    (s->progress == -1 && r->jobs.n > 1 && !s->quiet && isatty(STDERR_FILENO)))
		progress_start(r->jobs.n);
	return EXIT_ALL_OK;
}

/* ---- the cache ---- */

/* Is the cached entry young enough for --refresh? */
static bool cache_fresh(const struct run *r, const struct job *j)
{
	if (!r->cache || r->render->refresh < 0 || j->entry_bad)
		return false;
	double age = cache_age(r->cache, j->key, r->render->format);
	return age >= 0 && age < (double)r->render->refresh;
}

/* Takes the entry's lock before rendering it. false when the job is not to
 * be started now: served from the cache after all, or waiting for another
 * process that renders the same entry. */
static bool claim_entry(struct run *r, struct job *j)
{
	if (!r->cache || j->lock_fd >= 0)
		return true;
	int fd = cache_try_lock(r->cache, j->key);
	if (fd == -2) {
		log_debug("%s: another savepage renders it; waiting", j->url);
		jobs_wait(&r->jobs, j);
		if (!loop_timer_armed(r->wait_timer))
			loop_timer_start(r->wait_timer, WAIT_RETRY_MS);
		return false;
	}
	if (fd >= 0 && cache_fresh(r, j)) {
		/* Rendered by someone else while we waited. */
		cache_unlock(fd);
		deliver_cached(r->deliver, j, false);
		return false;
	}
	j->lock_fd = fd; /* -1: no lock to be had; render anyway */
	return true;
}

/* Invalid URLs are results too (reports and manifests list them); fresh
 * cache entries are served without a browser; the rest wait for one. */
static void run_triage(struct run *r)
{
	for (size_t i = 0; i < r->jobs.n; i++) {
		struct job *j = &r->jobs.v[i];
		if (!j->url) {
			char *m = xasprintf("Invalid or blank URL sent (%s)", j->why_invalid);
			deliver_failure(r->deliver, j, RENDER_E_URL, m, false);
			free(m);
			continue;
		}
		if (r->cache)
			cache_key(j->url, r->key_text, j->key);
		if (cache_fresh(r, j))
			deliver_cached(r->deliver, j, false);
		else
			jobs_push(&r->jobs, j);
	}
}

/* ---- what the renderers ask of the run ---- */

static struct job *next_job(void *ud)
{
	struct run *r = ud;
	struct job *j;
	while (!run_interrupted && (j = jobs_pop(&r->jobs))) {
		if (!claim_entry(r, j))
			continue;
		/* --api revalidates a stale copy: it answers 304 if its image is no
		 * newer. -r -1 wants a new image whatever the dates. */
		j->cached_at = r->s->api && r->cache && !j->entry_bad && r->render->refresh >= 0
				       ? cache_mtime(r->cache, j->key, r->render->format)
				       : 0;
		return j;
	}
	return NULL;
}

static void job_finished(void *ud, struct job *j, struct render_result *res)
{
	struct run *r = ud;
	if (res->not_modified && !j->entry_bad) {
		deliver_cached(r->deliver, j, true);
		return;
	}
	/* A retry keeps the entry's lock; the delivery releases it. */
	if (res->code && res->transient && j->attempts <= r->s->retries && !run_interrupted) {
		log_info("%s: %s; trying again", j->url, res->message);
		jobs_push(&r->jobs, j);
		return;
	}
	/* A refusal of the whole batch is said once, by apibatch, not per URL. */
	j->quiet = res->fatal;
	deliver_result(r->deliver, j, res);
	if (res->unreachable)
		r->unreachable++;
}

static void job_refused(void *ud, struct job *j)
{
	struct run *r = ud;
	int code = 0;
	const char *why = apibatch_refusal(r->apib, &code);
	char *m = xasprintf("not sent: the API refused the batch (%s)", why);
	deliver_failure(r->deliver, j, code, m, true);
	free(m);
}

/* ---- rendering ---- */

/* --noads: the lists parsed (or their compiled copy read) once per run,
 * when the first page must be rendered; a fully cached run never pays. */
static int load_blocklist(struct run *r)
{
	char *err = NULL;
	if (!pagetools_blocklist(&r->tools, r->render->nocookie,
				 r->cache ? cache_dir(r->cache) : NULL, &err)) {
		log_err("--noads: %s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* Starts the browsers or the API client. 0, or -1 when none can be used. */
static int start_renderer(struct run *r)
{
	const struct settings *s = r->s;
	r->started = true;
	/* The API's accounts have their own worker counts, which this machine
	 * says nothing about: one request at a time unless -j says more. */
	size_t workers = s->jobs   ? (size_t)s->jobs
			 : s->api  ? 1
				   : run_default_jobs(r->render->shared_session);
	if (s->api) {
		struct api_config cfg = { s->api_url, s->key,     s->secret,
					  s->hash,    s->api_get, s->api_insecure };
		r->apib = apibatch_new(r->loop, &cfg, r->render, workers,
				       (struct apibatch_hooks){ next_job, job_finished, job_refused, r });
		return r->apib ? 0 : -1;
	}
	if (r->render->noads && load_blocklist(r) < 0)
		return -1;
	struct capture_env env = { .r = r->render,
				   .user_agent = r->render->user_agent,
				   .page_facts = s->report || s->archive };
	pagetools_env(&r->tools, r->render, &env);
	r->slots = slots_new(&(struct slots_config){
		.loop = r->loop,
		.browser = s->browser,
		.browser_args = &s->browser_args,
		.browser_urls = &s->browser_urls,
		.per_slot = workers,
		.shared_session = r->render->shared_session,
		.first_tab = r->jobs.queued + r->jobs.nwaiting == 1,
		.env = env,
		.hooks = { next_job, job_finished, r },
	});
	return r->slots ? 0 : -1;
}

static bool work_left(const struct run *r)
{
	return slots_active(r->slots) || apibatch_active(r->apib) || r->jobs.queued ||
	       r->jobs.nwaiting || deliver_pending(r->deliver);
}

/* One turn: what the loop changed is acted on, new work is started. false
 * when no renderer is left. */
static bool run_tick(struct run *r)
{
	if (r->slots) {
		slots_tick(r->slots);
		return !slots_dead(r->slots);
	}
	if (r->apib) {
		apibatch_tick(r->apib);
		if (apibatch_refusal(r->apib, NULL)) {
			/* Nothing more is sent: the rest are reported as not sent. */
			struct job *j;
			jobs_wake_waiting(&r->jobs);
			while ((j = jobs_pop(&r->jobs)))
				job_refused(r, j);
		}
	}
	return true;
}

/* The event loop, until every URL has its outcome. */
static void run_render(struct run *r)
{
	while (!run_interrupted && work_left(r)) {
		if (!r->started && (r->jobs.queued || r->jobs.nwaiting) && start_renderer(r) < 0)
			break;
		if (!run_tick(r))
			break;
		if (!work_left(r))
			return;
		loop_run_once(r->loop);
		deliver_poll(r->deliver);
		struct deliver_counts n = deliver_counts(r->deliver);
		progress_update(n.finished, n.failed, false);
	}
	r->no_renderer = !run_interrupted && work_left(r);
}

/* After an interrupt, what is finished is kept; with no renderer left,
 * what is left fails. */
static void run_wind_up(struct run *r)
{
	loop_timer_stop(r->wait_timer);
	if (run_interrupted) {
		if (r->slots)
			slots_settle(r->slots);
	} else if (r->no_renderer) {
		if (r->slots) {
			slots_abort(r->slots, "no browser left to use");
			slots_settle(r->slots);
		}
		/* Cached copies that prove unusable now come back to the queue. */
		deliver_drain(r->deliver);
		jobs_wake_waiting(&r->jobs);
		struct job *j;
		while ((j = jobs_pop(&r->jobs)))
			deliver_failure(r->deliver, j, RENDER_E_RENDER, "no browser could be used", false);
	}
	deliver_drain(r->deliver);
}

/* Closes the outputs; the exit status. */
static int run_close(struct run *r)
{
	struct deliver_counts n = deliver_counts(r->deliver);
	int status = EXIT_ALL_OK;
	progress_update(n.finished, n.failed, true);
	progress_end();
	if (n.from_cache)
		log_info("%zu of %zu from the cache (%s)", n.from_cache, r->jobs.n,
			 cache_dir(r->cache));
	char *err = NULL;
	if (deliver_close(r->deliver, &err) < 0) {
		log_err("%s", err);
		free(err);
		status = EXIT_SOME_FAILED;
	}
	r->deliver = NULL;
	if (run_interrupted) {
		log_err("interrupted (%s): %zu of %zu URLs finished", strsignal(run_interrupted),
			n.finished, r->jobs.n);
		status = EXIT_INTERRUPTED;
	} else if (r->no_renderer && n.ok == 0) {
		status = EXIT_NO_BROWSER;
	} else if (r->s->api && n.ok == 0 && n.failed &&
		   (apibatch_refusal(r->apib, NULL) || r->unreachable == n.failed)) {
		status = EXIT_NO_BROWSER; /* the API could not be used at all */
	} else if (n.failed) {
		status = EXIT_SOME_FAILED;
	}
	return status;
}

static void run_free(struct run *r)
{
	slots_free(r->slots);
	apibatch_free(r->apib);
	if (r->deliver) {
		char *e = NULL;
		if (deliver_close(r->deliver, &e) < 0)
			free(e);
	}
	jobs_free(&r->jobs);
	loop_timer_free(r->wait_timer);
	run_loop = NULL;
	loop_free(r->loop);
	cache_close(r->cache);
	pagetools_free(&r->tools);
	free(r->key_text);
	free(r->options_json);
	free(r->key_shown);
}

int run_main(struct settings *s)
{
	struct run r = { .s = s, .render = &s->render };
	int status = run_prepare(&r);
	if (status == EXIT_ALL_OK) {
		run_triage(&r);
		run_render(&r);
		run_wind_up(&r);
		status = run_close(&r);
	}
	run_free(&r);
	return status;
}
