/* real.c - finding the real functions behind the hooks.
 *
 * Driver functions come from kcprof's own handle of libcuda.so.1 (never RTLD_NEXT: Triton
 * opens libcuda later, in a local scope, where RTLD_NEXT from here does not look). The other
 * libraries are found after kcprof in the global scope, or through the handle the program
 * itself passed to dlsym. The real dlsym and dlopen come from libc by version, since kcprof
 * defines both names.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

#include "kcp.h"

#define DOMAIN "real"

struct kcp_real_table kcp_real_table = {.state = KCP_OFF};
_Static_assert(KCP_ID_cuLaunchCooperativeKernel_ptsz < 7,
	       "the launches' pointers in the state's line");
_Atomic(void *) kcp_real_pa_ptr[KCP_ID_COUNT];
static _Atomic(void *) lib_handles[KCP_LIB_COUNT];

typedef void *(*dlsym_fn)(void *, const char *);
static _Atomic(dlsym_fn) real_dlsym_fn;
static _Atomic(kcp_dlopen_fn) real_dlopen_fn;

/* glibc 2.34 moved dl* into libc with new versions; older ones keep GLIBC_2.2.5. */
KCP_NO_SANITIZE static void *libc_versioned(const char *name)
{
	static const char *const versions[] = {"GLIBC_2.34", "GLIBC_2.2.5", "GLIBC_2.17", NULL};
	for (int i = 0; versions[i]; i++) {
		void *p = dlvsym(RTLD_NEXT, name, versions[i]);
		if (p)
			return p;
	}
	return NULL;
}

KCP_NO_SANITIZE void *kcp_real_dlsym_fn(void)
{
	dlsym_fn fn = atomic_load_explicit(&real_dlsym_fn, memory_order_acquire);
	if (KCP_UNLIKELY(!fn)) {
		fn = (dlsym_fn)libc_versioned("dlsym");
		atomic_store_explicit(&real_dlsym_fn, fn, memory_order_release);
	}
	return (void *)fn;
}

void *kcp_real_dlsym(void *handle, const char *name)
{
	dlsym_fn fn = (dlsym_fn)kcp_real_dlsym_fn();
	return fn ? fn(handle, name) : NULL;
}

KCP_NO_SANITIZE kcp_dlopen_fn kcp_real_dlopen_fn(void)
{
	kcp_dlopen_fn fn = atomic_load_explicit(&real_dlopen_fn, memory_order_acquire);
	if (KCP_UNLIKELY(!fn)) {
		fn = (kcp_dlopen_fn)libc_versioned("dlopen");
		atomic_store_explicit(&real_dlopen_fn, fn, memory_order_release);
	}
	return fn;
}

void *kcp_real_dlopen(const char *file, int flags)
{
	kcp_dlopen_fn fn = kcp_real_dlopen_fn();
	return fn ? fn(file, flags) : NULL;
}

void kcp_note_lib_handle(enum kcp_lib lib, void *handle)
{
	void *expected = NULL;
	atomic_compare_exchange_strong(&lib_handles[lib], &expected, handle);
}

/* libcuda.so.1 as the process has it; opened here only when may_load (a hook was called, so
 * the program links the driver). */
static void *cuda_handle(int may_load)
{
	void *h = atomic_load(&lib_handles[KCP_LIB_CUDA]);
	if (h)
		return h;
	h = kcp_real_dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
	if (!h && may_load)
		h = kcp_real_dlopen("libcuda.so.1", RTLD_LAZY);
	if (h)
		kcp_note_lib_handle(KCP_LIB_CUDA, h);
	return atomic_load(&lib_handles[KCP_LIB_CUDA]);
}

/* A driver function kcprof calls for itself and does not hook (the graph walk's), or NULL. */
void *kcp_real_cuda_sym(const char *name)
{
	void *h = cuda_handle(0);
	return h ? kcp_real_dlsym(h, name) : NULL;
}

/* A library the program opened with RTLD_LOCAL (Python extensions open their dependencies so:
 * PyTorch's libcupti, libnvrtc) is not found by RTLD_NEXT; by its soname it is. */
static void *lib_handle_by_soname(enum kcp_lib lib)
{
	static const char *const sonames[KCP_LIB_COUNT][4] = {
	    [KCP_LIB_NVRTC] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so", NULL},
	    [KCP_LIB_NVJITLINK] = {"libnvJitLink.so.13", "libnvJitLink.so.12", "libnvJitLink.so",
				   NULL},
	    [KCP_LIB_NVVM] = {"libnvvm.so.4", "libnvvm.so", NULL},
	    [KCP_LIB_CUPTI] = {"libcupti.so.13", "libcupti.so.12", "libcupti.so", NULL},
	};
	for (int i = 0; sonames[lib][i]; i++) {
		void *h = kcp_real_dlopen(sonames[lib][i], RTLD_LAZY | RTLD_NOLOAD);
		if (h) {
			kcp_note_lib_handle(lib, h);
			return h;
		}
	}
	return NULL;
}

static int is_ours(unsigned id, void *p)
{
	const struct kcp_hook *hk = &kcp_hooks[id];
	return p == hk->sym_fn || p == hk->dlsym_fn || p == hk->procaddr_fn;
}

void *kcp_real_resolve(unsigned id, int may_load)
{
	if (id >= KCP_ID_COUNT)
		return NULL;
	void *p = atomic_load(&kcp_real_ptr[id]);
	if (p)
		return p;
	const struct kcp_hook *hk = &kcp_hooks[id];
	int guard = kcp_tls.guard;
	kcp_tls.guard = 1; /* our dlopen/dlsym calls must not come back through the hooks */
	if (hk->lib == KCP_LIB_CUDA) {
		void *h = cuda_handle(may_load);
		if (h)
			p = kcp_real_dlsym(h, hk->name);
	} else {
		p = kcp_real_dlsym(RTLD_NEXT, hk->name);
		void *h = atomic_load(&lib_handles[hk->lib]);
		if ((!p || is_ours(id, p)) && (h || (h = lib_handle_by_soname(hk->lib))))
			p = kcp_real_dlsym(h, hk->name);
	}
	if (p && is_ours(id, p))
		p = NULL;
	if (!p)
		(void)dlerror(); /* leave the program's dlerror() state as it was */
	kcp_tls.guard = guard;
	if (p) {
		void *expected = NULL;
		atomic_compare_exchange_strong(&kcp_real_ptr[id], &expected, p);
		p = atomic_load(&kcp_real_ptr[id]);
	} else {
		kc_log(KC_LOG_DEBUG, DOMAIN, "no real %s found", hk->name);
	}
	return p;
}

int kcp_hook_find(const char *name)
{
	/* All hooked names start with c, n, _, e or p: most lookups stop here. */
	switch (name[0]) {
	case 'c':
	case 'n':
	case '_':
	case 'e':
	case 'p':
		break;
	default:
		return -1;
	}
	for (int i = 0; i < KCP_ID_COUNT; i++)
		if (kcp_streq(kcp_hooks[i].name, name))
			return i;
	return -1;
}

void *kcp_substitute(int id, void *p, int path)
{
	const struct kcp_hook *hk = &kcp_hooks[id];
	void *wrapper = path == KC_PATH_PROCADDR ? hk->procaddr_fn : hk->dlsym_fn;
	if (is_ours((unsigned)id, p)) {
		/* The lookup found kcprof itself (RTLD_DEFAULT): answer as the process would
		 * without kcprof, i.e. NULL unless the real library is there. */
		return kcp_real_resolve((unsigned)id, 0) ? wrapper : NULL;
	}
	if (hk->lib == KCP_LIB_LIBC)
		return p;
	_Atomic(void *) *slot = path == KC_PATH_PROCADDR ? &kcp_real_pa_ptr[id] : &kcp_real_ptr[id];
	void *expected = NULL;
	atomic_compare_exchange_strong(slot, &expected, p);
	if (atomic_load(slot) != p) {
		/* A second, different implementation of one name (two library copies, or a
		 * version-specific entry point): hand it out unhooked rather than mix them. */
		kc_log(KC_LOG_DEBUG, DOMAIN, "%s: second implementation %p left unhooked", hk->name,
		       p);
		return p;
	}
	return wrapper;
}

/* ---- cuGetProcAddress: the CUDA runtime's way to the driver ------------------------------- */

/* Which hook a pointer from cuGetProcAddress stands for: the same pointer as an exported
 * function first, then by name (the per-thread-stream and _v2 variants the flags and
 * version select). -1 for a function kcprof does not hook. */
static int procaddr_match(const char *symbol, void *p, cuuint64_t flags, int version)
{
	if (strncmp(symbol, "cu", 2) != 0 || strncmp(symbol, "cupti", 5) == 0)
		return -1;
	for (int id = 0; id < KCP_ID_COUNT; id++) {
		if (kcp_hooks[id].lib != KCP_LIB_CUDA)
			continue;
		void *r = atomic_load(&kcp_real_ptr[id]);
		if (!r)
			r = kcp_real_resolve((unsigned)id, 0);
		if (r == p)
			return id;
	}
	/* Names whose function changed its arguments at a CUDA version: the version asked for
	 * picks the hook of the same arguments. The _v2 rule below would hand the newer one to
	 * a CUDA 11 runtime, which passes the older arguments. */
	static const struct {
		const char *symbol;
		int since;
		const char *newer, *older;
	} versioned[] = {
	    {"cuGraphInstantiate", 12000, "cuGraphInstantiateWithFlags", "cuGraphInstantiate"},
	    {"cuGraphExecUpdate", 12000, "cuGraphExecUpdate_v2", "cuGraphExecUpdate"},
	};
	for (size_t i = 0; i < sizeof(versioned) / sizeof(versioned[0]); i++)
		if (strcmp(symbol, versioned[i].symbol) == 0)
			return kcp_hook_find(version >= versioned[i].since ? versioned[i].newer
									   : versioned[i].older);
	char name[160];
	if ((flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) &&
	    snprintf(name, sizeof(name), "%s_ptsz", symbol) < (int)sizeof(name)) {
		int id = kcp_hook_find(name);
		if (id >= 0)
			return id;
	}
	if (snprintf(name, sizeof(name), "%s_v2", symbol) < (int)sizeof(name)) {
		int id = kcp_hook_find(name);
		if (id >= 0)
			return id;
	}
	int id = kcp_hook_find(symbol);
	return id >= 0 && kcp_hooks[id].lib == KCP_LIB_CUDA ? id : -1;
}

static void procaddr_substitute(const char *symbol, void **pfn, cuuint64_t flags, int version)
{
	if (!symbol || !pfn || !*pfn || kcp_tls.guard)
		return;
	int saved = errno;
	kcp_tls.guard = 1;
	int id = procaddr_match(symbol, *pfn, flags, version);
	if (id >= 0)
		*pfn = kcp_substitute(id, *pfn, KC_PATH_PROCADDR);
	kcp_tls.guard = 0;
	errno = saved;
}

CUresult kcp_get_proc_address(struct kcp_call call, const char *symbol, void **pfn, int cudaVersion,
			      cuuint64_t flags, CUdriverProcAddressQueryResult *symbolStatus)
{
	__typeof__(&cuGetProcAddress_v2) real = KCP_REAL(call, cuGetProcAddress_v2);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	CUresult r = real(symbol, pfn, cudaVersion, flags, symbolStatus);
	if (r == CUDA_SUCCESS &&
	    atomic_load_explicit(&kcp_state, memory_order_relaxed) == KCP_READY) {
		kcp_cuda_touched();
		procaddr_substitute(symbol, pfn, flags, cudaVersion);
	}
	return r;
}

CUresult kcp_get_proc_address_v1(struct kcp_call call, const char *symbol, void **pfn,
				 int cudaVersion, cuuint64_t flags)
{
	__typeof__(&cuGetProcAddress) real = KCP_REAL(call, cuGetProcAddress);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	CUresult r = real(symbol, pfn, cudaVersion, flags);
	if (r == CUDA_SUCCESS &&
	    atomic_load_explicit(&kcp_state, memory_order_relaxed) == KCP_READY) {
		kcp_cuda_touched();
		procaddr_substitute(symbol, pfn, flags, cudaVersion);
	}
	return r;
}
