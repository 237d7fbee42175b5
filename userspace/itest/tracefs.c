// SPDX-License-Identifier: GPL-2.0
/*
 * tracefs for the VM programs: where it is, flatvm's events on and off,
 * the lines they wrote (see tracefs.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tracefs.h"

static const char *tfs_root;

static int tfs_exists(const char *root, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return access(path, F_OK) == 0;
}

int tfs_init(char *why, size_t n)
{
	static const char *const roots[] = { "/sys/kernel/tracing",
					     "/sys/kernel/debug/tracing" };
	size_t i;

	if (!tfs_exists(roots[0], "trace") && access(roots[0], F_OK) == 0)
		mount("nodev", roots[0], "tracefs", 0, NULL);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (!tfs_exists(roots[i], "trace"))
			continue;
		tfs_root = roots[i];
		if (!tfs_exists(tfs_root, "events")) {
			snprintf(why, n, "tracefs at %s has no events/: the kernel has no event tracing (CONFIG_EVENT_TRACING)",
				 tfs_root);
			return -ENODEV;
		}
		if (!tfs_exists(tfs_root, "events/flatvm/enable")) {
			snprintf(why, n, "%s/events/flatvm missing: flatvm.ko registered no tracepoints",
				 tfs_root);
			return -ENOENT;
		}
		return 0;
	}
	snprintf(why, n, "no tracefs (neither %s nor %s can be read): the kernel has no CONFIG_TRACING",
		 roots[0], roots[1]);
	return -ENODEV;
}

int tfs_write(const char *name, const char *val)
{
	char path[256];
	ssize_t len = (ssize_t)strlen(val);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", tfs_root, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno ? -errno : -EIO;
	close(fd);
	return ret;
}

int tfs_enable(int on)
{
	return tfs_write("events/flatvm/enable", on ? "1" : "0");
}

int tfs_start(int on)
{
	int ret = tfs_enable(0);

	if (!ret)
		ret = tfs_write("trace_clock", "global");
	if (!ret)
		ret = tfs_write("tracing_on", "1");
	if (!ret)
		ret = tfs_write("trace", "");
	if (!ret && on)
		ret = tfs_enable(1);
	return ret;
}

/* Append a copy of @s to @v (grown by doubling). */
static int tfs_push(char ***v, int n, const char *s)
{
	char **nv = *v;

	if (!(n & (n - 1))) {
		nv = realloc(*v, sizeof(*nv) * (n ? 2 * n : 1));
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	nv[n] = strdup(s);
	return nv[n] ? 0 : -ENOMEM;
}

int tfs_events(char ***lines, char ***raw)
{
	char path[256], *line = NULL, *ev, *nl;
	size_t cap = 0;
	int n = 0, ret = 0;
	FILE *f;

	*lines = NULL;
	if (raw)
		*raw = NULL;
	snprintf(path, sizeof(path), "%s/trace", tfs_root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && getline(&line, &cap, f) > 0) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		ev = line[0] == '#' ? NULL : strstr(line, ": flatvm_");
		if (!ev)
			continue;
		ret = tfs_push(lines, n, ev + 2);
		if (!ret && raw) {
			ret = tfs_push(raw, n, line);
			if (ret)
				free((*lines)[n]);
		}
		if (!ret)
			n++;
	}
	free(line);
	fclose(f);
	if (ret) {
		tfs_free(*lines, n);
		if (raw)
			tfs_free(*raw, n);
		return ret;
	}
	return n;
}

void tfs_free(char **lines, int n)
{
	int i;

	if (!lines)
		return;
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

int tfs_has_field(const char *event, const char *decl)
{
	char path[256], line[256], want[128];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/flatvm/%s/format", tfs_root,
		 event);
	snprintf(want, sizeof(want), "field:%s;", decl);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}
