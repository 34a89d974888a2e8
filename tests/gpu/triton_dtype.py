"""A Triton kernel whose output dtype is a tl.constexpr (tl.float16, tl.bfloat16, tl.float32),
each used three times: a build per dtype, once each, as Triton must. Prints what it did as one
JSON line (tests/gpu/check.py): the recorder reads a dtype's name from Triton's own object."""
import json
import sys

import torch
import triton
import triton.language as tl

DTYPES = [(torch.float16, tl.float16), (torch.bfloat16, tl.bfloat16), (torch.float32, tl.float32)]
STEPS = 9


@triton.jit
def cast_scale(x_ptr, y_ptr, n, OUT_DTYPE: tl.constexpr, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, (tl.load(x_ptr + offs, mask=m) * 2).to(OUT_DTYPE), mask=m)


def main():
    x = torch.randn(4096, device="cuda")
    for step in range(STEPS):
        dt, tdt = DTYPES[step % len(DTYPES)]
        y = torch.empty(4096, device="cuda", dtype=dt)
        cast_scale[(4,)](x, y, 4096, OUT_DTYPE=tdt, BLOCK=1024)
    torch.cuda.synchronize()
    print(json.dumps({"case": "triton_dtype", "dtypes": [t.name for _, t in DTYPES], "steps": STEPS}))


if __name__ == "__main__":
    sys.exit(main())
