/* kc_record.c - see kc_record.h. */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "kc_hash.h"
#include "kc_record.h"

static int rb_reserve(struct kc_recbuf *rb, size_t more);

void kc_rb_init(struct kc_recbuf *rb, void *mem, size_t cap, size_t fixed_size)
{
	memset(rb, 0, sizeof(*rb));
	rb->buf = mem;
	rb->cap = cap;
	rb->fixed = fixed_size;
	rb->len = 0;
	if (rb_reserve(rb, fixed_size) == 0) /* a caller's buffer smaller than the fixed part */
		rb->len = fixed_size;
}

static int rb_reserve(struct kc_recbuf *rb, size_t more)
{
	if (rb->failed)
		return -1;
	if (rb->len + more <= rb->cap)
		return 0;
	size_t need = rb->len + more;
	if (need > KC_REC_MAX_SIZE) {
		rb->failed = 1;
		return -1;
	}
	size_t cap = rb->cap ? rb->cap : 256;
	while (cap < need)
		cap *= 2;
	uint8_t *nb = rb->heap ? realloc(rb->buf, cap) : malloc(cap);
	if (!nb) {
		rb->failed = 1;
		return -1;
	}
	if (!rb->heap && rb->len)
		memcpy(nb, rb->buf, rb->len);
	rb->buf = nb;
	rb->cap = cap;
	rb->heap = 1;
	return 0;
}

struct kc_str kc_rb_strn(struct kc_recbuf *rb, const char *s, size_t len)
{
	struct kc_str ref = {0, 0};
	if (!s || rb_reserve(rb, len + 1))
		return ref;
	ref.off = (uint32_t)rb->len;
	ref.len = (uint32_t)len;
	memcpy(rb->buf + rb->len, s, len);
	rb->buf[rb->len + len] = '\0';
	rb->len += len + 1;
	return ref;
}

struct kc_str kc_rb_str(struct kc_recbuf *rb, const char *s)
{
	return kc_rb_strn(rb, s, s ? strlen(s) : 0);
}

uint32_t kc_rb_bytes(struct kc_recbuf *rb, const void *p, size_t len)
{
	size_t pad = (KC_REC_ALIGN - rb->len % KC_REC_ALIGN) % KC_REC_ALIGN;
	if (rb_reserve(rb, pad + len))
		return 0;
	memset(rb->buf + rb->len, 0, pad);
	rb->len += pad;
	uint32_t off = (uint32_t)rb->len;
	memcpy(rb->buf + rb->len, p, len);
	rb->len += len;
	return off;
}

void kc_rb_list_begin(struct kc_recbuf *rb)
{
	rb->list.off = (uint32_t)rb->len;
	rb->list.len = 0;
	rb->list.count = 0;
	rb->list.reserved = 0;
}

void kc_rb_list_addn(struct kc_recbuf *rb, const char *s, size_t len)
{
	if (!s || rb_reserve(rb, len + 1))
		return;
	memcpy(rb->buf + rb->len, s, len);
	rb->buf[rb->len + len] = '\0';
	rb->len += len + 1;
	rb->list.len += (uint32_t)(len + 1);
	rb->list.count++;
}

void kc_rb_list_add(struct kc_recbuf *rb, const char *s)
{
	if (s)
		kc_rb_list_addn(rb, s, strlen(s));
}

struct kc_strlist kc_rb_list_end(struct kc_recbuf *rb)
{
	struct kc_strlist l = rb->list;
	if (l.count == 0)
		l.off = 0;
	return l;
}

void kc_file_hdr_init(struct kc_file_hdr *h, uint32_t pid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, KC_TRACE_MAGIC, 8);
	h->version = KC_TRACE_VERSION;
	h->header_size = sizeof(*h);
	h->endian = KC_TRACE_ENDIAN_LITTLE;
	h->rec_hdr_size = sizeof(struct kc_rec_hdr);
	h->pid = pid;
}

void kc_file_hdr_seal(struct kc_file_hdr *h)
{
	h->feat_mask |= KC_FEAT_HDR_CHECK;
	h->hdr_check = kc_hash32(h, offsetof(struct kc_file_hdr, hdr_check), KC_HDR_CHECK_SEED);
}

void kc_rec_seal(struct kc_rec_hdr *h, size_t size)
{
	h->size = (uint32_t)size;
	h->flags = 0;
	h->check = kc_hash32((const uint8_t *)h + sizeof(*h), size - sizeof(*h), h->type);
}

size_t kc_rb_finish(struct kc_recbuf *rb, void *fixed, uint16_t type, uint32_t tid,
		    uint64_t time_ns)
{
	size_t pad = (KC_REC_ALIGN - rb->len % KC_REC_ALIGN) % KC_REC_ALIGN;
	if (rb_reserve(rb, pad))
		return 0;
	memset(rb->buf + rb->len, 0, pad);
	rb->len += pad;
	struct kc_rec_hdr *h = fixed;
	h->type = type;
	h->tid = tid;
	h->time_ns = time_ns;
	memcpy(rb->buf, fixed, rb->fixed);
	kc_rec_seal((struct kc_rec_hdr *)rb->buf, rb->len);
	return rb->len;
}

void kc_rb_release(struct kc_recbuf *rb)
{
	if (rb->heap)
		free(rb->buf);
	rb->buf = NULL;
	rb->heap = 0;
	rb->cap = rb->len = 0;
}
