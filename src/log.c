#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static int log_level = LOG_NORMAL;
static void (*log_before)(void), (*log_after)(void);

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

static void log_vprint(const char *fmt, va_list ap)
{
	char line[4096];
	vsnprintf(line, sizeof line, fmt, ap);
	if (log_before)
		log_before();
	fprintf(stderr, "savepage: %s\n", line);
	if (log_after)
		log_after();
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
