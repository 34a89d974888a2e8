/* kc_hash.c - xxHash in header-only mode: no run-time dependency for the preload. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_hash.h"

_Static_assert(sizeof(XXH3_state_t) <= sizeof(struct kc_hash_stream), "kc_hash_stream too small");
_Static_assert(_Alignof(XXH3_state_t) <= 64, "kc_hash_stream alignment");

uint64_t kc_hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

uint32_t kc_hash32(const void *data, size_t len, uint32_t seed)
{
	return XXH32(data, len, seed);
}

void kc_hash64_begin(struct kc_hash_stream *s)
{
	XXH3_64bits_reset((XXH3_state_t *)s->opaque);
}

void kc_hash64_add(struct kc_hash_stream *s, const void *data, size_t len)
{
	XXH3_64bits_update((XXH3_state_t *)s->opaque, data, len);
}

uint64_t kc_hash64_end(struct kc_hash_stream *s)
{
	return XXH3_64bits_digest((XXH3_state_t *)s->opaque);
}

int kc_hash64_fd(int fd, uint64_t *hash, size_t *size, void *head, size_t head_cap)
{
	enum { CHUNK = 65536 };
	uint8_t *chunk = malloc(CHUNK);
	if (!chunk)
		return -ENOMEM;
	struct kc_hash_stream hs;
	kc_hash64_begin(&hs);
	size_t total = 0;
	ssize_t r;
	while ((r = read(fd, chunk, CHUNK)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			free(chunk);
			return err;
		}
		if (head && total < head_cap)
			memcpy((uint8_t *)head + total, chunk,
			       head_cap - total < (size_t)r ? head_cap - total : (size_t)r);
		kc_hash64_add(&hs, chunk, (size_t)r);
		total += (size_t)r;
	}
	free(chunk);
	*hash = kc_hash64_end(&hs);
	*size = total;
	return 0;
}

char *kc_hash_hex(uint64_t h, char buf[17])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--, h >>= 4)
		buf[i] = digits[h & 0xf];
	buf[16] = '\0';
	return buf;
}

char *kc_bytes_hex(const void *p, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = p;
	if (!cap)
		return out;
	if (2 * n >= cap)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
	return out;
}
