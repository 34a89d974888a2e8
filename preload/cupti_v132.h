/* cupti_v132.h - CUPTI 13.2's cuptiSubscribe_v2 parameters, which the CUDA 13.0 headers lack:
 * allowMultipleSubscribers follows oldSubscriberSize. A 13.0 library rejects the larger struct
 * (measured: structSize 33 or 40 gives error 1). Shared by the recorder and the tests' stand-in
 * CUPTI and client. */
#ifndef KCP_CUPTI_V132_H
#define KCP_CUPTI_V132_H

#include <stddef.h>
#include <stdint.h>

#define KCP_CUPTI_MULTI_VERSION                                                                    \
	130200 /* cuptiGetVersion from which several subscribers may share */

struct kcp_subscriber_params_v132 {
	size_t structSize;
	const char *subscriberName;
	char *oldSubscriberName;
	size_t oldSubscriberSize;
	uint8_t allowMultipleSubscribers;
	uint8_t padding[7];
};
/* The struct as a 13.2 header without the padding has it: it ends at the flag. */
#define KCP_SUBSCRIBER_PARAMS_V132_MIN offsetof(struct kcp_subscriber_params_v132, padding)

#endif
