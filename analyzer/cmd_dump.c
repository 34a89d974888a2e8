/* cmd_dump.c - kcprof dump: every recorded event, one per line. With --json, JSON lines
 * whose fields docs/trace-format.md names: the contract the report builds on. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kca.h"

static const char usage[] =
    "usage: kcprof dump [DIR|FILE] [--json]\n"
    "\n"
    "Prints every event of every trace in DIR (default ./kcprof.data), one per line,\n"
    "in record order per process. Problems in a trace (cut short, corrupted bytes) are\n"
    "reported on stderr with the file and offset; the readable records are still printed.\n"
    "t_ms is the time from the start of that process's trace file (0 for a record stamped\n"
    "before it); report's +times count from the recording's start, its first process's or\n"
    "an earlier compiler child's. With --json, time_ns is the monotonic clock, the same in\n"
    "every file.\n"
    "\n"
    "Options:\n"
    "  --json     JSON lines; fields are documented in docs/trace-format.md\n"
    "  -h, --help this text\n"
    "\n"
    "Exit status: 0; 1 when no trace could be read; 2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof dump\n"
    "  kcprof dump --json kcprof.data | jq 'select(.type==\"module_load\") | .names'\n";

struct dump_ctx {
	int json;
	uint32_t pid;
	uint64_t t0;
	/* function id -> name, for launch records */
	char **names;
	uint32_t nnames;
	uint64_t records; /* read, all files */
};

static const char *func_name(struct dump_ctx *c, uint32_t id)
{
	return id < c->nnames && c->names[id] ? c->names[id] : NULL;
}

static void list(struct kca_json *j, const char *key, const struct kc_rec_hdr *r,
		 struct kc_strlist l)
{
	kca_json_arr(j, key);
	for (const char *s = kc_rec_list_next(r, l, NULL); s; s = kc_rec_list_next(r, l, s))
		kca_json_str(j, NULL, s);
	kca_json_end_arr(j);
}

static void paths(struct kca_json *j, unsigned mask)
{
	kca_json_arr(j, "paths");
	for (unsigned b = 0; b < kc_path_count(); b++)
		if (mask & (1u << b))
			kca_json_str(j, NULL, kc_path_name(b));
	kca_json_end_arr(j);
}

static void attrs(struct kca_json *j, uint64_t mask)
{
	kca_json_arr(j, "attrs");
	for (unsigned b = 0; b < 64; b++) {
		if (!(mask & (1ull << b)))
			continue;
		const char *n = kc_launch_attr_name(b);
		char buf[16];
		if (!n) {
			snprintf(buf, sizeof(buf), "attr%u", b);
			n = buf;
		}
		kca_json_str(j, NULL, n);
	}
	kca_json_end_arr(j);
}

static void u32s(struct kca_json *j, const char *key, const uint32_t *v, int n)
{
	kca_json_arr(j, key);
	for (int i = 0; i < n; i++)
		kca_json_u64(j, NULL, v[i]);
	kca_json_end_arr(j);
}

static int dump_record(struct kc_trace *t, const struct kc_rec_hdr *r, void *ctx)
{
	struct dump_ctx *c = ctx;
	struct kca_json j;
	c->records++;
	if (c->json)
		kca_json_init(&j, stdout, 0);
	else
		kca_json_init_text(&j, stdout);
	kca_json_obj(&j, NULL);
	kca_json_str(&j, "type", kc_rec_type_name(r->type));
	kca_json_u64(&j, "pid", c->pid);
	kca_json_u64(&j, "tid", r->tid);
	if (c->json)
		kca_json_u64(&j, "time_ns", r->time_ns);
	kca_json_dbl(&j, "t_ms", r->time_ns >= c->t0 ? (double)(r->time_ns - c->t0) / 1e6 : 0.0);
	switch (r->type) {
	case KC_REC_PROCESS: {
		const struct kc_rec_process *p = (const void *)r;
		kca_json_u64(&j, "ppid", p->ppid);
		kca_json_str(&j, "role", kc_role_name(p->role));
		kca_json_str(&j, "exe", kc_rec_str(r, p->exe));
		kca_json_str(&j, "cwd", kc_rec_str(r, p->cwd));
		list(&j, "argv", r, p->argv);
		list(&j, "env", r, p->env);
		u32s(&j, "ancestors", p->ancestors,
		     p->nancestors < KC_MAX_ANCESTORS ? (int)p->nancestors : KC_MAX_ANCESTORS);
		break;
	}
	case KC_REC_MODULE_LOAD: {
		const struct kc_rec_module_load *m = (const void *)r;
		kca_json_str(&j, "api", kc_api_name(m->api));
		kca_json_str(&j, "kind", kc_image_kind_name(m->kind));
		kca_json_hash(&j, "hash", m->hash);
		kca_json_u64(&j, "size", m->size);
		kca_json_u64(&j, "duration_ns", m->duration_ns);
		kca_json_hex(&j, "handle", m->handle);
		kca_json_i64(&j, "result", m->result);
		kca_json_bool(&j, "library", m->flags & KC_MODF_LIBRARY);
		kca_json_bool(&j, "stored", m->flags & KC_MODF_STORED);
		if (m->loaded_hash)
			kca_json_hash(&j, "loaded_hash", m->loaded_hash);
		paths(&j, m->path);
		if (m->file.len)
			kca_json_str(&j, "file", kc_rec_str(r, m->file));
		list(&j, "names", r, m->names);
		if (m->jit_options.count)
			list(&j, "jit_options", r, m->jit_options);
		break;
	}
	case KC_REC_MODULE_UNLOAD: {
		const struct kc_rec_module_unload *m = (const void *)r;
		kca_json_hex(&j, "handle", m->handle);
		kca_json_bool(&j, "library", m->flags & KC_MODF_LIBRARY);
		kca_json_i64(&j, "result", m->result);
		paths(&j, m->path);
		break;
	}
	case KC_REC_FUNCTION: {
		const struct kc_rec_function *f = (const void *)r;
		kca_json_u64(&j, "id", f->id);
		kca_json_str(&j, "name", kc_rec_str(r, f->name));
		kca_json_str(&j, "api", kc_api_name(f->api));
		kca_json_hex(&j, "handle", f->handle);
		kca_json_hex(&j, "module_handle", f->module_handle);
		kca_json_hash(&j, "module_hash", f->module_hash);
		paths(&j, f->path);
		if (f->id < 1u << 24) {
			if (f->id >= c->nnames) {
				uint32_t n = f->id + 64;
				c->names = kca_xrealloc(c->names, n * sizeof(char *));
				memset(c->names + c->nnames, 0, (n - c->nnames) * sizeof(char *));
				c->nnames = n;
			}
			free(c->names[f->id]);
			c->names[f->id] = kca_xstrdup(kc_rec_str(r, f->name));
		}
		break;
	}
	case KC_REC_COMPILE: {
		const struct kc_rec_compile *m = (const void *)r;
		kca_json_str(&j, "tool", kc_tool_name(m->tool));
		kca_json_str(&j, "name", kc_rec_str(r, m->name));
		kca_json_u64(&j, "duration_ns", m->duration_ns);
		kca_json_i64(&j, "result", m->result);
		kca_json_hash(&j, "input_hash", m->input_hash);
		kca_json_hash(&j, "output_hash", m->output_hash);
		if (m->ptx_hash)
			kca_json_hash(&j, "ptx_hash", m->ptx_hash);
		list(&j, "options", r, m->options);
		if (m->inputs.count)
			list(&j, "inputs", r, m->inputs);
		break;
	}
	case KC_REC_LAUNCH_STATS: {
		const struct kc_rec_launch_stats *s = (const void *)r;
		kca_json_u64(&j, "func_id", s->func_id);
		const char *n = func_name(c, s->func_id);
		if (n)
			kca_json_str(&j, "name", n);
		kca_json_u64(&j, "count", s->count);
		kca_json_u64(&j, "errors", s->errors);
		kca_json_u64(&j, "first_ns", s->first_ns);
		kca_json_u64(&j, "last_ns", s->last_ns);
		attrs(&j, s->attrs);
		paths(&j, s->path);
		kca_json_arr(&j, "shapes");
		for (unsigned i = 0; i < s->nshapes; i++) {
			kca_json_obj(&j, NULL);
			u32s(&j, "grid", s->shapes[i].grid, 3);
			u32s(&j, "block", s->shapes[i].block, 3);
			kca_json_u64(&j, "smem", s->shapes[i].smem);
			kca_json_u64(&j, "count", s->shapes[i].count);
			kca_json_end_obj(&j);
		}
		kca_json_end_arr(&j);
		if (s->other_shapes)
			kca_json_u64(&j, "other_shapes", s->other_shapes);
		break;
	}
	case KC_REC_LAUNCH: {
		const struct kc_rec_launch *l = (const void *)r;
		kca_json_u64(&j, "func_id", l->func_id);
		const char *n = func_name(c, l->func_id);
		if (n)
			kca_json_str(&j, "name", n);
		kca_json_str(&j, "api", kc_api_name(l->api));
		u32s(&j, "grid", l->grid, 3);
		u32s(&j, "block", l->block, 3);
		kca_json_u64(&j, "smem", l->smem);
		kca_json_hex(&j, "stream", l->stream);
		attrs(&j, l->attrs);
		kca_json_i64(&j, "result", l->result);
		paths(&j, l->path);
		break;
	}
	case KC_REC_CUPTI: {
		const struct kc_rec_cupti *e = (const void *)r;
		kca_json_str(&j, "event", kc_cupti_event_name(e->event));
		kca_json_i64(&j, "result", e->result);
		kca_json_u64(&j, "version", e->version);
		kca_json_str(&j, "detail", kc_rec_str(r, e->detail));
		break;
	}
	case KC_REC_LOST: {
		const struct kc_rec_lost *l = (const void *)r;
		kca_json_u64(&j, "records", l->records);
		kca_json_u64(&j, "bytes", l->bytes);
		break;
	}
	case KC_REC_GPU_TIME: {
		const struct kc_rec_gpu_time *g = (const void *)r;
		kca_json_str(&j, "name", kc_rec_str(r, g->name));
		kca_json_u64(&j, "count", g->count);
		kca_json_u64(&j, "total_ns", g->total_ns);
		kca_json_u64(&j, "min_ns", g->min_ns);
		kca_json_u64(&j, "max_ns", g->max_ns);
		kca_json_u64(&j, "gap_count", g->gap_count);
		kca_json_u64(&j, "gap_ns", g->gap_ns);
		kca_json_u64(&j, "overlapped", g->overlapped);
		break;
	}
	case KC_REC_GRAPH: {
		const struct kc_rec_graph *g = (const void *)r;
		kca_json_str(&j, "kind", kc_graph_kind_name(g->kind));
		kca_json_u64(&j, "id", g->id);
		kca_json_hex(&j, "exec", g->exec);
		kca_json_hex(&j, "graph", g->graph);
		kca_json_u64(&j, "duration_ns", g->duration_ns);
		kca_json_i64(&j, "result", g->result);
		paths(&j, g->path);
		kca_json_u64(&j, "nodes", g->nodes);
		kca_json_bool(&j, "incomplete", g->flags & KC_GRAPHF_INCOMPLETE);
		kca_json_bool(&j, "truncated", g->flags & KC_GRAPHF_TRUNCATED);
		kca_json_arr(&j, "funcs");
		for (unsigned i = 0; i < g->nfuncs; i++) {
			kca_json_obj(&j, NULL);
			kca_json_u64(&j, "func_id", g->funcs[i].func_id);
			const char *n = func_name(c, g->funcs[i].func_id);
			if (n)
				kca_json_str(&j, "name", n);
			kca_json_u64(&j, "nodes", g->funcs[i].count);
			kca_json_end_obj(&j);
		}
		kca_json_end_arr(&j);
		break;
	}
	case KC_REC_CALLSITE: {
		const struct kc_rec_callsite *x = (const void *)r;
		kca_json_str(&j, "for", kc_rec_type_name(x->for_type));
		kca_json_u64(&j, "flags", x->flags);
		kca_json_u64(&j, "read_ns", x->read_ns);
		list(&j, "frames", r, x->frames);
		list(&j, "args", r, x->args);
		break;
	}
	case KC_REC_LOAD_CONTEXT: {
		const struct kc_rec_load_context *x = (const void *)r;
		kca_json_hex(&j, "context", x->context);
		kca_json_hex(&j, "handle", x->handle);
		kca_json_i64(&j, "device", x->device);
		break;
	}
	case KC_REC_GRAPH_LAUNCH_STATS: {
		const struct kc_rec_graph_launch_stats *s = (const void *)r;
		kca_json_u64(&j, "graph_id", s->graph_id);
		kca_json_u64(&j, "count", s->count);
		kca_json_u64(&j, "errors", s->errors);
		kca_json_u64(&j, "first_ns", s->first_ns);
		kca_json_u64(&j, "last_ns", s->last_ns);
		paths(&j, s->path);
		break;
	}
	case KC_REC_END: {
		const struct kc_rec_end *e = (const void *)r;
		kca_json_u64(&j, "launches", e->launches);
		kca_json_u64(&j, "loads", e->loads);
		kca_json_u64(&j, "compiles", e->compiles);
		kca_json_u64(&j, "lost", e->lost);
		break;
	}
	}
	kca_json_end_obj(&j);
	fputc('\n', stdout);
	(void)t;
	return 0;
}

KCA_COMMAND(dump)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct dump_ctx c = {0};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = 1;
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "kcprof dump: one DIR or FILE at a time\n");
		return kca_usage(usage, 2);
	}
	const char *dir = optind < argc ? argv[optind] : "kcprof.data";
	struct kca_trace_list l;
	if (kca_trace_list(dir, &l) < 0)
		return 1;
	if (l.count == 0)
		kca_warn_no_traces(dir);
	int problems = 0;
	for (int i = 0; i < l.count; i++) {
		struct kc_trace t;
		if (kc_trace_open(&t, l.paths[i]) == 0) {
			c.pid = t.hdr.pid;
			c.t0 = t.hdr.start_mono_ns;
			if (!c.json)
				printf("# %s: pid %u ppid %u, trace version %u\n", l.paths[i],
				       t.hdr.pid, t.hdr.ppid, t.hdr.version);
		}
		kc_trace_close(&t);
		problems += kca_trace_each(l.paths[i], dump_record, &c, NULL);
		for (uint32_t k = 0; k < c.nnames; k++)
			free(c.names[k]);
		free(c.names);
		c.names = NULL;
		c.nnames = 0;
	}
	kca_trace_list_free(&l);
	fflush(stdout);
	/* Problems were reported; what could be read was printed. */
	(void)problems;
	return c.records ? 0 : 1;
}
