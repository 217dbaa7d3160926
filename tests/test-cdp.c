/* The CDP client and browser modules against a real Chromium: replies and
 * errors, per-request timeouts, multi-megabyte fragmented messages, events
 * with their session, a closed connection failing what is pending, and a
 * browser that is gone (process group and profile) after browser_free. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
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

static cJSON *eval_params(const char *expr, bool await)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "expression", expr);
	cJSON_AddBoolToObject(p, "returnByValue", 1);
	if (await)
		cJSON_AddBoolToObject(p, "awaitPromise", 1);
	return p;
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

	char *err = NULL;
	struct browser *b = browser_launch(path, NULL, 30000, &err);
	CHECK(b != NULL);
	if (!b) {
		printf("launch: %s\n", err);
		return 1;
	}
	CHECK(strncmp(b->ws_url, "ws://127.0.0.1:", 15) == 0);
	struct stat st;
	CHECK(stat(b->profile_dir, &st) == 0 && S_ISDIR(st.st_mode));

	struct cdp_loop *loop = cdp_loop_new();
	struct events ev = { 0 };
	struct cdp_conn *c = cdp_connect(loop, b->ws_url, on_event, NULL, &ev, &err);
	CHECK(c != NULL);
	CHECK(cdp_wait_open(c, 10000, &err) == 0);

	/* A reply, and Chrome's error for an unknown method. */
	cJSON *r = NULL;
	CHECK(cdp_call(c, NULL, "Browser.getVersion", NULL, 5000, &r, &err) == 0);
	CHECK(r && cJSON_IsString(cJSON_GetObjectItem(r, "product")));
	cJSON_Delete(r);
	r = NULL;
	CHECK(cdp_call(c, NULL, "No.suchMethod", NULL, 5000, &r, &err) < 0);
	printf("unknown method: %s\n", err);
	CHECK(err && strstr(err, "No.suchMethod"));
	free(err);
	err = NULL;

	/* A tab with a flat session; events carry its session id. */
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", "about:blank");
	CHECK(cdp_call(c, NULL, "Target.createTarget", p, 5000, &r, &err) == 0);
	const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "targetId"));
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "targetId", tid);
	cJSON_AddBoolToObject(p, "flatten", 1);
	cJSON *a = NULL;
	CHECK(cdp_call(c, NULL, "Target.attachToTarget", p, 5000, &a, &err) == 0);
	char *sid = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(a, "sessionId")));
	cJSON_Delete(a);
	cJSON_Delete(r);
	CHECK(cdp_call(c, sid, "Runtime.enable", NULL, 5000, NULL, &err) == 0);
	CHECK(ev.n > 0 && ev.last_session && !strcmp(ev.last_session, sid));

	/* A 6 MB reply arrives in many fragments and is put together whole. */
	r = NULL;
	CHECK(cdp_call(c, sid, "Runtime.evaluate", eval_params("'x'.repeat(6 << 20) + 'END'", false),
		       10000, &r, &err) == 0);
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "value"));
	CHECK(v && strlen(v) == (6u << 20) + 3 && !strcmp(v + (6u << 20), "END"));
	cJSON_Delete(r);

	/* A request that never gets its answer times out on its own. */
	int64_t t0 = now_ms();
	r = NULL;
	CHECK(cdp_call(c, sid, "Runtime.evaluate", eval_params("new Promise(() => {})", true), 300,
		       &r, &err) < 0);
	CHECK(err && strstr(err, "timeout"));
	printf("timeout took %lld ms\n", (long long)(now_ms() - t0));
	CHECK(now_ms() - t0 < 3000);
	free(err);
	err = NULL;

	/* Timers fire in order. */
	struct reply q1 = { 0 };
	cdp_send(c, sid, "Runtime.evaluate", eval_params("1+1", false), 5000, on_reply, &q1);
	while (!q1.done)
		cdp_loop_run_once(loop);
	CHECK(q1.error == NULL);

	/* Killing the browser fails what is pending with a clear reason. */
	struct reply pend = { 0 };
	cdp_send(c, sid, "Runtime.evaluate", eval_params("new Promise(() => {})", true), 20000,
		 on_reply, &pend);
	kill(-b->pid, SIGKILL);
	t0 = now_ms();
	while (!pend.done && now_ms() - t0 < 10000)
		cdp_loop_run_once(loop);
	CHECK(pend.done && pend.error && strstr(pend.error, "closed"));
	CHECK(cdp_conn_is_closed(c));
	/* Sending on a closed connection fails from the loop, not in the call. */
	struct reply late = { 0 };
	cdp_send(c, NULL, "Browser.getVersion", NULL, 5000, on_reply, &late);
	CHECK(!late.done);
	while (!late.done)
		cdp_loop_run_once(loop);
	CHECK(late.error && strstr(late.error, "closed"));

	char *profile = xstrdup(b->profile_dir);
	pid_t pid = b->pid;
	cdp_conn_free(c);
	cdp_loop_free(loop);
	browser_free(b);
	CHECK(stat(profile, &st) < 0);
	CHECK(kill(-pid, 0) < 0);

	/* A binary that is not a browser: a clear error, nothing left behind. */
	err = NULL;
	CHECK(browser_launch("/bin/true", NULL, 5000, &err) == NULL);
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
