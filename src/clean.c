#include "config.h"

#include "clean.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

char *clean_data_path(const char *name)
{
	const char *env = getenv("SAVEPAGE_DATADIR");
	if (env && *env)
		return xasprintf("%s/%s", env, name);
	char *installed = xasprintf("%s/%s", DATADIR, name);
	if (access(installed, R_OK) == 0)
		return installed;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *beside = xasprintf("%s/../data/%s", dirname(exe), name);
		if (access(beside, R_OK) == 0) {
			free(installed);
			return beside;
		}
		free(beside);
	}
	return installed;
}

/* The --nocookie pass in the page, after autoconsent (consent.h): the
 * rules' hiding and unlocking, then a heuristic for banners no rule knows.
 * A banner is an element fixed or sticky, visible, either covering a good
 * part of the window or pinned to one of its edges, above the page
 * (z-index), whose text speaks of cookies or consent (the rules' words, in
 * several languages) and is short, as a notice is. It is hidden with the
 * backdrop behind it (a fixed, nearly empty element over the whole window),
 * and the scroll locks left on <html> and <body> are undone. A sticky site
 * header, a chat button or a newsletter box does not speak of cookies, and
 * stays; so does what a --click brought up. */
static const char nocookie_js[] =
	"((hide, unlock, words) => {"
	"  const css = hide.map(s => s + '{display:none!important;visibility:hidden!important}');"
	"  const style = document.createElement('style');"
	"  style.textContent = css.join('\\n');"
	"  (document.head || document.documentElement).appendChild(style);"
	"  const talks = words.length ? new RegExp(words.join('|'), 'i') : null;"
	"  const W = innerWidth, H = innerHeight;"
	"  const zOf = el => { for (; el && el !== document.body; el = el.parentElement) {"
	"      const z = parseInt(getComputedStyle(el).zIndex, 10); if (z > 0) return z; }"
	"    return 0; };"
	"  let hidden = 0;"
	"  const banners = [];"
	"  /* What --click brought up (shape.c) is the user's, not a banner. */"
	"  const opened = (window[Symbol.for('savepage.opened')] || { opened: [] }).opened;"
	"  if (talks && document.body) {"
	"    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);"
	"    for (let el = walk.nextNode(); el; el = walk.nextNode()) {"
	"      const cs = getComputedStyle(el);"
	"      if (cs.position !== 'fixed' && cs.position !== 'sticky') continue;"
	"      if (cs.display === 'none' || cs.visibility === 'hidden' || +cs.opacity < 0.05) continue;"
	"      const r = el.getBoundingClientRect();"
	"      if (r.width < 2 || r.height < 2 || r.bottom <= 0 || r.top >= H || r.right <= 0 || r.left >= W)"
	"        continue;"
	"      const big = r.width * r.height >= 0.2 * W * H;"
	"      const edge = r.top <= 2 || r.bottom >= H - 2 || r.left <= 2 || r.right >= W - 2;"
	"      if (!big && !edge) continue;"
	"      const text = (el.innerText || '').slice(0, 4000);"
	"      if (text.length >= 4000 || !talks.test(text)) continue;"
	"      if (cs.position === 'sticky' && zOf(el) < 1) continue;"
	"      if (opened.some(o => o.contains(el) || el.contains(o))) continue;"
	"      banners.push(el);"
	"    }"
	"  }"
	"  for (const el of banners) {"
	"    if (banners.some(o => o !== el && o.contains(el))) continue;"
	"    el.style.setProperty('display', 'none', 'important');"
	"    hidden++;"
	"  }"
	"  if (hidden) {"
	"    /* The backdrop: fixed, over (nearly) the whole window, (nearly) no text. */"
	"    for (const el of document.querySelectorAll('body *')) {"
	"      const cs = getComputedStyle(el);"
	"      if (cs.position !== 'fixed' || cs.display === 'none') continue;"
	"      const r = el.getBoundingClientRect();"
	"      if (r.width >= 0.9 * W && r.height >= 0.9 * H && (el.innerText || '').trim().length < 20)"
	"        el.style.setProperty('display', 'none', 'important');"
	"    }"
	"  }"
	"  for (const el of [document.documentElement, document.body]) {"
	"    if (!el) continue;"
	"    for (const c of unlock) el.classList.remove(c);"
	"    const cs = getComputedStyle(el);"
	"    if (cs.overflowY === 'hidden' || cs.overflow === 'hidden') {"
	"      el.style.setProperty('overflow', 'visible', 'important');"
	"      el.style.setProperty('overflow-y', 'visible', 'important');"
	"    }"
	"    if (el === document.body && cs.position === 'fixed') {"
	"      el.style.setProperty('position', 'static', 'important');"
	"      el.style.setProperty('top', 'auto', 'important');"
	"    }"
	"  }"
	"  return hidden;"
	"})";

char *clean_nocookie_script(const char *path, struct strlist *block_hosts,
			    struct strlist *word_list, char **err)
{
	struct buf b = { 0 };
	if (read_file(path, &b) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	cJSON *hide = cJSON_CreateArray(), *unlock = cJSON_CreateArray(),
	      *words = cJSON_CreateArray();
	char *save = NULL, *script = NULL;
	int lineno = 0;
	for (char *line = strtok_r((char *)b.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line = str_trim(line);
		if (!*line || *line == '#')
			continue;
		if (!strncmp(line, "hide ", 5) && line[5]) {
			cJSON_AddItemToArray(hide, cJSON_CreateString(line + 5));
		} else if (!strncmp(line, "unlock ", 7) && line[7]) {
			cJSON_AddItemToArray(unlock, cJSON_CreateString(line + 7));
		} else if (!strncmp(line, "word ", 5) && line[5]) {
			/* A regular expression's text: letters only, matched as a part of
			 * a word, without case. */
			const char *w = line + 5;
			bool ok = true;
			for (const unsigned char *q = (const unsigned char *)w; *q && ok; q++)
				ok = *q >= 0x80 || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z');
			if (!ok) {
				*err = xasprintf("%s: line %d: a word is letters only", path, lineno);
				goto out;
			}
			cJSON_AddItemToArray(words, cJSON_CreateString(w));
			if (word_list)
				strlist_add(word_list, w);
		} else if (!strncmp(line, "block ", 6) && line[6] && !strpbrk(line + 6, " /*:")) {
			if (block_hosts)
				strlist_add(block_hosts, line + 6);
		} else {
			*err = xasprintf("%s: line %d: not a rule (hide SELECTOR, unlock CLASS, "
					 "block HOST or word WORD)",
					 path, lineno);
			goto out;
		}
	}
	char *h = cJSON_PrintUnformatted(hide), *u = cJSON_PrintUnformatted(unlock),
	     *w = cJSON_PrintUnformatted(words);
	script = xasprintf("%s(%s, %s, %s)", nocookie_js, h, u, w);
	cJSON_free(h);
	cJSON_free(u);
	cJSON_free(w);
out:
	cJSON_Delete(hide);
	cJSON_Delete(unlock);
	cJSON_Delete(words);
	buf_free(&b);
	return script;
}

char *clean_style_script(const char *css)
{
	struct buf b = { 0 };
	/* A constructed style sheet: a page's Content-Security-Policy, which
	 * may refuse a <style> element, does not apply to it. @import needs
	 * the element (a constructed sheet ignores it). */
	buf_puts(&b, "(css => {"
		     "  if (!/@import/i.test(css) && document.adoptedStyleSheets) {"
		     "    try {"
		     "      const sheet = new CSSStyleSheet();"
		     "      sheet.replaceSync(css);"
		     "      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];"
		     "      return true;"
		     "    } catch (e) {}"
		     "  }"
		     "  const style = document.createElement('style');"
		     "  style.textContent = css;"
		     "  (document.head || document.documentElement).appendChild(style);"
		     "  return true;"
		     "})(");
	buf_append_json_str(&b, css);
	buf_puts(&b, ")");
	return (char *)b.data;
}
