/* drv_client.c - a CUDA driver client for the recorder's tests, run against the stand-in
 * driver. Each mode exercises one way programs reach the driver; the counts it makes are
 * the ones the tests expect in the trace. It checks that every result and errno is what the
 * stand-in returns, so a recorder that changed either makes it exit non-zero.
 *
 *   drv_client paths symbol|dlsym|procaddr|procaddr_ptds|v1
 *   drv_client threads N K        N threads x K launches
 *   drv_client fork               7 launches, a child with 3, then 2 more
 *   drv_client internal           only CUPTI can see these calls
 *   drv_client library            cuLibrary* and cuKernelGetFunction
 *   drv_client link               cuLink* then a load of its output
 *   drv_client loadfile PATH      cuModuleLoad of a file
 *   drv_client loadonly PATH      cuModuleLoad of a file, no function taken from it
 *   drv_client nvccstep [FILE...] three times (once a FILE): a compiler child (the stand-in
 *                                 ptxas, as nvcc -DSTEP=N would be), then cuModuleLoad of
 *                                 step_N.fatbin (the FILE in tests/data) and kern_step launched;
 *                                 KCT_COMPILER names another compiler to run, KCT_KERNEL
 *                                 another kernel than kern_step to launch; with
 *                                 KCT_LOAD_BETWEEN, sample.cubin is loaded between the
 *                                 compiler and the load of its output (-o); with
 *                                 KCT_LOAD_MEMORY that output is read and loaded from memory
 *   drv_client libtwo             two libraries that both hold kern_add (sample.fatbin and
 *                                 its compressed build), each's kern_add launched once
 *   drv_client exec PROG ARGS     posix_spawn with an environment without LD_PRELOAD
 *   drv_client busy N             N launches (overhead benchmark)
 *   drv_client graphbusy N        N launches of a captured graph of one kernel (the same)
 *   drv_client graphthreads T N   a graph launched once, then N times by each of T threads;
 *                                 destroyed, another made (likely at the same handle) and
 *                                 launched 7 times
 *   drv_client mixed N            N launches by symbol and N only CUPTI sees, interleaved
 *   drv_client hang N             N launches, then sleeps (to be killed)
 *   drv_client shapes             2 threads, each cycling 5 times over grids 1..10 (8 fit the
 * table) drv_client pdl N              N pairs on one stream: kern_add (grid 3) by cuLaunchKernel,
 * then kern_scale (grid 2) by cuLaunchKernelEx, with PDL but every 10th (a step that waits for the
 * host) drv_client reload N           the same cubin loaded (and unloaded) N times, a launch each
 *   drv_client churn W T K        W waves of T threads, each K launches cycling over 24
 *                                 functions (more than a thread's cache holds)
 *   drv_client badimage           a load of an ELF header whose section table lies 16 TB out,
 *                                 which the driver refuses
 *   drv_client graph [procaddr]   CUDA graphs: 4 launches of kern_add, then a capture of 2
 *                                 kern_add and 1 kern_scale replayed 100 times, a graph of that
 *                                 one as a child and a kern_scale node replayed 10 times, the
 *                                 first updated to the second and replayed 5 times: kern_add
 *                                 runs 234 times, kern_scale 130 (procaddr: the graph calls
 *                                 through cuGetProcAddress, per-thread stream; unseen: then
 *                                 the first graph made again where no hook sees it, as
 *                                 cudart's private table would, and launched 3 times)
 *   drv_client graph v11          as a CUDA 11 runtime, through cuGetProcAddress at 11080: the
 *                                 five-argument instantiate and four-argument update (their
 *                                 out-arguments checked); kern_add launched once, captured once,
 *                                 replayed 100 times, updated, replayed 10 more: 111 runs
 *   drv_client graph update       kern_add launched 3 times, captured once, made and replayed
 *                                 10 times; captured twice more into a second graph that is
 *                                 never instantiated but goes into the first through
 *                                 cuGraphExecUpdate, replayed 20 times: 53 runs (as PyTorch
 *                                 re-captures into an executable graph it keeps)
 *   drv_client graph private      kern_add launched once, captured once, the graph made where
 *                                 no hook sees it (as through cudart's private table) and
 *                                 replayed 100 times: 101 runs, of which kcprof can know 2
 *   drv_client graph conditional  the same graph with a conditional node, made through the
 *                                 hooked cuGraphInstantiateWithFlags
 *   drv_client graph child        kern_add captured once into a graph, which goes into another
 *                                 as a child node; that one made and replayed 100 times
 *   drv_client graph twomodules   kern_add of sample.cubin launched 10 times; kern_add of
 *                                 sample.fatbin (a library: a CUkernel) captured once, its
 *                                 node holding another handle, and replayed 50 times
 *   drv_client graph kernel       a CUkernel launched twice, then captured once (the node
 *                                 holds the context's function) and replayed 50 times
 *   drv_client devices N K [library]
 *                                 on each of N devices (its primary context made current),
 *                                 sample.cubin loaded K times and kern_add launched from each
 *                                 load: N x K loads of one image, K a device (library: then
 *                                 sample.fatbin loaded as a CUlibrary on each device too)
 *   drv_client ctorsubscribe LIB  a thread opens libcuda (kcprof's first touch: CUPTI's start)
 *                                 once this one is in the constructor of LIB, which subscribes
 *                                 to CUPTI; then kern_add launched 5 times
 *   drv_client ctorprobe LIB      a thread opens libcuda (kcprof's first touch: CUPTI's start,
 *                                 held in the stand-in's cuptiSubscribe) while this one
 *                                 dlopens LIB, whose constructor looks for cuModuleLoadData; then
 *                                 kern_add launched 5 times (a hang ends in SIGALRM)
 *   drv_client ctorsubscribe-start LIB  the same, LIB's constructor subscribing to CUPTI while
 *                                 the first thread's start is inside its own first subscribe
 *
 * With FAKE_KEEP_ERRNO set the stand-in leaves errno alone, and every call must too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cuda.h>
#undef cuGetProcAddress

#define FAKE_ERRNO EDOM

struct api {
	CUresult (*load_data)(CUmodule *, const void *);
	CUresult (*load_data_ex)(CUmodule *, const void *, unsigned, CUjit_option *, void **);
	CUresult (*get_function)(CUfunction *, CUmodule, const char *);
	CUresult (*launch)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
			   unsigned, CUstream, void **, void **);
	CUresult (*launch_ex)(const CUlaunchConfig *, CUfunction, void **, void **);
	CUresult (*unload)(CUmodule);
};

static int failures;
static int want_errno = FAKE_ERRNO; /* 0 under FAKE_KEEP_ERRNO */
#define CHECK(call, want)                                                                          \
	do {                                                                                       \
		errno = 0;                                                                         \
		CUresult r_ = (call);                                                              \
		if (r_ != (want) || errno != want_errno) {                                         \
			fprintf(                                                                   \
			    stderr, "drv_client: %s:%d: %s gave %d errno %d, want %d errno %d\n",  \
			    __FILE__, __LINE__, #call, (int)r_, errno, (int)(want), want_errno);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc((size_t)n + 1);
	*size = fread(buf, 1, (size_t)n, f);
	buf[*size] = 0;
	fclose(f);
	return buf;
}

static const char *data_dir(void)
{
	const char *d = getenv("KCT_DATA");
	return d ? d : "tests/data";
}

/* kern_add of a library loaded from tests/data's FILE (cuLibraryLoadData, as the CUDA runtime
 * loads its fatbins), the library to *lib. */
static CUkernel library_kern_add(const char *file, CUlibrary *lib)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", data_dir(), file);
	size_t size;
	unsigned char *fat = read_file(path, &size);
	CUkernel k = NULL;
	CHECK(cuLibraryLoadData(lib, fat, NULL, NULL, 0, NULL, NULL, 0), CUDA_SUCCESS);
	CHECK(cuLibraryGetKernel(&k, *lib, "kern_add"), CUDA_SUCCESS);
	free(fat);
	return k;
}

static unsigned char *sample_cubin(size_t *size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/sample.cubin", data_dir());
	return read_file(path, size);
}

/* A PTX kernel whose constant differs per variant, as a constexpr that changes per call. */
static char *ptx_variant(int value)
{
	char *buf = malloc(512);
	snprintf(buf, 512,
		 ".version 8.0\n.target sm_90\n.address_size 64\n\n"
		 ".visible .entry fill_mask(.param .u64 p)\n{\n\t.reg .b32 %%r<2>;\n"
		 "\tmov.u32 %%r1, %d;\n\tret;\n}\n",
		 value);
	return buf;
}

static void fill_api(struct api *a, const char *mode)
{
	if (strcmp(mode, "symbol") == 0) {
		a->load_data = cuModuleLoadData;
		a->load_data_ex = cuModuleLoadDataEx;
		a->get_function = cuModuleGetFunction;
		a->launch = cuLaunchKernel;
		a->launch_ex = cuLaunchKernelEx;
		a->unload = cuModuleUnload;
		return;
	}
	if (strcmp(mode, "dlsym") == 0) {
		/* As Triton's launcher: a handle of libcuda, then dlsym. */
		void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "%s\n", dlerror());
			exit(2);
		}
		*(void **)&a->load_data = dlsym(h, "cuModuleLoadData");
		*(void **)&a->load_data_ex = dlsym(h, "cuModuleLoadDataEx");
		*(void **)&a->get_function = dlsym(h, "cuModuleGetFunction");
		*(void **)&a->launch = dlsym(h, "cuLaunchKernel");
		*(void **)&a->launch_ex = dlsym(h, "cuLaunchKernelEx");
		*(void **)&a->unload = dlsym(h, "cuModuleUnload");
		return;
	}
	/* As the CUDA runtime: cuGetProcAddress, found by dlsym like cudart does. */
	void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	int v1 = strcmp(mode, "v1") == 0;
	cuuint64_t flags = strcmp(mode, "procaddr_ptds") == 0
			       ? CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM
			       : CU_GET_PROC_ADDRESS_DEFAULT;
	CUresult (*gpa2)(const char *, void **, int, cuuint64_t, CUdriverProcAddressQueryResult *) =
	    NULL;
	CUresult (*gpa1)(const char *, void **, int, cuuint64_t) = NULL;
	if (v1)
		*(void **)&gpa1 = dlsym(h, "cuGetProcAddress");
	else
		*(void **)&gpa2 = dlsym(h, "cuGetProcAddress_v2");
#define GET(field, name)                                                                           \
	do {                                                                                       \
		errno = 0;                                                                         \
		CUresult r_ = v1 ? gpa1(name, (void **)&a->field, 12000, flags)                    \
				 : gpa2(name, (void **)&a->field, 12000, flags, NULL);             \
		if (errno != want_errno) {                                                         \
			fprintf(stderr, "cuGetProcAddress(%s): errno %d, want %d\n", name, errno,  \
				want_errno);                                                       \
			failures++;                                                                \
		}                                                                                  \
		if (r_ != CUDA_SUCCESS || !a->field) {                                             \
			fprintf(stderr, "cuGetProcAddress(%s) failed\n", name);                    \
			exit(2);                                                                   \
		}                                                                                  \
	} while (0)
	GET(load_data, "cuModuleLoadData");
	GET(load_data_ex, "cuModuleLoadDataEx");
	GET(get_function, "cuModuleGetFunction");
	GET(launch, "cuLaunchKernel");
	GET(launch_ex, "cuLaunchKernelEx");
	GET(unload, "cuModuleUnload");
#undef GET
}

/* The scenario every path runs: the counts the tests expect.
 *   sample.cubin loaded twice (one image, two loads), fill_mask PTX in 3 variants,
 *   kern_add 10 launches of one shape, kern_scale 5 launches of two shapes,
 *   fill_mask 3 launches through cuLaunchKernelEx with PDL, one failed launch. */
static void scenario(const struct api *a)
{
	size_t size;
	unsigned char *cubin = sample_cubin(&size);
	CUmodule m1, m2, pm[3];
	CHECK(a->load_data(&m1, cubin), CUDA_SUCCESS);
	CUjit_option opt[] = {CU_JIT_OPTIMIZATION_LEVEL};
	void *val[] = {(void *)(uintptr_t)3};
	CHECK(a->load_data_ex(&m2, cubin, 1, opt, val), CUDA_SUCCESS);
	CUfunction add, scale, fill[3];
	CHECK(a->get_function(&add, m1, "kern_add"), CUDA_SUCCESS);
	CHECK(a->get_function(&scale, m2, "_Z10kern_scalePffi"), CUDA_SUCCESS);
	for (int i = 0; i < 10; i++)
		CHECK(a->launch(add, 4, 1, 1, 128, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	for (int i = 0; i < 5; i++)
		CHECK(a->launch(scale, i < 3 ? 8 : 16, 1, 1, 256, 1, 1, 1024, NULL, NULL, NULL),
		      CUDA_SUCCESS);
	for (int v = 0; v < 3; v++) {
		char *ptx = ptx_variant(500 + v);
		CHECK(a->load_data(&pm[v], ptx), CUDA_SUCCESS);
		CHECK(a->get_function(&fill[v], pm[v], "fill_mask"), CUDA_SUCCESS);
		CUlaunchAttribute attr = {
		    .id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION};
		attr.value.programmaticStreamSerializationAllowed = 1;
		CUlaunchConfig cfg = {.gridDimX = 1,
				      .gridDimY = 1,
				      .gridDimZ = 1,
				      .blockDimX = 32,
				      .blockDimY = 1,
				      .blockDimZ = 1,
				      .attrs = &attr,
				      .numAttrs = 1};
		CHECK(a->launch_ex(&cfg, fill[v], NULL, NULL), CUDA_SUCCESS);
		free(ptx);
	}
	CHECK(a->launch(NULL, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL), CUDA_ERROR_INVALID_HANDLE);
	CHECK(a->get_function(&add, m1, "missing_kernel"), CUDA_ERROR_NOT_FOUND);
	CHECK(a->load_data(&m1, "INVALID! image"), CUDA_ERROR_INVALID_IMAGE);
	for (int v = 0; v < 3; v++)
		CHECK(a->unload(pm[v]), CUDA_SUCCESS);
	free(cubin);
}

struct thread_arg {
	CUfunction f;
	int k;
};
static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	for (int i = 0; i < t->k; i++)
		CHECK(cuLaunchKernel(t->f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	return NULL;
}

/* sample.cubin loaded, and its kern_add; the module into *mod when asked for. */
static CUfunction load_add_module(CUmodule *mod)
{
	size_t size;
	unsigned char *cubin = sample_cubin(&size);
	CUmodule m;
	CUfunction f;
	CHECK(cuModuleLoadData(&m, cubin), CUDA_SUCCESS);
	CHECK(cuModuleGetFunction(&f, m, "kern_add"), CUDA_SUCCESS);
	if (mod)
		*mod = m;
	return f;
}

static CUfunction load_add(void)
{
	return load_add_module(NULL);
}

static int mode_threads(int n, int k)
{
	CUfunction f = load_add();
	pthread_t th[64];
	struct thread_arg arg = {f, k};
	for (int i = 0; i < n && i < 64; i++)
		pthread_create(&th[i], NULL, thread_main, &arg);
	for (int i = 0; i < n && i < 64; i++)
		pthread_join(th[i], NULL);
	return 0;
}

#define CHURN_FUNCS 24
static CUfunction churn_funcs[CHURN_FUNCS];

static void *churn_main(void *p)
{
	int k = *(int *)p;
	for (int i = 0; i < k; i++)
		CHECK(cuLaunchKernel(churn_funcs[i % CHURN_FUNCS], 1, 1, 1, 64, 1, 1, 0, NULL, NULL,
				     NULL),
		      CUDA_SUCCESS);
	return NULL;
}

static int mode_churn(int waves, int n, int k)
{
	for (int i = 0; i < CHURN_FUNCS; i++)
		churn_funcs[i] = load_add();
	pthread_t th[64];
	for (int w = 0; w < waves; w++) {
		for (int i = 0; i < n && i < 64; i++)
			pthread_create(&th[i], NULL, churn_main, &k);
		for (int i = 0; i < n && i < 64; i++)
			pthread_join(th[i], NULL);
	}
	return 0;
}

static void *shapes_main(void *p)
{
	CUfunction f = p;
	for (int round = 0; round < 5; round++)
		for (unsigned g = 1; g <= 10; g++)
			CHECK(cuLaunchKernel(f, g, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL),
			      CUDA_SUCCESS);
	return NULL;
}

static int mode_shapes(void)
{
	CUfunction f = load_add();
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, shapes_main, f);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static int mode_pdl(int n)
{
	CUmodule m;
	CUfunction add = load_add_module(&m), scale;
	CHECK(cuModuleGetFunction(&scale, m, "_Z10kern_scalePffi"), CUDA_SUCCESS);
	CUlaunchAttribute pdl = {.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION,
				 .value.programmaticStreamSerializationAllowed = 1};
	CUlaunchConfig cfg = {.gridDimX = 2,
			      .gridDimY = 1,
			      .gridDimZ = 1,
			      .blockDimX = 64,
			      .blockDimY = 1,
			      .blockDimZ = 1,
			      .attrs = &pdl,
			      .numAttrs = 1};
	for (int i = 0; i < n; i++) {
		CHECK(cuLaunchKernel(add, 3, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
		cfg.numAttrs = i % 10 == 9 ? 0 : 1;
		CHECK(cuLaunchKernelEx(&cfg, scale, NULL, NULL), CUDA_SUCCESS);
	}
	return 0;
}

struct graph_api {
	CUresult (*end_capture)(CUstream, CUgraph *);
	CUresult (*instantiate)(CUgraphExec *, CUgraph, unsigned long long);
	CUresult (*instantiate_params)(CUgraphExec *, CUgraph, CUDA_GRAPH_INSTANTIATE_PARAMS *);
	CUresult (*update)(CUgraphExec, CUgraph, CUgraphExecUpdateResultInfo *);
	CUresult (*launch)(CUgraphExec, CUstream);
	CUresult (*destroy)(CUgraphExec);
};

static int mode_graph(int procaddr, int unseen)
{
	struct graph_api g = {cuStreamEndCapture,
			      cuGraphInstantiateWithFlags,
			      cuGraphInstantiateWithParams,
			      cuGraphExecUpdate_v2,
			      cuGraphLaunch,
			      cuGraphExecDestroy};
	if (procaddr) { /* as cudart built for the per-thread default stream asks */
		CUresult (*gpa)(const char *, void **, int, cuuint64_t,
				CUdriverProcAddressQueryResult *);
		*(void **)&gpa = dlsym(dlopen("libcuda.so.1", RTLD_NOW), "cuGetProcAddress_v2");
		const cuuint64_t ptds = CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM;
		CHECK(gpa("cuStreamEndCapture", (void **)&g.end_capture, 12000, ptds, NULL),
		      CUDA_SUCCESS);
		CHECK(gpa("cuGraphInstantiate", (void **)&g.instantiate, 12000, ptds, NULL),
		      CUDA_SUCCESS);
		CHECK(gpa("cuGraphInstantiateWithParams", (void **)&g.instantiate_params, 12000,
			  ptds, NULL),
		      CUDA_SUCCESS);
		CHECK(gpa("cuGraphExecUpdate", (void **)&g.update, 12000, ptds, NULL),
		      CUDA_SUCCESS);
		CHECK(gpa("cuGraphLaunch", (void **)&g.launch, 12000, ptds, NULL), CUDA_SUCCESS);
		CHECK(gpa("cuGraphExecDestroy", (void **)&g.destroy, 12000, ptds, NULL),
		      CUDA_SUCCESS);
	}
	CUmodule m;
	CUfunction add = load_add_module(&m), scale;
	CHECK(cuModuleGetFunction(&scale, m, "_Z10kern_scalePffi"), CUDA_SUCCESS);
	CUstream s = (CUstream)(uintptr_t)0x5000; /* the stand-in takes any stream */
	for (int i = 0; i < 4; i++)
		CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CUgraph g1, g2;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(scale, 8, 1, 1, 256, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(g.end_capture(s, &g1), CUDA_SUCCESS);
	CUgraphExec e1, e2;
	CHECK(g.instantiate(&e1, g1, 0), CUDA_SUCCESS);
	for (int i = 0; i < 100; i++)
		CHECK(g.launch(e1, s), CUDA_SUCCESS);
	CHECK(cuGraphCreate(&g2, 0), CUDA_SUCCESS);
	CUgraphNode child, node;
	CHECK(cuGraphAddChildGraphNode(&child, g2, NULL, 0, g1), CUDA_SUCCESS);
	CUDA_KERNEL_NODE_PARAMS kp = {.func = scale,
				      .gridDimX = 8,
				      .gridDimY = 1,
				      .gridDimZ = 1,
				      .blockDimX = 256,
				      .blockDimY = 1,
				      .blockDimZ = 1};
	CHECK(cuGraphAddKernelNode(&node, g2, &child, 1, &kp), CUDA_SUCCESS);
	CUDA_GRAPH_INSTANTIATE_PARAMS ip = {0};
	CHECK(g.instantiate_params(&e2, g2, &ip), CUDA_SUCCESS);
	for (int i = 0; i < 10; i++)
		CHECK(g.launch(e2, s), CUDA_SUCCESS);
	CUgraphExecUpdateResultInfo info;
	CHECK(g.update(e1, g2, &info), CUDA_SUCCESS);
	for (int i = 0; i < 5; i++)
		CHECK(g.launch(e1, s), CUDA_SUCCESS);
	CHECK(g.launch(NULL, s), CUDA_ERROR_INVALID_HANDLE);
	CHECK(g.destroy(e1), CUDA_SUCCESS);
	CHECK(g.destroy(e2), CUDA_SUCCESS);
	uint64_t want_add = 234, want_scale = 130;
	if (unseen) {
		CUresult (*internal)(CUgraphExec *, CUgraph);
		*(void **)&internal =
		    dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_internal_instantiate");
		CUgraphExec e3;
		CHECK(internal(&e3, g1), CUDA_SUCCESS);
		for (int i = 0; i < 3; i++)
			CHECK(g.launch(e3, s), CUDA_SUCCESS);
		want_add += 6, want_scale += 3;
	}
	uint64_t (*runs)(CUfunction);
	*(void **)&runs = dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_function_launches");
	if (runs(add) != want_add || runs(scale) != want_scale) {
		fprintf(stderr, "drv_client: graph runs: kern_add %lu, kern_scale %lu\n",
			(unsigned long)runs(add), (unsigned long)runs(scale));
		failures++;
	}
	return 0;
}

static int mode_graph_kernel(void)
{
	CUlibrary lib;
	CUkernel k = library_kern_add("sample.fatbin", &lib);
	CUstream s = (CUstream)(uintptr_t)0x5000;
	for (int i = 0; i < 2; i++) /* as the CUDA runtime launches: the CUkernel itself */
		CHECK(cuLaunchKernel((CUfunction)k, 1, 1, 1, 32, 1, 1, 0, s, NULL, NULL),
		      CUDA_SUCCESS);
	CUgraph g;
	CUgraphExec e;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel((CUfunction)k, 1, 1, 1, 32, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e, g, 0), CUDA_SUCCESS);
	for (int i = 0; i < 50; i++)
		CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	return 0;
}

static int mode_graph_v11(void)
{
	CUresult (*gpa)(const char *, void **, int, cuuint64_t, CUdriverProcAddressQueryResult *);
	*(void **)&gpa = dlsym(dlopen("libcuda.so.1", RTLD_NOW), "cuGetProcAddress_v2");
	CUresult (*instantiate)(CUgraphExec *, CUgraph, CUgraphNode *, char *, size_t);
	CUresult (*update)(CUgraphExec, CUgraph, CUgraphNode *, CUgraphExecUpdateResult *);
	CUresult (*launch)(CUgraphExec, CUstream);
	CUresult (*end_capture)(CUstream, CUgraph *);
	CHECK(gpa("cuGraphInstantiate", (void **)&instantiate, 11080, 0, NULL), CUDA_SUCCESS);
	CHECK(gpa("cuGraphExecUpdate", (void **)&update, 11080, 0, NULL), CUDA_SUCCESS);
	CHECK(gpa("cuGraphLaunch", (void **)&launch, 11080, 0, NULL), CUDA_SUCCESS);
	CHECK(gpa("cuStreamEndCapture", (void **)&end_capture, 11080, 0, NULL), CUDA_SUCCESS);
	CUfunction add = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CUgraph g;
	CUgraphExec e;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(end_capture(s, &g), CUDA_SUCCESS);
	CUgraphNode err = (CUgraphNode)(uintptr_t)0x1111;
	char log[16] = "unset";
	CHECK(instantiate(&e, g, &err, log, sizeof(log)), CUDA_SUCCESS);
	if (err != NULL || log[0] != '\0') {
		fprintf(stderr, "drv_client: v1 instantiate left its out-arguments unset\n");
		failures++;
	}
	for (int i = 0; i < 100; i++)
		CHECK(launch(e, s), CUDA_SUCCESS);
	CUgraphExecUpdateResult res = (CUgraphExecUpdateResult)0x7777;
	err = (CUgraphNode)(uintptr_t)0x1111;
	CHECK(update(e, g, &err, &res), CUDA_SUCCESS);
	if (err != NULL || res != CU_GRAPH_EXEC_UPDATE_SUCCESS) {
		fprintf(stderr, "drv_client: v1 update: result %#x, error node %p\n", (unsigned)res,
			(void *)err);
		failures++;
	}
	for (int i = 0; i < 10; i++)
		CHECK(launch(e, s), CUDA_SUCCESS);
	return 0;
}

static int mode_graph_update(void)
{
	CUfunction add = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	for (int i = 0; i < 3; i++)
		CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CUgraph g1, g2;
	CUgraphExec e;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g1), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e, g1, 0), CUDA_SUCCESS);
	for (int i = 0; i < 10; i++)
		CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	for (int i = 0; i < 2; i++)
		CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g2), CUDA_SUCCESS);
	CUgraphExecUpdateResultInfo info;
	CHECK(cuGraphExecUpdate(e, g2, &info), CUDA_SUCCESS);
	for (int i = 0; i < 20; i++)
		CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	uint64_t (*runs)(CUfunction);
	*(void **)&runs = dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_function_launches");
	if (runs(add) != 53) {
		fprintf(stderr, "drv_client: graph update: kern_add ran %lu times, not 53\n",
			(unsigned long)runs(add));
		failures++;
	}
	return 0;
}

static int mode_graph_private(int conditional)
{
	CUfunction add = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CUgraph g;
	CUgraphExec e;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g), CUDA_SUCCESS);
	if (conditional) {
		CUresult (*add_cond)(CUgraph);
		*(void **)&add_cond =
		    dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_add_conditional_node");
		CHECK(add_cond(g), CUDA_SUCCESS);
		CHECK(cuGraphInstantiateWithFlags(&e, g, 0), CUDA_SUCCESS);
	} else {
		CUresult (*internal)(CUgraphExec *, CUgraph);
		*(void **)&internal =
		    dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_internal_instantiate");
		CHECK(internal(&e, g), CUDA_SUCCESS);
	}
	for (int i = 0; i < 100; i++)
		CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	return 0;
}

static int mode_graph_child(void)
{
	CUfunction add = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	CUgraph g, parent;
	CUgraphExec e;
	CUgraphNode child;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g), CUDA_SUCCESS);
	CHECK(cuGraphCreate(&parent, 0), CUDA_SUCCESS);
	CHECK(cuGraphAddChildGraphNode(&child, parent, NULL, 0, g), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e, parent, 0), CUDA_SUCCESS);
	for (int i = 0; i < 100; i++)
		CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	return 0;
}

static int mode_graph_two_modules(void)
{
	CUfunction add = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	for (int i = 0; i < 10; i++)
		CHECK(cuLaunchKernel(add, 4, 1, 1, 128, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CUlibrary lib;
	CUkernel k = library_kern_add("sample.fatbin", &lib);
	CUgraph g;
	CUgraphExec e;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel((CUfunction)k, 1, 1, 1, 32, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e, g, 0), CUDA_SUCCESS);
	for (int i = 0; i < 50; i++)
		CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	return 0;
}

static int mode_badimage(void)
{
	unsigned char elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	uint64_t shoff = 1ull << 44;
	uint16_t machine = 190, shentsize = 64, shnum = 12;
	memcpy(elf + 0x12, &machine, 2);
	memcpy(elf + 0x28, &shoff, 8);
	memcpy(elf + 0x3a, &shentsize, 2);
	memcpy(elf + 0x3c, &shnum, 2);
	CUmodule m;
	CHECK(cuModuleLoadData(&m, elf), CUDA_ERROR_INVALID_IMAGE);
	return 0;
}

static int mode_fails(int n)
{
	CUmodule m;
	CUfunction add = load_add_module(&m);
	CHECK(cuLaunchKernel(add, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	for (int i = 0; i < n; i++)
		CHECK(cuLaunchKernel(NULL, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL),
		      CUDA_ERROR_INVALID_HANDLE);
	CHECK(cuLaunchKernel(add, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	return 0;
}

static int mode_reload(int n)
{
	for (int i = 0; i < n; i++) {
		CUmodule m;
		CUfunction f = load_add_module(&m);
		CHECK(cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
		CHECK(cuModuleUnload(m), CUDA_SUCCESS);
	}
	return 0;
}

static int mode_fork(void)
{
	CUfunction f = load_add();
	for (int i = 0; i < 7; i++)
		CHECK(cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			CHECK(cuLaunchKernel(f, 2, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL),
			      CUDA_SUCCESS);
		exit(failures ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	for (int i = 0; i < 2; i++)
		CHECK(cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int mode_internal(void)
{
	CUresult (*iload)(CUmodule *, const void *);
	CUresult (*ifunc)(CUfunction *, CUmodule, const char *);
	CUresult (*ilaunch)(CUfunction, unsigned, unsigned);
	void *h = dlopen("libcuda.so.1", RTLD_NOW);
	*(void **)&iload = dlsym(h, "fake_internal_load");
	*(void **)&ifunc = dlsym(h, "fake_internal_get_function");
	*(void **)&ilaunch = dlsym(h, "fake_internal_launch");
	size_t size;
	unsigned char *cubin = sample_cubin(&size);
	CUmodule m;
	CUfunction f;
	CHECK(iload(&m, cubin), CUDA_SUCCESS);
	CHECK(ifunc(&f, m, "kern_add"), CUDA_SUCCESS);
	for (int i = 0; i < 6; i++)
		CHECK(ilaunch(f, 2, 32), CUDA_SUCCESS);
	/* The same calls by symbol too: counted once, not twice. */
	for (int i = 0; i < 4; i++)
		CHECK(cuLaunchKernel(f, 2, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	return 0;
}

static int mode_library(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/sample.fatbin", data_dir());
	size_t size;
	unsigned char *fat = read_file(path, &size);
	CUlibrary lib, lib2;
	CUkernel k;
	CUfunction f;
	CHECK(cuLibraryLoadData(&lib, fat, NULL, NULL, 0, NULL, NULL, 0), CUDA_SUCCESS);
	CHECK(cuLibraryGetKernel(&k, lib, "kern_add"), CUDA_SUCCESS);
	CHECK(cuKernelGetFunction(&f, k), CUDA_SUCCESS);
	for (int i = 0; i < 4; i++)
		CHECK(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuLibraryLoadFromFile(&lib2, path, NULL, NULL, 0, NULL, NULL, 0), CUDA_SUCCESS);
	CHECK(cuLibraryUnload(lib2), CUDA_SUCCESS);
	CHECK(cuModuleLoadFatBinary((CUmodule *)&lib2, fat), CUDA_SUCCESS);
	free(fat);
	return 0;
}

static int mode_link(void)
{
	CUlinkState st;
	CHECK(cuLinkCreate(0, NULL, NULL, &st), CUDA_SUCCESS);
	char *p1 = ptx_variant(1), *p2 = ptx_variant(2);
	CHECK(cuLinkAddData(st, CU_JIT_INPUT_PTX, p1, strlen(p1) + 1, "a.ptx", 0, NULL, NULL),
	      CUDA_SUCCESS);
	CHECK(cuLinkAddData(st, CU_JIT_INPUT_PTX, p2, strlen(p2) + 1, "b.ptx", 0, NULL, NULL),
	      CUDA_SUCCESS);
	void *out;
	size_t n;
	CHECK(cuLinkComplete(st, &out, &n), CUDA_SUCCESS);
	if (cuLinkDestroy(st) != CUDA_SUCCESS)
		failures++;
	free(p1);
	free(p2);
	return 0;
}

static int mode_loadfile(const char *path)
{
	CUmodule m;
	CUfunction f;
	CHECK(cuModuleLoad(&m, path), CUDA_SUCCESS);
	CHECK(cuModuleGetFunction(&f, m, "kern_add"), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuModuleLoad(&m, "/nonexistent/x.cubin"), CUDA_ERROR_FILE_NOT_FOUND);
	return 0;
}

extern char **environ;

/* This program's directory, where the stand-in compilers are built beside it. */
static const char *bin_dir(void)
{
	static char dir[4096];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

static int mode_nvccstep(int nfiles, char **files)
{
	for (int step = 1; step <= (nfiles ? nfiles : 3); step++) {
		char ptxas[4200], path[4096];
		snprintf(ptxas, sizeof(ptxas), "%s/ptxas", bin_dir());
		if (getenv("KCT_COMPILER")) /* another stand-in: a host compiler */
			snprintf(ptxas, sizeof(ptxas), "%s", getenv("KCT_COMPILER"));
		if (nfiles && files[step - 1][0] == '/')
			snprintf(path, sizeof(path), "%s", files[step - 1]);
		else if (nfiles)
			snprintf(path, sizeof(path), "%s/%s", data_dir(), files[step - 1]);
		else
			snprintf(path, sizeof(path), "%s/step_%d.fatbin", data_dir(), step);
		char def[32];
		snprintf(def, sizeof(def), "-DSTEP=%d", step);
		char *argv[] = {ptxas, "-o", path, def, NULL}; /* the stand-in writes none */
		pid_t pid;
		int status;
		if (posix_spawn(&pid, ptxas, NULL, NULL, argv, environ) != 0 ||
		    waitpid(pid, &status, 0) != pid || status != 0) {
			fprintf(stderr, "drv_client: %s did not run\n", ptxas);
			return 1;
		}
		if (getenv("KCT_LOAD_BETWEEN")) /* another module loaded before the output */
			load_add();
		CUmodule m;
		CUfunction f;
		if (getenv("KCT_LOAD_MEMORY")) { /* read, as Triton reads ptxas's cubin */
			size_t size;
			unsigned char *image = read_file(path, &size);
			CHECK(cuModuleLoadData(&m, image), CUDA_SUCCESS);
			free(image);
		} else
			CHECK(cuModuleLoad(&m, path), CUDA_SUCCESS);
		const char *kernel = getenv("KCT_KERNEL"); /* another name (long_N.cubin's) */
		CHECK(cuModuleGetFunction(&f, m, kernel ? kernel : "kern_step"), CUDA_SUCCESS);
		CHECK(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	}
	return 0;
}

static int mode_libtwo(void)
{
	static const char *const files[] = {"sample.fatbin", "sample_zstd.fatbin"};
	for (int i = 0; i < 2; i++) {
		CUlibrary lib;
		CUkernel k = library_kern_add(files[i], &lib);
		CHECK(cuLaunchKernel((CUfunction)k, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL),
		      CUDA_SUCCESS);
	}
	return 0;
}

static int mode_loadonly(const char *path)
{
	CUmodule m;
	CHECK(cuModuleLoad(&m, path), CUDA_SUCCESS);
	return 0;
}

static int mode_exec(char **argv)
{
	char *env[] = {"PATH=/usr/bin:/bin", "KCT_CHILD=1", NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, env);
	if (rc != 0) {
		fprintf(stderr, "posix_spawn %s: %s\n", argv[0], strerror(rc));
		return 2;
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int mode_busy(long n)
{
	CUfunction f = load_add();
	for (long i = 0; i < n; i++)
		cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL);
	return 0;
}

static int mode_graph_busy(long n)
{
	CUfunction f = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	CUgraph g;
	CUgraphExec e;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e, g, 0), CUDA_SUCCESS);
	for (long i = 0; i < n; i++)
		cuGraphLaunch(e, s);
	return 0;
}

struct graph_thread {
	CUgraphExec e;
	long n;
};

static void *graph_thread_main(void *p)
{
	struct graph_thread *t = p;
	for (long i = 0; i < t->n; i++)
		CHECK(cuGraphLaunch(t->e, (CUstream)(uintptr_t)0x5000), CUDA_SUCCESS);
	return NULL;
}

/* T threads launch one graph N times each; then it is destroyed and another made, which the
 * allocator is likely to give the same handle, and the main thread (whose last graph was
 * the first) launches that one 7 times. */
static int mode_graph_threads(int nthreads, long n)
{
	CUfunction f = load_add();
	CUstream s = (CUstream)(uintptr_t)0x5000;
	CUgraph g;
	CUgraphExec e, e2;
	CHECK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
	CHECK(cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, s, NULL, NULL), CUDA_SUCCESS);
	CHECK(cuStreamEndCapture(s, &g), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e, g, 0), CUDA_SUCCESS);
	CHECK(cuGraphLaunch(e, s), CUDA_SUCCESS);
	pthread_t th[16];
	struct graph_thread t = {e, n};
	for (int i = 0; i < nthreads && i < 16; i++)
		pthread_create(&th[i], NULL, graph_thread_main, &t);
	for (int i = 0; i < nthreads && i < 16; i++)
		pthread_join(th[i], NULL);
	CHECK(cuGraphExecDestroy(e), CUDA_SUCCESS);
	CHECK(cuGraphInstantiateWithFlags(&e2, g, 0), CUDA_SUCCESS);
	for (int i = 0; i < 7; i++)
		CHECK(cuGraphLaunch(e2, s), CUDA_SUCCESS);
	printf("same handle: %d\n", e2 == e);
	return 0;
}

static int mode_hang(long n)
{
	CUfunction f = load_add();
	for (long i = 0; i < n; i++)
		cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL);
	fprintf(stderr, "drv_client: launched, sleeping\n");
	/* No launches from here: only the flusher thread can bring the counts to the disk. */
	struct timespec ts = {10, 0};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 0;
}

static int mode_mixed(long n)
{
	CUfunction f = load_add();
	CUresult (*ilaunch)(CUfunction, unsigned, unsigned);
	*(void **)&ilaunch = dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_internal_launch");
	for (long i = 0; i < n; i++) {
		cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL);
		ilaunch(f, 1, 64);
	}
	return 0;
}

/* After a constructor race: LIB opened (its constructor ran), what its `answer` function says
 * (want), the racing thread's dlopen of libcuda joined, then kern_add launched 5 times. */
static int open_lib_then_launch(const char *lib, const char *answer, int want, pthread_t racer)
{
	void *h = dlopen(lib, RTLD_NOW);
	int (*said)(void);
	*(void **)&said = h ? dlsym(h, answer) : NULL;
	if (!said || said() != want) {
		fprintf(stderr, "drv_client: %s: %s %d\n", lib, h ? answer : dlerror(),
			said ? said() : -1);
		return 5;
	}
	void *cuda;
	pthread_join(racer, &cuda);
	if (!cuda)
		return 6;
	CUfunction f = load_add();
	for (int i = 0; i < 5; i++)
		CHECK(cuLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL), CUDA_SUCCESS);
	return 0;
}

/* The thread that starts kcprof: its tid out on fds[1], then opens libcuda once told (fds[0]). */
static void *open_cuda_when_told(void *p)
{
	int *fds = p;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char c;
	if (write(fds[1], &tid, sizeof(tid)) != sizeof(tid) || read(fds[0], &c, 1) != 1)
		return NULL;
	return dlopen("libcuda.so.1", RTLD_NOW);
}

/* A profiler library's constructor subscribes to CUPTI while kcprof's start, on another thread,
 * opens libcupti: that open waits for the loader's lock, which the constructor holds; kcprof
 * must not hold its CUPTI lock meanwhile, which the constructor's subscribe takes. */
static int mode_ctor_subscribe(const char *lib)
{
	alarm(20);
	int go[2], told[2];
	if (pipe(go) != 0 || pipe(told) != 0)
		return 4;
	int fds[2] = {go[0], told[1]};
	pthread_t t;
	if (pthread_create(&t, NULL, open_cuda_when_told, fds) != 0)
		return 4;
	pid_t tid;
	if (read(told[0], &tid, sizeof(tid)) != sizeof(tid))
		return 4;
	char v[32];
	snprintf(v, sizeof(v), "%d", go[1]);
	setenv("KCT_CTOR_GATE_FD", v, 1);
	snprintf(v, sizeof(v), "%d", (int)tid);
	setenv("KCT_TOUCH_TID", v, 1);
	return open_lib_then_launch(lib, "ctor_subscribe_result", 0 /* CUPTI_SUCCESS */, t);
}

static int mode_devices(int n, int k, int library)
{
	for (int d = 0; d < n; d++) {
		CUdevice dev;
		CUcontext ctx;
		if (cuDeviceGet(&dev, d) != CUDA_SUCCESS ||
		    cuDevicePrimaryCtxRetain(&ctx, dev) != CUDA_SUCCESS ||
		    cuCtxSetCurrent(ctx) != CUDA_SUCCESS)
			return 4;
		for (int i = 0; i < k; i++)
			CHECK(cuLaunchKernel(load_add(), 1, 1, 1, 64, 1, 1, 0, NULL, NULL, NULL),
			      CUDA_SUCCESS);
		CUlibrary lib;
		if (library)
			library_kern_add("sample.fatbin", &lib);
	}
	return 0;
}

/* A library's constructor runs under the loader's lock while kcprof's start, on another
 * thread, is inside its first cuptiSubscribe, which the stand-in holds until the constructor
 * has begun (FAKE_CUPTI_SUBSCRIBE_GATE, KCT_CTOR_GATE_FD; KCT_TOUCH_TID names that thread).
 * ctorprobe: the constructor looks for CUDA (the start then needs the loader's lock: libgcc_s
 * for backtrace, dlsym); ctorsubscribe-start: it subscribes to CUPTI, which takes kcprof's
 * CUPTI lock, held by the start around its subscribe, while that subscribe starts CUPTI
 * (which takes the loader's lock) unless CUPTI was started before. */
static int mode_ctor_gated(const char *lib, const char *answer, int want)
{
	alarm(20);
	int entered[2], gate[2], told[2];
	if (pipe(entered) != 0 || pipe(gate) != 0 || pipe(told) != 0)
		return 4;
	char v[64];
	snprintf(v, sizeof(v), "%d,%d", entered[1], gate[0]);
	setenv("FAKE_CUPTI_SUBSCRIBE_GATE", v, 1);
	snprintf(v, sizeof(v), "%d", gate[1]);
	setenv("KCT_CTOR_GATE_FD", v, 1);
	/* the thread held back until its tid is in the environment: no setenv while kcprof's
	 * start on it reads the environment */
	int go[2];
	if (pipe(go) != 0)
		return 4;
	int fds[2] = {go[0], told[1]};
	pthread_t t;
	pid_t tid;
	if (pthread_create(&t, NULL, open_cuda_when_told, fds) != 0 ||
	    read(told[0], &tid, sizeof(tid)) != sizeof(tid))
		return 4;
	snprintf(v, sizeof(v), "%d", (int)tid);
	setenv("KCT_TOUCH_TID", v, 1);
	char c = 1;
	if (write(go[1], &c, 1) != 1 || read(entered[0], &c, 1) != 1)
		return 4;
	return open_lib_then_launch(lib, answer, want, t);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: drv_client MODE ...\n");
		return 2;
	}
	const char *mode = argv[1];
	int rc = 0;
	if (getenv("FAKE_KEEP_ERRNO"))
		want_errno = 0;
	if (strcmp(mode, "paths") == 0 && argc > 2) {
		struct api a;
		fill_api(&a, argv[2]);
		scenario(&a);
		if (strcmp(argv[2], "procaddr_ptds") == 0) {
			/* the per-thread-stream entry point must be the one that ran */
			uint64_t (*ptsz)(void);
			*(void **)&ptsz =
			    dlsym(dlopen("libcuda.so.1", RTLD_NOW), "fake_ptsz_launches");
			if (ptsz() != 16) {
				fprintf(stderr,
					"drv_client: %lu launches reached cuLaunchKernel_ptsz, "
					"want 16\n",
					(unsigned long)ptsz());
				failures++;
			}
		}
	} else if (strcmp(mode, "threads") == 0 && argc > 3) {
		rc = mode_threads(atoi(argv[2]), atoi(argv[3]));
	} else if (strcmp(mode, "shapes") == 0) {
		rc = mode_shapes();
	} else if (strcmp(mode, "pdl") == 0 && argc > 2) {
		rc = mode_pdl(atoi(argv[2]));
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "private") == 0) {
		rc = mode_graph_private(0);
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "conditional") == 0) {
		rc = mode_graph_private(1);
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "child") == 0) {
		rc = mode_graph_child();
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "twomodules") == 0) {
		rc = mode_graph_two_modules();
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "update") == 0) {
		rc = mode_graph_update();
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "v11") == 0) {
		rc = mode_graph_v11();
	} else if (strcmp(mode, "graph") == 0 && argc > 2 && strcmp(argv[2], "kernel") == 0) {
		rc = mode_graph_kernel();
	} else if (strcmp(mode, "graph") == 0) {
		rc = mode_graph(argc > 2 && strcmp(argv[2], "procaddr") == 0,
				argc > 2 && strcmp(argv[2], "unseen") == 0);
	} else if (strcmp(mode, "badimage") == 0) {
		rc = mode_badimage();
	} else if (strcmp(mode, "fails") == 0 && argc > 2) {
		rc = mode_fails(atoi(argv[2]));
	} else if (strcmp(mode, "reload") == 0 && argc > 2) {
		rc = mode_reload(atoi(argv[2]));
	} else if (strcmp(mode, "churn") == 0 && argc > 4) {
		rc = mode_churn(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	} else if (strcmp(mode, "fork") == 0) {
		rc = mode_fork();
	} else if (strcmp(mode, "internal") == 0) {
		rc = mode_internal();
	} else if (strcmp(mode, "library") == 0) {
		rc = mode_library();
	} else if (strcmp(mode, "link") == 0) {
		rc = mode_link();
	} else if (strcmp(mode, "loadfile") == 0 && argc > 2) {
		rc = mode_loadfile(argv[2]);
	} else if (strcmp(mode, "nvccstep") == 0) {
		rc = mode_nvccstep(argc - 2, argv + 2);
	} else if (strcmp(mode, "libtwo") == 0) {
		rc = mode_libtwo();
	} else if (strcmp(mode, "loadonly") == 0 && argc > 2) {
		rc = mode_loadonly(argv[2]);
	} else if (strcmp(mode, "exec") == 0 && argc > 2) {
		rc = mode_exec(argv + 2);
	} else if (strcmp(mode, "graphthreads") == 0 && argc > 3) {
		rc = mode_graph_threads(atoi(argv[2]), atol(argv[3]));
	} else if (strcmp(mode, "graphbusy") == 0 && argc > 2) {
		rc = mode_graph_busy(atol(argv[2]));
	} else if (strcmp(mode, "busy") == 0 && argc > 2) {
		rc = mode_busy(atol(argv[2]));
	} else if (strcmp(mode, "hang") == 0 && argc > 2) {
		rc = mode_hang(atol(argv[2]));
	} else if (strcmp(mode, "devices") == 0 && argc > 3) {
		rc = mode_devices(atoi(argv[2]), atoi(argv[3]),
				  argc > 4 && strcmp(argv[4], "library") == 0);
	} else if (strcmp(mode, "ctorsubscribe") == 0 && argc > 2) {
		rc = mode_ctor_subscribe(argv[2]);
	} else if (strcmp(mode, "ctorprobe") == 0 && argc > 2) {
		rc = mode_ctor_gated(argv[2], "ctor_found_cuda", 1);
	} else if (strcmp(mode, "ctorsubscribe-start") == 0 && argc > 2) {
		rc = mode_ctor_gated(argv[2], "ctor_subscribe_result", 0 /* CUPTI_SUCCESS */);
	} else if (strcmp(mode, "mixed") == 0 && argc > 2) {
		rc = mode_mixed(atol(argv[2]));
	} else {
		fprintf(stderr, "drv_client: bad mode %s\n", mode);
		return 2;
	}
	if (failures)
		fprintf(stderr, "drv_client: %d check(s) failed\n", failures);
	return failures ? 3 : rc;
}
