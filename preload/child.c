/* child.c - compiler children: ptxas, nvcc, the C compiler Triton runs for its launchers.
 *
 * Such a process inherits LD_PRELOAD but never touches CUDA. It gets one small trace: who it
 * is (argv, ancestors, so the analyzer ties it to the recorded process that started it), how
 * long it ran, how it exited and the hash of the file it wrote (-o), written once at exit;
 * ptxas's input PTX is stored too (kcp_store_ptxas_input). A
 * compiler run by another compiler (nvcc -> ptxas, gcc -> as) is part of its parent's time and
 * writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "kcp.h"

#define DOMAIN "child"

static int is_compiler;
static uint64_t child_t0;

static int name_is_compiler(const char *name)
{
	static const char *const exact[] = {"ptxas",	"nvcc",	   "cicc", "nvlink", "fatbinary",
					    "cudafe++", "gcc",	   "g++",  "cc",     "c++",
					    "clang",	"clang++", "tcc",  NULL};
	static const char *const prefixes[] = {"gcc-",
					       "g++-",
					       "clang-",
					       "x86_64-linux-gnu-gcc",
					       "x86_64-linux-gnu-g++",
					       "aarch64-linux-gnu-gcc",
					       NULL};
	for (int i = 0; exact[i]; i++)
		if (strcmp(name, exact[i]) == 0)
			return 1;
	for (int i = 0; prefixes[i]; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	/* KCPROF_COMPILERS=name1:name2 adds names. */
	const char *extra = getenv("KCPROF_COMPILERS");
	size_t len = strlen(name);
	for (const char *p = extra; p && *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int comm_of(pid_t pid, char *buf, size_t cap, pid_t *ppid)
{
	char path[64], stat[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	const char *fields = kcp_proc_stat(path, stat, sizeof(stat));
	const char *l = strchr(stat, '('), *r = fields ? fields - 1 : NULL;
	if (!l || !r || r < l)
		return -EIO;
	size_t len = (size_t)(r - l - 1);
	if (len >= cap)
		len = cap - 1;
	memcpy(buf, l + 1, len);
	buf[len] = '\0';
	int pp = 0;
	sscanf(fields, " %*c %d", &pp);
	*ppid = (pid_t)pp;
	return 0;
}

static int ancestor_is_compiler(void)
{
	pid_t pid = getppid();
	for (int depth = 0; depth < 4 && pid > 1; depth++) {
		char comm[64];
		pid_t next = 0;
		if (comm_of(pid, comm, sizeof(comm), &next) < 0)
			return 0;
		if (name_is_compiler(comm))
			return 1;
		pid = next;
	}
	return 0;
}

/* The hash of the file a CUDA compiler wrote (nvcc -o kernel.cubin), whole, as a load of it
 * hashes it, from the file or read into memory: the analyzer finds the load by it. 0 if none,
 * for a host compiler (its output is no image), or for a file larger than a GPU image would
 * be. */
#define OUTPUT_HASH_MAX (1ull << 30)
static uint64_t output_hash(const char *exe, const char *path)
{
	size_t size;
	uint64_t hash = 0;
	/* by its executable or by the name it was run as (ccache standing in for nvcc) */
	int gpu = kc_gpu_compiler(exe) || kc_gpu_compiler(program_invocation_name);
	if (!path[0] || !gpu)
		return 0;
	/* exit() flushes stdio after the exit handlers: a compiler that left its output open
	 * has its last bytes written only then, so they are written now, before the hash
	 * (only here: flushing takes each stream's lock) */
	fflush(NULL);
	int fd = kc_open_regular(path, &size);
	if (fd < 0)
		return 0;
	if (size > OUTPUT_HASH_MAX || kc_hash64_fd(fd, &hash, &size, NULL, 0) < 0 || size == 0)
		hash = 0;
	close(fd);
	return hash;
}

static void child_on_exit(int status, void *arg)
{
	(void)arg;
	if (!is_compiler || atomic_load(&kcp_state) != KCP_READY)
		return;
	kcp_tls.guard = 1;
	_Alignas(8) uint8_t mem[4096];
	struct kc_recbuf rb;
	struct kc_rec_compile rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.tool = KC_TOOL_EXEC;
	rec.result = status;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	rec.name = kc_rb_str(&rb, exe);
	struct kcp_argv args = {0};
	rec.options = kcp_rb_cmdline(&rb, &args);
	const char *output = kc_compiler_output(args.argv, args.argc);
	rec.output_hash = status == 0 ? output_hash(exe, output ? output : "") : 0;
	const char *base = strrchr(exe, '/');
	if (rec.output_hash && strncmp(base ? base + 1 : exe, "ptxas", 5) == 0)
		rec.input_hash =
		    kcp_store_ptxas_input(&args); /* its PTX: what tells builds apart */
	kcp_argv_free(&args);
	/* its time up to the record's (the hash's included): start = record time - duration */
	rec.duration_ns = kcp_now_ns() - child_t0;
	kcp_rec_emit(&rb, &rec, KC_REC_COMPILE);
	kc_rb_release(&rb);
	atomic_fetch_add(&kcp_count_compiles, 1);
	kcp_rec_end();
	is_compiler = 2; /* written */
	kcp_tls.guard = 0;
}

int kcp_child_start(void)
{
	if (!name_is_compiler(program_invocation_short_name) || ancestor_is_compiler())
		return 0;
	is_compiler = 1;
	child_t0 = kcp_now_ns();
	/* on_exit passes the exit status, which a destructor never sees. It runs after the
	 * library destructors (registered before them), so it writes the whole trace. */
	on_exit(child_on_exit, NULL);
	return 1;
}

int kcp_child_pending(void)
{
	return is_compiler == 1;
}

unsigned kcp_child_role(void)
{
	return is_compiler ? KC_ROLE_COMPILER : KC_ROLE_CUDA;
}
