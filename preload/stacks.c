/* stacks.c - where a load or a compile was asked for: kcp_callsite takes the calling thread's
 * Python frames in a Python process (python.c), else, in a native program, its return
 * addresses, each written as its module's path and its offset there, for the analyzer to name
 * with the module's symbols and line tables (libdw). Taken where Python frames are not (a C or
 * C++ program, an NVRTC client); the unwinder is glibc's backtrace(), which reads .eh_frame.
 *
 * backtrace() loads libgcc_s at its first call: that happens at the process's first CUDA use
 * (kcp_stacks_warm, outside the driver), never inside a hook. Modules are found with glibc's
 * _dl_find_object (2.35+: no lock), else dladdr (the loader's lock: a load waits while another
 * thread is in dlopen). The main program is written by its real path, not the argv[0] glibc
 * names it by. Buffers are on the heap: the loading thread's stack may be small.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kcp.h"

#define MAX_NATIVE_FRAMES 48

static int warmed;
static pthread_once_t warm_once = PTHREAD_ONCE_INIT;
static char exe_path[PATH_MAX]; /* the main program, from /proc/self/exe */
static int (*find_object)(void *, struct dl_find_object *); /* _dl_find_object, or NULL */

static void warm(void)
{
	void *ip[2];
	(void)backtrace(ip, 2);
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof(exe_path) - 1);
	exe_path[n > 0 ? n : 0] = '\0';
	void *f = kcp_real_dlsym(RTLD_DEFAULT, "_dl_find_object");
	memcpy(&find_object, &f, sizeof(f));
	__atomic_store_n(&warmed, 1, __ATOMIC_RELEASE);
}

void kcp_stacks_warm(void)
{
	if (kcp_cfg.stacks)
		pthread_once(&warm_once, warm);
}

void kcp_callsite(unsigned for_type, int in_driver)
{
	if (!kcp_python_callsite(for_type) && !in_driver)
		kcp_native_callsite(for_type);
}

/* The module holding ip: its load address and path ("" for the main program); 0, or -1. */
static int module_of(void *ip, uintptr_t *base, const char **path)
{
	if (find_object) {
		struct dl_find_object o;
		if (find_object(ip, &o) != 0)
			return -1;
		*base = (uintptr_t)o.dlfo_map_start;
		*path = o.dlfo_link_map && o.dlfo_link_map->l_name ? o.dlfo_link_map->l_name : "";
		return 0;
	}
	Dl_info info;
	struct link_map *map = NULL;
	if (!dladdr1(ip, &info, (void **)&map, RTLD_DL_LINKMAP) || !info.dli_fbase)
		return -1;
	*base = (uintptr_t)info.dli_fbase;
	*path = map && map->l_name ? map->l_name : info.dli_fname ? info.dli_fname : "";
	return 0;
}

void kcp_native_callsite(unsigned for_type)
{
	if (!kcp_cfg.stacks || !__atomic_load_n(&warmed, __ATOMIC_ACQUIRE))
		return;
	uint64_t t0 = kcp_now_ns();
	void **ip = malloc((MAX_NATIVE_FRAMES + 1) * sizeof(void *));
	char *line = malloc(PATH_MAX + 64);
	if (!ip || !line) {
		free(ip);
		free(line);
		return;
	}
	int n = backtrace(ip, MAX_NATIVE_FRAMES + 1);
	int shown = n < MAX_NATIVE_FRAMES ? n : MAX_NATIVE_FRAMES;
	uintptr_t self_base = 0, base;
	const char *path;
	if (module_of((void *)kcp_native_callsite, &self_base, &path) < 0)
		self_base = 0;
	/* The program's frames start after kcprof's last one (a sanitizer's interceptor of
	 * backtrace() may come before those). */
	int first = 0;
	for (int i = 0; i < shown; i++)
		if (module_of(ip[i], &base, &path) == 0 && base == self_base)
			first = i + 1;
	struct kc_recbuf rb;
	struct kc_rec_callsite rec = {0};
	kc_rb_init(&rb, NULL, 0, sizeof(rec)); /* grows on the heap */
	kc_rb_list_begin(&rb);
	unsigned kept = 0;
	for (int i = first; i < shown; i++) {
		if (module_of(ip[i], &base, &path) == 0)
			snprintf(line, PATH_MAX + 64, "%s\t0x%llx\t", path[0] ? path : exe_path,
				 (unsigned long long)((uintptr_t)ip[i] - base));
		else
			snprintf(line, PATH_MAX + 64, "?\t0x%llx\t",
				 (unsigned long long)(uintptr_t)ip[i]);
		kc_rb_list_add(&rb, line);
		kept++;
	}
	rec.frames = kc_rb_list_end(&rb);
	kc_rb_list_begin(&rb);
	rec.args = kc_rb_list_end(&rb);
	if (kept) {
		rec.for_type = for_type;
		rec.flags = KC_CALLSITEF_NATIVE | (n > MAX_NATIVE_FRAMES ? KC_CALLSITEF_TRUNCATED : 0);
		rec.read_ns = kcp_now_ns() - t0;
		kcp_rec_emit(&rb, &rec, KC_REC_CALLSITE);
	}
	kc_rb_release(&rb);
	free(line);
	free(ip);
}
