/* libprofiler.c - a profiler library that links libcupti and is itself opened with
 * RTLD_LOCAL, as PyTorch's libtorch_cuda (kineto) is by Python: its cuptiSubscribe binds to
 * kcprof's, whose real one must then be found outside the global scope. */
#include <cupti.h>

__attribute__((visibility("default"))) CUptiResult profiler_start(CUpti_SubscriberHandle *sub,
								  CUpti_CallbackFunc cb)
{
	CUptiResult r = cuptiSubscribe(sub, cb, NULL);
	if (r == CUPTI_SUCCESS)
		cuptiEnableCallback(1, *sub, CUPTI_CB_DOMAIN_DRIVER_API,
				    CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel);
	return r;
}

__attribute__((visibility("default"))) CUptiResult profiler_stop(CUpti_SubscriberHandle sub)
{
	return cuptiUnsubscribe(sub);
}
