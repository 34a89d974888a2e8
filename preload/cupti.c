/* cupti.c - CUPTI: seeing what passes no symbol hook, and yielding to the program's profiler.
 *
 * PyTorch eager (cudart's internal driver table) and torch.compile (Inductor's own driver
 * table) reach the driver without any symbol kcprof can hook; CUPTI callbacks see them. Only
 * the ids kcprof needs are enabled, one by one: a whole API domain cost 2-4 us per PyTorch
 * op on the H100, the launch ids alone stayed within noise (../shared/gpu-facts.md).
 *
 * CUDA 13.0's CUPTI takes one subscriber. When the program's profiler (torch.profiler,
 * kineto) subscribes, the call reaches kcprof's cuptiSubscribe first: kcprof unsubscribes,
 * writes a YIELDED record, lets the call through, and takes CUPTI back (RESUMED) when the
 * program unsubscribes. CUPTI 13.2+ can be asked for several subscribers, and is asked.
 *
 * A call a hook already handles is skipped here: the hook holds the per-thread guard around
 * the real call, inside which CUPTI fires. So each call is counted once.
 *
 * CUPTI's launch callbacks cost about 0.5 us a launch even when kcprof's part returns at once
 * (H100: +0.6-0.7 us on cuLaunchKernel's host time). When the hooks see every launch (Triton
 * by dlsym, cudart by cuGetProcAddress: the usual case), those callbacks are switched off:
 * after 1000 hooked launches with none that only CUPTI saw; they come back on for a look
 * every 10 s, and stay on while launches that only CUPTI sees go on. Loads keep theirs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cupti_v132.h"
#include "kcp.h"

#define DOMAIN "cupti"

struct cupti_api {
	__typeof__(&cuptiSubscribe) subscribe;
	__typeof__(&cuptiSubscribe_v2) subscribe_v2;
	__typeof__(&cuptiUnsubscribe) unsubscribe;
	__typeof__(&cuptiEnableCallback) enable_callback;
	__typeof__(&cuptiGetVersion) get_version;
};
static struct cupti_api api; /* filled once (loaded), under cupti_lock */

static pthread_mutex_t cupti_lock = PTHREAD_MUTEX_INITIALIZER;
static int loaded;	   /* api filled: 1, or -1 where libcupti was not found */
static void *cupti_handle; /* the libcupti in use */
static uint32_t cupti_version;
static CUpti_SubscriberHandle ours;   /* non-NULL while kcprof holds CUPTI */
static CUpti_SubscriberHandle theirs; /* the program's subscription */
static int yielded;		      /* kcprof let go for the program */
static _Atomic int active;	      /* callbacks do work */
static _Atomic int launch_cbs;	      /* launch callbacks enabled */
static _Atomic uint64_t cupti_only_launches;

void kcp_cupti_record(unsigned ev, int result, const char *detail)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_cupti rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.event = ev;
	rec.result = result;
	rec.version = cupti_version;
	rec.detail = kc_rb_str(&rb, detail);
	kcp_rec_emit(&rb, &rec, KC_REC_CUPTI);
	kc_rb_release(&rb);
}

/* ---- the callback ------------------------------------------------------------------------- */

static void on_launch(CUpti_CallbackId cbid, const CUpti_CallbackData *cb)
{
	struct kcp_launch l = {.path = KC_PATH_CUPTI, .name = cb->symbolName};
	const void *p = cb->functionParams;
	switch (cbid) {
	case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel:
	case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz: {
		const cuLaunchKernel_params *a = p;
		l = (struct kcp_launch){(uint64_t)(uintptr_t)a->f,
					{a->gridDimX, a->gridDimY, a->gridDimZ},
					{a->blockDimX, a->blockDimY, a->blockDimZ},
					a->sharedMemBytes,
					(uint64_t)(uintptr_t)a->hStream,
					0,
					KC_API_LAUNCH_KERNEL,
					KC_PATH_CUPTI,
					cb->symbolName};
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx:
	case CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz: {
		const cuLaunchKernelEx_params *a = p;
		const CUlaunchConfig *c = a->config;
		if (!c)
			return;
		l = (struct kcp_launch){(uint64_t)(uintptr_t)a->f,
					{c->gridDimX, c->gridDimY, c->gridDimZ},
					{c->blockDimX, c->blockDimY, c->blockDimZ},
					c->sharedMemBytes,
					(uint64_t)(uintptr_t)c->hStream,
					kcp_launch_attrs(c),
					KC_API_LAUNCH_KERNEL_EX,
					KC_PATH_CUPTI,
					cb->symbolName};
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel:
	case CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel_ptsz: {
		const cuLaunchCooperativeKernel_params *a = p;
		l = (struct kcp_launch){(uint64_t)(uintptr_t)a->f,
					{a->gridDimX, a->gridDimY, a->gridDimZ},
					{a->blockDimX, a->blockDimY, a->blockDimZ},
					a->sharedMemBytes,
					(uint64_t)(uintptr_t)a->hStream,
					1ull << CU_LAUNCH_ATTRIBUTE_COOPERATIVE,
					KC_API_LAUNCH_COOPERATIVE,
					KC_PATH_CUPTI,
					cb->symbolName};
		break;
	}
	default:
		return;
	}
	atomic_fetch_add_explicit(&cupti_only_launches, 1, memory_order_relaxed);
	kcp_launch_note(&l, cb->functionReturnValue ? *(const CUresult *)cb->functionReturnValue
						    : CUDA_SUCCESS);
}

/* Loads: begin at API entry (so MODULE_LOADED, fired inside, finds the pending load), end
 * at exit with the same arguments a hook would have seen. */
static void on_load(CUpti_CallbackId cbid, const CUpti_CallbackData *cb)
{
	if (cb->callbackSite == CUPTI_API_ENTER) {
		struct kcp_load_token *tok = malloc(sizeof(*tok));
		if (tok)
			kcp_load_begin(tok, 0); /* at the API's entry, as a hook */
		*cb->correlationData = (uint64_t)(uintptr_t)tok;
		return;
	}
	struct kcp_load_token *tok = (void *)(uintptr_t)*cb->correlationData;
	if (!tok)
		return;
	CUresult r =
	    cb->functionReturnValue ? *(const CUresult *)cb->functionReturnValue : CUDA_SUCCESS;
	struct kcp_load_args a = {.path = KC_PATH_CUPTI};
	uint64_t handle = 0;
	int is_lib = 0;
	const void *p = cb->functionParams;
	switch (cbid) {
	case CUPTI_DRIVER_TRACE_CBID_cuModuleLoad: {
		const cuModuleLoad_params *x = p;
		a.api = KC_API_MODULE_LOAD;
		a.file = x->fname;
		handle = x->module ? (uint64_t)(uintptr_t)*x->module : 0;
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuModuleLoadData: {
		const cuModuleLoadData_params *x = p;
		a.api = KC_API_MODULE_LOAD_DATA;
		a.image = x->image;
		handle = x->module ? (uint64_t)(uintptr_t)*x->module : 0;
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuModuleLoadDataEx: {
		const cuModuleLoadDataEx_params *x = p;
		a.api = KC_API_MODULE_LOAD_DATA_EX;
		a.image = x->image;
		a.nopts = x->numOptions;
		a.opts = x->options;
		a.optvals = x->optionValues;
		handle = x->module ? (uint64_t)(uintptr_t)*x->module : 0;
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuModuleLoadFatBinary: {
		const cuModuleLoadFatBinary_params *x = p;
		a.api = KC_API_MODULE_LOAD_FAT_BINARY;
		a.image = x->fatCubin;
		handle = x->module ? (uint64_t)(uintptr_t)*x->module : 0;
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuLibraryLoadData: {
		const cuLibraryLoadData_params *x = p;
		a.api = KC_API_LIBRARY_LOAD_DATA;
		a.image = x->code;
		a.nopts = x->numJitOptions;
		a.opts = x->jitOptions;
		a.optvals = x->jitOptionsValues;
		handle = x->library ? (uint64_t)(uintptr_t)*x->library : 0;
		is_lib = 1;
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuLibraryLoadFromFile: {
		const cuLibraryLoadFromFile_params *x = p;
		a.api = KC_API_LIBRARY_LOAD_FROM_FILE;
		a.file = x->fileName;
		a.nopts = x->numJitOptions;
		a.opts = x->jitOptions;
		a.optvals = x->jitOptionsValues;
		handle = x->library ? (uint64_t)(uintptr_t)*x->library : 0;
		is_lib = 1;
		break;
	}
	}
	kcp_load_end(tok, &a, r == CUDA_SUCCESS ? handle : 0, is_lib, r);
	free(tok);
}

static void on_other(CUpti_CallbackId cbid, const CUpti_CallbackData *cb)
{
	if (cb->callbackSite != CUPTI_API_EXIT)
		return;
	CUresult r =
	    cb->functionReturnValue ? *(const CUresult *)cb->functionReturnValue : CUDA_SUCCESS;
	const void *p = cb->functionParams;
	switch (cbid) {
	case CUPTI_DRIVER_TRACE_CBID_cuModuleUnload:
		kcp_module_unloaded((uint64_t)(uintptr_t)((const cuModuleUnload_params *)p)->hmod,
				    0, KC_PATH_CUPTI, r);
		break;
	case CUPTI_DRIVER_TRACE_CBID_cuLibraryUnload:
		kcp_module_unloaded(
		    (uint64_t)(uintptr_t)((const cuLibraryUnload_params *)p)->library, 1,
		    KC_PATH_CUPTI, r);
		break;
	case CUPTI_DRIVER_TRACE_CBID_cuModuleGetFunction: {
		const cuModuleGetFunction_params *x = p;
		if (r == CUDA_SUCCESS && x->hfunc)
			kcp_func_note((uint64_t)(uintptr_t)*x->hfunc, x->name,
				      (uint64_t)(uintptr_t)x->hmod, KC_API_MODULE_GET_FUNCTION,
				      KC_PATH_CUPTI);
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuLibraryGetKernel: {
		const cuLibraryGetKernel_params *x = p;
		if (r == CUDA_SUCCESS && x->pKernel)
			kcp_func_note((uint64_t)(uintptr_t)*x->pKernel, x->name,
				      (uint64_t)(uintptr_t)x->library, KC_API_LIBRARY_GET_KERNEL,
				      KC_PATH_CUPTI);
		break;
	}
	case CUPTI_DRIVER_TRACE_CBID_cuKernelGetFunction: {
		const cuKernelGetFunction_params *x = p;
		if (r == CUDA_SUCCESS && x->pFunc)
			kcp_func_alias((uint64_t)(uintptr_t)*x->pFunc,
				       (uint64_t)(uintptr_t)x->kernel, KC_PATH_CUPTI);
		break;
	}
	}
}

#define LAUNCH_CBIDS(X)                                                                            \
	X(cuLaunchKernel)                                                                          \
	X(cuLaunchKernel_ptsz)                                                                     \
	X(cuLaunchKernelEx)                                                                        \
	X(cuLaunchKernelEx_ptsz) X(cuLaunchCooperativeKernel) X(cuLaunchCooperativeKernel_ptsz)
#define LOAD_CBIDS(X)                                                                              \
	X(cuModuleLoad)                                                                            \
	X(cuModuleLoadData)                                                                        \
	X(cuModuleLoadDataEx) X(cuModuleLoadFatBinary) X(cuLibraryLoadData) X(cuLibraryLoadFromFile)
#define OTHER_CBIDS(X)                                                                             \
	X(cuModuleUnload)                                                                          \
	X(cuLibraryUnload) X(cuModuleGetFunction) X(cuLibraryGetKernel) X(cuKernelGetFunction)
#define CBID_CASE(name) case CUPTI_DRIVER_TRACE_CBID_##name:
#define CBID_ITEM(name) CUPTI_DRIVER_TRACE_CBID_##name,

static void CUPTIAPI on_callback(void *userdata, CUpti_CallbackDomain domain, CUpti_CallbackId cbid,
				 const void *data)
{
	(void)userdata;
	if (!data || !atomic_load_explicit(&active, memory_order_relaxed) ||
	    atomic_load_explicit(&kcp_state, memory_order_relaxed) != KCP_READY)
		return;
	int saved = errno;
	if (domain == CUPTI_CB_DOMAIN_RESOURCE) {
		/* Not guarded: fired inside a hooked load, it feeds that load's record. */
		const CUpti_ResourceData *rd = data;
		const CUpti_ModuleResourceData *m = rd->resourceDescriptor;
		if (cbid == CUPTI_CBID_RESOURCE_MODULE_LOADED && m) {
			int guard = kcp_tls.guard;
			kcp_tls.guard = 1;
			kcp_module_loaded(m->moduleId, m->pCubin, m->cubinSize);
			kcp_tls.guard = guard;
		}
	} else if (domain == CUPTI_CB_DOMAIN_DRIVER_API && !kcp_tls.guard) {
		const CUpti_CallbackData *cb = data;
		kcp_tls.guard = 1;
		switch (cbid) {
			LAUNCH_CBIDS(CBID_CASE)
			if (cb->callbackSite == CUPTI_API_EXIT)
				on_launch(cbid, cb);
			break;
			LOAD_CBIDS(CBID_CASE)
			on_load(cbid, cb);
			break;
		default:
			on_other(cbid, cb);
		}
		kcp_tls.guard = 0;
	}
	errno = saved;
}

/* ---- launch callbacks: only while something passes the hooks ------------------------------ */

static const CUpti_CallbackId launch_ids[] = {LAUNCH_CBIDS(CBID_ITEM)};

/* Under cupti_lock, with ours subscribed. */
static void set_launch_callbacks(int on)
{
	for (size_t i = 0; i < sizeof(launch_ids) / sizeof(launch_ids[0]); i++)
		api.enable_callback((uint32_t)on, ours, CUPTI_CB_DOMAIN_DRIVER_API, launch_ids[i]);
	atomic_store(&launch_cbs, on);
}

#define PROBE_NS 10000000000ull
#define QUIET_LAUNCHES 1000

void kcp_cupti_launch_policy(uint64_t now, uint64_t hooked_launches)
{
	static uint64_t last_hooked, last_only, probe_at;
	static int probing;
	if (!atomic_load_explicit(&active, memory_order_relaxed) || kcp_trylock(&cupti_lock) != 0)
		return;
	uint64_t only = atomic_load(&cupti_only_launches);
	if (ours && atomic_load(&launch_cbs)) {
		if (only != last_only) { /* launches without hooks exist: stay on */
			if (probing)
				kcp_cupti_record(KC_CUPTI_LAUNCHES_ON, 0,
						 "launches that only CUPTI sees");
			probing = 0;
			probe_at = 0;
		} else if (hooked_launches - last_hooked >= QUIET_LAUNCHES) {
			set_launch_callbacks(0);
			if (!probing)
				kcp_cupti_record(KC_CUPTI_LAUNCHES_OFF, 0,
						 "the hooks see every launch");
			probing = 0;
			probe_at = now + PROBE_NS;
		}
	} else if (ours && probe_at && now >= probe_at) {
		set_launch_callbacks(1); /* a look: does anything pass the hooks now? */
		probing = 1;
		probe_at = 0;
	}
	last_hooked = hooked_launches;
	last_only = only;
	kcp_unlock(&cupti_lock);
}

/* ---- subscribing -------------------------------------------------------------------------- */

static void *open_cupti(void)
{
	static const char *const sonames[] = {"libcupti.so.13", "libcupti.so.12", "libcupti.so",
					      NULL};
	void *h = NULL;
	if (kcp_cfg.cupti_path[0])
		return kcp_real_dlopen(kcp_cfg.cupti_path, RTLD_LAZY);
	/* The copy already in the process (PyTorch links one): two copies must never meet. */
	for (int i = 0; !h && sonames[i]; i++)
		h = kcp_real_dlopen(sonames[i], RTLD_LAZY | RTLD_NOLOAD);
	const char *home = getenv("CUDA_HOME");
	const char *dirs[] = {home, "/usr/local/cuda", NULL};
	for (int i = 0; !h && i < 2; i++) {
		if (!dirs[i])
			continue;
		static const char *const subdirs[] = {"extras/CUPTI/lib64", "lib64",
						      "targets/x86_64-linux/lib"};
		for (int j = 0; !h && j < 3; j++) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s/%s/libcupti.so.13", dirs[i], subdirs[j]);
			h = kcp_real_dlopen(path, RTLD_LAZY);
		}
	}
	for (int i = 0; !h && sonames[i]; i++)
		h = kcp_real_dlopen(sonames[i], RTLD_LAZY);
	if (!h)
		(void)dlerror();
	return h;
}

/* libcupti opened and its functions found into *out: 0, or -ENOENT. Called without
 * cupti_lock: dlopen and dlsym take the loader's lock, which a library constructor on another
 * thread holds while it subscribes to CUPTI (and so waits for cupti_lock). */
static int open_api(struct cupti_api *out, void **handle, uint32_t *version)
{
	void *h = open_cupti();
	if (!h)
		return -ENOENT;
	kcp_note_lib_handle(KCP_LIB_CUPTI, h);
	out->subscribe = kcp_real_dlsym(h, "cuptiSubscribe");
	out->subscribe_v2 = kcp_real_dlsym(h, "cuptiSubscribe_v2");
	out->unsubscribe = kcp_real_dlsym(h, "cuptiUnsubscribe");
	out->enable_callback = kcp_real_dlsym(h, "cuptiEnableCallback");
	out->get_version = kcp_real_dlsym(h, "cuptiGetVersion");
	CUptiResult (*domains)(size_t *, CUpti_DomainTable *) =
	    kcp_real_dlsym(h, "cuptiSupportedDomains");
	(void)dlerror();
	if (!out->subscribe || !out->unsubscribe || !out->enable_callback)
		return -ENOENT;
	if (out->get_version)
		out->get_version(version);
	/* CUPTI starts itself at the process's first cuptiSubscribe, which then takes the
	 * loader's lock (measured: it waits while another thread holds that lock; later
	 * subscribes, enables and unsubscribes never do); cuptiSupportedDomains, a query, starts
	 * it as well: here, before cupti_lock, so that no subscribe under it waits for a
	 * constructor that waits for cupti_lock. */
	size_t ndomains;
	CUpti_DomainTable table;
	if (domains)
		(void)domains(&ndomains, &table);
	*handle = h;
	return 0;
}

/* Under cupti_lock. */
static CUptiResult subscribe_ours(unsigned success_event)
{
	CUptiResult r = CUPTI_ERROR_UNKNOWN;
	const char *how = "single subscriber";
	if (cupti_version >= KCP_CUPTI_MULTI_VERSION && api.subscribe_v2) {
		struct kcp_subscriber_params_v132 p = {.structSize = sizeof(p),
						       .subscriberName = "kcprof",
						       .allowMultipleSubscribers = 1};
		r = api.subscribe_v2(&ours, on_callback, NULL, (CUpti_SubscriberParams *)&p);
		if (r == CUPTI_ERROR_INVALID_PARAMETER) { /* the struct ends at the flag */
			p.structSize = KCP_SUBSCRIBER_PARAMS_V132_MIN;
			r = api.subscribe_v2(&ours, on_callback, NULL,
					     (CUpti_SubscriberParams *)&p);
		}
		how = "multiple subscribers allowed";
	}
	if (r != CUPTI_SUCCESS && r != CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED) {
		r = api.subscribe(&ours, on_callback, NULL);
		how = "single subscriber";
	}
	if (r != CUPTI_SUCCESS) {
		ours = NULL;
		return r;
	}
	static const CUpti_CallbackId ids[] = {LAUNCH_CBIDS(CBID_ITEM) LOAD_CBIDS(CBID_ITEM)
						   OTHER_CBIDS(CBID_ITEM)};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		api.enable_callback(1, ours, CUPTI_CB_DOMAIN_DRIVER_API, ids[i]);
	api.enable_callback(1, ours, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_MODULE_LOADED);
	atomic_store(&active, 1);
	atomic_store(&launch_cbs, 1);
	kcp_cupti_record(success_event, 0, how);
	return r;
}

void kcp_cupti_start(void)
{
	struct cupti_api found = {0};
	void *h = NULL;
	uint32_t version = 0;
	int opened = open_api(&found, &h, &version); /* before the lock: see open_api */
	int gpu_time = 0;
	kcp_lock(&cupti_lock);
	if (opened == 0) {
		api = found;
		cupti_handle = h;
		cupti_version = version;
	}
	loaded = opened == 0 ? 1 : -1;
	if (opened < 0) {
		kcp_cupti_record(KC_CUPTI_UNAVAILABLE, 0, "libcupti not found");
		kc_log(KC_LOG_INFO, DOMAIN,
		       "libcupti not found (set KCPROF_CUPTI_LIB): PyTorch eager and torch.compile "
		       "launches "
		       "will be missed; symbol hooks run on");
	} else if (theirs) {
		yielded = 1; /* the program's profiler came first */
		kcp_cupti_record(KC_CUPTI_YIELDED, 0, "the program holds CUPTI");
	} else {
		CUptiResult r = subscribe_ours(KC_CUPTI_SUBSCRIBED);
		if (r == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED) {
			kcp_cupti_record(KC_CUPTI_REFUSED, (int)r, "another tool holds CUPTI");
			kc_log(KC_LOG_INFO, DOMAIN,
			       "CUPTI is held by another tool (Nsight?): only calls through the "
			       "driver's "
			       "symbols are recorded");
		} else if (r != CUPTI_SUCCESS) {
			kcp_cupti_record(KC_CUPTI_UNAVAILABLE, (int)r, "cuptiSubscribe failed");
			kc_log(KC_LOG_INFO, DOMAIN,
			       "cuptiSubscribe failed (%d): symbol hooks run on", (int)r);
		} else {
			gpu_time = kcp_cfg.gpu_time; /* only where no other tool holds CUPTI */
		}
	}
	kcp_unlock(&cupti_lock);
	/* After the lock: the activity API starts itself at its first registration, which takes
	 * the loader's lock (measured; no query starts it before) */
	if (gpu_time)
		kcp_gpu_time_start(h);
}

/* The program is about to subscribe: let go of CUPTI first. */
static void yield_for_program(void)
{
	if (!ours)
		return;
	atomic_store(&active, 0);
	kcp_launch_flush(1);
	api.unsubscribe(ours);
	ours = NULL;
	yielded = 1;
	kcp_cupti_record(KC_CUPTI_YIELDED, 0, "the program's profiler subscribed");
	kc_log(KC_LOG_INFO, DOMAIN, "yielding CUPTI to the program's profiler");
}

static CUptiResult after_program_subscribe(CUptiResult r, CUpti_SubscriberHandle *subscriber)
{
	if (r == CUPTI_SUCCESS && subscriber) {
		theirs = *subscriber;
	} else if (yielded && loaded > 0 && kcp_cfg.cupti) {
		/* The program's call failed anyway: take CUPTI back. */
		if (subscribe_ours(KC_CUPTI_RESUMED) == CUPTI_SUCCESS)
			yielded = 0;
	}
	return r;
}

CUptiResult kcp_cupti_subscribe(struct kcp_call call, CUpti_SubscriberHandle *subscriber,
				CUpti_CallbackFunc callback, void *userdata)
{
	__typeof__(&cuptiSubscribe) real = KCP_REAL(call, cuptiSubscribe);
	if (!real)
		return CUPTI_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(subscriber, callback, userdata);
	kcp_lock(&cupti_lock);
	yield_for_program();
	CUptiResult r = real(subscriber, callback, userdata);
	int saved = errno;
	after_program_subscribe(r, subscriber);
	kcp_unlock(&cupti_lock);
	errno = saved;
	kcp_leave();
	return r;
}

CUptiResult kcp_cupti_subscribe_v2(struct kcp_call call, CUpti_SubscriberHandle *subscriber,
				   CUpti_CallbackFunc callback, void *userdata,
				   CUpti_SubscriberParams *pParams)
{
	__typeof__(&cuptiSubscribe_v2) real = KCP_REAL(call, cuptiSubscribe_v2);
	if (!real)
		return CUPTI_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(subscriber, callback, userdata, pParams);
	kcp_lock(&cupti_lock);
	/* With several subscribers allowed kcprof may stay; the program's call says. */
	CUptiResult r = real(subscriber, callback, userdata, pParams);
	if (r == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED && ours) {
		yield_for_program();
		r = real(subscriber, callback, userdata, pParams);
	}
	int saved = errno;
	after_program_subscribe(r, subscriber);
	kcp_unlock(&cupti_lock);
	errno = saved;
	kcp_leave();
	return r;
}

CUptiResult kcp_cupti_unsubscribe(struct kcp_call call, CUpti_SubscriberHandle subscriber)
{
	__typeof__(&cuptiUnsubscribe) real = KCP_REAL(call, cuptiUnsubscribe);
	if (!real)
		return CUPTI_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(subscriber);
	kcp_lock(&cupti_lock);
	CUptiResult r = real(subscriber);
	int saved = errno;
	if (r == CUPTI_SUCCESS && subscriber && subscriber == theirs) {
		theirs = NULL;
		if (yielded && loaded > 0 && kcp_cfg.cupti &&
		    subscribe_ours(KC_CUPTI_RESUMED) == CUPTI_SUCCESS)
			yielded = 0;
	}
	kcp_unlock(&cupti_lock);
	errno = saved;
	kcp_leave();
	return r;
}

void kcp_cupti_atexit(void)
{
	atomic_store(&active, 0);
}

/* CUDA does not cross fork: the child's callbacks stay off. */
void kcp_cupti_atfork_child(void)
{
	kcp_gpu_time_atfork_child();
	atomic_store(&active, 0);
	ours = NULL;
	pthread_mutex_init(&cupti_lock, NULL);
}
