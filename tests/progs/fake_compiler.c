/* fake_compiler.c - built as "ptxas": a compiler child that takes 20 ms and exits with the
 * status given as its last argument (default 0). */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
