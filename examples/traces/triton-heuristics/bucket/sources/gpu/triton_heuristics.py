"""@triton.heuristics computing a kernel's BLOCK from the call's n, a new n per request.

    python3 triton_heuristics.py pow2      # the bug: BLOCK = next_power_of_2(n), a build each
    python3 triton_heuristics.py bucket    # the fix: two buckets, the kernel loops over n

The heuristic runs at each launch, before Triton's cache lookup: a tl.constexpr it sets is
specialised on like one the caller passes. EVEN_N (n % 64 == 0), a flag, is a build each
value in both. Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import sys

import torch
import triton
import triton.language as tl

mode = sys.argv[1] if len(sys.argv) > 1 else "pow2"
assert mode in ("pow2", "bucket"), mode
LENGTHS = [100, 128, 300, 640, 1000, 2048, 100, 3000, 5000]  # a request's
CALLS = 6  # layers a request


def block_of(args):
    n = args["n"]
    return triton.next_power_of_2(n) if mode == "pow2" else (512 if n <= 512 else 4096)


@triton.heuristics({"BLOCK": block_of, "EVEN_N": lambda a: a["n"] % 64 == 0})
@triton.jit
def scale(x_ptr, n, BLOCK: tl.constexpr, EVEN_N: tl.constexpr):
    for start in range(0, n, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        if EVEN_N:
            tl.store(x_ptr + offs, tl.load(x_ptr + offs) * 2)
        else:
            tl.store(x_ptr + offs, tl.load(x_ptr + offs, mask=offs < n) * 2, mask=offs < n)


def main():
    x = torch.randn(8192, device="cuda")
    for n in LENGTHS:
        for _ in range(CALLS):
            scale[(1,)](x, n)
    torch.cuda.synchronize()
    print(json.dumps({"case": "triton_heuristics", "mode": mode, "lengths": LENGTHS, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
