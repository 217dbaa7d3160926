/* options: the settings of one run and the table of flags that sets them.
 * The table is the one source of the option list: --help is generated from
 * it, and tests check the man page and completions against it. */
#ifndef SAVEPAGE_OPTIONS_H
#define SAVEPAGE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "render.h"
#include "util.h"

struct settings {
	struct render render; /* how each URL is rendered */
	bool format_set;      /* --format given (else taken from -o's extension) */
	bool pdf_paper_set;   /* --pdf-paper given (A4 is kept as NULL) */
	bool proxy_set, no_proxy_set; /* given: the environment's are not read */
	/* Where -W, -H, --scale-factor, -A and --device were given: 0 not, 1
	 * the config file, 2 the command line. A preset sets a value given
	 * where it was given or less firmly (the command line's --device over
	 * the config file's width). */
	int width_set, height_set, scale_set, user_agent_set, device_set;
	/* output */
	char *output;
	char *name;    /* --name template; NULL: the default */
	char *archive;
	char *report;
	/* work */
	int jobs;       /* 0: the default for this machine */
	int retries;
	char *browser;
	struct strlist browser_args;
	struct strlist browser_urls;
	/* cache */
	char *cache_dir;
	bool no_cache;
	/* hosted API */
	bool api;
	char *api_url;
	char *key;          /* never logged */
	char *secret;       /* never logged */
	char *hash;         /* --hash: precomputed md5(URL + secret) */
	bool api_get;
	bool api_insecure;
	bool secrets_in_config; /* the config file set the key or secret */
	/* general */
	int verbose;
	bool quiet;
	int progress; /* -1 auto (a terminal), 0 off, 1 on */
	/* input */
	struct strlist urls;   /* from the command line */
	struct strlist inputs; /* -i files ("-" standard input) */
};

enum opt_status {
	OPT_RUN = 0,   /* settings are complete: run */
	OPT_EXIT_OK,   /* --help or --version printed: exit 0 */
	OPT_USAGE,     /* a usage error was reported: exit 2 */
};

void settings_init(struct settings *s);
void settings_free(struct settings *s);

/* Reads the config file (options_read_config), the environment, then argv,
 * and checks the result. Reports problems itself on standard error. */
enum opt_status options_parse(struct settings *s, int argc, char **argv);

/* Reads the config file into s, unless SAVEPAGE_NO_CONFIG is set; warns
 * when it holds the API key or secret and others can read it. The one
 * place the config file is read. 0, or -1 reported. */
int options_read_config(struct settings *s);
/* The config file's text (len bytes from source, named in messages) applied
 * to s; 0, or -1 with the first error reported (the rest is not read). */
int options_config_text(struct settings *s, const char *source, const char *text, size_t len);

/* savepage serve: one parameter of a request by its name in the API
 * contract (the render's RF_API fields, render.c), checked and applied to
 * s as the flag of that name would be.
 * NULL, or what is wrong, naming the parameter (caller frees). key, q and
 * hash are the server's own. */
char *options_api_param(struct settings *s, const char *name, const char *value);

/* Writes --help text generated from the option table. */
void options_help(FILE *f);
/* Writes one line per option: long name, short letter or '-', argument
 * metavar or '-'. Used by the test that keeps docs in sync. */
void options_dump(FILE *f);

/* Path of the config file that applies ($XDG_CONFIG_HOME/savepage/config or
 * ~/.config/savepage/config); caller frees. NULL if no home is known. */
char *options_config_path(void);

#endif
