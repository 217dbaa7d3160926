#include "config.h"

#include "consent.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

struct consent {
	char *dir;
	char *version;
	char *script;
	char *script_json; /* the same as a JSON string, escaped once per run */
};

/* Its settings: opt out, as a privacy-minded reader would; hide what has no
 * refusal; the heuristic detection only where a refusal is offered
 * ("reject": never "OK" or "Accept", which would record a consent);
 * evaluations in the page's own world, with no round trip to savepage. */
static const char consent_config[] =
	"{\"enabled\":true,\"autoAction\":\"optOut\",\"disabledCmps\":[],"
	"\"enablePrehide\":false,\"enableCosmeticRules\":true,\"enableGeneratedRules\":true,"
	"\"enableHeuristicDetection\":true,\"heuristicMode\":\"reject\","
	"\"detectRetries\":20,\"isMainWorld\":true,\"prehideTimeout\":2000,"
	"\"visualTest\":false,\"logs\":{\"lifecycle\":false,\"rulesteps\":false,"
	"\"detectionsteps\":false,\"evals\":false,\"errors\":false,\"messages\":false,"
	"\"waits\":false}}";

/* The shim before the content script: autoconsent talks to a background
 * that savepage does not need to be. The settings and rules are answered in
 * the page (the rules parsed from a JSON string, which V8 does much faster
 * than a literal; the site-specific ones kept only when their URL pattern
 * matches this document, which autoconsent would otherwise test again on
 * every look); evaluations run in the page; what it finds and does is kept
 * in a property of the window, read before the shot
 * (consent_settle_expression). */
static const char shim_head[] =
	"(() => {"
	"  if (window.autoconsentSendMessage) return;"
	"  const config = ";
static const char shim_mid[] = ", rules = JSON.parse(";
static const char shim_tail[] =
	");"
	"  const href = location.href;"
	"  rules.compact.r = rules.compact.r.filter(x => {"
	"    if (!x[3]) return true;"
	"    try { return new RegExp(x[3]).test(href); } catch (e) { return false; }"
	"  });"
	"  const st = { found: false, cmp: '', state: 'started', cosmetic: false, attempts: 0,"
	"               patterns: 0 };"
	"  Object.defineProperty(window, '__savepageConsent', { value: st });"
	"  const reply = m => Promise.resolve().then(() => window.autoconsentReceiveMessage(m));"
	"  window.autoconsentSendMessage = m => {"
	"    switch (m && m.type) {"
	"    case 'init': reply({ type: 'initResp', config, rules }); break;"
	"    case 'eval': {"
	"      let result = false;"
	"      try { result = !!(0, eval)(m.code); } catch (e) {}"
	"      reply({ type: 'evalResp', id: m.id, result }); break;"
	"    }"
	"    case 'cmpDetected': st.cmp = st.cmp || m.cmp; break;"
	"    case 'popupFound': st.found = true; st.cmp = m.cmp; break;"
	"    case 'optOutResult': st.state = m.result ? 'optOutSucceeded' : 'optOutFailed'; break;"
	"    case 'autoconsentDone': st.state = 'done'; st.cmp = m.cmp; st.cosmetic = !!m.isCosmetic;"
	"      break;"
	"    case 'report':"
	"      if (m.state) {"
	"        if (st.state !== 'done') st.state = m.state.lifecycle;"
	"        st.attempts = m.state.findCmpAttempts || 0;"
	"        st.patterns = (m.state.heuristicPatterns || []).length;"
	"      }"
	"      break;"
	"    }"
	"    return Promise.resolve();"
	"  };"
	"})();\n";

static char *read_text(const char *dir, const char *name, struct buf *b, char **err)
{
	char *path = xasprintf("%s/%s", dir, name);
	if (read_file(path, b) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/* The package in dir, or NULL with *err. */
static struct consent *load_dir(const char *dir, char **err)
{
	struct buf pkg = { 0 }, bundle = { 0 }, rules = { 0 };
	struct consent *c = NULL;
	char *path = NULL;
	cJSON *j = NULL;
	if (!(path = read_text(dir, "package.json", &pkg, err)))
		goto out;
	j = cJSON_ParseWithLength((const char *)pkg.data, pkg.len);
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "name"));
	const char *version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "version"));
	if (!name || strcmp(name, "@duckduckgo/autoconsent") || !version ||
	    strspn(version, "0123456789.") != strlen(version)) {
		*err = xasprintf("%s: not @duckduckgo/autoconsent's package.json", path);
		goto out;
	}
	free(path);
	if (!(path = read_text(dir, "dist/autoconsent.playwright.js", &bundle, err)))
		goto out;
	/* The compact rule set: a third of the size, the same banners found. */
	free(path);
	const char *rules_name = "rules/compact-rules.json";
	if (!(path = read_text(dir, rules_name, &rules, err)))
		goto out;
	cJSON *compact = cJSON_ParseWithLength((const char *)rules.data, rules.len);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(compact, "r")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(compact, "s"))) {
		cJSON_Delete(compact);
		*err = xasprintf("%s: not JSON rules", path);
		goto out;
	}
	cJSON_Delete(compact);

	/* The rules as a JSON string inside the script. */
	struct buf rj = { 0 };
	buf_puts(&rj, "{\"autoconsent\":[],\"compact\":");
	buf_append(&rj, rules.data, rules.len);
	buf_puts(&rj, "}");
	cJSON *rs = cJSON_CreateString((const char *)rj.data);
	char *rules_js = cJSON_PrintUnformatted(rs);
	cJSON_Delete(rs);
	buf_free(&rj);
	struct buf s = { 0 };
	buf_puts(&s, shim_head);
	buf_puts(&s, consent_config);
	buf_puts(&s, shim_mid);
	buf_puts(&s, rules_js);
	cJSON_free(rules_js);
	buf_puts(&s, shim_tail);
	buf_append(&s, bundle.data, bundle.len);
	c = xcalloc(1, sizeof *c);
	c->dir = xstrdup(dir);
	c->version = xstrdup(version);
	c->script = (char *)s.data;
	cJSON *str = cJSON_CreateString(c->script);
	char *js = cJSON_PrintUnformatted(str);
	c->script_json = xstrdup(js);
	cJSON_free(js);
	cJSON_Delete(str);
out:
	cJSON_Delete(j);
	free(path);
	buf_free(&pkg);
	buf_free(&bundle);
	buf_free(&rules);
	return c;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

struct consent *consent_load(char **why, char **err)
{
	*why = NULL;
	*err = NULL;
	const char *env = getenv("SAVEPAGE_AUTOCONSENT_DIR");
	if (env && !strcmp(env, "none")) {
		*why = xstrdup("SAVEPAGE_AUTOCONSENT_DIR=none");
		return NULL;
	}
	if (env && *env) {
		struct consent *c = load_dir(env, err);
		if (!c) {
			char *e = xasprintf("SAVEPAGE_AUTOCONSENT_DIR: %s", *err);
			free(*err);
			*err = e;
		}
		return c;
	}
	struct strlist cands = { 0 };
	char *xdg = xdg_path("XDG_DATA_HOME", ".local/share", "savepage/autoconsent");
	if (xdg)
		strlist_add(&cands, xdg);
	free(xdg);
	strlist_add(&cands, DATADIR "/autoconsent");
	strlist_add(&cands, "/usr/local/share/savepage/autoconsent");
	strlist_add(&cands, "/usr/share/savepage/autoconsent");
	struct consent *c = NULL;
	struct buf looked = { 0 };
	for (size_t i = 0; i < cands.n && !c && !*err; i++) {
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(cands.v[k], cands.v[i]);
		if (dup)
			continue;
		if (is_dir(cands.v[i]))
			c = load_dir(cands.v[i], err);
		else
			buf_appendf(&looked, "%s%s", looked.len ? ", " : "", cands.v[i]);
	}
	if (!c && !*err)
		*why = xasprintf("no autoconsent in %s", looked.data ? (char *)looked.data : "");
	buf_free(&looked);
	strlist_free(&cands);
	return c;
}

void consent_free(struct consent *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->version);
	free(c->script);
	free(c->script_json);
	free(c);
}

const char *consent_version(const struct consent *c)
{
	return c->version;
}

const char *consent_dir(const struct consent *c)
{
	return c->dir;
}

const char *consent_script_json(const struct consent *c)
{
	return c->script_json;
}

/* Whether the page shows any sign of a consent notice, cheaply, after it
 * has loaded: a word of the rules in the text it shows (the documents of
 * same-origin frames and open shadow roots included), in the address of
 * anything it loaded (a consent platform's script, frame or API: one that
 * draws its banner later is known by these), or the API a consent platform
 * defines (IAB's __tcfapi and its kin). Only then is autoconsent
 * worth its cost (~0.2 s of CPU in the page). */
static const char probe_js[] =
	"((words) => {"
	"  if (!words.length) return true;"
	"  const talks = new RegExp(words.join('|'), 'i');"
	"  for (const api of ['__tcfapi', '__cmp', '__gpp', '__uspapi'])"
	"    if (typeof window[api] === 'function') return true;"
	"  const text = d => { try { return d && d.body ? d.body.innerText : ''; }"
	"                      catch (e) { return ''; } };"
	"  if (talks.test(text(document))) return true;"
	"  for (const f of document.querySelectorAll('iframe, frame')) {"
	"    let d = null;"
	"    try { d = f.contentDocument; } catch (e) {}"
	"    if (talks.test(f.src || '') || talks.test(text(d))) return true;"
	"  }"
	"  for (const e of performance.getEntriesByType('resource'))"
	"    if (talks.test(e.name)) return true;"
	"  for (const el of document.querySelectorAll('*'))"
	"    if (el.shadowRoot && talks.test(el.shadowRoot.textContent)) return true;"
	"  return false;"
	"})";

char *consent_probe_expression(const struct strlist *words)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; words && i < words->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(words->v[i]));
	char *w = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	char *e = xasprintf("%s(%s)", probe_js, w);
	cJSON_free(w);
	return e;
}

/* Waits for autoconsent in the top document: until it has looked for a
 * banner with its rules without finding one (and, when the page's text
 * speaks of consent, once more with its heuristic, ~0.5 s after the
 * document's start), or until it is done with the one it found. Then, if there was one, until no
 * finite animation or transition is running (banners fade out) and two
 * frames are drawn. */
static const char settle_js[] =
	"(async (limit) => {"
	"  const t0 = performance.now();"
	"  const st = window.__savepageConsent;"
	"  if (!st) return { found: false, cmp: '', state: 'none', cosmetic: false, ms: 0 };"
	"  const left = () => limit - (performance.now() - t0);"
	"  const pause = ms => new Promise(r => setTimeout(r, ms));"
	"  const final = ['done', 'optOutSucceeded', 'optOutFailed', 'nothingDetected'];"
	"  const busy = ['cmpDetected', 'openPopupDetected', 'runningOptOut'];"
	"  const looked = () => st.attempts >= (st.patterns ? 2 : 1);"
	"  while (left() > 0 && !final.includes(st.state) &&"
	"         (st.found || !looked() || busy.includes(st.state)))"
	"    await pause(25);"
	"  if (st.found || st.cmp) {"
	"    const fading = () => document.getAnimations().some(a => a.playState === 'running' &&"
	"      isFinite(a.effect && a.effect.getComputedTiming().endTime));"
	"    while (left() > 0 && fading()) await pause(25);"
	"    await Promise.race([new Promise(r => requestAnimationFrame(() =>"
	"      requestAnimationFrame(r))), pause(100)]);"
	"  }"
	"  return { found: st.found, cmp: st.cmp, state: st.state, cosmetic: st.cosmetic,"
	"           ms: Math.round(performance.now() - t0) };"
	"})";

char *consent_settle_expression(int ms)
{
	return xasprintf("%s(%d)", settle_js, ms);
}
