/* cmd_record.c - kcprof record: run a command with libkcprof.so preloaded. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_image.h"
#include "kca.h"
#include "report.h"

static const char usage[] =
    "usage: kcprof record [-o DIR] [options] -- COMMAND [ARGS...]\n"
    "\n"
    "Runs COMMAND with the kcprof recorder preloaded (LD_PRELOAD) and writes one trace per\n"
    "process to DIR: module builds and loads, NVRTC/nvJitLink/cuLink compiles, compiler\n"
    "child processes and launch counts. Exits with COMMAND's exit status; 127 (126) when\n"
    "COMMAND is not found (not runnable), before anything in DIR is touched.\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR    trace directory (default ./kcprof.data); traces of an earlier\n"
    "                      run there, and what 'kcprof archive' copied for them, are\n"
    "                      removed first, unless --append\n"
    "      --append        keep earlier traces in DIR\n"
    "      --launches=full one record per launch, not only counts per kernel\n"
    "      --no-cupti      symbol hooks only (misses PyTorch eager and torch.compile paths)\n"
    "      --no-images     do not store code images (no diffs between variants later)\n"
    "      --no-python     no Python frames at loads and compiles (the line a kernel was\n"
    "                      called or compiled from, Triton's tl.constexpr values of each\n"
    "                      build)\n"
    "      --no-stacks     no native return addresses at loads and compiles (the line of a\n"
    "                      C or C++ program a kernel was loaded or compiled from)\n"
    "      --gpu-time      also time each kernel on the GPU, and the gaps between kernels\n"
    "                      (CUPTI activity records: costs GPU timestamps; yields to the\n"
    "                      program's own profiler)\n"
    "      --flush-ms N    how often launch counts reach the disk (default 1000)\n"
    "  -q, --quiet         no summary line\n"
    "  -h, --help          this text\n"
    "\n"
    "Environment (what the options set; usable with LD_PRELOAD=libkcprof.so directly):\n"
    "  KCPROF_OUT, KCPROF_LAUNCHES=full, KCPROF_CUPTI=0, KCPROF_IMAGES=0, KCPROF_FLUSH_MS,\n"
    "  KCPROF_GPU_TIME=1, KCPROF_PYTHON=0, KCPROF_STACKS=0,\n"
    "  KCPROF_MAX_IMAGE_MB, KCPROF_CUPTI_LIB, KCPROF_COMPILERS, KCPROF_LOG=info|debug,\n"
    "  KCPROF_LIB (the recorder library this command preloads)\n"
    "\n"
    "Examples:\n"
    "  kcprof record -- python serve.py --model llama\n"
    "  kcprof record -o before.data -- python bench.py && kcprof report before.data\n";

/* The recorder next to this binary (build tree), or under ../lib/kcprof (installed). */
static int find_library(char *out, size_t cap)
{
	const char *env = getenv("KCPROF_LIB");
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return access(out, R_OK) == 0 ? 0 : -ENOENT;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	static const char *const rel[] = {"libkcprof.so", "../lib/kcprof/libkcprof.so",
					  "../lib/libkcprof.so"};
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char path[PATH_MAX + 64];
		snprintf(path, sizeof(path), "%s/%s", exe, rel[i]);
		char *real = realpath(path, NULL);
		if (real && access(real, R_OK) == 0) {
			snprintf(out, cap, "%s", real);
			free(real);
			return 0;
		}
		free(real);
	}
	return -ENOENT;
}

/* Whether path is a kcprof trace: its first bytes are the magic, or as much of it as it has
 * (a process killed as it opened its file leaves it empty or cut); a "notes.kct" is not. */
static int is_trace_file(const char *path)
{
	char magic[sizeof(KC_TRACE_MAGIC) - 1];
	int fd = kc_open_regular(path, NULL);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	return n >= 0 && memcmp(magic, KC_TRACE_MAGIC, (size_t)n) == 0;
}

static int clear_old_traces(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int removed = 0;
	struct dirent *de;
	size_t sl = strlen(KC_TRACE_SUFFIX);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n <= sl || strcmp(de->d_name + n - sl, KC_TRACE_SUFFIX) != 0)
			continue;
		char path[PATH_MAX + 256];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (is_trace_file(path) && unlink(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

/* Whether cmd can be run as execvp would find it: 0, or the errno execvp would give (a
 * mistyped command must not cost the last run's traces). */
static int command_runnable(const char *cmd)
{
	if (!*cmd)
		return ENOENT;
	struct stat st;
	if (strchr(cmd, '/')) {
		if (stat(cmd, &st) < 0)
			return errno;
		return S_ISDIR(st.st_mode) ? EACCES : access(cmd, X_OK) == 0 ? 0 : errno;
	}
	char cs_path[256];
	const char *path = getenv("PATH");
	if (!path) { /* execvp's search path where PATH is unset */
		size_t n = confstr(_CS_PATH, cs_path, sizeof(cs_path));
		path = n == 0 || n > sizeof(cs_path) ? "/bin:/usr/bin" : cs_path;
	}
	int err = ENOENT;
	for (const char *p = path;; p += strcspn(p, ":") + 1) {
		size_t len = strcspn(p, ":");
		char full[PATH_MAX];
		if (snprintf(full, sizeof(full), "%.*s%s%s", (int)len, p, len ? "/" : "", cmd) <
			(int)sizeof(full) &&
		    stat(full, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(full, X_OK) == 0)
				return 0;
			err = EACCES;
		}
		if (!p[len])
			break;
	}
	return err;
}

struct graph_count {
	uint32_t id;
	uint64_t count;
	UT_hash_handle hh;
};

struct summary {
	uint64_t processes, loads, compiles, launches, children;
	uint64_t no_cupti; /* processes where CUPTI was missing or held by another tool */
	uint64_t graph_launches;
	struct graph_count *graph_counts; /* graph id -> its last count, the file being read */
};

static int count_record(struct kc_trace *t, const struct kc_rec_hdr *r, void *ctx)
{
	struct summary *s = ctx;
	(void)t;
	switch (r->type) {
	case KC_REC_PROCESS:
		if (((const struct kc_rec_process *)r)->role == KC_ROLE_COMPILER)
			s->children++;
		else
			s->processes++;
		break;
	case KC_REC_MODULE_LOAD:
		s->loads++;
		break;
	case KC_REC_COMPILE: { /* as the report counts them: ptxas --version builds nothing */
		const struct kc_rec_compile *x = (const void *)r;
		const char *argv[8];
		unsigned argc = 0;
		const char *o = NULL;
		int many = 0;
		while ((o = kc_rec_list_next(r, x->options, o)) != NULL)
			if (argc < 8)
				argv[argc++] = o;
			else
				many = 1;
		s->compiles += x->tool != KC_TOOL_EXEC || many || !kc_compiler_probe(argv, argc);
		break;
	}
	case KC_REC_END:
		s->launches += ((const struct kc_rec_end *)r)->launches;
		break;
	case KC_REC_GRAPH_LAUNCH_STATS: { /* cumulative: the last per graph id counts */
		const struct kc_rec_graph_launch_stats *g = (const void *)r;
		struct graph_count *gc;
		HASH_FIND(hh, s->graph_counts, &g->graph_id, sizeof(g->graph_id), gc);
		if (!gc) {
			gc = kca_xcalloc(1, sizeof(*gc));
			gc->id = g->graph_id;
			HASH_ADD(hh, s->graph_counts, id, sizeof(gc->id), gc);
		}
		if (g->count > gc->count) /* a flush's may come after a destroy's */
			gc->count = g->count;
		break;
	}
	case KC_REC_CUPTI: {
		uint32_t e = ((const struct kc_rec_cupti *)r)->event;
		s->no_cupti += e == KC_CUPTI_UNAVAILABLE || e == KC_CUPTI_REFUSED;
		break;
	}
	}
	return 0;
}

static void print_summary(const char *dir)
{
	struct kca_trace_list l;
	if (kca_trace_list(dir, &l) < 0)
		return;
	struct summary s = {0};
	for (int i = 0; i < l.count; i++) {
		kca_trace_each(l.paths[i], count_record, &s, NULL);
		struct graph_count *gc, *tmp;
		HASH_ITER(hh, s.graph_counts, gc, tmp)
		{
			s.graph_launches += gc->count;
			HASH_DEL(s.graph_counts, gc);
			free(gc);
		}
	}
	kca_trace_list_free(&l);
	if (!s.processes && !s.children) {
		fprintf(stderr, "kcprof: %s: nothing recorded (no process used CUDA)\n", dir);
		return;
	}
	char graphs[64] = "";
	if (s.graph_launches)
		snprintf(graphs, sizeof(graphs), ", %llu CUDA graph launch%s",
			 (unsigned long long)s.graph_launches, s.graph_launches == 1 ? "" : "es");
	fprintf(stderr,
		"kcprof: %s: %llu CUDA process%s, %llu compiler child%s; %llu module load%s, "
		"%llu compile%s, %llu launch call%s%s. Next: kcprof report %s\n",
		dir, (unsigned long long)s.processes, s.processes == 1 ? "" : "es",
		(unsigned long long)s.children, s.children == 1 ? "" : "ren",
		(unsigned long long)s.loads, KCA_PLURAL(s.loads), (unsigned long long)s.compiles,
		KCA_PLURAL(s.compiles), (unsigned long long)s.launches, KCA_PLURAL(s.launches),
		graphs, dir);
	/* The recorder keeps off the program's stderr: what it could not do is said here. */
	if (s.no_cupti)
		fprintf(stderr,
			"kcprof: CUPTI was missing or held by another tool in %llu process%s: "
			"launches only CUPTI sees (PyTorch eager, torch.compile) were not all "
			"counted (KCPROF_CUPTI_LIB names a libcupti)\n",
			(unsigned long long)s.no_cupti, s.no_cupti == 1 ? "" : "es");
}

static pid_t child_pid;
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Whether a file can be made in dir: 0, or an errno. Tried, not asked of access(), which
 * says yes to root where nothing can be made (/proc, a directory others' rules refuse). */
static int file_creatable(const char *dir)
{
	char probe[PATH_MAX];
	if (snprintf(probe, sizeof(probe), "%s/.kcprof-probe.%ld", dir, (long)getpid()) >=
	    (int)sizeof(probe))
		return ENAMETOOLONG;
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlink(probe) == 0) /* one a crash left */
		fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	unlink(probe);
	return 0;
}

KCA_COMMAND(record)
{
	enum {
		OPT_APPEND = 256,
		OPT_LAUNCHES,
		OPT_NO_CUPTI,
		OPT_NO_IMAGES,
		OPT_FLUSH,
		OPT_GPU_TIME,
		OPT_NO_PYTHON,
		OPT_NO_STACKS
	};
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"append", no_argument, NULL, OPT_APPEND},
	    {"launches", required_argument, NULL, OPT_LAUNCHES},
	    {"no-cupti", no_argument, NULL, OPT_NO_CUPTI},
	    {"no-images", no_argument, NULL, OPT_NO_IMAGES},
	    {"flush-ms", required_argument, NULL, OPT_FLUSH},
	    {"gpu-time", no_argument, NULL, OPT_GPU_TIME},
	    {"no-python", no_argument, NULL, OPT_NO_PYTHON},
	    {"no-stacks", no_argument, NULL, OPT_NO_STACKS},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *dir = "kcprof.data";
	int append = 0, quiet = 0;
	optind = 1;
	int opt;
	/* "+": stop at the first non-option, so COMMAND's own options stay its own. */
	while ((opt = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			dir = optarg;
			break;
		case OPT_APPEND:
			append = 1;
			break;
		case OPT_LAUNCHES:
			if (strcmp(optarg, "full") != 0 && strcmp(optarg, "count") != 0) {
				fprintf(stderr,
					"kcprof record: --launches takes 'full' or 'count'\n");
				return 2;
			}
			setenv("KCPROF_LAUNCHES", optarg, 1);
			break;
		case OPT_NO_CUPTI:
			setenv("KCPROF_CUPTI", "0", 1);
			break;
		case OPT_NO_IMAGES:
			setenv("KCPROF_IMAGES", "0", 1);
			break;
		case OPT_NO_PYTHON:
			setenv("KCPROF_PYTHON", "0", 1);
			break;
		case OPT_NO_STACKS:
			setenv("KCPROF_STACKS", "0", 1);
			break;
		case OPT_FLUSH: {
			char *end;
			long ms = strtol(optarg, &end, 10);
			if (!*optarg || *end || ms < 1) {
				fprintf(stderr,
					"kcprof record: --flush-ms takes milliseconds >= 1\n");
				return 2;
			}
			setenv("KCPROF_FLUSH_MS", optarg, 1);
			break;
		}
		case OPT_GPU_TIME:
			setenv("KCPROF_GPU_TIME", "1", 1);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "kcprof record: no command given\n\n");
		return kca_usage(usage, 2);
	}
	const char *cupti = getenv("KCPROF_CUPTI"), *gpu = getenv("KCPROF_GPU_TIME");
	if (cupti && strcmp(cupti, "0") == 0 && gpu && strcmp(gpu, "1") == 0) {
		fprintf(stderr, "kcprof record: --gpu-time needs CUPTI: drop --no-cupti\n");
		return 2;
	}
	char lib[PATH_MAX];
	if (find_library(lib, sizeof(lib)) < 0) {
		fprintf(stderr, "kcprof record: cannot find libkcprof.so next to this kcprof or in "
				"../lib/kcprof; set KCPROF_LIB\n");
		return 1;
	}
	int err = command_runnable(argv[optind]);
	if (err) { /* as the shell says it, before DIR is made or its last traces removed */
		fprintf(stderr, "kcprof record: %s: %s\n", argv[optind],
			err == ENOENT ? "command not found" : strerror(err));
		return err == ENOENT ? 127 : 126;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "kcprof record: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	/* said before the program runs, not after it ran unrecorded */
	struct stat st;
	err = stat(dir, &st) < 0 ? errno : 0;
	if (err || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "kcprof record: %s: %s\n", dir,
			err ? strerror(err) : "not a directory");
		return 1;
	}
	err = file_creatable(dir);
	if (err) {
		fprintf(stderr, "kcprof record: %s: cannot make a trace file there: %s\n", dir,
			strerror(err));
		return 1;
	}
	char absdir[PATH_MAX];
	if (!realpath(dir, absdir)) {
		fprintf(stderr, "kcprof record: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (!append) {
		int removed = clear_old_traces(absdir);
		int archived = kca_archive_clear(absdir);
		if ((removed || archived) && !quiet)
			fprintf(stderr, "kcprof: removed %d trace%s%s of an earlier run from %s\n",
				removed, KCA_PLURAL(removed),
				archived ? " and what archive copied for them" : "", dir);
	}
	setenv("KCPROF_OUT", absdir, 1);
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *preload = kca_xmalloc(n);
	snprintf(preload, n, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	free(preload);

	child_pid = fork();
	if (child_pid < 0) {
		fprintf(stderr, "kcprof record: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child_pid == 0) {
		execvp(argv[optind], argv + optind);
		int e = errno;
		fprintf(stderr, "kcprof record: %s: %s\n", argv[optind], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	/* The terminal sends ^C to the whole group: the child gets it itself. Signals sent to
	 * kcprof alone are passed on. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	struct sigaction sa = {.sa_handler = forward_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	int status;
	while (waitpid(child_pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "kcprof record: waitpid: %s\n", strerror(errno));
			return 1;
		}
	}
	if (!quiet)
		print_summary(dir);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		/* Die the same way, so a shell sees what it would have seen. */
		int sig = WTERMSIG(status);
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core); /* the child's crash, not ours */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return 1;
}
