# kernels/kernels.mk - the reference CUDA kernels (sm_90 cubin) and their C host code.
#   make kernels         build everything here (nvcc; runs on no GPU)
#   make bench-kernels   on a GPU: the PDL chain, the MLA write and the decode comparison
#   python3 kernels/gather_probe.py   on a GPU: what random chunks cost a plain read (docs/kernels.md)
#   make drift-probe     on a GPU: when each block of a decode launch reaches the marks of its walk
#   make read-probe      on a GPU: how fast the GPU reads 8 GB once (loads, bulk copies in order
#                        and at random), the ceiling for the decode's GB/s
#                        (build/kernels/read_probe walks: decode-like walks of pages, by region, by group of
#                        requests, a KV head a block)

KB := build/kernels
NVCC ?= $(CUDA_HOME)/bin/nvcc
KERNEL_CU := kernels/kc_kernels.cu kernels/decode.cu kernels/mla.cu kernels/kc_kernels.h
KHOST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I$(CUDA_HOME)/include
KLIBS := -L$(CUDA_HOME)/lib64/stubs -lcuda -lm

$(KB)/kc_kernels.cubin: $(KERNEL_CU)
	@mkdir -p $(KB)
	$(NVCC) -cubin -gencode=arch=compute_90,code=sm_90 -O3 -Xptxas -v -Ikernels kernels/kc_kernels.cu \
		-o $@ 2> $(KB)/ptxas.txt || { cat $(KB)/ptxas.txt; exit 1; }

KHOST_SRC := kernels/kc_kernels.c kernels/kc_plan.c

$(KB)/libkckernels.so: $(KHOST_SRC) kernels/kc_kernels_py.c kernels/kc_kernels.h
	@mkdir -p $(KB)
	$(CC) $(KHOST_CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $(KHOST_SRC) kernels/kc_kernels_py.c $(KLIBS)

$(KB)/check_kernels: kernels/check_kernels.c $(KHOST_SRC) kernels/kc_kernels.h
	@mkdir -p $(KB)
	$(CC) $(KHOST_CFLAGS) -o $@ kernels/check_kernels.c $(KHOST_SRC) $(KLIBS)

$(KB)/chain_bench: kernels/chain_bench.c $(KHOST_SRC) kernels/kc_kernels.h
	@mkdir -p $(KB)
	$(CC) $(KHOST_CFLAGS) -o $@ kernels/chain_bench.c $(KHOST_SRC) $(KLIBS)

kernels: $(KB)/kc_kernels.cubin $(KB)/libkckernels.so $(KB)/check_kernels $(KB)/chain_bench

# The same cubin with the blocks' timestamps (decode.cu, KCK_DRIFT), for kernels/drift_probe.py.
$(KB)/drift.cubin: $(KERNEL_CU)
	@mkdir -p $(KB)
	$(NVCC) -cubin -gencode=arch=compute_90,code=sm_90 -O3 -DKCK_DRIFT -Ikernels kernels/kc_kernels.cu -o $@

$(KB)/sm_groups.cubin: kernels/sm_groups.cu
	@mkdir -p $(KB)
	$(NVCC) -cubin -gencode=arch=compute_90,code=sm_90 -O3 kernels/sm_groups.cu -o $@

drift-probe: $(KB)/drift.cubin $(KB)/sm_groups.cubin $(KB)/libkckernels.so
	KCK_CUBIN=$(KB)/drift.cubin PYTHONPATH=kernels python3 kernels/drift_probe.py 62x4096:tc_h2s 64x4096:tc_h2s

$(KB)/read_probe: kernels/read_probe.cu
	@mkdir -p $(KB)
	$(NVCC) -O3 -std=c++17 -gencode=arch=compute_90,code=sm_90 kernels/read_probe.cu -o $@

read-probe: $(KB)/read_probe
	$(KB)/read_probe

bench-kernels: kernels
	$(KB)/chain_bench
	python3 kernels/bench.py --out $(KB)/bench.json
	python3 kernels/bench.py --ab 11 --out $(KB)/bench-ab.json  # the same side by side, round by round
