/* cmd_check.c - kcprof check: a gate for CI in the user's own repository. Exit 1 with one
 * line per violation; 0 when the trace is clean. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "kca.h"
#include "model.h"
#include "report.h"

static const char usage[] =
    "usage: kcprof check [DIR...] [--max-variants N] [--max-reloads N] [--max-build-share F]\n"
    "                    [--since T] [--until T]\n"
    "\n"
    "Fails (exit 1, one line per violation on stdout) when the traces in DIR (default\n"
    "./kcprof.data) show recompilation beyond the limits. With no limits given it fails on\n"
    "any kernel that 'kcprof report' calls churn (specialization or reload churn), or whose\n"
    "autotuner benchmarked its configs again and again, and passes a trace without one. A\n"
    "limit takes over its part of that rule: --max-variants the specialization churn (and\n"
    "the autotuner's), --max-reloads the reload churn, --max-build-share both (what they\n"
    "cost); a part no limit given covers still fails. Each DIR is checked as a run of its\n"
    "own (one kernel's images in two runs are not two variants); with several, each line\n"
    "names its DIR, and any violation, or any DIR without a readable trace, fails. C++\n"
    "kernels are named as the report's headings name them (demangled, template arguments\n"
    "as <…>), or by their symbols where two of the traces read alike.\n"
    "\n"
    "With --since or --until it checks a time window of the recording (T: seconds from its\n"
    "start, or 500ms, 2m): a server past its warm-up. Then, with no limits given, any kernel\n"
    "built or loaded in the window fails, and any whose autotuner benchmarked its configs\n"
    "again there (a limit takes over its part, as above: the reloads of a kernel with\n"
    "reload churn, or the others); the limits count what happened in it (new images,\n"
    "reloads, build and load time against the window's length). A window\n"
    "that begins after a recording's end fails: nothing in it was checked.\n"
    "\n"
    "Options:\n"
    "  --max-variants N     at most N distinct images of one kernel (in a window: new ones;\n"
    "                       not counting images of the program's libraries nothing built)\n"
    "  --max-reloads N      at most N loads of an image already loaded (per process, on the\n"
    "                       same device)\n"
    "  --max-build-share F  build and load time at most F (0..1) of the CUDA processes' time\n"
    "                       (each from its first record, or its first compiler child's start)\n"
    "  --since T            check only what happened T or later after the recording's start\n"
    "  --until T            check only what happened before T after the recording's start\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 clean, 1 a violation (or no readable trace), 2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof record -o ci.data -- python -m pytest tests/test_decode.py && kcprof check ci.data\n"
    "  kcprof check --max-variants 4 --max-build-share 0.05 ci.data\n"
    "  kcprof check --since 2m serve.data    # nothing built or loaded after warm-up\n";

/* How much of [a, b) lies within [from, to). */
static uint64_t overlap_ns(uint64_t a, uint64_t b, uint64_t from, uint64_t to)
{
	uint64_t lo = a > from ? a : from, hi = b < to ? b : to;
	return hi > lo ? hi - lo : 0;
}

/* What the options ask (-1: not given). */
struct check_limits {
	long max_variants, max_reloads;
	double max_share;
};

/* One run's check: its violations on stdout, each naming dir when `named`. 0 clean, 1 a
 * violation or no readable trace. */
static int check_dir(const char *dir, int named, const struct check_limits *lim,
		     const struct kca_window *window)
{
	struct kca_model m;
	char *dirs[] = {(char *)dir};
	int found = kca_model_load_window(&m, dirs, 1, window);
	if (found <= 0) {
		printf("kcprof check: no readable trace in %s\n", dir); /* a failure's reason */
		kca_model_free(&m);
		return 1;
	}
	kca_model_families(&m);
	/* each line names the run it is about where several are checked */
	char pre[PATH_MAX + 32];
	snprintf(pre, sizeof(pre), "kcprof check: %s%s", named ? dir : "", named ? ": " : "");
	long max_variants = lim->max_variants, max_reloads = lim->max_reloads;
	double max_share = lim->max_share;
	/* each limit takes over its part of the churn rule: --max-variants specialization churn,
	 * --max-reloads reload churn, --max-build-share both (what they cost); a part none
	 * covers stays (--max-variants 4 must not let a module loaded 12 times pass) */
	int spec_rule = max_variants < 0 && max_share < 0;
	int reload_rule = max_reloads < 0 && max_share < 0;
	unsigned violations = 0;
	char t[32], t2[32];
	/* C++ kernels by their names, as the report's headings give them */
	struct kca_kernel_names *names = kca_kernel_names_new();
	for (unsigned i = 0; i < m.nfamilies; i++)
		kca_kernel_names_add(names, m.families[i].name);
	for (unsigned i = 0; i < m.nfamilies; i++) {
		const struct kca_family *f = &m.families[i];
		const char *name = kca_kernel_name(names, f->name);
		/* a module reloaded again and again is one problem: its first kernel's line
		 * counts the others (module_mate), which get none */
		unsigned mates = kca_family_module_mates(&m, f);
		char more[64] = "";
		if (mates)
			snprintf(more, sizeof(more), " (and %u more kernel%s of its module)", mates,
				 KCA_PLURAL(mates));
		int mate = f->module_mate >= 0;
		if (m.windowed) { /* what happened within the window */
			/* built or loaded in it fails, each part as outside one: a reload churn
			 * kernel's while no limit covers reloads, another's while none covers
			 * variants */
			int window_fails =
			    kca_family_built_in_window(f) &&
			    (f->verdict == KCA_RELOAD_CHURN ? reload_rule : spec_rule);
			if (window_fails && !mate)
				printf("%s%s: %u new image%s, %u load%s in the window "
				       "(from +%s), %s of builds and loads there%s%s%s\n",
				       pre, name, f->win.new_variants,
				       KCA_PLURAL(f->win.new_variants), f->win.loads,
				       KCA_PLURAL(f->win.loads),
				       kca_fmt_ns(f->win.first_rel_ns, t2, sizeof(t2)),
				       kca_fmt_ns(f->win.build_ns + f->win.load_ns, t, sizeof(t)),
				       f->churn ? "; " : "",
				       f->churn ? kca_verdict_name(f->verdict) : "", more);
			violations += window_fails;
			/* an autotuner benchmarking its configs again builds and loads nothing
			 * there, but is the same cost a server pays after its warm-up */
			if (spec_rule && kca_family_retuned_in_window(&m, f)) {
				printf(
				    "%s%s: its autotuner benchmarked its %u configs again in the "
				    "window (%" PRIu64 " launches there); autotune sweep\n",
				    pre, name, f->nvariants, f->win.launches);
				violations++;
			}
			if (max_variants >= 0 && !f->prebuilt_copies &&
			    f->win.new_variants > (unsigned long)max_variants) {
				if (!mate)
					printf(
					    "%s%s: %u new variants in the window (limit %ld)%s\n",
					    pre, name, f->win.new_variants, max_variants, more);
				violations++;
			}
			if (max_reloads >= 0 && f->win.proc_reloads > (unsigned long)max_reloads) {
				if (!mate)
					printf("%s%s: %u reload%s of an identical image in one "
					       "process in the window (limit %ld)%s\n",
					       pre, name, f->win.proc_reloads,
					       KCA_PLURAL(f->win.proc_reloads), max_reloads, more);
				violations++;
			}
			continue;
		}
		int churn_fails =
		    f->churn && (f->verdict == KCA_RELOAD_CHURN ? reload_rule : spec_rule);
		if (churn_fails && mate) {
			violations++; /* said on its module's first kernel's line */
		} else if (churn_fails) {
			char loaders[96]; /* a load a process's device is needed: not churn */
			printf("%s%s: %s (%u variant%s, %u load%s%s, %s of builds and loads)%s\n",
			       pre, name, kca_verdict_name(f->verdict), f->nvariants,
			       KCA_PLURAL(f->nvariants), f->loads, KCA_PLURAL(f->loads),
			       kca_family_loaders(f, loaders, sizeof(loaders)),
			       kca_fmt_ns(f->build_ns + f->load_ns, t, sizeof(t)), more);
			violations++;
		}
		unsigned windows;
		uint64_t after_ns;
		if (spec_rule &&
		    kca_family_retuned(f, kca_family_changes(&m, f), &windows, &after_ns)) {
			printf(
			    "%s%s: its autotuner benchmarked its %u configs again and again (each "
			    "ran in %u or more flush windows; %" PRIu64
			    " launches); autotune sweep\n",
			    pre, name, f->nvariants, windows, f->launches);
			violations++;
		}
		/* images of the program's own libraries are not variants of a build */
		if (max_variants >= 0 && !f->prebuilt_copies &&
		    f->nvariants > (unsigned long)max_variants) {
			if (!mate)
				printf("%s%s: %u variants (limit %ld)%s\n", pre, name, f->nvariants,
				       max_variants, more);
			violations++;
		}
		if (max_reloads >= 0 && f->proc_reloads > (unsigned long)max_reloads) {
			if (!mate)
				printf("%s%s: %u reload%s of an identical image in one process "
				       "(limit %ld)%s\n",
				       pre, name, f->proc_reloads, KCA_PLURAL(f->proc_reloads),
				       max_reloads, more);
			violations++;
		}
	}
	/* a window past a recording's end checks nothing (a server that died in its warm-up):
	 * a failure, not a pass */
	uint64_t recorded = kca_model_recorded_ns(&m, 0);
	if (m.windowed && m.window.since_ns && m.window.since_ns >= recorded) {
		printf("%sthe window (from +%s) begins after the recording's end (%s recorded): "
		       "nothing in it was checked\n",
		       pre, kca_fmt_ns(m.window.since_ns, t, sizeof(t)),
		       kca_fmt_ns(recorded, t2, sizeof(t2)));
		violations++;
	}
	struct kca_totals tot;
	kca_model_window_totals(&m, &tot);
	if (max_share >= 0) {
		/* the builds' and loads' time within the window (a build that ended in it may have
		 * begun before), against the CUDA processes' time in it, from where the first of
		 * their compiler children began if that came before their first record */
		uint64_t cost = 0, wall = 0, from = m.win_from_ns[0], to = m.win_to_ns[0];
		uint64_t *begin = kca_xcalloc(m.nprocs + 1, sizeof(uint64_t));
		for (unsigned i = 0; i < m.nprocs; i++)
			begin[i] = m.procs[i].start_ns;
		for (unsigned i = 0; i < m.ncompiles; i++) {
			const struct kca_compile *c = &m.compiles[i];
			uint64_t t0 = kca_compile_start(c);
			cost += overlap_ns(t0, c->time_ns, from, to);
			int p = m.procs[c->proc].role == KC_ROLE_CUDA ? c->proc
								      : m.procs[c->proc].parent;
			if (p >= 0 && t0 && t0 < begin[p])
				begin[p] = t0;
		}
		for (unsigned i = 0; i < m.nloads; i++) {
			const struct kca_load *l = &m.loads[i];
			uint64_t t0 = l->time_ns > l->duration_ns ? l->time_ns - l->duration_ns : 0;
			cost += overlap_ns(t0, l->time_ns, from, to);
		}
		for (unsigned i = 0; i < m.nprocs; i++)
			if (m.procs[i].role == KC_ROLE_CUDA)
				wall += overlap_ns(begin[i], m.procs[i].end_ns, from, to);
		free(begin);
		double share = wall ? (double)cost / (double)wall : 0;
		if (share > max_share) {
			printf("%sbuilds and loads took %.1f%% of the CUDA processes' time%s, %s "
			       "(limit %.1f%%)\n",
			       pre, share * 100, m.windowed ? " in the window" : "",
			       kca_fmt_ns(wall, t, sizeof(t)), max_share * 100);
			violations++;
		}
	}
	char damaged[96] = ""; /* what could not be read: checked as far as it goes */
	if (m.problems)
		snprintf(damaged, sizeof(damaged),
			 "; %" PRIu64 " problem%s reading the traces "
			 "(warnings above)",
			 m.problems, m.problems == 1 ? "" : "s");
	if (!violations)
		printf("%sok (%u kernel%s, %u load%s, %u compile%s%s%s)\n", pre, m.nfamilies,
		       KCA_PLURAL(m.nfamilies), tot.nloads, KCA_PLURAL(tot.nloads), tot.ncompiles,
		       KCA_PLURAL(tot.ncompiles), m.windowed ? " in the window" : "", damaged);
	kca_kernel_names_free(names);
	kca_model_free(&m);
	return violations ? 1 : 0;
}

KCA_COMMAND(check)
{
	enum { OPT_VARIANTS = 256, OPT_RELOADS, OPT_SHARE, OPT_SINCE, OPT_UNTIL };
	static const struct option longopts[] = {
	    {"max-variants", required_argument, NULL, OPT_VARIANTS},
	    {"max-reloads", required_argument, NULL, OPT_RELOADS},
	    {"max-build-share", required_argument, NULL, OPT_SHARE},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"until", required_argument, NULL, OPT_UNTIL},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	long max_variants = -1, max_reloads = -1;
	double max_share = -1;
	const char *since = NULL, *until = NULL;
	optind = 1;
	int opt;
	char *end;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_VARIANTS:
			max_variants = strtol(optarg, &end, 10);
			if (*end || max_variants < 1) {
				fprintf(stderr,
					"kcprof check: --max-variants takes a count >= 1\n");
				return 2;
			}
			break;
		case OPT_RELOADS:
			max_reloads = strtol(optarg, &end, 10);
			if (*end || max_reloads < 0) {
				fprintf(stderr, "kcprof check: --max-reloads takes a count >= 0\n");
				return 2;
			}
			break;
		case OPT_SHARE:
			max_share = strtod(optarg, &end);
			if (*end || max_share < 0 || max_share > 1) {
				fprintf(stderr,
					"kcprof check: --max-build-share takes a fraction 0..1\n");
				return 2;
			}
			break;
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	struct kca_window window;
	if (kca_window_options("check", since, until, &window) < 0)
		return 2;
	unsigned ndirs;
	char **dirs = kca_dir_args(argc, argv, optind, &ndirs);
	const struct check_limits lim = {max_variants, max_reloads, max_share};
	/* each DIR its own run: a kernel's images in two runs are not one run's variants */
	int rc = 0;
	for (unsigned d = 0; d < ndirs; d++) {
		int r = check_dir(dirs[d], ndirs > 1, &lim, since || until ? &window : NULL);
		rc = r > rc ? r : rc;
	}
	return rc;
}
