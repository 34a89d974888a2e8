/* test_report.c - the analyzer: families, verdicts and what changed, on the traces recorded on
 * the H100 (examples/traces: Triton constexpr churn, autotune, torch.compile shapes, PDL) and on
 * stand-in recordings of the NVRTC and PTX churn cases; the commands' exit codes and output on
 * clean, churning and damaged traces. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../analyzer/changes.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "../common/kc_record.h"
#include "../analyzer/kca.h"
#include "../analyzer/model.h"
#include "../analyzer/report.h"
#include "kct.h"
#include <inttypes.h>

#define DEMO "examples/traces/triton-constexpr"

/* What a command printed (kct_run_cli). */
static char out[1 << 20];

static const struct kca_family *family(const struct kca_model *m, const char *name)
{
	for (unsigned i = 0; i < m->nfamilies; i++)
		if (strcmp(m->families[i].name, name) == 0)
			return &m->families[i];
	return NULL;
}

static void load(struct kca_model *m, const char *dir)
{
	char *d = (char *)dir;
	cr_assert_gt(kca_model_load(m, &d, 1), 0, "no traces in %s", dir);
	kca_model_families(m);
}

Test(report, triton_constexpr_churn_named)
{
	struct kca_model m;
	load(&m, DEMO);
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 20);
	cr_assert_eq(f->loads, 20);
	cr_assert_eq(f->launches, 20);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert(f->churn);
	cr_assert_eq(f->front_end, KCA_FE_TRITON);
	cr_assert_gt(f->build_ns, 100000000ull, "ptxas children are counted as its build time");
	cr_assert_eq(&m.families[0], f, "worst first");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_geq(ch.nchanges, 1);
	cr_assert_str_eq(ch.changes[0].name, "MAX_LEN");
	cr_assert(ch.changes[0].is_param, "named as the tl.constexpr parameter");
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "20 values, 500..519");
	cr_assert(strstr(ch.kernel_def, "MAX_LEN: tl.constexpr"), "%s", ch.kernel_def);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, triton_divisibility_and_fixed)
{
	struct kca_model m;
	load(&m, DEMO);
	const struct kca_family *f = family(&m, "fill_mask_runtime");
	cr_assert_eq(f->nvariants, 2);
	cr_assert_eq(f->verdict, KCA_FEW_VARIANTS);
	cr_assert(!f->churn);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_DIVISIBILITY);
	cr_assert_str_eq(ch.changes[0].name, "max_len % 16 == 0");
	kca_changes_free(&ch);
	const struct kca_family *fixed = family(&m, "fill_mask_fixed");
	cr_assert_eq(fixed->nvariants, 1);
	cr_assert_eq(fixed->launches, 20);
	cr_assert_eq(fixed->verdict, KCA_FINE);
	kca_model_free(&m);
}

Test(report, nvrtc_trace_recorded_on_the_gpu)
{
	/* tests/progs/nvrtc_client.c against the H100's driver: a -D per request */
	struct kca_model m;
	load(&m, "examples/traces/nvrtc-define");
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 5);
	cr_assert_eq(f->loads, 6);
	cr_assert_eq(f->launches, 6);
	cr_assert_eq(f->front_end, KCA_FE_NVRTC);
	cr_assert(f->churn);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_str_eq(ch.changes[0].name, "MAX_LEN");
	cr_assert_str_eq(ch.changes[0].values[4], "504");
	/* the -D's line: the compile's native call site, named from the client the trace
	 * archived by its build-id (modules/<id>/), not from any build of it here */
	cr_assert(strstr(ch.changes[0].where, "tests/progs/nvrtc_client.c:") != NULL, "%s",
		  ch.changes[0].where);
	kca_changes_free(&ch);
	struct kca_call_site sites[4];
	cr_assert_eq(kca_family_call_sites(&m, f, sites, 4), 1);
	cr_assert_str_eq(sites[0].func, "load_ptx");
	cr_assert_eq(sites[0].count, 6);
	cr_assert_eq(kca_family_compile_sites(&m, f, sites, 4), 1);
	cr_assert_str_eq(sites[0].func, "nvrtc_ptx");
	cr_assert_eq(sites[0].count, 6);
	/* the fix beside it, in a second process: max_len an argument, one compile */
	const struct kca_family *fixed = family(&m, "fill_mask_fixed");
	cr_assert_not_null(fixed);
	cr_assert_eq(fixed->nvariants, 1);
	cr_assert_eq(fixed->launches, 6);
	cr_assert_eq(fixed->front_end, KCA_FE_NVRTC);
	cr_assert_eq(fixed->verdict, KCA_FINE);
	cr_assert_eq(m.ncompiles, 7);
	kca_model_free(&m);
}

Test(report, ptx_jit_trace_recorded_on_the_gpu)
{
	/* nvrtc_client ptx, then ptx-arg, against the H100's driver: PTX with max_len written
	 * in, JIT-compiled by the driver at each load, and the fix with max_len a .param */
	struct kca_model m;
	load(&m, "examples/traces/ptx-jit");
	const struct kca_family *f = family(&m, "fill_mask_ptx");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 5);
	cr_assert_eq(f->loads, 6);
	cr_assert_eq(f->launches, 6);
	cr_assert_eq(f->front_end, KCA_FE_PTX);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_gt(f->load_ns, 10 * 1000000ull, "the driver's JIT is in the loads' time");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_PTX);
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "5 values, 500..504");
	kca_changes_free(&ch);
	const struct kca_family *fixed = family(&m, "fill_mask_ptx_fixed");
	cr_assert_not_null(fixed);
	cr_assert_eq(fixed->nvariants, 1);
	cr_assert_eq(fixed->launches, 6);
	cr_assert_eq(fixed->verdict, KCA_FINE);
	struct kca_call_site site;
	cr_assert_eq(kca_family_call_sites(&m, f, &site, 1), 1);
	cr_assert_str_eq(site.func, "load_ptx");
	cr_assert_eq(kca_family_compile_sites(&m, f, &site, 1), 0, "the driver's JIT: no compile");
	kca_model_free(&m);
}

Test(report, nvjitlink_trace_recorded_on_the_gpu)
{
	/* nvrtc_client link 3 on the H100: NVRTC (a -D per request) to PTX, nvJitLink to a
	 * cubin, the cubin loaded. The NVRTC compiles count for the kernel through the link. */
	struct kca_model m;
	load(&m, "examples/traces/nvjitlink-define");
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_LINK);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->loads, 4);
	cr_assert_eq(m.ncompiles, 8);
	cr_assert_eq(f->ncompiles, 8, "4 links and the 4 NVRTC compiles behind them");
	uint64_t nvrtc_ns = 0, link_ns = 0;
	for (unsigned i = 0; i < f->ncompiles; i++) {
		const struct kca_compile *c = &m.compiles[f->compiles[i]];
		if (c->tool == KC_TOOL_NVRTC)
			nvrtc_ns += c->duration_ns;
		else
			link_ns += c->duration_ns;
	}
	cr_assert_gt(nvrtc_ns, 10 * link_ns, "NVRTC is most of the build: %llu / %llu",
		     (unsigned long long)nvrtc_ns, (unsigned long long)link_ns);
	cr_assert_geq(f->build_ns, nvrtc_ns + link_ns);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_str_eq(ch.changes[0].name, "MAX_LEN");
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_DEFINE);
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "3 values, 500..502");
	kca_changes_free(&ch);
	struct kca_call_site sites[4];
	cr_assert_eq(kca_family_compile_sites(&m, f, sites, 4), 2, "the link's line and NVRTC's");
	const char *funcs[2] = {sites[0].func, sites[1].func};
	cr_assert((strcmp(funcs[0], "link_cubin") == 0 && strcmp(funcs[1], "nvrtc_ptx") == 0) ||
		      (strcmp(funcs[1], "link_cubin") == 0 && strcmp(funcs[0], "nvrtc_ptx") == 0),
		  "%s, %s", funcs[0], funcs[1]);
	kca_model_free(&m);
}

Test(report, nvcc_trace_recorded_on_the_gpu)
{
	/* nvrtc_client nvcc 5, then nvcc-arg 5, on the H100: the toolkit's nvcc per request, a
	 * fatbin loaded; then nvcc once. nvcc's runs are the kernel's build, -DMAX_LEN read from
	 * their command lines and the value from the PTX each fatbin carries; the client's copy
	 * in the trace names the loading line. */
	struct kca_model m;
	load(&m, "examples/traces/nvcc-define");
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_COMPILER);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->nvariants, 5);
	cr_assert_eq(f->loads, 6);
	cr_assert_eq(f->ncompiles, 6, "an nvcc run a request");
	cr_assert_gt(f->build_ns, 1000000000ull, "%llu ns", (unsigned long long)f->build_ns);
	const struct kca_changes *ch = kca_family_changes(&m, f);
	cr_assert_eq(ch->nchanges, 2);
	char summary[256];
	for (int i = 0; i < 2; i++) {
		kca_values_summary(&ch->changes[i], summary, sizeof(summary));
		cr_assert_str_eq(summary, "5 values, 500..504", "%s", ch->changes[i].name);
	}
	cr_assert_str_eq(ch->changes[0].name, "MAX_LEN");
	cr_assert_eq(ch->changes[1].kind, KCA_CHANGE_PTX);
	struct kca_call_site site;
	cr_assert_eq(kca_family_call_sites(&m, f, &site, 1), 1);
	cr_assert_str_eq(site.func, "kernel_for");
	const struct kca_family *fixed = family(&m, "fill_mask_fixed");
	cr_assert_not_null(fixed);
	cr_assert_eq(fixed->verdict, KCA_FINE);
	cr_assert_eq(fixed->launches, 6);
	cr_assert(kca_model_recorded_ns(&m, 0) > f->build_ns);
	kca_model_free(&m);
	/* diff: MAX_LEN=500 was built twice (its first request and the last), both runs shown,
	 * as the variant's build time counts both */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", "examples/traces/nvcc-define", "fill_mask", NULL},
			out, sizeof(out)),
	    0);
	const char *a = strstr(out, "[A] variant 1:"), *b = strstr(out, "[B] variant 2:");
	cr_assert(a && b && strstr(a, "built in 1.21 s"), "%s", out);
	unsigned runs = 0;
	for (const char *p = strstr(a, "built by:"); p && p < b; p = strstr(p + 1, "built by:"))
		runs += strstr(p, "-DMAX_LEN=500 (") != NULL;
	cr_assert_eq(runs, 2, "%s", out);
}

Test(report, a_define_naming_the_build_is_one_of_its_files)
{
	/* torch's cpp_extension: -DTORCH_EXTENSION_NAME names the source and objects */
	const char *torch[] = {"/usr/local/cuda/bin/nvcc",
			       "-MF",
			       "ext500.cuda.o.d",
			       "-DTORCH_EXTENSION_NAME=ext500",
			       "-isystem",
			       "/t/torch/include",
			       "-DMAX_LEN=500",
			       "-c",
			       "/tmp/x/ext500/ext500.cu",
			       "-o",
			       "ext500.cuda.o"};
	cr_assert(kca_define_names_build(torch, 11, 3, "TORCH_EXTENSION_NAME=ext500"));
	cr_assert_not(kca_define_names_build(torch, 11, 6, "MAX_LEN=500"), "a number");
	/* a value that is only a directory searched or the compiler's: a constant */
	const char *dirs[] = {"nvcc",
			      "-DBACKEND=include",
			      "-isystem",
			      "/usr/local/cuda/include",
			      "-DCC=gcc",
			      "-ccbin",
			      "/opt/gcc/bin/gcc",
			      "-DPY=python3.12",
			      "-I",
			      "/usr/include/python3.12",
			      "-c",
			      "k.cu",
			      "-o",
			      "k.o"};
	cr_assert_not(kca_define_names_build(dirs, 14, 1, "BACKEND=include"));
	cr_assert_not(kca_define_names_build(dirs, 14, 4, "CC=gcc"));
	cr_assert_not(kca_define_names_build(dirs, 14, 7, "PY=python3.12"));
	/* -D NAME=VALUE as two arguments; a value inside a name is not the name */
	const char *split[] = {"nvcc",	      "-D", "MOD=attn_fwd", "-o",
			       "attn_fwd.so", "-D", "ACT=fwd",	    "/src/attn_fwd_kernel.cu"};
	cr_assert(kca_define_names_build(split, 8, 2, "MOD=attn_fwd"));
	cr_assert_not(kca_define_names_build(split, 8, 6, "ACT=fwd"), "fwd is part of names only");
	cr_assert_not(kca_define_names_build(split, 8, 2, "MOD="), "no value");
	cr_assert_not(kca_define_names_build(split, 8, 2, "MOD"), "no value");
}

Test(report, torch_compile_auto_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_auto.py on the H100: torch.compile's default fed six lengths;
	 * the first baked in (xnumel 97), then one kernel taking it as an argument: two builds,
	 * once (automatic dynamic shapes), not a size that changes "now and then" */
	struct kca_model m;
	load(&m, "examples/traces/torch-compile-auto");
	cr_assert_eq(m.nfamilies, 1);
	const struct kca_family *f = &m.families[0];
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR);
	cr_assert_neq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->nvariants, 2);
	cr_assert_eq(f->launches, 30);
	kca_model_free(&m);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/torch-compile-auto", NULL}, out,
			sizeof(out)),
	    0);
	cr_assert(strstr(out, "fix: torch.compile first built xnumel into the kernel (97), then "
			      "built it again with xnumel as\n         an argument once the size "
			      "changed (its automatic dynamic shapes)"),
		  "%s", out);
	cr_assert_null(strstr(out, "now and then"), "%s", out);
}

Test(report, torch_max_autotune_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_max_autotune.py on the H100: torch.compile(mode=
	 * "max-autotune-no-cudagraphs") on a linear layer builds 18 configs of Inductor's
	 * triton_mm template on a thread pool and benchmarks them at the first call. Its block
	 * sizes are configs, not sizes of the input (no mark_dynamic advice); tl.cdiv's constant
	 * in Triton's own library, which follows them, is left out; the loads' line is Inductor's
	 * task on the pool, not the pool's thread.py. */
	struct kca_model m;
	load(&m, "examples/traces/torch-max-autotune");
	const struct kca_family *f = family(&m, "triton_mm");
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR);
	cr_assert_neq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->nvariants, 18);
	const struct kca_changes *ch = kca_family_changes(&m, f);
	for (unsigned i = 0; i < ch->nchanges; i++)
		cr_assert_null(strstr(ch->changes[i].where, "/triton/language/"), "%s at %s",
			       ch->changes[i].name, ch->changes[i].where);
	cr_assert_str_eq(ch->changes[0].name, "BLOCK_M");
	struct kca_call_site site;
	cr_assert_eq(kca_family_call_sites(&m, f, &site, 1), 1);
	cr_assert(strstr(site.where, "torch/_inductor/select_algorithm.py:"), "%s", site.where);
	cr_assert_eq(site.count, 18);
	kca_model_free(&m);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/torch-max-autotune", NULL}, out,
			sizeof(out)),
	    0);
	cr_assert(strstr(out,
			 "fix: Inductor's max-autotune built 18 configs of its triton_mm "
			 "template (BLOCK_M, BLOCK_N,\n         BLOCK_K, num_warps, num_stages)"),
		  "%s", out);
	cr_assert_null(strstr(out, "mark_dynamic"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "examples/traces/torch-max-autotune", NULL}, out,
			sizeof(out)),
	    0, "a start-up cost, not churn: %s", out);
}

Test(report, torch_extension_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_extension.py on the H100: torch's cpp_extension builds a library for
	 * each request (ninja runs nvcc with -DMAX_LEN=<len> and -DTORCH_EXTENSION_NAME=<the
	 * extension's name>, the source and the objects named after it); the runtime loads each
	 * kernel (a library load, then its lazy module at the first launch). The cause named is
	 * MAX_LEN: the extension's name differs as each build is another, and is listed last,
	 * never the fix's subject; a library and its lazy module are one load, as counted at the
	 * line that asked for them too. */
	struct kca_model m;
	load(&m, "examples/traces/torch-extension");
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_COMPILER);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->loads, 3);
	const struct kca_changes *ch = kca_family_changes(&m, f);
	cr_assert_eq(ch->nchanges, 2);
	cr_assert_str_eq(ch->changes[0].name, "MAX_LEN");
	cr_assert_not(kca_change_names_build(&ch->changes[0]));
	cr_assert_str_eq(ch->changes[1].name, "TORCH_EXTENSION_NAME");
	cr_assert(kca_change_names_build(&ch->changes[1]));
	struct kca_call_site site;
	cr_assert_eq(kca_family_call_sites(&m, f, &site, 1), 1);
	cr_assert_eq(site.count, 3, "a library and its lazy module are one load: %u", site.count);
	const struct kca_family *fixed = family(&m, "fill_mask_fixed");
	cr_assert_not_null(fixed);
	cr_assert_eq(fixed->verdict, KCA_FINE);
	cr_assert_eq(fixed->loads, 1);
	kca_model_free(&m);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/torch-extension", NULL}, out,
			sizeof(out)),
	    0);
	cr_assert(strstr(out, "fix: -DMAX_LEN changes per build"), "%s", out);
	cr_assert(strstr(out, "TORCH_EXTENSION_NAME (-D option, the build's name)"), "%s", out);
	cr_assert(strstr(out, "(3 loads)"), "%s", out);
	/* diff: of nvcc's 32 arguments, the -D values and the paths named after the build */
	cr_assert_eq(kct_run_cli((const char *[]){"diff", "examples/traces/torch-extension",
						  "fill_mask", "1", "3", NULL},
				 out, sizeof(out)),
		     0);
	const char *d = strstr(out, "the builds' command lines differ in 5 of 32:\n");
	cr_assert(d && strstr(d, "    [A] -DMAX_LEN=500\n    [B] -DMAX_LEN=502\n") &&
		      strstr(d, "    [A] -DTORCH_EXTENSION_NAME=fill_mask_len500\n") &&
		      !strstr(d, "-isystem"),
		  "%s", out);
	/* and NVRTC's options */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", "examples/traces/nvrtc-define", "fill_mask", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "the builds' options differ in 1 of 2:\n    [A] -DMAX_LEN=500\n"
			      "    [B] -DMAX_LEN=501\n"),
		  "%s", out);
}

/* drv_client ARGS (a mode and its arguments) run under kcprof record into dir, with env
 * ("NAME=value ...", or "") in its environment. */
static void record_drv_env(const char *dir, const char *env, const char *args)
{
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "%s KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client %s", env,
		 kct_data(), kct_cli(), dir, kct_build(), args);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void record_drv(const char *dir, const char *args)
{
	record_drv_env(dir, "", args);
}

/* prog_name ARGS recorded into dir, which may hold other processes' traces already. */
static void record_in(const char *dir, const char *prog_name, const char *const *args)
{
	const char *argv[8] = {NULL};
	char bin[4200];
	snprintf(bin, sizeof(bin), "%s/tests/bin/%s", kct_build(), prog_name);
	argv[0] = bin;
	for (int i = 0; args && args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	char data[4200];
	snprintf(data, sizeof(data), "KCT_DATA=%s", kct_data());
	const char *env[] = {data, "KCPROF_CUPTI=0", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed", prog_name);
}

static char *record(const char *prog_name, const char *const *args)
{
	char *dir = kct_tmpdir();
	record_in(dir, prog_name, args);
	return dir;
}

Test(report, reload_churn)
{
	char *dir = record("drv_client", (const char *[]){"reload", "12", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "kern_add");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 1, "one image");
	cr_assert_eq(f->loads, 12);
	cr_assert_eq(f->reloads, 11);
	cr_assert_eq(f->launches, 12);
	cr_assert_eq(f->verdict, KCA_RELOAD_CHURN);
	cr_assert(f->churn);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "loaded 12 times") && strstr(fix, "load it once"), "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

/* One process driving several GPUs loads each kernel once a device (Triton, JAX, a model
 * spread over devices with device_map): no reload. Loading it again on one device is. */
Test(report, an_image_loaded_once_a_device_is_no_reload)
{
	char *dir = record("drv_client", (const char *[]){"devices", "4", "1", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "kern_add");
	cr_assert_not_null(f);
	cr_assert_eq(f->loads, 4);
	cr_assert_eq(f->devices, 4);
	cr_assert_eq(f->reloads, 0, "once on each of 4 devices: %u reloads", f->reloads);
	cr_assert_eq(f->verdict, KCA_FINE);
	kca_model_free(&m);

	dir = record("drv_client", (const char *[]){"devices", "4", "3", NULL});
	load(&m, dir);
	f = family(&m, "kern_add");
	cr_assert_eq(f->loads, 12);
	cr_assert_eq(f->reloads, 8, "twice more on each device");
	cr_assert_eq(f->proc_reloads, 8);
	cr_assert_eq(f->verdict, KCA_RELOAD_CHURN);
	char out[16384];
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(
	    strstr(out, "1 variant in 12 loads on 4 devices (8 of an image already loaded)") &&
		strstr(out, "loaded 12 times on 4 devices (8 again on a device): load it "
			    "once a device"),
	    "%s", out);
	/* two processes, each loading it once on each of 2 devices: no reload either */
	char *two = kct_tmpdir();
	for (int i = 0; i < 2; i++)
		record_in(two, "drv_client", (const char *[]){"devices", "2", "1", NULL});
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", two, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out,
			 "kern_add  [cubin]  fine\n    1 variant in 4 loads by 2 processes (on "
			 "up to 2 devices each), 4 launches\n"),
		  "%s", out);
	/* one process on 4 devices once each, another on 1 device 6 times: the churn is the
	 * second's, whose loads went to one device */
	char *mixed = kct_tmpdir();
	record_in(mixed, "drv_client", (const char *[]){"devices", "4", "1", NULL});
	record_in(mixed, "drv_client", (const char *[]){"devices", "1", "6", NULL});
	cr_assert_eq(kct_run_cli((const char *[]){"report", mixed, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "fix: the same image is loaded 6 times in one process: load it once "
			      "and keep"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", mixed, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out,
			 "kern_add: reload churn (1 variant, 10 loads by 2 processes (on up to "
			 "4 devices each), "),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "kern_add: reload churn (1 variant, 12 loads on 4 devices, "), "%s",
		  out);
	/* export: each load's slice says its device */
	char json[4200];
	snprintf(json, sizeof(json), "%s/export.json", dir);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"export", dir, "--chrome", json, NULL}, out, sizeof(out)),
	    0, "%s", out);
	char *text = kct_read_file(json, NULL);
	unsigned on[4] = {0};
	for (const char *p = text; (p = strstr(p, "\"device\":")); p++)
		on[atoi(p + 9) & 3]++;
	cr_assert(on[0] == 3 && on[1] == 3 && on[2] == 3 && on[3] == 3,
		  "loads a device: %u %u %u %u", on[0], on[1], on[2], on[3]);
	free(text);
	kca_model_free(&m);
}

Test(report, pdl_chain_gpu_time_recorded_on_the_gpu)
{
	/* examples/traces/pdl-chain: kernels/chain_bench under record --gpu-time on the H100,
	 * without and with PDL (32 layers x KV write, decode, reduce; 3 rounds of 301 steps). Every
	 * kernel run timed; with PDL most start before their predecessor ends, and the streams sit
	 * idle for less, per run and in all. */
	uint64_t runs[2] = {0}, gaps[2] = {0}, gap_ns[2] = {0}, overlapped[2] = {0};
	const char *dirs[2] = {"examples/traces/pdl-chain/nopdl", "examples/traces/pdl-chain/pdl"};
	for (int i = 0; i < 2; i++) {
		struct kca_model m;
		load(&m, dirs[i]);
		cr_assert_eq(m.problems, 0);
		for (unsigned g = 0; g < m.ngpu; g++) {
			runs[i] += m.gpu[g].count;
			gaps[i] += m.gpu[g].gap_count;
			gap_ns[i] += m.gpu[g].gap_ns;
			overlapped[i] += m.gpu[g].overlapped;
		}
		const struct kca_family *f = family(&m, "kc_reduce_f16_d128");
		cr_assert_not_null(f);
		cr_assert_eq(f->gpu_count, f->launches,
			     "every launch of the reduce timed (%" PRIu64 ")", f->launches);
		kca_model_free(&m);
	}
	cr_assert_eq(runs[0], 86688);
	cr_assert_eq(runs[1], 86688);
	cr_assert_eq(overlapped[0], 0, "no PDL, no overlap");
	cr_assert_gt(overlapped[1] * 10, gaps[1] * 9, "with PDL over 90%% of runs overlap");
	cr_assert_lt(gap_ns[1] / gaps[1], gap_ns[0] / gaps[0], "less idle a run with PDL");
}

Test(report, triton_autotune_sweep_recorded_on_the_gpu)
{
	/* examples/traces/triton-autotune: 4 configs built at the first call (BLOCK and num_warps
	 * differ), beside the same kernel launched with the chosen config (one build). */
	struct kca_model m;
	load(&m, "examples/traces/triton-autotune");
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, "scale_rows");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 4);
	cr_assert_eq(f->verdict, KCA_AUTOTUNE_SWEEP);
	cr_assert_not(f->churn, "a sweep once at start is not churn");
	cr_assert_gt(f->launches, 50, "the script's 50 and the autotuner's benchmark launches");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert(strstr(ch.autotune_where, "triton_autotune.py:22"), "the decorator: %s",
		  ch.autotune_where);
	int block = 0, warps = 0;
	for (unsigned i = 0; i < ch.nchanges; i++) {
		char summary[256];
		kca_values_summary(&ch.changes[i], summary, sizeof(summary));
		if (strcmp(ch.changes[i].name, "BLOCK") == 0) {
			block = 1;
			cr_assert(ch.changes[i].is_param);
			cr_assert_str_eq(summary, "256, 512, 1024",
					 "range(0, n, BLOCK) and tl.arange agree: %s", summary);
		} else if (strcmp(ch.changes[i].name, "num_warps") == 0) {
			warps = 1;
			cr_assert_str_eq(summary, "2, 4, 8");
		}
	}
	cr_assert(block && warps, "both the constexpr and the config named (%u changes)",
		  ch.nchanges);
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "autotune") && strstr(fix, "4 configs"), "%s", fix);
	kca_changes_free(&ch);
	const struct kca_family *fixed = family(&m, "scale_rows_fixed");
	cr_assert_not_null(fixed);
	cr_assert_eq(fixed->nvariants, 1);
	cr_assert_eq(fixed->launches, 50);
	cr_assert_eq(fixed->verdict, KCA_FINE);
	kca_model_free(&m);
}

/* examples/traces/torch-compile-shapes: a layer under torch.compile(dynamic=False) fed six
 * sequence lengths (static), and with the length marked dynamic (dynamic), recorded on the H100
 * with the Triton cache and Inductor's generated kernel modules (sources/) in the traces. */
#define SHAPES "examples/traces/torch-compile-shapes"
#define INDUCTOR_KERNEL "triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_silu_0"

Test(report, torch_compile_shape_churn_recorded_on_the_gpu)
{
	struct kca_model m;
	load(&m, SHAPES "/static");
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, INDUCTOR_KERNEL);
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR, "Inductor's, though Triton built it");
	cr_assert_eq(f->nvariants, 6, "a build per sequence length");
	cr_assert_eq(f->launches, 30);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(&m.families[0], f, "worst first");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	/* "xnumel = 97" in each module: named after what it is assigned to, found through the
	 * trace's sources/; the argument xnumel's divisibility (dead: overwritten) left out */
	cr_assert_eq(ch.nchanges, 1, "only the baked-in size (%u changes, first %s)", ch.nchanges,
		     ch.nchanges ? ch.changes[0].name : "-");
	cr_assert_str_eq(ch.changes[0].name, "xnumel");
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_CONSTANT);
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "97, 130, 211, 256, 301, 419");
	cr_assert(strstr(ch.changes[0].where, SHAPES "/static/sources/"), "%s",
		  ch.changes[0].where);
	cr_assert(strstr(ch.kernel_def, "xnumel, r0_numel"), "%s", ch.kernel_def);
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "mark_dynamic") && strstr(fix, "xnumel"), "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);

	load(&m, SHAPES "/dynamic");
	f = family(&m, INDUCTOR_KERNEL);
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR);
	cr_assert_eq(f->nvariants, 1, "one build for every length");
	cr_assert_eq(f->launches, 30);
	cr_assert_eq(f->verdict, KCA_FINE);
	kca_model_free(&m);
	/* the compile worker's long command line is cut, and says so */
	static char text[1 << 16];
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", SHAPES "/static", NULL}, text, sizeof(text)), 0);
	cr_assert(strstr(text, "/site-packages/torch/_inductor/compil...\n"), "%s", text);
}

Test(report, torch_compile_without_its_sources)
{
	/* The same trace without sources/: still Inductor's (its def's module lies in Inductor's
	 * code cache layout, xy/cxy....py), the size named by where it is used. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "cp -r " SHAPES "/static/. %s && rm -rf %s/sources", dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, INDUCTOR_KERNEL);
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_geq(ch.nchanges, 1);
	for (unsigned i = 0; i < ch.nchanges; i++) /* its sizes at lines 19 (set) and 26 (used) */
		cr_assert_eq(ch.changes[i].kind, KCA_CHANGE_CONSTANT, "%s", ch.changes[i].name);
	cr_assert(strstr(ch.changes[0].name, "line 19"), "%s", ch.changes[0].name);
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "97, 130, 211, 256, 301, 419");
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, nvrtc_define_churn)
{
	char *dir = record("nvrtc_client", (const char *[]){"6", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 6);
	cr_assert_eq(f->loads, 7);
	cr_assert_eq(f->reloads, 1, "MAX_LEN=500 came twice: the same PTX loaded again");
	cr_assert_eq(f->front_end, KCA_FE_NVRTC);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_gt(f->build_ns, 0, "NVRTC time attributed");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_DEFINE);
	cr_assert_str_eq(ch.changes[0].name, "MAX_LEN");
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "6 values, 500..505");
	kca_changes_free(&ch);
	kca_model_free(&m);
}

/* The value as a kernel argument (NVRTC) or a .param (PTX): one build, one load, every request
 * launched from it, and nothing flagged. */
static void assert_built_once(const char *mode, const char *kernel)
{
	char *dir = record("nvrtc_client", (const char *[]){mode, "5", NULL});
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.nfamilies, 1, "%s: one kernel", mode);
	const struct kca_family *f = family(&m, kernel);
	cr_assert_not_null(f, "%s: %s", mode, kernel);
	cr_assert_eq(f->nvariants, 1);
	cr_assert_eq(f->loads, 1);
	cr_assert_eq(f->launches, 6);
	cr_assert_eq(f->verdict, KCA_FINE, "%s: verdict %d", mode, f->verdict);
	kca_model_free(&m);
}

Test(report, nvrtc_and_ptx_fixes_build_once)
{
	assert_built_once("arg", "fill_mask_fixed");
	assert_built_once("ptx-arg", "fill_mask_ptx_fixed");
}

Test(report, nvcc_define_per_request)
{
	/* The toolkit's nvcc run for each request with -DMAX_LEN, its fatbin loaded (against the
	 * stand-in driver): the images a compiler child built, the -D from its command line and
	 * the value in the PTX the fatbin carries (compressed, nvcc's default); nvcc's time is
	 * the build's, and the recording starts where the first nvcc did (the program's trace
	 * opens at its first load, after it). */
	if (kct_sanitized())
		cr_skip_test("nvcc crashes with the sanitizers' runtimes preloaded into it (the "
			     "plain run covers this)");
	assert_built_once("nvcc-arg", "fill_mask_fixed");
	char *dir = record("nvrtc_client", (const char *[]){"nvcc", "3", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->loads, 4);
	cr_assert_eq(f->front_end, KCA_FE_COMPILER);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->ncompiles, 4, "each nvcc run (its cicc and ptxas inside it)");
	uint64_t built = 0;
	for (unsigned i = 0; i < f->ncompiles; i++)
		built += m.compiles[f->compiles[i]].duration_ns;
	cr_assert_eq(f->build_ns, built);
	cr_assert_geq(kca_model_recorded_ns(&m, 0), built,
		      "recorded %" PRIu64 " ns, built %" PRIu64, kca_model_recorded_ns(&m, 0),
		      built);
	/* the first nvcc run: the one that began first (its trace file need not be read first:
	 * files go by name, and pids by number only where their digits agree) */
	const struct kca_compile *first = &m.compiles[f->compiles[0]];
	for (unsigned i = 1; i < f->ncompiles; i++)
		if (kca_compile_start(&m.compiles[f->compiles[i]]) < kca_compile_start(first))
			first = &m.compiles[f->compiles[i]];
	cr_assert_geq(f->first_ns, first->time_ns, "the first load came after the first nvcc");
	cr_assert_geq(f->first_ns - m.origin_ns[0], first->duration_ns,
		      "the recording starts where the first nvcc did");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 2, "%u changes, the first %s in %s", ch.nchanges,
		     ch.nchanges ? ch.changes[0].name : "-", dir);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_DEFINE);
	cr_assert_str_eq(ch.changes[0].name, "MAX_LEN");
	cr_assert_eq(ch.changes[1].kind, KCA_CHANGE_PTX);
	char summary[256];
	for (int i = 0; i < 2; i++) {
		kca_values_summary(&ch.changes[i], summary, sizeof(summary));
		cr_assert_str_eq(summary, "3 values, 500..502");
	}
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, ptx_jit_value_per_request)
{
	/* A code generator's PTX with max_len written in: the driver JIT-compiles each load, and
	 * the report finds the number on the line that differs. */
	char *dir = record("nvrtc_client", (const char *[]){"ptx", "4", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "fill_mask_ptx");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 4);
	cr_assert_eq(f->loads, 5);
	cr_assert_eq(f->reloads, 1, "max_len=500 came twice: the same PTX loaded again");
	cr_assert_eq(f->front_end, KCA_FE_PTX);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_PTX);
	cr_assert_str_eq(ch.changes[0].name, "PTX line 19");
	char summary[256];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "4 values, 500..503");
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, values_summary_counts_every_distinct_value)
{
	/* 5000 variants, 100 distinct values, repeats and an unknown among them */
	enum { N = 5000 };
	char *vals[N], text[N][16];
	for (int v = 0; v < N; v++) {
		snprintf(text[v], sizeof(text[v]), "%d", 1000 + (v * 37) % 100);
		vals[v] = v == 7 ? NULL : text[v];
	}
	struct kca_change c = {.kind = KCA_CHANGE_CONSTANT, .values = vals, .nvalues = N};
	char summary[256];
	kca_values_summary(&c, summary, sizeof(summary));
	cr_assert_str_eq(summary, "100 values, 1000..1099");
	/* words: the distinct ones in first-seen order */
	char *words[] = {"b", "a", "b", NULL, "c"};
	struct kca_change w = {.kind = KCA_CHANGE_OPTION, .values = words, .nvalues = 5};
	kca_values_summary(&w, summary, sizeof(summary));
	cr_assert_str_eq(summary, "b, a, c");
}

Test(report, json_strings_are_utf8_whatever_the_trace_holds)
{
	/* a trace's strings are bytes: what is not UTF-8 becomes U+FFFD (a lone byte, a cut
	 * sequence, a surrogate, lead bytes past U+10FFFF), UTF-8 stays */
	static const char in[] =
	    "a\xff b \xc3\xa9 \xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80\x01\"\xf5\x80\x80\xff\xbf\xbf";
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	kca_json_escape(f, in, sizeof(in) - 1);
	fclose(f);
	cr_assert_str_eq(out, "\"a\\ufffd b \xc3\xa9 \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
			      "\xf0\x9f\x98\x80\\u0001\\\""
			      "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	free(out);
}

/* A trace of n PTX images of one kernel, image v differing from the first on `lines` lines of
 * its own, and with `shared`, on a last line carrying 1000 + v: a directory with the trace and
 * its images/. */
static char *write_ptx_trace(int n, int lines, int shared)
{
	char *dir = kct_tmpdir(), path[4400];
	snprintf(path, sizeof(path), "%s/images", dir);
	mkdir(path, 0777);
	FILE *f = kct_trace_create(dir, 0);
	char *text = malloc(65536);
	for (int v = 0; v < n; v++) {
		int k =
		    snprintf(text, 65536, ".version 8.0\n.target sm_90\n.visible .entry k()\n{\n");
		for (int l = 0; l < n * lines; l++) /* variant v's own lines carry v, the rest 0 */
			k += snprintf(text + k, 65536 - (size_t)k, "\tmov.u32 %%r%d, %d;\n", l,
				      l / lines == v ? v : 0);
		if (shared)
			k +=
			    snprintf(text + k, 65536 - (size_t)k, "\tmov.u32 %%s, %d;\n", 1000 + v);
		k += snprintf(text + k, 65536 - (size_t)k, "\tret;\n}\n");
		uint64_t hash = kc_hash64(text, (size_t)k);
		char hex[17];
		snprintf(path, sizeof(path), "%s/images/%s.ptx", dir, kc_hash_hex(hash, hex));
		FILE *img = fopen(path, "wb");
		fwrite(text, 1, (size_t)k, img);
		fclose(img);
		_Alignas(8) uint8_t mem[512];
		struct kc_recbuf rb;
		struct kc_rec_module_load rec = {0};
		kc_rb_init(&rb, mem, sizeof(mem), sizeof(rec));
		rec.hash = hash;
		rec.size = (uint64_t)k;
		rec.api = KC_API_MODULE_LOAD_DATA;
		rec.kind = KC_IMAGE_PTX;
		rec.path = KC_PATH_SYMBOL;
		rec.flags = KC_MODF_STORED;
		rec.handle = (uint64_t)v + 1;
		kc_rb_list_begin(&rb);
		kc_rb_list_add(&rb, "k");
		rec.names = kc_rb_list_end(&rb);
		size_t sz = kc_rb_finish(&rb, &rec, KC_REC_MODULE_LOAD, 1, 1000 + (uint64_t)v);
		fwrite(kc_rb_data(&rb), 1, sz, f);
		kc_rb_release(&rb);
	}
	free(text);
	fclose(f);
	return dir;
}

Test(report, ptx_changes_are_a_few_lines_however_many_differ)
{
	/* 200 variants, each but the first differing from it on 3 lines of its own: 597 lines
	 * differ in all. The table keeps the first 32 (the report shows six), not 597 x 200
	 * values. */
	char *dir = write_ptx_trace(200, 3, 0);
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "k");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 200);
	cr_assert_eq(f->front_end, KCA_FE_PTX);
	const struct kca_changes *ch = kca_family_changes(&m, f);
	cr_assert_eq(ch->nchanges, 32, "%u PTX lines kept", ch->nchanges);
	cr_assert_str_eq(ch->changes[0].name, "PTX line 8", "%s", ch->changes[0].name);
	cr_assert_str_eq(ch->changes[0].values[1], "1");
	kca_model_free(&m);
	/* 60 variants, each with a line of its own and the value on a line they share: past
	 * the limit the shared line still gets every variant's value */
	dir = write_ptx_trace(60, 1, 1);
	load(&m, dir);
	ch = kca_family_changes(&m, family(&m, "k"));
	const struct kca_change *s = NULL;
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (strcmp(ch->changes[i].name, "PTX line 65") == 0)
			s = &ch->changes[i];
	cr_assert_not_null(s, "the shared line is in the table");
	char summary[256];
	kca_values_summary(s, summary, sizeof(summary));
	cr_assert_str_eq(summary, "60 values, 1000..1059");
	kca_model_free(&m);
}

Test(report, ptx_constant_churn)
{
	char *dir = record("drv_client", (const char *[]){"paths", "symbol", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, "fill_mask");
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->front_end, KCA_FE_PTX);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_geq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_PTX);
	cr_assert_str_eq(ch.changes[0].values[0], "500");
	cr_assert_str_eq(ch.changes[0].values[2], "502");
	kca_changes_free(&ch);
	/* the cubin loaded twice with two names: two families, one image each, a reload each */
	const struct kca_family *add = family(&m, "kern_add");
	cr_assert_eq(add->nvariants, 1);
	cr_assert_eq(add->loads, 2);
	cr_assert_eq(add->reloads, 1);
	cr_assert_eq(add->launches, 10);
	kca_model_free(&m);
}

/* ---- the commands --------------------------------------------------------------------------- */

Test(cli, report_text_of_the_demo)
{
	cr_assert_eq(kct_run_cli((const char *[]){"report", DEMO, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. fill_mask  [Triton]  specialization churn"), "%s", out);
	cr_assert(
	    strstr(out,
		   "changed: MAX_LEN (tl.constexpr): 20 values, 500..519, a new one every call"),
	    "%s", out);
	cr_assert(strstr(out, "do_not_specialize=[\"max_len\"]"), "%s", out);
}

Test(cli, report_says_ptx_loads_include_the_jit)
{
	char *dir = record("nvrtc_client", (const char *[]){"ptx", "3", NULL});
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. fill_mask_ptx  [PTX JIT]  specialization churn"), "%s", out);
	cr_assert(strstr(out, " loading (the driver's PTX JIT) = "), "%s", out);
	cr_assert(strstr(out, "changed: PTX line 19 (ptx): 3 values, 500..502"), "%s", out);
	/* a cubin's load is a load only */
	cr_assert_eq(kct_run_cli((const char *[]){"report", DEMO, NULL}, out, sizeof(out)), 0);
	cr_assert_null(strstr(out, "PTX JIT"), "%s", out);
}

Test(cli, report_compares_runs)
{
	/* two models in one process (each with its Triton cache index): before and after */
	char *clean = record("drv_client", (const char *[]){"threads", "1", "10", NULL});
	cr_assert_eq(kct_run_cli((const char *[]){"report", DEMO, clean, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "comparing 2 runs"), "%s", out);
	cr_assert(strstr(out, "fill_mask ") && strstr(out, "specialization churn") &&
		      strstr(out, "(absent)"),
		  "%s", out);
	cr_assert(strstr(out, "\nkernels                                  | "), "%s", out);
	/* in a window, the kernels row counts the window's as each run's own report does, and
	 * says of a run that ended before the window that it holds none */
	const char *cg = "examples/traces/cuda-graph", *sw = "examples/traces/serve-warmup";
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "7", cg, sw, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "kernels in the window                    | 2 built or reloaded, 0 "
			      "with churn "),
		  "%s", out);
	cr_assert(strstr(out, "| 3 built or reloaded, 0 with churn\n"), "%s", out);
	char one[16384];
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "7", sw, NULL}, one, sizeof(one)), 0);
	cr_assert(strstr(one, "\n3 kernels built or reloaded in the window, 0 with recompilation "
			      "churn"),
		  "%s", one);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--since", "20", cg, sw, NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "| none: the run ended at +12.47 s\n"), "%s", out);
}

Test(cli, check_fails_on_churn_and_passes_clean)
{
	cr_assert_eq(kct_run_cli((const char *[]){"check", DEMO, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "kcprof check: fill_mask: specialization churn (20 variants"), "%s",
		  out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "20", DEMO, NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "2", DEMO, NULL}, out,
				 sizeof(out)),
		     1);
	cr_assert(strstr(out, "fill_mask: 20 variants (limit 2)"), "%s", out);
	char *clean = record("drv_client", (const char *[]){"threads", "2", "100", NULL});
	cr_assert_eq(kct_run_cli((const char *[]){"check", clean, NULL}, out, sizeof(out)), 0, "%s",
		     out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-build-share", "2", clean, NULL},
				 out, sizeof(out)),
		     2);
	/* several runs: each checked on its own and named; one kernel name in two runs is not
	 * one kernel of 20 + 5 variants (nor of 40 loads, the same run given twice) */
	cr_assert_eq(kct_run_cli((const char *[]){"check", clean, DEMO,
						  "examples/traces/nvrtc-define", DEMO, NULL},
				 out, sizeof(out)),
		     1);
	char want[4500];
	snprintf(want, sizeof(want), "kcprof check: %s: ok (", clean);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out,
			 "kcprof check: " DEMO ": fill_mask: specialization churn (20 variants, "
			 "20 loads"),
		  "%s", out);
	cr_assert(strstr(out, "kcprof check: examples/traces/nvrtc-define: fill_mask: "
			      "specialization churn (5 variants"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", clean, clean, NULL}, out, sizeof(out)),
		     0, "%s", out);
}

/* export's launch counters of dir, against its report: each kernel's counter, in time, never
 * goes down (launches counted, then found captured, must not dip), and its last values, over
 * the processes, are the report's launches of the kernel (named by its symbol, or by its name
 * where that is one kernel's). */
static void assert_export_counts_as_report(const char *dir)
{
	char *tmp = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "%s export %s --chrome %s/c.json && %s report --json --all %s > %s/r.json && "
		 "python3 -c \"import json, collections;"
		 " e=json.load(open('%s/c.json'))['traceEvents']; s=collections.defaultdict(list);"
		 " [s[(x['pid'], x['name'][9:])].append((x['ts'], x['args']['count'])) for x in e"
		 "  if x.get('ph')=='C' and x['name'].startswith('launches ')];"
		 " dips=[(k, a, b) for k, v in s.items() for a, b in zip(sorted(v), sorted(v)[1:])"
		 "  if b[1] < a[1]];"
		 " last=collections.Counter();"
		 " [last.update({k[1]: sorted(v)[-1][1]}) for k, v in s.items()];"
		 " ks=json.load(open('%s/r.json'))['kernels'];"
		 " dn=collections.Counter(k['display_name'] for k in ks);"
		 " r={n: k['launches'] for k in ks for n in (k['name'], k['display_name'])"
		 "  if n == k['name'] or dn[n] == 1};"
		 " bad=[(n, c, r.get(n)) for n, c in last.items() if r.get(n, 0) != c];"
		 " assert s and not dips and not bad, (dips[:3], bad)\"",
		 kct_cli(), dir, tmp, kct_cli(), dir, tmp, tmp, tmp);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(cli, source_text_is_the_traces_copy_and_named_live_only_while_the_same)
{
	/* A trace whose sources/ holds the def's file as it was compiled; the live file at the
	 * recorded path and a checkout's copy under the current directory are read only to
	 * name the file, and only while they hold the same text. */
	char tmp[4096], src[4300], trace[4300], copy[4400], cmd[9000];
	cr_assert_not_null(realpath(kct_tmpdir(), tmp), "absolute: the test changes directory");
	snprintf(src, sizeof(src), "%s/app/src/k.py", tmp);
	snprintf(trace, sizeof(trace), "%s/trace", tmp);
	snprintf(copy, sizeof(copy), "%s/sources/src/k.py", trace);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/app/src %s/sources/src %s/co/src", tmp, trace, tmp);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *text = "def kern_add(n, BLOCK: tl.constexpr):\n    pass\n";
	kct_write_text(src, text);
	kct_write_text(copy, text);

	char found[4300], shown[4300], cwd[4300];
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	/* the temporary directory lies below here: paths below are shown relative */
	size_t below = strncmp(src, cwd, strlen(cwd)) == 0 ? strlen(cwd) + 1 : 0;
	cr_assert_eq(kca_find_source(src, trace, found, shown, sizeof(found)), 0);
	cr_assert_str_eq(found, copy, "the text comes from the trace");
	cr_assert_str_eq(shown, src + below, "the recorded file, unchanged, is named");

	/* the program's file edited since: its lines no longer match what was compiled */
	kct_write_text(src,
		       "# a line added above\ndef kern_add(n, BLOCK: tl.constexpr):\n    pass\n");
	cr_assert_eq(kca_find_source(src, trace, found, shown, sizeof(found)), 0);
	cr_assert_str_eq(found, copy);
	cr_assert_str_eq(shown, copy, "an edited live file is not named");

	/* a checkout at another path, holding the same text, run from there: named relative */
	char co[4400];
	snprintf(co, sizeof(co), "%s/co/src/k.py", tmp);
	kct_write_text(co, text);
	snprintf(co, sizeof(co), "%s/co", tmp);
	cr_assert_eq(chdir(co), 0);
	int rc = kca_find_source(src, trace, found, shown, sizeof(found));
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(found, copy);
	cr_assert_str_eq(shown, "src/k.py", "this checkout's file, relative");

	/* no copy in the trace (or no trace directory): the live file, as it is now */
	cr_assert_eq(kca_find_source(src, NULL, found, shown, sizeof(found)), 0);
	cr_assert_str_eq(found, src + below);
	cr_assert_str_eq(shown, src + below);
	snprintf(cmd, sizeof(cmd), "rm -rf %s/app %s", tmp, trace);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kca_find_source(src, trace, found, shown, sizeof(found)), -ENOENT);
}

Test(cli, archive_keeps_two_sources_of_one_name_apart)
{
	/* Two variants of kern_step whose defs are a/ops/k.py and b/ops/k.py (one file name in
	 * two packages, each a Triton cache entry): archive keeps both, the second under a
	 * longer tail, and with the live files gone each variant reads its own text. */
	char tmp[4096], cmd[9000], path[4500], entries[2][4300], src[2][4300];
	cr_assert_not_null(realpath(kct_tmpdir(), tmp));
	for (int i = 0; i < 2; i++) {
		char pkg = (char)('a' + i);
		snprintf(entries[i], sizeof(entries[i]), "%s/tc/ENTRY_%c", tmp, pkg);
		snprintf(src[i], sizeof(src[i]), "%s/%c/ops/k.py", tmp, pkg);
		snprintf(cmd, sizeof(cmd),
			 "mkdir -p %s %s/%c/ops && cp %s/step_%d.cubin %s/kern_step.cubin",
			 entries[i], tmp, pkg, kct_data(), i + 1, entries[i]);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		char ir[5000];
		snprintf(ir, sizeof(ir),
			 "#loc = loc(\"%s\":1:0)\nmodule {\n  tt.func public @kern_step(%%x: i32 "
			 "loc(\"x\"(#loc))) attributes {noinline = false} {\n  } loc(#loc)\n}\n",
			 src[i]);
		snprintf(path, sizeof(path), "%s/kern_step.source", entries[i]);
		kct_write_text(path, ir);
		snprintf(path, sizeof(path), "%s/kern_step.json", entries[i]);
		kct_write_text(path, "{\"num_warps\": 4, \"name\": \"kern_step\"}\n");
		kct_write_text(src[i],
			       i ? "def kern_step(x):  # package b\n" : "def kern_step(x):\n");
	}
	char *trace = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "TRITON_CACHE_DIR=%s/tc KCT_DATA=%s %s record -q --no-cupti -o %s -- "
		 "%s/tests/bin/drv_client nvccstep %s/kern_step.cubin %s/kern_step.cubin && "
		 "%s archive --all %s | grep -q ' 2 Triton cache entries and 2 sources' && "
		 "test -f %s/sources/ops/k.py && rm -rf %s/a %s/b %s/tc",
		 tmp, kct_data(), kct_cli(), trace, kct_build(), entries[0], entries[1], kct_cli(),
		 trace, trace, tmp, tmp, tmp);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	struct kca_model m;
	load(&m, trace);
	const struct kca_family *f = family(&m, "kern_step");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 2);
	for (unsigned v = 0; v < 2; v++) {
		char def[4300], found[4300], shown[4300];
		cr_assert_eq(kca_triton_def_file(f, v, def, sizeof(def)), 0, "variant %u", v);
		cr_assert_eq(kca_find_source(def, m.procs[0].dir, found, shown, sizeof(found)), 0);
		char *text = kct_read_file(found, NULL);
		int b = strstr(def, "/b/ops/") != NULL;
		cr_assert(text && (strstr(text, "package b") != NULL) == b, "%s: %s from %s", def,
			  text ? text : "(none)", found);
		free(text);
	}
	kca_model_free(&m);
}

Test(cli, archive_makes_a_trace_readable_elsewhere)
{
	/* A Triton-like cache entry (IR naming a def in src/k.py, metadata, the cubin the
	 * stand-in loads, and LLVM IR that is not wanted), loaded by drv_client with
	 * TRITON_CACHE_DIR set; archive, then the cache and the source removed: the trace finds
	 * both inside itself. The cubin holds two kernels, kern_add and kern_scale: one entry. */
	char *tmp = kct_tmpdir();
	char entry[4300], path[4500], cmd[9500], src[4300];
	snprintf(entry, sizeof(entry), "%s/tc/ENTRY1", tmp);
	snprintf(src, sizeof(src), "%s/src/k.py", tmp);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s/src && cp %s/sample.cubin %s/kern_add.cubin",
		 entry, tmp, kct_data(), entry);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	char ir[5000];
	snprintf(ir, sizeof(ir),
		 "#loc = loc(\"%s\":1:0)\nmodule {\n  tt.func public @kern_add(%%n: i32 "
		 "loc(\"n\"(#loc))) attributes {noinline = false} {\n  } loc(#loc)\n}\n",
		 src);
	snprintf(path, sizeof(path), "%s/kern_add.source", entry);
	kct_write_text(path, ir);
	snprintf(path, sizeof(path), "%s/kern_add.json", entry);
	kct_write_text(path, "{\"num_warps\": 4, \"name\": \"kern_add\"}\n");
	snprintf(path, sizeof(path), "%s/kern_add.llir", entry);
	kct_write_text(path, "; not wanted\n");
	kct_write_text(src, "def kern_add(n):\n    pass\n");

	char *trace = kct_tmpdir();
	char cubin[4400], cache_env[4400], data[4200];
	snprintf(cubin, sizeof(cubin), "%s/kern_add.cubin", entry);
	snprintf(cache_env, sizeof(cache_env), "TRITON_CACHE_DIR=%s/tc", tmp);
	snprintf(data, sizeof(data), "KCT_DATA=%s", kct_data());
	char bin[4200];
	snprintf(bin, sizeof(bin), "%s/tests/bin/drv_client", kct_build());
	const char *env[] = {data, cache_env, "KCPROF_CUPTI=0", NULL};
	const char *argv[] = {bin, "loadfile", cubin, NULL};
	int st = kct_run(trace, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* by default only kernels built more than once: kern_add has one image */
	snprintf(cmd, sizeof(cmd),
		 "%s archive %s | grep -q ' 0 Triton cache entries and 0 sources'", kct_cli(),
		 trace);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(
	    cmd, sizeof(cmd),
	    "%s archive --all %s | grep -q ' 1 Triton cache entry and 1 source (of 2 kernels)'",
	    kct_cli(), trace);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	static const char *const want[] = {"triton-cache/ENTRY1/kern_add.cubin",
					   "triton-cache/ENTRY1/kern_add.source",
					   "triton-cache/ENTRY1/kern_add.json", "sources/src/k.py"};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", trace, want[i]);
		cr_assert_eq(access(path, R_OK), 0, "%s archived", want[i]);
	}
	snprintf(path, sizeof(path), "%s/triton-cache/ENTRY1/kern_add.llir", trace);
	cr_assert_neq(access(path, F_OK), 0, "LLVM IR left behind");

	snprintf(cmd, sizeof(cmd), "rm -rf %s/tc %s/src", tmp, tmp);
	cr_assert_eq(system(cmd), 0);
	struct kca_model m;
	load(&m, trace);
	const struct kca_family *f = family(&m, "kern_add");
	cr_assert_not_null(f);
	cr_assert_not_null(f->variants[0].triton_dir, "the entry found in the trace");
	cr_assert(strstr(f->variants[0].triton_dir, "/triton-cache/ENTRY1"), "%s",
		  f->variants[0].triton_dir);
	char def[4300], found[4300], shown[4300];
	cr_assert_eq(kca_triton_def_file(f, 0, def, sizeof(def)), 0);
	cr_assert_str_eq(def, src, "the IR still names the recorded path");
	cr_assert_eq(kca_find_source(def, m.procs[0].dir, found, shown, sizeof(found)), 0);
	cr_assert(strstr(found, "/sources/src/k.py"), "%s", found);
	cr_assert_str_eq(shown, found, "the live file is gone: the copy is named");
	kca_model_free(&m);
	/* again: nothing new, and said to be there already */
	snprintf(cmd, sizeof(cmd),
		 "%s archive --all %s | grep -q ' 0 Triton cache entries and 0 sources (of 2 "
		 "kernels; 1 entry already in the trace)'",
		 kct_cli(), trace);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* what it cannot find is said: a GPU machine's trace without its cache entries, and one
	 * whose client binary is gone */
	char *copy = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "cp examples/traces/triton-constexpr/*.kct %s/ && mkdir %s/nv && "
		 "cp examples/traces/nvrtc-define/*.kct %s/nv/",
		 copy, copy, copy);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"archive", copy, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "kcprof archive: 2 kernels built more than once that Python loaded "
			      "from memory, as Triton does: no Triton cache entry found"),
		  "recorded without call sites, nothing but Python says Triton: %s", out);
	/* kernels whose launcher's arguments were recorded are Triton's */
	char *sw = kct_tmpdir();
	snprintf(cmd, sizeof(cmd), "cp examples/traces/serve-warmup/*.kct %s/", sw);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"archive", "--all", sw, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "kcprof archive: 3 Triton kernels: no cache entry found"), "%s", out);
	cr_assert(strstr(out, "kcprof archive: 0 Triton cache entries and 0 sources, ") &&
		      strstr(out, ": nothing\n") && !strstr(out, "of 0 kernels"),
		  "none found is said on stderr, not as 'of 0 kernels': %s", out);
	snprintf(path, sizeof(path), "%s/nv", copy);
	cr_assert_eq(kct_run_cli((const char *[]){"archive", path, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "build/gpu/nvrtc_client: not here: not copied (its call sites stay "
			      "module+offset)"),
		  "%s", out);
}

Test(cli, report_and_export_json_parse)
{
	char *dir = kct_tmpdir();
	char json[4300], chrome[4300], cmd[9000];
	snprintf(json, sizeof(json), "%s/report.json", dir);
	snprintf(chrome, sizeof(chrome), "%s/trace.json", dir);
	snprintf(cmd, sizeof(cmd), "%s report --json %s > %s", kct_cli(), DEMO, json);
	cr_assert_eq(system(cmd), 0);
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c \"import json,sys; r=json.load(open('%s')); k=r['kernels'][0];"
	    " assert r['schema']=='kcprof-report/1';"
	    " assert (k['name'],k['variants'],k['churn'])==('fill_mask',20,True), k;"
	    " assert k['changed'][0]['name']=='MAX_LEN' and "
	    "k['changed'][0]['values'][0]=='500', k['changed'];"
	    " assert k['fix'];"
	    /* docs/report-json.md's example is this trace's report */
	    " d=open('docs/report-json.md').read(); t=r['totals'];"
	    " w=['\\\"compile_ms\\\": %%.1f, \\\"load_ms\\\": %%.1f, "
	    "\\\"build_load_ms_per_launch\\\": %%.1f' %% (k['compile_ms'], k['load_ms'],"
	    " k['build_load_ms_per_launch']), '\\\"compiles\\\": %%d, \\\"compile_ms\\\": %%.1f' %%"
	    " (t['compiles'], t['compile_ms'])]; assert all(x in d for x in w), w\"",
	    json);
	cr_assert_eq(system(cmd), 0, "report --json: %s", cmd);
	/* a change with no line (an autotune config) has a null where, not "" */
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json examples/traces/triton-autotune | python3 -c \"import json,sys;"
	    " c={x['name']: x['where'] for k in json.load(sys.stdin)['kernels'] for x in "
	    "k['changed']}; assert c['num_warps'] is None and c['BLOCK'].endswith('.py:26'), c\"",
	    kct_cli());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s export %s --chrome %s", kct_cli(), DEMO, chrome);
	cr_assert_eq(system(cmd), 0);
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c \"import json; e=json.load(open('%s'))['traceEvents'];"
	    " assert sum(1 for x in e if x.get('cat')=='load' and x['name']=='load fill_mask')==20;"
	    " assert sum(1 for x in e if x.get('cat')=='compile' and 'ptxas' in x['name'])>=20\"",
	    chrome);
	cr_assert_eq(system(cmd), 0, "export: %s", cmd);
}

Test(cli, diff_shows_the_changed_constant)
{
	cr_assert_eq(kct_run_cli((const char *[]){"diff", DEMO, "fill_mask", "1", "2", NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "-    %c500_i32 = arith.constant 500 : i32"), "%s", out);
	cr_assert(strstr(out, "+    %c501_i32 = arith.constant 501 : i32"), "%s", out);
	/* a variant loaded twice (two functions): its launches' shapes once, summed */
	cr_assert_eq(kct_run_cli((const char *[]){"diff", "examples/traces/nvrtc-define",
						  "fill_mask", "1", "3", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "loaded 2× (") &&
		      strstr(out, "launch grid [1,1,1] block [128,1,1] smem 0: 2×\n[B]"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"diff", DEMO, "fill_mask", "1", "99", NULL}, out,
				 sizeof(out)),
		     1);
	cr_assert(strstr(out, "has 20 variants"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"diff", DEMO, "fill_mask", "a", "2", NULL}, out,
				 sizeof(out)),
		     2);
	cr_assert(strstr(out, "variants are numbers"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", DEMO, "fill_mask_fixed", NULL}, out, sizeof(out)),
	    1);
	cr_assert(strstr(out, "fill_mask_fixed has one image (1 variant): nothing to compare"),
		  "%s", out);
	/* torch.compile writes each length's kernel to a file of its own: IR lines that differ
	 * only in the file their loc() names are not changes */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", "examples/traces/torch-compile-shapes/static",
					 "triton_per_fused__to_copy_add_mean_mul_pow_rsqrt_silu_0",
					 "1", "6", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "-    %xnumel_0 = arith.constant 97 : i32") &&
		      strstr(out, "+    %xnumel_0 = arith.constant 419 : i32"),
		  "%s", out);
	cr_assert(strstr(out, "(42 lines alike but for the files, modules, location numbers or "
			      "dispatchers named: not shown)"),
		  "%s", out);
	cr_assert_null(strstr(out, "-#loc1 = loc("), "%s", out);
}

/* A copy of the demo trace with damage done to it. */
static char *damaged_copy(const char *how)
{
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "cp -r %s/. %s/ && f=$(ls %s/*-python3.kct) && %s", DEMO, dir,
		 dir, how);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return dir;
}

Test(cli, damaged_traces_give_partial_reports)
{
	/* cut short, as by SIGKILL mid-write */
	char *dir = damaged_copy("truncate -s -13 $f");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "-python3.kct: offset ") && strstr(out, "truncated"), "%s", out);
	cr_assert(strstr(out, "fill_mask  [Triton]  specialization churn"), "%s", out);
	/* a corrupted byte in the middle */
	dir = damaged_copy(
	    "printf '\\377\\377\\377\\377' | dd of=$f bs=1 seek=20000 conv=notrunc status=none");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "warning:") && strstr(out, "skipped"), "%s", out);
	cr_assert(strstr(out, "problem"), "%s", out);
	cr_assert(strstr(out, "python3 tests/gpu/triton_constexpr.py  [trace damaged: partial]"),
		  "damaged, though its end record survived: %s", out);
	/* cut early: two builds made, one launch counted so far */
	dir = damaged_copy("truncate -s 80000 $f");
	/* check passes what it could read, and says it could not read it all */
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "99", dir, NULL}, out,
				 sizeof(out)),
		     0, "%s", out);
	cr_assert(strstr(out, "kcprof check: ok (") &&
		      strstr(out, "; 1 problem reading the traces (warnings above))"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "2 variants in 2 loads, 1 launch: more builds than launches\n"), "%s",
		  out);
	/* not a trace at all */
	dir = damaged_copy("echo hello > $f");
	kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out));
	cr_assert(strstr(out, "-python3.kct: offset 0: not a kcprof trace"), "%s", out);
	/* an empty directory */
	dir = kct_tmpdir();
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "no traces"), "%s", out);
	cr_assert(strstr(out, "no trace read in ") && strstr(out, "nothing to report") &&
		      !strstr(out, "0 kernels"),
		  "said so, without a report of zeros: %s", out);
	/* a directory of runs: its subdirectories with traces named */
	cr_assert_eq(kct_run_cli((const char *[]){"report", "examples/traces/pdl-chain", NULL}, out,
				 sizeof(out)),
		     1);
	cr_assert(strstr(out, "no traces (*.kct); its subdirectories nopdl/, pdl/ hold traces: "
			      "give them"),
		  "%s", out);
	/* runs further down, named from the directory given; not below a run (its caches) */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces", NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "its subdirectories cuda-core-define/arg/, cuda-core-define/define/, "
			      "cuda-graph/, cudnn-sdpa/, cupy-define/arg/, cupy-define/cold/, "
			      "cupy-define/warm/, cupy-dtypes/, cupy-template/, ") &&
		      strstr(out, " more hold traces: give them") &&
		      !strstr(out, "triton-constexpr/triton-cache"),
		  "%s", out);
	/* many: the first twelve, and how many more */
	char *many = kct_tmpdir(), cmd[4600];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && for i in 10 11 12 13 14 15 16 17 18 19 20 21 22 23; do "
		 "mkdir -p runs/r$i && : > runs/r$i/1-x.kct || exit 1; done",
		 many);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", many, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "its subdirectories runs/r10/, runs/r11/, ") &&
		      strstr(out, ", runs/r21/ and 2 more hold traces: give them") &&
		      !strstr(out, "runs/r22/"),
		  "%s", out);
	/* a directory of other files: the same */
	char other[4300];
	snprintf(other, sizeof(other), "%s/notes.txt", dir);
	kct_write_text(other, "not a trace\n");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "nothing to report"), "%s", out);
}

static void write_load(FILE *f, unsigned api, unsigned kind, uint64_t hash, uint64_t t,
		       uint64_t duration, const char *name);

Test(cli, a_comparison_takes_top_and_all_and_fails_on_a_run_without_traces)
{
	/* --top N: at most N rows, how many more said; --all: every kernel a row */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--top", "1", "examples/traces/triton-constexpr",
					 "examples/traces/serve-warmup", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "\nfill_mask    ") && !strstr(out, "\nsoftcap_logits ") &&
		      strstr(out, "(2 more kernels, not shown: --top 1)\n"),
		  "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--all", "examples/traces/pdl-chain/nopdl",
					 "examples/traces/pdl-chain/pdl", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(!strstr(out, "(no kernel rebuilt or reloaded in any run)") &&
		      strstr(out, "  fine     "),
		  "%s", out);
	/* without --top, every flagged kernel a row (twelve here) */
	char *many = kct_tmpdir(), name[16];
	FILE *f = kct_trace_create(many, 0);
	for (uint64_t k = 0; k < 12; k++)
		for (uint64_t i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "k%02u", (unsigned)k);
			write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0x100 * (k + 1) + i,
				   1000000 + 1000 * (3 * k + i), 500, name);
		}
	fclose(f);
	cr_assert_eq(kct_run_cli((const char *[]){"report", many, many, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "\nk00 ") && strstr(out, "\nk11 ") && !strstr(out, "not shown"), "%s",
		  out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--top", "5", many, many, NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "(7 more kernels, not shown: --top 5)"), "%s", out);
	/* a compared run without traces fails, with --json too */
	char *empty = kct_tmpdir();
	for (int json = 0; json < 2; json++) {
		cr_assert_eq(
		    kct_run_cli((const char *[]){"report", json ? "--json" : empty,
						 json ? empty : "examples/traces/ptx-jit",
						 json ? "examples/traces/ptx-jit" : NULL, NULL},
				out, sizeof(out)),
		    1, "%s", out);
		cr_assert(strstr(out, "no readable trace"), "%s", out);
	}
}

Test(cli, a_compiler_child_s_lost_first_record_costs_only_itself)
{
	/* one ptxas child's PROCESS record damaged: it is still a compiler child of its
	 * program (its EXEC compile says so, its header names its parent), its build still
	 * counts, and the times keep their origin */
	char *dir = kct_tmpdir(), cmd[9000], *intact = kct_tmpdir();
	record_drv(dir, "nvccstep");
	snprintf(cmd, sizeof(cmd),
		 "cp -r %s/. %s/ && f=$(ls %s/*-ptxas.kct | head -1) && "
		 "python3 -c \"import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); "
		 "b[164]^=255; open(p,'wb').write(b)\" $f",
		 dir, intact, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	static char want[16384];
	cr_assert_eq(kct_run_cli((const char *[]){"report", intact, NULL}, want, sizeof(want)), 0);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "1 CUDA process, 3 compiler children, ") &&
		      strstr(out, "building (3× ptxas "),
		  "%s", out);
	const char *lines[] = {"    loads from ", "    cost: "};
	for (int i = 0; i < 2; i++) {
		const char *a = strstr(want, lines[i]), *b = strstr(out, lines[i]);
		cr_assert(a && b && strncmp(a, b, strcspn(a, "\n")) == 0, "%s\n---\n%s", want, out);
	}
}

Test(cli, diff_says_why_it_has_no_text_to_compare)
{
	/* the traces without images/ (recorded with --no-images, copied without it); Triton's
	 * cubins without its cache: what is missing is said */
	char *dir = kct_tmpdir(), cmd[9000];
	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir %s/a %s/b && cp examples/traces/ptx-jit/*.kct %s/a/ && "
	    "cp -r examples/traces/triton-constexpr/*.kct examples/traces/triton-constexpr/images "
	    "%s/b/",
	    dir, dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s/a", dir);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", cmd, "fill_mask_ptx", NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "only the images differ)\n    [A] its image is not in ") &&
		      strstr(out, "/a/images (recorded with --no-images, or the directory copied "
				  "without it)\n    [B] its image is not in "),
		  "%s", out);
	snprintf(cmd, sizeof(cmd), "%s/b", dir);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", cmd, "fill_mask", NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out,
			 "6d2b4188112bd980.cubin holds machine code and no PTX: nothing to "
			 "show as text (its Triton cache entry, which 'kcprof archive' copies, "
			 "would be)\n"),
		  "%s", out);
}

Test(cli, check_limits_take_over_their_part_of_the_churn_rule)
{
	/* reload churn (a module loaded 12 times): --max-variants does not let it pass, a
	 * --max-reloads above it does */
	char *dir = kct_tmpdir(), cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client reload 12",
		 kct_data(), kct_cli(), dir, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "4", dir, NULL}, out,
				 sizeof(out)),
		     1, "%s", out);
	cr_assert(strstr(out, "kern_add: reload churn (1 variant, 12 loads"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-reloads", "20", dir, NULL}, out,
				 sizeof(out)),
		     0, "%s", out);
	/* in a window the same */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "0", "--max-variants", "4", dir, NULL},
			out, sizeof(out)),
	    1, "%s", out);
	cr_assert(strstr(out, "kern_add: 1 new image, 12 loads in the window"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "0", "--max-reloads", "20", dir, NULL},
			out, sizeof(out)),
	    0, "%s", out);
	/* specialization churn (20 variants): --max-reloads does not let it pass, a
	 * --max-variants above it does, and so does a build share it stays under */
	const char *tc = "examples/traces/triton-constexpr";
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-reloads", "5", tc, NULL}, out,
				 sizeof(out)),
		     1, "%s", out);
	cr_assert(strstr(out, "fill_mask: specialization churn (20 variants"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "25", tc, NULL}, out,
				 sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-build-share", "0.9", tc, NULL},
				 out, sizeof(out)),
		     0, "%s", out);
}

Test(cli, a_damaged_header_keeps_the_recording_s_times)
{
	/* one flipped byte of a header (its ppid): its start is not trusted, and the times count
	 * from its first records, as from the intact file, not from 0 (+226 s) */
	char *dir = kct_tmpdir(), cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "cp examples/traces/nvjitlink-define/*.kct %s/ && f=$(ls %s/*.kct) && "
		 "printf '\\001' | dd of=$f bs=1 seek=20 conv=notrunc status=none",
		 dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "header check mismatch") &&
		      strstr(out, "loads from +330.8 ms to +424.8 ms of the recording"),
		  "%s", out);
}

Test(cli, special_files_in_a_trace_neither_block_nor_run_forever)
{
	/* a FIFO where a trace, an IR or a cubin should be, and /dev/zero behind a symlink: each
	 * is passed over (a FIFO's open would wait for a writer, /dev/zero never ends) */
	char *dir =
	    damaged_copy("e=$(ls -d $(dirname $f)/triton-cache/*/ | head -2) && set -- $e && "
			 "rm $1/fill_mask.source && mkfifo $1/fill_mask.source && "
			 "rm $2/*.cubin && ln -s /dev/zero $2/fill_mask.cubin && "
			 "mkfifo $(dirname $f)/999-fifo.kct");
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "timeout 60 env %s report %s > %s/out.txt 2>&1", kct_cli(), dir,
		 dir);
	cr_assert_eq(system(cmd), 0, "report blocked or failed: %s", cmd);
	snprintf(cmd, sizeof(cmd), "%s/out.txt", dir);
	char *text = kct_read_file(cmd, NULL);
	cr_assert(text && strstr(text, "999-fifo.kct: offset 0: not a regular file") &&
		      strstr(text, "fill_mask  [Triton]  specialization churn"),
		  "%s", text ? text : "(none)");
	free(text);
	const char *cmds[] = {"diff %s fill_mask 1 2", "archive --all %s", "export %s --chrome -",
			      "dump %s"};
	for (int i = 0; i < 4; i++) {
		char args[4500];
		snprintf(args, sizeof(args), cmds[i], dir);
		snprintf(cmd, sizeof(cmd), "timeout 60 env %s %s > /dev/null 2>&1", kct_cli(),
			 args);
		int st = system(cmd);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 124 && WEXITSTATUS(st) <= 2,
			  "%s: status %d", cmd, st);
	}
}

Test(cli, unreadable_traces_fail_every_command)
{
	/* Nothing readable past the header, or not even the header: no command may report
	 * success (a CI gate must not pass on it), and export leaves no file. */
	static const char *const how[] = {"head -c 100 %s > %s/1-x.kct",
					  "head -c 64 %s > %s/1-x.kct",
					  "printf 'KCPROF\\0\\0\\11\\0' > %s/1-x.kct # %s"};
	for (int i = 0; i < 3; i++) {
		char *dir = kct_tmpdir(), cmd[9000], src[4300], json[4300];
		snprintf(src, sizeof(src), "$(ls %s/*-python3.kct)", DEMO);
		if (i < 2)
			snprintf(cmd, sizeof(cmd), how[i], src, dir);
		else
			snprintf(cmd, sizeof(cmd), how[i], dir, src);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		snprintf(json, sizeof(json), "%s/out.json", dir);
		const char *const *cmds[] = {
		    (const char *[]){"check", dir, NULL}, (const char *[]){"report", dir, NULL},
		    (const char *[]){"report", "--json", dir, NULL},
		    (const char *[]){"dump", dir, NULL},
		    (const char *[]){"export", dir, "--chrome", json, NULL}};
		for (int c = 0; c < 5; c++)
			cr_assert_eq(kct_run_cli(cmds[c], out, sizeof(out)), 1, "%s %s: %s",
				     cmds[c][0], cmd, out);
		cr_assert_neq(access(json, F_OK), 0, "export wrote %s", json);
		/* a file already there is the user's: left as it was, no temporary beside it */
		snprintf(cmd, sizeof(cmd), "echo precious > %s", json);
		cr_assert_eq(system(cmd), 0);
		cr_assert_eq(kct_run_cli(cmds[4], out, sizeof(out)), 1);
		char *kept = kct_read_file(json, NULL);
		cr_assert_str_eq(kept, "precious\n");
		free(kept);
		snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 2", dir);
		cr_assert_eq(system(cmd), 0, "a temporary file left in %s", dir);
		unlink(json);
		cr_assert(strstr(out, "1-x.kct: offset ") || strstr(out, "no readable trace"), "%s",
			  out);
	}
}

Test(cli, report_top_and_comparison)
{
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--top", "1", DEMO, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. fill_mask  [Triton]") && !strstr(out, " 2. "), "%s", out);
	cr_assert(strstr(out, "1 more kernel flagged, not shown (--top 1;"), "%s", out);
	static const char *const bad[] = {"abc", "", "1x", "-1", DEMO};
	for (int i = 0; i < 5; i++)
		cr_assert_eq(kct_run_cli((const char *[]){"report", "--top", bad[i], DEMO, NULL},
					 out, sizeof(out)),
			     2, "--top '%s': %s", bad[i], out);
	/* two runs of the PDL chain: no churn in either, the idle time between kernels side by
	 * side */
	cr_assert_eq(kct_run_cli((const char *[]){"report", "examples/traces/pdl-chain/nopdl",
						  "examples/traces/pdl-chain/pdl", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "(no kernel rebuilt or reloaded in any run)"), "%s", out);
	cr_assert(strstr(out, "streams idle between kernels") &&
		      strstr(out, "0 of 86687 overlapped") &&
		      strstr(out, "80758 of 86687 overlapped"),
		  "%s", out);
	/* the runs' columns line up as shown: every row's second '|' at the same character
	 * column, the "1.5 µs" row's too (µ is two bytes, one column) */
	int col = -1, rows = 0;
	for (char *line = out; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		int bars = 0, c = 0;
		for (const char *p = line; *p && *p != '\n'; p++) {
			c += ((unsigned char)*p & 0xC0) != 0x80;
			if (*p == '|' && ++bars == 2)
				break;
		}
		if (bars < 2)
			continue;
		rows++;
		if (col < 0)
			col = c;
		cr_assert_eq(c, col, "a row's second column at %d, the header's at %d:\n%s", c, col,
			     out);
	}
	cr_assert_geq(rows, 6, "%s", out);
	/* a run that is not there fails the comparison */
	cr_assert_eq(kct_run_cli((const char *[]){"report", DEMO, "/nonexistent/kcprof.data", NULL},
				 out, sizeof(out)),
		     1, "%s", out);
	cr_assert(strstr(out, "nothing to compare"), "%s", out);
}

Test(cli, export_counts_a_kernels_launches_over_its_loads)
{
	/* fill_mask is loaded 20 times (a function id each): its counter is their sum, and
	 * times keep microsecond digits */
	char *dir = kct_tmpdir(), chrome[4300], cmd[9000];
	snprintf(chrome, sizeof(chrome), "%s/trace.json", dir);
	cr_assert_eq(kct_run_cli((const char *[]){"export", DEMO, "--chrome", chrome, NULL}, out,
				 sizeof(out)),
		     0);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c \"import json; e=json.load(open('%s'))['traceEvents'];"
		 " c=[x['args']['count'] for x in e if x['name']=='launches fill_mask'];"
		 " assert c[-1]==20 and c==sorted(c), c;"
		 " t=[x['ts'] for x in e if x.get('cat')=='load'];"
		 " assert any(v > 1e6 and v != round(v) for v in t), t[:5]\"",
		 chrome);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* --gpu-time traces: each kernel's GPU time so far, ending at the report's total */
	cr_assert_eq(kct_run_cli((const char *[]){"export", "examples/traces/pdl-chain/pdl",
						  "--chrome", chrome, NULL},
				 out, sizeof(out)),
		     0);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c \"import json; e=json.load(open('%s'))['traceEvents'];"
		 " g=[x['args']['ms'] for x in e if x['name'].startswith('GPU ms ') and"
		 " 'kc_decode' in x['name']];"
		 " assert g and g == sorted(g) and 300 < g[-1] < 600, g[-3:]\"",
		 chrome);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(cli, record_passes_exit_status_and_signals)
{
	char *dir = kct_tmpdir();
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-q", "-o", dir, "--", "sh", "-c",
						  "exit 7", NULL},
				 out, sizeof(out)),
		     7);
	char cmd[4400];
	snprintf(cmd, sizeof(cmd), "%s record -q -o %s -- sh -c 'kill -TERM $$'", kct_cli(), dir);
	int st = system(cmd);
	cr_assert(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) == 128 + 15), "status %d",
		  st);
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-q", "-o", dir, "--",
						  "/nonexistent/prog", NULL},
				 out, sizeof(out)),
		     127);
}

Test(cli, record_checks_its_options_and_sums_up)
{
	char *dir = kct_tmpdir();
	cr_assert_eq(
	    kct_run_cli((const char *[]){"record", "--flush-ms", "abc", "--", "true", NULL}, out,
			sizeof(out)),
	    2, "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"record", "--gpu-time", "--no-cupti", "--", "true", NULL},
			out, sizeof(out)),
	    2, "%s", out);
	cr_assert(strstr(out, "--gpu-time needs CUPTI"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-o", dir, "--", "true", NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "nothing recorded (no process used CUDA)") && !strstr(out, "Next:"),
		  "%s", out);
	/* CUPTI missing: the program's stderr is left alone, kcprof's summary says it */
	char bin[4200];
	snprintf(bin, sizeof(bin), "%s/tests/bin/drv_client", kct_build());
	setenv("KCT_DATA", kct_data(), 1);
	setenv("KCPROF_CUPTI_LIB", "/nonexistent/libcupti.so.13", 1);
	int rc =
	    kct_run_cli((const char *[]){"record", "-o", dir, "--", bin, "paths", "symbol", NULL},
			out, sizeof(out));
	unsetenv("KCPROF_CUPTI_LIB");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "1 CUDA process, 0 compiler children; ") &&
		      strstr(out, "CUPTI was missing or held by another tool in 1 process: "),
		  "%s", out);
	cr_assert_null(strstr(out, "libcupti not found"), "%s", out);
	/* -o naming a file: said before the program runs, which then does not run */
	char file[4300], ran[4300];
	snprintf(file, sizeof(file), "%s/afile", dir);
	snprintf(ran, sizeof(ran), "%s/ran", dir);
	FILE *f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-o", file, "--", "touch", ran, NULL},
				 out, sizeof(out)),
		     1, "%s", out);
	cr_assert(strstr(out, "kcprof record: ") && strstr(out, "afile: not a directory"), "%s",
		  out);
	cr_assert_neq(access(ran, F_OK), 0, "the program ran");
	/* a directory where no file can be made, which access() passes for root: tried */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"record", "-o", "/proc", "--", "touch", ran, NULL}, out,
			sizeof(out)),
	    1, "%s", out);
	cr_assert(strstr(out, "kcprof record: /proc: cannot make a trace file there: "), "%s", out);
	cr_assert_neq(access(ran, F_OK), 0, "the program ran");
	/* a command that cannot run costs the last run nothing, and only traces are removed */
	char keep[4300], cmd2[9000];
	snprintf(keep, sizeof(keep), "%s/keep", dir);
	mkdir(keep, 0777);
	snprintf(cmd2, sizeof(cmd2),
		 "cp examples/traces/ptx-jit/*.kct %s/ && echo notes > %s/notes.kct", keep, keep);
	cr_assert_eq(system(cmd2), 0, "%s", cmd2);
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-o", keep, "--",
						  "kcprof-no-such-command", NULL},
				 out, sizeof(out)),
		     127, "%s", out);
	cr_assert(strstr(out, "kcprof record: kcprof-no-such-command: command not found") &&
		      !strstr(out, "removed"),
		  "%s", out);
	snprintf(cmd2, sizeof(cmd2), "test $(ls %s/*.kct | wc -l) = 3", keep);
	cr_assert_eq(system(cmd2), 0, "the traces went: %s", cmd2);
	/* a directory is no command, and with PATH unset the search is execvp's (/bin:/usr/bin:
	 * not /usr/local/bin) */
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-o", keep, "--", "/tmp", NULL}, out,
				 sizeof(out)),
		     126, "%s", out);
	snprintf(
	    cmd2, sizeof(cmd2),
	    "f=$(mktemp /usr/local/bin/kct-XXXXXX) && printf '#!/bin/sh\\n' > $f && chmod +x $f && "
	    "env -u PATH %s record -o %s -- $(basename $f); rc=$?; rm -f $f; test $rc = 127",
	    kct_cli(), keep);
	if (access("/usr/local/bin", W_OK) == 0)
		cr_assert_eq(system(cmd2), 0, "%s", cmd2);
	snprintf(cmd2, sizeof(cmd2), "test $(ls %s/*.kct | wc -l) = 3", keep);
	cr_assert_eq(system(cmd2), 0, "the traces went: %s", cmd2);
	/* a file a process killed at its start left (empty, or cut in its magic) is removed */
	snprintf(cmd2, sizeof(cmd2), ": > %s/1-x.kct && printf KCP > %s/2-x.kct", keep, keep);
	cr_assert_eq(system(cmd2), 0, "%s", cmd2);
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-o", keep, "--", "true", NULL}, out,
				 sizeof(out)),
		     0, "%s", out);
	cr_assert(strstr(out, "removed 4 traces of an earlier run"), "%s", out);
	snprintf(cmd2, sizeof(cmd2), "test \"$(cat %s/notes.kct)\" = notes", keep);
	cr_assert_eq(system(cmd2), 0, "notes.kct went: %s", cmd2);
	/* the try leaves nothing behind */
	char ls[4400];
	snprintf(ls, sizeof(ls), "ls -A %s | grep -q kcprof-probe", dir);
	cr_assert_neq(system(ls), 0, "%s", ls);
}

Test(cli, a_new_recording_removes_what_archive_copied_for_the_old)
{
	/* archive's copies (sources/, triton-cache/) describe the traces they were made for: a
	 * source is found by its path, so one left from an earlier run would be read in place
	 * of the new run's (seen on the H100: a script edited between two recordings into one
	 * directory, its decorator read at the old line). A new recording removes what archive
	 * marked, with the traces; a directory of that name archive did not make stays. */
	char *dir = kct_tmpdir(), cmd[9000];
	snprintf(cmd, sizeof(cmd), "cp -r examples/traces/triton-constexpr/. %s/", dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"archive", dir, NULL}, out, sizeof(out)), 0, "%s",
		     out);
	snprintf(cmd, sizeof(cmd), "test -f %s/triton-cache/.kcprof-archive", dir);
	cr_assert_eq(system(cmd), 0, "archive marks what it made: %s", cmd);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/modules/mine && echo keep > %s/modules/mine/f", dir,
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"record", "-o", dir, "--", "true", NULL}, out,
				 sizeof(out)),
		     0, "%s", out);
	cr_assert(strstr(out, "traces and what archive copied for them of an earlier run"), "%s",
		  out);
	snprintf(cmd, sizeof(cmd), "test ! -e %s/triton-cache && test -f %s/modules/mine/f", dir,
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(dir);
}

Test(cli, help_for_every_command)
{
	const char *cmds[] = {"record", "report", "check",   "diff",
			      "dump",	"export", "archive", NULL};
	for (int i = 0; cmds[i]; i++) {
		cr_assert_eq(
		    kct_run_cli((const char *[]){cmds[i], "--help", NULL}, out, sizeof(out)), 0);
		cr_assert(strstr(out, "usage: kcprof ") && strstr(out, "Examples:"),
			  "%s --help: %s", cmds[i], out);
		/* a wrong option: the error, the synopsis and where the rest is, not the page */
		cr_assert_eq(
		    kct_run_cli((const char *[]){cmds[i], "--bogus", NULL}, out, sizeof(out)), 2);
		char want[64], said[64];
		snprintf(want, sizeof(want), "(kcprof %s --help for more)", cmds[i]);
		snprintf(said, sizeof(said), "kcprof %s: unrecognized option", cmds[i]);
		cr_assert(strstr(out, said) && strstr(out, "usage: kcprof ") && strstr(out, want) &&
			      !strstr(out, "Examples:"),
			  "%s --bogus: %s", cmds[i], out);
	}
	cr_assert_eq(kct_run_cli((const char *[]){"--help", NULL}, out, sizeof(out)), 0);
	cr_assert_eq(kct_run_cli((const char *[]){"bogus", NULL}, out, sizeof(out)), 2);
}

Test(cli, gpu_time_in_report_dump_and_json)
{
	/* kcprof record --gpu-time over the stand-in (kern_add 3 us, 2 us after the previous
	 * kernel; kern_scale 2 us, launched with PDL but every 10th time): the report puts GPU
	 * time beside the build cost and names the idle gaps and the overlaps. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13 %s record -q --gpu-time "
		 "-o %s -- "
		 "%s/tests/bin/drv_client pdl 50",
		 kct_data(), kct_build(), kct_cli(), dir, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "GPU time 250 µs (100 kernel runs timed)"), "%s", out);
	cr_assert(strstr(out, "kern_add  [cubin]  fine"),
		  "a C program's own cubin is not Triton's: %s", out);
	cr_assert(
	    strstr(
		out,
		"streams idle between kernels 108 µs, 1.1 µs a run (99 runs; 45 overlapped their "
		"predecessor through PDL)"),
	    "%s", out);
	cr_assert(strstr(out, "GPU: 3.0 µs a run (3.0 µs..3.0 µs, 50 timed)"), "%s", out);
	cr_assert(strstr(out, "gaps: 2.0 µs idle on average before it on its stream (49 runs)"),
		  "%s", out);
	/* 45 overlapped (idle 0), 5 waited 2 us: 200 ns on average */
	cr_assert(
	    strstr(
		out,
		"gaps: 200 ns idle on average before it on its stream (50 runs: 45 overlapped the "
		"previous kernel (PDL), 5 waited 2.0 µs on average)"),
	    "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", "--json", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "\"type\":\"gpu_time\""), "%s", out);
	cr_assert(strstr(out, "\"name\":\"kern_add\",\"count\":50,\"total_ns\":150000"), "%s", out);
	char json[4300];
	snprintf(json, sizeof(json), "%s/report.json", dir);
	snprintf(cmd, sizeof(cmd), "%s report --json --all %s > %s", kct_cli(), dir, json);
	cr_assert_eq(system(cmd), 0);
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 -c \"import json; k={k['name']:k for k in json.load(open('%s'))['kernels']};"
	    " g=k['kern_add']['gpu']; assert "
	    "(g['runs'],g['mean_us'],g['gap_runs'],g['overlapped'])==(50,3.0,49,0), g;"
	    " g=k['_Z10kern_scalePffi']['gpu']; assert "
	    "(g['runs'],g['gap_runs'],g['overlapped'],g['idle_mean_us'])==(50,50,45,0.2), g\"",
	    json);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(cli, cuda_graph_replays_count_as_runs)
{
	/* drv_client graph over the stand-in: kern_add launched 4 times, then captured (2 nodes,
	 * with 1 of kern_scale) and replayed 100 times; a graph holding that one as a child and a
	 * kern_scale node replayed 10 times; the first updated to the second, replayed 5 times.
	 * The stand-in ran kern_add 234 times and kern_scale 130 (drv_client checks): the report
	 * counts the same, the captured launches not among them, by symbols and through
	 * cuGetProcAddress alike, and the program's results and errno are its own. */
	const char *modes[] = {"symbol", "procaddr"};
	for (int i = 0; i < 2; i++) {
		char *dir = kct_tmpdir();
		char cmd[9000];
		snprintf(cmd, sizeof(cmd),
			 "KCT_DATA=%s %s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client "
			 "graph %s",
			 kct_data(), i ? "FAKE_KEEP_ERRNO=1" : "", kct_cli(), dir, kct_build(),
			 modes[i]);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		cr_assert_eq(
		    kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		    0);
		cr_assert(strstr(out, "launches 364\n"), "%s", out);
		cr_assert(strstr(out,
				 "CUDA graphs: 115 launches of 3 graphs ran 360 kernels, counted "
				 "as launches (the 3 launched into 1 stream capture are not)"),
			  "%s", out);
		cr_assert(
		    strstr(out, "1 variant in 1 load, 234 launches (230 in CUDA graph replays)"),
		    "%s", out);
		cr_assert(
		    strstr(out, "1 variant in 1 load, 130 launches (130 in CUDA graph replays)"),
		    "%s", out);
		cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
		char want[200];
		snprintf(want, sizeof(want), "kind=instantiate id=2 ");
		cr_assert(strstr(out, want), "%s", out);
		snprintf(want, sizeof(want),
			 "paths=[%s] nodes=5 incomplete=false truncated=false funcs=[{func_id=1 "
			 "name=kern_add nodes=2},"
			 "{func_id=2 name=_Z10kern_scalePffi nodes=2}]",
			 i ? "procaddr" : "symbol");
		cr_assert(strstr(out, want), "the child graph walked: %s in %s", want, out);
		cr_assert(strstr(out, "kind=update id=3"), "%s", out);
		cr_assert(strstr(out, "graph_id=1 count=100 errors=0"), "%s", out);
		char json[4300];
		snprintf(json, sizeof(json), "%s/report.json", dir);
		snprintf(cmd, sizeof(cmd), "%s report --json --all %s > %s", kct_cli(), dir, json);
		cr_assert_eq(system(cmd), 0);
		snprintf(
		    cmd, sizeof(cmd),
		    "python3 -c \"import json; d=json.load(open('%s')); "
		    "k={k['name']:k for k in d['kernels']}; t=d['totals'];"
		    " assert (k['kern_add']['launches'],k['kern_add']['graph_runs'])==(234,230), k;"
		    " assert k['kern_add']['variant_list'][0]['launches']==234, k;"
		    " assert (t['launches'],t['graph_runs'],t['graph_launches'])==(364,360,115), "
		    "t\"",
		    json);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		/* export: the counter adds each graph launch's runs and leaves out the launches
		 * into the capture, as the report (host launches 6 - 2 captured + 230) */
		snprintf(
		    cmd, sizeof(cmd),
		    "%s export %s --chrome %s && python3 -c \"import json; "
		    "e=json.load(open('%s'))['traceEvents']; c=[x['args']['count'] for x in e if "
		    "x.get('name')=='launches kern_add']; "
		    "g=[x for x in e if x.get('cat')=='graph']; assert c[-1]==234 and len(g)==4, "
		    "(c, len(g))\"",
		    kct_cli(), dir, json, json);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		assert_export_counts_as_report(dir);
	}
}

Test(cli, cuda_graph_made_out_of_sight_is_named)
{
	/* A graph instantiated where no hook sees it (as through cudart's private table), then
	 * launched 3 times: its launches are counted, its kernels cannot be, and the report says
	 * so rather than count them as nothing. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record --no-cupti -o %s -- %s/tests/bin/drv_client graph unseen "
		 "2> %s.err",
		 kct_data(), kct_cli(), dir, kct_build(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	char errf[4300];
	snprintf(errf, sizeof(errf), "%s.err", dir);
	char *said = kct_read_file(errf, NULL);
	cr_assert(said &&
		      strstr(said, "7 launch calls, 118 CUDA graph launches. Next: kcprof report"),
		  "record's summary: %s", said ? said : "(none)");
	free(said);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out,
			 "CUDA graphs: 118 launches of 4 graphs ran 360 kernels, counted as "
			 "launches (the 3 launched into 1 stream capture are not); 1 graph made "
			 "where kcprof could not list the kernels"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "kind=unseen id=4"), "%s", out);
	cr_assert(strstr(out, "graph_id=4 count=3 errors=0"), "%s", out);
}

Test(cli, cuda_graph_capture_of_a_cukernel_is_taken_off_its_launches)
{
	/* A CUkernel launched twice, then once into a capture whose node holds the context's
	 * function (another handle, named by the driver), replayed 50 times: 52 runs, the
	 * captured launch taken off the kernel's own though its node names another handle. */
	char *dir = kct_tmpdir();
	record_drv(dir, "graph kernel");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 52\n"), "%s", out);
	cr_assert(strstr(out, "52 launches (50 in CUDA graph replays)"), "%s", out);
	cr_assert(strstr(out, "(the 1 launched into 1 stream capture are not)"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "name=kern_add api=graph_node"),
		  "the node's function, named by the driver: %s", out);
}

Test(cli, cuda_graph_trace_recorded_on_the_gpu)
{
	/* examples/traces/cuda-graph: tests/gpu/cuda_graph.py under record --gpu-time on the H100.
	 * scale_rows (BLOCK = the batch size's power of two) launched twice a batch size by the
	 * host (a warm-up, then into a capture), then 800 graph replays: 8 builds, 808 runs, a
	 * start-up cost and not churn; counted by host launches (16) it would be churn. Every
	 * kernel's runs are what CUPTI timed on the GPU, independently. */
	const char *dir = "examples/traces/cuda-graph";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "launches 2382\n"), "%s", out);
	cr_assert(strstr(out, "GPU time 11.6 ms (2382 kernel runs timed)"), "%s", out);
	cr_assert(strstr(out, "CUDA graphs: 839 launches of 10 graphs ran 1639 kernels, counted as "
			      "launches (the 17 launched into 10 stream captures are not)"),
		  "%s", out);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
	cr_assert(strstr(out,
			 " 1. scale_rows  [Triton]  a few variants\n"
			 "    8 variants in 8 loads, 808 launches (800 in CUDA graph replays)"),
		  "%s", out);
	cr_assert(strstr(out, "its 8 builds came before CUDA graphs that replayed it 800 times"),
		  "%s", out);
	cr_assert(strstr(out, "BLOCK sizes the kernel's blocks, which must stay a"), "%s", out);
	cr_assert(strstr(out, "(its pointwise autotuning)"),
		  "Inductor's XBLOCK is a config, not a baked-in size: %s", out);
	cr_assert(
	    strstr(out, "n_rows == 1 (equals_one): yes, no") && !strstr(out, "n_rows (constant)"),
	    "the constant 1 of the variant specialised on it is that line, not another: %s", out);
	cr_assert(!strstr(out, "mark_dynamic"), "%s", out);
	char cmd[4400];
	snprintf(cmd, sizeof(cmd),
		 "%s report --json --all %s | python3 -c \"import json,sys; d=json.load(sys.stdin);"
		 " ran=[k for k in d['kernels'] if k['launches'] or k['gpu']];"
		 " bad=[(k['name'],k['launches'],k['gpu'] and k['gpu']['runs']) for k in ran"
		 " if not k['gpu'] or k['launches']!=k['gpu']['runs']];"
		 " assert len(ran)==19 and not bad, bad\"",
		 kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "every kernel's runs equal CUPTI's count: %s", cmd);
	/* export's launch counters end where the report's launches do: runs, the launches into
	 * captures left out (they ended 8 over for scale_rows), and never dip (they went down by
	 * one where a capture's graph was made before the flush that counted its launches) */
	assert_export_counts_as_report(dir);
}

Test(cli, cuda_graph_launches_from_threads_and_a_reused_handle)
{
	/* One graph launched once, then 20000 times by each of 4 threads (their cached graph, no
	 * lock): every launch counted. Then destroyed and another made at (most likely) the same
	 * handle: the main thread's cached graph is the old one, and its 7 launches must count
	 * for the new. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(
	    cmd, sizeof(cmd),
	    "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client graphthreads "
	    "4 20000 > %s.out",
	    kct_data(), kct_cli(), dir, kct_build(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "graph_id=1 count=80001 errors=0"), "%s", out);
	cr_assert(strstr(out, "graph_id=2 count=7 errors=0"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "launches 80008\n"), "%s", out);
}

Test(cli, report_json_of_several_runs_gives_each_runs_totals)
{
	/* The PDL chain without and with PDL: one report over both, and each run's totals as
	 * the text comparison prints them (1.5 µs against 752 ns of idle time a run). */
	char cmd[4400];
	snprintf(cmd, sizeof(cmd),
		 "%s report --json examples/traces/pdl-chain/nopdl examples/traces/pdl-chain/pdl | "
		 "python3 -c \"import json,sys; d=json.load(sys.stdin); r=d['runs']; t=d['totals'];"
		 " assert [x['trace'] for x in r]==['examples/traces/pdl-chain/nopdl',"
		 "'examples/traces/pdl-chain/pdl'], r;"
		 " assert [x['launches'] for x in r]==[86688,86688] and t['launches']==173376, r;"
		 " assert [x['overlapped'] for x in r]==[0,80758], r;"
		 " assert [round(x['idle_ms']/x['gpu_runs']*1e6) for x in r]==[1526,753], r;"
		 " assert t['processes']==2 and r[0]['processes']==1\"",
		 kct_cli());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd),
		 "%s report --json examples/traces/pdl-chain/pdl | python3 -c \"import json,sys; "
		 "d=json.load(sys.stdin); assert 'runs' not in d\"",
		 kct_cli());
	cr_assert_eq(system(cmd), 0, "one run has no runs array: %s", cmd);
}

Test(cli, report_json_of_several_runs_gives_each_kernel_by_run)
{
	/* nvcc-define and nvrtc-define: fill_mask_fixed is built once in each run; merged, its
	 * two images read "a few variants", and by_run says what each run alone says: fine. */
	char cmd[4400];
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json examples/traces/nvcc-define examples/traces/nvrtc-define | "
	    "python3 -c \"import json,sys; k={k['name']: k for k in "
	    "json.load(sys.stdin)['kernels']};"
	    " r=k['fill_mask_fixed']['by_run'];"
	    " assert [x['verdict'] for x in r]==['fine','fine'], r;"
	    " assert [x['variants'] for x in r]==[1,1], r;"
	    " assert r[0]['trace']=='examples/traces/nvcc-define', r;"
	    " assert [x['front_end'] for x in k['fill_mask']['by_run']]==['compiler','NVRTC']\"",
	    kct_cli());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(cli, cuda_graph_calls_of_a_cuda_11_runtime)
{
	/* A CUDA 11 runtime asks cuGetProcAddress for cuGraphInstantiate and cuGraphExecUpdate
	 * at version 11080 and gets their five- and four-argument functions: the hooks handed
	 * out must take the same arguments (the update's result came back unset when the
	 * three-argument hook stood in: drv_client checks), and the graph's runs count. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	record_drv(dir, "graph v11");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 111\n"), "%s", out);
	cr_assert(strstr(out, "CUDA graphs: 110 launches of 2 graphs ran 110 kernels, counted as "
			      "launches (the 1 launched into 1 stream capture are not)\n"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "kind=instantiate id=1") && strstr(out, "kind=update id=2"), "%s",
		  out);
	/* export's counter ends at the report's runs */
	snprintf(cmd, sizeof(cmd),
		 "%s export %s --chrome %s/c.json && python3 -c \"import json;"
		 " c=[x['args']['count'] for x in json.load(open('%s/c.json'))['traceEvents']"
		 " if x.get('name')=='launches kern_add']; assert c[-1]==111, c[-5:]\"",
		 kct_cli(), dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* An entry's first payload bytes zeroed (in the caller's own buffer): its zstd frame no longer
 * decompresses. */
static int spoil_entry(const struct kc_fatbin_entry *e, void *ctx)
{
	(void)ctx;
	memset((void *)(uintptr_t)e->data, 0, e->size < 4 ? e->size : 4);
	return 0;
}

Test(cli, compressed_fatbin_kernels_are_named_by_the_analyzer)
{
	/* A fatbin whose cubin is compressed (nvcc -Xfatbin -compress-all, as PyTorch's are;
	 * nvcc's default compresses only the PTX), which the recorder does not read: its load is
	 * recorded without names. The analyzer names them from the image the trace
	 * stored (decompressed), else from the functions taken from that module; a load named
	 * by neither is said, as its time counts for no kernel. */
	char path[4300];
	snprintf(path, sizeof(path), "%s/sample_zstd.fatbin", kct_data());
	static const char *const how[] = {"KCPROF_IMAGES=1", "KCPROF_IMAGES=0", "KCPROF_IMAGES=0"};
	static const char *const mode[] = {"loadfile", "loadfile", "loadonly"};
	for (int i = 0; i < 3; i++) {
		char *dir = kct_tmpdir();
		char cmd[9000];
		snprintf(cmd, sizeof(cmd),
			 "KCT_DATA=%s %s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client "
			 "%s %s",
			 kct_data(), how[i], kct_cli(), dir, kct_build(), mode[i], path);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
		cr_assert(strstr(out, "kind=fatbin") && strstr(out, "names=[]"),
			  "recorded without names: %s", out);
		cr_assert_eq(
		    kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		    0);
		const char *unnamed = "1 load (";
		if (i < 2) {
			cr_assert(strstr(out, "kern_add  [") &&
				      strstr(out, "    1 variant in 1 load, 1 launch\n"),
				  "%s", out);
			cr_assert(!strstr(out, unnamed), "%s", out);
		} else {
			cr_assert(strstr(out, ") of an image whose kernels kcprof could not name"),
				  "%s", out);
			cr_assert(strstr(out, "0 kernels"), "%s", out);
		}
		/* the image names both of its kernels; the functions only the one taken */
		cr_assert_eq(
		    !!strstr(out, "kern_scale  [fatbin]  fine\n    symbol _Z10kern_scalePffi\n"),
		    i == 0, "%s", out);
		snprintf(cmd, sizeof(cmd),
			 "%s report --json %s | python3 -c \"import json,sys; "
			 "assert json.load(sys.stdin)['totals']['unnamed_loads']==%d\"",
			 kct_cli(), dir, i == 2);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
	}
	/* an image whose entries do not decompress names nothing, but kern_add was taken from
	 * it: named so, not taken for a module of data */
	size_t n;
	snprintf(path, sizeof(path), "%s/sample_zstd.fatbin", kct_data());
	char *fat = kct_read_file(path, &n);
	cr_assert_not_null(fat);
	cr_assert_eq(kc_fatbin_walk(fat, n, spoil_entry, NULL), 2);
	char *bad = kct_tmpdir(), spoiled[4400];
	snprintf(spoiled, sizeof(spoiled), "%s/spoiled.fatbin", bad);
	FILE *fp = fopen(spoiled, "wb");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(fat, 1, n, fp), n);
	fclose(fp);
	free(fat);
	char *sdir = kct_tmpdir(), scmd[9000];
	snprintf(scmd, sizeof(scmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client loadfile %s",
		 kct_data(), kct_cli(), sdir, kct_build(), spoiled);
	cr_assert_eq(system(scmd), 0, "%s", scmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", sdir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "kern_add  [") &&
		      strstr(out, "    1 variant in 1 load, 1 launch\n") &&
		      !strstr(out, "could not name"),
		  "%s", out);
	/* a module of data only (cuBLAS ships one): its stored image read, no kernel in it, is
	 * not a load kcprof could not name */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client loadonly "
		 "%s/data_only.fatbin",
		 kct_data(), kct_cli(), dir, kct_build(), kct_data());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "(1 load)") && strstr(out, "0 kernels") &&
		      !strstr(out, "could not name"),
		  "%s", out);
}

Test(cli, fatbins_a_compiler_child_built_per_request_are_churn)
{
	/* A program that runs a compiler for each request with a new -DSTEP and loads the
	 * fatbin it made (the stand-in ptxas, then step_N.fatbin, its PTX compressed): churn of
	 * images a compiler child built, the -D named from the child's command line and the
	 * value from the PTX each carries. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	record_drv(dir, "nvccstep");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. kern_step  [compiler]  specialization churn\n"
			      "    3 variants in 3 loads, 3 launches"),
		  "%s", out);
	cr_assert(strstr(out, "(3× ptxas "), "%s", out);
	cr_assert(strstr(out, "    changed: STEP (-D option): 3 values, 1..3\n"
			      "             PTX line 38 (ptx): 3 values, 1..3\n"),
		  "the -D from the compiler's command line, the value in the PTX: %s", out);
	cr_assert(strstr(out, "fix: -DSTEP changes per build: pass STEP as a kernel argument"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"diff", dir, "kern_step", "1", "3", NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "-add.s32 %r7, %r6, 1;\n+add.s32 %r7, %r6, 3;\n"), "%s", out);
	cr_assert(strstr(out, "step_1.fatbin -DSTEP=1 (") &&
		      strstr(out, "step_3.fatbin -DSTEP=3 (") && strstr(out, "    built by: "),
		  "each variant's compiler command line: %s", out);
	/* the first variant's fatbin without PTX (a cubin only): the PTX values are the others' */
	char *dir2 = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client nvccstep "
		 "step_sass.fatbin step_1.fatbin step_2.fatbin",
		 kct_data(), kct_cli(), dir2, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	struct kca_model m;
	load(&m, dir2);
	const struct kca_family *f = family(&m, "kern_step");
	cr_assert_not_null(f);
	const struct kca_changes *ch = kca_family_changes(&m, f);
	const struct kca_change *ptx = NULL;
	for (unsigned i = 0; i < ch->nchanges; i++)
		if (ch->changes[i].kind == KCA_CHANGE_PTX)
			ptx = &ch->changes[i];
	cr_assert_not_null(ptx);
	cr_assert_eq(ptx->nvalues, 3);
	cr_assert_null(ptx->values[0], "no PTX in the first: %s", ptx->values[0]);
	cr_assert_str_eq(ptx->values[1], "1");
	cr_assert_str_eq(ptx->values[2], "2");
	kca_model_free(&m);
	/* the host compiler run before each load (a C++ extension built, say): its time lands
	 * on the next load, but it builds no GPU code: not [compiler], no -D of it; the
	 * program's own fatbins, which it may have built out of sight, are still worth a look */
	char *dir3 = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "cp %s/tests/bin/ptxas %s.gcc && mkdir -p %s.bin && mv %s.gcc %s.bin/gcc && "
		 "KCT_COMPILER=%s.bin/gcc KCT_DATA=%s %s record -q --no-cupti -o %s -- "
		 "%s/tests/bin/drv_client nvccstep step_1.fatbin step_2.fatbin",
		 kct_build(), dir3, dir3, dir3, dir3, dir3, kct_data(), kct_cli(), dir3,
		 kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir3, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "kern_step  [fatbin]  a few variants\n") && strstr(out, "2× gcc ") &&
		      !strstr(out, "-D option"),
		  "%s", out);
	char want[4500]; /* the fix's diff command names the trace, not a placeholder */
	snprintf(want, sizeof(want), "%s kern_step'", dir3);
	const char *diff = strstr(out, "'kcprof diff");
	cr_assert(diff && strstr(diff, want), "%s in %s", want, out);
	/* another module loaded between each build and the load of the file it wrote (-o): the
	 * build is that file's, not the next load's */
	char *dir4 = kct_tmpdir();
	record_drv_env(dir4, "KCT_LOAD_BETWEEN=1", "nvccstep");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir4, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, " 1. kern_step  [compiler]  specialization churn\n") &&
		      strstr(out, "building (3× ptxas "),
		  "%s", out);
	/* sample.cubin's kernels (the module's first in full, kern_add in a line) */
	const char *add = strstr(out, "kern_scale  [");
	cr_assert(add && strstr(add, "cost: 0 ns building"), "%s", out);
	/* the same, its output read and loaded from memory (as Triton loads ptxas's cubin): the
	 * load is found by the hash of the file the child wrote, taken at its exit */
	char *dir5 = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "KCT_LOAD_MEMORY=1 KCT_LOAD_BETWEEN=1 KCT_DATA=%s %s record -q --no-cupti -o %s "
		 "-- %s/tests/bin/drv_client nvccstep",
		 kct_data(), kct_cli(), dir5, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	load(&m, dir5);
	unsigned matched = 0;
	for (unsigned c = 0; c < m.ncompiles; c++) {
		const struct kca_compile *cp = &m.compiles[c];
		cr_assert_eq(cp->tool, KC_TOOL_EXEC);
		cr_assert(cp->load >= 0 && cp->output_hash != 0);
		const struct kca_load *l = &m.loads[cp->load];
		cr_assert(l->api == KC_API_MODULE_LOAD_DATA && l->hash == cp->output_hash,
			  "compile %u went to a load of api %u", c, l->api);
		matched++;
	}
	cr_assert_eq(matched, 3);
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir5, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, " 1. kern_step  [compiler]  specialization churn\n") &&
		      strstr(out, "building (3× ptxas "),
		  "%s", out);
	add = strstr(out, "kern_scale  [");
	cr_assert(add && strstr(add, "cost: 0 ns building"), "%s", out);
}

Test(cli, prebuilt_library_kernels_are_neither_variants_nor_rebuilds)
{
	/* PyTorch's fatbins (compressed: named from the functions taken from them) and the
	 * driver's lazy load of each kernel at its first use (CUPTI's record, a cubin of its
	 * own hash): one image loaded in two steps, not two variants. */
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", DEMO, NULL}, out, sizeof(out)),
		     0);
	/* a C++ kernel by its name, its symbol below */
	const char *name =
	    "at::native::reduce_kernel<…>  [CUDA runtime]  fine\n"
	    "    symbol _ZN2at6native13reduce_kernelILi512ELi1ENS0_8ReduceOpIlNS0_14func_"
	    "wrapper_tIlZNS0_11sum_functorIlllEclERNS_14TensorIteratorEEUlllE_"
	    "EEjlLi4ELi4EEEEEvT1_\n"
	    "    1 variant in 1 load, 20 launches\n"
	    "    loaded at +6.13 s of the recording\n"
	    "    cost: 0 ns building, 38.4 ms loading";
	cr_assert(strstr(out, name), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", DEMO, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "393 kernels, 1 with recompilation churn") &&
		      strstr(out, "391 kernels neither rebuilt nor loaded again and again: fine"),
		  "%s", out);
	/* one kernel in two of a program's libraries that the CUDA runtime loaded, nothing
	 * built: two images, fine. Loaded by the program's own code, as drv_client does, they
	 * may have been built out of sight; without native frames (KCPROF_STACKS=0, or a Python
	 * process: PyTorch's runtime) that cannot be told, and they are taken for the
	 * runtime's. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	record_drv(dir, "libtwo");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "kern_add  [fatbin]  a few variants\n    2 variants in 2 loads"),
		  "the program's own cuLibraryLoadData: %s", out);
	/* the same code (one image compressed): not a constant to make an argument */
	cr_assert(strstr(out, "    changed: nothing in the code: the images carry the same PTX "
			      "and machine code\n"
			      "    fix: the same code in 2 images (their PTX and machine code are "
			      "identical"),
		  "%s", out);
	/* the same PTX built with other ptxas options (-O0): other machine code */
	char *so = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client nvccstep "
		 "step_1.fatbin step_1_O0.fatbin",
		 kct_data(), kct_cli(), so, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	const char *dirs[] = {dir, so};
	for (int k = 0; k < 2; k++) {
		struct kca_model m;
		load(&m, dirs[k]);
		const struct kca_family *fam = family(&m, k ? "kern_step" : "kern_add");
		cr_assert(fam && fam->nvariants == 2);
		cr_assert_eq(kca_family_changes(&m, fam)->same_code, k == 0, "%s", dirs[k]);
		kca_model_free(&m);
	}
	/* diff takes a C++ kernel by the name the report heads it with, where it is one's */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", dir, "kern_scale", NULL}, out, sizeof(out)), 0,
	    "%s", out);
	cr_assert(strstr(out, "kcprof diff: kern_scale, variants 1 and 2 of 2"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", "examples/traces/serve-warmup",
					 "at::native::vectorized_elementwise_kernel<…>", NULL},
			out, sizeof(out)),
	    1);
	cr_assert(strstr(out, "kernels in examples/traces/serve-warmup are named "
			      "at::native::vectorized_elementwise_kernel<…> (20 of them above)"),
		  "%s", out);
	/* "<...>" typed for the report's "<…>" */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", "examples/traces/serve-warmup",
					 "at::native::vectorized_elementwise_kernel<...>", NULL},
			out, sizeof(out)),
	    1);
	cr_assert(strstr(out, "(20 of them above)"), "%s", out);
	dir = kct_tmpdir();
	record_drv_env(dir, "KCPROF_STACKS=0", "libtwo");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "kern_add  [CUDA runtime]  fine\n    2 variants in 2 loads, 2 "
			      "launches: images of the program's libraries, none built at run "
			      "time\n"),
		  "%s", out);
	cr_assert(!strstr(out, "changed:") && !strstr(out, "fix:"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 0, "%s",
		     out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "1", dir, NULL}, out,
				 sizeof(out)),
		     0, "two libraries' images are not two variants: %s", out);
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json --all %s | python3 -c \"import json,sys; "
	    "k={k['name']: k for k in json.load(sys.stdin)['kernels']}; "
	    "assert k['kern_add']['prebuilt_copies'] and k['kern_add']['verdict']=='fine', k\"",
	    kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* diff reads the PTX each fatbin carries, the compressed one's decompressed: the same */
	cr_assert_eq(kct_run_cli((const char *[]){"diff", dir, "kern_add", NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "--- [A] the sm_90 PTX in ") &&
		      strstr(out, "+++ [B] the sm_90 PTX in ") && strstr(out, "(identical text)"),
		  "%s", out);
}

Test(cli, cuda_graph_capture_made_executable_by_an_update_is_taken_off)
{
	/* A second capture never instantiated, put into an executable graph through
	 * cuGraphExecUpdate (PyTorch re-capturing into a graph it keeps): its two launches are
	 * not runs, the update having made it executable; the replays after run its two nodes. */
	char *dir = kct_tmpdir();
	record_drv(dir, "graph update");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 53\n"), "%s", out);
	cr_assert(strstr(out, "CUDA graphs: 30 launches of 2 graphs ran 50 kernels, counted as "
			      "launches (the 3 launched into 2 stream captures are not)\n"),
		  "%s", out);
	cr_assert(strstr(out, "1 variant in 1 load, 53 launches (50 in CUDA graph replays)"), "%s",
		  out);
	assert_export_counts_as_report(dir);
}

Test(cli, cuda_graph_capture_counts_only_with_its_graph_seen_made)
{
	/* kern_add launched once and captured once, the graph made where no hook sees it and
	 * replayed 100 times: its replays cannot be counted, so the captured launch is kept as
	 * a run (2, not 1: taken off, it made a kernel of 8 captured variants read 8 runs). */
	char *dir = kct_tmpdir();
	record_drv(dir, "graph private");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "1 variant in 1 load, 2 launches\n"), "%s", out);
	cr_assert(strstr(out,
			 "CUDA graphs: 100 launches of 1 graph ran 0 kernels, counted as "
			 "launches; 1 graph made where kcprof could not list the kernels: their "
			 "runs are not counted\n"),
		  "%s", out);
}

Test(cli, cuda_graph_capture_taken_off_the_launching_module_only)
{
	/* kern_add of one module launched 10 times; kern_add of another (a library's CUkernel)
	 * captured once, its node holding another handle, and replayed 50 times. The captured
	 * launch comes off the second module's function, never the first's: 10 and 50. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client graph "
		 "twomodules && %s report --json --all %s | python3 -c \"import json,sys; "
		 "k={k['name']:k for k in json.load(sys.stdin)['kernels']}['kern_add'];"
		 " v=sorted(x['launches'] for x in k['variant_list']);"
		 " assert k['launches']==60 and v==[10,50], (k['launches'], v)\"",
		 kct_data(), kct_cli(), dir, kct_build(), kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(cli, cuda_graph_with_a_conditional_node_is_named_incomplete)
{
	/* A conditional node's body runs a number of times no walk can know: the graph's
	 * record says its kernels are not all listed, and the report says so. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client graph "
		 "conditional",
		 kct_data(), kct_cli(), dir, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "1 variant in 1 load, 101 launches (100 in CUDA graph replays)"),
		  "%s", out);
	cr_assert(strstr(out, "; 1 graph with kernels kcprof could not all count (conditional "
			      "nodes, or nodes it could not read)\n"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "nodes=2 incomplete=true truncated=false"), "%s", out);
}

Test(cli, cuda_graph_capture_used_as_a_child_graph)
{
	/* kern_add captured once into a graph that goes into another as a child node (the
	 * driver clones it there: another handle), that one replayed 100 times: 100 runs, the
	 * captured launch taken off by its kernels, all in a graph made where a hook saw. */
	char *dir = kct_tmpdir();
	record_drv(dir, "graph child");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 100\n"), "%s", out);
	cr_assert(strstr(out, "(the 1 launched into 1 stream capture are not)"), "%s", out);
	assert_export_counts_as_report(dir); /* export: 101, the capture kept as a run */
}

/* The FUNCTION record of function 1, "k", to f. */
/* A FUNCTION record of kernel k: its id, and its module's hash (0: a module not seen). */
static void write_function_of(FILE *f, uint32_t id, uint64_t module_hash, uint64_t t)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_function fn = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(fn));
	fn.id = id;
	fn.handle = 0x10 * id;
	fn.module_handle = module_hash ? module_hash : 0x777;
	fn.module_hash = module_hash;
	fn.name = kc_rb_str(&rb, "k");
	size_t sz = kc_rb_finish(&rb, &fn, KC_REC_FUNCTION, 1, t);
	fwrite(kc_rb_data(&rb), 1, sz, f);
	kc_rb_release(&rb);
}

static void write_function_k(FILE *f)
{
	write_function_of(f, 1, 0, 100);
}

/* A MODULE_LOAD record of the kernels names[] (NULL-terminated), to f. */
static void write_load_of(FILE *f, unsigned api, unsigned kind, uint64_t hash, uint64_t t,
			  uint64_t duration, const char *const *names)
{
	_Alignas(8) uint8_t mem[512];
	struct kc_recbuf rb;
	struct kc_rec_module_load x = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(x));
	x.handle = hash ? hash : 0x777; /* no hash: write_function_of's module without one */
	x.hash = hash;
	x.size = 100;
	x.duration_ns = duration;
	x.api = api;
	x.kind = kind;
	kc_rb_list_begin(&rb);
	for (unsigned i = 0; names[i]; i++)
		kc_rb_list_add(&rb, names[i]);
	x.names = kc_rb_list_end(&rb);
	size_t sz = kc_rb_finish(&rb, &x, KC_REC_MODULE_LOAD, 1, t);
	fwrite(kc_rb_data(&rb), 1, sz, f);
	kc_rb_release(&rb);
}

/* A MODULE_LOAD record of one kernel, to f. */
static void write_load(FILE *f, unsigned api, unsigned kind, uint64_t hash, uint64_t t,
		       uint64_t duration, const char *name)
{
	write_load_of(f, api, kind, hash, t, duration, (const char *const[]){name, NULL});
}

/* A LOAD_CONTEXT record (tid 1) saying that the load of `handle` went to `device`. */
static void write_load_context(FILE *f, uint64_t handle, int device, uint64_t t)
{
	struct kc_rec_load_context x = {.h = {.type = KC_REC_LOAD_CONTEXT, .tid = 1, .time_ns = t},
					.context = 0x1000 + (uint64_t)device,
					.handle = handle,
					.device = device};
	kc_rec_seal(&x.h, sizeof(x));
	fwrite(&x, sizeof(x), 1, f);
}

Test(report, a_load_of_unknown_device_was_on_the_process_one_and_a_lost_loads_context_is_no_others)
{
	/* ka: loaded before kcprof could ask the driver (no context), then twice on device 0, the
	 * process's one device: two reloads. kb: its thread's context record is of a load whose
	 * own record was lost (another handle): kb's device is not known, not device 5. */
	const uint64_t ms = 1000000;
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1, 1 * ms, 500, "ka");
	for (uint64_t i = 2; i <= 3; i++) {
		write_load_context(f, 0xa1, 0, i * ms);
		write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1, i * ms, 500, "ka");
	}
	write_load_context(f, 0xdead, 5, 4 * ms);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xb1, 5 * ms, 500, "kb");
	fclose(f);
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *ka = family(&m, "ka");
	cr_assert_eq(ka->reloads, 2, "the first load was on device 0 too: %u", ka->reloads);
	cr_assert_eq(ka->verdict, KCA_RELOAD_CHURN);
	cr_assert_eq(ka->devices, 1);
	for (unsigned i = 0; i < m.nloads; i++)
		if (m.loads[i].hash == 0xb1)
			cr_assert_eq(m.loads[i].device, -1, "kb took a lost load's device %d",
				     m.loads[i].device);
	cr_assert_eq(family(&m, "kb")->devices, 0);
	kca_model_free(&m);
}

Test(cli, cpp_kernels_go_by_their_names_and_by_symbols_where_two_read_alike)
{
	/* serv::scale(float*), two instantiations of serv::reduce<int>(float*) and one of a
	 * long name, each built three times: check, the comparison of runs, export and JSON name
	 * serv::scale as the report's heading does; the two reduce<…> read alike, so each goes by
	 * its symbol */
	static const char *const syms[] = {"_ZN4serv5scaleEPf", "_ZN4serv6reduceILi4EEEvPf",
					   "_ZN4serv6reduceILi8EEEvPf",
					   "_ZN4serv6detail23a_kernel_of_a_long_nameILi4EEEvPf"};
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	for (uint64_t k = 0; k < 4; k++)
		for (uint64_t i = 0; i < 3; i++)
			write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc10 + 16 * k + i,
				   1000000 + 1000 * (3 * k + i), 500, syms[k]);
	fclose(f);
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "kcprof check: serv::scale: specialization churn (3 variants") &&
		      strstr(out, "kcprof check: _ZN4serv6reduceILi4EEEvPf: specialization") &&
		      strstr(out, "kcprof check: _ZN4serv6reduceILi8EEEvPf: specialization") &&
		      !strstr(out, "_ZN4serv5scaleEPf") && !strstr(out, "reduce<"),
		  "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "\nserv::scale                              | ") &&
		      strstr(out, "\n_ZN4serv6reduceILi4EEEvPf                | ") &&
		      !strstr(out, "_ZN4serv5scaleEPf"),
		  "%s", out);
	/* 40 characters in 42 bytes: the column's width, not cut; longer names cut in their
	 * middle, so that the two reduce<…> still differ */
	cr_assert(strstr(out, "\nserv::detail::a_kernel_of_a_long_name<…> | ") &&
		      strstr(out, "\n_ZN4serv6reduceILi4EEEvPf ") &&
		      strstr(out, "\n_ZN4serv6reduceILi8EEEvPf "),
		  "%s", out);
	char path[4200];
	snprintf(path, sizeof(path), "%s.json", dir);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"export", dir, "--chrome", path, NULL}, out, sizeof(out)),
	    0, "%s", out);
	char *json = kct_read_file(path, NULL);
	cr_assert(json && strstr(json, "\"load serv::scale\"") &&
		      strstr(json, "\"load _ZN4serv6reduceILi8EEEvPf\"") &&
		      !strstr(json, "_ZN4serv5scaleEPf"),
		  "%s", json);
	free(json);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--json", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "\"name\": \"_ZN4serv5scaleEPf\",\n"
			      "      \"display_name\": \"serv::scale\",") &&
		      strstr(out, "\"name\": \"_ZN4serv6reduceILi4EEEvPf\",\n"
				  "      \"display_name\": \"serv::reduce<…>\","),
		  "%s", out);
}

Test(cli, kernels_named_alike_up_to_a_long_prefix_stay_apart)
{
	/* two kernels of 1100-character names that differ in their last character: named whole
	 * by check and export, not cut alike */
	char a[1200], b[1200];
	memset(a, 'x', 1100);
	a[0] = 'k';
	a[1100] = 'A';
	a[1101] = '\0';
	memcpy(b, a, sizeof(b));
	b[1100] = 'B';
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	for (uint64_t i = 0; i < 6; i++)
		write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc10 + i,
			   1000000 + 1000 * i, 500, i < 3 ? a : b);
	fclose(f);
	static char big[65536];
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, big, sizeof(big)), 1);
	char line[1300];
	snprintf(line, sizeof(line), "kcprof check: %s: specialization churn", a);
	cr_assert(strstr(big, line), "%s", big);
	snprintf(line, sizeof(line), "kcprof check: %s: specialization churn", b);
	cr_assert(strstr(big, line), "%s", big);
	char path[4200];
	snprintf(path, sizeof(path), "%s.json", dir);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"export", dir, "--chrome", path, NULL}, big, sizeof(big)),
	    0, "%s", big);
	char *json = kct_read_file(path, NULL);
	snprintf(line, sizeof(line), "\"load %s\"", a);
	cr_assert(json && strstr(json, line), "%s", json);
	snprintf(line, sizeof(line), "\"load %s\"", b);
	cr_assert(strstr(json, line), "%s", json);
	free(json);
}

Test(cli, a_module_s_kernels_that_read_alike_go_by_their_symbols)
{
	/* a module of k0 and two instantiations of serv::reduce<int> loaded three times: the
	 * entry names the two by their symbols (what 'kcprof diff' takes); in a window, their
	 * launches there */
	static const char *const kernels[] = {"k0", "_ZN4serv6reduceILi4EEEvPf",
					      "_ZN4serv6reduceILi8EEEvPf", NULL};
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	for (uint64_t i = 0; i < 3; i++)
		write_load_of(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1,
			      1000000 + 100000 * i, 9000, kernels);
	fclose(f);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. serv::reduce<…>  [cubin]  reload churn\n    symbol "
			      "_ZN4serv6reduceILi4EEEvPf\n    its module's 2 other kernels, loaded "
			      "with it each time: _ZN4serv6reduceILi8EEEvPf (0 launches), k0 (0 "
			      "launches)\n"),
		  "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "0", dir, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "_ZN4serv6reduceILi8EEEvPf (0 launches in the window), "), "%s", out);
}

Test(cli, a_module_reloaded_again_and_again_is_one_entry)
{
	/* a module of eight kernels loaded three times in one process (reload churn), and a
	 * kernel b built three times: with --top 1 the module is the one entry, naming the
	 * others, and only b is left "not shown"; check says the module in one line */
	static const char *const kernels[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", NULL};
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	for (uint64_t i = 0; i < 3; i++)
		write_load_of(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1,
			      1000000 + 100000 * i, 9000, kernels);
	for (uint64_t i = 0; i < 3; i++)
		write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xb1 + i, 2000000 + 1000 * i,
			   500, "b");
	fclose(f);
	for (int window = 0; window < 2; window++) {
		cr_assert_eq(
		    kct_run_cli((const char *[]){"report", "--top", "1", window ? "--since" : dir,
						 window ? "0" : NULL, window ? dir : NULL, NULL},
				out, sizeof(out)),
		    0);
		const char *in = window ? " in the window" : "";
		char entry[1024];
		snprintf(entry, sizeof(entry),
			 " 1. k0  [cubin]  reload churn\n    its module's 7 other kernels, loaded "
			 "with it each time: k1 (0 launches%s), k2 (0 launches%s), k3 (0 "
			 "launches%s), k4 (0 launches%s), k5 (0 launches%s) and 2 more\n",
			 in, in, in, in, in);
		cr_assert(strstr(out, entry) && !strstr(out, " 2. ") &&
			      strstr(out, window
					      ? "\n1 more kernel built or reloaded in the window, "
						"not shown (--top 1)\n"
					      : "\n1 more kernel flagged, not shown (--top 1; "),
			  "%s", out);
	}
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "k0: reload churn (1 variant, 3 loads, 27 µs of builds and "
			      "loads) (and 7 more kernels of its module)\n") &&
		      strstr(out, "\nkcprof check: b: specialization churn") && !strstr(out, "k1"),
		  "%s", out);
	/* JSON as the text: with --top 2 the module's entry, naming the others, and b */
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--json", "--top", "2", dir, NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "\"name\": \"k0\",") && strstr(out, "\"name\": \"b\",") &&
		      !strstr(out, "\"name\": \"k1\",") &&
		      strstr(out, "\"module_mates\": [\n        \"k1\",\n        \"k2\","),
		  "%s", out);
	/* with --all every kernel, each with the module's first */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--json", "--all", dir, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "\"name\": \"k7\",") && strstr(out, "\"reloaded_with\": \"k0\",") &&
		      strstr(out, "\"reloaded_with\": null,"),
		  "%s", out);
}

Test(cli, build_share_counts_the_window_s_part_of_each_build)
{
	/* nvcc-define: nvcc runs of 0.4-0.8 s, the program's first record after the first began.
	 * The share counts each build's time within the window and the process's time from its
	 * first compiler child: never over 100% (a window from +1 s read 114.9%). */
	static const char *const since[] = {"0", "1", "2.5"};
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(
		    kct_run_cli((const char *[]){"check", "--max-build-share", "0.01", "--since",
						 since[i], "examples/traces/nvcc-define", NULL},
				out, sizeof(out)),
		    1, "%s", out);
		const char *p = strstr(out, "builds and loads took ");
		cr_assert_not_null(p, "%s", out);
		double share = strtod(p + strlen("builds and loads took "), NULL);
		cr_assert(share > 30 && share <= 100, "--since %s: %s", since[i], out);
	}
}

Test(cli, window_totals_count_processes_and_kernels_in_the_window)
{
	/* nvcc-define to +2 s: the first process and its first three nvcc runs; the second
	 * process (from +3.3 s) and its kernel fill_mask_fixed are not in it. */
	char cmd[4400];
	snprintf(cmd, sizeof(cmd),
		 "%s report --json --until 2 examples/traces/nvcc-define | python3 -c \"import "
		 "json,sys; w=json.load(sys.stdin)['window_totals'];"
		 " got=[w[k] for k in ('processes','compiler_children','kernels','compiles')];"
		 " assert got==[1,3,1,3], got\"",
		 kct_cli());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(cli, a_load_the_driver_refused_is_said_to_have_failed)
{
	/* an image the driver refuses: its time counts with the loads, said to have failed */
	char *dir = kct_tmpdir();
	record_drv(dir, "badimage");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " (1 load, 1 failed), launches 0\n"), "%s", out);
	char cmd[9000];
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json %s | python3 -c \"import json,sys; "
	    "t=json.load(sys.stdin)['totals']; assert (t['loads'],t['failed_loads'])==(1,1), t\"",
	    kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* a run without --gpu-time beside one with it: no GPU figure for it, as for idle time */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", dir, "examples/traces/pdl-chain/pdl", NULL}, out,
			sizeof(out)),
	    0);
	const char *gpu = strstr(out, "GPU time");
	cr_assert(gpu && strstr(gpu, "| -") && !strstr(out, "0 ns (0 runs)"), "%s", out);
	/* --until alone at the start: said so, not "not after --since 0" */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--until", "0", dir, NULL}, out, sizeof(out)),
	    2);
	cr_assert(strstr(out, "--until 0 leaves nothing") && !strstr(out, "--since"), "%s", out);
}

Test(cli, control_bytes_of_a_trace_do_not_reach_the_terminal)
{
	/* a command line with a terminal's escapes (clear the screen, set the title): the report
	 * writes them as \xNN; and --all shows every kernel whatever --top said after it */
	char *dir = kct_tmpdir();
	record_drv(dir, "reload 1 \"$(printf '\\033[2J\\033]0;title\\007')\"");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", "--top", "1", dir, NULL}, out,
				 sizeof(out)),
		     0);
	cr_assert(strstr(out, "reload 1 \\x1b[2J\\x1b]0;title\\x07\n") && !strchr(out, '\x1b') &&
		      !strchr(out, '\a'),
		  "%s", out);
	cr_assert(strstr(out, " 1. ") && strstr(out, " 2. "), "--all after --top: %s", out);
}

Test(cli, a_cost_under_a_nanosecond_a_launch_is_not_zero)
{
	/* one load's microseconds over thousands of launches: "<1 ns per launch", not "0 ns" */
	char *dir = kct_tmpdir();
	record_drv(dir, "threads 4 100000"); /* 400k launches: any load under 400 µs */
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "loading = <1 ns per launch\n") && !strstr(out, "= 0 ns per launch"),
		  "%s", out);
}

Test(cli, launches_refused_on_a_null_function_are_no_kernels)
{
	/* kern_add launched twice, then three launches on a NULL function the driver refuses:
	 * the totals count the kernels' launches (2, as kern_add's), and export has no counter
	 * of an empty name. */
	char *dir = kct_tmpdir();
	record_drv(dir, "fails 3");
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 2\n3 launches of a function no load named (NULL) refused "
			      "by the driver: no kernel's\n") &&
		      strstr(out, "1 variant in 1 load, 2 launches"),
		  "%s", out);
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "%s export %s --chrome - | grep -q '\"launches \"'", kct_cli(),
		 dir);
	cr_assert_neq(system(cmd), 0, "a counter of no kernel: %s", cmd);
	assert_export_counts_as_report(dir);
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json %s | python3 -c \"import json,sys; t=json.load(sys.stdin)['totals'];"
	    " assert (t['launches'], t['launch_errors'], t['unnamed_launches']) == (2, 3, 0), t\"",
	    kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* launches of a function taken where no hook saw it, without CUPTI to name it: said */
	dir = kct_tmpdir();
	record_drv(dir, "internal");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "launches 0\n4 more launches of functions kcprof could not name"),
		  "%s", out);
	/* and that it was recorded without CUPTI, which would have named them */
	cr_assert(strstr(out, "    note: recorded without CUPTI (KCPROF_CUPTI=0, record "
			      "--no-cupti)"),
		  "%s", out);
	snprintf(cmd, sizeof(cmd),
		 "%s report --json %s | python3 -c \"import json,sys; "
		 "assert json.load(sys.stdin)['processes'][0]['cupti_off'] is True\"",
		 kct_cli(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	/* the setting read back as the recorder read it: false is off too */
	dir = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "KCPROF_CUPTI=false KCT_DATA=%s %s record -q -o %s -- %s/tests/bin/drv_client "
		 "reload 1",
		 kct_data(), kct_cli(), dir, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "    note: recorded without CUPTI"), "%s", out);
}

Test(cli, reload_fix_names_the_handles_of_the_api_used)
{
	/* A library loaded three times through cuLibraryLoad*: keep the CUlibrary/CUkernel, not a
	 * CUmodule/CUfunction it never had. */
	char *dir = kct_tmpdir();
	record_drv(dir, "library");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "kern_add  [fatbin]  reload churn") &&
		      strstr(out,
			     "fix: the same image is loaded 3 times: load it once and keep the "
			     "CUlibrary/CUkernel"),
		  "%s", out);
	dir = kct_tmpdir();
	record_drv(dir, "reload 3");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "keep the CUmodule/CUfunction"), "%s", out);
}

Test(cli, reloads_are_counted_per_process)
{
	/* Two processes (a server's ranks, say) that each load the image twice: one reload a
	 * process, not two of one image; then each loads it three times: churn, said of one
	 * process */
	char cmd[9000];
	for (int n = 2; n <= 3; n++) {
		char *dir = kct_tmpdir();
		snprintf(cmd, sizeof(cmd),
			 "for i in 1 2; do KCT_DATA=%s %s record -q --append --no-cupti -o %s -- "
			 "%s/tests/bin/drv_client reload %d || exit 1; done",
			 kct_data(), kct_cli(), dir, kct_build(), n);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-reloads", "1", dir, NULL},
					 out, sizeof(out)),
			     n == 2 ? 0 : 1, "%s", out);
		if (n == 3) { /* in a window too */
			char win[16384];
			cr_assert_eq(
			    kct_run_cli((const char *[]){"check", "--since", "0", dir, NULL}, win,
					sizeof(win)),
			    1);
			cr_assert(strstr(win, "(and 1 more kernel of its module)\n") &&
				      !strstr(win, "_Z10kern_scalePffi"),
				  "%s", win);
		}
		if (n == 3) /* one line for the module: its other kernel counted there */
			cr_assert(strstr(out, "kern_add: 2 reloads of an identical image in one "
					      "process (limit 1) (and 1 more kernel of its "
					      "module)\n") &&
				      !strstr(out, "_Z10kern_scalePffi"),
				  "%s", out);
		cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)),
			     0);
		/* both recorded with --no-cupti: said once */
		const char *note = strstr(out, "  note: each recorded without CUPTI");
		cr_assert(note && !strstr(out, "    note: recorded without CUPTI"), "%s", out);
		if (n == 2)
			cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
		else
			cr_assert(strstr(out, "reload churn") &&
				      strstr(out, "fix: the same image is loaded 3 times in one "
						  "process") &&
				      strstr(out, " 1. kern_add  [cubin]  reload churn\n    its "
						  "module's other kernel, loaded with it each "
						  "time: kern_scale (0 launches)\n") &&
				      !strstr(out, " 2. "),
				  "the module's second kernel said in a line: %s", out);
	}
}

Test(cli, fatbins_built_out_of_sight_are_not_prebuilt)
{
	/* Three fatbins the program loads itself with cuModuleLoad after a compiler kcprof
	 * does not record (/bin/true): not a library's images, whatever built them, so a few
	 * variants, and check --max-variants 1 fails. */
	char *dir = kct_tmpdir();
	record_drv_env(dir, "KCT_COMPILER=/bin/true", "nvccstep");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. kern_step  [") && !strstr(out, "none built at run time"), "%s",
		  out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "1", dir, NULL}, out,
				 sizeof(out)),
		     1, "%s", out);
}

Test(cli, window_prebuilt_line_counts_a_load_of_built_and_prebuilt_kernels)
{
	/* In the window: kernel a built three times (its own cubins: churn), then one library
	 * holding a and b (b's only image): the library's load is b's first load, a prebuilt
	 * kernel's, though its first kernel, a, is one built in the window. */
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	write_function_k(f); /* at +100 ns: the recording's start */
	for (uint64_t i = 0; i < 3; i++)
		write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc1 + i,
			   2000000000ull + i * 1000, 500, "a");
	write_load_of(f, KC_API_LIBRARY_LOAD_DATA, KC_IMAGE_FATBIN, 0xf1, 2000009000ull, 7000,
		      (const char *const[]){"a", "b", NULL});
	fclose(f);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "1", dir, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, " 1. a  [") && strstr(out, "specialization churn"), "%s", out);
	cr_assert(strstr(out, "1 prebuilt kernel first loaded in the window (the CUDA runtime's "
			      "lazy loading, a program's cubin): 7.0 µs in their loads"),
		  "%s", out);
}

/* A GRAPH record of kind for graph handle `graph` (id 0 for a capture) holding function 1 in
 * `nodes` nodes, to f. */
static void write_graph_of(FILE *f, unsigned kind, uint64_t graph, uint32_t id, uint32_t nodes,
			   uint32_t func_id, uint64_t t)
{
	_Alignas(8) uint8_t g[sizeof(struct kc_rec_graph) + sizeof(struct kc_graph_func)];
	memset(g, 0, sizeof(g));
	struct kc_rec_graph *gr = (void *)g;
	gr->h.type = KC_REC_GRAPH;
	gr->h.time_ns = t;
	gr->kind = kind;
	gr->graph = graph;
	gr->id = id;
	gr->exec = id ? 0x900 + id : 0;
	gr->nodes = nodes;
	gr->nfuncs = 1;
	gr->funcs[0] = (struct kc_graph_func){.func_id = func_id, .count = nodes};
	kc_rec_seal(&gr->h, sizeof(g));
	fwrite(g, sizeof(g), 1, f);
}

static void write_graph(FILE *f, unsigned kind, uint64_t graph, uint32_t id, uint32_t nodes,
			uint64_t t)
{
	write_graph_of(f, kind, graph, id, nodes, 1, t);
}

static void write_launch_stats_of(FILE *f, uint32_t func_id, uint64_t count, uint64_t t)
{
	struct kc_rec_launch_stats ls = {.func_id = func_id, .count = count};
	ls.h.type = KC_REC_LAUNCH_STATS;
	ls.h.time_ns = t;
	kc_rec_seal(&ls.h, sizeof(ls));
	fwrite(&ls, sizeof(ls), 1, f);
}

static void write_launch_stats(FILE *f, uint64_t count, uint64_t t)
{
	write_launch_stats_of(f, 1, count, t);
}

static void write_graph_launches(FILE *f, uint32_t graph_id, uint64_t count, uint64_t t)
{
	struct kc_rec_graph_launch_stats st = {.graph_id = graph_id, .count = count};
	st.h.type = KC_REC_GRAPH_LAUNCH_STATS;
	st.h.time_ns = t;
	kc_rec_seal(&st.h, sizeof(st));
	fwrite(&st, sizeof(st), 1, f);
}

Test(report, a_graph_node_of_a_module_not_seen_runs_the_one_image_of_its_name)
{
	/* The driver's function in a graph's kernel node, of a module kcprof never saw loaded
	 * (a lazy load's): its runs are those of the one image of its name the process has. */
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1, 100, 10, "k");
	write_function_of(f, 1, 0xa1, 110);
	write_launch_stats_of(f, 1, 2, 120);
	write_function_of(f, 2, 0, 150); /* the node's */
	write_graph_of(f, KC_GRAPH_INSTANTIATE, 0x51, 1, 1, 2, 160);
	write_graph_launches(f, 1, 10, 170);
	fclose(f);
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *fam = family(&m, "k");
	cr_assert_not_null(fam);
	cr_assert_eq(fam->launches, 12);
	cr_assert_eq(fam->nvariants, 1);
	cr_assert_eq(fam->variants[0].launches, 12);
	kca_model_free(&m);
	/* the node's module seen loaded, its image not read: not the known image's */
	dir = kct_tmpdir();
	f = kct_trace_create(dir, 0);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1, 100, 10, "k");
	write_function_of(f, 1, 0xa1, 110);
	write_launch_stats_of(f, 1, 2, 120);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0, 130, 10, "k");
	write_function_of(f, 2, 0, 150);
	write_graph_of(f, KC_GRAPH_INSTANTIATE, 0x51, 1, 1, 2, 160);
	write_graph_launches(f, 1, 10, 170);
	fclose(f);
	load(&m, dir);
	fam = family(&m, "k");
	cr_assert_eq(fam->launches, 12);
	cr_assert_eq(fam->variants[0].launches, 2);
	kca_model_free(&m);
	/* With two images of k, which one the graph captured is not known: neither gets the
	 * replays (the kernel does) */
	dir = kct_tmpdir();
	f = kct_trace_create(dir, 0);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1, 100, 10, "k");
	write_function_of(f, 1, 0xa1, 110);
	write_launch_stats_of(f, 1, 2, 120);
	write_load(f, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xb1, 200, 10, "k");
	write_function_of(f, 3, 0xb1, 210);
	write_launch_stats_of(f, 3, 3, 220);
	write_function_of(f, 4, 0, 250);
	write_graph_of(f, KC_GRAPH_INSTANTIATE, 0x52, 2, 1, 4, 260);
	write_graph_launches(f, 2, 20, 270);
	fclose(f);
	load(&m, dir);
	fam = family(&m, "k");
	cr_assert_eq(fam->launches, 25);
	cr_assert_eq(fam->nvariants, 2);
	cr_assert_eq(fam->variants[0].launches, 2);
	cr_assert_eq(fam->variants[1].launches, 3);
	kca_model_free(&m);
	/* the H100's cuda-graph example: PyTorch's kernel in 800 graph replays */
	load(&m, "examples/traces/cuda-graph");
	for (unsigned i = 0; i < m.nfamilies; i++) {
		uint64_t sum = 0;
		for (unsigned v = 0; v < m.families[i].nvariants; v++)
			sum += m.families[i].variants[v].launches;
		cr_assert_eq(sum, m.families[i].launches, "%s", m.families[i].name);
	}
	kca_model_free(&m);
}

/* A trace of one kernel launched 3 times, then a graph of it launched: graph_launch_stats
 * records of counts `counts` (n of them), in file order. */
static char *write_graph_stats_trace(const uint64_t *counts, int n)
{
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	write_function_k(f);
	write_launch_stats(f, 3, 200);
	write_graph(f, KC_GRAPH_INSTANTIATE, 0, 1, 1, 300);
	for (int i = 0; i < n; i++) {
		struct kc_rec_graph_launch_stats st = {.graph_id = 1, .count = counts[i]};
		st.h.type = KC_REC_GRAPH_LAUNCH_STATS;
		st.h.time_ns = 400 + (uint64_t)i;
		kc_rec_seal(&st.h, sizeof(st));
		fwrite(&st, sizeof(st), 1, f);
	}
	fclose(f);
	return dir;
}

Test(report, a_lazy_load_belongs_to_the_library_loaded_last)
{
	/* Two libraries holding kernel k, each followed by the driver's lazy load of k at its
	 * first use: each lazy load's time goes to the library loaded just before it, and
	 * neither is an image of its own. */
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	write_load(f, KC_API_LIBRARY_LOAD_DATA, KC_IMAGE_FATBIN, 0xa1, 100, 10, "k");
	write_load(f, KC_API_LAZY, KC_IMAGE_CUBIN, 0xa2, 200, 1000, "k");
	write_load(f, KC_API_LIBRARY_LOAD_DATA, KC_IMAGE_FATBIN, 0xb1, 300, 20, "k");
	write_load(f, KC_API_LAZY, KC_IMAGE_CUBIN, 0xb2, 400, 5000, "k");
	fclose(f);
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *fam = family(&m, "k");
	cr_assert_not_null(fam);
	cr_assert_eq(fam->nvariants, 2);
	cr_assert_eq(fam->loads, 2);
	cr_assert_eq(fam->variants[0].hash, 0xa1);
	cr_assert_eq(fam->variants[0].load_ns, 1010);
	cr_assert_eq(fam->variants[1].load_ns, 5020);
	cr_assert_eq(fam->load_ns, 6030);
	cr_assert(fam->prebuilt_copies);
	kca_model_free(&m);
}

Test(cli, export_counter_leaves_out_launches_a_flush_counted_during_a_capture)
{
	/* k launched 3 times, then twice into a capture; a flush in the middle of the capture
	 * counted 4 (3 runs and 1 launch into the capture), the one after it 5; the graph is
	 * made and replayed 10 times (2 nodes). The counter ends at 3 + 20 as the report says,
	 * and reads 3, not 4, where the flush counted a captured launch: it never goes down. */
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	write_function_k(f);
	write_launch_stats(f, 3, 1000);
	write_launch_stats(f, 4, 2000); /* during the capture */
	write_graph(f, KC_GRAPH_CAPTURE, 0x77, 0, 2, 2500);
	write_graph(f, KC_GRAPH_INSTANTIATE, 0x77, 1, 2, 2600);
	write_launch_stats(f, 5, 3000);
	struct kc_rec_graph_launch_stats st = {.graph_id = 1, .count = 10};
	st.h.type = KC_REC_GRAPH_LAUNCH_STATS;
	st.h.time_ns = 4000;
	kc_rec_seal(&st.h, sizeof(st));
	fwrite(&st, sizeof(st), 1, f);
	fclose(f);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 23\n"), "%s", out);
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "%s export %s --chrome %s/c.json && python3 -c \"import json;"
		 " c=[(x['ts'], x['args']['count']) for x in json.load(open('%s/c.json'))"
		 "['traceEvents'] if x.get('name')=='launches k']; c.sort();"
		 " assert [v for t, v in c]==[3, 3, 3, 23], c\"",
		 kct_cli(), dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	assert_export_counts_as_report(dir);
}

Test(cli, graph_launch_counts_take_the_largest_record)
{
	/* A flush builds its records under the graphs' lock and writes them after: a destroy in
	 * between writes the final count (21) first, the flush its older one (20) after. Counts
	 * only grow, so the largest is the total (20 made 415027 of 420000 launches read in a
	 * stress of the recorder). */
	uint64_t counts[] = {7, 21, 20};
	char *dir = write_graph_stats_trace(counts, 3);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "launches 24\n"), "%s", out);
	cr_assert(strstr(out, "CUDA graphs: 21 launches of 1 graph ran 21 kernels"), "%s", out);
}

Test(cli, damaged_trace_header_is_named_and_records_kept)
{
	/* The recorder seals its header; a byte of the pid flipped afterwards: the report warns
	 * with the file and offset 0, marks the trace damaged, and keeps every record. */
	char *dir = kct_tmpdir();
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client graph && "
		 "f=$(ls %s/*.kct) && printf '\\377' | dd of=$f bs=1 seek=17 conv=notrunc "
		 "2>/dev/null",
		 kct_data(), kct_cli(), dir, kct_build(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, ".kct: offset 0: header check mismatch (corrupted bytes)"), "%s",
		  out);
	cr_assert(strstr(out, "[trace damaged: partial]"), "%s", out);
	cr_assert(strstr(out, "launches 364\n"), "every record read: %s", out);
}

Test(report, a_compiler_asked_its_version_builds_nothing)
{
	/* Triton and torch run ptxas --version and nvcc --version once (1-43 ms each, in the
	 * H100 traces): that is no build of the kernel loaded next */
	struct kca_model m;
	load(&m, "examples/traces/torch-compile-shapes/dynamic");
	unsigned exec = 0;
	for (unsigned c = 0; c < m.ncompiles; c++) {
		const struct kca_compile *cp = &m.compiles[c];
		cr_assert_not(cp->tool == KC_TOOL_EXEC &&
				  kc_compiler_probe(cp->options, cp->noptions),
			      "%s %s", cp->options[0], cp->noptions > 1 ? cp->options[1] : "");
		exec += cp->tool == KC_TOOL_EXEC;
	}
	cr_assert_eq(exec, 2, "gcc and one ptxas build; the four --version runs are not compiles");
	kca_model_free(&m);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--all",
					 "examples/traces/torch-compile-shapes/dynamic", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "cost: 397.6 ms building (1× gcc-real 376.4 ms, 1× ptxas 21.2 ms)") &&
		      !strstr(out, "× nvcc"),
		  "%s", out);
}

/* A trace file of process pid (its parent ppid, 0: none), role KC_ROLE_*, with its PROCESS
 * record: for records of several processes in one recording. */
static FILE *write_process_file(const char *dir, uint32_t pid, uint32_t ppid, unsigned role,
				const char *exe)
{
	FILE *f = kct_trace_create_for(dir, pid, 0);
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_process p = {.pid = pid, .ppid = ppid, .role = role};
	if (ppid) {
		p.nancestors = 1;
		p.ancestors[0] = ppid;
	}
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(p));
	p.exe = kc_rb_str(&rb, exe);
	p.cwd = kc_rb_str(&rb, "/w");
	size_t sz = kc_rb_finish(&rb, &p, KC_REC_PROCESS, pid, 1);
	fwrite(kc_rb_data(&rb), 1, sz, f);
	kc_rb_release(&rb);
	return f;
}

/* A compiler child's COMPILE record: ptxas -o out.cubin, ending at t, output_hash hash. */
static void write_child_compile(FILE *f, uint32_t pid, uint64_t hash, uint64_t t)
{
	_Alignas(8) uint8_t mem[1024];
	struct kc_recbuf rb;
	struct kc_rec_compile c = {
	    .tool = KC_TOOL_EXEC, .duration_ns = 5000000, .output_hash = hash};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(c));
	c.name = kc_rb_str(&rb, "/cuda/bin/ptxas");
	kc_rb_list_begin(&rb);
	kc_rb_list_add(&rb, "ptxas");
	kc_rb_list_add(&rb, "-o");
	kc_rb_list_add(&rb, "out.cubin");
	c.options = kc_rb_list_end(&rb);
	size_t sz = kc_rb_finish(&rb, &c, KC_REC_COMPILE, pid, t);
	fwrite(kc_rb_data(&rb), 1, sz, f);
	kc_rb_release(&rb);
}

Test(report, a_compiler_childs_output_is_found_by_its_hash)
{
	/* A server (pid 1) and a compile worker it started (pid 3), neither of which loads
	 * what it built in the order built:
	 * - ptxas (pid 2, the server's) builds image a1; b1 is loaded before a1 is;
	 * - ptxas (pid 4, the worker's, which loads nothing) builds c1, which the server loads;
	 * - ptxas (pid 5, the server's) builds a1 again, which is not loaded again; d1 is.
	 * Each build goes to the load of its image, never to the next load. */
	const uint64_t ms = 1000000;
	char *dir = kct_tmpdir();
	FILE *srv = write_process_file(dir, 1, 0, KC_ROLE_CUDA, "/usr/bin/python3");
	FILE *c2 = write_process_file(dir, 2, 1, KC_ROLE_COMPILER, "/cuda/bin/ptxas");
	FILE *wk = write_process_file(dir, 3, 1, KC_ROLE_CUDA, "/usr/bin/python3");
	FILE *c4 = write_process_file(dir, 4, 3, KC_ROLE_COMPILER, "/cuda/bin/ptxas");
	FILE *c5 = write_process_file(dir, 5, 1, KC_ROLE_COMPILER, "/cuda/bin/ptxas");
	/* another process loaded c1 earlier: the all-processes search goes by time, not by
	 * process first */
	FILE *other = write_process_file(dir, 6, 0, KC_ROLE_CUDA, "/usr/bin/python3");
	write_load(other, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc1, 2 * ms, 1000, "kc");
	write_load(other, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc1, 3 * ms, 1000, "kc");
	write_load(other, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc1, 90 * ms, 1000, "kc");
	fclose(other);
	write_child_compile(c2, 2, 0xa1, 10 * ms);
	write_load(srv, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xb1, 20 * ms, 1000, "kb");
	write_load(srv, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xa1, 30 * ms, 1000, "ka");
	write_child_compile(c4, 4, 0xc1, 40 * ms);
	write_load(srv, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xc1, 50 * ms, 1000, "kc");
	write_child_compile(c5, 5, 0xa1, 60 * ms);
	write_load(srv, KC_API_MODULE_LOAD_DATA, KC_IMAGE_CUBIN, 0xd1, 70 * ms, 1000, "kd");
	fclose(srv);
	fclose(c2);
	fclose(wk);
	fclose(c4);
	fclose(c5);
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.ncompiles, 3);
	for (unsigned c = 0; c < m.ncompiles; c++) {
		const struct kca_compile *cp = &m.compiles[c];
		cr_assert(cp->load >= 0, "compile %u unattributed", c);
		cr_assert_eq(m.loads[cp->load].hash, cp->output_hash, "compile %u went to %llx", c,
			     (unsigned long long)m.loads[cp->load].hash);
	}
	cr_assert_eq(family(&m, "ka")->build_ns, 10 * ms, "built twice");
	cr_assert_eq(family(&m, "kc")->build_ns, 5 * ms, "the worker's build");
	for (unsigned c = 0; c < m.ncompiles; c++)
		if (m.compiles[c].output_hash == 0xc1)
			cr_assert_eq(m.procs[m.loads[m.compiles[c].load].proc].pid, 1,
				     "the server's load of c1, the first after the build");
	cr_assert_eq(family(&m, "kb")->build_ns, 0);
	cr_assert_eq(family(&m, "kd")->build_ns, 0);
	kca_model_free(&m);
}

Test(cli, source_lines_and_call_sites_read_alike_from_anywhere)
{
	/* Run from another directory: the def's file, found at its recorded path, is named
	 * relative to the recorded process's directory, as its call sites are */
	char *cwd = getcwd(NULL, 0), *cli = realpath(kct_build(), NULL);
	cr_assert(cwd && cli);
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "cd / && %s/kcprof report %s/examples/traces/serve-warmup", cli,
		 cwd);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	cr_assert(strstr(out, "called from tests/gpu/serve_warmup.py:62 in step") &&
		      strstr(out, ") at tests/gpu/serve_warmup.py:38\n"),
		  "%s", out);
	free(cwd);
	free(cli);
}

Test(cli, one_code_in_several_images_is_said_as_such)
{
	/* images of one source, nothing rebuilt by the program (a stand-in compiler that is
	 * not one: no -D to name): -lineinfo (.loc lines shift the PTX: passed over), other
	 * ptxas options, and the same code compressed and beside another architecture */
	static const struct {
		const char *files, *changed, *fix, *verdict;
	} cases[] = {
	    {"step_1.fatbin step_1_li.fatbin",
	     "changed: the same PTX (debug lines aside); the machine code differs\n",
	     "fix: the same PTX built 2 ways", "a few variants"},
	    {"step_1.fatbin step_1_O0.fatbin",
	     "changed: the same PTX (debug lines aside); the machine code differs\n",
	     "fix: the same PTX built 2 ways", "a few variants"},
	    {"step_1.fatbin step_1_z.fatbin step_1_80.fatbin",
	     "changed: nothing in the code: the images carry the same PTX and machine code\n",
	     "fix: the same code in 3 images", "reload churn"},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = kct_tmpdir(), args[256], want[128];
		snprintf(args, sizeof(args), "nvccstep %s", cases[i].files);
		record_drv_env(dir, "KCT_COMPILER=/bin/true", args);
		cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)),
			     0);
		snprintf(want, sizeof(want), "kern_step  [fatbin]  %s\n", cases[i].verdict);
		cr_assert(strstr(out, want) && strstr(out, cases[i].changed) &&
			      strstr(out, cases[i].fix) && !strstr(out, "PTX line"),
			  "%s: %s", cases[i].files, out);
	}
}

Test(cli, each_kernel_of_a_module_has_its_own_changed_ptx_line)
{
	/* two kernels of one module, each using STEP at a line of its own: each is shown its
	 * own line, not the module's first difference */
	char *dir = kct_tmpdir();
	record_drv_env(dir, "KCT_COMPILER=/bin/true", "nvccstep two_1.fatbin two_2.fatbin");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	const char *step = strstr(out, "kern_step  ["), *other = strstr(out, "kern_other  [");
	cr_assert(step && other, "%s", out);
	/* each kernel's entry (to the blank line after it): its own line, not the other's */
	char blocks[2][4096];
	const char *starts[2] = {step, other};
	for (int k = 0; k < 2; k++) {
		const char *end = strstr(starts[k], "\n\n");
		size_t n = end ? (size_t)(end - starts[k]) : strlen(starts[k]);
		snprintf(blocks[k], sizeof(blocks[k]), "%.*s", (int)n, starts[k]);
	}
	cr_assert(strstr(blocks[0], "(ptx): 1, 2\n             in add.s32") &&
		      !strstr(blocks[0], "mul.f32"),
		  "%s", out);
	cr_assert(strstr(blocks[1], "(ptx): 0f40400000, 0f40C00000\n             in mul.f32") &&
		      !strstr(blocks[1], "add.s32"),
		  "%s", out);
	/* a kernel whose own code is the same in both builds: another kernel changed */
	dir = kct_tmpdir();
	record_drv_env(dir, "KCT_COMPILER=/bin/true", "nvccstep three_1.fatbin three_2.fatbin");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	const char *fixed = strstr(out, "kern_fixed  [");
	cr_assert(fixed &&
		      strstr(fixed,
			     "changed: nothing in this kernel's PTX: another kernel of its "
			     "module changed\n    fix: its module was built again for another "
			     "of its kernels") &&
		      !strstr(fixed, "PTX line"),
		  "%s", out);
}

/* A Triton cache of variants of kernel (tests/data/PREFIX_N.cubin: kern_step's step_N, the long
 * name's long_N), each entry's IR naming a def in its own generated module, recorded as
 * drv_client loads them (nvccstep): a trace as torch.compile's kernels make one. The entry's
 * files are named as Triton names them, by the kernel's first 150 characters. ir[v] and py[v]
 * are printf formats given the module's path (IR) or nothing (Python); json[v] the entry's
 * metadata. Returns the trace directory. */
static char *record_cache_variants_in(const char *kernel, const char *prefix, unsigned n,
				      const char *const *ir, const char *const *py,
				      const char *const *json, int inductor)
{
	char tmp[4096], cmd[16384], path[4500], entry[4300], src[4300], files[8192] = "";
	cr_assert_not_null(realpath(kct_tmpdir(), tmp));
	for (unsigned v = 0; v < n; v++) {
		if (inductor) /* Inductor's own cache, entries named by Triton's keys */
			snprintf(entry, sizeof(entry),
				 "%s/torchinductor_u/triton/0/"
				 "MNXWY3DFMRUW4ZZAORSXG5BAMNQWG2DFEBSW45DSPEQGC3TEEBVWK%u",
				 tmp, v + 2); /* base32's digits are 2 to 7 */
		else
			snprintf(entry, sizeof(entry), "%s/tc/ENTRY_%u", tmp, v);
		snprintf(src, sizeof(src), "%s/ic/c%u/cmodule%u.py", tmp, v, v);
		snprintf(cmd, sizeof(cmd),
			 "mkdir -p %s %s/ic/c%u && cp %s/%s_%u.cubin %s/%.150s.cubin", entry, tmp,
			 v, kct_data(), prefix, v % 2 + 1, entry, kernel);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		char text[8192];
		snprintf(text, sizeof(text), ir[v], src, src, src);
		snprintf(path, sizeof(path), "%s/%.150s.source", entry, kernel);
		kct_write_text(path, text);
		snprintf(path, sizeof(path), "%s/%.150s.json", entry, kernel);
		kct_write_text(path, json[v]);
		kct_write_text(src, py[v]);
		snprintf(files + strlen(files), sizeof(files) - strlen(files), " %s/%.150s.cubin",
			 entry, kernel);
	}
	char *trace = kct_tmpdir(), cache[4200];
	/* Inductor's: no TRITON_CACHE_DIR, and no ~/.triton/cache, in the recorded environment */
	snprintf(cache, sizeof(cache),
		 inductor ? "-u TRITON_CACHE_DIR HOME=%s" : "TRITON_CACHE_DIR=%s/tc", tmp);
	snprintf(cmd, sizeof(cmd),
		 "env %s KCT_DATA=%s KCT_KERNEL=%s %s record -q --no-cupti -o %s "
		 "-- %s/tests/bin/drv_client nvccstep%s",
		 cache, kct_data(), kernel, kct_cli(), trace, kct_build(), files);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return trace;
}

static char *record_named_cache_variants(const char *kernel, const char *prefix, unsigned n,
					 const char *const *ir, const char *const *py,
					 const char *const *json)
{
	return record_cache_variants_in(kernel, prefix, n, ir, py, json, 0);
}

static char *record_cache_variants(unsigned n, const char *const *ir, const char *const *py,
				   const char *const *json)
{
	return record_named_cache_variants("kern_step", "step", n, ir, py, json);
}

Test(report, a_kernel_named_over_150_characters_finds_its_triton_cache_files)
{
	/* Inductor names a kernel by the operations it fuses, 205 characters here (seen on the
	 * H100 in a transformers model); Triton names its cache files by the first 150. Two
	 * builds of the kernel, a number 3 then 5: read as torch.compile's (its def imports
	 * torch._inductor) and the number named, where "no source or IR" was read before. */
	static const char name[] =
	    "triton_poi_fused__scaled_dot_product_cudnn_attention__to_copy__unsafe_view_add_arange_"
	    "bitwise_and_bmm_cat_clone_cos_expand_index_le_mul_neg_new_ones_scalar_tensor_sin_"
	    "slice_"
	    "transpose_unsqueeze_view_where_7";
	cr_assert_gt(strlen(name), 150);
	char ir[2][2048], py[1024];
	for (int v = 0; v < 2; v++) /* tmp1 = 3, then 5: a number baked in */
		snprintf(
		    ir[v], sizeof(ir[v]),
		    "#loc = loc(\"%%s\":5:0)\nmodule {\n  tt.func public @%s(%%%%in_ptr0: "
		    "!tt.ptr<f32> loc(\"in_ptr0\"(#loc)), %%%%xnumel: i32 loc(\"xnumel\"(#loc))) "
		    "attributes {noinline = false} {\n    %%%%tmp1 = arith.constant %d : i32 "
		    "loc(#loc2)\n    tt.return loc(#loc)\n  } loc(#loc)\n} loc(#loc)\n"
		    "#loc1 = loc(\"%%s\":6:11)\n#loc2 = loc(\"tmp1\"(#loc1))\n",
		    name, 3 + 2 * v);
	snprintf(py, sizeof(py),
		 "import triton\nimport triton.language as tl\nfrom torch._inductor.runtime import "
		 "triton_heuristics\n@triton.jit\ndef %s(in_ptr0, xnumel, XBLOCK : tl.constexpr):\n"
		 "    tmp1 = 3\n",
		 name);
	const char *irs[] = {ir[0], ir[1]}, *pys[] = {py, py};
	char json[512];
	snprintf(json, sizeof(json), "{\"num_warps\": 4, \"name\": \"%s\"}\n", name);
	const char *jsons[] = {json, json};
	/* with TRITON_CACHE_DIR naming the cache; then from Inductor's own cache, which the
	 * environment at start does not name (found from the cubins' paths: seen on the H100, a
	 * transformers model run as its users run it) */
	for (int inductor = 0; inductor < 2; inductor++) {
		char *trace = record_cache_variants_in(name, "long", 2, irs, pys, jsons, inductor);
		struct kca_model m;
		load(&m, trace);
		const struct kca_family *f = family(&m, name);
		cr_assert_not_null(f);
		cr_assert_eq(f->nvariants, 2);
		cr_assert_eq(f->front_end, KCA_FE_INDUCTOR, "torch.compile's, not Triton's: %d",
			     f->front_end);
		char def[4300];
		cr_assert_eq(kca_triton_def_file(f, 1, def, sizeof(def)), 0, "inductor %d",
			     inductor);
		cr_assert(strstr(def, "/ic/c1/cmodule1.py"), "%s", def);
		kca_model_free(&m);
		cr_assert_eq(kct_run_cli((const char *[]){"report", trace, NULL}, out, sizeof(out)),
			     0);
		cr_assert(strstr(out, "[torch.compile]"), "%s", out);
		cr_assert(strstr(out, "changed: tmp1 (constant): 3, 5"), "%s", out);
		cr_assert_null(strstr(out, "no source or IR"), "%s", out);
	}
}

Test(report, a_constant_is_named_by_the_variable_triton_says_it_is_assigned_to)
{
	/* Two modules of a kernel as torch.compile writes them for a Python int (k = 3, then 5,
	 * its automatic dynamic shapes): the first computes with tmp1 = tl.full([1], 3.0,
	 * tl.float32), the second takes the number as the argument ks0 (tmp1 = ks0). The constant
	 * is named by the variable Triton's IR says it is assigned to (the column of its location
	 * is tl's, of tl.float32: a module, which names no value), its value as the program wrote
	 * it (3, not 3.000000e+00); ks0, a parameter of the second def only, was not specialised
	 * to 1 in the first. (The fix that pairs the number and the argument: the FlexAttention
	 * trace below; kernels named triton_* only are Inductor's.) */
	static const char head[] =
	    "import triton\nimport triton.language as tl\nfrom torch._inductor.runtime import "
	    "triton_heuristics\n@triton.jit\n";
	static const char body[] = "    xoffset = tl.program_id(0) * XBLOCK\n"
				   "    x0 = xoffset + tl.arange(0, XBLOCK)[:]\n"
				   "    tmp0 = tl.load(in_ptr0 + (x0), None)\n";
	char py0[1024], py1[1024];
	snprintf(py0, sizeof(py0),
		 "%sdef kern_step(in_ptr0, out_ptr0, xnumel, XBLOCK : tl.constexpr):\n%s"
		 "    tmp1 = tl.full([1], 3.0, tl.float32)\n"
		 "    tmp2 = tmp0 * tmp1\n",
		 head, body);
	snprintf(py1, sizeof(py1),
		 "%sdef kern_step(in_ptr0, out_ptr0, ks0, xnumel, XBLOCK : tl.constexpr):\n%s"
		 "    tmp1 = ks0\n"
		 "    tmp2 = tmp0 * tmp1\n",
		 head, body);
	/* line 5 is the def; tmp1's line is 9, its col 29 the tl of tl.float32 */
	static const char ir0[] =
	    "#loc = loc(\"%s\":5:0)\n"
	    "module {\n"
	    "  tt.func public @kern_step(%%in_ptr0: !tt.ptr<f32> loc(\"in_ptr0\"(#loc)), "
	    "%%out_ptr0: !tt.ptr<f32> loc(\"out_ptr0\"(#loc)), %%xnumel: i32 {tt.divisibility = 16 "
	    ": i32} loc(\"xnumel\"(#loc))) attributes {noinline = false} {\n"
	    "    %%tmp1 = arith.constant 3.000000e+00 : f32 loc(#loc3)\n"
	    "    %%tmp2 = arith.constant dense<3.000000e+00> : tensor<128xf32> loc(#loc4)\n"
	    "    tt.return loc(#loc)\n"
	    "  } loc(#loc)\n"
	    "} loc(#loc)\n"
	    "#loc1 = loc(\"%s\":9:29)\n"
	    "#loc2 = loc(\"%s\":10:18)\n"
	    "#loc3 = loc(\"tmp1\"(#loc1))\n"
	    "#loc4 = loc(\"tmp2\"(#loc2))\n";
	static const char ir1[] =
	    "#loc = loc(\"%s\":5:0)\n"
	    "module {\n"
	    "  tt.func public @kern_step(%%in_ptr0: !tt.ptr<f32> loc(\"in_ptr0\"(#loc)), "
	    "%%out_ptr0: !tt.ptr<f32> loc(\"out_ptr0\"(#loc)), %%ks0: i32 loc(\"ks0\"(#loc)), "
	    "%%xnumel: i32 {tt.divisibility = 16 : i32} loc(\"xnumel\"(#loc))) attributes "
	    "{noinline = false} {\n"
	    "    %%tmp1 = arith.sitofp %%ks0 : i32 to f32 loc(#loc1)\n"
	    "    tt.return loc(#loc)\n"
	    "  } loc(#loc)\n"
	    "} loc(#loc)\n"
	    "#loc1 = loc(\"%s\":9:11)\n";
	const char *ir[] = {ir0, ir1}, *py[] = {py0, py1};
	const char *json[] = {"{\"num_warps\": 4, \"name\": \"kern_step\"}\n",
			      "{\"num_warps\": 4, \"name\": \"kern_step\"}\n"};
	char *trace = record_cache_variants(2, ir, py, json);
	struct kca_model m;
	load(&m, trace);
	const struct kca_family *f = family(&m, "kern_step");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 2);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	const struct kca_change *number = NULL, *div = NULL;
	for (unsigned i = 0; i < ch.nchanges; i++) {
		const struct kca_change *c = &ch.changes[i];
		cr_assert_neq(c->kind, KCA_CHANGE_EQUALS_ONE,
			      "%s: ks0 is no parameter of the first", c->name);
		cr_assert_str_neq(c->name, "tl", "a module names no value");
		if (strcmp(c->name, "tmp1") == 0)
			number = c;
		if (strcmp(c->name, "ks0 % 16 == 0") == 0)
			div = c;
	}
	cr_assert_not_null(number, "the constant named tmp1 (%u changes)", ch.nchanges);
	cr_assert_not_null(div);
	char summary[128];
	kca_values_summary(number, summary, sizeof(summary));
	cr_assert_str_eq(summary, "3");
	cr_assert(strstr(number->where, "cmodule0.py:9"), "its own line: %s", number->where);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, a_triton_kernel_launched_with_another_num_warps_is_no_autotuner)
{
	/* kern_step built twice alike but for num_warps (1, 4), no @triton.autotune
	 * over its def: the program's own launch option, not an autotuner's sweep */
	static const char ir[] = "#loc = loc(\"%s\":2:0)\nmodule {\n  tt.func public @kern_step("
				 "%%n: i32 loc(\"n\"(#loc))) attributes {noinline = false} {\n  } "
				 "loc(#loc)\n} loc(#loc)\n";
	static const char py[] = "@triton.jit\ndef kern_step(n):\n    pass\n";
	const char *irs[] = {ir, ir}, *pys[] = {py, py};
	const char *json[] = {"{\"num_warps\": 1, \"name\": \"kern_step\"}\n",
			      "{\"num_warps\": 4, \"name\": \"kern_step\"}\n"};
	char *trace = record_cache_variants(2, irs, pys, json);
	cr_assert_eq(kct_run_cli((const char *[]){"report", trace, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out,
			 "kern_step is launched with num_warps 1, 4: a launch option, and Triton "
			 "builds a variant for\n         each value"),
		  "%s", out);
	cr_assert_null(strstr(out, "the autotuner"), "%s", out);
}

Test(report, torch_compile_number_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_number.py on the H100: a temperature fed as a Python float to
	 * torch.compile(dynamic=False), six values: Inductor bakes 1/t into its softmax kernel,
	 * a build each; as a 0-d tensor (the fix), no kernel changes with it */
	const char *dir = "examples/traces/torch-compile-number/static";
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, "triton_red_fused__softmax_div_mul_sub_2");
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR);
	cr_assert_eq(f->nvariants, 6);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	/* the pointwise kernel beside it: two block sizes for each value, each benchmarked a
	 * hundred times (1296 launches for the program's 24), and each value used within a
	 * second: churn all the same */
	f = family(&m, "triton_poi_fused__softmax_div_mul_sub_4");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 12);
	cr_assert_gt(f->launches, 1000);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	f = family(&m, "triton_per_fused__softmax_div_mul_sub_3"); /* no temperature in it */
	cr_assert_not_null(f);
	cr_assert_eq(f->verdict, KCA_FEW_VARIANTS);
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "changed: tmp5 (constant): 1.66667, 1.42857, 1.25, 1.11111, "
			      "0.909091, 0.769231\n"),
		  "named by the variable it is assigned to, not tl of tl.full: %s", out);
	cr_assert(strstr(out, "fix: torch.compile baked a number into the kernel (tmp5: 1.66667,"),
		  "%s", out);
	cr_assert(strstr(out, "pass it as a tensor"), "%s", out);
	cr_assert_null(strstr(out, "mark_dynamic"), "no size of the input changed: %s", out);
	cr_assert_null(strstr(out, "tl (constant)"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report",
						  "examples/traces/torch-compile-number/"
						  "tensor",
						  NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
	cr_assert_null(strstr(out, "baked"), "%s", out);
}

Test(report, torch_compile_stride_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_stride.py on the H100: torch.compile(dynamic=False) fed views
	 * of a padded buffer whose width changes, the shape alike: Inductor bakes the row stride
	 * (tl.load(in_ptr0 + (x0 + 4160*x1))), a build a width, named as a stride, not as the
	 * row length beside it; Dynamo's default takes the stride as an argument at its second
	 * value; contiguous views: nothing strided */
	const char *dir = "examples/traces/torch-compile-stride/static";
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, "triton_poi_fused_mul_silu_0");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 12, "6 widths, 2 block sizes each");
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "in_ptr0 stride (x1) (constant): 4160, 4224, 4288, 4352, 4416\n"),
		  "%s", out);
	cr_assert(strstr(out, "fix: torch.compile baked a stride of its input into the kernel "
			      "(in_ptr0 stride (x1): 4160, 4224,"),
		  "%s", out);
	cr_assert_null(strstr(out, "a size of its input"), "%s", out);
	cr_assert_null(strstr(out, "mark_dynamic"), "%s", out);
	cr_assert_eq(
	    kct_run_cli(
		(const char *[]){"report", "examples/traces/torch-compile-stride/auto", NULL}, out,
		sizeof(out)),
	    0);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
	cr_assert(strstr(out, "in_ptr0 stride (x1) (constant): ks0\n"), "%s", out);
	cr_assert(strstr(out, "fix: torch.compile built the kernel again for an input whose stride "
			      "changed"),
		  "%s", out);
	cr_assert_null(strstr(out, "a size of its input"), "%s", out);
	cr_assert_eq(
	    kct_run_cli(
		(const char *[]){"report", "examples/traces/torch-compile-stride/contiguous", NULL},
		out, sizeof(out)),
	    0);
	cr_assert_null(strstr(out, " stride ("), "%s", out);
}

Test(report, cupy_traces_recorded_on_the_gpu)
{
	/* tests/gpu/cupy_define.py on the H100 (CuPy 14.2): a RawKernel with -DMAX_LEN= per
	 * request: CuPy compiles an empty program with each new option set (its cache key), then
	 * the program: 12 compiles, all the kernel's, none "never loaded"; again with its disk
	 * cache warm: the probes alone, the kernel's builds, the cache said; the -D as an
	 * argument: one build; an ElementwiseKernel on three dtypes: a few variants, the types
	 * named from the source CuPy writes */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/cupy-define/cold", NULL}, out,
			sizeof(out)),
	    0);
	cr_assert(strstr(out, " 1. fill_mask  [NVRTC]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "building (12 NVRTC compiles "), "%s", out);
	cr_assert(strstr(out, "changed: MAX_LEN (-D option): 100, 137, 174, 211, 248, 285\n"), "%s",
		  out);
	cr_assert_null(strstr(out, "never loaded"), "%s", out);
	cr_assert_null(strstr(out, "own cache"), "%s", out);
	cr_assert(strstr(out, "each new value cost two compiles"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/cupy-define/warm", NULL}, out,
			sizeof(out)),
	    0);
	cr_assert(strstr(out, " 1. fill_mask  [NVRTC]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "building (6 NVRTC compiles "), "%s", out);
	cr_assert(strstr(out, "changed: MAX_LEN (-D option): 100, 137, 174, 211, 248, 285\n"), "%s",
		  out);
	cr_assert(strstr(out, "the images came from the program's"), "%s", out);
	cr_assert_null(strstr(out, "never loaded"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "examples/traces/cupy-define/arg", NULL},
				 out, sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "examples/traces/cupy-dtypes", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, " axpy_ew  [NVRTC]  a few variants\n"), "%s", out);
	cr_assert(strstr(out, "changed: source line 6 (source): float, float16, double\n"), "%s",
		  out);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
}

Test(report, triton_int64_trace_recorded_on_the_gpu)
{
	/* tests/gpu/triton_int64.py offset on the H100: a block's offset into a 2.5 GiB pool
	 * passed as an int: Triton typed it i32, then i64 from the first block past 2**31, a
	 * build each; the IR and Triton's arguments both say so */
	const char *dir = "examples/traces/triton-int64/offset";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out,
			 " 1. copy_block  [Triton]  a few variants\n    2 variants in 2 loads, "
			 "30 launches"),
		  "%s", out);
	cr_assert(strstr(out, "changed: base (type): i32, i64\n"), "%s", out);
	cr_assert(strstr(out, "fix: Triton types the int argument base by its value"), "%s", out);
	cr_assert_null(strstr(out, "no source or IR"), "%s", out);
}

Test(report, torch_compile_batch1_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_batch1.py on the H100: the batch marked dynamic, batches of
	 * 4, 1, 8, 1, ...: Dynamo's 0/1 specialization makes the batch of one a graph and a
	 * kernel of its own (xnumel == 1); the strides beside it (there or not: one row) and the
	 * mask made constant are no size; marked unbacked: one graph */
	const char *dir = "examples/traces/torch-compile-batch1/dynamic";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "[torch.compile]  a few variants\n    4 variants"), "%s", out);
	cr_assert(strstr(out, "xnumel == 1 (equals_one): no, yes\n"), "%s", out);
	cr_assert(strstr(out,
			 "fix: torch.compile built the kernel again for a size of 1 (xnumel == "
			 "1): Dynamo specializes"),
		  "%s", out);
	cr_assert_null(strstr(out, "baked a stride"), "%s", out);
	cr_assert_null(strstr(out, "built xmask"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--json",
					 "examples/traces/torch-compile-batch1/unbacked", NULL},
			out, sizeof(out)),
	    0);
	cr_assert_null(strstr(out, "\"equals_one\""), "%s", out);
	cr_assert_null(strstr(out, "\"churn\": true"), "%s", out);
}

Test(report, torch_compile_user_triton_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_user_triton.py on the H100: a user's @triton.jit kernel called
	 * inside torch.compile(dynamic=False), BLOCK the next power of two of a length: Inductor
	 * copies it under its own user_autotune(configs=[]), which tunes nothing: churn of BLOCK,
	 * not an autotune sweep; one BLOCK (the fix): one build */
	const char *dir = "examples/traces/torch-compile-user-triton/pow2";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. row_sum  [Triton]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "changed: BLOCK (tl.constexpr): 128, 512, 1024, 2048, 4096"), "%s",
		  out);
	cr_assert_null(strstr(out, "autotune"), "%s", out);
	cr_assert_eq(
	    kct_run_cli(
		(const char *[]){"check", "examples/traces/torch-compile-user-triton/fixed", NULL},
		out, sizeof(out)),
	    0, "%s", out);
}

Test(report, triton_dtype_trace_recorded_on_the_gpu)
{
	/* tests/gpu/triton_dtype.py on the H100: a tl.constexpr OUT_DTYPE given tl.float16,
	 * tl.bfloat16, tl.float32 by turns: the recorder names each from Triton's dtype object;
	 * a build per dtype is bounded, a few variants, not churn */
	const char *dir = "examples/traces/triton-dtype";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. cast_scale  [Triton]  a few variants\n"), "%s", out);
	cr_assert(strstr(out, "changed: OUT_DTYPE (tl.constexpr): fp16, bf16, fp32\n"), "%s", out);
	cr_assert(strstr(out, "fix: OUT_DTYPE is a dtype (fp16, bf16, fp32)"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "examples/traces/triton-int64/index", NULL}, out,
			sizeof(out)),
	    0, "the block index: one build: %s", out);
}

Test(report, torch_compile_list_and_loop_traces_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_list.py and torch_compile_loop.py on the H100: kernels of one
	 * name whose code differs. A list whose length changes: a graph per length, its concat
	 * kernel reading 2 to 6 inputs (the sizes change with it, but they are not the cause);
	 * stacked into one tensor: the count a size, built in once, then an argument; an int used
	 * as a loop count: a body longer by a step for each value, not Inductor's block sizes */
	const char *dir = "examples/traces/torch-compile-list/list";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. triton_poi_fused_cat_mul_relu_0  [torch.compile]  "
			      "specialization churn\n"),
		  "%s", out);
	cr_assert(strstr(out, "inputs (in_ptr0...) (code): 5 values, 2..6\n"), "%s", out);
	cr_assert(strstr(out, "fix: torch.compile built a kernel for each number of inputs"), "%s",
		  out);
	/* what only the builds with more inputs have is theirs, no change of its own */
	cr_assert_null(strstr(out, "in_ptr2 % 16"), "%s", out);
	cr_assert_null(strstr(out, "constant at line"), "%s", out);
	cr_assert_null(strstr(out, "mark_dynamic"), "%s", out);
	cr_assert_eq(
	    kct_run_cli(
		(const char *[]){"report", "examples/traces/torch-compile-list/stacked", NULL}, out,
		sizeof(out)),
	    0);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
	cr_assert(strstr(out,
			 "fix: torch.compile first built xnumel into the kernel (131072), then "
			 "built it again with xnumel"),
		  "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/torch-compile-loop", NULL}, out,
			sizeof(out)),
	    0);
	cr_assert(strstr(out, " 1. triton_poi_fused_mul_tanh_0  [torch.compile]  specialization "
			      "churn\n"),
		  "%s", out);
	cr_assert(strstr(out, "lines of its body (code): 12, 14, 16, 18, 20\n"), "%s", out);
	cr_assert(strstr(out, "fix: torch.compile built kernels of one name whose code differs"),
		  "%s", out);
	cr_assert_null(strstr(out, "block sizes"), "%s", out);
	/* the diff shows the step added, not every line after it (their locations renumbered) */
	cr_assert_eq(kct_run_cli((const char *[]){"diff", "examples/traces/torch-compile-loop",
						  "triton_poi_fused_mul_tanh_0", "1", "3", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "\n+    %tmp6 = tt.extern_elementwise %tmp5_11 "), "%s", out);
	cr_assert_null(strstr(out, "\n-    %xoffset = tt.get_program_id"), "%s", out);
}

Test(report, triton_heuristics_trace_recorded_on_the_gpu)
{
	/* tests/gpu/triton_heuristics.py on the H100: @triton.heuristics computing BLOCK as the
	 * next power of two of a request's n: churn, named as the decorator's (not "round it",
	 * which the caller cannot: it passes no BLOCK); two buckets (the fix): a few variants */
	const char *dir = "examples/traces/triton-heuristics/pow2";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. scale  [Triton]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "fix: BLOCK is computed by the @triton.heuristics at "
			      "tests/gpu/triton_heuristics.py:27 from the"),
		  "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "examples/traces/triton-heuristics/bucket", NULL},
			out, sizeof(out)),
	    0, "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report",
						  "examples/traces/triton-heuristics/bucket", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "fix: BLOCK is computed by the @triton.heuristics at "
			      "tests/gpu/triton_heuristics.py:27 from the"),
		  "the caller passes no BLOCK to round: %s", out);
	cr_assert_null(strstr(out, "round it"), "%s", out);
}

Test(report, flex_attention_window_trace_recorded_on_the_gpu)
{
	/* tests/gpu/flex_window.py on the H100: FlexAttention's mask_mod reads a sliding window's
	 * width, five widths. From a module-level int: baked into the template, a build each,
	 * read as FlexAttention's; from its closure: an argument from the second width on */
	const char *dir = "examples/traces/flex-window/global";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. triton_tem_fused_flex_attention_0  [torch.compile]  "
			      "specialization churn\n    5 variants in 5 loads"),
		  "%s", out);
	cr_assert(strstr(out, "changed: tmp5 (constant): 64, 96, 128, 160, 192\n"), "%s", out);
	cr_assert(strstr(out, "fix: a number that the score_mod or mask_mod reads from outside "
			      "(tmp5: 64, 96, 128,"),
		  "%s", out);
	cr_assert(strstr(out, "capture it as a tensor"), "%s", out);
	/* two variants differ in the number alone: the modules their calls name are no
	 * difference */
	cr_assert_eq(kct_run_cli((const char *[]){"diff", dir, "triton_tem_fused_flex_attention_0",
						  "1", "2", NULL},
				 out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "-    %tmp5 = arith.constant 64 : i32") &&
		      strstr(out, "+    %tmp5 = arith.constant 96 : i32"),
		  "%s", out);
	cr_assert_null(strstr(out, "compile_tasks.c"), "%s", out);
	cr_assert(
	    strstr(out,
		   "lines alike but for the files, modules, location numbers or dispatchers named"),
	    "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "examples/traces/flex-window/captured", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out,
			 "fix: torch.compile first built the number tmp5 into the kernel (64), "
			 "then built it again taking\n         it as an argument (ks0)"),
		  "%s", out);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
}

Test(report, triton_autotune_key_trace_recorded_on_the_gpu)
{
	/* tests/gpu/triton_autotune_key.py on the H100: @triton.autotune keyed on a token count
	 * that is new every step, 16 steps of 5 calls: its 3 configs built once, then benchmarked
	 * at each new count (63586 launches for the program's 80), each config run in most flush
	 * windows long after its build. Beside it the same kernel keyed on the count's bucket
	 * (one value): tuned once, its losing configs run in one window. */
	const char *dir = "examples/traces/triton-autotune-key";
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, "scale_tokens");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->launches, 63586);
	for (unsigned v = 0; v < f->nvariants; v++)
		cr_assert_geq(f->variants[v].launch_windows, 8, "config %u: %u windows", v,
			      f->variants[v].launch_windows);
	const struct kca_family *b = family(&m, "scale_tokens_bucketed");
	cr_assert_not_null(b);
	unsigned once = 0;
	for (unsigned v = 0; v < b->nvariants; v++)
		once += b->variants[v].launch_windows == 1;
	cr_assert_eq(once, 2, "the two configs not chosen ran in the first tuning only");
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out,
			 "fix: the autotuner (@triton.autotune at triton_autotune_key.py:23) "
			 "benchmarked the 3 configs of\n         scale_tokens again and again: "
			 "each ran in 8 or more flush windows"),
		  "%s", out);
	cr_assert(strstr(out, "as the autotuner does for each new value of its\n         key "
			      "(key=[\"n\"]); key it on fewer values (a bucket)"),
		  "%s", out);
	cr_assert(strstr(out, "fix: the autotuner (@triton.autotune at triton_autotune_key.py:31) "
			      "built 3 configs of\n         scale_tokens_bucketed: tune once"),
		  "the bucketed kernel tuned once: %s", out);
	/* after the first builds (+7 s): nothing built or loaded, but the autotuner still
	 * benchmarking, said; not the bucketed kernel's */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", "--since", "7", dir, NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "0 kernels built or reloaded in the window"), "%s", out);
	cr_assert(strstr(out,
			 "\nscale_tokens: its autotuner benchmarked its 3 configs again in the "
			 "window ("),
		  "%s", out);
	cr_assert_null(strstr(out, "scale_tokens_bucketed: its autotuner"), "%s", out);
	/* check fails on the retuning, whole run and window, naming only scale_tokens; a limit
	 * of variants takes over that part of the rule */
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "kcprof check: scale_tokens: its autotuner benchmarked its 3 configs "
			      "again and again (each ran in 8 or more flush windows; 63586 "
			      "launches); autotune sweep\n"),
		  "%s", out);
	cr_assert_null(strstr(out, "scale_tokens_bucketed"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"check", "--since", "7", dir, NULL}, out, sizeof(out)), 1);
	cr_assert(strstr(out, "kcprof check: scale_tokens: its autotuner benchmarked its 3 configs "
			      "again in the window (59322 launches there)"),
		  "%s", out);
	cr_assert_null(strstr(out, "scale_tokens_bucketed"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", "--max-variants", "4", dir, NULL}, out,
				 sizeof(out)),
		     0, "%s", out);
	/* a first tuning only (triton-autotune) passes */
	cr_assert_eq(kct_run_cli((const char *[]){"check", "examples/traces/triton-autotune", NULL},
				 out, sizeof(out)),
		     0, "%s", out);
}

Test(report, cudnn_sdpa_trace_recorded_on_the_gpu)
{
	/* tests/gpu/cudnn_sdpa.py on the H100: PyTorch's SDPA through cuDNN's attention on six
	 * sequence lengths. cuDNN compiles its kernel with NVRTC for each (a plan per shape): six
	 * compiles into two images, four of them code it had built. Its options are bytes, not
	 * words: diff says so rather than print them. */
	const char *dir = "examples/traces/cudnn-sdpa";
	const char *name = "cudnn_generated_fort_native_sdpa_sm90_flash_fprop_wgmma_f16_knob_7_"
			   "64x128x64_4x1x1_cga1x1x1_kernel0_0";
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.problems, 0);
	const struct kca_family *f = family(&m, name);
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_NVRTC);
	cr_assert_eq(f->nvariants, 2);
	cr_assert_eq(f->ncompiles, 6);
	cr_assert_eq(f->launches, 18);
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out,
			 "fix: cuDNN compiled this kernel with NVRTC at run time, 6 times into "
			 "2 images, 4 of them code it\n         had built before"),
		  "%s", out);
	cr_assert(strstr(out, "SDPBackend.FLASH_ATTENTION"), "%s", out);
	cr_assert_null(strstr(out, "compile once and cache the module"), "%s", out);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", dir, name, "1", "2", NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "    nvrtc : 26 options that are not text (6408 bytes)\n"), "%s",
		  out);
	cr_assert(strstr(out, "--- [A] PTX "), "the PTX NVRTC made, compared: %s", out);
}

Test(report, jiterator_trace_recorded_on_the_gpu)
{
	/* tests/gpu/jiterator.py on the H100: PyTorch's jiterator writes its kernel's C++ for each
	 * dtype and compiles it with NVRTC, the options alike: float32, float16, bfloat16 (float32
	 * again finds its build). The lines that replace others name the type; the definitions
	 * of Half and BFloat16 added before them are no change of their own. */
	const char *dir = "examples/traces/jiterator";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. scaled_diff_vectorized8_kernel  [NVRTC]  a few variants\n"),
		  "a build a dtype, once each, is no churn: %s", out);
	cr_assert(strstr(out,
			 "    changed: source line 346 (source): float, at::Half, at::BFloat16\n"
			 "             in using scalar_t = float;\n"),
		  "%s", out);
	cr_assert_null(strstr(out, "struct alignas(2)"), "added lines, not changes: %s", out);
	cr_assert(strstr(out, "fix: the program writes its source for each type (float, "
			      "at::Half, at::BFloat16:"),
		  "%s", out);
}

Test(report, one_image_built_in_each_process_is_said)
{
	/* three processes each run the compiler for the same kernel and load the same image (a
	 * server's workers started together, none finding the others' build): one variant, no
	 * churn, but built three times, once a process; check passes (nothing was rebuilt in a
	 * process) */
	char *dir = kct_tmpdir(), cmd[4800];
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- sh -c 'for i in 1 2 3; do "
		 "%s/tests/bin/drv_client nvccstep step_1.fatbin || exit 1; done'",
		 kct_data(), kct_cli(), dir, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. kern_step  [compiler]  built per process\n"
			      "    1 variant in 3 loads by 3 processes"),
		  "%s", out);
	cr_assert(strstr(out, "fix: the same kernel was built in each of the 3 processes that "
			      "loaded it"),
		  "%s", out);
	cr_assert(strstr(out, "0 with recompilation churn"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 0, "%s",
		     out);
	/* one process building it: fine */
	char *one = kct_tmpdir();
	snprintf(cmd, sizeof(cmd),
		 "KCT_DATA=%s %s record -q --no-cupti -o %s -- %s/tests/bin/drv_client nvccstep "
		 "step_1.fatbin",
		 kct_data(), kct_cli(), one, kct_build());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", one, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "1 kernel neither rebuilt nor loaded again and again: fine"), "%s",
		  out);
}

Test(report, triton_workers_trace_recorded_on_the_gpu)
{
	/* tests/gpu/triton_workers.py together on the H100: four spawned workers launch one
	 * Triton kernel at once with an empty cache, and each builds it (3.66 s in all, the
	 * launcher's host compiles included): one image built in every process, said so */
	const char *dir = "examples/traces/triton-workers";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. scale_rows  [Triton]  built per process\n"
			      "    1 variant in 4 loads by 4 processes, 4 launches\n"),
		  "%s", out);
	cr_assert(strstr(out, "cost: 3.66 s building (8× gcc-real 3.53 s, 4× ptxas 126.8 ms)"),
		  "%s", out);
	cr_assert(strstr(out, "fix: the same kernel was built in each of the 4 processes"), "%s",
		  out);
	cr_assert_eq(kct_run_cli((const char *[]){"check", dir, NULL}, out, sizeof(out)), 0, "%s",
		     out);
	/* the same script again (triton-workers-race): one worker's ptxas won the race and the
	 * others found its cubin, but each compiled Triton's launcher (gcc, twice a process):
	 * built in every process all the same, 2.52 s of it */
	dir = "examples/traces/triton-workers-race";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. scale_rows  [Triton]  built per process\n"), "%s", out);
	cr_assert(strstr(out, "cost: 2.52 s building (8× gcc-real 2.50 s, 1× ptxas 19.4 ms)"), "%s",
		  out);
	cr_assert(strstr(out, "fix: the same kernel was built in each of the 4 processes"), "%s",
		  out);
}

Test(report, torch_compile_limit_trace_recorded_on_the_gpu)
{
	/* tests/gpu/torch_compile_limit.py on the H100: torch.compile(dynamic=False) fed twelve
	 * lengths builds a kernel for each of the first eight, then Dynamo's recompile limit runs
	 * the function eagerly: eight values, the limit named */
	const char *dir = "examples/traces/torch-compile-limit";
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "    8 variants in 8 loads, 24 launches\n"), "%s", out);
	cr_assert(strstr(out, "changed: xnumel (constant): 8 values, 100..800"), "%s", out);
	cr_assert(strstr(out, "few sizes; 8 values is Dynamo's recompile limit "
			      "(torch._dynamo.config.recompile_limit):\n"),
		  "%s", out);
	/* six values (torch-compile-shapes): no word of the limit */
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report", SHAPES "/static", NULL}, out, sizeof(out)), 0);
	cr_assert_null(strstr(out, "recompile limit"), "%s", out);
}

Test(report, numba_symbols_read_as_one_kernel)
{
	/* symbols numba 0.68 wrote on the H100: a dispatcher's uid (v1, v3), a kernel defined in
	 * a function (<locals>), argument types after the name */
	char name[256];
	const char *closure =
	    "_ZN8__main__10make_scale12_3clocals_3e5scaleB2v3B104cw51cXTLSUwv1sDUa"
	    "KthqaNgoKmjgOR3W3Cw6igA9duC0hkwnNGiHEkYkrqQBFBTDEwCyQe21eqwcFW3UoDG"
	    "jzpQEsgzrtUEAA_3d_3dE5ArrayIfLi1E1C7mutable7alignedE5ArrayIfLi1E1C7m"
	    "utable7alignedE";
	cr_assert(kca_numba_kernel(closure, name, sizeof(name), NULL));
	cr_assert_str_eq(name, "__main__::make_scale::<locals>::scale");
	const char *axpy =
	    "_ZN8__main__4axpyB2v2B104cw51cXTLSUwv1sDUaKthqaNgoKmjgOR3W3Cw6igA9duC0hkw"
	    "nNGiHEkYkrqQBFBTDEwCyQe21eqwcFW3UoDGjzpQEsgzrtUEAA_3d_3dE5ArrayIdLi1E1C7"
	    "mutable7alignedE5ArrayIdLi1E1C7mutable7alignedEd";
	cr_assert(kca_numba_kernel(axpy, name, sizeof(name), NULL));
	cr_assert_str_eq(name, "__main__::axpy");
	char types[16][64];
	cr_assert_eq(kca_numba_arg_types(axpy, types, 16), 3);
	cr_assert_str_eq(types[0], "array(float64, 1d, C)");
	cr_assert_str_eq(types[2], "float64");
	kca_kernel_display_name(axpy, name, sizeof(name));
	cr_assert_str_eq(name, "__main__::axpy");
	/* C++ kernels, with an ABI tag or not, are their own */
	cr_assert_not(kca_numba_kernel("_ZN2at6native13reduce_kernelILi512ELi1EEEvT0_", name,
				       sizeof(name), NULL));
	cr_assert_not(kca_numba_kernel("_ZN5cutlass6KernelB5cxx11EPv", name, sizeof(name), NULL));
	cr_assert_not(kca_numba_kernel("fill_mask", name, sizeof(name), NULL));
}

static const struct kca_family *numba_family(struct kca_model *m, const char *mode, const char *n,
					     const char *name, char *dir_out)
{
	char *dir = record("nvvm_client", (const char *[]){mode, n, NULL});
	snprintf(dir_out, 4096, "%s", dir);
	load(m, dir);
	const struct kca_family *f = family(m, name);
	cr_assert_not_null(f, "%s: no family %s", mode, name);
	cr_assert_eq(m->nfamilies, 1, "%s: every build of the kernel in one family", mode);
	cr_assert_eq(f->front_end, KCA_FE_NUMBA);
	return f;
}

Test(report, numba_kernel_made_per_call_is_churn_with_its_closure_value)
{
	/* a factory makes a new dispatcher per call (a new uid in each symbol), the factor it
	 * closes over written into the IR: churn, the IR line named, the fix a module-level
	 * kernel taking the value */
	struct kca_model m;
	char dir[4096];
	const struct kca_family *f =
	    numba_family(&m, "closure", "4", "__main__::make_scale::<locals>::scale", dir);
	cr_assert_eq(f->nvariants, 4);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->ncompiles, 12, "both NVVM compiles of each kernel and its link are its");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1, "the IR's line of the factor only, its symbols' uids aside");
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_SOURCE);
	cr_assert(strncmp(ch.changes[0].name, "IR line ", 8) == 0, "%s", ch.changes[0].name);
	cr_assert_str_eq(ch.changes[0].values[0], "1");
	cr_assert_str_eq(ch.changes[0].values[3], "4");
	char fix[2048];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "new @cuda.jit dispatcher") && strstr(fix, "inside a function") &&
		      strstr(fix, "pass the value as an argument"),
		  "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
	/* and the report says so: no compile left over as never loaded */
	const char *argv[] = {"report", dir, NULL};
	cr_assert_eq(kct_run_cli(argv, out, sizeof(out)), 0);
	cr_assert(strstr(out, "[numba]  specialization churn") && strstr(out, "8 NVVM compiles") &&
		      !strstr(out, "never loaded"),
		  "%s", out);
}

Test(report, numba_kernel_per_type_signature_is_a_few_variants)
{
	struct kca_model m;
	char dir[4096];
	const struct kca_family *f = numba_family(&m, "types", "3", "__main__::scale", dir);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->verdict, KCA_FEW_VARIANTS, "a build a type signature, each once");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert(kca_change_numba_types(&ch));
	cr_assert_eq(ch.nchanges, 3, "three arguments' types, the IR's lines theirs");
	cr_assert_str_eq(ch.changes[2].name, "argument 3");
	cr_assert_str_eq(ch.changes[2].values[1], "float64");
	cr_assert_str_eq(ch.changes[0].values[2], "array(int32, 1d, C)");
	char fix[2048];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "once for each argument type signature") &&
		      strstr(fix, "float32, float64, int32"),
		  "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, numba_kernel_taking_the_value_is_fine)
{
	struct kca_model m;
	char dir[4096];
	const struct kca_family *f = numba_family(&m, "arg", "5", "__main__::scale", dir);
	cr_assert_eq(f->nvariants, 1);
	cr_assert_eq(f->launches, 5);
	cr_assert_eq(f->verdict, KCA_FINE);
	cr_assert_eq(f->ncompiles, 3, "its PTX, its LTO-IR and its link");
	kca_model_free(&m);
}

#define NUMBA "examples/traces/numba-kernels/"

Test(report, numba_on_the_gpu_closure_value_named_in_its_ir)
{
	/* numba 0.68 on the H100 (tests/gpu/numba_kernels.py closure): six dispatchers made by a
	 * factory, the factor in each one's IR; the ModuleID comment numbers them ("scale$3"),
	 * which is no change of the code */
	struct kca_model m;
	load(&m, NUMBA "closure");
	const struct kca_family *f = family(&m, "__main__::make_scale::<locals>::scale");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 6);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->front_end, KCA_FE_NUMBA);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1, "the factor's line only: %s", ch.changes[0].name);
	cr_assert_str_eq(ch.changes[0].name, "IR line 102");
	cr_assert_str_eq(ch.changes[0].values[0], "1");
	cr_assert_str_eq(ch.changes[0].values[5], "6");
	/* the def read from the program's source, where the kernel's name says it is */
	cr_assert_str_eq(f->def_inside, "make_scale");
	cr_assert_str_eq(f->def_where, "tests/gpu/numba_kernels.py:30");
	char fix[2048];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "defined inside make_scale (tests/gpu/numba_kernels.py:30)") &&
		      strstr(fix, "functools.cache on make_scale"),
		  "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
	const char *argv[] = {"diff", NUMBA "closure", "__main__::make_scale::<locals>::scale",
			      NULL};
	cr_assert_eq(kct_run_cli(argv, out, sizeof(out)), 0);
	cr_assert(strstr(out, "--- [A] NVVM IR ") &&
		      strstr(out, "-  %\".87\" = sitofp i64 1 to double") &&
		      strstr(out, "+  %\".87\" = sitofp i64 2 to double"),
		  "%s", out);
	cr_assert_null(strstr(out, "ModuleID"), "%s", out);
	/* numba's PTX compile counts for the build, its output not linked; the LTO-IR's is */
	cr_assert(strstr(out, "nvvm NVVM: -opt=3 -arch=compute_90a (part of the build, its output "
			      "not used)") &&
		      strstr(out, "-gen-lto (its output linked into the next)"),
		  "%s", out);
	cr_assert_null(strstr(out, "B2v1B"), "the uids' lines are alike: %s", out);
}

Test(report, numba_on_the_gpu_signatures_listed_are_fine)
{
	/* one kernel called on three dtypes: built at the calls, a few variants; the same three
	 * signatures listed in @cuda.jit: built there, at start-up, as asked: fine */
	struct kca_model m;
	load(&m, NUMBA "types");
	const struct kca_family *f = family(&m, "__main__::axpy");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_not(kca_numba_built_at_start(&m, f));
	cr_assert_eq(f->verdict, KCA_FEW_VARIANTS);
	kca_model_free(&m);
	load(&m, NUMBA "signatures");
	f = family(&m, "__main__::axpy");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 3);
	cr_assert(kca_numba_built_at_start(&m, f));
	cr_assert_eq(f->verdict, KCA_FINE);
	kca_model_free(&m);
	load(&m, NUMBA "arg");
	f = family(&m, "__main__::scale_arg");
	cr_assert_not_null(f);
	cr_assert_eq(f->verdict, KCA_FINE);
	cr_assert_eq(f->launches, 6);
	cr_assert_eq(f->ncompiles, 3);
	kca_model_free(&m);
}

Test(report, cuda_core_define_macro_read_as_a_define)
{
	/* cuda.core on the H100 (tests/gpu/cuda_core_define.py define): ProgramOptions(
	 * define_macro=("LIMIT", v)) reaches NVRTC as --define-macro=LIMIT=v, NVRTC's long -D */
	struct kca_model m;
	load(&m, "examples/traces/cuda-core-define/define");
	const struct kca_family *f = family(&m, "fill");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 5);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_DEFINE);
	cr_assert_str_eq(ch.changes[0].name, "LIMIT");
	cr_assert_str_eq(ch.changes[0].values[4], "504");
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "-DLIMIT changes per compile"), "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, template_arguments_of_a_kernel_symbol)
{
	char args[8][64];
	cr_assert_eq(kca_template_args("_Z6fill_tILi100EEvPf", args, 8), 1);
	cr_assert_str_eq(args[0], "100");
	/* at::native::reduce_kernel<512, 1, ...>(...): its own arguments, nested ones whole */
	cr_assert_eq(kca_template_args("_ZN2at6native13reduce_kernelILi512ELi1EEEvT0_", args, 8),
		     2);
	cr_assert_str_eq(args[1], "1");
	cr_assert_eq(kca_template_args("_Z4axpyIfLi4EEvPT_S1_", args, 8), 2);
	cr_assert_str_eq(args[0], "float");
	cr_assert_eq(kca_template_args("_Z4axpyPfS_", args, 8), 0, "no template");
	cr_assert_eq(kca_template_args("fill_mask", args, 8), 0);
}

Test(report, template_instantiated_per_value_is_one_kernel_churning)
{
	/* nvrtc_client template: fill_mask_t<500>, <501>, <502>, then <500> again, each an NVRTC
	 * compile of its own (name expressions): one kernel of 3 variants, not 3 fine kernels */
	char *dir = record("nvrtc_client", (const char *[]){"template", "3", NULL});
	struct kca_model m;
	load(&m, dir);
	cr_assert_eq(m.nfamilies, 1);
	const struct kca_family *f = family(&m, "fill_mask_t<…>");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->loads, 4);
	cr_assert_eq(f->front_end, KCA_FE_NVRTC);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(f->ncompiles, 4);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert(kca_change_template_argument(&ch.changes[0]));
	cr_assert_str_eq(ch.changes[0].values[0], "500");
	cr_assert_str_eq(ch.changes[0].values[2], "502");
	cr_assert_not(kca_change_template_types(&ch));
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(
	    strstr(fix, "instantiates fill_mask_t<…> for each value of its template argument 1") &&
		strstr(fix, "pass the value as a kernel argument"),
	    "%s", fix);
	/* the call sites are the family's, found by each instance's symbol */
	struct kca_call_site sites[4];
	cr_assert_eq(kca_family_call_sites(&m, f, sites, 4), 1);
	cr_assert_eq(sites[0].count, 4);
	/* an instance per type is as few as a source per type */
	static char *types[] = {"float", "double"};
	struct kca_change c = {.kind = KCA_CHANGE_CONSTANT, .values = types, .nvalues = 2};
	snprintf(c.name, sizeof(c.name), KCA_TEMPLATE_ARGUMENT "1");
	struct kca_changes tch = {.changes = &c, .nchanges = 1};
	cr_assert(kca_change_template_types(&tch));
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, triton_kernel_defined_inside_its_caller_named)
{
	/* tests/gpu/triton_def_inside.py on the H100: @triton.jit scale_inner defined inside
	 * step(), which launches it six times: one build, loaded at each call; the def is read
	 * from the program's source (the file in the repository) */
	struct kca_model m;
	load(&m, "examples/traces/triton-def-inside/inside");
	const struct kca_family *f = family(&m, "scale_inner");
	cr_assert_not_null(f);
	cr_assert_eq(f->verdict, KCA_RELOAD_CHURN);
	cr_assert_str_eq(f->def_inside, "step");
	cr_assert_str_eq(f->def_where, "tests/gpu/triton_def_inside.py:34");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(
	    strstr(fix, "scale_inner is defined inside step (tests/gpu/triton_def_inside.py:34)") &&
		strstr(fix, "define the kernel once, at module level"),
	    "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
	load(&m, "examples/traces/triton-def-inside/module");
	f = family(&m, "scale_module");
	cr_assert_not_null(f);
	cr_assert_eq(f->verdict, KCA_FINE);
	cr_assert_null(f->def_inside);
	kca_model_free(&m);
}

Test(report, cupy_template_instances_on_the_gpu_one_kernel)
{
	/* CuPy's RawModule(name_expressions=["fill_mask_t<100>"]) per length, on the H100 */
	struct kca_model m;
	load(&m, "examples/traces/cupy-template");
	const struct kca_family *f = family(&m, "fill_mask_t<…>");
	cr_assert_not_null(f);
	cr_assert_eq(f->nvariants, 6);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_str_eq(ch.changes[0].values[5], "285");
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, numba_without_lto_its_ptx_linked_reads_the_same)
{
	/* numba without LTO: NVVM's PTX linked (one NVVM compile a kernel): the PTX found as the
	 * link's input by its hash, the IR still the build's source */
	struct kca_model m;
	char dir[4096];
	const struct kca_family *f =
	    numba_family(&m, "closure-ptx", "3", "__main__::make_scale::<locals>::scale", dir);
	cr_assert_eq(f->nvariants, 3);
	cr_assert_eq(f->ncompiles, 6, "an NVVM compile and a link a kernel");
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_str_eq(ch.changes[0].values[2], "3");
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, the_same_code_compiled_again_for_each_load_is_named_by_its_compiles)
{
	/* nvrtc_client again: the same source compiled with NVRTC and loaded for each of five
	 * requests. The same image loaded again and again, but what it costs is the compiles:
	 * the fix says compile once, not "load it once". Under cuDNN's name for its
	 * runtime-compiled engines (seen on the H100: a transformers model through cuDNN's SDPA,
	 * 23 compiles of one image), the fix names cuDNN's per-shape plans. */
	static const char cudnn[] = "cudnn_generated_fort_native_sdpa_sm90_flash_fprop_wgmma_f16_"
				    "knob_7_64x128x64_4x1x1_cga1x1x1_kernel0_0";
	for (int named = 0; named < 2; named++) {
		const char *name = named ? cudnn : "fill_mask_fixed";
		char *dir = record("nvrtc_client", (const char *[]){"again", "4", name, NULL});
		struct kca_model m;
		load(&m, dir);
		const struct kca_family *f = family(&m, name);
		cr_assert_not_null(f, "%s", name);
		cr_assert_eq(f->nvariants, 1);
		cr_assert_eq(f->loads, 5);
		cr_assert_eq(f->ncompiles, 5);
		cr_assert_eq(f->front_end, KCA_FE_NVRTC);
		cr_assert_eq(f->verdict, KCA_RELOAD_CHURN);
		struct kca_changes ch;
		kca_changes_compute(&m, f, &ch);
		char fix[1024];
		kca_fix_text(&m, f, &ch, fix, sizeof(fix));
		cr_assert_null(strstr(fix, "load it once"), "%s", fix);
		if (named)
			cr_assert(strstr(fix,
					 "cuDNN compiled this kernel with NVRTC at run time, 5 "
					 "times into 1 image, 4 of them code it had built "
					 "before: it builds an execution plan for each new "
					 "problem shape") &&
				      strstr(fix, "SDPBackend.FLASH_ATTENTION"),
				  "%s", fix);
		else
			cr_assert(strstr(fix,
					 "the program compiled the same code 5 times with NVRTC "
					 "into 1 image, 4 of the compiles building again what "
					 "it had built: compile once and keep the module"),
				  "%s", fix);
		kca_changes_free(&ch);
		kca_model_free(&m);
	}
	/* cuDNN's engine built for each shape and never launched (seen on the H100: a ResNet with
	 * torch.backends.cudnn.benchmark on and five input sizes, 41 compiles, 2.1 s): timed, not
	 * chosen; the fix names benchmark mode */
	char *dir = record("nvrtc_client", (const char *[]){"again", "4", cudnn, "unused", NULL});
	struct kca_model m;
	load(&m, dir);
	const struct kca_family *f = family(&m, cudnn);
	cr_assert(f && f->launches == 0 && f->ncompiles == 5);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(
	    strstr(fix, "cuDNN compiled this kernel with NVRTC 5 times and never launched it") &&
		strstr(fix, "torch.backends.cudnn.benchmark"),
	    "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, jax_jit_traces_recorded_on_the_gpu)
{
	/* tests/gpu/jax_jit.py on the H100 (jax 0.11.2): body on six input lengths, XLA building
	 * each into its kernels through ptxas; padded on the host, one build; three functions
	 * whose kernels XLA names loop_add_fusion alike, each built once; a static argument */
	struct kca_model m;
	load(&m, "examples/traces/jax-jit/shapes");
	const struct kca_family *f = family(&m, "jit_body/loop_add_fusion");
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_JAX);
	cr_assert_eq(f->nvariants, 6);
	cr_assert_eq(f->verdict, KCA_SPECIALIZATION_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	cr_assert_eq(ch.nchanges, 1);
	cr_assert_eq(ch.changes[0].kind, KCA_CHANGE_PTX);
	char summary[128], fix[1024];
	kca_values_summary(&ch.changes[0], summary, sizeof(summary));
	cr_assert_str_eq(summary, "6 values, 999..1004");
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "jax.jit compiled body again for each new shape"), "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);

	/* padded with jnp.pad outside jax.jit: jnp.pad is JAX's own jitted function (its frame
	 * past jax.jit's dispatch is jax.numpy's), compiled per length: named so */
	load(&m, "examples/traces/jax-jit/padded");
	f = family(&m, "jit__pad/loop_pad_fusion");
	cr_assert(f && f->verdict == KCA_SPECIALIZATION_CHURN);
	kca_changes_compute(&m, f, &ch);
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "_pad is an operation of JAX's own (jax.numpy, lax) that the program "
			      "ran outside jax.jit") &&
		      strstr(fix, "on the host (NumPy)"),
		  "%s", fix);
	kca_changes_free(&ch);
	f = family(&m, "jit_body/loop_add_fusion");
	cr_assert(f && f->verdict == KCA_FINE);
	kca_model_free(&m);

	load(&m, "examples/traces/jax-jit/host");
	for (unsigned i = 0; i < m.nfamilies; i++)
		cr_assert_not(m.families[i].churn, "%s", m.families[i].name);
	cr_assert_not_null(family(&m, "jit_body/loop_add_fusion"));
	kca_model_free(&m);

	load(&m, "examples/traces/jax-jit/two");
	const char *fns[] = {"scale_cos", "scale_exp", "root_sum"};
	for (unsigned i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof(name), "jit_%s/loop_add_fusion", fns[i]);
		f = family(&m, name);
		cr_assert_not_null(f, "%s", name);
		cr_assert_eq(f->nvariants, 1);
		cr_assert_eq(f->verdict, KCA_FINE);
	}
	cr_assert_null(family(&m, "loop_add_fusion"), "no kernel of three functions");
	/* XLA's cuDNN probe, loaded four times in one compile and never launched: its own */
	f = family(&m, "jit_convert_element_type/nopCudnnHardwareDetection");
	cr_assert(f && f->launches == 0 && f->verdict == KCA_FINE);
	kca_model_free(&m);

	/* a scale in static_argnums, six values: a compile each, the value in the PTX */
	load(&m, "examples/traces/jax-jit/static");
	f = family(&m, "jit_scaled/loop_add_fusion");
	cr_assert(f && f->nvariants == 6 && f->verdict == KCA_SPECIALIZATION_CHURN);
	kca_changes_compute(&m, f, &ch);
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "jax.jit compiled scaled again") && strstr(fix, "static_argnums"),
		  "%s", fix);
	/* the scale found (3.0 is 0f40400000), not the register counts that follow it */
	int scale = 0;
	for (unsigned i = 0; i < ch.nchanges; i++) {
		cr_assert_null(strstr(ch.changes[i].where, ".reg "), "%s", ch.changes[i].where);
		for (unsigned v = 0; v < ch.changes[i].nvalues; v++)
			scale |= ch.changes[i].values[v] &&
				 strstr(ch.changes[i].values[v], "0f40400000") != NULL;
	}
	cr_assert(scale);
	kca_changes_free(&ch);
	kca_model_free(&m);
}

Test(report, a_source_line_naming_its_type_several_times_names_types)
{
	/* cupy.fuse on float32, float16 and float64 inputs (seen on the H100): a line of its
	 * source per dtype, the type named three times in it; read as types (a compile a type,
	 * as few), where a number that changes beside them is not */
	static char *fused[] = {"float &in0, float &in1, float",
				"float16 &in0, float16 &in1, float16",
				"double &in0, double &in1, double"};
	struct kca_change c = {.kind = KCA_CHANGE_SOURCE, .values = fused, .nvalues = 3};
	cr_assert(kca_change_names_types(&c));
	static char *sized[] = {"float x[4], float", "double x[8], double"};
	struct kca_change d = {.kind = KCA_CHANGE_SOURCE, .values = sized, .nvalues = 2};
	cr_assert_not(kca_change_names_types(&d), "a size changes too");
	static char *names[] = {"floating &a", "doubled &a"};
	struct kca_change e = {.kind = KCA_CHANGE_SOURCE, .values = names, .nvalues = 2};
	cr_assert_not(kca_change_names_types(&e), "words that begin as types are not types");
}

Test(report, an_inductor_kernel_loaded_again_names_dynamos_recompiles)
{
	/* one Inductor kernel's build (its def in a generated module that imports
	 * torch._inductor) loaded by three graphs, as Dynamo's recompiles for new prompt lengths
	 * load a transformers model's kernels again (seen on the H100): the fix counts the
	 * recompiles, not "keep the CUmodule", which a torch.compile user cannot do */
	static const char name[] =
	    "triton_poi_fused__scaled_dot_product_cudnn_attention__to_copy__unsafe_view_add_arange_"
	    "bitwise_and_bmm_cat_clone_cos_expand_index_le_mul_neg_new_ones_scalar_tensor_sin_"
	    "slice_"
	    "transpose_unsqueeze_view_where_7";
	char ir[2048], py[1024];
	snprintf(ir, sizeof(ir),
		 "#loc = loc(\"%%s\":4:0)\nmodule {\n  tt.func public @%s(%%%%n: i32 "
		 "loc(\"n\"(#loc))) attributes {noinline = false} {\n  } loc(#loc)\n} loc(#loc)\n",
		 name);
	snprintf(py, sizeof(py),
		 "from torch._inductor.runtime import triton_heuristics\nimport triton\n"
		 "@triton.jit\ndef %s(n):\n    pass\n",
		 name);
	const char *irs[] = {ir}, *pys[] = {py};
	const char *json[] = {"{\"num_warps\": 4}\n"};
	char *trace = record_cache_variants_in(name, "long", 1, irs, pys, json, 1);
	/* the same entry's cubin loaded twice more, by the same program */
	char cmd[16384], cubin[4400];
	struct kca_model m;
	load(&m, trace);
	cr_assert_eq(m.nloads, 1);
	snprintf(cubin, sizeof(cubin), "%s", m.loads[0].file);
	kca_model_free(&m);
	char *again = kct_tmpdir();
	snprintf(
	    cmd, sizeof(cmd),
	    "env -u TRITON_CACHE_DIR HOME=%s KCT_DATA=%s KCT_KERNEL=%s %s record -q --no-cupti "
	    "-o %s -- %s/tests/bin/drv_client nvccstep %s %s %s",
	    again, kct_data(), name, kct_cli(), again, kct_build(), cubin, cubin, cubin);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	load(&m, again);
	const struct kca_family *f = family(&m, name);
	cr_assert_not_null(f);
	cr_assert_eq(f->front_end, KCA_FE_INDUCTOR);
	cr_assert_eq(f->verdict, KCA_RELOAD_CHURN);
	struct kca_changes ch;
	kca_changes_compute(&m, f, &ch);
	char fix[1024];
	kca_fix_text(&m, f, &ch, fix, sizeof(fix));
	cr_assert(strstr(fix, "torch.compile loaded the same kernel 3 times") &&
		      strstr(fix, "Dynamo's recompiles") && !strstr(fix, "keep the CUmodule"),
		  "%s", fix);
	kca_changes_free(&ch);
	kca_model_free(&m);
}
