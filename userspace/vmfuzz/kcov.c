// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: coverage of flatvm.ko through KCOV.
 *
 * The debug kernel has CONFIG_KCOV without KCOV_INSTRUMENT_ALL and flatvm.ko
 * is built with KCOV_INSTRUMENT=y (kunit/build-modules.sh): every basic
 * block of the module calls __sanitizer_cov_trace_pc(), which appends its
 * return address to the calling task's buffer while the task has KCOV
 * enabled.  Each fuzzer thread opens /sys/kernel/debug/kcov, maps its
 * buffer and enables it for itself (KCOV_TRACE_PC); before each operation
 * it empties the buffer, after it reads the PCs reached.
 *
 * A PC is kept when it lies in flatvm.ko's text, as /sys/module/flatvm/
 * says the kernel placed it (sections/, coresize); one bit per byte of
 * the module's core in the shared area says whether any process reached
 * it, and a PC no process had reached is new coverage (prog.c keeps the
 * program that reached it).  Init code is mapped apart: only `vmfuzz -R
 * insmod ...` reaches it.
 *
 * At the end main prints the PCs reached as section and offset, lines of
 * "vmfuzz-cov SECTION OFFSET...", which userspace/vmfuzz/cov/vmfuzz-cov.py
 * turns into the coverage figure on the host.
 *
 * Two more entry points:
 *  - `vmfuzz -R -- COMMAND...` runs COMMAND in a child with KCOV enabled
 *    (it survives exec) and prints what it reached: the module's init and
 *    exit code, run by insmod and rmmod;
 *  - `vmfuzz -X KCOVFD SHMFD`: the image a fuzzer child execs at its end.
 *    The exec tears the old mm down in the task itself, with KCOV on (at
 *    exit, KCOV is off before the mm goes), so the driver's exit path is
 *    covered; the new image maps the buffer and the shared area again
 *    and counts what the teardown reached.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kcov.h>

#include "vmfuzz.h"

#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define MODULE_DIR	"/sys/module/flatvm"
#define KCOV_BYTES	(COVER_WORDS * sizeof(unsigned long))
#define DUMP_PER_LINE	96

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*v = strtoull(buf, NULL, 0);
	return 0;
}

/* An executable section, by its name (Kbuild's and the compiler's). */
static int text_section(const char *name)
{
	return strstr(name, "text") != NULL;
}

/* flatvm.ko's text sections where the running kernel put them: 0, or -1. */
int modmap_read(struct modmap *m)
{
	char path[300];
	struct dirent *de;
	uint64_t addr;
	DIR *d;

	memset(m, 0, sizeof(*m));
	d = opendir(MODULE_DIR "/sections");
	if (!d)
		return -1;
	while ((de = readdir(d)) && m->nsec < MAX_SECTIONS) {
		if (de->d_name[0] != '.' || !text_section(de->d_name) ||
		    strlen(de->d_name) >= sizeof(m->sec[0].name))
			continue;
		snprintf(path, sizeof(path), MODULE_DIR "/sections/%s",
			 de->d_name);
		if (read_u64(path, &addr) || !addr)
			continue;
		strcpy(m->sec[m->nsec].name, de->d_name);
		m->sec[m->nsec].addr = addr;
		m->sec[m->nsec].init = !strncmp(de->d_name, ".init", 5);
		m->nsec++;
	}
	closedir(d);
	if (read_u64(MODULE_DIR "/coresize", &m->core_size) || !m->nsec)
		return -1;
	for (int i = 0; i < m->nsec; i++) {
		uint64_t *lo = m->sec[i].init ? &m->init_lo : &m->core_lo;

		if (!*lo || m->sec[i].addr < *lo)
			*lo = m->sec[i].addr;
	}
	/* Init sizes read 0 once init is done: a bound instead. */
	m->init_size = m->init_lo ? COV_INIT_BITS : 0;
	if (m->core_size > COV_CORE_BITS)
		m->core_size = COV_CORE_BITS;
	return m->core_lo ? 0 : -1;
}

/* main, before the workers: 1 when coverage can be collected. */
int kcov_setup(void)
{
	if (access(KCOV_PATH, R_OK | W_OK) || modmap_read(&sh->map)) {
		printf("vmfuzz: no KCOV (%s, %s/sections): fuzzing blind\n",
		       KCOV_PATH, MODULE_DIR);
		return 0;
	}
	sh->kcov = 1;
	printf("vmfuzz: KCOV on: flatvm.ko core text at 0x%llx (%llu bytes of core), %d text sections\n",
	       (unsigned long long)sh->map.core_lo,
	       (unsigned long long)sh->map.core_size, sh->map.nsec);
	return 1;
}

/* Open, size and map a KCOV buffer, not enabled: 0 or -1. */
static int kcov_map(struct kcov *k)
{
	k->area = NULL;
	k->fd = open(KCOV_PATH, O_RDWR);
	if (k->fd < 0)
		return -1;
	if (ioctl(k->fd, KCOV_INIT_TRACE, COVER_WORDS))
		goto fail;
	k->area = mmap(NULL, KCOV_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       k->fd, 0);
	if (k->area == MAP_FAILED)
		goto fail;
	return 0;
fail:
	close(k->fd);
	k->fd = -1;
	k->area = NULL;
	return -1;
}

/* The calling thread's KCOV: 0, or -1 (then k->fd is -1: no coverage). */
int kcov_open(struct kcov *k)
{
	k->fd = -1;
	k->area = NULL;
	if (!sh->kcov || kcov_map(k))
		return -1;
	if (ioctl(k->fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(k->area, KCOV_BYTES);
		close(k->fd);
		k->fd = -1;
		k->area = NULL;
		return -1;
	}
	__atomic_store_n(&k->area[0], 0, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Drop a KCOV handle: one the thread enabled, or one a fork child inherited
 * (the kernel did not: KCOV is per task), which it only unmaps and closes.
 */
void kcov_close(struct kcov *k)
{
	if (k->fd < 0)
		return;
	munmap(k->area, KCOV_BYTES);
	close(k->fd);
	k->fd = -1;
	k->area = NULL;
}

void kcov_reset(struct kcov *k)
{
	if (k->fd >= 0)
		__atomic_store_n(&k->area[0], 0, __ATOMIC_RELAXED);
}

/* Mark one PC reached: 1 when no process had reached it before. */
static int cover_pc(uint64_t pc)
{
	atomic_ullong *bits;
	uint64_t off, bit;

	off = pc - sh->map.core_lo;
	if (off < sh->map.core_size) {
		bits = sh->core_bits;
	} else {
		off = pc - sh->map.init_lo;
		if (!sh->map.init_lo || off >= sh->map.init_size) {
			atomic_fetch_add(&sh->foreign_pcs, 1);
			return 0;
		}
		bits = sh->init_bits;
	}
	bit = 1ULL << (off % 64);
	if (atomic_load_explicit(&bits[off / 64], memory_order_relaxed) & bit)
		return 0;
	if (atomic_fetch_or(&bits[off / 64], bit) & bit)
		return 0;
	atomic_fetch_add(&sh->pcs, 1);
	return 1;
}

/* The PCs of the last operation: how many were new.  Empties the buffer. */
unsigned long kcov_collect(struct kcov *k)
{
	unsigned long n, i, fresh = 0;

	if (k->fd < 0)
		return 0;
	n = __atomic_load_n(&k->area[0], __ATOMIC_RELAXED);
	if (n >= COVER_WORDS - 1) {	/* the kernel dropped the rest */
		n = COVER_WORDS - 1;
		atomic_fetch_add(&sh->kcov_full, 1);
	}
	for (i = 0; i < n; i++)
		fresh += cover_pc(k->area[i + 1]);
	__atomic_store_n(&k->area[0], 0, __ATOMIC_RELAXED);
	return fresh;
}

/* The text section of @pc: the one starting last at or below it. */
static int section_of(const struct modmap *m, uint64_t pc, int init)
{
	int i, best = -1;

	for (i = 0; i < m->nsec; i++) {
		if (m->sec[i].init != init || m->sec[i].addr > pc)
			continue;
		if (best < 0 || m->sec[i].addr > m->sec[best].addr)
			best = i;
	}
	return best;
}

static void dump_bits(atomic_ullong *bits, uint64_t nbits, uint64_t lo,
		      int init)
{
	const struct modmap *m = &sh->map;
	int s, cur = -1, inline_n = 0;
	uint64_t off, pc;
	char line[1024];
	size_t len = 0;

	for (off = 0; off < nbits; off++) {
		if (!(atomic_load(&bits[off / 64]) & (1ULL << (off % 64))))
			continue;
		pc = lo + off;
		s = section_of(m, pc, init);
		if (s < 0)
			continue;
		if (s != cur || inline_n == DUMP_PER_LINE) {
			if (len)
				printf("%s\n", line);
			len = snprintf(line, sizeof(line), "vmfuzz-cov %s",
				       m->sec[s].name);
			cur = s;
			inline_n = 0;
		}
		len += snprintf(line + len, sizeof(line) - len, " %llx",
				(unsigned long long)(pc - m->sec[s].addr));
		inline_n++;
	}
	if (len)
		printf("%s\n", line);
}

/* Print every PC reached as "vmfuzz-cov SECTION OFFSET..." lines. */
void kcov_dump(void)
{
	if (!sh->kcov)
		return;
	dump_bits(sh->core_bits, sh->map.core_size, sh->map.core_lo, 0);
	if (sh->map.init_lo)
		dump_bits(sh->init_bits, sh->map.init_size, sh->map.init_lo,
			  1);
}

/*
 * vmfuzz -R -- COMMAND...: run COMMAND with KCOV on (a child enables it,
 * then execs: KCOV stays with the task) and print the module PCs it
 * reached.  The module's sections are read after the command if the module
 * is loaded then (insmod), else before (rmmod).  Exits as COMMAND did.
 */
int kcov_run_command(char **argv)
{
	struct modmap before, after;
	int have_before, status = 0;
	struct kcov k;
	unsigned long n, i;
	pid_t pid;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return 127;
	have_before = !modmap_read(&before);
	if (kcov_map(&k))
		k.fd = -1;
	pid = fork();
	if (pid == 0) {
		if (k.fd >= 0)
			ioctl(k.fd, KCOV_ENABLE, KCOV_TRACE_PC);
		execvp(argv[0], argv);
		perror("vmfuzz -R: exec");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 127;
	if (k.fd >= 0) {
		if (!modmap_read(&after))
			sh->map = after;
		else if (have_before)
			sh->map = before;
		else
			k.fd = -1;
	}
	if (k.fd >= 0) {
		sh->kcov = 1;
		n = __atomic_load_n(&k.area[0], __ATOMIC_RELAXED);
		if (n > COVER_WORDS - 1)
			n = COVER_WORDS - 1;
		for (i = 0; i < n; i++)
			cover_pc(k.area[i + 1]);
		printf("vmfuzz -R %s: %lu PCs of flatvm.ko\n", argv[0],
		       (unsigned long)atomic_load(&sh->pcs));
		kcov_dump();
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* vmfuzz -X KCOVFD SHMFD: see the top of the file. */
int exec_tail(int argc, char **argv)
{
	struct kcov k;
	int shmfd;

	if (argc < 4)
		return 2;
	k.fd = atoi(argv[2]);
	shmfd = atoi(argv[3]);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED,
		  shmfd, 0);
	if (sh == MAP_FAILED)
		return 1;
	atomic_fetch_add(&sh->exec_tails, 1);
	if (k.fd < 0)
		return 0;
	k.area = mmap(NULL, KCOV_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k.fd, 0);
	if (k.area == MAP_FAILED)
		return 1;
	kcov_collect(&k);
	return 0;
}
