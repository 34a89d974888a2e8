/* test_python.c - Python call sites (preload/python.c): a real Python interpreter loads PTX
 * into the stand-in driver from under a stand-in of Triton's JITFunction.run
 * (tests/progs/py_loader.py), with the GIL released around the load (ctypes.CDLL, as Triton)
 * and held (ctypes.PyDLL); the trace's frames and Triton arguments, and what the report makes
 * of them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../analyzer/kca.h"
#include "../analyzer/model.h"
#include "kct.h"

#define LOADER "tests/progs/py_loader.py"

/* Call sites are read from Python 3.10 (PyGC_Disable: no finaliser runs in a hook); before,
 * the tests that expect frames are skipped. */
static void need_python_310(void)
{
	if (system("python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'") != 0)
		cr_skip_test("python3 is older than 3.10: kcprof reads no call sites there");
}

/* The line of py_loader.py that calls the kernel (marked in the file). */
static int call_line(void)
{
	int line = kct_line_of(LOADER, "# the line a report names");
	cr_assert_gt(line, 0);
	return line;
}

/* py_loader.py STEPS [OPTION] under the recorder (extra: one more NAME=value, or NULL). */
static char *record_python_with(const char *steps, const char *extra, const char *option)
{
	char *dir = kct_tmpdir();
	char libs[4200];
	snprintf(libs, sizeof(libs), "LD_LIBRARY_PATH=%s/tests/lib", kct_build());
	const char *env[] = {libs, "KCPROF_CUPTI=0", extra, NULL};
	const char *argv[] = {"/usr/bin/env", "python3", LOADER, steps, option, NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "python3 %s failed (%d): see %s.log",
		  LOADER, st, dir);
	return dir;
}

static char *record_python(const char *steps, const char *extra)
{
	return record_python_with(steps, extra, NULL);
}

static void load_model(struct kca_model *m, char *dir)
{
	cr_assert_gt(kca_model_load(m, &dir, 1), 0, "no trace in %s", dir);
	kca_model_families(m);
}

/* The frames and arguments of each load: MAX_LEN 500 + step, n not divisible by 16 at even
 * steps; the program's line found among the frames. */
static void assert_call_sites(char *dir, unsigned steps)
{
	struct kca_model m;
	load_model(&m, dir);
	unsigned loads = 0;
	char want_where[64];
	snprintf(want_where, sizeof(want_where), LOADER ":%d", call_line());
	for (unsigned i = 0; i < m.nloads; i++) {
		const struct kca_load *l = &m.loads[i];
		if (l->nnames != 1 || strcmp(l->names[0], "fill_mask") != 0)
			continue;
		cr_assert_eq(l->ntriton_args, 3, "load %u: %u arguments", loads, l->ntriton_args);
		char want[64];
		snprintf(want, sizeof(want), "MAX_LEN\tconstexpr\t%u", 500 + loads);
		cr_assert_str_eq(l->triton_args[2], want);
		cr_assert_str_eq(l->triton_args[1], loads % 2 ? "n\ti32\tD" : "n\ti32\t");
		cr_assert_str_eq(l->triton_args[0], "x_ptr\ti32\tD");
		cr_assert_geq(l->npy_frames, 4);
		cr_assert(strstr(l->py_frames[0], "/triton/runtime/driver.py\t"), "%s",
			  l->py_frames[0]);
		char where[512], func[128];
		cr_assert_eq(kca_user_frame(l->py_frames, l->npy_frames, m.procs[l->proc].cwd,
					    where, sizeof(where), func, sizeof(func)),
			     0);
		cr_assert_str_eq(where, want_where);
		cr_assert_str_eq(func, "serve");
		loads++;
	}
	cr_assert_eq(loads, steps, "%u loads of fill_mask", loads);
	cr_assert_eq(m.nfamilies, 1);
	cr_assert_eq(m.families[0].front_end, KCA_FE_TRITON, "Triton's JIT built it");
	kca_model_free(&m);
}

Test(python, call_site_and_specialisation_with_the_gil_released)
{
	need_python_310();
	char *dir = record_python("3", NULL);
	assert_call_sites(dir, 3);
	free(dir);
}

Test(python, call_site_and_specialisation_with_the_gil_held)
{
	need_python_310();
	char *dir = record_python("2", "KCT_PYDLL=1");
	assert_call_sites(dir, 2);
	free(dir);
}

Test(python, a_sub_interpreter_in_the_process)
{
	need_python_310();
	/* Once a sub-interpreter exists PyGILState_Check answers 1 on every thread: a recorder
	 * that trusted it read frames without the GIL and crashed. Released and held. */
	char *dir = record_python_with("3", NULL, "subinterpreter");
	assert_call_sites(dir, 3);
	free(dir);
	dir = record_python_with("2", "KCT_PYDLL=1", "subinterpreter");
	assert_call_sites(dir, 2);
	free(dir);
}

Test(python, no_code_of_the_program_runs_while_frames_are_read)
{
	/* The JIT object's constexprs comes from a __getattr__ here: code of the program's, which
	 * could let the GIL go (I/O) while another thread's frames are being read. kcprof reads
	 * the instance's own dict only: the attribute is not found (the constexpr then reads as a
	 * value Triton made a constant) and the code never runs. */
	need_python_310();
	char *dir = kct_tmpdir(), marker[4400];
	snprintf(marker, sizeof(marker), "KCT_PROPERTY_FILE=%s.ran", dir);
	char *rec = record_python("2", marker);
	struct kca_model m;
	load_model(&m, rec);
	unsigned with_args = 0;
	for (unsigned i = 0; i < m.nloads; i++)
		with_args += m.loads[i].ntriton_args == 3 &&
			     strcmp(m.loads[i].triton_args[2], "MAX_LEN\tspecialized\t50") > 0;
	cr_assert_eq(with_args, 2, "the arguments are read all the same");
	kca_model_free(&m);
	cr_assert_eq(access(marker + strlen("KCT_PROPERTY_FILE="), F_OK), -1,
		     "the program's __getattr__ ran inside kcprof");
	free(rec);
	free(dir);
}

static char out[1 << 20];

Test(python, report_names_the_line_and_the_constexpr)
{
	need_python_310();
	char *dir = record_python("4", NULL);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	char want[256];
	int line = call_line();
	snprintf(want, sizeof(want), "    called from " LOADER ":%d in serve (4 loads)\n", line);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, " 1. fill_mask  [Triton]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "changed: MAX_LEN (tl.constexpr): 4 values, 500..503"), "%s", out);
	snprintf(want, sizeof(want), "             at " LOADER ":%d in serve\n", line);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, "n % 16 == 0 (divisibility): no, yes"), "%s", out);
	/* JSON: the call sites, and dump shows the records */
	char cmd[8192];
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json %s | python3 -c \"import json,sys; k=json.load(sys.stdin)"
	    "['kernels'][0]; assert k['call_sites']==[{'where':'%s:%d','function':'serve',"
	    "'loads':4}], k['call_sites']; a=[v['triton_args'] for v in k['variant_list']];"
	    " assert [x[2]['value'] for x in a]==['500','501','502','503'] and a[0][2]['kind']=="
	    "'constexpr' and a[0][1]=={'name':'n','kind':'i32','value':''}, a\"",
	    kct_cli(), dir, LOADER, line);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "type=callsite ") && strstr(out, "for=module_load"), "%s", out);
	free(dir);
}

Test(python, off_with_kcprof_python_0)
{
	char *dir = record_python("2", "KCPROF_PYTHON=0");
	struct kca_model m;
	load_model(&m, dir);
	cr_assert_eq(m.nloads, 2);
	for (unsigned i = 0; i < m.nloads; i++)
		cr_assert_eq(m.loads[i].npy_frames + m.loads[i].ntriton_args, 0);
	cr_assert_neq(m.families[0].front_end, KCA_FE_TRITON, "no JIT frames: PTX as it is");
	kca_model_free(&m);
	free(dir);
}

Test(python, the_programs_line_among_library_frames)
{
	/* torch.compile: the load comes from Inductor's generated module (its cache anywhere),
	 * below Dynamo's and Inductor's frames; the program's line is further out */
	const char *frames[] = {
	    "/v/lib/python3.12/site-packages/torch/_inductor/runtime/"
	    "triton_heuristics.py\t88\tload",
	    "/root/out/gpu/ic_static/js/cjsm2uonjpo7mnv6tx5eeyaocu2yoczmmtjgpoqow3uq2pyofhyv.py\t66"
	    "\t<module>",
	    "<frozen importlib._bootstrap>\t241\t_call_with_frames_removed",
	    "/usr/lib/python3.12/contextlib.py\t81\tinner",
	    "/w/tests/gpu/torch_compile_seqlen.py\t40\tstep",
	    "/w/tests/gpu/torch_compile_seqlen.py\t60\tmain"};
	char where[512], func[128];
	cr_assert_eq(kca_user_frame(frames, 6, "/w", where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(where, "tests/gpu/torch_compile_seqlen.py:40");
	cr_assert_str_eq(func, "step");
	/* outside the process's directory the path stays whole; all library: the innermost */
	cr_assert_eq(
	    kca_user_frame(frames + 4, 1, "/elsewhere", where, sizeof(where), func, sizeof(func)),
	    0);
	cr_assert_str_eq(where, "/w/tests/gpu/torch_compile_seqlen.py:40");
	cr_assert_eq(kca_user_frame(frames, 2, NULL, where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(func, "load");
	/* a file named like a module but in no two-letter directory of its name is the program's */
	const char *own[] = {"/w/cjsm2uonjpo7mnv6tx5eeyaocu2yoczmmtjgpoqow3uq2pyofhyv.py\t3\tf"};
	cr_assert_eq(kca_user_frame(own, 1, "/w", where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(where, "cjsm2uonjpo7mnv6tx5eeyaocu2yoczmmtjgpoqow3uq2pyofhyv.py:3");
	cr_assert_eq(kca_user_frame(frames, 0, NULL, where, sizeof(where), func, sizeof(func)), -1);
}

Test(python, a_pool_workers_line_is_the_task_it_ran)
{
	/* Inductor's max-autotune compiles on a thread pool: no program frame on that thread; the
	 * task the pool ran, not the pool's own thread.py */
	const char *pool[] = {
	    "/v/lib/python3.12/site-packages/torch/_inductor/runtime/static_triton_launcher.py\t144"
	    "\tload_kernel",
	    "/v/lib/python3.12/site-packages/torch/_inductor/select_algorithm.py\t3464\tprecompile",
	    "/usr/lib/python3.12/concurrent/futures/thread.py\t58\t_WorkItem.run",
	    "/usr/lib/python3.12/concurrent/futures/thread.py\t92\t_worker",
	    "/usr/lib/python3.12/threading.py\t1010\tThread.run",
	    "/usr/lib/python3.12/threading.py\t1030\tThread._bootstrap"};
	char where[512], func[128];
	cr_assert_eq(kca_user_frame(pool, 6, "/w", where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(func, "precompile");
	/* the same with the standard library under lib64 (Fedora, RHEL) */
	const char *pool64[] = {
	    pool[0], pool[1],
	    "/usr/lib64/python3.12/concurrent/futures/thread.py\t58\t_WorkItem.run",
	    "/usr/lib64/python3.12/threading.py\t1030\tThread._bootstrap"};
	cr_assert_eq(kca_user_frame(pool64, 4, "/w", where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(func, "precompile");
	/* a stack cut short (ends in contextlib, not threading): no thread start, the innermost */
	const char *cut[] = {pool[0], pool[1], "/usr/lib/python3.12/contextlib.py\t81\tinner"};
	cr_assert_eq(kca_user_frame(cut, 3, "/w", where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(func, "load_kernel");
	/* a program installed in site-packages, below a standard-library wrapper: the program's */
	const char *installed[] = {
	    "/v/lib/python3.12/site-packages/triton/runtime/jit.py\t700\trun",
	    "/usr/lib/python3.12/contextlib.py\t81\tinner",
	    "/v/lib/python3.12/site-packages/vllm/worker.py\t12\tstep",
	    "/usr/lib/python3.12/threading.py\t1030\tThread._bootstrap"};
	cr_assert_eq(kca_user_frame(installed, 4, "/w", where, sizeof(where), func, sizeof(func)),
		     0);
	cr_assert_str_eq(func, "step");
	/* a program of its own under a lib/python3 directory is no standard library */
	const char *own[] = {"/v/lib/python3.12/site-packages/torch/x.py\t1\tf",
			     "/home/u/lib/python3/app/model.py\t7\tforward"};
	cr_assert_eq(kca_user_frame(own, 2, "/w", where, sizeof(where), func, sizeof(func)), 0);
	cr_assert_str_eq(func, "forward");
}

Test(python, record_no_python_leaves_the_frames_out)
{
	need_python_310();
	for (int off = 0; off < 2; off++) {
		char *dir = kct_tmpdir(), cmd[8192];
		snprintf(cmd, sizeof(cmd),
			 "LD_LIBRARY_PATH=%s/tests/lib KCPROF_CUPTI=0 %s record -q %s -o %s -- "
			 "python3 %s 2 >%s.log 2>&1",
			 kct_build(), kct_cli(), off ? "--no-python" : "", dir, LOADER, dir);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		struct kca_model m;
		load_model(&m, dir);
		unsigned frames = 0;
		for (unsigned i = 0; i < m.nloads; i++)
			frames += m.loads[i].npy_frames > 0;
		cr_assert_eq(frames, off ? 0 : 2, "%s: %u loads with frames", cmd, frames);
		kca_model_free(&m);
		free(dir);
	}
}

Test(python, a_load_under_the_programs_own_lock_never_waits_for_the_gil)
{
	/* The load holds a lock of the program's with the GIL released; the GIL's holder waits
	 * for that lock. A recorder that took the GIL in the hook would hang here for good: this
	 * one's reader thread gives up after 20 ms and the load goes on. */
	char *dir = kct_tmpdir(), libs[4200], lib[4200];
	snprintf(libs, sizeof(libs), "LD_LIBRARY_PATH=%s/tests/lib", kct_build());
	snprintf(lib, sizeof(lib), "%s/tests/lib", kct_build());
	const char *env[] = {libs, "KCPROF_CUPTI=0", NULL};
	const char *argv[] = {"/usr/bin/timeout",	  "20", "python3",
			      "tests/progs/py_locked.py", lib,	NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d (124: it hung): see %s.log", st,
		  dir);
	struct kca_model m;
	load_model(&m, dir);
	cr_assert_eq(m.nloads, 1, "the load is recorded");
	kca_model_free(&m);
	free(dir);
}

/* ---- what the analyzer makes of Triton's arguments: traces written here ----------------- */

#include "../common/kc_record.h"

/* A trace of kernel k loaded once a variant, each load after a CALLSITE record of one frame
 * ("/w/app.py", line lines[v], function "f") and args[v] (arguments joined by '|', fields by
 * ','), in a process whose directory is /w. */
static char *write_args_trace(unsigned n, const char *const *args, const int *lines)
{
	char *dir = kct_tmpdir();
	FILE *f = kct_trace_create(dir, 0);
	_Alignas(8) uint8_t mem[4096];
	struct kc_recbuf rb;
	struct kc_rec_process p = {0};
	kc_rb_init(&rb, mem, sizeof(mem), sizeof(p));
	p.pid = 1;
	p.exe = kc_rb_str(&rb, "/usr/bin/python3");
	p.cwd = kc_rb_str(&rb, "/w");
	size_t sz = kc_rb_finish(&rb, &p, KC_REC_PROCESS, 1, 1);
	fwrite(kc_rb_data(&rb), 1, sz, f);
	kc_rb_release(&rb);
	for (unsigned v = 0; v < n; v++) {
		struct kc_rec_callsite cs = {.for_type = KC_REC_MODULE_LOAD};
		kc_rb_init(&rb, mem, sizeof(mem), sizeof(cs));
		char frame[64], arg[256];
		snprintf(frame, sizeof(frame), "/w/app.py\t%d\tf", lines[v]);
		kc_rb_list_begin(&rb);
		kc_rb_list_add(&rb, frame);
		cs.frames = kc_rb_list_end(&rb);
		kc_rb_list_begin(&rb);
		for (const char *a = args[v]; *a;) {
			size_t len = strcspn(a, "|");
			snprintf(arg, sizeof(arg), "%.*s", (int)len, a);
			for (char *c = arg; *c; c++)
				*c = *c == ',' ? '\t' : *c;
			kc_rb_list_add(&rb, arg);
			a += len + (a[len] == '|');
		}
		cs.args = kc_rb_list_end(&rb);
		sz = kc_rb_finish(&rb, &cs, KC_REC_CALLSITE, 1, 10 + 2 * v);
		fwrite(kc_rb_data(&rb), 1, sz, f);
		kc_rb_release(&rb);
		struct kc_rec_module_load ml = {0};
		kc_rb_init(&rb, mem, sizeof(mem), sizeof(ml));
		ml.hash = 0x100 + v;
		ml.size = 4096;
		ml.api = KC_API_MODULE_LOAD_DATA;
		ml.kind = KC_IMAGE_CUBIN;
		ml.handle = 0x1000 + v;
		kc_rb_list_begin(&rb);
		kc_rb_list_add(&rb, "k");
		ml.names = kc_rb_list_end(&rb);
		sz = kc_rb_finish(&rb, &ml, KC_REC_MODULE_LOAD, 1, 11 + 2 * v);
		fwrite(kc_rb_data(&rb), 1, sz, f);
		kc_rb_release(&rb);
	}
	fclose(f);
	return dir;
}

Test(python, what_changed_from_tritons_arguments)
{
	static const int lines[] = {3, 3};
	struct {
		const char *args[2];
		const char *want[3]; /* in the report; NULL: no more */
		const char *not_want;
	} cases[] = {
	    /* an int that is 1 in one call: specialised to the constant, nothing about 16 */
	    {{"n,specialized,1", "n,i32,"},
	     {"changed: n == 1 (equals_one): yes, no", "do_not_specialize=[\"n\"]", NULL},
	     "divisibility"},
	    /* an optional tensor: None, then a tensor */
	    {{"bias_ptr,specialized,None", "bias_ptr,*fp16,D"},
	     {"changed: bias_ptr (type): None, *fp16", "bias_ptr is None in some calls", NULL},
	     "equals_one"},
	    /* a tensor's dtype */
	    {{"x_ptr,*fp16,D", "x_ptr,*bf16,D"},
	     {"changed: x_ptr (type): *fp16, *bf16", "comes in more than one dtype", NULL},
	     "no source or IR"},
	    /* a pointer's alignment */
	    {{"x_ptr,*fp16,D", "x_ptr,*fp16,"},
	     {"changed: x_ptr 16-byte aligned (divisibility): yes, no",
	      "specialises pointer x_ptr on its data's 16-byte alignment", NULL},
	     "int argument"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = write_args_trace(2, cases[i].args, lines);
		cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)),
			     0);
		for (int w = 0; w < 3 && cases[i].want[w]; w++)
			cr_assert(strstr(out, cases[i].want[w]), "case %zu: no '%s' in:\n%s", i,
				  cases[i].want[w], out);
		cr_assert(!strstr(out, cases[i].not_want), "case %zu: '%s' in:\n%s", i,
			  cases[i].not_want, out);
		cr_assert(strstr(out, "called from app.py:3 in f (2 loads)"), "%s", out);
		free(dir);
	}
}

Test(python, call_sites_most_loads_first_and_how_many_more)
{
	/* five lines: 1, 2 and 3 load once, 4 and 5 ten times each */
	const char *args[23];
	int lines[23];
	unsigned n = 0;
	for (int site = 1; site <= 5; site++)
		for (int k = 0; k < (site <= 3 ? 1 : 10); k++) {
			args[n] = "MAX_LEN,constexpr,7";
			lines[n++] = site;
		}
	char *dir = write_args_trace(n, args, lines);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "    called from app.py:4 in f (10 loads), app.py:5 in f (10 loads), "
			      "app.py:1 in f (1 load), and 2 more\n"),
		  "%s", out);
	free(dir);
}

/* tests/progs/py_nvrtc.py 3 [OPTION [OPTION2]] under the recorder. */
static char *record_py_nvrtc2(const char *option, const char *option2)
{
	char *dir = kct_tmpdir(), libs[4200];
	snprintf(libs, sizeof(libs), "LD_LIBRARY_PATH=%s/tests/lib", kct_build());
	const char *env[] = {libs, "KCPROF_CUPTI=0", NULL};
	const char *argv[] = {"/usr/bin/env", "python3", "tests/progs/py_nvrtc.py", "3", option,
			      option2,	      NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "py_nvrtc.py failed (%d): see %s.log", st,
		  dir);
	return dir;
}

static char *record_py_nvrtc(const char *option)
{
	return record_py_nvrtc2(option, NULL);
}

/* NVRTC called from Python (tests/progs/py_nvrtc.py): each compile carries the Python line
 * that asked for it, and the report names it beside the load's, and at the -D that changed. */
Test(python, a_compile_carries_the_python_line_that_asked_for_it)
{
	need_python_310();
	const char *prog = "tests/progs/py_nvrtc.py";
	int compile_line = kct_line_of(prog, "# the compile's line"),
	    load_line = kct_line_of(prog, "# the load's line");
	cr_assert(compile_line > 0 && load_line > 0);
	char *dir = record_py_nvrtc(NULL);
	struct kca_model m;
	load_model(&m, dir);
	cr_assert_eq(m.ncompiles, 3);
	char want[128], where[512], func[128];
	snprintf(want, sizeof(want), "%s:%d", prog, compile_line);
	for (unsigned i = 0; i < m.ncompiles; i++) {
		const struct kca_compile *o = &m.compiles[i];
		cr_assert_geq(o->npy_frames, 2, "compile %u: %u frames", i, o->npy_frames);
		cr_assert_eq(o->nnative_frames, 0);
		cr_assert_eq(kca_compile_call_site(&m, o, where, sizeof(where), func, sizeof(func)),
			     0);
		cr_assert_str_eq(where, want);
		cr_assert_str_eq(func, "compile_ptx");
	}
	snprintf(want, sizeof(want), "%s:%d", prog, load_line);
	cr_assert_eq(m.nloads, 3);
	for (unsigned i = 0; i < m.nloads; i++) {
		cr_assert_eq(
		    kca_load_call_site(&m, &m.loads[i], where, sizeof(where), func, sizeof(func)),
		    0, "the load's own frames, not the compile's");
		cr_assert_str_eq(where, want);
		cr_assert_str_eq(func, "load");
	}
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	char line[256];
	snprintf(line, sizeof(line), "    called from %s:%d in load (3 loads)\n", prog, load_line);
	cr_assert(strstr(out, line), "%s", out);
	snprintf(line, sizeof(line), "    compiled from %s:%d in compile_ptx (3 compiles)\n", prog,
		 compile_line);
	cr_assert(strstr(out, line), "%s", out);
	snprintf(line, sizeof(line),
		 "changed: MAX_LEN (-D option): 3 values, 500..502\n             at %s:%d in "
		 "compile_ptx\n",
		 prog, compile_line);
	cr_assert(strstr(out, line), "%s", out);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "%s report --json %s | python3 -c \"import json,sys; k=json.load(sys.stdin)"
		 "['kernels'][0]; assert k['compile_sites']==[{'where':'%s:%d','function':"
		 "'compile_ptx','compiles':3}], k['compile_sites']; assert k['call_sites'][0]"
		 "['where']=='%s:%d', k; assert k['changed'][0]['where']=='%s:%d in compile_ptx'\"",
		 kct_cli(), dir, prog, compile_line, prog, load_line, prog, compile_line);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert(!strstr(out, "never loaded"), "%s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"dump", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "for=compile"), "%s", out);
	free(dir);
}

/* Builds no load took: listed by program, with their time, line and the -D that changed. */
Test(python, compiles_never_loaded_are_reported)
{
	need_python_310();
	const char *prog = "tests/progs/py_nvrtc.py";
	int compile_line = kct_line_of(prog, "# the compile's line");
	char *dir = record_py_nvrtc("noload"), want[256];
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "0 kernels, 0 with recompilation churn\n"), "%s", out);
	snprintf(want, sizeof(want),
		 "\ncompiled but never loaded:\n  fill_mask.cu (NVRTC) 3×, %%s, compiled from "
		 "%s:%d in compile_ptx\n    changed: MAX_LEN (-D option): 3 values, 500..502\n",
		 prog, compile_line);
	char *at = strstr(out, "\ncompiled but never loaded:\n  fill_mask.cu (NVRTC) 3×, ");
	cr_assert(at, "%s", out);
	char ms[32] = "";
	cr_assert_eq(sscanf(strstr(at, "3×, ") + strlen("3×, "), "%31[^,]", ms), 1);
	char expect[512];
	snprintf(expect, sizeof(expect), want, ms);
	cr_assert(strstr(out, expect), "want %s in %s", expect, out);
	char cmd[8192];
	snprintf(
	    cmd, sizeof(cmd),
	    "%s report --json %s | python3 -c \"import json,sys; u=json.load(sys.stdin)"
	    "['unloaded_compiles']; assert len(u)==1 and u[0]['compiles']==3 and u[0]['tool']=="
	    "'nvrtc' and u[0]['where']=='%s:%d' and u[0]['changed'].startswith('MAX_LEN') and "
	    "u[0]['compile_ms']>0, u\"",
	    kct_cli(), dir, prog, compile_line);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(dir);
}

Test(python, a_cubin_loaded_from_python_without_triton_is_no_triton_kernel)
{
	/* py_nvrtc.py 2 cubins: a Python program loads two cubins of kern_step from memory, no
	 * compile and no Triton frame on its stack (PyTorch's jiterator loading what it cached):
	 * a cubin, not a Triton kernel, though Triton loads its builds just so */
	char *dir = record_py_nvrtc("cubins");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. kern_step  [cubin]  "), "%s", out);
	cr_assert_null(strstr(out, "[Triton]"), "%s", out);
	free(dir);
}

Test(python, a_value_written_into_nvrtc_source_text_is_named)
{
	/* py_nvrtc.py 3 text: the value in the program's text, its options alike: the line of
	 * the source that changed, its values, and a fix that says the text changes */
	char *dir = record_py_nvrtc("text");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out,
			 "changed: source line 1 (source): 3 values, 500..502\n"
			 "             in extern \"C\" __global__ void fill_mask(int *m) { m[0] = "
			 "500; }\n"),
		  "%s", out);
	cr_assert(strstr(out, "fix: the program's source text changes between compiles"), "%s",
		  out);
	cr_assert_null(strstr(out, "UNUSED"), "options alike are no change: %s", out);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--json", dir, NULL}, out, sizeof(out)),
		     0);
	cr_assert(strstr(out, "\"kind\": \"source\""), "%s", out);
	free(dir);
}

Test(python, a_bool_constexpr_is_a_flag)
{
	/* py_loader.py 4 flag: HAS_BIAS, a bool tl.constexpr, True and False by turns: two
	 * builds, each once, is what a flag costs; not "a new value now and then: bucket it" */
	need_python_310();
	char *dir = record_python_with("4", NULL, "flag");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. add_bias  [Triton]  a few variants\n"), "%s", out);
	cr_assert(strstr(out, "changed: HAS_BIAS (tl.constexpr): True, False\n"),
		  "no launch made, none said to be new: %s", out);
	cr_assert(strstr(out, "fix: HAS_BIAS is a flag (True, False): a build for each, once"),
		  "%s", out);
	cr_assert_null(strstr(out, "bucket"), "%s", out);
	free(dir);
}

Test(python, an_int_past_2_31_is_typed_i64)
{
	/* py_loader.py 12 offset: copy_block's int base, a block's offset into a pool, 2**28 a
	 * step: Triton types it i32 up to 2**31-1 and i64 from the ninth step on, two builds.
	 * Its divisibility never changes: the width is what the report names. */
	need_python_310();
	char *dir = record_python_with("12", NULL, "offset");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(
	    strstr(out, " 1. copy_block  [Triton]  a few variants\n    2 variants in 2 loads"),
	    "%s", out);
	cr_assert(strstr(out, "changed: base (type): i32, i64\n"), "%s", out);
	cr_assert(strstr(out, "fix: Triton types the int argument base by its value: i32 up to "
			      "2**31-1, i64 past it"),
		  "%s", out);
	cr_assert_null(strstr(out, "divisibility"), "%s", out);
	free(dir);
}

Test(python, a_source_written_per_type_is_a_few_variants)
{
	/* py_nvrtc.py 3 types: as CuPy's ElementwiseKernel, one text per dtype, float16's with a
	 * definition added before its typedef (which a line diff pairs with the typedef line):
	 * the types named, not the definition; a compile a type is what a generated kernel
	 * costs, not churn */
	char *dir = record_py_nvrtc("types");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. fill_mask  [NVRTC]  a few variants\n"), "%s", out);
	cr_assert(strstr(out, "changed: source line 1 (source): float, float16, double\n"), "%s",
		  out);
	cr_assert(strstr(out, "fix: the program writes its source for each type (float, float16, "
			      "double: typedef float T;)"),
		  "%s", out);
	free(dir);
}

Test(python, an_empty_program_compiled_with_a_builds_options_is_part_of_it)
{
	/* py_nvrtc.py 3 probe: as CuPy, each new -D compiled first as an empty program (its
	 * cache key: the compiler's version), never loaded, then the program: both are the
	 * kernel's build, not "compiled but never loaded" */
	char *dir = record_py_nvrtc("probe");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. fill_mask  [NVRTC]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "(6 compiles)\n"), "%s", out);
	cr_assert(strstr(out, "building (6 NVRTC compiles "), "%s", out);
	cr_assert(strstr(out, "each new value cost two compiles"), "%s", out);
	cr_assert(strstr(out, "changed: MAX_LEN (-D option): 3 values, 500..502\n"), "%s", out);
	cr_assert_null(strstr(out, "never loaded"), "%s", out);
	free(dir);
}

Test(python, a_probe_before_a_cached_image_is_its_build)
{
	/* py_nvrtc.py 3 probe cached: CuPy's disk cache warm: each new -D still compiles the
	 * empty program, and the image its cache held is loaded right after on the thread: the
	 * probe is that image's build, the -D read from it, the cache said */
	char *dir = record_py_nvrtc2("probe", "cached");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. fill_mask  [NVRTC]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "building (3 NVRTC compiles "), "%s", out);
	cr_assert(strstr(out, "changed: MAX_LEN (-D option): 3 values, 500..502\n"), "%s", out);
	cr_assert(strstr(out, "the images came from the program's"), "%s", out);
	cr_assert_null(strstr(out, "never loaded"), "%s", out);
	free(dir);
}

Test(python, a_dtype_constexpr_is_named_and_a_few_variants)
{
	/* py_loader.py 9 dtype: OUT_DTYPE a dtype object (as Triton's tl.float16: its name and
	 * width in its __dict__), fp16, bf16, fp32 by turns: the recorder names each (before,
	 * "?"), and a build per dtype is a few variants, not a value to make a runtime argument */
	need_python_310();
	char *dir = record_python_with("9", NULL, "dtype");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, " 1. cast_out  [Triton]  a few variants\n"), "%s", out);
	cr_assert(strstr(out, "changed: OUT_DTYPE (tl.constexpr): fp16, bf16, fp32\n"), "%s", out);
	cr_assert(strstr(out, "fix: OUT_DTYPE is a dtype (fp16, bf16, fp32)"), "%s", out);
	cr_assert_null(strstr(out, "runtime argument"), "%s", out);
	free(dir);
}

Test(python, a_probe_before_a_file_load_stays_unloaded)
{
	/* py_nvrtc.py 3 probe file: the same compiles, then images the program loads from files
	 * (cuModuleLoad): a cache that hands the driver memory is what a probe is given to; a
	 * file is the program's own, so the compiles stay "compiled but never loaded" */
	char *dir = record_py_nvrtc2("probe", "file");
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "compiled but never loaded:\n"), "%s", out);
	cr_assert_null(strstr(out, "NVRTC compiles "), "%s", out);
	free(dir);
}

Test(python, jax_jit_kernels_are_their_functions_and_their_ptx_compared)
{
	/* py_jax.py: the stand-in jax.jit compiles `body` for three sizes (a number in its PTX,
	 * 1000 to 1002), ptxas run on a temporary PTX file as XLA runs it, then `other` once
	 * (the same cubin as body's first). Both kernels are named kern_step, as XLA names its
	 * kernels alike (loop_add_fusion) in every function: read as jit_body/kern_step, three
	 * builds that churn, the number found in the PTX ptxas was given, and jit_other/kern_step,
	 * one build, fine. Before, one kern_step of three images, "no source or IR". */
	char *dir = kct_tmpdir();
	char libs[4200], ptxas[4200];
	snprintf(libs, sizeof(libs), "LD_LIBRARY_PATH=%s/tests/lib", kct_build());
	snprintf(ptxas, sizeof(ptxas), "KCT_PTXAS=%s/tests/bin/ptxas", kct_build());
	const char *env[] = {libs, ptxas, "KCPROF_CUPTI=0", NULL};
	const char *argv[] = {"/usr/bin/env", "python3", "tests/progs/py_jax.py", kct_data(), NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "py_jax.py failed: see %s.log", dir);
	struct kca_model m;
	load_model(&m, dir);
	const struct kca_family *body = NULL, *other = NULL;
	for (unsigned i = 0; i < m.nfamilies; i++) {
		cr_assert_str_neq(m.families[i].name, "kern_step", "no kernel of both functions");
		if (strcmp(m.families[i].name, "jit_body/kern_step") == 0)
			body = &m.families[i];
		if (strcmp(m.families[i].name, "jit_other/kern_step") == 0)
			other = &m.families[i];
	}
	cr_assert(body && other);
	cr_assert_eq(body->nvariants, 3);
	cr_assert_eq(body->front_end, KCA_FE_JAX);
	cr_assert_eq(body->verdict, KCA_SPECIALIZATION_CHURN);
	cr_assert_eq(body->launches, 12, "its launches found by its module: %lu",
		     (unsigned long)body->launches);
	cr_assert_eq(other->nvariants, 1);
	cr_assert_eq(other->verdict, KCA_FINE);
	cr_assert_eq(other->launches, 4);
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, ". jit_body/kern_step  [JAX]  specialization churn\n"), "%s", out);
	cr_assert(strstr(out, "changed: PTX line 13 (ptx): 3 values, 1000..1002\n"
			      "             in setp.lt.s32"),
		  "%s", out);
	cr_assert(strstr(out, "(3 builds of this kernel; PTX line 13: 3 values, 1000..1002)"), "%s",
		  out);
	cr_assert(strstr(out, "fix: jax.jit compiled body again for each new shape or dtype of its "
			      "inputs"),
		  "%s", out);
	cr_assert_null(strstr(out, "no source or IR"), "%s", out);
	/* mm: XLA's autotuner's two candidates, loaded on a thread without Python, counted to
	 * the function compiling: an autotune sweep of jit_mm's kernel, not churn; the Python
	 * frames of the chosen config's load name the call */
	cr_assert(strstr(out, "/triton_poi_fused__scaled_dot_product_cudnn_attention") &&
		      strstr(out, "[JAX]  autotune sweep\n    2 variants in 3 loads"),
		  "%s", out);
	cr_assert(strstr(out, "fix: XLA's autotuner built and timed 2 candidate configs of this "
			      "kernel while it compiled mm:"),
		  "%s", out);
	/* again: three compiles into one image, each loaded and launched: reload churn, the
	 * loads counted as compiles of the function */
	cr_assert(strstr(out, "jit_again/kern_step  [JAX]  reload churn"), "%s", out);
	cr_assert(strstr(out, "fix: XLA loaded the same image of this kernel 3 times (again)"),
		  "%s", out);
	free(dir);
}

Test(python, jax_kernels_get_their_gpu_time_by_xlas_name_where_one_function_has_it)
{
	/* py_jax.py under --gpu-time (the stand-in CUPTI, 1 us a run): CUPTI names a kernel as XLA
	 * did; jit_mm's kernel, the only one of that name, gets its 8 runs' time; kern_step, in
	 * both body and other, none (whose time is whose is unknown) */
	char *dir = kct_tmpdir(), cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "LD_LIBRARY_PATH=%s/tests/lib KCT_PTXAS=%s/tests/bin/ptxas "
		 "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13 %s record -q --gpu-time -o %s -- "
		 "python3 tests/progs/py_jax.py %s > %s.log 2>&1",
		 kct_build(), kct_build(), kct_build(), kct_cli(), dir, kct_data(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", "--all", dir, NULL}, out, sizeof(out)),
		     0);
	const char *mm = strstr(out, ". jit_mm/"), *body = strstr(out, ". jit_body/kern_step");
	cr_assert(mm && body, "%s", out);
	/* each kernel's block ends at a blank line */
	const char *next = strstr(mm, "\n\n");
	const char *gpu = strstr(mm, "GPU: 1.0 µs a run (1.0 µs..1.0 µs, 8 timed)");
	cr_assert(gpu && (!next || gpu < next), "%s", out);
	const char *body_end = strstr(body, "\n\n");
	const char *body_gpu = strstr(body, "GPU: ");
	cr_assert(!body_gpu || (body_end && body_gpu > body_end), "%s", out);
	free(dir);
}
