/* gen_trace.c - a large synthetic trace for the analyzer benchmark:
 *   gen_trace DIR PROCS LOADS LAUNCHES
 * writes PROCS process traces holding LOADS module loads and LAUNCHES full launch records in
 * all, over 1000 kernels of which 50 churn (a new variant per load) and the rest are loaded a
 * few times each, with FUNCTION and LAUNCH_STATS records as the recorder writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/kc_record.h"

static FILE *out;

static void emit(struct kc_recbuf *rb, void *fixed, uint16_t type, uint64_t t)
{
	size_t n = kc_rb_finish(rb, fixed, type, 1, t);
	fwrite(kc_rb_data(rb), 1, n, out);
	kc_rb_release(rb);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: gen_trace DIR PROCS LOADS LAUNCHES\n");
		return 2;
	}
	const char *dir = argv[1];
	int procs = atoi(argv[2]);
	long loads = atol(argv[3]) / procs, launches = atol(argv[4]) / procs;
	enum { KERNELS = 1000, CHURNING = 50 };
	for (int p = 0; p < procs; p++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%d-bench.kct", dir, 1000 + p);
		out = fopen(path, "wb");
		if (!out) {
			perror(path);
			return 1;
		}
		struct kc_file_hdr h;
		kc_file_hdr_init(&h, (uint32_t)(1000 + p));
		fwrite(&h, sizeof(h), 1, out);
		_Alignas(8) uint8_t mem[1024];
		struct kc_recbuf rb;
		struct kc_rec_process pr = {.pid = h.pid, .ppid = 1};
		kc_rb_init(&rb, mem, sizeof(mem), sizeof(pr));
		pr.exe = kc_rb_str(&rb, "/usr/bin/python3");
		kc_rb_list_begin(&rb);
		kc_rb_list_add(&rb, "python3");
		kc_rb_list_add(&rb, "serve.py");
		pr.argv = kc_rb_list_end(&rb);
		emit(&rb, &pr, KC_REC_PROCESS, 1);
		uint64_t t = 1000;
		uint32_t fid = 0;
		for (long i = 0; i < loads; i++) {
			unsigned k = (unsigned)(i % KERNELS);
			uint64_t hash =
			    k < CHURNING ? 0x1000000ull * (uint64_t)(i + 1) + k : 0xabc0000ull + k;
			char name[64];
			snprintf(name, sizeof(name), "kernel_%u", k);
			struct kc_rec_module_load ml = {.handle = 0x7000 + (uint64_t)i,
							.hash = hash,
							.size = 5000,
							.duration_ns = 130000,
							.api = KC_API_MODULE_LOAD_DATA,
							.kind = KC_IMAGE_CUBIN,
							.path = KC_PATH_DLSYM};
			kc_rb_init(&rb, mem, sizeof(mem), sizeof(ml));
			kc_rb_list_begin(&rb);
			kc_rb_list_add(&rb, name);
			ml.names = kc_rb_list_end(&rb);
			emit(&rb, &ml, KC_REC_MODULE_LOAD, t += 1000);
			struct kc_rec_function fn = {.handle = 0x9000 + (uint64_t)i,
						     .module_handle = ml.handle,
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
