/* The event loop, the CDP client and the browser modules against a real
 * Chromium: timers in order, watched descriptors, replies and errors,
 * per-request timeouts, multi-megabyte fragmented messages, events with
 * their session, a closed connection failing what is pending, and a
 * browser that is gone (process group and profile) after browser_free. */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "browser.h"
#include "cdp.h"
#include "unit.h"
#include "util.h"

struct events {
	int n;
	char *last_method;
	char *last_session;
};

static void on_event(void *ud, const char *method, const cJSON *params, const char *sid)
{
	struct events *e = ud;
	(void)params;
	e->n++;
	free(e->last_method);
	free(e->last_session);
	e->last_method = xstrdup(method);
	e->last_session = sid ? xstrdup(sid) : NULL;
}

struct reply {
	bool done;
	char *error;
};

static void on_reply(void *ud, const cJSON *result, const char *error)
{
	struct reply *r = ud;
	(void)result;
	r->done = true;
	r->error = error ? xstrdup(error) : NULL;
}

/* The test's own driver: runs the loop until the reply (a copy) arrives. */
struct call {
	bool done;
	cJSON *result;
	char *error;
};

static void on_call(void *ud, const cJSON *result, const char *error)
{
	struct call *c = ud;
	c->done = true;
	c->error = error ? xstrdup(error) : NULL;
	c->result = result ? cJSON_Duplicate(result, 1) : NULL;
}

static int call(struct loop *loop, struct cdp_conn *conn, const char *sid, const char *method,
		cJSON *params, int timeout_ms, cJSON **result, char **err)
{
	struct call c = { 0 };
	cdp_send(conn, sid, method, params, timeout_ms, on_call, &c);
	while (!c.done)
		loop_run_once(loop);
	if (c.error) {
		*err = xasprintf("%s: %s", method, c.error);
		free(c.error);
		return -1;
	}
	if (result)
		*result = c.result;
	else
		cJSON_Delete(c.result);
	return 0;
}

/* Waits (blocking, as a test may) until the browser says its endpoint. */
static struct browser *launch(const char *path, int timeout_ms, char **err)
{
	struct browser *b = browser_spawn(path, NULL, err);
	int64_t t0 = now_ms();
	while (b) {
		int rc = browser_read_output(b, err);
		if (rc > 0)
			return b;
		if (rc < 0 || now_ms() - t0 > timeout_ms) {
			if (rc == 0)
				*err = xstrdup("no endpoint in time");
			browser_free(b);
			return NULL;
		}
		struct pollfd pfd = { b->output, POLLIN, 0 };
		poll(&pfd, 1, 100);
	}
	return NULL;
}

struct order {
	char seen[8];
	int n;
};

static void fire_a(void *ud) { struct order *o = ud; o->seen[o->n++] = 'a'; }
static void fire_b(void *ud) { struct order *o = ud; o->seen[o->n++] = 'b'; }
static void fire_c(void *ud) { struct order *o = ud; o->seen[o->n++] = 'c'; }
static void fire_x(void *ud) { struct order *o = ud; o->seen[o->n++] = 'x'; }

struct watched {
	int reads;
	bool eof;
	struct loop_fd *w;
};

static void on_readable(void *ud, int fd, bool readable, bool writable)
{
	struct watched *wt = ud;
	(void)writable;
	char buf[64];
	ssize_t n = readable ? read(fd, buf, sizeof buf) : -1;
	if (n > 0)
		wt->reads++;
	if (n == 0) {
		wt->eof = true;
		loop_fd_free(wt->w); /* from inside its own callback */
		wt->w = NULL;
	}
}

static cJSON *eval_params(const char *expr, bool await)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "expression", expr);
	cJSON_AddBoolToObject(p, "returnByValue", 1);
	if (await)
		cJSON_AddBoolToObject(p, "awaitPromise", 1);
	return p;
}

static void test_loop(void)
{
	struct loop *loop = loop_new();
	CHECK(loop != NULL);

	/* Timers fire in the order of their times, not of their arming; a
	 * stopped one never fires, a re-armed one fires once, at its new time. */
	struct order o = { { 0 }, 0 };
	struct loop_timer *a = loop_timer_new(loop, fire_a, &o);
	struct loop_timer *b = loop_timer_new(loop, fire_b, &o);
	struct loop_timer *c = loop_timer_new(loop, fire_c, &o);
	struct loop_timer *x = loop_timer_new(loop, fire_x, &o);
	loop_timer_start(c, 90);
	loop_timer_start(a, 10);
	loop_timer_start(b, 500);
	loop_timer_start(x, 20);
	loop_timer_stop(x);
	loop_timer_start(b, 50); /* re-armed sooner */
	CHECK(loop_timer_armed(a) && !loop_timer_armed(x));
	int64_t t0 = now_ms();
	while (o.n < 3 && now_ms() - t0 < 2000)
		loop_run_once(loop);
	CHECK_STR(o.seen, "abc");
	CHECK(now_ms() - t0 >= 85);
	CHECK(!loop_timer_armed(a) && !loop_timer_armed(c));
	loop_timer_free(a);
	loop_timer_free(b);
	loop_timer_free(c);
	loop_timer_free(x);

	/* A watched pipe: data wakes the loop; the writer's end closing is told
	 * as readable (EOF); the watch can be freed from its own callback. */
	int p[2];
	CHECK(pipe(p) == 0);
	struct watched wt = { 0, false, NULL };
	wt.w = loop_fd_watch(loop, p[0], true, false, on_readable, &wt);
	CHECK(wt.w != NULL);
	CHECK(write(p[1], "hello", 5) == 5);
	t0 = now_ms();
	while (!wt.reads && now_ms() - t0 < 2000)
		loop_run_once(loop);
	CHECK(wt.reads == 1);
	close(p[1]);
	while (!wt.eof && now_ms() - t0 < 2000)
		loop_run_once(loop);
	CHECK(wt.eof && wt.w == NULL);
	/* The loop never closes what it watches: our end is still open. */
	CHECK(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
	loop_free(loop);
}

int main(void)
{
	char *path = browser_find(NULL);
	if (!path) {
		printf("FAIL: no Chromium on PATH (the test suite needs it)\n");
		return 1;
	}
	char tmpl[] = "/tmp/savepage-cdp-XXXXXX";
	CHECK(mkdtemp(tmpl) != NULL);
	setenv("TMPDIR", tmpl, 1);

	test_loop();

	char *err = NULL;
	struct browser *b = launch(path, 30000, &err);
	CHECK(b != NULL);
	if (!b) {
		printf("launch: %s\n", err);
		return 1;
	}
	CHECK(strncmp(b->ws_url, "ws://127.0.0.1:", 15) == 0);
	struct stat st;
	CHECK(stat(b->profile_dir, &st) == 0 && S_ISDIR(st.st_mode));

	struct loop *loop = loop_new();
	struct events ev = { 0 };
	struct cdp_conn *c = cdp_connect(loop, b->ws_url, on_event, NULL, &ev, &err);
	CHECK(c != NULL);

	/* A reply, and Chrome's error for an unknown method. */
	cJSON *r = NULL;
	CHECK(call(loop, c, NULL, "Browser.getVersion", NULL, 5000, &r, &err) == 0);
	CHECK(r && cJSON_IsString(cJSON_GetObjectItem(r, "product")));
	cJSON_Delete(r);
	r = NULL;
	CHECK(call(loop, c, NULL, "No.suchMethod", NULL, 5000, &r, &err) < 0);
	printf("unknown method: %s\n", err);
	CHECK(err && strstr(err, "No.suchMethod"));
	free(err);
	err = NULL;

	/* A tab with a flat session; events carry its session id. */
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", "about:blank");
	CHECK(call(loop, c, NULL, "Target.createTarget", p, 5000, &r, &err) == 0);
	const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "targetId"));
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "targetId", tid);
	cJSON_AddBoolToObject(p, "flatten", 1);
	cJSON *a = NULL;
	CHECK(call(loop, c, NULL, "Target.attachToTarget", p, 5000, &a, &err) == 0);
	char *sid = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(a, "sessionId")));
	cJSON_Delete(a);
	cJSON_Delete(r);
	CHECK(call(loop, c, sid, "Runtime.enable", NULL, 5000, NULL, &err) == 0);
	CHECK(ev.n > 0 && ev.last_session && !strcmp(ev.last_session, sid));

	/* A 6 MB reply arrives in many fragments and is put together whole. */
	r = NULL;
	CHECK(call(loop, c, sid, "Runtime.evaluate", eval_params("'x'.repeat(6 << 20) + 'END'", false),
		       10000, &r, &err) == 0);
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "value"));
	CHECK(v && strlen(v) == (6u << 20) + 3 && !strcmp(v + (6u << 20), "END"));
	cJSON_Delete(r);

	/* A request that never gets its answer times out on its own. */
	int64_t t0 = now_ms();
	r = NULL;
	CHECK(call(loop, c, sid, "Runtime.evaluate", eval_params("new Promise(() => {})", true), 300,
		       &r, &err) < 0);
	CHECK(err && strstr(err, "timeout"));
	printf("timeout took %lld ms\n", (long long)(now_ms() - t0));
	CHECK(now_ms() - t0 < 3000);
	free(err);
	err = NULL;

	/* A reply is not answered inside cdp_send, but from the loop. */
	struct reply q1 = { 0 };
	cdp_send(c, sid, "Runtime.evaluate", eval_params("1+1", false), 5000, on_reply, &q1);
	CHECK(!q1.done);
	while (!q1.done)
		loop_run_once(loop);
	CHECK(q1.error == NULL);

	/* Killing the browser fails what is pending with a clear reason. */
	struct reply pend = { 0 };
	cdp_send(c, sid, "Runtime.evaluate", eval_params("new Promise(() => {})", true), 20000,
		 on_reply, &pend);
	kill(-b->pid, SIGKILL);
	t0 = now_ms();
	while (!pend.done && now_ms() - t0 < 10000)
		loop_run_once(loop);
	CHECK(pend.done && pend.error && strstr(pend.error, "closed"));
	CHECK(cdp_conn_is_closed(c));
	/* Sending on a closed connection fails from the loop, not in the call. */
	struct reply late = { 0 };
	cdp_send(c, NULL, "Browser.getVersion", NULL, 5000, on_reply, &late);
	CHECK(!late.done);
	while (!late.done)
		loop_run_once(loop);
	CHECK(late.error && strstr(late.error, "closed"));

	char *profile = xstrdup(b->profile_dir);
	pid_t pid = b->pid;
	cdp_conn_free(c);
	loop_free(loop);
	browser_free(b);
	CHECK(stat(profile, &st) < 0);
	CHECK(kill(-pid, 0) < 0);

	/* A binary that is not a browser: a clear error, nothing left behind. */
	err = NULL;
	CHECK(launch("/bin/true", 5000, &err) == NULL);
	printf("not a browser: %s\n", err);
	CHECK(err && strstr(err, "exited"));
	free(err);
	CHECK(browser_find("/nonexistent/chrome") == NULL);
	CHECK(rmdir(tmpl) == 0); /* empty: every profile was removed */

	free(profile);
	free(sid);
	free(q1.error);
	free(pend.error);
	free(late.error);
	free(ev.last_method);
	free(ev.last_session);
	free(path);
	return unit_done();
}
