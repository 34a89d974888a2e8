"""torch.compile on a small layer (RMSNorm and a SiLU gate) fed a new sequence length each step.

    python3 torch_compile_seqlen.py static    # torch.compile(dynamic=False): a build per length
    python3 torch_compile_seqlen.py dynamic   # the sequence dimension marked dynamic: one build

With dynamic=False, Inductor bakes each input's shape into its kernels (the length as a constant),
so every new length is a new Dynamo graph, a new Triton kernel, a compile and a module load. The
fix marks the varying dimension dynamic (torch._dynamo.mark_dynamic), so that one kernel takes
the length as a runtime argument. Prints what it did as one JSON line (tests/gpu/check.py)."""
import json
import sys
import time

import torch

mode = sys.argv[1] if len(sys.argv) > 1 else "static"
assert mode in ("static", "dynamic"), mode
HIDDEN = 1024
LENGTHS = [97, 130, 211, 256, 301, 419]  # a new sequence length each step (under Dynamo's 8 recompiles)
CALLS = 5  # calls a step


def rms_gate(x, w):
    x32 = x.float()
    y = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-6) * w
    return torch.nn.functional.silu(y).to(x.dtype)


f = torch.compile(rms_gate, dynamic=False) if mode == "static" else torch.compile(rms_gate)
w = torch.randn(HIDDEN, device="cuda")
step_ms = []
for n in LENGTHS:
    x = torch.randn(n, HIDDEN, device="cuda", dtype=torch.float16)
    if mode == "dynamic":
        torch._dynamo.mark_dynamic(x, 0)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(CALLS):
        y = f(x, w)
    torch.cuda.synchronize()
    step_ms.append(round((time.perf_counter() - t0) * 1e3, 2))
    assert torch.allclose(y.float(), rms_gate(x, w).float(), atol=2e-2, rtol=2e-2)
print(json.dumps({"case": "torch_compile_" + mode,
                  "expect": {"lengths": len(LENGTHS), "calls_per_length": CALLS,
                             "builds": len(LENGTHS) if mode == "static" else 1},
                  "step_ms": step_ms}))
