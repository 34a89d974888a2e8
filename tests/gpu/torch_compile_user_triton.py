"""A user's Triton kernel called inside torch.compile(dynamic=False), its BLOCK a tl.constexpr.

    python3 torch_compile_user_triton.py pow2     # BLOCK = next_power_of_2(n): a build per bucket
    python3 torch_compile_user_triton.py fixed    # one BLOCK that serves every n, a loop over it

Inductor copies a user's @triton.jit kernel into its own module and wraps it in its
user_autotune decorator, with no configs: no autotuning happens, and BLOCK taking a new power
of two per length is a build each (with dynamic=False also a graph each). Prints what it did
as one JSON line (tests/gpu/check.py)."""
import json
import sys

import torch
import triton
import triton.language as tl

mode = sys.argv[1] if len(sys.argv) > 1 else "pow2"
assert mode in ("pow2", "fixed"), mode
LENGTHS = [100, 300, 700, 1500, 100, 3000]


@triton.jit
def row_sum(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for start in range(0, n, BLOCK):
        offs = start + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + tl.program_id(0) * n + offs, mask=offs < n, other=0.0)
    tl.store(y_ptr + tl.program_id(0), tl.sum(acc))


def step(x):
    y = torch.empty(x.shape[0], device=x.device)
    block = triton.next_power_of_2(x.shape[1]) if mode == "pow2" else 1024
    row_sum[(x.shape[0],)](x, y, x.shape[1], BLOCK=block)
    return y * 2


def main():
    f = torch.compile(step, dynamic=False if mode == "pow2" else None)
    for n in LENGTHS:
        f(torch.randn(8, n, device="cuda"))
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_user_triton", "mode": mode, "lengths": LENGTHS}))


if __name__ == "__main__":
    sys.exit(main())
