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

/* The last lines of Chrome's stderr, for a launch failure message. */
static char *stderr_tail(const char *profile)
{
	char *path = xasprintf("%s/chrome-stderr.log", profile);
	struct buf b = { 0 };
	char *tail = NULL;
	if (read_file(path, &b) == 0 && b.len) {
		size_t n = b.len;
		while (n && (b.data[n - 1] == '\n' || b.data[n - 1] == ' '))
			n--;
		size_t start = n > 300 ? n - 300 : 0;
		const char *nl = memchr(b.data + start, '\n', n - start);
		if (start && nl)
			start = (size_t)(nl - (char *)b.data) + 1;
		tail = xstrndup((char *)b.data + start, n - start);
		for (char *p = tail; *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	buf_free(&b);
	free(path);
	return tail;
}

static void child_exec(const char *path, char *const argv[], int in_fd, int out_fd,
		       const char *errlog, pid_t parent)
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
	int err = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	if (err >= 0)
		dup2(err, 2);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execv(path, argv);
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

struct browser *browser_launch(const char *path, const struct strlist *extra_args,
			       int timeout_ms, char **err)
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

	/* to_chrome: Chrome reads [0] as fd 3; from_chrome: Chrome writes [1] as fd 4. */
	int to_chrome[2], from_chrome[2];
	if (pipe2(to_chrome, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe: %s", strerror(errno));
		rm_rf(profile);
		free(profile);
		return NULL;
	}
	if (pipe2(from_chrome, O_CLOEXEC) < 0) {
		*err = xasprintf("pipe: %s", strerror(errno));
		close(to_chrome[0]);
		close(to_chrome[1]);
		rm_rf(profile);
		free(profile);
		return NULL;
	}

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

	char *errlog = xasprintf("%s/chrome-stderr.log", profile);
	/* Chrome's processes that lose their parent become ours to reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(path, argv.v, to_chrome[0], from_chrome[1], errlog, parent);
	free(errlog);
	strlist_free(&argv);
	close(to_chrome[0]);
	close(from_chrome[1]);
	if (pid < 0) {
		*err = xasprintf("fork: %s", strerror(errno));
		close(to_chrome[1]);
		close(from_chrome[0]);
		rm_rf(profile);
		free(profile);
		return NULL;
	}
	setpgid(pid, pid); /* also in the parent, so the group exists before we kill it */

	struct browser *b = xcalloc(1, sizeof *b);
	b->pid = pid;
	b->path = xstrdup(path);
	b->profile_dir = profile;
	b->pipe_in = to_chrome[1];
	b->pipe_out = from_chrome[0];

	/* Chrome writes DevToolsActivePort (port, then the browser path) when ready. */
	char *portfile = xasprintf("%s/DevToolsActivePort", profile);
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		struct buf pb = { 0 };
		if (read_file(portfile, &pb) == 0) {
			char *nl = strchr((char *)pb.data, '\n');
			if (nl) {
				*nl = '\0';
				char *wpath = nl + 1;
				wpath[strcspn(wpath, "\r\n")] = '\0';
				int port = atoi((char *)pb.data);
				if (port > 0 && *wpath == '/') {
					b->ws_url = xasprintf("ws://127.0.0.1:%d%s", port, wpath);
					buf_free(&pb);
					break;
				}
			}
		}
		buf_free(&pb);
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			b->pid = 0;
			char *tail = stderr_tail(profile);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !tail)
				*err = xasprintf("%s: cannot run it", path);
			else
				*err = xasprintf("%s exited at start-up (%s %d)%s%s", path,
						 WIFSIGNALED(status) ? "signal" : "status",
						 WIFSIGNALED(status) ? WTERMSIG(status)
								     : WEXITSTATUS(status),
						 tail ? ": " : "", tail ? tail : "");
			free(tail);
			break;
		}
		if (now_ms() > deadline) {
			*err = xasprintf("%s did not open its DevTools endpoint within %d s", path,
					 timeout_ms / 1000);
			break;
		}
		sleep_ms(10);
	}
	free(portfile);
	if (!b->ws_url) {
		browser_free(b);
		return NULL;
	}
	log_debug("browser %s (pid %d) at %s", path, (int)pid, b->ws_url);
	return b;
}

void browser_kill_now(const struct browser *b)
{
	if (b && b->pid > 0)
		kill(-b->pid, SIGKILL);
}

void browser_free(struct browser *b)
{
	if (!b)
		return;
	/* Closing the DevTools pipe asks Chrome to exit; then the group is killed. */
	if (b->pipe_in >= 0)
		close(b->pipe_in);
	if (b->pipe_out >= 0)
		close(b->pipe_out);
	if (b->pid > 0) {
		int status;
		kill(-b->pid, SIGTERM);
		for (int i = 0; i < 200; i++) {
			pid_t r = waitpid(b->pid, &status, WNOHANG);
			if (r == b->pid || (r < 0 && errno == ECHILD))
				break;
			sleep_ms(10);
		}
		/* Whatever is left of the group (renderers, zygotes) goes now. As the
		 * child subreaper we inherit the orphans, so reap until none is left. */
		kill(-b->pid, SIGKILL);
		for (;;) {
			pid_t r = waitpid(-b->pid, &status, 0);
			if (r < 0 && errno != EINTR)
				break;
		}
	}
	if (b->profile_dir)
		rm_rf(b->profile_dir);
	free(b->profile_dir);
	free(b->path);
	free(b->ws_url);
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
