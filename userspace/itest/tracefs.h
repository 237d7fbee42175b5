/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracefs for the VM programs (itest's trace test, the demo): find or
 * mount it, switch flatvm's events on and off, read what they wrote.
 */
#ifndef FLATVM_TRACEFS_H
#define FLATVM_TRACEFS_H

#include <stddef.h>

/*
 * Find tracefs with flatvm's events (mounting it on /sys/kernel/tracing
 * when needed).  Return: 0; -ENODEV with the reason in @why when the
 * kernel has no tracefs or no event tracing (the caller skips); -ENOENT
 * when it has both but no events/flatvm (flatvm.ko has no tracepoints).
 */
int tfs_init(char *why, size_t n);

/* Write @val to the tracefs file @name (relative): 0 or -errno. */
int tfs_write(const char *name, const char *val);

/*
 * Start afresh: tracing on, the global clock (events of different CPUs
 * in causal order), the buffer emptied, flatvm's events on (@on) or off.
 */
int tfs_start(int on);

/* flatvm's events on or off, the buffer kept. */
int tfs_enable(int on);

/*
 * The flatvm event lines of the buffer, each cut to "name: fields" (no
 * task, CPU, flags nor timestamp), in buffer order, in one malloc'd array
 * of malloc'd strings (tfs_free()).  @raw (may be NULL) gets the lines
 * whole.  Return: the number of lines, or -errno.
 */
int tfs_events(char ***lines, char ***raw);
void tfs_free(char **lines, int n);

/* Does events/flatvm/@event/format declare "field:@decl;"? */
int tfs_has_field(const char *event, const char *decl);

#endif /* FLATVM_TRACEFS_H */
