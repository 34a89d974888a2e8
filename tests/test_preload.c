/* test_preload.c - the recorder against the stand-in driver: every path a program takes to
 * the driver, threads, fork, exec, NVRTC, CUPTI, and that the program sees no difference. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cuda.h>

#include "../common/kc_hash.h"
#include "kct.h"

static char bin[4096];
static const char *prog(const char *name)
{
	snprintf(bin, sizeof(bin), "%s/tests/bin/%s", kct_build(), name);
	return bin;
}

static char data_env[4200];
static const char *const *base_env(void)
{
	static const char *env[4];
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	env[0] = data_env;
	env[1] = "KCPROF_CUPTI=0";
	env[2] = NULL;
	return env;
}

static struct kct_result *run_paths(const char *mode)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "paths", mode, NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "drv_client paths %s exited %d (see %s.log)", mode, WEXITSTATUS(st), dir);
	return kct_read(dir);
}

/* What the scenario in drv_client.c makes, whichever path it takes. */
static void check_scenario(const struct kct_result *r, uint16_t path)
{
	cr_assert_eq(r->problems, 0);
	cr_assert_eq(r->nprocs, 1);
	cr_assert_eq(r->nends, 1, "the trace ends with an END record");
	/* 2 loads of sample.cubin + 3 PTX variants + 1 failed load */
	cr_assert_eq(r->nloads, 6, "loads: %d", r->nloads);
	cr_assert_eq(kct_count_loads(r, KC_API_MODULE_LOAD_DATA), 5);
	cr_assert_eq(kct_count_loads(r, KC_API_MODULE_LOAD_DATA_EX), 1);
	size_t size;
	char path_buf[4096];
	snprintf(path_buf, sizeof(path_buf), "%s/sample.cubin", kct_data());
	char *cubin = kct_read_file(path_buf, &size);
	uint64_t cubin_hash = kc_hash64(cubin, size);
	free(cubin);
	int cubin_loads = 0;
	for (int i = 0; i < r->nloads; i++) {
		const struct kct_load *l = &r->loads[i];
		cr_assert_eq(l->path, path, "load %d path %u", i, l->path);
		if (l->hash == cubin_hash) {
			cubin_loads++;
			cr_assert_eq(l->kind, KC_IMAGE_CUBIN);
			cr_assert_eq(l->size, size);
			cr_assert_str_eq(l->names, "_Z10kern_scalePffi,kern_add");
			cr_assert(l->flags & KC_MODF_STORED);
		}
	}
	cr_assert_eq(cubin_loads, 2, "the same cubin loaded twice, hashed the same");
	cr_assert_eq(kct_distinct_hashes(r, "fill_mask"), 3, "three PTX variants");
	for (int i = 0; i < r->nloads; i++)
		if (strstr(r->loads[i].names, "fill_mask")) {
			cr_assert_eq(r->loads[i].kind, KC_IMAGE_PTX);
			cr_assert_geq(r->loads[i].duration, 1000000,
				      "the PTX JIT (2 ms in the stand-in) is timed");
		}
	int bad = 0;
	for (int i = 0; i < r->nloads; i++)
		bad += r->loads[i].result == CUDA_ERROR_INVALID_IMAGE;
	cr_assert_eq(bad, 1, "the refused load is recorded with its error");
	uint16_t paths;
	uint64_t attrs;
	cr_assert_eq(kct_launches(r, "kern_add", &paths, NULL), 10);
	cr_assert_eq(paths, path);
	cr_assert_eq(kct_launches(r, "_Z10kern_scalePffi", NULL, NULL), 5);
	cr_assert_eq(kct_launches(r, "fill_mask", NULL, &attrs), 3);
	cr_assert_eq(attrs, 1ull << 6, "PDL seen on fill_mask launches");
	for (int i = 0; i < r->nstats; i++)
		for (int j = 0; j < r->nfuncs; j++)
			if (r->funcs[j].id == r->stats[i].func_id &&
			    !strcmp(r->funcs[j].name, "_Z10kern_scalePffi")) {
				cr_assert_eq(r->stats[i].nshapes, 2);
				cr_assert_eq(r->stats[i].shapes[0].grid[0], 8);
				cr_assert_eq(r->stats[i].shapes[0].count, 3);
				cr_assert_eq(r->stats[i].shapes[1].grid[0], 16);
				cr_assert_eq(r->stats[i].shapes[1].smem, 1024);
				cr_assert_eq(r->stats[i].shapes[1].count, 2);
			}
	cr_assert_eq(r->nunloads, 3);
}

Test(preload, exported_symbols)
{
	check_scenario(run_paths("symbol"), KC_PATH_SYMBOL);
}
Test(preload, dlsym_handle)
{
	check_scenario(run_paths("dlsym"), KC_PATH_DLSYM);
}
Test(preload, get_proc_address)
{
	check_scenario(run_paths("procaddr"), KC_PATH_PROCADDR);
}
Test(preload, get_proc_address_v1)
{
	check_scenario(run_paths("v1"), KC_PATH_PROCADDR);
}

Test(preload, get_proc_address_ptsz_kept_apart)
{
	struct kct_result *r = run_paths("procaddr_ptds");
	check_scenario(r, KC_PATH_PROCADDR);
	/* The per-thread-stream entry point was handed out and recorded: the launch stats came
	 * through the _ptsz wrapper (the stand-in counts the same launches either way). */
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 10);
}

Test(preload, threads_count_exactly)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "threads", "8", "5000", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 40000);
	cr_assert_eq(r->lost, 0);
	for (int i = 0; i < r->nstats; i++) {
		cr_assert_gt(r->stats[i].first_ns, 0);
		cr_assert_geq(r->stats[i].last_ns, r->stats[i].first_ns,
			      "last seen after first seen");
		cr_assert_gt(r->stats[i].last_ns, r->stats[i].first_ns,
			     "many launches: last seen later");
	}
}

Test(preload, counts_exact_through_thread_churn_and_flushes)
{
	/* Threads hold their counts; slots change hands (24 functions, 16 slots), threads end and
	 * their blocks serve the next wave, while flushes read every thread's every millisecond:
	 * no launch lost or counted twice, and no count ever goes back. */
	char *dir = kct_tmpdir();
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, "KCPROF_CUPTI=0", "KCPROF_FLUSH_MS=1", NULL};
	const char *argv[] = {prog("drv_client"), "churn", "3", "6", "24000", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->problems, 0);
	cr_assert_eq(r->nends, 1);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 3 * 6 * 24000);
	for (int i = 0; i < r->nstats; i++)
		cr_assert_eq(r->stats[i].count, 3 * 6 * 24000 / 24, "function %u: %lu launches",
			     r->stats[i].func_id, (unsigned long)r->stats[i].count);
	cr_assert_eq(r->count_decreases, 0, "counts are cumulative");
}

Test(preload, shapes_counted_per_shape_and_beyond_the_table)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "shapes", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->nstats, 1);
	const struct kct_stats *s = &r->stats[0];
	cr_assert_eq(s->count, 100);
	cr_assert_eq(s->nshapes, KC_MAX_SHAPES);
	unsigned seen = 0;
	for (unsigned i = 0; i < s->nshapes; i++) {
		cr_assert_eq(s->shapes[i].count, 10, "shape %u (grid %u): %lu", i,
			     s->shapes[i].grid[0], (unsigned long)s->shapes[i].count);
		seen |= 1u << s->shapes[i].grid[0];
	}
	cr_assert_eq(s->other_shapes, 20, "grids 9 and 10: 2 threads x 5 rounds each");
	cr_assert_eq(__builtin_popcount(seen), KC_MAX_SHAPES, "each shape once in the table");
}

Test(preload, fork_child_writes_its_own_trace)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "fork", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->files, 2, "parent and child each have a trace");
	cr_assert_eq(r->nprocs, 2);
	uint32_t parent = r->procs[0].ppid == r->procs[1].pid ? r->procs[1].pid : r->procs[0].pid;
	uint64_t pc = 0, cc = 0;
	for (int i = 0; i < r->nstats; i++)
		*(r->stats[i].pid == parent ? &pc : &cc) += r->stats[i].count;
	cr_assert_eq(pc, 9, "parent: 7 + 2 launches, got %lu", (unsigned long)pc);
	cr_assert_eq(cc, 3, "child: its own 3 launches, got %lu", (unsigned long)cc);
}

Test(preload, full_launch_records)
{
	char *dir = kct_tmpdir();
	const char *env[] = {data_env, "KCPROF_CUPTI=0", "KCPROF_LAUNCHES=full", NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *argv[] = {prog("drv_client"), "threads", "4", "300", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->nlaunches, 1200);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 1200);
}

Test(preload, library_and_kernel_handles)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "library", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(kct_count_loads(r, KC_API_LIBRARY_LOAD_DATA), 1);
	cr_assert_eq(kct_count_loads(r, KC_API_LIBRARY_LOAD_FROM_FILE), 1);
	cr_assert_eq(kct_count_loads(r, KC_API_MODULE_LOAD_FAT_BINARY), 1);
	for (int i = 0; i < r->nloads; i++) {
		cr_assert_eq(r->loads[i].kind, KC_IMAGE_FATBIN);
		cr_assert_str_eq(r->loads[i].names, "_Z10kern_scalePffi,kern_add");
	}
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 4,
		     "a function from cuKernelGetFunction carries its kernel's name");
}

Test(preload, module_load_from_file)
{
	char *dir = kct_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/sample.cubin", kct_data());
	const char *argv[] = {prog("drv_client"), "loadfile", path, NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->nloads, 2);
	cr_assert_str_eq(r->loads[0].file, path);
	cr_assert_eq(r->loads[0].kind, KC_IMAGE_CUBIN);
	cr_assert_str_eq(r->loads[0].names, "_Z10kern_scalePffi,kern_add");
	cr_assert_eq(r->loads[1].result, CUDA_ERROR_FILE_NOT_FOUND);
	cr_assert(r->loads[1].flags & KC_MODF_NO_IMAGE);
}

/* Each load says the device it went to, from the context current at the call; a load with no
 * context current says none. The driver's own calls leave errno as the program's left it. */
Test(preload, each_load_says_its_context_and_device)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "devices", "3", "2", "library", NULL};
	const char *env[] = {data_env, "KCPROF_CUPTI=0", "FAKE_KEEP_ERRNO=1", NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "drv_client devices: exit %d",
		  WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->problems, 0);
	cr_assert_eq(r->nloads, 9, "a device: two module loads and a library");
	for (int d = 0; d < 3; d++) {
		const struct kct_load *l = &r->loads[3 * d];
		for (int i = 0; i < 2; i++) {
			cr_assert_eq(l[i].device, d, "load %d on device %d", 3 * d + i,
				     l[i].device);
			cr_assert_neq(l[i].context, 0);
		}
		cr_assert_eq(l[0].context, l[1].context, "one context a device");
		cr_assert(l[2].flags & KC_MODF_LIBRARY);
		cr_assert_eq(l[2].device, -1, "a CUlibrary serves every context: none said");
		cr_assert_eq(l[2].context, 0);
	}
	cr_assert_neq(r->loads[0].context, r->loads[3].context);

	r = run_paths("symbol"); /* no context made current */
	for (int i = 0; i < r->nloads; i++)
		cr_assert_eq(r->loads[i].device, -1);
}

Test(preload, a_file_too_large_to_store_is_hashed_as_one_stored)
{
	/* KCPROF_MAX_IMAGE_MB=0: every file is hashed in pieces and not stored; its hash and
	 * kind must be those of the whole file, as a load of it from memory takes them */
	char *dir = kct_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/sample.cubin", kct_data());
	const char *env[] = {base_env()[0], base_env()[1], "KCPROF_MAX_IMAGE_MB=0", NULL};
	const char *argv[] = {prog("drv_client"), "loadfile", path, NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	size_t size;
	char *bytes = kct_read_file(path, &size);
	cr_assert_eq(r->loads[0].kind, KC_IMAGE_CUBIN);
	cr_assert_eq(r->loads[0].hash, kc_hash64(bytes, size));
	cr_assert_eq(r->loads[0].size, size);
	cr_assert_not(r->loads[0].flags & (KC_MODF_NO_IMAGE | KC_MODF_STORED));
	free(bytes);
}

/* The one compile recorded in dir hashed the file at out, of `size` bytes, whole. */
static void assert_output_hashed(const char *dir, const char *out, size_t size)
{
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 1);
	size_t got;
	char *bytes = kct_read_file(out, &got);
	cr_assert_eq(got, size);
	cr_assert_eq(r->compiles[0].output_hash, kc_hash64(bytes, got));
	free(bytes);
}

Test(preload, a_compilers_output_is_hashed_once_all_of_it_is_written)
{
	/* the stand-in ptxas leaves its -o file open with 100000 bytes in stdio's buffer: exit()
	 * writes them after the exit handlers, so the recorder flushes before it hashes */
	char *dir = kct_tmpdir();
	char out[4200];
	snprintf(out, sizeof(out), "%s.cubin", dir);
	const char *env[] = {base_env()[0], base_env()[1], "KCT_WRITE_OUTPUT=100000", NULL};
	const char *argv[] = {prog("ptxas"), "-o", out, NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_output_hashed(dir, out, 100000);
}

Test(preload, ptxas_input_ptx_is_stored_with_its_hash)
{
	/* ptxas run as XLA (JAX) runs it: ptxas IN -o OUT -arch sm_90a, IN a temporary PTX file
	 * with no extension. The compile record carries IN's hash and the trace IN's text, where
	 * the analyzer compares builds; a C file before it and -arch's value are not taken. Run
	 * on a C file alone, no input is recorded. */
	static const char ptx[] = "//\n// Generated by LLVM NVPTX Back-End\n//\n\n.version 8.7\n"
				  ".target sm_90a\n.address_size 64\n\n.visible .entry "
				  "loop_add_fusion(\n\t.param .u64 p0\n)\n{\n\tret;\n}\n";
	for (int with_ptx = 1; with_ptx >= 0; with_ptx--) {
		char *dir = kct_tmpdir();
		char in[4200], c_file[4200], out[4200], image[4400], hex[17];
		snprintf(in, sizeof(in), "%s.tempfile-vm-1", dir);
		snprintf(c_file, sizeof(c_file), "%s.c", dir);
		snprintf(out, sizeof(out), "%s.cubin", dir);
		kct_write_text(in, ptx);
		kct_write_text(c_file, "int x;\n");
		const char *env[] = {base_env()[0], base_env()[1], "KCT_WRITE_OUTPUT=100", NULL};
		const char *argv[] = {prog("ptxas"), c_file, with_ptx ? in : "-v",
				      "-o",	     out,    "-arch",
				      "sm_90a",	     NULL};
		int st = kct_run(dir, env, argv);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		struct kct_result *r = kct_read(dir);
		cr_assert_eq(r->ncompiles, 1);
		if (!with_ptx) {
			cr_assert_eq(r->compiles[0].input_hash, 0, "no PTX among the operands");
			continue;
		}
		uint64_t hash = kc_hash64(ptx, strlen(ptx));
		cr_assert_eq(r->compiles[0].input_hash, hash);
		snprintf(image, sizeof(image), "%s/images/%s.ptx", dir, kc_hash_hex(hash, hex));
		size_t size;
		char *text = kct_read_file(image, &size);
		cr_assert(text && size == strlen(ptx) && memcmp(text, ptx, size) == 0, "%s", image);
		free(text);
	}
}

Test(preload, a_compiler_run_as_nvcc_through_another_executable_is_one)
{
	/* ccache standing in for nvcc: its executable is not nvcc, the name it runs as is */
	char *dir = kct_tmpdir();
	char cmd[16384];
	snprintf(cmd, sizeof(cmd),
		 "D=%s; cp %s $D.ccache && KCT_WRITE_OUTPUT=5000 KCT_DATA=%s %s record -q "
		 "--no-cupti -o $D -- bash -c 'exec -a nvcc '$D'.ccache -o '$D'.out'",
		 dir, prog("ptxas"), kct_data(), kct_cli());
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	char out[4300];
	snprintf(out, sizeof(out), "%s.out", dir);
	assert_output_hashed(dir, out, 5000);
}

Test(preload, a_compilers_output_that_is_a_fifo_is_never_opened)
{
	/* ptxas -o FIFO while a writer waits to open it: opening it to hash would let the
	 * writer through, and its write would then break its pipe (SIGPIPE, 141) or go to
	 * kcprof, not to its reader. The writer is seen blocked in its open (the kernel's
	 * wait_for_partner, or openat in /proc's syscall) before ptxas runs. */
	char *dir = kct_tmpdir();
	char cmd[16384];
	snprintf(
	    cmd, sizeof(cmd),
	    "D=%s; mkfifo $D/ff && { (echo hi > $D/ff; echo $? > $D/rc) & } && W=$!; "
	    "case $(uname -m) in x86_64) OPENAT=257;; aarch64) OPENAT=56;; *) OPENAT=x;; esac; "
	    "seen=; for i in $(seq 1000); do "
	    "w=$(cat /proc/$W/wchan 2>/dev/null); c=$(cut -d' ' -f1 /proc/$W/syscall 2>/dev/null); "
	    "[ \"$w\" = wait_for_partner ] || [ \"$c\" = $OPENAT ] && { seen=1; break; }; "
	    /* where /proc cannot tell (hardened, gVisor): a while, as before */
	    "[ $i = 50 ] && [ \"$w\" = 0 -o -z \"$w\" ] && [ -z \"$c\" ] && { sleep 0.2; seen=1; "
	    "break; }; "
	    "sleep 0.01; done; "
	    "[ -n \"$seen\" ] || { cat $D/ff > /dev/null; exit 3; }; "
	    "KCT_DATA=%s %s record -q --no-cupti -o $D/t -- %s -o $D/ff; "
	    "timeout 5 cat $D/ff > $D/got; wait; "
	    "test \"$(cat $D/rc)\" = 0 && test \"$(cat $D/got)\" = hi",
	    dir, kct_data(), kct_cli(), prog("ptxas"));
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* host_client MODE [ARG] under a time limit, with the recorder (into dir) or without: its
 * output and exit status, as "...\nrc=N\n", into out. */
static void run_host(const char *mode, const char *arg, int recorded, const char *dir, char *out,
		     size_t cap)
{
	char env[8192] = "", cmd[16384], log[4200];
	if (recorded) {
		const char *san = getenv("KCT_SAN_PRELOAD");
		char *abs = realpath(kct_build(), NULL);
		snprintf(env, sizeof(env),
			 "LD_PRELOAD=%s%s%s/libkcprof.so KCPROF_OUT=%s KCPROF_CUPTI=0 "
			 "LD_LIBRARY_PATH=%s/tests/lib",
			 san && *san ? san : "", san && *san ? ":" : "", abs, dir, abs);
		free(abs);
	}
	snprintf(log, sizeof(log), "%s/%s.%s.out", dir, mode, recorded ? "recorded" : "plain");
	snprintf(
	    cmd, sizeof(cmd),
	    "KCT_DATA=%s ASAN_OPTIONS=detect_leaks=0 %s timeout -s KILL 60 %s %s %s > %s 2>&1; "
	    "echo rc=$? >> %s",
	    kct_data(), env, prog("host_client"), mode, arg ? arg : "", log, log);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	char *text = kct_read_file(log, NULL);
	cr_assert_not_null(text);
	snprintf(out, cap, "%s", text);
	free(text);
}

Test(preload, the_host_behaves_as_without_kcprof)
{
	/* each of these hung, crashed or wrote into the program's file with the recorder in */
	static const char *const modes[] = {"exit_in_handler", "cancel",     "main_exits",
					    "spawn_small",     "vfork_exec", "close_fds"};
	char *dir = kct_tmpdir();
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char file[4300];
		snprintf(file, sizeof(file), "%s/%s.file", dir, modes[i]);
		const char *arg = strcmp(modes[i], "close_fds") == 0 ? file : NULL;
		/* a handler's exit lands anywhere in the loop: several tries */
		int tries = strcmp(modes[i], "exit_in_handler") == 0 ? 10 : 1;
		for (int t = 0; t < tries; t++) {
			char plain[4096], recorded[4096];
			run_host(modes[i], arg, 0, dir, plain, sizeof(plain));
			run_host(modes[i], arg, 1, dir, recorded, sizeof(recorded));
			cr_assert(strstr(plain, "rc=0\n"), "%s without kcprof: %s", modes[i],
				  plain);
			cr_assert_str_eq(recorded, plain, "%s, try %d", modes[i], t);
		}
	}
	/* what the program did after closing every fd was still recorded, into the trace */
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL) >= 3, 1);
}

Test(preload, culink_compile)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "link", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 1);
	cr_assert_eq(r->compiles[0].tool, KC_TOOL_CULINK);
	cr_assert_neq(r->compiles[0].output_hash, 0);
	/* two inputs, stored and named by hash */
	cr_assert(strstr(r->compiles[0].inputs, ".ptx ") != NULL, "%s", r->compiles[0].inputs);
}

Test(preload, nvrtc_options_and_outputs)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("nvrtc_client"), "3", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "nvrtc_client failed, see %s.log", dir);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 4);
	for (int i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof(want), "-DMAX_LEN=%d --gpu-architecture=compute_90", 500 + i);
		cr_assert_str_eq(r->compiles[i].options, want);
		cr_assert_eq(r->compiles[i].tool, KC_TOOL_NVRTC);
		cr_assert_str_eq(r->compiles[i].name, "fill_mask.cu");
		cr_assert_eq(r->compiles[i].input_hash, r->compiles[0].input_hash, "one source");
		cr_assert_neq(r->compiles[i].output_hash, 0);
	}
	cr_assert_neq(r->compiles[0].output_hash, r->compiles[1].output_hash);
	cr_assert_eq(r->compiles[3].output_hash, r->compiles[0].output_hash,
		     "NVRTC's PTX is byte-identical for identical source and options");
	/* The PTX NVRTC made is the PTX the driver loaded. */
	for (int i = 0; i < 4; i++)
		cr_assert_eq(r->loads[i].hash, r->compiles[i].output_hash);
	cr_assert_eq(kct_launches(r, "fill_mask", NULL, NULL), 4);
}

Test(preload, compiler_child_recorded_with_its_parent)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "exec", prog("ptxas"), "-arch=sm_90", "3", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "the child's exit status passes through");
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 1,
		     "the child inherits the recorder through a fresh environment");
	cr_assert_eq(r->compiles[0].tool, KC_TOOL_EXEC);
	cr_assert_eq(r->compiles[0].result, 3, "exit status as on_exit saw it");
	cr_assert(strstr(r->compiles[0].options, "-arch=sm_90") != NULL);
	cr_assert_geq(r->compiles[0].duration, 15000000);
	int found = 0;
	for (int i = 0; i < r->nprocs; i++)
		if (r->procs[i].role == KC_ROLE_COMPILER)
			found = r->procs[i].nancestors >= 1;
	cr_assert(found, "the compiler child names its ancestors");
}

Test(preload, non_cuda_process_writes_nothing)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {"/bin/true", NULL};
	int st = kct_run(dir, NULL, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->files, 0);
}

Test(preload, probe_for_cuda_without_cuda_gets_null_and_writes_nothing)
{
	/* dlsym(RTLD_DEFAULT, "cuModuleLoad") finds kcprof's own export; with no driver in
	 * the process the answer must be NULL with dlsym's error, no CUPTI and no trace; a
	 * dlopen of libcuda with RTLD_NOLOAD opens nothing and starts nothing. */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("cuda_probe"), NULL};
	const char *env[] = {"KCPROF_CUPTI=1", "KCPROF_CUPTI_LIB=/nonexistent/libcupti.so.13",
			     "LD_LIBRARY_PATH=/nonexistent", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the probe found cuModuleLoad");
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->files, 0, "a process that never had CUDA wrote a trace");
	char logpath[4200];
	snprintf(logpath, sizeof(logpath), "%s.log", dir);
	char *log = kct_read_file(logpath, NULL);
	/* dlerror as without kcprof, up to the object it names (kcprof's, here) */
	cr_assert(log && strstr(log, "undefined symbol: cuModuleLoad\n"), "%s",
		  log ? log : "(no log)");
	cr_assert_null(strstr(log, "kcprof: "), "kcprof wrote to the program's stderr: %s", log);
	free(log);
}

Test(preload, refused_image_is_recorded_unread)
{
	/* An ELF header whose section table lies 16 TB out: the driver refuses it, and the
	 * recorder must not follow the header into memory that is not there. */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "badimage", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "drv_client badimage: status %d (%s.log)",
		  st, dir);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->nloads, 1);
	cr_assert_eq(r->loads[0].result, CUDA_ERROR_INVALID_IMAGE);
	cr_assert(r->loads[0].flags & KC_MODF_NO_IMAGE);
	cr_assert_eq(r->loads[0].hash, 0);
}

Test(preload, errno_kept_where_the_driver_leaves_it)
{
	/* The stand-in driver leaves errno alone: kcprof's first-touch work (subscribing to
	 * CUPTI, whose stand-in sets errno as the real one does) must not show in the program's
	 * errno, before or after the real call, by symbol, dlsym or cuGetProcAddress. */
	char cupti[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	const char *env[] = {data_env, "FAKE_KEEP_ERRNO=1", "KCPROF_CUPTI=1", cupti, NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	static const char *const modes[] = {"symbol", "procaddr", "dlsym"};
	for (int i = 0; i < 3; i++) {
		char *dir = kct_tmpdir();
		const char *argv[] = {prog("drv_client"), "paths", modes[i], NULL};
		int st = kct_run(dir, env, argv);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			  "paths %s: errno changed, status %d (see %s.log)", modes[i], st, dir);
		cr_assert_eq(kct_read(dir)->nloads, 6);
	}
}

/* drv_client under kcprof and libchain, another interposer of the driver that finds the next
 * one with dlsym(RTLD_NEXT) as it loads; the number of calls it passed on. */
static int run_with_chain(int chain_first)
{
	char *dir = kct_tmpdir();
	char chain[4200], out[4300], lib[4200];
	snprintf(chain, sizeof(chain), "%s/chain.txt", dir);
	snprintf(out, sizeof(out), "CHAIN_OUT=%s", chain);
	char *build = realpath(kct_build(), NULL);
	snprintf(lib, sizeof(lib), "%s/tests/lib/libchain.so", build);
	free(build);
	const char *env[] = {data_env, "KCPROF_CUPTI=0", out, NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *argv[] = {prog("drv_client"), "paths", "symbol", NULL};
	int st = kct_run_beside(dir, env, argv, chain_first ? lib : NULL, chain_first ? NULL : lib);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d (exit 86: a loop; see %s.log)",
		  st, dir);
	check_scenario(kct_read(dir), KC_PATH_SYMBOL);
	char *passed = kct_read_file(chain, NULL);
	cr_assert_not_null(passed);
	int n = atoi(passed);
	free(passed);
	return n;
}

Test(preload, interposers_beside_kcprof_keep_their_chain)
{
	/* libchain after kcprof: its lookups from its own place find the driver (answered from
	 * kcprof's, they found libchain itself and the two called each other without end);
	 * kcprof calls the driver's own functions, so libchain sees no call. Before kcprof:
	 * the program's calls go libchain -> kcprof -> driver, all recorded. */
	cr_assert_eq(run_with_chain(0), 0);
	cr_assert_eq(run_with_chain(1), 6 + 16,
		     "every cuModuleGetFunction (6) and cuLaunchKernel (16) of the scenario");
}

Test(preload, file_size_limit_leaves_the_program_alone)
{
	/* Under ulimit -f a write past the limit raises SIGXFSZ, which ends a program by
	 * default: kcprof's writes must fail quietly instead (records counted as lost). */
	char *dir = kct_tmpdir();
	char script[4400];
	snprintf(script, sizeof(script), "ulimit -f 4; exec %s paths symbol", prog("drv_client"));
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st,
		  WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited");
	/* the trace holds what fitted under the limit, and no image was left half-written */
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->files, 1);
	cr_assert_gt(r->nloads, 0);
	char images[4200];
	snprintf(images, sizeof(images), "%s/images", dir);
	DIR *d = opendir(images);
	for (struct dirent *de; d && (de = readdir(d));)
		cr_assert_null(strstr(de->d_name, ".tmp"), "left behind: %s", de->d_name);
	if (d)
		closedir(d);
}

Test(preload, module_file_that_is_a_fifo_does_not_hang_the_program)
{
	/* cuModuleLoad of a FIFO: the driver reads what a writer puts in; the recorder, reading
	 * the file after it, must not wait for a writer that has gone */
	char *dir = kct_tmpdir(), script[9000];
	snprintf(script, sizeof(script),
		 "rm -f %s.fifo && mkfifo %s.fifo && (cat %s/sample.cubin > %s.fifo &) && "
		 "exec timeout 20 %s loadfile %s.fifo",
		 dir, dir, kct_data(), dir, prog("drv_client"), dir);
	const char *argv[] = {"/bin/sh", "-c", script, NULL};
	int with = kct_run(dir, base_env(), argv);
	int without = kct_run_plain(base_env(), argv);
	cr_assert(!WIFEXITED(with) || WEXITSTATUS(with) != 124, "the program hung under kcprof");
	cr_assert_eq(with, without, "status %d under kcprof, %d without", with, without);
	cr_assert(WIFEXITED(with) && WEXITSTATUS(with) == 0, "status %d", with);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->nloads, 2, "the FIFO's load and the missing file's");
	cr_assert_eq(r->loads[0].result, CUDA_SUCCESS);
	cr_assert(r->loads[0].flags & KC_MODF_NO_IMAGE, "a FIFO is not read for its image");
}

Test(preload, header_says_what_the_recorder_was_set_to_do)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "paths", "symbol", NULL};
	int st = kct_run(dir, base_env(), argv); /* CUPTI off, images stored */
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(kct_read(dir)->feat_mask,
		     KC_FEAT_IMAGES | KC_FEAT_HDR_CHECK | KC_FEAT_PYTHON | KC_FEAT_STACKS);
	dir = kct_tmpdir();
	const char *env[] = {data_env,
			     "KCPROF_IMAGES=0",
			     "KCPROF_LAUNCHES=full",
			     "KCPROF_GPU_TIME=1",
			     "KCPROF_PYTHON=0",
			     "KCPROF_STACKS=0",
			     NULL};
	st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(kct_read(dir)->feat_mask,
		     KC_FEAT_FULL_LAUNCHES | KC_FEAT_CUPTI | KC_FEAT_GPU_TIME | KC_FEAT_HDR_CHECK);
}

Test(preload, unwritable_dir_warns_once_and_runs_on)
{
	const char *argv[] = {prog("drv_client"), "paths", "symbol", NULL};
	const char *env[] = {data_env, "KCPROF_CUPTI=0", NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	char *tmp = kct_tmpdir();
	char logdir[4300];
	snprintf(logdir, sizeof(logdir), "%s/x", tmp);
	/* a file where the directory should be */
	FILE *f = fopen(logdir, "w");
	fclose(f);
	const char *sub = logdir; /* KCPROF_OUT names a file */
	int st = kct_run(sub, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the program is unaffected");
	char logpath[4500];
	snprintf(logpath, sizeof(logpath), "%s.log", sub);
	size_t n;
	char *log = kct_read_file(logpath, &n);
	cr_assert_not_null(log);
	char *first = strstr(log, "cannot write traces");
	cr_assert_not_null(first, "a warning: %s", log);
	cr_assert_null(strstr(first + 1, "cannot write traces"), "only one warning");
}

Test(preload, cupti_sees_what_passes_no_hook)
{
	char *dir = kct_tmpdir();
	char cupti[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	const char *env[] = {data_env, cupti, NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *argv[] = {prog("drv_client"), "internal", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncupti, 1);
	cr_assert_eq(r->cupti[0], KC_CUPTI_SUBSCRIBED);
	cr_assert_eq(r->nloads, 1, "the internal load is seen once");
	cr_assert_eq(r->loads[0].path, KC_PATH_CUPTI);
	cr_assert_str_eq(r->loads[0].names, "_Z10kern_scalePffi,kern_add");
	cr_assert_neq(r->loads[0].loaded_hash, 0, "MODULE_LOADED gave the loaded image");
	uint16_t paths;
	cr_assert_eq(kct_launches(r, "kern_add", &paths, NULL), 10,
		     "6 internal + 4 by symbol, none twice");
	cr_assert_eq(paths, KC_PATH_CUPTI | KC_PATH_SYMBOL);
}

Test(preload, cupti_hooked_calls_counted_once)
{
	char *dir = kct_tmpdir();
	char cupti[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	const char *env[] = {data_env, cupti, NULL};
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *argv[] = {prog("drv_client"), "paths", "dlsym", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	check_scenario(r, KC_PATH_DLSYM);
}

/* drv_client MODE with LIB (tests/lib/libLIB.so), the stand-in CUPTI for kcprof, and setting
 * (NULL or NAME=value) in its environment: it must end (a hang ends in SIGALRM), its kern_add
 * launched 5 times; kcprof's CUPTI events, nevents of them, the last returned. */
static uint32_t run_constructor_race_env(const char *mode, const char *lib_name, unsigned nevents,
					 const char *setting)
{
	char *dir = kct_tmpdir();
	char cupti[4200], lib[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	snprintf(lib, sizeof(lib), "%s/tests/lib/lib%s.so", kct_build(), lib_name);
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, cupti, setting, NULL};
	const char *argv[] = {prog("drv_client"), mode, lib, NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d, signal %d (SIGALRM: hung)",
		  WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->problems, 0);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 5);
	cr_assert_eq(r->ncupti, nevents);
	return r->cupti[nevents - 1];
}

static uint32_t run_constructor_race(const char *mode, const char *lib_name, unsigned nevents)
{
	return run_constructor_race_env(mode, lib_name, nevents, NULL);
}

/* kcprof's start at the first CUDA use (CUPTI, the unwinder) needs the loader's lock; a
 * library constructor on another thread, holding that lock, that looks for CUDA must not wait
 * for that start (it did: pthread_once, a deadlock). */
Test(preload, a_constructor_looking_for_cuda_during_the_start_does_not_wait_for_it)
{
	cr_assert_eq(run_constructor_race("ctorprobe", "ctorprobe", 1), KC_CUPTI_SUBSCRIBED,
		     "the start went on once the lock was free");
}

/* The same with a profiler library's constructor subscribing to CUPTI while kcprof's start
 * opens libcupti (that open waits for the constructor's loader lock): the program's profiler
 * gets CUPTI, and kcprof yields to it. */
Test(preload, a_constructor_subscribing_to_cupti_during_the_start_does_not_wait_for_it)
{
	cr_assert_eq(run_constructor_race("ctorsubscribe", "ctorsubscribe", 1), KC_CUPTI_YIELDED,
		     "the program's profiler came first");
}

/* CUPTI's first subscribe starts CUPTI, which takes the loader's lock (measured on the H100);
 * kcprof's start held its CUPTI lock around that subscribe, and a profiler library's
 * constructor (the loader's lock held) subscribing meanwhile waited for it: a deadlock.
 * CUPTI is started before the lock now (cuptiSupportedDomains): kcprof subscribes, then
 * yields to the program's profiler. */
Test(preload, a_constructor_subscribing_to_cupti_while_the_start_subscribes_does_not_wait_for_it)
{
	cr_assert_eq(run_constructor_race("ctorsubscribe-start", "ctorsubscribe", 2),
		     KC_CUPTI_YIELDED, "subscribed, then yielded to the program's profiler");
}

/* The same with kernel times on: the activity API starts itself at kcprof's first
 * registration, which takes the loader's lock too: made after kcprof's CUPTI lock is let go,
 * the constructor's subscribe gets CUPTI, and the registration then goes on. */
Test(preload, a_constructor_subscribing_to_cupti_while_gpu_time_starts_does_not_wait_for_it)
{
	cr_assert_eq(run_constructor_race_env("ctorsubscribe-start", "ctorsubscribe", 3,
					      "KCPROF_GPU_TIME=1"),
		     KC_CUPTI_GPU_TIME_ON, "subscribed, yielded, kernel times on");
}

Test(preload, cupti_yields_to_the_programs_profiler)
{
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("cupti_client"), NULL};
	int st = kct_run(dir, NULL, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the program's profiler got its events (exit %d)", WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncupti, 3);
	cr_assert_eq(r->cupti[0], KC_CUPTI_SUBSCRIBED);
	cr_assert_eq(r->cupti[1], KC_CUPTI_YIELDED);
	cr_assert_eq(r->cupti[2], KC_CUPTI_RESUMED);
	cr_assert_eq(kct_launches(r, "prof_kernel", NULL, NULL), 8,
		     "3 before and 5 after the profiler");
}

Test(preload, cupti_yields_to_a_profiler_opened_locally)
{
	/* As kineto inside libtorch_cuda, which Python opens with RTLD_LOCAL: the real
	 * cuptiSubscribe is not in the global scope (found on the H100: torch.profiler got
	 * CUPTI_ERROR_NOT_INITIALIZED until kcprof looked for libcupti by soname). */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("cupti_local_client"), NULL};
	int st = kct_run(dir, NULL, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d", WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncupti, 3);
	cr_assert_eq(r->cupti[1], KC_CUPTI_YIELDED);
	cr_assert_eq(r->cupti[2], KC_CUPTI_RESUMED);
}

/* CUPTI's launch callbacks cost ~0.5 us a launch: off while the hooks see every launch. */
static struct kct_result *run_cupti_mode(const char *mode, const char *n)
{
	char *dir = kct_tmpdir();
	char cupti[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, cupti, "KCPROF_FLUSH_MS=1", NULL};
	const char *argv[] = {prog("drv_client"), mode, n, NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return kct_read(dir);
}

Test(preload, cupti_launch_callbacks_off_when_hooks_see_all)
{
	struct kct_result *r = run_cupti_mode("busy", "3000000");
	cr_assert_eq(r->ncupti, 2);
	cr_assert_eq(r->cupti[0], KC_CUPTI_SUBSCRIBED);
	cr_assert_eq(r->cupti[1], KC_CUPTI_LAUNCHES_OFF);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 3000000,
		     "still every launch counted");
}

Test(preload, cupti_launch_callbacks_stay_for_unhooked_launches)
{
	struct kct_result *r = run_cupti_mode("mixed", "1000000");
	cr_assert_eq(r->ncupti, 1,
		     "subscribed only: no switch-off while CUPTI sees launches alone");
	uint16_t paths;
	cr_assert_eq(kct_launches(r, "kern_add", &paths, NULL), 2000000);
	cr_assert_eq(paths, KC_PATH_SYMBOL | KC_PATH_CUPTI);
}

Test(preload, output_matches_a_run_without_recorder)
{
	/* Same exit status and output with and without the recorder. */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "paths", "procaddr", NULL};
	int with = kct_run(dir, base_env(), argv);
	int without = kct_run_plain(base_env(), argv);
	cr_assert_eq(with, without);
}

Test(preload, nvjitlink_links_recorded)
{
	/* The real nvJitLink links NVRTC's PTX to a cubin (no GPU needed); the stand-in driver
	 * loads it. Each link is a compile whose output is the image the driver then loaded. */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("nvrtc_client"), "link", "2", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "nvrtc_client link failed, see %s.log",
		  dir);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 6, "3 NVRTC compiles and 3 links: %d", r->ncompiles);
	int links = 0;
	for (int i = 0; i < r->ncompiles; i++) {
		const struct kct_compile *c = &r->compiles[i];
		if (c->tool != KC_TOOL_NVJITLINK)
			continue;
		cr_assert_eq(c->result, 0);
		cr_assert_str_eq(c->options, "-arch=sm_90");
		char want[40], hex[17];
		snprintf(want, sizeof(want), "%s.ptx",
			 kc_hash_hex(r->compiles[i - 1].output_hash, hex));
		cr_assert_str_eq(c->inputs, want, "the link's input is NVRTC's PTX: %s, want %s",
				 c->inputs, want);
		cr_assert_neq(c->output_hash, 0);
		cr_assert_eq(r->loads[links].hash, c->output_hash,
			     "the driver loaded the linked cubin");
		cr_assert_eq(r->loads[links].kind, KC_IMAGE_CUBIN);
		links++;
	}
	cr_assert_eq(links, 3);
	cr_assert_eq(kct_launches(r, "fill_mask", NULL, NULL), 3);
}

Test(preload, killed_process_keeps_its_counts)
{
	/* kill -9 runs no exit handler: the flusher thread has put the counts on disk already,
	 * although the program launches nothing after its first 5000. */
	char *dir = kct_tmpdir();
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, "KCPROF_CUPTI=0", "KCPROF_FLUSH_MS=50", NULL};
	const char *argv[] = {prog("drv_client"), "hang", "5000", NULL};
	pid_t pid = kct_spawn(dir, env, argv);
	cr_assert_gt(pid, 0);
	char logpath[4300];
	snprintf(logpath, sizeof(logpath), "%s.log", dir);
	int ready = 0;
	for (int i = 0; i < 500 && !ready; i++) { /* up to 5 s under the sanitizers */
		size_t n;
		char *log = kct_read_file(logpath, &n);
		ready = log && strstr(log, "sleeping");
		free(log);
		usleep(10000);
	}
	cr_assert(ready, "drv_client never got to its sleep");
	usleep(400000); /* 8 flush periods */
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->files, 1);
	cr_assert_eq(r->problems, 0, "every record whole");
	cr_assert_eq(r->nends, 0, "no END: the process was killed");
	cr_assert_eq(r->nloads, 1);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 5000);
}

/* The trace and the report say CUPTI was missing; the program's stderr says it only when
 * asked (KCPROF_LOG=info), and then once. */
static char *missing_cupti_log(const char *log_level)
{
	char *dir = kct_tmpdir();
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, "KCPROF_CUPTI_LIB=/nonexistent/libcupti.so", log_level,
			     NULL};
	const char *argv[] = {prog("drv_client"), "paths", "symbol", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the program is unaffected");
	struct kct_result *r = kct_read(dir);
	check_scenario(r, KC_PATH_SYMBOL);
	cr_assert_eq(r->ncupti, 1);
	cr_assert_eq(r->cupti[0], KC_CUPTI_UNAVAILABLE, "the trace says CUPTI was missing");
	char logpath[4300];
	snprintf(logpath, sizeof(logpath), "%s.log", dir);
	char *log = kct_read_file(logpath, NULL);
	cr_assert_not_null(log);
	return log;
}

Test(preload, missing_cupti_noted_in_the_trace_and_runs_on)
{
	char *log = missing_cupti_log(NULL);
	cr_assert_null(strstr(log, "kcprof"), "kcprof wrote to the program's stderr: %s", log);
	free(log);
	log = missing_cupti_log("KCPROF_LOG=info");
	char *first = strstr(log, "libcupti not found");
	cr_assert_not_null(first, "a note: %s", log);
	cr_assert_null(strstr(first + 1, "libcupti not found"), "only one note");
	free(log);
}

Test(preload, cupti_13_2_keeps_both_subscribers)
{
	/* CUPTI 13.2 lets tools that allow it share: kcprof subscribes allowing others, the
	 * program's profiler does too, and kcprof need not let go. */
	char *dir = kct_tmpdir();
	const char *env[] = {"FAKE_CUPTI_VERSION=130200", NULL};
	const char *argv[] = {prog("cupti_client"), "multi", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the profiler got its 4 launches (exit %d)", WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncupti, 1, "subscribed, never yielded: %d events", r->ncupti);
	cr_assert_eq(r->cupti[0], KC_CUPTI_SUBSCRIBED);
	cr_assert_eq(kct_launches(r, "prof_kernel", NULL, NULL), 12, "kcprof saw all 3 + 4 + 5");
}

Test(preload, cupti_13_2_yields_to_an_exclusive_profiler)
{
	/* On 13.2 a profiler that does not allow others (cuptiSubscribe) still gets CUPTI. */
	char *dir = kct_tmpdir();
	const char *env[] = {"FAKE_CUPTI_VERSION=130200", NULL};
	const char *argv[] = {prog("cupti_client"), NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d", WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncupti, 3);
	cr_assert_eq(r->cupti[1], KC_CUPTI_YIELDED);
	cr_assert_eq(r->cupti[2], KC_CUPTI_RESUMED);
	cr_assert_eq(kct_launches(r, "prof_kernel", NULL, NULL), 8);
}

Test(preload, gpu_time_per_kernel_with_gaps_and_pdl_overlaps)
{
	/* KCPROF_GPU_TIME=1: the stand-in CUPTI's kernel records (1 us a block of grid x; 2 us
	 * after the previous kernel on the stream, or 500 ns before it ended with PDL) come back
	 * as GPU_TIME records per kernel name. */
	char *dir = kct_tmpdir();
	char cupti[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, cupti, "KCPROF_GPU_TIME=1", NULL};
	const char *argv[] = {prog("drv_client"), "pdl", "50", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->problems, 0);
	int on = 0;
	for (int i = 0; i < r->ncupti; i++)
		on |= r->cupti[i] == KC_CUPTI_GPU_TIME_ON;
	cr_assert(on, "the trace says kernel timing started");
	const struct kct_gpu_time *add = kct_gpu(r, "kern_add"),
				  *scale = kct_gpu(r, "_Z10kern_scalePffi");
	cr_assert_not_null(add);
	cr_assert_not_null(scale);
	cr_assert_eq(add->count, 50);
	cr_assert_eq(add->total_ns, 50 * 3000);
	cr_assert_eq(add->min_ns, 3000);
	cr_assert_eq(add->max_ns, 3000);
	cr_assert_eq(add->gap_count, 49, "the first kernel on the stream follows none");
	cr_assert_eq(add->gap_ns, 49 * 2000);
	cr_assert_eq(add->overlapped, 0);
	cr_assert_eq(scale->count, 50);
	cr_assert_eq(scale->total_ns, 50 * 2000);
	cr_assert_eq(scale->gap_count, 50);
	cr_assert_eq(scale->overlapped, 45,
		     "every PDL launch started before its predecessor ended");
	cr_assert_eq(scale->gap_ns, 5 * 2000, "every 10th, launched without PDL, waited 2 us");
}

Test(preload, refused_launches_counted_once_each)
{
	/* Refused launches of one (NULL) function with one shape, its slot bound after the first:
	 * each counted once, as a launch and as an error. (A version that counted on the hot path
	 * before the driver's call and took failures back got 39 launches here when the taking
	 * back was left out.) */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("drv_client"), "fails", "20", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->problems, 0);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 2);
	uint64_t count = 0, errors = 0;
	for (int i = 0; i < r->nstats; i++)
		if (r->stats[i].errors) {
			count += r->stats[i].count;
			errors += r->stats[i].errors;
		}
	cr_assert_eq(errors, 20);
	cr_assert_eq(count, 20, "each refused launch counted once (%lu)", (unsigned long)count);
}

Test(preload, gpu_time_off_by_default)
{
	char *dir = kct_tmpdir();
	char cupti[4200];
	snprintf(cupti, sizeof(cupti), "KCPROF_CUPTI_LIB=%s/tests/lib/libcupti.so.13", kct_build());
	snprintf(data_env, sizeof(data_env), "KCT_DATA=%s", kct_data());
	const char *env[] = {data_env, cupti, NULL};
	const char *argv[] = {prog("drv_client"), "pdl", "5", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ngpu, 0);
	cr_assert_eq(kct_launches(r, "kern_add", NULL, NULL), 5);
}

Test(preload, gpu_time_yields_to_the_programs_activity_buffers)
{
	/* The program registers activity buffers of its own after 3 launches: kcprof hands its
	 * records in (3 kernels timed) and lets go; the program gets the next 4, and only those. */
	char *dir = kct_tmpdir();
	const char *env[] = {"KCPROF_GPU_TIME=1", NULL};
	const char *argv[] = {prog("cupti_client"), "activity", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the program got its 4 records (exit %d)",
		  WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	int on = -1, yielded = -1;
	for (int i = 0; i < r->ncupti; i++) {
		on = r->cupti[i] == KC_CUPTI_GPU_TIME_ON ? i : on;
		yielded = r->cupti[i] == KC_CUPTI_GPU_TIME_YIELDED ? i : yielded;
	}
	cr_assert(on >= 0 && yielded > on, "timing started, then yielded");
	const struct kct_gpu_time *g = kct_gpu(r, "prof_kernel");
	cr_assert_not_null(g);
	cr_assert_eq(g->count, 3, "the kernels before the program took over");
	cr_assert_eq(kct_launches(r, "prof_kernel", NULL, NULL), 7, "launch counts go on");
}

Test(preload, gpu_time_never_replaces_the_programs_activity_buffers)
{
	/* The program registered its activity buffers before it touched CUDA: kcprof, asked for
	 * kernel times, must not register its own over them. */
	char *dir = kct_tmpdir();
	const char *env[] = {"KCPROF_GPU_TIME=1", NULL};
	const char *argv[] = {prog("cupti_client"), "activity_first", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the program got all 7 records (exit %d)",
		  WEXITSTATUS(st));
	struct kct_result *r = kct_read(dir);
	int on = 0, yielded = 0;
	for (int i = 0; i < r->ncupti; i++) {
		on |= r->cupti[i] == KC_CUPTI_GPU_TIME_ON;
		yielded |= r->cupti[i] == KC_CUPTI_GPU_TIME_YIELDED;
	}
	cr_assert(!on && yielded, "kcprof stood back from the start");
	cr_assert_eq(r->ngpu, 0);
	cr_assert_eq(kct_launches(r, "prof_kernel", NULL, NULL), 7);
}

Test(preload, nvvm_compiles_and_plain_nvjitlink_names_recorded)
{
	/* numba's way, in C (tests/progs/nvvm_client.c): the real libNVVM and nvJitLink, opened
	 * by the program and found by dlsym, the plain nvJitLink names (cuda.bindings' lookups).
	 * Each kernel: NVVM IR to PTX, the same IR to LTO-IR, the LTO-IR linked to a cubin that
	 * the stand-in driver loads. */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("nvvm_client"), "closure", "2", NULL};
	int with = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(with) && WEXITSTATUS(with) == 0, "nvvm_client failed, see %s.log", dir);
	cr_assert_eq(with, kct_run_plain(base_env(), argv), "the same exit status without kcprof");
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 6, "2 NVVM compiles and a link per kernel: %d", r->ncompiles);
	for (int k = 0; k < 2; k++) {
		const struct kct_compile *ptx = &r->compiles[3 * k], *lto = &r->compiles[3 * k + 1],
					 *link = &r->compiles[3 * k + 2];
		cr_assert_eq(ptx->tool, KC_TOOL_NVVM);
		cr_assert_eq(lto->tool, KC_TOOL_NVVM);
		cr_assert_eq(link->tool, KC_TOOL_NVJITLINK, "the plain nvJitLinkCreate is hooked");
		cr_assert_str_eq(ptx->options, "-opt=3 -arch=compute_90");
		cr_assert_str_eq(lto->options, "-opt=3 -arch=compute_90 -gen-lto");
		cr_assert_str_eq(link->options, "-arch=sm_90 -lto");
		cr_assert_neq(ptx->input_hash, 0, "the IR is the program's source");
		cr_assert_eq(ptx->input_hash, lto->input_hash, "both compiles of one IR");
		char hex[17], path[4400];
		snprintf(path, sizeof(path), "%s/images/%s.ll", dir,
			 kc_hash_hex(ptx->input_hash, hex));
		size_t n;
		char *ir = kct_read_file(path, &n);
		cr_assert_not_null(ir, "the IR stored as %s", path);
		cr_assert(strstr(ir, k ? "fmul float %v, 2.0" : "fmul float %v, 1.0"), "%s", ir);
		free(ir);
		snprintf(path, sizeof(path), "%s/images/%s.ptx", dir,
			 kc_hash_hex(ptx->output_hash, hex));
		cr_assert_eq(access(path, R_OK), 0, "NVVM's PTX stored as %s", path);
		/* LTO-IR is bytes, not text: hashed whole, the same hash as the link's input */
		char want[40];
		snprintf(want, sizeof(want), "%s.ltoir", kc_hash_hex(lto->output_hash, hex));
		cr_assert_str_eq(link->inputs, want);
		cr_assert_eq(r->loads[k].hash, link->output_hash,
			     "the driver loaded the link's cubin");
	}
	cr_assert_neq(r->compiles[1].output_hash, r->compiles[4].output_hash,
		      "two kernels' LTO-IR, two hashes");
}

Test(preload, nvjitlink_of_cuda_12_recorded_by_its_versioned_names)
{
	/* a program built against CUDA 12.4's nvJitLink calls __nvJitLinkCreate_12_4 and its
	 * siblings (the stand-in libnvJitLink.so.12): each link a compile, its output read with
	 * that release's getters and loaded */
	char *dir = kct_tmpdir();
	const char *argv[] = {prog("jitlink12_client"), "2", NULL};
	int st = kct_run(dir, base_env(), argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "jitlink12_client failed, see %s.log",
		  dir);
	struct kct_result *r = kct_read(dir);
	cr_assert_eq(r->ncompiles, 2, "%d", r->ncompiles);
	for (int i = 0; i < 2; i++) {
		const struct kct_compile *c = &r->compiles[i];
		cr_assert_eq(c->tool, KC_TOOL_NVJITLINK);
		cr_assert_str_eq(c->options, "-arch=sm_90");
		cr_assert(strstr(c->inputs, ".ptx"), "%s", c->inputs);
		cr_assert_neq(c->output_hash, 0,
			      "the output read with __nvJitLinkGetLinkedCubin_12_4");
		cr_assert_eq(r->loads[i].hash, c->output_hash, "the link's image was loaded");
	}
	cr_assert_neq(r->compiles[0].output_hash, r->compiles[1].output_hash);
}
