/* linediff.h - the longest common subsequence of two lists of lines, for line diffs: kcprof
 * diff prints one, and the report names the lines of two programs' texts that differ. */
#ifndef KCA_LINEDIFF_H
#define KCA_LINEDIFF_H

#include <stddef.h>
#include <stdint.h>

/* Texts of more lines than this are not diffed (the table is (n + 1) x (m + 1) counts). */
#define KCA_DIFF_MAX_LINES 6000

/* Cuts text into its lines in place (each made NUL-terminated): an array of *n lines, to free. */
char **kca_cut_lines(char *text, size_t *n);

/* Whether line i of the first list and line j of the second are alike, for ctx. */
typedef int (*kca_same_line_fn)(size_t i, size_t j, const void *ctx);

/* The table L of n + 1 rows of m + 1 counts, L[i * (m + 1) + j] the length of the longest
 * common subsequence of lines i.. of the first list and j.. of the second: a diff walks it
 * from (0, 0), taking line i out where L(i + 1, j) >= L(i, j + 1), else adding line j. To
 * free; NULL where either list is longer than KCA_DIFF_MAX_LINES. */
uint16_t *kca_lcs_table(size_t n, size_t m, kca_same_line_fn same, const void *ctx);

/* A walk of the two lists along that table, from their first lines (i = j = 0). */
struct kca_diff_walk {
	const uint16_t *lcs;
	size_t n, m, i, j; /* the lists' lengths; the lines walked so far in each */
	kca_same_line_fn same;
	const void *ctx;
};

enum kca_diff_step {
	KCA_DIFF_END,	/* both lists walked */
	KCA_DIFF_ALIKE, /* lines i and j alike: both passed */
	KCA_DIFF_OUT,	/* line i of the first list taken out */
	KCA_DIFF_IN,	/* line j of the second list put in */
};

/* The walk's next step, taken (the lines it names are those at i and j before it). The steps
 * between two KCA_DIFF_ALIKE ones are a hunk. */
enum kca_diff_step kca_diff_next(struct kca_diff_walk *w);

#endif
