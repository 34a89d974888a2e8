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
#include <stdint.h>

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
// each contiguous in the HND layout) with cp.async, S pages in flight, so the loads in flight
// do not depend on registers and the compute of one page overlaps the loads of the next.
// Within a page, a group of D/EPT threads takes a token (EPT elements each, 16-byte shared
// loads), the G heads' scores are summed across the group with shuffles, and the online
// softmax rescales only when a page raises the running maximum.

#define BT_BLOCK 32 /* page ids fetched at a time */

template <typename T, int D, int G, int EPT, int S>
__device__ __forceinline__ void decode(const kck_decode_params &p)
{
	constexpr int TPT = D / EPT;             // threads per token
	constexpr int NG = KCK_THREADS / TPT;    // token groups per block
	constexpr int NW = KCK_THREADS / 32;     // warps
	constexpr int NV = EPT / 8;              // 16-byte shared loads per thread per token
	constexpr int UT = KCK_PAGE / NG;        // tokens of a page per group
	constexpr int CHUNKS = KCK_PAGE * D * (int)sizeof(T) / 16; // 16-byte pieces of a K (or V) page
	static_assert(TPT <= 32 && EPT % 8 == 0 && KCK_PAGE % NG == 0, "layout");
	static_assert(NW * G * D * 4 + 2 * NW * G * 4 <= S * 2 * KCK_PAGE * D * (int)sizeof(T), "merge space");
	__shared__ __align__(16) unsigned char smem[S][2][KCK_PAGE * D * sizeof(T)];

	const int b = blockIdx.z, kvh = blockIdx.y, split = blockIdx.x;
	const int H = p.num_kv_heads * G;
	const int grp = threadIdx.x / TPT, li = threadIdx.x % TPT;
	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

	// Wait for whoever wrote q and the cache (the KV write of this step).
	cudaGridDependencySynchronize();
	// Page ids come from shared memory, 32 at a time, each block of them fetched by cp.async
	// with the pages 32 earlier: a page's copy never waits on a block-table load. The first
	// block is read beside the context length, not after it.
	__shared__ int32_t bt_s[2][BT_BLOCK];
	const int start = split * p.chunk;
	const int first_page = start / KCK_PAGE;
	const int32_t *bt = p.block_table + (size_t)b * p.bt_stride + first_page;
	const int bt_left = p.bt_stride - first_page; // entries of the row from here
	if (threadIdx.x < BT_BLOCK)
		bt_s[0][threadIdx.x] = threadIdx.x < bt_left ? bt[threadIdx.x] : 0;
	const int ctx = p.context_lens[b];
	const int end = min(ctx, start + p.chunk);
	__syncthreads();
	if (start >= end)
		return; // past this request's context: the reduce counts its own splits
	const int pages = (end - start + KCK_PAGE - 1) / KCK_PAGE;
	const size_t page_elems = (size_t)p.num_kv_heads * KCK_PAGE * D;
	const unsigned char *kbase = reinterpret_cast<const unsigned char *>(
		reinterpret_cast<const T *>(p.k_cache) + (size_t)kvh * KCK_PAGE * D);
	const unsigned char *vbase = reinterpret_cast<const unsigned char *>(
		reinterpret_cast<const T *>(p.v_cache) + (size_t)kvh * KCK_PAGE * D);

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

	float q[G][EPT];
	const T *qp = reinterpret_cast<const T *>(p.q) + ((size_t)b * H + (size_t)kvh * G) * D + li * EPT;
#pragma unroll
	for (int g = 0; g < G; g++) {
#pragma unroll
		for (int v = 0; v < NV; v++)
			to_float(*reinterpret_cast<const uint4 *>(qp + g * D + 8 * v), q[g] + 8 * v, T());
#pragma unroll
		for (int j = 0; j < EPT; j++)
			q[g][j] *= p.scale_log2;
	}
	float m[G], l[G], acc[G][EPT];
#pragma unroll
	for (int g = 0; g < G; g++) {
		m[g] = NEG_BIG;
		l[g] = 0.f;
#pragma unroll
		for (int j = 0; j < EPT; j++)
			acc[g][j] = 0.f;
	}

	for (int i = 0; i < pages; i++) {
		issue(i + S - 1);
		__pipeline_wait_prior(S - 1); // page i has landed (groups complete in order)
		__syncthreads();
		const T *sk = reinterpret_cast<const T *>(smem[i % S][0]);
		const T *sv = reinterpret_cast<const T *>(smem[i % S][1]);
		const int page_tok = start + i * KCK_PAGE;
		float s[UT][G];
#pragma unroll
		for (int u = 0; u < UT; u++) {
			const int t = grp + u * NG;
			float kf[EPT];
#pragma unroll
			for (int v = 0; v < NV; v++)
				to_float(*reinterpret_cast<const uint4 *>(sk + t * D + li * EPT + 8 * v), kf + 8 * v, T());
#pragma unroll
			for (int g = 0; g < G; g++) {
				float d = 0.f;
#pragma unroll
				for (int j = 0; j < EPT; j++)
					d = fmaf(q[g][j], kf[j], d);
				s[u][g] = d;
			}
		}
#pragma unroll
		for (int off = TPT / 2; off > 0; off >>= 1)
#pragma unroll
			for (int u = 0; u < UT; u++)
#pragma unroll
				for (int g = 0; g < G; g++)
					s[u][g] += __shfl_xor_sync(0xffffffffu, s[u][g], off);
#pragma unroll
		for (int u = 0; u < UT; u++)
			if (page_tok + grp + u * NG >= end)
#pragma unroll
				for (int g = 0; g < G; g++)
					s[u][g] = NEG_BIG;
#pragma unroll
		for (int g = 0; g < G; g++) {
			float bm = s[0][g];
#pragma unroll
			for (int u = 1; u < UT; u++)
				bm = fmaxf(bm, s[u][g]);
			if (bm > m[g]) { // rare after the first pages: rescale only then
				const float a = exp2f(m[g] - bm);
				l[g] *= a;
#pragma unroll
				for (int j = 0; j < EPT; j++)
					acc[g][j] *= a;
				m[g] = bm;
			}
		}
#pragma unroll
		for (int u = 0; u < UT; u++) {
			const int t = grp + u * NG;
			float vf[EPT];
#pragma unroll
			for (int v = 0; v < NV; v++)
				to_float(*reinterpret_cast<const uint4 *>(sv + t * D + li * EPT + 8 * v), vf + 8 * v, T());
#pragma unroll
			for (int g = 0; g < G; g++) {
				const float pr = exp2f(s[u][g] - m[g]); // masked tokens: exp2(-huge) = 0
				l[g] += pr;
#pragma unroll
				for (int j = 0; j < EPT; j++)
					acc[g][j] = fmaf(pr, vf[j], acc[g][j]);
			}
		}
		__syncthreads(); // the page's buffer is refilled by a later issue()
	}
	// The reduce (or the next layer) may start its launch now; it waits for our results.
	cudaTriggerProgrammaticLaunchCompletion();
	__pipeline_wait_prior(0);

	// Merge the groups of each warp: lanes li, li+TPT, ... hold the same head slice.
#pragma unroll
	for (int off = TPT; off < 32; off <<= 1) {
#pragma unroll
		for (int g = 0; g < G; g++) {
			const float mo = __shfl_xor_sync(0xffffffffu, m[g], off);
			const float lo = __shfl_xor_sync(0xffffffffu, l[g], off);
			const float mn = fmaxf(m[g], mo);
			const float a = exp2f(m[g] - mn), c = exp2f(mo - mn);
			l[g] = l[g] * a + lo * c;
#pragma unroll
			for (int j = 0; j < EPT; j++)
				acc[g][j] = acc[g][j] * a + __shfl_xor_sync(0xffffffffu, acc[g][j], off) * c;
			m[g] = mn;
		}
	}
	// The stage buffers are free now: the warps' results go there.
	float(*sm_acc)[G][D] = reinterpret_cast<float(*)[G][D]>(&smem[0][0][0]);
	float(*sm_m)[G] = reinterpret_cast<float(*)[G]>(&smem[0][0][0] + NW * G * D * 4);
	float(*sm_l)[G] = reinterpret_cast<float(*)[G]>(&smem[0][0][0] + NW * G * D * 4 + NW * G * 4);
	if (lane < TPT) {
#pragma unroll
		for (int g = 0; g < G; g++) {
#pragma unroll
			for (int j = 0; j < EPT; j += 4)
				*reinterpret_cast<float4 *>(&sm_acc[warp][g][li * EPT + j]) =
					make_float4(acc[g][j], acc[g][j + 1], acc[g][j + 2], acc[g][j + 3]);
			if (li == 0) {
				sm_m[warp][g] = m[g];
				sm_l[warp][g] = l[g];
			}
		}
	}
	__syncthreads();
	// Merge the warps; each thread finishes G*D/128 outputs.
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
	cudaGridDependencySynchronize(); // the decode kernel's partial results
	const int ctx = p.context_lens[b];
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
		const size_t dst = (((size_t)page * p.num_kv_heads + h) * KCK_PAGE + pos % KCK_PAGE) * chunks_per_head + c;
		reinterpret_cast<uint4 *>(p.k_cache)[dst] = reinterpret_cast<const uint4 *>(p.k_new)[src];
		reinterpret_cast<uint4 *>(p.v_cache)[dst] = reinterpret_cast<const uint4 *>(p.v_new)[src];
	}
	cudaTriggerProgrammaticLaunchCompletion();
}

// ---- the cubin's entry points: one per configuration, C names for cuModuleGetFunction ---------

// Name: kc_decode_<type>_d<D>_g<G>_e<elements a thread>_s<pages in flight>. The d128 g4 variants
// are the ones bench.py measures against each other; the others use the configuration chosen
// from those measurements (docs/kernels.md).
#define KCK_DECODE(TN, T, D, G, EPT, S)                                                            \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                 \
		kc_decode_##TN##_d##D##_g##G##_e##EPT##_s##S(const __grid_constant__ kck_decode_params p) \
	{                                                                                          \
		decode<T, D, G, EPT, S>(p);                                                        \
	}
#define KCK_REDUCE(TN, T, D)                                                                       \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                 \
		kc_reduce_##TN##_d##D(const __grid_constant__ kck_decode_params p)                 \
	{                                                                                          \
		reduce<T, D>(p);                                                                   \
	}
#define KCK_DEFAULTS(TN, T, D, S)                                                                  \
	KCK_DECODE(TN, T, D, 1, 8, S) KCK_DECODE(TN, T, D, 2, 8, S) KCK_DECODE(TN, T, D, 4, 8, S)
#define KCK_PER_TYPE(TN, T)                                                                        \
	KCK_DEFAULTS(TN, T, 64, 2) KCK_DEFAULTS(TN, T, 64, 3) KCK_DEFAULTS(TN, T, 128, 2)         \
	KCK_DEFAULTS(TN, T, 128, 3) KCK_DEFAULTS(TN, T, 256, 2)                                    \
	KCK_DECODE(TN, T, 128, 4, 8, 4) KCK_DECODE(TN, T, 128, 4, 16, 4) KCK_DECODE(TN, T, 128, 4, 16, 2) \
	KCK_REDUCE(TN, T, 64) KCK_REDUCE(TN, T, 128) KCK_REDUCE(TN, T, 256)

KCK_PER_TYPE(f16, __half)
KCK_PER_TYPE(bf16, __nv_bfloat16)

extern "C" __global__ void __launch_bounds__(KCK_THREADS) kc_kv_write_16(const __grid_constant__ kck_kv_write_params p)
{
	kv_write(p, 2);
}
