#include "config.h"

#include "jobs.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "urls.h"

/* The input as a string for messages and reports: a NUL byte (which
 * url_normalise_n refused) written as the text \x00. */
static char *input_text(const char *input, size_t len)
{
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (const char *p = input, *end = input + len; p < end;) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
		buf_append(&b, p, n);
		if (nul)
			buf_puts(&b, "\\x00");
		p += n + (nul ? 1 : 0);
	}
	return (char *)b.data;
}

static void add_job(struct jobs *q, struct strset *seen, const char *input, size_t len,
		    int line)
{
	const char *why = NULL;
	char *url = url_normalise_n(input, len, &why);
	if (url && !strset_add(seen, url)) {
		log_info("%s: a duplicate; captured once", url);
		free(url);
		return;
	}
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->v = xrealloc(q->v, q->cap * sizeof *q->v);
	}
	struct job *j = &q->v[q->n++];
	memset(j, 0, sizeof *j);
	j->input = input_text(input, len);
	j->url = url;
	j->why_invalid = why;
	j->line = line;
	j->lock_fd = -1;
}

struct line_ctx {
	struct jobs *q;
	struct strset *seen;
};

static void on_input_line(void *ud, const char *line, size_t len, int lineno)
{
	struct line_ctx *c = ud;
	add_job(c->q, c->seen, line, len, lineno);
}

int jobs_read(struct jobs *q, const struct strlist *urls, const struct strlist *inputs)
{
	struct strset seen = { 0 };
	for (size_t i = 0; i < urls->n; i++)
		add_job(q, &seen, urls->v[i], strlen(urls->v[i]), (int)i + 1);
	struct line_ctx c = { q, &seen };
	int rc = 0;
	for (size_t i = 0; i < inputs->n && rc == 0; i++) {
		char *err = NULL;
		if (url_read_lines(inputs->v[i], on_input_line, &c, &err) < 0) {
			log_err("%s", err);
			free(err);
			rc = -1;
		}
	}
	strset_free(&seen);
	q->again = xcalloc(q->n + 1, sizeof *q->again);
	q->waiting = xcalloc(q->n + 1, sizeof *q->waiting);
	return rc;
}

void jobs_free(struct jobs *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->v[i].input);
		free(q->v[i].url);
		cache_unlock(q->v[i].lock_fd);
	}
	free(q->v);
	free(q->again);
	free(q->waiting);
	memset(q, 0, sizeof *q);
}

void jobs_push(struct jobs *q, struct job *j)
{
	j->queued = true;
	q->queued++;
	/* A fresh job is found in order by jobs_pop(); others go on the stack. */
	if ((size_t)(j - q->v) < q->next || j->attempts)
		q->again[q->nagain++] = (size_t)(j - q->v);
}

struct job *jobs_pop(struct jobs *q)
{
	size_t i;
	if (q->nagain) {
		i = q->again[--q->nagain];
	} else {
		while (q->next < q->n && !q->v[q->next].queued)
			q->next++;
		if (q->next >= q->n)
			return NULL;
		i = q->next++;
	}
	q->v[i].queued = false;
	q->queued--;
	return &q->v[i];
}

void jobs_wait(struct jobs *q, struct job *j)
{
	q->waiting[q->nwaiting++] = (size_t)(j - q->v);
}

void jobs_wake_waiting(struct jobs *q)
{
	while (q->nwaiting)
		jobs_push(q, &q->v[q->waiting[--q->nwaiting]]);
}
