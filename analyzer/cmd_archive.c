/* cmd_archive.c - kcprof archive: makes a trace directory readable on another machine, as perf
 * archive does for a perf.data. The report names Triton constexprs, configs and the sizes
 * torch.compile baked in from the Triton cache and the kernels' Python sources, which stay
 * behind on the recording machine; this copies the entries of the kernels the trace loaded
 * into DIR/triton-cache/ and the source file of each one's def into DIR/sources/ (its last two
 * path components, where kca_find_source looks: docs/trace-format.md), and the program's
 * modules that native call sites name into DIR/modules/BUILD_ID/ (symbols.c reads them). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uthash.h>

#include "../common/kc_fs.h"
#include "changes.h"
#include "kca.h"
#include "model.h"

static const char usage[] =
    "usage: kcprof archive [DIR] [--all]\n"
    "\n"
    "Copies into DIR (default ./kcprof.data) what reading it on another machine needs: the\n"
    "Triton cache entries of the kernels built more than once (every Triton kernel with\n"
    "--all): their IR, metadata and cubins, into DIR/triton-cache/, and the Python source\n"
    "each one's IR names as the kernel's def (a Triton script, or a module torch.compile\n"
    "generated) into DIR/sources/; and the program's own modules (executables and their\n"
    "libraries, not CUDA's or the C runtime's; up to 256 MB each) that native call sites\n"
    "name, into DIR/modules/BUILD_ID/, where the file is still the build that ran (frames\n"
    "recorded with a build-id: glibc 2.35 or later). Given one trace FILE, beside it. Run it\n"
    "where the trace was recorded, after the program: 'kcprof report' and 'kcprof diff'\n"
    "then name constexprs, configs, baked-in sizes and the program's lines wherever DIR is\n"
    "read. Entries already in DIR are left as they are; a new 'kcprof record' into DIR\n"
    "removes what archive copied there, with the traces it was copied for.\n"
    "\n"
    "Options:\n"
    "  --all      every Triton kernel (default: those built more than once, which report\n"
    "             and diff discuss)\n"
    "  -h, --help this text\n"
    "\n"
    "Exit status: 0; 1 when no trace was found or a copy failed (a file found here that\n"
    "could not be written into DIR). What is not found here is said on stderr, and is not\n"
    "a failure; 2 usage.\n"
    "\n"
    "Examples:\n"
    "  kcprof record -- python serve.py && kcprof archive && tar czf trace.tgz kcprof.data\n"
    "  kcprof archive --all run1.data\n";

/* What one archive run did. */
struct archive_count {
	unsigned entries, sources, modules, failed;
	unsigned present; /* Triton cache entries the trace already carries */
	unsigned long long bytes;
	/* what could not be found here: a program module that is gone or rebuilt since (each
	 * once), Triton kernels whose cache entries are not where the process had them */
	char **lost_modules; /* "MODULE: why" */
	unsigned nlost_modules, cap_lost_modules;
	char **tried_modules; /* each module looked at once, whatever came of it (a copy that
				 failed is said once, not at each of its frames) */
	unsigned ntried_modules, cap_tried_modules;
	/* Triton kernels (their launcher's arguments recorded, or torch.compile's) and cubins
	 * a Python process loaded from memory as Triton does, with nothing else known */
	unsigned lost_kernels, lost_python_cubins;
};

/* A Triton cache entry the trace already carries, counted once. */
struct seen_entry {
	char *path;
	UT_hash_handle hh;
};

/* A program module a frame names that cannot be copied, and why: remembered once, for the
 * summary. */
static void lost_module(struct archive_count *n, const char *module, const char *why)
{
	size_t len = strlen(module);
	for (unsigned i = 0; i < n->nlost_modules; i++)
		if (strncmp(n->lost_modules[i], module, len) == 0 && n->lost_modules[i][len] == ':')
			return;
	KCA_GROW(n->lost_modules, n->nlost_modules, n->cap_lost_modules);
	char *line = kca_xmalloc(len + strlen(why) + 3);
	sprintf(line, "%s: %s", module, why);
	n->lost_modules[n->nlost_modules++] = line;
}

/* Directory sub, a path below dir, opened by walking down from dir one component at a time,
 * never through a link (and made where missing, with create): whatever sits in the trace
 * directory, or is swapped in there meanwhile, sends nothing elsewhere. The fd, or -ELOOP (a
 * link, or a path not below dir), or -errno. */
static int open_dir_inside(const char *sub, const char *dir, int create)
{
	size_t n = strlen(dir);
	char rest[PATH_MAX];
	if (strncmp(sub, dir, n) != 0 || (sub[n] != '/' && sub[n] != '\0') ||
	    (size_t)snprintf(rest, sizeof(rest), "%s", sub + n) >= sizeof(rest))
		return -ELOOP;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *save = NULL;
	for (char *c = strtok_r(rest, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		int e = strcmp(c, "..") == 0 ? ELOOP : 0;
		if (!e && create && mkdirat(fd, c, 0777) < 0 && errno != EEXIST)
			e = errno;
		int next = e ? -1 : openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && !e)
			e = errno == ENOTDIR ? ELOOP : errno;
		close(fd);
		if (next < 0)
			return -e;
		fd = next;
	}
	return fd;
}

static const char *mkdir_error(int rc)
{
	return rc == -ELOOP ? "outside the trace directory (a link?): not copied" : strerror(-rc);
}

/* src to dst, in a directory of dir already made, unless dst is there (archived before: the
 * same file, by its place). 1 copied, 0 there already, -1 failed (said on stderr). */
static int copy_one(const char *src, const char *dst, const char *dir, struct archive_count *n)
{
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s", dst);
	char *slash = strrchr(sub, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	const char *name = slash + 1;
	int fd = open_dir_inside(sub, dir, 0), rc = fd;
	struct stat st;
	if (fd >= 0 && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(fd);
		return 0;
	}
	if (fd >= 0)
		rc = kc_copy_file_at(src, fd, name);
	if (rc < 0) {
		fprintf(stderr, "kcprof archive: %s -> %s: %s\n", src, dst,
			fd < 0 ? mkdir_error(rc) : strerror(-rc));
		n->failed++;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		n->bytes += (unsigned long long)st.st_size;
	close(fd);
	return 1;
}

/* sub made (with its parents), only inside dir (open_dir_inside). 0, -ELOOP, or -errno. */
static int mkdir_inside(const char *sub, const char *dir)
{
	int fd = open_dir_inside(sub, dir, 1);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* src to dst as copy_one does, making dst's directory first, inside dir. */
static int copy_into_dir(const char *src, const char *dst, const char *dir, struct archive_count *n)
{
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s", dst);
	*strrchr(sub, '/') = '\0';
	int rc = mkdir_inside(sub, dir);
	if (rc < 0) {
		fprintf(stderr, "kcprof archive: %s: %s\n", sub, mkdir_error(rc));
		n->failed++;
		return -1;
	}
	return copy_one(src, dst, dir, n);
}

/* A Triton cache entry: the files report and diff read (IR, metadata with the config, the
 * cubin by which a load finds its entry), not the LLVM IR, PTX or launcher. */
static int entry_file_wanted(const char *name)
{
	static const char *const ends[] = {".source", ".ttir", ".json", ".cubin"};
	size_t len = strlen(name);
	for (unsigned i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t e = strlen(ends[i]);
		if (len > e && strcmp(name + len - e, ends[i]) == 0)
			return 1;
	}
	return 0;
}

static void archive_entry(const char *entry, const char *dir, struct archive_count *n)
{
	const char *base = strrchr(entry, '/');
	base = base ? base + 1 : entry;
	char dest[PATH_MAX];
	if ((size_t)snprintf(dest, sizeof(dest), "%s/" KCA_ARCHIVE_TRITON_CACHE "/%s", dir, base) >=
	    sizeof(dest))
		return;
	if (access(dest, F_OK) == 0)
		return;
	int rc = mkdir_inside(dest, dir);
	DIR *d = rc < 0 ? NULL : opendir(entry);
	if (!d) {
		fprintf(stderr, "kcprof archive: %s: %s\n", rc < 0 ? dest : entry,
			rc < 0 ? mkdir_error(rc) : strerror(errno));
		n->failed++;
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !entry_file_wanted(e->d_name))
			continue;
		char src[PATH_MAX], dst[PATH_MAX];
		if ((size_t)snprintf(src, sizeof(src), "%s/%s", entry, e->d_name) < sizeof(src) &&
		    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dest, e->d_name) < sizeof(dst))
			copy_one(src, dst, dir, n); /* dest made just above */
	}
	closedir(d);
	n->entries++;
}

/* The def's source file, as DIR/sources/<parent>/<name>: kca_find_source finds it there by the
 * tail of the path the IR gives. */
static void archive_source(const char *path, const char *dir, struct archive_count *n)
{
	size_t size;
	char *text = kca_read_file(path, &size);
	if (!text)
		return; /* gone already: the report names constants by line */
	/* <parent>/<name>; where another file took that (the same name in another package), a
	 * longer tail, which kca_find_source, trying the longest first, finds before it */
	const char *tail = strrchr(path, '/'); /* where the tail begins: at a '/', or path */
	if (!tail)
		tail = path;
	else if (tail > path)
		for (tail--; tail > path && *tail != '/'; tail--)
			;
	for (;;) {
		const char *t = *tail == '/' ? tail + 1 : tail;
		char dst[PATH_MAX];
		if ((size_t)snprintf(dst, sizeof(dst), "%s/" KCA_ARCHIVE_SOURCES "/%s", dir, t) >=
		    sizeof(dst))
			break;
		if (kca_file_holds(dst, text, size))
			break; /* archived before */
		if (access(dst, F_OK) != 0) {
			if (copy_into_dir(path, dst, dir, n) > 0)
				n->sources++;
			break;
		}
		if (tail == path)
			break;
		for (tail--; tail > path && *tail != '/'; tail--)
			;
	}
	free(text);
}

/* The largest module copied: a program or its own library, not a framework's (a 1 GB
 * libtorch_cuda.so stays behind, its frames named by offset elsewhere). */
#define ARCHIVE_MODULE_MAX (256ull << 20)

/* Whether module copy dst was looked at before; noted as looked at now. */
static int module_tried(struct archive_count *n, const char *dst)
{
	for (unsigned i = 0; i < n->ntried_modules; i++)
		if (strcmp(n->tried_modules[i], dst) == 0)
			return 1;
	KCA_GROW(n->tried_modules, n->ntried_modules, n->cap_tried_modules);
	n->tried_modules[n->ntried_modules++] = kca_xstrdup(dst);
	return 0;
}

/* The program's modules that native call sites name (not CUDA's, the C runtime's or the
 * loader's), each as DIR/modules/BUILD_ID/NAME, where the file is still the one that ran (the
 * same build-id): symbols.c reads that copy wherever the module's own path is missing or
 * rebuilt. */
static void archive_frames(struct kca_model *m, const char *dir, const char **frames,
			   unsigned nframes, struct archive_count *n)
{
	for (unsigned i = 0; i < nframes; i++) {
		char module[PATH_MAX], dst[PATH_MAX], id[72];
		const char *build_id;
		struct stat st;
		if (kca_native_frame_module(frames[i], module, sizeof(module), &build_id) < 0 ||
		    module[0] != '/' || kca_library_module(module) ||
		    kca_archived_module_path(dir, build_id, module, dst, sizeof(dst)) < 0 ||
		    access(dst, F_OK) == 0 || module_tried(n, dst))
			continue;
		if (stat(module, &st) != 0 || !S_ISREG(st.st_mode)) {
			lost_module(n, module, "not here");
			continue;
		}
		if ((unsigned long long)st.st_size > ARCHIVE_MODULE_MAX) {
			char why[96];
			snprintf(why, sizeof(why), "%.0f MB, over the %llu MB that archive copies",
				 (double)st.st_size / (1 << 20), ARCHIVE_MODULE_MAX >> 20);
			lost_module(n, module, why);
			continue;
		}
		if (kca_module_build_id(m, module, id, sizeof(id)) < 0) {
			lost_module(n, module, "not an ELF file it can read: its build-id unknown");
			continue;
		}
		if (strcmp(id, build_id) != 0) { /* its lines would be wrong */
			lost_module(n, module, "rebuilt since the recording (another build-id)");
			continue;
		}
		if (copy_into_dir(module, dst, dir, n) > 0)
			n->modules++;
	}
}

/* Whether resolved path a lies under resolved directory b. */
static int resolved_under(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (n && b[n - 1] == '/') /* b is the root */
		n--;
	return strncmp(a, b, n) == 0 && a[n] == '/';
}

/* Whether path lies under dir (an entry the trace already carries). */
static int under(const char *path, const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	return realpath(path, a) && realpath(dir, b) && resolved_under(a, b);
}

KCA_COMMAND(archive)
{
	static const struct option longopts[] = {
	    {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int all = 0, opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'h':
			return kca_usage(usage, 0);
		default:
			return kca_usage(usage, 2);
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "kcprof archive: one DIR at a time\n");
		return kca_usage(usage, 2);
	}
	unsigned ndirs;
	char **dirs = kca_dir_args(argc, argv, optind, &ndirs);
	struct kca_model m;
	if (kca_model_load(&m, dirs, 1) <= 0) {
		fprintf(stderr, "kcprof archive: no readable trace in %s\n", dirs[0]);
		kca_model_free(&m);
		return 1;
	}
	/* where report looks: the directory, or one trace file's own directory */
	const char *out_dir = m.data_dirs[0];
	kca_model_families(&m);
	struct seen_entry *present = NULL, *se, *setmp;
	struct archive_count n = {0};
	unsigned kernels = 0;
	for (unsigned i = 0; i < m.nfamilies; i++) {
		const struct kca_family *f = &m.families[i];
		if (!all && f->nvariants < 2)
			continue;
		int any = 0;
		if (f->front_end == KCA_FE_TRITON || f->front_end == KCA_FE_INDUCTOR) {
			/* entries found here, or carried by the trace; and whether anything but
			 * a cubin loaded from Python's memory says it is Triton's */
			unsigned found = 0, triton = f->front_end == KCA_FE_INDUCTOR;
			for (unsigned v = 0; v < f->nvariants; v++) {
				found += f->variants[v].triton_dir != NULL;
				triton |= m.loads[f->variants[v].first_load].ntriton_args > 0;
			}
			n.lost_kernels += !found && triton;
			n.lost_python_cubins += !found && !triton;
		}
		for (unsigned v = 0; v < f->nvariants; v++) {
			const char *entry = f->variants[v].triton_dir;
			if (!entry)
				continue;
			any = 1;
			if (!under(entry, out_dir)) {
				archive_entry(entry, out_dir, &n);
			} else { /* each entry once: one can hold several kernels */
				struct seen_entry *se;
				HASH_FIND_STR(present, entry, se);
				if (!se) {
					se = kca_xcalloc(1, sizeof(*se));
					se->path = kca_xstrdup(entry);
					HASH_ADD_KEYPTR(hh, present, se->path, strlen(se->path),
							se);
					n.present++;
				}
			}
			char def[PATH_MAX];
			if (kca_triton_def_file(f, v, def, sizeof(def)) == 0 &&
			    !under(def, out_dir))
				archive_source(def, out_dir, &n);
		}
		kernels += any;
	}
	for (unsigned i = 0; i < m.nloads; i++)
		archive_frames(&m, out_dir, m.loads[i].native_frames, m.loads[i].nnative_frames,
			       &n);
	for (unsigned i = 0; i < m.ncompiles; i++)
		archive_frames(&m, out_dir, m.compiles[i].native_frames,
			       m.compiles[i].nnative_frames, &n);
	char already[64] = ""; /* what an archive before copied */
	if (n.present)
		snprintf(already, sizeof(already), "; %u entr%s already in the trace", n.present,
			 n.present == 1 ? "y" : "ies");
	char size[32]; /* a small copy in kB, not "0.0 MB"; none, "nothing" */
	if (!n.bytes)
		snprintf(size, sizeof(size), "nothing");
	else if (n.bytes < 100000)
		snprintf(size, sizeof(size), "%.1f kB", (double)n.bytes / 1e3);
	else
		snprintf(size, sizeof(size), "%.1f MB", (double)n.bytes / 1e6);
	char of[128] = ""; /* the kernels whose entries were found; none: said on stderr below */
	if (kernels || already[0])
		snprintf(of, sizeof(of), " (of %u kernel%s%s)", kernels, kernels == 1 ? "" : "s",
			 already);
	kca_archive_mark(out_dir);
	printf("kcprof archive: %u Triton cache entr%s and %u source%s%s, %u program module%s "
	       "copied into %s: %s%s\n",
	       n.entries, n.entries == 1 ? "y" : "ies", n.sources, n.sources == 1 ? "" : "s", of,
	       n.modules, n.modules == 1 ? "" : "s", out_dir, size,
	       n.failed ? "; some files could not be copied (above)" : "");
	/* what the copy lacks, said: where the recording was not made here, or things moved */
	if (n.lost_kernels)
		fprintf(stderr,
			"kcprof archive: %u Triton kernel%s%s: no cache entry found (not in the "
			"trace, nor in the cache directory the process used: run archive where "
			"it was recorded); diff and the changed constants need them\n",
			n.lost_kernels, n.lost_kernels == 1 ? "" : "s",
			all ? "" : " built more than once");
	if (n.lost_python_cubins)
		fprintf(stderr,
			"kcprof archive: %u kernel%s%s that Python loaded from memory, as Triton "
			"does: no Triton cache entry found (Triton's, from a cache not in the "
			"trace nor where the process had it, or another JIT's)\n",
			n.lost_python_cubins, n.lost_python_cubins == 1 ? "" : "s",
			all ? "" : " built more than once");
	for (unsigned i = 0; i < n.nlost_modules; i++) {
		fprintf(stderr,
			"kcprof archive: %s: not copied (its call sites stay module+offset)\n",
			n.lost_modules[i]);
		free(n.lost_modules[i]);
	}
	free(n.lost_modules);
	for (unsigned i = 0; i < n.ntried_modules; i++)
		free(n.tried_modules[i]);
	free(n.tried_modules);
	HASH_ITER(hh, present, se, setmp)
	{
		HASH_DEL(present, se);
		free(se->path);
		free(se);
	}
	kca_model_free(&m);
	return n.failed ? 1 : 0;
}
