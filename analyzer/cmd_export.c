/* cmd_export.c - kcprof export: Chrome trace-event JSON (Perfetto, chrome://tracing): builds,
 * loads and compiler children as slices on per-process/per-thread tracks, launch counts and
 * GPU time (--gpu-time) as counters, and each launch when recorded with --launches=full. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "kca.h"
#include "model.h"

static const char usage[] =
    "usage: kcprof export [DIR] --chrome FILE\n"
    "\n"
    "Writes the traces of DIR (default ./kcprof.data) as Chrome trace-event JSON, which\n"
    "Perfetto (ui.perfetto.dev) and chrome://tracing open: module loads and compiles as\n"
    "slices on their process and thread, compiler children as processes of their own, CUDA\n"
    "graphs made as slices, launch counts per kernel as counters (its runs, as 'kcprof\n"
    "report' counts them: the host's launches less those into stream captures, and its runs\n"
    "in CUDA graph launches; a capture's launches come off at the flush that counted them),\n"
    "and single launches where the trace has them. Traces recorded with --gpu-time add each\n"
    "kernel's GPU time so far as a counter ('GPU ms NAME'). Times count from the recording's\n"
    "start, as the report's --since and --until do. C++ kernels are named as the report's\n"
    "headings name them (demangled, template arguments as <…>), or by their symbols where\n"
    "two of the traces read alike.\n"
    "\n"
    "Exit status: 0; 1 when no trace could be read (FILE, if there before, left as it was);\n"
    "2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof export kcprof.data --chrome trace.json\n";

struct export_ctx {
	struct kca_json *j;
	const struct kca_model *m;
	int proc; /* this file's process in the model */
	uint64_t t0;
	uint32_t pid;
	char **names; /* func id -> its symbol, this file */
	uint32_t nnames;
	uint64_t *counts;		  /* func id -> its last launch count, this file */
	struct name_series *series;	  /* kernel name -> its counter's steps, this file */
	struct graph_funcs *graphs;	  /* graph id -> its kernels, this file */
	struct kca_kernel_names *kernels; /* symbol -> the name shown, all files */
	/* the last LOAD_CONTEXT read, for its thread's next load of the same handle */
	struct kc_rec_load_context context;
};

/* An executable graph's kernels (from its GRAPH record) and its launches so far. */
struct graph_funcs {
	uint64_t key; /* the graph id */
	uint32_t nfuncs;
	struct kc_graph_func *funcs;
	uint64_t count;
	UT_hash_handle hh;
};

/* A change of a kernel name's runs: launches counted by a flush, runs of graph launches, or
 * launches into a capture that the model took off (capture set). */
struct counter_step {
	uint64_t time_ns;
	int64_t delta;
	int capture;
};

/* A kernel name's launch counter: its steps, written once the file is read, when what the
 * report takes off for captures is known. */
struct name_series {
	char *name; /* the kernel's symbol */
	struct counter_step *steps;
	unsigned n, cap;
	UT_hash_handle hh;
};

/* key's entry of table (made if new) given x's kernels. */
static void graph_funcs_set(struct graph_funcs **table, uint64_t key, const struct kc_rec_graph *x)
{
	struct graph_funcs *g;
	HASH_FIND(hh, *table, &key, sizeof(key), g);
	if (!g) {
		g = kca_xcalloc(1, sizeof(*g));
		g->key = key;
		HASH_ADD(hh, *table, key, sizeof(g->key), g);
	}
	free(g->funcs);
	g->nfuncs = x->nfuncs;
	g->funcs = kca_xmalloc((x->nfuncs + 1) * sizeof(*g->funcs));
	memcpy(g->funcs, x->funcs, x->nfuncs * sizeof(*g->funcs));
}

/* g taken out of table and freed. */
static void graph_funcs_free(struct graph_funcs **table, struct graph_funcs *g)
{
	HASH_DEL(*table, g);
	free(g->funcs);
	free(g);
}

static void series_add(struct export_ctx *c, const char *n, uint64_t t, int64_t delta, int capture)
{
	struct name_series *ns;
	HASH_FIND_STR(c->series, n, ns);
	if (!ns) {
		ns = kca_xcalloc(1, sizeof(*ns));
		ns->name = kca_xstrdup(n);
		HASH_ADD_KEYPTR(hh, c->series, ns->name, strlen(ns->name), ns);
	}
	KCA_GROW(ns->steps, ns->n, ns->cap);
	ns->steps[ns->n++] = (struct counter_step){t, delta, capture};
}

/* Room for function id `id` in the per-id tables; -1 for an id too large to be real. */
static int ensure_id(struct export_ctx *c, uint32_t id)
{
	if (id >= (1u << 24))
		return -1;
	if (id >= c->nnames) {
		uint32_t n = id + 64;
		c->names = kca_xrealloc(c->names, n * sizeof(char *));
		memset(c->names + c->nnames, 0, (n - c->nnames) * sizeof(char *));
		c->counts = kca_xrealloc(c->counts, n * sizeof(uint64_t));
		memset(c->counts + c->nnames, 0, (n - c->nnames) * sizeof(uint64_t));
		c->nnames = n;
	}
	return 0;
}

/* The name a FUNCTION record gave this id, or "?". */
static const char *func_name(const struct export_ctx *c, uint32_t id)
{
	return id < c->nnames && c->names[id] ? c->names[id] : "?";
}

static double us(uint64_t ns, uint64_t t0)
{
	return ns >= t0 ? (double)(ns - t0) / 1e3 : 0.0;
}

static void slice(struct kca_json *j, const char *name, const char *cat, uint32_t pid, uint32_t tid,
		  double ts, double dur)
{
	kca_json_obj(j, NULL);
	kca_json_str(j, "name", name);
	kca_json_str(j, "cat", cat);
	kca_json_str(j, "ph", "X");
	kca_json_u64(j, "pid", pid);
	kca_json_u64(j, "tid", tid);
	kca_json_dbl(j, "ts", ts);
	kca_json_dbl(j, "dur", dur);
}

/* A counter sample: the track `name` of the process takes `value` at ts. */
/* prefix + name, whole (a viewer keys counters by name: two names cut alike would be one
 * track), on the heap */
static char *name_with(const char *prefix, const char *name)
{
	size_t np = strlen(prefix), nn = strlen(name);
	char *full = kca_xmalloc(np + nn + 1);
	memcpy(full, prefix, np);
	memcpy(full + np, name, nn + 1);
	return full;
}

/* A counter's value on the track named prefix + name. */
static void counter(struct kca_json *j, const char *prefix, const char *name, uint32_t pid,
		    double ts, const char *key, double value)
{
	char *full = name_with(prefix, name);
	kca_json_obj(j, NULL);
	kca_json_str(j, "name", full);
	kca_json_str(j, "ph", "C");
	kca_json_u64(j, "pid", pid);
	kca_json_dbl(j, "ts", ts);
	kca_json_obj(j, "args");
	kca_json_dbl(j, key, value);
	kca_json_end_obj(j);
	kca_json_end_obj(j);
	free(full);
}

static int on_record(struct kc_trace *t, const struct kc_rec_hdr *r, void *vctx)
{
	(void)t;
	struct export_ctx *c = vctx;
	struct kca_json *j = c->j;
	char buf[512];
	switch (r->type) {
	case KC_REC_PROCESS: {
		const struct kc_rec_process *p = (const void *)r;
		const char *argv0 = kc_rec_list_next(r, p->argv, NULL);
		snprintf(buf, sizeof(buf), "%s (pid %u)", argv0 ? argv0 : kc_rec_str(r, p->exe),
			 p->pid);
		kca_json_obj(j, NULL);
		kca_json_str(j, "name", "process_name");
		kca_json_str(j, "ph", "M");
		kca_json_u64(j, "pid", c->pid);
		kca_json_obj(j, "args");
		kca_json_str(j, "name", buf);
		kca_json_end_obj(j);
		kca_json_end_obj(j);
		break;
	}
	case KC_REC_MODULE_LOAD: {
		const struct kc_rec_module_load *x = (const void *)r;
		const char *first = kc_rec_list_next(r, x->names, NULL);
		char *title = name_with("load ", first ? kca_kernel_name(c->kernels, first)
						       : kc_image_kind_name(x->kind));
		slice(j, title, "load", c->pid, r->tid, us(r->time_ns - x->duration_ns, c->t0),
		      (double)x->duration_ns / 1e3);
		free(title);
		kca_json_obj(j, "args");
		kca_json_str(j, "api", kc_api_name(x->api));
		kca_json_str(j, "kind", kc_image_kind_name(x->kind));
		kca_json_hash(j, "hash", x->hash);
		kca_json_u64(j, "size", x->size);
		kca_json_u64(j, "kernels", x->names.count);
		if (kca_load_context_is(&c->context, r))
			kca_json_i64(j, "device", c->context.device);
		c->context.h.type = 0;
		kca_json_end_obj(j);
		kca_json_end_obj(j);
		break;
	}
	case KC_REC_LOAD_CONTEXT:
		memcpy(&c->context, r, sizeof(c->context));
		break;
	case KC_REC_COMPILE: {
		const struct kc_rec_compile *x = (const void *)r;
		const char *n = kc_rec_str(r, x->name);
		const char *base = strrchr(n, '/');
		snprintf(buf, sizeof(buf), "%s %s", kc_tool_name(x->tool), base ? base + 1 : n);
		slice(j, buf, "compile", c->pid, r->tid, us(r->time_ns - x->duration_ns, c->t0),
		      (double)x->duration_ns / 1e3);
		kca_json_obj(j, "args");
		size_t k = 0;
		buf[0] = '\0';
		for (const char *o = kc_rec_list_next(r, x->options, NULL); o && k < sizeof(buf);
		     o = kc_rec_list_next(r, x->options, o))
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", k ? " " : "", o);
		kca_json_str(j, "options", buf);
		kca_json_i64(j, "result", x->result);
		kca_json_end_obj(j);
		kca_json_end_obj(j);
		break;
	}
	case KC_REC_FUNCTION: {
		const struct kc_rec_function *x = (const void *)r;
		if (ensure_id(c, x->id) == 0) {
			free(c->names[x->id]);
			c->names[x->id] = kca_xstrdup(kc_rec_str(r, x->name));
			c->counts[x->id] = 0; /* the id taken again: a function counted from 0 */
		}
		break;
	}
	case KC_REC_LAUNCH_STATS: {
		/* Each id's count is cumulative; ids of one name (a kernel loaded again) add up. */
		const struct kc_rec_launch_stats *x = (const void *)r;
		if (ensure_id(c, x->func_id) == 0) {
			uint64_t *prev = &c->counts[x->func_id];
			series_add(c, func_name(c, x->func_id), r->time_ns,
				   x->count > *prev ? (int64_t)(x->count - *prev) : 0, 0);
			*prev = x->count;
		}
		break;
	}
	case KC_REC_GRAPH: {
		const struct kc_rec_graph *x = (const void *)r;
		snprintf(buf, sizeof(buf), "graph %s", kc_graph_kind_name(x->kind));
		slice(j, buf, "graph", c->pid, r->tid, us(r->time_ns - x->duration_ns, c->t0),
		      (double)x->duration_ns / 1e3);
		kca_json_obj(j, "args");
		kca_json_u64(j, "id", x->id);
		kca_json_u64(j, "nodes", x->nodes);
		kca_json_u64(j, "kernels", x->nfuncs);
		kca_json_end_obj(j);
		kca_json_end_obj(j);
		/* a capture's launches: taken off where the model took them off, once read */
		if (x->id && x->kind != KC_GRAPH_CAPTURE)
			graph_funcs_set(&c->graphs, x->id, x);
		break;
	}
	case KC_REC_GRAPH_LAUNCH_STATS: {
		/* a graph's launches since its last record run each of its kernels once a node */
		const struct kc_rec_graph_launch_stats *x = (const void *)r;
		struct graph_funcs *g;
		uint64_t key = x->graph_id;
		HASH_FIND(hh, c->graphs, &key, sizeof(key), g);
		if (!g || x->count <= g->count)
			break;
		uint64_t delta = x->count - g->count;
		g->count = x->count;
		for (uint32_t i = 0; i < g->nfuncs; i++)
			series_add(c, func_name(c, g->funcs[i].func_id), r->time_ns,
				   (int64_t)(delta * g->funcs[i].count), 0);
		break;
	}
	case KC_REC_GPU_TIME: {
		/* cumulative per kernel name at each flush: a counter of GPU time spent so far */
		const struct kc_rec_gpu_time *x = (const void *)r;
		counter(j, "GPU ms ", kca_kernel_name(c->kernels, kc_rec_str(r, x->name)), c->pid,
			us(r->time_ns, c->t0), "ms", (double)x->total_ns / 1e6);
		break;
	}
	case KC_REC_LAUNCH: {
		const struct kc_rec_launch *x = (const void *)r;
		const char *n = func_name(c, x->func_id);
		kca_json_obj(j, NULL);
		kca_json_str(j, "name", strcmp(n, "?") ? kca_kernel_name(c->kernels, n) : n);
		kca_json_str(j, "cat", "launch");
		kca_json_str(j, "ph", "i");
		kca_json_str(j, "s", "t");
		kca_json_u64(j, "pid", c->pid);
		kca_json_u64(j, "tid", r->tid);
		kca_json_dbl(j, "ts", us(r->time_ns, c->t0));
		kca_json_end_obj(j);
		break;
	}
	case KC_REC_CUPTI: {
		const struct kc_rec_cupti *x = (const void *)r;
		snprintf(buf, sizeof(buf), "CUPTI %s", kc_cupti_event_name(x->event));
		kca_json_obj(j, NULL);
		kca_json_str(j, "name", buf);
		kca_json_str(j, "ph", "i");
		kca_json_str(j, "s", "p");
		kca_json_u64(j, "pid", c->pid);
		kca_json_u64(j, "tid", r->tid);
		kca_json_dbl(j, "ts", us(r->time_ns, c->t0));
		kca_json_end_obj(j);
		break;
	}
	}
	return 0;
}

static int step_order(const void *a, const void *b)
{
	const struct counter_step *x = a, *y = b;
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return y->capture - x->capture; /* a capture before a flush of its time: counted by it */
}

/* A kernel name's launch counter, once the file is read: its runs as the report counts them
 * at each flush. A capture the model took off comes off at the first flush from its time on
 * (the one that counted its launches, as the report's windows take it); launches counted by
 * a flush during the capture were not runs either, so a value later found higher than what
 * follows it is lowered to that (the counter never dips). */
static void write_series(struct export_ctx *c, struct name_series *ns)
{
	qsort(ns->steps, ns->n, sizeof(*ns->steps), step_order);
	/* the value after each time's steps, in place: steps[k].delta */
	unsigned n = 0;
	int64_t value = 0;
	int capture_last = 0;
	for (unsigned k = 0; k < ns->n; k++) {
		const struct counter_step s = ns->steps[k];
		value += s.delta;
		capture_last = s.capture;
		if (s.capture) /* no value of its own: its launches are counted later */
			continue;
		if (n && ns->steps[n - 1].time_ns == s.time_ns)
			n--;
		ns->steps[n++] = (struct counter_step){s.time_ns, value, 0};
	}
	if (capture_last) /* no flush after it (a killed process): its own time */
		ns->steps[n++] = (struct counter_step){ns->steps[ns->n - 1].time_ns, value, 1};
	for (unsigned k = n - (n > 0); k-- > 0;)
		if (ns->steps[k].delta > ns->steps[k + 1].delta)
			ns->steps[k].delta = ns->steps[k + 1].delta;
	const char *name = kca_kernel_name(c->kernels, ns->name);
	for (unsigned k = 0; k < n; k++)
		counter(c->j, "launches ", name, c->pid, us(ns->steps[k].time_ns, c->t0), "count",
			(double)(ns->steps[k].delta > 0 ? ns->steps[k].delta : 0));
}

/* Each kernel's counter (launches on a handle no load named, or no FUNCTION record named,
 * are no kernel's, as in the report), the model's captures of the process among its steps. */
static void write_counters(struct export_ctx *c)
{
	for (unsigned i = 0; c->proc >= 0 && i < c->m->ncaptures; i++) {
		const struct kca_capture *k = &c->m->captures[i];
		for (unsigned f = 0; k->proc == c->proc && f < k->n; f++)
			series_add(c, c->m->funcs[k->funcs[f]].name, k->time_ns,
				   -(int64_t)k->nodes[f], 1);
	}
	struct name_series *ns, *tmp;
	HASH_ITER(hh, c->series, ns, tmp)
	{
		HASH_DEL(c->series, ns);
		if (ns->name[0] && strcmp(ns->name, "?") != 0)
			write_series(c, ns);
		free(ns->name);
		free(ns->steps);
		free(ns);
	}
}

KCA_COMMAND(export)
{
	static const struct option longopts[] = {{"chrome", required_argument, NULL, 'c'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *outpath = NULL;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			outpath = optarg;
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	if (!outpath || argc - optind > 1) {
		fprintf(stderr, "kcprof export: %s\n",
			!outpath ? "--chrome FILE is needed (- for stdout)" : "one DIR at a time");
		return kca_usage(usage, 2);
	}
	const char *dir = optind < argc ? argv[optind] : "kcprof.data";
	struct kca_trace_list l;
	if (kca_trace_list(dir, &l) < 0)
		return 1;
	/* The model first: what the report takes off for captures, the recording's start (one
	 * clock for all processes, as the report's --since and --until), and whether any trace
	 * holds a record, before FILE is opened (and emptied): a FILE there is left alone where
	 * there is nothing to export. FILE itself is opened as given (a link, /dev/stdout, a
	 * pipe). */
	struct kca_model m;
	char *dirs[] = {(char *)dir};
	if (kca_model_load(&m, dirs, 1) <= 0) {
		fprintf(stderr, "kcprof export: no readable trace in %s\n", dir);
		kca_model_free(&m);
		kca_trace_list_free(&l);
		return 1;
	}
	FILE *f = strcmp(outpath, "-") == 0 ? stdout : fopen(outpath, "w");
	if (!f) {
		fprintf(stderr, "kcprof export: %s: %s\n", outpath, strerror(errno));
		kca_model_free(&m);
		kca_trace_list_free(&l);
		return 1;
	}
	struct kca_json j;
	kca_json_init(&j, f, 0);
	kca_json_obj(&j, NULL);
	kca_json_str(&j, "displayTimeUnit", "ms");
	kca_json_arr(&j, "traceEvents");
	/* C++ kernels by their names, as the report's headings give them (by their symbols where
	 * two would read alike: counters are per name) */
	struct kca_kernel_names *kernels = kca_kernel_names_new();
	for (unsigned i = 0; i < m.nfuncs; i++)
		kca_kernel_names_add(kernels, m.funcs[i].name);
	for (unsigned i = 0; i < m.nloads; i++)
		for (unsigned k = 0; k < m.loads[i].nnames; k++)
			kca_kernel_names_add(kernels, m.loads[i].names[k]);
	for (unsigned i = 0; i < m.ngpu; i++)
		kca_kernel_names_add(kernels, m.gpu[i].name);
	int log_level = kc_log_level;
	kc_log_level = KC_LOG_ERROR; /* the model's reading said what was wrong with the files */
	for (int i = 0; i < l.count; i++) {
		struct kc_file_hdr hdr;
		struct kc_trace t;
		if (kc_trace_open(&t, l.paths[i]) < 0) {
			kc_trace_close(&t);
			continue;
		}
		hdr = t.hdr;
		kc_trace_close(&t);
		struct export_ctx c = {.j = &j,
				       .m = &m,
				       .proc = -1,
				       .t0 = m.origin_ns[0],
				       .pid = hdr.pid,
				       .kernels = kernels};
		for (unsigned p = 0; p < m.nprocs && c.proc < 0; p++)
			if (strcmp(m.procs[p].file, l.paths[i]) == 0)
				c.proc = (int)p;
		kca_trace_each(l.paths[i], on_record, &c, NULL);
		write_counters(&c);
		for (uint32_t k = 0; k < c.nnames; k++)
			free(c.names[k]);
		free(c.names);
		free(c.counts);
		struct graph_funcs *g, *gtmp;
		HASH_ITER(hh, c.graphs, g, gtmp)
		{
			graph_funcs_free(&c.graphs, g);
		}
	}
	kc_log_level = log_level;
	kca_kernel_names_free(kernels);
	kca_model_free(&m);
	kca_json_end_arr(&j);
	kca_json_end_obj(&j);
	fputc('\n', f);
	int rc = ferror(f) ? 1 : 0;
	if (f != stdout && fclose(f) != 0)
		rc = 1;
	if (rc)
		fprintf(stderr, "kcprof export: %s: not written whole\n", outpath);
	kca_trace_list_free(&l);
	return rc;
}
