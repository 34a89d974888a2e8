/* libnativeload.c - loads a module on a thread of its own, which Python never ran on (no
 * thread state: kcprof reads no frames there), as XLA's autotuner loads its candidate kernels
 * on its compile threads (tests/progs/py/site-packages/jax). */
#include <pthread.h>

#include <cuda.h>

struct job {
	const void *image;
	const char *kernel;
	int rc;
};

static void *load_and_time(void *arg)
{
	struct job *j = arg;
	CUmodule m;
	CUfunction f;
	j->rc = cuModuleLoadData(&m, j->image) != CUDA_SUCCESS ||
		cuModuleGetFunction(&f, m, j->kernel) != CUDA_SUCCESS;
	for (int i = 0; i < 2 && !j->rc; i++) /* the autotuner times each candidate */
		j->rc = cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL) != CUDA_SUCCESS;
	return NULL;
}

/* image loaded, kernel taken from it and launched twice, on a new thread; 0 or 1 */
int kct_load_on_native_thread(const void *image, const char *kernel)
{
	pthread_t t;
	struct job j = {image, kernel, 1};
	if (pthread_create(&t, NULL, load_and_time, &j) != 0)
		return 1;
	pthread_join(t, NULL);
	return j.rc;
}
