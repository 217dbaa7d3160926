/* pagetools: what --nocookie and --noads need in the browser, prepared
 * once for a run or a server: the cookie rules turned into a page script,
 * autoconsent when installed, the block lists (parsed, or their compiled
 * copy read, when the first page needs them), and the parts of the cache
 * key they make (a new rule set or list re-renders). */
#ifndef SAVEPAGE_PAGETOOLS_H
#define SAVEPAGE_PAGETOOLS_H

#include <stdbool.h>

#include "blocklist.h"
#include "capture.h"
#include "consent.h"
#include "render.h"
#include "util.h"

struct pagetools {
	/* --nocookie, once pagetools_nocookie() succeeded */
	char *page_script;
	struct consent *consent;     /* autoconsent, when installed */
	char *consent_probe;         /* whether a page is worth autoconsent */
	struct strlist nocookie_hosts;
	char *rules_id;              /* render.rules */
	/* --noads, once pagetools_noads() succeeded */
	struct strlist blocklist_paths;
	char *lists_id;              /* render.lists */
	struct blocklist *blocklist[2]; /* loaded: [1] also refuses nocookie_hosts */
};

/* Reads the rules and looks for autoconsent (saying which is used).
 * 0, or -1 with *err. Again: a no-op. */
int pagetools_nocookie(struct pagetools *t, char **err);
/* The lists to use (the default ones, then extra), and their id. 0, or -1
 * with *err. Again: a no-op. */
int pagetools_noads(struct pagetools *t, const struct strlist *extra, char **err);
/* The lists loaded (once each way): with_hosts also refuses --nocookie's
 * hosts. NULL with *err. */
struct blocklist *pagetools_blocklist(struct pagetools *t, bool with_hosts, const char *cache_dir,
				      char **err);
/* env's --nocookie and --noads parts for r (its blocklist as loaded). */
void pagetools_env(const struct pagetools *t, const struct render *r, struct capture_env *env);
void pagetools_free(struct pagetools *t);

#endif
