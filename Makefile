# kcprof - find GPU kernel compile and load overhead.
#
#   make            build/libkcprof.so (the recorder) and build/kcprof (the CLI)
#   make test       every CPU test, plain and under ASan/UBSan
#   make demo       a real report from a trace recorded on an H100 (no GPU needed)
#   make deps       install the Debian packages the build needs
#   make bench      overhead and analyzer benchmarks (CPU)
#   make gpu-test   GPU tests (on a machine with an NVIDIA GPU)
#   make install PREFIX=/usr/local

CUDA_HOME ?= /usr/local/cuda
PREFIX ?= /usr/local
CC ?= cc
SAN ?= 0

ifeq ($(SAN),1)
BUILD ?= build/san
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
OPT := -O2
endif

VERSION := 0.1.0
CPPFLAGS += -D_GNU_SOURCE -DKCPROF_VERSION='"$(VERSION)"' -I$(CUDA_HOME)/include
# snprintf truncation is how the code caps text (paths, names in messages): not a warning here.
CFLAGS += -std=c11 -g $(OPT) -Wall -Wextra -Werror -Wno-format-truncation -fPIC -fvisibility=hidden
LDFLAGS += $(filter -fsanitize%,$(OPT))

COMMON_SRC := $(wildcard common/*.c)
PRELOAD_SRC := $(wildcard preload/*.c)
ANALYZER_SRC := $(wildcard analyzer/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/%.o)
ANALYZER_OBJ := $(ANALYZER_SRC:%.c=$(BUILD)/%.o)
HEADERS := $(wildcard common/*.h preload/*.h preload/*.def analyzer/*.h)

LIB := $(BUILD)/libkcprof.so
CLI := $(BUILD)/kcprof

.PHONY: all test test-plain demo deps bench gpu-test install clean format kernels bench-kernels drift-probe read-probe test-data
all: $(LIB) $(CLI)

# The recorder is built with link-time optimisation: the launch hooks (hooks_launch.c) are
# inlined into their exported wrappers (interpose.c), which saves re-marshalling 11 arguments.
$(BUILD)/preload/%.o: CFLAGS += -flto

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libkccommon.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^

# The recorder: no libcuda at link time (it is found at run time), only the hooked symbols
# exported (interpose.c), initial-exec TLS for the launch path.
$(LIB): $(PRELOAD_OBJ) $(BUILD)/libkccommon.a
	$(CC) -shared -flto=auto -O2 -o $@ $(PRELOAD_OBJ) $(BUILD)/libkccommon.a $(LDFLAGS) -Wl,--no-undefined \
		-Wl,-soname,libkcprof.so -Wl,-rpath,'$$ORIGIN' -lelf -ldl -lpthread

$(CLI): $(ANALYZER_OBJ) $(BUILD)/libkccommon.a
	$(CC) -o $@ $(ANALYZER_OBJ) $(BUILD)/libkccommon.a $(LDFLAGS) -Wl,-rpath,'$$ORIGIN' \
		-ldw -lelf -lzstd -llz4 -lm -lpthread

include tests/tests.mk
include kernels/kernels.mk

test:
	$(MAKE) test-plain
	$(MAKE) SAN=1 test-plain

# The report of a trace recorded on an H100 (examples/traces/), no GPU needed.
demo: $(CLI)
	$(CLI) report examples/traces/triton-constexpr
	@echo; echo "# GPU time (kcprof record --gpu-time) of a PDL chain, without and with PDL:"
	@for m in nopdl pdl; do $(CLI) report examples/traces/pdl-chain/$$m | grep -E '^  pid|^GPU time|^streams idle'; done

deps:
	@missing=""; for p in gcc g++ make libc6-dev uthash-dev libcriterion-dev libxxhash-dev \
		libelf-dev libdw-dev libzstd-dev liblz4-dev; do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
		(apt-get install -y $$missing || (apt-get update && apt-get install -y $$missing)); \
	else echo "deps: all present"; fi
	@test -f $(CUDA_HOME)/include/cuda.h || { echo "deps: no CUDA toolkit at $(CUDA_HOME) (set CUDA_HOME)"; exit 1; }

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/kcprof $(DESTDIR)$(PREFIX)/share/doc/kcprof
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/kcprof
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/kcprof/libkcprof.so
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/kcprof/

format:
	clang-format -i common/*.[ch] preload/*.[ch] analyzer/*.[ch] tests/*.c tests/*/*.c kernels/*.[ch] kernels/*.cu

clean:
	rm -rf build

gpu-test: all kernels
	tests/gpu/run.sh

# What a GPU machine without these Debian packages needs next to the binaries (found there
# through their $$ORIGIN run path): `make carry`, then send .carry/ along.
carry: all kernels $(TBIN)/drv_client $(TLIB)/libcuda.so.1 $(BUILD)/tests/bench/harness $(BUILD)/tests/gpu/launch_ab
	rm -rf .carry && mkdir -p .carry/kernels
	cp $(LIB) $(CLI) .carry/
	cp $(KB)/kc_kernels.cubin $(KB)/libkckernels.so $(KB)/check_kernels $(KB)/chain_bench .carry/kernels/
	for l in libelf.so.1 libdw.so.1 libbz2.so.1.0 liblzma.so.5 libzstd.so.1 liblz4.so.1; do cp -L /usr/lib/x86_64-linux-gnu/$$l .carry/; done
	mkdir -p .carry/tests/bin .carry/tests/lib .carry/tests/bench  # the stand-in benchmark
	cp $(BUILD)/tests/bin/drv_client .carry/tests/bin/
	cp $(BUILD)/tests/lib/libcuda.so.1 .carry/tests/lib/
	cp $(BUILD)/tests/bench/harness .carry/tests/bench/
	mkdir -p .carry/tests/gpu && cp $(BUILD)/tests/gpu/launch_ab .carry/tests/gpu/
