/* check_kernels.c - correctness of the reference kernels against a CPU reference in double.
 *
 * Random inputs (never zeros), ragged context lengths including 1 and non-multiples of the
 * page size, pages in random order, outputs poisoned (all-ones bytes: NaN in fp16 and bf16)
 * before each run so an unwritten element fails; relative error per output row within the
 * type's bounds; NaN never passes. `check_kernels --quick` runs small shapes only (for
 * compute-sanitizer). Exit status 0 when every check passes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_kernels.h"

static int failures, checks;
#define CK KCK_CHECK

/* ---- numbers: xorshift, fp16, bf16, fp8-e4m3 on the host ----------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uniform(double lo, double hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (hi - lo) * (double)(rng >> 11) / 9007199254740992.0;
}

static uint16_t f2h(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000, mant = x & 0x7fffff;
	int exp = (int)((x >> 23) & 0xff) - 127 + 15;
	if (exp >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) { /* subnormal: round to nearest even */
		if (exp < -10)
			return (uint16_t)sign;
		mant |= 0x800000;
		int shift = 14 - exp;
		uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
		if (rem > half || (rem == half && (h & 1)))
			h++;
		return (uint16_t)(sign | h);
	}
	uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
	uint32_t rem = mant & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;
	return (uint16_t)h;
}

static float h2f(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, x;
	if (exp == 0) {
		float f = ldexpf((float)mant, -24);
		return sign ? -f : f;
	}
	if (exp == 31)
		x = sign | 0x7f800000 | (mant << 13);
	else
		x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
	float f;
	memcpy(&f, &x, 4);
	return f;
}

static uint16_t f2bf(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}

static float bf2f(uint16_t b)
{
	uint32_t x = (uint32_t)b << 16;
	float f;
	memcpy(&f, &x, 4);
	return f;
}

/* e4m3 (bias 7, max 448, no inf), decoded */
static float e4m3_to_f(uint8_t v)
{
	int s = v >> 7, e = (v >> 3) & 0xf, m = v & 7;
	if (e == 15 && m == 7)
		return NAN;
	float f = e == 0 ? ldexpf((float)m, -9) : ldexpf(1.f + (float)m / 8.f, e - 7);
	return s ? -f : f;
}

static uint16_t enc(float f, int bf16) { return bf16 ? f2bf(f) : f2h(f); }
static float dec(uint16_t v, int bf16) { return bf16 ? bf2f(v) : h2f(v); }

/* ---- device buffers --------------------------------------------------------------------------- */

static CUdeviceptr upload(const void *p, size_t n)
{
	CUdeviceptr d;
	CK(cuMemAlloc(&d, n ? n : 16));
	if (n)
		CK(cuMemcpyHtoD(d, p, n));
	return d;
}

static CUdeviceptr poisoned(size_t n)
{
	CUdeviceptr d;
	CK(cuMemAlloc(&d, n));
	CK(cuMemsetD8(d, 0xff, n));
	return d;
}

/* ---- decode ------------------------------------------------------------------------------------ */

struct decode_case {
	int batch, kv_heads, group, dim, bf16;
	const int *lens;
	int force_splits;    /* 0: the plan's */
	const char *variant; /* NULL: the default */
	int with_kv_write;   /* the chain: write the last token first, PDL between */
	int pdl;
};

static void check_decode(const struct kck *k, const struct decode_case *c)
{
	const char *only = getenv("KCK_CHECK_VARIANT"); /* the checks of one variant only */
	if (only && (!c->variant || strcmp(c->variant, only) != 0))
		return;
	const int B = c->batch, HK = c->kv_heads, G = c->group, D = c->dim, H = HK * G;
	int max_len = 0, total_pages = 0;
	for (int b = 0; b < B; b++) {
		if (c->lens[b] > max_len)
			max_len = c->lens[b];
		total_pages += (c->lens[b] + KCK_PAGE - 1) / KCK_PAGE;
	}
	const int bt_stride = (max_len + KCK_PAGE - 1) / KCK_PAGE;
	const int num_pages = total_pages + 3; /* a few pages nobody uses */
	/* pages in random order */
	int *perm = malloc(sizeof(int) * (size_t)num_pages);
	for (int i = 0; i < num_pages; i++)
		perm[i] = i;
	for (int i = num_pages - 1; i > 0; i--) {
		int j = (int)uniform(0, i + 1);
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	int32_t *bt = calloc((size_t)B * bt_stride, sizeof(int32_t));
	for (int b = 0, next = 0; b < B; b++)
		for (int p = 0; p < (c->lens[b] + KCK_PAGE - 1) / KCK_PAGE; p++)
			bt[(size_t)b * bt_stride + p] = perm[next++];
	size_t cache_elems = (size_t)num_pages * HK * KCK_PAGE * D;
	uint16_t *kc = malloc(cache_elems * 2), *vc = malloc(cache_elems * 2), *q = malloc((size_t)B * H * D * 2);
	for (size_t i = 0; i < cache_elems; i++) {
		kc[i] = enc((float)uniform(-1, 1), c->bf16);
		vc[i] = enc((float)uniform(-1, 1), c->bf16);
	}
	for (size_t i = 0; i < (size_t)B * H * D; i++)
		q[i] = enc((float)uniform(-2, 2), c->bf16);
	/* the new token of each request, written by the chain's first kernel */
	uint16_t *kn = malloc((size_t)B * HK * D * 2), *vn = malloc((size_t)B * HK * D * 2);
	for (size_t i = 0; i < (size_t)B * HK * D; i++) {
		kn[i] = enc((float)uniform(-1, 1), c->bf16);
		vn[i] = enc((float)uniform(-1, 1), c->bf16);
	}
	CUdeviceptr dk = upload(kc, cache_elems * 2), dv = upload(vc, cache_elems * 2),
		    dq = upload(q, (size_t)B * H * D * 2);
	CUdeviceptr dbt = upload(bt, (size_t)B * bt_stride * 4), dl = upload(c->lens, (size_t)B * 4);
	CUdeviceptr dout = poisoned((size_t)B * H * D * 2);
	/* gated walks: launched twice back to back (PDL), the second reading the work area the
	 * first left, into a second output */
	const int twice = c->variant && kck_variant_gated(c->variant);
	CUdeviceptr dout2 = poisoned((size_t)B * H * D * 2);
	int splits, chunk;
	kck_decode_plan(k, B, HK, max_len, &splits, &chunk);
	if (c->force_splits) {
		splits = c->force_splits;
		chunk = ((max_len + splits - 1) / splits + KCK_PAGE - 1) / KCK_PAGE * KCK_PAGE;
		splits = (max_len + chunk - 1) / chunk;
	}
	/* gated walks: one work area for every case, so that each case also checks that the launches
	 * before left it ready */
	static CUdeviceptr work;
	if (!work) {
		CK(cuMemAlloc(&work, KCK_WORK_BYTES));
		CK(cuMemsetD8(work, 0, KCK_WORK_BYTES));
	}
	CUdeviceptr dacc = poisoned((size_t)B * H * splits * D * 4), dml = poisoned((size_t)B * H * splits * 8);
	struct kck_decode_params p = {(void *)dq,
				      (void *)dk,
				      (void *)dv,
				      (int32_t *)dbt,
				      (int32_t *)dl,
				      (void *)dout,
				      (float *)dacc,
				      (float *)dml,
				      B,
				      HK,
				      bt_stride,
				      splits,
				      chunk,
				      (float)(1.0 / sqrt((double)D) * 1.4426950408889634),
				      0,
				      (void *)work,
				      0,
				      0};
	enum kck_dtype dt = c->bf16 ? KCK_BF16 : KCK_F16;
	if (c->with_kv_write) {
		CUdeviceptr dkn = upload(kn, (size_t)B * HK * D * 2), dvn = upload(vn, (size_t)B * HK * D * 2);
		struct kck_kv_write_params w = {(void *)dkn,   (void *)dvn, (void *)dk, (void *)dv, (int32_t *)dbt,
						(int32_t *)dl, B,	    HK,		bt_stride,  D};
		CK(kck_kv_write(k, dt, &w, NULL, c->pdl));
		p.kv_prefetch = 1; /* the write adds each request's last token: the rest may be read before the wait */
		if (c->variant)
			CK(kck_decode_variant(k, dt, D, G, c->variant, &p, NULL, c->pdl));
		else
			CK(kck_decode(k, dt, D, G, &p, NULL, c->pdl));
		/* the host copy gets the same new token */
		for (int b = 0; b < B; b++) {
			int pos = c->lens[b] - 1;
			int page = bt[(size_t)b * bt_stride + pos / KCK_PAGE];
			for (int h = 0; h < HK; h++)
				for (int d = 0; d < D; d++) {
					size_t o = (((size_t)page * HK + h) * KCK_PAGE + pos % KCK_PAGE) * D + d;
					kc[o] = kn[((size_t)b * HK + h) * D + d];
					vc[o] = vn[((size_t)b * HK + h) * D + d];
				}
		}
		cuMemFree(dkn);
		cuMemFree(dvn);
	} else if (c->variant) {
		CK(kck_decode_variant(k, dt, D, G, c->variant, &p, NULL, c->pdl));
		if (twice) { /* again at once, into a second output, started early behind the first */
			struct kck_decode_params p2 = p;
			p2.out = (void *)dout2;
			CK(kck_decode_variant(k, dt, D, G, c->variant, &p2, NULL, 1));
		}
	} else {
		CK(kck_decode(k, dt, D, G, &p, NULL, c->pdl));
	}
	CK(cuCtxSynchronize());
	uint16_t *out = malloc((size_t)B * H * D * 2 * 2), *out2 = out + (size_t)B * H * D;
	CK(cuMemcpyDtoH(out, dout, (size_t)B * H * D * 2));
	CK(cuMemcpyDtoH(out2, dout2, (size_t)B * H * D * 2));
	/* reference in double from the rounded inputs */
	double worst = 0;
	int nan = 0;
	double *s = malloc(sizeof(double) * (size_t)max_len), *ref = malloc(sizeof(double) * (size_t)D);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < H; h++) {
			int kvh = h / G;
			double mx = -1e300;
			for (int t = 0; t < c->lens[b]; t++) {
				size_t o = (((size_t)bt[(size_t)b * bt_stride + t / KCK_PAGE] * HK + kvh) * KCK_PAGE +
					    t % KCK_PAGE) *
					   D;
				double dot = 0;
				for (int d = 0; d < D; d++)
					dot += (double)dec(q[((size_t)b * H + h) * D + d], c->bf16) *
					       dec(kc[o + d], c->bf16);
				s[t] = dot / sqrt((double)D);
				if (s[t] > mx)
					mx = s[t];
			}
			double sum = 0;
			memset(ref, 0, sizeof(double) * (size_t)D);
			for (int t = 0; t < c->lens[b]; t++) {
				double w = exp(s[t] - mx);
				sum += w;
				size_t o = (((size_t)bt[(size_t)b * bt_stride + t / KCK_PAGE] * HK + kvh) * KCK_PAGE +
					    t % KCK_PAGE) *
					   D;
				for (int d = 0; d < D; d++)
					ref[d] += w * dec(vc[o + d], c->bf16);
			}
			for (int o = 0; o < 1 + twice; o++) {
				const uint16_t *got = o ? out2 : out;
				double num = 0, den = 0;
				for (int d = 0; d < D; d++) {
					double r = ref[d] / sum, g = dec(got[((size_t)b * H + h) * D + d], c->bf16);
					if (isnan(g))
						nan++;
					num += (g - r) * (g - r);
					den += r * r;
				}
				double rel = sqrt(num / (den > 0 ? den : 1e-30));
				if (rel > worst || isnan(rel))
					worst = isnan(rel) ? INFINITY : rel;
			}
		}
	double bound = c->bf16 ? 1.6e-2 : 3e-3;
	int ok = !nan && worst <= bound;
	checks++;
	failures += !ok;
	printf("%s decode %s d%d g%d batch %d kv_heads %d splits %d%s%s%s%s: max rel err %.2e (bound %.0e)%s\n",
	       ok ? "PASS" : "FAIL", c->bf16 ? "bf16" : "f16", D, G, B, HK, splits, c->variant ? " variant " : "",
	       c->variant ? c->variant : "", twice ? " (twice, PDL)" : "",
	       c->with_kv_write
		   ? (c->pdl ? " after kv_write, PDL, kv_prefetch set" : " after kv_write, kv_prefetch set")
		   : "",
	       worst, bound, nan ? " NaN in output" : "");
	cuMemFree(dk);
	cuMemFree(dv);
	cuMemFree(dq);
	cuMemFree(dbt);
	cuMemFree(dl);
	cuMemFree(dout);
	cuMemFree(dout2);
	cuMemFree(dacc);
	cuMemFree(dml);
	free(perm);
	free(bt);
	free(kc);
	free(vc);
	free(q);
	free(kn);
	free(vn);
	free(out);
	free(s);
	free(ref);
}

/* ---- MLA KV write ------------------------------------------------------------------------------ */

static void check_mla(const struct kck *k, int tokens, int fp8, int pdl)
{
	const int slots_n = tokens * 3 + 5, nope_stride = KCK_MLA_NOPE + 8, rope_stride = KCK_MLA_ROPE;
	uint16_t *nope = malloc((size_t)tokens * nope_stride * 2), *rope = malloc((size_t)tokens * rope_stride * 2);
	for (size_t i = 0; i < (size_t)tokens * nope_stride; i++)
		nope[i] = f2bf((float)uniform(-3, 3));
	for (size_t i = 0; i < (size_t)tokens * rope_stride; i++)
		rope[i] = f2bf((float)uniform(-3, 3));
	int64_t *slots = malloc(sizeof(int64_t) * (size_t)tokens);
	for (int t = 0; t < tokens; t++)
		slots[t] = (int64_t)t * 3 + 1 + (t % 2); /* scattered, distinct */
	size_t row = (size_t)KCK_MLA_ROW * (fp8 ? 1 : 2);
	CUdeviceptr dn = upload(nope, (size_t)tokens * nope_stride * 2),
		    dr = upload(rope, (size_t)tokens * rope_stride * 2);
	CUdeviceptr ds = upload(slots, sizeof(int64_t) * (size_t)tokens), dbuf = poisoned(row * (size_t)slots_n);
	float scale = 0.05f;
	struct kck_mla_write_params p = {(void *)dn, (void *)dr,  (int64_t *)ds, (void *)dbuf,
					 tokens,     nope_stride, rope_stride,	 1.f / scale};
	CK(kck_mla_write(k, fp8, &p, NULL, pdl));
	CK(cuCtxSynchronize());
	uint8_t *buf = malloc(row * (size_t)slots_n);
	CK(cuMemcpyDtoH(buf, dbuf, row * (size_t)slots_n));
	int bad = 0, touched_wrong = 0;
	char *written = calloc((size_t)slots_n, 1);
	for (int t = 0; t < tokens; t++) {
		written[slots[t]] = 1;
		for (int c = 0; c < KCK_MLA_ROW; c++) {
			uint16_t src = c < KCK_MLA_NOPE ? nope[(size_t)t * nope_stride + c]
							: rope[(size_t)t * rope_stride + c - KCK_MLA_NOPE];
			if (!fp8) {
				uint16_t got;
				memcpy(&got, buf + (size_t)slots[t] * row + (size_t)c * 2, 2);
				bad += got != src;
			} else {
				float want = bf2f(src) / scale;
				if (want > 448)
					want = 448;
				if (want < -448)
					want = -448;
				float got = e4m3_to_f(buf[(size_t)slots[t] * row + c]);
				/* within half an e4m3 step (3 mantissa bits) of the exact value */
				float tol = fabsf(want) * 0.0625f + ldexpf(1, -10);
				bad += !(fabsf(got - want) <= tol);
			}
		}
	}
	for (int sl = 0; sl < slots_n; sl++)
		if (!written[sl])
			for (size_t i = 0; i < row; i++)
				touched_wrong += buf[(size_t)sl * row + i] != 0xff;
	int ok = !bad && !touched_wrong;
	checks++;
	failures += !ok;
	printf("%s mla_write %s tokens %d%s: %d wrong values, %d bytes written outside the slots\n",
	       ok ? "PASS" : "FAIL", fp8 ? "fp8-e4m3" : "bf16", tokens, pdl ? " PDL" : "", bad, touched_wrong);
	cuMemFree(dn);
	cuMemFree(dr);
	cuMemFree(ds);
	cuMemFree(dbuf);
	free(nope);
	free(rope);
	free(slots);
	free(buf);
	free(written);
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0); /* a line a check: a run stopped by a time limit keeps what it did */
	const char *cubin = getenv("KCK_CUBIN");
	struct kck k;
	CK(kck_open(&k, cubin ? cubin : "build/kernels/kc_kernels.cubin"));
	printf("device: sm_%d%d, %d SMs, PDL %s\n", k.cc_major, k.cc_minor, k.sm_count, k.pdl ? "yes" : "no");
	static const int ragged[] = {1, 15, 16, 17, 333, 2049};
	static const int small[] = {1, 17, 200}; /* 200: split in four, so the reduce runs too */
	const int *lens = quick ? small : ragged;
	int batch = quick ? 3 : 6;
	for (int bf = 0; bf < 2; bf++)
		for (int d = 64; d <= 256; d *= 2)
			for (int g = 1; g <= 8; g *= 2) {
				struct decode_case c = {batch, 2, g, d, bf, lens, 0, NULL, 0, 1};
				check_decode(&k, &c);
				if (!quick) {
					c.force_splits = 1; /* one split: the decode kernel writes out itself */
					check_decode(&k, &c);
				}
			}
	/* Each variant with the plan's splits and with one split (the 2049-token request then
	 * walks 129 pages in one block: the bulk variants' page ids turn over four times). Under
	 * the sanitizers (--quick), the bulk copies and the tensor-core warps two pages deep, each
	 * stage refilled often, in both types. */
	static const char *const variants[] = {"e8_s2",	 "e8_s3",  "e8_s4",  "e16_s4", "e16_s2", "e8_b2", "e8_b4",
					       "e8_b8",	 "e16_b8", "tc_w3",  "tc_w4",  "tc_t2",	 "tc_t3", "tc_t4",
					       "tc_w2s", "tc_w3s", "tc_w4s", "tc_t2s", "tc_h2",	 "tc_h2s"};
	for (int bf = 0; bf < 2; bf++)
		for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
			if (quick && strcmp(variants[v], "e8_b2") != 0 && strcmp(variants[v], "tc_t2") != 0 &&
			    strcmp(variants[v], "tc_w2s") != 0)
				continue;
			for (int one = 0; one < 2; one++) {
				struct decode_case c = {batch, 8, 4, 128, bf, lens, one, variants[v], 0, 1};
				check_decode(&k, &c);
			}
		}
	/* Sorted walks ("s": pages by address) in four and sixteen splits too: the last split of
	 * the 2049-token request sorts 29 of its 30 pages, the last (partial) one kept last; asked
	 * for sixteen (fifteen hold pages), each full split sorts 4 of its 9. */
	for (int bf = 0; bf < 2; bf++)
		for (int splits = 4; splits <= 16; splits *= 4) {
			struct decode_case c = {batch, 8, 4, 128, bf, lens, splits, "tc_w2s", 0, 1};
			check_decode(&k, &c);
		}
	/* Blocks that let the next kernel start early (splits of 4096 tokens and more, and every
	 * unsplit walk: kck_decode_releases_early): the reduce launched behind them (PDL) still
	 * reads every split's results; in two splits (chunks of 4112 tokens) and in one. */
	static const int early_lens[4] = {8200, 1, 4500, 4096};
	static const char *const early_variants[] = {"tc_w2s", "tc_w3", "tc_h2s", "tc_r2s"};
	for (int v = 0; v < 4; v++)
		for (int splits = 2; splits >= 1; splits--) {
			if (quick && (v || splits == 1))
				continue;
			struct decode_case c = {4, 8, 4, 128, 0, early_lens, splits, early_variants[v], 0, 1};
			check_decode(&k, &c);
		}
	/* Gated walks ("tc_g", one split): ragged requests, whose walks are cut into phases of
	 * different lengths, some shorter than their phases. Every case launches twice back to back
	 * on the one work area (each launch must leave it ready for the next), in a grid of one item
	 * a block (16 requests: 32 blocks) and of four (263 requests of up to 300 tokens: 526 items,
	 * 132 blocks on an H100, two of them with none in their last round; 270 of up to 2000
	 * tokens, rounds of many phases, the default tc_g4); eight heads an item ("tc_rg2": 263
	 * items, two rounds of 132 blocks) too. */
	static const int gated_lens[16] = {2049, 1, 17, 333, 4000, 16, 15, 1500, 2049, 64, 900, 3001, 1, 2, 777, 4096};
	static int many_lens[263], long_lens[270];
	for (int i = 0; i < 263; i++)
		many_lens[i] = 1 + (int)uniform(0, 300);
	for (int i = 0; i < 270; i++)
		long_lens[i] = 1 + (int)uniform(0, 2000);
	static const char *const gated_variants[] = {"tc_g2", "tc_g3", "tc_g4", "tc_rg2"};
	for (int bf = 0; bf < 2; bf++)
		for (int v = 0; v < 4; v++)
			for (int many = 0; many < 3; many++) {
				/* --quick (the sanitizers): not the long walks (racecheck did not end in 240 s with
				 * them) */
				if ((quick && (bf || v < 2 || many == 2)) || (many == 2 && v < 2))
					continue;
				const int n = many == 2 ? 270 : many ? 263 : 16;
				const int *ls = many == 2 ? long_lens : many ? many_lens : gated_lens;
				struct decode_case c = {n, 8, 4, 128, bf, ls, 1, gated_variants[v], 0, 1};
				check_decode(&k, &c);
			}
	/* Sixteen KV heads: items of four and of eight heads, four and two a request. */
	for (int v = 2; v < 4; v++) {
		struct decode_case c = {16, 16, 4, 128, 0, gated_lens, 1, gated_variants[v], 0, 1};
		check_decode(&k, &c);
	}
	/* A warp a KV head, in table and in address order, four heads a block ("tc_h2", "tc_h2s": 8
	 * KV heads, two blocks a request) and eight ("tc_r2", "tc_r2s": d64 and d128, a block a
	 * request), and gated walks, at every head size and group (of eight heads, "tc_rg2": d128). */
	static const char *const heads_variants[] = {"tc_h2", "tc_h2s", "tc_g4", "tc_r2", "tc_r2s", "tc_rg2"};
	for (int bf = 0; bf < 2; bf++)
		for (int d = 64; d <= 256; d *= 2)
			for (int g = 1; g <= 8; g *= 2)
				for (int v = 0; v < 6; v++) {
					if ((quick && (d != 128 || bf)) || (d == 256 && v > 2) || (d != 128 && v == 5))
						continue;
					const char *name = d == 256 && v == 2 ? "tc_g2" : heads_variants[v];
					struct decode_case c = {batch, 8, g, d, bf, lens, 1, name, 0, 1};
					check_decode(&k, &c);
				}
	/* The tensor-core kernel at every head size and group, in table and in address order. */
	for (int bf = 0; bf < 2; bf++)
		for (int d = 64; d <= 256; d *= 2)
			for (int g = 1; g <= 8; g *= 2)
				for (int one = 0; one < 2; one++)
					for (int sort = 0; sort < 2; sort++) {
						if (quick && (one || sort || d != 128))
							continue;
						struct decode_case c = {
						    batch, 2, g, d, bf, lens, one, sort ? "tc_w2s" : "tc_w2", 0, 1};
						check_decode(&k, &c);
					}
	for (int pdl = 0; pdl < 2; pdl++) {
		struct decode_case c = {batch, 2, 4, 128, 0, lens, 0, NULL, 1, pdl};
		check_decode(&k, &c);
	}
	/* The chain where the decode copies its first pages before its wait (kv_prefetch, unsplit
	 * grids of more blocks than half the SMs: kck_decode_prefetches): each request's last page,
	 * where the KV write puts its new token, is never among them. 12 requests (96 blocks, the
	 * plan's sorted walk; TMA), 72 (tc_r2s: a block a request; tc_h2s: 144 blocks), one split. */
	static int chain_lens[72];
	for (int i = 0; i < 72; i++)
		chain_lens[i] = i % 12 == 11 ? 1049 : ragged[i % 6];
	static const struct {
		int batch;
		const char *variant;
	} prefetch_cases[] = {{12, NULL}, {12, "tc_t2"}, {72, "tc_r2s"}, {72, "tc_h2s"}};
	for (int i = 0; i < 4; i++)
		for (int pdl = 1; pdl >= 0; pdl--) {
			if (quick && (pdl == 0 || i == 3))
				continue;
			struct decode_case c = {prefetch_cases[i].batch,   8, 4,  128, 0, chain_lens, 1,
						prefetch_cases[i].variant, 1, pdl};
			check_decode(&k, &c);
		}
	static const int mla_tokens[] = {1, 7, 33, 300};
	for (int i = 0; i < (quick ? 2 : 4); i++)
		for (int fp8 = 0; fp8 < 2; fp8++)
			check_mla(&k, mla_tokens[i], fp8, i % 2);
	printf("%d of %d checks passed\n", checks - failures, checks);
	kck_close(&k);
	return failures ? 1 : 0;
}
