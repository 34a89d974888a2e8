// Test fixture: one kernel with a constant built in (-DSTEP=1, 2 and 3), as a program that
// runs nvcc with a new -D per request would make: step_1.fatbin to step_3.fatbin (their PTX
// compressed, nvcc's default), step_sass.fatbin (-DSTEP=7, a cubin and no PTX) and
// step_1.cubin to step_3.cubin, by `make test-data`; long_1.cubin, long_2.cubin the same
// kernel under a name of 207 characters (-DKERN_NAME=...), as Inductor names a large fusion.
#ifndef STEP
#define STEP 1
#endif
#ifndef KERN_NAME
#define KERN_NAME kern_step
#endif
extern "C" __global__ void KERN_NAME(int *x, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] += STEP;
}
