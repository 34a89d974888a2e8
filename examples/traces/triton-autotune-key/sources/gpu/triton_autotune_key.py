"""@triton.autotune keyed on the number of tokens, which changes every step (a server's batch):
the autotuner benchmarks its configs again at every new key value, for as long as the program
runs. Beside it, the fix: the same kernel keyed on the token count's bucket (its power of two),
one value here, so it is tuned once.

Prints one JSON line of what it did, for check.py."""
import json
import sys

import torch
import triton
import triton.language as tl

STEPS = 16
CALLS = 5  # calls a step
CONFIGS = [
    triton.Config({"BLOCK": 256}, num_warps=2),
    triton.Config({"BLOCK": 512}, num_warps=4),
    triton.Config({"BLOCK": 1024}, num_warps=4),
]


@triton.autotune(configs=CONFIGS, key=["n"])
@triton.jit
def scale_tokens(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m) * 2, mask=m)


@triton.autotune(configs=CONFIGS, key=["n_bucket"])
@triton.jit
def scale_tokens_bucketed(x_ptr, y_ptr, n, n_bucket, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m) * 2, mask=m)


def main():
    for step in range(STEPS):
        n = 4160 + 256 * step  # a new token count each step, all in one power-of-two bucket
        x = torch.randn(n, device="cuda")
        y = torch.empty_like(x)
        grid = lambda meta: (triton.cdiv(n, meta["BLOCK"]),)
        for _ in range(CALLS):
            scale_tokens[grid](x, y, n)
            scale_tokens_bucketed[grid](x, y, n, triton.next_power_of_2(n))
    torch.cuda.synchronize()
    print(json.dumps({"case": "triton_autotune_key", "steps": STEPS, "calls": CALLS,
                      "configs": len(CONFIGS)}))


if __name__ == "__main__":
    sys.exit(main())
