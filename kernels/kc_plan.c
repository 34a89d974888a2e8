/* kc_plan.c - the decode's launch plan: how many splits and which kernel, from the sizes and the
 * GPU's resources. No driver calls, so that the CPU tests check the rules (tests/test_kernel_plan.c);
 * kc_kernels.c launches what it chooses. */
#include <string.h>

#include "kc_kernels.h"

/* The plan, from bench.py's measurements on the H100 (docs/kernels.md). Tensor-core decode, a
 * warp a page, four warps a block, S pages in flight a warp ("tc_wS"):
 * - split or not: one block a (request, KV head) pair where the pairs fill every SM, or are many
 *   (>= a quarter of the SMs' count) and contexts short (<= 4096 tokens); otherwise each pair's
 *   context split so that every SM gets one block and no more (a second wave of blocks cost
 *   23%: 1 x 32k with 17 splits), chunks of at least 64 tokens, at most 64 splits;
 * - pairs filling the GPU four times over: S = 4 (one block a SM, each longer) from 4096 tokens:
 *   H100s of 2026-11-22, 256 x 32k 11143 us against 11281 with two, 11099 against 11130, 11094
 *   against 11120; 256 x 4k 1400, 1401 and 1399 against 1414, 1414 and 1413 on one kind of
 *   machine, 1400 and 1402 against 1397 and 1398 on another;
 * - blocks under 1024 tokens, pairs over 3.5 x SMs: S = 2, three blocks a SM turning over
 *   (bench.py --ab, side by side: 60..256 x 512 0.4-3% faster than three pages, 80 x 512 level;
 *   256 x 512 181.9 us against 185.8 with four; 36..56 x 512 either way by 2-6%: S = 3 there);
 * - 1024..4095 tokens: S = 2 where 2 x SMs < pairs <= 3 x SMs, all pairs in one wave at three
 *   blocks a SM where two a SM take two waves (36..49 x 1024-4096: three pages 1.2-5.7% slower,
 *   level at 40 and 44 x 1024), and where pairs >= 5 x SMs (96..256 x 1024-3072: within 0.7%
 *   either way; 256 x 2048 two pages 0.5% better on one machine); S = 3 between (52..80 x
 *   1024-3072: two pages 0.2-3.4% slower);
 * - no more blocks than SMs (split grids always; pairs <= SMs unsplit), a SM a block: the
 *   shallowest ring that keeps IN_FLIGHT bytes in flight, S = 2 under 1024 tokens (unsplit,
 *   5..16 x 2048 and 4096, 8 and 12 x 512, 12 and 16 x 16k: the best or within 1% of it at 27 of
 *   29 shapes; at 5 x, three pages 3-4% faster than the four chosen; split into 128 blocks, 1 x
 *   4k to 8 x 32k, two pages 0.8-1.7% faster than four at all seven shapes in two runs; 1 x 512
 *   in 64 blocks 0.5% slower);
 * - otherwise S = 3 (two blocks a SM).
 * d256: S = 2 (128 KB a block).
 * Where a SM holds a block, all started together, each block walks its pages in address order
 * (bucketed; "s"): the blocks then read near one another in the cache all along, where a random
 * block table spreads them over all of it (side by side, one run, 9 rounds: 8 x 32k 354.5 ->
 * 351.3 us, 12 x 16k 273.3 -> 269.9, 16 x 4k 91.2 -> 89.5; where blocks come in waves,
 * +-0.3%: not there), from 1024 tokens a block: the PDL chain's 512-token blocks were 1% slower
 * sorted (574 against 568-570 us a step), 1 x 512 to 8 x 512 level.
 * Unsplit, where a request's four KV heads a block fill 15/16 of the SMs or more in one wave
 * (64 requests of 8 KV heads: 128 blocks), a warp a head, all four walking the same pages:
 * - from 1024 tokens, sorted ("tc_h2s"): 64 x 4096 349.6-352.2 us against 354.2-358.1 with
 *   three blocks a SM in two waves (tc_w3), SDPA / ours 0.995-1.005 against 0.987-0.991, in
 *   eleven runs on as many machines; 64 x 8192 700.5-702.6 against 703.6-710.0 in seven, 64 x
 *   32k level;
 * - 8192 tokens and more, given the work area (p->work): gated walks ("tc_g4", decode.cu): the
 *   blocks' walks held within two phases of one another, four pages in flight a warp: 64 x 32k
 *   SDPA / ours 0.998-1.001 on three machines (2766-2771 us against 2801-2807 for tc_h2s and
 *   the fifth session's gated walk), 64 x 8192 level with tc_h2s (docs/kernels.md).
 * Gated walks over several rounds of items a block, where the grid of ceil(items / rounds)
 * blocks fills 15/16 of the SMs, from 16384 tokens: 256 x 32k 1.001-1.003 on four machines,
 * tc_w4 0.998-1.000 on three of them, 256 x 16k 1.002 against 1.000, 128 x 16k 1.005 against
 * 0.986; at 4096 tokens (256 x, 512 x) they went either way by machine (0.987-0.997 against
 * tc_w4's 0.993-0.995): not taken there.
 * Unsplit, a request's eight KV heads a block (tc_r2s: eight warps, a warp a head, all walking
 * the same pages, each block's by address; the 32 KB of a page's eight heads read together),
 * where those blocks are 15/16 of the SMs or more, up to 4096 tokens, d128 (side by side, one
 * run, SDPA / ours against the plan of before): 128 x 512 1.022 against 0.996, 256 x 512 1.001
 * against 0.992, 384 x 512 1.000 against 0.990, 512 x 512 0.990 against 0.986, 256 x 1024
 * 0.998 against 0.990, 256 x 2048 0.997 against 0.994, 128 x 4096 0.998 against 0.995,
 * 256 x 4096 0.996 against 0.994; 64 x 512 (64 blocks) 0.982 against 1.014: not there.
 * Before all of these, d128, given the work area: gated walks of a request's eight KV heads
 * (tc_rg2: a warp a head, two pages a warp, phases of four pages), where the grid of
 * ceil(requests / rounds) blocks fills 15/16 of the SMs, from 2048 tokens (seventh session, side
 * by side in one run against the plan of before; SDPA / ours): 256 x 4096 1.001 against
 * 0.995-0.996 (two machines), 128 x 4096 1.001-1.004 against 0.993-0.996, 256 x 32768 1.001-1.006
 * against 0.997-1.003 (tc_g4), 128 x 32768 1.009 against 1.008, 256 x 16384 1.002 against
 * 1.000, 512 x 2048 1400.8 us against 1406.1 (tc_r2s), 256 x 2048 701.4 against 702.5;
 * 256 x 1024 355.7 against 353.0: not there. */
#define MIN_SPLIT_TOKENS 64
#define LONG_CONTEXT 4096	   /* tokens a block, from which four pages in flight a warp pay */
#define MID_CONTEXT 1024	   /* tokens a block, from which a second wave of blocks shows */
#define GATED_CONTEXT 8192	   /* tokens a request, from which gated walks pay in one round */
#define GATED_ROUNDS_CONTEXT 16384 /* and over several rounds */
#define GATED_EIGHT_CONTEXT 2048   /* tokens a request, from which gated walks of eight heads pay */
/* Bytes of K and V in flight that keep DRAM streaming: about 2 us of latency times 3 TB/s
 * (H100). With a SM a block, a deeper ring than that was slower, up to 4%: 6 x 4096 best at
 * four pages a warp, 8 and 10 x 4096 at three, 12 to 16 x 2048 and 4096 at two. */
#define IN_FLIGHT (11u << 19) /* 5.5 MB */

static int one_block_a_pair(const struct kck *k, int pairs, int max_context)
{
	return pairs >= k->sm_count || (pairs * 4 >= k->sm_count && max_context <= 4096);
}

void kck_decode_plan(const struct kck *k, int batch, int num_kv_heads, int max_context, int *num_splits, int *chunk)
{
	int pairs = batch * num_kv_heads;
	int want = one_block_a_pair(k, pairs, max_context) ? 1 : k->sm_count / pairs;
	int most = (max_context + MIN_SPLIT_TOKENS - 1) / MIN_SPLIT_TOKENS;
	if (want > most)
		want = most;
	if (want > KCK_MAX_SPLITS)
		want = KCK_MAX_SPLITS;
	if (want < 1)
		want = 1;
	int c = (max_context + want - 1) / want;
	c = (c + KCK_PAGE - 1) / KCK_PAGE * KCK_PAGE;
	*chunk = c;
	*num_splits = (max_context + c - 1) / c;
}

/* Dynamic shared memory of the gated walk (decode.cu, decode_gated): S stages of a K and a V
 * page a warp, every round's walk order and the sort's input, every round's q. */
unsigned kck_gated_shared(int s, int warps, int head_dim, int group, int rounds, int chunk)
{
	unsigned cap = (unsigned)(chunk / KCK_PAGE);
	return (unsigned)s * kck_page_kv_bytes(head_dim) * (unsigned)warps +
	       (4u * (unsigned)(rounds + 1) * cap + 15) / 16 * 16 + 2u * (unsigned)(rounds * warps * group * head_dim);
}

int kck_gated_grid(const struct kck *k, int batch, int num_kv_heads, int heads_an_item, int *rounds)
{
	int items = batch * (num_kv_heads / heads_an_item);
	*rounds = items > 0 ? (items + k->sm_count - 1) / k->sm_count : 0;
	return items > 0 ? (items + *rounds - 1) / *rounds : 0;
}

/* The tensor-core decode lets the next kernel (the reduce, or the next step's first) start as
 * soon as its blocks' waits are over, unsplit or where its splits walk 4096 tokens or more, and
 * once their walks are done otherwise (side by side, seventh session, the same kernels releasing
 * early against late; SDPA / ours): 8 x 4096 1.065 against 1.044-1.045 (two machines), 8 x 32768
 * 1.005-1.009 against 1.000-1.004 (three), 4 x 32768 1.014 against 1.007, 8 x 16384 1.011
 * against 1.005, 2 x 32768 1.025 against 1.022; unsplit 8 x 512, 64 x 512, 256 x 512, 16 x 4096,
 * 32 x 4096 and 64 x 4096 level. Splits of shorter walks went either way: 1 x 512 1.546 against
 * 1.522, but 1 x 2048 to 1 x 16384 (16 splits of 128 to 1024 tokens) 1.3-2.5% slower, 2 x 4096
 * 0.6%, 1 x 1024, 2 x 512, 4 x 1024, 4 x 4096 and 1 x 32768 level. */
int kck_decode_releases_early(const struct kck_decode_params *p)
{
	return p->num_splits == 1 || p->chunk >= LONG_CONTEXT;
}

/* kck_decode launches the plan's kernel with PDL except where its grid is a request's four KV
 * heads a block (tc_h), one wave that leaves SMs idle, and walks of 4096 tokens or more. The
 * H100's SMs fall into two halves of 66 whose blocks share the memory bandwidth of their half:
 * a half that holds more blocks walks slower (64 x 4096 without PDL: 66 blocks on one half,
 * walks of 345 us, 62 on the other, 335; kernels/drift_probe.py). Launched early, the next
 * grid's blocks take the idle SMs first and then the SMs in the order they free, so that the
 * half that finished first fills up: the halves swap between 66 and 58 blocks launch after
 * launch (62 x 4096), where a launch onto an idle GPU spreads them (63 and 61). Side by side
 * (eighth session, SDPA / ours, with PDL against without): 62 x 4096 0.996 against 1.011, 64 x
 * 4096 0.998 against 1.003-1.004 (two runs; the same on four machines of the seventh session),
 * 64 x 6144 0.995 against 1.002; where no SM is idle PDL gains (66 x 4096 1.001 against 0.997),
 * and at shorter walks too (64 x 1024 1.024 against 1.017, 64 x 2048 level). The gated walks
 * (tc_g4 at 64 x 8192 and on) hold their blocks in step, so that they end together: level or
 * better with PDL there. */
int kck_decode_launch_pdl(const struct kck *k, const char *variant, const struct kck_decode_params *p)
{
	int rounds;
	if (strncmp(variant, "tc_h", 4) || p->num_splits != 1 || p->chunk < LONG_CONTEXT ||
	    p->num_kv_heads % (KCK_THREADS / 32))
		return 1;
	return !(kck_gated_grid(k, p->batch, p->num_kv_heads, KCK_THREADS / 32, &rounds) < k->sm_count && rounds == 1);
}

/* The tensor-core decode takes the caller's kv_prefetch (its first pages copied before its
 * PDL wait, while the kernel before ends) where it is unsplit and its grid has more blocks
 * than half the SMs. Side by side (eighth session, back to back, the same plan without it over
 * with; two runs on two machines): 32 x 512 1.103-1.107, 16 x 512 1.065, 48 x 512 1.037, 32 x
 * 2048 1.034, 96 x 512 1.031, 32 x 4096 1.018, 64 x 1024 1.016, 128 x 512 1.016, 16 x 4096
 * 1.015, 128 x 1024 1.010, 256 x 512 1.009-1.010, 64 x 512 1.008-1.010, 256 x 1024 1.005, 16 x
 * 16384 1.004; the long walks level. Grids of 64 blocks lost by it (8 x 1024 0.994, 8 x 4096
 * 0.997, 1 x 512 0.983: the next grid's blocks take the idle SMs at once, so that their copies
 * run beside the whole of this kernel, not in its tail), and split grids went either way (1 x
 * 2048 1.016, 1 x 4096 1.003-1.005, 1 x 32768 0.997, 2 x 512 0.994, 2 x 4096 0.997; the PDL
 * chain's step, 2 x 4096 behind the KV write, 0.5-1.8 us slower): the kernel before a split
 * decode is a reduce or a KV write, short and latency-bound, which the copies slow. */
int kck_decode_prefetches(const struct kck *k, int num_splits, int blocks)
{
	return num_splits == 1 && 2 * blocks > k->sm_count;
}

int kck_variant_gated(const char *variant)
{
	return strncmp(variant, "tc_g", 4) == 0 || strncmp(variant, "tc_rg", 5) == 0;
}

/* Whether a gated walk of heads_an_item heads an item, `stages` pages a warp, can run p from
 * min_context tokens on: one split, the work area, a grid that fills 15/16 of the SMs or more in
 * at most KCK_GATED_MAX_ROUNDS rounds (min_rounds_context from a second round), walks the sort
 * takes, and its shared memory (and 9 KB of the kernel's own) within a block's. */
static int gated_fits(const struct kck *k, int head_dim, int group, const struct kck_decode_params *p,
		      int heads_an_item, int stages, int min_context, int min_rounds_context)
{
	int rounds;
	if (p->num_splits != 1 || !p->work || p->num_kv_heads % heads_an_item)
		return 0;
	int blocks = kck_gated_grid(k, p->batch, p->num_kv_heads, heads_an_item, &rounds);
	return blocks && 16 * blocks >= 15 * k->sm_count && rounds <= KCK_GATED_MAX_ROUNDS &&
	       p->chunk >= (rounds == 1 ? min_context : min_rounds_context) &&
	       p->chunk / KCK_PAGE <= KCK_SORT_MAX_PAGES &&
	       kck_gated_shared(stages, heads_an_item, head_dim, group, rounds, p->chunk) + 9 * 1024 <=
		   (unsigned)k->smem_per_block;
}

/* The kernel the plan runs, by the rules above. */
const char *kck_decode_choice(const struct kck *k, int head_dim, int group, const struct kck_decode_params *p)
{
	int pairs = p->batch * p->num_kv_heads, sms = k->sm_count;
	/* Gated walks of a request's eight KV heads (tc_rg2, d128), then of four (tc_g4; d256 tc_g2). */
	if (head_dim == 128 &&
	    gated_fits(k, head_dim, group, p, KCK_MAX_WARPS, 2, GATED_EIGHT_CONTEXT, GATED_EIGHT_CONTEXT))
		return "tc_rg2";
	const int four = KCK_THREADS / 32, stages = head_dim == 256 ? 2 : 4;
	if (gated_fits(k, head_dim, group, p, four, stages, GATED_CONTEXT, GATED_ROUNDS_CONTEXT))
		return head_dim == 256 ? "tc_g2" : "tc_g4";
	/* A request's four KV heads a block, a warp each, sorted (tc_h2s), where those blocks fill
	 * the SMs (15/16 of them or more) in one wave, from 1024 tokens. */
	int rounds = 0,
	    blocks = p->num_kv_heads % four ? 0 : kck_gated_grid(k, p->batch, p->num_kv_heads, four, &rounds);
	if (p->num_splits == 1 && rounds == 1 && 16 * blocks >= 15 * sms && p->chunk >= MID_CONTEXT)
		return "tc_h2s";
	/* A request's eight KV heads a block, a warp each, sorted (tc_r2s), where those blocks are
	 * 15/16 of the SMs or more, up to 4096 tokens (d128: two pages a warp, 128 KB a block). */
	int requests = p->num_kv_heads % KCK_MAX_WARPS ? 0 : pairs / KCK_MAX_WARPS;
	if (p->num_splits == 1 && head_dim == 128 && 16 * requests >= 15 * sms && p->chunk <= LONG_CONTEXT)
		return "tc_r2s";
	/* A SM a block (split grids always): the shallowest ring that keeps enough in flight,
	 * stage = a K and a V page for every warp of the grid; the pages walked in address order
	 * ("s"), all blocks started together. */
	if (pairs * p->num_splits <= sms) {
		unsigned stage = (unsigned)(pairs * p->num_splits) * (KCK_THREADS / 32) * kck_page_kv_bytes(head_dim);
		if (p->chunk < MID_CONTEXT)
			return "tc_w2"; /* a short walk: sorting it costs more than it gives */
		if (head_dim == 256 || 2 * stage >= IN_FLIGHT)
			return "tc_w2s";
		return 3 * stage >= IN_FLIGHT ? "tc_w3s" : "tc_w4s";
	}
	if (head_dim == 256)
		return "tc_w2";
	if (pairs >= 4 * sms && p->chunk >= LONG_CONTEXT)
		return "tc_w4";
	if (p->chunk < MID_CONTEXT)
		return 2 * pairs > 7 * sms ? "tc_w2" : "tc_w3";
	if (pairs >= 5 * sms || (pairs > 2 * sms && pairs <= 3 * sms))
		return "tc_w2"; /* 2..3 x: one wave at three blocks a SM, two waves at two */
	return "tc_w3";
}
