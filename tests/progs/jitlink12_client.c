/* jitlink12_client.c - a program built against CUDA 12.4's nvJitLink: its calls go to the
 * versioned names of that release (__nvJitLinkCreate_12_4, ...), as the 12.4 header's inline
 * nvJitLinkCreate makes them; run against the tests' stand-in libnvJitLink.so.12 and driver.
 * Links N PTX texts, each with another constant, and loads each image. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>

int __nvJitLinkCreate_12_4(void **handle, uint32_t nopts, const char **opts);
int __nvJitLinkAddData_12_4(void *handle, int type, const void *data, size_t size,
			    const char *name);
int __nvJitLinkComplete_12_4(void *handle);
int __nvJitLinkGetLinkedCubinSize_12_4(void *handle, size_t *size);
int __nvJitLinkGetLinkedCubin_12_4(void *handle, void *cubin);
int __nvJitLinkDestroy_12_4(void **handle);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2;
	CUdevice dev;
	CUcontext ctx;
	if (cuInit(0) || cuDeviceGet(&dev, 0) || cuDevicePrimaryCtxRetain(&ctx, dev) ||
	    cuCtxSetCurrent(ctx))
		return 1;
	for (int i = 0; i < n; i++) {
		char ptx[128];
		snprintf(ptx, sizeof(ptx), ".version 8.0\n.target sm_90\n// limit %d\n", 500 + i);
		void *link;
		const char *opts[] = {"-arch=sm_90"};
		size_t size;
		if (__nvJitLinkCreate_12_4(&link, 1, opts) ||
		    __nvJitLinkAddData_12_4(link, 2 /* PTX */, ptx, strlen(ptx), "k.ptx") ||
		    __nvJitLinkComplete_12_4(link) ||
		    __nvJitLinkGetLinkedCubinSize_12_4(link, &size))
			return 2;
		char *cubin = malloc(size);
		CUmodule m;
		if (!cubin || __nvJitLinkGetLinkedCubin_12_4(link, cubin) ||
		    cuModuleLoadData(&m, cubin))
			return 3;
		__nvJitLinkDestroy_12_4(&link);
		free(cubin);
	}
	printf("done\n");
	return 0;
}
