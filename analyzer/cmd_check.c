/* cmd_check.c - kcprof check: a gate for CI in the user's own repository. Exit 1 with one
 * line per violation; 0 when the trace is clean. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "kca.h"
#include "model.h"
#include "report.h"

static const char usage[] =
    "usage: kcprof check [DIR...] [--max-variants N] [--max-reloads N] [--max-build-share F]\n"
    "\n"
    "Fails (exit 1, one line per violation on stdout) when the traces in DIR (default\n"
    "./kcprof.data) show recompilation beyond the limits. With no limits given it fails on\n"
    "any kernel that 'kcprof report' calls churn (specialization or reload churn) and passes\n"
    "a trace without one. Given limits replace that rule.\n"
    "\n"
    "Options:\n"
    "  --max-variants N     at most N distinct images of one kernel\n"
    "  --max-reloads N      at most N loads of an image already loaded (per process)\n"
    "  --max-build-share F  build and load time at most F (0..1) of the recorded time\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 clean, 1 a violation (or no readable trace), 2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof record -o ci.data -- python -m pytest tests/test_decode.py && kcprof check ci.data\n"
    "  kcprof check --max-variants 4 --max-build-share 0.05 ci.data\n";

KCA_COMMAND(check)
{
	enum { OPT_VARIANTS = 256, OPT_RELOADS, OPT_SHARE };
	static const struct option longopts[] = {
	    {"max-variants", required_argument, NULL, OPT_VARIANTS},
	    {"max-reloads", required_argument, NULL, OPT_RELOADS},
	    {"max-build-share", required_argument, NULL, OPT_SHARE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	long max_variants = -1, max_reloads = -1;
	double max_share = -1;
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
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	unsigned ndirs;
	char **dirs = kca_dir_args(argc, argv, optind, &ndirs);
	struct kca_model m;
	int found = kca_model_load(&m, dirs, ndirs);
	if (found <= 0) {
		printf("kcprof check: no traces in %s\n", dirs[0]);
		kca_model_free(&m);
		return 1;
	}
	kca_model_families(&m);
	int defaults = max_variants < 0 && max_reloads < 0 && max_share < 0;
	unsigned violations = 0;
	char t[32];
	for (unsigned i = 0; i < m.nfamilies; i++) {
		const struct kca_family *f = &m.families[i];
		if (defaults && f->churn) {
			printf("kcprof check: %s: %s (%u variants, %u loads, %s of builds and "
			       "loads)\n",
			       f->name, kca_verdict_name(f->verdict), f->nvariants, f->loads,
			       kca_fmt_ns(f->build_ns + f->load_ns, t, sizeof(t)));
			violations++;
		}
		if (max_variants >= 0 && f->nvariants > (unsigned long)max_variants) {
			printf("kcprof check: %s: %u variants (limit %ld)\n", f->name, f->nvariants,
			       max_variants);
			violations++;
		}
		if (max_reloads >= 0 && f->reloads > (unsigned long)max_reloads) {
			printf("kcprof check: %s: %u reload%s of an identical image (limit %ld)\n",
			       f->name, f->reloads, KCA_PLURAL(f->reloads), max_reloads);
			violations++;
		}
	}
	if (max_share >= 0) {
		uint64_t cost = 0, wall = 0;
		for (unsigned i = 0; i < m.ncompiles; i++)
			cost += m.compiles[i].duration_ns;
		for (unsigned i = 0; i < m.nloads; i++)
			cost += m.loads[i].duration_ns;
		for (unsigned i = 0; i < m.nprocs; i++)
			if (m.procs[i].role == KC_ROLE_CUDA &&
			    m.procs[i].end_ns > m.procs[i].start_ns)
				wall += m.procs[i].end_ns - m.procs[i].start_ns;
		double share = wall ? (double)cost / (double)wall : 0;
		if (share > max_share) {
			printf("kcprof check: builds and loads took %.1f%% of the recorded time "
			       "(limit %.1f%%)\n",
			       share * 100, max_share * 100);
			violations++;
		}
	}
	if (!violations)
		printf("kcprof check: ok (%u kernel%s, %u load%s, %u compile%s)\n", m.nfamilies,
		       KCA_PLURAL(m.nfamilies), m.nloads, KCA_PLURAL(m.nloads), m.ncompiles,
		       KCA_PLURAL(m.ncompiles));
	kca_model_free(&m);
	return violations ? 1 : 0;
}
