// Test fixture: two kernels and a device function, built into sample.cubin (sm_90),
// sample.fatbin (sm_90 cubin + compute_90 PTX, uncompressed) and sample_zstd.fatbin
// (-Xfatbin -compress-all: cubin and PTX zstd-compressed, as PyTorch builds its fatbins; nvcc's
// default compresses only the PTX) by `make test-data`.
extern "C" __global__ void kern_add(float *x, float a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] += a;
}

__device__ __noinline__ float helper(float v) { return v * v; }

__global__ void kern_scale(float *x, float s, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] = helper(x[i]) * s;
}
