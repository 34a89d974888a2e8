/* hooks_graph.c - CUDA graphs: what a replay runs, and how often it is replayed.
 *
 * Inference servers run their decode steps as CUDA graphs: the kernels are launched once, into
 * a stream being captured, and then run thousands of times by cuGraphLaunch, which no launch
 * hook sees. So that a kernel's build cost is set against the times it really ran, each
 * executable graph's kernels are listed when it is made (cuGraphInstantiate*, and again after
 * cuGraphExecUpdate: a GRAPH record, each function with its count of kernel nodes, child graphs
 * walked), and its launches are counted (GRAPH_LAUNCH_STATS at each flush and when the graph
 * is retired, beside the functions' LAUNCH_STATS). A capture's kernels are listed too
 * (cuStreamEndCapture): those launches went into the graph, not to the GPU, and the analyzer
 * takes them off once it sees that graph made executable.
 *
 * A graph launch the thread made before costs one relaxed add (a thread caches 8 graphs);
 * else a mutex and a table lookup. A replay is one call for a whole step of kernels,
 * microseconds of driver work. CUDA 11's cuGraphInstantiate and cuGraphExecUpdate, of other
 * arguments, have hooks of their own. Not seen: graphs made where no hook stands (launched,
 * they are recorded as "unseen", with no kernels), node parameters changed in an executable
 * graph (cuGraphExecKernelNodeSetParams) and device-side graph launches.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "kcp.h"

#define DOMAIN "graph"
#define WALK_MAX_DEPTH 16 /* child graphs within child graphs */

struct kcp_graph {
	uint64_t exec;
	uint32_t id;
	uint16_t paths;
	_Atomic uint64_t count; /* the only field launches touch outside graph_lock */
	uint64_t errors, first_ns, last_ns;
	uint64_t flushed;	       /* count + errors at the last GRAPH_LAUNCH_STATS */
	_Atomic uint64_t incarnation;  /* moves when it is retired: cache entries of it go stale */
	struct kcp_graph *prev, *next; /* the live list; next: the free list */
	UT_hash_handle hh;	       /* exec -> live graph */
};

static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER; /* everything below */
static struct kcp_graph *graph_by_exec;
static struct kcp_graph *graph_live; /* graphs launches may still count for, newest first */
/* Retired graphs (destroyed, updated, a parent's), for reuse: never given back to malloc, so
 * that a launch that read its thread's cache just before the retirement adds to a count that
 * is no graph's, or the next one's (a launch racing its graph's destroy, off by one), and
 * never to freed memory. Memory follows the graphs alive at once. */
static struct kcp_graph *graph_free;
static uint32_t graph_next_id = 1;
/* A thread's graphs, a slot per exec handle: an entry is good while its graph's incarnation
 * is the one it was cached at (a retirement moves it). Graphs made or retired elsewhere leave
 * the entry alone. */
#define GRAPH_CACHE 8 /* a server alternates one graph a batch size */
static __thread struct graph_cache {
	uint64_t exec, incarnation;
	struct kcp_graph *gr;
	uint16_t paths;
} tls_graphs[GRAPH_CACHE] __attribute__((tls_model("initial-exec")));

/* The driver functions the walk calls (never hooked: kcprof's own calls): resolved once, and
 * by a thread that comes while another resolves them, for itself (kcp_once waits for no one). */
struct graph_driver {
	CUresult (*get_nodes)(CUgraph, CUgraphNode *, size_t *);
	CUresult (*node_type)(CUgraphNode, CUgraphNodeType *);
	CUresult (*kernel_params)(CUgraphNode, CUDA_KERNEL_NODE_PARAMS_v2 *);
	CUresult (*child_graph)(CUgraphNode, CUgraph *);
};
static struct graph_driver graph_drv;
static struct kcp_once graph_drv_once = KCP_ONCE_INIT;

static void graph_driver_resolve(struct graph_driver *d)
{
	*(void **)&d->get_nodes = kcp_real_cuda_sym("cuGraphGetNodes");
	*(void **)&d->node_type = kcp_real_cuda_sym("cuGraphNodeGetType");
	*(void **)&d->kernel_params = kcp_real_cuda_sym("cuGraphKernelNodeGetParams_v2");
	*(void **)&d->child_graph = kcp_real_cuda_sym("cuGraphChildGraphNodeGetGraph");
}
static void graph_drv_resolve(void)
{
	graph_driver_resolve(&graph_drv);
}

/* ---- the walk: a graph's kernel nodes, as functions and counts ---------------------------- */

struct node_fn {
	uint64_t handle;
	int is_kernel; /* a CUkernel (the node's func was NULL) */
};

struct walk {
	const struct graph_driver *drv;
	struct node_fn *fns;
	size_t nfns, cap;
	uint32_t nodes;
	int incomplete; /* a call failed or memory ran out: the list is short */
};

static void walk_graph(CUgraph g, struct walk *w, int depth)
{
	size_t n = 0;
	if (depth > WALK_MAX_DEPTH || w->drv->get_nodes(g, NULL, &n) != CUDA_SUCCESS) {
		w->incomplete = 1;
		return;
	}
	if (!n)
		return;
	CUgraphNode *nodes = malloc(n * sizeof(*nodes));
	if (!nodes || w->drv->get_nodes(g, nodes, &n) != CUDA_SUCCESS) {
		free(nodes);
		w->incomplete = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		w->nodes++;
		CUgraphNodeType type;
		if (w->drv->node_type(nodes[i], &type) != CUDA_SUCCESS) {
			w->incomplete = 1;
			continue;
		}
		if (type == CU_GRAPH_NODE_TYPE_GRAPH) {
			CUgraph child;
			if (w->drv->child_graph &&
			    w->drv->child_graph(nodes[i], &child) == CUDA_SUCCESS)
				walk_graph(child, w, depth + 1);
			else
				w->incomplete = 1;
			continue;
		}
		if (type == CU_GRAPH_NODE_TYPE_CONDITIONAL) {
			w->incomplete = 1; /* its body runs 0..n times a launch */
			continue;
		}
		if (type != CU_GRAPH_NODE_TYPE_KERNEL)
			continue;
		CUDA_KERNEL_NODE_PARAMS_v2 p;
		memset(&p, 0, sizeof(p));
		if (!w->drv->kernel_params || w->drv->kernel_params(nodes[i], &p) != CUDA_SUCCESS ||
		    (!p.func && !p.kern)) {
			w->incomplete = 1;
			continue;
		}
		if (w->nfns == w->cap) {
			size_t cap = w->cap ? 2 * w->cap : 64;
			struct node_fn *fns = realloc(w->fns, cap * sizeof(*fns));
			if (!fns) {
				w->incomplete = 1;
				continue;
			}
			w->fns = fns;
			w->cap = cap;
		}
		w->fns[w->nfns++] = p.func ? (struct node_fn){(uint64_t)(uintptr_t)p.func, 0}
					   : (struct node_fn){(uint64_t)(uintptr_t)p.kern, 1};
	}
	free(nodes);
}

static int node_fn_cmp(const void *a, const void *b)
{
	const struct node_fn *x = a, *y = b;
	if (x->handle != y->handle)
		return x->handle < y->handle ? -1 : 1;
	return x->is_kernel - y->is_kernel;
}

/* Write a GRAPH record: the graph's kernels, each function with its count of nodes. */
static void write_graph(unsigned kind, uint64_t exec, CUgraph g, uint32_t id, uint64_t duration,
			CUresult result, uint16_t path)
{
	struct walk w = {0};
	if (g && result == CUDA_SUCCESS) {
		struct graph_driver mine;
		w.drv = &graph_drv;
		if (!kcp_once(&graph_drv_once, graph_drv_resolve)) {
			graph_driver_resolve(&mine);
			w.drv = &mine;
		}
		if (w.drv->get_nodes && w.drv->node_type)
			walk_graph(g, &w, 0);
		else
			w.incomplete = 1;
	}
	if (w.nfns) /* qsort takes no NULL array, even empty */
		qsort(w.fns, w.nfns, sizeof(*w.fns), node_fn_cmp);
	size_t distinct = 0;
	for (size_t i = 0; i < w.nfns; i++)
		distinct += i == 0 || node_fn_cmp(&w.fns[i], &w.fns[i - 1]) != 0;
	int truncated = distinct > KC_MAX_GRAPH_FUNCS;
	if (truncated)
		distinct = KC_MAX_GRAPH_FUNCS;
	size_t size = sizeof(struct kc_rec_graph) + distinct * sizeof(struct kc_graph_func);
	struct kc_rec_graph *rec = calloc(1, size);
	if (!rec) {
		free(w.fns);
		return;
	}
	rec->h.type = KC_REC_GRAPH;
	rec->h.tid = kcp_tid();
	rec->h.time_ns = kcp_now_ns();
	rec->exec = exec;
	rec->graph = (uint64_t)(uintptr_t)g;
	rec->duration_ns = duration;
	rec->id = id;
	rec->kind = kind;
	rec->result = result;
	rec->path = path;
	rec->nodes = w.nodes;
	rec->flags = truncated ? KC_GRAPHF_TRUNCATED : 0;
	for (size_t i = 0; i < w.nfns;) {
		size_t j = i + 1;
		while (j < w.nfns && node_fn_cmp(&w.fns[j], &w.fns[i]) == 0)
			j++;
		uint32_t fid = rec->nfuncs < distinct
				   ? kcp_func_id_of_node(w.fns[i].handle, w.fns[i].is_kernel, path)
				   : 0;
		if (fid) {
			rec->funcs[rec->nfuncs].func_id = fid;
			rec->funcs[rec->nfuncs].count = (uint32_t)(j - i);
			rec->nfuncs++;
		}
		i = j;
	}
	if (w.incomplete) {
		rec->flags |= KC_GRAPHF_INCOMPLETE;
		kc_log(KC_LOG_DEBUG, DOMAIN, "graph %p: the walk missed some nodes", (void *)g);
	}
	size = sizeof(*rec) + rec->nfuncs * sizeof(struct kc_graph_func);
	kc_rec_seal(&rec->h, size);
	kcp_rec_write(rec, size);
	free(rec);
	free(w.fns);
}

/* ---- executable graphs -------------------------------------------------------------------- */

/* Under graph_lock: gr's launch stats into *rec, if they moved since its last; 1 if so. */
static int graph_stats(struct kcp_graph *gr, struct kc_rec_graph_launch_stats *rec)
{
	uint64_t count = atomic_load(&gr->count);
	if (count + gr->errors == gr->flushed)
		return 0;
	memset(rec, 0, sizeof(*rec));
	rec->h.type = KC_REC_GRAPH_LAUNCH_STATS;
	rec->h.tid = kcp_tid();
	rec->h.time_ns = kcp_now_ns();
	/* launched since the last record, more than the once whose time was taken: seen by now */
	if (count > 1)
		gr->last_ns = rec->h.time_ns;
	rec->graph_id = gr->id;
	rec->path = gr->paths;
	rec->count = count;
	rec->errors = gr->errors;
	rec->first_ns = gr->first_ns;
	rec->last_ns = gr->last_ns;
	kc_rec_seal(&rec->h, sizeof(*rec));
	gr->flushed = count + gr->errors;
	return 1;
}

/* Under graph_lock: gr counts no more launches (its exec destroyed, or updated to another
 * graph). Its last stats, where they moved, into *rec, for the caller to write after the
 * lock; 1 if so. */
static int graph_retire(struct kcp_graph *gr, struct kc_rec_graph_launch_stats *rec)
{
	HASH_DEL(graph_by_exec, gr);
	if (gr->prev)
		gr->prev->next = gr->next;
	else
		graph_live = gr->next;
	if (gr->next)
		gr->next->prev = gr->prev;
	int moved = graph_stats(gr, rec);
	gr->prev = NULL;
	gr->next = graph_free;
	graph_free = gr;
	atomic_fetch_add(&gr->incarnation, 1);
	return moved;
}

/* Under graph_lock: a new graph for exec, which has no live one. */
static struct kcp_graph *graph_new(uint64_t exec)
{
	struct kcp_graph *gr = graph_free;
	uint64_t incarnation = 0;
	if (gr) {
		graph_free = gr->next;
		incarnation = atomic_load(&gr->incarnation);
	} else if (!(gr = malloc(sizeof(*gr)))) {
		return NULL;
	}
	memset(gr, 0, sizeof(*gr));
	atomic_store(&gr->incarnation, incarnation + 1);
	gr->exec = exec;
	gr->id = graph_next_id++;
	gr->next = graph_live;
	if (graph_live)
		graph_live->prev = gr;
	graph_live = gr;
	HASH_ADD(hh, graph_by_exec, exec, sizeof(gr->exec), gr);
	return gr;
}

/* An exec was made (or updated) from g: record what it runs. The walk and the record are
 * made outside graph_lock (they take the function and recorder locks). */
static void graph_made(unsigned kind, uint64_t exec, CUgraph g, uint64_t duration, CUresult r,
		       uint16_t path)
{
	uint32_t id = 0;
	struct kc_rec_graph_launch_stats last;
	int moved = 0;
	if (r == CUDA_SUCCESS && exec) {
		kcp_lock(&graph_lock);
		struct kcp_graph *old;
		HASH_FIND(hh, graph_by_exec, &exec, sizeof(exec), old);
		if (old) /* updated: launches from now on are the new graph's */
			moved = graph_retire(old, &last);
		struct kcp_graph *gr = graph_new(exec);
		id = gr ? gr->id : 0;
		kcp_unlock(&graph_lock);
	}
	if (moved) /* the launches of what the exec ran before the update */
		kcp_rec_write(&last, sizeof(last));
	write_graph(kind, exec, g, id, duration, r, path);
}

/* After the real instantiation or update (t0 before it): record what the exec runs, the
 * program's errno kept, and leave the hook. A failed update leaves the exec as it was, and
 * writes nothing; a failed instantiation is recorded with its result. An update keeps the
 * exec's handle and gets a new graph id, so that launches before and after count against the
 * kernels they ran. */
static void graph_call_done(unsigned kind, CUresult r, const CUgraphExec *exec, CUgraph g,
			    uint64_t t0, uint16_t path)
{
	uint64_t dt = kcp_now_ns() - t0;
	int saved = errno;
	if (kind != KC_GRAPH_UPDATE || r == CUDA_SUCCESS)
		graph_made(kind, r == CUDA_SUCCESS && exec ? (uint64_t)(uintptr_t)*exec : 0, g, dt,
			   r, path);
	errno = saved;
	kcp_leave();
}

CUresult kcp_graph_instantiate(struct kcp_call call, CUgraphExec *phGraphExec, CUgraph hGraph,
			       unsigned long long flags)
{
	__typeof__(&cuGraphInstantiateWithFlags) real = KCP_REAL(call, cuGraphInstantiateWithFlags);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(phGraphExec, hGraph, flags);
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(phGraphExec, hGraph, flags);
	graph_call_done(KC_GRAPH_INSTANTIATE, r, phGraphExec, hGraph, t0, call.path);
	return r;
}

CUresult kcp_graph_instantiate_params(struct kcp_call call, CUgraphExec *phGraphExec,
				      CUgraph hGraph, CUDA_GRAPH_INSTANTIATE_PARAMS *params)
{
	__typeof__(&cuGraphInstantiateWithParams_ptsz) real =
	    KCP_REAL(call, cuGraphInstantiateWithParams_ptsz);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(phGraphExec, hGraph, params);
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(phGraphExec, hGraph, params);
	graph_call_done(KC_GRAPH_INSTANTIATE, r, phGraphExec, hGraph, t0, call.path);
	return r;
}

CUresult kcp_graph_instantiate_v1(struct kcp_call call, CUgraphExec *phGraphExec, CUgraph hGraph,
				  CUgraphNode *phErrorNode, char *logBuffer, size_t bufferSize)
{
	__typeof__(&cuGraphInstantiate) real = KCP_REAL(call, cuGraphInstantiate);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(phGraphExec, hGraph, phErrorNode, logBuffer, bufferSize);
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(phGraphExec, hGraph, phErrorNode, logBuffer, bufferSize);
	graph_call_done(KC_GRAPH_INSTANTIATE, r, phGraphExec, hGraph, t0, call.path);
	return r;
}

CUresult kcp_graph_exec_update_v1(struct kcp_call call, CUgraphExec hGraphExec, CUgraph hGraph,
				  CUgraphNode *hErrorNode_out,
				  CUgraphExecUpdateResult *updateResult_out)
{
	__typeof__(&cuGraphExecUpdate) real = KCP_REAL(call, cuGraphExecUpdate);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(hGraphExec, hGraph, hErrorNode_out, updateResult_out);
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(hGraphExec, hGraph, hErrorNode_out, updateResult_out);
	graph_call_done(KC_GRAPH_UPDATE, r, &hGraphExec, hGraph, t0, call.path);
	return r;
}

CUresult kcp_graph_exec_update(struct kcp_call call, CUgraphExec hGraphExec, CUgraph hGraph,
			       CUgraphExecUpdateResultInfo *resultInfo)
{
	__typeof__(&cuGraphExecUpdate_v2) real = KCP_REAL(call, cuGraphExecUpdate_v2);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(hGraphExec, hGraph, resultInfo);
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(hGraphExec, hGraph, resultInfo);
	graph_call_done(KC_GRAPH_UPDATE, r, &hGraphExec, hGraph, t0, call.path);
	return r;
}

CUresult kcp_graph_exec_destroy(struct kcp_call call, CUgraphExec hGraphExec)
{
	__typeof__(&cuGraphExecDestroy) real = KCP_REAL(call, cuGraphExecDestroy);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (kcp_enter()) {
		/* Before the driver frees the handle, which another thread may then be given. */
		uint64_t exec = (uint64_t)(uintptr_t)hGraphExec;
		struct kc_rec_graph_launch_stats last;
		int moved = 0;
		kcp_lock(&graph_lock);
		struct kcp_graph *gr;
		HASH_FIND(hh, graph_by_exec, &exec, sizeof(exec), gr);
		if (gr)
			moved = graph_retire(gr, &last);
		kcp_unlock(&graph_lock);
		if (moved)
			kcp_rec_write(&last, sizeof(last));
		kcp_leave();
	}
	return real(hGraphExec);
}

CUresult kcp_graph_launch(struct kcp_call call, CUgraphExec hGraphExec, CUstream hStream)
{
	__typeof__(&cuGraphLaunch) real = KCP_REAL(call, cuGraphLaunch);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(hGraphExec, hStream);
	CUresult r = real(hGraphExec, hStream);
	uint64_t exec = (uint64_t)(uintptr_t)hGraphExec;
	/* The common case: this thread launched this graph before (its slot of the thread's cache
	 * still holds it), by this path, and it worked. One relaxed add, no lock, no clock (the
	 * last launch's time is taken at flush). */
	struct graph_cache *c = &tls_graphs[(exec >> 4) % GRAPH_CACHE];
	if (KCP_LIKELY(r == CUDA_SUCCESS && c->exec == exec && c->gr && (c->paths & call.path) &&
		       c->incarnation ==
			   atomic_load_explicit(&c->gr->incarnation, memory_order_relaxed))) {
		atomic_fetch_add_explicit(&c->gr->count, 1, memory_order_relaxed);
		kcp_leave();
		return r;
	}
	int saved = errno;
	int unseen = 0, first = 0;
	uint32_t id = 0;
	kcp_lock(&graph_lock);
	struct kcp_graph *gr;
	HASH_FIND(hh, graph_by_exec, &exec, sizeof(exec), gr);
	if (!gr && r == CUDA_SUCCESS && (gr = graph_new(exec)) != NULL) {
		unseen = 1; /* made where no hook saw it */
		id = gr->id;
	}
	if (gr) {
		if (!atomic_load(&gr->count) && !gr->errors)
			gr->first_ns = gr->last_ns = kcp_now_ns();
		if (r == CUDA_SUCCESS)
			first = atomic_fetch_add(&gr->count, 1) == 0;
		else
			gr->errors++;
		gr->paths |= call.path;
		c->exec = exec;
		c->gr = gr;
		c->paths = gr->paths;
		c->incarnation = atomic_load(&gr->incarnation);
	}
	kcp_unlock(&graph_lock);
	if (unseen)
		write_graph(KC_GRAPH_UNSEEN, exec, NULL, id, 0, r, call.path);
	if (first)
		kcp_launch_flusher_start();
	errno = saved;
	kcp_leave();
	return r;
}

/* ---- captures ----------------------------------------------------------------------------- */

CUresult kcp_stream_end_capture(struct kcp_call call, CUstream hStream, CUgraph *phGraph)
{
	__typeof__(&cuStreamEndCapture) real = KCP_REAL(call, cuStreamEndCapture);
	if (!real)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!kcp_enter())
		return real(hStream, phGraph);
	uint64_t t0 = kcp_now_ns();
	CUresult r = real(hStream, phGraph);
	uint64_t dt = kcp_now_ns() - t0;
	int saved = errno;
	/* The launches captured were counted by the launch hooks, but ran nowhere: listed, so
	 * that the analyzer counts them as what they were. */
	if (r == CUDA_SUCCESS && phGraph && *phGraph)
		write_graph(KC_GRAPH_CAPTURE, 0, *phGraph, 0, dt, r, call.path);
	errno = saved;
	kcp_leave();
	return r;
}

/* ---- flushing and fork -------------------------------------------------------------------- */

/* Under the launches' flush_lock (one flush at a time): the records are made under graph_lock
 * and written after it, so that graph launches never wait for the disk. */
void kcp_graph_flush(void)
{
	struct kc_rec_graph_launch_stats *recs = NULL;
	size_t n = 0, cap = 0;
	kcp_lock(&graph_lock);
	for (struct kcp_graph *gr = graph_live; gr; gr = gr->next) {
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			void *p = realloc(recs, nc * sizeof(*recs));
			if (!p)
				break; /* the rest at the next flush */
			recs = p;
			cap = nc;
		}
		n += (size_t)graph_stats(gr, &recs[n]);
	}
	kcp_unlock(&graph_lock);
	for (size_t i = 0; i < n; i++)
		kcp_rec_write(&recs[i], sizeof(recs[i]));
	free(recs);
}

void kcp_graph_atfork_prepare(void)
{
	kcp_lock(&graph_lock);
}

void kcp_graph_atfork_parent(void)
{
	kcp_unlock(&graph_lock);
}

/* A forked child cannot use its parent's CUDA context: its graphs are the parent's (to write),
 * retired here unwritten. */
void kcp_graph_atfork_child(void)
{
	kcp_unlock(&graph_lock);
	HASH_CLEAR(hh, graph_by_exec);
	while (graph_live) {
		struct kcp_graph *gr = graph_live;
		graph_live = gr->next;
		gr->prev = NULL;
		gr->next = graph_free;
		graph_free = gr;
		atomic_fetch_add(&gr->incarnation, 1);
	}
}
