"""A Triton kernel given a block's element offset into a KV pool larger than 2**31 elements.

    python3 triton_int64.py offset    # the bug: the offset an int argument, past 2**31 for some
    python3 triton_int64.py index     # the fix: the block's index, the offset made in the kernel

Triton types an int argument by its value: i32 up to 2**31-1, i64 past it, and each type is a
build of its own, so the first block past 2**31 elements builds the kernel again (a second
launcher too), while requests wait. Passing the block's index (small) and multiplying it in
the kernel as tl.int64 keeps one build. Prints what it did as one JSON line
(tests/gpu/check.py)."""
import json
import sys

import torch
import triton
import triton.language as tl

mode = sys.argv[1] if len(sys.argv) > 1 else "offset"
assert mode in ("offset", "index"), mode
BLOCK_ELEMS = 1 << 28  # elements a pool block (int8): 256 MiB
BLOCKS = 10  # 2.5 GiB of pool: blocks 8 and 9 begin past 2**31
STEPS = 30


@triton.jit
def copy_block(pool_ptr, out_ptr, base, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    tl.store(out_ptr + offs, tl.load(pool_ptr + base + offs))


@triton.jit
def copy_block_indexed(pool_ptr, out_ptr, block, BLOCK_ELEMS: tl.constexpr, BLOCK: tl.constexpr):
    base = block.to(tl.int64) * BLOCK_ELEMS
    offs = tl.arange(0, BLOCK)
    tl.store(out_ptr + offs, tl.load(pool_ptr + base + offs))


def main():
    pool = torch.zeros(BLOCKS * BLOCK_ELEMS, dtype=torch.int8, device="cuda")
    out = torch.empty(1024, dtype=torch.int8, device="cuda")
    for step in range(STEPS):
        block = step % BLOCKS
        if mode == "offset":
            copy_block[(1,)](pool, out, block * BLOCK_ELEMS, BLOCK=1024)
        else:
            copy_block_indexed[(1,)](pool, out, block, BLOCK_ELEMS=BLOCK_ELEMS, BLOCK=1024)
    torch.cuda.synchronize()
    print(json.dumps({"case": "triton_int64", "mode": mode, "steps": STEPS, "blocks": BLOCKS,
                      "block_elems": BLOCK_ELEMS}))


if __name__ == "__main__":
    sys.exit(main())
