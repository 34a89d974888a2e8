/* kc_trace.h - the kcprof trace format: records only, shared by the recorder and the analyzer.
 *
 * A trace is one file per process, "<pid>-<comm>.kct", in the output directory, plus an image
 * store "images/<hash>.<ext>" holding every distinct code image once. The file is a header
 * followed by records, appended as they happen; a reader stops cleanly at the last whole
 * record. docs/trace-format.md is the specification; keep the two in step.
 *
 * Compatibility: a reader accepts KC_TRACE_VERSION_MIN..KC_TRACE_VERSION. New record types
 * and new fields appended at the end of a record without strings do not bump the version:
 * readers skip unknown types and zero-fill fields a shorter (older) record lacks. (A record
 * with strings cannot grow: its strings begin where its fixed part ends.)
 */
#ifndef KC_TRACE_H
#define KC_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define KC_TRACE_MAGIC "KCPROF\x1a\n"
#define KC_TRACE_VERSION 1
#define KC_TRACE_VERSION_MIN 1
#define KC_TRACE_ENDIAN_LITTLE 1
#define KC_TRACE_SUFFIX ".kct"
#define KC_IMAGE_DIR "images"
#define KC_REC_ALIGN 8
#define KC_REC_MAX_SIZE (64u << 20) /* larger sizes are corruption */

/* Feature bits in kc_file_hdr.feat_mask. */
#define KC_FEATURES(X)                                                                             \
	X(0, FULL_LAUNCHES, "full-launches") /* one LAUNCH record per launch */                    \
	X(1, IMAGES, "images")		     /* code images stored under images/ */                \
	X(2, CUPTI, "cupti")		     /* CUPTI callbacks were asked for */                  \
	X(3, GPU_TIME, "gpu-time")	/* GPU_TIME records: kernel times from CUPTI activity */   \
	X(4, HDR_CHECK, "header-check") /* hdr_check holds the header's XXH32 */                   \
	X(5, PYTHON, "python")		/* CALLSITE records: Python frames at loads, compiles */   \
	X(6, STACKS, "stacks")		/* CALLSITE records: native frames at loads, compiles */

#define KC_FEAT_BIT(bit, id, str) KC_FEAT_##id = 1ull << (bit),
enum kc_feature { KC_FEATURES(KC_FEAT_BIT) };
#undef KC_FEAT_BIT

struct kc_file_hdr {
	char magic[8];	      /* KC_TRACE_MAGIC */
	uint16_t version;     /* KC_TRACE_VERSION of the writer */
	uint16_t header_size; /* sizeof(struct kc_file_hdr) of the writer */
	uint8_t endian;	      /* KC_TRACE_ENDIAN_LITTLE */
	uint8_t rec_hdr_size; /* sizeof(struct kc_rec_hdr) */
	uint16_t reserved0;
	uint32_t pid;
	uint32_t ppid;
	uint64_t feat_mask;	/* KC_FEAT_* */
	uint64_t start_mono_ns; /* CLOCK_MONOTONIC at open: record times are on this clock */
	uint64_t start_real_ns; /* CLOCK_REALTIME at the same moment */
	/* With KC_FEAT_HDR_CHECK: XXH32 of the 48 bytes before it (magic to start_real_ns),
	 * seeded with KC_HDR_CHECK_SEED; else 0 (writers before it) */
	uint32_t hdr_check;
	uint32_t reserved1;
	uint64_t reserved2;
};
#define KC_HDR_CHECK_SEED 0x6b636864u

/* Every record starts with this header. size counts the header and is a multiple of 8;
 * check is XXH32 of the size - 24 bytes after the header, seeded with the type. */
struct kc_rec_hdr {
	uint16_t type;
	uint16_t flags; /* reserved, 0 */
	uint32_t size;
	uint32_t check;
	uint32_t tid;
	uint64_t time_ns; /* CLOCK_MONOTONIC */
};

/* A string inside a record: off from the start of the record, len without the NUL that
 * always follows it. {0, 0} is the empty string. */
struct kc_str {
	uint32_t off;
	uint32_t len;
};

/* count NUL-terminated strings back to back, len bytes in all (NULs included). */
struct kc_strlist {
	uint32_t off;
	uint32_t len;
	uint32_t count;
	uint32_t reserved;
};

/* ---------------------------------------------------------------------------------------- */
/* Enumerations, each an X-macro so that names printed by `kcprof dump` come from the same
 * list as the values (an enum and its name table cannot drift). */

#define KC_RECORD_TYPES(X)                                                                         \
	X(1, PROCESS, "process")                                                                   \
	X(2, MODULE_LOAD, "module_load")                                                           \
	X(3, MODULE_UNLOAD, "module_unload")                                                       \
	X(4, FUNCTION, "function")                                                                 \
	X(5, COMPILE, "compile")                                                                   \
	X(6, LAUNCH_STATS, "launch_stats")                                                         \
	X(7, LAUNCH, "launch")                                                                     \
	X(8, CUPTI, "cupti")                                                                       \
	X(9, LOST, "lost")                                                                         \
	X(10, END, "end")                                                                          \
	X(11, GPU_TIME, "gpu_time")                                                                \
	X(12, GRAPH, "graph")                                                                      \
	X(13, GRAPH_LAUNCH_STATS, "graph_launch_stats")                                            \
	X(14, CALLSITE, "callsite")                                                                \
	X(15, LOAD_CONTEXT, "load_context")

/* How a call reached kcprof. */
#define KC_PATHS(X)                                                                                \
	X(0, SYMBOL, "symbol")	   /* the exported driver symbol, bound by the loader */           \
	X(1, DLSYM, "dlsym")	   /* a pointer from dlsym(handle, name) */                        \
	X(2, PROCADDR, "procaddr") /* a pointer from cuGetProcAddress[_v2] */                      \
	X(3, CUPTI, "cupti")	   /* a CUPTI callback: the call passed no hook */

/* The API that loaded a module, or made a function handle. */
#define KC_APIS(X)                                                                                 \
	X(0, UNKNOWN, "unknown")                                                                   \
	X(1, MODULE_LOAD, "cuModuleLoad")                                                          \
	X(2, MODULE_LOAD_DATA, "cuModuleLoadData")                                                 \
	X(3, MODULE_LOAD_DATA_EX, "cuModuleLoadDataEx")                                            \
	X(4, MODULE_LOAD_FAT_BINARY, "cuModuleLoadFatBinary")                                      \
	X(5, LIBRARY_LOAD_DATA, "cuLibraryLoadData")                                               \
	X(6, LIBRARY_LOAD_FROM_FILE, "cuLibraryLoadFromFile")                                      \
	X(7, LAZY, "lazy") /* the driver loaded a module inside another call */                    \
	X(8, MODULE_GET_FUNCTION, "cuModuleGetFunction")                                           \
	X(9, LIBRARY_GET_KERNEL, "cuLibraryGetKernel")                                             \
	X(10, KERNEL_GET_FUNCTION, "cuKernelGetFunction")                                          \
	X(11, LAUNCH, "launch") /* a function first seen at a launch */                            \
	X(12, LAUNCH_KERNEL, "cuLaunchKernel")                                                     \
	X(13, LAUNCH_KERNEL_EX, "cuLaunchKernelEx")                                                \
	X(14, LAUNCH_COOPERATIVE, "cuLaunchCooperativeKernel")                                     \
	X(15, GRAPH_NODE, "graph_node") /* a function first seen in a CUDA graph's kernel node */

#define KC_IMAGE_KINDS(X)                                                                          \
	X(0, UNKNOWN, "unknown", "bin")                                                            \
	X(1, CUBIN, "cubin", "cubin")                                                              \
	X(2, PTX, "ptx", "ptx")                                                                    \
	X(3, FATBIN, "fatbin", "fatbin")                                                           \
	X(4, SOURCE, "source", "cu")   /* NVRTC program source */                                  \
	X(5, LTOIR, "ltoir", "ltoir")  /* NVVM IR for link-time optimisation, LLVM bitcode */      \
	X(6, NVVM_IR, "nvvm-ir", "ll") /* NVVM IR as LLVM text: libNVVM's input (numba) */

#define KC_TOOLS(X)                                                                                \
	X(0, UNKNOWN, "unknown")                                                                   \
	X(1, NVRTC, "nvrtc")                                                                       \
	X(2, NVJITLINK, "nvjitlink")                                                               \
	X(3, CULINK, "culink")                                                                     \
	X(4, EXEC, "exec") /* a compiler child process: ptxas, nvcc, cc, ... */                    \
	X(5, NVVM, "nvvm") /* libNVVM: NVVM IR to PTX */

#define KC_CUPTI_EVENTS(X)                                                                         \
	X(0, SUBSCRIBED, "subscribed")	 /* kcprof holds CUPTI: CUPTI-only paths are seen */       \
	X(1, UNAVAILABLE, "unavailable") /* no CUPTI library, or it failed to load */              \
	X(2, REFUSED, "refused")	 /* another tool holds CUPTI (Nsight, a profiler) */       \
	X(3, YIELDED, "yielded")	 /* the program's profiler asked: kcprof let go */         \
	X(4, RESUMED, "resumed")	 /* the program's profiler let go: kcprof took it back */  \
	X(5, DISABLED, "disabled")	 /* KCPROF_CUPTI=0 */                                      \
	X(6, LAUNCHES_OFF, "launches_off") /* launch callbacks off: the hooks see every launch */  \
	X(7, LAUNCHES_ON, "launches_on") /* launch callbacks back on: launches only CUPTI sees */  \
	X(8, GPU_TIME_ON, "gpu_time_on") /* kernel timing (activity records) started */            \
	X(9, GPU_TIME_YIELDED, "gpu_time_yielded") /* the program took CUPTI's activity buffers */ \
	X(10, GPU_TIME_UNAVAILABLE, "gpu_time_unavailable") /* asked for, but CUPTI said no */

/* What made a GRAPH record. */
#define KC_GRAPH_KINDS(X)                                                                          \
	X(0, INSTANTIATE, "instantiate") /* cuGraphInstantiate*: an executable graph */            \
	X(1, CAPTURE, "capture")	 /* cuStreamEndCapture: launches captured, not run */      \
	X(2, UPDATE, "update") /* cuGraphExecUpdate: the exec runs another graph's kernels */      \
	X(3, UNSEEN, "unseen") /* launched, but its instantiation passed no hook */

#define KC_ROLES(X)                                                                                \
	X(0, CUDA, "cuda")	   /* a process that touched the CUDA driver */                    \
	X(1, COMPILER, "compiler") /* a compiler child: its trace holds one EXEC compile */

#define KC_ENUM_REC(v, id, ...) KC_REC_##id = v,
#define KC_ENUM_PATH(v, id, ...) KC_PATH_##id = 1u << (v),
#define KC_ENUM_API(v, id, ...) KC_API_##id = v,
#define KC_ENUM_IMAGE(v, id, ...) KC_IMAGE_##id = v,
#define KC_ENUM_TOOL(v, id, ...) KC_TOOL_##id = v,
#define KC_ENUM_CUPTI(v, id, ...) KC_CUPTI_##id = v,
#define KC_ENUM_ROLE(v, id, ...) KC_ROLE_##id = v,
#define KC_ENUM_GRAPH(v, id, ...) KC_GRAPH_##id = v,
enum kc_rec_type { KC_RECORD_TYPES(KC_ENUM_REC) KC_REC_TYPE_END };
enum kc_path { KC_PATHS(KC_ENUM_PATH) };
enum kc_api { KC_APIS(KC_ENUM_API) KC_API_END };
enum kc_image_kind { KC_IMAGE_KINDS(KC_ENUM_IMAGE) KC_IMAGE_END };
enum kc_tool { KC_TOOLS(KC_ENUM_TOOL) KC_TOOL_END };
enum kc_cupti_event { KC_CUPTI_EVENTS(KC_ENUM_CUPTI) KC_CUPTI_END };
enum kc_role { KC_ROLES(KC_ENUM_ROLE) KC_ROLE_END };
enum kc_graph_kind { KC_GRAPH_KINDS(KC_ENUM_GRAPH) KC_GRAPH_END };

/* ---------------------------------------------------------------------------------------- */
/* Records. Fixed part first; strings follow it inside the record. */

#define KC_MAX_ANCESTORS 8

struct kc_rec_process {
	struct kc_rec_hdr h;
	uint32_t pid;
	uint32_t ppid;
	uint32_t role; /* KC_ROLE_* */
	/* ancestors[] filled: parent, grandparent, ... (ties children to the nearest recorded
	 * ancestor) */
	uint32_t nancestors;
	uint32_t ancestors[KC_MAX_ANCESTORS];
	struct kc_str exe;
	struct kc_str cwd;
	struct kc_strlist argv;
	struct kc_strlist env; /* NAME=value, only the variables that shape compiles */
};

/* Module flags. */
#define KC_MODF_STORED 0x1   /* the image's bytes are in images/<hash>.<ext> */
#define KC_MODF_NO_IMAGE 0x2 /* the image could not be read (file gone, size unknown) */
#define KC_MODF_LIBRARY 0x4  /* handle is a CUlibrary */

struct kc_rec_module_load {
	struct kc_rec_hdr h;
	uint64_t handle;	 /* CUmodule or CUlibrary, as the program saw it */
	uint64_t hash;		 /* XXH3-64 of the image bytes given to the driver; 0 if unknown */
	uint64_t size;		 /* bytes of that image */
	uint64_t duration_ns;	 /* time inside the driver call (for PTX: the JIT) */
	uint64_t loaded_hash;	 /* the cubin the driver loaded, where CUPTI showed it; else 0 */
	uint32_t api;		 /* KC_API_* */
	uint32_t kind;		 /* KC_IMAGE_* */
	int32_t result;		 /* CUresult */
	uint16_t path;		 /* KC_PATH_* that saw the call */
	uint16_t flags;		 /* KC_MODF_* */
	struct kc_str file;	 /* path given to cuModuleLoad / cuLibraryLoadFromFile */
	struct kc_strlist names; /* kernel (entry) names found in the image */
	struct kc_strlist jit_options; /* "CU_JIT_<NAME>=<value>" */
};

struct kc_rec_module_unload {
	struct kc_rec_hdr h;
	uint64_t handle;
	uint16_t path;
	uint16_t flags; /* KC_MODF_LIBRARY */
	int32_t result;
};

/* A function handle met for the first time; later records name it by id. */
struct kc_rec_function {
	struct kc_rec_hdr h;
	uint64_t handle;	/* CUfunction or CUkernel */
	uint64_t module_handle; /* CUmodule / CUlibrary it came from, 0 if unknown */
	uint64_t module_hash;	/* image hash of that module, 0 if unknown */
	uint32_t id;		/* per-process function id, from 1 */
	uint16_t api;		/* KC_API_* that produced the handle */
	uint16_t path;
	struct kc_str name;
};

struct kc_rec_compile {
	struct kc_rec_hdr h;
	uint64_t duration_ns;
	uint64_t input_hash;	   /* NVRTC: the source; link: 0 (inputs below) */
	uint64_t output_hash;	   /* the cubin made, else PTX; exec: its -o file; 0 if none */
	uint64_t ptx_hash;	   /* PTX when the compile made PTX as well as a cubin, else 0 */
	uint32_t tool;		   /* KC_TOOL_* */
	int32_t result;		   /* nvrtcResult / nvJitLinkResult / CUresult; EXEC: exit status */
	struct kc_str name;	   /* NVRTC program name; EXEC: the executable */
	struct kc_strlist options; /* compile options; EXEC: argv */
	struct kc_strlist inputs;  /* link inputs: "<hash16>.<ext>" or a file path */
};

struct kc_shape {
	uint32_t grid[3];
	uint32_t block[3];
	uint32_t smem;
	uint32_t reserved;
	uint64_t count;
};

#define KC_MAX_SHAPES 8

/* Launch counts of one function, cumulative since the process started: the last record for
 * a function id holds its totals. */
struct kc_rec_launch_stats {
	struct kc_rec_hdr h;
	uint32_t func_id;
	uint16_t path;	  /* KC_PATH_* that saw launches */
	uint16_t nshapes; /* shapes[] entries that follow */
	uint64_t count;
	uint64_t errors; /* launches the driver refused */
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t attrs;	       /* bit i: CUlaunchAttributeID i was set (6 = PDL) */
	uint64_t other_shapes; /* launches whose shape did not fit in shapes[] */
	struct kc_shape shapes[];
};

/* One launch, with KCPROF_LAUNCHES=full. */
struct kc_rec_launch {
	struct kc_rec_hdr h;
	uint32_t func_id;
	uint32_t grid[3];
	uint32_t block[3];
	uint32_t smem;
	uint64_t stream;
	uint64_t attrs;
	int32_t result;
	uint16_t path;
	uint16_t api; /* KC_API_LAUNCH_* */
};

struct kc_rec_cupti {
	struct kc_rec_hdr h;
	uint32_t event;	  /* KC_CUPTI_* */
	int32_t result;	  /* CUptiResult of the call that decided it */
	uint32_t version; /* cuptiGetVersion(), 0 if unknown */
	uint32_t reserved;
	struct kc_str detail;
};

struct kc_rec_lost {
	struct kc_rec_hdr h;
	uint64_t records; /* records that could not be written */
	uint64_t bytes;
};

struct kc_rec_end {
	struct kc_rec_hdr h;
	uint64_t launches;
	uint64_t loads;
	uint64_t compiles;
	uint64_t lost;
};

/* GPU time of the kernels of one name, from CUPTI's activity records (KCPROF_GPU_TIME=1):
 * cumulative since the process started; the last one per name holds the totals. A kernel's
 * gap is from the end of the previous kernel on its stream to its start; one that started
 * before the previous ended (programmatic dependent launch) counts as overlapped instead. */
struct kc_rec_gpu_time {
	struct kc_rec_hdr h;
	uint64_t count;	   /* executions timed */
	uint64_t total_ns; /* sum of end - start */
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t gap_count;  /* executions that followed another kernel on their stream */
	uint64_t gap_ns;     /* sum of their gaps, where not overlapped */
	uint64_t overlapped; /* of gap_count: started before the previous kernel ended */
	struct kc_str name;  /* the kernel's name, as the driver has it (mangled) */
};

/* The kernels of a CUDA graph (child graphs included): each function and how many of the
 * graph's kernel nodes launch it. */
struct kc_graph_func {
	uint32_t func_id; /* a FUNCTION record's id, this process */
	uint32_t count;	  /* kernel nodes of the graph that launch it */
};

#define KC_MAX_GRAPH_FUNCS 4096

/* GRAPH flags. */
#define KC_GRAPHF_INCOMPLETE                                                                       \
	0x1			/* nodes the walk could not read, or conditional nodes (whose      \
				 * bodies run a number of times no walk can know) */
#define KC_GRAPHF_TRUNCATED 0x2 /* more than KC_MAX_GRAPH_FUNCS functions: the rest left out */

/* A CUDA graph made executable (or captured, or updated): what one launch of it runs. The
 * launches themselves are counted in GRAPH_LAUNCH_STATS records, by id. */
struct kc_rec_graph {
	struct kc_rec_hdr h;
	uint64_t exec;	      /* CUgraphExec; 0 for a capture */
	uint64_t graph;	      /* CUgraph it was made from (a capture: the graph captured) */
	uint64_t duration_ns; /* time inside the driver call */
	uint32_t id;	      /* per-process graph id, from 1; 0 for a capture */
	uint32_t kind;	      /* KC_GRAPH_* */
	int32_t result;	      /* CUresult */
	uint16_t path;	      /* KC_PATH_* that saw the call */
	uint16_t flags;	      /* KC_GRAPHF_* */
	uint32_t nodes;	      /* nodes of every kind, child graphs' included */
	uint32_t nfuncs;      /* funcs[] entries that follow */
	struct kc_graph_func funcs[];
};

/* Launches of one executable graph, cumulative since it was made: the last record for a graph
 * id holds its totals. */
struct kc_rec_graph_launch_stats {
	struct kc_rec_hdr h;
	uint32_t graph_id;
	uint16_t path; /* KC_PATH_* that saw launches */
	uint16_t reserved;
	uint64_t count;
	uint64_t errors; /* launches the driver refused */
	uint64_t first_ns;
	uint64_t last_ns;
};

/* Where a load (or compile) was asked for, in a Python process: written by the thread that makes
 * the call, just before the call's own MODULE_LOAD (or COMPILE) record, which it belongs to (the
 * next record of that type from the same tid). */
struct kc_rec_callsite {
	struct kc_rec_hdr h;
	uint32_t for_type; /* KC_REC_MODULE_LOAD, or KC_REC_COMPILE (NVRTC, nvJitLink, cuLink) */
	uint32_t flags;	   /* KC_CALLSITEF_* */
	uint64_t read_ns;  /* what reading them cost the call (waiting for the GIL included) */
	/* Python frames, innermost first: "FILE\tLINE\tFUNCTION" (qualified name) */
	struct kc_strlist frames;
	/* Triton's JIT specialisation of the call, from the frame of JITFunction.run: one
	 * "NAME\tKIND\tVALUE" a parameter, KIND "constexpr" (a tl.constexpr parameter: VALUE its
	 * value), "specialized" (an argument Triton made a constant: VALUE it, "1"), or the
	 * argument's type ("i32", "*fp16": VALUE its specialisation, "D" divisible by 16, "" none);
	 * under jax.jit instead one "name\tjax.jit\tFUNCTION" (KC_CALLSITE_JAX_JIT), the function
	 * compiled */
	struct kc_strlist args;
};
#define KC_CALLSITE_JAX_JIT "jax.jit" /* the KIND of args' jax.jit entry */
#define KC_CALLSITEF_TRUNCATED 1      /* more frames than were kept (the outermost left out) */
#define KC_CALLSITEF_ARGS_UNREAD 2    /* a Triton JIT frame whose locals could not be read */
/* native frames (no Python): each "MODULE\t0xOFFSET\tBUILD_ID", the return address's offset
 * from the module's load address and the module's GNU build-id in hex ("" if not read),
 * innermost first, kcprof's own left out */
#define KC_CALLSITEF_NATIVE 4

/* The CUDA context a load went into and its device: written by the thread that made the load,
 * just before the load's own MODULE_LOAD record, which it belongs to (the next MODULE_LOAD from
 * the same tid, with the same handle). Not written for a CUlibrary (it serves every context)
 * or where no context was current. One image loaded once on each of several devices is not
 * loaded again. */
struct kc_rec_load_context {
	struct kc_rec_hdr h;
	uint64_t context; /* the CUcontext current at the load */
	uint64_t handle;  /* the load's module_load.handle (0 for a failed or lazy load) */
	int32_t device;	  /* its device's ordinal in the process; -1 unknown */
	uint32_t reserved;
};

/* ---------------------------------------------------------------------------------------- */
/* Name tables (kc_trace_names.c). Unknown values give "unknown"/"?" rather than NULL. */
const char *kc_rec_type_name(unsigned type);
const char *kc_api_name(unsigned api);
const char *kc_image_kind_name(unsigned kind);
const char *kc_image_kind_ext(unsigned kind);
const char *kc_tool_name(unsigned tool);
const char *kc_cupti_event_name(unsigned ev);
const char *kc_role_name(unsigned role);
const char *kc_graph_kind_name(unsigned kind);
const char *kc_path_name(unsigned bit_index);
const char *kc_feature_name(unsigned bit_index);
unsigned kc_path_count(void);
/* Launch attribute names by CUlaunchAttributeID; NULL past the known ones. */
const char *kc_launch_attr_name(unsigned id);
/* A KCPROF_* on/off setting's value as the recorder reads it, and the analyzer reads it back
 * from a process's recorded environment: off for 0, no, off or false (any case), else on. */
int kc_setting_on(const char *value);

/* The layouts docs/trace-format.md gives: a change here is a format change. */
_Static_assert(sizeof(struct kc_file_hdr) == 64, "trace format: kc_file_hdr");
_Static_assert(sizeof(struct kc_rec_hdr) == 24, "trace format: kc_rec_hdr");
_Static_assert(sizeof(struct kc_str) == 8, "trace format: kc_str");
_Static_assert(sizeof(struct kc_strlist) == 16, "trace format: kc_strlist");
_Static_assert(sizeof(struct kc_rec_process) == 120, "trace format: kc_rec_process");
_Static_assert(sizeof(struct kc_rec_module_load) == 120, "trace format: kc_rec_module_load");
_Static_assert(sizeof(struct kc_rec_module_unload) == 40, "trace format: kc_rec_module_unload");
_Static_assert(sizeof(struct kc_rec_function) == 64, "trace format: kc_rec_function");
_Static_assert(sizeof(struct kc_rec_compile) == 104, "trace format: kc_rec_compile");
_Static_assert(sizeof(struct kc_shape) == 40, "trace format: kc_shape");
_Static_assert(sizeof(struct kc_rec_launch_stats) == 80, "trace format: kc_rec_launch_stats");
_Static_assert(sizeof(struct kc_rec_launch) == 80, "trace format: kc_rec_launch");
_Static_assert(sizeof(struct kc_rec_cupti) == 48, "trace format: kc_rec_cupti");
_Static_assert(sizeof(struct kc_rec_lost) == 40, "trace format: kc_rec_lost");
_Static_assert(sizeof(struct kc_rec_end) == 56, "trace format: kc_rec_end");
_Static_assert(sizeof(struct kc_rec_gpu_time) == 88, "trace format: kc_rec_gpu_time");
_Static_assert(sizeof(struct kc_graph_func) == 8, "trace format: kc_graph_func");
_Static_assert(sizeof(struct kc_rec_graph) == 72, "trace format: kc_rec_graph");
_Static_assert(sizeof(struct kc_rec_load_context) == 48, "trace format: kc_rec_load_context");
_Static_assert(sizeof(struct kc_rec_graph_launch_stats) == 64,
	       "trace format: kc_rec_graph_launch_stats");

#endif /* KC_TRACE_H */
