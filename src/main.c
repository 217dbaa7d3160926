/* savepage: parse -> run -> exit status. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cachecmd.h"
#include "log.h"
#include "options.h"
#include "run.h"
#include "serve.h"

int main(int argc, char **argv)
{
	/* `savepage cache ...` is housekeeping, not a capture of https://cache/ */
	if (argc > 1 && !strcmp(argv[1], "cache"))
		return cachecmd_main(argc - 1, argv + 1);
	/* `savepage serve ...`: the API on this machine */
	if (argc > 1 && !strcmp(argv[1], "serve"))
		return serve_main(argc - 1, argv + 1);
	struct settings s;
	settings_init(&s);
	int status;
	switch (options_parse(&s, argc, argv)) {
	case OPT_EXIT_OK:
		status = EXIT_ALL_OK;
		goto out;
	case OPT_USAGE:
		status = EXIT_USAGE;
		goto out;
	case OPT_RUN:
		break;
	}
	log_set_level(s.quiet ? LOG_QUIET : s.verbose);
	run_install_signal_handlers();
	status = run_main(&s);
out:
	settings_free(&s);
	if (fclose(stdout) != 0 && status == EXIT_ALL_OK) {
		perror("savepage: standard output");
		status = EXIT_SOME_FAILED;
	}
	return status;
}
