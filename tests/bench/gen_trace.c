/* gen_trace.c - synthetic traces for the analyzer benchmark and tests:
 *   gen_trace DIR PROCS LOADS LAUNCHES
 * writes PROCS process traces holding LOADS module loads and LAUNCHES full launch records in
 * all, over 1000 kernels of which 50 churn (a new variant per load) and the rest are loaded a
 * few times each, with FUNCTION and LAUNCH_STATS records as the recorder writes them;
 *   gen_trace DIR chain N MODE
 * writes one process that N times compiles with NVRTC to PTX, links that PTX with nvJitLink
 * and loads the cubin, 30 µs apart, each compile after a native call site: MODE 0 a new -D
 * value (so new PTX and cubin) each time, 1 the same PTX and cubin each time, 2 the same PTX
 * linked into two cubins (kernA, kernB) in turn, 3 as 0 with each link failing once first,
 * 4 as 2 with kernA built on one thread and kernB on another, each thread compiling the PTX
 * itself and the other's link coming in between (kernB's link before kernA's), 5 one thread
 * compiling the PTX twice, handing the first to another thread that links kernA, then linking
 * the second itself into kernB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/kc_record.h"

static FILE *out;
static uint32_t tid = 1; /* the thread the next records are written for */

static void emit(struct kc_recbuf *rb, void *fixed, uint16_t type, uint64_t t)
{
	size_t n = kc_rb_finish(rb, fixed, type, tid, t);
	fwrite(kc_rb_data(rb), 1, n, out);
	kc_rb_release(rb);
}

/* DIR/PID-NAME.kct opened as out, its header and a PROCESS record (exe, argv) written; 0, or
 * -1 (said). */
static int begin_process(const char *dir, uint32_t pid, const char *name, const char *exe,
			 const char *const *argv)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%u-%s.kct", dir, pid, name);
	if (!(out = fopen(path, "wb"))) {
		perror(path);
		return -1;
	}
	struct kc_file_hdr h;
	kc_file_hdr_init(&h, pid);
	fwrite(&h, sizeof(h), 1, out);
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_process pr = {.pid = pid, .ppid = 1};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(pr));
	pr.exe = kc_rb_str(&rb, exe);
	kc_rb_list_begin(&rb);
	for (unsigned i = 0; argv[i]; i++)
		kc_rb_list_add(&rb, argv[i]);
	pr.argv = kc_rb_list_end(&rb);
	emit(&rb, &pr, KC_REC_PROCESS, 1);
	return 0;
}

/* A cubin of one kernel loaded by cuModuleLoadData. */
static void module_load(uint64_t t, uint64_t handle, uint64_t hash, const char *kernel)
{
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_module_load ml = {.handle = handle,
					.hash = hash,
					.size = 5000,
					.duration_ns = 130000,
					.api = KC_API_MODULE_LOAD_DATA,
					.kind = KC_IMAGE_CUBIN,
					.path = KC_PATH_DLSYM};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(ml));
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, kernel);
	ml.names = kc_rb_list_end(&rb);
	emit(&rb, &ml, KC_REC_MODULE_LOAD, t);
}

static void callsite(uint64_t t, unsigned offset)
{
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_callsite cs = {.for_type = KC_REC_COMPILE, .flags = KC_CALLSITEF_NATIVE};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(cs));
	char line[128];
	snprintf(line, sizeof(line), "/usr/bin/prog\t0x%x\t", offset);
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, line);
	cs.frames = kc_rb_list_end(&rb);
	kc_rb_list_begin(&rb);
	cs.args = kc_rb_list_end(&rb);
	emit(&rb, &cs, KC_REC_CALLSITE, t);
}

static void compile(uint64_t t, unsigned tool, const char *name, const char *option,
		    const char *input, uint64_t output, uint64_t duration, int result)
{
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_compile c = {
	    .duration_ns = duration, .output_hash = output, .tool = tool, .result = result};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(c));
	c.name = kc_rb_str(&rb, name);
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, option);
	c.options = kc_rb_list_end(&rb);
	kc_rb_list_begin(&rb);
	if (input)
		kc_rb_list_add(&rb, input);
	c.inputs = kc_rb_list_end(&rb);
	emit(&rb, &c, KC_REC_COMPILE, t);
}

/* A compile's call site, then NVRTC's compile of k.cu to PTX (hash ptx). */
static void nvrtc_step(uint64_t *t, const char *def, uint64_t ptx, uint64_t duration)
{
	callsite(*t += 1000, 0x1234);
	compile(*t += 10000, KC_TOOL_NVRTC, "k.cu", def, NULL, ptx, duration, 0);
}

/* A compile's call site, then nvJitLink's link of input ("<hash>.ptx") into cubin (0 and
 * result 1: a failed link). */
static void link_step(uint64_t *t, const char *input, uint64_t cubin, int result)
{
	callsite(*t += 1000, 0x2234);
	compile(*t += 10000, KC_TOOL_NVJITLINK, "nvJitLink", "-arch=sm_90", input, cubin, 3000,
		result);
}

static int chain(const char *dir, long n, int mode)
{
	static const char *const args[] = {"prog", NULL};
	if (begin_process(dir, 1000, "chain", "/usr/bin/prog", args) < 0)
		return 1;
	uint64_t t = 1000000000ull;
	if (mode == 4) { /* two threads, each its NVRTC compile, then its link and load */
		static const char *const kern[2] = {"kernA", "kernB"};
		for (long i = 0; i < n; i++) {
			const char *input = "1111222233334444.ptx";
			for (uint32_t th = 1; th <= 2; th++) {
				tid = th;
				nvrtc_step(&t, "-DV=1", 0x1111222233334444ull, 5000 * th);
			}
			for (uint32_t th = 2; th >= 1; th--) {
				uint64_t cubin = 0x5555666677778888ull + th;
				tid = th;
				link_step(&t, input, cubin, 0);
				module_load(t += 10000, 0x7000 + (uint64_t)(2 * i + th), cubin,
					    kern[th - 1]);
			}
		}
	}
	if (mode == 5) {
		for (long i = 0; i < n; i++)
			for (uint32_t k = 0; k < 2;
			     k++) { /* kernA linked on thread 2, kernB on 1 */
				uint64_t cubin = 0x5555666677778888ull + k;
				tid = 1;
				nvrtc_step(&t, "-DV=1", 0x1111222233334444ull, 5000 * (k + 1));
				tid = k ? 1 : 2;
				link_step(&t, "1111222233334444.ptx", cubin, 0);
				module_load(t += 10000, 0x7000 + (uint64_t)(2 * i + k), cubin,
					    k ? "kernB" : "kernA");
			}
	}
	for (long i = 0; mode != 4 && mode != 5 && i < n; i++) {
		uint64_t ptx = mode == 1 || mode == 2 ? 0x1111222233334444ull
						      : 0x1000000000000000ull + (uint64_t)i;
		uint64_t cubin = mode == 2   ? 0x5555666677778888ull + (uint64_t)(i & 1)
				 : mode == 1 ? 0x5555666677778888ull
					     : 0x2000000000000000ull + (uint64_t)i;
		char def[64], input[64];
		snprintf(def, sizeof(def), "-DV=%ld", mode == 1 || mode == 2 ? 1 : i);
		snprintf(input, sizeof(input), "%016llx.ptx", (unsigned long long)ptx);
		nvrtc_step(&t, def, ptx, 5000);
		if (mode == 3) /* a link that fails, then its retry */
			link_step(&t, input, 0, 1);
		link_step(&t, input, cubin, 0);
		module_load(t += 10000, 0x7000 + (uint64_t)i, cubin,
			    mode == 2 && (i & 1) ? "kernB" : "kernA");
	}
	struct kc_rec_end e = {.h = {.type = KC_REC_END, .time_ns = t + 1}};
	kc_rec_seal(&e.h, sizeof(e));
	fwrite(&e, sizeof(e), 1, out);
	fclose(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[2], "chain") == 0)
		return chain(argv[1], atol(argv[3]), atoi(argv[4]));
	if (argc != 5) {
		fprintf(stderr, "usage: gen_trace DIR PROCS LOADS LAUNCHES | DIR chain N MODE\n");
		return 2;
	}
	const char *dir = argv[1];
	int procs = atoi(argv[2]);
	long loads = atol(argv[3]) / procs, launches = atol(argv[4]) / procs;
	enum { KERNELS = 1000, CHURNING = 50 };
	for (int p = 0; p < procs; p++) {
		static const char *const args[] = {"python3", "serve.py", NULL};
		if (begin_process(dir, (uint32_t)(1000 + p), "bench", "/usr/bin/python3", args) < 0)
			return 1;
		_Alignas(8) uint8_t mem[1024];
		struct kc_recbuf rb;
		uint64_t t = 1000;
		uint32_t fid = 0;
		for (long i = 0; i < loads; i++) {
			unsigned k = (unsigned)(i % KERNELS);
			uint64_t hash =
			    k < CHURNING ? 0x1000000ull * (uint64_t)(i + 1) + k : 0xabc0000ull + k;
			char name[64];
			snprintf(name, sizeof(name), "kernel_%u", k);
			module_load(t += 1000, 0x7000 + (uint64_t)i, hash, name);
			struct kc_rec_function fn = {.handle = 0x9000 + (uint64_t)i,
						     .module_handle = 0x7000 + (uint64_t)i,
						     .module_hash = hash,
						     .id = ++fid,
						     .api = KC_API_MODULE_GET_FUNCTION};
			kc_rb_init(&rb, mem, sizeof(mem), sizeof(fn));
			fn.name = kc_rb_str(&rb, name);
			emit(&rb, &fn, KC_REC_FUNCTION, t += 100);
		}
		for (long i = 0; i < launches; i++) {
			struct kc_rec_launch l = {
			    .h = {.type = KC_REC_LAUNCH, .tid = 1, .time_ns = t += 10},
			    .func_id = (uint32_t)(i % fid) + 1,
			    .grid = {64, 1, 1},
			    .block = {128, 1, 1},
			    .api = KC_API_LAUNCH_KERNEL_EX,
			    .path = KC_PATH_DLSYM};
			kc_rec_seal(&l.h, sizeof(l));
			fwrite(&l, sizeof(l), 1, out);
		}
		for (uint32_t f = 1; f <= fid; f++) {
			_Alignas(8) uint8_t
			    sm[sizeof(struct kc_rec_launch_stats) + sizeof(struct kc_shape)];
			struct kc_rec_launch_stats *s = (void *)sm;
			memset(sm, 0, sizeof(sm));
			s->h.type = KC_REC_LAUNCH_STATS;
			s->h.time_ns = t;
			s->func_id = f;
			s->count = (uint64_t)launches / fid;
			s->nshapes = 1;
			s->shapes[0] = (struct kc_shape){{64, 1, 1}, {128, 1, 1}, 0, 0, s->count};
			kc_rec_seal(&s->h, sizeof(sm));
			fwrite(sm, sizeof(sm), 1, out);
		}
		struct kc_rec_end e = {.h = {.type = KC_REC_END, .time_ns = t + 1},
				       .launches = (uint64_t)launches};
		kc_rec_seal(&e.h, sizeof(e));
		fwrite(&e, sizeof(e), 1, out);
		fclose(out);
	}
	return 0;
}
