/* nvrtc_client.c - a real NVRTC compile per request with a -D constant that changes, as a
 * server that bakes a request's length into its kernel: nvrtc_client N compiles N variants
 * (MAX_LEN = 500..500+N-1), then variant 500 once more, loads each PTX in the (stand-in)
 * driver and launches it once. nvrtc_client link N does the same through nvJitLink: each PTX
 * linked to an sm_90 cubin, and the cubin loaded. */
#include <stdio.h>
#include <stdlib.h>

#include <cuda.h>
#include <nvJitLink.h>
#include <nvrtc.h>
#include <string.h>

static const char *source = "extern \"C\" __global__ void fill_mask(int *mask, int n)\n"
			    "{\n"
			    "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
			    "  if (i < n) mask[i] = i < MAX_LEN;\n"
			    "}\n";

/* The kernel is given the mask buffer it writes. */
static CUdeviceptr mask;
static int use_jitlink;

/* PTX to an sm_90 cubin, as a program that links device code at run time. */
static char *link_cubin(const char *ptx, size_t size)
{
	nvJitLinkHandle h;
	const char *opts[] = {"-arch=sm_90"};
	size_t n = 0;
	char *cubin = NULL;
	if (nvJitLinkCreate(&h, 1, opts) != NVJITLINK_SUCCESS)
		return NULL;
	if (nvJitLinkAddData(h, NVJITLINK_INPUT_PTX, ptx, size, "fill_mask.ptx") ==
		NVJITLINK_SUCCESS &&
	    nvJitLinkComplete(h) == NVJITLINK_SUCCESS &&
	    nvJitLinkGetLinkedCubinSize(h, &n) == NVJITLINK_SUCCESS && (cubin = malloc(n)) &&
	    nvJitLinkGetLinkedCubin(h, cubin) != NVJITLINK_SUCCESS) {
		free(cubin);
		cubin = NULL;
	}
	nvJitLinkDestroy(&h);
	return cubin;
}

static int compile_and_run(int max_len)
{
	nvrtcProgram prog;
	if (nvrtcCreateProgram(&prog, source, "fill_mask.cu", 0, NULL, NULL) != NVRTC_SUCCESS)
		return 1;
	char def[64];
	snprintf(def, sizeof(def), "-DMAX_LEN=%d", max_len);
	const char *opts[] = {def, "--gpu-architecture=compute_90"};
	nvrtcResult r = nvrtcCompileProgram(prog, 2, opts);
	if (r != NVRTC_SUCCESS) {
		fprintf(stderr, "nvrtc: %s\n", nvrtcGetErrorString(r));
		return 1;
	}
	size_t size;
	nvrtcGetPTXSize(prog, &size);
	char *ptx = malloc(size);
	nvrtcGetPTX(prog, ptx);
	nvrtcDestroyProgram(&prog);
	if (use_jitlink) {
		char *cubin = link_cubin(ptx, size);
		free(ptx);
		if (!cubin) {
			fprintf(stderr, "nvrtc_client: nvJitLink failed\n");
			return 1;
		}
		ptx = cubin;
	}
	CUmodule m;
	CUfunction f;
	int elems = 128;
	void *args[] = {&mask, &elems};
	if (cuModuleLoadData(&m, ptx) != CUDA_SUCCESS ||
	    cuModuleGetFunction(&f, m, "fill_mask") != CUDA_SUCCESS ||
	    cuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 0, NULL, args, NULL) != CUDA_SUCCESS) {
		fprintf(stderr, "nvrtc_client: load or launch of MAX_LEN=%d failed\n", max_len);
		return 1;
	}
	free(ptx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "link") == 0) {
		use_jitlink = 1;
		argv++, argc--;
	}
	int n = argc > 1 ? atoi(argv[1]) : 4;
	CUdevice dev;
	CUcontext ctx;
	if (cuInit(0) != CUDA_SUCCESS || cuDeviceGet(&dev, 0) != CUDA_SUCCESS ||
	    cuDevicePrimaryCtxRetain(&ctx, dev) != CUDA_SUCCESS ||
	    cuCtxSetCurrent(ctx) != CUDA_SUCCESS) {
		fprintf(stderr, "nvrtc_client: no CUDA context\n");
		return 1;
	}
	if (cuMemAlloc(&mask, 128 * sizeof(int)) != CUDA_SUCCESS)
		return 1;
	for (int i = 0; i < n; i++)
		if (compile_and_run(500 + i))
			return 1;
	int rc = compile_and_run(500);
	return rc || cuCtxSynchronize() != CUDA_SUCCESS;
}
