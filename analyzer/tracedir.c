/* tracedir.c - the traces of a directory, and reading one with its problems reported. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/kc_hash.h"
#include "kca.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int kca_trace_list(const char *dir, struct kca_trace_list *out)
{
	memset(out, 0, sizeof(*out));
	struct stat st;
	if (stat(dir, &st) < 0) {
		int e = errno;
		kc_log(KC_LOG_ERROR, NULL, "%s: %s", dir, strerror(e));
		return -e;
	}
	if (S_ISREG(st.st_mode)) {
		out->paths = kca_xmalloc(sizeof(char *));
		out->paths[0] = kca_xstrdup(dir);
		out->count = 1;
		return 0;
	}
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		kc_log(KC_LOG_ERROR, NULL, "%s: %s", dir, strerror(e));
		return -e;
	}
	struct dirent *de;
	int cap = 0;
	while ((de = readdir(d)) != NULL) {
		if (!has_suffix(de->d_name, KC_TRACE_SUFFIX))
			continue;
		if (out->count == cap) {
			cap = cap ? cap * 2 : 16;
			out->paths = kca_xrealloc(out->paths, (size_t)cap * sizeof(char *));
		}
		size_t n = strlen(dir) + strlen(de->d_name) + 2;
		char *p = kca_xmalloc(n);
		snprintf(p, n, "%s/%s", dir, de->d_name);
		out->paths[out->count++] = p;
	}
	closedir(d);
	if (out->count)
		qsort(out->paths, (size_t)out->count, sizeof(char *), cmp_str);
	return 0;
}

/* Whether directory path holds a trace file. */
static int holds_traces(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int holds = 0;
	while (d && !holds && (de = readdir(d)) != NULL)
		holds = has_suffix(de->d_name, KC_TRACE_SUFFIX);
	if (d)
		closedir(d);
	return holds;
}

/* How far below a directory without traces runs are looked for, and how many directories
 * are opened at most on the way (a mistyped "kcprof report /" must not walk the disk). */
#define RUNS_DEPTH 3
#define RUNS_VISITS 2000

struct runs_found {
	char **names; /* relative to the directory given, each ending in '/' */
	unsigned n, cap, visits;
};

/* The directories below dir/rel (rel "" or ending in '/') that hold traces, depth levels
 * down at most; not below those (a run's own subdirectories are no runs). */
static void find_runs(const char *dir, const char *rel, int depth, struct runs_found *r)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL && r->visits < RUNS_VISITS) {
		if (de->d_name[0] == '.')
			continue;
		char sub[PATH_MAX], subrel[PATH_MAX];
		struct stat st;
		if (snprintf(sub, sizeof(sub), "%s%s", path, de->d_name) >= (int)sizeof(sub) ||
		    snprintf(subrel, sizeof(subrel), "%s%s/", rel, de->d_name) >=
			(int)sizeof(subrel) ||
		    stat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		r->visits++;
		if (holds_traces(sub)) {
			KCA_GROW(r->names, r->n, r->cap);
			r->names[r->n++] = kca_xstrdup(subrel);
		} else if (depth > 1) {
			find_runs(dir, subrel, depth - 1, r);
		}
	}
	if (d)
		closedir(d);
}

void kca_warn_no_traces(const char *dir)
{
	/* a directory of runs (examples/traces/pdl-chain: nopdl/, pdl/; examples/traces:
	 * cuda-graph/, ..., pdl-chain/nopdl/, ...): name them, sorted */
	struct runs_found r = {0};
	find_runs(dir, "", RUNS_DEPTH, &r);
	if (!r.n) {
		kc_log(KC_LOG_WARN, "warning", "%s: no traces (*%s)", dir, KC_TRACE_SUFFIX);
		return;
	}
	qsort(r.names, r.n, sizeof(char *), cmp_str);
	enum { SHOWN = 12 };
	char subdirs[1024] = "";
	size_t used = 0;
	for (unsigned i = 0; i < r.n; i++) {
		if (i < SHOWN && used < sizeof(subdirs))
			used += (size_t)snprintf(subdirs + used, sizeof(subdirs) - used, "%s%s",
						 i ? ", " : "", r.names[i]);
		free(r.names[i]);
	}
	free(r.names);
	if (r.n > SHOWN && used < sizeof(subdirs))
		snprintf(subdirs + used, sizeof(subdirs) - used, " and %u more", r.n - SHOWN);
	kc_log(KC_LOG_WARN, "warning",
	       "%s: no traces (*%s); its subdirector%s %s hold%s traces: give %s", dir,
	       KC_TRACE_SUFFIX, r.n == 1 ? "y" : "ies", subdirs, r.n == 1 ? "s" : "",
	       r.n == 1 ? "it" : "them");
}

void kca_trace_list_free(struct kca_trace_list *l)
{
	for (int i = 0; i < l->count; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

int kca_trace_each(const char *path, kca_record_fn fn, void *ctx, struct kc_file_hdr *hdr_out)
{
	struct kc_trace t;
	int problems = 0;
	int rc = kc_trace_open(&t, path);
	if (rc < 0) {
		kc_log(KC_LOG_WARN, "warning", "%s", t.err);
		kc_trace_close(&t);
		return 1;
	}
	if (hdr_out)
		*hdr_out = t.hdr;
	const struct kc_rec_hdr *rec;
	while ((rc = kc_trace_next(&t, &rec)) != 0) {
		if (rc < 0) {
			kc_log(KC_LOG_WARN, "warning", "%s", t.err);
			problems++;
			continue;
		}
		if (fn && fn(&t, rec, ctx))
			break;
	}
	if (t.unknown_records)
		kc_log(KC_LOG_INFO, NULL, "%s: %llu records of newer types skipped", path,
		       (unsigned long long)t.unknown_records);
	kc_trace_close(&t);
	return problems;
}

int kca_image_kind_path(const char *dir, uint64_t hash, unsigned kind, char *out, size_t cap)
{
	char hex[17];
	snprintf(out, cap, "%s/%s/%s.%s", dir, KC_IMAGE_DIR, kc_hash_hex(hash, hex),
		 kc_image_kind_ext(kind));
	if (access(out, R_OK) == 0)
		return 0;
	out[0] = '\0';
	return -ENOENT;
}

int kca_image_path(const char *dir, uint64_t hash, char *out, size_t cap)
{
	for (unsigned kind = 0; kind < KC_IMAGE_END; kind++)
		if (kca_image_kind_path(dir, hash, kind, out, cap) == 0)
			return 0;
	return -ENOENT;
}

static const char *const archive_dirs[] = {KCA_ARCHIVE_SOURCES, KCA_ARCHIVE_TRITON_CACHE,
					   KCA_ARCHIVE_MODULES};
#define ARCHIVE_MARK ".kcprof-archive"

void kca_archive_mark(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; dfd >= 0 && i < sizeof(archive_dirs) / sizeof(archive_dirs[0]); i++) {
		/* its own directory, never one a link there points to */
		int sfd =
		    openat(dfd, archive_dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int fd = sfd < 0 ? -1
				 : openat(sfd, ARCHIVE_MARK,
					  O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		if (sfd >= 0)
			close(sfd);
	}
	if (dfd >= 0)
		close(dfd);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int kca_archive_clear(const char *dir)
{
	int removed = 0;
	for (size_t i = 0; i < sizeof(archive_dirs) / sizeof(archive_dirs[0]); i++) {
		char sub[PATH_MAX + 64], mark[PATH_MAX + 96];
		struct stat st;
		snprintf(sub, sizeof(sub), "%s/%s", dir, archive_dirs[i]);
		snprintf(mark, sizeof(mark), "%s/" ARCHIVE_MARK, sub);
		/* only a directory (not a link to one) that archive marked */
		if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode) || lstat(mark, &st) < 0)
			continue;
		removed += nftw(sub, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0;
	}
	return removed;
}
