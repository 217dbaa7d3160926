/* blocklist: what --noads blocks. Lists in Adblock Plus syntax (EasyList,
 * EasyPrivacy, savepage's own noads.txt, --blocklist files; hosts files and
 * plain domain lists are read too) are parsed once per run into a set of
 * hosts, whose requests are refused together with their subdomains', and
 * the generic element-hiding selectors, which hide empty ad containers.
 * Rules that depend on the page (domain=, first-party only, procedural
 * selectors, scriptlets) are left out: a host rule applies everywhere. */
#ifndef SAVEPAGE_BLOCKLIST_H
#define SAVEPAGE_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct blocklist;

/* Where Debian's webext-ublock-origin-chromium keeps EasyList and
 * EasyPrivacy; $SAVEPAGE_EASYLIST_DIR overrides it. */
#define BLOCKLIST_EASYLIST_DIR "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist"

/* The lists --noads reads: savepage's noads.txt, EasyList and EasyPrivacy
 * when installed, then extra (--blocklist files). */
void blocklist_default_paths(const struct strlist *extra, struct strlist *out);

/* Parses the lists at paths (each must be readable). cache_dir, when not
 * NULL, keeps a compiled copy keyed by the lists' names, sizes and mtimes
 * so that later runs skip the parsing. NULL with *err naming the file. */
struct blocklist *blocklist_load(const struct strlist *paths, const char *cache_dir, char **err);
void blocklist_free(struct blocklist *bl);
/* The id blocklist_load() gives, from the lists' names, sizes and mtimes
 * only (nothing parsed): for cache keys. 0, or -1 with *err. */
int blocklist_sources_id(const struct strlist *paths, char id[65], char **err);

/* Blocks host and its subdomains too (--nocookie's platform hosts). */
void blocklist_add_host(struct blocklist *bl, const char *host);
/* Whether a request to host (or to a parent domain of it) is blocked. */
bool blocklist_blocks_host(const struct blocklist *bl, const char *host);
/* Whether a request to url is blocked (http, https, ws and wss only). */
bool blocklist_blocks_url(const struct blocklist *bl, const char *url);
/* A style sheet hiding the generic ad containers that can be on a page
 * whose elements carry these class (".name") and id ("#name") names: a rule
 * that needs a class or id the page lacks cannot match and is left out, so
 * the page gets a handful of rules instead of thousands. Caller frees. */
char *blocklist_css_for(const struct blocklist *bl, const char *const *names, size_t n);
size_t blocklist_host_count(const struct blocklist *bl);
size_t blocklist_selector_count(const struct blocklist *bl);

/* Parses one list's text into hosts and selectors (exposed for tests). */
struct blocklist *blocklist_parse_text(const char *text);
/* The compiled copy blocklist_load() keeps (len bytes), or NULL when it is
 * not one, whole; its rules are checked as a list's are. */
struct blocklist *blocklist_parse_compiled(const char *text, size_t len);

#endif
