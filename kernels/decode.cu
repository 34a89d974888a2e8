// decode.cu - paged-attention decode (one query token per request, GQA), its split-KV
// reduce, and the paged KV write of a decode step. Reference kernels: every per-step value is
// a launch parameter (kc_kernels.h), launch shapes are fixed per build, and each kernel waits
// for its predecessor and releases its successor through Programmatic Dependent Launch
// (cudaGridDependencySynchronize / cudaTriggerProgrammaticLaunchCompletion: no-ops when the
// launch carries no PDL attribute).
//
// Work split: a block handles one (request, KV head, split) and all G query heads sharing
// that KV head, so each K/V byte is read once. Scores are in log2 units (scale * log2 e).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_pipeline.h>
#include <cuda.h> /* CUtensorMap */
#include <cuda/ptx>
#include <stdint.h>
#include <limits.h>

#include "kc_kernels.h"

#define NEG_BIG (-1e30f) /* not -inf: exp2(NEG_BIG - NEG_BIG) stays finite */

// ---- loads and conversions -----------------------------------------------------------------

__device__ __forceinline__ void to_float(const uint4 &u, float *f, __half)
{
	const __half2 *h = reinterpret_cast<const __half2 *>(&u);
#pragma unroll
	for (int i = 0; i < 4; i++) {
		float2 v = __half22float2(h[i]);
		f[2 * i] = v.x;
		f[2 * i + 1] = v.y;
	}
}

__device__ __forceinline__ void to_float(const uint4 &u, float *f, __nv_bfloat16)
{
	const __nv_bfloat162 *h = reinterpret_cast<const __nv_bfloat162 *>(&u);
#pragma unroll
	for (int i = 0; i < 4; i++) {
		float2 v = __bfloat1622float2(h[i]);
		f[2 * i] = v.x;
		f[2 * i + 1] = v.y;
	}
}

__device__ __forceinline__ __half from_float(float x, __half) { return __float2half_rn(x); }
__device__ __forceinline__ __nv_bfloat16 from_float(float x, __nv_bfloat16) { return __float2bfloat16_rn(x); }

// ---- decode ----------------------------------------------------------------------------------
//
// K and V stream through shared memory a page at a time (16 tokens of this KV head, K then V:
// each contiguous in the HND layout), S pages in flight, so the loads in flight do not depend
// on registers and the compute of one page overlaps the loads of the next. Two ways to fill
// the stages: cp.async, 16 bytes a thread (decode_async, variants e*_s*), or one bulk copy a
// page issued by one thread and counted in by an mbarrier (decode_bulk, variants e*_b*: the
// copy engine of sm_90, any depth). Within a page, a group of D/EPT threads takes a token
// (EPT elements each, 16-byte shared loads), the G heads' scores are summed across the group
// with shuffles, and the online softmax rescales only when a page raises the running maximum.

#define BT_BLOCK 32 /* page ids fetched at a time */

template <typename T, int D, int G, int EPT> struct decode_shape {
	static constexpr int TPT = D / EPT;				    // threads per token
	static constexpr int NG = KCK_THREADS / TPT;			    // token groups per block
	static constexpr int NW = KCK_THREADS / 32;			    // warps
	static constexpr int NV = EPT / 8;				    // 16-byte shared loads per thread per token
	static constexpr int UT = KCK_PAGE / NG;			    // tokens of a page per group
	static constexpr int PAGE_BYTES = KCK_PAGE * D * (int)sizeof(T);    // a K (or V) page of one head
	static constexpr int MERGE_BYTES = NW * G * D * 4 + 2 * NW * G * 4; // finish()'s shared space
	static_assert(TPT <= 32 && EPT % 8 == 0 && KCK_PAGE % NG == 0, "layout");
};

// What a thread carries through the pages: its slice of the G query heads (scaled into log2
// units), and the running maximum, sum and output slice of each head.
template <int G, int EPT> struct decode_state {
	float q[G][EPT], m[G], l[G], acc[G][EPT];
};

template <typename T, int D, int G, int EPT>
__device__ __forceinline__ void decode_start(decode_state<G, EPT> &st, const kck_decode_params &p, int b, int kvh,
					     int li)
{
	using S = decode_shape<T, D, G, EPT>;
	const size_t H = (size_t)p.num_kv_heads * G;
	const T *qp = reinterpret_cast<const T *>(p.q) + ((size_t)b * H + (size_t)kvh * G) * D + li * EPT;
#pragma unroll
	for (int g = 0; g < G; g++) {
#pragma unroll
		for (int v = 0; v < S::NV; v++)
			to_float(*reinterpret_cast<const uint4 *>(qp + g * D + 8 * v), st.q[g] + 8 * v, T());
#pragma unroll
		for (int j = 0; j < EPT; j++)
			st.q[g][j] *= p.scale_log2;
		st.m[g] = NEG_BIG;
		st.l[g] = 0.f;
#pragma unroll
		for (int j = 0; j < EPT; j++)
			st.acc[g][j] = 0.f;
	}
}

// One page in shared memory (sk, sv) into the running state; tokens at or past `end` masked.
template <typename T, int D, int G, int EPT>
__device__ __forceinline__ void decode_page(decode_state<G, EPT> &st, const T *sk, const T *sv, int page_tok, int end,
					    int grp, int li)
{
	using S = decode_shape<T, D, G, EPT>;
	float s[S::UT][G];
#pragma unroll
	for (int u = 0; u < S::UT; u++) {
		const int t = grp + u * S::NG;
		float kf[EPT];
#pragma unroll
		for (int v = 0; v < S::NV; v++)
			to_float(*reinterpret_cast<const uint4 *>(sk + t * D + li * EPT + 8 * v), kf + 8 * v, T());
#pragma unroll
		for (int g = 0; g < G; g++) {
			float d = 0.f;
#pragma unroll
			for (int j = 0; j < EPT; j++)
				d = fmaf(st.q[g][j], kf[j], d);
			s[u][g] = d;
		}
	}
#pragma unroll
	for (int off = S::TPT / 2; off > 0; off >>= 1)
#pragma unroll
		for (int u = 0; u < S::UT; u++)
#pragma unroll
			for (int g = 0; g < G; g++)
				s[u][g] += __shfl_xor_sync(0xffffffffu, s[u][g], off);
#pragma unroll
	for (int u = 0; u < S::UT; u++)
		if (page_tok + grp + u * S::NG >= end)
#pragma unroll
			for (int g = 0; g < G; g++)
				s[u][g] = NEG_BIG;
#pragma unroll
	for (int g = 0; g < G; g++) {
		float bm = s[0][g];
#pragma unroll
		for (int u = 1; u < S::UT; u++)
			bm = fmaxf(bm, s[u][g]);
		if (bm > st.m[g]) { // rare after the first pages: rescale only then
			const float a = exp2f(st.m[g] - bm);
			st.l[g] *= a;
#pragma unroll
			for (int j = 0; j < EPT; j++)
				st.acc[g][j] *= a;
			st.m[g] = bm;
		}
	}
#pragma unroll
	for (int u = 0; u < S::UT; u++) {
		const int t = grp + u * S::NG;
		float vf[EPT];
#pragma unroll
		for (int v = 0; v < S::NV; v++)
			to_float(*reinterpret_cast<const uint4 *>(sv + t * D + li * EPT + 8 * v), vf + 8 * v, T());
#pragma unroll
		for (int g = 0; g < G; g++) {
			const float pr = exp2f(s[u][g] - st.m[g]); // masked tokens: exp2(-huge) = 0
			st.l[g] += pr;
#pragma unroll
			for (int j = 0; j < EPT; j++)
				st.acc[g][j] = fmaf(pr, vf[j], st.acc[g][j]);
		}
	}
}

// The warps' results in `space` (per warp: acc [G][D], then max [G] and sum [G] after all
// warps' acc) into the output, or the split's partial results; each thread finishes G*D/128.
template <typename T, int D, int G>
__device__ __forceinline__ void decode_merge_warps(const unsigned char *space, const kck_decode_params &p, int b,
						   int kvh, int split)
{
	constexpr int NW = KCK_THREADS / 32;
	const float(*sm_acc)[G][D] = reinterpret_cast<const float(*)[G][D]>(space);
	const float(*sm_m)[G] = reinterpret_cast<const float(*)[G]>(space + NW * G * D * 4);
	const float(*sm_l)[G] = reinterpret_cast<const float(*)[G]>(space + NW * G * D * 4 + NW * G * 4);
	const size_t H = (size_t)p.num_kv_heads * G;
	for (int idx = threadIdx.x; idx < G * D; idx += KCK_THREADS) {
		const int g = idx / D, d = idx % D;
		float mx = NEG_BIG;
#pragma unroll
		for (int w = 0; w < NW; w++)
			mx = fmaxf(mx, sm_m[w][g]);
		float L = 0.f, A = 0.f;
#pragma unroll
		for (int w = 0; w < NW; w++) {
			const float c = exp2f(sm_m[w][g] - mx);
			L = fmaf(sm_l[w][g], c, L);
			A = fmaf(sm_acc[w][g][d], c, A);
		}
		const size_t h = (size_t)b * H + (size_t)kvh * G + g;
		if (p.num_splits == 1) {
			reinterpret_cast<T *>(p.out)[h * D + d] = from_float(A / L, T());
		} else {
			const size_t ps = h * p.num_splits + split;
			p.part_acc[ps * D + d] = A;
			if (d == 0) {
				p.part_ml[ps * 2] = mx;
				p.part_ml[ps * 2 + 1] = L;
			}
		}
	}
}

// Merge the token groups and warps of the block (through `space`, S::MERGE_BYTES of shared
// memory no copy writes any more) and write the output, or the split's partial results.
template <typename T, int D, int G, int EPT>
__device__ __forceinline__ void decode_finish(decode_state<G, EPT> &st, unsigned char *space,
					      const kck_decode_params &p, int b, int kvh, int split)
{
	using S = decode_shape<T, D, G, EPT>;
	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, li = threadIdx.x % S::TPT;
	// The groups of each warp: lanes li, li+TPT, ... hold the same head slice.
#pragma unroll
	for (int off = S::TPT; off < 32; off <<= 1) {
#pragma unroll
		for (int g = 0; g < G; g++) {
			const float mo = __shfl_xor_sync(0xffffffffu, st.m[g], off);
			const float lo = __shfl_xor_sync(0xffffffffu, st.l[g], off);
			const float mn = fmaxf(st.m[g], mo);
			const float a = exp2f(st.m[g] - mn), c = exp2f(mo - mn);
			st.l[g] = st.l[g] * a + lo * c;
#pragma unroll
			for (int j = 0; j < EPT; j++)
				st.acc[g][j] = st.acc[g][j] * a + __shfl_xor_sync(0xffffffffu, st.acc[g][j], off) * c;
			st.m[g] = mn;
		}
	}
	float(*sm_acc)[G][D] = reinterpret_cast<float(*)[G][D]>(space);
	float(*sm_m)[G] = reinterpret_cast<float(*)[G]>(space + S::NW * G * D * 4);
	float(*sm_l)[G] = reinterpret_cast<float(*)[G]>(space + S::NW * G * D * 4 + S::NW * G * 4);
	if (lane < S::TPT) {
#pragma unroll
		for (int g = 0; g < G; g++) {
#pragma unroll
			for (int j = 0; j < EPT; j += 4)
				*reinterpret_cast<float4 *>(&sm_acc[warp][g][li * EPT + j]) =
				    make_float4(st.acc[g][j], st.acc[g][j + 1], st.acc[g][j + 2], st.acc[g][j + 3]);
			if (li == 0) {
				sm_m[warp][g] = st.m[g];
				sm_l[warp][g] = st.l[g];
			}
		}
	}
	__syncthreads();
	decode_merge_warps<T, D, G>(space, p, b, kvh, split);
}

// The tokens [start, end) of split `split` of request b, and the pages they span (0 where the
// split starts past the request's context).
struct decode_span {
	int start, end, pages;
	bool has_last; // the request's last token, the one the kernel before (a KV write) adds
};
__device__ __forceinline__ decode_span split_span(const kck_decode_params &p, int b, int split)
{
	const int ctx = p.context_lens[b];
	const int start = split * p.chunk, end = min(ctx, start + p.chunk);
	return {start, end, start < end ? (end - start + KCK_PAGE - 1) / KCK_PAGE : 0, end == ctx};
}

// Stages filled by cp.async, 16 bytes a thread, S - 1 pages ahead of the one computed.
template <typename T, int D, int G, int EPT, int S>
__device__ __forceinline__ void decode_async(const kck_decode_params &p)
{
	using Sh = decode_shape<T, D, G, EPT>;
	constexpr int CHUNKS = Sh::PAGE_BYTES / 16; // 16-byte pieces of a K (or V) page
	static_assert(Sh::MERGE_BYTES <= S * 2 * Sh::PAGE_BYTES, "merge space");
	__shared__ __align__(16) unsigned char smem[S][2][Sh::PAGE_BYTES];

	const int b = blockIdx.z, kvh = blockIdx.y, split = blockIdx.x;
	const int grp = threadIdx.x / Sh::TPT, li = threadIdx.x % Sh::TPT;

	// Wait for whoever wrote q and the cache (the KV write of this step).
	cudaGridDependencySynchronize();
	// Page ids come from shared memory, 32 at a time, each block of them fetched by cp.async
	// with the pages 32 earlier: a page's copy never waits on a block-table load. The first
	// block is read beside the context length, not after it (bounded by the row).
	__shared__ int32_t bt_s[2][BT_BLOCK];
	const decode_span span = split_span(p, b, split);
	const int start = span.start, end = span.end, pages = span.pages;
	const int first_page = start / KCK_PAGE;
	const int32_t *bt = p.block_table + (size_t)b * p.bt_stride + first_page;
	const int bt_left = p.bt_stride - first_page; // entries of the row from here
	if (threadIdx.x < BT_BLOCK)
		bt_s[0][threadIdx.x] = threadIdx.x < bt_left ? bt[threadIdx.x] : 0;
	__syncthreads();
	if (pages == 0)
		return; // past this request's context: the reduce counts its own splits
	const size_t page_elems = (size_t)p.num_kv_heads * KCK_PAGE * D;
	const unsigned char *kbase = reinterpret_cast<const unsigned char *>(reinterpret_cast<const T *>(p.k_cache) +
									     (size_t)kvh * KCK_PAGE * D);
	const unsigned char *vbase = reinterpret_cast<const unsigned char *>(reinterpret_cast<const T *>(p.v_cache) +
									     (size_t)kvh * KCK_PAGE * D);

	auto issue = [&](int i) {
		if (i < pages) {
			if (i % BT_BLOCK == 0 && threadIdx.x < BT_BLOCK) { /* the next block of page ids */
				const int n = i + BT_BLOCK + (int)threadIdx.x;
				if (n < pages)
					__pipeline_memcpy_async(&bt_s[(i / BT_BLOCK + 1) % 2][threadIdx.x], bt + n, 4);
			}
			const size_t off = (size_t)bt_s[(i / BT_BLOCK) % 2][i % BT_BLOCK] * page_elems * sizeof(T);
			unsigned char *sk = smem[i % S][0], *sv = smem[i % S][1];
#pragma unroll
			for (int c = threadIdx.x; c < CHUNKS; c += KCK_THREADS) {
				__pipeline_memcpy_async(sk + c * 16, kbase + off + c * 16, 16);
				__pipeline_memcpy_async(sv + c * 16, vbase + off + c * 16, 16);
			}
		}
		__pipeline_commit(); // an empty group past the end keeps the count regular
	};
#pragma unroll
	for (int i = 0; i < S - 1; i++)
		issue(i);

	decode_state<G, EPT> st;
	decode_start<T, D, G, EPT>(st, p, b, kvh, li);
	for (int i = 0; i < pages; i++) {
		issue(i + S - 1);
		__pipeline_wait_prior(S - 1); // page i has landed (groups complete in order)
		__syncthreads();
		decode_page<T, D, G, EPT>(st, reinterpret_cast<const T *>(smem[i % S][0]),
					  reinterpret_cast<const T *>(smem[i % S][1]), start + i * KCK_PAGE, end, grp,
					  li);
		__syncthreads(); // the page's buffer is refilled by a later issue()
	}
	// The reduce (or the next layer) may start its launch now; it waits for our results.
	cudaTriggerProgrammaticLaunchCompletion();
	__pipeline_wait_prior(0);
	decode_finish<T, D, G, EPT>(st, &smem[0][0][0], p, b, kvh, split);
}

// Stages filled by the copy engine: per page one bulk copy of K and one of V (contiguous in
// the HND layout), issued by one thread of warp 0 and counted in by the stage's mbarrier;
// S pages in flight in dynamic shared memory (S * 2 * PAGE_BYTES). Warp 0 keeps the page
// ids in registers, a lane an id, the next 32 loaded while the current 32 are used.
template <typename T, int D, int G, int EPT, int S>
__device__ __forceinline__ void decode_bulk(const kck_decode_params &p)
{
	using Sh = decode_shape<T, D, G, EPT>;
	static_assert(Sh::MERGE_BYTES <= S * 2 * Sh::PAGE_BYTES && Sh::PAGE_BYTES % 16 == 0, "layout");
	extern __shared__ __align__(128) unsigned char dsmem[];
	__shared__ __align__(8) uint64_t full[S];

	const int b = blockIdx.z, kvh = blockIdx.y, split = blockIdx.x;
	const int grp = threadIdx.x / Sh::TPT, li = threadIdx.x % Sh::TPT;
	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
	if (threadIdx.x == 0) {
#pragma unroll
		for (int s = 0; s < S; s++)
			cuda::ptx::mbarrier_init(&full[s], 1);
		cuda::ptx::fence_mbarrier_init(cuda::ptx::sem_release, cuda::ptx::scope_cluster);
	}
	cudaGridDependencySynchronize();
	const decode_span span = split_span(p, b, split);
	const int start = span.start, end = span.end, pages = span.pages;
	const int32_t *bt = p.block_table + (size_t)b * p.bt_stride + start / KCK_PAGE;
	int ids = 0, ids_next = 0;
	if (warp == 0) {
		ids = lane < pages ? bt[lane] : 0;
		ids_next = BT_BLOCK + lane < pages ? bt[BT_BLOCK + lane] : 0;
	}
	__syncthreads(); // the barriers are initialised
	if (pages == 0)
		return; // past this request's context: the reduce counts its own splits
	const size_t page_bytes_all = (size_t)p.num_kv_heads * Sh::PAGE_BYTES; // a page of every head
	const unsigned char *kbase = reinterpret_cast<const unsigned char *>(p.k_cache) + (size_t)kvh * Sh::PAGE_BYTES;
	const unsigned char *vbase = reinterpret_cast<const unsigned char *>(p.v_cache) + (size_t)kvh * Sh::PAGE_BYTES;

	auto issue = [&](int i) { // warp 0, in step; pages in order
		if (i >= pages)
			return;
		if (i % BT_BLOCK == 0 && i) {
			ids = ids_next;
			const int n = i + BT_BLOCK + lane;
			ids_next = n < pages ? bt[n] : 0;
		}
		const int id = __shfl_sync(0xffffffffu, ids, i % BT_BLOCK);
		if (lane == 0) {
			const size_t off = (size_t)id * page_bytes_all;
			unsigned char *stage = dsmem + (i % S) * 2 * Sh::PAGE_BYTES;
			cuda::ptx::mbarrier_arrive_expect_tx(cuda::ptx::sem_release, cuda::ptx::scope_cta,
							     cuda::ptx::space_shared, &full[i % S], 2 * Sh::PAGE_BYTES);
			cuda::ptx::cp_async_bulk(cuda::ptx::space_cluster, cuda::ptx::space_global, stage, kbase + off,
						 Sh::PAGE_BYTES, &full[i % S]);
			cuda::ptx::cp_async_bulk(cuda::ptx::space_cluster, cuda::ptx::space_global,
						 stage + Sh::PAGE_BYTES, vbase + off, Sh::PAGE_BYTES, &full[i % S]);
		}
	};
	if (warp == 0) {
#pragma unroll
		for (int i = 0; i < S; i++)
			issue(i);
	}

	decode_state<G, EPT> st;
	decode_start<T, D, G, EPT>(st, p, b, kvh, li);
	for (int i = 0; i < pages; i++) {
		while (!cuda::ptx::mbarrier_try_wait_parity(&full[i % S], (uint32_t)(i / S) & 1u))
			;
		const unsigned char *stage = dsmem + (i % S) * 2 * Sh::PAGE_BYTES;
		decode_page<T, D, G, EPT>(st, reinterpret_cast<const T *>(stage),
					  reinterpret_cast<const T *>(stage + Sh::PAGE_BYTES), start + i * KCK_PAGE,
					  end, grp, li);
		__syncthreads(); // every warp is done with the stage: refill it
		if (warp == 0)
			issue(i + S);
	}
	cudaTriggerProgrammaticLaunchCompletion();
	decode_finish<T, D, G, EPT>(st, dsmem, p, b, kvh, split); // every copy issued has landed
}

// ---- decode on tensor cores: a warp a page -----------------------------------------------------
//
// Each warp of the block takes every fourth page of the block's chunk and runs its own pipeline:
// S pages in flight in its own ring of shared memory, filled by cp.async (16 bytes a lane) into
// rows swizzled by the token (16-byte piece j of token t lands at piece j ^ (t & 7)), so that
// ldmatrix reads eight tokens' pieces from eight different bank groups. QK and PV are
// mma.sync m16n8k16 with the query heads as the 16 rows (G of them real, the rest zero): per
// page D/16 ldmatrix.x4 and D/8 mma for each of QK and PV, against ~250 instructions a warp for
// the same page on CUDA cores (decode_page). The scores' accumulator fragment is PV's A
// fragment as it stands (FlashAttention-2's register reuse). No block barrier until the end.

__device__ __forceinline__ uint32_t pack2(float lo, float hi, __half)
{
	__half2 h = __floats2half2_rn(lo, hi);
	return *reinterpret_cast<uint32_t *>(&h);
}
__device__ __forceinline__ uint32_t pack2(float lo, float hi, __nv_bfloat16)
{
	__nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
	return *reinterpret_cast<uint32_t *>(&h);
}

// c += A (16x16, rows 8..15 zero: a1 = a3 = 0) * B (16x8), fp32 accumulate.
__device__ __forceinline__ void mma_16816(float c[4], uint32_t a0, uint32_t a2, uint32_t b0, uint32_t b1, __half)
{
	asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
		     "{%0,%1,%2,%3};"
		     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
		     : "r"(a0), "r"(0u), "r"(a2), "r"(0u), "r"(b0), "r"(b1));
}
__device__ __forceinline__ void mma_16816(float c[4], uint32_t a0, uint32_t a2, uint32_t b0, uint32_t b1, __nv_bfloat16)
{
	asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
		     "{%0,%1,%2,%3};"
		     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
		     : "r"(a0), "r"(0u), "r"(a2), "r"(0u), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t r[4], uint32_t addr, bool trans)
{
	if (trans)
		asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
			     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
			     : "r"(addr));
	else
		asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
			     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
			     : "r"(addr));
}

// The two maps of decode_mma's TMA fill (kck_decode_variant encodes them): the K (V) cache as a
// 2-D tensor of rows of D values, one row a token of a head, boxes of 16 rows x 64 values (128
// bytes, the widest row the 128-byte swizzle takes) landing swizzled.
struct decode_maps {
	CUtensorMap k, v;
};

// One page of K and V (of one head, 16 tokens, at `off` in the caches) into a stage (K, then V
// PB bytes on): cp.async 16 bytes a lane, each token's row swizzled in place (16-byte piece j
// of token t at j ^ (t & 7)), so that ldmatrix reads eight tokens from eight bank groups.
template <int PB, int ROW>
__device__ __forceinline__ void copy_page_async(unsigned char *sk, const unsigned char *kbase,
						const unsigned char *vbase, size_t off, int lane)
{
#pragma unroll
	for (int c = lane; c < PB / 16; c += 32) {
		const int tok = c / (ROW / 16), piece = c % (ROW / 16);
		const int dst = tok * ROW + ((piece ^ (tok & 7)) << 4);
		__pipeline_memcpy_async(sk + dst, kbase + off + c * 16, 16);
		__pipeline_memcpy_async(sk + PB + dst, vbase + off + c * 16, 16);
	}
}

// A page in a stage (K at sk, V at sv) into the warp's running state: m and l of head `row`
// (this lane's columns), o the output fragments. Tokens at or past `end` masked (tok0: the
// page's first). QK and PV as m16n8k16 MMAs, the scores' accumulator fragment PV's A fragment;
// the online softmax (log2 units) rescales only when the page raises the running maximum.
template <typename T, int D, bool TMA>
__device__ __forceinline__ void attend_page(float &m, float &l, float (&o)[D / 8][4], const uint32_t (&qa)[D / 16][2],
					    uint32_t sk, uint32_t sv, int tok0, int end, float scale_log2, int lane)
{
	constexpr int ROW = D * (int)sizeof(T);
	const int cq = (lane % 4) * 2;
	// ldmatrix row addresses: K (not transposed) matrices (tokens 0-7 | 8-15) x (pieces 2j | 2j+1);
	// V (transposed) matrices (tokens 0-7 | 8-15) x (pieces 2j | 2j+1) in the other order.
	const int ktok = ((lane >> 4) << 3) + (lane & 7), kpiece = (lane >> 3) & 1;
	const int vtok = (((lane >> 3) & 1) << 3) + (lane & 7), vpiece = lane >> 4;
	// Where the 16-byte piece `piece` of token `tok` is in a stage: cp.async rows swizzled in
	// place; TMA boxes of 16 rows x 128 bytes, the 128-byte swizzle XORing the piece with the row.
	auto at = [](int tok, int piece) {
		return TMA ? (piece / 8) * (KCK_PAGE * 128) + tok * 128 + (((piece % 8) ^ (tok & 7)) << 4)
			   : tok * ROW + ((piece ^ (tok & 7)) << 4);
	};
	float s0[4] = {0.f, 0.f, 0.f, 0.f}, s1[4] = {0.f, 0.f, 0.f, 0.f}; // tokens 0-7, 8-15
#pragma unroll
	for (int j = 0; j < D / 16; j++) {
		uint32_t r[4];
		ldmatrix_x4(r, sk + at(ktok, 2 * j + kpiece), false);
		mma_16816(s0, qa[j][0], qa[j][1], r[0], r[1], T());
		mma_16816(s1, qa[j][0], qa[j][1], r[2], r[3], T());
	}
	float sc[4] = {s0[0] * scale_log2, s0[1] * scale_log2, s1[0] * scale_log2, s1[1] * scale_log2};
#pragma unroll
	for (int i = 0; i < 4; i++)
		if (tok0 + (i >> 1) * 8 + cq + (i & 1) >= end)
			sc[i] = NEG_BIG;
	float mx = fmaxf(fmaxf(sc[0], sc[1]), fmaxf(sc[2], sc[3]));
	mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
	mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
	if (mx > m) { // rare after the first pages: rescale only then
		const float a = exp2f(m - mx);
		l *= a;
#pragma unroll
		for (int n = 0; n < D / 8; n++) {
			o[n][0] *= a;
			o[n][1] *= a;
		}
		m = mx;
	}
	float pr[4];
#pragma unroll
	for (int i = 0; i < 4; i++) {
		pr[i] = exp2f(sc[i] - m); // masked tokens: exp2(-huge) = 0
		l += pr[i];
	}
	const uint32_t pa0 = pack2(pr[0], pr[1], T()), pa2 = pack2(pr[2], pr[3], T());
#pragma unroll
	for (int j = 0; j < D / 16; j++) {
		uint32_t r[4];
		ldmatrix_x4(r, sv + at(vtok, 2 * j + vpiece), true);
		mma_16816(o[2 * j], pa0, pa2, r[0], r[1], T());
		mma_16816(o[2 * j + 1], pa0, pa2, r[2], r[3], T());
	}
}

// A block's page ids in address order, nearly: counted into ranges of ids (the largest id's top
// bits: up to SORT_BUCKETS ranges, a range a few pages wide, never wider than a 2 MB region where
// the cache is under SORT_BUCKETS regions), then placed range by range. Blocks that walk their
// pages so, all started together (a SM a block), read near one another in the cache at every
// moment, which a random block table otherwise spreads over all of it; reads local to a few 2 MB
// regions GPU-wide stream 1-2% faster (kernels/gather_probe.py, docs/kernels.md). In two parts,
// so that the block's first pages are on their way while it sorts: sort_ids_read (before the PDL
// wait: the ids into shared memory, each warp's largest) and sort_ids_place (every thread).
#define SORT_BUCKETS KCK_SORT_BUCKETS
struct sort_space { // KCK_SORT_SPACE_BYTES
	int count[SORT_BUCKETS];
	int most[KCK_MAX_WARPS], warp_sum[KCK_MAX_WARPS];
};
static_assert(sizeof(sort_space) == KCK_SORT_SPACE_BYTES, "the host's size of it");
template <int THREADS>
__device__ __forceinline__ void sort_ids_read(const int32_t *row, int n, int *raw, sort_space &sp)
{
	int mx = 0;
	for (int i = threadIdx.x; i < n; i += THREADS) {
		const int id = row[i];
		raw[i] = id;
		mx = max(mx, id);
	}
	for (int i = threadIdx.x; i < SORT_BUCKETS; i += THREADS)
		sp.count[i] = 0;
	mx = __reduce_max_sync(0xffffffffu, mx);
	if (threadIdx.x % 32 == 0)
		sp.most[threadIdx.x / 32] = mx;
}
template <int THREADS>
__device__ __noinline__ void sort_ids_place(int n, int *order, const int *raw, sort_space &sp, int region_shift)
{
	constexpr int NW = THREADS / 32;
	static_assert(NW <= KCK_MAX_WARPS, "sort_space");
	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
	__syncthreads();
	int mx = 0;
#pragma unroll
	for (int w = 0; w < NW; w++)
		mx = max(mx, sp.most[w]);
	int sh = region_shift; // ranges of 1 << sh ids: a 2 MB region, or more where ids reach further
	while ((mx >> sh) >= SORT_BUCKETS)
		sh++;
	const int nb = (mx >> sh) + 1;
	for (int i = threadIdx.x; i < n; i += THREADS)
		atomicAdd(&sp.count[raw[i] >> sh], 1);
	__syncthreads();
	// exclusive scan of count[0, nb): a thread `per` ranges, the warps' sums through shared memory
	const int per = (nb + THREADS - 1) / THREADS, lo = threadIdx.x * per;
	int sum = 0;
	for (int j = 0; j < per; j++)
		if (lo + j < nb)
			sum += sp.count[lo + j];
	int incl = sum;
#pragma unroll
	for (int o = 1; o < 32; o <<= 1) {
		const int up = __shfl_up_sync(0xffffffffu, incl, o);
		if (lane >= o)
			incl += up;
	}
	if (lane == 31)
		sp.warp_sum[warp] = incl;
	__syncthreads();
	int at = incl - sum;
	for (int w = 0; w < warp; w++)
		at += sp.warp_sum[w];
	for (int j = 0; j < per; j++)
		if (lo + j < nb) {
			const int c = sp.count[lo + j];
			sp.count[lo + j] = at;
			at += c;
		}
	__syncthreads();
	for (int i = threadIdx.x; i < n; i += THREADS) {
		const int id = raw[i];
		order[atomicAdd(&sp.count[id >> sh], 1)] = id;
	}
	__syncthreads();
}

// Pages of every head (page_all bytes each) in a 2 MB region: 1 << the result. The sorted walks'
// ranges of page ids.
__device__ __forceinline__ int region_shift_of(size_t page_all)
{
	int sh = 0;
	while ((page_all << (sh + 1)) <= (2u << 20))
		sh++;
	return sh;
}

// A warp's q as MMA A fragments from its heads' rows (q_rows: G rows of D, global or shared
// memory): a0 = Q[row][16j + cq, +1], a2 = Q[row][16j + 8 + cq, +1]; rows >= G zero.
template <typename T, int D, int G>
__device__ __forceinline__ void load_q_fragments(uint32_t (&qa)[D / 16][2], const T *q_rows, int row, int cq)
{
	const T *q = q_rows + (row < G ? row : 0) * D;
#pragma unroll
	for (int j = 0; j < D / 16; j++) {
		qa[j][0] = row < G ? *reinterpret_cast<const uint32_t *>(q + 16 * j + cq) : 0u;
		qa[j][1] = row < G ? *reinterpret_cast<const uint32_t *>(q + 16 * j + 8 + cq) : 0u;
	}
}

// A warp's whole head out (lanes of rows < G): o over its lanes' summed l, this lane's columns
// of the head's row at out_row.
template <typename T, int D>
__device__ __forceinline__ void store_head(T *out_row, const float (&o)[D / 8][4], float l, int cq)
{
	const float inv = 1.f / l;
#pragma unroll
	for (int n = 0; n < D / 8; n++)
		*reinterpret_cast<uint32_t *>(out_row + n * 8 + cq) = pack2(o[n][0] * inv, o[n][1] * inv, T());
}

template <typename T, int D, int G, int S, bool TMA, bool HEADS, int NWARPS = KCK_THREADS / 32>
__device__ __forceinline__ void decode_mma(const kck_decode_params &p, const decode_maps *maps)
{
	constexpr int PB = KCK_PAGE * D * (int)sizeof(T); // a K (or V) page of one head
	constexpr int ROW = D * (int)sizeof(T);		  // a token's bytes
	constexpr int NW = NWARPS;
	static_assert(HEADS || NW == KCK_THREADS / 32, "the warps' merge (decode_merge_warps) takes four");
	static_assert(G <= 8 && D % 16 == 0 && KCK_PAGE == 16 && sizeof(T) == 2, "one m16n8k16 row block");
	static_assert(NW * G * D * 4 + 2 * NW * G * 4 <= NW * S * 2 * PB, "merge space");
	static_assert(!TMA || D % 64 == 0, "128-byte boxes");
	// [NW][S][K, V][PB], 1024-byte aligned where the swizzled boxes land (the host asks 1 KB more)
	extern __shared__ __align__(128) unsigned char dsmem_raw[];
	unsigned char *dsmem =
	    TMA ? dsmem_raw + ((1024 - (uint32_t)__cvta_generic_to_shared(dsmem_raw) % 1024) % 1024) : dsmem_raw;
	__shared__ __align__(8) uint64_t full[TMA ? NW : 1][S];

	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
	// HEADS ("tc_h", "tc_r"): a warp a KV head, all NW walking every page of the chunk together
	// (the block reads NW heads of a page side by side); otherwise a warp every fourth page.
	constexpr int WS = HEADS ? 1 : NW; // a warp's stride through the chunk's pages
	const int woff = HEADS ? 0 : warp; // its first page
	const int b = blockIdx.z, kvh = HEADS ? blockIdx.y * NW + warp : blockIdx.y, split = blockIdx.x;
	const int row = lane / 4, cq = (lane % 4) * 2; // the fragments' row (head) and column pair
	if (TMA && threadIdx.x == 0) {
#pragma unroll
		for (int w = 0; w < NW; w++)
#pragma unroll
			for (int i = 0; i < S; i++)
				cuda::ptx::mbarrier_init(&full[w][i], 1);
		cuda::ptx::fence_mbarrier_init(cuda::ptx::sem_release, cuda::ptx::scope_cluster);
	}

	// Context lengths and block tables are read before waiting on the kernel before this one:
	// the step's bookkeeping is written before the step's kernels, never by them (kc_kernels.h).
	// The wait then overlaps the dependent loads that page addresses need.
#ifdef KCK_DRIFT
	uint64_t drift_entry;
	asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(drift_entry));
#endif
	const decode_span span = split_span(p, b, split);
	const int start = span.start, end = span.end, pages = span.pages;
	const int mine = pages > woff ? (pages - woff + WS - 1) / WS : 0; // pages woff, woff + WS, ...
	// This warp's page ids in registers, a lane an id, the next 32 loaded while these are used.
	// Bounded by the row, not by the context length, so that these loads need not wait for it.
	const int32_t *bt = p.block_table + (size_t)b * p.bt_stride + start / KCK_PAGE + woff;
	const int row_left = p.bt_stride - start / KCK_PAGE - woff; // entries of the row from bt on
	int ids = lane * WS < row_left ? bt[lane * WS] : 0;
	int ids_next = (32 + lane) * WS < row_left ? bt[(32 + lane) * WS] : 0;
	constexpr int AHEAD = TMA ? S : S - 1; // pages issued before the first is waited for
	// Sorted walk (p.sort_cap): the first AHEAD pages of each warp in table order, then all but
	// the last page by address, from shared memory past the rings; the last, the only one that
	// may be partial, stays last, so masking by the walk's position still holds. Uniform over
	// the block (it has barriers).
	constexpr int FIRST = WS * AHEAD;
	const int nsort = pages - 1 - FIRST;
	const bool sorted = nsort >= 2 && nsort <= p.sort_cap;
	int *order = reinterpret_cast<int *>(dsmem + NW * S * 2 * PB), last_id = 0;
	// The sort's counters past the ids, in dynamic shared memory: only sorted walks ask for them
	// (as static shared memory, 8 KB in every tc kernel, the PDL chain's steps were 1.7% slower).
	sort_space &sort_sp = *reinterpret_cast<sort_space *>(order + 2 * p.sort_cap);
	const int region_shift = region_shift_of((size_t)p.num_kv_heads * PB);
	if (sorted) {
		sort_ids_read<NW * 32>(bt - woff + FIRST, nsort, order + p.sort_cap, sort_sp);
		last_id = bt[pages - 1 - woff];
	}
	// p.kv_prefetch: the kernels before wrote none of the pages read here but each request's
	// last (kc_kernels.h), so the first AHEAD pages of each warp are copied before the wait,
	// while the kernel before finishes, unless the request's last page is among them. (Not in
	// the diagnostic build, whose stamps go where the kernel before may still read.)
#ifdef KCK_DRIFT
	const bool kv_early = false;
#else
	const bool kv_early = p.kv_prefetch && (!span.has_last || pages > FIRST);
#endif
	auto wait_for_kernel_before = [&]() {
		cudaGridDependencySynchronize(); // q and the cache: written by the kernel before
		if (p.release_early)		 // the next kernel may place its blocks as these leave
			cudaTriggerProgrammaticLaunchCompletion();
	};
	if (!kv_early)
		wait_for_kernel_before();
#ifdef KCK_DRIFT // diagnostic build (kernels/drift_probe.py): when each block reaches where
	uint64_t *drift = reinterpret_cast<uint64_t *>(p.part_acc) +
			  8 * (blockIdx.x + (size_t)gridDim.x * (blockIdx.y + (size_t)gridDim.y * blockIdx.z));
	auto drift_mark = [&](int i) {
		uint64_t t;
		asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
		if (threadIdx.x == 0)
			drift[i] = t;
	};
	drift_mark(0);
	if (threadIdx.x == 0) {
		drift[5] = drift_entry;
		uint32_t sm;
		asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
		drift[6] = sm;
	}
#endif
	if (TMA)
		__syncthreads(); // the barriers are initialised
	if (pages == 0)
		return; // past this request's context (the whole block): the reduce counts its own splits
	const size_t page_all = (size_t)p.num_kv_heads * PB; // a page of every head
	const unsigned char *kbase = reinterpret_cast<const unsigned char *>(p.k_cache) + (size_t)kvh * PB;
	const unsigned char *vbase = reinterpret_cast<const unsigned char *>(p.v_cache) + (size_t)kvh * PB;
	unsigned char *ring = dsmem + warp * S * 2 * PB;

	auto issue = [&](int k) { // the warp's k-th page into stage k % S; k rises by one a call
		if (k < mine) {
			if (!sorted && k % 32 == 0 && k) {
				ids = ids_next;
				const int n = k + 32 + lane;
				ids_next = n < mine ? bt[n * WS] : 0;
			}
			const int pos = woff + k * WS - FIRST; // in the sorted part of the walk
			const int id = !sorted || pos < 0 ? __shfl_sync(0xffffffffu, ids, k % 32)
				       : pos < nsort	  ? order[pos]
							  : last_id;
			unsigned char *sk = ring + (k % S) * 2 * PB, *sv = sk + PB;
			if (TMA) { // one lane: D/64 boxes of K and of V, counted in by the stage's barrier
				if (lane == 0) {
					uint64_t *bar = &full[warp][k % S];
					cuda::ptx::mbarrier_arrive_expect_tx(cuda::ptx::sem_release,
									     cuda::ptx::scope_cta,
									     cuda::ptx::space_shared, bar, 2 * PB);
					const int32_t r0 = (id * p.num_kv_heads + kvh) * KCK_PAGE;
#pragma unroll
					for (int x = 0; x < D / 64; x++) {
						const int32_t at_k[2] = {64 * x, r0};
						cuda::ptx::cp_async_bulk_tensor(
						    cuda::ptx::space_cluster, cuda::ptx::space_global,
						    sk + x * (PB * 64 / D), &maps->k, at_k, bar);
						cuda::ptx::cp_async_bulk_tensor(
						    cuda::ptx::space_cluster, cuda::ptx::space_global,
						    sv + x * (PB * 64 / D), &maps->v, at_k, bar);
					}
				}
			} else {
				copy_page_async<PB, ROW>(sk, kbase, vbase, (size_t)id * page_all, lane);
			}
		}
		if (!TMA)
			__pipeline_commit(); // an empty group past the end keeps the count regular
	};
#pragma unroll
	for (int k = 0; k < AHEAD; k++)
		issue(k);
	if (sorted)
		sort_ids_place<NW * 32>(nsort, order, order + p.sort_cap, sort_sp, region_shift);
	if (kv_early)
		wait_for_kernel_before(); // q, and the pages past these

	uint32_t qa[D / 16][2];
	load_q_fragments<T, D, G>(qa, reinterpret_cast<const T *>(p.q) + ((size_t)b * p.num_kv_heads + kvh) * G * D,
				  row, cq);
	float m = NEG_BIG, l = 0.f; // of head `row`, this lane's columns
	float o[D / 8][4];
#pragma unroll
	for (int n = 0; n < D / 8; n++)
		o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;

	for (int k = 0; k < mine; k++) {
#ifdef KCK_DRIFT
		if (k == mine / 4 || k == mine / 2 || k == 3 * mine / 4)
			drift_mark(k == mine / 4 ? 1 : k == mine / 2 ? 2 : 3);
#endif
		if (TMA) {
			while (!cuda::ptx::mbarrier_try_wait_parity(&full[warp][k % S], (uint32_t)(k / S) & 1u))
				;
		} else {
			issue(k + S - 1);
			__pipeline_wait_prior(S - 1); // this warp's page k has landed
			__syncwarp();
		}
		const uint32_t sk = (uint32_t)__cvta_generic_to_shared(ring + (k % S) * 2 * PB);
		attend_page<T, D, TMA>(m, l, o, qa, sk, sk + PB, start + (woff + k * WS) * KCK_PAGE, end, p.scale_log2,
				       lane);
		__syncwarp(); // every lane is done with the stage: it can be refilled
		if (TMA)
			issue(k + S);
	}
	if (!p.release_early)
		cudaTriggerProgrammaticLaunchCompletion();
#ifdef KCK_DRIFT
	drift_mark(4);
#endif
	if (!TMA)
		__pipeline_wait_prior(0); // empty groups only
	l += __shfl_xor_sync(0xffffffffu, l, 1);
	l += __shfl_xor_sync(0xffffffffu, l, 2);
	if (HEADS) { // the warp's head is whole: out, or the split's partial result, from registers
		if (row < G) {
			const size_t h = ((size_t)b * p.num_kv_heads + kvh) * G + row;
			if (p.num_splits == 1) {
				store_head<T, D>(reinterpret_cast<T *>(p.out) + h * D, o, l, cq);
			} else {
				const size_t ps = h * p.num_splits + split;
#pragma unroll
				for (int n = 0; n < D / 8; n++)
					*reinterpret_cast<float2 *>(p.part_acc + ps * D + n * 8 + cq) =
					    make_float2(o[n][0], o[n][1]);
				if (cq == 0) {
					p.part_ml[ps * 2] = m;
					p.part_ml[ps * 2 + 1] = l;
				}
			}
		}
		return;
	}
	__syncthreads(); // every warp is done with its ring: it becomes the merge space
	float(*sm_acc)[G][D] = reinterpret_cast<float(*)[G][D]>(dsmem);
	float(*sm_m)[G] = reinterpret_cast<float(*)[G]>(dsmem + NW * G * D * 4);
	float(*sm_l)[G] = reinterpret_cast<float(*)[G]>(dsmem + NW * G * D * 4 + NW * G * 4);
	if (row < G) {
#pragma unroll
		for (int n = 0; n < D / 8; n++)
			*reinterpret_cast<float2 *>(&sm_acc[warp][row][n * 8 + cq]) = make_float2(o[n][0], o[n][1]);
		if (cq == 0) {
			sm_m[warp][row] = m;
			sm_l[warp][row] = l;
		}
	}
	__syncthreads();
	decode_merge_warps<T, D, G>(dsmem, p, b, kvh, split);
}

// ---- decode in gated walks: a warp a KV head, every block's walk in step with the others' -------
//
// A random block table spreads every moment's reads over the whole cache, which costs the memory
// system 1-2% (kernels/gather_probe.py); walks by address help only while all blocks read near
// one another, and blocks started together drift apart: SMs' shares of the memory system differ
// by 6-8% (kernels/drift_probe.py), so over a long walk they end up reading far apart. Here a
// grid of no more blocks than SMs walks in step: each block owns items (a request's four KV heads,
// or all eight, a warp each, all walking the same pages) one after another, each item's pages by
// address; the walks are cut into the same phases (the same stretch of the cache in every block),
// and a block opens phase j only once every block has opened phase j - GATE_SLACK. Counters in p.work
// (KCK_WORK_BYTES, zeroed before the first launch), touched after the PDL wait only: two
// sets, this launch's and the next one's, which this launch zeroes (the launch before, that used
// them, is complete); the launch's number, which picks the set, is left by the grid's last block.
// A gate never waits more than about 16 us, so that blocks that cannot all be resident at once
// (a GPU shared with other work) only lose the locality, never the progress.
#define GATE_PHASES 1024 /* most phases of a launch (two sets in p.work: KCK_WORK_BYTES) */
/* Pages of an item's walk a phase, for the longest: 8 where an item is four KV heads (phases of
 * 4 were 0.6-1.5% slower), 4 where it is a request's eight (32 KB a page of all of them; 8 and 16
 * were 0.3-0.7% slower at 128 x 4096 to 256 x 32768, 2 and 3 level or up to 0.2% slower). */
#define GATE_PAGES 8
#define GATE_PAGES_EIGHT 4
#define GATE_SLACK 2 /* phases a block may run ahead of the slowest */

// An item's walk order in `ids` (its pages): the first S - 1 in table order, the rest but the
// last by address (sort_ids_*), the last (the only partial page) last. Every thread of the block.
template <int S, int THREADS>
__device__ __forceinline__ void gated_order(const int32_t *row, int pages, int *ids, int *raw, sort_space &sp,
					    int region_shift)
{
	constexpr int AHEAD = S - 1;
	const int nsort = pages - 1 - AHEAD;
	for (int i = threadIdx.x; i < pages; i += THREADS)
		if (nsort < 2 || i < AHEAD || i == pages - 1)
			ids[i] = row[i];
	if (nsort >= 2) {
		sort_ids_read<THREADS>(row + AHEAD, nsort, raw, sp);
		sort_ids_place<THREADS>(nsort, ids + AHEAD, raw, sp, region_shift);
	} else {
		__syncthreads();
	}
}

// NWARPS: the KV heads of an item, a warp each (four, or a request's eight: "tc_rg"); PHASE_PAGES:
// GATE_PAGES for it.
template <typename T, int D, int G, int S, int NWARPS, int PHASE_PAGES>
__device__ __forceinline__ void decode_gated(const kck_decode_params &p)
{
	constexpr int PB = KCK_PAGE * D * (int)sizeof(T), ROW = D * (int)sizeof(T), NW = NWARPS, THREADS = NW * 32;
	static_assert(NW <= KCK_MAX_WARPS, "sort_space");
	static_assert(G <= 8 && D % 16 == 0 && KCK_PAGE == 16 && sizeof(T) == 2, "one m16n8k16 row block");
	extern __shared__ __align__(128) unsigned char dsmem[];
	__shared__ sort_space sort_sp;
	__shared__ int sh_shown, sh_off[KCK_GATED_MAX_ROUNDS + 1], sh_ctx[KCK_GATED_MAX_ROUNDS];

	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, row = lane / 4, cq = (lane % 4) * 2;
	const int groups = p.num_kv_heads / NW, n_items = p.batch * groups;
	const int blocks = (int)gridDim.x, blk = (int)blockIdx.x;
	const int rounds = (n_items + blocks - 1) / blocks; // items a block: blk, blk + blocks, ...
	const int cap = p.sort_cap + 1;			    // pages of the longest item
	// dynamic shared memory: the rings, every round's walk order, the sort's input, every round's q
	int *walk_ids = reinterpret_cast<int *>(dsmem + NW * S * 2 * PB); // [rounds][cap]
	int *raw = walk_ids + rounds * cap;				  // [cap]
	T *sq = reinterpret_cast<T *>(dsmem + NW * S * 2 * PB +
				      ((rounds + 1) * cap * 4 + 15) / 16 * 16); // [rounds][NW][G][D]
	unsigned char *ring = dsmem + warp * S * 2 * PB;
	const size_t page_all = (size_t)p.num_kv_heads * PB, H = (size_t)p.num_kv_heads * G;
	const int region_shift = region_shift_of(page_all);
	auto item_of = [&](int r) { return blk + r * blocks; };
	auto head_of = [&](int r) { return (item_of(r) % groups) * NW + warp; }; // this warp's KV head

	// Every round's walk order and place in the block's walk, from the block tables and context
	// lengths (step bookkeeping: before the wait). All rounds' loads at once: the lengths, then
	// every page id, then the sorts in shared memory.
	if (threadIdx.x < rounds)
		sh_ctx[threadIdx.x] =
		    item_of(threadIdx.x) < n_items ? p.context_lens[item_of(threadIdx.x) / groups] : 0;
	__syncthreads();
	if (threadIdx.x == 0) {
		sh_off[0] = 0;
		for (int r = 0; r < rounds; r++)
			sh_off[r + 1] = sh_off[r] + (sh_ctx[r] + KCK_PAGE - 1) / KCK_PAGE;
	}
	__syncthreads();
	for (int r = 0; r < rounds; r++) {
		const int pages = sh_off[r + 1] - sh_off[r];
		const int32_t *row = p.block_table + (size_t)(item_of(r) / groups) * p.bt_stride;
		for (int i = threadIdx.x; i < pages; i += THREADS)
			walk_ids[r * cap + i] = row[i];
	}
	__syncthreads();
	for (int r = 0; r < rounds; r++) {
		const int pages = sh_off[r + 1] - sh_off[r];
		if (pages)
			gated_order<S, THREADS>(walk_ids + r * cap, pages, walk_ids + r * cap, raw, sort_sp,
						region_shift);
	}
	const int total = sh_off[rounds];
	const int per_item = max(1, min(GATE_PHASES / rounds, cap / PHASE_PAGES)); // phases a round
	const int phases = rounds * per_item;
	auto pages_of = [&](int r) { return sh_off[r + 1] - sh_off[r]; };
	auto rstart = [&](int r, int j) { // where round r's phase j begins in its walk order
		return (int)(((long long)j * pages_of(r) + per_item - 1) / per_item);
	};
	// Phase g: walk positions [start(g), start(g + 1)).
	auto start = [&](int g) { return sh_off[g / per_item] + rstart(g / per_item, g % per_item); };
	// The walk, a stretch (a phase of a round) after another: positions [begin, end) are round r's
	// pages [first, first + end - begin) of its order, phase j of it; end = INT_MAX past the walk.
	struct stretch {
		int j, r, begin, end, first;
	};
	auto next_stretch = [&](stretch &c) {
		do {
			c.first += c.end - c.begin; // a round's next stretch begins where this one ended
			c.begin = c.end;
			if (++c.j == per_item) {
				c.j = 0;
				c.r++;
				c.first = 0;
			}
			if (c.r >= rounds) {
				c.end = INT_MAX;
				return;
			}
			c.end = c.begin + rstart(c.r, c.j + 1) - c.first;
		} while (c.end == c.begin);
	};
	const stretch before_walk = {per_item - 1, -1, 0, 0, 0};
	// Warp 0 opens the phases and publishes how far the walk may go; the other warps follow what
	// it publishes. shown: how far, as 2 x limit + 1 once it is the walk's end (shared-memory
	// atomics, relaxed: it says only when, each warp's pages are its own). The first GATE_SLACK
	// phases are open from the start (no gate before them).
	const int open0 = min(GATE_SLACK, phases);
	int next_phase = open0, ahead = 0; // ahead: lane 0 of warp 0, the next gate's counter
	bool fin = open0 >= phases;
	int lim = fin ? total : start(open0);
	if (threadIdx.x == 0)
		sh_shown = 2 * lim + fin;
	__syncthreads();
	cudaGridDependencySynchronize(); // q and the cache: written by the kernel before; the launch before is complete
	// The next kernel may place its blocks as this one's leave (all of this grid's have started
	// once every one has said so); its wait holds until this grid is complete.
	cudaTriggerProgrammaticLaunchCompletion();
	int *done = reinterpret_cast<int *>(p.work), *last_epoch = done + 1, *sets = done + 4;
	const int last = *(volatile int *)last_epoch; // the launch before's number: waited for at first use
	auto gate = [&](int g) -> int * { return sets + ((last + 1) & 1) * GATE_PHASES + g; }; // this launch's
	auto open_to = [&](int k) { // warp 0: phases opened until position k is in, or all are
		while (!fin && k >= lim) {
			const int g = next_phase;
			if (g >= GATE_SLACK) {
				int seen = __shfl_sync(0xffffffffu, ahead, 0);
				for (int polls = 0; seen < blocks && polls < 64; polls++) {
					__nanosleep(256);
					if (lane == 0)
						ahead = *(volatile int *)gate(g - GATE_SLACK);
					seen = __shfl_sync(0xffffffffu, ahead, 0);
				}
			}
			if (lane == 0) {
				atomicAdd(gate(g), 1);
				ahead = *(volatile int *)gate(max(0, g + 1 - GATE_SLACK));
			}
			next_phase++;
			fin = next_phase >= phases;
			lim = fin ? total : start(next_phase);
			if (lane == 0)
				atomicExch(&sh_shown, 2 * lim + fin);
		}
	};
	auto have = [&](int k) { // position k may be walked (false: the walk is over)
		if (k < lim)
			return true;
		if (fin || warp == 0)
			return false;
		for (;;) {
			const int s = atomicOr(&sh_shown, 0);
			lim = s / 2;
			if (k < lim)
				return true;
			if (s & 1) {
				fin = true;
				return false;
			}
		}
	};
	stretch at_issue = before_walk; // the stretch of the position issued last
	auto issue = [&](int k) {	// position k of the walk into stage k % S
		if (warp == 0)
			open_to(k);
		if (k < total && have(k)) {
			while (k >= at_issue.end)
				next_stretch(at_issue);
			const int r = at_issue.r;
			const size_t off = (size_t)walk_ids[r * cap + at_issue.first + k - at_issue.begin] * page_all;
			const size_t head = (size_t)head_of(r) * PB;
			copy_page_async<PB, ROW>(ring + (k % S) * 2 * PB,
						 reinterpret_cast<const unsigned char *>(p.k_cache) + head,
						 reinterpret_cast<const unsigned char *>(p.v_cache) + head, off, lane);
		}
		__pipeline_commit();
	};

	// The walk, the pipeline running on across stretches.
	{ // the next launch's counters: the launch before's, which is complete
		int *next = sets + (last & 1) * GATE_PHASES;
		for (int i = blk * THREADS + threadIdx.x; i < GATE_PHASES; i += blocks * THREADS)
			next[i] = 0;
	}
	if (warp == 0) {
		for (int g = lane; g < open0; g += 32)
			atomicAdd(gate(g), 1);
		if (lane == 0 && open0 < phases)
			ahead = *(volatile int *)gate(max(0, open0 - GATE_SLACK));
	}
	// Each warp's q of every round into shared memory (G rows of D: 16 bytes a lane at a time).
	for (int r = 0; r < rounds; r++)
		if (sh_ctx[r]) {
			const T *qp = reinterpret_cast<const T *>(p.q) +
				      ((size_t)(item_of(r) / groups) * H + (size_t)head_of(r) * G) * D;
			for (int i = lane * 8; i < G * D; i += 32 * 8)
				*reinterpret_cast<uint4 *>(sq + ((size_t)r * NW + warp) * G * D + i) =
				    *reinterpret_cast<const uint4 *>(qp + i);
		}
	__syncwarp();
	// Then the first pages. (Issued before the counters and q above, the walks were 1.2% slower
	// at 64 x 32768 and 256 x 4096, side by side: the gates' phases began out of step.)
#pragma unroll
	for (int k = 0; k < S - 1; k++)
		issue(k);
	stretch at = before_walk; // the stretch computed
	next_stretch(at);
	uint32_t qa[D / 16][2];
	float m = NEG_BIG, l = 0.f, o[D / 8][4];
	auto load_q = [&]() { load_q_fragments<T, D, G>(qa, sq + ((size_t)at.r * NW + warp) * G * D, row, cq); };
	auto fresh = [&]() {
		m = NEG_BIG;
		l = 0.f;
#pragma unroll
		for (int n = 0; n < D / 8; n++)
			o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
	};
	if (at.end != INT_MAX)
		load_q();
	fresh();
	for (int k = 0; k < total && have(k); k++) {
		issue(k + S - 1);
		__pipeline_wait_prior(S - 1);
		__syncwarp();
		const uint32_t sk = (uint32_t)__cvta_generic_to_shared(ring + (k % S) * 2 * PB);
		attend_page<T, D, false>(m, l, o, qa, sk, sk + PB, (at.first + k - at.begin) * KCK_PAGE, sh_ctx[at.r],
					 p.scale_log2, lane);
		__syncwarp();
		if (k + 1 < at.end)
			continue;
		// the stretch's last page
		const int was = at.r;
		const bool item_done = at.first + (at.end - at.begin) == pages_of(was);
		if (item_done) { // its heads out
			l += __shfl_xor_sync(0xffffffffu, l, 1);
			l += __shfl_xor_sync(0xffffffffu, l, 2);
			if (row < G)
				store_head<T, D>(
				    reinterpret_cast<T *>(p.out) +
					((size_t)(item_of(was) / groups) * H + (size_t)head_of(was) * G + row) * D,
				    o, l, cq);
		}
		next_stretch(at);
		if (item_done && at.end != INT_MAX) { // the next item's q in
			load_q();
			fresh();
		}
	}
	if (warp == 0)
		open_to(INT_MAX); // phases past the last page (rounds without an item)
	__pipeline_wait_prior(0);
	// The grid's last block leaves the launch's number for the next launch.
	__syncthreads();
	if (threadIdx.x == 0) {
		__threadfence();
		if (atomicAdd(done, 1) == blocks - 1) {
			*done = 0;
			*(volatile int *)last_epoch = last + 1;
			__threadfence();
		}
	}
}

// ---- reduce: the splits of each (request, head) into the output -----------------------------
//
// One block a (request, head). Each split's weight is worked out once, by one thread, and
// kept in shared memory; the sums over splits then issue all their loads at once. (A first
// version had every thread walk the splits' maxima and sums in turn: a chain of dependent
// loads that made it as slow as the decode kernel on short contexts: Nsight Compute, H100.)

#define MAX_SPLITS 64 /* kck_decode_plan never asks for more */

__device__ __forceinline__ float block_reduce(float v, bool is_max, float *scratch)
{
#pragma unroll
	for (int off = 16; off > 0; off >>= 1) {
		const float o = __shfl_xor_sync(0xffffffffu, v, off);
		v = is_max ? fmaxf(v, o) : v + o;
	}
	if (threadIdx.x % 32 == 0)
		scratch[threadIdx.x / 32] = v;
	__syncthreads();
	v = scratch[0];
#pragma unroll
	for (int w = 1; w < KCK_THREADS / 32; w++)
		v = is_max ? fmaxf(v, scratch[w]) : v + scratch[w];
	__syncthreads();
	return v;
}

template <typename T, int D> __device__ __forceinline__ void reduce(const kck_decode_params &p)
{
	__shared__ float weight[MAX_SPLITS], scratch[KCK_THREADS / 32];
	const int h = blockIdx.x, b = blockIdx.y, H = gridDim.x;
	const int ctx = p.context_lens[b]; // step bookkeeping: no kernel of the step writes it
	cudaGridDependencySynchronize();   // the decode kernel's partial results
	const int ns = min(min(p.num_splits, MAX_SPLITS), (ctx + p.chunk - 1) / p.chunk);
	const size_t base = ((size_t)b * H + h) * p.num_splits;
	const int t = threadIdx.x;
	const float m = t < ns ? p.part_ml[(base + t) * 2] : NEG_BIG;
	const float l = t < ns ? p.part_ml[(base + t) * 2 + 1] : 0.f;
	const float mx = block_reduce(m, true, scratch);
	const float w = t < ns ? exp2f(m - mx) : 0.f;
	if (t < MAX_SPLITS)
		weight[t] = w;
	const float inv = 1.f / block_reduce(l * w, false, scratch); // its barrier publishes weight[]
	cudaTriggerProgrammaticLaunchCompletion();
	for (int d = t; d < D; d += KCK_THREADS) {
		float A = 0.f;
#pragma unroll 8
		for (int s = 0; s < ns; s++)
			A = fmaf(p.part_acc[(base + s) * D + d], weight[s], A);
		reinterpret_cast<T *>(p.out)[((size_t)b * H + h) * D + d] = from_float(A * inv, T());
	}
}

// ---- KV write: this step's K and V into the paged cache --------------------------------------

__device__ __forceinline__ void kv_write(const kck_kv_write_params &p, int elem_bytes)
{
	const int b = blockIdx.x;
	cudaGridDependencySynchronize();
	const int pos = p.context_lens[b] - 1;
	const int page = p.block_table[(size_t)b * p.bt_stride + pos / KCK_PAGE];
	const int chunks_per_head = p.head_dim * elem_bytes / 16;
	const int n = p.num_kv_heads * chunks_per_head;
	for (int i = threadIdx.x; i < n; i += blockDim.x) {
		const int h = i / chunks_per_head, c = i % chunks_per_head;
		const size_t src = ((size_t)b * p.num_kv_heads + h) * chunks_per_head + c;
		const size_t dst =
		    (((size_t)page * p.num_kv_heads + h) * KCK_PAGE + pos % KCK_PAGE) * chunks_per_head + c;
		reinterpret_cast<uint4 *>(p.k_cache)[dst] = reinterpret_cast<const uint4 *>(p.k_new)[src];
		reinterpret_cast<uint4 *>(p.v_cache)[dst] = reinterpret_cast<const uint4 *>(p.v_new)[src];
	}
	cudaTriggerProgrammaticLaunchCompletion();
}

// ---- the cubin's entry points: one per configuration, C names for cuModuleGetFunction ---------

// Name: kc_decode_<type>_d<D>_g<G>_e<elements a thread>_<s: cp.async, b: bulk copies><pages in
// flight>. The d128 g4 variants are the ones bench.py measures against each other; the others use
// the configuration chosen from those measurements (docs/kernels.md).
#define KCK_DECODE_WAY(WAY, FN, TN, T, D, G, EPT, S)                                                                   \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                                      \
	    kc_decode_##TN##_d##D##_g##G##_e##EPT##_##WAY##S(const __grid_constant__ kck_decode_params p)              \
	{                                                                                                              \
		FN<T, D, G, EPT, S>(p);                                                                                \
	}
#define KCK_DECODE(TN, T, D, G, EPT, S) KCK_DECODE_WAY(s, decode_async, TN, T, D, G, EPT, S)
#define KCK_DECODE_BULK(TN, T, D, G, EPT, S) KCK_DECODE_WAY(b, decode_bulk, TN, T, D, G, EPT, S)
/* Tensor cores, a warp a page: kc_decode_<type>_d<D>_g<G>_tc_<w: cp.async, t: TMA><pages in
 * flight a warp>. The TMA kernels take the two tensor maps after the parameter block. */
#define KCK_DECODE_TC(TN, T, D, G, S)                                                                                  \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                                      \
	    kc_decode_##TN##_d##D##_g##G##_tc_w##S(const __grid_constant__ kck_decode_params p)                        \
	{                                                                                                              \
		decode_mma<T, D, G, S, false, false>(p, nullptr);                                                      \
	}
#define KCK_DECODE_TC_H(TN, T, D, G, S)                                                                                \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                                      \
	    kc_decode_##TN##_d##D##_g##G##_tc_h##S(const __grid_constant__ kck_decode_params p)                        \
	{                                                                                                              \
		decode_mma<T, D, G, S, false, true>(p, nullptr);                                                       \
	}
/* A warp a KV head, eight heads a block ("tc_r": a request's eight KV heads, KCK_MAX_WARPS warps). */
#define KCK_DECODE_TC_R(TN, T, D, G, S)                                                                                \
	extern "C" __global__ void __launch_bounds__(KCK_MAX_WARPS * 32)                                               \
	    kc_decode_##TN##_d##D##_g##G##_tc_r##S(const __grid_constant__ kck_decode_params p)                        \
	{                                                                                                              \
		decode_mma<T, D, G, S, false, true, KCK_MAX_WARPS>(p, nullptr);                                        \
	}
#define KCK_DECODE_TC_TMA(TN, T, D, G, S)                                                                              \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS) kc_decode_##TN##_d##D##_g##G##_tc_t##S(              \
	    const __grid_constant__ kck_decode_params p, const __grid_constant__ decode_maps maps)                     \
	{                                                                                                              \
		decode_mma<T, D, G, S, true, false>(p, &maps);                                                         \
	}
#define KCK_DECODE_TC_GATED(TN, T, D, G, S)                                                                            \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                                      \
	    kc_decode_##TN##_d##D##_g##G##_tc_g##S(const __grid_constant__ kck_decode_params p)                        \
	{                                                                                                              \
		decode_gated<T, D, G, S, KCK_THREADS / 32, GATE_PAGES>(p);                                             \
	}
/* Gated walks of a request's eight KV heads a block ("tc_rg": KCK_MAX_WARPS warps). */
#define KCK_DECODE_TC_RGATED(TN, T, D, G, S)                                                                           \
	extern "C" __global__ void __launch_bounds__(KCK_MAX_WARPS * 32)                                               \
	    kc_decode_##TN##_d##D##_g##G##_tc_rg##S(const __grid_constant__ kck_decode_params p)                       \
	{                                                                                                              \
		decode_gated<T, D, G, S, KCK_MAX_WARPS, GATE_PAGES_EIGHT>(p);                                          \
	}

#define KCK_REDUCE(TN, T, D)                                                                                           \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                                      \
	    kc_reduce_##TN##_d##D(const __grid_constant__ kck_decode_params p)                                         \
	{                                                                                                              \
		reduce<T, D>(p);                                                                                       \
	}
// clang-format off: a configuration a line (clang-format reflows these lists each run)
/* Every head size and group on tensor cores (the default, kck_decode), two to four pages in
 * flight a warp (d256: two); the d128 g4 variants that bench.py measures against them. */
#define KCK_TC_GROUPS(TN, T, D, S)                                                                                     \
	KCK_DECODE_TC(TN, T, D, 1, S)                                                                                  \
	KCK_DECODE_TC(TN, T, D, 2, S)                                                                                  \
	KCK_DECODE_TC(TN, T, D, 4, S)                                                                                  \
	KCK_DECODE_TC(TN, T, D, 8, S)
/* A warp a KV head (tc_h) and gated walks (tc_g), every head size and group. */
#define KCK_HEADS_GROUPS(TN, T, D, S)                                                                                  \
	KCK_DECODE_TC_H(TN, T, D, 1, 2)                                                                                \
	KCK_DECODE_TC_H(TN, T, D, 2, 2)                                                                                \
	KCK_DECODE_TC_H(TN, T, D, 4, 2)                                                                                \
	KCK_DECODE_TC_H(TN, T, D, 8, 2)                                                                                \
	KCK_DECODE_TC_GATED(TN, T, D, 1, S)                                                                            \
	KCK_DECODE_TC_GATED(TN, T, D, 2, S)                                                                            \
	KCK_DECODE_TC_GATED(TN, T, D, 4, S)                                                                            \
	KCK_DECODE_TC_GATED(TN, T, D, 8, S)
#define KCK_REQUEST_GROUPS(TN, T, D)                                                                                   \
	KCK_DECODE_TC_R(TN, T, D, 1, 2)                                                                                \
	KCK_DECODE_TC_R(TN, T, D, 2, 2)                                                                                \
	KCK_DECODE_TC_R(TN, T, D, 4, 2)                                                                                \
	KCK_DECODE_TC_R(TN, T, D, 8, 2)
/* Gated walks of a request's eight heads (two pages a warp: 128 KB a block), d128. */
#define KCK_REQUEST_GATED_GROUPS(TN, T)                                                                                \
	KCK_DECODE_TC_RGATED(TN, T, 128, 1, 2)                                                                         \
	KCK_DECODE_TC_RGATED(TN, T, 128, 2, 2)                                                                         \
	KCK_DECODE_TC_RGATED(TN, T, 128, 4, 2)                                                                         \
	KCK_DECODE_TC_RGATED(TN, T, 128, 8, 2)
#define KCK_PER_TYPE(TN, T)                                                                                            \
	KCK_REQUEST_GROUPS(TN, T, 64)                                                                                  \
	KCK_REQUEST_GROUPS(TN, T, 128)                                                                                 \
	KCK_REQUEST_GATED_GROUPS(TN, T)                                                                                \
	KCK_TC_GROUPS(TN, T, 64, 2)                                                                                    \
	KCK_TC_GROUPS(TN, T, 64, 3)                                                                                    \
	KCK_TC_GROUPS(TN, T, 64, 4)                                                                                    \
	KCK_TC_GROUPS(TN, T, 128, 2)                                                                                   \
	KCK_TC_GROUPS(TN, T, 128, 3)                                                                                   \
	KCK_TC_GROUPS(TN, T, 128, 4)                                                                                   \
	KCK_TC_GROUPS(TN, T, 256, 2)                                                                                   \
	KCK_HEADS_GROUPS(TN, T, 64, 4)                                                                                 \
	KCK_HEADS_GROUPS(TN, T, 128, 4)                                                                                \
	KCK_HEADS_GROUPS(TN, T, 256, 2)                                                                                \
	KCK_DECODE_TC_GATED(TN, T, 128, 4, 2)                                                                          \
	KCK_DECODE_TC_GATED(TN, T, 128, 4, 3)                                                                          \
	KCK_DECODE_TC_TMA(TN, T, 128, 4, 2)                                                                            \
	KCK_DECODE_TC_TMA(TN, T, 128, 4, 3)                                                                            \
	KCK_DECODE_TC_TMA(TN, T, 128, 4, 4)                                                                            \
	KCK_DECODE(TN, T, 128, 4, 8, 2)                                                                                \
	KCK_DECODE(TN, T, 128, 4, 8, 3)                                                                                \
	KCK_DECODE(TN, T, 128, 4, 8, 4)                                                                                \
	KCK_DECODE(TN, T, 128, 4, 16, 4)                                                                               \
	KCK_DECODE(TN, T, 128, 4, 16, 2)                                                                               \
	KCK_DECODE_BULK(TN, T, 128, 4, 8, 2)                                                                           \
	KCK_DECODE_BULK(TN, T, 128, 4, 8, 4)                                                                           \
	KCK_DECODE_BULK(TN, T, 128, 4, 8, 8)                                                                           \
	KCK_DECODE_BULK(TN, T, 128, 4, 16, 8)                                                                          \
	KCK_REDUCE(TN, T, 64)                                                                                          \
	KCK_REDUCE(TN, T, 128)                                                                                         \
	KCK_REDUCE(TN, T, 256)
// clang-format on

KCK_PER_TYPE(f16, __half)
KCK_PER_TYPE(bf16, __nv_bfloat16)

extern "C" __global__ void __launch_bounds__(KCK_THREADS) kc_kv_write_16(const __grid_constant__ kck_kv_write_params p)
{
	kv_write(p, 2);
}
