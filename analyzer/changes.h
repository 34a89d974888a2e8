/* changes.h - what differs between the variants of a kernel family, as exactly as the trace
 * allows: Triton constants (named after the tl.constexpr parameter they come from when the
 * kernel's source can be read), integer specialisation (divisible by 16, equal to 1), Triton
 * configs, NVRTC -D options and other options, and numbers that differ in PTX text. */
#ifndef KCA_CHANGES_H
#define KCA_CHANGES_H

#include "model.h"

enum kca_change_kind {
	KCA_CHANGE_CONSTANT,	 /* a compile-time constant (Triton constexpr) */
	KCA_CHANGE_DIVISIBILITY, /* an int argument's % 16 specialisation */
	KCA_CHANGE_EQUALS_ONE,	 /* an int argument specialised to the constant 1 */
	KCA_CHANGE_CONFIG,	 /* num_warps, num_stages, ... (autotune configs) */
	KCA_CHANGE_DEFINE,	 /* NVRTC -DNAME=value */
	KCA_CHANGE_OPTION,	 /* other compile options */
	KCA_CHANGE_PTX,		 /* a number in PTX text */
};

struct kca_change {
	enum kca_change_kind kind;
	char name[128];	 /* MAX_LEN, max_len, num_warps, -DMAX_LEN, "PTX line 12" */
	char where[512]; /* file:line of the use, when known */
	int is_param;	 /* name is a tl.constexpr parameter of the kernel */
	char **values;	 /* per variant (family order); NULL where unknown */
	unsigned nvalues;
};

struct kca_changes {
	struct kca_change *changes;
	unsigned nchanges;
	char kernel_def[512];	  /* "fill_mask(mask_ptr, n, MAX_LEN: tl.constexpr, ...)" */
	char def_where[512];	  /* file:line of the def */
	char autotune_where[512]; /* file:line of a @triton.autotune on the def, "" if none */
};

void kca_changes_compute(struct kca_model *m, const struct kca_family *f, struct kca_changes *out);
void kca_changes_free(struct kca_changes *c);
/* "20 values, 500..519" and the like, into buf. */
void kca_values_summary(const struct kca_change *c, char *buf, size_t cap);
const char *kca_change_kind_name(enum kca_change_kind k);

/* Read a whole file (NUL-terminated); NULL if unreadable. */
char *kca_read_file(const char *path, size_t *size);
/* A file named in a trace that may have moved: tried as written, then its tail under the
 * current directory (a checkout at another path). The found path goes to out. */
int kca_find_source(const char *path, char *out, size_t cap);

#endif
