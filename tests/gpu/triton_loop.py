"""A host-bound Triton launch loop (a decode step's kernel, launched per layer per token):
launches per second, printed for run.sh to compare with and without the recorder."""
import json
import time

import torch
import triton
import triton.language as tl


@triton.jit
def step(x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(x_ptr + offs, tl.load(x_ptr + offs, mask=m) + 1.0, mask=m)


x = torch.zeros(4096, device="cuda")
for _ in range(100):
    step[(4,)](x, 4096, BLOCK=1024)
torch.cuda.synchronize()
best = 0.0
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(5000):
        step[(4,)](x, 4096, BLOCK=1024)
    torch.cuda.synchronize()
    best = max(best, 5000 / (time.perf_counter() - t0))
print(json.dumps({"launches_per_s": best}))
