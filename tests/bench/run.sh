#!/bin/bash
# tests/bench/run.sh - `make bench` on a CPU machine:
#  1. the recorder's cost per intercepted launch, against the stand-in driver: instructions per
#     launch under callgrind (repeatable on a noisy machine) and wall time side by side;
#  2. the analyzer on a generated trace of 1M launch records and 100k module loads in 8
#     processes: time and peak memory against the trace's size.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
B=$BUILD/tests/bench
mkdir -p "$B"
LIB=$PWD/$BUILD/libkcprof.so
CLIENT=$BUILD/tests/bin/drv_client
export KCT_DATA=tests/data KCPROF_CUPTI=0
N=2000000
echo "== recorder: $N launches of one kernel through cuLaunchKernel (stand-in driver)"
out=$($B/harness 9 -- $CLIENT busy $N --vs env LD_PRELOAD=$LIB KCPROF_OUT=$B/rec.data $CLIENT busy $N)
echo "$out" | sed 's/^A:/bare:    /; s/^B:/recorded:/; s/^A\/B/bare\/recorded/'
echo "$out" | awk -v n=$N '/^A:/ {a=$3} /^B:/ {b=$3} END {printf "recorder cost per launch (wall, side by side): %.1f ns\n", (b-a)*1e9/n}'
if command -v valgrind >/dev/null; then
	M=200000
	ir() { valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {n=$NF} END {print n}'; }
	bare=$(ir $CLIENT busy $M)
	rec=$(ir env LD_PRELOAD=$LIB KCPROF_OUT=$B/rec.data $CLIENT busy $M)
	bare0=$(ir $CLIENT busy 0)
	rec0=$(ir env LD_PRELOAD=$LIB KCPROF_OUT=$B/rec.data $CLIENT busy 0)
	echo "instructions per launch: bare $(( (bare - bare0) / M )), recorded $(( (rec - rec0) / M )); the recorder adds $(( ((rec - rec0) - (bare - bare0)) / M ))"
fi
G=1000000
echo "== recorder: $G launches of a CUDA graph of one kernel through cuGraphLaunch (stand-in driver)"
out=$($B/harness 9 -- $CLIENT graphbusy $G --vs env LD_PRELOAD=$LIB KCPROF_OUT=$B/rec.data $CLIENT graphbusy $G)
echo "$out" | sed 's/^A:/bare:    /; s/^B:/recorded:/; s/^A\/B/bare\/recorded/'
echo "$out" | awk -v n=$G '/^A:/ {a=$3} /^B:/ {b=$3} END {printf "recorder cost per graph launch (wall, side by side): %.1f ns\n", (b-a)*1e9/n}'
echo
echo "== analyzer: generated trace, 8 processes, 100k module loads, 1M launch records"
rm -rf $B/big.data && mkdir -p $B/big.data
$B/gen_trace $B/big.data 8 100000 1000000
size_kb=$(du -sk $B/big.data | cut -f1)
echo "trace size: $((size_kb / 1024)) MB"
$B/harness 5 -- $BUILD/kcprof report $B/big.data
$B/harness 3 -- $BUILD/kcprof report --json $B/big.data
$B/harness 3 -- $BUILD/kcprof export $B/big.data --chrome $B/big.json
echo
echo "== analyzer: NVRTC compiles linked by nvJitLink, then loaded (80k of each)"
for mode in 1 0; do
	rm -rf $B/chain.data && mkdir -p $B/chain.data
	$B/gen_trace $B/chain.data chain 80000 $mode
	[ $mode = 1 ] && echo "the same PTX and cubin each time:" || echo "a new -D value each time (80k variants):"
	$B/harness 3 -- $BUILD/kcprof report $B/chain.data
done
