/* launch_common.h - what the launch benchmarks of gpu-test share: an empty kernel loaded in
 * the primary context of device 0 (launch_bench.c, launch_ab.c). */
#ifndef KC_LAUNCH_COMMON_H
#define KC_LAUNCH_COMMON_H

#include <stdio.h>

#include <cuda.h>

#define CK(x)                                                                                    \
	do {                                                                                     \
		CUresult r_ = (x);                                                               \
		if (r_ != CUDA_SUCCESS) {                                                        \
			fprintf(stderr, "%s failed: %d\n", #x, (int)r_);                         \
			return 1;                                                                \
		}                                                                                \
	} while (0)

/* The empty kernel, in a context made current: 0, or 1 with the failing call printed. */
static inline int load_empty_kernel(CUfunction *f)
{
	static const char ptx[] = ".version 8.0\n.target sm_90\n.address_size 64\n"
				  ".visible .entry empty()\n{\n\tret;\n}\n";
	CUdevice dev;
	CUcontext ctx;
	CUmodule mod;
	CK(cuInit(0));
	CK(cuDeviceGet(&dev, 0));
	CK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CK(cuCtxSetCurrent(ctx));
	CK(cuModuleLoadData(&mod, ptx));
	CK(cuModuleGetFunction(f, mod, "empty"));
	return 0;
}

#endif
