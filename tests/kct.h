/* kct.h - helpers of the CPU tests: run a program under the recorder, read back what it
 * recorded as plain arrays to assert on. */
#ifndef KCT_H
#define KCT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../common/kc_trace.h"

#define KCT_MAX 512

struct kct_load {
	uint32_t pid;
	unsigned api, kind;
	uint64_t hash, loaded_hash, size, duration;
	uint16_t path, flags;
	int result;
	int device;	  /* from the LOAD_CONTEXT record before it, -1 none */
	uint64_t context; /* the same, 0 none */
	char names[1024]; /* comma-separated */
	char file[512];
	char jit[512];
};
struct kct_func {
	uint32_t pid, id;
	uint16_t path, api;
	uint64_t module_hash;
	char name[256];
};
struct kct_stats {
	uint32_t pid, func_id;
	uint64_t count, errors, attrs, other_shapes, first_ns, last_ns;
	uint16_t path, nshapes;
	struct kc_shape shapes[KC_MAX_SHAPES];
};
struct kct_compile {
	uint32_t pid;
	unsigned tool;
	int result;
	uint64_t duration, input_hash, output_hash, ptx_hash;
	char name[512];
	char options[1024]; /* space-separated */
	char inputs[1024];
};
struct kct_gpu_time {
	uint32_t pid;
	uint64_t count, total_ns, min_ns, max_ns, gap_count, gap_ns, overlapped;
	char name[256];
};
struct kct_proc {
	uint32_t pid, ppid;
	unsigned role;
	char exe[512];
	char argv[1024];
	uint32_t ancestors[KC_MAX_ANCESTORS];
	unsigned nancestors;
};
struct kct_result {
	int nprocs, nloads, nfuncs, nstats, ncompiles, ncupti, nunloads, nends, nlaunches, problems,
	    files;
	uint64_t lost;
	uint64_t feat_mask;  /* the files' headers' feature bits, or'ed */
	int count_decreases; /* a function's LAUNCH_STATS count below its previous one */
	struct kct_proc procs[16];
	struct kct_load loads[KCT_MAX];
	struct kct_func funcs[KCT_MAX];
	struct kct_stats stats[KCT_MAX];
	struct kct_compile compiles[KCT_MAX];
	unsigned cupti[32];
	int ngpu;
	struct kct_gpu_time gpu[64]; /* the last GPU_TIME record per process and name */
};

const char *kct_build(void); /* build directory (KCT_BUILD) */
const char *kct_data(void);  /* tests/data */
/* Whether the sanitizers' runtimes are preloaded into the programs the tests run (SAN=1):
 * the toolkit's nvcc, and the host compiler it runs, do not work under them. */
int kct_sanitized(void);
char *kct_tmpdir(void); /* a fresh directory under <build>/tests/tmp */
/* text written to path (created or emptied); aborts where it cannot be */
void kct_write_text(const char *path, const char *text);

/* dir/1-gen.kct created, its header (pid 1) written, for a test to write records after it:
 * with start_ns, the recording's start and the header check; without (0), neither. */
FILE *kct_trace_create(const char *dir, uint64_t start_ns);
/* The same for process pid: dir/<pid>-gen.kct. */
FILE *kct_trace_create_for(const char *dir, uint32_t pid, uint64_t start_ns);
/* Run argv (NULL-terminated) with the recorder preloaded, writing to dir; env adds NAME=value
 * entries (NULL-terminated, may be NULL). Returns the wait status. Output goes to
 * dir/../<name>.log. */
int kct_run(const char *dir, const char *const *env, const char *const *argv);
/* The same with other libraries preloaded before and after kcprof's (either may be NULL). */
int kct_run_beside(const char *dir, const char *const *env, const char *const *argv,
		   const char *before, const char *after);
/* The same, not waiting: returns the child's pid (or -1). */
pid_t kct_spawn(const char *dir, const char *const *env, const char *const *argv);
/* The same without the recorder. */
int kct_run_plain(const char *const *env, const char *const *argv);
struct kct_result *kct_read(const char *dir);
/* Launches of functions named name (all processes): count, and OR of paths and attrs. */
uint64_t kct_launches(const struct kct_result *r, const char *name, uint16_t *paths,
		      uint64_t *attrs);
/* The GPU times of kernels named name (NULL if none). */
const struct kct_gpu_time *kct_gpu(const struct kct_result *r, const char *name);
int kct_count_loads(const struct kct_result *r, unsigned api);
int kct_distinct_hashes(const struct kct_result *r, const char *name);
char *kct_read_file(const char *path, size_t *size);
/* The line number of the first occurrence of text in the file at path; -1 if none. */
int kct_line_of(const char *path, const char *text);
/* The kcprof CLI as a shell command (under SAN=1 with the sanitizer's options it needs). */
const char *kct_cli(void);
/* Run the CLI with args (NULL-terminated): its stdout and stderr into out, its exit status. */
int kct_run_cli(const char *const *args, char *out, size_t cap);

#endif
