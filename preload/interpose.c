/* interpose.c - every symbol libkcprof.so exports, and nothing else does.
 *
 * The library is built with -fvisibility=hidden; this file alone marks symbols default.
 * Each hooks.def entry becomes three thin wrappers (the exported symbol, the pointer dlsym
 * hands out, the pointer cuGetProcAddress hands out) that call the entry's impl with the
 * path they stand for. dlsym and dlopen are written by hand below.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "kcp.h"

/* ---- hooks.def wrappers ------------------------------------------------------------------- */

#define KCP_CALL(name, path) ((struct kcp_call){KCP_ID_##name, KC_PATH_##path})
/* Each wrapper starts a cache line: a launch's hook spans as few lines as its code needs (they
 * come back cold after each driver call). */
#define KCP_WRAPPER __attribute__((aligned(64)))
#define KCP_HOOK(lib, name, ret, params, args, impl)                                               \
	KCP_EXPORT KCP_WRAPPER ret name params                                                     \
	{                                                                                          \
		return kcp_##impl(KCP_CALL(name, SYMBOL), KCP_ARGS args);                          \
	}                                                                                          \
	static KCP_WRAPPER ret kcp_dl_##name params                                                \
	{                                                                                          \
		return kcp_##impl(KCP_CALL(name, DLSYM), KCP_ARGS args);                           \
	}                                                                                          \
	static KCP_WRAPPER ret kcp_pa_##name params                                                \
	{                                                                                          \
		return kcp_##impl(KCP_CALL(name, PROCADDR), KCP_ARGS args);                        \
	}
#include "hooks.def"
#undef KCP_HOOK

#define KCP_HOOK(lib, name, ...)                                                                   \
	[KCP_ID_##name] = {#name, KCP_LIB_##lib, (void *)name, (void *)kcp_dl_##name,              \
			   (void *)kcp_pa_##name},
const struct kcp_hook kcp_hooks[KCP_ID_COUNT] = {
#include "hooks.def"
};
#undef KCP_HOOK

/* ---- dlsym and dlopen: trampolines -------------------------------------------------------

 * Both look at their caller: dlopen resolves a bare name with the caller's RUNPATH and
 * $ORIGIN, dlsym(RTLD_NEXT, ...) searches after the caller. A C wrapper would make kcprof the
 * caller, and break libraries that dlopen their neighbours (PyTorch opens libnvrtc so) and
 * interposers that chain with RTLD_NEXT (the sanitizers do, before they are initialised).
 * So the exported dlsym and dlopen are trampolines: a router looks at the arguments and
 * returns where to go, and the trampoline jumps there with the caller's return address
 * untouched: to the real function for everything kcprof leaves alone, to a C function
 * (which then returns to the caller itself) where kcprof has work to do. */

/* dlsym of a hooked name: the real lookup, then kcprof's wrapper in its place. */
static void *dlsym_hooked(void *handle, const char *name)
{
	void *p = kcp_real_dlsym(handle, name);
	if (!p || kcp_tls.guard)
		return p;
	int id = kcp_hook_find(name);
	int saved = errno;
	void *out = kcp_substitute(id, p, KC_PATH_DLSYM);
	if (!out) {
		/* The name found was kcprof's own and no library has the real one (a probe for
		 * CUDA in a process without it): fail as the lookup would have, with its error. */
		(void)kcp_real_dlsym(RTLD_NEXT, name);
	} else if (kcp_hooks[id].lib == KCP_LIB_CUDA) {
		kcp_cuda_touched();
	}
	errno = saved;
	return out;
}

void *kcp_dlsym_route(void *handle, const char *name) __attribute__((used)) KCP_NO_SANITIZE;
void *kcp_dlsym_route(void *handle, const char *name)
{
	/* RTLD_NEXT is how an interposer preloaded after kcprof reaches the next one: that
	 * lookup stays the caller's, or the two would each find the other forever. */
	int id = name && !kcp_tls.guard && handle != RTLD_NEXT ? kcp_hook_find(name) : -1;
	if (id >= 0 && kcp_hooks[id].lib != KCP_LIB_LIBC)
		return (void *)dlsym_hooked;
	return (void *)kcp_real_dlsym_fn();
}

/* Opening libcuda means the process is about to use CUDA: that is all kcprof needs to know
 * of dlopen. Not a probe (RTLD_NOLOAD), which opens nothing: a library asking whether CUDA is
 * there, often from its constructor. */
void *kcp_dlopen_route(const char *file, int flags) __attribute__((used)) KCP_NO_SANITIZE;
void *kcp_dlopen_route(const char *file, int flags)
{
	int saved = errno;
	if (file && !(flags & RTLD_NOLOAD) && !kcp_tls.guard && kcp_contains(file, "libcuda.so"))
		kcp_cuda_touched();
	errno = saved;
	return (void *)kcp_real_dlopen_fn();
}

#if defined(__x86_64__)
#define KCP_TRAMPOLINE(sym, router)                                                                \
	__asm__(".text\n"                                                                          \
		".globl " #sym "\n"                                                                \
		".type " #sym ", @function\n" #sym ":\n"                                           \
		".cfi_startproc\n"                                                                 \
		"	push %rdi\n"                                                                     \
		".cfi_adjust_cfa_offset 8\n"                                                       \
		"	push %rsi\n"                                                                     \
		".cfi_adjust_cfa_offset 8\n"                                                       \
		"	sub $8, %rsp\n"                                                                  \
		".cfi_adjust_cfa_offset 8\n"                                                       \
		"	call " #router "\n"                                                        \
		"	add $8, %rsp\n"                                                                  \
		".cfi_adjust_cfa_offset -8\n"                                                      \
		"	pop %rsi\n"                                                                      \
		".cfi_adjust_cfa_offset -8\n"                                                      \
		"	pop %rdi\n"                                                                      \
		".cfi_adjust_cfa_offset -8\n"                                                      \
		"	jmp *%rax\n"                                                                     \
		".cfi_endproc\n"                                                                   \
		".size " #sym ", .-" #sym "\n")
#elif defined(__aarch64__)
#define KCP_TRAMPOLINE(sym, router)                                                                \
	__asm__(".text\n"                                                                          \
		".globl " #sym "\n"                                                                \
		".type " #sym ", %function\n" #sym ":\n"                                           \
		"	stp x29, x30, [sp, #-32]!\n"                                                     \
		"	stp x0, x1, [sp, #16]\n"                                                         \
		"	bl " #router "\n"                                                          \
		"	mov x16, x0\n"                                                                   \
		"	ldp x0, x1, [sp, #16]\n"                                                         \
		"	ldp x29, x30, [sp], #32\n"                                                       \
		"	br x16\n"                                                                        \
		".size " #sym ", .-" #sym "\n")
#else
#error "kcprof's dlsym/dlopen trampolines support x86-64 and aarch64"
#endif

KCP_TRAMPOLINE(dlsym, kcp_dlsym_route);
KCP_TRAMPOLINE(dlopen, kcp_dlopen_route);
