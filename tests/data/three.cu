// three.cu - two kernels of one module, one of them using STEP: kern_fixed's own code is
// the same in every build (tests: it is not said to have changed).
extern "C" __global__ void kern_step(int *out)
{
	out[threadIdx.x] = threadIdx.x + STEP;
}

extern "C" __global__ void kern_fixed(float *out)
{
	out[threadIdx.x] = threadIdx.x * 3.0f;
}
