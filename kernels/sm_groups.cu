// sm_groups.cu - diagnostic for kernels/drift_probe.py: which SMs share a GPC. A thread block
// cluster's blocks are placed in one GPC; each block (a SM to itself: the probe asks for 200 KB
// of shared memory) writes its SM's id and holds the SM for `spin` ns, so that the clusters of a
// launch are resident together. SMs met in one cluster, over launches of clusters of 2, 4 and 8,
// are united into groups (a GPC, or a part of one).
#define KCK_SM_GROUPS(CS)                                                                                              \
	extern "C" __global__ void __cluster_dims__(CS, 1, 1)                                                          \
	    kc_sm_groups_##CS(unsigned *out, unsigned long long spin)                                                  \
	{                                                                                                              \
		unsigned sm;                                                                                           \
		asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));                                                        \
		if (threadIdx.x == 0)                                                                                  \
			out[blockIdx.x] = sm;                                                                          \
		unsigned long long t0, t;                                                                              \
		asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));                                                 \
		do                                                                                                     \
			asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));                                          \
		while (t - t0 < spin);                                                                                 \
	}
KCK_SM_GROUPS(2)
KCK_SM_GROUPS(4)
KCK_SM_GROUPS(8)
