# tests/tests.mk - the CPU tests: a stand-in driver and CUPTI, client programs, Criterion.
# Included by the top Makefile; BUILD is build/ or build/san/ (SAN=1).

TB := $(BUILD)/tests
TLIB := $(TB)/lib
TBIN := $(TB)/bin
TEST_PLAIN_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -I$(CUDA_HOME)/include
TEST_SRC := $(wildcard tests/test_*.c) tests/kct.c tests/fuzz/fuzz_one.c
TEST_RUNNER := $(TB)/kcprof-tests
# The analyzer's objects the tests call directly (everything but main).
ANALYZER_LIB_OBJ := $(filter-out $(BUILD)/analyzer/main.o,$(ANALYZER_OBJ))

$(TLIB)/libcuda.so.1: tests/fake/fake_cuda.c
	@mkdir -p $(TLIB)
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -Wl,-soname,libcuda.so.1 -o $@ $< -ldl
	ln -sf libcuda.so.1 $(TLIB)/libcuda.so

$(TLIB)/libcupti.so.13: tests/fake/fake_cupti.c preload/cupti_v132.h
	@mkdir -p $(TLIB)
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -Wl,-soname,libcupti.so.13 -o $@ $< -ldl -lpthread
	ln -sf libcupti.so.13 $(TLIB)/libcupti.so

# CUDA 12.4's nvJitLink, its versioned names (a program built against that release calls them).
$(TLIB)/libnvJitLink.so.12: tests/fake/fake_nvjitlink12.c
	@mkdir -p $(TLIB)
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -Wl,-soname,libnvJitLink.so.12 -o $@ $<

# Client programs are built without sanitizers: they stand for the user's unchanged program.
TEST_RPATH := -Wl,-rpath,$(abspath $(TLIB)) -Wl,-rpath,$(CUDA_HOME)/lib64
$(TBIN)/drv_client: tests/progs/drv_client.c $(TLIB)/libcuda.so.1
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -L$(TLIB) -lcuda $(TEST_RPATH) -ldl -lpthread

$(TBIN)/host_client: tests/progs/host_client.c $(TLIB)/libcuda.so.1
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -L$(TLIB) -lcuda $(TEST_RPATH) -ldl -lpthread

$(TBIN)/nvrtc_client: tests/progs/nvrtc_client.c $(TLIB)/libcuda.so.1
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -L$(TLIB) -lcuda -L$(CUDA_HOME)/lib64 -lnvrtc -lnvJitLink $(TEST_RPATH)

# numba's builds, in C: libNVVM and nvJitLink opened and looked up by dlsym (no -l).
$(TBIN)/nvvm_client: tests/progs/nvvm_client.c $(TLIB)/libcuda.so.1
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -L$(TLIB) -lcuda $(TEST_RPATH) -ldl

# A program built against CUDA 12.4's nvJitLink (the stand-in's path: no -l that could find it
# for another program).
$(TBIN)/jitlink12_client: tests/progs/jitlink12_client.c $(TLIB)/libcuda.so.1 $(TLIB)/libnvJitLink.so.12
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -L$(TLIB) -lcuda $(TLIB)/libnvJitLink.so.12 $(TEST_RPATH)

# A C++ client: its frames' names demangled, an inlined helper named (tests/test_stacks.c).
$(TBIN)/cxx_client: tests/progs/cxx_client.cc tests/progs/include/c++/kct_deep_wrap.h $(TLIB)/libcuda.so.1
	@mkdir -p $(TBIN)
	$(CXX) -std=c++17 -g -O1 -Wall -Wextra -Werror -I$(CUDA_HOME)/include -o $@ $< -L$(TLIB) -lcuda -L$(CUDA_HOME)/lib64 -lnvrtc $(TEST_RPATH)

$(TBIN)/cupti_client: tests/progs/cupti_client.c preload/cupti_v132.h $(TLIB)/libcuda.so.1 $(TLIB)/libcupti.so.13 $(TLIB)/libprofiler.so
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -L$(TLIB) -lcuda -lcupti $(TEST_RPATH) -ldl

$(TBIN)/cupti_local_client: tests/progs/cupti_client.c preload/cupti_v132.h $(TLIB)/libcuda.so.1 $(TLIB)/libprofiler.so
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -DPROFILER_LOCAL -o $@ $< -L$(TLIB) -lcuda $(TEST_RPATH) -ldl

$(TLIB)/libprofiler.so: tests/progs/libprofiler.c $(TLIB)/libcupti.so.13
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -o $@ $< -L$(TLIB) -lcupti -Wl,-rpath,$(abspath $(TLIB))

# Another interposer, preloaded after kcprof; a program that only asks whether CUDA is there.
$(TLIB)/libchain.so: tests/progs/libchain.c
	@mkdir -p $(TLIB)
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -o $@ $< -ldl

# A library that loads a module under its own lock (tests/progs/py_locked.py).
$(TLIB)/liblocked.so: tests/progs/liblocked.c
	@mkdir -p $(TLIB)
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -o $@ $< -ldl -lpthread

# A library that loads a module on a thread Python never ran on (the stand-in jax's autotuner).
$(TLIB)/libnativeload.so: tests/progs/libnativeload.c $(TLIB)/libcuda.so.1
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -o $@ $< -L$(TLIB) -lcuda -lpthread \
		-Wl,-rpath,$(abspath $(TLIB))

# A library that looks for the driver from its constructor (drv_client ctorprobe).
$(TLIB)/libctorprobe.so: tests/progs/libctorprobe.c
	@mkdir -p $(TLIB)
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -o $@ $< -ldl

# A profiler library that subscribes to CUPTI from its constructor (drv_client ctorsubscribe).
$(TLIB)/libctorsubscribe.so: tests/progs/libctorsubscribe.c $(TLIB)/libcupti.so.13
	$(CC) $(TEST_PLAIN_CFLAGS) -fPIC -shared -o $@ $< -L$(TLIB) -lcupti -Wl,-rpath,$(abspath $(TLIB))

$(TBIN)/cuda_probe: tests/progs/cuda_probe.c
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $< -ldl

$(TBIN)/ptxas: tests/progs/fake_compiler.c
	@mkdir -p $(TBIN)
	$(CC) $(TEST_PLAIN_CFLAGS) -o $@ $<

TEST_PROGS := $(TB)/bench/gen_trace $(TBIN)/drv_client $(TBIN)/host_client $(TBIN)/nvrtc_client $(TBIN)/nvvm_client $(TBIN)/jitlink12_client $(TBIN)/cxx_client $(TBIN)/cupti_client $(TBIN)/cupti_local_client \
	$(TBIN)/ptxas $(TLIB)/libchain.so $(TBIN)/cuda_probe $(TLIB)/liblocked.so $(TLIB)/libctorprobe.so $(TLIB)/libctorsubscribe.so \
	$(TLIB)/libnativeload.so

# The reference kernels' launch plan (no driver calls) is tested here too.
$(TEST_RUNNER): $(TEST_SRC) tests/kct.h tests/fuzz/fuzz_one.h $(BUILD)/libkccommon.a $(ANALYZER_LIB_OBJ) $(HEADERS) \
		kernels/kc_plan.c kernels/kc_kernels.h
	@mkdir -p $(TB)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(TEST_SRC) kernels/kc_plan.c $(ANALYZER_LIB_OBJ) $(BUILD)/libkccommon.a \
		$(LDFLAGS) -lcriterion -ldw -lelf -lzstd -llz4 -lm -lpthread

# Under SAN=1 the sanitized recorder is preloaded into plain programs: its runtimes go first.
ifeq ($(SAN),1)
SAN_PRELOAD := $(shell $(CC) -print-file-name=libasan.so):$(shell $(CC) -print-file-name=libubsan.so)
endif

test-plain: all $(TEST_PROGS) $(TEST_RUNNER)
	@rm -rf $(TB)/tmp
	KCT_BUILD=$(BUILD) KCT_DATA=tests/data KCT_SAN_PRELOAD=$(SAN_PRELOAD) \
		ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) $(TEST_RUNNER) --jobs 2 $(TEST_ARGS)

# Regenerate the committed fixtures (needs nvcc).
KCT_LONG_KERNEL = triton_poi_fused__scaled_dot_product_cudnn_attention__to_copy__unsafe_view_add_arange_bitwise_and_bmm_cat_clone_cos_expand_index_le_mul_neg_new_ones_scalar_tensor_sin_slice_transpose_unsqueeze_view_where_7
test-data:
	cd tests/data && $(CUDA_HOME)/bin/nvcc -cubin -arch=sm_90 kernels.cu -o sample.cubin && \
	$(CUDA_HOME)/bin/nvcc -fatbin --no-compress -gencode arch=compute_90,code=[sm_90,compute_90] \
		kernels.cu -o sample.fatbin && \
	$(CUDA_HOME)/bin/nvcc -fatbin -Xfatbin -compress-all -gencode arch=compute_90,code=[sm_90,compute_90] \
		kernels.cu -o sample_zstd.fatbin && \
	$(CUDA_HOME)/bin/nvcc -fatbin -Xfatbin -compress-all -gencode arch=compute_90,code=[sm_90,compute_90] \
		constants.cu -o data_only.fatbin && \
	for s in 1 2 3; do $(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=$$s \
		-gencode arch=compute_90,code=[sm_90,compute_90] step.cu -o step_$$s.fatbin || exit 1; done && \
	$(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=7 -gencode arch=compute_90,code=sm_90 step.cu \
		-o step_sass.fatbin && \
	$(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=1 -Xptxas -O0 \
		-gencode arch=compute_90,code=[sm_90,compute_90] step.cu -o step_1_O0.fatbin && \
	for s in 1 2; do $(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=$$s \
		-gencode arch=compute_90,code=[sm_90,compute_90] two.cu -o two_$$s.fatbin && \
		$(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=$$s \
		-gencode arch=compute_90,code=[sm_90,compute_90] three.cu -o three_$$s.fatbin || exit 1; \
		done && \
	$(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=1 -lineinfo \
		-gencode arch=compute_90,code=[sm_90,compute_90] step.cu -o step_1_li.fatbin && \
	$(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=1 -Xfatbin -compress-all \
		-gencode arch=compute_90,code=[sm_90,compute_90] step.cu -o step_1_z.fatbin && \
	$(CUDA_HOME)/bin/nvcc -fatbin -DSTEP=1 -gencode arch=compute_80,code=sm_80 \
		-gencode arch=compute_90,code=[sm_90,compute_90] step.cu -o step_1_80.fatbin && \
	for s in 1 2; do $(CUDA_HOME)/bin/nvcc -cubin -arch=sm_90 -DSTEP=$$s \
		-DKERN_NAME=$(KCT_LONG_KERNEL) step.cu -o long_$$s.cubin || exit 1; done && \
	for s in 1 2 3; do $(CUDA_HOME)/bin/nvcc -cubin -arch=sm_90 -DSTEP=$$s step.cu \
		-o step_$$s.cubin || exit 1; done && \
	$(CUDA_HOME)/bin/nvcc -ptx -arch=sm_90 kernels.cu -o sample.ptx

# ---- benchmarks (make bench) -----------------------------------------------------------------
$(TB)/bench/gen_trace: tests/bench/gen_trace.c $(BUILD)/libkccommon.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libkccommon.a $(LDFLAGS)

# The real-driver A/B benchmark of gpu-test (built here: the GPU machine has no libelf headers).
$(TB)/gpu/launch_ab: tests/gpu/launch_ab.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror $(CPPFLAGS) -o $@ $< -L$(CUDA_HOME)/lib64/stubs -lcuda -lelf \
		-Wl,-rpath,'$$ORIGIN/../..'

$(TB)/bench/harness: tests/bench/harness.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_PLAIN_CFLAGS) -O2 -o $@ $<

bench: all $(TBIN)/drv_client $(TB)/bench/gen_trace $(TB)/bench/harness
	BUILD=$(BUILD) tests/bench/run.sh

# ---- fuzzing (make fuzz FUZZ_SECONDS=300): libFuzzer over the readers and the analyzer ------
FUZZ_SECONDS ?= 120
FUZZ_SRC := tests/fuzz/fuzz_trace.c tests/fuzz/fuzz_one.c $(COMMON_SRC) $(filter-out analyzer/main.c,$(ANALYZER_SRC))
build/fuzz/fuzz_trace: $(FUZZ_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	clang -std=c11 -g -O1 -D_GNU_SOURCE -I$(CUDA_HOME)/include -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(FUZZ_SRC) -ldw -lelf -lzstd -llz4 -lm -lpthread

fuzz: build/fuzz/fuzz_trace
	@mkdir -p build/fuzz/new
	build/fuzz/fuzz_trace -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
		-artifact_prefix=tests/fuzz/corpus/crash- build/fuzz/new tests/fuzz/corpus
