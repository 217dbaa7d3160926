#include "config.h"

#include "quota.h"

#include <arpa/inet.h>
#include <errno.h>
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
		char *end;
		errno = 0;
		long n = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || errno || n < 0 || n > max)
			return false;
		bits = (int)n;
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
	while (*p) {
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
		p = comma ? comma + 1 : p + len;
	}
	if (!*n) {
		*bad = text;
		return false;
	}
	return true;
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

bool bucket_take(struct bucket *b, const struct rate *r, int64_t now_ms)
{
	if (!b->at) {
		b->tokens = r->n;
	} else if (now_ms > b->at) {
		b->tokens += (double)(now_ms - b->at) / 1000.0 * r->n / r->per_s;
		if (b->tokens > r->n)
			b->tokens = r->n;
	}
	b->at = now_ms ? now_ms : 1;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

/* ---- a bucket per client address ---- */

#define PEER_BUCKETS 1024
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
};

struct peers *peers_new(const struct rate *r)
{
	struct peers *p = xcalloc(1, sizeof *p);
	p->r = *r;
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

bool peers_take(struct peers *p, const struct addr *a, int64_t now_ms)
{
	if (now_ms - p->swept > SWEEP_MS)
		peers_sweep(p, now_ms);
	size_t h = (size_t)(hash64(a->b, sizeof a->b, 0x5eed) % PEER_BUCKETS);
	struct peer *e = p->v[h];
	while (e && memcmp(e->a.b, a->b, sizeof a->b))
		e = e->next;
	if (!e) {
		e = xcalloc(1, sizeof *e);
		e->a = *a;
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

struct usage *usage_open(const char *path, char **err)
{
	struct usage *u = xcalloc(1, sizeof *u);
	u->path = xstrdup(path);
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
		if (*line == '#' || !*line)
			continue;
		char month[8], id[17];
		long n;
		int used = 0;
		if (sscanf(line, "%7s %16s %ld%n", month, id, &n, &used) != 3 || line[used] ||
		    strlen(id) != 16 || n < 0) {
			*err = xasprintf("%s: line %d is not 'MONTH ID COUNT'", path, lineno);
			free(text);
			usage_free(u);
			return NULL;
		}
		if (!u->month[0])
			memcpy(u->month, month, sizeof month);
		if (strcmp(month, u->month))
			continue; /* one month is kept */
		u->v = xrealloc(u->v, (u->n + 1) * sizeof *u->v);
		memcpy(u->v[u->n].id, id, sizeof id);
		u->v[u->n++].n = n;
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
	char *dir = xstrdup(u->path), *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0700);
	}
	free(dir);
	int rc = atomic_write(u->path, b.data, b.len, err);
	buf_free(&b);
	if (rc == 0)
		u->dirty = false;
	return rc;
}

void usage_free(struct usage *u)
{
	if (!u)
		return;
	free(u->path);
	free(u->v);
	free(u);
}
