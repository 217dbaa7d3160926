#include "config.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "savepage: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		oom(strlen(fmt));
	va_end(ap);
	return s;
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	buf_append(b, s, (size_t)n);
	free(s);
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, size_t inlen, struct buf *out)
{
	while (inlen > 0 && in[inlen - 1] == '=')
		inlen--;
	if (inlen % 4 == 1)
		return -1;
	buf_reserve(out, inlen / 4 * 3 + 3);
	unsigned char *o = out->data + out->len;
	size_t i = 0;
	for (; i + 4 <= inlen; i += 4) {
		int a = b64val((unsigned char)in[i]), b = b64val((unsigned char)in[i + 1]);
		int c = b64val((unsigned char)in[i + 2]), d = b64val((unsigned char)in[i + 3]);
		if ((a | b | c | d) < 0)
			return -1;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		*o++ = (unsigned char)(v >> 16);
		*o++ = (unsigned char)(v >> 8);
		*o++ = (unsigned char)v;
	}
	size_t rest = inlen - i;
	if (rest >= 2) {
		int a = b64val((unsigned char)in[i]), b = b64val((unsigned char)in[i + 1]);
		int c = rest == 3 ? b64val((unsigned char)in[i + 2]) : 0;
		if ((a | b | c) < 0)
			return -1;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
		*o++ = (unsigned char)(v >> 16);
		if (rest == 3)
			*o++ = (unsigned char)(v >> 8);
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	return 0;
}

char *xdg_path(const char *env, const char *home_rel, const char *leaf)
{
	const char *xdg = getenv(env);
	if (xdg && *xdg == '/')
		return xasprintf("%s/%s", xdg, leaf);
	const char *home = getenv("HOME");
	if (home && *home)
		return xasprintf("%s/%s/%s", home, home_rel, leaf);
	return NULL;
}

void strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

void strlist_remove_at(struct strlist *l, size_t i)
{
	if (i >= l->n)
		return;
	free(l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i) * sizeof *l->v); /* NULL included */
	l->n--;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	char *d = xstrdup(path);
	int rc = 0;
	for (char *p = d + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(d, mode) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		if (!c)
			break;
		*p = c;
	}
	int e = errno;
	free(d);
	errno = e;
	return rc;
}

int mkdir_parents(const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = xstrndup(path, (size_t)(slash - path));
	int rc = mkdir_p(dir, mode);
	int e = errno;
	free(dir);
	errno = e;
	return rc;
}

static mode_t umask_value;

static void read_umask(void)
{
	/* Read, not set and restored: umask(0) would be seen for a moment by
	 * every thread, and by a browser forked in that moment. */
	struct buf b = { 0 };
	umask_value = 022;
	if (read_file("/proc/self/status", &b) == 0) {
		const char *u = strstr((const char *)b.data, "\nUmask:");
		if (u)
			umask_value = (mode_t)strtol(u + 8, NULL, 8);
	}
	buf_free(&b);
}

/* The process's umask. */
static mode_t process_umask(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, read_umask);
	return umask_value;
}

/* Temporary files being written, for atomic_abort_all(): a few fixed slots
 * (one per thread that writes at a time is enough), claimed atomically. */
#define ATOMIC_SLOTS 8
static char atomic_paths[ATOMIC_SLOTS][4096];
static volatile sig_atomic_t atomic_used[ATOMIC_SLOTS];

static void atomic_remember(const char *tmp)
{
	if (strlen(tmp) >= sizeof atomic_paths[0])
		return;
	for (int i = 0; i < ATOMIC_SLOTS; i++) {
		if (__atomic_exchange_n(&atomic_used[i], 2, __ATOMIC_ACQ_REL) == 0) {
			strcpy(atomic_paths[i], tmp);
			__atomic_store_n(&atomic_used[i], 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

static void atomic_forget(const char *tmp)
{
	for (int i = 0; i < ATOMIC_SLOTS; i++) {
		if (__atomic_load_n(&atomic_used[i], __ATOMIC_ACQUIRE) == 1 &&
		    !strcmp(atomic_paths[i], tmp)) {
			atomic_paths[i][0] = '\0';
			__atomic_store_n(&atomic_used[i], 0, __ATOMIC_RELEASE);
			return;
		}
	}
}

void atomic_abort_all(void)
{
	for (int i = 0; i < ATOMIC_SLOTS; i++)
		if (atomic_used[i] == 1 && atomic_paths[i][0])
			unlink(atomic_paths[i]);
}

int atomic_begin(const char *path, char **tmp, char **err)
{
	const char *slash = strrchr(path, '/');
	char *t = slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
			: xasprintf(".%s.XXXXXX", path);
	int fd = mkostemp(t, O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(t);
		return -1;
	}
	atomic_remember(t);
	/* mkstemp makes it 0600; an output is as readable as any new file. */
	fchmod(fd, 0666 & ~process_umask());
	*tmp = t;
	return fd;
}

int atomic_commit(const char *tmp, const char *path, char **err)
{
	int rc = 0;
	if (rename(tmp, path) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	atomic_forget(tmp);
	return rc;
}

void atomic_cancel(const char *tmp)
{
	unlink(tmp);
	atomic_forget(tmp);
}

int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_write(const char *path, const void *data, size_t len, char **err)
{
	return atomic_write_mode(path, data, len, -1, err);
}

int atomic_write_mode(const char *path, const void *data, size_t len, int mode, char **err)
{
	char *tmp = NULL;
	int fd = atomic_begin(path, &tmp, err);
	if (fd < 0)
		return -1;
	int rc = mode >= 0 && fchmod(fd, (mode_t)mode) < 0 ? -1 : write_all(fd, data, len);
	int e = errno;
	if (close(fd) < 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc < 0) {
		*err = xasprintf("%s: %s", path, strerror(e));
		atomic_cancel(tmp);
	} else {
		rc = atomic_commit(tmp, path, err);
	}
	free(tmp);
	return rc;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char tmp[65536];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		buf_append(b, tmp, (size_t)n);
	}
	close(fd);
	if (!b->data)
		buf_reserve(b, 0), b->data[0] = '\0';
	return 0;
}

uint64_t hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t strset_slot(char *const *slots, size_t cap, const char *str)
{
	size_t i = (size_t)hash64(str, strlen(str), 0) & (cap - 1);
	while (slots[i] && strcmp(slots[i], str))
		i = (i + 1) & (cap - 1);
	return i;
}

bool strset_has(const struct strset *s, const char *str)
{
	return s->cap && s->slots[strset_slot(s->slots, s->cap, str)];
}

bool strset_add(struct strset *s, const char *str)
{
	if ((s->count + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **slots = xcalloc(cap, sizeof *slots);
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				slots[strset_slot(slots, cap, s->slots[i])] = s->slots[i];
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	size_t i = strset_slot(s->slots, s->cap, str);
	if (s->slots[i])
		return false;
	s->slots[i] = xstrdup(str);
	s->count++;
	return true;
}

void strset_remove(struct strset *s, const char *str)
{
	if (!s->cap)
		return;
	size_t i = strset_slot(s->slots, s->cap, str);
	if (!s->slots[i])
		return;
	free(s->slots[i]);
	s->slots[i] = NULL;
	s->count--;
	/* Linear probing: re-place the rest of the run so lookups still find it. */
	for (size_t j = (i + 1) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		char *moved = s->slots[j];
		s->slots[j] = NULL;
		s->slots[strset_slot(s->slots, s->cap, moved)] = moved;
	}
}

void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	s->slots = NULL;
	s->cap = s->count = 0;
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, d, &n, md, NULL);
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * n] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	digest_hex(EVP_sha256(), data, len, out);
}

void md5_hex(const void *data, size_t len, char out[33])
{
	digest_hex(EVP_md5(), data, len, out);
}

size_t utf8_char(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	size_t len;
	unsigned int cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_char(p + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

char *str_quote(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (size_t i = 0; i < n;) {
		if (b.len >= max) {
			buf_appendf(&b, "... (%zu bytes)", n);
			break;
		}
		size_t k = utf8_char(p + i, n - i);
		bool control = k == 1 ? p[i] < 0x20 || p[i] == 0x7f
				      : k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0; /* C1 */
		if (k && !control) {
			buf_append(&b, p + i, k);
			i += k;
		} else {
			k = k ? k : 1;
			for (size_t j = 0; j < k; j++)
				buf_appendf(&b, "\\x%02X", p[i + j]);
			i += k;
		}
	}
	return (char *)b.data;
}

void buf_append_json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	buf_append(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t k = utf8_char(p + i, n - i);
		if (k > 1) {
			buf_append(b, p + i, k);
			i += k;
			continue;
		}
		if (!k)
			buf_puts(b, "\xef\xbf\xbd"); /* not UTF-8: U+FFFD, so the line stays JSON */
		else if (p[i] == '"' || p[i] == '\\')
			buf_appendf(b, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			buf_appendf(b, "\\u%04x", p[i]);
		else
			buf_append(b, p + i, 1);
		i++;
	}
	buf_append(b, "\"", 1);
}

void signals_install(void (*fn)(int sig))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
