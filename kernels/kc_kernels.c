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

/* The plan, from bench.py's measurements on the H100 (docs/kernels.md). Tensor-core decode, a
 * warp a page, four warps a block, S pages in flight a warp ("tc_wS"):
 * - split or not: one block a (request, KV head) pair where the pairs fill every SM, or are many
 *   (>= a quarter of the SMs' count) and contexts short (<= 4096 tokens); otherwise each pair's
 *   context split so that every SM gets one block and no more (a second wave of blocks cost
 *   23%: 1 x 32k with 17 splits), chunks of at least 64 tokens, at most 64 splits;
 * - pairs filling the GPU four times over: S = 4 (one block a SM, each longer) from 4096 tokens:
 *   H100s of 2026-11-22, 256 x 32k 11143 us against 11281 with two, 11099 against 11130, 11094
 *   against 11120; 256 x 4k 1400, 1401 and 1399 against 1414, 1414 and 1413 on one kind of
 *   machine, 1400 and 1402 against 1397 and 1398 on another;
 * - blocks under 1024 tokens, pairs over 3.5 x SMs: S = 2, three blocks a SM turning over
 *   (bench.py --ab, side by side: 60..256 x 512 0.4-3% faster than three pages, 80 x 512 level;
 *   256 x 512 181.9 us against 185.8 with four; 36..56 x 512 either way by 2-6%: S = 3 there);
 * - 1024..4095 tokens: S = 2 where 2 x SMs < pairs <= 3 x SMs, all pairs in one wave at three
 *   blocks a SM where two a SM take two waves (36..49 x 1024-4096: three pages 1.2-5.7% slower,
 *   level at 40 and 44 x 1024), and where pairs >= 5 x SMs (96..256 x 1024-3072: within 0.7%
 *   either way; 256 x 2048 two pages 0.5% better on one machine); S = 3 between (52..80 x
 *   1024-3072: two pages 0.2-3.4% slower);
 * - no more blocks than SMs (split grids always; pairs <= SMs unsplit), a SM a block: the
 *   shallowest ring that keeps IN_FLIGHT bytes in flight, S = 2 under 1024 tokens (unsplit,
 *   5..16 x 2048 and 4096, 8 and 12 x 512, 12 and 16 x 16k: the best or within 1% of it at 27 of
 *   29 shapes; at 5 x, three pages 3-4% faster than the four chosen; split into 128 blocks, 1 x
 *   4k to 8 x 32k, two pages 0.8-1.7% faster than four at all seven shapes in two runs; 1 x 512
 *   in 64 blocks 0.5% slower);
 * - otherwise S = 3 (two blocks a SM).
 * d256: S = 2 (128 KB a block).
 * Where a SM holds a block, all started together, each block walks its pages in address order
 * (bucketed; "s"): the blocks then read near one another in the cache all along, where a random
 * block table spreads them over all of it (side by side, one run, 9 rounds: 8 x 32k 354.5 ->
 * 351.3 us, 12 x 16k 273.3 -> 269.9, 16 x 4k 91.2 -> 89.5; where blocks come in waves,
 * +-0.3%: not there), from 1024 tokens a block: the PDL chain's 512-token blocks were 1% slower
 * sorted (574 against 568-570 us a step), 1 x 512 to 8 x 512 level.
 * Unsplit, where a request's four KV heads a block fill 15/16 of the SMs or more in one wave
 * (64 requests of 8 KV heads: 128 blocks), a warp a head, all four walking the same pages:
 * - from 1024 tokens, sorted ("tc_h2s"): 64 x 4096 349.6-352.2 us against 354.2-358.1 with
 *   three blocks a SM in two waves (tc_w3), SDPA / ours 0.995-1.005 against 0.987-0.991, in
 *   eleven runs on as many machines; 64 x 8192 700.5-702.6 against 703.6-710.0 in seven, 64 x
 *   32k level;
 * - 8192 tokens and more, given the work area (p->work): gated walks ("tc_g3", decode.cu): the
 *   blocks' walks held within two phases of one another, 64 x 8192 0.4-1.7% and 64 x 16k-32k
 *   1.0-2.0% faster than tc_w3 on five machines, 0.2-0.4% slower on three (docs/kernels.md).
 * Gated walks over several rounds (256 x 4096, 256 x 32k) went either way by machine (-0.7% to
 * +0.5%): not taken. */
#define MAX_SPLITS 64
#define MIN_SPLIT_TOKENS 64
#define LONG_CONTEXT 4096  /* tokens a block, from which four pages in flight a warp pay */
#define MID_CONTEXT 1024   /* tokens a block, from which a second wave of blocks shows */
#define GATED_CONTEXT 8192 /* tokens a request, from which gated walks pay in one round */
/* Bytes of K and V in flight that keep DRAM streaming: about 2 us of latency times 3 TB/s
 * (H100). With a SM a block, a deeper ring than that was slower, up to 4%: 6 x 4096 best at
 * four pages a warp, 8 and 10 x 4096 at three, 12 to 16 x 2048 and 4096 at two. */
#define IN_FLIGHT (11u << 19) /* 5.5 MB */
/* Pages a block sorts at most (16 KB of shared memory; 32k tokens a split). */
#define SORT_MAX_PAGES 2048

static int one_block_a_pair(const struct kck *k, int pairs, int max_context)
{
	return pairs >= k->sm_count || (pairs * 4 >= k->sm_count && max_context <= 4096);
}

void kck_decode_plan(const struct kck *k, int batch, int num_kv_heads, int max_context, int *num_splits, int *chunk)
{
	int pairs = batch * num_kv_heads;
	int want = one_block_a_pair(k, pairs, max_context) ? 1 : k->sm_count / pairs;
	int most = (max_context + MIN_SPLIT_TOKENS - 1) / MIN_SPLIT_TOKENS;
	if (want > most)
		want = most;
	if (want > MAX_SPLITS)
		want = MAX_SPLITS;
	if (want < 1)
		want = 1;
	int c = (max_context + want - 1) / want;
	c = (c + KCK_PAGE - 1) / KCK_PAGE * KCK_PAGE;
	*chunk = c;
	*num_splits = (max_context + c - 1) / c;
}

/* Bytes of a K and a V page of one head, 16-bit values: a stage of a warp's ring. */
static unsigned page_kv_bytes(int head_dim) { return 2 * KCK_PAGE * (unsigned)head_dim * 2; }

/* Dynamic shared memory of the gated walk (decode.cu, decode_gated): S stages of a K and a V
 * page a warp, every round's walk order and the sort's input, every round's q. */
static unsigned gated_shared(int s, int head_dim, int group, int rounds, int chunk)
{
	unsigned cap = (unsigned)(chunk / KCK_PAGE);
	return (unsigned)s * page_kv_bytes(head_dim) * (KCK_THREADS / 32) +
	       (4u * (unsigned)(rounds + 1) * cap + 15) / 16 * 16 +
	       2u * (unsigned)(rounds * KCK_THREADS / 32 * group * head_dim);
}

/* The kernel the plan runs, by the rules above. */
static const char *decode_variant(const struct kck *k, int head_dim, int group, const struct kck_decode_params *p)
{
	int pairs = p->batch * p->num_kv_heads, sms = k->sm_count;
	/* A request's four KV heads a block, a warp each (tc_h, tc_g), where those blocks fill
	 * the SMs in one wave (15/16 of them or more). */
	int items = p->num_kv_heads % 4 ? 0 : pairs / 4;
	if (p->num_splits == 1 && items <= sms && 16 * items >= 15 * sms && p->chunk >= MID_CONTEXT) {
		int s = head_dim == 256 ? 2 : 3;
		if (p->work && p->chunk >= GATED_CONTEXT && p->chunk / KCK_PAGE <= SORT_MAX_PAGES &&
		    gated_shared(s, head_dim, group, 1, p->chunk) + 9 * 1024 <= (unsigned)k->smem_per_block)
			return head_dim == 256 ? "tc_g2" : "tc_g3";
		return "tc_h2s";
	}
	/* A SM a block (split grids always): the shallowest ring that keeps enough in flight,
	 * stage = a K and a V page for every warp of the grid; the pages walked in address order
	 * ("s"), all blocks started together. */
	if (pairs * p->num_splits <= sms) {
		unsigned stage = (unsigned)(pairs * p->num_splits) * (KCK_THREADS / 32) * page_kv_bytes(head_dim);
		if (p->chunk < MID_CONTEXT)
			return "tc_w2"; /* a short walk: sorting it costs more than it gives */
		if (head_dim == 256 || 2 * stage >= IN_FLIGHT)
			return "tc_w2s";
		return 3 * stage >= IN_FLIGHT ? "tc_w3s" : "tc_w4s";
	}
	if (head_dim == 256)
		return "tc_w2";
	if (pairs >= 4 * sms && p->chunk >= LONG_CONTEXT)
		return "tc_w4";
	if (p->chunk < MID_CONTEXT)
		return 2 * pairs > 7 * sms ? "tc_w2" : "tc_w3";
	if (pairs >= 5 * sms || (pairs > 2 * sms && pairs <= 3 * sms))
		return "tc_w2"; /* 2..3 x: one wave at three blocks a SM, two waves at two */
	return "tc_w3";
}

int kck_decode(const struct kck *k, enum kck_dtype dt, int head_dim, int group, const struct kck_decode_params *p,
	       CUstream s, int use_pdl)
{
	return kck_decode_variant(k, dt, head_dim, group, decode_variant(k, head_dim, group, p), p, s, use_pdl);
}

int kck_decode_variant(const struct kck *k, enum kck_dtype dt, int head_dim, int group, const char *var,
		       const struct kck_decode_params *p, CUstream s, int use_pdl)
{
	const char *tn = dt == KCK_BF16 ? "bf16" : "f16";
	if (p->num_splits < 1 || p->num_splits > MAX_SPLITS || p->chunk % KCK_PAGE)
		return CUDA_ERROR_INVALID_VALUE; /* the reduce kernel combines at most MAX_SPLITS */
	const char *colon = strchr(var, ':');
	int var_len = colon ? (int)(colon - var) : (int)strlen(var);
	/* "tc_w2s": the tc_w2 kernel walking each block's pages in address order (sort_cap) */
	struct kck_decode_params ps = *p;
	ps.sort_cap = 0;
	/* "tc_g2": gated walks (decode.cu, decode_gated): one split, a block four KV heads of a
	 * request at a time, every page id of an item in its walk order (sort_cap), p->work */
	int gated = strncmp(var, "tc_g", 4) == 0;
	if (gated || (strncmp(var, "tc_", 3) == 0 && var_len > 0 && var[var_len - 1] == 's')) {
		var_len -= !gated;
		if (p->chunk / KCK_PAGE <= SORT_MAX_PAGES)
			ps.sort_cap = p->chunk / KCK_PAGE - 1;
	}
	int items = p->batch * (p->num_kv_heads / (KCK_THREADS / 32));
	int rounds = (items + k->sm_count - 1) / k->sm_count; /* items a block */
	if (gated && (p->num_splits != 1 || !p->work || ps.sort_cap == 0 || rounds > KCK_GATED_MAX_ROUNDS))
		return CUDA_ERROR_INVALID_VALUE;
	char name[64];
	snprintf(name, sizeof(name), "kc_decode_%s_d%d_g%d_%.*s", tn, head_dim, group, var_len, var);
	CUfunction f = lookup(k, name);
	/* Bulk-copy ("e8_b8": pages in flight) and tensor-core ("tc_w2", "tc_t2": pages in flight
	 * a warp) variants keep their stages in dynamic shared memory, a K and a V page of one head
	 * (16-bit values) per page in flight; TMA ("tc_t") 1 KB more, to align its swizzled boxes. */
	const char *way = strrchr(name, '_');
	unsigned shared = 0, page_kv = page_kv_bytes(head_dim);
	int tma = way && way[1] == 't';
	/* "tc_h": a warp a KV head, a block four heads of a (request, split) */
	int heads_a_block = way && (way[1] == 'h' || gated) ? KCK_THREADS / 32 : 1;
	if (p->num_kv_heads % heads_a_block)
		return CUDA_ERROR_INVALID_VALUE;
	if (f && way && (way[1] == 'b' || way[1] == 'w' || way[1] == 'h' || gated || tma))
		shared = (unsigned)atoi(way + 2) * page_kv * (way[1] == 'b' ? 1 : KCK_THREADS / 32) + (tma ? 1024 : 0) +
			 /* the ids as read and in order past the rings; gated: every item's order, and q */
			 (gated		? gated_shared(0, head_dim, group, rounds, p->chunk)
			  : ps.sort_cap ? 8u * (unsigned)ps.sort_cap + KCK_SORT_SPACE_BYTES
					: 0u);
	/* No more blocks than SMs: each block asks for more than half a SM's shared memory, so
	 * that it has a SM to itself. Otherwise a kernel launched early behind another (PDL) puts
	 * its blocks where there is room while the other runs, two on a SM here and there, and the
	 * SMs that hold two finish last: back to back, 2.3% at 12 x 4096 and 8% at 16 x 4096 with
	 * three pages a warp (bench.py --ab, H100). */
	unsigned blocks = gated ? (unsigned)((items + rounds - 1) / rounds)
				: (unsigned)(p->num_splits * p->num_kv_heads / heads_a_block * p->batch);
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
	int r = gated ? launch_args(k, f, blocks, 1, 1, KCK_THREADS, shared, s, args, use_pdl)
		      : launch_args(k, f, (unsigned)p->num_splits, (unsigned)(p->num_kv_heads / heads_a_block),
				    (unsigned)p->batch, KCK_THREADS, shared, s, args, use_pdl);
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
