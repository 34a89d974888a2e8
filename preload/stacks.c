/* stacks.c - where a load or a compile was asked for: kcp_callsite takes the calling thread's
 * Python frames in a Python process (python.c), else, in a native program, its return
 * addresses, each written as its module's path, its offset there and the module's GNU
 * build-id, for the analyzer to name with the module's symbols and line tables (libdw), once
 * it has checked that the file it reads is the one that ran. Taken where Python frames are not (a C
 * or C++ program, an NVRTC client); the unwinder is glibc's backtrace(), which reads .eh_frame.
 *
 * backtrace() loads libgcc_s at its first call: that happens at the process's first CUDA use
 * or the first call site taken outside the driver (kcp_stacks_warm), never inside the driver.
 * Modules are found with glibc's _dl_find_object (2.35+: no lock), else dladdr (the loader's lock:
 * a load waits while another thread is in dlopen). The main program is written by its real path,
 * not the argv[0] glibc names it by. Buffers are on the heap: the loading thread's stack may be
 * small.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/kc_hash.h"
#include "kcp.h"

#define MAX_NATIVE_FRAMES 48

static int warmed;
static struct kcp_once warm_once = KCP_ONCE_INIT;
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
		(void)kcp_once(&warm_once, warm); /* kcp_native_callsite waits for warmed */
}

void kcp_callsite(unsigned for_type, int in_driver)
{
	int saved = errno; /* reading frames (and loading the unwinder) leaves the program's */
	if (!kcp_python_callsite(for_type) && !in_driver) {
		kcp_stacks_warm(); /* outside the driver: loading the unwinder is safe here */
		kcp_native_callsite(for_type);
	}
	errno = saved;
}

struct module {
	uintptr_t start, end; /* its mappings; end 0 where not known (dladdr) */
	uintptr_t bias;	      /* l_addr: its p_vaddr 0 in memory */
	const char *path;     /* "" for the main program */
};

/* The module holding ip; 0, or -1. */
static int module_of(void *ip, struct module *m)
{
	if (find_object) {
		struct dl_find_object o;
		if (find_object(ip, &o) != 0)
			return -1;
		m->start = (uintptr_t)o.dlfo_map_start;
		m->end = (uintptr_t)o.dlfo_map_end;
		m->bias = o.dlfo_link_map ? o.dlfo_link_map->l_addr : 0;
		m->path = o.dlfo_link_map && o.dlfo_link_map->l_name ? o.dlfo_link_map->l_name : "";
		return 0;
	}
	Dl_info info;
	struct link_map *map = NULL;
	if (!dladdr1(ip, &info, (void **)&map, RTLD_DL_LINKMAP) || !info.dli_fbase)
		return -1;
	m->start = (uintptr_t)info.dli_fbase;
	m->end = 0;
	m->bias = map ? map->l_addr : 0;
	m->path = map && map->l_name ? map->l_name : info.dli_fname ? info.dli_fname : "";
	return 0;
}

/* The module's GNU build-id in hex (empty if it has none or its headers cannot be read),
 * read from its mapped headers: the ELF header and program headers in the first page of its
 * first mapping, the note in a loaded segment. No lock, no file access. */
static void build_id_of(const struct module *m, char *hex, size_t cap)
{
	hex[0] = '\0';
	if (!m->end || m->end - m->start < 4096)
		return;
	const ElfW(Ehdr) *eh = (const void *)m->start;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_phentsize != sizeof(ElfW(Phdr)) ||
	    eh->e_phoff + (size_t)eh->e_phnum * sizeof(ElfW(Phdr)) > 4096)
		return;
	const ElfW(Phdr) *ph = (const void *)(m->start + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		uintptr_t a = m->bias + ph[i].p_vaddr, e = a + ph[i].p_filesz;
		int loaded = 0; /* inside a loaded segment's file bytes: mapped and readable */
		for (unsigned k = 0; k < eh->e_phnum && !loaded; k++)
			loaded = ph[k].p_type == PT_LOAD && (ph[k].p_flags & PF_R) &&
				 a >= m->bias + ph[k].p_vaddr &&
				 e <= m->bias + ph[k].p_vaddr + ph[k].p_filesz;
		while (loaded && a + sizeof(ElfW(Nhdr)) <= e) {
			const ElfW(Nhdr) *n = (const void *)a;
			uintptr_t name = a + sizeof(*n), desc = name + ((n->n_namesz + 3) & ~3u);
			uintptr_t next = desc + ((n->n_descsz + 3) & ~3u);
			if (next > e || next <= a)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp((const void *)name, "GNU", 4) == 0) {
				kc_bytes_hex((const void *)desc, n->n_descsz, hex, cap);
				return;
			}
			a = next;
		}
	}
}

/* One stack's frames' modules, each looked up once, and the modules met, each one's build-id
 * read once (on the heap: the loading thread's stack may be small). */
#define STACK_MODULES 16
struct stack_modules {
	struct module frame[MAX_NATIVE_FRAMES];
	unsigned char found[MAX_NATIVE_FRAMES]; /* frame[i] is known */
	unsigned n;
	struct {
		uintptr_t start;
		char build_id[72];
	} m[STACK_MODULES];
};

static const char *stack_build_id(struct stack_modules *sm, const struct module *m)
{
	for (unsigned i = 0; i < sm->n; i++)
		if (sm->m[i].start == m->start)
			return sm->m[i].build_id;
	if (sm->n == STACK_MODULES)
		return ""; /* more modules than that in one stack: the rest unchecked */
	char *id = sm->m[sm->n].build_id;
	build_id_of(m, id, sizeof(sm->m[0].build_id));
	sm->m[sm->n++].start = m->start;
	return id;
}

void kcp_native_callsite(unsigned for_type)
{
	if (!kcp_cfg.stacks || !__atomic_load_n(&warmed, __ATOMIC_ACQUIRE))
		return;
	uint64_t t0 = kcp_now_ns();
	void **ip = malloc((MAX_NATIVE_FRAMES + 1) * sizeof(void *));
	char *line = malloc(PATH_MAX + 128);
	struct stack_modules *sm = calloc(1, sizeof(*sm));
	if (!ip || !line || !sm) {
		free(ip);
		free(line);
		free(sm);
		return;
	}
	int n = backtrace(ip, MAX_NATIVE_FRAMES + 1);
	int shown = n < MAX_NATIVE_FRAMES ? n : MAX_NATIVE_FRAMES;
	struct module self = {0};
	if (module_of((void *)kcp_native_callsite, &self) < 0)
		self.start = 0;
	/* The program's frames start after kcprof's last one (a sanitizer's interceptor of
	 * backtrace() may come before those). Each frame's module looked up once. */
	int first = 0;
	for (int i = 0; i < shown; i++) {
		sm->found[i] = module_of(ip[i], &sm->frame[i]) == 0;
		if (sm->found[i] && sm->frame[i].start == self.start)
			first = i + 1;
	}
	struct kc_recbuf rb;
	struct kc_rec_callsite rec = {0};
	kc_rb_init(&rb, NULL, 0, sizeof(rec)); /* grows on the heap */
	kc_rb_list_begin(&rb);
	unsigned kept = 0;
	for (int i = first; i < shown; i++) {
		const struct module *mod = &sm->frame[i];
		if (sm->found[i])
			snprintf(line, PATH_MAX + 128, "%s\t0x%llx\t%s",
				 mod->path[0] ? mod->path : exe_path,
				 (unsigned long long)((uintptr_t)ip[i] - mod->start),
				 stack_build_id(sm, mod));
		else
			snprintf(line, PATH_MAX + 128, "?\t0x%llx\t",
				 (unsigned long long)(uintptr_t)ip[i]);
		kc_rb_list_add(&rb, line);
		kept++;
	}
	rec.frames = kc_rb_list_end(&rb);
	kc_rb_list_begin(&rb);
	rec.args = kc_rb_list_end(&rb);
	if (kept) {
		rec.for_type = for_type;
		rec.flags =
		    KC_CALLSITEF_NATIVE | (n > MAX_NATIVE_FRAMES ? KC_CALLSITEF_TRUNCATED : 0);
		rec.read_ns = kcp_now_ns() - t0;
		kcp_rec_emit(&rb, &rec, KC_REC_CALLSITE);
	}
	kc_rb_release(&rb);
	free(sm);
	free(line);
	free(ip);
}
