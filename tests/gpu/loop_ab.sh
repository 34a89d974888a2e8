#!/bin/bash
# tests/gpu/loop_ab.sh ROUNDS LIB... - the Triton launch loop (triton_loop.py) bare and under
# each recorder library, ROUNDS rounds, the order rotated a round, every process pinned to one
# core: launches per second, and per library the median over rounds of recorded/bare taken round
# by round (so that the machine's drift falls on all alike). To compare two builds of the
# recorder side by side: tests/gpu/loop_ab.sh 12 old/libkcprof.so build/libkcprof.so
set -u
cd "$(dirname "$0")/../.."
ROUNDS=${1:?rounds}
shift
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 3"
OUTDIR=$(mktemp -d)
names=(bare "$@")
for ((r = 0; r < ROUNDS; r++)); do
	line="round $r:"
	for ((k = 0; k < ${#names[@]}; k++)); do
		i=$(((k + r) % ${#names[@]}))
		lib=${names[$i]}
		if [ "$lib" = bare ]; then
			v=$($PIN python3 tests/gpu/triton_loop.py 2>/dev/null | tail -1)
		else
			v=$(LD_PRELOAD=$(readlink -f "$lib") KCPROF_OUT=$OUTDIR/t$i KCPROF_FLUSH_MS=100 \
				$PIN python3 tests/gpu/triton_loop.py 2>/dev/null | tail -1)
		fi
		v=$(echo "$v" | python3 -c "import json,sys; print('%.0f' % json.load(sys.stdin)['launches_per_s'])")
		echo "$v" >>"$OUTDIR/rate$i"
		line="$line ${names[$i]}=$v"
	done
	echo "$line"
done
python3 - "$OUTDIR" "${names[@]}" <<'PY'
import statistics, sys
d, names = sys.argv[1], sys.argv[2:]
rates = [[float(x) for x in open(f"{d}/rate{i}")] for i in range(len(names))]
print("bare median %.0f launches/s" % statistics.median(rates[0]))
for i in range(1, len(names)):
    r = [a / b for a, b in zip(rates[i], rates[0])]
    print("%s: median %.0f/s, recorded/bare median of rounds %.3f (min %.3f, max %.3f)" % (
        names[i], statistics.median(rates[i]), statistics.median(r), min(r), max(r)))
PY
rm -rf "$OUTDIR"
