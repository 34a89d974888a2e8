/* nvrtc_client.c - a server that builds a kernel at run time for each request, with the
 * request's length baked in, beside its fix. Each request makes a mask of 128 ints where
 * mask[i] = i < max_len, for max_len = 500..500+N-1, then 500 once more (a value seen before):
 *
 *   nvrtc_client N          NVRTC, -DMAX_LEN=<value> per request: a compile and a load each
 *   nvrtc_client link N     the same, each PTX linked to an sm_90 cubin through nvJitLink
 *   nvrtc_client arg N      the fix: max_len a kernel argument, one compile, one load
 *   nvrtc_client again N [NAME [unused]] the fix's source compiled (and loaded) again for each
 *                           request, its kernel named NAME (fill_mask_fixed): a program with no
 *                           cache of its builds, as cuDNN's per-shape plans compile theirs;
 *                           with unused, never launched (an engine built to be timed, and not
 *                           chosen: cuDNN's benchmark mode)
 *   nvrtc_client template N max_len a template argument (fill_mask_t<500>, NVRTC's name
 *                           expressions, as CuPy's RawModule and Jitify instantiate): a compile
 *                           and a load each
 *   nvrtc_client ptx N      a hand-rolled PTX JIT: the value written into PTX text, which the
 *                           driver JIT-compiles at each load
 *   nvrtc_client ptx-arg N  its fix: max_len a .param, one load
 *   nvrtc_client nvcc N     nvcc run for each request (-DMAX_LEN=<value>, a fatbin for sm_90),
 *                           its output loaded with cuModuleLoad
 *   nvrtc_client nvcc-arg N its fix: max_len a kernel argument, nvcc run once
 *   nvrtc_client nvcc-so N  nvcc run for each request into a shared library (-DMAX_LEN), as a
 *                           JIT extension is built (torch's cpp_extension, FlashInfer): each
 *                           library dlopen'ed, its kernel launched through the CUDA runtime,
 *                           which loads it (not the program's own driver calls)
 *   nvrtc_client nvcc-so-arg N its fix: max_len an argument, one library
 *
 * It prints each request's wall time (build, load, launch, synchronise) in ms. It runs against
 * the tests' stand-in driver on the CPU and against the real one on the GPU machine. */
#include <dlfcn.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cuda.h>
#include <nvJitLink.h>
#include <nvrtc.h>

static const char *source = "extern \"C\" __global__ void fill_mask(int *mask, int n)\n"
			    "{\n"
			    "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
			    "  if (i < n) mask[i] = i < MAX_LEN;\n"
			    "}\n";

static const char *source_template = "template <int MAX_LEN>\n"
				     "__global__ void fill_mask_t(int *mask, int n)\n"
				     "{\n"
				     "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
				     "  if (i < n) mask[i] = i < MAX_LEN;\n"
				     "}\n";

static const char *source_arg =
    "extern \"C\" __global__ void fill_mask_fixed(int *mask, int n, int max_len)\n"
    "{\n"
    "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "  if (i < n) mask[i] = i < max_len;\n"
    "}\n";

/* The PTX a code generator writes (as nvcc -ptx writes fill_mask), max_len as an immediate. */
static const char *ptx_template = ".version 8.0\n"
				  ".target sm_90\n"
				  ".address_size 64\n"
				  "\n"
				  ".visible .entry fill_mask_ptx(.param .u64 mask, .param .u32 n)\n"
				  "{\n"
				  "\t.reg .pred %%p<3>;\n"
				  "\t.reg .b32 %%r<7>;\n"
				  "\t.reg .b64 %%rd<5>;\n"
				  "\tld.param.u64 %%rd1, [mask];\n"
				  "\tld.param.u32 %%r2, [n];\n"
				  "\tmov.u32 %%r3, %%ctaid.x;\n"
				  "\tmov.u32 %%r4, %%ntid.x;\n"
				  "\tmov.u32 %%r5, %%tid.x;\n"
				  "\tmad.lo.s32 %%r1, %%r3, %%r4, %%r5;\n"
				  "\tsetp.ge.s32 %%p1, %%r1, %%r2;\n"
				  "\t@%%p1 bra DONE;\n"
				  "\tcvta.to.global.u64 %%rd2, %%rd1;\n"
				  "\tsetp.lt.s32 %%p2, %%r1, %d;\n"
				  "\tselp.u32 %%r6, 1, 0, %%p2;\n"
				  "\tmul.wide.s32 %%rd3, %%r1, 4;\n"
				  "\tadd.s64 %%rd4, %%rd2, %%rd3;\n"
				  "\tst.global.u32 [%%rd4], %%r6;\n"
				  "DONE:\n"
				  "\tret;\n"
				  "}\n";

/* Its fix: max_len a parameter, so that one module serves every request. */
static const char *ptx_arg =
    ".version 8.0\n"
    ".target sm_90\n"
    ".address_size 64\n"
    "\n"
    ".visible .entry fill_mask_ptx_fixed(.param .u64 mask, .param .u32 n,\n"
    "\t.param .u32 max_len)\n"
    "{\n"
    "\t.reg .pred %p<3>;\n"
    "\t.reg .b32 %r<8>;\n"
    "\t.reg .b64 %rd<5>;\n"
    "\tld.param.u64 %rd1, [mask];\n"
    "\tld.param.u32 %r2, [n];\n"
    "\tld.param.u32 %r7, [max_len];\n"
    "\tmov.u32 %r3, %ctaid.x;\n"
    "\tmov.u32 %r4, %ntid.x;\n"
    "\tmov.u32 %r5, %tid.x;\n"
    "\tmad.lo.s32 %r1, %r3, %r4, %r5;\n"
    "\tsetp.ge.s32 %p1, %r1, %r2;\n"
    "\t@%p1 bra DONE;\n"
    "\tcvta.to.global.u64 %rd2, %rd1;\n"
    "\tsetp.lt.s32 %p2, %r1, %r7;\n"
    "\tselp.u32 %r6, 1, 0, %p2;\n"
    "\tmul.wide.s32 %rd3, %r1, 4;\n"
    "\tadd.s64 %rd4, %rd2, %rd3;\n"
    "\tst.global.u32 [%rd4], %r6;\n"
    "DONE:\n"
    "\tret;\n"
    "}\n";

/* A JIT extension's source: the kernel and the host function that launches it through the
 * runtime (<<<>>>), built into a shared library. */
static const char *source_so = "extern \"C\" __global__ void fill_mask(int *mask, int n)\n"
			       "{\n"
			       "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
			       "  if (i < n) mask[i] = i < MAX_LEN;\n"
			       "}\n"
			       "extern \"C\" int fill_mask_launch(void *mask, int n, int max_len)\n"
			       "{\n"
			       "  fill_mask<<<1, 128>>>((int *)mask, n);\n"
			       "  return (int)cudaGetLastError();\n"
			       "}\n";

static const char *source_so_arg =
    "extern \"C\" __global__ void fill_mask_fixed(int *mask, int n, int max_len)\n"
    "{\n"
    "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "  if (i < n) mask[i] = i < max_len;\n"
    "}\n"
    "extern \"C\" int fill_mask_launch(void *mask, int n, int max_len)\n"
    "{\n"
    "  fill_mask_fixed<<<1, 128>>>((int *)mask, n, max_len);\n"
    "  return (int)cudaGetLastError();\n"
    "}\n";

enum mode {
	MODE_DEFINE,
	MODE_LINK,
	MODE_ARG,
	MODE_AGAIN,
	MODE_TEMPLATE,
	MODE_PTX,
	MODE_PTX_ARG,
	MODE_NVCC,
	MODE_NVCC_ARG,
	MODE_NVCC_SO,
	MODE_NVCC_SO_ARG
};

extern char **environ;

/* The kernel is given the mask buffer it writes. */
static CUdeviceptr mask;
static enum mode mode;
static const char *again_name = "fill_mask_fixed"; /* MODE_AGAIN's kernel */
static int again_unused;			   /* MODE_AGAIN: built, never launched */

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

/* NVRTC's PTX of src with the given options (NULL on a failed compile). */
static char *nvrtc_ptx(const char *src, const char *name, int nopts, const char **opts,
		       size_t *size)
{
	nvrtcProgram prog;
	if (nvrtcCreateProgram(&prog, src, name, 0, NULL, NULL) != NVRTC_SUCCESS)
		return NULL;
	nvrtcResult r = nvrtcCompileProgram(prog, nopts, opts);
	char *ptx = NULL;
	if (r != NVRTC_SUCCESS)
		fprintf(stderr, "nvrtc: %s\n", nvrtcGetErrorString(r));
	else if (nvrtcGetPTXSize(prog, size) == NVRTC_SUCCESS && (ptx = malloc(*size)))
		nvrtcGetPTX(prog, ptx);
	nvrtcDestroyProgram(&prog);
	return ptx;
}

/* NVRTC's PTX of the template's instance `expr` ("fill_mask_t<500>"), and its symbol in
 * *lowered (NULL on a failed compile). */
static char *nvrtc_instance_ptx(const char *expr, char *lowered, size_t cap, size_t *size)
{
	nvrtcProgram prog;
	const char *opts[] = {"--gpu-architecture=compute_90"}, *name;
	char *ptx = NULL;
	if (nvrtcCreateProgram(&prog, source_template, "fill_mask_t.cu", 0, NULL, NULL) !=
	    NVRTC_SUCCESS)
		return NULL;
	if (nvrtcAddNameExpression(prog, expr) == NVRTC_SUCCESS &&
	    nvrtcCompileProgram(prog, 1, opts) == NVRTC_SUCCESS &&
	    nvrtcGetLoweredName(prog, expr, &name) == NVRTC_SUCCESS &&
	    nvrtcGetPTXSize(prog, size) == NVRTC_SUCCESS && (ptx = malloc(*size))) {
		nvrtcGetPTX(prog, ptx);
		snprintf(lowered, cap, "%s", name);
	}
	nvrtcDestroyProgram(&prog);
	return ptx;
}

/* src built by nvcc (CUDA_HOME's, else /usr/local/cuda's) with the given -D (NULL: none), as
 * a program that runs the compiler would, into a fatbin for sm_90 or (shared) a shared library
 * of its own name (dlopen returns the library already open for a name seen before), in a
 * directory of this process's own: the output's path, or NULL if nvcc failed. */
static char nvcc_dir[64], nvcc_cu[128], nvcc_out[128];
static int nvcc_builds;

static void nvcc_dir_remove(void)
{
	unlink(nvcc_cu);
	unlink(nvcc_out);
	for (int i = 0; i < nvcc_builds; i++) {
		char so[160];
		snprintf(so, sizeof(so), "%s/kernel.%d.so", nvcc_dir, i);
		unlink(so);
	}
	rmdir(nvcc_dir);
}

static const char *nvcc_build(const char *src, const char *def, int shared)
{
	static char so[160];
	char *dir = nvcc_dir, *cu = nvcc_cu, *fatbin = nvcc_out;
	if (!dir[0]) {
		snprintf(dir, sizeof(nvcc_dir), "/tmp/nvrtc_client.XXXXXX");
		if (!mkdtemp(dir))
			return NULL;
		snprintf(cu, sizeof(nvcc_cu), "%s/kernel.cu", dir);
		snprintf(fatbin, sizeof(nvcc_out), "%s/kernel.fatbin", dir);
		atexit(nvcc_dir_remove);
	}
	FILE *fp = fopen(cu, "w");
	if (!fp)
		return NULL;
	fputs(src, fp);
	fclose(fp);
	const char *home = getenv("CUDA_HOME");
	char nvcc[512], rpath[560];
	snprintf(nvcc, sizeof(nvcc), "%s/bin/nvcc", home ? home : "/usr/local/cuda");
	snprintf(rpath, sizeof(rpath), "-rpath=%s/lib64", home ? home : "/usr/local/cuda");
	snprintf(so, sizeof(so), "%s/kernel.%d.so", dir, nvcc_builds++);
	const char *out = shared ? so : fatbin;
	char *argv_fatbin[] = {
	    nvcc, "-fatbin",   "-gencode", "arch=compute_90,code=[sm_90,compute_90]",
	    "-o", (char *)out, cu,	   (char *)def,
	    NULL};
	char *argv_so[] = {nvcc,	 "-shared",
			   "-Xcompiler", "-fPIC",
			   "-cudart",	 "shared",
			   "-Xlinker",	 rpath,
			   "-gencode",	 "arch=compute_90,code=[sm_90,compute_90]",
			   "-o",	 (char *)out,
			   cu,		 (char *)def,
			   NULL};
	pid_t pid;
	int status;
	if (posix_spawn(&pid, nvcc, NULL, NULL, shared ? argv_so : argv_fatbin, environ) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "nvrtc_client: %s failed\n", nvcc);
		return NULL;
	}
	return out;
}

/* A JIT extension: its library opened, its launcher found (NULL on failure). */
typedef int (*so_launcher)(void *mask, int n, int max_len);

static so_launcher nvcc_so_launcher(int max_len)
{
	static so_launcher fixed;
	if (fixed)
		return fixed;
	char def[64];
	snprintf(def, sizeof(def), "-DMAX_LEN=%d", max_len);
	const char *path = mode == MODE_NVCC_SO ? nvcc_build(source_so, def, 1)
						: nvcc_build(source_so_arg, NULL, 1);
	void *h = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
	so_launcher f = h ? (so_launcher)(uintptr_t)dlsym(h, "fill_mask_launch") : NULL;
	const char *why = path ? dlerror() : "failed";
	if (!f)
		fprintf(stderr, "nvrtc_client: %s: %s\n", path ? path : "nvcc",
			why ? why : "no fill_mask_launch");
	if (mode == MODE_NVCC_SO_ARG)
		fixed = f;
	return f;
}

/* The driver loads PTX text by JIT-compiling it; its error log says why one fails. */
static CUresult load_ptx(CUmodule *m, const char *ptx)
{
	static char log[4096];
	CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void *vals[] = {log, (void *)(size_t)sizeof(log)};
	log[0] = 0;
	CUresult r = cuModuleLoadDataEx(m, ptx, 2, opts, vals);
	if (r != CUDA_SUCCESS && log[0])
		fprintf(stderr, "nvrtc_client: PTX JIT: %s\n", log);
	return r;
}

/* The kernel for max_len: built and loaded for each request, or, in the fixed modes, once. */
static CUfunction kernel_for(int max_len)
{
	static CUfunction fixed;
	if (fixed)
		return fixed;
	char *image = NULL, def[64];
	size_t size = 0;
	const char *name = "fill_mask";
	switch (mode) {
	case MODE_DEFINE:
	case MODE_LINK: {
		snprintf(def, sizeof(def), "-DMAX_LEN=%d", max_len);
		const char *opts[] = {def, "--gpu-architecture=compute_90"};
		image = nvrtc_ptx(source, "fill_mask.cu", 2, opts, &size);
		if (image && mode == MODE_LINK) {
			char *cubin = link_cubin(image, size);
			free(image);
			if (!(image = cubin))
				fprintf(stderr, "nvrtc_client: nvJitLink failed\n");
		}
		break;
	}
	case MODE_ARG: {
		const char *opts[] = {"--gpu-architecture=compute_90"};
		image = nvrtc_ptx(source_arg, "fill_mask_fixed.cu", 1, opts, &size);
		name = "fill_mask_fixed";
		break;
	}
	case MODE_AGAIN: {
		char src[512];
		snprintf(src, sizeof(src),
			 "extern \"C\" __global__ void %s(int *mask, int n, int max_len)\n"
			 "{\n"
			 "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
			 "  if (i < n) mask[i] = i < max_len;\n"
			 "}\n",
			 again_name);
		const char *opts[] = {"--gpu-architecture=compute_90"};
		image = nvrtc_ptx(src, "again.cu", 1, opts, &size);
		name = again_name;
		break;
	}
	case MODE_TEMPLATE: {
		static char lowered[256];
		char expr[64];
		snprintf(expr, sizeof(expr), "fill_mask_t<%d>", max_len);
		image = nvrtc_instance_ptx(expr, lowered, sizeof(lowered), &size);
		name = lowered;
		break;
	}
	case MODE_PTX:
		size = strlen(ptx_template) + 16;
		if ((image = malloc(size)))
			snprintf(image, size, ptx_template, max_len);
		name = "fill_mask_ptx";
		break;
	case MODE_PTX_ARG:
		image = strdup(ptx_arg);
		name = "fill_mask_ptx_fixed";
		break;
	case MODE_NVCC_SO:
	case MODE_NVCC_SO_ARG:
		return NULL; /* request() launches through the library's launcher */
	case MODE_NVCC:
	case MODE_NVCC_ARG: {
		snprintf(def, sizeof(def), "-DMAX_LEN=%d", max_len);
		const char *path = mode == MODE_NVCC ? nvcc_build(source, def, 0)
						     : nvcc_build(source_arg, NULL, 0);
		name = mode == MODE_NVCC ? "fill_mask" : "fill_mask_fixed";
		CUmodule m;
		CUfunction f = NULL;
		if (!path || cuModuleLoad(&m, path) != CUDA_SUCCESS ||
		    cuModuleGetFunction(&f, m, name) != CUDA_SUCCESS)
			f = NULL;
		if (mode == MODE_NVCC_ARG)
			fixed = f;
		return f;
	}
	}
	if (!image)
		return NULL;
	CUmodule m;
	CUfunction f = NULL;
	CUresult r = mode == MODE_LINK ? cuModuleLoadData(&m, image) : load_ptx(&m, image);
	if (r != CUDA_SUCCESS || cuModuleGetFunction(&f, m, name) != CUDA_SUCCESS)
		f = NULL;
	free(image);
	if (mode == MODE_ARG || mode == MODE_PTX_ARG)
		fixed = f;
	return f;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int request(int max_len)
{
	double t0 = now_ms();
	int elems = 128, failed;
	if (mode == MODE_NVCC_SO || mode == MODE_NVCC_SO_ARG) {
		so_launcher launch = nvcc_so_launcher(max_len);
		failed = !launch || launch((void *)(uintptr_t)mask, elems, max_len) != 0;
	} else {
		CUfunction f = kernel_for(max_len);
		void *args[] = {&mask, &elems, &max_len};
		failed = !f || (!again_unused && cuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 0, NULL,
								args, NULL) != CUDA_SUCCESS);
	}
	if (failed || cuCtxSynchronize() != CUDA_SUCCESS) {
		fprintf(stderr, "nvrtc_client: build, load or launch of max_len=%d failed\n",
			max_len);
		return 1;
	}
	printf("request max_len=%d: %.3f ms\n", max_len, now_ms() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum mode mode;
	} modes[] = {{"link", MODE_LINK},	{"arg", MODE_ARG},
		     {"again", MODE_AGAIN},	{"template", MODE_TEMPLATE},
		     {"ptx", MODE_PTX},		{"ptx-arg", MODE_PTX_ARG},
		     {"nvcc", MODE_NVCC},	{"nvcc-arg", MODE_NVCC_ARG},
		     {"nvcc-so", MODE_NVCC_SO}, {"nvcc-so-arg", MODE_NVCC_SO_ARG}};
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0) {
			mode = modes[i].mode;
			argv++, argc--;
			break;
		}
	int n = argc > 1 ? atoi(argv[1]) : 4;
	if (mode == MODE_AGAIN && argc > 2)
		again_name = argv[2];
	again_unused = mode == MODE_AGAIN && argc > 3 && strcmp(argv[3], "unused") == 0;
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
		if (request(500 + i))
			return 1;
	return request(500);
}
