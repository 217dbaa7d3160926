#include "config.h"

#include "sink.h"

#include <cjson/cJSON.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "urls.h"

struct sink {
	struct sink_opts o;
	char *tmpl;
	struct strset used;     /* names given out in this run */
	struct archive *ar;
	char *ar_tmp;           /* the archive being written, renamed at close */
	int ar_fd;              /* open on ar_tmp; -1 when none */
	FILE *manifest;         /* lines for manifest.jsonl, added at close */
	FILE *report;
	bool report_is_stdout;
};

/* ---- names ---- */

/* Appends s with anything unsafe replaced by '_'; runs of '_' or '.' folded. */
static void append_safe(struct buf *b, const char *s, size_t n, bool allow_slash)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
			  (allow_slash && c == '/');
		if (!ok)
			c = '_';
		if ((c == '_' || c == '.' || c == '/') && b->len && b->data[b->len - 1] == c)
			continue;
		buf_append(b, &c, 1);
	}
}

char *sink_expand_name(const char *tmpl, const struct sink_item *it)
{
	struct buf raw = { 0 };
	const char *url = it->url ? it->url : "";
	char *host = url_host(url);
	struct url_parts u;
	const char *p = url_split(url, &u) == 0 ? u.rest : "";
	size_t plen = strcspn(p, "?#");
	uint64_t h = hash64(url, strlen(url), 0);
	if (it->options_key)
		h = hash64(it->options_key, strlen(it->options_key), h);

	for (const char *t = tmpl; *t;) {
		const char *close = *t == '{' ? strchr(t, '}') : NULL;
		if (!close) {
			/* literal text: '/' allowed (sub-directories) */
			size_t n = strcspn(t + 1, "{") + 1;
			append_safe(&raw, t, n, true);
			t += n;
			continue;
		}
		size_t n = (size_t)(close - t - 1);
		const char *f = t + 1;
		struct buf v = { 0 };
		if (n == 4 && !strncmp(f, "host", 4)) {
			buf_append(&v, host, strlen(host));
		} else if (n == 4 && !strncmp(f, "path", 4)) {
			if (plen > 1)
				buf_append(&v, p, plen > 120 ? 120 : plen);
		} else if (n == 4 && !strncmp(f, "hash", 4)) {
			buf_appendf(&v, "%08x", (unsigned)(h ^ (h >> 32)));
		} else if (n == 1 && *f == 'n') {
			buf_appendf(&v, "%d", it->line);
		} else if (n == 1 && *f == 'w') {
			buf_appendf(&v, "%d", it->width);
		} else if (n == 1 && *f == 'h') {
			buf_appendf(&v, "%d", it->height);
		} else if (n == 3 && !strncmp(f, "ext", 3)) {
			buf_appendf(&v, "%s", image_format_ext(it->format));
		} else {
			buf_append(&v, t, n + 2); /* not a field: kept as text */
		}
		if (v.len)
			append_safe(&raw, (char *)v.data, v.len, false);
		buf_free(&v);
		t = close + 1;
	}
	free(host);

	/* Path components: none empty, ".", ".." or hidden. */
	struct buf out = { 0 };
	char *save = NULL, *copy = xstrdup(raw.data ? (char *)raw.data : "");
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		while (*c == '.')
			c++;
		if (!*c)
			continue;
		if (out.len)
			buf_append(&out, "/", 1);
		buf_append(&out, c, strlen(c) > 200 ? 200 : strlen(c));
	}
	free(copy);
	buf_free(&raw);
	if (!out.len)
		buf_appendf(&out, "page-%08x.%s", (unsigned)(h ^ (h >> 32)), image_format_ext(it->format));
	return (char *)out.data;
}

/* Makes name unique in this run: "a.jpg", then "a-2.jpg", "a-3.jpg". */
static char *unique_name(struct sink *s, char *name)
{
	if (strset_add(&s->used, name))
		return name;
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	for (int i = 2;; i++) {
		char *cand = xasprintf("%.*s-%d%s", (int)stem, name, i, name + stem);
		if (strset_add(&s->used, cand)) {
			free(name);
			return cand;
		}
		free(cand);
	}
}

/* ---- archives ---- */

enum ar_type { AR_NONE, AR_TAR, AR_TGZ, AR_TZST, AR_ZIP };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

static enum ar_type archive_type(const char *path)
{
	if (!strcmp(path, "-") || ends_with(path, ".tar"))
		return AR_TAR;
	if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz"))
		return AR_TGZ;
	if (ends_with(path, ".tar.zst") || ends_with(path, ".tzst"))
		return AR_TZST;
	if (ends_with(path, ".zip"))
		return AR_ZIP;
	return AR_NONE;
}

int sink_archive_check(const char *path, char **err)
{
	if (archive_type(path) == AR_NONE) {
		*err = xasprintf("%s: unknown archive type (use .tar, .tar.gz, .tgz, .tar.zst or .zip)",
				 path);
		return -1;
	}
	return 0;
}

static int archive_add(struct sink *s, const char *name, const void *data, size_t len,
		       time_t mtime, char **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, mtime, 0);
	int rc = 0;
	if (archive_write_header(s->ar, e) != ARCHIVE_OK ||
	    (len && archive_write_data(s->ar, data, len) != (la_ssize_t)len)) {
		*err = xasprintf("%s: %s", s->o.path, archive_error_string(s->ar));
		rc = -1;
	}
	archive_entry_free(e);
	return rc;
}

static int archive_start(struct sink *s, char **err)
{
	enum ar_type t = archive_type(s->o.path);
	s->ar = archive_write_new();
	int rc = ARCHIVE_OK;
	if (t == AR_ZIP) {
		rc = archive_write_set_format_zip(s->ar);
		/* Images are compressed already: store them. */
		if (rc == ARCHIVE_OK)
			rc = archive_write_set_options(s->ar, "zip:compression=store");
	} else {
		rc = archive_write_set_format_pax_restricted(s->ar);
		if (rc == ARCHIVE_OK && t == AR_TGZ)
			rc = archive_write_add_filter_gzip(s->ar);
		if (rc == ARCHIVE_OK && t == AR_TZST)
			rc = archive_write_add_filter_zstd(s->ar);
	}
	if (rc != ARCHIVE_OK) {
		*err = xasprintf("%s: %s", s->o.path, archive_error_string(s->ar));
		return -1;
	}
	if (!strcmp(s->o.path, "-")) {
		rc = archive_write_open_fd(s->ar, STDOUT_FILENO);
	} else {
		int fd = atomic_begin(s->o.path, &s->ar_tmp, err);
		if (fd < 0)
			return -1;
		rc = archive_write_open_fd(s->ar, fd);
		s->ar_fd = fd;
	}
	if (rc != ARCHIVE_OK) {
		*err = xasprintf("%s: %s", s->o.path, archive_error_string(s->ar));
		return -1;
	}
	s->manifest = tmpfile();
	if (!s->manifest) {
		*err = xasprintf("manifest: %s", strerror(errno));
		return -1;
	}
	strset_add(&s->used, "manifest.jsonl");
	return 0;
}

/* ---- open, put, close ---- */

static void sink_free(struct sink *s)
{
	if (s->ar)
		archive_write_free(s->ar);
	if (s->ar_fd >= 0)
		close(s->ar_fd);
	if (s->ar_tmp) {
		atomic_cancel(s->ar_tmp);
		free(s->ar_tmp);
	}
	if (s->manifest)
		fclose(s->manifest);
	if (s->report && !s->report_is_stdout)
		fclose(s->report);
	strset_free(&s->used);
	free(s->tmpl);
	free(s);
}

struct sink *sink_open(const struct sink_opts *o, char **err)
{
	struct sink *s = xcalloc(1, sizeof *s);
	s->ar_fd = -1;
	s->o = *o;
	s->tmpl = xstrdup(o->name_template ? o->name_template : SINK_DEFAULT_NAME);
	if (o->kind == SINK_DIR && o->path) {
		if (mkdir(o->path, 0777) < 0 && errno != EEXIST) {
			*err = xasprintf("%s: %s", o->path, strerror(errno));
			goto fail;
		}
		struct stat st;
		if (stat(o->path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			*err = xasprintf("%s: not a directory", o->path);
			goto fail;
		}
	}
	if (o->kind == SINK_ARCHIVE && archive_start(s, err) < 0)
		goto fail;
	if (o->report_path) {
		if (!strcmp(o->report_path, "-")) {
			s->report = stdout;
			s->report_is_stdout = true;
		} else if (!(s->report = fopen(o->report_path, "we"))) {
			*err = xasprintf("%s: %s", o->report_path, strerror(errno));
			goto fail;
		}
	}
	return s;
fail:
	sink_free(s);
	return NULL;
}

static void json_line(struct buf *b, const struct sink_item *it)
{
	buf_puts(b, "{\"url\":");
	buf_append_json_str(b, it->url ? it->url : it->input);
	buf_puts(b, ",\"input\":");
	buf_append_json_str(b, it->input);
	buf_appendf(b, ",\"line\":%d,\"file\":", it->line);
	if (it->file)
		buf_append_json_str(b, it->file);
	else
		buf_puts(b, "null");
	bool ok = it->ok && !it->write_err;
	buf_appendf(b, ",\"status\":\"%s\",\"http_status\":", ok ? "ok" : "failed");
	if (it->http_status)
		buf_appendf(b, "%d", it->http_status);
	else
		buf_puts(b, "null");
	if (ok) {
		buf_puts(b, ",\"error_code\":null,\"error\":null");
	} else {
		buf_appendf(b, ",\"error_code\":%d,\"error\":", it->code ? it->code : 490);
		buf_append_json_str(b, it->write_err ? it->write_err
				       : it->message ? it->message : "error");
	}
	if (ok) {
		char sha[65];
		sha256_hex(it->image.data, it->image.len, sha);
		buf_appendf(b, ",\"format\":\"%s\",\"width\":%d,\"height\":%d,\"bytes\":%zu,\"sha256\":\"%s\"",
			    image_format_name(it->format), it->width, it->height, it->image.len, sha);
	} else {
		buf_puts(b, ",\"format\":null,\"width\":null,\"height\":null,\"bytes\":null,\"sha256\":null");
	}
	char when[32] = "null";
	if (it->rendered_at) {
		struct tm tm;
		gmtime_r(&it->rendered_at, &tm);
		strftime(when, sizeof when, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
	}
	buf_appendf(b, ",\"rendered_at\":%s,\"seconds\":%.3f,\"attempts\":%d,\"source\":", when,
		    it->seconds, it->attempts);
	if (ok && it->source)
		buf_appendf(b, "\"%s\"", it->source);
	else
		buf_puts(b, "null");
	if (ok && it->mhtml_file) {
		char sha[65];
		sha256_hex(it->mhtml.data, it->mhtml.len, sha);
		buf_puts(b, ",\"mhtml_file\":");
		buf_append_json_str(b, it->mhtml_file);
		buf_appendf(b, ",\"mhtml_bytes\":%zu,\"mhtml_sha256\":\"%s\"", it->mhtml.len, sha);
	}
	if (ok && it->format == IMAGE_PDF)
		buf_appendf(b, ",\"pages\":%d", image_pdf_pages(it->image.data, it->image.len));
	/* What the page did, rendered now or when the cached copy was. */
	static const char *const page_fields[] = { "final_url",	      "title",
						   "content_type",    "requests",
						   "failed_requests", "console_errors",
						   "console_messages" };
	cJSON *page = it->page_json ? cJSON_Parse(it->page_json) : NULL;
	for (size_t i = 0; i < ARRAY_LEN(page_fields); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(page, page_fields[i]);
		char *t = v ? cJSON_PrintUnformatted(v) : NULL;
		buf_appendf(b, ",\"%s\":%s", page_fields[i], t ? t : "null");
		cJSON_free(t);
	}
	cJSON_Delete(page);
	buf_appendf(b, ",\"options\":%s}\n", it->options_json ? it->options_json : "{}");
}

/* The record's name: the image's, its extension made .mhtml. */
static char *record_name(const char *image)
{
	const char *slash = strrchr(image, '/');
	const char *dot = strrchr(slash ? slash + 1 : image, '.');
	size_t stem = dot && dot != (slash ? slash + 1 : image) ? (size_t)(dot - image) : strlen(image);
	return xasprintf("%.*s.mhtml", (int)stem, image);
}

/* --mhtml: the record beside the image just written (it->file). */
static char *put_record(struct sink *s, struct sink_item *it)
{
	char *err = NULL;
	if (s->o.kind == SINK_ARCHIVE) {
		char *name = unique_name(s, record_name(it->file));
		if (archive_add(s, name, it->mhtml.data, it->mhtml.len, it->rendered_at, &err) == 0)
			it->mhtml_file = name, name = NULL;
		free(name);
	} else {
		char *path = record_name(it->file);
		if (atomic_write(path, it->mhtml.data, it->mhtml.len, &err) == 0)
			it->mhtml_file = path, path = NULL;
		free(path);
	}
	return err;
}

int sink_put(struct sink *s, struct sink_item *it)
{
	char *err = NULL;
	if (it->ok) {
		switch (s->o.kind) {
		case SINK_STDOUT:
			if (write_all(STDOUT_FILENO, it->image.data, it->image.len) < 0)
				err = xasprintf("standard output: %s", strerror(errno));
			else
				it->file = xstrdup("-");
			break;
		case SINK_FILE:
			if (atomic_write(s->o.path, it->image.data, it->image.len, &err) == 0)
				it->file = xstrdup(s->o.path);
			break;
		case SINK_DIR: {
			char *name = unique_name(s, sink_expand_name(s->tmpl, it));
			char *path = s->o.path ? xasprintf("%s/%s", s->o.path, name) : xstrdup(name);
			if (mkdir_parents(path, 0777) < 0)
				err = xasprintf("%s: %s", path, strerror(errno));
			else if (atomic_write(path, it->image.data, it->image.len, &err) == 0)
				it->file = path, path = NULL;
			free(path);
			free(name);
			break;
		}
		case SINK_ARCHIVE: {
			char *name = unique_name(s, sink_expand_name(s->tmpl, it));
			if (archive_add(s, name, it->image.data, it->image.len, it->rendered_at, &err) == 0)
				it->file = name, name = NULL;
			free(name);
			break;
		}
		}
		if (!err && it->mhtml.len && s->o.kind != SINK_STDOUT)
			err = put_record(s, it);
		if (err)
			it->write_err = err;
	}
	if (s->report || s->manifest) {
		struct buf line = { 0 };
		json_line(&line, it);
		if (s->manifest)
			fwrite(line.data, 1, line.len, s->manifest);
		if (s->report) {
			fwrite(line.data, 1, line.len, s->report);
			fflush(s->report);
		}
		buf_free(&line);
	}
	return it->write_err ? -1 : 0;
}

int sink_close(struct sink *s, char **err)
{
	int rc = 0;
	if (s->ar) {
		struct buf m = { 0 };
		rewind(s->manifest);
		char tmp[65536];
		size_t n;
		while ((n = fread(tmp, 1, sizeof tmp, s->manifest)) > 0)
			buf_append(&m, tmp, n);
		if (archive_add(s, "manifest.jsonl", m.data, m.len, time(NULL), err) < 0)
			rc = -1;
		buf_free(&m);
		if (archive_write_close(s->ar) != ARCHIVE_OK && rc == 0) {
			*err = xasprintf("%s: %s", s->o.path, archive_error_string(s->ar));
			rc = -1;
		}
		if (s->ar_fd >= 0 && close(s->ar_fd) < 0 && rc == 0) {
			*err = xasprintf("%s: %s", s->o.path, strerror(errno));
			rc = -1;
		}
		s->ar_fd = -1;
		if (rc == 0 && s->ar_tmp) {
			rc = atomic_commit(s->ar_tmp, s->o.path, err);
			free(s->ar_tmp);
			s->ar_tmp = NULL;
		}
	}
	if (s->report && !s->report_is_stdout) {
		if (fclose(s->report) != 0 && rc == 0) {
			*err = xasprintf("%s: %s", s->o.report_path, strerror(errno));
			rc = -1;
		}
		s->report = NULL;
	}
	sink_free(s);
	return rc;
}

void sink_item_free(struct sink_item *it)
{
	if (!it)
		return;
	free(it->url);
	free(it->input);
	free(it->message);
	buf_free(&it->image);
	free(it->file);
	free(it->write_err);
	free(it->page_json);
	buf_free(&it->mhtml);
	free(it->mhtml_file);
	free(it);
}
