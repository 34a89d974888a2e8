/* hooks_launch.c - function handles and launch counting: the hot path.
 *
 * A launch reads one 64-byte slot of its thread's cache (launch_counted, inlined into each
 * exported hook): when the function, its last shape and the attributes and path are all known
 * there, it costs two increments (no atomic read-modify-write, no libc call); anything new goes
 * to kcp_launch_note. Every 1024 launches of a thread a clock read checks whether counts are due
 * on disk. A thread's counts reach the function's when its slot changes hands or the thread
 * ends; a flush adds what every thread holds, read under a per-thread seqlock. Last-seen times
 * are taken at flushes. Counts are cumulative per function and written as LAUNCH_STATS records
 * every KCPROF_FLUSH_MS (by a flusher thread, and by launching threads when it is late), and at
 * module unload, fork, CUPTI hand-over and exit: a process killed with SIGKILL loses at most one
 * period of counts. Functions are never freed, so a pointer from a slot stays valid; a handle
 * the driver reuses for another function (after an unload) gets a new function id, and every
 * thread's slot of the old one is let go (func_new), so that its next launch binds the new.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include <uthash.h>

#include "kcp.h"

#define DOMAIN "launch"
#define FLUSH_TICK 1024
#define CACHE_SLOTS 16
#define LAUNCH_BUF_SIZE (64 * 1024)

uint64_t kcp_module_hash(uint64_t handle);

struct kcp_shape_slot {
	uint32_t grid[3], block[3], smem;
	_Atomic uint64_t count;
};

struct kcp_func {
	uint64_t handle;
	uint32_t id;
	uint16_t api;
	char *name;
	uint64_t module_handle, module_hash;
	int written;		/* FUNCTION record in the current file */
	_Atomic uint64_t count; /* launches handed over by threads (see struct thread_counts) */
	_Atomic uint64_t errors, first_ns, last_ns, attrs, other_shapes;
	_Atomic int started; /* launched at least once in this process */
	_Atomic uint32_t paths;
	_Atomic uint32_t nshapes;
	struct kcp_shape_slot shapes[KC_MAX_SHAPES];
	uint64_t total;		/* count with every thread's share, as of the last snapshot */
	uint64_t flushed_count; /* total at the last LAUNCH_STATS */
	struct kcp_func *next;	/* all functions, newest first */
	UT_hash_handle hh;	/* handle -> current function */
};

static pthread_mutex_t func_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kcp_func *func_by_handle;
static struct kcp_func *_Atomic func_list;
static uint32_t func_next_id = 1;
static _Atomic uint64_t last_flush_ns;
static _Atomic uint64_t hooked_launches; /* in ticks of FLUSH_TICK, see kcp_launch_note */
static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;

/* A thread's view of one function: what its launches need, in one place, so that a launch
 * reads the function itself only when something is new (a shape, an attribute, a path): after
 * a ~3.5 us driver call the function's lines are often out of L1, and a chain of misses cost
 * more than the rest of the hook on the H100 host. */
#define SLOT_FREE UINT64_MAX /* no function handle: a program may launch NULL, never this */
#define SHAPE_UNSET 0xffffu
#define SHAPE_OTHER 0xfffeu /* the function's shape table is full */
struct cache_slot {
	/* one cache line a slot; SLOT_FREE when unbound or let go (by func_new, from any thread,
	 * under func_lock) */
	_Alignas(64) _Atomic uint64_t handle;
	struct kcp_func *_Atomic f;
	_Atomic uint64_t pending; /* launches of f by this thread not yet in f->count */
	uint32_t attrs;		  /* attributes already in f->attrs (CUDA's ids are below 32) */
	uint16_t paths;		  /* paths already in f->paths */
	uint16_t shape_index;	  /* where `shape` is in f->shapes, SHAPE_OTHER or SHAPE_UNSET */
	uint32_t shape[7];	  /* grid, block, smem of this thread's last launch of f */
};

/* A thread's function cache and the counts it holds. On the heap, listed, and never freed:
 * a flush reads every thread's, and one that ended is reused by the next thread. Only its
 * thread writes it; the seqlock lets a flush see slots and counts as of one moment. */
struct thread_counts {
	struct cache_slot slot[CACHE_SLOTS];
	_Atomic uint32_t seq; /* odd while a slot changes hands */
	_Atomic int in_use;
	struct thread_counts *next;
};
#define tcounts (kcp_tls.counts) /* in the hooks' one line of thread-local state */
static struct thread_counts *_Atomic tcounts_list;
static pthread_key_t tcounts_key;
static pthread_once_t tcounts_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t launch_total; /* all functions, as of the last snapshot */

_Static_assert(sizeof(struct cache_slot) == 64, "a launch reads one cache line of its thread's");

/* ---- function records --------------------------------------------------------------------- */

static void write_function(struct kcp_func *f, uint16_t path)
{
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_function rec = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
	rec.handle = f->handle;
	rec.module_handle = f->module_handle;
	rec.module_hash = f->module_hash;
	rec.id = f->id;
	rec.api = f->api;
	rec.path = path;
	rec.name = kc_rb_str(&rb, f->name ? f->name : "");
	kcp_rec_emit(&rb, &rec, KC_REC_FUNCTION);
	kc_rb_release(&rb);
	f->written = 1;
}

/* Under func_lock. */
static struct kcp_func *func_new(uint64_t handle, const char *name, uint64_t module_handle,
				 uint64_t module_hash, unsigned api)
{
	struct kcp_func *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->handle = handle;
	f->id = func_next_id++;
	f->api = (uint16_t)api;
	f->name = name ? strdup(name) : NULL;
	f->module_handle = module_handle;
	f->module_hash = module_hash;
	struct kcp_func *old;
	HASH_FIND(hh, func_by_handle, &handle, sizeof(handle), old);
	if (old) {
		HASH_DEL(func_by_handle, old);
		/* Threads' slots may hold the old one: let them go, so that the next launch of the
		 * handle binds the new. Slots are bound under func_lock too (slot_bind), so none
		 * binds the old after this; its pending counts stay the old function's. */
		for (struct thread_counts *tc = atomic_load(&tcounts_list); tc; tc = tc->next)
			for (int i = 0; i < CACHE_SLOTS; i++)
				if (atomic_load_explicit(&tc->slot[i].f, memory_order_relaxed) ==
				    old)
					atomic_store_explicit(&tc->slot[i].handle, SLOT_FREE,
							      memory_order_relaxed);
	}
	HASH_ADD(hh, func_by_handle, handle, sizeof(handle), f);
	f->next = atomic_load(&func_list);
	atomic_store(&func_list, f);
	return f;
}

struct kcp_func *kcp_func_note(uint64_t handle, const char *name, uint64_t module_handle,
			       unsigned api, uint16_t path)
{
	uint64_t module_hash = module_handle ? kcp_module_hash(module_handle) : 0;
	kcp_lock(&func_lock);
	struct kcp_func *f;
	HASH_FIND(hh, func_by_handle, &handle, sizeof(handle), f);
	int same =
	    f && f->module_handle == module_handle && f->name && name && strcmp(f->name, name) == 0;
	if (f && !f->name && !atomic_load(&f->started) && name) {
		/* First met at a launch, named now. */
		same = 1;
		f->name = strdup(name);
		f->module_handle = module_handle;
		f->module_hash = module_hash;
		f->api = (uint16_t)api;
		f->written = 0;
	}
	if (!same)
		f = func_new(handle, name, module_handle, module_hash, api);
	if (f && !f->written)
		write_function(f, path);
	kcp_unlock(&func_lock);
	return f;
}

void kcp_func_alias(uint64_t func, uint64_t kernel, uint16_t path)
{
	kcp_lock(&func_lock);
	struct kcp_func *k;
	HASH_FIND(hh, func_by_handle, &kernel, sizeof(kernel), k);
	char *name = k && k->name ? strdup(k->name) : NULL;
	uint64_t mh = k ? k->module_handle : 0;
	kcp_unlock(&func_lock);
	kcp_func_note(func, name, mh, KC_API_KERNEL_GET_FUNCTION, path);
	free(name);
}

/* What names a function met in a graph node: resolved once, by whichever thread gets there;
 * a thread that comes meanwhile resolves its own copy (kcp_once waits for no one). */
struct node_driver {
	CUresult (*func_name)(const char **, CUfunction);
	CUresult (*kernel_name)(const char **, CUkernel);
	CUresult (*func_module)(CUmodule *, CUfunction);
};
static struct node_driver node_drv;
static struct kcp_once node_drv_once = KCP_ONCE_INIT;

static void node_driver_resolve(struct node_driver *d)
{
	*(void **)&d->kernel_name = kcp_real_cuda_sym("cuKernelGetName");
	*(void **)&d->func_module = kcp_real_cuda_sym("cuFuncGetModule");
	*(void **)&d->func_name = kcp_real_cuda_sym("cuFuncGetName");
}
static void node_drv_resolve(void)
{
	node_driver_resolve(&node_drv);
}

uint32_t kcp_func_id_of_node(uint64_t handle, int is_kernel, uint16_t path)
{
	kcp_lock(&func_lock);
	struct kcp_func *f;
	HASH_FIND(hh, func_by_handle, &handle, sizeof(handle), f);
	if (f && !f->written)
		write_function(f, path);
	uint32_t id = f ? f->id : 0;
	kcp_unlock(&func_lock);
	if (id)
		return id;
	/* Never launched through a hook (built as a node, or launched where only CUPTI saw it):
	 * the driver names it, and its module ties it to a load. */
	struct node_driver mine, *d = &node_drv;
	if (!kcp_once(&node_drv_once, node_drv_resolve))
		node_driver_resolve(d = &mine);
	const char *name = NULL;
	CUmodule mod = NULL;
	if (is_kernel) {
		if (d->kernel_name &&
		    d->kernel_name(&name, (CUkernel)(uintptr_t)handle) != CUDA_SUCCESS)
			name = NULL;
	} else {
		CUfunction fn = (CUfunction)(uintptr_t)handle;
		if (d->func_name && d->func_name(&name, fn) != CUDA_SUCCESS)
			name = NULL;
		if (d->func_module && d->func_module(&mod, fn) != CUDA_SUCCESS)
			mod = NULL;
	}
	f = kcp_func_note(handle, name, (uint64_t)(uintptr_t)mod, KC_API_GRAPH_NODE, path);
	return f ? f->id : 0;
}

/* ---- per-thread counts ------------------------------------------------------------------- */

/* Hand the slot's count to its function and give the slot to f (its thread only). */
static void slot_rebind(struct thread_counts *tc, struct cache_slot *c, uint64_t handle,
			struct kcp_func *f)
{
	uint32_t seq = atomic_load_explicit(&tc->seq, memory_order_relaxed);
	atomic_store_explicit(&tc->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	struct kcp_func *old = atomic_load_explicit(&c->f, memory_order_relaxed);
	uint64_t n = atomic_load_explicit(&c->pending, memory_order_relaxed);
	if (old && n)
		atomic_fetch_add_explicit(&old->count, n, memory_order_relaxed);
	atomic_store_explicit(&c->pending, 0, memory_order_relaxed);
	atomic_store_explicit(&c->f, f, memory_order_relaxed);
	atomic_store_explicit(&c->handle, handle, memory_order_relaxed);
	c->attrs = 0;
	c->paths = 0;
	c->shape_index = SHAPE_UNSET;
	atomic_store_explicit(&tc->seq, seq + 2, memory_order_release);
}

/* Thread exit (a pthread key destructor): counts handed over, the block left for the next. */
static void tcounts_release(void *p)
{
	struct thread_counts *tc = p;
	for (int i = 0; i < CACHE_SLOTS; i++)
		slot_rebind(tc, &tc->slot[i], SLOT_FREE, NULL);
	if (tcounts == tc)
		tcounts = NULL;
	atomic_store_explicit(&tc->in_use, 0, memory_order_release);
}

static void tcounts_key_init(void)
{
	pthread_key_create(&tcounts_key, tcounts_release);
}

static struct thread_counts *tcounts_get(void)
{
	pthread_once(&tcounts_once, tcounts_key_init);
	struct thread_counts *tc;
	for (tc = atomic_load(&tcounts_list); tc; tc = tc->next) {
		int free_block = 0;
		if (atomic_compare_exchange_strong(&tc->in_use, &free_block, 1))
			break;
	}
	if (!tc) {
		tc = aligned_alloc(64, sizeof(*tc));
		if (!tc)
			return NULL;
		memset(tc, 0, sizeof(*tc));
		for (int i = 0; i < CACHE_SLOTS; i++)
			tc->slot[i].handle = SLOT_FREE;
		tc->in_use = 1;
		tc->next = atomic_load(&tcounts_list);
		while (!atomic_compare_exchange_weak(&tcounts_list, &tc->next, tc))
			;
	}
	pthread_setspecific(tcounts_key, tc);
	tcounts = tc;
	return tc;
}

/* Every function's total: what threads handed over plus what they hold. Under flush_lock.
 * Tried again while a thread was rebinding a slot, so that no launch is counted twice or lost
 * from one snapshot to the next; a thread that starts meanwhile is seen next time. */
static void counts_snapshot(void)
{
	struct thread_counts *head = atomic_load(&tcounts_list);
	for (int tries = 0; tries < 64; tries++) {
		uint64_t seq_sum = 0, total = 0;
		int busy = 0;
		for (struct thread_counts *tc = head; tc; tc = tc->next) {
			uint32_t seq = atomic_load_explicit(&tc->seq, memory_order_acquire);
			busy |= seq & 1;
			seq_sum += seq;
		}
		if (busy)
			continue;
		for (struct kcp_func *f = atomic_load(&func_list); f; f = f->next)
			f->total = atomic_load_explicit(&f->count, memory_order_relaxed);
		for (struct thread_counts *tc = head; tc; tc = tc->next) {
			for (int i = 0; i < CACHE_SLOTS; i++) {
				struct kcp_func *f =
				    atomic_load_explicit(&tc->slot[i].f, memory_order_relaxed);
				if (f)
					f->total += atomic_load_explicit(&tc->slot[i].pending,
									 memory_order_relaxed);
			}
		}
		atomic_thread_fence(memory_order_acquire);
		uint64_t after = 0;
		for (struct thread_counts *tc = head; tc; tc = tc->next)
			after += atomic_load_explicit(&tc->seq, memory_order_relaxed);
		for (struct kcp_func *f = atomic_load(&func_list); f; f = f->next)
			total += f->total;
		atomic_store(&launch_total, total);
		if (after == seq_sum)
			return;
	}
}

/* The slot of a launch's function in the thread's cache, if it is there. */
static inline struct cache_slot *slot_cached(uint64_t handle)
{
	struct thread_counts *tc = tcounts;
	if (KCP_UNLIKELY(!tc))
		return NULL;
	struct cache_slot *c = &tc->slot[(handle >> 4) & (CACHE_SLOTS - 1)];
	/* a bound slot has a function; a free one has SLOT_FREE, which no launch has */
	if (KCP_LIKELY(atomic_load_explicit(&c->handle, memory_order_relaxed) == handle))
		return c;
	return NULL;
}

/* Else: the function found (a handle never met gets a function of its own, named by CUPTI
 * when it can) and the slot bound to it. May set errno: the caller keeps the program's. */
static struct cache_slot *slot_bind(uint64_t handle, const char *name, uint16_t path)
{
	struct thread_counts *tc = tcounts;
	if (!tc && !(tc = tcounts_get()))
		return NULL;
	struct cache_slot *c = &tc->slot[(handle >> 4) & (CACHE_SLOTS - 1)];
	kcp_tls.full_launches = kcp_cfg.full_launches;
	kcp_lock(&func_lock);
	struct kcp_func *f;
	HASH_FIND(hh, func_by_handle, &handle, sizeof(handle), f);
	if (!f) {
		f = func_new(handle, name, 0, 0, KC_API_LAUNCH);
		if (f)
			write_function(f, path);
	}
	if (f) /* under func_lock: func_new lets go of slots that hold a replaced function */
		slot_rebind(tc, c, handle, f);
	kcp_unlock(&func_lock);
	if (!f)
		return NULL;
	/* A function's first launch in this process (a fork's child starts again) reads the
	 * clock; the last-seen time is set at flush, when the count has moved. */
	if (!atomic_load_explicit(&f->started, memory_order_relaxed) &&
	    !atomic_exchange(&f->started, 1)) {
		uint64_t t = kcp_now_ns();
		atomic_store_explicit(&f->first_ns, t, memory_order_relaxed);
		atomic_store_explicit(&f->last_ns, t, memory_order_relaxed);
		kcp_launch_flusher_start(); /* rare, and then once a process */
	}
	return c;
}

/* ---- counting ----------------------------------------------------------------------------- */

/* Count the launch's shape in f, and say where it is (an index, or SHAPE_OTHER). The first
 * shape's count is not kept: it is the function's count less the others', worked out at
 * flush. Most functions launch with one shape, which then costs no atomic. */
static uint16_t count_shape(struct kcp_func *f, const struct kcp_launch *l)
{
	uint32_t n = atomic_load_explicit(&f->nshapes, memory_order_acquire);
	for (uint32_t i = 0; i < n; i++) {
		struct kcp_shape_slot *s = &f->shapes[i];
		if (s->grid[0] == l->grid[0] && s->grid[1] == l->grid[1] &&
		    s->grid[2] == l->grid[2] && s->block[0] == l->block[0] &&
		    s->block[1] == l->block[1] && s->block[2] == l->block[2] &&
		    s->smem == l->smem) {
			if (i)
				atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
			return (uint16_t)i;
		}
	}
	kcp_lock(&func_lock);
	n = atomic_load(&f->nshapes);
	uint32_t i;
	for (i = 0; i < n; i++) {
		struct kcp_shape_slot *s = &f->shapes[i];
		if (memcmp(s->grid, l->grid, sizeof(s->grid)) == 0 &&
		    memcmp(s->block, l->block, sizeof(s->block)) == 0 && s->smem == l->smem)
			break;
	}
	uint16_t where = (uint16_t)i;
	if (i < n) {
		if (i)
			atomic_fetch_add(&f->shapes[i].count, 1);
	} else if (n < KC_MAX_SHAPES) {
		struct kcp_shape_slot *s = &f->shapes[n];
		memcpy(s->grid, l->grid, sizeof(s->grid));
		memcpy(s->block, l->block, sizeof(s->block));
		s->smem = l->smem;
		atomic_store(&s->count, n ? 1 : 0); /* the first shape's is worked out at flush */
		atomic_store_explicit(&f->nshapes, n + 1, memory_order_release);
	} else {
		atomic_fetch_add(&f->other_shapes, 1);
		where = SHAPE_OTHER;
	}
	kcp_unlock(&func_lock);
	return where;
}

/* The slot's last shape is this launch's: count it where the slot says (nothing for the first
 * shape); else find it in the function, and remember it. */
static inline void count_slot_shape(struct cache_slot *c, const struct kcp_launch *l)
{
	if (KCP_LIKELY(c->shape[0] == l->grid[0] && c->shape[1] == l->grid[1] &&
		       c->shape[2] == l->grid[2] && c->shape[3] == l->block[0] &&
		       c->shape[4] == l->block[1] && c->shape[5] == l->block[2] &&
		       c->shape[6] == l->smem && c->shape_index != SHAPE_UNSET)) {
		if (KCP_LIKELY(c->shape_index == 0))
			return;
		struct kcp_func *f = atomic_load_explicit(&c->f, memory_order_relaxed);
		if (c->shape_index == SHAPE_OTHER)
			atomic_fetch_add_explicit(&f->other_shapes, 1, memory_order_relaxed);
		else
			atomic_fetch_add_explicit(&f->shapes[c->shape_index].count, 1,
						  memory_order_relaxed);
		return;
	}
	int saved = errno; /* count_shape may take a lock */
	c->shape_index = count_shape(atomic_load_explicit(&c->f, memory_order_relaxed), l);
	errno = saved;
	memcpy(c->shape, l->grid, sizeof(l->grid));
	memcpy(c->shape + 3, l->block, sizeof(l->block));
	c->shape[6] = l->smem;
}

/* KCPROF_LAUNCHES=full: records go to a per-thread buffer, written when it fills, at flush
 * checks and when the thread ends. */
struct launch_buf {
	size_t len;
	struct launch_buf *next;
	_Alignas(8) uint8_t data[LAUNCH_BUF_SIZE];
};
static __thread struct launch_buf *tls_lbuf __attribute__((tls_model("initial-exec")));
static struct launch_buf *lbuf_list;
static pthread_key_t lbuf_key;
static pthread_once_t lbuf_once = PTHREAD_ONCE_INIT;

static void lbuf_write(struct launch_buf *b)
{
	if (b && b->len) {
		kcp_rec_write(b->data, b->len);
		b->len = 0;
	}
}

static void lbuf_thread_exit(void *p)
{
	kcp_lock(&flush_lock);
	lbuf_write(p);
	kcp_unlock(&flush_lock);
}

static void lbuf_key_init(void)
{
	pthread_key_create(&lbuf_key, lbuf_thread_exit);
}

static void record_full_launch(const struct kcp_func *f, const struct kcp_launch *l, CUresult r)
{
	struct launch_buf *b = tls_lbuf;
	if (KCP_UNLIKELY(!b)) {
		pthread_once(&lbuf_once, lbuf_key_init);
		b = calloc(1, sizeof(*b));
		if (!b)
			return;
		kcp_lock(&flush_lock);
		b->next = lbuf_list;
		lbuf_list = b;
		kcp_unlock(&flush_lock);
		pthread_setspecific(lbuf_key, b);
		tls_lbuf = b;
	}
	if (b->len + sizeof(struct kc_rec_launch) > sizeof(b->data)) {
		kcp_lock(&flush_lock);
		lbuf_write(b);
		kcp_unlock(&flush_lock);
	}
	struct kc_rec_launch *rec = (void *)(b->data + b->len);
	memset(rec, 0, sizeof(*rec));
	rec->h.type = KC_REC_LAUNCH;
	rec->h.tid = kcp_tid();
	rec->h.time_ns = kcp_now_ns();
	rec->func_id = f->id;
	memcpy(rec->grid, l->grid, sizeof(rec->grid));
	memcpy(rec->block, l->block, sizeof(rec->block));
	rec->smem = l->smem;
	rec->stream = l->stream;
	rec->attrs = l->attrs;
	rec->result = (int32_t)r;
	rec->path = l->path;
	rec->api = (uint16_t)l->api;
	kc_rec_seal(&rec->h, sizeof(*rec));
	b->len += sizeof(*rec);
}

void kcp_launch_note(const struct kcp_launch *l, CUresult result)
{
	/* The program's errno is kept by the slow paths below, each for itself: the common case
	 * then makes no call into libc (__errno_location) at all. */
	struct cache_slot *c = slot_cached(l->func);
	if (KCP_UNLIKELY(
		!c || !atomic_load_explicit(
			  &c->f, memory_order_relaxed))) { /* a free slot
							    * matches only a launch of the handle
							    * SLOT_FREE, which the driver refused */
		int saved = errno;
		c = slot_bind(l->func, l->name, l->path);
		errno = saved;
		if (!c)
			return;
	}
	/* its thread alone writes it: a plain increment, read by flushes. No clock read here
	 * (8 ns on the H100 host): last-seen times are set at flush. */
	atomic_store_explicit(&c->pending,
			      atomic_load_explicit(&c->pending, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	if (KCP_UNLIKELY(result != CUDA_SUCCESS))
		atomic_fetch_add_explicit(
		    &atomic_load_explicit(&c->f, memory_order_relaxed)->errors, 1,
		    memory_order_relaxed);
	if (KCP_UNLIKELY((c->attrs & l->attrs) != l->attrs)) {
		atomic_fetch_or(&atomic_load_explicit(&c->f, memory_order_relaxed)->attrs,
				l->attrs);
		c->attrs |= (uint32_t)l->attrs;
	}
	if (KCP_UNLIKELY(!(c->paths & l->path))) {
		atomic_fetch_or(&atomic_load_explicit(&c->f, memory_order_relaxed)->paths, l->path);
		c->paths |= l->path;
	}
	count_slot_shape(c, l);
	if (KCP_UNLIKELY(kcp_tls.full_launches)) {
		int saved = errno;
		record_full_launch(atomic_load_explicit(&c->f, memory_order_relaxed), l, result);
		errno = saved;
	}
	if (KCP_UNLIKELY(++kcp_tls.launch_tick >= FLUSH_TICK)) {
		/* launches through hooks, counted a tick at a time (CUPTI's policy reads them) */
		if (l->path != KC_PATH_CUPTI)
			atomic_fetch_add_explicit(&hooked_launches, FLUSH_TICK,
						  memory_order_relaxed);
		kcp_tls.launch_tick = 0;
		int saved = errno;
		kcp_launch_flush(0);
		errno = saved;
	}
}

uint64_t kcp_launch_attrs(const CUlaunchConfig *config)
{
	uint64_t bits = 0;
	for (unsigned i = 0; config && config->attrs && i < config->numAttrs; i++) {
		const CUlaunchAttribute *a = &config->attrs[i];
		if (a->id >= 64 || a->id == CU_LAUNCH_ATTRIBUTE_IGNORE)
			continue;
		/* These two are switches: present but 0 means off. */
		if (a->id == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION &&
		    !a->value.programmaticStreamSerializationAllowed)
			continue;
		if (a->id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE && !a->value.cooperative)
			continue;
		bits |= 1ull << a->id;
	}
	return bits;
}

/* ---- flushing ----------------------------------------------------------------------------- */

static void write_stats(struct kcp_func *f)
{
	_Alignas(8) uint8_t
	    mem[sizeof(struct kc_rec_launch_stats) + KC_MAX_SHAPES * sizeof(struct kc_shape)];
	struct kc_rec_launch_stats *rec = (void *)mem;
	memset(mem, 0, sizeof(mem));
	rec->h.type = KC_REC_LAUNCH_STATS;
	rec->h.tid = kcp_tid();
	rec->h.time_ns = kcp_now_ns();
	rec->func_id = f->id;
	rec->path = (uint16_t)atomic_load(&f->paths);
	rec->count = f->total;
	rec->errors = atomic_load(&f->errors);
	rec->first_ns = atomic_load(&f->first_ns);
	/* Launched since the last flush (and more than the once the first launch timed): seen by
	 * now. */
	if (rec->count > f->flushed_count && rec->count > 1)
		atomic_store(&f->last_ns, rec->h.time_ns);
	rec->last_ns = atomic_load(&f->last_ns);
	rec->attrs = atomic_load(&f->attrs);
	rec->other_shapes = atomic_load(&f->other_shapes);
	uint32_t n = atomic_load(&f->nshapes);
	rec->nshapes = (uint16_t)n;
	uint64_t rest = rec->other_shapes;
	for (uint32_t i = 0; i < n; i++) {
		struct kc_shape *s = &rec->shapes[i];
		memcpy(s->grid, f->shapes[i].grid, sizeof(s->grid));
		memcpy(s->block, f->shapes[i].block, sizeof(s->block));
		s->smem = f->shapes[i].smem;
		s->count = atomic_load(&f->shapes[i].count);
		rest += i ? s->count : 0;
	}
	if (n) /* read after the others: never below zero though launches go on */
		rec->shapes[0].count = rec->count > rest ? rec->count - rest : 0;
	size_t size = sizeof(*rec) + n * sizeof(struct kc_shape);
	kc_rec_seal(&rec->h, size);
	kcp_rec_write(rec, size);
	f->flushed_count = rec->count;
}

void kcp_launch_flush(int force)
{
	uint64_t now = kcp_coarse_ns();
	/* an eighth of slack: the coarse clock ticks in ms, and the flusher wakes just on time */
	if (!force && now - atomic_load_explicit(&last_flush_ns, memory_order_relaxed) <
			  kcp_cfg.flush_ns - kcp_cfg.flush_ns / 8)
		return;
	/* Never make a launching thread wait: whoever holds the lock is flushing already. */
	int cancel = kcp_nocancel_begin();
	if (force)
		kcp_lock(&flush_lock);
	else if (kcp_trylock(&flush_lock) != 0) {
		kcp_nocancel_end(cancel);
		return;
	}
	if (!force && atomic_load(&kcp_state) != KCP_READY) { /* the flusher, racing the exit */
		kcp_unlock(&flush_lock);
		kcp_nocancel_end(cancel);
		return;
	}
	atomic_store(&last_flush_ns, now);
	counts_snapshot();
	for (struct kcp_func *f = atomic_load(&func_list); f; f = f->next) {
		if (f->total == f->flushed_count)
			continue;
		if (!f->written) { /* a forked child writes its own file */
			kcp_lock(&func_lock);
			if (!f->written)
				write_function(f, KC_PATH_SYMBOL);
			kcp_unlock(&func_lock);
		}
		write_stats(f);
	}
	kcp_gpu_time_write();
	kcp_graph_flush();
	if (force)
		for (struct launch_buf *b = lbuf_list; b; b = b->next)
			lbuf_write(b);
	else if (tls_lbuf)
		lbuf_write(tls_lbuf);
	kcp_unlock(&flush_lock);
	kcp_nocancel_end(cancel);
	if (!force)
		kcp_cupti_launch_policy(
		    now, atomic_load_explicit(&hooked_launches, memory_order_relaxed));
}

/* As of the last flush: the END record follows the final one. No lock: it is read under the
 * recorder's, which a flush takes inside flush_lock. */
uint64_t kcp_launch_total(void)
{
	return atomic_load(&launch_total);
}

/* ---- the flusher: counts reach the disk on time however slowly a program launches --------- */

/* A thread that wakes every KCPROF_FLUSH_MS and flushes, so that a killed process leaves its
 * counts as of a moment ago (the launch path itself checks only every 1024 launches). It blocks
 * every signal: the program's handlers never run on it. Started at the first launch of each
 * process (a forked child starts its own). */
static pid_t flusher_pid;
static sigset_t flusher_mask; /* the starting thread's mask, for the process's end (flusher) */

/* A /proc stat file's field `field` (1-based; 3 the state), after the command's name, which
 * may hold spaces and parentheses; NULL where there is none. buf: the file's text. */
static const char *stat_field(char *buf, size_t cap, const char *path, int field)
{
	const char *p = kcp_proc_stat(path, buf, cap); /* at the space before field 3 */
	for (int f = 3; p && f < field; f++)
		p = strchr(p + 1, ' ');
	return p ? p + 1 : NULL;
}

/* Whether this is the process's last live thread: num_threads counts a leader that ended
 * (main's pthread_exit) as long as others run, so where it says two at most, each other
 * thread's state is read (Z: ended). */
static int last_thread(void)
{
	char buf[1024], path[64];
	const char *p = stat_field(buf, sizeof(buf), "/proc/self/stat", 20);
	if (!p || atoi(p) > 2)
		return 0;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	int others = 0;
	struct dirent *de;
	while (!others && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (uint32_t)atoi(de->d_name) == kcp_tid())
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
		const char *state = stat_field(buf, sizeof(buf), path, 3);
		others = state && *state != 'Z' && *state != 'X';
	}
	closedir(d);
	return !others;
}

static void *flusher(void *arg)
{
	(void)arg;
	kcp_tls.guard = 1; /* nothing it calls may come back through the hooks */
	/* It wakes every 100 ms at most: the program's last thread gone (main's pthread_exit),
	 * it ends too, as that thread would have ended the process (as exit(0): the trace is
	 * finished by the destructor); a thread of kcprof's must not keep the process alive. */
	uint64_t slept = 0;
	while (atomic_load(&kcp_state) == KCP_READY) {
		uint64_t left = kcp_cfg.flush_ns - slept,
			 tick = left < 100000000ull ? left : 100000000ull;
		struct timespec ts = {(time_t)(tick / 1000000000ull), (long)(tick % 1000000000ull)};
		nanosleep(&ts, NULL);
		if (atomic_load(&kcp_state) != KCP_READY)
			break;
		if (last_thread()) {
			/* the process ends on this thread: its exit handlers (the program's
			 * atexit, static destructors, kcprof's own) run here, with the signals
			 * the program's threads had unblocked, as they would have on its own */
			kcp_tls.guard = 0;
			pthread_sigmask(SIG_SETMASK, &flusher_mask, NULL);
			return NULL;
		}
		if ((slept += tick) < kcp_cfg.flush_ns)
			continue;
		slept = 0;
		kcp_gpu_time_collect(); /* outside flush_lock: CUPTI calls back into kcprof */
		kcp_launch_flush(0);
	}
	return NULL;
}

void kcp_launch_flusher_start(void)
{
	pid_t pid = getpid();
	if (flusher_pid == pid)
		return;
	flusher_pid = pid;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	flusher_mask = old;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* the default stack: the program's exit handlers may run on it (flusher) */
	pthread_t t;
	if (pthread_create(&t, &attr, flusher, NULL) != 0)
		kc_log(KC_LOG_INFO, DOMAIN,
		       "no flusher thread: counts reach the disk every 1024 launches");
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void kcp_launch_atfork_prepare(void)
{
	kcp_lock(&flush_lock);
	kcp_lock(&func_lock);
}

void kcp_launch_atfork_parent(void)
{
	kcp_unlock(&func_lock);
	kcp_unlock(&flush_lock);
}

/* The child starts counting from zero, in a file of its own. */
void kcp_launch_atfork_child(void)
{
	kcp_unlock(&func_lock);
	kcp_unlock(&flush_lock);
	for (struct kcp_func *f = atomic_load(&func_list); f; f = f->next) {
		f->written = 0;
		atomic_store(&f->count, 0);
		atomic_store(&f->started, 0);
		f->total = 0;
		atomic_store(&f->errors, 0);
		atomic_store(&f->first_ns, 0);
		atomic_store(&f->last_ns, 0);
		atomic_store(&f->attrs, 0);
		atomic_store(&f->paths, 0);
		atomic_store(&f->other_shapes, 0);
		atomic_store(&f->nshapes, 0);
		f->flushed_count = 0;
	}
	for (struct launch_buf *b = lbuf_list; b; b = b->next)
		b->len = 0; /* the parent writes these */
	/* The other threads are not in the child: their blocks are free, and nothing is held. */
	for (struct thread_counts *tc = atomic_load(&tcounts_list); tc; tc = tc->next) {
		atomic_store(&tc->seq, 0);
		for (int i = 0; i < CACHE_SLOTS; i++) { /* this thread's too: bound again, first
							 * launches are timed again */
			atomic_store(&tc->slot[i].pending, 0);
			atomic_store(&tc->slot[i].f, NULL);
			tc->slot[i].handle = SLOT_FREE;
		}
		if (tc != tcounts)
			atomic_store(&tc->in_use, 0);
	}
	atomic_store(&launch_total, 0);
}

/* ---- hook bodies -------------------------------------------------------------------------- */

/* The common launch, inlined into each exported hook: the slot is bound, the call succeeded,
 * nothing about it is new to this thread, no flush check is due. Then two increments, and 1;
 * else 0, and the caller's cold side (launch_slow) builds the record for kcp_launch_note.
 * Small on purpose: after a ~3.3 us driver call the hook's code and data are out of L1 on the
 * H100 host, and every line it spans costs: it reads the thread's one line of state
 * (kcp_tls) and the function's slot, and builds nothing. */
static inline __attribute__((always_inline)) int
launch_counted(uint64_t func, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
	       unsigned bz, unsigned smem, uint64_t attrs, uint16_t path, CUresult r)
{
	struct cache_slot *c = slot_cached(func);
	if (KCP_LIKELY(c && r == CUDA_SUCCESS && (c->attrs & attrs) == attrs && (c->paths & path) &&
		       c->shape_index == 0 && c->shape[0] == gx && c->shape[1] == gy &&
		       c->shape[2] == gz && c->shape[3] == bx && c->shape[4] == by &&
		       c->shape[5] == bz && c->shape[6] == smem && !kcp_tls.full_launches &&
		       kcp_tls.launch_tick + 1 < FLUSH_TICK)) {
		atomic_store_explicit(&c->pending,
				      atomic_load_explicit(&c->pending, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		kcp_tls.launch_tick++;
		return 1;
	}
	return 0;
}

/* Everything else, out of the hooks' way. */
static __attribute__((noinline, cold)) void launch_slow(uint64_t func, const unsigned grid[3],
							const unsigned block[3], unsigned smem,
							uint64_t stream, uint64_t attrs,
							unsigned api, uint16_t path, CUresult r)
{
	struct kcp_launch l = {.func = func,
			       .grid = {grid[0], grid[1], grid[2]},
			       .block = {block[0], block[1], block[2]},
			       .smem = smem,
			       .stream = stream,
			       .attrs = attrs,
			       .api = api,
			       .path = path};
	kcp_launch_note(&l, r); /* keeps errno */
}

__attribute__((always_inline)) inline CUresult
kcp_launch_kernel(struct kcp_call call, CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
		  unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
		  unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
		  void **kernelParams, void **extra)
{
	__typeof__(&cuLaunchKernel) real = KCP_REAL(call, cuLaunchKernel);
	if (KCP_UNLIKELY(!real))
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
			    sharedMemBytes, hStream, kernelParams, extra);
	CUresult r = real(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
			  sharedMemBytes, hStream, kernelParams, extra);
	if (!launch_counted((uint64_t)(uintptr_t)f, gridDimX, gridDimY, gridDimZ, blockDimX,
			    blockDimY, blockDimZ, sharedMemBytes, 0, call.path, r))
		launch_slow((uint64_t)(uintptr_t)f,
			    (const unsigned[]){gridDimX, gridDimY, gridDimZ},
			    (const unsigned[]){blockDimX, blockDimY, blockDimZ}, sharedMemBytes,
			    (uint64_t)(uintptr_t)hStream, 0, KC_API_LAUNCH_KERNEL, call.path, r);
	kcp_leave();
	return r;
}

__attribute__((always_inline)) inline CUresult
kcp_launch_kernel_ex(struct kcp_call call, const CUlaunchConfig *config, CUfunction f,
		     void **kernelParams, void **extra)
{
	__typeof__(&cuLaunchKernelEx) real = KCP_REAL(call, cuLaunchKernelEx);
	if (KCP_UNLIKELY(!real))
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter() || !config)
		return real(config, f, kernelParams, extra);
	CUresult r = real(config, f, kernelParams, extra);
	uint64_t attrs = kcp_launch_attrs(config);
	if (!launch_counted((uint64_t)(uintptr_t)f, config->gridDimX, config->gridDimY,
			    config->gridDimZ, config->blockDimX, config->blockDimY,
			    config->blockDimZ, config->sharedMemBytes, attrs, call.path, r))
		launch_slow(
		    (uint64_t)(uintptr_t)f,
		    (const unsigned[]){config->gridDimX, config->gridDimY, config->gridDimZ},
		    (const unsigned[]){config->blockDimX, config->blockDimY, config->blockDimZ},
		    config->sharedMemBytes, (uint64_t)(uintptr_t)config->hStream, attrs,
		    KC_API_LAUNCH_KERNEL_EX, call.path, r);
	kcp_leave();
	return r;
}

__attribute__((always_inline)) inline CUresult
kcp_launch_cooperative(struct kcp_call call, CUfunction f, unsigned int gridDimX,
		       unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX,
		       unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes,
		       CUstream hStream, void **kernelParams)
{
	__typeof__(&cuLaunchCooperativeKernel) real = KCP_REAL(call, cuLaunchCooperativeKernel);
	if (KCP_UNLIKELY(!real))
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
			    sharedMemBytes, hStream, kernelParams);
	CUresult r = real(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
			  sharedMemBytes, hStream, kernelParams);
	const uint64_t attrs = 1ull << CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
	if (!launch_counted((uint64_t)(uintptr_t)f, gridDimX, gridDimY, gridDimZ, blockDimX,
			    blockDimY, blockDimZ, sharedMemBytes, attrs, call.path, r))
		launch_slow(
		    (uint64_t)(uintptr_t)f, (const unsigned[]){gridDimX, gridDimY, gridDimZ},
		    (const unsigned[]){blockDimX, blockDimY, blockDimZ}, sharedMemBytes,
		    (uint64_t)(uintptr_t)hStream, attrs, KC_API_LAUNCH_COOPERATIVE, call.path, r);
	kcp_leave();
	return r;
}
