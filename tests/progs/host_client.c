/* host_client.c - programs that do what kcprof must leave as it is (test_preload.c runs each
 * with and without the recorder, under a time limit, and compares): MODE is
 *   exit_in_handler  a timer's handler calls exit() while the program loads modules
 *   cancel           a thread loading modules is cancelled, then main loads one
 *   main_exits       main loads and launches, then pthread_exit()s: the process must end
 *   spawn_small      posix_spawn from a thread with a 16 KB stack, an environment of its own
 *   vfork_exec       2000 vfork + execve with an environment of its own: memory not lost
 *   close_fds        closes every fd above 2 (up to its limit), opens its own file,
 *                    launches, writes to it
 * Prints what it saw; the stand-in driver (tests/fake) serves the CUDA calls. */
#include <cuda.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static void *image;

static void read_image(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/sample.cubin", getenv("KCT_DATA"));
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(9);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	image = malloc((size_t)n);
	if (fread(image, 1, (size_t)n, f) != (size_t)n)
		exit(9);
	fclose(f);
}

static CUfunction load_and_get(CUmodule *m)
{
	CUfunction fn = NULL;
	if (cuModuleLoadData(m, image) != CUDA_SUCCESS ||
	    cuModuleGetFunction(&fn, *m, "kern_add") != CUDA_SUCCESS)
		exit(8);
	return fn;
}

static CUresult launch(CUfunction fn)
{
	return cuLaunchKernel(fn, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL);
}

/* This process's resident memory, in KB (/proc/self/statm). */
static long resident_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void exit_now(int sig)
{
	(void)sig;
	exit(0);
}

static void *load_forever(void *arg)
{
	(void)arg;
	for (;;) {
		CUmodule m;
		cuModuleLoadData(&m, image);
		cuModuleUnload(m);
		pthread_testcancel();
	}
	return NULL;
}

static void *spawn_true(void *arg)
{
	(void)arg;
	char *argv[] = {"/bin/true", NULL}, *env[] = {"PATH=/bin", NULL};
	pid_t pid;
	int st = -1, rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, env);
	if (rc == 0)
		waitpid(pid, &st, 0);
	printf("spawn %d, status %d\n", rc, st);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	read_image();
	const char *mode = argv[1];
	if (strcmp(mode, "exit_in_handler") == 0) {
		signal(SIGALRM, exit_now);
		struct itimerval it = {{0, 200}, {0, 20000}};
		setitimer(ITIMER_REAL, &it, NULL);
		for (;;) {
			CUmodule m;
			launch(load_and_get(&m));
			cuModuleUnload(m);
		}
	} else if (strcmp(mode, "cancel") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, load_forever, NULL);
		usleep(20000);
		pthread_cancel(t);
		pthread_join(t, NULL);
		CUmodule m;
		printf("joined; load %d\n", (int)cuModuleLoadData(&m, image));
	} else if (strcmp(mode, "main_exits") == 0) {
		CUmodule m;
		printf("launch %d\n", (int)launch(load_and_get(&m)));
		fflush(stdout);
		pthread_exit(NULL);
	} else if (strcmp(mode, "spawn_small") == 0) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 16384);
		pthread_t t;
		pthread_create(&t, &a, spawn_true, NULL);
		pthread_join(t, NULL);
	} else if (strcmp(mode, "vfork_exec") == 0) {
		char *args[] = {"/bin/true", NULL}, *env[] = {"PATH=/bin", NULL};
		long before = resident_kb();
		for (int i = 0; i < 2000; i++) {
			pid_t pid = vfork();
			if (pid == 0) {
				execve("/bin/true", args, env);
				_exit(127);
			}
			waitpid(pid, NULL, 0);
		}
		long grew = resident_kb() - before;
		printf("memory %s\n", grew < 2048 ? "kept" : "lost");
	} else if (strcmp(mode, "close_fds") == 0) {
		CUmodule m;
		CUfunction fn = load_and_get(&m);
		struct rlimit rl;
		long top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536
			       ? (long)rl.rlim_cur
			       : 65536;
		for (int fd = 3; fd < top; fd++)
			close(fd);
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		launch(fn);
		cuModuleUnload(m);
		CUmodule m2;
		launch(load_and_get(&m2));
		ssize_t w = write(fd, "hello\n", 6);
		close(fd);
		struct stat st;
		stat(argv[2], &st);
		printf("fd %d, wrote %zd, file %lld bytes\n", fd, w, (long long)st.st_size);
	} else {
		return 2;
	}
	return 0;
}
