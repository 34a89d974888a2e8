/* model.c - see model.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "changes.h"
#include "kca.h"
#include "model.h"

/* ---- arena -------------------------------------------------------------------------------- */

struct kca_arena {
	struct kca_arena *next;
	size_t used, cap;
	char data[];
};

static void *arena_alloc(struct kca_model *m, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	struct kca_arena *a = m->arena;
	if (!a || a->used + n > a->cap) {
		size_t cap = n > (1u << 20) ? n : (1u << 20);
		struct kca_arena *b = kca_xmalloc(sizeof(*b) + cap);
		b->next = a;
		b->used = 0;
		b->cap = cap;
		m->arena = a = b;
	}
	void *p = a->data + a->used;
	a->used += n;
	return p;
}

/* A cubin loaded by file from a cache laid out as Triton's, ROOT/ENTRY/NAME.cubin with ENTRY a
 * Triton cache key: ROOT kept as one of the process's (a few, the first ones) for
 * kca_triton_dir_of. */
static void note_cubin_root(struct kca_model *m, struct kca_proc *p, const char *file)
{
	size_t n = strlen(file);
	if (file[0] != '/' || n < 7 || strcmp(file + n - 6, ".cubin") != 0)
		return;
	const char *entry = memrchr(file, '/', n);
	const char *root = entry > file ? memrchr(file, '/', (size_t)(entry - file)) : NULL;
	if (!root || root == file)
		return;
	/* ENTRY as Triton names it: base32 of a SHA-256, 52 of A-Z and 2-7 */
	size_t elen = (size_t)(entry - root - 1);
	if (elen < 40 || elen > 64 || strspn(root + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != elen)
		return;
	size_t len = (size_t)(root - file);
	for (unsigned i = 0; i < p->ncubin_roots; i++)
		if (strlen(p->cubin_roots[i]) == len && strncmp(p->cubin_roots[i], file, len) == 0)
			return;
	if (p->ncubin_roots == sizeof(p->cubin_roots) / sizeof(p->cubin_roots[0]))
		return;
	char *r = arena_alloc(m, len + 1);
	memcpy(r, file, len);
	r[len] = '\0';
	p->cubin_roots[p->ncubin_roots++] = r;
}

void *kca_model_alloc(struct kca_model *m, size_t n)
{
	return arena_alloc(m, n);
}

const char *kca_model_strdup(struct kca_model *m, const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *p = arena_alloc(m, n);
	memcpy(p, s ? s : "", n);
	return p;
}

static const char **list_dup(struct kca_model *m, const struct kc_rec_hdr *r, struct kc_strlist l,
			     unsigned *n)
{
	*n = l.count;
	if (!l.count)
		return NULL;
	const char **v = arena_alloc(m, l.count * sizeof(char *));
	unsigned i = 0;
	for (const char *s = kc_rec_list_next(r, l, NULL); s && i < l.count;
	     s = kc_rec_list_next(r, l, s))
		v[i++] = kca_model_strdup(m, s);
	*n = i;
	return v;
}

static const char *list_join(struct kca_model *m, const struct kc_rec_hdr *r, struct kc_strlist l,
			     char sep)
{
	if (!l.count)
		return "";
	char *p = arena_alloc(m, l.len + 1);
	memcpy(p, (const char *)r + l.off, l.len);
	for (uint32_t i = 0; i + 1 < l.len; i++)
		if (p[i] == '\0')
			p[i] = sep;
	p[l.len ? l.len - 1 : 0] = '\0';
	return p;
}

/* ---- loading ------------------------------------------------------------------------------ */

struct func_key {
	uint32_t id;
	int index;
	/* its cumulative launch count at the window's start and at its end (the last
	 * LAUNCH_STATS written before each) */
	uint64_t win_base, win_end;
	UT_hash_handle hh;
};

/* A kernel name's GPU_TIME records (cumulative), as of the window's edges. */
struct gpu_counts {
	uint64_t count, total_ns, gap_count, gap_ns, overlapped;
};
struct gpu_key {
	const char *name;
	int index;
	struct gpu_counts base, end; /* the last before the window's start, and its end */
	UT_hash_handle hh;
};

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* A GRAPH record's kernels: the functions (m->funcs indexes) and their kernel nodes. */
struct graph_kernels {
	unsigned n;
	int *funcs;
	uint32_t *nodes;
};

/* An executable CUDA graph of this file: the functions a launch of it runs, and its launches. */
struct graph_key {
	uint32_t id;
	struct graph_kernels k;
	uint64_t launches; /* the largest GRAPH_LAUNCH_STATS count */
	uint64_t last_ns;
	uint64_t win_base, win_end; /* the same, of the counts written before the window's
				       start and before its end */
	UT_hash_handle hh;
};

/* A capture not yet followed by an instantiation of its graph: its launches are taken off
 * the kernels' only once a hook saw the graph made executable, which is also when its runs
 * come to be counted. A capture whose graph was made where no hook saw it (or never) keeps
 * its launches as runs: one run each, not none. */
struct capture_key {
	uint64_t graph; /* CUgraph captured */
	struct graph_kernels k;
	/* Which window its launches fall in: that of the flush that counted them, the first
	 * LAUNCH_STATS of one of its kernels after it (-1 until then: then its own time's). */
	uint64_t time_ns;
	int in_window;
	struct capture_key *next; /* applied, the window still open: on load_ctx.applied */
	UT_hash_handle hh;
};

/* A CALLSITE record waiting for the load or compile its thread writes next. */
struct callsite_key {
	uint32_t tid;
	unsigned for_type; /* KC_REC_MODULE_LOAD or KC_REC_COMPILE */
	const char **frames, **args;
	unsigned nframes, nargs;
	int native; /* frames are return addresses (KC_CALLSITEF_NATIVE) */
	UT_hash_handle hh;
};

/* A LOAD_CONTEXT record waiting for the load its thread writes next. */
struct context_key {
	uint32_t tid;
	struct kc_rec_load_context rec;
	UT_hash_handle hh;
};

int kca_load_context_is(const struct kc_rec_load_context *lc, const struct kc_rec_hdr *r)
{
	const struct kc_rec_module_load *x = (const void *)r;
	/* a load whose own record was lost (another handle) leaves its context to no other */
	return lc->h.type == KC_REC_LOAD_CONTEXT && lc->h.tid == r->tid &&
	       lc->handle == x->handle && !(x->flags & KC_MODF_LIBRARY);
}

struct load_ctx {
	struct kca_model *m;
	int proc;
	struct callsite_key *callsites; /* tid -> its last CALLSITE, this file */
	struct context_key *contexts;	/* tid -> its last LOAD_CONTEXT, this file */
	uint64_t win_from, win_to;	/* the window of this file's directory */
	struct func_key *funcs;		/* id -> index, this file */
	struct gpu_key *gpu;		/* kernel name -> GPU time index, this file */
	struct graph_key *graphs;	/* graph id -> its kernels and launches, this file */
	struct capture_key *captures;	/* CUgraph -> its pending capture, this file */
	struct capture_key *applied;	/* captures applied whose window is still open */
	unsigned unresolved;		/* captures (pending or applied) with in_window -1 */
	int saw_process;		/* its PROCESS record was read (not lost to damage) */
};

/* This thread's call site if it was written for a record of type for_type (the record it
 * belongs to is the next one of that type the thread writes), taken off the table; NULL if
 * none. The caller frees it (its frames live in the model). */
static struct callsite_key *take_callsite(struct load_ctx *c, uint32_t tid, unsigned for_type)
{
	struct callsite_key *cs;
	HASH_FIND(hh, c->callsites, &tid, sizeof(tid), cs);
	if (!cs || cs->for_type != for_type)
		return NULL;
	HASH_DEL(c->callsites, cs);
	return cs;
}

/* The record's kernels, by this file's function ids (one whose FUNCTION record was lost is
 * left out), in place of what k held. */
static void graph_kernels_read(struct load_ctx *c, const struct kc_rec_graph *x,
			       struct graph_kernels *k)
{
	free(k->funcs);
	free(k->nodes);
	k->funcs = kca_xmalloc((x->nfuncs + 1) * sizeof(*k->funcs));
	k->nodes = kca_xmalloc((x->nfuncs + 1) * sizeof(*k->nodes));
	k->n = 0;
	for (uint32_t i = 0; i < x->nfuncs; i++) {
		struct func_key *f;
		HASH_FIND(hh, c->funcs, &x->funcs[i].func_id, sizeof(uint32_t), f);
		if (!f)
			continue;
		k->funcs[k->n] = f->index;
		k->nodes[k->n++] = x->funcs[i].count;
	}
}

static void capture_free(struct load_ctx *c, struct capture_key *k)
{
	c->unresolved -= k->in_window < 0;
	HASH_DEL(c->captures, k);
	free(k->k.funcs);
	free(k->k.nodes);
	free(k);
}

/* A capture's launches come off the window's where they were counted in it. */
static void capture_window(struct load_ctx *c, struct capture_key *k)
{
	for (unsigned i = 0; k->in_window == 1 && i < k->k.n; i++)
		c->m->funcs[k->k.funcs[i]].win_captured += k->k.nodes[i];
}

/* The capture's graph was made executable where a hook saw it: its launches come off (off
 * the window's once the flush that counted them is read). */
static void capture_apply(struct load_ctx *c, struct capture_key *k)
{
	struct kca_model *m = c->m;
	for (unsigned i = 0; i < k->k.n; i++)
		m->funcs[k->k.funcs[i]].captured += k->k.nodes[i];
	KCA_GROW(m->captures, m->ncaptures, m->cap_captures);
	struct kca_capture *kept = &m->captures[m->ncaptures++];
	int *funcs = arena_alloc(m, (k->k.n + 1) * sizeof(int));
	uint32_t *nodes = arena_alloc(m, (k->k.n + 1) * sizeof(uint32_t));
	memcpy(funcs, k->k.funcs, k->k.n * sizeof(int));
	memcpy(nodes, k->k.nodes, k->k.n * sizeof(uint32_t));
	*kept = (struct kca_capture){c->proc, k->time_ns, k->k.n, funcs, nodes};
	m->procs[c->proc].captures_applied++;
	if (k->in_window >= 0) {
		capture_window(c, k);
		capture_free(c, k);
		return;
	}
	HASH_DEL(c->captures, k); /* kept until its window is known */
	k->next = c->applied;
	c->applied = k;
}

/* A LAUNCH_STATS of function fi at time t: the captures of it made before t were counted by
 * this flush, so t's window is theirs. */
static void captures_counted(struct load_ctx *c, int fi, uint64_t t)
{
	int in_window = t >= c->win_from && t < c->win_to;
	struct capture_key *k, *tmp, **link;
	HASH_ITER(hh, c->captures, k, tmp)
	for (unsigned i = 0; k->in_window < 0 && k->time_ns <= t && i < k->k.n; i++)
		if (k->k.funcs[i] == fi) {
			k->in_window = in_window;
			c->unresolved--;
		}
	for (link = &c->applied; (k = *link) != NULL;) {
		int hit = 0;
		for (unsigned i = 0; k->time_ns <= t && i < k->k.n && !hit; i++)
			hit = k->k.funcs[i] == fi;
		if (!hit) {
			link = &k->next;
			continue;
		}
		k->in_window = in_window;
		c->unresolved--;
		capture_window(c, k);
		*link = k->next;
		free(k->k.funcs);
		free(k->k.nodes);
		free(k);
	}
}

static struct graph_key *graph_get(struct load_ctx *c, uint32_t id)
{
	struct graph_key *g;
	HASH_FIND(hh, c->graphs, &id, sizeof(id), g);
	if (!g) {
		g = kca_xcalloc(1, sizeof(*g));
		g->id = id;
		HASH_ADD(hh, c->graphs, id, sizeof(g->id), g);
	}
	return g;
}

/* A GRAPH record: a capture's kernels were launched into a graph, not run; an executable
 * graph's are run at each of its launches (counted once the file is read). */
static void on_graph(struct load_ctx *c, const struct kc_rec_graph *x)
{
	uint64_t t = x->h.time_ns;
	struct kca_model *m = c->m;
	if (x->kind == KC_GRAPH_CAPTURE) {
		m->procs[c->proc].captures++;
		struct capture_key *k;
		HASH_FIND(hh, c->captures, &x->graph, sizeof(x->graph), k);
		if (k) /* its graph's handle taken again: never made executable */
			capture_free(c, k);
		k = kca_xcalloc(1, sizeof(*k));
		k->graph = x->graph;
		k->time_ns = t;
		k->in_window = -1;
		c->unresolved++;
		graph_kernels_read(c, x, &k->k);
		HASH_ADD(hh, c->captures, graph, sizeof(k->graph), k);
		return;
	}
	if (x->graph && (x->kind == KC_GRAPH_INSTANTIATE || x->kind == KC_GRAPH_UPDATE)) {
		struct capture_key *k;
		HASH_FIND(hh, c->captures, &x->graph, sizeof(x->graph), k);
		if (k && x->result == 0) /* CUDA_SUCCESS: its launches run as this graph */
			capture_apply(c, k);
	}
	if (!x->id)
		return; /* a failed instantiation */
	graph_kernels_read(c, x, &graph_get(c, x->id)->k);
	m->procs[c->proc].graphs++;
	if (x->kind == KC_GRAPH_UNSEEN)
		m->procs[c->proc].graphs_unseen++;
	else if (x->flags & (KC_GRAPHF_INCOMPLETE | KC_GRAPHF_TRUNCATED))
		m->procs[c->proc].graphs_incomplete++;
}

/* A captured node may name its kernel by another handle than the launch that put it there
 * (the CUDA runtime launches a CUkernel; the node holds the context's CUfunction, which the
 * graph walk met first, or cuKernelGetFunction handed out). Captures such a function's own
 * launches cannot account for go to functions of its name and module (or of no known module)
 * that have launches to spare. */
struct name_funcs {
	const char *name;
	int *idx;
	unsigned n, cap;
	UT_hash_handle hh;
};

/* The launch count and the captured count of a function: the whole run's, or the window's. */
static uint64_t *launch_count(struct kca_func *f, int win)
{
	return win ? &f->win_count : &f->count;
}
static uint64_t *captured_count(struct kca_func *f, int win)
{
	return win ? &f->win_captured : &f->captured;
}

static void move_captures(struct load_ctx *c, int win)
{
	struct kca_model *m = c->m;
	int any = 0;
	struct func_key *k, *ktmp;
	HASH_ITER(hh, c->funcs, k, ktmp)
	{
		struct kca_func *f = &m->funcs[k->index];
		any |= *captured_count(f, win) > *launch_count(f, win);
	}
	if (!any)
		return;
	struct name_funcs *by_name = NULL, *e, *etmp;
	HASH_ITER(hh, c->funcs, k, ktmp)
	{
		const struct kca_func *f = &m->funcs[k->index];
		HASH_FIND_STR(by_name, f->name, e);
		if (!e) {
			e = kca_xcalloc(1, sizeof(*e));
			e->name = f->name;
			HASH_ADD_KEYPTR(hh, by_name, e->name, strlen(e->name), e);
		}
		KCA_GROW(e->idx, e->n, e->cap);
		e->idx[e->n++] = k->index;
	}
	HASH_ITER(hh, c->funcs, k, ktmp)
	{
		struct kca_func *f = &m->funcs[k->index];
		uint64_t *fcap = captured_count(f, win), fcount = *launch_count(f, win);
		if (*fcap <= fcount)
			continue;
		uint64_t excess = *fcap - fcount;
		HASH_FIND_STR(by_name, f->name, e);
		for (unsigned i = 0; e && i < e->n && excess; i++) {
			struct kca_func *g = &m->funcs[e->idx[i]];
			uint64_t *gcap = captured_count(g, win), gcount = *launch_count(g, win);
			if (g == f || *gcap >= gcount ||
			    (f->module_hash && g->module_hash && f->module_hash != g->module_hash))
				continue;
			uint64_t take = gcount - *gcap < excess ? gcount - *gcap : excess;
			*gcap += take;
			*fcap -= take;
			excess -= take;
		}
	}
	HASH_ITER(hh, by_name, e, etmp)
	{
		HASH_DEL(by_name, e);
		free(e->idx);
		free(e);
	}
}

/* Once the file is read: each graph's launches, times its kernel nodes, as runs of the
 * functions (LAUNCH_STATS and GRAPH_LAUNCH_STATS come in any order). */
static void graphs_resolve(struct load_ctx *c)
{
	struct kca_model *m = c->m;
	struct graph_key *g, *tmp;
	/* A capture whose graph went into another as a child (cloned there: another handle) is
	 * settled by its kernels: when every one of them is in a graph a hook saw made, its
	 * launches come off. */
	if (c->captures) {
		unsigned char *in_graph = kca_xcalloc(m->nfuncs + 1, 1);
		HASH_ITER(hh, c->graphs, g, tmp)
		for (unsigned i = 0; i < g->k.n; i++)
			in_graph[g->k.funcs[i]] = 1;
		struct capture_key *ck, *cktmp;
		HASH_ITER(hh, c->captures, ck, cktmp)
		{
			int all = ck->k.n > 0;
			for (unsigned i = 0; i < ck->k.n; i++)
				all &= in_graph[ck->k.funcs[i]];
			if (all)
				capture_apply(c, ck);
		}
		free(in_graph);
	}
	HASH_ITER(hh, c->graphs, g, tmp)
	{
		uint64_t win = sub_sat(g->win_end, g->win_base);
		m->procs[c->proc].graph_launches += g->launches;
		m->procs[c->proc].win_graph_launches += win;
		for (unsigned i = 0; i < g->k.n; i++) {
			struct kca_func *f = &m->funcs[g->k.funcs[i]];
			f->graph_runs += g->launches * g->k.nodes[i];
			f->win_graph_runs += win * g->k.nodes[i];
			if (g->launches && g->last_ns > f->graph_last_ns)
				f->graph_last_ns = g->last_ns;
		}
		HASH_DEL(c->graphs, g);
		free(g->k.funcs);
		free(g->k.nodes);
		free(g);
	}
	struct capture_key *ck, *cktmp;
	while ((ck = c->applied) != NULL) { /* no flush after them (a killed process): their time */
		c->applied = ck->next;
		ck->in_window = ck->time_ns >= c->win_from && ck->time_ns < c->win_to;
		capture_window(c, ck);
		free(ck->k.funcs);
		free(ck->k.nodes);
		free(ck);
	}
	HASH_ITER(hh, c->captures, ck, cktmp) /* never made executable where a hook saw it */
	capture_free(c, ck);
	struct func_key *k, *ktmp;
	HASH_ITER(hh, c->funcs, k, ktmp) /* the launches counted within the window */
	{
		struct kca_func *f = &m->funcs[k->index];
		f->win_count = sub_sat(k->win_end, k->win_base);
	}
	move_captures(c, 0);
	move_captures(c, 1);
}

static int on_record(struct kc_trace *t, const struct kc_rec_hdr *r, void *vctx)
{
	(void)t;
	struct load_ctx *c = vctx;
	struct kca_model *m = c->m;
	struct kca_proc *p = &m->procs[c->proc];
	int in_window = r->time_ns >= c->win_from && r->time_ns < c->win_to;
	if (!p->start_ns || r->time_ns < p->start_ns)
		p->start_ns = r->time_ns;
	if (r->time_ns > p->end_ns)
		p->end_ns = r->time_ns;
	switch (r->type) {
	case KC_REC_PROCESS: {
		const struct kc_rec_process *x = (const void *)r;
		c->saw_process = 1;
		p->pid = x->pid;
		p->ppid = x->ppid;
		p->role = x->role;
		p->exe = kca_model_strdup(m, kc_rec_str(r, x->exe));
		p->cwd = kca_model_strdup(m, kc_rec_str(r, x->cwd));
		p->cmdline = list_join(m, r, x->argv, ' ');
		p->nancestors = x->nancestors < KC_MAX_ANCESTORS ? x->nancestors : KC_MAX_ANCESTORS;
		memcpy(p->ancestors, x->ancestors, sizeof(p->ancestors));
		for (const char *s = kc_rec_list_next(r, x->env, NULL); s;
		     s = kc_rec_list_next(r, x->env, s)) {
			if (strncmp(s, "TRITON_CACHE_DIR=", 17) == 0)
				p->triton_cache = kca_model_strdup(m, s + 17);
			else if (strncmp(s, "HOME=", 5) == 0)
				p->home = kca_model_strdup(m, s + 5);
			else if (strncmp(s, "KCPROF_CUPTI=", 13) == 0)
				p->cupti_off = !kc_setting_on(s + 13);
		}
		break;
	}
	case KC_REC_MODULE_LOAD: {
		const struct kc_rec_module_load *x = (const void *)r;
		KCA_GROW(m->loads, m->nloads, m->cap_loads);
		struct kca_load *l = &m->loads[m->nloads++];
		memset(l, 0, sizeof(*l));
		l->proc = c->proc;
		l->tid = r->tid;
		l->time_ns = r->time_ns;
		l->handle = x->handle;
		l->hash = x->hash;
		l->loaded_hash = x->loaded_hash;
		l->size = x->size;
		l->duration_ns = x->duration_ns;
		l->api = x->api;
		l->kind = x->kind;
		l->result = x->result;
		l->path = x->path;
		l->flags = x->flags;
		l->file = x->file.len ? kca_model_strdup(m, kc_rec_str(r, x->file)) : NULL;
		if (l->api == KC_API_MODULE_LOAD && l->file)
			note_cubin_root(m, &m->procs[c->proc], l->file);
		l->names = list_dup(m, r, x->names, &l->nnames);
		l->jit_options = list_join(m, r, x->jit_options, ' ');
		l->family_variant = -1;
		l->in_window = in_window;
		l->device = -1;
		struct context_key *ctx;
		HASH_FIND(hh, c->contexts, &r->tid, sizeof(r->tid), ctx);
		if (ctx) { /* its device, written just before by this thread */
			if (kca_load_context_is(&ctx->rec, r))
				l->device = ctx->rec.device;
			HASH_DEL(c->contexts, ctx);
			free(ctx);
		}
		struct callsite_key *cs = take_callsite(c, r->tid, KC_REC_MODULE_LOAD);
		if (cs && cs->native) { /* this thread's call site, written just before */
			l->native_frames = cs->frames;
			l->nnative_frames = cs->nframes;
		} else if (cs) {
			l->py_frames = cs->frames;
			l->npy_frames = cs->nframes;
			static const char jax_kind[] = "\t" KC_CALLSITE_JAX_JIT "\t";
			const char *jax = cs->nargs == 1 ? strstr(cs->args[0], jax_kind) : NULL;
			if (jax) { /* the function jax.jit compiled, not Triton's arguments */
				l->jax_fun = jax + sizeof(jax_kind) - 1;
			} else {
				l->triton_args = cs->args;
				l->ntriton_args = cs->nargs;
			}
		}
		free(cs);
		break;
	}
	case KC_REC_FUNCTION: {
		const struct kc_rec_function *x = (const void *)r;
		KCA_GROW(m->funcs, m->nfuncs, m->cap_funcs);
		struct kca_func *f = &m->funcs[m->nfuncs];
		memset(f, 0, sizeof(*f));
		f->proc = c->proc;
		f->id = x->id;
		f->handle = x->handle;
		f->module_handle = x->module_handle;
		f->module_hash = x->module_hash;
		f->api = x->api;
		f->path = x->path;
		f->name = kca_model_strdup(m, kc_rec_str(r, x->name));
		struct func_key *k;
		HASH_FIND(hh, c->funcs, &x->id, sizeof(x->id), k);
		if (!k) {
			k = kca_xmalloc(sizeof(*k));
			k->id = x->id;
			HASH_ADD(hh, c->funcs, id, sizeof(k->id), k);
		} else if (k->index >=
			   0) /* the id taken again: the window's count of the one before */
			m->funcs[k->index].win_count = sub_sat(k->win_end, k->win_base);
		k->index = (int)m->nfuncs++;
		k->win_base = k->win_end = 0;
		break;
	}
	case KC_REC_LAUNCH_STATS: {
		const struct kc_rec_launch_stats *x = (const void *)r;
		struct func_key *k;
		HASH_FIND(hh, c->funcs, &x->func_id, sizeof(x->func_id), k);
		if (!k)
			break; /* its FUNCTION record was lost: counts without a name are useless */
		struct kca_func *f = &m->funcs[k->index];
		/* cumulative: the window's launches are its count at the last flush before its
		 * end less that at the last flush before its start */
		if (r->time_ns < c->win_from)
			k->win_base = x->count;
		if (r->time_ns < c->win_to)
			k->win_end = x->count;
		if (c->unresolved)
			captures_counted(c, k->index, r->time_ns);
		f->grew += x->count > f->count;
		f->count = x->count;
		f->errors = x->errors;
		f->first_ns = x->first_ns;
		f->last_ns = x->last_ns;
		f->attrs = x->attrs;
		f->other_shapes = x->other_shapes;
		f->stat_paths = x->path;
		f->nshapes = x->nshapes;
		memcpy(f->shapes, x->shapes, x->nshapes * sizeof(struct kc_shape));
		break;
	}
	case KC_REC_LAUNCH:
		p->launches_full++;
		break;
	case KC_REC_GRAPH:
		on_graph(c, (const struct kc_rec_graph *)r);
		break;
	case KC_REC_GRAPH_LAUNCH_STATS: {
		const struct kc_rec_graph_launch_stats *x = (const void *)r;
		if (!x->graph_id)
			break;
		struct graph_key *g = graph_get(c, x->graph_id);
		/* cumulative, and a flush's record may be written after a later one (a destroy's):
		 * the largest holds the total */
		if (x->count > g->launches)
			g->launches = x->count;
		if (r->time_ns < c->win_from && x->count > g->win_base)
			g->win_base = x->count;
		if (r->time_ns < c->win_to && x->count > g->win_end)
			g->win_end = x->count;
		if (x->last_ns > g->last_ns)
			g->last_ns = x->last_ns;
		break;
	}
	case KC_REC_GPU_TIME: {
		const struct kc_rec_gpu_time *x = (const void *)r;
		const char *name = kc_rec_str(r, x->name);
		struct gpu_key *k;
		HASH_FIND_STR(c->gpu, name, k);
		if (!k) { /* cumulative: a later record of the name replaces the earlier */
			KCA_GROW(m->gpu, m->ngpu, m->cap_gpu);
			k = kca_xcalloc(1, sizeof(*k));
			k->index = (int)m->ngpu++;
			k->name = kca_model_strdup(m, name);
			HASH_ADD_KEYPTR(hh, c->gpu, k->name, strlen(k->name), k);
		}
		struct kca_gpu_time *g = &m->gpu[k->index];
		g->proc = c->proc;
		g->name = k->name;
		g->count = x->count;
		g->total_ns = x->total_ns;
		g->min_ns = x->min_ns;
		g->max_ns = x->max_ns;
		g->gap_count = x->gap_count;
		g->gap_ns = x->gap_ns;
		g->overlapped = x->overlapped;
		/* within the window: what the flushes up to its end added to those before its
		 * start (exact to a flush period, as launches) */
		struct gpu_counts now = {x->count, x->total_ns, x->gap_count, x->gap_ns,
					 x->overlapped};
		if (r->time_ns < c->win_from && now.count >= k->base.count)
			k->base = now; /* the largest so far: records out of order lower nothing */
		if (r->time_ns < c->win_to && now.count >= k->end.count)
			k->end = now;
		g->win_count = sub_sat(k->end.count, k->base.count);
		g->win_total_ns = sub_sat(k->end.total_ns, k->base.total_ns);
		g->win_gap_count = sub_sat(k->end.gap_count, k->base.gap_count);
		g->win_gap_ns = sub_sat(k->end.gap_ns, k->base.gap_ns);
		g->win_overlapped = sub_sat(k->end.overlapped, k->base.overlapped);
		break;
	}
	case KC_REC_COMPILE: {
		const struct kc_rec_compile *x = (const void *)r;
		KCA_GROW(m->compiles, m->ncompiles, m->cap_compiles);
		struct kca_compile *o = &m->compiles[m->ncompiles++];
		memset(o, 0, sizeof(*o));
		o->proc = c->proc;
		o->tid = r->tid;
		o->time_ns = r->time_ns;
		o->duration_ns = x->duration_ns;
		/* a compiler child's file holds its run as an EXEC compile: that says its role
		 * where its PROCESS record was lost to damage */
		if (x->tool == KC_TOOL_EXEC && !c->saw_process)
			p->role = KC_ROLE_COMPILER;
		o->tool = x->tool;
		o->result = x->result;
		o->input_hash = x->input_hash;
		o->output_hash = x->output_hash;
		o->ptx_hash = x->ptx_hash;
		o->name = kca_model_strdup(m, kc_rec_str(r, x->name));
		o->options = list_dup(m, r, x->options, &o->noptions);
		if (o->tool == KC_TOOL_EXEC && kc_compiler_probe(o->options, o->noptions)) {
			m->ncompiles--; /* ptxas --version: it builds nothing */
			free(take_callsite(c, r->tid, KC_REC_COMPILE));
			break;
		}
		o->inputs = list_join(m, r, x->inputs, ' ');
		o->load = -1;
		o->via = -1;
		o->root = (int)(m->ncompiles - 1);
		o->in_window = in_window;
		struct callsite_key *cs = take_callsite(c, r->tid, KC_REC_COMPILE);
		if (cs && cs->native) {
			o->native_frames = cs->frames;
			o->nnative_frames = cs->nframes;
		} else if (cs) {
			o->py_frames = cs->frames;
			o->npy_frames = cs->nframes;
		}
		free(cs);
		break;
	}
	case KC_REC_CUPTI: {
		const struct kc_rec_cupti *x = (const void *)r;
		if (x->event <= KC_CUPTI_DISABLED) /* who holds CUPTI; not its launch or GPU time */
			p->cupti_last = x->event;
		if ((x->event == KC_CUPTI_YIELDED || x->event == KC_CUPTI_REFUSED ||
		     x->event == KC_CUPTI_UNAVAILABLE) &&
		    !p->cupti_unseen_from_ns)
			p->cupti_unseen_from_ns = r->time_ns;
		break;
	}
	case KC_REC_CALLSITE: {
		const struct kc_rec_callsite *x = (const void *)r;
		if (x->for_type != KC_REC_MODULE_LOAD && x->for_type != KC_REC_COMPILE)
			break;
		struct callsite_key *cs;
		HASH_FIND(hh, c->callsites, &r->tid, sizeof(r->tid), cs);
		if (!cs) {
			cs = kca_xcalloc(1, sizeof(*cs));
			cs->tid = r->tid;
			HASH_ADD(hh, c->callsites, tid, sizeof(cs->tid), cs);
		}
		cs->frames = list_dup(m, r, x->frames, &cs->nframes);
		cs->args = list_dup(m, r, x->args, &cs->nargs);
		cs->native = (x->flags & KC_CALLSITEF_NATIVE) != 0;
		cs->for_type = x->for_type;
		break;
	}
	case KC_REC_LOAD_CONTEXT: {
		struct context_key *ctx;
		HASH_FIND(hh, c->contexts, &r->tid, sizeof(r->tid), ctx);
		if (!ctx) {
			ctx = kca_xcalloc(1, sizeof(*ctx));
			ctx->tid = r->tid;
			HASH_ADD(hh, c->contexts, tid, sizeof(ctx->tid), ctx);
		}
		memcpy(&ctx->rec, r, sizeof(ctx->rec));
		break;
	}
	case KC_REC_LOST:
		p->lost = ((const struct kc_rec_lost *)r)->records;
		break;
	case KC_REC_END:
		p->ended = 1;
		if (((const struct kc_rec_end *)r)->lost > p->lost)
			p->lost = ((const struct kc_rec_end *)r)->lost;
		break;
	}
	return 0;
}

/* Kernel names gathered for a load recorded without them, before they go into the arena. */
struct name_list {
	char **v;
	unsigned n, cap;
};

static int name_list_add(const char *name, size_t len, void *ctx)
{
	struct name_list *nl = ctx;
	for (unsigned i = 0; i < nl->n; i++)
		if (strlen(nl->v[i]) == len && memcmp(nl->v[i], name, len) == 0)
			return 0;
	KCA_GROW(nl->v, nl->n, nl->cap);
	char *copy = kca_xmalloc(len + 1);
	memcpy(copy, name, len);
	copy[len] = '\0';
	nl->v[nl->n++] = copy;
	return 0;
}

/* The list as the load's names (in the arena), and freed. */
static void name_list_take(struct kca_model *m, struct kca_load *l, struct name_list *nl)
{
	if (nl->n) {
		const char **v = arena_alloc(m, nl->n * sizeof(char *));
		for (unsigned i = 0; i < nl->n; i++)
			v[i] = kca_model_strdup(m, nl->v[i]);
		l->names = v;
		l->nnames = nl->n;
	}
	for (unsigned i = 0; i < nl->n; i++)
		free(nl->v[i]);
	free(nl->v);
	memset(nl, 0, sizeof(*nl));
}

static int func_by_module_hash(const void *a, const void *b, void *vm)
{
	const struct kca_model *m = vm;
	uint64_t x = m->funcs[*(const unsigned *)a].module_hash;
	uint64_t y = m->funcs[*(const unsigned *)b].module_hash;
	return x < y ? -1 : x > y;
}

/* A fatbin entry of code decoded whole: its payload decompressed, a cubin's ELF read. */
static int entry_decoded(const struct kc_fatbin_entry *e, void *ctx)
{
	int *ok = ctx;
	if (e->kind != KC_IMAGE_CUBIN && e->kind != KC_IMAGE_PTX)
		return 0;
	size_t n;
	void *payload = kc_fatbin_entry_payload(e, &n);
	if (!payload || (e->kind == KC_IMAGE_CUBIN &&
			 kc_image_kernels(payload, n, KC_IMAGE_CUBIN, NULL, NULL) < 0))
		*ok = 0;
	free(payload);
	return !*ok;
}

/* Whether every entry of a fatbin that could hold code was read: then no name found means no
 * kernel there, not an entry that failed to decompress or parse (kc_image_kernels passes
 * over those). */
static int fatbin_decoded(const void *image, size_t size)
{
	int ok = 1;
	return kc_fatbin_walk(image, size, entry_decoded, &ok) >= 0 && ok;
}

/* Names for this file's loads recorded without them: the recorder reads no compressed cubin
 * (PyTorch's fatbins, built with nvcc -Xfatbin -compress-all; by default nvcc compresses only
 * their PTX), so its kernels would belong to no kernel of the report. The
 * image the trace stored, decompressed here, names them; where none was stored, the
 * functions the program took from that module (by its hash) do. */
static void name_unnamed_loads(struct kca_model *m, int proc, unsigned first_load,
			       unsigned first_func)
{
	unsigned *by_hash = NULL, nby = 0; /* this file's functions, by module hash */
	for (unsigned i = first_load; i < m->nloads; i++) {
		struct kca_load *l = &m->loads[i];
		if (l->nnames || l->result != 0 || !l->hash)
			continue;
		struct name_list nl = {0};
		char path[PATH_MAX];
		size_t size;
		char *image =
		    (l->kind == KC_IMAGE_FATBIN || l->kind == KC_IMAGE_CUBIN) &&
			    kca_image_path(m->procs[proc].dir, l->hash, path, sizeof(path)) == 0
			? kca_read_file(path, &size)
			: NULL;
		int decoded = 0; /* read whole, and none there: a module of data */
		if (image && kc_image_kernels(image, size, l->kind, name_list_add, &nl) == 0)
			decoded = l->kind != KC_IMAGE_FATBIN || fatbin_decoded(image, size);
		free(image);
		if (!nl.n && !by_hash && m->nfuncs > first_func) {
			by_hash = kca_xmalloc((m->nfuncs - first_func) * sizeof(*by_hash));
			for (unsigned f = first_func; f < m->nfuncs; f++)
				by_hash[nby++] = f;
			qsort_r(by_hash, nby, sizeof(*by_hash), func_by_module_hash, m);
		}
		/* a function taken from the module says it has kernels, whatever the image read */
		int from_funcs = !nl.n;
		unsigned lo = 0, hi = from_funcs ? nby : 0; /* the first of l's hash */
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			if (m->funcs[by_hash[mid]].module_hash < l->hash)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (unsigned k = lo;
		     from_funcs && k < nby && m->funcs[by_hash[k]].module_hash == l->hash; k++)
			if (m->funcs[by_hash[k]].name[0])
				name_list_add(m->funcs[by_hash[k]].name,
					      strlen(m->funcs[by_hash[k]].name), &nl);
		l->no_kernels = !nl.n && decoded;
		name_list_take(m, l, &nl);
	}
	free(by_hash);
}

/* One trace file into the model: 1 when a record of it could be read, else 0. */
static int load_file(struct kca_model *m, const char *path, unsigned dir)
{
	KCA_GROW(m->procs, m->nprocs, m->cap_procs);
	int idx = (int)m->nprocs++;
	struct kca_proc *p = &m->procs[idx];
	memset(p, 0, sizeof(*p));
	p->file = kca_model_strdup(m, path);
	p->dir = m->data_dirs[dir];
	p->dir_index = dir;
	p->cupti_last = KC_CUPTI_END;
	p->parent = -1;
	p->exe = p->cwd = p->cmdline = "";
	unsigned first_load = m->nloads, first_func = m->nfuncs;
	struct load_ctx c = {
	    .m = m, .proc = idx, .win_from = m->win_from_ns[dir], .win_to = m->win_to_ns[dir]};
	struct kc_file_hdr hdr = {0};
	struct kc_trace t;
	int rc = kc_trace_open(&t, path);
	if (rc < 0) {
		kc_log(KC_LOG_WARN, "warning", "%s", t.err);
		kc_trace_close(&t);
		m->problems++;
		m->nprocs--; /* nothing readable */
		return 0;
	}
	hdr = t.hdr;
	p->pid = hdr.pid;
	p->ppid = hdr.ppid;
	const struct kc_rec_hdr *r;
	unsigned records = 0;
	while ((rc = kc_trace_next(&t, &r)) != 0) {
		if (rc < 0) {
			kc_log(KC_LOG_WARN, "warning", "%s", t.err);
			m->problems++;
			continue;
		}
		on_record(&t, r, &c);
		records++;
	}
	p->truncated = t.truncated;
	if (!c.saw_process && p->ppid && !t.header_damaged) { /* PROCESS lost: the header's */
		p->nancestors = 1;
		p->ancestors[0] = p->ppid;
	}
	if (records == 0 && !t.truncated && !t.corrupt) {
		/* The recorder writes the process record with the header: a file of a header
		 * alone was cut short. */
		kc_log(KC_LOG_WARN, "warning",
		       "%s: offset %zu: no records after the header (cut short?)", path,
		       sizeof(struct kc_file_hdr));
		m->problems++;
		p->truncated = 1;
	}
	p->corrupt = t.corrupt > 0;
	kc_trace_close(&t);
	name_unnamed_loads(m, idx, first_load, first_func);
	graphs_resolve(&c);
	struct func_key *k, *tmp;
	HASH_ITER(hh, c.funcs, k, tmp)
	{
		HASH_DEL(c.funcs, k);
		free(k);
	}
	struct gpu_key *g, *gt;
	HASH_ITER(hh, c.gpu, g, gt)
	{
		HASH_DEL(c.gpu, g);
		free(g);
	}
	struct callsite_key *cs, *cst; /* call sites whose load was never written */
	HASH_ITER(hh, c.callsites, cs, cst)
	{
		HASH_DEL(c.callsites, cs);
		free(cs);
	}
	struct context_key *ctx, *ctxt; /* contexts whose load was never written */
	HASH_ITER(hh, c.contexts, ctx, ctxt)
	{
		HASH_DEL(c.contexts, ctx);
		free(ctx);
	}
	return records > 0;
}

/* A CUDA process by its trace directory and pid. */
struct proc_key {
	struct {
		unsigned dir;
		uint32_t pid;
	} k;
	unsigned ix;
	UT_hash_handle hh;
};

/* The recording's start: the earliest opening of a trace file of the list, or its first
 * record where that came earlier (records may be stamped a little before the header), or
 * where a compiler child's run began (it writes its file at its exit, and the program's own
 * file opens at its first CUDA call, which may come after the build); a header that fails
 * its check gives no start, its records do. 0 if none could be read. */
static uint64_t recording_start(const struct kca_trace_list *l)
{
	uint64_t start = 0;
	for (int i = 0; i < l->count; i++) {
		struct kc_trace t;
		const struct kc_rec_hdr *r;
		/* a damaged header's start is not trusted, its first records' times are */
		if (kc_trace_open(&t, l->paths[i]) == 0) {
			uint64_t s = t.header_damaged ? 0 : t.hdr.start_mono_ns;
			/* the first two records read (a damaged spot, or the damaged header's
			 * notice, passed over: reading goes on past it) */
			int rc;
			for (int k = 0, spots = 0; k < 2 && (rc = kc_trace_next(&t, &r)) != 0;) {
				if (rc < 0) {
					if (++spots > 4)
						break;
					continue;
				}
				k++;
				uint64_t at = r->time_ns;
				if (r->type == KC_REC_COMPILE) {
					const struct kc_rec_compile *c = (const void *)r;
					at = c->duration_ns < at ? at - c->duration_ns : at;
				}
				if (at && (!s || at < s))
					s = at;
				if (r->type != KC_REC_PROCESS)
					break;
			}
			if (s && (!start || s < start))
				start = s;
		}
		kc_trace_close(&t);
	}
	return start;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A module torch.compile generated: Inductor names it c<hash>.py in a directory of the hash's
 * two letters after the c (TORCHINDUCTOR_CACHE_DIR/js/cjsm2uon....py), wherever the cache is. */
static int inductor_module(const char *file)
{
	const char *slash = strrchr(file, '/');
	if (!slash || slash - file < 3 || slash[-3] != '/')
		return 0;
	const char *base = slash + 1;
	size_t n = strlen(base);
	return n > 40 && strcmp(base + n - 3, ".py") == 0 && base[0] == 'c' &&
	       base[1] == slash[-2] && base[2] == slash[-1];
}

/* Frames of the libraries between a program and the driver. */
static int library_frame(const char *file)
{
	if (inductor_module(file))
		return 1;
	static const char *const marks[] = {"/site-packages/", "/dist-packages/", "<frozen ",
					    "/torchinductor_", "/lib/python3",	  "/lib64/python3",
					    "<string>",	       "<eval_with_key>"};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(file, marks[i]))
			return 1;
	return 0;
}

/* Frames of Python's standard library (threading, concurrent.futures, contextlib, ...). */
static int stdlib_frame(const char *file)
{
	if (strstr(file, "<frozen "))
		return 1;
	if (strstr(file, "/site-packages/") || strstr(file, "/dist-packages/"))
		return 0;
	/* .../lib/python3.12/ or .../lib64/python3.12/, not a program's own .../lib/python3/ */
	for (const char *p = strstr(file, "/python3."); p; p = strstr(p + 1, "/python3."))
		if (p[9] >= '0' && p[9] <= '9' &&
		    ((p - file >= 4 && strncmp(p - 4, "/lib", 4) == 0) ||
		     (p - file >= 6 && strncmp(p - 6, "/lib64", 6) == 0)))
			return 1;
	return 0;
}

/* Frame i's file into file. */
static void frame_file(const char *const *frames, unsigned i, char *file, size_t cap)
{
	snprintf(file, cap, "%.*s", (int)strcspn(frames[i], "\t"), frames[i]);
}

int kca_user_frame(const char *const *frames, unsigned n, const char *cwd, char *where, size_t wcap,
		   char *func, size_t fcap)
{
	if (!n)
		return -1;
	/* the first frame outside the libraries; where all are (a program installed in
	 * site-packages), the first outside Triton, torch and the standard library, whose frames
	 * every kernel shares */
	unsigned pick = 0;
	int found = 0;
	char file[1024];
	for (int pass = 0; pass < 2 && !found; pass++)
		for (unsigned i = 0; i < n && !found; i++) {
			frame_file(frames, i, file, sizeof(file));
			found = pass == 0 ? !library_frame(file)
					  : !strstr(file, "/triton/") && !strstr(file, "/torch/") &&
						!inductor_module(file) && !stdlib_frame(file);
			if (found)
				pick = i;
		}
	/* a thread the standard library started (its outermost frame threading's: a pool's
	 * worker, Inductor's autotuning compiles): the task it ran, its outermost frame outside
	 * the standard library (a stack cut short ends elsewhere) */
	frame_file(frames, n - 1, file, sizeof(file));
	size_t flen = strlen(file);
	int thread_start =
	    stdlib_frame(file) && flen >= 13 && strcmp(file + flen - 13, "/threading.py") == 0;
	for (unsigned i = n; !found && thread_start && i-- > 0;) {
		frame_file(frames, i, file, sizeof(file));
		found = !stdlib_frame(file);
		if (found)
			pick = i;
	}
	/* the program's files, as its directory names them */
	const char *f = kca_path_under(frames[pick], cwd);
	const char *t1 = strchr(f, '\t');
	const char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	if (!t1 || !t2) {
		snprintf(where, wcap, "%s", f);
		snprintf(func, fcap, "?");
		return 0;
	}
	snprintf(where, wcap, "%.*s:%.*s", (int)(t1 - f), f, (int)(t2 - t1 - 1), t1 + 1);
	snprintf(func, fcap, "%s", t2 + 1);
	return 0;
}

uint64_t kca_model_rel_ns(const struct kca_model *m, unsigned dir, uint64_t t)
{
	uint64_t origin = dir < m->ndirs ? m->origin_ns[dir] : 0;
	return t > origin ? t - origin : 0;
}

int kca_path_in(const char *path, const char *dir, char *out, size_t cap)
{
	int n = path[0] == '/' || !dir || !dir[0] ? snprintf(out, cap, "%s", path)
						  : snprintf(out, cap, "%s/%s", dir, path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

const char *kca_path_under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;
	if (n > 1 && strncmp(path, dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

int kca_triton_arg(const char *arg, struct kca_triton_arg *out)
{
	const char *t1 = strchr(arg, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	if (!t2)
		return -1;
	out->name = arg;
	out->name_len = (int)(t1 - arg);
	out->kind = t1 + 1;
	out->kind_len = (int)(t2 - t1 - 1);
	out->value = t2 + 1;
	return 0;
}

int kca_load_by_cudart(struct kca_model *m, const struct kca_load *l)
{
	if (l->api == KC_API_LAZY)
		return 1;
	if (l->api != KC_API_LIBRARY_LOAD_DATA && l->api != KC_API_LIBRARY_LOAD_FROM_FILE &&
	    l->api != KC_API_MODULE_LOAD_FAT_BINARY)
		return 0;
	return !kca_native_caller_is_program(m, l->native_frames, l->nnative_frames,
					     m->procs[l->proc].cwd, m->procs[l->proc].dir);
}

int kca_load_call_site(struct kca_model *m, const struct kca_load *l, char *where, size_t wcap,
		       char *func, size_t fcap)
{
	const char *cwd = m->procs[l->proc].cwd;
	if (l->npy_frames)
		return kca_user_frame(l->py_frames, l->npy_frames, cwd, where, wcap, func, fcap);
	return kca_native_user_frame(m, l->native_frames, l->nnative_frames, cwd,
				     m->procs[l->proc].dir, l->names, l->nnames, where, wcap, func,
				     fcap);
}

int kca_compile_call_site(struct kca_model *m, const struct kca_compile *o, char *where,
			  size_t wcap, char *func, size_t fcap)
{
	const char *cwd = m->procs[o->proc].cwd;
	if (o->npy_frames)
		return kca_user_frame(o->py_frames, o->npy_frames, cwd, where, wcap, func, fcap);
	return kca_native_user_frame(m, o->native_frames, o->nnative_frames, cwd,
				     m->procs[o->proc].dir, NULL, 0, where, wcap, func, fcap);
}

int kca_model_in_window(const struct kca_model *m, unsigned dir, uint64_t t)
{
	return dir < m->ndirs && t >= m->win_from_ns[dir] && t < m->win_to_ns[dir];
}

int kca_model_load(struct kca_model *m, char **dirs, unsigned ndirs)
{
	return kca_model_load_window(m, dirs, ndirs, NULL);
}

uint64_t kca_model_recorded_ns(const struct kca_model *m, unsigned d)
{
	uint64_t end = m->origin_ns[d];
	for (unsigned i = 0; i < m->nprocs; i++)
		if (m->procs[i].dir_index == d && m->procs[i].end_ns > end)
			end = m->procs[i].end_ns;
	return end - m->origin_ns[d];
}

int kca_model_load_window(struct kca_model *m, char **dirs, unsigned ndirs,
			  const struct kca_window *w)
{
	memset(m, 0, sizeof(*m));
	kca_decompress_init(); /* the images it reads: compressed fatbin entries */
	m->dirs = kca_xcalloc(ndirs, sizeof(char *));
	m->data_dirs = kca_xcalloc(ndirs, sizeof(char *));
	m->ndirs = ndirs;
	m->origin_ns = kca_xcalloc(ndirs, sizeof(uint64_t));
	m->win_from_ns = kca_xcalloc(ndirs, sizeof(uint64_t));
	m->win_to_ns = kca_xcalloc(ndirs, sizeof(uint64_t));
	if (w) {
		m->windowed = 1;
		m->window = *w;
	}
	int found = 0;
	for (unsigned d = 0; d < ndirs; d++)
		m->win_to_ns[d] = UINT64_MAX; /* no window: the whole run */
	for (unsigned d = 0; d < ndirs; d++) {
		m->dirs[d] = kca_xstrdup(dirs[d]);
		struct stat st; /* one trace file given: its images and copies beside it */
		const char *slash = strrchr(dirs[d], '/');
		if (stat(dirs[d], &st) == 0 && S_ISREG(st.st_mode)) {
			size_t len = slash ? (size_t)(slash - dirs[d]) + (slash == dirs[d]) : 1;
			m->data_dirs[d] = kca_xmalloc(len + 1);
			memcpy(m->data_dirs[d], slash ? dirs[d] : ".", len);
			m->data_dirs[d][len] = '\0';
		} else {
			m->data_dirs[d] = kca_xstrdup(dirs[d]);
		}
		struct kca_trace_list l;
		if (kca_trace_list(dirs[d], &l) < 0)
			return -ENOENT;
		if (l.count == 0)
			kca_warn_no_traces(dirs[d]);
		m->origin_ns[d] = recording_start(&l);
		if (w) { /* from the start: no lower edge, whatever came before the origin */
			m->win_from_ns[d] = w->since_ns ? add_sat(m->origin_ns[d], w->since_ns) : 0;
			if (w->until_ns)
				m->win_to_ns[d] = add_sat(m->origin_ns[d], w->until_ns);
		}
		for (int i = 0; i < l.count; i++)
			found += load_file(m, l.paths[i], d);
		kca_trace_list_free(&l);
	}
	/* Each process's nearest recorded ancestor (compiler children -> their program), through
	 * the CUDA processes by directory and pid (the first recorded where a pid came twice). */
	struct proc_key *by_pid = NULL, *e, *tmp;
	for (unsigned j = 0; j < m->nprocs; j++) {
		if (m->procs[j].role != KC_ROLE_CUDA)
			continue;
		struct proc_key key = {{m->procs[j].dir_index, m->procs[j].pid}, 0, {0}};
		HASH_FIND(hh, by_pid, &key.k, sizeof(key.k), e);
		if (e)
			continue;
		e = kca_xmalloc(sizeof(*e));
		*e = key;
		e->ix = j;
		HASH_ADD(hh, by_pid, k, sizeof(e->k), e);
	}
	for (unsigned i = 0; i < m->nprocs; i++) {
		struct kca_proc *p = &m->procs[i];
		for (unsigned a = 0; a < p->nancestors && p->parent < 0; a++) {
			struct proc_key key = {{p->dir_index, p->ancestors[a]}, 0, {0}};
			HASH_FIND(hh, by_pid, &key.k, sizeof(key.k), e);
			if (e && e->ix != i)
				p->parent = (int)e->ix;
		}
	}
	HASH_ITER(hh, by_pid, e, tmp)
	{
		HASH_DEL(by_pid, e);
		free(e);
	}
	return found;
}

struct cache_index;
static void free_cache_indexes(struct kca_model *m);
void kca_model_free(struct kca_model *m)
{
	free_cache_indexes(m);
	kca_sources_free(m);
	kca_symbols_free(m);
	for (unsigned i = 0; i < m->nfamilies; i++) {
		if (m->families[i].changes) {
			kca_changes_free(m->families[i].changes);
			free(m->families[i].changes);
		}
		free(m->families[i].compiles);
	}
	for (unsigned d = 0; d < m->ndirs; d++)
		free(m->dirs[d]);
	free(m->dirs);
	for (unsigned d = 0; m->data_dirs && d < m->ndirs; d++)
		free(m->data_dirs[d]);
	free(m->data_dirs);
	free(m->origin_ns);
	free(m->win_from_ns);
	free(m->win_to_ns);
	for (unsigned i = 0; i < m->nfamilies; i++)
		free(m->families[i].variants);
	free(m->families);
	free(m->procs);
	free(m->loads);
	free(m->compiles);
	free(m->funcs);
	free(m->gpu);
	free(m->captures);
	while (m->arena) {
		struct kca_arena *n = m->arena->next;
		free(m->arena);
		m->arena = n;
	}
	memset(m, 0, sizeof(*m));
}

/* ---- Triton's cache: which directory built a cubin ----------------------------------------- */

/* The cubins of a Triton cache, by size: a trace's image is matched by size first, and only
 * files of its size are read and hashed (a cache may hold gigabytes). */
struct cubin_file {
	uint64_t size;
	const char *dir;	 /* the cache entry */
	const char *name;	 /* the file's name, "<kernel>.cubin" */
	uint64_t hash;		 /* 0 until read */
	struct cubin_file *next; /* same size */
	struct cubin_file *last; /* of its size's list (kept in the first) */
	UT_hash_handle hh;	 /* the first of a size, in cache_index.by_size */
};
struct cache_index {
	const char *root;
	struct cubin_file *by_size;
	UT_hash_handle hh;
};

static uint64_t hash_file(const char *path)
{
	int fd = kc_open_regular(path, NULL);
	if (fd < 0)
		return 0;
	struct kc_hash_stream hs;
	kc_hash64_begin(&hs);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		kc_hash64_add(&hs, buf, (size_t)n);
	close(fd);
	return kc_hash64_end(&hs);
}

static struct cache_index *index_cache(struct kca_model *m, const char *root)
{
	struct cache_index *ci;
	HASH_FIND_STR(m->triton_caches, root, ci);
	if (ci)
		return ci;
	ci = kca_xcalloc(1, sizeof(*ci));
	ci->root = kca_model_strdup(m, root);
	HASH_ADD_KEYPTR(hh, m->triton_caches, ci->root, strlen(ci->root), ci);
	DIR *d = opendir(root);
	if (!d)
		return ci;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/%s", root, de->d_name);
		DIR *s = opendir(sub);
		if (!s)
			continue;
		const char *dir = NULL;
		struct dirent *fe;
		while ((fe = readdir(s)) != NULL) {
			size_t n = strlen(fe->d_name);
			if (n < 7 || strcmp(fe->d_name + n - 6, ".cubin") != 0)
				continue;
			char path[PATH_MAX + 256];
			snprintf(path, sizeof(path), "%s/%s", sub, fe->d_name);
			struct stat st;
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			if (!dir)
				dir = kca_model_strdup(m, sub);
			struct cubin_file *cf = kca_xcalloc(1, sizeof(*cf));
			cf->size = (uint64_t)st.st_size;
			cf->dir = dir;
			cf->name = kca_model_strdup(m, fe->d_name);
			struct cubin_file *head;
			HASH_FIND(hh, ci->by_size, &cf->size, sizeof(cf->size), head);
			if (head) { /* at the end: the first in listing order is found first */
				head->last->next = cf;
				head->last = cf;
			} else {
				cf->last = cf;
				HASH_ADD(hh, ci->by_size, size, sizeof(cf->size), cf);
			}
		}
		closedir(s);
	}
	closedir(d);
	return ci;
}

const char *kca_triton_dir_of(struct kca_model *m, const struct kca_proc *p, uint64_t hash,
			      uint64_t size)
{
	char roots[3 + sizeof(p->cubin_roots) / sizeof(p->cubin_roots[0])][PATH_MAX];
	int n = 0;
	/* A trace directory can carry the cache (examples/traces do), then the process's own,
	 * then those its loads by file came from (Inductor's). */
	snprintf(roots[n++], PATH_MAX, "%s/" KCA_ARCHIVE_TRITON_CACHE, p->dir);
	if (p->triton_cache)
		snprintf(roots[n++], PATH_MAX, "%s", p->triton_cache);
	else if (p->home)
		snprintf(roots[n++], PATH_MAX, "%s/.triton/cache", p->home);
	for (unsigned i = 0; i < p->ncubin_roots; i++)
		if (!p->triton_cache || strcmp(p->cubin_roots[i], p->triton_cache) != 0)
			snprintf(roots[n++], PATH_MAX, "%s", p->cubin_roots[i]);
	for (int i = 0; i < n; i++) {
		struct cache_index *ci = index_cache(m, roots[i]);
		struct cubin_file *cf;
		HASH_FIND(hh, ci->by_size, &size, sizeof(size), cf);
		for (; cf; cf = cf->next) {
			if (!cf->hash) {
				char path[2 * PATH_MAX];
				snprintf(path, sizeof(path), "%s/%s", cf->dir, cf->name);
				cf->hash = hash_file(path);
			}
			if (cf->hash == hash)
				return cf->dir;
		}
	}
	return NULL;
}

static void free_cache_indexes(struct kca_model *m)
{
	struct cache_index *ci, *ct;
	HASH_ITER(hh, m->triton_caches, ci, ct)
	{
		struct cubin_file *cf, *tmp;
		HASH_ITER(hh, ci->by_size, cf, tmp)
		{
			HASH_DEL(ci->by_size, cf);
			while (cf) {
				struct cubin_file *next = cf->next;
				free(cf);
				cf = next;
			}
		}
		HASH_DEL(m->triton_caches, ci);
		free(ci);
	}
}
