/* tracedir.c - the traces of a directory, and reading one with its problems reported. */
#include <dirent.h>
#include <errno.h>
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

void kca_warn_no_traces(const char *dir)
{
	/* a directory of runs (examples/traces/pdl-chain: nopdl/, pdl/): name them, sorted */
	char **names = NULL;
	unsigned n = 0, cap = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *sub = kca_xmalloc(len);
		snprintf(sub, len, "%s/%s", dir, de->d_name);
		struct stat st;
		int holds = 0;
		DIR *sd = stat(sub, &st) == 0 && S_ISDIR(st.st_mode) ? opendir(sub) : NULL;
		struct dirent *se;
		while (sd && !holds && (se = readdir(sd)) != NULL)
			holds = has_suffix(se->d_name, KC_TRACE_SUFFIX);
		if (sd)
			closedir(sd);
		free(sub);
		if (holds) {
			KCA_GROW(names, n, cap);
			names[n++] = kca_xstrdup(de->d_name);
		}
	}
	if (d)
		closedir(d);
	if (!n) {
		kc_log(KC_LOG_WARN, "warning", "%s: no traces (*%s)", dir, KC_TRACE_SUFFIX);
		return;
	}
	qsort(names, n, sizeof(char *), cmp_str);
	char subdirs[512] = "";
	size_t used = 0;
	for (unsigned i = 0; i < n; i++) {
		if (used < sizeof(subdirs))
			used += (size_t)snprintf(subdirs + used, sizeof(subdirs) - used, "%s%s/",
						 i ? ", " : "", names[i]);
		free(names[i]);
	}
	free(names);
	kc_log(KC_LOG_WARN, "warning",
	       "%s: no traces (*%s); its subdirector%s %s hold%s traces: give %s", dir,
	       KC_TRACE_SUFFIX, n == 1 ? "y" : "ies", subdirs, n == 1 ? "s" : "",
	       n == 1 ? "it" : "them");
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

int kca_image_path(const char *dir, uint64_t hash, char *out, size_t cap)
{
	char hex[17];
	kc_hash_hex(hash, hex);
	static const char *const exts[] = {"cubin", "ptx", "fatbin", "cu", "ltoir", "bin"};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		snprintf(out, cap, "%s/%s/%s.%s", dir, KC_IMAGE_DIR, hex, exts[i]);
		if (access(out, R_OK) == 0)
			return 0;
	}
	out[0] = '\0';
	return -ENOENT;
}
