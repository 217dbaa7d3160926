#include "config.h"

#include "pagetools.h"

#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "log.h"

int pagetools_nocookie(struct pagetools *t, char **err)
{
	if (t->page_script)
		return 0;
	char *rules = clean_data_path("nocookie.rules");
	struct strlist words = { 0 };
	t->page_script = clean_nocookie_script(rules, &t->nocookie_hosts, &words, err);
	if (!t->page_script) {
		strlist_free(&words);
		free(rules);
		return -1;
	}
	t->consent_probe = consent_probe_expression(&words);
	strlist_free(&words);
	/* autoconsent first, when installed; its absence is no error. */
	char *why = NULL;
	t->consent = consent_load(&why, err);
	if (*err) {
		free(why);
		free(rules);
		free(t->page_script);
		free(t->consent_probe);
		strlist_free(&t->nocookie_hosts);
		t->page_script = t->consent_probe = NULL;
		return -1;
	}
	if (t->consent)
		log_info("--nocookie: autoconsent %s from %s, then savepage's own rules",
			 consent_version(t->consent), consent_dir(t->consent));
	else
		log_info("--nocookie: %s; using savepage's own rules only", why);
	free(why);
	/* The cache key: a new rule set re-renders. */
	struct buf own = { 0 };
	char digest[65];
	read_file(rules, &own);
	sha256_hex(own.data ? (const void *)own.data : "", own.len, digest);
	buf_free(&own);
	free(rules);
	t->rules_id = t->consent ? xasprintf("autoconsent-%s+%.16s", consent_version(t->consent),
					     digest)
				 : xasprintf("%.16s", digest);
	return 0;
}

int pagetools_noads(struct pagetools *t, const struct strlist *extra, char **err)
{
	if (t->lists_id)
		return 0;
	char id[65];
	blocklist_default_paths(extra, &t->blocklist_paths);
	if (blocklist_sources_id(&t->blocklist_paths, id, err) < 0) {
		strlist_free(&t->blocklist_paths);
		return -1;
	}
	t->lists_id = xasprintf("%.16s", id);
	return 0;
}

struct blocklist *pagetools_blocklist(struct pagetools *t, bool with_hosts, const char *cache_dir,
				      char **err)
{
	struct blocklist **bl = &t->blocklist[with_hosts];
	if (*bl)
		return *bl;
	int64_t t0 = now_ms();
	*bl = blocklist_load(&t->blocklist_paths, cache_dir, err);
	if (!*bl)
		return NULL;
	for (size_t i = 0; with_hosts && i < t->nocookie_hosts.n; i++)
		blocklist_add_host(*bl, t->nocookie_hosts.v[i]);
	log_info("--noads: %zu hosts and %zu hiding rules from %zu lists in %lld ms",
		 blocklist_host_count(*bl), blocklist_selector_count(*bl), t->blocklist_paths.n,
		 (long long)(now_ms() - t0));
	return *bl;
}

void pagetools_env(const struct pagetools *t, const struct render *r, struct capture_env *env)
{
	bool nocookie = r->nocookie && t->page_script;
	env->page_script = nocookie ? t->page_script : NULL;
	env->consent_script = nocookie && t->consent ? consent_script_json(t->consent) : NULL;
	env->consent_probe = nocookie ? t->consent_probe : NULL;
	env->blocked_hosts = nocookie ? &t->nocookie_hosts : NULL;
	env->blocklist = r->noads ? t->blocklist[nocookie] : NULL;
}

void pagetools_free(struct pagetools *t)
{
	blocklist_free(t->blocklist[0]);
	blocklist_free(t->blocklist[1]);
	strlist_free(&t->blocklist_paths);
	free(t->lists_id);
	strlist_free(&t->nocookie_hosts);
	free(t->page_script);
	consent_free(t->consent);
	free(t->consent_probe);
	free(t->rules_id);
	memset(t, 0, sizeof *t);
}
