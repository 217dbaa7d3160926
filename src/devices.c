#include "config.h"

#include "devices.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void devices_free(struct devices *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].kind);
		free(d->v[i].user_agent);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

/* The next blank-separated word of *p, or NULL at the end of the line. */
static char *word(char **p)
{
	char *s = *p + strspn(*p, " \t");
	if (!*s)
		return NULL;
	char *e = s + strcspn(s, " \t");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static int parse_line(char *line, struct device *dv, const char **why)
{
	char *p = line, *name = word(&p), *w = word(&p), *h = word(&p), *sc = word(&p),
	     *kind = word(&p);
	char *ua = p + strspn(p, " \t"), *end;
	if (!name || !w || !h || !sc || !kind || !*ua) {
		*why = "not NAME WIDTH HEIGHT SCALE KIND USER-AGENT";
		return -1;
	}
	for (const char *q = name; *q; q++)
		if (!islower((unsigned char)*q) && !isdigit((unsigned char)*q) && *q != '-' &&
		    *q != '.') {
			*why = "a name is lower-case letters, digits, '-' and '.'";
			return -1;
		}
	long wv = strtol(w, &end, 10);
	bool ok = !*end && wv >= 1 && wv <= 16384;
	long hv = strtol(h, &end, 10);
	ok = ok && !*end && hv >= 1 && hv <= 16384;
	if (!ok) {
		*why = "a width or height that is not 1 to 16384";
		return -1;
	}
	double s = strtod(sc, &end);
	if (*end || !isfinite(s) || s < 1 || s > 4) {
		*why = "a scale that is not 1 to 4";
		return -1;
	}
	bool mobile = !strcmp(kind, "phone") || !strcmp(kind, "tablet");
	if (!mobile && strcmp(kind, "desktop")) {
		*why = "a kind that is not phone, tablet or desktop";
		return -1;
	}
	size_t n = strlen(ua);
	while (n && (ua[n - 1] == ' ' || ua[n - 1] == '\t' || ua[n - 1] == '\r'))
		ua[--n] = '\0';
	if (!utf8_valid(ua, n)) {
		*why = "a user agent that is not UTF-8 text";
		return -1;
	}
	*dv = (struct device){ xstrdup(name), (int)wv, (int)hv, s, xstrdup(kind), mobile, mobile,
			       strcmp(ua, "-") ? xstrdup(ua) : NULL };
	return 0;
}

int devices_load(const char *path, struct devices *out, char **err)
{
	struct buf b = { 0 };
	out->v = NULL;
	out->n = 0;
	if (read_file(path, &b) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	int lineno = 0, rc = 0;
	char *save = NULL;
	for (char *line = b.data ? strtok_r((char *)b.data, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *t = line + strspn(line, " \t\r");
		if (!*t || *t == '#')
			continue;
		struct device dv;
		const char *why = NULL;
		if (parse_line(t, &dv, &why) < 0) {
			*err = xasprintf("%s: line %d: %s", path, lineno, why);
			rc = -1;
		} else if (devices_find(out, dv.name)) {
			*err = xasprintf("%s: line %d: %s is listed twice", path, lineno, dv.name);
			free(dv.name);
			free(dv.kind);
			free(dv.user_agent);
			rc = -1;
		} else {
			out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
			out->v[out->n++] = dv;
		}
	}
	buf_free(&b);
	if (rc < 0)
		devices_free(out);
	return rc;
}

const struct device *devices_find(const struct devices *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *a = d->v[i].name, *b = name;
		for (; *a && *b; a++, b++) {
			char c = (char)tolower((unsigned char)*b);
			if (c == '_' || c == ' ')
				c = '-';
			if (c != *a)
				break;
		}
		if (!*a && !*b)
			return &d->v[i];
	}
	return NULL;
}

void devices_print(const struct devices *d, FILE *f)
{
	fprintf(f, "%-20s %-11s %-6s %-8s %s\n", "NAME", "VIEWPORT", "SCALE", "KIND", "IMAGE");
	for (size_t i = 0; i < d->n; i++) {
		const struct device *v = &d->v[i];
		char vp[32], sc[16], img[32];
		snprintf(vp, sizeof vp, "%dx%d", v->width, v->height);
		snprintf(sc, sizeof sc, "%g", v->scale);
		snprintf(img, sizeof img, "%ldx%ld", lround(v->width * v->scale),
			 lround(v->height * v->scale));
		fprintf(f, "%-20s %-11s %-6s %-8s %s\n", v->name, vp, sc, v->kind, img);
	}
}
