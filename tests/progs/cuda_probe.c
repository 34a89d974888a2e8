/* cuda_probe.c - a program without CUDA that asks whether the driver is there, as
 * ctypes' hasattr or a library's optional-feature check does: dlsym(RTLD_DEFAULT,
 * "cuModuleLoad"), and dlopen("libcuda.so.1", RTLD_NOLOAD), which opens nothing. It must get
 * NULL from both, as without kcprof, and kcprof must write nothing. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *p = dlsym(RTLD_DEFAULT, "cuModuleLoad");
	const char *err = dlerror();
	printf("cuModuleLoad: %s\n", p ? "found" : err ? err : "(no error)");
	void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
	printf("libcuda.so.1: %s\n", h ? "loaded" : "not loaded");
	return p != NULL || h != NULL;
}
