/* pool: a run of captures: check the URLs, start or reach the browser,
 * drive the captures on one event loop, hand each result to its output,
 * and report. Returns the process exit status (see cli.md). */
#ifndef SAVEPAGE_POOL_H
#define SAVEPAGE_POOL_H

#include <signal.h>

#include "options.h"

enum {
	EXIT_ALL_OK = 0,
	EXIT_SOME_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NO_BROWSER = 3,
	EXIT_INTERRUPTED = 130,
};

/* Installs SIGINT/SIGTERM/SIGHUP handlers: the first stops the run cleanly,
 * a second one kills the browser and exits at once. Ignores SIGPIPE. */
void pool_install_signal_handlers(void);

int pool_run(const struct settings *s);

#endif
