// two.cu - two kernels of one module, each using STEP its own way (tests: each kernel's
// changed PTX line is its own, not the module's first).
extern "C" __global__ void kern_step(int *out)
{
	out[threadIdx.x] = threadIdx.x + STEP;
}

extern "C" __global__ void kern_other(float *out)
{
	out[threadIdx.x] = threadIdx.x * (STEP * 3.0f);
}
