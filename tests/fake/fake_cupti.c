/* fake_cupti.c - a stand-in libcupti.so.13 for CPU tests: one subscriber at a time, as
 * CUPTI 13.0 (a second cuptiSubscribe gets CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED),
 * callbacks enabled one id at a time, fed by the stand-in driver (fake_cuda.c). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>
#include <cupti.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_CBID 1024

struct subscriber {
	CUpti_CallbackFunc cb;
	void *ud;
	uint8_t enabled[CUPTI_CB_DOMAIN_SIZE][MAX_CBID];
	uint64_t delivered;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct subscriber *current;
static uint32_t correlation;

EXPORT CUptiResult cuptiGetVersion(uint32_t *v)
{
	const char *e = getenv("FAKE_CUPTI_VERSION");
	*v = e ? (uint32_t)strtoul(e, NULL, 10) : 130001;
	return CUPTI_SUCCESS;
}

static CUptiResult subscribe(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud)
{
	if (!out)
		return CUPTI_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&lock);
	if (current) {
		pthread_mutex_unlock(&lock);
		return CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
	}
	struct subscriber *s = calloc(1, sizeof(*s));
	s->cb = cb;
	s->ud = ud;
	current = s;
	pthread_mutex_unlock(&lock);
	*out = (CUpti_SubscriberHandle)s;
	return CUPTI_SUCCESS;
}

EXPORT CUptiResult cuptiSubscribe(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud)
{
	return subscribe(out, cb, ud);
}

/* 13.0 checks structSize exactly (measured on the real one: 33 or 40 gives error 1). */
EXPORT CUptiResult cuptiSubscribe_v2(CUpti_SubscriberHandle *out, CUpti_CallbackFunc cb, void *ud,
				     CUpti_SubscriberParams *params)
{
	if (params && params->structSize != CUpti_SubscriberParams_STRUCT_SIZE)
		return CUPTI_ERROR_INVALID_PARAMETER;
	return subscribe(out, cb, ud);
}

EXPORT CUptiResult cuptiUnsubscribe(CUpti_SubscriberHandle h)
{
	pthread_mutex_lock(&lock);
	if (!h || (struct subscriber *)h != current) {
		pthread_mutex_unlock(&lock);
		return CUPTI_ERROR_INVALID_PARAMETER;
	}
	current = NULL;
	pthread_mutex_unlock(&lock);
	free(h);
	return CUPTI_SUCCESS;
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

static void emit(CUpti_CallbackDomain d, CUpti_CallbackId cbid, CUpti_ApiCallbackSite site,
		 const char *fname, const void *params, const char *sym, CUresult *ret, uint64_t *corr)
{
	struct subscriber *s = current;
	if (!s || d >= CUPTI_CB_DOMAIN_SIZE || cbid >= MAX_CBID || !s->enabled[d][cbid])
		return;
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
	struct subscriber *s = current;
	if (!s || !s->enabled[CUPTI_CB_DOMAIN_RESOURCE][CUPTI_CBID_RESOURCE_MODULE_LOADED])
		return;
	CUpti_ModuleResourceData m = {.moduleId = id, .cubinSize = size, .pCubin = cubin};
	CUpti_ResourceData rd = {.context = NULL, .resourceDescriptor = &m};
	__atomic_fetch_add(&s->delivered, 1, __ATOMIC_RELAXED);
	s->cb(s->ud, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_MODULE_LOADED, &rd);
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
