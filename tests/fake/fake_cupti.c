/* fake_cupti.c - a stand-in libcupti.so.13 for CPU tests: one subscriber at a time, as
 * CUPTI 13.0 (a second cuptiSubscribe gets CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED),
 * callbacks enabled one id at a time, fed by the stand-in driver (fake_cuda.c). With
 * FAKE_CUPTI_VERSION >= 130200 it is CUPTI 13.2: cuptiSubscribe_v2 takes the larger params
 * with allowMultipleSubscribers, and subscribers that all allow it coexist. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cuda.h>
#include <cupti.h>

#include "../../preload/cupti_v132.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_CBID 1024

#define MAX_SUBSCRIBERS 4

struct subscriber {
	CUpti_CallbackFunc cb;
	void *ud;
	int multi;
	uint8_t enabled[CUPTI_CB_DOMAIN_SIZE][MAX_CBID];
	uint64_t delivered;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct subscriber *subs[MAX_SUBSCRIBERS];
static uint32_t correlation;

static uint32_t version(void)
{
	const char *e = getenv("FAKE_CUPTI_VERSION");
	return e ? (uint32_t)strtoul(e, NULL, 10) : 130001;
}

EXPORT CUptiResult cuptiGetVersion(uint32_t *v)
{
	*v = version();
	return CUPTI_SUCCESS;
}

/* FAKE_CUPTI_SUBSCRIBE_GATE=E,W: the first subscribe writes a byte to fd E, then waits for
 * one on fd W (drv_client ctorprobe: the test decides what happens meanwhile). */
static void subscribe_gate(void)
{
	static _Atomic int passed;
	const char *g = getenv("FAKE_CUPTI_SUBSCRIBE_GATE");
	int entered, wait;
	if (!g || sscanf(g, "%d,%d", &entered, &wait) != 2 || atomic_exchange(&passed, 1))
		return;
	char c = 1;
	if (write(entered, &c, 1) != 1 || read(wait, &c, 1) != 1)
		abort();
}

/* CUPTI's one-time starts, as the real one's (measured on the H100, CUPTI 13.0): the first
 * cuptiSubscribe, or an earlier cuptiSupportedDomains, takes the loader's lock, and so does
 * the first cuptiActivityRegisterCallbacks (no query before it starts the activity API);
 * later calls never do. The stand-in takes it through a dlopen. */
static void start_once(_Atomic int *started)
{
	if (atomic_exchange(started, 1))
		return;
	void *self = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	if (self)
		dlclose(self);
}

static _Atomic int callbacks_started, activity_started;

EXPORT CUptiResult cuptiSupportedDomains(size_t *n, CUpti_DomainTable *table)
{
	static CUpti_CallbackDomain domains[] = {CUPTI_CB_DOMAIN_DRIVER_API,
						 CUPTI_CB_DOMAIN_RESOURCE};
	if (!n || !table)
		return CUPTI_ERROR_INVALID_PARAMETER;
	start_once(&callbacks_started);
	*n = sizeof(domains) / sizeof(domains[0]);
	*table = domains;
	return CUPTI_SUCCESS;
}

static CUptiResult subscribe(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud,
			     int multi)
{
	if (!out)
		return CUPTI_ERROR_INVALID_PARAMETER;
	subscribe_gate();
	start_once(&callbacks_started);
	pthread_mutex_lock(&lock);
	int slot = -1;
	for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
		if (!subs[i]) {
			slot = slot < 0 ? i : slot;
		} else if (!multi || !subs[i]->multi) {
			pthread_mutex_unlock(&lock);
			return CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
		}
	}
	if (slot < 0) {
		pthread_mutex_unlock(&lock);
		return CUPTI_ERROR_MAX_LIMIT_REACHED;
	}
	struct subscriber *s = calloc(1, sizeof(*s));
	s->cb = cb;
	s->ud = ud;
	s->multi = multi;
	subs[slot] = s;
	pthread_mutex_unlock(&lock);
	*out = (CUpti_SubscriberHandle)s;
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiSubscribe(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud)
{
	errno = ENOENT; /* the real one leaves errno from the files it looks for */
	return subscribe(out, cb, ud, 0);
}

/* 13.0 checks structSize exactly (measured on the real one: 33 or 40 gives error 1); 13.2
 * also takes the params that end at (or are padded after) allowMultipleSubscribers. */
EXPORT CUptiResult cuptiSubscribe_v2(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud,
				     CUpti_SubscriberParams *params)
{
	int multi = 0;
	if (params && params->structSize != CUpti_SubscriberParams_STRUCT_SIZE) {
		if (version() < KCP_CUPTI_MULTI_VERSION ||
		    (params->structSize != KCP_SUBSCRIBER_PARAMS_V132_MIN &&
		     params->structSize != sizeof(struct kcp_subscriber_params_v132)))
			return CUPTI_ERROR_INVALID_PARAMETER;
		multi =
		    ((struct kcp_subscriber_params_v132 *)params)->allowMultipleSubscribers != 0;
	}
	return subscribe(out, cb, ud, multi);
}

EXPORT CUptiResult cuptiUnsubscribe(CUpti_SubscriberHandle h)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; h && i < MAX_SUBSCRIBERS; i++) {
		if (subs[i] == (struct subscriber *)h) {
			subs[i] = NULL;
			pthread_mutex_unlock(&lock);
			free(h);
			return CUPTI_SUCCESS;
		}
	}
	pthread_mutex_unlock(&lock);
	return CUPTI_ERROR_INVALID_PARAMETER;
}

EXPORT CUptiResult cuptiEnableCallback(uint32_t enable, CUpti_SubscriberHandle h,
				       CUpti_CallbackDomain d, CUpti_CallbackId cbid)
{
	struct subscriber *s = (struct subscriber *)h;
	if (!s || d >= CUPTI_CB_DOMAIN_SIZE || cbid >= MAX_CBID)
		return CUPTI_ERROR_INVALID_PARAMETER;
	s->enabled[d][cbid] = enable ? 1 : 0;
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiEnableDomain(uint32_t enable, CUpti_SubscriberHandle h,
				     CUpti_CallbackDomain d)
{
	struct subscriber *s = (struct subscriber *)h;
	if (!s || d >= CUPTI_CB_DOMAIN_SIZE)
		return CUPTI_ERROR_INVALID_PARAMETER;
	memset(s->enabled[d], enable ? 1 : 0, MAX_CBID);
	return CUPTI_SUCCESS;
}

static void emit_one(struct subscriber *s, CUpti_CallbackDomain d, CUpti_CallbackId cbid,
		     CUpti_ApiCallbackSite site, const char *fname, const void *params,
		     const char *sym, CUresult *ret, uint64_t *corr);

static void emit(CUpti_CallbackDomain d, CUpti_CallbackId cbid, CUpti_ApiCallbackSite site,
		 const char *fname, const void *params, const char *sym, CUresult *ret,
		 uint64_t *corr)
{
	if (d >= CUPTI_CB_DOMAIN_SIZE || cbid >= MAX_CBID)
		return;
	for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
		struct subscriber *s = subs[i];
		if (s && s->enabled[d][cbid])
			emit_one(s, d, cbid, site, fname, params, sym, ret, corr);
	}
}

static void emit_one(struct subscriber *s, CUpti_CallbackDomain d, CUpti_CallbackId cbid,
		     CUpti_ApiCallbackSite site, const char *fname, const void *params,
		     const char *sym, CUresult *ret, uint64_t *corr)
{
	CUpti_CallbackData data = {
	    .callbackSite = site,
	    .functionName = fname,
	    .functionParams = params,
	    .functionReturnValue = ret,
	    .symbolName = sym,
	    .correlationData = corr,
	    .correlationId = __atomic_add_fetch(&correlation, 1, __ATOMIC_RELAXED),
	};
	__atomic_fetch_add(&s->delivered, 1, __ATOMIC_RELAXED);
	s->cb(s->ud, d, cbid, &data);
}

static void emit_module(unsigned id, const void *cubin, size_t size)
{
	CUpti_ModuleResourceData m = {.moduleId = id, .cubinSize = size, .pCubin = cubin};
	CUpti_ResourceData rd = {.context = NULL, .resourceDescriptor = &m};
	for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
		struct subscriber *s = subs[i];
		if (!s || !s->enabled[CUPTI_CB_DOMAIN_RESOURCE][CUPTI_CBID_RESOURCE_MODULE_LOADED])
			continue;
		__atomic_fetch_add(&s->delivered, 1, __ATOMIC_RELAXED);
		s->cb(s->ud, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_MODULE_LOADED, &rd);
	}
}

/* ---- the activity API: a CONCURRENT_KERNEL record per kernel the stand-in driver "runs" ----
 * On a made-up GPU clock, per stream: each kernel starts 2 us after the previous one on its
 * stream ended, or 500 ns before it ended when launched with programmatic dependent launch,
 * and runs 1 us per block of its grid's x. Records go into the program's (kcprof's) buffers,
 * handed back when one is full and at cuptiActivityFlushAll. */
#define GAP_NS 2000
#define OVERLAP_NS 500
static CUpti_BuffersCallbackRequestFunc buf_requested;
static CUpti_BuffersCallbackCompleteFunc buf_completed;
static int kernel_records;
static uint8_t *buf;
static size_t buf_size, buf_used;
static struct {
	CUstream stream;
	uint64_t end;
} clocks[16];

EXPORT CUptiResult cuptiActivityRegisterCallbacks(CUpti_BuffersCallbackRequestFunc requested,
						  CUpti_BuffersCallbackCompleteFunc completed)
{
	if (!requested || !completed)
		return CUPTI_ERROR_INVALID_PARAMETER;
	start_once(&activity_started);
	pthread_mutex_lock(&lock);
	buf_requested = requested;
	buf_completed = completed;
	pthread_mutex_unlock(&lock);
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityEnable(CUpti_ActivityKind kind)
{
	if (kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL)
		return CUPTI_ERROR_NOT_COMPATIBLE;
	if (!buf_completed)
		return CUPTI_ERROR_INVALID_OPERATION;
	__atomic_store_n(&kernel_records, 1, __ATOMIC_RELEASE);
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityDisable(CUpti_ActivityKind kind)
{
	if (kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL)
		__atomic_store_n(&kernel_records, 0, __ATOMIC_RELEASE);
	return CUPTI_SUCCESS;
}

/* Under lock: the buffer back to its owner (called without the lock, as CUPTI does). */
static void hand_back(void)
{
	uint8_t *b = buf;
	size_t size = buf_size, used = buf_used;
	CUpti_BuffersCallbackCompleteFunc done = buf_completed;
	buf = NULL;
	buf_used = 0;
	pthread_mutex_unlock(&lock);
	if (b)
		done(NULL, 0, b, size, used);
	pthread_mutex_lock(&lock);
}

EXPORT CUptiResult cuptiActivityFlushAll(uint32_t flag)
{
	(void)flag;
	pthread_mutex_lock(&lock);
	if (buf && buf_used)
		hand_back();
	pthread_mutex_unlock(&lock);
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiActivityGetNextRecord(uint8_t *buffer, size_t valid, CUpti_Activity **rec)
{
	uint8_t *next = *rec ? (uint8_t *)*rec + sizeof(CUpti_ActivityKernel10) : buffer;
	if (next + sizeof(CUpti_ActivityKernel10) > buffer + valid)
		return CUPTI_ERROR_MAX_LIMIT_REACHED;
	*rec = (CUpti_Activity *)next;
	return CUPTI_SUCCESS;
}

static void emit_kernel(const char *name, unsigned gx, CUstream stream, int pdl)
{
	if (!__atomic_load_n(&kernel_records, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lock);
	unsigned i = 0;
	while (i < 15 && clocks[i].end && clocks[i].stream != stream)
		i++;
	clocks[i].stream = stream;
	uint64_t start = !clocks[i].end ? 1000000000ull
			 : pdl		? clocks[i].end - OVERLAP_NS
					: clocks[i].end + GAP_NS;
	uint64_t end = start + 1000ull * gx;
	clocks[i].end = end > clocks[i].end ? end : clocks[i].end;
	if (!buf) {
		size_t max_records;
		buf_requested(&buf, &buf_size, &max_records);
		buf_used = 0;
	}
	if (buf && buf_used + sizeof(CUpti_ActivityKernel10) <= buf_size) {
		CUpti_ActivityKernel10 *k = (CUpti_ActivityKernel10 *)(buf + buf_used);
		memset(k, 0, sizeof(*k));
		k->kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
		k->start = start;
		k->end = end;
		k->streamId = i;
		k->contextId = 1;
		k->gridX = (int32_t)gx;
		k->name = name;
		buf_used += sizeof(*k);
		if (buf_used + sizeof(*k) > buf_size)
			hand_back();
	}
	pthread_mutex_unlock(&lock);
}

EXPORT void fakecupti_register(void)
{
	void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
	void (*set)(void *, void *, void *) =
	    h ? (void (*)(void *, void *, void *))dlsym(h, "fake_set_cupti") : NULL;
	if (set)
		set((void *)emit, (void *)emit_module, (void *)emit_kernel);
}

__attribute__((constructor)) static void fakecupti_init(void)
{
	fakecupti_register();
}

EXPORT uint64_t fakecupti_delivered(CUpti_SubscriberHandle h)
{
	return h ? ((struct subscriber *)h)->delivered : 0;
}
