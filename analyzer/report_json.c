/* report_json.c - the report as JSON, schema kcprof-report/1 (docs/report-json.md). */
#include <stdlib.h>
#include <string.h>

#include "kca.h"
#include "report.h"

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* A run's totals, in the "totals" object and in each of "runs"; those of its time window in
 * "window_totals". */
static void totals_fields(struct kca_json *j, const struct kca_model *m, int window)
{
	struct kca_totals t;
	if (window)
		kca_model_window_totals(m, &t);
	else
		kca_model_totals(m, &t);
	/* in a window: the processes that ran in it, the kernels loaded or launched in it */
	unsigned children = 0, procs = 0, kernels = 0;
	for (unsigned i = 0; i < m->nprocs; i++) {
		const struct kca_proc *p = &m->procs[i];
		if (window && (p->start_ns >= m->win_to_ns[p->dir_index] ||
			       p->end_ns < m->win_from_ns[p->dir_index]))
			continue;
		children += p->role == KC_ROLE_COMPILER;
		procs += p->role != KC_ROLE_COMPILER;
	}
	for (unsigned i = 0; i < m->nfamilies; i++) {
		const struct kca_family *f = &m->families[i];
		kernels += !window || f->win.loads || f->win.launches || f->win.build_ns;
	}
	kca_json_u64(j, "processes", procs);
	kca_json_u64(j, "compiler_children", children);
	kca_json_u64(j, "kernels", kernels);
	kca_json_u64(j, "churn_kernels", t.churn);
	kca_json_u64(j, "compiles", t.ncompiles);
	kca_json_dbl(j, "compile_ms", ms(t.build));
	kca_json_u64(j, "loads", t.nloads);
	kca_json_dbl(j, "load_ms", ms(t.load));
	kca_json_u64(j, "failed_loads", t.failed_loads);
	kca_json_u64(j, "unnamed_loads", t.unnamed);
	kca_json_u64(j, "launches", t.launches);
	kca_json_u64(j, "unnamed_launches", t.unnamed_launches);
	kca_json_u64(j, "launch_errors", t.launch_errors);
	kca_json_u64(j, "graph_runs", t.graph_runs);
	kca_json_u64(j, "graph_launches", t.graph_launches);
	struct kca_totals whole =
	    t; /* GPU time recorded at all: numbers (0 in a window), else null */
	if (window)
		kca_model_totals(m, &whole);
	if (whole.gpu_runs) {
		kca_json_dbl(j, "gpu_ms", ms(t.gpu_ns));
		kca_json_u64(j, "gpu_runs", t.gpu_runs);
		kca_json_dbl(j, "idle_ms", ms(t.gap_ns));
		kca_json_u64(j, "overlapped", t.overlapped);
	} else {
		kca_json_null(j, "gpu_ms");
		kca_json_null(j, "gpu_runs");
		kca_json_null(j, "idle_ms");
		kca_json_null(j, "overlapped");
	}
	kca_json_u64(j, "problems", m->problems);
}

/* The totals of the run's time window where one was asked for (else null). */
static void window_totals(struct kca_json *j, const struct kca_model *m)
{
	if (m->windowed) {
		kca_json_obj(j, "window_totals");
		totals_fields(j, m, 1);
		kca_json_end_obj(j);
	} else {
		kca_json_null(j, "window_totals");
	}
}

/* Call sites as [{where, function, <count_key>}], busiest first. */
static void json_sites(struct kca_json *j, const char *key, const struct kca_call_site *s,
		       unsigned n, const char *count_key)
{
	kca_json_arr(j, key);
	for (unsigned i = 0; i < n; i++) {
		kca_json_obj(j, NULL);
		kca_json_str(j, "where", s[i].where);
		kca_json_str(j, "function", s[i].func);
		kca_json_u64(j, count_key, s[i].count);
		kca_json_end_obj(j);
	}
	kca_json_end_arr(j);
}

/* With several runs, a kernel as each run alone has it (null where absent): the merged entry
 * counts its images over all runs, so one built once in each reads as variants. */
static void by_run(struct kca_json *j, const char *name, const struct kca_model *runs,
		   struct kca_family_name **index, unsigned nruns)
{
	kca_json_arr(j, "by_run");
	for (unsigned r = 0; r < nruns; r++) {
		const struct kca_family *f = kca_family_named(index[r], name);
		if (!f) {
			kca_json_null(j, NULL);
			continue;
		}
		kca_json_obj(j, NULL);
		kca_json_str(j, "trace", runs[r].ndirs ? runs[r].dirs[0] : "");
		kca_json_str(j, "front_end", kca_front_end_name(f->front_end));
		kca_json_str(j, "verdict", kca_verdict_name(f->verdict));
		kca_json_bool(j, "churn", f->churn);
		kca_json_u64(j, "variants", f->nvariants);
		kca_json_u64(j, "loads", f->loads);
		kca_json_u64(j, "launches", f->launches);
		kca_json_end_obj(j);
	}
	kca_json_end_arr(j);
}

void kca_report_json(struct kca_model *m, FILE *out, unsigned top, const struct kca_model *runs,
		     unsigned nruns)
{
	struct kca_json j;
	kca_json_init(&j, out, 1);
	kca_json_obj(&j, NULL);
	kca_json_str(&j, "schema", KCA_REPORT_SCHEMA);
	kca_json_arr(&j, "traces");
	for (unsigned d = 0; d < m->ndirs; d++)
		kca_json_str(&j, NULL, m->dirs[d]);
	kca_json_end_arr(&j);
	if (m->windowed) {
		kca_json_obj(&j, "window");
		kca_json_dbl(&j, "since_ms", ms(m->window.since_ns));
		if (m->window.until_ns)
			kca_json_dbl(&j, "until_ms", ms(m->window.until_ns));
		else
			kca_json_null(&j, "until_ms");
		kca_json_end_obj(&j);
	} else {
		kca_json_null(&j, "window");
	}
	uint64_t t0 = UINT64_MAX;
	for (unsigned i = 0; i < m->nprocs; i++)
		if (m->procs[i].start_ns && m->procs[i].start_ns < t0)
			t0 = m->procs[i].start_ns;
	unsigned children = 0;
	kca_json_arr(&j, "processes");
	for (unsigned i = 0; i < m->nprocs; i++) {
		const struct kca_proc *p = &m->procs[i];
		if (p->role == KC_ROLE_COMPILER) {
			children++;
			continue;
		}
		kca_json_obj(&j, NULL);
		kca_json_str(&j, "trace", p->file);
		kca_json_u64(&j, "pid", p->pid);
		kca_json_u64(&j, "ppid", p->ppid);
		kca_json_str(&j, "cmdline", p->cmdline);
		kca_json_bool(&j, "ended", p->ended);
		kca_json_bool(&j, "damaged", p->truncated || p->corrupt);
		kca_json_u64(&j, "lost_records", p->lost);
		kca_json_bool(&j, "cupti_off", p->cupti_off);
		if (p->cupti_unseen_from_ns)
			kca_json_dbl(&j, "cupti_unseen_from_ms", ms(p->cupti_unseen_from_ns - t0));
		else
			kca_json_null(&j, "cupti_unseen_from_ms");
		kca_json_end_obj(&j);
	}
	kca_json_end_arr(&j);
	/* each run's kernels by name, for by_run */
	struct kca_family_name **run_index = kca_xcalloc(nruns + 1, sizeof(*run_index));
	for (unsigned r = 0; nruns > 1 && r < nruns; r++)
		run_index[r] = kca_family_index(&runs[r]);
	unsigned listed = 0;
	kca_json_arr(&j, "kernels");
	for (unsigned i = 0; i < m->nfamilies; i++) {
		const struct kca_family *f = &m->families[i];
		int listed_here =
		    m->windowed ? kca_family_built_in_window(f) : f->verdict != KCA_FINE;
		/* a module's other kernels reloaded with it: named in its first kernel's entry,
		 * taking no --top place as in the text report; entries of their own with --all */
		if (listed >= top || (top != UINT32_MAX && (!listed_here || f->module_mate >= 0)))
			continue;
		listed++;
		kca_json_obj(&j, NULL);
		kca_json_str(&j, "name", f->name);
		char shown[1024]; /* as the text report's heading names it */
		kca_kernel_display_name(f->name, shown, sizeof(shown));
		kca_json_str(&j, "display_name", shown);
		kca_json_str(&j, "front_end", kca_front_end_name(f->front_end));
		kca_json_str(&j, "verdict", kca_verdict_name(f->verdict));
		kca_json_bool(&j, "churn", f->churn);
		if (f->module_mate >= 0) /* its module's reloads, said on the first of it */
			kca_json_str(&j, "reloaded_with", m->families[f->module_mate].name);
		else
			kca_json_null(&j, "reloaded_with");
		kca_json_arr(&j, "module_mates");
		for (int k = f->next_module_mate; f->module_mate < 0 && k >= 0;
		     k = m->families[k].next_module_mate)
			kca_json_str(&j, NULL, m->families[k].name);
		kca_json_end_arr(&j);
		kca_json_bool(&j, "prebuilt_copies", f->prebuilt_copies);
		kca_json_u64(&j, "variants", f->nvariants);
		kca_json_u64(&j, "loads", f->loads);
		kca_json_u64(&j, "reloads", f->reloads);
		kca_json_u64(&j, "process_reloads", f->proc_reloads);
		kca_json_u64(&j, "processes", f->procs);
		kca_json_u64(&j, "devices", f->devices);
		kca_json_u64(&j, "launches", f->launches);
		kca_json_u64(&j, "graph_runs", f->graph_runs);
		kca_json_u64(&j, "launch_errors", f->errors);
		if (f->gpu_count) { /* kcprof record --gpu-time */
			kca_json_obj(&j, "gpu");
			kca_json_u64(&j, "runs", f->gpu_count);
			kca_json_dbl(&j, "total_ms", ms(f->gpu_ns));
			kca_json_dbl(&j, "mean_us", (double)f->gpu_ns / (double)f->gpu_count / 1e3);
			kca_json_dbl(&j, "min_us", (double)f->gpu_min_ns / 1e3);
			kca_json_dbl(&j, "max_us", (double)f->gpu_max_ns / 1e3);
			kca_json_u64(&j, "gap_runs", f->gap_count);
			kca_json_dbl(&j, "idle_mean_us",
				     f->gap_count ? (double)f->gap_ns / (double)f->gap_count / 1e3
						  : 0);
			kca_json_u64(&j, "overlapped", f->overlapped);
			kca_json_end_obj(&j);
		} else {
			kca_json_null(&j, "gpu");
		}
		kca_json_dbl(&j, "compile_ms", ms(f->build_ns));
		kca_json_dbl(&j, "load_ms", ms(f->load_ns));
		if (f->launches)
			kca_json_dbl(&j, "build_load_ms_per_launch",
				     ms(f->build_ns + f->load_ns) / (double)f->launches);
		else
			kca_json_null(&j, "build_load_ms_per_launch");
		kca_json_dbl(&j, "first_seen_ms", f->first_ns >= t0 ? ms(f->first_ns - t0) : 0);
		kca_json_dbl(&j, "last_seen_ms", f->last_ns >= t0 ? ms(f->last_ns - t0) : 0);
		kca_json_bool(&j, "pdl", (f->attrs >> 6) & 1);
		struct kca_call_site sites[8];
		unsigned nsites = kca_family_call_sites(m, f, sites, 8);
		json_sites(&j, "call_sites", sites, nsites < 8 ? nsites : 8, "loads");
		nsites = kca_family_compile_sites(m, f, sites, 8);
		json_sites(&j, "compile_sites", sites, nsites < 8 ? nsites : 8, "compiles");
		if (m->windowed) {
			kca_json_obj(&j, "window");
			kca_json_u64(&j, "new_variants", f->win.new_variants);
			kca_json_u64(&j, "loads", f->win.loads);
			kca_json_u64(&j, "reloads", f->win.reloads);
			kca_json_u64(&j, "process_reloads", f->win.proc_reloads);
			kca_json_u64(&j, "launches", f->win.launches);
			kca_json_dbl(&j, "compile_ms", ms(f->win.build_ns));
			kca_json_dbl(&j, "load_ms", ms(f->win.load_ns));
			if (f->gpu_count) { /* recorded with --gpu-time */
				kca_json_u64(&j, "gpu_runs", f->win.gpu_count);
				kca_json_dbl(&j, "gpu_ms", ms(f->win.gpu_ns));
			} else {
				kca_json_null(&j, "gpu_runs");
				kca_json_null(&j, "gpu_ms");
			}
			kca_json_end_obj(&j);
		} else {
			kca_json_null(&j, "window");
		}
		const struct kca_changes *ch = kca_family_changes(m, f);
		kca_json_arr(&j, "changed");
		for (unsigned c = 0; c < ch->nchanges; c++) {
			const struct kca_change *x = &ch->changes[c];
			char summary[512];
			kca_values_summary(x, summary, sizeof(summary));
			kca_json_obj(&j, NULL);
			kca_json_str(&j, "name", x->name);
			kca_json_str(&j, "kind", kca_change_kind_name(x->kind));
			kca_json_bool(&j, "parameter", x->is_param);
			kca_json_bool(&j, "names_build", kca_change_names_build(x));
			if (x->where[0])
				kca_json_str(&j, "where", x->where);
			else /* not known (an autotune config, a value with no line) */
				kca_json_null(&j, "where");
			kca_json_arr(&j, "values");
			for (unsigned v = 0; v < x->nvalues; v++)
				if (x->values[v])
					kca_json_str(&j, NULL, x->values[v]);
				else
					kca_json_null(&j, NULL);
			kca_json_end_arr(&j);
			kca_json_str(&j, "summary", summary);
			kca_json_end_obj(&j);
		}
		kca_json_end_arr(&j);
		if (ch->kernel_def[0]) {
			kca_json_str(&j, "kernel_def", ch->kernel_def);
			kca_json_str(&j, "kernel_def_where", ch->def_where);
		} else {
			kca_json_null(&j, "kernel_def");
			kca_json_null(&j, "kernel_def_where");
		}
		char fix[1024];
		kca_fix_text(m, f, ch, fix, sizeof(fix));
		if (fix[0])
			kca_json_str(&j, "fix", fix);
		else
			kca_json_null(&j, "fix");
		kca_json_arr(&j, "variant_list");
		for (unsigned v = 0; v < f->nvariants; v++) {
			const struct kca_variant *var = &f->variants[v];
			kca_json_obj(&j, NULL);
			kca_json_hash(&j, "hash", var->hash);
			kca_json_str(&j, "kind", kc_image_kind_name(var->kind));
			kca_json_u64(&j, "loads", var->loads);
			kca_json_u64(&j, "launches", var->launches);
			kca_json_u64(&j, "launch_windows", var->launch_windows);
			kca_json_dbl(&j, "last_launch_ms",
				     var->last_launch_ns >= t0 ? ms(var->last_launch_ns - t0) : 0);
			kca_json_dbl(&j, "compile_ms", ms(var->build_ns));
			kca_json_dbl(&j, "load_ms", ms(var->load_ns));
			kca_json_dbl(&j, "first_seen_ms",
				     var->first_ns >= t0 ? ms(var->first_ns - t0) : 0);
			if (var->triton_dir)
				kca_json_str(&j, "triton_cache_dir", var->triton_dir);
			else
				kca_json_null(&j, "triton_cache_dir");
			/* Triton's arguments of its build, where the trace has them */
			const struct kca_load *vl = &m->loads[var->first_load];
			kca_json_arr(&j, "triton_args");
			for (unsigned a = 0; a < vl->ntriton_args; a++) {
				struct kca_triton_arg ta;
				if (kca_triton_arg(vl->triton_args[a], &ta) < 0)
					continue;
				kca_json_obj(&j, NULL);
				kca_json_strn(&j, "name", ta.name, (size_t)ta.name_len);
				kca_json_strn(&j, "kind", ta.kind, (size_t)ta.kind_len);
				kca_json_str(&j, "value", ta.value);
				kca_json_end_obj(&j);
			}
			kca_json_end_arr(&j);
			kca_json_end_obj(&j);
		}
		kca_json_end_arr(&j);
		if (nruns > 1)
			by_run(&j, f->name, runs, run_index, nruns);
		kca_json_end_obj(&j);
	}
	kca_json_end_arr(&j);
	for (unsigned r = 0; r < nruns; r++)
		kca_family_index_free(run_index[r]);
	free(run_index);
	struct kca_compile_group *g;
	unsigned ng = kca_unloaded_compiles(m, &g);
	kca_json_arr(&j, "unloaded_compiles");
	for (unsigned i = 0; i < ng; i++) {
		kca_json_obj(&j, NULL);
		kca_json_str(&j, "tool", kc_tool_name(g[i].tool));
		kca_json_str(&j, "name", g[i].name);
		kca_json_u64(&j, "compiles", g[i].count);
		kca_json_u64(&j, "failed", g[i].failed);
		kca_json_dbl(&j, "compile_ms", ms(g[i].ns));
		if (g[i].nsites) {
			kca_json_str(&j, "where", g[i].site.where);
			kca_json_str(&j, "function", g[i].site.func);
		} else {
			kca_json_null(&j, "where");
			kca_json_null(&j, "function");
		}
		kca_json_str(&j, "changed", g[i].changed);
		kca_json_end_obj(&j);
	}
	kca_json_end_arr(&j);
	free(g);
	kca_json_obj(&j, "totals");
	totals_fields(&j, m, 0);
	kca_json_end_obj(&j);
	window_totals(&j, m);
	if (nruns > 1) { /* several runs: each one's totals, as the text comparison's rows */
		kca_json_arr(&j, "runs");
		for (unsigned r = 0; r < nruns; r++) {
			kca_json_obj(&j, NULL);
			kca_json_str(&j, "trace", runs[r].ndirs ? runs[r].dirs[0] : "");
			totals_fields(&j, &runs[r], 0);
			window_totals(&j, &runs[r]);
			kca_json_end_obj(&j);
		}
		kca_json_end_arr(&j);
	}
	kca_json_end_obj(&j);
	fputc('\n', out);
}
