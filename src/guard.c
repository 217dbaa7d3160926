#include "config.h"

#include "guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "workq.h"

#define RELAY_BUF (64 * 1024) /* each way, per connection */
#define HANDSHAKE_MAX 600     /* a greeting and a request, at most */
#define CONN_TIMEOUT_MS 30000 /* from the greeting to the relay */

/* SOCKS5 replies (RFC 1928). Chrome reports any of them as
 * ERR_SOCKS_CONNECTION_FAILED: which were refusals by the rules is counted
 * per lane (guard_refusals). */
enum { REP_OK = 0, REP_NOT_ALLOWED = 2, REP_UNREACHABLE = 4, REP_NO_COMMAND = 7,
       REP_NO_ATYPE = 8 };

enum gstate { G_GREETING, G_REQUEST, G_RESOLVING, G_CONNECTING, G_RELAY };

/* A lane: a listening port of its own, so that what it refused can be
 * told apart from the other lanes' (one render at a time uses a lane). */
struct lane {
	struct guard *g;
	int fd;
	struct loop_fd *watch;
	char proxy[48];
	unsigned long refused;
};

struct guard {
	struct loop *loop;
	struct workq *resolver;
	struct strlist allowed;     /* "host:port", brackets taken off */
	struct lane *lanes;
	size_t nlanes;
	struct gconn *conns;
};

struct gconn {
	struct guard *g;
	struct lane *lane;
	struct gconn *next;
	struct loop_timer *timer;  /* the handshake and the connect's limit */
	bool early;                /* the browser sent before the relay */
	enum gstate st;
	int cfd, sfd;              /* the browser's side, the site's; -1 */
	struct loop_fd *cw, *sw;
	unsigned char hs[HANDSHAKE_MAX];
	size_t hslen;
	char host[256];
	int port;
	struct addrinfo *ai, *next_ai; /* checked addresses, the next to try */
	unsigned char up[RELAY_BUF], down[RELAY_BUF]; /* browser->site, site->browser */
	size_t uplen, downlen;
	bool c_eof, s_eof, c_shut, s_shut;
	bool dead;                 /* closed while its lookup runs */
};

/* ---- which addresses ---- */

static bool v4_public(uint32_t a)
{
	static const struct { uint32_t net, mask; } bad[] = {
		{ 0x00000000, 0xff000000 }, /* 0/8 "this network" */
		{ 0x0a000000, 0xff000000 }, /* 10/8 */
		{ 0x64400000, 0xffc00000 }, /* 100.64/10 shared (CGNAT) */
		{ 0x7f000000, 0xff000000 }, /* 127/8 loopback */
		{ 0xa9fe0000, 0xffff0000 }, /* 169.254/16 link-local */
		{ 0xac100000, 0xfff00000 }, /* 172.16/12 */
		{ 0xc0000000, 0xffffff00 }, /* 192.0.0/24 protocol assignments */
		{ 0xc0000200, 0xffffff00 }, /* 192.0.2/24 documentation */
		{ 0xc0a80000, 0xffff0000 }, /* 192.168/16 */
		{ 0xc6120000, 0xfffe0000 }, /* 198.18/15 benchmarking */
		{ 0xc6336400, 0xffffff00 }, /* 198.51.100/24 documentation */
		{ 0xcb007100, 0xffffff00 }, /* 203.0.113/24 documentation */
		{ 0xe0000000, 0xf0000000 }, /* 224/4 multicast */
		{ 0xf0000000, 0xf0000000 }, /* 240/4 reserved, broadcast */
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		if ((a & bad[i].mask) == bad[i].net)
			return false;
	return true;
}

bool guard_addr_public(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return false;
	const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	static const uint8_t zero[12];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t siit[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 };
	uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
	/* ::/96 (::, ::1, the old IPv4-compatible form), ::ffff:a.b.c.d and
	 * NAT64's 64:ff9b::a.b.c.d: judged by their IPv4 address. */
	if (!memcmp(b, zero, 12) || !memcmp(b, mapped, 12) || !memcmp(b, nat64, 12) ||
	    !memcmp(b, siit, 12))
		return v4_public(v4) && memcmp(b, zero, 12);
	if (b[0] == 0x20 && b[1] == 0x02) { /* 2002::/16 6to4: its IPv4 in bits 16-47 */
		uint32_t e = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
		return v4_public(e);
	}
	if (b[0] == 0x20 && b[1] == 0x01 && !b[2] && !b[3]) /* 2001::/32 Teredo */
		return false;
	if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1)
		return false; /* 64:ff9b:1::/48 local-use NAT64 */
	if ((b[0] & 0xfe) == 0xfc)                    /* fc00::/7 unique local */
		return false;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)    /* fe80::/10 link-local */
		return false;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)    /* fec0::/10 site-local */
		return false;
	if (b[0] == 0xff)                             /* multicast */
		return false;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */
		return false;
	if (b[0] == 0x01 && !b[1] && !memcmp(b + 2, zero, 6)) /* 100::/64 discard */
		return false;
	return true;
}

/* NULL when every address of ai may be reached, else which may not. */
static char *refusal_of(const struct addrinfo *ai, const char *host)
{
	for (; ai; ai = ai->ai_next) {
		if (guard_addr_public(ai->ai_addr))
			continue;
		char a[INET6_ADDRSTRLEN] = "?";
		const void *p = ai->ai_family == AF_INET
					? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
					: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		inet_ntop(ai->ai_family, p, a, sizeof a);
		return strcmp(a, host) ? xasprintf("%s is %s, not a public address", host, a)
				       : xasprintf("%s is not a public address", host);
	}
	return NULL;
}

static int lookup(const char *host, struct addrinfo **ai)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	return getaddrinfo(host, NULL, &hints, ai);
}

/* ---- connections ---- */

static void conn_watch(struct gconn *c);
static void on_conn_io(void *ud, int fd, bool readable, bool writable);

static void conn_close(struct gconn *c)
{
	for (struct gconn **pp = &c->g->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	loop_fd_free(c->cw);
	loop_fd_free(c->sw);
	loop_timer_free(c->timer);
	c->timer = NULL;
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	c->cw = c->sw = NULL;
	c->cfd = c->sfd = -1;
	if (c->st == G_RESOLVING) {
		c->dead = true; /* freed when its lookup comes back */
		return;
	}
	if (c->ai)
		freeaddrinfo(c->ai);
	free(c);
}

/* A reply to the browser, then (unless it is a success) the end. */
static void reply(struct gconn *c, int rep)
{
	unsigned char r[10] = { 5, (unsigned char)rep, 0, 1, 0, 0, 0, 0, 0, 0 };
	if (send(c->cfd, r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r || rep != REP_OK) {
		conn_close(c);
		return;
	}
	c->st = G_RELAY;
	loop_timer_stop(c->timer);
	conn_watch(c);
}

static void try_connect(struct gconn *c)
{
	while (c->next_ai) {
		struct addrinfo *a = c->next_ai;
		c->next_ai = a->ai_next;
		if (a->ai_family == AF_INET)
			((struct sockaddr_in *)a->ai_addr)->sin_port = htons((uint16_t)c->port);
		else if (a->ai_family == AF_INET6)
			((struct sockaddr_in6 *)a->ai_addr)->sin6_port = htons((uint16_t)c->port);
		else
			continue;
		int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		loop_fd_free(c->sw);
		if (c->sfd >= 0)
			close(c->sfd);
		c->sfd = fd;
		c->st = G_CONNECTING;
		c->sw = NULL;
		conn_watch(c);
		if (!c->sw) {
			conn_close(c);
			return;
		}
		return;
	}
	reply(c, REP_UNREACHABLE);
}

struct lookup_job {
	struct gconn *c;
	char host[256];
	struct addrinfo *ai;
	int rc;
};

static void lookup_work(void *arg)
{
	struct lookup_job *j = arg;
	j->rc = lookup(j->host, &j->ai);
}

static bool host_allowed(const struct guard *g, const char *host, int port)
{
	char hp[300];
	snprintf(hp, sizeof hp, "%s:%d", host, port);
	for (size_t i = 0; i < g->allowed.n; i++)
		if (!strcasecmp(g->allowed.v[i], hp))
			return true;
	return false;
}

static void lookup_done(void *arg)
{
	struct lookup_job *j = arg;
	struct gconn *c = j->c;
	c->st = G_REQUEST; /* no longer resolving: conn_close frees now */
	if (c->dead) {
		if (j->ai)
			freeaddrinfo(j->ai);
		free(c);
		free(j);
		return;
	}
	if (j->rc) {
		log_info("guard: %s: %s", c->host, gai_strerror(j->rc));
		free(j);
		reply(c, REP_UNREACHABLE);
		return;
	}
	char *why = host_allowed(c->g, c->host, c->port) ? NULL : refusal_of(j->ai, c->host);
	if (why) {
		c->lane->refused++;
		log_info("guard: refused %s:%d (%s)", c->host, c->port, why);
		free(why);
		freeaddrinfo(j->ai);
		free(j);
		reply(c, REP_NOT_ALLOWED);
		return;
	}
	c->ai = c->next_ai = j->ai;
	free(j);
	try_connect(c);
}

/* The greeting and the request, as they come. */
static void handshake(struct gconn *c)
{
	const unsigned char *b = c->hs;
	size_t n = c->hslen;
	if (c->st == G_GREETING) {
		if (n < 2 || n < 2u + b[1])
			return;
		if (b[0] != 5 || !memchr(b + 2, 0, b[1])) {
			unsigned char no[2] = { 5, 0xff }; /* no method we take */
			if (send(c->cfd, no, 2, MSG_NOSIGNAL) < 0) {
				/* closed below either way */
			}
			conn_close(c);
			return;
		}
		unsigned char yes[2] = { 5, 0 };
		size_t used = 2u + b[1];
		memmove(c->hs, c->hs + used, n - used);
		c->hslen -= used;
		c->st = G_REQUEST;
		if (send(c->cfd, yes, 2, MSG_NOSIGNAL) != 2) {
			conn_close(c);
			return;
		}
		b = c->hs;
		n = c->hslen;
	}
	if (n < 5)
		return;
	size_t need = b[3] == 1 ? 10 : b[3] == 4 ? 22 : b[3] == 3 ? 7u + b[4] : 0;
	if (!need || b[0] != 5) {
		reply(c, REP_NO_ATYPE);
		return;
	}
	if (n < need)
		return;
	if (b[1] != 1) { /* CONNECT only */
		reply(c, REP_NO_COMMAND);
		return;
	}
	c->port = b[need - 2] << 8 | b[need - 1];
	if (b[3] == 3) {
		snprintf(c->host, sizeof c->host, "%.*s", b[4], (const char *)b + 5);
		if (strlen(c->host) != b[4]) { /* a NUL in the name */
			reply(c, REP_NOT_ALLOWED);
			return;
		}
	} else {
		inet_ntop(b[3] == 1 ? AF_INET : AF_INET6, b + 4, c->host, sizeof c->host);
	}
	c->hslen = 0;
	c->st = G_RESOLVING;
	conn_watch(c);
	struct lookup_job *j = xcalloc(1, sizeof *j);
	j->c = c;
	snprintf(j->host, sizeof j->host, "%s", c->host);
	workq_submit(c->g->resolver, lookup_work, lookup_done, j);
}

/* What each side is watched for, from the state and the buffers. */
static void conn_watch(struct gconn *c)
{
	bool relay = c->st == G_RELAY;
	bool cr = (c->st == G_GREETING || c->st == G_REQUEST) ||
		  ((c->st == G_RESOLVING || c->st == G_CONNECTING) && !c->early) ||
		  (relay && !c->c_eof && c->uplen < RELAY_BUF);
	bool cwr = relay && c->downlen > 0;
	if (c->cfd >= 0) {
		if (!c->cw)
			c->cw = loop_fd_watch(c->g->loop, c->cfd, cr, cwr, on_conn_io, c);
		else
			loop_fd_want(c->cw, cr, cwr);
	}
	if (c->sfd >= 0) {
		bool sr = relay && !c->s_eof && c->downlen < RELAY_BUF;
		bool swr = c->st == G_CONNECTING || (relay && c->uplen > 0);
		if (!c->sw)
			c->sw = loop_fd_watch(c->g->loop, c->sfd, sr, swr, on_conn_io, c);
		else
			loop_fd_want(c->sw, sr, swr);
	}
}

/* Moves bytes from one side to the other; false when the connection is over. */
static bool relay_read(int fd, unsigned char *buf, size_t *len, bool *eof)
{
	ssize_t n = recv(fd, buf + *len, RELAY_BUF - *len, 0);
	if (n > 0) {
		*len += (size_t)n;
	} else if (n == 0) {
		*eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		return false;
	}
	return true;
}

static bool relay_write(int fd, unsigned char *buf, size_t *len)
{
	ssize_t n = send(fd, buf, *len, MSG_NOSIGNAL);
	if (n > 0) {
		memmove(buf, buf + n, *len - (size_t)n);
		*len -= (size_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		return false;
	}
	return true;
}

static void on_conn_io(void *ud, int fd, bool readable, bool writable)
{
	struct gconn *c = ud;
	bool client = fd == c->cfd;
	if (c->st == G_GREETING || c->st == G_REQUEST) {
		if (!client || !readable)
			return;
		ssize_t n = recv(c->cfd, c->hs + c->hslen, sizeof c->hs - c->hslen, 0);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				conn_close(c);
			return;
		}
		c->hslen += (size_t)n;
		handshake(c);
		return;
	}
	if (client && (c->st == G_RESOLVING || c->st == G_CONNECTING)) {
		/* Before the relay: the browser gave up (EOF), or sent early
		 * (kept for the relay; not watched until then). */
		char x;
		ssize_t n = recv(c->cfd, &x, 1, MSG_PEEK);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		c->early = n > 0;
		conn_watch(c);
		return;
	}
	if (c->st == G_CONNECTING) {
		if (!writable)
			return;
		int err = 0;
		socklen_t el = sizeof err;
		getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			try_connect(c);
			return;
		}
		reply(c, REP_OK);
		return;
	}
	if (c->st != G_RELAY)
		return;
	bool ok = true;
	if (client) {
		if (readable && !c->c_eof)
			ok = relay_read(c->cfd, c->up, &c->uplen, &c->c_eof);
		if (ok && writable && c->downlen)
			ok = relay_write(c->cfd, c->down, &c->downlen);
	} else {
		if (readable && !c->s_eof)
			ok = relay_read(c->sfd, c->down, &c->downlen, &c->s_eof);
		if (ok && writable && c->uplen)
			ok = relay_write(c->sfd, c->up, &c->uplen);
	}
	/* Data read on one side is written to the other at once if it can be. */
	if (ok && c->uplen)
		ok = relay_write(c->sfd, c->up, &c->uplen);
	if (ok && c->downlen)
		ok = relay_write(c->cfd, c->down, &c->downlen);
	if (ok && c->c_eof && !c->uplen && !c->s_shut) {
		shutdown(c->sfd, SHUT_WR);
		c->s_shut = true;
	}
	if (ok && c->s_eof && !c->downlen && !c->c_shut) {
		shutdown(c->cfd, SHUT_WR);
		c->c_shut = true;
	}
	if (!ok || (c->c_shut && c->s_shut)) {
		conn_close(c);
		return;
	}
	conn_watch(c);
}

static void on_conn_timeout(void *ud)
{
	struct gconn *c = ud;
	log_info("guard: %s:%d: no connection within %d s", c->host[0] ? c->host : "?", c->port,
		 CONN_TIMEOUT_MS / 1000);
	if (c->st == G_CONNECTING)
		reply(c, REP_UNREACHABLE);
	else
		conn_close(c);
}

static void on_accept(void *ud, int fd, bool readable, bool writable)
{
	struct lane *lane = ud;
	struct guard *g = lane->g;
	(void)writable;
	if (!readable)
		return;
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return; /* out of descriptors too: Chrome's connect times out */
		struct gconn *c = xcalloc(1, sizeof *c);
		c->g = g;
		c->lane = lane;
		c->timer = loop_timer_new(g->loop, on_conn_timeout, c);
		loop_timer_start(c->timer, CONN_TIMEOUT_MS);
		c->cfd = cfd;
		c->sfd = -1;
		c->st = G_GREETING;
		c->next = g->conns;
		g->conns = c;
		conn_watch(c);
		if (!c->cw)
			conn_close(c);
	}
}

/* ---- the proxy ---- */

static void wake_loop(void *ud)
{
	loop_wake(ud);
}

struct guard *guard_new(struct loop *loop, const struct strlist *allowed, size_t lanes,
			char **err)
{
	struct guard *g = xcalloc(1, sizeof *g);
	g->loop = loop;
	for (size_t i = 0; allowed && i < allowed->n; i++) {
		const char *a = allowed->v[i];
		const char *colon = strrchr(a, ':');
		size_t n = colon ? (size_t)(colon - a) : strlen(a);
		char *e = a[0] == '[' && n > 2 && a[n - 1] == ']'
				  ? xasprintf("%.*s%s", (int)n - 2, a + 1, colon ? colon : "")
				  : xstrdup(a);
		strlist_add(&g->allowed, e);
		free(e);
	}
	g->resolver = workq_new(4, wake_loop, loop);
	g->lanes = xcalloc(lanes, sizeof *g->lanes);
	for (; g->nlanes < lanes; g->nlanes++) {
		struct lane *l = &g->lanes[g->nlanes];
		l->g = g;
		l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof sin;
		if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
		    listen(l->fd, 128) < 0 || getsockname(l->fd, (struct sockaddr *)&sin, &sl) < 0) {
			*err = xasprintf("the guard's proxy cannot listen: %s", strerror(errno));
			if (l->fd >= 0)
				close(l->fd);
			guard_free(g);
			return NULL;
		}
		snprintf(l->proxy, sizeof l->proxy, "socks5://127.0.0.1:%d", ntohs(sin.sin_port));
		l->watch = loop_fd_watch(loop, l->fd, true, false, on_accept, l);
		if (!l->watch) {
			*err = xstrdup("the guard's proxy cannot be watched");
			close(l->fd);
			guard_free(g);
			return NULL;
		}
	}
	return g;
}

const char *guard_proxy(const struct guard *g, size_t lane)
{
	return g->lanes[lane].proxy;
}

void guard_poll(struct guard *g)
{
	if (g)
		workq_poll(g->resolver);
}

unsigned long guard_refusals(const struct guard *g, size_t lane)
{
	return g->lanes[lane].refused;
}

void guard_free(struct guard *g)
{
	if (!g)
		return;
	while (g->conns)
		conn_close(g->conns);
	workq_free(g->resolver); /* runs the lookups' done: the dead are freed */
	for (size_t i = 0; i < g->nlanes; i++) {
		loop_fd_free(g->lanes[i].watch);
		close(g->lanes[i].fd);
	}
	free(g->lanes);
	strlist_free(&g->allowed);
	free(g);
}
