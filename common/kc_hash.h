/* kc_hash.h - content hashes: XXH3-64 for code images, XXH32 for record checks. */
#ifndef KC_HASH_H
#define KC_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t kc_hash64(const void *data, size_t len);
uint32_t kc_hash32(const void *data, size_t len, uint32_t seed);

/* Streaming XXH3-64, for images read from a file in pieces. The state is opaque storage
 * large enough for XXH3_state_t (checked at compile time in kc_hash.c). */
struct kc_hash_stream {
	_Alignas(64) unsigned char opaque[640];
};
void kc_hash64_begin(struct kc_hash_stream *s);
void kc_hash64_add(struct kc_hash_stream *s, const void *data, size_t len);
uint64_t kc_hash64_end(struct kc_hash_stream *s);
/* XXH3-64 of everything left to read from fd, read in 64 KB pieces (from the heap: a loading
 * thread's stack may be small), through EINTR; the first head_cap bytes are also copied to head
 * (for the caller to tell the file's kind; head may be NULL). The count read goes to *size.
 * 0, or -errno of a failed read or allocation. */
int kc_hash64_fd(int fd, uint64_t *hash, size_t *size, void *head, size_t head_cap);

/* "%016llx" of a hash into buf (17 bytes). */
char *kc_hash_hex(uint64_t h, char buf[17]);
/* n bytes as lowercase hex into out (cap bytes), as a GNU build-id is written in traces and
 * compared: "" where they do not all fit. Returns out. */
char *kc_bytes_hex(const void *p, size_t n, char *out, size_t cap);

#endif
