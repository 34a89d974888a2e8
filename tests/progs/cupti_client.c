/* cupti_client.c [local] - a program with its own profiler, as torch.profiler: it subscribes
 * to CUPTI in the middle of its run and must get its callbacks although kcprof held CUPTI.
 * Built as cupti_local_client (PROFILER_LOCAL), the profiler is a library opened with
 * RTLD_LOCAL (libprofiler.c) and the program itself does not link libcupti.
 *   3 launches (kcprof sees them through CUPTI), then the program subscribes: 4 launches
 *   its profiler must see, then it unsubscribes: 5 launches kcprof sees again.
 * All launches go through the internal path: only CUPTI sees them.
 * cupti_client multi subscribes as a CUPTI 13.2 tool that lets others stay
 * (cuptiSubscribe_v2, allowMultipleSubscribers).
 * cupti_client activity is a profiler of kernel activity records instead: after the first 3
 * launches it registers its own buffers and must get the records of the next 4, and only
 * those. cupti_client activity_first registers them before touching CUDA: it must get all 7. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>
#include <cupti.h>

#include "../../preload/cupti_v132.h"

static unsigned long seen_by_profiler;

static void CUPTIAPI profiler_cb(void *ud, CUpti_CallbackDomain d, CUpti_CallbackId id,
				 const void *data)
{
	(void)ud;
	const CUpti_CallbackData *cb = data;
	if (d == CUPTI_CB_DOMAIN_DRIVER_API && id == CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel &&
	    cb->callbackSite == CUPTI_API_EXIT)
		seen_by_profiler++;
}

#ifndef PROFILER_LOCAL
static int multi;
static unsigned long kernel_records;

static void CUPTIAPI activity_requested(uint8_t **buffer, size_t *size, size_t *max_records)
{
	*size = 64 * 1024;
	*buffer = aligned_alloc(8, *size);
	*max_records = 0;
}

static void CUPTIAPI activity_completed(CUcontext ctx, uint32_t stream, uint8_t *buffer,
					size_t size, size_t valid)
{
	(void)ctx;
	(void)stream;
	(void)size;
	CUpti_Activity *rec = NULL;
	while (cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS)
		kernel_records += rec->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
	free(buffer);
}

static CUptiResult direct_start(CUpti_SubscriberHandle *sub, CUpti_CallbackFunc cb)
{
	struct kcp_subscriber_params_v132 p = {.structSize = sizeof(p),
					       .subscriberName = "cupti_client",
					       .allowMultipleSubscribers = 1};
	CUptiResult r = multi ? cuptiSubscribe_v2(sub, cb, NULL, (CUpti_SubscriberParams *)&p)
			      : cuptiSubscribe(sub, cb, NULL);
	if (r == CUPTI_SUCCESS)
		cuptiEnableCallback(1, *sub, CUPTI_CB_DOMAIN_DRIVER_API,
				    CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel);
	return r;
}
#endif

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
#ifndef PROFILER_LOCAL
	multi = argc > 1 && strcmp(argv[1], "multi") == 0;
#endif
	CUptiResult (*start)(CUpti_SubscriberHandle *, CUpti_CallbackFunc);
	CUptiResult (*stop)(CUpti_SubscriberHandle);
#ifdef PROFILER_LOCAL
	void *p = dlopen("libprofiler.so", RTLD_NOW | RTLD_LOCAL);
	if (!p) {
		fprintf(stderr, "cupti_client: %s\n", dlerror());
		return 2;
	}
	*(void **)&start = dlsym(p, "profiler_start");
	*(void **)&stop = dlsym(p, "profiler_stop");
#else
	start = direct_start;
	stop = cuptiUnsubscribe;
	int activity_first = argc > 1 && strcmp(argv[1], "activity_first") == 0;
	if (activity_first &&
	    (cuptiActivityRegisterCallbacks(activity_requested, activity_completed) !=
		 CUPTI_SUCCESS ||
	     cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS))
		return 3;
#endif
	void *h = dlopen("libcuda.so.1", RTLD_NOW);
	CUresult (*iload)(CUmodule *, const void *);
	CUresult (*ifunc)(CUfunction *, CUmodule, const char *);
	CUresult (*ilaunch)(CUfunction, unsigned, unsigned);
	*(void **)&iload = dlsym(h, "fake_internal_load");
	*(void **)&ifunc = dlsym(h, "fake_internal_get_function");
	*(void **)&ilaunch = dlsym(h, "fake_internal_launch");
	static const char ptx[] = ".version 8.0\n.target sm_90\n.address_size 64\n"
				  ".visible .entry prof_kernel()\n{\n\tret;\n}\n";
	CUmodule m;
	CUfunction f;
	if (iload(&m, ptx) || ifunc(&f, m, "prof_kernel"))
		return 2;
	for (int i = 0; i < 3; i++)
		ilaunch(f, 1, 32);
#ifndef PROFILER_LOCAL
	int activity = argc > 1 && strcmp(argv[1], "activity") == 0;
	if (activity &&
	    (cuptiActivityRegisterCallbacks(activity_requested, activity_completed) !=
		 CUPTI_SUCCESS ||
	     cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS))
		return 3;
	if (activity ||
	    activity_first) { /* 4 more; the profiler's buffers have them, and only them */
		unsigned long want = activity ? 4 : 7;
		for (int i = 0; i < 4; i++)
			ilaunch(f, 1, 32);
		cuptiActivityFlushAll(0);
		if (kernel_records != want) {
			fprintf(stderr, "cupti_client: %lu kernel records, want %lu\n",
				kernel_records, want);
			return 4;
		}
		return 0;
	}
#endif
	CUpti_SubscriberHandle sub;
	CUptiResult r = start(&sub, profiler_cb);
	if (r != CUPTI_SUCCESS) {
		fprintf(stderr, "cupti_client: cuptiSubscribe failed: %d\n", (int)r);
		return 3;
	}
	for (int i = 0; i < 4; i++)
		ilaunch(f, 1, 32);
	stop(sub);
	for (int i = 0; i < 5; i++)
		ilaunch(f, 1, 32);
	if (seen_by_profiler != 4) {
		fprintf(stderr, "cupti_client: profiler saw %lu launches, want 4\n",
			seen_by_profiler);
		return 4;
	}
	return 0;
}
