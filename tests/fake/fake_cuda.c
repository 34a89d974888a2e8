/* fake_cuda.c - a stand-in libcuda.so.1 for CPU tests: the driver API surface kcprof hooks,
 * behaving enough like the real one (handles, errors, errno, per-thread-stream variants,
 * cuGetProcAddress tables) for the recorder to be tested without a GPU.
 *
 * It also stands in for what only CUPTI sees: every API call is announced to the stand-in
 * CUPTI (fake_cupti.c) at entry and exit, and fake_internal_*() reach the implementation
 * without passing any exported symbol, as cudart's private driver table does. NVRTC looks up
 * cuGetExportTable here: it answers CUDA_ERROR_NOT_SUPPORTED, which NVRTC accepts (a NULL
 * there crashed NVRTC: ../shared/gpu-facts.md).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NVJITLINK_NO_INLINE
#include <cuda.h>
#include <cupti.h>

#undef cuGetProcAddress
#define EXPORT __attribute__((visibility("default")))
/* The driver sets errno as it likes; the stand-in sets this after every call, so tests can
 * check that the recorder hands errno back untouched. With FAKE_KEEP_ERRNO set it leaves
 * errno alone, as a driver may, so that a recorder's own errno would show. */
#define FAKE_ERRNO EDOM
static int keep_errno;
#define SET_ERRNO()                                                                                \
	do {                                                                                       \
		if (!keep_errno)                                                                   \
			errno = FAKE_ERRNO;                                                        \
	} while (0)

struct fake_module {
	uint32_t magic;
	int is_library;
	size_t size;
	unsigned char *image;
};
struct fake_function {
	uint32_t magic;
	struct fake_module *mod;
	char name[256];
	uint64_t launches;
	int is_kernel;		      /* a CUkernel (cuLibraryGetKernel), launched as a function */
	struct fake_function *ctx_fn; /* a CUkernel's function in the context (graph nodes) */
};
#define MOD_MAGIC 0x6d6f6431u
#define FN_MAGIC 0x666e6331u

static uint64_t total_launches, ptsz_launches;
static unsigned next_module_id = 1;

/* ---- the stand-in CUPTI's hook -------------------------------------------------------------
 * The stand-in CUPTI registers itself here (whichever of the two libraries loads first finds
 * the other), so it is reached whatever scope it was opened in. */

typedef void (*emit_fn)(CUpti_CallbackDomain, CUpti_CallbackId, CUpti_ApiCallbackSite, const char *,
			const void *, const char *, CUresult *, uint64_t *);
typedef void (*emit_module_fn)(unsigned id, const void *cubin, size_t size);
/* A kernel ran: the stand-in CUPTI makes an activity record of it, when asked for them. */
typedef void (*emit_kernel_fn)(const char *name, unsigned gx, CUstream stream, int pdl);
static emit_fn emit_api;
static emit_module_fn emit_module;
static emit_kernel_fn emit_kernel;

EXPORT void fake_set_cupti(emit_fn api, emit_module_fn module, emit_kernel_fn kernel)
{
	__atomic_store_n(&emit_api, api, __ATOMIC_RELEASE);
	__atomic_store_n(&emit_module, module, __ATOMIC_RELEASE);
	__atomic_store_n(&emit_kernel, kernel, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void find_cupti(void)
{
	keep_errno = getenv("FAKE_KEEP_ERRNO") != NULL;
	void *h = dlopen("libcupti.so.13", RTLD_LAZY | RTLD_NOLOAD);
	void (*reg)(void) = h ? (void (*)(void))dlsym(h, "fakecupti_register") : NULL;
	if (reg)
		reg();
}

static emit_fn emitter(void)
{
	return __atomic_load_n(&emit_api, __ATOMIC_ACQUIRE);
}

#define API_ENTER(name, params, sym)                                                               \
	uint64_t corr_ = 0;                                                                        \
	CUresult ret_ = CUDA_SUCCESS;                                                              \
	if (emitter())                                                                             \
	emitter()(CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_##name, CUPTI_API_ENTER,     \
		  #name, params, sym, &ret_, &corr_)
#define API_EXIT(name, params, sym, r)                                                             \
	do {                                                                                       \
		ret_ = (r);                                                                        \
		if (emitter())                                                                     \
			emitter()(CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_##name,      \
				  CUPTI_API_EXIT, #name, params, sym, &ret_, &corr_);              \
		SET_ERRNO();                                                                       \
		return ret_;                                                                       \
	} while (0)

static void module_loaded(struct fake_module *m)
{
	emit_module_fn fn = __atomic_load_n(&emit_module, __ATOMIC_ACQUIRE);
	if (fn)
		fn(__atomic_fetch_add(&next_module_id, 1, __ATOMIC_RELAXED), m->image, m->size);
}

/* ---- images ------------------------------------------------------------------------------- */

static size_t image_size(const void *image)
{
	const unsigned char *p = image;
	if (memcmp(p, "\177ELF", 4) == 0) {
		/* Section headers end the files nvcc writes. An ELF claiming more than 256 MB is
		 * refused (0) before anything past its header is read, as the driver would. */
		uint64_t shoff;
		uint16_t shentsize, shnum;
		memcpy(&shoff, p + 0x28, 8);
		memcpy(&shentsize, p + 0x3a, 2);
		memcpy(&shnum, p + 0x3c, 2);
		uint64_t end = shoff + (uint64_t)shentsize * shnum;
		return end > (256u << 20) ? 0 : end;
	}
	uint32_t magic;
	memcpy(&magic, p, 4);
	if (magic == 0xBA55ED50u) {
		uint16_t hs;
		uint64_t fs;
		memcpy(&hs, p + 6, 2);
		memcpy(&fs, p + 8, 8);
		return hs + fs;
	}
	return strlen(image) + 1;
}

static CUresult make_module(const void *image, size_t size, int is_library,
			    struct fake_module **out)
{
	if (!image || !out)
		return CUDA_ERROR_INVALID_VALUE;
	if (size == 0 || (size >= 8 && memcmp(image, "INVALID!", 8) == 0))
		return CUDA_ERROR_INVALID_IMAGE;
	struct fake_module *m = calloc(1, sizeof(*m));
	m->magic = MOD_MAGIC;
	m->is_library = is_library;
	m->size = size;
	m->image = malloc(size);
	memcpy(m->image, image, size);
	/* PTX is JIT-compiled by a real driver: take a little time, as it would. */
	if (size > 8 && memcmp(image, "\177ELF", 4) != 0 &&
	    strstr((const char *)m->image, ".version")) {
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	module_loaded(m);
	*out = m;
	return CUDA_SUCCESS;
}

static CUresult load_file(const char *path, int is_library, struct fake_module **out)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return CUDA_ERROR_FILE_NOT_FOUND;
	/* to its end, as a stream: a FIFO has no size to ask for */
	size_t got = 0, cap = 65536;
	unsigned char *buf = malloc(cap + 1);
	size_t nr;
	while ((nr = fread(buf + got, 1, cap - got, f)) > 0)
		if ((got += nr) == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	buf[got] = 0;
	fclose(f);
	CUresult r = make_module(buf, got, is_library, out);
	free(buf);
	return r;
}

static CUresult get_function(struct fake_module *m, const char *name, struct fake_function **out)
{
	if (!m || m->magic != MOD_MAGIC || !name || !out)
		return CUDA_ERROR_INVALID_HANDLE;
	if (strncmp(name, "missing", 7) == 0)
		return CUDA_ERROR_NOT_FOUND;
	struct fake_function *f = calloc(1, sizeof(*f));
	f->magic = FN_MAGIC;
	f->mod = m;
	snprintf(f->name, sizeof(f->name), "%s", name);
	*out = f;
	return CUDA_SUCCESS;
}

static CUresult capture_launch(CUstream stream, struct fake_function *f, unsigned gx, int *taken);

static CUresult do_launch(CUfunction fn, unsigned gx, CUstream stream, int pdl)
{
	struct fake_function *f = (struct fake_function *)fn;
	if (!f || f->magic != FN_MAGIC)
		return CUDA_ERROR_INVALID_HANDLE;
	int captured = 0;
	CUresult cr = capture_launch(stream, f, gx, &captured);
	if (captured)
		return cr; /* into the graph being captured, not run */
	__atomic_fetch_add(&f->launches, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&total_launches, 1, __ATOMIC_RELAXED);
	emit_kernel_fn k = __atomic_load_n(&emit_kernel, __ATOMIC_ACQUIRE);
	if (k)
		k(f->name, gx, stream, pdl);
	return CUDA_SUCCESS;
}

/* Programmatic dependent launch asked for in a cuLaunchKernelEx config. */
static int config_pdl(const CUlaunchConfig *c)
{
	for (unsigned i = 0; c && i < c->numAttrs; i++)
		if (c->attrs[i].id == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION &&
		    c->attrs[i].value.programmaticStreamSerializationAllowed)
			return 1;
	return 0;
}

/* ---- exported driver API ------------------------------------------------------------------ */

EXPORT CUresult cuInit(unsigned int flags)
{
	(void)flags;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int *v)
{
	if (v)
		*v = 13000;
	return CUDA_SUCCESS;
}

/* FAKE_DEVICES devices (8), each with its primary context; a thread's current context as the
 * driver keeps it (none at first). */
#define FAKE_DEVICES 8
EXPORT CUresult cuDeviceGet(CUdevice *dev, int ordinal)
{
	*dev = ordinal;
	return ordinal >= 0 && ordinal < FAKE_DEVICES ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

static int fake_contexts[FAKE_DEVICES];
static __thread CUcontext fake_current;
EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice dev)
{
	if (dev < 0 || dev >= FAKE_DEVICES)
		return CUDA_ERROR_INVALID_DEVICE;
	*ctx = (CUcontext)&fake_contexts[dev];
	return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSetCurrent(CUcontext ctx)
{
	if (!ctx)
		return CUDA_ERROR_INVALID_CONTEXT;
	fake_current = ctx;
	return CUDA_SUCCESS;
}

/* These two set errno even under FAKE_KEEP_ERRNO: the recorder calls them at each load, and
 * must hand errno back as the program left it. */
EXPORT CUresult cuCtxGetCurrent(CUcontext *ctx)
{
	errno = FAKE_ERRNO;
	*ctx = fake_current;
	return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetDevice(CUdevice *dev)
{
	errno = FAKE_ERRNO;
	if (!fake_current)
		return CUDA_ERROR_INVALID_CONTEXT;
	*dev = (CUdevice)((int *)fake_current - fake_contexts);
	return CUDA_SUCCESS;
}
EXPORT CUresult cuCtxSynchronize(void)
{
	return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n)
{
	*p = (CUdeviceptr)(uintptr_t)malloc(n);
	return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

EXPORT CUresult cuGetExportTable(const void **table, const CUuuid *id)
{
	(void)table;
	(void)id;
	return CUDA_ERROR_NOT_SUPPORTED;
}

EXPORT CUresult cuModuleLoad(CUmodule *module, const char *fname)
{
	cuModuleLoad_params p = {module, fname};
	API_ENTER(cuModuleLoad, &p, NULL);
	struct fake_module *m = NULL;
	CUresult r = load_file(fname, 0, &m);
	if (r == CUDA_SUCCESS)
		*module = (CUmodule)m;
	API_EXIT(cuModuleLoad, &p, NULL, r);
}

static CUresult load_data_impl(CUmodule *module, const void *image)
{
	cuModuleLoadData_params p = {module, image};
	API_ENTER(cuModuleLoadData, &p, NULL);
	struct fake_module *m = NULL;
	CUresult r =
	    image ? make_module(image, image_size(image), 0, &m) : CUDA_ERROR_INVALID_VALUE;
	if (r == CUDA_SUCCESS)
		*module = (CUmodule)m;
	API_EXIT(cuModuleLoadData, &p, NULL, r);
}

EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image)
{
	return load_data_impl(module, image);
}

EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int n,
				   CUjit_option *o, void **v)
{
	cuModuleLoadDataEx_params p = {module, image, n, o, v};
	API_ENTER(cuModuleLoadDataEx, &p, NULL);
	struct fake_module *m = NULL;
	CUresult r =
	    image ? make_module(image, image_size(image), 0, &m) : CUDA_ERROR_INVALID_VALUE;
	if (r == CUDA_SUCCESS)
		*module = (CUmodule)m;
	API_EXIT(cuModuleLoadDataEx, &p, NULL, r);
}

EXPORT CUresult cuModuleLoadFatBinary(CUmodule *module, const void *fat)
{
	cuModuleLoadFatBinary_params p = {module, fat};
	API_ENTER(cuModuleLoadFatBinary, &p, NULL);
	struct fake_module *m = NULL;
	CUresult r = fat ? make_module(fat, image_size(fat), 0, &m) : CUDA_ERROR_INVALID_VALUE;
	if (r == CUDA_SUCCESS)
		*module = (CUmodule)m;
	API_EXIT(cuModuleLoadFatBinary, &p, NULL, r);
}

EXPORT CUresult cuModuleUnload(CUmodule hmod)
{
	cuModuleUnload_params p = {hmod};
	API_ENTER(cuModuleUnload, &p, NULL);
	struct fake_module *m = (struct fake_module *)hmod;
	CUresult r = CUDA_ERROR_INVALID_HANDLE;
	if (m && m->magic == MOD_MAGIC) {
		m->magic = 0; /* the handle memory is kept: addresses are not reused in tests */
		r = CUDA_SUCCESS;
	}
	API_EXIT(cuModuleUnload, &p, NULL, r);
}

EXPORT CUresult cuLibraryLoadData(CUlibrary *library, const void *code, CUjit_option *jo, void **jv,
				  unsigned int nj, CUlibraryOption *lo, void **lv, unsigned int nl)
{
	cuLibraryLoadData_params p = {library, code, jo, jv, nj, lo, lv, nl};
	API_ENTER(cuLibraryLoadData, &p, NULL);
	struct fake_module *m = NULL;
	CUresult r = code ? make_module(code, image_size(code), 1, &m) : CUDA_ERROR_INVALID_VALUE;
	if (r == CUDA_SUCCESS)
		*library = (CUlibrary)m;
	API_EXIT(cuLibraryLoadData, &p, NULL, r);
}

EXPORT CUresult cuLibraryLoadFromFile(CUlibrary *library, const char *file, CUjit_option *jo,
				      void **jv, unsigned int nj, CUlibraryOption *lo, void **lv,
				      unsigned int nl)
{
	cuLibraryLoadFromFile_params p = {library, file, jo, jv, nj, lo, lv, nl};
	API_ENTER(cuLibraryLoadFromFile, &p, NULL);
	struct fake_module *m = NULL;
	CUresult r = load_file(file, 1, &m);
	if (r == CUDA_SUCCESS)
		*library = (CUlibrary)m;
	API_EXIT(cuLibraryLoadFromFile, &p, NULL, r);
}

EXPORT CUresult cuLibraryUnload(CUlibrary library)
{
	cuLibraryUnload_params p = {library};
	API_ENTER(cuLibraryUnload, &p, NULL);
	struct fake_module *m = (struct fake_module *)library;
	CUresult r = m && m->magic == MOD_MAGIC ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
	if (r == CUDA_SUCCESS)
		m->magic = 0;
	API_EXIT(cuLibraryUnload, &p, NULL, r);
}

EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)
{
	cuModuleGetFunction_params p = {hfunc, hmod, name};
	API_ENTER(cuModuleGetFunction, &p, NULL);
	struct fake_function *f = NULL;
	CUresult r = get_function((struct fake_module *)hmod, name, &f);
	if (r == CUDA_SUCCESS)
		*hfunc = (CUfunction)f;
	API_EXIT(cuModuleGetFunction, &p, NULL, r);
}

EXPORT CUresult cuLibraryGetKernel(CUkernel *pKernel, CUlibrary library, const char *name)
{
	cuLibraryGetKernel_params p = {pKernel, library, name};
	API_ENTER(cuLibraryGetKernel, &p, NULL);
	struct fake_function *f = NULL;
	CUresult r = get_function((struct fake_module *)library, name, &f);
	if (r == CUDA_SUCCESS) {
		f->is_kernel = 1;
		*pKernel = (CUkernel)f;
	}
	API_EXIT(cuLibraryGetKernel, &p, NULL, r);
}

EXPORT CUresult cuKernelGetFunction(CUfunction *pFunc, CUkernel kernel)
{
	cuKernelGetFunction_params p = {pFunc, kernel};
	API_ENTER(cuKernelGetFunction, &p, NULL);
	struct fake_function *k = (struct fake_function *)kernel, *f = NULL;
	CUresult r = k && k->magic == FN_MAGIC ? get_function(k->mod, k->name, &f)
					       : CUDA_ERROR_INVALID_HANDLE;
	if (r == CUDA_SUCCESS)
		*pFunc = (CUfunction)f;
	API_EXIT(cuKernelGetFunction, &p, NULL, r);
}

static const char *fn_name(CUfunction f)
{
	struct fake_function *ff = (struct fake_function *)f;
	return ff && ff->magic == FN_MAGIC ? ff->name : NULL;
}

#define LAUNCH_BODY(cbid)                                                                          \
	cbid##_params p = {f, gx, gy, gz, bx, by, bz, smem, s, kp, ex};                            \
	API_ENTER(cbid, &p, fn_name(f));                                                           \
	API_EXIT(cbid, &p, fn_name(f), do_launch(f, gx, s, 0))

EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
			       unsigned by, unsigned bz, unsigned smem, CUstream s, void **kp,
			       void **ex)
{
	LAUNCH_BODY(cuLaunchKernel);
}

EXPORT CUresult cuLaunchKernel_ptsz(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
				    unsigned bx, unsigned by, unsigned bz, unsigned smem,
				    CUstream s, void **kp, void **ex)
{
	__atomic_fetch_add(&ptsz_launches, 1, __ATOMIC_RELAXED);
	LAUNCH_BODY(cuLaunchKernel_ptsz);
}

EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *c, CUfunction f, void **kp, void **ex)
{
	cuLaunchKernelEx_params p = {c, f, kp, ex};
	API_ENTER(cuLaunchKernelEx, &p, fn_name(f));
	API_EXIT(cuLaunchKernelEx, &p, fn_name(f),
		 c ? do_launch(f, c->gridDimX, c->hStream, config_pdl(c))
		   : CUDA_ERROR_INVALID_VALUE);
}

EXPORT CUresult cuLaunchKernelEx_ptsz(const CUlaunchConfig *c, CUfunction f, void **kp, void **ex)
{
	cuLaunchKernelEx_ptsz_params p = {c, f, kp, ex};
	API_ENTER(cuLaunchKernelEx_ptsz, &p, fn_name(f));
	API_EXIT(cuLaunchKernelEx_ptsz, &p, fn_name(f),
		 c ? do_launch(f, c->gridDimX, c->hStream, config_pdl(c))
		   : CUDA_ERROR_INVALID_VALUE);
}

EXPORT CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
					  unsigned bx, unsigned by, unsigned bz, unsigned smem,
					  CUstream s, void **kp)
{
	cuLaunchCooperativeKernel_params p = {f, gx, gy, gz, bx, by, bz, smem, s, kp};
	API_ENTER(cuLaunchCooperativeKernel, &p, fn_name(f));
	API_EXIT(cuLaunchCooperativeKernel, &p, fn_name(f), do_launch(f, gx, s, 0));
}

/* ---- cuLink: the output is a made-up but stable image of the inputs ------------------------ */

struct fake_link {
	unsigned char out[4096];
	size_t len;
};

EXPORT CUresult cuLinkCreate_v2(unsigned int n, CUjit_option *o, void **v, CUlinkState *state)
{
	(void)n;
	(void)o;
	(void)v;
	struct fake_link *l = calloc(1, sizeof(*l));
	memcpy(l->out, "FAKECUBIN:", 10);
	l->len = 10;
	*state = (CUlinkState)l;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuLinkAddData_v2(CUlinkState state, CUjitInputType type, void *data, size_t size,
				 const char *name, unsigned int n, CUjit_option *o, void **v)
{
	(void)type;
	(void)name;
	(void)n;
	(void)o;
	(void)v;
	struct fake_link *l = (struct fake_link *)state;
	for (size_t i = 0; i < size && l->len < sizeof(l->out); i++)
		l->out[l->len++] = ((unsigned char *)data)[i] ^ 0x5a;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuLinkAddFile_v2(CUlinkState state, CUjitInputType type, const char *path,
				 unsigned int n, CUjit_option *o, void **v)
{
	(void)state;
	(void)type;
	(void)n;
	(void)o;
	(void)v;
	return path ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuLinkComplete(CUlinkState state, void **cubin, size_t *size)
{
	struct fake_link *l = (struct fake_link *)state;
	*cubin = l->out;
	*size = l->len;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuLinkDestroy(CUlinkState state)
{
	free(state);
	return CUDA_SUCCESS;
}

/* ---- CUDA graphs: captures, kernel and child-graph nodes, executable graphs ----------------
 * Enough of the graph API for the recorder's graph hooks: a stream being captured takes its
 * launches as kernel nodes; an executable graph is a copy of its graph's node list (child
 * graphs by reference, as the driver clones them), and each launch of it runs every kernel. */

#define GRAPH_MAGIC 0x67726631u
#define NODE_MAGIC 0x6e6f6431u
#define EXEC_MAGIC 0x65786331u
#define GRAPH_MAX_NODES 256

struct fake_node {
	uint32_t magic;
	CUgraphNodeType type;
	struct fake_function *fn; /* kernel node */
	unsigned gx;
	struct fake_graph *child; /* child graph node */
};
struct fake_graph {
	uint32_t magic;
	unsigned n;
	struct fake_node *nodes[GRAPH_MAX_NODES];
};
struct fake_exec {
	uint32_t magic;
	unsigned n;
	struct fake_node nodes[GRAPH_MAX_NODES];
};

static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	CUstream stream;
	struct fake_graph *graph;
} captures[8];

static struct fake_graph *graph_alloc(void)
{
	struct fake_graph *g = calloc(1, sizeof(*g));
	g->magic = GRAPH_MAGIC;
	return g;
}

static CUresult graph_add(struct fake_graph *g, CUgraphNodeType type, struct fake_function *fn,
			  unsigned gx, struct fake_graph *child, CUgraphNode *out)
{
	if (!g || g->magic != GRAPH_MAGIC)
		return CUDA_ERROR_INVALID_HANDLE;
	if (g->n == GRAPH_MAX_NODES)
		return CUDA_ERROR_OUT_OF_MEMORY;
	struct fake_node *nd = calloc(1, sizeof(*nd));
	*nd = (struct fake_node){NODE_MAGIC, type, fn, gx, child};
	g->nodes[g->n++] = nd;
	if (out)
		*out = (CUgraphNode)nd;
	return CUDA_SUCCESS;
}

static CUresult capture_launch(CUstream stream, struct fake_function *f, unsigned gx, int *taken)
{
	CUresult r = CUDA_SUCCESS;
	*taken = 0;
	if (!stream)
		return r;
	pthread_mutex_lock(&capture_lock);
	for (int i = 0; i < 8; i++)
		if (captures[i].graph && captures[i].stream == stream) {
			/* As the driver does, a node holds a launched CUkernel's function in the
			 * context: another handle than the one launched. */
			if (f->is_kernel && !f->ctx_fn)
				get_function(f->mod, f->name, &f->ctx_fn);
			r = graph_add(captures[i].graph, CU_GRAPH_NODE_TYPE_KERNEL,
				      f->is_kernel ? f->ctx_fn : f, gx, NULL, NULL);
			*taken = 1;
			break;
		}
	pthread_mutex_unlock(&capture_lock);
	return r;
}

EXPORT CUresult cuStreamBeginCapture_v2(CUstream s, CUstreamCaptureMode mode)
{
	(void)mode;
	CUresult r = CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&capture_lock);
	for (int i = 0; s && i < 8; i++)
		if (!captures[i].graph) {
			captures[i].stream = s;
			captures[i].graph = graph_alloc();
			r = CUDA_SUCCESS;
			break;
		}
	pthread_mutex_unlock(&capture_lock);
	SET_ERRNO();
	return r;
}

static CUresult end_capture(CUstream s, CUgraph *out)
{
	CUresult r = CUDA_ERROR_ILLEGAL_STATE;
	pthread_mutex_lock(&capture_lock);
	for (int i = 0; i < 8; i++)
		if (captures[i].graph && captures[i].stream == s) {
			*out = (CUgraph)captures[i].graph;
			captures[i].graph = NULL;
			r = CUDA_SUCCESS;
			break;
		}
	pthread_mutex_unlock(&capture_lock);
	SET_ERRNO();
	return r;
}
EXPORT CUresult cuStreamEndCapture(CUstream s, CUgraph *out)
{
	return end_capture(s, out);
}
EXPORT CUresult cuStreamEndCapture_ptsz(CUstream s, CUgraph *out)
{
	return end_capture(s, out);
}

EXPORT CUresult cuGraphCreate(CUgraph *out, unsigned int flags)
{
	(void)flags;
	*out = (CUgraph)graph_alloc();
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphAddKernelNode_v2(CUgraphNode *out, CUgraph g, const CUgraphNode *deps,
					size_t ndeps, const CUDA_KERNEL_NODE_PARAMS *p)
{
	(void)deps, (void)ndeps;
	struct fake_function *f = (struct fake_function *)p->func;
	CUresult r = f && f->magic == FN_MAGIC
			 ? graph_add((struct fake_graph *)g, CU_GRAPH_NODE_TYPE_KERNEL, f,
				     p->gridDimX, NULL, out)
			 : CUDA_ERROR_INVALID_VALUE;
	SET_ERRNO();
	return r;
}

EXPORT CUresult cuGraphAddChildGraphNode(CUgraphNode *out, CUgraph g, const CUgraphNode *deps,
					 size_t ndeps, CUgraph child)
{
	(void)deps, (void)ndeps;
	CUresult r = graph_add((struct fake_graph *)g, CU_GRAPH_NODE_TYPE_GRAPH, NULL, 0,
			       (struct fake_graph *)child, out);
	SET_ERRNO();
	return r;
}

EXPORT CUresult cuGraphAddEmptyNode(CUgraphNode *out, CUgraph g, const CUgraphNode *deps,
				    size_t ndeps)
{
	(void)deps, (void)ndeps;
	CUresult r =
	    graph_add((struct fake_graph *)g, CU_GRAPH_NODE_TYPE_EMPTY, NULL, 0, NULL, out);
	SET_ERRNO();
	return r;
}

/* A conditional node (CUDA 12.4): the stand-in runs nothing for it. */
EXPORT CUresult fake_add_conditional_node(CUgraph g)
{
	CUresult r =
	    graph_add((struct fake_graph *)g, CU_GRAPH_NODE_TYPE_CONDITIONAL, NULL, 0, NULL, NULL);
	SET_ERRNO();
	return r;
}

EXPORT CUresult cuGraphGetNodes(CUgraph hg, CUgraphNode *nodes, size_t *n)
{
	struct fake_graph *g = (struct fake_graph *)hg;
	if (!g || g->magic != GRAPH_MAGIC || !n)
		return CUDA_ERROR_INVALID_HANDLE;
	if (!nodes) {
		*n = g->n;
	} else {
		size_t k = *n < g->n ? *n : g->n;
		for (size_t i = 0; i < k; i++)
			nodes[i] = (CUgraphNode)g->nodes[i];
		*n = k;
	}
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphNodeGetType(CUgraphNode hn, CUgraphNodeType *type)
{
	struct fake_node *nd = (struct fake_node *)hn;
	if (!nd || nd->magic != NODE_MAGIC)
		return CUDA_ERROR_INVALID_HANDLE;
	*type = nd->type;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphKernelNodeGetParams_v2(CUgraphNode hn, CUDA_KERNEL_NODE_PARAMS *p)
{
	struct fake_node *nd = (struct fake_node *)hn;
	if (!nd || nd->magic != NODE_MAGIC || nd->type != CU_GRAPH_NODE_TYPE_KERNEL)
		return CUDA_ERROR_INVALID_VALUE;
	memset(p, 0, sizeof(*p));
	p->func = (CUfunction)nd->fn;
	p->gridDimX = nd->gx;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphChildGraphNodeGetGraph(CUgraphNode hn, CUgraph *out)
{
	struct fake_node *nd = (struct fake_node *)hn;
	if (!nd || nd->magic != NODE_MAGIC || nd->type != CU_GRAPH_NODE_TYPE_GRAPH)
		return CUDA_ERROR_INVALID_VALUE;
	*out = (CUgraph)nd->child;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncGetName(const char **name, CUfunction hfunc)
{
	struct fake_function *f = (struct fake_function *)hfunc;
	if (!f || f->magic != FN_MAGIC)
		return CUDA_ERROR_INVALID_HANDLE;
	*name = f->name;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncGetModule(CUmodule *mod, CUfunction hfunc)
{
	struct fake_function *f = (struct fake_function *)hfunc;
	if (!f || f->magic != FN_MAGIC)
		return CUDA_ERROR_INVALID_HANDLE;
	*mod = (CUmodule)f->mod;
	SET_ERRNO();
	return CUDA_SUCCESS;
}

static CUresult exec_fill(struct fake_exec *e, struct fake_graph *g)
{
	if (!g || g->magic != GRAPH_MAGIC)
		return CUDA_ERROR_INVALID_HANDLE;
	e->magic = EXEC_MAGIC;
	e->n = g->n;
	for (unsigned i = 0; i < g->n; i++)
		e->nodes[i] = *g->nodes[i];
	return CUDA_SUCCESS;
}

static CUresult instantiate(CUgraphExec *out, CUgraph g)
{
	struct fake_exec *e = calloc(1, sizeof(*e));
	CUresult r = exec_fill(e, (struct fake_graph *)g);
	if (r == CUDA_SUCCESS)
		*out = (CUgraphExec)e;
	else
		free(e);
	SET_ERRNO();
	return r;
}

EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec *out, CUgraph g, unsigned long long flags)
{
	(void)flags;
	return instantiate(out, g);
}
EXPORT CUresult cuGraphInstantiateWithParams(CUgraphExec *out, CUgraph g,
					     CUDA_GRAPH_INSTANTIATE_PARAMS *p)
{
	CUresult r = instantiate(out, g);
	if (p)
		p->result_out = r == CUDA_SUCCESS ? CUDA_GRAPH_INSTANTIATE_SUCCESS
						  : CUDA_GRAPH_INSTANTIATE_ERROR;
	SET_ERRNO();
	return r;
}
EXPORT CUresult cuGraphInstantiateWithParams_ptsz(CUgraphExec *out, CUgraph g,
						  CUDA_GRAPH_INSTANTIATE_PARAMS *p)
{
	return cuGraphInstantiateWithParams(out, g, p);
}

/* CUDA 11's: five-argument instantiate, four-argument update. cuGetProcAddress hands these
 * out (their static bodies, as the real driver hands out its own) to callers asking for a
 * version before 12000. */
static CUresult instantiate_v1(CUgraphExec *out, CUgraph g, CUgraphNode *err, char *log, size_t n)
{
	if (err)
		*err = NULL;
	if (log && n)
		log[0] = '\0';
	return instantiate(out, g);
}
#undef cuGraphInstantiate
#undef cuGraphExecUpdate
EXPORT CUresult cuGraphInstantiate(CUgraphExec *out, CUgraph g, CUgraphNode *err, char *log,
				   size_t n)
{
	return instantiate_v1(out, g, err, log, n);
}
EXPORT CUresult cuGraphInstantiate_v2(CUgraphExec *out, CUgraph g, CUgraphNode *err, char *log,
				      size_t n)
{
	return instantiate_v1(out, g, err, log, n);
}

static CUresult exec_update_v1(CUgraphExec he, CUgraph g, CUgraphNode *err,
			       CUgraphExecUpdateResult *res)
{
	struct fake_exec *e = (struct fake_exec *)he;
	CUresult r = e && e->magic == EXEC_MAGIC ? exec_fill(e, (struct fake_graph *)g)
						 : CUDA_ERROR_INVALID_HANDLE;
	if (err)
		*err = NULL;
	if (res)
		*res =
		    r == CUDA_SUCCESS ? CU_GRAPH_EXEC_UPDATE_SUCCESS : CU_GRAPH_EXEC_UPDATE_ERROR;
	SET_ERRNO();
	return r;
}
EXPORT CUresult cuGraphExecUpdate(CUgraphExec he, CUgraph g, CUgraphNode *err,
				  CUgraphExecUpdateResult *res)
{
	return exec_update_v1(he, g, err, res);
}

EXPORT CUresult cuGraphExecUpdate_v2(CUgraphExec he, CUgraph g, CUgraphExecUpdateResultInfo *info)
{
	struct fake_exec *e = (struct fake_exec *)he;
	CUresult r = e && e->magic == EXEC_MAGIC ? exec_fill(e, (struct fake_graph *)g)
						 : CUDA_ERROR_INVALID_HANDLE;
	if (info)
		memset(info, 0, sizeof(*info));
	SET_ERRNO();
	return r;
}

EXPORT CUresult cuGraphExecDestroy(CUgraphExec he)
{
	struct fake_exec *e = (struct fake_exec *)he;
	if (!e || e->magic != EXEC_MAGIC) {
		SET_ERRNO();
		return CUDA_ERROR_INVALID_HANDLE;
	}
	e->magic = 0;
	free(e);
	SET_ERRNO();
	return CUDA_SUCCESS;
}

static void run_nodes(const struct fake_node *nodes, unsigned n, CUstream s, int depth)
{
	for (unsigned i = 0; i < n; i++) {
		if (nodes[i].type == CU_GRAPH_NODE_TYPE_KERNEL)
			do_launch((CUfunction)nodes[i].fn, nodes[i].gx, NULL, 0);
		else if (nodes[i].type == CU_GRAPH_NODE_TYPE_GRAPH && depth < 8)
			for (unsigned k = 0; k < nodes[i].child->n; k++)
				run_nodes(nodes[i].child->nodes[k], 1, s, depth + 1);
	}
}

static CUresult graph_launch(CUgraphExec he, CUstream s)
{
	struct fake_exec *e = (struct fake_exec *)he;
	CUresult r = CUDA_ERROR_INVALID_HANDLE;
	if (e && e->magic == EXEC_MAGIC) {
		run_nodes(e->nodes, e->n, s, 0);
		r = CUDA_SUCCESS;
	}
	SET_ERRNO();
	return r;
}
EXPORT CUresult cuGraphLaunch(CUgraphExec he, CUstream s)
{
	return graph_launch(he, s);
}
EXPORT CUresult cuGraphLaunch_ptsz(CUgraphExec he, CUstream s)
{
	__atomic_fetch_add(&ptsz_launches, 1, __ATOMIC_RELAXED);
	return graph_launch(he, s);
}

/* ---- cuGetProcAddress --------------------------------------------------------------------- */

struct entry {
	const char *name;
	void *fn;
	void *ptsz;
};
EXPORT CUresult cuGetProcAddress_v2(const char *symbol, void **pfn, int ver, cuuint64_t flags,
				    CUdriverProcAddressQueryResult *status);
EXPORT CUresult cuGetProcAddress(const char *symbol, void **pfn, int ver, cuuint64_t flags);

static const struct entry entries[] = {
    {"cuInit", (void *)cuInit, NULL},
    {"cuDriverGetVersion", (void *)cuDriverGetVersion, NULL},
    {"cuGetProcAddress", (void *)cuGetProcAddress_v2, NULL},
    {"cuModuleLoad", (void *)cuModuleLoad, NULL},
    {"cuModuleLoadData", (void *)cuModuleLoadData, NULL},
    {"cuModuleLoadDataEx", (void *)cuModuleLoadDataEx, NULL},
    {"cuModuleLoadFatBinary", (void *)cuModuleLoadFatBinary, NULL},
    {"cuModuleUnload", (void *)cuModuleUnload, NULL},
    {"cuModuleGetFunction", (void *)cuModuleGetFunction, NULL},
    {"cuLibraryLoadData", (void *)cuLibraryLoadData, NULL},
    {"cuLibraryLoadFromFile", (void *)cuLibraryLoadFromFile, NULL},
    {"cuLibraryUnload", (void *)cuLibraryUnload, NULL},
    {"cuLibraryGetKernel", (void *)cuLibraryGetKernel, NULL},
    {"cuKernelGetFunction", (void *)cuKernelGetFunction, NULL},
    {"cuLaunchKernel", (void *)cuLaunchKernel, (void *)cuLaunchKernel_ptsz},
    {"cuLaunchKernelEx", (void *)cuLaunchKernelEx, (void *)cuLaunchKernelEx_ptsz},
    {"cuLaunchCooperativeKernel", (void *)cuLaunchCooperativeKernel, NULL},
    {"cuLinkCreate", (void *)cuLinkCreate_v2, NULL},
    {"cuLinkAddData", (void *)cuLinkAddData_v2, NULL},
    {"cuLinkComplete", (void *)cuLinkComplete, NULL},
    {"cuLinkDestroy", (void *)cuLinkDestroy, NULL},
    {"cuStreamBeginCapture", (void *)cuStreamBeginCapture_v2, NULL},
    {"cuStreamEndCapture", (void *)cuStreamEndCapture, (void *)cuStreamEndCapture_ptsz},
    {"cuGraphCreate", (void *)cuGraphCreate, NULL},
    {"cuGraphAddKernelNode", (void *)cuGraphAddKernelNode_v2, NULL},
    {"cuGraphAddChildGraphNode", (void *)cuGraphAddChildGraphNode, NULL},
    {"cuGraphInstantiate", (void *)cuGraphInstantiateWithFlags, NULL},
    {"cuGraphInstantiateWithFlags", (void *)cuGraphInstantiateWithFlags, NULL},
    {"cuGraphInstantiateWithParams", (void *)cuGraphInstantiateWithParams,
     (void *)cuGraphInstantiateWithParams_ptsz},
    {"cuGraphExecUpdate", (void *)cuGraphExecUpdate_v2, NULL},
    {"cuGraphExecDestroy", (void *)cuGraphExecDestroy, NULL},
    {"cuGraphLaunch", (void *)cuGraphLaunch, (void *)cuGraphLaunch_ptsz},
};

EXPORT CUresult cuGetProcAddress_v2(const char *symbol, void **pfn, int ver, cuuint64_t flags,
				    CUdriverProcAddressQueryResult *status)
{
	/* CUDA 11 callers get CUDA 11's functions under these names */
	void *v1 = ver >= 12000				       ? NULL
		   : strcmp(symbol, "cuGraphInstantiate") == 0 ? (void *)instantiate_v1
		   : strcmp(symbol, "cuGraphExecUpdate") == 0  ? (void *)exec_update_v1
							       : NULL;
	if (v1) {
		*pfn = v1;
		if (status)
			*status = CU_GET_PROC_ADDRESS_SUCCESS;
		SET_ERRNO();
		return CUDA_SUCCESS;
	}
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (strcmp(entries[i].name, symbol) != 0)
			continue;
		*pfn = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) && entries[i].ptsz
			   ? entries[i].ptsz
			   : entries[i].fn;
		if (status)
			*status = CU_GET_PROC_ADDRESS_SUCCESS;
		SET_ERRNO();
		return CUDA_SUCCESS;
	}
	*pfn = NULL;
	if (status)
		*status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
	SET_ERRNO();
	return CUDA_ERROR_NOT_FOUND;
}

EXPORT CUresult cuGetProcAddress(const char *symbol, void **pfn, int ver, cuuint64_t flags)
{
	return cuGetProcAddress_v2(symbol, pfn, ver, flags, NULL);
}

/* ---- what only CUPTI sees, and what tests ask of the stand-in ------------------------------ */

/* As cudart does: straight to the implementation, no exported symbol on the way. */
EXPORT CUresult fake_internal_load(CUmodule *module, const void *image)
{
	return load_data_impl(module, image);
}

EXPORT CUresult fake_internal_launch(CUfunction f, unsigned gx, unsigned bx)
{
	cuLaunchKernel_params p = {f, gx, 1, 1, bx, 1, 1, 0, NULL, NULL, NULL};
	API_ENTER(cuLaunchKernel, &p, fn_name(f));
	API_EXIT(cuLaunchKernel, &p, fn_name(f), do_launch(f, gx, NULL, 0));
}

EXPORT CUresult fake_internal_instantiate(CUgraphExec *out, CUgraph g)
{
	return instantiate(out, g);
}

EXPORT CUresult fake_internal_get_function(CUfunction *hfunc, CUmodule hmod, const char *name)
{
	cuModuleGetFunction_params p = {hfunc, hmod, name};
	API_ENTER(cuModuleGetFunction, &p, NULL);
	struct fake_function *f = NULL;
	CUresult r = get_function((struct fake_module *)hmod, name, &f);
	if (r == CUDA_SUCCESS)
		*hfunc = (CUfunction)f;
	API_EXIT(cuModuleGetFunction, &p, NULL, r);
}

EXPORT uint64_t fake_ptsz_launches(void)
{
	return __atomic_load_n(&ptsz_launches, __ATOMIC_RELAXED);
}
EXPORT uint64_t fake_total_launches(void)
{
	return __atomic_load_n(&total_launches, __ATOMIC_RELAXED);
}
EXPORT uint64_t fake_function_launches(CUfunction f)
{
	return ((struct fake_function *)f)->launches;
}
