/* init.c - configuration, start-up, fork and exit of the recorder.
 *
 * The constructor stays cheap: it reads the environment and registers the fork handlers.
 * The trace file opens at the first record, CUPTI starts when the process first touches
 * libcuda; a process that never uses CUDA (a shell, gcc, ptxas) writes nothing, except a
 * compiler child's one record (child.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "../common/kc_fs.h"
#include "kcp.h"

#define DOMAIN "init"

struct kcp_config kcp_cfg;
__thread struct kcp_tls kcp_tls __attribute__((tls_model("initial-exec")));

/* ---- options: one table, each row naming its own field ------------------------------------ */

enum opt_kind { OPT_BOOL, OPT_UINT, OPT_STR };
struct opt {
	const char *env;
	enum opt_kind kind;
	size_t offset; /* into struct kcp_config */
	const char *dflt;
	uint64_t scale; /* OPT_UINT: multiplier to the field's unit */
	const char *help;
};
#define CFG(field) offsetof(struct kcp_config, field)
static const struct opt options[] = {
    {"KCPROF_OUT", OPT_STR, CFG(out_dir), "kcprof.data", 0, "output directory"},
    {"KCPROF_CUPTI", OPT_BOOL, CFG(cupti), "1", 0, "use CUPTI for paths without symbols"},
    {"KCPROF_IMAGES", OPT_BOOL, CFG(store_images), "1", 0, "store each distinct image once"},
    {"KCPROF_MAX_IMAGE_MB", OPT_UINT, CFG(max_image), "64", 1u << 20, "largest image stored"},
    {"KCPROF_FLUSH_MS", OPT_UINT, CFG(flush_ns), "1000", 1000000, "launch counts flush period"},
    {"KCPROF_CUPTI_LIB", OPT_STR, CFG(cupti_path), "", 0, "libcupti to load"},
    {"KCPROF_GPU_TIME", OPT_BOOL, CFG(gpu_time), "0", 0,
     "kernel GPU times and gaps (CUPTI activity)"},
    {"KCPROF_PYTHON", OPT_BOOL, CFG(python), "1", 0,
     "Python frames where modules are loaded or compiled"},
    {"KCPROF_STACKS", OPT_BOOL, CFG(stacks), "1", 0,
     "native return addresses where modules are loaded or compiled (no Python)"},
};

static void load_config(void)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct opt *o = &options[i];
		const char *v = getenv(o->env);
		if (!v || !*v)
			v = o->dflt;
		void *field = (char *)&kcp_cfg + o->offset;
		switch (o->kind) {
		case OPT_BOOL:
			*(int *)field = kc_setting_on(v);
			break;
		case OPT_UINT:
			*(uint64_t *)field = strtoull(v, NULL, 10) * o->scale;
			break;
		case OPT_STR:
			snprintf(field, PATH_MAX, "%s", v);
			break;
		}
	}
	const char *l = getenv("KCPROF_LAUNCHES");
	kcp_cfg.full_launches = l && strcmp(l, "full") == 0;
	if (kcp_cfg.flush_ns == 0)
		kcp_cfg.flush_ns = 1000000000ull;
	/* A relative directory is taken from where the program started, not where it is when
	 * the first record comes. */
	if (kcp_cfg.out_dir[0] != '/') {
		char cwd[PATH_MAX], joined[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) && snprintf(joined, sizeof(joined), "%s/%s", cwd,
							 kcp_cfg.out_dir) < (int)sizeof(joined))
			memcpy(kcp_cfg.out_dir, joined, sizeof(joined));
	}
	const char *lv = getenv("KCPROF_LOG");
	if (lv) {
		static const char *const levels[] = {"error", "warn", "info", "debug"};
		for (int i = 0; i < 4; i++)
			if (strcasecmp(lv, levels[i]) == 0)
				kc_log_level = i;
	}
}

/* ---- time and threads --------------------------------------------------------------------- */

uint64_t kcp_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A few ms resolution, a few ns to read: for last-seen times on the launch path. */
uint64_t kcp_coarse_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *kcp_proc_stat(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t n = kc_read_full(fd, buf, cap - 1);
	close(fd);
	buf[n] = '\0';
	const char *r = n ? strrchr(buf, ')') : NULL;
	return r ? r + 1 : NULL;
}

uint32_t kcp_tid(void)
{
	if (KCP_UNLIKELY(kcp_tls.tid == 0))
		kcp_tls.tid = (uint32_t)syscall(SYS_gettid);
	return kcp_tls.tid;
}

/* ---- CUDA first touched ------------------------------------------------------------------- */

/* Forks since the process began: changed only in a child, while it has one thread. */
static int fork_generation;

int kcp_once_run(struct kcp_once *o, void (*start)(void))
{
	int me = fork_generation + 1;
	int s = atomic_load_explicit(&o->state, memory_order_acquire);
	do {
		if (s == -1)
			return 1;
		if (s == me)
			return 0; /* under way on another thread of this process: not waited for */
	} while (!atomic_compare_exchange_weak(&o->state, &s, me));
	int cancel = kcp_nocancel_begin(); /* a thread cancelled in it would leave it begun */
	start();
	atomic_store_explicit(&o->state, -1, memory_order_release);
	kcp_nocancel_end(cancel);
	return 1;
}

static struct kcp_once cuda_once = KCP_ONCE_INIT;

static void cuda_first_touch(void)
{
	/* Reached before and after the program's calls: CUPTI's dlopen must not leave errno. */
	int saved = errno;
	int guard = kcp_tls.guard;
	kcp_tls.guard = 1;
	if (kcp_cfg.cupti)
		kcp_cupti_start();
	kcp_stacks_warm();
	kcp_tls.guard = guard;
	errno = saved;
}

void kcp_cuda_touched(void)
{
	if (atomic_load_explicit(&kcp_state, memory_order_relaxed) == KCP_READY)
		(void)kcp_once(&cuda_once, cuda_first_touch);
}

/* ---- fork --------------------------------------------------------------------------------- */

/* A fork from a signal handler that interrupted this thread while it held one of kcprof's
 * locks (kcp_lock) must not wait for kcprof's locks: then nothing is locked, and the child
 * records nothing (its state as the interrupted frame left it). */
static __thread int fork_inside_kcprof;

static void atfork_prepare(void)
{
	fork_inside_kcprof = kcp_tls.locks > 0;
	if (fork_inside_kcprof)
		return;
	kcp_launch_atfork_prepare();
	kcp_graph_atfork_prepare();
	kcp_compile_atfork_prepare();
	kcp_module_atfork_prepare();
	kcp_rec_atfork_prepare();
}
static void atfork_parent(void)
{
	if (fork_inside_kcprof)
		return;
	kcp_rec_atfork_parent();
	kcp_module_atfork_parent();
	kcp_compile_atfork_parent();
	kcp_graph_atfork_parent();
	kcp_launch_atfork_parent();
}
static void atfork_child(void)
{
	kcp_tls.tid = 0;
	fork_generation = fork_generation == INT_MAX - 1 ? 0 : fork_generation + 1;
	if (fork_inside_kcprof) {
		atomic_store(&kcp_state, KCP_FINISHED);
		return;
	}
	kcp_rec_atfork_child();
	kcp_module_atfork_child();
	kcp_compile_atfork_child();
	kcp_graph_atfork_child();
	kcp_launch_atfork_child();
	kcp_cupti_atfork_child();
	kcp_python_atfork_child();
}

/* ---- constructor and destructor ----------------------------------------------------------- */

__attribute__((constructor)) static void kcp_start(void)
{
	/* Held through start-up: what we call (getenv, malloc, dlsym) must not re-enter. */
	kcp_tls.guard = 1;
	load_config();
	kcp_exec_capture_env();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	atomic_store(&kcp_state, KCP_READY);
	kcp_child_start();
	kcp_tls.guard = 0;
}

__attribute__((destructor)) static void kcp_stop(void)
{
	/* A compiler child writes its trace in its on_exit handler, which runs later. */
	if (atomic_load(&kcp_state) != KCP_READY || kcp_child_pending())
		return;
	/* exit() from a signal handler that interrupted this thread while it held one of
	 * kcprof's locks: the trace ends as a killed process's would */
	if (kcp_tls.locks > 0) {
		atomic_store(&kcp_state, KCP_FINISHED);
		return;
	}
	kcp_tls.guard = 1;
	kcp_gpu_time_atexit();
	kcp_cupti_atexit();
	kcp_launch_flush(1);
	kcp_rec_end();
	atomic_store(&kcp_state, KCP_FINISHED);
}
