"""torch.compile(dynamic=False) on a layer fed twelve sequence lengths: a graph and a kernel for
each of the first eight, then Dynamo's recompile limit (torch._dynamo.config.recompile_limit,
8): it stops compiling the function and runs it eagerly for the last four, warning once.

Prints one JSON line of what it did, for check.py."""
import json
import sys

import torch

LENGTHS = list(range(100, 1300, 100))
CALLS = 3


def rms(x, w):
    x32 = x.float()
    return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-6) * w).to(x.dtype)


def main():
    f = torch.compile(rms, dynamic=False)
    w = torch.randn(1024, device="cuda")
    for n in LENGTHS:
        x = torch.randn(n, 1024, device="cuda", dtype=torch.float16)
        for _ in range(CALLS):
            y = f(x, w)
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_limit", "lengths": LENGTHS, "calls": CALLS,
                      "limit": torch._dynamo.config.recompile_limit}))


if __name__ == "__main__":
    sys.exit(main())
