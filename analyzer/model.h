/* model.h - a trace directory (or several) in memory, as the report, check, diff and export
 * commands see it: processes, module loads, compiles, functions with their launch counts,
 * and kernel families (one per kernel name) with their variants.
 *
 * Strings live in an arena owned by the model; arrays grow by doubling. A model holds no
 * per-launch records (LAUNCH records are counted, not kept), so its size follows the number
 * of loads and functions, not of launches.
 */
#ifndef KCA_MODEL_H
#define KCA_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/kc_trace.h"

struct kca_proc {
	const char *file; /* trace file */
	const char *dir;  /* trace directory it came from */
	unsigned dir_index;
	uint32_t pid, ppid;
	unsigned role;
	const char *exe, *cwd, *cmdline;
	const char *triton_cache; /* TRITON_CACHE_DIR as the process had it, or NULL */
	const char *home;
	/* Triton caches its loads came from by file (ROOT/ENTRY/NAME.cubin: Inductor's own cache,
	 * TORCHINDUCTOR_CACHE_DIR/triton/N, which the environment at start does not name) */
	const char *cubin_roots[4];
	unsigned ncubin_roots;
	uint32_t ancestors[KC_MAX_ANCESTORS];
	unsigned nancestors;
	uint64_t start_ns, end_ns; /* first and last record times (CLOCK_MONOTONIC) */
	int ended;		   /* END record seen: the process exited normally */
	int truncated, corrupt;	   /* reader problems */
	uint64_t lost;
	uint64_t launches_full; /* LAUNCH records seen */
	unsigned cupti_last; /* last KC_CUPTI_* event of who holds CUPTI (SUBSCRIBED to DISABLED),
			      * or KC_CUPTI_END if none */
	int cupti_off;	     /* recorded with KCPROF_CUPTI off (record --no-cupti) */
	uint64_t cupti_unseen_from_ns; /* yielded/refused at this time: CUPTI-only paths unseen */
	/* CUDA graphs: executable graphs made (those made where no hook saw them, launched with
	 * their kernels unknown), their launches, and captures */
	unsigned graphs, graphs_unseen, captures;
	unsigned captures_applied;  /* of captures: their launches taken off (graph seen made) */
	unsigned graphs_incomplete; /* kernels not all listed: conditional or unreadable nodes */
	uint64_t graph_launches, win_graph_launches; /* the whole run's, the window's */
	int parent; /* index of the nearest recorded ancestor, -1 if none */
};

struct kca_load {
	int proc;
	uint32_t tid;	  /* the thread that loaded it */
	uint64_t time_ns; /* end of the load */
	uint64_t handle, hash, loaded_hash, size, duration_ns;
	unsigned api, kind;
	int result;
	uint16_t path, flags;
	const char *file;
	const char **names;
	unsigned nnames;
	const char *jit_options; /* joined with spaces */
	int family_variant;	 /* filled by kca_model_families: variant index in its family */
	/* filled by kca_model_families: a lazy load, the rest of a library or fatbin its process
	 * loaded before (the CUDA runtime's lazy loading), counted as that load: its index + 1
	 * (0: none) */
	unsigned continues_load;
	int no_kernels;	   /* its image, read, holds none: data only (cuBLAS's constants) */
	uint64_t build_ns; /* compile time attributed to this load (children, NVRTC, link) */
	int in_window;	   /* within the model's time window (always, without one) */
	int device;	   /* the ordinal of the device it went to (LOAD_CONTEXT), -1 unknown */
	/* Where it was asked for, in a Python process (CALLSITE records): frames innermost
	 * first, "FILE\tLINE\tFUNCTION"; Triton's specialisation, "NAME\tKIND\tVALUE". */
	const char **py_frames, **triton_args;
	unsigned npy_frames, ntriton_args;
	/* Under jax.jit: the function compiled (its callsite's "name\tjax.jit\tNAME"), or NULL;
	 * filled by kca_model_families for a cubin loaded on a thread without Python in a JAX
	 * process (XLA's autotuner, timing candidates while it compiles), xla_autotune set */
	const char *jax_fun;
	int xla_autotune;
	/* In a native program: return addresses, "MODULE\t0xOFFSET\t" (kca_native_frame) */
	const char **native_frames;
	unsigned nnative_frames;
};

struct kca_compile {
	int proc;
	uint32_t tid; /* the thread that asked for it */
	uint64_t time_ns, duration_ns;
	unsigned tool;
	int result;
	uint64_t input_hash, output_hash, ptx_hash;
	const char *name;
	const char **options;
	unsigned noptions;
	const char *inputs; /* joined with spaces */
	int load;	    /* the load this compile is attributed to, -1 if none */
	int via;	    /* the compile its output went into (attributed to `load`), or -1 */
	int root;      /* the end of that chain: the compile whose output was loaded (itself) */
	int in_window; /* within the model's time window (always, without one) */
	/* Where it was asked for (CALLSITE records, as a load's): Python frames, or native */
	const char **py_frames, **native_frames;
	unsigned npy_frames, nnative_frames;
};

struct kca_func {
	int proc;
	uint32_t id;
	uint64_t handle, module_handle, module_hash;
	unsigned api;
	uint16_t path;
	const char *name;
	/* from the last LAUNCH_STATS of this function */
	uint64_t count, errors, first_ns, last_ns, attrs, other_shapes;
	unsigned grew; /* LAUNCH_STATS whose count had grown: the flush windows it ran in */
	uint16_t stat_paths;
	unsigned nshapes;
	struct kc_shape shapes[KC_MAX_SHAPES];
	/* CUDA graphs: launches that went into a stream capture (counted above, never run), and
	 * runs as a kernel node of a graph launched (not counted above) */
	uint64_t captured, graph_runs, graph_last_ns;
	/* The same within the model's time window (kca_model_load_window): launches counted by
	 * the flushes inside it, captures made inside it, runs of graph launches inside it. */
	uint64_t win_count, win_captured, win_graph_runs;
};

/* A stream capture whose launches were taken off its kernels' (its graph seen made
 * executable, or every one of its kernels found in a graph so made: a child graph), as export
 * places it: at the first flush of its kernels' counts from its time on. */
struct kca_capture {
	int proc;
	uint64_t time_ns; /* when cuStreamEndCapture returned */
	unsigned n;
	const int *funcs;      /* m->funcs indexes */
	const uint32_t *nodes; /* each one's kernel nodes: its launches into the capture */
};

/* Its launches that went into a capture and ran only as part of the graph (at most its
 * launches). */
static inline uint64_t kca_func_captured(const struct kca_func *f)
{
	return f->captured < f->count ? f->captured : f->count;
}

/* How often a function ran: its launches, less those captured into graphs, plus its runs in
 * graph launches. */
static inline uint64_t kca_func_runs(const struct kca_func *f)
{
	return f->count - kca_func_captured(f) + f->graph_runs;
}

/* The same within the model's time window. */
static inline uint64_t kca_func_win_runs(const struct kca_func *f)
{
	uint64_t captured = f->win_captured < f->win_count ? f->win_captured : f->win_count;
	return f->win_count - captured + f->win_graph_runs;
}

/* GPU time of the kernels of one name in one process (the last GPU_TIME record). */
struct kca_gpu_time {
	int proc;
	const char *name;
	uint64_t count, total_ns, min_ns, max_ns, gap_count, gap_ns, overlapped;
	/* within the model's time window, by the flushes that wrote the counts (the whole run's
	 * without one; min and max stay the whole run's) */
	uint64_t win_count, win_total_ns, win_gap_count, win_gap_ns, win_overlapped;
};

struct kca_variant {
	uint64_t hash;
	unsigned kind;
	int first_load;	   /* load index */
	unsigned loads;	   /* times this image was loaded */
	uint64_t launches; /* runs of functions from modules with this image (kca_func_runs) */
	unsigned launch_windows; /* flush windows a function of it ran in, the most of them */
	uint64_t first_ns, last_launch_ns;
	int first_in_window; /* its first load fell within the model's time window */
	uint64_t load_ns, build_ns;
	int compile;	    /* a compile that made it (NVRTC, link), -1 if none */
	const char *symbol; /* the kernel's symbol in it, where not the family's name (numba's) */
	const char *triton_dir;	 /* Triton cache directory of this variant, if found */
	unsigned autotune_loads; /* of its loads, XLA's autotuner's (kca_load.xla_autotune) */
};

enum kca_verdict {
	KCA_FINE,
	KCA_SPECIALIZATION_CHURN, /* one name, many images, each used little */
	KCA_RELOAD_CHURN,	  /* one image loaded again and again */
	KCA_AUTOTUNE_SWEEP,	  /* a burst of variants, then one serves almost every launch */
	KCA_FEW_VARIANTS,	  /* a few variants that each serve many launches: worth a look */
	KCA_BUILT_PER_PROCESS,	  /* one image, built again in each process that loads it */
};

enum kca_front_end {
	KCA_FE_UNKNOWN,
	KCA_FE_TRITON,
	KCA_FE_INDUCTOR,
	KCA_FE_NVRTC,
	KCA_FE_PTX,
	KCA_FE_LINK,
	KCA_FE_CUDART,	 /* images the CUDA runtime loaded: the program's linked-in kernels */
	KCA_FE_DRIVER,	 /* a cubin the program loaded itself through the driver API */
	KCA_FE_COMPILER, /* images a compiler child (nvcc, ptxas) built for the program to load */
	KCA_FE_FATBIN,	 /* a fatbin the program loaded itself through the driver API */
	KCA_FE_NUMBA,	 /* numba.cuda's kernels: NVVM, then a link or a PTX load */
	KCA_FE_JAX	 /* XLA's kernels of a function jax.jit compiled (ptxas, then a load) */
};

struct kca_family {
	const char *name;
	struct kca_variant *variants;
	unsigned nvariants;
	unsigned loads, reloads;
	/* the process that loaded an image of it again most often: its loads and reloads of it
	 * (reload churn is one process's: each of a server's ranks loading it once is not) */
	unsigned proc_loads, proc_reloads;
	uint64_t launches, errors; /* launches: kca_func_runs of its functions */
	uint64_t graph_runs;	   /* of those, runs in CUDA graph launches */
	uint64_t load_ns, build_ns;
	uint64_t first_ns, last_ns;
	uint64_t attrs;
	unsigned procs;	   /* processes it was loaded in */
	unsigned built_in; /* of those, the ones that built it (KCA_BUILT_PER_PROCESS) */
	/* the most devices one process loaded it on (LOAD_CONTEXT records): an image loaded once
	 * a device is not loaded again */
	unsigned devices;
	unsigned proc_devices; /* the devices of the process of proc_reloads */
	/* GPU time, where the trace has it (kcprof record --gpu-time), all processes */
	uint64_t gpu_count, gpu_ns, gpu_min_ns, gpu_max_ns, gap_count, gap_ns, overlapped;
	enum kca_verdict verdict;
	enum kca_front_end front_end;
	int churn;
	/* a kernel reloaded with another of its module: the index of the first family (in
	 * m->families' order) whose images and loads are the same as this one's, both with
	 * reload churn; -1 if none. The module's reloads are one problem, said once, on it. */
	int module_mate;
	int next_module_mate; /* the next of those mates after this one (the first after the
				 first family), in order; -1 at the last */
	int library_api;     /* its first image came through cuLibraryLoad* (CUlibrary, CUkernel) */
	int prebuilt_copies; /* its variants: images the CUDA runtime loaded, none built at run
				time (one kernel in two of a program's libraries) */
	struct kca_changes *changes; /* what differs between variants: kca_family_changes */
	/* A kernel loaded or built again and again whose def is inside another function
	 * (kca_kernel_def_inside): that function, and the def's file:line; NULL otherwise. */
	const char *def_inside, *def_where;
	unsigned *compiles, ncompiles, cap_compiles; /* compiles attributed to its loads */
	/* Within the model's time window: variants first loaded in it (new images: builds, or
	 * first loads), loads and reloads in it, their time, the compiles attributed to its loads
	 * that ended in it, and runs in it. Without a window, the whole run's. */
	struct {
		unsigned new_variants, loads, reloads;
		unsigned proc_reloads; /* the most of those reloads in one process */
		uint64_t load_ns, build_ns, launches, first_ns, last_ns;
		uint64_t first_rel_ns, last_rel_ns; /* the same from its recording's start */
		/* GPU time (--gpu-time) by the flushes in the window, as launches */
		uint64_t gpu_count, gpu_ns, gap_count, gap_ns, overlapped;
	} win;
};

/* A time window of a recording (report and check --since/--until): from `since_ns` to
 * `until_ns` (0: the end) after the recording's start, the opening of the earliest trace file
 * of its directory. Builds and loads count by when they ended; launches by the flush that
 * wrote their counts (every KCPROF_FLUSH_MS, 1 s by default), so a window's launch counts are
 * as exact as that period. */
struct kca_window {
	uint64_t since_ns, until_ns;
};
/* A command's --since and --until (either NULL when not given) into *w: 0, or -1 with a
 * usage message naming the command on stderr. */
int kca_window_options(const char *cmd, const char *since, const char *until, struct kca_window *w);

struct kca_model {
	char **dirs;
	char **data_dirs; /* where each one's images and archived caches are: the directory, or a
			     trace file's own directory */
	unsigned ndirs;
	struct kca_proc *procs;
	unsigned nprocs, cap_procs;
	struct kca_load *loads;
	unsigned nloads, cap_loads;
	struct kca_compile *compiles;
	unsigned ncompiles, cap_compiles;
	struct kca_func *funcs;
	unsigned nfuncs, cap_funcs;
	struct kca_gpu_time *gpu;
	unsigned ngpu, cap_gpu;
	struct kca_capture *captures; /* those applied, in each file's order */
	unsigned ncaptures, cap_captures;
	struct kca_family *families;
	unsigned nfamilies;
	uint64_t problems; /* reader warnings */
	struct kca_arena *arena;
	struct cache_index *triton_caches;     /* Triton cache directories indexed by cubin size */
	struct kca_source_file *sources;       /* Python sources found and read (changes.c) */
	struct kca_module_syms *symbols;       /* modules read for native call sites (symbols.c) */
	struct kca_native_names *native_names; /* frames named, by frame and directory */
	/* The time window, if one was asked for (kca_model_load_window): per directory, the
	 * recording's start and the window in CLOCK_MONOTONIC times. */
	int windowed;
	struct kca_window window;
	uint64_t *origin_ns, *win_from_ns, *win_to_ns;
};

/* How long directory d's recording ran: from its start (origin_ns) to its last process's end. */
uint64_t kca_model_recorded_ns(const struct kca_model *m, unsigned d);

/* A run's totals: the report's header lines, the comparison's rows, the JSON's. */
struct kca_totals {
	uint64_t build, load, launches, graph_runs, graph_launches, captured;
	unsigned graphs, graphs_unseen, graphs_incomplete, captures, captures_applied;
	unsigned ptx_loads, churn, ncompiles, nloads;
	unsigned unnamed;      /* loads that succeeded with no kernel named: they count for none */
	unsigned failed_loads; /* loads the driver refused (counted in nloads) */
	uint64_t unnamed_load; /* their time */
	/* launches of functions kcprof could not name (taken where no hook saw them, without
	 * CUPTI), and launches the driver refused on a function no load named (a NULL one):
	 * neither counts for a kernel (a kernel's refused launches are its launch_errors) */
	uint64_t unnamed_launches, launch_errors;
	uint64_t gpu_ns, gpu_runs, gap_runs, gap_ns, overlapped;
};
void kca_model_totals(const struct kca_model *m, struct kca_totals *t);
/* The same within the model's time window: builds, loads, launches, graph launches and
 * captures (GPU time is the whole run's). Without a window, kca_model_totals. */
void kca_model_window_totals(const struct kca_model *m, struct kca_totals *t);

/* Load every trace of each directory; problems are printed as warnings and counted. Returns
 * how many trace files had a readable record (0: none), or -ENOENT when a directory is missing. */
int kca_model_load(struct kca_model *m, char **dirs, unsigned ndirs);
/* The same, counting also what falls within a time window of each directory's recording
 * (the win fields above); w NULL: no window. */
int kca_model_load_window(struct kca_model *m, char **dirs, unsigned ndirs,
			  const struct kca_window *w);
/* The program's own line among Python frames ("FILE\tLINE\tFUNCTION", innermost first): the
 * first outside the libraries (site-packages, the standard library, Inductor's generated
 * modules); else the first outside Triton, torch and the standard library (a program installed
 * in site-packages); else, on a thread the standard library started (a pool's worker), its
 * outermost frame outside the standard library (the task: Inductor's autotuning); else the
 * innermost. "file:line" into where (relative to cwd, the process's
 * directory, when under it; cwd may be NULL) and the function into func; 0, or -1 with no
 * frames. */
int kca_user_frame(const char *const *frames, unsigned n, const char *cwd, char *where, size_t wcap,
		   char *func, size_t fcap);
/* A program line that loads of a kernel came from (kca_user_frame of their Python frames). */
struct kca_call_site {
	char where[512], func[128];
	unsigned count; /* loads, or compiles, made from it */
};
/* The distinct call sites of f's loads (those in the time window, with one), most loads
 * first, at most cap of them; returns how many there are in all. */
unsigned kca_family_call_sites(struct kca_model *m, const struct kca_family *f,
			       struct kca_call_site *out, unsigned cap);
/* The same for the compiles attributed to f's loads (NVRTC, nvJitLink, cuLink): where the
 * program asked for each build, which may be another function than the one that loads it. */
unsigned kca_family_compile_sites(struct kca_model *m, const struct kca_family *f,
				  struct kca_call_site *out, unsigned cap);
/* A native frame ("MODULE\t0xOFFSET\t") named: "file:line" (relative to cwd when under it)
 * and the function, from the module's symbols and line table; "module+0xoffset" and "?" where
 * the module cannot be read. 0, or -1 if frame is not one. Modules are read once a model. */
int kca_native_frame(struct kca_model *m, const char *frame, const char *cwd, const char *trace_dir,
		     char *where, size_t wcap, char *func, size_t fcap);
/* The same, each level of inlining at it, innermost first (the inlined function at its line,
 * then its caller at the line of the call): how many (at least 1), or -1 if frame is not one.
 * Cached in the model. */
struct kca_native_name {
	char where[512], func[128];
	const char *raw; /* the function's symbol or linkage name as recorded (NULL: none) */
};
int kca_native_frames(struct kca_model *m, const char *frame, const char *cwd,
		      const char *trace_dir, const struct kca_native_name **out);
/* Where 'kcprof archive' keeps a copy of a module a trace's frames name:
 * TRACE_DIR/modules/BUILD_ID/BASENAME (TRACE_DIR: a process's dir). 0, or -1 (no build-id,
 * or not one). */
int kca_archived_module_path(const char *trace_dir, const char *build_id, const char *module,
			     char *out, size_t cap);
/* A native frame's module path and recorded build-id ("" when none): 0, or -1. */
int kca_native_frame_module(const char *frame, char *module, size_t cap, const char **build_id);
/* Whether a module is CUDA's, the C or C++ runtime's or the loader's (not the program's). */
int kca_library_module(const char *path);
/* A module file's GNU build-id in hex ("" if it has none); 0, or -1 if it cannot be read. */
int kca_module_build_id(struct kca_model *m, const char *path, char *hex, size_t cap);
/* A symbol's name as frames show it: C++ names demangled, their parameter lists and
 * qualifiers left out and template arguments shown as "<…>" ("serve::Builder<…>::compile"),
 * a symbol's version cut ("__libc_start_main"); other names as they are. */
void kca_function_name(const char *name, char *out, size_t cap);
/* The template arguments of a C++ function's symbol, as demangled ("100", "float"), at most
 * max: how many (0 where it is no template's instance). */
int kca_template_args(const char *symbol, char (*args)[64], unsigned max);
/* A kernel's name as the report's headings give it: a C++ kernel demangled
 * (kca_function_name: "at::native::reduce_kernel<…>"), another name as it is. */
void kca_kernel_display_name(const char *symbol, char *out, size_t cap);
/* Whether symbol is a numba kernel's (a dispatcher's uid in it): then its qualified name in out
 * ("__main__::make_scale::<locals>::scale": every dispatcher and specialisation of it one
 * kernel) and, where args is given, where its mangled argument types begin. */
int kca_numba_kernel(const char *symbol, char *out, size_t cap, const char **args);
/* A numba kernel's argument types as numba prints them ("float32", "array(float32, 1d, C)"),
 * at most max: how many, or -1 where symbol is not numba's or a type not read. */
int kca_numba_arg_types(const char *symbol, char (*types)[64], unsigned max);
/* Kernels' names as a listing shows them: kca_kernel_display_name, made printable; a symbol
 * whose name reads like another added symbol's (two instantiations of one template) is shown
 * by its whole symbol, so that no two kernels read alike. Add every kernel of the traces
 * before naming any (a command names a kernel the same way whatever it lists). */
struct kca_kernel_names;
struct kca_kernel_names *kca_kernel_names_new(void);
void kca_kernel_names_add(struct kca_kernel_names *t, const char *symbol);
/* The name to show for a symbol, valid until the table is freed; a symbol not added goes by its
 * symbol (naming it changes no other's name). */
const char *kca_kernel_name(struct kca_kernel_names *t, const char *symbol);
void kca_kernel_names_free(struct kca_kernel_names *t);
/* The program's own frame among native ones, named as kca_native_frame does: the first with a
 * source line outside CUDA's libraries, the C and C++ runtimes, the loader, and the code nvcc
 * put in the program (the static CUDA runtime; the host stubs of kernels, which the load's
 * kernel names name); else the first such without a line; else the innermost. */
int kca_native_user_frame(struct kca_model *m, const char *const *frames, unsigned n,
			  const char *cwd, const char *trace_dir, const char *const *kernels,
			  unsigned nkernels, char *where, size_t wcap, char *func, size_t fcap);
/* Whether the innermost of native frames (the caller of the hooked API) is the program's own
 * code: a source line outside CUDA's and the system's libraries and headers, and not the
 * static CUDA runtime. 0 where that cannot be told (no line table: a stripped library's
 * nearest symbol may be any function). */
int kca_native_caller_is_program(struct kca_model *m, const char *const *frames, unsigned n,
				 const char *cwd, const char *trace_dir);
/* One of a load's Triton arguments, "NAME\tKIND\tVALUE", split in place (name and kind by
 * their lengths). 0, or -1 when it is not one. */
struct kca_triton_arg {
	const char *name, *kind, *value;
	int name_len, kind_len;
};
int kca_triton_arg(const char *arg, struct kca_triton_arg *out);
/* path relative to dir when under it (dir NULL or "/": path as it is). */
const char *kca_path_under(const char *path, const char *dir);
/* path made absolute against dir (a process's working directory, a compilation's), into out:
 * path as it is where it is absolute or dir is NULL or "". 0, or -1 where out was too short. */
int kca_path_in(const char *path, const char *dir, char *out, size_t cap);
/* In-process compiles (NVRTC, nvJitLink, cuLink; in the window, with one) whose output no
 * load took, directly or through a later compile: time spent on builds the run never used
 * (or used through a path kcprof did not see). Grouped by tool and program name, most time
 * first; *out (free it) gets them, the count is returned. */
struct kca_compile_group {
	unsigned tool;
	const char *name;
	unsigned count, failed;
	uint64_t ns;
	struct kca_call_site site; /* the busiest of nsites call sites (nsites 0: none) */
	unsigned nsites;
	char changed[256]; /* a -D whose value changed between them ("" if none) */
};
unsigned kca_unloaded_compiles(struct kca_model *m, struct kca_compile_group **out);
/* A load's call site, Python's or native: 0, or -1 when it has none. */
/* Whether the CUDA runtime made load l (the program's linked-in kernels): a lazy load, or a
 * cuLibraryLoad* or cuModuleLoadFatBinary that its native frames do not show the program's
 * own code making (a Python process's have none: PyTorch's runtime). */
int kca_load_by_cudart(struct kca_model *m, const struct kca_load *l);
int kca_load_call_site(struct kca_model *m, const struct kca_load *l, char *where, size_t wcap,
		       char *func, size_t fcap);
/* A compile's call site, the same way. */
int kca_compile_call_site(struct kca_model *m, const struct kca_compile *o, char *where,
			  size_t wcap, char *func, size_t fcap);
void kca_symbols_free(struct kca_model *m);
/* Whether a time of directory d's recording (CLOCK_MONOTONIC) falls within the window. */
int kca_model_in_window(const struct kca_model *m, unsigned dir, uint64_t t);
/* A model's families by name (each name is one family). */
struct kca_family_name;
struct kca_family_name *kca_family_index(const struct kca_model *m);
const struct kca_family *kca_family_named(struct kca_family_name *index, const char *name);
/* Whether a kernel symbol is one of family f's: its name, or a variant's own symbol (numba's, a
 * template's instance's). */
int kca_family_named_by(const struct kca_family *f, const char *symbol);
/* f's variants XLA's autotuner loaded (kca_variant.autotune_loads): its candidate configs. */
unsigned kca_family_xla_tuned(const struct kca_family *f);
/* Whether numba built every variant of f where @cuda.jit listed its signatures (at the
 * decorator, from Python frames), none when it was called. */
int kca_numba_built_at_start(const struct kca_model *m, const struct kca_family *f);
void kca_family_index_free(struct kca_family_name *index);
/* Whether a compile builds GPU code: NVRTC, nvJitLink and cuLink do; of compiler children,
 * nvcc, ptxas, cicc, nvlink and fatbinary, not the host compiler. */
int kca_compile_makes_gpu_code(const struct kca_compile *c);
/* Whether c is a run of a CUDA compiler child (nvcc, ptxas) whose output the load of an
 * image of `hash` took: a build of that variant. */
int kca_child_built(const struct kca_model *m, const struct kca_compile *c, uint64_t hash);
/* When a compile began: its end less its time. */
static inline uint64_t kca_compile_start(const struct kca_compile *c)
{
	return c->time_ns > c->duration_ns ? c->time_ns - c->duration_ns : 0;
}
/* Group loads into kernel families, attribute compiles, set verdicts. Families are sorted
 * worst first (by build + load time, then by variants). */
void kca_model_families(struct kca_model *m);
/* How many other kernels of its module were reloaded with family f, f the first of them
 * (module_mate: the chain of next_module_mate); 0 for any other. */
unsigned kca_family_module_mates(const struct kca_model *m, const struct kca_family *f);
/* Whether a kernel was built within the model's time window, or loaded there in a way worth
 * a look: a new image of a compiling front end (Triton, torch.compile, NVRTC, PTX JIT, JIT
 * link), a reload, or any load of a flagged kernel. A prebuilt kernel's first load (the CUDA
 * runtime's lazy loading) is not. */
int kca_family_built_in_window(const struct kca_family *f);
/* Whether every config of a family under @triton.autotune (ch: its changes) ran long after its
 * build and in several flush windows, not only in the first tuning (there each config but the
 * chosen one runs within a window or two of its build): the autotuner benchmarked them again.
 * *windows: the fewest windows a config ran in; *after_ns: the least time from a config's build
 * to its last run. */
int kca_family_retuned(const struct kca_family *f, const struct kca_changes *ch, unsigned *windows,
		       uint64_t *after_ns);
/* With a time window: whether f built and loaded nothing in it, but its autotuner benchmarked
 * every config there again (kca_family_retuned, each config's last run in the window). */
int kca_family_retuned_in_window(struct kca_model *m, const struct kca_family *f);
/* Time t of directory d's recording from its start (0 for a time before it). */
uint64_t kca_model_rel_ns(const struct kca_model *m, unsigned dir, uint64_t t);
void kca_model_free(struct kca_model *m);

/* Whether lc (its thread's last LOAD_CONTEXT before r) is the context of the load whose
 * MODULE_LOAD record is r. */
int kca_load_context_is(const struct kc_rec_load_context *lc, const struct kc_rec_hdr *r);
const char *kca_verdict_name(enum kca_verdict v);
const char *kca_front_end_name(enum kca_front_end fe);
/* Who loaded the kernel, after its count of loads: " by 3 processes (on up to 2 devices
 * each)", " on 4 devices" (one process), or "" (one process, one device). */
const char *kca_family_loaders(const struct kca_family *f, char *buf, size_t cap);
/* A string kept as long as the model. */
const char *kca_model_strdup(struct kca_model *m, const char *s);
/* n bytes from the model's arena (aligned for pointers), freed with the model */
void *kca_model_alloc(struct kca_model *m, size_t n);
/* Triton cache directory holding a cubin of this hash and size, or NULL. */
const char *kca_triton_dir_of(struct kca_model *m, const struct kca_proc *p, uint64_t hash,
			      uint64_t size);

#endif
