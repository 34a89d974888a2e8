"""torch.compile's default (automatic dynamic shapes) on a small layer fed a new sequence length
each step: the first length is baked into its kernel; at the second, Dynamo recompiles with the
length as a symbol, and that kernel serves every later length. Two builds, once.

Prints one JSON line of what it did, for check.py."""
import json
import sys

import torch

LENGTHS = [97, 130, 211, 256, 301, 419]
CALLS = 5


def rms_gate(x, w):
    x32 = x.float()
    y = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-6) * w
    return torch.nn.functional.silu(y).to(x.dtype)


def main():
    f = torch.compile(rms_gate)
    w = torch.randn(1024).cuda()
    for n in LENGTHS:
        x = torch.randn(n, 1024, dtype=torch.float16).cuda()
        for _ in range(CALLS):
            y = f(x, w)
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_auto", "lengths": LENGTHS, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
