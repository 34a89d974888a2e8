/* fuzz_one.c - one input through everything that reads untrusted bytes: the trace reader
 * (every record, every string and list of it), the image readers (as cubin, PTX and fatbin),
 * and the analyzer's model of a trace directory (families, what changed, the JSON report).
 * Used by the libFuzzer target (fuzz_trace.c) and by the corpus regression test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../analyzer/changes.h"
#include "../../analyzer/kca.h"
#include "../../analyzer/model.h"
#include "../../analyzer/report.h"
#include "../../common/kc_image.h"
#include "../../common/kc_trace_read.h"
#include "fuzz_one.h"

static size_t sink;

static int count_name(const char *name, size_t len, void *ctx)
{
	(void)ctx;
	sink += len + (size_t)name[0];
	return 0;
}

static void read_trace(const uint8_t *data, size_t size)
{
	struct kc_trace t;
	if (kc_trace_open_mem(&t, "fuzz.kct", data, size) == 0) {
		const struct kc_rec_hdr *r;
		int rc;
		while ((rc = kc_trace_next(&t, &r)) != 0) {
			if (rc < 0)
				continue;
			/* touch every string the reader vouched for */
			switch (r->type) {
			case KC_REC_MODULE_LOAD: {
				const struct kc_rec_module_load *m = (const void *)r;
				sink += strlen(kc_rec_str(r, m->file));
				for (const char *s = kc_rec_list_next(r, m->names, NULL); s;
				     s = kc_rec_list_next(r, m->names, s))
					sink += strlen(s);
				break;
			}
			case KC_REC_COMPILE: {
				const struct kc_rec_compile *c = (const void *)r;
				for (const char *s = kc_rec_list_next(r, c->options, NULL); s;
				     s = kc_rec_list_next(r, c->options, s))
					sink += strlen(s);
				break;
			}
			case KC_REC_LAUNCH_STATS: {
				const struct kc_rec_launch_stats *x = (const void *)r;
				for (unsigned i = 0; i < x->nshapes; i++)
					sink += x->shapes[i].count;
				break;
			}
			case KC_REC_CALLSITE: {
				const struct kc_rec_callsite *x = (const void *)r;
				for (const char *s = kc_rec_list_next(r, x->frames, NULL); s;
				     s = kc_rec_list_next(r, x->frames, s))
					sink += strlen(s);
				for (const char *s = kc_rec_list_next(r, x->args, NULL); s;
				     s = kc_rec_list_next(r, x->args, s))
					sink += strlen(s);
				break;
			}
			case KC_REC_GRAPH: {
				const struct kc_rec_graph *x = (const void *)r;
				for (unsigned i = 0; i < x->nfuncs; i++)
					sink += x->funcs[i].func_id + x->funcs[i].count;
				break;
			}
			}
		}
	}
	kc_trace_close(&t);
}

static void read_images(const uint8_t *data, size_t size)
{
	sink += kc_image_detect(data, size);
	kc_image_kernels(data, size, KC_IMAGE_CUBIN, count_name, NULL);
	kc_image_kernels(data, size, KC_IMAGE_PTX, count_name, NULL);
	kc_image_kernels(data, size, KC_IMAGE_FATBIN, count_name, NULL);
	sink += kc_cubin_sm(data, size);
}

/* The whole analyzer over a directory holding this input as a trace. */
static void analyze(const uint8_t *data, size_t size)
{
	static char dir[64];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/kcprof-fuzz.%d", (int)getpid());
		mkdir(dir, 0700);
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/1-fuzz.kct", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	struct kca_model m;
	char *dirs[] = {dir};
	int level = kc_log_level;
	kc_log_level = KC_LOG_ERROR - 1; /* the readers' warnings, for every input: quiet */
	if (kca_model_load(&m, dirs, 1) >= 0) {
		kca_model_families(&m);
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull) {
			kca_report_json(&m, devnull, UINT32_MAX, NULL, 0);
			fclose(devnull);
		}
	}
	kca_model_free(&m);
	kc_log_level = level;
}

int kct_fuzz_one(const uint8_t *data, size_t size)
{
	read_trace(data, size);
	read_images(data, size);
	analyze(data, size);
	return 0;
}
