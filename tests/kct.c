/* kct.c - see kct.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/kc_record.h"
#include "../common/kc_trace_read.h"
#include "kct.h"

extern char **environ;

const char *kct_build(void)
{
	const char *b = getenv("KCT_BUILD");
	return b ? b : "build";
}

const char *kct_data(void)
{
	const char *d = getenv("KCT_DATA");
	return d ? d : "tests/data";
}

char *kct_tmpdir(void)
{
	char base[4096], *t = malloc(4200);
	snprintf(base, sizeof(base), "%s/tests/tmp", kct_build());
	mkdir(base, 0777);
	snprintf(t, 4200, "%s/run.XXXXXX", base);
	if (!mkdtemp(t))
		abort();
	return t;
}

FILE *kct_trace_create(const char *dir, uint64_t start_ns)
{
	return kct_trace_create_for(dir, 1, start_ns);
}

FILE *kct_trace_create_for(const char *dir, uint32_t pid, uint64_t start_ns)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/%u-gen.kct", dir, pid);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	struct kc_file_hdr h;
	kc_file_hdr_init(&h, pid);
	if (start_ns) { /* as the recorder writes it: its start, the header checked */
		h.start_mono_ns = start_ns;
		kc_file_hdr_seal(&h);
	}
	fwrite(&h, sizeof(h), 1, f);
	return f;
}

static pid_t spawn(const char *dir, const char *const *env, const char *const *argv, int preload,
		   const char *before, const char *after)
{
	char logpath[4096];
	snprintf(logpath, sizeof(logpath), "%s.log", dir ? dir : "/tmp/kct-plain");
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0 && !getenv("KCT_VERBOSE")) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		char buf[8192];
		if (preload) {
			const char *san = getenv("KCT_SAN_PRELOAD");
			char *abs = realpath(kct_build(), NULL);
			snprintf(buf, sizeof(buf), "%s%s%s%s%s/libkcprof.so", san ? san : "",
				 san ? ":" : "", before ? before : "", before ? ":" : "",
				 abs ? abs : kct_build());
			free(abs);
			if (after) {
				size_t n = strlen(buf);
				snprintf(buf + n, sizeof(buf) - n, ":%s", after);
			}
			setenv("LD_PRELOAD", buf, 1);
			setenv("KCPROF_OUT", dir, 1);
			if (san) {
				/* The sanitizer's own dlopen interceptor calls dlopen from its
				 * library, so the program's RUNPATH no longer applies: give the
				 * stand-ins' directory. */
				snprintf(buf, sizeof(buf), "%s/tests/lib", kct_build());
				setenv("LD_LIBRARY_PATH", buf, 1);
			}
		}
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		for (const char *const *e = env; e && *e; e++)
			putenv(strdup(*e));
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int run(const char *dir, const char *const *env, const char *const *argv, int preload,
	       const char *before, const char *after)
{
	pid_t pid = spawn(dir, env, argv, preload, before, after);
	int status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

pid_t kct_spawn(const char *dir, const char *const *env, const char *const *argv)
{
	return spawn(dir, env, argv, 1, NULL, NULL);
}

int kct_run(const char *dir, const char *const *env, const char *const *argv)
{
	return run(dir, env, argv, 1, NULL, NULL);
}
int kct_run_beside(const char *dir, const char *const *env, const char *const *argv,
		   const char *before, const char *after)
{
	return run(dir, env, argv, 1, before, after);
}
int kct_run_plain(const char *const *env, const char *const *argv)
{
	return run(NULL, env, argv, 0, NULL, NULL);
}

static void join_list(char *out, size_t cap, const struct kc_rec_hdr *r, struct kc_strlist l,
		      char sep)
{
	size_t n = 0;
	out[0] = '\0';
	for (const char *s = kc_rec_list_next(r, l, NULL); s; s = kc_rec_list_next(r, l, s)) {
		int w = snprintf(out + n, cap - n, "%s%s", n ? (char[]){sep, 0} : "", s);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

static void read_one(const char *path, struct kct_result *res)
{
	struct kc_trace t;
	if (kc_trace_open(&t, path) < 0) {
		res->problems++;
		kc_trace_close(&t);
		return;
	}
	res->files++;
	uint32_t pid = t.hdr.pid;
	res->feat_mask |= t.hdr.feat_mask;
	const struct kc_rec_hdr *r;
	int rc;
	struct kc_rec_load_context ctx = {.device = -1}; /* the last one, for its thread's load */
	while ((rc = kc_trace_next(&t, &r)) != 0) {
		if (rc < 0) {
			res->problems++;
			continue;
		}
		switch (r->type) {
		case KC_REC_LOAD_CONTEXT:
			memcpy(&ctx, r, sizeof(ctx));
			break;
		case KC_REC_PROCESS:
			if (res->nprocs < 16) {
				const struct kc_rec_process *p = (const void *)r;
				struct kct_proc *o = &res->procs[res->nprocs++];
				o->pid = p->pid;
				o->ppid = p->ppid;
				o->role = p->role;
				o->nancestors = p->nancestors;
				memcpy(o->ancestors, p->ancestors, sizeof(o->ancestors));
				snprintf(o->exe, sizeof(o->exe), "%s", kc_rec_str(r, p->exe));
				join_list(o->argv, sizeof(o->argv), r, p->argv, ' ');
			}
			break;
		case KC_REC_MODULE_LOAD:
			if (res->nloads < KCT_MAX) {
				const struct kc_rec_module_load *m = (const void *)r;
				struct kct_load *o = &res->loads[res->nloads++];
				o->pid = pid;
				o->api = m->api;
				o->kind = m->kind;
				o->hash = m->hash;
				o->loaded_hash = m->loaded_hash;
				o->size = m->size;
				o->duration = m->duration_ns;
				o->path = m->path;
				o->flags = m->flags;
				o->result = m->result;
				int mine = ctx.h.tid == r->tid && ctx.handle == m->handle;
				o->device = mine && ctx.context ? ctx.device : -1;
				o->context = mine ? ctx.context : 0;
				if (ctx.h.tid == r->tid) { /* taken by its load */
					memset(&ctx, 0, sizeof(ctx));
					ctx.device = -1;
				}
				join_list(o->names, sizeof(o->names), r, m->names, ',');
				join_list(o->jit, sizeof(o->jit), r, m->jit_options, ',');
				snprintf(o->file, sizeof(o->file), "%s", kc_rec_str(r, m->file));
			}
			break;
		case KC_REC_MODULE_UNLOAD:
			res->nunloads++;
			break;
		case KC_REC_FUNCTION:
			if (res->nfuncs < KCT_MAX) {
				const struct kc_rec_function *f = (const void *)r;
				struct kct_func *o = &res->funcs[res->nfuncs++];
				o->pid = pid;
				o->id = f->id;
				o->path = f->path;
				o->api = f->api;
				o->module_hash = f->module_hash;
				snprintf(o->name, sizeof(o->name), "%s", kc_rec_str(r, f->name));
			}
			break;
		case KC_REC_GPU_TIME: {
			const struct kc_rec_gpu_time *g = (const void *)r;
			const char *name = kc_rec_str(r, g->name);
			struct kct_gpu_time *o = NULL;
			for (int i = 0; i < res->ngpu; i++)
				if (res->gpu[i].pid == pid && strcmp(res->gpu[i].name, name) == 0)
					o = &res->gpu[i];
			if (!o && res->ngpu < 64)
				o = &res->gpu[res->ngpu++];
			if (o) { /* cumulative: the last one holds the totals */
				o->pid = pid;
				snprintf(o->name, sizeof(o->name), "%s", name);
				o->count = g->count;
				o->total_ns = g->total_ns;
				o->min_ns = g->min_ns;
				o->max_ns = g->max_ns;
				o->gap_count = g->gap_count;
				o->gap_ns = g->gap_ns;
				o->overlapped = g->overlapped;
			}
			break;
		}
		case KC_REC_LAUNCH_STATS: {
			const struct kc_rec_launch_stats *s = (const void *)r;
			struct kct_stats *o = NULL;
			for (int i = 0; i < res->nstats; i++)
				if (res->stats[i].pid == pid && res->stats[i].func_id == s->func_id)
					o = &res->stats[i];
			if (!o && res->nstats < KCT_MAX)
				o = &res->stats[res->nstats++];
			if (o && o->pid == pid && o->func_id == s->func_id && s->count < o->count)
				res->count_decreases++;
			if (o) { /* cumulative: the last one holds the totals */
				o->pid = pid;
				o->func_id = s->func_id;
				o->count = s->count;
				o->errors = s->errors;
				o->attrs = s->attrs;
				o->other_shapes = s->other_shapes;
				o->first_ns = s->first_ns;
				o->last_ns = s->last_ns;
				o->path = s->path;
				o->nshapes = s->nshapes;
				memcpy(o->shapes, s->shapes, s->nshapes * sizeof(struct kc_shape));
			}
			break;
		}
		case KC_REC_LAUNCH:
			res->nlaunches++;
			break;
		case KC_REC_COMPILE:
			if (res->ncompiles < KCT_MAX) {
				const struct kc_rec_compile *c = (const void *)r;
				struct kct_compile *o = &res->compiles[res->ncompiles++];
				o->pid = pid;
				o->tool = c->tool;
				o->result = c->result;
				o->duration = c->duration_ns;
				o->input_hash = c->input_hash;
				o->output_hash = c->output_hash;
				o->ptx_hash = c->ptx_hash;
				snprintf(o->name, sizeof(o->name), "%s", kc_rec_str(r, c->name));
				join_list(o->options, sizeof(o->options), r, c->options, ' ');
				join_list(o->inputs, sizeof(o->inputs), r, c->inputs, ' ');
			}
			break;
		case KC_REC_CUPTI:
			if (res->ncupti < 32)
				res->cupti[res->ncupti++] = ((const struct kc_rec_cupti *)r)->event;
			break;
		case KC_REC_LOST:
			res->lost = ((const struct kc_rec_lost *)r)->records;
			break;
		case KC_REC_END:
			res->nends++;
			break;
		}
	}
	kc_trace_close(&t);
}

struct kct_result *kct_read(const char *dir)
{
	struct kct_result *res = calloc(1, sizeof(*res));
	DIR *d = opendir(dir);
	if (!d)
		return res;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 4, ".kct") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		read_one(path, res);
	}
	closedir(d);
	return res;
}

uint64_t kct_launches(const struct kct_result *r, const char *name, uint16_t *paths,
		      uint64_t *attrs)
{
	uint64_t total = 0;
	if (paths)
		*paths = 0;
	if (attrs)
		*attrs = 0;
	for (int i = 0; i < r->nstats; i++) {
		const struct kct_stats *s = &r->stats[i];
		for (int j = 0; j < r->nfuncs; j++) {
			const struct kct_func *f = &r->funcs[j];
			if (f->pid != s->pid || f->id != s->func_id || strcmp(f->name, name) != 0)
				continue;
			total += s->count;
			if (paths)
				*paths |= s->path;
			if (attrs)
				*attrs |= s->attrs;
			break;
		}
	}
	return total;
}

const struct kct_gpu_time *kct_gpu(const struct kct_result *r, const char *name)
{
	for (int i = 0; i < r->ngpu; i++)
		if (strcmp(r->gpu[i].name, name) == 0)
			return &r->gpu[i];
	return NULL;
}

int kct_count_loads(const struct kct_result *r, unsigned api)
{
	int n = 0;
	for (int i = 0; i < r->nloads; i++)
		n += r->loads[i].api == api;
	return n;
}

int kct_distinct_hashes(const struct kct_result *r, const char *name)
{
	uint64_t seen[KCT_MAX];
	int n = 0;
	for (int i = 0; i < r->nloads; i++) {
		if (name && !strstr(r->loads[i].names, name))
			continue;
		int dup = 0;
		for (int j = 0; j < n; j++)
			dup |= seen[j] == r->loads[i].hash;
		if (!dup)
			seen[n++] = r->loads[i].hash;
	}
	return n;
}

char *kct_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	buf[got] = 0;
	if (size)
		*size = got;
	fclose(f);
	return buf;
}

/* The CLI as a shell command. Under SAN=1 `record` preloads the sanitized recorder into plain
 * programs, after their own libraries: the ASan runtime then comes with it, not first. */
int kct_sanitized(void)
{
	const char *san = getenv("KCT_SAN_PRELOAD");
	return san && *san;
}

const char *kct_cli(void)
{
	static char buf[4400];
	snprintf(buf, sizeof(buf), "%s%s/kcprof",
		 getenv("KCT_SAN_PRELOAD") && *getenv("KCT_SAN_PRELOAD")
		     ? "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 "
		     : "",
		 kct_build());
	return buf;
}

int kct_run_cli(const char *const *args, char *out, size_t cap)
{
	char cmd[8192];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "%s", kct_cli());
	for (int i = 0; args[i]; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " '%s'", args[i]);
	snprintf(cmd + n, sizeof(cmd) - n, " 2>&1");
	FILE *p = popen(cmd, "r");
	size_t got = fread(out, 1, cap - 1, p);
	out[got] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int kct_line_of(const char *path, const char *text)
{
	size_t size;
	char *file = kct_read_file(path, &size);
	char *at = file ? strstr(file, text) : NULL;
	int line = at ? 1 : -1;
	for (char *p = file; at && p < at; p++)
		line += *p == '\n';
	free(file);
	return line;
}

void kct_write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0) {
		fprintf(stderr, "kct: cannot write %s\n", path);
		abort();
	}
}
