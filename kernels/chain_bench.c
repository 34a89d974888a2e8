/* chain_bench.c - what Programmatic Dependent Launch saves, measured in one run:
 *  1. a decode step of 32 layers, each KV write -> decode attention -> reduce, launched from
 *     the host every step, with and without PDL: per-step time, median of many steps;
 *     and the same step replayed as a CUDA graph;
 *  2. the MLA KV write at 1..4096 tokens: time per call and GB/s, and back-to-back launches
 *     with and without PDL (at decode batch sizes it is latency-bound).
 * Prints a table; exit status 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_kernels.h"

#define CK KCK_CHECK

static int cmp(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static float median(float *v, int n)
{
	qsort(v, (size_t)n, sizeof(float), cmp);
	return v[n / 2];
}

static CUdeviceptr alloc_random(size_t bytes)
{
	CUdeviceptr d;
	CK(cuMemAlloc(&d, bytes));
	uint16_t *h = malloc(bytes);
	uint32_t x = 12345;
	for (size_t i = 0; i < bytes / 2; i++) {
		x = x * 1664525u + 1013904223u;
		h[i] = (uint16_t)(0x3800 + ((x >> 16) & 0x3ff)); /* fp16 in [0.5, 1) */
	}
	CK(cuMemcpyHtoD(d, h, bytes));
	free(h);
	return d;
}

enum { LAYERS = 32, HK = 8, G = 4, D = 128 };
/* requests and their context: 2 x 4096 (split 8 ways: the reduce runs), or KCK_CHAIN=BxCTX */
static int B = 2, CTX = 4096;

struct layer {
	struct kck_kv_write_params w;
	struct kck_decode_params p;
};

static void step(const struct kck *k, struct layer *l, CUstream s, int pdl)
{
	for (int i = 0; i < LAYERS; i++) {
		CK(kck_kv_write(k, KCK_F16, &l[i].w, s, pdl));
		CK(kck_decode(k, KCK_F16, D, G, &l[i].p, s, pdl));
	}
}

/* only: -1 both ways with CUDA graphs too; 0 or 1 host-launched steps without or with PDL
 * alone (for `kcprof record --gpu-time`, whose gaps are per kernel name). */
static void decode_chain(const struct kck *k, int only)
{
	const int pages_per_req = (CTX + KCK_PAGE - 1) / KCK_PAGE, num_pages = B * pages_per_req;
	/* kv_prefetch: the KV write before adds each request's last token, nothing else of the
	 * cache (KCK_KV_PREFETCH=0: every read of it after the decode's wait, to compare) */
	const char *pf = getenv("KCK_KV_PREFETCH");
	const int prefetch = pf ? atoi(pf) : 1;
	size_t cache = (size_t)num_pages * HK * KCK_PAGE * D * 2;
	int32_t *bt = malloc(sizeof(int32_t) * B * pages_per_req);
	for (int i = 0; i < B * pages_per_req; i++)
		bt[i] = (i * 7919) % num_pages; /* scattered pages */
	int32_t *lens = malloc(sizeof(int32_t) * B);
	for (int b = 0; b < B; b++)
		lens[b] = CTX - b * 37 % (CTX / 2 + 1); /* ragged */
	CUdeviceptr dbt, dl;
	CK(cuMemAlloc(&dbt, sizeof(int32_t) * B * pages_per_req));
	CK(cuMemcpyHtoD(dbt, bt, sizeof(int32_t) * B * pages_per_req));
	CK(cuMemAlloc(&dl, sizeof(int32_t) * B));
	CK(cuMemcpyHtoD(dl, lens, sizeof(int32_t) * B));
	free(bt);
	free(lens);
	int splits, chunk;
	kck_decode_plan(k, B, HK, CTX, &splits, &chunk);
	struct layer *l = calloc(LAYERS, sizeof(*l));
	for (int i = 0; i < LAYERS; i++) {
		CUdeviceptr kc = alloc_random(cache), vc = alloc_random(cache),
			    q = alloc_random((size_t)B * HK * G * D * 2);
		CUdeviceptr kn = alloc_random((size_t)B * HK * D * 2), vn = alloc_random((size_t)B * HK * D * 2), out,
			    acc, ml;
		CK(cuMemAlloc(&out, (size_t)B * HK * G * D * 2));
		CK(cuMemAlloc(&acc, (size_t)B * HK * G * splits * D * 4));
		CK(cuMemAlloc(&ml, (size_t)B * HK * G * splits * 8));
		l[i].w =
		    (struct kck_kv_write_params){(void *)kn,	(void *)vn, (void *)kc, (void *)vc,    (int32_t *)dbt,
						 (int32_t *)dl, B,	    HK,		pages_per_req, D};
		l[i].p = (struct kck_decode_params){(void *)q,
						    (void *)kc,
						    (void *)vc,
						    (int32_t *)dbt,
						    (int32_t *)dl,
						    (void *)out,
						    (float *)acc,
						    (float *)ml,
						    B,
						    HK,
						    pages_per_req,
						    splits,
						    chunk,
						    (float)(1.4426950408889634 / sqrt((double)D)),
						    0,
						    NULL,
						    0,
						    prefetch};
	}
	CUstream s;
	CK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
	enum { STEPS = 300 };
	CUevent ev[STEPS + 1];
	for (int i = 0; i <= STEPS; i++)
		CK(cuEventCreate(&ev[i], CU_EVENT_DEFAULT));
	printf("decode step: %d layers x (KV write -> decode %d splits -> reduce), batch %d, context %d, %d/%d heads, "
	       "d %d%s\n",
	       LAYERS, splits, B, CTX, HK * G, HK, D, prefetch ? "" : ", K/V read after the wait (KCK_KV_PREFETCH=0)");
	float host_med[2], graph_med[2];
	for (int round = 0; round < 3; round++)
		for (int pdl = 0; pdl < 2; pdl++) {
			if (only >= 0 && pdl != only)
				continue;
			step(k, l, s, pdl); /* warm */
			CK(cuStreamSynchronize(s));
			for (int i = 0; i < STEPS; i++) {
				CK(cuEventRecord(ev[i], s));
				step(k, l, s, pdl);
			}
			CK(cuEventRecord(ev[STEPS], s));
			CK(cuStreamSynchronize(s));
			float t[STEPS];
			for (int i = 0; i < STEPS; i++)
				CK(cuEventElapsedTime(&t[i], ev[i], ev[i + 1]));
			host_med[pdl] = median(t, STEPS) * 1000.f;
			if (only >= 0) {
				printf("  round %d: host-launched %s PDL: %.1f us/step\n", round + 1,
				       pdl ? "with" : "without", host_med[pdl]);
				continue;
			}
			/* the same step as a graph */
			CUgraph g;
			CUgraphExec ge;
			CK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
			step(k, l, s, pdl);
			CK(cuStreamEndCapture(s, &g));
			CK(cuGraphInstantiate(&ge, g, 0));
			CK(cuGraphLaunch(ge, s));
			CK(cuStreamSynchronize(s));
			for (int i = 0; i < STEPS; i++) {
				CK(cuEventRecord(ev[i], s));
				CK(cuGraphLaunch(ge, s));
			}
			CK(cuEventRecord(ev[STEPS], s));
			CK(cuStreamSynchronize(s));
			for (int i = 0; i < STEPS; i++)
				CK(cuEventElapsedTime(&t[i], ev[i], ev[i + 1]));
			graph_med[pdl] = median(t, STEPS) * 1000.f;
			cuGraphExecDestroy(ge);
			cuGraphDestroy(g);
			if (pdl)
				printf("  round %d: host-launched %.1f -> %.1f us/step (%+.1f%%), CUDA graph %.1f -> "
				       "%.1f us/step (%+.1f%%)\n",
				       round + 1, host_med[0], host_med[1],
				       (host_med[1] - host_med[0]) * 100 / host_med[0], graph_med[0], graph_med[1],
				       (graph_med[1] - graph_med[0]) * 100 / graph_med[0]);
		}
}

/* GPU time a call of N MLA writes captured in a graph and replayed: no host launch cost. */
static double mla_graph_us(const struct kck *k, int fp8, const struct kck_mla_write_params *p, CUstream s, int pdl)
{
	enum { N = 200 };
	CUevent e0, e1;
	CK(cuEventCreate(&e0, CU_EVENT_DEFAULT));
	CK(cuEventCreate(&e1, CU_EVENT_DEFAULT));
	CK(kck_mla_write(k, fp8, p, s, pdl));
	CUgraph g;
	CUgraphExec ge;
	CK(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_GLOBAL));
	for (int r = 0; r < N; r++)
		CK(kck_mla_write(k, fp8, p, s, pdl));
	CK(cuStreamEndCapture(s, &g));
	CK(cuGraphInstantiate(&ge, g, 0));
	CK(cuGraphLaunch(ge, s));
	CK(cuEventRecord(e0, s));
	CK(cuGraphLaunch(ge, s));
	CK(cuEventRecord(e1, s));
	CK(cuStreamSynchronize(s));
	float ms;
	CK(cuEventElapsedTime(&ms, e0, e1));
	cuGraphExecDestroy(ge);
	cuGraphDestroy(g);
	cuEventDestroy(e0);
	cuEventDestroy(e1);
	return ms * 1000.0 / N;
}

static void mla(const struct kck *k)
{
	printf("MLA KV write (k_nope 512 | k_rope 64, bf16 in):\n");
	printf("  %6s | %-28s | %-28s\n", "tokens", "bf16 out: us, GB/s", "fp8-e4m3 out: us, GB/s");
	const int maxt = 4096, slots_n = maxt * 4;
	CUdeviceptr nope = alloc_random((size_t)maxt * KCK_MLA_NOPE * 2),
		    rope = alloc_random((size_t)maxt * KCK_MLA_ROPE * 2);
	int64_t *slots = malloc(sizeof(int64_t) * maxt);
	for (int t = 0; t < maxt; t++)
		slots[t] = ((int64_t)t * 2654435761u) % slots_n; /* scattered */
	CUdeviceptr ds, buf;
	CK(cuMemAlloc(&ds, sizeof(int64_t) * maxt));
	CK(cuMemcpyHtoD(ds, slots, sizeof(int64_t) * maxt));
	CK(cuMemAlloc(&buf, (size_t)slots_n * KCK_MLA_ROW * 2));
	CUstream s;
	CK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
	CUevent e0, e1;
	CK(cuEventCreate(&e0, CU_EVENT_DEFAULT));
	CK(cuEventCreate(&e1, CU_EVENT_DEFAULT));
	static const int tokens[] = {1, 8, 64, 256, 1024, 4096};
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		printf("  %6d", tokens[i]);
		for (int fp8 = 0; fp8 < 2; fp8++) {
			struct kck_mla_write_params p = {(void *)nope, (void *)rope, (int64_t *)ds, (void *)buf,
							 tokens[i],    KCK_MLA_NOPE, KCK_MLA_ROPE,  20.f};
			double us = mla_graph_us(k, fp8, &p, s, 0);
			double bytes = (double)tokens[i] * (KCK_MLA_ROW * 2 + KCK_MLA_ROW * (fp8 ? 1 : 2) + 8);
			printf(" | %8.2f us %9.1f GB/s      ", us, bytes / us / 1e3);
		}
		printf("\n");
	}
	/* launch to launch, host-launched: latency-bound at decode batch sizes */
	for (int pdl = 0; pdl < 2; pdl++) {
		struct kck_mla_write_params p = {(void *)nope, (void *)rope, (int64_t *)ds, (void *)buf,
						 64,	       KCK_MLA_NOPE, KCK_MLA_ROPE,  20.f};
		enum { N = 2000 };
		float best = 1e30f;
		for (int round = 0; round < 3; round++) {
			CK(cuStreamSynchronize(s));
			CK(cuEventRecord(e0, s));
			for (int r = 0; r < N; r++)
				CK(kck_mla_write(k, 0, &p, s, pdl));
			CK(cuEventRecord(e1, s));
			CK(cuStreamSynchronize(s));
			float ms;
			CK(cuEventElapsedTime(&ms, e0, e1));
			if (ms < best)
				best = ms;
		}
		printf(
		    "  64 tokens back to back, %s: %.2f us launch to launch host-launched, %.2f us in a CUDA graph\n",
		    pdl ? "with PDL   " : "without PDL", best * 1000.f / N, mla_graph_us(k, 0, &p, s, pdl));
	}
}

/* chain_bench [pdl|nopdl]: everything, or the host-launched decode chain one way only.
 * KCK_CHAIN=BxCTX: another batch and context for the decode chain. */
int main(int argc, char **argv)
{
	const char *cubin = getenv("KCK_CUBIN");
	int only = argc > 1 ? strcmp(argv[1], "pdl") == 0 ? 1 : strcmp(argv[1], "nopdl") == 0 ? 0 : -2 : -1;
	if (only == -2) {
		fprintf(stderr, "usage: chain_bench [pdl|nopdl]\n");
		return 2;
	}
	const char *shape = getenv("KCK_CHAIN");
	if (shape && (sscanf(shape, "%dx%d", &B, &CTX) != 2 || B < 1 || CTX < 1)) {
		fprintf(stderr, "chain_bench: KCK_CHAIN=%s: want BATCHxCONTEXT, e.g. 64x512\n", shape);
		return 2;
	}
	struct kck k;
	CK(kck_open(&k, cubin ? cubin : "build/kernels/kc_kernels.cubin"));
	decode_chain(&k, only);
	if (only < 0)
		mla(&k);
	return 0;
}
