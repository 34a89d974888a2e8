/* libchain.c - another interposer of the driver, preloaded after kcprof, that reaches the
 * next implementation with dlsym(RTLD_NEXT, ...) when it is loaded, as GPU-sharing shims do.
 * Its lookups must find the library after it: were they answered from kcprof's place in the
 * chain, each library would call the other until the stack ran out (caught here at a depth of
 * 8: exit 86). At exit it writes how many calls it passed on to $CHAIN_OUT. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cuda.h>

static __thread int depth;
static unsigned long passed;
static CUresult (*next_get_function)(CUfunction *, CUmodule, const char *);
static CUresult (*next_launch)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
			       unsigned, unsigned, CUstream, void **, void **);

static void *next_of(const char *name, void *self)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (!p || p == self) {
		fprintf(stderr, "libchain: dlsym(RTLD_NEXT, %s) gave %p\n", name, p);
		_exit(86);
	}
	return p;
}

static void enter(void)
{
	if (++depth > 8) {
		fprintf(stderr, "libchain: calls loop through the interposers\n");
		_exit(86);
	}
	__atomic_fetch_add(&passed, 1, __ATOMIC_RELAXED);
}

__attribute__((visibility("default"))) CUresult cuModuleGetFunction(CUfunction *f, CUmodule m,
								    const char *name)
{
	enter();
	CUresult r = next_get_function(f, m, name);
	depth--;
	return r;
}

__attribute__((visibility("default"))) CUresult
cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
	       unsigned bz, unsigned shm, CUstream s, void **args, void **extra)
{
	enter();
	CUresult r = next_launch(f, gx, gy, gz, bx, by, bz, shm, s, args, extra);
	depth--;
	return r;
}

__attribute__((constructor)) static void find_next(void)
{
	*(void **)&next_get_function = next_of("cuModuleGetFunction", (void *)cuModuleGetFunction);
	*(void **)&next_launch = next_of("cuLaunchKernel", (void *)cuLaunchKernel);
}

__attribute__((destructor)) static void report(void)
{
	const char *out = getenv("CHAIN_OUT");
	FILE *f = out ? fopen(out, "w") : NULL;
	if (f) {
		fprintf(f, "%lu\n", passed);
		fclose(f);
	}
}
