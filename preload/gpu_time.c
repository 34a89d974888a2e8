/* gpu_time.c - how long kernels ran on the GPU, and the gaps between them (KCPROF_GPU_TIME=1).
 *
 * CUPTI's activity API (CONCURRENT_KERNEL records) gives each kernel's start and end on the GPU;
 * they are summed per kernel name here, with the gap from the previous kernel on the same stream
 * (or an overlap, where programmatic dependent launch let it start early), and written as
 * GPU_TIME records at each flush. The buffers come back on CUPTI's thread, or from
 * cuptiActivityFlushAll, which the flusher thread calls every period and the exit path once.
 *
 * Activity callbacks are process-wide and a registration replaces the last: when the program
 * registers its own (torch.profiler's kineto does), kcprof hands its buffers in, turns its
 * kernel records off and lets go for good, marking the trace (gpu_time_yielded). Opt-in: the
 * activity records cost GPU-side timestamps and a record per kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include <cupti.h>

#include "kcp.h"

#define DOMAIN "gpu-time"
#define BUF_SIZE (1u << 20)
#define BUF_ALIGN 8

struct kernel_times {
	char *name;
	uint64_t count, total_ns, min_ns, max_ns, gap_count, gap_ns, overlapped;
	uint64_t written_count; /* count at the last GPU_TIME record */
	UT_hash_handle hh;
};

struct stream_end {
	uint64_t key; /* context id << 32 | stream id */
	uint64_t end; /* latest end of a kernel seen on it */
	UT_hash_handle hh;
};

static struct {
	__typeof__(&cuptiActivityRegisterCallbacks) register_callbacks;
	__typeof__(&cuptiActivityEnable) enable;
	__typeof__(&cuptiActivityDisable) disable;
	__typeof__(&cuptiActivityFlushAll) flush_all;
	__typeof__(&cuptiActivityGetNextRecord) next_record;
} act;

static pthread_mutex_t times_lock = PTHREAD_MUTEX_INITIALIZER; /* the tables below */
static struct kernel_times *times;
static struct stream_end *streams;
static _Atomic int collecting; /* kcprof's callbacks registered and kernel records on */
/* Registrations in order: the program's, once made, is never replaced by kcprof's. */
static pthread_mutex_t register_lock = PTHREAD_MUTEX_INITIALIZER;
static int program_registered;

/* ---- buffers ------------------------------------------------------------------------------ */

static void CUPTIAPI buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records)
{
	*buffer = aligned_alloc(BUF_ALIGN, BUF_SIZE);
	*size = *buffer ? BUF_SIZE : 0;
	*max_records = 0;
}

/* Under times_lock. */
static void note_kernel(const CUpti_ActivityKernel10 *k)
{
	if (!k->name || k->end < k->start)
		return;
	struct kernel_times *t;
	HASH_FIND_STR(times, k->name, t);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || !(t->name = strdup(k->name))) {
			free(t);
			return;
		}
		t->min_ns = UINT64_MAX;
		HASH_ADD_KEYPTR(hh, times, t->name, strlen(t->name), t);
	}
	uint64_t d = k->end - k->start;
	t->count++;
	t->total_ns += d;
	t->min_ns = d < t->min_ns ? d : t->min_ns;
	t->max_ns = d > t->max_ns ? d : t->max_ns;
	uint64_t key = (uint64_t)k->contextId << 32 | k->streamId;
	struct stream_end *s;
	HASH_FIND(hh, streams, &key, sizeof(key), s);
	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return;
		s->key = key;
		HASH_ADD(hh, streams, key, sizeof(key), s);
	} else {
		t->gap_count++;
		if (k->start >= s->end)
			t->gap_ns += k->start - s->end;
		else
			t->overlapped++;
	}
	s->end = k->end > s->end ? k->end : s->end;
}

/* On CUPTI's thread, or inside cuptiActivityFlushAll. Takes only times_lock. */
static void CUPTIAPI buffer_completed(CUcontext ctx, uint32_t stream, uint8_t *buffer, size_t size,
				      size_t valid)
{
	(void)ctx;
	(void)stream;
	(void)size;
	int saved = errno;
	CUpti_Activity *rec = NULL;
	kcp_lock(&times_lock);
	while (buffer && act.next_record(buffer, valid, &rec) == CUPTI_SUCCESS) {
		if (rec->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL ||
		    rec->kind == CUPTI_ACTIVITY_KIND_KERNEL)
			note_kernel((const CUpti_ActivityKernel10 *)rec);
	}
	kcp_unlock(&times_lock);
	free(buffer);
	errno = saved;
}

/* ---- starting, collecting, writing -------------------------------------------------------- */

void kcp_gpu_time_start(void *h)
{
	/* found before register_lock: dlsym takes the loader's lock, which a library constructor
	 * registering activity buffers of its own holds while it waits for register_lock */
	__typeof__(act) found = {kcp_real_dlsym(h, "cuptiActivityRegisterCallbacks"),
				 kcp_real_dlsym(h, "cuptiActivityEnable"),
				 kcp_real_dlsym(h, "cuptiActivityDisable"),
				 kcp_real_dlsym(h, "cuptiActivityFlushAll"),
				 kcp_real_dlsym(h, "cuptiActivityGetNextRecord")};
	kcp_lock(&register_lock);
	if (program_registered) {
		kcp_unlock(&register_lock);
		kcp_cupti_record(KC_CUPTI_GPU_TIME_YIELDED, 0,
				 "the program registered activity buffers first");
		kc_log(KC_LOG_INFO, DOMAIN,
		       "the program's profiler holds CUPTI's activity records: no kernel times");
		return;
	}
	act = found;
	CUptiResult r = CUPTI_ERROR_NOT_INITIALIZED;
	if (act.register_callbacks && act.enable && act.disable && act.flush_all &&
	    act.next_record) {
		r = act.register_callbacks(buffer_requested, buffer_completed);
		if (r == CUPTI_SUCCESS)
			r = act.enable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
	}
	atomic_store(&collecting, r == CUPTI_SUCCESS);
	kcp_unlock(&register_lock);
	if (r != CUPTI_SUCCESS) {
		kcp_cupti_record(KC_CUPTI_GPU_TIME_UNAVAILABLE, (int)r,
				 "CUPTI activity records refused");
		kc_log(KC_LOG_INFO, DOMAIN, "no kernel times: CUPTI's activity API said %d",
		       (int)r);
		return;
	}
	kcp_cupti_record(KC_CUPTI_GPU_TIME_ON, 0, "kernel records (CONCURRENT_KERNEL)");
}

void kcp_gpu_time_collect(void)
{
	if (atomic_load(&collecting))
		act.flush_all(0); /* the buffers that are done; the rest come next time */
}

void kcp_gpu_time_write(void)
{
	kcp_lock(&times_lock);
	for (struct kernel_times *t = times; t; t = t->hh.next) {
		if (t->count == t->written_count)
			continue;
		_Alignas(8) uint8_t mem[2048];
		struct kc_recbuf rb;
		struct kc_rec_gpu_time rec = {0};
		kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
		rec.count = t->count;
		rec.total_ns = t->total_ns;
		rec.min_ns = t->min_ns;
		rec.max_ns = t->max_ns;
		rec.gap_count = t->gap_count;
		rec.gap_ns = t->gap_ns;
		rec.overlapped = t->overlapped;
		rec.name = kc_rb_str(&rb, t->name);
		kcp_rec_emit(&rb, &rec, KC_REC_GPU_TIME);
		kc_rb_release(&rb);
		t->written_count = t->count;
	}
	kcp_unlock(&times_lock);
}

/* CUDA does not cross fork: the child times nothing, and starts its tables empty. They are
 * dropped, not freed: CUPTI's buffer thread may have been inside an insert when another thread
 * forked (times_lock is not taken around fork), so the child cannot walk them. */
void kcp_gpu_time_atfork_child(void)
{
	atomic_store(&collecting, 0);
	pthread_mutex_init(&register_lock, NULL);
	pthread_mutex_init(&times_lock, NULL);
	times = NULL;
	streams = NULL;
}

void kcp_gpu_time_atexit(void)
{
	if (atomic_exchange(&collecting, 0))
		act.flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
}

/* The program registers activity buffers of its own: hand ours in and let go. */
CUptiResult kcp_cupti_activity_register(struct kcp_call call,
					CUpti_BuffersCallbackRequestFunc requested,
					CUpti_BuffersCallbackCompleteFunc completed)
{
	__typeof__(&cuptiActivityRegisterCallbacks) real =
	    KCP_REAL(call, cuptiActivityRegisterCallbacks);
	if (!real)
		return CUPTI_ERROR_NOT_INITIALIZED;
	int entered = kcp_enter();
	int saved = errno;
	kcp_lock(&register_lock);
	program_registered = 1;
	if (entered) {
		if (atomic_exchange(&collecting, 0)) {
			act.flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
			act.disable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
			kcp_cupti_record(KC_CUPTI_GPU_TIME_YIELDED, 0,
					 "the program registered activity buffers");
			kc_log(KC_LOG_INFO, DOMAIN,
			       "the program's profiler takes CUPTI's activity records: no more "
			       "kernel times");
		}
		kcp_leave();
	}
	errno = saved;
	CUptiResult r = real(requested, completed);
	saved = errno;
	kcp_unlock(&register_lock);
	errno = saved;
	return r;
}
