// cudart_app.cu - a program of the CUDA runtime API (tests/gpu/run.sh builds it with the
// runtime linked statically and shared): its kernel is loaded by the runtime, not by the
// program's own code, and kcprof must say so ([CUDA runtime], one image, every launch).
#include <cstdio>
#include <cstdlib>

extern "C" __global__ void cudart_scale(float *x, float a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] *= a;
}

int main(int argc, char **argv)
{
	int n = 1 << 16, reps = argc > 1 ? atoi(argv[1]) : 10;
	float *x = nullptr;
	if (cudaMalloc(&x, n * sizeof(float)) != cudaSuccess)
		return 1;
	for (int i = 0; i < reps; i++)
		cudart_scale<<<(n + 255) / 256, 256>>>(x, 1.0f, n);
	cudaError_t e = cudaDeviceSynchronize();
	cudaFree(x);
	printf("{\"launches\": %d, \"ok\": %d}\n", reps, e == cudaSuccess);
	return e != cudaSuccess;
}
