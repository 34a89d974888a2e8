// mla.cu - the MLA KV-buffer write (SGLang's set_mla_kv_buffer): each token's row
// [k_nope (512) | k_rope (64)] scattered to its slot of a paged KV buffer, as bf16 or quantised
// to fp8-e4m3. One warp a token; 16-byte loads; PDL at both ends: it waits for the kernel that
// produced k_nope/k_rope and lets the attention kernel after it launch early.
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <stdint.h>

#include "kc_kernels.h"

#define WARPS 4

template <bool FP8> __device__ __forceinline__ void mla_write(const kck_mla_write_params &p)
{
	const int t = blockIdx.x * WARPS + threadIdx.x / 32, lane = threadIdx.x % 32;
	cudaGridDependencySynchronize();
	if (t < p.num_tokens) {
		const int64_t slot = p.slots[t];
		constexpr int NOPE = KCK_MLA_NOPE / 8, ROPE = KCK_MLA_ROPE / 8; // 16-byte chunks of bf16
		const uint4 *nope = reinterpret_cast<const uint4 *>(reinterpret_cast<const __nv_bfloat16 *>(p.k_nope) +
								    (size_t)t * p.nope_stride);
		const uint4 *rope = reinterpret_cast<const uint4 *>(reinterpret_cast<const __nv_bfloat16 *>(p.k_rope) +
								    (size_t)t * p.rope_stride);
		for (int c = lane; c < NOPE + ROPE; c += 32) {
			const uint4 v = c < NOPE ? __ldcs(nope + c) : __ldcs(rope + (c - NOPE));
			if (!FP8) {
				reinterpret_cast<uint4 *>(p.kv_buffer)[slot * (KCK_MLA_ROW / 8) + c] = v;
			} else {
				const __nv_bfloat162 *h = reinterpret_cast<const __nv_bfloat162 *>(&v);
				uint2 o;
				__nv_fp8x2_storage_t *q = reinterpret_cast<__nv_fp8x2_storage_t *>(&o);
#pragma unroll
				for (int i = 0; i < 4; i++) {
					float2 f = __bfloat1622float2(h[i]);
					f.x *= p.inv_scale;
					f.y *= p.inv_scale;
					q[i] = __nv_cvt_float2_to_fp8x2(f, __NV_SATFINITE, __NV_E4M3);
				}
				reinterpret_cast<uint2 *>(p.kv_buffer)[slot * (KCK_MLA_ROW / 8) + c] = o;
			}
		}
	}
	cudaTriggerProgrammaticLaunchCompletion();
}

extern "C" __global__ void __launch_bounds__(WARPS * 32)
    kc_mla_write_bf16(const __grid_constant__ kck_mla_write_params p)
{
	mla_write<false>(p);
}

extern "C" __global__ void __launch_bounds__(WARPS * 32)
    kc_mla_write_fp8(const __grid_constant__ kck_mla_write_params p)
{
	mla_write<true>(p);
}
