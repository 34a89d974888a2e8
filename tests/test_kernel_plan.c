/* test_kernel_plan.c - the reference decode's launch plan (kernels/kc_plan.c): the splits and the
 * kernel it picks for the benchmark's shapes on an H100 (132 SMs, 228 KB of shared memory a SM),
 * as docs/kernels.md reports them measured, and where its rules turn (work area, head count,
 * SM count, shared memory). No GPU: the plan reads only the sizes and struct kck. */
#include <criterion/criterion.h>
#include <string.h>

#include "../kernels/kc_kernels.h"

static struct kck h100(void)
{
	struct kck k;
	memset(&k, 0, sizeof(k));
	k.sm_count = 132;
	k.smem_per_sm = 233472;
	k.smem_per_block = 232448;
	k.cc_major = 9;
	return k;
}

static int work_area; /* the plan only asks whether there is one */

/* The plan for batch x context (8 KV heads unless said, d128 g4): its kernel, and its splits. */
static const char *choice(const struct kck *k, int batch, int heads, int ctx, int head_dim,
			  int with_work, int *splits)
{
	struct kck_decode_params p;
	memset(&p, 0, sizeof(p));
	p.batch = batch;
	p.num_kv_heads = heads;
	kck_decode_plan(k, batch, heads, ctx, &p.num_splits, &p.chunk);
	p.work = with_work ? &work_area : NULL;
	if (splits)
		*splits = p.num_splits;
	return kck_decode_choice(k, head_dim, 4, &p);
}

Test(kernel_plan, benchmark_shapes_as_measured)
{
	struct kck k = h100();
	static const struct {
		int batch, ctx, splits;
		const char *kernel;
	} want[] = {
	    {1, 512, 8, "tc_w2"},    {1, 4096, 16, "tc_w2"},   {1, 32768, 16, "tc_w2s"},
	    {8, 512, 1, "tc_w2"},    {8, 4096, 1, "tc_w3s"},   {8, 32768, 2, "tc_w2s"},
	    {64, 512, 1, "tc_w2"},   {64, 4096, 1, "tc_h2s"},  {64, 32768, 1, "tc_g4"},
	    {256, 512, 1, "tc_r2s"}, {256, 4096, 1, "tc_rg2"}, {256, 32768, 1, "tc_rg2"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int splits = 0;
		const char *got = choice(&k, want[i].batch, 8, want[i].ctx, 128, 1, &splits);
		cr_expect_eq(splits, want[i].splits, "%d x %d: %d splits, want %d", want[i].batch,
			     want[i].ctx, splits, want[i].splits);
		cr_expect_str_eq(got, want[i].kernel, "%d x %d: %s, want %s", want[i].batch,
				 want[i].ctx, got, want[i].kernel);
	}
}

Test(kernel_plan, gated_walks_with_a_work_area_from_8192_tokens_in_one_round_16384_in_several)
{
	struct kck k = h100();
	cr_expect_str_eq(choice(&k, 64, 8, 32768, 128, 1, NULL), "tc_g4");
	cr_expect_str_eq(choice(&k, 64, 8, 32768, 128, 0, NULL), "tc_h2s",
			 "no work area: a warp a head, sorted");
	cr_expect_str_eq(choice(&k, 64, 8, 8192, 128, 1, NULL), "tc_g4");
	cr_expect_str_eq(choice(&k, 64, 8, 8176, 128, 1, NULL), "tc_h2s",
			 "a page under 8192 (chunks are whole pages)");
	cr_expect_str_eq(choice(&k, 64, 8, 32768, 256, 1, NULL), "tc_g2", "d256: two pages a warp");
	/* several rounds of items a block (128 blocks of two or four items) from 16384 tokens;
	 * four KV heads a request, where there are no items of eight */
	cr_expect_str_eq(choice(&k, 256, 4, 16384, 128, 1, NULL), "tc_g4");
	cr_expect_str_eq(choice(&k, 512, 4, 16384, 128, 1, NULL), "tc_g4");
	cr_expect_str_eq(choice(&k, 512, 4, 16368, 128, 1, NULL), "tc_w4", "a page under 16384");
	cr_expect_str_eq(choice(&k, 512, 4, 8192, 128, 1, NULL), "tc_w4");
	cr_expect_str_eq(choice(&k, 512, 4, 32768, 128, 0, NULL), "tc_w4", "no work area");
	cr_expect_str_neq(choice(&k, 200, 4, 32768, 128, 1, NULL), "tc_g4",
			  "200 items: two rounds of 100 blocks, under 15/16 of the SMs");
	/* eight rounds of 2048-page walks do not fit a block's shared memory; 9 x 32 KB of
	 * orders and 32 KB of q past the rings */
	cr_expect_str_eq(choice(&k, 1024, 4, 4096 * 5, 128, 1, NULL), "tc_g4");
	cr_expect_str_neq(choice(&k, 1024, 4, 32768, 128, 1, NULL), "tc_g4");
	/* the gated walk's shared memory must fit a block */
	k.smem_per_block = 100 * 1024;
	cr_expect_str_eq(choice(&k, 64, 8, 32768, 128, 1, NULL), "tc_h2s");
}

Test(kernel_plan, a_warp_a_head_only_where_its_blocks_fill_one_wave)
{
	struct kck k = h100();
	cr_expect_str_eq(choice(&k, 62, 8, 4096, 128, 1, NULL), "tc_h2s",
			 "124 blocks on 132 SMs: 15/16 and more");
	cr_expect_str_neq(choice(&k, 60, 8, 4096, 128, 1, NULL), "tc_h2s", "120 blocks: too few");
	cr_expect_str_neq(choice(&k, 68, 8, 4096, 128, 1, NULL), "tc_h2s",
			  "136 blocks: a second wave");
	cr_expect_str_neq(choice(&k, 64, 8, 512, 128, 1, NULL), "tc_h2s", "under 1024 tokens");
	/* KV heads not in fours: a warp a page, whatever the batch */
	cr_expect_eq(strncmp(choice(&k, 86, 6, 4096, 128, 1, NULL), "tc_w", 4), 0);
	/* a GPU of half the SMs: 64 x 4096 is two waves of such blocks there, and one of blocks of
	 * a request's eight heads (gated given the work area) */
	k.sm_count = 66;
	cr_expect_str_eq(choice(&k, 64, 8, 4096, 128, 0, NULL), "tc_r2s");
	cr_expect_str_eq(choice(&k, 64, 8, 4096, 128, 1, NULL), "tc_rg2");
}

Test(kernel_plan, eight_heads_a_block_where_requests_fill_the_sms_up_to_4096_tokens)
{
	struct kck k = h100();
	cr_expect_str_eq(choice(&k, 124, 8, 512, 128, 1, NULL), "tc_r2s",
			 "124 blocks: 15/16 of 132");
	cr_expect_str_eq(choice(&k, 512, 8, 2048, 128, 0, NULL), "tc_r2s",
			 "no work area: not gated");
	cr_expect_str_eq(choice(&k, 512, 8, 2032, 128, 1, NULL), "tc_r2s");
	cr_expect_str_neq(choice(&k, 120, 8, 512, 128, 1, NULL), "tc_r2s", "120 blocks: too few");
	cr_expect_str_neq(choice(&k, 64, 8, 512, 128, 1, NULL), "tc_r2s");
	cr_expect_str_neq(choice(&k, 256, 8, 4112, 128, 0, NULL), "tc_r2s", "past 4096 tokens");
	cr_expect_str_neq(choice(&k, 256, 8, 512, 64, 1, NULL), "tc_r2s", "d64: not measured");
	cr_expect_str_neq(choice(&k, 256, 8, 512, 256, 1, NULL), "tc_r2s", "d256: does not fit");
	cr_expect_str_neq(choice(&k, 512, 4, 512, 128, 1, NULL), "tc_r2s",
			  "four KV heads: no eight");
	/* a block a request's eight heads: 16 heads make two blocks a request */
	cr_expect_str_eq(choice(&k, 62, 16, 512, 128, 1, NULL), "tc_r2s");
}

Test(kernel_plan, gated_walks_of_eight_heads_from_2048_tokens_where_their_grid_fills_the_sms)
{
	struct kck k = h100();
	cr_expect_str_eq(choice(&k, 256, 8, 2048, 128, 1, NULL), "tc_rg2",
			 "two rounds of 128 blocks");
	cr_expect_str_eq(choice(&k, 256, 8, 2032, 128, 1, NULL), "tc_r2s", "a page under 2048");
	cr_expect_str_eq(choice(&k, 132, 8, 8192, 128, 1, NULL), "tc_rg2", "one round");
	cr_expect_str_eq(choice(&k, 128, 16, 4096, 128, 1, NULL), "tc_rg2",
			 "16 heads: two items a request");
	cr_expect_str_eq(choice(&k, 256, 8, 4096, 128, 0, NULL), "tc_r2s", "no work area");
	cr_expect_str_eq(choice(&k, 256, 8, 32768, 128, 0, NULL), "tc_w4", "no work area");
	cr_expect_str_neq(choice(&k, 100, 8, 32768, 128, 1, NULL), "tc_rg2", "100 blocks: too few");
	cr_expect_str_neq(choice(&k, 200, 8, 4096, 128, 1, NULL), "tc_rg2",
			  "two rounds of 100 blocks: too few");
	cr_expect_str_neq(choice(&k, 256, 8, 4096, 64, 1, NULL), "tc_rg2", "d128 only");
	cr_expect_str_neq(choice(&k, 256, 4, 4096, 128, 1, NULL), "tc_rg2",
			  "four KV heads: no eight");
	/* eight rounds: 128 KB of rings and 64 KB of q, with 9 x 2 KB of orders of 512-page walks
	 * (8192 tokens) in a block's shared memory, not with 9 x 4 KB (16384) */
	cr_expect_str_eq(choice(&k, 1024, 8, 8192, 128, 1, NULL), "tc_rg2");
	cr_expect_str_neq(choice(&k, 1024, 8, 16384, 128, 1, NULL), "tc_rg2", "does not fit");
	cr_expect_str_neq(choice(&k, 2048, 8, 4096, 128, 1, NULL), "tc_rg2", "16 rounds");
}

Test(kernel_plan, gated_variants_are_named_tc_g_and_tc_rg)
{
	cr_expect(kck_variant_gated("tc_g4"));
	cr_expect(kck_variant_gated("tc_rg2"));
	cr_expect(!kck_variant_gated("tc_r2s"), "eight heads a block, not gated");
	cr_expect(!kck_variant_gated("tc_h2s"));
	cr_expect(!kck_variant_gated("tc_w4"));
}

Test(kernel_plan, decode_releases_the_next_kernel_early_unsplit_or_from_4096_tokens_a_split)
{
	struct kck k = h100();
	static const struct {
		int batch, ctx, early;
	} want[] = {
	    {8, 4096, 1}, {8, 32768, 1}, {256, 512, 1}, {64, 512, 1}, {2, 32768, 1},
	    {1, 512, 0},  {1, 4096, 0},	 {1, 32768, 0}, {2, 4096, 0},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct kck_decode_params p;
		memset(&p, 0, sizeof(p));
		p.batch = want[i].batch;
		p.num_kv_heads = 8;
		kck_decode_plan(&k, p.batch, 8, want[i].ctx, &p.num_splits, &p.chunk);
		cr_expect_eq(kck_decode_releases_early(&p), want[i].early,
			     "%d x %d (%d splits of %d): %d", want[i].batch, want[i].ctx,
			     p.num_splits, p.chunk, want[i].early);
	}
}

Test(kernel_plan, pdl_except_a_warp_a_head_in_one_wave_leaving_sms_idle_from_4096_tokens)
{
	struct kck k = h100();
	static const struct {
		int batch, ctx, work, pdl;
	} want[] = {
	    {64, 4096, 1, 0}, {62, 4096, 1, 0},	 {64, 6144, 1, 0},  {64, 8192, 0, 0}, /* tc_h2s */
	    {66, 4096, 1, 1},					    /* 132 blocks: no SM idle */
	    {64, 2048, 1, 1}, {64, 1024, 1, 1},			    /* shorter walks */
	    {64, 8192, 1, 1}, {64, 32768, 1, 1}, {256, 4096, 1, 1}, /* gated walks */
	    {8, 4096, 1, 1},  {1, 32768, 1, 1},	 {256, 512, 1, 1},  {8, 512, 1, 1},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct kck_decode_params p;
		memset(&p, 0, sizeof(p));
		p.batch = want[i].batch;
		p.num_kv_heads = 8;
		p.work = want[i].work ? &work_area : NULL;
		kck_decode_plan(&k, p.batch, 8, want[i].ctx, &p.num_splits, &p.chunk);
		const char *var = kck_decode_choice(&k, 128, 4, &p);
		cr_expect_eq(kck_decode_launch_pdl(&k, var, &p), want[i].pdl,
			     "%d x %d (%s): PDL %d", want[i].batch, want[i].ctx, var, want[i].pdl);
	}
	/* the same grids on a GPU of 128 SMs: none idle */
	k.sm_count = 128;
	struct kck_decode_params p;
	memset(&p, 0, sizeof(p));
	p.batch = 64;
	p.num_kv_heads = 8;
	p.num_splits = 1;
	p.chunk = 4096;
	cr_expect(kck_decode_launch_pdl(&k, "tc_h2s", &p), "128 blocks on 128 SMs");
}

Test(kernel_plan, kv_prefetch_unsplit_where_the_grid_has_more_blocks_than_half_the_sms)
{
	struct kck k = h100();
	cr_expect(kck_decode_prefetches(&k, 1, 128), "16 x 512: 128 blocks");
	cr_expect(kck_decode_prefetches(&k, 1, 67));
	cr_expect(kck_decode_prefetches(&k, 1, 2048), "64 x 512 in waves");
	cr_expect(!kck_decode_prefetches(&k, 1, 66), "half the SMs");
	cr_expect(!kck_decode_prefetches(&k, 1, 64), "8 x 4096: 64 blocks");
	cr_expect(!kck_decode_prefetches(&k, 8, 128),
		  "2 x 4096 in 8 splits: a reduce before and after");
	cr_expect(!kck_decode_prefetches(&k, 2, 256));
	k.sm_count = 78;
	cr_expect(!kck_decode_prefetches(&k, 1, 39), "half of another GPU's SMs");
	cr_expect(kck_decode_prefetches(&k, 1, 40));
}

Test(kernel_plan, gated_grid_is_rounds_of_no_more_blocks_than_sms)
{
	struct kck k = h100();
	int rounds = -1;
	cr_expect_eq(kck_gated_grid(&k, 64, 8, 4, &rounds), 128,
		     "64 x 8 heads: 128 items, one round");
	cr_expect_eq(rounds, 1);
	cr_expect_eq(kck_gated_grid(&k, 256, 8, 4, &rounds), 128, "512 items: four rounds of 128");
	cr_expect_eq(rounds, 4);
	cr_expect_eq(kck_gated_grid(&k, 263, 8, 4, &rounds), 132,
		     "526 items: four rounds, 132 blocks");
	cr_expect_eq(rounds, 4);
	cr_expect_eq(kck_gated_grid(&k, 4, 2, 4, &rounds), 0, "fewer than four KV heads: no items");
	cr_expect_eq(rounds, 0);
	/* a request's eight heads an item ("tc_rg") */
	cr_expect_eq(kck_gated_grid(&k, 256, 8, 8, &rounds), 128, "256 items: two rounds of 128");
	cr_expect_eq(rounds, 2);
	cr_expect_eq(kck_gated_grid(&k, 100, 16, 8, &rounds), 100, "200 items: two rounds of 100");
	cr_expect_eq(rounds, 2);
}

Test(kernel_plan, gated_shared_memory_counts_every_part)
{
	/* three stages of 8 KB for four warps, four rounds of 257-int orders (the ids and the
	 * sort's input, 16-byte aligned), four rounds of four warps' q (4 x 128 16-bit values) */
	unsigned want = 3 * 8192 * 4 + (4 * 5 * 256 + 15) / 16 * 16 + 2 * 4 * 4 * 4 * 128;
	cr_expect_eq(kck_gated_shared(3, 4, 128, 4, 4, 4096), want);
	/* eight warps, two rounds: twice the rings, twice the q a round */
	want = 3 * 8192 * 8 + (4 * 3 * 256 + 15) / 16 * 16 + 2 * 2 * 8 * 4 * 128;
	cr_expect_eq(kck_gated_shared(3, 8, 128, 4, 2, 4096), want);
	cr_expect_eq(kck_page_kv_bytes(128), 8192u);
}
