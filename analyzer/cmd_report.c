/* cmd_report.c - kcprof report: which kernels were rebuilt, how often, what it cost against
 * their launches, what changed between the builds, from where, and how to fix it. Also the
 * JSON form (schema kcprof-report/1, docs/report-json.md) and the comparison of two runs. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/kc_hash.h"
#include "changes.h"
#include "kca.h"
#include "model.h"
#include "report.h"

static const char usage[] =
    "usage: kcprof report [DIR...] [--json] [--all] [--top N]\n"
    "\n"
    "Reads the traces in DIR (default ./kcprof.data) and reports, worst first, each kernel\n"
    "that was built or loaded more than once: variants (distinct images), loads, reloads\n"
    "of an identical image, build time (NVRTC, nvJitLink, cuLink, driver PTX JIT, compiler\n"
    "child processes) and load time against its launches, what changed between variants\n"
    "(the tl.constexpr or -D value, the size torch.compile baked in, Triton's int\n"
    "specialisation, autotune configs, PTX constants), and the fix. With two or more DIRs,\n"
    "they are compared (before and after). Traces recorded with --gpu-time add each\n"
    "kernel's GPU time against its build cost, and the streams' idle time between kernels\n"
    "(a run that overlapped its predecessor, through PDL, counts 0).\n"
    "\n"
    "Triton's IR and the kernels' Python sources are read where the trace names them; after\n"
    "'kcprof archive DIR' (which copies them into DIR/triton-cache and DIR/sources) the report\n"
    "reads the same on another machine.\n"
    "\n"
    "Options:\n"
    "  --json     machine-readable report (schema kcprof-report/1, docs/report-json.md)\n"
    "  --all      list every kernel, fine ones too\n"
    "  --top N    at most N kernels in detail (default 10)\n"
    "  -h, --help this text\n"
    "\n"
    "Examples:\n"
    "  kcprof report\n"
    "  kcprof report before.data after.data\n"
    "  kcprof report --json kcprof.data | jq '.kernels[] | select(.churn)'\n";

/* ---- formatting --------------------------------------------------------------------------- */

const char *kca_fmt_ns(uint64_t ns, char *buf, size_t cap)
{
	double v = (double)ns;
	if (ns >= 1000000000ull)
		snprintf(buf, cap, "%.2f s", v / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, cap, "%.1f ms", v / 1e6);
	else if (ns >= 10000ull)
		snprintf(buf, cap, "%.0f µs", v / 1e3);
	else if (ns >= 1000ull)
		snprintf(buf, cap, "%.1f µs", v / 1e3);
	else
		snprintf(buf, cap, "%" PRIu64 " ns", ns);
	return buf;
}

/* Compiler children attributed to a family's loads, counted by tool. */
static void child_summary(const struct kca_model *m, const struct kca_family *f, char *buf,
			  size_t cap)
{
	struct tool_time {
		const char *name;
		unsigned n;
		uint64_t ns;
	} tools[8];
	unsigned nt = 0;
	uint64_t inproc = 0;
	unsigned ninproc = 0;
	for (unsigned c = 0; c < m->ncompiles; c++) {
		const struct kca_compile *cp = &m->compiles[c];
		if (cp->load < 0)
			continue;
		const struct kca_load *l = &m->loads[cp->load];
		int mine = 0;
		for (unsigned n = 0; n < l->nnames; n++)
			mine |= strcmp(l->names[n], f->name) == 0;
		if (!mine)
			continue;
		if (cp->tool != KC_TOOL_EXEC) {
			inproc += cp->duration_ns;
			ninproc++;
			continue;
		}
		/* as the program ran it (argv[0]: gcc, not the gcc-12 it resolves to) */
		const char *n0 = cp->noptions ? cp->options[0] : cp->name;
		const char *base = strrchr(n0, '/');
		base = base ? base + 1 : n0;
		if (strncmp(base, "x86_64-linux-gnu-", 17) == 0)
			base += 17;
		unsigned i;
		for (i = 0; i < nt; i++)
			if (strcmp(tools[i].name, base) == 0)
				break;
		if (i == nt && nt < 8)
			tools[nt++] = (struct tool_time){base, 0, 0};
		if (i < 8) {
			tools[i].n++;
			tools[i].ns += cp->duration_ns;
		}
	}
	size_t n = 0;
	char t[32];
	buf[0] = '\0';
	if (ninproc)
		n += (size_t)snprintf(buf + n, cap - n, "%u %s compile%s %s", ninproc,
				      kca_front_end_name(f->front_end), ninproc > 1 ? "s" : "",
				      kca_fmt_ns(inproc, t, sizeof(t)));
	for (unsigned i = 0; i < nt && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%u× %s %s", n ? ", " : "", tools[i].n,
				      tools[i].name, kca_fmt_ns(tools[i].ns, t, sizeof(t)));
}

/* ---- the fix ------------------------------------------------------------------------------ */

static const struct kca_change *first_of(const struct kca_changes *ch, enum kca_change_kind k)
{
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (ch->changes[i].kind == k)
			return &ch->changes[i];
	return NULL;
}

void kca_fix_text(const struct kca_family *f, const struct kca_changes *ch, char *buf, size_t cap)
{
	const struct kca_change *c;
	buf[0] = '\0';
	if (f->verdict == KCA_FINE)
		return;
	if (f->verdict == KCA_AUTOTUNE_SWEEP) {
		const char *at = ch->autotune_where, *base = strrchr(at, '/');
		snprintf(buf, cap,
			 "the autotuner%s%s%s built %u configs of %s: tune once offline and launch "
			 "the chosen "
			 "triton.Config directly on the hot path (autotune's wrapper also costs "
			 "host time on "
			 "every call)",
			 *at ? " (@triton.autotune at " : "", *at ? (base ? base + 1 : at) : "",
			 *at ? ")" : "", f->nvariants, f->name);
		return;
	}
	if (f->verdict == KCA_RELOAD_CHURN) {
		snprintf(buf, cap,
			 "the same image is loaded %u times%s: load it once and keep the "
			 "CUmodule/CUfunction "
			 "(cache by image)%s",
			 f->loads,
			 f->front_end == KCA_FE_PTX ? " and JIT-compiled from PTX each time" : "",
			 f->front_end == KCA_FE_PTX ? "; ship a cubin or fatbin for the target GPU"
						    : "");
		return;
	}
	switch (f->front_end) {
	case KCA_FE_TRITON:
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT)) && c->is_param) {
			snprintf(buf, cap,
				 "%s takes a new value %s: make it a runtime argument (drop "
				 "tl.constexpr), or round "
				 "it up to a few bucket values; keep tl.constexpr for what shapes "
				 "the code (block "
				 "sizes)",
				 c->name,
				 f->verdict == KCA_SPECIALIZATION_CHURN ? "almost every call"
									: "now and then");
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_DIVISIBILITY)) ||
		    (c = first_of(ch, KCA_CHANGE_EQUALS_ONE))) {
			char arg[128];
			snprintf(arg, sizeof(arg), "%s", c->name);
			char *sp = strchr(arg, ' ');
			if (sp)
				*sp = '\0';
			snprintf(buf, cap,
				 "Triton specialises the int argument %s on %s: add "
				 "do_not_specialize=[\"%s\"] to "
				 "@triton.jit so one build serves every value",
				 arg,
				 c->kind == KCA_CHANGE_DIVISIBILITY ? "divisibility by 16"
								    : "being 1",
				 arg);
			return;
		}
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT))) {
			snprintf(buf, cap,
				 "a constant baked into the kernel changes between builds (%s): "
				 "pass it as a runtime "
				 "argument instead of a tl.constexpr, or bucket it",
				 c->where[0] ? c->where : c->name);
			return;
		}
		break;
	case KCA_FE_INDUCTOR:
		if ((c = first_of(ch, KCA_CHANGE_CONSTANT))) {
			const char *how = f->verdict == KCA_SPECIALIZATION_CHURN
					      ? "almost every call"
					      : "now and then";
			snprintf(buf, cap,
				 "torch.compile baked a size of its input into the kernel (%s, a "
				 "new value "
				 "%s): mark the varying dimension dynamic "
				 "(torch._dynamo.mark_dynamic(x, "
				 "dim), or torch.compile(dynamic=True)) so that one kernel takes "
				 "it as an "
				 "argument, or pad inputs to a few sizes",
				 c->name, how);
			return;
		}
		snprintf(buf, cap,
			 "torch.compile rebuilt %s for new input shapes: mark the varying "
			 "dimension dynamic "
			 "(torch._dynamo.mark_dynamic(x, dim) or torch.compile(dynamic=True)), or "
			 "pad inputs to "
			 "a few sizes",
			 f->name);
		return;
	case KCA_FE_NVRTC:
	case KCA_FE_LINK:
		if ((c = first_of(ch, KCA_CHANGE_DEFINE))) {
			snprintf(buf, cap,
				 "-D%s changes per compile: pass %s as a kernel argument so one "
				 "build serves all "
				 "values, or cache compiled modules keyed by the options",
				 c->name, c->name);
			return;
		}
		snprintf(buf, cap,
			 "compile once and cache the module, keyed by source and options");
		return;
	case KCA_FE_PTX:
		snprintf(buf, cap,
			 "the PTX differs per load (%s): pass what changes as kernel parameters "
			 "and load the "
			 "module once; ship a cubin to skip the driver's JIT",
			 (c = first_of(ch, KCA_CHANGE_PTX)) ? c->where : "constants");
		return;
	default:
		break;
	}
	snprintf(buf, cap,
		 "one kernel name, %u different images: see what differs with 'kcprof diff DIR %s' "
		 "and make "
		 "it a run-time argument",
		 f->nvariants, f->name);
}

/* ---- text report -------------------------------------------------------------------------- */

/* "    fix: text..." wrapped at 100 columns, continuation lines under the text. */
static void print_wrapped(const char *label, const char *text, int indent)
{
	int col = printf("%*s%s", indent, "", label);
	int start = col + 1;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		int w = (int)strcspn(p, " ");
		if (!w)
			break;
		if (col >= start && col + 1 + w > 100) {
			printf("\n%*s", start, "");
			col = start;
		} else {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", w, p);
		p += w;
	}
	printf("\n");
}

static void print_process_summary(const struct kca_model *m, unsigned dir)
{
	unsigned cuda = 0, children = 0;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (unsigned i = 0; i < m->nprocs; i++) {
		const struct kca_proc *p = &m->procs[i];
		if (p->dir_index != dir)
			continue;
		if (p->role == KC_ROLE_COMPILER)
			children++;
		else
			cuda++;
		if (p->start_ns && p->start_ns < t0)
			t0 = p->start_ns;
		if (p->end_ns > t1)
			t1 = p->end_ns;
	}
	char t[32];
	printf("%u CUDA process%s, %u compiler child%s, %s recorded\n", cuda, cuda == 1 ? "" : "es",
	       children, children == 1 ? "" : "ren",
	       kca_fmt_ns(t1 > t0 ? t1 - t0 : 0, t, sizeof(t)));
	for (unsigned i = 0; i < m->nprocs; i++) {
		const struct kca_proc *p = &m->procs[i];
		if (p->dir_index != dir || p->role == KC_ROLE_COMPILER)
			continue;
		printf("  pid %u: %.100s%s\n", p->pid, p->cmdline[0] ? p->cmdline : p->exe,
		       p->truncated || p->corrupt ? "  [trace damaged: partial]"
		       : p->ended		  ? ""
						  : "  [no end record: killed or still running]");
		if (p->cupti_unseen_from_ns) {
			const char *why = p->cupti_last == KC_CUPTI_UNAVAILABLE
					      ? "CUPTI unavailable (libcupti not found or refused; "
						"KCPROF_CUPTI_LIB "
						"names one)"
					  : p->cupti_last == KC_CUPTI_REFUSED
					      ? "CUPTI held by another tool"
					  : p->cupti_last == KC_CUPTI_RESUMED
					      ? "CUPTI lent to the program's profiler for a while"
					      : "CUPTI lent to the program's profiler";
			printf("    note: %s from +%s: PyTorch eager and torch.compile launches "
			       "are not all counted\n",
			       why,
			       kca_fmt_ns(p->cupti_unseen_from_ns - p->start_ns, t, sizeof(t)));
		}
		if (p->lost)
			printf("    note: %" PRIu64 " records could not be written (disk full?)\n",
			       p->lost);
	}
}

/* "58× its GPU time" or "4.8% of its GPU time": what builds cost against what ran. */
static const char *share(uint64_t part, uint64_t whole, char *buf, size_t cap)
{
	double r = (double)part / (double)(whole ? whole : 1);
	if (r >= 100)
		snprintf(buf, cap, "%.0f×", r);
	else if (r >= 1)
		snprintf(buf, cap, "%.3g×", r);
	else
		snprintf(buf, cap, "%.2g%% of", 100 * r);
	return buf;
}

/* What the kernel did on the GPU (kcprof record --gpu-time): its run time against what its
 * builds cost, and the gaps before it on its stream. */
static void print_gpu_time(const struct kca_family *f, uint64_t cost)
{
	if (!f->gpu_count)
		return;
	char t1[32], t2[32], t3[32];
	uint64_t mean = f->gpu_ns / f->gpu_count;
	printf("    GPU: %s a run (%s..%s, %" PRIu64 " timed)", kca_fmt_ns(mean, t1, sizeof(t1)),
	       kca_fmt_ns(f->gpu_min_ns, t2, sizeof(t2)), kca_fmt_ns(f->gpu_max_ns, t3, sizeof(t3)),
	       f->gpu_count);
	char r[32];
	if (cost && f->gpu_ns)
		printf(": builds and loads took %s its GPU time",
		       share(cost, f->gpu_ns, r, sizeof(r)));
	printf("\n");
	/* The stream's idle time before the kernel, over every run that followed another kernel:
	 * a run that overlapped its predecessor (PDL) waited for nothing and counts as 0, so a
	 * chain with and without PDL compares by this one mean. */
	if (!f->gap_count)
		return;
	uint64_t apart = f->gap_count - f->overlapped;
	printf("    gaps: %s idle on average before it on its stream (%" PRIu64 " runs",
	       kca_fmt_ns(f->gap_ns / f->gap_count, t1, sizeof(t1)), f->gap_count);
	if (f->overlapped && apart)
		printf(": %" PRIu64 " overlapped the previous kernel (PDL), %" PRIu64
		       " waited %s on average",
		       f->overlapped, apart, kca_fmt_ns(f->gap_ns / apart, t2, sizeof(t2)));
	else if (f->overlapped)
		printf(": all overlapped the previous kernel (PDL)");
	printf(")\n");
}

static void print_family(struct kca_model *m, const struct kca_family *f, unsigned rank)
{
	char t1[32], t2[32], t3[32], buf[1024];
	printf("\n%2u. %s  [%s]  %s\n", rank, f->name, kca_front_end_name(f->front_end),
	       kca_verdict_name(f->verdict));
	printf("    %u variant%s in %u load%s", f->nvariants, f->nvariants == 1 ? "" : "s",
	       f->loads, f->loads == 1 ? "" : "s");
	if (f->reloads)
		printf(" (%u of an image already loaded)", f->reloads);
	printf(", %" PRIu64 " launch%s", f->launches, f->launches == 1 ? "" : "es");
	if (f->nvariants >= 2 && f->launches && f->launches <= f->nvariants + f->nvariants / 4)
		printf(": a new build for almost every launch");
	printf("\n");
	uint64_t cost = f->build_ns + f->load_ns;
	child_summary(m, f, buf, sizeof(buf));
	/* The driver JIT-compiles PTX inside the load: that is build time a load reports. */
	int jit = 0;
	for (unsigned v = 0; v < f->nvariants; v++)
		jit |= f->variants[v].kind == KC_IMAGE_PTX;
	printf("    cost: %s building%s%s%s, %s loading%s", kca_fmt_ns(f->build_ns, t1, sizeof(t1)),
	       buf[0] ? " (" : "", buf, buf[0] ? ")" : "", kca_fmt_ns(f->load_ns, t2, sizeof(t2)),
	       jit ? " (the driver's PTX JIT)" : "");
	if (f->launches)
		printf(" = %s per launch", kca_fmt_ns(cost / f->launches, t3, sizeof(t3)));
	printf("\n");
	print_gpu_time(f, cost);
	if (f->attrs & (1ull << 6))
		printf("    launches use PDL (programmatic dependent launch)\n");
	struct kca_changes ch;
	kca_changes_compute(m, f, &ch);
	for (unsigned i = 0; i < ch.nchanges && i < 6; i++) {
		const struct kca_change *c = &ch.changes[i];
		kca_values_summary(c, buf, sizeof(buf));
		const char *kind = c->is_param			  ? "tl.constexpr"
				   : c->kind == KCA_CHANGE_DEFINE ? "-D option"
								  : kca_change_kind_name(c->kind);
		printf("    %s %s (%s): %s", i ? "       " : "changed:", c->name, kind, buf);
		if (c->kind == KCA_CHANGE_CONSTANT && f->nvariants >= 2 &&
		    f->launches <= f->nvariants + f->nvariants / 4)
			printf(", a new one every call");
		printf("\n");
		if (c->where[0])
			printf("             %s %s\n", c->kind == KCA_CHANGE_PTX ? "in" : "at",
			       c->where);
	}
	if (ch.nchanges && ch.kernel_def[0])
		printf("             in def %s at %s\n", ch.kernel_def, ch.def_where);
	if (!ch.nchanges && f->nvariants >= 2)
		printf(
		    "    changed: (no source or IR to compare: 'kcprof diff' shows the images)\n");
	kca_fix_text(f, &ch, buf, sizeof(buf));
	if (buf[0])
		print_wrapped("fix:", buf, 4);
	kca_changes_free(&ch);
}

static void report_text(struct kca_model *m, int all, unsigned top)
{
	for (unsigned d = 0; d < m->ndirs; d++) {
		printf("kcprof report: %s\n", m->dirs[d]);
		print_process_summary(m, d);
	}
	uint64_t build = 0, load = 0, launches = 0;
	unsigned churn = 0, shown = 0, unnamed = 0, ptx = 0;
	for (unsigned i = 0; i < m->ncompiles; i++)
		build += m->compiles[i].duration_ns;
	for (unsigned i = 0; i < m->nloads; i++) {
		load += m->loads[i].duration_ns;
		unnamed += m->loads[i].nnames == 0;
		ptx += m->loads[i].kind == KC_IMAGE_PTX;
	}
	for (unsigned i = 0; i < m->nfuncs; i++)
		launches += m->funcs[i].count;
	for (unsigned i = 0; i < m->nfamilies; i++)
		churn += m->families[i].churn;
	char t1[32], t2[32];
	printf("\nbuilds %s (%u compile%s), loads %s (%u load%s%s), launches %" PRIu64 "\n",
	       kca_fmt_ns(build, t1, sizeof(t1)), m->ncompiles, m->ncompiles == 1 ? "" : "s",
	       kca_fmt_ns(load, t2, sizeof(t2)), m->nloads, m->nloads == 1 ? "" : "s",
	       ptx ? ", the driver's PTX JIT included" : "", launches);
	uint64_t gpu_ns = 0, gpu_runs = 0, gap_runs = 0, gap_ns = 0, overlapped = 0;
	for (unsigned i = 0; i < m->ngpu; i++) {
		gpu_ns += m->gpu[i].total_ns;
		gpu_runs += m->gpu[i].count;
		gap_runs += m->gpu[i].gap_count;
		gap_ns += m->gpu[i].gap_ns;
		overlapped += m->gpu[i].overlapped;
	}
	if (gpu_runs) {
		char r[32];
		printf("GPU time %s (%" PRIu64 " kernel runs timed): builds and loads took %s it\n",
		       kca_fmt_ns(gpu_ns, t1, sizeof(t1)), gpu_runs,
		       share(build + load, gpu_ns, r, sizeof(r)));
	}
	/* What launch latency and PDL decide: how long streams sat idle between their kernels. */
	if (gap_runs)
		printf("streams idle between kernels %s, %s a run (%" PRIu64 " runs; %" PRIu64
		       " overlapped their predecessor through PDL)\n",
		       kca_fmt_ns(gap_ns, t1, sizeof(t1)),
		       kca_fmt_ns(gap_ns / gap_runs, t2, sizeof(t2)), gap_runs, overlapped);
	printf("%u kernel%s, %u with recompilation churn%s\n", m->nfamilies,
	       m->nfamilies == 1 ? "" : "s", churn, churn ? "; worst first:" : "");
	for (unsigned i = 0; i < m->nfamilies && shown < top; i++) {
		const struct kca_family *f = &m->families[i];
		if (!all && f->verdict == KCA_FINE)
			continue;
		print_family(m, f, ++shown);
	}
	unsigned fine = 0;
	for (unsigned i = 0; i < m->nfamilies; i++)
		fine += m->families[i].verdict == KCA_FINE;
	if (!all && fine)
		printf("\n%u kernel%s built once and loaded once: fine (--all lists them)\n", fine,
		       fine == 1 ? "" : "s");
	if (m->problems)
		printf("\n%" PRIu64 " problem%s reading the traces (see the warnings above): the "
		       "report covers what was readable\n",
		       m->problems, m->problems == 1 ? "" : "s");
}

/* ---- comparison of runs -------------------------------------------------------------------- */

static void report_compare(char **dirs, unsigned ndirs)
{
	struct kca_model *ms = kca_xcalloc(ndirs, sizeof(*ms));
	for (unsigned d = 0; d < ndirs; d++) {
		kca_model_load(&ms[d], &dirs[d], 1);
		kca_model_families(&ms[d]);
	}
	printf("kcprof report: comparing %u runs\n", ndirs);
	for (unsigned d = 0; d < ndirs; d++)
		printf("  [%c] %s\n", 'A' + d, dirs[d]);
	printf("\n%-40s", "kernel");
	for (unsigned d = 0; d < ndirs; d++)
		printf(" | [%c] variants  loads   build+load  verdict             ", 'A' + d);
	printf("\n");
	/* every family of any run, in the first run's order then the others' */
	for (unsigned d = 0; d < ndirs; d++) {
		for (unsigned i = 0; i < ms[d].nfamilies; i++) {
			const char *name = ms[d].families[i].name;
			int seen_before = 0;
			for (unsigned e = 0; e < d && !seen_before; e++)
				for (unsigned j = 0; j < ms[e].nfamilies && !seen_before; j++)
					seen_before = strcmp(ms[e].families[j].name, name) == 0;
			int interesting = 0;
			for (unsigned e = 0; e < ndirs; e++)
				for (unsigned j = 0; j < ms[e].nfamilies; j++)
					if (strcmp(ms[e].families[j].name, name) == 0)
						interesting |=
						    ms[e].families[j].verdict != KCA_FINE;
			if (seen_before || !interesting)
				continue;
			printf("%-40.40s", name);
			for (unsigned e = 0; e < ndirs; e++) {
				const struct kca_family *f = NULL;
				for (unsigned j = 0; j < ms[e].nfamilies; j++)
					if (strcmp(ms[e].families[j].name, name) == 0)
						f = &ms[e].families[j];
				char t[32];
				if (f)
					printf(" | %12u %6u %12s  %-20s", f->nvariants, f->loads,
					       kca_fmt_ns(f->build_ns + f->load_ns, t, sizeof(t)),
					       kca_verdict_name(f->verdict));
				else
					printf(" | %12s %6s %12s  %-20s", "-", "-", "-",
					       "(absent)");
			}
			printf("\n");
		}
	}
	for (unsigned d = 0; d < ndirs; d++)
		kca_model_free(&ms[d]);
	free(ms);
}

KCA_COMMAND(report)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"all", no_argument, NULL, 'a'},
						 {"top", required_argument, NULL, 't'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int json = 0, all = 0;
	unsigned top = 10;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "jat:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'a':
			all = 1;
			top = UINT32_MAX;
			break;
		case 't':
			top = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	unsigned ndirs;
	char **dirs = kca_dir_args(argc, argv, optind, &ndirs);
	if (ndirs > 1 && !json) {
		report_compare(dirs, ndirs);
		return 0;
	}
	struct kca_model m;
	int found = kca_model_load(&m, dirs, ndirs);
	if (found < 0) {
		kca_model_free(&m);
		return 1;
	}
	kca_model_families(&m);
	if (json)
		kca_report_json(&m, stdout, all ? UINT32_MAX : top);
	else
		report_text(&m, all, top);
	int rc = found == 0 ? 1 : 0;
	kca_model_free(&m);
	return rc;
}
