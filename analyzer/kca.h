/* kca.h - the kcprof command-line tool: shared declarations of the analyzer.
 *
 *   main.c         the command table and dispatch
 *   cmd_<name>.c   one file per command: command_<name>(argc, argv)
 *   tracedir.c     finding and reading the traces of a directory
 *   json.c         a small streaming JSON writer
 *
 * Conventions: kca_ prefix; functions return 0 / negative errno; a command returns its exit
 * status (0 ok, 1 failure or a check that failed, 2 usage). kca_die() is for the
 * unrecoverable and names where it happened.
 */
#ifndef KCA_H
#define KCA_H

#include <stdint.h>
#include <stdio.h>

#include "../common/kc_log.h"
#include "../common/kc_trace.h"
#include "../common/kc_trace_read.h"

struct kca_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
extern const struct kca_command kca_commands[];

#define KCA_COMMAND(name) int command_##name(int argc, char **argv)
KCA_COMMAND(record);
KCA_COMMAND(dump);
KCA_COMMAND(report);
KCA_COMMAND(diff);
KCA_COMMAND(export);
KCA_COMMAND(check);
KCA_COMMAND(archive);

_Noreturn void kca_die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define kca_die(...) kca_die_at(__FILE__, __LINE__, __VA_ARGS__)
void *kca_xmalloc(size_t n);
void *kca_xcalloc(size_t n, size_t size);
void *kca_xrealloc(void *p, size_t n);
/* Room for one more in a growing array: arr holds n of cap, doubled when full. */
#define KCA_GROW(arr, n, cap)                                                                      \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			(cap) = (cap) ? (cap)*2 : 16;                                              \
			(arr) = kca_xrealloc((arr), (size_t)(cap) * sizeof(*(arr)));               \
		}                                                                                  \
	} while (0)
char *kca_xstrdup(const char *s);

/* Let common/kc_image.c read compressed fatbin entries (zstd, LZ4). */
void kca_decompress_init(void);
/* A call site as the report prints it, into buf: "file:line in func", or "file:line" (or
 * "module+0xoffset") where the function is unknown ("?" or ""). */
const char *kca_site_text(const char *where, const char *func, char *buf, size_t cap);
/* s with control bytes (a program's argv, a kernel name from an image: anything the trace
 * holds) written as \xNN, so that text output cannot drive the terminal; into buf. */
const char *kca_printable(const char *s, char *buf, size_t cap);

/* A command's --help: usage text to stdout, exit 0. */
int kca_usage(const char *text, int status);

/* A time given on the command line ("90", "90s", "1.5m", "500ms", "2h"; seconds without a
 * unit) into *ns: 0, or -EINVAL for anything else (negative, not a number, too large). */
int kca_parse_time(const char *arg, uint64_t *ns);

/* The directories left on a command line after its options (argv + optind), or
 * ./kcprof.data when none is given; their number into *ndirs. */
char **kca_dir_args(int argc, char **argv, int optind, unsigned *ndirs);

/* ---- trace directories (tracedir.c) ------------------------------------------------------- */

struct kca_trace_list {
	char **paths; /* sorted */
	int count;
};
/* The *.kct files of dir (or dir itself when it is a file). 0, or -errno with a message
 * printed. An empty directory is not an error: count is 0. */
int kca_trace_list(const char *dir, struct kca_trace_list *out);
void kca_trace_list_free(struct kca_trace_list *l);
/* The warning that dir holds no trace, naming its subdirectories that do (a directory of
 * several runs). */
void kca_warn_no_traces(const char *dir);

/* Read every record of one trace, calling fn for each valid one; problems are printed once
 * each to stderr as warnings ("FILE: offset N: ..."). Returns the number of problems. */
typedef int (*kca_record_fn)(struct kc_trace *t, const struct kc_rec_hdr *rec, void *ctx);
int kca_trace_each(const char *path, kca_record_fn fn, void *ctx, struct kc_file_hdr *hdr_out);

/* The image store of a trace directory: path of an image by hash ("" if absent). */
int kca_image_path(const char *dir, uint64_t hash, char *out, size_t cap);
/* The same, where it is stored as an image of that kind (KC_IMAGE_PTX: a .ptx); 0 or
 * -ENOENT (absent, or stored as another kind: a compile's output may be a cubin). */
int kca_image_kind_path(const char *dir, uint64_t hash, unsigned kind, char *out, size_t cap);

/* The directories `kcprof archive` fills in a trace directory: the Python sources the IR
 * names, the Triton cache entries, the program's modules by build-id. */
#define KCA_ARCHIVE_SOURCES "sources"
#define KCA_ARCHIVE_TRITON_CACHE "triton-cache"
#define KCA_ARCHIVE_MODULES "modules"

/* What `kcprof archive` copies into a trace directory (those three directories)
 * describes its traces: each such directory it made carries a mark, so that a new recording
 * into the directory removes them with the traces they describe (a source archived from an
 * earlier run, by its path, would be read in place of the new run's). kca_archive_mark marks
 * those of dir that exist; kca_archive_clear removes the marked ones, returning how many. */
void kca_archive_mark(const char *dir);
int kca_archive_clear(const char *dir);

/* ---- JSON (json.c) ------------------------------------------------------------------------ */

struct kca_json {
	FILE *f;
	int depth;
	int first[32];
	int in_obj[32];
	int pretty;
	int text; /* key=value text instead of JSON */
};
void kca_json_init(struct kca_json *j, FILE *f, int pretty);
void kca_json_init_text(struct kca_json *j, FILE *f);
void kca_json_obj(struct kca_json *j, const char *key); /* { ; key NULL inside an array */
void kca_json_arr(struct kca_json *j, const char *key); /* [ */
void kca_json_end_obj(struct kca_json *j);
void kca_json_end_arr(struct kca_json *j);
void kca_json_str(struct kca_json *j, const char *key, const char *v);
void kca_json_strn(struct kca_json *j, const char *key, const char *v, size_t n);
void kca_json_u64(struct kca_json *j, const char *key, uint64_t v);
void kca_json_i64(struct kca_json *j, const char *key, int64_t v);
void kca_json_dbl(struct kca_json *j, const char *key, double v);
void kca_json_bool(struct kca_json *j, const char *key, int v);
void kca_json_null(struct kca_json *j, const char *key);
void kca_json_hex(struct kca_json *j, const char *key, uint64_t v);  /* "0x..." */
void kca_json_hash(struct kca_json *j, const char *key, uint64_t h); /* 16 hex digits, null if 0 */
void kca_json_escape(FILE *f, const char *s, size_t n);

#endif
