/* kc_trace_read.h - reading a trace file, defensively.
 *
 * The reader maps the file read-only and hands out one record at a time, each validated:
 * header sane, check matching, every string and list inside the record, NUL-terminated.
 * A record shorter than this reader's struct (an older writer) is handed out zero-extended.
 * A bad record is reported with file and offset, then the reader looks for the next whole
 * record (the checks make that safe), so one bad spot loses only itself. A file cut short
 * (a killed process) ends at its last whole record, and says so.
 */
#ifndef KC_TRACE_READ_H
#define KC_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "kc_trace.h"

struct kc_trace {
	char *path;
	const uint8_t *map;
	size_t size;
	int mapped;		/* map is ours to unmap */
	struct kc_file_hdr hdr; /* zero-extended copy */
	size_t pos;		/* offset of the next record */
	size_t last_off;	/* offset of the record last returned */
	/* Counters for the reader's report. */
	uint64_t records;
	uint64_t unknown_records;
	uint64_t corrupt;	/* bad spots met */
	uint64_t skipped_bytes; /* bytes passed over to resynchronise */
	uint64_t resync_hashed; /* bytes hashed looking for a record after a bad spot (bounded) */
	int truncated;		/* the file ends inside a record */
	int header_damaged;	/* its check failed: said once, by the first kc_trace_next */
	char err[320];		/* last problem, "FILE: offset N: what" */
	uint8_t *scratch;	/* zero-extended copies */
	size_t scratch_cap;
};

/* 0, or -errno / -EINVAL with t->err set (not a trace, newer version, other endianness). */
int kc_trace_open(struct kc_trace *t, const char *path);
/* Same, over bytes already in memory (fuzzing, tests); the memory must outlive t. */
int kc_trace_open_mem(struct kc_trace *t, const char *name, const void *data, size_t size);
/* 1 and *rec set: a valid record. 0: end of file. -EILSEQ: a bad spot was met and skipped;
 * t->err says where and what, and the next call goes on after it. */
int kc_trace_next(struct kc_trace *t, const struct kc_rec_hdr **rec);
/* Always call, also after a failed open: frees what open took. */
void kc_trace_close(struct kc_trace *t);

/* Strings of a record handed out by kc_trace_next (already validated). */
const char *kc_rec_str(const struct kc_rec_hdr *rec, struct kc_str s);
/* Walk a list: start with *it = NULL; returns the next string or NULL at the end. */
const char *kc_rec_list_next(const struct kc_rec_hdr *rec, struct kc_strlist l, const char *it);

/* Size of this reader's struct for a known record type, 0 for an unknown one. */
size_t kc_rec_known_size(unsigned type);

#endif
