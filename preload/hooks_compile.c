/* hooks_compile.c - run-time compiles: NVRTC, libNVVM, nvJitLink and the driver's cuLink.
 *
 * Each compile becomes one COMPILE record: its options (the -D values that make variants),
 * its time, and the hashes of what went in and came out, with those images stored so that
 * two variants can be diffed later. State between the calls of one compile (program source,
 * link inputs) is kept per handle.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "kcp.h"

#define DOMAIN "compile"
#define MAX_INPUTS 64

/* ---- per-handle state --------------------------------------------------------------------- */

struct session {
	uintptr_t handle;
	unsigned tool;
	char *name;
	uint64_t source_hash;
	char **options;
	unsigned noptions;
	char *inputs[MAX_INPUTS];
	unsigned ninputs;
	UT_hash_handle hh;
};
static struct session *sessions;
static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;

static void session_free(struct session *s)
{
	free(s->name);
	for (unsigned i = 0; i < s->noptions; i++)
		free(s->options[i]);
	free(s->options);
	for (unsigned i = 0; i < s->ninputs; i++)
		free(s->inputs[i]);
	free(s);
}

static struct session *session_new(uintptr_t handle, unsigned tool)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->handle = handle;
	s->tool = tool;
	kcp_lock(&session_lock);
	struct session *old;
	HASH_FIND(hh, sessions, &handle, sizeof(handle), old);
	if (old) {
		HASH_DEL(sessions, old);
		session_free(old);
	}
	HASH_ADD(hh, sessions, handle, sizeof(handle), s);
	kcp_unlock(&session_lock);
	return s;
}

/* Sessions are used by one thread at a time (the APIs say so); the lock guards the table. */
static struct session *session_get(uintptr_t handle)
{
	struct session *s;
	kcp_lock(&session_lock);
	HASH_FIND(hh, sessions, &handle, sizeof(handle), s);
	kcp_unlock(&session_lock);
	return s;
}

static void session_drop(uintptr_t handle)
{
	struct session *s;
	kcp_lock(&session_lock);
	HASH_FIND(hh, sessions, &handle, sizeof(handle), s);
	if (s)
		HASH_DEL(sessions, s);
	kcp_unlock(&session_lock);
	if (s)
		session_free(s);
}

/* A handle the program destroyed (0: none): its state dropped, errno as the call left it. */
static void session_end(uintptr_t handle)
{
	if (!handle || !kcp_enter())
		return;
	int saved = errno;
	session_drop(handle);
	errno = saved;
	kcp_leave();
}

static void session_set_options(struct session *s, unsigned n, const char *const *opts)
{
	if (!opts)
		return;
	s->options = calloc(n ? n : 1, sizeof(char *));
	if (!s->options)
		return;
	for (unsigned i = 0; i < n; i++)
		if (opts[i])
			s->options[s->noptions++] = strdup(opts[i]);
}

/* An input image: stored, and named "<hash>.<ext>" in the record. */
static void session_add_data(struct session *s, const void *data, size_t size, unsigned kind)
{
	if (!s || s->ninputs >= MAX_INPUTS || !data || !size)
		return;
	if (kind == KC_IMAGE_UNKNOWN)
		kind = kc_image_detect(data, size);
	if (kind ==
	    KC_IMAGE_PTX) /* PTX is its text: the same hash as at a load or NVRTC's output */
		size = strnlen(data, size);
	uint64_t h = kc_hash64(data, size);
	kcp_image_store(data, size, h, kind);
	char buf[40], hex[17];
	snprintf(buf, sizeof(buf), "%s.%s", kc_hash_hex(h, hex), kc_image_kind_ext(kind));
	s->inputs[s->ninputs++] = strdup(buf);
}

static void session_add_file(struct session *s, const char *path)
{
	if (s && path && s->ninputs < MAX_INPUTS)
		s->inputs[s->ninputs++] = strdup(path);
}

/* ---- the record --------------------------------------------------------------------------- */

struct output {
	uint64_t hash;
	unsigned kind;
};

static struct output store_output(const void *data, size_t size, unsigned kind)
{
	struct output o = {0, kind};
	if (!data || !size)
		return o;
	o.hash = kc_hash64(data, size);
	kcp_image_store(data, size, o.hash, kind);
	return o;
}

static void write_compile(unsigned tool, const char *name, unsigned nopt, const char *const *opts,
			  char *const *inputs, unsigned ninputs, uint64_t input_hash,
			  struct output out, struct output ptx, uint64_t duration, int result)
{
	_Alignas(8) uint8_t mem[8192];
	struct kc_recbuf rb;
	struct kc_rec_compile rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.duration_ns = duration;
	rec.input_hash = input_hash;
	rec.output_hash = out.hash ? out.hash : ptx.hash;
	rec.ptx_hash = out.hash ? ptx.hash : 0;
	rec.tool = tool;
	rec.result = result;
	rec.name = kc_rb_str(&rb, name);
	kc_rb_list_begin(&rb);
	for (unsigned i = 0; opts && i < nopt; i++)
		kc_rb_list_add(&rb, opts[i]);
	rec.options = kc_rb_list_end(&rb);
	kc_rb_list_begin(&rb);
	for (unsigned i = 0; inputs && i < ninputs; i++)
		kc_rb_list_add(&rb, inputs[i]);
	rec.inputs = kc_rb_list_end(&rb);
	kcp_rec_emit(&rb, &rec, KC_REC_COMPILE);
	kc_rb_release(&rb);
	atomic_fetch_add(&kcp_count_compiles, 1);
}

/* A library function that kcprof calls but does not hook (NVRTC's getters). */
static void *helper_fn(enum kcp_lib lib, unsigned any_id, const char *name)
{
	void *p = kcp_real_dlsym(RTLD_NEXT, name);
	if (!p) {
		/* The program opened the library itself: look next to a hooked function. */
		Dl_info info;
		void *real = atomic_load(&kcp_real_ptr[any_id]);
		if (real && dladdr(real, &info) && info.dli_fname) {
			void *h = kcp_real_dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
			if (h) {
				p = kcp_real_dlsym(h, name);
				dlclose(h);
			}
		}
	}
	(void)lib;
	if (!p)
		(void)dlerror();
	return p;
}

/* ---- NVRTC -------------------------------------------------------------------------------- */

nvrtcResult kcp_nvrtc_create_program(struct kcp_call call, nvrtcProgram *prog, const char *src,
				     const char *name, int numHeaders, const char *const *headers,
				     const char *const *includeNames)
{
	__typeof__(&nvrtcCreateProgram) real = KCP_REAL(call, nvrtcCreateProgram);
	if (!real)
		return NVRTC_ERROR_INTERNAL_ERROR;
	if (!kcp_enter())
		return real(prog, src, name, numHeaders, headers, includeNames);
	nvrtcResult r = real(prog, src, name, numHeaders, headers, includeNames);
	int saved = errno;
	if (r == NVRTC_SUCCESS && prog) {
		struct session *s = session_new((uintptr_t)*prog, KC_TOOL_NVRTC);
		if (s) {
			s->name = strdup(name ? name : "default_program");
			if (src) {
				size_t len = strlen(src);
				s->source_hash = kc_hash64(src, len);
				kcp_image_store(src, len, s->source_hash, KC_IMAGE_SOURCE);
			}
			for (int i = 0; headers && includeNames && i < numHeaders; i++)
				if (headers[i])
					session_add_data(s, headers[i], strlen(headers[i]),
							 KC_IMAGE_SOURCE);
		}
	}
	errno = saved;
	kcp_leave();
	return r;
}

nvrtcResult kcp_nvrtc_compile_program(struct kcp_call call, nvrtcProgram prog, int numOptions,
				      const char *const *options)
{
	__typeof__(&nvrtcCompileProgram) real = KCP_REAL(call, nvrtcCompileProgram);
	if (!real)
		return NVRTC_ERROR_INTERNAL_ERROR;
	if (!kcp_enter())
		return real(prog, numOptions, options);
	kcp_callsite(KC_REC_COMPILE, 0); /* before the clock starts */
	uint64_t t0 = kcp_now_ns();
	nvrtcResult r = real(prog, numOptions, options);
	uint64_t t1 = kcp_now_ns();
	int saved = errno;
	struct output cubin = {0, KC_IMAGE_CUBIN}, ptx = {0, KC_IMAGE_PTX};
	if (r == NVRTC_SUCCESS) {
		/* Read the outputs as the program will: these getters only copy. */
		__typeof__(&nvrtcGetCUBINSize) cubin_size =
		    helper_fn(KCP_LIB_NVRTC, call.id, "nvrtcGetCUBINSize");
		__typeof__(&nvrtcGetCUBIN) get_cubin =
		    helper_fn(KCP_LIB_NVRTC, call.id, "nvrtcGetCUBIN");
		__typeof__(&nvrtcGetPTXSize) ptx_size =
		    helper_fn(KCP_LIB_NVRTC, call.id, "nvrtcGetPTXSize");
		__typeof__(&nvrtcGetPTX) get_ptx = helper_fn(KCP_LIB_NVRTC, call.id, "nvrtcGetPTX");
		size_t n = 0;
		if (cubin_size && get_cubin && cubin_size(prog, &n) == NVRTC_SUCCESS && n) {
			char *buf = malloc(n);
			if (buf && get_cubin(prog, buf) == NVRTC_SUCCESS)
				cubin = store_output(buf, n, KC_IMAGE_CUBIN);
			free(buf);
		}
		n = 0;
		if (ptx_size && get_ptx && ptx_size(prog, &n) == NVRTC_SUCCESS && n) {
			char *buf = malloc(n);
			if (buf && get_ptx(prog, buf) == NVRTC_SUCCESS)
				ptx = store_output(buf, strnlen(buf, n), KC_IMAGE_PTX);
			free(buf);
		}
	}
	struct session *s = session_get((uintptr_t)prog);
	write_compile(KC_TOOL_NVRTC, s && s->name ? s->name : "",
		      (unsigned)(numOptions > 0 ? numOptions : 0), options, s ? s->inputs : NULL,
		      s ? s->ninputs : 0, s ? s->source_hash : 0, cubin, ptx, t1 - t0, (int)r);
	errno = saved;
	kcp_leave();
	return r;
}

nvrtcResult kcp_nvrtc_destroy_program(struct kcp_call call, nvrtcProgram *prog)
{
	__typeof__(&nvrtcDestroyProgram) real = KCP_REAL(call, nvrtcDestroyProgram);
	if (!real)
		return NVRTC_ERROR_INTERNAL_ERROR;
	uintptr_t handle = prog ? (uintptr_t)*prog : 0;
	nvrtcResult r = real(prog);
	session_end(handle);
	return r;
}

/* ---- libNVVM ------------------------------------------------------------------------------ */

/* A module added to an NVVM program: LLVM IR as text (what numba writes) or bitcode (libdevice,
 * added lazily). The first text module is the program's source: what two builds are diffed by. */
nvvmResult kcp_nvvm_create_program(struct kcp_call call, nvvmProgram *prog)
{
	__typeof__(&nvvmCreateProgram) real = KCP_REAL(call, nvvmCreateProgram);
	if (!real)
		return NVVM_ERROR_INVALID_PROGRAM;
	if (!kcp_enter())
		return real(prog);
	nvvmResult r = real(prog);
	int saved = errno;
	if (r == NVVM_SUCCESS && prog)
		session_new((uintptr_t)*prog, KC_TOOL_NVVM);
	errno = saved;
	kcp_leave();
	return r;
}

static int llvm_bitcode(const char *p, size_t size)
{
	static const unsigned char raw[4] = {'B', 'C', 0xc0, 0xde},
				   wrapped[4] = {0xde, 0xc0, 0x17, 0x0b};
	return size >= 4 && (memcmp(p, raw, 4) == 0 || memcmp(p, wrapped, 4) == 0);
}

nvvmResult kcp_nvvm_add_module(struct kcp_call call, nvvmProgram prog, const char *buffer,
			       size_t size, const char *name)
{
	__typeof__(&nvvmAddModuleToProgram) real = kcp_real_get(call);
	if (!real)
		return NVVM_ERROR_INVALID_PROGRAM;
	if (!kcp_enter())
		return real(prog, buffer, size, name);
	nvvmResult r = real(prog, buffer, size, name);
	int saved = errno;
	struct session *s = r == NVVM_SUCCESS ? session_get((uintptr_t)prog) : NULL;
	if (s && buffer && size) {
		int text = !llvm_bitcode(buffer, size);
		if (text)
			size = strnlen(buffer, size);
		if (text && !s->source_hash) {
			s->source_hash = kc_hash64(buffer, size);
			kcp_image_store(buffer, size, s->source_hash, KC_IMAGE_NVVM_IR);
			if (!s->name && name && *name)
				s->name = strdup(name);
		} else {
			session_add_data(s, buffer, size, text ? KC_IMAGE_NVVM_IR : KC_IMAGE_LTOIR);
		}
	}
	errno = saved;
	kcp_leave();
	return r;
}

nvvmResult kcp_nvvm_compile_program(struct kcp_call call, nvvmProgram prog, int numOptions,
				    const char **options)
{
	__typeof__(&nvvmCompileProgram) real = KCP_REAL(call, nvvmCompileProgram);
	if (!real)
		return NVVM_ERROR_INVALID_PROGRAM;
	if (!kcp_enter())
		return real(prog, numOptions, options);
	kcp_callsite(KC_REC_COMPILE, 0); /* before the clock starts */
	uint64_t t0 = kcp_now_ns();
	nvvmResult r = real(prog, numOptions, options);
	uint64_t t1 = kcp_now_ns();
	int saved = errno;
	struct output none = {0, KC_IMAGE_CUBIN}, ptx = {0, KC_IMAGE_PTX};
	if (r == NVVM_SUCCESS) {
		__typeof__(&nvvmGetCompiledResultSize) get_size =
		    helper_fn(KCP_LIB_NVVM, call.id, "nvvmGetCompiledResultSize");
		__typeof__(&nvvmGetCompiledResult) get =
		    helper_fn(KCP_LIB_NVVM, call.id, "nvvmGetCompiledResult");
		size_t n = 0;
		if (get_size && get && get_size(prog, &n) == NVVM_SUCCESS && n) {
			char *buf = malloc(n);
			/* PTX, or LTO-IR where asked for (-gen-lto): bytes, whole, as nvJitLink
			 * will be given them */
			if (buf && get(prog, buf) == NVVM_SUCCESS)
				ptx = kc_image_detect(buf, n) == KC_IMAGE_PTX
					  ? store_output(buf, strnlen(buf, n), KC_IMAGE_PTX)
					  : store_output(buf, n, KC_IMAGE_LTOIR);
			free(buf);
		}
	}
	struct session *s = session_get((uintptr_t)prog);
	write_compile(KC_TOOL_NVVM, s && s->name ? s->name : "NVVM",
		      (unsigned)(numOptions > 0 ? numOptions : 0), options, s ? s->inputs : NULL,
		      s ? s->ninputs : 0, s ? s->source_hash : 0, none, ptx, t1 - t0, (int)r);
	errno = saved;
	kcp_leave();
	return r;
}

nvvmResult kcp_nvvm_destroy_program(struct kcp_call call, nvvmProgram *prog)
{
	__typeof__(&nvvmDestroyProgram) real = KCP_REAL(call, nvvmDestroyProgram);
	if (!real)
		return NVVM_ERROR_INVALID_PROGRAM;
	uintptr_t handle = prog ? (uintptr_t)*prog : 0;
	nvvmResult r = real(prog);
	session_end(handle);
	return r;
}

/* ---- nvJitLink ---------------------------------------------------------------------------- */

static unsigned jitlink_kind(nvJitLinkInputType t)
{
	switch (t) {
	case NVJITLINK_INPUT_CUBIN:
		return KC_IMAGE_CUBIN;
	case NVJITLINK_INPUT_PTX:
		return KC_IMAGE_PTX;
	case NVJITLINK_INPUT_LTOIR:
		return KC_IMAGE_LTOIR;
	case NVJITLINK_INPUT_FATBIN:
		return KC_IMAGE_FATBIN;
	default:
		return KC_IMAGE_UNKNOWN;
	}
}

nvJitLinkResult kcp_jitlink_create(struct kcp_call call, nvJitLinkHandle *handle,
				   uint32_t numOptions, const char *const *options)
{
	__typeof__(&__nvJitLinkCreate_13_0) real = KCP_REAL(call, __nvJitLinkCreate_13_0);
	if (!real)
		return NVJITLINK_ERROR_INTERNAL;
	if (!kcp_enter())
		return real(handle, numOptions, options);
	nvJitLinkResult r = real(handle, numOptions, options);
	int saved = errno;
	if (r == NVJITLINK_SUCCESS && handle) {
		struct session *s = session_new((uintptr_t)*handle, KC_TOOL_NVJITLINK);
		if (s)
			session_set_options(s, numOptions, options);
	}
	errno = saved;
	kcp_leave();
	return r;
}

nvJitLinkResult kcp_jitlink_add_data(struct kcp_call call, nvJitLinkHandle handle,
				     nvJitLinkInputType inputType, const void *data, size_t size,
				     const char *name)
{
	__typeof__(&__nvJitLinkAddData_13_0) real = KCP_REAL(call, __nvJitLinkAddData_13_0);
	if (!real)
		return NVJITLINK_ERROR_INTERNAL;
	if (!kcp_enter())
		return real(handle, inputType, data, size, name);
	nvJitLinkResult r = real(handle, inputType, data, size, name);
	int saved = errno;
	if (r == NVJITLINK_SUCCESS)
		session_add_data(session_get((uintptr_t)handle), data, size,
				 jitlink_kind(inputType));
	errno = saved;
	kcp_leave();
	return r;
}

nvJitLinkResult kcp_jitlink_add_file(struct kcp_call call, nvJitLinkHandle handle,
				     nvJitLinkInputType inputType, const char *fileName)
{
	__typeof__(&__nvJitLinkAddFile_13_0) real = KCP_REAL(call, __nvJitLinkAddFile_13_0);
	if (!real)
		return NVJITLINK_ERROR_INTERNAL;
	if (!kcp_enter())
		return real(handle, inputType, fileName);
	nvJitLinkResult r = real(handle, inputType, fileName);
	int saved = errno;
	if (r == NVJITLINK_SUCCESS)
		session_add_file(session_get((uintptr_t)handle), fileName);
	errno = saved;
	kcp_leave();
	return r;
}

/* nvJitLink's getter `what` ("GetLinkedCubin") of the release whose Complete the program
 * called (id): __nvJitLinkGetLinkedCubin_12_4 after __nvJitLinkComplete_12_4, the plain name
 * after the plain one. */
static void *jitlink_getter(unsigned id, const char *what)
{
	const char *called = kcp_hooks[id].name, *version = strstr(called, "Complete");
	char name[96];
	snprintf(name, sizeof(name), "%snvJitLink%s%s", called[0] == '_' ? "__" : "", what,
		 version ? version + strlen("Complete") : "");
	return helper_fn(KCP_LIB_NVJITLINK, id, name);
}

nvJitLinkResult kcp_jitlink_complete(struct kcp_call call, nvJitLinkHandle handle)
{
	__typeof__(&__nvJitLinkComplete_13_0) real = KCP_REAL(call, __nvJitLinkComplete_13_0);
	if (!real)
		return NVJITLINK_ERROR_INTERNAL;
	if (!kcp_enter())
		return real(handle);
	kcp_callsite(KC_REC_COMPILE, 0); /* before the clock starts */
	uint64_t t0 = kcp_now_ns();
	nvJitLinkResult r = real(handle);
	uint64_t t1 = kcp_now_ns();
	int saved = errno;
	struct output cubin = {0, KC_IMAGE_CUBIN}, none = {0, KC_IMAGE_PTX};
	if (r == NVJITLINK_SUCCESS) {
		__typeof__(&__nvJitLinkGetLinkedCubinSize_13_0) get_size =
		    jitlink_getter(call.id, "GetLinkedCubinSize");
		__typeof__(&__nvJitLinkGetLinkedCubin_13_0) get =
		    jitlink_getter(call.id, "GetLinkedCubin");
		size_t n = 0;
		if (get_size && get && get_size(handle, &n) == NVJITLINK_SUCCESS && n) {
			void *buf = malloc(n);
			if (buf && get(handle, buf) == NVJITLINK_SUCCESS)
				cubin = store_output(buf, n, KC_IMAGE_CUBIN);
			free(buf);
		}
	}
	struct session *s = session_get((uintptr_t)handle);
	write_compile(KC_TOOL_NVJITLINK, "nvJitLink", s ? s->noptions : 0,
		      s ? (const char *const *)s->options : NULL, s ? s->inputs : NULL,
		      s ? s->ninputs : 0, 0, cubin, none, t1 - t0, (int)r);
	errno = saved;
	kcp_leave();
	return r;
}

nvJitLinkResult kcp_jitlink_destroy(struct kcp_call call, nvJitLinkHandle *handle)
{
	__typeof__(&__nvJitLinkDestroy_13_0) real = KCP_REAL(call, __nvJitLinkDestroy_13_0);
	if (!real)
		return NVJITLINK_ERROR_INTERNAL;
	uintptr_t h = handle ? (uintptr_t)*handle : 0;
	nvJitLinkResult r = real(handle);
	session_end(h);
	return r;
}

/* ---- cuLink ------------------------------------------------------------------------------- */

static unsigned culink_kind(CUjitInputType t)
{
	switch (t) {
	case CU_JIT_INPUT_CUBIN:
		return KC_IMAGE_CUBIN;
	case CU_JIT_INPUT_PTX:
		return KC_IMAGE_PTX;
	case CU_JIT_INPUT_FATBINARY:
		return KC_IMAGE_FATBIN;
	default:
		return KC_IMAGE_UNKNOWN;
	}
}

CUresult kcp_link_create(struct kcp_call call, unsigned int numOptions, CUjit_option *options,
			 void **optionValues, CUlinkState *stateOut)
{
	__typeof__(&cuLinkCreate_v2) real = KCP_REAL(call, cuLinkCreate_v2);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(numOptions, options, optionValues, stateOut);
	kcp_cuda_touched();
	CUresult r = real(numOptions, options, optionValues, stateOut);
	int saved = errno;
	if (r == CUDA_SUCCESS && stateOut) {
		struct session *s = session_new((uintptr_t)*stateOut, KC_TOOL_CULINK);
		if (s && options &&
		    (s->options = calloc(numOptions ? numOptions : 1, sizeof(char *)))) {
			for (unsigned i = 0; i < numOptions && i < 64; i++) {
				char buf[96];
				kcp_jit_option_str(buf, sizeof(buf), (unsigned)options[i],
						   optionValues, i);
				s->options[s->noptions++] = strdup(buf);
			}
		}
	}
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_link_add_data(struct kcp_call call, CUlinkState state, CUjitInputType type, void *data,
			   size_t size, const char *name, unsigned int numOptions,
			   CUjit_option *options, void **optionValues)
{
	__typeof__(&cuLinkAddData_v2) real = KCP_REAL(call, cuLinkAddData_v2);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(state, type, data, size, name, numOptions, options, optionValues);
	CUresult r = real(state, type, data, size, name, numOptions, options, optionValues);
	int saved = errno;
	if (r == CUDA_SUCCESS)
		session_add_data(session_get((uintptr_t)state), data, size, culink_kind(type));
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_link_add_file(struct kcp_call call, CUlinkState state, CUjitInputType type,
			   const char *path, unsigned int numOptions, CUjit_option *options,
			   void **optionValues)
{
	__typeof__(&cuLinkAddFile_v2) real = KCP_REAL(call, cuLinkAddFile_v2);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(state, type, path, numOptions, options, optionValues);
	CUresult r = real(state, type, path, numOptions, options, optionValues);
	int saved = errno;
	if (r == CUDA_SUCCESS)
		session_add_file(session_get((uintptr_t)state), path);
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_link_complete(struct kcp_call call, CUlinkState state, void **cubinOut,
			   size_t *sizeOut)
{
	__typeof__(&cuLinkComplete) real = KCP_REAL(call, cuLinkComplete);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(state, cubinOut, sizeOut);
	kcp_callsite(KC_REC_COMPILE, 0); /* before the clock starts */
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(state, cubinOut, sizeOut);
	uint64_t t1 = kcp_now_ns();
	int saved = errno;
	struct output cubin = {0, KC_IMAGE_CUBIN}, none = {0, KC_IMAGE_PTX};
	if (r == CUDA_SUCCESS && cubinOut && sizeOut)
		cubin = store_output(*cubinOut, *sizeOut, KC_IMAGE_CUBIN);
	struct session *s = session_get((uintptr_t)state);
	write_compile(KC_TOOL_CULINK, "cuLink", s ? s->noptions : 0,
		      s ? (const char *const *)s->options : NULL, s ? s->inputs : NULL,
		      s ? s->ninputs : 0, 0, cubin, none, t1 - t0, (int)r);
	errno = saved;
	kcp_leave();
	return r;
}

CUresult kcp_link_destroy(struct kcp_call call, CUlinkState state)
{
	__typeof__(&cuLinkDestroy) real = KCP_REAL(call, cuLinkDestroy);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	CUresult r = real(state);
	session_end((uintptr_t)state);
	return r;
}

void kcp_compile_atfork_prepare(void)
{
	kcp_lock(&session_lock);
}
void kcp_compile_atfork_parent(void)
{
	kcp_unlock(&session_lock);
}
void kcp_compile_atfork_child(void)
{
	kcp_unlock(&session_lock);
}
