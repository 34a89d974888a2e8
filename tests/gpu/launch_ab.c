/* launch_ab.c - the recorder's cost on the real driver, in one process: batches of 64
 * cuLaunchKernel calls through the program's symbol (the recorder's hook when it is preloaded)
 * alternate with batches through the driver's own function, found in libcuda's symbol table
 * (libelf), which no hook stands in front of. Prints the median host time a launch of each and
 * the median of the paired differences: process-to-process noise (~10% of ~3.5 us) cancels.
 * Without the recorder the two are the same function, and the difference is the floor.
 * `launch_ab ROUNDS graph` does the same with cuGraphLaunch of a captured graph of the kernel. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dl_iterate_phdr */
#endif
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launch_common.h"

struct found {
	char path[4096];
	uintptr_t base;
};

static int find_libcuda(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct found *f = data;
	if (info->dlpi_name && strstr(info->dlpi_name, "libcuda.so")) {
		snprintf(f->path, sizeof(f->path), "%s", info->dlpi_name);
		f->base = info->dlpi_addr;
		return 1;
	}
	return 0;
}

/* The driver's own cuLaunchKernel: its .dynsym value plus where libcuda is mapped. */
static void *driver_symbol(const char *name)
{
	struct found f = {{0}, 0};
	dl_iterate_phdr(find_libcuda, &f);
	if (!f.path[0])
		return NULL;
	elf_version(EV_CURRENT);
	int fd = open(f.path, O_RDONLY);
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	void *addr = NULL;
	for (Elf_Scn *scn = NULL; e && !addr && (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			if (gelf_getsym(d, (int)i, &sym) && sym.st_value &&
			    strcmp(elf_strptr(e, sh.sh_link, sym.st_name), name) == 0) {
				addr = (void *)(f.base + sym.st_value);
				break;
			}
		}
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return addr;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

typedef CUresult (*launch_fn)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
			      unsigned, unsigned, CUstream, void **, void **);

static double batch(launch_fn launch, CUfunction f)
{
	enum { BATCH = 64 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < BATCH; i++)
		launch(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cuCtxSynchronize(); /* drained outside the timed region: the queue never fills */
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / BATCH;
}

typedef CUresult (*graph_launch_fn)(CUgraphExec, CUstream);

static double graph_batch(graph_launch_fn launch, CUgraphExec e, CUstream s)
{
	enum { BATCH = 64 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < BATCH; i++)
		launch(e, s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cuStreamSynchronize(s);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / BATCH;
}

static void summarise(double *a, double *b, double *d, long rounds, const char *what, int hooked)
{
	qsort(a, (size_t)rounds, sizeof(double), cmp_double);
	qsort(b, (size_t)rounds, sizeof(double), cmp_double);
	qsort(d, (size_t)rounds, sizeof(double), cmp_double);
	printf("symbol %.1f ns, driver %.1f ns, symbol - driver: median %+.1f ns (quartiles "
	       "%+.1f..%+.1f), %ld pairs of 64 %s, hooked=%s\n",
	       a[rounds / 2], b[rounds / 2], d[rounds / 2], d[rounds / 4], d[3 * rounds / 4],
	       rounds, what, hooked ? "yes" : "no");
}

/* The same A/B with cuGraphLaunch: a graph of the empty kernel, captured on a stream. */
static int graph_ab(CUfunction f, long rounds)
{
	CUstream s;
	CUgraph g;
	CUgraphExec e;
	CK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
	CK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
	CK(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, s, NULL, NULL));
	CK(cuStreamEndCapture(s, &g));
	CK(cuGraphInstantiateWithFlags(&e, g, 0));
	graph_launch_fn hooked = cuGraphLaunch,
			direct = (graph_launch_fn)driver_symbol("cuGraphLaunch");
	if (!direct) {
		fprintf(stderr, "launch_ab: cuGraphLaunch not found in libcuda's symbol table\n");
		return 1;
	}
	for (int i = 0; i < 2000; i++) {
		hooked(e, s);
		direct(e, s);
	}
	CK(cuStreamSynchronize(s));
	double *a = malloc(sizeof(double) * (size_t)rounds),
	       *b = malloc(sizeof(double) * (size_t)rounds);
	double *d = malloc(sizeof(double) * (size_t)rounds);
	for (long r = 0; r < rounds; r++) {
		if (r & 1) {
			a[r] = graph_batch(hooked, e, s);
			b[r] = graph_batch(direct, e, s);
		} else {
			b[r] = graph_batch(direct, e, s);
			a[r] = graph_batch(hooked, e, s);
		}
		d[r] = a[r] - b[r];
	}
	summarise(a, b, d, rounds, "graph launches", (void *)hooked != (void *)direct);
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 4000;
	CUfunction f;
	if (load_empty_kernel(&f))
		return 1;
	if (argc > 2 && strcmp(argv[2], "graph") == 0)
		return graph_ab(f, rounds);
	launch_fn hooked = cuLaunchKernel, direct = (launch_fn)driver_symbol("cuLaunchKernel");
	if (!direct) {
		fprintf(stderr, "launch_ab: cuLaunchKernel not found in libcuda's symbol table\n");
		return 1;
	}
	for (int i = 0; i < 2000; i++) { /* warm both paths, and let CUPTI's policy settle */
		hooked(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL);
		direct(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL);
	}
	CK(cuCtxSynchronize());
	double *a = malloc(sizeof(double) * (size_t)rounds),
	       *b = malloc(sizeof(double) * (size_t)rounds);
	double *d = malloc(sizeof(double) * (size_t)rounds);
	for (long r = 0; r < rounds; r++) {
		if (r & 1) { /* alternate the order: neither side always goes first */
			a[r] = batch(hooked, f);
			b[r] = batch(direct, f);
		} else {
			b[r] = batch(direct, f);
			a[r] = batch(hooked, f);
		}
		d[r] = a[r] - b[r];
	}
	summarise(a, b, d, rounds, "launches", (void *)hooked != (void *)direct);
	return 0;
}
