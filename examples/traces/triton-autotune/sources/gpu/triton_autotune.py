"""An autotune wrapper on a hot kernel (a decode step's RMS-norm-like row scale): the
first call builds and benchmarks every config, beside the fix: the chosen config launched
directly (one build, no autotuner on the launch path).

Prints one JSON line of what it did, for check.py."""
import json
import sys

import torch
import triton
import triton.language as tl

CALLS = 50
CONFIGS = [
    triton.Config({"BLOCK": 256}, num_warps=2),
    triton.Config({"BLOCK": 512}, num_warps=4),
    triton.Config({"BLOCK": 1024}, num_warps=4),
    triton.Config({"BLOCK": 1024}, num_warps=8),
]


@triton.autotune(configs=CONFIGS, key=["n"])
@triton.jit
def scale_rows(x_ptr, w_ptr, out_ptr, n, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    for start in range(0, n, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        m = offs < n
        x = tl.load(x_ptr + row * n + offs, mask=m, other=0.0)
        w = tl.load(w_ptr + offs, mask=m, other=0.0)
        tl.store(out_ptr + row * n + offs, x * w, mask=m)


@triton.jit
def scale_rows_fixed(x_ptr, w_ptr, out_ptr, n, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    for start in range(0, n, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        m = offs < n
        x = tl.load(x_ptr + row * n + offs, mask=m, other=0.0)
        w = tl.load(w_ptr + offs, mask=m, other=0.0)
        tl.store(out_ptr + row * n + offs, x * w, mask=m)


def main():
    rows, n = 64, 4096
    x = torch.randn(rows, n, device="cuda")
    w = torch.randn(n, device="cuda")
    out = torch.empty_like(x)
    for _ in range(CALLS):
        scale_rows[(rows,)](x, w, out, n)
    torch.cuda.synchronize()
    assert torch.allclose(out, x * w)
    best = scale_rows.best_config
    for _ in range(CALLS):
        scale_rows_fixed[(rows,)](x, w, out, n, BLOCK=best.kwargs["BLOCK"], num_warps=best.num_warps,
                                  num_stages=best.num_stages)
    torch.cuda.synchronize()
    print(json.dumps({"case": "triton_autotune", "best": str(best), "expect": {
        "scale_rows": {"variants": len(CONFIGS), "min_launches": CALLS},
        "scale_rows_fixed": {"variants": 1, "launches": CALLS}}}))


if __name__ == "__main__":
    sys.exit(main())
