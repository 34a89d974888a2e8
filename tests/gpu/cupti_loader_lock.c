/* cupti_loader_lock.c - does CUPTI take the dynamic loader's lock inside cuptiSubscribe,
 * cuptiEnableCallback or cuptiUnsubscribe? A thread holds the loader's lock (its dlopen of a
 * library whose constructor waits), and this thread calls CUPTI: a call that waits longer
 * than 5 s is taken to wait for the loader's lock. kcprof holds its own CUPTI lock across
 * those calls; a program's library constructor subscribing to CUPTI waits for that lock while
 * holding the loader's, so a CUPTI call that takes the loader's lock would deadlock there.
 *
 *   cupti_loader_lock LIBHOLDER [before-init | warm | control]
 *
 * LIBHOLDER: a library whose constructor writes a byte to fd HOLD_IN and reads one from fd
 * HOLD_OUT (the harness's pipes). before-init: CUPTI first called before cuInit (kcprof's
 * start can come at the program's first driver call); warm: CUPTI subscribed to, a callback
 * enabled and unsubscribed once before the lock is held. Prints a line a call, exit 0; on a
 * call that waited, "WAITS <call>" and exit 3. control: a dlopen first, which must wait (exit 3):
 * the probe's own check. */
#include <cuda.h>
#include <cupti.h>
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *volatile phase = "start";
static int to_main[2], to_ctor[2];

static void on_alarm(int sig)
{
	(void)sig;
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "WAITS %s (over 5 s, the loader's lock held)\n", phase);
	(void)!write(1, msg, (size_t)n);
	_exit(3);
}

static void *hold_loader_lock(void *path)
{
	void *h = dlopen(path, RTLD_NOW);
	if (!h)
		fprintf(stderr, "dlopen %s: %s\n", (char *)path, dlerror());
	return h;
}

static void CUPTIAPI on_cb(void *u, CUpti_CallbackDomain d, CUpti_CallbackId id, const void *data)
{
	(void)u, (void)d, (void)id, (void)data;
}

static void CUPTIAPI on_request(uint8_t **buf, size_t *size, size_t *max)
{
	static uint8_t b[1 << 16] __attribute__((aligned(8)));
	*buf = b, *size = sizeof(b), *max = 0;
}

static void CUPTIAPI on_complete(CUcontext c, uint32_t id, uint8_t *buf, size_t size, size_t valid)
{
	(void)c, (void)id, (void)buf, (void)size, (void)valid;
}

#define CALL(what, expr)                                                                           \
	do {                                                                                       \
		phase = what;                                                                      \
		alarm(5);                                                                          \
		int r_ = (int)(expr);                                                              \
		alarm(0);                                                                          \
		printf("%-28s returned %d with the loader's lock held elsewhere\n", what, r_);     \
		fflush(stdout);                                                                    \
	} while (0)

/* A CUPTI call by name, made before the loader's lock is held elsewhere: its result. */
static int call_first(void *cupti, const char *f)
{
	void *fn = dlsym(cupti, f);
	if (!fn)
		return -1;
	if (strcmp(f, "cuptiSupportedDomains") == 0) {
		size_t n;
		CUpti_DomainTable t;
		return ((CUptiResult(*)(size_t *, CUpti_DomainTable *))fn)(&n, &t);
	}
	if (strcmp(f, "cuptiGetTimestamp") == 0) {
		uint64_t ts;
		return ((CUptiResult(*)(uint64_t *))fn)(&ts);
	}
	if (strcmp(f, "cuptiActivityFlushAll") == 0)
		return ((CUptiResult(*)(uint32_t))fn)(0);
	if (strcmp(f, "cuptiActivityGetAttribute") == 0) {
		size_t v, size = sizeof(v);
		return ((CUptiResult(*)(CUpti_ActivityAttribute, size_t *, void *))fn)(
		    CUPTI_ACTIVITY_ATTR_DEVICE_BUFFER_SIZE, &size, &v);
	}
	if (strcmp(f, "cuptiActivityGetNumDroppedRecords") == 0) {
		size_t d;
		return ((CUptiResult(*)(CUcontext, uint32_t, size_t *))fn)(NULL, 0, &d);
	}
	return -2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *env = getenv("BEFORE_INIT");
	int before_init = (argc > 2 && strcmp(argv[2], "before-init") == 0) || (env && *env);
	if (pipe(to_main) || pipe(to_ctor))
		return 1;
	char fd[64];
	snprintf(fd, sizeof(fd), "%d", to_main[1]);
	setenv("HOLD_IN", fd, 1);
	snprintf(fd, sizeof(fd), "%d", to_ctor[0]);
	setenv("HOLD_OUT", fd, 1);
	signal(SIGALRM, on_alarm);
	CUdevice dev;
	CUcontext ctx;
	if (!before_init && (cuInit(0) || cuDeviceGet(&dev, 0) ||
			     cuDevicePrimaryCtxRetain(&ctx, dev) || cuCtxSetCurrent(ctx)))
		return 1;
	/* libcupti opened and its functions found before the lock is held (kcprof does that) */
	void *cupti = dlopen("libcupti.so.13", RTLD_NOW);
	if (!cupti)
		cupti = dlopen("/usr/local/cuda/extras/CUPTI/lib64/libcupti.so.13", RTLD_NOW);
	if (!cupti) {
		fprintf(stderr, "no libcupti: %s\n", dlerror());
		return 1;
	}
	CUptiResult (*subscribe)(CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *) =
	    (CUptiResult(*)(CUpti_SubscriberHandle *, CUpti_CallbackFunc, void *))dlsym(
		cupti, "cuptiSubscribe");
	CUptiResult (*enable)(uint32_t, CUpti_SubscriberHandle, CUpti_CallbackDomain,
			      CUpti_CallbackId) =
	    (CUptiResult(*)(uint32_t, CUpti_SubscriberHandle, CUpti_CallbackDomain,
			    CUpti_CallbackId))dlsym(cupti, "cuptiEnableCallback");
	CUptiResult (*unsubscribe)(CUpti_SubscriberHandle) =
	    (CUptiResult(*)(CUpti_SubscriberHandle))dlsym(cupti, "cuptiUnsubscribe");
	CUptiResult (*version)(uint32_t *) =
	    (CUptiResult(*)(uint32_t *))dlsym(cupti, "cuptiGetVersion");
	uint32_t v = 0;
	version(&v);
	printf("CUPTI version %u, %s\n", v,
	       before_init ? "before cuInit" : "after cuInit and a context");
	CUpti_SubscriberHandle s = NULL;
	if (argc > 2 && strcmp(argv[2], "warm") == 0) { /* CUPTI used once before the lock */
		subscribe(&s, on_cb, NULL);
		enable(1, s, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel);
		unsubscribe(s);
		printf("CUPTI subscribed, enabled and unsubscribed once before the lock\n");
	}
	if (argc > 2 && strncmp(argv[2], "first:", 6) == 0) /* calls first, then the lock */
		for (char *f = strtok(argv[2] + 6, ","); f; f = strtok(NULL, ","))
			printf("%s first: returned %d\n", f, call_first(cupti, f));
	pthread_t t;
	pthread_create(&t, NULL, hold_loader_lock, argv[1]);
	char c;
	if (read(to_main[0], &c, 1) != 1)
		return 1; /* the constructor runs: the loader's lock is held from here */
	if (argc > 2 && strcmp(argv[2], "control") == 0) /* the probe itself: this must wait */
		CALL("dlopen (control)", dlopen("libnvrtc.so.13", RTLD_NOW) != NULL);
	CALL("cuptiSubscribe", subscribe(&s, on_cb, NULL));
	CALL("cuptiEnableCallback (launch)",
	     enable(1, s, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel));
	CALL("cuptiEnableCallback (module)",
	     enable(1, s, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_MODULE_LOADED));
	CALL("cuptiUnsubscribe", unsubscribe(s));
	CALL("cuptiSubscribe again", subscribe(&s, on_cb, NULL));
	CALL("cuptiUnsubscribe again", unsubscribe(s));
	/* what kcprof's --gpu-time starts under its CUPTI lock */
	CALL("cuptiActivityRegisterCallbacks",
	     ((CUptiResult(*)(CUpti_BuffersCallbackRequestFunc, CUpti_BuffersCallbackCompleteFunc))
		  dlsym(cupti, "cuptiActivityRegisterCallbacks"))(on_request, on_complete));
	CALL("cuptiActivityEnable (kernel)",
	     ((CUptiResult(*)(CUpti_ActivityKind))dlsym(cupti, "cuptiActivityEnable"))(
		 CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
	CALL("cuptiActivityDisable (kernel)",
	     ((CUptiResult(*)(CUpti_ActivityKind))dlsym(cupti, "cuptiActivityDisable"))(
		 CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
	if (before_init)
		CALL("cuInit", cuInit(0));
	(void)!write(to_ctor[1], "x", 1); /* the constructor returns, the lock is let go */
	pthread_join(t, NULL);
	printf("no CUPTI call waited for the loader's lock\n");
	return 0;
}
