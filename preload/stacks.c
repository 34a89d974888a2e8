/* stacks.c - where a load was asked for, in a native program: the loading thread's return
 * addresses, each written as its module's path and its offset there, for the analyzer to name
 * with the module's symbols and line tables (libdw). Taken where Python frames are not (a C or
 * C++ program, an NVRTC client); the unwinder is glibc's backtrace(), which reads .eh_frame.
 *
 * backtrace() loads libgcc_s at its first call: that happens at the process's first CUDA use
 * (kcp_stacks_warm, outside the driver), never inside a hook, where the driver may hold its
 * lock while the loader's is wanted.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <string.h>

#include "kcp.h"

#define MAX_NATIVE_FRAMES 48

static int warmed;

void kcp_stacks_warm(void)
{
	if (!kcp_cfg.stacks)
		return;
	void *ip[2];
	(void)backtrace(ip, 2);
	__atomic_store_n(&warmed, 1, __ATOMIC_RELEASE);
}

void kcp_native_callsite(unsigned for_type)
{
	if (!kcp_cfg.stacks || !__atomic_load_n(&warmed, __ATOMIC_ACQUIRE))
		return;
	uint64_t t0 = kcp_now_ns();
	void *ip[MAX_NATIVE_FRAMES + 1];
	int n = backtrace(ip, MAX_NATIVE_FRAMES + 1);
	Dl_info self;
	if (!dladdr((void *)kcp_native_callsite, &self))
		self.dli_fbase = NULL;
	/* The program's frames start after kcprof's last one (a sanitizer's interceptor of
	 * backtrace() may come before those). */
	int first = 0;
	for (int i = 0; i < n && i < MAX_NATIVE_FRAMES; i++) {
		Dl_info info;
		if (dladdr(ip[i], &info) && info.dli_fbase && info.dli_fbase == self.dli_fbase)
			first = i + 1;
	}
	_Alignas(8) uint8_t mem[8192];
	struct kc_recbuf rb;
	struct kc_rec_callsite rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	kc_rb_list_begin(&rb);
	unsigned kept = 0;
	for (int i = first; i < n && i < MAX_NATIVE_FRAMES; i++) {
		Dl_info info;
		char line[4200];
		if (dladdr(ip[i], &info) && info.dli_fname && info.dli_fbase) {
			snprintf(line, sizeof(line), "%s\t0x%llx\t", info.dli_fname,
				 (unsigned long long)((uintptr_t)ip[i] - (uintptr_t)info.dli_fbase));
		} else {
			snprintf(line, sizeof(line), "?\t0x%llx\t", (unsigned long long)(uintptr_t)ip[i]);
		}
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
}
