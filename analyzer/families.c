/* families.c - kernel families: every load of a kernel name, its variants (distinct images),
 * the compiles that built them, the launches each served, and a verdict. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "changes.h"
#include "kca.h"
#include "model.h"

const char *kca_family_loaders(const struct kca_family *f, char *buf, size_t cap)
{
	if (f->procs > 1 && f->devices > 1)
		snprintf(buf, cap, " by %u processes (on up to %u devices each)", f->procs,
			 f->devices);
	else if (f->procs > 1)
		snprintf(buf, cap, " by %u processes", f->procs);
	else if (f->devices > 1)
		snprintf(buf, cap, " on %u devices", f->devices);
	else
		snprintf(buf, cap, "%s", "");
	return buf;
}

const char *kca_verdict_name(enum kca_verdict v)
{
	static const char *const names[] = {
	    [KCA_FINE] = "fine",
	    [KCA_SPECIALIZATION_CHURN] = "specialization churn",
	    [KCA_RELOAD_CHURN] = "reload churn",
	    [KCA_AUTOTUNE_SWEEP] = "autotune sweep",
	    [KCA_FEW_VARIANTS] = "a few variants",
	    [KCA_BUILT_PER_PROCESS] = "built per process",
	};
	return v <= KCA_BUILT_PER_PROCESS ? names[v] : "?";
}

const char *kca_front_end_name(enum kca_front_end fe)
{
	static const char *const names[] = {
	    [KCA_FE_UNKNOWN] = "unknown",
	    [KCA_FE_TRITON] = "Triton",
	    [KCA_FE_INDUCTOR] = "torch.compile",
	    [KCA_FE_NVRTC] = "NVRTC",
	    [KCA_FE_PTX] = "PTX JIT",
	    [KCA_FE_LINK] = "JIT link",
	    [KCA_FE_CUDART] = "CUDA runtime",
	    [KCA_FE_DRIVER] = "cubin",
	    [KCA_FE_COMPILER] = "compiler",
	    [KCA_FE_FATBIN] = "fatbin",
	    [KCA_FE_NUMBA] = "numba",
	    [KCA_FE_JAX] = "JAX",
	};
	return fe <= KCA_FE_JAX ? names[fe] : "?";
}

struct name_ix {
	const char *name;
	unsigned ix;
	UT_hash_handle hh;
};
struct variant_key {
	struct {
		unsigned fam;
		uint64_t hash;
	} k;
	unsigned ix;
	UT_hash_handle hh;
};
struct proc_image_key {
	struct {
		int proc;
		unsigned fam;
		uint64_t hash;
		int device; /* the image's loads are counted a device (a load's, -1 unknown) */
		int unused; /* 0: no padding in a hashed key */
	} k;
	/* hash 0, device 0: the process's loads of the family, and the devices they went to */
	unsigned loads, reloads, win_reloads, devices;
	UT_hash_handle hh;
};

/* t's entry for key, added (zeroed) where there was none; *added says so. */
static struct proc_image_key *proc_image_get(struct proc_image_key **t,
					     const struct proc_image_key *key, int *added)
{
	struct proc_image_key *e;
	HASH_FIND(hh, *t, &key->k, sizeof(key->k), e);
	*added = !e;
	if (!e) {
		e = kca_xcalloc(1, sizeof(*e));
		e->k = key->k;
		HASH_ADD(hh, *t, k, sizeof(e->k), e);
	}
	return e;
}

/* A process's last library or fatbin load naming a family so far: the variant its lazily
 * loaded kernels belong to, and the load. */
struct container_key {
	struct {
		int proc;
		unsigned fam;
	} k;
	int variant, load;
	UT_hash_handle hh;
};

/* The family index's entry of kernels named so (a numba kernel's or a template's instance's
 * symbol too, once family_of has seen it), or NULL. */
static struct name_ix *family_find(struct name_ix *names, const char *name)
{
	struct name_ix *e;
	HASH_FIND_STR(names, name, e);
	return e;
}

int kca_family_named_by(const struct kca_family *f, const char *symbol)
{
	if (strcmp(f->name, symbol) == 0)
		return 1;
	for (unsigned v = 0; v < f->nvariants; v++)
		if (f->variants[v].symbol && strcmp(f->variants[v].symbol, symbol) == 0)
			return 1;
	return 0;
}

static void name_add(struct name_ix **names, const char *name, unsigned ix)
{
	struct name_ix *e = kca_xmalloc(sizeof(*e));
	e->name = name;
	e->ix = ix;
	HASH_ADD_KEYPTR(hh, *names, e->name, strlen(e->name), e);
}

/* The family of kernels named so, made if new: by the name; a numba kernel's by its qualified
 * name (kca_numba_kernel), its symbols many; where `runtime_template` (a load an NVRTC compile
 * built), a C++ template's instance by the template's name as headings show it ("fill_t<…>"),
 * each instance a variant, the symbol kept in the index beside it. */
static unsigned family_of(struct kca_model *m, struct name_ix **names, const char *name,
			  unsigned *cap, int runtime_template)
{
	struct name_ix *e = family_find(*names, name);
	if (e)
		return e->ix;
	const char *symbol = name;
	char key[512], args[1][64];
	int numba = kca_numba_kernel(name, key, sizeof(key), NULL);
	int instance = !numba && runtime_template && kca_template_args(name, args, 1) > 0;
	if (instance)
		kca_kernel_display_name(name, key, sizeof(key));
	if (numba || instance) {
		HASH_FIND_STR(*names, key, e);
		name = e ? e->name : kca_model_strdup(m, key);
	}
	if (!e) {
		if (m->nfamilies == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			m->families = kca_xrealloc(m->families, *cap * sizeof(*m->families));
		}
		struct kca_family *f = &m->families[m->nfamilies];
		memset(f, 0, sizeof(*f));
		f->name = name;
		name_add(names, name, m->nfamilies++);
		HASH_FIND_STR(*names, name, e);
	}
	if (numba || instance) /* found by its symbol from here on, whatever loads it */
		name_add(names, symbol, e->ix);
	return e->ix;
}

static int variant_of(struct kca_model *m, struct variant_key **vk, unsigned fam, uint64_t hash,
		      int create, unsigned kind, int load)
{
	struct variant_key key = {0}, *e;
	key.k.fam = fam;
	key.k.hash = hash;
	HASH_FIND(hh, *vk, &key.k, sizeof(key.k), e);
	if (e)
		return (int)e->ix;
	if (!create)
		return -1;
	struct kca_family *f = &m->families[fam];
	f->variants = kca_xrealloc(f->variants, (f->nvariants + 1) * sizeof(*f->variants));
	struct kca_variant *v = &f->variants[f->nvariants];
	memset(v, 0, sizeof(*v));
	v->hash = hash;
	v->kind = kind;
	v->first_load = load;
	v->compile = -1;
	e = kca_xmalloc(sizeof(*e));
	e->k = key.k;
	e->ix = f->nvariants++;
	HASH_ADD(hh, *vk, k, sizeof(e->k), e);
	return (int)e->ix;
}

/* Loads of each process in time order, for "the next load after this compile". */
static int cmp_load_time(const void *a, const void *b, void *m)
{
	const struct kca_load *la = &((struct kca_model *)m)->loads[*(const unsigned *)a];
	const struct kca_load *lb = &((struct kca_model *)m)->loads[*(const unsigned *)b];
	if (la->proc != lb->proc)
		return la->proc - lb->proc;
	return la->time_ns < lb->time_ns ? -1 : la->time_ns > lb->time_ns;
}

/* Positions in order[] by their loads' times. */
struct pos_by_time {
	const struct kca_model *m;
	const unsigned *order;
};
static int cmp_pos_time(const void *a, const void *b, void *ctx)
{
	const struct pos_by_time *p = ctx;
	uint64_t x = p->m->loads[p->order[*(const unsigned *)a]].time_ns;
	uint64_t y = p->m->loads[p->order[*(const unsigned *)b]].time_ns;
	return x < y ? -1 : x > y;
}

/* A process's loads of one image (proc -1: all processes'), as positions in order[], their
 * times rising. */
struct image_loads {
	struct {
		int proc;
		uint64_t hash;
	} k;
	unsigned *pos, n, cap;
	UT_hash_handle hh;
};

/* The first of positions [lo, hi) of order[] whose load ends no earlier than `t`; hi if none.
 * pos (NULL: positions themselves) maps [lo, hi) to positions in order[]. */
static unsigned first_at_or_after(const struct kca_model *m, const unsigned *order,
				  const unsigned *pos, unsigned lo, unsigned hi, uint64_t t)
{
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		unsigned o = pos ? pos[mid] : mid;
		if (m->loads[order[o]].time_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct image_loads *image_loads_of(struct image_loads *by_image, int proc, uint64_t hash)
{
	struct image_loads key, *e;
	memset(&key.k, 0, sizeof(key.k));
	key.k.proc = proc;
	key.k.hash = hash;
	HASH_FIND(hh, by_image, &key.k, sizeof(key.k), e);
	return e;
}

/* A load of `hash` in process `proc` (-1: in any): the first ending at or after t, or (before)
 * the last ending before it. Its position, or UINT_MAX. */
static unsigned load_of_image(const struct kca_model *m, const unsigned *order,
			      struct image_loads *by_image, int proc, uint64_t hash, uint64_t t,
			      int before)
{
	struct image_loads *e = image_loads_of(by_image, proc, hash);
	if (!e)
		return UINT_MAX;
	unsigned i = first_at_or_after(m, order, e->pos, 0, e->n, t);
	if (before)
		return i > 0 ? e->pos[i - 1] : UINT_MAX;
	return i < e->n ? e->pos[i] : UINT_MAX;
}

static unsigned first_load_of(const struct kca_model *m, const unsigned *order,
			      struct image_loads *by_image, int proc, uint64_t hash, uint64_t t)
{
	return load_of_image(m, order, by_image, proc, hash, t, 0);
}

/* A process's compiles that took an image as an input ("<hash>.<ext>" in their inputs). */
struct image_users {
	struct {
		int proc;
		uint64_t hash;
	} k;
	unsigned *compiles, n, cap; /* rising by when they started */
	unsigned *skip;		    /* skip[i] > i: none of [i, skip[i]) was loaded (next_loaded) */
	UT_hash_handle hh;
};

static int cmp_compile_start(const void *a, const void *b, void *m)
{
	uint64_t x = kca_compile_start(&((struct kca_model *)m)->compiles[*(const unsigned *)a]);
	uint64_t y = kca_compile_start(&((struct kca_model *)m)->compiles[*(const unsigned *)b]);
	return x < y ? -1 : x > y;
}

/* The first of e's users from i on that made an output that a load took (directly or through
 * later builds): its position, or e->n. Users are asked about latest first, so those from i
 * on are settled when asked; what was passed over is remembered (skip). */
static unsigned next_loaded(const struct kca_model *m, struct image_users *e, unsigned i)
{
	unsigned j = i;
	while (j < e->n) {
		const struct kca_compile *d = &m->compiles[e->compiles[j]];
		if (d->load >= 0 && d->result == 0 && d->output_hash)
			break;
		j = e->skip[j] > j ? e->skip[j] : j + 1;
	}
	for (unsigned k = i; k < j;) {
		unsigned next = e->skip[k] > k ? e->skip[k] : k + 1;
		e->skip[k] = j;
		k = next;
	}
	return j;
}

static int cmp_compile_time(const void *a, const void *b, void *m)
{
	const struct kca_compile *x = &((struct kca_model *)m)->compiles[*(const unsigned *)a];
	const struct kca_compile *y = &((struct kca_model *)m)->compiles[*(const unsigned *)b];
	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

/* How many loaded users past the first a compile's own thread is looked for among. */
#define KCA_SAME_THREAD_LOOKAHEAD 64

/* A process's thread's compiles that made an image (by hash): the start of the latest seen,
 * walking latest first, so the next one's after the compile at hand. */
struct thread_output {
	struct {
		int proc;
		uint32_t tid;
		uint64_t hash;
	} k;
	uint64_t next_start;
	UT_hash_handle hh;
};

/* When the next compile of cp's thread that made hash started (UINT64_MAX: none), and cp's
 * own start recorded for those before it. Called latest first. */
static uint64_t next_on_thread(struct thread_output **seen, const struct kca_compile *cp,
			       uint64_t hash, uint64_t start)
{
	struct thread_output key, *e;
	memset(&key.k, 0, sizeof(key.k));
	key.k.proc = cp->proc;
	key.k.tid = cp->tid;
	key.k.hash = hash;
	HASH_FIND(hh, *seen, &key.k, sizeof(key.k), e);
	if (!e) {
		e = kca_xcalloc(1, sizeof(*e));
		e->k = key.k;
		e->next_start = UINT64_MAX;
		HASH_ADD(hh, *seen, k, sizeof(e->k), e);
	}
	uint64_t next = e->next_start;
	e->next_start = start;
	return next;
}

/* The compile that took the image and was loaded: the first of `users` that started no
 * earlier than t (the end of the compile that made it: one clock for both) and made an output
 * a load took, passing over failed builds and builds never loaded (a link retried, a PTX
 * linked again); of those, one on the compile's own thread (tid) where one comes within the
 * next few and before that thread made the image again (`until`), so that two threads
 * building the same PTX each keep their own link. Its index, or -1. */
static int first_user(const struct kca_model *m, struct image_users *users, int proc, uint64_t hash,
		      uint64_t t, uint32_t tid, uint64_t until)
{
	struct image_users key, *e;
	memset(&key.k, 0, sizeof(key.k));
	key.k.proc = proc;
	key.k.hash = hash;
	HASH_FIND(hh, users, &key.k, sizeof(key.k), e);
	if (!e)
		return -1;
	unsigned lo = 0, hi = e->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (kca_compile_start(&m->compiles[e->compiles[mid]]) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	unsigned j = next_loaded(m, e, lo);
	if (j >= e->n)
		return -1;
	for (unsigned k = j, seen = 0; k < e->n && seen <= KCA_SAME_THREAD_LOOKAHEAD &&
				       kca_compile_start(&m->compiles[e->compiles[k]]) < until;
	     k = next_loaded(m, e, k + 1), seen++)
		if (m->compiles[e->compiles[k]].tid == tid)
			return (int)e->compiles[k];
	return (int)e->compiles[j];
}

/* Compiles whose output was not loaded but went into a later compile of the same process
 * that was (NVRTC's PTX linked by nvJitLink or cuLink into the cubin loaded): the same load's,
 * through that compile (`via`), so that the kernel's cost and the options that made its
 * variant (NVRTC's -D values) include them. Latest first, so chains of several resolve. */
static void attribute_chained(struct kca_model *m)
{
	struct image_users *users = NULL, *e, *tmp;
	unsigned *order = kca_xmalloc((m->ncompiles + 1) * sizeof(unsigned));
	for (unsigned c = 0; c < m->ncompiles; c++)
		order[c] = c;
	qsort_r(order, m->ncompiles, sizeof(unsigned), cmp_compile_time, m);
	for (unsigned i = 0; i < m->ncompiles; i++) {
		const struct kca_compile *d = &m->compiles[order[i]];
		if (d->tool == KC_TOOL_EXEC || !d->inputs)
			continue;
		for (const char *p = d->inputs; *p;) { /* "<16 hex>.<ext>" tokens */
			size_t len = strcspn(p, " ");
			char *end;
			uint64_t h = strtoull(p, &end, 16);
			if (len > 17 && end == p + 16 && *end == '.') {
				struct image_users key;
				memset(&key.k, 0, sizeof(key.k));
				key.k.proc = d->proc;
				key.k.hash = h;
				HASH_FIND(hh, users, &key.k, sizeof(key.k), e);
				if (!e) {
					e = kca_xcalloc(1, sizeof(*e));
					e->k = key.k;
					HASH_ADD(hh, users, k, sizeof(e->k), e);
				}
				KCA_GROW(e->compiles, e->n, e->cap);
				e->compiles[e->n++] = order[i];
			}
			p += len;
			p += *p == ' ';
		}
	}
	HASH_ITER(hh, users, e, tmp)
	{
		qsort_r(e->compiles, e->n, sizeof(unsigned), cmp_compile_start, m);
		e->skip = kca_xcalloc(e->n + 1, sizeof(unsigned));
	}
	struct thread_output *made = NULL, *te, *ttmp;
	for (unsigned i = m->ncompiles; users && i-- > 0;) { /* latest first: d's root is set */
		struct kca_compile *cp = &m->compiles[order[i]];
		if (cp->tool == KC_TOOL_EXEC)
			continue;
		uint64_t out_until = cp->output_hash ? next_on_thread(&made, cp, cp->output_hash,
								      kca_compile_start(cp))
						     : UINT64_MAX;
		uint64_t ptx_until =
		    cp->ptx_hash ? next_on_thread(&made, cp, cp->ptx_hash, kca_compile_start(cp))
				 : UINT64_MAX;
		if (cp->load >= 0)
			continue;
		int d = cp->output_hash ? first_user(m, users, cp->proc, cp->output_hash,
						     cp->time_ns, cp->tid, out_until)
					: -1;
		if (d < 0 && cp->ptx_hash)
			d = first_user(m, users, cp->proc, cp->ptx_hash, cp->time_ns, cp->tid,
				       ptx_until);
		if (d < 0)
			continue;
		cp->load = m->compiles[d].load;
		cp->via = d;
		cp->root = m->compiles[d].root;
		m->loads[cp->load].build_ns += cp->duration_ns;
	}
	HASH_ITER(hh, users, e, tmp)
	{
		HASH_DEL(users, e);
		free(e->compiles);
		free(e->skip);
		free(e);
	}
	HASH_ITER(hh, made, te, ttmp)
	{
		HASH_DEL(made, te);
		free(te);
	}
	free(order);
}

/* Whether an NVRTC option names the target (which a probe of a build may set otherwise). */
static int target_option(const char *o)
{
	o += *o == '"';
	return strncmp(o, "-arch", 5) == 0 || strncmp(o, "--gpu-architecture", 18) == 0 ||
	       strncmp(o, "--device-as-default-execution-space", 35) == 0 ||
	       strncmp(o, "-default-device", 15) == 0;
}

/* Whether two compiles had the same options, their targets aside. */
static int options_alike(const struct kca_compile *a, const struct kca_compile *b)
{
	unsigned i = 0, j = 0;
	for (;;) {
		while (i < a->noptions && target_option(a->options[i]))
			i++;
		while (j < b->noptions && target_option(b->options[j]))
			j++;
		if (i == a->noptions || j == b->noptions)
			return i == a->noptions && j == b->noptions;
		if (strcmp(a->options[i++], b->options[j++]) != 0)
			return 0;
	}
}

/* The first load of thread tid of process proc that began within a second after t and before
 * `until`, of an image from memory the program gave (not a file, not the CUDA runtime's) that
 * no compile built; -1 if none. */
static int next_unbuilt_load(struct kca_model *m, int proc, uint32_t tid, uint64_t t,
			     uint64_t until)
{
	int best = -1;
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct kca_load *l = &m->loads[i];
		uint64_t start = l->time_ns > l->duration_ns ? l->time_ns - l->duration_ns : 0;
		if (l->proc != proc || l->tid != tid || start < t || start >= until ||
		    start - t > 1000000000ull || l->result != 0 || l->build_ns ||
		    l->api == KC_API_MODULE_LOAD || kca_load_by_cudart(m, l))
			continue;
		if (best < 0 || l->time_ns < m->loads[best].time_ns)
			best = (int)i;
	}
	return best;
}

/* An NVRTC compile whose output no load took, made with the options of the next NVRTC compile
 * of its thread (their targets aside), which was loaded: a probe of that build, part of its
 * cost. CuPy compiles an empty program with each new set of options, reading the compiler's
 * version into its cache key, before it compiles the program; where its disk cache held the
 * program, the probe is the only compile, and the load of the cached image follows it on its
 * thread: the probe is that load's build (what each new option set costs there). */
static void attribute_option_probes(struct kca_model *m)
{
	unsigned *order = kca_xmalloc((m->ncompiles + 1) * sizeof(unsigned));
	for (unsigned c = 0; c < m->ncompiles; c++)
		order[c] = c;
	qsort_r(order, m->ncompiles, sizeof(unsigned), cmp_compile_time, m);
	for (unsigned i = 0; i < m->ncompiles; i++) {
		struct kca_compile *cp = &m->compiles[order[i]];
		if (cp->tool != KC_TOOL_NVRTC || cp->load >= 0 || cp->result != 0)
			continue;
		uint64_t next_compile = UINT64_MAX;
		for (unsigned k = i + 1; k < m->ncompiles; k++) {
			const struct kca_compile *d = &m->compiles[order[k]];
			if (d->proc != cp->proc || d->tid != cp->tid || d->tool != KC_TOOL_NVRTC)
				continue;
			next_compile = kca_compile_start(d);
			if (d->load >= 0 && d->result == 0 && options_alike(cp, d) &&
			    kca_compile_start(d) >= cp->time_ns) {
				cp->load = d->load;
				cp->via = (int)order[k];
				cp->root = d->root;
				m->loads[cp->load].build_ns += cp->duration_ns;
			}
			break; /* the thread's next compile only */
		}
		int l = cp->load < 0
			    ? next_unbuilt_load(m, cp->proc, cp->tid, cp->time_ns, next_compile)
			    : -1;
		if (l >= 0) { /* the image came from the program's own cache */
			cp->load = l;
			m->loads[l].build_ns += cp->duration_ns;
		}
	}
	free(order);
}

/* A libNVVM compile whose output nothing took, of the same IR as a compile of its thread that
 * was loaded (by way of a link): the same build's. numba compiles each kernel's IR twice, to
 * PTX (kept for inspection) and to LTO-IR (linked into the cubin loaded); both are its cost.
 * The nearest such compile, after it first. */
static void attribute_same_source(struct kca_model *m)
{
	for (unsigned c = 0; c < m->ncompiles; c++) {
		struct kca_compile *cp = &m->compiles[c];
		if (cp->tool != KC_TOOL_NVVM || cp->load >= 0 || cp->result != 0 || !cp->input_hash)
			continue;
		int best = -1;
		uint64_t best_gap = UINT64_MAX, start = kca_compile_start(cp);
		for (unsigned k = 0; k < m->ncompiles; k++) {
			const struct kca_compile *d = &m->compiles[k];
			if (k == c || d->tool != KC_TOOL_NVVM || d->load < 0 ||
			    d->proc != cp->proc || d->tid != cp->tid ||
			    d->input_hash != cp->input_hash)
				continue;
			uint64_t ds = kca_compile_start(d);
			/* one after it before one before it: numba's PTX comes first */
			uint64_t gap = ds >= start ? ds - start : (UINT64_MAX / 2) + (start - ds);
			if (gap < best_gap)
				best = (int)k, best_gap = gap;
		}
		if (best < 0)
			continue;
		const struct kca_compile *d = &m->compiles[best];
		cp->load = d->load;
		cp->via = d->via >= 0 ? d->via : best;
		cp->root = d->root;
		m->loads[cp->load].build_ns += cp->duration_ns;
	}
}

/* The file a compiler child wrote, from its command line, absolute; 0, or -1 where it names
 * none. */
static int child_output(const struct kca_model *m, const struct kca_compile *cp, char *out,
			size_t cap)
{
	const char *file = kc_compiler_output(cp->options, cp->noptions);
	if (!file)
		return -1;
	kca_path_in(file, m->procs[cp->proc].cwd, out, cap);
	return 0;
}

/* A process's loads of one file (cuModuleLoad: its path against the program's working
 * directory), as positions in the time order (rising). */
struct file_loads {
	char *key; /* "<proc>:<path>" */
	unsigned *pos, n, cap;
	UT_hash_handle hh;
};

static void file_loads_key(int proc, const char *path, char *key, size_t cap)
{
	snprintf(key, cap, "%d:%s", proc, path);
}

/* The first of process proc's loads of `file` at or after position `from`; UINT_MAX if none. */
static unsigned first_load_of_file(struct file_loads *by_file, unsigned from, int proc,
				   const char *file)
{
	char key[PATH_MAX + 16];
	struct file_loads *e;
	file_loads_key(proc, file, key, sizeof(key));
	HASH_FIND_STR(by_file, key, e);
	if (!e)
		return UINT_MAX;
	unsigned lo = 0, hi = e->n; /* positions rise */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (e->pos[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->n ? e->pos[lo] : UINT_MAX;
}

static void attribute_compiles(struct kca_model *m)
{
	unsigned *order = kca_xmalloc((m->nloads + 1) * sizeof(unsigned));
	for (unsigned i = 0; i < m->nloads; i++)
		order[i] = i;
	qsort_r(order, m->nloads, sizeof(unsigned), cmp_load_time, m);
	/* per process: [start, end) in order[]; per process and image: its positions */
	unsigned *pstart = kca_xcalloc(m->nprocs + 1, sizeof(unsigned));
	unsigned *pend = kca_xcalloc(m->nprocs + 1, sizeof(unsigned));
	struct image_loads *by_image = NULL, *e, *tmp;
	struct file_loads *by_file = NULL, *fe, *ftmp;
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct kca_load *l = &m->loads[order[i]];
		int p = l->proc;
		if (l->file) {
			char path[PATH_MAX], key[PATH_MAX + 16];
			kca_path_in(l->file, m->procs[p].cwd, path, sizeof(path));
			file_loads_key(p, path, key, sizeof(key));
			HASH_FIND_STR(by_file, key, fe);
			if (!fe) {
				fe = kca_xcalloc(1, sizeof(*fe));
				fe->key = kca_xstrdup(key);
				HASH_ADD_KEYPTR(hh, by_file, fe->key, strlen(fe->key), fe);
			}
			KCA_GROW(fe->pos, fe->n, fe->cap);
			fe->pos[fe->n++] = i;
		}
		if (pend[p] == 0)
			pstart[p] = i;
		pend[p] = i + 1;
		for (int any = 0; any < 2; any++) { /* its process's index, and all processes' */
			e = image_loads_of(by_image, any ? -1 : p, l->hash);
			if (!e) {
				e = kca_xcalloc(1, sizeof(*e));
				e->k.proc = any ? -1 : p;
				e->k.hash = l->hash;
				HASH_ADD(hh, by_image, k, sizeof(e->k), e);
			}
			KCA_GROW(e->pos, e->n, e->cap);
			e->pos[e->n++] = i;
		}
	}
	/* order[] runs by process, then time: the all-processes lists, by time alone */
	struct pos_by_time pbt = {m, order};
	HASH_ITER(hh, by_image, e, tmp)
	if (e->k.proc == -1)
		qsort_r(e->pos, e->n, sizeof(unsigned), cmp_pos_time, &pbt);
	for (unsigned c = 0; c < m->ncompiles; c++) {
		struct kca_compile *cp = &m->compiles[c];
		int proc = cp->proc;
		/* a load's end may come up to 1 ms before the compile's: the clocks of two records
		 */
		uint64_t t = cp->time_ns > 1000000 ? cp->time_ns - 1000000 : 0;
		unsigned at = UINT_MAX;
		if (cp->tool != KC_TOOL_EXEC) {
			/* in-process compiles: the first load of its output after it */
			if (pend[proc] == 0)
				continue;
			unsigned a = first_load_of(m, order, by_image, proc, cp->output_hash, t);
			unsigned b = cp->ptx_hash
					 ? first_load_of(m, order, by_image, proc, cp->ptx_hash, t)
					 : UINT_MAX;
			at = a < b ? a : b;
		} else {
			/* A compiler child builds for the program that ran it. Its output (nvcc -o
			 * kernel.fatbin), by the hash taken at its exit, read into memory or loaded
			 * from the file: its program's first load of it after it; else another
			 * process's (Inductor's compile workers run ptxas, the server loads the
			 * cubins); else its program's last load of it before (the same bytes built
			 * again, and not loaded again). */
			int parent = m->procs[proc].parent;
			if (cp->output_hash) {
				at = parent >= 0 ? first_load_of(m, order, by_image, parent,
								 cp->output_hash, t)
						 : UINT_MAX;
				if (at == UINT_MAX)
					at = first_load_of(m, order, by_image, -1, cp->output_hash,
							   t);
				if (at == UINT_MAX && parent >= 0)
					at = load_of_image(m, order, by_image, parent,
							   cp->output_hash, t, 1);
			}
			/* No load of it: by the file's path where the child hashed nothing (traces
			 * from before that, or a host compiler), else the program's next load (a
			 * host compiler's output is no image: gcc building Triton's launcher; an
			 * object nvcc made goes into a library loaded later) */
			if (at == UINT_MAX && parent >= 0 && pend[parent]) {
				at = first_at_or_after(m, order, NULL, pstart[parent], pend[parent],
						       cp->time_ns);
				char out[PATH_MAX];
				unsigned of =
				    !cp->output_hash && child_output(m, cp, out, sizeof(out)) == 0
					? first_load_of_file(by_file, at, parent, out)
					: UINT_MAX;
				if (of != UINT_MAX)
					at = of;
				if (at >= pend[parent])
					at = UINT_MAX;
			}
		}
		if (at == UINT_MAX)
			continue;
		struct kca_load *l = &m->loads[order[at]];
		cp->load = (int)order[at];
		l->build_ns += cp->duration_ns;
	}
	attribute_chained(m);
	attribute_option_probes(m);
	attribute_same_source(m);
	HASH_ITER(hh, by_image, e, tmp)
	{
		HASH_DEL(by_image, e);
		free(e->pos);
		free(e);
	}
	HASH_ITER(hh, by_file, fe, ftmp)
	{
		HASH_DEL(by_file, fe);
		free(fe->key);
		free(fe->pos);
		free(fe);
	}
	free(order);
	free(pstart);
	free(pend);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median_launches(const struct kca_family *f)
{
	if (!f->nvariants)
		return 0;
	uint64_t *v = kca_xmalloc(f->nvariants * sizeof(uint64_t));
	for (unsigned i = 0; i < f->nvariants; i++)
		v[i] = f->variants[i].launches;
	qsort(v, f->nvariants, sizeof(uint64_t), cmp_u64);
	uint64_t med = v[f->nvariants / 2];
	free(v);
	return med;
}

int kca_compile_makes_gpu_code(const struct kca_compile *c)
{
	/* the program as it ran it (its argv[0]), else the executable */
	return c->tool != KC_TOOL_EXEC || kc_gpu_compiler(c->noptions ? c->options[0] : c->name);
}

/* Whether l came through cuLibraryLoadData or cuLibraryLoadFromFile. */
static int library_load(const struct kca_load *l)
{
	return l->api == KC_API_LIBRARY_LOAD_DATA || l->api == KC_API_LIBRARY_LOAD_FROM_FILE;
}

int kca_child_built(const struct kca_model *m, const struct kca_compile *c, uint64_t hash)
{
	return c->tool == KC_TOOL_EXEC && c->load >= 0 && m->loads[c->load].hash == hash &&
	       kca_compile_makes_gpu_code(c);
}

/* Whether a CUDA compiler the program ran (nvcc, ptxas; not the host compiler building an
 * extension, whose time lands on whatever load comes next) built variant v of f. */
static int child_built(const struct kca_model *m, const struct kca_family *f, unsigned v)
{
	for (unsigned i = 0; i < f->ncompiles; i++)
		if (kca_child_built(m, &m->compiles[f->compiles[i]], f->variants[v].hash))
			return 1;
	return 0;
}

/* Whether a frame of the Python stack at load l is in a file whose path holds `dir`: 1 or 0,
 * -1 where the load has no Python frames (recorded without them). */
static int python_frames_name(const struct kca_load *l, const char *dir)
{
	if (!l->npy_frames)
		return -1;
	for (unsigned i = 0; i < l->npy_frames; i++) {
		const char *tab = strchr(l->py_frames[i], '\t');
		const char *hit = strstr(l->py_frames[i], dir);
		if (hit && (!tab || hit < tab))
			return 1;
	}
	return 0;
}

int kca_numba_built_at_start(const struct kca_model *m, const struct kca_family *f)
{
	for (unsigned v = 0; v < f->nvariants; v++) {
		const struct kca_load *l = &m->loads[f->variants[v].first_load];
		int decorator = 0;
		for (unsigned i = 0; i < l->npy_frames; i++) { /* "file\tline\tfunction" */
			if (strstr(l->py_frames[i], "\tCUDADispatcher._compile_for_args"))
				return 0;
			decorator |= strstr(l->py_frames[i], "/numba/cuda/decorators.py\t") != NULL;
		}
		if (!decorator)
			return 0;
	}
	return f->nvariants > 0;
}

/* How many processes built f (a compile attributed to one of their loads of it: a compiler
 * child or an in-process compile, the host compiler building Triton's launcher included). */
static unsigned building_processes(const struct kca_model *m, const struct kca_family *f)
{
	unsigned procs = 0;
	unsigned char *seen = kca_xcalloc(m->nprocs + 1, 1);
	for (unsigned i = 0; i < f->ncompiles; i++) {
		const struct kca_compile *c = &m->compiles[f->compiles[i]];
		if (c->load < 0)
			continue;
		int p = m->loads[c->load].proc;
		procs += !seen[p];
		seen[p] = 1;
	}
	free(seen);
	return procs;
}

/* Whether an Inductor kernel was built for 3 or more values of a size or number (not a block
 * size) and most of its builds ran within a single flush window: each value used briefly.
 * Its launch counts say little there: Inductor's autotuning benchmarks every block size it
 * builds a hundred times and more. */
static int sizes_used_briefly(const struct kca_family *f, const struct kca_changes *ch)
{
	/* what changes: the inputs' number (a list's length), else a size or a number, else the
	 * code (a loop count) */
	const struct kca_change *size = kca_inductor_code(ch, KCA_CODE_INPUTS);
	if (!size)
		size = kca_inductor_size(ch);
	if (!size)
		size = kca_inductor_code(ch, KCA_CODE_LINES);
	if (!size)
		return 0;
	unsigned distinct = kca_change_distinct(size), brief = 0;
	for (unsigned v = 0; v < f->nvariants; v++)
		brief += f->variants[v].launch_windows <= 1;
	return distinct >= 3 && 2 * brief > f->nvariants;
}

unsigned kca_family_xla_tuned(const struct kca_family *f)
{
	unsigned tuned = 0;
	for (unsigned v = 0; v < f->nvariants; v++)
		tuned += f->variants[v].autotune_loads > 0;
	return tuned;
}

static void classify(struct kca_model *m, struct kca_family *f)
{
	/* Where it came from. */
	int nvrtc = 0, link = 0, ptx = 0, cudart = 0, fatbin = 0, file = 0, triton = 0, child = 0;
	int numba = 0, jax = 0;
	unsigned prebuilt_images = 0; /* the runtime's, nothing built for them (below) */
	for (unsigned i = 0; i < f->nvariants; i++) {
		struct kca_variant *v = &f->variants[i];
		const struct kca_load *l = &m->loads[v->first_load];
		if (v->compile >= 0) {
			unsigned tool = m->compiles[v->compile].tool;
			nvrtc += tool == KC_TOOL_NVRTC;
			link += tool == KC_TOOL_CULINK || tool == KC_TOOL_NVJITLINK;
		}
		ptx += v->kind == KC_IMAGE_PTX;
		jax += l->jax_fun != NULL;
		char qualified[512];
		numba +=
		    v->symbol && kca_numba_kernel(v->symbol, qualified, sizeof(qualified), NULL);
		/* a CUDA compiler child's build, not an in-process compile's: nvcc, ptxas */
		int by_cudart = kca_load_by_cudart(m, l);
		int by_child = v->compile < 0 && child_built(m, f, i);
		cudart += by_cudart;
		prebuilt_images += by_cudart && v->compile < 0 && !by_child;
		fatbin += l->kind == KC_IMAGE_FATBIN;
		file += l->api == KC_API_MODULE_LOAD;
		if (v->kind == KC_IMAGE_CUBIN && !v->triton_dir)
			v->triton_dir = kca_triton_dir_of(m, &m->procs[l->proc], v->hash, l->size);
		triton += v->triton_dir != NULL || l->ntriton_args > 0; /* built by Triton's JIT */
		child += v->kind != KC_IMAGE_PTX && by_child;
	}
	/* A cubin from memory: Triton loads its builds so, from Python (where the Python stack
	 * was read, with Triton's frames in it: not PyTorch's jiterator, whose cached cubins come
	 * from the program's own line); any other program that does loads its own prebuilt cubin
	 * through the driver API. */
	const struct kca_load *l0 = f->nvariants ? &m->loads[f->variants[0].first_load] : NULL;
	const char *exe = l0 ? m->procs[l0->proc].exe : NULL;
	const char *base = exe ? kc_base_name(exe) : "";
	int memory_cubin = l0 && l0->kind == KC_IMAGE_CUBIN && l0->api != KC_API_MODULE_LOAD;
	f->library_api = l0 && library_load(l0);
	int python = strncmp(base, "python", 6) == 0;
	if (numba)
		f->front_end = KCA_FE_NUMBA;
	else if (jax)
		f->front_end = KCA_FE_JAX;
	else if (nvrtc)
		f->front_end = KCA_FE_NVRTC;
	else if (link)
		f->front_end = KCA_FE_LINK;
	else if (triton)
		f->front_end = kca_triton_from_inductor(m, f) ? KCA_FE_INDUCTOR : KCA_FE_TRITON;
	else if (strncmp(f->name, "triton_", 7) == 0 && file)
		f->front_end = KCA_FE_INDUCTOR;
	else if (child && !(memory_cubin && python))
		f->front_end = KCA_FE_COMPILER;
	else if (ptx)
		f->front_end = KCA_FE_PTX;
	else if (cudart)
		f->front_end = KCA_FE_CUDART;
	else if (fatbin)
		f->front_end = KCA_FE_FATBIN;
	else if (l0 && l0->kind == KC_IMAGE_CUBIN)
		f->front_end = python && python_frames_name(l0, "/triton/") != 0 ? KCA_FE_TRITON
										 : KCA_FE_DRIVER;

	/* What it is doing. */
	f->verdict = KCA_FINE;
	/* Images the CUDA runtime loads (kca_load_by_cudart) that nothing built at run time are
	 * the program's own libraries: two of them may carry one kernel (compiled into both),
	 * which is not a rebuild. Not an image the program loads itself, which it may have
	 * built where kcprof did not see. */
	int prebuilt = f->nvariants >= 2 && prebuilt_images == f->nvariants;
	f->prebuilt_copies = prebuilt;
	if (f->nvariants >= 2 && !prebuilt) {
		const struct kca_changes *ch = kca_family_changes(m, f);
		int config_only = ch->nchanges > 0;
		for (unsigned i = 0; i < ch->nchanges; i++)
			config_only &= ch->changes[i].kind == KCA_CHANGE_CONFIG;
		int autotuned = ch->autotune_where[0] != 0;
		if (ch->same_code && !ch->nchanges) /* one code in several images: loaded again */
			f->verdict = f->nvariants >= 3 ? KCA_RELOAD_CHURN : KCA_FEW_VARIANTS;
		else if (config_only || autotuned)
			f->verdict = KCA_AUTOTUNE_SWEEP;
		else if (ch->nchanges && ch->changes[0].kind == KCA_CHANGE_SOURCE &&
			 kca_change_names_types(&ch->changes[0]))
			f->verdict = KCA_FEW_VARIANTS; /* a source per dtype: a build each, once */
		else if (ch->nchanges && kca_change_triton_dtypes(&ch->changes[0]))
			f->verdict = KCA_FEW_VARIANTS; /* Triton's, per dtype: as few */
		else if (ch->nchanges && kca_change_template_types(ch))
			f->verdict = KCA_FEW_VARIANTS; /* a template's instance per type: as few */
		else if (ch->nchanges && kca_change_numba_types(ch))
			/* numba's, per type signature: as few; none where the signatures were
			 * listed in @cuda.jit, all built at start-up */
			f->verdict = kca_numba_built_at_start(m, f) ? KCA_FINE : KCA_FEW_VARIANTS;
		else if (f->nvariants >= 3 && median_launches(f) <= 8)
			f->verdict = KCA_SPECIALIZATION_CHURN;
		else if (f->front_end == KCA_FE_INDUCTOR && sizes_used_briefly(f, ch))
			f->verdict = KCA_SPECIALIZATION_CHURN;
		else
			f->verdict = KCA_FEW_VARIANTS;
	}
	if (f->verdict == KCA_FINE && f->proc_reloads >= 2 && f->proc_reloads * 2 >= f->proc_loads)
		f->verdict = KCA_RELOAD_CHURN;
	/* XLA's autotuner's candidates, and the one or two configs the compiled functions
	 * then load: a sweep, paid at each compile of a new shape */
	unsigned tuned = f->front_end == KCA_FE_JAX ? kca_family_xla_tuned(f) : 0, compiled = 0;
	for (unsigned v = 0; tuned && v < f->nvariants; v++)
		compiled += f->variants[v].loads > f->variants[v].autotune_loads;
	if (tuned && compiled <= 2 && f->verdict != KCA_FINE)
		f->verdict = KCA_AUTOTUNE_SWEEP;
	/* a module XLA loads while it compiles and never launches (its cuDNN hardware probe,
	 * nopCudnnHardwareDetection, a few times a compile): XLA's own, nothing to fix */
	if (f->front_end == KCA_FE_JAX && f->verdict == KCA_RELOAD_CHURN && !f->launches)
		f->verdict = KCA_FINE;
	/* a Triton kernel loaded again and again, a numba kernel built again and again: its
	 * function made anew at each call of the one it is defined in? */
	char outer[128], def_where[PATH_MAX + 32];
	if (((f->verdict == KCA_RELOAD_CHURN && f->front_end == KCA_FE_TRITON) ||
	     (f->verdict == KCA_SPECIALIZATION_CHURN && f->front_end == KCA_FE_NUMBA)) &&
	    kca_kernel_def_inside(m, f, outer, sizeof(outer), def_where, sizeof(def_where))) {
		f->def_inside = kca_model_strdup(m, outer);
		f->def_where = kca_model_strdup(m, def_where);
	}
	/* one image built in several processes (workers started together with an empty cache:
	 * which of them build it is a race, the launcher's host compile in each of them
	 * anyway): worth building once, not churn */
	f->built_in =
	    f->verdict == KCA_FINE && f->nvariants == 1 && !prebuilt ? building_processes(m, f) : 0;
	if (f->built_in >= 2)
		f->verdict = KCA_BUILT_PER_PROCESS;
	f->churn = f->verdict == KCA_SPECIALIZATION_CHURN || f->verdict == KCA_RELOAD_CHURN;
}

static int cmp_family(const void *a, const void *b)
{
	const struct kca_family *x = a, *y = b;
	if (x->churn != y->churn)
		return y->churn - x->churn;
	uint64_t cx = x->build_ns + x->load_ns, cy = y->build_ns + y->load_ns;
	if (cx != cy)
		return cx < cy ? 1 : -1;
	if (x->nvariants != y->nvariants)
		return x->nvariants < y->nvariants ? 1 : -1;
	if (x->launches != y->launches)
		return x->launches < y->launches ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Whether two families with reload churn have the same images, loaded as often each. */
static int same_module_loads(const struct kca_family *f, const struct kca_family *g)
{
	int same = g->verdict == KCA_RELOAD_CHURN && f->verdict == KCA_RELOAD_CHURN &&
		   g->nvariants == f->nvariants && g->loads == f->loads;
	for (unsigned v = 0; same && v < f->nvariants; v++)
		same = g->variants[v].hash == f->variants[v].hash &&
		       g->variants[v].loads == f->variants[v].loads;
	return same;
}

struct module_loads_key { /* families by their images and loads: a hash of them */
	uint64_t key;
	unsigned first, last; /* the first and the last family (in order) with them */
	UT_hash_handle hh;
};

/* Each family's module_mate, in m->families' final order: one pass, by a hash of the
 * images and their loads (where 20k kernels of one module churn, no family compares itself
 * with every one before it). */
static void set_module_mates(struct kca_model *m)
{
	struct module_loads_key *seen = NULL, *e, *tmp;
	for (unsigned i = 0; i < m->nfamilies; i++) {
		struct kca_family *f = &m->families[i];
		f->module_mate = f->next_module_mate = -1;
		if (f->verdict != KCA_RELOAD_CHURN)
			continue;
		struct kc_hash_stream hs;
		kc_hash64_begin(&hs);
		kc_hash64_add(&hs, &f->loads, sizeof(f->loads));
		for (unsigned v = 0; v < f->nvariants; v++) {
			kc_hash64_add(&hs, &f->variants[v].hash, sizeof(f->variants[v].hash));
			kc_hash64_add(&hs, &f->variants[v].loads, sizeof(f->variants[v].loads));
		}
		uint64_t key = kc_hash64_end(&hs);
		/* the same hash of other images and loads, should one come, takes the next key */
		for (;;) {
			HASH_FIND(hh, seen, &key, sizeof(key), e);
			if (!e || same_module_loads(f, &m->families[e->first]))
				break;
			key++;
		}
		if (e) {
			f->module_mate = (int)e->first;
			m->families[e->last].next_module_mate = (int)i;
			e->last = i;
			continue;
		}
		e = kca_xcalloc(1, sizeof(*e));
		e->key = key;
		e->first = e->last = i;
		HASH_ADD(hh, seen, key, sizeof(e->key), e);
	}
	HASH_ITER(hh, seen, e, tmp)
	{
		HASH_DEL(seen, e);
		free(e);
	}
}

unsigned kca_family_module_mates(const struct kca_model *m, const struct kca_family *f)
{
	unsigned n = 0;
	for (int j = f->next_module_mate; j >= 0; j = m->families[j].next_module_mate)
		n++;
	return n;
}

/* With a time window: the kernels built or loaded within it first, churn first among them,
 * then by what the window's builds and loads cost. */
int kca_family_built_in_window(const struct kca_family *f)
{
	if (f->win.build_ns) /* a compile ended in it, whether or not its load did */
		return 1;
	if (!f->win.loads)
		return 0;
	if (f->verdict != KCA_FINE || f->win.reloads)
		return 1;
	return f->win.new_variants && f->front_end != KCA_FE_CUDART &&
	       f->front_end != KCA_FE_DRIVER && f->front_end != KCA_FE_FATBIN;
}

/* A first tuning runs each config but the chosen one within a window or two of its build
 * (flushes come every KCPROF_FLUSH_MS, 1 s by default): more than that is tuning again. */
#define KCA_RETUNE_WINDOWS 3
#define KCA_RETUNE_AFTER_NS 2000000000ull

int kca_family_retuned(const struct kca_family *f, const struct kca_changes *ch, unsigned *windows,
		       uint64_t *after_ns)
{
	if (f->verdict != KCA_AUTOTUNE_SWEEP || !ch->autotune_where[0] || f->nvariants < 2)
		return 0;
	uint64_t built = 0; /* the last config's first load */
	for (unsigned v = 0; v < f->nvariants; v++)
		if (f->variants[v].first_ns > built)
			built = f->variants[v].first_ns;
	*windows = UINT_MAX;
	*after_ns = UINT64_MAX;
	for (unsigned v = 0; v < f->nvariants; v++) {
		const struct kca_variant *var = &f->variants[v];
		uint64_t after = var->last_launch_ns > built ? var->last_launch_ns - built : 0;
		if (var->launch_windows < *windows)
			*windows = var->launch_windows;
		if (after < *after_ns)
			*after_ns = after;
	}
	return *windows >= KCA_RETUNE_WINDOWS && *after_ns >= KCA_RETUNE_AFTER_NS;
}

int kca_family_retuned_in_window(struct kca_model *m, const struct kca_family *f)
{
	unsigned windows;
	uint64_t after_ns;
	if (!m->windowed || !f->win.launches || kca_family_built_in_window(f) ||
	    !kca_family_retuned(f, kca_family_changes(m, f), &windows, &after_ns))
		return 0;
	for (unsigned v = 0; v < f->nvariants; v++) { /* each config's last run in the window */
		const struct kca_variant *var = &f->variants[v];
		unsigned d = m->procs[m->loads[var->first_load].proc].dir_index;
		if (var->last_launch_ns < m->win_from_ns[d])
			return 0;
	}
	return 1;
}

static int cmp_family_window(const void *a, const void *b)
{
	const struct kca_family *x = a, *y = b;
	int bx = kca_family_built_in_window(x), by = kca_family_built_in_window(y);
	if (bx != by)
		return by - bx;
	if ((x->win.loads > 0) != (y->win.loads > 0))
		return (y->win.loads > 0) - (x->win.loads > 0);
	if (x->churn != y->churn)
		return y->churn - x->churn;
	uint64_t cx = x->win.build_ns + x->win.load_ns, cy = y->win.build_ns + y->win.load_ns;
	if (cx != cy)
		return cx < cy ? 1 : -1;
	if (x->win.new_variants != y->win.new_variants)
		return x->win.new_variants < y->win.new_variants ? 1 : -1;
	return cmp_family(a, b);
}

/* A run's families by name (each name is one family): the comparison's rows, and which
 * families a load's kernels belong to. */
struct kca_family_name {
	const struct kca_family *f;
	UT_hash_handle hh;
};

struct kca_family_name *kca_family_index(const struct kca_model *m)
{
	struct kca_family_name *index = NULL;
	for (unsigned i = 0; i < m->nfamilies; i++) {
		const struct kca_family *f = &m->families[i];
		for (int v = -1; v < (int)f->nvariants; v++) { /* its name, its variants' symbols */
			const char *name = v < 0 ? f->name : f->variants[v].symbol;
			struct kca_family_name *fn;
			if (!name)
				continue;
			HASH_FIND_STR(index, name, fn);
			if (fn)
				continue;
			fn = kca_xmalloc(sizeof(*fn));
			fn->f = f;
			HASH_ADD_KEYPTR(hh, index, name, strlen(name), fn);
		}
	}
	return index;
}

void kca_family_index_free(struct kca_family_name *index)
{
	struct kca_family_name *fn, *tmp;
	HASH_ITER(hh, index, fn, tmp)
	{
		HASH_DEL(index, fn);
		free(fn);
	}
}

const struct kca_family *kca_family_named(struct kca_family_name *index, const char *name)
{
	struct kca_family_name *fn;
	HASH_FIND_STR(index, name, fn);
	return fn ? fn->f : NULL;
}

/* Each function's module image: its own, or, for one whose module kcprof never saw loaded (a
 * CUDA graph's kernel node holding the function the driver made at a lazy load), that of the
 * functions of its name in its process whose module is known, where they all have one. 0
 * where there is none, or no one: a module seen loaded whose image could not be read, or two
 * images of the name (which of them a graph captured, the records do not say). */
struct proc_name_module {
	char *key; /* "<proc>\t<name>" */
	uint64_t module_hash;
	int several; /* functions of the name from two module images */
	UT_hash_handle hh;
};
struct proc_handle {
	struct {
		int proc;
		uint64_t handle;
	} k;
	UT_hash_handle hh;
};

static struct proc_name_module *proc_name_find(struct proc_name_module *known,
					       const struct kca_func *fn, char **key_out)
{
	size_t len = strlen(fn->name) + 16;
	char *key = kca_xmalloc(len);
	snprintf(key, len, "%d\t%s", fn->proc, fn->name);
	struct proc_name_module *e;
	HASH_FIND_STR(known, key, e);
	if (key_out && !e)
		*key_out = key;
	else
		free(key);
	return e;
}

static uint64_t *node_modules(const struct kca_model *m)
{
	uint64_t *out = kca_xcalloc(m->nfuncs + 1, sizeof(uint64_t));
	struct proc_name_module *known = NULL, *e, *tmp;
	int unknown = 0;
	for (unsigned i = 0; i < m->nfuncs; i++) {
		const struct kca_func *fn = &m->funcs[i];
		out[i] = fn->module_hash;
		if (!fn->name[0])
			continue;
		if (!fn->module_hash) {
			unknown = 1;
			continue;
		}
		char *key = NULL;
		e = proc_name_find(known, fn, &key);
		if (!e) {
			e = kca_xcalloc(1, sizeof(*e));
			e->key = key;
			e->module_hash = fn->module_hash;
			HASH_ADD_KEYPTR(hh, known, e->key, strlen(e->key), e);
		}
		e->several |= e->module_hash != fn->module_hash;
	}
	struct proc_handle *loaded = NULL, *h, *htmp;
	for (unsigned i = 0; unknown && i < m->nloads; i++) {
		struct proc_handle key;
		memset(&key, 0, sizeof(key));
		key.k.proc = m->loads[i].proc;
		key.k.handle = m->loads[i].handle;
		HASH_FIND(hh, loaded, &key.k, sizeof(key.k), h);
		if (!h && m->loads[i].result == 0) {
			h = kca_xmalloc(sizeof(*h));
			*h = key;
			HASH_ADD(hh, loaded, k, sizeof(h->k), h);
		}
	}
	for (unsigned i = 0; unknown && i < m->nfuncs; i++) {
		const struct kca_func *fn = &m->funcs[i];
		if (!fn->name[0] || fn->module_hash)
			continue;
		struct proc_handle key;
		memset(&key, 0, sizeof(key));
		key.k.proc = fn->proc;
		key.k.handle = fn->module_handle;
		HASH_FIND(hh, loaded, &key.k, sizeof(key.k), h);
		e = h ? NULL : proc_name_find(known, fn, NULL);
		out[i] = e && !e->several ? e->module_hash : 0;
	}
	HASH_ITER(hh, loaded, h, htmp)
	{
		HASH_DEL(loaded, h);
		free(h);
	}
	HASH_ITER(hh, known, e, tmp)
	{
		HASH_DEL(known, e);
		free(e->key);
		free(e);
	}
	return out;
}

/* XLA names its kernels alike in every function jax.jit compiles (loop_add_fusion,
 * wrapped_broadcast): a kernel is its function's, named "jit_FUNCTION/KERNEL" as XLA names
 * the function's module (jit_body). The loads made under jax.jit, and the functions taken
 * from their modules, are renamed so. */
struct jax_image_key {
	struct { /* a module: two functions may build the same image */
		int proc;
		uint64_t hash, handle;
	} k;
	const char *fun;
	UT_hash_handle hh;
};

static const char *jax_kernel_name(struct kca_model *m, const char *fun, const char *kernel)
{
	char name[512];
	int n = snprintf(name, sizeof(name), "jit_%s/%s", fun, kernel);
	for (int i = 4; i < n && name[i] != '/'; i++) /* <lambda> as JAX writes it: _lambda_ */
		if (name[i] == '<' || name[i] == '>')
			name[i] = '_';
	return kca_model_strdup(m, name);
}

static int load_proc_time_order(const void *a, const void *b, void *ctx)
{
	const struct kca_model *m = ctx;
	const struct kca_load *x = &m->loads[*(const unsigned *)a],
			      *y = &m->loads[*(const unsigned *)b];
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

/* An image XLA loads itself (its cubins, its PTX probe), not a library's kernels (cuBLAS's,
 * loaded lazily while XLA compiles and autotunes) */
static int xla_image(const struct kca_load *l)
{
	return (l->kind == KC_IMAGE_CUBIN || l->kind == KC_IMAGE_PTX) &&
	       (l->api == KC_API_MODULE_LOAD_DATA || l->api == KC_API_MODULE_LOAD_DATA_EX);
}

/* XLA's autotuner builds candidate configs of a fusion (its Triton GEMMs) and loads and times
 * them on its compile threads, where no Python runs: in a process where jax.jit compiled, a
 * cubin a compiler child built, loaded without Python frames, is counted to the function whose
 * compile loads next. */
static void attribute_xla_autotune(struct kca_model *m)
{
	int any = 0;
	for (unsigned i = 0; i < m->nloads && !any; i++)
		any = m->loads[i].jax_fun != NULL;
	if (!any)
		return;
	/* each process's loads, latest first: the next compile's function carried back */
	unsigned *order = kca_xmalloc((m->nloads + 1) * sizeof(*order));
	for (unsigned i = 0; i < m->nloads; i++)
		order[i] = i;
	qsort_r(order, m->nloads, sizeof(*order), load_proc_time_order, m);
	const char *next = NULL;
	int proc = -1;
	for (unsigned k = m->nloads; k-- > 0;) {
		struct kca_load *l = &m->loads[order[k]];
		if (l->proc != proc) {
			proc = l->proc;
			next = NULL;
		}
		if (l->jax_fun)
			next = l->jax_fun;
		else if (next && !l->npy_frames && xla_image(l) && l->build_ns) {
			l->jax_fun = next;
			l->xla_autotune = 1;
		}
	}
	free(order);
}

/* A kernel's name as XLA gave it, and the one function's name for it (NULL where kernels of
 * several functions have it): for GPU time, which CUPTI gives by the kernel's own name. */
struct jax_alias {
	const char *raw, *qualified;
	UT_hash_handle hh;
};

static void jax_alias_add(struct jax_alias **aliases, const char *raw, const char *qualified)
{
	struct jax_alias *a;
	HASH_FIND_STR(*aliases, raw, a);
	if (!a) {
		a = kca_xcalloc(1, sizeof(*a));
		a->raw = raw;
		a->qualified = qualified;
		HASH_ADD_KEYPTR(hh, *aliases, a->raw, strlen(a->raw), a);
	} else if (a->qualified && strcmp(a->qualified, qualified) != 0) {
		a->qualified = NULL; /* two functions' kernels: whose time is whose, unknown */
	}
}

static struct jax_alias *qualify_jax_kernels(struct kca_model *m)
{
	struct jax_image_key *images = NULL, *e, *t;
	struct jax_alias *aliases = NULL;
	attribute_xla_autotune(m);
	for (unsigned i = 0; i < m->nloads; i++) {
		struct kca_load *l = &m->loads[i];
		/* XLA's own images (its cubins, its PTX probe), not the libraries' (cuBLAS's
		 * fatbins, loaded while it compiles) */
		if (!l->jax_fun || !l->nnames || !xla_image(l))
			continue;
		const char **names = kca_model_alloc(m, l->nnames * sizeof(*names));
		for (unsigned n = 0; n < l->nnames; n++)
			names[n] = jax_kernel_name(m, l->jax_fun, l->names[n]);
		l->names = names;
		struct jax_image_key key = {0};
		key.k.proc = l->proc;
		key.k.hash = l->hash;
		key.k.handle = l->handle;
		HASH_FIND(hh, images, &key.k, sizeof(key.k), e);
		if (!e) {
			e = kca_xcalloc(1, sizeof(*e));
			e->k = key.k;
			HASH_ADD(hh, images, k, sizeof(e->k), e);
		}
		e->fun = l->jax_fun; /* a handle used again: the later load's */
	}
	for (unsigned i = 0; images && i < m->nfuncs; i++) {
		struct kca_func *fn = &m->funcs[i];
		struct jax_image_key key = {0};
		key.k.proc = fn->proc;
		key.k.hash = fn->module_hash;
		key.k.handle = fn->module_handle;
		HASH_FIND(hh, images, &key.k, sizeof(key.k), e);
		if (e && fn->name && fn->name[0]) {
			const char *raw = fn->name;
			fn->name = jax_kernel_name(m, e->fun, fn->name);
			jax_alias_add(&aliases, raw, fn->name);
		}
	}
	HASH_ITER(hh, images, e, t)
	{
		HASH_DEL(images, e);
		free(e);
	}
	return aliases;
}

void kca_model_families(struct kca_model *m)
{
	attribute_compiles(m);
	struct jax_alias *jax_aliases = qualify_jax_kernels(m), *ja, *jt;
	struct name_ix *names = NULL;
	struct variant_key *vk = NULL;
	/* seen: (process, family, image, device) loaded; per_proc: (process, family); devices:
	 * (process, family, device) */
	struct proc_image_key *seen = NULL, *per_proc = NULL, *devices = NULL;
	struct container_key *containers = NULL;
	unsigned cap = 0;
	/* A process's one device, where its loads name only one (-2: several, -1: none): its
	 * loads of unknown device (made before kcprof could ask the driver) were on it. */
	int *only_device = kca_xmalloc((m->nprocs + 1) * sizeof(int));
	for (unsigned p = 0; p < m->nprocs; p++)
		only_device[p] = -1;
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct kca_load *l = &m->loads[i];
		int *o = &only_device[l->proc];
		if (l->device >= 0 && l->result == 0 && l->hash)
			*o = *o == -1 || *o == l->device ? l->device : -2;
	}
	/* loads of images an NVRTC compile built (directly, or through a link) */
	unsigned char *nvrtc_built = kca_xcalloc(m->nloads + 1, 1);
	for (unsigned c = 0; c < m->ncompiles; c++)
		if (m->compiles[c].tool == KC_TOOL_NVRTC && m->compiles[c].load >= 0)
			nvrtc_built[m->compiles[c].load] = 1;
	for (unsigned i = 0; i < m->nloads; i++) {
		struct kca_load *l = &m->loads[i];
		if (l->result != 0 || !l->hash)
			continue;
		/* a CUlibrary serves every context: never a device's */
		int device = l->device;
		if (device < 0 && !library_load(l) && only_device[l->proc] >= 0)
			device = only_device[l->proc];
		for (unsigned n = 0; n < l->nnames; n++) {
			unsigned fam = family_of(m, &names, l->names[n], &cap, nvrtc_built[i]);
			struct kca_family *f = &m->families[fam];
			struct container_key ck = {{l->proc, fam}, 0, 0, {0}}, *c;
			HASH_FIND(hh, containers, &ck.k, sizeof(ck.k), c);
			if (c && l->api == KC_API_LAZY) {
				/* the driver loading, at first use, a kernel of a library or fatbin
				 * this process loaded before (the CUDA runtime's lazy loading): the
				 * rest of that load, its time that load's, not an image of its own
				 */
				struct kca_variant *var = &f->variants[c->variant];
				var->load_ns += l->duration_ns;
				f->load_ns += l->duration_ns;
				f->win.load_ns += l->in_window ? l->duration_ns : 0;
				/* the library loaded before the window, its kernel there: the
				 * window's load of it */
				f->win.loads += l->in_window && !m->loads[c->load].in_window;
				if (n == 0)
					l->family_variant = c->variant;
				l->continues_load = (unsigned)c->load + 1;
				continue;
			}
			int v = variant_of(m, &vk, fam, l->hash, 1, l->kind, (int)i);
			if (l->kind == KC_IMAGE_FATBIN || library_load(l)) {
				if (!c) {
					c = kca_xmalloc(sizeof(*c));
					*c = ck;
					HASH_ADD(hh, containers, k, sizeof(c->k), c);
				}
				c->variant = v; /* lazy loads from here on are this one's */
				c->load = (int)i;
			}
			struct proc_image_key key;
			memset(&key, 0, sizeof(key)); /* the key's padding is hashed */
			key.k.proc = l->proc;
			key.k.fam = fam;
			struct kca_variant *var = &f->variants[v];
			if (!var->symbol && strcmp(f->name, l->names[n]) != 0)
				var->symbol = l->names[n];
			var->loads++;
			var->autotune_loads += l->xla_autotune;
			var->load_ns += l->duration_ns;
			var->build_ns += l->build_ns;
			if (!var->first_ns || l->time_ns < var->first_ns) {
				var->first_ns = l->time_ns;
				var->first_in_window = l->in_window;
			}
			f->loads++;
			f->load_ns += l->duration_ns;
			f->build_ns += l->build_ns;
			if (!f->first_ns || l->time_ns < f->first_ns)
				f->first_ns = l->time_ns;
			if (l->time_ns > f->last_ns)
				f->last_ns = l->time_ns;
			/* its process's loads of f (hash 0), then this image on this device */
			int added, again;
			struct proc_image_key *pe = proc_image_get(&per_proc, &key, &added);
			f->procs += added;
			if (l->device >= 0) { /* a device of its own met for the first time */
				key.k.device = l->device;
				proc_image_get(&devices, &key, &added);
				pe->devices += added;
			}
			key.k.hash = l->hash;
			key.k.device = device;
			proc_image_get(&seen, &key, &added);
			again = !added;
			pe->loads++;
			pe->reloads += again;
			pe->win_reloads += again && l->in_window;
			if (l->in_window) {
				f->win.loads++;
				f->win.reloads += again;
				f->win.load_ns += l->duration_ns;
				uint64_t rel =
				    kca_model_rel_ns(m, m->procs[l->proc].dir_index, l->time_ns);
				if (!f->win.first_ns || l->time_ns < f->win.first_ns) {
					f->win.first_ns = l->time_ns;
					f->win.first_rel_ns = rel;
				}
				if (l->time_ns > f->win.last_ns) {
					f->win.last_ns = l->time_ns;
					f->win.last_rel_ns = rel;
				}
			}
			f->reloads += again;
			if (n == 0)
				l->family_variant = v;
		}
	}
	/* each family's process that loaded an image again most: of equals, the one with the
	 * fewest loads (the most churn) */
	struct proc_image_key *pe, *pt;
	HASH_ITER(hh, per_proc, pe, pt)
	{
		struct kca_family *f = &m->families[pe->k.fam];
		if (pe->devices > f->devices)
			f->devices = pe->devices;
		if (pe->reloads > f->proc_reloads ||
		    (pe->reloads == f->proc_reloads &&
		     (!f->proc_loads || pe->loads < f->proc_loads))) {
			f->proc_reloads = pe->reloads;
			f->proc_loads = pe->loads;
			f->proc_devices = pe->devices;
		}
		if (pe->win_reloads > f->win.proc_reloads)
			f->win.proc_reloads = pe->win_reloads;
	}
	for (unsigned c = 0; c < m->ncompiles; c++) {
		const struct kca_compile *cp = &m->compiles[c];
		if (cp->load < 0)
			continue;
		const struct kca_load *l = &m->loads[cp->load];
		for (unsigned n = 0; n < l->nnames; n++) {
			struct name_ix *e = family_find(names, l->names[n]);
			if (!e)
				continue;
			struct kca_family *f = &m->families[e->ix];
			KCA_GROW(f->compiles, f->ncompiles, f->cap_compiles);
			f->compiles[f->ncompiles++] = c;
			if (cp->in_window)
				f->win.build_ns += cp->duration_ns;
			if (cp->tool == KC_TOOL_EXEC || cp->via >= 0) /* its output not loaded */
				continue;
			int v = variant_of(m, &vk, e->ix, l->hash, 0, 0, 0);
			if (v >= 0 && f->variants[v].compile < 0)
				f->variants[v].compile = (int)c;
		}
	}
	uint64_t *module_of = node_modules(m);
	for (unsigned i = 0; i < m->nfuncs; i++) {
		struct kca_func *fn = &m->funcs[i];
		if (!fn->name[0])
			continue;
		unsigned fam = family_of(m, &names, fn->name, &cap, 0);
		struct kca_family *f = &m->families[fam];
		f->launches += kca_func_runs(fn);
		f->win.launches += kca_func_win_runs(fn);
		f->graph_runs += fn->graph_runs;
		f->errors += fn->errors;
		f->attrs |= fn->attrs;
		int v = module_of[i] ? variant_of(m, &vk, fam, module_of[i], 0, 0, 0) : -1;
		if (v >= 0) {
			struct kca_variant *var = &f->variants[v];
			if (!var->symbol && strcmp(f->name, fn->name) != 0)
				var->symbol = fn->name;
			var->launches += kca_func_runs(fn);
			if (fn->grew > var->launch_windows)
				var->launch_windows = fn->grew;
			if (fn->last_ns > var->last_launch_ns)
				var->last_launch_ns = fn->last_ns;
			if (fn->graph_last_ns > var->last_launch_ns)
				var->last_launch_ns = fn->graph_last_ns;
		}
	}
	free(module_of);
	for (unsigned i = 0; i < m->ngpu; i++) { /* GPU time by kernel name, where recorded */
		const struct kca_gpu_time *g = &m->gpu[i];
		struct name_ix *e = family_find(names, g->name);
		if (!e) { /* a JAX kernel, by XLA's name, where one function has it */
			HASH_FIND_STR(jax_aliases, g->name, ja);
			e = ja && ja->qualified ? family_find(names, ja->qualified) : NULL;
		}
		if (!e || !g->count)
			continue;
		struct kca_family *f = &m->families[e->ix];
		if (!f->gpu_count || g->min_ns < f->gpu_min_ns)
			f->gpu_min_ns = g->min_ns;
		if (g->max_ns > f->gpu_max_ns)
			f->gpu_max_ns = g->max_ns;
		f->gpu_count += g->count;
		f->gpu_ns += g->total_ns;
		f->gap_count += g->gap_count;
		f->gap_ns += g->gap_ns;
		f->overlapped += g->overlapped;
		f->win.gpu_count += g->win_count;
		f->win.gpu_ns += g->win_total_ns;
		f->win.gap_count += g->win_gap_count;
		f->win.gap_ns += g->win_gap_ns;
		f->win.overlapped += g->win_overlapped;
	}
	HASH_ITER(hh, jax_aliases, ja, jt)
	{
		HASH_DEL(jax_aliases, ja);
		free(ja);
	}
	for (unsigned i = 0; i < m->nfamilies; i++) {
		struct kca_family *f = &m->families[i];
		for (unsigned v = 0; v < f->nvariants; v++)
			f->win.new_variants += f->variants[v].first_in_window;
		classify(m, f);
	}
	/* Free the indexes before sorting moves the families they point into. */
	struct name_ix *ne, *nt;
	HASH_ITER(hh, names, ne, nt)
	{
		HASH_DEL(names, ne);
		free(ne);
	}
	struct variant_key *ve, *vt;
	HASH_ITER(hh, vk, ve, vt)
	{
		HASH_DEL(vk, ve);
		free(ve);
	}
	struct proc_image_key *se, *st;
	HASH_ITER(hh, seen, se, st)
	{
		HASH_DEL(seen, se);
		free(se);
	}
	HASH_ITER(hh, per_proc, se, st)
	{
		HASH_DEL(per_proc, se);
		free(se);
	}
	HASH_ITER(hh, devices, se, st)
	{
		HASH_DEL(devices, se);
		free(se);
	}
	struct container_key *ce, *ct;
	HASH_ITER(hh, containers, ce, ct)
	{
		HASH_DEL(containers, ce);
		free(ce);
	}
	free(only_device);
	free(nvrtc_built);
	if (m->nfamilies)
		qsort(m->families, m->nfamilies, sizeof(*m->families),
		      m->windowed ? cmp_family_window : cmp_family);
	set_module_mates(m);
}

/* A load that succeeded with no kernel named (an image the recorder could not read, not
 * stored in the trace, and no function taken from it): its time goes to no kernel. */
static void count_unnamed(const struct kca_load *l, struct kca_totals *t)
{
	t->failed_loads += l->result != 0;
	if (l->nnames == 0 && l->result == 0 && !l->no_kernels) {
		t->unnamed++;
		t->unnamed_load += l->duration_ns;
	}
}

void kca_model_window_totals(const struct kca_model *m, struct kca_totals *t)
{
	kca_model_totals(m, t);
	if (!m->windowed)
		return;
	t->build = t->load = t->launches = t->graph_runs = t->captured = t->graph_launches = 0;
	t->churn = t->ncompiles = t->nloads = t->ptx_loads = t->unnamed = t->failed_loads = 0;
	t->unnamed_load = t->unnamed_launches = t->launch_errors = 0;
	for (unsigned i = 0; i < m->ncompiles; i++)
		if (m->compiles[i].in_window) {
			t->build += m->compiles[i].duration_ns;
			t->ncompiles++;
		}
	for (unsigned i = 0; i < m->nloads; i++)
		if (m->loads[i].in_window) {
			t->load += m->loads[i].duration_ns;
			t->nloads++;
			t->ptx_loads += m->loads[i].kind == KC_IMAGE_PTX;
			count_unnamed(&m->loads[i], t);
		}
	for (unsigned i = 0; i < m->nfuncs; i++) {
		const struct kca_func *f = &m->funcs[i];
		if (!f->name[0]) { /* no kernel's (errors are counted for the whole run only) */
			uint64_t runs = kca_func_win_runs(f);
			t->unnamed_launches += runs > f->errors ? runs - f->errors : 0;
			continue;
		}
		t->launches += kca_func_win_runs(f);
		t->graph_runs += f->win_graph_runs;
		t->captured += f->win_captured < f->win_count ? f->win_captured : f->win_count;
	}
	for (unsigned i = 0; i < m->nprocs; i++)
		t->graph_launches += m->procs[i].win_graph_launches;
	for (unsigned i = 0; i < m->nfamilies; i++) /* churn that went on within the window */
		t->churn += m->families[i].churn && m->families[i].win.loads;
	t->gpu_ns = t->gpu_runs = t->gap_runs = t->gap_ns = t->overlapped = 0;
	for (unsigned i = 0; i < m->ngpu; i++) {
		t->gpu_ns += m->gpu[i].win_total_ns;
		t->gpu_runs += m->gpu[i].win_count;
		t->gap_runs += m->gpu[i].win_gap_count;
		t->gap_ns += m->gpu[i].win_gap_ns;
		t->overlapped += m->gpu[i].win_overlapped;
	}
}

void kca_model_totals(const struct kca_model *m, struct kca_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->ncompiles = m->ncompiles;
	t->nloads = m->nloads;
	for (unsigned i = 0; i < m->ncompiles; i++)
		t->build += m->compiles[i].duration_ns;
	for (unsigned i = 0; i < m->nloads; i++) {
		t->load += m->loads[i].duration_ns;
		t->ptx_loads += m->loads[i].kind == KC_IMAGE_PTX;
		count_unnamed(&m->loads[i], t);
	}
	for (unsigned i = 0; i < m->nfuncs; i++) {
		const struct kca_func *f = &m->funcs[i];
		if (!f->name[0]) { /* the kernels' launches only; these said apart */
			uint64_t runs = kca_func_runs(f);
			t->launch_errors += f->errors; /* a NULL function's: no kernel's */
			t->unnamed_launches += runs > f->errors ? runs - f->errors : 0;
			continue;
		}
		t->launches += kca_func_runs(&m->funcs[i]);
		t->graph_runs += m->funcs[i].graph_runs;
		t->captured += kca_func_captured(&m->funcs[i]);
	}
	for (unsigned i = 0; i < m->nprocs; i++) {
		t->graphs += m->procs[i].graphs;
		t->graphs_unseen += m->procs[i].graphs_unseen;
		t->graphs_incomplete += m->procs[i].graphs_incomplete;
		t->captures += m->procs[i].captures;
		t->captures_applied += m->procs[i].captures_applied;
		t->graph_launches += m->procs[i].graph_launches;
	}
	for (unsigned i = 0; i < m->nfamilies; i++)
		t->churn += m->families[i].churn;
	for (unsigned i = 0; i < m->ngpu; i++) {
		t->gpu_ns += m->gpu[i].total_ns;
		t->gpu_runs += m->gpu[i].count;
		t->gap_runs += m->gpu[i].gap_count;
		t->gap_ns += m->gpu[i].gap_ns;
		t->overlapped += m->gpu[i].overlapped;
	}
}

static int cmp_site_count(const void *a, const void *b)
{
	const struct kca_call_site *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	int c = strcmp(x->where, y->where); /* ties in a fixed order */
	return c ? c : strcmp(x->func, y->func);
}

/* Call sites being counted: by "where\tfunction". */
struct site_entry {
	struct kca_call_site site;
	UT_hash_handle hh;
	char key[];
};
struct site_table {
	struct site_entry *by_key;
	unsigned n;
};

/* A site counted once more. */
static void site_add(struct site_table *t, const struct kca_call_site *s)
{
	size_t len = strlen(s->where) + strlen(s->func) + 2;
	char *key = kca_xmalloc(len);
	snprintf(key, len, "%s\t%s", s->where, s->func);
	struct site_entry *e;
	HASH_FIND_STR(t->by_key, key, e);
	if (!e) {
		e = kca_xcalloc(1, sizeof(*e) + len);
		memcpy(e->key, key, len);
		e->site = *s;
		e->site.count = 0;
		HASH_ADD_STR(t->by_key, key, e);
		t->n++;
	}
	free(key);
	e->site.count++;
}

/* The busiest cap of the table's sites into out, most first; the table emptied; returns how
 * many there were. */
static unsigned sites_out(struct site_table *t, struct kca_call_site *out, unsigned cap)
{
	unsigned n = 0;
	struct kca_call_site *all = kca_xmalloc((t->n + 1) * sizeof(*all));
	struct site_entry *e, *tmp;
	HASH_ITER(hh, t->by_key, e, tmp)
	{
		all[n++] = e->site;
		HASH_DEL(t->by_key, e);
		free(e);
	}
	if (n)
		qsort(all, n, sizeof(*all), cmp_site_count);
	for (unsigned i = 0; i < n && i < cap; i++)
		out[i] = all[i];
	free(all);
	t->n = 0;
	return n;
}

/* Whether load l names a kernel of family f. */
static int load_names(const struct kca_load *l, const struct kca_family *f)
{
	for (unsigned k = 0; k < l->nnames; k++)
		if (kca_family_named_by(f, l->names[k]))
			return 1;
	return 0;
}

unsigned kca_family_call_sites(struct kca_model *m, const struct kca_family *f,
			       struct kca_call_site *out, unsigned cap)
{
	struct site_table st = {0};
	for (unsigned i = 0; i < m->nloads; i++) {
		const struct kca_load *l = &m->loads[i];
		/* the loads the family counts: made, of a known image, in the window, not the
		 * rest of one of its loads there (a library's lazy module) */
		if ((!l->npy_frames && !l->nnative_frames) || !l->in_window || l->result != 0 ||
		    !l->hash || !load_names(l, f))
			continue;
		const struct kca_load *c =
		    l->continues_load ? &m->loads[l->continues_load - 1] : NULL;
		if (c && c->in_window && load_names(c, f))
			continue;
		struct kca_call_site s = {0};
		kca_load_call_site(m, l, s.where, sizeof(s.where), s.func, sizeof(s.func));
		site_add(&st, &s);
	}
	return sites_out(&st, out, cap);
}

unsigned kca_family_compile_sites(struct kca_model *m, const struct kca_family *f,
				  struct kca_call_site *out, unsigned cap)
{
	struct site_table st = {0};
	for (unsigned i = 0; i < f->ncompiles; i++) {
		const struct kca_compile *o = &m->compiles[f->compiles[i]];
		if ((!o->npy_frames && !o->nnative_frames) || !o->in_window)
			continue;
		struct kca_call_site s = {0};
		kca_compile_call_site(m, o, s.where, sizeof(s.where), s.func, sizeof(s.func));
		site_add(&st, &s);
	}
	return sites_out(&st, out, cap);
}

/* ---- compiles whose output no load took -------------------------------------------------- */

static int cmp_group_ns(const void *a, const void *b)
{
	const struct kca_compile_group *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->tool > y->tool) - (x->tool < y->tool);
}

/* The value of "-DNAME=" in a compile's options, or NULL. */
static const char *define_value(const struct kca_compile *o, const char *name, size_t len)
{
	for (unsigned i = 0; i < o->noptions; i++)
		if (strncmp(o->options[i], "-D", 2) == 0 &&
		    strncmp(o->options[i] + 2, name, len) == 0 && o->options[i][2 + len] == '=')
			return o->options[i] + 3 + len;
	return NULL;
}

/* The first -D of the group's first compile whose value differs between its compiles
 * (compiles[0..n)): "MAX_LEN (-D option): 3 values, 500..502" into g->changed. */
static void unloaded_define(struct kca_model *m, struct kca_compile_group *g,
			    const unsigned *compiles, unsigned n)
{
	const struct kca_compile *first = &m->compiles[compiles[0]];
	struct kca_change ch;
	memset(&ch, 0, sizeof(ch));
	ch.kind = KCA_CHANGE_DEFINE;
	ch.values = kca_xcalloc(n, sizeof(char *));
	ch.nvalues = n;
	for (unsigned k = 0; k < first->noptions && !g->changed[0]; k++) {
		const char *o = first->options[k], *eq = strchr(o, '=');
		if (strncmp(o, "-D", 2) != 0 || !eq)
			continue;
		size_t len = (size_t)(eq - o - 2);
		unsigned differ = 0;
		for (unsigned i = 0; i < n; i++) {
			const char *v = define_value(&m->compiles[compiles[i]], o + 2, len);
			ch.values[i] = (char *)v;
			differ |= !v || strcmp(v, eq + 1) != 0;
		}
		if (differ) {
			char sum[160];
			kca_values_summary(&ch, sum, sizeof(sum));
			snprintf(g->changed, sizeof(g->changed), "%.*s (-D option): %s", (int)len,
				 o + 2, sum);
		}
	}
	free(ch.values);
}

/* A group of unloaded compiles while they are collected: by tool and name. */
struct group_key {
	unsigned index; /* in the groups' array */
	unsigned *compiles, n, cap;
	UT_hash_handle hh; /* key: "<tool>\t<name>" */
	char key[];
};

unsigned kca_unloaded_compiles(struct kca_model *m, struct kca_compile_group **out)
{
	struct kca_compile_group *g = NULL;
	struct group_key *keys = NULL, *k, *tmp;
	unsigned n = 0, cap = 0;
	for (unsigned i = 0; i < m->ncompiles; i++) {
		const struct kca_compile *o = &m->compiles[i];
		if (o->load >= 0 || o->tool == KC_TOOL_EXEC || !o->in_window)
			continue;
		size_t len = strlen(o->name) + 16;
		char *name = kca_xmalloc(len);
		snprintf(name, len, "%u\t%s", o->tool, o->name);
		HASH_FIND_STR(keys, name, k);
		if (!k) {
			k = kca_xcalloc(1, sizeof(*k) + strlen(name) + 1);
			strcpy(k->key, name);
			k->index = n;
			HASH_ADD_STR(keys, key, k);
			KCA_GROW(g, n, cap);
			memset(&g[n], 0, sizeof(g[n]));
			g[n].tool = o->tool;
			g[n].name = o->name;
			n++;
		}
		free(name);
		KCA_GROW(k->compiles, k->n, k->cap);
		k->compiles[k->n++] = i;
		struct kca_compile_group *x = &g[k->index];
		x->count++;
		x->failed += o->result != 0;
		x->ns += o->duration_ns;
	}
	/* where each group was asked for: its busiest call site; a -D that changed */
	HASH_ITER(hh, keys, k, tmp)
	{
		struct kca_compile_group *x = &g[k->index];
		struct site_table st = {0};
		for (unsigned i = 0; i < k->n; i++) {
			const struct kca_compile *o = &m->compiles[k->compiles[i]];
			if (!o->npy_frames && !o->nnative_frames)
				continue;
			struct kca_call_site s = {0};
			kca_compile_call_site(m, o, s.where, sizeof(s.where), s.func,
					      sizeof(s.func));
			site_add(&st, &s);
		}
		x->nsites = sites_out(&st, &x->site, 1);
		unloaded_define(m, x, k->compiles, k->n);
		HASH_DEL(keys, k);
		free(k->compiles);
		free(k);
	}
	if (n)
		qsort(g, n, sizeof(*g), cmp_group_ns);
	*out = g;
	return n;
}
