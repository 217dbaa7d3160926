/* clean: what makes screenshots clean. The --nocookie rules live in a data
 * file shipped with savepage (nocookie.rules); they are read once per run
 * and turned into one script that runs in each page just before its shot,
 * hiding consent banners and undoing the scroll locks they leave. */
#ifndef SAVEPAGE_CLEAN_H
#define SAVEPAGE_CLEAN_H

#include "util.h"

/* Where a data file is: $SAVEPAGE_DATADIR/name, else the installed
 * $(datadir)/savepage/name, else ../data/name beside the binary (an
 * uninstalled build). Caller frees. */
char *clean_data_path(const char *name);

/* The --nocookie script built from the rules file at path; the hosts of
 * its block rules are added to block_hosts, its words to words (each when
 * not NULL). NULL with *err when the file cannot be read or holds a line
 * that is not a rule. */
char *clean_nocookie_script(const char *path, struct strlist *block_hosts,
			    struct strlist *words, char **err);

/* A script adding css to the page as a style sheet (--noads's hiding). */
char *clean_style_script(const char *css);

#endif
