#include "config.h"

#include "quota.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- addresses and ranges ---- */

bool addr_parse(const char *text, struct addr *out)
{
	unsigned char v4[4];
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, text, v4) == 1) {
		out->b[10] = out->b[11] = 0xff;
		memcpy(out->b + 12, v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, text, out->b) == 1;
}

bool cidr_parse(const char *text, struct cidr *out)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	bool v4 = strchr(buf, ':') == NULL;
	if (!addr_parse(buf, &out->a))
		return false;
	int max = v4 ? 32 : 128, bits = max;
	if (slash) {
		const char *d = slash + 1;
		if (!*d || strlen(d) > 3)
			return false;
		bits = 0;
		for (; *d; d++) {
			if (!isdigit((unsigned char)*d))
				return false;
			bits = bits * 10 + (*d - '0');
		}
		if (bits > max)
			return false;
	}
	out->bits = v4 ? bits + 96 : bits;
	/* The bits past the prefix are not part of it. */
	for (int i = out->bits; i < 128; i++)
		out->a.b[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	return true;
}

bool cidr_has(const struct cidr *c, const struct addr *a)
{
	int full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(c->a.b, a->b, (size_t)full))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (c->a.b[full] & mask) == (a->b[full] & mask);
}

bool cidr_list_parse(const char *text, struct cidr **v, size_t *n, const char **bad)
{
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char *part = xstrndup(p, len);
		struct cidr c;
		bool good = cidr_parse(part, &c);
		free(part);
		if (!good) {
			*bad = p;
			return false;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = c;
		if (!comma)
			return true;
		p = comma + 1; /* a comma needs a range after it */
	}
}

/* ---- rates ---- */

bool rate_parse(const char *text, struct rate *out)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (end == text || errno || n < 1 || n > 1000000000L)
		return false;
	double per = 60;
	if (!*end)
		per = 60;
	else if (!strcmp(end, "/s"))
		per = 1;
	else if (!strcmp(end, "/min"))
		per = 60;
	else if (!strcmp(end, "/h"))
		per = 3600;
	else
		return false;
	*out = (struct rate){ (double)n, per };
	return true;
}

/* What has come back into the bucket since it was last used. */
static void bucket_refill(struct bucket *b, const struct rate *r, int64_t now_ms)
{
	if (!b->at) {
		b->tokens = r->n;
	} else if (now_ms > b->at) {
		b->tokens += (double)(now_ms - b->at) / 1000.0 * r->n / r->per_s;
		if (b->tokens > r->n)
			b->tokens = r->n;
	}
	b->at = now_ms ? now_ms : 1;
}

bool bucket_has(struct bucket *b, const struct rate *r, int64_t now_ms)
{
	bucket_refill(b, r, now_ms);
	return b->tokens >= 1;
}

bool bucket_take(struct bucket *b, const struct rate *r, int64_t now_ms)
{
	if (!bucket_has(b, r, now_ms))
		return false;
	b->tokens -= 1;
	return true;
}

/* ---- a bucket per client address ---- */

#define PEER_BUCKETS 4096
#define PEERS_MAX 100000 /* addresses remembered at once; past that, a new
			    one is refused until quiet ones are forgotten */
#define SWEEP_MS 10000

struct peer {
	struct peer *next;
	struct addr a;
	struct bucket b;
};

struct peers {
	struct rate r;
	struct peer *v[PEER_BUCKETS];
	size_t n;
	int64_t swept;
	uint64_t seed; /* the chains' hash: not guessable from outside */
};

struct peers *peers_new(const struct rate *r)
{
	struct peers *p = xcalloc(1, sizeof *p);
	p->r = *r;
	unsigned char rnd[8] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd)
		memcpy(rnd, &(uint64_t){ (uint64_t)now_ms() ^ (uint64_t)getpid() }, sizeof rnd);
	if (fd >= 0)
		close(fd);
	memcpy(&p->seed, rnd, sizeof rnd);
	return p;
}

/* Forgets the addresses whose bucket has filled up again: they are as if
 * never seen. */
static void peers_sweep(struct peers *p, int64_t now_ms)
{
	int64_t full_ms = (int64_t)(p->r.per_s * 1000.0) + 1;
	for (size_t i = 0; i < PEER_BUCKETS; i++)
		for (struct peer **pp = &p->v[i]; *pp;) {
			struct peer *e = *pp;
			if (now_ms - e->b.at > full_ms) {
				*pp = e->next;
				free(e);
				p->n--;
			} else {
				pp = &e->next;
			}
		}
	p->swept = now_ms;
}

bool peers_take(struct peers *p, const struct addr *addr, int64_t now_ms)
{
	/* Full: swept once a second, not for every request of a flood. */
	if (now_ms - p->swept > SWEEP_MS || (p->n >= PEERS_MAX && now_ms - p->swept > 1000))
		peers_sweep(p, now_ms);
	/* An IPv6 client holds a whole /64: one bucket for it. */
	struct addr a = *addr;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a.b, mapped, sizeof mapped))
		memset(a.b + 8, 0, 8);
	size_t h = (size_t)(hash64(a.b, sizeof a.b, p->seed) % PEER_BUCKETS);
	struct peer *e = p->v[h];
	while (e && memcmp(e->a.b, a.b, sizeof a.b))
		e = e->next;
	if (!e) {
		if (p->n >= PEERS_MAX)
			return false;
		e = xcalloc(1, sizeof *e);
		e->a = a;
		e->next = p->v[h];
		p->v[h] = e;
		p->n++;
	}
	return bucket_take(&e->b, &p->r, now_ms);
}

size_t peers_count(const struct peers *p)
{
	return p->n;
}

void peers_free(struct peers *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < PEER_BUCKETS; i++)
		while (p->v[i]) {
			struct peer *e = p->v[i];
			p->v[i] = e->next;
			free(e);
		}
	free(p);
}

/* ---- counts a month ---- */

struct count {
	char id[17]; /* the name's digest, 16 hex digits */
	long n;
};

struct usage {
	char *path;
	int lock_fd;
	char month[8]; /* "2026-11"; "" before the first use */
	struct count *v;
	size_t n;
	bool dirty;
};

static void month_of(time_t t, char out[8])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 8, "%Y-%m", &tm);
}

static void name_id(const char *name, char out[17])
{
	char hex[65];
	sha256_hex(name, strlen(name), hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

/* The current month's count of name; a new month forgets the last one. */
static struct count *usage_find(struct usage *u, const char *name, time_t now, bool add)
{
	char month[8], id[17];
	month_of(now, month);
	if (strcmp(month, u->month)) {
		memcpy(u->month, month, sizeof month);
		u->dirty = u->n > 0;
		u->n = 0;
	}
	name_id(name, id);
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->v[i].id, id))
			return &u->v[i];
	if (!add)
		return NULL;
	u->v = xrealloc(u->v, (u->n + 1) * sizeof *u->v);
	struct count *c = &u->v[u->n++];
	memcpy(c->id, id, sizeof c->id);
	c->n = 0;
	return c;
}

/* "2026-11 0123456789abcdef 42": false when the line is not that. */
static bool usage_line(char *line, char month[8], char id[17], long *n)
{
	char *f[3], *save = NULL;
	int nf = 0;
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save))
		if (nf < 3)
			f[nf++] = t;
		else
			return false;
	if (nf != 3 || strlen(f[0]) != 7 || f[0][4] != '-' || strlen(f[1]) != 16)
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)f[0][i]))
			return false;
	for (int i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)f[1][i]))
			return false;
	char *end;
	errno = 0;
	*n = strtol(f[2], &end, 10);
	if (end == f[2] || *end || errno || *n < 0)
		return false;
	memcpy(month, f[0], 8);
	memcpy(id, f[1], 17);
	return true;
}

struct usage *usage_open(const char *path, char **err)
{
	struct usage *u = xcalloc(1, sizeof *u);
	u->path = xstrdup(path);
	u->lock_fd = -1;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0700);
	}
	free(dir);
	char *lock = xasprintf("%s.lock", path);
	u->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (u->lock_fd < 0 || flock(u->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		*err = errno == EWOULDBLOCK
			       ? xasprintf("%s: another savepage serve counts into it", path)
			       : xasprintf("%s: %s", lock, strerror(errno));
		free(lock);
		usage_free(u);
		return NULL;
	}
	free(lock);
	struct buf b = { 0 };
	if (read_file(path, &b) < 0) {
		if (errno == ENOENT)
			return u;
		*err = xasprintf("%s: %s", path, strerror(errno));
		usage_free(u);
		return NULL;
	}
	char *text = xstrndup(b.data ? (const char *)b.data : "", b.len);
	buf_free(&b);
	int lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (*line == '#' || !line[strspn(line, " \t\r")])
			continue;
		char month[8], id[17];
		long n;
		if (!usage_line(line, month, id, &n)) {
			*err = xasprintf("%s: line %d is not 'MONTH ID COUNT'", path, lineno);
			free(text);
			usage_free(u);
			return NULL;
		}
		if (!u->month[0])
			memcpy(u->month, month, sizeof month);
		if (strcmp(month, u->month))
			continue; /* one month is kept */
		struct count *c = NULL;
		for (size_t i = 0; !c && i < u->n; i++)
			if (!strcmp(u->v[i].id, id))
				c = &u->v[i];
		if (!c) {
			u->v = xrealloc(u->v, (u->n + 1) * sizeof *u->v);
			c = &u->v[u->n++];
			memcpy(c->id, id, sizeof id);
			c->n = 0;
		}
		c->n += n;
	}
	free(text);
	return u;
}

long usage_get(struct usage *u, const char *name, time_t now)
{
	struct count *c = usage_find(u, name, now, false);
	return c ? c->n : 0;
}

void usage_add(struct usage *u, const char *name, time_t now)
{
	usage_find(u, name, now, true)->n++;
	u->dirty = true;
}

int usage_save(struct usage *u, char **err)
{
	if (!u->dirty)
		return 0;
	struct buf b = { 0 };
	buf_puts(&b, "# savepage serve: images answered this month, by key (its SHA-256, "
		     "first 16 digits)\n");
	for (size_t i = 0; i < u->n; i++)
		buf_appendf(&b, "%s %s %ld\n", u->month, u->v[i].id, u->v[i].n);
	/* Private: it says who uses the server how much. */
	int rc = atomic_write_mode(u->path, b.data, b.len, 0600, err);
	buf_free(&b);
	if (rc == 0)
		u->dirty = false;
	return rc;
}

void usage_free(struct usage *u)
{
	if (!u)
		return;
	if (u->lock_fd >= 0)
		close(u->lock_fd); /* the lock goes with it */
	free(u->path);
	free(u->v);
	free(u);
}
