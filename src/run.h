/* run: one run of savepage over its URLs, from the settings to the exit
 * status (see cli.md): read the URLs, decide where images go, serve what
 * the cache holds, render the rest with browsers or the hosted API on one
 * event loop, deliver each outcome, and report. */
#ifndef SAVEPAGE_RUN_H
#define SAVEPAGE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

enum {
	EXIT_ALL_OK = 0,
	EXIT_SOME_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NO_BROWSER = 3,
	EXIT_INTERRUPTED = 130,
};

/* Installs SIGINT/SIGTERM/SIGHUP handlers: the first stops the run cleanly,
 * a second one kills the browsers and exits at once. Ignores SIGPIPE. */
void run_install_signal_handlers(void);

/* The default -j: tabs per browser for this machine's cores. */
size_t run_default_jobs(bool shared);

/* Runs s; the render description in s is completed with what renders it
 * (the --noads lists, or the API). Returns the exit status. */
int run_main(struct settings *s);

#endif
