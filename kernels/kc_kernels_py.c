/* kc_kernels_py.c - a flat C entry for bench.py (ctypes), over the host API in kc_kernels.c:
 * one module per process, pointers and sizes as plain arguments. */
#include "kc_kernels.h"

static struct kck k;
static CUdeviceptr work; /* the gated decode's: one, zeroed, for every launch here */

static void *work_area(void)
{
	if (!work && cuMemAlloc(&work, KCK_WORK_BYTES) == CUDA_SUCCESS)
		cuMemsetD8(work, 0, KCK_WORK_BYTES);
	return (void *)work;
}

__attribute__((visibility("default"))) int kck_py_open(const char *cubin) { return k.module ? 0 : kck_open(&k, cubin); }

__attribute__((visibility("default"))) int kck_py_sm_count(void) { return k.sm_count; }

/* variant NULL: the plan's (kck_decode). */
__attribute__((visibility("default"))) int kck_py_decode(int bf16, int head_dim, int group, const char *variant,
							 void *q, void *kc, void *vc, void *bt, void *lens, void *out,
							 void *acc, void *ml, int batch, int kv_heads, int bt_stride,
							 int splits, int chunk, float scale_log2, void *stream, int pdl,
							 int kv_prefetch)
{
	struct kck_decode_params p = {q,     kc,	 vc,	bt,	     lens,	out,
				      acc,   ml,	 batch, kv_heads,    bt_stride, splits,
				      chunk, scale_log2, 0,	work_area(), 0,		kv_prefetch};
	enum kck_dtype dt = bf16 ? KCK_BF16 : KCK_F16;
	return variant ? kck_decode_variant(&k, dt, head_dim, group, variant, &p, (CUstream)stream, pdl)
		       : kck_decode(&k, dt, head_dim, group, &p, (CUstream)stream, pdl);
}

/* The defaults a caller gets: kck_decode_plan's splits, kck_decode's variant. */
__attribute__((visibility("default"))) int kck_py_decode_default(int bf16, int head_dim, int group, void *q, void *kc,
								 void *vc, void *bt, void *lens, void *out, void *acc,
								 void *ml, int batch, int kv_heads, int bt_stride,
								 int max_context, float scale_log2, void *stream,
								 int pdl, int kv_prefetch)
{
	int splits, chunk;
	kck_decode_plan(&k, batch, kv_heads, max_context, &splits, &chunk);
	return kck_py_decode(bf16, head_dim, group, NULL, q, kc, vc, bt, lens, out, acc, ml, batch, kv_heads, bt_stride,
			     splits, chunk, scale_log2, stream, pdl, kv_prefetch);
}

/* The plan a caller gets (kck_decode_plan), for bench.py's table. */
__attribute__((visibility("default"))) void kck_py_plan(int batch, int kv_heads, int max_context, int *splits,
							int *chunk)
{
	kck_decode_plan(&k, batch, kv_heads, max_context, splits, chunk);
}
