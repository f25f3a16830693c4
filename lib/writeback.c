/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>

#include "writeback.h"

/* Errors are not reported here: a page that fails to be written fails
 * the fsync that follows, and that is where they are reported. */
static void queue(int fd, off_t from, off_t to)
{
	if (to > from)
		(void)sync_file_range(fd, from, to - from, SYNC_FILE_RANGE_WRITE);
}

static void *helper(void *arg)
{
	struct pn_writeback *wb = arg;
	pthread_mutex_lock(&wb->lock);
	for (;;) {
		while (wb->queued == wb->copied && !wb->finishing)
			pthread_cond_wait(&wb->wake, &wb->lock);
		if (wb->queued == wb->copied)
			break;
		off_t from = wb->queued, to = wb->copied;
		pthread_mutex_unlock(&wb->lock);
		queue(wb->fd, from, to);
		pthread_mutex_lock(&wb->lock);
		wb->queued = to;
	}
	pthread_mutex_unlock(&wb->lock);
	return NULL;
}

void pn_writeback_start(struct pn_writeback *wb, int fd, off_t from)
{
	*wb = (struct pn_writeback){ .fd = fd, .copied = from, .queued = from };
	if (pthread_mutex_init(&wb->lock, NULL) != 0)
		return;
	if (pthread_cond_init(&wb->wake, NULL) != 0) {
		pthread_mutex_destroy(&wb->lock);
		return;
	}
	wb->threaded = pthread_create(&wb->thread, NULL, helper, wb) == 0;
	if (!wb->threaded) {
		pthread_cond_destroy(&wb->wake);
		pthread_mutex_destroy(&wb->lock);
	}
}

void pn_writeback_advance(struct pn_writeback *wb, off_t end)
{
	if (!wb->threaded) {
		queue(wb->fd, wb->queued, end);
		wb->queued = wb->copied = end;
		return;
	}
	pthread_mutex_lock(&wb->lock);
	wb->copied = end;
	pthread_cond_signal(&wb->wake);
	pthread_mutex_unlock(&wb->lock);
}

void pn_writeback_finish(struct pn_writeback *wb)
{
	if (!wb->threaded)
		return;
	pthread_mutex_lock(&wb->lock);
	wb->finishing = true;
	pthread_cond_signal(&wb->wake);
	pthread_mutex_unlock(&wb->lock);
	pthread_join(wb->thread, NULL);
	pthread_cond_destroy(&wb->wake);
	pthread_mutex_destroy(&wb->lock);
	wb->threaded = false;
}
