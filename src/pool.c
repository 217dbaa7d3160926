#include "config.h"

#include "pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "browser.h"
#include "capture.h"
#include "cdp.h"
#include "log.h"
#include "sink.h"
#include "urls.h"
#include "util.h"

static volatile sig_atomic_t pool_interrupted;
static struct cdp_loop *volatile pool_loop;
static struct browser *volatile pool_browser;

static void on_signal(int sig)
{
	if (pool_interrupted) {
		/* Second signal: no more patience. */
		browser_kill_now(pool_browser);
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

/* Where the images of this run go. */
enum out_kind { OUT_STDOUT, OUT_FILE, OUT_DIR };

struct job {
	char *input;   /* as the user gave it */
	char *url;     /* normalised; NULL if invalid */
	struct capture *cap;
	bool done;
	bool ok;
};

struct pool {
	const struct settings *s;
	struct capture_opts copts;
	char *default_ua;
	char *options_key;
	enum out_kind out;
	const char *out_path;
	struct job *jobs;
	size_t njobs;
	size_t next;    /* next job to start */
	size_t active;
	size_t max_active;
	size_t failed;
	struct cdp_loop *loop;
	struct cdp_conn *conn;
	struct browser *browser;
	char *conn_lost;
};

static void report_failure(struct job *j, int code, const char *msg)
{
	log_err("%s: %d %s", j->input, code, msg);
}

/* Saves a finished capture; returns true if the URL counts as captured. */
static bool deliver(struct pool *p, struct job *j, struct capture_result *r)
{
	const struct settings *s = p->s;
	if (r->code) {
		report_failure(j, r->code, r->message);
		return false;
	}
	if (r->http_status >= 400) {
		if (s->fail_on_http_error) {
			char *m = xasprintf("the page answered HTTP %d (--fail-on-http-error)",
					    r->http_status);
			report_failure(j, r->http_status, m);
			free(m);
			return false;
		}
		log_warn("%s: the page answered HTTP %d; captured anyway", j->input,
			 r->http_status);
	}
	char *err = NULL;
	int rc;
	char *path = NULL;
	if (p->out == OUT_STDOUT) {
		rc = sink_write_stdout(r->image.data, r->image.len, &err);
	} else {
		if (p->out == OUT_FILE) {
			path = xstrdup(p->out_path);
		} else {
			char *name = sink_default_name(j->url, p->options_key, p->copts.format);
			path = p->out_path ? xasprintf("%s/%s", p->out_path, name) : xstrdup(name);
			free(name);
		}
		rc = sink_write_file(path, r->image.data, r->image.len, &err);
	}
	if (rc < 0) {
		report_failure(j, CAPTURE_E_RENDER, err);
		free(err);
		free(path);
		return false;
	}
	log_info("%s: %dx%d %s, %zu bytes, %.2f s%s%s", j->url, r->width, r->height,
		 image_format_name(p->copts.format), r->image.len, r->seconds, path ? " -> " : "",
		 path ? path : "");
	if (path && p->out == OUT_DIR && s->urls.n == 1 && !s->quiet)
		fprintf(stderr, "%s\n", path);
	free(path);
	return true;
}

static void on_capture_done(struct capture *cap, void *ud)
{
	struct job *j = ud;
	(void)cap;
	j->done = true;
}

static struct job *job_for_session(struct pool *p, const char *sid)
{
	for (size_t i = 0; i < p->njobs; i++) {
		struct job *j = &p->jobs[i];
		if (j->cap && !j->done) {
			const char *js = capture_session(j->cap);
			if (js && !strcmp(js, sid))
				return j;
		}
	}
	return NULL;
}

static void on_event(void *ud, const char *method, const cJSON *params, const char *sid)
{
	struct pool *p = ud;
	if (sid) {
		struct job *j = job_for_session(p, sid);
		if (j)
			capture_on_event(j->cap, method, params);
	} else if (!strcmp(method, "Target.detachedFromTarget")) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(params, "sessionId");
		struct job *j = cJSON_IsString(s) ? job_for_session(p, s->valuestring) : NULL;
		if (j)
			capture_on_event(j->cap, method, params);
	}
}

static void on_closed(void *ud, const char *why)
{
	struct pool *p = ud;
	free(p->conn_lost);
	p->conn_lost = xstrdup(why);
}

/* The user agent Chrome would send, without the "Headless" that makes
 * many sites treat the visit as a bot. */
static char *browser_user_agent(struct cdp_conn *conn, char **err)
{
	cJSON *r = NULL;
	if (cdp_call(conn, NULL, "Browser.getVersion", NULL, 10000, &r, err) < 0)
		return NULL;
	const cJSON *ua = cJSON_GetObjectItemCaseSensitive(r, "userAgent");
	char *out = NULL;
	if (cJSON_IsString(ua)) {
		const char *h = strstr(ua->valuestring, "HeadlessChrome");
		if (h)
			out = xasprintf("%.*s%s", (int)(h - ua->valuestring), ua->valuestring,
					h + strlen("Headless"));
		else
			out = xstrdup(ua->valuestring);
	}
	cJSON_Delete(r);
	if (!out)
		*err = xstrdup("Browser.getVersion: no userAgent");
	return out;
}

/* Launches the browser and connects; returns 0 or an exit status. */
static int pool_start_browser(struct pool *p)
{
	const struct settings *s = p->s;
	char *path = browser_find(s->browser);
	if (!path) {
		if (s->browser)
			log_err("%s: browser not found or not executable", s->browser);
		else
			log_err("no Chrome or Chromium found on PATH (tried chromium-headless-shell, "
				"chromium, google-chrome, ...); install one or give --browser PATH");
		return EXIT_NO_BROWSER;
	}
	char *err = NULL;
	p->browser = browser_launch(path, &s->browser_args, 30000, &err);
	free(path);
	pool_browser = p->browser;
	if (!p->browser) {
		log_err("%s", err);
		free(err);
		return pool_interrupted ? EXIT_INTERRUPTED : EXIT_NO_BROWSER;
	}
	p->conn = cdp_connect(p->loop, p->browser->ws_url, on_event, on_closed, p, &err);
	if (!p->conn || cdp_wait_open(p->conn, 10000, &err) < 0) {
		log_err("%s: %s", p->browser->ws_url, err);
		free(err);
		return pool_interrupted ? EXIT_INTERRUPTED : EXIT_NO_BROWSER;
	}
	p->default_ua = browser_user_agent(p->conn, &err);
	if (!p->default_ua) {
		log_err("%s", err);
		free(err);
		return pool_interrupted ? EXIT_INTERRUPTED : EXIT_NO_BROWSER;
	}
	return 0;
}

/* Decides where images go; returns 0 or EXIT_USAGE. */
static int pool_plan_output(struct pool *p, size_t nvalid)
{
	const struct settings *s = p->s;
	const char *o = s->output;
	struct stat st;
	if (o && !strcmp(o, "-")) {
		if (s->urls.n > 1) {
			log_err("-o -: several URLs cannot share standard output; give -o DIR");
			return EXIT_USAGE;
		}
		p->out = OUT_STDOUT;
	} else if (o && (s->urls.n > 1 || (stat(o, &st) == 0 && S_ISDIR(st.st_mode)))) {
		if (mkdir(o, 0777) < 0 && errno != EEXIST) {
			log_err("%s: %s", o, strerror(errno));
			return EXIT_USAGE;
		}
		if (stat(o, &st) < 0 || !S_ISDIR(st.st_mode)) {
			log_err("%s: not a directory (several URLs need -o DIR)", o);
			return EXIT_USAGE;
		}
		p->out = OUT_DIR;
		p->out_path = o;
	} else if (o) {
		p->out = OUT_FILE;
		p->out_path = o;
	} else if (s->urls.n == 1 && !isatty(STDOUT_FILENO)) {
		p->out = OUT_STDOUT;
	} else {
		p->out = OUT_DIR; /* the current directory */
		p->out_path = NULL;
	}
	(void)nvalid;
	return 0;
}

static void pool_start_next(struct pool *p)
{
	while (p->active < p->max_active && p->next < p->njobs && !pool_interrupted) {
		struct job *j = &p->jobs[p->next++];
		if (!j->url)
			continue;
		log_info("%s: capturing", j->url);
		j->cap = capture_start(p->loop, p->conn, j->url, &p->copts, on_capture_done, j);
		p->active++;
	}
}

int pool_run(const struct settings *s)
{
	struct pool p;
	memset(&p, 0, sizeof p);
	p.s = s;
	p.max_active = 1;
	p.njobs = s->urls.n;
	p.jobs = xcalloc(p.njobs, sizeof *p.jobs);
	int status = EXIT_ALL_OK;

	size_t nvalid = 0;
	for (size_t i = 0; i < p.njobs; i++) {
		struct job *j = &p.jobs[i];
		j->input = s->urls.v[i];
		const char *why = NULL;
		j->url = url_normalise(j->input, &why);
		if (!j->url) {
			char *m = xasprintf("Invalid or blank URL sent (%s)", why);
			report_failure(j, CAPTURE_E_URL, m);
			free(m);
			j->done = true;
			p.failed++;
		} else {
			nvalid++;
		}
	}
	if (nvalid == 0) {
		status = EXIT_SOME_FAILED;
		goto out;
	}
	status = pool_plan_output(&p, nvalid);
	if (status)
		goto out;

	p.loop = cdp_loop_new();
	if (!p.loop) {
		log_err("cannot create the event loop");
		status = EXIT_NO_BROWSER;
		goto out;
	}
	pool_loop = p.loop;
	cdp_loop_set_stop_flag(p.loop, &pool_interrupted);
	status = pool_start_browser(&p);
	if (status)
		goto out;

	p.copts = (struct capture_opts){
		.width = s->width,
		.height = s->height,
		.fullpage = s->fullpage,
		.delay_ms = (int)(s->delay * 1000 + 0.5),
		.format = s->format,
		.quality = s->quality,
		.user_agent = s->user_agent ? s->user_agent : p.default_ua,
		.accept_language = s->accept_language,
		.cookie = s->cookie,
		.timeout_ms = (int)(s->timeout * 1000 + 0.5),
	};
	p.options_key = xasprintf("%d %d %d %d %s %d %s %s %s", s->width, s->height, s->fullpage,
				  p.copts.delay_ms, image_format_name(s->format), s->quality,
				  s->user_agent ? s->user_agent : "", s->accept_language ? s->accept_language : "",
				  s->cookie ? s->cookie : "");

	pool_start_next(&p);
	while (p.active > 0) {
		cdp_loop_run_once(p.loop);
		for (size_t i = 0; i < p.njobs; i++) {
			struct job *j = &p.jobs[i];
			if (!j->cap || !j->done)
				continue;
			j->ok = deliver(&p, j, capture_result(j->cap));
			if (!j->ok)
				p.failed++;
			capture_free(j->cap);
			j->cap = NULL;
			p.active--;
		}
		if (pool_interrupted)
			break;
		pool_start_next(&p);
	}
	if (pool_interrupted) {
		log_err("interrupted (%s); %zu of %zu captured", strsignal(pool_interrupted),
			(size_t)(p.next - p.active - p.failed), p.njobs);
		status = EXIT_INTERRUPTED;
	} else if (p.failed) {
		status = EXIT_SOME_FAILED;
	}

out:
	for (size_t i = 0; i < p.njobs; i++) {
		capture_free(p.jobs[i].cap);
		free(p.jobs[i].url);
	}
	free(p.jobs);
	cdp_conn_free(p.conn);
	pool_browser = NULL;
	browser_free(p.browser);
	pool_loop = NULL;
	cdp_loop_free(p.loop);
	free(p.default_ua);
	free(p.options_key);
	free(p.conn_lost);
	return status;
}
