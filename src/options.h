/* options: the settings of one run and the table of flags that sets them.
 * The table is the one source of the option list: --help is generated from
 * it, and tests check the man page and completions against it. */
#ifndef SAVEPAGE_OPTIONS_H
#define SAVEPAGE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "image.h"

struct strlist {
	char **v;
	size_t n;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

struct settings {
	/* render */
	int width, height;
	bool fullpage;
	int thumb_width; /* 0: off */
	bool nocookie;
	bool noads;
	struct strlist blocklists; /* --blocklist files */
	double delay; /* seconds */
	enum image_format format;
	bool format_set; /* --format given (else taken from -o's extension) */
	int quality;
	char *user_agent;
	char *accept_language;
	char *cookie;
	/* output */
	char *output;
	char *name;    /* --name template; NULL: the default */
	char *archive;
	char *report;
	/* work */
	int jobs;       /* 0: the default for this machine */
	double timeout; /* seconds, per URL */
	int retries;
	bool fail_on_http_error;
	char *browser;
	struct strlist browser_args;
	struct strlist browser_urls;
	/* cache */
	long refresh; /* seconds; -1: re-render now */
	bool refresh_set; /* given by the user (then sent to the API) */
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
	long maxage;        /* -1: not sent */
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

/* Reads the config file (unless SAVEPAGE_NO_CONFIG is set), then argv.
 * Reports problems itself on standard error. */
enum opt_status options_parse(struct settings *s, int argc, char **argv);

/* Reads the config file into s (flags not involved). 0, or -1 reported. */
int options_read_config(struct settings *s);

/* Writes --help text generated from the option table. */
void options_help(FILE *f);
/* Writes one line per option: long name, short letter or '-', argument
 * metavar or '-'. Used by the test that keeps docs in sync. */
void options_dump(FILE *f);

/* Path of the config file that applies ($XDG_CONFIG_HOME/savepage/config or
 * ~/.config/savepage/config); caller frees. NULL if no home is known. */
char *options_config_path(void);

#endif
