#include "config.h"

#include "workq.h"

#include <pthread.h>
#include <stdlib.h>

#include "util.h"

struct wq_job {
	struct wq_job *next;
	workq_fn work, done;
	void *arg;
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t cv_work; /* a job is queued, or stop */
	pthread_cond_t cv_done; /* a job finished */
	struct wq_job *todo_head, *todo_tail;
	struct wq_job *done_head, *done_tail;
	size_t pending; /* submitted, not yet done()-ed; loop thread only */
	bool stop;
	int nthreads;
	pthread_t *threads;
	void (*wake)(void *ud);
	void *wake_ud;
};

static void push(struct wq_job **head, struct wq_job **tail, struct wq_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void *worker(void *p)
{
	struct workq *wq = p;
	pthread_mutex_lock(&wq->mu);
	for (;;) {
		while (!wq->todo_head && !wq->stop)
			pthread_cond_wait(&wq->cv_work, &wq->mu);
		if (!wq->todo_head)
			break;
		struct wq_job *j = wq->todo_head;
		wq->todo_head = j->next;
		if (!wq->todo_head)
			wq->todo_tail = NULL;
		pthread_mutex_unlock(&wq->mu);
		if (j->work)
			j->work(j->arg);
		pthread_mutex_lock(&wq->mu);
		push(&wq->done_head, &wq->done_tail, j);
		pthread_cond_broadcast(&wq->cv_done);
		if (wq->wake)
			wq->wake(wq->wake_ud);
	}
	pthread_mutex_unlock(&wq->mu);
	return NULL;
}

struct workq *workq_new(int threads, void (*wake)(void *ud), void *wake_ud)
{
	struct workq *wq = xcalloc(1, sizeof *wq);
	pthread_mutex_init(&wq->mu, NULL);
	pthread_cond_init(&wq->cv_work, NULL);
	pthread_cond_init(&wq->cv_done, NULL);
	wq->wake = wake;
	wq->wake_ud = wake_ud;
	wq->threads = xcalloc((size_t)threads, sizeof *wq->threads);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&wq->threads[i], NULL, worker, wq) == 0)
			wq->nthreads++;
	if (wq->nthreads == 0) {
		/* No thread at all: the jobs then run inline in workq_submit. */
		free(wq->threads);
		wq->threads = NULL;
	}
	return wq;
}

void workq_submit(struct workq *wq, workq_fn work, workq_fn done, void *arg)
{
	struct wq_job *j = xcalloc(1, sizeof *j);
	j->work = work;
	j->done = done;
	j->arg = arg;
	wq->pending++;
	pthread_mutex_lock(&wq->mu);
	if (wq->nthreads == 0) {
		pthread_mutex_unlock(&wq->mu);
		if (work)
			work(arg);
		pthread_mutex_lock(&wq->mu);
		push(&wq->done_head, &wq->done_tail, j);
		if (wq->wake)
			wq->wake(wq->wake_ud);
	} else {
		push(&wq->todo_head, &wq->todo_tail, j);
		pthread_cond_signal(&wq->cv_work);
	}
	pthread_mutex_unlock(&wq->mu);
}

size_t workq_poll(struct workq *wq)
{
	pthread_mutex_lock(&wq->mu);
	struct wq_job *list = wq->done_head;
	wq->done_head = wq->done_tail = NULL;
	pthread_mutex_unlock(&wq->mu);
	size_t n = 0;
	while (list) {
		struct wq_job *j = list;
		list = j->next;
		wq->pending--;
		if (j->done)
			j->done(j->arg);
		free(j);
		n++;
	}
	return n;
}

size_t workq_pending(const struct workq *wq)
{
	return wq->pending;
}

void workq_drain(struct workq *wq)
{
	while (wq->pending) {
		pthread_mutex_lock(&wq->mu);
		while (!wq->done_head)
			pthread_cond_wait(&wq->cv_done, &wq->mu);
		pthread_mutex_unlock(&wq->mu);
		workq_poll(wq);
	}
}

void workq_free(struct workq *wq)
{
	if (!wq)
		return;
	workq_drain(wq);
	pthread_mutex_lock(&wq->mu);
	wq->stop = true;
	pthread_cond_broadcast(&wq->cv_work);
	pthread_mutex_unlock(&wq->mu);
	for (int i = 0; i < wq->nthreads; i++)
		pthread_join(wq->threads[i], NULL);
	free(wq->threads);
	pthread_mutex_destroy(&wq->mu);
	pthread_cond_destroy(&wq->cv_work);
	pthread_cond_destroy(&wq->cv_done);
	free(wq);
}
