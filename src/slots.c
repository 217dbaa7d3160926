#include "config.h"

#include "slots.h"

#include <stdlib.h>
#include <string.h>

#include "browser.h"
#include "log.h"
#include "proxy.h"
#include "workq.h"

#define MAX_SLOTS 64
#define RECYCLE_AFTER 1000
#define MAX_RELAUNCHES 5
/* How long a launched browser may take to say where its endpoint is. */
#define LAUNCH_TIMEOUT_MS 30000
/* How long connecting and Browser.getVersion may take. */
#define CONNECT_TIMEOUT_MS 10000

enum slot_state {
	SL_LAUNCHING,  /* the browser runs; its endpoint is not known yet */
	SL_CONNECTING, /* websocket and Browser.getVersion under way */
	SL_READY,
	SL_LOST,       /* the connection closed: captures failing, then again */
	SL_DEAD,
};

struct slot {
	struct slots *s;
	int index;
	const char *remote;       /* --browser-url as given; NULL: launched */
	enum slot_state state;
	struct browser *browser;  /* a launched browser */
	struct loop_fd *output;   /* its standard error, read for the endpoint */
	struct loop_timer *launch_timer;
	struct cdp_conn *conn;
	char *endpoint;           /* the DevTools address connected to */
	char *failure;            /* set by a callback: the slot is dead, say why */
	bool lost;                /* set by a callback: the connection closed */
	char *user_agent;         /* the browser's own, without "Headless" */
	struct capture_env env;
	struct job **active;
	size_t nactive;
	size_t served;            /* captures started on this browser */
	struct capture_shared *shared; /* --shared-session: its context, kept tabs */
	char *spare_tab;          /* a launched browser's first tab, not yet used */
	bool targets_listed;      /* Target.getTargets answered (or failed) */
	int relaunches;
};

struct slots {
	struct slots_config c;
	char *browser_path;
	struct workq *cpu;        /* stitching and thumbnails, off the loop */
	struct slot *v;
	size_t n;
};

/* ---- callbacks: they only record what happened; slots_tick() acts ---- */

static void slot_failed(struct slot *sl, char *why)
{
	if (!sl->failure)
		sl->failure = why;
	else
		free(why);
}

static void on_output(void *ud, int fd, bool readable, bool writable)
{
	struct slot *sl = ud;
	(void)fd;
	(void)readable;
	(void)writable;
	char *err = NULL;
	int rc = browser_read_output(sl->browser, &err);
	if (rc < 0)
		slot_failed(sl, err);
	else if (rc > 0 && sl->state == SL_LAUNCHING)
		loop_timer_stop(sl->launch_timer);
	if (sl->browser->output < 0) {
		loop_fd_free(sl->output);
		sl->output = NULL;
	}
}

static void on_launch_timeout(void *ud)
{
	struct slot *sl = ud;
	slot_failed(sl, xasprintf("%s did not open its DevTools endpoint within %d s",
				  sl->browser->path, LAUNCH_TIMEOUT_MS / 1000));
}

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
	else if (sid && sl->shared) /* a kept tab's */
		capture_shared_idle_event(sl->shared, sl->conn, sid, method, params);
}

static void on_closed(void *ud, const char *why)
{
	struct slot *sl = ud;
	log_debug("browser %d: connection closed: %s", sl->index, why);
	sl->lost = true;
}

/* A browser savepage launched has a fresh profile, so its default browser
 * context is as isolated as a new one, and its first tab (about:blank, its
 * renderer started with the browser) is ready: a run's one URL (or a shared
 * session) uses them, sparing a context, a tab and a renderer start. Not
 * when a proxy is set: the default context has the launch's
 * (--no-proxy-server), and a context's own proxy is given when it is made. */
static bool slot_default_context(const struct slot *sl)
{
	if (sl->remote)
		return false;
	/* A profile or a proxy of the user's own (--browser-arg) is not fresh. */
	const struct strlist *a = sl->s->c.browser_args;
	for (size_t i = 0; a && i < a->n; i++)
		if (!strncmp(a->v[i], "--user-data-dir", 15) || !strncmp(a->v[i], "--proxy", 7))
			return false;
	char *rules = proxy_chrome_rules(&sl->s->c.env.r->proxy);
	bool direct = !strcmp(rules, "direct://");
	free(rules);
	return direct;
}

/* Whether the browser's first tab is wanted: by a shared session, or by
 * the one URL of a run (for more, it would save one context of many, and
 * what the page left in the default context, a popup say, would stay for
 * the browser's life). */
static bool slot_first_tab(const struct slot *sl)
{
	return (sl->s->c.shared_session || sl->s->c.first_tab) && slot_default_context(sl);
}

static void slot_ready(struct slot *sl, const char *context_id)
{
	if (sl->s->c.shared_session) {
		if (sl->relaunches)
			log_warn("browser %d: a new shared session: the cookies and storage of "
				 "the last one went with its browser", sl->index);
		sl->shared = capture_shared_new(context_id, sl->s->c.per_slot);
		sl->env.shared = sl->shared;
		if (sl->spare_tab) { /* kept as a tab not yet set up */
			sl->shared->idle[sl->shared->nidle++].target_id = sl->spare_tab;
			sl->spare_tab = NULL;
		}
	}
	sl->state = SL_READY;
}

/* --shared-session: the run's browser context in this browser. */
static void on_shared_context(void *ud, const cJSON *result, const char *error)
{
	struct slot *sl = ud;
	const char *id = error ? NULL
			       : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
					 result, "browserContextId"));
	if (!id && cdp_conn_is_closed(sl->conn)) {
		sl->lost = true; /* the browser went away: launched again */
		return;
	}
	if (!id) {
		slot_failed(sl, xasprintf("%s: cannot create the shared session's browser "
					  "context: %s",
					  sl->endpoint, error ? error : "no id"));
		return;
	}
	slot_ready(sl, id);
}

/* Once the browser is known: its shared context made when it needs one. */
static void slot_connected(struct slot *sl)
{
	if (sl->s->c.shared_session && !slot_default_context(sl))
		cdp_send(sl->conn, NULL, "Target.createBrowserContext",
			 capture_context_params(sl->s->c.env.r), CONNECT_TIMEOUT_MS,
			 on_shared_context, sl);
	else
		slot_ready(sl, NULL);
}

static void on_targets(void *ud, const cJSON *result, const char *error)
{
	struct slot *sl = ud;
	const cJSON *infos = error ? NULL : cJSON_GetObjectItemCaseSensitive(result, "targetInfos");
	const cJSON *t;
	cJSON_ArrayForEach(t, infos) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "type"));
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "url"));
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "targetId"));
		if (type && !strcmp(type, "page") && url && !strcmp(url, "about:blank") && id) {
			free(sl->spare_tab);
			sl->spare_tab = xstrdup(id);
			break;
		}
	}
	sl->targets_listed = true;
	if (sl->state == SL_CONNECTING && sl->user_agent)
		slot_connected(sl);
}

/* The user agent Chrome would send, without the "Headless" that makes
 * many sites treat the visit as a bot. */
static void on_version(void *ud, const cJSON *result, const char *error)
{
	struct slot *sl = ud;
	const char *ua =
		error ? NULL
		      : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "userAgent"));
	if (!ua) {
		const char *closed = cdp_conn_close_reason(sl->conn);
		slot_failed(sl, closed ? xasprintf("%s: %s", sl->endpoint, closed)
				       : xasprintf("%s: Browser.getVersion: %s", sl->endpoint,
						   error ? error : "no userAgent"));
		return;
	}
	const char *h = strstr(ua, "HeadlessChrome");
	free(sl->user_agent);
	sl->user_agent = h ? xasprintf("%.*s%s", (int)(h - ua), ua, h + strlen("Headless"))
			   : xstrdup(ua);
	sl->env.user_agent = sl->s->c.env.user_agent ? sl->s->c.env.user_agent : sl->user_agent;
	sl->served = 0;
	if (!slot_first_tab(sl) || sl->targets_listed)
		slot_connected(sl); /* else once its targets are listed */
}

/* ---- acting on the states ---- */

static void slot_disconnect(struct slot *sl)
{
	capture_shared_free(sl->shared, sl->conn);
	sl->shared = NULL;
	sl->env.shared = NULL;
	free(sl->spare_tab);
	sl->spare_tab = NULL;
	sl->targets_listed = false;
	cdp_conn_free(sl->conn);
	sl->conn = NULL;
	free(sl->endpoint);
	sl->endpoint = NULL;
	loop_fd_free(sl->output);
	sl->output = NULL;
	loop_timer_stop(sl->launch_timer);
	browser_free(sl->browser);
	sl->browser = NULL;
	free(sl->user_agent);
	sl->user_agent = NULL;
	sl->lost = false;
}

static void slot_connect(struct slot *sl, const char *ws)
{
	char *err = NULL;
	sl->conn = cdp_connect(sl->s->c.loop, ws, on_event, on_closed, sl, &err);
	if (!sl->conn) {
		slot_failed(sl, err);
		return;
	}
	free(sl->endpoint);
	sl->endpoint = xstrdup(ws);
	sl->state = SL_CONNECTING;
	/* Sent at once, answered once the websocket is open, failed if it never is. */
	cdp_send(sl->conn, NULL, "Browser.getVersion", NULL, CONNECT_TIMEOUT_MS, on_version, sl);
	if (slot_first_tab(sl))
		cdp_send(sl->conn, NULL, "Target.getTargets", NULL, CONNECT_TIMEOUT_MS, on_targets,
			 sl);
}

/* Launches (or reaches) the slot's browser; the loop takes it from there. */
static void slot_start(struct slot *sl)
{
	struct slots *s = sl->s;
	char *err = NULL;
	if (sl->remote) {
		/* An http:// address is asked for its endpoint (a short request to a
		 * browser that runs already); a ws:// one is the endpoint. */
		char *ws = browser_resolve_endpoint(sl->remote, CONNECT_TIMEOUT_MS, &err);
		if (ws)
			slot_connect(sl, ws);
		else
			slot_failed(sl, err);
		free(ws);
		return;
	}
	sl->browser = browser_spawn(s->browser_path, s->c.browser_args, &err);
	if (!sl->browser) {
		slot_failed(sl, err);
		return;
	}
	sl->state = SL_LAUNCHING;
	sl->output = loop_fd_watch(s->c.loop, sl->browser->output, true, false, on_output, sl);
	if (!sl->output) {
		slot_failed(sl, xstrdup("cannot watch the browser's output"));
		return;
	}
	loop_timer_start(sl->launch_timer, LAUNCH_TIMEOUT_MS);
}

static void slot_abort_captures(struct slot *sl, const char *why)
{
	for (size_t i = 0; i < sl->nactive; i++)
		capture_abort(sl->active[i]->cap, why);
}

static void slot_advance(struct slot *sl)
{
	if (sl->failure) {
		log_err("%s", sl->failure);
		free(sl->failure);
		sl->failure = NULL;
		sl->state = SL_DEAD;
		slot_abort_captures(sl, "the browser went away");
	}
	switch (sl->state) {
	case SL_LAUNCHING:
		if (sl->browser && sl->browser->ws_url)
			slot_connect(sl, sl->browser->ws_url);
		break;
	case SL_CONNECTING:
	case SL_READY:
		if (sl->lost) {
			sl->state = SL_LOST;
			slot_abort_captures(sl, "the browser went away");
		} else if (sl->state == SL_READY && sl->browser && !sl->shared &&
			   sl->served >= RECYCLE_AFTER && !sl->nactive) {
			log_debug("replacing browser %d after %zu captures", sl->index, sl->served);
			slot_disconnect(sl);
			slot_start(sl);
		}
		break;
	case SL_LOST:
		if (sl->nactive)
			break; /* collected first (stitching ones finish by themselves) */
		slot_disconnect(sl);
		if (sl->remote || sl->relaunches >= MAX_RELAUNCHES) {
			log_err("browser %s is gone; not using it again", sl->remote ? sl->remote : "");
			sl->state = SL_DEAD;
			break;
		}
		sl->relaunches++;
		log_warn("the browser went away; starting it again (%d of %d)", sl->relaunches,
			 MAX_RELAUNCHES);
		slot_start(sl);
		break;
	case SL_DEAD:
		if (!sl->nactive)
			slot_disconnect(sl); /* once its captures are collected */
		break;
	}
}

static void slot_top_up(struct slot *sl)
{
	struct slots *s = sl->s;
	if (sl->state != SL_READY || sl->lost || sl->failure ||
	    (sl->browser && !sl->shared && sl->served >= RECYCLE_AFTER))
		return;
	struct job *j;
	while (sl->nactive < s->c.per_slot && (j = s->c.hooks.next(s->c.hooks.ud))) {
		j->attempts++;
		log_debug("%s: capturing (attempt %d)", j->url, j->attempts);
		const struct capture_env *env = &sl->env;
		if (j->env) {
			/* A render of its own: this browser's parts, no shared tabs. */
			const struct render *r = j->env->r;
			j->env->user_agent = r->user_agent ? r->user_agent : sl->user_agent;
			j->env->cpu = sl->env.cpu;
			j->env->hide_webdriver = sl->env.hide_webdriver;
			j->env->shared = NULL;
			j->env->spare_tab = NULL;
			env = j->env;
		}
		j->cap = capture_start(s->c.loop, sl->conn, j->url, env);
		sl->active[sl->nactive++] = j;
		sl->served++;
	}
}

static void collect(struct slots *s)
{
	for (size_t k = 0; k < s->n; k++) {
		struct slot *sl = &s->v[k];
		for (size_t i = 0; i < sl->nactive;) {
			struct job *j = sl->active[i];
			if (!capture_is_done(j->cap)) {
				i++;
				continue;
			}
			sl->active[i] = sl->active[--sl->nactive];
			struct capture *cap = j->cap;
			j->cap = NULL;
			/* A browser that captures well again has its relaunches
			 * forgiven: the limit is on losses in a row (a server runs
			 * for months). */
			if (capture_result(cap)->code == 0)
				sl->relaunches = 0;
			s->c.hooks.finished(s->c.hooks.ud, j, capture_result(cap));
			capture_free(cap);
		}
	}
}

void slots_tick(struct slots *s)
{
	workq_poll(s->cpu);
	collect(s);
	for (size_t k = 0; k < s->n; k++)
		slot_advance(&s->v[k]);
	/* Captures failed just now (a lost browser) are done at once. */
	collect(s);
	for (size_t k = 0; k < s->n; k++) {
		/* A failure recorded during this tick (a relaunch that could not
		 * start) is acted on next turn: no event of its own will come. */
		if (s->v[k].failure)
			loop_wake(s->c.loop);
		slot_top_up(&s->v[k]);
	}
}

static void wake_loop(void *ud)
{
	loop_wake(ud);
}

struct slots *slots_new(const struct slots_config *c)
{
	char *path = NULL;
	if (!c->browser_urls->n) {
		path = browser_find(c->browser);
		if (!path) {
			if (c->browser)
				log_err("%s: browser not found or not executable", c->browser);
			else
				log_err("no Chrome or Chromium found on PATH (tried "
					"chromium-headless-shell, chromium, google-chrome, ...); "
					"install one or give --browser PATH");
			return NULL;
		}
	}
	struct slots *s = xcalloc(1, sizeof *s);
	s->c = *c;
	s->browser_path = path;
	s->cpu = workq_new(1, wake_loop, c->loop);
	s->n = c->browser_urls->n ? c->browser_urls->n : 1;
	if (s->n > MAX_SLOTS)
		s->n = MAX_SLOTS;
	s->v = xcalloc(s->n, sizeof *s->v);
	for (size_t k = 0; k < s->n; k++) {
		struct slot *sl = &s->v[k];
		sl->s = s;
		sl->index = (int)k;
		sl->remote = c->browser_urls->n ? c->browser_urls->v[k] : NULL;
		sl->active = xcalloc(c->per_slot, sizeof *sl->active);
		sl->launch_timer = loop_timer_new(c->loop, on_launch_timeout, sl);
		sl->env = c->env;
		sl->env.cpu = s->cpu;
		/* A launched browser gets browser_default_flags; another is told per tab. */
		sl->env.hide_webdriver = sl->remote != NULL;
		sl->env.spare_tab = &sl->spare_tab;
		slot_start(sl);
	}
	return s;
}

size_t slots_active(const struct slots *s)
{
	size_t n = 0;
	for (size_t k = 0; s && k < s->n; k++)
		n += s->v[k].nactive;
	return n;
}

bool slots_dead(const struct slots *s)
{
	for (size_t k = 0; k < s->n; k++)
		if (s->v[k].state != SL_DEAD || s->v[k].nactive)
			return false;
	return true;
}

void slots_abort(struct slots *s, const char *why)
{
	for (size_t k = 0; k < s->n; k++)
		slot_abort_captures(&s->v[k], why);
}

void slots_settle(struct slots *s)
{
	workq_drain(s->cpu);
	collect(s);
}

void slots_free(struct slots *s)
{
	if (!s)
		return;
	workq_drain(s->cpu); /* no stitching left that points to a capture */
	for (size_t k = 0; k < s->n; k++) {
		struct slot *sl = &s->v[k];
		for (size_t i = 0; i < sl->nactive; i++) {
			capture_free(sl->active[i]->cap);
			sl->active[i]->cap = NULL;
		}
		slot_disconnect(sl);
		loop_timer_free(sl->launch_timer);
		free(sl->failure);
		free(sl->active);
	}
	free(s->v);
	workq_free(s->cpu);
	free(s->browser_path);
	free(s);
}
