/* urls: turn what the user typed into a URL Chrome can load, or refuse it. */
#ifndef SAVEPAGE_URLS_H
#define SAVEPAGE_URLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* The parts of "scheme://[userinfo@]host[:port][/path][?query][#fragment]"
 * as spans of the string that was split (nothing is copied). */
struct url_parts {
	const char *scheme;
	size_t scheme_len;
	const char *userinfo; /* before '@'; userinfo_len 0 when there is none */
	size_t userinfo_len;
	const char *host;     /* an IPv6 literal keeps its brackets; empty in file:/// */
	size_t host_len;
	bool has_port;        /* a ':' follows the host */
	const char *port;     /* what follows that ':' */
	size_t port_len;
	const char *rest;     /* path, query and fragment to the end ("" if none) */
};

/* Splits url. Returns 0, or -1 when it has no "scheme://" or an IPv6
 * literal that is not closed, or is followed by something but a port. */
int url_split(const char *url, struct url_parts *p);

/* Normalises a URL: trims blanks, lower-cases scheme and host, makes a bare
 * host (example.com) https://example.com/, adds the root path. Accepts
 * http, https and file URLs. Returns a new string (caller frees), or NULL
 * with *why set to a static reason when it is invalid or blank. */
char *url_normalise(const char *in, const char **why);
/* The same for len bytes, which may hold a NUL byte (refused). */
char *url_normalise_n(const char *in, size_t len, const char **why);

/* For a normalised http(s) URL: scheme://host[:port]/ (caller frees);
 * NULL for other schemes. */
char *url_origin(const char *url);

/* The URL up to its #fragment (caller frees): the document it names. */
char *url_without_fragment(const char *url);

/* For a normalised URL: the host (caller frees); "" for file URLs. */
char *url_host(const char *url);
/* Whether host is domain or one of its subdomains (any case); domain may
 * be given with a leading dot, n bytes long. */
bool url_host_within(const char *host, const char *domain, size_t n);

/* Calls cb for each URL line of path ("-": standard input): blank lines and
 * lines starting with '#' are skipped, blanks around a URL trimmed. A line
 * is len bytes (not NUL-terminated; it may hold a NUL byte). lineno counts
 * from 1. Returns 0, or -1 with *err set (caller frees). */
int url_read_lines(const char *path,
		   void (*cb)(void *ud, const char *line, size_t len, int lineno), void *ud,
		   char **err);
/* The same from an open stream, named name in messages. */
int url_read_stream(FILE *f, const char *name,
		    void (*cb)(void *ud, const char *line, size_t len, int lineno), void *ud,
		    char **err);

/* Splits a Cookie string "name=value; name2=value2" into pairs with blanks
 * trimmed. Returns the number of pairs, or -1 with *why set (static) when a
 * part is not name=value or holds characters a cookie cannot. */
int cookie_split(const char *s, struct strlist *names, struct strlist *values, const char **why);

#endif
