/* test_fuzz_corpus.c - every input of the fuzz corpus (tests/fuzz/corpus: seeds and what the
 * fuzzer found) through the readers and the analyzer again: a crash or a sanitizer report
 * fails the test (run under ASan/UBSan by make test). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_one.h"
#include "kct.h"

Test(fuzz, corpus_replays_cleanly)
{
	DIR *d = opendir("tests/fuzz/corpus");
	cr_assert_not_null(d, "tests/fuzz/corpus missing");
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "tests/fuzz/corpus/%s", de->d_name);
		size_t size;
		char *data = kct_read_file(path, &size);
		cr_assert_not_null(data, "%s", path);
		kct_fuzz_one((const uint8_t *)data, size);
		free(data);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 8, "the corpus holds the seeds at least (%d files)", n);
}
