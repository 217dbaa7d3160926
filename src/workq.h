/* workq: work that blocks (image decoding and encoding, disk and archive
 * writes) runs on worker threads so the event loop never stalls. A job's
 * work() runs on a worker; its done() runs later on the owner's thread, from
 * workq_poll(). Jobs on a queue with one thread run in submission order. */
#ifndef SAVEPAGE_WORKQ_H
#define SAVEPAGE_WORKQ_H

#include <stdbool.h>
#include <stddef.h>

struct workq;

typedef void (*workq_fn)(void *arg);

/* wake (may be NULL) is called on the worker thread each time a job
 * finishes, so that whoever owns the queue learns to call workq_poll()
 * (an event loop: by waking it). */
struct workq *workq_new(int threads, void (*wake)(void *ud), void *wake_ud);
/* Finishes every queued job (running their done() callbacks), then joins
 * the threads and frees. NULL is a no-op. */
void workq_free(struct workq *wq);
void workq_submit(struct workq *wq, workq_fn work, workq_fn done, void *arg);
/* Runs the done() callbacks of finished jobs; returns how many ran. */
size_t workq_poll(struct workq *wq);
/* Jobs submitted and not yet done()-ed. */
size_t workq_pending(const struct workq *wq);
/* Blocks until every submitted job is done()-ed. */
void workq_drain(struct workq *wq);

#endif
