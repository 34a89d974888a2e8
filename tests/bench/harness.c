/* harness.c - times whole commands side by side for `make bench`:
 *   harness ROUNDS -- CMD_A... [--vs CMD_B...]
 * runs A (and B) alternately ROUNDS times, and prints the median wall time, user+sys time and
 * peak memory (max RSS) of each, and the median of the pairwise ratios A/B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run {
	double wall, cpu;
	long rss_kb;
};

static struct run run_once(char **argv)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	struct rusage ru;
	wait4(pid, &st, 0, &ru);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 1)) {
		fprintf(stderr, "harness: %s failed (status %d)\n", argv[0], st);
		exit(1);
	}
	struct run r = {(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			(double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
			ru.ru_maxrss};
	return r;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: harness ROUNDS -- CMD... [--vs CMD...]\n");
		return 2;
	}
	int rounds = atoi(argv[1]);
	char **a = argv + 3, **b = NULL;
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "--vs") == 0) {
			argv[i] = NULL;
			b = argv + i + 1;
		}
	double wa[64], ca[64], ra[64], wb[64], cb[64], rb[64], ratio[64];
	if (rounds > 64)
		rounds = 64;
	run_once(a); /* warm-up: page cache, dynamic loader */
	if (b)
		run_once(b);
	for (int i = 0; i < rounds; i++) {
		struct run x = run_once(a);
		wa[i] = x.wall, ca[i] = x.cpu, ra[i] = (double)x.rss_kb;
		if (b) {
			struct run y = run_once(b);
			wb[i] = y.wall, cb[i] = y.cpu, rb[i] = (double)y.rss_kb;
			ratio[i] = x.wall / y.wall;
		}
	}
	printf("A: wall %.4f s  cpu %.4f s  max RSS %.0f KB (median of %d)\n", median(wa, rounds),
	       median(ca, rounds), median(ra, rounds), rounds);
	if (b) {
		printf("B: wall %.4f s  cpu %.4f s  max RSS %.0f KB\n", median(wb, rounds),
		       median(cb, rounds), median(rb, rounds));
		printf("A/B wall: %.3f (median of pairwise ratios)\n", median(ratio, rounds));
	}
	return 0;
}
