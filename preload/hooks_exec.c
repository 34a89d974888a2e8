/* hooks_exec.c - children keep the recorder when the program gives them a fresh environment.
 *
 * A child exec'd with the inherited environment keeps LD_PRELOAD and KCPROF_* by itself.
 * One given an explicit envp (a build system, a sandboxing launcher) gets the entries kcprof
 * needs added when they are missing: the one list below, captured at start-up. Everything
 * here runs possibly in a vfork child, so it takes no malloc: the new environment is built in
 * a per-thread mapping (env_memory).
 */
#include <errno.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kcp.h"

#define DOMAIN "exec"
#define MAX_INJECT 16

static char inject_store[8192];
static const char *inject[MAX_INJECT]; /* "NAME=value" */
static int ninject;

/* The environment kcprof travels in: LD_PRELOAD and every KCPROF_* variable. */
void kcp_exec_capture_env(void)
{
	extern char **environ;
	size_t used = 0;
	for (char **e = environ; e && *e && ninject < MAX_INJECT; e++) {
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "KCPROF_", 7) != 0)
			continue;
		size_t len = strlen(*e) + 1;
		if (used + len > sizeof(inject_store))
			break;
		memcpy(inject_store + used, *e, len);
		inject[ninject++] = inject_store + used;
		used += len;
	}
}

static size_t name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static const char *find_var(char *const envp[], const char *kv)
{
	size_t n = name_len(kv);
	for (char *const *e = envp; *e; e++)
		if (strncmp(*e, kv, n) == 0 && (*e)[n] == '=')
			return *e;
	return NULL;
}

/* Does envp lack something kcprof needs? */
static int needs_inject(char *const envp[])
{
	if (!envp || ninject == 0 || atomic_load(&kcp_state) != KCP_READY)
		return 0;
	for (int i = 0; i < ninject; i++) {
		const char *have = find_var(envp, inject[i]);
		if (!have)
			return 1;
		if (strncmp(inject[i], "LD_PRELOAD=", 11) == 0 && !strstr(have, "libkcprof"))
			return 1;
	}
	return 0;
}

/* Fill out[] with envp plus what is missing; preload_buf holds a merged LD_PRELOAD. */
static void build_env(char *const envp[], const char **out, size_t cap, char *preload_buf,
		      size_t pcap)
{
	size_t n = 0;
	for (char *const *e = envp; *e && n + 1 < cap; e++) {
		if (strncmp(*e, "LD_PRELOAD=", 11) == 0) {
			const char *ours = NULL;
			for (int i = 0; i < ninject; i++)
				if (strncmp(inject[i], "LD_PRELOAD=", 11) == 0)
					ours = inject[i];
			if (ours && !strstr(*e, "libkcprof") &&
			    snprintf(preload_buf, pcap, "%s:%s", ours, *e + 11) < (int)pcap) {
				out[n++] = preload_buf;
				continue;
			}
		}
		out[n++] = *e;
	}
	for (int i = 0; i < ninject && n + 1 < cap; i++)
		if (!find_var(envp, inject[i]))
			out[n++] = inject[i];
	out[n] = NULL;
}

static size_t env_count(char *const envp[])
{
	size_t n = 0;
	while (envp[n])
		n++;
	return n;
}

/* Memory for the environment a call gets: this thread's, mapped once and grown, never given
 * back (nothing on the caller's stack, which may be a 16 KB thread's; no malloc, which a vfork
 * child must not call; and no munmap after the call: a vfork child's exec leaves the parent
 * owning what the child mapped, so a mapping per call would leak one per exec). A vfork child
 * runs on its parent thread's memory while that thread waits: one user at a time. NULL where
 * it cannot be had. */
static __thread void *env_mem;
static __thread size_t env_mem_size;

static void *env_memory(size_t size)
{
	if (size <= env_mem_size)
		return env_mem;
	int saved = errno;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	if (mem == MAP_FAILED)
		return NULL;
	if (env_mem)
		munmap(env_mem, env_mem_size);
	env_mem = mem;
	env_mem_size = size;
	return mem;
}

/* The call with the environment it gets: envp and what kcprof adds (env_memory); where that
 * memory cannot be had, envp as it was. */
#define WITH_ENV(envp, call_with)                                                                  \
	do {                                                                                       \
		if (!needs_inject(envp))                                                           \
			return call_with(envp);                                                    \
		size_t cap_ = env_count(envp) + MAX_INJECT + 1;                                    \
		void *mem_ = env_memory(cap_ * sizeof(char *) + PATH_MAX * 2);                     \
		if (!mem_)                                                                         \
			return call_with(envp);                                                    \
		const char **env_ = mem_;                                                          \
		char *preload_ = (char *)mem_ + cap_ * sizeof(char *);                             \
		build_env(envp, env_, cap_, preload_, PATH_MAX * 2);                               \
		return call_with((char *const *)env_);                                             \
	} while (0)

int kcp_execve(struct kcp_call call, const char *pathname, char *const argv[], char *const envp[])
{
	__typeof__(&execve) real = KCP_REAL(call, execve);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
#define CALL(e) real(pathname, argv, e)
	WITH_ENV(envp, CALL);
#undef CALL
}

int kcp_posix_spawn(struct kcp_call call, pid_t *pid, const char *path,
		    const posix_spawn_file_actions_t *file_actions, const posix_spawnattr_t *attrp,
		    char *const argv[], char *const envp[])
{
	__typeof__(&posix_spawn) real = KCP_REAL(call, posix_spawn);
	if (!real)
		return ENOSYS;
#define CALL(e) real(pid, path, file_actions, attrp, argv, e)
	WITH_ENV(envp, CALL);
#undef CALL
}

int kcp_posix_spawnp(struct kcp_call call, pid_t *pid, const char *file,
		     const posix_spawn_file_actions_t *file_actions, const posix_spawnattr_t *attrp,
		     char *const argv[], char *const envp[])
{
	__typeof__(&posix_spawnp) real = KCP_REAL(call, posix_spawnp);
	if (!real)
		return ENOSYS;
#define CALL(e) real(pid, file, file_actions, attrp, argv, e)
	WITH_ENV(envp, CALL);
#undef CALL
}
