/* sink: where finished captures go. One sink per run owns the outputs: a
 * single file or standard output, a directory of files named by a template,
 * or one archive (tar, tar.gz, tar.zst, zip; "-" a tar on standard output)
 * with a manifest.jsonl; and the --report JSON lines. Files and archives are
 * written through temporary files and renamed, so nothing half-written is
 * ever left under a final name. sink_put() and sink_close() may block on
 * disk: call them from a worker thread, one at a time. */
#ifndef SAVEPAGE_SINK_H
#define SAVEPAGE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "image.h"
#include "util.h"

enum sink_kind {
	SINK_STDOUT,  /* one image on standard output */
	SINK_FILE,    /* one image to path */
	SINK_DIR,     /* files under path (NULL: the current directory) */
	SINK_ARCHIVE, /* entries of the archive at path ("-": tar on stdout) */
};

#define SINK_DEFAULT_NAME "{host}{path}-{hash}.{ext}"

struct sink_opts {
	enum sink_kind kind;
	const char *path;
	const char *name_template; /* NULL: SINK_DEFAULT_NAME */
	const char *report_path;   /* NULL: no report; "-": standard output */
};

/* One URL's outcome, handed to the sink (which takes the image). */
struct sink_item {
	char *url;        /* normalised, or NULL if it was invalid */
	char *input;      /* as given */
	int line;         /* input line (or argument position), from 1 */
	const char *options_key;
	const char *options_json; /* what the image was made with (a JSON object) */
	enum image_format format;
	bool ok;
	int code;         /* SavePage error code when !ok */
	char *message;
	int http_status;
	struct buf image;
	int width, height;
	double seconds;
	time_t rendered_at;
	int attempts;
	const char *source; /* "rendered", "cached" or "revalidated" for an image */
	char *page_json;  /* what the page did (capture.h), a JSON object; NULL unknown */
	struct buf mhtml; /* --mhtml: the page's record, written beside the image */
	/* set by sink_put */
	char *file;       /* the file or entry name written */
	char *write_err;  /* writing failed: the reason */
	char *mhtml_file; /* where the record went */
};

struct sink;

/* Checks that the archive type is known; returns 0 or -1 with *err. */
int sink_archive_check(const char *path, char **err);
struct sink *sink_open(const struct sink_opts *o, char **err);
/* Writes the image (if ok) and the report/manifest line. 0 or -1. */
int sink_put(struct sink *s, struct sink_item *it);
/* Adds the manifest, closes and renames the archive, closes the report.
 * Frees the sink. 0 or -1 with *err. */
int sink_close(struct sink *s, char **err);
void sink_item_free(struct sink_item *it);

/* Expands a name template for item it (fields {host} {path} {hash} {n} {w}
 * {h} {ext}) into a safe relative path: no "..", no leading "/", no control
 * characters. Caller frees. */
char *sink_expand_name(const char *tmpl, const struct sink_item *it);


#endif
