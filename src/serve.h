/* serve: `savepage serve`, the SavePage API (savepage-api.md) answered on
 * this machine: an HTTP server on the run's event loop (libwebsockets'
 * own, beside the DevTools connections), each request checked against the
 * keys file and rendered by a browser tab, with the command line's cache. */
#ifndef SAVEPAGE_SERVE_H
#define SAVEPAGE_SERVE_H

/* argv[0] is "serve". Returns the exit status. */
int serve_main(int argc, char **argv);

#endif
