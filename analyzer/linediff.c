/* linediff.c - the longest common subsequence table of two lists of lines (linediff.h). */
#include "linediff.h"

#include "kca.h"

uint16_t *kca_lcs_table(size_t n, size_t m, kca_same_line_fn same, const void *ctx)
{
	if (n > KCA_DIFF_MAX_LINES || m > KCA_DIFF_MAX_LINES)
		return NULL;
	uint16_t *lcs = kca_xcalloc((n + 1) * (m + 1), sizeof(uint16_t));
#define L(i, j) lcs[(i) * (m + 1) + (j)]
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			L(i, j) = same(i, j, ctx)	      ? L(i + 1, j + 1) + 1
				  : L(i + 1, j) > L(i, j + 1) ? L(i + 1, j)
							      : L(i, j + 1);
#undef L
	return lcs;
}
