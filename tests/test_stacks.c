/* test_stacks.c - native call sites (preload/stacks.c, analyzer/symbols.c): a C program's loads
 * carry its return addresses, and the report names its own line from the program's debug
 * information; off with KCPROF_STACKS=0; a module that cannot be read keeps module+offset. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/kc_fs.h"
#include "../analyzer/kca.h"
#include "../analyzer/model.h"
#include "kct.h"

#define CLIENT_SRC "tests/progs/nvrtc_client.c"

/* The line of nvrtc_client.c that loads its PTX (the only cuModuleLoadDataEx call). */
static int load_line(void)
{
	int line = kct_line_of(CLIENT_SRC, "cuModuleLoadDataEx(");
	cr_assert_gt(line, 0);
	return line;
}

static char *record_client_mode(const char *mode, const char *extra)
{
	char *dir = kct_tmpdir(), bin[4200], data[4200];
	snprintf(bin, sizeof(bin), "%s/tests/bin/nvrtc_client", kct_build());
	snprintf(data, sizeof(data), "KCT_DATA=%s", kct_data());
	const char *env[] = {data, "KCPROF_CUPTI=0", extra, NULL};
	const char *argv[] = {bin, mode ? mode : "3", mode ? "3" : NULL, NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "nvrtc_client failed: see %s.log", dir);
	return dir;
}

static char *record_client(const char *extra)
{
	return record_client_mode(NULL, extra);
}

static char out[1 << 20];

Test(stacks, a_c_programs_line_named_from_its_debug_information)
{
	char *dir = record_client(NULL);
	struct kca_model m;
	cr_assert_gt(kca_model_load(&m, &dir, 1), 0);
	kca_model_families(&m);
	char want[128];
	snprintf(want, sizeof(want), CLIENT_SRC ":%d", load_line());
	unsigned named = 0;
	for (unsigned i = 0; i < m.nloads; i++) {
		const struct kca_load *l = &m.loads[i];
		cr_assert_eq(l->npy_frames, 0, "no Python here");
		cr_assert_gt(l->nnative_frames, 1, "load %u: %u frames", i, l->nnative_frames);
		cr_assert(strstr(l->native_frames[0], "nvrtc_client\t0x"), "%s",
			  l->native_frames[0]); /* kcprof's own frames left out */
		char where[512], func[128];
		cr_assert_eq(kca_load_call_site(&m, l, where, sizeof(where), func, sizeof(func)),
			     0);
		cr_assert_str_eq(where, want);
		named++;
	}
	cr_assert_geq(named, 3, "%u loads named", named);
	kca_model_free(&m);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "    called from " CLIENT_SRC ":%d in ", load_line());
	cr_assert(strstr(out, want), "%s", out);
	free(dir);
}

/* Each compile (NVRTC, then nvJitLink linking its PTX) carries the line that asked for it,
 * which the report names beside the load's and at the -D value that changed. */
Test(stacks, a_compile_carries_the_line_that_asked_for_it)
{
	for (int link = 0; link < 2; link++) {
		char *dir = record_client_mode(link ? "link" : NULL, NULL);
		int nvrtc_line = kct_line_of(CLIENT_SRC, "nvrtcCompileProgram(prog"),
		    link_line = kct_line_of(CLIENT_SRC, "nvJitLinkComplete(h)");
		cr_assert(nvrtc_line > 0 && link_line > 0);
		struct kca_model m;
		cr_assert_gt(kca_model_load(&m, &dir, 1), 0);
		kca_model_families(&m);
		unsigned links = 0;
		cr_assert_geq(m.ncompiles, link ? 6u : 3u);
		for (unsigned i = 0; i < m.ncompiles; i++) {
			const struct kca_compile *o = &m.compiles[i];
			links += o->tool == KC_TOOL_NVJITLINK;
			cr_assert_gt(o->nnative_frames, 1, "compile %u: %u frames", i,
				     o->nnative_frames);
			char where[512], func[128], want[128];
			cr_assert_eq(
			    kca_compile_call_site(&m, o, where, sizeof(where), func, sizeof(func)),
			    0);
			snprintf(want, sizeof(want), CLIENT_SRC ":%d",
				 o->tool == KC_TOOL_NVJITLINK ? link_line : nvrtc_line);
			cr_assert_str_eq(where, want, "compile %u (%s)", i, kc_tool_name(o->tool));
		}
		cr_assert_eq(links * 2, link ? m.ncompiles : 0, "an nvJitLink after each NVRTC");
		kca_model_free(&m);
		cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)),
			     0);
		char want[256];
		if (link) /* both builds of each variant, most first, then by line */
			snprintf(want, sizeof(want),
				 "    compiled from " CLIENT_SRC
				 ":%d in link_cubin (4 compiles), " CLIENT_SRC
				 ":%d in nvrtc_ptx (4 compiles)\n",
				 link_line, nvrtc_line);
		else
			snprintf(want, sizeof(want),
				 "    compiled from " CLIENT_SRC ":%d in nvrtc_ptx (4 compiles)\n",
				 nvrtc_line);
		cr_assert(strstr(out, want), "%s", out);
		/* the -D value is NVRTC's, also where nvJitLink linked its PTX */
		snprintf(want, sizeof(want),
			 "    changed: MAX_LEN (-D option): 3 values, 500..502\n"
			 "             at " CLIENT_SRC ":%d in nvrtc_ptx\n",
			 nvrtc_line);
		cr_assert(strstr(out, want), "%s", out);
		if (link) /* NVRTC's time is the kernel's, though its PTX was not what was loaded */
			cr_assert(strstr(out, "building (4 NVRTC compiles "), "%s", out);
		if (link) { /* diff: each variant's NVRTC compile, its line, and its PTX compared */
			cr_assert_eq(
			    kct_run_cli((const char *[]){"diff", dir, "fill_mask", "1", "2", NULL},
					out, sizeof(out)),
			    0);
			snprintf(
			    want, sizeof(want),
			    "    nvrtc fill_mask.cu: -DMAX_LEN=501 --gpu-architecture=compute_90 "
			    "(its output linked into the next)\n    compiled from " CLIENT_SRC
			    ":%d in nvrtc_ptx\n    nvjitlink nvJitLink: ",
			    nvrtc_line);
			cr_assert(strstr(out, want), "%s", out);
			cr_assert(strstr(out, "+++ [B] PTX ") && strstr(out, "%r1, 501;"), "%s",
				  out);
		}
		free(dir);
	}
}

/* A copy of nvrtc_client (DIR.bin, into prog) recorded into dir, 2 requests: a program that
 * can be rebuilt or removed after its run. */
static void record_client_copy(const char *dir, char *prog, size_t cap)
{
	char cmd[9000], data[4200];
	snprintf(prog, cap, "%s.bin", dir);
	snprintf(cmd, sizeof(cmd), "cp %s/tests/bin/nvrtc_client %s", kct_build(), prog);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(data, sizeof(data), "KCT_DATA=%s", kct_data());
	const char *env[] = {data, "KCPROF_CUPTI=0", NULL};
	const char *argv[] = {prog, "2", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "see %s.log", dir);
}

/* A program rebuilt after its recording: its build-id (recorded with each frame) no longer
 * matches, so its frames are left as offsets and said to be stale, not named with lines of
 * the new build. */
Test(stacks, a_program_rebuilt_since_the_recording_is_not_named)
{
	char *dir = kct_tmpdir(), prog[4300], cmd[9000];
	record_client_copy(dir, prog, sizeof(prog));
	struct kca_model m;
	cr_assert_gt(kca_model_load(&m, &dir, 1), 0);
	cr_assert_gt(m.nloads, 0);
	const char *frame = m.loads[0].native_frames[0], *id = strrchr(frame, '\t') + 1;
	cr_assert_eq(strspn(id, "0123456789abcdef"), 40, "a GNU build-id: %s", frame);
	char where[512], func[128], want[64];
	cr_assert_eq(kca_load_call_site(&m, &m.loads[0], where, sizeof(where), func, sizeof(func)),
		     0);
	snprintf(want, sizeof(want), CLIENT_SRC ":%d", load_line());
	cr_assert_str_eq(where, want);
	kca_model_free(&m);
	/* a copy of the trace archived while the program was still the build that ran */
	char archived[4300];
	snprintf(archived, sizeof(archived), "%s.archived", dir);
	snprintf(cmd, sizeof(cmd), "cp -r %s %s", dir, archived);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"archive", archived, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, ", 1 program module copied") && strstr(out, " kB\n"),
		  "a small copy in kB: %s", out);
	/* another program in its place */
	snprintf(cmd, sizeof(cmd), "cp %s/tests/bin/cxx_client %s", kct_build(), prog);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "    called from ") &&
		      strstr(out, " [rebuilt since the recording] (") && !strstr(out, " in ? "),
		  "%s", out);
	cr_assert(!strstr(out, CLIENT_SRC) && !strstr(out, "cxx_client.cc"), "%s", out);
	/* the archived trace is named from its copy of the module that ran */
	cr_assert_eq(kct_run_cli((const char *[]){"report", archived, NULL}, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "    called from " CLIENT_SRC ":%d in ", load_line());
	cr_assert(strstr(out, want), "%s", out);
	/* and archiving again does not take the new program for the old, and says why, as it
	 * says for a file that is no ELF, one too large to copy, and one gone */
	static const char *const why[] = {"rebuilt since the recording (another build-id)",
					  "not an ELF file it can read: its build-id unknown",
					  "300 MB, over the 256 MB that archive copies",
					  "not here"};
	static const char *const make[] = {"true", "echo text > %s", "truncate -s 300M %s",
					   "rm %s"};
	for (int i = 0; i < 4; i++) {
		snprintf(cmd, sizeof(cmd), make[i], prog);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		cr_assert_eq(kct_run_cli((const char *[]){"archive", dir, NULL}, out, sizeof(out)),
			     0);
		cr_assert(strstr(out, ", 0 program modules copied"), "%s", out);
		char said[4600];
		snprintf(said, sizeof(said), "%s: %s: not copied", prog, why[i]);
		cr_assert(strstr(out, said), "%s in %s", said, out);
	}
	free(dir);
}

/* A copy into a directory held open goes there, whatever its path names by then: archive
 * opens and checks a trace's directory, then copies through the fd, so that a link swapped in
 * for the directory after the check sends nothing elsewhere. And the copy never writes
 * through a link at its name. */
Test(stacks, a_copy_goes_into_the_directory_held_open)
{
	char *dir = kct_tmpdir(), cmd[9000], src[4300], d[4300], moved[4300], outside[4300];
	snprintf(src, sizeof(src), "%s/src.txt", dir);
	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(moved, sizeof(moved), "%s/d.moved", dir);
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	snprintf(cmd, sizeof(cmd), "echo payload > %s && mkdir %s %s", src, d, outside);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	int fd = open(d, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	snprintf(cmd, sizeof(cmd), "mv %s %s && ln -s outside %s && ln -s ../outside/victim %s/b",
		 d, moved, d, moved);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kc_copy_file_at(src, fd, "a"), 0);
	cr_assert_eq(kc_copy_file_at(src, fd, "b"), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "test \"$(cat %s/a)\" = payload && test -f %s/b && test ! -L %s/b && "
		 "test -z \"$(ls -A %s)\" && test -z \"$(ls -A %s | grep tmp)\"",
		 moved, moved, moved, outside, moved);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	free(dir);
}

/* archive writes only inside the trace directory: a link placed there (DIR/modules to another
 * place) is refused, nothing made at its target; given one trace file, the copy goes beside
 * it, where report FILE finds it. */
Test(stacks, archive_stays_inside_the_trace_directory)
{
	char *dir = kct_tmpdir(), prog[4300], cmd[9000], outside[4300];
	record_client_copy(dir, prog, sizeof(prog));
	snprintf(outside, sizeof(outside), "%s.outside", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", outside);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "ln -s \"$(realpath %s)\" %s/modules", outside, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(kct_run_cli((const char *[]){"archive", dir, NULL}, out, sizeof(out)), 1);
	const char *refused = strstr(out, "outside the trace directory (a link?): not copied");
	cr_assert(refused && strstr(out, ", 0 program modules copied"), "%s", out);
	/* said once for the module, not once for each of its frames */
	cr_assert_null(strstr(refused + 1, "outside the trace directory"), "%s", out);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", outside);
	cr_assert_eq(system(cmd), 0, "something was made outside: %s", outside);
	/* one trace file: its modules beside it */
	snprintf(cmd, sizeof(cmd), "rm %s/modules && ls %s/*.kct", dir, dir);
	FILE *ls = popen(cmd, "r");
	char file[4400] = "";
	cr_assert(ls && fgets(file, sizeof(file), ls));
	pclose(ls);
	file[strcspn(file, "\n")] = '\0';
	cr_assert_eq(kct_run_cli((const char *[]){"archive", file, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, ", 1 program module copied into "), "%s", out);
	unlink(prog); /* gone: the copy beside the file names the lines */
	cr_assert_eq(kct_run_cli((const char *[]){"report", file, NULL}, out, sizeof(out)), 0);
	char want[128];
	snprintf(want, sizeof(want), "    called from " CLIENT_SRC ":%d in ", load_line());
	cr_assert(strstr(out, want), "%s", out);
	free(dir);
}

/* One trace file given: its images and archived copies are read from its directory (the
 * Triton cache entries 'kcprof archive' copied beside the H100 recording). */
Test(stacks, a_trace_file_reads_what_is_beside_it)
{
	cr_assert_eq(
	    kct_run_cli((const char *[]){"report",
					 "examples/traces/triton-constexpr/445-python3.kct", NULL},
			out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "changed: MAX_LEN (tl.constexpr): 20 values, 500..519"), "%s", out);
}

Test(stacks, off_with_kcprof_stacks_0)
{
	char *dir = record_client("KCPROF_STACKS=0");
	struct kca_model m;
	cr_assert_gt(kca_model_load(&m, &dir, 1), 0);
	cr_assert_geq(m.nloads, 3);
	for (unsigned i = 0; i < m.nloads; i++)
		cr_assert_eq(m.loads[i].nnative_frames, 0);
	cr_assert_geq(m.ncompiles, 3);
	for (unsigned i = 0; i < m.ncompiles; i++)
		cr_assert_eq(m.compiles[i].nnative_frames, 0);
	kca_model_free(&m);
	free(dir);
}

Test(stacks, a_module_that_cannot_be_read_keeps_its_offset)
{
	struct kca_model m;
	memset(&m, 0, sizeof(m));
	const char *frames[] = {"/usr/lib/x86_64-linux-gnu/libcuda.so.1\t0x10\t",
				"/nonexistent/libserve.so\t0x1234\t", "not a frame"};
	char where[512], func[128];
	cr_assert_eq(kca_native_user_frame(&m, frames, 3, "/w", NULL, NULL, 0, where, sizeof(where),
					   func, sizeof(func)),
		     0);
	cr_assert_str_eq(where, "libserve.so+0x1234"); /* the driver's frame passed over */
	cr_assert_str_eq(func, "?");
	cr_assert_eq(
	    kca_native_frame(&m, frames[2], NULL, NULL, where, sizeof(where), func, sizeof(func)),
	    -1);
	kca_model_free(&m); /* its names are in the model's arena */
}

/* Stand-ins of what nvcc puts in a program between a launch and the driver, and of the
 * program's own launching function; found by their addresses in this test binary. */
__attribute__((noinline)) void libcudart_static_stand_in(void)
{
	__asm__ volatile("");
}
__attribute__((noinline)) void _Z4kernPi(void) /* a kernel's host stub: named as the kernel */
{
	__asm__ volatile("");
}
__attribute__((noinline)) void user_launch_stand_in(void)
{
	__asm__ volatile("");
}

/* fn's frame as the recorder writes it: a return address just inside it. */
static void frame_of(void (*fn)(void), char *out, size_t cap)
{
	Dl_info info;
	cr_assert(dladdr((void *)fn, &info) && info.dli_fname);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	snprintf(out, cap, "%s\t0x%llx\t", exe,
		 (unsigned long long)((uintptr_t)fn - (uintptr_t)info.dli_fbase + 1));
}

Test(stacks, the_code_nvcc_puts_in_a_program_is_passed_over)
{
	char f0[PATH_MAX + 64], f1[PATH_MAX + 64], f2[PATH_MAX + 64];
	frame_of(libcudart_static_stand_in, f0, sizeof(f0));
	frame_of(_Z4kernPi, f1, sizeof(f1));
	frame_of(user_launch_stand_in, f2, sizeof(f2));
	const char *frames[] = {"/usr/lib/x86_64-linux-gnu/libcuda.so.1\t0x10\t", f0, f1, f2};
	const char *kernels[] = {"_Z4kernPi"};
	struct kca_model m;
	memset(&m, 0, sizeof(m));
	char where[512], func[128];
	cr_assert_eq(kca_native_user_frame(&m, frames, 4, NULL, NULL, kernels, 1, where,
					   sizeof(where), func, sizeof(func)),
		     0);
	cr_assert_str_eq(func, "user_launch_stand_in", "where %s", where);
	cr_assert(strstr(where, "tests/test_stacks.c:"), "%s", where);
	kca_model_free(&m); /* its names are in the model's arena */
}

Test(stacks, a_source_path_is_the_compilation_s_not_the_process_s_directory_s)
{
	/* this binary was compiled from the repository's root as "tests/test_stacks.c": run from
	 * there, the line reads so; run from elsewhere, it names the file where it is, not a
	 * "tests/test_stacks.c" under that directory */
	char f2[PATH_MAX + 64], root[PATH_MAX], want[PATH_MAX + 64];
	frame_of(user_launch_stand_in, f2, sizeof(f2));
	cr_assert_not_null(getcwd(root, sizeof(root)));
	struct kca_model m;
	memset(&m, 0, sizeof(m));
	char where[512], func[128];
	cr_assert_eq(kca_native_frame(&m, f2, root, NULL, where, sizeof(where), func, sizeof(func)),
		     0);
	cr_assert(strncmp(where, "tests/test_stacks.c:", 20) == 0, "%s", where);
	cr_assert_eq(
	    kca_native_frame(&m, f2, "/elsewhere", NULL, where, sizeof(where), func, sizeof(func)),
	    0);
	snprintf(want, sizeof(want), "%s/tests/test_stacks.c:", root);
	cr_assert(strncmp(where, want, strlen(want)) == 0, "%s, not %s", where, want);
	/* built in DIR/build as "../src/a.c": DIR/src/a.c */
	char *rel = kct_tmpdir(), *dir = realpath(rel, NULL), cmd[9000], frame[PATH_MAX + 64];
	free(rel);
	snprintf(
	    cmd, sizeof(cmd),
	    "cd %s && mkdir src build && printf 'int twice(int x)\\n{\\n\\treturn 2 * x;\\n}\\n"
	    "int main(void) { return twice(0); }\\n' > src/a.c && cd build && "
	    "cc -g -O0 -o a ../src/a.c && nm a | awk '$3 == \"twice\" {print $1}' > off",
	    dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s/build/off", dir);
	char *off = kct_read_file(cmd, NULL);
	cr_assert_not_null(off);
	snprintf(frame, sizeof(frame), "%s/build/a\t0x%llx\t", dir,
		 strtoull(off, NULL, 16) + 8); /* inside twice, at its return */
	free(off);
	cr_assert_eq(kca_native_frame(&m, frame, "/elsewhere", NULL, where, sizeof(where), func,
				      sizeof(func)),
		     0);
	snprintf(want, sizeof(want), "%s/src/a.c:", dir);
	cr_assert(strncmp(where, want, strlen(want)) == 0 && !strstr(where, ".."), "%s, not %s",
		  where, want);
	cr_assert_str_eq(func, "twice");
	free(dir);
	kca_model_free(&m);
}

Test(stacks, whose_code_made_a_call_the_program_or_the_cuda_runtime)
{
	/* a cuLibraryLoadData is the CUDA runtime's unless the frame that made the call is the
	 * program's own line: libcudart.so, the static runtime linked in, and a module without
	 * a line table (whose nearest symbol may be any function) are not */
	char f0[PATH_MAX + 64], f2[PATH_MAX + 64];
	frame_of(libcudart_static_stand_in, f0, sizeof(f0));
	frame_of(user_launch_stand_in, f2, sizeof(f2));
	const char *shared[] = {"/usr/local/cuda/lib64/libcudart.so.13\t0x4d10\t", f2};
	const char *stat[] = {f0, f2};
	const char *own[] = {f2, f0};
	const char *unreadable[] = {"/nonexistent/libserve.so\t0x1234\t", f2};
	struct kca_model m;
	memset(&m, 0, sizeof(m));
	cr_assert_eq(kca_native_caller_is_program(&m, shared, 2, NULL, NULL), 0);
	cr_assert_eq(kca_native_caller_is_program(&m, stat, 2, NULL, NULL), 0);
	cr_assert_eq(kca_native_caller_is_program(&m, own, 2, NULL, NULL), 1);
	cr_assert_eq(kca_native_caller_is_program(&m, unreadable, 2, NULL, NULL), 0);
	cr_assert_eq(kca_native_caller_is_program(&m, own, 0, NULL, NULL), 0);
	kca_model_free(&m);
}

/* A C++ program: the compile's frame named by its class and method, demangled, template
 * arguments elided, under ten levels of a library header's inlined wrappers; the load's line
 * inside an always-inlined helper named by the helper; a host function named as the kernel
 * taken for the program's, not for the kernel's stub. */
Test(stacks, cxx_frames_demangled_and_inlined_helpers_named)
{
	const char *src = "tests/progs/cxx_client.cc";
	int load_line = kct_line_of(src, "// the load's line"),
	    other_line = kct_line_of(src, "// the other load's line"),
	    compile_line = kct_line_of(src, "// compile");
	cr_assert(load_line > 0 && other_line > 0 && compile_line > 0);
	char *dir = kct_tmpdir(), bin[4200], data[4200];
	snprintf(bin, sizeof(bin), "%s/tests/bin/cxx_client", kct_build());
	snprintf(data, sizeof(data), "KCT_DATA=%s", kct_data());
	const char *env[] = {data, "KCPROF_CUPTI=0", NULL};
	const char *argv[] = {bin, "3", NULL};
	int st = kct_run(dir, env, argv);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "cxx_client failed: see %s.log", dir);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	char want[256];
	/* requests 500 and 502 load through the inlined helper, 501 through the host function
	 * named as the kernel */
	snprintf(want, sizeof(want),
		 "    called from %s:%d in load_module (2 loads), %s:%d in fill_mask (1 load)\n",
		 src, load_line, src, other_line);
	cr_assert(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want),
		 "    compiled from %s:%d in serve::Builder<…>::compile (3 compiles)\n", src,
		 compile_line);
	cr_assert(strstr(out, want), "%s", out);
	free(dir);
}

Test(stacks, function_names_as_frames_show_them)
{
	static const char *const cases[][2] = {
	    {"_ZN5serve6Server7requestEi", "serve::Server::request"},
	    {"_ZNK5serve7BuilderISt6vectorIiSaIiEEE7compileERKS3_", "serve::Builder<…>::compile"},
	    {"_ZN3FooltERKS_", "Foo::operator<"},
	    {"_ZN3FoolsEi", "Foo::operator<<"},
	    {"_ZN3FooclEv", "Foo::operator()"},
	    {"_ZZ4mainENKUliE_clEi", "main::{lambda(int)#1}::operator()"},
	    {"__libc_start_main@@GLIBC_2.34", "__libc_start_main"},
	    {"request", "request"},
	    {"_Znot_a_name", "_Znot_a_name"},
	    /* a function template's return type left out; expressions among template
	     * arguments; operators whose names hold a space */
	    {"_ZN3ops3addIfEEvPT_S2_i", "ops::add<…>"},
	    {"_ZN1AIXgtLi1ELi2EEE1fEv", "A<…>::f"},
	    {"_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo"},
	    {"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<…>::push_back"},
	    {"_ZnwmRKSt9nothrow_t", "operator new"},
	    {"_ZN3FoocviEv", "Foo::operator int"},
	    {"_ZN3FoocvmEv", "Foo::operator unsigned long"},
	    {"_ZN3FoocvPKcEv", "Foo::operator char const*"},
	    {"_Z1fIiEN2ns10operator_tEv", "f<…>"}, /* a type named operator_t: not an operator */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[128];
		kca_function_name(cases[i][0], got, sizeof(got));
		cr_assert_str_eq(got, cases[i][1], "%s", cases[i][0]);
	}
	char small[8]; /* cut, never overrun */
	kca_function_name("_ZNK5serve7BuilderISt6vectorIiSaIiEEE7compileERKS3_", small,
			  sizeof(small));
	cr_assert_str_eq(small, "serve::");
}

/* gen_trace DIR chain N MODE (tests/bench/gen_trace.c): NVRTC's PTX linked by nvJitLink,
 * then loaded, N times. */
static char *chain_trace(unsigned n, int mode)
{
	char *dir = kct_tmpdir(), cmd[9000];
	snprintf(cmd, sizeof(cmd), "%s/tests/bench/gen_trace %s chain %u %d", kct_build(), dir, n,
		 mode);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return dir;
}

/* The same, read into m with its kernels grouped: kernA and kernB (modes 2, 4 and 5). */
static char *chain_model(unsigned n, int mode, struct kca_model *m)
{
	char *dir = chain_trace(n, mode);
	cr_assert_gt(kca_model_load(m, &dir, 1), 0);
	kca_model_families(m);
	cr_assert_eq(m->nfamilies, 2);
	return dir;
}

/* gen_trace chain 3 MODE (4 or 5: two threads, one PTX built again and again): kernA's
 * three NVRTC compiles took 5 µs each, kernB's 10 µs, each with a link whose output was loaded
 * as that kernel. */
static void nvrtc_time_by_kernel(int mode)
{
	struct kca_model m;
	char *dir = chain_model(3, mode, &m);
	for (unsigned i = 0; i < m.nfamilies; i++) {
		const struct kca_family *f = &m.families[i];
		uint64_t nvrtc_ns = 0;
		unsigned nvrtc = 0;
		for (unsigned k = 0; k < f->ncompiles; k++) {
			const struct kca_compile *o = &m.compiles[f->compiles[k]];
			if (o->tool != KC_TOOL_NVRTC)
				continue;
			nvrtc++;
			nvrtc_ns += o->duration_ns;
		}
		cr_assert_eq(nvrtc, 3, "mode %d, %s: %u NVRTC compiles", mode, f->name, nvrtc);
		cr_assert_eq(nvrtc_ns, strcmp(f->name, "kernA") == 0 ? 15000u : 30000u,
			     "mode %d, %s: %llu", mode, f->name, (unsigned long long)nvrtc_ns);
	}
	kca_model_free(&m);
	free(dir);
}

/* A compile whose output a later compile took is that compile's load's: the NVRTC compile
 * goes with the link that started after it ended, not one that was already under way, even
 * where one PTX is linked into two kernels in turn, 20 µs apart. */
Test(stacks, a_compile_goes_with_the_link_that_took_its_output)
{
	struct kca_model m;
	char *dir = chain_model(20, 2, &m);
	for (unsigned i = 0; i < m.nfamilies; i++) {
		const struct kca_family *f = &m.families[i];
		unsigned nvrtc = 0, links = 0;
		for (unsigned k = 0; k < f->ncompiles; k++) {
			const struct kca_compile *o = &m.compiles[f->compiles[k]];
			nvrtc += o->tool == KC_TOOL_NVRTC;
			links += o->tool == KC_TOOL_NVJITLINK;
			if (o->tool ==
			    KC_TOOL_NVRTC) { /* the link right after it, its own load's */
				cr_assert_geq(o->via, 0);
				cr_assert_eq(m.compiles[o->via].time_ns, o->time_ns + 11000);
				cr_assert_eq(m.compiles[o->via].load, o->load);
			}
		}
		cr_assert_eq(nvrtc, 10, "%s: %u NVRTC compiles", f->name, nvrtc);
		cr_assert_eq(links, 10, "%s: %u links", f->name, links);
	}
	kca_model_free(&m);
	free(dir);
	/* two threads building the same PTX, each linking its own kernel, the other's link in
	 * between: each NVRTC compile goes with its own thread's link, where the first link
	 * after it would give kernB both */
	nvrtc_time_by_kernel(4);
	/* one thread compiling the PTX, another linking it (kernA), then the first compiling it
	 * again and linking that itself (kernB): each compile goes with the link of its own
	 * output, not the first with its thread's later link */
	nvrtc_time_by_kernel(5);
	/* each link failing once, then retried: NVRTC's compile goes with the retry */
	dir = chain_trace(4, 3);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "(4 NVRTC compiles 20 µs, 4 nvJitLink compiles 12 µs)") &&
		      strstr(out, "changed: V (-D option): 4 values, 0..3\n") &&
		      strstr(out, "compiled but never loaded:\n  nvJitLink 4×, 12 µs, 4 failed, "),
		  "%s", out);
	free(dir);
	/* a new -D each time: each variant's value, through its link */
	dir = chain_trace(5, 0);
	cr_assert_eq(kct_run_cli((const char *[]){"report", dir, NULL}, out, sizeof(out)), 0);
	cr_assert(strstr(out, "changed: V (-D option): 5 values, 0..4\n"), "%s", out);
	cr_assert(strstr(out, "(5 NVRTC compiles 25 µs, 5 nvJitLink compiles 15 µs)"), "%s", out);
	/* diff compares the NVRTC outputs behind the links where they are PTX text, not where
	 * they are cubins (NVRTC for a real architecture) */
	char cmd[9000];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/images && printf 'x\\0a' >%s/images/1000000000000000.cubin && "
		 "printf 'x\\0b' >%s/images/1000000000000001.cubin",
		 dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", dir, "kernA", "1", "2", NULL}, out, sizeof(out)),
	    0);
	cr_assert(!strstr(out, "] PTX ") && strstr(out, "only the images differ"), "%s", out);
	snprintf(cmd, sizeof(cmd),
		 "cd %s/images && rm *.cubin && echo 'mov.u32 %%r1, 0;' >1000000000000000.ptx && "
		 "echo 'mov.u32 %%r1, 1;' >1000000000000001.ptx",
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(
	    kct_run_cli((const char *[]){"diff", dir, "kernA", "1", "2", NULL}, out, sizeof(out)),
	    0);
	cr_assert(strstr(out, "+++ [B] PTX ") && strstr(out, "+mov.u32 %r1, 1;"), "%s", out);
	free(dir);
}
