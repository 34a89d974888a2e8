/* decompress.c - fatbin entries compressed by nvcc (zstd by default in CUDA 13, LZ4 with
 * --compress-mode=speed), for the readers in common/kc_image.c. Only the analyzer links
 * the libraries; the recorder reads uncompressed entries only. */
#include <errno.h>
#include <lz4.h>
#include <zstd.h>

#include "../common/kc_image.h"
#include "kca.h"

static long decompress(const struct kc_fatbin_entry *e, void *out, size_t cap)
{
	if (e->flags & KC_FATBIN_F_ZSTD) {
		size_t n = ZSTD_decompress(out, cap, e->data, e->size);
		return ZSTD_isError(n) ? -EINVAL : (long)n;
	}
	if (e->flags & KC_FATBIN_F_LZ4) {
		if (e->size > INT32_MAX || cap > INT32_MAX)
			return -EINVAL;
		int n = LZ4_decompress_safe((const char *)e->data, out, (int)e->size, (int)cap);
		return n < 0 ? -EINVAL : n;
	}
	return -ENOTSUP;
}

void kca_decompress_init(void)
{
	kc_fatbin_decompress = decompress;
}
