/* liblocked.c - a library that loads a module under a lock of its own, called with the GIL
 * released (ctypes.CDLL), while another Python thread holding the GIL takes the same lock
 * (ctypes.PyDLL): a recorder that waited for the GIL in the load would hang the program
 * (py_locked.py). */
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int load_locked(const char *image)
{
	void *cuda = dlopen("libcuda.so.1", RTLD_NOW);
	int (*load)(void **, const void *) = cuda ? (int (*)(void **, const void *))dlsym(
							cuda, "cuModuleLoadData")
						  : NULL;
	if (!load)
		return -1;
	void *module;
	pthread_mutex_lock(&lock);
	usleep(300000); /* the other thread, holding the GIL, now waits for the lock */
	int r = load(&module, image);
	pthread_mutex_unlock(&lock);
	return r;
}

int touch_locked(void)
{
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
	return 0;
}
