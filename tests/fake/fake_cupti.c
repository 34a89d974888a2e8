/* fake_cupti.c - a stand-in libcupti.so.13 for CPU tests: one subscriber at a time, as
 * CUPTI 13.0 (a second cuptiSubscribe gets CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED),
 * callbacks enabled one id at a time, fed by the stand-in driver (fake_cuda.c). With
 * FAKE_CUPTI_VERSION >= 130200 it is CUPTI 13.2: cuptiSubscribe_v2 takes the larger params
 * with allowMultipleSubscribers, and subscribers that all allow it coexist. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

static CUptiResult subscribe(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud, int multi)
{
	if (!out)
		return CUPTI_ERROR_INVALID_PARAMETER;
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
	return subscribe(out, cb, ud, 0);
}

/* 13.0 checks structSize exactly (measured on the real one: 33 or 40 gives error 1); 13.2
 * also takes the params that end at (or are padded after) allowMultipleSubscribers. */
EXPORT CUptiResult cuptiSubscribe_v2(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud,
				     CUpti_SubscriberParams *params)
{
	int multi = 0;
	if (params && params->structSize != CUpti_SubscriberParams_STRUCT_SIZE) {
		if (version() < KCP_CUPTI_MULTI_VERSION || (params->structSize != KCP_SUBSCRIBER_PARAMS_V132_MIN &&
							   params->structSize != sizeof(struct kcp_subscriber_params_v132)))
			return CUPTI_ERROR_INVALID_PARAMETER;
		multi = ((struct kcp_subscriber_params_v132 *)params)->allowMultipleSubscribers != 0;
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

EXPORT CUptiResult cuptiEnableCallback(uint32_t enable, CUpti_SubscriberHandle h, CUpti_CallbackDomain d,
				       CUpti_CallbackId cbid)
{
	struct subscriber *s = (struct subscriber *)h;
	if (!s || d >= CUPTI_CB_DOMAIN_SIZE || cbid >= MAX_CBID)
		return CUPTI_ERROR_INVALID_PARAMETER;
	s->enabled[d][cbid] = enable ? 1 : 0;
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiEnableDomain(uint32_t enable, CUpti_SubscriberHandle h, CUpti_CallbackDomain d)
{
	struct subscriber *s = (struct subscriber *)h;
	if (!s || d >= CUPTI_CB_DOMAIN_SIZE)
		return CUPTI_ERROR_INVALID_PARAMETER;
	memset(s->enabled[d], enable ? 1 : 0, MAX_CBID);
	return CUPTI_SUCCESS;
}

static void emit_one(struct subscriber *s, CUpti_CallbackDomain d, CUpti_CallbackId cbid,
		     CUpti_ApiCallbackSite site, const char *fname, const void *params, const char *sym,
		     CUresult *ret, uint64_t *corr);

static void emit(CUpti_CallbackDomain d, CUpti_CallbackId cbid, CUpti_ApiCallbackSite site,
		 const char *fname, const void *params, const char *sym, CUresult *ret, uint64_t *corr)
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
		     CUpti_ApiCallbackSite site, const char *fname, const void *params, const char *sym,
		     CUresult *ret, uint64_t *corr)
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

EXPORT void fakecupti_register(void)
{
	void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
	void (*set)(void *, void *) = h ? (void (*)(void *, void *))dlsym(h, "fake_set_cupti") : NULL;
	if (set)
		set((void *)emit, (void *)emit_module);
}

__attribute__((constructor)) static void fakecupti_init(void) { fakecupti_register(); }

EXPORT uint64_t fakecupti_delivered(CUpti_SubscriberHandle h)
{
	return h ? ((struct subscriber *)h)->delivered : 0;
}
