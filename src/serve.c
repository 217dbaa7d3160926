#include "config.h"

#include "serve.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api.h"
#include "browser.h"
#include "cache.h"
#include "guard.h"
#include "httpd.h"
#include "capture.h"
#include "jobs.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "pagetools.h"
#include "quota.h"
#include "run.h"
#include "slots.h"
#include "urls.h"
#include "util.h"

/* Limits of what a request may carry. lws itself bounds the request line
 * and headers (its header pool) and times out a client that is slow to
 * send them (loop_listen). */
#define BODY_MAX (64 * 1024) /* a POST's form */
#define PARAM_MAX 8192       /* one parameter's value */
#define PARAMS_MAX 64        /* parameters in one request */
/* The API's cache lives up to a month: without refresh, an entry younger
 * than that is the answer. */
#define MONTH 2629746
/* A stop waits this long past the last render for answers to be flushed. */
#define STOP_GRACE_MS 10000
/* The month's counts are written at most this often (and at the stop). */
#define USAGE_SAVE_MS 5000

struct account {
	char *key, *secret; /* secret NULL: no hash asked for */
	int workers, busy;
	struct rate per_minute; /* n 0: no limit (482) */
	struct bucket bucket;
	long monthly;           /* images a month; 0: no limit (483) */
	struct cidr *allow;     /* the client addresses it may be used from (472) */
	size_t nallow;
};

struct keys {
	struct account *v;
	size_t n;
};

struct serve;

/* One request of the API, from its arrival to its answer. */
struct req {
	struct serve *sv;
	struct req *next;     /* sv->reqs */
	struct httpd_req *q;  /* NULL once the client is gone */
	int64_t started;
	struct addr client;   /* the client's address (--real-ip-from) */
	bool client_known;    /* false: a proxy did not say whose request */
	char client_text[80];
	bool charged;         /* its per_minute token is taken */
	char *url_asked;      /* q, for the access log */
	/* the render */
	struct settings set;
	struct capture_env env;
	struct job job;
	struct account *acct;
	int lane;             /* the guard's lane it renders through; -1 */
	unsigned long refusals; /* the lane's refusals when it started */
	bool rendering;
	bool finishing;       /* its capture is still being freed: the answer
				 does not free it (serve_run does) */
	char *key_shown;
};

struct serve {
	struct loop *loop;
	struct httpd *httpd;
	struct slots *slots;
	struct cache *cache;
	struct settings defaults; /* the server's own: browser, cache */
	struct pagetools tools;   /* nocookie and noads, prepared at the start */
	char *nocookie_err, *noads_err; /* why they cannot be served; NULL */
	struct guard *guard;      /* where pages may connect; NULL: anywhere
				     (--allow-private) */
	bool *lane_busy;          /* the guard's lanes, one per worker */
	char *keys_path;
	struct keys keys;         /* none: open (loopback only) */
	struct account open;
	int workers, busy;
	struct peers *per_ip;     /* --per-ip: a rate per client address (474) */
	struct cidr *real_ip_from; /* --real-ip-from: proxies whose
				      X-Forwarded-For names the client */
	size_t nreal_ip_from;
	struct usage *usage;      /* images a month by key (monthly=) */
	char *usage_path;
	int64_t usage_saved;
	bool usage_warned;
	bool browserless;         /* stopped: no browser could be started */
	struct req *reqs;         /* the requests being rendered */
	struct req *finished;     /* answered from job_finished: freed after
				     the tick that finished them */
	struct req **queue;       /* requests waiting for a tab (at most workers) */
	size_t nqueue;
};

static volatile sig_atomic_t serve_stop, serve_reload;
static struct loop *volatile serve_loop;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		serve_reload = 1;
	} else {
		if (serve_stop) {
			browser_kill_all_now();
			_exit(EXIT_INTERRUPTED);
		}
		serve_stop = 1;
	}
	loop_wake(serve_loop);
}

/* ---- the keys file ---- */

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].key);
		free(k->v[i].secret);
		free(k->v[i].allow);
	}
	free(k->v);
	*k = (struct keys){ 0 };
}

/* "KEY SECRET [workers=N] [per_minute=N] [monthly=N] [allow=CIDR,...]" a
 * line, '#' comments; SECRET "-" for none. 0, or -1 after saying which line
 * is wrong. */
static int keys_load(const char *path, int max_workers, struct keys *out)
{
	struct buf b = { 0 };
	if (read_file(path, &b) < 0) {
		log_err("--keys: %s: %s", path, strerror(errno));
		return -1;
	}
	struct keys k = { 0 };
	int lineno = 0, rc = 0;
	char *text = xstrndup(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	char *save = NULL;
	for (char *line = text; rc == 0 && line; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *f[8];
		int nf = 0;
		for (char *t = strtok(line, " \t\r"); t; t = strtok(NULL, " \t\r"))
			f[nf < 8 ? nf++ : 7] = t;
		if (nf == 0)
			continue;
		const char *why = NULL, *bad = NULL;
		struct account acct = { .workers = max_workers };
		if (nf < 2)
			why = "needs KEY SECRET (a SECRET of - asks for no hash)";
		for (int i = 2; !why && i < nf; i++) {
			char *eq = strchr(f[i], '='), *v = eq ? eq + 1 : NULL, *end;
			long n = v ? strtol(v, &end, 10) : 0;
			bool whole = v && end != v && !*end && n >= 1;
			if (!strncmp(f[i], "workers=", 8)) {
				if (!whole || n > 1000)
					why = "workers= is not a whole number from 1 to 1000";
				else
					acct.workers = (int)n;
			} else if (!strncmp(f[i], "per_minute=", 11)) {
				if (!whole || n > 1000000)
					why = "per_minute= is not a whole number from 1 to 1000000";
				else
					acct.per_minute = (struct rate){ (double)n, 60 };
			} else if (!strncmp(f[i], "monthly=", 8)) {
				if (!whole || n > 1000000000L)
					why = "monthly= is not a whole number from 1 to 1000000000";
				else
					acct.monthly = n;
			} else if (!strncmp(f[i], "allow=", 6)) {
				if (!cidr_list_parse(v, &acct.allow, &acct.nallow, &bad))
					why = "allow= is not a list of addresses or ranges "
					      "(192.0.2.0/24,2001:db8::/32)";
			} else {
				why = "only workers=, per_minute=, monthly= and allow= may follow "
				      "KEY SECRET";
			}
		}
		for (size_t i = 0; !why && i < k.n; i++)
			if (!strcmp(k.v[i].key, f[0]))
				why = "the key is given twice";
		if (why) {
			log_err("--keys: %s: line %d: %s", path, lineno, why);
			free(acct.allow);
			rc = -1;
			break;
		}
		acct.key = xstrdup(f[0]);
		acct.secret = strcmp(f[1], "-") ? xstrdup(f[1]) : NULL;
		k.v = xrealloc(k.v, (k.n + 1) * sizeof *k.v);
		k.v[k.n++] = acct;
	}
	free(text);
	if (rc == 0 && k.n == 0) {
		log_err("--keys: %s: no key in it", path);
		rc = -1;
	}
	if (rc < 0) {
		keys_free(&k);
		return -1;
	}
	*out = k;
	return 0;
}

/* SIGHUP: the keys read again; renders in flight keep their account's
 * count (moved to the new entry of the same key). A file that no longer
 * reads keeps the old keys. */
static void keys_reload(struct serve *sv)
{
	struct keys k;
	if (!sv->keys_path || keys_load(sv->keys_path, sv->workers, &k) < 0) {
		if (sv->keys_path)
			log_warn("--keys: %s: not read again; the keys stay as they were",
				 sv->keys_path);
		return;
	}
	/* A key's rate goes on where it was. */
	for (size_t i = 0; i < k.n; i++)
		for (size_t j = 0; j < sv->keys.n; j++)
			if (!strcmp(k.v[i].key, sv->keys.v[j].key))
				k.v[i].bucket = sv->keys.v[j].bucket;
	for (struct req *r = sv->reqs; r; r = r->next) {
		if (!r->rendering || r->acct == &sv->open)
			continue;
		struct account *now = NULL;
		for (size_t i = 0; !now && i < k.n; i++)
			if (!strcmp(k.v[i].key, r->acct->key))
				now = &k.v[i];
		r->acct = now ? now : &sv->open; /* a key taken away: counted in all */
		r->acct->busy++;
	}
	keys_free(&sv->keys);
	sv->keys = k;
	log_info("--keys: %s: %zu key(s)", sv->keys_path, k.n);
}

/* ---- answers ---- */

static void req_free(struct req *r)
{
	struct serve *sv = r->sv;
	for (struct req **pp = &sv->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r->url_asked);
	free(r->key_shown);
	free(r->job.url);
	if (r->job.lock_fd >= 0)
		cache_unlock(r->job.lock_fd);
	settings_free(&r->set);
	free(r);
}

/* A line on standard error per request: no key, hash or cookie. */
static void access_log(const struct req *r, int code, size_t bytes)
{
	if (log_get_level() < LOG_NORMAL || !r->q)
		return;
	char *path = str_quote(httpd_path(r->q), 60);
	char *url = r->url_asked ? str_quote(r->url_asked, 200) : NULL;
	fprintf(stderr, "%s \"%s %s\" %d %zu %.3f%s%s\n", r->client_text, httpd_method(r->q),
		path, code, bytes, (double)(now_ms() - r->started) / 1000.0, url ? " " : "",
		url ? url : "");
	free(path);
	free(url);
}

/* The answer, and the request is done: r is freed. code is what the log
 * says (the API's error code where there is one). */
static void req_answer(struct req *r, int status, int code, const char *ctype,
		       const struct strlist *headers, const void *body, size_t len)
{
	if (r->q) {
		access_log(r, code, status == 304 ? 0 : len);
		httpd_answer(r->q, status, ctype, headers, body, len);
		r->q = NULL;
	}
	if (!r->finishing)
		req_free(r);
}

/* The contract's error form: HTTP 422, {"error":"<message>"}; the HTTP
 * errors of the protocol (404, 405, 413, 415) in the same form. */
static void req_error(struct req *r, int code, const char *message)
{
	struct buf b = { 0 };
	buf_puts(&b, "{\"error\":");
	buf_append_json_str(&b, message ? message : api_error_message(code));
	buf_puts(&b, "}");
	req_answer(r, code < 460 ? code : 422, code, "application/json", NULL, b.data, b.len);
	buf_free(&b);
}

static void http_date(time_t t, char out[40])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* An image: 304 when the client's copy is as new. */
static void req_image(struct req *r, const struct buf *img, time_t rendered_at)
{
	const struct render *rd = &r->set.render;
	struct strlist h = { 0 };
	char date[40];
	http_date(rendered_at, date);
	char *v = xasprintf("Last-Modified: %s", date);
	strlist_add(&h, v);
	free(v);
	v = xasprintf("Cache-Control: public, max-age=%ld", rd->maxage >= 0 ? rd->maxage : MONTH);
	strlist_add(&h, v);
	free(v);
	if (!r->charged && r->acct && r->acct->per_minute.n) {
		bucket_take(&r->acct->bucket, &r->acct->per_minute, now_ms());
		r->charged = true;
	}
	const char *ims = r->q ? httpd_header(r->q, "if-modified-since") : NULL;
	time_t since = ims ? curl_getdate(ims, NULL) : -1;
	if (since >= 0 && rendered_at <= since) {
		req_answer(r, 304, 304, NULL, &h, NULL, 0);
	} else {
		/* An image the key's month counts (a 304 sends none, nor does
		 * an answer whose client has gone). */
		if (r->sv->usage && r->q && r->acct && r->acct != &r->sv->open)
			usage_add(r->sv->usage, r->acct->key, time(NULL));
		req_answer(r, 200, 200, image_format_mime(rd->format), &h, img->data, img->len);
	}
	strlist_free(&h);
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* %xx and '+' decoded in place. */
static void form_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && hexval((unsigned char)s[1]) >= 0 &&
			   hexval((unsigned char)s[2]) >= 0) {
			*o++ = (char)(hexval((unsigned char)s[1]) * 16 + hexval((unsigned char)s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool same_secret(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
	return d == 0;
}

static void start_render(struct req *r, char *url);

/* nocookie and noads: what they need, and their part of the cache key.
 * false when answered (they cannot be served here). */
static bool prepare_tools(struct req *r)
{
	struct serve *sv = r->sv;
	struct render *rd = &r->set.render;
	const char *no = rd->nocookie && sv->nocookie_err ? "nocookie"
			 : rd->noads && sv->noads_err     ? "noads"
							  : NULL;
	char *err = NULL;
	if (!no && rd->noads &&
	    !pagetools_blocklist(&sv->tools, rd->nocookie,
				 sv->cache ? cache_dir(sv->cache) : NULL, &err)) {
		sv->noads_err = err;
		no = "noads";
	}
	if (no) {
		char *m = xasprintf("%s cannot be served here: %s", no,
				    !strcmp(no, "noads") ? sv->noads_err : sv->nocookie_err);
		log_warn("%s", m);
		req_error(r, 422, m);
		free(m);
		return false;
	}
	if (rd->nocookie)
		rd->rules = xstrdup(sv->tools.rules_id);
	if (rd->noads)
		rd->lists = xstrdup(sv->tools.lists_id);
	return true;
}

/* The account of key; NULL when there is none (a key is required, even
 * where any is taken). */
static struct account *find_account(struct serve *sv, const char *key)
{
	if (!key || !*key)
		return NULL;
	if (!sv->keys.n)
		return &sv->open;
	struct account *acct = NULL;
	for (size_t i = 0; i < sv->keys.n; i++) /* each compared, all the way */
		if (same_secret(sv->keys.v[i].key, key))
			acct = &sv->keys.v[i];
	return acct;
}

/* Answers r from the cache when it holds an image young enough for its
 * refresh (or 491 when that image cannot be read); false when it must be
 * rendered. */
static bool answer_cached(struct req *r)
{
	struct cache *c = r->sv->cache;
	const struct render *rd = &r->set.render;
	if (!c || rd->refresh < 0)
		return false;
	double age = cache_age(c, r->job.key, rd->format);
	if (age < 0 || age >= (double)rd->refresh)
		return false;
	struct buf img = { 0 };
	struct cache_meta meta = { 0 };
	if (cache_read(c, r->job.key, rd->format, &img, &meta) == 0) {
		req_image(r, &img, meta.rendered_at);
	} else {
		/* The contract's answer: the client asks again with
		 * refresh=-1, which renders it anew. */
		log_warn("%s: the cached image cannot be read", r->url_asked);
		req_error(r, 491, NULL);
	}
	buf_free(&img);
	free(meta.page_json);
	buf_free(&meta.mhtml);
	return true;
}

/* The request's parameters (name=value, decoded), answered or rendered. */
static void serve_api(struct req *r, struct strlist *params)
{
	struct serve *sv = r->sv;
	const char *key = NULL, *q = NULL, *hash = NULL;
	char *why = NULL;
	if (params->n > PARAMS_MAX) {
		req_error(r, 422, "too many parameters");
		return;
	}
	for (size_t i = 0; i < params->n; i++) {
		char *name = params->v[i], *eq = strchr(name, '=');
		const char *value = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		if (strlen(value) > PARAM_MAX) {
			why = xasprintf("%s: longer than %d bytes", name, PARAM_MAX);
		} else if (!strcmp(name, "key")) {
			key = value;
		} else if (!strcmp(name, "q")) {
			q = value;
		} else if (!strcmp(name, "hash")) {
			hash = value;
		} else if (render_api_field(name) && (render_api_field(name)->flags & RF_POST_ONLY) &&
			   strcmp(httpd_method(r->q), "POST")) {
			why = xasprintf("%s may only be sent in a POST body", name);
		} else {
			why = options_api_param(&r->set, name, value);
		}
		if (why)
			break;
	}
	if (q)
		r->url_asked = xstrdup(q);
	if (why) {
		req_error(r, 422, why);
		free(why);
		return;
	}
	struct account *acct = find_account(sv, key);
	if (!acct) {
		req_error(r, 461, NULL);
		return;
	}
	bool allowed = !acct->nallow;
	for (size_t i = 0; !allowed && r->client_known && i < acct->nallow; i++)
		allowed = cidr_has(&acct->allow[i], &r->client);
	if (!allowed) {
		req_error(r, 472, NULL);
		return;
	}
	const char *bad = NULL;
	char *url = q && *q ? url_normalise(q, &bad) : NULL;
	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
		free(url);
		req_error(r, 462, NULL);
		return;
	}
	if (acct->secret) {
		char want[33];
		api_hash(q, acct->secret, want);
		if (!hash || !same_secret(want, hash)) {
			free(url);
			req_error(r, 471, NULL);
			return;
		}
	}
	/* The plan's limits: images a month (those rendering count, so
	 * that renders at once cannot pass it), requests a minute (a token
	 * taken only by a request that is answered with an image or
	 * rendered: a 481 or 491 costs none). */
	if (acct->monthly && sv->usage &&
	    usage_get(sv->usage, acct->key, time(NULL)) + acct->busy >= acct->monthly) {
		free(url);
		req_error(r, 483, NULL);
		return;
	}
	if (acct->per_minute.n && !bucket_has(&acct->bucket, &acct->per_minute, now_ms())) {
		free(url);
		req_error(r, 482, NULL);
		return;
	}
	r->acct = acct;
	struct render *rd = &r->set.render;
	if (!rd->refresh_given)
		rd->refresh = MONTH;
	if (!prepare_tools(r)) {
		free(url);
		return;
	}
	if (sv->guard) {
		/* Its images are kept apart in the cache: one the command line
		 * (or an --allow-private server) made may show what a page
		 * fetched from this machine's network, and must not be served
		 * here. */
		rd->via = xstrdup("guarded");
	}
	char *key_text = NULL;
	render_key_text(rd, &key_text, &r->key_shown);
	if (sv->cache)
		cache_key(url, key_text, r->job.key);
	free(key_text);
	if (answer_cached(r)) {
		free(url);
		return;
	}
	if (acct->busy >= acct->workers || sv->busy >= sv->workers || serve_stop ||
	    sv->browserless) {
		free(url);
		req_error(r, 481, NULL);
		return;
	}
	start_render(r, url);
}

/* Queues r's render of url (taken). */
static void start_render(struct req *r, char *url)
{
	struct serve *sv = r->sv;
	if (r->acct->per_minute.n) {
		bucket_take(&r->acct->bucket, &r->acct->per_minute, now_ms());
		r->charged = true;
	}
	r->rendering = true;
	r->acct->busy++;
	sv->busy++;
	r->job.url = url;
	r->job.input = url;
	r->job.lock_fd = sv->cache ? cache_try_lock(sv->cache, r->job.key) : -1;
	if (r->job.lock_fd < 0)
		r->job.lock_fd = -1; /* another process renders it too: no matter */
	if (sv->guard) {
		/* Every request of the page goes through the guard, loopback
		 * too (Chrome would otherwise reach it directly), on a lane of
		 * its own. */
		struct render *rd = &r->set.render;
		for (r->lane = 0; sv->lane_busy[r->lane]; r->lane++)
			;
		sv->lane_busy[r->lane] = true;
		r->refusals = guard_refusals(sv->guard, (size_t)r->lane);
		rd->proxy.http = xstrdup(guard_proxy(sv->guard, (size_t)r->lane));
		rd->proxy.https = xstrdup(rd->proxy.http);
	}
	r->env = (struct capture_env){ .r = &r->set.render };
	pagetools_env(&sv->tools, &r->set.render, &r->env);
	r->job.env = &r->env;
	sv->queue[sv->nqueue++] = r;
}

/* What start_render took, given back: the workers and the guard's lane. */
static void render_done(struct req *r)
{
	struct serve *sv = r->sv;
	r->rendering = false;
	r->acct->busy--;
	sv->busy--;
	if (r->lane >= 0)
		sv->lane_busy[r->lane] = false;
}

static struct job *next_job(void *ud)
{
	struct serve *sv = ud;
	if (!sv->nqueue)
		return NULL;
	struct req *r = sv->queue[0];
	memmove(sv->queue, sv->queue + 1, --sv->nqueue * sizeof *sv->queue);
	return &r->job;
}

static void job_finished(void *ud, struct job *j, struct render_result *res)
{
	struct serve *sv = ud;
	struct req *r = (struct req *)((char *)j - offsetof(struct req, job));
	if (res->code && res->transient && j->attempts <= 1 && !serve_stop && !sv->browserless) {
		log_info("%s: %s; trying again", j->url, res->message);
		sv->queue[sv->nqueue++] = r;
		return;
	}
	render_done(r);
	/* The capture (which points at r's render) is freed after this
	 * returns: r goes in the next turn. */
	r->finishing = true;
	for (struct req **pp = &sv->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	r->next = sv->finished;
	sv->finished = r;
	if (res->code) {
		log_info("%s: %d %s", j->url, res->code, res->message ? res->message : "");
		/* The guard refused the page itself (or where it redirected):
		 * a target the server does not render. */
		bool refused = sv->guard && res->message &&
			       strstr(res->message, "ERR_SOCKS_CONNECTION_FAILED") &&
			       guard_refusals(sv->guard, (size_t)r->lane) > r->refusals;
		req_error(r, res->code == RENDER_E_URL || refused ? 462 : 490, NULL);
	} else {
		const struct render *rd = &r->set.render;
		if (sv->cache) {
			char *err = NULL;
			struct cache_meta meta = { .rendered_at = res->rendered_at,
						   .width = res->width,
						   .height = res->height,
						   .http_status = res->http_status };
			if (cache_store(sv->cache, j->key, rd->format, j->url, r->key_shown,
					res->image.data, res->image.len, &meta, &err) < 0) {
				log_warn("%s: not cached: %s", j->url, err);
				free(err);
			}
		}
		req_image(r, &res->image, res->rendered_at ? res->rendered_at : time(NULL));
	}
}

/* ---- HTTP ---- */

static void params_split(char *text, struct strlist *out)
{
	for (char *t = text; t && *t;) {
		char *amp = strchr(t, '&');
		if (amp)
			*amp = '\0';
		if (*t) {
			form_decode(t);
			strlist_add(out, t);
		}
		t = amp ? amp + 1 : NULL;
	}
}

/* An address as proxies write it in X-Forwarded-For: "192.0.2.7",
 * "192.0.2.7:5678", "2001:db8::1" or "[2001:db8::1]:5678". */
static bool forwarded_addr(const char *text, size_t n, struct addr *a)
{
	char t[64];
	if (n == 0 || n >= sizeof t)
		return false;
	memcpy(t, text, n);
	t[n] = '\0';
	char *colon = strchr(t, ':');
	if (t[0] == '[') {
		char *close = strchr(t, ']');
		if (!close || (close[1] && close[1] != ':'))
			return false;
		*close = '\0';
		return addr_parse(t + 1, a);
	}
	if (colon && !strchr(colon + 1, ':'))
		*colon = '\0'; /* one colon: IPv4 and a port */
	return addr_parse(t, a);
}

/* Who asks: the peer, or, when the peer is a proxy of --real-ip-from, the
 * last address of the X-Forwarded-For it added (one hop is believed). A
 * proxy that names no address it can be taken at leaves the client
 * unknown: no key with allow= is served to it. */
static void client_of(struct serve *sv, struct req *r)
{
	const char *peer = httpd_peer(r->q);
	snprintf(r->client_text, sizeof r->client_text, "%s", peer);
	r->client_known = addr_parse(peer, &r->client);
	bool proxy = false;
	for (size_t i = 0; r->client_known && !proxy && i < sv->nreal_ip_from; i++)
		proxy = cidr_has(&sv->real_ip_from[i], &r->client);
	if (!proxy)
		return;
	const char *xff = httpd_header(r->q, "x-forwarded-for");
	const char *last = xff ? strrchr(xff, ',') : NULL;
	last = last ? last + 1 : xff ? xff : "";
	last += strspn(last, " \t");
	size_t n = strcspn(last, " \t");
	struct addr a;
	if (forwarded_addr(last, n, &a)) {
		r->client = a;
		snprintf(r->client_text, sizeof r->client_text, "%.*s", (int)n, last);
	} else {
		r->client_known = false;
		snprintf(r->client_text, sizeof r->client_text, "unknown(via %s)", peer);
	}
}

/* A request is in (httpd): answered here, or rendered. */
static void on_request(void *ud, struct httpd_req *q)
{
	struct serve *sv = ud;
	struct req *r = xcalloc(1, sizeof *r);
	r->sv = sv;
	r->q = q;
	r->started = now_ms();
	r->job.lock_fd = -1;
	r->lane = -1;
	settings_init(&r->set);
	r->next = sv->reqs;
	sv->reqs = r;
	client_of(sv, r);
	const char *m = httpd_method(q), *path = httpd_path(q);
	bool get = !strcmp(m, "GET"), post = !strcmp(m, "POST");
	if (!get && !post) {
		req_error(r, 405, "only GET and POST are answered");
		return;
	}
	if (!strcmp(path, "/health") && get) {
		char *body = xasprintf("{\"workers\":%d,\"busy\":%d}", sv->workers, sv->busy);
		req_answer(r, 200, 200, "application/json", NULL, body, strlen(body));
		free(body);
		return;
	}
	if (strcmp(path, "/")) {
		req_error(r, 404, "no such page: the API is at /, its state at /health");
		return;
	}
	if (sv->per_ip && !peers_take(sv->per_ip, &r->client, now_ms())) {
		req_error(r, 474, NULL);
		return;
	}
	struct strlist params = { 0 };
	if (post) {
		const char *ct = httpd_header(q, "content-type");
		if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
			req_error(r, 415, "a POST body is application/x-www-form-urlencoded");
			return;
		}
		if (httpd_body_unsized(q)) {
			req_error(r, 411, "a POST body needs a Content-Length");
			return;
		}
		if (httpd_body_too_large(q)) {
			req_error(r, 413, "the body is larger than 64 KiB");
			return;
		}
		const struct buf *b = httpd_body(q);
		char *text = xstrndup(b->data ? (const char *)b->data : "", b->len);
		params_split(text, &params);
		free(text);
	} else {
		const struct strlist *qs = httpd_query(q);
		for (size_t i = 0; i < qs->n; i++)
			strlist_add(&params, qs->v[i]);
	}
	serve_api(r, &params);
	strlist_free(&params);
}

/* Its client went away before the answer: the render goes on (its image
 * is cached), the answer goes nowhere. */
static void on_gone(void *ud, struct httpd_req *q)
{
	struct serve *sv = ud;
	for (struct req *r = sv->reqs; r; r = r->next)
		if (r->q == q)
			r->q = NULL;
}

/* ---- the command ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: savepage serve [--listen HOST:PORT] [--workers N] [--keys FILE]\n"
		"                      [--cache-dir DIR] [--no-cache] [--browser PATH]\n"
		"                      [--browser-arg ARG]... [--allow-private]\n"
		"                      [--allow-host HOST:PORT]... [--per-ip RATE]\n"
		"                      [--real-ip-from CIDR]... [--usage FILE] [-v] [-q]\n"
		"Answers the SavePage API (GET or POST to /) with this machine's browsers and\n"
		"cache; GET /health says how many workers are busy. --listen defaults to\n"
		"127.0.0.1:8080; an address other than loopback needs --keys. Keys file: a\n"
		"line per key, KEY SECRET [workers=N] [per_minute=N] [monthly=N]\n"
		"[allow=CIDR,...] (SECRET - asks for no hash), '#' comments; read again on\n"
		"SIGHUP. Images a month are counted in --usage (default\n"
		"~/.local/state/savepage/usage). --per-ip: requests from one client address\n"
		"(N a minute, or N/s, N/min, N/h). --real-ip-from: proxies whose\n"
		"X-Forwarded-For names the client. Pages may not reach loopback, private,\n"
		"link-local or multicast addresses unless --allow-private, or that one\n"
		"host and port with --allow-host.\n");
}

static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return !strcmp(host, "localhost") ||
	       (inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6));
}

/* "HOST:PORT" (HOST may be [v6]); 0, or -1 said. */
static int parse_listen(const char *opt, const char *v, char **host, int *port)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long p = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon == v || end == colon + 1 || *end || p < 0 || p > 65535) {
		log_err("%s: '%s' is not HOST:PORT", opt, v);
		return -1;
	}
	size_t n = (size_t)(colon - v);
	if (v[0] == '[' && n > 2 && v[n - 1] == ']')
		*host = xstrndup(v + 1, n - 2);
	else
		*host = xstrndup(v, n);
	*port = (int)p;
	return 0;
}

/* The month's counts to their file. */
static void usage_flush(struct serve *sv)
{
	char *err = NULL;
	if (sv->usage && usage_save(sv->usage, &err) < 0) {
		if (!sv->usage_warned)
			log_warn("--usage: %s; the counts are kept in memory", err);
		sv->usage_warned = true;
		free(err);
	}
	sv->usage_saved = now_ms();
}

static void serve_run(struct serve *sv)
{
	bool stopping = false;
	int64_t stop_at = 0;
	for (;;) {
		if (serve_reload) {
			serve_reload = 0;
			keys_reload(sv);
		}
		if ((serve_stop || sv->browserless) && !stopping) {
			/* No new connections; the requests taken are answered. */
			httpd_stop(sv->httpd);
			stopping = true;
			stop_at = now_ms();
			log_info("stopping: %d render(s) in flight", sv->busy);
		}
		guard_poll(sv->guard);
		slots_tick(sv->slots);
		if (now_ms() - sv->usage_saved > USAGE_SAVE_MS)
			usage_flush(sv);
		while (sv->finished) {
			struct req *r = sv->finished;
			sv->finished = r->next;
			r->next = NULL;
			req_free(r);
		}
		if (slots_dead(sv->slots) && (!stopping || sv->nqueue)) {
			/* The requests waiting for a tab are answered (490), then
			 * the server stops as for SIGTERM, with a failure status. */
			if (!sv->browserless)
				log_err("no browser left to render with; stopping");
			sv->browserless = true;
			while (sv->nqueue) {
				struct req *r = sv->queue[--sv->nqueue];
				render_done(r);
				req_error(r, 490, NULL);
			}
			continue; /* to the stop (not serve_stop: that is the
				     signals', and a second one exits at once) */
		}
		/* Stopping: once nothing renders, the answers are flushed and
		 * their connections closed (idle kept-alive ones time out),
		 * within a grace. */
		if (stopping && !sv->busy && !sv->nqueue &&
		    (httpd_open(sv->httpd) == 0 || now_ms() - stop_at > STOP_GRACE_MS))
			break;
		loop_run_once(sv->loop);
	}
}

/* What the command line asks of the server besides struct serve's own. */
struct serve_args {
	char *host;
	int port;
	int verbose;
	bool quiet, allow_private;
	struct strlist allowed; /* --allow-host */
	struct rate per_ip;     /* n 0: none */
};

/* The command line into sv and a. -1 to go on, else the exit status. */
static int serve_parse(int argc, char **argv, struct serve *sv, struct serve_args *a)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "keys", required_argument, NULL, 'k' },
		{ "cache-dir", required_argument, NULL, 'c' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "browser", required_argument, NULL, 'b' },
		{ "browser-arg", required_argument, NULL, 'a' },
		{ "allow-private", no_argument, NULL, 'p' },
		{ "allow-host", required_argument, NULL, 'H' },
		{ "per-ip", required_argument, NULL, 'r' },
		{ "real-ip-from", required_argument, NULL, 'R' },
		{ "usage", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	a->port = 8080;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
		char *end, *h = NULL;
		int p;
		switch (c) {
		case 'l':
			free(a->host);
			a->host = NULL;
			if (parse_listen("--listen", optarg, &a->host, &a->port) < 0)
				return EXIT_USAGE;
			break;
		case 'w':
			sv->workers = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || sv->workers < 1 || sv->workers > 256) {
				log_err("--workers: '%s' is not a whole number from 1 to 256", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k': free(sv->keys_path); sv->keys_path = xstrdup(optarg); break;
		case 'c': free(sv->defaults.cache_dir); sv->defaults.cache_dir = xstrdup(optarg); break;
		case 'n': sv->defaults.no_cache = true; break;
		case 'b': free(sv->defaults.browser); sv->defaults.browser = xstrdup(optarg); break;
		case 'a': strlist_add(&sv->defaults.browser_args, optarg); break;
		case 'p': a->allow_private = true; break;
		case 'H':
			if (parse_listen("--allow-host", optarg, &h, &p) < 0)
				return EXIT_USAGE;
			free(h);
			strlist_add(&a->allowed, optarg);
			break;
		case 'r':
			if (!rate_parse(optarg, &a->per_ip)) {
				log_err("--per-ip: '%s' is not N, N/s, N/min or N/h (N from 1)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R': {
			const char *bad = NULL;
			if (!cidr_list_parse(optarg, &sv->real_ip_from, &sv->nreal_ip_from, &bad)) {
				log_err("--real-ip-from: '%s' is not an address or a range", bad);
				return EXIT_USAGE;
			}
			break;
		}
		case 'u': free(sv->usage_path); sv->usage_path = xstrdup(optarg); break;
		case 'v': a->verbose++; break;
		case 'q': a->quiet = true; break;
		case 'h': usage(stdout); return EXIT_ALL_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_err("serve: '%s' is not an option of savepage serve", argv[optind]);
		return EXIT_USAGE;
	}
	if (!a->host)
		a->host = xstrdup("127.0.0.1");
	if (!is_loopback(a->host) && !sv->keys_path) {
		log_err("--listen %s: without --keys, serving is open to anyone; it listens on "
			"loopback only",
			a->host);
		return EXIT_USAGE;
	}
	return -1;
}

/* The keys, the cache, nocookie and noads, the guard, the browsers and the
 * listening socket. -1 when all are there, else the exit status. */
static int serve_open(struct serve *sv, const struct serve_args *a)
{
	if (!sv->workers)
		sv->workers = (int)run_default_jobs(false);
	sv->open = (struct account){ .workers = sv->workers };
	if (sv->keys_path && keys_load(sv->keys_path, sv->workers, &sv->keys) < 0)
		return EXIT_USAGE;
	if (!sv->keys_path && sv->usage_path)
		log_warn("--usage: without --keys there is no key to count the images of");
	if (sv->keys_path) {
		/* Images a month by key: counted for every key, limited where
		 * the key says monthly=. */
		if (!sv->usage_path)
			sv->usage_path = xdg_path("XDG_STATE_HOME", ".local/state", "savepage/usage");
		char *err = NULL;
		sv->usage = sv->usage_path ? usage_open(sv->usage_path, &err) : NULL;
		if (!sv->usage) {
			log_err("--usage: %s", err ? err : "no home directory; give --usage FILE");
			free(err);
			return EXIT_USAGE;
		}
	}
	if (a->per_ip.n)
		sv->per_ip = peers_new(&a->per_ip);
	sv->queue = xcalloc((size_t)sv->workers + 1, sizeof *sv->queue);
	sv->loop = loop_new();
	if (!sv->loop) {
		log_err("cannot create the event loop");
		return EXIT_NO_BROWSER;
	}
	serve_loop = sv->loop;
	signals_install(on_signal);
	char *err = NULL;
	if (pagetools_nocookie(&sv->tools, &err) < 0)
		sv->nocookie_err = err;
	err = NULL;
	struct strlist no_extra = { 0 }; /* the API names no lists of its own */
	if (pagetools_noads(&sv->tools, &no_extra, &err) < 0)
		sv->noads_err = err;
	err = NULL;
	if (!sv->defaults.no_cache) {
		char *dir = cache_default_dir(sv->defaults.cache_dir);
		sv->cache = dir ? cache_open(dir, &err) : NULL;
		if (!sv->cache) {
			log_warn("the cache cannot be used (%s); rendering without it",
				 err ? err : "no home directory");
			free(err);
			err = NULL;
		}
		free(dir);
	}
	if (!a->allow_private) {
		sv->guard = guard_new(sv->loop, &a->allowed, (size_t)sv->workers, &err);
		if (!sv->guard) {
			log_err("%s", err);
			free(err);
			return EXIT_NO_BROWSER;
		}
		sv->lane_busy = xcalloc((size_t)sv->workers, sizeof *sv->lane_busy);
	}
	sv->slots = slots_new(&(struct slots_config){
		.loop = sv->loop,
		.browser = sv->defaults.browser,
		.browser_args = &sv->defaults.browser_args,
		.browser_urls = &sv->defaults.browser_urls,
		.per_slot = (size_t)sv->workers,
		.env = { .r = &sv->defaults.render },
		.hooks = { next_job, job_finished, sv },
	});
	if (!sv->slots)
		return EXIT_NO_BROWSER;
	sv->httpd = httpd_new(sv->loop, a->host, a->port, BODY_MAX,
			      &(struct httpd_hooks){ on_request, on_gone, sv }, &err);
	if (!sv->httpd) {
		log_err("--listen: %s", err);
		free(err);
		return EXIT_USAGE;
	}
	return -1;
}

static void serve_close(struct serve *sv)
{
	slots_free(sv->slots); /* its captures point at the requests' renders */
	while (sv->reqs || sv->finished) {
		struct req *r = sv->reqs ? sv->reqs : sv->finished;
		if (r == sv->finished)
			sv->finished = r->next;
		r->finishing = false;
		req_free(r);
	}
	httpd_free(sv->httpd);
	guard_free(sv->guard);
	usage_flush(sv);
	usage_free(sv->usage);
	free(sv->usage_path);
	peers_free(sv->per_ip);
	free(sv->real_ip_from);
	free(sv->lane_busy);
	serve_loop = NULL;
	loop_free(sv->loop);
	cache_close(sv->cache);
	pagetools_free(&sv->tools);
	free(sv->nocookie_err);
	free(sv->noads_err);
	keys_free(&sv->keys);
	free(sv->keys_path);
	free(sv->queue);
	settings_free(&sv->defaults);
}

int serve_main(int argc, char **argv)
{
	struct serve sv = { 0 };
	struct serve_args a = { 0 };
	settings_init(&sv.defaults);
	int status = serve_parse(argc, argv, &sv, &a);
	if (status < 0) {
		log_set_level(a.quiet ? LOG_QUIET : a.verbose);
		status = serve_open(&sv, &a);
	}
	if (status < 0) {
		if (!a.quiet)
			fprintf(stderr,
				"savepage serve: listening on http://%s%s%s:%d/ with %d worker(s)%s\n",
				strchr(a.host, ':') ? "[" : "", a.host, strchr(a.host, ':') ? "]" : "",
				httpd_port(sv.httpd), sv.workers,
				sv.keys.n ? "" : "; no --keys: any key is taken");
		serve_run(&sv);
		status = sv.browserless ? EXIT_NO_BROWSER : EXIT_ALL_OK;
	}
	serve_close(&sv);
	free(a.host);
	strlist_free(&a.allowed);
	return status;
}
