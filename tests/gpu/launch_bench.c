/* launch_bench.c - host time per cuLaunchKernel of an empty kernel on the real driver.
 * launch_bench N: prints "ns_per_launch <x>". Run with and without the recorder preloaded,
 * alternating (tests/gpu/run.sh), for the recorder's added cost per launch. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "launch_common.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 64 * 2000;
	CUfunction f;
	if (load_empty_kernel(&f))
		return 1;
	for (int i = 0; i < 1000; i++)
		CK(cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL));
	CK(cuCtxSynchronize());
	/* Host time of the calls only: batches small enough never to fill the launch queue,
	 * the GPU drained between batches, outside the timed region. The median batch. */
	enum { BATCH = 64 };
	long batches = n / BATCH;
	double *per = malloc(sizeof(double) * (size_t)batches);
	for (long b = 0; b < batches; b++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < BATCH; i++)
			cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CK(cuCtxSynchronize());
		per[b] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / BATCH;
	}
	for (long i = 1; i < batches; i++) /* insertion sort: small n */
		for (long j = i; j > 0 && per[j] < per[j - 1]; j--) {
			double t = per[j];
			per[j] = per[j - 1];
			per[j - 1] = t;
		}
	printf("ns_per_launch %.1f\n", per[batches / 2]);
	return 0;
}
