/* libctorprobe.c - a library whose constructor looks for the CUDA driver, as libraries that
 * probe for a GPU when they are loaded do. It runs under the loader's lock; it first lets the
 * stand-in CUPTI's held start go on (KCT_CTOR_GATE_FD, drv_client ctorprobe), so that kcprof's
 * start on the other thread comes to need that lock while the constructor holds it. */
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static int found;

__attribute__((constructor)) static void probe_for_cuda(void)
{
	const char *fd = getenv("KCT_CTOR_GATE_FD");
	char c = 1;
	if (fd && write(atoi(fd), &c, 1) != 1)
		abort();
	usleep(50000); /* the other thread now waits for the loader's lock */
	found = dlsym(RTLD_DEFAULT, "cuModuleLoadData") != NULL;
}

int ctor_found_cuda(void)
{
	return found;
}
