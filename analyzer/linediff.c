/* linediff.c - the longest common subsequence table of two lists of lines (linediff.h). */
#include "linediff.h"

#include <string.h>

#include "kca.h"

char **kca_cut_lines(char *text, size_t *n)
{
	size_t cap = 256;
	char **line = kca_xmalloc(cap * sizeof(char *));
	*n = 0;
	for (char *p = text; p && *p;) {
		if (*n == cap)
			line = kca_xrealloc(line, (cap *= 2) * sizeof(char *));
		line[(*n)++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return line;
}

enum kca_diff_step kca_diff_next(struct kca_diff_walk *w)
{
	if (w->i >= w->n && w->j >= w->m)
		return KCA_DIFF_END;
	if (w->i < w->n && w->j < w->m && w->same(w->i, w->j, w->ctx)) {
		w->i++, w->j++;
		return KCA_DIFF_ALIKE;
	}
	const uint16_t *L = w->lcs;
	size_t i = w->i, j = w->j, row = w->m + 1;
	if (j >= w->m || (i < w->n && L[(i + 1) * row + j] >= L[i * row + j + 1])) {
		w->i++;
		return KCA_DIFF_OUT;
	}
	w->j++;
	return KCA_DIFF_IN;
}

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
