/* cuda_probe.c - a program without CUDA that asks whether the driver is there, as
 * ctypes' hasattr or a library's optional-feature check does: dlsym(RTLD_DEFAULT,
 * "cuModuleLoad"). It must get NULL, as without kcprof, and kcprof must write nothing. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *p = dlsym(RTLD_DEFAULT, "cuModuleLoad");
	const char *err = dlerror();
	printf("cuModuleLoad: %s\n", p ? "found" : err ? err : "(no error)");
	return p != NULL;
}
