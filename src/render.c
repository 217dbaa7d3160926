#include "config.h"

#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define F(field) offsetof(struct render, field)

/* Longer values are shown (in cache metadata) as their digest. */
#define RENDER_SHOWN_MAX 200

static bool quality_set(const struct render *r)
{
	return r->format == IMAGE_JPEG || r->format == IMAGE_WEBP;
}

static bool refresh_set(const struct render *r)
{
	return r->refresh_given;
}

static bool scale_set(const struct render *r)
{
	return r->scale != 1;
}

static bool maxage_set(const struct render *r)
{
	return r->maxage >= 0;
}

const struct render_field render_fields[] = {
	{ "width", RT_INT, F(width), RF_PIXELS | RF_API | RF_ALWAYS, NULL },
	{ "height", RT_INT, F(height), RF_PIXELS | RF_API | RF_ALWAYS, NULL },
	{ "fullpage", RT_BOOL, F(fullpage), RF_PIXELS | RF_API, NULL },
	{ "thumb_width", RT_INT, F(thumb_width), RF_PIXELS | RF_API, NULL },
	{ "delay", RT_SECONDS, F(delay), RF_PIXELS | RF_API, NULL },
	{ "nocookie", RT_BOOL, F(nocookie), RF_PIXELS | RF_API, NULL },
	{ "noads", RT_BOOL, F(noads), RF_PIXELS | RF_API, NULL },
	{ "format", RT_FORMAT, F(format), RF_PIXELS | RF_API | RF_ALWAYS, NULL },
	{ "quality", RT_INT, F(quality), RF_PIXELS, quality_set },
	{ "pdf_paper", RT_STRING, F(pdf_paper), RF_PIXELS | RF_LOCAL, NULL },
	{ "pdf_landscape", RT_BOOL, F(pdf_landscape), RF_PIXELS | RF_LOCAL, NULL },
	/* Not the pixels, but what an entry holds: keyed apart. */
	{ "mhtml", RT_BOOL, F(mhtml), RF_PIXELS | RF_LOCAL, NULL },
	{ "refresh", RT_LONG, F(refresh), RF_API, refresh_set },
	{ "user_agent", RT_STRING, F(user_agent), RF_PIXELS | RF_API, NULL },
	{ "accept_language", RT_STRING, F(accept_language), RF_PIXELS | RF_API, NULL },
	{ "maxage", RT_LONG, F(maxage), RF_API, maxage_set },
	{ "cookie", RT_STRING, F(cookie), RF_PIXELS | RF_API | RF_SECRET | RF_POST_ONLY, NULL },
	{ "selector", RT_LIST, F(selector), RF_PIXELS | RF_LOCAL, NULL },
	{ "padding", RT_INT, F(padding), RF_PIXELS | RF_LOCAL, NULL },
	{ "clip", RT_STRING, F(clip), RF_PIXELS | RF_LOCAL, NULL },
	{ "wait_until", RT_STRING, F(wait_until), RF_PIXELS | RF_LOCAL, NULL },
	{ "wait_for_selector", RT_STRING, F(wait_for_selector), RF_PIXELS | RF_LOCAL, NULL },
	{ "wait_for", RT_STRING, F(wait_for), RF_PIXELS | RF_LOCAL, NULL },
	{ "scale_factor", RT_SECONDS, F(scale), RF_PIXELS | RF_LOCAL, scale_set },
	{ "device", RT_STRING, F(device), RF_LOCAL, NULL },
	{ "mobile", RT_BOOL, F(mobile), RF_PIXELS | RF_LOCAL, NULL },
	{ "touch", RT_BOOL, F(touch), RF_PIXELS | RF_LOCAL, NULL },
	{ "dark_mode", RT_BOOL, F(dark_mode), RF_PIXELS | RF_LOCAL, NULL },
	{ "reduced_motion", RT_BOOL, F(reduced_motion), RF_PIXELS | RF_LOCAL, NULL },
	{ "disable_animations", RT_BOOL, F(disable_animations), RF_PIXELS | RF_LOCAL, NULL },
	{ "timezone", RT_STRING, F(timezone), RF_PIXELS | RF_LOCAL, NULL },
	{ "bypass_csp", RT_BOOL, F(bypass_csp), RF_PIXELS | RF_LOCAL, NULL },
	{ "omit_background", RT_BOOL, F(omit_background), RF_PIXELS | RF_LOCAL, NULL },
	{ "hide", RT_LIST, F(hide), RF_PIXELS | RF_LOCAL, NULL },
	{ "remove", RT_LIST, F(remove), RF_PIXELS | RF_LOCAL, NULL },
	{ "click", RT_LIST, F(click), RF_PIXELS | RF_LOCAL, NULL },
	{ "style", RT_STRING, F(style), RF_PIXELS | RF_LOCAL, NULL },
	{ "javascript", RT_STRING, F(javascript), RF_PIXELS | RF_LOCAL, NULL },
	{ "headers", RT_LIST, F(headers), RF_PIXELS | RF_LOCAL | RF_SECRET, NULL },
	{ "auth_username", RT_STRING, F(auth_user), RF_PIXELS | RF_LOCAL, NULL },
	{ "auth_password", RT_STRING, F(auth_password),
	  RF_PIXELS | RF_LOCAL | RF_SECRET | RF_PASSWORD, NULL },
	/* Where the requests go, not what they get: not part of the key. */
	{ "proxy_http", RT_STRING, F(proxy.http), 0, NULL },
	{ "proxy_https", RT_STRING, F(proxy.https), 0, NULL },
	{ "no_proxy", RT_STRING, F(proxy.no_proxy), 0, NULL },
	/* A page may look otherwise with the cookies of the pages before it
	 * (a login): keyed apart. */
	{ "shared_session", RT_BOOL, F(shared_session), RF_PIXELS | RF_LOCAL, NULL },
	{ "timeout", RT_SECONDS, F(timeout), 0, NULL },
	{ "fail_on_http_error", RT_BOOL, F(fail_on_http_error), 0, NULL },
	{ "lists", RT_STRING, F(lists), RF_PIXELS, NULL },
	{ "rules", RT_STRING, F(rules), RF_PIXELS, NULL },
	{ "via", RT_STRING, F(via), RF_PIXELS, NULL },
};
const size_t render_nfields = ARRAY_LEN(render_fields);

void render_init(struct render *r)
{
	memset(r, 0, sizeof *r);
	r->width = 1440;
	r->height = 900;
	r->format = IMAGE_JPEG;
	r->quality = 80;
	r->timeout = 30;
	r->refresh = 86400;
	r->maxage = -1;
	r->scale = 1;
}

void render_free(struct render *r)
{
	for (size_t i = 0; i < render_nfields; i++) {
		if (render_fields[i].type == RT_STRING) {
			char **p = (char **)((char *)r + render_fields[i].offset);
			free(*p);
			*p = NULL;
		}
	}
	for (size_t i = 0; i < render_nfields; i++) {
		if (render_fields[i].type == RT_LIST)
			strlist_free((struct strlist *)((char *)r + render_fields[i].offset));
	}
	strlist_free(&r->blocklists);
	strlist_free(&r->style_files);
	strlist_free(&r->js_files);
}

#define AT(r, f, type) (*(const type *)((const char *)(r) + (f)->offset))

bool render_field_set(const struct render *r, const struct render_field *f)
{
	if (f->flags & RF_ALWAYS)
		return true;
	if (f->is_set)
		return f->is_set(r);
	switch (f->type) {
	case RT_BOOL: return AT(r, f, bool);
	case RT_INT: return AT(r, f, int) != 0;
	case RT_LONG: return AT(r, f, long) != 0;
	case RT_SECONDS: return AT(r, f, double) > 0;
	case RT_STRING: return AT(r, f, char *) != NULL;
	case RT_FORMAT: return true;
	case RT_LIST: return AT(r, f, struct strlist).n > 0;
	}
	return false;
}

const char *render_value(const struct render *r, const struct render_field *f, char tmp[64],
			 char **alloc)
{
	*alloc = NULL;
	switch (f->type) {
	case RT_LIST: {
		const struct strlist *l = &AT(r, f, struct strlist);
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < l->n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
		*alloc = cJSON_PrintUnformatted(a);
		cJSON_Delete(a);
		return *alloc;
	}
	case RT_BOOL: return AT(r, f, bool) ? "true" : "false";
	case RT_INT: snprintf(tmp, 64, "%d", AT(r, f, int)); return tmp;
	case RT_LONG: snprintf(tmp, 64, "%ld", AT(r, f, long)); return tmp;
	case RT_SECONDS: snprintf(tmp, 64, "%g", AT(r, f, double)); return tmp;
	case RT_STRING: return AT(r, f, char *) ? AT(r, f, char *) : "";
	case RT_FORMAT: return image_format_name(AT(r, f, enum image_format));
	}
	return "";
}

void render_key_text(const struct render *r, char **key, char **shown)
{
	struct buf k = { 0 }, s = { 0 };
	buf_puts(&k, "");
	buf_puts(&s, "");
	for (size_t i = 0; i < render_nfields; i++) {
		const struct render_field *f = &render_fields[i];
		if (!(f->flags & RF_PIXELS) || !render_field_set(r, f))
			continue;
		char tmp[64], *alloc, *quoted = NULL;
		const char *v = render_value(r, f, tmp, &alloc);
		if (f->type == RT_STRING && strpbrk(v, " =\"\\")) {
			/* Free text that could pass for more fields: quoted. */
			cJSON *js = cJSON_CreateString(v);
			quoted = cJSON_PrintUnformatted(js);
			cJSON_Delete(js);
		}
		buf_appendf(&k, "%s%s=%s", k.len ? " " : "", f->name, quoted ? quoted : v);
		cJSON_free(quoted);
		/* Secrets, and a long style or script, shown as their digest. */
		if (f->flags & RF_PASSWORD) {
			buf_appendf(&s, "%s%s=***", s.len ? " " : "", f->name);
		} else if ((f->flags & RF_SECRET) || strlen(v) > RENDER_SHOWN_MAX ||
			   strpbrk(v, "\n\r")) {
			char h[65];
			sha256_hex(v, strlen(v), h);
			buf_appendf(&s, "%s%s=sha256:%.12s", s.len ? " " : "", f->name, h);
		} else {
			buf_appendf(&s, "%s%s=%s", s.len ? " " : "", f->name, v);
		}
		cJSON_free(alloc);
	}
	*key = (char *)k.data;
	*shown = (char *)s.data;
}

const struct render_field *render_api_field(const char *name)
{
	for (size_t i = 0; i < render_nfields; i++)
		if ((render_fields[i].flags & RF_API) && !strcmp(render_fields[i].name, name))
			return &render_fields[i];
	return NULL;
}

void render_api_params(const struct render *r, bool post,
		       void (*add)(void *ud, const char *name, const char *value), void *ud)
{
	for (size_t i = 0; i < render_nfields; i++) {
		const struct render_field *f = &render_fields[i];
		if (!(f->flags & RF_API) || !render_field_set(r, f) ||
		    (!post && (f->flags & RF_POST_ONLY)))
			continue;
		char tmp[64], *alloc;
		add(ud, f->name, render_value(r, f, tmp, &alloc));
		cJSON_free(alloc);
	}
}

char *render_options_json(const struct render *r)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < render_nfields; i++) {
		const struct render_field *f = &render_fields[i];
		if (!(f->flags & RF_PIXELS) || !render_field_set(r, f))
			continue;
		char tmp[64], *alloc;
		const char *v = render_value(r, f, tmp, &alloc);
		if (f->flags & RF_PASSWORD) {
			cJSON_AddStringToObject(o, f->name, "***");
		} else if ((f->flags & RF_SECRET) ||
		    (f->type == RT_STRING && (strlen(v) > RENDER_SHOWN_MAX || strpbrk(v, "\n\r")))) {
			char h[65], *d;
			sha256_hex(v, strlen(v), h);
			d = xasprintf("sha256:%.12s", h);
			cJSON_AddStringToObject(o, f->name, d);
			free(d);
		} else if (f->type == RT_LIST) {
			cJSON_AddItemToObject(o, f->name, cJSON_Parse(v));
		} else if (f->type == RT_BOOL) {
			cJSON_AddBoolToObject(o, f->name, AT(r, f, bool));
		} else if (f->type == RT_STRING || f->type == RT_FORMAT) {
			cJSON_AddStringToObject(o, f->name, v);
		} else {
			cJSON_AddRawToObject(o, f->name, v); /* a number */
		}
		cJSON_free(alloc);
	}
	char *t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *copy = xstrdup(t);
	cJSON_free(t);
	return copy;
}

char *render_local_only(const struct render *r)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < render_nfields; i++) {
		const struct render_field *f = &render_fields[i];
		if ((f->flags & RF_LOCAL) && render_field_set(r, f))
			buf_appendf(&b, "%s%s", b.len ? ", " : "", f->name);
	}
	return (char *)b.data;
}

int render_timeout_ms(const struct render *r)
{
	return (int)(r->timeout * 1000 + 0.5);
}

int render_delay_ms(const struct render *r)
{
	return (int)(r->delay * 1000 + 0.5);
}

int render_px(const struct render *r, int css)
{
	return (int)lround(css * r->scale);
}

int render_image_width(const struct render *r)
{
	return render_px(r, r->thumb_width ? r->thumb_width : r->width);
}
