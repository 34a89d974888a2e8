"""CUDA graphs, as a server's decode loop runs them: a Triton kernel whose BLOCK constexpr
follows the batch size, captured once per batch size (vLLM and SGLang capture a graph per
batch size at start-up), with a PyTorch op beside it, then the graphs replayed in a random
order. Each variant is launched twice by the host (a warm-up, then into the capture) and runs
hundreds of times in replays: a one-time build per batch size, not churn. Counted by host
launches alone it would read as a new build for almost every launch.

Then torch.compile(mode="reduce-overhead"), whose CUDA graph trees replay Inductor's kernels.

Prints one JSON line of what it did, for check.py."""
import json
import os
import random
import sys

import torch
import triton
import triton.language as tl

BATCHES = [1, 2, 4, 8, 16, 32, 64, 128]
REPLAYS = int(os.environ.get("REPLAYS", "800"))
COMPILED_CALLS = int(os.environ.get("COMPILED_CALLS", "40"))
D = 256


@triton.jit
def scale_rows(x_ptr, out_ptr, n_rows, D: tl.constexpr, BLOCK: tl.constexpr):
    rows = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    cols = tl.arange(0, D)
    m = rows[:, None] < n_rows
    x = tl.load(x_ptr + rows[:, None] * D + cols[None, :], mask=m)
    tl.store(out_ptr + rows[:, None] * D + cols[None, :], x * 2.0, mask=m)


def step(x, out, b):
    block = triton.next_power_of_2(b)  # the bucket: a new variant per captured size
    scale_rows[(1,)](x, out, b, D=D, BLOCK=block)
    out.add_(1.0)  # a PyTorch kernel in the same graph


def main():
    random.seed(0)
    graphs, bufs = {}, {}
    side = torch.cuda.Stream()
    for b in BATCHES:
        x = torch.randn(b, D, device="cuda")
        out = torch.empty_like(x)
        bufs[b] = (x, out)
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            step(x, out, b)  # warm-up: compiles, outside the capture
        torch.cuda.current_stream().wait_stream(side)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            step(x, out, b)
        graphs[b] = g
    torch.cuda.synchronize()
    order = [random.choice(BATCHES) for _ in range(REPLAYS)]
    for b in order:
        graphs[b].replay()
    torch.cuda.synchronize()
    x, out = bufs[8]
    assert torch.allclose(out, x * 2.0 + 1.0), "the replayed graph computed what eager did"

    @torch.compile(mode="reduce-overhead")
    def fused(a):
        return torch.sin(a) * 2.0 + torch.cos(a)

    a = torch.randn(4096, device="cuda")
    for _ in range(COMPILED_CALLS):
        r = fused(a)
    torch.cuda.synchronize()
    assert torch.allclose(r, torch.sin(a) * 2.0 + torch.cos(a), atol=1e-5)
    per_batch = {b: order.count(b) for b in BATCHES}
    print(json.dumps({"case": "cuda_graph", "expect": {
        "scale_rows": {"variants": len(BATCHES), "host_launches": 2 * len(BATCHES),
                       "captured": len(BATCHES), "graph_runs": REPLAYS,
                       "runs": len(BATCHES) + REPLAYS},
        "graphs": len(BATCHES), "replays": REPLAYS, "per_batch": per_batch,
        "compiled_calls": COMPILED_CALLS}}))


if __name__ == "__main__":
    sys.exit(main())
