"""torch.compile on a function whose int argument is a loop count, five counts.

Dynamo unrolls the loop, so each count is a new graph whatever `dynamic` says (an int that
steers the code is specialized), and Inductor fuses each into a kernel of the same name whose
body is longer by one step: the code differs between builds, not a constant. Prints what it
did as one JSON line (tests/gpu/check.py)."""
import json
import sys

import torch

STEPS = [2, 3, 4, 5, 2, 6]
CALLS = 4


@torch.compile
def repeat(x, steps: int):
    for _ in range(steps):
        x = torch.tanh(x) * 1.01
    return x


def main():
    x = torch.randn(256, 1024, device="cuda")
    for steps in STEPS:
        for _ in range(CALLS):
            repeat(x, steps)
    torch.cuda.synchronize()
    print(json.dumps({"case": "torch_compile_loop", "steps": STEPS, "calls": CALLS}))


if __name__ == "__main__":
    sys.exit(main())
