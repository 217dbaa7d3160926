/* log: messages on standard error, prefixed with the program name. */
#ifndef SAVEPAGE_LOG_H
#define SAVEPAGE_LOG_H

enum log_level { LOG_QUIET = -1, LOG_NORMAL = 0, LOG_VERBOSE = 1, LOG_DEBUG = 2 };

void log_set_level(int level);
/* Called around every message (a progress line clears and redraws). */
void log_set_hooks(void (*before)(void), void (*after)(void));
int log_get_level(void);
/* For the fuzz targets: every message goes to sink (without the program's
 * name) instead of standard error. NULL: standard error again. */
void log_set_sink(void (*sink)(const char *line));

/* Errors are always shown; warnings unless --quiet; info with -v; debug with -vv. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
