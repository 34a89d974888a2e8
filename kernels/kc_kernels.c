/* kc_kernels.c - host side of the reference kernels, in plain C through the driver API: load
 * the cubin once, look each kernel up once, launch with or without Programmatic Dependent
 * Launch. No per-step compile: every step's values travel in the parameter blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_kernels.h"

#define MAX_FUNCS 64

/* Kernel handles by name, looked up once per process, with the dynamic shared memory each is
 * allowed so far. */
static struct {
	const CUmodule *module;
	char name[64];
	CUfunction fn;
	unsigned shared_allowed;
} funcs[MAX_FUNCS];
static int nfuncs;

static CUfunction lookup(const struct kck *k, const char *name)
{
	for (int i = 0; i < nfuncs; i++)
		if (funcs[i].module == &k->module && strcmp(funcs[i].name, name) == 0)
			return funcs[i].fn;
	CUfunction f = NULL;
	if (cuModuleGetFunction(&f, k->module, name) != CUDA_SUCCESS) {
		fprintf(stderr, "kc_kernels: no kernel %s in the cubin\n", name);
		return NULL;
	}
	if (nfuncs < MAX_FUNCS) {
		funcs[nfuncs].module = &k->module;
		snprintf(funcs[nfuncs].name, sizeof(funcs[nfuncs].name), "%s", name);
		funcs[nfuncs].shared_allowed = 0;
		funcs[nfuncs++].fn = f;
	}
	return f;
}

/* Let f take `bytes` of dynamic shared memory (past 48 KB a function must be allowed it): asked
 * of the driver when a launch first needs more, not at every launch. */
static CUresult allow_shared(CUfunction f, unsigned bytes)
{
	int i = 0;
	while (i < nfuncs && funcs[i].fn != f)
		i++;
	if (i < nfuncs && bytes <= funcs[i].shared_allowed)
		return CUDA_SUCCESS;
	CUresult r = cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, (int)bytes);
	if (r == CUDA_SUCCESS && i < nfuncs)
		funcs[i].shared_allowed = bytes;
	return r;
}

int kck_open(struct kck *k, const char *cubin_path)
{
	memset(k, 0, sizeof(*k));
	CUcontext ctx = NULL;
	CUresult r = cuInit(0);
	if (r == CUDA_SUCCESS)
		r = cuCtxGetCurrent(&ctx);
	if (r == CUDA_SUCCESS && ctx) {
		r = cuCtxGetDevice(&k->device); /* the caller's context (PyTorch's, say) */
	} else if (r == CUDA_SUCCESS) {		/* none current: the primary one of device 0 */
		if ((r = cuDeviceGet(&k->device, 0)) == CUDA_SUCCESS &&
		    (r = cuDevicePrimaryCtxRetain(&ctx, k->device)) == CUDA_SUCCESS)
			r = cuCtxSetCurrent(ctx);
	}
	if (r != CUDA_SUCCESS)
		return (int)r;
	cuDeviceGetAttribute(&k->sm_count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, k->device);
	cuDeviceGetAttribute(&k->smem_per_sm, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, k->device);
	cuDeviceGetAttribute(&k->smem_per_block, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, k->device);
	cuDeviceGetAttribute(&k->cc_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, k->device);
	cuDeviceGetAttribute(&k->cc_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, k->device);
	/* PDL needs sm_90; older GPUs run the same kernels without the attribute. */
	k->pdl = k->cc_major >= 9;
	if (!k->pdl)
		fprintf(stderr, "kc_kernels: compute capability %d.%d: launching without PDL\n", k->cc_major,
			k->cc_minor);
	return (int)cuModuleLoad(&k->module, cubin_path ? cubin_path : "build/kernels/kc_kernels.cubin");
}

void kck_close(struct kck *k)
{
	if (k->module)
		cuModuleUnload(k->module);
	nfuncs = 0;
	memset(k, 0, sizeof(*k));
}

/* args: the kernel's parameters, NULL-free; most kernels take just the parameter block. */
static int launch_args(const struct kck *k, CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned threads,
		       unsigned shared_bytes, CUstream s, void **args, int use_pdl)
{
	if (!f)
		return CUDA_ERROR_NOT_FOUND;
	CUlaunchAttribute attr;
	memset(&attr, 0, sizeof(attr));
	attr.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
	attr.value.programmaticStreamSerializationAllowed = 1;
	CUlaunchConfig cfg = {.gridDimX = gx,
			      .gridDimY = gy,
			      .gridDimZ = gz,
			      .blockDimX = threads,
			      .blockDimY = 1,
			      .blockDimZ = 1,
			      .sharedMemBytes = shared_bytes,
			      .hStream = s,
			      .attrs = use_pdl && k->pdl ? &attr : NULL,
			      .numAttrs = use_pdl && k->pdl ? 1 : 0};
	return (int)cuLaunchKernelEx(&cfg, f, args, NULL);
}

static int launch(const struct kck *k, CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned threads,
		  unsigned shared_bytes, CUstream s, void *params, int use_pdl)
{
	void *args[] = {params};
	return launch_args(k, f, gx, gy, gz, threads, shared_bytes, s, args, use_pdl);
}

/* The TMA decode's tensor maps (decode.cu, struct decode_maps): the K and the V cache as 2-D
 * tensors of rows of head_dim 16-bit values, boxes of 16 rows x 64 values, 128-byte swizzle.
 * The cache's size is not a parameter: the rows are bounded by what the kernel's int32 row
 * coordinate reaches, and the kernel asks only for rows of pages in the block table. Encoded
 * on the CPU; kept for the last caches seen, as a server's caches stay where they are. */
struct decode_maps {
	CUtensorMap k, v;
};

static int encode_map(CUtensorMap *m, const void *cache, enum kck_dtype dt, int head_dim)
{
	cuuint64_t dims[2] = {(cuuint64_t)head_dim, (cuuint64_t)INT32_MAX};
	cuuint64_t strides[1] = {(cuuint64_t)head_dim * 2};
	cuuint32_t box[2] = {64, KCK_PAGE}, unit[2] = {1, 1};
	return (int)cuTensorMapEncodeTiled(
	    m, dt == KCK_BF16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, (void *)cache,
	    dims, strides, box, unit, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
	    CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}

static int decode_maps_for(struct decode_maps *out, const struct kck_decode_params *p, enum kck_dtype dt, int head_dim)
{
	static struct {
		const void *k, *v;
		enum kck_dtype dt;
		int head_dim;
		struct decode_maps maps;
	} last;
	if (last.k != p->k_cache || last.v != p->v_cache || last.dt != dt || last.head_dim != head_dim) {
		int r = encode_map(&last.maps.k, p->k_cache, dt, head_dim);
		if (r == CUDA_SUCCESS)
			r = encode_map(&last.maps.v, p->v_cache, dt, head_dim);
		if (r != CUDA_SUCCESS) {
			last.k = NULL;
			return r;
		}
		last.k = p->k_cache;
		last.v = p->v_cache;
		last.dt = dt;
		last.head_dim = head_dim;
	}
	*out = last.maps;
	return CUDA_SUCCESS;
}

int kck_decode(const struct kck *k, enum kck_dtype dt, int head_dim, int group, const struct kck_decode_params *p,
	       CUstream s, int use_pdl)
{
	const char *var = kck_decode_choice(k, head_dim, group, p);
	return kck_decode_variant(k, dt, head_dim, group, var, p, s, use_pdl && kck_decode_launch_pdl(k, var, p));
}

int kck_decode_variant(const struct kck *k, enum kck_dtype dt, int head_dim, int group, const char *var,
		       const struct kck_decode_params *p, CUstream s, int use_pdl)
{
	const char *tn = dt == KCK_BF16 ? "bf16" : "f16";
	if (p->num_splits < 1 || p->num_splits > KCK_MAX_SPLITS || p->chunk % KCK_PAGE)
		return CUDA_ERROR_INVALID_VALUE; /* the reduce kernel combines at most KCK_MAX_SPLITS */
	const char *colon = strchr(var, ':');
	int var_len = colon ? (int)(colon - var) : (int)strlen(var);
	/* "tc_w2s": the tc_w2 kernel walking each block's pages in address order (sort_cap) */
	struct kck_decode_params ps = *p;
	ps.sort_cap = 0;
	ps.release_early = kck_decode_releases_early(p);
	/* "tc_g2": gated walks (decode.cu, decode_gated): one split, a block four KV heads of a
	 * request at a time, every page id of an item in its walk order (sort_cap), p->work;
	 * "tc_rg2": the same, a request's eight KV heads at a time */
	int gated = kck_variant_gated(var);
	if (gated || (strncmp(var, "tc_", 3) == 0 && var_len > 0 && var[var_len - 1] == 's')) {
		var_len -= !gated;
		if (p->chunk / KCK_PAGE <= KCK_SORT_MAX_PAGES)
			ps.sort_cap = p->chunk / KCK_PAGE - 1;
	}
	/* "tc_h": a warp a KV head, a block four heads of a (request, split); "tc_r" eight, as many
	 * warps */
	const int eight = strncmp(var, "tc_r", 4) == 0;
	int heads_a_block = eight ? KCK_MAX_WARPS : strncmp(var, "tc_h", 4) == 0 || gated ? KCK_THREADS / 32 : 1;
	unsigned threads = eight ? 32 * KCK_MAX_WARPS : KCK_THREADS;
	if (p->num_kv_heads % heads_a_block)
		return CUDA_ERROR_INVALID_VALUE;
	int rounds; /* gated: items a block */
	const int gated_blocks = kck_gated_grid(k, p->batch, p->num_kv_heads, heads_a_block, &rounds);
	if (gated && (p->num_splits != 1 || !p->work || ps.sort_cap == 0 || rounds > KCK_GATED_MAX_ROUNDS))
		return CUDA_ERROR_INVALID_VALUE;
	char name[64];
	snprintf(name, sizeof(name), "kc_decode_%s_d%d_g%d_%.*s", tn, head_dim, group, var_len, var);
	CUfunction f = lookup(k, name);
	/* Bulk-copy ("e8_b8": pages in flight) and tensor-core ("tc_w2", "tc_t2": pages in flight
	 * a warp) variants keep their stages in dynamic shared memory, a K and a V page of one head
	 * (16-bit values) per page in flight; TMA ("tc_t") 1 KB more, to align its swizzled boxes. */
	const char *way = strrchr(name, '_');
	unsigned shared = 0, page_kv = kck_page_kv_bytes(head_dim);
	int tma = way && way[1] == 't';
	/* pages in flight (a warp): the number after the letters ("tc_w3", "tc_rg2") */
	const int stages = way ? atoi(way + 1 + strspn(way + 1, "bwhtrg")) : 0;
	if (f && gated) /* the rings, every item's walk order, and q */
		shared = kck_gated_shared(stages, heads_a_block, head_dim, group, rounds, p->chunk);
	else if (f && way && (way[1] == 'b' || way[1] == 'w' || way[1] == 'h' || eight || tma))
		shared = (unsigned)stages * page_kv * (way[1] == 'b' ? 1 : threads / 32) + (tma ? 1024 : 0) +
			 /* the ids as read and in order past the rings */
			 (ps.sort_cap ? 8u * (unsigned)ps.sort_cap + KCK_SORT_SPACE_BYTES : 0u);
	/* No more blocks than SMs: each block asks for more than half a SM's shared memory, so
	 * that it has a SM to itself. Otherwise a kernel launched early behind another (PDL) puts
	 * its blocks where there is room while the other runs, two on a SM here and there, and the
	 * SMs that hold two finish last: back to back, 2.3% at 12 x 4096 and 8% at 16 x 4096 with
	 * three pages a warp (bench.py --ab, H100). */
	unsigned blocks =
	    gated ? (unsigned)gated_blocks : (unsigned)(p->num_splits * p->num_kv_heads / heads_a_block * p->batch);
	ps.kv_prefetch = p->kv_prefetch && kck_decode_prefetches(k, p->num_splits, (int)blocks);
	int most_a_sm = colon ? atoi(colon + 1) : blocks <= (unsigned)k->sm_count; /* ":any" 0: no cap */
	if (shared && most_a_sm > 0 && shared <= (unsigned)k->smem_per_sm / (unsigned)(most_a_sm + 1))
		shared = (unsigned)k->smem_per_sm / (unsigned)(most_a_sm + 1) + 1024;
	if (shared > 48 * 1024 && allow_shared(f, shared) != CUDA_SUCCESS)
		return CUDA_ERROR_INVALID_VALUE;
	struct decode_maps maps;
	void *args[] = {&ps, &maps};
	if (tma) {
		int r = decode_maps_for(&maps, p, dt, head_dim);
		if (r != CUDA_SUCCESS)
			return r;
	}
	int r = gated ? launch_args(k, f, blocks, 1, 1, threads, shared, s, args, use_pdl)
		      : launch_args(k, f, (unsigned)p->num_splits, (unsigned)(p->num_kv_heads / heads_a_block),
				    (unsigned)p->batch, threads, shared, s, args, use_pdl);
	if (r || p->num_splits == 1)
		return r;
	snprintf(name, sizeof(name), "kc_reduce_%s_d%d", tn, head_dim);
	return launch(k, lookup(k, name), (unsigned)(p->num_kv_heads * group), (unsigned)p->batch, 1, KCK_THREADS, 0, s,
		      (void *)p, use_pdl);
}

int kck_kv_write(const struct kck *k, enum kck_dtype dt, const struct kck_kv_write_params *p, CUstream s, int use_pdl)
{
	(void)dt; /* both 16-bit types move as bytes */
	return launch(k, lookup(k, "kc_kv_write_16"), (unsigned)p->batch, 1, 1, KCK_THREADS, 0, s, (void *)p, use_pdl);
}

int kck_mla_write(const struct kck *k, int fp8, const struct kck_mla_write_params *p, CUstream s, int use_pdl)
{
	unsigned blocks = (unsigned)(p->num_tokens + 3) / 4; /* 4 warps a block, a token a warp */
	return launch(k, lookup(k, fp8 ? "kc_mla_write_fp8" : "kc_mla_write_bf16"), blocks ? blocks : 1, 1, 1, 128, 0,
		      s, (void *)p, use_pdl);
}
