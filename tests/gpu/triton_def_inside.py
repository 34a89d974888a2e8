"""A Triton kernel defined inside the function that launches it, and the fix.

    python3 triton_def_inside.py inside   # the bug: @triton.jit inside step(): each call makes a
                                          # new JITFunction, its in-memory cache empty: Triton
                                          # finds the build on disk and loads it again
    python3 triton_def_inside.py module   # the fix: the kernel defined once, at module level

Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import sys

import torch
import triton
import triton.language as tl

mode = sys.argv[1] if len(sys.argv) > 1 else "inside"
assert mode in ("inside", "module"), mode
STEPS = 6


@triton.jit
def scale_module(X, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    m = offs < n
    tl.store(X + offs, tl.load(X + offs, mask=m) * 2, mask=m)


def step(x, n):
    if mode == "module":
        scale_module[(1,)](x, n, BLOCK=1024)
        return

    @triton.jit
    def scale_inner(X, n, BLOCK: tl.constexpr):
        offs = tl.arange(0, BLOCK)
        m = offs < n
        tl.store(X + offs, tl.load(X + offs, mask=m) * 2, mask=m)

    scale_inner[(1,)](x, n, BLOCK=1024)


x = torch.ones(1024, device="cuda")
for i in range(STEPS):
    step(x, 1000 + i)
torch.cuda.synchronize()
print(json.dumps({"case": "triton_def_" + mode, "mode": mode, "steps": STEPS}))
