/* hooks_module.c - module and library loads, unloads, and the calls that name functions.
 *
 * A load is recorded once, by whichever path saw the API call: the symbol hooks here, or
 * CUPTI's API callback (cupti.c) when the call passed no hook; both end in kcp_load_end().
 * Each record carries the image's hash, kind, size, kernel names and the time spent in the
 * driver (for PTX that is the JIT), and the image itself goes to the store once.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "kcp.h"

#define DOMAIN "module"
#define MAX_NAMES 4096 /* kernel names kept per record; a fatbin can hold thousands */

/* ---- handle -> image hash ----------------------------------------------------------------- */

struct module {
	uint64_t handle;
	uint64_t hash;
	UT_hash_handle hh;
};
static struct module *modules;
static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;

static void module_put(uint64_t handle, uint64_t hash)
{
	kcp_lock(&module_lock);
	struct module *m;
	HASH_FIND(hh, modules, &handle, sizeof(handle), m);
	if (!m && (m = malloc(sizeof(*m)))) {
		m->handle = handle;
		HASH_ADD(hh, modules, handle, sizeof(handle), m);
	}
	if (m)
		m->hash = hash;
	kcp_unlock(&module_lock);
}

static void module_drop(uint64_t handle)
{
	kcp_lock(&module_lock);
	struct module *m;
	HASH_FIND(hh, modules, &handle, sizeof(handle), m);
	if (m) {
		HASH_DEL(modules, m);
		free(m);
	}
	kcp_unlock(&module_lock);
}

uint64_t kcp_module_hash(uint64_t handle)
{
	uint64_t h = 0;
	kcp_lock(&module_lock);
	struct module *m;
	HASH_FIND(hh, modules, &handle, sizeof(handle), m);
	if (m)
		h = m->hash;
	kcp_unlock(&module_lock);
	return h;
}

void kcp_module_atfork_prepare(void)
{
	kcp_lock(&module_lock);
}
void kcp_module_atfork_parent(void)
{
	kcp_unlock(&module_lock);
}
void kcp_module_atfork_child(void)
{
	kcp_unlock(&module_lock);
}

/* ---- JIT options as text ------------------------------------------------------------------ */

static const char *jit_option_name(unsigned o)
{
	static const char *const names[] = {
	    [CU_JIT_MAX_REGISTERS] = "MAX_REGISTERS",
	    [CU_JIT_THREADS_PER_BLOCK] = "THREADS_PER_BLOCK",
	    [CU_JIT_WALL_TIME] = "WALL_TIME",
	    [CU_JIT_INFO_LOG_BUFFER] = "INFO_LOG_BUFFER",
	    [CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES] = "INFO_LOG_BUFFER_SIZE_BYTES",
	    [CU_JIT_ERROR_LOG_BUFFER] = "ERROR_LOG_BUFFER",
	    [CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES] = "ERROR_LOG_BUFFER_SIZE_BYTES",
	    [CU_JIT_OPTIMIZATION_LEVEL] = "OPTIMIZATION_LEVEL",
	    [CU_JIT_TARGET_FROM_CUCONTEXT] = "TARGET_FROM_CUCONTEXT",
	    [CU_JIT_TARGET] = "TARGET",
	    [CU_JIT_FALLBACK_STRATEGY] = "FALLBACK_STRATEGY",
	    [CU_JIT_GENERATE_DEBUG_INFO] = "GENERATE_DEBUG_INFO",
	    [CU_JIT_LOG_VERBOSE] = "LOG_VERBOSE",
	    [CU_JIT_GENERATE_LINE_INFO] = "GENERATE_LINE_INFO",
	    [CU_JIT_CACHE_MODE] = "CACHE_MODE",
	    [CU_JIT_POSITION_INDEPENDENT_CODE] = "POSITION_INDEPENDENT_CODE",
	    [CU_JIT_MIN_CTA_PER_SM] = "MIN_CTA_PER_SM",
	    [CU_JIT_MAX_THREADS_PER_BLOCK] = "MAX_THREADS_PER_BLOCK",
	    [CU_JIT_OVERRIDE_DIRECTIVE_VALUES] = "OVERRIDE_DIRECTIVE_VALUES",
	};
	return o < sizeof(names) / sizeof(names[0]) ? names[o] : NULL;
}

/* Options whose value is an output or a pointer: the name alone is kept. */
static int jit_option_is_pointer(unsigned o)
{
	return o == CU_JIT_INFO_LOG_BUFFER || o == CU_JIT_ERROR_LOG_BUFFER || o == CU_JIT_WALL_TIME;
}

void kcp_jit_option_str(char *buf, size_t cap, unsigned opt, void *const *vals, unsigned i)
{
	const char *name = jit_option_name(opt);
	if (jit_option_is_pointer(opt) || !vals)
		snprintf(buf, cap, "CU_JIT_%s", name ? name : "?");
	else if (name)
		snprintf(buf, cap, "CU_JIT_%s=%lu", name, (unsigned long)(uintptr_t)vals[i]);
	else
		snprintf(buf, cap, "CU_JIT_%u=%lu", opt, (unsigned long)(uintptr_t)vals[i]);
}

static void jit_options(struct kc_recbuf *rb, unsigned n, const CUjit_option *opts,
			void *const *vals)
{
	for (unsigned i = 0; opts && i < n && i < 64; i++) {
		char buf[96];
		kcp_jit_option_str(buf, sizeof(buf), (unsigned)opts[i], vals, i);
		kc_rb_list_add(rb, buf);
	}
}

/* ---- image bytes -------------------------------------------------------------------------- */

struct image {
	const uint8_t *data; /* NULL when only hashed */
	size_t size;
	uint64_t hash;
	unsigned kind;
	void *owned; /* data read from a file */
};

/* The whole file in memory when it is small enough to store, else hashed in pieces. */
static int image_from_file(struct image *im, const char *path)
{
	/* a FIFO the driver read from has no writer left: opening it must not wait for one */
	size_t size;
	int fd = kc_open_regular(path, &size);
	if (fd < 0)
		return fd;
	int rc = 0;
	if (size <= kcp_cfg.max_image) {
		uint8_t *buf = malloc(size ? size : 1);
		size_t got = buf ? kc_read_full(fd, buf, size) : 0;
		if (!buf || got != size) {
			free(buf);
			rc = -EIO;
		} else {
			im->data = im->owned = buf;
			im->size = size;
			im->hash = kc_hash64(buf, size);
			im->kind = kc_image_detect(buf, size);
		}
	} else {
		enum { HEAD = 4096 }; /* what kc_image_detect reads of PTX */
		uint8_t *head = malloc(HEAD);
		rc = head ? kc_hash64_fd(fd, &im->hash, &im->size, head, HEAD) : -ENOMEM;
		if (rc == 0)
			im->kind = kc_image_detect(head, im->size < HEAD ? im->size : HEAD);
		free(head);
	}
	close(fd);
	return rc;
}

static void image_from_memory(struct image *im, const void *image)
{
	const void *p = kc_image_unwrap(image);
	unsigned kind = kc_image_detect(p, 4096);
	if (kind == KC_IMAGE_UNKNOWN) /* short PTX, or bytes we do not know */
		kind = kc_image_detect(p, strnlen(p, 4096));
	size_t size = kc_image_size(p, kind);
	im->kind = kind;
	if (size) {
		im->data = p;
		im->size = size;
		im->hash = kc_hash64(p, size);
	}
}

struct names_ctx {
	struct kc_recbuf *rb;
	unsigned n;
};
static int add_name(const char *name, size_t len, void *ctx)
{
	struct names_ctx *c = ctx;
	kc_rb_list_addn(c->rb, name, len);
	return ++c->n >= MAX_NAMES;
}

/* ---- loads -------------------------------------------------------------------------------- */

/* The context a load goes into: the thread's current one, and its device, asked of the driver
 * (cuCtxGetCurrent, cuCtxGetDevice: never hooked). The two are found at a load outside the
 * driver only (dlsym takes the loader's lock); a load inside it (a lazy one) comes after a
 * library's load outside it, which found them. ctx_get_device is published last: seen set,
 * ctx_get_current is too. */
static _Atomic(void *) ctx_get_current, ctx_get_device;
static _Atomic int ctx_lookup_failed; /* libcuda there, the two not in it */

static void load_context_resolve(void)
{
	if (atomic_load_explicit(&ctx_get_device, memory_order_acquire) ||
	    atomic_load_explicit(&ctx_lookup_failed, memory_order_relaxed))
		return;
	int saved = errno;
	void *current = kcp_real_cuda_sym("cuCtxGetCurrent");
	void *device = kcp_real_cuda_sym("cuCtxGetDevice");
	if (current && device) {
		atomic_store_explicit(&ctx_get_current, current, memory_order_release);
		atomic_store_explicit(&ctx_get_device, device, memory_order_release);
	} else {
		if (kcp_real_cuda_sym("cuInit"))
			atomic_store_explicit(&ctx_lookup_failed, 1, memory_order_relaxed);
		(void)dlerror(); /* the failed lookup's, not the program's */
	}
	errno = saved;
}

static void load_context(struct kcp_load_token *tok, int in_driver)
{
	tok->device = -1;
	if (!in_driver)
		load_context_resolve();
	CUresult (*device)(CUdevice *);
	CUresult (*current)(CUcontext *);
	*(void **)&device = atomic_load_explicit(&ctx_get_device, memory_order_acquire);
	*(void **)&current = atomic_load_explicit(&ctx_get_current, memory_order_relaxed);
	if (!device)
		return;
	int saved = errno; /* the driver's calls may set it; the program's must not see that */
	CUcontext ctx = NULL;
	CUdevice dev;
	if (current(&ctx) == CUDA_SUCCESS && ctx) {
		tok->context = (uint64_t)(uintptr_t)ctx;
		if (device(&dev) == CUDA_SUCCESS)
			tok->device = dev;
	}
	errno = saved;
}

/* The load's context, written just before its MODULE_LOAD (the next one of this thread, with
 * the same handle). */
static void write_load_context(const struct kcp_load_token *tok, uint64_t handle)
{
	struct kc_rec_load_context rec = {
	    .h = {.type = KC_REC_LOAD_CONTEXT, .tid = kcp_tid(), .time_ns = kcp_now_ns()},
	    .context = tok->context,
	    .handle = handle,
	    .device = tok->device};
	kc_rec_seal(&rec.h, sizeof(rec));
	kcp_rec_write(&rec, sizeof(rec));
}

void kcp_load_begin(struct kcp_load_token *tok, int in_driver)
{
	kcp_callsite(KC_REC_MODULE_LOAD, in_driver); /* before the clock starts */
	memset(tok, 0, sizeof(*tok));
	load_context(tok, in_driver);
	tok->outer = kcp_tls.pending;
	kcp_tls.pending = &tok->pending;
	tok->t0 = kcp_now_ns();
}

void kcp_load_end(struct kcp_load_token *tok, const struct kcp_load_args *a, uint64_t handle,
		  int is_library, CUresult result)
{
	uint64_t t1 = kcp_now_ns();
	kcp_tls.pending = tok->outer;
	struct image im = {0};
	unsigned flags = is_library ? KC_MODF_LIBRARY : 0;
	if (a->file) {
		if (image_from_file(&im, a->file) < 0)
			flags |= KC_MODF_NO_IMAGE;
	} else if (a->image && result == CUDA_SUCCESS) {
		/* An image in memory has no size: it is read from its own headers, which only an
		 * image the driver accepted can be trusted for. A refused one is recorded without.
		 */
		image_from_memory(&im, a->image);
	}
	if (im.hash == 0)
		flags |= KC_MODF_NO_IMAGE;
	if (result == CUDA_SUCCESS && im.data)
		flags |= kcp_image_store(im.data, im.size, im.hash, im.kind);

	_Alignas(8) uint8_t mem[8192];
	struct kc_recbuf rb;
	struct kc_rec_module_load rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.handle = handle;
	rec.hash = im.hash;
	rec.size = im.size;
	rec.duration_ns = t1 - tok->t0;
	rec.loaded_hash = tok->pending.loaded_hash;
	rec.api = a->api;
	rec.kind = im.kind;
	rec.result = (int32_t)result;
	rec.path = a->path;
	rec.flags = (uint16_t)flags;
	if (a->file)
		rec.file = kc_rb_str(&rb, a->file);
	struct names_ctx nc = {&rb, 0};
	kc_rb_list_begin(&rb);
	if (im.data)
		kc_image_kernels(im.data, im.size, im.kind, add_name, &nc);
	if (nc.n == 0 && tok->pending.loaded_image) /* e.g. PTX: the cubin the driver made */
		kc_image_kernels(tok->pending.loaded_image, tok->pending.loaded_size,
				 KC_IMAGE_CUBIN, add_name, &nc);
	rec.names = kc_rb_list_end(&rb);
	kc_rb_list_begin(&rb);
	jit_options(&rb, a->nopts, a->opts, a->optvals);
	rec.jit_options = kc_rb_list_end(&rb);
	if (tok->context && !is_library) /* a CUlibrary serves every context */
		write_load_context(tok, handle);
	kcp_rec_emit(&rb, &rec, KC_REC_MODULE_LOAD);
	kc_rb_release(&rb);
	free(im.owned);
	if (result == CUDA_SUCCESS && handle)
		module_put(handle, im.hash);
	atomic_fetch_add(&kcp_count_loads, 1);
}

void kcp_module_loaded(uint64_t module, const void *cubin, size_t size)
{
	(void)module;
	uint64_t hash = cubin && size ? kc_hash64(cubin, size) : 0;
	struct kcp_pending_load *p = kcp_tls.pending;
	if (p) {
		/* Inside a load call on this thread: that call's record gets the cubin. */
		p->loaded_hash = hash;
		p->loaded_image = cubin;
		p->loaded_size = size;
		return;
	}
	/* The driver loaded a module inside some other call (lazy loading, or a load API that
	 * neither the hooks nor the API callbacks saw): a load of its own. */
	struct kcp_load_token tok;
	kcp_load_begin(&tok, 1);
	tok.t0 = kcp_now_ns();
	struct kcp_load_args a = {.api = KC_API_LAZY, .path = KC_PATH_CUPTI, .image = cubin};
	kcp_load_end(&tok, &a, 0, 0, CUDA_SUCCESS);
}

void kcp_module_unloaded(uint64_t handle, int is_library, uint16_t path, CUresult result)
{
	struct kc_rec_module_unload rec = {
	    .h = {.type = KC_REC_MODULE_UNLOAD, .tid = kcp_tid(), .time_ns = kcp_now_ns()},
	    .handle = handle,
	    .path = path,
	    .flags = is_library ? KC_MODF_LIBRARY : 0,
	    .result = (int32_t)result};
	kc_rec_seal(&rec.h, sizeof(rec));
	kcp_rec_write(&rec, sizeof(rec));
	if (result == CUDA_SUCCESS)
		module_drop(handle);
	/* Counts of this module's functions go out now: the handles may be reused. */
	kcp_launch_flush(1);
}

/* ---- hook bodies -------------------------------------------------------------------------- */

/* Runs one load hook: the real call inside begin/end, errno kept as the driver left it. */
#define KCP_LOAD_HOOK(real_call, handle_expr, is_lib, ...)                                         \
	do {                                                                                       \
		struct kcp_load_token tok;                                                         \
		kcp_load_begin(&tok, 0);                                                           \
		CUresult r = real_call;                                                            \
		int saved = errno;                                                                 \
		struct kcp_load_args a = {__VA_ARGS__};                                            \
		kcp_load_end(&tok, &a, r == CUDA_SUCCESS ? (uint64_t)(uintptr_t)(handle_expr) : 0, \
			     is_lib, r);                                                           \
		errno = saved;                                                                     \
		kcp_leave();                                                                       \
		return r;                                                                          \
	} while (0)

#define KCP_NO_REAL CUDA_ERROR_NOT_INITIALIZED

CUresult kcp_module_load(struct kcp_call call, CUmodule *module, const char *fname)
{
	__typeof__(&cuModuleLoad) real = KCP_REAL(call, cuModuleLoad);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(module, fname);
	kcp_cuda_touched();
	KCP_LOAD_HOOK(real(module, fname), module ? *module : NULL, 0, .api = KC_API_MODULE_LOAD,
		      .path = call.path, .file = fname);
}

CUresult kcp_module_load_data(struct kcp_call call, CUmodule *module, const void *image)
{
	__typeof__(&cuModuleLoadData) real = KCP_REAL(call, cuModuleLoadData);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(module, image);
	kcp_cuda_touched();
	KCP_LOAD_HOOK(real(module, image), module ? *module : NULL, 0,
		      .api = KC_API_MODULE_LOAD_DATA, .path = call.path, .image = image);
}

CUresult kcp_module_load_data_ex(struct kcp_call call, CUmodule *module, const void *image,
				 unsigned int numOptions, CUjit_option *options,
				 void **optionValues)
{
	__typeof__(&cuModuleLoadDataEx) real = KCP_REAL(call, cuModuleLoadDataEx);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(module, image, numOptions, options, optionValues);
	kcp_cuda_touched();
	KCP_LOAD_HOOK(real(module, image, numOptions, options, optionValues),
		      module ? *module : NULL, 0, .api = KC_API_MODULE_LOAD_DATA_EX,
		      .path = call.path, .image = image, .nopts = numOptions, .opts = options,
		      .optvals = optionValues);
}

CUresult kcp_module_load_fat_binary(struct kcp_call call, CUmodule *module, const void *fatCubin)
{
	__typeof__(&cuModuleLoadFatBinary) real = KCP_REAL(call, cuModuleLoadFatBinary);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(module, fatCubin);
	kcp_cuda_touched();
	KCP_LOAD_HOOK(real(module, fatCubin), module ? *module : NULL, 0,
		      .api = KC_API_MODULE_LOAD_FAT_BINARY, .path = call.path, .image = fatCubin);
}

CUresult kcp_library_load_data(struct kcp_call call, CUlibrary *library, const void *code,
			       CUjit_option *jitOptions, void **jitOptionsValues,
			       unsigned int numJitOptions, CUlibraryOption *libraryOptions,
			       void **libraryOptionValues, unsigned int numLibraryOptions)
{
	__typeof__(&cuLibraryLoadData) real = KCP_REAL(call, cuLibraryLoadData);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(library, code, jitOptions, jitOptionsValues, numJitOptions,
			    libraryOptions, libraryOptionValues, numLibraryOptions);
	kcp_cuda_touched();
	KCP_LOAD_HOOK(real(library, code, jitOptions, jitOptionsValues, numJitOptions,
			   libraryOptions, libraryOptionValues, numLibraryOptions),
		      library ? *library : NULL, 1, .api = KC_API_LIBRARY_LOAD_DATA,
		      .path = call.path, .image = code, .nopts = numJitOptions, .opts = jitOptions,
		      .optvals = jitOptionsValues);
}

CUresult kcp_library_load_from_file(struct kcp_call call, CUlibrary *library, const char *fileName,
				    CUjit_option *jitOptions, void **jitOptionsValues,
				    unsigned int numJitOptions, CUlibraryOption *libraryOptions,
				    void **libraryOptionValues, unsigned int numLibraryOptions)
{
	__typeof__(&cuLibraryLoadFromFile) real = KCP_REAL(call, cuLibraryLoadFromFile);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(library, fileName, jitOptions, jitOptionsValues, numJitOptions,
			    libraryOptions, libraryOptionValues, numLibraryOptions);
	kcp_cuda_touched();
	KCP_LOAD_HOOK(real(library, fileName, jitOptions, jitOptionsValues, numJitOptions,
			   libraryOptions, libraryOptionValues, numLibraryOptions),
		      library ? *library : NULL, 1, .api = KC_API_LIBRARY_LOAD_FROM_FILE,
		      .path = call.path, .file = fileName, .nopts = numJitOptions,
		      .opts = jitOptions, .optvals = jitOptionsValues);
}

CUresult kcp_module_unload(struct kcp_call call, CUmodule hmod)
{
	__typeof__(&cuModuleUnload) real = KCP_REAL(call, cuModuleUnload);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(hmod);
	CUresult r = real(hmod);
	int saved = errno;
	kcp_module_unloaded((uint64_t)(uintptr_t)hmod, 0, call.path, r);
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_library_unload(struct kcp_call call, CUlibrary library)
{
	__typeof__(&cuLibraryUnload) real = KCP_REAL(call, cuLibraryUnload);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(library);
	CUresult r = real(library);
	int saved = errno;
	kcp_module_unloaded((uint64_t)(uintptr_t)library, 1, call.path, r);
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_module_get_function(struct kcp_call call, CUfunction *hfunc, CUmodule hmod,
				 const char *name)
{
	__typeof__(&cuModuleGetFunction) real = KCP_REAL(call, cuModuleGetFunction);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(hfunc, hmod, name);
	CUresult r = real(hfunc, hmod, name);
	int saved = errno;
	if (r == CUDA_SUCCESS && hfunc)
		kcp_func_note((uint64_t)(uintptr_t)*hfunc, name, (uint64_t)(uintptr_t)hmod,
			      KC_API_MODULE_GET_FUNCTION, call.path);
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_library_get_kernel(struct kcp_call call, CUkernel *pKernel, CUlibrary library,
				const char *name)
{
	__typeof__(&cuLibraryGetKernel) real = KCP_REAL(call, cuLibraryGetKernel);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(pKernel, library, name);
	CUresult r = real(pKernel, library, name);
	int saved = errno;
	if (r == CUDA_SUCCESS && pKernel)
		kcp_func_note((uint64_t)(uintptr_t)*pKernel, name, (uint64_t)(uintptr_t)library,
			      KC_API_LIBRARY_GET_KERNEL, call.path);
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_kernel_get_function(struct kcp_call call, CUfunction *pFunc, CUkernel kernel)
{
	__typeof__(&cuKernelGetFunction) real = KCP_REAL(call, cuKernelGetFunction);
	if (!real)
		return KCP_NO_REAL;
	if (!kcp_enter())
		return real(pFunc, kernel);
	CUresult r = real(pFunc, kernel);
	int saved = errno;
	if (r == CUDA_SUCCESS && pFunc)
		kcp_func_alias((uint64_t)(uintptr_t)*pFunc, (uint64_t)(uintptr_t)kernel, call.path);
	errno = saved;
	kcp_leave();
	return r;
}
