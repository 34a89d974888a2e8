/* kc_record.h - building trace records in memory (the recorder, the tests and the benchmark
 * generator all write records through this, so there is one encoder).
 *
 * Use: kc_rb_init() with a caller's buffer, add strings and lists (each returns the
 * reference to store in the record's fixed part), then kc_rb_finish() copies the fixed part
 * in front, pads to 8 bytes and sets size and check. The buffer grows with malloc when the
 * caller's is too small; kc_rb_release() frees that. On allocation failure the builder
 * is marked failed and kc_rb_finish() returns 0.
 */
#ifndef KC_RECORD_H
#define KC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "kc_trace.h"

struct kc_recbuf {
	uint8_t *buf;
	size_t cap;
	size_t len;   /* bytes used, the fixed part included */
	size_t fixed; /* size of the fixed part reserved at the start */
	int heap;     /* buf was allocated by the builder */
	int failed;
	struct kc_strlist list; /* list being built */
};

void kc_rb_init(struct kc_recbuf *rb, void *mem, size_t cap, size_t fixed_size);
struct kc_str kc_rb_str(struct kc_recbuf *rb, const char *s);
struct kc_str kc_rb_strn(struct kc_recbuf *rb, const char *s, size_t len);
/* Raw bytes appended (8-aligned) without a NUL; returns their offset. */
uint32_t kc_rb_bytes(struct kc_recbuf *rb, const void *p, size_t len);
void kc_rb_list_begin(struct kc_recbuf *rb);
void kc_rb_list_add(struct kc_recbuf *rb, const char *s);
void kc_rb_list_addn(struct kc_recbuf *rb, const char *s, size_t len);
struct kc_strlist kc_rb_list_end(struct kc_recbuf *rb);
/* fixed points to the record's fixed part (header included); its header fields other than
 * type, tid and time_ns are filled in here. Returns the record size, 0 if building failed. */
size_t kc_rb_finish(struct kc_recbuf *rb, void *fixed, uint16_t type, uint32_t tid,
		    uint64_t time_ns);
static inline const void *kc_rb_data(const struct kc_recbuf *rb)
{
	return rb->buf;
}
void kc_rb_release(struct kc_recbuf *rb);

/* A file header of this format version for process pid: magic, version, sizes, byte order;
 * the rest (ppid, features, clocks, ...) zero for the caller to fill. */
void kc_file_hdr_init(struct kc_file_hdr *h, uint32_t pid);
/* Once every field is set, before it is written: the header's check (KC_FEAT_HDR_CHECK). */
void kc_file_hdr_seal(struct kc_file_hdr *h);

/* Seal a record already laid out in memory (fixed-size records): size and check. */
void kc_rec_seal(struct kc_rec_hdr *h, size_t size);

#endif
