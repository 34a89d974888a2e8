// Test fixture: one kernel with a constant built in (-DSTEP=1, 2 and 3), as a program that
// runs nvcc with a new -D per request would make: step_1.fatbin to step_3.fatbin (their PTX
// compressed, nvcc's default), step_sass.fatbin (-DSTEP=7, a cubin and no PTX) and
// step_1.cubin, step_2.cubin, by `make test-data`.
#ifndef STEP
#define STEP 1
#endif
extern "C" __global__ void kern_step(int *x, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] += STEP;
}
