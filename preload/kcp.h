/* kcp.h - internals of the preloaded recorder (libkcprof.so), shared by its files.
 *
 *   interpose.c    every exported symbol: hooks.def wrappers, dlsym, dlopen
 *   real.c         where the real functions are found
 *   init.c         configuration, start-up, fork and exit
 *   recorder.c     the trace file, record writing, the image store
 *   hooks_module.c module and library loads, function handles
 *   hooks_launch.c launches: counting (the hot path) and flushing
 *   hooks_graph.c  CUDA graphs: the kernels a replay runs, and the replays
 *   hooks_compile.c NVRTC, libNVVM, nvJitLink and cuLink compiles
 *   hooks_exec.c   exec and spawn: the preload travels to children
 *   child.c        compiler children (ptxas, nvcc, cc): their command and wall time
 *   cupti.c        CUPTI: what the symbol hooks cannot see, and yielding to profilers
 *   python.c       Python call sites of loads, and Triton's specialisation of a build
 *   stacks.c       call sites of loads and compiles: native ones, where there is no Python
 *
 * Conventions: kcp_ prefix; 0 / negative errno returns; kc_log() with a domain per file.
 * A hook never changes what the program sees: it returns the real call's result, restores
 * errno, and when kcprof cannot record it runs the real call alone.
 */
#ifndef KCP_H
#define KCP_H

#include <limits.h>
#include <spawn.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/kc_log.h"
#include "../common/kc_record.h"
#include "../common/kc_trace.h"
#include "kcp_cuda.h"

#define KCP_EXPORT __attribute__((visibility("default")))
#define KCP_UNUSED __attribute__((unused))
/* For what the loader and sanitizer runtimes call before they are set up (dlsym from
 * ASan's own start-up): no instrumentation there, in kcprof's sanitizer builds. */
#define KCP_NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
/* String tests for the routers above: no libc, whose functions the sanitizer runtimes
 * intercept and may not have set up yet when they call dlsym. */
KCP_NO_SANITIZE static inline int kcp_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}
KCP_NO_SANITIZE static inline int kcp_contains(const char *s, const char *needle)
{
	for (; *s; s++) {
		const char *a = s, *b = needle;
		while (*a && *a == *b)
			a++, b++;
		if (!*b)
			return 1;
	}
	return 0;
}
#define KCP_LIKELY(x) __builtin_expect(!!(x), 1)
#define KCP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- the hook list ------------------------------------------------------------------------ */

enum kcp_lib {
	KCP_LIB_CUDA,
	KCP_LIB_NVRTC,
	KCP_LIB_NVJITLINK,
	KCP_LIB_NVVM,
	KCP_LIB_CUPTI,
	KCP_LIB_LIBC,
	KCP_LIB_COUNT
};

#define KCP_HOOK(lib, name, ...) KCP_ID_##name,
enum kcp_hook_id {
#include "hooks.def"
	KCP_ID_COUNT
};
#undef KCP_HOOK

/* Which entry and which path a call came by; passed by value to every impl. */
struct kcp_call {
	uint16_t id;   /* enum kcp_hook_id */
	uint16_t path; /* KC_PATH_SYMBOL / DLSYM / PROCADDR */
};

#define KCP_ARGS(...) __VA_ARGS__
#define KCP_HOOK(lib, name, ret, params, args, impl)                                               \
	ret kcp_##impl(struct kcp_call call, KCP_ARGS params);
#include "hooks.def"
#undef KCP_HOOK

struct kcp_hook {
	const char *name;
	enum kcp_lib lib;
	void *sym_fn;	   /* exported wrapper */
	void *dlsym_fn;	   /* wrapper handed out by dlsym */
	void *procaddr_fn; /* wrapper handed out by cuGetProcAddress */
};
extern const struct kcp_hook kcp_hooks[KCP_ID_COUNT];

/* ---- real functions (real.c) -------------------------------------------------------------- */

/* The state (set by init.c) and the real pointers, in one table: a launch hook reads both, and the
 * launches, first in hooks.def, have their pointers in the state's cache line. */
struct kcp_real_table {
	_Alignas(64) _Atomic int state;	   /* enum kcp_state */
	_Atomic(void *) ptr[KCP_ID_COUNT]; /* from the library itself */
};
extern struct kcp_real_table kcp_real_table;
#define kcp_real_ptr (kcp_real_table.ptr)
extern _Atomic(void *) kcp_real_pa_ptr[KCP_ID_COUNT]; /* as cuGetProcAddress returned it */

void *kcp_real_resolve(unsigned id, int may_load);
static inline void *kcp_real_get(struct kcp_call call)
{
	void *p = NULL;
	if (call.path == KC_PATH_PROCADDR)
		p = atomic_load_explicit(&kcp_real_pa_ptr[call.id], memory_order_acquire);
	if (!p)
		p = atomic_load_explicit(&kcp_real_ptr[call.id], memory_order_acquire);
	return KCP_LIKELY(p != NULL) ? p : kcp_real_resolve(call.id, 1);
}
/* The real function for this call, typed as `fn` (a declared function of the same type). */
#define KCP_REAL(call, fn) ((__typeof__(&fn))kcp_real_get(call))

void *kcp_real_dlsym(void *handle, const char *name) KCP_NO_SANITIZE;
void *kcp_real_dlopen(const char *file, int flags);
typedef void *(*kcp_dlopen_fn)(const char *, int);
kcp_dlopen_fn kcp_real_dlopen_fn(void) KCP_NO_SANITIZE;
void *kcp_real_dlsym_fn(void) KCP_NO_SANITIZE;
/* A lookup of a hooked name that dlsym or cuGetProcAddress found: remember the real pointer
 * and return the wrapper to hand out instead (or p itself when it must not be replaced). */
void *kcp_substitute(int id, void *p, int path);
int kcp_hook_find(const char *name) KCP_NO_SANITIZE;
void kcp_note_lib_handle(enum kcp_lib lib, void *handle);
void *kcp_real_cuda_sym(const char *name);

/* ---- state (init.c) ----------------------------------------------------------------------- */

enum kcp_state { KCP_OFF, KCP_READY, KCP_FINISHED };
#define kcp_state (kcp_real_table.state)

struct kcp_config {
	char out_dir[PATH_MAX];	   /* absolute */
	int full_launches;	   /* KCPROF_LAUNCHES=full */
	int cupti;		   /* KCPROF_CUPTI (default 1) */
	int store_images;	   /* KCPROF_IMAGES (default 1) */
	uint64_t max_image;	   /* KCPROF_MAX_IMAGE_MB, bytes */
	uint64_t flush_ns;	   /* KCPROF_FLUSH_MS */
	char cupti_path[PATH_MAX]; /* KCPROF_CUPTI_LIB */
	int gpu_time; /* KCPROF_GPU_TIME (default 0): kernel times from CUPTI activity */
	int python;   /* KCPROF_PYTHON (default 1): Python frames at loads, compiles (python.c) */
	int stacks;   /* KCPROF_STACKS (default 1): native return addresses at loads, compiles */
};
extern struct kcp_config kcp_cfg;

/* Per-thread state. guard is the recursion guard: set while kcprof itself runs on this
 * thread (a hook's bookkeeping, and the real call inside a hook, so that CUPTI callbacks
 * fired by that call know the hook records it). */
/* What a hook reads of its thread: one cache line, the launch's fast path included. */
struct kcp_tls {
	_Alignas(64) int guard;
	int locks; /* kcprof's mutexes this thread holds or is taking (kcp_lock) */
	uint32_t tid;
	uint32_t launch_tick; /* launches since the last flush check */
	int full_launches;    /* KCPROF_LAUNCHES=full, copied here by the launch path's slow side */
	struct kcp_pending_load *pending; /* a load in progress on this thread */
	struct thread_counts *counts;	  /* this thread's launch counts (hooks_launch.c) */
};
extern __thread struct kcp_tls kcp_tls __attribute__((tls_model("initial-exec")));

static inline int kcp_enter(void)
{
	if (kcp_tls.guard || atomic_load_explicit(&kcp_state, memory_order_relaxed) != KCP_READY)
		return 0;
	kcp_tls.guard = 1;
	return 1;
}
static inline void kcp_leave(void)
{
	kcp_tls.guard = 0;
}

/* Around kcprof's own I/O under its locks: write() and open() are cancellation points, and a
 * thread the program cancels there would leave the lock held for every other thread. */
static inline int kcp_nocancel_begin(void)
{
	int old = PTHREAD_CANCEL_ENABLE;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}
static inline void kcp_nocancel_end(int old)
{
	int ignored;
	pthread_setcancelstate(old, &ignored);
}

/* kcprof's mutexes, counted per thread: exit() or fork() from a signal handler that
 * interrupted this thread while it held one must not take kcprof's locks (init.c). Counted
 * before taking and after releasing, so the count covers every moment a lock may be held. */
static inline void kcp_lock(pthread_mutex_t *m)
{
	kcp_tls.locks++;
	pthread_mutex_lock(m);
}
static inline int kcp_trylock(pthread_mutex_t *m)
{
	kcp_tls.locks++;
	int rc = pthread_mutex_trylock(m);
	if (rc != 0)
		kcp_tls.locks--;
	return rc;
}
static inline void kcp_unlock(pthread_mutex_t *m)
{
	pthread_mutex_unlock(m);
	kcp_tls.locks--;
}

/* A start done once a process that never makes a second thread wait for it: a thread that
 * finds it under way on another goes on without it (kcp_once_run says 0). Waiting could
 * deadlock: the starting thread may need the loader's lock (dlopen, dlsym, backtrace's load
 * of libgcc_s) while the waiting one holds it, in a library's constructor that looks for
 * CUDA. state: 0 not begun, -1 done, else 1 + the fork generation it is under way in (so a
 * child forked meanwhile, where no thread runs it, begins it again). */
struct kcp_once {
	_Atomic int state;
};
#define KCP_ONCE_INIT                                                                              \
	{                                                                                          \
		0                                                                                  \
	}
int kcp_once_run(struct kcp_once *o, void (*start)(void));
static inline int kcp_once(struct kcp_once *o, void (*start)(void))
{
	if (KCP_LIKELY(atomic_load_explicit(&o->state, memory_order_acquire) == -1))
		return 1;
	return kcp_once_run(o, start);
}

/* The process uses CUDA: start what waits for that (CUPTI). Idempotent, cheap after once. */
void kcp_cuda_touched(void);
uint64_t kcp_now_ns(void);
uint64_t kcp_coarse_ns(void);
uint32_t kcp_tid(void);
/* A /proc stat file (/proc/PID/stat, /proc/self/task/TID/stat) read into buf: where its fields
 * after the command's name begin (" S PPID ...", field 3 on; the name, which may hold spaces
 * and parentheses, is between the first '(' and this), or NULL where it cannot be read. */
const char *kcp_proc_stat(const char *path, char *buf, size_t cap);

/* ---- recorder (recorder.c) ---------------------------------------------------------------- */

/* Write a finished record; returns 0 or -errno (counted as lost). Opens the trace first. */
int kcp_rec_write(const void *rec, size_t size);
/* Finish rb with fixed and write it. */
int kcp_rec_emit(struct kc_recbuf *rb, void *fixed, uint16_t type);
/* Store an image once, content-addressed; returns KC_MODF_STORED or 0. */
unsigned kcp_image_store(const void *data, size_t size, uint64_t hash, unsigned kind);
/* A process's argv as read from /proc once: the strings point into buf. */
struct kcp_argv {
	char *buf;
	const char **argv;
	unsigned argc;
};
/* This process's argv from /proc, as a list in rb; where keep is not NULL, also kept there for
 * the caller to read (a compiler's output and input files), freed with kcp_argv_free. */
struct kc_strlist kcp_rb_cmdline(struct kc_recbuf *rb, struct kcp_argv *keep);
void kcp_argv_free(struct kcp_argv *args);
/* A ptxas child's input: the first of its command line's operands (kc_compiler_operands) that
 * is a PTX file, stored as an image (XLA, JAX's compiler, writes PTX to a temporary file and
 * runs ptxas on it: the PTX is what tells its builds apart). Its hash, or 0. */
uint64_t kcp_store_ptxas_input(const struct kcp_argv *args);
void kcp_rec_end(void); /* END record and close (exit) */
void kcp_rec_atfork_prepare(void);
void kcp_rec_atfork_parent(void);
void kcp_rec_atfork_child(void);
extern _Atomic uint64_t kcp_count_loads, kcp_count_compiles;

/* ---- modules and functions (hooks_module.c) ----------------------------------------------- */

/* A load seen by a hook or by CUPTI's API callback; CUPTI's MODULE_LOADED callback, fired
 * inside it, adds the cubin the driver really loaded. */
struct kcp_pending_load {
	uint64_t loaded_hash;
	const void *loaded_image;
	size_t loaded_size;
};

struct kcp_load_args {
	unsigned api; /* KC_API_* */
	uint16_t path;
	const void *image; /* image in memory, or NULL */
	const char *file;  /* file to read, or NULL */
	unsigned nopts;
	const CUjit_option *opts;
	void *const *optvals;
};
struct kcp_load_token {
	uint64_t t0;
	uint64_t context; /* the CUcontext current at the load's start, 0 none or unknown */
	int device;	  /* its device's ordinal, -1 unknown */
	struct kcp_pending_load pending;
	struct kcp_pending_load *outer;
};
/* in_driver: called from inside the driver (CUPTI's MODULE_LOADED, a lazy load), which may
 * hold a lock that a thread waiting for the loader's lock holds: no native stack there (the
 * unwinder and dladdr take the loader's lock). */
void kcp_load_begin(struct kcp_load_token *tok, int in_driver);
void kcp_load_end(struct kcp_load_token *tok, const struct kcp_load_args *a, uint64_t handle,
		  int is_library, CUresult result);
/* CUPTI saw a module loaded: attach it to the load in progress, or record a lazy load. */
void kcp_module_loaded(uint64_t module, const void *cubin, size_t size);
void kcp_module_unloaded(uint64_t handle, int is_library, uint16_t path, CUresult result);
/* "CU_JIT_<NAME>=<value>" for option i of a JIT option array. */
void kcp_jit_option_str(char *buf, size_t cap, unsigned opt, void *const *vals, unsigned i);
uint64_t kcp_module_hash(uint64_t handle);
/* A function handle: its name and where it came from. */
struct kcp_func;
struct kcp_func *kcp_func_note(uint64_t handle, const char *name, uint64_t module_handle,
			       unsigned api, uint16_t path);
/* kernel -> function: the function takes the kernel's name and module. */
void kcp_func_alias(uint64_t func, uint64_t kernel, uint16_t path);
/* The function id of a CUDA graph's kernel node (a CUfunction, or a CUkernel when is_kernel):
 * the one its launches have, else a new function named by the driver. 0 if none. */
uint32_t kcp_func_id_of_node(uint64_t handle, int is_kernel, uint16_t path);

/* ---- launches (hooks_launch.c) ------------------------------------------------------------ */

struct kcp_launch {
	uint64_t func;
	uint32_t grid[3], block[3], smem;
	uint64_t stream;
	uint64_t attrs;
	unsigned api;
	uint16_t path;
	const char *name; /* CUPTI's symbolName, when the handle is new to kcprof */
};
/* Count a launch. Keeps errno (the hot path touches none; its slow paths save it). */
void kcp_launch_note(const struct kcp_launch *l, CUresult result);
uint64_t kcp_launch_attrs(const CUlaunchConfig *config);
void kcp_launch_flush(int force);
uint64_t kcp_launch_total(void);     /* all launches counted so far */
void kcp_launch_flusher_start(void); /* once a process: counts reach the disk on time */

/* ---- CUDA graphs (hooks_graph.c) ---------------------------------------------------------- */

void kcp_graph_flush(void); /* GRAPH_LAUNCH_STATS for what moved: at flush, under its lock */
void kcp_graph_atfork_prepare(void);
void kcp_graph_atfork_parent(void);
void kcp_graph_atfork_child(void);

/* ---- fork: every lock of kcprof is taken before fork and released after, in both
 * processes, in this order: launch, graph, compile, module, recorder. */
void kcp_launch_atfork_prepare(void);
void kcp_launch_atfork_parent(void);
void kcp_launch_atfork_child(void);
void kcp_compile_atfork_prepare(void);
void kcp_compile_atfork_parent(void);
void kcp_compile_atfork_child(void);
void kcp_module_atfork_prepare(void);
void kcp_module_atfork_parent(void);
void kcp_module_atfork_child(void);

/* ---- Python call sites (python.c) --------------------------------------------------------- */

/* In a Python process, a CALLSITE record of this thread's Python frames (and, under Triton's
 * JIT, the build's specialisation), for the record of type for_type this thread writes next.
 * Never waits for the GIL, and at most KCP_PY_WAIT_MS (20 ms) for a reader thread that takes
 * it where this thread released it. Nothing outside Python. */
int kcp_python_callsite(unsigned for_type); /* 1 in a Python process (frames or not) */

/* ---- native call sites (stacks.c) --------------------------------------------------------- */

/* A CALLSITE record (flag native) of this thread's return addresses as module and offset. */
void kcp_native_callsite(unsigned for_type);
/* Loads the unwinder, once: at the first CUDA use, or the first call site outside the driver. */
void kcp_stacks_warm(void);
/* Where the call this thread is in was asked for, for its record of type for_type: Python
 * frames in a Python process, else return addresses (not in_driver: a driver callback, where
 * the unwinder and the loader's lock must not be taken), the unwinder loaded first if need be.
 * errno is left as it was. */
void kcp_callsite(unsigned for_type, int in_driver);
void kcp_python_atfork_child(void);

/* ---- compiler children and exec (child.c, hooks_exec.c) ----------------------------------- */

int kcp_child_start(void);     /* 1 if this process is a compiler child */
int kcp_child_pending(void);   /* a compiler child whose record is still to be written */
unsigned kcp_child_role(void); /* KC_ROLE_COMPILER or KC_ROLE_CUDA */
void kcp_exec_capture_env(void);

/* ---- CUPTI (cupti.c) ---------------------------------------------------------------------- */

void kcp_cupti_start(void);
void kcp_cupti_record(unsigned ev, int result, const char *detail); /* a CUPTI record */
void kcp_cupti_atexit(void);
void kcp_cupti_atfork_child(void);
/* From the launch path's periodic check: switch CUPTI's launch callbacks off while the hooks
 * see every launch (see cupti.c). */
void kcp_cupti_launch_policy(uint64_t now, uint64_t hooked_launches);

/* ---- GPU time (gpu_time.c): kernel durations and gaps from CUPTI's activity records ------- */

void kcp_gpu_time_start(void *cupti_handle); /* with libcupti loaded; under KCPROF_GPU_TIME */
void kcp_gpu_time_collect(void);	     /* completed buffers in: from the flusher thread */
void kcp_gpu_time_write(void);		     /* GPU_TIME records for what moved: at flush */
void kcp_gpu_time_atexit(void);		     /* every buffer in, before the last flush */
void kcp_gpu_time_atfork_child(void);

#endif
