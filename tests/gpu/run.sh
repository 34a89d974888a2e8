#!/bin/bash
# tests/gpu/run.sh - `make gpu-test`: the recorder on a real GPU (Triton, PyTorch eager,
# torch.compile, NVRTC, torch.profiler inside a recorded process) and the launch-overhead
# benchmark. Each case is recorded with `kcprof record`, then check.py compares the trace
# with what the script says it did. Logs, traces and a summary go to $OUT (default
# build/gpu); the last lines printed are the summary. Parts can be left out: SKIP_RECORDER=1
# (the recorded cases and the overhead benchmarks), SKIP_GPU_TIME=1, SKIP_KERNELS=1, and
# CASES / SKIP_CASES (regexes of case names; "bench", "cupti_loader_lock" name those parts):
# the whole run takes over 10 minutes on an H100 host.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-build/gpu}
KCPROF=${KCPROF:-build/kcprof}
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
export KCPROF
mkdir -p "$OUT/traces" "$OUT/logs"
ABS_OUT=$(cd "$OUT" && pwd) # the caches' paths, whether OUT was given relative or absolute
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }

{
	nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
	python3 -c "import torch, triton, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'triton', triton.__version__)"
	ldd --version | head -1
	ls /usr/lib/x86_64-linux-gnu/libelf.so.1 2>&1
	python3 -c "import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))" 2>&1
} >"$OUT/logs/env.txt" 2>&1
say "env: $(head -2 "$OUT/logs/env.txt" | tr '\n' ' ')"

export TRITON_CACHE_DIR=$ABS_OUT/triton-cache TORCHINDUCTOR_CACHE_DIR=$ABS_OUT/inductor-cache
rm -rf "$TRITON_CACHE_DIR" "$TORCHINDUCTOR_CACHE_DIR"

# CASES (an extended regex): run only the cases whose names match; SKIP_CASES: all but those
# (a run split in two: the device allows 10 minutes a command). "bench" names the overhead
# benchmarks, "cupti_loader_lock" the CUPTI start probe.
want() {
	[ -n "${SKIP_CASES:-}" ] && [[ $1 =~ ^(${SKIP_CASES})$ ]] && return 1
	[ -z "${CASES:-}" ] || [[ $1 =~ ^(${CASES})$ ]]
}

# case NAME COMMAND...: record, then check
case_run() {
	local name=$1
	shift
	want "$name" || return 0
	local t0=$(date +%s%N)
	timeout 300 "$KCPROF" record -q -o "$OUT/traces/$name" -- "$@" >"$OUT/logs/$name.out" 2>"$OUT/logs/$name.err"
	local rc=$?
	say "run  $name: exit $rc in $((($(date +%s%N) - t0) / 1000000)) ms"
	[ $rc -eq 0 ] || tail -5 "$OUT/logs/$name.err" | sed 's/^/     /' | tee -a "$SUMMARY"
	python3 tests/gpu/check.py "$name" "$OUT/traces/$name" "$OUT/logs/$name.out" 2>>"$OUT/logs/$name.err" | tee -a "$SUMMARY"
}

# fresh caches NAME COMMAND...: case_run with Triton and Inductor caches of its own (nothing
# built by an earlier case found there), then what its report reads archived into its trace
case_fresh() {
	(
		export TRITON_CACHE_DIR=$ABS_OUT/tc_$1 TORCHINDUCTOR_CACHE_DIR=$ABS_OUT/ic_$1
		rm -rf "$TRITON_CACHE_DIR" "$TORCHINDUCTOR_CACHE_DIR"
		case_run "$@"
		"$KCPROF" archive "$OUT/traces/$1" >/dev/null 2>&1
	)
}
# case_modes NAME SCRIPT MODE...: case_fresh NAME_MODE running the script with each mode (a
# bug and its fixes)
case_modes() {
	local name=$1 script=$2 m
	shift 2
	for m in "$@"; do
		case_fresh "${name}_$m" python3 "$script" "$m"
	done
}
if [ "${SKIP_RECORDER:-0}" != 1 ]; then
case_run triton_constexpr python3 tests/gpu/triton_constexpr.py
cp -r "$TRITON_CACHE_DIR" "$OUT/traces/triton_constexpr/triton-cache" 2>/dev/null
case_run triton_autotune python3 tests/gpu/triton_autotune.py
cp -r "$TRITON_CACHE_DIR" "$OUT/traces/triton_autotune/triton-cache" 2>/dev/null
# worker processes started together, each building the same kernel; and built once before them
case_fresh triton_workers python3 tests/gpu/triton_workers.py together
case_fresh triton_workers_warm python3 tests/gpu/triton_workers.py warm
# autotune keyed on a count that changes every step, and keyed on its bucket
case_fresh triton_autotune_key python3 tests/gpu/triton_autotune_key.py
case_run torch_eager python3 tests/gpu/torch_eager.py
case_run torch_compile python3 tests/gpu/torch_compile.py
case_run profiler python3 tests/gpu/profiler.py
case_run multi_device python3 tests/gpu/multi_device.py
case_run cuda_graph python3 tests/gpu/cuda_graph.py
# a kernel built per request as a PyTorch extension (ninja, nvcc, a library), and the fix
case_run torch_extension python3 tests/gpu/torch_extension.py
# torch.compile's max-autotune: its matmul template's configs built and benchmarked at start
case_run torch_max_autotune python3 tests/gpu/torch_max_autotune.py
# torch.compile's default on new lengths: one static build, then one dynamic (automatic dynamic)
case_run torch_compile_auto python3 tests/gpu/torch_compile_auto.py
"$KCPROF" archive "$OUT/traces/cuda_graph" >/dev/null 2>&1 # the example trace reads anywhere
# a toy server: builds in its warm-up, and the ones its serving still makes (report --since)
case_run serve_warmup python3 tests/gpu/serve_warmup.py
"$KCPROF" archive "$OUT/traces/serve_warmup" >/dev/null 2>&1
# torch.compile(dynamic=False) fed more lengths than Dynamo's recompile limit
case_fresh torch_compile_limit python3 tests/gpu/torch_compile_limit.py
# a Python number fed to torch.compile(dynamic=False): a build per value, and the fix (a tensor)
case_modes torch_compile_number tests/gpu/torch_compile_number.py static tensor
# PyTorch's jiterator: NVRTC compiles of a text written per dtype (its disk cache off)
USE_PYTORCH_KERNEL_CACHE=0 case_fresh jiterator python3 tests/gpu/jiterator.py
# cuDNN's attention through SDPA on six lengths: NVRTC compiles inside cuDNN
case_fresh cudnn_sdpa python3 tests/gpu/cudnn_sdpa.py
# FlexAttention's mask_mod reading its window from a global, its closure, a tensor
case_modes flex tests/gpu/flex_window.py global captured tensor
# torch.compile(dynamic=False) fed views of a buffer whose width changes: a stride baked in;
# the fix (contiguous), and Dynamo's default
case_modes torch_compile_stride tests/gpu/torch_compile_stride.py static contiguous auto
# a Triton int argument past 2**31 (typed i64), and the fix (a block index)
case_modes triton_int64 tests/gpu/triton_int64.py offset index
# a batch of one under mark_dynamic (Dynamo's 0/1 specialization), and mark_unbacked
case_modes torch_compile_batch1 tests/gpu/torch_compile_batch1.py dynamic unbacked
# a user's Triton kernel inside torch.compile, its BLOCK a power of two per length; the fix
case_modes torch_compile_user_triton tests/gpu/torch_compile_user_triton.py pow2 fixed
# a list whose length changes (a graph per length), and the fix (stacked); a loop count
case_modes torch_compile_list tests/gpu/torch_compile_list.py list stacked
case_fresh torch_compile_loop python3 tests/gpu/torch_compile_loop.py
# @triton.heuristics computing BLOCK per n, and the fix (two buckets)
case_modes triton_heuristics tests/gpu/triton_heuristics.py pow2 bucket
# a tl.constexpr dtype: the recorder names tl.float16 as fp16
case_fresh triton_dtype python3 tests/gpu/triton_dtype.py
# a Triton kernel defined inside the function that launches it, and the fix (module level)
case_modes triton_def tests/gpu/triton_def_inside.py inside module
# numba: a kernel made per call (a new dispatcher each, its closure's value baked in), the
# fix; one kernel per type signature, and those signatures declared up front
case_modes numba tests/gpu/numba_kernels.py closure arg types signatures
# JAX: jax.jit compiled per input length (ptxas run on XLA's PTX), padded on the device (jnp.pad
# compiled per length), the fix (padded on the host), three functions whose kernels XLA names
# alike, a static argument per step, and a matmul's autotuning
XLA_PYTHON_CLIENT_PREALLOCATE=false case_modes jax_jit tests/gpu/jax_jit.py shapes padded host two static matmul
# cuda.core: a Program per request, a macro defined to its limit (--define-macro=), the fix
case_modes cuda_core tests/gpu/cuda_core_define.py define arg
# CuPy: NVRTC with a -D per request (and CuPy's empty-program probes), the fix, a kernel per
# dtype, the length a template argument; then the -D again with CuPy's disk cache warm
for m in define arg dtypes template; do
	CUPY_CACHE_DIR=$ABS_OUT/cupy_$m case_fresh cupy_$m python3 tests/gpu/cupy_define.py $m
done
CUPY_CACHE_DIR=$ABS_OUT/cupy_define case_fresh cupy_define_warm python3 tests/gpu/cupy_define.py define
# torch.compile fed a new sequence length each step, and the fix: `kcprof archive` copies what
# the report reads into the traces, and the caches are moved away before check.py reads it
for m in static dynamic; do
	want torch_compile_$m || continue
	(
		export TRITON_CACHE_DIR=$ABS_OUT/tc_$m TORCHINDUCTOR_CACHE_DIR=$ABS_OUT/ic_$m
		rm -rf "$TRITON_CACHE_DIR" "$TORCHINDUCTOR_CACHE_DIR"
		timeout 300 "$KCPROF" record -q -o "$OUT/traces/torch_compile_$m" -- \
			python3 tests/gpu/torch_compile_seqlen.py $m >"$OUT/logs/torch_compile_$m.out" 2>"$OUT/logs/torch_compile_$m.err"
		say "run  torch_compile_$m: exit $?"
		"$KCPROF" archive --all "$OUT/traces/torch_compile_$m" | tee -a "$SUMMARY"
		mv "$TRITON_CACHE_DIR" "$TRITON_CACHE_DIR.moved"
		mv "$TORCHINDUCTOR_CACHE_DIR" "$TORCHINDUCTOR_CACHE_DIR.moved"
		python3 tests/gpu/check.py torch_compile_$m "$OUT/traces/torch_compile_$m" "$OUT/logs/torch_compile_$m.out" \
			2>>"$OUT/logs/torch_compile_$m.err" | tee -a "$SUMMARY"
	)
done

gcc -O2 -g -I"$CUDA_HOME/include" tests/progs/nvrtc_client.c -o "$OUT/nvrtc_client" \
	-L"$CUDA_HOME/lib64/stubs" -lcuda -L"$CUDA_HOME/lib64" -lnvrtc -lnvJitLink -Wl,-rpath,"$CUDA_HOME/lib64" \
	2>"$OUT/logs/build.err" || say "FAIL build nvrtc_client: $(head -3 "$OUT/logs/build.err")"
# The same client the CPU tests run against the stand-in, here against the real driver.
# A request's length built into its kernel, then passed as an argument: NVRTC's -D, then a
# code generator's PTX (the driver JIT-compiles it at each load).
case_run nvrtc sh -c '"$0" 5 && "$0" arg 5' "$OUT/nvrtc_client"
case_run ptx_jit sh -c '"$0" ptx 5 && "$0" ptx-arg 5' "$OUT/nvrtc_client"
case_run nvjitlink "$OUT/nvrtc_client" link 3
# nvcc run for each request (a -D), its fatbin loaded; then the fix, nvcc run once
case_run nvcc sh -c '"$0" nvcc 5 && "$0" nvcc-arg 5' "$OUT/nvrtc_client"
# the same built into a shared library per request and launched through the runtime, as a JIT
# extension is (torch's cpp_extension, FlashInfer); then the fix
case_run nvcc_so sh -c '"$0" nvcc-so 5 && "$0" nvcc-so-arg 5' "$OUT/nvrtc_client"
# a CUDA runtime program: its kernel loaded by the runtime (linked in, then as a library)
for v in static shared; do
	"$CUDA_HOME/bin/nvcc" -g -O2 -arch=sm_90 -cudart $v tests/gpu/cudart_app.cu -o "$OUT/cudart_$v" \
		2>>"$OUT/logs/build.err" || say "FAIL build cudart_$v: $(tail -3 "$OUT/logs/build.err")"
	case_run cudart_$v "$OUT/cudart_$v" 10
done
for c in nvrtc ptx_jit nvjitlink nvcc nvcc_so; do # the client itself kept, for its lines anywhere
	"$KCPROF" archive "$OUT/traces/$c" >/dev/null 2>&1
done
# What kcprof's start relies on (preload/cupti.c): once cuptiSupportedDomains has started CUPTI,
# before cuInit or after, its subscribes, enables and unsubscribes never wait for the loader's
# lock, which another thread holds here (a library constructor that waits); a dlopen does wait
# (the probe's own check).
CUPTI_LIB=$CUDA_HOME/extras/CUPTI/lib64
if ! want cupti_loader_lock; then
	:
elif gcc -O1 -I"$CUDA_HOME/include" tests/gpu/cupti_loader_lock.c -o "$OUT/cupti_loader_lock" -L"$CUDA_HOME/lib64/stubs" \
	-lcuda -lpthread -ldl -Wl,-rpath,"$CUPTI_LIB:$CUDA_HOME/lib64" 2>>"$OUT/logs/build.err" &&
	gcc -shared -fPIC tests/gpu/libholder.c -o "$OUT/libholder.so" 2>>"$OUT/logs/build.err"; then
	LD_LIBRARY_PATH=$CUPTI_LIB:$CUDA_HOME/lib64 "$OUT/cupti_loader_lock" "$OUT/libholder.so" control >"$OUT/logs/loader_lock_control.txt" 2>&1
	ok=$?
	: >"$OUT/logs/loader_lock.txt"
	for when in after before; do
		env $([ $when = before ] && echo BEFORE_INIT=1) LD_LIBRARY_PATH=$CUPTI_LIB:$CUDA_HOME/lib64 \
			"$OUT/cupti_loader_lock" "$OUT/libholder.so" first:cuptiSupportedDomains >>"$OUT/logs/loader_lock.txt" 2>&1
		n=$(grep -cE "^(cuptiSubscribe|cuptiEnableCallback|cuptiUnsubscribe).* returned 0 with" "$OUT/logs/loader_lock.txt")
		said=$(grep -c "^CUPTI version .*, $([ $when = before ] && echo before || echo after) cuInit" "$OUT/logs/loader_lock.txt")
		[ $ok -eq 3 ] && [ "$said" -eq 1 ] && [ "$n" -ge $([ $when = after ] && echo 6 || echo 12) ] && r=PASS || r=FAIL
		say "$r cupti_loader_lock: CUPTI started by cuptiSupportedDomains $when cuInit: subscribe, enable, unsubscribe never wait for the loader's lock (control dlopen waited: exit $ok)"
	done
	grep "WAITS" "$OUT/logs/loader_lock.txt" | sed 's/^/INFO cupti_loader_lock: /' | tee -a "$SUMMARY"
else
	say "FAIL build cupti_loader_lock: $(tail -3 "$OUT/logs/build.err")"
fi

# ---- overhead: alternate with and without the recorder ----------------------------------
if want bench; then
# Every benchmark process is pinned to one core (PIN), so that pairs differ by the recorder and
# not by where the scheduler put them.
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 3"
gcc -O2 -I"$CUDA_HOME/include" tests/gpu/launch_bench.c -o "$OUT/launch_bench" -L"$CUDA_HOME/lib64/stubs" -lcuda \
	2>>"$OUT/logs/build.err"
LIB=$(dirname "$(readlink -f "$KCPROF")")/libkcprof.so
# 1. The stand-in driver (`make carry` brings it): the hook's own cost on this host's CPU,
#    with nothing of the driver's ~2 us in the way.
if [ -x build/tests/bin/drv_client ] && [ -x build/tests/bench/harness ]; then
	N=4000000
	out=$(KCT_DATA=tests/data LD_LIBRARY_PATH=$PWD/build/tests/lib KCPROF_CUPTI=0 $PIN build/tests/bench/harness 9 -- \
		build/tests/bin/drv_client busy $N --vs env LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench-standin \
		build/tests/bin/drv_client busy $N 2>&1)
	echo "$out" >"$OUT/logs/bench_standin.txt"
	HOOK_NS=$(echo "$out" | awk -v n=$N '/^A:/ {a=$3} /^B:/ {b=$3} END {printf "%.1f", (b-a)*1e9/n}')
	say "bench stand-in driver, $N launches, 9 pairs pinned: $(echo "$out" | awk -v n=$N '/^A:/ {a=$3} /^B:/ {b=$3} END {printf "bare %.1f ns/launch, recorded %.1f ns/launch, recorder adds %.1f ns", a*1e9/n, b*1e9/n, (b-a)*1e9/n}')"
fi
# 2. The real driver: host time of the launch call itself (batches of 64, GPU drained between
#    batches), 7 processes of each kind alternating; the medians and their difference.
#    KCPROF_FLUSH_MS=100: CUPTI's launch callbacks switch off (the hooks see every launch)
#    within the benchmark's first tenth of a second, as within a server's first second.
for i in 1 2 3 4 5 6 7; do
	$PIN "$OUT/launch_bench" >>"$OUT/logs/bench_bare.txt"
	LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench KCPROF_CUPTI=0 $PIN "$OUT/launch_bench" >>"$OUT/logs/bench_hooked.txt"
	LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench KCPROF_FLUSH_MS=100 $PIN "$OUT/launch_bench" >>"$OUT/logs/bench_cupti.txt"
done
for f in bare hooked cupti; do sed -i 's/^ns_per_launch /x /' "$OUT/logs/bench_$f.txt"; done
# Processes differ by +-10% here (the driver's ~3.5 us a launch): the median of the pairwise
# differences, with their spread, says what the recorder adds.
pairs() { paste "$OUT/logs/bench_bare.txt" "$OUT/logs/$1" | awk '{print $4 - $2}' | sort -n |
	awk '{a[NR]=$1} END {printf "%+.0f ns (pairs %+.0f..%+.0f)", a[int((NR+1)/2)], a[1], a[NR]}'; }
say "bench cuLaunchKernel host time, 7 pairs of processes, median of pair differences: hooks $(pairs bench_hooked.txt), hooks+CUPTI $(pairs bench_cupti.txt); bare median $(sort -n -k2 "$OUT/logs/bench_bare.txt" | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}') ns"
# 2b. The same in one process: the hooked symbol against the driver's own function, batch by
#     batch (launch_ab.c; `make carry` brings it, found libelf in build/). Without the
#     recorder both are the driver's: that difference is the method's floor.
if [ -x build/tests/gpu/launch_ab ]; then
	say "bench in one process, no recorder:  $($PIN build/tests/gpu/launch_ab 2>&1 | tail -1)"
	say "bench in one process, hooks:        $(LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench KCPROF_CUPTI=0 $PIN build/tests/gpu/launch_ab 2>&1 | tail -1)"
	say "bench in one process, hooks+CUPTI:  $(LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench KCPROF_FLUSH_MS=100 $PIN build/tests/gpu/launch_ab 2>&1 | tail -1)"
	say "bench graph launch, no recorder:    $($PIN build/tests/gpu/launch_ab 2000 graph 2>&1 | tail -1)"
	say "bench graph launch, hooks:          $(LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench KCPROF_CUPTI=0 $PIN build/tests/gpu/launch_ab 2000 graph 2>&1 | tail -1)"
fi
# 3. A Triton launch loop, 9 processes of each kind alternating, pinned; which of a pair runs
#    first alternates too (the second of a pair read slower on some hosts).
loop_bare() { $PIN python3 tests/gpu/triton_loop.py 2>/dev/null | tail -1 >>"$OUT/logs/loop_bare.txt"; }
loop_rec() {
	LD_PRELOAD=$LIB KCPROF_OUT=$OUT/traces/bench KCPROF_FLUSH_MS=100 $PIN python3 tests/gpu/triton_loop.py \
		2>/dev/null | tail -1 >>"$OUT/logs/loop_rec.txt"
}
for i in 1 2 3 4 5 6 7 8 9; do
	if [ $((i % 2)) = 1 ]; then loop_bare; loop_rec; else loop_rec; loop_bare; fi
done
say "bench Triton launch loop, 9 processes each, alternating, either first by turns: $(python3 -c "
import json, statistics
b = [json.loads(l)['launches_per_s'] for l in open('$OUT/logs/loop_bare.txt')]
r = [json.loads(l)['launches_per_s'] for l in open('$OUT/logs/loop_rec.txt')]
print('bare median %.0f/s, recorded median %.0f/s, recorded/bare median of pairs %.3f (pairs %s)' % (
    statistics.median(b), statistics.median(r), statistics.median(x / y for x, y in zip(r, b)),
    ' '.join('%.3f' % (x / y) for x, y in zip(r, b))))
added = float('${HOOK_NS:-0}' or 0)
if added:
    print('     the hook (%.1f ns, stand-in on this CPU) in a launch the loop makes every %.0f ns: %.2f%% of its throughput' % (
        added, 1e9 / statistics.median(b), 100 * added * statistics.median(b) / 1e9))")"

fi # want bench
fi # SKIP_RECORDER

# ---- GPU time (record --gpu-time): kernel run times against build cost, PDL gaps ----------
if [ "${SKIP_GPU_TIME:-0}" != 1 ]; then
	gt_run() { # NAME COMMAND...: record with --gpu-time
		local name=$1
		shift
		timeout 300 "$KCPROF" record -q --gpu-time -o "$OUT/traces/$name" -- "$@" >"$OUT/logs/$name.out" 2>"$OUT/logs/$name.err"
		say "run  $name: exit $?"
	}
	export TRITON_CACHE_DIR=$ABS_OUT/triton-cache-gt
	rm -rf "$TRITON_CACHE_DIR"
	gt_run gt_triton python3 tests/gpu/triton_constexpr.py
	cp -r "$TRITON_CACHE_DIR" "$OUT/traces/gt_triton/triton-cache" 2>/dev/null
	python3 tests/gpu/check.py gpu_time "$OUT/traces/gt_triton" "$OUT/logs/gt_triton.out" | tee -a "$SUMMARY"
	"$KCPROF" report "$OUT/traces/gt_triton" >"$OUT/logs/gt_triton_report.txt" 2>&1
	grep -m3 -E "^GPU time|    GPU:" "$OUT/logs/gt_triton_report.txt" | tee -a "$SUMMARY"
	gt_run gt_profiler python3 tests/gpu/profiler.py
	python3 tests/gpu/check.py gpu_time_profiler "$OUT/traces/gt_profiler" "$OUT/logs/gt_profiler.out" | tee -a "$SUMMARY"
	if [ -x build/kernels/chain_bench ]; then
		for mode in nopdl pdl; do
			gt_run gt_chain_$mode build/kernels/chain_bench $mode
			grep round "$OUT/logs/gt_chain_$mode.out" | tail -1 | tee -a "$SUMMARY"
			"$KCPROF" report --all "$OUT/traces/gt_chain_$mode" >"$OUT/logs/gt_chain_${mode}_report.txt" 2>&1
			# the streams' idle time, then the kernels that ran (those with a GPU: line)
			awk '/^streams idle/ {print} /^ *[0-9]+\. / {k=$0} /^    GPU:/ {print k; print} /^    gaps:/ {print}' \
				"$OUT/logs/gt_chain_${mode}_report.txt" | sed "s/^/     $mode: /" | tee -a "$SUMMARY"
		done
	fi
fi

# ---- the reference kernels: correctness, sanitizers, the PDL chain, the decode comparison ----
if [ -x build/kernels/check_kernels ] && [ "${SKIP_KERNELS:-0}" != 1 ]; then
	# the full check (380 cases, the 270-request gated walks among them): about 110 s alone on an H100
	timeout 300 build/kernels/check_kernels >"$OUT/logs/check_kernels.txt" 2>&1
	rc=$?
	say "kernels: $(grep -c '^PASS' "$OUT/logs/check_kernels.txt") checks passed, exit $rc"
	grep '^FAIL' "$OUT/logs/check_kernels.txt" | tee -a "$SUMMARY"
	[ $rc -eq 0 ] || say "FAIL check_kernels exit $rc: $(tail -2 "$OUT/logs/check_kernels.txt" | tr '\n' ' ')"
	for tool in memcheck racecheck; do
		timeout 240 compute-sanitizer --tool $tool --error-exitcode 9 build/kernels/check_kernels --quick \
			>"$OUT/logs/sanitizer_$tool.txt" 2>&1
		rc=$?
		say "$([ $rc -eq 0 ] && echo PASS || echo FAIL) compute-sanitizer $tool: exit $rc, $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$OUT/logs/sanitizer_$tool.txt" | tail -1)"
	done
	cuobjdump -sass build/kernels/kc_kernels.cubin >"$OUT/logs/sass.txt" 2>&1
	say "sass: $(grep -c 'LDG.E.128' "$OUT/logs/sass.txt") LDG.E.128, $(grep -c 'LDL\|STL' "$OUT/logs/sass.txt") local-memory ops"
	# the chain under kcprof: one build per kernel for the whole run
	case_start=$(date +%s%N)
	timeout 120 "$KCPROF" record -q -o "$OUT/traces/kernels" -- build/kernels/chain_bench >"$OUT/logs/chain_bench.txt" 2>&1
	say "chain_bench: exit $? in $((($(date +%s%N) - case_start) / 1000000)) ms"
	cat "$OUT/logs/chain_bench.txt" | tee -a "$SUMMARY"
	"$KCPROF" report "$OUT/traces/kernels" >"$OUT/logs/kernels_report.txt" 2>&1
	"$KCPROF" check "$OUT/traces/kernels" | tee -a "$SUMMARY"
	if [ "${SKIP_DECODE_BENCH:-0}" != 1 ]; then
		timeout 400 python3 kernels/bench.py ${DECODE_BENCH_ARGS:-} --out "$OUT/logs/bench.json" 2>&1 | tee -a "$SUMMARY"
	fi
fi

# Results worth keeping come back as one archive (the device keeps nothing).
if [ -n "${OUT_ARCHIVE:-}" ]; then
	tar -czf "$OUT_ARCHIVE" --exclude='triton-cache/*/*.so' --exclude='traces/torch_*/images' \
		--exclude='traces/profiler/images' --exclude='traces/bench' -C "$OUT" traces logs summary.txt 2>/dev/null
	say "archive: $(du -h "$OUT_ARCHIVE" | cut -f1)"
fi
grep -c '^FAIL' "$SUMMARY" >/dev/null && exit 1 || exit 0
