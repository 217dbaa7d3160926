#include "config.h"

#include "clean.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
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

static const char nocookie_js[] =
	"((hide, unlock) => {"
	"  const css = hide.map(s => s + '{display:none!important;visibility:hidden!important}');"
	"  const style = document.createElement('style');"
	"  style.textContent = css.join('\\n');"
	"  (document.head || document.documentElement).appendChild(style);"
	"  for (const el of [document.documentElement, document.body]) {"
	"    if (!el) continue;"
	"    for (const c of unlock) el.classList.remove(c);"
	"    const cs = getComputedStyle(el);"
	"    if (cs.overflowY === 'hidden' || cs.overflow === 'hidden') {"
	"      el.style.setProperty('overflow', 'visible', 'important');"
	"      el.style.setProperty('overflow-y', 'visible', 'important');"
	"    }"
	"    if (el === document.body && cs.position === 'fixed')"
	"      el.style.setProperty('position', 'static', 'important');"
	"  }"
	"  return true;"
	"})";

char *clean_nocookie_script(const char *path, struct strlist *block_hosts, char **err)
{
	struct buf b = { 0 };
	if (read_file(path, &b) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	cJSON *hide = cJSON_CreateArray(), *unlock = cJSON_CreateArray();
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
		} else if (!strncmp(line, "block ", 6) && line[6] && !strpbrk(line + 6, " /*:")) {
			if (block_hosts)
				strlist_add(block_hosts, line + 6);
		} else {
			*err = xasprintf("%s: line %d: not a rule (hide SELECTOR, unlock CLASS or "
					 "block HOST)",
					 path, lineno);
			goto out;
		}
	}
	char *h = cJSON_PrintUnformatted(hide), *u = cJSON_PrintUnformatted(unlock);
	script = xasprintf("%s(%s, %s)", nocookie_js, h, u);
	cJSON_free(h);
	cJSON_free(u);
out:
	cJSON_Delete(hide);
	cJSON_Delete(unlock);
	buf_free(&b);
	return script;
}

char *clean_style_script(const char *css)
{
	struct buf b = { 0 };
	buf_puts(&b, "(css => {"
		     "  const style = document.createElement('style');"
		     "  style.textContent = css;"
		     "  (document.head || document.documentElement).appendChild(style);"
		     "  return true;"
		     "})(");
	buf_append_json_str(&b, css);
	buf_puts(&b, ")");
	return (char *)b.data;
}
