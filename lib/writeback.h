/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_WRITEBACK_H
#define PKGNOTE_WRITEBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Starting the writeback of a large copy while it is still being made, so
 * that the fsync at the end has little left to wait for.  Queuing the
 * pages for the disk costs CPU time of its own; a helper thread does it
 * on another processor while the copy goes on.  Without the thread (it
 * could not be created) the caller queues them itself.
 */
struct pn_writeback {
	int fd;
	bool threaded;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	off_t copied;                /* written into fd up to here */
	off_t queued;                /* handed to the kernel up to here */
	bool finishing;
};

void pn_writeback_start(struct pn_writeback *wb, int fd, off_t from);
/* fd holds the copy up to `end`. */
void pn_writeback_advance(struct pn_writeback *wb, off_t end);
/* Waits for the helper; the caller's fsync still decides durability. */
void pn_writeback_finish(struct pn_writeback *wb);

#endif
