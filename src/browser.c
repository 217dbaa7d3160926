#include "config.h"

#include "browser.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char *const browser_candidates[] = {
	"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome",
	"google-chrome-stable", "chrome", "headless_shell",
};

const char *const browser_default_flags[] = {
	"--headless",
	"--remote-debugging-port=0",
	"--remote-debugging-pipe",
	"--no-first-run",
	"--no-default-browser-check",
	"--disable-background-networking",
	"--disable-background-timer-throttling",
	"--disable-backgrounding-occluded-windows",
	"--disable-renderer-backgrounding",
	"--disable-component-update",
	"--disable-sync",
	"--disable-default-apps",
	"--disable-extensions",
	"--disable-breakpad",
	"--disable-crash-reporter",
	"--disable-domain-reliability",
	"--disable-client-side-phishing-detection",
	"--disable-hang-monitor",
	"--disable-popup-blocking",
	"--disable-prompt-on-repost",
	"--disable-ipc-flooding-protection",
	"--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
	"InterestFeedContentSuggestions,CalculateNativeWinOcclusion,AcceptCHFrame",
	"--metrics-recording-only",
	"--password-store=basic",
	"--use-mock-keychain",
	"--hide-scrollbars",
	"--mute-audio",
	"--force-color-profile=srgb",
	"--disable-dev-shm-usage",
	"--disable-gpu",
	/* The default browser context (whose first tab a run uses) goes
	 * direct; a proxy is given to each context savepage makes (slots.c). */
	"--no-proxy-server",
	/* navigator.webdriver false, as for a person: some sites and consent
	 * libraries show nothing to an automated browser. */
	"--disable-blink-features=AutomationControlled",
	/* A mouse, as on a desktop: pages ask (hover: hover) and (pointer: fine)
	 * to choose between their desktop and touch layouts, and the shell has
	 * no pointing device (DevTools' media emulation cannot change these). */
	"--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,"
	"availablePointerTypes=4",
	/* Glyph outlines hinted as desktop Chrome draws them here: it takes
	 * fontconfig's hint style, whose default (Debian, Ubuntu, Fedora) is
	 * slight; the shell's own is full, and text in scripts drawn from
	 * fallback fonts (Arabic, Thai, CJK, emoji) then differs. */
	"--font-render-hinting=slight",
	NULL,
};

static char *search_path(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = xstrdup(path), *save = NULL, *found = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
			found = cand;
			break;
		}
		free(cand);
	}
	free(copy);
	return found;
}

char *browser_find(const char *override)
{
	if (override && *override)
		return search_path(override);
	for (size_t i = 0; i < ARRAY_LEN(browser_candidates); i++) {
		char *p = search_path(browser_candidates[i]);
		if (p)
			return p;
	}
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Launched browsers' process groups, for browser_kill_all_now(). */
#define LIVE_MAX 64
static volatile pid_t live_groups[LIVE_MAX];

static void live_add(pid_t pid)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (__atomic_compare_exchange_n(&live_groups[i], &(pid_t){ 0 }, pid, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
}

static void live_remove(pid_t pid)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (__atomic_compare_exchange_n(&live_groups[i], &pid, 0, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return;
}

void browser_kill_all_now(void)
{
	for (int i = 0; i < LIVE_MAX; i++)
		if (live_groups[i] > 0)
			kill(-live_groups[i], SIGKILL);
}

/* The last lines Chrome printed, on one line, for a failure message. */
static char *output_tail(const struct browser *b)
{
	size_t n = b->tail.len;
	const char *d = (const char *)b->tail.data;
	while (n && (d[n - 1] == '\n' || d[n - 1] == ' '))
		n--;
	if (!n)
		return NULL;
	size_t start = n > 300 ? n - 300 : 0;
	const char *nl = start ? memchr(d + start, '\n', n - start) : NULL;
	if (nl)
		start = (size_t)(nl - d) + 1;
	char *tail = xstrndup(d + start, n - start);
	for (char *p = tail; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return tail;
}

static void child_exec(const char *path, char *const argv[], char *const envp[], int in_fd,
		       int out_fd, int err_fd, pid_t parent)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* Chrome's DevTools pipe: it reads fd 3, writes fd 4. */
	int in3 = fcntl(in_fd, F_DUPFD, 10), out4 = fcntl(out_fd, F_DUPFD, 10);
	if (in3 < 0 || out4 < 0 || dup2(in3, 3) < 0 || dup2(out4, 4) < 0)
		_exit(127);
	close(in3);
	close(out4);
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	dup2(err_fd, 2);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execve(path, argv, envp);
	_exit(127);
}

/* A savepage killed with SIGKILL cannot remove its profile; the next run
 * removes those whose savepage.pid names a process that no longer exists. */
static void remove_stale_profiles(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "savepage-chrome-", 16) != 0)
			continue;
		char *dir = xasprintf("%s/%s", tmp, e->d_name);
		char *pidfile = xasprintf("%s/savepage.pid", dir);
		struct buf b = { 0 };
		struct stat st;
		if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
		    read_file(pidfile, &b) == 0) {
			long pid = strtol((char *)b.data, NULL, 10);
			if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
				log_debug("removing %s, left by savepage %ld", dir, pid);
				rm_rf(dir);
			}
		}
		buf_free(&b);
		free(pidfile);
		free(dir);
	}
	closedir(d);
}

struct browser *browser_spawn(const char *path, const struct strlist *extra_args, char **err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	remove_stale_profiles(tmp);
	char *profile = xasprintf("%s/savepage-chrome-XXXXXX", tmp);
	if (!mkdtemp(profile)) {
		*err = xasprintf("cannot create a profile directory in %s: %s", tmp, strerror(errno));
		free(profile);
		return NULL;
	}
	char *pidfile = xasprintf("%s/savepage.pid", profile);
	FILE *pf = fopen(pidfile, "we");
	if (pf) {
		fprintf(pf, "%ld\n", (long)getpid());
		fclose(pf);
	}
	free(pidfile);

	/* to_chrome: Chrome reads [0] as fd 3; from_chrome: Chrome writes [1] as
	 * fd 4; output: Chrome's standard error, where it says its endpoint. */
	int to_chrome[2] = { -1, -1 }, from_chrome[2] = { -1, -1 }, output[2] = { -1, -1 };
	if (pipe2(to_chrome, O_CLOEXEC) < 0 || pipe2(from_chrome, O_CLOEXEC) < 0 ||
	    pipe2(output, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (to_chrome[i] >= 0)
				close(to_chrome[i]);
			if (from_chrome[i] >= 0)
				close(from_chrome[i]);
			if (output[i] >= 0)
				close(output[i]);
		}
		rm_rf(profile);
		free(profile);
		return NULL;
	}
	fcntl(output[0], F_SETFL, fcntl(output[0], F_GETFL) | O_NONBLOCK);

	struct strlist argv = { 0 };
	strlist_add(&argv, path);
	for (size_t i = 0; browser_default_flags[i]; i++)
		strlist_add(&argv, browser_default_flags[i]);
	if (geteuid() == 0)
		strlist_add(&argv, "--no-sandbox");
	char *udd = xasprintf("--user-data-dir=%s", profile);
	strlist_add(&argv, udd);
	free(udd);
	for (size_t i = 0; extra_args && i < extra_args->n; i++)
		strlist_add(&argv, extra_args->v[i]);
	strlist_add(&argv, "about:blank");

	/* Its own TMPDIR inside the profile: what Chrome leaves there when it
	 * is killed (the full chromium's org.chromium.Chromium.* files) goes
	 * with the profile. Built before fork: the child only calls execve. */
	char *btmp = xasprintf("%s/tmp", profile);
	mkdir(btmp, 0700);
	struct strlist envp = { 0 };
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "TMPDIR=", 7) != 0)
			strlist_add(&envp, *e);
	char *tmpdir_var = xasprintf("TMPDIR=%s", btmp);
	strlist_add(&envp, tmpdir_var);
	free(tmpdir_var);
	free(btmp);

	/* Chrome's processes that lose their parent become ours to reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(path, argv.v, envp.v, to_chrome[0], from_chrome[1], output[1], parent);
	strlist_free(&argv);
	strlist_free(&envp);
	close(to_chrome[0]);
	close(from_chrome[1]);
	close(output[1]);
	if (pid < 0) {
		*err = xasprintf("fork: %s", strerror(errno));
		close(to_chrome[1]);
		close(from_chrome[0]);
		close(output[0]);
		rm_rf(profile);
		free(profile);
		return NULL;
	}
	setpgid(pid, pid); /* also in the parent, so the group exists before we kill it */
	live_add(pid);

	struct browser *b = xcalloc(1, sizeof *b);
	b->pid = pid;
	b->path = xstrdup(path);
	b->profile_dir = profile;
	b->pipe_in = to_chrome[1];
	b->pipe_out = from_chrome[0];
	b->output = output[0];
	return b;
}

/* Chrome said it, or it stopped: its exit status, waited for a moment. */
static char *exit_reason(struct browser *b)
{
	int status = 0;
	pid_t r = 0;
	for (int i = 0; i < 100 && (r = waitpid(b->pid, &status, WNOHANG)) == 0; i++)
		sleep_ms(5);
	char *tail = output_tail(b);
	char *why;
	if (r != b->pid)
		why = xasprintf("%s closed its output at start-up%s%s", b->path, tail ? ": " : "",
				tail ? tail : "");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !tail)
		why = xasprintf("%s: cannot run it", b->path);
	else
		why = xasprintf("%s exited at start-up (%s %d)%s%s", b->path,
				WIFSIGNALED(status) ? "signal" : "status",
				WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
				tail ? ": " : "", tail ? tail : "");
	if (r == b->pid) {
		live_remove(b->pid);
		b->pid = 0;
	}
	free(tail);
	return why;
}

int browser_read_output(struct browser *b, char **err)
{
	static const char marker[] = "DevTools listening on ";
	char chunk[4096];
	for (;;) {
		ssize_t n = b->output >= 0 ? read(b->output, chunk, sizeof chunk) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return b->ws_url ? 1 : 0; /* nothing more for now */
		if (n == 0) {
			if (b->output >= 0)
				close(b->output);
			b->output = -1;
			if (b->ws_url)
				return 1;
			*err = exit_reason(b);
			return -1;
		}
		if (b->ws_url)
			continue; /* ready: what Chrome says now is drained */
		buf_append(&b->tail, chunk, (size_t)n);
		const char *at = strstr((const char *)b->tail.data, marker);
		const char *eol = at ? strchr(at, '\n') : NULL;
		if (eol) {
			const char *ws = at + strlen(marker);
			b->ws_url = xstrndup(ws, (size_t)(eol - ws));
			b->ws_url[strcspn(b->ws_url, "\r")] = '\0';
			log_debug("browser %s (pid %d) at %s", b->path, (int)b->pid, b->ws_url);
			return 1;
		}
		if (b->tail.len > 65536) {
			/* Only the end is worth keeping. */
			memmove(b->tail.data, b->tail.data + b->tail.len - 4096, 4096);
			b->tail.len = 4096;
			b->tail.data[4096] = '\0';
		}
	}
}

void browser_free(struct browser *b)
{
	if (!b)
		return;
	/* Killed outright: the profile is thrown away, so Chrome has nothing to
	 * save, and asking it to exit first cost a one-URL run ~35 ms of
	 * waiting (bench/README.md). */
	if (b->pipe_in >= 0)
		close(b->pipe_in);
	if (b->pipe_out >= 0)
		close(b->pipe_out);
	if (b->output >= 0)
		close(b->output);
	if (b->pid > 0) {
		int status;
		/* The whole group (launcher, browser, renderers, zygotes). As the
		 * child subreaper we inherit the orphans, so reap until none is left. */
		kill(-b->pid, SIGKILL);
		for (;;) {
			pid_t r = waitpid(-b->pid, &status, 0);
			if (r < 0 && errno != EINTR)
				break;
		}
		live_remove(b->pid);
	}
	if (b->profile_dir)
		rm_rf(b->profile_dir);
	free(b->profile_dir);
	free(b->path);
	free(b->ws_url);
	buf_free(&b->tail);
	free(b);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	if (b->len + size * n > (1u << 20))
		return 0;
	buf_append(b, p, size * n);
	return size * n;
}

char *browser_resolve_endpoint(const char *url, int timeout_ms, char **err)
{
	if (!strncmp(url, "ws://", 5))
		return xstrdup(url);
	char *base = xstrdup(url);
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		base[--n] = '\0';
	char *vurl = strstr(base + 7, "/json") ? xstrdup(base) : xasprintf("%s/json/version", base);
	free(base);
	CURL *h = curl_easy_init();
	struct buf body = { 0 };
	char *ws = NULL;
	if (!h) {
		*err = xstrdup("cannot start libcurl");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, vurl);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		*err = xasprintf("%s: %s", vurl, curl_easy_strerror(rc));
		goto out;
	}
	cJSON *j = body.data ? cJSON_ParseWithLength((char *)body.data, body.len) : NULL;
	const char *w = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "webSocketDebuggerUrl"));
	if (status != 200 || !w)
		*err = xasprintf("%s: not a DevTools endpoint (HTTP %ld)", vurl, status);
	else
		ws = xstrdup(w);
	cJSON_Delete(j);
out:
	buf_free(&body);
	free(vurl);
	return ws;
}
