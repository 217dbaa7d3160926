/* The render description and its table: the cache key holds exactly the
 * fields that change the pixels (each one of them changes it), the hosted
 * API's form holds exactly the fields the API takes, under its names, and
 * secrets are shown only as digests. */
#include "config.h"

#include <stdlib.h>

#include "render.h"
#include "unit.h"

struct form {
	struct buf b;
};

static void add(void *ud, const char *name, const char *value)
{
	struct form *f = ud;
	buf_appendf(&f->b, "%s%s=%s", f->b.len ? "&" : "", name, value);
}

static char *form(const struct render *r, bool post)
{
	struct form f = { { 0 } };
	buf_puts(&f.b, "");
	render_api_params(r, post, add, &f);
	return (char *)f.b.data;
}

/* Changes field f of r away from its default. */
static void poke(struct render *r, const struct render_field *f)
{
	void *p = (char *)r + f->offset;
	switch (f->type) {
	case RT_BOOL: *(bool *)p = !*(bool *)p; break;
	case RT_INT: *(int *)p += 7; break;
	case RT_LONG: *(long *)p += 7; break;
	case RT_SECONDS: *(double *)p += 1.5; break;
	case RT_STRING: free(*(char **)p); *(char **)p = xstrdup("poked"); break;
	case RT_FORMAT: *(enum image_format *)p = IMAGE_PNG; break;
	case RT_LIST: strlist_add((struct strlist *)p, "#poked"); break;
	}
}

int main(void)
{
	struct render r;
	render_init(&r);
	char *key, *shown;
	render_key_text(&r, &key, &shown);
	CHECK_STR(key, "width=1440 height=900 format=jpeg quality=80");
	CHECK_STR(shown, key);
	free(key);
	free(shown);
	char *f = form(&r, true);
	CHECK_STR(f, "width=1440&height=900&format=jpeg");
	free(f);

	/* Every field that changes the pixels changes the key; no other does. */
	for (size_t i = 0; i < render_nfields; i++) {
		struct render a;
		render_init(&a);
		char *k0, *s0, *k1, *s1;
		render_key_text(&a, &k0, &s0);
		poke(&a, &render_fields[i]);
		render_key_text(&a, &k1, &s1);
		bool changed = strcmp(k0, k1) != 0;
		if (changed != !!(render_fields[i].flags & RF_PIXELS))
			printf("field %s: key %s when poked\n", render_fields[i].name,
			       changed ? "changed" : "did not change");
		CHECK(changed == !!(render_fields[i].flags & RF_PIXELS));
		free(k0);
		free(s0);
		free(k1);
		free(s1);
		render_free(&a);
	}

	/* A PNG has no quality; a secret is a digest in what is shown. */
	r.format = IMAGE_PNG;
	r.cookie = xstrdup("sid=s3cret");
	r.user_agent = xstrdup("UA/1");
	r.fullpage = true;
	r.thumb_width = 400;
	r.delay = 1.5;
	render_key_text(&r, &key, &shown);
	CHECK_STR(key, "width=1440 height=900 fullpage=true thumb_width=400 delay=1.5 format=png "
		       "user_agent=UA/1 cookie=\"sid=s3cret\"");
	CHECK(strstr(shown, "cookie=sha256:") && !strstr(shown, "s3cret"));
	free(key);
	free(shown);

	/* A login's password is never shown, not even as a digest; headers are
	 * digests; both key the cache. */
	struct render lr;
	render_init(&lr);
	lr.auth_user = xstrdup("ann");
	lr.auth_password = xstrdup("pw-s3cret");
	strlist_add(&lr.headers, "X-Token: tok-s3cret");
	render_key_text(&lr, &key, &shown);
	CHECK(strstr(key, "auth_password=pw-s3cret") && strstr(key, "tok-s3cret"));
	CHECK(strstr(shown, "auth_username=ann") && strstr(shown, "auth_password=***") &&
	      strstr(shown, "headers=sha256:") && !strstr(shown, "s3cret"));
	char *lj = render_options_json(&lr);
	CHECK(strstr(lj, "\"auth_password\":\"***\"") && strstr(lj, "\"headers\":\"sha256:") &&
	      !strstr(lj, "s3cret"));
	free(lj);
	free(key);
	free(shown);
	render_free(&lr);

	/* The API's names; cookie only in a POST; refresh only when given; maxage
	 * only when set; quality, timeout and savepage's own fields never. */
	f = form(&r, true);
	CHECK_STR(f, "width=1440&height=900&fullpage=true&thumb_width=400&delay=1.5&format=png&"
		     "user_agent=UA/1&cookie=sid=s3cret");
	free(f);
	r.refresh = -1;
	r.refresh_given = true;
	r.maxage = 3600;
	r.lists = xstrdup("abc");
	r.via = xstrdup("api:x");
	r.nocookie = true;
	r.noads = true;
	f = form(&r, false);
	CHECK_STR(f, "width=1440&height=900&fullpage=true&thumb_width=400&delay=1.5&nocookie=true&"
		     "noads=true&format=png&refresh=-1&user_agent=UA/1&maxage=3600");
	free(f);
	CHECK(render_image_width(&r) == 400);
	CHECK(render_timeout_ms(&r) == 30000 && render_delay_ms(&r) == 1500);
	render_free(&r);

	/* Changing the page: lists as JSON arrays (a selector with a comma or
	 * a quote stays one item), a long script shown as its digest, and the
	 * hosted API told none of it, but named as what it lacks. */
	render_init(&r);
	CHECK(render_local_only(&r) == NULL);
	strlist_add(&r.hide, "#a, .b");
	strlist_add(&r.hide, "[title=\"x y\"]");
	strlist_add(&r.click, "#more");
	r.javascript = xstrdup("document.body.dataset.x = 1;\n/* and more */");
	render_key_text(&r, &key, &shown);
	CHECK(strstr(key, "hide=[\"#a, .b\",\"[title=\\\"x y\\\"]\"]") != NULL);
	CHECK(strstr(key, "click=[\"#more\"]") != NULL);
	CHECK(strstr(shown, "javascript=sha256:") && !strstr(shown, "dataset"));
	free(key);
	free(shown);
	/* Free text that could pass for another field is quoted in the key:
	 * "a timezone=UTC" as a selector is not a selector and a time zone. */
	struct render q1, q2;
	render_init(&q1);
	render_init(&q2);
	q1.wait_for_selector = xstrdup(".a timezone=UTC");
	q2.wait_for_selector = xstrdup(".a");
	q2.timezone = xstrdup("UTC");
	char *k1, *s1, *k2, *s2;
	render_key_text(&q1, &k1, &s1);
	render_key_text(&q2, &k2, &s2);
	CHECK(strcmp(k1, k2) != 0);
	free(k1), free(s1), free(k2), free(s2);
	render_free(&q1);
	render_free(&q2);
	char *local = render_local_only(&r);
	CHECK_STR(local, "hide, click, javascript");
	free(local);
	f = form(&r, true);
	CHECK(!strstr(f, "hide") && !strstr(f, "click") && !strstr(f, "javascript"));
	free(f);
	/* The report's options: JSON types kept, the long script a digest. */
	r.scale = 1.5;
	r.fullpage = true;
	char *oj = render_options_json(&r);
	CHECK(strstr(oj, "\"fullpage\":true") && strstr(oj, "\"scale_factor\":1.5") &&
	      strstr(oj, "\"click\":[\"#more\"]") && strstr(oj, "\"javascript\":\"sha256:") &&
	      strstr(oj, "\"width\":1440") && !strstr(oj, "dataset"));
	free(oj);
	render_free(&r);
	return unit_done();
}
