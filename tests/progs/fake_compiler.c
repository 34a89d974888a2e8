/* fake_compiler.c - built as "ptxas": a compiler child that takes 20 ms and exits with the
 * status given as its last argument (default 0, where it is a number). With KCT_WRITE_OUTPUT=N
 * it writes N bytes to the file after -o through stdio and leaves it open, as a compiler may:
 * exit() writes the last buffer. With KCT_COPY_OUTPUT=FILE it writes FILE there instead (a
 * cubin, as the real ptxas would have built). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	const char *copy = getenv("KCT_COPY_OUTPUT");
	for (int i = 1; copy && i + 1 < argc; i++)
		if (strcmp(argv[i], "-o") == 0) {
			FILE *in = fopen(copy, "rb"), *out = fopen(argv[i + 1], "wb");
			int ch;
			while (in && out && (ch = fgetc(in)) != EOF)
				fputc(ch, out);
			if (!in || !out || fclose(out) != 0)
				return 3;
			fclose(in);
		}
	const char *n = getenv("KCT_WRITE_OUTPUT");
	for (int i = 1; n && i + 1 < argc; i++)
		if (strcmp(argv[i], "-o") == 0) {
			FILE *f = fopen(argv[i + 1], "w");
			if (!f)
				return 3;
			setvbuf(f, NULL, _IOFBF, 1 << 20); /* all of it still buffered at exit */
			for (long k = 0; k < atol(n); k++)
				fputc('a' + (int)(k % 26), f);
		}
	return argc > 1 ? atoi(argv[argc - 1]) : 0; /* "sm_90a": 0 */
}
