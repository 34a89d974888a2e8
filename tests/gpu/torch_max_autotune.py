"""torch.compile(mode="max-autotune-no-cudagraphs") on a linear layer: Inductor builds and
benchmarks several Triton matmul templates (its autotuning) at the first call, then runs the
one it chose. A start-up cost, not churn: the steps after it build nothing.

Prints one JSON line of what it did, for check.py."""
import json
import sys
import time

import torch

STEPS = 20


def main():
    torch.manual_seed(0)
    # made on the host and copied: no kernel of torch's own beside Inductor's
    lin = torch.nn.Linear(512, 512, dtype=torch.float16).cuda()
    f = torch.compile(lin, mode="max-autotune-no-cudagraphs")
    x = torch.randn(64, 512, dtype=torch.float16).cuda()
    t0 = time.monotonic_ns()
    y = f(x)  # the autotuning
    torch.cuda.synchronize()
    warm = time.monotonic_ns()
    for _ in range(STEPS - 1):
        y = f(x)
    torch.cuda.synchronize()
    want = x.cpu().float() @ lin.weight.cpu().float().T + lin.bias.cpu().float()
    assert torch.allclose(y.cpu().float(), want, atol=5e-2, rtol=1e-2)
    print(json.dumps({"case": "torch_max_autotune", "steps": STEPS, "first_call_ms": (warm - t0) / 1e6,
                      "warm_end_mono_ns": warm}))


if __name__ == "__main__":
    sys.exit(main())
