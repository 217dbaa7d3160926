/* httpd: an HTTP/1.1 server on the event loop (libwebsockets' own, on a
 * socket of ours, loop_listen): requests in, whole (line, headers, query,
 * a body up to a limit), answers out, written a piece at a time. It knows
 * nothing of what is asked; savepage serve does. */
#ifndef SAVEPAGE_HTTPD_H
#define SAVEPAGE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"
#include "util.h"

struct httpd;
struct httpd_req;

struct httpd_hooks {
	/* A request is in. Answer it now or later (httpd_answer); until
	 * then it stays. */
	void (*request)(void *ud, struct httpd_req *q);
	/* Its client went away before the answer: q is gone after this. */
	void (*gone)(void *ud, struct httpd_req *q);
	void *ud;
};

/* Listens on host:port (0: a free port); bodies over max_body are not
 * read (httpd_body_too_large). NULL with *err. */
struct httpd *httpd_new(struct loop *loop, const char *host, int port, size_t max_body,
			const struct httpd_hooks *hooks, char **err);
int httpd_port(const struct httpd *d);
/* No new connections; the requests taken are answered, each connection
 * closed after its answer. */
void httpd_stop(struct httpd *d);
/* Connections still open. */
int httpd_open(const struct httpd *d);
/* Closes everything; requests not answered are dropped (no hooks).
 * NULL is a no-op. */
void httpd_free(struct httpd *d);

/* The request. */
const char *httpd_method(const struct httpd_req *q); /* "GET", "POST", ... or "-" */
const char *httpd_path(const struct httpd_req *q);   /* without the query */
const char *httpd_peer(const struct httpd_req *q);   /* the client's address */
/* A header ("content-type", "content-length", "if-modified-since",
 * "x-forwarded-for"), or NULL. */
const char *httpd_header(const struct httpd_req *q, const char *name);
/* The query's name=value parts, each decoded (GET). */
const struct strlist *httpd_query(const struct httpd_req *q);
/* The body as it came (POST), and whether it was too large to be read. */
const struct buf *httpd_body(const struct httpd_req *q);
bool httpd_body_too_large(const struct httpd_req *q);
/* A POST without a Content-Length (chunked): its body is not read. */
bool httpd_body_unsized(const struct httpd_req *q);

/* The answer: status, Content-Type (NULL: none), more header lines
 * ("Name: value"; NULL: none) and the body, copied. A 304 has no body.
 * q is the server's again after this. */
void httpd_answer(struct httpd_req *q, int status, const char *ctype,
		  const struct strlist *headers, const void *body, size_t len);

#endif
