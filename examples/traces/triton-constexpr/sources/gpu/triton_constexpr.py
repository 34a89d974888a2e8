"""A Triton kernel whose tl.constexpr takes a new value every call (the SGLang ragged
attention-mask pattern), beside the two fixes: the value as a runtime argument (still two
variants: Triton specialises ints on divisibility by 16, and 512 is one), and the runtime
argument with do_not_specialize (one variant).

Prints one JSON line of what it did, for check.py."""
import json
import os
import sys

import torch
import triton
import triton.language as tl

STEPS = int(os.environ.get("STEPS", "20"))


@triton.jit
def fill_mask(mask_ptr, n, MAX_LEN: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(mask_ptr + offs, (offs < MAX_LEN).to(tl.int8), mask=offs < n)


@triton.jit
def fill_mask_runtime(mask_ptr, n, max_len, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(mask_ptr + offs, (offs < max_len).to(tl.int8), mask=offs < n)


@triton.jit(do_not_specialize=["max_len"])
def fill_mask_fixed(mask_ptr, n, max_len, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(mask_ptr + offs, (offs < max_len).to(tl.int8), mask=offs < n)


def main():
    n = 4096
    mask = torch.empty(n, dtype=torch.int8, device="cuda")
    grid = (triton.cdiv(n, 256),)
    for step in range(STEPS):
        max_len = 500 + step  # a request's length: 500..519, crosses 512
        fill_mask[grid](mask, n, MAX_LEN=max_len, BLOCK=256)
        assert int(mask.sum()) == max_len
        fill_mask_runtime[grid](mask, n, max_len, BLOCK=256)
        fill_mask_fixed[grid](mask, n, max_len, BLOCK=256)
    torch.cuda.synchronize()
    values = [500 + s for s in range(STEPS)]
    print(json.dumps({"case": "triton_constexpr", "expect": {
        "fill_mask": {"variants": STEPS, "launches": STEPS},
        "fill_mask_runtime": {"variants": 1 + (512 in values) if any(v % 16 for v in values) else 1,
                              "launches": STEPS},
        "fill_mask_fixed": {"variants": 1, "launches": STEPS}}}))


if __name__ == "__main__":
    sys.exit(main())
