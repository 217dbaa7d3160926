#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* A message is one readable line, whatever went into it (a URL, a page's
 * error text, a server's answer): bytes that are not UTF-8 text and control
 * characters shown as \xHH, and cut at this length. */
#define LOG_LINE_MAX 1000

static int log_level = LOG_NORMAL;
static void (*log_before)(void), (*log_after)(void);
static void (*log_sink)(const char *line);

void log_set_sink(void (*sink)(const char *line))
{
	log_sink = sink;
}

void log_set_hooks(void (*before)(void), void (*after)(void))
{
	log_before = before;
	log_after = after;
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

static void log_vprint(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void log_vprint(const char *fmt, va_list ap)
{
	char raw[4096];
	vsnprintf(raw, sizeof raw, fmt, ap);
	char *line = str_quote(raw, LOG_LINE_MAX);
	if (log_sink) {
		log_sink(line);
	} else {
		if (log_before)
			log_before();
		fprintf(stderr, "savepage: %s\n", line);
		if (log_after)
			log_after();
	}
	free(line);
}

#define LOG_FN(name, min)                          \
	void name(const char *fmt, ...)            \
	{                                          \
		if (log_level < (min))             \
			return;                    \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		log_vprint(fmt, ap);               \
		va_end(ap);                        \
	}

LOG_FN(log_warn, LOG_NORMAL)
LOG_FN(log_info, LOG_VERBOSE)
LOG_FN(log_debug, LOG_DEBUG)

void log_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}
