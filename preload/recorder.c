/* recorder.c - the trace file of this process, and the image store.
 *
 * One file per process, opened at the first record: "<pid>-<comm>.kct" in the output
 * directory, a header then records, each written whole with one write(2) under a lock, so a
 * killed process leaves every record before its last write readable. A record that cannot
 * be written is counted, and the count goes out as a LOST record when writing works again
 * and in the END record. An unwritable directory gives one warning; the program runs on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#include "../common/kc_fs.h"
#include "../common/kc_hash.h"
#include "../common/kc_image.h"
#include "kcp.h"

#define DOMAIN "record"

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
struct stored {
	uint64_t hash;
	UT_hash_handle hh;
};
static struct stored *stored_set;
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;

static int rec_fd = -1;
static pid_t rec_pid; /* the process rec_fd belongs to */
static dev_t rec_dev; /* the file rec_fd was opened on: the program may close the fd */
static ino_t rec_ino; /* and open its own under the same number (rec_fd_ours) */
static char rec_path[PATH_MAX + 64];
static pid_t rec_failed_pid; /* opening failed for this process: do not retry */
static uint64_t lost_records, lost_bytes, lost_reported;

_Atomic uint64_t kcp_count_loads, kcp_count_compiles;

/* ---- helpers ------------------------------------------------------------------------------ */

/* Every write of kcprof's own, with SIGXFSZ blocked: past a file-size limit (ulimit -f) the
 * write fails with EFBIG, where the signal would end the program; the signal it raised is
 * taken back. One the program had pending already is left to it. */
static int rec_write_all(int fd, const void *p, size_t n)
{
	sigset_t xfsz, old, pending;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, &old);
	int had = sigpending(&pending) == 0 && sigismember(&pending, SIGXFSZ);
	int rc = kc_write_all(fd, p, n);
	if (rc == -EFBIG && !had) {
		struct timespec now = {0, 0};
		sigtimedwait(&xfsz, NULL, &now);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = kc_read_full(fd, buf, cap);
	close(fd);
	return (ssize_t)n;
}

/* Parent pid of pid from /proc/<pid>/stat (field 4, after the parenthesised comm). */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	const char *fields = kcp_proc_stat(path, buf, sizeof(buf));
	int ppid = 0;
	if (fields && sscanf(fields, " %*c %d", &ppid) == 1)
		return (pid_t)ppid;
	return 0;
}

/* Environment variables that shape what gets compiled, kept in the PROCESS record. */
static int env_of_interest(const char *kv)
{
	static const char *const prefixes[] = {
	    "KCPROF_", "TRITON_", "TORCHINDUCTOR_", "TORCH_COMPILE", "CUDA_",
	    "NVRTC_",  "PTXAS_",  "HOME=",	    "LD_PRELOAD=",   NULL};
	for (int i = 0; prefixes[i]; i++)
		if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

struct kc_strlist kcp_rb_cmdline(struct kc_recbuf *rb, struct kcp_argv *keep)
{
	enum { MAX_ARGS = 4096 };
	size_t cap = 64 * 1024;
	char *cmdline = malloc(cap);
	const char **argv = keep ? malloc(MAX_ARGS * sizeof(*argv)) : NULL;
	unsigned argc = 0;
	ssize_t n = cmdline ? read_file("/proc/self/cmdline", cmdline, cap - 1) : 0;
	kc_rb_list_begin(rb);
	for (ssize_t i = 0; n > 0 && i < n;) {
		size_t len = strnlen(cmdline + i, (size_t)(n - i));
		kc_rb_list_addn(rb, cmdline + i, len);
		cmdline[i + (ssize_t)len] = '\0'; /* a cut last argument: cap - 1 leaves room */
		if (argv && argc < MAX_ARGS)
			argv[argc++] = cmdline + i;
		i += (ssize_t)len + 1;
	}
	if (keep) {
		keep->buf = cmdline;
		keep->argv = argv;
		keep->argc = argv ? argc : 0;
	} else {
		free(cmdline);
	}
	return kc_rb_list_end(rb);
}

void kcp_argv_free(struct kcp_argv *args)
{
	free(args->argv);
	free(args->buf);
	memset(args, 0, sizeof(*args));
}

/* Whether text begins as PTX does: comments and blank lines, then .version. */
static int looks_like_ptx(const char *text, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n &&
		       (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
			i++;
		if (i + 1 < n && text[i] == '/' && text[i + 1] == '/') {
			while (i < n && text[i] != '\n')
				i++;
			continue;
		}
		return n - i >= 8 && memcmp(text + i, ".version", 8) == 0;
	}
	return 0;
}

uint64_t kcp_store_ptxas_input(const struct kcp_argv *args)
{
	enum { MAX_OPERANDS = 16 };
	const char *operands[MAX_OPERANDS];
	uint64_t hash = 0;
	unsigned nops = kc_compiler_operands(args->argv, args->argc, operands, MAX_OPERANDS);
	for (unsigned k = 0; k < nops && !hash; k++) {
		size_t size;
		int fd = kc_open_regular(operands[k], &size);
		if (fd < 0)
			continue;
		char *text = size && size <= kcp_cfg.max_image ? malloc(size) : NULL;
		if (text && kc_read_full(fd, text, size) == size && looks_like_ptx(text, size)) {
			hash = kc_hash64(text, size);
			kcp_image_store(text, size, hash, KC_IMAGE_PTX);
		}
		free(text);
		close(fd);
	}
	return hash;
}

/* The PROCESS record that starts every file: built into rb, returns its size (0: failed). */
static size_t build_process_record(struct kc_recbuf *rb_out, void *mem, size_t cap, unsigned role)
{
	struct kc_recbuf rb;
	struct kc_rec_process rec = {0};
	kc_rb_init(&rb, mem, cap, sizeof(rec));
	rec.pid = (uint32_t)getpid();
	rec.ppid = (uint32_t)getppid();
	rec.role = role;
	pid_t a = (pid_t)rec.ppid;
	for (int i = 0; i < KC_MAX_ANCESTORS && a > 1; i++) {
		rec.ancestors[rec.nancestors++] = (uint32_t)a;
		a = parent_of(a);
	}
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	rec.exe = kc_rb_strn(&rb, buf, n > 0 ? (size_t)n : 0);
	if (getcwd(buf, sizeof(buf)))
		rec.cwd = kc_rb_str(&rb, buf);
	rec.argv = kcp_rb_cmdline(&rb, NULL);
	extern char **environ;
	kc_rb_list_begin(&rb);
	for (char **e = environ; e && *e; e++)
		if (env_of_interest(*e))
			kc_rb_list_add(&rb, *e);
	rec.env = kc_rb_list_end(&rb);
	size_t size = kc_rb_finish(&rb, &rec, KC_REC_PROCESS, kcp_tid(), kcp_now_ns());
	*rb_out = rb;
	return size;
}

/* ---- the file ----------------------------------------------------------------------------- */

/* fd moved above the numbers programs use and close in bulk (3..1023), where the limit allows:
 * the trace must not take the lowest free number a program's next open() expects. The fd
 * kept, or the one given where it cannot move. */
static int fd_moved_high(int fd)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 128)
		return fd;
	rlim_t top = rl.rlim_cur < 4096 ? rl.rlim_cur : 4096;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, (int)(top - 64));
	if (high < 0)
		return fd;
	close(fd);
	return high;
}

/* Whether rec_fd is still the trace kcprof opened: a program that closes every fd and opens
 * its own may have been given the number. */
static int rec_fd_ours(void)
{
	struct stat st;
	return fstat(rec_fd, &st) == 0 && st.st_dev == rec_dev && st.st_ino == rec_ino;
}

/* fd (open) taken as the trace: moved high, its file remembered for rec_fd_ours; 0, or -EIO
 * with fd closed. */
static int rec_fd_take(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -EIO;
	}
	rec_fd = fd_moved_high(fd);
	rec_dev = st.st_dev;
	rec_ino = st.st_ino;
	return 0;
}

static int open_locked(void)
{
	pid_t pid = getpid();
	if (rec_fd >= 0 && rec_pid == pid) {
		if (rec_fd_ours())
			return 0;
		/* the fd is the program's now (it closed ours): ours again, appended to,
		 * under a number of its own; never a write into the program's file */
		int fd = open(rec_path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd < 0 || rec_fd_take(fd) < 0) {
			rec_fd = -1;
			rec_failed_pid = pid;
			return -EIO;
		}
		return 0;
	}
	if (rec_failed_pid == pid)
		return -EIO;
	int rc = kc_mkdir_p(kcp_cfg.out_dir);
	int fd = -1;
	char path[PATH_MAX + 64];
	if (rc == 0) {
		char comm[32];
		snprintf(comm, sizeof(comm), "%s", program_invocation_short_name);
		for (char *c = comm; *c; c++)
			if (*c == '/' || *c == ' ' || *c == '.')
				*c = '_';
		for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
			if (attempt == 0)
				snprintf(path, sizeof(path), "%s/%d-%s%s", kcp_cfg.out_dir,
					 (int)pid, comm, KC_TRACE_SUFFIX);
			else
				snprintf(path, sizeof(path), "%s/%d-%s.%d%s", kcp_cfg.out_dir,
					 (int)pid, comm, attempt, KC_TRACE_SUFFIX);
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
			if (fd < 0 && errno != EEXIST)
				break;
		}
		if (fd < 0)
			rc = -errno;
	}
	if (fd < 0) {
		rec_failed_pid = pid;
		kc_log(KC_LOG_WARN, DOMAIN,
		       "cannot write traces to %s: %s; the program runs on unrecorded",
		       kcp_cfg.out_dir, strerror(-rc));
		return rc;
	}
	struct kc_file_hdr h;
	kc_file_hdr_init(&h, (uint32_t)pid);
	h.ppid = (uint32_t)getppid();
	/* What the recorder was set to do (whether CUPTI then gave it, cupti records say). */
	h.feat_mask = (kcp_cfg.full_launches ? KC_FEAT_FULL_LAUNCHES : 0) |
		      (kcp_cfg.store_images ? KC_FEAT_IMAGES : 0) |
		      (kcp_cfg.cupti ? KC_FEAT_CUPTI : 0) |
		      (kcp_cfg.cupti && kcp_cfg.gpu_time ? KC_FEAT_GPU_TIME : 0) |
		      (kcp_cfg.python ? KC_FEAT_PYTHON : 0) | (kcp_cfg.stacks ? KC_FEAT_STACKS : 0);
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	h.start_mono_ns = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	h.start_real_ns = (uint64_t)real.tv_sec * 1000000000ull + (uint64_t)real.tv_nsec;
	kc_file_hdr_seal(&h);
	if ((rc = rec_write_all(fd, &h, sizeof(h))) < 0) {
		close(fd);
		rec_failed_pid = pid;
		kc_log(KC_LOG_WARN, DOMAIN, "cannot write %s: %s; the program runs on unrecorded",
		       path, strerror(-rc));
		return rc;
	}
	if (rec_fd_take(fd) < 0) {
		rec_failed_pid = pid;
		return -EIO;
	}
	rec_pid = pid;
	snprintf(rec_path, sizeof(rec_path), "%s", path);
	/* A fresh file starts with who this process is. */
	_Alignas(8) uint8_t mem[4096];
	struct kc_recbuf rb;
	size_t size = build_process_record(&rb, mem, sizeof(mem), kcp_child_role());
	if (size)
		rec_write_all(rec_fd, kc_rb_data(&rb), size);
	kc_rb_release(&rb);
	kc_log(KC_LOG_INFO, DOMAIN, "tracing to %s", path);
	return 0;
}

static int write_locked(const void *rec, size_t size)
{
	int rc = open_locked();
	if (rc < 0)
		goto lost;
	if (lost_records > lost_reported) {
		struct kc_rec_lost l = {
		    .h = {.type = KC_REC_LOST, .tid = kcp_tid(), .time_ns = kcp_now_ns()},
		    .records = lost_records,
		    .bytes = lost_bytes};
		kc_rec_seal(&l.h, sizeof(l));
		if (rec_write_all(rec_fd, &l, sizeof(l)) == 0)
			lost_reported = lost_records;
	}
	if ((rc = rec_write_all(rec_fd, rec, size)) == 0)
		return 0;
lost:
	lost_records++;
	lost_bytes += size;
	return rc < 0 ? rc : -EIO;
}

int kcp_rec_write(const void *rec, size_t size)
{
	int saved = errno, cancel = kcp_nocancel_begin();
	kcp_lock(&rec_lock);
	int rc = write_locked(rec, size);
	kcp_unlock(&rec_lock);
	kcp_nocancel_end(cancel);
	errno = saved;
	return rc;
}

int kcp_rec_emit(struct kc_recbuf *rb, void *fixed, uint16_t type)
{
	size_t size = kc_rb_finish(rb, fixed, type, kcp_tid(), kcp_now_ns());
	if (size == 0) {
		kcp_lock(&rec_lock);
		lost_records++;
		kcp_unlock(&rec_lock);
		return -ENOMEM;
	}
	return kcp_rec_write(kc_rb_data(rb), size);
}

void kcp_rec_end(void)
{
	int cancel = kcp_nocancel_begin();
	kcp_lock(&rec_lock);
	if (rec_fd >= 0 && rec_pid == getpid() && open_locked() == 0) {
		struct kc_rec_end e = {
		    .h = {.type = KC_REC_END, .tid = kcp_tid(), .time_ns = kcp_now_ns()},
		    .launches = kcp_launch_total(),
		    .loads = atomic_load(&kcp_count_loads),
		    .compiles = atomic_load(&kcp_count_compiles),
		    .lost = lost_records};
		kc_rec_seal(&e.h, sizeof(e));
		rec_write_all(rec_fd, &e, sizeof(e));
		close(rec_fd);
		rec_fd = -1;
	}
	kcp_unlock(&rec_lock);
	kcp_nocancel_end(cancel);
}

/* ---- fork: the child writes a file of its own ---------------------------------------------- */

/* Locks are taken in the order store_lock, rec_lock (see kcp_launch_atfork_* for the
 * function table's, taken before these), so a fork never leaves one held in the child. */
void kcp_rec_atfork_prepare(void)
{
	kcp_lock(&store_lock);
	kcp_lock(&rec_lock);
}
void kcp_rec_atfork_parent(void)
{
	kcp_unlock(&rec_lock);
	kcp_unlock(&store_lock);
}
void kcp_rec_atfork_child(void)
{
	kcp_unlock(&rec_lock);
	kcp_unlock(&store_lock);
	if (rec_fd >= 0 && rec_fd_ours()) /* never the program's fd under our old number */
		close(rec_fd);
	rec_fd = -1;
	rec_pid = 0;
	lost_records = lost_bytes = lost_reported = 0;
	atomic_store(&kcp_count_loads, 0);
	atomic_store(&kcp_count_compiles, 0);
}

/* ---- image store -------------------------------------------------------------------------- */

unsigned kcp_image_store(const void *data, size_t size, uint64_t hash, unsigned kind)
{
	if (!kcp_cfg.store_images || !data || size == 0 || size > kcp_cfg.max_image)
		return 0;
	int saved = errno, cancel = kcp_nocancel_begin();
	unsigned result = 0;
	kcp_lock(&store_lock);
	struct stored *s;
	HASH_FIND(hh, stored_set, &hash, sizeof(hash), s);
	if (s) {
		result = KC_MODF_STORED;
		goto out;
	}
	char dir[PATH_MAX + 16], path[PATH_MAX + 64], tmp[PATH_MAX + 96], hex[17];
	snprintf(dir, sizeof(dir), "%s/%s", kcp_cfg.out_dir, KC_IMAGE_DIR);
	snprintf(path, sizeof(path), "%s/%s.%s", dir, kc_hash_hex(hash, hex),
		 kc_image_kind_ext(kind));
	if (access(path, F_OK) != 0) {
		if (kc_mkdir_p(dir) < 0)
			goto out;
		/* Written aside, then renamed: another process storing the same image at the same
		 * moment cannot leave a half file under the final name. */
		snprintf(tmp, sizeof(tmp), "%s.%d.%u.tmp", path, (int)getpid(), kcp_tid());
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			goto out;
		int rc = rec_write_all(fd, data, size);
		close(fd);
		if (rc < 0 || rename(tmp, path) < 0) {
			unlink(tmp);
			goto out;
		}
	}
	s = malloc(sizeof(*s));
	if (s) {
		s->hash = hash;
		HASH_ADD(hh, stored_set, hash, sizeof(hash), s);
	}
	result = KC_MODF_STORED;
out:
	kcp_unlock(&store_lock);
	kcp_nocancel_end(cancel);
	errno = saved;
	return result;
}
