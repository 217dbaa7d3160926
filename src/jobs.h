/* jobs: the URLs of a run and the queue of those still to render. Each
 * input line or argument is one job; duplicates (after normalising) are
 * captured once. The queue hands out retries first, then fresh jobs in
 * input order; jobs whose cache entry another process is rendering wait
 * apart until jobs_wake_waiting(). */
#ifndef SAVEPAGE_JOBS_H
#define SAVEPAGE_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cache.h"
#include "util.h"

struct capture;
struct capture_env;
struct api_req;

struct job {
	char *input;             /* as given */
	char *url;               /* normalised; NULL if invalid */
	const char *why_invalid; /* static */
	int line;                /* input line (or argument position), from 1 */
	int attempts;
	char key[CACHE_KEY_LEN + 1]; /* cache key, when there is a cache */
	int lock_fd;             /* the entry's lock while we render it; -1 */
	bool queued;             /* waiting to be rendered */
	bool entry_bad;          /* its cached image proved unusable: render */
	bool quiet;              /* its failure is told another way */
	time_t cached_at;        /* --api: the stale copy's render time (0: none) */
	/* savepage serve: the job's own render (env->r) and what goes with
	 * it; the slot that starts it fills in its own parts. NULL: the run's. */
	struct capture_env *env;
	/* what renders it now: at most one of these */
	struct capture *cap;
	struct api_req *req;
};

struct jobs {
	struct job *v;
	size_t n;
	size_t cap;
	size_t next;      /* the next fresh job */
	size_t *again;    /* jobs to render again (a stack) */
	size_t nagain;
	size_t queued;    /* in the queue, not yet handed out */
	size_t *waiting;  /* jobs whose entry another process renders */
	size_t nwaiting;
};

/* Reads the URLs: the arguments, then each -i file ("-" standard input).
 * 0, or -1 after saying which file could not be read. */
int jobs_read(struct jobs *q, const struct strlist *urls, const struct strlist *inputs);
void jobs_free(struct jobs *q);

/* Queues j to be rendered (a first time or again). */
void jobs_push(struct jobs *q, struct job *j);
/* The next job to render, or NULL. */
struct job *jobs_pop(struct jobs *q);
/* Parks j until jobs_wake_waiting() queues it again. */
void jobs_wait(struct jobs *q, struct job *j);
void jobs_wake_waiting(struct jobs *q);

#endif
