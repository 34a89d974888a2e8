/* kc_kernels.h - the reference kernels' parameter blocks and host API. Shared by the device
 * code (decode.cu, mla.cu) and the host code in plain C (kc_kernels.c, check_kernels.c,
 * chain_bench.c), so both sides agree on every byte of a launch.
 *
 * Everything that changes per decode step (batch, context lengths, block tables, strides,
 * splits) is a field here, passed at launch: one build of each kernel serves every step.
 */
#ifndef KC_KERNELS_H
#define KC_KERNELS_H

#include <stdint.h>

#define KCK_PAGE 16	 /* tokens per KV page */
#define KCK_THREADS 128	 /* threads per block of the decode and reduce kernels */
#define KCK_MAX_WARPS 8	 /* warps of the largest decode block: a warp a KV head, eight heads ("tc_r") */
#define KCK_MLA_NOPE 512 /* MLA row: k_nope ... */
#define KCK_MLA_ROPE 64	 /* ... then k_rope */
#define KCK_MLA_ROW (KCK_MLA_NOPE + KCK_MLA_ROPE)

/* Paged decode attention, one query token per request, GQA.
 * q [batch][num_kv_heads * group][D], out likewise; k_cache, v_cache
 * [num_pages][num_kv_heads][KCK_PAGE][D] (HND: a page of one head is contiguous);
 * block_table [batch][bt_stride] page ids; context_lens [batch] (>= 1). Block tables and
 * context lengths are the step's bookkeeping, written before the step's kernels and by none of
 * them: the kernels read them before waiting (PDL) on the kernel launched before them.
 * With num_splits > 1 each split writes partial results (part_acc, part_ml) that the reduce
 * kernel combines; with 1 the decode kernel writes out itself. */
struct kck_decode_params {
	const void *q;
	const void *k_cache;
	const void *v_cache;
	const int32_t *block_table;
	const int32_t *context_lens;
	void *out;
	float *part_acc; /* [batch][heads][num_splits][D] */
	float *part_ml;	 /* [batch][heads][num_splits][2]: running max (log2 units) and sum */
	int32_t batch;
	int32_t num_kv_heads;
	int32_t bt_stride;
	int32_t num_splits;
	int32_t chunk;	  /* tokens per split, a multiple of KCK_PAGE */
	float scale_log2; /* softmax scale * log2(e) */
	/* Tensor-core decode: > 0, a block whose split has at most sort_cap + 1 pages walks all
	 * but its first few and its last (the only one that may be partial) in address order,
	 * bucketed; dynamic shared memory 8 x sort_cap bytes more (kck_decode_variant sets it
	 * for "...s" variants). 0: in table order. */
	int32_t sort_cap;
	/* Gated walks ("tc_g", kck_decode's choice where they pay): KCK_WORK_BYTES of device
	 * memory, zeroed before the first launch, for every launch on one stream (each leaves it
	 * ready for the next). NULL: the plan does without them. */
	void *work;
	/* Tensor-core decode (tc_w, tc_h, tc_r): nonzero, each block lets the kernel launched
	 * after it (PDL) start as soon as its own wait is over, not once its walk is done
	 * (kck_decode_variant sets it by kck_decode_releases_early). */
	int32_t release_early;
	/* Tensor-core decode (tc_w, tc_h, tc_r, tc_t): nonzero is the caller's word that the
	 * kernels this launch waits on (PDL) write none of the K and V pages it reads but each
	 * request's last, as in a decode step whose KV write adds one token a request: each warp
	 * then starts copying its first pages before its wait, while the kernel before finishes
	 * (where kck_decode_prefetches says it pays). 0: every read of the cache after the wait. */
	int32_t kv_prefetch;
};
#define KCK_WORK_BYTES 8208   /* decode.cu, decode_gated: done, the launch's number, 2 x 1024 counters */
#define KCK_SORT_BUCKETS 2048 /* address ranges of a sorted walk (decode.cu, sort_space) */
#define KCK_SORT_SPACE_BYTES (4 * (KCK_SORT_BUCKETS + 2 * KCK_MAX_WARPS))
#define KCK_GATED_MAX_ROUNDS 8 /* items (a request's four or eight KV heads) a block of a gated walk takes at most */

/* New K/V of one token per request into the paged cache, at position context_lens[b] - 1. */
struct kck_kv_write_params {
	const void *k_new; /* [batch][num_kv_heads][D] */
	const void *v_new;
	void *k_cache;
	void *v_cache;
	const int32_t *block_table;
	const int32_t *context_lens;
	int32_t batch;
	int32_t num_kv_heads;
	int32_t bt_stride;
	int32_t head_dim;
};

/* MLA KV buffer write (SGLang's set_mla_kv_buffer): rows [k_nope | k_rope] of num_tokens
 * tokens scattered to kv_buffer[slots[t]]; bf16 in, bf16 or fp8-e4m3 (times inv_scale) out. */
struct kck_mla_write_params {
	const void *k_nope; /* [num_tokens][nope_stride] bf16 */
	const void *k_rope; /* [num_tokens][rope_stride] bf16 */
	const int64_t *slots;
	void *kv_buffer; /* [num_slots][KCK_MLA_ROW] */
	int32_t num_tokens;
	int32_t nope_stride;
	int32_t rope_stride;
	float inv_scale; /* fp8: stored = value * inv_scale, saturated */
};

#ifndef __CUDACC__
#include <cuda.h>

enum kck_dtype { KCK_F16, KCK_BF16 };

struct kck {
	CUmodule module;
	CUdevice device;
	int sm_count;
	int smem_per_sm;    /* bytes of shared memory a SM */
	int smem_per_block; /* bytes of shared memory a block may ask for (opt-in) */
	int cc_major, cc_minor;
	int pdl; /* the device can do programmatic dependent launch (sm_90+) */
};

/* Load build/kernels/kc_kernels.cubin (or path). 0 or a CUresult. */
int kck_open(struct kck *k, const char *cubin_path);
void kck_close(struct kck *k);

/* Splits and chunk for a step: enough blocks to fill the GPU, chunks of whole pages
 * (kc_plan.c, as the two below). */
void kck_decode_plan(const struct kck *k, int batch, int num_kv_heads, int max_context, int *num_splits, int *chunk);
/* The decode kernel kck_decode launches for p (splits and chunk set): "tc_w2", "tc_h2s", ... */
const char *kck_decode_choice(const struct kck *k, int head_dim, int group, const struct kck_decode_params *p);
/* Dynamic shared memory of a gated walk of `rounds` items a block, `stages` pages a warp, `warps`
 * warps (KV heads an item). */
unsigned kck_gated_shared(int stages, int warps, int head_dim, int group, int rounds, int chunk);
/* The gated walk's grid: its items (a request's heads_an_item KV heads: four, or eight for
 * "tc_rg") in rounds of no more blocks than SMs. Returns the blocks; *rounds: the items a block
 * (0 and 0 where there are no items). */
int kck_gated_grid(const struct kck *k, int batch, int num_kv_heads, int heads_an_item, int *rounds);
/* Whether the tensor-core decode in num_splits splits, a grid of `blocks` blocks, takes the
 * caller's kv_prefetch. */
int kck_decode_prefetches(const struct kck *k, int num_splits, int blocks);
/* Whether a variant is a gated walk ("tc_g4", "tc_rg2"): one split, p->work, launched on a grid
 * of kck_gated_grid's blocks. */
int kck_variant_gated(const char *variant);
/* Whether kck_decode launches the plan's kernel for p (variant: kck_decode_choice's) with PDL,
 * given a caller that asks for it: not where the next grid's blocks, placed early, crowd one
 * half of the SMs (kc_plan.c). */
int kck_decode_launch_pdl(const struct kck *k, const char *variant, const struct kck_decode_params *p);
/* Whether the tensor-core decode of p lets the next kernel start early (release_early). */
int kck_decode_releases_early(const struct kck_decode_params *p);
#define KCK_MAX_SPLITS 64	/* the reduce kernel combines at most this many */
#define KCK_SORT_MAX_PAGES 2048 /* pages a block sorts at most (16 KB of shared memory) */
/* Bytes of a K and a V page of one head, 16-bit values: a stage of a warp's ring. */
static inline unsigned kck_page_kv_bytes(int head_dim) { return 2 * KCK_PAGE * (unsigned)head_dim * 2; }
/* Launch decode (and reduce when split). p->num_splits and p->chunk as kck_decode_plan gives
 * them (or chosen by the caller). use_pdl: launch with PDL (where kck_decode_launch_pdl says so). */
int kck_decode(const struct kck *k, enum kck_dtype dt, int head_dim, int group, const struct kck_decode_params *p,
	       CUstream s, int use_pdl);
/* The same with a named variant ("e8_s4": elements a thread, pages in flight), for the
 * benchmark that chose the default. A grid of no more blocks than SMs gets a SM a block (see
 * kc_kernels.c); for the benchmark that measured it, "tc_w3:any" leaves that out and "tc_w3:2"
 * lets at most two blocks share a SM, whatever the grid. A tensor-core variant ending in "s"
 * ("tc_w2s") walks each block's pages in address order (sort_cap above). Where the rules
 * sit: those of how a variant runs (release_early, kck_decode_prefetches) apply here, to every
 * caller; the plan's (kck_decode_choice's variant, kck_decode_launch_pdl) only in kck_decode,
 * so that the benchmark launches a variant with or without PDL as it names it. */
int kck_decode_variant(const struct kck *k, enum kck_dtype dt, int head_dim, int group, const char *variant,
		       const struct kck_decode_params *p, CUstream s, int use_pdl);
int kck_kv_write(const struct kck *k, enum kck_dtype dt, const struct kck_kv_write_params *p, CUstream s, int use_pdl);
/* fp8: store fp8-e4m3 (1 byte a value) instead of bf16. */
int kck_mla_write(const struct kck *k, int fp8, const struct kck_mla_write_params *p, CUstream s, int use_pdl);

/* For the test and benchmark programs (check_kernels.c, chain_bench.c): a failed driver call
 * is named with its place, and ends the program (exit 2). Needs <stdio.h> and <stdlib.h>. */
#define KCK_CHECK(x)                                                                                                   \
	do {                                                                                                           \
		CUresult r_ = (CUresult)(x);                                                                           \
		if (r_ != CUDA_SUCCESS) {                                                                              \
			const char *s_ = "?";                                                                          \
			cuGetErrorName(r_, &s_);                                                                       \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, s_);                                \
			exit(2);                                                                                       \
		}                                                                                                      \
	} while (0)
#endif

#endif
