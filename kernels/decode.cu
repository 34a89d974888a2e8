// decode.cu - paged-attention decode (one query token per request, GQA), its split-KV
// reduce, and the paged KV write of a decode step. Reference kernels: every per-step value is
// a launch parameter (kc_kernels.h), launch shapes are fixed per build, and each kernel waits
// for its predecessor and releases its successor through Programmatic Dependent Launch
// (cudaGridDependencySynchronize / cudaTriggerProgrammaticLaunchCompletion: no-ops when the
// launch carries no PDL attribute).
//
// Work split: a block handles one (request, KV head, split) and all G query heads sharing
// that KV head, so each K/V byte is read once. Its 128 threads form groups of D/16 threads;
// a group takes one token at a time (16 elements a thread: two 16-byte loads each of K and
// V), keeps its own online-softmax state, and the groups merge at the end (shuffles within a
// warp, shared memory across warps). Scores are in log2 units (scale * log2 e).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#include "kc_kernels.h"

#define NEG_BIG (-1e30f) /* not -inf: exp2(NEG_BIG - NEG_BIG) stays finite */

// ---- loads and conversions -----------------------------------------------------------------

// Cache hint of the streaming K/V loads: 0 default, 1 .cs (evict first), 2 .cg (L2 only),
// 3 .nc (read-only path). Measured in bench.py, not assumed.
template <int HINT> __device__ __forceinline__ uint4 load16(const void *p)
{
	const uint4 *q = reinterpret_cast<const uint4 *>(p);
	if (HINT == 1)
		return __ldcs(q);
	if (HINT == 2)
		return __ldcg(q);
	if (HINT == 3)
		return __ldg(q);
	return *q;
}

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

template <typename T, int D, int G, int HINT, int EPT, int U>
__device__ __forceinline__ void decode(const kck_decode_params &p)
{
	constexpr int TPT = D / EPT;             // threads per token (EPT elements each)
	constexpr int NG = KCK_THREADS / TPT;    // token groups per block
	constexpr int NW = KCK_THREADS / 32;     // warps
	constexpr int NV = EPT / 8;              // 16-byte loads per thread per token, K and V each
	static_assert(TPT <= 32 && EPT % 8 == 0, "a token's threads must sit in one warp");
	__shared__ float sm_acc[NW][G][D];
	__shared__ float sm_m[NW][G], sm_l[NW][G];

	const int b = blockIdx.z, kvh = blockIdx.y, split = blockIdx.x;
	const int H = p.num_kv_heads * G;
	const int grp = threadIdx.x / TPT, li = threadIdx.x % TPT;
	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

	// Wait for whoever wrote q and the cache (the KV write of this step).
	cudaGridDependencySynchronize();
	const int ctx = p.context_lens[b];
	const int start = split * p.chunk;
	const int end = min(ctx, start + p.chunk);
	if (start >= end)
		return; // past this request's context: the reduce counts its own splits

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

	const int32_t *bt = p.block_table + (size_t)b * p.bt_stride;
	const size_t page_stride = (size_t)p.num_kv_heads * KCK_PAGE * D;
	const T *kb = reinterpret_cast<const T *>(p.k_cache) + (size_t)kvh * KCK_PAGE * D + li * EPT;
	const T *vb = reinterpret_cast<const T *>(p.v_cache) + (size_t)kvh * KCK_PAGE * D + li * EPT;

	// U tokens a group per step for loads in flight; every lane of a warp runs the same trip
	// count (shuffles below), tokens past the end are masked.
	for (int base = start; base < end; base += U * NG) {
		uint4 kr[U][NV], vr[U][NV];
		bool valid[U];
#pragma unroll
		for (int u = 0; u < U; u++) {
			const int tok = base + u * NG + grp;
			valid[u] = tok < end;
			if (valid[u]) {
				const size_t o = (size_t)bt[tok / KCK_PAGE] * page_stride + (size_t)(tok % KCK_PAGE) * D;
#pragma unroll
				for (int v = 0; v < NV; v++) {
					kr[u][v] = load16<HINT>(kb + o + 8 * v);
					vr[u][v] = load16<HINT>(vb + o + 8 * v);
				}
			}
		}
#pragma unroll
		for (int u = 0; u < U; u++) {
			float kf[EPT], s[G];
#pragma unroll
			for (int v = 0; v < NV; v++)
				to_float(kr[u][v], kf + 8 * v, T());
#pragma unroll
			for (int g = 0; g < G; g++) {
				float d = 0.f;
#pragma unroll
				for (int j = 0; j < EPT; j++)
					d = fmaf(q[g][j], kf[j], d);
				s[g] = valid[u] ? d : 0.f;
			}
#pragma unroll
			for (int off = TPT / 2; off > 0; off >>= 1)
#pragma unroll
				for (int g = 0; g < G; g++)
					s[g] += __shfl_xor_sync(0xffffffffu, s[g], off);
			if (!valid[u])
				continue;
			float vf[EPT];
#pragma unroll
			for (int v = 0; v < NV; v++)
				to_float(vr[u][v], vf + 8 * v, T());
#pragma unroll
			for (int g = 0; g < G; g++) {
				const float mn = fmaxf(m[g], s[g]);
				const float a = exp2f(m[g] - mn), pr = exp2f(s[g] - mn);
				l[g] = fmaf(l[g], a, pr);
#pragma unroll
				for (int j = 0; j < EPT; j++)
					acc[g][j] = fmaf(acc[g][j], a, pr * vf[j]);
				m[g] = mn;
			}
		}
	}
	// The reduce (or the next layer) may start its launch now; it waits for our results.
	cudaTriggerProgrammaticLaunchCompletion();

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

template <typename T, int D> __device__ __forceinline__ void reduce(const kck_decode_params &p)
{
	const int h = blockIdx.x, b = blockIdx.y, H = gridDim.x;
	cudaGridDependencySynchronize(); // the decode kernel's partial results
	const int ctx = p.context_lens[b];
	const int ns = min(p.num_splits, (ctx + p.chunk - 1) / p.chunk);
	const size_t base = ((size_t)b * H + h) * p.num_splits;
	const float *ml = p.part_ml + base * 2;
	float mx = NEG_BIG;
	for (int s = 0; s < ns; s++)
		mx = fmaxf(mx, ml[2 * s]);
	float L = 0.f;
	for (int s = 0; s < ns; s++)
		L = fmaf(ml[2 * s + 1], exp2f(ml[2 * s] - mx), L);
	const float inv = 1.f / L;
	cudaTriggerProgrammaticLaunchCompletion();
	for (int d = threadIdx.x; d < D; d += KCK_THREADS) {
		float A = 0.f;
		for (int s = 0; s < ns; s++)
			A = fmaf(p.part_acc[(base + s) * D + d], exp2f(ml[2 * s] - mx), A);
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

// Name: kc_decode_<type>_d<D>_g<G>_h<hint>_e<elements a thread>_u<tokens in flight a group>.
// The d128 g4 variants are the ones bench.py measures against each other; the others use the
// configuration chosen from those measurements (docs/kernels.md).
#define KCK_DECODE(TN, T, D, G, HINT, EPT, U)                                                      \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                 \
		kc_decode_##TN##_d##D##_g##G##_h##HINT##_e##EPT##_u##U(                            \
			const __grid_constant__ kck_decode_params p)                               \
	{                                                                                          \
		decode<T, D, G, HINT, EPT, U>(p);                                                  \
	}
#define KCK_REDUCE(TN, T, D)                                                                       \
	extern "C" __global__ void __launch_bounds__(KCK_THREADS)                                 \
		kc_reduce_##TN##_d##D(const __grid_constant__ kck_decode_params p)                 \
	{                                                                                          \
		reduce<T, D>(p);                                                                   \
	}
#define KCK_DEFAULTS(TN, T, D)                                                                     \
	KCK_DECODE(TN, T, D, 1, 0, 8, 4) KCK_DECODE(TN, T, D, 2, 0, 8, 4) KCK_DECODE(TN, T, D, 4, 0, 8, 4)
#define KCK_PER_TYPE(TN, T)                                                                        \
	KCK_DEFAULTS(TN, T, 64) KCK_DEFAULTS(TN, T, 128) KCK_DEFAULTS(TN, T, 256)                 \
	KCK_DECODE(TN, T, 128, 4, 0, 16, 2) KCK_DECODE(TN, T, 128, 4, 0, 8, 2)                    \
	KCK_DECODE(TN, T, 128, 4, 1, 8, 4) KCK_DECODE(TN, T, 128, 4, 2, 8, 4)                     \
	KCK_DECODE(TN, T, 128, 4, 3, 8, 4)                                                         \
	KCK_REDUCE(TN, T, 64) KCK_REDUCE(TN, T, 128) KCK_REDUCE(TN, T, 256)

KCK_PER_TYPE(f16, __half)
KCK_PER_TYPE(bf16, __nv_bfloat16)

extern "C" __global__ void __launch_bounds__(KCK_THREADS) kc_kv_write_16(const __grid_constant__ kck_kv_write_params p)
{
	kv_write(p, 2);
}
