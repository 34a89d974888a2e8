/* nvvm_client.c - numba.cuda's way of building a kernel, in C: NVVM IR written per kernel,
 * compiled by libNVVM twice (PTX, then LTO-IR with -gen-lto), the LTO-IR linked to an sm_90
 * cubin by nvJitLink, the cubin loaded with cuLibraryLoadData. Like cuda.bindings (which numba
 * uses), it opens libnvvm and libnvJitLink itself and finds every function by dlsym, the
 * plain nvJitLink names included. Kernel symbols are mangled as numba mangles them: a uid per
 * dispatcher ([abi:v<N>]), the argument types after the name.
 *
 *   nvvm_client closure N   a kernel made by a factory per call (a new dispatcher: uid N),
 *                           the factor 1..N from its closure baked into its IR
 *   nvvm_client types       one dispatcher called with float, double and int arrays: one
 *                           build per type signature, each once
 *   nvvm_client arg N       the fix of closure: the factor an argument, one build, N launches
 *   nvvm_client closure-ptx N  closure as numba builds without LTO: NVVM's PTX linked, no
 *                           LTO-IR
 *
 * Runs against the tests' stand-in driver on the CPU and against the real one on the GPU. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>

typedef int (*nvvm_create_fn)(void **);
typedef int (*nvvm_add_fn)(void *, const char *, size_t, const char *);
typedef int (*nvvm_compile_fn)(void *, int, const char **);
typedef int (*nvvm_size_fn)(void *, size_t *);
typedef int (*nvvm_result_fn)(void *, char *);
typedef int (*nvvm_destroy_fn)(void **);
typedef int (*jit_create_fn)(void **, uint32_t, const char **);
typedef int (*jit_add_fn)(void *, int, const void *, size_t, const char *);
typedef int (*jit_complete_fn)(void *);
typedef int (*jit_size_fn)(void *, size_t *);
typedef int (*jit_cubin_fn)(void *, void *);
typedef int (*jit_destroy_fn)(void **);

static struct {
	nvvm_create_fn create;
	nvvm_add_fn add;
	nvvm_compile_fn compile;
	nvvm_size_fn size;
	nvvm_result_fn result;
	nvvm_destroy_fn destroy;
	jit_create_fn jcreate;
	jit_add_fn jadd;
	jit_complete_fn jcomplete;
	jit_size_fn jsize;
	jit_cubin_fn jcubin;
	jit_destroy_fn jdestroy;
} api;

#define FIND(h, field, name)                                                                       \
	do {                                                                                       \
		*(void **)&api.field = dlsym(h, name);                                             \
		if (!api.field) {                                                                  \
			fprintf(stderr, "nvvm_client: %s: %s\n", name, dlerror());                 \
			exit(2);                                                                   \
		}                                                                                  \
	} while (0)

static void open_libraries(void)
{
	void *nvvm = dlopen("libnvvm.so.4", RTLD_NOW | RTLD_LOCAL);
	void *jit = dlopen("libnvJitLink.so.13", RTLD_NOW | RTLD_LOCAL);
	if (!nvvm || !jit) {
		fprintf(stderr, "nvvm_client: %s\n", dlerror());
		exit(2);
	}
	FIND(nvvm, create, "nvvmCreateProgram");
	FIND(nvvm, add, "nvvmAddModuleToProgram");
	FIND(nvvm, compile, "nvvmCompileProgram");
	FIND(nvvm, size, "nvvmGetCompiledResultSize");
	FIND(nvvm, result, "nvvmGetCompiledResult");
	FIND(nvvm, destroy, "nvvmDestroyProgram");
	FIND(jit, jcreate, "nvJitLinkCreate");
	FIND(jit, jadd, "nvJitLinkAddData");
	FIND(jit, jcomplete, "nvJitLinkComplete");
	FIND(jit, jsize, "nvJitLinkGetLinkedCubinSize");
	FIND(jit, jcubin, "nvJitLinkGetLinkedCubin");
	FIND(jit, jdestroy, "nvJitLinkDestroy");
}

/* One kernel's NVVM IR: out[i] = x[i] * factor, as numba writes it (typed pointers, NVVM IR
 * 2.0; in @llvm.used, or the link drops it). ty: the element type; factor: a constant ("2.0", baked
 * in) or "" (the third argument). */
static void write_ir(char *buf, size_t cap, const char *symbol, const char *ty, const char *factor)
{
	char params[256], types[256];
	snprintf(params, sizeof(params), "%s* %%out, %s* %%x%s%s%s", ty, ty, *factor ? "" : ", ",
		 *factor ? "" : ty, *factor ? "" : " %factor");
	snprintf(types, sizeof(types), "%s*, %s*%s%s", ty, ty, *factor ? "" : ", ",
		 *factor ? "" : ty);
	const char *op = ty[0] == 'i' ? "mul" : "fmul";
	snprintf(buf, cap,
		 "target triple = \"nvptx64-nvidia-cuda\"\n"
		 "target datalayout = \"e-i64:64-i128:128-v16:16-v32:32-n16:32:64\"\n"
		 "\n"
		 "define void @%s(%s) {\n"
		 "entry:\n"
		 "  %%tid = call i32 @llvm.nvvm.read.ptx.sreg.tid.x()\n"
		 "  %%i = sext i32 %%tid to i64\n"
		 "  %%px = getelementptr %s, %s* %%x, i64 %%i\n"
		 "  %%v = load %s, %s* %%px\n"
		 "  %%r = %s %s %%v, %s\n"
		 "  %%po = getelementptr %s, %s* %%out, i64 %%i\n"
		 "  store %s %%r, %s* %%po\n"
		 "  ret void\n"
		 "}\n"
		 "\n"
		 "declare i32 @llvm.nvvm.read.ptx.sreg.tid.x()\n"
		 "\n"
		 "@llvm.used = appending global [1 x i8*] [i8* bitcast (void (%s)* @%s to i8*)], "
		 "section \"llvm.metadata\"\n"
		 "!nvvm.annotations = !{!1}\n"
		 "!1 = !{void (%s)* @%s, !\"kernel\", i32 1}\n"
		 "!nvvmir.version = !{!0}\n"
		 "!0 = !{i32 2, i32 0}\n",
		 symbol, params, ty, ty, ty, ty, op, ty, *factor ? factor : "%factor", ty, ty, ty,
		 ty, types, symbol, types, symbol);
}

static void check(int r, const char *what)
{
	if (r) {
		fprintf(stderr, "nvvm_client: %s failed (%d)\n", what, r);
		exit(1);
	}
}

static char *nvvm_build(const char *ir, int lto, size_t *n)
{
	void *prog;
	check(api.create(&prog), "nvvmCreateProgram");
	check(api.add(prog, ir, strlen(ir), "<numba>"), "nvvmAddModuleToProgram");
	const char *opts[] = {"-opt=3", "-arch=compute_90", "-gen-lto"};
	check(api.compile(prog, lto ? 3 : 2, opts), "nvvmCompileProgram");
	check(api.size(prog, n), "nvvmGetCompiledResultSize");
	char *out = malloc(*n);
	check(api.result(prog, out), "nvvmGetCompiledResult");
	api.destroy(&prog);
	return out;
}

static int lto = 1;

/* numba's build: PTX (kept for inspection), LTO-IR linked to a cubin, the cubin loaded; without
 * LTO, the PTX linked. */
static CUfunction build(const char *symbol, const char *ty, const char *factor)
{
	static char ir[8192];
	write_ir(ir, sizeof(ir), symbol, ty, factor);
	size_t n;
	char *ptx = nvvm_build(ir, 0, &n);
	char *ltoir = lto ? nvvm_build(ir, 1, &n) : ptx;
	void *link;
	const char *opts[] = {"-arch=sm_90", "-lto"};
	check(api.jcreate(&link, lto ? 2 : 1, opts), "nvJitLinkCreate");
	check(api.jadd(link, lto ? 3 /* NVJITLINK_INPUT_LTOIR */ : 2 /* PTX */, ltoir, n,
		       lto ? "<cudapy-lto>" : "<cudapy-ptx>"),
	      "nvJitLinkAddData");
	check(api.jcomplete(link), "nvJitLinkComplete");
	size_t size;
	check(api.jsize(link, &size), "nvJitLinkGetLinkedCubinSize");
	char *cubin = malloc(size);
	check(api.jcubin(link, cubin), "nvJitLinkGetLinkedCubin");
	api.jdestroy(&link);
	if (ltoir != ptx)
		free(ltoir);
	free(ptx);
	CUlibrary lib;
	CUkernel k;
	check(cuLibraryLoadData(&lib, cubin, NULL, NULL, 0, NULL, NULL, 0), "cuLibraryLoadData");
	check(cuLibraryGetKernel(&k, lib, symbol), "cuLibraryGetKernel");
	free(cubin);
	return (CUfunction)k;
}

static void launch(CUfunction f, CUdeviceptr out, CUdeviceptr x, void *factor)
{
	void *args[] = {&out, &x, factor};
	check(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL), "cuLaunchKernel");
}

/* numba's mangling of __main__::scale (closure: make_scale's <locals>::scale), uid v<uid>, for
 * 1-d C arrays of `elem` (f, d, i) and, where scalar, a factor of that type. */
static void numba_symbol(char *buf, size_t cap, int closure, unsigned uid, char elem, int scalar)
{
	static const char flags[] = "cw51cXTLSUwv1sDUa"; /* numba's second tag: its target flags */
	char arr[40], uid_tag[16];
	snprintf(arr, sizeof(arr), "5ArrayI%cLi1E1C7mutable7alignedE", elem);
	snprintf(uid_tag, sizeof(uid_tag), "v%u", uid);
	snprintf(buf, cap, "_ZN8__main__%s5scaleB%zu%sB%zu%sE%s%s%.*s",
		 closure ? "10make_scale12_3clocals_3e" : "", strlen(uid_tag), uid_tag,
		 strlen(flags), flags, arr, arr, scalar, &elem);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "closure";
	int n = argc > 2 ? atoi(argv[2]) : 3;
	open_libraries();
	check(cuInit(0), "cuInit");
	CUdevice dev;
	CUcontext ctx;
	check(cuDeviceGet(&dev, 0), "cuDeviceGet");
	check(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
	check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
	CUdeviceptr out, x;
	check(cuMemAlloc(&out, 32 * 8), "cuMemAlloc");
	check(cuMemAlloc(&x, 32 * 8), "cuMemAlloc");
	char symbol[256];
	if (strcmp(mode, "closure-ptx") == 0) {
		lto = 0;
		mode = "closure";
	}
	if (strcmp(mode, "closure") == 0) {
		for (int i = 1; i <= n; i++) {
			char factor[32];
			snprintf(factor, sizeof(factor), "%d.0", i);
			numba_symbol(symbol, sizeof(symbol), 1, (unsigned)i, 'f', 0);
			launch(build(symbol, "float", factor), out, x, NULL);
		}
	} else if (strcmp(mode, "types") == 0) {
		static const char elems[] = {'f', 'd', 'i'};
		static const char *const tys[] = {"float", "double", "i32"};
		for (int t = 0; t < 3; t++) {
			numba_symbol(symbol, sizeof(symbol), 0, 1, elems[t], 1);
			double factor = 2;
			launch(build(symbol, tys[t], ""), out, x, &factor);
		}
	} else if (strcmp(mode, "arg") == 0) {
		numba_symbol(symbol, sizeof(symbol), 0, 1, 'f', 1);
		CUfunction f = build(symbol, "float", "");
		for (int i = 1; i <= n; i++) {
			float factor = (float)i;
			launch(f, out, x, &factor);
		}
	} else {
		fprintf(stderr, "nvvm_client: unknown mode %s\n", mode);
		return 2;
	}
	check(cuCtxSynchronize(), "cuCtxSynchronize");
	printf("done\n");
	return 0;
}
